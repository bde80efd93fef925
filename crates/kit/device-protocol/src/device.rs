//! The values of the protocol: a device's id, its public key, a signature, and the status a
//! server gives a registered device.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};

/// Longest device id, in bytes.
pub const MAX_DEVICE_ID: usize = 128;

/// A device id: 1 to 128 characters of `A-Z a-z 0-9 . _ : -`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = (1..=MAX_DEVICE_ID).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "must be 1 to {MAX_DEVICE_ID} characters of A-Z, a-z, 0-9, '.', '_', ':', '-'"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A device's Ed25519 public key, in canonical standard base64 (44 characters): exactly the
/// text the device signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevicePublicKey {
    text: String,
    key: VerifyingKey,
}

impl DevicePublicKey {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes: [u8; 32] = STANDARD
            .decode(text)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("must be a 32-byte Ed25519 public key in standard base64")?;
        if STANDARD.encode(bytes) != text {
            return Err("must be canonical standard base64".into());
        }
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| "is not an Ed25519 public key")?;
        Ok(Self {
            text: text.to_owned(),
            key,
        })
    }

    /// The key of a signing key a device holds (its text is the canonical base64).
    #[cfg(any(test, feature = "signing"))]
    pub(crate) fn of(key: VerifyingKey) -> Self {
        Self {
            text: STANDARD.encode(key.to_bytes()),
            key,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `signature` is this key's (strict Ed25519) signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &DeviceSignature) -> bool {
        self.key.verify_strict(message, &signature.0).is_ok()
    }
}

/// An Ed25519 signature in standard base64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSignature(Signature);

impl DeviceSignature {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes: [u8; 64] = STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("must be a 64-byte Ed25519 signature in standard base64")?;
        Ok(Self(Signature::from_bytes(&bytes)))
    }
}

/// What a server lets a registered device do: a new device is `pending` until an operator sets
/// it `active` (or `blocked`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Active,
    Blocked,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Blocked => "blocked",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "pending" => Ok(Self::Pending),
            "active" => Ok(Self::Active),
            "blocked" => Ok(Self::Blocked),
            _ => Err("must be pending, active or blocked".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{SigningKey, public_key};

    #[test]
    fn keys_must_be_canonical_base64() {
        let pk = public_key(&SigningKey::from_bytes(&[1; 32]));
        assert!(DevicePublicKey::parse(&format!("{} ", pk.as_str())).is_err());
        assert!(DevicePublicKey::parse("AAAA").is_err());
        assert!(DeviceSignature::parse("AAAA").is_err());
        assert!(DeviceId::parse("").is_err());
        assert!(DeviceId::parse("a b").is_err());
        assert!(DeviceId::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn a_signing_keys_public_key_parses_back() {
        let pk = public_key(&SigningKey::from_bytes(&[9; 32]));
        assert_eq!(DevicePublicKey::parse(pk.as_str()), Ok(pk));
    }

    #[test]
    fn statuses_read_back() {
        for status in [
            DeviceStatus::Pending,
            DeviceStatus::Active,
            DeviceStatus::Blocked,
        ] {
            assert_eq!(DeviceStatus::parse(status.as_str()), Ok(status));
        }
        assert!(DeviceStatus::parse("Active").is_err());
    }
}
