//! The global service's application errors as problems: the shared shape and mapping of
//! `eckwms-http-kit` (`From<AppError> for ApiError`, the same for both services).

use eckwms_global_application::AppError;
pub use eckwms_http_kit::ProblemCode;
pub use eckwms_http_kit::problem::{ApiError, PROBLEM_CONTENT_TYPE, Problem, ProblemField};

/// 400 `ambiguous_credentials`: a request carries two kinds of credential where one is taken
/// (an enrollment token and an instance key; two proofs of belonging to an instance). Which
/// was meant cannot be known, and none is preferred silently.
pub fn ambiguous_credentials(detail: &str) -> ApiError {
    ApiError::from_code(ProblemCode::AmbiguousCredentials, detail)
}

/// The problem answering an application error: the shared mapping of `eckwms-http-kit`.
pub fn from_app(e: AppError) -> ApiError {
    e.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_errors_keep_their_codes() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (AppError::invalid("port", "bad"), 422, "validation_failed"),
            (AppError::not_found("instance", "x"), 404, "not_found"),
            (
                AppError::refused(ProblemCode::EnrollmentTokenUsed, "used"),
                409,
                "enrollment_token_used",
            ),
            (
                AppError::refused(ProblemCode::InvalidInstanceKey, "no"),
                401,
                "invalid_instance_key",
            ),
            (
                AppError::refused(ProblemCode::NotYourInstance, "no"),
                403,
                "not_your_instance",
            ),
            (
                AppError::Unavailable(anyhow::anyhow!("pool")),
                503,
                "unavailable",
            ),
            (
                AppError::internal(anyhow::anyhow!("secret=1")),
                500,
                "internal",
            ),
        ];
        for (e, status, code) in cases {
            let api = from_app(e);
            assert_eq!(api.status().as_u16(), status);
            assert_eq!(api.code(), code);
            assert!(!api.problem().detail.contains("secret=1"));
        }
    }
}
