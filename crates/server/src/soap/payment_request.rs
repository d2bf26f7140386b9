//! The XML form of a payment request — a `PaymentsDataStructure` as SOAP
//! clients send it and as 004's appendix 3.1 writes it — read into the same
//! `PaymentRequestInput` the JSON door builds (`json::payment_request_input`).
//!
//! Members are matched by local name in any namespace and letter case; items of
//! `PriceList` and `AllowedBanks` by position whatever their element name
//! (`<PriceList><PriceList>`, `<AllowedBanks><AllowedBankStructure>`);
//! `xsi:nil` is absent; `ExpiryDateSpecified`/`InvoiceIssueDateSpecified` set
//! to false make their value absent (what .NET clients send for "not set").

use super::xml::Element;
use crate::fields::{self, RequestParts};
use maksa_app::error::{AppError, ErrorCode};
use maksa_domain::request::{PaymentRequestInput, PriceListItemInput};

fn invalid(name: &str, message: &str) -> AppError {
    AppError::BadInput {
        code: ErrorCode::InvalidField,
        message: format!("{name}: {message}"),
    }
}

pub fn missing(name: &str) -> AppError {
    AppError::BadInput {
        code: ErrorCode::MissingField,
        message: format!("{name} is required"),
    }
}

/// A present, non-nil member.
pub fn member<'a>(parent: &'a Element, name: &str) -> Option<&'a Element> {
    parent.child(name).filter(|c| !c.nil)
}

/// A member's text (trimmed); absent or `xsi:nil` is `None`. A member that has
/// elements inside where a value belongs is refused.
pub fn text(parent: &Element, name: &str) -> Result<Option<String>, AppError> {
    match member(parent, name) {
        None => Ok(None),
        Some(value) if !value.children.is_empty() => {
            Err(invalid(name, "must be a value, not elements"))
        }
        Some(value) => Ok(Some(value.text.trim().to_owned())),
    }
}

/// An `xs:boolean`: `true`/`1`, `false`/`0`; absent, nil or empty is false.
pub fn flag(parent: &Element, name: &str) -> Result<bool, AppError> {
    match text(parent, name)?.as_deref() {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) if other.eq_ignore_ascii_case("true") => Ok(true),
        Some(other) if other.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(invalid(name, "must be true or false")),
    }
}

/// A value whose `{name}Specified` companion may say it was not set.
fn specified(parent: &Element, name: &str) -> Result<Option<String>, AppError> {
    let companion = format!("{name}Specified");
    if member(parent, &companion).is_some() && !flag(parent, &companion)? {
        return Ok(None);
    }
    text(parent, name)
}

/// `paymentRequest` (a `PaymentsDataStructure`) of `SavePaymentRequest`.
pub fn payment_request_input(parameter: &Element) -> Result<PaymentRequestInput, AppError> {
    // Appendix 3.1's whole document pasted inside the parameter works too.
    let outer = member(parameter, "PaymentsDataStructure").unwrap_or(parameter);
    let request = member(outer, "PaymentRequest")
        .ok_or_else(|| missing("PaymentsDataStructure.PaymentRequest"))?;
    payment_request_fields(request)
}

/// One `PaymentRequest` element's members (also the IVIS door's, whose
/// `PaymentInfo` lists `PaymentRequest` elements without the SOAP wrapper).
pub fn payment_request_fields(request: &Element) -> Result<PaymentRequestInput, AppError> {
    let mut price_list = Vec::new();
    if let Some(list) = member(request, "PriceList") {
        for (i, line) in list.children.iter().filter(|c| !c.nil).enumerate() {
            let name = format!("PriceList[{i}]");
            // XmlSerializer's own form of the choice: <Quantity>2</Quantity>.
            let (item, kind) = match text(line, "Item")? {
                Some(item) => (Some(item), text(line, "ItemElementName")?),
                None => match (text(line, "Quantity")?, text(line, "Amount")?) {
                    (Some(q), None) => (Some(q), Some("Quantity".to_owned())),
                    (None, Some(a)) => (Some(a), Some("Amount".to_owned())),
                    (None, None) => (None, text(line, "ItemElementName")?),
                    (Some(_), Some(_)) => {
                        return Err(invalid(&name, "has both Quantity and Amount"));
                    }
                },
            };
            price_list.push(PriceListItemInput {
                position: text(line, "Position")?,
                item,
                item_element_name: kind,
            });
        }
    }
    let mut allowed_banks = Vec::new();
    if let Some(banks) = member(request, "AllowedBanks") {
        for bank in banks.children.iter().filter(|c| !c.nil) {
            // IVIS lists the codes themselves: <AllowedBanks><SwiftCode>….
            let code = if bank.children.is_empty() && bank.name.eq_ignore_ascii_case("SwiftCode") {
                Some(bank.text.trim().to_owned()).filter(|t| !t.is_empty())
            } else {
                text(bank, "SwiftCode")?
            };
            if let Some(code) = code {
                allowed_banks.push(code);
            }
        }
    }
    let client_info = match member(request, "ClientInfo") {
        None => None,
        Some(info) => Some(fields::client_info(&|name| text(info, name))?),
    };
    fields::payment_request(
        &|name| text(request, name),
        RequestParts {
            price_list,
            allowed_banks,
            client_info,
            expiry_date: specified(request, "ExpiryDate")?,
            invoice_issue_date: specified(request, "InvoiceIssueDate")?,
            no_invoice: flag(request, "NoInvoice")?,
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// 004 appendix 3.1 as printed: `i:nil` with `i` undeclared, an
    /// `xsi:type`, `</ReturnRedirectUrl >`, and `…Specified` members.
    #[test]
    fn reads_the_appendix_example() {
        let document = crate::soap::xml::parse(include_bytes!(
            "../../tests/seed_examples/PaymentsDataStructure.xml"
        ))
        .unwrap();
        let wrapper = Element {
            children: vec![document],
            ..Element::default()
        };
        let input = payment_request_input(&wrapper).unwrap();
        assert_eq!(input.service_step.as_deref(), Some("00001"));
        assert_eq!(input.allowed_banks, ["DEMO0000", "HABALV22"]);
        assert_eq!(input.price_list.len(), 2);
        assert_eq!(input.price_list[0].item.as_deref(), Some("1"));
        assert_eq!(
            input.price_list[1].item_element_name.as_deref(),
            Some("Quantity")
        );
        assert_eq!(input.expiry_date.as_deref(), Some("2013-02-15"));
        assert!(input.no_invoice);
        assert_eq!(input.parent_payment_request_id, None);
        assert_eq!(input.swift_code.as_deref(), Some("DEMO0000"));
        assert_eq!(
            input.client_info.unwrap().client_name.as_deref(),
            Some("Paraudziņš")
        );
        assert_eq!(
            input.return_redirect_url.as_deref(),
            Some("https://latvija.lv/EP21/")
        );
    }

    #[test]
    fn an_unspecified_date_is_absent() {
        let parameter = crate::soap::xml::parse(
            b"<p><PaymentRequest><ExpiryDate>0001-01-01T00:00:00</ExpiryDate><ExpiryDateSpecified>false</ExpiryDateSpecified><PriceList><PriceListStructure><Quantity>2</Quantity><Position>1</Position></PriceListStructure></PriceList></PaymentRequest></p>",
        )
        .unwrap();
        let input = payment_request_input(&parameter).unwrap();
        assert_eq!(input.expiry_date, None);
        assert_eq!(input.price_list[0].item.as_deref(), Some("2"));
        assert_eq!(
            input.price_list[0].item_element_name.as_deref(),
            Some("Quantity")
        );
    }
}
