//! The console's dashboard on a large database (issue 17): N payment
//! requests (default 1,000,000) created evenly over the 365 days (or DAYS) before
//! 2026-11-30, 70 % of them paid at one of four banks, each with one attempt
//! (executed when paid, else rejected or left open), inserted in batches
//! through the store port; then the dashboard of the default range (the last
//! 30 Riga days) is computed — `Dashboard::view`, every query of the page —
//! and rendered (`maksa_server::dashboard_html`, the page's body) again and
//! again, and the median and p99 of those runs are printed. The 366-day
//! range is timed too; and, for comparison, the same queries asked of the
//! rows themselves (`DashboardStore::counted_from_rows`, what the dashboard ran
//! before the roll-up of migration 0018).
//!
//! ```text
//! cargo run --release -p maksa-bench --bin dashboard-bench -- [sqlite|postgres] [REQUESTS] [RUNS] [DAYS]
//! ```
//! The database is made fresh (SQLite in a directory under `.`, removed at
//! the end; PostgreSQL a throw-away database) and analysed after seeding.

#![allow(clippy::print_stdout)]

use anyhow::Context;
use maksa_app::dashboard::Dashboard;
use maksa_app::store::AuditEvent;
use maksa_app::store::prelude::*;
use maksa_domain::attempt::AttemptState;
use maksa_domain::ids::{PaymentRequestId, PurposeId, RequestNumber};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use maksa_server::labels::Lang;
use maksa_store_tests::fixtures::{
    client, creation_audit, provider, sample_attempt, single_payment_request,
};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};
use time::Duration;
use time::macros::{date, datetime};

/// Requests inserted per store call.
const INSERT_BATCH: usize = 1000;
const BANKS: [&str; 4] = ["HABALV22", "UNLALV2X", "PARXLV22", "RIKOLV2X"];

/// 64 pseudo-random bits of `seed` and `salt` (splitmix64).
fn scrambled(seed: u64, salt: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn random_bytes<const N: usize>(seed: u64, salt: u64) -> [u8; N] {
    let mut bytes = [0u8; N];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = scrambled(seed, salt.wrapping_add(i as u64)).to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    bytes
}

/// Request `seed` of `total`, created at its place in the year, and its one
/// attempt.
fn request(seed: u64, total: u64, days: i64) -> (PaymentRequest, maksa_domain::attempt::Attempt) {
    let start = datetime!(2026-11-30 00:00 UTC) - Duration::days(days);
    let year_micros: i64 = days * 86_400 * 1_000_000;
    let offset = i64::try_from(
        u128::from(seed) * u128::try_from(year_micros).unwrap_or(0) / u128::from(total.max(1)),
    )
    .unwrap_or(0);
    let at = start + Duration::microseconds(offset);
    let mut request = single_payment_request(&client("bench.dashboard"), seed);
    request.id = PaymentRequestId::time_ordered(at, random_bytes(seed, 1));
    // The fixture's number is drawn from 8 random letters: among a million
    // requests two would likely share one (a UNIQUE conflict); a number
    // made of the seed is unique.
    request.number = RequestNumber::from_stored(format!("B{seed:09}"));
    request.created_at = at;
    request.status_changed_at = at;
    request.terms.expires_at = at + Duration::days(30);
    for payment in &mut request.payments {
        let old = payment.purpose_id.as_str().to_owned();
        payment.purpose_id = PurposeId::time_ordered(at, random_bytes(seed, 2));
        payment.purpose = payment
            .purpose
            .replacen(&old, payment.purpose_id.as_str(), 1);
    }
    let bank = BANKS[usize::try_from(scrambled(seed, 3) % 4).unwrap_or(0)];
    let roll = scrambled(seed, 4) % 100;
    let mut attempt = sample_attempt(&request, 1, seed, at + Duration::seconds(20));
    attempt.provider = provider(bank);
    if roll < 70 {
        let wait = i64::try_from(scrambled(seed, 5) % 600).unwrap_or(0);
        let paid_at = at + Duration::seconds(20 + wait);
        request.status = Status::Executed;
        request.status_changed_at = paid_at;
        for payment in &mut request.payments {
            payment.status = Status::Executed;
            payment.paid_at = Some(paid_at);
            payment.provider = Some(provider(bank));
        }
        attempt.state = AttemptState::Executed;
        attempt.updated_at = paid_at;
    } else if roll < 85 {
        attempt.state = AttemptState::Rejected;
        attempt.updated_at = attempt.created_at + Duration::seconds(40);
    }
    (request, attempt)
}

/// Every query `Dashboard::view` makes for `from`..`to`, asked of the rows
/// themselves (`DashboardStore::counted_from_rows`: the queries the dashboard ran
/// before the roll-up, migration 0018), without the page.
async fn counted_from_rows(
    store: &dyn Store,
    from: time::Date,
    to: time::Date,
) -> anyhow::Result<()> {
    let rows = store.counted_from_rows();
    let spans = maksa_app::dashboard::riga_spans(from, to).map_err(|e| anyhow::anyhow!("{e}"))?;
    for span in &spans {
        rows.paid_by_provider(span).await?;
        rows.paid_by_service(span).await?;
        rows.requests_by_day(span).await?;
    }
    let start = spans.first().context("a span")?.start;
    let end = spans.last().context("a span")?.end;
    rows.attempt_tallies(start, end).await?;
    rows.confirmation_times(start, end).await?;
    rows.notification_health(start, end).await?;
    rows.queues().await?;
    Ok(())
}

async fn timed_from_rows(
    store: &dyn Store,
    from: time::Date,
    to: time::Date,
    runs: usize,
) -> anyhow::Result<(String, String)> {
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs + 3 {
        let started = Instant::now();
        counted_from_rows(store, from, to).await?;
        if run >= 3 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    Ok((percentile(&times, 50), percentile(&times, 99)))
}

/// The nearest-rank percentile `p` of sorted times, as `12.3` milliseconds.
fn percentile(sorted: &[StdDuration], p: usize) -> String {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    let micros = sorted.get(rank - 1).map(|d| d.as_micros()).unwrap_or(0);
    format!("{}.{}", micros / 1000, (micros % 1000) / 100)
}

async fn timed(
    dashboard: &Dashboard,
    from: time::Date,
    to: time::Date,
    runs: usize,
) -> anyhow::Result<(String, String, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for run in 0..runs + 3 {
        let started = Instant::now();
        let view = dashboard
            .view(from, to)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let html = maksa_server::dashboard_html(Lang::En, &view, Some(0));
        let took = started.elapsed();
        size = html.len();
        // The first runs warm the caches.
        if run >= 3 {
            times.push(took);
        }
    }
    times.sort();
    Ok((percentile(&times, 50), percentile(&times, 99), size))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let backend = args.next().unwrap_or_else(|| "sqlite".into());
    let total: u64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let runs: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(50);
    // Over how many days before 2026-11-30 the requests are spread: fewer
    // requests over fewer days give a month the density of the full run.
    let days: i64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(365);

    let directory = tempfile::Builder::new()
        .prefix("maksa-dashboard-")
        .tempdir_in(".")?;
    let (url, _postgres) = if backend == "postgres" {
        let (url, guard) = maksa_store_tests::fresh_postgres_database().await;
        (Some(url), Some(guard))
    } else {
        (None, None)
    };
    let store: Arc<dyn Store> = if backend == "postgres" {
        let store =
            maksa_store_postgres::PostgresStore::connect(url.as_deref().context("a URL")?).await?;
        store.migrate().await?;
        Arc::new(store)
    } else {
        let store =
            maksa_store_sqlite::SqliteStore::open(&directory.path().join("maksa.db")).await?;
        store.migrate().await?;
        Arc::new(store)
    };

    let started = Instant::now();
    let mut from = 0u64;
    while from < total {
        let to = (from + INSERT_BATCH as u64).min(total);
        let made: Vec<_> = (from..to).map(|seed| request(seed, total, days)).collect();
        let batch: Vec<(PaymentRequest, AuditEvent)> = made
            .iter()
            .map(|(r, _)| (r.clone(), creation_audit(r)))
            .collect();
        for result in store.insert_payment_requests(&batch).await? {
            result.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let mut work = store.begin().await?;
        for (_, attempt) in &made {
            work.insert_attempt(attempt, attempt.created_at + Duration::minutes(5))
                .await?;
        }
        work.commit().await?;
        from = to;
    }
    println!(
        "{backend}: {total} requests with their attempts made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Statistics for the planner, as a database that has run a while has.
    if let Some(url) = &url {
        let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        sqlx::query("VACUUM ANALYZE")
            .execute(&mut connection)
            .await?;
    } else {
        let path = directory.path().join("maksa.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let mut connection =
            <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options).await?;
        sqlx::query("ANALYZE").execute(&mut connection).await?;
    }

    let dashboard = Dashboard::new(store.clone());
    let today = date!(2026 - 11 - 30);
    let month = timed(&dashboard, today - Duration::days(29), today, runs).await?;
    let year = timed(&dashboard, today - Duration::days(365), today, runs.min(10)).await?;
    let rows_month = timed_from_rows(
        store.as_ref(),
        today - Duration::days(29),
        today,
        runs.min(10),
    )
    .await?;
    let rows_year = timed_from_rows(
        store.as_ref(),
        today - Duration::days(365),
        today,
        runs.min(5),
    )
    .await?;
    println!("| backend | requests | range | runs | median ms | p99 ms | body KB |");
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
    println!(
        "| {backend} | {total} | 30 days | {runs} | {} | {} | {} |",
        month.0,
        month.1,
        month.2 / 1024
    );
    println!(
        "| {backend} | {total} | 366 days | {} | {} | {} | {} |",
        runs.min(10),
        year.0,
        year.1,
        year.2 / 1024
    );
    println!(
        "| {backend} | {total} | 30 days, queries from the rows (no roll-up, no page) | {} | {} | {} | |",
        runs.min(10),
        rows_month.0,
        rows_month.1
    );
    println!(
        "| {backend} | {total} | 366 days, queries from the rows (no roll-up, no page) | {} | {} | {} | |",
        runs.min(5),
        rows_year.0,
        rows_year.1
    );
    Ok(())
}
