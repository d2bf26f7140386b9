//! iPizza end to end: the sandbox's simulator served on a real port under
//! `/sim/ipizza`, next to a receiver that records what reaches the hub's
//! return address (where iPizza banks also send their `VK_AUTO=Y` message),
//! driven the way a payer's browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use maksa_app::providers::{PaymentOrder, ProviderError};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::ipizza::{self, IpizzaConfig};
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use std::time::Duration;
use support::{
    Fields, Harness, PROCESSING, approve_page, assert_bank_error, assert_forged_answer_refused,
    assert_refused_by_bank, decide, decide_for_answers, form, get, handoff, incoming,
    link_order as order, pay_and_decide, post_form, read_browser, read_outcomes, read_server, set,
    state,
};
use time::OffsetDateTime;

fn code() -> ProviderCode {
    ProviderCode::parse("RIKOLV2X").unwrap()
}

async fn start() -> Harness {
    support::start_sandbox(
        "/sim/ipizza",
        |r| r.routes(&["/return", "/notify", "/providers/{code}/notify"]),
        ipizza::sandbox,
        code(),
    )
    .await
}

fn attempt(order: &PaymentOrder) -> Attempt {
    support::attempt(order, code(), None)
}

#[tokio::test]
async fn approve_sends_1111_to_the_return_address_and_both_verify() {
    let h = start().await;
    let order = order(&h);
    let page = approve_page(&h, &order).await;
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    assert!(page.contains("<dd data-field=\"payee\">Valsts kase</dd>"));
    assert!(page.contains("Valsts nodeva &lt;b&gt;&amp;&lt;/b&gt;"));

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.requests();
    assert_eq!(messages.len(), 1);
    let (method, server) = &messages[0];
    assert_eq!(method, "POST");
    assert_eq!(get(server, "VK_SERVICE"), "1111");
    assert_eq!(get(server, "VK_VERSION"), "009");
    assert_eq!(get(server, "VK_AUTO"), "Y");
    // The sandbox's bank posts its server message to the hub's notify address.
    assert!(server.iter().all(|(k, _)| k != "language"));
    let m = read_server(&h, server);
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
    let b = read_browser(&h, &browser);
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
    let page = pay_and_decide(&h, &order, "approve", &[]).await;
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
        let (server, browser) = decide_for_answers(&h, &order, decision, n).await;
        assert_eq!(get(&server, "VK_SERVICE"), "1911");
        for o in read_outcomes(&h, &server, &browser) {
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
    assert_bank_error(&h, &action, &fields).await;

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
    assert_refused_by_bank(&h, &other, &order, &action).await;

    // And an answer signed by another key is refused by the hub.
    assert_forged_answer_refused(&h, &order, "VK_MAC", |server| {
        ipizza::sign_answer(&stranger, server).unwrap()
    })
    .await;
}

#[tokio::test]
async fn processing_sends_1111_at_once_and_again_on_execution() {
    let h = start().await;
    let order = order(&h);
    pay_and_decide(&h, &order, "approve", PROCESSING).await;
    assert_eq!(h.receiver.requests().len(), 1);
    h.receiver.wait_for(2, Duration::from_secs(6)).await;
    let messages = h.receiver.requests();
    assert_eq!(messages.len(), 2);
    let first = read_server(&h, &messages[0].1);
    let second = read_server(&h, &messages[1].1);
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
    pay_and_decide(&h, &order, "approve", &[]).await;
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
    let hub = RsaKey::load_or_create(&h.dir.path().join(ipizza::HUB_KEY_FILE)).unwrap();
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
