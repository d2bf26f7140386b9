//! Ceiling B: the same rows the server writes, inserted straight into the
//! store in batches, from as many tasks as the store can use at once — no
//! HTTP, no JSON, no group-commit queue. What the database alone sustains.

use crate::setup::demo_client;
use crate::stats::{Latency, micros, per_second};
use crate::workload::{create_input, expiry};
use anyhow::{Context, anyhow};
use maksa_app::clock::{Clock, OsEntropy, SystemClock};
use maksa_app::store::{AuditEvent, Store};
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
    /// Bytes this process wrote (`wchar` of /proc/self/io) per inserted row.
    /// For SQLite that is the WAL and checkpoint traffic of the rows, as the
    /// database runs inside this process; PostgreSQL writes in its own.
    pub process_bytes_written_per_row: Option<u64>,
}

/// Bytes this process has written through system calls so far (Linux only).
fn bytes_written() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse().ok())
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
    let written_before = bytes_written();
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
    let written = written_before
        .zip(bytes_written())
        .map(|(before, after)| after.saturating_sub(before));
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
        process_bytes_written_per_row: written.and_then(|w| w.checked_div(inserted)),
    })
}
