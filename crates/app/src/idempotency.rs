//! Idempotency keys (docs/idempotency.md): a client that sends
//! `Idempotency-Key` with `savepaymentrequest`, `createinvoice` or
//! `cancelpaymentrequest` may repeat the call — a timeout, a lost answer —
//! and gets the first answer again, without the work being done twice.
//!
//! The key is the client's (two clients may use the same text). What is
//! compared is the SHA-256 of the method and the request *as the hub read
//! it* (the parsed fields), so whitespace, field order and field-name case do
//! not make a retry a different request, and a REST retry of a SOAP call is
//! the same call. The key row commits with the work (see
//! `store::IdempotencyStore`); calls with one key are serialised in the
//! process, and across nodes the table's primary key lets one win: the loser
//! reads the winner's row and answers from it.

use crate::api_method::ApiMethod;
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{AppError, ErrorCode};
use crate::store::prelude::*;
use crate::store::{IdempotencyRecord, NewIdempotencyKey, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::Duration;

/// The longest key, in characters.
pub const KEY_MAX_LEN: usize = 255;

/// How long a key is answered from by default.
pub const DEFAULT_TTL: Duration = Duration::hours(24);

/// The HTTP header that carries the key (REST and SOAP alike).
pub const HEADER: &str = "idempotency-key";

/// The answer header of a replayed call.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// A checked key: 1–255 visible ASCII characters (`!` to `~`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks a header's bytes; `INVALID_IDEMPOTENCY_KEY` otherwise.
    pub fn parse(value: &[u8]) -> Result<IdempotencyKey, AppError> {
        let visible = value.iter().all(|b| (0x21..=0x7e).contains(b));
        if value.is_empty() || value.len() > KEY_MAX_LEN || !visible {
            return Err(AppError::BadInput {
                code: ErrorCode::InvalidIdempotencyKey,
                message: format!(
                    "Idempotency-Key must be 1 to {KEY_MAX_LEN} visible ASCII characters (no spaces); this one has {} bytes",
                    value.len()
                ),
            });
        }
        // Only visible ASCII: valid UTF-8.
        Ok(IdempotencyKey(String::from_utf8_lossy(value).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A keyed call: the key, the method and the hash of what was asked.
#[derive(Debug, Clone)]
pub struct KeyedCall {
    key: IdempotencyKey,
    method: ApiMethod,
    body_hash: String,
}

impl KeyedCall {
    /// `canonical` is the request as the door read it (the same text for the
    /// same request, whatever its spelling on the wire).
    pub fn new(key: IdempotencyKey, method: ApiMethod, canonical: &str) -> KeyedCall {
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        context.update(method.as_str().as_bytes());
        context.update(b"\n");
        context.update(canonical.as_bytes());
        let body_hash = context
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        KeyedCall {
            key,
            method,
            body_hash,
        }
    }
}

/// An answer, and whether it is a replay of the first one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered<T> {
    pub value: T,
    pub replayed: bool,
}

/// Where a keyed call stands before its work.
pub(crate) enum Begun {
    /// No key: just do the work.
    Unkeyed,
    /// The key is new (or expired): do the work and write this row with it.
    /// The guard serialises the calls with this key in this process.
    Fresh(NewIdempotencyKey, KeyGuard),
    /// The first call's `result`: answer from it.
    Replay(String),
}

type LockMap = Mutex<HashMap<(String, String), Arc<tokio::sync::Mutex<()>>>>;

/// Held while a keyed call runs; the map forgets the key when nobody holds
/// or waits for it, so it is as large as the calls in flight.
pub(crate) struct KeyGuard {
    id: (String, String),
    locks: Arc<LockMap>,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        if let Ok(mut map) = self.locks.lock()
            // The map's and this guard's: nobody else waits.
            && map.get(&self.id).is_some_and(|m| Arc::strong_count(m) <= 2)
        {
            map.remove(&self.id);
        }
    }
}

pub struct Idempotency {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    locks: Arc<LockMap>,
}

impl Idempotency {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ttl: Duration) -> Idempotency {
        Idempotency {
            store,
            clock,
            ttl,
            locks: Arc::default(),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Keys held by calls in flight in this process (tests: the map empties).
    pub fn keys_in_flight(&self) -> usize {
        self.locks.lock().map(|m| m.len()).unwrap_or(0)
    }

    async fn guard(&self, caller: &Caller, key: &IdempotencyKey) -> KeyGuard {
        let id = (caller.client.to_string(), key.as_str().to_owned());
        let mutex = match self.locks.lock() {
            Ok(mut map) => Arc::clone(map.entry(id.clone()).or_default()),
            // A poisoned map (a panic elsewhere) still serialises nothing
            // wrongly: the database's key decides.
            Err(_) => Arc::default(),
        };
        KeyGuard {
            id,
            locks: Arc::clone(&self.locks),
            _held: mutex.lock_owned().await,
        }
    }

    /// Before the work: replay, refuse, or go ahead with the row to write.
    pub(crate) async fn begin(
        &self,
        caller: &Caller,
        call: Option<&KeyedCall>,
    ) -> Result<Begun, AppError> {
        let Some(call) = call else {
            return Ok(Begun::Unkeyed);
        };
        let guard = self.guard(caller, &call.key).await;
        let now = self.clock.now();
        let since = now.saturating_sub(self.ttl);
        if let Some(stored) = self
            .store
            .idempotency_record(&caller.client, call.key.as_str(), since)
            .await?
        {
            return Ok(Begun::Replay(same_call(&stored, call)?));
        }
        Ok(Begun::Fresh(
            NewIdempotencyKey {
                record: IdempotencyRecord {
                    client: caller.client.clone(),
                    key: call.key.as_str().to_owned(),
                    method: call.method.as_str().to_owned(),
                    body_hash: call.body_hash.clone(),
                    result: String::new(),
                    created_at: now,
                },
                replaces_before: since,
            },
            guard,
        ))
    }

    /// After the work failed: if another node stored the key meanwhile (its
    /// call won the primary key), answer from its row; otherwise the work's
    /// error, with nothing stored (the client may retry).
    pub(crate) async fn after_failure(
        &self,
        row: &NewIdempotencyKey,
        error: AppError,
    ) -> Result<String, AppError> {
        let record = &row.record;
        match self
            .store
            .idempotency_record(&record.client, &record.key, row.replaces_before)
            .await
        {
            Ok(Some(stored)) => same_call_as(&stored, &record.method, &record.body_hash),
            _ => Err(error),
        }
    }

    /// Runs a keyed call: `work` gets the key row to write with its work
    /// (`None` without a key) and answers its value; a replay is rebuilt
    /// from the stored result by `rebuild`.
    pub(crate) async fn run<T, W, F>(
        &self,
        caller: &Caller,
        call: Option<&KeyedCall>,
        rebuild: impl Fn(&str) -> Result<T, AppError>,
        work: W,
    ) -> Result<Answered<T>, AppError>
    where
        W: FnOnce(Option<NewIdempotencyKey>) -> F,
        F: std::future::Future<Output = Result<T, AppError>>,
    {
        let fresh = |value| Answered {
            value,
            replayed: false,
        };
        match self.begin(caller, call).await? {
            Begun::Unkeyed => work(None).await.map(fresh),
            Begun::Replay(result) => Ok(Answered {
                value: rebuild(&result)?,
                replayed: true,
            }),
            Begun::Fresh(row, _guard) => match work(Some(row.clone())).await {
                Ok(value) => Ok(fresh(value)),
                Err(error) => {
                    let result = self.after_failure(&row, error).await?;
                    Ok(Answered {
                        value: rebuild(&result)?,
                        replayed: true,
                    })
                }
            },
        }
    }

    /// Deletes keys older than the time they are answered from, at most
    /// `limit` (the lifecycle worker calls this in rounds).
    pub async fn delete_expired(&self, limit: u32) -> Result<u64, StoreError> {
        let before = self.clock.now().saturating_sub(self.ttl);
        self.store
            .delete_expired_idempotency_keys(before, limit)
            .await
    }
}

fn same_call(stored: &IdempotencyRecord, call: &KeyedCall) -> Result<String, AppError> {
    same_call_as(stored, call.method.as_str(), &call.body_hash)
}

fn same_call_as(stored: &IdempotencyRecord, method: &str, hash: &str) -> Result<String, AppError> {
    if stored.method == method && stored.body_hash == hash {
        Ok(stored.result.clone())
    } else {
        Err(AppError::Conflict {
            code: ErrorCode::IdempotencyKeyReused,
            message: format!(
                "this Idempotency-Key was used at {} for {} with another request; use a new key for a new request",
                rfc3339(stored.created_at),
                stored.method
            ),
        })
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        for good in [
            "a",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "!~",
            &"k".repeat(255),
        ] {
            assert_eq!(
                IdempotencyKey::parse(good.as_bytes()).unwrap().as_str(),
                good
            );
        }
        for bad in [
            "".to_owned(),
            "k".repeat(256),
            "with space".into(),
            "tab\there".into(),
            "ā".into(),
            "new\nline".into(),
            "\u{7f}".into(),
        ] {
            let error = IdempotencyKey::parse(bad.as_bytes()).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidIdempotencyKey, "{bad:?}");
        }
    }

    #[test]
    fn the_hash_tells_method_and_request_apart() {
        let key = IdempotencyKey::parse(b"k").unwrap();
        let a = KeyedCall::new(key.clone(), ApiMethod::CancelPaymentRequest, "x");
        let b = KeyedCall::new(key.clone(), ApiMethod::CancelPaymentRequest, "x");
        let c = KeyedCall::new(key.clone(), ApiMethod::CancelPaymentRequest, "y");
        let d = KeyedCall::new(key, ApiMethod::CreateInvoice, "x");
        assert_eq!(a.body_hash, b.body_hash);
        assert_ne!(a.body_hash, c.body_hash);
        assert_ne!(a.body_hash, d.body_hash);
        assert_eq!(a.body_hash.len(), 64);
    }
}
