//! Reading the portal's `wresult`: the checks, in the order that lets each
//! refusal name its real cause. Everything after the signature check is read
//! from the one element whose digest was checked — never looked up again in
//! the document — so a second, unsigned assertion cannot lend its values.

use crate::{CLAIMS, MAX_NAME_CHARS, RelyingParty, SAML, SignInError, SignedInPayer, WS_TRUST};
use maksa_domain::codes::{ClientCode, CodeCheck};
use maksa_providers::citadele::c14n;
use maksa_providers::citadele::dsig::{
    self, C14N, DSIG, ENVELOPED, EXC_C14N, RSA_SHA1, RSA_SHA256, SHA1, SHA256,
};
use maksa_providers::citadele::xml::{self, Element};
use maksa_providers::rsa_keys::{self, Digest, TrustedKeys};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An `AssertionID` is an NCName the STS generates: a GUID with a prefix.
const MAX_ID_CHARS: usize = 128;

fn malformed(message: impl Into<String>) -> SignInError {
    SignInError::Malformed(message.into())
}

fn wrapping(message: impl Into<String>) -> SignInError {
    SignInError::Wrapping(message.into())
}

/// Checks the token `wresult` for `rp` at `now` and answers the payer it
/// names.
pub fn read_sign_in(
    rp: &RelyingParty,
    wresult: &str,
    now: OffsetDateTime,
) -> Result<SignedInPayer, SignInError> {
    // The reader refuses more than 64 KiB, DTDs, entities, deep nesting.
    let root = xml::parse(wresult.as_bytes()).map_err(|e| malformed(e.0))?;
    if !root.is(WS_TRUST, "RequestSecurityTokenResponse") {
        return Err(malformed(
            "the root is not a WS-Trust RequestSecurityTokenResponse",
        ));
    }
    let all = root.descendants();
    let assertions: Vec<&Element> = all
        .iter()
        .copied()
        .filter(|e| e.is(SAML, "Assertion"))
        .collect();
    let assertion = match assertions.as_slice() {
        [] => return Err(malformed("no SAML 1.1 assertion")),
        [one] => *one,
        more => {
            return Err(wrapping(format!(
                "{} assertions where there must be one",
                more.len()
            )));
        }
    };
    let in_place = root
        .only_child(WS_TRUST, "RequestedSecurityToken")
        .and_then(|t| t.only_child(SAML, "Assertion"));
    if !in_place.is_some_and(|a| std::ptr::eq(a, assertion)) {
        return Err(wrapping("the assertion is not the RequestedSecurityToken"));
    }
    let signatures: Vec<&Element> = all
        .iter()
        .copied()
        .filter(|e| e.is(DSIG, "Signature"))
        .collect();
    let signature = match signatures.as_slice() {
        [] => return Err(SignInError::Unsigned),
        [one] => *one,
        _ => return Err(wrapping("more than one signature")),
    };
    if !assertion
        .elements()
        .any(|child| std::ptr::eq(child, signature))
    {
        return Err(wrapping("the signature is not inside the assertion"));
    }
    let id = assertion
        .attribute("AssertionID")
        .ok_or_else(|| malformed("the assertion has no AssertionID"))?;
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(malformed("the AssertionID is empty or too long"));
    }
    // Only the assertion may carry its id, whatever an attacker calls the
    // attribute: a verifier elsewhere resolving `#id` differently must not
    // find another element.
    let carriers = all
        .iter()
        .flat_map(|e| e.attributes.iter())
        .filter(|a| matches!(a.local.as_str(), "AssertionID" | "ID" | "Id" | "id") && a.value == id)
        .count();
    if carriers != 1 {
        return Err(wrapping("another element carries the assertion's id"));
    }
    check_signature(&root, assertion, signature, id, &rp.trusted)?;
    read_assertion(rp, assertion, id, now)
}

fn only<'a>(parent: &'a Element, namespace: &str, local: &str) -> Result<&'a Element, SignInError> {
    parent
        .only_child(namespace, local)
        .ok_or_else(|| malformed(format!("{} must have exactly one {local}", parent.local)))
}

fn allow_only(element: &Element, names: &[&str]) -> Result<(), SignInError> {
    match element
        .elements()
        .find(|e| e.namespace.as_deref() != Some(DSIG) || !names.contains(&e.local.as_str()))
    {
        Some(other) => Err(malformed(format!(
            "unexpected {} inside {}",
            other.local, element.local
        ))),
        None => Ok(()),
    }
}

/// An algorithm without parameters (an `InclusiveNamespaces` prefix list is
/// not supported, and the portal does not send one).
fn algorithm(element: &Element) -> Result<&str, SignInError> {
    if element.elements().next().is_some() {
        return Err(SignInError::Unsupported(format!(
            "parameters of {}",
            element.local
        )));
    }
    element
        .attribute("Algorithm")
        .ok_or_else(|| malformed(format!("{} has no Algorithm", element.local)))
}

fn dsig_error(error: dsig::DsigError) -> SignInError {
    match error {
        dsig::DsigError::Malformed(m) | dsig::DsigError::BadSignature(m) => malformed(m),
    }
}

fn check_signature(
    root: &Element,
    assertion: &Element,
    signature: &Element,
    id: &str,
    trusted: &TrustedKeys,
) -> Result<(), SignInError> {
    allow_only(signature, &["SignedInfo", "SignatureValue", "KeyInfo"])?;
    let signed_info = only(signature, DSIG, "SignedInfo")?;
    allow_only(
        signed_info,
        &["CanonicalizationMethod", "SignatureMethod", "Reference"],
    )?;
    let canonicalization = algorithm(only(signed_info, DSIG, "CanonicalizationMethod")?)?;
    let signature_digest = match algorithm(only(signed_info, DSIG, "SignatureMethod")?)? {
        RSA_SHA256 => Digest::Sha256,
        RSA_SHA1 => Digest::Sha1,
        other => {
            return Err(SignInError::Unsupported(format!(
                "signature method {other}"
            )));
        }
    };
    let reference = only(signed_info, DSIG, "Reference")?;
    allow_only(reference, &["Transforms", "DigestMethod", "DigestValue"])?;
    // Anything but the assertion itself: what is signed is not what we read.
    if reference.attribute("URI") != Some(&format!("#{id}")) {
        return Err(wrapping(
            "the reference is not to the assertion's AssertionID",
        ));
    }
    let transforms = only(reference, DSIG, "Transforms")?;
    allow_only(transforms, &["Transform"])?;
    let transforms = transforms
        .elements()
        .map(algorithm)
        .collect::<Result<Vec<_>, _>>()?;
    if transforms != [ENVELOPED, EXC_C14N] {
        return Err(SignInError::Unsupported(
            "transforms other than the enveloped signature and exclusive C14N".into(),
        ));
    }
    let reference_digest = match algorithm(only(reference, DSIG, "DigestMethod")?)? {
        SHA256 => Digest::Sha256,
        SHA1 => Digest::Sha1,
        other => return Err(SignInError::Unsupported(format!("digest method {other}"))),
    };
    let expected = dsig::base64_value(only(reference, DSIG, "DigestValue")?).map_err(dsig_error)?;
    let content = c14n::exclusive(assertion, Some(signature));
    if dsig::hash(reference_digest, content.as_bytes()) != expected {
        return Err(SignInError::Tampered);
    }
    let signed = match canonicalization {
        EXC_C14N => c14n::exclusive(signed_info, None),
        C14N => c14n::subtree(root, signed_info)
            .ok_or_else(|| malformed("SignedInfo is not in the document"))?,
        other => {
            return Err(SignInError::Unsupported(format!(
                "canonicalisation {other}"
            )));
        }
    };
    let value = dsig::base64_value(only(signature, DSIG, "SignatureValue")?).map_err(dsig_error)?;
    if trusted.verify(signature_digest, signed.as_bytes(), &value) {
        return Ok(());
    }
    // The certificate in KeyInfo is never trusted for being there; it only
    // tells a stranger's valid signature from a broken one.
    if let Some(embedded) = embedded_key(signature)
        && embedded.verify(signature_digest, signed.as_bytes(), &value)
    {
        return Err(SignInError::UntrustedKey);
    }
    Err(SignInError::BadSignature)
}

fn embedded_key(signature: &Element) -> Option<TrustedKeys> {
    let certificate = signature
        .only_child(DSIG, "KeyInfo")?
        .only_child(DSIG, "X509Data")?
        .only_child(DSIG, "X509Certificate")?;
    let der = dsig::base64_value(certificate).ok()?;
    let key = rsa_keys::public_key_from_pem(&crate::sim::certificate_pem(&der)).ok()?;
    TrustedKeys::new(vec![key]).ok()
}

fn time_attribute(element: &Element, name: &str) -> Result<Option<OffsetDateTime>, SignInError> {
    element
        .attribute(name)
        .map(|text| {
            OffsetDateTime::parse(text, &Rfc3339)
                .map_err(|_| malformed(format!("{name} is not a date and time")))
        })
        .transpose()
}

fn format_time(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).unwrap_or_else(|_| time.to_string())
}

fn read_assertion(
    rp: &RelyingParty,
    assertion: &Element,
    id: &str,
    now: OffsetDateTime,
) -> Result<SignedInPayer, SignInError> {
    if assertion.attribute("MajorVersion") != Some("1")
        || assertion.attribute("MinorVersion") != Some("1")
    {
        return Err(malformed("the assertion is not SAML 1.1"));
    }
    let issuer = assertion.attribute("Issuer").unwrap_or_default();
    if issuer != rp.issuer {
        return Err(SignInError::WrongIssuer {
            found: issuer.chars().take(MAX_NAME_CHARS).collect(),
            expected: rp.issuer.clone(),
        });
    }
    if time_attribute(assertion, "IssueInstant")?.is_none() {
        return Err(malformed("the assertion has no IssueInstant"));
    }
    let conditions = only(assertion, SAML, "Conditions")?;
    let mut audiences = 0usize;
    for condition in conditions.elements() {
        if condition.is(SAML, "AudienceRestrictionCondition") {
            // Each restriction must name us (SAML 1.1: all conditions hold).
            if !condition
                .children_named(SAML, "Audience")
                .any(|a| a.text().trim() == rp.realm)
            {
                return Err(SignInError::WrongAudience);
            }
            audiences = audiences.saturating_add(1);
        } else if !condition.is(SAML, "DoNotCacheCondition") {
            // An unknown condition cannot be evaluated: SAML says refuse.
            return Err(malformed(format!(
                "an unknown condition {}",
                condition.local
            )));
        }
    }
    if audiences == 0 {
        // A token for anyone could be replayed to us from another service.
        return Err(SignInError::WrongAudience);
    }
    let not_on_or_after = time_attribute(conditions, "NotOnOrAfter")?
        .ok_or_else(|| malformed("the conditions have no NotOnOrAfter"))?;
    if let Some(not_before) = time_attribute(conditions, "NotBefore")?
        && now.saturating_add(rp.clock_skew) < not_before
    {
        return Err(SignInError::NotYetValid(format_time(not_before)));
    }
    if now.saturating_sub(rp.clock_skew) >= not_on_or_after {
        return Err(SignInError::Expired(format_time(not_on_or_after)));
    }

    let statement = only(assertion, SAML, "AttributeStatement")?;
    let identifier = only(only(statement, SAML, "Subject")?, SAML, "NameIdentifier")?
        .text()
        .trim()
        .to_owned();
    // Every subject of the assertion names the same person.
    for subject in assertion
        .descendants()
        .into_iter()
        .filter(|e| e.is(SAML, "NameIdentifier"))
    {
        if subject.text().trim() != identifier {
            return Err(SignInError::NameIdentifier(
                "the statements name different subjects".into(),
            ));
        }
    }
    let personal_code = personal_code(&identifier)?;

    let mut given_name = None;
    let mut surname = None;
    let mut private_identifier = None;
    for attribute in statement.children_named(SAML, "Attribute") {
        if attribute.attribute("AttributeNamespace") != Some(CLAIMS) {
            continue;
        }
        let slot = match attribute.attribute("AttributeName").unwrap_or_default() {
            "givenname" => &mut given_name,
            "surname" => &mut surname,
            "privatepersonalidentifier" => &mut private_identifier,
            _ => continue,
        };
        if slot.is_some() {
            return Err(SignInError::Claims("a claim is given twice".into()));
        }
        let value = only(attribute, SAML, "AttributeValue")
            .map_err(|_| SignInError::Claims("a claim must have exactly one value".into()))?;
        *slot = Some(value.text().trim().to_owned());
    }
    if let Some(private) = private_identifier {
        let code = private.strip_prefix("PK:").unwrap_or(&private);
        if ClientCode::parse(code).ok().as_ref() != Some(&personal_code) {
            return Err(SignInError::NameIdentifier(
                "the privatepersonalidentifier claim is another person's".into(),
            ));
        }
    }
    Ok(SignedInPayer {
        personal_code,
        given_name: name(given_name, "givenname")?,
        surname: name(surname, "surname")?,
        assertion_id: id.to_owned(),
        valid_until: not_on_or_after,
    })
}

fn personal_code(identifier: &str) -> Result<ClientCode, SignInError> {
    let shown: String = identifier.chars().take(32).collect();
    let code = identifier
        .strip_prefix("PK:")
        .ok_or_else(|| SignInError::NameIdentifier(format!("{shown:?} has no PK: prefix")))?;
    let code = ClientCode::parse(code)
        .map_err(|e| SignInError::NameIdentifier(format!("{shown:?}: the code {e}")))?;
    match code.check() {
        CodeCheck::PersonalCodeValid => Ok(code),
        _ => Err(SignInError::PersonalCode),
    }
}

fn name(value: Option<String>, claim: &str) -> Result<String, SignInError> {
    let value = value.ok_or_else(|| SignInError::Claims(format!("no {claim}")))?;
    if value.is_empty()
        || value.chars().count() > MAX_NAME_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(SignInError::Claims(format!(
            "{claim} is empty, longer than {MAX_NAME_CHARS} characters or has control characters"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{SimulatedIdentityProvider, TestPayer};
    use std::sync::OnceLock;
    use time::Duration;
    use time::macros::datetime;

    const REALM: &str = "urn:maksa:payer";
    const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

    /// Key generation is slow: one portal and one stranger for every test.
    fn portal() -> &'static SimulatedIdentityProvider {
        static PORTAL: OnceLock<SimulatedIdentityProvider> = OnceLock::new();
        PORTAL.get_or_init(|| SimulatedIdentityProvider::generate().unwrap())
    }

    fn stranger() -> &'static SimulatedIdentityProvider {
        static STRANGER: OnceLock<SimulatedIdentityProvider> = OnceLock::new();
        STRANGER.get_or_init(|| SimulatedIdentityProvider::generate().unwrap())
    }

    fn rp() -> RelyingParty {
        RelyingParty::new(REALM, portal().trusted().unwrap())
    }

    fn janis() -> TestPayer {
        TestPayer::new("010101-10006", "Jānis", "Bērziņš")
    }

    fn token(payer: &TestPayer) -> String {
        portal()
            .issue(payer, REALM, NOW, Duration::hours(1))
            .unwrap()
    }

    fn read(wresult: &str) -> Result<SignedInPayer, SignInError> {
        read_sign_in(&rp(), wresult, NOW)
    }

    #[test]
    fn a_token_of_the_simulated_portal_signs_the_payer_in() {
        let payer = read(&token(&janis())).unwrap();
        assert_eq!(payer.personal_code.as_str(), "01010110006");
        assert_eq!(payer.given_name, "Jānis");
        assert_eq!(payer.surname, "Bērziņš");
        assert!(payer.assertion_id.starts_with('_'));
        assert_eq!(payer.valid_until, NOW + Duration::hours(1));
        for test_payer in TestPayer::all() {
            let code = ClientCode::parse(&test_payer.personal_code).unwrap();
            assert_eq!(read(&token(&test_payer)).unwrap().personal_code, code);
        }
    }

    #[test]
    fn the_assertion_is_signed_in_its_exclusive_canonical_form() {
        let wresult = token(&janis());
        let root = xml::parse(wresult.as_bytes()).unwrap();
        let assertion = root
            .descendants()
            .into_iter()
            .find(|e| e.is(SAML, "Assertion"))
            .unwrap();
        let inclusive = c14n::subtree(&root, assertion).unwrap();
        let exclusive = c14n::exclusive(assertion, None);
        // The response's own namespace is inherited, not used, by the
        // assertion: only the inclusive form carries it.
        assert!(inclusive.contains(WS_TRUST));
        assert!(!exclusive.contains(WS_TRUST));
        read(&wresult).unwrap();
        // Declaring more on the root changes nothing signed.
        let wrapped = wresult.replacen(
            "<t:RequestSecurityTokenResponse ",
            "<t:RequestSecurityTokenResponse xmlns:x=\"urn:x\" xmlns=\"urn:default\" ",
            1,
        );
        read(&wrapped).unwrap();
    }

    #[test]
    fn xmlsec1_verifies_the_simulated_portals_token() {
        let wresult = token(&janis());
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("token.xml");
        let certificate = dir.path().join("idp.pem");
        std::fs::write(&doc, &wresult).unwrap();
        std::fs::write(&certificate, portal().certificate_pem()).unwrap();
        // A known answer never skips (CI installs xmlsec1).
        let output = std::process::Command::new("xmlsec1")
            .args([
                "--verify",
                "--id-attr:AssertionID",
                "urn:oasis:names:tc:SAML:1.0:assertion:Assertion",
                "--pubkey-cert-pem",
            ])
            .arg(&certificate)
            .arg(&doc)
            .output()
            .expect("xmlsec1 is needed for this known answer (apt-get install xmlsec1)");
        assert!(output.status.success(), "{output:?}");
        // And xmlsec1 refuses it changed.
        std::fs::write(&doc, wresult.replacen("Jānis", "Janis", 1)).unwrap();
        let output = std::process::Command::new("xmlsec1")
            .args([
                "--verify",
                "--id-attr:AssertionID",
                "urn:oasis:names:tc:SAML:1.0:assertion:Assertion",
                "--pubkey-cert-pem",
            ])
            .arg(&certificate)
            .arg(&doc)
            .output()
            .unwrap();
        assert!(!output.status.success());
    }

    #[test]
    fn a_token_signed_by_xmlsec1_is_accepted() {
        // xmlsec1 signs the simulated portal's token anew (its template's
        // digest and signature emptied): our exclusive canonical form and
        // reference resolution must be libxml2's.
        let key = maksa_providers::rsa_keys::RsaKey::generate().unwrap();
        let portal = SimulatedIdentityProvider::from_key(key.clone()).unwrap();
        let wresult = portal
            .issue(&janis(), REALM, NOW, Duration::hours(1))
            .unwrap()
            .replacen(
                "<t:RequestSecurityTokenResponse ",
                "<t:RequestSecurityTokenResponse xmlns:unused=\"urn:unused\" ",
                1,
            );
        let blank = |text: &str, element: &str| {
            let open = format!("<ds:{element}>");
            let start = text.find(&open).unwrap() + open.len();
            let end = text.find(&format!("</ds:{element}>")).unwrap();
            format!("{}{}", &text[..start], &text[end..])
        };
        let template = blank(&blank(&wresult, "DigestValue"), "SignatureValue");
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("template.xml");
        let key_path = dir.path().join("key.pem");
        std::fs::write(&doc, &template).unwrap();
        std::fs::write(&key_path, key.private_pem().unwrap()).unwrap();
        let output = std::process::Command::new("xmlsec1")
            .args([
                "--sign",
                "--id-attr:AssertionID",
                "urn:oasis:names:tc:SAML:1.0:assertion:Assertion",
                "--privkey-pem",
            ])
            .arg(&key_path)
            .arg(&doc)
            .output()
            .expect("xmlsec1 is needed for this known answer (apt-get install xmlsec1)");
        assert!(output.status.success(), "{output:?}");
        let signed = String::from_utf8(output.stdout).unwrap();
        let rp = RelyingParty::new(REALM, portal.trusted().unwrap());
        let payer = read_sign_in(&rp, &signed, NOW).unwrap();
        assert_eq!(payer.surname, "Bērziņš");
        let changed = signed.replacen("PK:010101-10006", "PK:111111-11111", 1);
        assert_ne!(changed, signed);
        assert_eq!(read_sign_in(&rp, &changed, NOW), Err(SignInError::Tampered));
    }

    #[test]
    fn a_sha1_token_is_accepted() {
        let mut sha1 = portal().clone();
        sha1.digest = Digest::Sha1;
        let wresult = sha1
            .issue(&janis(), REALM, NOW, Duration::hours(1))
            .unwrap();
        assert!(wresult.contains(RSA_SHA1) && wresult.contains(SHA1));
        read(&wresult).unwrap();
    }

    #[test]
    fn a_changed_token_is_refused() {
        let wresult = token(&janis());
        for (from, to) in [
            ("PK:010101-10006", "PK:111111-11111"),
            ("Bērziņš", "Berzins"),
            (
                "NotOnOrAfter=\"2026-11-30T13:00:00Z\"",
                "NotOnOrAfter=\"2027-11-30T13:00:00Z\"",
            ),
        ] {
            let changed = wresult.replace(from, to);
            assert_ne!(changed, wresult);
            assert_eq!(read(&changed), Err(SignInError::Tampered), "{to}");
        }
        // A changed signed SignedInfo (the digest no longer matters).
        let changed = wresult.replacen("<ds:SignatureMethod", "<ds:SignatureMethod ", 1);
        read(&changed).unwrap();
        let start = wresult.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let mut broken = wresult.clone();
        broken.replace_range(start..start + 4, "AAAA");
        assert_eq!(read(&broken), Err(SignInError::BadSignature));
    }

    #[test]
    fn a_token_signed_by_another_key_is_refused() {
        let forged = stranger()
            .issue(&janis(), REALM, NOW, Duration::hours(1))
            .unwrap();
        assert_eq!(read(&forged), Err(SignInError::UntrustedKey));
        // Without the certificate that told it apart, only as a bad signature.
        let start = forged.find("<ds:KeyInfo>").unwrap();
        let end = forged.find("</ds:KeyInfo>").unwrap() + "</ds:KeyInfo>".len();
        let bare = format!("{}{}", &forged[..start], &forged[end..]);
        assert_eq!(read(&bare), Err(SignInError::BadSignature));
    }

    #[test]
    fn a_token_for_another_audience_or_from_another_issuer_is_refused() {
        let other = portal()
            .issue(&janis(), "urn:someone:else", NOW, Duration::hours(1))
            .unwrap();
        assert_eq!(read(&other), Err(SignInError::WrongAudience));
        let mut impostor = portal().clone();
        impostor.issuer = "http://sts.example/".into();
        let wresult = impostor
            .issue(&janis(), REALM, NOW, Duration::hours(1))
            .unwrap();
        match read(&wresult) {
            Err(SignInError::WrongIssuer { found, .. }) => assert_eq!(found, "http://sts.example/"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_token_is_read_only_in_its_lifetime_give_or_take_the_skew() {
        let wresult = token(&janis());
        let rp = rp();
        let at = |now| read_sign_in(&rp, &wresult, now);
        assert!(matches!(
            at(NOW - Duration::minutes(3)),
            Err(SignInError::NotYetValid(_))
        ));
        at(NOW - Duration::minutes(1)).unwrap();
        at(NOW + Duration::minutes(61)).unwrap();
        assert!(matches!(
            at(NOW + Duration::minutes(62)),
            Err(SignInError::Expired(_))
        ));
        assert!(matches!(
            at(NOW + Duration::days(1)),
            Err(SignInError::Expired(_))
        ));
    }

    #[test]
    fn a_name_identifier_that_is_no_checked_personal_code_is_refused() {
        let issue = |code: &str| read(&token(&TestPayer::new(code, "A", "B")));
        assert_eq!(issue("010101-10007"), Err(SignInError::PersonalCode));
        // A registration number is no person.
        assert_eq!(issue("40003278467"), Err(SignInError::PersonalCode));
        assert!(matches!(issue("0101"), Err(SignInError::NameIdentifier(_))));
        let wresult = token(&janis());
        let unprefixed = portal()
            .sign_again(&wresult.replace("PK:010101-10006", "010101-10006"))
            .unwrap();
        assert!(matches!(
            read(&unprefixed),
            Err(SignInError::NameIdentifier(_))
        ));
        let empty = portal()
            .sign_again(&wresult.replace("PK:010101-10006", ""))
            .unwrap();
        assert!(matches!(read(&empty), Err(SignInError::NameIdentifier(_))));
        // The claim names another person than the subject.
        let mixed = portal()
            .sign_again(&wresult.replacen(
                "<saml:AttributeValue>PK:010101-10006",
                "<saml:AttributeValue>PK:111111-11111",
                1,
            ))
            .unwrap();
        assert!(matches!(read(&mixed), Err(SignInError::NameIdentifier(_))));
        // Names: bounded, present.
        let long = "x".repeat(crate::MAX_NAME_CHARS + 1);
        assert!(matches!(
            read(&token(&TestPayer::new("010101-10006", &long, "B"))),
            Err(SignInError::Claims(_))
        ));
        let nameless = portal()
            .sign_again(&wresult.replacen(
                "AttributeName=\"surname\"",
                "AttributeName=\"nickname\"",
                1,
            ))
            .unwrap();
        assert!(matches!(read(&nameless), Err(SignInError::Claims(_))));
    }

    #[test]
    fn signature_wrapping_is_refused() {
        let wresult = token(&janis());
        let start = wresult.find("<saml:Assertion ").unwrap();
        let end = wresult.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let signed = &wresult[start..end];
        let evil_unsigned = {
            let s = signed.replace("PK:010101-10006", "PK:111111-11111");
            let a = s.find("<ds:Signature").unwrap();
            let b = s.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
            format!("{}{}", &s[..a], &s[b..])
        };
        // A second, unsigned assertion beside the signed one.
        let second = wresult.replacen(
            "</t:RequestedSecurityToken>",
            &format!("{evil_unsigned}</t:RequestedSecurityToken>"),
            1,
        );
        assert!(matches!(read(&second), Err(SignInError::Wrapping(_))));
        // The signed assertion moved aside, an unsigned one in its place.
        let moved = format!("{}{}{}", &wresult[..start], evil_unsigned, &wresult[end..]).replacen(
            "</t:RequestSecurityTokenResponse>",
            &format!("<t:Extra>{signed}</t:Extra></t:RequestSecurityTokenResponse>"),
            1,
        );
        assert!(matches!(read(&moved), Err(SignInError::Wrapping(_))));
        // The signed assertion alone, moved out of RequestedSecurityToken.
        let aside = format!("{}{}", &wresult[..start], &wresult[end..]).replacen(
            "</t:RequestSecurityTokenResponse>",
            &format!("<t:Extra>{signed}</t:Extra></t:RequestSecurityTokenResponse>"),
            1,
        );
        assert!(matches!(read(&aside), Err(SignInError::Wrapping(_))));
        // The signed assertion inside an unsigned one.
        let nested = wresult.replacen(
            "<saml:AuthenticationStatement",
            &format!("{signed}<saml:AuthenticationStatement"),
            1,
        );
        assert!(read(&nested).is_err());
        // A reference to something else, or another element with the id.
        let id = read(&wresult).unwrap().assertion_id;
        let elsewhere = wresult.replacen(&format!("URI=\"#{id}\""), "URI=\"#other\"", 1);
        assert!(matches!(read(&elsewhere), Err(SignInError::Wrapping(_))));
        let twin = wresult.replacen("<t:TokenType>", &format!("<t:TokenType ID=\"{id}\">"), 1);
        assert!(matches!(read(&twin), Err(SignInError::Wrapping(_))));
        // The signature outside the assertion, two signatures.
        let sig_start = wresult.find("<ds:Signature").unwrap();
        let sig_end = wresult.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        let signature = &wresult[sig_start..sig_end];
        let outside = format!("{}{}", &wresult[..sig_start], &wresult[sig_end..]).replacen(
            "<t:TokenType>",
            &format!("{signature}<t:TokenType>"),
            1,
        );
        assert!(matches!(read(&outside), Err(SignInError::Wrapping(_))));
        let two = wresult.replacen("<t:TokenType>", &format!("{signature}<t:TokenType>"), 1);
        assert!(matches!(read(&two), Err(SignInError::Wrapping(_))));
    }

    #[test]
    fn an_unsigned_or_malformed_token_is_refused() {
        let wresult = token(&janis());
        let start = wresult.find("<ds:Signature").unwrap();
        let end = wresult.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        let unsigned = format!("{}{}", &wresult[..start], &wresult[end..]);
        assert_eq!(read(&unsigned), Err(SignInError::Unsigned));
        for bad in [
            format!("<!DOCTYPE t [<!ENTITY x \"PK:111111-11111\">]>{wresult}"),
            wresult.replacen("Bērziņš", "&x;", 1),
            wresult.replacen("</t:RequestSecurityTokenResponse>", "", 1),
            format!("{wresult}{}", " ".repeat(64 * 1024)),
            "<a/>".to_owned(),
            String::new(),
        ] {
            assert!(
                matches!(read(&bad), Err(SignInError::Malformed(_))),
                "{bad:.80}"
            );
        }
        // Algorithms we do not take.
        for (from, to) in [
            (SHA256, "http://www.w3.org/2001/04/xmldsig-more#md5"),
            (RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#hmac-sha1"),
        ] {
            assert!(matches!(
                read(&wresult.replacen(from, to, 1)),
                Err(SignInError::Unsupported(_))
            ));
        }
        let inclusive_transform = wresult.replacen(
            &format!("<ds:Transform Algorithm=\"{EXC_C14N}\"/>"),
            &format!("<ds:Transform Algorithm=\"{C14N}\"/>"),
            1,
        );
        assert!(matches!(
            read(&inclusive_transform),
            Err(SignInError::Unsupported(_))
        ));
    }

    #[test]
    fn every_refusal_explains_itself() {
        for error in [
            SignInError::Unsigned,
            SignInError::Tampered,
            SignInError::BadSignature,
            SignInError::UntrustedKey,
            SignInError::WrongAudience,
            SignInError::PersonalCode,
            SignInError::Expired("2026-11-30T13:00:00Z".into()),
        ] {
            assert!(
                error.to_string().starts_with("the sign-in token"),
                "{error}"
            );
        }
    }
}
