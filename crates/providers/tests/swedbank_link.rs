//! Swedbank's legacy bank link end to end: the sandbox's simulator served on a
//! real port under `/sim/swedbank-link`, next to a receiver that records what
//! reaches the hub's return address (where the bank sends its `VK_AUTO=Y`
//! message by GET), driven the way a payer's browser and the hub would.

#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use maksa_app::providers::{PaymentOrder, ProviderError};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use maksa_providers::swedbank_link::{self, SwedbankLinkConfig};
use support::{
    Harness, approve_page, assert_bank_error, assert_forged_answer_refused, assert_refused_by_bank,
    decide, decide_for_answers, form, get, handoff, incoming, link_order as order, pay_and_decide,
    post_form, read_browser, read_outcomes, read_server, set, state,
};

fn code() -> ProviderCode {
    ProviderCode::parse(swedbank_link::DEMO_CODE).unwrap()
}

async fn start() -> Harness {
    support::start_sandbox(
        "/sim/swedbank-link",
        |r| r.routes(&["/return", "/notify", "/providers/{code}/notify"]),
        swedbank_link::sandbox,
        code(),
    )
    .await
}

fn attempt(order: &PaymentOrder) -> Attempt {
    support::attempt(order, code(), None)
}

#[tokio::test]
async fn approve_sends_1101_by_get_to_the_bare_return_address_and_both_verify() {
    let h = start().await;
    let order = order(&h);
    let (_, request) = handoff(&h, &order).await;
    assert_eq!(get(&request, "VK_RETURN"), format!("{}/return", h.origin));
    let page = approve_page(&h, &order).await;
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = h.receiver.requests();
    assert_eq!(messages.len(), 1);
    let (method, server) = &messages[0];
    assert_eq!(method, "GET");
    assert_eq!(get(server, "VK_SERVICE"), "1101");
    assert_eq!(get(server, "VK_AUTO"), "Y");
    let m = read_server(&h, server);
    assert_eq!(m.outcome, Outcome::Executed);
    assert_eq!(m.attempt, order.attempt);
    assert_eq!(m.amount.minor(), 1234);
    // The bank's automatic message arrives where browsers return: read there too.
    let again = read_browser(&h, server);
    assert_eq!(again, m);

    assert_eq!(state(&page), "bank-return");
    let (action, browser) = form(&page);
    assert_eq!(action, format!("{}/return", h.origin));
    assert_eq!(get(&browser, "VK_AUTO"), "N");
    let b = read_browser(&h, &browser);
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
    let page = pay_and_decide(&h, &order, "approve", &[]).await;
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
        let (server, browser) = decide_for_answers(&h, &order, decision, n).await;
        assert_eq!(get(&server, "VK_SERVICE"), "1901");
        for o in read_outcomes(&h, &server, &browser) {
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
    assert_bank_error(&h, &action, &fields).await;

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
    assert_refused_by_bank(&h, &other, &order, &action).await;

    assert_forged_answer_refused(&h, &order, "VK_MAC", |server| {
        swedbank_link::sign_answer(&stranger, server).unwrap()
    })
    .await;
}
