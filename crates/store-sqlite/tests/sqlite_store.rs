//! What only the SQLite store promises: durable settings, a file a second
//! process can read at once, migrations, and refusing files that are not ours.

use maksa_app::store::StoreError;
use maksa_app::store::prelude::*;
use maksa_store_sqlite::SqliteStore;
use maksa_store_tests::fixtures::{client, creation_audit};
use maksa_store_tests::{fresh_sqlite_path, sample_request};
use sqlx::Connection;

#[tokio::test]
async fn the_writer_runs_with_durable_settings() {
    let (path, _directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path).await.expect("open");
    let report = store.pragma_report().await.expect("pragmas");
    assert_eq!(report.journal_mode, "wal");
    assert_eq!(report.synchronous, 2, "synchronous=FULL");
    assert!(report.foreign_keys);
    assert_eq!(report.busy_timeout_ms, 5_000);
    assert_eq!(
        report.application_id, 0x4D4B_5341,
        "the file is marked as maksa's"
    );
    assert_eq!(report.temp_store, 2, "statement journals in memory");
    assert_eq!(
        report.wal_autocheckpoint, 65_536,
        "the writer does not checkpoint in its commits (the checkpointer does)"
    );
    assert_eq!(store.write_concurrency(), 1);
}

/// Pages of the main database file (the WAL aside).
fn main_file_pages(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).expect("the database file").len() / 4096
}

#[tokio::test]
async fn the_checkpointer_copies_the_wal_into_the_file_and_stops_with_the_store() {
    let (path, _directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path).await.expect("open");
    store.migrate().await.expect("migrate");
    let owner = client("pmlp.epakalpojumi");
    let batch: Vec<_> = (0..200)
        .map(|seed| {
            let request = sample_request(&owner, seed);
            let audit = creation_audit(&request);
            (request, audit)
        })
        .collect();
    let results = store.insert_payment_requests(&batch).await.expect("insert");
    assert!(results.iter().all(Result::is_ok));
    // The writer leaves its pages in the WAL (its automatic checkpoint is far
    // away); only the checkpointer can have copied them into the file.
    let wanted = 50;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while main_file_pages(&path) < wanted && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        main_file_pages(&path) >= wanted,
        "the database file has {} pages after the checkpointer's time",
        main_file_pages(&path)
    );

    // Closing stops it too: with no connection left, SQLite removes the WAL.
    store.close().await;
    let wal = path.with_file_name("maksa.db-wal");
    assert!(!wal.exists(), "a connection outlived close()");
}

#[tokio::test]
async fn open_creates_the_file_and_its_directories() {
    let (path, directory) = fresh_sqlite_path();
    let nested = directory.path().join("a").join("b").join("maksa.db");
    assert!(!path.exists());
    let store = SqliteStore::open(&nested).await.expect("open");
    assert!(nested.exists(), "the database file was created");
    assert_eq!(store.path(), nested);
}

#[tokio::test]
async fn an_insert_is_visible_to_a_second_store_once_it_returns() {
    let (path, _directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path).await.expect("open");
    store.migrate().await.expect("migrate");
    let request = sample_request(&client("pmlp.epakalpojumi"), 1);
    let results = store
        .insert_payment_requests(&[(request.clone(), creation_audit(&request))])
        .await
        .expect("insert");
    assert!(results[0].is_ok());

    // Another process opening the same file (here: another store) sees the row.
    let second = SqliteStore::open(&path).await.expect("second open");
    assert!(second.migrations_current().await.expect("check"));
    assert_eq!(
        second
            .payment_request(&request.owner, request.id)
            .await
            .expect("read"),
        Some(request.clone())
    );

    // And it survives closing everything and opening again.
    store.close().await;
    second.close().await;
    let reopened = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(
        reopened
            .payment_request_by_id(request.id)
            .await
            .expect("read"),
        Some(request)
    );
}

#[tokio::test]
async fn migrations_are_applied_once_and_reported() {
    let (path, _directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path).await.expect("open");
    assert!(
        !store.migrations_current().await.expect("check"),
        "a new file is not migrated"
    );
    store.migrate().await.expect("migrate");
    assert!(store.migrations_current().await.expect("check"));
    store.migrate().await.expect("migrating again is a no-op");
    assert!(store.migrations_current().await.expect("check"));
}

#[tokio::test]
async fn a_database_modified_by_a_newer_build_is_not_current() {
    let (path, _directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path).await.expect("open");
    store.migrate().await.expect("migrate");
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut connection)
    .await
    .expect("insert");
    assert!(!store.migrations_current().await.expect("check"));
    assert!(
        store.migrate().await.is_err(),
        "an unknown applied migration is refused"
    );
}

#[tokio::test]
async fn a_file_of_another_program_is_refused() {
    let (path, _directory) = fresh_sqlite_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut connection =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("create");
    sqlx::query("PRAGMA application_id = 42")
        .execute(&mut connection)
        .await
        .expect("pragma");
    connection.close().await.expect("close");

    let opened = SqliteStore::open(&path).await;
    assert!(
        matches!(opened, Err(StoreError::Unavailable(_))),
        "{opened:?}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let (path, _directory) = fresh_sqlite_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &path,
        "Šis nav datubāzes fails, tas ir teksts.\n".repeat(200),
    )
    .expect("write");
    let opened = SqliteStore::open(&path).await;
    assert!(opened.is_err(), "{opened:?}");
}
