//! Statement import and matching rate (issue 14): a generated camt.053 of N
//! entries, of which a share names payments in the database, imported by
//! `Treasury::import` — the code `maksa treasury import` runs — in a child
//! process of its own, whose peak memory (VmHWM) it reports. Beside it, in the
//! same run, the ceiling: the statement reader alone over the same file
//! (parse and count, nothing stored).
//!
//! ```text
//! cargo run --release -p maksa-bench --bin reconcile-bench -- [sqlite|postgres] [ENTRIES] [MATCH%] [random-ids]
//! ```
//! Defaults: sqlite, 1,000,000 entries, 90 % matching. The database, the
//! statement file and the payments are made fresh in a directory under `.`
//! that is removed at the end.
//!
//! The payments carry ids as the hub makes them: time-ordered request and
//! purpose ids (`PaymentRequestId::time_ordered`, `PurposeId::time_ordered`),
//! created one every 40 ms through the statement's day, which lists them in
//! that order. `random-ids` keeps the test fixture's random (version 4,
//! random base-36) ids instead: every look-up then lands on a random page,
//! the worst case a store could be handed.

#![allow(clippy::print_stdout)]

use anyhow::Context;
use maksa_app::clock::SystemClock;
use maksa_app::store::AuditEvent;
use maksa_app::store::prelude::*;
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_domain::ids::{PaymentRequestId, PurposeId};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use maksa_store_tests::fixtures::{client, creation_audit, provider, single_payment_request};
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

/// The store, and the SQLite store itself (to close it: its background
/// checkpointer would otherwise live on in the parent during the import).
async fn open(
    backend: &str,
    directory: &Path,
    url: Option<&str>,
) -> anyhow::Result<(Arc<dyn Store>, Option<Arc<maksa_store_sqlite::SqliteStore>>)> {
    Ok(if backend == "postgres" {
        let url = url.context("a PostgreSQL URL")?;
        let store = maksa_store_postgres::PostgresStore::connect(url).await?;
        store.migrate().await?;
        (Arc::new(store), None)
    } else {
        let store = maksa_store_sqlite::SqliteStore::open(&directory.join("maksa.db")).await?;
        store.migrate().await?;
        let store = Arc::new(store);
        (store.clone(), Some(store))
    })
}

/// The child: imports the file and prints `seconds transactions peak_kib`.
async fn child(
    backend: &str,
    directory: &Path,
    file: &Path,
    url: Option<&str>,
) -> anyhow::Result<()> {
    let (store, _) = open(backend, directory, url).await?;
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

/// Milliseconds between two payments' creation: 900,000 payments fill a day.
const CREATED_EVERY_MS: i64 = 40;

/// 64 pseudo-random bits of `seed` and `salt` (splitmix64): the bench's
/// ids must differ, not be secret.
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

/// Requests `from..to` of the run, each with one payment. With
/// `time_ordered`, their ids are made as the hub makes a new request's: of
/// its creation time, which advances by [`CREATED_EVERY_MS`] per request.
fn payment_requests(from: usize, to: usize, time_ordered: bool) -> Vec<PaymentRequest> {
    let owner = client("bench.treasury");
    let day_start = time::macros::datetime!(2026-11-30 00:00 UTC);
    (from..to)
        .map(|seed| {
            let seed = u64::try_from(seed).unwrap_or(0);
            let mut request = single_payment_request(&owner, seed);
            if time_ordered {
                let at = day_start
                    + time::Duration::milliseconds(
                        i64::try_from(seed).unwrap_or(0) * CREATED_EVERY_MS,
                    );
                request.id = PaymentRequestId::time_ordered(at, random_bytes(seed, 1));
                request.created_at = at;
                for payment in &mut request.payments {
                    let old = payment.purpose_id.as_str().to_owned();
                    payment.purpose_id = PurposeId::time_ordered(at, random_bytes(seed, 2));
                    payment.purpose =
                        payment
                            .purpose
                            .replacen(&old, payment.purpose_id.as_str(), 1);
                }
            }
            // Paid at its bank (E): the credit on the statement is the money
            // of a payment the hub already reported paid.
            let paid_at = request.created_at + time::Duration::minutes(2);
            request.status = Status::Executed;
            request.status_changed_at = paid_at;
            for payment in &mut request.payments {
                payment.status = Status::Executed;
                payment.paid_at = Some(paid_at);
                payment.provider = Some(provider("HABALV22"));
                payment.external_id = Some(format!("BENCH-{seed}"));
            }
            request
        })
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
    let time_ordered = match args.next().as_deref() {
        None => true,
        Some("random-ids") => false,
        Some(other) => anyhow::bail!("unknown option {other:?} (random-ids)"),
    };
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
    let (store, sqlite) = open(&backend, directory.path(), url.as_deref()).await?;

    // The payments the statement pays.
    let started = Instant::now();
    let mut purposes: Vec<(String, i64)> = Vec::with_capacity(matching);
    let mut from = 0;
    while from < matching {
        let to = (from + INSERT_BATCH).min(matching);
        let requests = payment_requests(from, to, time_ordered);
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
        "{backend}: {matching} payments ({} ids) made in {:.1} s",
        if time_ordered {
            "time-ordered"
        } else {
            "random"
        },
        started.elapsed().as_secs_f64()
    );
    drop(store);
    if let Some(sqlite) = sqlite {
        sqlite.close().await;
    }

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
    // The setup just wrote gigabytes (the database, the statement): flushed
    // to disk first, so that their write-back is not charged to the import.
    for written in [directory.path().join("maksa.db"), file.clone()] {
        if written.exists() {
            std::fs::File::open(&written)?.sync_all()?;
        }
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
