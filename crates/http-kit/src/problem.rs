//! One error shape for every error: RFC 7807 `application/problem+json` with a stable code.
//!
//! Services build an [`ApiError`] (from their own application errors, in their HTTP adapter)
//! and return it; actix renders it through [`ResponseError`].

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
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
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    errors: Vec<ProblemField>,
    retry_after: bool,
    allow: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: false,
            allow: None,
        }
    }

    pub fn with_errors(mut self, errors: impl IntoIterator<Item = ProblemField>) -> Self {
        self.errors = errors.into_iter().collect();
        self
    }

    /// A 503 telling the client to retry shortly (`Retry-After: 1`).
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service is temporarily unavailable; retry shortly",
        )
        .with_retry_after()
    }

    pub fn with_retry_after(mut self) -> Self {
        self.retry_after = true;
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn errors(&self) -> &[ProblemField] {
        &self.errors
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ProblemField {
        ProblemField {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn validation(errors: Vec<ProblemField>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            describe_fields("invalid input", &errors),
        )
        .with_errors(errors)
    }

    pub fn invalid_id(errors: Vec<ProblemField>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_id",
            describe_fields("invalid id in the path", &errors),
        )
        .with_errors(errors)
    }

    pub fn invalid_query(errors: Vec<ProblemField>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            describe_fields("invalid query parameters", &errors),
        )
        .with_errors(errors)
    }

    pub fn invalid_header(name: &str, message: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_header",
            format!("{name}: {message}"),
        )
        .with_errors([Self::field(name, message)])
    }

    pub fn malformed_body(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_body", detail)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be JSON (Content-Type: application/json)",
        )
    }

    /// A 401 (`unauthenticated`, with `WWW-Authenticate: Bearer`); `detail` says which
    /// credentials the route takes.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "this request needs an If-Match header with the version read (ETag) or *",
        )
    }

    pub fn route_not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            format!("no route matches {path}"),
        )
    }

    pub fn method_not_allowed(method: &str, allowed: Vec<String>) -> Self {
        let allow = allowed.join(", ");
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
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
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; quote the request id when reporting it",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:eckwms:problem:{}", self.code),
            title: title_of(&self.code, self.status).to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            request_id: current_request_id(),
            errors: self.errors.clone(),
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

fn title_of(code: &str, status: StatusCode) -> &'static str {
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

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if self.retry_after {
            res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        if self.status == StatusCode::UNAUTHORIZED {
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
        let problem = ApiError::new(StatusCode::CONFLICT, "token_used", "used").problem();
        assert_eq!(problem.type_uri, "urn:eckwms:problem:token_used");
        assert_eq!(problem.title, "Conflict");
        assert_eq!(problem.status, 409);
        let problem = ApiError::validation(vec![ApiError::field("port", "too big")]).problem();
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.detail, "invalid input: port: too big");
        assert_eq!(problem.errors.len(), 1);
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
