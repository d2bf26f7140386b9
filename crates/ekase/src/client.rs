//! The HTTPS adapter of the eKase exchange (docs/treasury.md, "The exchange
//! adapter"): the transport the hub defines until the Treasury's own is
//! known, over mutual TLS with the certificate the Treasury issued.
//!
//! The exchange's address is configured by the operator, not taken from
//! anyone's input, so the outbound SSRF guard of the notifications does not
//! apply; what applies instead: the server must prove itself against the
//! configured CA (or the system's roots), redirects are never followed, no
//! proxy is used, every call has a connect and a whole-request timeout, and
//! an answer larger than [`MAX_DOCUMENT_BYTES`] is abandoned.

use async_trait::async_trait;
use maksa_app::treasury::{Download, ExchangeError, TreasuryExchange};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Seek, Write};
use std::sync::Arc;
use std::time::Duration;
use time::Date;

/// The largest statement or report taken (a year of a busy account fits).
pub const MAX_DOCUMENT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The largest pain.002 status report taken (held in memory).
pub const MAX_STATUS_BYTES: u64 = 64 * 1024 * 1024;
/// Answers up to this size are kept in memory; larger ones are spooled to a
/// temporary file, so a statement never sits in memory whole.
pub const IN_MEMORY_BYTES: usize = 1024 * 1024;
/// Establishing the connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole call, the answer's body included (a large statement takes a while).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);
/// Characters of a refusal's body quoted in the log.
const MAX_QUOTED_BODY: usize = 200;

/// The hub's client certificate.
pub enum Identity {
    /// PEM certificate chain and private key.
    Pem { certificate: String, key: String },
    /// A PKCS#12 file and its password.
    Pkcs12 { der: Vec<u8>, password: String },
}

/// Why the adapter could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the exchange url {0:?} is not an https:// address")]
    Url(String),
    #[error("the client certificate: {0}")]
    Identity(String),
    #[error("the CA file: {0}")]
    Ca(String),
    #[error("the HTTP client: {0}")]
    Http(String),
}

/// The adapter: one HTTP client, pooled connections.
pub struct EkaseClient {
    base: String,
    http: reqwest::Client,
}

impl EkaseClient {
    /// `url` is the exchange's base address (https only); `ca_pem` the
    /// certificates its server certificate chains to (else the system's roots).
    pub fn new(url: &str, identity: &Identity, ca_pem: Option<&str>) -> Result<Self, ClientError> {
        let base = url.trim_end_matches('/').to_owned();
        if !base.starts_with("https://") || base.len() <= "https://".len() {
            return Err(ClientError::Url(
                maksa_domain::text::bounded(url, 200).into_owned(),
            ));
        }
        let (chain, key) = identity_parts(identity)?;
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Http(e.to_string()))?;
        let builder = match ca_pem {
            Some(pem) => {
                let mut roots = rustls::RootCertStore::empty();
                for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                    let certificate = certificate.map_err(|e| ClientError::Ca(e.to_string()))?;
                    roots
                        .add(certificate)
                        .map_err(|e| ClientError::Ca(e.to_string()))?;
                }
                if roots.is_empty() {
                    return Err(ClientError::Ca("no CERTIFICATE block".into()));
                }
                builder.with_root_certificates(roots)
            }
            None => rustls_platform_verifier::BuilderVerifierExt::with_platform_verifier(builder)
                .map_err(|e| ClientError::Ca(e.to_string()))?,
        };
        let mut tls = builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| ClientError::Identity(e.to_string()))?;
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("maksa/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(EkaseClient { base, http })
    }

    async fn get_document(&self, path: &str) -> Result<Option<Download>, ExchangeError> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(unavailable)?;
        match answer(response).await? {
            None => Ok(None),
            Some(response) => spool(response).await.map(Some),
        }
    }
}

/// Splits a 2xx from a 404 (nothing there) and every other status.
async fn answer(response: reqwest::Response) -> Result<Option<reqwest::Response>, ExchangeError> {
    let status = response.status();
    if status.is_success() {
        return Ok(Some(response));
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let body = bounded_body(response).await;
    let text = format!("{status}: {body}");
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Err(ExchangeError::Unavailable(text))
    } else {
        Err(ExchangeError::Refused(text))
    }
}

async fn bounded_body(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_QUOTED_BODY.saturating_mul(4) {
            break;
        }
    }
    maksa_domain::text::bounded(&String::from_utf8_lossy(&bytes), MAX_QUOTED_BODY).into_owned()
}

fn unavailable(error: reqwest::Error) -> ExchangeError {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    ExchangeError::Unavailable(maksa_domain::text::bounded(&text, 300).into_owned())
}

fn too_large(limit: u64) -> ExchangeError {
    ExchangeError::Refused(format!("the answer is larger than {limit} bytes"))
}

/// Reads the body, in memory up to [`IN_MEMORY_BYTES`], else into an
/// anonymous temporary file; at most [`MAX_DOCUMENT_BYTES`].
async fn spool(mut response: reqwest::Response) -> Result<Download, ExchangeError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES)
    {
        return Err(too_large(MAX_DOCUMENT_BYTES));
    }
    let mut memory: Vec<u8> = Vec::new();
    let mut file: Option<std::fs::File> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        total = total.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if total > MAX_DOCUMENT_BYTES {
            return Err(too_large(MAX_DOCUMENT_BYTES));
        }
        if file.is_none() && memory.len().saturating_add(chunk.len()) > IN_MEMORY_BYTES {
            let mut spooled = tempfile::tempfile()
                .map_err(|e| ExchangeError::Unavailable(format!("spooling: {e}")))?;
            spooled
                .write_all(&memory)
                .map_err(|e| ExchangeError::Unavailable(format!("spooling: {e}")))?;
            memory = Vec::new();
            file = Some(spooled);
        }
        match file.as_mut() {
            Some(spooled) => spooled
                .write_all(&chunk)
                .map_err(|e| ExchangeError::Unavailable(format!("spooling: {e}")))?,
            None => memory.extend_from_slice(&chunk),
        }
    }
    match file {
        None => Ok(Download::from_bytes(memory)),
        Some(mut spooled) => {
            spooled
                .rewind()
                .map_err(|e| ExchangeError::Unavailable(format!("spooling: {e}")))?;
            Ok(Download::from_reader(
                Box::new(std::io::BufReader::new(spooled)),
                total,
            ))
        }
    }
}

#[async_trait]
impl TreasuryExchange for EkaseClient {
    async fn statement(&self, account: &str, day: Date) -> Result<Option<Download>, ExchangeError> {
        self.get_document(&format!(
            "/accounts/{}/statements/{day}",
            path_segment(account)?
        ))
        .await
    }

    async fn open_day_report(&self, account: &str) -> Result<Option<Download>, ExchangeError> {
        self.get_document(&format!("/accounts/{}/report", path_segment(account)?))
            .await
    }

    async fn submit(&self, message_id: &str, document: &str) -> Result<(), ExchangeError> {
        path_segment(message_id)?;
        let response = self
            .http
            .post(format!("{}/payment-orders", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .body(document.to_owned())
            .send()
            .await
            .map_err(unavailable)?;
        match answer(response).await? {
            Some(_) => Ok(()),
            None => Err(ExchangeError::Refused(
                "404: the exchange has no payment-orders endpoint".into(),
            )),
        }
    }

    async fn status(&self, message_id: &str) -> Result<Option<Vec<u8>>, ExchangeError> {
        let response = self
            .http
            .get(format!(
                "{}/payment-orders/{}/status",
                self.base,
                path_segment(message_id)?
            ))
            .send()
            .await
            .map_err(unavailable)?;
        let Some(mut response) = answer(response).await? else {
            return Ok(None);
        };
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            body.extend_from_slice(&chunk);
            if u64::try_from(body.len()).unwrap_or(u64::MAX) > MAX_STATUS_BYTES {
                return Err(too_large(MAX_STATUS_BYTES));
            }
        }
        Ok(Some(body))
    }
}

/// An IBAN or a message id as one path segment: the characters they are
/// made of only, so nothing can change the path.
fn path_segment(value: &str) -> Result<&str, ExchangeError> {
    let fine = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && value != "."
        && value != "..";
    if fine {
        Ok(value)
    } else {
        Err(ExchangeError::Refused(format!(
            "{:?} cannot be named in a path",
            maksa_domain::text::bounded(value, 100)
        )))
    }
}

fn identity_parts(
    identity: &Identity,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ClientError> {
    match identity {
        Identity::Pem { certificate, key } => {
            let chain = CertificateDer::pem_slice_iter(certificate.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ClientError::Identity(e.to_string()))?;
            if chain.is_empty() {
                return Err(ClientError::Identity("no CERTIFICATE block".into()));
            }
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
                .map_err(|e| ClientError::Identity(format!("the key: {e}")))?;
            Ok((chain, key))
        }
        Identity::Pkcs12 { der, password } => {
            let store = p12_keystore::KeyStore::from_pkcs12(
                der,
                password,
                p12_keystore::Pkcs12ImportPolicy::Strict,
            )
            .map_err(|e| ClientError::Identity(format!("the PKCS#12 file: {e}")))?;
            let (_, chain) = store.private_key_chain().ok_or_else(|| {
                ClientError::Identity("the PKCS#12 file holds no key with its certificate".into())
            })?;
            let certificates: Vec<CertificateDer<'static>> = chain
                .certs()
                .iter()
                .map(|c| CertificateDer::from(c.as_der().to_vec()))
                .collect();
            if certificates.is_empty() {
                return Err(ClientError::Identity(
                    "the PKCS#12 file's key has no certificate".into(),
                ));
            }
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().as_der().to_vec()));
            Ok((certificates, key))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_segments_go_into_a_path() {
        assert!(path_segment("LV44HABA0551000000001").is_ok());
        assert!(path_segment("MK-20261130-1").is_ok());
        assert!(path_segment("../x").is_err());
        assert!(path_segment("a/b").is_err());
        assert!(path_segment("..").is_err());
        assert!(path_segment("").is_err());
    }

    fn der_of(pem: &str) -> Vec<u8> {
        CertificateDer::pem_slice_iter(pem.as_bytes())
            .next()
            .and_then(Result::ok)
            .map(|c| c.to_vec())
            .unwrap_or_default()
    }

    #[test]
    fn a_pkcs12_identity_is_read_with_its_password() {
        let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "hub")
            .unwrap_or_else(|e| panic!("{e}"));
        let key = PrivateKeyDer::from_pem_slice(pki.client_key_pem.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let chain = p12_keystore::PrivateKeyChain::new(
            "hub",
            p12_keystore::PrivateKey::from_der(key.secret_der()).unwrap_or_else(|e| panic!("{e}")),
            [
                p12_keystore::Certificate::from_der(&der_of(&pki.client_cert_pem))
                    .unwrap_or_else(|e| panic!("{e}")),
            ],
        );
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry("hub", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
        let der = store
            .writer("s3cret")
            .write()
            .unwrap_or_else(|e| panic!("{e}"));
        let ca = Some(pki.ca_cert_pem.as_str());
        let good = Identity::Pkcs12 {
            der: der.clone(),
            password: "s3cret".into(),
        };
        assert!(EkaseClient::new("https://treasury.example/ekase", &good, ca).is_ok());
        let wrong = Identity::Pkcs12 {
            der,
            password: "guess".into(),
        };
        assert!(matches!(
            EkaseClient::new("https://treasury.example/ekase", &wrong, ca),
            Err(ClientError::Identity(_))
        ));
    }

    #[test]
    fn the_url_must_be_https() {
        let identity = Identity::Pem {
            certificate: String::new(),
            key: String::new(),
        };
        assert!(matches!(
            EkaseClient::new("http://treasury.example", &identity, None),
            Err(ClientError::Url(_))
        ));
    }
}
