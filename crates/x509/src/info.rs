//! Facts about one certificate, extracted once so callers never touch ASN.1.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::CertError;

/// A parsed X.509 certificate together with the facts maksa stores and compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The exact DER bytes of the certificate.
    pub der: Vec<u8>,
    /// Lowercase hex of the SHA-256 digest of `der`; the identity key of a registered certificate.
    pub thumbprint_sha256: String,
    /// Subject distinguished name, displayed as `CN=..., O=...` (attributes in encoded order).
    pub subject: String,
    /// Issuer distinguished name, same format as `subject`.
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Lowercase hex of the serial number as an unsigned integer, without leading zeros.
    pub serial_hex: String,
}

impl CertificateInfo {
    /// Parses one DER-encoded X.509 certificate.
    ///
    /// Trailing bytes after the certificate are refused: the thumbprint must
    /// identify exactly the certificate, not whatever was appended to it.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        if der.is_empty() {
            return Err(CertError::Empty);
        }
        let (rest, certificate) = x509_parser::parse_x509_certificate(der)
            .map_err(|error| CertError::NotACertificate(error.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::NotACertificate(format!(
                "{} unexpected bytes after the certificate",
                rest.len()
            )));
        }
        let validity = certificate.validity();
        Ok(Self {
            der: der.to_vec(),
            thumbprint_sha256: hex::encode(Sha256::digest(der)),
            subject: certificate.subject().to_string(),
            issuer: certificate.issuer().to_string(),
            not_before: validity.not_before.to_datetime(),
            not_after: validity.not_after.to_datetime(),
            serial_hex: certificate.serial.to_str_radix(16),
        })
    }

    /// Whether `moment` lies within the certificate's validity period (both ends inclusive, as in RFC 5280).
    pub fn is_valid_at(&self, moment: OffsetDateTime) -> bool {
        self.not_before <= moment && moment <= self.not_after
    }
}
