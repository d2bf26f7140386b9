//! Rate limits (docs/rate-limits.md) against the real server: a client over
//! its limit of a method gets `429` with `Retry-After` and
//! `MM-Error: RATE_LIMITED` while other clients and methods go on; the
//! payer's pages are limited per address; the console lists the refusals.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
mod product_hub;

use maksa_server::{Rate, RateLimitSettings};
use product_hub::{ProductHub, create_body};
use serde_json::json;
use std::time::Duration;
use support::Backend;
use support::console;

on_both_backends!(
    a_client_over_its_limit_waits,
    payer_pages_are_limited_per_address,
    the_console_lists_the_refusals,
);

/// `burst` calls, then one an hour: a test never sees the bucket refill.
fn tight(burst: u32) -> Rate {
    Rate {
        count: 1,
        per: Duration::from_secs(3600),
        burst,
    }
}

fn retry_after(reply: &product_hub::Reply) -> u64 {
    reply.retry_after.as_deref().unwrap().parse().unwrap()
}

async fn a_client_over_its_limit_waits(backend: Backend) {
    let hub = ProductHub::start_with(backend, |options| {
        options.rate_limits = Some(RateLimitSettings {
            create: tight(2),
            query: tight(3),
            ..RateLimitSettings::default()
        });
    })
    .await;
    for _ in 0..2 {
        let answer = hub.call("savepaymentrequest", None, create_body("x")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let refused = hub.call("savepaymentrequest", None, create_body("x")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.mm_error, "RATE_LIMITED");
    assert_eq!(refused.json()["error"], "RATE_LIMITED");
    assert!(retry_after(&refused) >= 1);
    assert_eq!(hub.request_count("demo").await, 2);
    // Another client, another method: their own limits.
    let other = hub
        .call_as(
            &hub.other_cert,
            "savepaymentrequest",
            None,
            create_body("x"),
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.body);
    let query = hub.call("getpaymentrequests", None, json!({})).await;
    assert_eq!(query.status, 200, "{}", query.body);
    let metrics = hub
        .http
        .get(format!("{}/metrics", hub.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("maksa_rate_limited_total{door=\"rest\",method=\"savepaymentrequest\"} 1"),
        "{metrics}"
    );
}

async fn payer_pages_are_limited_per_address(backend: Backend) {
    let hub = ProductHub::start_with(backend, |options| {
        options.rate_limits = Some(RateLimitSettings {
            pages: tight(3),
            ..RateLimitSettings::default()
        });
    })
    .await;
    let created = hub.call("savepaymentrequest", None, create_body("x")).await;
    let id = created.json()["PaymentRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..3 {
        let page = hub
            .http
            .get(format!("{}/Payments/?id={id}", hub.base))
            .send()
            .await
            .unwrap();
        assert_ne!(page.status().as_u16(), 429);
    }
    let refused = product_hub::Reply::read(
        hub.http
            .get(format!("{}/MM/WebUI2/Payments/?id={id}", hub.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.mm_error, "RATE_LIMITED");
    assert!(retry_after(&refused) >= 1);
    assert!(
        refused.body.contains("data-state=\"rate-limited\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Pārāk daudz"), "{}", refused.body);
    assert!(refused.body.contains("Too many"), "{}", refused.body);
    // The API is another door: still open to the client.
    let status = hub
        .call(
            "checkpaymentrequeststatus",
            None,
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert_eq!(status.status, 200);
}

async fn the_console_lists_the_refusals(backend: Backend) {
    let hub = console::start_with(backend, |options| {
        options.rate_limits = Some(RateLimitSettings {
            pages: tight(1),
            ..RateLimitSettings::default()
        });
    })
    .await;
    let mut anonymous = console::Jar::default();
    let path = "/Payments/?id=0192f7a0-0000-7000-8000-000000000000";
    let (first, _, _) = hub.get(&mut anonymous, path).await;
    assert_ne!(first.as_u16(), 429);
    for _ in 0..2 {
        let (status, _, headers) = hub.get(&mut anonymous, path).await;
        assert_eq!(status.as_u16(), 429);
        assert_eq!(headers.get("mm-error").unwrap(), "RATE_LIMITED");
    }
    let mut vera = hub.signed_in("vera").await;
    let (status, page, _) = hub.get(&mut vera, "/admin/limits").await;
    assert_eq!(status.as_u16(), 200, "{page}");
    assert!(page.contains("data-state=\"limits\""), "{page}");
    assert!(page.contains("payer_page"), "{page}");
    assert!(page.contains("127.0.0.1"), "{page}");
    // The configured limits are listed too.
    assert!(page.contains("1/3600 s"), "{page}");
    assert!(page.contains("20/s"), "{page}");
    let refusal_row = page
        .split("<tr")
        .find(|row| row.contains("payer_page"))
        .unwrap();
    assert!(refusal_row.contains(">2<"), "{refusal_row}");
}
