//! `/admin/reports`: paid payments per service, payee and period (day or
//! month) over a range of Riga days (docs/dashboard.md), as a table, as CSV
//! (RFC 4180, the cells neutralised as the entries' CSV does) and as XLSX
//! (`rust_xlsxwriter`). The rows come from
//! `maksa_app::dashboard::Dashboard::payments_report`: the same payments
//! (status E, by the time they were paid) as the Treasury report's "expected".

use super::dashboard::{asked_range, range_form, unavailable};
use super::entries::csv_cell;
use super::frame::{self, Signed};
use super::report::day_text;
use super::signed_money;
use crate::AppState;
use crate::labels::dashboard as label;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::dashboard::{Dashboard, PaymentsReport, Period};
use maksa_app::operators::Role;
use maud::{Markup, html};
use std::collections::HashMap;

const ACTION: &str = "/admin/reports";

/// The report a query asks for (range and period), or the page refusing it.
async fn read(
    state: &AppState,
    signed: &Signed<'_>,
    query: &HashMap<String, String>,
) -> Result<PaymentsReport, Response> {
    let (from, to) = asked_range(signed, query, ACTION, &label::REPORTS_TITLE, "reports")?;
    let period = match query
        .get("period")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        None => Period::Day,
        Some(text) => Period::parse(text).ok_or_else(|| {
            frame::render(
                StatusCode::BAD_REQUEST,
                signed.t(&label::REPORTS_TITLE),
                "reports",
                signed,
                html! {
                    h1 { (signed.t(&label::REPORTS_TITLE)) }
                    p.notice role="alert" data-notice="period" {
                        (signed.t(&label::BAD_RANGE)) " period: day | month"
                    }
                    (range_form(signed, ACTION, from, to, period_field(signed, Period::Day)))
                },
            )
        })?,
    };
    Dashboard::new(state.store.clone())
        .payments_report(from, to, period)
        .await
        .map_err(|error| unavailable(signed, &error))
}

fn period_field(signed: &Signed<'_>, period: Period) -> Markup {
    html! {
        p {
            label for="period" { (signed.t(&label::PERIOD)) } br;
            select id="period" name="period" {
                option value="day" selected[period == Period::Day] { (signed.t(&label::PERIOD_DAY)) }
                option value="month" selected[period == Period::Month] { (signed.t(&label::PERIOD_MONTH)) }
            }
        }
    }
}

/// The query string of the downloads (the same range and period).
fn query_of(report: &PaymentsReport) -> String {
    format!(
        "from={}&to={}&period={}",
        day_text(report.from),
        day_text(report.to),
        report.period.as_str()
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
    let report = match read(&state, &signed, &query).await {
        Ok(report) => report,
        Err(response) => return response,
    };
    let q = query_of(&report);
    let body = html! {
        h1 { (signed.t(&label::REPORTS_TITLE)) " " (day_text(report.from)) " – " (day_text(report.to)) }
        p { (signed.t(&label::REPORTS_INTRO)) }
        (range_form(&signed, ACTION, report.from, report.to, period_field(&signed, report.period)))
        p {
            a href={ "/admin/reports.csv?" (q) } data-action="download-csv" download {
                (signed.t(&label::DOWNLOAD_CSV))
            }
            " · "
            a href={ "/admin/reports.xlsx?" (q) } data-action="download-xlsx" download {
                (signed.t(&label::DOWNLOAD_XLSX))
            }
        }
        @if report.cut {
            p.notice role="status" data-notice="cut" { (signed.t(&label::REPORT_CUT)) }
        }
        @if report.rows.is_empty() {
            p data-empty="report" { (signed.t(&label::NOTHING_REPORTED)) }
        } @else {
            div.scroll role="region" aria-label=(signed.t(&label::REPORT_TABLE)) tabindex="0" {
                table data-table="payments-report" {
                    caption { (signed.t(&label::REPORT_TABLE)) }
                    thead {
                        tr {
                            th scope="col" { (signed.t(&label::PERIOD)) }
                            th scope="col" { (signed.t(&label::SERVICE)) }
                            th scope="col" { (signed.t(&label::PAYEE)) }
                            th scope="col" { (signed.t(&label::PAYEE_ACCOUNT)) }
                            th scope="col" { (signed.t(&label::CURRENCY)) }
                            th scope="col" { (signed.t(&label::PAYMENTS)) }
                            th scope="col" { (signed.t(&label::AMOUNT)) }
                        }
                    }
                    tbody {
                        @for row in &report.rows {
                            tr {
                                th scope="row" { (row.period) }
                                td { (row.service) }
                                td { (row.payee_name) }
                                td { (row.payee_iban) }
                                td { (row.currency) }
                                td.num { (row.tally.count) }
                                td.num { (signed_money(row.tally.minor)) }
                            }
                        }
                    }
                    tfoot {
                        @for (currency, total) in &report.totals {
                            tr data-total=(currency) {
                                th scope="row" colspan="4" { (signed.t(&label::TOTAL)) }
                                td { (currency) }
                                td.num data-count { (total.count) }
                                td.num data-money { (signed_money(total.minor)) }
                            }
                        }
                    }
                }
            }
        }
    };
    frame::render(
        StatusCode::OK,
        signed.t(&label::REPORTS_TITLE),
        "reports",
        &signed,
        body,
    )
}

/// The CSV's header (machine-readable names, as the entries' CSV).
const CSV_HEADER: &str = "period,service,payee,payee_iban,currency,payments,amount\r\n";

/// The report as RFC 4180 CSV (CRLF, quoted when needed, formulas
/// neutralised).
pub fn csv_text(report: &PaymentsReport) -> String {
    let mut text = String::from(CSV_HEADER);
    for row in &report.rows {
        let cells = [
            row.period.clone(),
            row.service.clone(),
            row.payee_name.clone(),
            row.payee_iban.clone(),
            row.currency.clone(),
            row.tally.count.to_string(),
            signed_money(row.tally.minor),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        text.push_str(&line.join(","));
        text.push_str("\r\n");
    }
    text
}

fn download(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn filename(report: &PaymentsReport, extension: &str) -> String {
    format!(
        "payments-{}-{}-{}.{extension}",
        day_text(report.from),
        day_text(report.to),
        report.period.as_str()
    )
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
    match read(&state, &signed, &query).await {
        Ok(report) => download(
            csv_text(&report).into_bytes(),
            "text/csv; charset=utf-8; header=present",
            &filename(&report, "csv"),
        ),
        Err(response) => response,
    }
}

/// The report as an XLSX workbook: one sheet, a header row in the page's
/// language, amounts as number cells with two decimals.
///
/// Money never goes through floating-point arithmetic here: the integer
/// minor units are written as their exact decimal text (`12.34`) and only
/// that text is turned into the cell's number, at the very edge, because
/// XLSX stores every number as a binary double.
pub fn xlsx_bytes(
    report: &PaymentsReport,
    headings: [&str; 7],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Payments")?;
    for (column, heading) in (0u16..).zip(headings) {
        sheet.write_string_with_format(0, column, heading, &bold)?;
    }
    for (row, line) in (1u32..).zip(&report.rows) {
        sheet.write_string(row, 0, &line.period)?;
        sheet.write_string(row, 1, &line.service)?;
        sheet.write_string(row, 2, &line.payee_name)?;
        sheet.write_string(row, 3, &line.payee_iban)?;
        sheet.write_string(row, 4, &line.currency)?;
        sheet.write_number(
            row,
            5,
            u32::try_from(line.tally.count)
                .map(f64::from)
                .unwrap_or(f64::MAX),
        )?;
        let amount: f64 = signed_money(line.tally.minor).parse().unwrap_or(0.0);
        sheet.write_number_with_format(row, 6, amount, &money)?;
    }
    sheet.set_column_width(1, 40)?;
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(3, 24)?;
    workbook.save_to_buffer()
}

pub async fn xlsx(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let report = match read(&state, &signed, &query).await {
        Ok(report) => report,
        Err(response) => return response,
    };
    let headings = [
        signed.t(&label::PERIOD),
        signed.t(&label::SERVICE),
        signed.t(&label::PAYEE),
        signed.t(&label::PAYEE_ACCOUNT),
        signed.t(&label::CURRENCY),
        signed.t(&label::PAYMENTS),
        signed.t(&label::AMOUNT),
    ];
    match xlsx_bytes(&report, headings) {
        Ok(bytes) => download(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &filename(&report, "xlsx"),
        ),
        Err(error) => {
            tracing::error!(%error, "the XLSX report could not be written");
            frame::notice(
                StatusCode::INTERNAL_SERVER_ERROR,
                &signed,
                "unavailable",
                &crate::labels::console::UNAVAILABLE_TITLE,
                signed.t(&crate::labels::console::UNAVAILABLE),
            )
        }
    }
}
