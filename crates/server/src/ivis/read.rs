//! Reading a call to the VISS request web service
//! (`URN:IVIS:100001:ISS-EPS-RequestWebService-v1-5`): a SOAP 1.2 envelope
//! with WS-Addressing 1.0 headers, the operation's element in the service
//! namespace, and — for `Submit`/`SubmitSync` — an `IVISRequest` whose Body is
//! an `IVISServiceData` (or `IVISServiceDataEx`, the migrated e-services')
//! with the payment requests (INTERFACE.md §8, seeds 001 and 003).
//!
//! Everything goes through the hardened reader of the SOAP door
//! (`soap/xml.rs`: no DTD or entities, bounded depth, elements and
//! attributes). What cannot be read as a call is a SOAP fault
//! ([`ReadError::Soap`]); a call whose `IVISRequest` breaks one of the
//! guideline's rules is answered inside an `IVISResponse` with `Result` =
//! failure ([`ReadError::Ivis`]).
//!
//! Decisions (docs in `docs/schemas/ivis*.xsd` say the same):
//! - `MessageType` names our body type: [`MESSAGE_TYPE_DATA`],
//!   [`MESSAGE_TYPE_DATA_EX`], or the schema's own URN [`SCHEMA_URN`] (then
//!   either root is accepted). Another `URN:IVIS:` is code 23; anything else 21.
//! - The Body's root and everything in it are matched by local name in any
//!   namespace and letter case, as the SOAP 1.1 door does: clients generated
//!   from other schemas qualify members differently.
//! - A Body that is not exactly one element (text, several roots) is 18
//!   (BodyIncorrect); a root of the right type whose members break the schema
//!   (a missing `ServiceInstanceID`, a price-list value that is not a number
//!   where one belongs, a `MilestoneID` over 15 characters) is 22
//!   (BodyWrongFormat). Whether the service step and positions exist is the
//!   application's to decide, not the reader's.
//! - `ResponseEndPoint` is required for payments (Submit and SubmitSync:
//!   the hub reports the outcome there); missing, or neither a `URN:IVIS:`
//!   identifier nor an absolute `https`/`http` URL, is code 9
//!   (DestinationIncorrectType). Plain `http` is accepted for test setups;
//!   whether the hub posts to it is the notifier's decision.
//! - An `a:Action`, when present, must name the Body's operation
//!   (`…/RequestServiss/v1-0/Submit`, or WCF's `…/v1-0/<Contract>/Submit`).

use super::codes::{IvisErrorCode, IvisFault, SoapFaultCode};
use crate::soap::payment_request::payment_request_fields;
use crate::soap::xml::{self, Element};
use maksa_domain::request::PaymentRequestInput;
use maksa_domain::text::bounded_message;

pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Addressing's "answer on this connection".
pub const WSA_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
/// The operations' namespace; actions are `{SERVICE}/{Operation}`.
pub const SERVICE: &str = "http://ivis.eps.gov.lv/ISS/RequestServiss/v1-0";
/// `IVISRequest`, `IVISResponse` and their headers.
pub const MESSAGES: &str = "http://ivis.eps.gov.lv/XMLSchemas/100001/IVIS/v1-0";
/// Our body types (`IVISServiceData`, `PaymentInfo`, …): the namespace of the
/// schema `URN:IVIS:100001:XSD-IVIS-IVISService-v1-0`, by the same pattern as
/// [`MESSAGES`] is the one of `…XSD-IVIS-IVIS-v1-0`.
pub const SERVICE_DATA: &str = "http://ivis.eps.gov.lv/XMLSchemas/100001/IVISService/v1-0";
/// The request web service itself.
pub const SERVICE_URN: &str = "URN:IVIS:100001:ISS-EPS-RequestWebService-v1-5";
/// The only `Destination` we serve: the payment module.
pub const PAYMENT_DESTINATION: &str = "URN:IVIS:100001:ISS-EPS-EPAKPaymentSync-v2-0";
/// The schema of the payment body (seed 003, item 17).
pub const SCHEMA_URN: &str = "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0";
pub const MESSAGE_TYPE_DATA: &str =
    "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-IVISServiceData";
pub const MESSAGE_TYPE_DATA_EX: &str =
    "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-IVISServiceDataEx";
/// The guideline's message limit (4 MB).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// `MilestoneID` and `NextMilestoneID`.
pub const MAX_MILESTONE_CHARS: usize = 15;
/// Any single header value (identifiers, URNs, addresses): far above every
/// real one, low enough that echoing it back stays cheap.
pub const MAX_HEADER_VALUE_CHARS: usize = 2_048;

/// The seven operations of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationName {
    StartTransaction,
    EndTransaction,
    Submit,
    SubmitSync,
    GetStatus,
    Poll,
    Dispose,
}

impl OperationName {
    pub const ALL: [OperationName; 7] = [
        OperationName::StartTransaction,
        OperationName::EndTransaction,
        OperationName::Submit,
        OperationName::SubmitSync,
        OperationName::GetStatus,
        OperationName::Poll,
        OperationName::Dispose,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OperationName::StartTransaction => "StartTransaction",
            OperationName::EndTransaction => "EndTransaction",
            OperationName::Submit => "Submit",
            OperationName::SubmitSync => "SubmitSync",
            OperationName::GetStatus => "GetStatus",
            OperationName::Poll => "Poll",
            OperationName::Dispose => "Dispose",
        }
    }

    /// The request's `a:Action`; the answer's is this + `Response`.
    pub fn action(self) -> String {
        format!("{SERVICE}/{}", self.name())
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether `action` names this operation: ours exactly, or with a
    /// contract name between the namespace and the operation (WCF's default).
    pub fn is_named_by(self, action: &str) -> bool {
        action == self.action()
            || action
                .strip_prefix(SERVICE)
                .and_then(|rest| rest.strip_prefix('/'))
                .and_then(|rest| rest.strip_suffix(self.name()))
                .is_some_and(|contract| {
                    contract
                        .strip_suffix('/')
                        .is_some_and(|c| !c.is_empty() && !c.contains('/'))
                })
    }
}

/// The WS-Addressing headers of a call (absent ones are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressing {
    pub action: Option<String>,
    pub message_id: Option<String>,
    pub to: Option<String>,
    /// `a:ReplyTo/a:Address`. The answer always goes back on the connection;
    /// the door may refuse another address.
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisCall {
    pub addressing: Addressing,
    pub operation: IvisOperation,
}

impl IvisCall {
    pub fn name(&self) -> OperationName {
        self.operation.name()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IvisOperation {
    StartTransaction { eservice_id: String },
    EndTransaction { transaction_id: String },
    Submit(Box<IvisRequest>),
    SubmitSync(Box<IvisRequest>),
    GetStatus { correlation_id: String },
    Poll { correlation_id: String },
    Dispose { correlation_id: String },
}

impl IvisOperation {
    pub fn name(&self) -> OperationName {
        match self {
            IvisOperation::StartTransaction { .. } => OperationName::StartTransaction,
            IvisOperation::EndTransaction { .. } => OperationName::EndTransaction,
            IvisOperation::Submit(_) => OperationName::Submit,
            IvisOperation::SubmitSync(_) => OperationName::SubmitSync,
            IvisOperation::GetStatus { .. } => OperationName::GetStatus,
            IvisOperation::Poll { .. } => OperationName::Poll,
            IvisOperation::Dispose { .. } => OperationName::Dispose,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisRequest {
    pub header: IvisHeader,
    pub data: IvisServiceData,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IvisHeader {
    pub message_id: String,
    pub message_type: String,
    pub transaction_id: Option<String>,
    pub correlation_id: Option<String>,
    pub destination: String,
    pub test: bool,
    pub milestone_id: Option<String>,
    /// Checked: a `URN:IVIS:` identifier or an absolute http(s) URL.
    pub response_endpoint: Option<String>,
    pub next_milestone_id: Option<String>,
    pub initiator: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IvisServiceData {
    /// `IVISServiceDataEx` (a migrated e-service) rather than `IVISServiceData`.
    pub extended: bool,
    pub service_instance_id: String,
    pub eservice_id: String,
    /// The personal code or registration number of whom the request is for
    /// (the KDV scenarios register it to them): `Receiver`'s text, or its
    /// code member when it is a structure.
    pub receiver: Option<String>,
    /// `IVISServiceDataEx.Initiator`: who started the e-service.
    pub initiator: Option<Person>,
    /// `Notification`'s e-mail address (its text, or its e-mail member).
    pub notification_email: Option<String>,
    /// `Notification/Language` (`LV`, `EN`): the language of the payer's e-mail.
    pub notification_language: Option<String>,
    pub payment_requests: Vec<PaymentRequestInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub code: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Why a message is not a call we can serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Answer with `write::soap_fault`.
    Soap(Box<SoapFault>),
    /// Answer with `write::rejection` (an `IVISResponse` with `Result` =
    /// failure where the operation has one, else a Sender fault naming the code).
    Ivis(Box<IvisRejection>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    pub code: SoapFaultCode,
    /// Bounded: quoted values cut to 200 characters, the whole to 1,000.
    pub reason: String,
    /// The call's addressing, as far as it was read (for `a:RelatesTo`).
    pub addressing: Addressing,
}

/// A call refused by one of the guideline's codes, with what of it was read
/// (the answer's header copies the request's identifiers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisRejection {
    pub addressing: Addressing,
    /// `None` when the message was not read at all (code 19).
    pub operation: Option<OperationName>,
    pub message_id: Option<String>,
    pub transaction_id: Option<String>,
    pub correlation_id: Option<String>,
    pub fault: IvisFault,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Soap(fault) => write!(f, "{}: {}", fault.code.value(), fault.reason),
            ReadError::Ivis(rejection) => rejection.fault.fmt(f),
        }
    }
}

fn soap_error(code: SoapFaultCode, reason: impl AsRef<str>, addressing: &Addressing) -> ReadError {
    ReadError::Soap(Box::new(SoapFault {
        code,
        reason: bounded_message(reason.as_ref(), 1_000),
        addressing: addressing.clone(),
    }))
}

/// Reads one posted envelope. Never panics, whatever the bytes.
pub fn read_call(bytes: &[u8]) -> Result<IvisCall, ReadError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ReadError::Ivis(Box::new(IvisRejection {
            addressing: Addressing::default(),
            operation: None,
            message_id: None,
            transaction_id: None,
            correlation_id: None,
            fault: IvisFault::new(
                IvisErrorCode::BodyToBig,
                format!(
                    "the message has {} bytes; at most {MAX_MESSAGE_BYTES} are accepted",
                    bytes.len()
                ),
            ),
        })));
    }
    let none = Addressing::default();
    let envelope = xml::parse(bytes).map_err(|e| {
        soap_error(
            SoapFaultCode::Sender,
            format!("the message cannot be read: {e}"),
            &none,
        )
    })?;
    if envelope.name == "Envelope" && !envelope.is(SOAP12, "Envelope") {
        let version = if envelope.namespace.as_deref() == Some(SOAP11) {
            "a SOAP 1.1 envelope"
        } else {
            "an envelope in another namespace"
        };
        return Err(soap_error(
            SoapFaultCode::VersionMismatch,
            format!(
                "{version} was sent to a SOAP 1.2 endpoint (expected <Envelope xmlns=\"{SOAP12}\">)"
            ),
            &none,
        ));
    }
    if !envelope.is(SOAP12, "Envelope") {
        return Err(soap_error(
            SoapFaultCode::Sender,
            format!(
                "the message is not a SOAP 1.2 envelope (its root is `{}`)",
                envelope.name
            ),
            &none,
        ));
    }
    let header = envelope.children.iter().find(|c| c.is(SOAP12, "Header"));
    let addressing = match header {
        Some(header) => read_addressing(header)?,
        None => Addressing::default(),
    };
    let body = envelope
        .children
        .iter()
        .find(|c| c.is(SOAP12, "Body"))
        .ok_or_else(|| {
            soap_error(
                SoapFaultCode::Sender,
                "the envelope has no Body",
                &addressing,
            )
        })?;
    let element = match body.children.as_slice() {
        [element] => element,
        [] => {
            return Err(soap_error(
                SoapFaultCode::Sender,
                "the Body is empty: it must hold one operation",
                &addressing,
            ));
        }
        _ => {
            return Err(soap_error(
                SoapFaultCode::Sender,
                "the Body holds more than one element: it must hold one operation",
                &addressing,
            ));
        }
    };
    let (operation, parameters) = operation(element, &addressing)?;
    if let Some(action) = &addressing.action
        && !operation.is_named_by(action)
    {
        return Err(soap_error(
            SoapFaultCode::Sender,
            format!(
                "a:Action `{action}` does not name the Body's operation {} (expected `{}`)",
                operation.name(),
                operation.action()
            ),
            &addressing,
        ));
    }
    let correlation = |name: &str| -> Result<String, ReadError> {
        let value = header_value(parameters, name)
            .map_err(|detail| reject(&addressing, operation, None, detail))?;
        value.ok_or_else(|| {
            reject(
                &addressing,
                operation,
                None,
                IvisFault::new(
                    IvisErrorCode::CorrelationIdNotSpecified,
                    format!("{} needs a CorrelationID", operation.name()),
                ),
            )
        })
    };
    let parameter = |name: &str| -> Result<String, ReadError> {
        match header_value(parameters, name) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(soap_error(
                SoapFaultCode::Sender,
                format!("{} needs its parameter {name}", operation.name()),
                &addressing,
            )),
            Err(fault) => Err(soap_error(
                SoapFaultCode::Sender,
                format!("{name}: {}", fault.detail),
                &addressing,
            )),
        }
    };
    let call = match operation {
        OperationName::StartTransaction => IvisOperation::StartTransaction {
            eservice_id: parameter("eServiceID")?,
        },
        OperationName::EndTransaction => IvisOperation::EndTransaction {
            transaction_id: parameter("transactionID")?,
        },
        OperationName::GetStatus => IvisOperation::GetStatus {
            correlation_id: correlation("CorrelationID")?,
        },
        OperationName::Poll => IvisOperation::Poll {
            correlation_id: correlation("CorrelationID")?,
        },
        OperationName::Dispose => IvisOperation::Dispose {
            correlation_id: correlation("CorrelationID")?,
        },
        OperationName::Submit | OperationName::SubmitSync => {
            let request = ivis_request_element(parameters).ok_or_else(|| {
                soap_error(
                    SoapFaultCode::Sender,
                    format!("{} needs an IVISRequest", operation.name()),
                    &addressing,
                )
            })?;
            let request = Box::new(read_request(request, &addressing, operation)?);
            if operation == OperationName::Submit {
                IvisOperation::Submit(request)
            } else {
                IvisOperation::SubmitSync(request)
            }
        }
    };
    Ok(IvisCall {
        addressing,
        operation: call,
    })
}

/// The operation and the element holding its parameters. The usual form is
/// the operation's element in [`SERVICE`] (`<SubmitSync><IVISRequest>…`); a
/// bare `<IVISRequest>` in the Body (a message contract that is not wrapped)
/// takes its operation from `a:Action`.
fn operation<'a>(
    element: &'a Element,
    addressing: &Addressing,
) -> Result<(OperationName, &'a Element), ReadError> {
    if element.name.eq_ignore_ascii_case("IVISRequest") {
        let by_action = addressing.action.as_deref().and_then(|action| {
            [OperationName::Submit, OperationName::SubmitSync]
                .into_iter()
                .find(|op| op.is_named_by(action))
        });
        return match by_action {
            Some(operation) => Ok((operation, element)),
            None => Err(soap_error(
                SoapFaultCode::Sender,
                "a bare IVISRequest in the Body needs an a:Action naming Submit or SubmitSync",
                addressing,
            )),
        };
    }
    match OperationName::from_name(&element.name) {
        Some(operation) if element.namespace.as_deref() == Some(SERVICE) => {
            Ok((operation, element))
        }
        _ => Err(soap_error(
            SoapFaultCode::Sender,
            format!(
                "`{}` in `{}` is not an operation of this service (its operations are StartTransaction, EndTransaction, Submit, SubmitSync, GetStatus, Poll and Dispose in `{SERVICE}`)",
                element.name,
                element.namespace.as_deref().unwrap_or("no namespace")
            ),
            addressing,
        )),
    }
}

fn ivis_request_element(parameters: &Element) -> Option<&Element> {
    if parameters.name.eq_ignore_ascii_case("IVISRequest") {
        return Some(parameters);
    }
    member(parameters, "IVISRequest").or_else(|| member(parameters, "request"))
}

fn read_addressing(header: &Element) -> Result<Addressing, ReadError> {
    let none = Addressing::default();
    let value = |name: &str| -> Result<Option<String>, ReadError> {
        let Some(element) = header.children.iter().find(|c| c.is(WSA, name)) else {
            return Ok(None);
        };
        let text = match name {
            "ReplyTo" => match element.children.iter().find(|c| c.is(WSA, "Address")) {
                Some(address) => address.text.trim(),
                None => return Ok(None),
            },
            _ => element.text.trim(),
        };
        if text.chars().count() > MAX_HEADER_VALUE_CHARS {
            return Err(soap_error(
                SoapFaultCode::Sender,
                format!("a:{name} is longer than {MAX_HEADER_VALUE_CHARS} characters"),
                &none,
            ));
        }
        Ok(Some(text.to_owned()).filter(|t| !t.is_empty()))
    };
    Ok(Addressing {
        action: value("Action")?,
        message_id: value("MessageID")?,
        to: value("To")?,
        reply_to: value("ReplyTo")?,
    })
}

/// A present, non-nil child (by local name, any namespace and case).
fn member<'a>(parent: &'a Element, name: &str) -> Option<&'a Element> {
    parent.child(name).filter(|c| !c.nil)
}

/// A header value: trimmed text, absent/nil/empty as `None`; elements inside
/// or more than [`MAX_HEADER_VALUE_CHARS`] characters break the schema (22).
fn header_value(parent: &Element, name: &str) -> Result<Option<String>, IvisFault> {
    let Some(element) = member(parent, name) else {
        return Ok(None);
    };
    if !element.children.is_empty() {
        return Err(IvisFault::new(
            IvisErrorCode::BodyWrongFormat,
            format!("{name} must be a value, not elements"),
        ));
    }
    let text = element.text.trim();
    if text.chars().count() > MAX_HEADER_VALUE_CHARS {
        return Err(IvisFault::new(
            IvisErrorCode::BodyWrongFormat,
            format!("{name} is longer than {MAX_HEADER_VALUE_CHARS} characters"),
        ));
    }
    Ok(Some(text.to_owned()).filter(|t| !t.is_empty()))
}

fn reject(
    addressing: &Addressing,
    operation: OperationName,
    ids: Option<&Ids>,
    fault: IvisFault,
) -> ReadError {
    let ids = ids.cloned().unwrap_or_default();
    ReadError::Ivis(Box::new(IvisRejection {
        addressing: addressing.clone(),
        operation: Some(operation),
        message_id: ids.message_id,
        transaction_id: ids.transaction_id,
        correlation_id: ids.correlation_id,
        fault,
    }))
}

/// The identifiers a failure answer copies, read leniently before anything
/// is checked.
#[derive(Debug, Clone, Default)]
struct Ids {
    message_id: Option<String>,
    transaction_id: Option<String>,
    correlation_id: Option<String>,
}

/// `URN:IVIS:<authority>:<name>`: the guideline's identifiers
/// (`URN:IVIS:100001:ISS-EPS-EPAKPaymentSync-v2-0`). The prefix in any case.
pub fn is_ivis_urn(text: &str) -> bool {
    let Some(prefix) = text.get(..9) else {
        return false;
    };
    if !prefix.eq_ignore_ascii_case("URN:IVIS:") {
        return false;
    }
    let rest = text.get(9..).unwrap_or_default();
    let Some((authority, name)) = rest.split_once(':') else {
        return false;
    };
    !authority.is_empty()
        && authority.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// An absolute `https` or `http` URL with a host.
pub fn is_web_address(text: &str) -> bool {
    url::Url::parse(text)
        .is_ok_and(|url| matches!(url.scheme(), "https" | "http") && url.host().is_some())
}

fn read_request(
    request: &Element,
    addressing: &Addressing,
    operation: OperationName,
) -> Result<IvisRequest, ReadError> {
    let header = member(request, "Header");
    let empty = Element::default();
    let header = header.unwrap_or(&empty);
    let lenient = |name: &str| header_value(header, name).ok().flatten();
    let ids = Ids {
        message_id: lenient("MessageID"),
        transaction_id: lenient("TransactionID"),
        correlation_id: lenient("CorrelationID"),
    };
    let fail = |fault: IvisFault| reject(addressing, operation, Some(&ids), fault);
    let value = |name: &str| header_value(header, name).map_err(fail);

    let message_id = value("MessageID")?.ok_or_else(|| {
        fail(IvisFault::new(
            IvisErrorCode::MessageIdNotSpecified,
            "IVISRequest.Header.MessageID is required",
        ))
    })?;
    let destination = value("Destination")?.ok_or_else(|| {
        fail(IvisFault::new(
            IvisErrorCode::DestinationIsNull,
            format!("IVISRequest.Header.Destination is required (`{PAYMENT_DESTINATION}`)"),
        ))
    })?;
    if !is_ivis_urn(&destination) {
        return Err(fail(IvisFault::new(
            IvisErrorCode::DestinationIncorrectType,
            format!("Destination `{destination}` is not a URN:IVIS identifier"),
        )));
    }
    // The request service itself is known here but is no integration service
    // a message can be addressed to.
    if destination.eq_ignore_ascii_case(SERVICE_URN) {
        return Err(fail(IvisFault::new(
            IvisErrorCode::DestinationNotIntegrationService,
            format!(
                "Destination `{destination}` is the request service itself, not an integration service (the payment module is `{PAYMENT_DESTINATION}`)"
            ),
        )));
    }
    if !destination.eq_ignore_ascii_case(PAYMENT_DESTINATION) {
        return Err(fail(IvisFault::new(
            IvisErrorCode::DestinationNotFound,
            format!(
                "Destination `{destination}` is not served here (the payment module is `{PAYMENT_DESTINATION}`)"
            ),
        )));
    }

    let message_type = value("MessageType")?;
    let body = member(request, "Body");
    let body_given = body.is_some_and(|b| !b.children.is_empty() || !b.text.trim().is_empty());
    let message_type = match (message_type, body_given) {
        (Some(message_type), true) => message_type,
        (None, true) => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::MessageTypeNotSet,
                format!("the Body is set but MessageType is not (`{MESSAGE_TYPE_DATA}`)"),
            )));
        }
        (Some(message_type), false) => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::BodyNotSet,
                format!("MessageType `{message_type}` is set but the Body is empty"),
            )));
        }
        (None, false) => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::BodyNotSet,
                "a payment needs a Body (IVISServiceData) and its MessageType",
            )));
        }
    };
    if !is_ivis_urn(&message_type) {
        return Err(fail(IvisFault::new(
            IvisErrorCode::MessageTypeIncorrect,
            format!("MessageType `{message_type}` is not a URN:IVIS identifier"),
        )));
    }
    let expected_root = if message_type.eq_ignore_ascii_case(MESSAGE_TYPE_DATA) {
        Some("IVISServiceData")
    } else if message_type.eq_ignore_ascii_case(MESSAGE_TYPE_DATA_EX) {
        Some("IVISServiceDataEx")
    } else if message_type.eq_ignore_ascii_case(SCHEMA_URN) {
        None
    } else {
        return Err(fail(IvisFault::new(
            IvisErrorCode::MessageTypeNotFound,
            format!(
                "MessageType `{message_type}` is not known here (`{MESSAGE_TYPE_DATA}` or `{MESSAGE_TYPE_DATA_EX}`)"
            ),
        )));
    };
    let root = match body.map(|b| (b.children.as_slice(), b.text.trim().is_empty())) {
        Some(([root], true)) => root,
        _ => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::BodyIncorrect,
                "the Body must hold exactly one element (IVISServiceData or IVISServiceDataEx)",
            )));
        }
    };
    let extended = root.name.eq_ignore_ascii_case("IVISServiceDataEx");
    let fits = match expected_root {
        Some(expected) => root.name.eq_ignore_ascii_case(expected),
        None => extended || root.name.eq_ignore_ascii_case("IVISServiceData"),
    };
    if !fits {
        return Err(fail(IvisFault::new(
            IvisErrorCode::UrnTypeIsIncorect,
            format!(
                "MessageType `{message_type}` does not name the Body's `{}`",
                root.name
            ),
        )));
    }

    // As the SOAP 1.1 door's booleans: `True` from a lenient client is true.
    let test = match value("Test")?.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(word) if word.eq_ignore_ascii_case("false") => false,
        Some(word) if word.eq_ignore_ascii_case("true") => true,
        Some(other) => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::BodyWrongFormat,
                format!("Test `{other}` is not a boolean (true or false)"),
            )));
        }
    };
    let milestone = |name: &str| -> Result<Option<String>, ReadError> {
        let milestone = value(name)?;
        if let Some(text) = &milestone
            && text.chars().count() > MAX_MILESTONE_CHARS
        {
            return Err(fail(IvisFault::new(
                IvisErrorCode::BodyWrongFormat,
                format!("{name} `{text}` is longer than {MAX_MILESTONE_CHARS} characters"),
            )));
        }
        Ok(milestone)
    };
    let milestone_id = milestone("MilestoneID")?;
    let next_milestone_id = milestone("NextMilestoneID")?;
    let response_endpoint = value("ResponseEndPoint")?;
    match &response_endpoint {
        None => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::DestinationIncorrectType,
                "a payment needs a ResponseEndPoint (a URN:IVIS identifier or an https URL) to report its outcome to",
            )));
        }
        Some(endpoint) if !is_ivis_urn(endpoint) && !is_web_address(endpoint) => {
            return Err(fail(IvisFault::new(
                IvisErrorCode::DestinationIncorrectType,
                format!(
                    "ResponseEndPoint `{endpoint}` is neither a URN:IVIS identifier nor an absolute https URL"
                ),
            )));
        }
        Some(_) => {}
    }
    let header = IvisHeader {
        message_id,
        message_type,
        transaction_id: value("TransactionID")?,
        correlation_id: value("CorrelationID")?,
        destination,
        test,
        milestone_id,
        response_endpoint,
        next_milestone_id,
        initiator: value("Initiator")?,
    };
    let data = service_data(root, extended).map_err(fail)?;
    Ok(IvisRequest { header, data })
}

fn wrong_format(detail: impl AsRef<str>) -> IvisFault {
    IvisFault::new(IvisErrorCode::BodyWrongFormat, detail)
}

fn required(parent: &Element, path: &str, name: &str) -> Result<String, IvisFault> {
    header_value(parent, name)?.ok_or_else(|| wrong_format(format!("{path}.{name} is required")))
}

/// A party's code: the element's text, or — when it is a structure — the first
/// of its code members that is given.
fn party_code(element: &Element, names: &[&str]) -> Result<Option<String>, IvisFault> {
    if element.children.is_empty() {
        let text = element.text.trim();
        return Ok(Some(text.to_owned()).filter(|t| !t.is_empty()));
    }
    for name in names {
        if let Some(code) = header_value(element, name)? {
            return Ok(Some(code));
        }
    }
    Ok(None)
}

const CODE_MEMBERS: &[&str] = &[
    "Code",
    "PersonCode",
    "PersonalCode",
    "RegistrationNumber",
    "RegNumber",
    "Identifier",
];

fn service_data(root: &Element, extended: bool) -> Result<IvisServiceData, IvisFault> {
    let path = root.name.as_str();
    let receiver = match member(root, "Receiver") {
        Some(receiver) => party_code(receiver, CODE_MEMBERS)?,
        None => None,
    };
    let initiator = match member(root, "Initiator") {
        None => None,
        Some(initiator) if initiator.children.is_empty() => Some(Person {
            code: party_code(initiator, CODE_MEMBERS)?,
            ..Person::default()
        }),
        Some(initiator) => Some(Person {
            code: party_code(initiator, CODE_MEMBERS)?,
            first_name: header_value(initiator, "FirstName")?,
            last_name: match header_value(initiator, "LastName")? {
                Some(last) => Some(last),
                None => header_value(initiator, "Surname")?,
            },
        }),
    };
    let notification_email = match member(root, "Notification") {
        Some(notification) => {
            party_code(notification, &["EMail", "Email", "EmailAddress", "Address"])?
        }
        None => None,
    };
    let notification_language = match member(root, "Notification") {
        Some(notification) => header_value(notification, "Language")?,
        None => None,
    };
    let info = member(root, "PaymentInfo")
        .ok_or_else(|| wrong_format(format!("{path}.PaymentInfo is required")))?;
    let mut elements: Vec<&Element> = Vec::new();
    if let Some(list) = member(info, "PaymentRequestList") {
        elements.extend(list.children.iter().filter(|c| !c.nil));
    }
    elements.extend(
        info.children
            .iter()
            .filter(|c| !c.nil && c.name.eq_ignore_ascii_case("PaymentRequest")),
    );
    if elements.is_empty() {
        return Err(wrong_format(format!(
            "{path}.PaymentInfo has no PaymentRequest (PaymentRequestList/PaymentRequest)"
        )));
    }
    let mut payment_requests = Vec::with_capacity(elements.len());
    for (index, element) in elements.into_iter().enumerate() {
        let input = payment_request_fields(element)
            .map_err(|e| wrong_format(format!("PaymentRequest[{index}]: {e}")))?;
        payment_requests.push(input);
    }
    Ok(IvisServiceData {
        extended,
        service_instance_id: required(root, path, "ServiceInstanceID")?,
        eservice_id: required(root, path, "EServiceID")?,
        receiver,
        initiator,
        notification_email,
        notification_language,
        payment_requests,
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
