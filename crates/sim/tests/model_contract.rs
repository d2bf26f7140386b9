//! The store suite every adapter passes (`maksa-store-tests`), run against the
//! simulation's in-memory model for every part of the port the model holds —
//! so the model answers as SQLite and PostgreSQL do, not as we imagine they do.
//! It runs the suite's core list (`store_suite!(@core …)`); the scenarios outside it
//! need documents, cards, the Treasury, IVIS, retention or the dashboard, which
//! the model refuses (crates/sim/src/model/mod.rs).

use maksa_app::store::Store;
use maksa_sim::model::MemoryStore;
use std::sync::Arc;

async fn fresh_model() -> (Arc<dyn Store>, ()) {
    (Arc::new(MemoryStore::new()), ())
}

maksa_store_tests::store_suite!(@core fresh_model);
