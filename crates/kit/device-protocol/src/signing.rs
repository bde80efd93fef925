//! What a client needs to speak the protocol (feature `signing`): its public key as it sends
//! it, the signatures of a registration, and the headers of a signed request. Used by tests,
//! the bench and the services' own checks instead of each writing its signing code.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer;
pub use ed25519_dalek::SigningKey;

use crate::device::{DeviceId, DevicePublicKey};
use crate::registration::registration_message;
use crate::request::{
    DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIMESTAMP_HEADER, request_message,
};

/// The public key of `key`, as the device sends it (`devicePublicKey`: canonical standard
/// base64, [`DevicePublicKey::as_str`]).
pub fn public_key(key: &SigningKey) -> DevicePublicKey {
    DevicePublicKey::of(key.verifying_key())
}

/// `key`'s Ed25519 signature of the UTF-8 bytes of `message`, in standard base64.
pub fn sign(key: &SigningKey, message: &str) -> String {
    STANDARD.encode(key.sign(message.as_bytes()).to_bytes())
}

/// The `signature` of a registration of `device` with `key` and the server's `nonce`.
pub fn sign_registration(key: &SigningKey, device: &DeviceId, nonce: &str) -> String {
    sign(key, &registration_message(device, &public_key(key), nonce))
}

/// The `oldKeySignature` of a key change: the old key's signature of the registration message
/// that names the new key.
pub fn sign_key_change(
    old_key: &SigningKey,
    device: &DeviceId,
    new_key: &DevicePublicKey,
    nonce: &str,
) -> String {
    sign(old_key, &registration_message(device, new_key, nonce))
}

/// The three headers (name, value) of a request `device` signs with `key` at `timestamp`
/// (Unix seconds): `X-Device-Id`, `X-Device-Timestamp`, `X-Device-Signature`.
pub fn request_headers(
    key: &SigningKey,
    device: &DeviceId,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let message = request_message(method, path_and_query, timestamp, body);
    [
        (DEVICE_ID_HEADER, device.as_str().to_owned()),
        (DEVICE_TIMESTAMP_HEADER, timestamp.to_string()),
        (DEVICE_SIGNATURE_HEADER, sign(key, &message)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032, section 7.1, TEST 1: the signing primitive is plain Ed25519.
    #[test]
    fn the_primitive_is_rfc_8032_ed25519() {
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey::from_bytes(&seed);
        assert_eq!(
            hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                .unwrap(),
            STANDARD.decode(public_key(&key).as_str()).unwrap()
        );
        assert_eq!(
            hex::encode(STANDARD.decode(sign(&key, "")).unwrap()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }
}
