//! The payer's pages at `PaymentRequestUrl` and the providers' two endpoints.
//!
//! `GET /Payments/?id=` shows the request and what can be done with it;
//! `POST /Payments/pay` starts a payment and hands the payer to the provider;
//! `POST /Payments/refresh` asks the provider about an open payment;
//! `/providers/{code}/return` takes the payer's browser back and
//! `/providers/{code}/notify` the provider's server message. All of them call
//! `maksa_app::payer::Payer`; this module only translates. The same pages are
//! served at the original module's addresses ([`PageAddress`]), each page linking
//! within the address it was opened at.
//!
//! Forms carry a CSRF token bound to a key only the hub knows
//! (`maksa_app::payer::FormKey`): the HMAC of the browser's form session (a
//! nonce the hub issued, in a `SameSite=Strict` cookie whose own MAC must
//! verify) and the request id. Another site can neither read the cookie nor
//! make up a token. The providers' endpoints need none: what they carry is
//! signed; their bodies are small and bounded ([`FORM_BODY_LIMIT`]).

pub(crate) mod html;

/// The payer pages' headers, also on the error pages given before a handler runs.
pub(crate) use html::secure_headers;

use crate::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
pub use html::PageAddress;
use html::{Document, Prefs, csp, escape, money, page_link, respond};
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::payer::{Channel, FormKey, FormSession, PayerView, Stage};
use maksa_app::providers::{Handoff, Incoming};
use maksa_domain::attempt::{AttemptId, AttemptState};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::request::{Payment, PaymentRequest};
use maksa_domain::status::Status;
use std::collections::HashMap;
use std::fmt::Write;

const CSRF_COOKIE: &str = "maksa_csrf";

/// The largest body a page form or a provider message may have. Both are a
/// handful of short fields (a provider message is under 2 KiB); anyone can post
/// to these endpoints, so a larger body is refused before it is read.
pub const FORM_BODY_LIMIT: usize = 16 * 1024;

/// Page settings from configuration.
#[derive(Debug, Clone, Copy)]
pub struct PageSettings {
    /// Seconds the paid page counts down before sending the payer to
    /// `ReturnRedirectUrl`.
    pub return_redirect_seconds: u32,
}

impl Default for PageSettings {
    fn default() -> Self {
        PageSettings {
            return_redirect_seconds: 10,
        }
    }
}

/// The payer pages at every address, the providers' endpoints and the pages' assets.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for address in PageAddress::ALL {
        let path = address.path();
        router = router
            .route(path, get(payment_page))
            .route(&format!("{path}/"), get(payment_page))
            .route(&format!("{path}/pay"), post(pay))
            .route(&format!("{path}/refresh"), post(refresh));
    }
    router
        .route(
            "/providers/{code}/return",
            get(provider_return).post(provider_return),
        )
        .route(
            "/providers/{code}/notify",
            get(provider_notify).post(provider_notify),
        )
        .route("/assets/maksa.css", get(stylesheet))
        .route("/assets/autosubmit.js", get(autosubmit_script))
        .route("/assets/countdown.js", get(countdown_script))
        .route("/assets/reload.js", get(reload_script))
}

/// Whether `path` (lower-cased) is one of the payer pages, for the metrics' label.
pub fn is_page_path(path: &str) -> bool {
    PageAddress::ALL
        .iter()
        .any(|address| path.starts_with(&address.path().to_ascii_lowercase()))
}

pub async fn payment_page(
    State(state): State<AppState>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let prefs = Prefs::from_fields(&query).at(PageAddress::of(uri.path()));
    let id = query.get("id").map(String::as_str).unwrap_or_default();
    let catalog = state.requests.catalog();
    let view = match state.payer.view(id, &catalog).await {
        Ok(view) => view,
        Err(error) => return error_page(&error, &prefs),
    };
    let key = match state.payer.form_key().await {
        Ok(key) => key,
        Err(error) => return error_page(&error, &prefs),
    };
    // A cookie the hub did not issue (absent, foreign, from an older key)
    // gets a fresh session.
    let session = verified_session(key, &headers).unwrap_or_else(|| key.new_session());
    let token = key.token(&session, view.request.id);
    let just_returned = query
        .get("attempt")
        .and_then(|a| AttemptId::parse(a))
        .and_then(|a| view.attempt(a).cloned());
    let notice = query.get("notice").map(String::as_str);
    // 002, step 2a: the e-service chose the bank and its contract says so.
    // Only on arrival: coming back from the bank (`attempt`), with a notice,
    // or asking for the choice (`choose`), the page itself is shown.
    let arriving = !["attempt", "notice", "choose"]
        .iter()
        .any(|name| query.contains_key(*name));
    if let (true, true, Stage::Choose { sequence }, Some(provider)) =
        (view.direct, arriving, &view.stage, &view.preselected)
    {
        let mut response = direct_page(&view, *sequence, provider, &prefs, &token);
        set_csrf_cookie(&mut response, &session, prefs.address);
        return response;
    }
    let mut response = request_page(
        &view,
        &prefs,
        &token,
        just_returned.as_ref().map(|a| a.state),
        notice,
        state.pages.return_redirect_seconds,
    );
    set_csrf_cookie(&mut response, &session, prefs.address);
    response
}

pub async fn pay(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (form, prefs, id) = match page_form(&state, &uri, &headers, body).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let sequence = form
        .get("sequence")
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    let provider = form.get("provider").cloned().unwrap_or_default();
    let catalog = state.requests.catalog();
    match state
        .payer
        .start(
            &id,
            sequence,
            &provider,
            &prefs.query(),
            &catalog,
            peer.map(|axum::Extension(axum::extract::ConnectInfo(address))| address.ip()),
        )
        .await
    {
        Ok(handoff) => handoff_page(&handoff, &prefs),
        Err(AppError::NotFound { .. }) => error_page(&AppError::not_found_request(), &prefs),
        Err(AppError::Conflict { code, .. } | AppError::BadInput { code, .. }) => {
            back_to_page(&id, &prefs, Some(code.as_str()), None)
        }
        // The provider could not take the payment (Swedbank V3 unreachable):
        // the attempt is closed; the payer may choose another bank.
        Err(AppError::Unavailable(reason)) => {
            tracing::warn!(%provider, %reason, "a provider could not start a payment");
            back_to_page(&id, &prefs, Some("PROVIDER_UNAVAILABLE"), None)
        }
        Err(error) => error_page(&error, &prefs),
    }
}

pub async fn refresh(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (_, prefs, id) = match page_form(&state, &uri, &headers, body).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    match state.payer.refresh(&id).await {
        Ok(_) => back_to_page(&id, &prefs, None, None),
        Err(AppError::Unavailable(_)) => {
            back_to_page(&id, &prefs, Some("PROVIDER_UNAVAILABLE"), None)
        }
        Err(error) => error_page(&error, &prefs),
    }
}

/// A page form's fields, its preferences and its request id — once its body
/// was small enough and its CSRF token is the one the hub issued; otherwise
/// the page to answer.
async fn page_form(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(HashMap<String, String>, Prefs, String), Response> {
    let address = PageAddress::of(uri.path());
    let form = match read_body(headers, body).await {
        Ok(body) => form_fields(&body),
        Err(error) => return Err(error_page(&error, &Prefs::default().at(address))),
    };
    let prefs = Prefs::from_fields(&form).at(address);
    if let Some(refused) = check_csrf(state, headers, &form, &prefs).await {
        return Err(refused);
    }
    let id = form.get("id").cloned().unwrap_or_default();
    Ok((form, prefs, id))
}

/// The payer's browser back from a provider (GET or POST, as providers differ).
pub async fn provider_return(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_body(&headers, body).await {
        Ok(body) => body,
        Err(error) => return error_page(&error, &Prefs::default()),
    };
    let incoming = incoming(&method, query.as_deref(), &headers, body);
    let prefs = Prefs::from_fields(&incoming.fields.iter().cloned().collect());
    match state
        .payer
        .receive(&provider, Channel::Browser, &incoming)
        .await
    {
        Ok(received) => back_to_page(
            &received.request_id.to_string(),
            &prefs,
            None,
            Some(received.attempt),
        ),
        Err(error) => error_page(&error, &prefs),
    }
}

/// A provider's server-to-server message: answered in plain text, with the
/// code in `MM-Error` too. A refusal names its kind, never the message.
pub async fn provider_notify(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let received = match read_body(&headers, body).await {
        Ok(body) => {
            let incoming = incoming(&method, query.as_deref(), &headers, body);
            state
                .payer
                .receive(&provider, Channel::Server, &incoming)
                .await
        }
        Err(error) => Err(error),
    };
    match received {
        Ok(received) => {
            (StatusCode::OK, format!("OK {}\n", received.state.as_str())).into_response()
        }
        Err(error) => {
            let status = crate::wire_error::status_of(&error);
            let text = if status.is_server_error() {
                tracing::error!(%error, "provider message failed on our side");
                "the message could not be processed; send it again later".to_owned()
            } else {
                error.to_string()
            };
            let mut response = (status, format!("{} {text}\n", error.code())).into_response();
            error_code_header(&mut response, &error);
            response
        }
    }
}

pub async fn stylesheet() -> Response {
    asset(
        include_str!("../../assets/maksa.css"),
        "text/css; charset=utf-8",
    )
}

pub async fn autosubmit_script() -> Response {
    asset(
        include_str!("../../assets/autosubmit.js"),
        "text/javascript; charset=utf-8",
    )
}

pub async fn countdown_script() -> Response {
    asset(
        include_str!("../../assets/countdown.js"),
        "text/javascript; charset=utf-8",
    )
}

pub async fn reload_script() -> Response {
    asset(
        include_str!("../../assets/reload.js"),
        "text/javascript; charset=utf-8",
    )
}

fn asset(text: &'static str, content_type: &'static str) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The body, unless it is (or is declared) larger than [`FORM_BODY_LIMIT`]:
/// a declared length is refused before anything is read.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, AppError> {
    let too_large = || AppError::BadInput {
        code: ErrorCode::BodyTooLarge,
        message: format!("the body is larger than {FORM_BODY_LIMIT} bytes"),
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > FORM_BODY_LIMIT as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, FORM_BODY_LIMIT)
        .await
        .map_err(|_| too_large())
}

fn incoming(method: &Method, query: Option<&str>, headers: &HeaderMap, body: Bytes) -> Incoming {
    let mut fields: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    {
        fields.extend(url::form_urlencoded::parse(&body).into_owned());
    }
    let headers = headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    Incoming {
        fields,
        body: body.to_vec(),
        content_type,
        method: method.as_str().to_owned(),
        headers,
    }
}

fn form_fields(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The values of cookie `name` the browser sent, at most `max_chars` long
/// (a foreign one set for a more specific path may come first). The payer
/// pages, the workspace and the operator's pages read their cookies here.
pub(crate) fn cookies<'a>(
    headers: &'a HeaderMap,
    name: &'a str,
    max_chars: usize,
) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(n, _)| *n == name)
        .map(|(_, value)| value)
        .filter(move |value| value.len() <= max_chars)
}

/// Every `maksa_csrf` cookie the browser sent. A session cookie is 97
/// characters; anything far longer is not ours.
fn csrf_cookies(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    cookies(headers, CSRF_COOKIE, 128)
}

/// The browser's form session, if one of its cookies is one the hub issued.
fn verified_session(key: &FormKey, headers: &HeaderMap) -> Option<FormSession> {
    csrf_cookies(headers).find_map(|cookie| key.session(cookie))
}

fn set_csrf_cookie(response: &mut Response, session: &FormSession, address: PageAddress) {
    let cookie = format!(
        "{CSRF_COOKIE}={}; Path={}; HttpOnly; SameSite=Strict",
        session.cookie(),
        address.path()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

/// `None` when the form's token is the one the hub issued to this browser's
/// session for this request; otherwise the page to answer (403 `stale-form`,
/// with a fresh session when the browser had none the hub issued).
async fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    prefs: &Prefs,
) -> Option<Response> {
    let id = form.get("id").map(String::as_str).unwrap_or_default();
    let key = match state.payer.form_key().await {
        Ok(key) => key,
        Err(error) => return Some(error_page(&error, prefs)),
    };
    let session = verified_session(key, headers);
    let valid = match (&session, PaymentRequestId::parse(id), form.get("csrf")) {
        (Some(session), Some(request), Some(token)) => key.check(session, request, token),
        _ => false,
    };
    if valid {
        return None;
    }
    let mut page = stale_form_page(id, prefs);
    if session.is_none() {
        set_csrf_cookie(&mut page, &key.new_session(), prefs.address);
    }
    Some(page)
}

fn back_to_page(
    id: &str,
    prefs: &Prefs,
    notice: Option<&str>,
    attempt: Option<AttemptId>,
) -> Response {
    let mut url = page_link(&prefs.address.page(), id, prefs);
    if let Some(notice) = notice {
        let _ = write!(url, "&notice={notice}");
    }
    if let Some(attempt) = attempt {
        let _ = write!(url, "&attempt={attempt}");
    }
    Redirect::to(&url).into_response()
}

fn request_page(
    view: &PayerView,
    prefs: &Prefs,
    token: &str,
    returned: Option<AttemptState>,
    notice: Option<&str>,
    countdown_seconds: u32,
) -> Response {
    let request = &view.request;
    let id = request.id.to_string();
    let mut head = String::new();
    let mut body = String::new();
    let (state, title) = match &view.stage {
        Stage::Choose { .. } => (
            "choose-provider",
            prefs.t("Maksājuma veikšana", "Making a payment"),
        ),
        Stage::InProgress { .. } => (
            "in-progress",
            prefs.t("Maksājums tiek apstrādāts", "Payment in progress"),
        ),
        Stage::Paid => ("paid", prefs.t("Maksājums veikts", "Payment complete")),
        Stage::Expired => (
            "expired",
            prefs.t("Maksājuma termiņš beidzies", "Payment request expired"),
        ),
        Stage::Cancelled => (
            "cancelled",
            prefs.t("Maksājums atcelts", "Payment request cancelled"),
        ),
        Stage::Other => (
            "other",
            prefs.t("Maksājums nav pabeigts", "Payment not completed"),
        ),
    };
    let _ = write!(body, "<h1>{}</h1>", escape(title));
    if let Some(text) = notice_text(notice, prefs) {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"alert\" data-notice=\"{}\">{}</p>",
            escape(notice.unwrap_or_default()),
            escape(text)
        );
    }
    if let Some(outcome) = returned {
        let (kind, text) = match outcome {
            AttemptState::Executed => (
                "executed",
                prefs.t("Banka apstiprināja maksājumu.", "The bank confirmed the payment."),
            ),
            AttemptState::Rejected => (
                "rejected",
                prefs.t(
                    "Maksājums netika veikts: banka to noraidīja vai jūs to atcēlāt. Naudu nenoņēma. Varat mēģināt vēlreiz.",
                    "The payment was not made: the bank rejected it or you cancelled it. No money was taken. You can try again.",
                ),
            ),
            AttemptState::Accepted | AttemptState::Started => (
                "accepted",
                prefs.t(
                    "Banka maksājumu pieņēma apstrādei. Tiklīdz tas būs izpildīts, šī lapa to parādīs.",
                    "The bank accepted the payment for processing. This page will show when it is done.",
                ),
            ),
        };
        let _ = write!(
            body,
            "<p class=\"outcome outcome-{kind}\" role=\"status\" data-outcome=\"{kind}\">{}</p>",
            escape(text)
        );
    }
    summary(&mut body, request, prefs);
    match &view.stage {
        Stage::Choose { sequence } => choose(&mut body, view, *sequence, prefs, token),
        Stage::InProgress { attempt } => {
            // Reload now and then: the provider's server message usually lands
            // within seconds, and the payer should see it without clicking.
            // A script reloads (it waits while the tab is hidden); without
            // scripts a meta refresh does. Inside <noscript> so that with
            // scripts on there is no meta refresh at all (WCAG 2.2.1).
            head.push_str(
                "<script src=\"/assets/reload.js\" defer></script><noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>",
            );
            let provider_name = view
                .providers
                .iter()
                .find(|p| p.code == attempt.provider)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| attempt.provider.as_str().to_owned());
            let _ = write!(
                body,
                "<p data-in-progress=\"{seq}\">{text} <strong>{name}</strong>. {wait}</p>\
                 <form method=\"post\" action=\"{address}/refresh\">\
                 <input type=\"hidden\" name=\"id\" value=\"{id}\"><input type=\"hidden\" name=\"csrf\" value=\"{token}\">{hidden}\
                 <button type=\"submit\" data-action=\"refresh-status\">{button}</button></form>",
                seq = attempt.sequence,
                address = prefs.address.path(),
                text = prefs.t("Maksājums ir uzsākts bankā", "The payment was started at"),
                name = escape(&provider_name),
                wait = prefs.t(
                    "Kamēr banka nav atbildējusi, to nevar uzsākt vēlreiz.",
                    "Until the bank answers, it cannot be started again."
                ),
                hidden = prefs.hidden_inputs(),
                button = prefs.t("Pārbaudīt statusu", "Check the status"),
            );
        }
        Stage::Paid => {
            let _ = write!(
                body,
                "<p class=\"final\">{}</p>",
                prefs.t(
                    "Paldies! Maksājums ir veikts. Pakalpojuma sniedzējs saņems apstiprinājumu.",
                    "Thank you! The payment is complete. The service provider will be notified."
                )
            );
            return_links(
                &mut body,
                &mut head,
                request,
                prefs,
                Some(countdown_seconds),
            );
        }
        Stage::Expired | Stage::Cancelled | Stage::Other => {
            let text = match view.stage {
                Stage::Expired => prefs.t(
                    "Šī maksājuma pieprasījuma derīguma termiņš ir beidzies; to vairs nevar apmaksāt.",
                    "This payment request has expired and can no longer be paid.",
                ),
                Stage::Cancelled => prefs.t(
                    "Pakalpojuma sniedzējs šo maksājuma pieprasījumu ir atcēlis; to nevar apmaksāt.",
                    "The service provider cancelled this payment request; it cannot be paid.",
                ),
                _ => prefs.t(
                    "Šo maksājuma pieprasījumu vairs nevar apmaksāt.",
                    "This payment request can no longer be paid.",
                ),
            };
            let _ = write!(body, "<p class=\"final\">{}</p>", escape(text));
            return_links(&mut body, &mut head, request, prefs, None);
        }
    }
    let document = Document {
        title,
        state,
        prefs: *prefs,
        id: &id,
        head,
        body,
    };
    respond(StatusCode::OK, &document, &csp(""))
}

fn notice_text(notice: Option<&str>, prefs: &Prefs) -> Option<&'static str> {
    Some(match notice? {
        "PAYMENT_IN_PROGRESS" => prefs.t(
            "Šis maksājums jau ir uzsākts bankā; tas nav jāmaksā vēlreiz.",
            "This payment has already been started at a bank; do not pay it again.",
        ),
        "ALREADY_PAID" => prefs.t(
            "Šis maksājums jau ir veikts.",
            "This payment is already made.",
        ),
        "REQUEST_EXPIRED" => prefs.t(
            "Maksājuma termiņš ir beidzies.",
            "The payment request has expired.",
        ),
        "REQUEST_FINAL" => prefs.t(
            "Šo maksājuma pieprasījumu vairs nevar apmaksāt.",
            "This payment request can no longer be paid.",
        ),
        "PROVIDER_NOT_OFFERED" => prefs.t(
            "Lūdzu, izvēlieties vienu no piedāvātajām bankām.",
            "Please choose one of the offered banks.",
        ),
        "PAYMENT_NOT_PAYABLE" => prefs.t(
            "Šo maksājumu nevar apmaksāt.",
            "This payment cannot be paid.",
        ),
        "PROVIDER_UNAVAILABLE" => prefs.t(
            "Banka pašlaik neatbild. Lūdzu, izvēlieties citu banku vai mēģiniet vēlāk.",
            "The bank is not answering right now. Please choose another bank or try again later.",
        ),
        _ => return None,
    })
}

fn summary(body: &mut String, request: &PaymentRequest, prefs: &Prefs) {
    let terms = &request.terms;
    let payer = [
        terms.payer.first_name.as_deref(),
        terms.payer.name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let _ = write!(
        body,
        "<dl class=\"facts\"><dt>{}</dt><dd data-field=\"service-provider\">{}</dd>\
         <dt>{}</dt><dd data-field=\"service\">{}</dd><dt>{}</dt><dd data-field=\"number\">{}</dd>",
        prefs.t("Pakalpojuma sniedzējs", "Service provider"),
        escape(&terms.service_provider_name),
        prefs.t("Pakalpojums", "Service"),
        escape(&terms.service_name),
        prefs.t("Pieprasījuma numurs", "Request number"),
        escape(request.number.as_str()),
    );
    if !payer.is_empty() {
        let _ = write!(
            body,
            "<dt>{}</dt><dd data-field=\"payer\">{}</dd>",
            prefs.t("Maksātājs", "Payer"),
            escape(&payer)
        );
    }
    body.push_str("</dl>");
    let several = request.payments.len() > 1;
    for payment in &request.payments {
        payment_table(body, payment, several, request.payments.len(), prefs);
    }
    let _ = write!(
        body,
        "<p class=\"total\">{}: <strong data-field=\"total\">{}</strong></p>",
        prefs.t("Kopā apmaksai", "Total to pay"),
        money(terms.total, terms.currency, prefs)
    );
}

fn payment_table(body: &mut String, payment: &Payment, several: bool, count: usize, prefs: &Prefs) {
    let caption = if several {
        format!(
            "{} {} / {} — {}",
            prefs.t("Maksājums", "Payment"),
            payment.sequence,
            count,
            escape(&payment.payee.name)
        )
    } else {
        format!(
            "{} — {}",
            prefs.t("Maksājuma saņēmējs", "Payee"),
            escape(&payment.payee.name)
        )
    };
    let paid = payment.status == Status::Executed;
    let _ = write!(
        body,
        "<table data-payment=\"{seq}\" data-paid=\"{paid}\"><caption>{caption}{badge}</caption>\
         <thead><tr><th scope=\"col\">{c1}</th><th scope=\"col\">{c2}</th><th scope=\"col\">{c3}</th><th scope=\"col\">{c4}</th></tr></thead><tbody>",
        seq = payment.sequence,
        badge = if paid {
            format!(
                " <span class=\"badge\">({})</span>",
                prefs.t("samaksāts", "paid")
            )
        } else {
            String::new()
        },
        c1 = prefs.t("Pozīcija", "Item"),
        c2 = prefs.t("Daudzums", "Quantity"),
        c3 = prefs.t("Cena", "Unit price"),
        c4 = prefs.t("Summa", "Amount"),
    );
    for line in &payment.lines {
        let quantity = line.quantity.map(|q| q.to_string()).unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&line.name),
            escape(&quantity),
            money(line.unit_price, payment.currency, prefs),
            money(line.amount, payment.currency, prefs),
        );
    }
    let _ = write!(
        body,
        "</tbody><tfoot><tr><th scope=\"row\" colspan=\"3\">{}</th><td class=\"num\">{}</td></tr></tfoot></table>",
        prefs.t("Maksājuma summa", "Payment amount"),
        money(payment.amount, payment.currency, prefs),
    );
}

fn choose(body: &mut String, view: &PayerView, sequence: u16, prefs: &Prefs, token: &str) {
    let request = &view.request;
    let count = request.payments.len();
    if count > 1 {
        let _ = write!(
            body,
            "<p class=\"progress\" data-progress=\"{sequence}/{count}\">{} {sequence} {} {count}</p>",
            prefs.t("Maksājums", "Payment"),
            prefs.t("no", "of"),
        );
    }
    if view.providers.is_empty() {
        let _ = write!(
            body,
            "<p class=\"final\" data-no-providers=\"true\">{}</p>",
            prefs.t(
                "Šim pieprasījumam nav pieejamu maksājumu veidu. Lūdzu, sazinieties ar pakalpojuma sniedzēju.",
                "No payment method is available for this request. Please contact the service provider."
            )
        );
        return;
    }
    let preselected = view
        .preselected
        .clone()
        .or_else(|| view.providers.first().map(|p| p.code.clone()));
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{address}/pay\" data-action=\"pay\">\
         <input type=\"hidden\" name=\"id\" value=\"{id}\"><input type=\"hidden\" name=\"sequence\" value=\"{sequence}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">{hidden}<fieldset><legend>{legend}</legend>",
        id = request.id,
        address = prefs.address.path(),
        hidden = prefs.hidden_inputs(),
        legend = prefs.t(
            "Izvēlieties banku vai maksājuma veidu",
            "Choose a bank or payment method"
        ),
    );
    for provider in &view.providers {
        let code = provider.code.as_str();
        let checked = if preselected.as_ref() == Some(&provider.code) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div class=\"choice\"><input type=\"radio\" name=\"provider\" id=\"provider-{code}\" value=\"{code}\" data-provider=\"{code}\"{checked}>\
             <label for=\"provider-{code}\">{name}</label></div>",
            name = escape(&provider.name),
        );
    }
    let amount = request
        .payments
        .iter()
        .find(|p| p.sequence == sequence)
        .map(|p| money(p.amount, p.currency, prefs))
        .unwrap_or_default();
    let _ = write!(
        body,
        "</fieldset><button type=\"submit\" data-action=\"pay-submit\">{} {amount}</button></form>",
        prefs.t("Maksāt", "Pay"),
    );
}

/// The link back to the service (`ResponseUrl` + id) and, on the paid page, the
/// countdown to `ReturnRedirectUrl` — a meta refresh, so it works without scripts.
fn return_links(
    body: &mut String,
    head: &mut String,
    request: &PaymentRequest,
    prefs: &Prefs,
    countdown: Option<u32>,
) {
    let terms = &request.terms;
    if let Some(url) = &terms.response_url {
        let _ = write!(
            body,
            "<p><a class=\"button\" href=\"{}\" data-action=\"return-to-service\">{}</a></p>",
            escape(&format!("{url}{}", request.id)),
            prefs.t(
                "Atgriezties pie pakalpojuma sniedzēja",
                "Return to the service provider"
            ),
        );
    }
    if let (Some(url), Some(seconds)) = (&terms.return_redirect_url, countdown) {
        let _ = write!(
            head,
            "<script src=\"/assets/countdown.js\" defer></script><noscript><meta http-equiv=\"refresh\" content=\"{seconds};url={}\"></noscript>",
            escape(url)
        );
        let _ = write!(
            body,
            "<p data-countdown=\"{seconds}\" data-url=\"{url}\" id=\"countdown-box\">{} <span id=\"countdown\">{seconds}</span> {}</p>\
             <p><button type=\"button\" id=\"stop-countdown\" data-action=\"stop-countdown\" hidden>{}</button></p>",
            prefs.t(
                "Jūs tiksiet novirzīts atpakaļ pēc",
                "You will be taken back in"
            ),
            prefs.t("sekundēm.", "seconds."),
            prefs.t("Palikt šajā lapā", "Stay on this page"),
            url = escape(url),
        );
    }
}

fn handoff_page(handoff: &Handoff, prefs: &Prefs) -> Response {
    match handoff {
        Handoff::Redirect(url) => Redirect::to(url).into_response(),
        Handoff::Form {
            action,
            method,
            fields,
        } => {
            let target = url::Url::parse(action)
                .map(|u| format!(" {}", u.origin().ascii_serialization()))
                .unwrap_or_default();
            going_to_the_bank(prefs, "handoff", action, method, fields, "", &target)
        }
    }
}

/// The page that sends the payer straight to the bank the e-service chose:
/// the choice form, filled in and submitted by `autosubmit.js` (or by the
/// button), with a way to the choice page instead.
fn direct_page(
    view: &PayerView,
    sequence: u16,
    provider: &maksa_domain::codes::ProviderCode,
    prefs: &Prefs,
    token: &str,
) -> Response {
    let id = view.request.id.to_string();
    let mut fields = vec![
        ("id".to_owned(), id.clone()),
        ("sequence".to_owned(), sequence.to_string()),
        ("csrf".to_owned(), token.to_owned()),
        ("provider".to_owned(), provider.as_str().to_owned()),
    ];
    fields.extend(prefs.fields());
    let choose = format!(
        "<p><a href=\"{}&amp;choose=1\" data-action=\"choose-another\">{}</a></p>",
        escape(&page_link(&prefs.address.page(), &id, prefs)),
        prefs.t(
            "Izvēlēties citu maksājuma veidu",
            "Choose another payment method"
        ),
    );
    let action = format!("{}/pay", prefs.address.path());
    going_to_the_bank(
        prefs,
        "direct-to-bank",
        &action,
        "post",
        &fields,
        &choose,
        "",
    )
}

/// A page with one form the payer's browser submits at once (by
/// `autosubmit.js`, or by its button without scripts); `target` is the
/// form's origin when it posts elsewhere, for the Content-Security-Policy.
fn going_to_the_bank(
    prefs: &Prefs,
    state: &'static str,
    action: &str,
    method: &str,
    fields: &[(String, String)],
    after: &str,
    target: &str,
) -> Response {
    let mut body = format!(
        "<h1>{}</h1><p>{}</p><form id=\"handoff\" method=\"{}\" action=\"{}\">",
        prefs.t("Pāreja uz banku", "Going to the bank"),
        prefs.t(
            "Jūs tūlīt tiksiet pārvirzīts uz banku. Ja tas nenotiek, nospiediet pogu.",
            "You are being taken to the bank. If nothing happens, press the button."
        ),
        escape(method),
        escape(action),
    );
    for (name, value) in fields {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
    let _ = write!(
        body,
        "<button type=\"submit\" data-action=\"continue-to-provider\">{}</button></form>{after}",
        prefs.t("Turpināt uz banku", "Continue to the bank")
    );
    let document = Document {
        title: prefs.t("Pāreja uz banku", "Going to the bank"),
        state,
        prefs: *prefs,
        id: "",
        head: "<script src=\"/assets/autosubmit.js\" defer></script>".into(),
        body,
    };
    respond(StatusCode::OK, &document, &csp(target))
}

fn stale_form_page(id: &str, prefs: &Prefs) -> Response {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"{}\" data-action=\"reload\">{}</a></p>",
        prefs.t("Lapa ir novecojusi", "This page is out of date"),
        prefs.t(
            "Drošības nolūkos lūdzam atvērt maksājuma lapu no jauna.",
            "For your safety, please open the payment page again."
        ),
        escape(&page_link(&prefs.address.page(), id, prefs)),
        prefs.t("Atvērt maksājuma lapu", "Open the payment page"),
    );
    let document = Document {
        title: prefs.t("Lapa ir novecojusi", "This page is out of date"),
        state: "stale-form",
        prefs: *prefs,
        id,
        head: String::new(),
        body,
    };
    respond(StatusCode::FORBIDDEN, &document, &csp(""))
}

/// The page for an error: the status is the one every door gives it
/// (`wire_error::status_of`); only the words are the page's own.
fn error_page(error: &AppError, prefs: &Prefs) -> Response {
    let status = crate::wire_error::status_of(error);
    if status.is_server_error() {
        tracing::error!(%error, "payer page failed");
    }
    let (state, title, text) = match error {
        AppError::NotFound { .. } => (
            "not-found",
            prefs.t("Pieprasījums nav atrasts", "Request not found"),
            prefs.t(
                "Šāds maksājuma pieprasījums nav atrasts. Pārbaudiet saiti, ko saņēmāt no pakalpojuma sniedzēja.",
                "No such payment request. Check the link you received from the service provider.",
            ),
        ),
        AppError::BadInput {
            code: ErrorCode::ProviderMessageRefused,
            ..
        } => (
            "return-refused",
            prefs.t("Bankas atbilde netika pieņemta", "The bank's answer was not accepted"),
            prefs.t(
                "Bankas atbildi nevarēja pārbaudīt, tāpēc tā netika ņemta vērā. Ja nauda ir noņemta, maksājums tiks apstrādāts, kad banka to apstiprinās.",
                "The bank's answer could not be verified, so it was ignored. If money was taken, the payment will be processed when the bank confirms it.",
            ),
        ),
        AppError::Unavailable(_) | AppError::Internal(_) => (
            "unavailable",
            prefs.t("Pakalpojums īslaicīgi nav pieejams", "Temporarily unavailable"),
            prefs.t(
                "Lūdzu, mēģiniet vēlreiz pēc brīža.",
                "Please try again in a moment.",
            ),
        ),
        _ => (
            "bad-request",
            prefs.t("Nepareizs pieprasījums", "Bad request"),
            prefs.t(
                "Šo darbību nevar izpildīt.",
                "This action cannot be carried out.",
            ),
        ),
    };
    let document = Document {
        title,
        state,
        prefs: *prefs,
        id: "",
        head: String::new(),
        body: format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text)),
    };
    let mut response = respond(status, &document, &csp(""));
    error_code_header(&mut response, error);
    response
}

/// `MM-Error`, as on every other door's answers, so a script can tell refusals apart.
fn error_code_header(response: &mut Response, error: &AppError) {
    if let Ok(code) = HeaderValue::from_str(error.code().as_str()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("mm-error"), code);
    }
}
