//! Mutual TLS end to end: serve_tls on loopback, real rustls clients.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::{Extension, Router};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use maksa_x509::{
    DemoPki, TlsPeer, client_config_anonymous, client_config_with_identity, generate_demo_pki,
    generate_self_signed_client, issue_client_cert, mm_cert_value, parse_mm_cert, serve_tls,
    server_config,
};
use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

/// Describes what the handler learnt about its caller.
async fn whoami(
    tls: Option<Extension<TlsPeer>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
) -> String {
    assert!(remote.ip().is_loopback());
    match tls {
        None => "plain".to_owned(),
        Some(Extension(TlsPeer(None))) => "tls no-cert".to_owned(),
        Some(Extension(TlsPeer(Some(peer)))) => format!(
            "tls subject={} trusted={} thumbprint={}",
            peer.info.subject, peer.chains_to_trusted_ca, peer.info.thumbprint_sha256
        ),
    }
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(400)).await;
    "finished"
}

struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(pki: &DemoPki, client_cas: Vec<String>) -> Self {
        let config = server_config(&pki.server_cert_pem, &pki.server_key_pem, &client_cas).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new()
            .route("/whoami", get(whoami))
            .route("/slow", get(slow));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_tls(listener, config, &client_cas, router, async {
            let _ = stopped.await;
        }));
        Self {
            address,
            stop: Some(stop),
            task,
        }
    }

    async fn shut_down(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("server stops")
            .unwrap()
            .unwrap();
    }
}

async fn get_text(address: SocketAddr, config: ClientConfig, path: &str) -> String {
    let tcp = TcpStream::connect(address).await.unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), hyper::StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

fn demo_pki() -> DemoPki {
    generate_demo_pki(
        &["localhost".to_owned(), "127.0.0.1".to_owned()],
        "e-service-1",
    )
    .unwrap()
}

fn thumbprint(cert_pem: &str) -> String {
    parse_mm_cert(&mm_cert_value(cert_pem).unwrap())
        .unwrap()
        .thumbprint_sha256
}

#[tokio::test]
async fn demo_client_chains_to_the_ca() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;
    let client =
        client_config_with_identity(&pki.ca_cert_pem, &pki.client_cert_pem, &pki.client_key_pem)
            .unwrap();
    let answer = get_text(server.address, client, "/whoami").await;
    assert_eq!(
        answer,
        format!(
            "tls subject=CN=e-service-1, O=maksa demo trusted=true thumbprint={}",
            thumbprint(&pki.client_cert_pem)
        )
    );
    server.shut_down().await;
}

#[tokio::test]
async fn self_signed_client_connects_but_is_not_trusted() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;
    let (cert, key) = generate_self_signed_client("registered-self-signed").unwrap();
    let client = client_config_with_identity(&pki.ca_cert_pem, &cert, &key).unwrap();
    let answer = get_text(server.address, client, "/whoami").await;
    assert_eq!(
        answer,
        format!(
            "tls subject=CN=registered-self-signed, O=maksa demo trusted=false thumbprint={}",
            thumbprint(&cert)
        )
    );
    server.shut_down().await;
}

#[tokio::test]
async fn anonymous_client_gets_tls_peer_none() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;
    let client = client_config_anonymous(&pki.ca_cert_pem).unwrap();
    assert_eq!(
        get_text(server.address, client, "/whoami").await,
        "tls no-cert"
    );
    server.shut_down().await;
}

#[tokio::test]
async fn ca_issued_certificates_are_trusted_only_while_valid() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;
    let now = time::OffsetDateTime::now_utc();

    let (valid, valid_key) = issue_client_cert(
        &pki.ca_cert_pem,
        &pki.ca_key_pem,
        "fresh",
        now - time::Duration::hours(1),
        now + time::Duration::days(30),
    )
    .unwrap();
    let client = client_config_with_identity(&pki.ca_cert_pem, &valid, &valid_key).unwrap();
    let answer = get_text(server.address, client, "/whoami").await;
    assert!(
        answer.contains("CN=fresh, O=maksa demo trusted=true"),
        "{answer}"
    );

    let (expired, expired_key) = issue_client_cert(
        &pki.ca_cert_pem,
        &pki.ca_key_pem,
        "expired",
        now - time::Duration::days(60),
        now - time::Duration::days(30),
    )
    .unwrap();
    assert!(
        parse_mm_cert(&mm_cert_value(&expired).unwrap())
            .unwrap()
            .not_after
            < now
    );
    // Still let in at the TLS level: refusing it is the HTTP layer's call.
    let client = client_config_with_identity(&pki.ca_cert_pem, &expired, &expired_key).unwrap();
    let answer = get_text(server.address, client, "/whoami").await;
    assert!(
        answer.contains("CN=expired, O=maksa demo trusted=false"),
        "{answer}"
    );

    // A certificate from another demo CA does not chain to ours.
    let other = demo_pki();
    let client = client_config_with_identity(
        &pki.ca_cert_pem,
        &other.client_cert_pem,
        &other.client_key_pem,
    )
    .unwrap();
    let answer = get_text(server.address, client, "/whoami").await;
    assert!(answer.contains("trusted=false"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn tls12_clients_have_their_signature_verified_too() {
    let pki = demo_pki();
    let tls12_client = |cert: &str, key: &str| {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(
            CertificateDer::pem_slice_iter(pki.ca_cert_pem.as_bytes()).map(Result::unwrap),
        );
        let mut config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(&[&rustls::version::TLS12])
                .unwrap()
                .with_root_certificates(roots)
                .with_client_auth_cert(
                    CertificateDer::pem_slice_iter(cert.as_bytes())
                        .map(Result::unwrap)
                        .collect(),
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    };

    for client_cas in [vec![pki.ca_cert_pem.clone()], vec![]] {
        let with_cas = !client_cas.is_empty();
        let server = Server::start(&pki, client_cas).await;
        let answer = get_text(
            server.address,
            tls12_client(&pki.client_cert_pem, &pki.client_key_pem),
            "/whoami",
        )
        .await;
        assert!(answer.contains(&format!("trusted={with_cas}")), "{answer}");
        let (cert, key) = generate_self_signed_client("tls12").unwrap();
        let answer = get_text(server.address, tls12_client(&cert, &key), "/whoami").await;
        assert!(
            answer.contains("CN=tls12, O=maksa demo trusted=false"),
            "{answer}"
        );
        server.shut_down().await;
    }
}

#[tokio::test]
async fn a_client_with_a_mismatched_key_is_refused() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;
    let (_, other_key) = generate_self_signed_client("other").unwrap();
    // rustls itself may refuse to build this config; if it does not, the server must refuse it.
    if let Ok(client) =
        client_config_with_identity(&pki.ca_cert_pem, &pki.client_cert_pem, &other_key)
    {
        let tcp = TcpStream::connect(server.address).await.unwrap();
        let outcome = async {
            let mut tls = TlsConnector::from(Arc::new(client))
                .connect(ServerName::try_from("localhost").unwrap(), tcp)
                .await?;
            // In TLS 1.3 the client learns of the refusal only when it next reads.
            tls.write_all(b"GET /whoami HTTP/1.1\r\nhost: localhost\r\n\r\n")
                .await?;
            let mut buffer = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut tls, &mut buffer).await?;
            Ok::<_, std::io::Error>(buffer)
        }
        .await;
        assert!(outcome.as_ref().map_or(true, Vec::is_empty), "{outcome:?}");
    }
    server.shut_down().await;
}

#[tokio::test]
async fn failed_handshakes_do_not_stop_the_server() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;

    let mut garbage = TcpStream::connect(server.address).await.unwrap();
    garbage
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    drop(garbage);
    // A client that connects and says nothing at all.
    let _silent = TcpStream::connect(server.address).await.unwrap();
    // A client that does not trust the server's CA.
    let other = demo_pki();
    let distrustful = client_config_anonymous(&other.ca_cert_pem).unwrap();
    let tcp = TcpStream::connect(server.address).await.unwrap();
    assert!(
        TlsConnector::from(Arc::new(distrustful))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .is_err()
    );

    let client =
        client_config_with_identity(&pki.ca_cert_pem, &pki.client_cert_pem, &pki.client_key_pem)
            .unwrap();
    let answer = get_text(server.address, client, "/whoami").await;
    assert!(answer.contains("trusted=true"), "{answer}");
    // The silent client is still mid-handshake; shutdown must not wait for its 10 s timeout.
    server.shut_down().await;
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let pki = demo_pki();
    let server = Server::start(&pki, vec![pki.ca_cert_pem.clone()]).await;
    let client = client_config_anonymous(&pki.ca_cert_pem).unwrap();
    let address = server.address;
    let in_flight = tokio::spawn(async move { get_text(address, client, "/slow").await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.shut_down().await;
    assert_eq!(in_flight.await.unwrap(), "finished");
    // The listener is closed afterwards.
    assert!(TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn unusable_client_ca_pems_fail_the_server() {
    let pki = demo_pki();
    let config = server_config(&pki.server_cert_pem, &pki.server_key_pem, &[]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = serve_tls(
        listener,
        config,
        &["not a pem".to_owned()],
        Router::new(),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}
