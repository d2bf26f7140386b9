//! Writing SOAP 1.1 answers the way WCF's basicHttpBinding writes them: the
//! operation's `…Response` element in the service namespace, its `…Result` with
//! data-contract members in `DATA` (prefix `a`) in the schema's order, `i:nil`
//! for absent values; and faults carrying `PaymentRequestFault`.

use super::{DATA, SERVICE};
use crate::soap::xml::XSI;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::error::AppError;
use maksa_domain::text::bounded_message;
use quick_xml::escape::escape;

const ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A fault's whole text, explanation included: messages that list several
/// mistakes stay whole, and nothing longer leaves through [`fault`].
pub const FAULT_TEXT_LIMIT: usize = 2_000;

/// A fault's text, bounded: each value it quotes cut to 200 characters, the
/// whole to [`FAULT_TEXT_LIMIT`] (`maksa_domain::text::bounded_message`).
fn fault_text(message: &str) -> String {
    bounded_message(message, FAULT_TEXT_LIMIT)
}

/// The members of one data-contract value, written in the order they are added
/// (which must be the WSDL's).
#[derive(Default)]
pub struct Members(String);

impl Members {
    pub fn value(mut self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => {
                let value = escape(value);
                self.0.push_str(&format!("<a:{name}>{value}</a:{name}>"));
            }
            None => self.0.push_str(&format!("<a:{name} i:nil=\"true\"/>")),
        }
        self
    }

    /// A member that is itself a data contract (a list item).
    pub fn nested(mut self, name: &str, members: Members) -> Self {
        self.0
            .push_str(&format!("<a:{name}>{}</a:{name}>", members.0));
        self
    }
}

/// `<{operation}Response>` with a text `…Result`.
pub fn simple_result(operation: &str, value: &str) -> String {
    let value = escape(value);
    format!(
        "<{operation}Response xmlns=\"{SERVICE}\"><{operation}Result>{value}</{operation}Result></{operation}Response>"
    )
}

/// `<{operation}Response>` with a data-contract `…Result`.
pub fn contract_result(operation: &str, members: Members) -> String {
    format!(
        "<{operation}Response xmlns=\"{SERVICE}\"><{operation}Result xmlns:a=\"{DATA}\" xmlns:i=\"{XSI}\">{}</{operation}Result></{operation}Response>",
        members.0
    )
}

/// `<{operation}Response/>`: a one-way answer.
pub fn empty_result(operation: &str) -> String {
    format!("<{operation}Response xmlns=\"{SERVICE}\"/>")
}

fn envelope(body: &str) -> String {
    format!("<s:Envelope xmlns:s=\"{ENVELOPE}\"><s:Body>{body}</s:Body></s:Envelope>")
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn answer(body: &str) -> Response {
    xml_response(StatusCode::OK, envelope(body))
}

/// The one place where an application error becomes a SOAP fault: HTTP 500 as
/// SOAP 1.1 requires, `s:Client` when the caller can fix it and `s:Server`
/// when the fault is ours, the message in `faultstring`, and the detail WCF
/// clients catch as `FaultException<PaymentRequestFault>` — with the error
/// code of docs/errors.md beside the message (also in the `MM-Error` header).
/// The message is bounded ([`fault_text`]): whatever a caller sent, a fault
/// stays small.
pub fn fault(error: &AppError) -> Response {
    let ours = error.is_unavailable() || matches!(error, AppError::Internal(_));
    if ours {
        tracing::error!(code = error.code().as_str(), error = %error, "SOAP call failed on our side");
    }
    let faultcode = if ours { "s:Server" } else { "s:Client" };
    let message = fault_text(&error.to_string());
    let text = escape(message.as_str());
    let code = error.code().as_str();
    let body = envelope(&format!(
        "<s:Fault><faultcode>{faultcode}</faultcode><faultstring xml:lang=\"en\">{text}</faultstring><detail><PaymentRequestFault xmlns=\"{DATA}\" xmlns:i=\"{XSI}\"><Code>{code}</Code><Message>{text}</Message></PaymentRequestFault></detail></s:Fault>"
    ));
    let mut response = xml_response(StatusCode::INTERNAL_SERVER_ERROR, body);
    if let Ok(value) = HeaderValue::from_str(code) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("mm-error"), value);
    }
    crate::wire_error::with_retry_after(response, error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use maksa_domain::text::ECHO_MAX_CHARS;

    #[test]
    fn fault_texts_are_bounded() {
        let short = "ServiceStep: `00001` is not a service step in the catalogue";
        assert_eq!(fault_text(short), short);
        let step = "é".repeat(400_000);
        let text = fault_text(&format!(
            "ServiceStep: `{step}` is not a service step in the catalogue"
        ));
        assert_eq!(
            text,
            format!(
                "ServiceStep: `{}… (cut: 400000 characters)` is not a service step in the catalogue",
                "é".repeat(ECHO_MAX_CHARS)
            )
        );
        // Unquoted, or with backquotes of its own: the whole is cut.
        for message in [
            format!("x {}", "a".repeat(10_000)),
            format!("x `a` {}", "`b".repeat(10_000)),
        ] {
            let text = fault_text(&message);
            assert!(
                text.chars().count() < FAULT_TEXT_LIMIT + 40,
                "{}",
                text.len()
            );
            assert!(text.ends_with(" characters)"));
        }
    }
}
