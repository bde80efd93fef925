//! The one request body type both services read: `application/json`, in UTF-8.
//!
//! A body the service reads as JSON must say it is JSON, and nothing else: a `+json` type
//! (`application/problem+json`, `application/vnd.api+json`) names another format with rules of
//! its own, and another charset would be decoded as UTF-8 all the same (JSON text exchanged
//! between systems is UTF-8, RFC 8259 section 8.1). Accepting them would promise what the
//! service does not do.

/// Whether a `Content-Type` value announces a body this service reads: the media type
/// `application/json` (any case), with no parameter other than `charset=utf-8` (any case,
/// quoted or not). Absent, `application/problem+json`, `application/json; charset=latin1` and
/// `text/json` are not.
pub fn is_json(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|parameter| {
        let Some((name, value)) = parameter.split_once('=') else {
            return false;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        name.trim().eq_ignore_ascii_case("charset") && value.eq_ignore_ascii_case("utf-8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_application_json_in_utf_8_is_json() {
        for accepted in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json ; charset = \"utf-8\"",
        ] {
            assert!(is_json(Some(accepted)), "{accepted}");
        }
        for refused in [
            "application/vnd.api+json",
            "application/problem+json",
            "application/merge-patch+json",
            "application/json; charset=latin1",
            "application/json; charset=iso-8859-1",
            "application/json; charset=utf-16",
            "application/json; charset=",
            "application/json;",
            "application/json; version=2",
            "application/json; charset=utf-8; boundary=x",
            "application/jsonx",
            "application/json x",
            "text/json",
            "text/plain",
            "",
        ] {
            assert!(!is_json(Some(refused)), "{refused}");
        }
        assert!(!is_json(None));
    }
}
