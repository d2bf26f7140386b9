//! `/admin/statements`: an operator uploads a camt.053/052/054 statement
//! file, as `maksa treasury import` reads one, or a pain.002 payment status
//! report, as `maksa treasury status` applies one (docs/operator.md,
//! "Statements"): `Treasury::import` / `Treasury::apply_status_report`, one
//! transaction per file, a malformed file stores nothing and the page says
//! why.

use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::statements as label;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use maksa_app::operators::Role;
use maksa_app::treasury::{ImportReport, StatusApplied, TreasuryError};
use maud::{Markup, html};

/// The largest statement file taken through the page (a month of a busy
/// account's camt.053 is a few megabytes; the CLI and the watched
/// directory take larger ones).
pub const MAX_STATEMENT_BYTES: usize = 32 * 1024 * 1024;
/// Where the form is.
pub const STATEMENTS_PATH: &str = "/admin/statements";
/// The form's other parts (the CSRF token) are short.
const MAX_FIELD_BYTES: usize = 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        STATEMENTS_PATH,
        get(page).post(upload).layer(DefaultBodyLimit::max(
            MAX_STATEMENT_BYTES.saturating_add(64 * 1024),
        )),
    )
}

fn form(signed: &Signed<'_>) -> Markup {
    html! {
        form method="post" action="/admin/statements" enctype="multipart/form-data" {
            (signed.csrf())
            p {
                label for="statement" { (signed.t(&label::FILE)) }
                br;
                input id="statement" name="statement" type="file" required
                    accept=".xml,application/xml,text/xml";
            }
            p { button type="submit" data-action="import-statement" { (signed.t(&label::IMPORT)) } }
        }
        h2 { (signed.t(&label::STATUS_TITLE)) }
        p { (signed.t(&label::STATUS_INTRO)) }
        form method="post" action="/admin/statements" enctype="multipart/form-data" {
            (signed.csrf())
            p {
                label for="status_report" { (signed.t(&label::STATUS_FILE)) }
                br;
                input id="status_report" name="status_report" type="file" required
                    accept=".xml,application/xml,text/xml";
            }
            p { button type="submit" data-action="apply-status-report" { (signed.t(&label::APPLY)) } }
        }
    }
}

/// The most order lines an applied status report lists.
const MOVED_SHOWN: usize = 200;

fn applied(signed: &Signed<'_>, source: &str, applied: &StatusApplied) -> Markup {
    html! {
        div.notice role="status" data-notice="status-applied" {
            p { (signed.t(&label::APPLIED)) " " code { (source) } " (" (applied.original_message_id) ")" }
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::STATUS_TITLE)) {
                table data-table="status-report" {
                    thead { tr { th scope="col" { (signed.t(&label::ORDER)) } th scope="col" { (signed.t(&label::NEW_STATE)) } } }
                    tbody {
                        @for (end_to_end, state) in applied.moved.iter().take(MOVED_SHOWN) {
                            tr data-moved=(end_to_end) { td { code { (end_to_end) } } td { (state) } }
                        }
                    }
                }
            }
            p data-fact="unchanged" { (signed.t(&label::UNCHANGED)) " " (applied.unchanged) }
            @if !applied.unknown.is_empty() {
                p data-fact="unknown" {
                    (signed.t(&label::UNKNOWN)) " "
                    @for (i, id) in applied.unknown.iter().take(MOVED_SHOWN).enumerate() {
                        @if i > 0 { ", " }
                        code { (id) }
                    }
                }
            }
            p { a href="/admin/orders" { (signed.t(&label::TO_ORDERS)) } }
        }
    }
}

fn answer(status: StatusCode, signed: &Signed<'_>, data_state: &str, result: Markup) -> Response {
    let title = signed.t(&label::TITLE);
    frame::render(
        status,
        title,
        data_state,
        signed,
        html! {
            h1 { (title) }
            (result)
            p { (signed.t(&label::INTRO)) }
            (form(signed))
        },
    )
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match frame::console_page(&state, &headers, Role::Operator).await {
        Ok(signed) => answer(StatusCode::OK, &signed, "statements", html! {}),
        Err(response) => response,
    }
}

fn report(signed: &Signed<'_>, source: &str, report: &ImportReport) -> Markup {
    html! {
        div.notice role="status" data-notice="imported" {
            p { (signed.t(&label::IMPORTED)) " " code { (source) } " (" (report.message) ")" }
            table data-table="import" {
                tbody {
                    tr { th scope="row" { (signed.t(&label::STATEMENTS)) } td.num data-fact="statements" { (report.statements) } }
                    tr { th scope="row" { (signed.t(&label::ENTRIES)) } td.num data-fact="entries" { (report.entries) } }
                    @for (outcome, count) in &report.outcomes {
                        tr { th scope="row" { (outcome) } td.num data-outcome=(outcome) { (count) } }
                    }
                    tr { th scope="row" { (signed.t(&label::REFUNDS_PROPOSED)) } td.num data-fact="refunds" { (report.refunds_proposed) } }
                    tr { th scope="row" { "SHA-256" } td { code { (report.sha256) } } }
                }
            }
            p { a href="/admin/reconciliation" { (signed.t(&label::TO_REPORT)) } }
        }
    }
}

fn refused(signed: &Signed<'_>, message: &str) -> Markup {
    let message: String = message.chars().take(300).collect();
    html! {
        p.notice role="alert" data-notice="refused" { (signed.t(&label::REFUSED)) " " (message) }
    }
}

/// What a file uploaded here is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Statement,
    StatusReport,
}

/// The multipart form's parts: the CSRF token and the file (kind, name, bytes).
struct Upload {
    csrf: String,
    file: Option<(FileKind, String, Vec<u8>)>,
}

async fn read_upload(multipart: &mut Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        csrf: String::new(),
        file: None,
    };
    // A form has two parts; more is not our form.
    for _ in 0..4 {
        let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? else {
            return Ok(upload);
        };
        match field.name() {
            Some("csrf") => {
                let bytes = field.bytes().await.map_err(|e| e.to_string())?;
                if bytes.len() > MAX_FIELD_BYTES {
                    return Err("the form is not ours".into());
                }
                upload.csrf = String::from_utf8_lossy(&bytes).into_owned();
            }
            Some(part @ ("statement" | "status_report")) => {
                let kind = if part == "statement" {
                    FileKind::Statement
                } else {
                    FileKind::StatusReport
                };
                let name: String = field
                    .file_name()
                    .unwrap_or("statement.xml")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(120)
                    .collect();
                let bytes = field.bytes().await.map_err(|e| e.to_string())?;
                upload.file = Some((kind, name, bytes.to_vec()));
            }
            _ => return Err("the form has a part it should not".into()),
        }
    }
    Err("the form has too many parts".into())
}

async fn upload(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    // The role first (a viewer's upload is not even read), the CSRF token
    // from the form's own part below.
    let signed = match frame::console_page(&state, &headers, Role::Operator).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let mut multipart = match Multipart::from_request(request, &state).await {
        Ok(multipart) => multipart,
        Err(_) => {
            return answer(
                StatusCode::BAD_REQUEST,
                &signed,
                "statements",
                refused(&signed, signed.t(&label::NOT_A_FILE_FORM)),
            );
        }
    };
    let upload = match read_upload(&mut multipart).await {
        Ok(upload) => upload,
        Err(reason) => {
            return answer(
                StatusCode::BAD_REQUEST,
                &signed,
                "statements",
                refused(&signed, &reason),
            );
        }
    };
    let valid = signed
        .console
        .operators
        .check_csrf(&signed.session, &upload.csrf)
        .await
        .unwrap_or(false);
    if !valid {
        return super::stale_form(signed.lang);
    }
    let Some((kind, name, bytes)) = upload.file.filter(|(_, _, b)| !b.is_empty()) else {
        return answer(
            StatusCode::BAD_REQUEST,
            &signed,
            "statements",
            refused(&signed, signed.t(&label::NO_FILE)),
        );
    };
    let source = format!("console:{name}");
    let treasury = &signed.console.treasury;
    let result = match kind {
        FileKind::Statement => treasury
            .import(&source, std::io::Cursor::new(bytes), &signed.actor())
            .await
            .map(|result| ("statement-imported", report(&signed, &name, &result))),
        FileKind::StatusReport => treasury
            .apply_status_report(&bytes, &signed.actor())
            .await
            .map(|result| ("status-applied", applied(&signed, &name, &result))),
    };
    match result {
        Ok((data_state, shown)) => answer(StatusCode::OK, &signed, data_state, shown),
        Err(
            error @ (TreasuryError::Document(_)
            | TreasuryError::Refused(_)
            | TreasuryError::StatusReport(_)),
        ) => answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            &signed,
            "statements",
            refused(&signed, &error.to_string()),
        ),
        Err(error) => {
            tracing::error!(%error, "a statement upload failed on our side");
            frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                &signed,
                "unavailable",
                &crate::labels::console::UNAVAILABLE_TITLE,
                signed.t(&crate::labels::console::UNAVAILABLE),
            )
        }
    }
}
