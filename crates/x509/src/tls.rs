//! rustls configurations: the server side of mutual TLS and a client for tests and benchmarks.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, RootCertStore,
    ServerConfig, SignatureScheme,
};

use crate::CertError;

/// Only HTTP/1.1 is served; advertising it keeps ALPN-aware clients from trying h2.
const ALPN_HTTP_1_1: &[u8] = b"http/1.1";

/// The crypto provider of every config built here: ring, chosen explicitly so
/// no process-wide default (or aws-lc-rs pulled in by another crate) matters.
pub(crate) fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server config for mutual TLS in which the HTTP layer, not TLS, decides who may do what.
///
/// Client certificates are requested (hinting the CA subjects) but optional.
/// Any client certificate is accepted at the TLS level as long as the client
/// proves possession of its key: e-services may register self-signed
/// certificates. Whether a chain leads to one of `client_ca_pems` is computed
/// per connection by [`serve_tls`](crate::serve_tls) and reported in
/// [`PeerCertificate::chains_to_trusted_ca`](crate::PeerCertificate).
pub fn server_config(
    server_cert_pem: &str,
    server_key_pem: &str,
    client_ca_pems: &[String],
) -> Result<Arc<ServerConfig>, CertError> {
    let provider = ring_provider();
    let certificate_chain = pem_certificates(server_cert_pem, "server certificate")?;
    let key = pem_private_key(server_key_pem, "server key")?;
    let verifier = Arc::new(AnyClientCertificate::new(client_ca_pems, &provider)?);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certificate_chain, key)?;
    config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
    Ok(Arc::new(config))
}

/// A client config trusting `ca_pem` for the server and presenting the given identity.
pub fn client_config_with_identity(
    ca_pem: &str,
    client_cert_pem: &str,
    client_key_pem: &str,
) -> Result<ClientConfig, CertError> {
    let certificate_chain = pem_certificates(client_cert_pem, "client certificate")?;
    let key = pem_private_key(client_key_pem, "client key")?;
    let mut config = ClientConfig::builder_with_provider(ring_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(root_store(&[ca_pem.to_owned()])?)
        .with_client_auth_cert(certificate_chain, key)?;
    config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
    Ok(config)
}

/// A client config trusting `ca_pem` for the server and presenting no client certificate.
pub fn client_config_anonymous(ca_pem: &str) -> Result<ClientConfig, CertError> {
    let mut config = ClientConfig::builder_with_provider(ring_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(root_store(&[ca_pem.to_owned()])?)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
    Ok(config)
}

/// A verifier that answers "does this chain lead to one of these CAs?", or
/// `None` when no CA is configured (then nothing can chain to a trusted CA).
pub(crate) fn trusted_ca_verifier(
    ca_pems: &[String],
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>, CertError> {
    let roots = root_store(ca_pems)?;
    if roots.is_empty() {
        return Ok(None);
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()?;
    Ok(Some(verifier))
}

/// Accepts any client certificate whose holder proves possession of the key.
#[derive(Debug)]
struct AnyClientCertificate {
    /// Verifies chains and handshake signatures when CAs are configured.
    chain_verifier: Option<Arc<dyn ClientCertVerifier>>,
    /// Used for handshake signatures when no CA is configured.
    signature_algorithms: WebPkiSupportedAlgorithms,
}

impl AnyClientCertificate {
    fn new(client_ca_pems: &[String], provider: &Arc<CryptoProvider>) -> Result<Self, CertError> {
        Ok(Self {
            chain_verifier: trusted_ca_verifier(client_ca_pems, provider)?,
            signature_algorithms: provider.signature_verification_algorithms,
        })
    }
}

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.chain_verifier
            .as_ref()
            .map_or(&[], |verifier| verifier.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Trust is decided later; here we only make sure the HTTP layer will be
        // able to read what it is given, so "TLS with a certificate" always
        // comes with a parsed certificate.
        match x509_parser::parse_x509_certificate(end_entity) {
            Ok(([], _)) => Ok(ClientCertVerified::assertion()),
            _ => Err(rustls::Error::InvalidCertificate(
                CertificateError::BadEncoding,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.chain_verifier {
            Some(verifier) => verifier.verify_tls12_signature(message, certificate, signature),
            None => rustls::crypto::verify_tls12_signature(
                message,
                certificate,
                signature,
                &self.signature_algorithms,
            ),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.chain_verifier {
            Some(verifier) => verifier.verify_tls13_signature(message, certificate, signature),
            None => rustls::crypto::verify_tls13_signature(
                message,
                certificate,
                signature,
                &self.signature_algorithms,
            ),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match &self.chain_verifier {
            Some(verifier) => verifier.supported_verify_schemes(),
            None => self.signature_algorithms.supported_schemes(),
        }
    }
}

/// All certificates of the PEM texts as a root store.
fn root_store(ca_pems: &[String]) -> Result<RootCertStore, CertError> {
    let mut roots = RootCertStore::empty();
    for ca_pem in ca_pems {
        for certificate in pem_certificates(ca_pem, "CA certificate")? {
            roots.add(certificate)?;
        }
    }
    Ok(roots)
}

/// Every `CERTIFICATE` block of a PEM text; at least one is required.
fn pem_certificates(pem: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, CertError> {
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| CertError::InvalidPem(format!("{what}: {error}")))?;
    if certificates.is_empty() {
        return Err(CertError::InvalidPem(format!(
            "{what}: no CERTIFICATE block"
        )));
    }
    Ok(certificates)
}

fn pem_private_key(pem: &str, what: &str) -> Result<PrivateKeyDer<'static>, CertError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map_err(|error| CertError::InvalidPem(format!("{what}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate_demo_pki;

    #[test]
    fn offers_optional_client_auth_hinting_the_ca() {
        let pki = generate_demo_pki(&["localhost".to_owned()], "client").expect("demo PKI");
        let verifier =
            AnyClientCertificate::new(&[pki.ca_cert_pem], &ring_provider()).expect("verifier");
        assert!(verifier.offer_client_auth());
        assert!(!verifier.client_auth_mandatory());
        let hints = verifier.root_hint_subjects();
        assert_eq!(hints.len(), 1);
        // The hint is the DER of the CA subject, which contains its common name verbatim.
        let hint: &[u8] = hints[0].as_ref();
        assert!(hint.windows(13).any(|window| window == b"maksa demo CA"));
        assert!(!verifier.supported_verify_schemes().is_empty());
    }

    #[test]
    fn without_cas_nothing_is_hinted_but_signatures_are_still_checked() {
        let verifier = AnyClientCertificate::new(&[], &ring_provider()).expect("verifier");
        assert!(verifier.root_hint_subjects().is_empty());
        assert!(!verifier.supported_verify_schemes().is_empty());
    }

    #[test]
    fn unparsable_client_certificates_are_refused() {
        let verifier = AnyClientCertificate::new(&[], &ring_provider()).expect("verifier");
        let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        assert!(
            verifier
                .verify_client_cert(&garbage, &[], UnixTime::now())
                .is_err()
        );
    }

    #[test]
    fn bad_pem_is_reported() {
        let pki = generate_demo_pki(&["localhost".to_owned()], "client").expect("demo PKI");
        assert!(matches!(
            server_config("nope", &pki.server_key_pem, &[]),
            Err(CertError::InvalidPem(_))
        ));
        assert!(matches!(
            server_config(&pki.server_cert_pem, "nope", &[]),
            Err(CertError::InvalidPem(_))
        ));
        assert!(matches!(
            server_config(
                &pki.server_cert_pem,
                &pki.server_key_pem,
                &["nope".to_owned()]
            ),
            Err(CertError::InvalidPem(_))
        ));
        // A key that does not match the certificate.
        assert!(server_config(&pki.server_cert_pem, &pki.client_key_pem, &[]).is_err());
    }
}
