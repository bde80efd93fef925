//! The instance service's errors as problems: the shared shape of `eckwms-http-kit`, and the
//! mapping of this service's [`AppError`] and [`FieldError`] onto it.

use eckwms_application::AppError;
use eckwms_domain::FieldError;
pub use eckwms_http_kit::ProblemCode;

pub use eckwms_http_kit::problem::{ApiError, PROBLEM_CONTENT_TYPE, Problem, ProblemField};
use eckwms_http_kit::request_id::current_request_id;

/// A domain field error as a problem field.
pub fn field(e: FieldError) -> ProblemField {
    ProblemField {
        field: e.field,
        message: e.message,
    }
}

/// The 401 of a request without a valid API key.
pub fn unauthenticated() -> ApiError {
    ApiError::unauthenticated(
        "a valid API key is required (Authorization: Bearer <key> or X-Api-Key)",
    )
}

/// The problem answering an application error.
pub fn from_app(e: AppError) -> ApiError {
    match e {
        AppError::Invalid(fields) => ApiError::validation(fields.into_iter().map(field).collect()),
        AppError::NotFound { .. } => ApiError::from_code(ProblemCode::NotFound, e.to_string()),
        AppError::Conflict { code, message } => ApiError::from_code(code, message),
        AppError::PreconditionFailed { .. } => {
            ApiError::from_code(ProblemCode::PreconditionFailed, e.to_string())
        }
        AppError::Unauthenticated => unauthenticated(),
        AppError::Forbidden(message) => ApiError::from_code(ProblemCode::Forbidden, message),
        AppError::IdempotencyMismatch => {
            ApiError::from_code(ProblemCode::IdempotencyKeyReused, e.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_errors_map_to_statuses_and_codes() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (
                AppError::invalid("name", "must not be empty"),
                422,
                "validation_failed",
            ),
            (
                AppError::not_found("item", "i000000000000000001"),
                404,
                "not_found",
            ),
            (
                AppError::conflict(ProblemCode::NotEmpty, "box holds things"),
                409,
                "not_empty",
            ),
            (
                AppError::PreconditionFailed { current: 7 },
                412,
                "precondition_failed",
            ),
            (AppError::Unauthenticated, 401, "unauthenticated"),
            (AppError::Forbidden("no".into()), 403, "forbidden"),
            (AppError::IdempotencyMismatch, 422, "idempotency_key_reused"),
            (
                AppError::Unavailable(anyhow::anyhow!("pool timeout")),
                503,
                "unavailable",
            ),
            (
                AppError::internal(anyhow::anyhow!("disk on fire")),
                500,
                "internal",
            ),
        ];
        for (e, status, code) in cases {
            let api = from_app(e);
            assert_eq!(api.status().as_u16(), status);
            assert_eq!(api.code(), code);
        }
    }

    #[test]
    fn precondition_failed_names_the_current_version() {
        let api = from_app(AppError::PreconditionFailed { current: 7 });
        assert!(api.problem().detail.contains('7'));
    }

    #[test]
    fn internal_detail_reveals_nothing() {
        let api = from_app(AppError::internal(anyhow::anyhow!("password=hunter2")));
        let problem = api.problem();
        assert!(!problem.detail.contains("hunter2"));
        assert_eq!(problem.type_uri, "urn:eckwms:problem:internal");
    }
}
