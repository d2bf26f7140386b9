//! JSON bodies of the REST door with the real field names, in random letter
//! case, with values of the right and the wrong types, nested as the originals
//! nest them (`PaymentsDataStructure.PaymentRequest`) or not.

use crate::{
    cased, date_text, free_text, json_scalar, number_text, optional, provider_text, request_input,
};
use arbitrary::{Result, Unstructured};
use serde_json::{Map, Value};

fn insert(
    u: &mut Unstructured<'_>,
    object: &mut Map<String, Value>,
    name: &str,
    value: Value,
) -> Result<()> {
    object.insert(cased(u, name)?, value);
    Ok(())
}

/// A member's text: a JSON string most of the time, sometimes another type.
fn text_value(u: &mut Unstructured<'_>, text: String) -> Result<Value> {
    if u.ratio(7, 8)? {
        Ok(Value::String(text))
    } else {
        json_scalar(u, |_| Ok(text))
    }
}

/// The `PaymentRequest` object of `savepaymentrequest`.
pub fn payment_request(u: &mut Unstructured<'_>) -> Result<Value> {
    let input = request_input(u)?;
    let mut request = Map::new();
    let texts = [
        ("ServiceStep", input.service_step),
        ("ExpiryDate", input.expiry_date),
        ("InvoiceIssueDate", input.invoice_issue_date),
        ("ParentPaymentRequestID", input.parent_payment_request_id),
        ("PaymentObject", input.payment_object),
        ("ResponseUrl", input.response_url),
        ("ServerResponseUrl", input.server_response_url),
        ("ReturnRedirectUrl", input.return_redirect_url),
        ("SwiftCode", input.swift_code),
    ];
    for (name, text) in texts {
        if let Some(text) = text {
            let value = text_value(u, text)?;
            insert(u, &mut request, name, value)?;
        }
    }
    let no_invoice = match u.int_in_range(0..=4)? {
        0 => Value::Bool(input.no_invoice),
        1 => Value::String(cased(u, &input.no_invoice.to_string())?),
        2 => Value::String(String::new()),
        3 => Value::from(u8::from(input.no_invoice)),
        _ => json_scalar(u, free_text)?,
    };
    insert(u, &mut request, "NoInvoice", no_invoice)?;

    let mut items = Vec::new();
    for item in input.price_list {
        let mut object = Map::new();
        if let Some(position) = item.position {
            let value = text_value(u, position)?;
            insert(u, &mut object, "Position", value)?;
        }
        if let Some(amount) = item.item {
            // Mostly a bare JSON number, as the originals' example sends it.
            let value = match amount.parse::<serde_json::Number>() {
                Ok(n) if u.ratio(3, 4)? => Value::Number(n),
                _ => text_value(u, amount)?,
            };
            insert(u, &mut object, "Item", value)?;
        }
        if let Some(kind) = item.item_element_name {
            let value = text_value(u, kind)?;
            insert(u, &mut object, "ItemElementName", value)?;
        }
        items.push(if u.ratio(1, 20)? {
            json_scalar(u, free_text)?
        } else {
            Value::Object(object)
        });
    }
    if !items.is_empty() || u.arbitrary()? {
        let list = if u.ratio(1, 20)? {
            json_scalar(u, free_text)?
        } else {
            Value::Array(items)
        };
        insert(u, &mut request, "PriceList", list)?;
    }

    let mut banks = Vec::new();
    for bank in input.allowed_banks {
        banks.push(match u.int_in_range(0..=3)? {
            0 => Value::String(bank),
            1 => json_scalar(u, |_| Ok(bank))?,
            _ => {
                let mut object = Map::new();
                insert(u, &mut object, "SwiftCode", Value::String(bank))?;
                Value::Object(object)
            }
        });
    }
    if !banks.is_empty() {
        insert(u, &mut request, "AllowedBanks", Value::Array(banks))?;
    }

    if let Some(info) = input.client_info {
        let mut object = Map::new();
        let members = [
            ("ClientName", info.client_name),
            ("ClientFirstName", info.client_first_name),
            ("ClientCode", info.client_code),
            ("ClientEMail", info.client_email),
            ("ClientPhone", info.client_phone),
            ("ClientAddress", info.client_address),
        ];
        for (name, text) in members {
            if let Some(text) = text {
                let value = text_value(u, text)?;
                insert(u, &mut object, name, value)?;
            }
        }
        let value = if u.ratio(1, 20)? {
            json_scalar(u, free_text)?
        } else {
            Value::Object(object)
        };
        insert(u, &mut request, "ClientInfo", value)?;
    }
    Ok(Value::Object(request))
}

/// The filters of `getpaymentrequests` and `getpayments`, each maybe present.
fn filters(u: &mut Unstructured<'_>, body: &mut Map<String, Value>) -> Result<()> {
    for name in [
        "CreatedDateFrom",
        "CreatedDateTill",
        "PaymentDateFrom",
        "PaymentDateTill",
        "ExpirationDateFrom",
        "ExpirationDateTill",
    ] {
        if let Some(value) = optional(u, |u| json_scalar(u, date_text))? {
            insert(u, body, name, value)?;
        }
    }
    for name in ["AmountFrom", "AmountTill"] {
        if let Some(value) = optional(u, |u| json_scalar(u, number_text))? {
            insert(u, body, name, value)?;
        }
    }
    if let Some(value) = optional(u, |u| {
        json_scalar(u, |u| {
            Ok((*u.choose(&["EUR", "eur", "USD", "EU", "EURO", "€", ""])?).to_owned())
        })
    })? {
        insert(u, body, "Currency", value)?;
    }
    if let Some(value) = optional(u, |u| json_scalar(u, |u| cased(u, "true")))? {
        insert(u, body, "OnlyNotPayed", value)?;
    }
    Ok(())
}

/// A body for any of the REST methods that read outside input beyond an id.
pub fn body(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut body = Map::new();
    if u.ratio(3, 4)? {
        let request = payment_request(u)?;
        match u.int_in_range(0..=5)? {
            0..=2 => {
                let mut outer = Map::new();
                insert(u, &mut outer, "PaymentRequest", request)?;
                insert(u, &mut body, "PaymentsDataStructure", Value::Object(outer))?;
            }
            3 => insert(u, &mut body, "PaymentRequest", request)?,
            4 => insert(u, &mut body, "PaymentsDataStructure", request)?,
            _ => {
                let value = json_scalar(u, free_text)?;
                insert(u, &mut body, "PaymentsDataStructure", value)?;
            }
        }
    }
    if u.ratio(1, 2)? {
        filters(u, &mut body)?;
    }
    if u.ratio(1, 4)? {
        let value = json_scalar(u, provider_text)?;
        insert(u, &mut body, "MM_Cert", value)?;
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let name: String = u.arbitrary()?;
        let value = json_scalar(u, free_text)?;
        body.insert(name, value);
    }
    let value = Value::Object(body);
    Ok(if u.ratio(1, 4)? {
        serde_json::to_vec_pretty(&value)
    } else {
        serde_json::to_vec(&value)
    }
    .unwrap_or_default())
}
