//! The simulation's CI run: a fixed set of seeds must pass, a seed run twice
//! must give the same trace (determinism: a failing seed reproduces), and the
//! in-memory model must run seeds exactly as the SQLite adapter does.
//! `MAKSA_SIM_SEEDS=A..B` runs another range; `MAKSA_SIM_COMPARED=A..B` other
//! seeds on both stores.

use maksa_sim::{Backend, Settings, Template, run_seed};

/// Seeds that show a defect found before, run whatever the range
/// (docs/RELIABILITY.md): a cancel decided C from a read taken before the
/// request's first of two payments was made, and wrote C over a request that
/// had to end in O (found as seed 98 of an earlier scenario; with that fix
/// undone, the current scenario fails seeds 146, 172, 173, 256, 309 and 449 of
/// CI's range, and 17 of 0..3000).
const REGRESSIONS: [u64; 2] = [146, 172];

fn range(variable: &str, default: (u64, u64)) -> (u64, u64) {
    std::env::var(variable)
        .ok()
        .and_then(|text| {
            let (a, b) = text.split_once("..")?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .unwrap_or(default)
}

#[test]
fn the_fixed_seeds_keep_every_invariant() {
    let template = Template::prepare(Backend::Model).expect("template store");
    let settings = Settings::default();
    let (start, end) = range("MAKSA_SIM_SEEDS", (0, 500));
    let mut failed = Vec::new();
    for seed in (start..end).chain(
        REGRESSIONS
            .iter()
            .copied()
            .filter(|s| !(start..end).contains(s)),
    ) {
        let report = run_seed(&template, seed, &settings);
        if !report.passed() {
            eprintln!("seed {seed} failed:");
            for violation in &report.violations {
                eprintln!("  {violation}");
            }
            failed.push(seed);
        }
    }
    assert!(
        failed.is_empty(),
        "failing seeds {failed:?}; reproduce one with `cargo run -p maksa-sim --release -- --seed N --verbose`"
    );
}

#[test]
fn a_seed_replays_exactly() {
    let template = Template::prepare(Backend::Model).expect("template store");
    let settings = Settings {
        keep_trace: true,
        ..Settings::default()
    };
    for seed in [3_u64, 17, 41] {
        let first = run_seed(&template, seed, &settings);
        let second = run_seed(&template, seed, &settings);
        assert_eq!(
            first.trace, second.trace,
            "seed {seed} ran differently twice"
        );
        assert_eq!(first.trace_hash, second.trace_hash);
        // A trace that is nearly empty would replay trivially.
        assert!(
            first.trace.len() > 100,
            "seed {seed}: {} lines",
            first.trace.len()
        );
    }
    let other = run_seed(&template, 4, &settings);
    let first = run_seed(&template, 3, &settings);
    assert_ne!(
        first.trace_hash, other.trace_hash,
        "different seeds, same run"
    );
}

/// The model is only worth its speed if it answers as the adapter does: every
/// store answer the hub acts on shows in the trace (statuses, refusals, which
/// attempt won, what was notified), so equal traces mean the hub could not
/// tell the two stores apart on these seeds.
#[test]
fn the_model_runs_seeds_exactly_as_sqlite_does() {
    let model = Template::prepare(Backend::Model).expect("template store");
    let sqlite = Template::prepare(Backend::Sqlite).expect("template database");
    let on_model = Settings {
        keep_trace: true,
        ..Settings::default()
    };
    let on_sqlite = Settings {
        backend: Backend::Sqlite,
        ..on_model
    };
    let (start, end) = range("MAKSA_SIM_COMPARED", (0, 20));
    for seed in start..end {
        let a = run_seed(&model, seed, &on_model);
        let b = run_seed(&sqlite, seed, &on_sqlite);
        assert!(
            a.passed() && b.passed(),
            "seed {seed} failed: {:?} {:?}",
            a.violations,
            b.violations
        );
        if let Some((line, (ours, theirs))) = a
            .trace
            .iter()
            .zip(&b.trace)
            .enumerate()
            .find(|(_, (ours, theirs))| ours != theirs)
        {
            panic!(
                "seed {seed}, trace line {line}: the model says\n  {ours}\nSQLite says\n  {theirs}"
            );
        }
        assert_eq!(
            a.trace.len(),
            b.trace.len(),
            "seed {seed}: traces of different length"
        );
        assert_eq!(a.trace_hash, b.trace_hash);
    }
}
