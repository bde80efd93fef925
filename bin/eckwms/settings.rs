//! Configuration: embedded defaults < config/default.toml < config/<env>.toml < .env < environment.

use eckwms_db_kit::config::DatabaseConfig;
use eckwms_http_kit::logging::LogSettings;
use eckwms_http_kit::metrics::MetricsSettings;
use eckwms_settings_kit::{Layers, Secret, Vars, check_time};
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
    pub repair: RepairConfig,
    pub labels: LabelsConfig,
    pub pairing: PairingConfig,
    pub global: GlobalConfig,
    pub webhooks: WebhooksConfig,
    pub relay: RelayConfig,
    pub metrics: MetricsSettings,
    pub log: LogSettings,
}

/// Label code keys: whoever has them reads and forges this instance's labels, so they are
/// [`Secret`]s (the retired keys too).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodesConfig {
    pub v1_key: Secret,
    pub v1_suffix: String,
    pub v2_key: Secret,
    pub v2_key_id: u64,
    pub v2_retired_keys: Secret,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    pub session_idle_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepairConfig {
    /// Whether the result that completes a received RMA request sets it `processed`.
    pub auto_processed: bool,
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
    /// Seconds between heartbeats once the instance is enrolled (`eckwms global enroll`).
    pub heartbeat_secs: u64,
    /// The LAN addresses reported, comma-separated; empty: the host's interfaces' addresses.
    pub local_ips: String,
    /// The port reported with them; 0: the port `http.bind` listens on.
    pub port: u16,
    /// Time limit of connecting to the global service, and again of each exchange.
    pub timeout_secs: u64,
}

/// Webhook subscriptions and their delivery (`[webhooks]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Let subscriptions point to loopback addresses (tests, a receiver on the same host).
    pub allow_loopback: bool,
    /// Let subscriptions point to private networks (10/8, 172.16/12, 192.168/16, fc00::/7).
    pub allow_private: bool,
    /// Failed deliveries in a row after which a subscription is disabled.
    pub max_failures: u32,
    /// Events per delivery when a subscription names no number, and the most it may name.
    pub batch: u32,
    pub max_batch: u32,
    /// How often the worker looks for subscriptions with something to deliver (milliseconds).
    pub poll_ms: u64,
    /// Time limit of connecting to a receiver, and again of each delivery.
    pub timeout_secs: u64,
    /// How long a worker's lease on a subscription lasts without being renewed.
    pub lease_secs: u64,
    /// The wait after a first failure, doubled after each further one, at most `backoff_max_secs`.
    pub backoff_secs: u64,
    pub backoff_max_secs: u64,
}

impl WebhooksConfig {
    /// What the webhooks' use cases are told.
    pub fn service_settings(&self) -> eckwms_application::WebhookSettings {
        eckwms_application::WebhookSettings {
            policy: self.policy(),
            max_failures: self.max_failures,
            default_batch: self.batch,
            max_batch: self.max_batch,
            lease: std::time::Duration::from_secs(self.lease_secs),
            backoff_base: std::time::Duration::from_secs(self.backoff_secs),
            backoff_cap: std::time::Duration::from_secs(self.backoff_max_secs),
        }
    }

    pub fn policy(&self) -> eckwms_address_policy::AddressPolicy {
        eckwms_address_policy::AddressPolicy {
            allow_loopback: self.allow_loopback,
            allow_private: self.allow_private,
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.max_failures == 0 {
            anyhow::bail!("webhooks.max_failures must be at least 1");
        }
        if !(1..=eckwms_application::events::MAX_LIMIT).contains(&self.max_batch) {
            anyhow::bail!(
                "webhooks.max_batch must be between 1 and {}",
                eckwms_application::events::MAX_LIMIT
            );
        }
        if !(1..=self.max_batch).contains(&self.batch) {
            anyhow::bail!("webhooks.batch must be between 1 and webhooks.max_batch");
        }
        if !(10..=60_000).contains(&self.poll_ms) {
            anyhow::bail!("webhooks.poll_ms must be between 10 and 60000");
        }
        if self.lease_secs <= self.timeout_secs {
            anyhow::bail!(
                "webhooks.lease_secs must be longer than webhooks.timeout_secs (a lease outlives a delivery)"
            );
        }
        if self.backoff_max_secs < self.backoff_secs {
            anyhow::bail!("webhooks.backoff_max_secs must be at least webhooks.backoff_secs");
        }
        Ok(())
    }
}

/// The puller of the global service's scan relay (runs in `serve` while the instance is
/// enrolled).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    /// Whether `serve` pulls relayed scans once the instance is enrolled.
    pub enabled: bool,
    /// Milliseconds between pulls while nothing waits (1 to 3,600,000).
    pub poll_ms: u64,
    /// Scans per pull, 1 to 500.
    pub batch: usize,
    /// Seconds the puller's lease lasts without a renewal (one process pulls at a time; each
    /// round renews it): another process takes over this long after a holder died.
    pub lease_secs: u64,
}

impl RelayConfig {
    fn check(&self) -> anyhow::Result<()> {
        if !(1..=3_600_000).contains(&self.poll_ms) {
            anyhow::bail!("relay.poll_ms must be from 1 to 3600000");
        }
        if !(1..=eckwms_application::relay::MAX_BATCH).contains(&self.batch) {
            anyhow::bail!(
                "relay.batch must be from 1 to {}",
                eckwms_application::relay::MAX_BATCH
            );
        }
        check_time("relay.lease_secs", self.lease_secs, 1, 1)?;
        Ok(())
    }

    pub fn poll(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms)
    }

    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.lease_secs).unwrap_or(i64::MAX / 1000))
    }
}

/// The most LAN addresses the global service takes.
const MAX_LOCAL_IPS: usize = 16;

impl GlobalConfig {
    /// `local_ips`, parsed (empty: detect them).
    pub fn local_ips(&self) -> anyhow::Result<Vec<std::net::IpAddr>> {
        let ips = self
            .local_ips
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<std::net::IpAddr>()
                    .ok()
                    .filter(eckwms_adapter_http::global_client::is_lan_candidate)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "global.local_ips: {s:?} is not an address a scanner could reach \
                             (IPv4 or IPv6, not loopback, link-local or multicast)"
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if ips.len() > MAX_LOCAL_IPS {
            anyhow::bail!("global.local_ips: at most {MAX_LOCAL_IPS} addresses");
        }
        Ok(ips)
    }

    /// The port reported: `port`, else the one of `bind` (`None` when that is 0 or unknown:
    /// the server knows it once it listens).
    pub fn reported_port(&self, bind: &str) -> Option<u16> {
        if self.port != 0 {
            return Some(self.port);
        }
        bind.rsplit_once(':')
            .and_then(|(_, port)| port.parse::<u16>().ok())
            .filter(|p| *p != 0)
    }
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
    pub client_address_header: String,
}

/// The longest `auth.key_memory_ms`: a minute.
const MAX_KEY_MEMORY_MS: u64 = 60_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub bootstrap_key_file: String,
    /// How long a verified API key (and a scanner without an operator whose signature
    /// verified) is checked from memory before it is read again (0: read it for every
    /// request). Also how long a key revoked (or a scanner blocked) through another process
    /// still works in this one.
    pub key_memory_ms: u64,
    pub session_hours: u64,
    pub session_idle_minutes: u64,
    /// An operator logged in on a scanner is logged out after this long without its requests.
    pub operator_idle_minutes: u64,
    pub failure_window_minutes: u64,
    pub max_user_failures: u32,
    pub max_address_failures: u32,
    pub hash_memory_kib: u32,
    pub hash_iterations: u32,
    pub hash_parallelism: u32,
    pub hash_workers: usize,
    pub cookie_secure: CookieSecureConfig,
}

/// `auth.cookie_secure`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CookieSecureConfig {
    Auto,
    Always,
    Never,
}

impl AuthConfig {
    pub fn hash_params(&self) -> eckwms_application::access::passwords::HashParams {
        eckwms_application::access::passwords::HashParams {
            memory_kib: self.hash_memory_kib,
            iterations: self.hash_iterations,
            parallelism: self.hash_parallelism,
        }
    }

    pub fn sessions(&self) -> eckwms_application::access::SessionSettings {
        let minutes =
            |m: u64| chrono::Duration::minutes(i64::try_from(m).unwrap_or(i64::MAX / 60_000));
        eckwms_application::access::SessionSettings {
            absolute: minutes(self.session_hours.saturating_mul(60)),
            idle: minutes(self.session_idle_minutes),
            failure_window: minutes(self.failure_window_minutes),
            max_user_failures: self.max_user_failures,
            max_address_failures: self.max_address_failures,
        }
    }

    /// How long operators stay logged in on scanners, and the throttling they share.
    pub fn devices(&self) -> eckwms_application::devices::DeviceSettings {
        eckwms_application::devices::DeviceSettings {
            operator_idle: chrono::Duration::minutes(
                i64::try_from(self.operator_idle_minutes).unwrap_or(i64::MAX / 60_000),
            ),
            logins: self.sessions(),
        }
    }

    /// `hash_workers`, or one less than the CPUs (at least 1) when 0.
    pub fn hash_workers(&self) -> usize {
        if self.hash_workers > 0 {
            return self.hash_workers;
        }
        std::thread::available_parallelism()
            .map(|n| n.get().saturating_sub(1))
            .unwrap_or(1)
            .max(1)
    }
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
            v1_key: Some(c.v1_key.expose()),
            v2_key: Some(c.v2_key.expose()),
            v2_key_id: Some(c.v2_key_id),
            v2_retired_keys: Some(c.v2_retired_keys.expose()),
        })
        .map_err(|e| anyhow::anyhow!("codes: {e}"))
    }

    /// Loads the layered configuration. `ECKWMS_ENV` picks `config/<env>.toml` (default
    /// `development`); `ECKWMS_CONFIG_DIR` moves the `config/` directory.
    pub fn load() -> anyhow::Result<Self> {
        Self::load_from(&Vars::process())
    }

    /// [`Settings::load`] from the environment `vars` (tests give their own).
    fn load_from(vars: &Vars) -> anyhow::Result<Self> {
        let env = vars
            .get("ECKWMS_ENV")
            .unwrap_or_else(|| "development".into());
        let dir = vars
            .get("ECKWMS_CONFIG_DIR")
            .unwrap_or_else(|| "config".into());
        let settings: Settings = Layers::new(DEFAULTS)
            .optional_file(&format!("{dir}/default"))
            .optional_file(&format!("{dir}/{env}"))
            .load(vars, "ECKWMS", &[])?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        eckwms_application::public::parse_global_key(&self.global.public_key)
            .map_err(|e| anyhow::anyhow!(e))?;
        self.global.local_ips()?;
        self.webhooks.validate()?;
        self.relay.check()?;
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
            ("global.heartbeat_secs", self.global.heartbeat_secs, 1),
            ("global.timeout_secs", self.global.timeout_secs, 1),
            ("webhooks.timeout_secs", self.webhooks.timeout_secs, 1),
            ("webhooks.lease_secs", self.webhooks.lease_secs, 1),
            ("webhooks.backoff_secs", self.webhooks.backoff_secs, 1),
            (
                "webhooks.backoff_max_secs",
                self.webhooks.backoff_max_secs,
                1,
            ),
        ] {
            check_time(name, secs, 1, min)?;
        }
        // Below 24 is raised to 24 (IdempotencyService::new).
        let retention_hours = u64::try_from(self.idempotency.retention_hours).unwrap_or(0);
        check_time("idempotency.retention_hours", retention_hours, 3_600, 0)?;
        for (name, value, min, max) in [
            ("auth.session_hours", self.auth.session_hours, 1, 24 * 365),
            (
                "auth.session_idle_minutes",
                self.auth.session_idle_minutes,
                1,
                60 * 24 * 365,
            ),
            (
                "auth.operator_idle_minutes",
                self.auth.operator_idle_minutes,
                1,
                60 * 24 * 365,
            ),
            (
                "auth.failure_window_minutes",
                self.auth.failure_window_minutes,
                1,
                60 * 24,
            ),
            (
                "auth.max_user_failures",
                u64::from(self.auth.max_user_failures),
                1,
                1_000_000,
            ),
            (
                "auth.max_address_failures",
                u64::from(self.auth.max_address_failures),
                1,
                1_000_000,
            ),
            ("auth.hash_workers", self.auth.hash_workers as u64, 0, 1024),
        ] {
            if value < min || value > max {
                anyhow::bail!("{name} must be between {min} and {max}");
            }
        }
        if self.http.client_address_header.len() > 100 {
            anyhow::bail!("http.client_address_header is too long");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// 64 hex digits, as `openssl rand -hex 32` makes them.
    const V2_KEY: &str = "8f3c1a9e5b7d2f4061a8c3e5d7f9b1a3c5e7092b4d6f8a1c3e5f7a9b2d4c6e8f";

    /// Only the compiled-in defaults and `vars`: no directory holds the files.
    fn load(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let mut all = vec![("ECKWMS_CONFIG_DIR", "/nonexistent/eckwms-config")];
        all.extend_from_slice(vars);
        Settings::load_from(&Vars::given(all))
    }

    #[test]
    fn the_label_keys_come_from_the_environment_and_never_show() {
        let retired = format!("1:{}", "a1".repeat(32));
        let db = "postgres://eckwms:hunter2-password@db.example/eckwms";
        let settings = load(&[
            ("ECKWMS__CODES__V2_KEY", V2_KEY),
            ("ECKWMS__CODES__V2_KEY_ID", "2"),
            ("ECKWMS__CODES__V2_RETIRED_KEYS", &retired),
            ("ECKWMS__DATABASE__URL", db),
        ])
        .unwrap();
        assert_eq!(settings.codes.v2_key.expose(), V2_KEY);
        assert_eq!(settings.codes.v2_key_id, 2);
        assert_eq!(settings.codes.v2_retired_keys.expose(), retired);
        assert_eq!(settings.database.url.expose(), db);
        assert!(settings.decoder().is_ok());
        let shown = format!("{settings:?} {settings:#?}");
        for secret in [V2_KEY, &retired[2..], "hunter2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("v1_suffix: \"M3\""), "{shown}");
    }

    #[test]
    fn the_defaults_load_and_a_bad_key_is_refused_by_name() {
        let settings = load(&[]).unwrap();
        assert!(settings.codes.v2_key.is_blank());
        let e = load(&[("ECKWMS__CODES__V2_KEY", "abc123")]).unwrap_err();
        let shown = format!("{e:#}");
        assert!(shown.starts_with("codes: "), "{shown}");
        assert!(!shown.contains("abc123"), "{shown}");
    }

    #[test]
    fn the_global_link_settings_are_checked() {
        let settings = load(&[]).unwrap();
        assert_eq!(settings.global.heartbeat_secs, 60);
        assert!(settings.global.local_ips().unwrap().is_empty());
        assert_eq!(settings.global.reported_port("127.0.0.1:3100"), Some(3100));
        assert_eq!(settings.global.reported_port("127.0.0.1:0"), None);
        let settings = load(&[
            ("ECKWMS__GLOBAL__LOCAL_IPS", "192.168.1.5, fd00::5"),
            ("ECKWMS__GLOBAL__PORT", "8443"),
        ])
        .unwrap();
        assert_eq!(settings.global.local_ips().unwrap().len(), 2);
        assert_eq!(settings.global.reported_port("127.0.0.1:0"), Some(8443));
        let e = load(&[("ECKWMS__GLOBAL__LOCAL_IPS", "127.0.0.1")]).unwrap_err();
        assert!(e.to_string().starts_with("global.local_ips: "), "{e}");
        let e = load(&[("ECKWMS__GLOBAL__HEARTBEAT_SECS", "0")]).unwrap_err();
        assert!(e.to_string().starts_with("global.heartbeat_secs"), "{e}");
    }

    #[test]
    fn the_relay_settings_are_checked() {
        let settings = load(&[]).unwrap();
        assert!(settings.relay.enabled);
        assert_eq!(
            (
                settings.relay.poll_ms,
                settings.relay.batch,
                settings.relay.lease_secs
            ),
            (1000, 100, 30)
        );
        for (key, value, named) in [
            ("ECKWMS__RELAY__BATCH", "0", "relay.batch"),
            ("ECKWMS__RELAY__BATCH", "501", "relay.batch"),
            ("ECKWMS__RELAY__POLL_MS", "0", "relay.poll_ms"),
            ("ECKWMS__RELAY__LEASE_SECS", "0", "relay.lease_secs"),
        ] {
            let e = load(&[(key, value)]).unwrap_err();
            assert!(e.to_string().starts_with(named), "{key}={value}: {e}");
        }
        assert!(
            !load(&[("ECKWMS__RELAY__ENABLED", "false")])
                .unwrap()
                .relay
                .enabled
        );
    }

    #[test]
    fn a_time_beyond_100_years_and_an_unknown_variable_are_refused() {
        let e = load(&[("ECKWMS__HTTP__KEEP_ALIVE_SECS", "3153600001")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "http.keep_alive_secs must be 0 to 3153600000 (100 years)"
        );
        let e = load(&[("ECKWMS__HTTP__TYPO", "1")]).unwrap_err();
        assert!(
            format!("{e:#}").starts_with("invalid configuration: "),
            "{e:#}"
        );
    }
}
