//! The label key ring of the public label page: which instance owns which label key, and the
//! decoding of a label text to its owner and object with `eckwms-codes` (the instance
//! service's own decoder, a pure crate; through it this crate also names `eckwms-domain`'s
//! `ObjectId`).
//!
//! Each key is one decoder (its own suffix); a text is tried against each in turn. A v2
//! text is turned away before any cryptography by a decoder whose suffix or key id is not its
//! own, so the cost grows with the number of v1 keys only.

use eckwms_codes::{Decoder, Settings};
pub use eckwms_domain::{IdKind, ObjectId};

use crate::InstanceId;

/// One key of the ring, as configured (`[[labels.keys]]`).
#[derive(Clone, Default)]
pub struct LabelKeyConfig {
    pub instance_id: String,
    /// 1 or 2.
    pub version: u8,
    /// Hex: 48 digits (v1) or 64 (v2). Secret.
    pub key: String,
    /// v2 only: the key id printed in the label, 0-1023 (default 1).
    pub key_id: Option<u64>,
    /// The instance suffix that ends the labels (default `M3`).
    pub suffix: Option<String>,
}

impl std::fmt::Debug for LabelKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelKeyConfig")
            .field("instance_id", &self.instance_id)
            .field("version", &self.version)
            .field("key_id", &self.key_id)
            .field("suffix", &self.suffix)
            .finish_non_exhaustive()
    }
}

/// A refused key: `path` names the setting (`labels.keys[2].key`), `message` the rule, never
/// the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RingError {
    pub path: String,
    pub message: String,
}

/// The decoders of every configured key, with the instance owning each.
#[derive(Clone, Debug, Default)]
pub struct LabelRing {
    owners: Vec<(InstanceId, Decoder)>,
}

impl LabelRing {
    pub fn new(keys: &[LabelKeyConfig]) -> Result<Self, RingError> {
        let mut owners = Vec::with_capacity(keys.len());
        let mut seen_v2: Vec<(u64, String)> = Vec::new();
        for (n, key) in keys.iter().enumerate() {
            let at = |field: &str, message: String| RingError {
                path: format!("labels.keys[{n}].{field}"),
                message,
            };
            let instance = InstanceId::parse(&key.instance_id).map_err(|m| at("instance_id", m))?;
            let suffix = key
                .suffix
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("M3")
                .to_owned();
            let hex = key.key.trim();
            let settings = match key.version {
                1 => {
                    if key.key_id.is_some() {
                        return Err(at("key_id", "only v2 keys have a key id".into()));
                    }
                    if hex.len() != 48 {
                        return Err(at("key", "a v1 key is 48 hex digits".into()));
                    }
                    Settings {
                        suffix: Some(&suffix),
                        v1_key: Some(hex),
                        ..Settings::default()
                    }
                }
                2 => {
                    if hex.len() != 64 {
                        return Err(at("key", "a v2 key is 64 hex digits".into()));
                    }
                    let key_id = key.key_id.unwrap_or(1);
                    if seen_v2.contains(&(key_id, suffix.clone())) {
                        return Err(at(
                            "key_id",
                            "another v2 key has this key id and suffix; labels would be ambiguous"
                                .into(),
                        ));
                    }
                    seen_v2.push((key_id, suffix.clone()));
                    Settings {
                        suffix: Some(&suffix),
                        v2_key: Some(hex),
                        v2_key_id: Some(key_id),
                        ..Settings::default()
                    }
                }
                _ => return Err(at("version", "must be 1 or 2".into())),
            };
            // The codes crate's messages name its own settings and rules, never key material.
            let decoder =
                Decoder::from_settings(&settings).map_err(|e| at("key", e.to_string()))?;
            owners.push((instance, decoder));
        }
        Ok(Self { owners })
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// The owner and object of a label text (`ECK1.COM/...`, with or without `http(s)://`),
    /// or `None` when no key decodes it.
    pub fn decode(&self, text: &str) -> Option<(InstanceId, ObjectId)> {
        self.owners.iter().find_map(|(instance, decoder)| {
            decoder
                .decode_label(text)
                .ok()
                .map(|(id, _)| (*instance, id))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    /// The worked example of docs/CODES.md: `b000000000000000042`, key id 1, suffix M3.
    const V2_TEXT: &str = "ECK1.COM/01L2GT58W4LNKAFA59MAMUQHKV6LJCWEP6HA66MV5GLY2WR25RJT5NWUP9CQM3";
    const A: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
    const B: &str = "1b0e6f3a-1234-4abc-8def-0123456789ab";

    fn key(instance: &str, version: u8, hex: &str, key_id: Option<u64>) -> LabelKeyConfig {
        LabelKeyConfig {
            instance_id: instance.into(),
            version,
            key: hex.into(),
            key_id,
            suffix: None,
        }
    }

    #[test]
    fn decodes_to_the_owner_of_the_key() {
        let ring = LabelRing::new(&[
            key(A, 2, &"ab".repeat(32), Some(1)),
            key(B, 2, V2_KEY, Some(1)),
        ]);
        // Same key id and suffix twice: refused.
        assert_eq!(ring.unwrap_err().path, "labels.keys[1].key_id");
        let mut other = key(A, 2, &"ab".repeat(32), Some(1));
        other.suffix = Some("Q7".into());
        let ring = LabelRing::new(&[other, key(B, 2, V2_KEY, Some(1))]).unwrap();
        let (owner, id) = ring.decode(V2_TEXT).unwrap();
        assert_eq!(owner.to_string(), B);
        assert_eq!(id.to_string(), "b000000000000000042");
        assert!(
            ring.decode(&format!("https://{}", V2_TEXT.to_lowercase()))
                .is_none()
        );
        assert!(ring.decode(&format!("https://{V2_TEXT}")).is_some());
        assert!(ring.decode(&V2_TEXT.replace("ECK1", "ECK2")).is_none());
        assert!(ring.decode("ECK1.COM/nothing").is_none());
    }

    #[test]
    fn refusals_name_the_key_path_never_the_value() {
        let secret = "zz".repeat(32);
        let cases = [
            (key("nope", 2, V2_KEY, None), "labels.keys[0].instance_id"),
            (key(A, 3, V2_KEY, None), "labels.keys[0].version"),
            (key(A, 1, V2_KEY, None), "labels.keys[0].key"),
            (key(A, 2, &secret, None), "labels.keys[0].key"),
            (key(A, 2, V2_KEY, Some(5000)), "labels.keys[0].key"),
            (
                key(A, 1, &"ab".repeat(24), Some(1)),
                "labels.keys[0].key_id",
            ),
        ];
        for (config, path) in cases {
            let error = LabelRing::new(&[config]).unwrap_err();
            assert_eq!(error.path, path, "{error}");
            assert!(!error.to_string().contains(&secret));
            assert!(!error.to_string().contains(V2_KEY));
        }
        assert!(!format!("{:?}", key(A, 2, V2_KEY, None)).contains(V2_KEY));
    }
}
