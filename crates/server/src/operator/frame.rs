//! The console's frame (docs/operator.md): who is signed in and with which
//! role, the page's language, the layout with its navigation, and the
//! refusals every page shares. Pages of the console are written with maud
//! (every interpolated value escaped by construction) and take their texts
//! from `crate::labels`.
//!
//! A page handler starts with [`console_page`] (a GET) or [`console_action`]
//! (a POST: session, CSRF token and role checked, the form read) and answers
//! with [`render`].

use super::{
    OPERATOR_FORM_LIMIT, OperatorConsole, cookies, notice_public, read_form_up_to, signed_in,
    stale_form,
};
use crate::AppState;
use crate::labels::{Lang, Text, console as label};
use crate::pages::html::{csp, secure_headers};
use axum::body::Body;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::operators::{OperatorSession, Role};
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;

/// The cookie that keeps the console's language.
pub const LANGUAGE_COOKIE: &str = "maksa_admin_lang";

/// A signed-in operator on a console page.
pub(crate) struct Signed<'a> {
    pub console: &'a OperatorConsole,
    pub session: OperatorSession,
    /// The CSRF token of this session's forms.
    pub token: String,
    pub lang: Lang,
}

impl Signed<'_> {
    /// `text` in the page's language.
    pub fn t(&self, text: &Text) -> &'static str {
        self.lang.of(text)
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.token); }
    }

    /// The actor of audit events: `operator:<name>`.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.session.name)
    }

    /// Whether this operator's role allows what `needed` may.
    pub fn may(&self, needed: Role) -> bool {
        self.session.role.allows(needed)
    }
}

/// The language of a console page: the cookie the switch sets, else the
/// browser's first preference between Latvian and English, else English.
pub(crate) fn language(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookies(headers, LANGUAGE_COOKIE).find_map(Lang::parse) {
        return lang;
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accepted
        .split(',')
        .take(16)
        .filter_map(|part| part.split(';').next())
        .filter_map(|tag| Lang::parse(tag.split('-').next().unwrap_or_default()))
        .next()
        .unwrap_or(Lang::En)
}

/// A console GET: the signed-in operator with at least `needed`, or the
/// answer already given (sign-in page, refusal).
pub(crate) async fn console_page<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    needed: Role,
) -> Result<Signed<'a>, Response> {
    let (console, session, token) = super::signed_in_page(state, headers).await?;
    let signed = Signed {
        console,
        session,
        token,
        lang: language(headers),
    };
    if !signed.may(needed) {
        return Err(forbidden(&signed));
    }
    Ok(signed)
}

/// A console POST: session, CSRF token and role checked, the form's fields
/// read — or the answer already given.
pub(crate) async fn console_action<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    body: Body,
    needed: Role,
) -> Result<(Signed<'a>, HashMap<String, String>), Response> {
    console_action_up_to(state, headers, body, needed, OPERATOR_FORM_LIMIT).await
}

/// [`console_action`] for a form of up to `limit` bytes (the catalogue's
/// TOML, a certificate).
pub(crate) async fn console_action_up_to<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    body: Body,
    needed: Role,
    limit: usize,
) -> Result<(Signed<'a>, HashMap<String, String>), Response> {
    let console = super::console(state)?;
    let session = signed_in(console, headers).await?;
    let form = read_form_up_to(headers, body, limit).await?;
    let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !console
        .operators
        .check_csrf(&session, sent)
        .await
        .unwrap_or(false)
    {
        return Err(stale_form(language(headers)));
    }
    let token = console
        .operators
        .csrf_token(&session)
        .await
        .map_err(|_| stale_form(language(headers)))?;
    let signed = Signed {
        console,
        session,
        token,
        lang: language(headers),
    };
    if !signed.may(needed) {
        return Err(forbidden(&signed));
    }
    Ok((signed, form))
}

/// 403: the operator's role does not allow this.
pub(crate) fn forbidden(signed: &Signed<'_>) -> Response {
    notice(
        StatusCode::FORBIDDEN,
        signed,
        "forbidden",
        &label::FORBIDDEN_TITLE,
        signed.t(&label::FORBIDDEN),
    )
}

/// A page with one message (refusals, errors), in the frame.
pub(crate) fn notice(
    status: StatusCode,
    signed: &Signed<'_>,
    data_state: &str,
    title: &Text,
    message: &str,
) -> Response {
    let title = signed.t(title);
    render(
        status,
        title,
        data_state,
        signed,
        html! {
            h1 { (title) }
            p.notice role="alert" { (message) }
        },
    )
}

/// The navigation: (path, label, the role that sees it).
const NAVIGATION: &[(&str, &Text, Role)] = &[
    ("/admin/", &label::NAV_DASHBOARD, Role::Viewer),
    ("/admin/requests", &label::NAV_REQUESTS, Role::Viewer),
    ("/admin/queues", &label::NAV_QUEUES, Role::Viewer),
    ("/admin/catalogue", &label::NAV_CATALOGUE, Role::Viewer),
    (
        "/admin/certificates",
        &label::NAV_CERTIFICATES,
        Role::Viewer,
    ),
    (
        "/admin/reconciliation",
        &label::NAV_RECONCILIATION,
        Role::Viewer,
    ),
    ("/admin/entries", &label::NAV_ENTRIES, Role::Viewer),
    ("/admin/orders", &label::NAV_ORDERS, Role::Viewer),
    ("/admin/batches", &label::NAV_BATCHES, Role::Operator),
    ("/admin/cards", &label::NAV_CARDS, Role::Viewer),
    ("/admin/reports", &label::NAV_REPORTS, Role::Viewer),
    ("/admin/privacy", &label::NAV_PRIVACY, Role::Operator),
    ("/admin/limits", &label::NAV_LIMITS, Role::Viewer),
    ("/admin/accounts", &label::NAV_ACCOUNTS, Role::Administrator),
    ("/admin/activity", &label::NAV_ACTIVITY, Role::Viewer),
];

fn role_label(role: Role) -> &'static Text {
    match role {
        Role::Viewer => &label::ROLE_VIEWER,
        Role::Operator => &label::ROLE_OPERATOR,
        Role::Administrator => &label::ROLE_ADMINISTRATOR,
    }
}

/// A whole console page: the frame, the navigation for the operator's role,
/// the language switch, sign-out, and `body` in `main[data-state]`.
pub(crate) fn render(
    status: StatusCode,
    title: &str,
    data_state: &str,
    signed: &Signed<'_>,
    body: Markup,
) -> Response {
    let lang = signed.lang;
    let document = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (lang.of(&label::BRAND)) }
                link rel="stylesheet" href="/assets/maksa.css";
                link rel="stylesheet" href="/admin/operator.css";
            }
            body.font-size-100 {
                a.skip href="#content" { (lang.of(&label::SKIP_TO_CONTENT)) }
                header {
                    p.brand { (lang.of(&label::BRAND)) }
                    nav aria-label=(lang.of(&label::NAV_LABEL)) {
                        ul {
                            @for (path, text, needed) in NAVIGATION {
                                @if signed.may(*needed) {
                                    li { a href=(path) { (lang.of(text)) } }
                                }
                            }
                            li {
                                a href={ "/admin/language/" (lang.other().code()) }
                                    lang=(lang.other().code()) data-action="switch-language" {
                                    (lang.of(&label::SWITCH_LANGUAGE))
                                }
                            }
                            li {
                                form.inline method="post" action="/admin/sign-out" {
                                    (signed.csrf())
                                    button.secondary type="submit" data-action="sign-out" {
                                        (lang.of(&label::SIGN_OUT)) " " (signed.session.name)
                                        " (" (lang.of(role_label(signed.session.role))) ")"
                                    }
                                }
                            }
                        }
                    }
                }
                main.operator id="content" data-state=(data_state) { (body) }
            }
        }
    };
    let mut response = (status, document.into_string()).into_response();
    secure_headers(&mut response, &csp(""));
    response
}

/// A console page without the navigation (sign-in, the second factor's
/// enrolment): the same document, head and `main[data-state]`.
pub(crate) fn render_public(
    status: StatusCode,
    lang: Lang,
    title: &str,
    data_state: &str,
    body: Markup,
) -> Response {
    let document = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (lang.of(&label::BRAND)) }
                link rel="stylesheet" href="/assets/maksa.css";
                link rel="stylesheet" href="/admin/operator.css";
            }
            body.font-size-100 {
                header {
                    p.brand { (lang.of(&label::BRAND)) }
                    nav aria-label=(lang.of(&label::NAV_LABEL)) {
                        ul {
                            li {
                                a href={ "/admin/language/" (lang.other().code()) "?back=/admin/sign-in" }
                                    lang=(lang.other().code()) data-action="switch-language" {
                                    (lang.of(&label::SWITCH_LANGUAGE))
                                }
                            }
                        }
                    }
                }
                main.operator id="content" data-state=(data_state) { (body) }
            }
        }
    };
    let mut response = (status, document.into_string()).into_response();
    secure_headers(&mut response, &csp(""));
    response
}

/// `GET /admin/language/{lv|en}?back=/admin/…`: keeps the choice in a
/// cookie and goes back (only to a console page: no open redirect).
pub(crate) async fn switch_language(
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return notice_public(
            StatusCode::NOT_FOUND,
            language(&headers),
            "not-found",
            &label::NOT_FOUND_TITLE,
            &label::NO_SUCH_LANGUAGE,
        );
    };
    let back = query
        .get("back")
        .map(String::as_str)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(|r| r.find("/admin/").and_then(|at| r.get(at..)))
        })
        .filter(|b| {
            b.starts_with("/admin/") && !b.contains("//") && !b.contains('\\') && b.len() <= 512
        })
        .unwrap_or("/admin/");
    let mut response = Redirect::to(back).into_response();
    let cookie = format!(
        "{LANGUAGE_COOKIE}={}; Path=/admin; SameSite=Strict; Max-Age=31536000",
        lang.code()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
