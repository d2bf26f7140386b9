//! The shared store suite (`maksa-store-tests`) against SQLite: every scenario
//! in a new database file of its own.

use maksa_app::store::prelude::*;
use maksa_store_sqlite::SqliteStore;
use maksa_store_tests::fresh_sqlite_path;
use std::sync::Arc;
use tempfile::TempDir;

async fn fresh_store() -> (Arc<dyn Store>, TempDir) {
    let (path, directory) = fresh_sqlite_path();
    let store = SqliteStore::open(&path)
        .await
        .expect("cannot open a new SQLite database");
    store
        .migrate()
        .await
        .expect("cannot migrate a new SQLite database");
    (Arc::new(store), directory)
}

maksa_store_tests::store_suite!(fresh_store);
