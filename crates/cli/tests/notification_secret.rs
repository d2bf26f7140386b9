//! Notifications are signed by default: `maksa client add` gives a new client a
//! secret, `maksa demo` writes the demo client's to `demo-client.notify-secret`,
//! and the README's verifier (`demo/verify_notification.py`) accepts what the
//! demo sends and refuses anything altered.

#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::Duration;
use support::{missing, notification_sink, repo_root, start_demo};

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

fn verify(secret_file: &std::path::Path, url: &str, signature: &str) -> bool {
    Command::new("python3")
        .arg(repo_root().join("demo/verify_notification.py"))
        .arg(secret_file)
        .arg(url)
        .arg(signature)
        .status()
        .unwrap()
        .success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_signs_notifications_with_the_secret_it_wrote() {
    if Command::new("python3").arg("--version").output().is_err() {
        missing("python3 is not installed", "notification signature tests");
        return;
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path(), &[]);
    let secret_file = dir.path().join("demo-client.notify-secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert_eq!(secret.trim().len(), 64, "{secret:?}");
    assert!(secret.trim().bytes().all(|b| b.is_ascii_hexdigit()));

    // A request that expires in a moment, whose client listens on this machine
    // (the demo allows loopback notifications).
    let (port, seen) = notification_sink(Duration::ZERO).await;
    let base = format!("http://127.0.0.1:{port}/s2s?id=");
    let mut body: Value =
        serde_json::from_str(include_str!("../../../demo/savepaymentrequest.json")).unwrap();
    let expiry = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let request = &mut body["PaymentsDataStructure"]["PaymentRequest"];
    request["ExpiryDate"] = expiry
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .into();
    request["ServerResponseUrl"] = base.clone().into();
    body["MM_Cert"] = std::fs::read_to_string(dir.path().join("demo-client.mm_cert.b64"))
        .unwrap()
        .into();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/payments/savepaymentrequest", demo.http))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{response:?}");
    let created: Value = response.json().await.unwrap();
    let id = created["PaymentRequestId"].as_str().unwrap().to_owned();

    // The expiry worker runs every few seconds; the notification follows.
    let mut head = None;
    for _ in 0..120 {
        if let Some(first) = seen.lock().unwrap().first() {
            head = Some(first.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let head = head.expect("no notification arrived within 30 s");
    assert!(head.starts_with(&format!("GET /s2s?id={id} ")), "{head}");
    let signature = header(&head, "mm-signature").expect("the notification is signed");
    let url = format!("{base}{id}");
    assert!(verify(&secret_file, &url, &signature), "{signature}");
    // Anything altered is refused: another request's URL, another secret.
    assert!(!verify(&secret_file, &format!("{base}{id}x"), &signature));
    let other = dir.path().join("other.secret");
    std::fs::write(&other, "0".repeat(64)).unwrap();
    assert!(!verify(&other, &url, &signature));
    drop(demo);
}

#[test]
fn client_add_gives_a_new_client_a_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("maksa.db").display());
    let add = |name: &str| {
        let (cert, _key) = maksa_x509::generate_self_signed_client(name).unwrap();
        let path = dir.path().join(format!("{name}.pem"));
        std::fs::write(&path, cert).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_maksa"))
            .args(["client", "add", "--database-url", &database])
            .args(["--client", "e-service", "--certificate"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let first = add("first");
    let secret = first
        .lines()
        .skip_while(|l| !l.starts_with("notification signing secret"))
        .nth(1)
        .expect("the secret is printed")
        .to_owned();
    assert_eq!(secret.len(), 64, "{first}");
    // A second certificate of the same client keeps the client's secret.
    let second = add("second");
    assert!(
        second.contains("already has a notification signing secret"),
        "{second}"
    );
    assert!(!second.contains(&secret));
}
