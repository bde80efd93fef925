//! The instance service's errors as problems: the shared shape and mapping of
//! `eckwms-http-kit` (`From<AppError> for ApiError`, the same for both services), and the
//! 401 of this service's API keys.

use eckwms_application::AppError;
use eckwms_application::access;
use eckwms_domain::FieldError;

pub use eckwms_http_kit::ProblemCode;
pub use eckwms_http_kit::problem::{ApiError, PROBLEM_CONTENT_TYPE, Problem, ProblemField};

/// A domain field error as a problem field.
pub fn field(e: FieldError) -> ProblemField {
    e.into()
}

/// The 401 of a request without a valid API key.
pub fn unauthenticated() -> ApiError {
    from_app(access::unauthenticated())
}

/// The problem answering an application error.
pub fn from_app(e: AppError) -> ApiError {
    e.into()
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
                AppError::refused(ProblemCode::NotEmpty, "box holds things"),
                409,
                "not_empty",
            ),
            (
                AppError::PreconditionFailed { current: 7 },
                412,
                "precondition_failed",
            ),
            (access::unauthenticated(), 401, "unauthenticated"),
            (
                AppError::refused(ProblemCode::Forbidden, "no"),
                403,
                "forbidden",
            ),
            (
                AppError::refused(ProblemCode::IdempotencyKeyReused, "reused"),
                422,
                "idempotency_key_reused",
            ),
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
