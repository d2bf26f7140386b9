//! The operator's pages at `/admin/` (docs/operator.md): sign-in with the
//! second factor and its enrolment, the accounts, the activity log, the
//! reconciliation report with its chart, the statement entries (drill-down
//! and CSV export) and the payment orders — every page written with maud
//! through the console's frame (`frame.rs`), its words in `crate::labels`. They call
//! `maksa_app::operators::Operators` (accounts, sessions, CSRF) and
//! `maksa_app::treasury::Treasury`; this module only translates.
//!
//! Every page and action needs a session (else: to the sign-in page); every
//! POST carries the session's CSRF token. When the hub has a TLS listener
//! the pages answer only there: over plain HTTP they are not found.

// The `Err` of these helpers is the page to answer, built once per request
// and returned at once: boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

mod accounts;
mod activity;
mod batches;
mod cards;
mod catalogue;
mod catalogue_forms;
mod certificates;
mod charts;
mod dashboard;
mod entries;
pub(crate) mod frame;
mod limits;
mod orders;
mod privacy;
mod queues;
mod report;
mod statements;

pub(crate) use statements::{MAX_STATEMENT_BYTES, STATEMENTS_PATH};
mod reports;

pub use dashboard::render_html as dashboard_html;
mod requests;

use crate::AppState;
use crate::labels::{Lang, Text, accounts as account_label, console as console_label};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maksa_app::operators::{OperatorSession, Operators, SignIn, totp};
use maksa_app::treasury::Treasury;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The session cookie.
pub const SESSION_COOKIE: &str = "maksa_operator";
/// The sign-in form's cookie (before there is a session).
pub const FORM_COOKIE: &str = "maksa_operator_form";
/// Where both cookies are sent.
const COOKIE_PATH: &str = "/admin";
/// The largest operator form body (a handful of short fields).
pub const OPERATOR_FORM_LIMIT: usize = 8 * 1024;
/// A cookie longer than this is not one the hub issued.
const MAX_COOKIE_CHARS: usize = 512;

/// What the operator's pages need; given to the server when operators are
/// configured.
#[derive(Clone)]
pub struct OperatorConsole {
    pub operators: Arc<Operators>,
    pub treasury: Treasury,
    /// Set by `serve`: the hub has a TLS listener, so the pages answer only
    /// there.
    pub(crate) tls_only: bool,
}

impl OperatorConsole {
    pub fn new(operators: Arc<Operators>, treasury: Treasury) -> OperatorConsole {
        OperatorConsole {
            operators,
            treasury,
            tls_only: false,
        }
    }
}

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/") }))
        .route("/admin/", get(dashboard::page))
        .route("/admin/reconciliation", get(report::report_page))
        .route("/admin/language/{code}", get(frame::switch_language))
        .route("/admin/sign-in", get(sign_in_page).post(sign_in))
        .route("/admin/sign-out", post(sign_out))
        .route("/admin/enrol", get(enrol_page).post(enrol))
        .route(
            "/admin/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route("/admin/accounts/{name}/{action}", post(accounts::act))
        .route("/admin/activity", get(activity::list))
        .route("/admin/entries", get(entries::list))
        .route("/admin/entries.csv", get(entries::csv))
        .route("/admin/entries/{id}", get(entries::detail))
        .route("/admin/entries/{id}/refund", post(entries::refund))
        .route("/admin/orders", get(orders::list))
        .route("/admin/orders/{id}/approve", post(orders::approve))
        .route("/admin/orders/{id}/cancel", post(orders::cancel))
        .route(
            "/admin/batches",
            get(batches::list).post(orders::write_batches),
        )
        .route("/admin/batches/{message_id}/file", get(batches::file))
        .route(
            "/admin/batches/{message_id}/submitted",
            post(batches::submitted),
        )
        .route("/admin/cards", get(cards::list))
        .route("/admin/limits", get(limits::page))
        .route("/admin/cards/{id}/propose", post(cards::propose))
        .route("/admin/cards/{id}/reverse", post(cards::propose))
        .route("/admin/cards/{id}/approve", post(cards::approve))
        .route("/admin/cards/close-day", post(cards::close_day))
        .route("/admin/reports", get(reports::page))
        .route("/admin/reports.csv", get(reports::csv))
        .route("/admin/reports.xlsx", get(reports::xlsx))
        .merge(requests::routes())
        .route("/admin/privacy", get(privacy::page))
        .route("/admin/privacy/look-up", post(privacy::look_up))
        .route("/admin/privacy/export", post(privacy::export))
        .route("/admin/privacy/erase", post(privacy::erase))
        .route("/admin/catalogue", get(catalogue::page))
        .route("/admin/catalogue.toml", get(catalogue::export))
        .route("/admin/catalogue/prices", post(catalogue::schedule_price))
        .route(
            "/admin/catalogue/contracts/{client}",
            post(catalogue::edit_contract),
        )
        .route(
            "/admin/catalogue/entries/{kind}",
            get(catalogue_forms::page).post(catalogue_forms::save),
        )
        .route(
            "/admin/catalogue/edit",
            get(catalogue::edit_page).post(catalogue::apply_toml),
        )
        .route(
            "/admin/certificates",
            get(certificates::page)
                .post(certificates::register)
                .layer(DefaultBodyLimit::max(certificates::CERTIFICATE_FORM_LIMIT)),
        )
        .route(
            "/admin/certificates/{thumbprint}",
            get(certificates::detail),
        )
        .route(
            "/admin/certificates/{thumbprint}/access",
            post(certificates::set_access),
        )
        .route(
            "/admin/certificates/{thumbprint}/retire-secrets",
            get(certificates::confirm_retire).post(certificates::retire_secrets),
        )
        .route(
            "/admin/certificates/{thumbprint}/revoke",
            get(certificates::confirm_revoke).post(certificates::revoke),
        )
        .route(
            "/admin/certificates/secrets/{client}",
            post(certificates::rotate_secret),
        )
        .route("/admin/operator.css", get(stylesheet))
        .merge(queues::routes())
        .merge(statements::routes())
        .route_layer(axum::middleware::from_fn_with_state(state, only_over_tls))
        // The console was at `/operator/` before issue 17: old bookmarks land.
        .route(
            "/operator",
            get(|| async { Redirect::permanent("/admin/") }),
        )
        .route("/operator/{*rest}", get(moved))
}

async fn moved(axum::extract::Path(rest): axum::extract::Path<String>) -> Response {
    let rest: String = rest
        .chars()
        .take(256)
        .filter(|c| c.is_ascii_alphanumeric() || "-_./".contains(*c))
        .collect();
    if rest.contains("..") || rest.contains("//") {
        return Redirect::permanent("/admin/").into_response();
    }
    Redirect::permanent(&format!("/admin/{rest}")).into_response()
}

/// Whether `path` (lower-cased) is an operator page, for the metrics' label.
pub fn is_operator_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/") || path.starts_with("/operator")
}

/// Over plain HTTP when the hub also listens with TLS: not found, so that a
/// password never crosses the network in the clear by mistake.
async fn only_over_tls(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let over_tls = request.extensions().get::<maksa_x509::TlsPeer>().is_some();
    match &state.operator {
        Some(console) if !console.tls_only || over_tls => next.run(request).await,
        _ => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The console, or (never in practice: the routes are mounted only with one)
/// a 404.
fn console(state: &AppState) -> Result<&OperatorConsole, Response> {
    state
        .operator
        .as_ref()
        .ok_or_else(|| (StatusCode::NOT_FOUND, "not found\n").into_response())
}

fn over_tls(extensions: &axum::http::Extensions) -> bool {
    extensions.get::<maksa_x509::TlsPeer>().is_some()
}

/// The values of cookie `name` (a foreign one for a narrower path may come first).
fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    crate::pages::cookies(headers, name, MAX_COOKIE_CHARS)
}

/// The signed-in operator, enrolled or not, or the redirect to the sign-in page.
async fn any_session(
    console: &OperatorConsole,
    headers: &HeaderMap,
) -> Result<OperatorSession, Response> {
    for cookie in cookies(headers, SESSION_COOKIE) {
        match console.operators.session(cookie).await {
            Ok(Some(session)) => return Ok(session),
            Ok(None) => continue,
            Err(error) => {
                tracing::error!(%error, "the operator session key is unavailable");
                return Err(unavailable(frame::language(headers)));
            }
        }
    }
    Err(Redirect::to("/admin/sign-in").into_response())
}

/// The signed-in operator with a second factor, or the redirect to the
/// sign-in page (or to the enrolment page, before any other page opens).
pub(crate) async fn signed_in(
    console: &OperatorConsole,
    headers: &HeaderMap,
) -> Result<OperatorSession, Response> {
    let session = any_session(console, headers).await?;
    if !session.enrolled {
        return Err(Redirect::to("/admin/enrol").into_response());
    }
    Ok(session)
}

/// 403: the form's CSRF token is not this session's (or has expired).
fn stale_form(lang: Lang) -> Response {
    notice_public(
        StatusCode::FORBIDDEN,
        lang,
        "stale-form",
        &console_label::STALE_FORM_TITLE,
        &console_label::STALE_FORM,
    )
}

/// A page with one message, outside the frame (no session to show).
fn notice_public(
    status: StatusCode,
    lang: Lang,
    data_state: &str,
    title: &Text,
    message: &Text,
) -> Response {
    let title = lang.of(title);
    frame::render_public(
        status,
        lang,
        title,
        data_state,
        maud::html! {
            h1 { (title) }
            p.notice role="alert" { (lang.of(message)) }
        },
    )
}

async fn read_form(headers: &HeaderMap, body: Body) -> Result<HashMap<String, String>, Response> {
    read_form_up_to(headers, body, OPERATOR_FORM_LIMIT).await
}

/// [`read_form`] with a larger limit (the catalogue's TOML, a certificate).
async fn read_form_up_to(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<HashMap<String, String>, Response> {
    let too_large = || {
        notice_public(
            StatusCode::PAYLOAD_TOO_LARGE,
            frame::language(headers),
            "too-large",
            &console_label::FORM_TOO_LARGE_TITLE,
            &console_label::FORM_TOO_LARGE,
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    Ok(url::form_urlencoded::parse(&bytes).into_owned().collect())
}

fn cookie_header(
    name: &str,
    value: &str,
    secure: bool,
    max_age: Option<i64>,
) -> Option<HeaderValue> {
    let mut cookie = format!("{name}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict");
    if secure {
        cookie.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&cookie).ok()
}

async fn sign_in_page(State(state): State<AppState>, request: Request) -> Response {
    let console = match console(&state) {
        Ok(console) => console,
        Err(response) => return response,
    };
    let secure = over_tls(request.extensions());
    if signed_in(console, request.headers()).await.is_ok() {
        return Redirect::to("/admin/").into_response();
    }
    let lang = frame::language(request.headers());
    sign_in_form(console, StatusCode::OK, None, secure, lang).await
}

async fn sign_in_form(
    console: &OperatorConsole,
    status: StatusCode,
    notice: Option<&Text>,
    secure: bool,
    lang: Lang,
) -> Response {
    let form = match console.operators.sign_in_form().await {
        Ok(form) => form,
        Err(error) => {
            tracing::error!(%error, "the operator session key is unavailable");
            return unavailable(lang);
        }
    };
    let title = lang.of(&account_label::SIGN_IN_TITLE);
    let body = maud::html! {
        h1 { (title) }
        @if let Some(notice) = notice {
            p.notice role="alert" data-notice="sign-in" { (lang.of(notice)) }
        }
        form method="post" action="/admin/sign-in" {
            input type="hidden" name="csrf" value=(form.token);
            p {
                label for="name" { (lang.of(&account_label::NAME)) } br;
                input id="name" name="name" autocomplete="username" required maxlength="64";
            }
            p {
                label for="password" { (lang.of(&account_label::PASSWORD)) } br;
                input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024";
            }
            p {
                label for="code" { (lang.of(&account_label::CODE)) } br;
                input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" pattern="[0-9 ]*" aria-describedby="code-hint";
                br;
                small id="code-hint" { (lang.of(&account_label::CODE_HINT)) }
            }
            p { button type="submit" data-action="sign-in" { (lang.of(&account_label::SIGN_IN)) } }
        }
    };
    let mut response = frame::render_public(status, lang, title, "sign-in", body);
    if let Some(value) = cookie_header(FORM_COOKIE, &form.cookie, secure, None) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn unavailable(lang: Lang) -> Response {
    let title = lang.of(&console_label::UNAVAILABLE_TITLE);
    frame::render_public(
        StatusCode::SERVICE_UNAVAILABLE,
        lang,
        title,
        "unavailable",
        maud::html! {
            h1 { (title) }
            p.notice role="alert" { (lang.of(&account_label::SIGN_IN_UNAVAILABLE)) }
        },
    )
}

async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let console = match console(&state) {
        Ok(console) => console,
        Err(response) => return response,
    };
    let secure = over_tls(request.extensions());
    let lang = frame::language(request.headers());
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let (parts, body) = request.into_parts();
    let form = match read_form(&parts.headers, body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let token = form.get("csrf").map(String::as_str).unwrap_or_default();
    let mut form_ok = false;
    for cookie in cookies(&parts.headers, FORM_COOKIE) {
        if console
            .operators
            .check_sign_in_form(cookie, token)
            .await
            .unwrap_or(false)
        {
            form_ok = true;
            break;
        }
    }
    if !form_ok {
        return sign_in_form(
            console,
            StatusCode::FORBIDDEN,
            Some(&account_label::SIGN_IN_EXPIRED),
            secure,
            lang,
        )
        .await;
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    match console
        .operators
        .sign_in(field("name"), field("password"), field("code"), address)
        .await
    {
        Ok(SignIn::Accepted(session)) => {
            let to = if session.enrolled {
                "/admin/"
            } else {
                "/admin/enrol"
            };
            let mut response = Redirect::to(to).into_response();
            let max_age = console.operators.settings().lifetime.whole_seconds().max(0);
            if let Some(value) =
                cookie_header(SESSION_COOKIE, session.cookie(), secure, Some(max_age))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            if let Some(value) = cookie_header(FORM_COOKIE, "", secure, Some(0)) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Ok(SignIn::Refused) => {
            sign_in_form(
                console,
                StatusCode::UNAUTHORIZED,
                Some(&account_label::SIGN_IN_REFUSED),
                secure,
                lang,
            )
            .await
        }
        Ok(SignIn::Throttled) => {
            sign_in_form(
                console,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&account_label::SIGN_IN_THROTTLED),
                secure,
                lang,
            )
            .await
        }
        Err(error) => {
            tracing::error!(%error, "operator sign-in failed on our side");
            unavailable(lang)
        }
    }
}

/// The session and form of a POST that an operator without a second factor
/// may also send (enrolment, sign-out): session and CSRF token checked.
async fn any_session_form(
    console: &OperatorConsole,
    headers: &HeaderMap,
    body: Body,
) -> Result<(OperatorSession, HashMap<String, String>), Response> {
    let session = any_session(console, headers).await?;
    let form = read_form(headers, body).await?;
    let token = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !console
        .operators
        .check_csrf(&session, token)
        .await
        .unwrap_or(false)
    {
        return Err(stale_form(frame::language(headers)));
    }
    Ok((session, form))
}

async fn sign_out(State(state): State<AppState>, request: Request) -> Response {
    let console = match console(&state) {
        Ok(console) => console,
        Err(response) => return response,
    };
    let secure = over_tls(request.extensions());
    let (parts, body) = request.into_parts();
    let session = match any_session_form(console, &parts.headers, body).await {
        Ok((session, _)) => session,
        Err(response) => return response,
    };
    if let Err(error) = console.operators.sign_out(&session).await {
        tracing::error!(%error, "ending an operator session failed");
        return unavailable(frame::language(&parts.headers));
    }
    let mut response = Redirect::to("/admin/sign-in").into_response();
    if let Some(value) = cookie_header(SESSION_COOKIE, "", secure, Some(0)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /admin/enrol`: an operator without a second factor sees the secret
/// to add to an authenticator app, and confirms a code before any other
/// page opens.
async fn enrol_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let console = match console(&state) {
        Ok(console) => console,
        Err(response) => return response,
    };
    let session = match any_session(console, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    enrol_form(
        console,
        &session,
        StatusCode::OK,
        false,
        frame::language(&headers),
    )
    .await
}

async fn enrol_form(
    console: &OperatorConsole,
    session: &OperatorSession,
    status: StatusCode,
    wrong: bool,
    lang: Lang,
) -> Response {
    if session.enrolled {
        return Redirect::to("/admin/").into_response();
    }
    let (secret, token) = match (
        console.operators.enrolment_secret(session).await,
        console.operators.csrf_token(session).await,
    ) {
        (Ok(secret), Ok(token)) => (secret, token),
        _ => return unavailable(lang),
    };
    let uri = totp::uri(&secret, &session.name);
    let title = lang.of(&account_label::ENROL_TITLE);
    let body = maud::html! {
        h1 { (title) }
        @if wrong {
            p.notice role="alert" data-notice="wrong-code" { (lang.of(&account_label::ENROL_WRONG)) }
        }
        p { (lang.of(&account_label::ENROL_INTRO)) }
        @if let Some(qr) = qr_code(&uri, lang.of(&account_label::QR_CODE)) { (qr) }
        dl {
            dt { (lang.of(&account_label::SECRET)) }
            dd { code data-totp-secret { (secret) } }
            dt { (lang.of(&account_label::URI)) }
            dd { code data-totp-uri { (uri) } }
        }
        form method="post" action="/admin/enrol" {
            input type="hidden" name="csrf" value=(token);
            p {
                label for="code" { (lang.of(&account_label::CODE)) } br;
                input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="8" pattern="[0-9 ]*";
            }
            p { button type="submit" data-action="enrol" { (lang.of(&account_label::CONFIRM)) } }
        }
        form.inline method="post" action="/admin/sign-out" {
            input type="hidden" name="csrf" value=(token);
            button.secondary type="submit" data-action="sign-out" { (lang.of(&console_label::SIGN_OUT)) }
        }
    };
    frame::render_public(status, lang, title, "enrol", body)
}

async fn enrol(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let console = match console(&state) {
        Ok(console) => console,
        Err(response) => return response,
    };
    let lang = frame::language(&headers);
    let (session, form) = match any_session_form(console, &headers, body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let code = form.get("code").map(String::as_str).unwrap_or_default();
    match console.operators.enrol(&session, code).await {
        Ok(true) => Redirect::to("/admin/").into_response(),
        Ok(false) => {
            enrol_form(
                console,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                true,
                lang,
            )
            .await
        }
        Err(error) => {
            tracing::error!(%error, "the second factor's enrolment failed");
            unavailable(lang)
        }
    }
}

/// `text` as a QR code in SVG, drawn here (no image, no script), named for
/// screen readers by `name`; `None` when the text is too long for a code.
fn qr_code(text: &str, name: &str) -> Option<maud::Markup> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    // The renderer writes a standalone document: its XML declaration goes,
    // the element gets its role and name.
    let element = svg.get(svg.find("<svg ")?..)?.strip_prefix("<svg ")?;
    let name = maud::html! { (name) }.into_string().replace('"', "&quot;");
    Some(maud::PreEscaped(format!(
        "<svg class=\"qr\" role=\"img\" aria-label=\"{name}\" data-totp-qr=\"\" {element}"
    )))
}

async fn stylesheet() -> Response {
    let mut response = OPERATOR_CSS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Wider pages than the payer's, for the report's tables.
const OPERATOR_CSS: &str = "main.operator { max-width: 90rem; }\n\
.scroll { overflow-x: auto; }\n\
.inline { display: inline; margin: 0 0.5rem 0 0; }\n\
.filters p { display: inline-block; margin: 0 1rem 0.5rem 0; }\n\
button.secondary { color: var(--accent); background: var(--bg); }\n\
svg.chart { max-width: 100%; height: auto; }\n\
svg.qr { width: 200px; height: auto; }\n\
.field-error { color: var(--warn); font-weight: 700; }\n\
.balanced-no { font-weight: 700; }\n";

/// A signed-in operator's page: the console, the session and its CSRF
/// token — or the answer already given (not mounted, sign-in page).
pub(crate) async fn signed_in_page<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
) -> Result<(&'a OperatorConsole, OperatorSession, String), Response> {
    let console = console(state)?;
    let (session, token) = session_and_token(console, headers).await?;
    Ok((console, session, token))
}

/// The session and its CSRF token, or the page to answer.
pub(crate) async fn session_and_token(
    console: &OperatorConsole,
    headers: &HeaderMap,
) -> Result<(OperatorSession, String), Response> {
    let session = signed_in(console, headers).await?;
    let token = console
        .operators
        .csrf_token(&session)
        .await
        .map_err(|_| stale_form(frame::language(headers)))?;
    Ok((session, token))
}

/// Signed minor units as `-12.34`.
pub(crate) fn signed_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}
