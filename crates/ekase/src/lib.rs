//! The State Treasury's eKase online exchange (docs/treasury.md, "The eKase
//! exchange"): [`client`], the HTTPS adapter the hub's exchange worker
//! (`maksa_app::treasury::exchange`) talks through; [`simulator`], the
//! Treasury of the sandbox serving the same endpoints from the sandbox's own
//! payments; [`pain_orders`], the simulator's hardened pain.001 reader.
//!
//! Why each dependency: `reqwest` + `rustls` (ring) + `rustls-platform-verifier`
//! the mutual-TLS client; `p12-keystore` the PKCS#12 identity; `tempfile`
//! spooling large statements; `axum` + `maksa-x509` (its `TlsPeer`) the
//! simulator's routes and client certificate check; `quick-xml` the pain.001
//! reader; `maksa-treasury` the camt and pain.002 writers.

pub mod client;
pub mod pain_orders;
pub mod simulator;

pub use client::{ClientError, EkaseClient, Identity};
pub use simulator::{SimulatorSettings, TreasurySimulator};
