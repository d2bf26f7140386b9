//! Idempotency keys (docs/idempotency.md) against the real server, on both
//! databases: a retried call with the same key and request is answered from
//! the first without the work done twice; another request under the key is
//! refused and changes nothing; twenty connections racing with one key make
//! one request; keys expire after 24 hours; SOAP reads the same header.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
mod product_hub;

use maksa_domain::ids::ClientId;
use product_hub::{ProductHub, create_body};
use serde_json::json;
use support::Backend;
use time::Duration;

on_both_backends!(
    a_retried_create_is_answered_from_the_first,
    another_request_under_the_key_is_refused,
    twenty_connections_one_key_one_request,
    cancel_and_invoice_replay,
    keys_expire_after_a_day,
    soap_reads_the_same_header,
    bad_keys_are_refused,
);

async fn a_retried_create_is_answered_from_the_first(backend: Backend) {
    let hub = ProductHub::start(backend).await;
    let first = hub
        .call("savepaymentrequest", Some("create-1"), create_body("one"))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!first.replayed);
    // The same request spelt otherwise (field-name case, whitespace) is the same request.
    let respelt = create_body("one")
        .to_string()
        .replace("\"ServiceStep\"", "\"servicestep\"")
        .replace(',', " ,\n ");
    let again = hub
        .call(
            "savepaymentrequest",
            Some("create-1"),
            serde_json::from_str(&respelt).unwrap(),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.json(), first.json());
    assert_eq!(hub.request_count("demo").await, 1);
    // Keys are the client's: another client's same key is its own.
    let other = hub
        .call_as(
            &hub.other_cert,
            "savepaymentrequest",
            Some("create-1"),
            create_body("one"),
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.body);
    assert!(!other.replayed);
    assert_ne!(
        other.json()["PaymentRequestId"],
        first.json()["PaymentRequestId"]
    );
    // Without a key every call is a new request.
    hub.call("savepaymentrequest", None, create_body("one"))
        .await;
    assert_eq!(hub.request_count("demo").await, 2);
}

async fn another_request_under_the_key_is_refused(backend: Backend) {
    let hub = ProductHub::start(backend).await;
    let first = hub
        .call("savepaymentrequest", Some("k"), create_body("one"))
        .await;
    assert_eq!(first.status, 200);
    // Original profile: 500 as every processing error.
    let other = hub
        .call("savepaymentrequest", Some("k"), create_body("two"))
        .await;
    assert_eq!(other.status, 500, "{}", other.body);
    assert_eq!(other.mm_error, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(other.json()["error"], "IDEMPOTENCY_KEY_REUSED");
    // Another method under the key is another request too.
    let id = first.json()["PaymentRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancel = hub
        .call(
            "cancelpaymentrequest",
            Some("k"),
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert_eq!(cancel.mm_error, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(hub.status(&id).await, "P");
    assert_eq!(hub.request_count("demo").await, 1);
    // Precise profile: 422.
    let first = hub
        .call_as(
            &hub.other_cert,
            "savepaymentrequest",
            Some("k"),
            create_body("one"),
        )
        .await;
    assert_eq!(first.status, 200);
    let other = hub
        .call_as(
            &hub.other_cert,
            "savepaymentrequest",
            Some("k"),
            create_body("two"),
        )
        .await;
    assert_eq!(other.status, 422);
    assert_eq!(other.mm_error, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(hub.request_count("other").await, 1);
    // A call whose work failed stores nothing: the key is free for the fixed request.
    let mut bad = create_body("three");
    bad["PaymentsDataStructure"]["PaymentRequest"]["ServiceStep"] = json!("NOSUCH");
    let failed = hub.call("savepaymentrequest", Some("fix-me"), bad).await;
    assert_eq!(failed.mm_error, "UNKNOWN_SERVICE_STEP");
    let fixed = hub
        .call("savepaymentrequest", Some("fix-me"), create_body("three"))
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    assert!(!fixed.replayed);
}

async fn twenty_connections_one_key_one_request(backend: Backend) {
    let hub = std::sync::Arc::new(ProductHub::start(backend).await);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let hub = std::sync::Arc::clone(&hub);
        calls.spawn(async move {
            // A client of its own each: twenty connections.
            hub.call_as_new_connection("savepaymentrequest", "race", create_body("race"))
                .await
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = calls.join_next().await {
        answers.push(answer.unwrap());
    }
    assert_eq!(answers.len(), 20);
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json(), answers[0].json());
    }
    assert_eq!(answers.iter().filter(|a| !a.replayed).count(), 1);
    assert_eq!(hub.request_count("demo").await, 1);
    assert_eq!(hub.store.idempotency_key_count().await.unwrap(), 1);
    assert_eq!(hub.state.idempotency.keys_in_flight(), 0);
}

async fn cancel_and_invoice_replay(backend: Backend) {
    let hub = ProductHub::start(backend).await;
    let created = hub.call("savepaymentrequest", None, create_body("x")).await;
    let id = created.json()["PaymentRequestId"]
        .as_str()
        .unwrap()
        .to_owned();

    let invoice = json!({ "Id": id, "Name": "SIA Maksātājs" });
    let first = hub
        .call("createinvoice", Some("inv"), invoice.clone())
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let again = hub.call("createinvoice", Some("inv"), invoice).await;
    assert!(again.replayed);
    assert_eq!(again.json(), first.json());
    // One invoice issued, not two.
    let request = maksa_domain::ids::PaymentRequestId::parse(&id).unwrap();
    let demo = ClientId::parse("demo").unwrap();
    let state = hub
        .store
        .document_state(&demo, request)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.latest_version, 1);
    let other_name = hub
        .call(
            "createinvoice",
            Some("inv"),
            json!({ "Id": id, "Name": "Cits" }),
        )
        .await;
    assert_eq!(other_name.mm_error, "IDEMPOTENCY_KEY_REUSED");

    let cancel = json!({ "PaymentRequestId": id });
    let first = hub
        .call("cancelpaymentrequest", Some("c"), cancel.clone())
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!first.replayed);
    let again = hub.call("cancelpaymentrequest", Some("c"), cancel).await;
    assert_eq!(again.status, 200);
    assert!(again.replayed);
    assert_eq!(hub.status(&id).await, "C");
    let events = hub
        .store
        .audit_events(maksa_domain::ids::PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "payment_request.cancelled")
            .count(),
        1
    );
}

async fn keys_expire_after_a_day(backend: Backend) {
    let hub = ProductHub::start(backend).await;
    let first = hub
        .call("savepaymentrequest", Some("day"), create_body("one"))
        .await;
    assert_eq!(first.status, 200);
    hub.clock.advance(Duration::hours(23));
    let within = hub
        .call("savepaymentrequest", Some("day"), create_body("two"))
        .await;
    assert_eq!(within.mm_error, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(hub.state.idempotency.delete_expired(100).await.unwrap(), 0);
    hub.clock.advance(Duration::hours(2));
    // After 24 hours the key is free again, even before the worker deleted it.
    let after = hub
        .call("savepaymentrequest", Some("day"), create_body("two"))
        .await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert!(!after.replayed);
    assert_ne!(after.json(), first.json());
    assert_eq!(hub.request_count("demo").await, 2);
    // The worker deletes the expired keys in bounded rounds.
    for i in 0..3 {
        hub.call(
            "savepaymentrequest",
            Some(&format!("old-{i}")),
            create_body("old"),
        )
        .await;
    }
    hub.clock.advance(Duration::hours(25));
    assert_eq!(hub.store.idempotency_key_count().await.unwrap(), 4);
    assert_eq!(hub.state.idempotency.delete_expired(3).await.unwrap(), 3);
    assert_eq!(hub.state.idempotency.delete_expired(3).await.unwrap(), 1);
    assert_eq!(hub.store.idempotency_key_count().await.unwrap(), 0);
}

async fn soap_reads_the_same_header(backend: Backend) {
    let hub = ProductHub::start(backend).await;
    let created = hub.call("savepaymentrequest", None, create_body("x")).await;
    let id = created.json()["PaymentRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = hub.soap_cancel(&id, Some("soap-cancel")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!first.replayed);
    let again = hub.soap_cancel(&id, Some("soap-cancel")).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body, first.body);
    // One call, one key, whichever door: the same cancel over REST replays too.
    let rest = hub
        .call(
            "cancelpaymentrequest",
            Some("soap-cancel"),
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert!(rest.replayed);
    let bad = hub.soap_cancel(&id, Some("")).await;
    assert_eq!(bad.status, 500, "{}", bad.body);
    assert!(bad.body.contains("INVALID_IDEMPOTENCY_KEY"), "{}", bad.body);
}

async fn bad_keys_are_refused(backend: Backend) {
    let hub = ProductHub::start(backend).await;
    for key in ["", "with space", &"k".repeat(256)] {
        let answer = hub
            .call("savepaymentrequest", Some(key), create_body("x"))
            .await;
        assert_eq!(answer.mm_error, "INVALID_IDEMPOTENCY_KEY", "{key:?}");
        let answer = hub
            .call_as(
                &hub.other_cert,
                "savepaymentrequest",
                Some(key),
                create_body("x"),
            )
            .await;
        assert_eq!(answer.status, 400);
    }
    assert_eq!(hub.request_count("demo").await, 0);
    // Methods that change nothing ignore the header.
    let answer = hub
        .call("getpaymentrequests", Some("with space"), json!({}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}
