//! Configuration: embedded defaults < config/default.toml < config/<env>.toml < .env < environment.

use std::time::Duration;

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use eckwms_adapter_db::DbSettings;
use eckwms_http_kit::logging::LogSettings;
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
    pub codes: CodesConfig,
    pub scan: ScanConfig,
    pub labels: LabelsConfig,
    pub pairing: PairingConfig,
    pub global: GlobalConfig,
    pub log: LogSettings,
}

/// Label code keys: secrets, never printed by `Debug`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodesConfig {
    pub v1_key: String,
    pub v1_suffix: String,
    pub v2_key: String,
    pub v2_key_id: u64,
    pub v2_retired_keys: String,
}

impl std::fmt::Debug for CodesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodesConfig")
            .field("v1_key_set", &!self.v1_key.trim().is_empty())
            .field("v1_suffix", &self.v1_suffix)
            .field("v2_key_set", &!self.v2_key.trim().is_empty())
            .field("v2_key_id", &self.v2_key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    pub session_idle_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsConfig {
    pub columns: u32,
    pub rows: u32,
    pub margin_top_mm: f32,
    pub margin_bottom_mm: f32,
    pub margin_left_mm: f32,
    pub margin_right_mm: f32,
    pub column_gap_mm: f32,
    pub row_gap_mm: f32,
    pub cut_guides: bool,
}

impl LabelsConfig {
    pub fn layout(&self) -> eckwms_labels::Layout {
        eckwms_labels::Layout {
            columns: self.columns,
            rows: self.rows,
            margin_top_mm: self.margin_top_mm,
            margin_bottom_mm: self.margin_bottom_mm,
            margin_left_mm: self.margin_left_mm,
            margin_right_mm: self.margin_right_mm,
            column_gap_mm: self.column_gap_mm,
            row_gap_mm: self.row_gap_mm,
            cut_guides: self.cut_guides,
        }
    }
}

/// The global service, as this instance trusts it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalConfig {
    /// Its Ed25519 public key (`eckwms-global identity`), 64 hex digits; signed requests for
    /// `GET /ECK/API/PUBLIC/{id}` verify with it. Empty: that route refuses everything (404).
    pub public_key: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingConfig {
    /// The global service's URL written into the pairing QR; empty: no pairing QR.
    pub global_url: String,
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
            pool_size: eckwms_db_kit::pool::pool_size(self.pool_size),
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            sqlite_synchronous: self.sqlite_synchronous.clone(),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            open_all_at_start: false,
        }
    }
}

/// The longest time a setting may name: 100 years. Longer is "never" in all but name, and the
/// arithmetic on it (now plus or minus the time, a date or a monotonic instant) must stay
/// within what can be written: beyond that it panicked (a key's expiry, a session's age, the
/// connection pool's deadline, the keep-alive of every connection).
const MAX_SETTING_SECS: u64 = 36_500 * 86_400;

/// A time setting of `value` units of `unit_secs` seconds: `min` to 100 years' worth of them.
fn time_setting(name: &str, value: u64, unit_secs: u64, min: u64) -> anyhow::Result<()> {
    let max = MAX_SETTING_SECS / unit_secs;
    if !(min..=max).contains(&value) {
        anyhow::bail!("{name} must be {min} to {max} (100 years)");
    }
    Ok(())
}

/// The longest `auth.key_memory_ms`: a minute.
const MAX_KEY_MEMORY_MS: u64 = 60_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub bootstrap_key_file: String,
    /// How long a verified API key is checked from memory before it is read again (0: read
    /// it for every request). Also how long a key revoked through another process still works
    /// in this one.
    pub key_memory_ms: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyConfig {
    pub retention_hours: i64,
    pub wait_secs: u64,
}

impl Settings {
    /// The label code reader (and printer) of the configured keys.
    pub fn decoder(&self) -> anyhow::Result<eckwms_codes::Decoder> {
        let c = &self.codes;
        eckwms_codes::Decoder::from_settings(&eckwms_codes::Settings {
            suffix: Some(c.v1_suffix.as_str()),
            v1_key: Some(c.v1_key.as_str()),
            v2_key: Some(c.v2_key.as_str()),
            v2_key_id: Some(c.v2_key_id),
            v2_retired_keys: Some(c.v2_retired_keys.as_str()),
        })
        .map_err(|e| anyhow::anyhow!("codes: {e}"))
    }

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
        eckwms_application::public::parse_global_key(&self.global.public_key)
            .map_err(|e| anyhow::anyhow!(e))?;
        if self.http.body_limit == 0 {
            anyhow::bail!("http.body_limit must be positive");
        }
        if self.http.tls_cert.is_empty() != self.http.tls_key.is_empty() {
            anyhow::bail!("http.tls_cert and http.tls_key must be set together");
        }
        for (name, secs, min) in [
            (
                "http.request_timeout_secs",
                self.http.request_timeout_secs,
                0,
            ),
            ("http.keep_alive_secs", self.http.keep_alive_secs, 0),
            (
                "http.shutdown_timeout_secs",
                self.http.shutdown_timeout_secs,
                0,
            ),
            // The connection pool refuses 0 (it panicked).
            (
                "database.connect_timeout_secs",
                self.database.connect_timeout_secs,
                1,
            ),
            ("idempotency.wait_secs", self.idempotency.wait_secs, 0),
            ("scan.session_idle_secs", self.scan.session_idle_secs, 1),
        ] {
            time_setting(name, secs, 1, min)?;
        }
        // Below 24 is raised to 24 (IdempotencyService::new).
        let retention_hours = u64::try_from(self.idempotency.retention_hours).unwrap_or(0);
        time_setting("idempotency.retention_hours", retention_hours, 3_600, 0)?;
        if self.auth.key_memory_ms > MAX_KEY_MEMORY_MS {
            // It is also how long a key revoked elsewhere still works here.
            anyhow::bail!("auth.key_memory_ms must be at most {MAX_KEY_MEMORY_MS}");
        }
        self.labels
            .layout()
            .validate()
            .map_err(|e| anyhow::anyhow!("labels: {e}"))?;
        self.decoder()?;
        Ok(())
    }
}
