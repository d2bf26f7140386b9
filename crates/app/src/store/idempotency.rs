//! The port of idempotency keys (docs/idempotency.md): a client's
//! `Idempotency-Key` with the method and the hash of the request it came
//! with, and what rebuilds the first answer. A key row is written in the same
//! transaction as the work it guards — the batched create
//! ([`IdempotencyStore::insert_keyed_payment_requests`]) or the unit of work
//! of a cancel or an invoice (`UnitOfWork::insert_idempotency_key`) — so a
//! key exists exactly when its work was done. The table's primary key
//! (client, key) refuses a second row (`Conflict`), also across nodes.

use super::{AuditEvent, StoreError};
use async_trait::async_trait;
use maksa_domain::ids::ClientId;
use maksa_domain::request::PaymentRequest;
use time::OffsetDateTime;

/// A stored key: what the client sent and what it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub client: ClientId,
    /// The header's value (1–255 visible ASCII characters).
    pub key: String,
    /// The API method (`ApiMethod::as_str`, e.g. `savepaymentrequest`).
    pub method: String,
    /// Lower-case hex SHA-256 of the method and the request as the hub read it.
    pub body_hash: String,
    /// What rebuilds the first answer: the request's id (a create), the
    /// document's id (an invoice), empty (a cancel).
    pub result: String,
    pub created_at: OffsetDateTime,
}

/// A key row to write with its work. A stored row of the same client and key
/// created before `replaces_before` has expired: it is replaced, not a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdempotencyKey {
    pub record: IdempotencyRecord,
    pub replaces_before: OffsetDateTime,
}

/// One item of the batched create: a new request, its audit event and,
/// when the call carried one, its key (whose `result` is the request's id).
#[derive(Debug, Clone)]
pub struct KeyedRequest {
    pub request: PaymentRequest,
    pub audit: AuditEvent,
    pub key: Option<NewIdempotencyKey>,
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// The client's key, if it was stored at or after `since`.
    async fn idempotency_record(
        &self,
        client: &ClientId,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// `insert_payment_requests` with each item's key row (if any) in the
    /// item's own part of the transaction: an item whose key is taken fails
    /// alone, with `Conflict`, and writes nothing.
    async fn insert_keyed_payment_requests(
        &self,
        batch: &[KeyedRequest],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError>;

    /// Deletes at most `limit` keys stored before `before`, oldest first;
    /// answers how many.
    async fn delete_expired_idempotency_keys(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// How many keys are stored (the console, the tests).
    async fn idempotency_key_count(&self) -> Result<u64, StoreError>;
}
