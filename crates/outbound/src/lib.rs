//! Outgoing HTTP calls to addresses that clients supply (the server-to-server notification to
//! `ServerResponseUrl`), guarded against server-side request forgery. This crate is the only
//! way maksa makes such calls; docs/outbound.md states the rules.
//!
//! A call through [`OutboundClient::send`]:
//! 1. accepts only `http` and `https` URLs without user info, on a port in
//!    [`OutboundPolicy::allowed_ports`] (the scheme's default port counts);
//! 2. resolves the host once (an IP literal is not resolved) and refuses the call if *any*
//!    address is in a refused range ([`blocked_range`]: loopback, unspecified, private,
//!    link-local and the metadata address, CGNAT, multicast, broadcast, documentation and
//!    reserved ranges, and IPv6 forms that embed such an IPv4 address) and not in the
//!    operator's [`OutboundPolicy::allow_list`];
//! 3. connects only to the checked addresses, with a fresh connection and no proxy;
//! 4. never follows redirects, keeps at most [`OutboundPolicy::max_body_bytes`] of the answer
//!    without reading more, and gives up after [`OutboundPolicy::timeout`] for the whole call.
//!
//! Logging (tracing, debug) shows `scheme://host:port/path` only, never the query.

mod cidr;
mod client;
mod error;
mod policy;
mod ranges;
mod transport;

pub use cidr::{Cidr, CidrError};
pub use client::{Method, OutboundClient, OutboundResponse, loggable};
pub use error::{OutboundError, Refusal};
pub use policy::{DEFAULT_PORTS, OutboundPolicy};
pub use ranges::{Blocked, BlockedRange, blocked_range};
