//! Where a request goes: a registered instance's scheme, IP address and port. Never a URL.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use actix_web::http::uri::{Authority, Scheme as UriScheme};
use serde::Deserialize;

use crate::policy::{AddressPolicy, Refusal, canonical};

/// The scheme an instance serves on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked upstream: built from the fields of a registered instance record (never from a URL a
/// client sent), and only when the address passes the [`AddressPolicy`]. Cheap to clone.
///
/// The forwarder checks the address again against its own policy before connecting, so an
/// `Upstream` made under a looser policy than the forwarder's is still refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    scheme: Scheme,
    addr: SocketAddr,
    authority: Authority,
}

impl Upstream {
    /// The upstream at `ip:port` over `scheme`, if `policy` allows it. An IPv4-mapped IPv6
    /// address is stored as the IPv4 address.
    pub fn new(
        scheme: Scheme,
        ip: IpAddr,
        port: u16,
        policy: &AddressPolicy,
    ) -> Result<Self, Refusal> {
        let ip = canonical(ip);
        policy.check_socket(ip, port)?;
        let addr = SocketAddr::new(ip, port);
        // `SocketAddr`'s display brackets IPv6 (`[::1]:80`), which is the authority form.
        let authority = Authority::try_from(addr.to_string()).map_err(|_| Refusal::Reserved)?;
        Ok(Self {
            scheme,
            addr,
            authority,
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ip:port` (IPv6 in brackets): the `Host` the upstream receives.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    pub(crate) fn uri_scheme(&self) -> UriScheme {
        match self.scheme {
            Scheme::Http => UriScheme::HTTP,
            Scheme::Https => UriScheme::HTTPS,
        }
    }
}

/// Reads an origin URL of the form `http://IP[:PORT][/]` or `https://...` (IPv6 in brackets;
/// default ports 80 and 443) into its parts; anything else (a host name, a path, a query,
/// user info) is `None`. Meant for the legacy `X-eckWMS-Target-Url` header: the route compares
/// the parts with the instance's registered candidates and, on a match, builds the [`Upstream`]
/// from the registered record, never from the header.
pub fn parse_origin(url: &str) -> Option<(Scheme, IpAddr, u16)> {
    let (scheme, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (Scheme::Http, rest)
    } else {
        (Scheme::Https, strip_prefix_ignore_case(url, "https://")?)
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let default_port = match scheme {
        Scheme::Http => 80,
        Scheme::Https => 443,
    };
    if let Ok(addr) = authority.parse::<SocketAddr>() {
        return Some((scheme, canonical(addr.ip()), addr.port()));
    }
    if let Some(v6) = authority
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
    {
        let ip = v6.parse::<std::net::Ipv6Addr>().ok()?;
        return Some((scheme, canonical(IpAddr::V6(ip)), default_port));
    }
    let ip = authority.parse::<std::net::Ipv4Addr>().ok()?;
    Some((scheme, IpAddr::V4(ip), default_port))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_authority_and_canonicalises_mapped_addresses() {
        let open = AddressPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        let v4 = Upstream::new(
            Scheme::Http,
            "::ffff:127.0.0.1".parse().unwrap(),
            8080,
            &open,
        )
        .unwrap();
        assert_eq!(v4.authority().as_str(), "127.0.0.1:8080");
        assert_eq!(v4.to_string(), "http://127.0.0.1:8080");
        let v6 = Upstream::new(Scheme::Https, "::1".parse().unwrap(), 443, &open).unwrap();
        assert_eq!(v6.authority().as_str(), "[::1]:443");
        assert_eq!(v6.to_string(), "https://[::1]:443");
    }

    #[test]
    fn parses_origins_and_nothing_more() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            parse_origin("http://192.0.2.5:3100"),
            Some((Scheme::Http, ip("192.0.2.5"), 3100))
        );
        assert_eq!(
            parse_origin("HTTPS://192.0.2.5/"),
            Some((Scheme::Https, ip("192.0.2.5"), 443))
        );
        assert_eq!(
            parse_origin("http://[2001:db8::1]:8080"),
            Some((Scheme::Http, ip("2001:db8::1"), 8080))
        );
        assert_eq!(
            parse_origin("http://[::ffff:192.0.2.5]"),
            Some((Scheme::Http, ip("192.0.2.5"), 80))
        );
        for bad in [
            "",
            "http://",
            "ftp://192.0.2.5",
            "http://example.com",
            "http://192.0.2.5/api",
            "http://192.0.2.5?x=1",
            "http://user@192.0.2.5",
            "http://192.0.2.5:99999",
            "192.0.2.5:80",
            "http://2001:db8::1",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_what_the_policy_refuses() {
        let strict = AddressPolicy::default();
        assert_eq!(
            Upstream::new(Scheme::Http, "127.0.0.1".parse().unwrap(), 80, &strict),
            Err(Refusal::Loopback)
        );
        assert_eq!(
            Upstream::new(
                Scheme::Http,
                "169.254.169.254".parse().unwrap(),
                80,
                &strict
            ),
            Err(Refusal::Metadata)
        );
        assert_eq!(
            Upstream::new(Scheme::Http, "8.8.8.8".parse().unwrap(), 0, &strict),
            Err(Refusal::Port)
        );
    }
}
