//! SOAP 1.1 envelopes with the real element names: the seven operations of
//! `PaymentRequestService.svc` and `GetInvoice`, a `PaymentsDataStructure` as
//! WCF, PHP's SoapClient and 004's appendix write it (prefixes, `i:nil`,
//! `…Specified`, `<PriceList><PriceList>`), and text escaped in every way XML
//! allows — and some it does not.

use crate::{awkward_char, cased, date_text, free_text, number_text, optional, request_input};
use arbitrary::{Result, Unstructured};

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SERVICE: &str = "http://tempuri.org/";
const DATA: &str = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

const OPERATIONS: &[&str] = &[
    "SavePaymentRequest",
    "SavePaymentRequest",
    "SavePaymentRequest",
    "GetPaymentRequests",
    "GetPayments",
    "CheckPaymentRequestStatus",
    "CheckPaymentStatus",
    "CreateInvoice",
    "CancelPaymentRequest",
    "GetInvoice",
];

/// Names that occur anywhere in the service's messages, for stray elements.
const NAMES: &[&str] = &[
    "Envelope",
    "Body",
    "Header",
    "Fault",
    "paymentRequest",
    "PaymentsDataStructure",
    "PaymentRequest",
    "PriceList",
    "PriceListStructure",
    "Position",
    "Item",
    "ItemElementName",
    "Quantity",
    "Amount",
    "AllowedBanks",
    "AllowedBankStructure",
    "SwiftCode",
    "ClientInfo",
    "ClientName",
    "ExpiryDate",
    "ExpiryDateSpecified",
    "NoInvoice",
    "ServiceStep",
    "paymentRequestId",
    "position",
    "onlyNotPayed",
    "xmlFormat",
];

/// Text content: escaped properly most of the time, otherwise as a CDATA
/// section, as character references, with entity references XML does or does
/// not define, or raw.
fn content(u: &mut Unstructured<'_>, text: &str) -> Result<String> {
    Ok(match u.int_in_range(0..=39)? {
        0..=2 if !text.contains("]]>") => format!("<![CDATA[{text}]]>"),
        3 | 4 => text
            .chars()
            .map(|c| format!("&#x{:X};", u32::from(c)))
            .collect(),
        5 => text.to_owned(),
        6 => {
            let reference = *u.choose(&[
                "&amp;",
                "&lt;",
                "&quot;",
                "&#0;",
                "&#xD800;",
                "&#x110000;",
                "&#65;",
                "&custom;",
                "&;",
                "&#x;",
                "&amp",
            ])?;
            format!("{}{reference}", escape(text))
        }
        _ => escape(text),
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Attributes: usually none; `i:nil`, a namespace declaration, or arbitrary
/// ones (repeated names included).
fn attributes(u: &mut Unstructured<'_>) -> Result<String> {
    let mut text = String::new();
    if u.ratio(7, 8)? {
        return Ok(text);
    }
    for _ in 0..u.int_in_range(1..=8)? {
        let attribute = match u.int_in_range(0..=5)? {
            0 => " i:nil=\"true\"".to_owned(),
            1 => format!(" xsi:nil=\"{}\"", cased(u, "true")?),
            2 => format!(" xmlns:i=\"{XSI}\""),
            3 => " xmlns=\"\"".to_owned(),
            4 => format!(
                " i:type=\"{}\"",
                escape(&free_text(u)?).replace('"', "&quot;")
            ),
            _ => {
                let name: String = (0..u.int_in_range(1..=4)?)
                    .map(|_| u.int_in_range(b'a'..=b'c').map(char::from))
                    .collect::<Result<_>>()?;
                format!(
                    " {name}=\"{}\"",
                    escape(&free_text(u)?).replace('"', "&quot;")
                )
            }
        };
        text.push_str(&attribute);
    }
    Ok(text)
}

/// `<{prefix}{Name}{attributes}>{inner}</{prefix}{Name}>`, or self-closing.
fn element(u: &mut Unstructured<'_>, prefix: &str, name: &str, inner: &str) -> Result<String> {
    let name = cased(u, name)?;
    let attributes = attributes(u)?;
    Ok(if inner.is_empty() && u.ratio(1, 4)? {
        format!("<{prefix}{name}{attributes}/>")
    } else {
        format!("<{prefix}{name}{attributes}>{inner}</{prefix}{name}>")
    })
}

fn value(u: &mut Unstructured<'_>, prefix: &str, name: &str, text: &str) -> Result<String> {
    let inner = content(u, text)?;
    element(u, prefix, name, &inner)
}

/// A stray element with names from the messages, nested up to `depth`.
fn stray(u: &mut Unstructured<'_>, depth: u8) -> Result<String> {
    let name = *u.choose(NAMES)?;
    let prefix = *u.choose(&["", "a:", "s:", "x:"])?;
    let inner = if depth > 0 && u.ratio(1, 2)? {
        let mut inner = String::new();
        for _ in 0..u.int_in_range(1..=3)? {
            inner.push_str(&stray(u, depth - 1)?);
        }
        inner
    } else {
        let text = free_text(u)?;
        content(u, &text)?
    };
    element(u, prefix, name, &inner)
}

/// A `PaymentRequest` as the data contract serialises it, prefixed `a:`.
fn payment_request(u: &mut Unstructured<'_>) -> Result<String> {
    let input = request_input(u)?;
    let mut members = String::new();
    let texts = [
        ("ServiceStep", input.service_step),
        ("ParentPaymentRequestID", input.parent_payment_request_id),
        ("PaymentObject", input.payment_object),
        ("ResponseUrl", input.response_url),
        ("ServerResponseUrl", input.server_response_url),
        ("ReturnRedirectUrl", input.return_redirect_url),
        ("SwiftCode", input.swift_code),
    ];
    for (name, text) in texts {
        match text {
            Some(text) => members.push_str(&value(u, "a:", name, &text)?),
            None if u.ratio(1, 3)? => members.push_str(&format!("<a:{name} i:nil=\"true\"/>")),
            None => {}
        }
    }
    for (name, text) in [
        ("ExpiryDate", input.expiry_date),
        ("InvoiceIssueDate", input.invoice_issue_date),
    ] {
        if let Some(text) = text {
            members.push_str(&value(u, "a:", name, &text)?);
        }
        if u.arbitrary()? {
            let specified = (*u.choose(&["true", "false", "1", "0", "", "yes"])?).to_owned();
            members.push_str(&value(u, "a:", &format!("{name}Specified"), &specified)?);
        }
    }
    let no_invoice = if u.ratio(3, 4)? {
        input.no_invoice.to_string()
    } else {
        free_text(u)?
    };
    members.push_str(&value(u, "a:", "NoInvoice", &no_invoice)?);

    let mut items = String::new();
    for item in &input.price_list {
        let mut inner = String::new();
        if let Some(position) = &item.position {
            inner.push_str(&value(u, "a:", "Position", position)?);
        }
        match (&item.item, u.int_in_range(0..=3)?) {
            // XmlSerializer's own form of the choice: <Quantity>2</Quantity>.
            (Some(amount), 0) => inner.push_str(&value(u, "a:", "Quantity", amount)?),
            (Some(amount), 1) => inner.push_str(&value(u, "a:", "Amount", amount)?),
            (Some(amount), _) => {
                inner.push_str(&value(u, "a:", "Item", amount)?);
                if let Some(kind) = &item.item_element_name {
                    inner.push_str(&value(u, "a:", "ItemElementName", kind)?);
                }
            }
            (None, _) => {}
        }
        let name = *u.choose(&["PriceListStructure", "PriceList", "Item"])?;
        items.push_str(&element(u, "a:", name, &inner)?);
    }
    if !items.is_empty() || u.arbitrary()? {
        members.push_str(&element(u, "a:", "PriceList", &items)?);
    }
    let mut banks = String::new();
    for bank in &input.allowed_banks {
        let code = value(u, "a:", "SwiftCode", bank)?;
        banks.push_str(&element(u, "a:", "AllowedBankStructure", &code)?);
    }
    if !banks.is_empty() {
        members.push_str(&element(u, "a:", "AllowedBanks", &banks)?);
    }
    if let Some(info) = &input.client_info {
        let mut inner = String::new();
        for (name, text) in [
            ("ClientAddress", &info.client_address),
            ("ClientCode", &info.client_code),
            ("ClientEMail", &info.client_email),
            ("ClientFirstName", &info.client_first_name),
            ("ClientName", &info.client_name),
            ("ClientPhone", &info.client_phone),
        ] {
            if let Some(text) = text {
                inner.push_str(&value(u, "a:", name, text)?);
            }
        }
        members.push_str(&element(u, "a:", "ClientInfo", &inner)?);
    }
    if u.ratio(1, 8)? {
        members.push_str(&stray(u, 3)?);
    }
    element(u, "a:", "PaymentRequest", &members)
}

fn filters(u: &mut Unstructured<'_>) -> Result<String> {
    let mut members = String::new();
    for name in [
        "createdDateFrom",
        "createdDateTill",
        "paymentDateFrom",
        "paymentDateTill",
        "expirationDateFrom",
        "expirationDateTill",
    ] {
        if let Some(text) = optional(u, date_text)? {
            members.push_str(&value(u, "", name, &text)?);
        }
    }
    for name in ["amountFrom", "amountTill"] {
        if let Some(text) = optional(u, number_text)? {
            members.push_str(&value(u, "", name, &text)?);
        }
    }
    if let Some(text) = optional(u, |u| {
        Ok((*u.choose(&["EUR", "eur", "USD", "", "€"])?).to_owned())
    })? {
        members.push_str(&value(u, "", "currency", &text)?);
    }
    if u.arbitrary()? {
        let flag = (*u.choose(&["true", "false", "1", "0", "TRUE", "no"])?).to_owned();
        members.push_str(&value(u, "", "onlyNotPayed", &flag)?);
    }
    Ok(members)
}

/// A whole message for the SOAP door.
pub fn envelope(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut x = String::new();
    if u.ratio(3, 4)? {
        x.push_str(u.choose(&[
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            "<?xml version='1.0'?>",
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
            "<!-- a comment -->",
        ])?);
    }
    let (open, prefix) = match u.int_in_range(0..=4)? {
        0 => (format!("<s:Envelope xmlns:s=\"{SOAP11}\">"), "s:"),
        1 => (
            format!("<soap:Envelope xmlns:soap=\"{SOAP11}\" xmlns:xsi=\"{XSI}\">"),
            "soap:",
        ),
        2 => (format!("<Envelope xmlns=\"{SOAP11}\">"), ""),
        3 => (format!("<s:Envelope xmlns:s=\"{SERVICE}\">"), "s:"),
        _ => ("<s:Envelope>".to_owned(), "s:"),
    };
    x.push_str(&open);
    if u.ratio(1, 4)? {
        let header = stray(u, 2)?;
        x.push_str(&format!("<{prefix}Header>{header}</{prefix}Header>"));
    }
    x.push_str(&format!("<{prefix}Body>"));
    let operation = if u.ratio(15, 16)? {
        (*u.choose(OPERATIONS)?).to_owned()
    } else {
        let operation = *u.choose(OPERATIONS)?;
        cased(u, operation)?
    };
    let namespace = if u.ratio(7, 8)? { SERVICE } else { DATA };
    let mut parameters = String::new();
    match operation.as_str() {
        "SavePaymentRequest" => {
            let mut request = payment_request(u)?;
            if u.ratio(1, 4)? {
                request = element(u, "a:", "PaymentsDataStructure", &request)?;
            }
            let declarations = if u.ratio(7, 8)? {
                format!(" xmlns:a=\"{DATA}\" xmlns:i=\"{XSI}\"")
            } else {
                String::new()
            };
            parameters.push_str(&format!(
                "<paymentRequest{declarations}>{request}</paymentRequest>"
            ));
        }
        "GetPaymentRequests" | "GetPayments" => parameters.push_str(&filters(u)?),
        _ => {
            for name in [
                "paymentRequestId",
                "position",
                "id",
                "name",
                "code",
                "address",
                "xmlFormat",
            ] {
                if u.arbitrary()? {
                    let text = free_text(u)?;
                    parameters.push_str(&value(u, "", name, &text)?);
                }
            }
        }
    }
    if u.ratio(1, 8)? {
        parameters.push_str(&stray(u, 4)?);
    }
    x.push_str(&format!(
        "<{operation} xmlns=\"{namespace}\">{parameters}</{operation}>"
    ));
    x.push_str(&format!("</{prefix}Body></{}Envelope>", prefix));
    if u.ratio(1, 16)? {
        // A stray character after the root, or inside a tag.
        let at = u.int_in_range(0..=x.chars().count())?;
        let c = awkward_char(u)?;
        let mut chars: Vec<char> = x.chars().collect();
        chars.insert(at, c);
        x = chars.into_iter().collect();
    }
    Ok(x.into_bytes())
}
