//! What the tests that run the real `maksa demo` binary share: starting it on
//! free ports, and the strict mode in which nothing may skip.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Something a suite needs is missing: a failure in strict mode (CI), a note
/// naming `suite` otherwise.
pub fn missing(reason: &str, suite: &str) {
    if std::env::var_os("MAKSA_TEST_STRICT").is_some() {
        panic!("{reason} (MAKSA_TEST_STRICT is set: nothing may skip)");
    }
    eprintln!("{reason}; the {suite} are skipped");
}

/// A port free on 127.0.0.1 at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs an operator command of the binary (`migrate`, `catalog import`,
/// `client add` …) against `database_url`; fails the test with its error output
/// when it fails.
pub fn maksa(args: &[&str], database_url: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_maksa"))
        .args(args)
        .env("MAKSA_DATABASE_URL", database_url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "maksa {args:?}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The running demo; killed when dropped, also when the test panics (then
/// the end of its log is printed).
pub struct Demo {
    child: Child,
    /// The payer's pages and the legacy API.
    pub http: String,
    /// The API with client certificates, as `https://localhost:port` (the
    /// demo's server certificate names localhost).
    pub https: String,
    pub log: PathBuf,
}

impl Demo {
    /// SIGKILL, and waits for the process to be gone.
    #[allow(dead_code)] // Not every test binary kills its demo.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!(
                "── the last lines of the demo's log ──\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
    }
}

/// Starts `maksa demo --no-history` with its data in `dir`, on free ports,
/// with `env` set, and waits until it has printed both its addresses: an
/// empty demo, whose lists hold only what the test made.
pub fn start_demo(dir: &Path, env: &[(&str, &str)]) -> Demo {
    start_demo_as(dir, env, false)
}

/// [`start_demo`] as a new user runs it: a fresh data directory gets the
/// demo's payment history (docs/dashboard.md).
#[allow(dead_code)] // Not every test binary wants the history.
pub fn start_demo_with_history(dir: &Path, env: &[(&str, &str)]) -> Demo {
    start_demo_as(dir, env, true)
}

fn start_demo_as(dir: &Path, env: &[(&str, &str)], history: bool) -> Demo {
    let log = dir.join("demo.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_maksa"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--tls-listen",
            "127.0.0.1:0",
        ])
        .args((!history).then_some("--no-history"))
        .arg("--data-dir")
        .arg(dir)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut http, mut https) = (String::new(), String::new());
    while http.is_empty() || https.is_empty() {
        let Some(line) = lines.next() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the demo stopped before printing its addresses; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let line = line.unwrap();
        if let Some(at) = line.find("https://") {
            https = line[at..].trim().replace("127.0.0.1", "localhost");
        } else if let Some(at) = line.find("http://") {
            http = line[at..].trim().to_owned();
        }
    }
    // Keep draining stdout so the demo never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Demo {
        child,
        http,
        https,
        log,
    }
}

/// A local HTTP endpoint standing in for an e-service: records the head
/// (request line and headers) of every request and answers 200 after
/// `answer_after` (a slow client keeps deliveries in flight). Answers its port
/// and the heads seen so far.
pub async fn notification_sink(
    answer_after: std::time::Duration,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let heads = std::sync::Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let heads = std::sync::Arc::clone(&heads);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                heads
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                tokio::time::sleep(answer_after).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (port, seen)
}

/// The text after `label` on the line of a client's output that starts with it.
pub fn after<'a>(output: &'a str, label: &str) -> &'a str {
    output
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` in:\n{output}"))
        .trim()
}

/// A REST client with the demo client's certificate, trusting the demo CA,
/// from the demo's data directory.
pub fn demo_rest_client(dir: &Path) -> reqwest::Client {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let tls = maksa_x509::client_config_with_identity(
        &read("demo-ca.crt.pem"),
        &read("demo-client.crt.pem"),
        &read("demo-client.key.pem"),
    )
    .unwrap();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
}

/// A client program's standard output once it has exited successfully;
/// otherwise the test fails with both its outputs.
pub fn stdout_of(what: &str, output: std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what}: {}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("── {what}\n{stdout}");
    stdout
}

/// A tmpfs mounted for one test (needs root), unmounted when dropped.
pub struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Mounts a tmpfs of `size` (as `mount -o size=` takes it) at `at`.
pub fn mount_tmpfs(at: &Path, size: &str) -> Result<Tmpfs, String> {
    let output = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .output()
        .map_err(|error| format!("cannot run mount: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    Ok(Tmpfs(at.to_owned()))
}
