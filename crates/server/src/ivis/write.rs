//! Writing the IVIS door's messages: SOAP 1.2 envelopes with WS-Addressing
//! 1.0 headers (`a:Action` = the request's action + `Response`, `a:RelatesTo`
//! = the request's `a:MessageID`), the operation's `…Response` element in the
//! service namespace, and for Submit/SubmitSync/GetStatus/Poll/Dispose an
//! `IVISResponse` as the guideline's example writes it (§9). Also the message
//! the hub posts to an e-service's `ResponseEndPoint` once a payment is final.
//!
//! Everything a caller sent and is repeated here is escaped and bounded
//! ([`MAX_HEADER_VALUE_CHARS`]); money is written from integer cents. Every
//! message validates against `docs/schemas/ivis-request-service.xsd` (the
//! unit tests run xmllint on each).

use super::codes::{IvisFault, SoapFaultCode};
use super::read::{
    Addressing, IvisHeader, IvisRejection, MAX_HEADER_VALUE_CHARS, MAX_MILESTONE_CHARS, MESSAGES,
    OperationName, ReadError, SERVICE, SERVICE_DATA, SOAP12, WSA, WSA_ANONYMOUS,
};
use maksa_domain::datetime::riga_offset_at;
use maksa_domain::money::{Amount, Currency};
use maksa_domain::status::Status;
use maksa_domain::text::bounded;
use quick_xml::escape::escape;
use std::borrow::Cow;
use time::OffsetDateTime;
use time::macros::format_description;

/// SOAP 1.2's media type (RFC 3902).
pub const CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";
/// The `MessageType` of our status body ([`ResponseBody::PaymentInfo`]).
pub const MESSAGE_TYPE_PAYMENT_INFO: &str =
    "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-PaymentInfo";
/// WS-Addressing's action of every fault.
pub const FAULT_ACTION: &str = "http://www.w3.org/2005/08/addressing/soap/fault";

/// The operations whose answer is an `IVISResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseOperation {
    Submit,
    SubmitSync,
    GetStatus,
    Poll,
    Dispose,
}

impl ResponseOperation {
    pub fn operation(self) -> OperationName {
        match self {
            ResponseOperation::Submit => OperationName::Submit,
            ResponseOperation::SubmitSync => OperationName::SubmitSync,
            ResponseOperation::GetStatus => OperationName::GetStatus,
            ResponseOperation::Poll => OperationName::Poll,
            ResponseOperation::Dispose => OperationName::Dispose,
        }
    }

    /// `None` for StartTransaction and EndTransaction (their answers are not
    /// `IVISResponse`s).
    pub fn of(operation: OperationName) -> Option<Self> {
        match operation {
            OperationName::Submit => Some(ResponseOperation::Submit),
            OperationName::SubmitSync => Some(ResponseOperation::SubmitSync),
            OperationName::GetStatus => Some(ResponseOperation::GetStatus),
            OperationName::Poll => Some(ResponseOperation::Poll),
            OperationName::Dispose => Some(ResponseOperation::Dispose),
            OperationName::StartTransaction | OperationName::EndTransaction => None,
        }
    }
}

/// `Header.Result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Success,
    Failure,
    /// An asynchronous call not finished yet: poll again after `PollInterval`.
    Pending,
}

impl ResultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Success => "success",
            ResultKind::Failure => "failure",
            ResultKind::Pending => "pending",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeader {
    /// A new UUID for this answer.
    pub message_id: String,
    /// [`MESSAGE_TYPE_PAYMENT_INFO`] for our status body.
    pub message_type: String,
    pub transaction_id: Option<String>,
    pub correlation_id: Option<String>,
    /// Seconds until the caller should ask again (asynchronous calls).
    pub poll_interval: Option<u32>,
    /// Written in Riga time with its offset, microseconds as the example.
    pub timestamp: OffsetDateTime,
    pub result: ResultKind,
    pub errors: Vec<IvisFault>,
}

/// One payment request's state, as the e-service learns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequestStatus {
    pub payment_request_id: String,
    /// The payment page the payer is sent to.
    pub payment_request_url: String,
    pub status: Status,
    pub amount: Amount,
    pub currency: Currency,
    pub payment_date: Option<OffsetDateTime>,
    pub provider_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// `<PaymentInfo><PaymentRequestStatusList>…`
    PaymentInfo(Vec<PaymentRequestStatus>),
}

/// A value the caller sent, as an answer repeats it.
fn echo(value: &str) -> Cow<'_, str> {
    bounded(value, MAX_HEADER_VALUE_CHARS)
}

/// Escaped text of a value the caller sent.
fn text(value: &str) -> String {
    escape(echo(value).as_ref()).into_owned()
}

fn element(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", text(value))
}

fn optional(name: &str, value: Option<&str>) -> String {
    value.map(|v| element(name, v)).unwrap_or_default()
}

/// `2015-09-09T15:51:20.071942+03:00`: Riga's offset at that instant. The
/// unlikely out-of-range instant falls back to UTC rather than failing.
pub fn riga_timestamp(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.checked_to_offset(riga_offset_at(at))
        .unwrap_or(at)
        .format(&format)
        .unwrap_or_default()
}

/// The answer's `a:Action`: the request's (when it named this operation)
/// + `Response`, else ours.
fn reply_action(request: &Addressing, operation: OperationName) -> String {
    match request.action.as_deref() {
        Some(action) if operation.is_named_by(action) => format!("{action}Response"),
        _ => format!("{}Response", operation.action()),
    }
}

fn envelope(action: &str, addressing_headers: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"{SOAP12}\" xmlns:a=\"{WSA}\"><s:Header><a:Action s:mustUnderstand=\"1\">{}</a:Action>{addressing_headers}{extra_headers}</s:Header><s:Body>{body}</s:Body></s:Envelope>",
        escape(action)
    )
}

fn relates_to(request: &Addressing) -> String {
    request
        .message_id
        .as_deref()
        .map(|id| format!("<a:RelatesTo>{}</a:RelatesTo>", text(id)))
        .unwrap_or_default()
}

fn answer(request: &Addressing, operation: OperationName, body: &str) -> String {
    envelope(
        &reply_action(request, operation),
        &relates_to(request),
        "",
        body,
    )
}

/// `StartTransaction`'s answer: the new transaction's URN.
pub fn start_transaction_response(request: &Addressing, transaction_urn: &str) -> String {
    answer(
        request,
        OperationName::StartTransaction,
        &format!(
            "<StartTransactionResponse xmlns=\"{SERVICE}\"><StartTransactionResult>{}</StartTransactionResult></StartTransactionResponse>",
            text(transaction_urn)
        ),
    )
}

/// `EndTransaction`'s (empty) answer.
pub fn end_transaction_response(request: &Addressing) -> String {
    answer(
        request,
        OperationName::EndTransaction,
        &format!("<EndTransactionResponse xmlns=\"{SERVICE}\"/>"),
    )
}

fn header_xml(header: &ResponseHeader) -> String {
    let mut xml = String::from("<Header>");
    xml.push_str(&element("MessageID", &header.message_id));
    xml.push_str(&element("MessageType", &header.message_type));
    xml.push_str(&optional("TransactionID", header.transaction_id.as_deref()));
    xml.push_str(&optional("CorrelationID", header.correlation_id.as_deref()));
    if let Some(seconds) = header.poll_interval {
        xml.push_str(&format!("<PollInterval>{seconds}</PollInterval>"));
    }
    xml.push_str(&element("TimeStamp", &riga_timestamp(header.timestamp)));
    xml.push_str(&element("Result", header.result.as_str()));
    if !header.errors.is_empty() {
        xml.push_str("<Errors>");
        for fault in &header.errors {
            xml.push_str(&format!(
                "<Error><ErrorCode>{}</ErrorCode><ErrorDescription>{}</ErrorDescription></Error>",
                fault.code.name(),
                escape(fault.description().as_str())
            ));
        }
        xml.push_str("</Errors>");
    }
    xml.push_str("</Header>");
    xml
}

/// The body payload, in [`SERVICE_DATA`].
pub fn body_xml(body: &ResponseBody) -> String {
    match body {
        ResponseBody::PaymentInfo(statuses) => payment_info_xml(statuses),
    }
}

fn payment_info_xml(statuses: &[PaymentRequestStatus]) -> String {
    let mut xml = format!("<PaymentInfo xmlns=\"{SERVICE_DATA}\"><PaymentRequestStatusList>");
    for status in statuses {
        xml.push_str("<PaymentRequestStatus>");
        xml.push_str(&element("PaymentRequestID", &status.payment_request_id));
        xml.push_str(&element("PaymentRequestUrl", &status.payment_request_url));
        xml.push_str(&format!("<Status>{}</Status>", status.status.letter()));
        xml.push_str(&element("UsageStatus", status.status.usage_text()));
        // `Amount`'s Display writes integer cents as `12.34`.
        xml.push_str(&format!("<Amount>{}</Amount>", status.amount));
        xml.push_str(&format!("<Currency>{}</Currency>", status.currency));
        if let Some(at) = status.payment_date {
            xml.push_str(&element("PaymentDate", &riga_timestamp(at)));
        }
        xml.push_str(&optional("ProviderCode", status.provider_code.as_deref()));
        xml.push_str("</PaymentRequestStatus>");
    }
    xml.push_str("</PaymentRequestStatusList></PaymentInfo>");
    xml
}

/// `<{Operation}Response><IVISResponse>` with its header and body.
pub fn ivis_response(
    request: &Addressing,
    operation: ResponseOperation,
    header: &ResponseHeader,
    body: Option<&ResponseBody>,
) -> String {
    let name = operation.operation().name();
    let body = body.map(body_xml).unwrap_or_default();
    answer(
        request,
        operation.operation(),
        &format!(
            "<{name}Response xmlns=\"{SERVICE}\"><IVISResponse xmlns=\"{MESSAGES}\">{}<Body>{body}</Body></IVISResponse></{name}Response>",
            header_xml(header)
        ),
    )
}

/// A SOAP 1.2 fault (send with HTTP `code.http_status()` and
/// [`CONTENT_TYPE`]). A VersionMismatch carries the `Upgrade` header naming
/// SOAP 1.2, as SOAP 1.2 part 1 §5.4.7 asks.
pub fn soap_fault(request: &Addressing, code: SoapFaultCode, reason: &str) -> String {
    let upgrade = if code == SoapFaultCode::VersionMismatch {
        format!(
            "<s:Upgrade><s:SupportedEnvelope qname=\"v:Envelope\" xmlns:v=\"{SOAP12}\"/></s:Upgrade>"
        )
    } else {
        String::new()
    };
    let reason = maksa_domain::text::bounded_message(reason, 2_000);
    envelope(
        FAULT_ACTION,
        &relates_to(request),
        &upgrade,
        &format!(
            "<s:Fault><s:Code><s:Value>s:{}</s:Value></s:Code><s:Reason><s:Text xml:lang=\"en\">{}</s:Text></s:Reason></s:Fault>",
            code.value(),
            escape(reason.as_str())
        ),
    )
}

/// The answer to a call the reader refused with one of the guideline's codes:
/// an `IVISResponse` with `Result` = failure and the code in `Errors` where
/// the operation answers one (HTTP 200), else a Sender fault naming the code
/// (HTTP 400). `message_id` is the answer's new MessageID.
pub fn rejection(
    rejection: &IvisRejection,
    message_id: &str,
    now: OffsetDateTime,
) -> (u16, String) {
    match rejection.operation.and_then(ResponseOperation::of) {
        Some(operation) => {
            let header = ResponseHeader {
                message_id: message_id.to_owned(),
                message_type: MESSAGE_TYPE_PAYMENT_INFO.to_owned(),
                transaction_id: rejection.transaction_id.clone(),
                correlation_id: rejection.correlation_id.clone(),
                poll_interval: None,
                timestamp: now,
                result: ResultKind::Failure,
                errors: vec![rejection.fault.clone()],
            };
            (
                200,
                ivis_response(&rejection.addressing, operation, &header, None),
            )
        }
        None => (
            SoapFaultCode::Sender.http_status(),
            soap_fault(
                &rejection.addressing,
                SoapFaultCode::Sender,
                &rejection.fault.to_string(),
            ),
        ),
    }
}

/// The answer to anything [`read_call`](super::read::read_call) refused, with
/// its HTTP status: a SOAP fault, or the rejection's `IVISResponse`
/// ([`rejection`]). `message_id` is the answer's new MessageID.
pub fn read_error_answer(
    error: &ReadError,
    message_id: &str,
    now: OffsetDateTime,
) -> (u16, String) {
    match error {
        ReadError::Soap(fault) => (
            fault.code.http_status(),
            soap_fault(&fault.addressing, fault.code, &fault.reason),
        ),
        ReadError::Ivis(refused) => rejection(refused, message_id, now),
    }
}

/// The message the hub posts to the e-service's `ResponseEndPoint` when the
/// payment is final: a `Submit` whose `IVISRequest` has a new MessageID, our
/// status body's MessageType, the original TransactionID, CorrelationID = the
/// original MessageID, Destination = the ResponseEndPoint, MilestoneID = the
/// original NextMilestoneID and its Test; the body is the status list.
/// `None` when the original named no ResponseEndPoint.
pub fn response_endpoint_message(
    original: &IvisHeader,
    message_id: &str,
    statuses: &[PaymentRequestStatus],
) -> Option<String> {
    let endpoint = original.response_endpoint.as_deref()?;
    // A milestone that could not have passed the reader is left out rather
    // than sent against the schema.
    let milestone = original
        .next_milestone_id
        .as_deref()
        .filter(|m| m.chars().count() <= MAX_MILESTONE_CHARS);
    let mut header = String::from("<Header>");
    header.push_str(&element("MessageID", message_id));
    header.push_str(&element("MessageType", MESSAGE_TYPE_PAYMENT_INFO));
    header.push_str(&optional(
        "TransactionID",
        original.transaction_id.as_deref(),
    ));
    header.push_str(&element("CorrelationID", &original.message_id));
    header.push_str(&element("Destination", endpoint));
    header.push_str(&format!("<Test>{}</Test>", original.test));
    header.push_str(&optional("MilestoneID", milestone));
    header.push_str("</Header>");
    let body = payment_info_xml(statuses);
    let addressing = format!(
        "<a:MessageID>urn:uuid:{}</a:MessageID><a:ReplyTo><a:Address>{WSA_ANONYMOUS}</a:Address></a:ReplyTo><a:To s:mustUnderstand=\"1\">{}</a:To>",
        text(message_id),
        text(endpoint)
    );
    Some(envelope(
        &OperationName::Submit.action(),
        &addressing,
        "",
        &format!(
            "<Submit xmlns=\"{SERVICE}\"><IVISRequest xmlns=\"{MESSAGES}\">{header}<Body>{body}</Body></IVISRequest></Submit>"
        ),
    ))
}
