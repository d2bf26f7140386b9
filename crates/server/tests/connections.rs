//! What a client can hold of a node: connections that send nothing, half a
//! head or half a body, kept-alive connections left idle, many connections
//! from one address, and bodies declared too large — on the plain-HTTP and the
//! HTTPS listener of the real server, on port 0. The timeouts are shortened
//! through `ConnectionLimits`; every wait is bounded, far above the timeout
//! under test, so a connection held forever fails the test instead of hanging it.

#![allow(clippy::unwrap_used)]

mod support;

use maksa_app::clock::{Clock, SystemClock};
use maksa_app::operators::Operators;
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::Store;
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_domain::request::CreationRules;
use maksa_server::{
    AppState, ConnectionLimits, HttpsSettings, Listeners, OperatorConsole, PayerOptions,
    RunningServer,
};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use support::{Backend, DatabaseGuard, open_store, test_issuer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

/// How long a test waits for the server to close a connection whose timeout
/// is 1 s: long enough for a loaded machine, short enough to fail fast.
const CLOSE_WAIT: Duration = Duration::from_secs(15);
/// A timeout no test reaches.
const LONG: Duration = Duration::from_secs(120);

trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}
type Connection = Pin<Box<dyn Stream>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Listener {
    Plain,
    Tls,
}

const BOTH: [Listener; 2] = [Listener::Plain, Listener::Tls];

struct Node {
    server: RunningServer,
    tls: TlsConnector,
    _database: DatabaseGuard,
}

impl Node {
    async fn start(limits: ConnectionLimits) -> Node {
        Node::start_with(limits, |_, _| PayerOptions::default()).await
    }

    /// A node whose options `options` makes over its store.
    async fn start_with(
        limits: ConnectionLimits,
        options: impl FnOnce(Arc<dyn Store>, Arc<dyn Clock>) -> PayerOptions,
    ) -> Node {
        let (store, database) = open_store(Backend::Sqlite).await;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let options = options(Arc::clone(&store), Arc::clone(&clock));
        let settings = HubSettings {
            public_base_url: "http://127.0.0.1".into(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: test_issuer(),
        };
        let state = AppState::assemble(store, clock, settings, false, 64 * 1024, options)
            .await
            .unwrap();
        let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "client").unwrap();
        let https = HttpsSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            certificate_pem: pki.server_cert_pem.clone(),
            private_key_pem: pki.server_key_pem.clone(),
            client_ca_pems: vec![pki.ca_cert_pem.clone()],
        };
        let bound = maksa_server::bind(Listeners {
            http: Some("127.0.0.1:0".parse().unwrap()),
            https: Some(https),
        })
        .await
        .unwrap()
        .with_limits(limits);
        let server = maksa_server::serve(state, bound).unwrap();
        let tls = TlsConnector::from(Arc::new(
            maksa_x509::client_config_anonymous(&pki.ca_cert_pem).unwrap(),
        ));
        Node {
            server,
            tls,
            _database: database,
        }
    }

    fn addr(&self, listener: Listener) -> SocketAddr {
        match listener {
            Listener::Plain => self.server.http_addr.unwrap(),
            Listener::Tls => self.server.https_addr.unwrap(),
        }
    }

    /// A connection from `from` (any 127.0.0.0/8 address works on Linux, so
    /// tests can be several clients); over TLS, after the handshake.
    async fn try_connect(&self, listener: Listener, from: &str) -> std::io::Result<Connection> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))?;
        let tcp = socket.connect(self.addr(listener)).await?;
        Ok(match listener {
            Listener::Plain => Box::pin(tcp),
            Listener::Tls => {
                let name = ServerName::try_from("localhost").unwrap();
                let tls = timeout(LONG, self.tls.connect(name, tcp))
                    .await
                    .map_err(|_| std::io::Error::other("TLS handshake hung"))??;
                Box::pin(tls)
            }
        })
    }

    async fn connect(&self, listener: Listener, from: &str) -> Connection {
        self.try_connect(listener, from).await.unwrap()
    }

    /// `GET /health` on a fresh connection from `from`.
    async fn health(&self, listener: Listener, from: &str) -> Answer {
        let mut connection = self.connect(listener, from).await;
        send(&mut connection, HEALTH).await;
        read_answer(&mut connection).await.unwrap()
    }

    /// `GET path` on a fresh connection.
    async fn get(&self, listener: Listener, path: &str) -> Answer {
        let mut connection = self.connect(listener, "127.0.0.1").await;
        send(
            &mut connection,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
        .await;
        read_answer(&mut connection).await.unwrap()
    }

    async fn stop(self) {
        self.server.shutdown().await;
    }
}

const HEALTH: &str = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";

async fn send(connection: &mut Connection, text: &str) {
    connection.write_all(text.as_bytes()).await.unwrap();
    connection.flush().await.unwrap();
}

#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One answer: its head, then `Content-Length` bytes of body. `None` when the
/// connection ends first. Panics if nothing happens within `CLOSE_WAIT`.
async fn read_answer(connection: &mut Connection) -> Option<Answer> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if bytes.len() >= end + 4 + length {
                    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                    let body = String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]);
                    return Some(Answer {
                        status,
                        body: body.into_owned(),
                        head,
                    });
                }
            }
            match connection.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
    };
    timeout(CLOSE_WAIT, read)
        .await
        .expect("no answer and no close")
}

/// Reads until the server closes the connection; what it said before, or
/// `None` if it still holds the connection after `wait`.
async fn closed_within(connection: &mut Connection, wait: Duration) -> Option<String> {
    let mut said = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            match connection.read(&mut chunk).await {
                // A TLS peer that closes without close_notify reads as an error.
                Ok(0) | Err(_) => return,
                Ok(n) => said.extend_from_slice(&chunk[..n]),
            }
        }
    };
    timeout(wait, read).await.ok()?;
    Some(String::from_utf8_lossy(&said).into_owned())
}

fn limits(header: Duration, body: Duration, idle: Duration) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: header,
        body_timeout: body,
        idle_timeout: idle,
        ..ConnectionLimits::default()
    }
}

#[tokio::test]
async fn hundreds_of_idle_connections_are_closed_and_health_answers_meanwhile() {
    let node = Node::start(limits(Duration::from_secs(3), LONG, LONG)).await;
    // 300 connections that never send a byte, from five addresses (60 each,
    // under the per-address cap), half of them on each listener.
    let mut idle = Vec::new();
    for i in 0..300 {
        let listener = BOTH[i % 2];
        let from = format!("127.0.0.{}", 10 + i % 5);
        idle.push(node.connect(listener, &from).await);
    }
    for listener in BOTH {
        let answer = node.health(listener, "127.0.0.2").await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    }
    // Each is closed at the header timeout; none is held forever.
    let mut waits = tokio::task::JoinSet::new();
    for mut connection in idle {
        waits.spawn(async move { closed_within(&mut connection, CLOSE_WAIT).await.is_some() });
    }
    let mut held = 0;
    while let Some(closed) = waits.join_next().await {
        if !closed.unwrap() {
            held += 1;
        }
    }
    assert_eq!(held, 0, "connections that never sent a request were held");
    for listener in BOTH {
        assert_eq!(node.health(listener, "127.0.0.10").await.status, 200);
    }
    node.stop().await;
}

#[tokio::test]
async fn half_a_head_is_closed_at_the_header_timeout() {
    // Idle and body timeouts far away: only the header timeout can close these.
    let node = Node::start(limits(Duration::from_secs(1), LONG, LONG)).await;
    for listener in BOTH {
        // On a new connection.
        let mut connection = node.connect(listener, "127.0.0.1").await;
        send(&mut connection, "GET /health HTTP/1.1\r\nHost: local").await;
        let said = closed_within(&mut connection, CLOSE_WAIT).await;
        assert_eq!(said.as_deref(), Some(""), "{listener:?}: half a head");

        // On a kept-alive connection, after a first request was answered: the
        // second head is due within the header timeout, not the idle timeout.
        let mut connection = node.connect(listener, "127.0.0.1").await;
        send(&mut connection, HEALTH).await;
        assert_eq!(read_answer(&mut connection).await.unwrap().status, 200);
        send(&mut connection, "GET /health HTTP/1.1\r\n").await;
        let said = closed_within(&mut connection, CLOSE_WAIT).await;
        assert_eq!(
            said.as_deref(),
            Some(""),
            "{listener:?}: a second half head"
        );
    }
    node.stop().await;
}

#[tokio::test]
async fn half_a_body_is_given_up_at_the_body_timeout() {
    let node = Node::start(limits(LONG, Duration::from_secs(1), LONG)).await;
    let head = "POST /api/v1/payments/checkpaymentrequeststatus HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    for listener in BOTH {
        // Ten bytes of a hundred, then nothing.
        let mut connection = node.connect(listener, "127.0.0.1").await;
        send(&mut connection, &format!("{head}{{\"Payment")).await;
        // Closed without an answer: the handler's error, if any, would blame
        // something else (its body read failed, it cannot tell why).
        let said = closed_within(&mut connection, CLOSE_WAIT).await;
        assert_eq!(said.as_deref(), Some(""), "{listener:?}: a stalled body");

        // A byte every 200 ms: the body's deadline is for the whole body.
        let mut connection = node.connect(listener, "127.0.0.1").await;
        send(&mut connection, head).await;
        let drip = async {
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if connection.write_all(b" ").await.is_err() {
                    return true;
                }
                if connection.flush().await.is_err() {
                    return true;
                }
            }
            false
        };
        // Twenty seconds of drip would finish the body: it must be cut before.
        let cut = timeout(CLOSE_WAIT, drip).await.unwrap_or(false);
        let said = if cut {
            Some(String::new())
        } else {
            closed_within(&mut connection, Duration::from_secs(1)).await
        };
        assert!(said.is_some(), "{listener:?}: a dripped body was held");
    }
    node.stop().await;
}

#[tokio::test]
async fn kept_alive_connections_are_closed_at_the_idle_timeout() {
    // Header and body timeouts far away: only the idle timeout can close these.
    let node = Node::start(limits(LONG, LONG, Duration::from_secs(1))).await;
    for listener in BOTH {
        let mut connection = node.connect(listener, "127.0.0.1").await;
        for _ in 0..2 {
            send(&mut connection, HEALTH).await;
            let answer = read_answer(&mut connection).await.unwrap();
            assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
        }
        let said = closed_within(&mut connection, CLOSE_WAIT).await;
        assert_eq!(
            said.as_deref(),
            Some(""),
            "{listener:?}: idle connection held"
        );
    }
    node.stop().await;
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_refused_while_others_work() {
    let node = Node::start(ConnectionLimits {
        per_address: 4,
        ..limits(LONG, LONG, LONG)
    })
    .await;
    // Four connections from one address, over both listeners together.
    let mut held = vec![
        node.connect(Listener::Plain, "127.0.0.3").await,
        node.connect(Listener::Plain, "127.0.0.3").await,
        node.connect(Listener::Tls, "127.0.0.3").await,
        node.connect(Listener::Tls, "127.0.0.3").await,
    ];
    // A fifth is closed at once, on either listener (over TLS the handshake fails).
    let mut fifth = node.connect(Listener::Plain, "127.0.0.3").await;
    let said = closed_within(&mut fifth, CLOSE_WAIT).await;
    assert_eq!(
        said.as_deref(),
        Some(""),
        "a fifth plain connection was kept"
    );
    match node.try_connect(Listener::Tls, "127.0.0.3").await {
        Err(_) => {}
        Ok(mut fifth) => {
            let said = closed_within(&mut fifth, CLOSE_WAIT).await;
            assert_eq!(said.as_deref(), Some(""), "a fifth TLS connection was kept");
        }
    }
    // Other addresses are served, and so are the four held connections.
    for listener in BOTH {
        assert_eq!(node.health(listener, "127.0.0.4").await.status, 200);
    }
    for connection in &mut held {
        send(connection, HEALTH).await;
        assert_eq!(read_answer(connection).await.unwrap().status, 200);
    }
    // A closed connection gives its place back.
    drop(held.pop());
    let mut answered = false;
    for _ in 0..50 {
        if let Ok(mut connection) = node.try_connect(Listener::Plain, "127.0.0.3").await
            && connection.write_all(HEALTH.as_bytes()).await.is_ok()
            && read_answer(&mut connection).await.is_some()
        {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the freed place was not given back");
    node.stop().await;
}

#[tokio::test]
async fn a_body_declared_over_the_limit_is_refused_before_it_is_read() {
    // The body timeout is far away: the answer comes from the declared length.
    let node = Node::start(limits(LONG, LONG, LONG)).await;
    for listener in BOTH {
        for (path, content_type) in [
            ("/api/v1/payments/savepaymentrequest", "application/json"),
            ("/api/v1/paymentrequest/createinvoice", "application/json"),
            ("/v1.0/WCFX509/PaymentRequestService.svc", "text/xml"),
            ("/Payments/pay", "application/x-www-form-urlencoded"),
        ] {
            let mut connection = node.connect(listener, "127.0.0.1").await;
            send(
                &mut connection,
                &format!(
                    "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n\
                     Content-Length: 10000000\r\n\r\n"
                ),
            )
            .await;
            let answer = read_answer(&mut connection)
                .await
                .unwrap_or_else(|| panic!("{listener:?} {path}: closed without an answer"));
            assert_eq!(
                answer.header("mm-error"),
                Some("BODY_TOO_LARGE"),
                "{listener:?} {path}: {answer:?}"
            );
            if path.starts_with("/api/") {
                assert_eq!(answer.status, 413, "{listener:?} {path}");
                let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
                assert_eq!(json["error"], "BODY_TOO_LARGE");
            } else if path.ends_with(".svc") {
                assert!(
                    answer.body.contains("<faultcode>s:Client</faultcode>"),
                    "{answer:?}"
                );
            } else {
                assert!(answer.body.contains("<html"), "{answer:?}");
            }
        }
    }
    node.stop().await;
}

/// The plain listener is the payers' one: the operator's metrics and console
/// answer only over TLS there, unless `metrics_over_http` lets the metrics
/// out (the console has no such setting).
#[tokio::test]
async fn metrics_and_the_console_answer_on_the_payers_listener_only_when_configured() {
    let with_console = |metrics_over_http: bool| {
        move |store: Arc<dyn Store>, clock: Arc<dyn Clock>| {
            let operators =
                Operators::new(Vec::new(), Arc::clone(&store), Arc::clone(&clock)).unwrap();
            let treasury = Treasury::new(store, clock, TreasurySettings::default());
            PayerOptions {
                operator: Some(OperatorConsole::new(Arc::new(operators), treasury)),
                metrics_over_http,
                ..PayerOptions::default()
            }
        }
    };
    let node = Node::start_with(ConnectionLimits::default(), with_console(false)).await;
    for path in ["/metrics", "/admin/sign-in", "/admin/"] {
        let answer = node.get(Listener::Plain, path).await;
        assert_eq!(answer.status, 404, "{path} over plain HTTP: {answer:?}");
        assert!(!answer.body.contains("maksa_"), "{path}: {}", answer.body);
    }
    let metrics = node.get(Listener::Tls, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("maksa_http_requests_total"),
        "{}",
        metrics.body
    );
    assert_eq!(node.get(Listener::Tls, "/admin/sign-in").await.status, 200);
    // The payers' pages and the health checks stay on both.
    for listener in BOTH {
        assert_eq!(node.get(listener, "/health").await.status, 200);
    }
    node.stop().await;

    let node = Node::start_with(ConnectionLimits::default(), with_console(true)).await;
    let metrics = node.get(Listener::Plain, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("maksa_http_requests_total"));
    assert_eq!(
        node.get(Listener::Plain, "/admin/sign-in").await.status,
        404
    );
    node.stop().await;
}
