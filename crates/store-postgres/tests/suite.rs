//! The shared store suite (`maksa-store-tests`) against PostgreSQL: every
//! scenario in a new database of its own, dropped afterwards. Needs the server
//! of `MAKSA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! fails, does not skip, when it cannot be reached.

use maksa_app::store::prelude::*;
use maksa_store_postgres::PostgresStore;
use maksa_store_tests::{PostgresTestDatabase, fresh_postgres_database};
use std::sync::Arc;

async fn fresh_store() -> (Arc<dyn Store>, PostgresTestDatabase) {
    let (url, database) = fresh_postgres_database().await;
    let store = PostgresStore::connect(&url)
        .await
        .expect("cannot connect to the new test database");
    store
        .migrate()
        .await
        .expect("cannot migrate the new test database");
    (Arc::new(store), database)
}

maksa_store_tests::store_suite!(fresh_store);
