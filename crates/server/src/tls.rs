//! Turning what arrived (the TLS peer certificate the accept loop attached, and
//! the body's `MM_Cert`) into the application's `Credentials`.

use crate::json::text;
use axum::http::Extensions;
use base64::Engine;
use maksa_app::auth::{Channel, Credentials, PresentedCertificate};
use maksa_app::error::AppError;
use maksa_x509::{CertificateInfo, TlsPeer, parse_mm_cert};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub fn presented(info: &CertificateInfo) -> PresentedCertificate {
    PresentedCertificate {
        thumbprint: info.thumbprint_sha256.clone(),
        subject: info.subject.clone(),
        not_before: info.not_before,
        not_after: info.not_after,
    }
}

pub async fn credentials(
    extensions: &Extensions,
    body: &Map<String, Value>,
) -> Result<Credentials, AppError> {
    let peer = extensions.get::<TlsPeer>().map(|tls| tls.0.clone());
    let body_value = text(body, "MM_Cert")?.filter(|v| !v.trim().is_empty());
    let body_certificate = match body_value {
        None => None,
        Some(value) => {
            Some(read_body_certificate(peer.as_ref().and_then(|p| p.as_deref()), value).await)
        }
    };
    Ok(Credentials {
        channel: channel(peer),
        body_certificate,
    })
}

/// The connection's certificate alone, for doors whose messages carry no
/// `MM_Cert` (SOAP: transport security, as basicHttpBinding's
/// `clientCredentialType="Certificate"`).
pub fn connection_credentials(extensions: &Extensions) -> Credentials {
    Credentials {
        channel: channel(extensions.get::<TlsPeer>().map(|tls| tls.0.clone())),
        body_certificate: None,
    }
}

fn channel(peer: Option<Option<std::sync::Arc<maksa_x509::PeerCertificate>>>) -> Channel {
    match peer {
        None => Channel::Plain,
        Some(peer) => Channel::Tls {
            peer: peer.map(|p| presented(&p.info)),
        },
    }
}

async fn read_body_certificate(
    peer: Option<&maksa_x509::PeerCertificate>,
    value: String,
) -> Result<PresentedCertificate, String> {
    // Fast path: the body repeats the connection's certificate byte for byte.
    if let Some(peer) = peer {
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(compact)
            && der == peer.info.der
        {
            return Ok(presented(&peer.info));
        }
    }
    if let Some(known) = parsed_before(&value) {
        return Ok(known);
    }
    // A PKCS#12 blob may demand many key-derivation rounds: keep that work off
    // the async threads that answer everyone else.
    let key = value.clone();
    let result = tokio::task::spawn_blocking(move || {
        parse_mm_cert(&value)
            .map(|info| presented(&info))
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|_| Err("the certificate could not be read".into()));
    if let Ok(certificate) = &result {
        remember(key, certificate.clone());
    }
    result
}

/// Legacy clients send the same `MM_Cert` text with every call; parsing it is a
/// pure function of the text, so its result is kept. Bounded: when full, it
/// starts over (a few hundred clients fit; an attacker sending random
/// certificates only makes it forget). Only successes are kept, so the
/// registry (revocation, expiry) is still consulted on every call.
const PARSED_CAPACITY: usize = 512;

fn parsed() -> &'static Mutex<HashMap<String, PresentedCertificate>> {
    static PARSED: OnceLock<Mutex<HashMap<String, PresentedCertificate>>> = OnceLock::new();
    PARSED.get_or_init(|| Mutex::new(HashMap::new()))
}

fn parsed_before(value: &str) -> Option<PresentedCertificate> {
    parsed().lock().ok()?.get(value).cloned()
}

fn remember(value: String, certificate: PresentedCertificate) {
    if let Ok(mut cache) = parsed().lock() {
        if cache.len() >= PARSED_CAPACITY {
            cache.clear();
        }
        cache.insert(value, certificate);
    }
}
