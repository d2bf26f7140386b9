//! `GET /admin/limits` (viewer, docs/rate-limits.md): the configured rate
//! limits and this node's recent refusals, per client and method or per
//! address, with their counts and last time.

use super::frame;
use crate::AppState;
use crate::labels::{Text, limits as label};
use crate::rate_limits::Rate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maksa_app::operators::Role;
use maud::html;

pub(crate) async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(answer) => return answer,
    };
    let limiter = state.rate_limits.as_deref();
    let rows: Vec<(&Text, Rate)> = limiter
        .map(|l| {
            let s = l.settings();
            vec![
                (&label::CREATE, s.create),
                (&label::QUERY, s.query),
                (&label::PAGES, s.pages),
                (&label::SIGN_IN, s.sign_in),
            ]
        })
        .unwrap_or_default();
    let refusals = limiter.map(|l| l.refusals()).unwrap_or_default();
    let title = signed.t(&label::TITLE);
    frame::render(
        StatusCode::OK,
        title,
        "limits",
        &signed,
        html! {
            h1 { (title) }
            p { (signed.t(&label::INTRO)) }
            h2 { (signed.t(&label::CONFIGURED)) }
            @if let Some(limiter) = limiter {
                table data-table="configured" {
                    thead {
                        tr {
                            th scope="col" { (signed.t(&label::APPLIES_TO)) }
                            th scope="col" { (signed.t(&label::RATE)) }
                            th scope="col" { (signed.t(&label::BURST)) }
                        }
                    }
                    tbody {
                        @for (text, rate) in &rows {
                            tr {
                                th scope="row" { (signed.t(text)) }
                                td { (rate.describe()) }
                                td { (rate.burst) }
                            }
                        }
                    }
                }
                p { (signed.t(&label::TRACKED)) ": " (limiter.settings().max_keys) }
            } @else {
                p data-notice="off" { (signed.t(&label::OFF)) }
            }
            h2 { (signed.t(&label::REFUSALS)) }
            p { (signed.t(&label::REFUSALS_NOTE)) }
            @if refusals.is_empty() {
                p data-notice="none" { (signed.t(&label::NO_REFUSALS)) }
            } @else {
                table data-table="refusals" {
                    thead {
                        tr {
                            th scope="col" { (signed.t(&label::WHO)) }
                            th scope="col" { (signed.t(&label::DOOR)) }
                            th scope="col" { (signed.t(&label::METHOD)) }
                            th scope="col" { (signed.t(&label::COUNT)) }
                            th scope="col" { (signed.t(&label::LAST)) }
                        }
                    }
                    tbody {
                        @for refusal in &refusals {
                            tr {
                                th scope="row" { (refusal.subject.describe()) }
                                td { (refusal.door) }
                                td { (refusal.method) }
                                td { (refusal.count) }
                                td { (crate::fields::rfc3339(refusal.last).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        },
    )
}
