//! The PostgreSQL adapter of the storage port (`maksa_app::store::Store`).
//!
//! A pool of connections serves reads and writes alike; PostgreSQL runs several
//! writers at once, so the app may insert up to `write_concurrency()` batches in
//! parallel. Every state change commits together with its audit event; a commit
//! that returned is durable (the server's `synchronous_commit`, on by default,
//! is the operator's to keep).

mod convert;
mod documents;
mod keys;
mod lifecycle;
mod lookup;
mod rows;

use async_trait::async_trait;
use convert::{
    is_item_error, optional_stored_time, status, status_letter, store_error, stored_time,
};
use lookup::StatusLookup;
use maksa_app::store::{
    AuditEvent, ClientCertificate, DeliveryAttempt, DeliveryResult, DocumentFileKind,
    DocumentState, DocumentStored, ExpiryCandidate, NewDocument, Notification, NotificationState,
    OutcomeApplied, OutcomeReport, PaymentFilter, PaymentSummary, RequestFilter, RequestSummary,
    StartRefused, StatusChange, Store, StoreError, StoredDocumentFile,
};
use maksa_domain::attempt::{Attempt, AttemptId, settle};
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use rows::{BatchColumns, NewAttempt, NewAudit, NewRequest, to_json};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{Connection, Postgres, QueryBuilder};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Connections in the pool: the doors' reads plus `WRITERS` concurrent batches,
/// well under PostgreSQL's default `max_connections` of 100.
const CONNECTIONS: u32 = 16;
/// Concurrent insert batches worth running: more only queue on the WAL flush.
const WRITERS: usize = 4;
/// Connections of the status check (`lookup`), besides the pool's.
const STATUS_CONNECTIONS: usize = 4;
/// How long a caller waits for a free connection before being told the
/// database is unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// What a start or a provider's message needs to know about the payment an
/// attempt is for, read inside the writing transaction.
struct PaymentFacts {
    request_status: Status,
    /// The status of the attempt's payment; `None` when the request has no
    /// payment with that sequence.
    payment_status: Option<Status>,
    /// Whether every other payment of the request is executed.
    others_paid: bool,
}

impl PaymentFacts {
    fn payment_paid(&self) -> bool {
        self.payment_status == Some(Status::Executed)
    }

    /// Why a new attempt of this payment may not start, before looking at its
    /// other attempts.
    fn start_refused(&self) -> Option<StartRefused> {
        if self.payment_status.is_none() {
            Some(StartRefused::NotFound)
        } else if self.request_status.is_final() {
            Some(StartRefused::RequestFinal(self.request_status))
        } else if self.payment_paid() {
            Some(StartRefused::PaymentPaid)
        } else {
            None
        }
    }
}

/// `None` when there is no such request. Locks the request row until the
/// transaction ends: every change to a request's payments or attempts takes
/// that lock first (as `change_request_status`'s UPDATE does), so what is read
/// here stays true until commit, and the lock order (request, then payments)
/// is the same everywhere. The payments are read by a second statement on
/// purpose: in READ COMMITTED it sees everything committed while this one
/// waited for the lock, which a join locking only the request would not.
async fn payment_facts(
    connection: &mut PgConnection,
    request: Uuid,
    sequence: u16,
) -> Result<Option<PaymentFacts>, StoreError> {
    let request_status: Option<String> =
        sqlx::query_scalar("SELECT status FROM payment_requests WHERE id = $1 FOR UPDATE")
            .bind(request)
            .fetch_optional(&mut *connection)
            .await
            .map_err(store_error)?;
    let Some(request_status) = request_status else {
        return Ok(None);
    };
    let payments: Vec<(i32, String)> =
        sqlx::query_as("SELECT sequence, status FROM payments WHERE request_id = $1")
            .bind(request)
            .fetch_all(&mut *connection)
            .await
            .map_err(store_error)?;
    let mut facts = PaymentFacts {
        request_status: status(&request_status)?,
        payment_status: None,
        others_paid: true,
    };
    for (number, letter) in payments {
        let payment_status = status(&letter)?;
        if number == i32::from(sequence) {
            facts.payment_status = Some(payment_status);
        } else if payment_status != Status::Executed {
            facts.others_paid = false;
        }
    }
    Ok(Some(facts))
}

#[async_trait]
impl Store for PostgresStore {
    fn write_concurrency(&self) -> usize {
        WRITERS
    }

    async fn save_catalog(
        &self,
        catalog: &Catalog,
        source: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<i64, StoreError> {
        let catalog = to_json(catalog, "catalogue")?;
        let audit = NewAudit::new(audit)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO catalog_versions (imported_at, source, catalog) VALUES ($1, $2, $3::jsonb) RETURNING version",
        )
        .bind(stored_time(at))
        .bind(source)
        .bind(catalog)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(version)
    }

    async fn load_catalog(&self) -> Result<Option<Catalog>, StoreError> {
        let catalog: Option<Json<Catalog>> = sqlx::query_scalar(
            "SELECT catalog FROM catalog_versions ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(catalog.map(|Json(catalog)| catalog))
    }

    async fn register_client_certificate(
        &self,
        certificate: &ClientCertificate,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let roles = to_json(&certificate.roles, "roles")?;
        let services = to_json(&certificate.services, "services")?;
        let audit = NewAudit::new(audit)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO client_certificates (thumbprint, client_id, subject, not_before, not_after, revoked_at, \
             roles, services, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9) \
             ON CONFLICT (thumbprint) DO UPDATE SET client_id = excluded.client_id, subject = excluded.subject, \
             not_before = excluded.not_before, not_after = excluded.not_after, revoked_at = excluded.revoked_at, \
             roles = excluded.roles, services = excluded.services, registered_at = excluded.registered_at",
        )
        .bind(&certificate.thumbprint)
        .bind(certificate.client.as_str())
        .bind(&certificate.subject)
        .bind(stored_time(certificate.not_before))
        .bind(stored_time(certificate.not_after))
        .bind(optional_stored_time(certificate.revoked_at))
        .bind(roles)
        .bind(services)
        .bind(stored_time(certificate.registered_at))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)
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

    async fn revoke_client_certificate(
        &self,
        thumbprint: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let audit = NewAudit::new(audit)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // A second revocation keeps the first time: when it was revoked is a fact.
        let updated = sqlx::query(
            "UPDATE client_certificates SET revoked_at = COALESCE(revoked_at, $1) WHERE thumbprint = $2",
        )
        .bind(stored_time(at))
        .bind(thumbprint)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        if updated == 0 {
            transaction.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn insert_payment_requests(
        &self,
        batch: &[(PaymentRequest, AuditEvent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let encoded: Vec<Result<NewRequest, StoreError>> = batch
            .iter()
            .map(|(request, audit)| NewRequest::new(request, audit))
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
        match insert_requests(&mut transaction, &insertable).await {
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
        for item in encoded {
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
            match insert_requests(&mut savepoint, &[&request]).await {
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
             p.amount_minor, p.currency, p.status \
             FROM payments p JOIN payment_requests r ON r.id = p.request_id WHERE r.owner = ",
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

    async fn change_request_status(&self, change: &StatusChange) -> Result<bool, StoreError> {
        let at = stored_time(change.at);
        let audit = NewAudit::new(&change.audit)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // The status condition makes the change happen at most once: a concurrent
        // change waits for this row's lock, then no longer matches.
        let updated = sqlx::query(
            "UPDATE payment_requests SET status = $1, status_changed_at = $2, \
             paid_at = CASE WHEN $1 = 'E' THEN $2 ELSE paid_at END \
             WHERE id = $3 AND owner = $4 AND status = $5",
        )
        .bind(status_letter(change.to))
        .bind(at)
        .bind(change.id.as_uuid())
        .bind(change.owner.as_str())
        .bind(status_letter(change.from))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        if updated == 0 {
            transaction.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        if let Some(payments_to) = change.open_payments_to {
            // Open payments take the request's new status; becoming E, they are
            // paid when the request is (unless a provider already reported a time).
            sqlx::query(
                "UPDATE payments SET status = $1, paid_at = CASE WHEN $1 = 'E' THEN COALESCE(paid_at, $2) ELSE paid_at END \
                 WHERE request_id = $3 AND status = 'P'",
            )
            .bind(status_letter(payments_to))
            .bind(at)
            .bind(change.id.as_uuid())
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        }
        // The outbox row commits with the change it announces, or not at all.
        if let Some(notification) = &change.notification {
            lifecycle::insert_notification(&mut transaction, notification).await?;
        }
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn document_state(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<DocumentState>, StoreError> {
        self.documents_state(owner, id).await
    }

    async fn insert_document(
        &self,
        document: &NewDocument,
        audit: &AuditEvent,
    ) -> Result<DocumentStored, StoreError> {
        self.documents_insert(document, audit).await
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

    async fn park_receipt(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        reason: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.documents_park_receipt(owner, id, reason, audit).await
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
    async fn record_event(&self, audit: &AuditEvent) -> Result<(), StoreError> {
        let audit = NewAudit::new(audit)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)
    }

    async fn start_attempt(
        &self,
        attempt: &Attempt,
        audit: &AuditEvent,
    ) -> Result<Result<(), StartRefused>, StoreError> {
        let new = NewAttempt::started(attempt);
        let audit = NewAudit::new(audit)?;
        // Racing starts queue on the request row's lock (`payment_facts`); the
        // second then sees the first's attempt below. The unique index on open
        // attempts would refuse it anyway.
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let refused =
            match payment_facts(&mut transaction, new.request_id, attempt.sequence).await? {
                None => Some(StartRefused::NotFound),
                Some(facts) => facts.start_refused(),
            };
        if let Some(refused) = refused {
            transaction.rollback().await.map_err(store_error)?;
            return Ok(Err(refused));
        }
        let open = sqlx::query(rows::OPEN_ATTEMPT_OF_PAYMENT)
            .bind(new.request_id)
            .bind(new.sequence)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(store_error)?;
        if let Some(open) = open {
            let open = rows::attempt(&open)?;
            transaction.rollback().await.map_err(store_error)?;
            return Ok(Err(StartRefused::InProgress(open)));
        }
        sqlx::query(rows::INSERT_ATTEMPT)
            .bind(new.id)
            .bind(new.request_id)
            .bind(new.sequence)
            .bind(&new.provider)
            .bind(new.amount_minor)
            .bind(&new.currency)
            .bind(new.state)
            .bind(&new.external_id)
            .bind(new.refund_required)
            .bind(new.created_at)
            .bind(new.updated_at)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(Ok(()))
    }

    async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::ATTEMPT_BY_ID)
            .bind(id.as_uuid())
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

    async fn record_outcome(
        &self,
        report: &OutcomeReport,
        audit: &AuditEvent,
    ) -> Result<Option<OutcomeApplied>, StoreError> {
        let id = report.attempt.as_uuid();
        let reported_at = stored_time(report.at);
        let updated_at = stored_time(audit.at);
        let audit = NewAudit::new(audit)?;
        // The attempt is locked first, then its request (`payment_facts`): two
        // messages about one attempt are applied one after the other, and the
        // facts `settle` decides on stay true until its decision is written.
        // No writer locks a request and then an existing attempt, so this order
        // cannot deadlock with a start or a status change.
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let row = sqlx::query(rows::ATTEMPT_BY_ID_FOR_UPDATE)
            .bind(id)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            transaction.rollback().await.map_err(store_error)?;
            return Ok(None);
        };
        let attempt = rows::attempt(&row)?;
        let request = attempt.request_id.as_uuid();
        let facts = payment_facts(&mut transaction, request, attempt.sequence)
            .await?
            .filter(|facts| facts.payment_status.is_some())
            .ok_or_else(|| {
                StoreError::Corrupt(format!("attempt {id} is of a payment that is not stored"))
            })?;
        let settlement = settle(
            &attempt,
            report.outcome,
            facts.request_status,
            facts.payment_paid(),
            facts.others_paid,
        );
        // A repeated (or overtaken) message changes nothing but the audit trail.
        let attempt = if settlement.unchanged {
            attempt
        } else {
            // `updated_at` is when the hub learnt it (the audit event's time);
            // `report.at` is when the provider says it happened.
            let row = sqlx::query(rows::SETTLE_ATTEMPT)
                .bind(settlement.attempt_state.as_str())
                .bind(&report.external_id)
                .bind(settlement.refund_required)
                .bind(updated_at)
                .bind(id)
                .fetch_one(&mut *transaction)
                .await
                .map_err(store_error)?;
            rows::attempt(&row)?
        };
        if settlement.mark_payment_paid {
            // The attempt's external id, not only this message's: the provider
            // may have sent it with an earlier message.
            let updated = sqlx::query(
                "UPDATE payments SET status = 'E', provider = $1, paid_at = $2, external_id = $3 \
                 WHERE request_id = $4 AND sequence = $5 AND status = 'P'",
            )
            .bind(attempt.provider.as_str())
            .bind(reported_at)
            .bind(&attempt.external_id)
            .bind(request)
            .bind(i32::from(attempt.sequence))
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?
            .rows_affected();
            if updated == 0 {
                // Not in P although its request is and it is not paid: the
                // decision rests on a state the rules never produce. Dropping
                // the transaction rolls everything back.
                return Err(StoreError::Corrupt(format!(
                    "payment {} of request {request} is neither open nor paid",
                    attempt.sequence
                )));
            }
        }
        if let Some(to) = settlement.request_to {
            // Compare-and-set on P, as every status change of a request is.
            let updated = sqlx::query(
                "UPDATE payment_requests SET status = $1, status_changed_at = $2, \
                 paid_at = CASE WHEN $1 = 'E' THEN $2 ELSE paid_at END, \
                 receipt_due = CASE WHEN $1 = 'E' THEN $4 ELSE receipt_due END \
                 WHERE id = $3 AND status = 'P'",
            )
            .bind(status_letter(to))
            .bind(reported_at)
            .bind(request)
            .bind(report.receipt_due)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?
            .rows_affected();
            if updated == 0 {
                // Cannot happen under the request row's lock; should it, the
                // whole settlement was decided on a stale status and must not stand.
                return Err(StoreError::Conflict(format!(
                    "request {request} left P while a provider's message was applied"
                )));
            }
        }
        // Announced only when this message paid the request: the outbox row
        // commits with the payment, or not at all.
        if settlement.request_to == Some(Status::Executed) {
            if let Some(notification) = &report.notification {
                lifecycle::insert_notification(&mut transaction, notification).await?;
            }
        }
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(Some(OutcomeApplied {
            attempt,
            settlement,
        }))
    }

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

    async fn finish_delivery(
        &self,
        id: uuid::Uuid,
        worker: &str,
        attempt: &DeliveryAttempt,
        result: DeliveryResult,
    ) -> Result<bool, StoreError> {
        self.lifecycle_finish_delivery(id, worker, attempt, result)
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
        self.lifecycle_resend_notifications(ids, now).await
    }

    async fn notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        self.lifecycle_notification_backlog().await
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

    async fn add_notification_secret(
        &self,
        client: &ClientId,
        secret: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.lifecycle_add_notification_secret(client, secret, at, audit)
            .await
    }

    async fn retire_notification_secrets(
        &self,
        client: &ClientId,
        before: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError> {
        self.lifecycle_retire_notification_secrets(client, before, audit)
            .await
    }

    async fn notification_secrets(&self, client: &ClientId) -> Result<Vec<String>, StoreError> {
        self.lifecycle_notification_secrets(client).await
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
