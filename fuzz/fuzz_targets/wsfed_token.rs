//! The payer's sign-in token from the state portal (`crates/identity`): the
//! hardened XML reader, exclusive C14N, the signature by reference to the
//! assertion and the reading of the SAML 1.1 assertion. Tokens start from one
//! the simulated portal issues (so the reading after the signature check is
//! reached), for payers and audiences the input chooses, and may then be
//! changed; raw seeds go to the reader as they are.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Bytes, Input, NOW, Shape, client_code_text, damage, free_text};
use maksa_identity::{RelyingParty, SimulatedIdentityProvider, TestPayer, read_sign_in};
use std::sync::OnceLock;
use time::Duration;

const REALM: &str = "urn:maksa:payer";

fn portal() -> &'static (SimulatedIdentityProvider, RelyingParty) {
    static PORTAL: OnceLock<(SimulatedIdentityProvider, RelyingParty)> = OnceLock::new();
    PORTAL.get_or_init(|| {
        let portal = SimulatedIdentityProvider::generate().unwrap_or_else(|e| panic!("key: {e}"));
        let trusted = portal.trusted().unwrap_or_else(|e| panic!("{e}"));
        (portal, RelyingParty::new(REALM, trusted))
    })
}

#[derive(Debug)]
struct Token {
    payer: TestPayer,
    audience: String,
    /// Minutes from the fuzzing clock to the token's issue (may be negative).
    issued: i8,
    lifetime: u8,
    sha1: bool,
    /// Applied to the text after signing; must make the token fail unless
    /// it leaves what is signed as it was.
    damaged: bool,
    seed: u64,
}

#[derive(Debug)]
enum Case {
    Raw(Bytes),
    Built(Token),
}

fn pick(u: &mut Unstructured<'_>, usual: &[&str]) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(usual)?).to_owned())
    } else {
        free_text(u)
    }
}

impl Shape for Case {
    type Value = Case;

    fn raw(bytes: &[u8]) -> Case {
        Case::Raw(Bytes(bytes.to_vec()))
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<Case> {
        let personal_code = if u.ratio(1, 2)? {
            pick(
                u,
                &[
                    "010101-10006",
                    "111111-11111",
                    "328673-00679",
                    "40003278467",
                ],
            )?
        } else {
            client_code_text(u)?
        };
        let payer = TestPayer {
            personal_code,
            given_name: pick(u, &["Jānis", "Anna", ""])?,
            surname: pick(u, &["Bērziņš", "Ozols", "<&>\""])?,
        };
        Ok(Case::Built(Token {
            payer,
            audience: pick(u, &[REALM, "urn:other", ""])?,
            issued: u.arbitrary()?,
            lifetime: u.arbitrary()?,
            sha1: u.arbitrary()?,
            damaged: u.ratio(1, 3)?,
            seed: u.arbitrary()?,
        }))
    }
}

// The keys are made before the first input (libFuzzer's initialisation is
// not timed): an RSA key generated under AddressSanitizer can take longer
// than the 30 s a single input is allowed.
fuzz_target!(init: { portal(); }, |case: Input<Case>| {
    let (portal, rp) = portal();
    let token = match case.0 {
        Case::Raw(Bytes(bytes)) => {
            // Only this run's key signs: a token as it came is never believed,
            // and reading it never panics.
            let text = String::from_utf8_lossy(&bytes);
            assert!(read_sign_in(rp, &text, NOW).is_err());
            return;
        }
        Case::Built(token) => token,
    };
    let mut issuer = portal.clone();
    if token.sha1 {
        issuer.digest = maksa_providers::rsa_keys::Digest::Sha1;
    }
    let issued = NOW.saturating_add(Duration::minutes(i64::from(token.issued)));
    let lifetime = Duration::minutes(i64::from(token.lifetime));
    let Ok(original) = issuer.issue(&token.payer, &token.audience, issued, lifetime) else {
        return;
    };
    let mut text = original.clone();
    if token.damaged {
        let bytes = token.seed.to_le_bytes();
        let mut u = Unstructured::new(&bytes);
        if let Ok(damaged) = damage(&mut u, text.clone()) {
            text = damaged;
        }
    }
    if let Ok(payer) = read_sign_in(rp, &text, NOW) {
        assert_eq!(
            token.audience, REALM,
            "a token for another audience was accepted"
        );
        assert_eq!(
            payer.personal_code.as_str(),
            token.payer.personal_code.trim().replace('-', ""),
            "another person was signed in"
        );
        if text != original {
            // A change the signature cannot see must leave the reading as it was.
            let again = read_sign_in(rp, &original, NOW);
            assert_eq!(again.ok(), Some(payer), "a changed token read differently");
        }
    }
});
