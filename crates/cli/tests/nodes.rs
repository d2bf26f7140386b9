//! Three `maksa serve` processes on one PostgreSQL share the lifecycle work:
//! 120 requests expire, every one's notification reaches the sink at least
//! once although one node is killed with SIGKILL mid-run. Duplicates (a row
//! the killed node delivered but could not record) are counted and reported.
//! The sink answers slowly, so the killed node dies with deliveries in flight;
//! its rows come back when their 60-second lease ends.

#![allow(clippy::unwrap_used)]

mod support;

use support::{free_port, maksa};

use serde_json::json;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUESTS: usize = 120;

struct Node {
    child: Child,
    port: u16,
}

fn start_node(dir: &std::path::Path, name: &str, database_url: &str, sink_port: u16) -> Node {
    let port = free_port();
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "database_url = \"{database_url}\"\npublic_base_url = \"http://127.0.0.1:{port}\"\n\
             http_listen = \"127.0.0.1:{port}\"\nlegacy_body_auth = true\n\
             outbound_allow = [\"127.0.0.0/8\"]\noutbound_ports = [{sink_port}]\n\
             retry_schedule = \"1s*30\"\nnode_name = \"{name}\"\n"
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_maksa"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Node { child, port }
}

async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/ready")).await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node on {port} never became ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_deliver_every_notification_although_one_is_killed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (database_url, _database) = maksa_store_tests::fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();

    // The sink, a slow client: deliveries are in flight when the node dies.
    let (sink_port, heads) = support::notification_sink(Duration::from_millis(1500)).await;
    // Path → how many times it was called.
    let calls = || {
        let mut calls: HashMap<String, usize> = HashMap::new();
        for head in heads.lock().unwrap().iter() {
            let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
            *calls.entry(path).or_default() += 1;
        }
        calls
    };

    // Schema, catalogue and client, as an operator would set them up.
    maksa(&["migrate"], &database_url);
    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/catalog.toml");
    maksa(&["catalog", "import", catalog], &database_url);
    let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "nodes").unwrap();
    let cert_file = dir.path().join("client.pem");
    std::fs::write(&cert_file, &pki.client_cert_pem).unwrap();
    maksa(
        &[
            "client",
            "add",
            "--client",
            "demo",
            "--certificate",
            cert_file.to_str().unwrap(),
        ],
        &database_url,
    );
    let mm_cert = maksa_x509::mm_cert_value(&pki.client_cert_pem).unwrap();

    // Three nodes, started at once: they migrate concurrently, once.
    let mut nodes: Vec<Node> = ["node-a", "node-b", "node-c"]
        .iter()
        .map(|name| start_node(dir.path(), name, &database_url, sink_port))
        .collect();
    for node in &nodes {
        wait_ready(node.port).await;
    }

    // Requests that expire in a few seconds, created through all three nodes.
    let expiry = (time::OffsetDateTime::now_utc() + time::Duration::seconds(4))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let client = reqwest::Client::new();
    for i in 0..REQUESTS {
        let node = &nodes[i % nodes.len()];
        let body = json!({
            "MM_Cert": mm_cert,
            "PaymentsDataStructure": {"PaymentRequest": {
                "ServiceStep": "03G10",
                "PriceList": [{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}],
                "ExpiryDate": expiry,
                "ServerResponseUrl": format!("http://127.0.0.1:{sink_port}/s2s?id="),
            }}
        });
        let response = client
            .post(format!(
                "http://127.0.0.1:{}/api/v1/payments/savepaymentrequest",
                node.port
            ))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }

    // Kill one node as soon as notifications are flowing.
    let deadline = Instant::now() + Duration::from_secs(60);
    while calls().is_empty() {
        assert!(Instant::now() < deadline, "no notification arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The node holding the most leased, undelivered rows dies.
    let busiest = Command::new("psql")
        .arg(&database_url)
        .args([
            "-tAc",
            "SELECT lease_owner FROM notifications WHERE state = 'pending' AND lease_owner IS NOT NULL \
             GROUP BY lease_owner ORDER BY count(*) DESC LIMIT 1",
        ])
        .output()
        .expect("psql (postgresql-client) is needed to find the busiest node");
    let busiest = String::from_utf8_lossy(&busiest.stdout).trim().to_owned();
    let index = ["node-a", "node-b", "node-c"]
        .iter()
        .position(|name| *name == busiest)
        .unwrap_or(1);
    println!("killing {busiest} (index {index}) with deliveries in flight");
    let mut victim = nodes.remove(index);
    victim.child.kill().unwrap();
    let _ = victim.child.wait();

    // Every request's notification arrives; a row the victim held is taken over
    // when its lease (60 s) ends.
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let unique = calls().len();
        if unique == REQUESTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {unique} of {REQUESTS} requests were notified"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And the database agrees: every notification is recorded as delivered —
    // the victim's leased rows were taken over and delivered again.
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let output = Command::new("psql")
            .arg(&database_url)
            .args([
                "-tAc",
                "SELECT count(*) FROM notifications WHERE state <> 'delivered'",
            ])
            .output()
            .unwrap();
        let undelivered = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if undelivered == "0" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{undelivered} notifications still undelivered"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let calls = calls();
    let duplicates: usize = calls.values().map(|n| n - 1).sum();
    println!("{REQUESTS} requests notified; {duplicates} duplicate deliveries");
    assert!(calls.keys().all(|path| path.starts_with("/s2s?id=")));
    for mut node in nodes {
        node.child.kill().unwrap();
        let _ = node.child.wait();
    }
}
