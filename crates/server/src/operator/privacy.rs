//! `/admin/privacy` (docs/retention.md): an operator looks a person up by
//! their personal code (what the hub holds), exports it as JSON, and erases
//! it on the person's request after a confirmation step; below, the erasure
//! log, paged. It calls `maksa_app::retention::Retention`; this module only
//! translates. The code travels only in POST bodies, never in a URL (which
//! could reach an access log), and is never logged.

use super::frame::{self, Signed};
use super::signed_money;
use crate::AppState;
use crate::labels::privacy as label;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::operators::Role;
use maksa_app::store::{ErasureReason, ErasureRecord};
use maud::{Markup, html};
use serde_json::Value;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;

/// Erasure-log rows per page.
pub const LOG_PAGE: u32 = 50;
/// The longest code field read (a code is 11 or 12 characters).
const MAX_CODE_CHARS: usize = 32;
/// What a missing field of the export reads as.
static NULL: Value = Value::Null;

fn field(form: &HashMap<String, String>, name: &str, max: usize) -> String {
    form.get(name)
        .map(|v| v.trim().chars().take(max).collect())
        .unwrap_or_default()
}

/// `GET /admin/privacy[?before=ID]`: the look-up form and the erasure log.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Operator).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let before = query.get("before").and_then(|b| b.parse::<i64>().ok());
    answer(&state, &signed, StatusCode::OK, "ready", html! {}, before).await
}

/// `POST /admin/privacy/look-up`: what the hub holds about a code.
pub async fn look_up(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (signed, form) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let code = field(&form, "code", MAX_CODE_CHARS);
    match state.retention.export(&code).await {
        Ok(held) => {
            let body = held_section(&signed, &code, &held);
            answer(&state, &signed, StatusCode::OK, "found", body, None).await
        }
        Err(error) => refused(&state, &signed, &error).await,
    }
}

/// `POST /admin/privacy/export`: the same as a JSON download.
pub async fn export(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (signed, form) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let code = field(&form, "code", MAX_CODE_CHARS);
    match state.retention.export(&code).await {
        Ok(held) => {
            let text = serde_json::to_string_pretty(&held).unwrap_or_default();
            let mut response = (StatusCode::OK, text).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"payer-data.json\""),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => refused(&state, &signed, &error).await,
    }
}

/// `POST /admin/privacy/erase`: without `confirm=yes` the confirmation
/// step; with it, the erasure.
pub async fn erase(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (signed, form) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let code = field(&form, "code", MAX_CODE_CHARS);
    let reason = field(&form, "reason", maksa_app::retention::MAX_REASON_CHARS);
    if form.get("confirm").map(String::as_str) != Some("yes") {
        if reason.is_empty() {
            return refused(
                &state,
                &signed,
                &AppError::BadInput {
                    code: ErrorCode::MissingField,
                    message: String::new(),
                },
            )
            .await;
        }
        let held = match state.retention.export(&code).await {
            Ok(held) => held,
            Err(error) => return refused(&state, &signed, &error).await,
        };
        let count = held
            .get("requests")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let title = signed.t(&label::CONFIRM_TITLE);
        return frame::render(
            StatusCode::OK,
            title,
            "confirm",
            &signed,
            html! {
                h1 { (title) }
                p { (signed.t(&label::CONFIRM_TEXT)) " " strong data-field="count" { (count) } }
                form method="post" action="/admin/privacy/erase" {
                    (signed.csrf())
                    input type="hidden" name="code" value=(code);
                    input type="hidden" name="reason" value=(reason);
                    input type="hidden" name="confirm" value="yes";
                    button.danger type="submit" data-action="erase-confirmed" {
                        (signed.t(&label::ERASE_NOW))
                    }
                    " "
                    a href="/admin/privacy" { (signed.t(&label::CANCEL)) }
                }
            },
        );
    }
    match state.retention.erase(&code, &signed.actor(), &reason).await {
        Ok(summary) => {
            let body = html! {
                p.notice role="status" data-notice="erased" {
                    (signed.t(&label::ERASED)) " " strong data-field="erased" { (summary.erased) }
                }
            };
            answer(&state, &signed, StatusCode::OK, "erased", body, None).await
        }
        Err(error) => refused(&state, &signed, &error).await,
    }
}

async fn refused(state: &AppState, signed: &Signed<'_>, error: &AppError) -> Response {
    let (status, text) = match error {
        AppError::BadInput {
            code: ErrorCode::InvalidClientCode,
            ..
        } => (StatusCode::BAD_REQUEST, &label::INVALID_CODE),
        AppError::BadInput { .. } => (StatusCode::BAD_REQUEST, &label::REASON_REQUIRED),
        AppError::Conflict { .. } => (StatusCode::CONFLICT, &label::OPEN_REQUESTS),
        _ => {
            tracing::warn!(code = ?error.code(), "the personal-data page could not answer");
            (StatusCode::SERVICE_UNAVAILABLE, &label::UNAVAILABLE)
        }
    };
    let body = html! {
        p.notice role="alert" data-notice="refused" {
            strong { (signed.t(&label::REFUSED_TITLE)) ": " } (signed.t(text))
        }
    };
    answer(state, signed, status, "refused", body, None).await
}

/// The page: `notice` first, the look-up form, then the erasure log.
async fn answer(
    state: &AppState,
    signed: &Signed<'_>,
    status: StatusCode,
    data_state: &str,
    notice: Markup,
    before: Option<i64>,
) -> Response {
    let log = state
        .retention
        .erasure_log(before, LOG_PAGE)
        .await
        .unwrap_or_default();
    let next = maksa_app::retention::next_page(&log, LOG_PAGE);
    let title = signed.t(&label::TITLE);
    frame::render(
        status,
        title,
        data_state,
        signed,
        html! {
            h1 { (title) }
            p { (signed.t(&label::INTRO)) }
            (notice)
            form method="post" action="/admin/privacy/look-up" {
                (signed.csrf())
                label for="code" { (signed.t(&label::CODE)) }
                " "
                input id="code" name="code" type="text" inputmode="numeric"
                    autocomplete="off" maxlength="12" required;
                " "
                button type="submit" data-action="look-up" { (signed.t(&label::LOOK_UP)) }
            }
            h2 { (signed.t(&label::LOG_TITLE)) }
            @if log.is_empty() {
                p data-field="log-empty" { (signed.t(&label::LOG_EMPTY)) }
            } @else {
                table data-table="erasure-log" {
                    thead {
                        tr {
                            th scope="col" { (signed.t(&label::WHEN)) }
                            th scope="col" { (signed.t(&label::RECORD)) }
                            th scope="col" { (signed.t(&label::WHY)) }
                            th scope="col" { (signed.t(&label::WHO)) }
                            th scope="col" { (signed.t(&label::NOTE)) }
                        }
                    }
                    tbody {
                        @for record in &log { (log_row(signed, record)) }
                    }
                }
                @if let Some(next) = next {
                    p { a href={ "/admin/privacy?before=" (next) } { (signed.t(&label::OLDER)) } }
                }
            }
        },
    )
}

fn log_row(signed: &Signed<'_>, record: &ErasureRecord) -> Markup {
    let why = match record.reason {
        ErasureReason::Retention => &label::REASON_RETENTION,
        ErasureReason::Request => &label::REASON_REQUEST,
    };
    html! {
        tr {
            td { (record.at.format(&Rfc3339).unwrap_or_default()) }
            td { (record.record_kind) " " code { (record.record_id) } }
            td { (signed.t(why)) }
            td { (record.actor) }
            td { (record.note) }
        }
    }
}

fn text_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn held_section(signed: &Signed<'_>, code: &str, held: &Value) -> Markup {
    let empty = Vec::new();
    let requests = held
        .get("requests")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let erased = held
        .get("pseudonymised_requests")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    html! {
        section aria-labelledby="held" {
            h2 id="held" { (signed.t(&label::HELD_TITLE)) }
            @if requests.is_empty() && erased == 0 {
                p data-field="nothing-held" { (signed.t(&label::NOTHING_HELD)) }
            }
            @if !requests.is_empty() {
                table data-table="held" {
                    thead {
                        tr {
                            th scope="col" { (signed.t(&label::NUMBER)) }
                            th scope="col" { (signed.t(&label::CLIENT)) }
                            th scope="col" { (signed.t(&label::SERVICE)) }
                            th scope="col" { (signed.t(&label::PAYER)) }
                            th scope="col" { (signed.t(&label::STATUS)) }
                            th scope="col" { (signed.t(&label::TOTAL)) }
                            th scope="col" { (signed.t(&label::CREATED)) }
                        }
                    }
                    tbody {
                        @for request in requests {
                            @let payer = request.get("payer").unwrap_or(&NULL);
                            tr {
                                th scope="row" { (text_of(request, "number")) }
                                td { (text_of(request, "client")) }
                                td { (text_of(request, "service")) }
                                td { (text_of(payer, "first_name")) " " (text_of(payer, "name")) }
                                td { (text_of(request, "status")) }
                                td {
                                    (signed_money(request.get("total_minor").and_then(Value::as_i64).unwrap_or(0)))
                                    " " (text_of(request, "currency"))
                                }
                                td { (text_of(request, "created_at")) }
                            }
                        }
                    }
                }
            }
            p { (signed.t(&label::PSEUDONYMISED)) ": " strong data-field="pseudonymised" { (erased) } }
            form method="post" action="/admin/privacy/export" {
                (signed.csrf())
                input type="hidden" name="code" value=(code);
                button.secondary type="submit" data-action="export" { (signed.t(&label::EXPORT)) }
            }
            @if !requests.is_empty() {
                form method="post" action="/admin/privacy/erase" {
                    (signed.csrf())
                    input type="hidden" name="code" value=(code);
                    label for="reason" { (signed.t(&label::REASON)) }
                    " "
                    input id="reason" name="reason" type="text" maxlength="200" required;
                    " "
                    button.danger type="submit" data-action="erase" { (signed.t(&label::ERASE)) }
                }
            }
        }
    }
}
