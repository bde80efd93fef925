//! Errors inside the adapter and their mapping to the application's errors.

use diesel::result::Error as DieselError;
use eckwms_db_kit::failure::{Failure, classify};
use eckwms_db_kit::pool::NoConnection;
use eckwms_global_application::AppError;
use eckwms_global_application::ProblemCode;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Diesel(#[from] DieselError),
    /// A refusal decided inside a transaction (it rolls the transaction back).
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// Stored data that does not convert back into domain values.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl From<NoConnection> for DbError {
    fn from(e: NoConnection) -> Self {
        Self::Unavailable(anyhow::Error::new(e))
    }
}

impl DbError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

/// A second instance with the id of one registered already (a refusal of `register`).
pub(crate) fn instance_exists() -> AppError {
    AppError::refused(
        ProblemCode::InstanceExists,
        "an instance with this instanceId is registered already; ask the operator to rotate its key",
    )
}

/// A device registered or changed since its challenge was read (a refusal of
/// `register_device`).
pub(crate) fn device_changed() -> AppError {
    AppError::refused(
        ProblemCode::DeviceChanged,
        "the device was registered or changed meanwhile; ask for a new challenge and retry",
    )
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::App(app) => app,
            DbError::Unavailable(cause) => AppError::Unavailable(cause),
            DbError::Diesel(ref d) => match classify(d) {
                Failure::Contention | Failure::TimedOut => {
                    AppError::Unavailable(anyhow::anyhow!("database busy: {d}"))
                }
                Failure::ConnectionClosed => {
                    AppError::Unavailable(anyhow::anyhow!("connection closed: {d}"))
                }
                Failure::Duplicate => {
                    AppError::refused(ProblemCode::AlreadyExists, "this already exists")
                }
                Failure::MissingReference => AppError::refused(
                    ProblemCode::ReferenceMissing,
                    "a referenced record does not exist",
                ),
                Failure::Other => AppError::internal(anyhow::anyhow!("{e}")),
            },
            other => AppError::internal(anyhow::anyhow!("{other}")),
        }
    }
}
