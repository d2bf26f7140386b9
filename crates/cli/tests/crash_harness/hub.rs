//! The hub under test: `maksa serve` set up as `maksa demo` sets itself up (the
//! demo catalogue, a demo PKI and its client certificate, the demo bank), on
//! fixed ports so that every address a payer or the bank holds stays good
//! across restarts; started, killed with SIGKILL and started again.

use crate::support::maksa;
use rand::Rng;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port below the kernel's ephemeral range. The server's ports are kept
/// across restarts, and while it is dead this process opens many connections
/// (retries, new payers); one of them taking the port as its own local port
/// would keep the next start from binding it.
fn fixed_port() -> u16 {
    let ephemeral_low: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32768);
    let low = (ephemeral_low / 2).max(1024);
    for _ in 0..1000 {
        let port = rand::rng().random_range(low..ephemeral_low);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {low}..{ephemeral_low}");
}

/// The demo catalogue's client (its contract notifies cancellations too).
const CLIENT: &str = "demo";

pub struct Hub {
    /// The payer's pages, the demo bank and the providers' endpoints.
    pub http: String,
    /// The API, with the client certificate.
    pub https: String,
    config: PathBuf,
    log: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
    /// How many times the server was started.
    pub starts: u64,
    /// Extra environment of the server process (the fault suites: an
    /// `LD_PRELOAD`ed fault, a fake clock).
    pub env: Vec<(String, String)>,
}

impl Hub {
    /// Migrates `database_url`, imports the demo catalogue, registers a client
    /// certificate and writes the configuration; starts nothing yet.
    pub fn prepare(dir: &Path, database_url: &str, sink_port: u16) -> Hub {
        let http_port = fixed_port();
        let https_port = loop {
            let port = fixed_port();
            if port != http_port {
                break port;
            }
        };
        let pki = maksa_x509::generate_demo_pki(
            &["localhost".into(), "127.0.0.1".into()],
            "crash harness e-service",
        )
        .unwrap();
        for (name, content) in [
            ("demo-ca.crt.pem", &pki.ca_cert_pem),
            ("demo-server.crt.pem", &pki.server_cert_pem),
            ("demo-server.key.pem", &pki.server_key_pem),
            ("demo-client.crt.pem", &pki.client_cert_pem),
            ("demo-client.key.pem", &pki.client_key_pem),
        ] {
            std::fs::write(dir.join(name), content).unwrap();
        }
        maksa(&["migrate"], database_url);
        let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/catalog.toml");
        maksa(&["catalog", "import", catalog], database_url);
        let certificate = dir.join("demo-client.crt.pem");
        maksa(
            &[
                "client",
                "add",
                "--client",
                CLIENT,
                "--certificate",
                certificate.to_str().unwrap(),
            ],
            database_url,
        );
        let path = |name: &str| dir.join(name).display().to_string();
        let config = dir.join("maksa.toml");
        std::fs::write(
            &config,
            format!(
                "database_url = {database_url:?}\n\
                 public_base_url = \"http://127.0.0.1:{http_port}\"\n\
                 http_listen = \"127.0.0.1:{http_port}\"\n\
                 legacy_body_auth = true\n\
                 demo_bank_key_dir = {dir:?}\n\
                 outbound_allow = [\"127.0.0.0/8\"]\n\
                 outbound_ports = [{sink_port}]\n\
                 retry_schedule = \"1s*30\"\n\
                 list_limit = 1000000\n\
                 [rate_limits]\n\
                 enabled = false\n\
                 [https]\n\
                 listen = \"127.0.0.1:{https_port}\"\n\
                 certificate = {:?}\n\
                 private_key = {:?}\n\
                 client_ca = [{:?}]\n",
                path("demo-server.crt.pem"),
                path("demo-server.key.pem"),
                path("demo-ca.crt.pem"),
                dir = dir.display().to_string(),
            ),
        )
        .unwrap();
        Hub {
            http: format!("http://127.0.0.1:{http_port}"),
            https: format!("https://localhost:{https_port}"),
            config,
            log: dir.join("serve.log"),
            dir: dir.to_owned(),
            child: None,
            starts: 0,
            env: Vec::new(),
        }
    }

    /// A REST client presenting the registered certificate, trusting the demo CA.
    pub fn rest_client(&self) -> reqwest::Client {
        crate::support::demo_rest_client(&self.dir)
    }

    /// Starts `maksa serve` (its log appended to `serve.log`) and waits until it
    /// answers `/ready`.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "the hub is already running");
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        self.starts = self.starts.saturating_add(1);
        writeln!(log, "──── crash harness: start {} ────", self.starts).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_maksa"))
            .args(["serve", "--config"])
            .arg(&self.config)
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let ready = format!("{}/ready", self.http);
        let probe = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = probe.get(&ready).send().await
                && response.status().is_success()
            {
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("maksa serve exited ({status}) before it was ready");
            }
            assert!(
                Instant::now() < deadline,
                "maksa serve was not ready in 60 s"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, whatever was in flight is cut off.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// The server's whole log (every start of this run).
    #[allow(dead_code)] // the fault suites' (tests/faults)
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines of the server's log (every start of this run).
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(lines).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "── the last lines of maksa serve's log ──\n{}",
                self.log_tail(60)
            );
        }
    }
}

/// One REST call's answer.
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub error: Option<String>,
    pub retry_after: Option<String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Where the load and the checks reach the hub.
pub struct Env {
    pub http: String,
    pub https: String,
    pub rest: reqwest::Client,
    /// `ServerResponseUrl` of every request: the sink in this process.
    pub sink: String,
}

impl Env {
    /// `POST /api/v1/payments/{method}` over HTTPS with the client certificate.
    pub async fn api(&self, method: &str, body: &Value) -> Result<Answer, reqwest::Error> {
        let response = self
            .rest
            .post(format!("{}/api/v1/payments/{method}", self.https))
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let error = response
            .headers()
            .get("mm-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await?;
        Ok(Answer {
            status,
            error,
            retry_after,
            text,
        })
    }

    /// The same call, repeated until the hub answers something other than a
    /// server error (the checks run against a hub that is up).
    pub async fn api_answered(&self, method: &str, body: &Value) -> Answer {
        let mut tries = 0u32;
        loop {
            match self.api(method, body).await {
                Ok(answer) if !answer.status.is_server_error() => return answer,
                other => {
                    tries = tries.saturating_add(1);
                    if tries > 50 {
                        match other {
                            Ok(answer) => panic!(
                                "{method}: {} {:?} {}",
                                answer.status, answer.error, answer.text
                            ),
                            Err(e) => panic!("{method}: {e}"),
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// A link of a page made absolute.
    pub fn absolute(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.http)
        }
    }
}
