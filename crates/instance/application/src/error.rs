//! The errors of use cases and ports: the one [`AppError`] both services share (from
//! `eckwms-problems`), so that a refusal means the same in both and carries its stable
//! [`ProblemCode`]. The domain's errors convert into it (`eckwms-domain`, `refusals.rs`).

pub use eckwms_problems::{AppError, AppResult, ProblemCode};
