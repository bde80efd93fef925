use eckwms_domain::serial::SerialInUse;
use eckwms_domain::{DomainError, FieldError, IdError, MoveError};
use eckwms_problems::ProblemCode;

/// Errors of use cases and ports, each a distinct thing a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule of the domain; names the offending fields.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    /// The request conflicts with the current state (stale `expected_from`, not empty, duplicate).
    #[error("{message}")]
    Conflict { code: ProblemCode, message: String },
    /// `If-Match` named a version that is no longer current.
    #[error("the object changed since it was read (current version {current})")]
    PreconditionFailed { current: i64 },
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// The same idempotency key was used with another request.
    #[error("this Idempotency-Key was used with another request")]
    IdempotencyMismatch,
    /// The database is unreachable or overloaded; the request can be retried.
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        AppError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn conflict(code: ProblemCode, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(cause.into())
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(fields) => AppError::Invalid(fields),
            DomainError::Rule(message) => AppError::conflict(ProblemCode::RuleViolated, message),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<MoveError> for AppError {
    fn from(e: MoveError) -> Self {
        let code = match e {
            MoveError::Empty | MoveError::Duplicate(_) => {
                return AppError::invalid("objects", e.to_string());
            }
            MoveError::IntoItself(_) | MoveError::IntoOwnContents { .. } => ProblemCode::MoveCycle,
            MoveError::StaleFrom { .. } => ProblemCode::StaleExpectedFrom,
        };
        AppError::conflict(code, e.to_string())
    }
}

impl From<SerialInUse> for AppError {
    fn from(e: SerialInUse) -> Self {
        AppError::conflict(ProblemCode::SerialInUse, e.to_string())
    }
}

impl AppError {
    /// An id in the input that does not parse.
    pub fn bad_id(field: &str, e: IdError) -> Self {
        AppError::invalid(field, e.to_string())
    }
}
