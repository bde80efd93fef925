#![doc = include_str!("../README.md")]

pub mod layers;
pub mod secret;
pub mod time;

pub use layers::{Layers, SettingsError, Vars};
pub use secret::Secret;
pub use time::check_time;
