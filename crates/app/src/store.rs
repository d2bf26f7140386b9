//! The storage port. Two adapters implement it (SQLite and PostgreSQL) and one
//! test suite (`maksa-store-tests`) is run against both.
//!
//! It is one trait per aggregate — [`TransactionStore`], [`RegistryStore`],
//! [`PaymentRequestStore`], [`DocumentStore`], [`AttemptStore`] and
//! [`OutboxStore`] — and [`Store`], which is all of them (a blanket impl) and
//! what the services hold (`Arc<dyn Store>`). `use maksa_app::store::prelude::*;`
//! brings every trait into scope.
//!
//! The multi-step business actions (settling a provider message, starting an
//! attempt, changing a request's status, storing a document, finishing a
//! delivery, and every state change with its audit event) are not here: they
//! are written once in `crate::workflows` over the unit of work
//! ([`UnitOfWork`], from [`TransactionStore::begin`]). What remains are the queries behind
//! the read models, the claims (leases), the batched create, and a few
//! single-statement writes.
//!
//! Rules every implementation keeps:
//! - a method that changes state does so in ONE transaction, together with the
//!   audit event it is given; when it returns `Ok`, the change is durable;
//! - times are stored in UTC;
//! - amounts are stored as integer minor units;
//! - every query on payment requests is scoped to the owning client, except
//!   `payment_request_by_id`, which serves the payer's page (the random id is the
//!   payer's capability).

use async_trait::async_trait;
use maksa_domain::attempt::{Attempt, AttemptId, Outcome, Settlement};
use maksa_domain::catalog::Catalog;
use maksa_domain::document::{DocumentKind, JustificationDocument};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod cards;
mod console;
mod dashboard;
mod idempotency;
mod kdv;
mod operators;
mod retention;
mod treasury;
mod unit_of_work;

pub use cards::{CardDayClose, CardReversal, CardStore, CardTotals};
pub use console::{ConsoleFilter, ConsoleRequest, ConsoleStore};
pub use dashboard::{
    AttemptTally, CONFIRMATION_CAP_SECONDS, ConfirmationBucket, DashboardStore, LocalSpan,
    NotificationHealth, PaidDay, PayeeDay, Queues, RequestDay, confirmation_bucket, in_buckets,
    rollup_hour, rollup_piece,
};
pub use idempotency::{IdempotencyRecord, IdempotencyStore, KeyedRequest, NewIdempotencyKey};
pub use kdv::{
    IvisSubmission, IvisTransaction, KdvStore, PayerMessage, PayerMessageKind, PayerMessageOutcome,
    PayerMessageState,
};

pub use operators::{
    ActivityEntry, ActivityQuery, CardReversalProposal, OperatorRecord, OperatorSessionRecord,
    OperatorStore,
};
pub use retention::{ErasureReason, ErasureRecord, PayerErasure, RetentionStore};
pub use treasury::{
    EntryBooked, EntryFilter, ExchangeRecord, ExpectedTotal, ImportCounts, KnownEntry, NewImport,
    NewPaymentBatch, NewPaymentOrder, NewStatement, NewStatementEntry, OrderStateWrite,
    OutcomeTotal, PaymentBatch, PaymentForMatching, PaymentOrder, StoredEntry, StoredStatement,
    TreasuryStore, TreasuryWork, UnsettledPayment,
};
pub use unit_of_work::{
    AttemptUpdate, DeliveryFinish, LockedRequest, PaymentPaid, RequestStatusWrite, UnitOfWork,
};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was hit (e.g. a request number drawn twice).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database's disk is full (SQLite `SQLITE_FULL`, PostgreSQL SQLSTATE
    /// 53100): nothing of the write stayed; it may succeed once space is freed.
    #[error("the database's disk is full: {0}")]
    Full(String),
    /// The storage failed in a way that leaves what is on disk unknown (an
    /// fsync or write error). The adapter refuses every later write until the
    /// node is restarted (docs/RELIABILITY.md, "Faults").
    #[error("the database's storage failed: {0}")]
    Failed(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
}

/// A registered client certificate and what its holder may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCertificate {
    pub client: ClientId,
    /// Lower-case hex SHA-256 of the certificate's DER.
    pub thumbprint: String,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    /// E.g. `MM_INVOICE_SERVICE`.
    pub roles: Vec<String>,
    /// Service codes this certificate may use; empty means the client's whole contract.
    pub services: Vec<String>,
    pub registered_at: OffsetDateTime,
}

/// What happened, by whom, kept forever beside the state it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    /// A client id, `operator`, or a provider code.
    pub actor: String,
    pub request_id: Option<PaymentRequestId>,
    /// E.g. `payment_request.created`, `payment_request.cancelled`.
    pub kind: String,
    pub detail: serde_json::Value,
}

/// Filters of `getpaymentrequests`. Every bound is optional; `…_till` bounds are
/// exclusive instants (the door turns a bare date into the next day's start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    pub created_from: Option<OffsetDateTime>,
    pub created_till: Option<OffsetDateTime>,
    pub paid_from: Option<OffsetDateTime>,
    pub paid_till: Option<OffsetDateTime>,
    pub expires_from: Option<OffsetDateTime>,
    pub expires_till: Option<OffsetDateTime>,
    /// Inclusive bounds on the request's total.
    pub amount_from: Option<Amount>,
    pub amount_till: Option<Amount>,
    /// Only requests not in status E.
    pub only_not_paid: bool,
    pub currency: Option<Currency>,
    /// At most this many rows, newest first.
    pub limit: u32,
}

/// Filters of `getpayments` (same conventions as [`RequestFilter`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentFilter {
    pub paid_from: Option<OffsetDateTime>,
    pub paid_till: Option<OffsetDateTime>,
    /// Inclusive bounds on the payment's amount.
    pub amount_from: Option<Amount>,
    pub amount_till: Option<Amount>,
    pub currency: Option<Currency>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub id: PaymentRequestId,
    pub number: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub paid_at: Option<OffsetDateTime>,
    pub service_provider_name: String,
    pub service_name: String,
    pub total: Amount,
    pub currency: Currency,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSummary {
    pub request_id: PaymentRequestId,
    pub sequence: u16,
    pub paid_at: Option<OffsetDateTime>,
    pub external_id: Option<String>,
    pub service_name: String,
    pub payee_iban: String,
    /// The payment purpose (`BankInfo` on the wire).
    pub purpose: String,
    pub amount: Amount,
    pub currency: Currency,
    pub status: Status,
    /// The booking day of the statement entry that settled it, if one has.
    pub settled_on: Option<time::Date>,
    /// That entry's account servicer reference.
    pub settlement_reference: Option<String>,
}

/// A status change of a whole request, applied only if the request is still in `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub owner: ClientId,
    pub id: PaymentRequestId,
    pub from: Status,
    pub to: Status,
    pub at: OffsetDateTime,
    /// When set, every payment of the request still in P takes this status too.
    pub open_payments_to: Option<Status>,
    pub audit: AuditEvent,
    /// The server-to-server notifications of the new status (outbox), inserted
    /// in the same transaction when the change applies.
    pub notifications: Vec<NewNotification>,
}

/// How a notification reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// The original's `GET ServerResponseUrl + id`.
    Get,
    /// An IVIS message `POST`ed to the submission's `ResponseEndPoint`.
    Ivis,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Get => "get",
            NotificationKind::Ivis => "ivis",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "get" => Some(NotificationKind::Get),
            "ivis" => Some(NotificationKind::Ivis),
            _ => None,
        }
    }
}

/// An outbox row: the call must reach the client at least once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// The event id the client sees (`MM-Event-Id`); random v4.
    pub id: uuid::Uuid,
    pub kind: NotificationKind,
    pub request_id: PaymentRequestId,
    pub client: ClientId,
    /// `ServerResponseUrl` + the request id, exactly as the original calls it.
    pub url: String,
    /// The final status being announced.
    pub status: Status,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationState {
    Pending,
    Delivered,
    /// Every retry of the schedule failed; waits for a manual re-send.
    Dead,
}

impl NotificationState {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationState::Pending => "pending",
            NotificationState::Delivered => "delivered",
            NotificationState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => NotificationState::Pending,
            "delivered" => NotificationState::Delivered,
            "dead" => NotificationState::Dead,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: uuid::Uuid,
    pub kind: NotificationKind,
    pub request_id: PaymentRequestId,
    pub client: ClientId,
    pub url: String,
    pub status: Status,
    pub state: NotificationState,
    /// Delivery attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
}

/// One delivery attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub at: OffsetDateTime,
    /// The HTTP status answered, if any answer came.
    pub http_status: Option<u16>,
    pub latency_ms: u32,
    /// Why it failed (timeout, refused address, non-2xx…); `None` when delivered.
    pub error: Option<String>,
}

/// What the worker decided after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered,
    RetryAt(OffsetDateTime),
    Dead,
}

/// A request past its expiry that the expiry worker should move to R.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryCandidate {
    pub id: PaymentRequestId,
    pub owner: ClientId,
    pub server_response_url: Option<String>,
}

/// Recipient details given to `CreateInvoice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRecipient {
    pub name: Option<String>,
    pub code: Option<String>,
    pub address: Option<String>,
}

/// Why `Workflows::start_attempt` did not start one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartRefused {
    /// No such request, or it has no payment with that sequence.
    NotFound,
    /// The request is no longer payable (E, R, O or C).
    RequestFinal(Status),
    /// This payment is already executed.
    PaymentPaid,
    /// An attempt of this payment is still open at a provider.
    InProgress(Attempt),
}

/// A verified message from a provider about one of our attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeReport {
    pub attempt: AttemptId,
    pub outcome: Outcome,
    /// The provider's own id of the payment, when it sent one.
    pub external_id: Option<String>,
    /// When the provider says it happened, or when we heard it.
    pub at: OffsetDateTime,
    /// Inserted (outbox) in the same transaction if this message moves the
    /// request to E.
    pub notifications: Vec<NewNotification>,
    /// If this message moves the request to E, its receipt is due (the request
    /// did not say `NoInvoice`): recorded in the same transaction.
    pub receipt_due: bool,
}

/// A document rendered and ready to be stored (see `Workflows::insert_document`).
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub owner: ClientId,
    pub content: JustificationDocument,
    pub pdf_lv: Vec<u8>,
    pub pdf_en: Vec<u8>,
    pub xml: Vec<u8>,
}

/// What `Workflows::insert_document` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStored {
    /// Stored with this id.
    Stored(i64),
    /// The owner has no such request.
    NoSuchRequest,
    /// Another document took this version first; render the next one.
    VersionTaken,
    /// A receipt, but none is due (already issued, or `NoInvoice`).
    ReceiptNotDue,
}

/// A request's documents so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentState {
    /// 0 when it has none.
    pub latest_version: u32,
    pub receipt_due: bool,
}

/// Which stored file of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFileKind {
    PdfLatvian,
    PdfEnglish,
    Xml,
}

/// One stored file of the latest document of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocumentFile {
    pub id: i64,
    pub number: String,
    pub version: u32,
    pub kind: DocumentKind,
    pub bytes: Vec<u8>,
}

/// What `Workflows::record_outcome` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeApplied {
    /// The attempt after the message.
    pub attempt: Attempt,
    /// What the domain decided (see `maksa_domain::attempt::settle`).
    pub settlement: Settlement,
}

/// Write transactions: the unit of work every multi-step business action of
/// `crate::workflows` is written over, and how many batched creates may run at once.
#[async_trait]
pub trait TransactionStore: Send + Sync {
    /// How many `insert_payment_requests` calls may usefully run at once
    /// (SQLite has one writer; PostgreSQL several).
    fn write_concurrency(&self) -> usize;

    /// Starts a write transaction (see [`UnitOfWork`]). Every multi-step
    /// business action is written once over it, in `crate::workflows`.
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError>;
}

/// The registry: the service catalogue, the clients' certificates and
/// notification secrets, and the hub's own keys.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// The newest catalogue, if one was ever imported.
    async fn load_catalog(&self) -> Result<Option<Catalog>, StoreError>;

    async fn client_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError>;

    async fn client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError>;

    /// Notification signing secrets of a client, newest first; several may be
    /// active during rotation.
    async fn notification_secrets(&self, client: &ClientId) -> Result<Vec<String>, StoreError>;

    /// When each active notification secret of a client was made, newest
    /// first (the secrets themselves are not needed to show or retire them).
    async fn notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, StoreError>;

    /// The hub's own secret key `name` (e.g. the payer pages' CSRF key): the
    /// stored one, or — when there is none yet — `candidate`, stored at `at` and
    /// answered. Racing callers (several nodes starting at once) all get the one
    /// key that was stored first, so every node of a cluster signs alike and
    /// the key survives restarts.
    async fn server_key(
        &self,
        name: &str,
        candidate: &[u8],
        at: OffsetDateTime,
    ) -> Result<Vec<u8>, StoreError>;
}

/// The payment-request aggregate: the batched create, the client-scoped reads
/// behind `getpaymentrequest(s)` and `getpayments`, the payer's unscoped read,
/// the expiry worker's list and the audit trail.
#[async_trait]
pub trait PaymentRequestStore: Send + Sync {
    /// Inserts several new requests (each with its payments and its audit event)
    /// in one transaction, so that one disk flush makes all of them durable. One
    /// item failing (e.g. `Conflict` on its number) does not fail the others: the
    /// outer `Err` is for the whole batch, the inner results are per item.
    async fn insert_payment_requests(
        &self,
        batch: &[(PaymentRequest, AuditEvent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError>;

    async fn payment_request(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError>;

    /// For the payer's page only: not scoped to a client.
    async fn payment_request_by_id(
        &self,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError>;

    async fn request_status(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<Status>, StoreError>;

    async fn payment_requests(
        &self,
        owner: &ClientId,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummary>, StoreError>;

    async fn payments(
        &self,
        owner: &ClientId,
        filter: &PaymentFilter,
    ) -> Result<Vec<PaymentSummary>, StoreError>;

    /// Requests still in P whose expiry is at or before `now`, except those with
    /// an open attempt while their grace period lasts (`expires_at > grace_cutoff`).
    async fn requests_due_for_expiry(
        &self,
        now: OffsetDateTime,
        grace_cutoff: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ExpiryCandidate>, StoreError>;

    /// The audit trail of one request, oldest first.
    async fn audit_events(&self, id: PaymentRequestId) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Justification documents (invoices and receipts): their state, the stored
/// files, and the receipt worker's list. Storing one is `Workflows::insert_document`.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// The version of the owner's request's latest document and whether its
    /// receipt is due; `None` when the owner has no such request.
    async fn document_state(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<DocumentState>, StoreError>;

    /// One file of the latest document of the owner's request.
    async fn latest_document(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        file: DocumentFileKind,
    ) -> Result<Option<StoredDocumentFile>, StoreError>;

    /// Requests whose receipt is due, oldest payment first (the receipt worker's list).
    async fn receipts_due(
        &self,
        limit: u32,
    ) -> Result<Vec<(ClientId, PaymentRequestId)>, StoreError>;
}

/// Payment attempts at providers: reads, and the recovery worker's status-query
/// claims. Claims use leases so that several nodes on one PostgreSQL share the
/// work (`FOR UPDATE SKIP LOCKED`); a node that dies loses only its lease.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, StoreError>;

    /// The attempt at `provider` whose provider reference (external id) is
    /// `reference`, if any (the newest, should a provider repeat an id).
    async fn attempt_by_reference(
        &self,
        provider: &maksa_domain::codes::ProviderCode,
        reference: &str,
    ) -> Result<Option<Attempt>, StoreError>;

    /// Every attempt of a request, oldest first.
    async fn attempts_of(&self, request: PaymentRequestId) -> Result<Vec<Attempt>, StoreError>;

    /// Open attempts whose next status query is due at `now` (their
    /// `next_query_at`), leasing them by moving `next_query_at` to `lease_until`.
    async fn claim_attempts_to_query(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(Attempt, u32)>, StoreError>;

    /// After a status query that settled nothing: counts it and sets the next
    /// query time, or `None` to give up (the attempt is then reported as unresolved).
    async fn note_attempt_query(
        &self,
        id: AttemptId,
        next_query_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError>;

    /// Open attempts the recovery gave up on.
    async fn unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError>;
}

/// The notification outbox: the delivery worker's leased claims, the delivery
/// logs, dead notifications and their re-send, and the backlog the metrics show.
/// Claims use leases, as in [`AttemptStore`].
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Takes up to `limit` pending notifications due at `now` whose lease is free
    /// or expired, leasing them to `worker` until `lease_until`.
    async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError>;

    /// The notifications of one of the client's requests with their delivery
    /// logs (oldest first); empty for another client's request.
    async fn notification_log(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Vec<(Notification, Vec<DeliveryAttempt>)>, StoreError>;

    /// Notifications in a state (e.g. dead), oldest first.
    async fn notifications_in_state(
        &self,
        state: NotificationState,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError>;

    /// Makes dead notifications pending again, due at `now`: the given ones, or
    /// all dead ones when `ids` is `None`. Answers how many.
    async fn resend_notifications(
        &self,
        ids: Option<&[uuid::Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Pending and dead notifications (the backlog the metrics show).
    async fn notification_backlog(&self) -> Result<(u64, u64), StoreError>;

    /// Makes every pending notification due later than `horizon` due at `now`,
    /// answering how many. `horizon` is `now` plus the retry schedule's
    /// longest step (and a lease): a retry scheduled further ahead than that
    /// was scheduled by a clock that has since been set back, and would
    /// otherwise wait until the wall clock caught up (docs/RELIABILITY.md,
    /// "Faults"). Required, not defaulted: a wrapper that forgot to pass it on
    /// would silently never reschedule.
    async fn reschedule_notifications_beyond(
        &self,
        horizon: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Why this node refuses every write until it is restarted (a failed
    /// fsync latched it), or `None`. `/ready` reports it.
    fn storage_failure(&self) -> Option<String>;
}

/// The whole storage port: every aggregate's trait. Implement the traits above;
/// the blanket impl makes any type that implements all of them a `Store`, so
/// `Arc<dyn Store>` and the workflows keep one handle on the whole database.
pub trait Store:
    TransactionStore
    + IdempotencyStore
    + RegistryStore
    + PaymentRequestStore
    + DocumentStore
    + AttemptStore
    + OutboxStore
    + TreasuryStore
    + KdvStore
    + CardStore
    + DashboardStore
    + ConsoleStore
    + RetentionStore
    + OperatorStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: TransactionStore
        + IdempotencyStore
        + RegistryStore
        + PaymentRequestStore
        + DocumentStore
        + AttemptStore
        + OutboxStore
        + TreasuryStore
        + KdvStore
        + CardStore
        + DashboardStore
        + ConsoleStore
        + RetentionStore
        + OperatorStore
        + 'static
{
}

/// Every trait of the storage port, for one `use maksa_app::store::prelude::*;`
/// (callers on a concrete store need the traits in scope to call their methods).
pub mod prelude {
    pub use super::{
        AttemptStore, CardStore, ConsoleStore, DashboardStore, DocumentStore, IdempotencyStore,
        KdvStore, OperatorStore, OutboxStore, PaymentRequestStore, RegistryStore, RetentionStore,
        Store, TransactionStore, TreasuryStore,
    };
}
