//! `maksa-sim`: runs seeds of the deterministic simulation and reports.
//!
//! `--seed N` runs one seed (with `--verbose`, its trace); `--seeds A..B` a
//! range; `--minutes M` as many seeds as fit in M minutes (from the range's
//! start). Prints every failing seed, seeds per minute and the totals; exits 1
//! when a seed failed.

use clap::Parser;
use maksa_sim::check::Tally;
use maksa_sim::{Settings, Template, run_seed};
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    let template = match Template::prepare() {
        Ok(template) => template,
        Err(error) => {
            eprintln!("cannot prepare the template database: {error}");
            return ExitCode::from(2);
        }
    };
    let began = Instant::now();
    let mut ran: u64 = 0;
    let mut failing = Vec::new();
    let mut tally = Tally::default();
    let (mut before, mut after, mut crashes, mut operations) = (0_u64, 0_u64, 0_u64, 0_u64);
    for seed in start..end {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let report = run_seed(&template, seed, &settings);
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
            println!("  reproduce: cargo run -p maksa-sim --release -- --seed {seed} --verbose");
            failing.push(seed);
        }
    }
    let elapsed = began.elapsed();
    // Integers only (the workspace denies float arithmetic).
    let millis = u64::try_from(elapsed.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let per_minute = ran.saturating_mul(60_000) / millis;
    println!(
        "{ran} seeds ({start}..{}) in {}.{:03} s: {per_minute} seeds/minute; {} passed, {} failed",
        start.saturating_add(ran),
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
