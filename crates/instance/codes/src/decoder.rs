//! The one call the scan flow makes: what is this scanned text?

use eckwms_domain::{ItemId, ObjectId, OrderId};

use crate::gs1::{self, Gs1};
use crate::ids::{self, RmaCode};
use crate::label::{self, ConfigError, Host, LabelError, Suffix};
use crate::tracking::{self, Tracking};
use crate::v1::{self, V1Key};
use crate::v2::{self, KeyRing};

/// Scanned texts longer than this (in bytes, after trimming) are returned as [`Other`] without
/// any parsing. Every code this crate reads is far shorter (the longest, a Digital Link URL, is
/// rarely over 150); the limit keeps the work per scan small whatever a client sends.
pub const MAX_SCAN_LEN: usize = 512;

/// Which label code a label was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelVersion {
    V1,
    V2 { key_id: u16 },
}

/// What a scanned text is, in the order [`Decoder::classify`] tries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// An ECK label of this instance, decoded and authenticated.
    Label { id: ObjectId, version: LabelVersion },
    /// Shaped like an ECK label (host and the length of v1 or v2) but it does not decode with
    /// this instance's keys and suffix: show it to the operator, do not store it as a barcode.
    BadLabel(LabelError),
    /// A 19-character id typed or scanned as plain text.
    Id(ObjectId),
    /// A 7-digit manufacturer serial and the item it stands for.
    Serial(ItemId),
    /// An RMA code (check characters verified) and the order it stands for.
    Rma { code: RmaCode, order: OrderId },
    /// Anything else: the caller looks the text up as a known barcode (product class, extra
    /// barcode of an item) first, and only then uses the interpretations attached here.
    Other(Other),
}

/// A text that is none of our codes, with what it could mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Other {
    /// The scanned text without surrounding whitespace. A leading `http(s)://` is kept: outside
    /// ECK labels it is part of the code (a Digital Link URL, a web address on a box).
    pub text: String,
    /// Every carrier whose tracking number pattern fits, see [`tracking::identify`].
    pub tracking: Vec<Tracking>,
    /// The GS1 reading, if the text is a GTIN, an element string or a Digital Link with a GTIN.
    pub gs1: Option<Gs1>,
}

/// The code settings as configuration text, for [`Decoder::from_settings`]. Blank values count
/// as absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Settings<'a> {
    /// The instance suffix that ends every label text, default `M3`.
    pub suffix: Option<&'a str>,
    /// `codes.v1_key`: the original's `ENC_KEY`, 48 hex digits; without it v1 labels are
    /// reported as [`LabelError::NoKey`].
    pub v1_key: Option<&'a str>,
    /// `codes.v2_key`: the active v2 key, 64 hex digits; without it no labels can be printed.
    pub v2_key: Option<&'a str>,
    /// `codes.v2_key_id`: the active key's id, 0 to 1023, default 1.
    pub v2_key_id: Option<u64>,
    /// `codes.v2_retired_keys`: `ID:HEX,ID:HEX`, keys that only decode.
    pub v2_retired_keys: Option<&'a str>,
}

/// Reads scanned texts and makes label texts, with the instance's suffix and keys. Build it once
/// at start-up: the ciphers inside are prepared then, so a scan costs no key schedule. `Debug`
/// shows no key material.
///
/// ```
/// use eckwms_codes::{Decoder, LabelVersion, Scanned, Settings};
/// use eckwms_domain::ObjectId;
///
/// let decoder = Decoder::from_settings(&Settings {
///     v2_key: Some("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
///     ..Settings::default()
/// })?;
/// let id = ObjectId::parse("b000000000000000042")?;
/// // A real caller passes a cryptographic RNG here.
/// let texts = decoder.label_texts(id, &mut |buffer: &mut [u8]| buffer.fill(7))?;
/// let version = LabelVersion::V2 { key_id: 1 };
/// assert_eq!(decoder.classify(&texts[0]), Scanned::Label { id, version });
/// assert!(matches!(decoder.classify("4006381333931"), Scanned::Other(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Decoder {
    suffix: Suffix,
    v1: Option<V1Key>,
    v2: KeyRing,
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

impl Decoder {
    pub fn new(suffix: Suffix, v1: Option<V1Key>, v2: KeyRing) -> Decoder {
        Decoder { suffix, v1, v2 }
    }

    pub fn from_settings(settings: &Settings<'_>) -> Result<Decoder, ConfigError> {
        let suffix = present(settings.suffix)
            .map(Suffix::new)
            .transpose()?
            .unwrap_or_default();
        let v1 = present(settings.v1_key)
            .map(|hex| v1::parse_key(hex, "codes.v1_key"))
            .transpose()?;
        let v2 = KeyRing::from_settings(
            settings.v2_key,
            settings.v2_key_id,
            settings.v2_retired_keys,
        )?;
        Ok(Decoder::new(suffix, v1, v2))
    }

    pub fn suffix(&self) -> Suffix {
        self.suffix
    }

    /// Whether [`Decoder::label_texts`] can make label texts: an active v2 key is configured.
    pub fn can_print(&self) -> bool {
        self.v2.active().is_some()
    }

    /// Decodes an ECK label text (v2 or v1, told apart by length).
    pub fn decode_label(&self, raw: &str) -> Result<(ObjectId, LabelVersion), LabelError> {
        let framed = label::frame(raw).ok_or(LabelError::NotALabel)?;
        self.decode_framed(framed.host, framed.body)
    }

    fn decode_framed(
        &self,
        host: Host,
        body: &[u8],
    ) -> Result<(ObjectId, LabelVersion), LabelError> {
        if v2::fits(body) {
            let (id, key_id) = v2::decode_body(&self.v2, self.suffix, host, body)?;
            Ok((id, LabelVersion::V2 { key_id }))
        } else if v1::fits(body) {
            let key = self.v1.as_ref().ok_or(LabelError::NoKey { version: 1 })?;
            Ok((v1::decode_body(key, self.suffix, body)?, LabelVersion::V1))
        } else {
            Err(LabelError::Malformed)
        }
    }

    /// Says what a scanned text is. Tries, in order: an ECK label (v2, then v1), a typed id, a
    /// 7-digit serial, an RMA code; anything else is [`Scanned::Other`] with its tracking and
    /// GS1 readings. Linear in the length of the text and never panics.
    pub fn classify(&self, raw: &str) -> Scanned {
        let text = raw.trim();
        if text.len() > MAX_SCAN_LEN {
            return Scanned::Other(Other {
                text: text.to_owned(),
                tracking: Vec::new(),
                gs1: None,
            });
        }
        if let Some(framed) = label::frame(text)
            && (v2::fits(framed.body) || v1::fits(framed.body))
        {
            return match self.decode_framed(framed.host, framed.body) {
                Ok((id, version)) => Scanned::Label { id, version },
                Err(error) => Scanned::BadLabel(error),
            };
        }
        if let Ok(id) = ObjectId::parse(text) {
            return Scanned::Id(id);
        }
        if let Some(item) = ids::serial_item(text) {
            return Scanned::Serial(item);
        }
        if let Ok(code) = RmaCode::parse(text) {
            return Scanned::Rma {
                code,
                order: code.order_id(),
            };
        }
        Scanned::Other(Other {
            text: text.to_owned(),
            tracking: tracking::identify(text),
            gs1: gs1::parse(text).ok(),
        })
    }

    /// The three v2 texts (hosts `ECK1.COM/`, `ECK2.COM/`, `ECK3.COM/`) to print on a label for
    /// `id`, each with its own 12-byte nonce from `rng`, which must be a cryptographic RNG.
    /// Fails with [`LabelError::NoActiveKey`] when no active v2 key is configured: printing never
    /// falls back to v1 or to plain ids.
    pub fn label_texts(
        &self,
        id: ObjectId,
        rng: &mut dyn FnMut(&mut [u8]),
    ) -> Result<[String; 3], LabelError> {
        let key = self.v2.active().ok_or(LabelError::NoActiveKey)?;
        Ok(Host::ALL.map(|host| {
            let mut nonce = [0u8; v2::NONCE_LEN];
            rng(&mut nonce);
            v2::encode(key, id, host, self.suffix, nonce)
        }))
    }
}
