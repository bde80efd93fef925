//! Scanners (devices): their registration (reference section 4, with a server challenge) and
//! the signature that authenticates their later requests.
//!
//! Registration: the device asks for a nonce, then signs the UTF-8 bytes of
//! `{"deviceId":"…","devicePublicKey":"…","nonce":"…"}` (this key order, JSON string escaping,
//! no spaces): the reference's message with the server's nonce appended, so that a captured
//! registration cannot be replayed. A device already known changes its key only with a second
//! signature of the same message by its old key (or after an operator removed it).
//!
//! Later requests carry `X-Device-Id`, `X-Device-Timestamp` (Unix seconds) and
//! `X-Device-Signature`: the base64 Ed25519 signature of [`request_message`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::instance::InstanceId;

/// Longest device id, in bytes.
pub const MAX_DEVICE_ID: usize = 128;
/// How far a request's timestamp may be from the server's clock, in seconds.
pub const REQUEST_WINDOW_SECS: i64 = 300;

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

/// A server challenge: 43 base64url characters (32 random bytes).
pub fn is_nonce(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a registering device signs.
pub fn registration_message(device: &DeviceId, key: &DevicePublicKey, nonce: &str) -> String {
    // Strings made by serde_json are always valid JSON string literals.
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "{{\"deviceId\":{},\"devicePublicKey\":{},\"nonce\":{}}}",
        quote(device.as_str()),
        quote(key.as_str()),
        quote(nonce)
    )
}

/// What a registered device signs for a request: a fixed tag, the method, the path with its
/// query, the timestamp and the SHA-256 of the body, one per line.
pub fn request_message(method: &str, path_and_query: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "ECKWMS-DEVICE-V1\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        hex::encode(Sha256::digest(body))
    )
}

/// Whether a request's timestamp is close enough to `now`.
pub fn within_window(timestamp: i64, now: DateTime<Utc>) -> bool {
    (now.timestamp() - timestamp).abs() <= REQUEST_WINDOW_SECS
}

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

/// A registered device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    pub instance_id: InstanceId,
    pub name: String,
    pub public_key: DevicePublicKey,
    pub status: DeviceStatus,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why a registration is refused, before anything is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationRefusal {
    /// The new key's signature does not verify.
    BadSignature,
    /// The device exists with another key and no valid signature by that key came along.
    KeyChangeUnproven,
}

/// The rule of a (re-)registration: the message must be signed by the new key, and when the
/// device already exists with another key, also by that old key.
pub fn check_registration(
    message: &str,
    new_key: &DevicePublicKey,
    signature: &DeviceSignature,
    existing_key: Option<&DevicePublicKey>,
    old_key_signature: Option<&DeviceSignature>,
) -> Result<(), RegistrationRefusal> {
    if !new_key.verifies(message.as_bytes(), signature) {
        return Err(RegistrationRefusal::BadSignature);
    }
    match existing_key {
        Some(old) if old != new_key => match old_key_signature {
            Some(sig) if old.verifies(message.as_bytes(), sig) => Ok(()),
            _ => Err(RegistrationRefusal::KeyChangeUnproven),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn key(seed: u8) -> (SigningKey, DevicePublicKey) {
        let sk = SigningKey::from_bytes(&[seed; 32]);
        let pk = DevicePublicKey::parse(&STANDARD.encode(sk.verifying_key().to_bytes())).unwrap();
        (sk, pk)
    }

    fn sign(sk: &SigningKey, msg: &str) -> DeviceSignature {
        DeviceSignature::parse(&STANDARD.encode(sk.sign(msg.as_bytes()).to_bytes())).unwrap()
    }

    #[test]
    fn the_message_keeps_the_reference_key_order_and_escapes() {
        let (_, pk) = key(1);
        let id = DeviceId::parse("pda-7").unwrap();
        let msg = registration_message(&id, &pk, "n");
        assert_eq!(
            msg,
            format!(
                "{{\"deviceId\":\"pda-7\",\"devicePublicKey\":\"{}\",\"nonce\":\"n\"}}",
                pk.as_str()
            )
        );
    }

    #[test]
    fn a_new_device_needs_its_own_signature() {
        let (sk, pk) = key(1);
        let (other, _) = key(2);
        let msg = "m";
        assert_eq!(
            check_registration(msg, &pk, &sign(&sk, msg), None, None),
            Ok(())
        );
        assert_eq!(
            check_registration(msg, &pk, &sign(&other, msg), None, None),
            Err(RegistrationRefusal::BadSignature)
        );
        assert_eq!(
            check_registration("m2", &pk, &sign(&sk, msg), None, None),
            Err(RegistrationRefusal::BadSignature)
        );
    }

    #[test]
    fn a_key_change_needs_the_old_key() {
        let (old_sk, old_pk) = key(1);
        let (new_sk, new_pk) = key(2);
        let (stranger, _) = key(3);
        let msg = "m";
        let own = sign(&new_sk, msg);
        assert_eq!(
            check_registration(msg, &new_pk, &own, Some(&old_pk), None),
            Err(RegistrationRefusal::KeyChangeUnproven)
        );
        assert_eq!(
            check_registration(
                msg,
                &new_pk,
                &own,
                Some(&old_pk),
                Some(&sign(&stranger, msg))
            ),
            Err(RegistrationRefusal::KeyChangeUnproven)
        );
        assert_eq!(
            check_registration(msg, &new_pk, &own, Some(&old_pk), Some(&sign(&old_sk, msg))),
            Ok(())
        );
        // The same key again needs no second signature.
        assert_eq!(
            check_registration(msg, &old_pk, &sign(&old_sk, msg), Some(&old_pk), None),
            Ok(())
        );
    }

    #[test]
    fn keys_must_be_canonical_base64() {
        let (_, pk) = key(1);
        assert!(DevicePublicKey::parse(&format!("{} ", pk.as_str())).is_err());
        assert!(DevicePublicKey::parse("AAAA").is_err());
        assert!(DeviceSignature::parse("AAAA").is_err());
        assert!(DeviceId::parse("").is_err());
        assert!(DeviceId::parse("a b").is_err());
        assert!(DeviceId::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn request_messages_bind_method_path_time_and_body() {
        let a = request_message("post", "/x?y=1", 10, b"{}");
        assert!(a.starts_with("ECKWMS-DEVICE-V1\nPOST\n/x?y=1\n10\n"));
        assert_ne!(a, request_message("POST", "/x?y=1", 10, b"{ }"));
        let now = DateTime::from_timestamp(1_000, 0).unwrap();
        assert!(within_window(1_300, now));
        assert!(!within_window(1_301, now));
        assert!(!within_window(699, now));
    }

    #[test]
    fn nonces_have_the_issued_form() {
        assert!(is_nonce(&"a".repeat(43)));
        assert!(!is_nonce(&"a".repeat(42)));
        assert!(!is_nonce(&format!("{}=", "a".repeat(42))));
    }
}
