//! The domain's own errors as the application error both services share ([`AppError`] of
//! `eckwms-problems`), so that use cases can `?` them. They live here, not in the application
//! crate, because neither type is the application's own (Rust's orphan rule).

use eckwms_problems::{AppError, ProblemCode};

use crate::catalog::serial::SerialInUse;
use crate::error::DomainError;
use crate::movement::moves::MoveError;

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(fields) => AppError::Invalid(fields),
            DomainError::Rule(message) => AppError::refused(ProblemCode::RuleViolated, message),
        }
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
        AppError::refused(code, e.to_string())
    }
}

impl From<SerialInUse> for AppError {
    fn from(e: SerialInUse) -> Self {
        AppError::refused(ProblemCode::SerialInUse, e.to_string())
    }
}
