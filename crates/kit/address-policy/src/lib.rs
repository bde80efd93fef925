//! Which addresses a service may connect to on someone else's behalf. Pure: no I/O, no actix.
//!
//! The global proxy checks its upstreams with it and the instance its webhook targets: both
//! connect to addresses that are data, not configuration.
//!
//! The proxy connects only to addresses an instance registered, but a registered address is
//! still data an outsider could influence (an instance reports its own addresses). So every
//! upstream address passes [`AddressPolicy::check`] before a connection is opened, and the
//! check refuses whatever would let a client reach the global server itself or the cloud it
//! runs on: loopback, unspecified, link-local, multicast and broadcast, cloud metadata
//! endpoints, reserved ranges, and (unless allowed) private networks. IPv6 forms that embed an
//! IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
//! `64:ff9b::a.b.c.d`) are judged by the IPv4 address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// Cloud metadata and platform endpoints that are never a valid upstream, whatever the
/// settings say. Most sit in ranges refused anyway; they are listed so the refusal names them.
///
/// - `169.254.169.254`: AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle (IMDS).
/// - `169.254.170.2`: AWS ECS task metadata.
/// - `169.254.169.253`: AWS DNS resolver in a VPC.
/// - `100.100.100.200`: Alibaba Cloud metadata.
/// - `192.0.0.192`: Oracle Cloud metadata (legacy).
/// - `168.63.129.16`: Azure wire server (platform DNS, health probes, agent).
pub const METADATA_V4: [Ipv4Addr; 6] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(169, 254, 169, 253),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(192, 0, 0, 192),
    Ipv4Addr::new(168, 63, 129, 16),
];

/// IPv6 metadata endpoints: `fd00:ec2::254` (AWS IMDS over IPv6) and `fd00:ec2::23` (AWS DNS).
pub const METADATA_V6: [Ipv6Addr; 2] = [
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254),
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23),
];

/// Why an address was refused. The variants are stable; `code` gives a machine name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `0.0.0.0`, `::`, `0.0.0.0/8` ("this network").
    Unspecified,
    /// `127.0.0.0/8`, `::1`; allowed only with `allow_loopback`.
    Loopback,
    /// A cloud metadata or platform endpoint (see [`METADATA_V4`], [`METADATA_V6`]).
    Metadata,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `240.0.0.0/4`, documentation ranges, and IPv6 forms with no unicast meaning here.
    Reserved,
    /// `10/8`, `172.16/12`, `192.168/16`, `100.64/10`, `fc00::/7`; allowed only with `allow_private`.
    Private,
    /// Port 0.
    Port,
}

impl Refusal {
    /// A stable machine-readable name, e.g. `loopback`.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unspecified => "unspecified",
            Refusal::Loopback => "loopback",
            Refusal::Metadata => "metadata",
            Refusal::LinkLocal => "link_local",
            Refusal::Multicast => "multicast",
            Refusal::Broadcast => "broadcast",
            Refusal::Reserved => "reserved",
            Refusal::Private => "private",
            Refusal::Port => "port",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Refusal::Unspecified => "an unspecified address",
            Refusal::Loopback => "a loopback address",
            Refusal::Metadata => "a cloud metadata address",
            Refusal::LinkLocal => "a link-local address",
            Refusal::Multicast => "a multicast address",
            Refusal::Broadcast => "the broadcast address",
            Refusal::Reserved => "a reserved address",
            Refusal::Private => "a private network address",
            Refusal::Port => "port 0",
        };
        write!(f, "the upstream is {what}")
    }
}

impl std::error::Error for Refusal {}

/// The rule an upstream address must pass. `Default` refuses loopback and private networks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Let loopback through (tests, a proxy and instance on one host). Never lets metadata through.
    pub allow_loopback: bool,
    /// Let private networks through (a global service inside the instances' own network).
    pub allow_private: bool,
}

impl AddressPolicy {
    /// `Ok` when the proxy may connect to `ip`, otherwise the reason it may not.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refusal> {
        match ip {
            IpAddr::V4(v4) => self.check_v4(v4),
            IpAddr::V6(v6) => match embedded_v4(v6) {
                Some(v4) => self.check_v4(v4),
                None => self.check_v6(v6),
            },
        }
    }

    /// [`check`](Self::check) plus a non-zero port.
    pub fn check_socket(&self, ip: IpAddr, port: u16) -> Result<(), Refusal> {
        if port == 0 {
            return Err(Refusal::Port);
        }
        self.check(ip)
    }

    fn check_v4(&self, ip: Ipv4Addr) -> Result<(), Refusal> {
        let [a, b, c, _] = ip.octets();
        if METADATA_V4.contains(&ip) {
            return Err(Refusal::Metadata);
        }
        if a == 0 {
            return Err(Refusal::Unspecified);
        }
        if a == 127 {
            return if self.allow_loopback {
                Ok(())
            } else {
                Err(Refusal::Loopback)
            };
        }
        if a == 169 && b == 254 {
            return Err(Refusal::LinkLocal);
        }
        if ip.is_broadcast() {
            return Err(Refusal::Broadcast);
        }
        if (224..=239).contains(&a) {
            return Err(Refusal::Multicast);
        }
        if a >= 240 {
            return Err(Refusal::Reserved);
        }
        // IETF protocol assignments (192.0.0.0/24), documentation (192.0.2/24, 198.51.100/24,
        // 203.0.113/24), benchmarking (198.18/15): never a deployed instance.
        let reserved = (a == 192 && b == 0 && (c == 0 || c == 2))
            || (a == 198 && b == 51 && c == 100)
            || (a == 203 && b == 0 && c == 113)
            || (a == 198 && (b & 0xfe) == 18);
        if reserved {
            return Err(Refusal::Reserved);
        }
        let private = a == 10
            || (a == 172 && (b & 0xf0) == 16)
            || (a == 192 && b == 168)
            || (a == 100 && (b & 0xc0) == 64);
        if private && !self.allow_private {
            return Err(Refusal::Private);
        }
        Ok(())
    }

    fn check_v6(&self, ip: Ipv6Addr) -> Result<(), Refusal> {
        let s = ip.segments();
        if METADATA_V6.contains(&ip) {
            return Err(Refusal::Metadata);
        }
        if ip.is_unspecified() {
            return Err(Refusal::Unspecified);
        }
        if ip.is_loopback() {
            return if self.allow_loopback {
                Ok(())
            } else {
                Err(Refusal::Loopback)
            };
        }
        if (s[0] & 0xffc0) == 0xfe80 {
            return Err(Refusal::LinkLocal);
        }
        if (s[0] & 0xff00) == 0xff00 {
            return Err(Refusal::Multicast);
        }
        // Deprecated site-local (fec0::/10), documentation (2001:db8::/32), discard (100::/64).
        if (s[0] & 0xffc0) == 0xfec0
            || (s[0] == 0x2001 && s[1] == 0x0db8)
            || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
        {
            return Err(Refusal::Reserved);
        }
        if (s[0] & 0xfe00) == 0xfc00 && !self.allow_private {
            return Err(Refusal::Private);
        }
        Ok(())
    }
}

/// The IPv4 address an IPv6 address stands for, if it is one of the forms that reach an IPv4
/// host: IPv4-mapped (`::ffff:0:0/96`), IPv4-compatible (`::/96` except `::` and `::1`), and
/// the NAT64 well-known prefix (`64:ff9b::/96`).
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let head_zero = s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0;
    if head_zero && s[5] == 0xffff {
        return Some(tail);
    }
    if head_zero && s[5] == 0 && !(s[6] == 0 && s[7] <= 1) {
        return Some(tail);
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0 {
        return Some(tail);
    }
    None
}

/// The address as the proxy treats it: an IPv4-mapped IPv6 address becomes the IPv4 address
/// (peers of a dual-stack listener arrive in that form).
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// An address range, `10.0.0.0/8` or `2001:db8::/32` (a bare address is a single host).
/// Deserialized from that text; used for the trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Text that is not an address range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or a CIDR range like 10.0.0.0/8")]
pub struct CidrError(String);

impl Cidr {
    /// The range of `network/prefix`; host bits of `network` are cleared.
    pub fn new(network: IpAddr, prefix: u8) -> Result<Self, CidrError> {
        let max = if network.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(CidrError(format!("{network}/{prefix}")));
        }
        Ok(Self {
            network: mask(network, prefix),
            prefix,
        })
    }

    /// Whether `ip` (taken in its [`canonical`] form) lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.network.is_ipv4() && mask(ip, self.prefix) == self.network
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CidrError(s.to_owned());
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network = canonical(addr.trim().parse::<IpAddr>().map_err(|_| bad())?);
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().map_err(|_| bad())?,
            None if network.is_ipv4() => 32,
            None => 128,
        };
        Cidr::new(network, prefix).map_err(|_| bad())
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `ip` with all but the first `prefix` bits cleared.
pub fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = if prefix == 0 {
                0
            } else {
                bits & (u32::MAX << (32 - u32::from(prefix.min(32))))
            };
            IpAddr::V4(Ipv4Addr::from(kept))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = if prefix == 0 {
                0
            } else {
                bits & (u128::MAX << (128 - u32::from(prefix.min(128))))
            };
            IpAddr::V6(Ipv6Addr::from(kept))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strict() -> AddressPolicy {
        AddressPolicy::default()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_the_dangerous_addresses_with_their_reason() {
        let cases = [
            ("127.0.0.1", Refusal::Loopback),
            ("127.255.1.2", Refusal::Loopback),
            ("::1", Refusal::Loopback),
            ("0.0.0.0", Refusal::Unspecified),
            ("0.1.2.3", Refusal::Unspecified),
            ("::", Refusal::Unspecified),
            ("169.254.169.254", Refusal::Metadata),
            ("169.254.170.2", Refusal::Metadata),
            ("100.100.100.200", Refusal::Metadata),
            ("192.0.0.192", Refusal::Metadata),
            ("168.63.129.16", Refusal::Metadata),
            ("fd00:ec2::254", Refusal::Metadata),
            ("169.254.1.1", Refusal::LinkLocal),
            ("fe80::1", Refusal::LinkLocal),
            ("febf:ffff::1", Refusal::LinkLocal),
            ("224.0.0.1", Refusal::Multicast),
            ("239.255.255.250", Refusal::Multicast),
            ("ff02::1", Refusal::Multicast),
            ("255.255.255.255", Refusal::Broadcast),
            ("240.0.0.1", Refusal::Reserved),
            ("192.0.2.10", Refusal::Reserved),
            ("2001:db8::1", Refusal::Reserved),
            ("10.1.2.3", Refusal::Private),
            ("172.16.0.1", Refusal::Private),
            ("172.31.255.255", Refusal::Private),
            ("192.168.1.1", Refusal::Private),
            ("100.64.0.1", Refusal::Private),
            ("fd12:3456::1", Refusal::Private),
            // IPv4 hidden in IPv6.
            ("::ffff:127.0.0.1", Refusal::Loopback),
            ("::ffff:169.254.169.254", Refusal::Metadata),
            ("::ffff:100.100.100.200", Refusal::Metadata),
            ("::ffff:169.254.7.7", Refusal::LinkLocal),
            ("::ffff:0.0.0.0", Refusal::Unspecified),
            ("::ffff:10.0.0.1", Refusal::Private),
            ("::127.0.0.1", Refusal::Loopback),
            ("::169.254.169.254", Refusal::Metadata),
            ("64:ff9b::169.254.169.254", Refusal::Metadata),
            ("64:ff9b::127.0.0.1", Refusal::Loopback),
        ];
        for (addr, reason) in cases {
            assert_eq!(strict().check(ip(addr)), Err(reason), "{addr}");
        }
    }

    #[test]
    fn lets_public_unicast_through() {
        for addr in [
            "8.8.8.8",
            "93.184.216.34",
            "172.32.0.1",
            "172.15.255.255",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.4.4",
        ] {
            assert_eq!(strict().check(ip(addr)), Ok(()), "{addr}");
        }
    }

    #[test]
    fn allow_loopback_opens_loopback_and_nothing_else() {
        let tests = AddressPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        assert_eq!(tests.check(ip("127.0.0.1")), Ok(()));
        assert_eq!(tests.check(ip("::1")), Ok(()));
        assert_eq!(tests.check(ip("::ffff:127.0.0.1")), Ok(()));
        assert_eq!(tests.check(ip("169.254.169.254")), Err(Refusal::Metadata));
        assert_eq!(tests.check(ip("fe80::1")), Err(Refusal::LinkLocal));
        assert_eq!(tests.check(ip("0.0.0.0")), Err(Refusal::Unspecified));
        assert_eq!(tests.check(ip("10.0.0.1")), Err(Refusal::Private));
    }

    #[test]
    fn allow_private_opens_private_and_never_metadata() {
        let lan = AddressPolicy {
            allow_loopback: false,
            allow_private: true,
        };
        assert_eq!(lan.check(ip("10.0.0.1")), Ok(()));
        assert_eq!(lan.check(ip("fd12::1")), Ok(()));
        assert_eq!(lan.check(ip("100.100.100.200")), Err(Refusal::Metadata));
        assert_eq!(lan.check(ip("fd00:ec2::254")), Err(Refusal::Metadata));
        assert_eq!(lan.check(ip("127.0.0.1")), Err(Refusal::Loopback));
    }

    #[test]
    fn port_zero_is_refused() {
        assert_eq!(strict().check_socket(ip("8.8.8.8"), 0), Err(Refusal::Port));
        assert_eq!(strict().check_socket(ip("8.8.8.8"), 443), Ok(()));
    }

    #[test]
    fn cidr_parses_and_matches() {
        let net: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.200.3.4")));
        assert!(net.contains(ip("::ffff:10.1.1.1")));
        assert!(!net.contains(ip("11.0.0.1")));
        let host: Cidr = "192.0.2.7".parse().unwrap();
        assert!(host.contains(ip("192.0.2.7")));
        assert!(!host.contains(ip("192.0.2.8")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        assert_eq!(v6.to_string(), "2001:db8::/32");
        for bad in ["10.0.0.0/33", "::/129", "ten", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    proptest! {
        // Whatever IPv4 address, its mapped, compatible and NAT64 IPv6 forms get the same answer.
        #[test]
        fn embedded_forms_are_judged_like_their_ipv4(bits in any::<u32>(), loopback in any::<bool>(), private in any::<bool>()) {
            let policy = AddressPolicy { allow_loopback: loopback, allow_private: private };
            let v4 = Ipv4Addr::from(bits);
            let expected = policy.check(IpAddr::V4(v4));
            prop_assert_eq!(policy.check(IpAddr::V6(v4.to_ipv6_mapped())), expected);
            let nat64 = Ipv6Addr::from((0x0064_ff9b_u128 << 96) | u128::from(bits));
            prop_assert_eq!(policy.check(IpAddr::V6(nat64)), expected);
            if bits > 1 {
                prop_assert_eq!(policy.check(IpAddr::V6(v4.to_ipv6_compatible())), expected);
            }
        }

        // No setting ever lets a link-local or metadata address through.
        #[test]
        fn link_local_is_never_allowed(low in any::<u16>(), loopback in any::<bool>(), private in any::<bool>()) {
            let policy = AddressPolicy { allow_loopback: loopback, allow_private: private };
            let [c, d] = low.to_be_bytes();
            prop_assert!(policy.check(IpAddr::V4(Ipv4Addr::new(169, 254, c, d))).is_err());
            let v6 = Ipv6Addr::from((0xfe80_u128 << 112) | u128::from(low));
            prop_assert!(policy.check(IpAddr::V6(v6)).is_err());
            for m in METADATA_V4 {
                prop_assert_eq!(policy.check(IpAddr::V4(m)), Err(Refusal::Metadata));
            }
            for m in METADATA_V6 {
                prop_assert_eq!(policy.check(IpAddr::V6(m)), Err(Refusal::Metadata));
            }
        }

        // Loopback passes exactly when allowed.
        #[test]
        fn loopback_passes_only_when_allowed(b in any::<u8>(), c in any::<u8>(), d in any::<u8>()) {
            let v4 = IpAddr::V4(Ipv4Addr::new(127, b, c, d));
            prop_assert_eq!(AddressPolicy::default().check(v4), Err(Refusal::Loopback));
            let open = AddressPolicy { allow_loopback: true, allow_private: false };
            prop_assert_eq!(open.check(v4), Ok(()));
        }

        // A range contains its own network address and everything masked to it.
        #[test]
        fn cidr_contains_what_masks_to_it(bits in any::<u128>(), prefix in 0u8..=128) {
            let ip = IpAddr::V6(Ipv6Addr::from(bits));
            prop_assume!(Ipv6Addr::from(bits).to_ipv4_mapped().is_none());
            let net = Cidr::new(ip, prefix).unwrap();
            prop_assert!(net.contains(ip));
            prop_assert!(net.contains(mask(ip, prefix)));
        }
    }
}
