//! Thin wrappers over the doors' private readers of outside input, for the
//! cargo-fuzz targets in `fuzz/` (docs/RELIABILITY.md, "Fuzzing"). They call
//! exactly the functions the REST and SOAP handlers call, in the same order,
//! and stop where the handlers would hand over to the application (which needs
//! a store and an authenticated caller). Not an API: hidden from the docs, and
//! it changes whenever the doors' readers do.

use crate::fields;
use crate::json;
use crate::soap::{self, payment_request};
use maksa_app::error::AppError;
use maksa_app::store::{PaymentFilter, RequestFilter};
use maksa_domain::request::PaymentRequestInput;

pub use crate::soap::xml::{Element, XmlError, parse as parse_xml};

/// `savepaymentrequest`: the body → `PaymentRequestInput`, as `rest.rs` reads it.
pub fn rest_payment_request(body: &[u8]) -> Result<PaymentRequestInput, AppError> {
    json::payment_request_input(&json::parse_body(body)?)
}

/// `getpaymentrequests`: the body → its filter, as `rest.rs` reads it.
pub fn rest_request_filter(body: &[u8]) -> Result<RequestFilter, AppError> {
    let body = json::parse_body(body)?;
    fields::request_filter(
        &|name| json::text(&body, name),
        json::flag(&body, "OnlyNotPayed")?,
    )
}

/// `getpayments`: the body → its filter, as `rest.rs` reads it.
pub fn rest_payment_filter(body: &[u8]) -> Result<PaymentFilter, AppError> {
    let body = json::parse_body(body)?;
    fields::payment_filter(&|name| json::text(&body, name))
}

/// What a SOAP envelope asked for, read as far as the door reads it before
/// calling the application.
#[derive(Debug)]
pub enum SoapCall {
    SavePaymentRequest(Box<PaymentRequestInput>),
    GetPaymentRequests(RequestFilter),
    GetPayments(PaymentFilter),
    /// Another operation of the service, with the text of its parameters.
    Other {
        operation: String,
        parameters: Vec<Option<String>>,
    },
}

/// An envelope posted to `PaymentRequestService.svc` (or `MMService.svc`):
/// the XML reader, the operation, and the mapping of its parameters. The
/// error is the text the fault would carry.
pub fn soap_call(bytes: &[u8]) -> Result<SoapCall, String> {
    let envelope = soap::xml::parse(bytes).map_err(|e| e.0)?;
    soap_parameters(&envelope).map_err(|e| e.to_string())
}

fn soap_parameters(envelope: &Element) -> Result<SoapCall, AppError> {
    let operation = soap::operation(envelope)?;
    if operation.namespace.as_deref() != Some(soap::SERVICE) {
        return Ok(SoapCall::Other {
            operation: operation.name.clone(),
            parameters: Vec::new(),
        });
    }
    let text = |name: &str| payment_request::text(operation, name);
    Ok(match operation.name.as_str() {
        "SavePaymentRequest" => {
            let parameter = payment_request::member(operation, "paymentRequest")
                .ok_or_else(|| payment_request::missing("paymentRequest"))?;
            SoapCall::SavePaymentRequest(Box::new(payment_request::payment_request_input(
                parameter,
            )?))
        }
        "GetPaymentRequests" => SoapCall::GetPaymentRequests(fields::request_filter(
            &text,
            payment_request::flag(operation, "onlyNotPayed")?,
        )?),
        "GetPayments" => SoapCall::GetPayments(fields::payment_filter(&text)?),
        other => {
            let mut parameters = Vec::new();
            for name in [
                "paymentRequestId",
                "position",
                "id",
                "name",
                "code",
                "address",
            ] {
                parameters.push(text(name)?);
            }
            payment_request::flag(operation, "xmlFormat")?;
            SoapCall::Other {
                operation: other.to_owned(),
                parameters,
            }
        }
    })
}

/// An envelope posted to the IVIS door (`ivis::read::read_call`): the size
/// check, the XML reader, SOAP 1.2 and WS-Addressing, and the IVISRequest
/// with its payment requests.
pub fn ivis_envelope(
    bytes: &[u8],
) -> Result<crate::ivis::read::IvisCall, crate::ivis::read::ReadError> {
    crate::ivis::read::read_call(bytes)
}
