//! Check characters (reference section 2): `crc32(text) & 1023` as two Base32 symbols, high 5 bits
//! first. Printed large on labels (so a person can match a label to a screen) and used as the last
//! two characters of RMA codes. Ten bits catch all but one in 1024 random typos: enough to tell a
//! mistyped code from a real one, not a security measure.

use crate::base32;

/// The 10-bit check value of a text: the low 10 bits of its CRC-32 (IEEE, as zlib).
pub fn check_value(text: &str) -> u16 {
    (crc32fast::hash(text.as_bytes()) & 1023) as u16
}

/// The two check characters of a text, e.g. `"C6"` for `"1732617672"`.
pub fn check_chars(text: &str) -> String {
    let [high, low] = check_symbols(text);
    [char::from(high), char::from(low)].into_iter().collect()
}

/// The check characters as ASCII bytes, without allocating.
pub(crate) fn check_symbols(text: &str) -> [u8; 2] {
    base32::ten_bits(check_value(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `check_chars` vectors of eck-v1-vectors.json, made by the original implementation.
    const VECTORS: [(&str, &str); 10] = [
        ("0", "R1"),
        ("1", "WP"),
        ("7", "L2"),
        ("42", "48"),
        ("1000", "QP"),
        ("123456", "U1"),
        ("9999999", "YB"),
        ("1732617672", "C6"),
        ("RMA1732617672", "BR"),
        ("000000000000000042", "7U"),
    ];

    #[test]
    fn matches_the_original() {
        for (input, check) in VECTORS {
            assert_eq!(check_chars(input), check, "{input}");
            assert_eq!(&check_symbols(input), check.as_bytes());
        }
    }

    #[test]
    fn values_stay_in_ten_bits() {
        assert_eq!(check_value(""), 0);
        assert!(check_value("anything at all") < 1024);
    }
}
