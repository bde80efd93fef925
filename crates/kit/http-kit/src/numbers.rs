//! Integers in paths and query strings, for both services: one spelling per number.
//!
//! `str::parse` also reads `05`, `+5` and `-0`, so one number had several spellings: two
//! requests naming the same object looked different (to a cache, a log search, an idempotency
//! fingerprint) and a typo such as `01` for `10` went through unnoticed. Only the form the
//! services write themselves is read.

/// A decimal integer as the services write it: an optional `-`, then `0` or a digit 1-9
/// followed by digits, within `i64`. Leading zeros, a `+`, `-0`, spaces, an empty text and
/// out-of-range numbers are `None`.
pub fn decimal_i64(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = match digits.as_bytes() {
        [] => false,
        // `0`, but not `-0`.
        [b'0'] => digits.len() == text.len(),
        [first, rest @ ..] => (b'1'..=b'9').contains(first) && rest.iter().all(u8::is_ascii_digit),
    };
    if canonical { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_the_written_form_is_read() {
        for (text, number) in [
            ("0", 0),
            ("1", 1),
            ("10", 10),
            ("500", 500),
            ("-1", -1),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ] {
            assert_eq!(decimal_i64(text), Some(number), "{text}");
        }
        for text in [
            "",
            "-",
            "+",
            "01",
            "05",
            "00",
            "-0",
            "-01",
            "+5",
            " 5",
            "5 ",
            "5.0",
            "1e3",
            "0x10",
            "１",
            "9223372036854775808",
            "--1",
        ] {
            assert_eq!(decimal_i64(text), None, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn every_number_reads_back_from_its_text(n in any::<i64>()) {
            prop_assert_eq!(decimal_i64(&n.to_string()), Some(n));
        }

        #[test]
        fn a_text_is_read_only_when_it_is_the_number_written_again(text in "[-+0-9 ]{0,22}") {
            if let Some(n) = decimal_i64(&text) {
                prop_assert_eq!(n.to_string(), text);
            }
        }
    }
}
