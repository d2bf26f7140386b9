//! The address ranges an outgoing call must not reach unless the operator allows them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::cidr::Cidr;

/// One refused range and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockedRange {
    pub range: Cidr,
    pub label: &'static str,
}

/// Why an address is refused: the range it falls in and, for an IPv6 address that embeds an
/// IPv4 one (IPv4-mapped, 6to4, NAT64), the embedding range it was found through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub range: BlockedRange,
    pub via: Option<BlockedRange>,
}

impl fmt::Display for BlockedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.range, self.label)
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.via {
            None => write!(f, "{}", self.range),
            Some(via) => write!(f, "{}, embedded in {}", self.range, via),
        }
    }
}

const fn r(range: Cidr, label: &'static str) -> BlockedRange {
    BlockedRange { range, label }
}

/// Refused IPv4 ranges, most specific first (the first match names the reason).
pub(crate) const BLOCKED_V4: &[BlockedRange] = &[
    r(Cidr::v4(0, 0, 0, 0, 8), "unspecified / \"this network\""),
    r(Cidr::v4(10, 0, 0, 0, 8), "private"),
    r(Cidr::v4(100, 64, 0, 0, 10), "carrier-grade NAT"),
    r(Cidr::v4(127, 0, 0, 0, 8), "loopback"),
    r(
        Cidr::v4(169, 254, 0, 0, 16),
        "link-local, incl. the cloud metadata address",
    ),
    r(Cidr::v4(172, 16, 0, 0, 12), "private"),
    r(Cidr::v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
    r(Cidr::v4(192, 0, 2, 0, 24), "documentation"),
    r(Cidr::v4(192, 88, 99, 0, 24), "6to4 relay anycast"),
    r(Cidr::v4(192, 168, 0, 0, 16), "private"),
    r(Cidr::v4(198, 18, 0, 0, 15), "benchmarking"),
    r(Cidr::v4(198, 51, 100, 0, 24), "documentation"),
    r(Cidr::v4(203, 0, 113, 0, 24), "documentation"),
    r(Cidr::v4(224, 0, 0, 0, 4), "multicast"),
    r(Cidr::v4(255, 255, 255, 255, 32), "broadcast"),
    r(Cidr::v4(240, 0, 0, 0, 4), "reserved"),
];

/// IPv6 ranges that embed an IPv4 address: the embedded address decides.
const MAPPED: BlockedRange = r(Cidr::v6(0xffff_0000_0000, 96), "IPv4-mapped");
const NAT64: BlockedRange = r(Cidr::v6(0x0064_ff9b << 96, 96), "NAT64");
const SIX_TO_FOUR: BlockedRange = r(Cidr::v6(0x2002 << 112, 16), "6to4");

/// Refused IPv6 ranges, most specific first. The embedding ranges above are handled before
/// this table is consulted.
pub(crate) const BLOCKED_V6: &[BlockedRange] = &[
    r(Cidr::v6(0, 128), "unspecified"),
    r(Cidr::v6(1, 128), "loopback"),
    r(Cidr::v6(0, 96), "IPv4-compatible (deprecated)"),
    r(Cidr::v6(0xffff_0000_0000_0000, 96), "IPv4-translated"),
    r(
        Cidr::v6((0x0064_ff9b << 96) | (1 << 80), 48),
        "local-use NAT64",
    ),
    r(Cidr::v6(0x0100 << 112, 64), "discard-only"),
    r(Cidr::v6(0x2001_0db8 << 96, 32), "documentation"),
    r(
        Cidr::v6(0x2001 << 112, 23),
        "IETF protocol assignments, incl. Teredo",
    ),
    r(Cidr::v6(0x3fff << 112, 20), "documentation"),
    r(Cidr::v6(0x5f00 << 112, 16), "segment routing (SRv6)"),
    r(Cidr::v6(0xfc00 << 112, 7), "unique local (private)"),
    r(Cidr::v6(0xfe80 << 112, 10), "link-local"),
    r(Cidr::v6(0xfec0 << 112, 10), "site-local (deprecated)"),
    r(Cidr::v6(0xff00 << 112, 8), "multicast"),
];

/// The refused range `ip` falls in, if any — without regard to an operator's allow-list.
pub fn blocked_range(ip: IpAddr) -> Option<Blocked> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4).map(|range| Blocked { range, via: None }),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<BlockedRange> {
    BLOCKED_V4
        .iter()
        .find(|b| b.range.contains(IpAddr::V4(ip)))
        .copied()
}

fn blocked_v6(ip: Ipv6Addr) -> Option<Blocked> {
    if let Some((via, embedded)) = embedded_v4(ip) {
        return blocked_v4(embedded).map(|range| Blocked {
            range,
            via: Some(via),
        });
    }
    BLOCKED_V6
        .iter()
        .find(|b| b.range.contains(IpAddr::V6(ip)))
        .map(|range| Blocked {
            range: *range,
            via: None,
        })
}

/// The IPv4 address an IPv6 address stands for, where the IPv6 address is only a way of
/// reaching it: IPv4-mapped (`::ffff:a.b.c.d`), NAT64 well-known prefix (`64:ff9b::a.b.c.d`)
/// and 6to4 (`2002:AABB:CCDD::/48`).
pub(crate) fn embedded_v4(ip: Ipv6Addr) -> Option<(BlockedRange, Ipv4Addr)> {
    let o = ip.octets();
    let low32 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if MAPPED.range.contains(IpAddr::V6(ip)) {
        return Some((MAPPED, low32));
    }
    if NAT64.range.contains(IpAddr::V6(ip)) {
        return Some((NAT64, low32));
    }
    if SIX_TO_FOUR.range.contains(IpAddr::V6(ip)) {
        return Some((SIX_TO_FOUR, Ipv4Addr::new(o[2], o[3], o[4], o[5])));
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tables_hold_valid_ranges() {
        for b in BLOCKED_V4
            .iter()
            .chain(BLOCKED_V6)
            .chain([&MAPPED, &NAT64, &SIX_TO_FOUR])
        {
            assert_eq!(
                Cidr::new(b.range.network(), b.range.prefix()),
                Some(b.range),
                "{b}"
            );
            assert_eq!(b.range.to_string().parse::<Cidr>().unwrap(), b.range);
        }
        let shown: Vec<String> = [MAPPED, NAT64, SIX_TO_FOUR]
            .iter()
            .map(|b| b.range.to_string())
            .collect();
        assert_eq!(shown, ["::ffff:0.0.0.0/96", "64:ff9b::/96", "2002::/16"]);
        assert_eq!(BLOCKED_V6[4].range.to_string(), "64:ff9b:1::/48");
    }

    /// Every refused range, by a representative address: (address, expected range, label part).
    #[test]
    fn classifies_blocked_addresses() {
        let cases: &[(&str, &str, &str)] = &[
            ("0.0.0.0", "0.0.0.0/8", "unspecified"),
            ("0.1.2.3", "0.0.0.0/8", "this network"),
            ("10.0.0.1", "10.0.0.0/8", "private"),
            ("10.255.255.255", "10.0.0.0/8", "private"),
            ("100.64.0.1", "100.64.0.0/10", "carrier-grade NAT"),
            ("100.127.255.254", "100.64.0.0/10", "carrier-grade NAT"),
            ("127.0.0.1", "127.0.0.0/8", "loopback"),
            ("127.1.2.3", "127.0.0.0/8", "loopback"),
            ("169.254.169.254", "169.254.0.0/16", "metadata"),
            ("169.254.0.1", "169.254.0.0/16", "link-local"),
            ("172.16.0.1", "172.16.0.0/12", "private"),
            ("172.31.255.255", "172.16.0.0/12", "private"),
            ("192.0.0.8", "192.0.0.0/24", "IETF"),
            ("192.0.2.1", "192.0.2.0/24", "documentation"),
            ("192.88.99.1", "192.88.99.0/24", "6to4 relay"),
            ("192.168.1.1", "192.168.0.0/16", "private"),
            ("198.18.0.1", "198.18.0.0/15", "benchmarking"),
            ("198.19.255.255", "198.18.0.0/15", "benchmarking"),
            ("198.51.100.7", "198.51.100.0/24", "documentation"),
            ("203.0.113.9", "203.0.113.0/24", "documentation"),
            ("224.0.0.1", "224.0.0.0/4", "multicast"),
            ("239.255.255.250", "224.0.0.0/4", "multicast"),
            ("255.255.255.255", "255.255.255.255/32", "broadcast"),
            ("240.0.0.1", "240.0.0.0/4", "reserved"),
            ("::", "::/128", "unspecified"),
            ("::1", "::1/128", "loopback"),
            ("::7f00:1", "::/96", "IPv4-compatible"),
            ("::ffff:0:7f00:1", "::ffff:0:0:0/96", "IPv4-translated"),
            ("64:ff9b:1::a00:1", "64:ff9b:1::/48", "local-use NAT64"),
            ("100::1", "100::/64", "discard"),
            ("2001:db8::1", "2001:db8::/32", "documentation"),
            ("2001:0:4136:e378::1", "2001::/23", "Teredo"),
            ("3fff::1", "3fff::/20", "documentation"),
            ("5f00::1", "5f00::/16", "SRv6"),
            ("fc00::1", "fc00::/7", "unique local"),
            ("fd12:3456::1", "fc00::/7", "unique local"),
            ("fe80::1", "fe80::/10", "link-local"),
            ("febf::1", "fe80::/10", "link-local"),
            ("fec0::1", "fec0::/10", "site-local"),
            ("ff02::1", "ff00::/8", "multicast"),
        ];
        for (ip, range, label) in cases {
            let blocked = blocked_range(ip.parse().unwrap())
                .unwrap_or_else(|| panic!("{ip} should be blocked"));
            assert_eq!(blocked.range.range.to_string(), *range, "{ip}");
            assert!(blocked.range.label.contains(label), "{ip}: {blocked}");
            assert_eq!(blocked.via, None, "{ip}");
        }
    }

    /// IPv6 forms of an IPv4 address are judged by the IPv4 address.
    #[test]
    fn classifies_embedded_ipv4() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            (
                "::ffff:127.0.0.1",
                Some(("127.0.0.0/8", "::ffff:0.0.0.0/96")),
            ),
            ("::ffff:10.0.0.1", Some(("10.0.0.0/8", "::ffff:0.0.0.0/96"))),
            (
                "::ffff:169.254.169.254",
                Some(("169.254.0.0/16", "::ffff:0.0.0.0/96")),
            ),
            ("::ffff:0.0.0.0", Some(("0.0.0.0/8", "::ffff:0.0.0.0/96"))),
            ("64:ff9b::7f00:1", Some(("127.0.0.0/8", "64:ff9b::/96"))),
            (
                "64:ff9b::192.168.0.1",
                Some(("192.168.0.0/16", "64:ff9b::/96")),
            ),
            ("2002:7f00:1::", Some(("127.0.0.0/8", "2002::/16"))),
            ("2002:a9fe:a9fe::1", Some(("169.254.0.0/16", "2002::/16"))),
            ("2002:c0a8:0101:5::1", Some(("192.168.0.0/16", "2002::/16"))),
            ("::ffff:93.184.216.34", None),
            ("64:ff9b::93.184.216.34", None),
            ("2002:5db8:d822::1", None),
        ];
        for (ip, expected) in cases {
            let got = blocked_range(ip.parse().unwrap());
            match (expected, got) {
                (None, None) => {}
                (Some((range, via)), Some(blocked)) => {
                    assert_eq!(blocked.range.range.to_string(), *range, "{ip}");
                    assert_eq!(
                        blocked.via.map(|v| v.range.to_string()).as_deref(),
                        Some(*via),
                        "{ip}"
                    );
                }
                (expected, got) => panic!("{ip}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "169.253.255.255",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82b::200e",
            "2001:4860:4860::8888",
        ] {
            assert_eq!(blocked_range(ip.parse().unwrap()), None, "{ip}");
        }
    }
}
