//! Bounded readers of the ASPSP's answers: the payment's creation (`201`),
//! its status, and the `tppMessages` of an error. Everything here reads what
//! the ASPSP (or anyone in its place) sent: nothing panics, nothing is sliced
//! by bytes, every text quoted in an error is cut short. The entry points of
//! the `psd2_json` fuzz target.

use super::{
    BODY_LIMIT, PAYMENT_ID_LIMIT, REASON_CHARS, URL_LIMIT, status_outcome, valid_payment_id,
};
use crate::vk::quoted;
use maksa_app::providers::{ProviderError, ProviderMessage};
use maksa_domain::attempt::Attempt;
use serde_json::Value;

/// At most this many `tppMessages` are read from one answer.
pub const MESSAGES_READ: usize = 5;
/// The longest `transactionStatus` believed (the codes have four letters).
const STATUS_CHARS: usize = 8;

/// What the ASPSP answered to a payment's creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Checked by [`valid_payment_id`].
    pub payment_id: String,
    /// The status at creation (`RCVD` usually), checked to be one of the
    /// framework's and not a rejection.
    pub transaction_status: String,
    /// `_links.scaRedirect.href`: an `http(s)` address with a host, at most
    /// [`URL_LIMIT`] bytes.
    pub sca_redirect: String,
}

/// One of an error answer's `tppMessages`, its texts bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TppMessage {
    /// `ERROR` or `WARNING`.
    pub category: String,
    /// `FORMAT_ERROR`, `CERTIFICATE_INVALID`, `RESOURCE_UNKNOWN`, …
    pub code: String,
    pub text: Option<String>,
}

fn parse(body: &[u8], what: &str) -> Result<Value, ProviderError> {
    if body.len() > BODY_LIMIT {
        return Err(ProviderError::Malformed(format!(
            "the {what} is larger than {BODY_LIMIT} bytes"
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        ProviderError::Malformed(format!(
            "the {what} is not JSON: {}",
            bounded(&e.to_string())
        ))
    })
}

/// `text` cut to [`REASON_CHARS`] characters, control characters flattened.
pub fn bounded(text: &str) -> String {
    text.chars()
        .take(REASON_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A `transactionStatus` as text, if it is a short string.
fn status_text(answer: &Value) -> Result<&str, ProviderError> {
    let value = answer
        .get("transactionStatus")
        .ok_or_else(|| ProviderError::Malformed("transactionStatus is missing".into()))?;
    let status = value.as_str().ok_or_else(|| {
        ProviderError::Malformed(format!(
            "transactionStatus {} is not a text",
            quoted(&value.to_string())
        ))
    })?;
    if status.chars().count() > STATUS_CHARS {
        return Err(ProviderError::Unavailable(format!(
            "transactionStatus {} is not a status of the framework",
            quoted(status)
        )));
    }
    Ok(status)
}

/// Reads a `201` answer to `POST /v1/payments/sepa-credit-transfers`.
pub fn read_creation(body: &[u8]) -> Result<Created, ProviderError> {
    let answer = parse(body, "creation answer")?;
    let id_value = answer
        .get("paymentId")
        .ok_or_else(|| ProviderError::Malformed("paymentId is missing".into()))?;
    let payment_id = id_value
        .as_str()
        .filter(|id| valid_payment_id(id))
        .ok_or_else(|| {
            ProviderError::Malformed(format!(
                "paymentId {} is not 1 to {PAYMENT_ID_LIMIT} of A-Z a-z 0-9 . _ -",
                quoted(&id_value.to_string())
            ))
        })?;
    let status = status_text(&answer)?;
    match status_outcome(status) {
        Err(e) => return Err(ProviderError::Unavailable(e)),
        Ok(Some(maksa_domain::attempt::Outcome::Rejected)) => {
            return Err(ProviderError::Unavailable(format!(
                "the ASPSP refused the payment at once ({status})"
            )));
        }
        Ok(_) => {}
    }
    let href = answer
        .pointer("/_links/scaRedirect/href")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ProviderError::Malformed(
                "_links.scaRedirect.href is missing (only the redirect approach is supported)"
                    .into(),
            )
        })?;
    if !web_address(href) {
        return Err(ProviderError::Malformed(format!(
            "_links.scaRedirect.href {} is not a web address",
            quoted(href)
        )));
    }
    Ok(Created {
        payment_id: payment_id.to_owned(),
        transaction_status: status.to_owned(),
        sca_redirect: href.to_owned(),
    })
}

/// An `http` or `https` address with a host, at most [`URL_LIMIT`] bytes.
pub fn web_address(text: &str) -> bool {
    text.len() <= URL_LIMIT
        && url::Url::parse(text)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.has_host())
}

/// Reads a status answer (`{"transactionStatus": "ACSC"}`) into the
/// framework's status text (not yet mapped).
pub fn read_status(body: &[u8]) -> Result<String, ProviderError> {
    let answer = parse(body, "status answer")?;
    status_text(&answer).map(str::to_owned)
}

/// Reads a status answer about `attempt` (whose `external_id` is the
/// `paymentId` asked about) into what the hub records: `Ok(None)` while
/// nothing is decided, an error for a status the framework does not have.
/// The message carries the attempt's own amount and currency: the answer does
/// not restate them, and it is about the payment our request created (over
/// the mutually authenticated connection to the ASPSP).
pub fn read_status_answer(
    body: &[u8],
    attempt: &Attempt,
) -> Result<Option<ProviderMessage>, ProviderError> {
    let status = read_status(body)?;
    let outcome = status_outcome(&status).map_err(ProviderError::Unavailable)?;
    Ok(outcome.map(|outcome| ProviderMessage {
        attempt: attempt.id,
        outcome,
        amount: attempt.amount,
        currency: attempt.currency,
        external_id: attempt.external_id.clone(),
        at: None,
        evidence: None,
    }))
}

/// The `tppMessages` of an error answer: at most [`MESSAGES_READ`], each
/// field bounded; none when the body is not the framework's error.
pub fn tpp_messages(body: &[u8]) -> Vec<TppMessage> {
    let Ok(answer) = parse(body, "error answer") else {
        return Vec::new();
    };
    let Some(messages) = answer.get("tppMessages").and_then(Value::as_array) else {
        return Vec::new();
    };
    messages
        .iter()
        .take(MESSAGES_READ)
        .filter_map(|m| {
            let text = |name: &str| m.get(name).and_then(Value::as_str).map(bounded);
            Some(TppMessage {
                category: text("category").unwrap_or_default(),
                code: text("code")?,
                text: text("text"),
            })
        })
        .collect()
}

/// The codes that say our request is wrong (asking again unchanged cannot
/// help): the hub records the refusal.
const REQUEST_CODES: &[&str] = &[
    "FORMAT_ERROR",
    "PARAMETER_NOT_CONSISTENT",
    "PARAMETER_NOT_SUPPORTED",
    "SERVICE_INVALID",
    "SERVICE_BLOCKED",
    "PRODUCT_INVALID",
    "PRODUCT_UNKNOWN",
    "PAYMENT_FAILED",
    "RESOURCE_UNKNOWN",
    "RESOURCE_EXPIRED",
    "EXECUTION_DATE_INVALID",
    "KID_MISSING",
];

/// An error answer (any status but the expected one) as the connector
/// reports it: `Malformed` when the ASPSP says our request is wrong (a code
/// of [`REQUEST_CODES`], or a 4xx other than 401, 408 and 429 without a
/// code), `Unavailable` otherwise (a certificate refused — fixed by the
/// operator, not by the request —, throttling, the ASPSP's own failure).
/// The reason names the HTTP status and the first message, bounded.
pub fn error_of(http_status: u16, body: &[u8]) -> ProviderError {
    let messages = tpp_messages(body);
    let first = messages.first();
    let reason = match first {
        Some(m) => {
            let text = m
                .text
                .as_deref()
                .map(|t| format!(" {}", quoted(t)))
                .unwrap_or_default();
            format!(
                "the ASPSP answered {http_status}: {}{text}",
                quoted(&m.code)
            )
        }
        None => format!("the ASPSP answered {http_status}"),
    };
    let reason = bounded(&reason);
    let request_wrong = match first {
        Some(m) => REQUEST_CODES.contains(&m.code.as_str()),
        None => (400..500).contains(&http_status) && !matches!(http_status, 401 | 408 | 429),
    };
    if request_wrong {
        ProviderError::Malformed(reason)
    } else {
        ProviderError::Unavailable(reason)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use maksa_domain::attempt::{AttemptId, AttemptState, Outcome};
    use maksa_domain::codes::ProviderCode;
    use maksa_domain::ids::PaymentRequestId;
    use maksa_domain::money::{Amount, Currency};
    use serde_json::json;
    use time::OffsetDateTime;

    fn created(status: &str, id: Value, href: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "transactionStatus": status,
            "paymentId": id,
            "_links": {
                "scaRedirect": {"href": href},
                "self": {"href": "/v1/payments/sepa-credit-transfers/p1"},
                "status": {"href": "/v1/payments/sepa-credit-transfers/p1/status"},
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_creation_answer_is_read_and_checked() {
        let good = created(
            "RCVD",
            json!("p-1.a_B"),
            json!("https://aspsp.example/sca/1?x=1"),
        );
        assert_eq!(
            read_creation(&good).unwrap(),
            Created {
                payment_id: "p-1.a_B".into(),
                transaction_status: "RCVD".into(),
                sca_redirect: "https://aspsp.example/sca/1?x=1".into(),
            }
        );
        for bad in [
            created("RCVD", json!("../x"), json!("https://a.example/")),
            created("RCVD", json!(12), json!("https://a.example/")),
            created("RCVD", json!(""), json!("https://a.example/")),
            created("RCVD", json!("a".repeat(129)), json!("https://a.example/")),
            created("RCVD", json!("p1"), json!("javascript:alert(1)")),
            created("RCVD", json!("p1"), json!("/relative")),
            created("RCVD", json!("p1"), json!(null)),
            br#"{"paymentId":"p1","_links":{"scaRedirect":{"href":"https://a.example/"}}}"#
                .to_vec(),
            b"<html>".to_vec(),
            vec![b' '; BODY_LIMIT + 1],
        ] {
            assert!(
                matches!(read_creation(&bad), Err(ProviderError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        for refused in ["RJCT", "CANC", "XXXX", "a very long status"] {
            let body = created(refused, json!("p1"), json!("https://a.example/"));
            assert!(
                matches!(read_creation(&body), Err(ProviderError::Unavailable(_))),
                "{refused}"
            );
        }
    }

    fn attempt() -> Attempt {
        Attempt {
            id: AttemptId::from_random([1; 16]),
            request_id: PaymentRequestId::from_random([2; 16]),
            sequence: 1,
            provider: ProviderCode::parse("PSD2DEMO").unwrap(),
            amount: Amount::from_minor(1234).unwrap(),
            currency: Currency::EUR,
            state: AttemptState::Started,
            external_id: Some("p1".into()),
            refund_required: false,
            created_at: OffsetDateTime::now_utc(),
            updated_at: OffsetDateTime::now_utc(),
        }
    }

    #[test]
    fn a_status_answer_carries_the_attempts_terms() {
        let a = attempt();
        let message = read_status_answer(br#"{"transactionStatus":"ACSC"}"#, &a)
            .unwrap()
            .unwrap();
        assert_eq!(message.outcome, Outcome::Executed);
        assert_eq!(message.amount.minor(), 1234);
        assert_eq!(message.currency, Currency::EUR);
        assert_eq!(message.external_id.as_deref(), Some("p1"));
        assert_eq!(message.attempt, a.id);
        assert_eq!(
            read_status_answer(br#"{"transactionStatus":"RCVD","x":1}"#, &a).unwrap(),
            None
        );
        assert!(matches!(
            read_status_answer(br#"{"transactionStatus":"DONE"}"#, &a),
            Err(ProviderError::Unavailable(_))
        ));
        for bad in [&br#"{}"#[..], br#"{"transactionStatus":1}"#, b"[", b""] {
            assert!(matches!(
                read_status_answer(bad, &a),
                Err(ProviderError::Malformed(_))
            ));
        }
    }

    #[test]
    fn tpp_messages_are_bounded() {
        let long = "ž".repeat(1000);
        let many: Vec<Value> = (0..20)
            .map(|i| json!({"category": "ERROR", "code": format!("C{i}"), "text": long}))
            .collect();
        let body = serde_json::to_vec(&json!({ "tppMessages": many })).unwrap();
        let messages = tpp_messages(&body);
        assert_eq!(messages.len(), MESSAGES_READ);
        assert_eq!(messages[0].code, "C0");
        assert_eq!(
            messages[0].text.as_ref().unwrap().chars().count(),
            REASON_CHARS
        );
        assert!(tpp_messages(b"nonsense").is_empty());
        assert!(tpp_messages(br#"{"tppMessages":[{"category":"ERROR"}]}"#).is_empty());
    }

    #[test]
    fn errors_are_classified_and_quoted_briefly() {
        let body = |code: &str| {
            serde_json::to_vec(&json!({"tppMessages": [
                {"category": "ERROR", "code": code, "text": "x".repeat(500)}
            ]}))
            .unwrap()
        };
        for code in [
            "FORMAT_ERROR",
            "RESOURCE_UNKNOWN",
            "PARAMETER_NOT_SUPPORTED",
        ] {
            let ProviderError::Malformed(reason) = error_of(400, &body(code)) else {
                panic!("{code}");
            };
            assert!(reason.contains(code), "{reason}");
            assert!(reason.chars().count() <= REASON_CHARS);
        }
        for code in [
            "CERTIFICATE_INVALID",
            "CERTIFICATE_MISSING",
            "SERVICE_UNAVAILABLE",
        ] {
            assert!(
                matches!(error_of(401, &body(code)), ProviderError::Unavailable(_)),
                "{code}"
            );
        }
        assert!(matches!(error_of(404, b""), ProviderError::Malformed(_)));
        assert!(matches!(error_of(429, b""), ProviderError::Unavailable(_)));
        assert!(matches!(
            error_of(503, b"<html>"),
            ProviderError::Unavailable(_)
        ));
    }
}
