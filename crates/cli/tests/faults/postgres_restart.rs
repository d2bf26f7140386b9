//! PostgreSQL restarted and made unreachable under load. The test makes its
//! own cluster (never the machine's shared one): `initdb` into a temporary
//! directory, owned by the user `postgres` when the test runs as root (the
//! server refuses root), started with `pg_ctl` on a free port. `maksa serve`
//! runs against it under the crash harness's load while the cluster is
//! stopped with `-m immediate` (a crash: in-flight transactions are cut off)
//! and started again at once, then stopped for several seconds (unreachable)
//! and started again. maksa is never restarted.
//!
//! While the database is away every call is answered, `503 UNAVAILABLE` with
//! `Retry-After`, within the pool's acquire timeout; a payer who presses "pay"
//! gets the hub's outage page (503), not the notice that the bank is away; the
//! workers back off (`maksa_worker_backoffs_total`); afterwards writes succeed
//! again and the crash harness's verdict finds nothing acknowledged lost or
//! doubled.

use crate::database::Database;
use crate::payer::PayLater;
use crate::scenario::{Run, create_request, env_number, metric, tally, writes};
use crate::support::{free_port, missing};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A cluster of this test's own, stopped (immediately) when dropped.
struct Cluster {
    data: PathBuf,
    log: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        let program = format!("{BIN}/{program}");
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &program]);
            command
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let output = self
            .command(program)
            .args(args)
            .output()
            .map_err(|error| format!("cannot run {program}: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {args:?}: {}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn init(dir: &Path) -> Result<Cluster, String> {
        if !Path::new(BIN).join("initdb").exists() {
            return Err(format!("no {BIN}/initdb"));
        }
        // SAFETY-free check of the effective user: `id -u`.
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| e.to_string())?;
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let root = dir.join("pg");
        std::fs::create_dir(&root).map_err(|e| e.to_string())?;
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&root)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err("cannot give the cluster's directory to postgres".into());
            }
            // The temporary directory above it is root's, mode 0700.
            let _ = Command::new("chmod").arg("755").arg(dir).status();
        }
        let cluster = Cluster {
            data: root.join("data"),
            log: root.join("server.log"),
            port: free_port(),
            as_postgres,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                cluster.data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        cluster.start()?;
        Ok(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.data.parent().unwrap().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-l",
                self.log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
    }

    fn stop(&self, mode: &str) -> Result<(), String> {
        self.run(
            "pg_ctl",
            &["-D", self.data.to_str().unwrap(), "-m", mode, "-w", "stop"],
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop("immediate");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_and_unreachable_under_load_loses_nothing_and_resumes() {
    let _serial = crate::scenario::SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let cluster = match Cluster::init(dir.path()) {
        Ok(cluster) => cluster,
        Err(reason) => {
            return missing(
                &format!("cannot make a PostgreSQL cluster: {reason}"),
                "fault suites",
            );
        }
    };
    let hub_dir = dir.path().join("hub");
    std::fs::create_dir(&hub_dir).unwrap();
    let url = cluster.url();
    let mut run = Run::start(
        "PostgreSQL restarted and unreachable",
        &hub_dir,
        &url,
        Database::Postgres(url.clone()),
        Vec::new(),
    )
    .await;
    let away_seconds = env_number("MAKSA_FAULT_AWAY_SECONDS").unwrap_or(6);
    let restarts = env_number("MAKSA_FAULT_RESTARTS").unwrap_or(1);

    // Crash restarts: in-flight transactions are cut off, maksa stays up.
    for _ in 0..restarts {
        tokio::time::sleep(Duration::from_secs(2)).await;
        cluster.stop("immediate").unwrap();
        cluster.start().unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let backoffs_before = metric(&run.env, "maksa_worker_backoffs_total")
        .await
        .unwrap_or(0);
    let log_before = run.hub.log_text().lines().count();

    // A payer opens a request's page now and presses "pay" while it is away.
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let to_pay = create_request(&run.env, tomorrow).await;
    let pay_later = PayLater::open(&run.env, &to_pay)
        .await
        .expect("the request's page with its pay form");

    // Unreachable for a while.
    cluster.stop("fast").unwrap();
    let away_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(away_seconds)).await;
    let pressed = pay_later.press().await.expect("an answer to \"pay\"");
    let ready = reqwest::get(format!("{}/ready", run.env.http))
        .await
        .unwrap();
    let ready_status = ready.status().as_u16();
    let backoffs_away = metric(&run.env, "maksa_worker_backoffs_total")
        .await
        .unwrap_or(0);
    let back_at = Instant::now();
    let log_away: Vec<String> = run
        .hub
        .log_text()
        .lines()
        .skip(log_before)
        .map(str::to_owned)
        .collect();
    cluster.start().unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    run.stop_load().await;

    // Calls sent and answered while the database was away: one sent just
    // before it came back may rightly succeed on the new connection.
    let away: Vec<_> = run
        .calls_sent(away_at, back_at)
        .into_iter()
        .filter(|c| c.answered < back_at)
        .collect();
    let away_all: Vec<_> = away.iter().collect();
    let after = run.calls_sent(back_at + Duration::from_secs(1), Instant::now());
    let after_writes: Vec<_> = writes(&after).collect();
    let worker_lines = log_away.iter().filter(|l| l.contains("paused")).count();
    let slowest = away
        .iter()
        .filter(|c| c.status.is_some())
        .map(|c| c.answered - c.sent)
        .max()
        .unwrap_or_default();
    println!(
        "away {away_seconds} s after {restarts} crash restart(s)\n\
         calls while away: {}\nslowest answer while away: {:.2} s\n\
         worker log lines while away: {worker_lines}; backoffs {backoffs_before} → {backoffs_away}\n\
         /ready while away: {ready_status}\nwrites after it came back: {}",
        tally(&away_all),
        slowest.as_secs_f64(),
        tally(&after_writes),
    );
    for call in &away {
        if let Some(status) = call.status {
            assert_eq!(status, 503, "while the database is away: {call:?}");
            assert_eq!(call.code.as_deref(), Some("UNAVAILABLE"), "{call:?}");
            assert!(
                call.retry_after.is_some(),
                "503 without Retry-After: {call:?}"
            );
        }
    }
    assert!(
        away.iter().any(|c| c.status == Some(503)),
        "no call was answered while the database was away"
    );
    // Answered, not hung: the pool's acquire timeout bounds every call.
    assert!(
        slowest < Duration::from_secs(10),
        "a call waited {slowest:?} for an unreachable database"
    );
    assert_eq!(ready_status, 503, "/ready while the database is away");
    // The hub's outage, said as such: not "the bank cannot take payments".
    assert_eq!(pressed.status.as_u16(), 503, "pay while away: {pressed:?}");
    assert_eq!(pressed.state.as_deref(), Some("unavailable"), "{pressed:?}");
    assert!(pressed.location.is_none(), "{pressed:?}");
    assert!(
        backoffs_away > backoffs_before,
        "the workers did not back off ({backoffs_before} → {backoffs_away})"
    );
    // No tight loop: a few lines per failed round, rounds seconds apart.
    assert!(
        worker_lines as u64 <= 4 * away_seconds + 4,
        "{worker_lines} worker log lines in {away_seconds} s:\n{}",
        log_away.join("\n")
    );
    assert!(
        after_writes.iter().any(|c| c.status == Some(200)),
        "no write succeeded after the database came back"
    );

    run.verdict().await;
    run.hub.kill();
    drop(cluster);
}
