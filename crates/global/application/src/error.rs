//! The errors of use cases and ports: the one [`AppError`] both services share (from
//! `eckwms-problems`), so that a refusal means the same in both and carries its stable
//! [`ProblemCode`]; the HTTP adapter answers it with the code's status.

pub use eckwms_problems::{AppError, AppResult, ProblemCode};
