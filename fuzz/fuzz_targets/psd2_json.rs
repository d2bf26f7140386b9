//! The NextGenPSD2 connector's readers of the ASPSP's answers
//! (`crates/providers/src/psd2/json.rs`): the creation answer, the status
//! answer and its mapping to an outcome, and the `tppMessages` of an error.
//! Answers are built from the framework's field names with real and broken
//! values (and damaged), or taken raw; every reader gets every input.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_app::providers::ProviderError;
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_fuzz::{Bytes, Input, NOW, Shape, damage, free_text, lossy, url_text};
use maksa_providers::psd2::{self, json};
use serde_json::{Map, Value, json as j};
use std::sync::OnceLock;

const STATUS_TEXTS: &[&str] = &[
    "ACSC", "ACCC", "ACCP", "ACFC", "ACSP", "ACTC", "ACWC", "ACWP", "RCVD", "PDNG", "PATC",
    "PART", "RJCT", "CANC", "acsc", "", "ACSC ", "EXECUTED", "ÄCSC", "ACSCACSC", "ACSCACSCA",
];
const CODES: &[&str] = &[
    "FORMAT_ERROR",
    "CERTIFICATE_INVALID",
    "RESOURCE_UNKNOWN",
    "PARAMETER_NOT_SUPPORTED",
    "SERVICE_INVALID",
    "",
];

fn status_value(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=5)? {
        0..=3 => Value::String((*u.choose(STATUS_TEXTS)?).to_owned()),
        4 => {
            let status = (*u.choose(STATUS_TEXTS)?).to_owned();
            Value::String(damage(u, status)?)
        }
        _ => j!(u.arbitrary::<i64>()?),
    })
}

fn payment_id(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=4)? {
        0 | 1 => Value::String(
            (*u.choose(&["p-1", "1234-wertiq-983", "a.b_c", "..", "../x", "a/b", "", "ā"])?)
                .to_owned(),
        ),
        2 => Value::String("a".repeat(u.int_in_range(120..=140)?)),
        3 => Value::String(free_text(u)?),
        _ => j!(null),
    })
}

fn tpp_messages(u: &mut Unstructured<'_>) -> Result<Value> {
    let mut messages = Vec::new();
    for _ in 0..u.int_in_range(0..=8)? {
        let mut m = Map::new();
        if u.ratio(7, 8)? {
            m.insert("category".into(), j!(*u.choose(&["ERROR", "WARNING", ""])?));
        }
        if u.ratio(7, 8)? {
            let code = if u.ratio(3, 4)? {
                (*u.choose(CODES)?).to_owned()
            } else {
                free_text(u)?
            };
            m.insert("code".into(), j!(code));
        }
        if u.arbitrary()? {
            m.insert("text".into(), j!(free_text(u)?));
        }
        messages.push(Value::Object(m));
    }
    Ok(Value::Array(messages))
}

#[derive(Debug)]
struct Case {
    body: Bytes,
    http_status: u16,
}

impl Shape for Case {
    type Value = Case;

    fn raw(bytes: &[u8]) -> Case {
        Case {
            body: Bytes(bytes.to_vec()),
            http_status: 400,
        }
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<Case> {
        let mut map = Map::new();
        if u.ratio(7, 8)? {
            map.insert("transactionStatus".into(), status_value(u)?);
        }
        if u.ratio(3, 4)? {
            map.insert("paymentId".into(), payment_id(u)?);
        }
        if u.ratio(3, 4)? {
            map.insert(
                "_links".into(),
                j!({ "scaRedirect": { "href": url_text(u)? }, "status": { "href": "/x" } }),
            );
        }
        if u.ratio(1, 2)? {
            map.insert("tppMessages".into(), tpp_messages(u)?);
        }
        let mut body = serde_json::to_string(&Value::Object(map)).unwrap_or_default();
        if u.ratio(1, 8)? {
            body = damage(u, body)?;
        }
        if u.ratio(1, 32)? {
            // Past the size limit.
            body.push_str(&" ".repeat(psd2::BODY_LIMIT));
        }
        Ok(Case {
            body: Bytes(body.into_bytes()),
            http_status: *u.choose(&[200, 201, 400, 401, 403, 404, 405, 408, 429, 500, 503, 999])?,
        })
    }
}

fn attempt() -> &'static Attempt {
    static ATTEMPT: OnceLock<Attempt> = OnceLock::new();
    ATTEMPT.get_or_init(|| Attempt {
        id: AttemptId::from_random([7; 16]),
        request_id: PaymentRequestId::from_random([8; 16]),
        sequence: 1,
        provider: ProviderCode::parse(psd2::SANDBOX_CODE).unwrap_or_else(|| panic!("code")),
        amount: Amount::from_minor(1234).unwrap_or_else(|e| panic!("{e:?}")),
        currency: Currency::EUR,
        state: AttemptState::Started,
        external_id: Some("p-1".to_owned()),
        refund_required: false,
        created_at: NOW,
        updated_at: NOW,
    })
}

fn reason(error: &ProviderError) -> &str {
    match error {
        ProviderError::Malformed(r) | ProviderError::BadSignature(r) | ProviderError::Unavailable(r) => r,
    }
}

fuzz_target!(|case: Input<Case>| {
    let Case { body, http_status } = case.0;
    let body = body.0;
    let attempt = attempt();

    // The status mapping of any text: one of the framework's, or an error.
    let text = lossy(&body);
    if let Ok(outcome) = psd2::status_outcome(&text) {
        assert!(psd2::STATUSES.contains(&text.as_str()), "{text:?} mapped to {outcome:?}");
    }

    if let Ok(created) = json::read_creation(&body) {
        assert!(body.len() <= psd2::BODY_LIMIT);
        assert!(psd2::valid_payment_id(&created.payment_id));
        assert!(json::web_address(&created.sca_redirect));
        let outcome = psd2::status_outcome(&created.transaction_status);
        assert!(
            matches!(outcome, Ok(None | Some(Outcome::Accepted | Outcome::Executed))),
            "a creation answer with {:?} was taken",
            created.transaction_status
        );
    }

    match json::read_status_answer(&body, attempt) {
        Ok(message) => {
            let status = json::read_status(&body).unwrap_or_else(|e| panic!("{e}"));
            let outcome = psd2::status_outcome(&status).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(message.as_ref().map(|m| m.outcome), outcome);
            if let Some(message) = message {
                // Only the attempt's own terms, never the answer's.
                assert_eq!(message.attempt, attempt.id);
                assert_eq!(message.amount, attempt.amount);
                assert_eq!(message.currency, attempt.currency);
                assert_eq!(message.external_id, attempt.external_id);
            }
        }
        Err(e) => assert!(reason(&e).chars().count() <= 400, "{e}"),
    }

    let messages = json::tpp_messages(&body);
    assert!(messages.len() <= json::MESSAGES_READ);
    for m in &messages {
        for text in [Some(&m.category), Some(&m.code), m.text.as_ref()].into_iter().flatten() {
            assert!(text.chars().count() <= psd2::REASON_CHARS);
            assert!(!text.chars().any(char::is_control));
        }
    }
    let error = json::error_of(http_status, &body);
    assert!(matches!(
        error,
        ProviderError::Malformed(_) | ProviderError::Unavailable(_)
    ));
    assert!(reason(&error).chars().count() <= psd2::REASON_CHARS, "{error}");
});
