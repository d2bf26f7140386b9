//! The statement entries: a filtered, paged list, one entry with the
//! payment it was matched to (and "Propose refund" when money is owed
//! back), and the CSV export of a filter, streamed page by page.

use super::report::{day_text, parse_day};
use super::{
    csrf_field, escape, message_page, page, signed_in_page, signed_in_post, treasury_error,
};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::store::{EntryFilter, StoredEntry};
use maksa_app::treasury::Treasury;
use maksa_domain::reconciliation::Outcome;
use std::collections::HashMap;
use std::fmt::Write;

/// Entries on one page of the list.
pub const PAGE_SIZE: u32 = 100;
/// Entries read from the store per chunk of the CSV export.
pub const CSV_CHUNK: u32 = 1000;
/// Most rows one CSV export writes (a longer range: export it in parts).
pub const MAX_CSV_ROWS: u64 = 1_000_000;
/// Longest account filter.
const MAX_ACCOUNT_CHARS: usize = 34;

/// The filter a query asks for, or the refusal.
fn filter(query: &HashMap<String, String>, limit: u32) -> Result<EntryFilter, String> {
    let text = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let quoted = |v: &str| v.chars().take(40).collect::<String>();
    let day = |name: &str| -> Result<Option<time::Date>, String> {
        match text(name) {
            None => Ok(None),
            Some(v) => parse_day(v)
                .map(Some)
                .ok_or_else(|| format!("{name} {:?} is not a day (YYYY-MM-DD)", quoted(v))),
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
        Some(v) => return Err(format!("account {:?} is not an IBAN", quoted(v))),
    };
    let outcome = match text("outcome") {
        None => None,
        Some(v) => {
            Some(Outcome::parse(v).ok_or_else(|| format!("outcome {:?} is not known", quoted(v)))?)
        }
    };
    let after_id = match text("after_id") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| format!("after_id {:?} is not a number", quoted(v)))?,
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

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pending => "pending (not booked yet)",
        Outcome::Settled => "matched and settled",
        Outcome::Short => "matched, short",
        Outcome::Over => "matched, over",
        Outcome::WrongAccount => "matched, wrong account",
        Outcome::WrongCurrency => "matched, wrong currency",
        Outcome::Unmatched => "unmatched credit",
        Outcome::RefundCandidate => "refund candidate",
        Outcome::Debit => "debit",
    }
}

fn filter_form(filter: &EntryFilter) -> String {
    let mut options = String::from("<option value=\"\">any</option>");
    for outcome in Outcome::ALL {
        let _ = write!(
            options,
            "<option value=\"{}\"{}>{}</option>",
            outcome.as_str(),
            if filter.outcome == Some(outcome) {
                " selected"
            } else {
                ""
            },
            outcome_label(outcome)
        );
    }
    format!(
        "<form method=\"get\" action=\"/admin/entries\" class=\"filters\">\
         <p><label for=\"from\">Booked from</label><br><input id=\"from\" name=\"from\" type=\"date\" value=\"{from}\"></p>\
         <p><label for=\"to\">Booked to</label><br><input id=\"to\" name=\"to\" type=\"date\" value=\"{to}\"></p>\
         <p><label for=\"account\">Account</label><br><input id=\"account\" name=\"account\" maxlength=\"34\" value=\"{account}\"></p>\
         <p><label for=\"outcome\">Outcome</label><br><select id=\"outcome\" name=\"outcome\">{options}</select></p>\
         <p><button type=\"submit\" data-action=\"filter\">Show</button></p></form>",
        from = filter.from.map(day_text).unwrap_or_default(),
        to = filter.to.map(day_text).unwrap_or_default(),
        account = escape(filter.account.as_deref().unwrap_or_default()),
    )
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
    let filter = match filter(&query, PAGE_SIZE) {
        Ok(filter) => filter,
        Err(message) => {
            return message_page(
                StatusCode::BAD_REQUEST,
                "Entries",
                "refused",
                &message,
                signed,
            );
        }
    };
    let entries = match console.treasury.store().statement_entries(&filter).await {
        Ok(entries) => entries,
        Err(error) => return treasury_error(&error.into(), &session, &token),
    };
    let query_text = filter_query(&filter);
    let mut body = format!(
        "<h1>Statement entries</h1>{}<p><a href=\"/admin/entries.csv?{q}\" data-action=\"download-csv\" download>Download these entries as CSV</a></p>",
        filter_form(&filter),
        q = escape(&query_text)
    );
    body.push_str(
        "<div class=\"scroll\" role=\"region\" aria-label=\"Entries\" tabindex=\"0\"><table data-table=\"entries\">\
         <caption>Entries, oldest first</caption><thead><tr><th scope=\"col\">Entry</th><th scope=\"col\">Booked</th>\
         <th scope=\"col\">Account</th><th scope=\"col\">Amount</th><th scope=\"col\">Direction</th><th scope=\"col\">Outcome</th>\
         <th scope=\"col\">Payment identifier</th><th scope=\"col\">Counterparty</th></tr></thead><tbody>",
    );
    if entries.is_empty() {
        body.push_str("<tr><td colspan=\"8\">No entries.</td></tr>");
    }
    for entry in &entries {
        let _ = write!(
            body,
            "<tr data-entry=\"{id}\"><th scope=\"row\"><a href=\"/admin/entries/{id}\">{id}</a></th><td>{booked}</td><td>{account}</td>\
             <td class=\"num\">{amount} {currency}</td><td>{direction}</td><td data-outcome=\"{outcome}\">{label}</td><td>{purpose}</td><td>{party}</td></tr>",
            id = entry.id,
            booked = entry
                .booking_date
                .map(day_text)
                .unwrap_or_else(|| "—".into()),
            account = escape(&entry.account),
            amount = entry.amount,
            currency = escape(&entry.currency),
            direction = if entry.credit { "credit" } else { "debit" },
            outcome = entry.outcome.as_str(),
            label = outcome_label(entry.outcome),
            purpose = escape(entry.purpose_id.as_deref().unwrap_or("—")),
            party = escape(entry.counterparty_name.as_deref().unwrap_or("—")),
        );
    }
    body.push_str("</tbody></table></div>");
    let full = u32::try_from(entries.len()).is_ok_and(|n| n >= PAGE_SIZE);
    if let (true, Some(last)) = (full, entries.last()) {
        let mut next = query_text.clone();
        if !next.is_empty() {
            next.push('&');
        }
        let _ = write!(next, "after_id={}", last.id);
        let _ = write!(
            body,
            "<p><a href=\"/admin/entries?{}\" data-action=\"next-page\">Next {PAGE_SIZE} entries</a></p>",
            escape(&next)
        );
    }
    page(
        StatusCode::OK,
        "Statement entries",
        "entries",
        &body,
        signed,
    )
}

pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (console, session, token) = match signed_in_page(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let signed = Some((&session, token.as_str()));
    let not_found = || {
        message_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "not-found",
            "There is no such statement entry.",
            signed,
        )
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let entry = match console.treasury.store().statement_entry(id).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return not_found(),
        Err(error) => return treasury_error(&error.into(), &session, &token),
    };
    let mut body = format!("<h1>Statement entry {}</h1>", entry.id);
    entry_facts(&mut body, &entry);
    if entry
        .outcome
        .refundable(entry.amount, entry.expected)
        .is_some()
    {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/admin/entries/{}/refund\">{}\
             <p><button type=\"submit\" data-action=\"propose-refund\">Propose refund</button></p></form>",
            entry.id,
            csrf_field(&token)
        );
    }
    match payment_section(&console.treasury, &entry).await {
        Ok(section) => body.push_str(&section),
        Err(error) => return treasury_error(&error, &session, &token),
    }
    page(StatusCode::OK, "Statement entry", "entry", &body, signed)
}

fn fact(body: &mut String, label: &str, value: &str, key: &str) {
    let _ = write!(
        body,
        "<dt>{label}</dt><dd data-fact=\"{key}\">{}</dd>",
        escape(value)
    );
}

fn entry_facts(body: &mut String, entry: &StoredEntry) {
    body.push_str("<dl class=\"facts\">");
    let none = || "—".to_owned();
    fact(body, "Outcome", outcome_label(entry.outcome), "outcome");
    fact(
        body,
        "Amount",
        &format!("{} {}", entry.amount, entry.currency),
        "amount",
    );
    fact(
        body,
        "Direction",
        if entry.credit { "credit" } else { "debit" },
        "direction",
    );
    fact(body, "Account", &entry.account, "account");
    fact(
        body,
        "Booked",
        &entry.booking_date.map(day_text).unwrap_or_else(none),
        "booked",
    );
    fact(
        body,
        "Value date",
        &entry.value_date.map(day_text).unwrap_or_else(none),
        "value-date",
    );
    fact(
        body,
        "Status",
        if entry.booked { "booked" } else { "pending" },
        "status",
    );
    fact(
        body,
        "Account servicer's reference",
        entry.account_servicer_reference.as_deref().unwrap_or("—"),
        "reference",
    );
    fact(
        body,
        "End-to-end id",
        entry.end_to_end_id.as_deref().unwrap_or("—"),
        "end-to-end-id",
    );
    fact(
        body,
        "Remittance information",
        &entry.remittance,
        "remittance",
    );
    fact(
        body,
        "Payment identifier found",
        entry.purpose_id.as_deref().unwrap_or("—"),
        "purpose-id",
    );
    fact(
        body,
        "Counterparty",
        entry.counterparty_name.as_deref().unwrap_or("—"),
        "counterparty",
    );
    fact(
        body,
        "Counterparty's account",
        entry.counterparty_iban.as_deref().unwrap_or("—"),
        "counterparty-iban",
    );
    fact(
        body,
        "Expected amount",
        &entry
            .expected
            .map(|a| format!("{a} {}", entry.currency))
            .unwrap_or_else(none),
        "expected",
    );
    fact(
        body,
        "Statement",
        &format!("{} {}", entry.message, entry.statement_id),
        "statement",
    );
    fact(
        body,
        "Reversal",
        if entry.reversal { "yes" } else { "no" },
        "reversal",
    );
    body.push_str("</dl>");
}

async fn payment_section(
    treasury: &Treasury,
    entry: &StoredEntry,
) -> Result<String, maksa_app::treasury::TreasuryError> {
    let mut body = String::from("<h2>Matched payment</h2>");
    let (Some(request_id), Some(sequence)) = (entry.request_id, entry.sequence) else {
        body.push_str("<p data-payment=\"none\">This entry was matched to no payment.</p>");
        return Ok(body);
    };
    let request = treasury.store().payment_request_by_id(request_id).await?;
    let Some(request) = request else {
        body.push_str(
            "<p data-payment=\"gone\">The matched payment request is no longer stored.</p>",
        );
        return Ok(body);
    };
    let payment = request.payments.iter().find(|p| p.sequence == sequence);
    body.push_str("<dl class=\"facts\" data-payment=\"found\">");
    fact(
        &mut body,
        "Request id",
        &request.id.to_string(),
        "request-id",
    );
    fact(
        &mut body,
        "Request number",
        &request.number.to_string(),
        "request-number",
    );
    fact(
        &mut body,
        "Request status",
        &request.status.to_string(),
        "request-status",
    );
    if let Some(payment) = payment {
        fact(
            &mut body,
            "Payment",
            &payment.sequence.to_string(),
            "sequence",
        );
        fact(&mut body, "Purpose", &payment.purpose, "purpose");
        fact(
            &mut body,
            "Amount",
            &format!("{} {}", payment.amount, payment.currency.as_str()),
            "payment-amount",
        );
        fact(
            &mut body,
            "Payee",
            &format!("{} {}", payment.payee.name, payment.payee.iban.as_str()),
            "payee",
        );
        fact(
            &mut body,
            "Payment status",
            &payment.status.to_string(),
            "payment-status",
        );
        fact(
            &mut body,
            "Paid at",
            &payment
                .paid_at
                .map(|t| t.to_string())
                .unwrap_or_else(|| "—".into()),
            "paid-at",
        );
    }
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
            "settled by entry {} booked {}",
            settled.id,
            settled
                .booking_date
                .map(day_text)
                .unwrap_or_else(|| "—".into())
        ),
        None => "not settled".to_owned(),
    };
    fact(&mut body, "Settlement", &settlement, "settlement");
    body.push_str("</dl>");
    Ok(body)
}

pub async fn refund(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
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
            "There is no such statement entry.",
            Some((&session, &token)),
        );
    };
    match console.treasury.propose_refund(id, &session.name).await {
        Ok(_) => Redirect::to("/admin/orders?notice=proposed").into_response(),
        Err(error) => treasury_error(&error, &session, &token),
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
    let (console, session, token) = match signed_in_page(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let filter = match filter(&query, CSV_CHUNK) {
        Ok(filter) => filter,
        Err(message) => {
            return message_page(
                StatusCode::BAD_REQUEST,
                "Entries",
                "refused",
                &message,
                Some((&session, &token)),
            );
        }
    };
    let treasury = console.treasury.clone();
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
