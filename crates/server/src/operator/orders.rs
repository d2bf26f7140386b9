//! The payment orders (maksājuma uzdevumi): the list (filtered by state)
//! with Approve and Cancel, "Write batch", the batches and the exchange log.

use super::frame::{self, Signed};
use super::report::{quoted, treasury_error};
use crate::AppState;
use crate::labels::{Text, reconciliation as label};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::operators::Role;
use maksa_app::treasury::TreasuryError;
use maksa_domain::payment_order::{OrderState, Proposer, may_approve};
use maud::html;
use std::collections::HashMap;

/// Orders listed at most.
pub const MAX_ORDERS_LISTED: u32 = 200;
/// Batches listed per state at most.
pub const MAX_BATCHES_LISTED: u32 = 50;
/// Exchanges listed at most.
pub const MAX_EXCHANGES_LISTED: u32 = 50;

fn notice_text(notice: &str) -> Option<&'static Text> {
    Some(match notice {
        "proposed" => &label::NOTICE_PROPOSED,
        "approved" => &label::NOTICE_APPROVED,
        "cancelled" => &label::NOTICE_CANCELLED,
        "batches" => &label::NOTICE_BATCHES,
        "nothing" => &label::NOTICE_NOTHING,
        _ => return None,
    })
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
    let filter = match query
        .get("state")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(text) => match OrderState::parse(text) {
            Some(state) => Some(state),
            None => {
                let message = format!(
                    "state {:?} {}",
                    quoted(text),
                    signed.t(&label::UNKNOWN_STATE)
                );
                return frame::notice(
                    StatusCode::BAD_REQUEST,
                    &signed,
                    "refused",
                    &label::BAD_FILTER_TITLE,
                    &message,
                );
            }
        },
    };
    let store = signed.console.treasury.store();
    let orders = match store.payment_orders(filter, MAX_ORDERS_LISTED).await {
        Ok(orders) => orders,
        Err(error) => return treasury_error(&signed, &error.into()),
    };
    let mut batches = Vec::new();
    for batch_state in ["ready", "submitted", "answered"] {
        match store.payment_batches(batch_state, MAX_BATCHES_LISTED).await {
            Ok(found) => batches.extend(found),
            Err(error) => return treasury_error(&signed, &error.into()),
        }
    }
    let exchanges = match store.exchanges(MAX_EXCHANGES_LISTED).await {
        Ok(exchanges) => exchanges,
        Err(error) => return treasury_error(&signed, &error.into()),
    };
    let notice = query
        .get("notice")
        .and_then(|n| notice_text(n).map(|text| (n.as_str(), text)));
    let may_act = signed.may(Role::Operator);
    let t = |text: &Text| signed.t(text);
    let title = t(&label::ORDERS_TITLE);
    let body = html! {
        h1 { (title) }
        @if let Some((key, text)) = notice {
            p.notice role="status" data-notice=(key) { (t(text)) }
        }
        form.filters method="get" action="/admin/orders" {
            p {
                label for="state" { (t(&label::STATE)) } br;
                select id="state" name="state" {
                    option value="" { (t(&label::ANY)) }
                    @for state in OrderState::ALL {
                        option value=(state.as_str()) selected[filter == Some(state)] { (state.as_str()) }
                    }
                }
            }
            p { button type="submit" data-action="filter" { (t(&label::SHOW)) } }
        }
        @if may_act {
            form method="post" action="/admin/batches" {
                (signed.csrf())
                p {
                    button type="submit" data-action="write-batch" { (t(&label::WRITE_BATCH)) }
                    " " (t(&label::WRITE_BATCH_HINT))
                }
            }
        }
        div.scroll role="region" aria-label=(t(&label::ORDERS_REGION)) tabindex="0" {
            table data-table="orders" {
                caption { (t(&label::ORDERS_CAPTION)) }
                thead { tr {
                    th scope="col" { (t(&label::ORDER)) }
                    th scope="col" { (t(&label::KIND)) }
                    th scope="col" { (t(&label::CREDITOR)) }
                    th scope="col" { (t(&label::AMOUNT)) }
                    th scope="col" { (t(&label::STATE)) }
                    th scope="col" { (t(&label::PROPOSED_BY)) }
                    th scope="col" { (t(&label::APPROVED_BY)) }
                    th scope="col" { (t(&label::TREASURY_STATUS)) }
                    th scope="col" { (t(&label::ACTIONS)) }
                } }
                tbody {
                    @if orders.is_empty() {
                        tr { td colspan="9" { (t(&label::NO_ORDERS)) } }
                    }
                    @for order in &orders {
                        tr data-order=(order.id) {
                            th scope="row" { (order.id) " " span.badge { (order.end_to_end_id) } }
                            td {
                                (order.kind)
                                @if let Some(entry) = order.entry_id {
                                    " " (t(&label::OF_ENTRY)) " "
                                    a href={ "/admin/entries/" (entry) } { (entry) }
                                }
                            }
                            td { (order.creditor_name) br; (order.creditor_iban) }
                            td.num { (order.amount) " " (order.currency) }
                            td data-state=(order.state.as_str()) { (order.state.as_str()) }
                            td { (order.proposed_by) }
                            td { (order.approved_by.as_deref().unwrap_or("—")) }
                            td {
                                ([order.status_code.as_deref(), order.status_reason.as_deref()]
                                    .into_iter()
                                    .flatten()
                                    .collect::<Vec<_>>()
                                    .join(" "))
                            }
                            td {
                                @if may_act && order.state.may_become(OrderState::Approved) {
                                    form.inline method="post" action={ "/admin/orders/" (order.id) "/approve" } {
                                        (signed.csrf())
                                        button type="submit" data-action="approve"
                                            aria-label={ (t(&label::APPROVE_ORDER)) " " (order.id) } {
                                            (t(&label::APPROVE))
                                        }
                                    }
                                }
                                @if may_act && order.state.may_become(OrderState::Cancelled) {
                                    form.inline method="post" action={ "/admin/orders/" (order.id) "/cancel" } {
                                        (signed.csrf())
                                        button.secondary type="submit" data-action="cancel"
                                            aria-label={ (t(&label::CANCEL_ORDER)) " " (order.id) } {
                                            (t(&label::CANCEL))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        h2 { (t(&label::BATCHES)) }
        div.scroll role="region" aria-label=(t(&label::BATCHES)) tabindex="0" {
            table data-table="batches" {
                caption { (t(&label::BATCHES_CAPTION)) }
                thead { tr {
                    th scope="col" { (t(&label::MESSAGE_ID)) }
                    th scope="col" { (t(&label::VERSION)) }
                    th scope="col" { (t(&label::ORDERS_COUNT)) }
                    th scope="col" { (t(&label::CONTROL_SUM)) }
                    th scope="col" { (t(&label::STATE)) }
                    th scope="col" { (t(&label::CREATED)) }
                } }
                tbody {
                    @if batches.is_empty() {
                        tr { td colspan="6" { (t(&label::NO_BATCHES)) } }
                    }
                    @for batch in &batches {
                        tr {
                            th scope="row" { (batch.message_id) }
                            td { (batch.version) }
                            td.num { (batch.orders) }
                            td.num { (batch.control_sum) }
                            td { (batch.state) }
                            td { (batch.created_at) }
                        }
                    }
                }
            }
        }

        h2 { (t(&label::EXCHANGES)) }
        div.scroll role="region" aria-label=(t(&label::EXCHANGES)) tabindex="0" {
            table data-table="exchanges" {
                caption { (t(&label::EXCHANGES_CAPTION)) }
                thead { tr {
                    th scope="col" { (t(&label::AT)) }
                    th scope="col" { (t(&label::OPERATION)) }
                    th scope="col" { (t(&label::SUBJECT)) }
                    th scope="col" { (t(&label::OUTCOME)) }
                    th scope="col" { (t(&label::DETAIL)) }
                } }
                tbody {
                    @if exchanges.is_empty() {
                        tr { td colspan="5" { (t(&label::NO_EXCHANGES)) } }
                    }
                    @for exchange in &exchanges {
                        tr {
                            th scope="row" { (exchange.at) }
                            td { (exchange.operation) }
                            td { (exchange.subject) }
                            td { (exchange.outcome) }
                            td { (exchange.detail) }
                        }
                    }
                }
            }
        }
    };
    frame::render(StatusCode::OK, title, "orders", &signed, body)
}

async fn move_order(
    state: AppState,
    headers: HeaderMap,
    id: String,
    body: Body,
    approve: bool,
) -> Response {
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(id) = id.parse::<i64>() else {
        return super::report::not_found(&signed, &label::NO_SUCH_ORDER);
    };
    let treasury = &signed.console.treasury;
    let operator = signed.session.name.as_str();
    let moved = if approve {
        treasury.approve_order(id, operator).await
    } else {
        treasury.cancel_order(id, operator).await
    };
    match moved {
        Ok(_) if approve => Redirect::to("/admin/orders?notice=approved").into_response(),
        Ok(_) => Redirect::to("/admin/orders?notice=cancelled").into_response(),
        Err(TreasuryError::Refused(_)) if approve && own_order(&signed, id).await => {
            let message = format!(
                "{} {id} {}",
                signed.t(&label::FOUR_EYES_BEFORE),
                signed.t(&label::FOUR_EYES_AFTER)
            );
            frame::notice(
                StatusCode::CONFLICT,
                &signed,
                "four-eyes",
                &label::FOUR_EYES_TITLE,
                &message,
            )
        }
        Err(error) => treasury_error(&signed, &error),
    }
}

/// Whether the refusal was the four-eyes rule: the order is one the
/// operator entered (the service decided; this only picks the message).
async fn own_order(signed: &Signed<'_>, id: i64) -> bool {
    match signed.console.treasury.store().payment_order(id).await {
        Ok(Some(order)) => !may_approve(
            &Proposer::from_stored(&order.proposed_by),
            &signed.session.name,
        ),
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
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match signed
        .console
        .treasury
        .build_batches(&signed.session.name)
        .await
    {
        Ok(batches) if batches.is_empty() => {
            Redirect::to("/admin/orders?notice=nothing").into_response()
        }
        Ok(_) => Redirect::to("/admin/orders?notice=batches").into_response(),
        Err(error) => treasury_error(&signed, &error),
    }
}
