//! The proxy's own answers, as the shared `application/problem+json` of `eckwms-http-kit`
//! (`type`, `title`, `status`, `detail`, `code`, `request_id`).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use eckwms_http_kit::problem::status_of;
use eckwms_http_kit::{ApiError, ProblemCode};

use crate::path::PathError;
use crate::policy::Refusal;

/// Why the proxy answered instead of the upstream. Every variant is one stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// 400 `invalid_proxy_path`: the path would escape the upstream's root.
    #[error("invalid path: {0}")]
    InvalidPath(#[from] PathError),
    /// 413 `payload_too_large`.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: u64 },
    /// 429 `rate_limited`, with `Retry-After`.
    #[error("too many requests {scope}; retry in {} s", retry_after_secs(*.retry_after))]
    RateLimited {
        scope: &'static str,
        retry_after: Duration,
    },
    /// 502 `upstream_refused`: the registered address is not one the proxy connects to.
    #[error("the instance's registered address is refused: {0}")]
    TargetRefused(Refusal),
    /// 502 `upstream_unavailable`: connection refused or reset, bad response, TLS failure.
    #[error("the instance could not be reached")]
    Unavailable,
    /// 504 `upstream_timeout`: no connection or no response head in time.
    #[error("the instance did not answer in time")]
    Timeout,
    /// 408 `request_body_timeout`: the client paused its request body longer than the idle timeout.
    #[error("the request body stalled")]
    RequestBodyTimeout,
    /// 508 `proxy_loop`: the request has already passed this proxy (its `Via` names it).
    #[error("the request has already passed through this proxy (Via); it would loop")]
    LoopDetected,
    /// 400 `request_body_error`: the client's request body broke off.
    #[error("the request body could not be read")]
    RequestBody,
}

impl ProxyError {
    /// The upstream's failure this is, as a metrics label; `None` for the client's own
    /// failures and the proxy's refusals before any upstream was asked.
    pub fn upstream_failure(&self) -> Option<&'static str> {
        match self {
            ProxyError::TargetRefused(_) => Some("refused"),
            ProxyError::Unavailable => Some("unavailable"),
            ProxyError::Timeout => Some("timeout"),
            _ => None,
        }
    }

    /// The status of [`Self::code`], from the catalogue.
    pub fn status(&self) -> StatusCode {
        status_of(self.code())
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ProblemCode {
        match self {
            ProxyError::InvalidPath(_) => ProblemCode::InvalidProxyPath,
            ProxyError::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            ProxyError::RateLimited { .. } => ProblemCode::RateLimited,
            ProxyError::TargetRefused(_) => ProblemCode::UpstreamRefused,
            ProxyError::Unavailable => ProblemCode::UpstreamUnavailable,
            ProxyError::Timeout => ProblemCode::UpstreamTimeout,
            ProxyError::RequestBodyTimeout => ProblemCode::RequestBodyTimeout,
            ProxyError::RequestBody => ProblemCode::RequestBodyError,
            ProxyError::LoopDetected => ProblemCode::ProxyLoop,
        }
    }

    /// The same answer as the shared [`ApiError`], for a caller that collects errors as that
    /// type. Its `Retry-After` is http-kit's fixed `1`; [`ResponseError::error_response`] of
    /// `ProxyError` sends the exact wait instead.
    pub fn to_api_error(&self) -> ApiError {
        let error = ApiError::from_code(self.code(), self.to_string());
        match self {
            ProxyError::RateLimited { .. } => error.with_retry_after(),
            _ => error,
        }
    }
}

/// Whole seconds to wait, rounded up, at least 1.
fn retry_after_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

impl ResponseError for ProxyError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.to_api_error().error_response();
        if let ProxyError::RateLimited { retry_after, .. } = self {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(*retry_after)),
            );
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }

    #[test]
    fn renders_problem_json_with_code_and_retry_after() {
        let e = ProxyError::RateLimited {
            scope: "for this client",
            retry_after: Duration::from_millis(2500),
        };
        let res = e.error_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "3");
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            eckwms_http_kit::PROBLEM_CONTENT_TYPE
        );
        let body = res.into_body().try_into_bytes().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["type"], "urn:eckwms:problem:rate_limited");
        assert_eq!(v["code"], "rate_limited");
        assert_eq!(v["status"], 429);
        assert_eq!(v["title"], "Too Many Requests");
        assert!(v.get("request_id").is_some());
        assert!(v["detail"].as_str().unwrap().contains("3 s"));
    }

    #[test]
    fn statuses_and_codes() {
        let cases = [
            (
                ProxyError::InvalidPath(PathError::DotSegment),
                400,
                "invalid_proxy_path",
            ),
            (
                ProxyError::PayloadTooLarge { limit: 1 },
                413,
                "payload_too_large",
            ),
            (
                ProxyError::TargetRefused(Refusal::Metadata),
                502,
                "upstream_refused",
            ),
            (ProxyError::Unavailable, 502, "upstream_unavailable"),
            (ProxyError::Timeout, 504, "upstream_timeout"),
            (ProxyError::RequestBodyTimeout, 408, "request_body_timeout"),
            (ProxyError::RequestBody, 400, "request_body_error"),
            (ProxyError::LoopDetected, 508, "proxy_loop"),
        ];
        for (e, status, code) in cases {
            assert_eq!(e.status().as_u16(), status);
            assert_eq!(e.code(), code);
        }
    }
}
