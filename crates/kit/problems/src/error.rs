//! [`AppError`]: the one error type of both services' use cases and ports.

use std::fmt;

use crate::ProblemCode;

/// One invalid input field: which field (or path, like `objects[2]`), and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Errors of use cases and ports, each a distinct thing a caller can act on. Both services
/// use this one type, so that an error means the same in both and their HTTP adapters share
/// one mapping.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule of the domain; names the offending fields.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    /// A refusal with a stable code of its own; the code's status says what kind (409: the
    /// state forbids it; 401: missing or wrong credentials; 403: credentials that do not allow
    /// it; 422: an idempotency key reused), so a caller acts on `code`.
    #[error("{message}")]
    Refused { code: ProblemCode, message: String },
    /// 403 `forbidden`: the actor lacks `permission` (its name, such as `settings.edit`), which
    /// the answer names.
    #[error("{message}")]
    Forbidden { permission: String, message: String },
    /// 429 `rate_limited`: too many attempts; may be tried again after `retry_after` seconds.
    #[error("{message}")]
    Throttled { retry_after: u64, message: String },
    /// `If-Match` named a version that is no longer current.
    #[error("the object changed since it was read (current version {current})")]
    PreconditionFailed { current: i64 },
    /// The database is unreachable or overloaded; the request can be retried. The cause is in
    /// the message (not only in `source`), so that a log line of `{e}` keeps it.
    #[error("service unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        AppError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A refusal with `code`; `message` becomes the problem's `detail`.
    pub fn refused(code: ProblemCode, message: impl Into<String>) -> Self {
        AppError::Refused {
            code,
            message: message.into(),
        }
    }

    /// The refusal of an actor without `permission`.
    pub fn forbidden(permission: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Forbidden {
            permission: permission.into(),
            message: message.into(),
        }
    }

    /// The code of a refusal (`None` for the errors that are no refusal: invalid input, a
    /// missing object, a stale version, a failure).
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            AppError::Refused { code, .. } => Some(*code),
            AppError::Forbidden { .. } => Some(ProblemCode::Forbidden),
            AppError::Throttled { .. } => Some(ProblemCode::RateLimited),
            _ => None,
        }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(cause.into())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_cause() {
        let e = AppError::Unavailable(anyhow::anyhow!("pool timeout"));
        assert_eq!(e.to_string(), "service unavailable: pool timeout");
        let e = AppError::internal(anyhow::anyhow!("disk"));
        assert_eq!(e.to_string(), "internal error: disk");
        let e = AppError::refused(ProblemCode::NotEmpty, "box holds things");
        assert_eq!(e.to_string(), "box holds things");
    }
}
