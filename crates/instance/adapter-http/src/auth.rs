//! Authentication (API keys, session tokens, the session cookie with its CSRF token, a
//! scanner's signature) and the permission every route requires.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use eckwms_application::access::csrf_token;
use eckwms_application::devices::{DeviceRequest, SignedUse};
use eckwms_application::{Actor, RequestMeta, SessionService};
use eckwms_device_protocol::{
    DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIMESTAMP_HEADER, SignatureRefusal,
    SignedHeaders,
};
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

/// The three headers of a scanner's signature, as written in refusals.
const DEVICE_HEADERS: [(&str, &str); 3] = [
    (DEVICE_ID_HEADER, "X-Device-Id"),
    (DEVICE_TIMESTAMP_HEADER, "X-Device-Timestamp"),
    (DEVICE_SIGNATURE_HEADER, "X-Device-Signature"),
];

/// One header of a scanner's signature: sent at most once (400 `invalid_header` otherwise,
/// as for every credential header), in visible ASCII, trimmed.
fn device_header<'a>(
    headers: &'a HeaderMap,
    (name, shown): (&str, &str),
) -> Result<Option<&'a str>, ApiError> {
    let mut sent = headers.get_all(name);
    let Some(value) = sent.next() else {
        return Ok(None);
    };
    if sent.next().is_some() {
        return Err(ApiError::invalid_header(shown, "must be sent once"));
    }
    value
        .to_str()
        .map(|v| Some(v.trim()))
        .map_err(|_| ApiError::invalid_header(shown, "must be visible ASCII"))
}

/// A scanner's signature headers: `None` when none of them is sent; 401
/// `invalid_device_signature` when only some are. Sent with an API key or a session token
/// (`Authorization`, `X-Api-Key`), they are 400 `ambiguous_credentials`: which credential was
/// meant cannot be known, and none is preferred silently.
pub fn device_headers(headers: &HeaderMap) -> Result<Option<SignedHeaders>, ApiError> {
    let sent: Vec<&str> = DEVICE_HEADERS
        .iter()
        .filter(|(name, _)| headers.contains_key(*name))
        .map(|(_, shown)| *shown)
        .collect();
    if sent.is_empty() {
        return Ok(None);
    }
    let keys: Vec<&str> = [
        (header::AUTHORIZATION.as_str(), "Authorization"),
        (API_KEY_HEADER, "X-Api-Key"),
    ]
    .into_iter()
    .filter(|(name, _)| headers.contains_key(*name))
    .map(|(_, shown)| shown)
    .collect();
    if !keys.is_empty() {
        let message = "send one credential: a scanner's signature (X-Device-*) or an API key or \
                       session token, not both";
        return Err(ApiError::from_code(
            ProblemCode::AmbiguousCredentials,
            format!("{}: {message}", [keys, sent].concat().join(", ")),
        ));
    }
    let [id, timestamp, signature] = [
        device_header(headers, DEVICE_HEADERS[0])?,
        device_header(headers, DEVICE_HEADERS[1])?,
        device_header(headers, DEVICE_HEADERS[2])?,
    ];
    SignedHeaders::from_values(id, timestamp, signature)
        .map_err(|refusal| crate::problem::from_app(refusal.into()))
}

/// The routes whose signed writes may come again: the scans, which their `msg_id` makes
/// harmless to repeat (and whose path stays one write lighter).
fn repeatable(path: &str) -> bool {
    matches!(path, "/api/v1/scans" | "/ECK/API/SCAN")
}

/// Authenticates the caller (an API key or a session token in a header, the session cookie, or
/// a scanner's signature) and checks what the route requires ([`PermissionTable`]), before its
/// idempotency key is claimed; the [`Actor`] goes into the request extensions. Public routes
/// read no credential. A key this process verified lately is checked in memory; anything else
/// needs a database lookup, which runs off the async threads. A scanner's signature covers the
/// body: it is read here (at most `http.body_limit` bytes) and put back for the handler. A
/// refused change (401 or 403 on `POST`, `PATCH`, `PUT`, `DELETE`) is written to the audit
/// log.
pub async fn middleware(
    mut req: ServiceRequest,
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
    let signed = match device_headers(req.headers()) {
        Ok(signed) => signed,
        Err(e) => return Ok(refused(req, e, None).await),
    };
    let outcome = match signed {
        Some(signed) => authenticate_device(&mut req, signed, requirement)
            .await
            .map(|actor| (actor, None)),
        None if requirement.needs_device() => Err((
            crate::problem::from_app(SignatureRefusal::Missing.into()),
            None,
        )),
        None => authenticate(&req, requirement).await,
    };
    match outcome {
        Ok((actor, session)) => {
            req.extensions_mut().insert(actor);
            if let Some(token) = session {
                req.extensions_mut().insert(SessionToken(token));
            }
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err((e, actor)) => Ok(refused(req, e, actor).await),
    }
}

/// The refusal's answer; a refused change (401 or 403) is written to the audit log first.
async fn refused(
    req: ServiceRequest,
    e: ApiError,
    actor: Option<Actor>,
) -> ServiceResponse<BoxBody> {
    if is_change(req.method())
        && matches!(e.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
    {
        record_refusal(&req, &e, actor).await;
    }
    req.error_response(e)
}

/// The actor of a scanner's signed request: its signature over the method, the path with its
/// query, the timestamp and the body, checked by the devices wing (from memory for a scanner
/// verified lately, else off the async threads); then what the route requires. A write's
/// signature is accepted once (but a scan's).
async fn authenticate_device(
    req: &mut ServiceRequest,
    signed: SignedHeaders,
    requirement: Requirement,
) -> Result<Actor, Refusal> {
    let state = app_state(req.request()).map_err(|e| (e, None))?;
    let body = crate::extract::read_body(req, state.settings.body_limit)
        .await
        .map_err(|e| (e, None))?;
    req.set_payload(Payload::from(body.clone()));
    let rules = SignedUse {
        any_status: requirement == Requirement::AnyDevice,
        once: is_change(req.method()) && !repeatable(req.path()),
    };
    let method = req.method().as_str().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path(), |pq| pq.as_str())
        .to_owned();
    let remembered = state.calls.without_io(|s| {
        s.devices.authenticate_from_memory(
            &DeviceRequest {
                headers: &signed,
                method: &method,
                path_and_query: &path_and_query,
                body: &body,
            },
            rules,
        )
    });
    let actor = match remembered {
        Some(checked) => checked.map_err(crate::problem::from_app),
        None => {
            state
                .calls
                .run(move |s| {
                    let request = DeviceRequest {
                        headers: &signed,
                        method: &method,
                        path_and_query: &path_and_query,
                        body: &body,
                    };
                    s.devices.authenticate_from_database(&request, rules)
                })
                .await
        }
    }
    .map_err(|e| (e, None))?;
    if let Requirement::Permission(permission) = requirement
        && let Err(e) = actor.require(permission)
    {
        return Err((crate::problem::from_app(e), Some(actor)));
    }
    Ok(actor)
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
