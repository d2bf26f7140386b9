//! The `maksa` binary as a new user runs it: `maksa demo` starts, its files let
//! curl-like clients in, and what it answered survives `kill -9`.

#![allow(clippy::unwrap_used)]

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Demo {
    child: Child,
    http: String,
    https: String,
    /// The demo said it seeded its payment history.
    seeded: bool,
}

fn start_demo(dir: &Path) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maksa"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--tls-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut http, mut https) = (String::new(), String::new());
    let mut seeded = false;
    while http.is_empty() || https.is_empty() {
        let line = lines
            .next()
            .expect("the demo stopped before printing its addresses")
            .unwrap();
        seeded |= line.starts_with("Seeded the demo's payment history: ");
        if let Some(at) = line.find("http://") {
            http = line[at..].trim().to_owned();
        }
        if let Some(at) = line.find("https://") {
            https = line[at..].trim().to_owned();
        }
    }
    // Keep draining stdout so the demo never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Demo {
        child,
        http,
        https,
        seeded,
    }
}

fn example(mm_cert: Option<&str>) -> Value {
    let mut body: Value =
        serde_json::from_str(include_str!("../../../demo/savepaymentrequest.json")).unwrap();
    if let Some(cert) = mm_cert {
        body["MM_Cert"] = json!(cert);
    }
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_answers_with_its_certificates_and_loses_nothing_to_kill_9() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut demo = start_demo(dir.path());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let mm_cert = read("demo-client.mm_cert.b64");

    // Over HTTPS with the files the demo wrote, as the README's curl does.
    let tls = maksa_x509::client_config_with_identity(
        &read("demo-ca.crt.pem"),
        &read("demo-client.crt.pem"),
        &read("demo-client.key.pem"),
    )
    .unwrap();
    let https_url = demo.https.replace("127.0.0.1", "localhost");
    let response = Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
        .post(format!("{https_url}/api/v1/payments/savepaymentrequest"))
        .json(&example(None))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let created: Value = response.json().await.unwrap();
    assert!(
        created["paymentRequestUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/Payments/?id=", demo.http))
    );

    // Another certificate is refused.
    let (cert, key) = maksa_x509::generate_self_signed_client("stranger").unwrap();
    let tls =
        maksa_x509::client_config_with_identity(&read("demo-ca.crt.pem"), &cert, &key).unwrap();
    let response = Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
        .post(format!(
            "{https_url}/api/v1/payments/checkpaymentrequeststatus"
        ))
        .json(&json!({ "PaymentRequestId": created["PaymentRequestId"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["mm-error"], "CERT_UNKNOWN");

    // Answered creates, then kill -9 while more are in flight.
    let client = Client::new();
    let mut ids = Vec::new();
    for _ in 0..40 {
        let response = client
            .post(format!("{}/api/v1/payments/savepaymentrequest", demo.http))
            .json(&example(Some(&mm_cert)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        ids.push(
            response.json::<Value>().await.unwrap()["PaymentRequestId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let in_flight: Vec<_> = (0..20)
        .map(|_| {
            client
                .post(format!("{}/api/v1/payments/savepaymentrequest", demo.http))
                .json(&example(Some(&mm_cert)))
                .send()
        })
        .collect();
    let in_flight = tokio::spawn(futures_join(in_flight));
    demo.child.kill().unwrap(); // SIGKILL
    demo.child.wait().unwrap();
    // Whatever of those got a 200 before the kill must also survive.
    for response in in_flight.await.unwrap().into_iter().flatten() {
        if response.status() == StatusCode::OK {
            ids.push(
                response.json::<Value>().await.unwrap()["PaymentRequestId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }

    let mut demo = start_demo(dir.path());
    // The restarted demo reuses its certificates: the same MM_Cert still works.
    assert_eq!(read("demo-client.mm_cert.b64"), mm_cert);
    for id in &ids {
        let response = client
            .post(format!(
                "{}/api/v1/payments/checkpaymentrequeststatus",
                demo.http
            ))
            .json(&json!({ "MM_Cert": mm_cert, "PaymentRequestId": id }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "request {id} was acknowledged but is gone"
        );
        assert_eq!(response.text().await.unwrap(), "P");
    }
    demo.child.kill().unwrap();
    demo.child.wait().unwrap();
}

async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futures.len());
    for f in futures {
        out.push(f.await);
    }
    out
}

#[test]
fn a_second_node_on_the_same_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = start_demo(dir.path());
    assert!(
        first.seeded,
        "a fresh data directory gets the payment history"
    );
    let second = Command::new(env!("CARGO_BIN_EXE_maksa"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--tls-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    first.child.kill().unwrap();
    let _ = first.child.wait();
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains("another maksa node is already running"),
        "{message}"
    );
    // Once the first is gone (even killed), the file is free again.
    let mut third = start_demo(dir.path());
    assert!(!third.seeded, "a restart does not seed the history again");
    third.child.kill().unwrap();
    let _ = third.child.wait();
}
