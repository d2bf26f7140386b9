//! **Swedbank's Payment Initiation API V3** (`docs/providers/swedbank-v3.md`):
//! the hub-side [`SwedbankV3Connector`] and the bank's side for the
//! simulators, [`SwedbankV3Sim`].
//!
//! Unlike the bank links, the hub creates the transaction server to server
//! (`POST /public/api/v3/transactions/providers/{bic}`, JSON, signed with a
//! detached JWS in `x-jws-signature`, see [`jws`]); the bank answers its id and
//! the page the payer is redirected to. The payer's return carries nothing
//! signed, and the signed notification carries nothing that binds it to our
//! attempt, so both only name the attempt (a parameter of ours on the URLs we
//! gave) and the hub asks the bank: `GET /public/api/v3/transactions/{id}/status`,
//! whose signed answer is the only thing believed.

mod connector;
pub mod jws;
mod sim;

pub use connector::{SwedbankV3Config, SwedbankV3Connector};
pub use sim::SwedbankV3Sim;

use crate::rsa_keys::{RsaKey, TrustedKeys, public_key_pem};
use crate::sim::{Sandbox, Simulator};
use crate::vk::quoted;
use maksa_app::providers::{Incoming, ProviderError, ProviderMessage, Verified};
use maksa_domain::attempt::{AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::{Amount, Currency};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use time::OffsetDateTime;

/// The module's name: key files, logs.
pub const MODULE: &str = "swedbank_v3";
/// The bank's key file in a sandbox directory.
pub const BANK_KEY_FILE: &str = "swedbank_v3-bank.key";
/// The hub's key file in a sandbox directory.
pub const HUB_KEY_FILE: &str = "swedbank_v3-hub.key";
/// The parameter of ours added to the return and notification URLs: the
/// attempt's 32 hex digits.
pub const ATTEMPT_PARAM: &str = "maksa_attempt";
/// The longest description the API takes, in characters.
pub const DESCRIPTION_LIMIT: usize = 140;
/// The longest redirect or notification URL the API takes.
pub const URL_LIMIT: usize = 2048;
/// The longest transaction id believed (Swedbank's are about 36 characters).
pub const TRANSACTION_ID_LIMIT: usize = 128;
/// The largest JSON body read from the bank (or, in the simulator, the hub).
pub const BODY_LIMIT: usize = 64 * 1024;
/// How far a request's or an answer's `iat` may be from now.
pub const IAT_SKEW_SECONDS: i64 = 15 * 60;
/// How old a notification's `iat` may be: the bank repeats a notification for
/// up to a day with the signature it first made.
pub const NOTIFICATION_AGE_SECONDS: i64 = 48 * 60 * 60;
/// The Latvian Swedbank's BIC, the provider a Latvian payer's bank is by default.
pub const SWEDBANK_LV_BIC: &str = "HABALV22";
/// The path of the transaction creation, under the API base.
pub const CREATE_PATH: &str = "/public/api/v3/transactions/providers/";
/// The path of the status query is `{STATUS_PREFIX}{id}{STATUS_SUFFIX}`.
pub const STATUS_PREFIX: &str = "/public/api/v3/transactions/";
pub const STATUS_SUFFIX: &str = "/status";

/// The statuses of a V3 transaction and what the hub makes of them: `Some`
/// for a final one, `None` while it is pending (and for a status this list
/// does not know, which the hub asks about again later).
pub fn status_outcome(status: &str) -> Option<Outcome> {
    match status {
        "EXECUTED" | "SETTLED" => Some(Outcome::Executed),
        "ABANDONED" | "FAILED" | "CANCELLED_BY_USER" | "EXPIRED" => Some(Outcome::Rejected),
        // NOT_INITIATED, INITIAL, STARTED, IN_PROGRESS, IN_AUTHENTICATION,
        // IN_CONFIRMATION, IN_DOUBLE_SIGNING, UNKNOWN, anything new.
        _ => None,
    }
}

/// A transaction id as the bank writes it: 1 to 128 ASCII letters, digits,
/// `-` or `_` (it goes into a URL path and the attempt's record).
pub fn valid_transaction_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= TRANSACTION_ID_LIMIT
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The attempt named by [`ATTEMPT_PARAM`]: exactly 32 lower-case hex digits.
pub fn attempt_of(incoming: &Incoming) -> Result<AttemptId, ProviderError> {
    let value = incoming
        .field(ATTEMPT_PARAM)
        .ok_or_else(|| ProviderError::Malformed(format!("{ATTEMPT_PARAM} is missing")))?;
    let simple = value.len() == 32
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    simple
        .then(|| AttemptId::parse(value))
        .flatten()
        .ok_or_else(|| {
            ProviderError::Malformed(format!("{ATTEMPT_PARAM} {} is not ours", quoted(value)))
        })
}

/// `url` with `name=value` added to its query (which it may already have).
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let pair = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    match fragment {
        Some(fragment) => format!("{base}{separator}{pair}#{fragment}"),
        None => format!("{base}{separator}{pair}"),
    }
}

/// An amount as the bank writes it: a JSON string or number of digits with
/// at most two decimals (`"10.00"`, `10.5`, `7`). Read from its text, never
/// through a float (serde_json keeps a number's text here).
pub fn amount_of(value: &Value) -> Option<Amount> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let plain = !text.is_empty()
        && text.len() <= 18
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !plain {
        return None;
    }
    Amount::parse(&text).ok()
}

/// A time as the bank writes it: RFC 3339, or ISO 8601 with a `+0000` offset
/// (`2026-02-11T10:05:00+0000`), with or without fractions of a second.
pub fn time_of(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    if text.len() > 64 {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .ok()
}

/// Verifies and reads a status answer (or a notification's body, which is
/// written the same way) for `transaction_id`, asked for `attempt`: the
/// signature must verify with the bank's keys and be made within
/// `max_age_seconds` before `now` (and not more than [`IAT_SKEW_SECONDS`]
/// after it); the answer must name the transaction. `Ok(None)` while the
/// transaction is pending. The entry point of the fuzz target.
pub fn read_status_answer(
    keys: &TrustedKeys,
    signature: Option<&str>,
    body: &[u8],
    transaction_id: &str,
    attempt: AttemptId,
    now: OffsetDateTime,
    max_age_seconds: i64,
) -> Result<Option<ProviderMessage>, ProviderError> {
    if body.len() > BODY_LIMIT {
        return Err(ProviderError::Malformed(format!(
            "the answer is larger than {BODY_LIMIT} bytes"
        )));
    }
    let signature = signature
        .ok_or_else(|| ProviderError::BadSignature(format!("{} is missing", jws::HEADER)))?;
    let header = jws::verify(keys, signature, body)
        .map_err(|e| ProviderError::BadSignature(e.to_string()))?;
    check_iat(header.iat, now, max_age_seconds)?;
    let answer: Value = serde_json::from_slice(body)
        .map_err(|e| ProviderError::Malformed(format!("the answer is not JSON: {e}")))?;
    let text = |name: &str| -> Result<&str, ProviderError> {
        answer
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Malformed(format!("{name} is missing")))
    };
    let id = text("transactionId")?;
    if id != transaction_id {
        return Err(ProviderError::Malformed(format!(
            "the answer is about {}, not {}",
            quoted(id),
            quoted(transaction_id)
        )));
    }
    let status = text("status")?;
    let Some(outcome) = status_outcome(status) else {
        return Ok(None);
    };
    let amount_value = answer
        .get("amount")
        .ok_or_else(|| ProviderError::Malformed("amount is missing".into()))?;
    let amount = amount_of(amount_value).ok_or_else(|| {
        ProviderError::Malformed(format!(
            "amount {} is not an amount",
            quoted(&amount_value.to_string())
        ))
    })?;
    let currency_text = text("currency")?;
    let currency = Currency::parse(currency_text).ok_or_else(|| {
        ProviderError::Malformed(format!(
            "currency {} is not a currency",
            quoted(currency_text)
        ))
    })?;
    let at = answer
        .get("statusUpdatedAt")
        .and_then(Value::as_str)
        .and_then(time_of);
    Ok(Some(ProviderMessage {
        attempt,
        outcome,
        amount,
        currency,
        external_id: Some(id.to_owned()),
        at,
        evidence: None,
    }))
}

pub(crate) fn check_iat(
    iat: i64,
    now: OffsetDateTime,
    max_age_seconds: i64,
) -> Result<(), ProviderError> {
    let now = now.unix_timestamp();
    let age = now.saturating_sub(iat);
    if age > max_age_seconds || age < IAT_SKEW_SECONDS.saturating_neg() {
        return Err(ProviderError::BadSignature(format!(
            "the signature was made at {iat}, too far from now ({now})"
        )));
    }
    Ok(())
}

/// Verifies and reads a notification: the body's signature must verify with
/// the bank's keys (it may be up to [`NOTIFICATION_AGE_SECONDS`] old, the
/// bank repeats it), and the URL must name our attempt. Nothing signed binds
/// the notification to the attempt, so it only says "ask the bank".
pub fn read_notification(
    keys: &TrustedKeys,
    incoming: &Incoming,
    now: OffsetDateTime,
) -> Result<Verified, ProviderError> {
    let attempt = attempt_of(incoming)?;
    if incoming.body.len() > BODY_LIMIT {
        return Err(ProviderError::Malformed(format!(
            "the notification is larger than {BODY_LIMIT} bytes"
        )));
    }
    let signature = incoming
        .header(jws::HEADER)
        .ok_or_else(|| ProviderError::BadSignature(format!("{} is missing", jws::HEADER)))?;
    let header = jws::verify(keys, signature, &incoming.body)
        .map_err(|e| ProviderError::BadSignature(e.to_string()))?;
    check_iat(header.iat, now, NOTIFICATION_AGE_SECONDS)?;
    Ok(Verified::AskProvider(attempt))
}

/// The bank's and the hub's keys in `dir` (created at first use), the
/// simulated bank at `bank_base_url` and a connector pointing at it, for
/// provider `code` with merchant id `SIMULATOR` and the Latvian Swedbank as
/// the payer's bank.
pub fn sandbox(
    dir: &Path,
    code: ProviderCode,
    bank_base_url: &str,
    hub_base_url: &str,
) -> std::io::Result<Sandbox> {
    let bank_key = RsaKey::load_or_create(&dir.join(BANK_KEY_FILE))?;
    let hub_key = RsaKey::load_or_create(&dir.join(HUB_KEY_FILE))?;
    let bank_trusted = TrustedKeys::from_pems(&[public_key_pem(&bank_key.public())?])?;
    let hub_trusted = TrustedKeys::from_pems(&[public_key_pem(&hub_key.public())?])?;
    let base = bank_base_url.trim_end_matches('/');
    let protocol = SwedbankV3Sim::new(bank_key, hub_trusted, base, sim::SANDBOX_MERCHANT);
    let config = SwedbankV3Config::new(code, sim::SANDBOX_MERCHANT, hub_key, bank_trusted, base);
    Ok(Sandbox {
        connector: Arc::new(SwedbankV3Connector::new(config)),
        simulator: Simulator::new(Arc::new(protocol), base, hub_base_url),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(status_outcome("EXECUTED"), Some(Outcome::Executed));
        assert_eq!(status_outcome("SETTLED"), Some(Outcome::Executed));
        for failed in ["ABANDONED", "FAILED", "CANCELLED_BY_USER", "EXPIRED"] {
            assert_eq!(status_outcome(failed), Some(Outcome::Rejected), "{failed}");
        }
        for pending in [
            "NOT_INITIATED",
            "INITIAL",
            "STARTED",
            "IN_PROGRESS",
            "IN_AUTHENTICATION",
            "IN_CONFIRMATION",
            "IN_DOUBLE_SIGNING",
            "UNKNOWN",
            "executed",
            "",
        ] {
            assert_eq!(status_outcome(pending), None, "{pending}");
        }
    }

    #[test]
    fn amounts_are_read_from_their_text() {
        let minor = |v: Value| amount_of(&v).map(Amount::minor);
        assert_eq!(minor(json!("10.00")), Some(1000));
        assert_eq!(minor(json!("0.05")), Some(5));
        assert_eq!(minor(json!("7")), Some(700));
        assert_eq!(minor(serde_json::from_str("12.34").unwrap()), Some(1234));
        assert_eq!(minor(serde_json::from_str("12.5").unwrap()), Some(1250));
        for bad in [
            json!("12.345"),
            json!("-1.00"),
            json!("1e2"),
            json!(" 1.00"),
            json!("1,00"),
            json!(".5"),
            json!("5."),
            json!(""),
            json!(null),
            json!(true),
            json!("9".repeat(40)),
            serde_json::from_str("1e2").unwrap(),
            serde_json::from_str("-1").unwrap(),
        ] {
            assert_eq!(amount_of(&bad), None, "{bad}");
        }
    }

    #[test]
    fn times_are_read_in_both_spellings() {
        let a = time_of("2026-02-11T10:05:00+0000").unwrap();
        let b = time_of("2026-02-11T10:05:00Z").unwrap();
        assert_eq!(a, b);
        assert!(time_of("2026-02-11T12:05:00.123+02:00").is_some());
        assert!(time_of("yesterday").is_none());
    }

    #[test]
    fn parameters_are_added_to_any_url() {
        assert_eq!(with_param("https://h/r", "a", "1"), "https://h/r?a=1");
        assert_eq!(
            with_param("https://h/r?x=1", "a", "1"),
            "https://h/r?x=1&a=1"
        );
        assert_eq!(with_param("https://h/r?", "a", "1"), "https://h/r?a=1");
        assert_eq!(
            with_param("https://h/r#f", "a", "b c"),
            "https://h/r?a=b+c#f"
        );
    }

    #[test]
    fn transaction_ids_are_bounded_and_plain() {
        assert!(valid_transaction_id("c625052f07004261aee27a8e069b0a5drg23"));
        assert!(!valid_transaction_id(""));
        assert!(!valid_transaction_id("../status"));
        assert!(!valid_transaction_id("a b"));
        assert!(!valid_transaction_id(&"a".repeat(TRANSACTION_ID_LIMIT + 1)));
    }

    #[test]
    fn the_attempt_parameter_is_exactly_ours() {
        let id = AttemptId::from_random([0xab; 16]);
        let incoming = |value: &str| Incoming {
            fields: vec![(ATTEMPT_PARAM.into(), value.into())],
            ..Incoming::default()
        };
        assert_eq!(attempt_of(&incoming(&id.simple())).unwrap(), id);
        for bad in [id.to_string(), id.simple().to_uppercase(), String::new()] {
            assert!(matches!(
                attempt_of(&incoming(&bad)),
                Err(ProviderError::Malformed(_))
            ));
        }
        assert!(attempt_of(&Incoming::default()).is_err());
    }

    #[test]
    fn a_notification_may_be_a_day_old_but_not_older() {
        let key = RsaKey::generate().unwrap();
        let keys = TrustedKeys::from_pems(&[public_key_pem(&key.public()).unwrap()]).unwrap();
        let id = AttemptId::from_random([0xcd; 16]);
        let now = OffsetDateTime::now_utc();
        let body = br#"{"status":"EXECUTED"}"#.to_vec();
        let incoming = |age: i64| {
            let header = jws::Header::new(now.unix_timestamp() - age, None, None);
            Incoming {
                fields: vec![(ATTEMPT_PARAM.into(), id.simple())],
                body: body.clone(),
                headers: vec![(jws::HEADER.into(), jws::sign(&key, &header, &body).unwrap())],
                ..Incoming::default()
            }
        };
        for age in [0, 25 * 60 * 60, NOTIFICATION_AGE_SECONDS, -IAT_SKEW_SECONDS] {
            assert_eq!(
                read_notification(&keys, &incoming(age), now).unwrap(),
                Verified::AskProvider(id),
                "{age}"
            );
        }
        for age in [NOTIFICATION_AGE_SECONDS + 1, -IAT_SKEW_SECONDS - 1] {
            assert!(matches!(
                read_notification(&keys, &incoming(age), now),
                Err(ProviderError::BadSignature(_))
            ));
        }
    }
}
