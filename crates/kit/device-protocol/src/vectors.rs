//! The shared test vectors (feature `testing`): fixed cases of the protocol, one file
//! (`tests/vectors.json`) that this crate's tests check in full and that other crates' tests
//! (and other implementations of the protocol) take cases from. Signatures are Ed25519's,
//! deterministic, so every value is exact.
//!
//! ```
//! let vectors = eckwms_device_protocol::vectors::Vectors::load().unwrap();
//! let case = &vectors.registrations[0];
//! let key = eckwms_device_protocol::vectors::signing_key(&case.seed).unwrap();
//! assert_eq!(eckwms_device_protocol::signing::public_key(&key).as_str(), case.public_key);
//! ```
//!
//! Refusals are named by the problem code a server answers (`invalid_signature`,
//! `device_key_change_unproven`, `invalid_device_signature`, `stale_device_signature`); a
//! public key that does not parse by the field message of its 422.

use serde::Deserialize;

use crate::signing::SigningKey;

/// The vectors, as stored.
pub const VECTORS_JSON: &str = include_str!("../tests/vectors.json");

/// The signing key of a 32-byte seed written as 64 hex digits.
pub fn signing_key(seed: &str) -> Result<SigningKey, String> {
    let bytes: [u8; 32] = hex::decode(seed)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{seed:?} is not 32 bytes in hex"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vectors {
    /// What the file is, for a reader of the JSON.
    pub about: Vec<String>,
    pub keys: Vec<KeyVector>,
    pub nonces: Vec<NonceVector>,
    pub registrations: Vec<RegistrationVector>,
    pub key_changes: Vec<KeyChangeVector>,
    pub requests: Vec<RequestVector>,
    pub refused: Refused,
}

impl Vectors {
    pub fn load() -> Result<Self, serde_json::Error> {
        serde_json::from_str(VECTORS_JSON)
    }
}

/// A seed (64 hex digits) and its public key as a device sends it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyVector {
    pub seed: String,
    pub public_key: String,
}

/// The 32 random bytes of a challenge (64 hex digits) and the nonce a server makes of them.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NonceVector {
    pub random: String,
    pub nonce: String,
}

/// A registration: the message the key of `seed` signs, and its signature.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistrationVector {
    pub name: String,
    pub seed: String,
    pub device_id: String,
    pub public_key: String,
    pub nonce: String,
    pub message: String,
    pub signature: String,
}

/// A known device changes its key: the new key signs the message naming it (`signature`), and
/// so does the old one (`oldKeySignature`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyChangeVector {
    pub name: String,
    pub old_seed: String,
    pub new_seed: String,
    pub device_id: String,
    pub old_public_key: String,
    pub new_public_key: String,
    pub nonce: String,
    pub message: String,
    pub signature: String,
    pub old_key_signature: String,
}

/// A signed request, accepted by a server whose clock says `now` (Unix seconds).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestVector {
    pub name: String,
    pub seed: String,
    pub device_id: String,
    pub public_key: String,
    pub method: String,
    pub path_and_query: String,
    pub timestamp: i64,
    /// The body's bytes, as UTF-8 text.
    pub body: String,
    pub body_sha256: String,
    pub message: String,
    pub signature: String,
    pub now: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refused {
    pub registrations: Vec<RefusedRegistration>,
    pub requests: Vec<RefusedRequest>,
    pub public_keys: Vec<RefusedPublicKey>,
}

/// A registration a server refuses with `code`. `existingKey`: the key the device is
/// registered with already, if any.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefusedRegistration {
    pub name: String,
    pub device_id: String,
    pub public_key: String,
    pub nonce: String,
    pub signature: String,
    pub existing_key: Option<String>,
    pub old_key_signature: Option<String>,
    pub code: String,
}

/// A request the device of `publicKey` would send, refused with `code` by a server whose clock
/// says `now`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefusedRequest {
    pub name: String,
    pub device_id: String,
    pub public_key: String,
    pub method: String,
    pub path_and_query: String,
    pub timestamp: i64,
    pub body: String,
    pub signature: String,
    pub now: i64,
    pub code: String,
}

/// A `devicePublicKey` that does not parse, and the message of its 422.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefusedPublicKey {
    pub name: String,
    pub text: String,
    pub error: String,
}
