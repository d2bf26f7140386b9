//! The guard against real local sinks: refused calls must not reach them at all, allowed calls
//! must reach them exactly as asked.
#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use maksa_outbound::{
    Cidr, Method, OutboundClient, OutboundError, OutboundPolicy, OutboundResponse, Refusal,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the sink saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Log {
    connections: usize,
    requests: Vec<Recorded>,
}

/// A raw HTTP/1.1 server on 127.0.0.1:0 (and [::1] on the same port when it can bind) that
/// records every connection and request. Paths: `/ok` 200, `/fail` 500, `/hang` never
/// answers, `/redirect` 302 to `/other` on loopback, `/huge` 10 MiB, anything else 200.
struct Sink {
    port: u16,
    log: Arc<Mutex<Log>>,
}

const HUGE_LEN: usize = 10 * 1024 * 1024;

impl Sink {
    async fn start() -> Sink {
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = v4.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Log::default()));
        tokio::spawn(accept_loop(v4, port, log.clone()));
        if let Ok(v6) = TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
            tokio::spawn(accept_loop(v6, port, log.clone()));
        }
        Sink { port, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().requests.clone()
    }

    fn connections(&self) -> usize {
        self.log.lock().unwrap().connections
    }

    /// Asserts that nothing but `expected` (request targets, in order) reached the sink, by
    /// sending one more request through a permissive client and checking that it is the only
    /// connection after those expected: a connection made by an earlier call would have been
    /// accepted before it.
    async fn assert_only(&self, expected: &[&str]) {
        let sentinel = permissive(self.port)
            .get(&self.url("/sentinel"), &[])
            .await
            .unwrap();
        assert_eq!(sentinel.status, 200);
        let targets: Vec<String> = self.requests().into_iter().map(|r| r.target).collect();
        let mut wanted: Vec<&str> = expected.to_vec();
        wanted.push("/sentinel");
        assert_eq!(targets, wanted);
        assert_eq!(self.connections(), wanted.len());
    }
}

async fn accept_loop(listener: TcpListener, port: u16, log: Arc<Mutex<Log>>) {
    while let Ok((stream, _)) = listener.accept().await {
        log.lock().unwrap().connections += 1;
        tokio::spawn(serve(stream, port, log.clone()));
    }
}

async fn serve(mut stream: TcpStream, port: u16, log: Arc<Mutex<Log>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let path = request.target.split('?').next().unwrap_or("").to_owned();
    log.lock().unwrap().requests.push(request);
    let reply = |status: &str, extra: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        )
    };
    let answer = match path.as_str() {
        "/fail" => reply("500 Internal Server Error", "", "boom"),
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        "/redirect" => reply(
            "302 Found",
            &format!("Location: http://127.0.0.1:{port}/other\r\n"),
            "",
        ),
        "/huge" => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {HUGE_LEN}\r\nConnection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..HUGE_LEN / chunk.len() {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            return;
        }
        _ => reply("200 OK", "Content-Type: text/plain\r\n", "hello"),
    };
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buffer.len() > 64 * 1024 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// Loopback allowed, the sink's port allowed.
fn permissive(port: u16) -> OutboundClient {
    OutboundClient::new(allowing_loopback(port))
}

fn allowing_loopback(port: u16) -> OutboundPolicy {
    OutboundPolicy {
        allow_list: vec!["127.0.0.0/8".parse().unwrap()],
        ..OutboundPolicy::default()
    }
    .allow_port(port)
}

/// The default policy with only the sink's port added, so that a refusal is about the address.
fn default_with_port(port: u16) -> OutboundClient {
    OutboundClient::new(OutboundPolicy::default().allow_port(port))
}

fn refusal(result: Result<OutboundResponse, OutboundError>) -> Refusal {
    match result {
        Err(OutboundError::Refused { reason }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn assert_blocked(reason: &Refusal, range: &str) {
    match reason {
        Refusal::Address { blocked, .. } => {
            assert_eq!(blocked.range.range.to_string(), range, "{reason}");
        }
        other => panic!("expected an address refusal in {range}, got {other}"),
    }
}

#[tokio::test]
async fn loopback_literals_are_refused_by_default_and_nothing_is_sent() {
    let sink = Sink::start().await;
    let client = default_with_port(sink.port);
    let p = sink.port;
    let cases = [
        (format!("http://127.0.0.1:{p}/"), "127.0.0.0/8"),
        (format!("http://127.1.2.3:{p}/"), "127.0.0.0/8"),
        (format!("http://[::1]:{p}/"), "::1/128"),
        (format!("http://[::ffff:127.0.0.1]:{p}/"), "127.0.0.0/8"),
        (format!("http://0.0.0.0:{p}/"), "0.0.0.0/8"),
        (format!("http://[::]:{p}/"), "::/128"),
        (format!("http://2130706433:{p}/"), "127.0.0.0/8"),
        (format!("http://0x7f.1:{p}/"), "127.0.0.0/8"),
        // Octal, in parts and whole, and the short forms: browsers and the URL
        // standard read them all as 127.0.0.1.
        (format!("http://0177.0.0.1:{p}/"), "127.0.0.0/8"),
        (format!("http://017700000001:{p}/"), "127.0.0.0/8"),
        (format!("http://127.1:{p}/"), "127.0.0.0/8"),
        (format!("http://0x7f000001:{p}/"), "127.0.0.0/8"),
        (
            format!("http://[0:0:0:0:0:ffff:7f00:1]:{p}/"),
            "127.0.0.0/8",
        ),
        (format!("http://0:{p}/"), "0.0.0.0/8"),
    ];
    for (url, range) in &cases {
        let error = client.get(url, &[]).await.unwrap_err();
        assert!(error.is_refused() && !error.retryable(), "{url}: {error}");
        let OutboundError::Refused { reason } = &error else {
            unreachable!()
        };
        assert_blocked(reason, range);
    }
    sink.assert_only(&[]).await;
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused() {
    let sink = Sink::start().await;
    let client = default_with_port(sink.port);
    let reason = refusal(
        client
            .get(&format!("http://localhost:{}/ok?id=7", sink.port), &[])
            .await,
    );
    match &reason {
        Refusal::Address { host, addr, .. } => {
            assert_eq!(host, "localhost");
            assert!(addr.is_loopback(), "{reason}");
        }
        other => panic!("{other}"),
    }
    assert!(!reason.to_string().contains("id=7"));
    sink.assert_only(&[]).await;
}

#[tokio::test]
async fn internal_and_metadata_addresses_are_refused() {
    let client = OutboundClient::new(OutboundPolicy::default());
    let cases = [
        ("http://10.0.0.1/", "10.0.0.0/8"),
        ("http://169.254.169.254/latest/meta-data", "169.254.0.0/16"),
        ("http://[::ffff:169.254.169.254]/", "169.254.0.0/16"),
        ("http://192.168.1.1:8080/", "192.168.0.0/16"),
        ("https://172.16.0.1/", "172.16.0.0/12"),
        ("http://100.64.0.1/", "100.64.0.0/10"),
        ("http://[fd00::1]/", "fc00::/7"),
        ("http://[fe80::1]/", "fe80::/10"),
        ("http://224.0.0.1/", "224.0.0.0/4"),
        ("http://255.255.255.255/", "255.255.255.255/32"),
        ("http://[2002:7f00:1::]/", "127.0.0.0/8"),
        ("http://[64:ff9b::a00:1]/", "10.0.0.0/8"),
    ];
    for (url, range) in cases {
        assert_blocked(&refusal(client.get(url, &[]).await), range);
    }
    // A range the operator allows is still checked for every other range.
    let client = OutboundClient::new(OutboundPolicy {
        allow_list: vec!["10.1.2.3/32".parse().unwrap()],
        ..OutboundPolicy::default()
    });
    assert_blocked(
        &refusal(client.get("http://10.1.2.4/", &[]).await),
        "10.0.0.0/8",
    );
}

#[tokio::test]
async fn scheme_port_and_userinfo_are_refused_and_nothing_is_sent() {
    let sink = Sink::start().await;
    let p = sink.port;
    let client = permissive(p);
    let cases = [
        ("ftp://x/".to_owned(), Refusal::Scheme("ftp".into())),
        (
            format!("ftp://127.0.0.1:{p}/"),
            Refusal::Scheme("ftp".into()),
        ),
        (format!("ws://127.0.0.1:{p}/"), Refusal::Scheme("ws".into())),
        (
            format!("http://user:secret@127.0.0.1:{p}/ok"),
            Refusal::UserInfo,
        ),
        (format!("http://user@127.0.0.1:{p}/ok"), Refusal::UserInfo),
    ];
    for (url, expected) in &cases {
        assert_eq!(refusal(client.get(url, &[]).await), *expected, "{url}");
    }
    // Loopback allowed, but the port not.
    let ports_default = OutboundClient::new(OutboundPolicy {
        allow_list: vec!["127.0.0.0/8".parse().unwrap()],
        ..OutboundPolicy::default()
    });
    assert_eq!(
        refusal(ports_default.get(&sink.url("/ok"), &[]).await),
        Refusal::Port(p)
    );
    assert_eq!(
        refusal(client.get("http://shop.example:22/", &[]).await),
        Refusal::Port(22)
    );
    // A header that cannot be sent refuses the call.
    let bad = [("X-A".to_owned(), "1\r\nX-Injected: 1".to_owned())];
    assert!(matches!(
        refusal(client.get(&sink.url("/ok"), &bad).await),
        Refusal::Header(_)
    ));
    sink.assert_only(&[]).await;
}

#[tokio::test]
async fn allowed_get_reaches_the_sink_with_headers_intact() {
    let sink = Sink::start().await;
    let client = permissive(sink.port);
    let headers = vec![
        ("X-Maksa-Signature".to_owned(), "c2lnbmF0dXJl==".to_owned()),
        ("Accept".to_owned(), "text/plain".to_owned()),
        ("X-Repeated".to_owned(), "one".to_owned()),
    ];
    let response = client
        .get(&sink.url("/ok?RequestId=42&Status=E"), &headers)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert!(response.is_success());
    assert_eq!(response.body, b"hello");
    assert!(!response.truncated);
    assert!(response.elapsed < Duration::from_secs(5));

    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let seen = &requests[0];
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.target, "/ok?RequestId=42&Status=E");
    assert_eq!(seen.header("x-maksa-signature"), Some("c2lnbmF0dXJl=="));
    assert_eq!(seen.header("accept"), Some("text/plain"));
    assert_eq!(seen.header("x-repeated"), Some("one"));
    assert_eq!(
        seen.header("host"),
        Some(format!("127.0.0.1:{}", sink.port).as_str())
    );
    assert!(seen.header("user-agent").unwrap().starts_with("maksa/"));
    sink.assert_only(&["/ok?RequestId=42&Status=E"]).await;
}

#[tokio::test]
async fn post_carries_its_body() {
    let sink = Sink::start().await;
    let client = permissive(sink.port);
    let headers = [(
        "Content-Type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let response = client
        .send(
            Method::Post,
            &sink.url("/ok"),
            &headers,
            Some(b"a=1&b=2".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let seen = &sink.requests()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.body, b"a=1&b=2");
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn an_allowed_name_connects_to_the_checked_address() {
    let sink = Sink::start().await;
    let client = OutboundClient::new(OutboundPolicy::allow_loopback().allow_port(sink.port));
    let response = client
        .get(&format!("http://localhost:{}/ok", sink.port), &[])
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello");
    let seen = &sink.requests()[0];
    assert_eq!(
        seen.header("host"),
        Some(format!("localhost:{}", sink.port).as_str())
    );
}

#[tokio::test]
async fn a_redirect_is_returned_not_followed() {
    let sink = Sink::start().await;
    let client = permissive(sink.port);
    let response = client.get(&sink.url("/redirect"), &[]).await.unwrap();
    assert_eq!(response.status, 302);
    assert!(!response.is_success());
    sink.assert_only(&["/redirect"]).await;
}

#[tokio::test]
async fn a_hanging_peer_times_out_within_the_policy() {
    let sink = Sink::start().await;
    let timeout = Duration::from_millis(300);
    let client = OutboundClient::new(OutboundPolicy {
        timeout,
        ..allowing_loopback(sink.port)
    });
    let started = Instant::now();
    let error = client.get(&sink.url("/hang"), &[]).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(error, OutboundError::Timeout);
    assert!(error.retryable() && !error.is_refused());
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(sink.requests()[0].target, "/hang");
}

#[tokio::test]
async fn a_huge_body_is_cut_at_the_limit() {
    let sink = Sink::start().await;
    let client = OutboundClient::new(OutboundPolicy {
        max_body_bytes: 1000,
        ..allowing_loopback(sink.port)
    });
    let response = client.get(&sink.url("/huge"), &[]).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body.len(), 1000);
    assert!(response.body.iter().all(|b| *b == b'x'));
    assert!(response.truncated);

    // The default limit is 8 KiB.
    let response = permissive(sink.port)
        .get(&sink.url("/huge"), &[])
        .await
        .unwrap();
    assert_eq!(response.body.len(), 8 * 1024);
    assert!(response.truncated);
}

#[tokio::test]
async fn a_server_error_is_an_answer() {
    let sink = Sink::start().await;
    let response = permissive(sink.port)
        .get(&sink.url("/fail"), &[])
        .await
        .unwrap();
    assert_eq!(response.status, 500);
    assert_eq!(response.body, b"boom");
    assert!(!response.is_success());
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_connect_error() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let error = permissive(port)
        .get(&format!("http://127.0.0.1:{port}/x?secret=1"), &[])
        .await
        .unwrap_err();
    assert!(matches!(error, OutboundError::Connect(_)), "{error}");
    assert!(error.retryable());
    assert!(!error.to_string().contains("secret"), "{error}");
}

#[tokio::test]
async fn allow_list_is_per_range() {
    let sink = Sink::start().await;
    // 127.0.0.0/8 allowed: ::1 is still loopback and refused.
    let reason = refusal(
        permissive(sink.port)
            .get(&format!("http://[::1]:{}/", sink.port), &[])
            .await,
    );
    assert_blocked(&reason, "::1/128");
    // A single-address entry.
    let client = OutboundClient::new(OutboundPolicy {
        allow_list: vec![Cidr::parse_list("127.0.0.1/32").unwrap()[0]],
        ..OutboundPolicy::default().allow_port(sink.port)
    });
    let ok = client.get(&sink.url("/ok"), &[]).await.unwrap();
    assert_eq!(ok.status, 200);
    let refused = refusal(
        client
            .get(&format!("http://127.0.0.2:{}/ok", sink.port), &[])
            .await,
    );
    assert_blocked(&refused, "127.0.0.0/8");
    sink.assert_only(&["/ok"]).await;
}

/// A TLS server on loopback with a self-signed certificate for `localhost`: the https path
/// builds (ring provider, the platform's roots) and really verifies the peer.
#[tokio::test]
async fn https_verifies_the_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handshakes = Arc::new(Mutex::new(0usize));
    let counter = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            if acceptor.accept(stream).await.is_ok() {
                *counter.lock().unwrap() += 1;
            }
        }
    });
    let client = OutboundClient::new(OutboundPolicy::allow_loopback().allow_port(port));
    let error = client
        .get(&format!("https://localhost:{port}/notify?id=1"), &[])
        .await
        .unwrap_err();
    assert!(matches!(error, OutboundError::Connect(_)), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");
    assert_eq!(*handshakes.lock().unwrap(), 0);
}

#[tokio::test]
async fn https_to_a_plain_http_peer_is_an_error() {
    // A peer that answers plain HTTP to whatever arrives.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    });
    let error = permissive(port)
        .get(&format!("https://127.0.0.1:{port}/ok"), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            OutboundError::Connect(_) | OutboundError::Protocol(_)
        ),
        "{error}"
    );
}
