//! The demo bank end to end: its router served on a real port under
//! `/demo-bank` next to a small receiver that records server messages, driven
//! the way a payer's browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use maksa_app::providers::{Connector, Handoff, Incoming, PaymentOrder, ProviderError};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_providers::{DEMO_BANK_CODE, DemoBank, DemoConnector, DemoKeys, vk};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::TcpListener;

type Fields = Vec<(String, String)>;

#[derive(Clone, Default)]
struct Receiver {
    messages: Arc<Mutex<Vec<Fields>>>,
    /// How many more POSTs to `/flaky` fail with 503 before one is taken.
    flaky_failures: Arc<AtomicUsize>,
}

impl Receiver {
    fn messages(&self) -> Vec<Fields> {
        self.messages.lock().unwrap().clone()
    }
}

async fn record(State(r): State<Receiver>, body: Bytes) -> StatusCode {
    r.messages.lock().unwrap().push(vk::decode_form(&body));
    StatusCode::OK
}

async fn flaky(State(r): State<Receiver>, body: Bytes) -> StatusCode {
    let failed = r
        .flaky_failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failed {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.messages.lock().unwrap().push(vk::decode_form(&body));
    StatusCode::OK
}

struct Harness {
    origin: String,
    connector: Arc<dyn Connector>,
    receiver: Receiver,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let bank = DemoBank::new(
        DemoKeys::generate().unwrap(),
        format!("{origin}/demo-bank"),
        origin.clone(),
    );
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/notify", post(record))
        .route("/flaky", post(flaky))
        .with_state(receiver.clone())
        .nest("/demo-bank", bank.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Harness {
        origin,
        connector: bank.connector(),
        receiver,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

static NEXT_ID: AtomicU8 = AtomicU8::new(1);

fn order(h: &Harness) -> PaymentOrder {
    let id = AttemptId::from_random([NEXT_ID.fetch_add(1, Ordering::Relaxed); 16]);
    PaymentOrder {
        attempt: id,
        amount: Amount::from_minor(1234).unwrap(),
        currency: Currency::EUR,
        purpose: "Valsts nodeva par pasi <b>&</b>\nsecond line".into(),
        payee_name: "Valsts kase".into(),
        payee_iban: "LV71TREL916021001000B".into(),
        return_url: format!("{}/return?x=1&y=2", h.origin),
        notify_url: format!("{}/notify", h.origin),
        language: "LAT",
    }
}

fn attempt(order: &PaymentOrder) -> Attempt {
    Attempt {
        id: order.attempt,
        request_id: PaymentRequestId::from_random([3; 16]),
        sequence: 1,
        provider: ProviderCode::parse(DEMO_BANK_CODE).unwrap(),
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

/// The value of `attr="..."` in a tag.
fn attribute(tag: &str, attr: &str) -> Option<String> {
    let start = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The first form of a page: its action and its hidden fields, as a
/// browser would submit them.
fn form(html: &str) -> (String, Fields) {
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

/// Hands the order to the bank as the payer's browser would; answers the
/// bank's page.
async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let Handoff::Form {
        action,
        method,
        fields,
    } = h.connector.start(order).await.unwrap().handoff
    else {
        panic!("the demo bank hands off by form");
    };
    assert_eq!(method, "POST");
    assert_eq!(action, format!("{}/demo-bank/pay", h.origin));
    let response = post_form(h, &action, &fields).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Submits the approve page with a decision and tester options.
async fn decide(
    h: &Harness,
    approve_page: &str,
    decision: &str,
    options: &[(&str, &str)],
) -> String {
    let (action, mut fields) = form(approve_page);
    assert_eq!(action, "/demo-bank/decide");
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

async fn wait_for_messages(h: &Harness, count: usize, within: Duration) -> Vec<Fields> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let messages = h.receiver.messages();
        if messages.len() >= count || tokio::time::Instant::now() >= deadline {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn approve_sends_the_server_message_first_and_both_messages_verify() {
    let h = start().await;
    let order = order(&h);
    let (status, page) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(state(&page), "bank-approve");
    assert!(page.contains("<html lang=\"lv\">"));
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    assert!(page.contains("<dd data-field=\"currency\">EUR</dd>"));
    assert!(page.contains("<dd data-field=\"payee\">Valsts kase</dd>"));
    // The purpose is escaped, and its line break was flattened before signing.
    assert!(page.contains("Valsts nodeva par pasi &lt;b&gt;&amp;&lt;/b&gt; second line"));
    for marker in [
        "data-action=\"approve\"",
        "data-action=\"reject\"",
        "data-action=\"cancel\"",
        "data-control=\"server-message\"",
        "data-control=\"delay-seconds\"",
        "data-control=\"browser-return\"",
        "data-control=\"outcome-mode\"",
        "<legend>Testēšanai / For testing</legend>",
        "<label for=\"delay_seconds\">",
    ] {
        assert!(page.contains(marker), "{marker}");
    }

    let page = decide(&h, &page, "approve", &[]).await;
    // The server message was delivered before the browser got its page.
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 1);
    let server = &messages[0];
    assert_eq!(get(server, "VK_SERVICE"), "1111");
    assert_eq!(get(server, "VK_AUTO"), "Y");
    let message = h
        .connector
        .server_message(&incoming(server))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
    assert_eq!(message.amount.minor(), 1234);
    assert_eq!(message.currency, Currency::EUR);
    let t_no = message.external_id.clone().unwrap();
    assert!(message.at.is_some());

    assert_eq!(state(&page), "bank-return");
    assert!(page.contains("data-action=\"return-to-merchant\""));
    assert!(page.contains("<script src=\"/demo-bank/autosubmit.js\" defer></script>"));
    let (action, fields) = form(&page);
    assert_eq!(action, order.return_url);
    assert_eq!(get(&fields, "VK_AUTO"), "N");
    let browser = h
        .connector
        .browser_return(&incoming(&fields))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(browser.outcome, Outcome::Executed);
    assert_eq!(browser.attempt, order.attempt);
    assert_eq!(browser.amount, order.amount);
    assert_eq!(browser.external_id, Some(t_no));
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let h = start().await;
    let order = order(&h);
    let Handoff::Form { action, fields, .. } = h.connector.start(&order).await.unwrap().handoff
    else {
        panic!("form");
    };
    let response = post_form(&h, &action, &fields).await;
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.contains(&format!("form-action 'self' {}", h.origin)),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(!page.contains("style=\""));
    assert!(!page.contains("<style"));
    assert!(!page.contains("<script>"));
}

#[tokio::test]
async fn the_assets_are_served() {
    let h = start().await;
    let css = h
        .http
        .get(format!("{}/demo-bank/bank.css", h.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let js = h
        .http
        .get(format!("{}/demo-bank/autosubmit.js", h.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.text().await.unwrap().contains("form[data-autosubmit]"));
}

#[tokio::test]
async fn english_pages_on_eng() {
    let h = start().await;
    let mut order = order(&h);
    order.language = "ENG";
    let (_, page) = pay(&h, &order).await;
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Approve the payment"));
    let page = decide(&h, &page, "approve", &[]).await;
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Payment executed"));
}

#[tokio::test]
async fn a_tampered_amount_is_a_bad_signature() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(&h, &page, "approve", &[]).await;
    let (_, mut fields) = form(&page);
    set(&mut fields, "VK_AMOUNT", "0.01");
    assert!(matches!(
        h.connector.browser_return(&incoming(&fields)),
        Err(ProviderError::BadSignature(_))
    ));
    // A missing signature is a bad signature too; a missing field is malformed.
    let (_, fields) = form(&page);
    let unsigned: Fields = fields
        .iter()
        .filter(|(k, _)| k != "VK_MAC")
        .cloned()
        .collect();
    assert!(matches!(
        h.connector.browser_return(&incoming(&unsigned)),
        Err(ProviderError::BadSignature(_))
    ));
    let stampless: Fields = fields
        .iter()
        .filter(|(k, _)| k != "VK_STAMP")
        .cloned()
        .collect();
    assert!(matches!(
        h.connector.browser_return(&incoming(&stampless)),
        Err(ProviderError::Malformed(_))
    ));
    // A field repeated in the query string does not override the signed one.
    let mut with_query = incoming(&fields);
    with_query
        .fields
        .insert(0, ("VK_AMOUNT".into(), "0.01".into()));
    assert_eq!(
        h.connector
            .browser_return(&with_query)
            .unwrap()
            .into_message()
            .unwrap()
            .amount
            .minor(),
        1234
    );
}

#[tokio::test]
async fn a_tampered_payment_request_is_refused_by_the_bank() {
    let h = start().await;
    let order = order(&h);
    let Handoff::Form {
        action, mut fields, ..
    } = h.connector.start(&order).await.unwrap().handoff
    else {
        panic!("form");
    };
    set(&mut fields, "VK_AMOUNT", "0.01");
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    assert_eq!(state(&page), "bank-error");

    // The amount on the approve page cannot be changed on the way to /decide.
    let (_, page) = pay(&h, &order).await;
    let (action, mut fields) = form(&page);
    set(&mut fields, "VK_AMOUNT", "0.01");
    fields.push(("decision".into(), "approve".into()));
    let response = post_form(&h, &format!("{}{action}", h.origin), &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");
    assert!(h.receiver.messages().is_empty());
}

#[tokio::test]
async fn a_signature_by_another_key_is_refused() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    let mut server = h.receiver.messages().remove(0);
    let other = DemoKeys::generate().unwrap();
    let forged = other.sign_as_bank(&server).unwrap();
    set(&mut server, "VK_MAC", &forged);
    assert!(matches!(
        h.connector.server_message(&incoming(&server)),
        Err(ProviderError::BadSignature(_))
    ));

    // The bank refuses a payment request signed by another hub key.
    let stranger = DemoConnector::new(&other, &format!("{}/demo-bank", h.origin));
    let Handoff::Form { action, fields, .. } = stranger.start(&order).await.unwrap().handoff else {
        panic!("form");
    };
    let response = post_form(&h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");
    // And answers its queries with 400, which the connector reports as unavailable.
    assert!(matches!(
        stranger.query(&attempt(&order)).await,
        Err(ProviderError::Unavailable(_))
    ));
}

#[tokio::test]
async fn server_and_browser_messages_cannot_stand_in_for_each_other() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(&h, &page, "approve", &[]).await;
    let server = h.receiver.messages().remove(0);
    let (_, browser) = form(&page);
    assert!(matches!(
        h.connector.browser_return(&incoming(&server)),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        h.connector.server_message(&incoming(&browser)),
        Err(ProviderError::Malformed(_))
    ));
    // VK_AUTO is signed: flipping it breaks the signature.
    let mut flipped = browser.clone();
    set(&mut flipped, "VK_AUTO", "Y");
    assert!(matches!(
        h.connector.server_message(&incoming(&flipped)),
        Err(ProviderError::BadSignature(_))
    ));
}

#[tokio::test]
async fn reject_and_cancel_answer_1911() {
    let h = start().await;
    for (n, decision, reason) in [(1, "reject", "rejected"), (2, "cancel", "cancelled")] {
        let order = order(&h);
        let (_, page) = pay(&h, &order).await;
        let page = decide(&h, &page, decision, &[]).await;
        let messages = h.receiver.messages();
        assert_eq!(messages.len(), n);
        let server = messages.last().unwrap();
        assert_eq!(get(server, "VK_SERVICE"), "1911");
        assert_eq!(get(server, "VK_REASON"), reason);
        let message = h
            .connector
            .server_message(&incoming(server))
            .unwrap()
            .into_message()
            .unwrap();
        assert_eq!(message.outcome, Outcome::Rejected);
        assert_eq!(message.attempt, order.attempt);
        assert_eq!(message.external_id, None);
        assert_eq!(state(&page), "bank-return");
        let (_, browser) = form(&page);
        let message = h
            .connector
            .browser_return(&incoming(&browser))
            .unwrap()
            .into_message()
            .unwrap();
        assert_eq!(message.outcome, Outcome::Rejected);
        // The reason is signed.
        let mut other_reason = browser.clone();
        set(
            &mut other_reason,
            "VK_REASON",
            if reason == "rejected" {
                "cancelled"
            } else {
                "rejected"
            },
        );
        assert!(matches!(
            h.connector.browser_return(&incoming(&other_reason)),
            Err(ProviderError::BadSignature(_))
        ));
    }
}

#[tokio::test]
async fn delay_mode_delivers_the_server_message_later() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    decide(
        &h,
        &page,
        "approve",
        &[("server_message", "delay"), ("delay_seconds", "1")],
    )
    .await;
    assert!(h.receiver.messages().is_empty());
    let messages = wait_for_messages(&h, 1, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 1);
    let message = h
        .connector
        .server_message(&incoming(&messages[0]))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
}

#[tokio::test]
async fn drop_never_delivers_but_the_query_answers() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let page = decide(
        &h,
        &page,
        "approve",
        &[("server_message", "drop"), ("browser_return", "drop")],
    )
    .await;
    assert_eq!(state(&page), "bank-done");
    assert!(!page.contains("<form"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(h.receiver.messages().is_empty());
    let message = h.connector.query(&attempt(&order)).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
    assert_eq!(message.amount, order.amount);
    assert!(message.external_id.is_some());
}

#[tokio::test]
async fn a_query_before_the_decision_answers_nothing() {
    let h = start().await;
    let order = order(&h);
    // Never seen by the bank.
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
    // Seen, not decided.
    let (_, page) = pay(&h, &order).await;
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
    decide(&h, &page, "reject", &[]).await;
    let message = h.connector.query(&attempt(&order)).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Rejected);
}

#[tokio::test]
async fn a_query_to_a_bank_that_is_not_there_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/demo-bank", listener.local_addr().unwrap());
    drop(listener);
    let connector = DemoConnector::new(&DemoKeys::generate().unwrap(), &base);
    let h = start().await;
    let order = order(&h);
    assert!(matches!(
        connector.query(&attempt(&order)).await,
        Err(ProviderError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_second_decision_is_not_a_second_payment() {
    let h = start().await;
    let order = order(&h);
    let (_, approve_page) = pay(&h, &order).await;
    let first = decide(&h, &approve_page, "approve", &[]).await;
    let (_, first_fields) = form(&first);
    // The payer goes back and submits again, this time rejecting.
    let second = decide(&h, &approve_page, "reject", &[]).await;
    assert!(second.contains("data-note=\"already-decided\""));
    let (_, second_fields) = form(&second);
    let a = h
        .connector
        .browser_return(&incoming(&first_fields))
        .unwrap()
        .into_message()
        .unwrap();
    let b = h
        .connector
        .browser_return(&incoming(&second_fields))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(b.outcome, Outcome::Executed);
    assert_eq!(a.external_id, b.external_id);
    // Paying the same request again shows the page, and deciding again still
    // changes nothing.
    let (status, again) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK);
    let third = decide(&h, &again, "approve", &[]).await;
    let (_, third_fields) = form(&third);
    let c = h
        .connector
        .browser_return(&incoming(&third_fields))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(a.external_id, c.external_id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.receiver.messages().len(), 1);
    let queried = h.connector.query(&attempt(&order)).await.unwrap().unwrap();
    assert_eq!(queried.outcome, Outcome::Executed);
    assert_eq!(queried.external_id, a.external_id);
}

#[tokio::test]
async fn processing_mode_sends_1112_then_1111() {
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
    let messages = h.receiver.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(get(&messages[0], "VK_SERVICE"), "1112");
    let accepted = h
        .connector
        .server_message(&incoming(&messages[0]))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(accepted.outcome, Outcome::Accepted);
    let (_, browser) = form(&page);
    assert_eq!(
        h.connector
            .browser_return(&incoming(&browser))
            .unwrap()
            .into_message()
            .unwrap()
            .outcome,
        Outcome::Accepted
    );
    assert_eq!(
        h.connector
            .query(&attempt(&order))
            .await
            .unwrap()
            .unwrap()
            .outcome,
        Outcome::Accepted
    );

    let messages = wait_for_messages(&h, 2, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(get(&messages[1], "VK_SERVICE"), "1111");
    let executed = h
        .connector
        .server_message(&incoming(&messages[1]))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(executed.outcome, Outcome::Executed);
    assert_eq!(executed.external_id, accepted.external_id);
    assert_eq!(
        h.connector
            .query(&attempt(&order))
            .await
            .unwrap()
            .unwrap()
            .outcome,
        Outcome::Executed
    );
}

#[tokio::test]
async fn processing_with_delay_sends_1112_later_and_1111_after_it() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    decide(
        &h,
        &page,
        "approve",
        &[
            ("outcome_mode", "processing"),
            ("server_message", "delay"),
            ("delay_seconds", "1"),
        ],
    )
    .await;
    assert!(h.receiver.messages().is_empty());
    let messages = wait_for_messages(&h, 2, Duration::from_secs(6)).await;
    let services: Vec<&str> = messages.iter().map(|m| get(m, "VK_SERVICE")).collect();
    assert_eq!(services, ["1112", "1111"]);
}

#[tokio::test]
async fn a_refused_server_message_is_retried() {
    let h = start().await;
    h.receiver.flaky_failures.store(1, Ordering::SeqCst);
    let mut order = order(&h);
    order.notify_url = format!("{}/flaky", h.origin);
    let (_, page) = pay(&h, &order).await;
    decide(&h, &page, "approve", &[]).await;
    assert!(h.receiver.messages().is_empty());
    let messages = wait_for_messages(&h, 1, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 1);
    let message = h
        .connector
        .server_message(&incoming(&messages[0]))
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
}

#[tokio::test]
async fn bad_tester_input_is_an_error_page() {
    let h = start().await;
    let order = order(&h);
    let (_, page) = pay(&h, &order).await;
    let (action, mut fields) = form(&page);
    fields.push(("decision".into(), "approve".into()));
    fields.push(("delay_seconds".into(), "-1".into()));
    let response = post_form(&h, &format!("{}{action}", h.origin), &fields).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&response.text().await.unwrap()), "bank-error");
    // Nothing was decided.
    assert_eq!(h.connector.query(&attempt(&order)).await.unwrap(), None);
}
