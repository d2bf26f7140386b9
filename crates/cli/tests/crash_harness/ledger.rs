//! What the client side was told: every request a create answered with its id,
//! every final status the hub acknowledged (a cancel answered OK, a page that
//! showed the request paid, a status read), what was tried on each request, and
//! every attempt the demo bank approved for the payer.

use rand::Rng;
use rand::rngs::StdRng;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// An acknowledged fact that is not there: a request, a status, a payment.
    Lost,
    /// Counted twice: a payment executed twice, two final statuses, two final
    /// notifications, a paid request whose money is also flagged for refund.
    Doubled,
    /// A final status that nothing the client did (or the clock) explains.
    Unexplained,
    /// A final status never delivered to the sink.
    Unnotified,
    /// Past its expiry, never paid or cancelled, and still P.
    NotExpired,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Lost => "LOST",
            Kind::Doubled => "DOUBLED",
            Kind::Unexplained => "UNEXPLAINED",
            Kind::Unnotified => "UNNOTIFIED",
            Kind::NotExpired => "NOT EXPIRED",
        })
    }
}

#[derive(Debug, Clone)]
pub struct Anomaly {
    pub kind: Kind,
    pub request: String,
    pub what: String,
}

/// One request as the client knows it.
#[derive(Debug, Clone)]
pub struct Track {
    pub expires_at: OffsetDateTime,
    /// Created to expire within seconds.
    pub near_expiry: bool,
    /// The final status the hub acknowledged, and how.
    pub acked_final: Option<(char, &'static str)>,
    pub pay_tried: bool,
    pub cancel_tried: bool,
    /// Attempts (`VK_STAMP`) the demo bank approved: the payer's money went.
    pub approved: HashSet<String>,
    /// Of those, the ones whose return the hub answered.
    pub reported: HashSet<String>,
}

#[derive(Default)]
pub struct Counts {
    pub create_sent: AtomicU64,
    pub created: AtomicU64,
    pub create_refused: AtomicU64,
    pub create_unanswered: AtomicU64,
    pub near_expiry: AtomicU64,
    pub pay_flows: AtomicU64,
    pub approved: AtomicU64,
    pub paid: AtomicU64,
    pub pay_abandoned: AtomicU64,
    pub cancel_sent: AtomicU64,
    pub cancelled: AtomicU64,
    pub cancel_refused: AtomicU64,
    pub reads: AtomicU64,
    pub kills: AtomicU64,
}

pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

pub fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

#[derive(Default)]
struct Inner {
    tracks: HashMap<String, Track>,
    /// The same ids, for picking one at random.
    ids: Vec<String>,
}

/// One API call of the load and how it was answered, with when: the fault
/// suites (`tests/faults`) judge the answers around the moment of a fault.
#[allow(dead_code)] // read by the fault suites (tests/faults)
#[derive(Debug, Clone)]
pub struct Call {
    /// `savepaymentrequest`, `cancelpaymentrequest`, `checkpaymentrequeststatus`.
    pub method: &'static str,
    pub sent: Instant,
    pub answered: Instant,
    /// `None`: no answer (the connection failed).
    pub status: Option<u16>,
    pub code: Option<String>,
    pub retry_after: Option<String>,
}

#[derive(Default)]
pub struct Ledger {
    inner: Mutex<Inner>,
    pub counts: Counts,
    calls: Mutex<Vec<Call>>,
    anomalies: Mutex<Vec<Anomaly>>,
    /// Why pay flows stopped short, and how often.
    abandoned: Mutex<HashMap<String, u64>>,
}

impl Ledger {
    pub fn created(&self, id: String, expires_at: OffsetDateTime, near_expiry: bool) {
        bump(&self.counts.created);
        if near_expiry {
            bump(&self.counts.near_expiry);
        }
        let mut inner = self.inner.lock().unwrap();
        inner.ids.push(id.clone());
        inner.tracks.insert(
            id,
            Track {
                expires_at,
                near_expiry,
                acked_final: None,
                pay_tried: false,
                cancel_tried: false,
                approved: HashSet::new(),
                reported: HashSet::new(),
            },
        );
    }

    /// A random known request that `fits`, marked by `mark` under the same lock.
    pub fn pick(
        &self,
        rng: &mut StdRng,
        fits: impl Fn(&Track) -> bool,
        mark: impl FnOnce(&mut Track),
    ) -> Option<String> {
        let mut inner = self.inner.lock().unwrap();
        if inner.ids.is_empty() {
            return None;
        }
        for _ in 0..40 {
            // Newer requests are likelier: most of the action is on recent ones.
            let len = inner.ids.len();
            let window = len.min(200);
            let index = if rng.random_ratio(3, 4) {
                len - 1 - rng.random_range(0..window)
            } else {
                rng.random_range(0..len)
            };
            let id = inner.ids[index].clone();
            let track = inner.tracks.get_mut(&id).unwrap();
            if fits(track) {
                mark(track);
                return Some(id);
            }
        }
        None
    }

    pub fn track(&self, id: &str) -> Option<Track> {
        self.inner.lock().unwrap().tracks.get(id).cloned()
    }

    pub fn tracks(&self) -> HashMap<String, Track> {
        self.inner.lock().unwrap().tracks.clone()
    }

    /// The hub acknowledged that `id` has the final status `letter`.
    pub fn ack_final(&self, id: &str, letter: char, how: &'static str) {
        let conflict = {
            let mut inner = self.inner.lock().unwrap();
            let Some(track) = inner.tracks.get_mut(id) else {
                return;
            };
            match track.acked_final {
                None => {
                    track.acked_final = Some((letter, how));
                    None
                }
                Some((earlier, _)) if earlier == letter => None,
                Some((earlier, earlier_how)) => Some(format!(
                    "two final statuses acknowledged: {earlier} ({earlier_how}), then {letter} ({how})"
                )),
            }
        };
        if let Some(what) = conflict {
            self.anomaly(Kind::Doubled, id, what);
        }
    }

    pub fn approved(&self, id: &str, stamp: &str) {
        bump(&self.counts.approved);
        if let Some(track) = self.inner.lock().unwrap().tracks.get_mut(id) {
            track.approved.insert(stamp.to_owned());
        }
    }

    pub fn reported(&self, id: &str, stamp: &str) {
        if let Some(track) = self.inner.lock().unwrap().tracks.get_mut(id) {
            track.reported.insert(stamp.to_owned());
        }
    }

    pub fn abandon(&self, why: &str) {
        bump(&self.counts.pay_abandoned);
        let mut abandoned = self.abandoned.lock().unwrap();
        let count = abandoned.entry(why.to_owned()).or_default();
        *count = count.saturating_add(1);
    }

    pub fn abandoned(&self) -> Vec<(String, u64)> {
        let mut all: Vec<_> = self
            .abandoned
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        all.sort();
        all
    }

    pub fn call(&self, call: Call) {
        self.calls.lock().unwrap().push(call);
    }

    #[allow(dead_code)] // the fault suites' (tests/faults)
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn anomaly(&self, kind: Kind, request: &str, what: String) {
        self.anomalies.lock().unwrap().push(Anomaly {
            kind,
            request: request.to_owned(),
            what,
        });
    }

    pub fn anomalies(&self) -> Vec<Anomaly> {
        self.anomalies.lock().unwrap().clone()
    }
}
