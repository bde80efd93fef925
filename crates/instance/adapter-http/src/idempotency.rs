//! `Idempotency-Key` on POST, PATCH and DELETE: claim the key, run the request once, store its
//! response, and answer repeats with the stored response.

use std::time::{Duration, Instant};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse};
use eckwms_application::ports::{IdempotencyKeyRef, StoredResponse};
use eckwms_application::{Actor, AppError, Begin, IdempotencyService};
use sha2::{Digest, Sha256};

use crate::calls::Calls;
use crate::extract::app_state;
use crate::problem::{ApiError, ProblemCode};

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// Hex SHA-256 of method, path, query string and body: what makes two requests "the same".
pub fn fingerprint(method: &Method, path: &str, query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(query.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

fn applies_to(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PATCH | Method::DELETE)
}

/// What the request needs before it may run.
enum Admission {
    /// No key, or a method keys do not apply to.
    Bypass,
    /// This request owns the key and runs.
    Run(IdempotencyKeyRef, Bytes),
    /// A request with this key completed: answer its response.
    Replay(StoredResponse),
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let (key_ref, body) = match admit(&mut req).await {
        Ok(Admission::Bypass) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Ok(Admission::Replay(stored)) => return Ok(req.into_response(replay(&stored))),
        Ok(Admission::Run(key_ref, body)) => (key_ref, body),
        Err(e) => return Ok(req.error_response(e)),
    };
    let calls = match app_state(req.request()) {
        Ok(state) => state.calls.clone(),
        Err(e) => return Ok(req.error_response(e)),
    };
    req.set_payload(Payload::from(body));
    req.extensions_mut().insert(key_ref.clone());

    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            release(&calls, key_ref).await;
            return Err(e);
        }
    };
    if res.status().is_server_error() {
        release(&calls, key_ref).await;
        return Ok(res);
    }

    let (http_request, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let error = ApiError::internal(&format_args!("response body unreadable: {e}"));
            return Ok(ServiceResponse::from_err(error, http_request));
        }
    };
    let stored = stored_response(&head, &bytes);
    let finished = calls
        .run(move |s| s.idempotency.finish(&key_ref, &stored))
        .await;
    if let Err(e) = finished {
        // The effect happened: answer it anyway; a retry gets `idempotency_response_lost`.
        tracing::warn!(code = e.code(), "could not store an idempotent response");
    }
    Ok(ServiceResponse::new(
        http_request,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// Claims the key, or waits for the request that holds it (polling, never blocking a worker).
async fn admit(req: &mut ServiceRequest) -> Result<Admission, ApiError> {
    let mut sent = req.headers().get_all(IDEMPOTENCY_KEY_HEADER);
    let Some(raw_key) = sent.next().cloned() else {
        return Ok(Admission::Bypass);
    };
    if !applies_to(req.method()) {
        return Ok(Admission::Bypass);
    }
    if sent.next().is_some() {
        // Which of two keys was meant cannot be known; taking one would run the request under
        // a key its client may not retry with.
        return Err(ApiError::invalid_header(
            "Idempotency-Key",
            "must be sent once",
        ));
    }
    let state = app_state(req.request())?;
    let key = raw_key.to_str().map_err(|_| {
        AppError::invalid(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )
    });
    let key = key.map_err(crate::problem::from_app)?;
    IdempotencyService::validate_key(key).map_err(crate::problem::from_app)?;
    let owner = req
        .extensions()
        .get::<Actor>()
        .map(Actor::ledger_name)
        .ok_or_else(crate::problem::unauthenticated)?;
    let key_ref = IdempotencyKeyRef {
        owner,
        key: key.to_owned(),
    };
    let body = crate::extract::read_body(req, state.settings.body_limit).await?;
    let fp = fingerprint(req.method(), req.path(), req.query_string(), &body);

    // The wait starts when the key is first found in progress: a claim that was itself slow
    // (a busy database) still leaves the request its whole wait, and at least one more look.
    let mut deadline = None;
    loop {
        let (k, f) = (key_ref.clone(), fp.clone());
        match state
            .calls
            .run(move |s| s.idempotency.begin(&k, &f))
            .await?
        {
            Begin::Proceed => return Ok(Admission::Run(key_ref, body)),
            Begin::Replay(stored) => return Ok(Admission::Replay(stored)),
            Begin::ResponseLost => {
                return Err(ApiError::from_code(
                    ProblemCode::IdempotencyResponseLost,
                    "the first request with this Idempotency-Key took effect, but its response \
                     was not stored; read the current state instead of retrying",
                ));
            }
            Begin::InProgress => {
                let now = Instant::now();
                let until = *deadline.get_or_insert(now + state.settings.idempotency_wait);
                if now >= until {
                    return Err(ApiError::from_code(
                        ProblemCode::IdempotencyInProgress,
                        "a request with this Idempotency-Key is still running; retry later",
                    )
                    .with_retry_after());
                }
                actix_web::rt::time::sleep(POLL_INTERVAL.min(until - now)).await;
            }
        }
    }
}

/// Frees the key of a request that failed, so that a retry can run.
async fn release(calls: &Calls, key_ref: IdempotencyKeyRef) {
    if let Err(e) = calls.run(move |s| s.idempotency.abandon(&key_ref)).await {
        tracing::warn!(code = e.code(), "could not release an idempotency key");
    }
}

/// Headers that belong to one exchange, not to the response a replay repeats: the request id
/// (a replay gets its own), the replay mark, and the framing (the content type is stored on
/// its own; length and encoding are the server's for each answer).
const NOT_REPLAYED: &[&str] = &[
    "x-request-id",
    REPLAYED_HEADER,
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "date",
];

fn stored_response(head: &HttpResponse<()>, body: &Bytes) -> StoredResponse {
    let headers = head
        .headers()
        .iter()
        .filter(|(name, _)| !NOT_REPLAYED.contains(&name.as_str()))
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    StoredResponse {
        status: head.status().as_u16(),
        content_type: head
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| "application/json".to_owned(), str::to_owned),
        body: body.to_vec(),
        headers,
    }
}

fn replay(stored: &StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = HttpResponse::build(status);
    if !stored.body.is_empty() {
        res.insert_header((header::CONTENT_TYPE, stored.content_type.as_str()));
    }
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            res.append_header((name, value));
        }
    }
    res.insert_header((
        HeaderName::from_static(REPLAYED_HEADER),
        HeaderValue::from_static("true"),
    ));
    res.body(stored.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_covers_every_part() {
        let base = fingerprint(&Method::POST, "/api/v1/boxes", "", b"{}");
        assert_eq!(base.len(), 64);
        assert_eq!(base, fingerprint(&Method::POST, "/api/v1/boxes", "", b"{}"));
        assert_ne!(
            base,
            fingerprint(&Method::PATCH, "/api/v1/boxes", "", b"{}")
        );
        assert_ne!(base, fingerprint(&Method::POST, "/api/v1/items", "", b"{}"));
        assert_ne!(
            base,
            fingerprint(&Method::POST, "/api/v1/boxes", "a=1", b"{}")
        );
        assert_ne!(
            base,
            fingerprint(&Method::POST, "/api/v1/boxes", "", b"{ }")
        );
    }
}
