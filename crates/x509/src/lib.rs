//! Certificates for maksa: reading what e-services send, issuing a demo PKI,
//! and serving HTTP over mutual TLS.
//!
//! - [`parse_mm_cert`] reads the `MM_Cert` field of registration requests
//!   (base64 DER, PEM, or a password-less PKCS#12) into a [`CertificateInfo`],
//!   whose SHA-256 thumbprint identifies the e-service afterwards.
//! - [`generate_demo_pki`] and friends create a CA, server and client
//!   certificates so demos and tests run without any external PKI.
//! - [`server_config`] and [`serve_tls`] accept any client certificate whose
//!   key the client holds, and tell each request, through the [`TlsPeer`]
//!   extension, which certificate it was and whether it chains to a trusted
//!   CA. Authorisation stays with the HTTP layer, which knows the registered
//!   certificates; TLS only proves possession.
//! - [`serve`] is the one accept loop of every listener of a node, plain or
//!   TLS: it enforces the [`ConnectionLimits`] (header, body and idle
//!   timeouts; connections per address and in total) that keep slow or idle
//!   clients from starving the node.
//!
//! Why each dependency:
//! - `rustls` (ring provider only), `tokio-rustls`: TLS without OpenSSL; the
//!   provider is always passed explicitly so no process default is involved.
//! - `x509-parser`: reading certificate fields (names, validity, serial).
//! - `p12-keystore`: decoding and decrypting PKCS#12 files.
//! - `rcgen`: issuing the demo and test certificates.
//! - `sha2`, `hex`, `base64`: thumbprints and the `MM_Cert` encodings.
//! - `time`: validity periods, as the certificate libraries use it.
//! - `hyper`, `hyper-util`, `axum`, `tower`: serving a router over our own
//!   TLS streams, since `axum::serve` only takes plain TCP listeners.
//! - `tokio`: the accept loop, per-connection tasks and their deadlines;
//!   `tracing`: logging failed handshakes without stopping the server.
//! - `thiserror`: the single [`CertError`] type.

// Certificates and connections come from outside: no slicing, indexing or
// arithmetic that could panic on what a client sends.
#![cfg_attr(
    not(test),
    deny(
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod connections;
mod der;
mod error;
mod info;
mod mm_cert;
mod pkcs12;
mod pki;
mod serve;
mod tls;

pub use connections::{ConnectionGate, ConnectionLimits};
pub use error::CertError;
pub use info::CertificateInfo;
pub use mm_cert::{mm_cert_value, parse_mm_cert};
pub use pki::{DemoPki, generate_demo_pki, generate_self_signed_client, issue_client_cert};
pub use serve::{PeerCertificate, Security, TlsPeer, serve, serve_tls};
pub use tls::{client_config_anonymous, client_config_with_identity, server_config};
