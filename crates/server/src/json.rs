//! Reading the originals' JSON: field names in any letter case (`PaymentRequestId`,
//! `paymentRequestId`), numbers or strings for amounts and codes, and parse errors
//! that say where the body went wrong.

use crate::fields::{self, RequestParts};
use maksa_app::error::{AppError, ErrorCode};
use maksa_domain::request::{PaymentRequestInput, PriceListItemInput};
use serde_json::{Map, Value};

/// Parses a request body, explaining a syntax error with its line and column.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, AppError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let hint = typographic_quote_hint(body, e.line(), e.column());
        AppError::BadInput {
            code: ErrorCode::InvalidJson,
            message: format!("the body is not valid JSON: {e}{hint}"),
        }
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(AppError::BadInput {
            code: ErrorCode::InvalidJson,
            message: "the body must be a JSON object".into(),
        }),
    }
}

/// Word-processor quotes (“ ” ‘ ’) are the usual cause of broken bodies copied
/// from documents, the originals' own examples included.
fn typographic_quote_hint(body: &[u8], line: usize, column: usize) -> &'static str {
    let Ok(text) = std::str::from_utf8(body) else {
        return "";
    };
    let Some(text_line) = text.lines().nth(line.saturating_sub(1)) else {
        return "";
    };
    let around: String = text_line
        .chars()
        .skip(column.saturating_sub(3))
        .take(5)
        .collect();
    if around.contains(['“', '”', '‘', '’']) {
        " (typographic quotes “ ” are not JSON quotes: use plain \")"
    } else {
        ""
    }
}

/// A field by name, ignoring letter case.
pub fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn invalid(field_name: &str, message: &str) -> AppError {
    AppError::BadInput {
        code: ErrorCode::InvalidField,
        message: format!("{field_name}: {message}"),
    }
}

/// Text from a string, or from a number or boolean written without quotes
/// (PHP clients send `'Position' => 53`). `null` counts as absent.
pub fn text(object: &Map<String, Value>, name: &str) -> Result<Option<String>, AppError> {
    match field(object, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(invalid(name, "must be a string")),
    }
}

/// `true`/`false`, also as the strings "true"/"false" (any case); absent is false.
pub fn flag(object: &Map<String, Value>, name: &str) -> Result<bool, AppError> {
    match field(object, name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(false),
        Some(_) => Err(invalid(name, "must be true or false")),
    }
}

fn object<'a>(value: &'a Value, name: &str) -> Result<Option<&'a Map<String, Value>>, AppError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(map)),
        _ => Err(invalid(name, "must be an object")),
    }
}

fn array<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a [Value], AppError> {
    match field(object, name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(name, "must be an array")),
    }
}

/// The `PaymentRequest` of a `savepaymentrequest` body: inside
/// `PaymentsDataStructure` as the originals send it, or at the top level.
pub fn payment_request_input(body: &Map<String, Value>) -> Result<PaymentRequestInput, AppError> {
    let outer = match field(body, "PaymentsDataStructure") {
        Some(value) => object(value, "PaymentsDataStructure")?
            .ok_or_else(|| invalid("PaymentsDataStructure", "is required"))?,
        None => body,
    };
    let request = match field(outer, "PaymentRequest") {
        Some(value) => object(value, "PaymentRequest")?,
        None => None,
    }
    .ok_or_else(|| AppError::BadInput {
        code: ErrorCode::MissingField,
        message: "PaymentsDataStructure.PaymentRequest is required".into(),
    })?;

    let mut price_list = Vec::new();
    for (i, item) in array(request, "PriceList")?.iter().enumerate() {
        let name = format!("PriceList[{i}]");
        let item = object(item, &name)?.ok_or_else(|| invalid(&name, "must be an object"))?;
        price_list.push(PriceListItemInput {
            position: text(item, "Position")?,
            item: text(item, "Item")?,
            item_element_name: text(item, "ItemElementName")?,
        });
    }
    let mut allowed_banks = Vec::new();
    for (i, bank) in array(request, "AllowedBanks")?.iter().enumerate() {
        let name = format!("AllowedBanks[{i}]");
        match bank {
            // A bare string is accepted too: ["HABALV22"].
            Value::String(code) => allowed_banks.push(code.clone()),
            other => {
                let bank =
                    object(other, &name)?.ok_or_else(|| invalid(&name, "must be an object"))?;
                if let Some(code) = text(bank, "SwiftCode")? {
                    allowed_banks.push(code);
                }
            }
        }
    }
    let client_info = match field(request, "ClientInfo") {
        None => None,
        Some(value) => match object(value, "ClientInfo")? {
            None => None,
            Some(info) => Some(fields::client_info(&|name| text(info, name))?),
        },
    };
    fields::payment_request(
        &|name| text(request, name),
        RequestParts {
            price_list,
            allowed_banks,
            client_info,
            expiry_date: text(request, "ExpiryDate")?,
            invoice_issue_date: text(request, "InvoiceIssueDate")?,
            no_invoice: flag(request, "NoInvoice")?,
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_broken_body_is_explained_with_its_position() {
        let err = parse_body(b"{\n \"Id\" : \xe2\x80\x9cabc\xe2\x80\x9d\n}").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("typographic quotes"), "{message}");
        let err = parse_body(b"{\"a\": 1\n \"b\": 2}").unwrap_err();
        assert!(err.to_string().contains("line 2 column 2"), "{err}");
    }

    #[test]
    fn names_match_in_any_case_and_numbers_keep_their_digits() {
        let body = parse_body(
            br#"{"paymentRequestId": "x", "PriceList": [{"Item": 12.00, "Position": 53}]}"#,
        )
        .unwrap();
        assert_eq!(
            text(&body, "PaymentRequestId").unwrap().as_deref(),
            Some("x")
        );
        let input = payment_request_input(
            &parse_body(br#"{"PaymentRequest": {"PriceList": [{"Item": 12.10, "position": 53}]}}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(input.price_list[0].item.as_deref(), Some("12.10"));
        assert_eq!(input.price_list[0].position.as_deref(), Some("53"));
    }
}
