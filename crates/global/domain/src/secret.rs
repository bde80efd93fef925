//! Secrets the service hands out (enrollment tokens, instance keys, pairing tokens): their
//! printed forms and the hash under which they are stored. A secret is shown once, when it
//! is made; the database keeps only its SHA-256, which is safe because every secret carries
//! 256 bits of randomness (no dictionary to try).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::instance::InstanceId;

/// Random bytes in every secret.
pub const SECRET_BYTES: usize = 32;

/// The SHA-256 of a secret, as 64 lowercase hex digits: what the database stores.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretHash(String);

impl SecretHash {
    pub fn of(secret: &str) -> Self {
        Self(hex::encode(Sha256::digest(secret.as_bytes())))
    }

    /// A stored hash read back; `None` when it is not 64 lowercase hex digits.
    pub fn from_stored(hex_digits: &str) -> Option<Self> {
        (hex_digits.len() == 64
            && hex_digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(hex_digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The kinds of secret, each with its own prefix so that one is never taken for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// `ecke_<43 base64url>`: one-time enrollment of a new instance.
    Enrollment,
    /// `eckp_<43 base64url>`: a pairing token an instance made for its scanners.
    Pairing,
    /// `ecki_<32 hex instance id>_<43 base64url>`: an instance's API key.
    InstanceKey,
}

impl SecretKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Enrollment => "ecke_",
            Self::Pairing => "eckp_",
            Self::InstanceKey => "ecki_",
        }
    }
}

fn random_part(random: &[u8; SECRET_BYTES]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

fn is_random_part(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new enrollment or pairing token from 32 random bytes.
pub fn new_token(kind: SecretKind, random: &[u8; SECRET_BYTES]) -> String {
    format!("{}{}", kind.prefix(), random_part(random))
}

/// Whether `text` has the form of a token of `kind` (enrollment or pairing).
pub fn is_token(kind: SecretKind, text: &str) -> bool {
    text.strip_prefix(kind.prefix()).is_some_and(is_random_part)
}

/// A new API key of an instance: it names the instance, so that a key is checked against one
/// stored hash (found by primary key) instead of searched for.
pub fn new_instance_key(instance: &InstanceId, random: &[u8; SECRET_BYTES]) -> String {
    format!(
        "{}{}_{}",
        SecretKind::InstanceKey.prefix(),
        instance.simple(),
        random_part(random)
    )
}

/// The instance an API key names, if `text` has the form of an instance key.
pub fn instance_of_key(text: &str) -> Option<InstanceId> {
    let rest = text.strip_prefix(SecretKind::InstanceKey.prefix())?;
    let (id, random) = rest.split_once('_')?;
    if id.len() != 32 || !is_random_part(random) {
        return None;
    }
    InstanceId::parse(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_kinds_do_not_mix() {
        let token = new_token(SecretKind::Enrollment, &[7; 32]);
        assert!(token.starts_with("ecke_"));
        assert!(is_token(SecretKind::Enrollment, &token));
        assert!(!is_token(SecretKind::Pairing, &token));
        assert!(!is_token(SecretKind::Enrollment, "ecke_short"));
        assert!(!is_token(SecretKind::Enrollment, &format!("{token}x")));
    }

    #[test]
    fn instance_keys_name_their_instance() {
        let id = InstanceId::parse("0B0E6F3A-1234-4ABC-8DEF-0123456789AB").unwrap();
        let key = new_instance_key(&id, &[1; 32]);
        assert_eq!(instance_of_key(&key), Some(id));
        assert_eq!(instance_of_key("ecki_zz_abc"), None);
        assert_eq!(instance_of_key(&key.replace("ecki_", "ecke_")), None);
        assert_eq!(instance_of_key(&key[..key.len() - 1]), None);
    }

    #[test]
    fn hashes_are_sha256_hex() {
        let h = SecretHash::of("abc");
        assert_eq!(
            h.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(SecretHash::from_stored(h.as_str()), Some(h));
        assert_eq!(SecretHash::from_stored("ABC"), None);
    }
}
