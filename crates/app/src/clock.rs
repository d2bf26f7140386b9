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
        rand::rng().fill_bytes(buffer);
    }
}
