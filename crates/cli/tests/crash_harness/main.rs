//! The crash harness (issue 12, "Crash proof"): `maksa serve` on SQLite and on
//! PostgreSQL under a mixed load — creates, payments through the demo bank,
//! cancels, expiries, status reads — is killed with SIGKILL at random moments
//! and restarted on the same database, cycle after cycle. The load records
//! every fact the hub acknowledged (`ledger.rs`); after a final clean start the
//! harness checks from outside (`verdict.rs`) that nothing acknowledged was
//! lost, nothing was counted twice, and every final status reached the
//! notification sink, which lives in this process and so survives every kill.
//!
//! `MAKSA_CRASH_CYCLES` (default 10 per backend) and `MAKSA_CRASH_SEED` (printed
//! at the start; it fixes the kill moments and every task's choices, not the
//! threads' interleaving) set a run. docs/RELIABILITY.md, "Crash harness".

#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod database;
mod hub;
mod ledger;
mod load;
mod payer;
mod verdict;

use database::Database;
use hub::{Env, Hub};
use ledger::{Kind, Ledger, bump};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const DEFAULT_CYCLES: u64 = 10;

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A whole number from the environment, if set.
fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {text:?}")),
    )
}

/// Whether the PostgreSQL of the tests answers at all.
fn postgres_reachable() -> bool {
    let admin = maksa_store_tests::databases::postgres_admin_url();
    let address = admin
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432")
        .to_owned();
    use std::net::ToSocketAddrs;
    address.to_socket_addrs().is_ok_and(|mut addrs| {
        addrs.any(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
    })
}

async fn run(backend: Backend) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cycles = env_number("MAKSA_CRASH_CYCLES").unwrap_or(DEFAULT_CYCLES);
    let seed = env_number("MAKSA_CRASH_SEED").unwrap_or_else(|| rand::rng().random());
    let dir = tempfile::tempdir().unwrap();
    let (database_url, database, _postgres) = match backend {
        Backend::Sqlite => {
            let path = dir.path().join("maksa.db");
            (
                format!("sqlite://{}", path.display()),
                Database::Sqlite(path),
                None,
            )
        }
        Backend::Postgres => {
            if !postgres_reachable() {
                support::missing(
                    "PostgreSQL is not reachable at 127.0.0.1:5432",
                    "PostgreSQL crash harness runs",
                );
                return;
            }
            let (url, guard) = maksa_store_tests::fresh_postgres_database().await;
            (url.clone(), Database::Postgres(url), Some(guard))
        }
    };
    println!(
        "crash harness on {backend:?}: {cycles} cycles, seed {seed} \
         (repeat with MAKSA_CRASH_SEED={seed} MAKSA_CRASH_CYCLES={cycles})"
    );
    let (sink_port, heads) = support::notification_sink(Duration::ZERO).await;
    let mut hub = Hub::prepare(dir.path(), &database_url, sink_port);
    hub.start().await;
    let env = Arc::new(Env {
        http: hub.http.clone(),
        https: hub.https.clone(),
        rest: hub.rest_client(),
        sink: format!("http://127.0.0.1:{sink_port}/s2s?id="),
    });
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));

    // The load: every task with its own seeded choices.
    let tasks = load::spawn(&env, &ledger, seed, &stop);

    // The kills: the server runs 0.3–2.5 s under load, dies, and is started
    // again on the same database after 0–0.3 s.
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..cycles {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..=2500))).await;
        hub.kill();
        bump(&ledger.counts.kills);
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..=300))).await;
        hub.start().await;
    }
    // The final clean start is running: a last stretch of load, then the
    // payers finish what they began (repeating steps the kills cut off).
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(180), task)
            .await
            .expect("a load task did not finish")
            .unwrap();
    }

    let verdict = verdict::check(&env, &ledger, &heads, &database).await;
    let lost = verdict.count(Kind::Lost);
    let doubled = verdict.count(Kind::Doubled);
    println!(
        "crash harness on {backend:?}, seed {seed}, {cycles} cycles:\n{}\n\
         lost {lost}, doubled {doubled}, unexplained {}, unnotified {}, not expired {}",
        verdict.summary,
        verdict.count(Kind::Unexplained),
        verdict.count(Kind::Unnotified),
        verdict.count(Kind::NotExpired),
    );
    for anomaly in verdict.anomalies.iter().take(50) {
        println!("  {} {}: {}", anomaly.kind, anomaly.request, anomaly.what);
    }
    hub.kill();
    assert!(
        verdict.anomalies.is_empty(),
        "the crash harness on {backend:?} found {} anomalies (lost {lost}, doubled {doubled}); \
         repeat with MAKSA_CRASH_SEED={seed} MAKSA_CRASH_CYCLES={cycles}",
        verdict.anomalies.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_loses_and_doubles_nothing_across_kill_9() {
    run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_loses_and_doubles_nothing_across_kill_9() {
    run(Backend::Postgres).await;
}
