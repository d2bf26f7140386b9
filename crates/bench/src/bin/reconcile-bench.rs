//! Statement import and matching rate (issue 14): a generated camt.053 of N
//! entries, of which a share names payments in the database, imported by
//! `Treasury::import` — the code `maksa treasury import` runs — in a child
//! process of its own, whose peak memory (VmHWM) it reports. Beside it, in the
//! same run, the ceiling: the statement reader alone over the same file
//! (parse and count, nothing stored).
//!
//! ```text
//! cargo run --release -p maksa-bench --bin reconcile-bench -- [sqlite|postgres] [ENTRIES] [MATCH%]
//! ```
//! Defaults: sqlite, 1,000,000 entries, 90 % matching. The database, the
//! statement file and the payments are made fresh in a directory under `.`
//! that is removed at the end.

#![allow(clippy::print_stdout)]

use anyhow::Context;
use maksa_app::clock::SystemClock;
use maksa_app::store::AuditEvent;
use maksa_app::store::prelude::*;
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::request::PaymentRequest;
use maksa_store_tests::fixtures::{client, creation_audit, single_payment_request};
use maksa_treasury::camt::{self, Message};
use maksa_treasury::camt_writer::{EntryToWrite, StatementHeader, write_statement};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Requests inserted per store call while the payments are made.
const INSERT_BATCH: usize = 1000;
/// The statement's account: the fixtures' first payee.
const ACCOUNT: &str = "LV44HABA0551000000001";

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn open(
    backend: &str,
    directory: &Path,
    url: Option<&str>,
) -> anyhow::Result<Arc<dyn Store>> {
    Ok(if backend == "postgres" {
        let url = url.context("a PostgreSQL URL")?;
        let store = maksa_store_postgres::PostgresStore::connect(url).await?;
        store.migrate().await?;
        Arc::new(store)
    } else {
        let store = maksa_store_sqlite::SqliteStore::open(&directory.join("maksa.db")).await?;
        store.migrate().await?;
        Arc::new(store)
    })
}

/// The child: imports the file and prints `seconds transactions peak_kib`.
async fn child(
    backend: &str,
    directory: &Path,
    file: &Path,
    url: Option<&str>,
) -> anyhow::Result<()> {
    let store = open(backend, directory, url).await?;
    let treasury = Treasury::new(store, Arc::new(SystemClock), TreasurySettings::default());
    let input = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(file)?);
    let started = Instant::now();
    let report = treasury
        .import("bench.xml", input, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let micros = started.elapsed().as_micros();
    let settled = report
        .outcomes
        .iter()
        .find(|(o, _)| o == "settled")
        .map(|(_, n)| *n)
        .unwrap_or(0);
    println!(
        "{micros} {} {settled} {}",
        report.counts.transactions,
        peak_rss_kib()
    );
    Ok(())
}

fn payment_requests(from: usize, to: usize) -> Vec<PaymentRequest> {
    let owner = client("bench.treasury");
    (from..to)
        .map(|seed| single_payment_request(&owner, u64::try_from(seed).unwrap_or(0)))
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let backend = args.next().unwrap_or_else(|| "sqlite".into());
    if backend == "--child" {
        let backend = args.next().context("backend")?;
        let directory = PathBuf::from(args.next().context("directory")?);
        let file = PathBuf::from(args.next().context("file")?);
        let url = args.next();
        return child(&backend, &directory, &file, url.as_deref()).await;
    }
    let entries: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let share: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(90);
    let matching = entries.saturating_mul(share) / 100;

    let directory = tempfile::Builder::new()
        .prefix("maksa-reconcile-")
        .tempdir_in(".")?;
    let (url, _postgres) = if backend == "postgres" {
        let (url, guard) = maksa_store_tests::fresh_postgres_database().await;
        (Some(url), Some(guard))
    } else {
        (None, None)
    };
    let store = open(&backend, directory.path(), url.as_deref()).await?;

    // The payments the statement pays.
    let started = Instant::now();
    let mut purposes: Vec<(String, i64)> = Vec::with_capacity(matching);
    let mut from = 0;
    while from < matching {
        let to = (from + INSERT_BATCH).min(matching);
        let requests = payment_requests(from, to);
        let batch: Vec<(PaymentRequest, AuditEvent)> = requests
            .iter()
            .map(|r| (r.clone(), creation_audit(r)))
            .collect();
        for result in store.insert_payment_requests(&batch).await? {
            result.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        for request in &requests {
            let payment = &request.payments[0];
            purposes.push((
                payment.purpose_id.as_str().to_owned(),
                payment.amount.minor(),
            ));
        }
        from = to;
    }
    println!(
        "{backend}: {matching} payments made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(store);

    // The statement, streamed to a file.
    let file = directory.path().join("statement.xml");
    let euro = Currency::parse("EUR").context("EUR")?;
    let total: i64 = purposes.iter().map(|(_, minor)| minor).sum::<i64>()
        + i64::try_from(entries - matching).unwrap_or(0) * 1_000;
    let header = StatementHeader {
        message: Message::Statement,
        message_id: "BENCH-1".into(),
        created_at: time::OffsetDateTime::now_utc(),
        statement_id: "BENCH-STMT-1".into(),
        account_iban: ACCOUNT.into(),
        currency: euro,
        servicer_bic: "TRELLV22".into(),
        date: "2026-11-30".into(),
        opening: Some((Amount::ZERO, true)),
        closing: Some((
            Amount::from_minor(total).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            true,
        )),
    };
    let purposes = Arc::new(purposes);
    let lines = {
        let purposes = Arc::clone(&purposes);
        (0..entries).map(move |i| {
            let (remittance, minor) = match purposes.get(i) {
                Some((id, minor)) => (vec![format!("{id} Valsts nodeva")], *minor),
                None => (vec![format!("Rēķins Nr. {i} bez identifikatora")], 1_000),
            };
            EntryToWrite {
                amount: Amount::from_minor(minor).unwrap_or(Amount::ZERO),
                currency: euro,
                credit: true,
                reversal: false,
                booked: true,
                booking_date: "2026-11-30".into(),
                value_date: "2026-11-30".into(),
                account_servicer_reference: Some(format!("TREL{i:012}")),
                entry_reference: None,
                end_to_end_id: Some(format!("E2E{i}")),
                remittance,
                structured_reference: None,
                counterparty_name: Some("Jānis Bērziņš".into()),
                counterparty_iban: Some("LV80BANK0000435195001".into()),
            }
        })
    };
    let started = Instant::now();
    write_statement(std::fs::File::create(&file)?, &header, lines)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let size = std::fs::metadata(&file)?.len();
    println!(
        "statement: {entries} entries, {} MB, written in {:.1} s",
        size / 1_000_000,
        started.elapsed().as_secs_f64()
    );

    // Ceiling: the reader alone.
    let started = Instant::now();
    let mut counted = 0u64;
    let summary = camt::read_entries(
        std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(&file)?),
        |_entry| {
            counted += 1;
            Ok::<(), std::convert::Infallible>(())
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let read_micros = started.elapsed().as_micros().max(1);
    anyhow::ensure!(summary.entries == counted, "the reader lost entries");

    // The import, in a process of its own (its peak memory is the import's).
    // MAKSA_BENCH_KEEP=1 keeps the database and the statement (to profile the import alone).
    if std::env::var_os("MAKSA_BENCH_KEEP").is_some() {
        let kept = directory.keep();
        println!(
            "kept: {} --child {backend} {} {}",
            std::env::current_exe()?.display(),
            kept.display(),
            kept.join("statement.xml").display()
        );
        return Ok(());
    }
    let me = std::env::current_exe()?;
    let mut command = std::process::Command::new(me);
    command
        .arg("--child")
        .arg(&backend)
        .arg(directory.path())
        .arg(&file);
    if let Some(url) = &url {
        command.arg(url);
    }
    let output = command.output()?;
    anyhow::ensure!(
        output.status.success(),
        "the import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let micros: u128 = fields.first().context("micros")?.parse::<u128>()?.max(1);
    let transactions: u64 = fields.get(1).context("transactions")?.parse()?;
    let settled: u64 = fields.get(2).context("settled")?.parse()?;
    let peak_kib: u64 = fields.get(3).context("peak")?.parse()?;
    anyhow::ensure!(transactions == entries as u64, "not every entry imported");
    anyhow::ensure!(
        settled == matching as u64,
        "not every matching entry settled"
    );
    println!(
        "| backend | entries | of which settle | import s | entries/s | peak memory of the import process | ceiling: reader alone, entries/s |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let per_second = |count: usize, micros: u128| {
        u128::try_from(count)
            .unwrap_or(0)
            .saturating_mul(1_000_000)
            .checked_div(micros)
            .unwrap_or(0)
    };
    println!(
        "| {backend} | {entries} | {settled} | {}.{:01} | {} | {} MB | {} |",
        micros / 1_000_000,
        (micros / 100_000) % 10,
        per_second(entries, micros),
        peak_kib / 1024,
        per_second(entries, read_micros)
    );
    Ok(())
}
