//! A deterministic simulation of the hub (docs/RELIABILITY.md, "Deterministic
//! simulation"): the application core — creating requests through the group
//! writer, the payer's start, provider messages through the `Connector` port,
//! cancel, expiry, recovery, notification delivery through the `Transport`
//! port — in one thread, with the clock, every random byte, the store's
//! failures, the banks, the network and the e-service all drawn from one seed.
//! A seed runs a scenario for a bounded number of steps, then runs the workers
//! to quiescence without faults and checks the invariants (`check`). The same
//! seed gives the same trace, so a failing seed is its own reproduction.

pub mod bank;
pub mod check;
pub mod faulty;
pub mod model;
pub mod trace;
pub mod turnstile;
pub mod world;

use crate::bank::{OrderState, Outside};
use crate::check::{Acked, Observer, Tally};
use crate::faulty::{FaultCounts, FaultRates, Faults};
use crate::model::{MemoryStore, Snapshot};
use crate::trace::Trace;
use crate::turnstile::Turnstile;
use crate::world::{Action, World};
use maksa_app::admin::Admin;
use maksa_app::clock::{Clock, ManualClock, sim_entropy};
use maksa_app::store::Store;
use maksa_store_sqlite::SqliteStore;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use time::macros::datetime;

/// The catalogue the simulated hub runs (the demo's: one-payee and two-payee steps).
const CATALOG: &str = include_str!("../../../demo/catalog.toml");

/// Which store the simulated hub runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The in-memory model of the storage port (`model`): the default, fast.
    Model,
    /// The real SQLite adapter on tmpfs: slower, the check that the model and
    /// the adapter agree (the same seed gives the same trace on both).
    Sqlite,
}

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Scenario steps before the run to quiescence.
    pub steps: u32,
    pub backend: Backend,
    pub faults: FaultRates,
    /// Keep the trace's lines (for `--verbose`).
    pub keep_trace: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            steps: 150,
            backend: Backend::Model,
            faults: FaultRates {
                before: 30,
                after: 150,
                crash: 200,
            },
            keep_trace: false,
        }
    }
}

/// What one seed did.
#[derive(Debug)]
pub struct SeedReport {
    pub seed: u64,
    pub violations: Vec<String>,
    pub trace_hash: u64,
    pub trace: Vec<String>,
    pub tally: Tally,
    pub faults: FaultCounts,
}

impl SeedReport {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// A store with the catalogue imported, made once; each seed runs on a copy
/// (for SQLite, of its file: copying a file is far cheaper than migrating).
pub enum Template {
    Model(Box<Snapshot>),
    Sqlite {
        dir: tempfile::TempDir,
        file: PathBuf,
    },
}

/// Where the databases live: tmpfs when there is one (nothing of a run needs
/// to outlive it, and `synchronous=FULL` costs nothing there).
fn scratch() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    // Not `start_paused`: SQLite runs on sqlx's own threads, and a paused
    // clock would jump past sqlx's pool timeouts while a query runs. Business
    // time is the injected `ManualClock`; the runtime's timer is not used.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Imports the demo catalogue into `store`, with the same entropy in every
/// process.
async fn import_catalog(store: Arc<dyn Store>) -> Result<(), String> {
    let clock = Arc::new(ManualClock::new(datetime!(2031-03-01 07:00 UTC)));
    Admin::new(store, clock)
        .import_catalog(CATALOG)
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

impl Template {
    pub fn prepare(backend: Backend) -> Result<Template, String> {
        let mut fixed = stream(0, 4);
        let _installed = sim_entropy::install(Box::new(move |buffer: &mut [u8]| {
            fixed.fill_bytes(buffer);
        }));
        match backend {
            Backend::Model => {
                let store = MemoryStore::new();
                runtime()?.block_on(import_catalog(Arc::new(store.clone())))?;
                Ok(Template::Model(Box::new(store.snapshot())))
            }
            Backend::Sqlite => Template::prepare_sqlite(),
        }
    }

    fn prepare_sqlite() -> Result<Template, String> {
        let dir = tempfile::Builder::new()
            .prefix("maksa-sim-")
            .tempdir_in(scratch())
            .map_err(|e| e.to_string())?;
        let file = dir.path().join("template.sqlite");
        runtime()?.block_on(async {
            let store = SqliteStore::open(&file).await.map_err(|e| e.to_string())?;
            store.migrate().await.map_err(|e| e.to_string())?;
            let store = Arc::new(store);
            import_catalog(store.clone()).await?;
            store.close().await;
            Ok::<(), String>(())
        })?;
        Ok(Template::Sqlite { dir, file })
    }
}

/// A fresh copy of the SQLite template for one seed (the WAL was checkpointed
/// into the file on close).
fn copy_file(template: &Path, seed: u64) -> Result<(tempfile::TempDir, PathBuf), String> {
    let parent = template.parent().unwrap_or(template);
    let dir = tempfile::Builder::new()
        .prefix(&format!("seed-{seed}-"))
        .tempdir_in(parent)
        .map_err(|e| e.to_string())?;
    let file = dir.path().join("hub.sqlite");
    std::fs::copy(template, &file).map_err(|e| e.to_string())?;
    Ok((dir, file))
}

/// The independent streams of one seed (each derived from it, so adding a
/// draw to one does not shift the others).
fn stream(seed: u64, which: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(which);
    rng
}

/// Runs one seed on its own current-thread runtime.
pub fn run_seed(template: &Template, seed: u64, settings: &Settings) -> SeedReport {
    let mut report = SeedReport {
        seed,
        violations: Vec::new(),
        trace_hash: 0,
        trace: Vec::new(),
        tally: Tally::default(),
        faults: FaultCounts::default(),
    };
    let entropy = Arc::new(Mutex::new(stream(seed, 3)));
    let source = Arc::clone(&entropy);
    let _installed = sim_entropy::install(Box::new(move |buffer: &mut [u8]| {
        source
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fill_bytes(buffer);
    }));
    let outcome = match template {
        Template::Model(snapshot) => {
            runtime().and_then(|rt| rt.block_on(run_model(snapshot, seed, settings, &mut report)))
        }
        Template::Sqlite { file, .. } => copy_file(file, seed).and_then(|(dir, file)| {
            let answer = runtime()?.block_on(run_sqlite(&file, seed, settings, &mut report));
            drop(dir);
            answer
        }),
    };
    if let Err(error) = outcome {
        report
            .violations
            .push(format!("the run could not go on: {error}"));
    }
    report
}

async fn run_model(
    snapshot: &Snapshot,
    seed: u64,
    settings: &Settings,
    report: &mut SeedReport,
) -> Result<(), String> {
    let model = MemoryStore::from_snapshot(snapshot);
    let inner: Arc<dyn Store> = Arc::new(model.clone());
    let result = simulate(inner, seed, settings, report).await;
    // A path that reached a part of the port the model does not hold ran on
    // answers that mean nothing: the seed fails, naming the part.
    for operation in model.refused() {
        report.violations.push(format!(
            "the hub called {operation}, which the store model does not hold"
        ));
    }
    result
}

async fn run_sqlite(
    file: &Path,
    seed: u64,
    settings: &Settings,
    report: &mut SeedReport,
) -> Result<(), String> {
    let sqlite = SqliteStore::open(file).await.map_err(|e| e.to_string())?;
    let sqlite = Arc::new(sqlite);
    let inner: Arc<dyn Store> = sqlite.clone();
    let result = simulate(inner, seed, settings, report).await;
    sqlite.close().await;
    result
}

async fn simulate(
    inner: Arc<dyn Store>,
    seed: u64,
    settings: &Settings,
    report: &mut SeedReport,
) -> Result<(), String> {
    let clock = Arc::new(ManualClock::new(datetime!(2031-03-01 09:00 UTC)));
    let faults = Arc::new(Faults::new(
        stream(seed, 1).next_u64(),
        settings.faults,
        Turnstile::new(stream(seed, 5)),
    ));
    let outside = Arc::new(Mutex::new(Outside {
        rng: stream(seed, 2),
        faults: true,
        orders: Vec::new(),
        network: Vec::new(),
        received: Vec::new(),
        bank_unavailable: 0,
    }));
    let catalog = inner
        .load_catalog()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the template has no catalogue")?;
    let services = world::build_services(&inner, &faults, &outside, &clock, &catalog, 0);
    let mut world = World {
        inner,
        faults,
        outside,
        clock,
        catalog,
        caller: world::caller(),
        services,
        generation: 0,
        rng: stream(seed, 0),
        trace: Trace::new(settings.keep_trace),
        acked: Acked::default(),
        observer: Observer::default(),
        known: Vec::new(),
        attempts: std::collections::BTreeMap::new(),
        keys: std::collections::BTreeMap::new(),
    };
    for step in 0..settings.steps {
        world.trace.set_step(step);
        match world.rng.random_range(0..100) {
            0..55 => {
                if let Some(action) = world.draw_action() {
                    world.run(action).await;
                }
            }
            // Two or three actions at once, interleaved by the seed.
            55..70 => {
                let actions = world.draw_race();
                world.race(actions).await;
            }
            70..82 => world.bank_decides(),
            82..97 => {
                let seconds = world.rng.random_range(1..600);
                world.advance(seconds);
            }
            _ => world.crash(),
        }
        if world.faults.take_crash() {
            world.crash();
        }
        after_step(&mut world, report, &format!("step {step}")).await?;
        if !report.violations.is_empty() {
            break;
        }
    }
    if report.violations.is_empty() {
        quiesce(&mut world, report).await?;
    }
    report.trace_hash = world.trace.hash();
    report.trace = world.trace.lines().to_vec();
    report.faults = world.faults.counts();
    Ok(())
}

/// The checks after each step: statuses only move forward, and after a crash
/// everything acknowledged is still there.
async fn after_step(world: &mut World, report: &mut SeedReport, when: &str) -> Result<(), String> {
    let owner = world.caller.client.clone();
    let mut found = world.observer.observe(world.inner.as_ref(), &owner).await?;
    found.extend(check::acked_are_durable(world.inner.as_ref(), &owner, &world.acked).await?);
    found.append(&mut world.acked.key_violations);
    for violation in found {
        world.trace.line(format!("VIOLATION {violation}"));
        report.violations.push(format!("{when}: {violation}"));
    }
    Ok(())
}

/// Runs everything to its end without faults: the payers at the banks
/// finish, the network delivers what it holds, time passes past every expiry
/// and the whole recovery schedule, the workers run until nothing is left.
async fn quiesce(world: &mut World, report: &mut SeedReport) -> Result<(), String> {
    world.trace.line("quiesce".into());
    world.faults.set_enabled(false);
    bank::lock(&world.outside).faults = false;
    for round in 0..80_u32 {
        world.trace.set_step(round);
        loop {
            let index = bank::lock(&world.outside)
                .orders
                .iter()
                .position(|o| o.state == OrderState::AtBank && o.fate != bank::Fate::Abandon);
            let Some(index) = index else { break };
            let now = world.clock.now();
            bank::lock(&world.outside).payer_finishes(index, now);
        }
        // Bounded: a message the hub keeps refusing is resent by the bank
        // without end; the checks then say what it left undone.
        for _ in 0..10_000 {
            if bank::lock(&world.outside).network.is_empty() {
                break;
            }
            let due = {
                let outside = bank::lock(&world.outside);
                outside.network.iter().map(|m| m.ready_at).min()
            };
            if let Some(due) = due
                && due > world.clock.now()
            {
                let wait = (due - world.clock.now()).whole_seconds().saturating_add(1);
                world.advance(wait);
            }
            if let Some(message) = world.draw_message() {
                world.run(Action::Deliver(message)).await;
            }
        }
        world.run(Action::Expire).await;
        world.run(Action::Recover).await;
        world.run(Action::Notify(10_000)).await;
        let backlog = world
            .inner
            .notification_backlog()
            .await
            .map_err(|e| e.to_string())?;
        let open = bank::lock(&world.outside)
            .orders
            .iter()
            .any(|o| o.state == OrderState::AtBank);
        let open_attempts = has_open_attempts(world).await?;
        let unfinished = has_open_requests(world).await?;
        if backlog == (0, 0) && !open && !open_attempts && !unfinished {
            break;
        }
        world.advance(6 * 3600);
    }
    after_step(world, report, "quiescence").await?;
    let (violations, tally) =
        check::at_quiescence(world.inner.as_ref(), &world.caller.client, &world.outside).await?;
    let keyed = check::keyed_creates(world.inner.as_ref(), &world.caller.client, &world.keys);
    for violation in violations.into_iter().chain(keyed.await?) {
        world.trace.line(format!("VIOLATION {violation}"));
        report
            .violations
            .push(format!("after quiescence: {violation}"));
    }
    report.tally = tally;
    Ok(())
}

async fn has_open_requests(world: &World) -> Result<bool, String> {
    let list = check::all_requests(world.inner.as_ref(), &world.caller.client).await?;
    Ok(list
        .iter()
        .any(|r| r.status == maksa_domain::status::Status::InProcess))
}

async fn has_open_attempts(world: &World) -> Result<bool, String> {
    let list = check::all_requests(world.inner.as_ref(), &world.caller.client).await?;
    for request in list {
        let attempts = world
            .inner
            .attempts_of(request.id)
            .await
            .map_err(|e| e.to_string())?;
        if attempts.iter().any(|a| a.state.is_open()) {
            return Ok(true);
        }
    }
    Ok(false)
}
