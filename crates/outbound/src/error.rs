//! Why an outgoing call did not produce an answer.

use std::net::IpAddr;

use crate::ranges::Blocked;

/// Why the policy refused to make a call. Nothing was sent when a call is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The URL does not parse (the parser's message; the URL itself is not repeated).
    #[error("not a valid URL: {0}")]
    InvalidUrl(String),
    #[error("scheme {0:?} is not allowed (only http and https)")]
    Scheme(String),
    #[error("URL has no host")]
    NoHost,
    #[error("URL carries a user name or password")]
    UserInfo,
    #[error("port {0} is not allowed")]
    Port(u16),
    /// `host` resolved to (or is) `addr`, which lies in a refused range.
    #[error("{}", address_message(host, addr, blocked))]
    Address {
        host: String,
        addr: IpAddr,
        blocked: Box<Blocked>,
    },
    /// A header the caller asked for cannot be sent (bad name or value).
    #[error("header {0:?} cannot be sent")]
    Header(String),
}

fn address_message(host: &str, addr: &IpAddr, blocked: &Blocked) -> String {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if literal.parse::<IpAddr>().ok() == Some(*addr) {
        format!("address {addr} is in {blocked}")
    } else {
        format!("{host} resolves to {addr}, in {blocked}")
    }
}

/// The error of [`crate::OutboundClient::send`]. Messages never contain the URL's query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// The policy forbids the call; nothing was sent.
    #[error("outbound call refused: {reason}")]
    Refused { reason: Refusal },
    /// The host name did not resolve (or resolved to nothing).
    #[error("could not resolve host: {0}")]
    Resolve(String),
    /// The whole call (resolve, connect, request, answer) took longer than the policy allows.
    #[error("outbound call timed out")]
    Timeout,
    /// No connection could be made (refused, unreachable, TLS handshake or certificate).
    #[error("could not connect: {0}")]
    Connect(String),
    /// The connection broke or the peer did not speak HTTP as expected.
    #[error("HTTP error: {0}")]
    Protocol(String),
}

impl OutboundError {
    /// Whether the policy refused the call (nothing was sent). The same URL will be refused
    /// again unless the operator changes the policy or the host's DNS changes, so a caller
    /// should record it as the address's fault rather than retry it quickly; a notification
    /// loop may still try it again on its ordinary slow schedule, which is harmless.
    pub fn is_refused(&self) -> bool {
        matches!(self, OutboundError::Refused { .. })
    }

    /// Whether trying again later may succeed: resolution failures, timeouts, connection and
    /// protocol failures. Refusals are not retryable (see [`OutboundError::is_refused`]). An
    /// answer with a non-2xx status is not an error at all; the caller decides about it.
    pub fn retryable(&self) -> bool {
        !self.is_refused()
    }
}

impl From<Refusal> for OutboundError {
    fn from(reason: Refusal) -> OutboundError {
        OutboundError::Refused { reason }
    }
}
