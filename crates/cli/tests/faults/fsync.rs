//! A failing fsync under load, on SQLite. `maksa serve` runs with an
//! `LD_PRELOAD` shim (`fsync_fault.c`, built here with gcc) that makes the
//! next fsync/fdatasync calls fail with EIO when the test says so — once, as
//! Linux reports a write-back error once and then lets the next fsync succeed.
//!
//! The hub must latch: from the first failure on it refuses every write with
//! `503 STORAGE_FAILED` (a write sent after the first such refusal is never
//! answered 200), keeps answering reads, `/ready` says why, and one error line
//! is logged. Then the node is killed and started without the shim, as its
//! operator would restart it: everything acknowledged, before or after the
//! fault, is there (the crash harness's verdict), and `PRAGMA integrity_check`
//! is clean.
//!
//! Why our own shim rather than libfiu's `fiu-run`: it is thirty lines, needs
//! no package beyond gcc, and models exactly the failure in question (fail N
//! times, then succeed), switched on at a chosen moment by creating a file.

use crate::database::Database;
use crate::scenario::{Run, env_number, sqlite_integrity, tally, wait_for, writes};
use crate::support::missing;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Builds the shim into `dir`; `Err` says why it could not.
fn build_shim(dir: &Path) -> Result<PathBuf, String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/faults/fsync_fault.c");
    let library = dir.join("libmaksa_fsync_fault.so");
    let output = Command::new("gcc")
        .args(["-shared", "-fPIC", "-O1", "-Wall", "-o"])
        .arg(&library)
        .arg(&source)
        .arg("-ldl")
        .output()
        .map_err(|error| format!("cannot run gcc: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(library)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_latches_after_a_failed_fsync_and_acknowledges_nothing_it_could_not_flush() {
    let _serial = crate::scenario::SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let library = match build_shim(dir.path()) {
        Ok(library) => library,
        Err(reason) => {
            return missing(
                &format!("cannot build the fsync shim: {reason}"),
                "fault suites",
            );
        }
    };
    let switch = dir.path().join("fsync-fails");
    let failed_marks = dir.path().join("fsync-fails.failed");
    let path = dir.path().join("maksa.db");
    let url = format!("sqlite://{}", path.display());
    let mut run = Run::start(
        "fsync failing (SQLite)",
        dir.path(),
        &url,
        Database::Sqlite(path.clone()),
        vec![
            ("LD_PRELOAD".into(), library.display().to_string()),
            ("MAKSA_FAULT_FSYNC".into(), switch.display().to_string()),
        ],
    )
    .await;
    let failures = env_number("MAKSA_FAULT_FSYNC_FAILURES").unwrap_or(1);
    let latched_seconds = env_number("MAKSA_FAULT_LATCHED_SECONDS").unwrap_or(3);

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = run.ledger.calls().len();
    std::fs::write(&switch, failures.to_string()).unwrap();
    let fault_at = Instant::now();
    let fired = wait_for(Duration::from_secs(20), || failed_marks.exists()).await;
    assert!(fired, "no fsync failed within 20 s of the switch");
    let ledger = std::sync::Arc::clone(&run.ledger);
    let latched = wait_for(Duration::from_secs(20), || {
        ledger
            .calls()
            .iter()
            .any(|c| c.code.as_deref() == Some("STORAGE_FAILED"))
    })
    .await;
    let after_fault = run.calls_sent(fault_at, Instant::now());
    assert!(
        latched,
        "no write was refused with STORAGE_FAILED within 20 s of a failed fsync; writes since: {}",
        tally(&writes(&after_fault).collect::<Vec<_>>())
    );
    // The moment the client side first saw the latch: every write sent after
    // it must be refused.
    let seen = run
        .ledger
        .calls()
        .iter()
        .filter(|c| c.code.as_deref() == Some("STORAGE_FAILED"))
        .map(|c| c.answered)
        .min()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(latched_seconds)).await;
    let ready = reqwest::get(format!("{}/ready", run.env.http))
        .await
        .unwrap();
    let ready_status = ready.status().as_u16();
    let ready_text = ready.text().await.unwrap();
    let latched_until = Instant::now();

    // The operator restarts the node, without the fault.
    run.hub.kill();
    run.hub.env.clear();
    run.hub.start().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    run.stop_load().await;

    let latched_calls = run.calls_sent(seen, latched_until);
    let latched_writes: Vec<_> = writes(&latched_calls).collect();
    let latched_reads: Vec<_> = latched_calls
        .iter()
        .filter(|c| c.method == "checkpaymentrequeststatus")
        .collect();
    let window: Vec<_> = run.calls_sent(fault_at, seen);
    let log = run.hub.log_text();
    println!(
        "{before} calls before the fault; fsync failures injected: {}\n\
         writes between the fault and the first refusal seen ({:.2} s): {}\n\
         writes while latched ({:.1} s): {}\nreads while latched: {}\n/ready while latched: {ready_status} {}",
        std::fs::metadata(&failed_marks)
            .map(|m| m.len())
            .unwrap_or(0),
        (seen - fault_at).as_secs_f64(),
        tally(&writes(&window).collect::<Vec<_>>()),
        (latched_until - seen).as_secs_f64(),
        tally(&latched_writes),
        tally(&latched_reads),
        ready_text.trim(),
    );
    for call in &latched_writes {
        assert_ne!(
            call.status,
            Some(200),
            "a write sent after the latch was seen was acknowledged: {call:?}"
        );
        if call.status == Some(503) {
            assert_eq!(call.code.as_deref(), Some("STORAGE_FAILED"), "{call:?}");
            assert!(
                call.retry_after.is_some(),
                "503 without Retry-After: {call:?}"
            );
        }
    }
    assert!(
        latched_writes.iter().any(|c| c.status == Some(503)),
        "no write was refused while latched"
    );
    assert!(
        latched_reads.iter().any(|c| c.status == Some(200)),
        "no status read answered while latched"
    );
    assert_eq!(ready_status, 503, "/ready while latched: {ready_text}");
    assert!(ready_text.contains("STORAGE_FAILED"), "{ready_text}");
    assert!(
        log.contains("STORAGE FAILED"),
        "no error line in the log says the storage failed"
    );

    run.verdict().await;
    run.hub.kill();
    let integrity = sqlite_integrity(&path).await;
    assert_eq!(integrity, "ok", "PRAGMA integrity_check");
}
