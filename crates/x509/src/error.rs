//! The one error type of this crate.

/// Everything that can go wrong while reading, generating or serving certificates.
///
/// Variants carry text rather than the underlying library errors so the type
/// stays `Clone + PartialEq`, which keeps assertions in callers' tests simple.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The `MM_Cert` value is empty or only whitespace.
    #[error("the certificate value is empty")]
    Empty,
    /// The value is neither PEM text nor valid standard base64.
    #[error("the certificate value is neither PEM text nor valid base64")]
    NotBase64,
    /// The bytes decoded fine but are not an X.509 certificate (nor a readable PKCS#12 file).
    #[error("not an X.509 certificate: {0}")]
    NotACertificate(String),
    /// A PKCS#12 (PFX) file whose certificates are encrypted with a password other than the empty one.
    #[error(
        "the PKCS#12 file is protected by a password; export it without a password or send the certificate alone"
    )]
    Pkcs12Locked,
    /// PEM text for a certificate or private key given to the PKI or TLS helpers could not be used.
    #[error("invalid PEM input: {0}")]
    InvalidPem(String),
    /// rcgen refused to build or sign a certificate.
    #[error("certificate generation failed: {0}")]
    Generation(String),
    /// rustls refused the TLS configuration (bad key, unsupported certificate, no CA roots, ...).
    #[error("TLS configuration failed: {0}")]
    Tls(String),
}

impl From<rcgen::Error> for CertError {
    fn from(error: rcgen::Error) -> Self {
        Self::Generation(error.to_string())
    }
}

impl From<rustls::Error> for CertError {
    fn from(error: rustls::Error) -> Self {
        Self::Tls(error.to_string())
    }
}

impl From<rustls::server::VerifierBuilderError> for CertError {
    fn from(error: rustls::server::VerifierBuilderError) -> Self {
        Self::Tls(error.to_string())
    }
}
