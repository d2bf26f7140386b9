//! `maksa-bench`: runs the real maksa server in-process on SQLite and on
//! PostgreSQL and measures, in one run per backend:
//!
//! 1. create — `savepaymentrequest` throughput and latency, closed loop;
//! 2. status — `checkpaymentrequeststatus` of the ids created in 1;
//! 3. ceiling A — the same HTTP stack answering a constant, to tell how much
//!    of the machine HTTP alone takes;
//! 4. ceiling B — the same rows inserted straight into the store, to tell
//!    what the database alone sustains; and ceiling C (SQLite only) — as many
//!    rows of the same width into a rowid-only table, what the disk allows;
//! 5. latency at half the create (and status) peak, open loop.
//!
//! The load generator runs in the same process and on the same cores as the
//! server: what it costs is CPU the server does not get (ceiling A shows how much).

mod bare;
mod io;
mod load;
mod observed;
mod report;
mod setup;
mod stats;
mod workload;

use crate::bare::{bare_inserts, rowid_inserts};
use crate::io::{BytesPerRow, IoCounters};
use crate::load::{Budget, Target, closed_loop, open_loop};
use crate::report::{BackendReport, Machine, Phase, RunReport, Settings};
use crate::setup::{CREATE_PATH, ConstantServer, STATUS_PATH, ThrowawayDatabase};
use anyhow::Context;
use clap::{Parser, ValueEnum};
use maksa_app::clock::{Clock, SystemClock};
use maksa_app::store::prelude::*;
use maksa_x509::DemoPki;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsConnector;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

/// The measurements of a run; all by default, fewer for profiling one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PhaseChoice {
    Create,
    Status,
    CeilingA,
    CeilingB,
    CeilingC,
    Latency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The durable-create target for this backend, per second.
    pub fn create_target(self) -> u64 {
        match self {
            Backend::Sqlite => 5_000,
            Backend::Postgres => 3_000,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "maksa-bench",
    about = "Load-tests the maksa server in-process on SQLite and PostgreSQL"
)]
pub struct Options {
    /// Which storage backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    backend: BackendChoice,
    /// Requests in flight at once (one keep-alive connection each).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds each phase runs.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Run create, status and ceiling A for this many requests instead of --duration.
    #[arg(long)]
    pub requests: Option<u64>,
    /// Rows per transaction in ceiling B (bare inserts).
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Rows prepared for ceiling B; it stops earlier after --duration.
    #[arg(long, default_value_t = 100_000)]
    pub bare_rows: u64,
    /// Creates per second of the latency run; default half the measured create peak.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Seconds of creates before measuring (not counted).
    #[arg(long, default_value_t = 1)]
    pub warmup: u64,
    /// Create and status over HTTPS with the client certificate instead of
    /// plain HTTP with MM_Cert in the body.
    #[arg(long)]
    pub https: bool,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where to create the SQLite database's directory (which disk is measured); default: the system's temporary directory.
    #[arg(long)]
    sqlite_dir: Option<PathBuf>,
    /// Keep the SQLite database after the run (to inspect it).
    #[arg(long)]
    keep_sqlite: bool,
    /// The PostgreSQL server to create the run's database on.
    #[arg(long, env = "MAKSA_BENCH_POSTGRES_URL", default_value = DEFAULT_POSTGRES_URL)]
    postgres_url: String,
    /// Run only these phases (comma-separated). Status checks use the ids of
    /// the warm-up when `create` is left out; the create latency run then needs --rate.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "create,status,ceiling-a,ceiling-b,ceiling-c,latency"
    )]
    phases: Vec<PhaseChoice>,
    /// Runtime worker threads (server and load generator share them); default: one per core.
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> anyhow::Result<ExitCode> {
    // Only problems: the server's per-request logging would cost the measurement.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = Options::parse();
    anyhow::ensure!(options.concurrency > 0, "--concurrency must be at least 1");
    anyhow::ensure!(options.duration > 0, "--duration must be at least 1 second");
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = options.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime.build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> anyhow::Result<ExitCode> {
    let pki = maksa_x509::generate_demo_pki(
        &["127.0.0.1".to_owned(), "localhost".to_owned()],
        "maksa bench e-service",
    )?;
    let backends = match options.backend {
        BackendChoice::Sqlite => vec![Backend::Sqlite],
        BackendChoice::Postgres => vec![Backend::Postgres],
        BackendChoice::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    let machine = Machine::here();
    let mut settings = Settings::of(&options);
    settings.mm_cert_parse_us = mm_cert_parse_cost(&pki)?;
    println!("{}", report::header(&machine, &settings));
    let mut reports = Vec::new();
    for backend in backends {
        let result = match backend {
            Backend::Sqlite => {
                let (store, directory, path) =
                    setup::sqlite_store(options.sqlite_dir.as_deref(), options.keep_sqlite).await?;
                let location = path.display().to_string();
                let ceiling_c = path.with_file_name("ceiling-c.db");
                let result =
                    bench_backend(backend, store, location, Some(&ceiling_c), &options, &pki).await;
                drop(directory);
                result
            }
            Backend::Postgres => {
                let database = ThrowawayDatabase::create(&options.postgres_url).await?;
                let result = match setup::postgres_store(&database).await {
                    Ok(store) => {
                        bench_backend(
                            backend,
                            store,
                            format!(
                                "database {} ({})",
                                database.name,
                                setup::redact(&options.postgres_url)
                            ),
                            None,
                            &options,
                            &pki,
                        )
                        .await
                    }
                    Err(error) => Err(error),
                };
                if let Err(error) = database.drop_database().await {
                    eprintln!("could not drop the benchmark database: {error:#}");
                }
                result
            }
        };
        let backend_report = result.with_context(|| format!("benchmarking {}", backend.name()))?;
        println!("{}", report::table(&backend_report));
        reports.push(backend_report);
    }
    let failed = reports.iter().any(|r| r.failed);
    let run_report = RunReport {
        machine,
        settings,
        backends: reports,
        failed,
    };
    if let Some(path) = &options.json {
        std::fs::write(path, serde_json::to_string_pretty(&run_report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("results written to {}", path.display());
    }
    if failed {
        println!("RESULT: FAILED — some requests were not answered 200 (see the tables above)");
        Ok(ExitCode::FAILURE)
    } else {
        println!("RESULT: every request was answered 200");
        Ok(ExitCode::SUCCESS)
    }
}

/// What reading `MM_Cert` costs the server per plain-HTTP request: the door
/// parses the body's certificate on every call (on the blocking pool).
fn mm_cert_parse_cost(pki: &DemoPki) -> anyhow::Result<u64> {
    const ROUNDS: u32 = 2_000;
    let value = maksa_x509::mm_cert_value(&pki.client_cert_pem)?;
    let started = std::time::Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(maksa_x509::parse_mm_cert(std::hint::black_box(&value))?);
    }
    Ok(u64::try_from((started.elapsed() / ROUNDS).as_micros()).unwrap_or(u64::MAX))
}

fn progress(backend: Backend, what: &str) {
    eprintln!("[{}] {what}", backend.name());
}

async fn bench_backend(
    backend: Backend,
    store: Arc<dyn Store>,
    location: String,
    ceiling_c_path: Option<&std::path::Path>,
    options: &Options,
    pki: &DemoPki,
) -> anyhow::Result<BackendReport> {
    let hub = setup::start_hub(Arc::clone(&store), pki).await?;
    let tls: Option<TlsConnector> = if options.https {
        Some(setup::tls_connector(pki)?)
    } else {
        None
    };
    let server = if options.https { hub.https } else { hub.http };
    // Over plain HTTP the body's MM_Cert identifies the client (legacy body
    // authentication); over HTTPS the TLS client certificate does.
    let mm_cert = if options.https {
        None
    } else {
        Some(maksa_x509::mm_cert_value(&pki.client_cert_pem)?)
    };
    let create = Target::new(server, CREATE_PATH, tls.clone())?;
    let status = Target::new(server, STATUS_PATH, tls.clone())?;
    let create_body = workload::constant(workload::create_body(
        &workload::expiry(SystemClock.now())?,
        mm_cert.as_deref(),
    ));
    let budget = match options.requests {
        Some(n) => Budget::Requests(n),
        None => Budget::For(Duration::from_secs(options.duration)),
    };
    let duration = Duration::from_secs(options.duration);
    let concurrency = options.concurrency;

    let runs = |phase: PhaseChoice| options.phases.contains(&phase);
    let mut ids = Vec::new();
    // Status checks need ids: without the create phase the warm-up provides them.
    let warmup = if runs(PhaseChoice::Create) {
        options.warmup
    } else {
        options.warmup.max(1)
    };
    if warmup > 0 {
        progress(backend, "warming up (creates)");
        let warm = closed_loop(
            &create,
            concurrency,
            Budget::For(Duration::from_secs(warmup)),
            Arc::clone(&create_body),
            true,
        )
        .await?;
        anyhow::ensure!(
            warm.failures() == 0,
            "the warm-up failed: {:?}",
            warm.first_failure
        );
        ids.extend(warm.ids);
        let _ = hub.observed.take(warm.elapsed);
    }

    let mut create_phase = None;
    if runs(PhaseChoice::Create) {
        progress(backend, "1. create");
        let written_before = IoCounters::now();
        let mut created =
            closed_loop(&create, concurrency, budget, Arc::clone(&create_body), true).await?;
        let bytes = BytesPerRow::between(written_before, IoCounters::now(), created.ok);
        let commits = hub.observed.take(created.elapsed);
        ids.append(&mut created.ids);
        let mut phase = Phase::closed("create (savepaymentrequest)", created, Some(commits));
        phase.bytes_per_request = bytes;
        create_phase = Some(phase);
    }
    anyhow::ensure!(
        !ids.is_empty(),
        "no request was created, so there is nothing to check the status of"
    );
    let ids = Arc::new(ids);
    let status_body = workload::status_bodies(Arc::clone(&ids), mm_cert.clone());

    let mut status_phase = None;
    if runs(PhaseChoice::Status) {
        progress(backend, "2. status");
        let checked = closed_loop(
            &status,
            concurrency,
            budget,
            Arc::clone(&status_body),
            false,
        )
        .await?;
        status_phase = Some(Phase::closed(
            "status (checkpaymentrequeststatus)",
            checked,
            None,
        ));
    }

    let mut constant_phase = None;
    if runs(PhaseChoice::CeilingA) {
        progress(backend, "3. ceiling A: constant answer");
        let constant_server = ConstantServer::start(options.https.then_some(pki)).await?;
        let constant = constant_server.target(tls.clone())?;
        // The status body: a request of the size status checks send.
        let answered = closed_loop(
            &constant,
            concurrency,
            budget,
            Arc::clone(&status_body),
            false,
        )
        .await?;
        constant_server.stop().await?;
        constant_phase = Some(Phase::closed("ceiling A: constant \"P\"", answered, None));
    }

    let mut bare = None;
    if runs(PhaseChoice::CeilingB) {
        progress(backend, "4. ceiling B: bare inserts");
        let thumbprint = maksa_x509::parse_mm_cert(&pki.client_cert_pem)?.thumbprint_sha256;
        bare = Some(
            bare_inserts(
                Arc::clone(&store),
                &hub.catalog,
                &hub.rules,
                options.bare_rows,
                options.batch,
                duration,
                &thumbprint,
            )
            .await?,
        );
    }

    let mut rowid = None;
    if let (true, Some(path)) = (runs(PhaseChoice::CeilingC), ceiling_c_path) {
        progress(backend, "4. ceiling C: rowid-only table");
        let rows = bare.as_ref().map_or(options.bare_rows, |b| b.rows);
        rowid = Some(
            rowid_inserts(
                path,
                &hub.catalog,
                &hub.rules,
                rows,
                options.batch,
                duration,
            )
            .await?,
        );
    }

    let (mut half_create, mut half_status) = (None, None);
    if runs(PhaseChoice::Latency) {
        let create_rate = options
            .rate
            .or(create_phase.as_ref().map(|p| p.requests_per_s / 2));
        match create_rate {
            Some(rate) => {
                let rate = rate.max(1);
                progress(backend, &format!("5. latency: creates at {rate}/s"));
                let _ = hub.observed.take(Duration::from_secs(1));
                let paced = open_loop(
                    &create,
                    concurrency,
                    rate,
                    duration,
                    Arc::clone(&create_body),
                    true,
                )
                .await?;
                let commits = hub.observed.take(paced.elapsed);
                half_create = Some(Phase::open(
                    "create at half peak",
                    rate,
                    paced,
                    Some(commits),
                ));
            }
            None => progress(
                backend,
                "5. no create latency run: it needs the create phase or --rate",
            ),
        }
        if let Some(peak) = &status_phase {
            let rate = (peak.requests_per_s / 2).max(1);
            progress(backend, &format!("5. latency: status checks at {rate}/s"));
            let paced = open_loop(&status, concurrency, rate, duration, status_body, false).await?;
            half_status = Some(Phase::open("status at half peak", rate, paced, None));
        }
    }

    hub.running.shutdown().await;
    Ok(BackendReport::new(
        backend,
        location,
        options.https,
        store.write_concurrency(),
        create_phase,
        status_phase,
        constant_phase,
        bare,
        rowid,
        half_create,
        half_status,
    ))
}
