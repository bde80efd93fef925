//! What ECK label codes of both versions share: the three hosts, the instance suffix, the framing
//! of a scanned text, key parsing and the errors.

use std::fmt;

/// The host that starts every ECK label text. Each label carries three QR codes, one per host, so
/// that a damaged code has two spares and a phone that opens the text as a URL reaches the global
/// service's public page through any of three domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    Eck1,
    Eck2,
    Eck3,
}

impl Host {
    pub const ALL: [Host; 3] = [Host::Eck1, Host::Eck2, Host::Eck3];

    /// Length of every host prefix.
    pub const LEN: usize = 9;

    /// The printed prefix, e.g. `ECK1.COM/`.
    pub fn prefix(self) -> &'static str {
        match self {
            Host::Eck1 => "ECK1.COM/",
            Host::Eck2 => "ECK2.COM/",
            Host::Eck3 => "ECK3.COM/",
        }
    }

    /// 1, 2 or 3.
    pub fn number(self) -> u8 {
        match self {
            Host::Eck1 => 1,
            Host::Eck2 => 2,
            Host::Eck3 => 3,
        }
    }

    pub fn from_number(number: u8) -> Option<Host> {
        Host::ALL.into_iter().find(|host| host.number() == number)
    }

    /// Reads a host prefix. Host names are case-insensitive, and a scanner that treats the text
    /// as a URL may lower-case the host while leaving the path alone; so the host is matched
    /// without regard to case (the payload after it is not).
    fn read(text: &[u8]) -> Option<Host> {
        let prefix = text.get(..Host::LEN)?;
        Host::ALL
            .into_iter()
            .find(|host| prefix.eq_ignore_ascii_case(host.prefix().as_bytes()))
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// The two-character instance suffix that ends every label text (the original's `M3`). A label
/// with another suffix belongs to another instance.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suffix([u8; 2]);

impl Suffix {
    /// The original's suffix.
    pub const DEFAULT: Suffix = Suffix(*b"M3");

    /// Two characters from `0-9` and `A-Z`: upper case keeps the QR code in alphanumeric mode,
    /// and letters and digits need no escaping in a URL.
    pub fn new(text: &str) -> Result<Suffix, ConfigError> {
        match text.as_bytes() {
            &[a, b] if Self::allowed(a) && Self::allowed(b) => Ok(Suffix([a, b])),
            _ => Err(ConfigError::Suffix),
        }
    }

    fn allowed(c: u8) -> bool {
        c.is_ascii_digit() || c.is_ascii_uppercase()
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits get in, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    pub(crate) fn bytes(self) -> [u8; 2] {
        self.0
    }
}

impl Default for Suffix {
    fn default() -> Self {
        Suffix::DEFAULT
    }
}

impl fmt::Display for Suffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Suffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Suffix({})", self.as_str())
    }
}

/// Why a label text did not give an id. `NotALabel` means the text is not ours at all; every other
/// variant means it is shaped like an ECK label but cannot be trusted, and the operator should
/// look at the label rather than have the text stored as some other barcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("not an ECK label")]
    NotALabel,
    #[error("an ECK label of the wrong length or with characters outside its alphabet")]
    Malformed,
    #[error("an ECK label of another instance (wrong suffix)")]
    WrongSuffix,
    #[error("no key is configured for ECK v{version} labels")]
    NoKey { version: u8 },
    #[error("an ECK v2 label made with key id {key_id}, which is not configured")]
    UnknownKeyId { key_id: u16 },
    #[error("the ECK label does not authenticate: damaged, altered, or made with another key")]
    Forged,
    #[error("the ECK label authenticates but does not hold an id")]
    BadPayload,
    #[error("no active ECK v2 key is configured: new labels cannot be printed")]
    NoActiveKey,
}

/// Why code configuration was refused. Never carries key material: a message names the setting
/// and the rule, not the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{setting}: expected {expected} hexadecimal characters")]
    KeyLength {
        setting: &'static str,
        expected: usize,
    },
    #[error("{setting}: not hexadecimal")]
    KeyHex { setting: &'static str },
    #[error("{setting}: a key id is a number from 0 to 1023")]
    KeyId { setting: &'static str },
    #[error("codes.v2_retired_keys: entry {entry} is not ID:HEX")]
    RetiredEntry { entry: usize },
    #[error("ECK v2 key id {key_id} is configured more than once")]
    DuplicateKeyId { key_id: u16 },
    #[error("instance suffix: two characters from 0-9 and A-Z")]
    Suffix,
}

/// Largest ECK v2 key id: two Base32 symbols hold 10 bits.
pub const MAX_KEY_ID: u16 = 1023;

/// Parses a hexadecimal key (either case, surrounding whitespace ignored).
pub(crate) fn parse_hex_key<const N: usize>(
    text: &str,
    setting: &'static str,
) -> Result<[u8; N], ConfigError> {
    let digits = text.trim().as_bytes();
    if digits.len() != 2 * N {
        return Err(ConfigError::KeyLength {
            setting,
            expected: 2 * N,
        });
    }
    let mut key = [0u8; N];
    for (byte, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
        let high = hex_value(pair[0]).ok_or(ConfigError::KeyHex { setting })?;
        let low = hex_value(pair[1]).ok_or(ConfigError::KeyHex { setting })?;
        *byte = high << 4 | low;
    }
    Ok(key)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// A scanned text with the scanner's decorations removed and its ECK host read.
pub(crate) struct Framed<'a> {
    pub host: Host,
    /// Everything after the host prefix.
    pub body: &'a [u8],
}

/// Removes surrounding whitespace (scanners append CR, LF or TAB) and a leading `http://` or
/// `https://` (some scanners add one to any QR text that looks like a domain), then reads the
/// host. `None` when the text does not start with an ECK host.
pub(crate) fn frame(raw: &str) -> Option<Framed<'_>> {
    let text = strip_scheme(raw.trim()).as_bytes();
    let host = Host::read(text)?;
    Some(Framed {
        host,
        body: &text[Host::LEN..],
    })
}

/// Removes a leading `http://` or `https://`, in any case.
pub(crate) fn strip_scheme(text: &str) -> &str {
    for scheme in ["http://", "https://"] {
        if let Some(head) = text.get(..scheme.len())
            && head.eq_ignore_ascii_case(scheme)
        {
            return &text[scheme.len()..];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for host in Host::ALL {
            assert_eq!(host.prefix().len(), Host::LEN);
            assert_eq!(Host::from_number(host.number()), Some(host));
        }
        assert_eq!(Host::from_number(0), None);
        assert_eq!(Host::from_number(4), None);
    }

    #[test]
    fn suffixes() {
        assert_eq!(Suffix::default().as_str(), "M3");
        assert_eq!(Suffix::new("K7").unwrap().to_string(), "K7");
        for bad in ["", "M", "M33", "m3", "M-", "Мз"] {
            assert_eq!(Suffix::new(bad), Err(ConfigError::Suffix), "{bad}");
        }
    }

    #[test]
    fn framing_strips_whitespace_and_scheme() {
        for raw in [
            "ECK1.COM/ABC",
            " ECK1.COM/ABC\r\n",
            "http://ECK1.COM/ABC",
            "HTTPS://eck1.com/ABC\t",
        ] {
            let framed = frame(raw).unwrap();
            assert_eq!(framed.host, Host::Eck1);
            assert_eq!(framed.body, b"ABC");
        }
        assert_eq!(frame("ECK3.COM/").unwrap().host, Host::Eck3);
        for raw in ["ECK4.COM/ABC", "ftp://ECK1.COM/ABC", "ECK1.COM", "", "é"] {
            assert!(frame(raw).is_none(), "{raw}");
        }
    }

    #[test]
    fn hex_keys() {
        let key: [u8; 2] = parse_hex_key(" 0aFf ", "k").unwrap();
        assert_eq!(key, [0x0A, 0xFF]);
        assert_eq!(
            parse_hex_key::<2>("0aF", "k"),
            Err(ConfigError::KeyLength {
                setting: "k",
                expected: 4
            })
        );
        assert_eq!(
            parse_hex_key::<2>("0aFg", "k"),
            Err(ConfigError::KeyHex { setting: "k" })
        );
        assert!(parse_hex_key::<2>("0é0", "k").is_err());
    }
}
