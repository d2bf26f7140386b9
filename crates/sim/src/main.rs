//! `maksa-sim`: runs seeds of the deterministic simulation and reports.
//!
//! `--seed N` runs one seed (with `--verbose`, its trace); `--seeds A..B` a
//! range; `--minutes M` as many seeds as fit in M minutes (from the range's
//! start). Prints every failing seed, seeds per minute and the totals; exits 1
//! when a seed failed. `--store sqlite` runs the seeds on the real SQLite
//! adapter instead of the in-memory model; `--jobs N` runs N seeds at once,
//! each on its own thread (a seed's run does not depend on the others).

use clap::{Parser, ValueEnum};
use maksa_sim::check::Tally;
use maksa_sim::{Backend, SeedReport, Settings, Template, run_seed};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StoreArg {
    /// The in-memory model of the storage port.
    Model,
    /// The SQLite adapter on tmpfs.
    Sqlite,
    /// Each seed on both, failing where their traces differ (the model's check).
    Both,
}

#[derive(Parser)]
#[command(about = "Deterministic simulation of the maksa hub")]
struct Args {
    /// One seed.
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// A range of seeds, `A..B` (B excluded).
    #[arg(long)]
    seeds: Option<String>,
    /// Run seeds (from the range's start, or 0) until this many minutes passed.
    #[arg(long)]
    minutes: Option<u64>,
    /// Scenario steps per seed.
    #[arg(long, default_value_t = Settings::default().steps)]
    steps: u32,
    /// Print each seed's trace.
    #[arg(long)]
    verbose: bool,
    /// The store the hub runs on.
    #[arg(long, value_enum, default_value = "model")]
    store: StoreArg,
    /// Seeds run at once, each on a thread of its own.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=64))]
    jobs: u64,
}

fn parse_range(text: &str) -> Result<(u64, u64), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}`: expected A..B"))?;
    let a = a
        .trim()
        .parse()
        .map_err(|_| format!("`{a}` is not a seed"))?;
    let b = b
        .trim()
        .parse()
        .map_err(|_| format!("`{b}` is not a seed"))?;
    Ok((a, b))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let settings = Settings {
        steps: args.steps,
        keep_trace: args.verbose,
        backend: match args.store {
            StoreArg::Model => Backend::Model,
            StoreArg::Sqlite | StoreArg::Both => Backend::Sqlite,
        },
        ..Settings::default()
    };
    let (start, end) = match (&args.seed, &args.seeds) {
        (Some(seed), _) => (*seed, seed.saturating_add(1)),
        (None, Some(range)) => match parse_range(range) {
            Ok(range) => range,
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(2);
            }
        },
        (None, None) if args.minutes.is_some() => (0, u64::MAX),
        (None, None) => (0, 100),
    };
    let deadline = args
        .minutes
        .map(|m| Instant::now() + Duration::from_secs(m.saturating_mul(60)));
    let template = match Template::prepare(settings.backend) {
        Ok(template) => template,
        Err(error) => {
            eprintln!("cannot prepare the template store: {error}");
            return ExitCode::from(2);
        }
    };
    let model = match args.store {
        StoreArg::Both => match Template::prepare(Backend::Model) {
            Ok(template) => Some(template),
            Err(error) => {
                eprintln!("cannot prepare the model's template: {error}");
                return ExitCode::from(2);
            }
        },
        StoreArg::Model | StoreArg::Sqlite => None,
    };
    let began = Instant::now();
    let mut ran: u64 = 0;
    let mut failing = Vec::new();
    let mut tally = Tally::default();
    let (mut before, mut after, mut crashes, mut operations) = (0_u64, 0_u64, 0_u64, 0_u64);
    // The workers take the next seed until the range or the time is used up;
    // this thread prints each report as it arrives.
    let next = AtomicU64::new(start);
    let (reports, arrived) = mpsc::channel::<SeedReport>();
    std::thread::scope(|scope| {
        for _ in 0..args.jobs {
            let reports = reports.clone();
            let (next, template, settings, model) = (&next, &template, &settings, &model);
            scope.spawn(move || {
                loop {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= end {
                        break;
                    }
                    let mut report = run_seed(template, seed, settings);
                    if let Some(model) = model {
                        let on_model = Settings {
                            backend: Backend::Model,
                            ..*settings
                        };
                        let other = run_seed(model, seed, &on_model);
                        if other.trace_hash != report.trace_hash {
                            report.violations.push(format!(
                                "the model ran it differently from SQLite (trace hash {:016x}, SQLite {:016x}): compare `--verbose` with `--store model` and `--store sqlite`",
                                other.trace_hash, report.trace_hash
                            ));
                        }
                        report.violations.extend(other.violations);
                    }
                    if reports.send(report).is_err() {
                        break;
                    }
                }
            });
        }
        drop(reports);
        for report in arrived {
            let seed = report.seed;
            ran = ran.saturating_add(1);
            tally.add(&report.tally);
            before = before.saturating_add(report.faults.failed_before);
            after = after.saturating_add(report.faults.failed_after);
            crashes = crashes.saturating_add(report.faults.crashes);
            operations = operations.saturating_add(report.faults.operations);
            if args.verbose {
                for line in &report.trace {
                    println!("{line}");
                }
            }
            if args.seed.is_some() {
                println!("seed {seed}: trace hash {:016x}", report.trace_hash);
            }
            if !report.passed() {
                println!("FAILED seed {seed}:");
                for violation in &report.violations {
                    println!("  {violation}");
                }
                println!(
                    "  reproduce: cargo run -p maksa-sim --release -- --seed {seed} --verbose"
                );
                failing.push(seed);
            }
        }
    });
    failing.sort_unstable();
    let elapsed = began.elapsed();
    // Integers only (the workspace denies float arithmetic).
    let millis = u64::try_from(elapsed.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let per_minute = ran.saturating_mul(60_000) / millis;
    println!(
        "{ran} seeds ({start}..{}) on {:?}, {} at once, in {}.{:03} s: {per_minute} seeds/minute; {} passed, {} failed",
        start.saturating_add(ran),
        args.store,
        args.jobs,
        millis / 1000,
        millis % 1000,
        ran.saturating_sub(failing.len() as u64),
        failing.len()
    );
    let [p, e, r, o, c] = tally.requests;
    println!(
        "requests at the end: E {e}, R {r}, O {o}, C {c}, P {p}; attempts executed {}, flagged for refund {}; notifications received {}",
        tally.attempts_executed, tally.refunds, tally.deliveries
    );
    println!(
        "store operations {operations}: failed before {before}, failed after (ambiguous) {after}, crashes {crashes}"
    );
    if failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("failing seeds: {failing:?}");
        ExitCode::FAILURE
    }
}
