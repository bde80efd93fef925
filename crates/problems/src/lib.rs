//! The stable problem codes of both ECKWMS services, in one place, and the one application
//! error type built on them.
//!
//! A client branches on a problem's `code`, so a code is an API promise: it is named here once,
//! with the status and title it is always answered with, and the docs' tables are checked
//! against [`ProblemCode::ALL`] (see `tests/docs.rs`). [`AppError`] is the error of both
//! services' use cases and ports; a refusal carries its [`ProblemCode`]. Pure on purpose: the
//! domain and application crates use it, and they must not name actix or diesel.

mod code;
mod error;

pub use code::ProblemCode;
pub use error::{AppError, AppResult, FieldError};
