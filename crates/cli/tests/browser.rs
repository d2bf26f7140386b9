//! The payer's pages in a real browser: starts `maksa demo` on free ports and
//! runs the Node suite in `browser-tests/` (Debian's chromium driven by
//! playwright-core, axe-core for accessibility) against it. Screenshots of every
//! page visited land in `target/browser-screenshots/`.
//!
//! Needs `node` (20 or newer) on PATH, chromium (`MAKSA_CHROMIUM`, else
//! `/usr/bin/chromium`) and `npm ci --prefix browser-tests`; without them the
//! test says why and passes, unless `MAKSA_TEST_STRICT` is set (as in CI).

#![allow(clippy::unwrap_used)]

mod support;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{missing, repo_root, start_demo_with_history};

/// `node` on PATH, if it is version 20 or newer.
fn node() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let node = std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .ok_or("node is not on PATH")?;
    let output = Command::new(&node)
        .arg("--version")
        .output()
        .map_err(|e| format!("{} --version failed: {e}", node.display()))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        return Err(format!(
            "{} is {version}; the browser tests need Node 20 or newer",
            node.display()
        ));
    }
    Ok(node)
}

fn chromium() -> Result<PathBuf, String> {
    let path = std::env::var_os("MAKSA_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "no chromium at {} (apt-get install chromium, or set MAKSA_CHROMIUM)",
            path.display()
        ))
    }
}

fn node_modules(root: &Path) -> Result<(), String> {
    for package in ["playwright-core", "axe-core"] {
        let dir = root.join("browser-tests/node_modules").join(package);
        if !dir.join("package.json").is_file() {
            return Err(format!(
                "{} is missing (run `npm ci --prefix browser-tests`)",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// The running demo; killed when dropped, also when the test panics.
#[test]
fn the_payers_pages_work_in_a_real_browser() {
    let root = repo_root();
    let (node, chromium) = match (node(), chromium(), node_modules(&root)) {
        (Ok(node), Ok(chromium), Ok(())) => (node, chromium),
        (node, chromium, modules) => {
            let reasons: Vec<String> = [node.err(), chromium.err(), modules.err()]
                .into_iter()
                .flatten()
                .collect();
            missing(&reasons.join("; "), "browser tests");
            return;
        }
    };

    let screenshots = root.join("target/browser-screenshots");
    let _ = std::fs::remove_dir_all(&screenshots);

    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo_with_history(dir.path(), &[("MAKSA_RETURN_REDIRECT_SECONDS", "2")]);
    let status = Command::new(node)
        .args(["--test", "--test-concurrency=1", "browser-tests/"])
        .current_dir(&root)
        .env("MAKSA_HTTP", &demo.http)
        // The IVIS door (workspace.test.mjs submits with the client certificate).
        .env("MAKSA_HTTPS", &demo.https)
        .env("MAKSA_DATA_DIR", dir.path())
        // The operator's test imports a statement with `maksa treasury import`.
        .env("MAKSA_BIN", env!("CARGO_BIN_EXE_maksa"))
        .env("MAKSA_CHROMIUM", chromium)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    if !status.success() {
        let log = std::fs::read_to_string(&demo.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        eprintln!(
            "── the last lines of the demo's log ──\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    assert!(
        status.success(),
        "the browser tests failed ({status}); screenshots are in {}",
        screenshots.display()
    );
    drop(demo);
}
