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

use std::fmt;

const GS: u8 = 0x1D;

/// A GTIN normalised to 14 digits (GTIN-8, -12 and -13 are padded with leading zeros, as GS1
/// prescribes), check digit verified.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin([u8; 14]);

impl Gtin {
    /// Parses a GTIN-8, -12, -13 or -14 and verifies its check digit.
    pub fn parse(text: &str) -> Result<Gtin, Gs1Error> {
        Gtin::from_digits(text.as_bytes())
    }

    fn from_digits(digits: &[u8]) -> Result<Gtin, Gs1Error> {
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

/// An expiry date, AI (17) `YYMMDD`. Day 00 means "end of the month", as GS1 allows.
/// The year is 2000 + YY: this crate has no clock for GS1's sliding century window, which gives
/// the same years for every expiry date up to 2049 read before then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Expiry {
    year: u16,
    month: u8,
    day: u8,
}

impl Expiry {
    fn parse(digits: &[u8]) -> Option<Expiry> {
        if digits.len() != 6 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let pair = |i: usize| (digits[i] - b'0') * 10 + (digits[i + 1] - b'0');
        let (year, month, day) = (2000 + u16::from(pair(0)), pair(2), pair(4));
        if !(1..=12).contains(&month) || day > days_in_month(year, month) {
            return None;
        }
        Some(Expiry { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// The day, `None` for day 00 (end of the month).
    pub fn day(self) -> Option<u8> {
        (self.day != 0).then_some(self.day)
    }

    /// The last day the product is good: the day, or for day 00 the month's last day.
    pub fn last_day(self) -> u8 {
        self.day().unwrap_or(days_in_month(self.year, self.month))
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

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

/// The AIs read into [`Gs1`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ai {
    Gtin,
    Batch,
    Expiry,
    Serial,
}

impl Ai {
    fn from_code(code: &[u8]) -> Option<Ai> {
        match code {
            b"01" => Some(Ai::Gtin),
            b"10" => Some(Ai::Batch),
            b"17" => Some(Ai::Expiry),
            b"21" => Some(Ai::Serial),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Ai::Gtin => "01",
            Ai::Batch => "10",
            Ai::Expiry => "17",
            Ai::Serial => "21",
        }
    }
}

#[derive(Default)]
struct Fields {
    gtin: Option<Gtin>,
    batch: Option<String>,
    expiry: Option<Expiry>,
    serial: Option<String>,
}

impl Fields {
    /// Records one known AI. `short_gtin` allows GTIN-8/12/13 (Digital Link paths); element
    /// strings always carry 14 digits.
    fn set(&mut self, ai: Ai, value: &[u8], short_gtin: bool) -> Result<(), Gs1Error> {
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

    fn finish(self) -> Result<Gs1, Gs1Error> {
        Ok(Gs1 {
            gtin: self.gtin.ok_or(Gs1Error::NoGtin)?,
            batch: self.batch,
            expiry: self.expiry,
            serial: self.serial,
        })
    }
}

/// GS1's "character set 82", the characters allowed in alphanumeric AI values.
fn is_cset82(c: u8) -> bool {
    matches!(c,
        b'!' | b'"' | b'%'..=b'/' | b'0'..=b'9' | b':'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

/// `(` + 2 to 4 digits + `)` at `at`: returns the AI digits and where its value starts.
fn ai_opener(text: &[u8], at: usize) -> Option<(&[u8], usize)> {
    if text.get(at) != Some(&b'(') {
        return None;
    }
    let digits = text[at + 1..]
        .iter()
        .take(5)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if (2..=4).contains(&digits) && text.get(at + 1 + digits) == Some(&b')') {
        Some((&text[at + 1..at + 1 + digits], at + 2 + digits))
    } else {
        None
    }
}

fn parse_bracketed(text: &[u8]) -> Result<Gs1, Gs1Error> {
    let mut fields = Fields::default();
    let mut at = 0;
    while at < text.len() {
        let (ai, start) = ai_opener(text, at).ok_or(Gs1Error::Syntax)?;
        // The value runs to the next well-formed "(NN)"; a "(" that opens none belongs to it.
        let mut end = start;
        while end < text.len() && ai_opener(text, end).is_none() {
            end += 1;
        }
        let value = &text[start..end];
        if value.is_empty() || !value.iter().all(|&c| is_cset82(c)) {
            return Err(Gs1Error::Syntax);
        }
        if let Some(known) = Ai::from_code(ai) {
            fields.set(known, value, false)?;
        }
        at = end;
    }
    fields.finish()
}

/// Total length (AI + value) of the AIs that GS1 lets omit the GS separator, by their first
/// two digits.
fn predefined_len(first_two: &[u8]) -> Option<usize> {
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

fn parse_element_string(text: &[u8]) -> Result<Gs1, Gs1Error> {
    let mut fields = Fields::default();
    let mut at = 0;
    while at < text.len() {
        let first_two = text.get(at..at + 2).ok_or(Gs1Error::Syntax)?;
        if !first_two.iter().all(u8::is_ascii_digit) {
            return Err(Gs1Error::Syntax);
        }
        let known = Ai::from_code(first_two);
        if let Some(total) = predefined_len(first_two) {
            let field = text.get(at..at + total).ok_or(Gs1Error::Syntax)?;
            if !field.iter().all(u8::is_ascii_digit) {
                return Err(Gs1Error::Syntax);
            }
            if let Some(ai) = known {
                fields.set(ai, &field[2..], false)?;
            }
            at += total;
            // Some encoders put a GS after a fixed-length field too; it is harmless.
            if text.get(at) == Some(&GS) {
                at += 1;
            }
        } else {
            let end = text[at..]
                .iter()
                .position(|&c| c == GS)
                .map_or(text.len(), |offset| at + offset);
            let field = &text[at..end];
            if field.len() < 3 || !field.iter().all(|&c| is_cset82(c)) {
                return Err(Gs1Error::Syntax);
            }
            if let Some(ai) = known {
                fields.set(ai, &field[2..], false)?;
            }
            at = end + 1;
        }
    }
    fields.finish()
}

/// Reads a Digital Link URL: path `.../01/{gtin}[/22/{cpv}][/10/{batch}][/21/{serial}]` (in that
/// order, after any path prefix), query parameters for other AIs (17 is read, other numeric
/// keys are skipped, non-numeric keys such as `linkType` ignored). Values are percent-decoded.
fn parse_digital_link(text: &str) -> Result<Gs1, Gs1Error> {
    let rest = crate::label::strip_scheme(text);
    let rest = rest.split_once('#').map_or(rest, |(head, _)| head);
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, path) = location.split_once('/').ok_or(Gs1Error::NotGs1)?;
    if host.is_empty()
        || host
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(Gs1Error::NotGs1);
    }
    let mut segments = path.split('/').skip_while(|segment| *segment != "01");
    if segments.next().is_none() {
        return Err(Gs1Error::NotGs1);
    }
    let mut fields = Fields::default();
    let gtin = segments.next().ok_or(Gs1Error::Syntax)?;
    fields.set(Ai::Gtin, &percent_decode(gtin)?, true)?;
    // Key qualifiers: each at most once, in this order.
    let mut order = ["22", "10", "21"].into_iter();
    while let Some(ai) = segments.next() {
        if ai.is_empty() && segments.clone().next().is_none() {
            break; // a trailing slash
        }
        if !order.any(|allowed| allowed == ai) {
            return Err(Gs1Error::Syntax);
        }
        let value = percent_decode(segments.next().ok_or(Gs1Error::Syntax)?)?;
        match Ai::from_code(ai.as_bytes()) {
            Some(known) => fields.set(known, &value, true)?,
            // (22) consumer product variant: checked, not kept.
            None if value.is_empty()
                || value.len() > 20
                || !value.iter().all(|&c| is_cset82(c)) =>
            {
                return Err(Gs1Error::Value { ai: "22" });
            }
            None => {}
        }
    }
    for parameter in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        if key.is_empty() || !key.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        match Ai::from_code(key.as_bytes()) {
            Some(Ai::Expiry) => fields.set(Ai::Expiry, &percent_decode(value)?, true)?,
            // The key and its qualifiers belong in the path.
            Some(_) => return Err(Gs1Error::Syntax),
            None if key == "22" => return Err(Gs1Error::Syntax),
            None => {}
        }
    }
    fields.finish()
}

fn percent_decode(text: &str) -> Result<Vec<u8>, Gs1Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(Gs1Error::Syntax)?;
            let text = std::str::from_utf8(hex).map_err(|_| Gs1Error::Syntax)?;
            out.push(u8::from_str_radix(text, 16).map_err(|_| Gs1Error::Syntax)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GTIN: &str = "09506000134352";

    fn full(expiry: (u16, u8, Option<u8>)) -> impl Fn(&Gs1) {
        move |gs1: &Gs1| {
            assert_eq!(gs1.gtin.as_str(), GTIN);
            assert_eq!(gs1.batch.as_deref(), Some("ABC123"));
            assert_eq!(gs1.serial.as_deref(), Some("XYZ"));
            let date = gs1.expiry.unwrap();
            assert_eq!((date.year(), date.month(), date.day()), expiry);
        }
    }

    #[test]
    fn gtins() {
        assert_eq!(Gtin::parse(GTIN).unwrap().as_str(), GTIN);
        assert_eq!(
            Gtin::parse("4006381333931").unwrap().as_str(),
            "04006381333931"
        );
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        assert_eq!(Gtin::parse("4006381333932"), Err(Gs1Error::CheckDigit));
        for bad in ["", "123", "400638133393", "40063813339310", "400638133393a"] {
            assert!(Gtin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bracketed() {
        let check = full((2020, 12, Some(25)));
        check(&parse("(01)09506000134352(17)201225(10)ABC123(21)XYZ").unwrap());
        check(&parse("(01)09506000134352(10)ABC123(21)XYZ(17)201225").unwrap());
        // Unknown AIs are skipped; a "(" that opens no AI belongs to the value.
        let gs1 = parse("(01)09506000134352(11)200101(10)A(B(240)X").unwrap();
        assert_eq!(gs1.batch.as_deref(), Some("A(B"));
        assert_eq!(parse("(10)ABC"), Err(Gs1Error::NoGtin));
        assert_eq!(parse("(01)09506000134353"), Err(Gs1Error::CheckDigit));
        assert_eq!(
            parse("(01)9506000134352"),
            Err(Gs1Error::Value { ai: "01" })
        );
        assert_eq!(parse("(01)"), Err(Gs1Error::Syntax));
        assert_eq!(parse("(1)09506000134352"), Err(Gs1Error::Syntax));
        assert_eq!(
            parse("(01)09506000134352(01)09506000134352"),
            Err(Gs1Error::Duplicate { ai: "01" })
        );
    }

    #[test]
    fn element_strings() {
        let check = full((2020, 12, Some(25)));
        let gs = "\u{1d}";
        let raw = format!("01{GTIN}1720122510ABC123{gs}21XYZ");
        check(&parse(&raw).unwrap());
        for prefix in ["]C1", "]d2", "]Q3", "]e0", gs, "]d2\u{1d}"] {
            check(&parse(&format!("{prefix}{raw}")).unwrap());
        }
        // Fixed-length fields may be followed by a GS; variable ones may end the string with one.
        check(&parse(&format!("01{GTIN}{gs}17201225{gs}10ABC123{gs}21XYZ{gs}")).unwrap());
        // Unknown AIs: predefined-length ones by length, others up to the GS.
        let gs1 = parse(&format!("]d201{GTIN}11200101240ABC{gs}3103000123{gs}10L1")).unwrap();
        assert_eq!(gs1.batch.as_deref(), Some("L1"));
        assert_eq!(parse("]X001234"), Err(Gs1Error::NotGs1));
        assert_eq!(
            parse(&format!("01{GTIN}17201232")),
            Err(Gs1Error::Value { ai: "17" })
        );
        assert_eq!(parse(&format!("01{GTIN}1720122")), Err(Gs1Error::Syntax));
        assert_eq!(parse(&format!("01{GTIN}10")), Err(Gs1Error::Syntax));
        assert_eq!(
            parse(&format!("01{GTIN}10{}", "A".repeat(21))),
            Err(Gs1Error::Value { ai: "10" })
        );
        assert_eq!(parse(&format!("01{GTIN}10AB CD")), Err(Gs1Error::Syntax));
        assert_eq!(
            parse(&format!("01{GTIN}{gs}{gs}10A")),
            Err(Gs1Error::Syntax)
        );
    }

    #[test]
    fn expiry_dates() {
        let date = |yymmdd: &str| Expiry::parse(yymmdd.as_bytes());
        assert_eq!(date("240229").map(|d| d.last_day()), Some(29));
        assert_eq!(date("250229"), None);
        assert_eq!(date("250431"), None);
        assert_eq!(date("251300"), None);
        assert_eq!(date("250000"), None);
        let end_of_month = date("250200").unwrap();
        assert_eq!(end_of_month.day(), None);
        assert_eq!(end_of_month.last_day(), 28);
        assert_eq!(date("991231").unwrap().year(), 2099);
    }

    #[test]
    fn digital_links() {
        let check = full((2020, 12, Some(25)));
        for url in [
            "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=201225",
            "HTTP://example.com/01/09506000134352/10/ABC123/21/XYZ?17=201225&linkType=gs1:pip",
            "id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=201225",
            "https://brand.example/shop/01/09506000134352/22/V1/10/ABC%31%323/21/XYZ/?17=201225#x",
            "https://id.gs1.org/01/9506000134352/10/ABC123/21/XYZ?3103=000123&17=201225",
        ] {
            check(&parse(url).unwrap());
        }
        let plain = parse("https://id.gs1.org/01/09506000134352").unwrap();
        assert_eq!(plain.batch, None);
        for (url, error) in [
            ("https://id.gs1.org/02/09506000134352", Gs1Error::NotGs1),
            ("https://id.gs1.org/01/09506000134353", Gs1Error::CheckDigit),
            (
                "https://id.gs1.org/01/09506000134352/21/X/10/Y",
                Gs1Error::Syntax,
            ),
            ("https://id.gs1.org/01/09506000134352/10", Gs1Error::Syntax),
            (
                "https://id.gs1.org/01/09506000134352/99/X",
                Gs1Error::Syntax,
            ),
            (
                "https://id.gs1.org/01/09506000134352/10/A%2",
                Gs1Error::Syntax,
            ),
            (
                "https://id.gs1.org/01/09506000134352/10/A%20B",
                Gs1Error::Value { ai: "10" },
            ),
            (
                "https://id.gs1.org/01/09506000134352?10=A",
                Gs1Error::Syntax,
            ),
            (
                "https://id.gs1.org/01/09506000134352?17=201225&17=201225",
                Gs1Error::Duplicate { ai: "17" },
            ),
            (
                "https://id.gs1.org/01/09506000134352?17=201299",
                Gs1Error::Value { ai: "17" },
            ),
            ("/01/09506000134352", Gs1Error::NotGs1),
        ] {
            assert_eq!(parse(url), Err(error), "{url}");
        }
    }

    #[test]
    fn bare_gtins_and_non_gs1() {
        assert_eq!(
            parse("4006381333931").unwrap().gtin.as_str(),
            "04006381333931"
        );
        assert_eq!(parse("4006381333932"), Err(Gs1Error::CheckDigit));
        for text in ["", "hello", "RMA1732617672C6", "1Z999AA10123456784"] {
            assert_eq!(parse(text), Err(Gs1Error::NotGs1), "{text}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,60}") {
            let _ = parse(&text);
        }

        #[test]
        fn gs1_shaped_text_never_panics(text in "(\\]d2|\\(|01|https://x/01/)[0-9A-Z()/%?=&\\x1d]{0,40}") {
            let _ = parse(&text);
        }
    }
}
