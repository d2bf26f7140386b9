//! The card payments' page (docs/providers/firstdata.md): card payments
//! whose request could not take the money, each with Propose reversal (the
//! first operator) and, once proposed, Approve reversal (another operator:
//! four eyes; only then is the acquirer asked), and the business days closed
//! at each acquirer with both sides' totals, a mismatch marked, and Close
//! the day now. They call `maksa_app::cards::Cards`; this module only
//! translates.

use super::frame::{self, Signed};
use super::signed_money;
use crate::AppState;
use crate::labels::{cards as label, console};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::cards::{Proposed, Reversed};
use maksa_app::error::AppError;
use maksa_app::operators::Role;
use maksa_app::store::CardTotals;
use maksa_domain::attempt::AttemptId;
use maksa_domain::codes::ProviderCode;
use maud::{Markup, html};
use std::collections::HashMap;

/// Payments due for a reversal listed at most.
pub const MAX_REFUNDS_LISTED: u32 = 200;
/// Day closes listed at most.
pub const MAX_CLOSES_LISTED: u32 = 60;

fn notice_text(notice: &str) -> Option<&'static crate::labels::Text> {
    Some(match notice {
        "proposed" => &label::NOTICE_PROPOSED,
        "already-proposed" => &label::NOTICE_ALREADY_PROPOSED,
        "reversed" => &label::NOTICE_REVERSED,
        "already" => &label::NOTICE_ALREADY,
        "closed" => &label::NOTICE_CLOSED,
        "mismatch" => &label::NOTICE_MISMATCH,
        _ => return None,
    })
}

fn totals_cell(signed: &Signed<'_>, totals: &CardTotals) -> Markup {
    html! {
        (totals.debit_count) " " (signed.t(&label::PAYMENTS)) " " (signed_money(totals.debit_minor))
        " · " (totals.reversal_count) " " (signed.t(&label::REVERSALS)) " " (signed_money(totals.reversal_minor))
    }
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let (due, closes, proposals) = match (
        state.cards.refunds_due(MAX_REFUNDS_LISTED).await,
        state.cards.day_closes(MAX_CLOSES_LISTED).await,
        state.cards.reversal_proposals(MAX_REFUNDS_LISTED).await,
    ) {
        (Ok(due), Ok(closes), Ok(proposals)) => (due, closes, proposals),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            return app_error(&signed, &error);
        }
    };
    let proposals: HashMap<AttemptId, String> = proposals
        .into_iter()
        .map(|p| (p.attempt, p.proposed_by))
        .collect();
    let acquirers = state.cards.acquirers();
    let may_act = signed.may(Role::Operator);
    let notice = query.get("notice").and_then(|n| Some((n, notice_text(n)?)));
    let title = signed.t(&label::TITLE);
    let body = html! {
        h1 { (title) }
        @if let Some((code, text)) = notice {
            p.notice role="status" data-notice=(code) { (signed.t(text)) }
        }
        h2 { (signed.t(&label::TO_GIVE_BACK)) }
        p { (signed.t(&label::TO_GIVE_BACK_INTRO)) }
        div.scroll role="region" aria-label=(signed.t(&label::TO_GIVE_BACK)) tabindex="0" {
            table data-table="card-refunds" {
                caption { (signed.t(&label::OLDEST_FIRST)) }
                thead { tr {
                    th scope="col" { (signed.t(&label::ATTEMPT)) }
                    th scope="col" { (signed.t(&label::REQUEST)) }
                    th scope="col" { (signed.t(&label::ACQUIRER)) }
                    th scope="col" { (signed.t(&label::ACQUIRER_ID)) }
                    th scope="col" { (signed.t(&label::AMOUNT)) }
                    th scope="col" { (signed.t(&label::PAID)) }
                    th scope="col" { (signed.t(&label::ACTION)) }
                } }
                tbody {
                    @if due.is_empty() {
                        tr { td colspan="7" { (signed.t(&label::NOTHING_TO_GIVE_BACK)) } }
                    }
                    @for attempt in &due {
                        @let proposer = proposals.get(&attempt.id);
                        tr data-attempt=(attempt.id) data-proposed-by=[proposer] {
                            th scope="row" { (attempt.id) }
                            td { (attempt.request_id) }
                            td { (attempt.provider.as_str()) }
                            td { (attempt.external_id.as_deref().unwrap_or("—")) }
                            td.num { (signed_money(attempt.amount.minor())) " " (attempt.currency.as_str()) }
                            td { (attempt.updated_at) }
                            td {
                                @match proposer {
                                    None => {
                                        @if may_act {
                                            form.inline method="post" action={ "/admin/cards/" (attempt.id) "/propose" } {
                                                (signed.csrf())
                                                button type="submit" data-action="propose-reversal"
                                                    aria-label={ (signed.t(&label::PROPOSE)) " " (attempt.id) } {
                                                    (signed.t(&label::PROPOSE))
                                                }
                                            }
                                        }
                                    }
                                    Some(by) => {
                                        (signed.t(&label::PROPOSED_BY)) " " (by) "; "
                                        @if may_act && *by != signed.session.name {
                                            form.inline method="post" action={ "/admin/cards/" (attempt.id) "/approve" } {
                                                (signed.csrf())
                                                button type="submit" data-action="approve-reversal"
                                                    aria-label={ (signed.t(&label::APPROVE)) " " (attempt.id) } {
                                                    (signed.t(&label::APPROVE))
                                                }
                                            }
                                        } @else {
                                            (signed.t(&label::WAITING_FOR_ANOTHER))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (signed.t(&label::BUSINESS_DAYS)) }
        @if acquirers.is_empty() {
            p { (signed.t(&label::NO_ACQUIRER)) }
        }
        @if may_act {
            @for code in &acquirers {
                form method="post" action="/admin/cards/close-day" {
                    (signed.csrf())
                    input type="hidden" name="provider" value=(code.as_str());
                    p {
                        button type="submit" data-action="close-day" data-provider=(code.as_str()) {
                            (signed.t(&label::CLOSE_DAY)) " " (code.as_str())
                        }
                        " " (signed.t(&label::CLOSE_DAY_NOTE))
                    }
                }
            }
        }
        table data-table="card-days" {
            caption { (signed.t(&label::CLOSES_CAPTION)) }
            thead { tr {
                th scope="col" { (signed.t(&label::CLOSED)) }
                th scope="col" { (signed.t(&label::ACQUIRER)) }
                th scope="col" { (signed.t(&label::PERIOD_FROM)) }
                th scope="col" { (signed.t(&label::ACQUIRER_TOTALS)) }
                th scope="col" { (signed.t(&label::HUB_TOTALS)) }
                th scope="col" { (signed.t(&label::RESULT)) }
            } }
            tbody {
                @if closes.is_empty() {
                    tr { td colspan="6" { (signed.t(&label::NO_DAY_CLOSED)) } }
                }
                @for close in &closes {
                    tr data-matches=(close.matches()) {
                        th scope="row" { (close.closed_at) }
                        td { (close.provider.as_str()) }
                        td {
                            @if let Some(at) = close.period_from {
                                (at)
                            } @else {
                                (signed.t(&label::THE_BEGINNING))
                            }
                        }
                        td { (totals_cell(&signed, &close.acquirer)) }
                        td { (totals_cell(&signed, &close.hub)) }
                        td {
                            @if close.matches() {
                                (signed.t(&label::MATCH))
                            } @else {
                                strong { (signed.t(&label::DIFFER)) }
                            }
                        }
                    }
                }
            }
        }
    };
    frame::render(StatusCode::OK, title, "cards", &signed, body)
}

fn attempt_of(signed: &Signed<'_>, id: &str) -> Result<AttemptId, Response> {
    AttemptId::parse(id).ok_or_else(|| {
        frame::notice(
            StatusCode::NOT_FOUND,
            signed,
            "not-found",
            &console::NOT_FOUND_TITLE,
            signed.t(&label::NO_SUCH_ATTEMPT),
        )
    })
}

/// `POST /admin/cards/{id}/propose` (also `/reverse`, its old name).
pub async fn propose(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let attempt = match attempt_of(&signed, &id) {
        Ok(attempt) => attempt,
        Err(response) => return response,
    };
    match state
        .cards
        .propose_reversal(attempt, &signed.session.name)
        .await
    {
        Ok(Proposed::Now(_)) => Redirect::to("/admin/cards?notice=proposed").into_response(),
        Ok(Proposed::Already(_)) => {
            Redirect::to("/admin/cards?notice=already-proposed").into_response()
        }
        Ok(Proposed::Reversed(_)) => Redirect::to("/admin/cards?notice=already").into_response(),
        Err(error) => app_error(&signed, &error),
    }
}

/// `POST /admin/cards/{id}/approve`: another operator than the proposer.
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let attempt = match attempt_of(&signed, &id) {
        Ok(attempt) => attempt,
        Err(response) => return response,
    };
    match state
        .cards
        .approve_reversal(attempt, &signed.session.name)
        .await
    {
        Ok(Reversed::Now(_)) => Redirect::to("/admin/cards?notice=reversed").into_response(),
        Ok(Reversed::Already(_)) => Redirect::to("/admin/cards?notice=already").into_response(),
        Err(error) => app_error(&signed, &error),
    }
}

pub async fn close_day(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (signed, form) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(provider) = form.get("provider").and_then(|p| ProviderCode::parse(p)) else {
        return frame::notice(
            StatusCode::BAD_REQUEST,
            &signed,
            "refused",
            &label::REFUSED_TITLE,
            signed.t(&label::NAME_THE_ACQUIRER),
        );
    };
    match state.cards.close_day(&provider).await {
        Ok(close) if close.matches() => Redirect::to("/admin/cards?notice=closed").into_response(),
        Ok(_) => Redirect::to("/admin/cards?notice=mismatch").into_response(),
        Err(error) => app_error(&signed, &error),
    }
}

fn app_error(signed: &Signed<'_>, error: &AppError) -> Response {
    let (status, title, state) = match error {
        AppError::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            &console::NOT_FOUND_TITLE,
            "not-found",
        ),
        AppError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            &console::FORBIDDEN_TITLE,
            "forbidden",
        ),
        AppError::Conflict { .. } | AppError::BadInput { .. } => {
            (StatusCode::CONFLICT, &label::REFUSED_TITLE, "refused")
        }
        AppError::Unavailable(_) | AppError::StorageFull(_) | AppError::StorageFailed(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            &label::ACQUIRER_UNREACHABLE,
            "unavailable",
        ),
        _ => {
            tracing::error!(%error, "the card payments' page failed");
            return frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                signed,
                "unavailable",
                &console::UNAVAILABLE_TITLE,
                signed.t(&console::UNAVAILABLE),
            );
        }
    };
    // The service's message is in English and names the attempt: bounded.
    let message: String = error.to_string().chars().take(200).collect();
    frame::notice(status, signed, state, title, &message)
}
