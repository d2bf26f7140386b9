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
//! The pages are maud templates (every interpolated value escaped by
//! construction) in the frame of [`html::Document`]; their words are the
//! constants of `crate::labels::payer`.
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
use crate::labels::payer as label;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
pub use html::PageAddress;
use html::{Document, Prefs, csp, money, page_link, respond};
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::payer::{Channel, FormKey, FormSession, PayerView, Stage};
use maksa_app::providers::{Handoff, Incoming};
use maksa_domain::attempt::{AttemptId, AttemptState};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::request::{Payment, PaymentRequest};
use maksa_domain::status::Status;
use maud::{Markup, html};
use std::collections::HashMap;

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
        // The provider could not take the payment (Swedbank V3 unreachable):
        // the attempt is closed; the payer may choose another bank. (The hub's
        // own database away is `Unavailable`: the outage page below.)
        Err(AppError::Conflict {
            code: ErrorCode::ProviderUnavailable,
            message,
        }) => {
            tracing::warn!(%provider, reason = %message, "a provider could not start a payment");
            back_to_page(&id, &prefs, Some("PROVIDER_UNAVAILABLE"), None)
        }
        Err(AppError::Conflict { code, .. } | AppError::BadInput { code, .. }) => {
            back_to_page(&id, &prefs, Some(code.as_str()), None)
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
        Err(AppError::Conflict {
            code: ErrorCode::ProviderUnavailable,
            ..
        }) => back_to_page(&id, &prefs, Some("PROVIDER_UNAVAILABLE"), None),
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
        url.push_str("&notice=");
        url.push_str(notice);
    }
    if let Some(attempt) = attempt {
        url.push_str("&attempt=");
        url.push_str(&attempt.to_string());
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
    let (state, title) = match &view.stage {
        Stage::Choose { .. } => ("choose-provider", &label::TITLE_CHOOSE),
        Stage::InProgress { .. } => ("in-progress", &label::TITLE_IN_PROGRESS),
        Stage::Paid => ("paid", &label::TITLE_PAID),
        Stage::Expired => ("expired", &label::TITLE_EXPIRED),
        Stage::Cancelled => ("cancelled", &label::TITLE_CANCELLED),
        Stage::Other => ("other", &label::TITLE_OTHER),
    };
    let title = prefs.t(title);
    let outcome = returned.map(|outcome| match outcome {
        AttemptState::Executed => ("executed", &label::OUTCOME_EXECUTED),
        AttemptState::Rejected => ("rejected", &label::OUTCOME_REJECTED),
        AttemptState::Accepted | AttemptState::Started => ("accepted", &label::OUTCOME_ACCEPTED),
    });
    let notice = notice.and_then(|code| Some((code, label::notice(code)?)));
    let (head, stage) = match &view.stage {
        Stage::Choose { sequence } => (html! {}, choose(view, *sequence, prefs, token)),
        Stage::InProgress { attempt } => {
            let provider_name = view
                .providers
                .iter()
                .find(|p| p.code == attempt.provider)
                .map(|p| p.name.as_str())
                .unwrap_or_else(|| attempt.provider.as_str());
            // Reload now and then: the provider's server message usually lands
            // within seconds, and the payer should see it without clicking.
            // A script reloads (it waits while the tab is hidden); without
            // scripts a meta refresh does. Inside <noscript> so that with
            // scripts on there is no meta refresh at all (WCAG 2.2.1).
            let head = html! {
                script src="/assets/reload.js" defer {}
                noscript { meta http-equiv="refresh" content="5"; }
            };
            let body = html! {
                p data-in-progress=(attempt.sequence) {
                    (label::started_at(prefs.lang(), provider_name))
                }
                form method="post" action={ (prefs.address.path()) "/refresh" } {
                    input type="hidden" name="id" value=(id);
                    input type="hidden" name="csrf" value=(token);
                    (prefs.hidden_inputs())
                    button type="submit" data-action="refresh-status" {
                        (prefs.t(&label::CHECK_STATUS))
                    }
                }
            };
            (head, body)
        }
        Stage::Paid => {
            let (head, links) = return_links(request, prefs, Some(countdown_seconds));
            let body = html! {
                p class="final" { (prefs.t(&label::PAID_THANKS)) }
                (links)
            };
            (head, body)
        }
        Stage::Expired | Stage::Cancelled | Stage::Other => {
            let text = match view.stage {
                Stage::Expired => &label::EXPIRED,
                Stage::Cancelled => &label::CANCELLED,
                _ => &label::NO_LONGER_PAYABLE,
            };
            let (head, links) = return_links(request, prefs, None);
            let body = html! {
                p class="final" { (prefs.t(text)) }
                (links)
            };
            (head, body)
        }
    };
    let body = html! {
        h1 { (title) }
        @if let Some((code, text)) = notice {
            p class="notice" role="alert" data-notice=(code) { (prefs.t(text)) }
        }
        @if let Some((kind, text)) = outcome {
            p class={ "outcome outcome-" (kind) } role="status" data-outcome=(kind) {
                (prefs.t(text))
            }
        }
        (summary(request, prefs))
        (stage)
    };
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

/// Who asks for the money, for what, from whom, and each payment's lines.
fn summary(request: &PaymentRequest, prefs: &Prefs) -> Markup {
    let terms = &request.terms;
    let payer = [
        terms.payer.first_name.as_deref(),
        terms.payer.name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let count = request.payments.len();
    html! {
        dl class="facts" {
            dt { (prefs.t(&label::SERVICE_PROVIDER)) }
            dd data-field="service-provider" { (terms.service_provider_name) }
            dt { (prefs.t(&label::SERVICE)) }
            dd data-field="service" { (terms.service_name) }
            dt { (prefs.t(&label::REQUEST_NUMBER)) }
            dd data-field="number" { (request.number.as_str()) }
            @if !payer.is_empty() {
                dt { (prefs.t(&label::PAYER)) }
                dd data-field="payer" { (payer) }
            }
        }
        @for payment in &request.payments {
            (payment_table(payment, count, prefs))
        }
        p class="total" {
            (label::total(prefs.lang(), &money(terms.total, terms.currency, prefs)))
        }
    }
}

fn payment_table(payment: &Payment, count: usize, prefs: &Prefs) -> Markup {
    let paid = payment.status == Status::Executed;
    let lang = prefs.lang();
    html! {
        table data-payment=(payment.sequence) data-paid=(paid) {
            caption {
                (label::payment_caption(lang, payment.sequence, count, &payment.payee.name))
                @if paid {
                    " " span class="badge" { "(" (prefs.t(&label::PAID)) ")" }
                }
            }
            thead {
                tr {
                    th scope="col" { (prefs.t(&label::ITEM)) }
                    th scope="col" { (prefs.t(&label::QUANTITY)) }
                    th scope="col" { (prefs.t(&label::UNIT_PRICE)) }
                    th scope="col" { (prefs.t(&label::AMOUNT)) }
                }
            }
            tbody {
                @for line in &payment.lines {
                    tr {
                        td { (line.name) }
                        td class="num" {
                            @if let Some(quantity) = line.quantity { (quantity) }
                        }
                        td class="num" { (money(line.unit_price, payment.currency, prefs)) }
                        td class="num" { (money(line.amount, payment.currency, prefs)) }
                    }
                }
            }
            tfoot {
                tr {
                    th scope="row" colspan="3" { (prefs.t(&label::PAYMENT_AMOUNT)) }
                    td class="num" { (money(payment.amount, payment.currency, prefs)) }
                }
            }
        }
    }
}

/// The choice of a bank for payment `sequence`.
fn choose(view: &PayerView, sequence: u16, prefs: &Prefs, token: &str) -> Markup {
    let request = &view.request;
    let count = request.payments.len();
    let progress = html! {
        @if count > 1 {
            p class="progress" data-progress={ (sequence) "/" (count) } {
                (label::progress(prefs.lang(), sequence, count))
            }
        }
    };
    if view.providers.is_empty() {
        return html! {
            (progress)
            p class="final" data-no-providers="true" { (prefs.t(&label::NO_PROVIDERS)) }
        };
    }
    let preselected = view
        .preselected
        .as_ref()
        .or_else(|| view.providers.first().map(|p| &p.code));
    let amount = request
        .payments
        .iter()
        .find(|p| p.sequence == sequence)
        .map(|p| money(p.amount, p.currency, prefs))
        .unwrap_or_default();
    html! {
        (progress)
        form method="post" action={ (prefs.address.path()) "/pay" } data-action="pay" {
            input type="hidden" name="id" value=(request.id);
            input type="hidden" name="sequence" value=(sequence);
            input type="hidden" name="csrf" value=(token);
            (prefs.hidden_inputs())
            fieldset {
                legend { (prefs.t(&label::CHOOSE_PROVIDER)) }
                @for provider in &view.providers {
                    @let code = provider.code.as_str();
                    div class="choice" {
                        input type="radio" name="provider" id={ "provider-" (code) } value=(code)
                            data-provider=(code) checked[preselected == Some(&provider.code)];
                        label for={ "provider-" (code) } { (provider.name) }
                    }
                }
            }
            button type="submit" data-action="pay-submit" {
                (label::pay(prefs.lang(), &amount))
            }
        }
    }
}

/// The link back to the service (`ResponseUrl` + id) and, on the paid page, the
/// countdown to `ReturnRedirectUrl` — a meta refresh, so it works without
/// scripts. Answers what goes into `<head>` and what into the page.
fn return_links(
    request: &PaymentRequest,
    prefs: &Prefs,
    countdown: Option<u32>,
) -> (Markup, Markup) {
    let terms = &request.terms;
    let redirect = terms.return_redirect_url.as_deref().zip(countdown);
    let head = html! {
        @if let Some((url, seconds)) = redirect {
            script src="/assets/countdown.js" defer {}
            noscript { meta http-equiv="refresh" content={ (seconds) ";url=" (url) }; }
        }
    };
    let body = html! {
        @if let Some(url) = &terms.response_url {
            p {
                a class="button" href={ (url) (request.id) } data-action="return-to-service" {
                    (prefs.t(&label::RETURN_TO_SERVICE))
                }
            }
        }
        @if let Some((url, seconds)) = redirect {
            p data-countdown=(seconds) data-url=(url) id="countdown-box" {
                (label::countdown(prefs.lang(), seconds))
            }
            p {
                button type="button" id="stop-countdown" data-action="stop-countdown" hidden {
                    (prefs.t(&label::STAY))
                }
            }
        }
    };
    (head, body)
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
            going_to_the_bank(prefs, "handoff", action, method, fields, html! {}, &target)
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
    let choose = html! {
        p {
            a href={ (page_link(&prefs.address.page(), &id, prefs)) "&choose=1" }
                data-action="choose-another" {
                (prefs.t(&label::CHOOSE_ANOTHER))
            }
        }
    };
    let action = format!("{}/pay", prefs.address.path());
    going_to_the_bank(
        prefs,
        "direct-to-bank",
        &action,
        "post",
        &fields,
        choose,
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
    after: Markup,
    target: &str,
) -> Response {
    let title = prefs.t(&label::GOING_TO_BANK);
    let body = html! {
        h1 { (title) }
        p { (prefs.t(&label::GOING_TO_BANK_TEXT)) }
        form id="handoff" method=(method) action=(action) {
            @for (name, value) in fields {
                input type="hidden" name=(name) value=(value);
            }
            button type="submit" data-action="continue-to-provider" {
                (prefs.t(&label::CONTINUE_TO_BANK))
            }
        }
        (after)
    };
    let document = Document {
        title,
        state,
        prefs: *prefs,
        id: "",
        head: html! { script src="/assets/autosubmit.js" defer {} },
        body,
    };
    respond(StatusCode::OK, &document, &csp(target))
}

fn stale_form_page(id: &str, prefs: &Prefs) -> Response {
    let title = prefs.t(&label::STALE_TITLE);
    let body = html! {
        h1 { (title) }
        p { (prefs.t(&label::STALE_TEXT)) }
        p {
            a href=(page_link(&prefs.address.page(), id, prefs)) data-action="reload" {
                (prefs.t(&label::OPEN_PAGE))
            }
        }
    };
    let document = Document {
        title,
        state: "stale-form",
        prefs: *prefs,
        id,
        head: html! {},
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
        AppError::NotFound { .. } => ("not-found", &label::NOT_FOUND_TITLE, &label::NOT_FOUND_TEXT),
        AppError::BadInput {
            code: ErrorCode::ProviderMessageRefused,
            ..
        } => (
            "return-refused",
            &label::REFUSED_TITLE,
            &label::REFUSED_TEXT,
        ),
        AppError::Unavailable(_)
        | AppError::StorageFull(_)
        | AppError::StorageFailed(_)
        | AppError::Internal(_) => (
            "unavailable",
            &label::UNAVAILABLE_TITLE,
            &label::UNAVAILABLE_TEXT,
        ),
        _ => (
            "bad-request",
            &label::BAD_REQUEST_TITLE,
            &label::BAD_REQUEST_TEXT,
        ),
    };
    let title = prefs.t(title);
    let document = Document {
        title,
        state,
        prefs: *prefs,
        id: "",
        head: html! {},
        body: html! {
            h1 { (title) }
            p { (prefs.t(text)) }
        },
    };
    let mut response = respond(status, &document, &csp(""));
    error_code_header(&mut response, error);
    crate::wire_error::with_retry_after(response, error)
}

/// `MM-Error`, as on every other door's answers, so a script can tell refusals apart.
fn error_code_header(response: &mut Response, error: &AppError) {
    if let Ok(code) = HeaderValue::from_str(error.code().as_str()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("mm-error"), code);
    }
}
