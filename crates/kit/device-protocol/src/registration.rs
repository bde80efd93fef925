//! Registration (reference section 4, with a server challenge): the device asks for a nonce,
//! then signs the UTF-8 bytes of `{"deviceId":"…","devicePublicKey":"…","nonce":"…"}` (this key
//! order, JSON string escaping, no spaces): the reference's message with the server's nonce
//! appended, so that a captured registration cannot be replayed. A device already known
//! changes its key only with a second signature of the same message by its old key (or after
//! an operator removed it).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use eckwms_problems::{AppError, ProblemCode};

use crate::device::{DeviceId, DevicePublicKey, DeviceSignature};

/// A server challenge made of 32 random bytes (from the server's source of randomness): 43
/// base64url characters without padding.
pub fn new_nonce(random: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(random)
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

/// Why a registration is refused, before anything is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationRefusal {
    /// The new key's signature does not verify.
    BadSignature,
    /// The device exists with another key and no valid signature by that key came along.
    KeyChangeUnproven,
}

impl RegistrationRefusal {
    /// The problem code a server answers: 401 `invalid_signature` or 409
    /// `device_key_change_unproven`.
    pub fn code(self) -> ProblemCode {
        match self {
            Self::BadSignature => ProblemCode::InvalidSignature,
            Self::KeyChangeUnproven => ProblemCode::DeviceKeyChangeUnproven,
        }
    }

    /// The problem's `detail`.
    pub fn message(self) -> &'static str {
        match self {
            Self::BadSignature => "the signature does not verify with devicePublicKey",
            Self::KeyChangeUnproven => {
                "this device is registered with another key: sign with the old key \
                 (oldKeySignature) or ask an operator to remove the device"
            }
        }
    }
}

impl fmt::Display for RegistrationRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for RegistrationRefusal {}

impl From<RegistrationRefusal> for AppError {
    fn from(refusal: RegistrationRefusal) -> Self {
        AppError::refused(refusal.code(), refusal.message())
    }
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
    use super::*;
    use crate::signing::{SigningKey, public_key, sign};

    fn key(seed: u8) -> (SigningKey, DevicePublicKey) {
        let sk = SigningKey::from_bytes(&[seed; 32]);
        let pk = public_key(&sk);
        (sk, pk)
    }

    fn signed(sk: &SigningKey, msg: &str) -> DeviceSignature {
        DeviceSignature::parse(&sign(sk, msg)).unwrap()
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
        // Each value is a JSON string literal: a quote in it is escaped.
        assert!(registration_message(&id, &pk, "a\"b").ends_with(r#""nonce":"a\"b"}"#));
    }

    #[test]
    fn a_new_device_needs_its_own_signature() {
        let (sk, pk) = key(1);
        let (other, _) = key(2);
        let msg = "m";
        assert_eq!(
            check_registration(msg, &pk, &signed(&sk, msg), None, None),
            Ok(())
        );
        assert_eq!(
            check_registration(msg, &pk, &signed(&other, msg), None, None),
            Err(RegistrationRefusal::BadSignature)
        );
        assert_eq!(
            check_registration("m2", &pk, &signed(&sk, msg), None, None),
            Err(RegistrationRefusal::BadSignature)
        );
    }

    #[test]
    fn a_key_change_needs_the_old_key() {
        let (old_sk, old_pk) = key(1);
        let (new_sk, new_pk) = key(2);
        let (stranger, _) = key(3);
        let msg = "m";
        let own = signed(&new_sk, msg);
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
                Some(&signed(&stranger, msg))
            ),
            Err(RegistrationRefusal::KeyChangeUnproven)
        );
        assert_eq!(
            check_registration(
                msg,
                &new_pk,
                &own,
                Some(&old_pk),
                Some(&signed(&old_sk, msg))
            ),
            Ok(())
        );
        // The same key again needs no second signature.
        assert_eq!(
            check_registration(msg, &old_pk, &signed(&old_sk, msg), Some(&old_pk), None),
            Ok(())
        );
    }

    #[test]
    fn nonces_have_the_issued_form() {
        assert!(is_nonce(&"a".repeat(43)));
        assert!(!is_nonce(&"a".repeat(42)));
        assert!(!is_nonce(&format!("{}=", "a".repeat(42))));
        for random in [[0; 32], [0xff; 32], [3; 32]] {
            assert!(is_nonce(&new_nonce(&random)));
        }
    }

    #[test]
    fn refusals_answer_their_codes() {
        let e = AppError::from(RegistrationRefusal::BadSignature);
        assert!(matches!(
            e,
            AppError::Refused {
                code: ProblemCode::InvalidSignature,
                ..
            }
        ));
        let e = AppError::from(RegistrationRefusal::KeyChangeUnproven);
        assert!(
            matches!(e, AppError::Refused { code: ProblemCode::DeviceKeyChangeUnproven, ref message } if message.contains("oldKeySignature"))
        );
    }
}
