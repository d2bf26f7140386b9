//! The SQLite adapter of the storage port (`maksa_app::store::Store`).
//!
//! Durability first: the database runs in WAL mode with `synchronous=FULL`, so a
//! write that returned is on disk. SQLite has a single writer, so this store has
//! exactly one writer connection (a pool of one: callers queue for it in order)
//! and every write transaction starts with `BEGIN IMMEDIATE`, taking the write
//! lock up front: a deferred transaction that later upgrades can fail with
//! SQLITE_BUSY at once instead of waiting out the busy timeout. Reads go to a
//! separate pool of read-only connections, which in WAL mode never wait for the
//! writer.
//!
//! Each state change commits together with its audit event; group commit of new
//! requests (one transaction, one flush per batch) is `insert_payment_requests`.
//! The app's workflows run over `unit_of_work.rs` (the port's transaction);
//! this crate decides nothing, it only speaks SQL.

mod cards;
mod checkpoint;
mod console;
mod convert;
mod dashboard;
mod documents;
mod failure;
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
use checkpoint::Checkpointer;
use convert::{is_item_error, micros, status, store_error};
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
use rows::{NewAudit, NewPayment, NewRequest};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Sqlite, Transaction};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use unit_of_work::SqliteWork;

pub use failure::storage_failure;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a statement waits for a lock held by another process (e.g. a backup
/// or an operator's `sqlite3` shell) before giving up with SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Read connections: enough for the doors' concurrent reads on a small machine.
const READERS: u32 = 4;
/// How long a write may queue for the one writer connection before the caller
/// is told the database is unavailable.
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);
const READ_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Statements cached per connection: every fixed statement of this store plus
/// the variants of the filtered listings and of the multi-row inserts.
const STATEMENT_CACHE: usize = 256;
/// `PRAGMA application_id` of a maksa database ("MKSA"): marks the file as ours
/// and lets `open` refuse a file that belongs to some other program.
const APPLICATION_ID: i64 = 0x4D4B_5341;

/// The SQLite store. Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    path: PathBuf,
    /// Exactly one connection: SQLite serialises writers anyway, and queueing in
    /// the pool is fairer and cheaper than contending for the file lock.
    writer: SqlitePool,
    readers: SqlitePool,
    /// Copies the WAL into the database file in the background (`checkpoint`).
    checkpointer: Arc<Checkpointer>,
    /// The status check's own read connections (`lookup`).
    status: Arc<StatusLookup>,
}

/// The settings the writer connection actually runs with, as SQLite reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PragmaReport {
    /// `wal`.
    pub journal_mode: String,
    /// 2 is FULL: the WAL is flushed at every commit.
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
    pub application_id: i64,
    /// 2 is MEMORY: statement journals and temporary tables stay in memory.
    pub temp_store: i64,
    /// WAL pages after which the writer checkpoints in its own commit: a large
    /// backstop, as the background checkpointer does it (`checkpoint`).
    pub wal_autocheckpoint: i64,
}

impl SqliteStore {
    /// Opens (creating it, and its directory, if missing) the database at `path`
    /// and proves it is writable by committing a write to it. Does not migrate.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(directory) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(directory)
                .await
                .map_err(|error| {
                    StoreError::Unavailable(format!(
                        "cannot create directory {}: {error}",
                        directory.display()
                    ))
                })?;
        }
        let common = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .statement_cache_capacity(STATEMENT_CACHE)
            // Statement journals (and sorts) in memory: the multi-row INSERTs of
            // a batch each keep one, which otherwise spills to a temporary file
            // beyond 64 KiB. It only ever undoes a statement, never a commit.
            .pragma("temp_store", "MEMORY");

        let writer_options = common
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Checkpoints run on the checkpointer's connection, not in a commit.
            .pragma(
                "wal_autocheckpoint",
                checkpoint::WRITER_AUTOCHECKPOINT_PAGES,
            );
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(WRITE_QUEUE_TIMEOUT)
            // Keep the one connection (and its prepared statements) for good.
            .idle_timeout(None)
            .max_lifetime(None)
            // A local file does not drop connections; a ping per write would only cost.
            .test_before_acquire(false)
            .after_release(|connection, _| Box::pin(fit_for_reuse(connection)))
            .connect_with(writer_options)
            .await
            .map_err(|error| unavailable_at(path, error))?;
        claim_and_prove_writable(&writer, path).await?;

        // WAL mode is a property of the file, already set by the writer; readers
        // are read-only so that no code path can write around the writer.
        let reader_options = common.read_only(true);
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .min_connections(1)
            .acquire_timeout(READ_ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(reader_options.clone())
            .await
            .map_err(|error| unavailable_at(path, error))?;
        let status = StatusLookup::new(reader_options.clone(), READERS as usize);
        let checkpointer = Checkpointer::start(&reader_options.read_only(false))
            .await
            .map_err(|error| unavailable_at(path, error))?;
        Ok(SqliteStore {
            path: path.to_owned(),
            writer,
            readers,
            checkpointer: Arc::new(checkpointer),
            status: Arc::new(status),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies the migrations this build embeds that the database lacks.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.writer).await.map_err(migrate_error)
    }

    /// Whether the database has exactly the migrations this build embeds, all
    /// applied successfully and unmodified. False for a new, unmigrated file and
    /// for a database migrated by a newer build.
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let table_exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&self.readers)
        .await
        .map_err(store_error)?;
        if !table_exists {
            return Ok(false);
        }
        let applied: Vec<(i64, Vec<u8>, bool)> =
            sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations")
                .fetch_all(&self.readers)
                .await
                .map_err(store_error)?;
        Ok(migrations_match(&MIGRATOR, &applied))
    }

    /// The durability settings of the writer connection, for tests and for the
    /// operator's health check.
    pub async fn pragma_report(&self) -> Result<PragmaReport, StoreError> {
        let mut writer = self.writer.acquire().await.map_err(store_error)?;
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        let busy_timeout_ms: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        let application_id: i64 = sqlx::query_scalar("PRAGMA application_id")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        let temp_store: i64 = sqlx::query_scalar("PRAGMA temp_store")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        let wal_autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&mut *writer)
            .await
            .map_err(store_error)?;
        Ok(PragmaReport {
            journal_mode,
            synchronous,
            foreign_keys: foreign_keys == 1,
            busy_timeout_ms,
            application_id,
            temp_store,
            wal_autocheckpoint,
        })
    }

    /// Closes every connection, after which the WAL is checkpointed into the
    /// main file. Calls after this fail with `Unavailable`.
    pub async fn close(&self) {
        self.checkpointer.stop().await;
        self.status.close().await;
        self.readers.close().await;
        self.writer.close().await;
    }

    /// A write transaction holding SQLite's write lock from its first statement
    /// — refused at once when the storage failed (`failure`): no write may
    /// follow a failed fsync until the node is restarted.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer()?
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)
    }

    /// The writer pool, for every write of this store — unless the storage
    /// failed (`failure`): no write may follow a failed fsync until the node
    /// is restarted.
    fn writer(&self) -> Result<&SqlitePool, StoreError> {
        match storage_failure() {
            Some(reason) => Err(StoreError::Failed(format!(
                "{reason} (latched until the node is restarted)"
            ))),
            None => Ok(&self.writer),
        }
    }

    async fn request_rows(
        &self,
        owner: Option<&ClientId>,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        // One statement (a join) rather than two, so the request and its payments
        // come from the same snapshot.
        let id = convert::request_id_text(id);
        let rows = match owner {
            Some(owner) => {
                sqlx::query(rows::REQUEST_WITH_PAYMENTS_OF_OWNER)
                    .bind(id)
                    .bind(owner.as_str().to_owned())
                    .fetch_all(&self.readers)
                    .await
            }
            None => {
                sqlx::query(rows::REQUEST_WITH_PAYMENTS)
                    .bind(id)
                    .fetch_all(&self.readers)
                    .await
            }
        }
        .map_err(store_error)?;
        rows::assemble_request(&rows)
    }
}

/// Whether a connection coming back to the writer pool may serve the next write.
///
/// A unit of work dropped without commit (a refused start, a compare-and-set
/// that lost, an error) leaves its ROLLBACK queued on the connection's worker;
/// a ping, queued behind it, waits for it to run. Normally the connection is
/// then clean and is kept. But after a failed COMMIT (disk full, I/O error)
/// SQLite may already have rolled the transaction back by itself; the queued
/// ROLLBACK then fails too, and sqlx goes on counting the connection as inside
/// a transaction: every later `BEGIN` would be refused until a restart. Such a
/// connection is closed instead, and the pool opens a fresh one for the next
/// write, which succeeds as soon as the cause is gone.
async fn fit_for_reuse(connection: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    if !connection.is_in_transaction() {
        return Ok(true);
    }
    if connection.ping().await.is_err() {
        return Ok(false);
    }
    Ok(!connection.is_in_transaction())
}

fn unavailable_at(path: &Path, error: sqlx::Error) -> StoreError {
    match store_error(error) {
        StoreError::Unavailable(message) => {
            StoreError::Unavailable(format!("{}: {message}", path.display()))
        }
        StoreError::Full(message) => StoreError::Full(format!("{}: {message}", path.display())),
        other => other,
    }
}

/// Marks the file as a maksa database and thereby commits a write: a file we
/// cannot write (read-only mount, full disk, wrong permissions, someone else's
/// database) is refused at start-up instead of at the first payment.
async fn claim_and_prove_writable(writer: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    let mut connection = writer
        .acquire()
        .await
        .map_err(|error| unavailable_at(path, error))?;
    let current: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *connection)
        .await
        .map_err(|error| unavailable_at(path, error))?;
    if current != 0 && current != APPLICATION_ID {
        return Err(StoreError::Unavailable(format!(
            "{} belongs to another program (application_id {current:#x})",
            path.display()
        )));
    }
    // Setting the header field writes page 1 and commits, even when the value is
    // unchanged, so this is a real durable write. PRAGMA takes no bind
    // parameters; the value is our constant.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA application_id = {APPLICATION_ID}"
    )))
    .execute(&mut *connection)
    .await
    .map_err(|error| unavailable_at(path, error))?;
    Ok(())
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

async fn insert_audit(
    connection: &mut SqliteConnection,
    audit: &NewAudit,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_events (at, actor, request_id, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(audit.at)
        .bind(&audit.actor)
        .bind(&audit.request_id)
        .bind(&audit.kind)
        .bind(&audit.detail)
        .execute(connection)
        .await
        .map(|_| ())
}

/// Rows per multi-row INSERT: bounds the statement variants each connection
/// caches (one per row count up to this) and the bind parameters per statement
/// (at most 13 × 32, far below SQLite's limit of 32766).
const ROWS_PER_STATEMENT: usize = 32;

/// One item of the batched create: the request, its audit event, its key row.
pub(crate) type BatchItem<'a> = (
    &'a PaymentRequest,
    &'a AuditEvent,
    Option<&'a NewIdempotencyKey>,
);

/// `insert_requests`, then the key rows of those that have one (each
/// answering its request's id). Any error leaves the rollback to the caller.
async fn insert_keyed_requests(
    connection: &mut SqliteConnection,
    requests: &[&NewRequest],
    keys: &[(&NewRequest, &NewIdempotencyKey)],
) -> Result<(), sqlx::Error> {
    insert_requests(&mut *connection, requests).await?;
    for (request, key) in keys {
        idempotency::insert_key(&mut *connection, key, &request.id.to_string()).await?;
    }
    Ok(())
}

impl SqliteStore {
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
        // Encode before taking the writer, which every other write is waiting for.
        let encoded: Vec<Result<NewRequest, StoreError>> = batch
            .iter()
            .map(|(request, audit, _)| NewRequest::new(request, audit))
            .collect();
        let insertable: Vec<&NewRequest> = encoded
            .iter()
            .filter_map(|item| item.as_ref().ok())
            .collect();

        // Held across both attempts below, so no other write slips in between.
        let mut writer = self.writer()?.acquire().await.map_err(store_error)?;

        // First attempt: the whole batch in a few multi-row statements. Numbers
        // and purpose ids are random, so this almost always succeeds.
        let mut transaction = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
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
        // one transaction, so a conflict undoes that item alone.
        let mut transaction = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
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

/// Inserts the requests, all their payments and their audit events with a few
/// multi-row statements. Any error leaves the rollback to the caller.
async fn insert_requests(
    connection: &mut SqliteConnection,
    requests: &[&NewRequest],
) -> Result<(), sqlx::Error> {
    for chunk in requests.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO payment_requests (id, owner, number, status, created_at, status_changed_at, expires_at, \
             paid_at, total_minor, currency, service_name, service_provider_name, terms) ",
        );
        insert.push_values(chunk, |mut row, request| {
            row.push_bind(request.id.clone())
                .push_bind(request.owner.clone())
                .push_bind(request.number.clone())
                .push_bind(request.status.clone())
                .push_bind(request.created_at)
                .push_bind(request.status_changed_at)
                .push_bind(request.expires_at)
                .push_bind(request.paid_at)
                .push_bind(request.total_minor)
                .push_bind(request.currency.clone())
                .push_bind(request.service_name.clone())
                .push_bind(request.service_provider_name.clone())
                .push_bind(request.terms.clone());
        });
        insert.build().execute(&mut *connection).await?;
    }

    let payments: Vec<(&String, &NewPayment)> = requests
        .iter()
        .flat_map(|request| {
            request
                .payments
                .iter()
                .map(move |payment| (&request.id, payment))
        })
        .collect();
    for chunk in payments.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO payments (request_id, sequence, purpose_id, purpose, payee_iban, payee, amount_minor, \
             currency, status, provider, paid_at, external_id, lines) ",
        );
        insert.push_values(chunk, |mut row, (request_id, payment)| {
            row.push_bind((*request_id).clone())
                .push_bind(payment.sequence)
                .push_bind(payment.purpose_id.clone())
                .push_bind(payment.purpose.clone())
                .push_bind(payment.payee_iban.clone())
                .push_bind(payment.payee.clone())
                .push_bind(payment.amount_minor)
                .push_bind(payment.currency.clone())
                .push_bind(payment.status.clone())
                .push_bind(payment.provider.clone())
                .push_bind(payment.paid_at)
                .push_bind(payment.external_id.clone())
                .push_bind(payment.lines.clone());
        });
        insert.build().execute(&mut *connection).await?;
    }

    for chunk in requests.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_events (at, actor, request_id, kind, detail) ",
        );
        insert.push_values(chunk, |mut row, request| {
            let audit = &request.audit;
            row.push_bind(audit.at)
                .push_bind(audit.actor.clone())
                .push_bind(audit.request_id.clone())
                .push_bind(audit.kind.clone())
                .push_bind(audit.detail.clone());
        });
        insert.build().execute(&mut *connection).await?;
    }
    Ok(())
}

#[async_trait]
impl TransactionStore for SqliteStore {
    fn write_concurrency(&self) -> usize {
        1
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError> {
        Ok(Box::new(SqliteWork {
            transaction: self.write().await?,
        }))
    }
}

#[async_trait]
impl RegistryStore for SqliteStore {
    async fn load_catalog(&self) -> Result<Option<Catalog>, StoreError> {
        let catalog: Option<String> = sqlx::query_scalar(
            "SELECT catalog FROM catalog_versions ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        catalog
            .map(|text| convert::from_json(&text, "catalogue"))
            .transpose()
    }

    async fn client_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError> {
        let row = sqlx::query(rows::CERTIFICATE_BY_THUMBPRINT)
            .bind(thumbprint)
            .fetch_optional(&self.readers)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError> {
        let rows = sqlx::query(rows::ALL_CERTIFICATES)
            .fetch_all(&self.readers)
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
impl PaymentRequestStore for SqliteStore {
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
            .status(&convert::request_id_text(id), owner.as_str())
            .await
            .map_err(store_error)?;
        letter.as_deref().map(status).transpose()
    }

    async fn payment_requests(
        &self,
        owner: &ClientId,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummary>, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(
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
                    .push_bind(micros(bound)?);
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
            .fetch_all(&self.readers)
            .await
            .map_err(store_error)?;
        rows.iter().map(rows::request_summary).collect()
    }

    async fn payments(
        &self,
        owner: &ClientId,
        filter: &PaymentFilter,
    ) -> Result<Vec<PaymentSummary>, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT p.request_id, p.sequence, p.paid_at, p.external_id, r.service_name, p.payee_iban, p.purpose, \
             p.amount_minor, p.currency, p.status, s.booking_date AS settled_on, s.acct_svcr_ref AS settlement_reference \
             FROM payments p JOIN payment_requests r ON r.id = p.request_id \
             LEFT JOIN statement_entries s ON s.request_id = p.request_id AND s.sequence = p.sequence \
             AND s.outcome = 'settled' WHERE r.owner = ",
        );
        query.push_bind(owner.as_str().to_owned());
        if let Some(from) = filter.paid_from {
            query.push(" AND p.paid_at >= ").push_bind(micros(from)?);
        }
        if let Some(till) = filter.paid_till {
            query.push(" AND p.paid_at < ").push_bind(micros(till)?);
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
            .fetch_all(&self.readers)
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
            "SELECT at, actor, request_id, kind, detail FROM audit_events WHERE request_id = ?1 ORDER BY at, id",
        )
        .bind(convert::request_id_text(id))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(rows::audit_event).collect()
    }
}

#[async_trait]
impl DocumentStore for SqliteStore {
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
impl AttemptStore for SqliteStore {
    async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::ATTEMPT_BY_ID)
            .bind(convert::attempt_id_text(id))
            .fetch_optional(&self.readers)
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
            .fetch_optional(&self.readers)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::attempt).transpose()
    }

    async fn attempts_of(&self, request: PaymentRequestId) -> Result<Vec<Attempt>, StoreError> {
        let rows = sqlx::query(rows::ATTEMPTS_OF_REQUEST)
            .bind(convert::request_id_text(request))
            .fetch_all(&self.readers)
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
impl OutboxStore for SqliteStore {
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

    fn storage_failure(&self) -> Option<String> {
        storage_failure().map(str::to_owned)
    }

    async fn reschedule_notifications_beyond(
        &self,
        horizon: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        // Read first: the write lock only when there is something to move
        // (almost never), not on every round of the worker.
        let beyond: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM notifications WHERE state = 'pending' AND next_attempt_at > ?1)",
        )
        .bind(convert::micros(horizon)?)
        .fetch_one(&self.readers)
        .await
        .map_err(store_error)?;
        if !beyond {
            return Ok(0);
        }
        let mut transaction = self.write().await?;
        let moved =
            lifecycle::reschedule_notifications_beyond(&mut transaction, horizon, now).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(moved)
    }

    async fn resend_notifications(
        &self,
        ids: Option<&[uuid::Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut transaction = self.write().await?;
        let updated = lifecycle::resend_notifications(&mut transaction, ids, now).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(updated)
    }

    async fn notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        self.lifecycle_notification_backlog().await
    }
}

#[cfg(test)]
mod tests;
