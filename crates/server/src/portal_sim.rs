//! The sandbox's simulated portal identity provider (docs/payer-signin.md),
//! mounted by `maksa demo` at `/sim/portal`: the page where a tester types a
//! test personal code, and the auto-submitted form that posts the signed
//! WS-Federation answer back to the hub — the exchange the real portal makes,
//! with a real signature the hub checks with the simulator's certificate.
//!
//! It answers only to the reply address it was made for, so it cannot be
//! used to post tokens anywhere else.

use crate::pages::html::{Document, PageAddress, Prefs, csp, escape, respond};
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maksa_identity::{SimulatedIdentityProvider, TestPayer};
use std::collections::HashMap;
use std::fmt::Write;
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

fn page(status: StatusCode, prefs: &Prefs, state: &str, head: String, body: String) -> Response {
    page_posting_to(status, prefs, state, head, body, "")
}

/// The page, its forms allowed to post to `form_targets` besides itself.
fn page_posting_to(
    status: StatusCode,
    prefs: &Prefs,
    state: &str,
    head: String,
    body: String,
    form_targets: &str,
) -> Response {
    respond(
        status,
        &Document {
            title: "Latvija.lv (simulators)",
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
        String::new(),
        format!("<h1>Latvija.lv (simulators)</h1><p>{}</p>", escape(text)),
    )
}

/// `?wa=wsignin1.0&wtrealm=…&wreply=…&wctx=…`: who is signing in?
async fn sign_in_page(Query(query): Query<HashMap<String, String>>) -> Response {
    let prefs = prefs(&query);
    if query.get("wa").map(String::as_str) != Some("wsignin1.0") {
        return refused(&prefs, "wa must be wsignin1.0");
    }
    let field = |name: &str| escape(query.get(name).map(String::as_str).unwrap_or_default());
    let mut persons = String::new();
    for person in TestPayer::all() {
        let _ = write!(
            persons,
            "<li><code>{}</code> — {} {}</li>",
            escape(&person.personal_code),
            escape(&person.given_name),
            escape(&person.surname)
        );
    }
    page(
        StatusCode::OK,
        &prefs,
        "idp-sign-in",
        String::new(),
        format!(
            "<h1>Latvija.lv — {title}</h1><p>{intro}</p>\
             <form method=\"post\" action=\"\">\
             <input type=\"hidden\" name=\"wtrealm\" value=\"{realm}\">\
             <input type=\"hidden\" name=\"wreply\" value=\"{reply}\">\
             <input type=\"hidden\" name=\"wctx\" value=\"{context}\">\
             <p><label for=\"personal-code\">{code_label}</label> \
             <input id=\"personal-code\" name=\"personal_code\" data-field=\"personal-code\" \
             autocomplete=\"off\" required pattern=\"[0-9]{{6}}-?[0-9]{{5}}\" placeholder=\"010101-10006\"></p>\
             <p><label for=\"given-name\">{given_label}</label> \
             <input id=\"given-name\" name=\"given_name\" data-field=\"given-name\" autocomplete=\"off\"></p>\
             <p><label for=\"surname\">{surname_label}</label> \
             <input id=\"surname\" name=\"surname\" data-field=\"surname\" autocomplete=\"off\"></p>\
             <p><button type=\"submit\" data-action=\"sign-in\">{action}</button></p></form>\
             <h2>{persons_title}</h2><ul>{persons}</ul>",
            title = prefs.t("simulēta pieteikšanās", "simulated sign-in"),
            intro = prefs.t(
                "Šī ir smilškastes portāla pieteikšanās: ievadiet testa personas kodu. Īsts portāls prasītu internetbanku vai eID.",
                "This is the sandbox's portal sign-in: type a test personal code. The real portal would ask for an internet bank or eID."
            ),
            realm = field("wtrealm"),
            reply = field("wreply"),
            context = field("wctx"),
            code_label = prefs.t("Personas kods", "Personal code"),
            given_label = prefs.t("Vārds (nav obligāti)", "Given name (optional)"),
            surname_label = prefs.t("Uzvārds (nav obligāti)", "Surname (optional)"),
            action = prefs.t("Pieteikties", "Sign in"),
            persons_title = prefs.t("Testa personas", "Test persons"),
        ),
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
        return refused(&prefs, "wreply is not the relying party this portal serves");
    }
    let code = get("personal_code");
    if code.is_empty() || code.len() > 12 {
        return refused(&prefs, "type a personal code such as 010101-10006");
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
        Err(error) => return refused(&prefs, &format!("could not sign: {error}")),
    };
    let mut fields = String::new();
    for (name, value) in maksa_identity::auto_post_form_fields(&wresult, get("wctx")) {
        let _ = write!(
            fields,
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(&value)
        );
    }
    let target = url::Url::parse(&portal.reply_url)
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    page_posting_to(
        StatusCode::OK,
        &prefs,
        "idp-handoff",
        "<script src=\"/assets/autosubmit.js\"></script>".to_owned(),
        format!(
            "<h1>Latvija.lv</h1><p>{text}</p>\
             <form id=\"handoff\" method=\"post\" action=\"{action}\">{fields}\
             <button type=\"submit\" data-action=\"continue\">{button}</button></form>",
            text = prefs.t(
                "Pieteikšanās izdevās; atgriežamies pakalpojumā.",
                "Signed in; returning to the service."
            ),
            action = escape(&portal.reply_url),
            button = prefs.t("Turpināt", "Continue"),
        ),
        &target,
    )
}
