//! SEB e-Link end to end: the sandbox's simulator served on a real port under
//! `/sim/seb-elink`, next to a receiver that records what reaches the hub's
//! server address (`/providers/UNLALV2X/notify`), driven the way a payer's
//! browser and the hub would drive it.

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
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use maksa_providers::seb_elink::{self, SebElinkConfig, SebElinkConnector};
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
    connector: Arc<dyn Connector>,
    receiver: Receiver,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

fn code() -> ProviderCode {
    ProviderCode::parse("UNLALV2X").unwrap()
}

async fn start() -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sandbox = seb_elink::sandbox(
        dir.path(),
        code(),
        &format!("{origin}/sim/seb-elink"),
        &origin,
    )
    .unwrap();
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/return", any(record))
        .route("/providers/UNLALV2X/notify", any(record))
        .with_state(receiver.clone())
        .nest("/sim/seb-elink", sandbox.simulator.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Harness {
        origin,
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
        panic!("e-Link hands off by form");
    };
    assert_eq!(method, "POST");
    (action, fields)
}

async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let (action, fields) = handoff(h, order).await;
    assert_eq!(action, format!("{}/sim/seb-elink/pay", h.origin));
    let response = post_form(h, &action, &fields).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn decide(h: &Harness, page: &str, decision: &str, options: &[(&str, &str)]) -> String {
    let (action, mut fields) = form(page);
    assert_eq!(action, "/sim/seb-elink/decide");
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

fn outcome(verified: Verified) -> maksa_app::providers::AttemptOutcome {
    match verified {
        Verified::Outcome(o) => o,
        other => panic!("an outcome without an amount, not {other:?}"),
    }
}

#[tokio::test]
async fn approve_sends_0004_accomplished_to_the_server_and_0003_through_the_browser() {
    let h = start().await;
    let order = order(&h);
    let (_, request) = handoff(&h, &order).await;
    assert!(get(&request, "IB_PAYMENT_DESC").starts_with("RF0123456789ABCDEFGHIJKLMNOPQRSTUV"));
    let (status, page) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(state(&page), "bank-approve");
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 1);
    let (method, server) = &messages[0];
    assert_eq!(method, "POST");
    assert_eq!(get(server, "IB_SERVICE"), "0004");
    assert_eq!(get(server, "IB_STATUS"), "ACCOMPLISHED");
    assert_eq!(get(server, "IB_FROM_SERVER"), "Y");
    let o = outcome(h.connector.server_message(&incoming(server)).unwrap());
    assert_eq!(o.outcome, Outcome::Executed);
    assert_eq!(o.attempt, order.attempt);

    assert_eq!(state(&page), "bank-return");
    let (action, browser) = form(&page);
    assert_eq!(action, order.return_url);
    assert_eq!(get(&browser, "IB_SERVICE"), "0003");
    let m = message(h.connector.browser_return(&incoming(&browser)).unwrap());
    assert_eq!(m.outcome, Outcome::Accepted);
    assert_eq!(m.attempt, order.attempt);
    assert_eq!(m.amount.minor(), 1234);
    assert_eq!(m.currency, Currency::EUR);
    assert!(m.at.is_some());
    // The browser's 0003 is not a server message.
    assert!(matches!(
        h.connector.server_message(&incoming(&browser)),
        Err(ProviderError::Malformed(_))
    ));
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
}

#[tokio::test]
async fn processing_sends_0003_then_0004() {
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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while h.receiver.messages().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(get(&messages[0].1, "IB_SERVICE"), "0003");
    let accepted = message(
        h.connector
            .server_message(&incoming(&messages[0].1))
            .unwrap(),
    );
    assert_eq!(accepted.outcome, Outcome::Accepted);
    let executed = outcome(
        h.connector
            .server_message(&incoming(&messages[1].1))
            .unwrap(),
    );
    assert_eq!(executed.outcome, Outcome::Executed);
    assert_eq!(executed.attempt, order.attempt);
}

#[tokio::test]
async fn reject_and_cancel_answer_0004_cancelled() {
    let h = start().await;
    for (n, decision) in [(1, "reject"), (2, "cancel")] {
        let order = order(&h);
        let (_, page) = pay(&h, &order).await;
        let page = decide(&h, &page, decision, &[]).await;
        let messages = h.receiver.messages();
        assert_eq!(messages.len(), n);
        let (_, server) = messages.last().unwrap();
        assert_eq!(get(server, "IB_STATUS"), "CANCELLED");
        for verified in [
            h.connector.server_message(&incoming(server)).unwrap(),
            h.connector
                .browser_return(&incoming(&form(&page).1))
                .unwrap(),
        ] {
            let o = outcome(verified);
            assert_eq!(o.outcome, Outcome::Rejected);
            assert_eq!(o.attempt, order.attempt);
        }
        // The status is signed.
        let mut tampered = server.clone();
        set(&mut tampered, "IB_STATUS", "ACCOMPLISHED");
        assert!(matches!(
            h.connector.server_message(&incoming(&tampered)),
            Err(ProviderError::BadSignature(_))
        ));
    }
}

#[tokio::test]
async fn every_signed_field_of_both_answers_is_covered() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(&h, &page, "approve", &[]).await;
    let (_, browser) = form(&page);
    let (_, server) = h.receiver.messages().remove(0);
    for (fields, service, is_server) in [(&browser, "0003", false), (&server, "0004", true)] {
        for name in seb_elink::signed_fields(service).unwrap() {
            let mut tampered = fields.clone();
            let value = get(fields, name).to_owned();
            set(&mut tampered, name, &format!("{value}0"));
            let connector = &h.connector;
            let result = if is_server {
                connector.server_message(&incoming(&tampered))
            } else {
                connector.browser_return(&incoming(&tampered))
            };
            let refused = match *name {
                // Read before the signature: an unknown service or version.
                "IB_SERVICE" | "IB_VERSION" => matches!(result, Err(ProviderError::Malformed(_))),
                _ => matches!(result, Err(ProviderError::BadSignature(_))),
            };
            assert!(refused, "{service} {name}: {result:?}");
        }
    }
}

#[tokio::test]
async fn the_bank_refuses_a_tampered_request_and_another_hub_key() {
    let h = start().await;
    let order = order(&h);
    let (action, mut fields) = handoff(&h, &order).await;
    set(&mut fields, "IB_AMOUNT", "0.01");
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");

    let stranger = RsaKey::generate().unwrap();
    let other = SebElinkConnector::new(SebElinkConfig::new(
        code(),
        "MAKSA",
        stranger.clone(),
        TrustedKeys::new(vec![stranger.public()]).unwrap(),
        action.clone(),
    ));
    let Handoff::Form { fields, .. } = other.start(&order).await.unwrap().handoff else {
        panic!("form");
    };
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let (_, mut server) = h.receiver.messages().remove(0);
    server.retain(|(k, _)| k != "IB_CRC");
    let forged = seb_elink::sign_answer(&stranger, &server).unwrap();
    server.push(("IB_CRC".into(), forged));
    assert!(matches!(
        h.connector.server_message(&incoming(&server)),
        Err(ProviderError::BadSignature(_))
    ));
}
