//! Users: the people who log in, and the rules of their names and secrets.

use crate::error::FieldError;

/// Longest username, in characters.
pub const MAX_USERNAME: usize = 64;
/// Shortest and longest password, in characters.
pub const PASSWORD_CHARS: (usize, usize) = (10, 256);
/// Shortest and longest PIN, in digits.
pub const PIN_DIGITS: (usize, usize) = (4, 8);

/// A username: 1 to 64 characters of `A-Z a-z 0-9 . _ @ -`. Unique without regard to case:
/// [`Username::key`] is what the database keeps unique.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn new(field: &str, text: &str) -> Result<Self, FieldError> {
        let ok = (1..=MAX_USERNAME).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "must be 1 to {MAX_USERNAME} characters of A-Z, a-z, 0-9, '.', '_', '@', '-'"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name in lower case: two usernames with the same key are the same user.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// Checks a new password: 10 to 256 characters, not only whitespace. Nothing else is asked of
/// it (length is what makes a password strong; composition rules make them predictable).
pub fn check_password(field: &str, password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    let (min, max) = PASSWORD_CHARS;
    if chars < min || chars > max {
        return Err(FieldError::new(
            field,
            format!("must be {min} to {max} characters"),
        ));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new(field, "must not be only whitespace"));
    }
    Ok(())
}

/// Checks a PIN: 4 to 8 ASCII digits.
pub fn check_pin(field: &str, pin: &str) -> Result<(), FieldError> {
    let (min, max) = PIN_DIGITS;
    if (min..=max).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be {min} to {max} digits"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_compare_without_case() {
        let a = Username::new("username", "Anna.K").unwrap();
        let b = Username::new("username", "anna.k").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.key(), b.key());
        for bad in ["", "a b", "anna!", "ä", &"a".repeat(65)] {
            assert!(Username::new("username", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_and_pins_are_checked() {
        assert!(check_password("password", "correct horse").is_ok());
        assert!(check_password("password", "short").is_err());
        assert!(check_password("password", &" ".repeat(12)).is_err());
        assert!(check_password("password", &"x".repeat(257)).is_err());
        assert!(check_pin("pin", "0420").is_ok());
        assert!(check_pin("pin", "12345678").is_ok());
        for bad in ["123", "123456789", "12a4", "١٢٣٤"] {
            assert!(check_pin("pin", bad).is_err(), "{bad:?}");
        }
    }
}
