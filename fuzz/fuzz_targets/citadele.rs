//! Citadele's Digi::Link answers on the hub's side (`crates/providers`,
//! `citadele`): the hardened XML reader, C14N 1.0, the enveloped signature's
//! checks and the reading of PMTRESP / PMTSTATRESP. Documents start from a
//! complete answer, may be signed with the bank's real key (so the reading
//! after the signature check is reached), and may then be changed; raw seeds
//! go to the reader as they are.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Bytes, Input, Shape, damage, free_text};
use maksa_providers::citadele::message::{self, Answer};
use maksa_providers::citadele::{SANDBOX_MERCHANT_ID, dsig, read_answer, xml};
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use std::sync::OnceLock;
use time::OffsetDateTime;

fn keys() -> &'static (RsaKey, TrustedKeys) {
    static KEYS: OnceLock<(RsaKey, TrustedKeys)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let key = RsaKey::generate().unwrap_or_else(|e| panic!("key: {e}"));
        let trusted = TrustedKeys::new(vec![key.public()]).unwrap_or_else(|e| panic!("{e}"));
        (key, trusted)
    })
}

#[derive(Debug)]
struct Document {
    answer: Answer,
    signed: bool,
    /// Applied to the text after signing; must make a signed document fail
    /// unless it leaves the text as it was.
    damaged: bool,
    seed: u64,
}

fn pick(u: &mut Unstructured<'_>, usual: &[&str]) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(usual)?).to_owned())
    } else {
        free_text(u)
    }
}

/// A document as it came (seeds), or one built from a complete answer.
#[derive(Debug)]
enum Case {
    Raw(Bytes),
    Built(Document),
}

impl Shape for Case {
    type Value = Case;

    fn raw(bytes: &[u8]) -> Case {
        Case::Raw(Bytes(bytes.to_vec()))
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<Case> {
        let now = message::format_timestamp(OffsetDateTime::now_utc());
        let timestamp = pick(u, &[&now, "20160912115929000", "2026113013485512", ""])?;
        let from = pick(u, &[SANDBOX_MERCHANT_ID, "10001", "1"])?;
        let reference = pick(
            u,
            &[
                "0123456789abcdef0123456789abcdef",
                "0123456789ABCDEF0123456789ABCDEF",
                "57d66f13da",
            ],
        )?;
        let answer = if u.arbitrary()? {
            Answer::Response {
                timestamp,
                from,
                request_uid: reference,
                code: pick(u, &["100", "200", "300", "400"])?,
                message: if u.arbitrary()? { Some(free_text(u)?) } else { None },
            }
        } else {
            Answer::Status {
                timestamp,
                from,
                doc_no: reference.chars().take(10).collect(),
                ext_id: reference,
                stat_code: pick(u, &["E", "R", "e", "X"])?,
                book_date: if u.arbitrary()? { Some(free_text(u)?) } else { None },
            }
        };
        Ok(Case::Built(Document {
            answer,
            signed: u.ratio(3, 4)?,
            damaged: u.ratio(1, 4)?,
            seed: u.arbitrary()?,
        }))
    }
}

// The keys are made before the first input (libFuzzer's initialisation is
// not timed): an RSA key generated under AddressSanitizer can take longer
// than the 30 s a single input is allowed.
fuzz_target!(init: { keys(); }, |case: Input<Case>| {
    let (key, trusted) = keys();
    let now = OffsetDateTime::now_utc();
    let document = match case.0 {
        Case::Raw(Bytes(bytes)) => {
            // Nobody but the bank's key signs: a document as it came is
            // never believed, and reading it never panics.
            let _ = xml::parse(&bytes);
            assert!(read_answer(&bytes, trusted, SANDBOX_MERCHANT_ID, now).is_err());
            return;
        }
        Case::Built(document) => document,
    };
    let unsigned = document.answer.unsigned();
    let mut text = if document.signed {
        match dsig::sign(&unsigned, key, None) {
            Ok(signed) => signed,
            Err(_) => return,
        }
    } else {
        unsigned.clone()
    };
    let original = text.clone();
    if document.damaged {
        let bytes = document.seed.to_le_bytes();
        let mut u = Unstructured::new(&bytes);
        if let Ok(damaged) = damage(&mut u, text.clone()) {
            text = damaged;
        }
    }
    if let Ok(verdict) = read_answer(text.as_bytes(), trusted, SANDBOX_MERCHANT_ID, now) {
        assert!(document.signed, "an unsigned document was accepted: {text}");
        if text != original {
            // A change the signature cannot see must leave the reading as it was.
            let again = read_answer(original.as_bytes(), trusted, SANDBOX_MERCHANT_ID, now);
            assert_eq!(again.ok(), Some(verdict), "a changed document read differently");
        }
    }
});
