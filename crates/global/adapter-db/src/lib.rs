#![doc = include_str!("../README.md")]

mod error;
mod pool;
mod repos;
mod rows;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;

pub use pool::{Database, DbSettings, redact_url};
