//! The REST/JSON door (INTERFACE.md §3, 004 §2.1.1): eight `POST` methods
//! under `/api/v1/payments/`, `checkpaymentrequeststatuswpt` also under
//! `/api/v1/paymentrequest/` (004 names no other base path for them).
//! Translation only: every decision is the application's. Answers are shaped
//! as 004 prints them: `paymentRequestUrl`, calendar dates in Riga time.

use crate::AppState;
use crate::fields;
use crate::json::{flag, parse_body, payment_request_input, text};
use crate::rate_limits;
use crate::tls::{connection_credentials, credentials};
use crate::wire_error;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::api_method::ApiMethod;
use maksa_app::auth::Caller;
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::idempotency::{self, IdempotencyKey};
use maksa_app::store::InvoiceRecipient;
use maksa_domain::catalog::WireProfile;
use maksa_domain::money::Amount;
use maksa_domain::text::echo;
use maksa_x509::TlsPeer;
use serde_json::{Map, Number, Value, json};
use time::OffsetDateTime;

/// `POST /api/v1/payments/{method}`; method names match in any letter case.
pub async fn payments_method(
    State(state): State<AppState>,
    Path(method): Path<String>,
    request: Request<Body>,
) -> Response {
    answer(state, ApiMethod::parse(&method), &method, request).await
}

/// `POST /api/v1/paymentrequest/{method}`: 004 lists `checkpaymentrequeststatuswpt` here.
pub async fn paymentrequest_method(
    State(state): State<AppState>,
    Path(method): Path<String>,
    request: Request<Body>,
) -> Response {
    let known = ApiMethod::parse(&method).filter(|m| *m == ApiMethod::CheckPaymentRequestStatusWpt);
    answer(state, known, &method, request).await
}

fn unknown_method(method: &str) -> AppError {
    AppError::NotFound {
        message: format!(
            "there is no API method `{}`; see docs/errors.md and the README for the eight methods",
            echo(method)
        ),
    }
}

/// Runs a method and answers its error with the caller's wire profile, once
/// the caller is known.
async fn answer(
    state: AppState,
    method: Option<ApiMethod>,
    segment: &str,
    request: Request<Body>,
) -> Response {
    let mut profile = WireProfile::default();
    match method {
        None => Err(unknown_method(segment)),
        Some(method) => dispatch(&state, method, request, &mut profile).await,
    }
    .unwrap_or_else(|error| wire_error::response(&error, profile))
}

/// The caller before the body is read: over HTTPS the connection's certificate
/// names the client, so even an unreadable body is answered in the client's
/// profile, and a body without `MM_Cert` needs no second authentication. (Over
/// plain HTTP the caller is only known from the body.)
async fn connection_caller(state: &AppState, extensions: &Extensions) -> Option<Caller> {
    extensions.get::<TlsPeer>()?;
    state
        .auth
        .authenticate(&connection_credentials(extensions))
        .await
        .ok()
}

async fn dispatch(
    state: &AppState,
    method: ApiMethod,
    request: Request<Body>,
    profile: &mut WireProfile,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let connection = connection_caller(state, &parts.extensions).await;
    // The client's rate limit, before the body is read when the connection
    // names the client (docs/rate-limits.md).
    let mut limited: Option<maksa_domain::ids::ClientId> = None;
    if let Some(caller) = &connection {
        *profile = state.requests.wire_profile(caller);
        if let Err(wait) = limit(state, caller, method) {
            return Ok(rate_limits::api_refusal(wait));
        }
        limited = Some(caller.client.clone());
    }
    let bytes = axum::body::to_bytes(body, state.body_limit)
        .await
        .map_err(|_| AppError::BadInput {
            code: ErrorCode::BodyTooLarge,
            message: format!("the body is larger than {} bytes", state.body_limit),
        })?;
    let body = parse_body(&bytes)?;
    let credentials = credentials(&parts.extensions, &body).await?;
    // Without MM_Cert the credentials are the connection's, already checked.
    let caller = match connection {
        Some(caller) if credentials.body_certificate.is_none() => caller,
        _ => {
            let caller = state.auth.authenticate(&credentials).await?;
            *profile = state.requests.wire_profile(&caller);
            caller
        }
    };
    if limited.as_ref() != Some(&caller.client)
        && let Err(wait) = limit(state, &caller, method)
    {
        return Ok(rate_limits::api_refusal(wait));
    }
    let key = match method {
        ApiMethod::SavePaymentRequest
        | ApiMethod::CreateInvoice
        | ApiMethod::CancelPaymentRequest => idempotency_key(&parts.headers)?,
        _ => None,
    };
    let requests = &state.requests;
    let idempotency = &state.idempotency;
    let mut replayed = false;
    let mut response = match method {
        ApiMethod::SavePaymentRequest => {
            let input = payment_request_input(&body)?;
            let answered = requests
                .save_keyed(idempotency, &caller, &input, key)
                .await?;
            replayed = answered.replayed;
            let created = answered.value;
            // 004 §2.1.1.1 spells the second name with a lower-case p, and
            // clients read names case-sensitively (SOAP keeps `PaymentRequestUrl`).
            json_response(
                json!({ "PaymentRequestId": created.id.to_string(), "paymentRequestUrl": created.url }),
            )
        }
        ApiMethod::CheckPaymentRequestStatus => {
            let status = requests
                .status(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            plain_text(status.letter().to_string())
        }
        ApiMethod::GetPaymentRequests => get_payment_requests(state, &caller, &body).await?,
        // Ours, beyond the original: the delivery log of a request's notifications.
        ApiMethod::GetNotifications => {
            let log = requests
                .notification_log(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            let items: Vec<Value> = log
                .iter()
                .map(|(n, attempts)| {
                    json!({
                        "EventId": n.id.to_string(),
                        // `GET` (the original's) or `IVIS` (the answer to ResponseEndPoint).
                        "Kind": match n.kind {
                            maksa_app::store::NotificationKind::Get => "GET",
                            maksa_app::store::NotificationKind::Ivis => "IVIS",
                        },
                        "Url": n.url,
                        "Status": n.status.letter().to_string(),
                        "State": n.state.as_str(),
                        "Attempts": attempts.iter().map(|a| json!({
                            "At": timestamp(a.at),
                            "HttpStatus": a.http_status,
                            "LatencyMs": a.latency_ms,
                            "Error": a.error,
                        })).collect::<Vec<_>>(),
                        "NextAttemptAt": (n.state == maksa_app::store::NotificationState::Pending).then(|| timestamp(n.next_attempt_at)),
                    })
                })
                .collect();
            json_response(json!({ "Notifications": items }))
        }
        ApiMethod::GetPayments => get_payments(state, &caller, &body).await?,
        ApiMethod::CheckPaymentStatus => {
            let answer = requests
                .payment_status(
                    &caller,
                    &required(&body, "PaymentRequestId")?,
                    &required(&body, "Position")?,
                )
                .await?;
            json_response(json!({
                "RequestStatus": answer.status.letter().to_string(),
                "PaymentProvider": answer.provider.map(|p| p.to_string()),
            }))
        }
        ApiMethod::CheckPaymentRequestStatusWpt => {
            let answer = requests
                .status_with_providers(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            let providers: Vec<&str> = answer.providers.iter().map(|p| p.as_str()).collect();
            json_response(
                json!({ "RequestStatus": answer.status.letter().to_string(), "PaymentProviders": providers.join(";") }),
            )
        }
        ApiMethod::CreateInvoice => {
            let recipient = InvoiceRecipient {
                name: text(&body, "Name")?,
                code: text(&body, "Code")?,
                address: text(&body, "Address")?,
            };
            let answered = state
                .documents
                .create_invoice_keyed(
                    idempotency,
                    &caller,
                    &required(&body, "Id")?,
                    recipient,
                    key,
                )
                .await?;
            replayed = answered.replayed;
            json_response(json!({ "id": answered.value }))
        }
        ApiMethod::CancelPaymentRequest => {
            let answered = requests
                .cancel_keyed(
                    idempotency,
                    &caller,
                    &required(&body, "PaymentRequestId")?,
                    key,
                )
                .await?;
            replayed = answered.replayed;
            StatusCode::OK.into_response()
        }
    };
    if replayed {
        response.headers_mut().insert(
            HeaderName::from_static(idempotency::REPLAYED_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// The call's `Idempotency-Key`, checked (docs/idempotency.md); only the
/// methods that change something use it.
pub(crate) fn idempotency_key(
    headers: &axum::http::HeaderMap,
) -> Result<Option<IdempotencyKey>, AppError> {
    headers
        .get(idempotency::HEADER)
        .map(|value| IdempotencyKey::parse(value.as_bytes()))
        .transpose()
}

/// The limit a method falls under (docs/rate-limits.md).
fn limit(state: &AppState, caller: &Caller, method: ApiMethod) -> Result<(), std::time::Duration> {
    let class = match method {
        ApiMethod::SavePaymentRequest
        | ApiMethod::CreateInvoice
        | ApiMethod::CancelPaymentRequest => rate_limits::Class::Create,
        _ => rate_limits::Class::Query,
    };
    rate_limits::by_client(state, &caller.client, "rest", method.as_str(), class)
}

fn required(body: &Map<String, Value>, name: &str) -> Result<String, AppError> {
    text(body, name)?
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| AppError::BadInput {
            code: ErrorCode::MissingField,
            message: format!("{name} is required"),
        })
}

fn json_response(value: Value) -> Response {
    let mut response = (StatusCode::OK, Bytes::from(value.to_string())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn plain_text(text: String) -> Response {
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn timestamp(at: OffsetDateTime) -> Value {
    fields::rfc3339(at)
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// A calendar date as 004 §2.1.1.3–4 print them (`"2020-07-24"`), in Riga
/// time: a payment at 22:30 UTC on 23 July is paid on the 24th in Latvia.
fn riga_date(at: OffsetDateTime) -> Value {
    fields::riga_date(at)
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// A money amount as a JSON number with exactly two decimals (`123.45`, `8.20`).
fn money(amount: Amount) -> Value {
    amount
        .to_string()
        .parse::<Number>()
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

async fn get_payment_requests(
    state: &AppState,
    caller: &Caller,
    body: &Map<String, Value>,
) -> Result<Response, AppError> {
    let filter = fields::request_filter(&|name| text(body, name), flag(body, "OnlyNotPayed")?)?;
    let rows = state.requests.list(caller, filter).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "PaymentRequestUniqueId": r.id.to_string(),
                "Number": r.number,
                "StartDate": riga_date(r.created_at),
                "ExpirationDate": riga_date(r.expires_at),
                "PaymentDate": r.paid_at.map(riga_date),
                "ServiceProviderName": r.service_provider_name,
                "ServiceName": r.service_name,
                "TotalAmount": money(r.total),
                "Currency": r.currency.as_str(),
                "UsageStatus": r.status.usage_text(),
                "Status": r.status.letter().to_string(),
            })
        })
        .collect();
    Ok(json_response(Value::Array(items)))
}

async fn get_payments(
    state: &AppState,
    caller: &Caller,
    body: &Map<String, Value>,
) -> Result<Response, AppError> {
    let filter = fields::payment_filter(&|name| text(body, name))?;
    let rows = state.requests.payments(caller, filter).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|p| {
            json!({
                "PaymentRequestUniqueId": p.request_id.to_string(),
                "PaymentDate": p.paid_at.map(riga_date),
                "ExternalId": p.external_id,
                "ServiceName": p.service_name,
                "PayeeAccountNumber": p.payee_iban,
                "BankInfo": p.purpose,
                "Amount": money(p.amount),
                "Currency": p.currency.as_str(),
                "StatusCode": p.status.letter().to_string(),
                // Ours (docs/reconciliation.md): the day the money was booked on
                // the payee's Treasury account, and the bank's reference of it.
                "SettlementDate": p.settled_on.map(|day| day.to_string()),
                "SettlementReference": p.settlement_reference,
            })
        })
        .collect();
    Ok(json_response(Value::Array(items)))
}
