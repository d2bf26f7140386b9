//! A store that fails: a decorator over the real store (`Arc<dyn Store>`)
//! that, as the seed decides, fails an operation *before* it reaches the inner
//! store (nothing happened) or — for a commit and the batched create — *after*
//! it (it happened, and the caller was told it failed: the ambiguous answer a
//! lost connection or a failed `fsync` reply gives). A drawn fault may also be a
//! crash: the operation fails, and the simulation then drops every service and
//! builds new ones over the same inner store (`Faults::take_crash`).
//!
//! Every trait of the port is implemented by delegation in `delegate.rs`
//! (generated from the port's source by `scripts/gen_delegation.py`, so a new
//! method of the port is one re-run away).

use crate::turnstile::Turnstile;
use maksa_app::store::{Store, StoreError, UnitOfWork};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::sync::{Arc, Mutex};

mod delegate;

/// How often the store fails, in parts per thousand of operations.
#[derive(Debug, Clone, Copy)]
pub struct FaultRates {
    /// An operation fails before it reaches the store.
    pub before: u32,
    /// A commit (or batched create) happened, and the caller is told it failed.
    pub after: u32,
    /// Of the faults drawn, how many (per thousand) are a crash of the node.
    pub crash: u32,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FaultCounts {
    pub operations: u64,
    pub failed_before: u64,
    pub failed_after: u64,
    pub crashes: u64,
}

struct Plan {
    rng: ChaCha8Rng,
    rates: FaultRates,
    enabled: bool,
    crash_pending: bool,
    counts: FaultCounts,
}

/// The fault plan of one seed, shared by every store wrapper of the run, and
/// the turnstile that interleaves the actors of a race.
pub struct Faults {
    plan: Mutex<Plan>,
    pub turnstile: Turnstile,
}

impl Faults {
    pub fn new(seed: u64, rates: FaultRates, turnstile: Turnstile) -> Faults {
        Faults {
            turnstile,
            plan: Mutex::new(Plan {
                rng: ChaCha8Rng::seed_from_u64(seed),
                rates,
                enabled: true,
                crash_pending: false,
                counts: FaultCounts::default(),
            }),
        }
    }

    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Faults on or off (off for the run to quiescence and the checks).
    pub fn set_enabled(&self, enabled: bool) {
        self.plan().enabled = enabled;
    }

    pub fn counts(&self) -> FaultCounts {
        self.plan().counts
    }

    /// Whether a crash was drawn since the last call (and forgets it).
    pub fn take_crash(&self) -> bool {
        std::mem::take(&mut self.plan().crash_pending)
    }

    /// Draws whether `op` fails at this point (`after`: its effect is done).
    fn draw(&self, op: &'static str, after: bool) -> Option<StoreError> {
        let mut plan = self.plan();
        if !after {
            plan.counts.operations = plan.counts.operations.saturating_add(1);
        }
        if !plan.enabled {
            return None;
        }
        let rate = if after {
            plan.rates.after
        } else {
            plan.rates.before
        };
        if plan.rng.random_range(0..1000) >= rate {
            return None;
        }
        let crash = plan.rng.random_range(0..1000) < plan.rates.crash;
        if crash {
            plan.crash_pending = true;
            plan.counts.crashes = plan.counts.crashes.saturating_add(1);
        }
        let when = if after {
            plan.counts.failed_after = plan.counts.failed_after.saturating_add(1);
            "after it happened"
        } else {
            plan.counts.failed_before = plan.counts.failed_before.saturating_add(1);
            "before it reached the database"
        };
        let what = if crash { "crash" } else { "fault" };
        Some(StoreError::Unavailable(format!(
            "sim {what}: {op} failed {when}"
        )))
    }

    /// `call` for an operation outside a transaction: an actor of a race first
    /// waits for its turn.
    pub(crate) async fn gated<T>(
        &self,
        op: &'static str,
        may_fail_after: bool,
        operation: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.turnstile.gate().await;
        self.call(op, may_fail_after, operation).await
    }

    /// Runs `operation` (a future of the inner store, not yet polled) under the plan.
    pub(crate) async fn call<T>(
        &self,
        op: &'static str,
        may_fail_after: bool,
        operation: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        if let Some(error) = self.draw(op, false) {
            return Err(error);
        }
        let answer = operation.await?;
        if may_fail_after && let Some(error) = self.draw(op, true) {
            return Err(error);
        }
        Ok(answer)
    }
}

/// The decorator over the whole store.
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    faults: Arc<Faults>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn Store>, faults: Arc<Faults>) -> FaultyStore {
        FaultyStore { inner, faults }
    }
}

/// The decorator over one unit of work.
pub struct FaultyWork {
    inner: Box<dyn UnitOfWork>,
    faults: Arc<Faults>,
}

async fn commit(work: FaultyWork) -> Result<(), StoreError> {
    let FaultyWork { inner, faults } = work;
    faults.call("commit", true, inner.commit()).await
}
