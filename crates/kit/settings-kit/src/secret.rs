//! [`Secret`]: a setting whose value must never reach a log line, an error message or a
//! `{:?}` of the settings.

use serde::Deserialize;

/// What `Debug` and `Display` print instead of the value: the same for every secret, set or
/// empty, so that nothing about the value (not even its length) leaks.
pub const REDACTED: &str = "[secret]";

/// A secret setting (a label code key, the operator key, a database URL that may carry a
/// password). Read from configuration like a string; printed only as [`REDACTED`]. The one
/// place that needs the value asks for it with [`Secret::expose`], which makes every use easy
/// to find.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the code that uses it (a decoder, a key check, a connection).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty or white space only: an unset secret turns its feature off.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new(VALUE);
        for shown in [
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{secret}"),
            format!("{secret:>40}"),
            format!("{:?}", Some(&secret)),
            format!("{:?}", vec![secret.clone()]),
        ] {
            assert!(!shown.contains(VALUE), "{shown}");
            assert!(!shown.contains("0123"), "{shown}");
            assert!(shown.contains(REDACTED), "{shown}");
        }
    }

    #[test]
    fn a_struct_deriving_debug_shows_the_redaction_only() {
        #[derive(Debug, Deserialize)]
        struct Section {
            #[allow(dead_code)]
            key: Secret,
        }
        let section: Section = serde_json::from_str(&format!("{{\"key\": \"{VALUE}\"}}")).unwrap();
        assert_eq!(section.key.expose(), VALUE);
        let shown = format!("{section:?}");
        assert_eq!(shown, "Section { key: [secret] }");
    }

    #[test]
    fn empty_and_blank_secrets_are_blank_and_print_the_same() {
        assert!(Secret::default().is_blank());
        assert!(Secret::new("  ").is_blank());
        assert!(!Secret::new(VALUE).is_blank());
        assert_eq!(format!("{:?}", Secret::default()), REDACTED);
        assert_eq!(format!("{}", Secret::new(" ")), REDACTED);
    }
}
