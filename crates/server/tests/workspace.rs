//! The payer's workspace (`/payer/`) over HTTP against the real server, on
//! SQLite and PostgreSQL: WS-Federation sign-in with tokens of a simulated
//! portal (good, forged, expired, not yet valid, for another realm or
//! issuer, tampered, replayed, for another browser), the list limited to the
//! signed-in payer, sign-out behind its CSRF token, receipts only of one's own
//! requests; and the payers' e-mail through a real SMTP server (Python's
//! aiosmtpd, `crates/mail/tests/smtp_server.py`): registered and reminder
//! messages, Latvian and English, each sent once. Also the pages' escaping:
//! markup in the catalogue, the request and the portal's answer stays text.
//!
//! python3 with aiosmtpd is required (`python3 -m pip install -r
//! crates/mail/tests/requirements.txt`): without it the e-mail tests fail.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use maksa_app::admin::Admin;
use maksa_app::auth::Caller;
use maksa_app::clock::SystemClock;
use maksa_app::ivis::IvisSubmissionInput;
use maksa_app::mail::{MailAddress, MailTransport};
use maksa_app::payment_requests::{HubSettings, PaymentRequests};
use maksa_app::store::PayerMessageState;
use maksa_app::store::prelude::*;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::{
    ClientInfoInput, CreationRules, PaymentRequestInput, PriceListItemInput,
};
use maksa_identity::{RelyingParty, SimulatedIdentityProvider, TestPayer};
use maksa_providers::{DemoBank, DemoKeys};
use maksa_server::{AppState, Listeners, PageSettings, PayerOptions, WorkspaceSettings};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};
use support::Backend;
use support::payer_hub::{Browser, Hub, decide, to_the_bank};
use time::{Duration, OffsetDateTime};

const REALM: &str = "urn:maksa:test-workspace";
const JANIS: &str = "010101-10006";
const ANNA: &str = "111111-11111";

/// Every line the server logs in this test binary (all levels), to show the
/// personal codes never reach it.
fn captured_log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        log
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// No personal code of the test payers in anything logged so far.
fn assert_log_has_no_personal_codes() {
    let log = String::from_utf8_lossy(&captured_log().lock().unwrap()).into_owned();
    for code in [JANIS, "01010110006", ANNA, "11111111111"] {
        assert!(
            !log.contains(code),
            "the personal code {code} is in the server's log:\n{log}"
        );
    }
}

/// A hub with the workspace (trusting `idp`), the demo bank and, with `mail`,
/// the payers' e-mail (the lifecycle worker runs: its notifications go to
/// the hub's own `/health`).
struct WorkspaceHub {
    hub: Hub,
    requests: Arc<PaymentRequests>,
    caller: Caller,
}

async fn start(
    backend: Backend,
    idp: &SimulatedIdentityProvider,
    mail: Option<Arc<dyn MailTransport>>,
) -> WorkspaceHub {
    start_with_catalog(backend, idp, mail, |catalog| catalog).await
}

/// The hub with the demo catalogue as `edit` changes it.
async fn start_with_catalog(
    backend: Backend,
    idp: &SimulatedIdentityProvider,
    mail: Option<Arc<dyn MailTransport>>,
    edit: impl FnOnce(String) -> String,
) -> WorkspaceHub {
    captured_log();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (store, database) = support::open_store(backend).await;
    let clock = Arc::new(SystemClock);
    let bound = maksa_server::bind(Listeners {
        http: Some("127.0.0.1:0".parse().unwrap()),
        https: None,
    })
    .await
    .unwrap();
    let port = bound.http_addr().unwrap().port();
    let base = format!("http://{}", bound.http_addr().unwrap());
    let admin = Admin::new(Arc::clone(&store), clock.clone());
    let catalog = include_str!("../../../demo/catalog.toml").replace(
        "  \"http://localhost:8080\",\n]",
        &format!("  \"http://localhost:8080\",\n  \"{base}\",\n]"),
    );
    admin.import_catalog(&edit(catalog)).await.unwrap();
    let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "demo").unwrap();
    let info = maksa_x509::parse_mm_cert(&pki.client_cert_pem).unwrap();
    admin
        .register_client(
            ClientId::parse("demo").unwrap(),
            &maksa_server::presented(&info),
            Vec::new(),
            Vec::new(),
        )
        .await
        .unwrap();
    let keys_dir = tempfile::tempdir().unwrap();
    let keys = DemoKeys::load_or_create(keys_dir.path()).unwrap();
    let bank = DemoBank::new(
        DemoKeys::load_or_create(keys_dir.path()).unwrap(),
        format!("{base}/demo-bank"),
        base.clone(),
    );
    let mut connectors = maksa_app::providers::Connectors::new();
    connectors.register(bank.connector());
    let settings = HubSettings {
        public_base_url: base.clone(),
        rules: CreationRules::default(),
        list_limit: 1000,
        issuer: maksa_domain::document::Party {
            name: "maksa test hub".into(),
            code: Some("90000036859".into()),
            address: None,
        },
    };
    let state = AppState::assemble(
        Arc::clone(&store),
        clock,
        settings,
        true,
        64 * 1024,
        PayerOptions {
            connectors: connectors.clone(),
            pages: PageSettings {
                return_redirect_seconds: 3,
            },
            mounts: vec![("/demo-bank".to_owned(), bank.router())],
            outbound: Some(Arc::new(maksa_outbound::OutboundClient::new(
                maksa_outbound::OutboundPolicy::allow_loopback().allow_port(port),
            ))),
            workspace: Some(WorkspaceSettings {
                // Never visited: the tests post the portal's answer themselves.
                idp_url: url::Url::parse("https://idp.invalid/sts/?lang=lv").unwrap(),
                relying_party: RelyingParty::new(REALM, idp.trusted().unwrap()),
                reply_url: format!("{base}/payer/sign-in"),
                secure_cookies: false,
                session_lifetime: Duration::minutes(30),
            }),
            mail,
            remind_before: Some(Duration::days(3)),
            ..PayerOptions::default()
        },
    )
    .await
    .unwrap();
    let requests = Arc::clone(&state.requests);
    let cards = Arc::clone(&state.cards);
    let server = maksa_server::serve(state, bound).unwrap();
    WorkspaceHub {
        hub: Hub {
            _server: server,
            cards,
            connectors,
            base,
            store,
            mm_cert: maksa_x509::mm_cert_value(&pki.client_cert_pem).unwrap(),
            keys,
            _database: database,
        },
        requests,
        caller: Caller {
            client: ClientId::parse("demo").unwrap(),
            thumbprint: "test".into(),
            roles: Vec::new(),
            services: Vec::new(),
        },
    }
}

fn payer(code: &str) -> TestPayer {
    TestPayer::all()
        .into_iter()
        .find(|p| p.personal_code == code)
        .unwrap()
}

/// A request an IVIS submission addresses to the payer `code`.
async fn create_for(w: &WorkspaceHub, code: &str) -> String {
    let mut input = submission(
        &uuid::Uuid::new_v4().to_string(),
        code,
        "payer@example.lv",
        None,
        "2099-01-01T00:00:00+02:00",
        &w.hub.base,
    );
    input.requests[0].client_info = Some(ClientInfoInput {
        client_code: Some(code.to_owned()),
        client_first_name: Some("Test".into()),
        client_name: Some("Maksātājs".into()),
        ..ClientInfoInput::default()
    });
    let outcome = w.requests.ivis_submit(&w.caller, &input).await.unwrap();
    outcome.requests[0].id.to_string()
}

/// Every `Set-Cookie` of an answer, whole.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        c.split(';')
            .next()
            .unwrap()
            .strip_prefix(&format!("{name}="))
            .map(str::to_owned)
    })
}

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// `GET /payer/sign-in`: the nonce cookie and the `wctx` sent to the portal.
async fn begin_sign_in(hub: &Hub) -> (String, String) {
    let response = client()
        .get(format!("{}/payer/sign-in", hub.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(&response);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://idp.invalid/sts/?lang=lv&wa=wsignin1.0"),
        "{location}"
    );
    let url = url::Url::parse(&location).unwrap();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["wtrealm"], REALM);
    assert_eq!(query["wreply"], format!("{}/payer/sign-in", hub.base));
    let nonce = cookie_value(&cookies, "maksa_payer_signin").expect("a nonce cookie");
    let flags = cookies
        .iter()
        .find(|c| c.starts_with("maksa_payer_signin="))
        .unwrap();
    assert!(flags.contains("HttpOnly"), "{flags}");
    (nonce, query["wctx"].clone())
}

/// What the portal's auto-submitted form posts: answers the `Set-Cookie`s
/// and where the browser is sent.
async fn post_answer(
    hub: &Hub,
    nonce_cookie: Option<&str>,
    wctx: &str,
    wresult: &str,
) -> (Vec<String>, String) {
    let mut request = support::payer_hub::form(
        client().post(format!("{}/payer/sign-in", hub.base)),
        &[
            ("wa".into(), "wsignin1.0".into()),
            ("wresult".into(), wresult.into()),
            ("wctx".into(), wctx.into()),
        ],
    );
    if let Some(nonce) = nonce_cookie {
        request = request.header("cookie", format!("maksa_payer_signin={nonce}"));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(&response);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (cookies, location)
}

/// Signs `wresult` in as a browser would: answers the session cookie (`name=value`).
async fn sign_in_with(hub: &Hub, wresult: &str) -> String {
    let (nonce, wctx) = begin_sign_in(hub).await;
    let (cookies, location) = post_answer(hub, Some(&nonce), &wctx, wresult).await;
    assert_eq!(location, "/payer/", "{cookies:?}");
    let session = cookie_value(&cookies, "maksa_payer").expect("a session cookie");
    assert!(!session.is_empty());
    format!("maksa_payer={session}")
}

async fn sign_in(hub: &Hub, idp: &SimulatedIdentityProvider, code: &str) -> String {
    let token = idp
        .issue(
            &payer(code),
            REALM,
            OffsetDateTime::now_utc(),
            Duration::minutes(5),
        )
        .unwrap();
    sign_in_with(hub, &token).await
}

/// Posts `wresult` and checks the sign-in was refused: back at the signed-out
/// page with the notice, no session cookie.
async fn assert_refused(hub: &Hub, nonce: Option<&str>, wctx: &str, wresult: &str, case: &str) {
    let (cookies, location) = post_answer(hub, nonce, wctx, wresult).await;
    assert_eq!(location, "/payer/?notice=SIGN_IN_REFUSED", "{case}");
    assert!(
        cookie_value(&cookies, "maksa_payer").is_none(),
        "{case}: a session cookie was set: {cookies:?}"
    );
    let mut browser = Browser::new();
    if let Some(nonce) = nonce {
        browser.cookie = Some(format!("maksa_payer_signin={nonce}"));
    }
    let page = browser.get(&format!("{}{location}", hub.base)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.state(), "signed-out", "{case}");
    assert!(
        page.html.contains("data-notice=\"SIGN_IN_REFUSED\""),
        "{case}: {}",
        page.html
    );
}

async fn workspace_page(hub: &Hub, session: &str) -> support::payer_hub::Page {
    let mut browser = Browser::new();
    browser.cookie = Some(session.to_owned());
    browser.get(&format!("{}/payer/", hub.base)).await
}

async fn a_good_token_signs_in_and_lists_only_the_payers_requests(backend: Backend) {
    let idp = SimulatedIdentityProvider::generate().unwrap();
    let w = start(backend, &idp, None).await;
    let hub = &w.hub;
    let janis_first = create_for(&w, JANIS).await;
    let janis_second = create_for(&w, "01010110006").await;
    let annas = create_for(&w, ANNA).await;
    // Over REST, naming Jānis: not addressed to him by the portal, not listed.
    let over_rest = hub
        .create_with(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
            json!({"ClientInfo": {"ClientCode": JANIS, "ClientFirstName": "Test", "ClientName": "Maksātājs"}}),
        )
        .await;
    let nobodys = hub.create_one().await;

    let signed_out = Browser::new().get(&format!("{}/payer/", hub.base)).await;
    assert_eq!(signed_out.state(), "signed-out");
    assert!(signed_out.html.contains("data-action=\"sign-in-portal\""));
    assert!(
        signed_out.html.contains("href=\"/payer/sign-in\""),
        "{}",
        signed_out.html
    );

    let token = idp
        .issue(
            &payer(JANIS),
            REALM,
            OffsetDateTime::now_utc(),
            Duration::minutes(5),
        )
        .unwrap();
    let (nonce, wctx) = begin_sign_in(hub).await;
    let (cookies, location) = post_answer(hub, Some(&nonce), &wctx, &token).await;
    assert_eq!(location, "/payer/");
    let session_cookie = cookies
        .iter()
        .find(|c| c.starts_with("maksa_payer="))
        .expect("the session cookie");
    let flags: Vec<String> = session_cookie
        .split(';')
        .skip(1)
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    assert!(flags.contains(&"httponly".to_owned()), "{session_cookie}");
    assert!(
        flags.contains(&"samesite=lax".to_owned()),
        "{session_cookie}"
    );
    assert!(
        flags.contains(&"path=/payer".to_owned()),
        "{session_cookie}"
    );
    assert!(
        !flags.iter().any(|f| f == "secure"),
        "no Secure over plain HTTP: {session_cookie}"
    );
    let max_age: i64 = flags
        .iter()
        .find_map(|f| f.strip_prefix("max-age="))
        .expect("Max-Age")
        .parse()
        .unwrap();
    assert_eq!(max_age, 30 * 60, "{session_cookie}");
    // The nonce is spent: its cookie is cleared.
    let cleared = cookies
        .iter()
        .find(|c| c.starts_with("maksa_payer_signin="))
        .expect("the nonce cookie cleared");
    assert!(cleared.starts_with("maksa_payer_signin=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    let session = format!(
        "maksa_payer={}",
        cookie_value(&cookies, "maksa_payer").unwrap()
    );
    let page = workspace_page(hub, &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.state(), "workspace", "{}", page.html);
    assert!(page.html.contains("Jānis Bērziņš"), "{}", page.html);
    for id in [&janis_first, &janis_second] {
        assert!(
            page.html
                .contains(&format!("data-request=\"{id}\" data-status=\"P\"")),
            "{id} is listed: {}",
            page.html
        );
        assert!(
            page.html
                .contains(&format!("href=\"/Payments/?id={id}\" data-action=\"pay\"")),
            "{}",
            page.html
        );
    }
    assert!(
        !page.html.contains(&annas),
        "another payer's request is listed"
    );
    assert!(
        !page.html.contains(&nobodys),
        "a request with no payer is listed"
    );
    assert!(
        !page.html.contains(&over_rest),
        "a request the portal did not address to the payer is listed"
    );
    assert_eq!(page.html.matches("data-request=").count(), 2);

    // Anna sees hers only.
    let annas_session = sign_in(hub, &idp, ANNA).await;
    let page = workspace_page(hub, &annas_session).await;
    assert_eq!(page.state(), "workspace");
    assert!(page.html.contains("Anna Kalniņa"));
    assert!(page.html.contains(&format!("data-request=\"{annas}\"")));
    assert_eq!(
        page.html.matches("data-request=").count(),
        1,
        "{}",
        page.html
    );

    // A forged session cookie (the MAC changed) is no session.
    let forged = format!("{}0", &session[..session.len() - 1]);
    let forged = if forged == session {
        format!("{}1", &session[..session.len() - 1])
    } else {
        forged
    };
    assert_eq!(workspace_page(hub, &forged).await.state(), "signed-out");
    assert_log_has_no_personal_codes();
}

async fn bad_answers_are_refused_and_sign_no_one_in(backend: Backend) {
    let idp = SimulatedIdentityProvider::generate().unwrap();
    let w = start(backend, &idp, None).await;
    let hub = &w.hub;
    create_for(&w, JANIS).await;
    let now = OffsetDateTime::now_utc();
    let janis = payer(JANIS);
    let good = || idp.issue(&janis, REALM, now, Duration::minutes(5)).unwrap();

    let other_key = SimulatedIdentityProvider::generate().unwrap();
    let mut other_issuer = idp.clone();
    other_issuer.issuer = "http://www.example.org/sts".into();
    let original = good();
    assert!(original.contains(&format!("PK:{JANIS}</saml:NameIdentifier>")));
    let tampered = original.replace(&format!("PK:{JANIS}"), &format!("PK:{ANNA}"));
    assert_ne!(tampered, original);
    let cases: Vec<(&str, String)> = vec![
        (
            "signed by another key",
            other_key
                .issue(&janis, REALM, now, Duration::minutes(5))
                .unwrap(),
        ),
        (
            "expired",
            idp.issue(
                &janis,
                REALM,
                now - Duration::hours(1),
                Duration::minutes(5),
            )
            .unwrap(),
        ),
        (
            "not yet valid",
            idp.issue(
                &janis,
                REALM,
                now + Duration::minutes(30),
                Duration::minutes(5),
            )
            .unwrap(),
        ),
        (
            "for another realm",
            idp.issue(&janis, "urn:someone:else", now, Duration::minutes(5))
                .unwrap(),
        ),
        (
            "from another issuer",
            other_issuer
                .issue(&janis, REALM, now, Duration::minutes(5))
                .unwrap(),
        ),
        ("tampered after signing", tampered),
        ("not a token", "<x/>".to_owned()),
        ("empty", String::new()),
    ];
    for (case, token) in &cases {
        let (nonce, wctx) = begin_sign_in(hub).await;
        assert_refused(hub, Some(&nonce), &wctx, token, case).await;
    }

    // A good token, but the answer is not for this browser.
    let (nonce, _) = begin_sign_in(hub).await;
    let (_, other_wctx) = begin_sign_in(hub).await;
    assert_refused(
        hub,
        Some(&nonce),
        &other_wctx,
        &good(),
        "wctx of another browser",
    )
    .await;
    let (_, wctx) = begin_sign_in(hub).await;
    assert_refused(hub, None, &wctx, &good(), "no nonce cookie").await;
    let (nonce, wctx) = begin_sign_in(hub).await;
    let (bare, _) = nonce.split_once('.').unwrap();
    assert_refused(
        hub,
        Some(&format!("{bare}.{}", "0".repeat(64))),
        &wctx,
        &good(),
        "a nonce cookie the hub did not make",
    )
    .await;

    // The same token twice: the second is a replay.
    let token = good();
    sign_in_with(hub, &token).await;
    let (nonce, wctx) = begin_sign_in(hub).await;
    assert_refused(hub, Some(&nonce), &wctx, &token, "the same token again").await;
    // The refusals are logged (so the capture below sees the server's log),
    // by their reason and without the payer.
    let log = String::from_utf8_lossy(&captured_log().lock().unwrap()).into_owned();
    assert!(log.contains("payer sign-in refused"), "{log}");
    assert!(log.contains("the token was used before"), "{log}");
    assert_log_has_no_personal_codes();
}

async fn signing_out_needs_the_csrf_token_and_clears_the_cookie(backend: Backend) {
    let idp = SimulatedIdentityProvider::generate().unwrap();
    let w = start(backend, &idp, None).await;
    let hub = &w.hub;
    let session = sign_in(hub, &idp, JANIS).await;
    let page = workspace_page(hub, &session).await;
    assert_eq!(page.state(), "workspace");
    let (action, fields) = page.form("data-action=\"sign-out\"");
    assert_eq!(action, "/payer/sign-out");
    assert!(fields.iter().any(|(k, v)| k == "csrf" && !v.is_empty()));

    let mut browser = Browser::new();
    browser.cookie = Some(session.clone());
    // Without the token, or with another's: refused, still signed in.
    let stale = browser
        .post(&format!("{}/payer/sign-out", hub.base), &[])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert_eq!(stale.state(), "stale-form");
    let other_session = sign_in(hub, &idp, ANNA).await;
    let (_, others) = workspace_page(hub, &other_session)
        .await
        .form("data-action=\"sign-out\"");
    browser.cookie = Some(session.clone());
    let stale = browser
        .post(&format!("{}/payer/sign-out", hub.base), &others)
        .await;
    assert_eq!(
        stale.status,
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    assert_eq!(workspace_page(hub, &session).await.state(), "workspace");

    browser.cookie = Some(session.clone());
    let out = browser
        .post(&format!("{}/payer/sign-out", hub.base), &fields)
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/payer/"));
    let cleared = browser.set_cookie.clone().expect("the cookie cleared");
    assert!(cleared.starts_with("maksa_payer=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The browser, having dropped the cookie, is signed out.
    assert_eq!(
        Browser::new()
            .get(&format!("{}/payer/", hub.base))
            .await
            .state(),
        "signed-out"
    ); // A copy of the cookie taken before signing out is refused too.
    assert_eq!(workspace_page(hub, &session).await.state(), "signed-out");
}

async fn receipts_only_of_ones_own_paid_requests(backend: Backend) {
    let idp = SimulatedIdentityProvider::generate().unwrap();
    let w = start(backend, &idp, None).await;
    let hub = &w.hub;
    let janis_request = create_for(&w, JANIS).await;
    let annas = create_for(&w, ANNA).await;
    let mut browser = Browser::new();
    let bank = to_the_bank(hub, &mut browser, &janis_request).await;
    let paid = decide(hub, &mut browser, &bank, "approve").await;
    assert_eq!(paid.state(), "paid", "{}", paid.html);
    assert_eq!(hub.status(&janis_request).await, "E");

    let session = sign_in(hub, &idp, JANIS).await;
    let page = workspace_page(hub, &session).await;
    assert!(
        page.html.contains(&format!(
            "data-request=\"{janis_request}\" data-status=\"E\""
        )),
        "{}",
        page.html
    );
    let receipt = format!("/payer/documents/{janis_request}");
    assert!(
        page.html
            .contains(&format!("href=\"{receipt}\" data-action=\"receipt\"")),
        "{}",
        page.html
    );
    let fetch = |path: String, cookie: Option<String>| async move {
        let mut request = client().get(format!("{}{path}", hub.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    };
    let pdf = fetch(receipt.clone(), Some(session.clone())).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.headers()["cache-control"], "no-store");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let english = fetch(format!("{receipt}?language=ENG"), Some(session.clone())).await;
    assert_eq!(english.status(), StatusCode::OK);
    assert!(english.bytes().await.unwrap().starts_with(b"%PDF"));

    // Another payer's request and an unknown one: not found alike (a malformed id: a bad request).
    let unknown = uuid::Uuid::new_v4().to_string();
    for (path, case) in [
        (format!("/payer/documents/{annas}"), "another payer's"),
        (format!("/payer/documents/{unknown}"), "an unknown id"),
    ] {
        let answer = fetch(path, Some(session.clone())).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{case}");
        let body = answer.text().await.unwrap();
        assert!(body.contains("data-state=\"not-found\""), "{case}: {body}");
        assert!(!body.contains("%PDF"));
    }
    let malformed = fetch(
        "/payer/documents/not-an-id".to_owned(),
        Some(session.clone()),
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(!malformed.bytes().await.unwrap().starts_with(b"%PDF"));
    // Anna's own is hers (a first invoice while unpaid), Jānis's is not.
    let annas_session = sign_in(hub, &idp, ANNA).await;
    assert_eq!(
        fetch(receipt.clone(), Some(annas_session)).await.status(),
        StatusCode::NOT_FOUND
    );
    // Signed out: back to the workspace's door, no document.
    let anonymous = fetch(receipt, None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/payer/");

    // A guessed request id on the payment page is not found.
    for guess in [uuid::Uuid::new_v4().to_string(), unknown] {
        let page = Browser::new()
            .get(&format!("{}/Payments/?id={guess}", hub.base))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.html);
        assert_eq!(page.state(), "not-found");
    }
    assert_log_has_no_personal_codes();
}

on_both_backends!(
    a_good_token_signs_in_and_lists_only_the_payers_requests,
    bad_answers_are_refused_and_sign_no_one_in,
    signing_out_needs_the_csrf_token_and_clears_the_cookie,
    receipts_only_of_ones_own_paid_requests,
    payers_mail_goes_through_smtp_once,
    hostile_names_render_as_text_on_every_payer_page,
);

// ---------------------------------------------------------------------------
// The payers' e-mail through a real SMTP server.

const INSTALL: &str = "python3 -m pip install -r crates/mail/tests/requirements.txt";

/// aiosmtpd (`crates/mail/tests/smtp_server.py`), stopped when dropped; each
/// message received is a JSON file in `dir`.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let stderr_path = dir.path().join("stderr.txt");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mail/tests/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 could not be started ({e}); {INSTALL}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.trim().parse::<u16>() {
            Ok(port) => SmtpServer { child, port, dir },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the aiosmtpd test server did not start ({INSTALL}): {}",
                    std::fs::read_to_string(&stderr_path).unwrap_or_default()
                );
            }
        }
    }

    fn transport(&self) -> Arc<dyn MailTransport> {
        Arc::new(maksa_mail::SmtpTransport {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            from: MailAddress::parse("maksa@maksa.test").unwrap(),
            hello_name: "maksa.test".to_owned(),
            timeout: StdDuration::from_secs(10),
        })
    }

    /// The messages received so far, in order.
    fn received(&self) -> Vec<Value> {
        let mut files: Vec<(u32, Value)> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| {
                let path = e.unwrap().path();
                let n: u32 = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".json")?
                    .parse()
                    .ok()?;
                Some((
                    n,
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap(),
                ))
            })
            .collect();
        files.sort_by_key(|(n, _)| *n);
        files.into_iter().map(|(_, v)| v).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // Closing stdin stops it.
        drop(self.child.stdin.take());
        if self.child.wait_timeout_secs(5).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

trait WaitTimeout {
    fn wait_timeout_secs(&mut self, secs: u64) -> Option<std::process::ExitStatus>;
}

impl WaitTimeout for Child {
    fn wait_timeout_secs(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + StdDuration::from_secs(secs);
        while Instant::now() < until {
            if let Ok(Some(status)) = self.try_wait() {
                return Some(status);
            }
            std::thread::sleep(StdDuration::from_millis(50));
        }
        None
    }
}

/// An asynchronous IVIS submission registering one request for `code`.
fn submission(
    message_id: &str,
    code: &str,
    email: &str,
    language: Option<&str>,
    expiry: &str,
    base: &str,
) -> IvisSubmissionInput {
    IvisSubmissionInput {
        message_id: message_id.to_owned(),
        transaction_id: None,
        correlation_id: None,
        test: false,
        milestone_id: None,
        next_milestone_id: None,
        response_endpoint: format!("{base}/health"),
        eservice_id: None,
        service_instance_id: None,
        asynchronous: true,
        migrated: false,
        receiver: Some(code.to_owned()),
        language: language.map(str::to_owned),
        requests: vec![PaymentRequestInput {
            service_step: Some("03G10".into()),
            price_list: vec![PriceListItemInput {
                position: Some("2346".into()),
                item: Some("1".into()),
                item_element_name: Some("Quantity".into()),
            }],
            client_info: Some(ClientInfoInput {
                client_name: Some("Bērziņš".into()),
                client_first_name: Some("Jānis".into()),
                client_code: None,
                client_email: Some(email.to_owned()),
                client_phone: None,
                client_address: None,
            }),
            expiry_date: Some(expiry.to_owned()),
            response_url: Some(format!("{base}/health?id=")),
            server_response_url: Some(format!("{base}/health?id=")),
            return_redirect_url: Some(format!("{base}/health")),
            allowed_banks: vec!["DEMO0000".into()],
            ..PaymentRequestInput::default()
        }],
    }
}

/// Waits (bounded) until `count` messages arrived.
async fn wait_for_messages(smtp: &SmtpServer, count: usize) -> Vec<Value> {
    let until = Instant::now() + StdDuration::from_secs(30);
    loop {
        let received = smtp.received();
        if received.len() >= count || Instant::now() > until {
            return received;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

/// Waits (bounded) until every payer message of `id` is sent.
async fn wait_until_sent(store: &Arc<dyn Store>, id: &str, kinds: usize) {
    let id = PaymentRequestId::parse(id).unwrap();
    let until = Instant::now() + StdDuration::from_secs(30);
    loop {
        let messages = store.payer_messages(id).await.unwrap();
        if messages.len() == kinds && messages.iter().all(|m| m.state == PayerMessageState::Sent) {
            return;
        }
        assert!(
            Instant::now() < until,
            "the payer messages of {id} were not all sent: {messages:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

fn raw_content(message: &Value) -> String {
    String::from_utf8(BASE64.decode(message["content"].as_str().unwrap()).unwrap()).unwrap()
}

async fn payers_mail_goes_through_smtp_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let idp = SimulatedIdentityProvider::generate().unwrap();
    let w = start(backend, &idp, Some(smtp.transport())).await;
    let hub = &w.hub;
    let far = "2099-01-01T00:00:00+02:00";

    // Latvian (the default), due far off: the registration message only.
    let latvian = w
        .requests
        .ivis_submit(
            &w.caller,
            &submission("msg-lv-1", JANIS, "janis@example.lv", None, far, &hub.base),
        )
        .await
        .unwrap();
    let lv_id = latvian.requests[0].id.to_string();
    let lv_number = latvian.requests[0].number.as_str().to_owned();
    wait_until_sent(&hub.store, &lv_id, 1).await;
    let received = wait_for_messages(&smtp, 1).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let message = &received[0];
    assert_eq!(message["rcpt_tos"], json!(["janis@example.lv"]));
    assert_eq!(message["mail_from"], "maksa@maksa.test");
    assert_eq!(message["parsed_to"], "janis@example.lv");
    let subject = message["parsed_subject"].as_str().unwrap();
    assert!(
        subject.starts_with(&format!("Maksājuma pieprasījums Nr. {lv_number}")),
        "{subject}"
    );
    let text = message["parsed_text"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n");
    assert!(text.contains("Labdien, Jānis Bērziņš!"), "{text}");
    assert!(
        text.contains("reģistrējis Jums maksājuma pieprasījumu"),
        "{text}"
    );
    assert!(text.contains("Apmaksas termiņš: 01.01.2099"), "{text}");
    assert!(text.contains(&format!("{}/payer/\n", hub.base)), "{text}");
    assert!(
        text.contains(&format!("{}/Payments/?id={lv_id}\n", hub.base)),
        "{text}"
    );
    let raw = raw_content(message);
    assert!(
        raw.contains(&format!("<{lv_id}.registered@127.0.0.1>")),
        "{raw}"
    );

    // The same submission again (a retry of the IVIS message) is the first
    // one again: no second request, no second message.
    let again = w
        .requests
        .ivis_submit(
            &w.caller,
            &submission("msg-lv-1", JANIS, "janis@example.lv", None, far, &hub.base),
        )
        .await
        .unwrap();
    assert!(again.repeated);

    // English, due tomorrow: the registration message and a reminder.
    let soon = (OffsetDateTime::now_utc() + Duration::days(1))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let english = w
        .requests
        .ivis_submit(
            &w.caller,
            &submission(
                "msg-en-1",
                ANNA,
                "anna@example.lv",
                Some("en"),
                &soon,
                &hub.base,
            ),
        )
        .await
        .unwrap();
    let en_id = english.requests[0].id.to_string();
    let en_number = english.requests[0].number.as_str().to_owned();
    wait_until_sent(&hub.store, &en_id, 2).await;
    let received = wait_for_messages(&smtp, 3).await;
    assert_eq!(received.len(), 3, "{received:?}");
    let to_anna: Vec<&Value> = received[1..].iter().collect();
    for message in &to_anna {
        assert_eq!(message["rcpt_tos"], json!(["anna@example.lv"]));
    }
    let subjects: Vec<&str> = to_anna
        .iter()
        .map(|m| m["parsed_subject"].as_str().unwrap())
        .collect();
    let registered = to_anna
        .iter()
        .find(|m| {
            m["parsed_subject"]
                .as_str()
                .unwrap()
                .starts_with("Payment request No.")
        })
        .unwrap_or_else(|| panic!("an English registration message: {subjects:?}"));
    assert_eq!(
        registered["parsed_subject"],
        format!(
            "Payment request No. {en_number}: {}",
            english.requests[0].terms.service_name
        )
    );
    let text = registered["parsed_text"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n");
    assert!(text.contains("Hello Jānis Bērziņš,"), "{text}");
    assert!(
        text.contains("has registered a payment request for you"),
        "{text}"
    );
    assert!(text.contains(&format!("{}/payer/\n", hub.base)), "{text}");
    assert!(
        text.contains(&format!("{}/Payments/?id={en_id}\n", hub.base)),
        "{text}"
    );
    let reminder = to_anna
        .iter()
        .find(|m| {
            m["parsed_subject"]
                .as_str()
                .unwrap()
                .starts_with("Reminder:")
        })
        .unwrap_or_else(|| panic!("an English reminder: {subjects:?}"));
    let text = reminder["parsed_text"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n");
    assert!(
        text.contains(&format!("payment request No. {en_number}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/Payments/?id={en_id}\n", hub.base)),
        "{text}"
    );
    assert!(raw_content(reminder).contains(&format!("<{en_id}.reminder@127.0.0.1>")));

    // The far-off Latvian one got no reminder; the worker keeps running
    // (once a second) and sends nothing again. Another worker over the same
    // outbox finds nothing due either.
    let mailer = maksa_app::payer_mail::PayerMailer::new(
        Arc::clone(&hub.store),
        Arc::new(SystemClock),
        smtp.transport(),
        maksa_app::payer_mail::PayerMailSettings {
            public_base_url: hub.base.clone(),
            remind_before: Duration::days(3),
        },
        "second-worker".into(),
    );
    assert_eq!(mailer.run_once(50).await.unwrap(), 0);
    tokio::time::sleep(StdDuration::from_millis(2500)).await;
    assert_eq!(mailer.run_once(50).await.unwrap(), 0);
    assert_eq!(smtp.received().len(), 3, "a message was sent twice");
    let lv_messages = hub
        .store
        .payer_messages(PaymentRequestId::parse(&lv_id).unwrap())
        .await
        .unwrap();
    assert_eq!(lv_messages.len(), 1, "{lv_messages:?}");
    assert_log_has_no_personal_codes();
}

// ---------------------------------------------------------------------------
// Escaping by construction (issue 17): what the catalogue, the e-service and
// the portal say is text on every payer page, never markup.

/// Markup, both quotes and an ampersand, as a hostile or careless catalogue
/// entry, request or portal answer could hold.
const HOSTILE: &str = "<script>alert(\"x\")</script> & 'q'";
/// The same as text in HTML (maud escapes `&`, `<`, `>` and `"`).
const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'q'";

/// The demo catalogue with [`HOSTILE`] as the service provider's, the
/// payee's, the service's and the position's name and as the purpose.
fn hostile_catalog(catalog: String) -> String {
    let toml = HOSTILE.replace('"', "\\\"");
    [
        "Valsts digitālās attīstības aģentūra",
        "Demonstrācijas pakalpojums",
        "Izziņa no reģistra",
        "Valsts nodeva par pakalpojumu",
    ]
    .iter()
    .fold(catalog, |catalog, name| {
        catalog.replace(&format!("\"{name}\""), &format!("\"{toml}\""))
    })
}

fn assert_escaped(html: &str, page: &str, fields: &[String]) {
    assert!(
        !html.contains("<script>alert"),
        "{page} has the markup unescaped: {html}"
    );
    for field in fields {
        assert!(html.contains(field), "{page} lacks {field}: {html}");
    }
}

async fn hostile_names_render_as_text_on_every_payer_page(backend: Backend) {
    let idp = SimulatedIdentityProvider::generate().unwrap();
    let w = start_with_catalog(backend, &idp, None, hostile_catalog).await;
    let hub = &w.hub;
    let mut input = submission(
        &uuid::Uuid::new_v4().to_string(),
        JANIS,
        "payer@example.lv",
        None,
        "2099-01-01T00:00:00+02:00",
        &hub.base,
    );
    input.requests[0].client_info = Some(ClientInfoInput {
        client_code: Some(JANIS.to_owned()),
        client_first_name: Some(HOSTILE.into()),
        client_name: Some("Bērziņš".into()),
        ..ClientInfoInput::default()
    });
    let outcome = w.requests.ivis_submit(&w.caller, &input).await.unwrap();
    let id = outcome.requests[0].id.to_string();

    // The payment page, in both languages.
    let mut browser = Browser::new();
    for query in ["", "&language=ENG"] {
        let page = browser
            .get(&format!("{}/Payments/?id={id}{query}", hub.base))
            .await;
        assert_eq!(page.state(), "choose-provider", "{}", page.html);
        assert_escaped(
            &page.html,
            "the payment page",
            &[
                format!("data-field=\"payer\">{ESCAPED} Bērziņš</dd>"),
                format!("data-field=\"service-provider\">{ESCAPED}</dd>"),
                format!("data-field=\"service\">{ESCAPED}</dd>"),
                format!("<td>{ESCAPED}</td>"),
                format!(" — {ESCAPED}</caption>"),
            ],
        );
    }
    // The result page, back from the bank.
    let bank = to_the_bank(hub, &mut browser, &id).await;
    let paid = decide(hub, &mut browser, &bank, "approve").await;
    assert_eq!(paid.state(), "paid", "{}", paid.html);
    assert_escaped(
        &paid.html,
        "the result page",
        &[
            format!("data-field=\"payer\">{ESCAPED} Bērziņš</dd>"),
            format!("<td>{ESCAPED}</td>"),
        ],
    );
    // The workspace's list, for a payer whose portal name is hostile too.
    let token = idp
        .issue(
            &TestPayer::new(JANIS, HOSTILE, "Bērziņš"),
            REALM,
            OffsetDateTime::now_utc(),
            Duration::minutes(5),
        )
        .unwrap();
    let session = sign_in_with(hub, &token).await;
    let page = workspace_page(hub, &session).await;
    assert_eq!(page.state(), "workspace", "{}", page.html);
    assert_escaped(
        &page.html,
        "the workspace",
        &[
            format!("<strong>{ESCAPED} Bērziņš</strong>"),
            format!("<h3>{ESCAPED}</h3>"),
            format!("<dd>{ESCAPED}</dd>"),
        ],
    );
}
