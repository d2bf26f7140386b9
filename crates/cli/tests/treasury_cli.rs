//! `maksa treasury import` and `maksa treasury report --json` as an operator
//! runs them, on both databases: a statement written by hand after a bank's
//! export imports and matches, a second import counts nothing twice, a
//! malformed file is refused with its line and element and stores nothing,
//! and the report's totals add up to the statement's balances.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use maksa_app::store::AuditEvent;
use maksa_app::store::prelude::*;
use maksa_domain::request::PaymentRequest;
use maksa_store_tests::fixtures::{
    client, creation_audit, pay_first_payment, single_payment_request,
};
use serde_json::Value;
use std::process::{Command, Output};
use std::sync::Arc;
use time::macros::datetime;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_maksa"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Three paid requests, one payment each, to LV44HABA0551000000001.
async fn paid_requests(store: &Arc<dyn Store>) -> Vec<PaymentRequest> {
    let owner = client("pmlp.epakalpojumi");
    let requests: Vec<PaymentRequest> = (1..=3)
        .map(|seed| single_payment_request(&owner, 500 + seed))
        .collect();
    let batch: Vec<(PaymentRequest, AuditEvent)> = requests
        .iter()
        .map(|r| (r.clone(), creation_audit(r)))
        .collect();
    for result in store.insert_payment_requests(&batch).await.unwrap() {
        result.unwrap();
    }
    let at = datetime!(2026-11-30 09:00 UTC);
    for request in &requests {
        pay_first_payment(store.as_ref(), request, at).await;
    }
    requests
}

async fn open(url: &str) -> Arc<dyn Store> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let store = maksa_store_sqlite::SqliteStore::open(std::path::Path::new(path))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        Arc::new(store)
    } else {
        let store = maksa_store_postgres::PostgresStore::connect(url)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        Arc::new(store)
    }
}

async fn import_and_report(url: &str, dir: &std::path::Path) {
    let store = open(url).await;
    let requests = paid_requests(&store).await;
    drop(store);
    let amount = |i: usize| requests[i].payments[0].amount.minor();
    let id = |i: usize| requests[i].payments[0].purpose_id.as_str().to_owned();
    let opening = 1_525_000;
    let closing = opening + amount(0) + amount(1) + 2_500 - 150;
    let first = id(0);
    let (head, tail) = first.split_at(17);
    let sample = include_str!("statements/bank-export-camt053.xml")
        .replace("{{CLOSING}}", &text(closing))
        .replace("{{AMOUNT_1}}", &text(amount(0)))
        .replace("{{AMOUNT_2}}", &text(amount(1)))
        .replace("{{PAYMENT_1_HEAD}}", head)
        .replace("{{PAYMENT_1_TAIL}}", tail)
        .replace("{{PAYMENT_2}}", &id(1));
    let file = dir.join("statement.xml");
    std::fs::write(&file, &sample).unwrap();
    let file = file.to_str().unwrap();

    let imported = run(&["treasury", "import", "--database-url", url, file]);
    let out = String::from_utf8_lossy(&imported.stdout);
    assert!(
        imported.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(out.contains("camt.053"), "{out}");
    assert!(out.contains("4 new"), "{out}");
    assert!(out.contains("settled 2"), "{out}");
    assert!(out.contains("unmatched 1"), "{out}");

    // The same file again: nothing new, nothing counted twice.
    let again = run(&["treasury", "import", "--json", "--database-url", url, file]);
    assert!(again.status.success());
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["new"], 0);
    assert_eq!(again["repeated"], 4);

    // A malformed file: refused with its line and element, nothing stored.
    let broken = sample.replacen(
        "<Amt Ccy=\"EUR\">25.00</Amt>",
        "<Amt Ccy=\"EUR\">25,00</Amt>",
        1,
    );
    let line = broken
        .lines()
        .position(|l| l.contains("25,00"))
        .unwrap()
        .saturating_add(1);
    let broken_file = dir.join("broken.xml");
    std::fs::write(&broken_file, broken.replace("20261130", "20261129")).unwrap();
    let refused = run(&[
        "treasury",
        "import",
        "--database-url",
        url,
        broken_file.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(
        error.contains(&format!("line {line}, <Amt>")),
        "line {line}: {error}"
    );

    let report = run(&[
        "treasury",
        "report",
        "--database-url",
        url,
        "--from",
        "2026-11-29",
        "--to",
        "2026-12-03",
        "--json",
    ]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["matched"], 2, "{report:#}");
    assert_eq!(report["differences"], 0);
    assert_eq!(report["unmatched"], 1);
    assert_eq!(report["refund_candidates"], 0);
    let euro = &report["totals"]["EUR"];
    assert_eq!(euro["matched"], text(amount(0) + amount(1)));
    assert_eq!(euro["unmatched"], "25.00");
    assert_eq!(euro["debits"], "1.50");
    let days = report["days"].as_array().unwrap();
    let day = days
        .iter()
        .find(|d| d["account"] == "LV44HABA0551000000001")
        .unwrap();
    assert_eq!(day["day"], "2026-11-30");
    assert_eq!(day["opening_balance"], "15250.00");
    assert_eq!(day["closing_balance"], text(closing));
    assert_eq!(day["balanced"], true);
    assert_eq!(day["credits"], text(amount(0) + amount(1) + 2_500));
    // The third payment was paid on the 30th and has no money by the 3rd.
    assert_eq!(report["unsettled_payments"], 1);
    assert_eq!(report["unsettled"][0]["purpose_id"], id(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banks_statement_imports_and_reports_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("maksa.db").display());
    import_and_report(&url, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banks_statement_imports_and_reports_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = maksa_store_tests::fresh_postgres_database().await;
    import_and_report(&url, dir.path()).await;
}
