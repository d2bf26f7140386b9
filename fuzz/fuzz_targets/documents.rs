//! Justification documents of any request the domain accepts: a request
//! built from fuzzed input, validated against the demo catalogue, taken to a
//! fuzzed outcome (paid, partly paid, cancelled, expired), issued as a receipt
//! or as an invoice to a fuzzed recipient, and rendered by
//! `maksa_documents::Renderer` as PDF (both languages) and XML.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_app::documents::{DocumentLanguage, DocumentRenderer};
use maksa_documents::Renderer;
use maksa_domain::codes::ProviderCode;
use maksa_domain::document::{DocumentKind, JustificationDocument, Party};
use maksa_domain::request::{CreationRules, PaymentRequestInput};
use maksa_domain::status::Status;
use maksa_fuzz::{NOW, demo_catalog, free_text, optional, provider_text, request_input, validate};
use time::Duration;

#[derive(Debug)]
struct Input {
    request: PaymentRequestInput,
    /// Per payment: paid (with the provider and when), or left as it is.
    outcomes: Vec<Option<(String, i32)>>,
    final_status: u8,
    invoice: bool,
    version: u32,
    recipient: Option<(Option<String>, Option<String>, Option<String>)>,
    english: bool,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let request = request_input(u)?;
        let mut outcomes = Vec::new();
        for _ in 0..u.int_in_range(0..=4)? {
            outcomes.push(optional(u, |u| Ok((provider_text(u)?, u.arbitrary()?)))?);
        }
        Ok(Input {
            request,
            outcomes,
            final_status: u.arbitrary()?,
            invoice: u.arbitrary()?,
            version: u.arbitrary()?,
            recipient: optional(u, |u| {
                Ok((
                    optional(u, free_text)?,
                    optional(u, free_text)?,
                    optional(u, free_text)?,
                ))
            })?,
            english: u.arbitrary()?,
        })
    }
}

/// `createinvoice`'s own check of the recipient (app/documents.rs): at most
/// `field_max_length` characters, no control characters; blank is absent.
fn recipient_field(value: Option<String>) -> Option<Option<String>> {
    let limit = CreationRules::default().field_max_length;
    match value {
        Some(v) if v.chars().count() > limit || v.chars().any(char::is_control) => None,
        Some(v) if v.trim().is_empty() => Some(None),
        other => Some(other),
    }
}

fuzz_target!(|input: Input| {
    let Some(mut request) = validate(&input.request) else {
        return;
    };
    for (payment, outcome) in request.payments.iter_mut().zip(input.outcomes) {
        if let Some((provider, seconds)) = outcome {
            payment.status = Status::Executed;
            payment.provider = ProviderCode::parse(&provider);
            payment.paid_at = Some(NOW + Duration::seconds(i64::from(seconds)));
        }
    }
    request.status = match input.final_status % 5 {
        0 if request
            .payments
            .iter()
            .all(|p| p.status == Status::Executed) =>
        {
            Status::Executed
        }
        1 => Status::Expired,
        2 => Status::Cancelled,
        3 => Status::Other,
        _ => Status::InProcess,
    };
    let recipient = match input.recipient {
        None => None,
        Some((name, code, address)) => {
            let (Some(name), Some(code), Some(address)) = (
                recipient_field(name),
                recipient_field(code),
                recipient_field(address),
            ) else {
                return;
            };
            Some(Party {
                name: name.unwrap_or_default(),
                code,
                address,
            })
        }
    };
    let kind = if input.invoice {
        DocumentKind::Invoice
    } else {
        DocumentKind::Receipt
    };
    let issuer = Party {
        name: "Valsts digitālās attīstības aģentūra".to_owned(),
        code: Some("90000036859".to_owned()),
        address: Some("Pulkveža Brieža iela 12, Rīga, LV-1010".to_owned()),
    };
    let document = JustificationDocument::issue(
        kind,
        input.version,
        NOW,
        &request,
        demo_catalog(),
        &issuer,
        recipient,
    );
    let language = if input.english {
        DocumentLanguage::English
    } else {
        DocumentLanguage::Latvian
    };
    let renderer = Renderer::new();
    let pdf = renderer
        .pdf(&document, language)
        .unwrap_or_else(|e| panic!("the PDF of an accepted request failed: {e}"));
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let xml = renderer
        .xml(&document)
        .unwrap_or_else(|e| panic!("the XML of an accepted request failed: {e}"));
    let text = std::str::from_utf8(&xml).unwrap_or_else(|e| panic!("the XML is not UTF-8: {e}"));
    // Well-formed (our own hardened reader), and only XML 1.0 characters.
    if let Err(e) = maksa_server::fuzzing::parse_xml(&xml) {
        panic!("the XML document is not well-formed: {e}\n{text}");
    }
    assert!(
        text.chars().all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)),
        "the XML holds a character XML 1.0 does not allow"
    );
});
