//! The card payments' page (docs/providers/firstdata.md): card payments
//! whose request could not take the money, each with Reverse (the operator's
//! approval of the acquirer's reversal), and the business days closed at
//! each acquirer with both sides' totals, a mismatch marked, and Close the
//! day now. They call `maksa_app::cards::Cards`; this module only translates.

use super::{
    csrf_field, escape, message_page, page, signed_in_page, signed_in_post, signed_in_post_form,
    signed_money,
};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::cards::Reversed;
use maksa_app::error::AppError;
use maksa_app::store::CardTotals;
use maksa_domain::attempt::AttemptId;
use maksa_domain::codes::ProviderCode;
use std::collections::HashMap;
use std::fmt::Write;

/// Payments due for a reversal listed at most.
pub const MAX_REFUNDS_LISTED: u32 = 200;
/// Day closes listed at most.
pub const MAX_CLOSES_LISTED: u32 = 60;

fn notice_text(notice: &str) -> Option<&'static str> {
    Some(match notice {
        "reversed" => "The card payment was reversed: the money goes back to the card.",
        "already" => "That card payment had already been reversed.",
        "closed" => "The business day was closed; its totals match the hub's.",
        "mismatch" => {
            "The business day was closed, and its totals differ from the hub's: see the table."
        }
        _ => return None,
    })
}

fn totals_cell(totals: &CardTotals) -> String {
    format!(
        "{} payments {} · {} reversals {}",
        totals.debit_count,
        signed_money(totals.debit_minor),
        totals.reversal_count,
        signed_money(totals.reversal_minor)
    )
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (_, session, token) = match signed_in_page(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let signed = Some((&session, token.as_str()));
    let (due, closes) = match (
        state.cards.refunds_due(MAX_REFUNDS_LISTED).await,
        state.cards.day_closes(MAX_CLOSES_LISTED).await,
    ) {
        (Ok(due), Ok(closes)) => (due, closes),
        (Err(error), _) | (_, Err(error)) => return app_error(&error, signed),
    };
    let mut body = String::from("<h1>Card payments</h1>");
    if let Some(text) = query.get("notice").and_then(|n| notice_text(n)) {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"status\" data-notice=\"{}\">{text}</p>",
            escape(query.get("notice").map(String::as_str).unwrap_or_default())
        );
    }
    body.push_str(
        "<h2>To give back</h2><p>Card payments that arrived for a request that could not take them \
         (cancelled, expired, or paid another way meanwhile). Reverse asks the acquirer to return \
         the whole amount to the card.</p>\
         <div class=\"scroll\" role=\"region\" aria-label=\"Card payments to give back\" tabindex=\"0\">\
         <table data-table=\"card-refunds\"><caption>Oldest first</caption><thead><tr>\
         <th scope=\"col\">Payment attempt</th><th scope=\"col\">Request</th><th scope=\"col\">Acquirer</th>\
         <th scope=\"col\">Acquirer's id</th><th scope=\"col\">Amount</th><th scope=\"col\">Paid</th>\
         <th scope=\"col\">Action</th></tr></thead><tbody>",
    );
    if due.is_empty() {
        body.push_str("<tr><td colspan=\"7\">Nothing to give back.</td></tr>");
    }
    for attempt in &due {
        let _ = write!(
            body,
            "<tr data-attempt=\"{id}\"><th scope=\"row\">{id}</th><td>{request}</td><td>{provider}</td>\
             <td>{reference}</td><td class=\"num\">{amount} {currency}</td><td>{at}</td>\
             <td><form class=\"inline\" method=\"post\" action=\"/admin/cards/{id}/reverse\">{csrf}\
             <button type=\"submit\" data-action=\"reverse\" aria-label=\"Reverse card payment {id}\">Reverse</button></form></td></tr>",
            id = attempt.id,
            request = attempt.request_id,
            provider = escape(attempt.provider.as_str()),
            reference = escape(attempt.external_id.as_deref().unwrap_or("—")),
            amount = signed_money(attempt.amount.minor()),
            currency = escape(attempt.currency.as_str()),
            at = attempt.updated_at,
            csrf = csrf_field(&token),
        );
    }
    body.push_str("</tbody></table></div>");

    body.push_str("<h2>Business days</h2>");
    let acquirers = state.cards.acquirers();
    if acquirers.is_empty() {
        body.push_str("<p>No card acquirer is connected.</p>");
    }
    for code in &acquirers {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/admin/cards/close-day\">{csrf}\
             <input type=\"hidden\" name=\"provider\" value=\"{code}\">\
             <p><button type=\"submit\" data-action=\"close-day\" data-provider=\"{code}\">Close the day now at {code}</button> \
             (it is also closed every day at the configured time)</p></form>",
            code = escape(code.as_str()),
            csrf = csrf_field(&token),
        );
    }
    body.push_str(
        "<table data-table=\"card-days\"><caption>Closed days, newest first: the acquirer's totals beside the hub's</caption>\
         <thead><tr><th scope=\"col\">Closed</th><th scope=\"col\">Acquirer</th><th scope=\"col\">Period from</th>\
         <th scope=\"col\">Acquirer's totals</th><th scope=\"col\">The hub's totals</th><th scope=\"col\">Result</th></tr></thead><tbody>",
    );
    if closes.is_empty() {
        body.push_str("<tr><td colspan=\"6\">No day closed yet.</td></tr>");
    }
    for close in &closes {
        let matches = close.matches();
        let _ = write!(
            body,
            "<tr data-matches=\"{matches}\"><th scope=\"row\">{closed}</th><td>{provider}</td><td>{from}</td>\
             <td>{acquirer}</td><td>{hub}</td><td>{result}</td></tr>",
            closed = close.closed_at,
            provider = escape(close.provider.as_str()),
            from = close
                .period_from
                .map_or_else(|| "the beginning".to_owned(), |at| at.to_string()),
            acquirer = totals_cell(&close.acquirer),
            hub = totals_cell(&close.hub),
            result = if matches {
                "match"
            } else {
                "<strong>differ: find the payment the two sides disagree on</strong>"
            },
        );
    }
    body.push_str("</tbody></table>");
    page(StatusCode::OK, "Card payments", "cards", &body, signed)
}

pub async fn reverse(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (_, session, token) = match signed_in_post(&state, &headers, body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let signed = Some((&session, token.as_str()));
    let Some(attempt) = AttemptId::parse(&id) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "not-found",
            "There is no such payment attempt.",
            signed,
        );
    };
    match state.cards.reverse(attempt, &session.name).await {
        Ok(Reversed::Now(_)) => Redirect::to("/admin/cards?notice=reversed").into_response(),
        Ok(Reversed::Already(_)) => Redirect::to("/admin/cards?notice=already").into_response(),
        Err(error) => app_error(&error, signed),
    }
}

pub async fn close_day(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (_, session, token, form) = match signed_in_post_form(&state, &headers, body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let signed = Some((&session, token.as_str()));
    let Some(provider) = form.get("provider").and_then(|p| ProviderCode::parse(p)) else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "Refused",
            "refused",
            "Name the acquirer whose day to close.",
            signed,
        );
    };
    match state.cards.close_day(&provider).await {
        Ok(close) if close.matches() => Redirect::to("/admin/cards?notice=closed").into_response(),
        Ok(_) => Redirect::to("/admin/cards?notice=mismatch").into_response(),
        Err(error) => app_error(&error, signed),
    }
}

fn app_error(
    error: &AppError,
    signed: Option<(&maksa_app::operators::OperatorSession, &str)>,
) -> Response {
    let (status, title, state) = match error {
        AppError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found", "not-found"),
        AppError::Conflict { .. } | AppError::BadInput { .. } => {
            (StatusCode::CONFLICT, "Refused", "refused")
        }
        AppError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The acquirer could not be reached",
            "unavailable",
        ),
        _ => {
            tracing::error!(%error, "the card payments' page failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "unavailable",
            )
        }
    };
    let message: String = error.to_string().chars().take(200).collect();
    message_page(status, title, state, &message, signed)
}
