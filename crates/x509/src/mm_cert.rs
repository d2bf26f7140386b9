//! The `MM_Cert` field: how e-services hand us the certificate they will authenticate with.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

use crate::{CertError, CertificateInfo, pkcs12};

const PEM_CERTIFICATE_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_CERTIFICATE_END: &str = "-----END CERTIFICATE-----";
/// Any PEM armour; used to recognise PEM text before trying base64.
const PEM_ANY_BEGIN: &str = "-----BEGIN ";

/// Standard alphabet, padding optional: senders disagree on whether to pad.
const STANDARD_PADDING_OPTIONAL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Reads the `MM_Cert` value of a JSON body into a certificate.
///
/// Accepted forms, as e-services actually send them:
/// - standard base64 of the DER certificate (padding optional, whitespace ignored);
/// - PEM text (the first `CERTIFICATE` block is used), also when it was base64-encoded once more;
/// - base64 of a PKCS#12 (PFX) file exported without a password; when it
///   holds several certificates, the one paired with the private key wins,
///   else the first non-CA one, else the first.
///
/// Never panics, whatever the input. A hostile PKCS#12 file may ask for up
/// to a million key-derivation rounds (p12-keystore's cap), i.e. up to a few
/// seconds of CPU: async callers facing untrusted input should run this in
/// `tokio::task::spawn_blocking`.
pub fn parse_mm_cert(value: &str) -> Result<CertificateInfo, CertError> {
    // A byte-order mark sneaks in when the value was pasted from a Windows text file.
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if value.is_empty() {
        return Err(CertError::Empty);
    }
    if value.contains(PEM_ANY_BEGIN) {
        return CertificateInfo::from_der(&first_pem_certificate(value)?);
    }
    let bytes = decode_base64(value)?;
    if bytes.is_empty() {
        return Err(CertError::Empty);
    }
    // Someone base64-encoded a .pem/.crt file rather than its DER content.
    if bytes.starts_with(PEM_ANY_BEGIN.as_bytes()) {
        let text = String::from_utf8_lossy(&bytes);
        return CertificateInfo::from_der(&first_pem_certificate(&text)?);
    }
    match CertificateInfo::from_der(&bytes) {
        Ok(info) => Ok(info),
        Err(not_x509) => match pkcs12::certificate_from_pkcs12(&bytes)? {
            Some(der) => CertificateInfo::from_der(&der),
            None => Err(not_x509),
        },
    }
}

/// The `MM_Cert` value for a PEM certificate: standard padded base64 of its DER.
pub fn mm_cert_value(cert_pem: &str) -> Result<String, CertError> {
    let der = first_pem_certificate(cert_pem)?;
    // Refuse to produce a value that parse_mm_cert would reject.
    CertificateInfo::from_der(&der)?;
    Ok(STANDARD.encode(der))
}

/// The DER of the first `CERTIFICATE` block of PEM text.
///
/// Searches for the armour lines instead of parsing line by line, so PEM
/// whose newlines were lost or JSON-escaped twice (`\n` as two characters)
/// still works.
pub(crate) fn first_pem_certificate(text: &str) -> Result<Vec<u8>, CertError> {
    let (_, after_begin) = text.split_once(PEM_CERTIFICATE_BEGIN).ok_or_else(|| {
        CertError::NotACertificate("the PEM text holds no CERTIFICATE block".to_owned())
    })?;
    let (body, _) = after_begin.split_once(PEM_CERTIFICATE_END).ok_or_else(|| {
        CertError::NotACertificate("the PEM CERTIFICATE block has no END line".to_owned())
    })?;
    let der = decode_base64(body)?;
    if der.is_empty() {
        return Err(CertError::Empty);
    }
    Ok(der)
}

/// Decodes standard base64, ignoring whitespace and literal `\n`/`\r` escapes.
fn decode_base64(text: &str) -> Result<Vec<u8>, CertError> {
    // A backslash is never base64, so removing escape sequences cannot alter real data.
    let compact: String = text
        .replace("\\r", "")
        .replace("\\n", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD_PADDING_OPTIONAL
        .decode(compact)
        .map_err(|_| CertError::NotBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_optional() {
        assert_eq!(decode_base64("QUI=").expect("padded"), b"AB");
        assert_eq!(decode_base64("QUI").expect("unpadded"), b"AB");
        assert_eq!(decode_base64(" Q U\n\tI ").expect("spaced"), b"AB");
        assert_eq!(decode_base64("QU\\nI=").expect("escaped newline"), b"AB");
        assert_eq!(decode_base64("QU*I"), Err(CertError::NotBase64));
    }

    #[test]
    fn url_safe_engine_is_not_used() {
        // `-` and `_` are URL-safe only; we promise the standard alphabet.
        assert_eq!(decode_base64("-_-_"), Err(CertError::NotBase64));
    }
}
