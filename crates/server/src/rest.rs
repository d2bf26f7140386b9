//! The REST/JSON door (INTERFACE.md §3): eight `POST` methods under
//! `/api/v1/payments/`, `checkpaymentrequeststatuswpt` also under
//! `/api/v1/paymentrequest/`. Translation only: every decision is the
//! application's.

use crate::AppState;
use crate::fields;
use crate::json::{flag, parse_body, payment_request_input, text};
use crate::tls::credentials;
use crate::wire_error::WireError;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::auth::Caller;
use maksa_app::error::AppError;
use maksa_app::store::InvoiceRecipient;
use maksa_domain::money::Amount;
use serde_json::{Map, Number, Value, json};
use time::OffsetDateTime;

/// `POST /api/v1/payments/{method}`; method names match in any letter case.
pub async fn payments_method(
    State(state): State<AppState>,
    Path(method): Path<String>,
    request: Request<Body>,
) -> Response {
    dispatch(state, &method.to_ascii_lowercase(), request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/v1/paymentrequest/{method}`: the originals list `checkpaymentrequeststatuswpt` here.
pub async fn paymentrequest_method(
    State(state): State<AppState>,
    Path(method): Path<String>,
    request: Request<Body>,
) -> Response {
    let method = method.to_ascii_lowercase();
    if method != "checkpaymentrequeststatuswpt" {
        return unknown_method(&method).into_response();
    }
    dispatch(state, &method, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

fn unknown_method(method: &str) -> WireError {
    WireError(AppError::NotFound {
        message: format!(
            "there is no API method `{method}`; see docs/errors.md and the README for the eight methods"
        ),
    })
}

async fn dispatch(
    state: AppState,
    method: &str,
    request: Request<Body>,
) -> Result<Response, WireError> {
    const METHODS: [&str; 9] = [
        "getnotifications",
        "savepaymentrequest",
        "checkpaymentrequeststatus",
        "getpaymentrequests",
        "getpayments",
        "checkpaymentstatus",
        "checkpaymentrequeststatuswpt",
        "createinvoice",
        "cancelpaymentrequest",
    ];
    if !METHODS.contains(&method) {
        return Err(unknown_method(method));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, state.body_limit)
        .await
        .map_err(|_| {
            WireError(AppError::BadInput {
                code: "BODY_TOO_LARGE",
                message: format!("the body is larger than {} bytes", state.body_limit),
            })
        })?;
    let body = parse_body(&bytes)?;
    let credentials = credentials(&parts.extensions, &body).await?;
    let caller = state.auth.authenticate(&credentials).await?;
    let requests = &state.requests;
    Ok(match method {
        "savepaymentrequest" => {
            let input = payment_request_input(&body)?;
            let created = requests.save(&caller, &input).await?;
            json_response(
                json!({ "PaymentRequestId": created.id.to_string(), "PaymentRequestUrl": created.url }),
            )
        }
        "checkpaymentrequeststatus" => {
            let status = requests
                .status(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            plain_text(status.letter().to_string())
        }
        "getpaymentrequests" => get_payment_requests(&state, &caller, &body).await?,
        // Ours, beyond the original: the delivery log of a request's notifications.
        "getnotifications" => {
            let log = requests
                .notification_log(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            let items: Vec<Value> = log
                .iter()
                .map(|(n, attempts)| {
                    json!({
                        "EventId": n.id.to_string(),
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
        "getpayments" => get_payments(&state, &caller, &body).await?,
        "checkpaymentstatus" => {
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
        "checkpaymentrequeststatuswpt" => {
            let answer = requests
                .status_with_providers(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            let providers: Vec<&str> = answer.providers.iter().map(|p| p.as_str()).collect();
            json_response(
                json!({ "RequestStatus": answer.status.letter().to_string(), "PaymentProviders": providers.join(";") }),
            )
        }
        "createinvoice" => {
            let recipient = InvoiceRecipient {
                name: text(&body, "Name")?,
                code: text(&body, "Code")?,
                address: text(&body, "Address")?,
            };
            let id = state
                .documents
                .create_invoice(&caller, &required(&body, "Id")?, recipient)
                .await?;
            json_response(json!({ "id": id }))
        }
        "cancelpaymentrequest" => {
            requests
                .cancel(&caller, &required(&body, "PaymentRequestId")?)
                .await?;
            StatusCode::OK.into_response()
        }
        _ => return Err(unknown_method(method)),
    })
}

fn required(body: &Map<String, Value>, name: &str) -> Result<String, AppError> {
    text(body, name)?
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| AppError::BadInput {
            code: "MISSING_FIELD",
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
                "StartDate": timestamp(r.created_at),
                "ExpirationDate": timestamp(r.expires_at),
                "PaymentDate": r.paid_at.map(timestamp),
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
                "PaymentDate": p.paid_at.map(timestamp),
                "ExternalId": p.external_id,
                "ServiceName": p.service_name,
                "PayeeAccountNumber": p.payee_iban,
                "BankInfo": p.purpose,
                "Amount": money(p.amount),
                "Currency": p.currency.as_str(),
                "StatusCode": p.status.letter().to_string(),
            })
        })
        .collect();
    Ok(json_response(Value::Array(items)))
}
