//! Citadele's Digi::Link end to end: the sandbox's simulator served on a real
//! port under `/sim/citadele` beside a small receiver of the bank's status
//! messages, driven the way a payer's browser and the hub would drive it.

#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use maksa_app::providers::{Handoff, Incoming, PaymentOrder, ProviderError, Verified};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::citadele::{
    self, BANK_KEY_FILE, CITADELE_CODE, SANDBOX_MERCHANT_ID, dsig, read_answer,
};
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use std::time::Duration;
use support::{
    Harness, PROCESSING, Received, Receiver, approve_page, decide, form, handoff, pay_and_decide,
    post_form, state, submit,
};
use time::OffsetDateTime;

async fn start() -> Harness {
    let code = ProviderCode::parse(CITADELE_CODE).unwrap();
    let routes = |r: &Receiver| r.post_routes(&["/providers/PARXLV22/notify"]);
    support::start_sandbox("/sim/citadele", routes, citadele::sandbox, code).await
}

fn order(h: &Harness) -> PaymentOrder {
    support::order(
        "Valsts nodeva par pasi <b>&</b>\nRīga",
        format!("{}/return?x=1&y=2", h.origin),
        format!("{}/providers/PARXLV22/notify", h.origin),
    )
}

fn attempt(order: &PaymentOrder) -> Attempt {
    support::attempt(order, ProviderCode::parse(CITADELE_CODE).unwrap(), None)
}

/// A status message's `xmldata` as the hub would receive it.
fn incoming(xmldata: &str) -> Incoming {
    support::incoming(&vec![("xmldata".to_owned(), xmldata.to_owned())])
}

/// The `xmldata` the bank posted.
fn xmldata(received: &Received) -> String {
    received
        .body_fields()
        .into_iter()
        .find(|(k, _)| k == "xmldata")
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The status messages the bank sent.
fn messages(h: &Harness) -> Vec<String> {
    h.receiver.received().iter().map(xmldata).collect()
}

async fn pay(h: &Harness, order: &PaymentOrder) -> (StatusCode, String) {
    let (action, fields) = handoff(h, order).await;
    assert_eq!(action, format!("{}/sim/citadele/pay", h.origin));
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].0, "xmldata");
    submit(h, &action, &fields).await
}

fn browser_xml(page: &str) -> String {
    let (_, fields) = form(page);
    fields.into_iter().find(|(k, _)| k == "xmldata").unwrap().1
}

async fn wait_for_messages(h: &Harness, count: usize, within: Duration) -> Vec<String> {
    let received = h.receiver.wait_for(count, within).await;
    received.iter().map(xmldata).collect()
}

/// The keys the sandbox's bank signs with.
fn bank_keys(h: &Harness) -> TrustedKeys {
    let bank_key = RsaKey::load_or_create(&h.dir.path().join(BANK_KEY_FILE)).unwrap();
    TrustedKeys::new(vec![bank_key.public()]).unwrap()
}

fn read(h: &Harness, xml: &str) -> Result<citadele::Verdict, ProviderError> {
    read_answer(
        xml.as_bytes(),
        &bank_keys(h),
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
    let page = approve_page(&h, &order).await;
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    assert!(page.contains("<dd data-field=\"payee\">Valsts kase</dd>"));
    // The purpose was cut to Digi::Link's characters before signing.
    assert!(
        page.contains("Valsts nodeva par pasi  b   /b  Rīga"),
        "{page}"
    );

    let page = decide(&h, &page, "approve", &[]).await;
    let messages = messages(&h);
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
    let page = pay_and_decide(&h, &order, "approve", &[]).await;
    let server = messages(&h).remove(0);
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
    assert!(messages(&h).is_empty());
}

#[tokio::test]
async fn reject_and_cancel_answer_300_and_200_then_r() {
    let h = start().await;
    for (n, decision, code) in [(1, "reject", "300"), (2, "cancel", "200")] {
        let order = order(&h);
        let page = pay_and_decide(&h, &order, decision, &[]).await;
        let messages = messages(&h);
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
    let page = pay_and_decide(&h, &order, "approve", PROCESSING).await;
    assert_eq!(
        read(&h, &browser_xml(&page)).unwrap().outcome,
        Outcome::Accepted
    );
    assert!(messages(&h).is_empty());
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
    pay_and_decide(
        &h,
        &order,
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
