//! The path an upstream receives: the raw remainder of the client's path. Pure.

/// The raw (still percent-encoded) path after the first `segments` segments of `path`, with
/// its leading `/`; `/` when nothing is left. For the route `/ECK/PROXY/{instance_id}/{path...}`
/// call it with 3: `/ECK/PROXY/abc/api/v1/items` gives `/api/v1/items`, `/ECK/PROXY/abc` and
/// `/ECK/PROXY/abc/` give `/`. Taking the raw path (not actix's decoded match info) keeps
/// `%2F` and friends exactly as the client sent them.
pub fn remainder_after_segments(path: &str, segments: usize) -> &str {
    let mut rest = path;
    for _ in 0..segments {
        let trimmed = rest.strip_prefix('/').unwrap_or(rest);
        rest = match trimmed.find('/') {
            Some(at) => &trimmed[at..],
            None => "",
        };
    }
    if rest.is_empty() { "/" } else { rest }
}

/// Why a path is not forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the path must start with a single /")]
    NotAbsolutePath,
    #[error("the path must not contain . or .. segments (plain or percent-encoded)")]
    DotSegment,
    #[error("the path must not contain backslashes, NUL or control characters")]
    ForbiddenCharacter,
}

/// Checks that `path` (raw, percent-encoded, no query) is an origin-form path that names
/// something below the upstream's root and nothing else: it starts with exactly one `/` (so
/// never `//host/...`, which some servers read as a scheme-relative URL, and never an
/// absolute URI like `http://host/`), and has no `.`/`..` segment, written plainly or
/// percent-encoded (`%2e%2E`), also when the segment is delimited by an encoded slash or a
/// backslash, which some servers treat as separators. No backslash, NUL or control byte either.
pub fn check_path(path: &str) -> Result<(), PathError> {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') || bytes.get(1) == Some(&b'/') {
        return Err(PathError::NotAbsolutePath);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' || b < 0x20 || b == 0x7f {
            return Err(PathError::ForbiddenCharacter);
        }
        if b == b'%' {
            match decode_pct(bytes, i) {
                Some(0) | Some(b'\\') => return Err(PathError::ForbiddenCharacter),
                Some(c) if c < 0x20 || c == 0x7f => return Err(PathError::ForbiddenCharacter),
                _ => {}
            }
        }
        i += 1;
    }
    // Segments: split at '/', '%2F' and '%5C'; a segment made only of '.' / '%2E' units that
    // counts one or two dots is a dot segment.
    let mut dots = 0usize;
    let mut other = false;
    let mut i = 1;
    loop {
        let at_end = i >= bytes.len();
        let (separator, width) = if at_end {
            (true, 0)
        } else if bytes[i] == b'/' {
            (true, 1)
        } else if bytes[i] == b'%' && matches!(decode_pct(bytes, i), Some(b'/' | b'\\')) {
            (true, 3)
        } else {
            (false, 0)
        };
        if separator {
            if !other && (dots == 1 || dots == 2) {
                return Err(PathError::DotSegment);
            }
            if at_end {
                return Ok(());
            }
            dots = 0;
            other = false;
            i += width;
            continue;
        }
        if bytes[i] == b'.' {
            dots += 1;
            i += 1;
        } else if bytes[i] == b'%' && decode_pct(bytes, i) == Some(b'.') {
            dots += 1;
            i += 3;
        } else {
            other = true;
            i += 1;
        }
    }
}

fn decode_pct(bytes: &[u8], at: usize) -> Option<u8> {
    let hi = hex(*bytes.get(at + 1)?)?;
    let lo = hex(*bytes.get(at + 2)?)?;
    Some(hi << 4 | lo)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn remainder_strips_the_prefix_segments() {
        assert_eq!(
            remainder_after_segments("/ECK/PROXY/abc/api/v1?x", 3),
            "/api/v1?x"
        );
        assert_eq!(
            remainder_after_segments("/ECK/PROXY/abc/api/v1/", 3),
            "/api/v1/"
        );
        assert_eq!(remainder_after_segments("/ECK/PROXY/abc", 3), "/");
        assert_eq!(remainder_after_segments("/ECK/PROXY/abc/", 3), "/");
        assert_eq!(
            remainder_after_segments("/ECK/PROXY/a%2Fb/x%2Fy", 3),
            "/x%2Fy"
        );
        assert_eq!(remainder_after_segments("/ECK/PROXY/abc//x", 3), "//x");
        assert_eq!(remainder_after_segments("/a", 0), "/a");
    }

    #[test]
    fn accepts_ordinary_paths() {
        for ok in [
            "/",
            "/api/v1/items",
            "/api/v1/items/",
            "/a/.hidden",
            "/a/...",
            "/a/..b",
            "/a/b..",
            "/file.tar.gz",
            "/x%20y",
            "/x%2Fy",
            "/%E2%82%AC",
            "/a/%2e%2e%2e",
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_escapes() {
        let cases = [
            ("", PathError::NotAbsolutePath),
            ("api", PathError::NotAbsolutePath),
            ("//evil.example/x", PathError::NotAbsolutePath),
            ("http://evil.example/", PathError::NotAbsolutePath),
            ("/..", PathError::DotSegment),
            ("/../etc/passwd", PathError::DotSegment),
            ("/a/../../b", PathError::DotSegment),
            ("/a/./b", PathError::DotSegment),
            ("/a/.", PathError::DotSegment),
            ("/%2e%2e/x", PathError::DotSegment),
            ("/%2E./x", PathError::DotSegment),
            ("/.%2e", PathError::DotSegment),
            ("/a%2F..%2Fb", PathError::DotSegment),
            ("/a%2f%2e%2e", PathError::DotSegment),
            ("/a%5C..%5Cb", PathError::ForbiddenCharacter),
            ("/a\\..\\b", PathError::ForbiddenCharacter),
            ("/a%00b", PathError::ForbiddenCharacter),
            ("/a%0d%0aX-Injected:%201", PathError::ForbiddenCharacter),
        ];
        for (path, error) in cases {
            assert_eq!(check_path(path), Err(error), "{path}");
        }
    }

    proptest! {
        // Whatever the segments, a path with a `..` segment somewhere is refused.
        #[test]
        fn any_path_with_a_dotdot_segment_is_refused(
            before in proptest::collection::vec("[a-zA-Z0-9_~-]{1,8}", 0..4),
            after in proptest::collection::vec("[a-zA-Z0-9_~-]{1,8}", 0..4),
            dotdot in prop::sample::select(vec!["..", "%2e%2e", "%2E.", ".%2E", "."]),
        ) {
            let mut path = String::new();
            for s in &before { path.push('/'); path.push_str(s); }
            path.push('/');
            path.push_str(dotdot);
            for s in &after { path.push('/'); path.push_str(s); }
            prop_assert_eq!(check_path(&path), Err(PathError::DotSegment));
        }

        // Paths made of ordinary segments always pass.
        #[test]
        fn ordinary_paths_pass(segments in proptest::collection::vec("[a-zA-Z0-9_~.-]{0,8}", 0..6)) {
            let path = format!("/{}", segments.join("/"));
            prop_assume!(!path.starts_with("//"));
            prop_assume!(!path.split('/').any(|s| s == "." || s == ".."));
            prop_assert_eq!(check_path(&path), Ok(()));
        }

        // Never panics, whatever the input.
        #[test]
        fn never_panics(path in "\\PC{0,40}") {
            let _ = check_path(&path);
            let _ = remainder_after_segments(&path, 3);
        }
    }
}
