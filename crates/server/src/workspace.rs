//! The payer's workspace at `/payer/` (docs/payer-workspace.md): a payer signs
//! in through the portal's identity provider (WS-Federation, a SAML 1.1
//! token: `maksa_identity`), sees the payment requests that name their
//! personal code — open ones to pay through the payment page, past ones with
//! their receipt — and signs out.
//!
//! Every page here is the payer pages' frame (`pages::html`): Latvian and
//! English (the texts in `labels::workspace`), the `fs`/`bm` modes, a strict
//! CSP, `no-store`; written with maud, so every value is escaped. The
//! session is a cookie only the hub can make (`maksa_app::payer_sessions`):
//! `HttpOnly`, `SameSite=Lax`, `Secure` where the payer's listener has TLS,
//! short-lived.
//! The sign-in answer must carry the nonce of the browser that asked for it,
//! and a token is taken once.

use crate::AppState;
use crate::labels::{Text, workspace as label};
use crate::pages::html::{Document, PageAddress, Prefs, csp, money, page_link, respond};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maksa_app::documents::{DocumentFormat, DocumentLanguage};
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::payer_sessions::{PayerSession, PayerSessions};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use maksa_identity::RelyingParty;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;

const SESSION_COOKIE: &str = "maksa_payer";
const NONCE_COOKIE: &str = "maksa_payer_signin";
/// The most requests the workspace lists.
const LIST_LIMIT: u32 = 100;

/// The workspace's configuration (`[payer_workspace]`).
#[derive(Clone)]
pub struct WorkspaceSettings {
    /// The identity provider's sign-in address (`wa=wsignin1.0` goes there).
    pub idp_url: url::Url,
    /// Our realm, issuer and the provider's certificates.
    pub relying_party: RelyingParty,
    /// Where the provider posts the token back: `<public>/payer/sign-in`.
    pub reply_url: String,
    /// `Secure` cookies: the payer's pages are served over TLS.
    pub secure_cookies: bool,
    pub session_lifetime: time::Duration,
}

pub(crate) struct Workspace {
    settings: WorkspaceSettings,
    sessions: PayerSessions,
}

impl Workspace {
    pub(crate) fn new(settings: WorkspaceSettings, sessions: PayerSessions) -> Workspace {
        Workspace { settings, sessions }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/payer", get(|| async { Redirect::to("/payer/") }))
        .route("/payer/", get(index))
        .route("/payer/sign-in", get(start_sign_in).post(finish_sign_in))
        .route("/payer/sign-out", axum::routing::post(sign_out))
        .route("/payer/documents/{id}", get(document))
}

fn prefs_of(query: &HashMap<String, String>) -> Prefs {
    Prefs::from_fields(query).at(PageAddress::Workspace)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &'a str) -> Option<&'a str> {
    crate::pages::cookies(headers, name, 512).next()
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn cookie_attributes(workspace: &Workspace, same_site: &str, max_age: i64) -> String {
    let secure = if workspace.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("Path=/payer; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}")
}

async fn current_session(workspace: &Workspace, headers: &HeaderMap) -> Option<PayerSession> {
    let value = cookie(headers, SESSION_COOKIE)?;
    workspace.sessions.session(value).await.ok().flatten()
}

fn not_configured(prefs: &Prefs) -> Response {
    let title = prefs.t(&label::WORKSPACE);
    page(
        StatusCode::NOT_FOUND,
        prefs,
        "not-configured",
        title,
        html! {
            h1 { (title) }
            p { (prefs.t(&label::NOT_ENABLED)) }
        },
    )
}

fn page(status: StatusCode, prefs: &Prefs, state: &str, title: &str, body: Markup) -> Response {
    respond(
        status,
        &Document {
            title,
            state,
            prefs: *prefs,
            id: "",
            head: html! {},
            body,
        },
        &csp(""),
    )
}

async fn index(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let prefs = prefs_of(&query);
    let Some(workspace) = state.workspace.as_deref() else {
        return not_configured(&prefs);
    };
    let notice = query.get("notice").and_then(|n| ErrorCode::parse(n));
    let Some(session) = current_session(workspace, &headers).await else {
        return signed_out_page(&prefs, notice);
    };
    let requests = match state
        .requests
        .for_payer_code(&session.code, LIST_LIMIT)
        .await
    {
        Ok(requests) => requests,
        Err(error) => return failure_page(&error, &prefs),
    };
    let csrf = match workspace.sessions.csrf_token(&session).await {
        Ok(token) => token,
        Err(error) => return failure_page(&error, &prefs),
    };
    workspace_page(
        &prefs,
        &session,
        &requests,
        &csrf,
        state.requests.clock_now(),
    )
}

fn signed_out_page(prefs: &Prefs, notice: Option<ErrorCode>) -> Response {
    let title = prefs.t(&label::WORKSPACE);
    page(
        StatusCode::OK,
        prefs,
        "signed-out",
        title,
        html! {
            h1 { (title) }
            @if notice == Some(ErrorCode::SignInRefused) {
                p class="notice" role="alert" data-notice="SIGN_IN_REFUSED" {
                    (prefs.t(&label::SIGN_IN_REFUSED))
                }
            }
            p { (prefs.t(&label::SIGN_IN_INTRO)) }
            p {
                a class="button" href=(page_link("/payer/sign-in", "", prefs))
                    data-action="sign-in-portal" {
                    (prefs.t(&label::SIGN_IN))
                }
            }
        },
    )
}

fn status_text(status: Status) -> &'static Text {
    match status {
        Status::InProcess => &label::STATUS_IN_PROCESS,
        Status::Executed => &label::STATUS_EXECUTED,
        Status::Expired => &label::STATUS_EXPIRED,
        Status::Other => &label::STATUS_OTHER,
        Status::Cancelled => &label::STATUS_CANCELLED,
    }
}

fn workspace_page(
    prefs: &Prefs,
    session: &PayerSession,
    requests: &[PaymentRequest],
    csrf: &str,
    now: OffsetDateTime,
) -> Response {
    let is_open = |r: &PaymentRequest| r.status == Status::InProcess && r.terms.expires_at > now;
    let (open, past): (Vec<&PaymentRequest>, Vec<&PaymentRequest>) =
        requests.iter().partition(|r| is_open(r));
    let title = prefs.t(&label::MY_PAYMENTS);
    let pay = |request: &PaymentRequest| {
        let pay = page_link(
            &PageAddress::Maksa.page(),
            &request.id.to_string(),
            &prefs.at(PageAddress::Maksa),
        );
        html! {
            p { a class="button" href=(pay) data-action="pay" { (prefs.t(&label::PAY)) } }
        }
    };
    let receipt = |request: &PaymentRequest| {
        html! {
            @if request.status == Status::Executed && !request.terms.no_invoice {
                p {
                    a href=(page_link(&format!("/payer/documents/{}", request.id), "", prefs))
                        data-action="receipt" {
                        (prefs.t(&label::RECEIPT))
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (title) }
        p data-field="payer" { (label::signed_in_as(prefs.lang(), &session.name)) }
        form method="post" action="/payer/sign-out" {
            input type="hidden" name="csrf" value=(csrf);
            (prefs.hidden_inputs())
            button type="submit" data-action="sign-out" { (prefs.t(&label::SIGN_OUT)) }
        }
        (section(
            prefs.t(&label::TO_PAY),
            Some("no-open-requests"),
            prefs.t(&label::NOTHING_TO_PAY),
            &open,
            pay,
            prefs,
        ))
        (section(
            prefs.t(&label::PAST),
            None,
            prefs.t(&label::NO_PAST),
            &past,
            receipt,
            prefs,
        ))
    };
    page(StatusCode::OK, prefs, "workspace", title, body)
}

/// A titled list of requests, each with what `action` adds to its item, or
/// `empty` (in a paragraph with `data-field` `empty_field`) when there are none.
fn section(
    title: &str,
    empty_field: Option<&str>,
    empty: &str,
    requests: &[&PaymentRequest],
    action: impl Fn(&PaymentRequest) -> Markup,
    prefs: &Prefs,
) -> Markup {
    html! {
        h2 { (title) }
        @if requests.is_empty() {
            p data-field=[empty_field] { (empty) }
        } @else {
            ul class="requests" {
                @for request in requests {
                    (request_item(request, action(request), prefs))
                }
            }
        }
    }
}

/// One request's list item, ending with `action`.
fn request_item(request: &PaymentRequest, action: Markup, prefs: &Prefs) -> Markup {
    let terms = &request.terms;
    html! {
        li data-request=(request.id.to_string()) data-status=(request.status.letter()) {
            h3 { (terms.service_name) }
            dl {
                dt { (prefs.t(&label::AUTHORITY)) }
                dd { (terms.service_provider_name) }
                dt { (prefs.t(&label::NUMBER)) }
                dd { (request.number.as_str()) }
                dt { (prefs.t(&label::AMOUNT)) }
                dd { (money(terms.total, terms.currency, prefs)) }
                dt { (prefs.t(&label::PAY_BY)) }
                dd { (maksa_domain::datetime::latvian_day(terms.expires_at)) }
                dt { (prefs.t(&label::STATUS)) }
                dd data-field="status" { (prefs.t(status_text(request.status))) }
            }
            (action)
        }
    }
}

fn failure_page(error: &AppError, prefs: &Prefs) -> Response {
    let status = crate::wire_error::status_of(error);
    if status.is_server_error() {
        tracing::error!(%error, "payer workspace failed");
    }
    let (state, text) = match error {
        AppError::NotFound { .. } => ("not-found", &label::NO_SUCH_DOCUMENT),
        _ => ("unavailable", &label::UNAVAILABLE),
    };
    let title = prefs.t(&label::WORKSPACE);
    page(
        status,
        prefs,
        state,
        title,
        html! {
            h1 { (title) }
            p { (prefs.t(text)) }
            p { a href=(page_link("/payer/", "", prefs)) { (prefs.t(&label::TO_WORKSPACE)) } }
        },
    )
}

/// Sends the browser to the identity provider, with a nonce only this
/// browser's cookie matches.
async fn start_sign_in(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let prefs = prefs_of(&query);
    let Some(workspace) = state.workspace.as_deref() else {
        return not_configured(&prefs);
    };
    let nonce = match workspace.sessions.sign_in_nonce().await {
        Ok(nonce) => nonce,
        Err(error) => return failure_page(&error, &prefs),
    };
    // The preferences ride along in the context, after the nonce.
    let context = match prefs.query() {
        q if q.is_empty() => nonce.context.clone(),
        q => format!("{}~{q}", nonce.context),
    };
    let settings = &workspace.settings;
    let target = maksa_identity::sign_in_url(
        &settings.idp_url,
        &settings.relying_party.realm,
        &settings.reply_url,
        &context,
        state.requests.clock_now(),
    );
    let mut response = Redirect::to(&target).into_response();
    // A real portal posts the token back from another site: only a
    // `SameSite=None` cookie comes along, which browsers take only with
    // `Secure`. Without TLS (the sandbox, whose portal is this same site) Lax does.
    let same_site = if settings.secure_cookies {
        "None"
    } else {
        "Lax"
    };
    set_cookie(
        &mut response,
        &format!(
            "{NONCE_COOKIE}={}; {}",
            nonce.cookie,
            cookie_attributes(workspace, same_site, 600)
        ),
    );
    response
}

/// The identity provider's answer: checks the nonce, then the token; on
/// success opens the session.
async fn finish_sign_in(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let Some(workspace) = state.workspace.as_deref() else {
        return not_configured(&Prefs::default().at(PageAddress::Workspace));
    };
    // A token is a few kilobytes; the reader refuses more than 64 KiB.
    let body = match axum::body::to_bytes(body, 96 * 1024).await {
        Ok(body) => body,
        Err(_) => return refused(workspace, &Prefs::default(), "the answer is too large"),
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let context = form.get("wctx").map(String::as_str).unwrap_or_default();
    let (nonce, pref_query) = context.split_once('~').unwrap_or((context, ""));
    let prefs = prefs_of(
        &url::form_urlencoded::parse(pref_query.as_bytes())
            .into_owned()
            .collect(),
    );
    let nonce_ok = match cookie(&headers, NONCE_COOKIE) {
        Some(value) => workspace
            .sessions
            .check_sign_in_nonce(value, nonce)
            .await
            .unwrap_or(false),
        None => false,
    };
    if !nonce_ok {
        return refused(workspace, &prefs, "the answer is not for this browser");
    }
    let now = state.requests.clock_now();
    let wresult = form.get("wresult").map(String::as_str).unwrap_or_default();
    let payer = match maksa_identity::read_sign_in(&workspace.settings.relying_party, wresult, now)
    {
        Ok(payer) => payer,
        Err(error) => return refused(workspace, &prefs, &error.to_string()),
    };
    match workspace
        .sessions
        .take_token(&payer.assertion_id, payer.valid_until)
        .await
    {
        Ok(true) => {}
        Ok(false) => return refused(workspace, &prefs, "the token was used before"),
        Err(error) => return failure_page(&error, &prefs),
    }
    let name = format!("{} {}", payer.given_name, payer.surname);
    let session = match workspace
        .sessions
        .sign_in(payer.personal_code, name.trim())
        .await
    {
        Ok(session) => session,
        Err(error) => return failure_page(&error, &prefs),
    };
    let mut response = Redirect::to(&page_link("/payer/", "", &prefs)).into_response();
    set_cookie(
        &mut response,
        &format!(
            "{SESSION_COOKIE}={}; {}",
            session.cookie(),
            cookie_attributes(
                workspace,
                "Lax",
                workspace.sessions.lifetime().whole_seconds()
            )
        ),
    );
    set_cookie(
        &mut response,
        &format!(
            "{NONCE_COOKIE}=; {}",
            cookie_attributes(workspace, "Lax", 0)
        ),
    );
    response
}

/// A refused sign-in: logged by its reason (never the token), and the payer
/// back at the sign-in page with the notice.
fn refused(workspace: &Workspace, prefs: &Prefs, reason: &str) -> Response {
    tracing::info!(reason, "payer sign-in refused");
    let mut link = page_link("/payer/", "", prefs);
    link.push(if link.contains('?') { '&' } else { '?' });
    link.push_str("notice=SIGN_IN_REFUSED");
    let mut response = Redirect::to(&link).into_response();
    set_cookie(
        &mut response,
        &format!(
            "{NONCE_COOKIE}=; {}",
            cookie_attributes(workspace, "Lax", 0)
        ),
    );
    response
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let Some(workspace) = state.workspace.as_deref() else {
        return not_configured(&Prefs::default().at(PageAddress::Workspace));
    };
    let body = axum::body::to_bytes(body, crate::pages::FORM_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let prefs = prefs_of(&form);
    let Some(session) = current_session(workspace, &headers).await else {
        return Redirect::to(&page_link("/payer/", "", &prefs)).into_response();
    };
    let token = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !workspace
        .sessions
        .check_csrf(&session, token)
        .await
        .unwrap_or(false)
    {
        let title = prefs.t(&label::FORM_STALE);
        return page(
            StatusCode::FORBIDDEN,
            &prefs,
            "stale-form",
            title,
            html! {
                h1 { (title) }
                p {
                    a href=(page_link("/payer/", "", &prefs)) { (prefs.t(&label::OPEN_AGAIN)) }
                }
            },
        );
    }
    // Ended on every node, so a copy of the cookie is refused too.
    if let Err(error) = workspace.sessions.sign_out(&session).await {
        return failure_page(&error, &prefs);
    }
    let mut response = Redirect::to(&page_link("/payer/", "", &prefs)).into_response();
    set_cookie(
        &mut response,
        &format!(
            "{SESSION_COOKIE}=; {}",
            cookie_attributes(workspace, "Lax", 0)
        ),
    );
    response
}

/// The latest document (a receipt once paid) of one of the payer's requests.
async fn document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let prefs = prefs_of(&query);
    let Some(workspace) = state.workspace.as_deref() else {
        return not_configured(&prefs);
    };
    let Some(session) = current_session(workspace, &headers).await else {
        return Redirect::to(&page_link("/payer/", "", &prefs)).into_response();
    };
    let language = if prefs.english {
        DocumentLanguage::English
    } else {
        DocumentLanguage::Latvian
    };
    match state
        .documents
        .latest_for_payer(&session.code, &id, DocumentFormat::Pdf, language)
        .await
    {
        Ok(file) => crate::invoices::file_response(file),
        Err(error) => failure_page(&error, &prefs),
    }
}

/// Shared by the state: the workspace of a node, when configured.
pub(crate) type SharedWorkspace = Option<Arc<Workspace>>;
