//! The sandbox's simulated portal identity provider (docs/payer-signin.md),
//! mounted by `maksa demo` at `/sim/portal`: the page where a tester types a
//! test personal code, and the auto-submitted form that posts the signed
//! WS-Federation answer back to the hub — the exchange the real portal makes,
//! with a real signature the hub checks with the simulator's certificate.
//!
//! It answers only to the reply address it was made for, so it cannot be
//! used to post tokens anywhere else.

use crate::labels::workspace as label;
use crate::pages::html::{Document, PageAddress, Prefs, csp, respond};
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maksa_identity::{SimulatedIdentityProvider, TestPayer};
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

struct Portal {
    idp: SimulatedIdentityProvider,
    /// The only `wreply` it posts to: the hub's `/payer/sign-in`.
    reply_url: String,
}

/// The simulator's pages, to be mounted (e.g. at `/sim/portal`).
pub fn router(idp: SimulatedIdentityProvider, reply_url: String) -> Router {
    Router::new()
        .route("/", get(sign_in_page).post(sign_in))
        .with_state(Arc::new(Portal { idp, reply_url }))
}

fn prefs(fields: &HashMap<String, String>) -> Prefs {
    Prefs::from_fields(fields).at(PageAddress::Workspace)
}

fn page(status: StatusCode, prefs: &Prefs, state: &str, head: Markup, body: Markup) -> Response {
    page_posting_to(status, prefs, state, head, body, "")
}

/// The page, its forms allowed to post to `form_targets` besides itself.
fn page_posting_to(
    status: StatusCode,
    prefs: &Prefs,
    state: &str,
    head: Markup,
    body: Markup,
    form_targets: &str,
) -> Response {
    respond(
        status,
        &Document {
            title: prefs.t(&label::PORTAL),
            state,
            prefs: *prefs,
            id: "",
            head,
            body,
        },
        &csp(form_targets),
    )
}

fn refused(prefs: &Prefs, text: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        prefs,
        "idp-refused",
        html! {},
        html! {
            h1 { (prefs.t(&label::PORTAL)) }
            p { (text) }
        },
    )
}

/// `?wa=wsignin1.0&wtrealm=…&wreply=…&wctx=…`: who is signing in?
async fn sign_in_page(Query(query): Query<HashMap<String, String>>) -> Response {
    let prefs = prefs(&query);
    if query.get("wa").map(String::as_str) != Some("wsignin1.0") {
        return refused(&prefs, prefs.t(&label::PORTAL_WA));
    }
    let field = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    page(
        StatusCode::OK,
        &prefs,
        "idp-sign-in",
        html! {},
        html! {
            h1 { (label::portal_heading(prefs.lang())) }
            p { (prefs.t(&label::PORTAL_INTRO)) }
            form method="post" action="" {
                input type="hidden" name="wtrealm" value=(field("wtrealm"));
                input type="hidden" name="wreply" value=(field("wreply"));
                input type="hidden" name="wctx" value=(field("wctx"));
                p {
                    label for="personal-code" { (prefs.t(&label::PERSONAL_CODE)) } " "
                    input id="personal-code" name="personal_code" data-field="personal-code"
                        autocomplete="off" required pattern="[0-9]{6}-?[0-9]{5}"
                        placeholder="010101-10006";
                }
                p {
                    label for="given-name" { (prefs.t(&label::GIVEN_NAME)) } " "
                    input id="given-name" name="given_name" data-field="given-name"
                        autocomplete="off";
                }
                p {
                    label for="surname" { (prefs.t(&label::SURNAME)) } " "
                    input id="surname" name="surname" data-field="surname" autocomplete="off";
                }
                p {
                    button type="submit" data-action="sign-in" { (prefs.t(&label::PORTAL_SUBMIT)) }
                }
            }
            h2 { (prefs.t(&label::TEST_PERSONS)) }
            ul {
                @for person in TestPayer::all() {
                    li {
                        code { (person.personal_code) } " — " (person.given_name) " "
                        (person.surname)
                    }
                }
            }
        },
    )
}

/// Signs the token and posts it back (by `autosubmit.js`, or the button).
async fn sign_in(State(portal): State<Arc<Portal>>, body: Body) -> Response {
    let body = axum::body::to_bytes(body, crate::pages::FORM_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let prefs = prefs(&form);
    let get = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or_default();
    if get("wreply") != portal.reply_url {
        return refused(&prefs, prefs.t(&label::PORTAL_WREPLY));
    }
    let code = get("personal_code");
    if code.is_empty() || code.len() > 12 {
        return refused(&prefs, prefs.t(&label::PORTAL_CODE_NEEDED));
    }
    let known = TestPayer::all()
        .into_iter()
        .find(|p| p.personal_code.replace('-', "") == code.replace('-', ""));
    let given = Some(get("given_name"))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| known.as_ref().map(|p| p.given_name.clone()))
        .unwrap_or_else(|| "Testa".to_owned());
    let surname = Some(get("surname"))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| known.as_ref().map(|p| p.surname.clone()))
        .unwrap_or_else(|| "Lietotājs".to_owned());
    let person = TestPayer::new(code, &given, &surname);
    let wresult = match portal.idp.issue(
        &person,
        get("wtrealm"),
        time::OffsetDateTime::now_utc(),
        time::Duration::minutes(5),
    ) {
        Ok(token) => token,
        Err(error) => {
            return refused(&prefs, &label::not_signed(prefs.lang(), &error.to_string()));
        }
    };
    let target = url::Url::parse(&portal.reply_url)
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    page_posting_to(
        StatusCode::OK,
        &prefs,
        "idp-handoff",
        html! { script src="/assets/autosubmit.js" {} },
        html! {
            h1 { "Latvija.lv" }
            p { (prefs.t(&label::PORTAL_SIGNED_IN)) }
            form id="handoff" method="post" action=(portal.reply_url) {
                @for (name, value) in maksa_identity::auto_post_form_fields(&wresult, get("wctx")) {
                    input type="hidden" name=(name) value=(value);
                }
                button type="submit" data-action="continue" { (prefs.t(&label::PORTAL_CONTINUE)) }
            }
        },
        &target,
    )
}
