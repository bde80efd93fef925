//! Validated text values: trimmed of nothing, never empty, bounded, free of control characters.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::FieldError;

/// A non-empty text of at most `MAX` characters without control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    pub fn new(field: &str, value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        let len = value.chars().count();
        if len == 0 {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if len > MAX {
            return Err(FieldError::new(
                field,
                format!("must have at most {MAX} characters"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain control characters",
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
}
