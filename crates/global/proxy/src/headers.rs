//! Which headers cross the proxy, and the `X-Forwarded-*` it adds.

use std::fmt::Write as _;
use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::policy::{Cidr, canonical};

/// The legacy header the original proxy took its target from; the route checks it, and it is
/// never passed on.
pub const LEGACY_TARGET_HEADER: &str = "x-eckwms-target-url";

pub(crate) const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
pub(crate) const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub(crate) const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
pub(crate) const X_FORWARDED_PREFIX: HeaderName = HeaderName::from_static("x-forwarded-prefix");

/// The pseudonym this proxy writes into `Via` (RFC 9110 section 7.6.3). A request that already
/// carries it has come round through this proxy (an instance registered at the global
/// service's own address): it is refused instead of forwarded again.
pub const VIA_PSEUDONYM: &str = "eckwms-global";

/// Whether a `Via` header of `headers` names this proxy.
pub(crate) fn has_passed_here(headers: &HeaderMap) -> bool {
    headers.get_all(header::VIA).any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',').any(|hop| {
                hop.split_whitespace()
                    .nth(1)
                    .is_some_and(|received_by| received_by.eq_ignore_ascii_case(VIA_PSEUDONYM))
            })
        })
    })
}

/// `Via` with this hop appended, as `<protocol> eckwms-global`.
fn via_with_this_hop(from: &HeaderMap, version: actix_web::http::Version) -> Option<HeaderValue> {
    let protocol = match version {
        actix_web::http::Version::HTTP_09 => "0.9",
        actix_web::http::Version::HTTP_10 => "1.0",
        actix_web::http::Version::HTTP_2 => "2",
        actix_web::http::Version::HTTP_3 => "3",
        _ => "1.1",
    };
    let mut via = String::new();
    for value in from.get_all(header::VIA) {
        if let Ok(v) = value.to_str() {
            via.push_str(v.trim());
            via.push_str(", ");
        }
    }
    via.push_str(protocol);
    via.push(' ');
    via.push_str(VIA_PSEUDONYM);
    HeaderValue::try_from(via).ok()
}

/// Hop-by-hop headers (RFC 9110 section 7.6.1), plus the `Proxy-*` family: never forwarded in
/// either direction. `Content-Length` is not copied either: the body's known size sets it.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        *name,
        header::CONNECTION
            | header::TE
            | header::TRAILER
            | header::TRANSFER_ENCODING
            | header::UPGRADE
            | header::PROXY_AUTHENTICATE
            | header::PROXY_AUTHORIZATION
            | header::CONTENT_LENGTH
    ) || {
        let s = name.as_str();
        s == "keep-alive" || s.starts_with("proxy-")
    }
}

/// Whether `name` is listed in one of the `Connection` header values (those are hop-by-hop too).
fn named_by_connection(connection: &[&HeaderValue], name: &HeaderName) -> bool {
    connection.iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|token| token.trim().eq_ignore_ascii_case(name.as_str()))
        })
    })
}

/// Headers the upstream must not see from the client: ours to set (`Host`, `X-Forwarded-*`),
/// `Expect` (actix already answered `100 Continue`), and the legacy target header.
fn is_request_only(name: &HeaderName) -> bool {
    matches!(*name, header::HOST | header::EXPECT | header::VIA)
        || *name == X_FORWARDED_FOR
        || *name == X_FORWARDED_PROTO
        || *name == X_FORWARDED_HOST
        || *name == X_FORWARDED_PREFIX
        || name.as_str() == LEGACY_TARGET_HEADER
}

/// Copies the end-to-end headers of `from` into `to`.
fn copy_end_to_end(from: &HeaderMap, to: &mut HeaderMap, skip: impl Fn(&HeaderName) -> bool) {
    // Allocates only when the message has a Connection header.
    let connection: Vec<&HeaderValue> = if from.contains_key(header::CONNECTION) {
        from.get_all(header::CONNECTION).collect()
    } else {
        Vec::new()
    };
    for (name, value) in from.iter() {
        if is_hop_by_hop(name) || skip(name) {
            continue;
        }
        if !connection.is_empty() && named_by_connection(&connection, name) {
            continue;
        }
        to.append(name.clone(), value.clone());
    }
}

/// The request headers the upstream receives: the client's end-to-end headers, then
/// `X-Forwarded-For` (the chain so far, plus the peer), `X-Forwarded-Proto`,
/// `X-Forwarded-Host` (what the client used, or what a trusted proxy reports), and
/// `X-Forwarded-Prefix` (the path prefix the proxy stripped). `Host` is set by the client
/// library to the upstream's address.
pub(crate) fn request_headers(
    req: &HttpRequest,
    to: &mut HeaderMap,
    prefix: &str,
    trusted: &[Cidr],
) {
    let from = req.headers();
    copy_end_to_end(from, to, is_request_only);

    let peer = req.peer_addr().map(|a| canonical(a.ip()));
    let peer_trusted = peer.is_some_and(|ip| is_trusted(ip, trusted));

    // X-Forwarded-For: earlier hops' values, then the peer.
    let mut chain = String::new();
    for value in from.get_all(&X_FORWARDED_FOR) {
        if let Ok(v) = value.to_str() {
            if !chain.is_empty() {
                chain.push_str(", ");
            }
            chain.push_str(v.trim());
        }
    }
    if let Some(ip) = peer {
        if !chain.is_empty() {
            chain.push_str(", ");
        }
        // Writing into a String cannot fail.
        let _ = write!(chain, "{ip}");
    }
    if let Ok(v) = HeaderValue::try_from(chain)
        && !v.is_empty()
    {
        to.insert(X_FORWARDED_FOR, v);
    }

    let from_trusted = |name: &HeaderName| {
        if peer_trusted {
            from.get(name).cloned()
        } else {
            None
        }
    };
    let proto = from_trusted(&X_FORWARDED_PROTO).unwrap_or_else(|| {
        HeaderValue::from_static(if req.app_config().secure() {
            "https"
        } else {
            "http"
        })
    });
    to.insert(X_FORWARDED_PROTO, proto);
    if let Some(host) = from_trusted(&X_FORWARDED_HOST).or_else(|| from.get(header::HOST).cloned())
    {
        to.insert(X_FORWARDED_HOST, host);
    }
    if !prefix.is_empty()
        && let Ok(v) = HeaderValue::from_str(prefix)
    {
        to.insert(X_FORWARDED_PREFIX, v);
    }
    if let Some(via) = via_with_this_hop(from, req.version()) {
        to.insert(header::VIA, via);
    }
}

/// The response headers the client receives: the upstream's end-to-end headers, and `Via`
/// with this hop (`version`: the upstream's protocol).
pub(crate) fn response_headers(
    from: &HeaderMap,
    to: &mut HeaderMap,
    version: actix_web::http::Version,
) {
    copy_end_to_end(from, to, |name| *name == header::VIA);
    if let Some(via) = via_with_this_hop(from, version) {
        to.insert(header::VIA, via);
    }
}

fn is_trusted(ip: IpAddr, trusted: &[Cidr]) -> bool {
    trusted.iter().any(|net| net.contains(ip))
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// `X-Forwarded-For` chain is read from the right and the first address that is not a trusted
/// proxy is the client (the leftmost, when all are trusted). Entries that do not parse end the
/// walk at the last good address. `None` only when the connection has no peer address.
pub fn client_ip(req: &HttpRequest, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let mut client = peer;
    // Header values are walked last to first, entries within each value right to left.
    let values: Vec<&HeaderValue> = req.headers().get_all(&X_FORWARDED_FOR).collect();
    for value in values.iter().rev() {
        let Ok(text) = value.to_str() else {
            return Some(client);
        };
        for entry in text.rsplit(',') {
            match parse_forwarded_ip(entry.trim()) {
                Some(ip) => {
                    client = ip;
                    if !is_trusted(ip, trusted) {
                        return Some(ip);
                    }
                }
                None => return Some(client),
            }
        }
    }
    Some(client)
}

/// An address as it appears in `X-Forwarded-For`: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:80`.
fn parse_forwarded_ip(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = entry.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn trusted() -> Vec<Cidr> {
        vec!["10.0.0.0/8".parse().unwrap()]
    }

    #[test]
    fn hop_by_hop_and_connection_named_headers_are_dropped() {
        let req = TestRequest::default()
            .insert_header(("connection", "keep-alive, X-Secret-Hop"))
            .insert_header(("keep-alive", "timeout=5"))
            .insert_header(("x-secret-hop", "1"))
            .insert_header(("proxy-authorization", "Basic x"))
            .insert_header(("proxy-foo", "1"))
            .insert_header(("te", "trailers"))
            .insert_header(("trailer", "x-t"))
            .insert_header(("upgrade", "websocket"))
            .insert_header(("expect", "100-continue"))
            .insert_header(("host", "global.example"))
            .insert_header(("content-length", "0"))
            .insert_header(("x-eckwms-target-url", "http://evil.example/"))
            .insert_header(("authorization", "Bearer abc"))
            .insert_header(("x-custom", "kept"))
            .peer_addr("192.0.2.1:5555".parse().unwrap())
            .to_http_request();
        let mut out = HeaderMap::new();
        request_headers(&req, &mut out, "/ECK/PROXY/i1", &[]);
        for gone in [
            "connection",
            "keep-alive",
            "x-secret-hop",
            "proxy-authorization",
            "proxy-foo",
            "te",
            "trailer",
            "upgrade",
            "expect",
            "host",
            "content-length",
            "x-eckwms-target-url",
        ] {
            assert!(!out.contains_key(gone), "{gone} was forwarded");
        }
        assert_eq!(out.get("authorization").unwrap(), "Bearer abc");
        assert_eq!(out.get("x-custom").unwrap(), "kept");
        assert_eq!(out.get("x-forwarded-for").unwrap(), "192.0.2.1");
        assert_eq!(out.get("x-forwarded-proto").unwrap(), "http");
        assert_eq!(out.get("x-forwarded-host").unwrap(), "global.example");
        assert_eq!(out.get("x-forwarded-prefix").unwrap(), "/ECK/PROXY/i1");
    }

    #[test]
    fn via_names_this_hop_and_recognises_it() {
        let req = TestRequest::default()
            .insert_header(("via", "1.0 fred, 1.1 p.example (Apache/1.1)"))
            .peer_addr("192.0.2.1:5555".parse().unwrap())
            .to_http_request();
        assert!(!has_passed_here(req.headers()));
        let mut out = HeaderMap::new();
        request_headers(&req, &mut out, "/p", &[]);
        assert_eq!(
            out.get("via").unwrap(),
            "1.0 fred, 1.1 p.example (Apache/1.1), 1.1 eckwms-global"
        );
        assert_eq!(out.get_all("via").count(), 1);
        assert!(has_passed_here(&out));
        let mut looped = HeaderMap::new();
        looped.insert(header::VIA, HeaderValue::from_static("2 ECKWMS-GLOBAL"));
        assert!(has_passed_here(&looped));
        let mut other = HeaderMap::new();
        other.insert(
            header::VIA,
            HeaderValue::from_static("1.1 eckwms-global-mirror"),
        );
        assert!(!has_passed_here(&other));
    }

    #[test]
    fn forwarded_headers_from_untrusted_peers_are_replaced_and_chain_appended() {
        let req = TestRequest::default()
            .insert_header(("x-forwarded-for", "198.51.100.7"))
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header(("x-forwarded-host", "spoofed.example"))
            .insert_header(("x-forwarded-prefix", "/spoof"))
            .insert_header(("host", "global.example"))
            .peer_addr("192.0.2.1:5555".parse().unwrap())
            .to_http_request();
        let mut out = HeaderMap::new();
        request_headers(&req, &mut out, "/p", &trusted());
        assert_eq!(
            out.get("x-forwarded-for").unwrap(),
            "198.51.100.7, 192.0.2.1"
        );
        assert_eq!(out.get("x-forwarded-proto").unwrap(), "http");
        assert_eq!(out.get("x-forwarded-host").unwrap(), "global.example");
        assert_eq!(out.get("x-forwarded-prefix").unwrap(), "/p");
        assert_eq!(out.get_all("x-forwarded-for").count(), 1);
    }

    #[test]
    fn a_trusted_peer_reports_proto_and_host() {
        let req = TestRequest::default()
            .insert_header(("x-forwarded-for", "198.51.100.7"))
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header(("x-forwarded-host", "eck.example"))
            .insert_header(("host", "10.0.0.5:8080"))
            .peer_addr("10.0.0.2:5555".parse().unwrap())
            .to_http_request();
        let mut out = HeaderMap::new();
        request_headers(&req, &mut out, "/p", &trusted());
        assert_eq!(
            out.get("x-forwarded-for").unwrap(),
            "198.51.100.7, 10.0.0.2"
        );
        assert_eq!(out.get("x-forwarded-proto").unwrap(), "https");
        assert_eq!(out.get("x-forwarded-host").unwrap(), "eck.example");
    }

    #[test]
    fn client_ip_believes_only_trusted_proxies() {
        let untrusted = TestRequest::default()
            .insert_header(("x-forwarded-for", "198.51.100.7"))
            .peer_addr("192.0.2.1:1".parse().unwrap())
            .to_http_request();
        assert_eq!(
            client_ip(&untrusted, &trusted()),
            Some("192.0.2.1".parse().unwrap())
        );
        let behind_lb = TestRequest::default()
            .insert_header(("x-forwarded-for", "203.0.113.1, 198.51.100.7, 10.1.1.1"))
            .peer_addr("10.0.0.2:1".parse().unwrap())
            .to_http_request();
        assert_eq!(
            client_ip(&behind_lb, &trusted()),
            Some("198.51.100.7".parse().unwrap()),
            "the spoofable leftmost entry is not believed"
        );
        let garbage = TestRequest::default()
            .insert_header(("x-forwarded-for", "nonsense, 10.1.1.1"))
            .peer_addr("10.0.0.2:1".parse().unwrap())
            .to_http_request();
        assert_eq!(
            client_ip(&garbage, &trusted()),
            Some("10.1.1.1".parse().unwrap())
        );
        let ports = TestRequest::default()
            .insert_header(("x-forwarded-for", "[2001:db8::5]:443"))
            .peer_addr("[::ffff:10.0.0.2]:1".parse().unwrap())
            .to_http_request();
        assert_eq!(
            client_ip(&ports, &trusted()),
            Some("2001:db8::5".parse().unwrap())
        );
    }

    #[test]
    fn response_hop_by_hop_headers_are_dropped() {
        let mut from = HeaderMap::new();
        from.insert(header::CONNECTION, HeaderValue::from_static("x-hop"));
        from.insert(
            HeaderName::from_static("x-hop"),
            HeaderValue::from_static("1"),
        );
        from.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        from.insert(
            HeaderName::from_static("keep-alive"),
            HeaderValue::from_static("timeout=5"),
        );
        from.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        from.append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
        from.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        let mut to = HeaderMap::new();
        response_headers(&from, &mut to, actix_web::http::Version::HTTP_2);
        assert_eq!(to.get(header::VIA).unwrap(), "2 eckwms-global");
        assert!(!to.contains_key("x-hop"));
        assert!(!to.contains_key(header::TRANSFER_ENCODING));
        assert!(!to.contains_key("keep-alive"));
        assert!(!to.contains_key(header::CONNECTION));
        assert_eq!(to.get(header::CONTENT_TYPE).unwrap(), "text/plain");
        assert_eq!(to.get_all(header::SET_COOKIE).count(), 2);
    }
}
