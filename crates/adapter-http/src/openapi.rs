//! The OpenAPI document: collected from the registered handlers by construction, completed
//! with the security schemes and the problem responses every operation shares. The same
//! document drives the 404/405 fallback, so "documented" and "routed" cannot drift apart.

use actix_web::http::Method;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::problem::{PROBLEM_CONTENT_TYPE, Problem, ProblemField};

/// Security schemes: a bearer token or the `X-Api-Key` header, both carrying an API key.
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
                        "An API key: `Authorization: Bearer eck_<key id>_<secret>`",
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
    components(schemas(Problem, ProblemField)),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "system", description = "Health, readiness, this document"),
        (name = "warehouses", description = "Warehouses"),
        (name = "racks", description = "Racks and their cell places"),
        (name = "places", description = "Storage places"),
        (name = "boxes", description = "Boxes"),
        (name = "items", description = "Items and repair actions"),
        (name = "orders", description = "Orders and their boxes"),
        (name = "moves", description = "Moving items and boxes"),
        (name = "api keys", description = "API key management (admin)"),
    )
)]
pub struct BaseDoc;

/// The serialized document, served at `/api/v1/openapi.json`.
pub struct ApiDocument {
    pub json: String,
}

/// Adds the problem responses and headers that every operation of a kind shares.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/api/v1/");
        let has_path_params = path.contains('{');
        for (method, op) in operations_mut(item) {
            let write = matches!(method, Method::POST | Method::PATCH | Method::DELETE);
            let has_query = has_param(op, ParameterIn::Query);
            let has_if_match = op
                .parameters
                .iter()
                .flatten()
                .any(|p| p.name.eq_ignore_ascii_case("If-Match"));
            let has_body = op.request_body.is_some();
            if api {
                problem(op, "401", "No valid API key (`unauthenticated`)");
                problem(op, "403", "The key's scope is too low (`forbidden`)");
                problem(op, "503", "Temporarily unavailable (`unavailable`); retry");
            }
            problem(
                op,
                "500",
                "Internal error (`internal`); the detail reveals nothing",
            );
            // A write may also carry a bad `Idempotency-Key` header (sent twice: 400).
            if has_path_params || has_query || has_body || (api && write) {
                problem(
                    op,
                    "400",
                    "Bad path id (`invalid_id`), query (`invalid_query`), header or JSON body \
                     (`malformed_body`)",
                );
            }
            if has_path_params {
                problem(op, "404", "No such object (`not_found`)");
            }
            if has_body {
                problem(op, "413", "Body too large (`payload_too_large`)");
                problem(op, "415", "Body is not JSON (`unsupported_media_type`)");
                problem(
                    op,
                    "422",
                    "Invalid fields (`validation_failed`), listed in `errors`",
                );
            }
            if has_if_match {
                problem(op, "412", "The version changed (`precondition_failed`)");
                problem(op, "428", "If-Match is missing (`precondition_required`)");
            }
            if api && write {
                problem(
                    op,
                    "409",
                    "Conflict with the current state, or an idempotent request in progress",
                );
                idempotency_key(op);
            }
        }
    }
}

fn operations_mut(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

fn has_param(op: &Operation, location: ParameterIn) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == location)
}

fn problem(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_CONTENT_TYPE,
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build()
                .into()
        });
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
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build(),
    );
}

// ---------------------------------------------------------------- 404 and 405

pub use eckwms_http_kit::routes::{RouteTable, fallback};
