#![doc = include_str!("../README.md")]

mod code;
mod error;

pub use code::ProblemCode;
pub use error::{AppError, AppResult, FieldError};
