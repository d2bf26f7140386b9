//! `/admin/`: the reconciliation report of a range of days, its totals
//! per currency, the table per day and account, a chart of money expected
//! against money received (inline SVG, its numbers also in a table) and
//! the paid payments whose money has not come.

use super::{charts, escape, page, signed_in_page, signed_money};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maksa_app::treasury::{GroupTotals, Report, ReportTotals};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
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

/// The range a form asks for, or the refusal to show.
pub(crate) fn range(query: &HashMap<String, String>, today: Date) -> Result<(Date, Date), String> {
    let read = |name: &str| -> Result<Option<Date>, String> {
        match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => parse_day(text).map(Some).ok_or_else(|| {
                format!(
                    "{name} {:?} is not a day (YYYY-MM-DD)",
                    text.chars().take(40).collect::<String>()
                )
            }),
        }
    };
    let to = read("to")?.unwrap_or(today);
    let from = read("from")?
        .unwrap_or_else(|| to.saturating_sub(Duration::days(DEFAULT_DAYS.saturating_sub(1))));
    if to < from {
        return Err(format!("the end {to} is before the start {from}"));
    }
    if i64::from(to.to_julian_day()).saturating_sub(i64::from(from.to_julian_day()))
        >= MAX_REPORT_DAYS
    {
        return Err(format!("a report covers at most {MAX_REPORT_DAYS} days"));
    }
    Ok((from, to))
}

pub async fn page_handler(
    state: &AppState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Response {
    let (console, session, token) = match signed_in_page(state, headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let today = console.operators.now().date();
    let signed = Some((&session, token.as_str()));
    let (from, to) = match range(query, today) {
        Ok(range) => range,
        Err(message) => {
            let body = format!(
                "<h1>Reconciliation</h1><p class=\"notice\" role=\"alert\">{}</p>{}",
                escape(&message),
                range_form(
                    today.saturating_sub(Duration::days(DEFAULT_DAYS - 1)),
                    today
                )
            );
            return page(
                StatusCode::BAD_REQUEST,
                "Reconciliation",
                "report",
                &body,
                signed,
            );
        }
    };
    match console.treasury.report(from, to).await {
        Ok(report) => page(
            StatusCode::OK,
            "Reconciliation",
            "report",
            &render(&report),
            signed,
        ),
        Err(error) => super::treasury_error(&error, &session, &token),
    }
}

pub async fn report_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    page_handler(&state, &headers, &query).await
}

fn range_form(from: Date, to: Date) -> String {
    format!(
        "<form method=\"get\" action=\"/admin/reconciliation\" class=\"filters\">\
         <p><label for=\"from\">From</label><br><input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></p>\
         <p><label for=\"to\">To</label><br><input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></p>\
         <p><button type=\"submit\" data-action=\"show-report\">Show</button></p></form>",
        day_text(from),
        day_text(to)
    )
}

fn group_cell(totals: &GroupTotals, key: &str) -> String {
    format!(
        "<td class=\"num\" data-total=\"{key}\">{} · {}</td>",
        totals.count, totals.amount
    )
}

const GROUPS: [(&str, &str); 4] = [
    ("matched", "Matched and settled"),
    ("differences", "Matched with a difference"),
    ("unmatched", "Unmatched credits"),
    ("refund_candidates", "Refund candidates"),
];

fn group<'a>(totals: &'a ReportTotals, name: &str) -> &'a GroupTotals {
    match name {
        "matched" => &totals.matched,
        "differences" => &totals.differences,
        "unmatched" => &totals.unmatched,
        _ => &totals.refund_candidates,
    }
}

fn render(report: &Report) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Reconciliation {} to {}</h1>{}",
        day_text(report.from),
        day_text(report.to),
        range_form(report.from, report.to)
    );
    // Totals per currency.
    let _ = write!(
        body,
        "<h2>Totals</h2><table data-table=\"totals\"><caption>Statement credits by outcome, per currency (count · money)</caption>\
         <thead><tr><th scope=\"col\">Currency</th>"
    );
    for (_, label) in GROUPS {
        let _ = write!(body, "<th scope=\"col\">{label}</th>");
    }
    body.push_str("</tr></thead><tbody>");
    if report.totals.is_empty() {
        let _ = write!(
            body,
            "<tr><td colspan=\"5\">No statement entries in these days.</td></tr>"
        );
    }
    for (currency, totals) in &report.totals {
        let currency = escape(currency);
        let _ = write!(body, "<tr><th scope=\"row\">{currency}</th>");
        for (name, _) in GROUPS {
            body.push_str(&group_cell(
                group(totals, name),
                &format!("{currency}-{name}"),
            ));
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");

    // Per day and account.
    body.push_str(
        "<h2>Per day and account</h2><div class=\"scroll\" role=\"region\" aria-label=\"Per day and account\" tabindex=\"0\">\
         <table data-table=\"days\"><caption>Each day's statement: balances, what its credits were judged, and the money expected (count · money)</caption>\
         <thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Account</th><th scope=\"col\">Currency</th>\
         <th scope=\"col\">Opening balance</th><th scope=\"col\">Closing balance</th>",
    );
    for (_, label) in GROUPS {
        let _ = write!(body, "<th scope=\"col\">{label}</th>");
    }
    body.push_str(
        "<th scope=\"col\">Pending</th><th scope=\"col\">Debits</th><th scope=\"col\">Credits</th>\
         <th scope=\"col\">Balanced</th><th scope=\"col\">Expected</th></tr></thead><tbody>",
    );
    if report.days.is_empty() {
        body.push_str("<tr><td colspan=\"14\">Nothing in these days.</td></tr>");
    }
    for day in &report.days {
        let day_label = day_text(day.day);
        let account = escape(&day.account);
        let key = format!("{day_label}-{}", day.account);
        let entries_link = format!(
            "/admin/entries?from={day_label}&to={day_label}&account={}",
            url::form_urlencoded::byte_serialize(day.account.as_bytes()).collect::<String>()
        );
        let _ = write!(
            body,
            "<tr data-day=\"{key}\"><th scope=\"row\"><a href=\"{link}\">{day_label}</a></th><td>{account}</td><td>{currency}</td>\
             <td class=\"num\">{opening}</td><td class=\"num\">{closing}</td>",
            key = escape(&key),
            link = escape(&entries_link),
            currency = escape(&day.currency),
            opening = day
                .opening_minor
                .map(signed_money)
                .unwrap_or_else(|| "—".into()),
            closing = day
                .closing_minor
                .map(signed_money)
                .unwrap_or_else(|| "—".into()),
        );
        for (name, _) in GROUPS {
            body.push_str(&group_cell(
                group(&day.totals, name),
                &format!("{key}-{name}"),
            ));
        }
        body.push_str(&group_cell(&day.totals.pending, &format!("{key}-pending")));
        body.push_str(&group_cell(&day.totals.debits, &format!("{key}-debits")));
        let _ = write!(
            body,
            "<td class=\"num\" data-total=\"{}-credits\">{}</td>",
            escape(&key),
            day.totals.credits()
        );
        let balanced = match day.balanced {
            Some(true) => "<td data-balanced=\"yes\">Yes: opening + credits − debits = closing</td>".to_owned(),
            Some(false) => "<td data-balanced=\"no\" class=\"balanced-no\">No: the entries do not add up to the closing balance</td>".to_owned(),
            None => "<td data-balanced=\"unknown\">Not yet: no end-of-day statement</td>".to_owned(),
        };
        body.push_str(&balanced);
        body.push_str(&group_cell(&day.expected, &format!("{key}-expected")));
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table></div>");

    chart(&mut body, report);

    // Paid payments with no money.
    let _ = write!(
        body,
        "<h2>Paid, no money after {} business days</h2>",
        report.settle_within_business_days
    );
    if report.unsettled.is_empty() {
        body.push_str("<p data-unsettled=\"0\">None.</p>");
    } else {
        let _ = write!(
            body,
            "<table data-unsettled=\"{}\"><caption>Payments a provider confirmed whose money no statement shows</caption>\
             <thead><tr><th scope=\"col\">Payment identifier</th><th scope=\"col\">Request</th><th scope=\"col\">Amount</th>\
             <th scope=\"col\">Payee account</th><th scope=\"col\">Paid at</th></tr></thead><tbody>",
            report.unsettled.len()
        );
        for payment in &report.unsettled {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}/{}</td><td class=\"num\">{} {}</td><td>{}</td><td>{}</td></tr>",
                escape(&payment.purpose_id),
                payment.request_id,
                payment.sequence,
                payment.amount,
                escape(&payment.currency),
                escape(&payment.payee_iban),
                payment.paid_at.date()
            );
        }
        body.push_str("</tbody></table>");
    }
    body
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

fn chart(body: &mut String, report: &Report) {
    body.push_str("<h2>Money expected and received per day</h2>");
    let series = chart_series(report);
    if series.is_empty() {
        body.push_str("<p>Nothing to draw in these days.</p>");
        return;
    }
    for (currency, days) in &series {
        let currency = escape(currency);
        let id = format!("chart-{currency}");
        let title = format!("Money expected and received per day, {currency}");
        let drawn = charts::Chart {
            id: &id,
            title: &title,
            desc: "Bars per day: received money (solid) beside expected money (hatched). \
                   The same numbers are in the table that follows.",
            categories: days.keys().map(|day| day_text(*day)).collect(),
            short: days.keys().map(|day| day.day().to_string()).collect(),
            series: vec![
                charts::Series {
                    name: "Received".into(),
                    values: days.values().map(|(_, received)| *received).collect(),
                },
                charts::Series {
                    name: "Expected".into(),
                    values: days.values().map(|(expected, _)| *expected).collect(),
                },
            ],
            format: signed_money,
        };
        let _ = write!(
            body,
            "<figure>{}",
            charts::grouped_bars(&drawn).into_string()
        );
        let _ = write!(
            body,
            "<figcaption>Expected: payments a provider confirmed that day. Received: the day's booked credits on the statements.</figcaption></figure>\
             <table data-table=\"chart-{currency}\"><caption>Money expected and received per day, {currency} (the chart's numbers)</caption>\
             <thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Expected</th><th scope=\"col\">Received</th><th scope=\"col\">Received − expected</th></tr></thead><tbody>"
        );
        for (day, (expected, received)) in days {
            let _ = write!(
                body,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                day_text(*day),
                signed_money(*expected),
                signed_money(*received),
                signed_money(received.saturating_sub(*expected)),
            );
        }
        body.push_str("</tbody></table>");
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
        assert!(range(&query, today).is_err());
        query.insert("from".to_owned(), "30.11.2026".to_owned());
        assert!(
            range(&query, today)
                .expect_err("refused")
                .contains("not a day")
        );
    }
}
