//! `/admin/batches` (operator, docs/operator.md "Batches"): the pain.001
//! batches of approved payment orders, each downloadable as its file — for a
//! Treasury reached without the online exchange, as `maksa treasury batch
//! --out` writes them — and marked as handed over by hand
//! (`Treasury::batch_submitted`, audited), after which the Treasury's
//! pain.002 answer is uploaded on `/admin/statements`.

use super::frame::{self, Signed};
use super::queues::riga_minute;
use crate::AppState;
use crate::labels::batches as label;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::operators::Role;
use maksa_app::store::PaymentBatch;
use maud::html;

/// The most batches of each state the page lists.
const LISTED: u32 = 100;
const STATES: [&str; 3] = ["ready", "submitted", "answered"];

fn state_label(state: &str) -> &'static crate::labels::Text {
    match state {
        "ready" => &label::READY,
        "submitted" => &label::SUBMITTED,
        _ => &label::ANSWERED,
    }
}

/// A message id fit for a URL path segment and a file name: what the hub
/// writes is letters, digits and `-`; anything else is not ours.
fn plain(message_id: &str) -> bool {
    !message_id.is_empty()
        && message_id.len() <= 64
        && message_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Operator).await {
        Ok(signed) => signed,
        Err(answer) => return answer,
    };
    let mut batches: Vec<PaymentBatch> = Vec::new();
    for batch_state in STATES {
        match state.store.payment_batches(batch_state, LISTED).await {
            Ok(found) => batches.extend(found),
            Err(error) => {
                tracing::error!(%error, "the batches could not be read");
                return unavailable(&signed);
            }
        }
    }
    batches.sort_by_key(|batch| std::cmp::Reverse(batch.created_at));
    let title = signed.t(&label::TITLE);
    frame::render(
        StatusCode::OK,
        title,
        "batches",
        &signed,
        html! {
            h1 { (title) }
            p { (signed.t(&label::INTRO)) }
            @if batches.is_empty() {
                p data-notice="none" { (signed.t(&label::NONE)) }
            } @else {
                div.scroll role="region" tabindex="0" aria-label=(title) {
                    table data-table="batches" {
                        thead {
                            tr {
                                th scope="col" { (signed.t(&label::MESSAGE_ID)) }
                                th scope="col" { (signed.t(&label::VERSION)) }
                                th scope="col" { (signed.t(&label::ORDERS)) }
                                th scope="col" { (signed.t(&label::CONTROL_SUM)) }
                                th scope="col" { (signed.t(&label::STATE)) }
                                th scope="col" { (signed.t(&label::CREATED)) }
                                th scope="col" { (signed.t(&label::FILE)) }
                            }
                        }
                        tbody {
                            @for batch in &batches {
                                tr data-batch=(batch.message_id) data-batch-state=(batch.state) {
                                    td { code { (batch.message_id) } }
                                    td { (batch.version) }
                                    td.num { (batch.orders) }
                                    td.num { (batch.control_sum) }
                                    td { (signed.t(state_label(&batch.state))) }
                                    td { (riga_minute(batch.created_at)) " " (batch.created_by) }
                                    td {
                                        @if plain(&batch.message_id) {
                                            a href=(format!("/admin/batches/{}/file", batch.message_id))
                                                download=(format!("{}.xml", batch.message_id)) {
                                                (signed.t(&label::DOWNLOAD))
                                            }
                                            @if batch.state == "ready" {
                                                form method="post"
                                                    action=(format!("/admin/batches/{}/submitted", batch.message_id)) {
                                                    (signed.csrf())
                                                    button type="submit" data-action="mark-submitted" {
                                                        (signed.t(&label::MARK_SUBMITTED))
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href="/admin/statements" { (signed.t(&label::TO_STATUS_UPLOAD)) } }
        },
    )
}

fn unavailable(signed: &Signed<'_>) -> Response {
    frame::notice(
        StatusCode::SERVICE_UNAVAILABLE,
        signed,
        "unavailable",
        &crate::labels::console::UNAVAILABLE_TITLE,
        signed.t(&crate::labels::console::UNAVAILABLE),
    )
}

fn not_found(signed: &Signed<'_>) -> Response {
    frame::notice(
        StatusCode::NOT_FOUND,
        signed,
        "not-found",
        &label::NOT_FOUND_TITLE,
        signed.t(&label::NOT_FOUND),
    )
}

/// The batch's pain.001 document, as a file.
pub(crate) async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(message_id): Path<String>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Operator).await {
        Ok(signed) => signed,
        Err(answer) => return answer,
    };
    if !plain(&message_id) {
        return not_found(&signed);
    }
    let batch = match state.store.payment_batch(&message_id).await {
        Ok(Some(batch)) => batch,
        Ok(None) => return not_found(&signed),
        Err(error) => {
            tracing::error!(%error, "a batch could not be read");
            return unavailable(&signed);
        }
    };
    let mut response = (StatusCode::OK, batch.document).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{message_id}.xml\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The operator handed the file to the Treasury by hand: the batch waits
/// for its status report from now on.
pub(crate) async fn submitted(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(message_id): Path<String>,
    body: Body,
) -> Response {
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if !plain(&message_id) {
        return not_found(&signed);
    }
    match signed
        .console
        .treasury
        .batch_submitted(&message_id, &signed.actor())
        .await
    {
        Ok(()) => Redirect::to("/admin/batches").into_response(),
        Err(maksa_app::treasury::TreasuryError::NotFound(_)) => not_found(&signed),
        Err(error) => {
            tracing::error!(%error, "a batch could not be marked submitted");
            unavailable(&signed)
        }
    }
}
