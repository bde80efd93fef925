//! Settings machinery shared by the composition roots of both ECKWMS services (the instance
//! service `eckwms` and the global service `eckwms-global`): the order of the configuration
//! layers and how the environment reaches them ([`layers`]), the bound of every time setting
//! ([`time`]), and [`Secret`], which keeps keys, tokens and passwords out of every `Debug` and
//! `Display` ([`secret`]).
//!
//! Each service keeps its own settings types, file names, prefix and checks; what is the same
//! for both lives here, so that the two cannot drift apart.

pub mod layers;
pub mod secret;
pub mod time;

pub use layers::{Layers, SettingsError, Vars};
pub use secret::Secret;
pub use time::check_time;
