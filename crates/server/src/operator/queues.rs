//! `/admin/queues`: what waits for a person (docs/operator.md, "Queues") —
//! dead server notifications and payer e-mail with their re-sends, and the
//! open payments whose outcome no status query learned. Calls
//! `maksa_app::queues::Queues`, the same service as `maksa notifications`.

use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::console as frame_label;
use crate::labels::queues as label;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maksa_app::operators::Role;
use maksa_domain::datetime::riga_offset_at;
use maksa_domain::ids::PaymentRequestId;
use maud::{Markup, html};
use std::collections::HashMap;
use time::OffsetDateTime;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/queues", get(page))
        .route(
            "/admin/queues/notifications/resend",
            post(resend_notifications),
        )
        .route("/admin/queues/payer-mail/resend", post(resend_payer_mail))
}

/// `YYYY-MM-DD HH:MM` in Riga time.
pub(crate) fn riga_minute(at: OffsetDateTime) -> String {
    let local = at.to_offset(riga_offset_at(at));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

fn request_link(id: PaymentRequestId) -> Markup {
    html! { a href={ "/admin/requests/" (id) } { code { (id) } } }
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let queues = &state.queues;
    let (notifications, messages, unresolved) = match (
        queues.dead_notifications().await,
        queues.dead_payer_messages().await,
        queues.unresolved_payments().await,
    ) {
        (Ok(n), Ok(m), Ok(u)) => (n, m, u),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            tracing::error!(%error, "the queues page failed");
            return unavailable(&signed);
        }
    };
    let may_act = signed.may(Role::Operator);
    let notice = query.get("notice").and_then(|n| {
        let count = query
            .get("count")
            .and_then(|c| c.parse::<u64>().ok())
            .unwrap_or(0);
        let text = match n.as_str() {
            "notifications-resent" => signed.t(&label::NOTIFICATIONS_RESENT),
            "payer-mail-resent" => signed.t(&label::PAYER_MAIL_RESENT),
            _ => return None,
        };
        Some((n.clone(), text, count))
    });
    let title = signed.t(&label::TITLE);
    let body = html! {
        h1 { (title) }
        @if let Some((kind, text, count)) = &notice {
            p.notice role="status" data-notice=(kind) { (text) " " (count) }
        }
        p { (signed.t(&label::INTRO)) }

        h2 id="dead-notifications" { (signed.t(&label::DEAD_NOTIFICATIONS)) " (" (notifications.len()) ")" }
        @if notifications.is_empty() {
            p data-empty="dead-notifications" { (signed.t(&label::NONE)) }
        } @else {
            @if may_act {
                form method="post" action="/admin/queues/notifications/resend" {
                    (signed.csrf())
                    input type="hidden" name="all" value="yes";
                    button type="submit" data-action="resend-all-notifications" {
                        (signed.t(&label::RESEND_ALL))
                    }
                }
            }
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::DEAD_NOTIFICATIONS)) {
                table data-table="dead-notifications" {
                    thead { tr {
                        th scope="col" { (signed.t(&label::REQUEST)) }
                        th scope="col" { (signed.t(&label::CLIENT)) }
                        th scope="col" { (signed.t(&label::STATUS)) }
                        th scope="col" { (signed.t(&label::ATTEMPTS)) }
                        th scope="col" { (signed.t(&label::CREATED)) }
                        @if may_act { th scope="col" { (signed.t(&label::ACTION)) } }
                    } }
                    tbody {
                        @for n in &notifications {
                            tr data-notification=(n.id) {
                                th scope="row" { (request_link(n.request_id)) }
                                td { (n.client) }
                                td { (n.status.letter()) }
                                td.num { (n.attempts) }
                                td { (riga_minute(n.created_at)) }
                                @if may_act {
                                    td {
                                        form.inline method="post" action="/admin/queues/notifications/resend" {
                                            (signed.csrf())
                                            input type="hidden" name="id" value=(n.id);
                                            button type="submit" data-action="resend-notification" {
                                                (signed.t(&label::RESEND))
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

        h2 id="dead-payer-mail" { (signed.t(&label::DEAD_PAYER_MAIL)) " (" (messages.len()) ")" }
        @if messages.is_empty() {
            p data-empty="dead-payer-mail" { (signed.t(&label::NONE)) }
        } @else {
            @if may_act {
                form method="post" action="/admin/queues/payer-mail/resend" {
                    (signed.csrf())
                    input type="hidden" name="all" value="yes";
                    button type="submit" data-action="resend-all-payer-mail" {
                        (signed.t(&label::RESEND_ALL))
                    }
                }
            }
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::DEAD_PAYER_MAIL)) {
                table data-table="dead-payer-mail" {
                    thead { tr {
                        th scope="col" { (signed.t(&label::REQUEST)) }
                        th scope="col" { (signed.t(&label::MESSAGE_KIND)) }
                        th scope="col" { (signed.t(&label::ATTEMPTS)) }
                        th scope="col" { (signed.t(&label::LAST_ERROR)) }
                        th scope="col" { (signed.t(&label::CREATED)) }
                        @if may_act { th scope="col" { (signed.t(&label::ACTION)) } }
                    } }
                    tbody {
                        @for m in &messages {
                            tr data-payer-message=(m.request_id) {
                                th scope="row" { (request_link(m.request_id)) }
                                td { (m.kind.as_str()) }
                                td.num { (m.attempts) }
                                td { (m.last_error.as_deref().unwrap_or("").chars().take(200).collect::<String>()) }
                                td { (riga_minute(m.created_at)) }
                                @if may_act {
                                    td {
                                        form.inline method="post" action="/admin/queues/payer-mail/resend" {
                                            (signed.csrf())
                                            input type="hidden" name="request" value=(m.request_id);
                                            button type="submit" data-action="resend-payer-mail" {
                                                (signed.t(&label::RESEND))
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

        h2 id="unresolved" { (signed.t(&label::UNRESOLVED)) " (" (unresolved.len()) ")" }
        p { (signed.t(&label::UNRESOLVED_HELP)) }
        @if unresolved.is_empty() {
            p data-empty="unresolved" { (signed.t(&label::NONE)) }
        } @else {
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::UNRESOLVED)) {
                table data-table="unresolved" {
                    thead { tr {
                        th scope="col" { (signed.t(&label::REQUEST)) }
                        th scope="col" { (signed.t(&label::PAYMENT)) }
                        th scope="col" { (signed.t(&label::PROVIDER)) }
                        th scope="col" { (signed.t(&label::AMOUNT)) }
                        th scope="col" { (signed.t(&label::SINCE)) }
                    } }
                    tbody {
                        @for a in &unresolved {
                            tr data-attempt=(a.id) {
                                th scope="row" { (request_link(a.request_id)) }
                                td.num { (a.sequence) }
                                td { (a.provider) }
                                td.num { (a.amount) " " (a.currency) }
                                td { (riga_minute(a.created_at)) }
                            }
                        }
                    }
                }
            }
        }
    };
    frame::render(StatusCode::OK, title, "queues", &signed, body)
}

fn unavailable(signed: &Signed<'_>) -> Response {
    frame::notice(
        StatusCode::SERVICE_UNAVAILABLE,
        signed,
        "unavailable",
        &frame_label::UNAVAILABLE_TITLE,
        signed.t(&frame_label::UNAVAILABLE),
    )
}

fn bad_form(signed: &Signed<'_>) -> Response {
    frame::notice(
        StatusCode::BAD_REQUEST,
        signed,
        "bad-form",
        &label::BAD_FORM_TITLE,
        signed.t(&label::BAD_FORM),
    )
}

/// `all=yes`: every dead one; else the one `field` names.
fn chosen<T>(
    form: &HashMap<String, String>,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<Option<Vec<T>>> {
    if form.get("all").map(String::as_str) == Some("yes") {
        return Some(None);
    }
    let one = parse(form.get(field)?.trim())?;
    Some(Some(vec![one]))
}

async fn resend_notifications(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body): (_, Body) = request.into_parts();
    let (signed, form) =
        match frame::console_action(&state, &parts.headers, body, Role::Operator).await {
            Ok(signed) => signed,
            Err(response) => return response,
        };
    let Some(ids) = chosen(&form, "id", |t| uuid::Uuid::parse_str(t).ok()) else {
        return bad_form(&signed);
    };
    match state
        .queues
        .resend_notifications(ids.as_deref(), &signed.actor())
        .await
    {
        Ok(count) => Redirect::to(&format!(
            "/admin/queues?notice=notifications-resent&count={count}"
        ))
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "re-sending notifications failed");
            unavailable(&signed)
        }
    }
}

async fn resend_payer_mail(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body): (_, Body) = request.into_parts();
    let (signed, form) =
        match frame::console_action(&state, &parts.headers, body, Role::Operator).await {
            Ok(signed) => signed,
            Err(response) => return response,
        };
    let Some(requests) = chosen(&form, "request", PaymentRequestId::parse) else {
        return bad_form(&signed);
    };
    match state
        .queues
        .resend_payer_messages(requests.as_deref(), &signed.actor())
        .await
    {
        Ok(count) => Redirect::to(&format!(
            "/admin/queues?notice=payer-mail-resent&count={count}"
        ))
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "re-sending payer e-mail failed");
            unavailable(&signed)
        }
    }
}
