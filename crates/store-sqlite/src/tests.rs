//! What only code inside the crate can check: it needs the writer connection.

#![allow(clippy::unwrap_used)]

use super::*;
use maksa_app::store::StatusChange;
use maksa_app::workflows::Workflows;
use maksa_store_tests::fixtures::{client, creation_audit};
use maksa_store_tests::{fresh_sqlite_path, sample_request};

async fn store_with_one_request() -> (SqliteStore, PaymentRequest, tempfile::TempDir) {
    let (path, directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let request = sample_request(&client("pmlp.epakalpojumi"), 1);
    let results = store
        .insert_payment_requests(&[(request.clone(), creation_audit(&request))])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    (store, request, directory)
}

#[tokio::test]
async fn unreadable_terms_are_reported_as_corrupt() {
    let (store, request, _directory) = store_with_one_request().await;
    sqlx::query("UPDATE payment_requests SET terms = '{\"not\": \"terms\"}'")
        .execute(&store.writer)
        .await
        .unwrap();
    let read = store.payment_request(&request.owner, request.id).await;
    assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
    // The status alone is still readable: the damage is confined to the terms.
    assert_eq!(
        store
            .request_status(&request.owner, request.id)
            .await
            .unwrap(),
        Some(Status::InProcess)
    );
}

#[tokio::test]
async fn unreadable_payment_lines_are_reported_as_corrupt() {
    let (store, request, _directory) = store_with_one_request().await;
    sqlx::query("UPDATE payments SET lines = 'ne json' WHERE sequence = 2")
        .execute(&store.writer)
        .await
        .unwrap();
    let read = store.payment_request_by_id(request.id).await;
    assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
}

#[tokio::test]
async fn reads_do_not_wait_for_an_open_write_transaction() {
    let (store, request, _directory) = store_with_one_request().await;
    // Hold the write lock, as a long batch would.
    let mut writing = store.write().await.unwrap();
    sqlx::query("UPDATE payment_requests SET status = 'C'")
        .execute(&mut *writing)
        .await
        .unwrap();

    let read = tokio::time::timeout(
        Duration::from_secs(2),
        store.request_status(&request.owner, request.id),
    )
    .await;
    let status = read.expect("a read waited for the writer").unwrap();
    assert_eq!(
        status,
        Some(Status::InProcess),
        "readers see the last committed state"
    );
    let listed = tokio::time::timeout(
        Duration::from_secs(2),
        store.payment_request(&request.owner, request.id),
    )
    .await;
    assert_eq!(
        listed.expect("a read waited for the writer").unwrap(),
        Some(request.clone())
    );

    // Meanwhile a second write queues behind the first rather than failing.
    let queued = {
        let store = store.clone();
        let request = request.clone();
        tokio::spawn(async move {
            let change = StatusChange {
                owner: request.owner.clone(),
                id: request.id,
                from: Status::InProcess,
                to: Status::Expired,
                at: request.terms.expires_at,
                open_payments_to: None,
                audit: creation_audit(&request),
                notifications: Vec::new(),
            };
            store.change_request_status(&change).await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !queued.is_finished(),
        "the second write waits for the writer"
    );
    writing.rollback().await.unwrap();
    assert!(
        queued.await.unwrap().unwrap(),
        "and applies once the writer is free"
    );
    assert_eq!(
        store
            .request_status(&request.owner, request.id)
            .await
            .unwrap(),
        Some(Status::Expired)
    );
}

#[tokio::test]
async fn readers_cannot_write() {
    let (store, _request, _directory) = store_with_one_request().await;
    let write = sqlx::query("DELETE FROM payments")
        .execute(&store.readers)
        .await;
    assert!(write.is_err(), "a read connection wrote");
}

#[test]
fn migrations_match_needs_every_known_migration_and_nothing_else() {
    let known: Vec<(i64, Vec<u8>, bool)> = MIGRATOR
        .iter()
        .map(|m| (m.version, m.checksum.to_vec(), true))
        .collect();
    assert!(migrations_match(&MIGRATOR, &known));
    assert!(!migrations_match(&MIGRATOR, &[]));
    let mut failed = known.clone();
    failed[0].2 = false;
    assert!(!migrations_match(&MIGRATOR, &failed));
    let mut modified = known.clone();
    modified[0].1 = vec![0; 48];
    assert!(!migrations_match(&MIGRATOR, &modified));
    let mut newer = known;
    newer.push((99_999_999, vec![1], true));
    assert!(!migrations_match(&MIGRATOR, &newer));
}
