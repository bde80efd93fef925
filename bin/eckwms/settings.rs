//! Configuration: embedded defaults < config/default.toml < config/<env>.toml < .env < environment.

use std::time::Duration;

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use eckwms_adapter_db::DbSettings;
use serde::Deserialize;

/// The defaults, compiled in so that the binary runs from any directory.
const DEFAULTS: &str = include_str!("../../config/default.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub idempotency: IdempotencyConfig,
    pub log: LogConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub bind: String,
    pub body_limit: usize,
    pub workers: usize,
    pub tls_cert: String,
    pub tls_key: String,
    pub request_timeout_secs: u64,
    pub keep_alive_secs: u64,
    pub shutdown_timeout_secs: u64,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub sqlite_synchronous: String,
    pub sqlite_busy_timeout_ms: u64,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &eckwms_adapter_db::redact_url(&self.url))
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

impl DatabaseConfig {
    pub fn db_settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.clone(),
            pool_size: self.pool_size,
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            sqlite_synchronous: self.sqlite_synchronous.clone(),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            open_all_at_start: false,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub bootstrap_key_file: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyConfig {
    pub retention_hours: i64,
    pub wait_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub level: String,
    pub format: String,
}

impl Settings {
    /// Loads the layered configuration. `ECKWMS_ENV` picks `config/<env>.toml` (default
    /// `development`); `ECKWMS_CONFIG_DIR` moves the `config/` directory.
    pub fn load() -> anyhow::Result<Self> {
        // .env fills in variables that the real environment does not set.
        let _ = dotenvy::dotenv();
        let env = std::env::var("ECKWMS_ENV").unwrap_or_else(|_| "development".into());
        let dir = std::env::var("ECKWMS_CONFIG_DIR").unwrap_or_else(|_| "config".into());
        let settings: Settings = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::with_name(&format!("{dir}/default")).required(false))
            .add_source(File::with_name(&format!("{dir}/{env}")).required(false))
            .add_source(
                Environment::with_prefix("ECKWMS")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .context("reading configuration")?
            .try_deserialize()
            .context("invalid configuration")?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.http.body_limit == 0 {
            anyhow::bail!("http.body_limit must be positive");
        }
        if self.http.tls_cert.is_empty() != self.http.tls_key.is_empty() {
            anyhow::bail!("http.tls_cert and http.tls_key must be set together");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            anyhow::bail!("log.format must be text or json");
        }
        Ok(())
    }
}
