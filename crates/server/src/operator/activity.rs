//! The activity log at `/admin/activity`: every operator's action from the
//! audit trail (actor `operator:*`), newest first, a page at a time
//! (`after` = the last id of the page before), filtered by operator and by
//! kind, with what each changed (`before`/`after`). It calls
//! `maksa_app::operators::Operators::activity`; this module only translates.

use super::frame;
use crate::AppState;
use crate::labels::{accounts as label, console};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maksa_app::operators::{MAX_NAME_CHARS, Role};
use maksa_app::store::ActivityQuery;
use maud::html;
use std::collections::HashMap;

/// Actions on one page.
pub const PAGE: u32 = 50;
/// The longest kind filter accepted.
const MAX_KIND_CHARS: usize = 64;
/// The longest before/after shown (characters).
const MAX_SHOWN_CHARS: usize = 400;

fn shown(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(value) => {
            let text = value.to_string();
            if text.chars().count() > MAX_SHOWN_CHARS {
                let mut cut: String = text.chars().take(MAX_SHOWN_CHARS).collect();
                cut.push('…');
                cut
            } else {
                text
            }
        }
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
    let filter = |key: &str, max: usize| {
        query
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(max).collect::<String>())
    };
    let operator = filter("operator", MAX_NAME_CHARS);
    let kind = filter("kind", MAX_KIND_CHARS);
    let after = query
        .get("after")
        .and_then(|a| a.trim().parse::<i64>().ok());
    let asked = ActivityQuery {
        operator: operator.clone(),
        kind: kind.clone(),
        after,
        limit: PAGE,
    };
    let entries = match signed.console.operators.activity(&asked).await {
        Ok(entries) => entries,
        Err(error) => {
            tracing::error!(%error, "the activity log failed");
            return frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                &signed,
                "unavailable",
                &console::UNAVAILABLE_TITLE,
                signed.t(&console::UNAVAILABLE),
            );
        }
    };
    let next = (entries.len() == usize::try_from(PAGE).unwrap_or(usize::MAX))
        .then(|| entries.last().map(|e| e.id))
        .flatten()
        .map(|last| {
            let mut link = url::form_urlencoded::Serializer::new(String::new());
            if let Some(operator) = &operator {
                link.append_pair("operator", operator);
            }
            if let Some(kind) = &kind {
                link.append_pair("kind", kind);
            }
            link.append_pair("after", &last.to_string());
            format!("/admin/activity?{}", link.finish())
        });
    let title = signed.t(&label::ACTIVITY_TITLE);
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/admin/activity" {
            p {
                label for="operator" { (signed.t(&label::WHO)) } " "
                input id="operator" name="operator" maxlength="64" value=(operator.as_deref().unwrap_or_default());
            }
            p {
                label for="kind" { (signed.t(&label::KIND)) } " "
                input id="kind" name="kind" maxlength="64" value=(kind.as_deref().unwrap_or_default());
            }
            p { button type="submit" data-action="filter" { (signed.t(&label::FILTER)) } }
        }
        div.scroll role="region" aria-label=(signed.t(&label::ACTIVITY_CAPTION)) tabindex="0" {
            table data-table="activity" {
                caption { (signed.t(&label::ACTIVITY_CAPTION)) }
                thead { tr {
                    th scope="col" { (signed.t(&label::WHEN)) }
                    th scope="col" { (signed.t(&label::WHO)) }
                    th scope="col" { (signed.t(&label::KIND)) }
                    th scope="col" { (signed.t(&label::BEFORE)) }
                    th scope="col" { (signed.t(&label::AFTER)) }
                } }
                tbody {
                    @if entries.is_empty() {
                        tr { td colspan="5" { (signed.t(&label::NOTHING)) } }
                    }
                    @for entry in &entries {
                        @let who = entry.event.actor.strip_prefix("operator:").unwrap_or(&entry.event.actor);
                        tr data-activity=(entry.id) data-kind=(entry.event.kind) data-operator=(who) {
                            th scope="row" { (entry.event.at) }
                            td { (who) }
                            td { (entry.event.kind) }
                            td data-before { (shown(entry.event.detail.get("before"))) }
                            td data-after { (shown(entry.event.detail.get("after"))) }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p { a href=(next) data-action="next-page" { (signed.t(&label::NEXT_PAGE)) } }
        }
    };
    frame::render(StatusCode::OK, title, "activity", &signed, body)
}
