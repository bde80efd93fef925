//! The OpenAPI document (generated from the route annotations) with the security schemes of
//! the global service, and the fallback that tells an unknown path (404) from a wrong method
//! (405) by that document.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::{Problem, ProblemField};

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
    components(schemas(Problem, ProblemField)),
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

/// The serialized document, served at `/ECK/API/openapi.json`.
pub struct ApiDocument {
    pub json: String,
}

pub use eckwms_http_kit::routes::{RouteTable, fallback};
