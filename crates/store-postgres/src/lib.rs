//! The PostgreSQL adapter of the storage port (`maksa_app::store::Store`).
//!
//! A pool of connections serves reads and writes alike; PostgreSQL runs several
//! writers at once, so the app may insert up to `write_concurrency()` batches in
//! parallel. Every state change commits together with its audit event; a commit
//! that returned is durable (the server's `synchronous_commit`, on by default,
//! is the operator's to keep). The app's workflows run over `unit_of_work.rs`
//! (the port's transaction); this crate decides nothing, it only speaks SQL.

mod cards;
mod console;
mod convert;
mod dashboard;
mod documents;
mod idempotency;
mod kdv;
mod keys;
mod lifecycle;
mod lookup;
mod operators;
mod retention;
mod rows;
mod treasury;
mod unit_of_work;

use async_trait::async_trait;
use convert::{is_item_error, status, store_error, stored_time};
use lookup::StatusLookup;
use maksa_app::store::prelude::*;
use maksa_app::store::{
    AuditEvent, ClientCertificate, DeliveryAttempt, DocumentFileKind, DocumentState,
    ExpiryCandidate, NewIdempotencyKey, Notification, NotificationState, PaymentFilter,
    PaymentSummary, RequestFilter, RequestSummary, StoreError, StoredDocumentFile, UnitOfWork,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use rows::{BatchColumns, NewAudit, NewRequest};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{Connection, Postgres, QueryBuilder};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
use unit_of_work::PostgresWork;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Connections in the pool: the doors' reads plus `WRITERS` concurrent batches,
/// well under PostgreSQL's default `max_connections` of 100.
const CONNECTIONS: u32 = 16;
/// Concurrent insert batches worth running: more only queue on the WAL flush.
const WRITERS: usize = 4;
/// Connections of the status check (`lookup`), besides the pool's.
const STATUS_CONNECTIONS: usize = 4;
/// How long a caller waits for a free connection before being told the
/// database is unavailable. It is also how long a call waits while PostgreSQL
/// is down: the pool retries a refused connection until this deadline. Short,
/// so that callers get `503 UNAVAILABLE` with `Retry-After` quickly instead of
/// a hung request (docs/RELIABILITY.md, "Faults"); 16 connections serve the
/// doors' reads in milliseconds, so a healthy node never queues this long.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The PostgreSQL store. Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    options: PgConnectOptions,
    /// The status check's own connections (`lookup`).
    status: std::sync::Arc<StatusLookup>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/database`, or the key=value
    /// form) and checks the server answers. Does not migrate.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| StoreError::Unavailable(format!("invalid PostgreSQL URL: {error}")))?
            .application_name("maksa");
        // One direct connection first: the pool would retry a refused connection
        // until its acquire timeout, while start-up should fail at once and say why.
        let probe = PgConnection::connect_with(&options)
            .await
            .map_err(|error| unavailable_at(&options, error))?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(|error| unavailable_at(&options, error))?;
        let status = std::sync::Arc::new(StatusLookup::new(options.clone(), STATUS_CONNECTIONS));
        Ok(PostgresStore {
            pool,
            options,
            status,
        })
    }

    /// Applies the migrations this build embeds that the database lacks. Takes
    /// PostgreSQL's advisory lock for the database first, so that nodes starting
    /// together migrate once: the others wait, then find nothing to do.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // A connection of its own rather than a pooled one: the advisory lock is
        // held by the session, and if a migration fails half-way sqlx does not
        // unlock. Closing the session is what reliably releases it.
        let mut connection = PgConnection::connect_with(&self.options)
            .await
            .map_err(|error| unavailable_at(&self.options, error))?;
        let migrated = MIGRATOR
            .run_direct(None, &mut connection, false)
            .await
            .map_err(migrate_error);
        // Even after a failure: closing is what releases the lock.
        let _ = connection.close().await;
        migrated
    }

    /// Whether the database has exactly the migrations this build embeds, all
    /// applied successfully and unmodified. False for a new, unmigrated database
    /// and for one migrated by a newer build.
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let table_exists: bool =
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
        if !table_exists {
            return Ok(false);
        }
        let applied: Vec<(i64, Vec<u8>, bool)> =
            sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations")
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(migrations_match(&MIGRATOR, &applied))
    }

    /// Closes every connection of the pool. Calls after this fail with `Unavailable`.
    pub async fn close(&self) {
        self.status.close().await;
        self.pool.close().await;
    }

    async fn request_rows(
        &self,
        owner: Option<&ClientId>,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        // One statement (a join) rather than two, so the request and its payments
        // come from the same snapshot.
        let rows = match owner {
            Some(owner) => {
                sqlx::query(rows::REQUEST_WITH_PAYMENTS_OF_OWNER)
                    .bind(id.as_uuid())
                    .bind(owner.as_str())
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query(rows::REQUEST_WITH_PAYMENTS)
                    .bind(id.as_uuid())
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(store_error)?;
        rows::assemble_request(&rows)
    }
}

fn unavailable_at(options: &PgConnectOptions, error: sqlx::Error) -> StoreError {
    match store_error(error) {
        StoreError::Unavailable(message) => StoreError::Unavailable(format!(
            "PostgreSQL at {}:{} (database {}): {message}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default)"),
        )),
        other => other,
    }
}

fn migrate_error(error: sqlx::migrate::MigrateError) -> StoreError {
    use sqlx::migrate::MigrateError;
    match error {
        MigrateError::Execute(error) | MigrateError::ExecuteMigration(error, _) => {
            store_error(error)
        }
        // The recorded migrations disagree with this build's: the schema is not
        // one this code knows how to read.
        other @ (MigrateError::VersionMissing(_)
        | MigrateError::VersionMismatch(_)
        | MigrateError::Dirty(_)) => StoreError::Corrupt(other.to_string()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

/// Every up-migration of `migrator` applied successfully with its checksum, and
/// nothing applied that the migrator does not know.
fn migrations_match(migrator: &Migrator, applied: &[(i64, Vec<u8>, bool)]) -> bool {
    let known: Vec<_> = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .collect();
    let all_known_applied = known.iter().all(|migration| {
        applied.iter().any(|(version, checksum, success)| {
            *version == migration.version
                && *success
                && checksum.as_slice() == migration.checksum.as_ref()
        })
    });
    let nothing_unknown = applied
        .iter()
        .all(|(version, _, _)| known.iter().any(|m| m.version == *version));
    all_known_applied && nothing_unknown
}

async fn insert_audit(connection: &mut PgConnection, audit: &NewAudit) -> Result<(), sqlx::Error> {
    sqlx::query(rows::INSERT_AUDIT)
        .bind(audit.at)
        .bind(&audit.actor)
        .bind(audit.request_id)
        .bind(&audit.kind)
        .bind(&audit.detail)
        .execute(connection)
        .await
        .map(|_| ())
}

/// One item of the batched create: the request, its audit event, its key row.
pub(crate) type BatchItem<'a> = (
    &'a PaymentRequest,
    &'a AuditEvent,
    Option<&'a NewIdempotencyKey>,
);

/// `insert_requests`, then the key rows of those that have one (each
/// answering its request's id). Any error leaves the rollback to the caller.
async fn insert_keyed_requests(
    connection: &mut PgConnection,
    requests: &[&NewRequest],
    keys: &[(&NewRequest, &NewIdempotencyKey)],
) -> Result<(), sqlx::Error> {
    insert_requests(&mut *connection, requests).await?;
    for (request, key) in keys {
        idempotency::insert_key(&mut *connection, key, &request.id.to_string()).await?;
    }
    Ok(())
}

impl PostgresStore {
    /// The batched create, each item with its idempotency key row when it
    /// has one (`maksa_app::store::IdempotencyStore`): a taken key fails
    /// its item alone.
    pub(crate) async fn insert_batch(
        &self,
        batch: Vec<BatchItem<'_>>,
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let encoded: Vec<Result<NewRequest, StoreError>> = batch
            .iter()
            .map(|(request, audit, _)| NewRequest::new(request, audit))
            .collect();
        let insertable: Vec<&NewRequest> = encoded
            .iter()
            .filter_map(|item| item.as_ref().ok())
            .collect();
        let mut connection = self.pool.acquire().await.map_err(store_error)?;

        // First attempt: the whole batch in one statement, one round trip, no
        // subtransactions. Numbers and purpose ids are random, so this almost
        // always succeeds.
        let mut transaction = connection.begin().await.map_err(store_error)?;
        let keyed: Vec<(&NewRequest, &NewIdempotencyKey)> = encoded
            .iter()
            .zip(&batch)
            .filter_map(|(item, (_, _, key))| Some((item.as_ref().ok()?, (*key)?)))
            .collect();
        match insert_keyed_requests(&mut transaction, &insertable, &keyed).await {
            Ok(()) => {
                transaction.commit().await.map_err(store_error)?;
                return Ok(encoded.into_iter().map(|item| item.map(|_| ())).collect());
            }
            Err(error) if is_item_error(&error) => {
                transaction.rollback().await.map_err(store_error)?
            }
            Err(error) => return Err(store_error(error)),
        }

        // Second attempt, after a conflict: item by item, each in a savepoint of
        // one transaction (PostgreSQL would otherwise abort the whole
        // transaction at the first error), so a conflict undoes that item alone.
        let mut transaction = connection.begin().await.map_err(store_error)?;
        let mut results = Vec::with_capacity(batch.len());
        for (item, (_, _, key)) in encoded.into_iter().zip(&batch) {
            let request = match item {
                Ok(request) => request,
                Err(error) => {
                    results.push(Err(error));
                    continue;
                }
            };
            let mut savepoint = Connection::begin(&mut *transaction)
                .await
                .map_err(store_error)?;
            let keyed: Vec<(&NewRequest, &NewIdempotencyKey)> =
                key.iter().map(|key| (&request, *key)).collect();
            match insert_keyed_requests(&mut savepoint, &[&request], &keyed).await {
                Ok(()) => {
                    savepoint.commit().await.map_err(store_error)?;
                    results.push(Ok(()));
                }
                Err(error) if is_item_error(&error) => {
                    savepoint.rollback().await.map_err(store_error)?;
                    results.push(Err(store_error(error)));
                }
                // Dropping the transaction rolls the whole batch back.
                Err(error) => return Err(store_error(error)),
            }
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(results)
    }
}

/// Inserts the requests, all their payments and their audit events in one
/// statement. Any error leaves the rollback to the caller.
async fn insert_requests(
    connection: &mut PgConnection,
    requests: &[&NewRequest],
) -> Result<(), sqlx::Error> {
    let columns = BatchColumns::new(requests);
    sqlx::query(rows::INSERT_REQUESTS)
        .bind(&columns.ids)
        .bind(&columns.owners)
        .bind(&columns.numbers)
        .bind(&columns.statuses)
        .bind(&columns.created_at)
        .bind(&columns.status_changed_at)
        .bind(&columns.expires_at)
        .bind(&columns.paid_at)
        .bind(&columns.totals_minor)
        .bind(&columns.currencies)
        .bind(&columns.service_names)
        .bind(&columns.service_provider_names)
        .bind(&columns.terms)
        .bind(&columns.payment_request_ids)
        .bind(&columns.payment_sequences)
        .bind(&columns.payment_purpose_ids)
        .bind(&columns.payment_purposes)
        .bind(&columns.payment_payee_ibans)
        .bind(&columns.payment_payees)
        .bind(&columns.payment_amounts_minor)
        .bind(&columns.payment_currencies)
        .bind(&columns.payment_statuses)
        .bind(&columns.payment_providers)
        .bind(&columns.payment_paid_at)
        .bind(&columns.payment_external_ids)
        .bind(&columns.payment_lines)
        .bind(&columns.audit_at)
        .bind(&columns.audit_actors)
        .bind(&columns.audit_request_ids)
        .bind(&columns.audit_kinds)
        .bind(&columns.audit_details)
        .execute(connection)
        .await
        .map(|_| ())
}

#[async_trait]
impl TransactionStore for PostgresStore {
    fn write_concurrency(&self) -> usize {
        WRITERS
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError> {
        Ok(Box::new(PostgresWork {
            transaction: self.pool.begin().await.map_err(store_error)?,
        }))
    }
}

#[async_trait]
impl RegistryStore for PostgresStore {
    async fn load_catalog(&self) -> Result<Option<Catalog>, StoreError> {
        let catalog: Option<Json<Catalog>> = sqlx::query_scalar(
            "SELECT catalog FROM catalog_versions ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(catalog.map(|Json(catalog)| catalog))
    }

    async fn client_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError> {
        let row = sqlx::query(rows::CERTIFICATE_BY_THUMBPRINT)
            .bind(thumbprint)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError> {
        let rows = sqlx::query(rows::ALL_CERTIFICATES)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(rows::certificate).collect()
    }

    async fn notification_secrets(&self, client: &ClientId) -> Result<Vec<String>, StoreError> {
        self.lifecycle_notification_secrets(client).await
    }

    async fn notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, StoreError> {
        self.lifecycle_notification_secret_times(client).await
    }

    async fn server_key(
        &self,
        name: &str,
        candidate: &[u8],
        at: OffsetDateTime,
    ) -> Result<Vec<u8>, StoreError> {
        self.keys_server_key(name, candidate, at).await
    }
}

#[async_trait]
impl PaymentRequestStore for PostgresStore {
    async fn insert_payment_requests(
        &self,
        batch: &[(PaymentRequest, AuditEvent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.insert_batch(
            batch
                .iter()
                .map(|(request, audit)| (request, audit, None))
                .collect(),
        )
        .await
    }

    async fn payment_request(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        self.request_rows(Some(owner), id).await
    }

    async fn payment_request_by_id(
        &self,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        self.request_rows(None, id).await
    }

    async fn request_status(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<Status>, StoreError> {
        let letter = self
            .status
            .status(id.as_uuid(), owner.as_str())
            .await
            .map_err(store_error)?;
        letter.as_deref().map(status).transpose()
    }

    async fn payment_requests(
        &self,
        owner: &ClientId,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummary>, StoreError> {
        let mut query = QueryBuilder::<Postgres>::new(
            "SELECT id, number, created_at, expires_at, paid_at, service_provider_name, service_name, total_minor, \
             currency, status FROM payment_requests WHERE owner = ",
        );
        query.push_bind(owner.as_str().to_owned());
        let bounds = [
            ("created_at >= ", filter.created_from),
            ("created_at < ", filter.created_till),
            ("paid_at >= ", filter.paid_from),
            ("paid_at < ", filter.paid_till),
            ("expires_at >= ", filter.expires_from),
            ("expires_at < ", filter.expires_till),
        ];
        for (condition, bound) in bounds {
            if let Some(bound) = bound {
                // A NULL paid_at compares as unknown, so the paid bounds drop unpaid rows.
                query
                    .push(" AND ")
                    .push(condition)
                    .push_bind(stored_time(bound));
            }
        }
        if let Some(from) = filter.amount_from {
            query.push(" AND total_minor >= ").push_bind(from.minor());
        }
        if let Some(till) = filter.amount_till {
            query.push(" AND total_minor <= ").push_bind(till.minor());
        }
        if filter.only_not_paid {
            query.push(" AND status <> 'E'");
        }
        if let Some(currency) = filter.currency {
            query
                .push(" AND currency = ")
                .push_bind(currency.as_str().to_owned());
        }
        query
            .push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(rows::request_summary).collect()
    }

    async fn payments(
        &self,
        owner: &ClientId,
        filter: &PaymentFilter,
    ) -> Result<Vec<PaymentSummary>, StoreError> {
        let mut query = QueryBuilder::<Postgres>::new(
            "SELECT p.request_id, p.sequence, p.paid_at, p.external_id, r.service_name, p.payee_iban, p.purpose, \
             p.amount_minor, p.currency, p.status, s.booking_date AS settled_on, s.acct_svcr_ref AS settlement_reference \
             FROM payments p JOIN payment_requests r ON r.id = p.request_id \
             LEFT JOIN statement_entries s ON s.request_id = p.request_id AND s.sequence = p.sequence \
             AND s.outcome = 'settled' WHERE r.owner = ",
        );
        query.push_bind(owner.as_str().to_owned());
        if let Some(from) = filter.paid_from {
            query
                .push(" AND p.paid_at >= ")
                .push_bind(stored_time(from));
        }
        if let Some(till) = filter.paid_till {
            query.push(" AND p.paid_at < ").push_bind(stored_time(till));
        }
        if let Some(from) = filter.amount_from {
            query
                .push(" AND p.amount_minor >= ")
                .push_bind(from.minor());
        }
        if let Some(till) = filter.amount_till {
            query
                .push(" AND p.amount_minor <= ")
                .push_bind(till.minor());
        }
        if let Some(currency) = filter.currency {
            query
                .push(" AND p.currency = ")
                .push_bind(currency.as_str().to_owned());
        }
        query
            .push(" ORDER BY r.created_at DESC, r.id DESC, p.sequence ASC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(rows::payment_summary).collect()
    }

    async fn requests_due_for_expiry(
        &self,
        now: OffsetDateTime,
        grace_cutoff: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ExpiryCandidate>, StoreError> {
        self.lifecycle_requests_due_for_expiry(now, grace_cutoff, limit)
            .await
    }

    async fn audit_events(&self, id: PaymentRequestId) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, request_id, kind, detail FROM audit_events WHERE request_id = $1 ORDER BY at, id",
        )
        .bind(id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(rows::audit_event).collect()
    }
}

#[async_trait]
impl DocumentStore for PostgresStore {
    async fn document_state(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<DocumentState>, StoreError> {
        self.documents_state(owner, id).await
    }

    async fn latest_document(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        file: DocumentFileKind,
    ) -> Result<Option<StoredDocumentFile>, StoreError> {
        self.documents_latest(owner, id, file).await
    }

    async fn receipts_due(
        &self,
        limit: u32,
    ) -> Result<Vec<(ClientId, PaymentRequestId)>, StoreError> {
        self.documents_receipts_due(limit).await
    }
}

#[async_trait]
impl AttemptStore for PostgresStore {
    async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::ATTEMPT_BY_ID)
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::attempt).transpose()
    }

    async fn attempt_by_reference(
        &self,
        provider: &maksa_domain::codes::ProviderCode,
        reference: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::ATTEMPT_BY_REFERENCE)
            .bind(provider.as_str())
            .bind(reference)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::attempt).transpose()
    }

    async fn attempts_of(&self, request: PaymentRequestId) -> Result<Vec<Attempt>, StoreError> {
        let rows = sqlx::query(rows::ATTEMPTS_OF_REQUEST)
            .bind(request.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(rows::attempt).collect()
    }

    async fn claim_attempts_to_query(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(Attempt, u32)>, StoreError> {
        self.lifecycle_claim_attempts_to_query(now, lease_until, limit)
            .await
    }

    async fn note_attempt_query(
        &self,
        id: AttemptId,
        next_query_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.lifecycle_note_attempt_query(id, next_query_at).await
    }

    async fn unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError> {
        self.lifecycle_unresolved_attempts().await
    }
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        self.lifecycle_claim_notifications(now, worker, lease_until, limit)
            .await
    }

    async fn notification_log(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Vec<(Notification, Vec<DeliveryAttempt>)>, StoreError> {
        self.lifecycle_notification_log(owner, id).await
    }

    async fn notifications_in_state(
        &self,
        state: NotificationState,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        self.lifecycle_notifications_in_state(state, limit).await
    }

    async fn resend_notifications(
        &self,
        ids: Option<&[uuid::Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        lifecycle::resend_notifications(&mut connection, ids, now).await
    }

    async fn notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        self.lifecycle_notification_backlog().await
    }

    async fn reschedule_notifications_beyond(
        &self,
        horizon: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE notifications SET next_attempt_at = $1 \
             WHERE state = 'pending' AND next_attempt_at > $2",
        )
        .bind(convert::stored_time(now))
        .bind(convert::stored_time(horizon))
        .execute(&self.pool)
        .await
        .map_err(store_error)?
        .rows_affected())
    }

    /// Never latched here: PostgreSQL itself stops (PANIC) on a failed fsync
    /// and replays its WAL on restart, so a write it acknowledged is durable.
    fn storage_failure(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_match_needs_every_known_migration_and_nothing_else() {
        let known: Vec<(i64, Vec<u8>, bool)> = MIGRATOR
            .iter()
            .map(|m| (m.version, m.checksum.to_vec(), true))
            .collect();
        assert!(migrations_match(&MIGRATOR, &known));
        assert!(!migrations_match(&MIGRATOR, &[]));
        let mut failed = known.clone();
        failed[0].2 = false;
        assert!(!migrations_match(&MIGRATOR, &failed));
        let mut newer = known;
        newer.push((99_999_999, vec![1], true));
        assert!(!migrations_match(&MIGRATOR, &newer));
    }

    #[test]
    fn stored_times_are_utc_microseconds_truncated() {
        let at = time::macros::datetime!(2025-05-06 09:08:09.123456789 +02:00);
        let stored = stored_time(at);
        assert_eq!(
            stored,
            time::macros::datetime!(2025-05-06 07:08:09.123456 UTC)
        );
        assert_eq!(stored.offset(), time::UtcOffset::UTC);
    }
}
