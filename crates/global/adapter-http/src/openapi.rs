//! The OpenAPI document (generated from the route annotations) with the security schemes of
//! the global service, and the fallback that tells an unknown path (404) from a wrong method
//! (405) by that document.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::{ApiError, Problem, ProblemField};

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

/// Every documented route and its methods.
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl RouteTable {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self { routes }
    }

    pub fn allowed(&self, path: &str) -> Vec<String> {
        let mut methods: Vec<String> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, methods)| methods.iter().map(|m| m.as_str().to_owned()))
            .collect();
        methods.sort();
        methods.dedup();
        methods
    }
}

/// The default service: 405 for a known path with another method, else 404.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allowed = req
        .app_data::<web::Data<RouteTable>>()
        .map(|table| table.allowed(req.path()))
        .unwrap_or_default();
    if allowed.is_empty() {
        Err(ApiError::route_not_found(req.path()))
    } else {
        Err(ApiError::method_not_allowed(req.method().as_str(), allowed))
    }
}
