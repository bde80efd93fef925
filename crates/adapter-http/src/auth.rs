//! API key authentication and scope checks for every route under `/api/v1`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use eckwms_application::Principal;
use eckwms_application::ports::Scope;

use crate::extract::app_state;
use crate::problem::ApiError;

pub const API_KEY_HEADER: &str = "x-api-key";

/// The key a caller presents: `Authorization: Bearer <key>`, else `X-Api-Key: <key>`.
pub fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().ok()?.trim();
        let (scheme, key) = text.split_once(' ')?;
        let key = key.trim();
        return (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then(|| key.to_owned());
    }
    headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
}

/// Reads need `read`, changes need `write`, API key management needs `admin`.
pub fn required_scope(method: &Method, path: &str) -> Scope {
    let admin_area = path == "/api/v1/apikeys"
        || path.starts_with("/api/v1/apikeys/")
        || path == "/api/v1/pairing-qr";
    if admin_area {
        Scope::Admin
    } else if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Scope::Read
    } else {
        Scope::Write
    }
}

/// Authenticates the key and checks its scope; the [`Principal`] goes into the request
/// extensions. A key this process verified lately is checked in memory; any other needs a
/// database lookup, which runs off the async threads.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match authenticate(&req).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(e) => Ok(req.error_response(e)),
    }
}

async fn authenticate(req: &ServiceRequest) -> Result<Principal, ApiError> {
    let state = app_state(req.request())?;
    let key = presented_key(req.headers()).ok_or_else(crate::problem::unauthenticated)?;
    let remembered = state
        .calls
        .without_io(|s| s.api_keys.authenticate_from_memory(&key));
    let principal = match remembered {
        Some(checked) => checked.map_err(crate::problem::from_app)?,
        None => {
            state
                .calls
                .run(move |s| s.api_keys.authenticate_from_database(&key))
                .await?
        }
    };
    principal
        .require(required_scope(req.method(), req.path()))
        .map_err(crate::problem::from_app)?;
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn keys_come_from_bearer_or_x_api_key() {
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer eck_a_b")])).as_deref(),
            Some("eck_a_b")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "bearer  eck_a_b ")])).as_deref(),
            Some("eck_a_b")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic eck_a_b")])),
            None
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer")])),
            None
        );
        assert_eq!(
            presented_key(&headers(&[("x-api-key", "eck_a_b")])).as_deref(),
            Some("eck_a_b")
        );
        assert_eq!(presented_key(&headers(&[])), None);
    }

    #[test]
    fn scopes_follow_method_and_area() {
        assert_eq!(required_scope(&Method::GET, "/api/v1/items"), Scope::Read);
        assert_eq!(required_scope(&Method::POST, "/api/v1/items"), Scope::Write);
        assert_eq!(
            required_scope(&Method::DELETE, "/api/v1/items/x"),
            Scope::Write
        );
        assert_eq!(
            required_scope(&Method::GET, "/api/v1/apikeys"),
            Scope::Admin
        );
        assert_eq!(
            required_scope(&Method::DELETE, "/api/v1/apikeys/3"),
            Scope::Admin
        );
        assert_eq!(
            required_scope(&Method::GET, "/api/v1/apikeysx"),
            Scope::Read
        );
    }
}
