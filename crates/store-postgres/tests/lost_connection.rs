//! A lost PostgreSQL connection is a failed write, not a broken store: the
//! transaction it carried is gone (rolled back by the server), the caller is
//! told `Unavailable`, and the next write gets a fresh connection and succeeds —
//! without restarting anything. Shown with `pg_terminate_backend`, which is what
//! a server restart, a failover or an operator does to a session.

use maksa_app::store::StoreError;
use maksa_app::store::prelude::*;
use maksa_domain::request::PaymentRequest;
use maksa_store_postgres::PostgresStore;
use maksa_store_tests::fixtures::{client, creation_audit};
use maksa_store_tests::{fresh_postgres_database, sample_request};
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

async fn insert(store: &PostgresStore, request: &PaymentRequest) -> Result<(), StoreError> {
    let results = store
        .insert_payment_requests(&[(request.clone(), creation_audit(request))])
        .await?;
    results.into_iter().next().expect("one result")
}

/// The pids of the store's sessions in `database`, optionally only those waiting for a lock.
async fn store_sessions(admin: &mut PgConnection, database: &str, waiting: bool) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'maksa' \
         AND ($2 = false OR wait_event_type = 'Lock')",
    )
    .bind(database)
    .bind(waiting)
    .fetch_all(admin)
    .await
    .expect("list sessions")
}

async fn terminate(admin: &mut PgConnection, pids: &[i32]) {
    for pid in pids {
        let _: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&mut *admin)
            .await
            .expect("terminate");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_connection_is_terminated_fails_and_the_next_one_works() {
    let (url, database) = fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let owner = client("pmlp.epakalpojumi");
    let before = sample_request(&owner, 1);
    insert(&store, &before).await.expect("a first write");

    // Hold a lock the store's insert needs, so that its transaction is open
    // and waiting on the server when its session is terminated.
    let mut blocker = PgConnection::connect(&url).await.expect("blocker");
    sqlx::query("BEGIN")
        .execute(&mut blocker)
        .await
        .expect("begin");
    sqlx::query("LOCK TABLE payment_requests IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    let lost = sample_request(&owner, 2);
    let writing = {
        let store = store.clone();
        let lost = lost.clone();
        tokio::spawn(async move { insert(&store, &lost).await })
    };

    let mut admin = PgConnection::connect(&url).await.expect("admin");
    let started = Instant::now();
    let waiting = loop {
        let waiting = store_sessions(&mut admin, database.name(), true).await;
        if !waiting.is_empty() {
            break waiting;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the insert never waited for the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    terminate(&mut admin, &waiting).await;
    sqlx::query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("release the lock");

    let failure = writing.await.expect("join");
    assert!(
        matches!(failure, Err(StoreError::Unavailable(_))),
        "a terminated session is `Unavailable`, got {failure:?}"
    );

    // Every other session of the store dies too (as in a server restart).
    let idle = store_sessions(&mut admin, database.name(), false).await;
    terminate(&mut admin, &idle).await;

    // The next write and read work at once, on new connections.
    let after = sample_request(&owner, 3);
    insert(&store, &after)
        .await
        .expect("a write succeeds on a fresh connection");
    for (request, expected) in [
        (&before, Some(before.clone())),
        (&after, Some(after.clone())),
        (&lost, None),
    ] {
        assert_eq!(
            store
                .payment_request(&owner, request.id)
                .await
                .expect("read"),
            expected,
            "acknowledged writes are there and the interrupted one is not"
        );
    }
    let _ = blocker.close().await;
    let _ = admin.close().await;
    store.close().await;
}
