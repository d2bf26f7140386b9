//! The simulated portal identity provider of the sandbox: it issues tokens
//! shaped as the portal's (a WS-Trust response around a SAML 1.1 assertion
//! signed with exclusive C14N and a reference by `AssertionID`), signed with
//! a key of its own that the sandbox's relying party trusts.

use crate::{CLAIMS, PORTAL_ISSUER, SAML, WS_TRUST};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use maksa_providers::citadele::c14n;
use maksa_providers::citadele::dsig::{
    self, DSIG, ENVELOPED, EXC_C14N, RSA_SHA1, RSA_SHA256, SHA1, SHA256,
};
use maksa_providers::citadele::xml::{self, escape_text};
use maksa_providers::rsa_keys::{Digest, RsaKey, TrustedKeys};
use std::io;
use std::path::Path;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The simulator's key in the sandbox's key directory.
pub const KEY_FILE: &str = "portal-idp.key";
const POLICY: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
const ADDRESSING: &str = "http://www.w3.org/2005/08/addressing";
const UTILITY: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const PLACEHOLDER: &str = "<!--signature-->";

/// A person the simulated portal signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPayer {
    /// As the portal writes it after `PK:` (`DDMMYY-NNNNN`); not checked
    /// here, so the tests can issue wrong ones.
    pub personal_code: String,
    pub given_name: String,
    pub surname: String,
}

/// The sandbox's test persons: (personal code, given name, surname). Their
/// codes pass the check digit.
pub const TEST_PAYERS: [(&str, &str, &str); 3] = [
    ("010101-10006", "Jānis", "Bērziņš"),
    ("111111-11111", "Anna", "Kalniņa"),
    ("328673-00679", "Pēteris", "Ozols"),
];

impl TestPayer {
    pub fn new(personal_code: &str, given_name: &str, surname: &str) -> TestPayer {
        TestPayer {
            personal_code: personal_code.to_owned(),
            given_name: given_name.to_owned(),
            surname: surname.to_owned(),
        }
    }

    /// The sandbox's persons ([`TEST_PAYERS`]).
    pub fn all() -> Vec<TestPayer> {
        TEST_PAYERS
            .iter()
            .map(|(code, given, surname)| TestPayer::new(code, given, surname))
            .collect()
    }
}

/// The simulated portal.
#[derive(Debug, Clone)]
pub struct SimulatedIdentityProvider {
    key: RsaKey,
    /// PEM, self-signed; also written into each token's `KeyInfo`.
    certificate: String,
    /// The `Issuer` it writes ([`PORTAL_ISSUER`]).
    pub issuer: String,
    /// The digest of its signature and reference: SHA-256, or SHA-1 as older
    /// deployments of the portal's software signed.
    pub digest: Digest,
}

impl SimulatedIdentityProvider {
    pub fn from_key(key: RsaKey) -> io::Result<SimulatedIdentityProvider> {
        let certificate = key.self_signed_certificate("Simulated latvija.lv STS")?;
        Ok(SimulatedIdentityProvider {
            key,
            certificate,
            issuer: PORTAL_ISSUER.to_owned(),
            digest: Digest::Sha256,
        })
    }

    /// With a fresh key (the tests).
    pub fn generate() -> io::Result<SimulatedIdentityProvider> {
        SimulatedIdentityProvider::from_key(RsaKey::generate()?)
    }

    /// With the key in `dir` ([`KEY_FILE`]), created at first start as the
    /// bank simulators' keys are.
    pub fn load_or_create(dir: &Path) -> io::Result<SimulatedIdentityProvider> {
        SimulatedIdentityProvider::from_key(RsaKey::load_or_create(&dir.join(KEY_FILE))?)
    }

    /// Its certificate (PEM): the file the relying party is configured with.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate
    }

    /// What the relying party trusts for it.
    pub fn trusted(&self) -> io::Result<TrustedKeys> {
        TrustedKeys::from_pems(std::slice::from_ref(&self.certificate))
    }

    /// The `wresult` that signs `payer` in at `audience` (the relying
    /// party's realm), valid from `now` for `lifetime`.
    pub fn issue(
        &self,
        payer: &TestPayer,
        audience: &str,
        now: OffsetDateTime,
        lifetime: Duration,
    ) -> io::Result<String> {
        let id = format!("_{}", uuid::Uuid::new_v4());
        let instant = format_time(now)?;
        let until = format_time(now.saturating_add(lifetime))?;
        let audience = escape_attribute(audience);
        let subject = format!(
            "<saml:Subject><saml:NameIdentifier>PK:{}</saml:NameIdentifier>\
             <saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer\
             </saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>",
            escape_text(&payer.personal_code)
        );
        let claim = |name: &str, value: &str| {
            format!(
                "<saml:Attribute AttributeName=\"{name}\" AttributeNamespace=\"{CLAIMS}\">\
                 <saml:AttributeValue>{}</saml:AttributeValue></saml:Attribute>",
                escape_text(value)
            )
        };
        // The response's root declares namespaces the assertion does not
        // use, as the portal's does: only exclusive canonicalisation leaves
        // them out of the assertion's signed form.
        let unsigned = format!(
            "<t:RequestSecurityTokenResponse xmlns:t=\"{WS_TRUST}\">\
             <t:Lifetime><wsu:Created xmlns:wsu=\"{UTILITY}\">{instant}</wsu:Created>\
             <wsu:Expires xmlns:wsu=\"{UTILITY}\">{until}</wsu:Expires></t:Lifetime>\
             <wsp:AppliesTo xmlns:wsp=\"{POLICY}\"><wsa:EndpointReference xmlns:wsa=\"{ADDRESSING}\">\
             <wsa:Address>{audience}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>\
             <t:RequestedSecurityToken>\
             <saml:Assertion MajorVersion=\"1\" MinorVersion=\"1\" AssertionID=\"{id}\" \
             Issuer=\"{issuer}\" IssueInstant=\"{instant}\" xmlns:saml=\"{SAML}\">\
             <saml:Conditions NotBefore=\"{instant}\" NotOnOrAfter=\"{until}\">\
             <saml:AudienceRestrictionCondition><saml:Audience>{audience}</saml:Audience>\
             </saml:AudienceRestrictionCondition></saml:Conditions>\
             <saml:AttributeStatement>{subject}{given}{surname}{private}</saml:AttributeStatement>\
             <saml:AuthenticationStatement AuthenticationMethod=\"urn:oasis:names:tc:SAML:1.0:am:unspecified\" \
             AuthenticationInstant=\"{instant}\">{subject}</saml:AuthenticationStatement>\
             {PLACEHOLDER}</saml:Assertion></t:RequestedSecurityToken>\
             <t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>\
             <t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>\
             <t:KeyType>http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey</t:KeyType>\
             </t:RequestSecurityTokenResponse>",
            issuer = escape_attribute(&self.issuer),
            given = claim("givenname", &payer.given_name),
            surname = claim("surname", &payer.surname),
            private = claim(
                "privatepersonalidentifier",
                &format!("PK:{}", payer.personal_code)
            ),
        );
        self.sign(&unsigned, &id)
    }

    /// `wresult` with its signature made again (the tests change a token's
    /// content and sign it as the portal would have).
    #[cfg(test)]
    pub(crate) fn sign_again(&self, wresult: &str) -> io::Result<String> {
        let start = wresult
            .find("<ds:Signature")
            .ok_or_else(|| invalid("unsigned"))?;
        let end = wresult
            .find("</ds:Signature>")
            .ok_or_else(|| invalid("unsigned"))?
            .saturating_add("</ds:Signature>".len());
        let unsigned = format!(
            "{}{PLACEHOLDER}{}",
            wresult.get(..start).unwrap_or_default(),
            wresult.get(end..).unwrap_or_default()
        );
        let root = xml::parse(unsigned.as_bytes()).map_err(invalid)?;
        let id = root
            .descendants()
            .into_iter()
            .find(|e| e.is(SAML, "Assertion"))
            .and_then(|a| a.attribute("AssertionID"))
            .ok_or_else(|| invalid("no assertion"))?
            .to_owned();
        self.sign(&unsigned, &id)
    }

    /// Signs the assertion of `unsigned`, whose signature goes where
    /// [`PLACEHOLDER`] is (a comment, so it is not part of the digest).
    fn sign(&self, unsigned: &str, id: &str) -> io::Result<String> {
        let root = xml::parse(unsigned.as_bytes()).map_err(invalid)?;
        let assertion = root
            .descendants()
            .into_iter()
            .find(|e| e.is(SAML, "Assertion"))
            .ok_or_else(|| invalid("no assertion"))?;
        let (signature_method, digest_method) = match self.digest {
            Digest::Sha1 => (RSA_SHA1, SHA1),
            _ => (RSA_SHA256, SHA256),
        };
        let digest = BASE64.encode(dsig::hash(
            self.digest,
            c14n::exclusive(assertion, None).as_bytes(),
        ));
        let signed_info = format!(
            "<ds:SignedInfo xmlns:ds=\"{DSIG}\">\
             <ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
             <ds:SignatureMethod Algorithm=\"{signature_method}\"/>\
             <ds:Reference URI=\"#{id}\"><ds:Transforms>\
             <ds:Transform Algorithm=\"{ENVELOPED}\"/><ds:Transform Algorithm=\"{EXC_C14N}\"/>\
             </ds:Transforms><ds:DigestMethod Algorithm=\"{digest_method}\"/>\
             <ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        );
        // Exclusive canonicalisation needs no context: SignedInfo alone has
        // the canonical form it has inside the signature.
        let info = xml::parse(signed_info.as_bytes()).map_err(invalid)?;
        let value = BASE64.encode(
            self.key
                .sign(self.digest, c14n::exclusive(&info, None).as_bytes()),
        );
        let certificate = certificate_body(&self.certificate);
        let signature = format!(
            "<ds:Signature xmlns:ds=\"{DSIG}\">{}<ds:SignatureValue>{value}</ds:SignatureValue>\
             <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate>\
             </ds:X509Data></ds:KeyInfo></ds:Signature>",
            signed_info.replacen(&format!(" xmlns:ds=\"{DSIG}\""), "", 1)
        );
        Ok(unsigned.replacen(PLACEHOLDER, &signature, 1))
    }
}

fn format_time(time: OffsetDateTime) -> io::Result<String> {
    time.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(invalid)?
        .format(&Rfc3339)
        .map_err(invalid)
}

fn escape_attribute(value: &str) -> String {
    escape_text(value).replace('"', "&quot;")
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// The base64 body of a PEM certificate, as `X509Certificate` carries it.
fn certificate_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect()
}

/// A DER certificate as PEM.
pub(crate) fn certificate_pem(der: &[u8]) -> String {
    let body = BASE64.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
