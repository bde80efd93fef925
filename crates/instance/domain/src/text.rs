//! Validated text values: the names, codes and notes people read.
//!
//! Every text a person reads somewhere (a screen, a label, a list) must show what it holds, and
//! two texts that look the same must be the same. So a text
//!
//! - is not empty and has at most its kind's number of characters;
//! - neither starts nor ends with whitespace (`" Shelf A1"` and `"Shelf A1"` would look alike;
//!   refused rather than trimmed, so that what is stored is what was sent);
//! - contains at least one visible character: a letter, digit, punctuation or symbol that is not
//!   blank (a lone space, NBSP or combining mark, a Hangul filler, the braille blank are not);
//! - contains no control characters, no format characters (the bidirectional embeddings,
//!   overrides, isolates and marks U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C that
//!   make a text display in another order than it reads, as `"abc\u{202E}gpj.exe"` shows
//!   `abcexe.jpg`; the zero-width characters U+200B–U+200D and U+2060; the BOM U+FEFF; the soft
//!   hyphen; the tag characters), no line or paragraph separators (U+2028, U+2029), and no
//!   code points without a meaning of their own here: noncharacters (U+FDD0–U+FDEF and the last
//!   two of every plane, U+FFFE, U+FFFF, ...), private-use characters (shown differently by
//!   every system) and unassigned code points (of Unicode 18; surrogates cannot occur in a
//!   Rust string, and JSON's `\ud800` escapes are refused by the JSON parser already).
//!
//! Whitespace inside a text (`"Shelf A1"`, NBSP between words) is kept. Emoji are symbols and
//! pass; emoji sequences joined by U+200D (ZWJ) and the Persian ZWNJ U+200C are refused with the
//! other zero-width characters: invisible, they make different texts look the same.
//!
//! Values stored before these rules are read back with [`Text::from_stored`], which checks only
//! what was checked when they were written.

use std::fmt;

use serde::{Serialize, Serializer};
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::error::FieldError;

/// A text of at most `MAX` characters that shows what it holds (see the module).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<const MAX: usize>(String);

/// What is wrong with a character, if anything.
fn refusal(c: char) -> Option<&'static str> {
    match c.general_category() {
        GeneralCategory::Control => Some("must not contain control characters"),
        GeneralCategory::Format => Some(
            "must not contain invisible formatting characters (zero-width, byte order mark, \
             or characters that change the direction of the text)",
        ),
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            Some("must not contain line or paragraph separators")
        }
        GeneralCategory::PrivateUse | GeneralCategory::Surrogate | GeneralCategory::Unassigned => {
            Some("must not contain unassigned, private-use or noncharacter code points")
        }
        _ => None,
    }
}

/// Characters of a visible category that show nothing: the Hangul fillers (letters that
/// render blank) and the braille pattern blank.
const BLANK: [char; 5] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}', '\u{2800}'];

/// Whether the character shows something by itself.
fn is_visible(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    ) && !BLANK.contains(&c)
}

/// The rule a text broke, if any.
fn check<const MAX: usize>(value: &str) -> Option<String> {
    let len = value.chars().count();
    if len == 0 {
        return Some("must not be empty".into());
    }
    if len > MAX {
        return Some(format!("must have at most {MAX} characters"));
    }
    if let Some(refused) = value.chars().find_map(refusal) {
        let code_point = value.chars().find(|&c| refusal(c).is_some());
        return Some(match code_point {
            Some(c) => format!("{refused} (U+{:04X})", u32::from(c)),
            None => refused.to_owned(),
        });
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Some("must not start or end with whitespace".into());
    }
    if !value.chars().any(is_visible) {
        return Some("must contain a visible character".into());
    }
    None
}

impl<const MAX: usize> Text<MAX> {
    /// A text given by someone, checked against every rule of the module.
    pub fn new(field: &str, value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        match check::<MAX>(&value) {
            Some(message) => Err(FieldError::new(field, message)),
            None => Ok(Self(value)),
        }
    }

    /// A text read back from storage: checked only against the rules every stored text met
    /// when it was written (not empty, at most `MAX` characters, no control characters), so
    /// that values stored before the stricter rules of [`Text::new`] still read.
    pub fn from_stored(field: &str, value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        let len = value.chars().count();
        if len == 0 || len > MAX || value.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                format!("is not a stored text of 1 to {MAX} characters without control characters"),
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> Serialize for Text<MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<const MAX: usize> AsRef<str> for Text<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Names of things people read: warehouses, racks, places, boxes, items.
pub type Name = Text<200>;
/// Short codes: serials, class codes, prefixes, references, conditions.
pub type Code = Text<100>;
/// Free text: action messages, reasons, addresses.
pub type Note = Text<4000>;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn message(value: &str) -> Option<String> {
        Text::<200>::new("name", value).err().map(|e| e.message)
    }

    #[test]
    fn bounds_are_in_characters() {
        assert!(Text::<3>::new("f", "äöü").is_ok());
        assert!(Text::<3>::new("f", "äöüx").is_err());
        assert_eq!(
            Text::<3>::new("name", "").unwrap_err(),
            FieldError::new("name", "must not be empty")
        );
        assert!(Text::<10>::new("f", "a\u{0}b").is_err());
        assert!(Text::<10>::new("f", "a\nb").is_err());
    }

    #[test]
    fn texts_that_show_nothing_are_refused() {
        for blank in [
            " ",
            "   ",
            "\u{A0}",
            "\u{3000}",
            "\u{2800}",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{301}",
        ] {
            assert!(message(blank).is_some(), "{blank:?}");
        }
        assert_eq!(
            message("\u{301}\u{302}").as_deref(),
            Some("must contain a visible character")
        );
    }

    #[test]
    fn invisible_and_direction_changing_characters_are_refused() {
        for (text, code_point) in [
            ("abc\u{202E}gpj.exe", "U+202E"),
            ("\u{202A}Shelf", "U+202A"),
            ("Shelf\u{2066}A\u{2069}", "U+2066"),
            ("Sh\u{200B}elf", "U+200B"),
            ("Sh\u{200C}elf", "U+200C"),
            ("Sh\u{200D}elf", "U+200D"),
            ("Sh\u{2060}elf", "U+2060"),
            ("\u{FEFF}Shelf", "U+FEFF"),
            ("Shelf\u{200F}", "U+200F"),
            ("Shelf\u{AD}A", "U+00AD"),
            ("Shelf\u{E0041}", "U+E0041"),
            ("Shelf\u{2028}A", "U+2028"),
            ("Shelf\u{2029}A", "U+2029"),
            ("Shelf\u{FFFF}", "U+FFFF"),
            ("Shelf\u{FFFE}", "U+FFFE"),
            ("Shelf\u{FDD0}", "U+FDD0"),
            ("Shelf\u{1FFFF}", "U+1FFFF"),
            ("Shelf\u{10FFFF}", "U+10FFFF"),
            ("Shelf\u{E000}", "U+E000"),
            ("Shelf\u{F0000}", "U+F0000"),
            ("Shelf\u{378}", "U+0378"),
            ("Shelf\u{85}", "U+0085"),
        ] {
            let refused = message(text).unwrap_or_else(|| panic!("{text:?} was accepted"));
            assert!(refused.contains(code_point), "{text:?}: {refused}");
        }
    }

    #[test]
    fn surrounding_whitespace_is_refused_inner_whitespace_kept() {
        for padded in [
            " Shelf",
            "Shelf ",
            "\u{A0}Shelf",
            "Shelf\u{3000}",
            "Shelf\t",
        ] {
            assert!(message(padded).is_some(), "{padded:?}");
        }
        for fine in [
            "Shelf A1",
            "Regal\u{A0}3",
            "Gerät für Prüfung",
            "Склад 2",
            "倉庫",
            "מחסן א",
            "مخزن",
            "e\u{301}tage",
            "Box 📦",
            "❤\u{FE0F} fragile",
            "-",
            "#1",
        ] {
            assert_eq!(message(fine), None, "{fine:?}");
        }
    }

    #[test]
    fn stored_texts_read_back_under_the_rules_they_were_written_with() {
        for legacy in [" padded ", "\u{A0}", "a\u{202E}b", "\u{FEFF}x"] {
            assert!(Text::<200>::new("name", legacy).is_err());
            assert_eq!(
                Text::<200>::from_stored("name", legacy).unwrap().as_str(),
                legacy
            );
        }
        assert!(Text::<3>::from_stored("name", "").is_err());
        assert!(Text::<3>::from_stored("name", "abcd").is_err());
        assert!(Text::<3>::from_stored("name", "a\nb").is_err());
    }

    proptest! {
        #[test]
        fn accepted_texts_show_something_and_hide_nothing(value in any::<String>()) {
            if let Ok(text) = Text::<200>::new("name", value.clone()) {
                let s = text.as_str();
                prop_assert!(s.chars().any(is_visible));
                prop_assert!(s.chars().all(|c| refusal(c).is_none()));
                prop_assert!(!s.starts_with(char::is_whitespace));
                prop_assert!(!s.ends_with(char::is_whitespace));
                prop_assert!(s.chars().count() <= 200);
                // Whatever the rules accept, storage reads back.
                prop_assert!(Text::<200>::from_stored("name", value).is_ok());
            }
        }

        #[test]
        fn a_visible_text_with_an_invisible_character_inside_is_refused(
            head in "[A-Za-z0-9]{1,20}",
            tail in "[A-Za-z0-9]{1,20}",
            hidden in prop::sample::select(vec![
                '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{202A}',
                '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
                '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}', '\u{FFFE}', '\u{FFFF}',
                '\u{FDD0}', '\u{FDEF}', '\u{7}', '\u{7F}', '\u{9F}',
            ]),
        ) {
            let value = format!("{head}{hidden}{tail}");
            prop_assert!(Text::<200>::new("name", value).is_err());
        }
    }
}
