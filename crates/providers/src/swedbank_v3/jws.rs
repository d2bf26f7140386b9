//! Detached JSON Web Signatures with an unencoded payload (RFC 7515 appendix F
//! and RFC 7797), as Swedbank's Payment Initiation API V3 puts them in the
//! `x-jws-signature` header: `<base64url(header)>..<base64url(signature)>`,
//! the signature being RS512 (RSASSA-PKCS1-v1_5 with SHA-512) over the ASCII
//! of `base64url(header)`, a `.`, and the body's bytes exactly as sent.
//!
//! Both sides use these functions (the connector signs requests and verifies
//! answers, the simulator the other way round), so they cannot disagree about
//! what a signature covers.

use crate::rsa_keys::{Digest, RsaKey, TrustedKeys};
use crate::vk::quoted;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};

/// The only algorithm spoken.
pub const ALG: &str = "RS512";
/// The header that carries the signature.
pub const HEADER: &str = "x-jws-signature";
/// The longest `x-jws-signature` value read (a header with a long URL and a
/// 4096-bit signature stay far below).
pub const MAX_SIGNATURE_TEXT: usize = 8 * 1024;
/// The largest RSA signature read (8192-bit keys).
const MAX_SIGNATURE_BYTES: usize = 1024;

/// The protected header, in the order Swedbank's examples write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub b64: bool,
    pub crit: Vec<String>,
    pub iat: i64,
    pub alg: String,
    /// The full request URL (requests; not on the bank's answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `<country>:<merchant id>` (requests; not on the bank's answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl Header {
    /// A header for a signature made now (`iat` in Unix seconds).
    pub fn new(iat: i64, url: Option<String>, kid: Option<String>) -> Header {
        Header {
            b64: false,
            crit: vec!["b64".to_owned()],
            iat,
            alg: ALG.to_owned(),
            url,
            kid,
        }
    }
}

/// Why a signature was refused. Every case is a bad signature to the caller:
/// what is not verifiably the signer's is not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsError(pub String);

impl std::fmt::Display for JwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The signing input: `base64url(header) . body`.
pub fn signing_input(encoded_header: &str, body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(
        encoded_header
            .len()
            .saturating_add(body.len())
            .saturating_add(1),
    );
    input.extend_from_slice(encoded_header.as_bytes());
    input.push(b'.');
    input.extend_from_slice(body);
    input
}

/// The `x-jws-signature` value for `body` under `header`.
pub fn sign(key: &RsaKey, header: &Header, body: &[u8]) -> Result<String, JwsError> {
    let json = serde_json::to_vec(header).map_err(|e| JwsError(format!("header: {e}")))?;
    let encoded = B64URL.encode(json);
    let signature = key.sign(Digest::Sha512, &signing_input(&encoded, body));
    Ok(format!("{encoded}..{}", B64URL.encode(signature)))
}

/// Verifies `value` (an `x-jws-signature`) over `body` with one of `keys`
/// and answers its protected header. Refused: anything but the detached
/// compact form, an unreadable header, another algorithm than RS512, an
/// encoded payload (`b64` must be `false` and named critical), an unknown
/// critical parameter, a signature that does not verify.
pub fn verify(keys: &TrustedKeys, value: &str, body: &[u8]) -> Result<Header, JwsError> {
    let value = value.trim();
    if value.len() > MAX_SIGNATURE_TEXT {
        return Err(JwsError("the signature is too long".into()));
    }
    let mut parts = value.split('.');
    let (Some(encoded_header), Some(payload), Some(encoded_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError(format!(
            "{} is not a detached JWS (header..signature)",
            quoted(value)
        )));
    };
    if !payload.is_empty() {
        return Err(JwsError(
            "the JWS carries a payload; it must be detached".into(),
        ));
    }
    let header_json = B64URL
        .decode(encoded_header)
        .map_err(|_| JwsError("the JWS header is not base64url".into()))?;
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|e| JwsError(format!("the JWS header does not read: {e}")))?;
    if header.alg != ALG {
        return Err(JwsError(format!(
            "algorithm {} is not {ALG}",
            quoted(&header.alg)
        )));
    }
    if header.b64 || !header.crit.iter().any(|c| c == "b64") {
        return Err(JwsError(
            "the payload must be unencoded (b64 false, named in crit)".into(),
        ));
    }
    if let Some(other) = header.crit.iter().find(|c| *c != "b64") {
        return Err(JwsError(format!(
            "unknown critical header parameter {}",
            quoted(other)
        )));
    }
    let signature = B64URL
        .decode(encoded_signature)
        .map_err(|_| JwsError("the JWS signature is not base64url".into()))?;
    if signature.is_empty() || signature.len() > MAX_SIGNATURE_BYTES {
        return Err(JwsError(
            "the JWS signature has an impossible length".into(),
        ));
    }
    if keys.verify(
        Digest::Sha512,
        &signing_input(encoded_header, body),
        &signature,
    ) {
        Ok(header)
    } else {
        Err(JwsError("the JWS signature does not verify".into()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rsa_keys::public_key_pem;
    use std::sync::OnceLock;

    fn keys() -> &'static (RsaKey, RsaKey) {
        static KEYS: OnceLock<(RsaKey, RsaKey)> = OnceLock::new();
        KEYS.get_or_init(|| (RsaKey::generate().unwrap(), RsaKey::generate().unwrap()))
    }

    fn trusted(key: &RsaKey) -> TrustedKeys {
        TrustedKeys::from_pems(&[public_key_pem(&key.public()).unwrap()]).unwrap()
    }

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let (key, other) = keys();
        let header = Header::new(
            1_700_000_000,
            Some("https://pi.swedbank.com/public/api/v3/transactions/providers/HABALV22".into()),
            Some("LV:MERCHANT".into()),
        );
        let body = br#"{"amount":"12.34"}"#;
        let value = sign(key, &header, body).unwrap();
        assert!(value.contains(".."));
        assert_eq!(verify(&trusted(key), &value, body).unwrap(), header);
        assert!(verify(&trusted(key), &value, br#"{"amount":"12.35"}"#).is_err());
        assert!(verify(&trusted(other), &value, body).is_err());
        // An empty body is signed as nothing after the point.
        let empty = sign(key, &header, b"").unwrap();
        assert!(verify(&trusted(key), &empty, b"").is_ok());
        assert!(verify(&trusted(key), &empty, b" ").is_err());
    }

    #[test]
    fn the_header_is_written_in_swedbanks_order() {
        let header = Header::new(5, Some("u".into()), Some("LV:M".into()));
        assert_eq!(
            serde_json::to_string(&header).unwrap(),
            r#"{"b64":false,"crit":["b64"],"iat":5,"alg":"RS512","url":"u","kid":"LV:M"}"#
        );
        let bank = Header::new(5, None, None);
        assert_eq!(
            serde_json::to_string(&bank).unwrap(),
            r#"{"b64":false,"crit":["b64"],"iat":5,"alg":"RS512"}"#
        );
    }

    fn forged(header_json: &str, key: &RsaKey, body: &[u8]) -> String {
        let encoded = B64URL.encode(header_json);
        let signature = key.sign(Digest::Sha512, &signing_input(&encoded, body));
        format!("{encoded}..{}", B64URL.encode(signature))
    }

    #[test]
    fn other_algorithms_encoded_payloads_and_unknown_crit_are_refused() {
        let (key, _) = keys();
        let t = trusted(key);
        let body = b"{}";
        for header in [
            r#"{"b64":false,"crit":["b64"],"iat":1,"alg":"RS256"}"#,
            r#"{"b64":false,"crit":["b64"],"iat":1,"alg":"none"}"#,
            r#"{"b64":true,"crit":["b64"],"iat":1,"alg":"RS512"}"#,
            r#"{"b64":false,"crit":[],"iat":1,"alg":"RS512"}"#,
            r#"{"b64":false,"crit":["b64","exp"],"iat":1,"alg":"RS512"}"#,
            r#"{"crit":["b64"],"iat":1,"alg":"RS512"}"#,
            r#"{"b64":false,"crit":["b64"],"alg":"RS512"}"#,
            r#"[]"#,
        ] {
            assert!(
                verify(&t, &forged(header, key, body), body).is_err(),
                "{header}"
            );
        }
        let good = r#"{"b64":false,"crit":["b64"],"iat":1,"alg":"RS512"}"#;
        assert!(verify(&t, &forged(good, key, body), body).is_ok());
    }

    #[test]
    fn malformed_values_are_refused_without_panicking() {
        let (key, _) = keys();
        let t = trusted(key);
        let value = sign(key, &Header::new(1, None, None), b"x").unwrap();
        let (head, sig) = value.split_once("..").unwrap();
        for bad in [
            String::new(),
            ".".into(),
            "..".into(),
            "...".into(),
            format!("{head}.eA.{sig}"),
            format!("{head}..{sig}.x"),
            format!("{head}..!!"),
            format!("!!..{sig}"),
            format!("{head}.."),
            "ā..ā".into(),
            "x".repeat(MAX_SIGNATURE_TEXT + 1),
        ] {
            assert!(verify(&t, &bad, b"x").is_err(), "{bad}");
        }
    }

    /// A request signature as the hub makes it, recomputed by the `openssl`
    /// command line over the same signing input (PKCS#1 v1.5 is
    /// deterministic), and the header decoded back to the exact JSON.
    #[test]
    fn a_request_signature_is_what_openssl_computes() {
        let (key, _) = keys();
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("hub.pem");
        std::fs::write(&pem, key.private_pem().unwrap()).unwrap();
        let url = "https://pi.swedbank.com/public/api/v3/transactions/providers/HABALV22";
        let header = Header::new(1_767_225_600, Some(url.into()), Some("LV:MERCHANT".into()));
        let body = r#"{"amount":"12.34","currency":"EUR","description":"Rīga"}"#.as_bytes();
        let value = sign(key, &header, body).unwrap();
        let (head, signature) = value.split_once("..").unwrap();
        assert_eq!(
            String::from_utf8(B64URL.decode(head).unwrap()).unwrap(),
            format!(
                r#"{{"b64":false,"crit":["b64"],"iat":1767225600,"alg":"RS512","url":"{url}","kid":"LV:MERCHANT"}}"#
            )
        );
        let input = dir.path().join("input");
        std::fs::write(
            &input,
            format!("{head}.{}", std::str::from_utf8(body).unwrap()),
        )
        .unwrap();
        let output = std::process::Command::new("openssl")
            .args(["dgst", "-sha512", "-sign"])
            .arg(&pem)
            .arg(&input)
            .output()
            .expect("openssl");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(B64URL.decode(signature).unwrap(), output.stdout);
    }
}
