//! A small CIDR range type: an address and a prefix length.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 or IPv6 range such as `127.0.0.0/8` or `::1/128`.
///
/// The network address must have no bits set past the prefix (`127.0.0.1/8` is refused with a
/// hint, so a typo cannot silently widen or narrow an allow-list). A bare address parses as a
/// single-address range (`/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a text is not a CIDR range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("{0:?} is not an IP address")]
    Address(String),
    #[error("{0:?} is not a prefix length")]
    Prefix(String),
    #[error("prefix length {prefix} is too long for {network} (at most {max})")]
    PrefixTooLong {
        network: IpAddr,
        prefix: u16,
        max: u8,
    },
    #[error("{given} has bits set past the prefix; did you mean {suggested}?")]
    HostBits { given: String, suggested: Cidr },
}

impl Cidr {
    /// The range of `network`/`prefix`; `None` when the prefix is too long for the address
    /// family or `network` has bits set past the prefix.
    pub fn new(network: IpAddr, prefix: u8) -> Option<Cidr> {
        let cidr = Cidr { network, prefix };
        (prefix <= max_prefix(network) && cidr.truncated().network == network).then_some(cidr)
    }

    /// `const` constructor for the built-in tables; the caller guarantees validity (checked by
    /// the tables' unit tests).
    pub(crate) const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Cidr {
        Cidr {
            network: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
            prefix,
        }
    }

    /// `const` constructor for the built-in tables, from the address as a `u128`.
    pub(crate) const fn v6(bits: u128, prefix: u8) -> Cidr {
        Cidr {
            network: IpAddr::V6(Ipv6Addr::from_bits(bits)),
            prefix,
        }
    }

    /// The first address of the range.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in this range. An IPv4 range never contains an IPv6 address and vice
    /// versa; callers that want `::ffff:127.0.0.1` treated as `127.0.0.1` canonicalise first.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask_u32(self.prefix);
                (net.to_bits() & mask) == (ip.to_bits() & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = mask_u128(self.prefix);
                (net.to_bits() & mask) == (ip.to_bits() & mask)
            }
            _ => false,
        }
    }

    /// Parses a list separated by commas and/or whitespace, as an operator writes it in a
    /// configuration value: `"127.0.0.0/8, ::1/128 10.1.2.3/32"`. An empty text is an empty list.
    pub fn parse_list(text: &str) -> Result<Vec<Cidr>, CidrError> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(str::parse)
            .collect()
    }

    /// The same prefix with the bits past it cleared.
    fn truncated(self) -> Cidr {
        let network = match self.network {
            IpAddr::V4(net) => {
                IpAddr::V4(Ipv4Addr::from_bits(net.to_bits() & mask_u32(self.prefix)))
            }
            IpAddr::V6(net) => {
                IpAddr::V6(Ipv6Addr::from_bits(net.to_bits() & mask_u128(self.prefix)))
            }
        };
        Cidr {
            network,
            prefix: self.prefix,
        }
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask_u32(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask_u128(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        let text = text.trim();
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr_text
            .parse()
            .map_err(|_| CidrError::Address(addr_text.to_owned()))?;
        let max = max_prefix(network);
        let prefix = match prefix_text {
            None => max,
            Some(p) => {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(CidrError::Prefix(p.to_owned()));
                }
                let value: u16 = p.parse().map_err(|_| CidrError::Prefix(p.to_owned()))?;
                match u8::try_from(value) {
                    Ok(v) if v <= max => v,
                    _ => {
                        return Err(CidrError::PrefixTooLong {
                            network,
                            prefix: value,
                            max,
                        });
                    }
                }
            }
        };
        let cidr = Cidr { network, prefix };
        let truncated = cidr.truncated();
        if truncated != cidr {
            return Err(CidrError::HostBits {
                given: text.to_owned(),
                suggested: truncated,
            });
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl serde::Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cidr, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_valid_ranges() {
        let cases: &[(&str, &str, u8)] = &[
            ("127.0.0.0/8", "127.0.0.0", 8),
            ("10.1.2.3/32", "10.1.2.3", 32),
            ("10.1.2.3", "10.1.2.3", 32),
            ("0.0.0.0/0", "0.0.0.0", 0),
            ("192.168.0.0/16", "192.168.0.0", 16),
            ("100.64.0.0/10", "100.64.0.0", 10),
            (" 172.16.0.0/12 ", "172.16.0.0", 12),
            ("::1/128", "::1", 128),
            ("::1", "::1", 128),
            ("::/0", "::", 0),
            ("fc00::/7", "fc00::", 7),
            ("fe80::/10", "fe80::", 10),
            ("2001:db8::/32", "2001:db8::", 32),
            ("::ffff:0:0/96", "::ffff:0.0.0.0", 96),
        ];
        for (text, network, prefix) in cases {
            let cidr: Cidr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(cidr.network(), network.parse::<IpAddr>().unwrap(), "{text}");
            assert_eq!(cidr.prefix(), *prefix, "{text}");
        }
    }

    #[test]
    fn refuses_invalid_ranges() {
        let cases: &[(&str, &str)] = &[
            ("", "not an IP address"),
            ("localhost/8", "not an IP address"),
            ("256.0.0.0/8", "not an IP address"),
            ("127.0.0.0/", "not a prefix length"),
            ("127.0.0.0/+8", "not a prefix length"),
            ("127.0.0.0/8/8", "not a prefix length"),
            ("127.0.0.0/x", "not a prefix length"),
            ("127.0.0.0/33", "too long"),
            ("127.0.0.0/300", "too long"),
            ("127.0.0.0/99999", "not a prefix length"),
            ("::/129", "too long"),
            ("127.0.0.1/8", "did you mean 127.0.0.0/8?"),
            ("10.1.2.3/24", "did you mean 10.1.2.0/24?"),
            ("fe80::1/10", "did you mean fe80::/10?"),
            ("[::1]/128", "not an IP address"),
        ];
        for (text, message) in cases {
            let error = text.parse::<Cidr>().unwrap_err().to_string();
            assert!(error.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn contains_respects_prefix_and_family() {
        let cases: &[(&str, &str, bool)] = &[
            ("127.0.0.0/8", "127.0.0.1", true),
            ("127.0.0.0/8", "127.255.255.255", true),
            ("127.0.0.0/8", "128.0.0.0", false),
            ("127.0.0.0/8", "126.255.255.255", false),
            ("10.1.2.3/32", "10.1.2.3", true),
            ("10.1.2.3/32", "10.1.2.4", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("0.0.0.0/0", "::1", false),
            ("::/0", "127.0.0.1", false),
            ("::1/128", "::1", true),
            ("::1/128", "::2", false),
            ("fc00::/7", "fdff:ffff::1", true),
            ("fc00::/7", "fe00::1", false),
            ("127.0.0.0/8", "::ffff:127.0.0.1", false),
        ];
        for (range, ip, expected) in cases {
            let cidr: Cidr = range.parse().unwrap();
            assert_eq!(
                cidr.contains(ip.parse().unwrap()),
                *expected,
                "{range} ∋ {ip}"
            );
        }
    }

    #[test]
    fn parses_lists_and_round_trips() {
        let list = Cidr::parse_list("127.0.0.0/8, ::1/128\n10.1.2.3/32,,").unwrap();
        let shown: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.0/8", "::1/128", "10.1.2.3/32"]);
        assert!(Cidr::parse_list("  ").unwrap().is_empty());
        assert!(Cidr::parse_list("127.0.0.0/8, nope").is_err());
        for text in shown {
            assert_eq!(text.parse::<Cidr>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn new_checks_validity() {
        assert!(Cidr::new("127.0.0.0".parse().unwrap(), 8).is_some());
        assert!(Cidr::new("127.0.0.1".parse().unwrap(), 8).is_none());
        assert!(Cidr::new("127.0.0.0".parse().unwrap(), 33).is_none());
        assert!(Cidr::new("::".parse().unwrap(), 128).is_some());
    }

    #[test]
    fn serde_uses_the_text_form() {
        let cidr: Cidr = serde_json::from_str("\"10.0.0.0/8\"").unwrap();
        assert_eq!(cidr.to_string(), "10.0.0.0/8");
        assert_eq!(serde_json::to_string(&cidr).unwrap(), "\"10.0.0.0/8\"");
        assert!(serde_json::from_str::<Cidr>("\"10.0.0.1/8\"").is_err());
    }
}
