//! Instances: their identity, what they report when they register or beat, and whether they
//! are online.

use std::fmt;
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use eckwms_domain::Text;
use ed25519_dalek::VerifyingKey;

use crate::error::{FieldError, Validation};

/// Local addresses an instance may report.
pub const MAX_LOCAL_IPS: usize = 16;
/// Longest instance name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// An instance's UUID (the one in its pairing QR). Accepted with or without dashes, in any
/// case; printed lowercase with dashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(uuid::Uuid);

impl InstanceId {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let ok_len = t.len() == 32 || t.len() == 36;
        match uuid::Uuid::try_parse(t) {
            Ok(id) if ok_len && !id.is_nil() => Ok(Self(id)),
            _ => Err("must be a UUID (32 hex digits, dashes optional)".into()),
        }
    }

    /// 32 lowercase hex digits, no dashes.
    pub fn simple(&self) -> String {
        self.0.simple().to_string()
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A human name: trimmed, then 1 to 200 characters under the rules of every name people read
/// (`eckwms_domain::Text`: a visible character, nothing invisible or direction-changing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceName(String);

impl InstanceName {
    pub fn parse(text: &str) -> Result<Self, String> {
        Text::<MAX_NAME_CHARS>::new("name", text.trim())
            .map(|name| Self(name.into_string()))
            .map_err(|e| e.message)
    }

    /// A name read back from storage, under the rules it was written with (1 to 200
    /// characters, no control characters), so that names stored before [`InstanceName::parse`]
    /// became stricter still read.
    pub fn from_stored(text: &str) -> Result<Self, String> {
        Text::<MAX_NAME_CHARS>::from_stored("name", text)
            .map(|name| Self(name.into_string()))
            .map_err(|e| e.message)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Ed25519 public key, given as 64 hex digits or as standard base64; kept as uppercase hex
/// (the form of the pairing QR).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerPublicKey(String);

impl ServerPublicKey {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bytes = if t.len() == 64 {
            hex::decode(t).ok()
        } else {
            STANDARD.decode(t).ok()
        };
        let key: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .ok_or("must be an Ed25519 public key: 64 hex digits or 44 base64 characters")?;
        VerifyingKey::from_bytes(&key).map_err(|_| "is not a valid Ed25519 public key")?;
        Ok(Self(hex::encode_upper(key)))
    }

    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

/// A LAN address an instance reports: any unicast address (not unspecified, multicast or the
/// IPv4 broadcast address).
pub fn parse_local_ip(text: &str) -> Result<IpAddr, String> {
    let ip: IpAddr = text
        .trim()
        .parse()
        .map_err(|_| "must be an IPv4 or IPv6 address")?;
    let broadcast = matches!(ip, IpAddr::V4(v4) if v4.is_broadcast());
    if ip.is_unspecified() || ip.is_multicast() || broadcast {
        return Err("must be a unicast address".into());
    }
    Ok(ip)
}

/// A TCP port, 1 to 65535.
pub fn parse_port(port: i64) -> Result<u16, String> {
    u16::try_from(port)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| "must be a port number from 1 to 65535".into())
}

/// What an instance pays for: the free tier's relayed scans are deleted by retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Free,
    Paid,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Paid => "paid",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "free" => Ok(Self::Free),
            "paid" => Ok(Self::Paid),
            _ => Err("must be free or paid".into()),
        }
    }
}

/// A disabled instance cannot authenticate, is not discovered and is not proxied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceStatus {
    Active,
    Disabled,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            _ => Err("must be active or disabled".into()),
        }
    }
}

/// What an instance reports about itself, when it registers and at every heartbeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    id: InstanceId,
    server_public_key: ServerPublicKey,
    local_ips: Vec<IpAddr>,
    port: u16,
}

impl Report {
    /// Validates every field at once; duplicate addresses are kept once, in their first place.
    pub fn new(
        instance_id: &str,
        server_public_key: &str,
        local_ips: &[String],
        port: i64,
    ) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let id = v.check("instanceId", InstanceId::parse(instance_id));
        let key = v.check("serverPublicKey", ServerPublicKey::parse(server_public_key));
        let port = v.check("port", parse_port(port));
        let mut ips: Vec<IpAddr> = Vec::new();
        if local_ips.len() > MAX_LOCAL_IPS {
            v.push("localIps", format!("at most {MAX_LOCAL_IPS} addresses"));
        } else {
            for (i, text) in local_ips.iter().enumerate() {
                if let Some(ip) = v.check(&format!("localIps[{i}]"), parse_local_ip(text))
                    && !ips.contains(&ip)
                {
                    ips.push(ip);
                }
            }
        }
        v.finish()?;
        match (id, key, port) {
            (Some(id), Some(server_public_key), Some(port)) => Ok(Self {
                id,
                server_public_key,
                local_ips: ips,
                port,
            }),
            _ => Err(vec![FieldError::new("body", "invalid")]),
        }
    }

    pub fn id(&self) -> InstanceId {
        self.id
    }

    pub fn server_public_key(&self) -> &ServerPublicKey {
        &self.server_public_key
    }

    pub fn local_ips(&self) -> &[IpAddr] {
        &self.local_ips
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

/// A registered instance, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub id: InstanceId,
    pub name: InstanceName,
    pub tier: Tier,
    pub status: InstanceStatus,
    pub server_public_key: ServerPublicKey,
    pub local_ips: Vec<IpAddr>,
    pub port: u16,
    /// The address the last registration or heartbeat came from (the peer, or the client a
    /// trusted proxy named).
    pub public_addr: Option<IpAddr>,
    pub registered_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

impl Instance {
    /// Online when seen within `offline_after` of `now`.
    pub fn is_online(&self, now: DateTime<Utc>, offline_after: Duration) -> bool {
        now - self.last_seen <= offline_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

    #[test]
    fn instance_ids_accept_both_forms() {
        let a = InstanceId::parse("0b0e6f3a-1234-4abc-8def-0123456789ab").unwrap();
        let b = InstanceId::parse("0B0E6F3A12344ABC8DEF0123456789AB").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "0b0e6f3a-1234-4abc-8def-0123456789ab");
        assert_eq!(a.simple(), "0b0e6f3a12344abc8def0123456789ab");
        assert!(InstanceId::parse("00000000-0000-0000-0000-000000000000").is_err());
        assert!(InstanceId::parse("{0b0e6f3a-1234-4abc-8def-0123456789ab}").is_err());
        assert!(InstanceId::parse("nope").is_err());
    }

    #[test]
    fn public_keys_in_hex_or_base64_become_uppercase_hex() {
        let from_hex = ServerPublicKey::parse(&KEY_HEX.to_lowercase()).unwrap();
        assert_eq!(from_hex.as_hex(), KEY_HEX);
        let b64 = STANDARD.encode(hex::decode(KEY_HEX).unwrap());
        assert_eq!(ServerPublicKey::parse(&b64).unwrap(), from_hex);
        assert!(ServerPublicKey::parse("abcd").is_err());
        assert!(ServerPublicKey::parse(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn a_report_names_every_bad_field_at_once() {
        let errors = Report::new(
            "x",
            "y",
            &[
                "10.0.0.5".into(),
                "0.0.0.0".into(),
                "224.0.0.1".into(),
                "z".into(),
            ],
            0,
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "instanceId",
                "serverPublicKey",
                "port",
                "localIps[1]",
                "localIps[2]",
                "localIps[3]"
            ]
        );
        let too_many: Vec<String> = (0..17).map(|i| format!("10.0.0.{i}")).collect();
        let errors =
            Report::new("0b0e6f3a12344abc8def0123456789ab", KEY_HEX, &too_many, 1).unwrap_err();
        assert_eq!(errors[0].field, "localIps");
    }

    #[test]
    fn a_valid_report_keeps_addresses_once_in_order() {
        let r = Report::new(
            "0b0e6f3a12344abc8def0123456789ab",
            KEY_HEX,
            &["192.168.1.5".into(), "fd00::5".into(), "192.168.1.5".into()],
            3100,
        )
        .unwrap();
        assert_eq!(r.local_ips().len(), 2);
        assert_eq!(r.local_ips()[1].to_string(), "fd00::5");
        assert_eq!(r.port(), 3100);
        assert!(parse_port(65_536).is_err());
        assert!(parse_port(-1).is_err());
    }

    #[test]
    fn names_are_bounded_and_printable() {
        assert_eq!(InstanceName::parse("  Site A ").unwrap().as_str(), "Site A");
        assert!(InstanceName::parse(" ").is_err());
        assert!(InstanceName::parse("a\nb").is_err());
        assert!(InstanceName::parse(&"x".repeat(201)).is_err());
        for hostile in [
            "\u{A0}",
            "\u{3164}",
            "Site\u{202E}A",
            "\u{FEFF}Site",
            "Site\u{200B}",
            "A\u{FFFF}",
        ] {
            assert!(InstanceName::parse(hostile).is_err(), "{hostile:?}");
            assert!(InstanceName::from_stored(hostile).is_ok(), "{hostile:?}");
        }
    }
}
