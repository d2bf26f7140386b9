//! The demo bank end to end: its router served on a real port under
//! `/demo-bank` next to a small receiver that records server messages, driven
//! the way a payer's browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use maksa_app::providers::{Connector, Handoff, PaymentOrder, ProviderError};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::{DEMO_BANK_CODE, DemoBank, DemoConnector, DemoKeys};
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::{
    Fields, Harness, PROCESSING, approve_page, assert_bank_error, decide, form, get, incoming, pay,
    pay_and_decide, post_form, read_browser, read_server, set, state,
};

async fn start() -> Harness {
    support::start(
        "/demo-bank",
        |r| r.post_routes(&["/notify"]).merge(r.flaky_route("/flaky")),
        |_, base, origin| {
            let bank = DemoBank::new(
                DemoKeys::generate().unwrap(),
                base.to_owned(),
                origin.to_owned(),
            );
            (bank.connector(), bank.router())
        },
    )
    .await
}

fn order(h: &Harness) -> PaymentOrder {
    support::order(
        "Valsts nodeva par pasi <b>&</b>\nsecond line",
        format!("{}/return?x=1&y=2", h.origin),
        format!("{}/notify", h.origin),
    )
}

fn attempt(order: &PaymentOrder) -> Attempt {
    support::attempt(order, ProviderCode::parse(DEMO_BANK_CODE).unwrap(), None)
}

async fn wait_for_messages(h: &Harness, count: usize, within: Duration) -> Vec<Fields> {
    let received = h.receiver.wait_for(count, within).await;
    received.iter().map(|r| r.body_fields()).collect()
}

#[tokio::test]
async fn approve_sends_the_server_message_first_and_both_messages_verify() {
    let h = start().await;
    let order = order(&h);
    let page = approve_page(&h, &order).await;
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
    let messages = h.receiver.body_forms();
    assert_eq!(messages.len(), 1);
    let server = &messages[0];
    assert_eq!(get(server, "VK_SERVICE"), "1111");
    assert_eq!(get(server, "VK_AUTO"), "Y");
    let message = read_server(&h, server);
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
    let browser = read_browser(&h, &fields);
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
    let page = pay_and_decide(&h, &order, "approve", &[]).await;
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
    assert!(h.receiver.body_forms().is_empty());
}

#[tokio::test]
async fn a_signature_by_another_key_is_refused() {
    let h = start().await;
    let order = order(&h);
    pay_and_decide(&h, &order, "approve", &[]).await;
    let mut server = h.receiver.body_forms().remove(0);
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
    assert_bank_error(&h, &action, &fields).await;
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
    let page = pay_and_decide(&h, &order, "approve", &[]).await;
    let server = h.receiver.body_forms().remove(0);
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
        let page = pay_and_decide(&h, &order, decision, &[]).await;
        let messages = h.receiver.body_forms();
        assert_eq!(messages.len(), n);
        let server = messages.last().unwrap();
        assert_eq!(get(server, "VK_SERVICE"), "1911");
        assert_eq!(get(server, "VK_REASON"), reason);
        let message = read_server(&h, server);
        assert_eq!(message.outcome, Outcome::Rejected);
        assert_eq!(message.attempt, order.attempt);
        assert_eq!(message.external_id, None);
        assert_eq!(state(&page), "bank-return");
        let (_, browser) = form(&page);
        let message = read_browser(&h, &browser);
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
    pay_and_decide(
        &h,
        &order,
        "approve",
        &[("server_message", "delay"), ("delay_seconds", "1")],
    )
    .await;
    assert!(h.receiver.body_forms().is_empty());
    let messages = wait_for_messages(&h, 1, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 1);
    let message = read_server(&h, &messages[0]);
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
}

#[tokio::test]
async fn drop_never_delivers_but_the_query_answers() {
    let h = start().await;
    let order = order(&h);
    let page = pay_and_decide(
        &h,
        &order,
        "approve",
        &[("server_message", "drop"), ("browser_return", "drop")],
    )
    .await;
    assert_eq!(state(&page), "bank-done");
    assert!(!page.contains("<form"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(h.receiver.body_forms().is_empty());
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
    let a = read_browser(&h, &first_fields);
    let b = read_browser(&h, &second_fields);
    assert_eq!(b.outcome, Outcome::Executed);
    assert_eq!(a.external_id, b.external_id);
    // Paying the same request again shows the page, and deciding again still
    // changes nothing.
    let (status, again) = pay(&h, &order).await;
    assert_eq!(status, StatusCode::OK);
    let third = decide(&h, &again, "approve", &[]).await;
    let (_, third_fields) = form(&third);
    let c = read_browser(&h, &third_fields);
    assert_eq!(a.external_id, c.external_id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.receiver.body_forms().len(), 1);
    let queried = h.connector.query(&attempt(&order)).await.unwrap().unwrap();
    assert_eq!(queried.outcome, Outcome::Executed);
    assert_eq!(queried.external_id, a.external_id);
}

#[tokio::test]
async fn processing_mode_sends_1112_then_1111() {
    let h = start().await;
    let order = order(&h);
    let page = pay_and_decide(&h, &order, "approve", PROCESSING).await;
    let messages = h.receiver.body_forms();
    assert_eq!(messages.len(), 1);
    assert_eq!(get(&messages[0], "VK_SERVICE"), "1112");
    let accepted = read_server(&h, &messages[0]);
    assert_eq!(accepted.outcome, Outcome::Accepted);
    let (_, browser) = form(&page);
    assert_eq!(read_browser(&h, &browser).outcome, Outcome::Accepted);
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
    let executed = read_server(&h, &messages[1]);
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
    pay_and_decide(
        &h,
        &order,
        "approve",
        &[
            ("outcome_mode", "processing"),
            ("server_message", "delay"),
            ("delay_seconds", "1"),
        ],
    )
    .await;
    assert!(h.receiver.body_forms().is_empty());
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
    pay_and_decide(&h, &order, "approve", &[]).await;
    assert!(h.receiver.body_forms().is_empty());
    let messages = wait_for_messages(&h, 1, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 1);
    let message = read_server(&h, &messages[0]);
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
