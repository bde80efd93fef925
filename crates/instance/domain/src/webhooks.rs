//! The webhooks wing: subscriptions that receive the ledger's changes by HTTP POST, the
//! signature that lets a receiver trust them, and the waits between failed deliveries.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::events::EventFilter;
use crate::id::IdKind;
use crate::movement::ledger::ChangeKind;

/// The header a delivery's signature travels in.
pub const SIGNATURE_HEADER: &str = "X-Eckwms-Signature";

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// A subscription's id: `wh_` and 16 lowercase hex digits, drawn at random.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(String);

impl WebhookId {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        match text.strip_prefix("wh_") {
            Some(hex)
                if hex.len() == 16
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                Ok(Self(text.to_owned()))
            }
            _ => Err("must be wh_ and 16 lowercase hex digits"),
        }
    }

    /// The id of these 8 random bytes.
    pub fn from_random(bytes: [u8; 8]) -> Self {
        Self(format!("wh_{}", hex_of(&bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookId({})", self.0)
    }
}

/// Where deliveries go: `http://` or `https://`, a host (a name, an IPv4 address or a
/// bracketed IPv6 address), an optional port, path and query; no credentials, no fragment,
/// printable ASCII only. Whether its addresses may be connected to is the address policy's
/// question, asked again at every delivery.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    text: String,
    https: bool,
    host: String,
    port: u16,
}

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.len() > MAX_URL_LEN {
            return Err("must be at most 2000 characters");
        }
        if text.chars().any(|c| !c.is_ascii_graphic()) {
            return Err("must be printable ASCII without spaces");
        }
        let lower = text.to_ascii_lowercase();
        let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err("must start with http:// or https://");
        };
        if rest.contains('#') {
            return Err("must not have a fragment");
        }
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("must not carry credentials");
        }
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err("must name a host");
        }
        let port = match port {
            None if https => 443,
            None => 80,
            Some(p) => p,
        };
        Ok(Self {
            text: text.to_owned(),
            https,
            host,
            port,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host, lowercase, without the brackets of an IPv6 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, or the scheme's (80, 443).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address the host is, when it is written as one; `localhost` counts as loopback.
    pub fn literal_ip(&self) -> Option<IpAddr> {
        if self.host == "localhost" || self.host.ends_with(".localhost") {
            return Some(IpAddr::from([127, 0, 0, 1]));
        }
        self.host.parse().ok()
    }
}

/// `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), &'static str> {
    let (host, port, bracketed) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest
            .split_once(']')
            .ok_or("must close the brackets of an IPv6 address")?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("must have a valid IPv6 address in brackets");
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("must have a port after ':'")?),
        };
        (v6.to_owned(), port, true)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port), false),
            None => (authority.to_owned(), None, false),
        }
    };
    if !bracketed
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err("must name a host with letters, digits, dots and dashes");
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && !p.starts_with('0') => Some(n),
            _ => return Err("must have a port from 1 to 65535"),
        },
    };
    Ok((host, port))
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({:?})", self.text)
    }
}

/// A subscription's signing secret: `whsec_` and 64 hex digits (32 random bytes). Shown once,
/// in the answer that creates it; `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(format!("whsec_{}", hex_of(&bytes)))
    }

    /// A stored secret, read back.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        match text.strip_prefix("whsec_") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(Self(text.to_owned()))
            }
            _ => Err("must be whsec_ and 64 hex digits"),
        }
    }

    /// The secret itself: for the one answer that shows it, for storing it and for signing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The signature header of a delivery of `body` at `t` (unix seconds).
    pub fn sign(&self, t: i64, body: &[u8]) -> String {
        signature_header(self.0.as_bytes(), t, body)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([secret])")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}

/// A subscription as stored (without its secret, which only the delivery reads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: WebhookId,
    pub url: WebhookUrl,
    pub filter: EventFilter,
    /// Most events in one delivery.
    pub batch_size: u32,
    pub enabled: bool,
    /// Failed deliveries since the last success (or since it was enabled again).
    pub failures: u32,
    /// Why the last delivery failed, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// The ledger seq delivered up to: the next delivery starts after it.
    pub cursor: i64,
    /// No delivery before this (a failure's backoff).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A change to a subscription; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionPatch {
    pub url: Option<WebhookUrl>,
    pub filter: Option<EventFilter>,
    pub batch_size: Option<u32>,
    pub enabled: Option<bool>,
}

impl Subscription {
    /// The subscription with `patch` applied at `at`; whether anything changed. Enabling a
    /// disabled subscription forgets its failures, its last error and its backoff.
    pub fn patched(&self, patch: &SubscriptionPatch, at: DateTime<Utc>) -> (Self, bool) {
        let mut next = self.clone();
        if let Some(url) = &patch.url {
            next.url = url.clone();
        }
        if let Some(filter) = &patch.filter {
            next.filter = filter.clone();
        }
        if let Some(size) = patch.batch_size {
            next.batch_size = size;
        }
        if let Some(enabled) = patch.enabled {
            if enabled && !self.enabled {
                next.failures = 0;
                next.last_error = None;
                next.last_error_at = None;
                next.next_attempt_at = None;
            }
            next.enabled = enabled;
        }
        let changed = next != *self;
        if changed {
            next.version += 1;
            next.updated_at = at;
        }
        (next, changed)
    }
}

/// The names of the filter's object kinds (empty: all).
pub fn filter_kind_names(filter: &EventFilter) -> Vec<&'static str> {
    filter.objects().iter().map(|k| k.as_str()).collect()
}

/// The names of the filter's changes (empty: all).
pub fn filter_change_names(filter: &EventFilter) -> Vec<&'static str> {
    filter.changes().iter().map(|c| c.as_str()).collect()
}

/// The object kinds a filter can name, by name.
pub fn event_kind_named(name: &str) -> Option<IdKind> {
    Some(match name {
        "place" => IdKind::Place,
        "box" => IdKind::Box,
        "item" => IdKind::Item,
        "order" => IdKind::Order,
        _ => return None,
    })
}

/// The filter as stored: `{"kinds":[...],"changes":[...]}`.
pub fn filter_to_text(filter: &EventFilter) -> String {
    serde_json::json!({
        "kinds": filter_kind_names(filter),
        "changes": filter_change_names(filter),
    })
    .to_string()
}

/// A filter read back from [`filter_to_text`].
pub fn filter_from_text(text: &str) -> Result<EventFilter, String> {
    #[derive(serde::Deserialize)]
    struct Stored {
        kinds: Vec<String>,
        changes: Vec<String>,
    }
    let stored: Stored = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let objects = stored
        .kinds
        .iter()
        .map(|n| event_kind_named(n).ok_or_else(|| format!("unknown object kind {n}")))
        .collect::<Result<Vec<_>, _>>()?;
    let changes = stored
        .changes
        .iter()
        .map(|n| ChangeKind::parse(n).ok_or_else(|| format!("unknown change {n}")))
        .collect::<Result<Vec<_>, _>>()?;
    EventFilter::new(objects, changes).map_err(|e| e.to_string())
}

// ------------------------------------------------------------------------------- signature

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The hex HMAC-SHA256 under `secret` of `"<t>.<body>"`.
pub fn signature(secret: &[u8], t: i64, body: &[u8]) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    hex_of(&hmac_sha256(secret, &message))
}

/// `t=<t>,v1=<signature>`, the value of [`SIGNATURE_HEADER`].
pub fn signature_header(secret: &[u8], t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", signature(secret, t, body))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// --------------------------------------------------------------------------------- backoff

/// How long to wait after the `failures`-th failure in a row: `base` doubled for each failure
/// after the first, at most `cap` ("the ceiling"), of which a random part is taken off: the
/// wait lies between half the ceiling and the ceiling, `jitter` (0 to 1) choosing where.
/// Pure: the randomness is an argument.
pub fn backoff(failures: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let doublings = failures.saturating_sub(1).min(31);
    let ceiling = base.checked_mul(1u32 << doublings).unwrap_or(cap).min(cap);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = ceiling / 2;
    half + (ceiling - half).mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        hex_of(bytes)
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than a block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        // The same as Python's
        // hmac.new(b"whsec_test", b'1700000000.{"events":[]}', hashlib.sha256).hexdigest().
        assert_eq!(
            signature_header(b"whsec_test", 1_700_000_000, br#"{"events":[]}"#),
            "t=1700000000,v1=4f6f9b7a41398ad124e52a1320534f978e522923f3f2b2724e31d7a9dbf78a7f"
        );
        assert_ne!(
            signature(b"whsec_test", 1_700_000_001, br#"{"events":[]}"#),
            signature(b"whsec_test", 1_700_000_000, br#"{"events":[]}"#)
        );
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_the_cap() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(300);
        for failures in 1..40 {
            let ceiling = (base * 2u32.saturating_pow(failures.min(31) - 1)).min(cap);
            for jitter in [0.0, 0.3, 0.999, 1.0, -1.0, 7.0, f64::NAN] {
                let wait = backoff(failures, base, cap, jitter);
                assert!(
                    wait >= ceiling / 2 && wait <= ceiling,
                    "{failures} {jitter}"
                );
                assert!(wait <= cap);
            }
        }
        assert_eq!(backoff(1, base, cap, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(3, base, cap, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(3, base, cap, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(50, base, cap, 1.0), cap);
    }

    #[test]
    fn urls_are_http_or_https_with_a_host() {
        let url = WebhookUrl::parse("https://Hooks.Example:8443/in?x=1").unwrap();
        assert_eq!(
            (url.host(), url.port(), url.is_https()),
            ("hooks.example", 8443, true)
        );
        assert_eq!(WebhookUrl::parse("http://h.example/").unwrap().port(), 80);
        let v6 = WebhookUrl::parse("http://[::1]:9/x").unwrap();
        assert_eq!(v6.literal_ip(), Some("::1".parse().unwrap()));
        assert_eq!(
            WebhookUrl::parse("http://localhost:1/")
                .unwrap()
                .literal_ip(),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        for bad in [
            "",
            "hooks.example",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
            "https://x/#f",
            "https://u:p@x/",
            "https://x:0/",
            "https://x:99999/",
            "https://[::1/",
            "https://x:/",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_secret_never_shows() {
        let secret = WebhookSecret::from_random([7; 32]);
        assert!(secret.expose().starts_with("whsec_0707"));
        assert_eq!(WebhookSecret::parse(secret.expose()), Ok(secret.clone()));
        assert!(!format!("{secret:?} {secret}").contains("0707"));
    }

    #[test]
    fn ids_are_wh_and_hex() {
        let id = WebhookId::from_random([0xab; 8]);
        assert_eq!(id.as_str(), "wh_abababababababab");
        assert_eq!(WebhookId::parse(id.as_str()), Ok(id));
        assert!(WebhookId::parse("wh_ABABABABABABABAB").is_err());
        assert!(WebhookId::parse("wh_1").is_err());
    }

    #[test]
    fn filters_are_stored_as_texts() {
        let filter =
            EventFilter::new(vec![IdKind::Item, IdKind::Box], vec![ChangeKind::Moved]).unwrap();
        assert_eq!(filter_from_text(&filter_to_text(&filter)), Ok(filter));
        assert_eq!(
            filter_to_text(&EventFilter::all()),
            r#"{"changes":[],"kinds":[]}"#
        );
        assert_eq!(
            filter_from_text(r#"{"kinds":[],"changes":[]}"#),
            Ok(EventFilter::all())
        );
        assert!(filter_from_text(r#"{"kinds":["user"],"changes":[]}"#).is_err());
    }
}
