//! ECK label code version 1 (reference section 3), kept byte for byte because labels carrying it
//! are already printed. New labels use [`crate::v2`].
//!
//! `ECK1.COM/` + 56 Base32 symbols (AES-192-GCM ciphertext of the 19-character id, then the
//! 16-byte tag) + 9 IV symbols + the 2-character suffix = 76 characters. The GCM nonce is the 9
//! IV characters (ASCII) twice, cut to 16 bytes; there is no associated data, so neither host
//! nor suffix is authenticated. docs/CODES.md has the details and the flaws v2 fixes.

use aes::Aes192;
use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{AesGcm, Nonce, Tag};
use eckwms_domain::ObjectId;
use eckwms_domain::id::ID_LEN;

use crate::base32;
use crate::label::{self, ConfigError, Host, LabelError, Suffix};

/// Length of a v1 label text.
pub const V1_LEN: usize = Host::LEN + BODY_LEN;

const SEALED_LEN: usize = ID_LEN + 16;
const SEALED_SYMBOLS: usize = base32::encoded_len(SEALED_LEN);
const IV_LEN: usize = 9;
const RANDOM_IV_LEN: usize = 6;
const BODY_LEN: usize = SEALED_SYMBOLS + IV_LEN + 2;

/// The original divided the time in milliseconds by this before taking IV symbols from it.
pub const IV_TIME_DIVISOR: u64 = 7_777_777;

type Cipher = AesGcm<Aes192, U16>;

/// The v1 key (the original's 48-hex-digit `ENC_KEY`), with its AES key schedule and GHASH key
/// computed once so that decoding a scan does not redo them. `Debug` does not show the key.
#[derive(Clone)]
pub struct V1Key(Cipher);

impl V1Key {
    pub fn new(key: &[u8; 24]) -> V1Key {
        V1Key(Cipher::new(key.into()))
    }

    /// 48 hexadecimal characters, either case.
    pub fn from_hex(hex: &str) -> Result<V1Key, ConfigError> {
        parse_key(hex, "ECK v1 key")
    }
}

pub(crate) fn parse_key(hex: &str, setting: &'static str) -> Result<V1Key, ConfigError> {
    label::parse_hex_key::<24>(hex, setting).map(|key| V1Key::new(&key))
}

impl std::fmt::Debug for V1Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("V1Key(..)")
    }
}

/// The 9 IV symbols as the original made them: 6 from random bytes (each byte's low 5 bits), then
/// bits 5-9, 10-14 and 15-19 of `unix_ms / 7777777`. Bits 0-4 are skipped (the original shifted
/// before it took the first symbol), so the tail changes every 32 x 7777777 ms, about 2.9 days.
pub fn iv_symbols(random: [u8; RANDOM_IV_LEN], unix_ms: u64) -> [u8; IV_LEN] {
    let time = unix_ms / IV_TIME_DIVISOR;
    let mut iv = [0u8; IV_LEN];
    for (slot, byte) in iv.iter_mut().zip(random) {
        *slot = base32::symbol(u32::from(byte));
    }
    for (index, shift) in [5u32, 10, 15].into_iter().enumerate() {
        iv[RANDOM_IV_LEN + index] = base32::symbol(((time >> shift) & 31) as u32);
    }
    iv
}

/// Encodes an id as a v1 label text. Only for tests and tools: new labels are v2.
pub fn encode(
    key: &V1Key,
    id: ObjectId,
    host: Host,
    suffix: Suffix,
    random: [u8; RANDOM_IV_LEN],
    unix_ms: u64,
) -> String {
    encode_with_iv(key, id, host, suffix, iv_symbols(random, unix_ms))
}

fn nonce(iv: &[u8; IV_LEN]) -> Nonce<U16> {
    let mut nonce = Nonce::<U16>::default();
    nonce[..IV_LEN].copy_from_slice(iv);
    nonce[IV_LEN..].copy_from_slice(&iv[..16 - IV_LEN]);
    nonce
}

fn encode_with_iv(
    key: &V1Key,
    id: ObjectId,
    host: Host,
    suffix: Suffix,
    iv: [u8; IV_LEN],
) -> String {
    let mut sealed = [0u8; SEALED_LEN];
    let id_text = id.to_string();
    sealed[..ID_LEN].copy_from_slice(id_text.as_bytes());
    let (plain, tag_slot) = sealed.split_at_mut(ID_LEN);
    // Encryption only fails for inputs of gigabytes; 19 bytes cannot.
    if let Ok(tag) = key.0.encrypt_in_place_detached(&nonce(&iv), b"", plain) {
        tag_slot.copy_from_slice(&tag);
    }
    let mut text = [0u8; V1_LEN];
    text[..Host::LEN].copy_from_slice(host.prefix().as_bytes());
    let body = &mut text[Host::LEN..];
    base32::encode_into(&sealed, &mut body[..SEALED_SYMBOLS]);
    body[SEALED_SYMBOLS..SEALED_SYMBOLS + IV_LEN].copy_from_slice(&iv);
    body[SEALED_SYMBOLS + IV_LEN..].copy_from_slice(&suffix.bytes());
    String::from_utf8_lossy(&text).into_owned()
}

/// Decodes a scanned v1 label text: surrounding whitespace and a leading `http(s)://` are
/// ignored, the host is matched case-insensitively, everything else must be exact.
pub fn decode(key: &V1Key, suffix: Suffix, raw: &str) -> Result<ObjectId, LabelError> {
    let framed = label::frame(raw).ok_or(LabelError::NotALabel)?;
    decode_body(key, suffix, framed.body)
}

/// Whether a framed body has the v1 length.
pub(crate) fn fits(body: &[u8]) -> bool {
    body.len() == BODY_LEN
}

pub(crate) fn decode_body(
    key: &V1Key,
    suffix: Suffix,
    body: &[u8],
) -> Result<ObjectId, LabelError> {
    if !fits(body) {
        return Err(LabelError::Malformed);
    }
    let (symbols, tail) = body.split_at(SEALED_SYMBOLS);
    let (iv, found_suffix) = tail.split_at(IV_LEN);
    if iv.iter().any(|&s| base32::value(s).is_none()) {
        return Err(LabelError::Malformed);
    }
    let mut sealed = [0u8; SEALED_LEN];
    base32::decode_into(symbols, &mut sealed).map_err(|_| LabelError::Malformed)?;
    if found_suffix != suffix.bytes() {
        return Err(LabelError::WrongSuffix);
    }
    let mut iv_bytes = [0u8; IV_LEN];
    iv_bytes.copy_from_slice(iv);
    let (plain, tag) = sealed.split_at_mut(ID_LEN);
    let tag = Tag::<U16>::clone_from_slice(tag);
    key.0
        .decrypt_in_place_detached(&nonce(&iv_bytes), b"", plain, &tag)
        .map_err(|_| LabelError::Forged)?;
    std::str::from_utf8(plain)
        .ok()
        .and_then(|text| ObjectId::parse(text).ok())
        .ok_or(LabelError::BadPayload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eckwms_domain::IdKind;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
    const FIRST: (&str, &str) = (
        "i000000000000000001",
        "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3",
    );

    fn key() -> V1Key {
        V1Key::from_hex(KEY).unwrap()
    }

    #[test]
    fn decodes_a_vector() {
        let id = decode(&key(), Suffix::DEFAULT, FIRST.1).unwrap();
        assert_eq!(id.to_string(), FIRST.0);
        assert_eq!(FIRST.1.len(), V1_LEN);
    }

    #[test]
    fn iv_tail_follows_the_time() {
        // FW6: bits 5-9 = F (15), 10-14 = W (29), 15-19 = 6, so unix_ms / 7777777 = 7087 * 32 + r.
        let time = (6 * 1024 + 29 * 32 + 15) * 32;
        let iv = iv_symbols([0, 1, 2, 31, 32, 255], time * IV_TIME_DIVISOR);
        assert_eq!(&iv, b"012Y0YFW6");
        let later = iv_symbols([0; 6], (time + 31) * IV_TIME_DIVISOR + IV_TIME_DIVISOR - 1);
        assert_eq!(&later[6..], b"FW6");
        let next = iv_symbols([0; 6], (time + 32) * IV_TIME_DIVISOR);
        assert_eq!(&next[6..], b"GW6");
    }

    #[test]
    fn round_trip_and_failures() {
        let id = ObjectId::new(IdKind::Place, 42).unwrap();
        let text = encode(
            &key(),
            id,
            Host::Eck2,
            Suffix::DEFAULT,
            [7; 6],
            1_763_000_000_000,
        );
        assert_eq!(text.len(), V1_LEN);
        assert!(text.starts_with("ECK2.COM/"));
        assert_eq!(decode(&key(), Suffix::DEFAULT, &text), Ok(id));
        let other_key = V1Key::new(&[9; 24]);
        assert_eq!(
            decode(&other_key, Suffix::DEFAULT, &text),
            Err(LabelError::Forged)
        );
        let k7 = Suffix::new("K7").unwrap();
        assert_eq!(decode(&key(), k7, &text), Err(LabelError::WrongSuffix));
        assert_eq!(
            decode(&key(), Suffix::DEFAULT, &text[..75]),
            Err(LabelError::Malformed)
        );
        assert_eq!(
            decode(&key(), Suffix::DEFAULT, "hello"),
            Err(LabelError::NotALabel)
        );
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", key()), "V1Key(..)");
    }
}
