//! ECK label code version 2, for new labels. It fixes what was wrong with v1 (reference section 3):
//!
//! - a 96-bit random nonce per text, and AES-256-GCM-SIV, which stays safe even if a nonce ever
//!   repeats (a repeat only reveals that the same id was encrypted twice);
//! - host, key id and suffix are authenticated (associated data), so a code cannot be moved to
//!   another host or instance;
//! - a key id, so keys can rotate while labels printed under the old key keep working.
//!
//! Text: host (9) + key id (2 symbols, 10 bits) + Base32 of `nonce (12) || ciphertext (8) ||
//! tag (16)` (36 bytes = 58 symbols, the 2 unused bits zero) + suffix (2) = 71 characters, all in
//! the QR alphanumeric set (version 3-L holds 77). The plaintext packs the id into 8 bytes:
//! `kind code << 60 | number`. Associated data: `ECKWMS LABEL V2` followed by the text's 13
//! characters outside the payload (host, key id, suffix) in printed order.

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Nonce, Tag};
use eckwms_domain::id::MAX_ID_NUMBER;
use eckwms_domain::{IdKind, ObjectId};

use crate::base32;
use crate::label::{self, ConfigError, Host, LabelError, MAX_KEY_ID, Suffix};

/// Length of a v2 label text.
pub const V2_LEN: usize = Host::LEN + BODY_LEN;

/// Random bytes per text.
pub const NONCE_LEN: usize = 12;
const PLAIN_LEN: usize = 8;
const SEALED_LEN: usize = NONCE_LEN + PLAIN_LEN + 16;
const SEALED_SYMBOLS: usize = base32::encoded_len(SEALED_LEN);
const BODY_LEN: usize = 2 + SEALED_SYMBOLS + 2;

/// Domain separation: associated data of no other protocol starts like this.
const AAD_LABEL: &[u8; 15] = b"ECKWMS LABEL V2";
const AAD_LEN: usize = AAD_LABEL.len() + Host::LEN + 2 + 2;

/// One v2 key: its id (0..=1023, printed in every text it makes) and its prepared cipher.
/// `Debug` shows the id only.
#[derive(Clone)]
pub struct V2Key {
    id: u16,
    cipher: Aes256GcmSiv,
}

impl V2Key {
    pub fn new(id: u16, key: &[u8; 32]) -> Result<V2Key, ConfigError> {
        if id > MAX_KEY_ID {
            return Err(ConfigError::KeyId {
                setting: "ECK v2 key id",
            });
        }
        Ok(V2Key {
            id,
            cipher: Aes256GcmSiv::new(key.into()),
        })
    }

    /// 64 hexadecimal characters, either case.
    pub fn from_hex(id: u16, hex: &str) -> Result<V2Key, ConfigError> {
        V2Key::new(id, &label::parse_hex_key::<32>(hex, "ECK v2 key")?)
    }

    pub fn id(&self) -> u16 {
        self.id
    }
}

impl std::fmt::Debug for V2Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Key")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The v2 keys of an instance: at most one active key, which prints new labels and decodes, and
/// retired keys, which only decode. Key ids are unique.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    active: Option<V2Key>,
    retired: Vec<V2Key>,
}

impl KeyRing {
    pub fn new(active: Option<V2Key>, retired: Vec<V2Key>) -> Result<KeyRing, ConfigError> {
        let ring = KeyRing { active, retired };
        let mut seen = [false; MAX_KEY_ID as usize + 1];
        for key in ring.keys() {
            let slot = &mut seen[usize::from(key.id)];
            if *slot {
                return Err(ConfigError::DuplicateKeyId { key_id: key.id });
            }
            *slot = true;
        }
        Ok(ring)
    }

    /// Builds the ring from the settings `codes.v2_key` (64 hex; absent or blank: no active key),
    /// `codes.v2_key_id` (default 1; ignored without a key) and `codes.v2_retired_keys`
    /// (`ID:HEX,ID:HEX`; blank: none). Errors name the setting, never the key.
    pub fn from_settings(
        key: Option<&str>,
        key_id: Option<u64>,
        retired: Option<&str>,
    ) -> Result<KeyRing, ConfigError> {
        let active = match key.map(str::trim).filter(|key| !key.is_empty()) {
            None => None,
            Some(hex) => {
                let id = key_id_from(key_id.unwrap_or(1), "codes.v2_key_id")?;
                let key = label::parse_hex_key::<32>(hex, "codes.v2_key")?;
                Some(V2Key::new(id, &key)?)
            }
        };
        let mut retired_keys = Vec::new();
        let entries = retired.unwrap_or("").split(',').map(str::trim);
        for (index, entry) in entries.enumerate().filter(|(_, e)| !e.is_empty()) {
            let bad_entry = ConfigError::RetiredEntry { entry: index + 1 };
            let (id, hex) = entry.split_once(':').ok_or(bad_entry.clone())?;
            let id: u64 = id.trim().parse().map_err(|_| bad_entry)?;
            let id = key_id_from(id, "codes.v2_retired_keys")?;
            let key = label::parse_hex_key::<32>(hex, "codes.v2_retired_keys")?;
            retired_keys.push(V2Key::new(id, &key)?);
        }
        KeyRing::new(active, retired_keys)
    }

    /// The key that prints new labels.
    pub fn active(&self) -> Option<&V2Key> {
        self.active.as_ref()
    }

    /// The key with this id, active or retired.
    pub fn find(&self, key_id: u16) -> Option<&V2Key> {
        self.keys().find(|key| key.id == key_id)
    }

    pub fn is_empty(&self) -> bool {
        self.active.is_none() && self.retired.is_empty()
    }

    fn keys(&self) -> impl Iterator<Item = &V2Key> {
        self.active.iter().chain(&self.retired)
    }
}

fn key_id_from(id: u64, setting: &'static str) -> Result<u16, ConfigError> {
    u16::try_from(id)
        .ok()
        .filter(|&id| id <= MAX_KEY_ID)
        .ok_or(ConfigError::KeyId { setting })
}

/// Fixed kind codes of the plaintext; part of the format, so independent of any enum order.
fn kind_code(kind: IdKind) -> u64 {
    match kind {
        IdKind::Item => 0,
        IdKind::Box => 1,
        IdKind::Place => 2,
        IdKind::Order => 3,
        IdKind::User => 4,
        IdKind::Label => 5,
    }
}

fn kind_from_code(code: u64) -> Option<IdKind> {
    IdKind::ALL
        .into_iter()
        .find(|&kind| kind_code(kind) == code)
}

/// `kind code << 60 | number`: the largest number, 10^18 - 1, is below 2^60.
fn pack(id: ObjectId) -> [u8; PLAIN_LEN] {
    (kind_code(id.kind()) << 60 | id.number()).to_be_bytes()
}

fn unpack(plain: [u8; PLAIN_LEN]) -> Option<ObjectId> {
    let packed = u64::from_be_bytes(plain);
    let number = packed & ((1 << 60) - 1);
    if number > MAX_ID_NUMBER {
        return None;
    }
    ObjectId::new(kind_from_code(packed >> 60)?, number).ok()
}

fn aad(host: Host, key_symbols: [u8; 2], suffix: [u8; 2]) -> [u8; AAD_LEN] {
    let mut aad = [0u8; AAD_LEN];
    let (label_part, rest) = aad.split_at_mut(AAD_LABEL.len());
    label_part.copy_from_slice(AAD_LABEL);
    let (host_part, rest) = rest.split_at_mut(Host::LEN);
    host_part.copy_from_slice(host.prefix().as_bytes());
    rest[..2].copy_from_slice(&key_symbols);
    rest[2..].copy_from_slice(&suffix);
    aad
}

/// Encodes an id as a v2 label text with the given nonce, which must be fresh random bytes.
pub fn encode(
    key: &V2Key,
    id: ObjectId,
    host: Host,
    suffix: Suffix,
    nonce: [u8; NONCE_LEN],
) -> String {
    let key_symbols = base32::ten_bits(key.id);
    let mut sealed = [0u8; SEALED_LEN];
    let (nonce_part, rest) = sealed.split_at_mut(NONCE_LEN);
    nonce_part.copy_from_slice(&nonce);
    let (plain, tag_slot) = rest.split_at_mut(PLAIN_LEN);
    plain.copy_from_slice(&pack(id));
    let aad = aad(host, key_symbols, suffix.bytes());
    // Encryption only fails for inputs of gigabytes; 8 bytes cannot.
    if let Ok(tag) = key
        .cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, plain)
    {
        tag_slot.copy_from_slice(&tag);
    }
    let mut text = [0u8; V2_LEN];
    let (host_part, body) = text.split_at_mut(Host::LEN);
    host_part.copy_from_slice(host.prefix().as_bytes());
    body[..2].copy_from_slice(&key_symbols);
    base32::encode_into(&sealed, &mut body[2..2 + SEALED_SYMBOLS]);
    body[2 + SEALED_SYMBOLS..].copy_from_slice(&suffix.bytes());
    String::from_utf8_lossy(&text).into_owned()
}

/// Decodes a scanned v2 label text with the key its key id names; returns the id and that key
/// id. Surrounding whitespace and a leading `http(s)://` are ignored and the host is matched
/// case-insensitively (it is authenticated in its canonical upper-case form).
pub fn decode(ring: &KeyRing, suffix: Suffix, raw: &str) -> Result<(ObjectId, u16), LabelError> {
    let framed = label::frame(raw).ok_or(LabelError::NotALabel)?;
    decode_body(ring, suffix, framed.host, framed.body)
}

/// Whether a framed body has the v2 length.
pub(crate) fn fits(body: &[u8]) -> bool {
    body.len() == BODY_LEN
}

pub(crate) fn decode_body(
    ring: &KeyRing,
    suffix: Suffix,
    host: Host,
    body: &[u8],
) -> Result<(ObjectId, u16), LabelError> {
    if !fits(body) {
        return Err(LabelError::Malformed);
    }
    let key_symbols = [body[0], body[1]];
    let key_id = base32::read_ten_bits(key_symbols).ok_or(LabelError::Malformed)?;
    let mut sealed = [0u8; SEALED_LEN];
    base32::decode_into(&body[2..2 + SEALED_SYMBOLS], &mut sealed)
        .map_err(|_| LabelError::Malformed)?;
    let found_suffix = [body[BODY_LEN - 2], body[BODY_LEN - 1]];
    if found_suffix != suffix.bytes() {
        return Err(LabelError::WrongSuffix);
    }
    if ring.is_empty() {
        return Err(LabelError::NoKey { version: 2 });
    }
    let key = ring
        .find(key_id)
        .ok_or(LabelError::UnknownKeyId { key_id })?;
    let (nonce, rest) = sealed.split_at_mut(NONCE_LEN);
    let (plain, tag) = rest.split_at_mut(PLAIN_LEN);
    let tag = Tag::clone_from_slice(tag);
    key.cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            &aad(host, key_symbols, found_suffix),
            plain,
            &tag,
        )
        .map_err(|_| LabelError::Forged)?;
    let mut packed = [0u8; PLAIN_LEN];
    packed.copy_from_slice(plain);
    let id = unpack(packed).ok_or(LabelError::BadPayload)?;
    Ok((id, key_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of docs/CODES.md.
    pub(crate) const EXAMPLE_KEY: &str =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    pub(crate) const EXAMPLE_NONCE: [u8; 12] = [
        0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB,
    ];

    fn ring() -> KeyRing {
        KeyRing::new(Some(V2Key::from_hex(1, EXAMPLE_KEY).unwrap()), vec![]).unwrap()
    }

    /// docs/CODES.md: key 00..1f, key id 1, nonce a0..ab, box 42 on ECK1 with suffix M3. The
    /// text was computed independently with Python's `cryptography` (AESGCMSIV).
    #[test]
    fn worked_example() {
        let ring = ring();
        let key = ring.active().unwrap();
        let id = ObjectId::parse("b000000000000000042").unwrap();
        let text = encode(key, id, Host::Eck1, Suffix::DEFAULT, EXAMPLE_NONCE);
        assert_eq!(
            text,
            "ECK1.COM/01L2GT58W4LNKAFA59MAMUQHKV6LJCWEP6HA66MV5GLY2WR25RJT5NWUP9CQM3"
        );
        assert_eq!(decode(&ring, Suffix::DEFAULT, &text), Ok((id, 1)));
        let largest = ObjectId::parse("l999999999999999999").unwrap();
        assert_eq!(
            encode(key, largest, Host::Eck3, Suffix::DEFAULT, EXAMPLE_NONCE),
            "ECK3.COM/01L2GT58W4LNKAFA59MAMJVR22X37N5MN9C7ETK9E15V6N3EVJK590TNNWJGM3"
        );
    }

    #[test]
    fn packing_round_trips_the_extremes() {
        for kind in IdKind::ALL {
            for number in [0, 1, 42, MAX_ID_NUMBER] {
                let id = ObjectId::new(kind, number).unwrap();
                assert_eq!(unpack(pack(id)), Some(id));
            }
        }
        assert_eq!(unpack((6u64 << 60).to_be_bytes()), None);
        assert_eq!(unpack((MAX_ID_NUMBER + 1).to_be_bytes()), None);
        assert_eq!(unpack(u64::MAX.to_be_bytes()), None);
    }

    #[test]
    fn lengths() {
        assert_eq!(SEALED_SYMBOLS, 58);
        assert_eq!(V2_LEN, 71);
        assert_eq!(AAD_LEN, 28);
    }

    #[test]
    fn aad_is_label_then_frame() {
        let aad = aad(Host::Eck2, *b"01", *b"M3");
        assert_eq!(&aad, b"ECKWMS LABEL V2ECK2.COM/01M3");
    }

    #[test]
    fn round_trip() {
        let ring = ring();
        let id = ObjectId::new(IdKind::Label, MAX_ID_NUMBER).unwrap();
        let key = ring.active().unwrap();
        let text = encode(key, id, Host::Eck3, Suffix::DEFAULT, EXAMPLE_NONCE);
        assert_eq!(text.len(), V2_LEN);
        assert_eq!(&text[9..11], "01");
        assert_eq!(decode(&ring, Suffix::DEFAULT, &text), Ok((id, 1)));
    }

    #[test]
    fn debug_hides_keys() {
        let text = format!("{:?}", ring());
        assert!(text.contains("id: 1"), "{text}");
        assert!(!text.contains("000102"), "{text}");
    }
}
