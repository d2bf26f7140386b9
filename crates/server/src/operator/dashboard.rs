//! `/admin/`: the dashboard (docs/dashboard.md) — a range of Riga days
//! (default the last 30, at most 366), the queues that need a person, the
//! share of requests paid, money per day by provider and by service, the
//! providers' success rates and times to confirmation, and the
//! notifications' health. The numbers come from
//! `maksa_app::dashboard::Dashboard`; the charts from `charts.rs`, each
//! followed by a table of the same numbers.

use super::charts::{self, Chart, Series};
use super::frame::{self, Signed};
use super::report::{day_text, range};
use super::signed_money;
use crate::AppState;
use crate::labels::{Lang, Text, console as common, dashboard as label};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maksa_app::dashboard::{Dashboard, DashboardView, DayMoney, ProviderHealth, Tally};
use maksa_app::operators::Role;
use maksa_domain::datetime::riga_offset_at;
use maud::{Markup, html};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::{Date, Duration};

/// The Riga day of the operator's clock.
pub(crate) fn riga_today(signed: &Signed<'_>) -> Date {
    let now = signed.console.operators.now();
    now.to_offset(riga_offset_at(now)).date()
}

/// The range form, shared with the reports (`action`, and more fields).
pub(crate) fn range_form(
    signed: &Signed<'_>,
    action: &str,
    from: Date,
    to: Date,
    more: Markup,
) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            fieldset {
                legend { (signed.t(&label::RANGE_LEGEND)) }
                p {
                    label for="from" { (signed.t(&label::FROM)) } br;
                    input id="from" name="from" type="date" value=(day_text(from));
                }
                p {
                    label for="to" { (signed.t(&label::TO)) } br;
                    input id="to" name="to" type="date" value=(day_text(to));
                }
                (more)
                p { button type="submit" data-action="show-range" { (signed.t(&label::SHOW)) } }
            }
            p.hint { (signed.t(&label::RANGE_HINT)) }
        }
    }
}

/// The range asked for, or the page refusing it (400, with the form).
pub(crate) fn asked_range(
    signed: &Signed<'_>,
    query: &HashMap<String, String>,
    action: &str,
    title: &Text,
    data_state: &str,
) -> Result<(Date, Date), Response> {
    let today = riga_today(signed);
    range(query, today).map_err(|message| {
        let from = today.saturating_sub(Duration::days(29));
        frame::render(
            StatusCode::BAD_REQUEST,
            signed.t(title),
            data_state,
            signed,
            html! {
                h1 { (signed.t(title)) }
                p.notice role="alert" data-notice="range" {
                    (signed.t(&label::BAD_RANGE)) " " (message.text(signed.lang))
                }
                (range_form(signed, action, from, today, html! {}))
            },
        )
    })
}

pub(crate) fn unavailable(signed: &Signed<'_>, error: &maksa_app::error::AppError) -> Response {
    tracing::error!(%error, "a console report failed");
    frame::notice(
        StatusCode::SERVICE_UNAVAILABLE,
        signed,
        "unavailable",
        &common::UNAVAILABLE_TITLE,
        signed.t(&common::UNAVAILABLE),
    )
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let (from, to) = match asked_range(&signed, &query, "/admin/", &label::TITLE, "dashboard") {
        Ok(range) => range,
        Err(response) => return response,
    };
    let dashboard = Dashboard::new(state.store.clone());
    let view = match dashboard.view(from, to).await {
        Ok(view) => view,
        Err(error) => return unavailable(&signed, &error),
    };
    let card_refunds = state
        .cards
        .refunds_due(MAX_CARD_REFUNDS)
        .await
        .map(|due| due.len());
    let body = html! {
        h1 { (signed.t(&label::TITLE)) " " (day_text(view.from)) " – " (day_text(view.to)) }
        (range_form(&signed, "/admin/", view.from, view.to, html! {}))
        (render(signed.lang, &view, card_refunds.ok()))
    };
    frame::render(
        StatusCode::OK,
        signed.t(&label::TITLE),
        "dashboard",
        &signed,
        body,
    )
}

/// Card refunds counted at most (shown as "1000+").
const MAX_CARD_REFUNDS: u32 = 1000;

/// The dashboard's body as HTML text, for `maksa-bench`'s dashboard run
/// (docs/PERFORMANCE.md): what the page renders, without the frame.
pub fn render_html(lang: Lang, view: &DashboardView, card_refunds: Option<usize>) -> String {
    render(lang, view, card_refunds).into_string()
}

/// The dashboard's body.
pub fn render(lang: Lang, view: &DashboardView, card_refunds: Option<usize>) -> Markup {
    html! {
        (queues(lang, view, card_refunds))
        (share(lang, view))
        (money(lang, view, "provider", &label::BY_PROVIDER, &view.by_provider))
        (money(lang, view, "service", &label::BY_SERVICE, &view.by_service))
        (providers(lang, &view.providers))
        (notifications(lang, view))
    }
}

fn queues(lang: Lang, view: &DashboardView, card_refunds: Option<usize>) -> Markup {
    let card_refunds = match card_refunds {
        Some(n) if n >= usize::try_from(MAX_CARD_REFUNDS).unwrap_or(usize::MAX) => format!("{n}+"),
        Some(n) => n.to_string(),
        None => "—".to_owned(),
    };
    let rows: [(&str, &Text, String, &str); 4] = [
        (
            "unresolved",
            &label::QUEUE_UNRESOLVED,
            view.queues.unresolved_attempts.to_string(),
            "/admin/queues#unresolved",
        ),
        (
            "refund-candidates",
            &label::QUEUE_REFUNDS,
            view.queues.refund_candidates.to_string(),
            "/admin/entries?outcome=refund_candidate",
        ),
        (
            "card-refunds",
            &label::QUEUE_CARD_REFUNDS,
            card_refunds,
            "/admin/cards",
        ),
        (
            "dead-notifications",
            &label::QUEUE_DEAD,
            view.queues.dead_notifications.to_string(),
            "/admin/queues#dead-notifications",
        ),
    ];
    html! {
        section aria-labelledby="queues" {
            h2 id="queues" { (lang.of(&label::QUEUES)) }
            ul.queues {
                @for (key, text, count, link) in rows {
                    li data-queue=(key) {
                        a href=(link) { (lang.of(text)) ": " strong data-count=(key) { (count) } }
                    }
                }
            }
        }
    }
}

fn day_short(day: Date) -> String {
    day.day().to_string()
}

fn share(lang: Lang, view: &DashboardView) -> Markup {
    let (created, paid) = view.requests_total();
    let chart = Chart {
        id: "requests-paid",
        title: lang.of(&label::SHARE),
        desc: lang.of(&label::SHARE_CHART_DESC),
        categories: view.requests.iter().map(|d| day_text(d.day)).collect(),
        short: view.requests.iter().map(|d| day_short(d.day)).collect(),
        series: vec![
            Series {
                name: lang.of(&label::CREATED).to_owned(),
                values: view.requests.iter().map(|d| int(d.created)).collect(),
            },
            Series {
                name: lang.of(&label::PAID).to_owned(),
                values: view.requests.iter().map(|d| int(d.paid)).collect(),
            },
        ],
        format: |v| v.to_string(),
    };
    html! {
        section aria-labelledby="share" {
            h2 id="share" { (lang.of(&label::SHARE)) }
            p data-share=(format!("{paid}/{created}")) {
                (lang.of(&label::SHARE_SUMMARY)) " "
                strong { (paid) " / " (created) }
                @if let Some(permille) = paid.saturating_mul(1000).checked_div(created) {
                    " (" (percent(permille)) ")"
                }
            }
            figure { (charts::line(&chart)) }
            (charts::table(&chart, lang.of(&label::SHARE_TABLE), lang.of(&label::DAY), None))
        }
    }
}

fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Tenths of a percent as `12.3%`.
fn percent(permille: u64) -> String {
    format!(
        "{}.{}%",
        permille.checked_div(10).unwrap_or(0),
        permille.checked_rem(10).unwrap_or(0)
    )
}

/// Seconds as `h:mm:ss`.
fn duration(seconds: Option<i64>) -> String {
    match seconds {
        None => "—".to_owned(),
        Some(s) => {
            let s = s.max(0);
            format!(
                "{}:{:02}:{:02}",
                s.checked_div(3600).unwrap_or(0),
                s.checked_div(60)
                    .and_then(|m| m.checked_rem(60))
                    .unwrap_or(0),
                s.checked_rem(60).unwrap_or(0)
            )
        }
    }
}

/// Money per day by a key, one chart and table per currency, then the
/// totals per key.
fn money(lang: Lang, view: &DashboardView, id: &str, title: &Text, rows: &[DayMoney]) -> Markup {
    let mut days: Vec<Date> = Vec::new();
    let mut day = view.from;
    while day <= view.to {
        days.push(day);
        let Some(next) = day.next_day() else { break };
        day = next;
    }
    let mut per_currency: BTreeMap<&str, BTreeMap<&str, BTreeMap<Date, i64>>> = BTreeMap::new();
    let mut totals: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    for row in rows {
        let by_day = per_currency
            .entry(row.currency.as_str())
            .or_default()
            .entry(row.key.as_str())
            .or_default()
            .entry(row.day)
            .or_insert(0);
        *by_day = by_day.saturating_add(row.tally.minor);
        let total = totals
            .entry((row.currency.as_str(), row.key.as_str()))
            .or_default();
        total.count = total.count.saturating_add(row.tally.count);
        total.minor = total.minor.saturating_add(row.tally.minor);
    }
    let keys: BTreeSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    html! {
        section aria-labelledby=(id) {
            h2 id=(id) { (lang.of(title)) }
            @if per_currency.is_empty() {
                p data-empty=(id) { (lang.of(&label::NOTHING_PAID)) }
            }
            @for (currency, by_key) in &per_currency {
                (money_chart(lang, id, title, currency, by_key, &days))
            }
            @if !keys.is_empty() {
                table data-table={ "totals-" (id) } {
                    caption { (lang.of(&label::TOTALS_TABLE)) }
                    thead {
                        tr {
                            th scope="col" { (lang.of(&label::NAME)) }
                            th scope="col" { (lang.of(&label::CURRENCY)) }
                            th scope="col" { (lang.of(&label::COUNT)) }
                            th scope="col" { (lang.of(&label::MONEY)) }
                        }
                    }
                    tbody {
                        @for ((currency, key), total) in &totals {
                            tr data-total={ (id) "-" (key) "-" (currency) } {
                                th scope="row" { (key) }
                                td { (currency) }
                                td.num data-count { (total.count) }
                                td.num data-money { (signed_money(total.minor)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One currency's money per day by key: the stacked bars and their table.
fn money_chart(
    lang: Lang,
    id: &str,
    title: &Text,
    currency: &str,
    by_key: &BTreeMap<&str, BTreeMap<Date, i64>>,
    days: &[Date],
) -> Markup {
    let chart_id = format!("by-{id}-{currency}");
    let chart_title = format!("{} ({currency})", lang.of(title));
    let chart = Chart {
        id: &chart_id,
        title: &chart_title,
        desc: lang.of(&label::MONEY_CHART_DESC),
        categories: days.iter().map(|d| day_text(*d)).collect(),
        short: days.iter().map(|d| day_short(*d)).collect(),
        series: by_key
            .iter()
            .map(|(key, by_day)| Series {
                name: (*key).to_owned(),
                values: days
                    .iter()
                    .map(|d| by_day.get(d).copied().unwrap_or(0))
                    .collect(),
            })
            .collect(),
        format: signed_money,
    };
    let caption = format!("{} ({currency})", lang.of(&label::MONEY_TABLE));
    html! {
        figure { (charts::stacked_bars(&chart)) }
        (charts::table(&chart, &caption, lang.of(&label::DAY), Some(lang.of(&label::TOTAL))))
    }
}

fn providers(lang: Lang, providers: &[ProviderHealth]) -> Markup {
    let chart = Chart {
        id: "provider-success",
        title: lang.of(&label::SUCCESS),
        desc: lang.of(&label::PROVIDERS_CHART_DESC),
        categories: providers.iter().map(|p| p.provider.clone()).collect(),
        short: providers.iter().map(|p| p.provider.clone()).collect(),
        series: vec![Series {
            name: lang.of(&label::SUCCESS).to_owned(),
            values: providers
                .iter()
                .map(|p| int(p.success_permille.unwrap_or(0)))
                .collect(),
        }],
        format: |permille| percent(u64::try_from(permille).unwrap_or(0)),
    };
    html! {
        section aria-labelledby="providers" {
            h2 id="providers" { (lang.of(&label::PROVIDERS)) }
            @if providers.is_empty() {
                p data-empty="providers" { (lang.of(&label::NO_ATTEMPTS)) }
            } @else {
                figure { (charts::grouped_bars(&chart)) }
                div.scroll role="region" aria-label=(lang.of(&label::PROVIDERS_TABLE)) tabindex="0" {
                    table data-table="providers" {
                        caption { (lang.of(&label::PROVIDERS_TABLE)) }
                        thead {
                            tr {
                                th scope="col" { (lang.of(&label::PROVIDER)) }
                                th scope="col" { (lang.of(&label::STARTED)) }
                                th scope="col" { (lang.of(&label::EXECUTED)) }
                                th scope="col" { (lang.of(&label::REJECTED)) }
                                th scope="col" { (lang.of(&label::OPEN)) }
                                th scope="col" { (lang.of(&label::SUCCESS)) }
                                th scope="col" { (lang.of(&label::MEDIAN)) }
                                th scope="col" { (lang.of(&label::P90)) }
                            }
                        }
                        tbody {
                            @for p in providers {
                                tr data-provider=(p.provider) {
                                    th scope="row" { (p.provider) }
                                    td.num data-started { (p.started) }
                                    td.num data-executed { (p.executed) }
                                    td.num data-rejected { (p.rejected) }
                                    td.num data-open { (p.open) }
                                    td.num data-success {
                                        @match p.success_permille {
                                            Some(permille) => { (percent(permille)) }
                                            None => { "—" }
                                        }
                                    }
                                    td.num data-median { (duration(p.median_seconds)) }
                                    td.num data-p90 { (duration(p.p90_seconds)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn notifications(lang: Lang, view: &DashboardView) -> Markup {
    let health = &view.notifications;
    html! {
        section aria-labelledby="notifications" {
            h2 id="notifications" { (lang.of(&label::NOTIFICATIONS)) }
            table data-table="notifications" {
                caption { (lang.of(&label::NOTIFICATIONS_TABLE)) }
                thead {
                    tr {
                        th scope="col" { (lang.of(&label::DELIVERED)) }
                        th scope="col" { (lang.of(&label::WAITING)) }
                        th scope="col" { (lang.of(&label::RETRYING)) }
                        th scope="col" { (lang.of(&label::DEAD)) }
                        th scope="col" { (lang.of(&label::OLDEST_PENDING)) }
                    }
                }
                tbody {
                    tr {
                        td.num data-notifications="delivered" { (health.delivered) }
                        td.num data-notifications="waiting" { (health.waiting) }
                        td.num data-notifications="retrying" { (health.retrying) }
                        td.num data-notifications="dead" { (health.dead) }
                        td data-notifications="oldest" {
                            @match health.oldest_pending {
                                Some(at) => {
                                    @let local = at.to_offset(riga_offset_at(at));
                                    (day_text(local.date())) " "
                                    (format!("{:02}:{:02}", local.hour(), local.minute()))
                                }
                                None => { (lang.of(&label::NONE_PENDING)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_percentages_read_plainly() {
        assert_eq!(duration(Some(3725)), "1:02:05");
        assert_eq!(duration(Some(42)), "0:00:42");
        assert_eq!(duration(None), "—");
        assert_eq!(percent(1000), "100.0%");
        assert_eq!(percent(667), "66.7%");
    }
}
