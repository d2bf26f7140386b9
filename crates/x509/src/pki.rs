//! A throw-away PKI for demos and tests: one CA, a server certificate and client certificates.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use time::{Duration, OffsetDateTime};

use crate::CertError;

const DEMO_CA_COMMON_NAME: &str = "maksa demo CA";
const DEMO_ORGANIZATION: &str = "maksa demo";
/// Backdating absorbs clock skew between the machine issuing and the one verifying.
const BACKDATE: Duration = Duration::days(1);
/// 825 days is the longest validity clients such as Apple's accept for TLS certificates.
const VALIDITY: Duration = Duration::days(825);

/// All the PEM texts of a demo PKI. Keys are PKCS#8 PEM (`PRIVATE KEY`).
#[derive(Debug, Clone)]
pub struct DemoPki {
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

/// Generates an ECDSA P-256 CA "maksa demo CA", a server certificate for
/// `server_names` (each an IP address or a DNS name) and a client certificate
/// (`CN=client_common_name, O=maksa demo`, clientAuth), all signed by that CA.
pub fn generate_demo_pki(
    server_names: &[String],
    client_common_name: &str,
) -> Result<DemoPki, CertError> {
    let (not_before, not_after) = default_validity()?;

    let ca_key = new_key()?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = distinguished_name(DEMO_CA_COMMON_NAME, DEMO_ORGANIZATION);
    // Path length 0: this CA signs end entities only, never intermediate CAs.
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca = Issuer::new(ca_params, ca_key);

    let server_key = new_key()?;
    // CertificateParams::new turns each name into an IP or DNS subject alternative name.
    let mut server_params = CertificateParams::new(server_names.to_vec())?;
    let server_common_name = server_names
        .first()
        .map_or("maksa demo server", String::as_str);
    server_params.distinguished_name = distinguished_name(server_common_name, DEMO_ORGANIZATION);
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    server_params.not_before = not_before;
    server_params.not_after = not_after;
    let server_cert = server_params.signed_by(&server_key, &ca)?;

    let (client_cert_pem, client_key_pem) =
        sign_client_cert(&ca, client_common_name, not_before, not_after)?;

    Ok(DemoPki {
        ca_cert_pem: ca_cert.pem(),
        ca_key_pem: ca.key().serialize_pem(),
        server_cert_pem: server_cert.pem(),
        server_key_pem: server_key.serialize_pem(),
        client_cert_pem,
        client_key_pem,
    })
}

/// A self-signed client certificate (`CN=common_name, O=maksa demo`,
/// clientAuth) that no CA vouches for; returns `(cert_pem, key_pem)`.
pub fn generate_self_signed_client(common_name: &str) -> Result<(String, String), CertError> {
    let (not_before, not_after) = default_validity()?;
    let key = new_key()?;
    let params = client_params(common_name, not_before, not_after);
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// A client certificate signed by an existing CA, with explicit validity so
/// tests can make expired or not-yet-valid ones; returns `(cert_pem, key_pem)`.
pub fn issue_client_cert(
    ca_cert_pem: &str,
    ca_key_pem: &str,
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(String, String), CertError> {
    let ca_key = KeyPair::from_pem(ca_key_pem)
        .map_err(|error| CertError::InvalidPem(format!("CA key: {error}")))?;
    let ca = Issuer::from_ca_cert_pem(ca_cert_pem, ca_key)
        .map_err(|error| CertError::InvalidPem(format!("CA certificate: {error}")))?;
    sign_client_cert(&ca, common_name, not_before, not_after)
}

fn sign_client_cert(
    ca: &Issuer<'_, KeyPair>,
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(String, String), CertError> {
    let key = new_key()?;
    let mut params = client_params(common_name, not_before, not_after);
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, ca)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn client_params(
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(common_name, DEMO_ORGANIZATION);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

fn distinguished_name(common_name: &str, organization: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, organization);
    name
}

fn new_key() -> Result<KeyPair, CertError> {
    Ok(KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?)
}

fn default_validity() -> Result<(OffsetDateTime, OffsetDateTime), CertError> {
    let now = OffsetDateTime::now_utc();
    now.checked_sub(BACKDATE)
        .zip(now.checked_add(VALIDITY))
        .ok_or_else(|| CertError::Generation("the system clock is out of range".into()))
}
