//! The load generator: `concurrency` tasks, each owning one keep-alive
//! HTTP/1.1 connection (plain or TLS) and sending one request after another.
//! There is no client-side pool, queue or JSON encoding in the hot loop — the
//! generator shares the machine's cores with the server it measures, so every
//! cycle it spends is a cycle the server does not get.

use crate::stats::{Latency, micros};
use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Where one phase sends its requests.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub path: String,
    host: HeaderValue,
    tls: Option<TlsConnector>,
}

pub type Connection = SendRequest<Full<Bytes>>;

/// Makes the body of each request (a clone of one buffer, or a fresh one).
pub type BodyMaker = Arc<dyn Fn() -> Bytes + Send + Sync>;

impl Target {
    pub fn new(addr: SocketAddr, path: &str, tls: Option<TlsConnector>) -> anyhow::Result<Target> {
        let host =
            HeaderValue::from_str(&addr.to_string()).context("the address as a Host header")?;
        Ok(Target {
            addr,
            path: path.to_owned(),
            host,
            tls,
        })
    }

    pub async fn connect(&self) -> anyhow::Result<Connection> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("connecting to {}", self.addr))?;
        // Requests are small and answered at once: waiting to coalesce them only adds latency.
        tcp.set_nodelay(true)?;
        let sender = match &self.tls {
            None => {
                let (sender, connection) = http1::handshake(TokioIo::new(tcp)).await?;
                tokio::spawn(connection);
                sender
            }
            Some(connector) => {
                let name = ServerName::IpAddress(self.addr.ip().into());
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .context("TLS handshake")?;
                let (sender, connection) = http1::handshake(TokioIo::new(tls)).await?;
                tokio::spawn(connection);
                sender
            }
        };
        Ok(sender)
    }

    /// One POST on an open connection: the status and the whole answer body.
    async fn post(
        &self,
        connection: &mut Connection,
        body: Bytes,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.path.as_str())
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Full::new(body))?;
        connection.ready().await?;
        let response = connection.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// When a closed-loop phase stops.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    For(Duration),
    Requests(u64),
}

/// What one phase measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub elapsed_ms: u64,
    #[serde(skip)]
    pub elapsed: Duration,
    /// Answers with status 200.
    pub ok: u64,
    /// Answers with another status, by status.
    pub non_200: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection errors), or a 200 that was not
    /// what the phase expects (a create answer without an id).
    pub errors: u64,
    /// The first failure, to tell what went wrong.
    pub first_failure: Option<String>,
    /// From sending the request to having the whole answer.
    pub latency: Latency,
    /// Open loop only: from the instant the schedule said to send (so waiting
    /// for a free connection or a late timer counts too).
    pub scheduled_latency: Option<Latency>,
    #[serde(skip)]
    pub ids: Vec<String>,
}

impl Outcome {
    pub fn failures(&self) -> u64 {
        self.non_200.values().sum::<u64>() + self.errors
    }
}

/// What one task saw.
#[derive(Default)]
struct TaskLog {
    latencies: Vec<u32>,
    scheduled: Vec<u32>,
    ok: u64,
    non_200: BTreeMap<u16, u64>,
    errors: u64,
    first_failure: Option<String>,
    ids: Vec<String>,
}

impl TaskLog {
    fn fail(&mut self, why: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_failure.is_none() {
            self.first_failure = Some(why());
        }
    }

    /// Sends one request and records its answer. Returns false when the
    /// connection is gone and could not be reopened (the task then stops).
    async fn exchange(
        &mut self,
        target: &Target,
        connection: &mut Connection,
        body: Bytes,
        collect_ids: bool,
    ) -> bool {
        let sent = Instant::now();
        match target.post(connection, body).await {
            Ok((status, answer)) => {
                self.latencies.push(micros(sent.elapsed()));
                if status == StatusCode::OK {
                    if collect_ids {
                        match created_id(&answer) {
                            Some(id) => {
                                self.ok += 1;
                                self.ids.push(id);
                            }
                            None => self.fail(|| {
                                format!(
                                    "200 without a PaymentRequestId: {}",
                                    String::from_utf8_lossy(&answer)
                                )
                            }),
                        }
                    } else {
                        self.ok += 1;
                    }
                } else {
                    *self.non_200.entry(status.as_u16()).or_default() += 1;
                    if self.first_failure.is_none() {
                        self.first_failure =
                            Some(format!("{status}: {}", String::from_utf8_lossy(&answer)));
                    }
                }
                true
            }
            Err(error) => {
                self.fail(|| format!("no answer: {error:#}"));
                match target.connect().await {
                    Ok(fresh) => {
                        *connection = fresh;
                        true
                    }
                    Err(error) => {
                        self.fail(|| format!("cannot reconnect: {error:#}"));
                        false
                    }
                }
            }
        }
    }
}

/// The id in a `savepaymentrequest` answer (`{"PaymentRequestId":"…",…}`),
/// found without a JSON parser to keep the generator cheap.
fn created_id(answer: &[u8]) -> Option<String> {
    const KEY: &str = "\"PaymentRequestId\":\"";
    let text = std::str::from_utf8(answer).ok()?;
    let start = text.find(KEY)? + KEY.len();
    let end = start + text.get(start..)?.find('"')?;
    Some(text.get(start..end)?.to_owned())
}

async fn open_connections(target: &Target, count: usize) -> anyhow::Result<Vec<Connection>> {
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count {
        connections.push(target.connect().await?);
    }
    Ok(connections)
}

fn merge(logs: Vec<TaskLog>, elapsed: Duration, open_loop: bool) -> Outcome {
    let mut latencies = Vec::new();
    let mut scheduled = Vec::new();
    let mut outcome = Outcome {
        elapsed,
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        ..Outcome::default()
    };
    for log in logs {
        latencies.extend_from_slice(&log.latencies);
        scheduled.extend_from_slice(&log.scheduled);
        outcome.ok += log.ok;
        outcome.errors += log.errors;
        for (status, count) in log.non_200 {
            *outcome.non_200.entry(status).or_default() += count;
        }
        if outcome.first_failure.is_none() {
            outcome.first_failure = log.first_failure;
        }
        outcome.ids.extend(log.ids);
    }
    outcome.latency = Latency::of(&mut latencies);
    if open_loop {
        outcome.scheduled_latency = Some(Latency::of(&mut scheduled));
    }
    outcome
}

/// Closed loop: every task sends its next request as soon as the previous one
/// is answered, so throughput is what the server sustains at this concurrency.
pub async fn closed_loop(
    target: &Target,
    concurrency: usize,
    budget: Budget,
    body: BodyMaker,
    collect_ids: bool,
) -> anyhow::Result<Outcome> {
    let connections = open_connections(target, concurrency).await?;
    let remaining = Arc::new(AtomicU64::new(match budget {
        Budget::Requests(n) => n,
        Budget::For(_) => u64::MAX,
    }));
    let started = Instant::now();
    let deadline = match budget {
        Budget::For(duration) => Some(started + duration),
        Budget::Requests(_) => None,
    };
    let mut tasks = Vec::with_capacity(concurrency);
    for mut connection in connections {
        let target = target.clone();
        let body = Arc::clone(&body);
        let remaining = Arc::clone(&remaining);
        tasks.push(tokio::spawn(async move {
            let mut log = TaskLog::default();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                // Take one request from the budget; stop when it is spent.
                if remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_err()
                {
                    break;
                }
                if !log
                    .exchange(&target, &mut connection, body(), collect_ids)
                    .await
                {
                    break;
                }
            }
            log
        }));
    }
    let mut logs = Vec::with_capacity(tasks.len());
    for task in tasks {
        logs.push(task.await.context("a load task panicked")?);
    }
    Ok(merge(logs, started.elapsed(), false))
}

/// Open loop: request `i` is due at `start + i / rate`, whether or not earlier
/// ones were answered, so a slow answer cannot hold back the load (no
/// coordinated omission). `connections` tasks take due requests in order.
pub async fn open_loop(
    target: &Target,
    connections: usize,
    rate_per_s: u64,
    duration: Duration,
    body: BodyMaker,
    collect_ids: bool,
) -> anyhow::Result<Outcome> {
    anyhow::ensure!(rate_per_s > 0, "the rate must be above zero");
    let opened = open_connections(target, connections).await?;
    let total =
        u64::try_from(u128::from(rate_per_s) * duration.as_millis() / 1000).unwrap_or(u64::MAX);
    let next = Arc::new(AtomicU64::new(0));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for mut connection in opened {
        let target = target.clone();
        let body = Arc::clone(&body);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            let mut log = TaskLog::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let offset_ns =
                    u64::try_from(u128::from(i) * 1_000_000_000 / u128::from(rate_per_s))
                        .unwrap_or(u64::MAX);
                let due = started + Duration::from_nanos(offset_ns);
                tokio::time::sleep_until(due).await;
                if !log
                    .exchange(&target, &mut connection, body(), collect_ids)
                    .await
                {
                    break;
                }
                log.scheduled.push(micros(due.elapsed()));
            }
            log
        }));
    }
    let mut logs = Vec::with_capacity(tasks.len());
    for task in tasks {
        logs.push(task.await.context("a load task panicked")?);
    }
    Ok(merge(logs, started.elapsed(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_from_a_create_answer() {
        let answer = br#"{"PaymentRequestId":"05ae69d8-2be1-4a63-ae93-9d0e42e254f1","paymentRequestUrl":"http://x/Payments/?id=05ae69d8"}"#;
        assert_eq!(
            created_id(answer).as_deref(),
            Some("05ae69d8-2be1-4a63-ae93-9d0e42e254f1")
        );
        assert_eq!(created_id(b"{}"), None);
    }
}
