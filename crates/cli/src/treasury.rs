//! `maksa treasury …`: statements in, the reconciliation report, payment
//! orders and their status reports, from the command line
//! (docs/treasury.md, docs/reconciliation.md). Works beside a running hub:
//! every command is a transaction of its own on the same database.

use crate::database;
use anyhow::{Context, bail};
use clap::Subcommand;
use maksa_app::clock::SystemClock;
use maksa_app::treasury::{ImportReport, Report, Treasury, TreasurySettings};
use maksa_domain::payment_order::OrderState;
use serde_json::{Value, json};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::Date;

#[derive(Subcommand)]
pub enum TreasuryCommand {
    /// Import camt.053/052/054 statement files (each in one transaction: a
    /// malformed file stores nothing). Shows progress on a terminal.
    Import {
        #[command(flatten)]
        database: crate::DatabaseArg,
        /// Who imports, in the audit trail.
        #[arg(long, default_value = "operator")]
        actor: String,
        /// Print each file's result as JSON.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Matched, differences, unmatched and refund candidates per day and account.
    Report {
        #[command(flatten)]
        database: crate::DatabaseArg,
        /// First booking day (YYYY-MM-DD); default 30 days before --to.
        #[arg(long)]
        from: Option<String>,
        /// Last booking day (YYYY-MM-DD); default today (UTC).
        #[arg(long)]
        to: Option<String>,
        /// Business days a paid payment's money may take before it is reported.
        #[arg(long, default_value_t = 3)]
        settle_within_business_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Payment orders, newest first.
    Orders {
        #[command(flatten)]
        database: crate::DatabaseArg,
        /// proposed, approved, submitted, accepted, executed, rejected, cancelled
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Propose the refund of a statement entry's money owed back.
    Refund {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        operator: String,
        entry: i64,
    },
    /// Approve a proposed payment order (an order an operator entered needs another operator).
    Approve {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        operator: String,
        order: i64,
    },
    /// Withdraw a payment order before it is sent.
    Cancel {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        operator: String,
        order: i64,
    },
    /// Write approved orders into pain.001 batches; with --out, also as files
    /// (for a Treasury reached without the online exchange).
    Batch {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        operator: String,
        /// pain.001.001.03 (eKase) or pain.001.001.09.
        #[arg(long, default_value = "pain.001.001.03")]
        pain_version: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Apply a pain.002 status report file to its batch's orders.
    Status {
        #[command(flatten)]
        database: crate::DatabaseArg,
        file: PathBuf,
    },
}

fn parse_day(text: &str) -> anyhow::Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).with_context(|| format!("{text:?} is not a date YYYY-MM-DD"))
}

async fn service(
    database: &crate::DatabaseArg,
    settings: TreasurySettings,
) -> anyhow::Result<Treasury> {
    let store = database::open(&database.database_url, true).await?;
    Ok(Treasury::new(store, Arc::new(SystemClock), settings))
}

pub async fn run(command: TreasuryCommand) -> anyhow::Result<()> {
    match command {
        TreasuryCommand::Import {
            database,
            actor,
            json,
            files,
        } => {
            let treasury = service(&database, TreasurySettings::default()).await?;
            let mut failed = 0usize;
            for file in &files {
                match import_file(&treasury, file, &actor).await {
                    Ok(report) if json => println!("{}", serde_json::to_string(&report)?),
                    Ok(report) => print_import(file, &report),
                    Err(error) => {
                        failed = failed.saturating_add(1);
                        eprintln!("{}: {error:#}", file.display());
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {} files were not imported", files.len());
            }
            Ok(())
        }
        TreasuryCommand::Report {
            database,
            from,
            to,
            settle_within_business_days,
            json,
        } => {
            let to = match to {
                Some(text) => parse_day(&text)?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            let from = match from {
                Some(text) => parse_day(&text)?,
                None => to.saturating_sub(time::Duration::days(30)),
            };
            let settings = TreasurySettings {
                settle_within_business_days,
                ..TreasurySettings::default()
            };
            let report = service(&database, settings).await?.report(from, to).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
            } else {
                print_report(&report);
            }
            Ok(())
        }
        TreasuryCommand::Orders {
            database,
            state,
            json,
        } => {
            let state = state
                .map(|s| {
                    OrderState::parse(&s).with_context(|| format!("{s:?} is not an order state"))
                })
                .transpose()?;
            let treasury = service(&database, TreasurySettings::default()).await?;
            let orders = treasury.store().payment_orders(state, 1000).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&orders)?);
            } else {
                for o in orders {
                    println!(
                        "{:>6}  {:<10} {:>12} {}  {} → {} ({})  {}",
                        o.id,
                        o.state.as_str(),
                        o.amount.to_string(),
                        o.currency,
                        o.debtor_iban,
                        o.creditor_iban,
                        o.creditor_name,
                        o.end_to_end_id
                    );
                }
            }
            Ok(())
        }
        TreasuryCommand::Refund {
            database,
            operator,
            entry,
        } => {
            let treasury = service(&database, TreasurySettings::default()).await?;
            let order = treasury.propose_refund(entry, &operator).await?;
            println!(
                "proposed order {} ({}): {} {} to {}; another person approves it with: maksa treasury approve {}",
                order.id,
                order.end_to_end_id,
                order.amount,
                order.currency,
                order.creditor_iban,
                order.id
            );
            Ok(())
        }
        TreasuryCommand::Approve {
            database,
            operator,
            order,
        } => {
            let treasury = service(&database, TreasurySettings::default()).await?;
            let order = treasury.approve_order(order, &operator).await?;
            println!("order {} is approved by {operator}", order.id);
            Ok(())
        }
        TreasuryCommand::Cancel {
            database,
            operator,
            order,
        } => {
            let treasury = service(&database, TreasurySettings::default()).await?;
            let order = treasury.cancel_order(order, &operator).await?;
            println!("order {} is cancelled", order.id);
            Ok(())
        }
        TreasuryCommand::Batch {
            database,
            operator,
            pain_version,
            out,
        } => {
            let settings = crate::config::TreasuryConfig {
                pain_version,
                ..crate::config::TreasuryConfig::default()
            }
            .settings()?;
            let treasury = service(&database, settings).await?;
            let batches = treasury.build_batches(&operator).await?;
            if batches.is_empty() {
                println!("no approved orders wait for a batch");
            }
            for batch in batches {
                match &out {
                    Some(directory) => {
                        std::fs::create_dir_all(directory)
                            .with_context(|| format!("creating {}", directory.display()))?;
                        let path = directory.join(format!("{}.xml", batch.message_id));
                        std::fs::write(&path, &batch.document)
                            .with_context(|| format!("writing {}", path.display()))?;
                        println!("batch {} written to {}", batch.message_id, path.display());
                    }
                    None => println!(
                        "batch {} is ready; the eKase exchange sends it",
                        batch.message_id
                    ),
                }
            }
            Ok(())
        }
        TreasuryCommand::Status { database, file } => {
            let treasury = service(&database, TreasurySettings::default()).await?;
            let bytes = read_bounded(&file)?;
            let applied = treasury.apply_status_report(&bytes, "operator").await?;
            println!("{}", serde_json::to_string_pretty(&applied)?);
            Ok(())
        }
    }
}

/// Status reports are small; a file larger than this is not one.
const MAX_STATUS_REPORT: u64 = 64 * 1024 * 1024;

fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_STATUS_REPORT.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_STATUS_REPORT {
        bail!("{} is larger than a status report can be", path.display());
    }
    Ok(bytes)
}

/// Counts the bytes read, for the progress line.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.read
            .fetch_add(u64::try_from(n).unwrap_or(0), Ordering::Relaxed);
        Ok(n)
    }
}

pub async fn import_file(
    treasury: &Treasury,
    file: &Path,
    actor: &str,
) -> anyhow::Result<ImportReport> {
    let opened =
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let size = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let input = std::io::BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: opened,
            read: read.clone(),
        },
    );
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let progress = std::io::stderr().is_terminal().then(|| {
        let read = read.clone();
        let name = name.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                let done = read.load(Ordering::Relaxed);
                let percent = done
                    .saturating_mul(100)
                    .checked_div(size)
                    .unwrap_or(100)
                    .min(100);
                let bar: String = (0..30u64)
                    .map(|i| if i * 100 < percent * 30 { '#' } else { '.' })
                    .collect();
                eprint!(
                    "\r{name} [{bar}] {percent:>3}%  {} of {} MB",
                    done / 1_000_000,
                    size / 1_000_000
                );
                let _ = std::io::stderr().flush();
            }
        })
    });
    let result = treasury.import(&name, input, actor).await;
    if let Some(task) = progress {
        task.abort();
        eprintln!();
    }
    Ok(result?)
}

fn print_import(file: &Path, report: &ImportReport) {
    let outcomes: Vec<String> = report
        .outcomes
        .iter()
        .map(|(outcome, n)| format!("{outcome} {n}"))
        .collect();
    println!(
        "{}: {} ({} statements, {} entries, {} transactions): {} new, {} seen before, {} now booked; {}{}",
        file.display(),
        report.message,
        report.statements,
        report.entries,
        report.counts.transactions,
        report.counts.new,
        report.counts.repeated,
        report.counts.confirmed,
        if outcomes.is_empty() {
            "nothing judged".to_owned()
        } else {
            outcomes.join(", ")
        },
        if report.refunds_proposed > 0 {
            format!("; {} refunds proposed", report.refunds_proposed)
        } else {
            String::new()
        }
    );
    for balance in &report.balances {
        if balance.balanced == Some(false) {
            println!(
                "  statement {} ({}): opening + credits − debits differs from the closing balance",
                balance.statement_id, balance.account
            );
        }
    }
}

fn minor_text(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The report as `--json` prints it: the four counts at the top, their money
/// per currency under `totals`, then the days (docs/treasury.md).
pub fn report_json(report: &Report) -> Value {
    let count = |f: fn(&maksa_app::treasury::ReportTotals) -> u64| -> u64 {
        report.totals.values().map(f).sum()
    };
    let totals: serde_json::Map<String, Value> = report
        .totals
        .iter()
        .map(|(currency, t)| {
            (
                currency.clone(),
                json!({
                    "matched": t.matched.amount.to_string(),
                    "differences": t.differences.amount.to_string(),
                    "unmatched": t.unmatched.amount.to_string(),
                    "refund_candidates": t.refund_candidates.amount.to_string(),
                    "pending": t.pending.amount.to_string(),
                    "debits": t.debits.amount.to_string(),
                    "credits": t.credits().to_string(),
                }),
            )
        })
        .collect();
    let days: Vec<Value> = report
        .days
        .iter()
        .map(|d| {
            json!({
                "day": d.day.to_string(),
                "account": d.account,
                "currency": d.currency,
                "matched": {"count": d.totals.matched.count, "amount": d.totals.matched.amount.to_string()},
                "differences": {"count": d.totals.differences.count, "amount": d.totals.differences.amount.to_string()},
                "unmatched": {"count": d.totals.unmatched.count, "amount": d.totals.unmatched.amount.to_string()},
                "refund_candidates": {"count": d.totals.refund_candidates.count, "amount": d.totals.refund_candidates.amount.to_string()},
                "pending": {"count": d.totals.pending.count, "amount": d.totals.pending.amount.to_string()},
                "debits": {"count": d.totals.debits.count, "amount": d.totals.debits.amount.to_string()},
                "credits": d.totals.credits().to_string(),
                "opening_balance": d.opening_minor.map(minor_text),
                "closing_balance": d.closing_minor.map(minor_text),
                "balanced": d.balanced,
                "expected": {"count": d.expected.count, "amount": d.expected.amount.to_string()},
            })
        })
        .collect();
    json!({
        "from": report.from.to_string(),
        "to": report.to.to_string(),
        "matched": count(|t| t.matched.count),
        "differences": count(|t| t.differences.count),
        "unmatched": count(|t| t.unmatched.count),
        "refund_candidates": count(|t| t.refund_candidates.count),
        "pending": count(|t| t.pending.count),
        "totals": totals,
        "unsettled_payments": report.unsettled.len(),
        "settle_within_business_days": report.settle_within_business_days,
        "unsettled": report.unsettled.iter().map(|p| json!({
            "request_id": p.request_id.to_string(),
            "sequence": p.sequence,
            "purpose_id": p.purpose_id,
            "amount": p.amount.to_string(),
            "currency": p.currency,
            "paid_at": p.paid_at.to_string(),
        })).collect::<Vec<_>>(),
        "days": days,
    })
}

fn print_report(report: &Report) {
    println!("reconciliation {} to {}", report.from, report.to);
    for (currency, t) in &report.totals {
        println!(
            "  {currency}: matched {} ({}), differences {} ({}), unmatched {} ({}), refund candidates {} ({}); pending {} ({}), debits {} ({})",
            t.matched.count,
            t.matched.amount,
            t.differences.count,
            t.differences.amount,
            t.unmatched.count,
            t.unmatched.amount,
            t.refund_candidates.count,
            t.refund_candidates.amount,
            t.pending.count,
            t.pending.amount,
            t.debits.count,
            t.debits.amount
        );
    }
    for d in &report.days {
        let balance = match (d.opening_minor, d.closing_minor, d.balanced) {
            (Some(o), Some(c), Some(true)) => {
                format!("{} → {} balanced", minor_text(o), minor_text(c))
            }
            (Some(o), Some(c), _) => format!("{} → {} NOT BALANCED", minor_text(o), minor_text(c)),
            _ => "no end-of-day statement yet".to_owned(),
        };
        println!(
            "  {} {} {}: credits {} (matched {}, differences {}, unmatched {}, refunds {}), debits {}, expected {}; {balance}",
            d.day,
            if d.account.is_empty() {
                "-"
            } else {
                &d.account
            },
            d.currency,
            d.totals.credits(),
            d.totals.matched.amount,
            d.totals.differences.amount,
            d.totals.unmatched.amount,
            d.totals.refund_candidates.amount,
            d.totals.debits.amount,
            d.expected.amount
        );
    }
    println!(
        "  paid, no money after {} business days: {}",
        report.settle_within_business_days,
        report.unsettled.len()
    );
    for p in report.unsettled.iter().take(20) {
        println!(
            "    {} {} {} paid {}",
            p.purpose_id, p.amount, p.currency, p.paid_at
        );
    }
}
