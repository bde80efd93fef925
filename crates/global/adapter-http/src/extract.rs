//! What handlers take from a request: the JSON body (read by hand, so that signed requests
//! can hash the exact bytes), credentials, and the client's address.

use std::net::IpAddr;

use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, web};
use eckwms_device_protocol::{
    DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIMESTAMP_HEADER, SignatureRefusal,
    SignedHeaders,
};
use eckwms_global_application::{AppError, AppResult, Services, SignedRequest};
use eckwms_http_kit::media;
use eckwms_http_kit::turns::TurnError;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::HttpState;
use crate::problem::{ApiError, ProblemCode, from_app};

/// Header of an instance key (besides `Authorization: Bearer`).
pub const INSTANCE_KEY_HEADER: &str = "x-internal-api-key";
pub const ENROLLMENT_TOKEN_HEADER: &str = "x-enrollment-token";
pub const PAIRING_TOKEN_HEADER: &str = "x-pairing-token";

/// Runs a use case on the blocking pool once it has a turn (`HttpState::turns`); its error
/// becomes its problem, and no turn within the wait is 503 `unavailable`.
pub async fn run<T, F>(state: &HttpState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&Services) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let services = state.services.clone();
    match state.turns.run(move || f(&services)).await {
        Ok(result) => result.map_err(from_app),
        Err(no_turn @ TurnError::NoTurn(_)) => Err(from_app(AppError::Unavailable(no_turn.into()))),
        Err(TurnError::Failed(e)) => Err(ApiError::internal(&format_args!("{e}"))),
    }
}

/// The body as bytes, at most `limit` of them (413 beyond).
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::malformed_body(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses a JSON body: 415 unless the content type is `application/json` (in UTF-8, see
/// [`media::is_json`]), 400 when it does not parse or does not fit `T` (naming the offending
/// path).
pub fn parse_json<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default());
    if !media::is_json(content_type) {
        return Err(ApiError::unsupported_media_type());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let problem = ApiError::malformed_body(format!("the body is not valid: {message}"));
        if path == "." || path.is_empty() {
            problem
        } else {
            problem.with_errors([ApiError::field(path, message)])
        }
    })?;
    de.end()
        .map_err(|_| ApiError::malformed_body("trailing characters after the JSON body"))?;
    Ok(value)
}

/// An empty body is `T::default()`; any other body must be JSON.
pub fn parse_json_or_default<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(req, body)
    }
}

/// A credential header: sent at most once (400 `invalid_header` otherwise: which one was meant
/// cannot be known, and the first must not silently win), in visible ASCII.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut sent = headers.get_all(name);
    let Some(value) = sent.next() else {
        return Ok(None);
    };
    if sent.next().is_some() {
        return Err(ApiError::invalid_header(name, "must be sent once"));
    }
    value
        .to_str()
        .map(|s| Some(s.trim()))
        .map_err(|_| ApiError::invalid_header(name, "must be visible ASCII"))
}

/// The bearer token of `Authorization`, if any.
pub fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    match header(headers, header::AUTHORIZATION.as_str())? {
        None => Ok(None),
        Some(value) => match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Ok(Some(token.trim()))
            }
            _ => Err(ApiError::invalid_header(
                "Authorization",
                "must be Bearer <key>",
            )),
        },
    }
}

/// An instance key from `Authorization: Bearer` or `X-Internal-Api-Key`; in both is 400
/// `invalid_header`, like a header sent twice.
pub fn instance_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    match (bearer(headers)?, header(headers, INSTANCE_KEY_HEADER)?) {
        (Some(_), Some(_)) => {
            let message =
                "send the instance key in Authorization or in X-Internal-Api-Key, not both";
            Err(ApiError::from_code(
                ProblemCode::InvalidHeader,
                format!("Authorization, X-Internal-Api-Key: {message}"),
            )
            .with_errors([
                ApiError::field("Authorization", message),
                ApiError::field("X-Internal-Api-Key", message),
            ]))
        }
        (key, None) | (None, key) => Ok(key),
    }
}

pub fn enrollment_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    header(headers, ENROLLMENT_TOKEN_HEADER)
}

pub fn pairing_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    header(headers, PAIRING_TOKEN_HEADER)
}

/// A device request's signature headers (`eckwms-device-protocol`) with the method and the
/// path and query they sign, owned, for the use case on the blocking pool.
#[derive(Clone, Debug)]
pub struct DeviceRequest {
    headers: SignedHeaders,
    method: String,
    path_and_query: String,
}

impl DeviceRequest {
    /// The request as the use case checks it, over `body`.
    pub fn signed<'a>(&'a self, body: &'a [u8]) -> SignedRequest<'a> {
        SignedRequest {
            headers: &self.headers,
            method: &self.method,
            path_and_query: &self.path_and_query,
            body,
        }
    }
}

/// The signature headers of a device request; `None` when none of them is set, 401 when only
/// some are. Each is a credential header (sent once, visible ASCII).
pub fn device_request(req: &HttpRequest) -> Result<Option<DeviceRequest>, ApiError> {
    let headers = req.headers();
    let id = header(headers, DEVICE_ID_HEADER)?;
    let timestamp = header(headers, DEVICE_TIMESTAMP_HEADER)?;
    let signature = header(headers, DEVICE_SIGNATURE_HEADER)?;
    let Some(headers) =
        SignedHeaders::from_values(id, timestamp, signature).map_err(signature_refused)?
    else {
        return Ok(None);
    };
    Ok(Some(DeviceRequest {
        headers,
        method: req.method().as_str().to_owned(),
        path_and_query: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.path(), |pq| pq.as_str())
            .to_owned(),
    }))
}

/// A device signature refused before the use case runs, as its problem (the same as the use
/// case's refusals).
pub fn signature_refused(refusal: SignatureRefusal) -> ApiError {
    from_app(refusal.into())
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
/// address of `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_addr(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted_proxies.contains(ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn req(peer: &str, xff: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        if let Some(xff) = xff {
            r = r.insert_header(("X-Forwarded-For", xff));
        }
        r.to_http_request()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(
            client_addr(&req("198.51.100.7:5000", Some("1.2.3.4")), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_addr(&req("127.0.0.1:5000", Some("1.2.3.4")), &trusted),
            ip("1.2.3.4")
        );
        // A client cannot hide behind an address it puts first: the right-most untrusted wins.
        assert_eq!(
            client_addr(
                &req("127.0.0.1:5000", Some("9.9.9.9, 1.2.3.4, 10.0.0.2")),
                &trusted
            ),
            ip("1.2.3.4")
        );
        assert_eq!(
            client_addr(&req("127.0.0.1:5000", None), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_addr(&req("127.0.0.1:5000", Some("junk")), &trusted),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn keys_come_from_bearer_or_the_internal_header() {
        let r = TestRequest::default()
            .insert_header(("Authorization", "Bearer abc"))
            .to_http_request();
        assert_eq!(instance_key(r.headers()).unwrap(), Some("abc"));
        let r = TestRequest::default()
            .insert_header(("X-Internal-Api-Key", "def"))
            .to_http_request();
        assert_eq!(instance_key(r.headers()).unwrap(), Some("def"));
        let r = TestRequest::default()
            .insert_header(("Authorization", "Basic abc"))
            .to_http_request();
        assert_eq!(
            instance_key(r.headers()).unwrap_err().status().as_u16(),
            400
        );
    }
}
