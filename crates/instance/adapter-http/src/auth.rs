//! Authentication (API keys, session tokens, the session cookie with its CSRF token) and the
//! permission every route requires.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use eckwms_application::access::csrf_token;
use eckwms_application::{Actor, RequestMeta, SessionService};
use subtle::ConstantTimeEq;

use crate::permissions::{PermissionTable, Requirement};

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

/// The cookie that carries a session for the web UI.
pub const SESSION_COOKIE: &str = "eckwms_session";
/// The header a cookie-authenticated change carries its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session token of the request, when it authenticated with one (for logout).
#[derive(Clone, Debug)]
pub struct SessionToken(pub String);

/// Authenticates the caller (an API key or a session token in a header, or the session cookie)
/// and checks what the route requires ([`PermissionTable`]), before its body is read or its
/// idempotency key claimed; the [`Actor`] goes into the request extensions. Public routes read
/// no credential. A key this process verified lately is checked in memory; anything else needs
/// a database lookup, which runs off the async threads. A refused change (401 or 403 on
/// `POST`, `PATCH`, `PUT`, `DELETE`) is written to the audit log.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let requirement = req
        .app_data::<web::Data<PermissionTable>>()
        .map_or(Requirement::Authenticated, |t| {
            t.requirement(req.method(), req.path())
        });
    if requirement == Requirement::Public {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    match authenticate(&req, requirement).await {
        Ok((actor, session)) => {
            req.extensions_mut().insert(actor);
            if let Some(token) = session {
                req.extensions_mut().insert(SessionToken(token));
            }
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err((e, actor)) => {
            if is_change(req.method())
                && matches!(e.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            {
                record_refusal(&req, &e, actor).await;
            }
            Ok(req.error_response(e))
        }
    }
}

fn is_change(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    )
}

/// The credential of a request.
enum Credential {
    /// An API key or session token in `Authorization` or `X-Api-Key`.
    Header(String),
    /// The session cookie.
    Cookie(String),
}

fn credential(req: &ServiceRequest) -> Result<Option<Credential>, ApiError> {
    if let Some(key) = presented_key(req.headers())? {
        return Ok(Some(Credential::Header(key)));
    }
    Ok(req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(Credential::Cookie))
}

type Refusal = (ApiError, Option<Actor>);

async fn authenticate(
    req: &ServiceRequest,
    requirement: Requirement,
) -> Result<(Actor, Option<String>), Refusal> {
    let state = app_state(req.request()).map_err(|e| (e, None))?;
    let credential = credential(req)
        .map_err(|e| (e, None))?
        .ok_or_else(|| (crate::problem::unauthenticated(), None))?;
    let (token, from_cookie) = match credential {
        Credential::Header(token) => (token, false),
        Credential::Cookie(token) => (token, true),
    };
    let actor = if SessionService::is_session_token(&token) {
        let presented = token.clone();
        state
            .calls
            .run(move |s| s.sessions.authenticate(&presented))
            .await
    } else if from_cookie {
        // The cookie only ever carries session tokens.
        Err(crate::problem::unauthenticated())
    } else {
        let remembered = state
            .calls
            .without_io(|s| s.api_keys.authenticate_from_memory(&token));
        match remembered {
            Some(checked) => checked.map_err(crate::problem::from_app),
            None => {
                let presented = token.clone();
                state
                    .calls
                    .run(move |s| s.api_keys.authenticate_from_database(&presented))
                    .await
            }
        }
    }
    .map_err(|e| (e, None))?;
    if from_cookie && is_change(req.method()) {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        let expected = csrf_token(&token);
        let matches = sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
        if !matches {
            return Err((
                ApiError::from_code(
                    ProblemCode::CsrfTokenInvalid,
                    "a change made with the session cookie needs the session's CSRF token in \
                     X-CSRF-Token",
                ),
                Some(actor),
            ));
        }
    }
    if let Requirement::Permission(permission) = requirement
        && let Err(e) = actor.require(permission)
    {
        return Err((crate::problem::from_app(e), Some(actor)));
    }
    let session = SessionService::is_session_token(&token).then_some(token);
    Ok((actor, session))
}

/// The client's address: the peer's, or the header the configuration names (`X-Real-IP` set
/// by nginx) when the service runs behind a proxy.
pub fn client_address(req: &actix_web::HttpRequest) -> Option<String> {
    let from_header = req
        .app_data::<web::Data<crate::HttpState>>()
        .and_then(|s| s.settings.client_address_header.clone())
        .and_then(|name| {
            req.headers()
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        })
        .filter(|v| !v.is_empty() && v.len() <= 64);
    from_header.or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
}

/// Writes a refused change to the audit log; a failure to write it is logged, and the refusal
/// is answered all the same.
async fn record_refusal(req: &ServiceRequest, e: &ApiError, actor: Option<Actor>) {
    let Ok(state) = app_state(req.request()) else {
        return;
    };
    let address = client_address(req.request());
    let request_id = req
        .extensions()
        .get::<crate::request_id::RequestId>()
        .map(|id| id.0.clone());
    let status = e.status().as_u16();
    let code = e.code();
    let route = format!("{} {}", req.method(), req.path());
    let written = state
        .calls
        .run(move |s| {
            let meta = actor.map(|actor| RequestMeta {
                actor,
                request_id: None,
                idempotency: None,
                address: None,
            });
            s.audit
                .record_refusal(meta.as_ref(), address, request_id, status, code, &route)
        })
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "a refusal could not be written to the audit log");
    }
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
}
