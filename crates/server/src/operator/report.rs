//! `/admin/reconciliation`: the reconciliation report (saskaņošana) of a
//! range of days, its totals per currency, the table per day and account,
//! a chart of money expected against money received (inline SVG, its
//! numbers also in a table) and the paid payments whose money has not come.
//! Also what the Treasury pages share: the range of days a form asks for
//! and the page for a Treasury service's refusal.

use super::charts;
use super::dashboard::{asked_range, range_form};
use super::frame::{self, Signed};
use super::signed_money;
use crate::AppState;
use crate::labels::{Lang, Text, console as common, reconciliation as label};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maksa_app::operators::Role;
use maksa_app::treasury::{GroupTotals, Report, ReportTotals, TreasuryError};
use maud::{Markup, html};
use std::collections::{BTreeMap, HashMap};
use time::{Date, Duration};

/// The longest range a report covers.
pub const MAX_REPORT_DAYS: i64 = 366;
/// Days shown when the form names none.
const DEFAULT_DAYS: i64 = 30;
const DAY_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub(crate) fn parse_day(text: &str) -> Option<Date> {
    Date::parse(text.trim(), DAY_FORMAT).ok()
}

pub(crate) fn day_text(day: Date) -> String {
    day.format(DAY_FORMAT).unwrap_or_default()
}

/// Why a form's range of days is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RangeRefusal {
    /// `from` or `to` (the field) is not `YYYY-MM-DD`; the value, cut.
    NotADay(&'static str, String),
    EndBeforeStart {
        from: Date,
        to: Date,
    },
    TooLong,
}

impl RangeRefusal {
    /// The refusal in `lang`.
    pub(crate) fn text(&self, lang: Lang) -> String {
        match self {
            RangeRefusal::NotADay(field, value) => {
                format!("{field} {value:?} {}", lang.of(&label::NOT_A_DAY))
            }
            RangeRefusal::EndBeforeStart { from, to } => format!(
                "{} {to} {} {from}",
                lang.of(&label::RANGE_END),
                lang.of(&label::RANGE_BEFORE_START)
            ),
            RangeRefusal::TooLong => format!(
                "{} {MAX_REPORT_DAYS} {}",
                lang.of(&label::RANGE_AT_MOST),
                lang.of(&label::DAYS)
            ),
        }
    }
}

/// At most 40 characters of what a form sent, for a refusal to quote.
pub(crate) fn quoted(text: &str) -> String {
    text.chars().take(40).collect()
}

/// The range a form asks for, or the refusal to show.
pub(crate) fn range(
    query: &HashMap<String, String>,
    today: Date,
) -> Result<(Date, Date), RangeRefusal> {
    let read = |name: &'static str| -> Result<Option<Date>, RangeRefusal> {
        match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => parse_day(text)
                .map(Some)
                .ok_or_else(|| RangeRefusal::NotADay(name, quoted(text))),
        }
    };
    let to = read("to")?.unwrap_or(today);
    let from = read("from")?
        .unwrap_or_else(|| to.saturating_sub(Duration::days(DEFAULT_DAYS.saturating_sub(1))));
    if to < from {
        return Err(RangeRefusal::EndBeforeStart { from, to });
    }
    if i64::from(to.to_julian_day()).saturating_sub(i64::from(from.to_julian_day()))
        >= MAX_REPORT_DAYS
    {
        return Err(RangeRefusal::TooLong);
    }
    Ok((from, to))
}

/// The page for a Treasury service's error: 404 or 409 with the service's
/// reason, else 503.
pub(crate) fn treasury_error(signed: &Signed<'_>, error: &TreasuryError) -> Response {
    let (status, title, state) = match error {
        TreasuryError::NotFound(_) => {
            (StatusCode::NOT_FOUND, &common::NOT_FOUND_TITLE, "not-found")
        }
        TreasuryError::Refused(_) => (StatusCode::CONFLICT, &label::REFUSED_TITLE, "refused"),
        _ => {
            tracing::error!(%error, "a Treasury page failed");
            return frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                signed,
                "unavailable",
                &common::UNAVAILABLE_TITLE,
                signed.t(&common::UNAVAILABLE),
            );
        }
    };
    // The service's reason names the entry or order; it is not translated.
    let reason: String = error.to_string().chars().take(200).collect();
    frame::notice(status, signed, state, title, &reason)
}

/// 404 with `message`.
pub(crate) fn not_found(signed: &Signed<'_>, message: &Text) -> Response {
    frame::notice(
        StatusCode::NOT_FOUND,
        signed,
        "not-found",
        &common::NOT_FOUND_TITLE,
        signed.t(message),
    )
}

pub async fn report_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let (from, to) = match asked_range(
        &signed,
        &query,
        "/admin/reconciliation",
        &label::TITLE,
        "report",
    ) {
        Ok(range) => range,
        Err(response) => return response,
    };
    match signed.console.treasury.report(from, to).await {
        Ok(report) => frame::render(
            StatusCode::OK,
            signed.t(&label::TITLE),
            "report",
            &signed,
            render(&signed, &report),
        ),
        Err(error) => treasury_error(&signed, &error),
    }
}

/// The four outcome groups of a statement's credits: (key, column label).
const GROUPS: [(&str, &Text); 4] = [
    ("matched", &label::GROUP_MATCHED),
    ("differences", &label::GROUP_DIFFERENCES),
    ("unmatched", &label::GROUP_UNMATCHED),
    ("refund_candidates", &label::GROUP_REFUNDS),
];

fn group<'a>(totals: &'a ReportTotals, name: &str) -> &'a GroupTotals {
    match name {
        "matched" => &totals.matched,
        "differences" => &totals.differences,
        "unmatched" => &totals.unmatched,
        _ => &totals.refund_candidates,
    }
}

/// `count · money`, keyed for the tests.
fn group_cell(totals: &GroupTotals, key: &str) -> Markup {
    html! { td.num data-total=(key) { (totals.count) " · " (totals.amount) } }
}

fn render(signed: &Signed<'_>, report: &Report) -> Markup {
    let t = |text: &Text| signed.t(text);
    html! {
        h1 {
            (t(&label::TITLE)) " " (day_text(report.from)) " " (t(&label::RANGE_TO)) " "
            (day_text(report.to))
        }
        (range_form(signed, "/admin/reconciliation", report.from, report.to, html! {}))

        h2 { (t(&label::TOTALS)) }
        table data-table="totals" {
            caption { (t(&label::TOTALS_CAPTION)) }
            thead { tr {
                th scope="col" { (t(&label::CURRENCY)) }
                @for (_, name) in GROUPS { th scope="col" { (t(name)) } }
            } }
            tbody {
                @if report.totals.is_empty() {
                    tr { td colspan="5" { (t(&label::NO_ENTRIES_IN_DAYS)) } }
                }
                @for (currency, totals) in &report.totals {
                    tr {
                        th scope="row" { (currency) }
                        @for (name, _) in GROUPS {
                            (group_cell(group(totals, name), &format!("{currency}-{name}")))
                        }
                    }
                }
            }
        }

        h2 { (t(&label::PER_DAY)) }
        div.scroll role="region" aria-label=(t(&label::PER_DAY)) tabindex="0" {
            table data-table="days" {
                caption { (t(&label::PER_DAY_CAPTION)) }
                thead { tr {
                    th scope="col" { (t(&label::DAY)) }
                    th scope="col" { (t(&label::ACCOUNT)) }
                    th scope="col" { (t(&label::CURRENCY)) }
                    th scope="col" { (t(&label::OPENING)) }
                    th scope="col" { (t(&label::CLOSING)) }
                    @for (_, name) in GROUPS { th scope="col" { (t(name)) } }
                    th scope="col" { (t(&label::PENDING)) }
                    th scope="col" { (t(&label::DEBITS)) }
                    th scope="col" { (t(&label::CREDITS)) }
                    th scope="col" { (t(&label::BALANCED)) }
                    th scope="col" { (t(&label::EXPECTED)) }
                } }
                tbody {
                    @if report.days.is_empty() {
                        tr { td colspan="14" { (t(&label::NOTHING_IN_DAYS)) } }
                    }
                    @for day in &report.days {
                        @let day_label = day_text(day.day);
                        @let key = format!("{day_label}-{}", day.account);
                        @let entries = format!(
                            "/admin/entries?from={day_label}&to={day_label}&account={}",
                            url::form_urlencoded::byte_serialize(day.account.as_bytes()).collect::<String>()
                        );
                        tr data-day=(key) {
                            th scope="row" { a href=(entries) { (day_label) } }
                            td { (day.account) }
                            td { (day.currency) }
                            td.num { (day.opening_minor.map(signed_money).unwrap_or_else(|| "—".into())) }
                            td.num { (day.closing_minor.map(signed_money).unwrap_or_else(|| "—".into())) }
                            @for (name, _) in GROUPS {
                                (group_cell(group(&day.totals, name), &format!("{key}-{name}")))
                            }
                            (group_cell(&day.totals.pending, &format!("{key}-pending")))
                            (group_cell(&day.totals.debits, &format!("{key}-debits")))
                            td.num data-total={ (key) "-credits" } { (day.totals.credits()) }
                            @match day.balanced {
                                Some(true) => td data-balanced="yes" { (t(&label::BALANCED_YES)) },
                                Some(false) => td.balanced-no data-balanced="no" { (t(&label::BALANCED_NO)) },
                                None => td data-balanced="unknown" { (t(&label::BALANCED_UNKNOWN)) },
                            }
                            (group_cell(&day.expected, &format!("{key}-expected")))
                        }
                    }
                }
            }
        }

        (chart(signed, report))

        h2 {
            (t(&label::UNSETTLED_BEFORE)) " " (report.settle_within_business_days) " "
            (t(&label::UNSETTLED_AFTER))
        }
        @if report.unsettled.is_empty() {
            p data-unsettled="0" { (t(&label::NONE)) }
        } @else {
            div.scroll role="region" aria-label=(t(&label::UNSETTLED_CAPTION)) tabindex="0" {
                table data-unsettled=(report.unsettled.len()) {
                    caption { (t(&label::UNSETTLED_CAPTION)) }
                    thead { tr {
                        th scope="col" { (t(&label::PURPOSE_ID)) }
                        th scope="col" { (t(&label::REQUEST)) }
                        th scope="col" { (t(&label::AMOUNT)) }
                        th scope="col" { (t(&label::PAYEE_ACCOUNT)) }
                        th scope="col" { (t(&label::PAID_AT)) }
                    } }
                    tbody {
                        @for payment in &report.unsettled {
                            tr {
                                td { (payment.purpose_id) }
                                td {
                                    a href={ "/admin/requests/" (payment.request_id) } {
                                        (payment.request_id) "/" (payment.sequence)
                                    }
                                }
                                td.num { (payment.amount) " " (payment.currency) }
                                td { (payment.payee_iban) }
                                td { (day_text(payment.paid_at.date())) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Per currency and day: money expected (payments paid that day) and
/// received (the day's booked credits).
fn chart_series(report: &Report) -> BTreeMap<String, BTreeMap<Date, (i64, i64)>> {
    let mut series: BTreeMap<String, BTreeMap<Date, (i64, i64)>> = BTreeMap::new();
    for day in &report.days {
        let point = series
            .entry(day.currency.clone())
            .or_default()
            .entry(day.day)
            .or_insert((0, 0));
        point.0 = point.0.saturating_add(day.expected.amount.minor());
        point.1 = point.1.saturating_add(day.totals.credits().minor());
    }
    series
}

fn chart(signed: &Signed<'_>, report: &Report) -> Markup {
    let t = |text: &Text| signed.t(text);
    let series = chart_series(report);
    html! {
        h2 { (t(&label::CHART_TITLE)) }
        @if series.is_empty() {
            p { (t(&label::NOTHING_TO_DRAW)) }
        }
        @for (currency, days) in &series {
            @let id = format!("chart-{currency}");
            @let title = format!("{}, {currency}", t(&label::CHART_TITLE));
            @let drawn = charts::Chart {
                id: &id,
                title: &title,
                desc: t(&label::CHART_DESC),
                categories: days.keys().map(|day| day_text(*day)).collect(),
                short: days.keys().map(|day| day.day().to_string()).collect(),
                series: vec![
                    charts::Series {
                        name: t(&label::RECEIVED).into(),
                        values: days.values().map(|(_, received)| *received).collect(),
                    },
                    charts::Series {
                        name: t(&label::EXPECTED).into(),
                        values: days.values().map(|(expected, _)| *expected).collect(),
                    },
                ],
                format: signed_money,
            };
            figure {
                (charts::grouped_bars(&drawn))
                figcaption { (t(&label::CHART_CAPTION)) }
            }
            div.scroll role="region" aria-label={ (title) " " (t(&label::CHART_NUMBERS)) } tabindex="0" {
                table data-table=(id) {
                    caption { (title) " " (t(&label::CHART_NUMBERS)) }
                    thead { tr {
                        th scope="col" { (t(&label::DAY)) }
                        th scope="col" { (t(&label::EXPECTED)) }
                        th scope="col" { (t(&label::RECEIVED)) }
                        th scope="col" { (t(&label::DIFFERENCE)) }
                    } }
                    tbody {
                        @for (day, (expected, received)) in days {
                            tr {
                                th scope="row" { (day_text(*day)) }
                                td.num { (signed_money(*expected)) }
                                td.num { (signed_money(*received)) }
                                td.num { (signed_money(received.saturating_sub(*expected))) }
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
    use time::macros::date;

    #[test]
    fn the_range_defaults_to_thirty_days_and_is_bounded() {
        let today = date!(2026 - 11 - 30);
        let none = HashMap::new();
        assert_eq!(range(&none, today), Ok((date!(2026 - 11 - 01), today)));
        let mut query = HashMap::new();
        query.insert("from".to_owned(), "2024-01-01".to_owned());
        assert_eq!(range(&query, today), Err(RangeRefusal::TooLong));
        query.insert("from".to_owned(), "30.11.2026".to_owned());
        let refused = range(&query, today).expect_err("refused");
        assert!(refused.text(Lang::En).contains("is not a day"));
        assert!(refused.text(Lang::Lv).contains("nav diena"));
        query.insert("from".to_owned(), "2026-12-01".to_owned());
        let refused = range(&query, today).expect_err("refused");
        assert_eq!(
            refused.text(Lang::En),
            "the end 2026-11-30 is before the start 2026-12-01"
        );
    }
}
