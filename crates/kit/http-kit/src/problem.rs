//! One error shape for every error: RFC 7807 `application/problem+json` with a stable code.
//!
//! Services build an [`ApiError`] from a [`ProblemCode`] (from their own application errors,
//! in their HTTP adapter, or directly) and return it; actix renders it through
//! [`ResponseError`]. Status and title come from the code's catalogue entry, so one code is
//! always answered the same way.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use eckwms_problems::{AppError, FieldError, ProblemCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id::current_request_id;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The body of every error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:eckwms:problem:not_found",
    "title": "Not found",
    "status": 404,
    "detail": "item i000000000000000001 does not exist",
    "code": "not_found",
    "request_id": "5b1f6e0e-4a4e-4d0b-9d57-8c3c2f0a1b2c"
}))]
pub struct Problem {
    /// `urn:eckwms:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// The `X-Request-Id` of the request; quote it when reporting a problem.
    pub request_id: Option<String>,
    /// The offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The permission the caller lacks, for `forbidden` answers that a missing permission
    /// caused (such as `settings.edit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

/// One invalid field: its name (or path, like `objects[2]`) and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

/// An error answered as a problem. Built from a service's application error or by an adapter.
#[derive(Debug)]
pub struct ApiError {
    code: ProblemCode,
    detail: String,
    errors: Vec<ProblemField>,
    /// Seconds for `Retry-After`.
    retry_after: Option<u64>,
    allow: Option<String>,
    permission: Option<String>,
}

impl ApiError {
    /// A problem with `code`: its status and title are the catalogue's.
    pub fn from_code(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
            permission: None,
        }
    }

    pub fn with_errors(mut self, errors: impl IntoIterator<Item = ProblemField>) -> Self {
        self.errors = errors.into_iter().collect();
        self
    }

    /// A 503 telling the client to retry shortly (`Retry-After: 1`).
    pub fn unavailable() -> Self {
        Self::from_code(
            ProblemCode::Unavailable,
            "the service is temporarily unavailable; retry shortly",
        )
        .with_retry_after()
    }

    /// `Retry-After: 1`.
    pub fn with_retry_after(self) -> Self {
        self.retry_after_secs(1)
    }

    /// `Retry-After: <secs>`.
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The permission the caller lacks (a `forbidden` answer).
    pub fn permission(&self) -> Option<&str> {
        self.permission.as_deref()
    }

    pub fn status(&self) -> StatusCode {
        status_of(self.code)
    }

    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    pub fn problem_code(&self) -> ProblemCode {
        self.code
    }

    pub fn errors(&self) -> &[ProblemField] {
        &self.errors
    }

    /// What went wrong, in words.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The seconds of `Retry-After`, when the answer has one.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ProblemField {
        ProblemField {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn validation(errors: Vec<ProblemField>) -> Self {
        Self::from_code(
            ProblemCode::ValidationFailed,
            describe_fields("invalid input", &errors),
        )
        .with_errors(errors)
    }

    pub fn invalid_id(errors: Vec<ProblemField>) -> Self {
        Self::from_code(
            ProblemCode::InvalidId,
            describe_fields("invalid id in the path", &errors),
        )
        .with_errors(errors)
    }

    pub fn invalid_query(errors: Vec<ProblemField>) -> Self {
        Self::from_code(
            ProblemCode::InvalidQuery,
            describe_fields("invalid query parameters", &errors),
        )
        .with_errors(errors)
    }

    pub fn invalid_header(name: &str, message: &str) -> Self {
        Self::from_code(ProblemCode::InvalidHeader, format!("{name}: {message}"))
            .with_errors([Self::field(name, message)])
    }

    pub fn malformed_body(detail: impl Into<String>) -> Self {
        Self::from_code(ProblemCode::MalformedBody, detail)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::from_code(
            ProblemCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::from_code(
            ProblemCode::UnsupportedMediaType,
            "the request body must be JSON (Content-Type: application/json)",
        )
    }

    /// A 401 (`unauthenticated`, with `WWW-Authenticate: Bearer`); `detail` says which
    /// credentials the route takes.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::from_code(ProblemCode::Unauthenticated, detail)
    }

    pub fn precondition_required() -> Self {
        Self::from_code(
            ProblemCode::PreconditionRequired,
            "this request needs an If-Match header with the version read (ETag) or *",
        )
    }

    pub fn route_not_found(path: &str) -> Self {
        Self::from_code(
            ProblemCode::RouteNotFound,
            format!("no route matches {path}"),
        )
    }

    pub fn method_not_allowed(method: &str, allowed: Vec<String>) -> Self {
        let allow = allowed.join(", ");
        let mut e = Self::from_code(
            ProblemCode::MethodNotAllowed,
            format!("{method} is not allowed here; allowed: {allow}"),
        );
        e.allow = Some(allow);
        e
    }

    /// A failure whose cause must not reach the client: logged once here, with the request id.
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(
            request_id = current_request_id().as_deref().unwrap_or("-"),
            cause = %cause,
            "internal error"
        );
        Self::from_code(
            ProblemCode::Internal,
            "an internal error occurred; quote the request id when reporting it",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:eckwms:problem:{}", self.code),
            title: self.code.title().to_owned(),
            status: self.code.status(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_owned(),
            request_id: current_request_id(),
            errors: self.errors.clone(),
            permission: self.permission.clone(),
        }
    }
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        ProblemField {
            field: e.field,
            message: e.message,
        }
    }
}

/// The one answer of both services to an application error: a refusal with its code (status
/// and title from the catalogue); an unavailable database as a retryable 503, its cause
/// logged as a warning; an internal failure as a 500 whose cause is logged, never served.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(fields) => {
                ApiError::validation(fields.into_iter().map(ProblemField::from).collect())
            }
            AppError::NotFound { .. } => ApiError::from_code(ProblemCode::NotFound, e.to_string()),
            AppError::Refused { code, message } => ApiError::from_code(code, message),
            AppError::Forbidden {
                permission,
                message,
            } => {
                let mut e = ApiError::from_code(ProblemCode::Forbidden, message);
                e.permission = Some(permission);
                e
            }
            AppError::Throttled {
                retry_after,
                message,
            } => {
                ApiError::from_code(ProblemCode::RateLimited, message).retry_after_secs(retry_after)
            }
            AppError::PreconditionFailed { .. } => {
                ApiError::from_code(ProblemCode::PreconditionFailed, e.to_string())
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(
                    request_id = current_request_id().as_deref().unwrap_or("-"),
                    cause = format!("{cause:#}"),
                    "service unavailable"
                );
                ApiError::unavailable()
            }
            AppError::Internal(cause) => ApiError::internal(&format_args!("{cause:#}")),
        }
    }
}

fn describe_fields(head: &str, errors: &[ProblemField]) -> String {
    let fields: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    if fields.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {}", fields.join("; "))
    }
}

/// The catalogue's status of `code` as actix's type; every catalogue status is a valid one
/// (tested), so the fallback is never taken.
pub fn status_of(code: ProblemCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.code.status(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            res.insert_header((header::ALLOW, allow));
        }
        match serde_json::to_vec(&self.problem()) {
            Ok(body) => res.body(body),
            Err(_) => res.body(r#"{"type":"urn:eckwms:problem:internal","status":500}"#),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_carries_code_title_and_type() {
        let problem = ApiError::from_code(ProblemCode::EnrollmentTokenUsed, "used").problem();
        assert_eq!(problem.type_uri, "urn:eckwms:problem:enrollment_token_used");
        assert_eq!(problem.title, "Conflict");
        assert_eq!(problem.status, 409);
        let problem = ApiError::validation(vec![ApiError::field("port", "too big")]).problem();
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.detail, "invalid input: port: too big");
        assert_eq!(problem.errors.len(), 1);
    }

    /// How titles were chosen before the catalogue held them: the catalogue must keep every
    /// served title byte for byte.
    fn title_before_the_catalogue(code: &str, status: StatusCode) -> &'static str {
        match code {
            "validation_failed" => "Validation failed",
            "not_found" => "Not found",
            "precondition_failed" => "Precondition failed",
            "precondition_required" => "Precondition required",
            "unauthenticated" => "Authentication required",
            "forbidden" => "Forbidden",
            "idempotency_key_reused" => "Idempotency key reused with another request",
            "idempotency_in_progress" => "A request with this idempotency key is in progress",
            "idempotency_response_lost" => "The response of this idempotent request was lost",
            "unavailable" => "Service unavailable",
            "not_ready" => "Not ready",
            "internal" => "Internal error",
            "malformed_body" => "Malformed request body",
            "unsupported_media_type" => "Unsupported media type",
            "payload_too_large" => "Payload too large",
            "invalid_id" => "Invalid id",
            "invalid_query" => "Invalid query",
            "invalid_header" => "Invalid header",
            "route_not_found" => "Route not found",
            "method_not_allowed" => "Method not allowed",
            _ if status == StatusCode::CONFLICT => "Conflict",
            _ => status.canonical_reason().unwrap_or("Error"),
        }
    }

    #[test]
    fn every_code_keeps_its_status_and_title() {
        for &code in ProblemCode::ALL {
            let status = StatusCode::from_u16(code.status()).unwrap();
            let problem = ApiError::from_code(code, "x").problem();
            assert_eq!(ApiError::from_code(code, "x").status(), status);
            assert_eq!(problem.status, code.status());
            assert_eq!(
                problem.title,
                title_before_the_catalogue(code.as_str(), status),
                "{code}"
            );
        }
    }

    #[test]
    fn internal_detail_reveals_nothing() {
        let problem = ApiError::internal(&"password=hunter2").problem();
        assert!(!problem.detail.contains("hunter2"));
        assert_eq!(problem.status, 500);
    }

    #[test]
    fn responses_are_problem_json_with_their_headers() {
        let res = ApiError::unavailable().error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            res.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_CONTENT_TYPE)
        );
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        let res = ApiError::unauthenticated("a key").error_response();
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
        let res = ApiError::method_not_allowed("PUT", vec!["GET".into()]).error_response();
        assert_eq!(
            res.headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok()),
            Some("GET")
        );
    }
}
