//! Errors inside the adapter and their mapping to the application's errors.

use diesel::result::Error as DieselError;
use eckwms_application::AppError;
use eckwms_application::ProblemCode;
use eckwms_db_kit::failure::{Failure, classify};

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

/// Serialization failures, deadlocks and busy files (`Failure::Contention`, read the same way
/// in both services): retried inside the adapter.
pub(crate) fn retryable(e: &DieselError) -> bool {
    classify(e) == Failure::Contention
}

/// The database's own words about `e`.
fn database_message(e: &DieselError) -> String {
    match e {
        DieselError::DatabaseError(_, info) => info.message().to_owned(),
        other => other.to_string(),
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
            DbError::Diesel(e) => match classify(&e) {
                Failure::MissingReference => AppError::refused(
                    ProblemCode::ReferenceMissing,
                    format!(
                        "a referenced object does not exist or is still in use ({})",
                        database_message(&e)
                    ),
                ),
                Failure::Duplicate => AppError::refused(
                    ProblemCode::AlreadyExists,
                    "an object with this identity already exists",
                ),
                Failure::ConnectionClosed => AppError::Unavailable(anyhow::anyhow!(
                    "connection closed: {}",
                    database_message(&e)
                )),
                Failure::TimedOut => AppError::Unavailable(anyhow::anyhow!(
                    "database wait timed out: {}",
                    database_message(&e)
                )),
                Failure::Contention => {
                    AppError::Unavailable(anyhow::anyhow!("database contention persisted: {e}"))
                }
                Failure::Other => AppError::Internal(anyhow::Error::new(e)),
            },
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
