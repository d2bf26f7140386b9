//! The mixed load: tasks that create requests (some expiring within seconds),
//! pay them through the demo bank, cancel them and read their status, each
//! recording in the ledger what the hub acknowledged. A call cut off by a kill
//! acknowledges nothing.

use crate::hub::{Answer, Env};
use crate::ledger::{Call, Kind, Ledger, bump};
use crate::payer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The load's seven tasks — two creators, three payers, a canceller and a
/// reader — each with its own choices drawn from `seed`, running until `stop`.
pub fn spawn(
    env: &Arc<Env>,
    ledger: &Arc<Ledger>,
    seed: u64,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut task_seed = 0u64;
    let mut next_rng = || {
        task_seed = task_seed.wrapping_add(1);
        StdRng::seed_from_u64(seed ^ task_seed.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    };
    let mut tasks = Vec::new();
    for _ in 0..2 {
        tasks.push(tokio::spawn(creator(
            Arc::clone(env),
            Arc::clone(ledger),
            next_rng(),
            Arc::clone(stop),
        )));
    }
    for _ in 0..3 {
        tasks.push(tokio::spawn(payer(
            Arc::clone(env),
            Arc::clone(ledger),
            next_rng(),
            Arc::clone(stop),
        )));
    }
    tasks.push(tokio::spawn(canceller(
        Arc::clone(env),
        Arc::clone(ledger),
        next_rng(),
        Arc::clone(stop),
    )));
    tasks.push(tokio::spawn(reader(
        Arc::clone(env),
        Arc::clone(ledger),
        next_rng(),
        Arc::clone(stop),
    )));
    tasks
}

/// An API call of the load, recorded in the ledger with its answer and times.
async fn call(
    env: &Env,
    ledger: &Ledger,
    method: &'static str,
    body: &serde_json::Value,
) -> Result<Answer, reqwest::Error> {
    let sent = Instant::now();
    let result = env.api(method, body).await;
    let (status, code, retry_after) = match &result {
        Ok(answer) => (
            Some(answer.status.as_u16()),
            answer.error.clone(),
            answer.retry_after.clone(),
        ),
        Err(_) => (None, None, None),
    };
    ledger.call(Call {
        method,
        sent,
        answered: Instant::now(),
        status,
        code,
        retry_after,
    });
    result
}

async fn pause(rng: &mut StdRng, millis: std::ops::RangeInclusive<u64>) {
    tokio::time::sleep(Duration::from_millis(rng.random_range(millis))).await;
}

/// `savepaymentrequest`: one payment of 1 × position 2346, a quarter of them
/// expiring 2–8 seconds from now, the others tomorrow.
pub async fn creator(env: Arc<Env>, ledger: Arc<Ledger>, mut rng: StdRng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let near_expiry = rng.random_ratio(1, 4);
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let expires_at = if near_expiry {
            now + time::Duration::seconds(rng.random_range(2..=8))
        } else {
            now + time::Duration::days(1)
        };
        let body = json!({"PaymentsDataStructure": {"PaymentRequest": {
            "ServiceStep": "03G10",
            "PriceList": [{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}],
            "AllowedBanks": [{"SwiftCode": "DEMO0000"}],
            "ExpiryDate": expires_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
            "ServerResponseUrl": env.sink,
        }}});
        bump(&ledger.counts.create_sent);
        match call(&env, &ledger, "savepaymentrequest", &body).await {
            Ok(answer) if answer.status.is_success() => {
                let id = answer.json()["PaymentRequestId"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase();
                ledger.created(id, expires_at, near_expiry);
            }
            Ok(_) => bump(&ledger.counts.create_refused),
            Err(_) => {
                bump(&ledger.counts.create_unanswered);
                pause(&mut rng, 50..=150).await;
            }
        }
        pause(&mut rng, 10..=80).await;
    }
}

/// Pays open requests; one pick in ten may be a request another payer is
/// already paying (two tabs: the hub must start one attempt only).
pub async fn payer(env: Arc<Env>, ledger: Arc<Ledger>, mut rng: StdRng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let twice = rng.random_ratio(1, 10);
        let picked = ledger.pick(
            &mut rng,
            |t| t.acked_final.is_none() && (twice || !t.pay_tried),
            |t| t.pay_tried = true,
        );
        match picked {
            Some(id) => payer::pay(&env, &ledger, &mut rng, &id).await,
            None => pause(&mut rng, 50..=100).await,
        }
        pause(&mut rng, 20..=150).await;
    }
}

/// `cancelpaymentrequest`, repeated until answered: a cancel cut off by a kill
/// may have committed, and its repetition is then refused.
pub async fn canceller(env: Arc<Env>, ledger: Arc<Ledger>, mut rng: StdRng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        pause(&mut rng, 50..=300).await;
        let Some(id) = ledger.pick(
            &mut rng,
            |t| t.acked_final.is_none(),
            |t| t.cancel_tried = true,
        ) else {
            continue;
        };
        bump(&ledger.counts.cancel_sent);
        let body = json!({ "PaymentRequestId": id });
        for _ in 0..300 {
            match call(&env, &ledger, "cancelpaymentrequest", &body).await {
                Ok(answer) if answer.status.is_success() => {
                    bump(&ledger.counts.cancelled);
                    ledger.ack_final(&id, 'C', "a cancel answered OK");
                    break;
                }
                // 503 (UNAVAILABLE, STORAGE_FULL, STORAGE_FAILED): nothing
                // changed, try again; anything else is the hub's refusal.
                Ok(answer) if answer.status != reqwest::StatusCode::SERVICE_UNAVAILABLE => {
                    bump(&ledger.counts.cancel_refused);
                    break;
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

/// `checkpaymentrequeststatus`: a final letter read is acknowledged like any
/// other; P read after a final status was acknowledged is a loss.
pub async fn reader(env: Arc<Env>, ledger: Arc<Ledger>, mut rng: StdRng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        pause(&mut rng, 10..=60).await;
        let Some(id) = ledger.pick(&mut rng, |_| true, |_| {}) else {
            continue;
        };
        let known_before = ledger.track(&id).and_then(|t| t.acked_final);
        let body = json!({ "PaymentRequestId": id });
        let Ok(answer) = call(&env, &ledger, "checkpaymentrequeststatus", &body).await else {
            continue;
        };
        bump(&ledger.counts.reads);
        if !answer.status.is_success() {
            if answer.status == reqwest::StatusCode::NOT_FOUND
                || answer.error.as_deref() == Some("NOT_FOUND")
            {
                ledger.anomaly(
                    Kind::Lost,
                    &id,
                    format!(
                        "a status read answered {} {:?}",
                        answer.status, answer.error
                    ),
                );
            }
            continue;
        }
        match answer.text.trim() {
            "P" => {
                if let Some((letter, how)) = known_before {
                    ledger.anomaly(
                        Kind::Lost,
                        &id,
                        format!("a status read answered P after {letter} ({how})"),
                    );
                }
            }
            "E" => ledger.ack_final(&id, 'E', "a status read"),
            "R" => ledger.ack_final(&id, 'R', "a status read"),
            "C" => ledger.ack_final(&id, 'C', "a status read"),
            "O" => ledger.ack_final(&id, 'O', "a status read"),
            other => ledger.anomaly(
                Kind::Unexplained,
                &id,
                format!("a status read answered {other:?}"),
            ),
        }
    }
}
