//! The `[proxy]` section of the global service's configuration.

use std::time::Duration;

use serde::Deserialize;

use crate::policy::{AddressPolicy, Cidr};

/// Everything the forwarder and the rate limiter can be told. Every field has a default, so an
/// empty `[proxy]` section (or none) is valid; [`ProxySettings::validate`] rejects nonsense.
///
/// ```toml
/// [proxy]
/// allow_loopback = false          # tests only
/// allow_private = false           # a global service inside the instances' network
/// connect_timeout_ms = 3000
/// response_timeout_ms = 30000     # until the upstream's response head, request body included
/// idle_timeout_ms = 30000         # longest silence inside either body
/// body_limit = 33554432           # request bodies larger than this get 413
/// pool_idle_ms = 15000            # how long an idle upstream connection is kept for reuse
/// max_connections_per_worker = 256
/// trusted_proxies = ["10.0.0.0/8"]
/// client_ipv6_prefix = 64
///
/// [proxy.rate_limit]
/// max_tracked = 100000
/// per_instance = { per_second = 200.0, burst = 400 }
/// per_client = { per_second = 20.0, burst = 40 }
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProxySettings {
    /// Let upstreams on loopback through. For tests and single-host setups; default false.
    pub allow_loopback: bool,
    /// Let upstreams in private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)
    /// through; default false, since from the global server those are its hosting's network.
    pub allow_private: bool,
    /// Longest wait for the TCP (and TLS) connection to an upstream; then 504.
    pub connect_timeout_ms: u64,
    /// Longest wait from the start of forwarding until the upstream's response head arrives,
    /// sending the request body included; then 504.
    pub response_timeout_ms: u64,
    /// Longest silence inside the request body (from the client) or the response body (from the
    /// upstream) once it streams; only time spent waiting for the sender counts, not a slow
    /// reader's backpressure. On the response side the status is already sent, so the
    /// connection is cut.
    pub idle_timeout_ms: u64,
    /// Largest request body forwarded, in bytes; larger gets 413 (at once when Content-Length
    /// says so, otherwise when the streamed body passes the limit).
    pub body_limit: u64,
    /// How long an idle connection to an upstream is kept for reuse.
    pub pool_idle_ms: u64,
    /// Connections one worker thread keeps open to all upstreams together (0: no limit).
    pub max_connections_per_worker: usize,
    /// Peers whose `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` are believed
    /// (a load balancer in front of the global service). Empty: the peer is the client.
    pub trusted_proxies: Vec<Cidr>,
    /// IPv6 clients are counted by this prefix (a host usually owns a whole /64).
    pub client_ipv6_prefix: u8,
    pub rate_limit: RateLimitSettings,
}

impl Default for ProxySettings {
    fn default() -> Self {
        Self {
            allow_loopback: false,
            allow_private: false,
            connect_timeout_ms: 3_000,
            response_timeout_ms: 30_000,
            idle_timeout_ms: 30_000,
            body_limit: 32 * 1024 * 1024,
            pool_idle_ms: 15_000,
            max_connections_per_worker: 256,
            trusted_proxies: Vec::new(),
            client_ipv6_prefix: 64,
            rate_limit: RateLimitSettings::default(),
        }
    }
}

/// Token buckets, one per instance and one per client. They live in the process: with N
/// processes behind a load balancer, each allows the configured rate, so configure
/// `rate / N` (and `burst / N`) for the same overall limit.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Buckets kept per kind (instances, clients); the idle ones go first when it is reached.
    pub max_tracked: usize,
    /// Requests to one instance, from all clients together.
    pub per_instance: Limit,
    /// Requests from one client (peer IP, or the forwarded client behind a trusted proxy), to
    /// all instances together.
    pub per_client: Limit,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            max_tracked: 100_000,
            per_instance: Limit {
                per_second: 200.0,
                burst: 400,
            },
            per_client: Limit {
                per_second: 20.0,
                burst: 40,
            },
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second`. `per_second = 0` turns
/// the limit off.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub per_second: f64,
    pub burst: u32,
}

impl Limit {
    pub fn is_enabled(&self) -> bool {
        self.per_second > 0.0
    }
}

/// A setting out of range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("proxy.{field}: {message}")]
pub struct SettingsError {
    pub field: &'static str,
    pub message: &'static str,
}

impl ProxySettings {
    /// The address policy these settings describe.
    pub fn policy(&self) -> AddressPolicy {
        AddressPolicy {
            allow_loopback: self.allow_loopback,
            allow_private: self.allow_private,
        }
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    pub fn response_timeout(&self) -> Duration {
        Duration::from_millis(self.response_timeout_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }

    pub fn pool_idle(&self) -> Duration {
        Duration::from_millis(self.pool_idle_ms)
    }

    /// Ok when every value is usable.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let err = |field, message| Err(SettingsError { field, message });
        if self.connect_timeout_ms == 0 {
            return err("connect_timeout_ms", "must be positive");
        }
        if self.response_timeout_ms == 0 {
            return err("response_timeout_ms", "must be positive");
        }
        if self.idle_timeout_ms == 0 {
            return err("idle_timeout_ms", "must be positive");
        }
        if self.body_limit == 0 {
            return err("body_limit", "must be positive");
        }
        if self.client_ipv6_prefix == 0 || self.client_ipv6_prefix > 128 {
            return err("client_ipv6_prefix", "must be between 1 and 128");
        }
        if self.rate_limit.max_tracked == 0 {
            return err("rate_limit.max_tracked", "must be positive");
        }
        for (field, limit) in [
            ("rate_limit.per_instance", self.rate_limit.per_instance),
            ("rate_limit.per_client", self.rate_limit.per_client),
        ] {
            if !limit.per_second.is_finite() || limit.per_second < 0.0 {
                return err(field, "per_second must be a finite number >= 0");
            }
            if limit.is_enabled() && limit.burst == 0 {
                return err(field, "burst must be at least 1");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_strict() {
        let s = ProxySettings::default();
        assert_eq!(s.validate(), Ok(()));
        assert!(!s.allow_loopback);
        assert!(!s.allow_private);
    }

    #[test]
    fn reads_a_partial_section() {
        let s: ProxySettings = serde_json::from_value(serde_json::json!({
            "allow_loopback": true,
            "trusted_proxies": ["10.0.0.0/8", "2001:db8::1"],
            "rate_limit": {"per_client": {"per_second": 5.0, "burst": 10}}
        }))
        .unwrap();
        assert!(s.allow_loopback);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(s.rate_limit.per_client.burst, 10);
        assert_eq!(
            s.rate_limit.per_instance,
            RateLimitSettings::default().per_instance
        );
        assert_eq!(s.body_limit, ProxySettings::default().body_limit);
    }

    #[test]
    fn rejects_unknown_keys_bad_ranges_and_bad_values() {
        assert!(
            serde_json::from_value::<ProxySettings>(serde_json::json!({"alow_loopback": true}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<ProxySettings>(serde_json::json!({"trusted_proxies": ["x"]}))
                .is_err()
        );
        let mut s = ProxySettings::default();
        s.rate_limit.per_client.burst = 0;
        assert_eq!(s.validate().unwrap_err().field, "rate_limit.per_client");
        let mut s = ProxySettings::default();
        s.rate_limit.per_instance.per_second = f64::NAN;
        assert!(s.validate().is_err());
        let s = ProxySettings {
            response_timeout_ms: 0,
            ..ProxySettings::default()
        };
        assert_eq!(s.validate().unwrap_err().field, "response_timeout_ms");
        let mut s = ProxySettings::default();
        s.rate_limit.per_client = Limit {
            per_second: 0.0,
            burst: 0,
        };
        assert_eq!(s.validate(), Ok(()), "a disabled limit needs no burst");
    }
}
