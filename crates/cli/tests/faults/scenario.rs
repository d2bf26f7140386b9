//! One run of a fault suite: the hub prepared as the crash harness prepares
//! it, the notification sink, the seven load tasks, and at the end the
//! harness's verdict printed and asserted.

use crate::database::Database;
use crate::hub::{Env, Hub};
use crate::ledger::{Call, Kind, Ledger};
use crate::{load, verdict};
use rand::Rng;
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::task::JoinHandle;

/// The suites run one at a time even when the test harness runs them side by
/// side (`cargo test --workspace`): each loads the 2-core CI machine on its own,
/// and their figures are meant to be read alone.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Run {
    pub name: &'static str,
    pub seed: u64,
    pub hub: Hub,
    pub env: Arc<Env>,
    pub ledger: Arc<Ledger>,
    pub database: Database,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
}

/// A whole number from the environment, if set.
pub fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {text:?}")),
    )
}

impl Run {
    /// Prepares the hub in `dir` on `database_url` (`hub_env` for its
    /// process), starts it and the load.
    pub async fn start(
        name: &'static str,
        dir: &Path,
        database_url: &str,
        database: Database,
        hub_env: Vec<(String, String)>,
    ) -> Run {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let seed = env_number("MAKSA_FAULT_SEED").unwrap_or_else(|| rand::rng().random());
        println!("{name}: seed {seed} (repeat with MAKSA_FAULT_SEED={seed})");
        let (sink_port, heads) = crate::support::notification_sink(Duration::ZERO).await;
        let mut hub = Hub::prepare(dir, database_url, sink_port);
        hub.env = hub_env;
        hub.start().await;
        let env = Arc::new(Env {
            http: hub.http.clone(),
            https: hub.https.clone(),
            rest: hub.rest_client(),
            sink: format!("http://127.0.0.1:{sink_port}/s2s?id="),
        });
        let ledger = Arc::new(Ledger::default());
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = load::spawn(&env, &ledger, seed, &stop);
        Run {
            name,
            seed,
            hub,
            env,
            ledger,
            database,
            heads,
            stop,
            tasks,
        }
    }

    /// Stops the load and waits for its tasks (payers finish what they began,
    /// repeating steps the hub did not answer).
    pub async fn stop_load(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks.drain(..) {
            tokio::time::timeout(Duration::from_secs(180), task)
                .await
                .expect("a load task did not finish")
                .unwrap();
        }
    }

    /// The crash harness's checks against the running hub; prints them and
    /// fails the test on any anomaly.
    pub async fn verdict(&mut self) {
        let verdict = verdict::check(&self.env, &self.ledger, &self.heads, &self.database).await;
        println!(
            "{}, seed {}:\n{}\nlost {}, doubled {}, unexplained {}, unnotified {}, not expired {}",
            self.name,
            self.seed,
            verdict.summary,
            verdict.count(Kind::Lost),
            verdict.count(Kind::Doubled),
            verdict.count(Kind::Unexplained),
            verdict.count(Kind::Unnotified),
            verdict.count(Kind::NotExpired),
        );
        for anomaly in verdict.anomalies.iter().take(50) {
            println!("  {} {}: {}", anomaly.kind, anomaly.request, anomaly.what);
        }
        assert!(
            verdict.anomalies.is_empty(),
            "{}: {} anomalies; repeat with MAKSA_FAULT_SEED={}",
            self.name,
            verdict.anomalies.len(),
            self.seed
        );
    }

    /// Calls of the load sent in `[from, to)`.
    pub fn calls_sent(&self, from: Instant, to: Instant) -> Vec<Call> {
        self.ledger
            .calls()
            .into_iter()
            .filter(|c| c.sent >= from && c.sent < to)
            .collect()
    }
}

/// Waits until `done` or `limit` passes; answers whether it became done.
pub async fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

/// Writes (creates, cancels) among `calls`.
pub fn writes(calls: &[Call]) -> impl Iterator<Item = &Call> {
    calls
        .iter()
        .filter(|c| c.method == "savepaymentrequest" || c.method == "cancelpaymentrequest")
}

/// `(answer, count)` of `calls`: `200`, `503 STORAGE_FULL`, `no answer` …
pub fn tally(calls: &[&Call]) -> String {
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for call in calls {
        let key = match (call.status, &call.code) {
            (None, _) => "no answer".to_owned(),
            (Some(status), None) => status.to_string(),
            (Some(status), Some(code)) => format!("{status} {code}"),
        };
        *counts.entry(key).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `PRAGMA integrity_check` of the SQLite file at `path`, read-only.
pub async fn sqlite_integrity(path: &Path) -> String {
    use sqlx::Connection;
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut connection = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    rows.join("; ")
}

/// The value of an unlabelled counter in `/metrics`.
pub async fn metric(env: &Env, name: &str) -> Option<u64> {
    // On the TLS listener: the plain one is the payers', where `/metrics` is
    // not found. A page that does not answer fails here, not as a zero.
    let response = env
        .rest
        .get(format!("{}/metrics", env.https))
        .send()
        .await
        .ok()?;
    assert_eq!(response.status().as_u16(), 200, "GET /metrics over TLS");
    let text = response.text().await.ok()?;
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// A request of one payment at the demo bank, expiring at `expires_at`, whose
/// notifications go to the suite's sink; answers its id.
pub async fn create_request(env: &Env, expires_at: OffsetDateTime) -> String {
    let body = json!({"PaymentsDataStructure": {"PaymentRequest": {
        "ServiceStep": "03G10",
        "PriceList": [{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}],
        "AllowedBanks": [{"SwiftCode": "DEMO0000"}],
        "ExpiryDate": expires_at.format(&Rfc3339).unwrap(),
        "ServerResponseUrl": env.sink,
    }}});
    let answer = env.api_answered("savepaymentrequest", &body).await;
    assert!(answer.status.is_success(), "create: {}", answer.text);
    answer.json()["PaymentRequestId"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase()
}
