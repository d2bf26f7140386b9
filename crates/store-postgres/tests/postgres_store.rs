//! What only the PostgreSQL store promises: migrations under concurrent
//! start-up, error mapping, and the test-database helper it relies on.

use maksa_app::store::StoreError;
use maksa_app::store::prelude::*;
use maksa_store_postgres::PostgresStore;
use maksa_store_tests::databases::postgres_admin_url;
use maksa_store_tests::fixtures::{client, creation_audit};
use maksa_store_tests::{fresh_postgres_database, sample_request};
use sqlx::Connection;
use std::time::{Duration, Instant};

#[tokio::test]
async fn migrations_are_applied_once_and_reported() {
    let (url, _database) = fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.expect("connect");
    assert_eq!(store.write_concurrency(), 4);
    assert!(
        !store.migrations_current().await.expect("check"),
        "a new database is not migrated"
    );
    store.migrate().await.expect("migrate");
    assert!(store.migrations_current().await.expect("check"));
    store.migrate().await.expect("migrating again is a no-op");
    assert!(store.migrations_current().await.expect("check"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    let (url, _database) = fresh_postgres_database().await;
    let mut nodes = Vec::new();
    for _ in 0..4 {
        nodes.push(PostgresStore::connect(&url).await.expect("connect"));
    }
    let migrations: Vec<_> = nodes
        .iter()
        .cloned()
        .map(|node| tokio::spawn(async move { node.migrate().await }))
        .collect();
    for migration in migrations {
        migration
            .await
            .expect("task")
            .expect("every node's migrate succeeds");
    }
    for node in &nodes {
        assert!(node.migrations_current().await.expect("check"));
    }
    let mut connection = sqlx::PgConnection::connect(&url).await.expect("connect");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut connection)
        .await
        .expect("count");
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations")
        .count();
    assert_eq!(
        usize::try_from(applied).expect("count"),
        files,
        "each migration recorded once"
    );
}

#[tokio::test]
async fn unreadable_terms_are_reported_as_corrupt() {
    let (url, _database) = fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let request = sample_request(&client("pmlp.epakalpojumi"), 1);
    let results = store
        .insert_payment_requests(&[(request.clone(), creation_audit(&request))])
        .await
        .expect("insert");
    assert!(results[0].is_ok());

    let mut connection = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query("UPDATE payment_requests SET terms = '{\"not\": \"terms\"}'")
        .execute(&mut connection)
        .await
        .expect("damage");
    let read = store.payment_request(&request.owner, request.id).await;
    assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
    assert!(
        store
            .request_status(&request.owner, request.id)
            .await
            .expect("status")
            .is_some(),
        "the status alone is still readable"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_not_a_panic() {
    // Port 9 (discard) has no PostgreSQL: the connection is refused at once.
    let started = Instant::now();
    let connected = PostgresStore::connect("postgres://postgres@127.0.0.1:9/nothing").await;
    match connected {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("127.0.0.1:9"), "{message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(matches!(
        PostgresStore::connect("not a url").await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let (url, _database) = fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store.close().await;
    let owner = client("pmlp.epakalpojumi");
    let read = store
        .request_status(&owner, sample_request(&owner, 1).id)
        .await;
    assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
}

#[tokio::test]
async fn test_databases_are_fresh_and_dropped() {
    let (first_url, first) = fresh_postgres_database().await;
    let (second_url, second) = fresh_postgres_database().await;
    assert_ne!(first_url, second_url);
    assert!(first.name().starts_with("maksa_test_"));
    let name = first.name().to_owned();
    let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .expect("admin");
    let exists = "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)";
    assert!(
        sqlx::query_scalar::<_, bool>(exists)
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("query")
    );

    // Dropped even while a store is still connected to it.
    let store = PostgresStore::connect(&first_url).await.expect("connect");
    drop(first);
    assert!(
        !sqlx::query_scalar::<_, bool>(exists)
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("query")
    );
    drop(store);
    drop(second);
}
