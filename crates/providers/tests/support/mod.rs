//! The harness the providers' end-to-end tests share: a bank's simulator
//! served on a real port next to a receiver that records what reaches the
//! hub's addresses, a client that drives it the way a payer's browser and
//! the hub would, and readers of the bank's pages.

#![allow(dead_code, clippy::unwrap_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{any, post};
use maksa_app::providers::{
    AttemptOutcome, Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage,
    Verified,
};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_providers::sim::Sandbox;
use maksa_providers::vk;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::TcpListener;

pub type Fields = Vec<(String, String)>;

/// A request that reached one of the receiver's addresses.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    /// The form fields of the body.
    pub fn body_fields(&self) -> Fields {
        vk::decode_form(&self.body)
    }

    /// The form fields of the query string, then of the body.
    pub fn fields(&self) -> Fields {
        let mut fields = vk::decode_form(self.query.as_bytes());
        fields.extend(self.body_fields());
        fields
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// Records what the bank sends to the hub.
#[derive(Clone, Default)]
pub struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// How many more requests to a flaky address fail with 503 before one
    /// is taken.
    pub flaky_failures: Arc<AtomicUsize>,
}

async fn record(
    State(r): State<Receiver>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    r.received.lock().unwrap().push(Received {
        method: method.as_str().to_owned(),
        query: query.unwrap_or_default(),
        headers,
        body: body.to_vec(),
    });
    StatusCode::OK
}

async fn flaky(
    State(r): State<Receiver>,
    method: Method,
    query: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let failed = r
        .flaky_failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failed {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    record(State(r), method, query, headers, body).await
}

impl Receiver {
    /// Records requests of any method at each of `paths`.
    pub fn routes(&self, paths: &[&str]) -> Router {
        paths
            .iter()
            .fold(Router::new(), |app, path| app.route(path, any(record)))
            .with_state(self.clone())
    }

    /// Records POSTs at each of `paths`.
    pub fn post_routes(&self, paths: &[&str]) -> Router {
        paths
            .iter()
            .fold(Router::new(), |app, path| app.route(path, post(record)))
            .with_state(self.clone())
    }

    /// Records POSTs at `path` once `flaky_failures` of them have failed.
    pub fn flaky_route(&self, path: &str) -> Router {
        Router::new()
            .route(path, post(flaky))
            .with_state(self.clone())
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The form of each body received.
    pub fn body_forms(&self) -> Vec<Fields> {
        self.received().iter().map(Received::body_fields).collect()
    }

    /// The method and the fields (query, then body) of each request.
    pub fn requests(&self) -> Vec<(String, Fields)> {
        self.received()
            .iter()
            .map(|r| (r.method.clone(), r.fields()))
            .collect()
    }

    /// Waits until `count` requests have arrived or `within` has passed;
    /// answers what arrived.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A bank's simulator served on a real port, and the hub's side of it.
pub struct Harness {
    pub origin: String,
    /// Where the simulator is nested, e.g. `/sim/ipizza`.
    pub mount: &'static str,
    pub connector: Arc<dyn Connector>,
    pub receiver: Receiver,
    pub http: reqwest::Client,
    /// Where the sandbox keeps its keys.
    pub dir: tempfile::TempDir,
}

/// Serves, on a port of its own, the simulator `sandbox` builds (from the
/// key directory, the simulator's base URL and the hub's origin) under
/// `mount`, beside the receiver's `routes`.
pub async fn start(
    mount: &'static str,
    routes: impl FnOnce(&Receiver) -> Router,
    sandbox: impl FnOnce(&Path, &str, &str) -> (Arc<dyn Connector>, Router),
) -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (connector, simulator) = sandbox(dir.path(), &format!("{origin}{mount}"), &origin);
    let receiver = Receiver::default();
    let app = routes(&receiver).nest(mount, simulator);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Harness {
        origin,
        mount,
        connector,
        receiver,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir,
    }
}

/// Serves a sandbox bank's simulator, built by `build` for `code`, under
/// `mount`, beside the receiver's `routes`.
pub async fn start_sandbox(
    mount: &'static str,
    routes: impl FnOnce(&Receiver) -> Router,
    build: fn(&Path, ProviderCode, &str, &str) -> io::Result<Sandbox>,
    code: ProviderCode,
) -> Harness {
    start(mount, routes, |dir, base, origin| {
        let sandbox = build(dir, code, base, origin).unwrap();
        (sandbox.connector, sandbox.simulator.router())
    })
    .await
}

static NEXT_ID: AtomicU8 = AtomicU8::new(1);

/// An order of 12.34 EUR to the Treasury, under a fresh attempt id.
pub fn order(purpose: &str, return_url: String, notify_url: String) -> PaymentOrder {
    let id = AttemptId::from_random([NEXT_ID.fetch_add(1, Ordering::Relaxed); 16]);
    PaymentOrder {
        attempt: id,
        amount: Amount::from_minor(1234).unwrap(),
        currency: Currency::EUR,
        purpose: purpose.into(),
        payee_name: "Valsts kase".into(),
        payee_iban: "LV71TREL916021001000B".into(),
        return_url,
        notify_url,
        language: "LAT",
        payer_ip: None,
    }
}

/// The order the bank-link tests pay: a structured reference in the
/// purpose, the return address with a query, the notify address.
pub fn link_order(h: &Harness) -> PaymentOrder {
    order(
        "RF0123456789ABCDEFGHIJKLMNOPQRSTUV Valsts nodeva <b>&</b>",
        format!("{}/return?language=LAT", h.origin),
        format!("{}/notify", h.origin),
    )
}

/// The hub's attempt behind `order`, started with `provider`.
pub fn attempt(
    order: &PaymentOrder,
    provider: ProviderCode,
    external_id: Option<String>,
) -> Attempt {
    Attempt {
        id: order.attempt,
        request_id: PaymentRequestId::from_random([3; 16]),
        sequence: 1,
        provider,
        amount: order.amount,
        currency: order.currency,
        state: AttemptState::Started,
        external_id,
        refund_required: false,
        created_at: OffsetDateTime::now_utc(),
        updated_at: OffsetDateTime::now_utc(),
    }
}

/// `fields` as a form POST reaching the hub.
pub fn incoming(fields: &Fields) -> Incoming {
    Incoming {
        method: "POST".into(),
        fields: fields.clone(),
        body: vk::encode_form(fields).into_bytes(),
        content_type: Some("application/x-www-form-urlencoded".into()),
        headers: Vec::new(),
    }
}

/// The last value of `name`.
pub fn get<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// Sets every value of `name`.
pub fn set(fields: &mut Fields, name: &str, value: &str) {
    for (k, v) in fields.iter_mut() {
        if k == name {
            *v = value.to_owned();
        }
    }
}

pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The value of `attr="..."` in a tag.
pub fn attribute(tag: &str, attr: &str) -> Option<String> {
    let start = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The opening tag of the first form of a page.
fn form_tag(html: &str) -> &str {
    let start = html.find("<form ").expect("a form");
    let form = &html[start..];
    &form[..form.find('>').unwrap()]
}

/// The first form of a page: its action and its hidden fields, as a
/// browser would submit them.
pub fn form(html: &str) -> (String, Fields) {
    let start = html.find("<form ").expect("a form");
    let end = start + html[start..].find("</form>").unwrap();
    let form = &html[start..end];
    let action = attribute(&form[..form.find('>').unwrap()], "action").unwrap();
    let mut fields = Vec::new();
    for piece in form.split("<input ").skip(1) {
        // A leading space, so the first attribute is found like the others.
        let tag = &format!(" {}", &piece[..piece.find('>').unwrap()]);
        if attribute(tag, "type").as_deref() == Some("hidden") {
            fields.push((
                attribute(tag, "name").unwrap(),
                attribute(tag, "value").unwrap(),
            ));
        }
    }
    (action, fields)
}

/// The method of the first form of a page.
pub fn form_method(html: &str) -> String {
    attribute(form_tag(html), "method").unwrap()
}

/// The page's `<main data-state>`.
pub fn state(html: &str) -> String {
    let start = html.find("<main data-state=\"").unwrap() + 18;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

pub async fn post_form(h: &Harness, url: &str, fields: &Fields) -> reqwest::Response {
    h.http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vk::encode_form(fields))
        .send()
        .await
        .unwrap()
}

/// Starts the order through the connector: the form it hands the payer's
/// browser, posted.
pub async fn handoff(h: &Harness, order: &PaymentOrder) -> (String, Fields) {
    let Handoff::Form {
        action,
        method,
        fields,
    } = h.connector.start(order).await.unwrap().handoff
    else {
        panic!("{} hands off by form", h.mount);
    };
    assert_eq!(method, "POST");
    (action, fields)
}

/// Posts a form as the payer's browser would; answers the bank's page.
pub async fn submit(h: &Harness, action: &str, fields: &Fields) -> (StatusCode, String) {
    let response = post_form(h, action, fields).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Hands the order to the simulator's `/pay` as the payer's browser would;
/// answers the bank's page.
pub async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let (action, fields) = handoff(h, order).await;
    assert_eq!(action, format!("{}{}/pay", h.origin, h.mount));
    submit(h, &action, &fields).await
}

/// Pays `order`; answers the bank's approve page.
pub async fn approve_page(h: &Harness, order: &PaymentOrder) -> String {
    let (status, page) = pay(h, order).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(state(&page), "bank-approve");
    page
}

/// Submits the approve page with a decision and tester options.
pub async fn decide(h: &Harness, page: &str, decision: &str, options: &[(&str, &str)]) -> String {
    let (action, mut fields) = form(page);
    assert_eq!(action, format!("{}/decide", h.mount));
    fields.push(("decision".into(), decision.into()));
    for (k, v) in options {
        fields.push(((*k).into(), (*v).into()));
    }
    let (status, page) = submit(h, &format!("{}{action}", h.origin), &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

/// Tester options: the bank takes the payment as processing and books it a
/// second later.
pub const PROCESSING: &[(&str, &str)] = &[("outcome_mode", "processing"), ("delay_seconds", "1")];

/// Starts `order` through `other` (a hub with another key) and posts its
/// form to the bank at `action`: the bank refuses it.
pub async fn assert_refused_by_bank(
    h: &Harness,
    other: &dyn Connector,
    order: &PaymentOrder,
    action: &str,
) {
    let Handoff::Form { fields, .. } = other.start(order).await.unwrap().handoff else {
        panic!("form");
    };
    let response = post_form(h, action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// Posts a request the bank must refuse: 400 and its error page.
pub async fn assert_bank_error(h: &Harness, action: &str, fields: &Fields) {
    let response = post_form(h, action, fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");
}

/// Approves `order`, then signs the bank's server message again with `sign`
/// (another key) in place of its `mac` field: the hub refuses it.
pub async fn assert_forged_answer_refused(
    h: &Harness,
    order: &PaymentOrder,
    mac: &str,
    sign: impl Fn(&Fields) -> String,
) {
    pay_and_decide(h, order, "approve", &[]).await;
    let (_, mut server) = h.receiver.requests().remove(0);
    server.retain(|(k, _)| k != mac);
    let forged = sign(&server);
    server.push((mac.into(), forged));
    assert!(matches!(
        h.connector.server_message(&incoming(&server)),
        Err(ProviderError::BadSignature(_))
    ));
}

/// Pays `order` and submits its approve page with a decision and tester
/// options; answers the page that follows.
pub async fn pay_and_decide(
    h: &Harness,
    order: &PaymentOrder,
    decision: &str,
    options: &[(&str, &str)],
) -> String {
    let (_, page) = pay(h, order).await;
    decide(h, &page, decision, options).await
}

/// Pays `order` and decides `decision`, after which the bank has sent `n`
/// server messages in all; answers the last of them and the fields the
/// page that follows returns with.
pub async fn decide_for_answers(
    h: &Harness,
    order: &PaymentOrder,
    decision: &str,
    n: usize,
) -> (Fields, Fields) {
    let page = pay_and_decide(h, order, decision, &[]).await;
    let mut messages = h.receiver.requests();
    assert_eq!(messages.len(), n);
    let (_, server) = messages.pop().unwrap();
    (server, form(&page).1)
}

/// The outcomes (no amount) the hub reads from a server message and from a
/// browser return, in that order.
pub fn read_outcomes(h: &Harness, server: &Fields, browser: &Fields) -> [AttemptOutcome; 2] {
    [
        outcome(h.connector.server_message(&incoming(server)).unwrap()),
        outcome(h.connector.browser_return(&incoming(browser)).unwrap()),
    ]
}

/// A signed message that carries its amount.
pub fn message(verified: Verified) -> ProviderMessage {
    match verified {
        Verified::Message(m) => m,
        other => panic!("a signed message with an amount, not {other:?}"),
    }
}

/// `fields` read by the hub as the bank's server message: a signed message
/// with its amount.
pub fn read_server(h: &Harness, fields: &Fields) -> ProviderMessage {
    message(h.connector.server_message(&incoming(fields)).unwrap())
}

/// `fields` read by the hub as the payer's browser return: a signed message
/// with its amount.
pub fn read_browser(h: &Harness, fields: &Fields) -> ProviderMessage {
    message(h.connector.browser_return(&incoming(fields)).unwrap())
}

/// A signed outcome that carries no amount.
pub fn outcome(verified: Verified) -> AttemptOutcome {
    match verified {
        Verified::Outcome(o) => o,
        other => panic!("an outcome without an amount, not {other:?}"),
    }
}
