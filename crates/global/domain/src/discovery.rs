//! Where a scanner can reach an instance: its LAN addresses first (only for callers that
//! belong to the instance), the global proxy last (for everyone).

use std::net::IpAddr;

use crate::instance::Instance;

/// Priority of the global proxy candidate: after every LAN candidate.
pub const PROXY_PRIORITY: u32 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    LocalLan,
    GlobalProxy,
}

impl CandidateKind {
    /// The wire name of the reference (`LOCAL_LAN`, `GLOBAL_PROXY`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LocalLan => "LOCAL_LAN",
            Self::GlobalProxy => "GLOBAL_PROXY",
        }
    }
}

/// One way to reach an instance; lower priority first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub url: String,
    pub kind: CandidateKind,
    pub priority: u32,
    pub reason: &'static str,
}

/// The URL of an instance's LAN address: `http://ip:port` (IPv6 in brackets).
pub fn lan_url(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

/// The proxy URL of an instance under the service's public base URL (no trailing slash).
pub fn proxy_url(public_base: &str, instance: &Instance) -> String {
    format!(
        "{}/ECK/PROXY/{}",
        public_base.trim_end_matches('/'),
        instance.id
    )
}

/// The candidates, in order: each LAN address as reported (priorities 10, 20, ...) when
/// `include_lan`, then the global proxy.
pub fn candidates(instance: &Instance, public_base: &str, include_lan: bool) -> Vec<Candidate> {
    let mut out = Vec::with_capacity(instance.local_ips.len() + 1);
    if include_lan {
        for (i, ip) in instance.local_ips.iter().enumerate() {
            out.push(Candidate {
                url: lan_url(*ip, instance.port),
                kind: CandidateKind::LocalLan,
                priority: u32::try_from(i + 1)
                    .unwrap_or(u32::MAX / 10)
                    .saturating_mul(10),
                reason: "LAN address reported by the instance; reachable on its network",
            });
        }
    }
    out.push(Candidate {
        url: proxy_url(public_base, instance),
        kind: CandidateKind::GlobalProxy,
        priority: PROXY_PRIORITY,
        reason: "through the global service; reachable from anywhere",
    });
    out
}

/// Why the proxy will not forward to an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyTargetError {
    /// The legacy target header names an address that is not one of the instance's candidates.
    NotRegistered,
    /// No address is known (never happens for a registered instance; kept for stored data).
    NoAddress,
}

/// Where the proxy forwards a request for `instance`: its public address (the one its
/// registration or last heartbeat came from) on its port, or, when the legacy
/// `X-eckWMS-Target-Url` header named one of its LAN candidates (`legacy`: the header's
/// address and port, plain HTTP), that candidate. Never an address the client invented.
pub fn proxy_target(
    instance: &Instance,
    legacy: Option<(IpAddr, u16)>,
) -> Result<(IpAddr, u16), ProxyTargetError> {
    match legacy {
        Some((ip, port)) => {
            if port == instance.port && instance.local_ips.contains(&ip) {
                Ok((ip, port))
            } else {
                Err(ProxyTargetError::NotRegistered)
            }
        }
        None => instance
            .public_addr
            .map(|ip| (ip, instance.port))
            .ok_or(ProxyTargetError::NoAddress),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::instance::{InstanceId, InstanceName, InstanceStatus, ServerPublicKey, Tier};

    fn instance() -> Instance {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Instance {
            id: InstanceId::parse("0b0e6f3a12344abc8def0123456789ab").unwrap(),
            name: InstanceName::parse("A").unwrap(),
            tier: Tier::Free,
            status: InstanceStatus::Active,
            server_public_key: ServerPublicKey::parse(
                "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29",
            )
            .unwrap(),
            local_ips: vec!["192.168.1.5".parse().unwrap(), "fd00::5".parse().unwrap()],
            port: 3100,
            public_addr: None,
            registered_at: at,
            last_seen: at,
        }
    }

    #[test]
    fn lan_first_then_the_proxy() {
        let c = candidates(&instance(), "https://g.example/", true);
        let urls: Vec<&str> = c.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://192.168.1.5:3100",
                "http://[fd00::5]:3100",
                "https://g.example/ECK/PROXY/0b0e6f3a-1234-4abc-8def-0123456789ab"
            ]
        );
        assert_eq!(
            c.iter().map(|c| c.priority).collect::<Vec<_>>(),
            [10, 20, 100]
        );
        assert_eq!(c[2].kind.as_str(), "GLOBAL_PROXY");
    }

    #[test]
    fn strangers_get_the_proxy_only() {
        let c = candidates(&instance(), "https://g.example", false);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, CandidateKind::GlobalProxy);
    }

    #[test]
    fn the_proxy_goes_to_the_public_address_or_a_registered_candidate() {
        let mut i = instance();
        assert_eq!(proxy_target(&i, None), Err(ProxyTargetError::NoAddress));
        i.public_addr = Some("203.0.113.9".parse().unwrap());
        assert_eq!(
            proxy_target(&i, None),
            Ok(("203.0.113.9".parse().unwrap(), 3100))
        );
        let lan = "192.168.1.5".parse().unwrap();
        assert_eq!(proxy_target(&i, Some((lan, 3100))), Ok((lan, 3100)));
        assert_eq!(
            proxy_target(&i, Some((lan, 3101))),
            Err(ProxyTargetError::NotRegistered)
        );
        let metadata = "169.254.169.254".parse().unwrap();
        assert_eq!(
            proxy_target(&i, Some((metadata, 3100))),
            Err(ProxyTargetError::NotRegistered)
        );
    }
}
