//! The link to the global service: where it is and the key it gave this instance.

use std::fmt;

/// The global service's base URL: `http://` or `https://`, a host, optionally a port and a
/// path prefix, no query, no fragment, no credentials; kept without a trailing slash so that
/// routes are appended as they are (`<url>/ECK/API/...`).
#[derive(Clone, PartialEq, Eq)]
pub struct GlobalUrl(String);

impl GlobalUrl {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim().trim_end_matches('/');
        let lower = text.to_ascii_lowercase();
        let rest = if let Some(rest) = lower.strip_prefix("https://") {
            rest
        } else if let Some(rest) = lower.strip_prefix("http://") {
            rest
        } else {
            return Err("must start with http:// or https://");
        };
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err("must name a host");
        }
        if text.len() > 2000 {
            return Err("must be at most 2000 characters");
        }
        if text
            .chars()
            .any(|c| !c.is_ascii_graphic() || matches!(c, '?' | '#' | '@'))
        {
            return Err("must be printable ASCII without a query, a fragment or credentials");
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GlobalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for GlobalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GlobalUrl({:?})", self.0)
    }
}

/// The key the global service gave this instance at its registration: a secret, sent with
/// every heartbeat; `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct InstanceKey(String);

impl InstanceKey {
    /// Any visible ASCII text (the global service decides what its keys look like).
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() || text.len() > 200 || !text.chars().all(|c| c.is_ascii_graphic()) {
            return Err("must be 1 to 200 visible ASCII characters");
        }
        Ok(Self(text.to_owned()))
    }

    /// The key itself, for the one header that carries it and for storing it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InstanceKey([secret])")
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_or_https_without_a_trailing_slash() {
        assert_eq!(
            GlobalUrl::parse(" https://global.example/ ")
                .unwrap()
                .as_str(),
            "https://global.example"
        );
        assert_eq!(
            GlobalUrl::parse("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "",
            "global.example",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q",
            "https://u:p@x",
        ] {
            assert!(GlobalUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_never_shows() {
        let key = InstanceKey::parse("ecki_abc_secret").unwrap();
        assert_eq!(key.expose(), "ecki_abc_secret");
        assert!(!format!("{key:?} {key}").contains("secret_"));
        assert!(!format!("{key:?}{key}").contains("abc"));
        assert!(InstanceKey::parse("").is_err());
        assert!(InstanceKey::parse("a\nb").is_err());
    }
}
