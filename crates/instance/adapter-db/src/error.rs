//! Errors inside the adapter and their mapping to the application's errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use eckwms_application::AppError;
use eckwms_application::ProblemCode;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Diesel(#[from] DieselError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Stored data that does not convert back into domain values.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Serialization failures, deadlocks and busy files: retried inside the adapter.
pub(crate) fn retryable(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(kind, info) => {
            matches!(kind, DatabaseErrorKind::SerializationFailure)
                || info.message().contains("deadlock detected")
                || info.message().contains("database is locked")
                || info.message().contains("database table is locked")
        }
        _ => false,
    }
}

impl DbError {
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, DbError::Diesel(e) if retryable(e))
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        DbError::Corrupt(what.to_string())
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::App(app) => app,
            DbError::Unavailable(cause) => AppError::Unavailable(cause),
            DbError::Diesel(DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                info,
            )) => AppError::refused(
                ProblemCode::ReferenceMissing,
                format!(
                    "a referenced object does not exist or is still in use ({})",
                    info.message()
                ),
            ),
            DbError::Diesel(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                AppError::refused(
                    ProblemCode::AlreadyExists,
                    "an object with this identity already exists",
                )
            }
            DbError::Diesel(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                info,
            )) => AppError::Unavailable(anyhow::anyhow!("connection closed: {}", info.message())),
            DbError::Diesel(DieselError::DatabaseError(_, info))
                if info.message().contains("lock timeout")
                    || info.message().contains("statement timeout") =>
            {
                AppError::Unavailable(anyhow::anyhow!(
                    "database wait timed out: {}",
                    info.message()
                ))
            }
            DbError::Diesel(e) if retryable(&e) => {
                AppError::Unavailable(anyhow::anyhow!("database contention persisted: {e}"))
            }
            DbError::Diesel(e) => AppError::Internal(anyhow::Error::new(e)),
            DbError::Corrupt(what) => {
                AppError::Internal(anyhow::anyhow!("corrupt stored data: {what}"))
            }
        }
    }
}

impl From<eckwms_db_kit::pool::NoConnection> for DbError {
    fn from(e: eckwms_db_kit::pool::NoConnection) -> Self {
        DbError::Unavailable(anyhow::Error::new(e))
    }
}

impl From<eckwms_domain::DomainError> for DbError {
    fn from(e: eckwms_domain::DomainError) -> Self {
        DbError::App(e.into())
    }
}

impl From<eckwms_domain::FieldError> for DbError {
    fn from(e: eckwms_domain::FieldError) -> Self {
        DbError::App(e.into())
    }
}

impl From<eckwms_domain::MoveError> for DbError {
    fn from(e: eckwms_domain::MoveError) -> Self {
        DbError::App(e.into())
    }
}
