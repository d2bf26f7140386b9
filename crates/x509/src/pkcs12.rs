//! Finding the certificate an e-service meant inside a PKCS#12 (PFX) file.
//!
//! E-service operators often export "the certificate" from Windows or a Java
//! keystore and get a PFX holding their certificate, its private key and the
//! CA chain. We only want their own certificate, and never need the key.

use p12_keystore::Pkcs12Archive;

use crate::CertError;
use crate::der::{
    TAG_CONTEXT_0, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, TAG_SET, Tlv, encode_tlv,
    read_all, read_only, read_tlv,
};

/// "Exported without a password" means the empty password in every common tool.
const EMPTY_PASSWORD: &str = "";

// Object identifiers, as the content bytes of their DER encoding.
/// 1.2.840.113549.1.7.1, PKCS#7 data.
const OID_PKCS7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// 1.2.840.113549.1.7.6, PKCS#7 encryptedData.
const OID_PKCS7_ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
/// 1.2.840.113549.1.12.10.1.1, PKCS#12 keyBag.
const OID_KEY_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01,
];
/// 1.2.840.113549.1.12.10.1.2, PKCS#12 pkcs8ShroudedKeyBag.
const OID_SHROUDED_KEY_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
];
/// 1.2.840.113549.1.12.10.1.3, PKCS#12 certBag.
const OID_CERT_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
];
/// 1.2.840.113549.1.9.22.1, x509Certificate inside a certBag.
const OID_X509_CERTIFICATE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
/// 1.2.840.113549.1.9.21, the localKeyId bag attribute that pairs a certificate with its key.
const OID_LOCAL_KEY_ID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x15];

/// A certificate found in a PFX, with what is needed to choose among several.
struct FoundCertificate {
    der: Vec<u8>,
    local_key_id: Option<Vec<u8>>,
}

/// The certificates of a PFX and the local key ids of its private keys.
#[derive(Default)]
struct Contents {
    certificates: Vec<FoundCertificate>,
    key_ids: Vec<Vec<u8>>,
}

/// What the outer, never-encrypted layers of a PFX reveal.
struct Outline<'a> {
    version: Tlv<'a>,
    auth_safe: Tlv<'a>,
    has_mac: bool,
    /// Certificates and key ids stored in unencrypted safes.
    clear_contents: Contents,
    /// Whether some safe is encrypted (with a password we may not know).
    has_encrypted_safe: bool,
}

/// Returns the DER of the certificate the PFX is about, or `Ok(None)` when
/// `bytes` is not a PKCS#12 file at all (so the caller can report why it is
/// not a certificate either).
pub(crate) fn certificate_from_pkcs12(bytes: &[u8]) -> Result<Option<Vec<u8>>, CertError> {
    let Some(outline) = read_outline(bytes) else {
        return Ok(None);
    };
    let first_error = match open_archive(bytes) {
        Ok(contents) => return chosen_certificate(contents).map(Some),
        Err(error) => error,
    };
    // A MAC keyed with the "absent" password (no bytes at all) differs from
    // one keyed with the empty password (a UTF-16 NUL), and p12-keystore can
    // only express the latter. Dropping the MAC costs nothing here: it only
    // proves the file was made by someone knowing a password that is empty
    // anyway, while the certificate we extract is public data.
    if outline.has_mac {
        let mut without_mac = outline.version.encoded.to_vec();
        without_mac.extend_from_slice(outline.auth_safe.encoded);
        if let Ok(contents) = open_archive(&encode_tlv(TAG_SEQUENCE, &without_mac)) {
            return chosen_certificate(contents).map(Some);
        }
    }
    // Typical of Java and `openssl -certpbe NONE`: clear-text certificates
    // next to a password-protected key. The certificate is all we need.
    if !outline.clear_contents.certificates.is_empty() {
        return chosen_certificate(outline.clear_contents).map(Some);
    }
    if outline.has_encrypted_safe {
        return Err(CertError::Pkcs12Locked);
    }
    Err(CertError::NotACertificate(format!(
        "unreadable PKCS#12 file: {first_error}"
    )))
}

/// Decodes and decrypts the whole PFX with the empty password.
fn open_archive(bytes: &[u8]) -> Result<Contents, String> {
    // p12-keystore sits on pre-release RustCrypto crates (cms, pkcs12); the
    // input is attacker-controlled, so a panic deep inside must not take the
    // request down with it.
    let archive = std::panic::catch_unwind(|| Pkcs12Archive::from_pkcs12(bytes, EMPTY_PASSWORD))
        .map_err(|_| "the PKCS#12 decoder panicked".to_owned())?
        .map_err(|error| error.to_string())?;
    Ok(Contents {
        certificates: archive
            .certs
            .into_iter()
            .map(|bag| FoundCertificate {
                der: bag.cert.as_der().to_vec(),
                local_key_id: bag.local_key_id,
            })
            .collect(),
        key_ids: archive
            .keys
            .into_iter()
            .filter_map(|bag| bag.local_key_id.map(|id| id.0))
            .collect(),
    })
}

/// Prefers the certificate paired with a private key (the holder's own),
/// else the first that is not a CA (chains list the leaf and its CAs in any
/// order), else simply the first.
fn chosen_certificate(contents: Contents) -> Result<Vec<u8>, CertError> {
    let Contents {
        mut certificates,
        key_ids,
    } = contents;
    let paired_with_key = certificates.iter().position(|certificate| {
        certificate
            .local_key_id
            .as_ref()
            .is_some_and(|id| key_ids.contains(id))
    });
    let not_a_ca = || {
        certificates.iter().position(|certificate| {
            x509_parser::parse_x509_certificate(&certificate.der)
                .is_ok_and(|(_, parsed)| !parsed.is_ca())
        })
    };
    let index = paired_with_key.or_else(not_a_ca).unwrap_or(0);
    if index < certificates.len() {
        Ok(certificates.swap_remove(index).der)
    } else {
        Err(CertError::NotACertificate(
            "the PKCS#12 file holds no certificate".to_owned(),
        ))
    }
}

/// Walks `PFX ::= SEQUENCE { version, authSafe ContentInfo, macData OPTIONAL }`.
/// `None` means the bytes are not shaped like a PFX.
fn read_outline(bytes: &[u8]) -> Option<Outline<'_>> {
    let pfx = read_only(bytes, TAG_SEQUENCE)?;
    let fields = read_all(pfx.content)?;
    let (version, auth_safe, has_mac) = match fields.as_slice() {
        [version, auth_safe] => (*version, *auth_safe, false),
        [version, auth_safe, _mac] => (*version, *auth_safe, true),
        _ => return None,
    };
    // Version 3 is the only PFX version ever defined.
    if version.tag != TAG_INTEGER || version.content != [3] {
        return None;
    }
    // The password-integrity mode wraps everything in PKCS#7 data; the rare
    // public-key mode (signedData) is not supported by p12-keystore either.
    let authenticated_safe = content_info_data(auth_safe)?;
    let mut outline = Outline {
        version,
        auth_safe,
        has_mac,
        clear_contents: Contents::default(),
        has_encrypted_safe: false,
    };
    let safes = read_only(authenticated_safe, TAG_SEQUENCE)?;
    for safe in read_all(safes.content)? {
        if let Some(safe_contents) = content_info_data(safe) {
            read_safe_contents(safe_contents, &mut outline.clear_contents);
        } else if content_type(safe) == Some(OID_PKCS7_ENCRYPTED_DATA) {
            outline.has_encrypted_safe = true;
        }
    }
    Some(outline)
}

/// The content type OID of a `ContentInfo ::= SEQUENCE { contentType, [0] content }`.
fn content_type<'a>(content_info: Tlv<'a>) -> Option<&'a [u8]> {
    if content_info.tag != TAG_SEQUENCE {
        return None;
    }
    let (oid, _) = read_tlv(content_info.content)?;
    (oid.tag == TAG_OID).then_some(oid.content)
}

/// The octets of a ContentInfo of type PKCS#7 data.
fn content_info_data(content_info: Tlv<'_>) -> Option<&[u8]> {
    if content_type(content_info)? != OID_PKCS7_DATA {
        return None;
    }
    let (_, rest) = read_tlv(content_info.content)?;
    let explicit = read_only(rest, TAG_CONTEXT_0)?;
    Some(read_only(explicit.content, TAG_OCTET_STRING)?.content)
}

/// Collects certificates and key ids from `SafeContents ::= SEQUENCE OF SafeBag`.
/// Malformed bags are skipped: they may sit next to a perfectly good certificate.
fn read_safe_contents(safe_contents: &[u8], contents: &mut Contents) {
    let Some(bags) = read_only(safe_contents, TAG_SEQUENCE).and_then(|bags| read_all(bags.content))
    else {
        return;
    };
    for bag in bags {
        // SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT, bagAttributes SET OPTIONAL }
        let Some(fields) = (bag.tag == TAG_SEQUENCE)
            .then(|| read_all(bag.content))
            .flatten()
        else {
            continue;
        };
        let (bag_id, bag_value, attributes) = match fields.as_slice() {
            [id, value] => (*id, *value, None),
            [id, value, attributes] => (*id, *value, Some(*attributes)),
            _ => continue,
        };
        if bag_id.tag != TAG_OID || bag_value.tag != TAG_CONTEXT_0 {
            continue;
        }
        let local_key_id = attributes.and_then(local_key_id);
        match bag_id.content {
            OID_CERT_BAG => {
                if let Some(der) = x509_from_cert_bag(bag_value.content) {
                    contents.certificates.push(FoundCertificate {
                        der: der.to_vec(),
                        local_key_id,
                    });
                }
            }
            OID_KEY_BAG | OID_SHROUDED_KEY_BAG => contents.key_ids.extend(local_key_id),
            _ => {}
        }
    }
}

/// `CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }`, X.509 only.
fn x509_from_cert_bag(cert_bag: &[u8]) -> Option<&[u8]> {
    let cert_bag = read_only(cert_bag, TAG_SEQUENCE)?;
    let [cert_id, cert_value] = read_all(cert_bag.content)?[..] else {
        return None;
    };
    if cert_id.tag != TAG_OID || cert_id.content != OID_X509_CERTIFICATE {
        return None;
    }
    let explicit = (cert_value.tag == TAG_CONTEXT_0).then_some(cert_value)?;
    Some(read_only(explicit.content, TAG_OCTET_STRING)?.content)
}

/// The localKeyId among `SET OF Attribute`, `Attribute ::= SEQUENCE { OID, SET OF value }`.
fn local_key_id(attributes: Tlv<'_>) -> Option<Vec<u8>> {
    if attributes.tag != TAG_SET {
        return None;
    }
    read_all(attributes.content)?
        .into_iter()
        .find_map(|attribute| {
            let [id, values] = read_all(attribute.content)?[..] else {
                return None;
            };
            if id.tag != TAG_OID || id.content != OID_LOCAL_KEY_ID || values.tag != TAG_SET {
                return None;
            }
            let (value, _) = read_tlv(values.content)?;
            (value.tag == TAG_OCTET_STRING).then(|| value.content.to_vec())
        })
}
