//! The IVIS door at `/IVIS/RequestWebService.svc` (docs/ivis.md): SOAP 1.2
//! with WS-Addressing, the request service's seven operations, each calling
//! the same application services as REST and SOAP 1.1
//! (`maksa_app::ivis`). This module only translates: `read.rs` reads the
//! envelope, `write.rs` writes the answers, and [`fault_of`] maps an
//! `AppError` to the guideline's numbered codes, once.

use super::codes::{IvisErrorCode, IvisFault, SoapFaultCode};
use super::read::{
    self, Addressing, IvisCall, IvisOperation, IvisRequest, OperationName, ReadError,
};
use super::write::{
    self, CONTENT_TYPE, MESSAGE_TYPE_PAYMENT_INFO, PaymentRequestStatus, ResponseBody,
    ResponseHeader, ResponseOperation, ResultKind,
};
use crate::AppState;
use crate::tls::connection_credentials;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maksa_app::auth::{Caller, Channel};
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::ivis::{IvisOutcome, IvisSubmissionInput};
use maksa_app::notifications::IvisAnswers;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use time::OffsetDateTime;

pub const PATH: &str = "/IVIS/RequestWebService.svc";
/// Seconds an e-service should wait before polling an open submission again.
const POLL_INTERVAL_SECONDS: u32 = 30;
const WSDL: &str = include_str!("RequestWebService.wsdl");

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(describe).post(call))
}

/// `GET`: the WSDL for `?wsdl`/`?singleWsdl`, a pointer to it otherwise.
async fn describe(request: Request<Body>) -> Response {
    if !crate::soap::asks_for_wsdl(&request) {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "This is the IVIS request service (SOAP 1.2, WS-Addressing): POST envelopes here with your TLS client certificate. Its description: {PATH}?wsdl\n"
            ),
        )
            .into_response();
    }
    let address = format!("{}{PATH}", crate::soap::base_url(&request));
    let mut response = (StatusCode::OK, WSDL.replace("{{address}}", &address)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    response
}

fn soap(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

fn soap_fault(addressing: &Addressing, code: SoapFaultCode, reason: &str) -> Response {
    soap(
        code.http_status(),
        write::soap_fault(addressing, code, reason),
    )
}

/// An error answered before (or instead of) the door's handler — a body
/// declared too large, a handler that panicked — in the door's own shape:
/// code 19 for the size, a Receiver fault otherwise.
pub(crate) fn error_response(error: &AppError) -> Response {
    let addressing = Addressing::default();
    let response = if error.code() == ErrorCode::BodyTooLarge {
        let rejection = read::IvisRejection {
            addressing,
            operation: None,
            message_id: None,
            transaction_id: None,
            correlation_id: None,
            fault: IvisFault::new(IvisErrorCode::BodyToBig, error.to_string()),
        };
        let (status, body) =
            write::rejection(&rejection, &new_message_id(), OffsetDateTime::now_utc());
        soap(status, body)
    } else {
        soap_fault(
            &addressing,
            SoapFaultCode::Receiver,
            &format!("{}: {error}", error.code()),
        )
    };
    with_code(response, error.code())
}

fn new_message_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `POST`: one envelope, one answer.
async fn call(State(state): State<AppState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let now = state.requests.clock_now();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit = read::MAX_MESSAGE_BYTES;
    let too_big = || {
        error_response(&AppError::BadInput {
            code: ErrorCode::BodyTooLarge,
            message: format!("the message is larger than {limit} bytes"),
        })
    };
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return too_big();
    }
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return too_big();
    };
    // The certificate of the connection is the only credential: IVIS
    // messages carry no MM_Cert, and plain HTTP is refused.
    let credentials = connection_credentials(&parts.extensions);
    let call = match read::read_call(&bytes) {
        Ok(call) => call,
        Err(ReadError::Soap(fault)) => {
            return soap_fault(&fault.addressing, fault.code, &fault.reason);
        }
        Err(ReadError::Ivis(rejection)) => {
            let (status, body) = write::rejection(&rejection, &new_message_id(), now);
            return soap(status, body);
        }
    };
    if matches!(credentials.channel, Channel::Plain) {
        return with_code(
            soap_fault(
                &call.addressing,
                SoapFaultCode::Sender,
                "TLS_REQUIRED: the IVIS door answers only over HTTPS with the e-service's client certificate",
            ),
            ErrorCode::TlsRequired,
        );
    }
    let caller = match state.auth.authenticate(&credentials).await {
        Ok(caller) => caller,
        Err(error) => {
            return with_code(
                soap_fault(
                    &call.addressing,
                    SoapFaultCode::Sender,
                    &format!("{}: {error}", error.code()),
                ),
                error.code(),
            );
        }
    };
    // The same per-client limits as the REST and SOAP doors: what starts or
    // changes a payment counts as `create`, the questions as `query`.
    let operation = call.operation.name();
    let class = match operation {
        OperationName::GetStatus | OperationName::Poll => crate::rate_limits::Class::Query,
        _ => crate::rate_limits::Class::Create,
    };
    if let Err(wait) =
        crate::rate_limits::by_client(&state, &caller.client, "ivis", operation.name(), class)
    {
        let seconds = crate::rate_limits::retry_after_seconds(wait);
        let mut response = soap_fault(
            &call.addressing,
            SoapFaultCode::Sender,
            &format!(
                "{}: too many calls: retry after {seconds} s",
                ErrorCode::RateLimited.as_str()
            ),
        );
        crate::rate_limits::mark_refusal(&mut response, wait);
        return response;
    }
    dispatch(&state, &caller, call, now).await
}

/// The `MM-Error` header, as every door of the hub sets it.
fn with_code(mut response: Response, code: ErrorCode) -> Response {
    if let Ok(value) = HeaderValue::from_str(code.as_str()) {
        response.headers_mut().insert("MM-Error", value);
    }
    response
}

async fn dispatch(
    state: &AppState,
    caller: &Caller,
    call: IvisCall,
    now: OffsetDateTime,
) -> Response {
    let IvisCall {
        addressing,
        operation,
    } = call;
    let requests = &state.requests;
    match operation {
        IvisOperation::StartTransaction { eservice_id } => {
            match requests.ivis_start_transaction(caller, &eservice_id).await {
                Ok(transaction) => soap(
                    200,
                    write::start_transaction_response(&addressing, &transaction.id),
                ),
                // The guideline: an identifier that is not a URN:IVIS one
                // gets the empty identifier.
                Err(AppError::Invalid(_)) => {
                    soap(200, write::start_transaction_response(&addressing, ""))
                }
                Err(error) => receiver_fault(&addressing, &error),
            }
        }
        IvisOperation::EndTransaction { transaction_id } => {
            match requests.ivis_end_transaction(caller, &transaction_id).await {
                Ok(()) => soap(200, write::end_transaction_response(&addressing)),
                Err(error) => match fault_of(&error, false) {
                    Some(fault) => with_code(
                        soap_fault(&addressing, SoapFaultCode::Sender, &fault.to_string()),
                        error.code(),
                    ),
                    None => receiver_fault(&addressing, &error),
                },
            }
        }
        IvisOperation::Submit(request) => {
            submit(state, caller, &addressing, &request, true, now).await
        }
        IvisOperation::SubmitSync(request) => {
            submit(state, caller, &addressing, &request, false, now).await
        }
        IvisOperation::GetStatus { correlation_id } => {
            asked(
                state,
                caller,
                &addressing,
                &correlation_id,
                ResponseOperation::GetStatus,
                now,
            )
            .await
        }
        IvisOperation::Poll { correlation_id } => {
            asked(
                state,
                caller,
                &addressing,
                &correlation_id,
                ResponseOperation::Poll,
                now,
            )
            .await
        }
        IvisOperation::Dispose { correlation_id } => {
            let header = |result, errors| ResponseHeader {
                message_id: new_message_id(),
                message_type: MESSAGE_TYPE_PAYMENT_INFO.to_owned(),
                transaction_id: None,
                correlation_id: Some(correlation_id.clone()),
                poll_interval: None,
                timestamp: now,
                result,
                errors,
            };
            match requests.ivis_dispose(caller, &correlation_id).await {
                Ok(()) => soap(
                    200,
                    write::ivis_response(
                        &addressing,
                        ResponseOperation::Dispose,
                        &header(ResultKind::Success, Vec::new()),
                        None,
                    ),
                ),
                Err(error) => failed(
                    &addressing,
                    ResponseOperation::Dispose,
                    &error,
                    header(ResultKind::Failure, Vec::new()),
                ),
            }
        }
    }
}

/// A failure of ours (the database, a defect): a Receiver fault, retried by
/// the caller; nothing was changed.
fn receiver_fault(addressing: &Addressing, error: &AppError) -> Response {
    if matches!(error, AppError::Internal(_)) {
        tracing::error!(%error, "IVIS call failed on our side");
    }
    let mut response = soap_fault(
        addressing,
        SoapFaultCode::Receiver,
        &format!("{}: {error}", error.code()),
    );
    if error.is_unavailable() {
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response = crate::wire_error::with_retry_after(response, error);
    }
    with_code(response, error.code())
}

/// The guideline's code for an error of the application, with our code and
/// message as its description; `None` for a failure of ours (a fault).
/// `after_submission`: the call names an earlier exchange by its correlation
/// id (`GetStatus`, `Poll`, `Dispose`: code 7) rather than following one
/// (`Submit`: code 3).
pub(crate) fn fault_of(error: &AppError, after_submission: bool) -> Option<IvisFault> {
    let code = match error.code() {
        ErrorCode::TransactionIncorrect => IvisErrorCode::TransactionIdIncorrect,
        ErrorCode::TransactionNotStarted => IvisErrorCode::TransactionNotStarted,
        ErrorCode::SenderIncorrect => IvisErrorCode::SenderIncorrect,
        ErrorCode::CorrelationNotFound if after_submission => {
            IvisErrorCode::CorrelationIdNotFoundForAnswer
        }
        ErrorCode::CorrelationNotFound => IvisErrorCode::CorrelationIdNotFound,
        ErrorCode::WrongCallingType => IvisErrorCode::DestinationWrongServiceCallingType,
        ErrorCode::TestNotAccepted => IvisErrorCode::DestinationIncorrectTestAddress,
        ErrorCode::ServiceNotAllowed | ErrorCode::RoleRequired => {
            IvisErrorCode::DestinationUserRightToLow
        }
        ErrorCode::UrlNotRegistered => IvisErrorCode::DestinationIncorrectAddress,
        ErrorCode::Unavailable
        | ErrorCode::StorageFull
        | ErrorCode::StorageFailed
        | ErrorCode::Internal => return None,
        // Every rule a payment request breaks: the body does not fit what
        // the message type promises.
        _ if matches!(error, AppError::Invalid(_)) => IvisErrorCode::BodyWrongFormat,
        _ => IvisErrorCode::BodyIncorrect,
    };
    Some(IvisFault::new(code, format!("{}: {error}", error.code())))
}

/// An operation that answers an `IVISResponse` failed: its `Errors`, or a
/// Receiver fault for a failure of ours.
fn failed(
    addressing: &Addressing,
    operation: ResponseOperation,
    error: &AppError,
    mut header: ResponseHeader,
) -> Response {
    let after = !matches!(
        operation,
        ResponseOperation::Submit | ResponseOperation::SubmitSync
    );
    match fault_of(error, after) {
        Some(fault) => {
            header.result = ResultKind::Failure;
            header.errors = vec![fault];
            with_code(
                soap(
                    200,
                    write::ivis_response(addressing, operation, &header, None),
                ),
                error.code(),
            )
        }
        None => receiver_fault(addressing, error),
    }
}

fn submission_input(request: &IvisRequest, asynchronous: bool) -> IvisSubmissionInput {
    let header = &request.header;
    let data = &request.data;
    // Migrated e-services name the payer as the Initiator.
    let initiator_code = data
        .initiator
        .as_ref()
        .and_then(|person| person.code.clone())
        .or_else(|| header.initiator.clone());
    IvisSubmissionInput {
        message_id: header.message_id.clone(),
        transaction_id: header.transaction_id.clone(),
        correlation_id: header.correlation_id.clone(),
        test: header.test,
        milestone_id: header.milestone_id.clone(),
        next_milestone_id: header.next_milestone_id.clone(),
        response_endpoint: header.response_endpoint.clone().unwrap_or_default(),
        eservice_id: Some(data.eservice_id.clone()).filter(|e| !e.is_empty()),
        service_instance_id: Some(data.service_instance_id.clone()).filter(|s| !s.is_empty()),
        asynchronous,
        migrated: data.extended,
        receiver: data.receiver.clone().or(initiator_code),
        language: data.notification_language.as_deref().map(|language| {
            // `EN`, `ENG`, `en-GB`: English; anything else Latvian.
            if language.trim().to_ascii_lowercase().starts_with("en") {
                "en".to_owned()
            } else {
                "lv".to_owned()
            }
        }),
        requests: data
            .payment_requests
            .iter()
            .map(|input| {
                let mut input = input.clone();
                // The notification address stands in for a missing ClientEMail.
                if let Some(email) = &data.notification_email {
                    let info = input.client_info.get_or_insert_with(Default::default);
                    if info.client_email.as_deref().is_none_or(str::is_empty) {
                        info.client_email = Some(email.clone());
                    }
                }
                input
            })
            .collect(),
    }
}

async fn submit(
    state: &AppState,
    caller: &Caller,
    addressing: &Addressing,
    request: &IvisRequest,
    asynchronous: bool,
    now: OffsetDateTime,
) -> Response {
    let operation = if asynchronous {
        ResponseOperation::Submit
    } else {
        ResponseOperation::SubmitSync
    };
    let input = submission_input(request, asynchronous);
    let base = ResponseHeader {
        message_id: new_message_id(),
        message_type: MESSAGE_TYPE_PAYMENT_INFO.to_owned(),
        transaction_id: request.header.transaction_id.clone(),
        correlation_id: request.header.correlation_id.clone(),
        poll_interval: None,
        timestamp: now,
        result: ResultKind::Success,
        errors: Vec::new(),
    };
    match state.requests.ivis_submit(caller, &input).await {
        Ok(outcome) => {
            let header = ResponseHeader {
                correlation_id: Some(outcome.submission.correlation_id.to_string()),
                poll_interval: asynchronous.then_some(POLL_INTERVAL_SECONDS),
                ..base
            };
            let body = ResponseBody::PaymentInfo(statuses(state, &outcome));
            soap(
                200,
                write::ivis_response(addressing, operation, &header, Some(&body)),
            )
        }
        Err(error) => failed(addressing, operation, &error, base),
    }
}

/// `GetStatus` answers where the submission stands; `Poll` answers the final
/// statuses once every request has one, and `pending` before.
async fn asked(
    state: &AppState,
    caller: &Caller,
    addressing: &Addressing,
    correlation_id: &str,
    operation: ResponseOperation,
    now: OffsetDateTime,
) -> Response {
    let base = ResponseHeader {
        message_id: new_message_id(),
        message_type: MESSAGE_TYPE_PAYMENT_INFO.to_owned(),
        transaction_id: None,
        correlation_id: Some(correlation_id.to_owned()),
        poll_interval: None,
        timestamp: now,
        result: ResultKind::Success,
        errors: Vec::new(),
    };
    match state.requests.ivis_submission(caller, correlation_id).await {
        Ok(outcome) => {
            let done = outcome.is_final();
            let header = ResponseHeader {
                transaction_id: outcome.submission.transaction_id.clone(),
                poll_interval: (!done).then_some(POLL_INTERVAL_SECONDS),
                result: if done {
                    ResultKind::Success
                } else {
                    ResultKind::Pending
                },
                ..base
            };
            let body = (done || operation == ResponseOperation::GetStatus)
                .then(|| ResponseBody::PaymentInfo(statuses(state, &outcome)));
            soap(
                200,
                write::ivis_response(addressing, operation, &header, body.as_ref()),
            )
        }
        Err(error) => failed(addressing, operation, &error, base),
    }
}

fn statuses(state: &AppState, outcome: &IvisOutcome) -> Vec<PaymentRequestStatus> {
    outcome
        .requests
        .iter()
        .map(|request| {
            status_of(
                request,
                request.status,
                &state.requests.request_url(request.id),
            )
        })
        .collect()
}

/// One request as the e-service learns it; `status` is the one announced.
fn status_of(request: &PaymentRequest, status: Status, url: &str) -> PaymentRequestStatus {
    PaymentRequestStatus {
        payment_request_id: request.id.to_string(),
        payment_request_url: url.to_owned(),
        status,
        amount: request.terms.total,
        currency: request.terms.currency,
        payment_date: request.payments.iter().filter_map(|p| p.paid_at).max(),
        provider_code: request
            .payments
            .iter()
            .find_map(|p| p.provider.as_ref())
            .map(|p| p.as_str().to_owned()),
    }
}

/// The notifier's writer of the `ResponseEndPoint` message (the outbox's
/// IVIS rows): the final status of one request of a submission.
pub struct Answers {
    public_base_url: String,
}

impl Answers {
    pub fn new(public_base_url: String) -> Answers {
        Answers { public_base_url }
    }
}

impl IvisAnswers for Answers {
    fn response_endpoint_message(
        &self,
        request: &PaymentRequest,
        status: Status,
        message_id: uuid::Uuid,
        _at: OffsetDateTime,
    ) -> Option<(String, String)> {
        let route = request.terms.ivis.as_ref()?;
        let original = read::IvisHeader {
            message_id: route.message_id.clone(),
            message_type: String::new(),
            transaction_id: route.transaction_id.clone(),
            correlation_id: None,
            destination: String::new(),
            test: route.test,
            milestone_id: route.milestone_id.clone(),
            response_endpoint: Some(route.response_endpoint.clone()),
            next_milestone_id: route.next_milestone_id.clone(),
            initiator: None,
        };
        let url = format!("{}/Payments/?id={}", self.public_base_url, request.id);
        let body = write::response_endpoint_message(
            &original,
            &message_id.to_string(),
            &[status_of(request, status, &url)],
        )?;
        let content_type = format!(
            "{CONTENT_TYPE}; action=\"{}\"",
            read::OperationName::Submit.action()
        );
        Some((content_type, body))
    }
}
