//! iPizza end to end: the sandbox's simulator served on a real port under
//! `/sim/ipizza`, next to a receiver that records what reaches the hub's
//! return address (where iPizza banks also send their `VK_AUTO=Y` message),
//! driven the way a payer's browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::routing::any;
use maksa_app::providers::{
    Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage, Verified,
};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_providers::ipizza::{self, IpizzaConfig};
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use maksa_providers::vk;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::TcpListener;

type Fields = Vec<(String, String)>;

#[derive(Clone, Default)]
struct Receiver {
    messages: Arc<Mutex<Vec<(String, Fields)>>>,
}

impl Receiver {
    fn messages(&self) -> Vec<(String, Fields)> {
        self.messages.lock().unwrap().clone()
    }
}

async fn record(
    State(r): State<Receiver>,
    method: Method,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> StatusCode {
    let mut fields = query
        .map(|q| vk::decode_form(q.as_bytes()))
        .unwrap_or_default();
    fields.extend(vk::decode_form(&body));
    r.messages
        .lock()
        .unwrap()
        .push((method.as_str().to_owned(), fields));
    StatusCode::OK
}

struct Harness {
    origin: String,
    dir_path: std::path::PathBuf,
    connector: Arc<dyn Connector>,
    receiver: Receiver,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

fn code() -> ProviderCode {
    ProviderCode::parse("RIKOLV2X").unwrap()
}

async fn start() -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sandbox =
        ipizza::sandbox(dir.path(), code(), &format!("{origin}/sim/ipizza"), &origin).unwrap();
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/return", any(record))
        .route("/notify", any(record))
        .route("/providers/{code}/notify", any(record))
        .with_state(receiver.clone())
        .nest("/sim/ipizza", sandbox.simulator.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Harness {
        origin,
        dir_path: dir.path().to_owned(),
        connector: sandbox.connector,
        receiver,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _dir: dir,
    }
}

static NEXT_ID: AtomicU8 = AtomicU8::new(1);

fn order(h: &Harness) -> PaymentOrder {
    let id = AttemptId::from_random([NEXT_ID.fetch_add(1, Ordering::Relaxed); 16]);
    PaymentOrder {
        attempt: id,
        amount: Amount::from_minor(1234).unwrap(),
        currency: Currency::EUR,
        purpose: "RF0123456789ABCDEFGHIJKLMNOPQRSTUV Valsts nodeva <b>&</b>".into(),
        payee_name: "Valsts kase".into(),
        payee_iban: "LV71TREL916021001000B".into(),
        return_url: format!("{}/return?language=LAT", h.origin),
        notify_url: format!("{}/notify", h.origin),
        language: "LAT",
    }
}

fn attempt(order: &PaymentOrder) -> Attempt {
    Attempt {
        id: order.attempt,
        request_id: PaymentRequestId::from_random([3; 16]),
        sequence: 1,
        provider: code(),
        amount: order.amount,
        currency: order.currency,
        state: AttemptState::Started,
        external_id: None,
        refund_required: false,
        created_at: OffsetDateTime::now_utc(),
        updated_at: OffsetDateTime::now_utc(),
    }
}

fn incoming(fields: &Fields) -> Incoming {
    Incoming {
        method: "POST".into(),
        fields: fields.clone(),
        body: vk::encode_form(fields).into_bytes(),
        content_type: Some("application/x-www-form-urlencoded".into()),
        headers: Vec::new(),
    }
}

fn get<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn set(fields: &mut Fields, name: &str, value: &str) {
    for (k, v) in fields.iter_mut() {
        if k == name {
            *v = value.to_owned();
        }
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, attr: &str) -> Option<String> {
    let start = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The first form of a page: its action and its hidden fields.
fn form(html: &str) -> (String, Fields) {
    let start = html.find("<form ").expect("a form");
    let end = start + html[start..].find("</form>").unwrap();
    let form = &html[start..end];
    let action = attribute(&form[..form.find('>').unwrap()], "action").unwrap();
    let mut fields = Vec::new();
    for piece in form.split("<input ").skip(1) {
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

fn state(html: &str) -> String {
    let start = html.find("<main data-state=\"").unwrap() + 18;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn post_form(h: &Harness, url: &str, fields: &Fields) -> reqwest::Response {
    h.http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vk::encode_form(fields))
        .send()
        .await
        .unwrap()
}

async fn handoff(h: &Harness, order: &PaymentOrder) -> (String, Fields) {
    let Handoff::Form {
        action,
        method,
        fields,
    } = h.connector.start(order).await.unwrap().handoff
    else {
        panic!("iPizza hands off by form");
    };
    assert_eq!(method, "POST");
    (action, fields)
}

async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let (action, fields) = handoff(h, order).await;
    assert_eq!(action, format!("{}/sim/ipizza/pay", h.origin));
    let response = post_form(h, &action, &fields).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn decide(h: &Harness, page: &str, decision: &str, options: &[(&str, &str)]) -> String {
    let (action, mut fields) = form(page);
    assert_eq!(action, "/sim/ipizza/decide");
    fields.push(("decision".into(), decision.into()));
    for (k, v) in options {
        fields.push(((*k).into(), (*v).into()));
    }
    let response = post_form(h, &format!("{}{action}", h.origin), &fields).await;
    let status = response.status();
    let page = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

fn message(verified: Verified) -> ProviderMessage {
    match verified {
        Verified::Message(m) => m,
        other => panic!("a signed message with an amount, not {other:?}"),
    }
}

#[tokio::test]
async fn approve_sends_1111_to_the_return_address_and_both_verify() {
    let h = start().await;
    let order = order(&h);
    let (status, page) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(state(&page), "bank-approve");
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    assert!(page.contains("<dd data-field=\"payee\">Valsts kase</dd>"));
    assert!(page.contains("Valsts nodeva &lt;b&gt;&amp;&lt;/b&gt;"));

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 1);
    let (method, server) = &messages[0];
    assert_eq!(method, "POST");
    assert_eq!(get(server, "VK_SERVICE"), "1111");
    assert_eq!(get(server, "VK_VERSION"), "009");
    assert_eq!(get(server, "VK_AUTO"), "Y");
    // The sandbox's bank posts its server message to the hub's notify address.
    assert!(server.iter().all(|(k, _)| k != "language"));
    let m = message(h.connector.server_message(&incoming(server)).unwrap());
    assert_eq!(m.outcome, Outcome::Executed);
    assert_eq!(m.attempt, order.attempt);
    assert_eq!(m.amount.minor(), 1234);
    assert_eq!(m.currency, Currency::EUR);
    assert!(m.at.is_some());
    let t_no = m.external_id.clone().unwrap();

    assert_eq!(state(&page), "bank-return");
    let (action, browser) = form(&page);
    assert_eq!(action, order.return_url);
    assert_eq!(get(&browser, "VK_AUTO"), "N");
    let b = message(h.connector.browser_return(&incoming(&browser)).unwrap());
    assert_eq!(b.outcome, Outcome::Executed);
    assert_eq!(b.external_id.as_deref(), Some(t_no.as_str()));
    // A browser return is not a server message.
    assert!(matches!(
        h.connector.server_message(&incoming(&browser)),
        Err(ProviderError::Malformed(_))
    ));
    // No status query in iPizza.
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
}

#[tokio::test]
async fn every_signed_field_of_the_answer_is_covered() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(&h, &page, "approve", &[]).await;
    let (_, browser) = form(&page);
    for name in ipizza::answer_fields("1111").unwrap() {
        let mut tampered = browser.clone();
        let value = get(&browser, name).to_owned();
        let changed = match *name {
            "VK_SERVICE" => "1911".to_owned(),
            "VK_VERSION" => "008".to_owned(),
            _ => format!("{value}0"),
        };
        set(&mut tampered, name, &changed);
        let result = h.connector.browser_return(&incoming(&tampered));
        assert!(
            matches!(result, Err(ProviderError::BadSignature(_))),
            "{name}: {result:?}"
        );
    }
    // Unsigned fields do not matter; the signature itself does.
    let mut unsigned = browser.clone();
    set(&mut unsigned, "VK_LANG", "ENG");
    assert!(h.connector.browser_return(&incoming(&unsigned)).is_ok());
    let without: Fields = browser
        .iter()
        .filter(|(k, _)| k != "VK_MAC")
        .cloned()
        .collect();
    assert!(matches!(
        h.connector.browser_return(&incoming(&without)),
        Err(ProviderError::BadSignature(_))
    ));
}

#[tokio::test]
async fn reject_and_cancel_answer_1911_to_vk_cancel() {
    let h = start().await;
    for (n, decision) in [(1, "reject"), (2, "cancel")] {
        let order = order(&h);
        let (_, page) = pay(&h, &order).await;
        let page = decide(&h, &page, decision, &[]).await;
        let messages = h.receiver.messages();
        assert_eq!(messages.len(), n);
        let (_, server) = messages.last().unwrap();
        assert_eq!(get(server, "VK_SERVICE"), "1911");
        for verified in [
            h.connector.server_message(&incoming(server)).unwrap(),
            h.connector
                .browser_return(&incoming(&form(&page).1))
                .unwrap(),
        ] {
            let Verified::Outcome(o) = verified else {
                panic!("1911 carries no amount: {verified:?}");
            };
            assert_eq!(o.outcome, Outcome::Rejected);
            assert_eq!(o.attempt, order.attempt);
            let m = o.with_terms(order.amount, order.currency);
            assert_eq!(m.external_id, None);
        }
        let mut tampered = server.clone();
        set(&mut tampered, "VK_MSG", "other");
        assert!(matches!(
            h.connector.server_message(&incoming(&tampered)),
            Err(ProviderError::BadSignature(_))
        ));
    }
}

#[tokio::test]
async fn the_bank_refuses_a_tampered_request_and_another_hub_key() {
    let h = start().await;
    let order = order(&h);
    let (action, mut fields) = handoff(&h, &order).await;
    set(&mut fields, "VK_AMOUNT", "0.01");
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");

    let stranger = RsaKey::generate().unwrap();
    let mut config = IpizzaConfig::new(
        code(),
        "MAKSA",
        stranger.clone(),
        TrustedKeys::new(vec![stranger.public()]).unwrap(),
        action.clone(),
    );
    config.version = ipizza::VERSION_SHA512;
    let other = ipizza::connector(config);
    let Handoff::Form { fields, .. } = other.start(&order).await.unwrap().handoff else {
        panic!("form");
    };
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // And an answer signed by another key is refused by the hub.
    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let (_, mut server) = h.receiver.messages().remove(0);
    server.retain(|(k, _)| k != "VK_MAC");
    let forged = ipizza::sign_answer(&stranger, &server).unwrap();
    server.push(("VK_MAC".into(), forged));
    assert!(matches!(
        h.connector.server_message(&incoming(&server)),
        Err(ProviderError::BadSignature(_))
    ));
}

#[tokio::test]
async fn processing_sends_1111_at_once_and_again_on_execution() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    decide(
        &h,
        &page,
        "approve",
        &[("outcome_mode", "processing"), ("delay_seconds", "1")],
    )
    .await;
    assert_eq!(h.receiver.messages().len(), 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while h.receiver.messages().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 2);
    let first = message(
        h.connector
            .server_message(&incoming(&messages[0].1))
            .unwrap(),
    );
    let second = message(
        h.connector
            .server_message(&incoming(&messages[1].1))
            .unwrap(),
    );
    assert_eq!(first.outcome, Outcome::Executed);
    assert_eq!(second.external_id, first.external_id);
}

#[tokio::test]
async fn messages_lists_what_the_bank_sent() {
    let h = start().await;
    let order = order(&h);
    let (_, fields) = handoff(&h, &order).await;
    let stamp = get(&fields, "VK_STAMP").to_owned();
    assert!(stamp.len() <= 20);
    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let listed = h
        .http
        .get(format!(
            "{}/sim/ipizza/messages?reference={stamp}",
            h.origin
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let text = listed.text().await.unwrap();
    assert!(text.contains("\"channel\":\"server\""));
    assert!(text.contains("\"channel\":\"browser\""));
    assert!(text.contains("VK_SERVICE=1111"));
}

#[tokio::test]
async fn the_bank_refuses_a_request_signed_too_long_ago() {
    let h = start().await;
    let order = order(&h);
    // The sandbox's own hub key, so only the time is wrong.
    let hub = RsaKey::load_or_create(&h.dir_path.join(ipizza::HUB_KEY_FILE)).unwrap();
    let mut config = IpizzaConfig::new(
        code(),
        ipizza::SANDBOX_MERCHANT_ID,
        hub.clone(),
        TrustedKeys::new(vec![hub.public()]).unwrap(),
        format!("{}/sim/ipizza/pay", h.origin),
    );
    config.version = ipizza::VERSION_SHA512;
    config.payee_in_request = true;
    let connector = ipizza::connector(config);
    let action = format!("{}/sim/ipizza/pay", h.origin);
    let fresh = connector
        .request_fields(&order, OffsetDateTime::now_utc())
        .unwrap();
    let response = post_form(&h, &action, &fresh).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stale = connector
        .request_fields(
            &order,
            OffsetDateTime::now_utc() - time::Duration::minutes(10),
        )
        .unwrap();
    let response = post_form(&h, &action, &stale).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("VK_DATETIME"));
}
