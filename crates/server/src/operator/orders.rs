//! The payment orders: the list (filtered by state) with Approve and
//! Cancel, "Write batch", the batches and the exchange log.

use super::{
    csrf_field, escape, message_page, page, signed_in_page, signed_in_post, treasury_error,
};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::treasury::TreasuryError;
use maksa_domain::payment_order::{OrderState, Proposer, may_approve};
use std::collections::HashMap;
use std::fmt::Write;

/// Orders listed at most.
pub const MAX_ORDERS_LISTED: u32 = 200;
/// Batches listed per state at most.
pub const MAX_BATCHES_LISTED: u32 = 50;
/// Exchanges listed at most.
pub const MAX_EXCHANGES_LISTED: u32 = 50;

fn notice_text(notice: &str) -> Option<&'static str> {
    Some(match notice {
        "proposed" => "The refund was proposed. Another step: approve it below.",
        "approved" => "The order was approved.",
        "cancelled" => "The order was cancelled.",
        "batches" => "The approved orders were written into batches.",
        "nothing" => "No approved order was waiting for a batch.",
        _ => return None,
    })
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (console, session, token) = match signed_in_page(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let signed = Some((&session, token.as_str()));
    let wanted = query
        .get("state")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let filter = match wanted {
        None => None,
        Some(text) => match OrderState::parse(text) {
            Some(state) => Some(state),
            None => {
                return message_page(
                    StatusCode::BAD_REQUEST,
                    "Payment orders",
                    "refused",
                    &format!(
                        "state {:?} is not known",
                        text.chars().take(40).collect::<String>()
                    ),
                    signed,
                );
            }
        },
    };
    let store = console.treasury.store();
    let orders = match store.payment_orders(filter, MAX_ORDERS_LISTED).await {
        Ok(orders) => orders,
        Err(error) => return treasury_error(&error.into(), &session, &token),
    };
    let mut body = String::from("<h1>Payment orders</h1>");
    if let Some(text) = query.get("notice").and_then(|n| notice_text(n)) {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"status\" data-notice=\"{}\">{text}</p>",
            escape(query.get("notice").map(String::as_str).unwrap_or_default())
        );
    }
    let mut options = String::from("<option value=\"\">any</option>");
    for state in OrderState::ALL {
        let _ = write!(
            options,
            "<option value=\"{s}\"{sel}>{s}</option>",
            s = state.as_str(),
            sel = if filter == Some(state) {
                " selected"
            } else {
                ""
            }
        );
    }
    let _ = write!(
        body,
        "<form method=\"get\" action=\"/admin/orders\" class=\"filters\">\
         <p><label for=\"state\">State</label><br><select id=\"state\" name=\"state\">{options}</select></p>\
         <p><button type=\"submit\" data-action=\"filter\">Show</button></p></form>\
         <form method=\"post\" action=\"/admin/batches\">{csrf}\
         <p><button type=\"submit\" data-action=\"write-batch\">Write batch</button> of every approved order (pain.001)</p></form>",
        csrf = csrf_field(&token)
    );
    body.push_str(
        "<div class=\"scroll\" role=\"region\" aria-label=\"Orders\" tabindex=\"0\"><table data-table=\"orders\">\
         <caption>Payment orders, newest first</caption><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Creditor</th><th scope=\"col\">Amount</th><th scope=\"col\">State</th><th scope=\"col\">Proposed by</th>\
         <th scope=\"col\">Approved by</th><th scope=\"col\">Treasury's status</th><th scope=\"col\">Actions</th></tr></thead><tbody>",
    );
    if orders.is_empty() {
        body.push_str("<tr><td colspan=\"9\">No orders.</td></tr>");
    }
    for order in &orders {
        let mut actions = String::new();
        if order.state.may_become(OrderState::Approved) {
            let _ = write!(
                actions,
                "<form class=\"inline\" method=\"post\" action=\"/admin/orders/{id}/approve\">{csrf}\
                 <button type=\"submit\" data-action=\"approve\" aria-label=\"Approve order {id}\">Approve</button></form>",
                id = order.id,
                csrf = csrf_field(&token)
            );
        }
        if order.state.may_become(OrderState::Cancelled) {
            let _ = write!(
                actions,
                "<form class=\"inline\" method=\"post\" action=\"/admin/orders/{id}/cancel\">{csrf}\
                 <button type=\"submit\" class=\"secondary\" data-action=\"cancel\" aria-label=\"Cancel order {id}\">Cancel</button></form>",
                id = order.id,
                csrf = csrf_field(&token)
            );
        }
        let entry = order
            .entry_id
            .map(|e| format!(" of <a href=\"/admin/entries/{e}\">entry {e}</a>"))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr data-order=\"{id}\"><th scope=\"row\">{id} <span class=\"badge\">{e2e}</span></th><td>{kind}{entry}</td>\
             <td>{name}<br>{iban}</td><td class=\"num\">{amount} {currency}</td><td data-state=\"{state}\">{state}</td>\
             <td>{proposed}</td><td>{approved}</td><td>{status}</td><td>{actions}</td></tr>",
            id = order.id,
            e2e = escape(&order.end_to_end_id),
            kind = escape(&order.kind),
            name = escape(&order.creditor_name),
            iban = escape(&order.creditor_iban),
            amount = order.amount,
            currency = escape(&order.currency),
            state = order.state.as_str(),
            proposed = escape(&order.proposed_by),
            approved = escape(order.approved_by.as_deref().unwrap_or("—")),
            status = escape(
                &[order.status_code.as_deref(), order.status_reason.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
    }
    body.push_str("</tbody></table></div>");

    body.push_str(
        "<h2>Batches</h2><table data-table=\"batches\"><caption>pain.001 batches by state</caption><thead><tr>\
         <th scope=\"col\">Message id</th><th scope=\"col\">Version</th><th scope=\"col\">Orders</th><th scope=\"col\">Control sum</th>\
         <th scope=\"col\">State</th><th scope=\"col\">Created</th></tr></thead><tbody>",
    );
    let mut any = false;
    for batch_state in ["ready", "submitted", "answered"] {
        let batches = match store.payment_batches(batch_state, MAX_BATCHES_LISTED).await {
            Ok(batches) => batches,
            Err(error) => return treasury_error(&error.into(), &session, &token),
        };
        for batch in batches {
            any = true;
            let _ = write!(
                body,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&batch.message_id),
                escape(&batch.version),
                batch.orders,
                batch.control_sum,
                escape(&batch.state),
                batch.created_at
            );
        }
    }
    if !any {
        body.push_str("<tr><td colspan=\"6\">No batches.</td></tr>");
    }
    body.push_str("</tbody></table>");

    let exchanges = match store.exchanges(MAX_EXCHANGES_LISTED).await {
        Ok(exchanges) => exchanges,
        Err(error) => return treasury_error(&error.into(), &session, &token),
    };
    body.push_str(
        "<h2>Exchanges with the Treasury</h2><table data-table=\"exchanges\"><caption>The newest exchanges first</caption><thead><tr>\
         <th scope=\"col\">At</th><th scope=\"col\">Operation</th><th scope=\"col\">Subject</th><th scope=\"col\">Outcome</th>\
         <th scope=\"col\">Detail</th></tr></thead><tbody>",
    );
    if exchanges.is_empty() {
        body.push_str("<tr><td colspan=\"5\">No exchanges yet.</td></tr>");
    }
    for exchange in &exchanges {
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            exchange.at,
            escape(&exchange.operation),
            escape(&exchange.subject),
            escape(&exchange.outcome),
            escape(&exchange.detail)
        );
    }
    body.push_str("</tbody></table>");
    page(StatusCode::OK, "Payment orders", "orders", &body, signed)
}

async fn move_order(
    state: AppState,
    headers: HeaderMap,
    id: String,
    body: Body,
    approve: bool,
) -> Response {
    let (console, session, token) = match signed_in_post(&state, &headers, body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(id) = id.parse::<i64>() else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "not-found",
            "There is no such payment order.",
            Some((&session, &token)),
        );
    };
    let moved = if approve {
        console.treasury.approve_order(id, &session.name).await
    } else {
        console.treasury.cancel_order(id, &session.name).await
    };
    match moved {
        Ok(_) if approve => Redirect::to("/admin/orders?notice=approved").into_response(),
        Ok(_) => Redirect::to("/admin/orders?notice=cancelled").into_response(),
        Err(TreasuryError::Refused(_))
            if approve && own_order(console, id, &session.name).await =>
        {
            message_page(
                StatusCode::CONFLICT,
                "Another operator must approve",
                "four-eyes",
                &format!(
                    "You entered payment order {id} yourself: another operator has to approve it (four eyes)."
                ),
                Some((&session, &token)),
            )
        }
        Err(error) => treasury_error(&error, &session, &token),
    }
}

/// Whether the refusal was the four-eyes rule: the order is one the
/// operator entered (the service decided; this only picks the message).
async fn own_order(console: &super::OperatorConsole, id: i64, operator: &str) -> bool {
    match console.treasury.store().payment_order(id).await {
        Ok(Some(order)) => !may_approve(&Proposer::from_stored(&order.proposed_by), operator),
        _ => false,
    }
}

pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    move_order(state, headers, id, body, true).await
}

pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    move_order(state, headers, id, body, false).await
}

pub async fn write_batches(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (console, session, token) = match signed_in_post(&state, &headers, body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match console.treasury.build_batches(&session.name).await {
        Ok(batches) if batches.is_empty() => {
            Redirect::to("/admin/orders?notice=nothing").into_response()
        }
        Ok(_) => Redirect::to("/admin/orders?notice=batches").into_response(),
        Err(error) => treasury_error(&error, &session, &token),
    }
}
