#![doc = include_str!("../README.md")]

pub mod database;
pub mod layers;
pub mod secret;
pub mod time;

pub use database::DatabaseConfig;
pub use layers::{Layers, SettingsError, Vars};
pub use secret::Secret;
pub use time::check_time;
