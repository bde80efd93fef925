//! Configuration: embedded defaults < config/global.toml < --config FILE (or
//! ECKWMS_GLOBAL_CONFIG) < .env < environment (ECKWMS_GLOBAL__SECTION__KEY).

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use eckwms_global_adapter_db::{DbSettings, redact_url};
use eckwms_global_adapter_http::public_fetcher::MAX_PUBLIC_RESPONSE;
use eckwms_global_application::PublicPageSettings;
use eckwms_global_domain::labels::{LabelKeyConfig, LabelRing};
use eckwms_global_proxy::FetchLimits;
use eckwms_http_kit::logging::LogSettings;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../config/global.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub service: ServiceConfig,
    pub instances: InstancesConfig,
    pub relay: RelayConfig,
    pub proxy: eckwms_global_proxy::ProxySettings,
    pub labels: LabelsConfig,
    pub public_page: PublicPageConfig,
    pub log: LogSettings,
}

/// The label key ring of the public label page: `[[labels.keys]]` entries. The keys are
/// secrets: `Debug` and every error name a key's path, never its value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsConfig {
    #[serde(default)]
    pub keys: Vec<LabelKeyEntry>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelKeyEntry {
    pub instance_id: String,
    pub version: u8,
    pub key: String,
    #[serde(default)]
    pub key_id: Option<u64>,
    #[serde(default)]
    pub suffix: Option<String>,
}

impl std::fmt::Debug for LabelKeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelKeyEntry")
            .field("instance_id", &self.instance_id)
            .field("version", &self.version)
            .field("key_id", &self.key_id)
            .field("suffix", &self.suffix)
            .finish_non_exhaustive()
    }
}

impl LabelsConfig {
    /// The decoders of the configured keys; an invalid key stops the start with its path.
    pub fn ring(&self) -> anyhow::Result<LabelRing> {
        let keys: Vec<LabelKeyConfig> = self
            .keys
            .iter()
            .map(|k| LabelKeyConfig {
                instance_id: k.instance_id.clone(),
                version: k.version,
                key: k.key.clone(),
                key_id: k.key_id,
                suffix: k.suffix.clone(),
            })
            .collect();
        LabelRing::new(&keys).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicPageConfig {
    pub ttl_secs: i64,
    pub negative_ttl_secs: i64,
    pub keep_days: i64,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
}

impl PublicPageConfig {
    pub fn page_settings(&self) -> PublicPageSettings {
        PublicPageSettings {
            ttl: chrono::Duration::seconds(self.ttl_secs),
            negative_ttl: chrono::Duration::seconds(self.negative_ttl_secs),
            keep: chrono::Duration::days(self.keep_days),
        }
    }

    pub fn fetch_limits(&self) -> FetchLimits {
        FetchLimits {
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            total_timeout: Duration::from_millis(self.timeout_ms),
            max_response: MAX_PUBLIC_RESPONSE,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub bind: String,
    pub body_limit: usize,
    pub workers: usize,
    pub request_timeout_secs: u64,
    pub keep_alive_secs: u64,
    pub shutdown_timeout_secs: u64,
    pub trusted_proxies: String,
}

impl HttpConfig {
    pub fn trusted_proxies(&self) -> anyhow::Result<Vec<IpAddr>> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .with_context(|| format!("http.trusted_proxies: {s:?} is not an IP address"))
            })
            .collect()
    }
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
            .field("url", &redact_url(&self.url))
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

/// The operator key: a secret, never printed by `Debug`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub admin_key: String,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("admin_key_set", &!self.admin_key.trim().is_empty())
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub public_url: String,
}

/// The longest `instances.proxy_memory_ms`: a minute.
const MAX_PROXY_MEMORY_MS: i64 = 60_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstancesConfig {
    pub enrollment_ttl_hours: i64,
    pub offline_after_secs: i64,
    pub max_pairing_ttl_secs: i64,
    /// How long the proxy routes an instance read lately from memory (0: read it for every
    /// request); also how long a change made through another process takes to reach this one.
    pub proxy_memory_ms: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    pub lease_secs: i64,
    pub retention_interval_secs: u64,
}

impl Settings {
    /// The proxy's settings, with `http.trusted_proxies` as its trusted proxies (one
    /// configuration of who may speak for a client).
    pub fn proxy_settings(&self) -> anyhow::Result<eckwms_global_proxy::ProxySettings> {
        let mut proxy = self.proxy.clone();
        if !proxy.trusted_proxies.is_empty() {
            anyhow::bail!("set trusted proxies in http.trusted_proxies, not proxy.trusted_proxies");
        }
        for ip in self.http.trusted_proxies()? {
            let prefix = if ip.is_ipv4() { 32 } else { 128 };
            let cidr = eckwms_global_proxy::Cidr::new(ip, prefix)
                .map_err(|e| anyhow::anyhow!("http.trusted_proxies: {e:?}"))?;
            proxy.trusted_proxies.push(cidr);
        }
        proxy
            .validate()
            .map_err(|e| anyhow::anyhow!("proxy.{}: {}", e.field, e.message))?;
        Ok(proxy)
    }
}

/// The longest time a setting may name: 100 years. Longer is "never" in all but name, and the
/// arithmetic on it (now plus or minus the time, a date or a monotonic instant) must stay
/// within what can be written: beyond that it panicked (a token's expiry, the connection
/// pool's deadline, the keep-alive of every connection).
const MAX_SETTING_SECS: i64 = 36_500 * 86_400;

/// A time setting of `value` units of `unit_secs` seconds: `min` to 100 years' worth of them.
fn time_setting(name: &str, value: i64, unit_secs: i64, min: i64) -> anyhow::Result<()> {
    let max = MAX_SETTING_SECS / unit_secs;
    if !(min..=max).contains(&value) {
        anyhow::bail!("{name} must be {min} to {max} (100 years)");
    }
    Ok(())
}

/// [`time_setting`] of an unsigned setting.
fn unsigned_time_setting(name: &str, value: u64, unit_secs: i64, min: i64) -> anyhow::Result<()> {
    time_setting(
        name,
        i64::try_from(value).unwrap_or(i64::MAX),
        unit_secs,
        min,
    )
}

/// Shortest accepted operator key.
const MIN_ADMIN_KEY: usize = 32;

impl Settings {
    /// Loads the layered configuration; `file` is `--config` (else `ECKWMS_GLOBAL_CONFIG`).
    pub fn load(file: Option<&str>) -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        let file = file
            .map(str::to_owned)
            .or_else(|| std::env::var("ECKWMS_GLOBAL_CONFIG").ok())
            .filter(|f| !f.is_empty());
        let mut builder = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::with_name("config/global.toml").required(false));
        if let Some(file) = &file {
            builder = builder.add_source(File::with_name(file).required(true));
        }
        let settings: Settings = builder
            .add_source(
                Environment::with_prefix("ECKWMS_GLOBAL")
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
        self.http.trusted_proxies()?;
        let key = self.auth.admin_key.trim();
        if !key.is_empty() && key.len() < MIN_ADMIN_KEY {
            anyhow::bail!("auth.admin_key must be at least {MIN_ADMIN_KEY} characters (or empty)");
        }
        let url = self.service.public_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("service.public_url must start with http:// or https://");
        }
        let h = &self.http;
        unsigned_time_setting("http.request_timeout_secs", h.request_timeout_secs, 1, 0)?;
        unsigned_time_setting("http.keep_alive_secs", h.keep_alive_secs, 1, 0)?;
        unsigned_time_setting("http.shutdown_timeout_secs", h.shutdown_timeout_secs, 1, 0)?;
        let connect = self.database.connect_timeout_secs;
        // The connection pool refuses 0 (it panicked).
        unsigned_time_setting("database.connect_timeout_secs", connect, 1, 1)?;
        let i = &self.instances;
        time_setting(
            "instances.enrollment_ttl_hours",
            i.enrollment_ttl_hours,
            3_600,
            1,
        )?;
        time_setting("instances.offline_after_secs", i.offline_after_secs, 1, 1)?;
        time_setting(
            "instances.max_pairing_ttl_secs",
            i.max_pairing_ttl_secs,
            1,
            1,
        )?;
        if !(0..=MAX_PROXY_MEMORY_MS).contains(&self.instances.proxy_memory_ms) {
            anyhow::bail!("instances.proxy_memory_ms must be 0 to {MAX_PROXY_MEMORY_MS}");
        }
        self.proxy_settings()?;
        self.labels.ring()?;
        let p = &self.public_page;
        time_setting("public_page.ttl_secs", p.ttl_secs, 1, 1)?;
        time_setting("public_page.negative_ttl_secs", p.negative_ttl_secs, 1, 1)?;
        time_setting("public_page.keep_days", p.keep_days, 86_400, 1)?;
        if !(1..=60_000).contains(&p.connect_timeout_ms) || !(1..=60_000).contains(&p.timeout_ms) {
            anyhow::bail!("public_page.connect_timeout_ms and timeout_ms must be 1 to 60000");
        }
        let r = &self.relay;
        time_setting("relay.lease_secs", r.lease_secs, 1, 1)?;
        unsigned_time_setting(
            "relay.retention_interval_secs",
            r.retention_interval_secs,
            1,
            1,
        )?;
        Ok(())
    }
}
