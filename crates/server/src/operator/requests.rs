//! The console's payment requests (docs/console-requests.md): `GET
//! /admin/requests` searches every client's requests, `GET
//! /admin/requests/{id}` shows one with its whole history on one timeline,
//! and four actions on it — re-send a notification, ask the provider for the
//! status now, cancel, issue a document — each answering with a redirect back
//! to the request's page and a notice. The work is
//! `maksa_app::requests_console::RequestsConsole`'s; this module only
//! translates.

use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::{Text, console as common, requests as label};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maksa_app::documents::{DocumentFormat, DocumentLanguage};
use maksa_app::error::AppError;
use maksa_app::operators::Role;
use maksa_app::requests_console::{
    FILTER_FIELDS, FILTER_MAX_CHARS, FilterError, FilterProblem, IssueKind, PAGE_SIZE, RequestPage,
    answer_code, cursor_of, parse_filter,
};
use maksa_app::store::ConsoleRequest;
use maksa_domain::attempt::AttemptState;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::status::Status;
use maud::{Markup, html};
use std::collections::HashMap;
use time::OffsetDateTime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/requests", get(search))
        .route("/admin/requests/{id}", get(detail))
        .route("/admin/requests/{id}/resend", post(resend))
        .route("/admin/requests/{id}/status", post(ask_status))
        .route("/admin/requests/{id}/cancel", post(cancel))
        .route("/admin/requests/{id}/document", post(issue))
        .route("/admin/requests/{id}/document.pdf", get(document))
}

/// The search form's fields with their labels, in the order shown.
const FIELD_LABELS: [(&str, &Text); 13] = [
    ("client", &label::F_CLIENT),
    ("status", &label::F_STATUS),
    ("from", &label::F_FROM),
    ("till", &label::F_TILL),
    ("service", &label::F_SERVICE),
    ("step", &label::F_STEP),
    ("provider", &label::F_PROVIDER),
    ("amount_from", &label::F_AMOUNT_FROM),
    ("amount_till", &label::F_AMOUNT_TILL),
    ("payer", &label::F_PAYER),
    ("number", &label::F_NUMBER),
    ("id", &label::F_ID),
    ("purpose", &label::F_PURPOSE),
];

fn problem_label(problem: FilterProblem) -> &'static Text {
    match problem {
        FilterProblem::TooLong => &label::P_TOO_LONG,
        FilterProblem::NotAClient => &label::P_CLIENT,
        FilterProblem::NotAStatus => &label::P_STATUS,
        FilterProblem::NotADate => &label::P_DATE,
        FilterProblem::NotAnAmount => &label::P_AMOUNT,
        FilterProblem::NotAProvider => &label::P_PROVIDER,
        FilterProblem::NotAPayerCode => &label::P_PAYER,
        FilterProblem::NotANumber => &label::P_NUMBER,
        FilterProblem::NotAnId => &label::P_ID,
        FilterProblem::NotAPurposeId => &label::P_PURPOSE,
        FilterProblem::NotACode => &label::P_CODE,
        FilterProblem::Reversed => &label::P_REVERSED,
        FilterProblem::NotACursor => &label::P_CURSOR,
    }
}

/// A time as the console shows it: Riga's local time.
fn when(at: OffsetDateTime) -> String {
    let local = at.to_offset(maksa_domain::datetime::riga_offset_at(at));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// A value echoed back into the form: bounded.
fn echoed(query: &HashMap<String, String>, name: &str) -> String {
    query
        .get(name)
        .map(|v| v.chars().take(FILTER_MAX_CHARS.saturating_add(1)).collect())
        .unwrap_or_default()
}

/// The query string of the search with `before` set (the next page).
fn next_page_link(query: &HashMap<String, String>, before: &str) -> String {
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    for name in FILTER_FIELDS {
        if name == "before" {
            continue;
        }
        let value = echoed(query, name);
        if !value.trim().is_empty() {
            link.append_pair(name, &value);
        }
    }
    link.append_pair("before", before);
    format!("/admin/requests?{}", link.finish())
}

fn search_form(signed: &Signed<'_>, query: &HashMap<String, String>) -> Markup {
    html! {
        form.filters method="get" action="/admin/requests" role="search" {
            fieldset {
                legend { (signed.t(&label::SEARCH_LEGEND)) }
                @for (name, text) in FIELD_LABELS {
                    p {
                        label for={ "f-" (name) } { (signed.t(text)) } br;
                        @if name == "status" {
                            select id={ "f-" (name) } name=(name) {
                                option value="" { (signed.t(&label::F_ANY_STATUS)) }
                                @for letter in ["P", "E", "R", "O", "C"] {
                                    option value=(letter) selected[echoed(query, name) == letter] { (letter) }
                                }
                            }
                        } @else {
                            input id={ "f-" (name) } name=(name) value=(echoed(query, name))
                                maxlength=(FILTER_MAX_CHARS)
                                type=(if name == "from" || name == "till" { "date" } else { "text" })
                                autocomplete="off";
                        }
                    }
                }
                p {
                    button type="submit" data-action="search" { (signed.t(&label::SEARCH)) }
                    " "
                    a href="/admin/requests" { (signed.t(&label::CLEAR)) }
                }
            }
        }
    }
}

fn results(signed: &Signed<'_>, found: &[ConsoleRequest]) -> Markup {
    html! {
        @if found.is_empty() {
            p data-results="0" { (signed.t(&label::NONE_FOUND)) }
        } @else {
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&crate::labels::console::NAV_REQUESTS)) {
                table data-results=(found.len()) {
                    caption { (signed.t(&label::RESULTS)) }
                    thead { tr {
                        th scope="col" { (signed.t(&label::COL_NUMBER)) }
                        th scope="col" { (signed.t(&label::COL_CREATED)) }
                        th scope="col" { (signed.t(&label::COL_CLIENT)) }
                        th scope="col" { (signed.t(&label::COL_SERVICE)) }
                        th scope="col" { (signed.t(&label::COL_TOTAL)) }
                        th scope="col" { (signed.t(&label::COL_STATUS)) }
                    } }
                    tbody {
                        @for row in found {
                            tr data-request=(row.summary.id) {
                                th scope="row" {
                                    a href={ "/admin/requests/" (row.summary.id) } data-action="open-request" {
                                        (row.summary.number)
                                    }
                                }
                                td { (when(row.summary.created_at)) }
                                td { (row.owner) }
                                td { (row.summary.service_name) }
                                td.num { (row.summary.total) " " (row.summary.currency.as_str()) }
                                td data-status=(row.summary.status.letter()) { (row.summary.status.letter()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /admin/requests`: the search (viewer).
async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let title = signed.t(&label::TITLE);
    let filter = match parse_filter(|name| query.get(name).map(String::as_str)) {
        Ok(filter) => filter,
        Err(FilterError { field, problem }) => {
            let field_label = FIELD_LABELS
                .iter()
                .find(|(name, _)| *name == field)
                .map_or(field, |(_, text)| signed.t(text));
            let body = html! {
                h1 { (title) }
                p.notice role="alert" data-notice="bad-filter" data-field=(field) {
                    (signed.t(&label::BAD_FILTER_TITLE)) ": " (field_label) " " (signed.t(problem_label(problem)))
                }
                (search_form(&signed, &query))
            };
            return frame::render(StatusCode::BAD_REQUEST, title, "bad-filter", &signed, body);
        }
    };
    let found = match state.requests_console.search(&filter).await {
        Ok(found) => found,
        Err(error) => return app_error(&signed, &error),
    };
    let full_page = u32::try_from(found.len()).is_ok_and(|n| n >= PAGE_SIZE);
    let next = found
        .last()
        .filter(|_| full_page)
        .map(|last| next_page_link(&query, &cursor_of(last)));
    let body = html! {
        h1 { (title) }
        (search_form(&signed, &query))
        (results(&signed, &found))
        p {
            @if filter.before.is_some() {
                a href="/admin/requests" data-action="first-page" { (signed.t(&label::FIRST_PAGE)) } " "
            }
            @if let Some(next) = next {
                a href=(next) rel="next" data-action="next-page" {
                    (signed.t(&label::NEXT_PAGE))
                }
            }
        }
    };
    frame::render(StatusCode::OK, title, "requests", &signed, body)
}

/// The notice codes a request's page shows, with their texts.
const NOTICES: [(&str, &Text); 15] = [
    ("resent", &label::N_RESENT),
    ("no-such-notification", &label::N_NO_SUCH_NOTIFICATION),
    ("executed", &label::N_EXECUTED),
    ("rejected", &label::N_REJECTED),
    ("accepted", &label::N_ACCEPTED),
    ("no-answer", &label::N_NO_ANSWER),
    ("unavailable", &label::N_UNAVAILABLE),
    ("refused", &label::N_REFUSED),
    ("no-connector", &label::N_NO_CONNECTOR),
    ("no-open-attempt", &label::N_NO_OPEN_ATTEMPT),
    ("cancelled", &label::N_CANCELLED),
    ("cancel-refused", &label::N_CANCEL_REFUSED),
    ("issued", &label::N_ISSUED),
    ("not-due", &label::N_NOT_DUE),
    ("bad-form", &label::N_BAD_FORM),
];

fn request_id(text: &str) -> Option<PaymentRequestId> {
    PaymentRequestId::parse(text)
}

fn not_found(signed: &Signed<'_>) -> Response {
    frame::notice(
        StatusCode::NOT_FOUND,
        signed,
        "not-found",
        &common::NOT_FOUND_TITLE,
        signed.t(&common::NOT_FOUND_TITLE),
    )
}

fn app_error(signed: &Signed<'_>, error: &AppError) -> Response {
    match error {
        AppError::NotFound { .. } | AppError::BadInput { .. } => not_found(signed),
        _ => {
            tracing::error!(%error, "a console requests page failed");
            frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                signed,
                "unavailable",
                &common::UNAVAILABLE_TITLE,
                signed.t(&common::UNAVAILABLE),
            )
        }
    }
}

/// `GET /admin/requests/{id}`: the request and its timeline (viewer).
async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Some(id) = request_id(&id) else {
        return not_found(&signed);
    };
    let page = match state.requests_console.page(id).await {
        Ok(page) => page,
        Err(error) => return app_error(&signed, &error),
    };
    let notice = query
        .get("notice")
        .and_then(|code| NOTICES.iter().find(|(c, _)| *c == code.as_str()));
    let title = format!("{} {}", signed.t(&label::REQUEST), page.request.number);
    let body = request_body(&signed, &page, notice.map(|(code, text)| (*code, *text)));
    frame::render(StatusCode::OK, &title, "request", &signed, body)
}

fn request_body(signed: &Signed<'_>, page: &RequestPage, notice: Option<(&str, &Text)>) -> Markup {
    let request = &page.request;
    let terms = &request.terms;
    let id = request.id;
    let operator = signed.may(Role::Operator);
    let open_attempt = page
        .attempts
        .iter()
        .any(|a| matches!(a.state, AttemptState::Started | AttemptState::Accepted));
    html! {
        h1 { (signed.t(&label::REQUEST)) " " (request.number) }
        @if let Some((code, text)) = notice {
            p.notice role="status" data-notice=(code) { (signed.t(text)) }
        }
        dl data-request=(id) {
            dt { (signed.t(&label::D_ID)) } dd { (id) }
            dt { (signed.t(&label::D_CLIENT)) } dd { (request.owner) }
            dt { (signed.t(&label::D_SERVICE)) } dd { (terms.service_code) " — " (terms.service_name) " (" (terms.service_provider_name) ")" }
            dt { (signed.t(&label::D_STEP)) } dd { (terms.service_step) " — " (terms.step_name) }
            dt { (signed.t(&label::D_STATUS)) } dd data-status=(request.status.letter()) { (request.status.letter()) }
            dt { (signed.t(&label::D_CREATED)) } dd { (when(request.created_at)) }
            dt { (signed.t(&label::D_EXPIRES)) } dd { (when(terms.expires_at)) }
            dt { (signed.t(&label::D_TOTAL)) } dd { (terms.total) " " (terms.currency.as_str()) }
            dt { (signed.t(&label::D_PAYER)) }
            dd { (terms.payer.first_name.as_deref().unwrap_or_default()) " " (terms.payer.name.as_deref().unwrap_or_default()) }
            dt { (signed.t(&label::D_PAYER_CODE)) }
            dd { (terms.payer.code.as_ref().map(|c| c.as_str()).unwrap_or_default()) }
            dt { (signed.t(&label::D_URLS)) }
            dd {
                @for url in [&terms.response_url, &terms.server_response_url, &terms.return_redirect_url].into_iter().flatten() {
                    code { (url) } br;
                }
            }
            dt { (signed.t(&label::D_PAYER_PAGE)) }
            dd { code { "/Payments/?id=" (id) } }
        }
        h2 { (signed.t(&label::PAYMENTS)) }
        div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::PAYMENTS)) { table {
            thead { tr {
                th scope="col" { (signed.t(&label::COL_SEQUENCE)) }
                th scope="col" { (signed.t(&label::COL_PAYEE)) }
                th scope="col" { (signed.t(&label::COL_PURPOSE)) }
                th scope="col" { (signed.t(&label::COL_POSITIONS)) }
                th scope="col" { (signed.t(&label::COL_AMOUNT)) }
                th scope="col" { (signed.t(&label::COL_STATUS)) }
            } }
            tbody {
                @for payment in &request.payments {
                    tr {
                        th scope="row" { (payment.sequence) }
                        td { (payment.payee.name) br; code { (payment.payee.iban) } }
                        td { code { (payment.purpose) } }
                        td { ul { @for line in &payment.lines {
                            li { (line.position) " " (line.name) ": " (line.amount) }
                        } } }
                        td.num { (payment.amount) " " (payment.currency.as_str()) }
                        td { (payment.status.letter()) }
                    }
                }
            }
        } }
        h2 { (signed.t(&label::ATTEMPTS)) }
        @if page.attempts.is_empty() {
            p { (signed.t(&label::NO_ATTEMPTS)) }
        } @else {
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::ATTEMPTS)) { table {
                thead { tr {
                    th scope="col" { (signed.t(&label::COL_ATTEMPT)) }
                    th scope="col" { (signed.t(&label::COL_PROVIDER)) }
                    th scope="col" { (signed.t(&label::COL_SEQUENCE)) }
                    th scope="col" { (signed.t(&label::COL_AMOUNT)) }
                    th scope="col" { (signed.t(&label::COL_STATE)) }
                    th scope="col" { (signed.t(&label::COL_CREATED)) }
                } }
                tbody {
                    @for attempt in &page.attempts {
                        tr data-attempt=(attempt.id) {
                            th scope="row" { code { (attempt.id) } }
                            td { (attempt.provider) }
                            td { (attempt.sequence) }
                            td.num { (attempt.amount) " " (attempt.currency.as_str()) }
                            td data-state=(attempt.state.as_str()) { (attempt.state.as_str()) }
                            td { (when(attempt.created_at)) }
                        }
                    }
                }
            } }
        }
        h2 { (signed.t(&label::NOTIFICATIONS)) }
        @if page.notifications.is_empty() {
            p { (signed.t(&label::NO_NOTIFICATIONS)) }
        } @else {
            div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::NOTIFICATIONS)) { table {
                thead { tr {
                    th scope="col" { (signed.t(&label::COL_EVENT)) }
                    th scope="col" { (signed.t(&label::COL_ANNOUNCES)) }
                    th scope="col" { (signed.t(&label::COL_STATE)) }
                    th scope="col" { (signed.t(&label::COL_TRIES)) }
                    th scope="col" { (signed.t(&label::COL_CREATED)) }
                    @if operator { th scope="col" { (signed.t(&label::COL_ACTION)) } }
                } }
                tbody {
                    @for (notification, _) in &page.notifications {
                        tr data-notification=(notification.id) {
                            th scope="row" { code { (notification.id) } }
                            td { (notification.status.letter()) }
                            td data-state=(notification.state.as_str()) { (notification.state.as_str()) }
                            td { (notification.attempts) }
                            td { (when(notification.created_at)) }
                            @if operator {
                                td {
                                    form.inline method="post" action={ "/admin/requests/" (id) "/resend" } {
                                        (signed.csrf())
                                        input type="hidden" name="notification" value=(notification.id);
                                        button type="submit" data-action="resend" { (signed.t(&label::RESEND)) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        h2 { (signed.t(&label::ACTIONS)) }
        p { a href={ "/admin/requests/" (id) "/document.pdf" } data-action="document" { (signed.t(&label::DOCUMENT)) } }
        @if operator {
            @if open_attempt {
                form method="post" action={ "/admin/requests/" (id) "/status" } {
                    (signed.csrf())
                    p { button type="submit" data-action="ask-status" { (signed.t(&label::ASK_STATUS)) } }
                }
            }
            @if request.status == Status::InProcess {
                form method="post" action={ "/admin/requests/" (id) "/cancel" } {
                    (signed.csrf())
                    p { button.secondary type="submit" data-action="cancel" { (signed.t(&label::CANCEL)) } }
                }
            }
            form method="post" action={ "/admin/requests/" (id) "/document" } {
                (signed.csrf())
                p {
                    button type="submit" name="kind" value="invoice" data-action="issue-invoice" { (signed.t(&label::ISSUE_INVOICE)) }
                    " "
                    @if request.status == Status::Executed {
                        button type="submit" name="kind" value="receipt" data-action="issue-receipt" { (signed.t(&label::ISSUE_RECEIPT)) }
                    }
                }
            }
        } @else {
            p { (signed.t(&label::VIEWER_ONLY)) }
        }
        h2 { (signed.t(&label::TIMELINE)) }
        @if let Some(all) = page.cut_from {
            p data-cut=(all) { (signed.t(&label::TIMELINE_CUT)) " " (page.timeline.len()) " / " (all) }
        }
        div.scroll role="region" tabindex="0" aria-label=(signed.t(&label::TIMELINE)) { table data-timeline=(page.timeline.len()) {
            thead { tr {
                th scope="col" { (signed.t(&label::COL_WHEN)) }
                th scope="col" { (signed.t(&label::COL_WHAT)) }
                th scope="col" { (signed.t(&label::COL_ACTOR)) }
                th scope="col" { (signed.t(&label::COL_DETAILS)) }
            } }
            tbody {
                @for entry in &page.timeline {
                    tr data-what=(entry.what) {
                        th scope="row" { (when(entry.at)) }
                        td { code { (entry.what) } }
                        td { (entry.actor) }
                        td { (entry.details) }
                    }
                }
            }
        } }
    }
}

/// An action's redirect back to the request's page with `notice`.
fn back(id: PaymentRequestId, notice: &str) -> Response {
    Redirect::to(&format!("/admin/requests/{id}?notice={notice}")).into_response()
}

/// The operator and the request of an action, or the answer already given.
async fn action<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    body: Body,
    id: &str,
) -> Result<(Signed<'a>, HashMap<String, String>, PaymentRequestId), Response> {
    let (signed, form) = frame::console_action(state, headers, body, Role::Operator).await?;
    match request_id(id) {
        Some(id) => Ok((signed, form, id)),
        None => Err(not_found(&signed)),
    }
}

/// `POST /admin/requests/{id}/resend` (operator): `notification`'s event id.
async fn resend(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, form, id) = match action(&state, &headers, body, &id).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let Some(notification) = form
        .get("notification")
        .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
    else {
        return back(id, "bad-form");
    };
    match state
        .requests_console
        .resend(id, notification, &signed.actor())
        .await
    {
        Ok(_) => back(id, "resent"),
        Err(AppError::NotFound { .. }) => back(id, "no-such-notification"),
        Err(error) => app_error(&signed, &error),
    }
}

/// `POST /admin/requests/{id}/status` (operator).
async fn ask_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, _, id) = match action(&state, &headers, body, &id).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    match state.requests_console.ask_status(id, &signed.actor()).await {
        Ok(answer) => back(id, answer_code(answer)),
        Err(AppError::Conflict { .. }) => back(id, "no-open-attempt"),
        Err(error) => app_error(&signed, &error),
    }
}

/// `POST /admin/requests/{id}/cancel` (operator).
async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, _, id) = match action(&state, &headers, body, &id).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    match state.requests_console.cancel(id, &signed.actor()).await {
        Ok(_) => back(id, "cancelled"),
        Err(AppError::Conflict { .. }) => back(id, "cancel-refused"),
        Err(error) => app_error(&signed, &error),
    }
}

/// `POST /admin/requests/{id}/document` (operator): `kind` = `receipt` or
/// `invoice`.
async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (signed, form, id) = match action(&state, &headers, body, &id).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let kind = match form.get("kind").map(String::as_str) {
        Some("receipt") => IssueKind::Receipt,
        Some("invoice") => IssueKind::Invoice,
        _ => return back(id, "bad-form"),
    };
    match state
        .requests_console
        .issue(id, kind, &signed.actor())
        .await
    {
        Ok(_) => back(id, "issued"),
        Err(AppError::Conflict { .. }) => back(id, "not-due"),
        Err(error) => app_error(&signed, &error),
    }
}

/// `GET /admin/requests/{id}/document.pdf` (viewer): the latest document, in
/// the page's language.
async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Some(id) = request_id(&id) else {
        return not_found(&signed);
    };
    let language = match signed.lang {
        crate::labels::Lang::Lv => DocumentLanguage::Latvian,
        crate::labels::Lang::En => DocumentLanguage::English,
    };
    match state
        .documents
        .latest_for_operator(id, DocumentFormat::Pdf, language)
        .await
    {
        Ok(file) => {
            let mut response = file.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            );
            if let Ok(value) =
                HeaderValue::from_str(&format!("inline; filename=\"{}\"", file.file_name))
            {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Err(error) => app_error(&signed, &error),
    }
}
