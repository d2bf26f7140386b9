//! Time and randomness are injected so that expiry, schedules and identifiers
//! can be tested without sleeping or guessing.

use maksa_domain::request::Entropy;
use rand::RngCore;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The real clock, truncated to microseconds: both databases keep that precision,
/// so a stored time reads back equal to the one the domain saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        truncate_to_micros(OffsetDateTime::now_utc())
    }
}

pub fn truncate_to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let nanos = at.nanosecond();
    // Drops the sub-microsecond digits; `replace_nanosecond` keeps the rest.
    at.replace_nanosecond(nanos.saturating_sub(nanos % 1000))
        .unwrap_or(at)
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        ManualClock(Mutex::new(truncate_to_micros(start)))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.saturating_add(by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Cryptographically secure randomness for identifiers payers and clients see.
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buffer: &mut [u8]) {
        #[cfg(feature = "sim-entropy")]
        if sim_entropy::fill(buffer) {
            return;
        }
        rand::rng().fill_bytes(buffer);
    }
}

/// The deterministic simulation's seam (`crates/sim`): while a source is
/// installed on a thread, every random byte `OsEntropy` draws on that thread
/// comes from it, so one seed replays a whole run (request ids, attempt ids,
/// notification ids). Only built with the `sim-entropy` feature.
#[cfg(feature = "sim-entropy")]
pub mod sim_entropy {
    use std::cell::RefCell;

    type Source = Box<dyn FnMut(&mut [u8])>;

    thread_local! {
        static SOURCE: RefCell<Option<Source>> = const { RefCell::new(None) };
    }

    /// Installs `source` on this thread until the guard is dropped.
    pub fn install(source: Source) -> Installed {
        SOURCE.with(|slot| *slot.borrow_mut() = Some(source));
        Installed(())
    }

    /// Removes the source when dropped.
    pub struct Installed(());

    impl Drop for Installed {
        fn drop(&mut self) {
            SOURCE.with(|slot| *slot.borrow_mut() = None);
        }
    }

    pub(super) fn fill(buffer: &mut [u8]) -> bool {
        SOURCE.with(|slot| match slot.borrow_mut().as_mut() {
            Some(source) => {
                source(buffer);
                true
            }
            None => false,
        })
    }
}
