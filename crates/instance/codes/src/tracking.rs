//! Carrier tracking numbers (reference section 6). The original recognised these when a scanned
//! barcode was attached to an item or box, to show a tracking link.
//!
//! The patterns overlap: 12 digits fit DHL Paket and FedEx, and 12 to 14 digits are also what
//! EAN/UPC/GTIN product codes look like. So [`identify`] returns every carrier whose pattern
//! fits, in a fixed order (the original's precedence: UPS, DPD, FedEx, DHL Express, DHL Paket,
//! DHL Global Mail), and the caller decides; it also looks the text up as a known barcode first.
//! Matching is exact and case-sensitive, like the original's regular expressions.

use std::fmt;

/// A parcel carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    Ups,
    Dpd,
    FedEx,
    DhlExpress,
    DhlPaket,
    DhlGlobalMail,
}

impl Carrier {
    pub fn name(self) -> &'static str {
        match self {
            Carrier::Ups => "UPS",
            Carrier::Dpd => "DPD",
            Carrier::FedEx => "FedEx",
            Carrier::DhlExpress => "DHL Express",
            Carrier::DhlPaket => "DHL Paket",
            Carrier::DhlGlobalMail => "DHL Global Mail",
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One reading of a scanned text as a tracking number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tracking {
    pub carrier: Carrier,
    /// The number to track: the scanned text, except for DPD, whose barcode wraps the 14-digit
    /// parcel number in a destination postcode and service and country codes.
    pub number: String,
}

/// Every carrier whose tracking number pattern fits the text exactly, in the order of
/// [`Carrier`]. Empty when none fits.
pub fn identify(text: &str) -> Vec<Tracking> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut add = |carrier, number: &str| {
        found.push(Tracking {
            carrier,
            number: number.to_owned(),
        })
    };
    // UPS: 1Z + 16 of [0-9A-Z].
    if bytes.len() == 18
        && bytes.starts_with(b"1Z")
        && bytes[2..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        add(Carrier::Ups, text);
    }
    if let Some(parcel) = dpd_parcel(bytes) {
        add(Carrier::Dpd, parcel);
    }
    let all_digits = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
    if all_digits && matches!(bytes.len(), 12 | 15 | 20 | 22 | 24 | 34) {
        add(Carrier::FedEx, text);
    }
    // DHL Express: JJD + 9 or 10 digits.
    if matches!(bytes.len(), 12 | 13) && bytes.starts_with(b"JJD") && digits(&bytes[3..]) {
        add(Carrier::DhlExpress, text);
    }
    if all_digits && (12..=14).contains(&bytes.len()) {
        add(Carrier::DhlPaket, text);
    }
    // DHL Global Mail: GM + 9 digits + DE.
    if bytes.len() == 13
        && bytes.starts_with(b"GM")
        && bytes.ends_with(b"DE")
        && digits(&bytes[2..11])
    {
        add(Carrier::DhlGlobalMail, text);
    }
    found
}

/// DPD: `%` + 7 characters (destination postcode, padded) + the 14-digit parcel number, then
/// in the full 28-character barcode a 3-digit service code and a 3-digit country code. The
/// reference names the 22-character head; the original's pattern
/// (`^%[0-9a-zA-Z]{7}(\d{14})\d{6}$`) the whole barcode. Both are accepted.
fn dpd_parcel(bytes: &[u8]) -> Option<&str> {
    if !matches!(bytes.len(), 22 | 28)
        || bytes[0] != b'%'
        || !bytes[1..8].iter().all(u8::is_ascii_alphanumeric)
        || !digits(&bytes[8..])
    {
        return None;
    }
    std::str::from_utf8(&bytes[8..22]).ok()
}

fn digits(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn carriers(text: &str) -> Vec<Carrier> {
        identify(text).into_iter().map(|t| t.carrier).collect()
    }

    #[test]
    fn single_carriers() {
        assert_eq!(carriers("1Z999AA10123456784"), [Carrier::Ups]);
        assert_eq!(carriers("JJD000390007856789"), []);
        assert_eq!(carriers("JJD012345678"), [Carrier::DhlExpress]);
        assert_eq!(carriers("JJD0123456789"), [Carrier::DhlExpress]);
        assert_eq!(carriers("GM123456789DE"), [Carrier::DhlGlobalMail]);
        assert_eq!(carriers("123456789012345"), [Carrier::FedEx]);
        assert_eq!(carriers(&"1".repeat(34)), [Carrier::FedEx]);
        assert_eq!(carriers(&"1".repeat(20)), [Carrier::FedEx]);
        assert_eq!(carriers("1234567890123"), [Carrier::DhlPaket]);
    }

    #[test]
    fn overlaps_are_all_reported_in_order() {
        assert_eq!(
            carriers("123456789012"),
            [Carrier::FedEx, Carrier::DhlPaket]
        );
        assert_eq!(carriers("12345678901234"), [Carrier::DhlPaket]);
    }

    #[test]
    fn dpd_gives_the_parcel_number() {
        let parcel = "05012345678901";
        let full = identify(&format!("%0060000{parcel}327276"));
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].carrier, Carrier::Dpd);
        assert_eq!(full[0].number, parcel);
        let head = identify(&format!("%0060000{parcel}"));
        assert_eq!(head[0].number, parcel);
        assert_eq!(carriers(&format!("%00600-0{parcel}")), []);
        assert_eq!(carriers(&format!("%0060000{parcel}3")), []);
        assert_eq!(carriers(&format!("%0060000{parcel}32727X")), []);
        assert_eq!(carriers(&format!("#0060000{parcel}")), []);
    }

    #[test]
    fn near_misses() {
        for text in [
            "",
            "1z999AA10123456784",
            "1Z999aa10123456784",
            "1Z999AA1012345678",
            "GM123456789DEX",
            "GM12345678XDE",
            "JJD01234567",
            "12345678901",
            "12345678901234567",
        ] {
            assert_eq!(carriers(text), [], "{text}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,40}") {
            let _ = identify(&text);
        }
    }
}
