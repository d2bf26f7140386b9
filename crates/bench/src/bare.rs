//! Ceiling B: the same rows the server writes, inserted straight into the
//! store in batches, from as many tasks as the store can use at once — no
//! HTTP, no JSON, no group-commit queue. What the database alone sustains.
//!
//! Ceiling C: SQLite alone, the same number of rows of the same width in
//! batches of the same size, into a table with nothing but its rowid key — what
//! the disk and SQLite's durable commit allow before any index or schema cost.

use crate::io::{BytesPerRow, IoCounters};
use crate::setup::demo_client;
use crate::stats::{Latency, micros, per_second};
use crate::workload::{create_input, expiry};
use anyhow::{Context, anyhow};
use maksa_app::clock::{Clock, OsEntropy, SystemClock};
use maksa_app::store::AuditEvent;
use maksa_app::store::prelude::*;
use maksa_domain::catalog::Catalog;
use maksa_domain::request::{CreationRules, PaymentRequest, create_payment_request};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, Serialize)]
pub struct BareInserts {
    pub writers: usize,
    pub batch_size: usize,
    pub rows: u64,
    pub failed_items: u64,
    pub batches: u64,
    pub elapsed_ms: u64,
    pub rows_per_s: u64,
    /// One `insert_payment_requests` call: one transaction, one flush.
    pub batch_latency: Latency,
    /// Building the rows beforehand (not part of the measured time).
    pub build_ms: u64,
    /// Bytes this process wrote per inserted row (`/proc/self/io`). For
    /// SQLite that is the WAL, checkpoint and temporary-file traffic of the
    /// rows, as the database runs inside this process; PostgreSQL writes in its own.
    pub bytes_per_row: Option<BytesPerRow>,
}

type Batch = Vec<(PaymentRequest, AuditEvent)>;

/// Builds `rows` requests exactly as `PaymentRequests::save` does (domain
/// validation against the demo catalogue, fresh random ids and numbers).
fn build(
    catalog: &Catalog,
    rules: &CreationRules,
    rows: u64,
    batch_size: usize,
    thumbprint: &str,
) -> anyhow::Result<Vec<Batch>> {
    let client = demo_client()?;
    let clock = SystemClock;
    let input = create_input(&expiry(clock.now())?);
    let mut batches = Vec::new();
    let mut batch = Vec::with_capacity(batch_size);
    for _ in 0..rows {
        let now = clock.now();
        let request = create_payment_request(&input, &client, catalog, rules, now, &mut OsEntropy)
            .map_err(|errors| anyhow!("the example request is invalid: {errors:?}"))?;
        let audit = AuditEvent {
            at: now,
            actor: client.to_string(),
            request_id: Some(request.id),
            kind: "payment_request.created".into(),
            detail: json!({
                "number": request.number.as_str(),
                "total_minor": request.terms.total.minor(),
                "currency": request.terms.currency.as_str(),
                "payments": request.payments.len(),
                "client_code_check": request.terms.payer.code_check,
                "certificate": thumbprint,
            }),
        };
        batch.push((request, audit));
        if batch.len() == batch_size {
            batches.push(std::mem::replace(
                &mut batch,
                Vec::with_capacity(batch_size),
            ));
        }
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    Ok(batches)
}

/// Inserts up to `rows` rows, stopping early after `limit`.
pub async fn bare_inserts(
    store: Arc<dyn Store>,
    catalog: &Catalog,
    rules: &CreationRules,
    rows: u64,
    batch_size: usize,
    limit: Duration,
    thumbprint: &str,
) -> anyhow::Result<BareInserts> {
    let batch_size = batch_size.max(1);
    let building = Instant::now();
    let batches = Arc::new(build(catalog, rules, rows, batch_size, thumbprint)?);
    let build_ms = u64::try_from(building.elapsed().as_millis()).unwrap_or(u64::MAX);
    let writers = store.write_concurrency().max(1);
    let next = Arc::new(AtomicUsize::new(0));
    let written_before = IoCounters::now();
    let started = Instant::now();
    let deadline = started + limit;
    let mut tasks = Vec::with_capacity(writers);
    for _ in 0..writers {
        let store = Arc::clone(&store);
        let batches = Arc::clone(&batches);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut inserted, mut failed) = (0u64, 0u64);
            while Instant::now() < deadline {
                let Some(batch) = batches.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let sent = Instant::now();
                let results = store.insert_payment_requests(batch).await?;
                latencies.push(micros(sent.elapsed()));
                for result in results {
                    if result.is_ok() {
                        inserted += 1;
                    } else {
                        failed += 1;
                    }
                }
            }
            Ok::<_, maksa_app::store::StoreError>((latencies, inserted, failed))
        }));
    }
    let mut latencies = Vec::new();
    let (mut inserted, mut failed) = (0, 0);
    for task in tasks {
        let (task_latencies, task_inserted, task_failed) = task
            .await
            .context("a writer task panicked")?
            .context("a batch insert failed")?;
        latencies.extend(task_latencies);
        inserted += task_inserted;
        failed += task_failed;
    }
    let elapsed = started.elapsed();
    let bytes_per_row = BytesPerRow::between(written_before, IoCounters::now(), inserted);
    Ok(BareInserts {
        writers,
        batch_size,
        rows: inserted,
        failed_items: failed,
        batches: latencies.len() as u64,
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        rows_per_s: per_second(inserted, elapsed),
        batch_latency: Latency::of(&mut latencies),
        build_ms,
        bytes_per_row,
    })
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RowidInserts {
    pub batch_size: usize,
    pub rows: u64,
    /// Mean bytes of one row's payload: the JSON of the request as built for
    /// ceiling B, with its audit detail — about what the store keeps of it.
    pub row_bytes: u64,
    pub elapsed_ms: u64,
    pub rows_per_s: u64,
    /// One batch: one transaction, one flush.
    pub batch_latency: Latency,
    pub bytes_per_row: Option<BytesPerRow>,
}

/// Ceiling C: `rows` rows as wide as the requests of ceiling B, inserted into a
/// rowid-only table of a new SQLite database at `path`, `batch_size` per
/// transaction, one writer, with the store's durability (WAL, synchronous=FULL)
/// and a cached prepared insert. Stops early after `limit`.
pub async fn rowid_inserts(
    path: &std::path::Path,
    catalog: &Catalog,
    rules: &CreationRules,
    rows: u64,
    batch_size: usize,
    limit: Duration,
) -> anyhow::Result<RowidInserts> {
    use sqlx::Connection as _;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let batch_size = batch_size.max(1);
    let payloads: Vec<Vec<String>> = build(catalog, rules, rows, batch_size, "")?
        .iter()
        .map(|batch| {
            batch
                .iter()
                .map(|(request, audit)| {
                    serde_json::to_string(&(request, &audit.detail)).unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let total_bytes: usize = payloads.iter().flatten().map(String::len).sum();
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
    sqlx::query("CREATE TABLE ceiling_c (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT")
        .execute(&mut connection)
        .await?;
    let written_before = IoCounters::now();
    let started = Instant::now();
    let deadline = started + limit;
    let mut latencies = Vec::new();
    let mut inserted = 0u64;
    for batch in &payloads {
        if Instant::now() >= deadline {
            break;
        }
        let sent = Instant::now();
        let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
        for body in batch {
            sqlx::query("INSERT INTO ceiling_c (body) VALUES (?1)")
                .bind(body.as_str())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        latencies.push(micros(sent.elapsed()));
        inserted += batch.len() as u64;
    }
    let elapsed = started.elapsed();
    let bytes_per_row = BytesPerRow::between(written_before, IoCounters::now(), inserted);
    connection.close().await?;
    let built = payloads.iter().map(Vec::len).sum::<usize>().max(1);
    Ok(RowidInserts {
        batch_size,
        rows: inserted,
        row_bytes: (total_bytes / built) as u64,
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        rows_per_s: per_second(inserted, elapsed),
        batch_latency: Latency::of(&mut latencies),
        bytes_per_row,
    })
}
