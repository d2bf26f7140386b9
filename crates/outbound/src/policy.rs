//! What an outgoing call may reach.

use std::net::IpAddr;
use std::time::Duration;

use crate::cidr::Cidr;
use crate::ranges::{Blocked, blocked_range};

/// The operator's rules for outgoing calls. `Default` is the production setting: ports 80, 443,
/// 8080, 8443; no internal range allowed; 5 s for the whole call; 8 KiB of answer kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Ports a URL may name (or imply: 80 for `http`, 443 for `https`).
    pub allowed_ports: Vec<u16>,
    /// Ranges the operator allows although they are otherwise refused (loopback for a demo, a
    /// known internal partner). An address inside one of them is never refused for its range.
    pub allow_list: Vec<Cidr>,
    /// Limit for the whole call: name resolution, connect, request, the whole answer.
    pub timeout: Duration,
    /// How much of the answer's body is read and kept; the rest is never read.
    pub max_body_bytes: usize,
}

/// Ports allowed by default.
pub const DEFAULT_PORTS: [u16; 4] = [80, 443, 8080, 8443];

impl Default for OutboundPolicy {
    fn default() -> OutboundPolicy {
        OutboundPolicy {
            allowed_ports: DEFAULT_PORTS.to_vec(),
            allow_list: Vec::new(),
            timeout: Duration::from_secs(5),
            max_body_bytes: 8 * 1024,
        }
    }
}

impl OutboundPolicy {
    /// The default policy plus the loopback ranges `127.0.0.0/8` and `::1/128` — for
    /// `maksa demo`, whose clients and hub share one machine. Add the demo's port with
    /// [`OutboundPolicy::allow_port`] if it is not one of the default ports.
    pub fn allow_loopback() -> OutboundPolicy {
        OutboundPolicy::default()
            .allow_range(Cidr::v4(127, 0, 0, 0, 8))
            .allow_range(Cidr::v6(1, 128))
    }

    /// This policy with `range` added to the allow-list.
    pub fn allow_range(mut self, range: Cidr) -> OutboundPolicy {
        if !self.allow_list.contains(&range) {
            self.allow_list.push(range);
        }
        self
    }

    /// This policy with `port` added to the allowed ports.
    pub fn allow_port(mut self, port: u16) -> OutboundPolicy {
        if !self.allowed_ports.contains(&port) {
            self.allowed_ports.push(port);
        }
        self
    }

    /// Whether the operator's allow-list covers `ip` (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn is_allow_listed(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        self.allow_list
            .iter()
            .any(|range| range.contains(ip) || range.contains(canonical))
    }

    /// `Ok` when a connection to `ip` is allowed; otherwise the refused range it is in.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), Blocked> {
        if self.is_allow_listed(ip) {
            return Ok(());
        }
        match blocked_range(ip) {
            Some(blocked) => Err(blocked),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults() {
        let policy = OutboundPolicy::default();
        assert_eq!(policy.allowed_ports, [80, 443, 8080, 8443]);
        assert!(policy.allow_list.is_empty());
        assert_eq!(policy.timeout, Duration::from_secs(5));
        assert_eq!(policy.max_body_bytes, 8192);
    }

    #[test]
    fn allow_list_overrides_ranges() {
        let policy = OutboundPolicy {
            allow_list: Cidr::parse_list("127.0.0.0/8, 10.1.2.3/32").unwrap(),
            ..OutboundPolicy::default()
        };
        let cases: &[(&str, bool)] = &[
            ("127.0.0.1", true),
            ("127.9.9.9", true),
            ("::ffff:127.0.0.1", true),
            ("10.1.2.3", true),
            ("10.1.2.4", false),
            ("::1", false),
            ("169.254.169.254", false),
            ("93.184.216.34", true),
        ];
        for (ip, allowed) in cases {
            assert_eq!(
                policy.check_address(ip.parse().unwrap()).is_ok(),
                *allowed,
                "{ip}"
            );
        }
    }

    #[test]
    fn allow_loopback_covers_both_families_only() {
        let policy = OutboundPolicy::allow_loopback();
        for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(policy.check_address(ip.parse().unwrap()).is_ok(), "{ip}");
        }
        for ip in ["0.0.0.0", "::", "10.0.0.1", "169.254.169.254", "fe80::1"] {
            assert!(policy.check_address(ip.parse().unwrap()).is_err(), "{ip}");
        }
        let policy = policy.allow_port(3000).allow_port(3000);
        assert_eq!(policy.allowed_ports, [80, 443, 8080, 8443, 3000]);
    }
}
