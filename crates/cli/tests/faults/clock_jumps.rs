//! Clock jumps: `maksa serve` under libfaketime (`FAKETIME_TIMESTAMP_FILE`,
//! re-read every second; the monotonic clock left alone, as an NTP step or an
//! operator's `date -s` leaves it), its wall clock set back ten minutes while
//! notifications wait for a retry, requests are about to expire and a
//! request is paid, then set right again.
//!
//! What must hold (docs/RELIABILITY.md, "Faults"):
//! - **nothing expires early**: a request is never seen R before its
//!   `ExpiryDate` in real time. With the clock behind, the hub's reading is
//!   earlier than the real time, so an expiry is only ever late; once the
//!   clock is right again it happens within the expiry worker's round.
//!   (A clock set *forward* makes requests expire early in real terms: the
//!   hub has no other measure of an absolute date than its clock. Not tested.)
//! - **nothing waits forever**: a notification retry scheduled before the
//!   jump (one second ahead on the old clock, ten minutes and a second ahead
//!   on the new one) is delivered within seconds of the sink coming up, not
//!   when the wall clock catches up.
//! - **documents keep a sane date**: the receipt of a request paid after the
//!   jump is not dated (`IssuedAt`) before the request's `CreatedAt` or the
//!   payment's `PaidAt`.

use crate::hub::{Env, Hub};
use crate::ledger::Ledger;
use crate::scenario::{create_request, env_number};
use crate::support::{free_port, missing};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// A notification sink on `port`: records each request head with when it came.
async fn sink_on(port: u16) -> Arc<Mutex<Vec<(Instant, String)>>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heads = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let heads = Arc::clone(&heads);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                heads
                    .lock()
                    .unwrap()
                    .push((Instant::now(), String::from_utf8_lossy(&head).into_owned()));
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    seen
}

fn set_offset(file: &Path, seconds: i64) {
    // libfaketime's relative form: "+0", "-600".
    std::fs::write(file, format!("{seconds:+}\n")).unwrap();
}

async fn status(env: &Env, id: &str) -> String {
    let answer = env
        .api_answered(
            "checkpaymentrequeststatus",
            &json!({ "PaymentRequestId": id }),
        )
        .await;
    answer.text.trim().trim_matches('"').to_owned()
}

/// The text of the first `<name>` element of `xml`.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + xml[start..].find('<')?;
    Some(&xml[start..end])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_set_back_expires_nothing_early_delays_no_retry_and_dates_receipts_sanely() {
    let _serial = crate::scenario::SERIAL.lock().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !Path::new(FAKETIME).exists() {
        return missing(
            &format!("no {FAKETIME} (Debian's libfaketime)"),
            "fault suites",
        );
    }
    let back = env_number("MAKSA_FAULT_CLOCK_BACK_SECONDS").unwrap_or(600) as i64;
    let dir = tempfile::tempdir().unwrap();
    let clock_file = dir.path().join("faketime");
    set_offset(&clock_file, 0);
    let path = dir.path().join("maksa.db");
    let url = format!("sqlite://{}", path.display());
    // The sink's port, not listening yet: deliveries fail and wait for a retry.
    let sink_port = free_port();
    let mut hub = Hub::prepare(dir.path(), &url, sink_port);
    hub.env = vec![
        ("LD_PRELOAD".into(), FAKETIME.into()),
        (
            "FAKETIME_TIMESTAMP_FILE".into(),
            clock_file.display().to_string(),
        ),
        ("FAKETIME_CACHE_DURATION".into(), "1".into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
    ];
    hub.start().await;
    let env = Env {
        http: hub.http.clone(),
        https: hub.https.clone(),
        rest: hub.rest_client(),
        sink: format!("http://127.0.0.1:{sink_port}/s2s?id="),
    };

    // Before the jump: requests expiring in 8 s, two cancelled (their
    // notifications fail: the sink is not up), one to be paid after the jump.
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let mut expiring = Vec::new();
    for _ in 0..3 {
        let at = now + time::Duration::seconds(8);
        expiring.push((create_request(&env, at).await, at));
    }
    let mut cancelled = Vec::new();
    for _ in 0..2 {
        let id = create_request(&env, now + time::Duration::days(1)).await;
        let answer = env
            .api_answered("cancelpaymentrequest", &json!({ "PaymentRequestId": id }))
            .await;
        assert!(answer.status.is_success(), "cancel: {}", answer.text);
        cancelled.push(id);
    }
    let to_pay = create_request(&env, now + time::Duration::days(1)).await;
    // Let the first deliveries fail and their retries be scheduled.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // The clock goes back.
    set_offset(&clock_file, -back);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ledger = Ledger::default();
    ledger.created(to_pay.clone(), now + time::Duration::days(1), false);
    let mut rng = StdRng::seed_from_u64(18);
    crate::payer::pay(&env, &ledger, &mut rng, &to_pay).await;
    let paid = status(&env, &to_pay).await;

    // The sink comes up: the retries scheduled before the jump must come
    // within seconds, not after `back` seconds.
    let heads = sink_on(sink_port).await;
    let sink_up = Instant::now();
    let wanted: Vec<String> = cancelled.clone();
    let mut delivered_after = None;
    let mut early = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        // Never R before the real ExpiryDate.
        for (id, at) in &expiring {
            if status(&env, id).await == "R" && OffsetDateTime::now_utc() < *at {
                early.push(id.clone());
            }
        }
        let got = heads.lock().unwrap().clone();
        if wanted
            .iter()
            .all(|id| got.iter().any(|(_, head)| head.contains(id.as_str())))
        {
            delivered_after = got.iter().map(|(at, _)| *at - sink_up).max();
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let still_p: usize = {
        let mut count = 0;
        for (id, _) in &expiring {
            if status(&env, id).await == "P" {
                count += 1;
            }
        }
        count
    };

    // The clock is set right: the expiries come within the worker's rounds.
    set_offset(&clock_file, 0);
    let restored = Instant::now();
    let mut expired_in = None;
    while restored.elapsed() < Duration::from_secs(30) {
        let mut all = true;
        for (id, at) in &expiring {
            let letter = status(&env, id).await;
            if letter == "R" && OffsetDateTime::now_utc() < *at {
                early.push(id.clone());
            }
            all &= letter == "R";
        }
        if all {
            expired_in = Some(restored.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // The receipt of the request paid on the set-back clock.
    let mut receipt = String::new();
    for _ in 0..50 {
        let response = env
            .rest
            .get(format!("{}/Invoices/Xml/{to_pay}", env.https))
            .send()
            .await
            .unwrap();
        if response.status().is_success() {
            receipt = response.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let parse = |name: &str| {
        element(&receipt, name)
            .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok())
            .unwrap_or_else(|| panic!("no {name} in the receipt:\n{receipt}"))
    };
    let (issued, created, paid_at) = (parse("IssuedAt"), parse("CreatedAt"), parse("PaidAt"));
    println!(
        "clock set back {back} s, 3 s after the first failed deliveries\n\
         the paid request: {paid}; receipt IssuedAt {issued}, CreatedAt {created}, PaidAt {paid_at}\n\
         retries delivered {} after the sink came up\n\
         requests past their ExpiryDate still P on the set-back clock: {still_p} of {}\n\
         expired {} after the clock was set right; seen R before their ExpiryDate: {}",
        delivered_after.map_or("never (30 s)".into(), |d| format!(
            "{:.1} s",
            d.as_secs_f64()
        )),
        expiring.len(),
        expired_in.map_or("not (30 s)".into(), |d| format!("{:.1} s", d.as_secs_f64())),
        early.len(),
    );
    hub.kill();
    assert!(
        early.is_empty(),
        "expired before their ExpiryDate: {early:?}"
    );
    assert!(
        delivered_after.is_some(),
        "the retries scheduled before the clock went back were not delivered within 30 s"
    );
    assert!(
        expired_in.is_some(),
        "requests past their ExpiryDate did not expire within 30 s of the clock being set right"
    );
    assert_eq!(paid, "E", "the request paid on the set-back clock");
    assert!(
        issued >= created && issued >= paid_at,
        "the receipt is dated {issued}, before the request's creation ({created}) or its payment ({paid_at})"
    );
}
