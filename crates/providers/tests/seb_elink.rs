//! SEB e-Link end to end: the sandbox's simulator served on a real port under
//! `/sim/seb-elink`, next to a receiver that records what reaches the hub's
//! server address (`/providers/UNLALV2X/notify`), driven the way a payer's
//! browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

mod support;

use maksa_app::providers::{PaymentOrder, ProviderError};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use maksa_providers::seb_elink::{self, SebElinkConfig, SebElinkConnector};
use std::time::Duration;
use support::{
    Harness, PROCESSING, approve_page, assert_bank_error, assert_forged_answer_refused,
    assert_refused_by_bank, decide, decide_for_answers, form, get, handoff, incoming,
    link_order as order, outcome, pay_and_decide, read_browser, read_outcomes, read_server, set,
    state,
};

fn code() -> ProviderCode {
    ProviderCode::parse("UNLALV2X").unwrap()
}

async fn start() -> Harness {
    support::start_sandbox(
        "/sim/seb-elink",
        |r| r.routes(&["/return", "/providers/UNLALV2X/notify"]),
        seb_elink::sandbox,
        code(),
    )
    .await
}

fn attempt(order: &PaymentOrder) -> Attempt {
    support::attempt(order, code(), None)
}

#[tokio::test]
async fn approve_sends_0004_accomplished_to_the_server_and_0003_through_the_browser() {
    let h = start().await;
    let order = order(&h);
    let (_, request) = handoff(&h, &order).await;
    assert!(get(&request, "IB_PAYMENT_DESC").starts_with("RF0123456789ABCDEFGHIJKLMNOPQRSTUV"));
    let page = approve_page(&h, &order).await;
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.requests();
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
    let m = read_browser(&h, &browser);
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
    pay_and_decide(&h, &order, "approve", PROCESSING).await;
    h.receiver.wait_for(2, Duration::from_secs(6)).await;
    let messages = h.receiver.requests();
    assert_eq!(messages.len(), 2);
    assert_eq!(get(&messages[0].1, "IB_SERVICE"), "0003");
    let accepted = read_server(&h, &messages[0].1);
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
        let (server, browser) = decide_for_answers(&h, &order, decision, n).await;
        assert_eq!(get(&server, "IB_STATUS"), "CANCELLED");
        for o in read_outcomes(&h, &server, &browser) {
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
    let page = pay_and_decide(&h, &order, "approve", &[]).await;
    let (_, browser) = form(&page);
    let (_, server) = h.receiver.requests().remove(0);
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
    assert_bank_error(&h, &action, &fields).await;

    let stranger = RsaKey::generate().unwrap();
    let other = SebElinkConnector::new(SebElinkConfig::new(
        code(),
        "MAKSA",
        stranger.clone(),
        TrustedKeys::new(vec![stranger.public()]).unwrap(),
        action.clone(),
    ));
    assert_refused_by_bank(&h, &other, &order, &action).await;

    assert_forged_answer_refused(&h, &order, "IB_CRC", |server| {
        seb_elink::sign_answer(&stranger, server).unwrap()
    })
    .await;
}
