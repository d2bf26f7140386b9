//! `maksa payer-data export` and `erase` as an operator runs them
//! (docs/retention.md), on SQLite: the export lists the person's request
//! with their data, a bad code is refused, the erasure pseudonymises the
//! (final) request, and the export then shows it only as pseudonymised.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use maksa_app::store::prelude::*;
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

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_erase_a_persons_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("maksa.db");
    let url = format!("sqlite://{}", path.display());
    let store = maksa_store_sqlite::SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let request = single_payment_request(&client("pmlp.epakalpojumi"), 900);
    let code = request.terms.payer.code.clone().unwrap();
    for result in store
        .insert_payment_requests(&[(request.clone(), creation_audit(&request))])
        .await
        .unwrap()
    {
        result.unwrap();
    }
    pay_first_payment(store.as_ref(), &request, datetime!(2026-11-30 09:00 UTC)).await;
    drop(store);

    let export = json_of(&run(&[
        "payer-data",
        "export",
        "--database-url",
        &url,
        "--code",
        code.as_str(),
    ]));
    assert_eq!(export["requests"][0]["id"], request.id.to_string());
    assert_eq!(
        export["requests"][0]["payer"]["email"],
        request.terms.payer.email.clone().unwrap()
    );

    let refused = run(&[
        "payer-data",
        "export",
        "--database-url",
        &url,
        "--code",
        "12-34",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("11 digits"));

    let erased = json_of(&run(&[
        "payer-data",
        "erase",
        "--database-url",
        &url,
        "--code",
        code.as_str(),
        "--reason",
        "the person's request of 2026-11-30",
        "--actor",
        "anna",
    ]));
    assert_eq!(erased["erased"], 1);

    let after = json_of(&run(&[
        "payer-data",
        "export",
        "--database-url",
        &url,
        "--code",
        code.as_str(),
    ]));
    assert_eq!(after["requests"].as_array().unwrap().len(), 0);
    assert_eq!(
        after["pseudonymised_requests"][0]["id"],
        request.id.to_string()
    );
    assert_eq!(
        after["pseudonymised_requests"][0]["erased"][0]["actor"],
        "anna"
    );
}
