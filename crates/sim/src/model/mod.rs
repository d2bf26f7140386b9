//! The simulation's store: an in-memory model of the storage port, so that a
//! seed costs microseconds per operation instead of a round trip to SQLite's
//! worker thread (docs/RELIABILITY.md, "Deterministic simulation").
//!
//! It keeps the tables the simulated paths touch — requests with their
//! payments, attempts, the notification outbox and its delivery log, audit
//! events, idempotency keys, and the registry (catalogue, certificates,
//! notification secrets, server keys) — with the SQLite adapter's rules:
//!
//! * one writer at a time: `begin`, the batched create and every write outside
//!   a unit of work queue in order for one lock (a pool of one connection);
//! * a unit of work works on its own copy of the tables and replaces them on
//!   `commit`; dropped without it, the copy is gone (the rollback), so readers
//!   only ever see committed state;
//! * the same unique keys (number, purpose id, request id, one open attempt per
//!   payment, idempotency key), answered `Conflict`, and the same orders
//!   (ties broken by id, as the SQL's `ORDER BY` does);
//! * times kept as SQLite keeps them: in UTC, truncated to the microsecond.
//!
//! The store suite (`maksa-store-tests`) holds the model to the adapters'
//! behaviour (`crates/sim/tests/model_contract.rs`), and the simulation can
//! run a seed on SQLite as well (`--store sqlite`): the same seed gives the
//! same trace on both.
//!
//! Whatever the simulation does not exercise (documents, the Treasury, IVIS,
//! cards, the console, retention, operators) is refused: the call answers
//! `Corrupt` and is remembered (`MemoryStore::refused`), and the simulation
//! reports it as a violation — a path that starts to use a part outside the
//! model fails loudly instead of being silently mis-modelled.

mod refused;
mod work;

use async_trait::async_trait;
use maksa_app::store::prelude::*;
use maksa_app::store::{
    AuditEvent, ClientCertificate, DeliveryAttempt, ExpiryCandidate, IdempotencyRecord,
    KeyedRequest, NewIdempotencyKey, Notification, NotificationState, PaymentFilter,
    PaymentSummary, RequestFilter, RequestSummary, StoreError, UnitOfWork,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::catalog::Catalog;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use time::OffsetDateTime;
use uuid::Uuid;

pub use work::MemoryWork;

/// A time as the SQLite adapter gives it back: UTC, whole microseconds.
pub(crate) fn stored(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let micros = utc.nanosecond() / 1_000 * 1_000;
    utc.replace_nanosecond(micros).unwrap_or(utc)
}

fn stored_opt(at: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    at.map(stored)
}

/// A request row with its payments (inside `request`) and the columns the
/// domain type does not carry.
#[derive(Debug, Clone)]
pub(crate) struct RequestRow {
    pub request: PaymentRequest,
    pub paid_at: Option<OffsetDateTime>,
    pub receipt_due: bool,
    pub receipt_parked: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct AttemptRow {
    pub attempt: Attempt,
    pub next_query_at: Option<OffsetDateTime>,
    pub queries_made: u32,
    pub unresolved: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct NotificationRow {
    pub notification: Notification,
    pub lease_owner: Option<String>,
    pub lease_until: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub(crate) struct SecretRow {
    pub client: ClientId,
    pub secret: String,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

/// The tables a unit of work copies. The append-only logs (audit events,
/// delivery attempts) live beside them in [`Committed`]: a unit of work only
/// collects what it appends.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tables {
    pub catalogs: Vec<Catalog>,
    pub certificates: BTreeMap<String, ClientCertificate>,
    pub secrets: Vec<SecretRow>,
    pub server_keys: BTreeMap<String, Vec<u8>>,
    pub requests: BTreeMap<PaymentRequestId, RequestRow>,
    pub numbers: BTreeSet<String>,
    pub purpose_ids: BTreeSet<String>,
    pub attempts: BTreeMap<AttemptId, AttemptRow>,
    pub notifications: BTreeMap<Uuid, NotificationRow>,
    pub keys: BTreeMap<(ClientId, String), IdempotencyRecord>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Committed {
    pub tables: Tables,
    pub audit: Vec<AuditEvent>,
    pub deliveries: Vec<(Uuid, DeliveryAttempt)>,
}

pub(crate) struct Shared {
    committed: Mutex<Committed>,
    /// The one writer: held by a unit of work from `begin` to its end, and by
    /// every write outside one while it runs. Fair (first come, first served),
    /// as the SQLite adapter's pool of one connection is.
    writer: Arc<tokio::sync::Mutex<()>>,
    refused: Mutex<BTreeSet<&'static str>>,
}

impl Shared {
    pub(crate) fn committed(&self) -> MutexGuard<'_, Committed> {
        self.committed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The in-memory store. Clones share the same tables.
#[derive(Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

/// A copy of a store's committed state, to start many stores from (the
/// simulation's template: the catalogue imported once).
#[derive(Clone)]
pub struct Snapshot(Committed);

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::from_committed(Committed::default())
    }

    fn from_committed(committed: Committed) -> MemoryStore {
        MemoryStore {
            shared: Arc::new(Shared {
                committed: Mutex::new(committed),
                writer: Arc::new(tokio::sync::Mutex::new(())),
                refused: Mutex::new(BTreeSet::new()),
            }),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot(self.shared.committed().clone())
    }

    pub fn from_snapshot(snapshot: &Snapshot) -> MemoryStore {
        MemoryStore::from_committed(snapshot.0.clone())
    }

    /// The operations outside the model that were called, by name.
    pub fn refused(&self) -> Vec<&'static str> {
        self.shared
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect()
    }

    /// Remembers that `operation` was called and answers why it was refused.
    pub(crate) fn refuse(&self, operation: &'static str) -> StoreError {
        refuse(&self.shared, operation)
    }

    fn read(&self) -> MutexGuard<'_, Committed> {
        self.shared.committed()
    }

    /// The batched create: one transaction, each item in or out alone (a
    /// taken key fails its item with `Conflict`), as the adapters' savepoints do.
    async fn insert_batch<'a>(
        &self,
        items: impl Iterator<
            Item = (
                &'a PaymentRequest,
                &'a AuditEvent,
                Option<&'a NewIdempotencyKey>,
            ),
        >,
    ) -> Vec<Result<(), StoreError>> {
        self.write(|committed| {
            items
                .map(|(request, audit, key)| {
                    insert_request(
                        &mut committed.tables,
                        &mut committed.audit,
                        request,
                        audit,
                        key,
                    )
                })
                .collect()
        })
        .await
    }

    /// `read` of request `id`'s row, if there is one (and `owner`'s, when given).
    fn request_row<T>(
        &self,
        owner: Option<&ClientId>,
        id: PaymentRequestId,
        read: impl FnOnce(&RequestRow) -> T,
    ) -> Option<T> {
        self.read()
            .tables
            .requests
            .get(&id)
            .filter(|row| owner.is_none_or(|owner| &row.request.owner == owner))
            .map(read)
    }

    /// Runs `write` on the committed state as one transaction of its own,
    /// after every unit of work before it.
    async fn write<T>(&self, write: impl FnOnce(&mut Committed) -> T) -> T {
        let _writer = self.shared.writer.lock().await;
        let mut committed = self.read();
        write(&mut committed)
    }
}

pub(crate) fn refuse(shared: &Shared, operation: &'static str) -> StoreError {
    shared
        .refused
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(operation);
    StoreError::Corrupt(format!(
        "{operation} is outside the simulation's store model"
    ))
}

fn conflict(what: &str) -> StoreError {
    StoreError::Conflict(format!("UNIQUE constraint failed: {what}"))
}

/// A request as stored: its times as SQLite keeps them, and `paid_at` set when
/// it is stored already paid (as the adapter does).
fn new_row(request: &PaymentRequest) -> RequestRow {
    let mut request = request.clone();
    request.created_at = stored(request.created_at);
    request.status_changed_at = stored(request.status_changed_at);
    for payment in &mut request.payments {
        payment.paid_at = stored_opt(payment.paid_at);
    }
    request.payments.sort_by_key(|payment| payment.sequence);
    let paid_at = (request.status == Status::Executed).then_some(request.status_changed_at);
    RequestRow {
        request,
        paid_at,
        receipt_due: false,
        receipt_parked: false,
    }
}

/// Inserts one request with its payments, audit event and key row, or nothing
/// (`Conflict` when a unique key is taken).
pub(crate) fn insert_request(
    tables: &mut Tables,
    audit: &mut Vec<AuditEvent>,
    request: &PaymentRequest,
    event: &AuditEvent,
    key: Option<&NewIdempotencyKey>,
) -> Result<(), StoreError> {
    if tables.requests.contains_key(&request.id) {
        return Err(conflict("payment_requests.id"));
    }
    if tables.numbers.contains(request.number.as_str()) {
        return Err(conflict("payment_requests.number"));
    }
    let mut purpose_ids = BTreeSet::new();
    let mut sequences = BTreeSet::new();
    for payment in &request.payments {
        let purpose = payment.purpose_id.as_str().to_owned();
        if tables.purpose_ids.contains(&purpose) || !purpose_ids.insert(purpose) {
            return Err(conflict("payments.purpose_id"));
        }
        if !sequences.insert(payment.sequence) {
            return Err(conflict("payments.request_id, payments.sequence"));
        }
    }
    if let Some(key) = key {
        insert_key(tables, key, &request.id.to_string())?;
    }
    tables.numbers.insert(request.number.as_str().to_owned());
    tables.purpose_ids.extend(purpose_ids);
    tables.requests.insert(request.id, new_row(request));
    audit.push(stored_event(event));
    Ok(())
}

pub(crate) fn stored_event(event: &AuditEvent) -> AuditEvent {
    AuditEvent {
        at: stored(event.at),
        ..event.clone()
    }
}

/// The key row (replacing an expired one of the same client and key).
pub(crate) fn insert_key(
    tables: &mut Tables,
    key: &NewIdempotencyKey,
    result: &str,
) -> Result<(), StoreError> {
    let record = &key.record;
    let index = (record.client.clone(), record.key.clone());
    let replaces_before = stored(key.replaces_before);
    if let Some(old) = tables.keys.get(&index) {
        if old.created_at >= replaces_before {
            return Err(conflict("idempotency_keys.client, idempotency_keys.key"));
        }
    }
    tables.keys.insert(
        index,
        IdempotencyRecord {
            result: result.to_owned(),
            created_at: stored(record.created_at),
            ..record.clone()
        },
    );
    Ok(())
}

fn request_summary(row: &RequestRow) -> RequestSummary {
    let request = &row.request;
    RequestSummary {
        id: request.id,
        number: request.number.as_str().to_owned(),
        created_at: request.created_at,
        expires_at: stored(request.terms.expires_at),
        paid_at: row.paid_at,
        service_provider_name: request.terms.service_provider_name.clone(),
        service_name: request.terms.service_name.clone(),
        total: request.terms.total,
        currency: request.terms.currency,
        status: request.status,
    }
}

/// `lower <= value < upper` on an optional value, as SQL compares (a missing
/// value matches no bound).
fn within(
    value: Option<OffsetDateTime>,
    from: Option<OffsetDateTime>,
    till: Option<OffsetDateTime>,
) -> bool {
    if from.is_none() && till.is_none() {
        return true;
    }
    let Some(value) = value else { return false };
    from.is_none_or(|from| value >= stored(from)) && till.is_none_or(|till| value < stored(till))
}

/// The owner's requests that `keep`, newest first (the adapters' `ORDER BY
/// created_at DESC, id DESC`).
fn newest_first_of<'a>(
    tables: &'a Tables,
    owner: &ClientId,
    keep: impl Fn(&RequestRow) -> bool,
) -> Vec<&'a RequestRow> {
    let mut rows: Vec<&RequestRow> = tables
        .requests
        .values()
        .filter(|row| &row.request.owner == owner && keep(row))
        .collect();
    rows.sort_by(|a, b| {
        (b.request.created_at, b.request.id).cmp(&(a.request.created_at, a.request.id))
    });
    rows
}

fn limit(limit: u32) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

#[async_trait]
impl TransactionStore for MemoryStore {
    fn write_concurrency(&self) -> usize {
        1
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError> {
        Ok(Box::new(MemoryWork::begin(Arc::clone(&self.shared)).await))
    }
}

#[async_trait]
impl RegistryStore for MemoryStore {
    async fn load_catalog(&self) -> Result<Option<Catalog>, StoreError> {
        Ok(self.read().tables.catalogs.last().cloned())
    }

    async fn client_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError> {
        Ok(self.read().tables.certificates.get(thumbprint).cloned())
    }

    async fn client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError> {
        let mut all: Vec<ClientCertificate> =
            self.read().tables.certificates.values().cloned().collect();
        all.sort_by(|a, b| {
            (a.client.as_str(), a.registered_at, &a.thumbprint).cmp(&(
                b.client.as_str(),
                b.registered_at,
                &b.thumbprint,
            ))
        });
        Ok(all)
    }

    async fn notification_secrets(&self, client: &ClientId) -> Result<Vec<String>, StoreError> {
        Ok(active_secrets(&self.read().tables, client)
            .into_iter()
            .map(|row| row.secret.clone())
            .collect())
    }

    async fn notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, StoreError> {
        Ok(active_secrets(&self.read().tables, client)
            .into_iter()
            .map(|row| row.created_at)
            .collect())
    }

    async fn server_key(
        &self,
        name: &str,
        candidate: &[u8],
        _at: OffsetDateTime,
    ) -> Result<Vec<u8>, StoreError> {
        if candidate.len() < 32 {
            return Err(StoreError::Unavailable(
                "CHECK constraint failed: length(key) >= 32".into(),
            ));
        }
        Ok(self
            .write(|committed| {
                committed
                    .tables
                    .server_keys
                    .entry(name.to_owned())
                    .or_insert_with(|| candidate.to_vec())
                    .clone()
            })
            .await)
    }
}

/// The client's secrets not retired, newest first (insertion order breaks ties,
/// as the adapter's `id DESC` does).
fn active_secrets<'a>(tables: &'a Tables, client: &ClientId) -> Vec<&'a SecretRow> {
    let mut rows: Vec<(usize, &SecretRow)> = tables
        .secrets
        .iter()
        .enumerate()
        .filter(|(_, row)| &row.client == client && row.retired_at.is_none())
        .collect();
    rows.sort_by(|(i, a), (j, b)| (b.created_at, j).cmp(&(a.created_at, i)));
    rows.into_iter().map(|(_, row)| row).collect()
}

#[async_trait]
impl PaymentRequestStore for MemoryStore {
    async fn insert_payment_requests(
        &self,
        batch: &[(PaymentRequest, AuditEvent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        Ok(self
            .insert_batch(batch.iter().map(|(request, audit)| (request, audit, None)))
            .await)
    }

    async fn payment_request(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        Ok(self.request_row(Some(owner), id, |row| row.request.clone()))
    }

    async fn payment_request_by_id(
        &self,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        Ok(self.request_row(None, id, |row| row.request.clone()))
    }

    async fn request_status(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<Status>, StoreError> {
        Ok(self.request_row(Some(owner), id, |row| row.request.status))
    }

    async fn payment_requests(
        &self,
        owner: &ClientId,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummary>, StoreError> {
        let committed = self.read();
        let rows = newest_first_of(&committed.tables, owner, |row| {
            let request = &row.request;
            within(
                Some(request.created_at),
                filter.created_from,
                filter.created_till,
            ) && within(row.paid_at, filter.paid_from, filter.paid_till)
                && within(
                    Some(stored(request.terms.expires_at)),
                    filter.expires_from,
                    filter.expires_till,
                )
                && filter
                    .amount_from
                    .is_none_or(|from| request.terms.total >= from)
                && filter
                    .amount_till
                    .is_none_or(|till| request.terms.total <= till)
                && !(filter.only_not_paid && request.status == Status::Executed)
                && filter
                    .currency
                    .is_none_or(|currency| request.terms.currency == currency)
        });
        Ok(rows
            .into_iter()
            .take(limit(filter.limit))
            .map(request_summary)
            .collect())
    }

    async fn payments(
        &self,
        owner: &ClientId,
        filter: &PaymentFilter,
    ) -> Result<Vec<PaymentSummary>, StoreError> {
        let committed = self.read();
        let rows = newest_first_of(&committed.tables, owner, |_| true);
        let mut payments = Vec::new();
        for row in rows {
            let request = &row.request;
            let mut own: Vec<_> = request.payments.iter().collect();
            own.sort_by_key(|payment| payment.sequence);
            for payment in own {
                let matches = within(payment.paid_at, filter.paid_from, filter.paid_till)
                    && filter.amount_from.is_none_or(|from| payment.amount >= from)
                    && filter.amount_till.is_none_or(|till| payment.amount <= till)
                    && filter
                        .currency
                        .is_none_or(|currency| payment.currency == currency);
                if !matches {
                    continue;
                }
                if payments.len() >= limit(filter.limit) {
                    return Ok(payments);
                }
                payments.push(PaymentSummary {
                    request_id: request.id,
                    sequence: payment.sequence,
                    paid_at: payment.paid_at,
                    external_id: payment.external_id.clone(),
                    service_name: request.terms.service_name.clone(),
                    payee_iban: payment.payee.iban.as_str().to_owned(),
                    purpose: payment.purpose.clone(),
                    amount: payment.amount,
                    currency: payment.currency,
                    status: payment.status,
                    // Settlements come from the Treasury's statements, outside the model.
                    settled_on: None,
                    settlement_reference: None,
                });
            }
        }
        Ok(payments)
    }

    async fn requests_due_for_expiry(
        &self,
        now: OffsetDateTime,
        grace_cutoff: OffsetDateTime,
        limit_to: u32,
    ) -> Result<Vec<ExpiryCandidate>, StoreError> {
        let (now, grace_cutoff) = (stored(now), stored(grace_cutoff));
        let committed = self.read();
        let tables = &committed.tables;
        let open_attempt: BTreeSet<PaymentRequestId> = tables
            .attempts
            .values()
            .filter(|row| row.attempt.state.is_open())
            .map(|row| row.attempt.request_id)
            .collect();
        let mut due: Vec<(OffsetDateTime, &RequestRow)> = tables
            .requests
            .values()
            .map(|row| (stored(row.request.terms.expires_at), row))
            .filter(|(expires_at, row)| {
                row.request.status == Status::InProcess
                    && *expires_at <= now
                    && !(*expires_at > grace_cutoff && open_attempt.contains(&row.request.id))
            })
            .collect();
        due.sort_by_key(|(expires_at, row)| (*expires_at, row.request.id));
        Ok(due
            .into_iter()
            .take(limit(limit_to))
            .map(|(_, row)| ExpiryCandidate {
                id: row.request.id,
                owner: row.request.owner.clone(),
                server_response_url: row.request.terms.server_response_url.clone(),
            })
            .collect())
    }

    async fn audit_events(&self, id: PaymentRequestId) -> Result<Vec<AuditEvent>, StoreError> {
        let mut events: Vec<AuditEvent> = self
            .read()
            .audit
            .iter()
            .filter(|event| event.request_id == Some(id))
            .cloned()
            .collect();
        // Stable: insertion order breaks ties, as the adapter's `ORDER BY at, id`.
        events.sort_by_key(|event| event.at);
        Ok(events)
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn idempotency_record(
        &self,
        client: &ClientId,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self
            .read()
            .tables
            .keys
            .get(&(client.clone(), key.to_owned()))
            .filter(|record| record.created_at >= stored(since))
            .cloned())
    }

    async fn insert_keyed_payment_requests(
        &self,
        batch: &[KeyedRequest],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        Ok(self
            .insert_batch(
                batch
                    .iter()
                    .map(|item| (&item.request, &item.audit, item.key.as_ref())),
            )
            .await)
    }

    async fn delete_expired_idempotency_keys(
        &self,
        before: OffsetDateTime,
        limit_to: u32,
    ) -> Result<u64, StoreError> {
        let before = stored(before);
        Ok(self
            .write(|committed| {
                let keys = &mut committed.tables.keys;
                let mut old: Vec<(OffsetDateTime, (ClientId, String))> = keys
                    .iter()
                    .filter(|(_, record)| record.created_at < before)
                    .map(|(index, record)| (record.created_at, index.clone()))
                    .collect();
                old.sort();
                let mut deleted = 0_u64;
                for (_, index) in old.into_iter().take(limit(limit_to)) {
                    keys.remove(&index);
                    deleted += 1;
                }
                deleted
            })
            .await)
    }

    async fn idempotency_key_count(&self) -> Result<u64, StoreError> {
        Ok(u64::try_from(self.read().tables.keys.len()).unwrap_or(u64::MAX))
    }
}

#[async_trait]
impl AttemptStore for MemoryStore {
    async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        Ok(self
            .read()
            .tables
            .attempts
            .get(&id)
            .map(|row| row.attempt.clone()))
    }

    async fn attempt_by_reference(
        &self,
        provider: &ProviderCode,
        reference: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        Ok(self
            .read()
            .tables
            .attempts
            .values()
            .map(|row| &row.attempt)
            .filter(|a| &a.provider == provider && a.external_id.as_deref() == Some(reference))
            .max_by_key(|a| (a.created_at, a.id))
            .cloned())
    }

    async fn attempts_of(&self, request: PaymentRequestId) -> Result<Vec<Attempt>, StoreError> {
        let mut all: Vec<Attempt> = self
            .read()
            .tables
            .attempts
            .values()
            .filter(|row| row.attempt.request_id == request)
            .map(|row| row.attempt.clone())
            .collect();
        all.sort_by_key(|a| (a.created_at, a.id));
        Ok(all)
    }

    async fn claim_attempts_to_query(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit_to: u32,
    ) -> Result<Vec<(Attempt, u32)>, StoreError> {
        let (now, lease_until) = (stored(now), stored(lease_until));
        Ok(self
            .write(|committed| {
                let attempts = &mut committed.tables.attempts;
                let mut due: Vec<(OffsetDateTime, AttemptId)> = attempts
                    .values()
                    .filter(|row| {
                        row.attempt.state.is_open()
                            && !row.unresolved
                            && row.next_query_at.is_some_and(|at| at <= now)
                    })
                    .filter_map(|row| Some((row.next_query_at?, row.attempt.id)))
                    .collect();
                due.sort();
                let mut claimed = Vec::new();
                for (_, id) in due.into_iter().take(limit(limit_to)) {
                    if let Some(row) = attempts.get_mut(&id) {
                        row.next_query_at = Some(lease_until);
                        claimed.push((row.attempt.clone(), row.queries_made));
                    }
                }
                claimed.sort_by_key(|(a, _)| (a.created_at, a.id));
                claimed
            })
            .await)
    }

    async fn note_attempt_query(
        &self,
        id: AttemptId,
        next_query_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.write(|committed| {
            if let Some(row) = committed.tables.attempts.get_mut(&id) {
                row.queries_made = row.queries_made.saturating_add(1);
                row.next_query_at = stored_opt(next_query_at);
                if next_query_at.is_none() {
                    row.unresolved = true;
                }
            }
        })
        .await;
        Ok(())
    }

    async fn unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError> {
        let mut all: Vec<Attempt> = self
            .read()
            .tables
            .attempts
            .values()
            .filter(|row| row.unresolved && row.attempt.state.is_open())
            .map(|row| row.attempt.clone())
            .collect();
        all.sort_by_key(|a| (a.created_at, a.id));
        Ok(all)
    }
}

/// Notifications sorted by creation (the adapter's `ORDER BY created_at, id`).
fn by_creation<'a>(rows: impl Iterator<Item = &'a NotificationRow>) -> Vec<&'a NotificationRow> {
    let mut rows: Vec<&NotificationRow> = rows.collect();
    rows.sort_by_key(|row| (row.notification.created_at, row.notification.id));
    rows
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit_to: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        // A lease ending more than a whole lease after the one given now was
        // taken by a clock ahead of this one (set back since): it is over.
        let horizon = stored(lease_until.saturating_add(lease_until - now));
        let (now, lease_until) = (stored(now), stored(lease_until));
        Ok(self
            .write(|committed| {
                let rows = &mut committed.tables.notifications;
                let mut due: Vec<(OffsetDateTime, Uuid)> = rows
                    .values()
                    .filter(|row| {
                        row.notification.state == NotificationState::Pending
                            && row.notification.next_attempt_at <= now
                            && row
                                .lease_until
                                .is_none_or(|until| until < now || until > horizon)
                    })
                    .map(|row| (row.notification.next_attempt_at, row.notification.id))
                    .collect();
                due.sort();
                let mut claimed = Vec::new();
                for (_, id) in due.into_iter().take(limit(limit_to)) {
                    if let Some(row) = rows.get_mut(&id) {
                        row.lease_owner = Some(worker.to_owned());
                        row.lease_until = Some(lease_until);
                        claimed.push(row.notification.clone());
                    }
                }
                claimed
            })
            .await)
    }

    async fn notification_log(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Vec<(Notification, Vec<DeliveryAttempt>)>, StoreError> {
        let committed = self.read();
        let owned = committed
            .tables
            .requests
            .get(&id)
            .is_some_and(|row| &row.request.owner == owner);
        if !owned {
            return Ok(Vec::new());
        }
        let rows = by_creation(
            committed
                .tables
                .notifications
                .values()
                .filter(|row| row.notification.request_id == id),
        );
        Ok(rows
            .into_iter()
            .map(|row| {
                let mut log: Vec<DeliveryAttempt> = committed
                    .deliveries
                    .iter()
                    .filter(|(of, _)| *of == row.notification.id)
                    .map(|(_, attempt)| attempt.clone())
                    .collect();
                log.sort_by_key(|attempt| attempt.at);
                (row.notification.clone(), log)
            })
            .collect())
    }

    async fn notifications_in_state(
        &self,
        state: NotificationState,
        limit_to: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let committed = self.read();
        Ok(by_creation(
            committed
                .tables
                .notifications
                .values()
                .filter(|row| row.notification.state == state),
        )
        .into_iter()
        .take(limit(limit_to))
        .map(|row| row.notification.clone())
        .collect())
    }

    async fn resend_notifications(
        &self,
        ids: Option<&[Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        Ok(self
            .write(|committed| work::resend(&mut committed.tables, ids, now))
            .await)
    }

    async fn notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        let committed = self.read();
        let count = |state| {
            committed
                .tables
                .notifications
                .values()
                .filter(|row| row.notification.state == state)
                .count() as u64
        };
        Ok((
            count(NotificationState::Pending),
            count(NotificationState::Dead),
        ))
    }

    async fn reschedule_notifications_beyond(
        &self,
        horizon: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let (horizon, now) = (stored(horizon), stored(now));
        let beyond = |row: &NotificationRow| {
            row.notification.state == NotificationState::Pending
                && row.notification.next_attempt_at > horizon
        };
        // Read first, as the adapter does: the writer only when there is
        // something to move.
        if !self.read().tables.notifications.values().any(beyond) {
            return Ok(0);
        }
        Ok(self
            .write(|committed| {
                let mut moved = 0_u64;
                for row in committed.tables.notifications.values_mut() {
                    if beyond(row) {
                        row.notification.next_attempt_at = now;
                        moved += 1;
                    }
                }
                moved
            })
            .await)
    }

    fn storage_failure(&self) -> Option<String> {
        None
    }
}
