//! Mutual TLS towards the providers that ask for it: a card acquirer's
//! `MerchantHandler` (First Data ECOMM) and a PSD2 bank's API (Berlin Group
//! NextGenPSD2, an eIDAS QWAC in production). The hub presents its
//! certificate and trusts only the CA configured for that provider; the
//! simulators, mounted on the hub's own HTTPS listener in `maksa demo`, check
//! that the caller presented exactly the certificate registered with them.

use axum::Extension;
use maksa_x509::TlsPeer;
use std::time::Duration;

/// The hub's side of a mutually authenticated connection to one provider.
#[derive(Clone)]
pub struct MutualTls {
    /// The CA (or CAs) the provider's server certificate chains to.
    pub server_ca_pem: String,
    /// The hub's client certificate chain, PEM.
    pub certificate_pem: String,
    /// Its private key, PEM (PKCS#8, or SEC1/PKCS#1).
    pub key_pem: String,
}

impl std::fmt::Debug for MutualTls {
    // Never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MutualTls").finish_non_exhaustive()
    }
}

/// The HTTP client of a connector: HTTP/1.1, no redirects followed, no
/// proxy, `timeout` for a whole call; over mutual TLS when `tls` is given,
/// else plain HTTP only (no root is trusted, so no `https://` address works:
/// the sandbox's contract suite runs the simulators on a plain listener).
pub fn http_client(tls: Option<&MutualTls>, timeout: Duration) -> Result<reqwest::Client, String> {
    let config = match tls {
        Some(tls) => maksa_x509::client_config_with_identity(
            &tls.server_ca_pem,
            &tls.certificate_pem,
            &tls.key_pem,
        )
        .map_err(|e| format!("mutual TLS configuration: {e}"))?,
        None => rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// The lower-case hex SHA-256 thumbprint of the first certificate in `pem`:
/// what a simulator registers as the merchant's (or TPP's) certificate.
pub fn thumbprint_of(pem: &str) -> Result<String, String> {
    let info = maksa_x509::parse_mm_cert(pem).map_err(|e| format!("the certificate: {e}"))?;
    Ok(info.thumbprint_sha256)
}

/// A simulator's check of its caller: over TLS, with a client certificate
/// that chains to the listener's trusted CAs and is exactly `thumbprint`.
/// `None` for `thumbprint` turns the check off (a simulator on a plain
/// listener, in the contract suite).
pub fn check_caller(
    peer: Option<&Extension<TlsPeer>>,
    thumbprint: Option<&str>,
) -> Result<(), &'static str> {
    let Some(expected) = thumbprint else {
        return Ok(());
    };
    let Some(Extension(TlsPeer(peer))) = peer else {
        return Err("this interface is served over mutual TLS only");
    };
    let Some(peer) = peer else {
        return Err("a client certificate is required");
    };
    if !peer.chains_to_trusted_ca {
        return Err("the client certificate is not issued by a trusted CA");
    }
    if peer.info.thumbprint_sha256 != expected {
        return Err("the client certificate is not the one registered with us");
    }
    Ok(())
}
