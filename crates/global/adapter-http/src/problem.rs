//! The global service's application errors as problems (the shared shape of
//! `eckwms-http-kit`).

use eckwms_global_application::AppError;
pub use eckwms_http_kit::ProblemCode;
pub use eckwms_http_kit::problem::{ApiError, PROBLEM_CONTENT_TYPE, Problem, ProblemField};
use eckwms_http_kit::request_id::current_request_id;

/// 400 `ambiguous_credentials`: a request carries two kinds of credential where one is taken
/// (an enrollment token and an instance key; two proofs of belonging to an instance). Which
/// was meant cannot be known, and none is preferred silently.
pub fn ambiguous_credentials(detail: &str) -> ApiError {
    ApiError::from_code(ProblemCode::AmbiguousCredentials, detail)
}

/// The problem answering an application error.
pub fn from_app(e: AppError) -> ApiError {
    match e {
        AppError::Invalid(fields) => ApiError::validation(
            fields
                .into_iter()
                .map(|f| ApiError::field(f.field, f.message))
                .collect(),
        ),
        AppError::NotFound { .. } => ApiError::from_code(ProblemCode::NotFound, e.to_string()),
        AppError::Conflict { code, message }
        | AppError::Unauthenticated { code, message }
        | AppError::Forbidden { code, message } => ApiError::from_code(code, message),
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
    fn app_errors_keep_their_codes() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (AppError::invalid("port", "bad"), 422, "validation_failed"),
            (AppError::not_found("instance", "x"), 404, "not_found"),
            (
                AppError::conflict(ProblemCode::EnrollmentTokenUsed, "used"),
                409,
                "enrollment_token_used",
            ),
            (
                AppError::unauthenticated(ProblemCode::InvalidInstanceKey, "no"),
                401,
                "invalid_instance_key",
            ),
            (
                AppError::forbidden(ProblemCode::NotYourInstance, "no"),
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
