//! The OpenAPI document: collected from the registered handlers by construction, completed
//! with the security schemes and the problem responses every operation shares. The same
//! document drives the 404/405 fallback, so "documented" and "routed" cannot drift apart.

use actix_web::http::Method;
use eckwms_http_kit::openapi::{
    Link, add_links, has_header, has_param, input_problems, link_to, operations_mut, problem,
    problem_bodies, security_schemes, server_problems,
};
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::permissions::{PermissionTable, Requirement};
use crate::problem::{Problem, ProblemField};
use crate::schema;

/// Security schemes: a bearer token (an API key or a session token), the `X-Api-Key` header
/// (an API key), the session cookie of the web UI, or a scanner's signature.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key (`Authorization: Bearer eck_<key id>_<secret>`) or a \
                         session token from `POST /api/v1/auth/login` (`Bearer ecks_...`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "The same API key in the X-Api-Key header",
            ))),
        );
        components.add_security_scheme(
            "device_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Device-Signature",
                "A registered scanner's signature: base64 Ed25519 of \
                 `ECKWMS-DEVICE-V1\\n<METHOD>\\n<path?query>\\n<X-Device-Timestamp>\\n<sha256 hex \
                 of the body>`, sent with X-Device-Id and X-Device-Timestamp (Unix seconds, \
                 within 300 s); never with an API key or session",
            ))),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "eckwms_session",
                "The session cookie set by the login (web UI); a change made with it needs \
                 the session's CSRF token in `X-CSRF-Token`",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ECKWMS instance API",
        description = "Warehouses, racks, places, boxes, items, orders, moves and their history. \
            Errors are `application/problem+json` with a stable `code`. Writes accept an \
            `Idempotency-Key`; PATCH and DELETE of versioned objects need `If-Match`."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(
        Problem,
        ProblemField,
        // The value schemas parameters name (fields' are collected with their structs).
        schema::NameText,
        schema::CodeText,
        schema::NoteText,
        schema::QueryText,
        schema::TokenText,
        schema::KeyName,
        schema::ScannedText,
        schema::ItemId,
        schema::BoxId,
        schema::PlaceId,
        schema::OrderId,
        schema::ParentId,
        schema::MovableId,
        schema::AnyId,
        schema::Serial,
        schema::PageLimit,
        schema::BarcodeList,
        schema::AttributeMap,
        schema::Binary,
        schema::ScanActionName,
        schema::LabelKind,
        schema::SheetFormatName,
        schema::ImageFormat,
        schema::UserId,
        schema::RoleName,
        schema::DeviceIdText,
        schema::DeviceStatusName,
    )),
    security(("bearer" = []), ("api_key" = []), ("session_cookie" = []), ("device_signature" = [])),
    tags(
        (name = "system", description = "Health, readiness, this document"),
        (name = "warehouses", description = "Warehouses"),
        (name = "racks", description = "Racks and their cell places"),
        (name = "places", description = "Storage places"),
        (name = "boxes", description = "Boxes"),
        (name = "items", description = "Items and repair actions"),
        (name = "orders", description = "Orders and their boxes"),
        (name = "overview", description = "The operator's dashboard"),
        (name = "events", description = "The ledger as a stream of changes"),
        (name = "moves", description = "Moving items and boxes"),
        (name = "auth", description = "Login, logout and the caller"),
        (name = "users", description = "Users (users.manage)"),
        (name = "roles", description = "Roles and permissions"),
        (name = "api keys", description = "API key management (apikeys.manage)"),
        (name = "audit", description = "The audit log of security events (core.admin)"),
        (name = "devices", description = "Scanners: pairing, and the registry (devices.manage)"),
        (name = "webhooks", description = "Webhook subscriptions: the changes POSTed to a URL (core.admin)"),
        (name = "relay", description = "The puller of the global service's scan relay (devices.manage)"),
    )
)]
pub struct BaseDoc;

/// The serialized document, served at `/api/v1/openapi.json`.
pub struct ApiDocument {
    pub json: String,
}

/// Request bodies that take exactly one of two fields, which a derived schema cannot say: the
/// body's schema becomes `allOf: [<fields>, oneOf: [required a, required b]]`.
const EXACTLY_ONE_OF: &[(&str, [&str; 2])] = &[
    ("MoveIn", ["object", "objects"]),
    ("LabelsIn", ["count", "ids"]),
    ("CreateApiKeyIn", ["role", "scope"]),
    ("OperatorLoginIn", ["username", "badge"]),
];

/// Routes that call no service: they answer without a turn, so never 503.
const NO_SERVICE_CALLS: &[&str] = &["/health"];

/// Adds what the operations of a kind share: the problem responses they can answer (each with
/// its `application/problem+json` body), the `Idempotency-Key` header of the writes, and the
/// form of `If-Match`.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations_mut(item) {
            // What the route requires, from the one table (a route missing from it gets no
            // `x-permission`, and the tests fail).
            if let Some(requirement) = PermissionTable::of_operation(&method, path) {
                op.extensions
                    .get_or_insert_with(Default::default)
                    .insert("x-permission".to_owned(), requirement.as_str().into());
            }
            let keyed = takes_api_key(op);
            let requirement = PermissionTable::of_operation(&method, path);
            let device_only = requirement.is_some_and(Requirement::needs_device);
            let write = matches!(method, Method::POST | Method::PATCH | Method::DELETE);
            // The idempotency middleware wraps the `/api/v1` scope.
            if keyed && write && path.starts_with("/api/v1/") {
                idempotency_key(op);
                problem(
                    op,
                    "409",
                    "Conflict with the current state (`code` names it), a request with this \
                     Idempotency-Key in progress (`idempotency_in_progress`), or a scanner's \
                     signed write sent again (`signature_replayed`)",
                );
                problem(
                    op,
                    "422",
                    "Invalid fields (`validation_failed`, listed in `errors`), a malformed \
                     Idempotency-Key, or the key reused for another request \
                     (`idempotency_key_reused`)",
                );
            }
            if keyed && write {
                problem(
                    op,
                    "409",
                    "Conflict with the current state (`code` names it), or a scanner's signed \
                     write sent again (`signature_replayed`)",
                );
            }
            let has_path = has_param(op, ParameterIn::Path);
            let has_query = has_param(op, ParameterIn::Query);
            let has_headers = has_param(op, ParameterIn::Header);
            let has_body = op.request_body.is_some();
            if keyed && device_only {
                problem(
                    op,
                    "401",
                    "No valid scanner signature (`invalid_device_signature`, \
                     `stale_device_signature`)",
                );
                if requirement == Some(Requirement::ActiveDevice) {
                    problem(op, "403", "The scanner is not active (`device_not_active`)");
                }
                problem(
                    op,
                    "400",
                    "A signature header sent twice or not visible ASCII (`invalid_header`), a \
                     signature sent with an API key or session (`ambiguous_credentials`), a bad \
                     path id (`invalid_id`) or JSON body (`malformed_body`)",
                );
            } else if keyed {
                problem(
                    op,
                    "401",
                    "No valid API key, session or scanner signature (`unauthenticated`, \
                     `invalid_device_signature`, `stale_device_signature`)",
                );
                problem(
                    op,
                    "403",
                    "The caller lacks the permission `x-permission` names (`forbidden`, with \
                     `permission` naming it), a change made with the session cookie lacks its \
                     CSRF token (`csrf_token_invalid`), or the signing scanner is not active \
                     (`device_not_active`)",
                );
                // A key sent twice (or in both headers) is refused before anything else.
                if has_path || has_query || has_headers || has_body {
                    problem(
                        op,
                        "400",
                        "Bad path id (`invalid_id`), query (`invalid_query`), header \
                         (`invalid_header`, also an API key sent twice or in both \
                         Authorization and X-Api-Key), JSON body (`malformed_body`), or a \
                         scanner's signature sent with an API key or session \
                         (`ambiguous_credentials`)",
                    );
                } else {
                    problem(
                        op,
                        "400",
                        "The API key is sent twice, or in both Authorization and X-Api-Key \
                         (`invalid_header`), or a scanner's signature with an API key or session \
                         (`ambiguous_credentials`)",
                    );
                }
            }
            // A public operation with a JSON body (the login) reads no credential, but its
            // body can be malformed.
            if !keyed && has_body {
                problem(op, "400", "Malformed JSON body (`malformed_body`)");
            }
            if has_header(op, "If-Match") {
                if_match(op);
                problem(op, "412", "The version changed (`precondition_failed`)");
                problem(op, "428", "If-Match is missing (`precondition_required`)");
            }
            input_problems(op);
            server_problems(op, !NO_SERVICE_CALLS.contains(&path.as_str()));
        }
    }
    problem_bodies(doc);
    exactly_one_of(doc);
    links(doc);
}

/// Links beyond the rules of [`links`].
const EXTRA_LINKS: &[Link] = &[
    Link {
        from: "link_box",
        status: "200",
        to: "unlink_box",
        parameters: &[
            ("path.id", "$request.path.id"),
            ("path.box_id", "$response.body#/id"),
        ],
    },
    Link {
        from: "scan",
        status: "200",
        to: "get_scan",
        parameters: &[("path.id", "$response.body#/scan_id")],
    },
    Link {
        from: "legacy_scan",
        status: "200",
        to: "get_scan",
        parameters: &[("path.id", "$response.body#/scan_id")],
    },
];

/// What [`links`] needs to know of an operation.
struct LinkEnd {
    path: String,
    operation_id: String,
    path_params: Vec<String>,
    if_match: bool,
}

/// OpenAPI links between the operations on one object: a create (`POST /x` answering 201)
/// leads to every operation on `/x/{id}` and below, with the new `id` and, where `If-Match` is
/// needed, the `ETag` of the answer; a read or change of `/x/{id}` answering an `ETag` leads to
/// the operations on the same object with that version. Plus [`EXTRA_LINKS`].
fn links(doc: &mut utoipa::openapi::OpenApi) {
    let mut ends = Vec::new();
    for (path, item) in doc.paths.paths.iter_mut() {
        for (_, op) in operations_mut(item) {
            ends.push(LinkEnd {
                path: path.clone(),
                operation_id: op.operation_id.clone().unwrap_or_default(),
                path_params: op
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|p| p.parameter_in == ParameterIn::Path)
                    .map(|p| p.name.clone())
                    .collect(),
                if_match: has_header(op, "If-Match"),
            });
        }
    }
    let only_id = |end: &LinkEnd| end.path_params == ["id"];
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations_mut(item) {
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                let etag = response.headers.contains_key("ETag");
                let mut add = |to: &LinkEnd, parameters: &[(&str, &str)]| {
                    let mut parameters = parameters.to_vec();
                    if to.if_match && etag {
                        parameters.push(("header.If-Match", "$response.header.ETag"));
                    }
                    response.links.insert(
                        to.operation_id.clone(),
                        link_to(&to.operation_id, &parameters).into(),
                    );
                };
                let below = |to: &&LinkEnd| {
                    to.path == format!("{path}/{{id}}")
                        || to.path.starts_with(&format!("{path}/{{id}}/"))
                };
                if method == Method::POST && status == "201" {
                    for to in ends.iter().filter(below).filter(|to| only_id(to)) {
                        add(to, &[("path.id", "$response.body#/id")]);
                    }
                }
                let on_one_object = path.ends_with("/{id}") && !path.contains("/{id}/");
                if matches!(method, Method::GET | Method::PATCH)
                    && status == "200"
                    && etag
                    && on_one_object
                {
                    let same = |to: &&LinkEnd| {
                        to.path == *path || to.path.starts_with(&format!("{path}/"))
                    };
                    for to in ends.iter().filter(same).filter(|to| only_id(to)) {
                        add(to, &[("path.id", "$request.path.id")]);
                    }
                }
            }
        }
    }
    add_links(doc, EXTRA_LINKS);
}

fn exactly_one_of(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (name, [a, b]) in EXACTLY_ONE_OF {
        let Some(fields) = components.schemas.remove(*name) else {
            continue;
        };
        let choice = OneOfBuilder::new()
            .item(ObjectBuilder::new().required(*a))
            .item(ObjectBuilder::new().required(*b));
        let schema = AllOfBuilder::new().item(fields).item(choice);
        components
            .schemas
            .insert((*name).to_owned(), Schema::from(schema).into());
    }
}

/// Whether the operation needs an API key: it names no security of its own (the document's
/// applies) or names a scheme.
fn takes_api_key(op: &Operation) -> bool {
    op.security.is_none() || !security_schemes(op).is_empty()
}

fn if_match(op: &mut Operation) {
    for parameter in op.parameters.iter_mut().flatten() {
        if parameter.name.eq_ignore_ascii_case("If-Match") {
            parameter.schema = Some(schema::if_match().into());
            parameter.description = Some(
                "The ETag read, like `\"3\"` (also `W/\"3\"`), or `*` for any version".to_owned(),
            );
        }
    }
}

fn idempotency_key(op: &mut Operation) {
    let parameters = op.parameters.get_or_insert_with(Vec::new);
    if parameters.iter().any(|p| p.name == "Idempotency-Key") {
        return;
    }
    parameters.push(
        ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "1 to 255 visible ASCII characters, sent once (two: 400 `invalid_header`). A \
                 repeat with the same key and request returns the stored response \
                 (`Idempotent-Replayed: true`).",
            ))
            .schema(Some(schema::idempotency_key()))
            .build(),
    );
}

// ---------------------------------------------------------------- 404 and 405

pub use eckwms_http_kit::routes::{RouteTable, fallback};
