//! The payer's workspace at `/payer/` (docs/payer-workspace.md): a payer signs
//! in through the portal's identity provider (WS-Federation, a SAML 1.1
//! token: `maksa_identity`), sees the payment requests that name their
//! personal code — open ones to pay through the payment page, past ones with
//! their receipt — and signs out.
//!
//! Every page here is the payer pages' frame (`pages::html`): Latvian and
//! English, the `fs`/`bm` modes, a strict CSP, `no-store`. The session is a
//! cookie only the hub can make (`maksa_app::payer_sessions`): `HttpOnly`,
//! `SameSite=Lax`, `Secure` where the payer's listener has TLS, short-lived.
//! The sign-in answer must carry the nonce of the browser that asked for it,
//! and a token is taken once.

use crate::AppState;
use crate::pages::html::{Document, PageAddress, Prefs, csp, escape, money, page_link, respond};
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
use std::collections::HashMap;
use std::fmt::Write;
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
    page(
        StatusCode::NOT_FOUND,
        prefs,
        "not-configured",
        prefs.t("Maksājumu darba vieta", "Payment workspace"),
        format!(
            "<h1>{}</h1><p>{}</p>",
            prefs.t("Maksājumu darba vieta", "Payment workspace"),
            prefs.t(
                "Šajā mezglā darba vieta nav ieslēgta.",
                "The workspace is not enabled on this node."
            )
        ),
    )
}

fn page(status: StatusCode, prefs: &Prefs, state: &str, title: &str, body: String) -> Response {
    respond(
        status,
        &Document {
            title,
            state,
            prefs: *prefs,
            id: "",
            head: String::new(),
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
    let notice = match notice {
        Some(ErrorCode::SignInRefused) => format!(
            "<p class=\"notice\" role=\"alert\" data-notice=\"SIGN_IN_REFUSED\">{}</p>",
            prefs.t(
                "Pieteikšanās neizdevās: portāla atbildi nevarēja pārbaudīt. Lūdzu, piesakieties vēlreiz.",
                "Signing in failed: the portal's answer could not be verified. Please sign in again."
            )
        ),
        _ => String::new(),
    };
    page(
        StatusCode::OK,
        prefs,
        "signed-out",
        prefs.t("Maksājumu darba vieta", "Payment workspace"),
        format!(
            "<h1>{title}</h1>{notice}<p>{text}</p>\
             <p><a class=\"button\" href=\"{href}\" data-action=\"sign-in-portal\">{action}</a></p>",
            title = prefs.t("Maksājumu darba vieta", "Payment workspace"),
            text = prefs.t(
                "Piesakieties ar Latvija.lv, lai redzētu jums adresētos maksājuma pieprasījumus un tos apmaksātu.",
                "Sign in with Latvija.lv to see the payment requests addressed to you and pay them."
            ),
            href = escape(&page_link("/payer/sign-in", "", prefs)),
            action = prefs.t("Pieteikties ar Latvija.lv", "Sign in with Latvija.lv"),
        ),
    )
}

fn status_text(status: Status, prefs: &Prefs) -> &'static str {
    match status {
        Status::InProcess => prefs.t("Gaida apmaksu", "Awaiting payment"),
        Status::Executed => prefs.t("Apmaksāts", "Paid"),
        Status::Expired => prefs.t("Beidzies derīguma termiņš", "Expired"),
        Status::Other => prefs.t("Daļēji apmaksāts", "Partly paid"),
        Status::Cancelled => prefs.t("Atcelts", "Cancelled"),
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
    let mut body = format!(
        "<h1>{title}</h1><p data-field=\"payer\">{signed_in} <strong>{name}</strong></p>\
         <form method=\"post\" action=\"/payer/sign-out\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{hidden}\
         <button type=\"submit\" data-action=\"sign-out\">{sign_out}</button></form>",
        title = prefs.t("Mani maksājumi", "My payments"),
        signed_in = prefs.t("Pieteicies:", "Signed in as"),
        name = escape(&session.name),
        csrf = escape(csrf),
        hidden = prefs.hidden_inputs(),
        sign_out = prefs.t("Iziet", "Sign out"),
    );
    section(
        &mut body,
        prefs.t("Apmaksājamie pieprasījumi", "Requests to pay"),
        "<p data-field=\"no-open-requests\">",
        prefs.t("Nav apmaksājamu pieprasījumu.", "Nothing to pay."),
        &open,
        |request| {
            let pay = page_link(
                &PageAddress::Maksa.page(),
                &request.id.to_string(),
                &prefs.at(PageAddress::Maksa),
            );
            format!(
                "<p><a class=\"button\" href=\"{}\" data-action=\"pay\">{}</a></p>",
                escape(&pay),
                prefs.t("Maksāt", "Pay")
            )
        },
        prefs,
    );
    section(
        &mut body,
        prefs.t("Iepriekšējie pieprasījumi", "Past requests"),
        "<p>",
        prefs.t("Iepriekšēju pieprasījumu nav.", "No past requests."),
        &past,
        |request| {
            if request.status != Status::Executed || request.terms.no_invoice {
                return String::new();
            }
            let link = page_link(&format!("/payer/documents/{}", request.id), "", prefs);
            format!(
                "<p><a href=\"{}\" data-action=\"receipt\">{}</a></p>",
                escape(&link),
                prefs.t("Čeks (PDF)", "Receipt (PDF)")
            )
        },
        prefs,
    );
    page(
        StatusCode::OK,
        prefs,
        "workspace",
        prefs.t("Mani maksājumi", "My payments"),
        body,
    )
}

/// A titled list of requests, each with what `action` adds to its item, or
/// `empty` (in `empty_open`, an opening `<p …>`) when there are none.
fn section(
    body: &mut String,
    title: &str,
    empty_open: &str,
    empty: &str,
    requests: &[&PaymentRequest],
    action: impl Fn(&PaymentRequest) -> String,
    prefs: &Prefs,
) {
    let _ = write!(body, "<h2>{title}</h2>");
    if requests.is_empty() {
        let _ = write!(body, "{empty_open}{empty}</p>");
        return;
    }
    body.push_str("<ul class=\"requests\">");
    for request in requests {
        let _ = write!(
            body,
            "{}{}</li>",
            request_item(request, prefs),
            action(request)
        );
    }
    body.push_str("</ul>");
}

/// The opening of one request's list item (the caller adds its action and closes it).
fn request_item(request: &PaymentRequest, prefs: &Prefs) -> String {
    format!(
        "<li data-request=\"{id}\" data-status=\"{letter}\"><h3>{service}</h3><dl>\
         <dt>{provider_label}</dt><dd>{provider}</dd>\
         <dt>{number_label}</dt><dd>{number}</dd>\
         <dt>{amount_label}</dt><dd>{amount}</dd>\
         <dt>{expiry_label}</dt><dd>{expiry}</dd>\
         <dt>{status_label}</dt><dd data-field=\"status\">{status}</dd></dl>",
        id = request.id,
        letter = request.status.letter(),
        service = escape(&request.terms.service_name),
        provider_label = prefs.t("Iestāde", "Authority"),
        provider = escape(&request.terms.service_provider_name),
        number_label = prefs.t("Numurs", "Number"),
        number = escape(request.number.as_str()),
        amount_label = prefs.t("Summa", "Amount"),
        amount = money(request.terms.total, request.terms.currency, prefs),
        expiry_label = prefs.t("Apmaksāt līdz", "Pay by"),
        expiry = maksa_domain::datetime::latvian_day(request.terms.expires_at),
        status_label = prefs.t("Statuss", "Status"),
        status = status_text(request.status, prefs),
    )
}

fn failure_page(error: &AppError, prefs: &Prefs) -> Response {
    let status = crate::wire_error::status_of(error);
    if status.is_server_error() {
        tracing::error!(%error, "payer workspace failed");
    }
    let (state, text) = match error {
        AppError::NotFound { .. } => (
            "not-found",
            prefs.t("Šāds dokuments nav atrasts.", "No such document."),
        ),
        _ => (
            "unavailable",
            prefs.t(
                "Pakalpojums īslaicīgi nav pieejams. Lūdzu, mēģiniet vēlreiz pēc brīža.",
                "Temporarily unavailable. Please try again in a moment.",
            ),
        ),
    };
    page(
        status,
        prefs,
        state,
        prefs.t("Maksājumu darba vieta", "Payment workspace"),
        format!(
            "<h1>{}</h1><p>{text}</p><p><a href=\"{}\">{}</a></p>",
            prefs.t("Maksājumu darba vieta", "Payment workspace"),
            escape(&page_link("/payer/", "", prefs)),
            prefs.t("Uz darba vietu", "To the workspace")
        ),
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
        return page(
            StatusCode::FORBIDDEN,
            &prefs,
            "stale-form",
            prefs.t("Forma ir novecojusi", "The form is out of date"),
            format!(
                "<h1>{}</h1><p><a href=\"{}\">{}</a></p>",
                prefs.t("Forma ir novecojusi", "The form is out of date"),
                escape(&page_link("/payer/", "", &prefs)),
                prefs.t("Atvērt darba vietu vēlreiz", "Open the workspace again")
            ),
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
