//! The table of application identifiers: the four AIs read into [`Gs1`] with the rules of their
//! values, GS1's character set 82, and the AIs of predefined length that may omit the GS
//! separator. The readers of the three carriers (`element_string.rs`, `digital_link.rs`) find
//! the AIs; this file says what they mean.

use super::{Expiry, Gs1, Gs1Error, Gtin};

/// The AIs read into [`Gs1`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ai {
    Gtin,
    Batch,
    Expiry,
    Serial,
}

impl Ai {
    pub(super) fn from_code(code: &[u8]) -> Option<Ai> {
        match code {
            b"01" => Some(Ai::Gtin),
            b"10" => Some(Ai::Batch),
            b"17" => Some(Ai::Expiry),
            b"21" => Some(Ai::Serial),
            _ => None,
        }
    }

    pub(super) fn code(self) -> &'static str {
        match self {
            Ai::Gtin => "01",
            Ai::Batch => "10",
            Ai::Expiry => "17",
            Ai::Serial => "21",
        }
    }
}

/// What the known AIs of one code said, gathered while it is read: each at most once.
#[derive(Default)]
pub(super) struct Fields {
    gtin: Option<Gtin>,
    batch: Option<String>,
    expiry: Option<Expiry>,
    serial: Option<String>,
}

impl Fields {
    /// Records one known AI. `short_gtin` allows GTIN-8/12/13 (Digital Link paths); element
    /// strings always carry 14 digits.
    pub(super) fn set(&mut self, ai: Ai, value: &[u8], short_gtin: bool) -> Result<(), Gs1Error> {
        let invalid = Gs1Error::Value { ai: ai.code() };
        let duplicate = Err(Gs1Error::Duplicate { ai: ai.code() });
        match ai {
            Ai::Gtin => {
                if self.gtin.is_some() {
                    return duplicate;
                }
                if value.len() != 14 && !short_gtin {
                    return Err(invalid);
                }
                self.gtin = Some(Gtin::from_digits(value)?);
            }
            Ai::Expiry => {
                if self.expiry.is_some() {
                    return duplicate;
                }
                self.expiry = Some(Expiry::parse(value).ok_or(invalid)?);
            }
            Ai::Batch | Ai::Serial => {
                let slot = if ai == Ai::Batch {
                    &mut self.batch
                } else {
                    &mut self.serial
                };
                if slot.is_some() {
                    return duplicate;
                }
                if value.is_empty() || value.len() > 20 || !value.iter().all(|&c| is_cset82(c)) {
                    return Err(invalid);
                }
                *slot = Some(String::from_utf8_lossy(value).into_owned());
            }
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Gs1, Gs1Error> {
        Ok(Gs1 {
            gtin: self.gtin.ok_or(Gs1Error::NoGtin)?,
            batch: self.batch,
            expiry: self.expiry,
            serial: self.serial,
        })
    }
}

/// GS1's "character set 82", the characters allowed in alphanumeric AI values.
pub(super) fn is_cset82(c: u8) -> bool {
    matches!(c,
        b'!' | b'"' | b'%'..=b'/' | b'0'..=b'9' | b':'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

/// Total length (AI + value) of the AIs that GS1 lets omit the GS separator, by their first
/// two digits.
pub(super) fn predefined_len(first_two: &[u8]) -> Option<usize> {
    let n = (first_two[0] - b'0') * 10 + (first_two[1] - b'0');
    match n {
        0 => Some(20),
        1..=3 => Some(16),
        4 => Some(18),
        11..=19 => Some(8),
        20 => Some(4),
        31..=36 => Some(10),
        41 => Some(16),
        _ => None,
    }
}
