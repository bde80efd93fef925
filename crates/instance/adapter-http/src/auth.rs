//! API key authentication and scope checks for every route under `/api/v1`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use eckwms_application::{Actor, Need};

use crate::extract::app_state;
use crate::problem::{ApiError, ProblemCode};

pub const API_KEY_HEADER: &str = "x-api-key";

/// The key a caller presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`; `None`
/// when neither is sent, or the one sent holds no usable key (401).
///
/// A key is sent once: two `Authorization` headers, two `X-Api-Key` headers, or one of each
/// are 400 `invalid_header`, whatever they hold. Which one was meant cannot be known, and
/// taking the first would run the request under a key that a client or a proxy adding its own
/// never meant, such as a write key ahead of the read key the client sent.
pub fn presented_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let authorization: Vec<&HeaderValue> = headers.get_all(header::AUTHORIZATION).collect();
    let api_key: Vec<&HeaderValue> = headers.get_all(API_KEY_HEADER).collect();
    match (authorization.as_slice(), api_key.as_slice()) {
        ([], []) => Ok(None),
        ([value], []) => Ok(bearer_key(value)),
        ([], [value]) => Ok(value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)),
        ([_, _, ..], _) => Err(ApiError::invalid_header(
            "Authorization",
            "must be sent once",
        )),
        (_, [_, _, ..]) => Err(ApiError::invalid_header("X-Api-Key", "must be sent once")),
        ([_], [_]) => {
            let message = "send the API key in Authorization or in X-Api-Key, not both";
            Err(ApiError::from_code(
                ProblemCode::InvalidHeader,
                format!("Authorization, X-Api-Key: {message}"),
            )
            .with_errors([
                ApiError::field("Authorization", message),
                ApiError::field("X-Api-Key", message),
            ]))
        }
    }
}

/// The key of `Authorization: Bearer <key>` (the scheme in any case).
fn bearer_key(value: &HeaderValue) -> Option<String> {
    let (scheme, key) = value.to_str().ok()?.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then(|| key.to_owned())
}

/// What a request needs at least, checked here, before its body is read or its idempotency key
/// claimed, so that a caller refused by the use case is refused before anything happens. The
/// use cases say what they need and check it themselves ([`Actor::require`]); this early check
/// repeats their declarations for the routes of this API: reads need `read`, changes `write`,
/// API key management and the pairing QR `admin`.
pub fn required_need(method: &Method, path: &str) -> Need {
    let admin_area = path == "/api/v1/apikeys"
        || path.starts_with("/api/v1/apikeys/")
        || path == "/api/v1/pairing-qr";
    if admin_area {
        Need::Admin
    } else if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Need::Read
    } else {
        Need::Write
    }
}

/// Authenticates the key and checks the request's early need; the [`Actor`] goes into the
/// request extensions. A key this process verified lately is checked in memory; any other needs a
/// database lookup, which runs off the async threads.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match authenticate(&req).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(e) => Ok(req.error_response(e)),
    }
}

async fn authenticate(req: &ServiceRequest) -> Result<Actor, ApiError> {
    let state = app_state(req.request())?;
    let key = presented_key(req.headers())?.ok_or_else(crate::problem::unauthenticated)?;
    let remembered = state
        .calls
        .without_io(|s| s.api_keys.authenticate_from_memory(&key));
    let actor = match remembered {
        Some(checked) => checked.map_err(crate::problem::from_app)?,
        None => {
            state
                .calls
                .run(move |s| s.api_keys.authenticate_from_database(&key))
                .await?
        }
    };
    actor
        .require(required_need(req.method(), req.path()))
        .map_err(crate::problem::from_app)?;
    Ok(actor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn key(pairs: &[(&'static str, &'static str)]) -> Option<String> {
        presented_key(&headers(pairs)).unwrap()
    }

    #[test]
    fn keys_come_from_bearer_or_x_api_key() {
        assert_eq!(
            key(&[("authorization", "Bearer eck_a_b")]).as_deref(),
            Some("eck_a_b")
        );
        assert_eq!(
            key(&[("authorization", "bearer  eck_a_b ")]).as_deref(),
            Some("eck_a_b")
        );
        assert_eq!(key(&[("authorization", "Basic eck_a_b")]), None);
        assert_eq!(key(&[("authorization", "Bearer")]), None);
        assert_eq!(key(&[("x-api-key", "eck_a_b")]).as_deref(), Some("eck_a_b"));
        assert_eq!(key(&[]), None);
    }

    #[test]
    fn a_key_is_sent_once() {
        for (pairs, fields) in [
            (
                &[("authorization", "Bearer a"), ("authorization", "Bearer a")][..],
                &["Authorization"][..],
            ),
            (&[("x-api-key", "a"), ("x-api-key", "b")], &["X-Api-Key"]),
            (
                &[("authorization", "Bearer a"), ("x-api-key", "a")],
                &["Authorization", "X-Api-Key"],
            ),
            (
                &[("authorization", "Basic a"), ("x-api-key", "a")],
                &["Authorization", "X-Api-Key"],
            ),
        ] {
            let refused = presented_key(&headers(pairs)).unwrap_err();
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
            assert_eq!(refused.code(), "invalid_header");
            let named: Vec<&str> = refused.errors().iter().map(|e| e.field.as_str()).collect();
            assert_eq!(named, fields, "{pairs:?}");
        }
    }

    #[test]
    fn scopes_follow_method_and_area() {
        assert_eq!(required_need(&Method::GET, "/api/v1/items"), Need::Read);
        assert_eq!(required_need(&Method::POST, "/api/v1/items"), Need::Write);
        assert_eq!(
            required_need(&Method::DELETE, "/api/v1/items/x"),
            Need::Write
        );
        assert_eq!(required_need(&Method::GET, "/api/v1/apikeys"), Need::Admin);
        assert_eq!(
            required_need(&Method::DELETE, "/api/v1/apikeys/3"),
            Need::Admin
        );
        assert_eq!(required_need(&Method::GET, "/api/v1/apikeysx"), Need::Read);
    }
}
