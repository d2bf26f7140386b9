//! Swedbank's Payment Initiation API V3 on the hub's side
//! (`crates/providers/src/swedbank_v3`): the detached JWS of the bank's status
//! answers and notifications, and the reading of a status answer after it.
//! Answers start from a complete status body, may be signed with the bank's
//! real key (so the reading after the signature check is reached), and are
//! then changed byte by byte or in the signature's header.
#![no_main]

use arbitrary::{Result, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use libfuzzer_sys::fuzz_target;
use maksa_app::providers::Incoming;
use maksa_domain::attempt::AttemptId;
use maksa_fuzz::{Bytes, Input, Shape, date_text, free_text, lossy, number_text};
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys, public_key_pem};
use maksa_providers::swedbank_v3::{self, ATTEMPT_PARAM, jws};
use serde_json::{Map, Value};
use std::sync::OnceLock;
use time::OffsetDateTime;

/// The transaction the hub asks about.
const TRANSACTION: &str = "c625052f07004261aee27a8e069b0a5d";

const NAMES: &[&str] = &[
    "transactionId",
    "status",
    "amount",
    "currency",
    "statusUpdatedAt",
    "statusCheckedAt",
    "description",
    "debtorBic",
];

fn field_value(u: &mut Unstructured<'_>, name: &str) -> Result<Value> {
    Ok(match name {
        "transactionId" => {
            Value::String((*u.choose(&[TRANSACTION, "other", "", "C625052F"])?).to_owned())
        }
        "status" => Value::String(
            (*u.choose(&[
                "EXECUTED",
                "SETTLED",
                "FAILED",
                "ABANDONED",
                "CANCELLED_BY_USER",
                "EXPIRED",
                "IN_PROGRESS",
                "NOT_INITIATED",
                "executed",
                "",
            ])?)
            .to_owned(),
        ),
        "amount" => match u.int_in_range(0..=3)? {
            0 => Value::String(
                (*u.choose(&["12.34", "0.01", "10", "999999999999999.99", "1.234", "-1.00"])?)
                    .to_owned(),
            ),
            1 => Value::String(number_text(u)?),
            // A JSON number keeps its text (arbitrary_precision).
            2 => serde_json::from_str(&number_text(u)?).unwrap_or(Value::Null),
            _ => Value::Bool(u.arbitrary()?),
        },
        "currency" => Value::String((*u.choose(&["EUR", "eur", "USD", "€", ""])?).to_owned()),
        "statusUpdatedAt" | "statusCheckedAt" => Value::String(date_text(u)?),
        _ => Value::String(free_text(u)?),
    })
}

/// Raw bytes: the first line is the `x-jws-signature`, the rest the body.
/// Or an answer built from a complete status body.
#[derive(Debug)]
enum Case {
    Raw(Bytes),
    Answer(Answer),
}

#[derive(Debug)]
struct Answer {
    body: Vec<u8>,
    signed: bool,
    /// Seconds between the signature's `iat` and now.
    age: i64,
    /// Bytes changed in the body after signing: (index, new byte).
    body_changes: Vec<(usize, u8)>,
    /// A header swapped in after signing (same signature).
    header_change: Option<String>,
    /// Read as a notification rather than a status answer.
    notification: bool,
}

impl Shape for Case {
    type Value = Case;

    fn raw(bytes: &[u8]) -> Case {
        Case::Raw(Bytes(bytes.to_vec()))
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<Case> {
        let mut map = Map::new();
        for name in NAMES {
            if u.ratio(15, 16)? {
                map.insert((*name).to_owned(), field_value(u, name)?);
            }
        }
        for _ in 0..u.int_in_range(0..=2)? {
            let name: String = u.arbitrary()?;
            let value = field_value(u, &name)?;
            map.insert(name, value);
        }
        let mut body = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
        if u.ratio(1, 16)? {
            // Not JSON at all, or cut short.
            let keep = u.int_in_range(0..=body.len())?;
            body.truncate(keep);
        }
        let mut body_changes = Vec::new();
        if u.ratio(1, 4)? && !body.is_empty() {
            body_changes.push((u.choose_index(body.len())?, u.arbitrary()?));
        }
        let header_change = if u.ratio(1, 8)? {
            Some(
                (*u.choose(&[
                    r#"{"b64":false,"crit":["b64"],"iat":0,"alg":"RS512"}"#,
                    r#"{"b64":true,"crit":["b64"],"iat":0,"alg":"RS512"}"#,
                    r#"{"b64":false,"crit":["b64"],"iat":0,"alg":"none"}"#,
                    r#"{"b64":false,"crit":[],"iat":0,"alg":"RS512"}"#,
                    "",
                ])?)
                .to_owned(),
            )
        } else {
            None
        };
        Ok(Case::Answer(Answer {
            body,
            signed: u.ratio(3, 4)?,
            age: *u.choose(&[0, 5, -5, 899, 901, -901, 3600, 47 * 3600, 49 * 3600])?,
            body_changes,
            header_change,
            notification: u.arbitrary()?,
        }))
    }
}

fn setup() -> &'static (RsaKey, TrustedKeys, AttemptId) {
    static SETUP: OnceLock<(RsaKey, TrustedKeys, AttemptId)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let key = RsaKey::generate().unwrap_or_else(|e| panic!("bank key: {e}"));
        let pem = public_key_pem(&key.public()).unwrap_or_else(|e| panic!("{e}"));
        let trusted = TrustedKeys::from_pems(&[pem]).unwrap_or_else(|e| panic!("{e}"));
        (key, trusted, AttemptId::from_random([7; 16]))
    })
}

fn notification(signature: Option<String>, body: Vec<u8>, attempt: AttemptId) -> Incoming {
    Incoming {
        fields: vec![(ATTEMPT_PARAM.to_owned(), attempt.simple())],
        body,
        content_type: Some("application/json".to_owned()),
        method: "POST".to_owned(),
        headers: signature
            .into_iter()
            .map(|s| (jws::HEADER.to_owned(), s))
            .collect(),
    }
}

// The keys are made before the first input (libFuzzer's initialisation is
// not timed): an RSA key generated under AddressSanitizer can take longer
// than the 30 s a single input is allowed.
fuzz_target!(init: { setup(); }, |case: Input<Case>| {
    let (key, trusted, attempt) = setup();
    let now = OffsetDateTime::now_utc();
    let answer = match case.0 {
        Case::Answer(answer) => answer,
        Case::Raw(Bytes(bytes)) => {
            // Nobody but the bank's key can sign: raw input is never believed.
            let (first, body) = match bytes.iter().position(|b| *b == b'\n') {
                Some(at) => (lossy(&bytes[..at]), bytes[at + 1..].to_vec()),
                None => (lossy(&bytes), Vec::new()),
            };
            let read = swedbank_v3::read_status_answer(
                trusted,
                Some(&first),
                &body,
                TRANSACTION,
                *attempt,
                now,
                swedbank_v3::IAT_SKEW_SECONDS,
            );
            assert!(read.is_err(), "raw input was believed: {read:?}");
            assert!(jws::verify(trusted, &first, &body).is_err());
            let incoming = notification(Some(first), body, *attempt);
            assert!(swedbank_v3::read_notification(trusted, &incoming, now).is_err());
            return;
        }
    };
    let mut body = answer.body;
    let mut signature = None;
    if answer.signed {
        let header = jws::Header::new(now.unix_timestamp() - answer.age, None, None);
        signature = jws::sign(key, &header, &body).ok();
    }
    let original = body.clone();
    for (at, byte) in answer.body_changes {
        if let Some(b) = body.get_mut(at) {
            *b = byte;
        }
    }
    let mut header_changed = false;
    if let (Some(replacement), Some(value)) = (&answer.header_change, &signature) {
        if let Some((head, sig)) = value.split_once("..") {
            let new_head = B64URL.encode(replacement);
            header_changed = new_head != head;
            signature = Some(format!("{new_head}..{sig}"));
        }
    }
    let changed = body != original || header_changed;
    if answer.notification {
        let incoming = notification(signature.clone(), body.clone(), *attempt);
        if swedbank_v3::read_notification(trusted, &incoming, now).is_ok() {
            assert!(signature.is_some() && !changed, "a forged notification was believed");
            assert!(answer.age <= swedbank_v3::NOTIFICATION_AGE_SECONDS);
        }
        return;
    }
    let read = swedbank_v3::read_status_answer(
        trusted,
        signature.as_deref(),
        &body,
        TRANSACTION,
        *attempt,
        now,
        swedbank_v3::IAT_SKEW_SECONDS,
    );
    if let Ok(read) = read {
        // Only what the bank signed, unchanged and recently, is believed.
        assert!(signature.is_some(), "an unsigned answer was believed");
        assert!(!changed, "a changed answer was believed");
        assert!(answer.age.abs() <= swedbank_v3::IAT_SKEW_SECONDS);
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(json["transactionId"], TRANSACTION);
        if let Some(message) = read {
            let status = json["status"].as_str().unwrap_or_default();
            assert_eq!(swedbank_v3::status_outcome(status), Some(message.outcome));
            assert_eq!(swedbank_v3::amount_of(&json["amount"]), Some(message.amount));
            assert_eq!(message.attempt, *attempt);
            assert_eq!(message.external_id.as_deref(), Some(TRANSACTION));
        }
    }
});
