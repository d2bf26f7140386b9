//! Citadele's Digi::Link end to end: the sandbox's simulator served on a real
//! port under `/sim/citadele` beside a small receiver of the bank's status
//! messages, driven the way a payer's browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use maksa_app::providers::{Connector, Handoff, Incoming, PaymentOrder, ProviderError, Verified};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_providers::citadele::{
    self, BANK_KEY_FILE, CITADELE_CODE, SANDBOX_MERCHANT_ID, dsig, read_answer,
};
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
    messages: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

async fn record(State(r): State<Receiver>, body: Bytes) -> StatusCode {
    let fields = vk::decode_form(&body);
    let xml = fields
        .iter()
        .find(|(k, _)| k == "xmldata")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    r.messages.lock().unwrap().push(xml);
    StatusCode::OK
}

struct Harness {
    origin: String,
    connector: Arc<dyn Connector>,
    bank_keys: TrustedKeys,
    receiver: Receiver,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start() -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sandbox = citadele::sandbox(
        dir.path(),
        ProviderCode::parse(CITADELE_CODE).unwrap(),
        &format!("{origin}/sim/citadele"),
        &origin,
    )
    .unwrap();
    let bank_key = RsaKey::load_or_create(&dir.path().join(BANK_KEY_FILE)).unwrap();
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/providers/PARXLV22/notify", post(record))
        .with_state(receiver.clone())
        .nest("/sim/citadele", sandbox.simulator.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Harness {
        origin,
        connector: sandbox.connector,
        bank_keys: TrustedKeys::new(vec![bank_key.public()]).unwrap(),
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
        purpose: "Valsts nodeva par pasi <b>&</b>\nRīga".into(),
        payee_name: "Valsts kase".into(),
        payee_iban: "LV71TREL916021001000B".into(),
        return_url: format!("{}/return?x=1&y=2", h.origin),
        notify_url: format!("{}/providers/PARXLV22/notify", h.origin),
        language: "LAT",
    }
}

fn attempt(order: &PaymentOrder) -> Attempt {
    Attempt {
        id: order.attempt,
        request_id: PaymentRequestId::from_random([3; 16]),
        sequence: 1,
        provider: ProviderCode::parse(CITADELE_CODE).unwrap(),
        amount: order.amount,
        currency: order.currency,
        state: AttemptState::Started,
        external_id: None,
        refund_required: false,
        created_at: OffsetDateTime::now_utc(),
        updated_at: OffsetDateTime::now_utc(),
    }
}

fn incoming(xmldata: &str) -> Incoming {
    let fields = vec![("xmldata".to_owned(), xmldata.to_owned())];
    Incoming {
        method: "POST".into(),
        body: vk::encode_form(&fields).into_bytes(),
        fields,
        content_type: Some("application/x-www-form-urlencoded".into()),
        headers: Vec::new(),
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, attr: &str) -> Option<String> {
    let start = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

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

async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let Handoff::Form {
        action,
        method,
        fields,
    } = h.connector.start(order).await.unwrap().handoff
    else {
        panic!("Digi::Link hands off by form");
    };
    assert_eq!(method, "POST");
    assert_eq!(action, format!("{}/sim/citadele/pay", h.origin));
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].0, "xmldata");
    let response = post_form(h, &action, &fields).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn decide(h: &Harness, page: &str, decision: &str, options: &[(&str, &str)]) -> String {
    let (action, mut fields) = form(page);
    assert_eq!(action, "/sim/citadele/decide");
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

fn browser_xml(page: &str) -> String {
    let (_, fields) = form(page);
    fields.into_iter().find(|(k, _)| k == "xmldata").unwrap().1
}

async fn wait_for_messages(h: &Harness, count: usize, within: Duration) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let messages = h.receiver.messages();
        if messages.len() >= count || tokio::time::Instant::now() >= deadline {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn read(h: &Harness, xml: &str) -> Result<citadele::Verdict, ProviderError> {
    read_answer(
        xml.as_bytes(),
        &h.bank_keys,
        SANDBOX_MERCHANT_ID,
        OffsetDateTime::now_utc(),
    )
}

/// The text of every element of a document that has text of its own.
fn texts(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('>') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('<')
            && close > 0
            && after[close..].starts_with("</")
        {
            out.push(after[..close].to_owned());
        }
        rest = after;
    }
    out
}

#[tokio::test]
async fn approve_answers_pmtresp_100_and_pmtstatresp_e_both_verified() {
    let h = start().await;
    let order = order(&h);
    let (status, page) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(state(&page), "bank-approve");
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    assert!(page.contains("<dd data-field=\"payee\">Valsts kase</dd>"));
    // The purpose was cut to Digi::Link's characters before signing.
    assert!(
        page.contains("Valsts nodeva par pasi  b   /b  Rīga"),
        "{page}"
    );

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 1);
    let server = &messages[0];
    assert!(server.contains("<Request>PMTSTATRESP</Request>"));
    let verdict = read(&h, server).unwrap();
    assert_eq!(verdict.outcome, Outcome::Executed);
    assert_eq!(verdict.attempt, order.attempt);
    assert_eq!(verdict.code, "E");

    assert_eq!(state(&page), "bank-return");
    let (action, _) = form(&page);
    assert_eq!(action, order.return_url);
    let browser = browser_xml(&page);
    assert!(browser.contains("<Request>PMTRESP</Request>"));
    let verdict = read(&h, &browser).unwrap();
    assert_eq!(verdict.outcome, Outcome::Accepted);
    assert_eq!(verdict.code, "100");
    assert_eq!(verdict.attempt, order.attempt);

    // Through the port: a signed outcome of the attempt, read with the
    // attempt's own amount (the answers do not repeat it).
    let Verified::Outcome(accepted) = h.connector.browser_return(&incoming(&browser)).unwrap()
    else {
        panic!("not an outcome");
    };
    assert_eq!(accepted.attempt, order.attempt);
    assert_eq!(accepted.outcome, Outcome::Accepted);
    let message = accepted.with_terms(order.amount, order.currency);
    assert_eq!(message.amount.minor(), 1234);
    assert_eq!(message.currency, Currency::EUR);
    let Verified::Outcome(executed) = h.connector.server_message(&incoming(server)).unwrap() else {
        panic!("not an outcome");
    };
    assert_eq!(executed.outcome, Outcome::Executed);
    assert_eq!(executed.attempt, order.attempt);
    // No status query in Digi::Link.
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
}

#[tokio::test]
async fn every_signed_text_tampered_is_a_bad_signature() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(&h, &page, "approve", &[]).await;
    let server = h.receiver.messages().remove(0);
    let browser = browser_xml(&page);
    for xml in [server, browser] {
        let signed_part = &xml[..xml.find("<SignatureData>").unwrap()];
        let tail = &xml[xml.find("</SignatureData>").unwrap()..];
        let mut changed_any = 0;
        for text in texts(signed_part).into_iter().chain(texts(tail)) {
            let needle = format!(">{text}<");
            let replacement = format!(">{text}0<");
            let changed = xml.replacen(&needle, &replacement, 1);
            assert_ne!(changed, xml);
            assert!(
                matches!(read(&h, &changed), Err(ProviderError::BadSignature(_))),
                "{text}"
            );
            assert!(matches!(
                h.connector.server_message(&incoming(&changed)),
                Err(ProviderError::BadSignature(_))
            ));
            changed_any += 1;
        }
        assert!(changed_any >= 6, "{changed_any}");
        // The signature value itself.
        let at = xml.find("<SignatureValue>").unwrap() + "<SignatureValue>".len();
        let mut changed = xml.clone();
        let flipped = if &xml[at..at + 1] == "A" { "B" } else { "A" };
        changed.replace_range(at..at + 1, flipped);
        assert!(matches!(
            read(&h, &changed),
            Err(ProviderError::BadSignature(_))
        ));
        // No signature at all.
        let start = xml.find("<SignatureData>").unwrap();
        let end = xml.find("</SignatureData>").unwrap() + "</SignatureData>".len();
        let mut unsigned = xml.clone();
        unsigned.replace_range(start..end, dsig::PLACEHOLDER);
        assert!(matches!(
            read(&h, &unsigned),
            Err(ProviderError::BadSignature(_))
        ));
        // Signed by another key.
        let other = RsaKey::generate().unwrap();
        let forged = dsig::sign(&unsigned, &other, None).unwrap();
        assert!(matches!(
            read(&h, &forged),
            Err(ProviderError::BadSignature(_))
        ));
        // Signed by the bank's key, the same document verifies again.
        assert!(read(&h, &xml).is_ok());
    }
    // Nothing at all, or not XML.
    assert!(matches!(
        h.connector.browser_return(&Incoming::default()),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        h.connector.browser_return(&incoming("<a>")),
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn the_bank_refuses_a_tampered_or_foreign_request() {
    let h = start().await;
    let order = order(&h);
    let Handoff::Form { action, fields, .. } = h.connector.start(&order).await.unwrap().handoff
    else {
        panic!("form");
    };
    let xml = fields[0].1.clone();
    assert!(xml.contains("<Amt>12.34</Amt>"));
    for (from, to) in [
        ("<Amt>12.34</Amt>", "<Amt>0.01</Amt>"),
        ("<BenAccNo>LV71", "<BenAccNo>LV72"),
        ("<From>10000<", "<From>10001<"),
    ] {
        let changed = vec![("xmldata".to_owned(), xml.replacen(from, to, 1))];
        let response = post_form(&h, &action, &changed).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{to}");
        assert_eq!(state(&response.text().await.unwrap()), "bank-error");
    }
    // Signed by a key the bank does not know.
    let dir = tempfile::tempdir().unwrap();
    let stranger = citadele::sandbox(
        dir.path(),
        ProviderCode::parse(CITADELE_CODE).unwrap(),
        &format!("{}/sim/citadele", h.origin),
        &h.origin,
    )
    .unwrap();
    let Handoff::Form { fields, .. } = stranger.connector.start(&order).await.unwrap().handoff
    else {
        panic!("form");
    };
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(h.receiver.messages().is_empty());
}

#[tokio::test]
async fn reject_and_cancel_answer_300_and_200_then_r() {
    let h = start().await;
    for (n, decision, code) in [(1, "reject", "300"), (2, "cancel", "200")] {
        let order = order(&h);
        let (_, page) = pay(&h, &order).await;
        let page = decide(&h, &page, decision, &[]).await;
        let messages = h.receiver.messages();
        assert_eq!(messages.len(), n);
        let verdict = read(&h, messages.last().unwrap()).unwrap();
        assert_eq!(verdict.outcome, Outcome::Rejected);
        assert_eq!(verdict.code, "R");
        let verdict = read(&h, &browser_xml(&page)).unwrap();
        assert_eq!(verdict.outcome, Outcome::Rejected);
        assert_eq!(verdict.code, code);
        assert_eq!(verdict.reason.is_some(), code == "300");
    }
}

#[tokio::test]
async fn processing_sends_the_status_when_the_payment_is_booked() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(
        &h,
        &page,
        "approve",
        &[("outcome_mode", "processing"), ("delay_seconds", "1")],
    )
    .await;
    assert_eq!(
        read(&h, &browser_xml(&page)).unwrap().outcome,
        Outcome::Accepted
    );
    assert!(h.receiver.messages().is_empty());
    let messages = wait_for_messages(&h, 1, Duration::from_secs(6)).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(read(&h, &messages[0]).unwrap().outcome, Outcome::Executed);
    assert!(messages[0].contains("<BookDate>"));
}

#[tokio::test]
async fn there_is_no_status_query_without_a_message() {
    let h = start().await;
    let order = order(&h);
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
    let (_, page) = pay(&h, &order).await;
    decide(
        &h,
        &page,
        "approve",
        &[("server_message", "drop"), ("browser_return", "drop")],
    )
    .await;
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
}

#[tokio::test]
async fn english_pages_on_eng() {
    let h = start().await;
    let mut order = order(&h);
    order.language = "ENG";
    let (_, page) = pay(&h, &order).await;
    assert!(page.contains("<html lang=\"en\">"));
}
