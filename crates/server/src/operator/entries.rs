//! The statement entries (izrakstu ieraksti): a filtered, paged list, one
//! entry with the payment it was matched to (and "Propose refund" when money
//! is owed back), and the CSV export of a filter, streamed page by page.

use super::frame::{self, Signed};
use super::report::{day_text, not_found, parse_day, quoted, treasury_error};
use crate::AppState;
use crate::labels::{Text, reconciliation as label};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::operators::Role;
use maksa_app::store::{EntryFilter, StoredEntry};
use maksa_app::treasury::Treasury;
use maksa_domain::reconciliation::Outcome;
use maud::{Markup, html};
use std::collections::HashMap;

/// Entries on one page of the list.
pub const PAGE_SIZE: u32 = 100;
/// Entries read from the store per chunk of the CSV export.
pub const CSV_CHUNK: u32 = 1000;
/// Most rows one CSV export writes (a longer range: export it in parts).
pub const MAX_CSV_ROWS: u64 = 1_000_000;
/// Longest account filter.
const MAX_ACCOUNT_CHARS: usize = 34;

/// A filter field the form refuses: its name, the value (cut), and why.
#[derive(Debug)]
struct Refusal {
    field: &'static str,
    value: String,
    why: &'static Text,
}

impl Refusal {
    fn new(field: &'static str, value: &str, why: &'static Text) -> Refusal {
        Refusal {
            field,
            value: quoted(value),
            why,
        }
    }

    fn page(&self, signed: &Signed<'_>) -> Response {
        let message = format!("{} {:?} {}", self.field, self.value, signed.t(self.why));
        frame::notice(
            StatusCode::BAD_REQUEST,
            signed,
            "refused",
            &label::BAD_FILTER_TITLE,
            &message,
        )
    }
}

/// The filter a query asks for, or the refusal.
fn filter(query: &HashMap<String, String>, limit: u32) -> Result<EntryFilter, Refusal> {
    let text = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let day = |name: &'static str| -> Result<Option<time::Date>, Refusal> {
        match text(name) {
            None => Ok(None),
            Some(v) => parse_day(v)
                .map(Some)
                .ok_or_else(|| Refusal::new(name, v, &label::NOT_A_DAY)),
        }
    };
    let account = match text("account") {
        None => None,
        Some(v)
            if v.chars().count() <= MAX_ACCOUNT_CHARS
                && v.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(v.to_owned())
        }
        Some(v) => return Err(Refusal::new("account", v, &label::NOT_AN_IBAN)),
    };
    let outcome = match text("outcome") {
        None => None,
        Some(v) => Some(
            Outcome::parse(v).ok_or_else(|| Refusal::new("outcome", v, &label::UNKNOWN_OUTCOME))?,
        ),
    };
    let after_id = match text("after_id") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| Refusal::new("after_id", v, &label::NOT_A_NUMBER))?,
        ),
    };
    Ok(EntryFilter {
        from: day("from")?,
        to: day("to")?,
        account,
        outcome,
        payment: None,
        after_id,
        limit,
    })
}

/// The filter as a query string (without `after_id`).
fn filter_query(filter: &EntryFilter) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if let Some(from) = filter.from {
        out.append_pair("from", &day_text(from));
    }
    if let Some(to) = filter.to {
        out.append_pair("to", &day_text(to));
    }
    if let Some(account) = &filter.account {
        out.append_pair("account", account);
    }
    if let Some(outcome) = filter.outcome {
        out.append_pair("outcome", outcome.as_str());
    }
    out.finish()
}

fn outcome_label(outcome: Outcome) -> &'static Text {
    match outcome {
        Outcome::Pending => &label::OUTCOME_PENDING,
        Outcome::Settled => &label::OUTCOME_SETTLED,
        Outcome::Short => &label::OUTCOME_SHORT,
        Outcome::Over => &label::OUTCOME_OVER,
        Outcome::WrongAccount => &label::OUTCOME_WRONG_ACCOUNT,
        Outcome::WrongCurrency => &label::OUTCOME_WRONG_CURRENCY,
        Outcome::Unmatched => &label::OUTCOME_UNMATCHED,
        Outcome::RefundCandidate => &label::OUTCOME_REFUND,
        Outcome::Debit => &label::OUTCOME_DEBIT,
    }
}

fn direction(credit: bool) -> &'static Text {
    if credit {
        &label::CREDIT
    } else {
        &label::DEBIT
    }
}

fn filter_form(signed: &Signed<'_>, filter: &EntryFilter) -> Markup {
    html! {
        form.filters method="get" action="/admin/entries" {
            p {
                label for="from" { (signed.t(&label::BOOKED_FROM)) } br;
                input id="from" name="from" type="date" value=(filter.from.map(day_text).unwrap_or_default());
            }
            p {
                label for="to" { (signed.t(&label::BOOKED_TO)) } br;
                input id="to" name="to" type="date" value=(filter.to.map(day_text).unwrap_or_default());
            }
            p {
                label for="account" { (signed.t(&label::ACCOUNT)) } br;
                input id="account" name="account" maxlength="34" value=(filter.account.as_deref().unwrap_or_default());
            }
            p {
                label for="outcome" { (signed.t(&label::OUTCOME)) } br;
                select id="outcome" name="outcome" {
                    option value="" { (signed.t(&label::ANY)) }
                    @for outcome in Outcome::ALL {
                        option value=(outcome.as_str()) selected[filter.outcome == Some(outcome)] {
                            (signed.t(outcome_label(outcome)))
                        }
                    }
                }
            }
            p { button type="submit" data-action="filter" { (signed.t(&label::SHOW)) } }
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
    let filter = match filter(&query, PAGE_SIZE) {
        Ok(filter) => filter,
        Err(refusal) => return refusal.page(&signed),
    };
    let entries = match signed
        .console
        .treasury
        .store()
        .statement_entries(&filter)
        .await
    {
        Ok(entries) => entries,
        Err(error) => return treasury_error(&signed, &error.into()),
    };
    let query_text = filter_query(&filter);
    let full = u32::try_from(entries.len()).is_ok_and(|n| n >= PAGE_SIZE);
    let next = entries.last().filter(|_| full).map(|last| {
        let mut next = query_text.clone();
        if !next.is_empty() {
            next.push('&');
        }
        format!("/admin/entries?{next}after_id={}", last.id)
    });
    let title = signed.t(&label::ENTRIES_TITLE);
    let t = |text: &Text| signed.t(text);
    let body = html! {
        h1 { (title) }
        (filter_form(&signed, &filter))
        p {
            a href={ "/admin/entries.csv?" (query_text) } data-action="download-csv" download {
                (t(&label::DOWNLOAD_CSV))
            }
        }
        div.scroll role="region" aria-label=(t(&label::ENTRIES_REGION)) tabindex="0" {
            table data-table="entries" {
                caption { (t(&label::ENTRIES_CAPTION)) }
                thead { tr {
                    th scope="col" { (t(&label::ENTRY)) }
                    th scope="col" { (t(&label::BOOKED)) }
                    th scope="col" { (t(&label::ACCOUNT)) }
                    th scope="col" { (t(&label::AMOUNT)) }
                    th scope="col" { (t(&label::DIRECTION)) }
                    th scope="col" { (t(&label::OUTCOME)) }
                    th scope="col" { (t(&label::PURPOSE_ID)) }
                    th scope="col" { (t(&label::COUNTERPARTY)) }
                } }
                tbody {
                    @if entries.is_empty() {
                        tr { td colspan="8" { (t(&label::NO_ENTRIES)) } }
                    }
                    @for entry in &entries {
                        tr data-entry=(entry.id) {
                            th scope="row" { a href={ "/admin/entries/" (entry.id) } { (entry.id) } }
                            td { (entry.booking_date.map(day_text).unwrap_or_else(|| "—".into())) }
                            td { (entry.account) }
                            td.num { (entry.amount) " " (entry.currency) }
                            td { (t(direction(entry.credit))) }
                            td data-outcome=(entry.outcome.as_str()) { (t(outcome_label(entry.outcome))) }
                            td { (entry.purpose_id.as_deref().unwrap_or("—")) }
                            td { (entry.counterparty_name.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
        @if let Some(next) = &next {
            p {
                a href=(next) data-action="next-page" {
                    (t(&label::NEXT_BEFORE)) " " (PAGE_SIZE) " " (t(&label::NEXT_AFTER))
                }
            }
        }
    };
    frame::render(StatusCode::OK, title, "entries", &signed, body)
}

pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&signed, &label::NO_SUCH_ENTRY);
    };
    let treasury = &signed.console.treasury;
    let entry = match treasury.store().statement_entry(id).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return not_found(&signed, &label::NO_SUCH_ENTRY),
        Err(error) => return treasury_error(&signed, &error.into()),
    };
    let payment = match payment_section(&signed, treasury, &entry).await {
        Ok(section) => section,
        Err(error) => return treasury_error(&signed, &error),
    };
    let refundable = entry
        .outcome
        .refundable(entry.amount, entry.expected)
        .is_some()
        && signed.may(Role::Operator);
    let title = signed.t(&label::ENTRY_TITLE);
    let body = html! {
        h1 { (title) " " (entry.id) }
        (entry_facts(&signed, &entry))
        @if refundable {
            form method="post" action={ "/admin/entries/" (entry.id) "/refund" } {
                (signed.csrf())
                p { button type="submit" data-action="propose-refund" { (signed.t(&label::PROPOSE_REFUND)) } }
            }
        }
        (payment)
    };
    frame::render(StatusCode::OK, title, "entry", &signed, body)
}

/// One fact of a definition list: `dt` and `dd[data-fact]`.
fn fact(name: &str, value: &str, key: &str) -> Markup {
    html! {
        dt { (name) }
        dd data-fact=(key) { (value) }
    }
}

fn entry_facts(signed: &Signed<'_>, entry: &StoredEntry) -> Markup {
    let t = |text: &Text| signed.t(text);
    let or_dash = |value: Option<&str>| value.unwrap_or("—").to_owned();
    let day = |day: Option<time::Date>| day.map(day_text).unwrap_or_else(|| "—".into());
    html! {
        dl.facts {
            (fact(t(&label::OUTCOME), t(outcome_label(entry.outcome)), "outcome"))
            (fact(t(&label::AMOUNT), &format!("{} {}", entry.amount, entry.currency), "amount"))
            (fact(t(&label::DIRECTION), t(direction(entry.credit)), "direction"))
            (fact(t(&label::ACCOUNT), &entry.account, "account"))
            (fact(t(&label::BOOKED), &day(entry.booking_date), "booked"))
            (fact(t(&label::VALUE_DATE), &day(entry.value_date), "value-date"))
            (fact(
                t(&label::STATUS),
                t(if entry.booked { &label::STATUS_BOOKED } else { &label::STATUS_PENDING }),
                "status",
            ))
            (fact(t(&label::SERVICER_REFERENCE), &or_dash(entry.account_servicer_reference.as_deref()), "reference"))
            (fact(t(&label::END_TO_END_ID), &or_dash(entry.end_to_end_id.as_deref()), "end-to-end-id"))
            (fact(t(&label::REMITTANCE), &entry.remittance, "remittance"))
            (fact(t(&label::PURPOSE_ID_FOUND), &or_dash(entry.purpose_id.as_deref()), "purpose-id"))
            (fact(t(&label::COUNTERPARTY), &or_dash(entry.counterparty_name.as_deref()), "counterparty"))
            (fact(t(&label::COUNTERPARTY_ACCOUNT), &or_dash(entry.counterparty_iban.as_deref()), "counterparty-iban"))
            (fact(
                t(&label::EXPECTED_AMOUNT),
                &entry.expected.map(|a| format!("{a} {}", entry.currency)).unwrap_or_else(|| "—".into()),
                "expected",
            ))
            (fact(t(&label::STATEMENT), &format!("{} {}", entry.message, entry.statement_id), "statement"))
            (fact(t(&label::REVERSAL), t(if entry.reversal { &label::YES } else { &label::NO }), "reversal"))
        }
    }
}

async fn payment_section(
    signed: &Signed<'_>,
    treasury: &Treasury,
    entry: &StoredEntry,
) -> Result<Markup, maksa_app::treasury::TreasuryError> {
    let t = |text: &Text| signed.t(text);
    let heading = html! { h2 { (t(&label::MATCHED_PAYMENT)) } };
    let (Some(request_id), Some(sequence)) = (entry.request_id, entry.sequence) else {
        return Ok(html! { (heading) p data-payment="none" { (t(&label::NO_PAYMENT)) } });
    };
    let Some(request) = treasury.store().payment_request_by_id(request_id).await? else {
        return Ok(html! { (heading) p data-payment="gone" { (t(&label::PAYMENT_GONE)) } });
    };
    // The settlement: the entries that settled this payment (normally one).
    let settlements = treasury
        .store()
        .statement_entries(&EntryFilter {
            payment: Some((request_id, sequence)),
            outcome: Some(Outcome::Settled),
            limit: 10,
            ..EntryFilter::default()
        })
        .await?;
    let settlement = match settlements.first() {
        Some(settled) => format!(
            "{} {} {} {}",
            t(&label::SETTLED_BY),
            settled.id,
            t(&label::BOOKED_ON),
            settled
                .booking_date
                .map(day_text)
                .unwrap_or_else(|| "—".into())
        ),
        None => t(&label::NOT_SETTLED).to_owned(),
    };
    let payment = request.payments.iter().find(|p| p.sequence == sequence);
    Ok(html! {
        (heading)
        dl.facts data-payment="found" {
            (fact(t(&label::REQUEST_ID), &request.id.to_string(), "request-id"))
            (fact(t(&label::REQUEST_NUMBER), &request.number.to_string(), "request-number"))
            (fact(t(&label::REQUEST_STATUS), &request.status.to_string(), "request-status"))
            @if let Some(payment) = payment {
                (fact(t(&label::PAYMENT), &payment.sequence.to_string(), "sequence"))
                (fact(t(&label::PURPOSE), &payment.purpose, "purpose"))
                (fact(
                    t(&label::AMOUNT),
                    &format!("{} {}", payment.amount, payment.currency.as_str()),
                    "payment-amount",
                ))
                (fact(
                    t(&label::PAYEE),
                    &format!("{} {}", payment.payee.name, payment.payee.iban.as_str()),
                    "payee",
                ))
                (fact(t(&label::PAYMENT_STATUS), &payment.status.to_string(), "payment-status"))
                (fact(
                    t(&label::PAID_AT),
                    &payment.paid_at.map(|at| at.to_string()).unwrap_or_else(|| "—".into()),
                    "paid-at",
                ))
            }
            (fact(t(&label::SETTLEMENT), &settlement, "settlement"))
        }
    })
}

pub async fn refund(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Operator).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&signed, &label::NO_SUCH_ENTRY);
    };
    match signed
        .console
        .treasury
        .propose_refund(id, &signed.session.name)
        .await
    {
        Ok(_) => Redirect::to("/admin/orders?notice=proposed").into_response(),
        Err(error) => treasury_error(&signed, &error),
    }
}

/// One CSV cell: quoted when it must be (RFC 4180), and a text starting
/// with `=`, `+`, `-`, `@` (or a tab or carriage return) prefixed with `'`
/// so that a spreadsheet shows it instead of computing it.
pub fn csv_cell(text: &str) -> String {
    let neutralised = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if neutralised.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutralised.replace('"', "\"\""))
    } else {
        neutralised
    }
}

const CSV_HEADER: &str = "id,booking_date,value_date,account,direction,amount,currency,outcome,purpose_id,request_id,sequence,expected,account_servicer_reference,end_to_end_id,counterparty_name,counterparty_iban,remittance\r\n";

fn csv_row(entry: &StoredEntry) -> String {
    let cells = [
        entry.id.to_string(),
        entry.booking_date.map(day_text).unwrap_or_default(),
        entry.value_date.map(day_text).unwrap_or_default(),
        entry.account.clone(),
        if entry.credit { "credit" } else { "debit" }.to_owned(),
        entry.amount.to_string(),
        entry.currency.clone(),
        entry.outcome.as_str().to_owned(),
        entry.purpose_id.clone().unwrap_or_default(),
        entry.request_id.map(|r| r.to_string()).unwrap_or_default(),
        entry.sequence.map(|s| s.to_string()).unwrap_or_default(),
        entry.expected.map(|a| a.to_string()).unwrap_or_default(),
        entry.account_servicer_reference.clone().unwrap_or_default(),
        entry.end_to_end_id.clone().unwrap_or_default(),
        entry.counterparty_name.clone().unwrap_or_default(),
        entry.counterparty_iban.clone().unwrap_or_default(),
        entry.remittance.clone(),
    ];
    let mut row = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    row.push_str("\r\n");
    row
}

pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let filter = match filter(&query, CSV_CHUNK) {
        Ok(filter) => filter,
        Err(refusal) => return refusal.page(&signed),
    };
    let treasury = signed.console.treasury.clone();
    // Page by page: the next chunk is read when the client has taken the
    // last one, so memory stays one chunk whatever the range.
    struct Cursor {
        filter: EntryFilter,
        written: u64,
        header: bool,
        done: bool,
    }
    let start = Cursor {
        filter,
        written: 0,
        header: false,
        done: false,
    };
    let stream = futures_util::stream::unfold(start, move |mut cursor| {
        let treasury = treasury.clone();
        async move {
            if !cursor.header {
                cursor.header = true;
                return Some((
                    Ok::<Bytes, std::io::Error>(Bytes::from_static(CSV_HEADER.as_bytes())),
                    cursor,
                ));
            }
            if cursor.done || cursor.written >= MAX_CSV_ROWS {
                return None;
            }
            let entries = match treasury.store().statement_entries(&cursor.filter).await {
                Ok(entries) => entries,
                Err(error) => {
                    tracing::error!(%error, "the CSV export could not read entries");
                    return Some((Err(std::io::Error::other("reading entries failed")), cursor));
                }
            };
            let last = entries.last()?;
            cursor.filter.after_id = Some(last.id);
            cursor.done = u32::try_from(entries.len()).is_ok_and(|n| n < CSV_CHUNK);
            let mut chunk = String::new();
            for entry in &entries {
                if cursor.written >= MAX_CSV_ROWS {
                    break;
                }
                chunk.push_str(&csv_row(entry));
                cursor.written = cursor.written.saturating_add(1);
            }
            Some((Ok(Bytes::from(chunk)), cursor))
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    response_headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"entries.csv\""),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@cmd"), "'@cmd");
        assert_eq!(csv_cell("=1,2"), "\"'=1,2\"");
    }
}
