//! Payer sign-in through the state portal's identity provider (latvija.lv),
//! WS-Federation passive requestor profile with a SAML 1.1 token
//! (`docs/payer-signin.md`).
//!
//! The payer's browser is sent to the portal with [`sign_in_url`]; the portal
//! posts back `wresult`, a WS-Trust `RequestSecurityTokenResponse` holding
//! one SAML 1.1 `Assertion` signed (enveloped XML-DSig, reference by
//! `AssertionID`, exclusive C14N). [`read_sign_in`] checks it and answers
//! the payer it names. [`SimulatedIdentityProvider`] issues such tokens for
//! the sandbox and the tests.
//!
//! The XML reader, the canonicalisations and the RSA keys are the bank
//! protocols' (`maksa_providers::citadele`, `maksa_providers::rsa_keys`):
//! one hardened reader for every signed document the hub believes.

mod sim;
mod token;

pub use sim::{SimulatedIdentityProvider, TEST_PAYERS, TestPayer};
pub use token::read_sign_in;

use maksa_domain::codes::ClientCode;
use maksa_providers::rsa_keys::TrustedKeys;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The portal's token issuer (the `Issuer` of its assertions).
pub const PORTAL_ISSUER: &str = "http://www.latvija.lv/sts";
pub const WS_TRUST: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
pub const SAML: &str = "urn:oasis:names:tc:SAML:1.0:assertion";
/// The namespace of the portal's claims (`AttributeNamespace`).
pub const CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
/// The clocks of the portal and the hub may differ this much.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::minutes(2);
/// A name longer than this is not a person's: refused rather than stored.
pub const MAX_NAME_CHARS: usize = 200;

/// The hub as the portal's relying party.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    /// Our realm (`wtrealm`), which the token's audience must be.
    pub realm: String,
    /// The expected `Issuer` of the assertion, [`PORTAL_ISSUER`] in production.
    pub issuer: String,
    /// The portal's signing certificates (two during a rotation).
    pub trusted: TrustedKeys,
    pub clock_skew: Duration,
}

impl RelyingParty {
    /// The portal's issuer and the default skew.
    pub fn new(realm: impl Into<String>, trusted: TrustedKeys) -> RelyingParty {
        RelyingParty {
            realm: realm.into(),
            issuer: PORTAL_ISSUER.to_owned(),
            trusted,
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }
}

/// The payer a verified token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInPayer {
    /// A personal code that passed its check digit.
    pub personal_code: ClientCode,
    pub given_name: String,
    pub surname: String,
    /// To refuse the same token twice (the caller keeps the ids it saw
    /// until `valid_until`).
    pub assertion_id: String,
    /// The token's `NotOnOrAfter`.
    pub valid_until: OffsetDateTime,
}

/// Why a token is refused. Each says what was wrong with the token, never
/// anything secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("the sign-in token is not a document we read: {0}")]
    Malformed(String),
    #[error("the sign-in token is not signed")]
    Unsigned,
    #[error("the sign-in token's signature uses what we do not accept: {0}")]
    Unsupported(String),
    #[error(
        "the sign-in token's signature does not cover the one assertion it carries (signature wrapping?): {0}"
    )]
    Wrapping(String),
    #[error("the sign-in token was changed after it was signed (its digest does not match)")]
    Tampered,
    #[error(
        "the sign-in token's signature is by a certificate the hub does not trust for the portal"
    )]
    UntrustedKey,
    #[error("the sign-in token's signature does not verify with the portal's certificate")]
    BadSignature,
    #[error("the sign-in token is issued by {found:?}, not by the portal ({expected:?})")]
    WrongIssuer { found: String, expected: String },
    #[error("the sign-in token is meant for another relying party, not for our realm")]
    WrongAudience,
    #[error("the sign-in token is not valid before {0} (check the clocks)")]
    NotYetValid(String),
    #[error("the sign-in token expired at {0}; sign in again")]
    Expired(String),
    #[error("the sign-in token's name identifier is not `PK:` and a personal code: {0}")]
    NameIdentifier(String),
    #[error("the sign-in token's personal code fails its check digit")]
    PersonalCode,
    #[error("the sign-in token's claims: {0}")]
    Claims(String),
}

/// The address that sends the payer's browser to the portal to sign in:
/// `idp` with `wa=wsignin1.0`, our realm, the address the portal posts the
/// token back to, `context` (opaque to the portal, echoed as `wctx`: the
/// caller binds it to the browser's session) and the time of the request.
pub fn sign_in_url(
    idp: &url::Url,
    realm: &str,
    reply: &str,
    context: &str,
    now: OffsetDateTime,
) -> String {
    let mut url = idp.clone();
    // A UTC time in RFC 3339 always formats; an empty `wct` is harmless
    // (the portal ignores it) should it not.
    let time = now
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    url.query_pairs_mut()
        .append_pair("wa", "wsignin1.0")
        .append_pair("wtrealm", realm)
        .append_pair("wreply", reply)
        .append_pair("wctx", context)
        .append_pair("wct", &time);
    url.into()
}

/// The fields of the form the portal's page posts to `wreply`, in order (the
/// page itself, auto-submitting, is the web layer's).
pub fn auto_post_form_fields(wresult: &str, wctx: &str) -> Vec<(&'static str, String)> {
    vec![
        ("wa", "wsignin1.0".to_owned()),
        ("wresult", wresult.to_owned()),
        ("wctx", wctx.to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_sign_in_address_carries_the_request_encoded() {
        let idp = url::Url::parse("https://idp.example/sts/?lang=lv").unwrap();
        let url = sign_in_url(
            &idp,
            "urn:maksa:payer",
            "https://maksa.example/payer/signin?x=1&y=2",
            "state a&b=c",
            datetime!(2026-11-30 21:00:00.5 +02:00),
        );
        assert_eq!(
            url,
            "https://idp.example/sts/?lang=lv&wa=wsignin1.0&wtrealm=urn%3Amaksa%3Apayer\
             &wreply=https%3A%2F%2Fmaksa.example%2Fpayer%2Fsignin%3Fx%3D1%26y%3D2\
             &wctx=state+a%26b%3Dc&wct=2026-11-30T19%3A00%3A00Z"
        );
        let parsed = url::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("wctx".into(), "state a&b=c".into())));
    }

    #[test]
    fn the_form_fields_echo_the_context() {
        let fields = auto_post_form_fields("<x/>", "abc");
        assert_eq!(fields[0], ("wa", "wsignin1.0".to_owned()));
        assert_eq!(fields[2], ("wctx", "abc".to_owned()));
    }
}
