//! GS1 codes on products: GTINs and the application identifiers (AIs) a warehouse cares about:
//! (01) GTIN, (10) batch/lot, (17) expiry date, (21) serial number. Three carriers of AIs are
//! read: the bracketed human-readable form `(01)09506000134352(17)201225(10)ABC123`, the raw
//! element string of GS1-128 / GS1 DataMatrix / GS1 QR / GS1 DataBar (variable-length fields
//! ended by ASCII GS, optionally after a symbology identifier such as `]d2`), and GS1 Digital Link
//! URLs (`https://id.gs1.org/01/09506000134352/10/ABC123?17=201225`, any host, with or without
//! the scheme).
//!
//! Other AIs are skipped, not rejected, because real product codes carry many (production date,
//! count, ...) and the four above are still worth having. Skipping is safe only where the end of
//! an unknown field is certain: brackets and URL segments delimit it, and in a raw element string
//! GS1 fixes which AIs may omit the GS separator (the predefined-length table: 00-04, 11-20,
//! 31-36, 41); every other field runs to the next GS. A value that breaks the rules of a known AI
//! (wrong length, bad check digit, impossible date, characters outside GS1's set of 82) rejects
//! the whole code.

mod ai;
mod digital_link;
mod element_string;
mod expiry;
mod gtin;
#[cfg(test)]
mod tests;

pub use expiry::Expiry;
pub use gtin::Gtin;

use digital_link::parse_digital_link;
use element_string::{parse_bracketed, parse_element_string};

const GS: u8 = 0x1D;

/// What a GS1 code says about a trade item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gs1 {
    pub gtin: Gtin,
    pub batch: Option<String>,
    pub expiry: Option<Expiry>,
    pub serial: Option<String>,
}

/// Why a text is not a GS1 code we can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error("not a GS1 code")]
    NotGs1,
    #[error("a GTIN has 8, 12, 13 or 14 digits")]
    Gtin,
    #[error("the GTIN check digit is wrong")]
    CheckDigit,
    #[error("malformed GS1 element string or Digital Link")]
    Syntax,
    #[error("AI ({ai}) has an invalid value")]
    Value { ai: &'static str },
    #[error("AI ({ai}) appears more than once")]
    Duplicate { ai: &'static str },
    #[error("the GS1 code has no GTIN, AI (01)")]
    NoGtin,
}

/// Reads a GS1 code in any of the supported forms: a bare GTIN, a bracketed element string, a
/// raw element string (starting with a symbology identifier `]C1`, `]d2`, `]Q3` or `]e0`, with a
/// GS, or directly with AI 01), or a Digital Link URL. It must carry a GTIN.
pub fn parse(text: &str) -> Result<Gs1, Gs1Error> {
    let bytes = text.as_bytes();
    match bytes {
        [] => Err(Gs1Error::NotGs1),
        [b'(', ..] => parse_bracketed(bytes),
        [b']', ..] => match bytes.get(..3) {
            Some(b"]C1" | b"]d2" | b"]Q3" | b"]e0") => {
                let rest = &bytes[3..];
                parse_element_string(rest.strip_prefix(&[GS]).unwrap_or(rest))
            }
            _ => Err(Gs1Error::NotGs1),
        },
        [GS, rest @ ..] => parse_element_string(rest),
        _ if matches!(bytes.len(), 8 | 12 | 13 | 14) && bytes.iter().all(u8::is_ascii_digit) => {
            Ok(Gs1 {
                gtin: Gtin::from_digits(bytes)?,
                batch: None,
                expiry: None,
                serial: None,
            })
        }
        [b'0', b'1', rest @ ..]
            if rest.len() >= 14 && rest[..14].iter().all(u8::is_ascii_digit) =>
        {
            parse_element_string(bytes)
        }
        _ if bytes.contains(&b'/') => parse_digital_link(text),
        _ => Err(Gs1Error::NotGs1),
    }
}
