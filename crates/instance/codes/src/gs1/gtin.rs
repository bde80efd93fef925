//! GTINs: the key of a trade item, AI (01), and its check digit.

use std::fmt;

use super::Gs1Error;

/// A GTIN normalised to 14 digits (GTIN-8, -12 and -13 are padded with leading zeros, as GS1
/// prescribes), check digit verified.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin([u8; 14]);

impl Gtin {
    /// Parses a GTIN-8, -12, -13 or -14 and verifies its check digit.
    pub fn parse(text: &str) -> Result<Gtin, Gs1Error> {
        Gtin::from_digits(text.as_bytes())
    }

    pub(super) fn from_digits(digits: &[u8]) -> Result<Gtin, Gs1Error> {
        if !matches!(digits.len(), 8 | 12 | 13 | 14) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(Gs1Error::Gtin);
        }
        if !check_digit_ok(digits) {
            return Err(Gs1Error::CheckDigit);
        }
        let mut gtin = [b'0'; 14];
        gtin[14 - digits.len()..].copy_from_slice(digits);
        Ok(Gtin(gtin))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("00000000000000")
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin({})", self.as_str())
    }
}

/// GS1 mod-10: from the right, payload digits weigh 3, 1, 3, ...; the check digit brings the
/// sum to a multiple of 10.
fn check_digit_ok(digits: &[u8]) -> bool {
    let Some((&check, payload)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check - b'0')
}
