//! The demo on a data directory that fills up, tried as an operator would meet
//! it: creates are refused with `503` while the disk is full, status checks
//! keep answering, and once space is freed the next create succeeds — the hub
//! is not restarted.
//!
//! The data directory is a small tmpfs this test mounts, so it needs the right
//! to mount (root, as in CI); without it the test says why and passes, unless
//! `MAKSA_TEST_STRICT` is set.

#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::{missing, mount_tmpfs, start_demo};

/// Free bytes on the filesystem holding `path`, as `df` reports them.
fn free_bytes(path: &Path) -> u64 {
    let output = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

struct Created {
    status: u16,
    mm_error: String,
    id: Option<String>,
}

async fn create(http: &str, body: &Value) -> Created {
    let response = reqwest::Client::new()
        .post(format!("{http}/api/v1/payments/savepaymentrequest"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let mm_error = response
        .headers()
        .get("MM-Error")
        .map(|value| value.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let id = if status == 200 {
        let answer: Value = response.json().await.unwrap();
        answer["PaymentRequestId"].as_str().map(str::to_owned)
    } else {
        None
    };
    Created {
        status,
        mm_error,
        id,
    }
}

async fn status_of(http: &str, cert: &str, id: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{http}/api/v1/payments/checkpaymentrequeststatus"))
        .json(&serde_json::json!({ "MM_Cert": cert, "PaymentRequestId": id }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_creates_with_503_and_the_hub_resumes_when_space_is_freed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let _tmpfs = match mount_tmpfs(&data, "16m") {
        Ok(tmpfs) => tmpfs,
        Err(reason) => return missing(&format!("cannot mount a tmpfs: {reason}"), "full disk"),
    };
    let demo = start_demo(&data, &[]);
    let cert = std::fs::read_to_string(data.join("demo-client.mm_cert.b64")).unwrap();
    let mut body: Value =
        serde_json::from_str(include_str!("../../../demo/savepaymentrequest.json")).unwrap();
    body["MM_Cert"] = cert.clone().into();

    let first = create(&demo.http, &body).await;
    assert_eq!(first.status, 200, "{}", first.mm_error);
    let first = first.id.unwrap();

    // Fill the disk, leaving a little room, then create until it is full.
    let filler = data.join("filler");
    let leave = 96 * 1024;
    let size = free_bytes(&data).saturating_sub(leave);
    std::fs::write(&filler, vec![0u8; usize::try_from(size).unwrap()]).unwrap();
    let mut refused = None;
    for _ in 0..2_000 {
        let answer = create(&demo.http, &body).await;
        match answer.status {
            200 => continue,
            _ => {
                refused = Some(answer);
                break;
            }
        }
    }
    let refused = refused.expect("creates kept succeeding on a full disk");
    assert_eq!(
        refused.status, 503,
        "a full disk is 503: {}",
        refused.mm_error
    );
    assert_eq!(refused.mm_error, "STORAGE_FULL", "the refusal says why");

    // Reads keep answering while the disk is full.
    let (status, text) = status_of(&demo.http, &cert, &first).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(text.trim().trim_matches('"'), "P", "{text}");

    // Space is freed: the next create succeeds, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let after = create(&demo.http, &body).await;
    assert_eq!(
        after.status, 200,
        "a create succeeds as soon as space is free again: {}",
        after.mm_error
    );
    let (status, text) = status_of(&demo.http, &cert, &after.id.unwrap()).await;
    assert_eq!(status, 200, "{text}");
    drop(demo);
}
