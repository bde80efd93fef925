//! The OpenAPI document (generated from the route annotations) with the security schemes of
//! the global service, and the fallback that tells an unknown path (404) from a wrong method
//! (405) by that document.

use actix_web::http::Method;
use eckwms_http_kit::openapi::{
    Link, add_links, has_param, input_problems, operations_mut, problem, problem_bodies,
    security_schemes, server_problems,
};
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::{Problem, ProblemField};
use crate::schema;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        let header = |name: &str, description: &str| {
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                name,
                description,
            )))
        };
        components.add_security_scheme(
            "admin_key",
            bearer("The operator key of the configuration (`auth.admin_key`)"),
        );
        components.add_security_scheme(
            "instance_key",
            bearer("An instance's API key `ecki_<instance>_<secret>` (also accepted in X-Internal-Api-Key)"),
        );
        components.add_security_scheme(
            "enrollment_token",
            header("X-Enrollment-Token", "A one-time enrollment token `ecke_…`"),
        );
        components.add_security_scheme(
            "pairing_token",
            header(
                "X-Pairing-Token",
                "A pairing token `eckp_…` made by the instance",
            ),
        );
        components.add_security_scheme(
            "device_signature",
            header(
                "X-Device-Signature",
                "Base64 Ed25519 signature of `ECKWMS-DEVICE-V1\\n<METHOD>\\n<path?query>\\n<X-Device-Timestamp>\\n<sha256 hex of the body>`, with X-Device-Id and X-Device-Timestamp (Unix seconds, within 300 s)",
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ECKWMS global API",
        description = "Instance registry, discovery, device pairing and the scan relay. Errors \
            are `application/problem+json` with a stable `code`; every response carries \
            `X-Request-Id`."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(
        Problem,
        ProblemField,
        // The value schemas parameters name (fields' are collected with their structs).
        schema::InstanceUuid,
        schema::DeviceIdText,
        schema::BatchSize,
    )),
    tags(
        (name = "system", description = "Health, readiness, this document"),
        (name = "instances", description = "Registration, heartbeats, pairing tokens"),
        (name = "discovery", description = "Where a scanner reaches its instance"),
        (name = "devices", description = "Device pairing"),
        (name = "relay", description = "The scan relay"),
        (name = "admin", description = "Operator routes"),
    )
)]
pub struct BaseDoc;

/// The operations on one instance (`{id}`), which its registration, heartbeat and listing
/// link to.
const ON_AN_INSTANCE: [&str; 6] = [
    "get_instance_info",
    "get_instance",
    "list_scans",
    "enable_instance",
    "disable_instance",
    "rotate_key",
];

/// Links a client (and the stateful phase of a contract test) can follow: from an instance's
/// registration (201), heartbeat (200) or the listing of instances to the operations on it.
fn links() -> Vec<Link> {
    const REGISTERED: &[(&str, &str)] = &[("path.id", "$response.body#/instanceId")];
    const LISTED: &[(&str, &str)] = &[("path.id", "$response.body#/instances/0/instanceId")];
    ON_AN_INSTANCE
        .into_iter()
        .flat_map(|to| {
            [
                ("register_instance", "201", REGISTERED),
                ("register_instance", "200", REGISTERED),
                ("list_instances", "200", LISTED),
            ]
            .map(|(from, status, parameters)| Link {
                from,
                status,
                to,
                parameters,
            })
        })
        .collect()
}

/// Routes that call no service: they answer without the database, so never 503.
const NO_SERVICE_CALLS: &[&str] = &["/health", "/ECK/API/openapi.json", "/ECK/API/IDENTITY"];

/// Adds the problem responses each kind of operation can answer (each with its
/// `application/problem+json` body), from what it takes: credentials (its security
/// requirements), path ids, a query, a JSON body.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations_mut(item) {
            let schemes = security_schemes(op);
            let has_path = has_param(op, ParameterIn::Path);
            let has_query = has_param(op, ParameterIn::Query);
            let has_body = op.request_body.is_some();
            if !schemes.is_empty() {
                problem(
                    op,
                    "401",
                    "The credentials are missing or do not hold (`code` says which)",
                );
            }
            if schemes
                .iter()
                .any(|s| s == "instance_key" || s == "device_signature")
            {
                problem(
                    op,
                    "403",
                    "A disabled instance (`instance_disabled`) or a device that is not active \
                     (`device_not_active`)",
                );
            }
            if schemes.len() > 1 {
                problem(
                    op,
                    "400",
                    "Bad path id (`invalid_id`), query (`invalid_query`), credential header \
                     (`invalid_header`: not visible ASCII, sent twice, or the instance key in \
                     both Authorization and X-Internal-Api-Key), two kinds of credential \
                     (`ambiguous_credentials`) or JSON body (`malformed_body`)",
                );
            } else if !schemes.is_empty() || has_path || has_query || has_body {
                problem(
                    op,
                    "400",
                    "Bad path id (`invalid_id`), query (`invalid_query`), credential header \
                     (`invalid_header`: not visible ASCII, sent twice, or the instance key in \
                     both Authorization and X-Internal-Api-Key) or JSON body (`malformed_body`)",
                );
            }
            if method == Method::POST && schemes.iter().any(|s| s == "enrollment_token") {
                problem(
                    op,
                    "409",
                    "The enrollment token was used (`enrollment_token_used`)",
                );
            }
            input_problems(op);
            server_problems(op, !NO_SERVICE_CALLS.contains(&path.as_str()));
        }
    }
    problem_bodies(doc);
    add_links(doc, &links());
}

/// The serialized document, served at `/ECK/API/openapi.json`.
pub struct ApiDocument {
    pub json: String,
}

pub use eckwms_http_kit::routes::{RouteTable, fallback};
