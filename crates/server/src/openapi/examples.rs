//! The document's examples: 004's own request bodies (`tests/seed_examples/`,
//! the same files `tests/api.rs` sends as they are), repaired the way a
//! reader would — typographic quotes made plain, the missing commas put
//! back — with member names spelled as the schema spells them (the door reads
//! any case) and their truncated `MM_Cert` placeholder left out (the TLS
//! certificate names the caller). `savepaymentrequest` also gets the demo's
//! body, which the demo hub accepts.

use maksa_app::api_method::ApiMethod;
use serde_json::{Map, Value, json};

/// 004 §2.1.1's example bodies, verbatim, by method.
const SEEDS: [(ApiMethod, &str); 8] = [
    (
        ApiMethod::SavePaymentRequest,
        include_str!("../../tests/seed_examples/savepaymentrequest.json"),
    ),
    (
        ApiMethod::CheckPaymentRequestStatus,
        include_str!("../../tests/seed_examples/checkpaymentrequeststatus.json"),
    ),
    (
        ApiMethod::GetPaymentRequests,
        include_str!("../../tests/seed_examples/getpaymentrequests.json"),
    ),
    (
        ApiMethod::GetPayments,
        include_str!("../../tests/seed_examples/getpayments.json"),
    ),
    (
        ApiMethod::CheckPaymentStatus,
        include_str!("../../tests/seed_examples/checkpaymentstatus.json"),
    ),
    (
        ApiMethod::CheckPaymentRequestStatusWpt,
        include_str!("../../tests/seed_examples/checkpaymentrequeststatuswpt.json"),
    ),
    (
        ApiMethod::CreateInvoice,
        include_str!("../../tests/seed_examples/createinvoice.json"),
    ),
    (
        ApiMethod::CancelPaymentRequest,
        include_str!("../../tests/seed_examples/cancelpaymentrequest.json"),
    ),
];

/// The demo's request body (`demo/savepaymentrequest.json`): a future expiry,
/// the demo catalogue's step.
const DEMO_REQUEST: &str = include_str!("../../../../demo/savepaymentrequest.json");

/// The most commas a body may be missing before it is given up on.
const MAX_REPAIRS: usize = 16;

/// A seed body as JSON: typographic quotes made plain, and a comma put
/// wherever the reader expected one. `None` if it is still not JSON.
pub(crate) fn repair(text: &str) -> Option<Value> {
    let mut text = text.replace(['“', '”'], "\"");
    for _ in 0..MAX_REPAIRS {
        let error = match serde_json::from_str::<Value>(&text) {
            Ok(value) => return Some(value),
            Err(error) => error,
        };
        if !error.to_string().starts_with("expected `,`") {
            return None;
        }
        let line_start: usize = text
            .split_inclusive('\n')
            .take(error.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let at = line_start.saturating_add(error.column().saturating_sub(1));
        if !text.is_char_boundary(at) || at > text.len() {
            return None;
        }
        text.insert(at, ',');
    }
    None
}

/// `value` with every member name that matches one of `names` in letter
/// case spelled as there, and without `MM_Cert`.
fn canonical(value: Value, names: &[String]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| !key.eq_ignore_ascii_case("MM_Cert"))
                .map(|(key, value)| {
                    let key = names
                        .iter()
                        .find(|name| name.eq_ignore_ascii_case(&key))
                        .cloned()
                        .unwrap_or(key);
                    (key, canonical(value, names))
                })
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| canonical(item, names))
                .collect(),
        ),
        other => other,
    }
}

/// The `examples` of `method`'s request body; `names` are the member names
/// the document knows.
pub(crate) fn of(method: ApiMethod, names: &[String]) -> Option<Value> {
    let mut examples = Map::new();
    if let Some(value) = SEEDS
        .iter()
        .find(|(seed, _)| *seed == method)
        .and_then(|(_, text)| repair(text))
    {
        examples.insert(
            "004".into(),
            json!({
                "summary": "004 §2.1.1's example",
                "description": "The original's example, repaired (plain quotes, missing commas), without its placeholder `MM_Cert`.",
                "value": canonical(value, names),
            }),
        );
    }
    if method == ApiMethod::SavePaymentRequest
        && let Ok(value) = serde_json::from_str::<Value>(DEMO_REQUEST)
    {
        examples.insert(
            "demo".into(),
            json!({
                "summary": "The demo's request",
                "description": "Accepted by `maksa demo` (its catalogue's step 03G10).",
                "value": canonical(value, names),
            }),
        );
    }
    (!examples.is_empty()).then_some(Value::Object(examples))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_seed_is_repaired() {
        for (method, text) in SEEDS {
            let value = repair(text).unwrap_or_else(|| panic!("{method:?}"));
            assert!(value.is_object(), "{method:?}");
        }
        let invoice = repair(SEEDS[6].1).unwrap();
        assert_eq!(invoice["Address"], "Elizabetes 41/43, Rīga");
        let save = repair(SEEDS[0].1).unwrap();
        assert_eq!(
            save["PaymentsDataStructure"]["PaymentRequest"]["ReturnRedirectUrl"],
            "https://latvija.lv/EP21/"
        );
        assert_eq!(repair("{\"a\": [1 2}"), None);
    }

    #[test]
    fn names_are_spelled_as_the_schema_spells_them() {
        let names = vec!["PaymentRequestId".to_owned(), "Position".to_owned()];
        let value = canonical(
            json!({ "MM_Cert": "x", "paymentRequestId": "a", "position": "1" }),
            &names,
        );
        assert_eq!(value, json!({ "PaymentRequestId": "a", "Position": "1" }));
    }
}
