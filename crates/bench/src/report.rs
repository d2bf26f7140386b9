//! The results: a table per backend for people, the same as JSON for tools,
//! and the targets checked against what was measured.

use crate::bare::{BareInserts, RowidInserts};
use crate::io::BytesPerRow;
use crate::load::Outcome;
use crate::observed::GroupCommit;
use crate::stats::{Latency, ms, per_second};
use crate::{Backend, Options};
use serde::Serialize;
use std::fmt::Write as _;

/// Status checks per second the issue asks for, on either backend.
const STATUS_TARGET: u64 = 20_000;
/// The p99 the issue asks for at half the peak rate, in microseconds.
const HALF_PEAK_P99_TARGET_US: u64 = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
}

impl Machine {
    pub fn here() -> Machine {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine { cores, cpu_model }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub concurrency: usize,
    pub duration_s: u64,
    pub requests: Option<u64>,
    pub batch: usize,
    pub bare_rows: u64,
    pub rate: Option<u64>,
    pub warmup_s: u64,
    pub transport: &'static str,
    /// CPU time of one `parse_mm_cert` of the demo client certificate, measured
    /// before the run (the plain-HTTP door pays it on every request).
    pub mm_cert_parse_us: u64,
}

impl Settings {
    pub fn of(options: &Options) -> Settings {
        Settings {
            concurrency: options.concurrency,
            duration_s: options.duration,
            requests: options.requests,
            batch: options.batch,
            bare_rows: options.bare_rows,
            rate: options.rate,
            warmup_s: options.warmup,
            transport: if options.https {
                "HTTPS, mutual TLS with the demo client certificate (no MM_Cert in the body)"
            } else {
                "plain HTTP, MM_Cert in the body (legacy body authentication)"
            },
            mm_cert_parse_us: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: &'static str,
    /// Answers with status 200 per second.
    pub requests_per_s: u64,
    /// Open loop: the rate requests were offered at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_per_s: Option<u64>,
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_commit: Option<GroupCommit>,
    /// Bytes this process wrote per answered request (`/proc/self/io`), where measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_request: Option<BytesPerRow>,
}

impl Phase {
    pub fn closed(
        name: &'static str,
        outcome: Outcome,
        group_commit: Option<GroupCommit>,
    ) -> Phase {
        Phase {
            name,
            requests_per_s: per_second(outcome.ok, outcome.elapsed),
            offered_per_s: None,
            outcome,
            group_commit,
            bytes_per_request: None,
        }
    }

    pub fn open(
        name: &'static str,
        offered: u64,
        outcome: Outcome,
        group_commit: Option<GroupCommit>,
    ) -> Phase {
        Phase {
            name,
            requests_per_s: per_second(outcome.ok, outcome.elapsed),
            offered_per_s: Some(offered),
            outcome,
            group_commit,
            bytes_per_request: None,
        }
    }

    /// The latency a caller sees: from the scheduled instant in open loop.
    fn caller_latency(&self) -> Latency {
        self.outcome
            .scheduled_latency
            .unwrap_or(self.outcome.latency)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub what: String,
    pub measured: String,
    pub met: bool,
}

/// One backend's results; a phase left out by `--phases` is `None`.
#[derive(Debug, Clone, Serialize)]
pub struct BackendReport {
    pub backend: &'static str,
    pub database: String,
    pub https: bool,
    pub write_concurrency: usize,
    pub create: Option<Phase>,
    pub status: Option<Phase>,
    pub ceiling_a_constant_http: Option<Phase>,
    pub ceiling_b_bare_insert: Option<BareInserts>,
    pub ceiling_c_rowid_insert: Option<RowidInserts>,
    pub create_half_peak: Option<Phase>,
    pub status_half_peak: Option<Phase>,
    pub targets: Vec<TargetCheck>,
    /// Some request was not answered 200.
    pub failed: bool,
}

impl BackendReport {
    #[allow(clippy::too_many_arguments)] // One value per measured phase, named at the call.
    pub fn new(
        backend: Backend,
        database: String,
        https: bool,
        write_concurrency: usize,
        create: Option<Phase>,
        status: Option<Phase>,
        constant: Option<Phase>,
        bare: Option<BareInserts>,
        rowid: Option<RowidInserts>,
        create_half_peak: Option<Phase>,
        status_half_peak: Option<Phase>,
    ) -> BackendReport {
        let phases = [
            &create,
            &status,
            &constant,
            &create_half_peak,
            &status_half_peak,
        ];
        let failed = phases
            .iter()
            .filter_map(|p| p.as_ref())
            .any(|p| p.outcome.failures() > 0)
            || bare.as_ref().is_some_and(|b| b.failed_items > 0);
        let half = |phase: &Phase| {
            let p99 = phase.caller_latency().p99_us;
            TargetCheck {
                what: format!(
                    "{}: p99 < 10 ms (offered {}/s)",
                    phase.name,
                    phase.offered_per_s.unwrap_or(0)
                ),
                measured: format!("p99 {} ms", ms(p99)),
                met: p99 < HALF_PEAK_P99_TARGET_US && phase.outcome.failures() == 0,
            }
        };
        let mut targets = Vec::new();
        if let Some(create) = &create {
            targets.push(TargetCheck {
                what: format!("create ≥ {} durable/s", backend.create_target()),
                measured: format!("{}/s", create.requests_per_s),
                met: create.requests_per_s >= backend.create_target(),
            });
        }
        if let Some(status) = &status {
            targets.push(TargetCheck {
                what: format!("status ≥ {STATUS_TARGET}/s"),
                measured: format!("{}/s", status.requests_per_s),
                met: status.requests_per_s >= STATUS_TARGET,
            });
        }
        targets.extend(
            create_half_peak
                .iter()
                .chain(status_half_peak.iter())
                .map(half),
        );
        targets.push(TargetCheck {
            what: "every request answered 200".into(),
            measured: if failed {
                "some were not".into()
            } else {
                "all were".into()
            },
            met: !failed,
        });
        BackendReport {
            backend: backend.name(),
            database,
            https,
            write_concurrency,
            create,
            status,
            ceiling_a_constant_http: constant,
            ceiling_b_bare_insert: bare,
            ceiling_c_rowid_insert: rowid,
            create_half_peak,
            status_half_peak,
            targets,
            failed,
        }
    }

    fn phases(&self) -> impl Iterator<Item = &Phase> {
        [
            &self.create,
            &self.status,
            &self.ceiling_a_constant_http,
            &self.create_half_peak,
            &self.status_half_peak,
        ]
        .into_iter()
        .filter_map(Option::as_ref)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub machine: Machine,
    pub settings: Settings,
    pub backends: Vec<BackendReport>,
    pub failed: bool,
}

pub fn header(machine: &Machine, settings: &Settings) -> String {
    let length = match settings.requests {
        Some(n) => format!("{n} requests per closed-loop phase"),
        None => format!("{} s per phase", settings.duration_s),
    };
    format!(
        "maksa-bench: {} cores ({}), concurrency {}, {length}, warm-up {} s\n\
         transport: {}\n\
         one MM_Cert parse (paid per plain-HTTP request by the server): {} µs\n\
         the load generator runs in the same process, on the same cores, as the server it measures",
        machine.cores,
        machine.cpu_model,
        settings.concurrency,
        settings.warmup_s,
        settings.transport,
        settings.mm_cert_parse_us
    )
}

fn failures(outcome: &Outcome) -> String {
    let mut text = outcome.failures().to_string();
    if !outcome.non_200.is_empty() {
        let statuses: Vec<String> = outcome
            .non_200
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        let _ = write!(text, " ({})", statuses.join(", "));
    }
    text
}

fn phase_row(out: &mut String, phase: &Phase) {
    let l = phase.caller_latency();
    let name = match phase.offered_per_s {
        Some(rate) => format!("{} ({rate}/s offered)", phase.name),
        None => phase.name.to_owned(),
    };
    let _ = writeln!(
        out,
        "  {name:<44} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        phase.requests_per_s,
        ms(l.p50_us),
        ms(l.p90_us),
        ms(l.p99_us),
        ms(l.max_us),
        phase.outcome.ok,
        failures(&phase.outcome)
    );
}

fn group_commit_row(out: &mut String, label: &str, gc: &GroupCommit) {
    let _ = writeln!(
        out,
        "  group commit during {label}: {} commits ({}/s), {} rows per commit on average (median {}, max {}), commit p50 {} ms, p99 {} ms, max {} ms; {} certificate look-ups past the cache",
        gc.commits,
        gc.commits_per_s,
        gc.batch_mean,
        gc.batch_p50,
        gc.batch_max,
        ms(gc.commit_latency.p50_us),
        ms(gc.commit_latency.p99_us),
        ms(gc.commit_latency.max_us),
        gc.certificate_lookups
    );
}

pub fn table(report: &BackendReport) -> String {
    let mut out = String::new();
    let transport = if report.https {
        "HTTPS + client certificate"
    } else {
        "plain HTTP + MM_Cert"
    };
    let _ = writeln!(
        out,
        "\n== {} — {} — {transport} — store write concurrency {} ==",
        report.backend, report.database, report.write_concurrency
    );
    let _ = writeln!(
        out,
        "  {:<44} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "phase", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "ok", "failed"
    );
    for phase in report.phases() {
        phase_row(&mut out, phase);
    }
    if let Some(b) = &report.ceiling_b_bare_insert {
        let _ = writeln!(
            out,
            "  {:<44} {:>8} rows/s — {} rows in {} batches of {} from {} writer(s) in {} ms; per batch p50 {} ms, p99 {} ms; {} items failed; bytes written by this process per row (write_bytes / wchar): {}",
            "ceiling B: bare inserts",
            b.rows_per_s,
            b.rows,
            b.batches,
            b.batch_size,
            b.writers,
            b.elapsed_ms,
            ms(b.batch_latency.p50_us),
            ms(b.batch_latency.p99_us),
            b.failed_items,
            BytesPerRow::describe(b.bytes_per_row)
        );
    }
    if let Some(c) = &report.ceiling_c_rowid_insert {
        let _ = writeln!(
            out,
            "  {:<44} {:>8} rows/s — {} rows of {} bytes in batches of {}, 1 writer, in {} ms; per batch p50 {} ms, p99 {} ms; bytes written per row (write_bytes / wchar): {}",
            "ceiling C: SQLite, rowid-only table",
            c.rows_per_s,
            c.rows,
            c.row_bytes,
            c.batch_size,
            c.elapsed_ms,
            ms(c.batch_latency.p50_us),
            ms(c.batch_latency.p99_us),
            BytesPerRow::describe(c.bytes_per_row)
        );
    }
    for phase in report.phases() {
        if let Some(bytes) = phase.bytes_per_request {
            let _ = writeln!(
                out,
                "  bytes written by this process per answered request in {} (write_bytes / wchar): {}",
                phase.name,
                BytesPerRow::describe(Some(bytes))
            );
        }
    }
    let paced: Vec<&Phase> = report
        .create_half_peak
        .iter()
        .chain(report.status_half_peak.iter())
        .collect();
    if !paced.is_empty() {
        let _ = writeln!(
            out,
            "  half-peak latencies count from the scheduled send instant; from the actual send they are:"
        );
        for phase in paced {
            let l = phase.outcome.latency;
            let _ = writeln!(
                out,
                "    {}: p50 {} ms, p99 {} ms",
                phase.name,
                ms(l.p50_us),
                ms(l.p99_us)
            );
        }
    }
    for phase in report.phases() {
        if let Some(gc) = &phase.group_commit {
            group_commit_row(&mut out, phase.name, gc);
        }
    }
    for phase in report.phases() {
        if let Some(why) = &phase.outcome.first_failure {
            let _ = writeln!(out, "  first failure in {}: {why}", phase.name);
        }
    }
    let _ = writeln!(out, "  targets:");
    for target in &report.targets {
        let _ = writeln!(
            out,
            "    [{}] {} — measured {}",
            if target.met { "met" } else { "MISSED" },
            target.what,
            target.measured
        );
    }
    out
}
