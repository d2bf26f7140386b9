//! Storage and environment faults under load (issue 18 §2): `maksa serve`
//! under the crash harness's mixed load (creates, payments through the demo
//! bank, cancels, status reads — `../crash_harness/load.rs`) while its disk
//! fills, its fsync fails, or its PostgreSQL is restarted and made
//! unreachable. Each suite then checks the crash harness's verdict (nothing
//! acknowledged lost, nothing doubled, every final status notified) and what
//! the hub answered around the fault. docs/RELIABILITY.md, "Faults".
//!
//! The crash harness's pieces are used as they are (`#[path]` modules), not
//! copied: one load, one ledger, one verdict.

#![allow(clippy::unwrap_used, dead_code)]

#[path = "../support/mod.rs"]
mod support;

#[path = "../crash_harness/database.rs"]
mod database;
#[path = "../crash_harness/hub.rs"]
mod hub;
#[path = "../crash_harness/ledger.rs"]
mod ledger;
#[path = "../crash_harness/load.rs"]
mod load;
#[path = "../crash_harness/payer.rs"]
mod payer;
#[path = "../crash_harness/verdict.rs"]
mod verdict;

mod scenario;

mod clock_jumps;
mod disk_full;
mod fsync;
mod postgres_restart;
