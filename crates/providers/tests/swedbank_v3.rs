//! Swedbank's Payment Initiation API V3 end to end: the simulator's router
//! served on a real port under `/sim/swedbank-v3`, beside a receiver that
//! records notifications and a fake bank that answers status queries with
//! whatever the test puts there; driven through the connector the way the hub
//! and a payer's browser would.

#![allow(clippy::unwrap_used)]

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use maksa_app::providers::{Connector, Handoff, Incoming, PaymentOrder, ProviderError, Verified};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys, public_key_pem};
use maksa_providers::swedbank_v3::{
    self, ATTEMPT_PARAM, BANK_KEY_FILE, HUB_KEY_FILE, IAT_SKEW_SECONDS, jws,
};
use maksa_providers::vk;
use serde_json::Value;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{decide, form, form_method, state};
use time::OffsetDateTime;
use tokio::net::TcpListener;

const CODE: &str = "HABALV22";

/// A notification as the hub's door would receive it.
#[derive(Debug, Clone)]
struct Received {
    query: String,
    signature: Option<String>,
    body: Vec<u8>,
}

impl Received {
    fn incoming(&self) -> Incoming {
        Incoming {
            fields: vk::decode_form(self.query.as_bytes()),
            body: self.body.clone(),
            content_type: Some("application/json".into()),
            method: "POST".into(),
            headers: self
                .signature
                .iter()
                .map(|s| (jws::HEADER.to_owned(), s.clone()))
                .collect(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A status answer: its `x-jws-signature` and its body.
type Answer = (Option<String>, Vec<u8>);

/// What the fake bank answers to a status query: signature and body.
type FakeStatus = Arc<Mutex<Option<Answer>>>;

async fn fake_status(State(answer): State<FakeStatus>) -> Response {
    let Some((signature, body)) = answer.lock().unwrap().clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    if let Some(signature) = signature {
        headers.insert(jws::HEADER, signature.parse().unwrap());
    }
    (StatusCode::OK, headers, body).into_response()
}

/// The shared harness, and the fake bank's status answer.
struct Harness {
    shared: support::Harness,
    fake_status: FakeStatus,
}

impl Deref for Harness {
    type Target = support::Harness;

    fn deref(&self) -> &support::Harness {
        &self.shared
    }
}

impl Harness {
    fn bank_keys(&self) -> TrustedKeys {
        let key = RsaKey::load_or_create(&self.dir.path().join(BANK_KEY_FILE)).unwrap();
        TrustedKeys::from_pems(&[public_key_pem(&key.public()).unwrap()]).unwrap()
    }

    fn hub_key(&self) -> RsaKey {
        RsaKey::load_or_create(&self.dir.path().join(HUB_KEY_FILE)).unwrap()
    }

    fn bank_key(&self) -> RsaKey {
        RsaKey::load_or_create(&self.dir.path().join(BANK_KEY_FILE)).unwrap()
    }

    fn notifications(&self) -> Vec<Received> {
        self.receiver.received().iter().map(notification).collect()
    }

    /// A connector with the same keys whose bank is at `base`.
    fn connector_at(&self, base: &str) -> Arc<dyn Connector> {
        swedbank_v3::sandbox(self.dir.path(), code(), base, &self.origin)
            .unwrap()
            .connector
    }
}

fn notification(received: &support::Received) -> Received {
    Received {
        query: received.query.clone(),
        signature: received.header(jws::HEADER),
        body: received.body.clone(),
    }
}

fn code() -> ProviderCode {
    ProviderCode::parse(CODE).unwrap()
}

async fn start() -> Harness {
    let fake = FakeStatus::default();
    let answer = fake.clone();
    let shared = support::start_sandbox(
        "/sim/swedbank-v3",
        move |r| {
            r.post_routes(&[format!("/providers/{CODE}/notify").as_str()])
                .merge(
                    Router::new()
                        .route(
                            "/fake/public/api/v3/transactions/{id}/status",
                            get(fake_status),
                        )
                        .with_state(answer),
                )
        },
        swedbank_v3::sandbox,
        code(),
    )
    .await;
    Harness {
        shared,
        fake_status: fake,
    }
}

fn order(h: &Harness) -> PaymentOrder {
    PaymentOrder {
        language: "ENG",
        ..support::order(
            "RF18539007547034 Valsts nodeva <b>&</b>\nRīga",
            format!("{}/providers/{CODE}/return?language=ENG", h.origin),
            format!("{}/providers/{CODE}/notify", h.origin),
        )
    }
}

fn attempt(order: &PaymentOrder, external_id: Option<String>) -> Attempt {
    support::attempt(order, code(), external_id)
}

/// Starts the order through the connector and follows the redirect as the
/// payer's browser would: answers the transaction id and the approve page.
async fn pay(h: &Harness, order: &PaymentOrder) -> (String, String) {
    let started = h.connector.start(order).await.unwrap();
    let Handoff::Redirect(url) = started.handoff else {
        panic!("V3 hands off by redirect");
    };
    assert!(
        url.starts_with(&format!("{}/sim/swedbank-v3/order/", h.origin)),
        "{url}"
    );
    let id = started.provider_reference.unwrap();
    let response = h.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert_eq!(state(&page), "bank-approve");
    (id, page)
}

async fn wait_for_notifications(h: &Harness, count: usize, within: Duration) -> Vec<Received> {
    let received = h.receiver.wait_for(count, within).await;
    received.iter().map(notification).collect()
}

#[tokio::test]
async fn approve_notifies_returns_and_the_status_query_tells_the_outcome() {
    let h = start().await;
    let order = order(&h);
    let (id, page) = pay(&h, &order).await;
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    // The purpose went as the description, escaped on the page, its line
    // break flattened.
    assert!(page.contains("RF18539007547034 Valsts nodeva &lt;b&gt;&amp;&lt;/b&gt; Rīga"));
    assert!(page.contains("<html lang=\"en\">"));

    // Before the payer decides, the bank has nothing final to say.
    assert_eq!(
        h.connector
            .query(&attempt(&order, Some(id.clone())))
            .await
            .unwrap(),
        None
    );

    let page = decide(&h, &page, "approve", &[]).await;
    let notifications = h.notifications();
    assert_eq!(notifications.len(), 1);
    let notification = &notifications[0];
    assert_eq!(
        notification.query,
        format!("{ATTEMPT_PARAM}={}", order.attempt.simple())
    );
    assert_eq!(notification.json()["status"], "EXECUTED");
    assert_eq!(notification.json()["transactionId"], id.as_str());
    assert_eq!(
        h.connector
            .server_message(&notification.incoming())
            .unwrap(),
        Verified::AskProvider(order.attempt)
    );

    // The browser goes back by GET to the hub's return URL, its query kept.
    assert_eq!(state(&page), "bank-return");
    let method = form_method(&page);
    let (action, fields) = form(&page);
    assert_eq!(method, "get");
    assert_eq!(action, format!("{}/providers/{CODE}/return", h.origin));
    assert_eq!(
        fields,
        vec![
            ("language".to_owned(), "ENG".to_owned()),
            (ATTEMPT_PARAM.to_owned(), order.attempt.simple()),
        ]
    );
    let browser = Incoming {
        fields,
        method: "GET".into(),
        ..Incoming::default()
    };
    assert_eq!(
        h.connector.browser_return(&browser).unwrap(),
        Verified::AskProvider(order.attempt)
    );

    let message = h
        .connector
        .query(&attempt(&order, Some(id.clone())))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
    assert_eq!(message.amount.minor(), 1234);
    assert_eq!(message.currency, Currency::EUR);
    assert_eq!(message.external_id, Some(id));
    assert!(message.at.is_some());
}

#[tokio::test]
async fn reject_and_cancel_are_rejections() {
    let h = start().await;
    for (decision, status) in [("reject", "FAILED"), ("cancel", "CANCELLED_BY_USER")] {
        let order = order(&h);
        let (id, page) = pay(&h, &order).await;
        decide(&h, &page, decision, &[]).await;
        let last = h.notifications().pop().unwrap();
        assert_eq!(last.json()["status"], status);
        let message = h
            .connector
            .query(&attempt(&order, Some(id)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.outcome, Outcome::Rejected, "{decision}");
    }
}

#[tokio::test]
async fn a_payment_in_progress_is_pending_until_executed() {
    let h = start().await;
    let order = order(&h);
    let (id, page) = pay(&h, &order).await;
    decide(
        &h,
        &page,
        "approve",
        &[("outcome_mode", "processing"), ("delay_seconds", "0")],
    )
    .await;
    let a = attempt(&order, Some(id));
    assert_eq!(h.connector.query(&a).await.unwrap(), None);
    let received = wait_for_notifications(&h, 2, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].json()["status"], "IN_PROGRESS");
    assert_eq!(received[1].json()["status"], "EXECUTED");
    let message = h.connector.query(&a).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
}

#[tokio::test]
async fn every_signed_part_of_an_answer_is_covered() {
    let h = start().await;
    let order = order(&h);
    let (id, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let notification = h.notifications().pop().unwrap();
    let keys = h.bank_keys();
    let signature = notification.signature.clone().unwrap();
    let now = OffsetDateTime::now_utc();
    let read = |signature: Option<&str>, body: &[u8]| {
        swedbank_v3::read_status_answer(
            &keys,
            signature,
            body,
            &id,
            order.attempt,
            now,
            IAT_SKEW_SECONDS,
        )
    };
    let message = read(Some(&signature), &notification.body).unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.amount.minor(), 1234);

    // Each field of the body changed: the signature no longer verifies.
    let body = notification.json();
    for (name, value) in body.as_object().unwrap() {
        let mut tampered = body.clone();
        tampered[name] = match value {
            Value::String(s) if s == "EXECUTED" => Value::String("SETTLED".into()),
            Value::String(s) if s == "12.34" => Value::String("0.01".into()),
            Value::String(s) => Value::String(format!("{s}x")),
            _ => Value::Null,
        };
        let bytes = serde_json::to_vec(&tampered).unwrap();
        assert!(
            matches!(
                read(Some(&signature), &bytes),
                Err(ProviderError::BadSignature(_))
            ),
            "{name}"
        );
    }
    // Even a change of spacing is a change.
    let mut spaced = notification.body.clone();
    spaced.push(b' ');
    assert!(matches!(
        read(Some(&signature), &spaced),
        Err(ProviderError::BadSignature(_))
    ));
    // The protected header is covered too (here: its iat moved by a second).
    let (head, sig) = signature.split_once("..").unwrap();
    let mut header: Value = serde_json::from_slice(&B64URL.decode(head).unwrap()).unwrap();
    header["iat"] = Value::from(header["iat"].as_i64().unwrap() + 1);
    let moved = format!(
        "{}..{sig}",
        B64URL.encode(serde_json::to_vec(&header).unwrap())
    );
    assert!(matches!(
        read(Some(&moved), &notification.body),
        Err(ProviderError::BadSignature(_))
    ));
    // No signature, or one by another key (the hub's), is refused.
    assert!(matches!(
        read(None, &notification.body),
        Err(ProviderError::BadSignature(_))
    ));
    let by_hub = jws::sign(
        &h.hub_key(),
        &jws::Header::new(now.unix_timestamp(), None, None),
        &notification.body,
    )
    .unwrap();
    assert!(matches!(
        read(Some(&by_hub), &notification.body),
        Err(ProviderError::BadSignature(_))
    ));
    // A genuine answer about another transaction is not ours.
    assert!(matches!(
        swedbank_v3::read_status_answer(
            &keys,
            Some(&signature),
            &notification.body,
            "another",
            order.attempt,
            now,
            IAT_SKEW_SECONDS,
        ),
        Err(ProviderError::Malformed(_))
    ));
    // A status answer signed long ago is refused as a replay.
    assert!(matches!(
        swedbank_v3::read_status_answer(
            &keys,
            Some(&signature),
            &notification.body,
            &id,
            order.attempt,
            now + time::Duration::hours(1),
            IAT_SKEW_SECONDS,
        ),
        Err(ProviderError::BadSignature(_))
    ));

    // The notification: forged, unsigned or about nothing of ours is refused.
    let mut forged = notification.clone();
    forged.signature = Some(by_hub);
    assert!(matches!(
        h.connector.server_message(&forged.incoming()),
        Err(ProviderError::BadSignature(_))
    ));
    let mut unsigned = notification.clone();
    unsigned.signature = None;
    assert!(matches!(
        h.connector.server_message(&unsigned.incoming()),
        Err(ProviderError::BadSignature(_))
    ));
    let mut tampered = notification.clone();
    tampered.body = spaced;
    assert!(matches!(
        h.connector.server_message(&tampered.incoming()),
        Err(ProviderError::BadSignature(_))
    ));
    let mut anonymous = notification.clone();
    anonymous.query = String::new();
    assert!(matches!(
        h.connector.server_message(&anonymous.incoming()),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        h.connector.browser_return(&Incoming::default()),
        Err(ProviderError::Malformed(_))
    ));
}

/// The bank's signature, recomputed by the `openssl` command line over the
/// same signing input: PKCS#1 v1.5 is deterministic, so the bytes are equal.
#[tokio::test]
async fn the_signature_is_what_openssl_computes() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let notification = h.notifications().pop().unwrap();
    let signature = notification.signature.unwrap();
    let (head, sig) = signature.split_once("..").unwrap();
    let header: Value = serde_json::from_slice(&B64URL.decode(head).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS512");
    assert_eq!(header["b64"], false);
    assert_eq!(header["crit"], serde_json::json!(["b64"]));

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("bank.pem");
    std::fs::write(&key, h.bank_key().private_pem().unwrap()).unwrap();
    let input = dir.path().join("input");
    let mut data = format!("{head}.").into_bytes();
    data.extend_from_slice(&notification.body);
    std::fs::write(&input, &data).unwrap();
    let output = std::process::Command::new("openssl")
        .args(["dgst", "-sha512", "-sign"])
        .arg(&key)
        .arg(&input)
        .output()
        .expect("openssl");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(B64URL.decode(sig).unwrap(), output.stdout);
}

#[tokio::test]
async fn the_bank_refuses_requests_the_hub_did_not_sign() {
    let h = start().await;
    let url = format!(
        "{}/sim/swedbank-v3/public/api/v3/transactions/providers/HABALV22",
        h.origin
    );
    let body = br#"{"amount":"1.00","currency":"EUR","description":"x","redirectUrl":"https://h/r","notificationUrl":"https://h/n","locale":"lv"}"#;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let header = |url: &str, kid: &str, iat: i64| {
        jws::Header::new(iat, Some(url.to_owned()), Some(kid.to_owned()))
    };
    let post = |signature: Option<String>, body: &'static [u8]| {
        let mut request = h.http.post(&url).body(body);
        if let Some(signature) = signature {
            request = request.header(jws::HEADER, signature);
        }
        request.send()
    };
    let good = jws::sign(&h.hub_key(), &header(&url, "LV:SIMULATOR", now), body).unwrap();
    for (signature, why) in [
        (None, "unsigned"),
        (
            Some(jws::sign(&h.bank_key(), &header(&url, "LV:SIMULATOR", now), body).unwrap()),
            "another key",
        ),
        (
            Some(
                jws::sign(
                    &h.hub_key(),
                    &header("https://x/", "LV:SIMULATOR", now),
                    body,
                )
                .unwrap(),
            ),
            "another URL",
        ),
        (
            Some(jws::sign(&h.hub_key(), &header(&url, "LV:OTHER", now), body).unwrap()),
            "another merchant",
        ),
        (
            Some(
                jws::sign(
                    &h.hub_key(),
                    &header(&url, "LV:SIMULATOR", now - 3600),
                    body,
                )
                .unwrap(),
            ),
            "an old signature",
        ),
    ] {
        let response = post(signature, body).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
    }
    // The same signature over another body.
    let response = post(
        Some(good.clone()),
        br#"{"amount":"9.00","currency":"EUR","description":"x","redirectUrl":"https://h/r","notificationUrl":"https://h/n","locale":"lv"}"#,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = post(Some(good), body).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().contains_key(jws::HEADER));

    // The payer cannot bring a payment to /pay: V3 creates it server to server.
    let response = h
        .http
        .post(format!("{}/sim/swedbank-v3/pay", h.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_status_answer_with_a_bad_signature_is_refused() {
    let h = start().await;
    let order = order(&h);
    let (id, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let notification = h.notifications().pop().unwrap();
    let fake = h.connector_at(&format!("{}/fake", h.origin));
    let a = attempt(&order, Some(id));

    // The genuine answer, served by the fake bank, reads.
    *h.fake_status.lock().unwrap() =
        Some((notification.signature.clone(), notification.body.clone()));
    assert_eq!(
        fake.query(&a).await.unwrap().unwrap().outcome,
        Outcome::Executed
    );
    // The amount changed on the way.
    let tampered = String::from_utf8(notification.body.clone())
        .unwrap()
        .replace("\"12.34\"", "\"0.01\"");
    *h.fake_status.lock().unwrap() = Some((notification.signature.clone(), tampered.into_bytes()));
    assert!(matches!(
        fake.query(&a).await,
        Err(ProviderError::BadSignature(_))
    ));
    // No signature at all.
    *h.fake_status.lock().unwrap() = Some((None, notification.body.clone()));
    assert!(matches!(
        fake.query(&a).await,
        Err(ProviderError::BadSignature(_))
    ));
    // An attempt without a transaction id cannot be asked about.
    assert!(matches!(
        h.connector.query(&attempt(&order, None)).await,
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn an_unreachable_bank_is_unavailable_at_once() {
    let h = start().await;
    // Bind and drop a listener: its port is closed now.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let connector = h.connector_at(&format!("http://{closed}/sim"));
    let began = std::time::Instant::now();
    let result = connector.start(&order(&h)).await;
    assert!(
        matches!(result, Err(ProviderError::Unavailable(_))),
        "{result:?}"
    );
    assert!(began.elapsed() < Duration::from_secs(3));
    let result = connector
        .query(&attempt(&order(&h), Some("abc".into())))
        .await;
    assert!(matches!(result, Err(ProviderError::Unavailable(_))));
}
