//! Swedbank's legacy bank link end to end: the sandbox's simulator served on a
//! real port under `/sim/swedbank-link`, next to a receiver that records what
//! reaches the hub's return address (where the bank sends its `VK_AUTO=Y`
//! message by GET), driven the way a payer's browser and the hub would.

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
use maksa_providers::swedbank_link::{self, SwedbankLinkConfig};
use maksa_providers::vk;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
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
    ProviderCode::parse(swedbank_link::DEMO_CODE).unwrap()
}

async fn start() -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sandbox = swedbank_link::sandbox(
        dir.path(),
        code(),
        &format!("{origin}/sim/swedbank-link"),
        &origin,
    )
    .unwrap();
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/return", any(record))
        .route("/notify", any(record))
        .route("/providers/{code}/notify", any(record))
        .with_state(receiver.clone())
        .nest("/sim/swedbank-link", sandbox.simulator.router());
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
        panic!("the bank link hands off by form");
    };
    assert_eq!(method, "POST");
    (action, fields)
}

async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let (action, fields) = handoff(h, order).await;
    assert_eq!(action, format!("{}/sim/swedbank-link/pay", h.origin));
    let response = post_form(h, &action, &fields).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn decide(h: &Harness, page: &str, decision: &str, options: &[(&str, &str)]) -> String {
    let (action, mut fields) = form(page);
    assert_eq!(action, "/sim/swedbank-link/decide");
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
async fn approve_sends_1101_by_get_to_the_bare_return_address_and_both_verify() {
    let h = start().await;
    let order = order(&h);
    let (_, request) = handoff(&h, &order).await;
    assert_eq!(get(&request, "VK_RETURN"), format!("{}/return", h.origin));
    let (status, page) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(state(&page), "bank-approve");
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 1);
    let (method, server) = &messages[0];
    assert_eq!(method, "GET");
    assert_eq!(get(server, "VK_SERVICE"), "1101");
    assert_eq!(get(server, "VK_AUTO"), "Y");
    let m = message(h.connector.server_message(&incoming(server)).unwrap());
    assert_eq!(m.outcome, Outcome::Executed);
    assert_eq!(m.attempt, order.attempt);
    assert_eq!(m.amount.minor(), 1234);
    // The bank's automatic message arrives where browsers return: read there too.
    let again = message(h.connector.browser_return(&incoming(server)).unwrap());
    assert_eq!(again, m);

    assert_eq!(state(&page), "bank-return");
    let (action, browser) = form(&page);
    assert_eq!(action, format!("{}/return", h.origin));
    assert_eq!(get(&browser, "VK_AUTO"), "N");
    let b = message(h.connector.browser_return(&incoming(&browser)).unwrap());
    assert_eq!(b.external_id, m.external_id);
    assert!(matches!(
        h.connector.server_message(&incoming(&browser)),
        Err(ProviderError::Malformed(_))
    ));
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
}

#[tokio::test]
async fn every_signed_field_of_1101_is_covered() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(&h, &page, "approve", &[]).await;
    let (_, browser) = form(&page);
    for name in swedbank_link::answer_fields("1101").unwrap() {
        let mut tampered = browser.clone();
        let value = get(&browser, name).to_owned();
        let changed = match *name {
            "VK_SERVICE" => "1901".to_owned(),
            _ => format!("{value}0"),
        };
        set(&mut tampered, name, &changed);
        let result = h.connector.browser_return(&incoming(&tampered));
        let expected = if *name == "VK_VERSION" {
            matches!(result, Err(ProviderError::Malformed(_)))
        } else {
            matches!(result, Err(ProviderError::BadSignature(_)))
        };
        assert!(expected, "{name}: {result:?}");
    }
}

#[tokio::test]
async fn reject_and_cancel_answer_1901() {
    let h = start().await;
    for (n, decision) in [(1, "reject"), (2, "cancel")] {
        let order = order(&h);
        let (_, page) = pay(&h, &order).await;
        let page = decide(&h, &page, decision, &[]).await;
        let messages = h.receiver.messages();
        assert_eq!(messages.len(), n);
        let (_, server) = messages.last().unwrap();
        assert_eq!(get(server, "VK_SERVICE"), "1901");
        for verified in [
            h.connector.server_message(&incoming(server)).unwrap(),
            h.connector
                .browser_return(&incoming(&form(&page).1))
                .unwrap(),
        ] {
            let Verified::Outcome(o) = verified else {
                panic!("1901 carries no amount: {verified:?}");
            };
            assert_eq!(o.outcome, Outcome::Rejected);
            assert_eq!(o.attempt, order.attempt);
        }
        let mut tampered = server.clone();
        set(&mut tampered, "VK_REF", "12");
        assert!(h.connector.server_message(&incoming(&tampered)).is_err());
    }
}

#[tokio::test]
async fn the_bank_refuses_a_tampered_request_a_query_in_vk_return_and_another_key() {
    let h = start().await;
    let order = order(&h);
    let (action, mut fields) = handoff(&h, &order).await;
    set(&mut fields, "VK_MSG", "other");
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");

    let (action, mut fields) = handoff(&h, &order).await;
    set(
        &mut fields,
        "VK_RETURN",
        &format!("{}/return?x=1", h.origin),
    );
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let stranger = RsaKey::generate().unwrap();
    let config = SwedbankLinkConfig::new(
        code(),
        "MAKSA",
        stranger.clone(),
        TrustedKeys::new(vec![stranger.public()]).unwrap(),
        action.clone(),
    );
    let other = swedbank_link::connector(config);
    let Handoff::Form { fields, .. } = other.start(&order).await.unwrap().handoff else {
        panic!("form");
    };
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let (_, mut server) = h.receiver.messages().remove(0);
    server.retain(|(k, _)| k != "VK_MAC");
    let forged = swedbank_link::sign_answer(&stranger, &server).unwrap();
    server.push(("VK_MAC".into(), forged));
    assert!(matches!(
        h.connector.server_message(&incoming(&server)),
        Err(ProviderError::BadSignature(_))
    ));
}
