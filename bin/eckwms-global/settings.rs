//! Configuration: embedded defaults < config/global.toml < config/global.<ECKWMS_GLOBAL_ENV>.toml
//! < --config FILE (or ECKWMS_GLOBAL_CONFIG) < .env < environment (ECKWMS_GLOBAL__SECTION__KEY; the label key
//! ring as JSON in ECKWMS_GLOBAL__LABELS__KEYS).

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context;
use eckwms_db_kit::config::DatabaseConfig;
use eckwms_global_adapter_http::public_fetcher::MAX_PUBLIC_RESPONSE;
use eckwms_global_application::PublicPageSettings;
use eckwms_global_domain::labels::{LabelKeyConfig, LabelRing};
use eckwms_global_proxy::FetchLimits;
use eckwms_http_kit::logging::LogSettings;
use eckwms_http_kit::metrics::MetricsSettings;
use eckwms_settings_kit::{Layers, Secret, Vars, check_time};
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
    pub metrics: MetricsSettings,
    pub log: LogSettings,
}

/// The label key ring of the public label page: `[[labels.keys]]` entries, or the same
/// entries as a JSON array in `ECKWMS_GLOBAL__LABELS__KEYS`. The keys are [`Secret`]s: every
/// error names a key's path (or the variable), never its value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsConfig {
    #[serde(default)]
    pub keys: Vec<LabelKeyEntry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelKeyEntry {
    pub instance_id: String,
    pub version: u8,
    pub key: Secret,
    #[serde(default)]
    pub key_id: Option<u64>,
    #[serde(default)]
    pub suffix: Option<String>,
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
                key: k.key.expose().to_owned(),
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

/// The operator key: a [`Secret`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub admin_key: Secret,
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

/// Shortest accepted operator key.
const MIN_ADMIN_KEY: usize = 32;

impl Settings {
    /// Loads the layered configuration; `file` is `--config` (else `ECKWMS_GLOBAL_CONFIG`).
    /// `ECKWMS_GLOBAL_ENV` (unset: none) adds `config/global.<env>.toml` if it exists, as
    /// `ECKWMS_ENV` does for the instance service.
    pub fn load(file: Option<&str>) -> anyhow::Result<Self> {
        Self::load_from(file, &Vars::process())
    }

    /// [`Settings::load`] from the environment `vars` (tests give their own).
    fn load_from(file: Option<&str>, vars: &Vars) -> anyhow::Result<Self> {
        let file = file
            .map(str::to_owned)
            .or_else(|| vars.get("ECKWMS_GLOBAL_CONFIG"))
            .filter(|f| !f.is_empty());
        let mut layers = Layers::new(DEFAULTS).optional_file("config/global.toml");
        if let Some(env) = vars.get("ECKWMS_GLOBAL_ENV").filter(|e| !e.is_empty()) {
            layers = layers.optional_file(&format!("config/global.{env}.toml"));
        }
        if let Some(file) = &file {
            layers = layers.required_file(file);
        }
        // An array of tables, which `..__LABELS__KEYS__0__KEY` could not spell: one JSON value.
        let settings: Settings = layers.load(vars, "ECKWMS_GLOBAL", &["labels.keys"])?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.http.body_limit == 0 {
            anyhow::bail!("http.body_limit must be positive");
        }
        self.http.trusted_proxies()?;
        let key = self.auth.admin_key.expose().trim();
        if !key.is_empty() && key.len() < MIN_ADMIN_KEY {
            anyhow::bail!("auth.admin_key must be at least {MIN_ADMIN_KEY} characters (or empty)");
        }
        let url = self.service.public_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("service.public_url must start with http:// or https://");
        }
        let h = &self.http;
        check_time("http.request_timeout_secs", h.request_timeout_secs, 1, 0)?;
        check_time("http.keep_alive_secs", h.keep_alive_secs, 1, 0)?;
        check_time("http.shutdown_timeout_secs", h.shutdown_timeout_secs, 1, 0)?;
        let connect = self.database.connect_timeout_secs;
        // The connection pool refuses 0 (it panicked).
        check_time("database.connect_timeout_secs", connect, 1, 1)?;
        let i = &self.instances;
        check_time(
            "instances.enrollment_ttl_hours",
            i.enrollment_ttl_hours,
            3_600,
            1,
        )?;
        check_time("instances.offline_after_secs", i.offline_after_secs, 1, 1)?;
        check_time(
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
        check_time("public_page.ttl_secs", p.ttl_secs, 1, 1)?;
        check_time("public_page.negative_ttl_secs", p.negative_ttl_secs, 1, 1)?;
        check_time("public_page.keep_days", p.keep_days, 86_400, 1)?;
        if !(1..=60_000).contains(&p.connect_timeout_ms) || !(1..=60_000).contains(&p.timeout_ms) {
            anyhow::bail!("public_page.connect_timeout_ms and timeout_ms must be 1 to 60000");
        }
        let r = &self.relay;
        check_time("relay.lease_secs", r.lease_secs, 1, 1)?;
        check_time(
            "relay.retention_interval_secs",
            r.retention_interval_secs,
            1,
            1,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
    /// 64 hex digits: a v2 key.
    const V2_KEY: &str = "8f3c1a9e5b7d2f4061a8c3e5d7f9b1a3c5e7092b4d6f8a1c3e5f7a9b2d4c6e8f";
    /// 48 hex digits: a v1 key.
    const V1_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978";

    fn load(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        Settings::load_from(None, &Vars::given(vars.iter().copied()))
    }

    #[test]
    fn the_label_key_ring_comes_from_one_environment_variable() {
        let ring = format!(
            r#"[{{"instance_id": "{INSTANCE}", "version": 2, "key": "{V2_KEY}", "key_id": 7}},
                {{"instance_id": "{INSTANCE}", "version": 1, "key": "{V1_KEY}", "suffix": "Q7"}}]"#
        );
        let admin = "admin-key-0123456789-0123456789-0123456789";
        let settings = load(&[
            ("ECKWMS_GLOBAL__LABELS__KEYS", &ring),
            ("ECKWMS_GLOBAL__AUTH__ADMIN_KEY", admin),
        ])
        .unwrap();
        let keys = &settings.labels.keys;
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].instance_id, INSTANCE);
        assert_eq!((keys[0].version, keys[0].key_id), (2, Some(7)));
        assert_eq!(keys[0].key.expose(), V2_KEY);
        assert_eq!(
            (keys[1].version, keys[1].suffix.as_deref()),
            (1, Some("Q7"))
        );
        assert_eq!(keys[1].key.expose(), V1_KEY);
        assert!(settings.labels.ring().is_ok());
        assert_eq!(settings.auth.admin_key.expose(), admin);
        let shown = format!("{settings:?} {settings:#?}");
        for secret in [V2_KEY, V1_KEY, admin] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains(INSTANCE), "{shown}");
    }

    #[test]
    fn a_malformed_label_key_variable_is_named_and_its_keys_never_echoed() {
        // Cut short: not JSON.
        let cut = format!(r#"[{{"instance_id": "{INSTANCE}", "version": 2, "key": "{V2_KEY}""#);
        let e = load(&[("ECKWMS_GLOBAL__LABELS__KEYS", &cut)]).unwrap_err();
        let shown = format!("{e:#} {e:?}");
        assert!(
            shown.contains("ECKWMS_GLOBAL__LABELS__KEYS: not valid JSON"),
            "{shown}"
        );
        assert!(
            !shown.contains(V2_KEY) && !shown.contains("8f3c"),
            "{shown}"
        );

        // One table, not an array of them.
        let table = format!(r#"{{"instance_id": "{INSTANCE}", "version": 2, "key": "{V2_KEY}"}}"#);
        let e = load(&[("ECKWMS_GLOBAL__LABELS__KEYS", &table)]).unwrap_err();
        let shown = format!("{e:#} {e:?}");
        assert!(
            shown.contains("ECKWMS_GLOBAL__LABELS__KEYS: expected"),
            "{shown}"
        );
        assert!(!shown.contains(V2_KEY), "{shown}");

        // Well-formed, but a v1 key given as v2: named by its path, as from a file.
        let wrong =
            format!(r#"[{{"instance_id": "{INSTANCE}", "version": 2, "key": "{V1_KEY}"}}]"#);
        let e = load(&[("ECKWMS_GLOBAL__LABELS__KEYS", &wrong)]).unwrap_err();
        let shown = format!("{e:#} {e:?}");
        assert!(shown.contains("labels.keys[0].key"), "{shown}");
        assert!(!shown.contains(V1_KEY), "{shown}");
    }

    #[test]
    fn the_defaults_load_with_no_secret_set() {
        let settings = load(&[]).unwrap();
        assert!(settings.labels.keys.is_empty());
        assert!(settings.auth.admin_key.is_blank());
        assert_eq!(
            settings.database.url.expose(),
            "sqlite://data/eckwms-global.db"
        );
        let e = load(&[("ECKWMS_GLOBAL__RELAY__LEASE_SECS", "0")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "relay.lease_secs must be 1 to 3153600000 (100 years)"
        );
    }
}
