//! The `[database]` section both services read from their settings, and the pool settings it
//! becomes.

use std::time::Duration;

use eckwms_settings_kit::Secret;
use serde::Deserialize;

use crate::pool::DbSettings;

/// `url` may carry a password: a [`Secret`]; logs show it through `redact_url`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: Secret,
    /// Connections per process; 0: chosen from the CPUs ([`crate::pool::pool_size`]).
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub sqlite_synchronous: String,
    pub sqlite_busy_timeout_ms: u64,
}

impl DatabaseConfig {
    pub fn db_settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.expose().to_owned(),
            pool_size: crate::pool::pool_size(self.pool_size),
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            sqlite_synchronous: self.sqlite_synchronous.clone(),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            open_all_at_start: false,
        }
    }
}
