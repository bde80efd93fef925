//! 404 and 405 for both services: the default service tells an unknown path from a known path
//! asked with another method, from the routes of the service's OpenAPI document.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::problem::ApiError;

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

    /// The methods a path answers to; empty for an unknown path.
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

/// The default service: 405 for a known path with another method, else 404. The table comes
/// from the app data (`web::Data<RouteTable>`).
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
