//! Enveloped XML signatures as Digi::Link uses them: one `Signature` (inside
//! `SignatureData`) whose one `Reference URI=""` covers the whole document
//! less the signature, canonicalised with C14N 1.0, signed with RSA PKCS#1
//! v1.5.
//!
//! Verifying reads the algorithms from the message and accepts only these:
//! canonicalisation C14N 1.0 without comments; signature RSA-SHA256 or
//! RSA-SHA1 (the bank signed with SHA-1 until about 2017); transforms the
//! enveloped-signature transform, optionally followed by C14N 1.0; digest
//! SHA-256 or SHA-1. Anything else is refused, as is a second signature, a
//! reference to anything but the whole document, or a `KeyInfo` standing in
//! for the configured bank certificates (it is ignored). Signing writes
//! C14N 1.0, RSA-SHA256, the enveloped-signature transform and SHA-256, the
//! bank's own choice in its current messages.

use super::c14n;
use super::xml::{self, Element};
use crate::rsa_keys::{Digest, RsaKey, TrustedKeys};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Exclusive C14N 1.0 ([`c14n::exclusive`]): not accepted here, but by the
/// readers of SAML tokens built on this module.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Where the signature goes in a document being signed: exactly once.
pub const PLACEHOLDER: &str = "<SignatureData></SignatureData>";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsigError {
    /// Not a document we read.
    Malformed(String),
    /// No signature, one we do not accept, or one that does not verify.
    BadSignature(String),
}

fn malformed(message: impl Into<String>) -> DsigError {
    DsigError::Malformed(message.into())
}

fn bad(message: impl Into<String>) -> DsigError {
    DsigError::BadSignature(message.into())
}

/// The digest of `data` (a reference's `DigestValue`, decoded).
pub fn hash(digest: Digest, data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    match digest {
        Digest::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Digest::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Digest::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

fn algorithm(element: &Element) -> Result<&str, DsigError> {
    if element.elements().next().is_some() {
        return Err(bad(format!("{} has parameters", element.local)));
    }
    element
        .attribute("Algorithm")
        .ok_or_else(|| malformed(format!("{} has no Algorithm", element.local)))
}

fn only<'a>(parent: &'a Element, local: &str) -> Result<&'a Element, DsigError> {
    parent
        .only_child(DSIG, local)
        .ok_or_else(|| malformed(format!("{} must have exactly one {local}", parent.local)))
}

fn allow_only(element: &Element, names: &[&str]) -> Result<(), DsigError> {
    match element
        .elements()
        .find(|e| e.namespace.as_deref() != Some(DSIG) || !names.contains(&e.local.as_str()))
    {
        Some(other) => Err(malformed(format!(
            "{} inside {}",
            crate::vk::quoted(&other.local),
            element.local
        ))),
        None => Ok(()),
    }
}

/// The base64 text of `element` (`DigestValue`, `SignatureValue`,
/// `X509Certificate`), decoded; whitespace inside it does not count.
pub fn base64_value(element: &Element) -> Result<Vec<u8>, DsigError> {
    let text: String = element
        .text()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    BASE64
        .decode(text.as_bytes())
        .map_err(|_| bad(format!("{} is not base64", element.local)))
}

/// Parses `bytes`, checks its one enveloped signature with `keys`, and
/// answers the document's root: the tree every value must then be read from.
pub fn verify(bytes: &[u8], keys: &TrustedKeys) -> Result<Element, DsigError> {
    let root = xml::parse(bytes).map_err(|e| malformed(e.0))?;
    let all = root.descendants();
    if all.iter().any(|e| {
        e.attributes
            .iter()
            .any(|a| a.namespace.as_deref() == Some(XML_NAMESPACE))
    }) {
        return Err(malformed("xml: attributes are not accepted"));
    }
    let mut signatures = all.iter().filter(|e| e.is(DSIG, "Signature"));
    let signature = *signatures
        .next()
        .ok_or_else(|| bad("the document is not signed"))?;
    if signatures.next().is_some() {
        return Err(bad("the document has more than one signature"));
    }
    allow_only(signature, &["SignedInfo", "SignatureValue", "KeyInfo"])?;
    let signed_info = only(signature, "SignedInfo")?;
    allow_only(
        signed_info,
        &["CanonicalizationMethod", "SignatureMethod", "Reference"],
    )?;
    let canonicalization = algorithm(only(signed_info, "CanonicalizationMethod")?)?;
    if canonicalization != C14N {
        return Err(bad(format!(
            "canonicalisation {} is not accepted",
            crate::vk::quoted(canonicalization)
        )));
    }
    let signature_digest = match algorithm(only(signed_info, "SignatureMethod")?)? {
        RSA_SHA256 => Digest::Sha256,
        RSA_SHA1 => Digest::Sha1,
        other => {
            return Err(bad(format!(
                "signature method {} is not accepted",
                crate::vk::quoted(other)
            )));
        }
    };
    let reference = only(signed_info, "Reference")?;
    allow_only(reference, &["Transforms", "DigestMethod", "DigestValue"])?;
    if reference.attribute("URI") != Some("") {
        return Err(bad("the reference is not to the whole document"));
    }
    if reference.attributes.len() != 1 {
        return Err(bad("the reference has attributes other than URI"));
    }
    let transforms = only(reference, "Transforms")?;
    allow_only(transforms, &["Transform"])?;
    let transforms = transforms
        .elements()
        .map(algorithm)
        .collect::<Result<Vec<_>, _>>()?;
    if transforms != [ENVELOPED] && transforms != [ENVELOPED, C14N] {
        return Err(bad(
            "the transforms are not the enveloped signature (and C14N)",
        ));
    }
    let reference_digest = match algorithm(only(reference, "DigestMethod")?)? {
        SHA256 => Digest::Sha256,
        SHA1 => Digest::Sha1,
        other => {
            return Err(bad(format!(
                "digest method {} is not accepted",
                crate::vk::quoted(other)
            )));
        }
    };
    let expected = base64_value(only(reference, "DigestValue")?)?;
    let content = c14n::document(&root, Some(signature));
    if hash(reference_digest, content.as_bytes()) != expected {
        return Err(bad("the document was changed after it was signed"));
    }
    let signed = c14n::subtree(&root, signed_info)
        .ok_or_else(|| malformed("SignedInfo is not in the document"))?;
    let value = base64_value(only(signature, "SignatureValue")?)?;
    if !keys.verify(signature_digest, signed.as_bytes(), &value) {
        return Err(bad(
            "the signature does not verify with the bank's certificate",
        ));
    }
    Ok(root)
}

/// Signs `unsigned`, a document with [`PLACEHOLDER`] once: answers the
/// document with the signature there. `certificate` (PEM) goes into
/// `KeyInfo` when given.
pub fn sign(unsigned: &str, key: &RsaKey, certificate: Option<&str>) -> Result<String, String> {
    if unsigned.matches(PLACEHOLDER).count() != 1 {
        return Err("the document must have one empty SignatureData".into());
    }
    let root = xml::parse(unsigned.as_bytes()).map_err(|e| e.0)?;
    let digest = BASE64.encode(hash(Digest::Sha256, c14n::document(&root, None).as_bytes()));
    let key_info = match certificate {
        Some(pem) => {
            let body: String = pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .flat_map(|l| l.trim().chars())
                .collect();
            format!(
                "<KeyInfo><X509Data><X509Certificate>{body}</X509Certificate></X509Data></KeyInfo>"
            )
        }
        None => String::new(),
    };
    let signature = format!(
        "<SignatureData><Signature xmlns=\"{DSIG}\"><SignedInfo>\
         <CanonicalizationMethod Algorithm=\"{C14N}\"/>\
         <SignatureMethod Algorithm=\"{RSA_SHA256}\"/>\
         <Reference URI=\"\"><Transforms><Transform Algorithm=\"{ENVELOPED}\"/></Transforms>\
         <DigestMethod Algorithm=\"{SHA256}\"/><DigestValue>{digest}</DigestValue></Reference>\
         </SignedInfo><SignatureValue></SignatureValue>{key_info}</Signature></SignatureData>"
    );
    let with_info = unsigned.replacen(PLACEHOLDER, &signature, 1);
    let root = xml::parse(with_info.as_bytes()).map_err(|e| e.0)?;
    let info = root
        .descendants()
        .into_iter()
        .find(|e| e.is(DSIG, "SignedInfo"))
        .ok_or("no SignedInfo")?;
    let signed = c14n::subtree(&root, info).ok_or("no SignedInfo")?;
    let value = BASE64.encode(key.sign(Digest::Sha256, signed.as_bytes()));
    Ok(with_info.replacen(
        "<SignatureValue></SignatureValue>",
        &format!("<SignatureValue>{value}</SignatureValue>"),
        1,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rsa_keys::public_key_from_pem;

    fn der_certificate_pem(base64_body: &str) -> String {
        let body: String = base64_body.split_whitespace().collect();
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    fn embedded_certificate(document: &str) -> TrustedKeys {
        let start = document.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
        let end = document.find("</X509Certificate>").unwrap();
        let pem = der_certificate_pem(&document[start..end]);
        TrustedKeys::new(vec![public_key_from_pem(&pem).unwrap()]).unwrap()
    }

    /// A PMTRESP signed by Citadele's own AMAI certificate in 2016 (RSA-SHA1,
    /// SHA-1 digest), as published in an open-source merchant integration.
    const BANK_PMTRESP_2016: &str = include_str!("testdata/pmtresp-2016.xml");
    /// An AUTHRESP in the bank's current form (RSA-SHA256, SHA-256 digest),
    /// the callback fixture of mitigate-dev/omniauth-citadele.
    const AUTHRESP_SHA256: &str = include_str!("testdata/authresp-sha256.xml");

    #[test]
    fn a_published_bank_message_verifies() {
        let keys = embedded_certificate(BANK_PMTRESP_2016);
        let root = verify(BANK_PMTRESP_2016.as_bytes(), &keys).unwrap();
        assert_eq!(root.local, "FIDAVISTA");
        // Any change to the text of a signed element breaks it.
        for (from, to) in [
            ("<Code>100</Code>", "<Code>200</Code>"),
            ("<RequestUID>57d66f13da<", "<RequestUID>57d66f13db<"),
            ("<From>10000<", "<From>10001<"),
            (
                "<Timestamp>20160912115929000<",
                "<Timestamp>20160912115929001<",
            ),
            ("<Version>1.0<", "<Version>5.0<"),
            ("<Request>PMTRESP<", "<Request>PMTSTATRESP<"),
        ] {
            let changed = BANK_PMTRESP_2016.replacen(from, to, 1);
            assert_ne!(changed, BANK_PMTRESP_2016);
            assert!(
                matches!(
                    verify(changed.as_bytes(), &keys),
                    Err(DsigError::BadSignature(_))
                ),
                "{to}"
            );
        }
        // Whitespace inside the base64 values and line breaks outside the
        // root change nothing.
        let reflowed = BANK_PMTRESP_2016.replacen("?>\n", "?>\r\n\r\n", 1);
        verify(reflowed.as_bytes(), &keys).unwrap();
    }

    #[test]
    fn the_digest_of_a_published_sha256_message_matches() {
        // The fixture's signature is not by the certificate it carries (nor
        // by the library's response certificate), but its reference digest
        // is right: our canonical form of the document equals the signer's.
        let keys = embedded_certificate(AUTHRESP_SHA256);
        match verify(AUTHRESP_SHA256.as_bytes(), &keys) {
            Err(DsigError::BadSignature(reason)) => {
                assert!(reason.contains("does not verify"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let changed = AUTHRESP_SHA256.replacen("AŠĶŪO", "ASKUO", 1);
        match verify(changed.as_bytes(), &keys) {
            Err(DsigError::BadSignature(reason)) => assert!(reason.contains("changed"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn our_signature_verifies_and_each_changed_text_breaks_it() {
        let key = RsaKey::generate().unwrap();
        let keys = TrustedKeys::new(vec![key.public()]).unwrap();
        let unsigned = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FIDAVISTA xmlns=\"urn:f\" \
            xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><Header><A>1</A><Extension>\
            <Amai xmlns=\"urn:a\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><B>Rīga &amp; co</B>\
            <SignatureData></SignatureData><C>3</C></Amai></Extension></Header></FIDAVISTA>";
        let signed = sign(unsigned, &key, None).unwrap();
        verify(signed.as_bytes(), &keys).unwrap();
        for (from, to) in [
            ("<A>1</A>", "<A>2</A>"),
            ("Rīga", "Riga"),
            ("<C>3</C>", "<C>3 </C>"),
            ("<C>3</C>", "<C>3</C><D/>"),
            ("xmlns=\"urn:a\"", "xmlns=\"urn:b\""),
            ("<Header>", "<Header x=\"1\">"),
        ] {
            let changed = signed.replacen(from, to, 1);
            assert_ne!(changed, signed);
            assert!(
                matches!(
                    verify(changed.as_bytes(), &keys),
                    Err(DsigError::BadSignature(_))
                ),
                "{from} → {to}"
            );
        }
        // A key that is not the trusted one.
        let other = RsaKey::generate().unwrap();
        let forged = sign(unsigned, &other, None).unwrap();
        assert!(matches!(
            verify(forged.as_bytes(), &keys),
            Err(DsigError::BadSignature(_))
        ));
        // Algorithms we do not accept.
        for (from, to) in [
            (C14N, EXC_C14N),
            (RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#hmac-sha1"),
            (SHA256, "http://www.w3.org/2001/04/xmldsig-more#md5"),
            ("URI=\"\"", "URI=\"#x\""),
        ] {
            let changed = signed.replacen(from, to, 1);
            assert!(verify(changed.as_bytes(), &keys).is_err(), "{to}");
        }
        // No signature, two signatures.
        assert!(matches!(
            verify(unsigned.as_bytes(), &keys),
            Err(DsigError::BadSignature(_))
        ));
        let start = signed.find("<Signature ").unwrap();
        let end = signed.find("</Signature>").unwrap() + "</Signature>".len();
        let twice = signed.replacen("<C>3</C>", &format!("<C>3</C>{}", &signed[start..end]), 1);
        assert!(verify(twice.as_bytes(), &keys).is_err());
    }

    #[test]
    fn our_rsa_signature_equals_openssls() {
        let key = RsaKey::generate().unwrap();
        let unsigned = "<FIDAVISTA xmlns=\"urn:f\"><Header><SignatureData></SignatureData></Header></FIDAVISTA>";
        let signed = sign(unsigned, &key, None).unwrap();
        let root = xml::parse(signed.as_bytes()).unwrap();
        let info = root
            .descendants()
            .into_iter()
            .find(|e| e.is(DSIG, "SignedInfo"))
            .unwrap();
        let canonical = c14n::subtree(&root, info).unwrap();
        let value = root
            .descendants()
            .into_iter()
            .find(|e| e.is(DSIG, "SignatureValue"))
            .map(base64_value)
            .unwrap()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("key.pem");
        let data_path = dir.path().join("signed-info");
        std::fs::write(&key_path, key.private_pem().unwrap()).unwrap();
        std::fs::write(&data_path, canonical.as_bytes()).unwrap();
        // A known answer never skips (CI installs openssl: .ci/run).
        let output = std::process::Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&key_path)
            .arg(&data_path)
            .output()
            .expect("the openssl command line is needed for this known answer");
        assert!(output.status.success(), "{output:?}");
        // PKCS#1 v1.5 is deterministic: the same bytes.
        assert_eq!(output.stdout, value);
    }

    #[test]
    fn a_signature_made_by_xmlsec1_verifies() {
        let key = RsaKey::generate().unwrap();
        let keys = TrustedKeys::new(vec![key.public()]).unwrap();
        let template = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FIDAVISTA xmlns=\"urn:f\" \
            xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><Header><Timestamp>20261130120000000</Timestamp>\
            <Extension><Amai xmlns=\"urn:a\"><Request>PMTRESP</Request><Message>a &lt; b &amp; ā</Message>\
            <SignatureData>\
            <Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>\
            <CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>\
            <SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
            <Reference URI=\"\"><Transforms><Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></Transforms>\
            <DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference>\
            </SignedInfo><SignatureValue/></Signature></SignatureData></Amai></Extension></Header></FIDAVISTA>\n";
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("key.pem");
        let doc_path = dir.path().join("doc.xml");
        std::fs::write(&key_path, key.private_pem().unwrap()).unwrap();
        std::fs::write(&doc_path, template).unwrap();
        // A known answer never skips (CI installs xmlsec1: .ci/run).
        let output = std::process::Command::new("xmlsec1")
            .args(["--sign", "--privkey-pem"])
            .arg(&key_path)
            .arg(&doc_path)
            .output()
            .expect("xmlsec1 is needed for this known answer (apt-get install xmlsec1)");
        assert!(output.status.success(), "{output:?}");
        let signed = String::from_utf8(output.stdout).unwrap();
        verify(signed.as_bytes(), &keys).unwrap();
        // And xmlsec1 verifies ours.
        let unsigned = template.replacen(
            &template[template.find("<SignatureData>").unwrap()
                ..template.find("</SignatureData>").unwrap() + "</SignatureData>".len()],
            PLACEHOLDER,
            1,
        );
        let ours = sign(&unsigned, &key, None).unwrap();
        std::fs::write(&doc_path, &ours).unwrap();
        let public_path = dir.path().join("pub.pem");
        std::fs::write(
            &public_path,
            crate::rsa_keys::public_key_pem(&key.public()).unwrap(),
        )
        .unwrap();
        let output = std::process::Command::new("xmlsec1")
            .args(["--verify", "--pubkey-pem"])
            .arg(&public_path)
            .arg(&doc_path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
}
