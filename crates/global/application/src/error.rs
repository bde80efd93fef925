//! Errors callers can act on; the HTTP adapter maps each to a status and a stable code.

use eckwms_global_domain::FieldError;
use eckwms_problems::ProblemCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; every offending field named.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    /// The request is valid but the state forbids it (`code` is stable).
    #[error("{message}")]
    Conflict { code: ProblemCode, message: String },
    /// Missing or wrong credentials (`code` is stable).
    #[error("{message}")]
    Unauthenticated { code: ProblemCode, message: String },
    /// Valid credentials that do not allow this (`code` is stable).
    #[error("{message}")]
    Forbidden { code: ProblemCode, message: String },
    /// The database cannot be used now; retrying may help.
    #[error("unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn conflict(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }
}
