//! The transactional port: a unit of work. The workflows of `crate::workflows`
//! are written once over it; each adapter implements only these row-level
//! reads and compare-and-set writes in SQL.
//!
//! Rules every implementation keeps:
//! - `TransactionStore::begin` starts one write transaction; everything done through the
//!   unit of work is in it, and only `commit` makes it durable. Dropping the
//!   unit of work without `commit` rolls it back and leaves the store usable.
//! - The rows a `…_for_update` read returns stay as read until the transaction
//!   ends: SQLite holds its one write lock from `BEGIN IMMEDIATE`, PostgreSQL
//!   locks the rows (`SELECT … FOR UPDATE`). Locks are taken attempt first,
//!   then request, then the request's other rows, so no two workflows wait
//!   on each other in a circle.
//! - A compare-and-set answers `false` when its condition no longer holds and
//!   then changes nothing; the workflow decides what that means.
//! - Decisions are never made here: which status, which payment, whether a
//!   receipt is due, when the next query is — the caller says.

use super::{
    AuditEvent, ClientCertificate, DeliveryAttempt, IvisSubmission, NewDocument, NewNotification,
    NotificationState, PayerMessage, StoreError,
};
use async_trait::async_trait;
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState};
use maksa_domain::catalog::Catalog;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::status::Status;
use time::OffsetDateTime;

/// A payment request's row as read for update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedRequest {
    pub owner: ClientId,
    pub status: Status,
    /// A receipt of this request is due (paid, not yet issued).
    pub receipt_due: bool,
}

/// Sets a request's status if it is still `from` (and the request is the
/// owner's). Times are stored as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStatusWrite<'a> {
    pub id: PaymentRequestId,
    pub owner: &'a ClientId,
    pub from: Status,
    pub to: Status,
    pub at: OffsetDateTime,
    /// When set, the request's paid time; otherwise the stored one is kept.
    pub paid_at: Option<OffsetDateTime>,
    /// When set, the request's `receipt_due` mark; otherwise it is kept.
    pub receipt_due: Option<bool>,
}

/// Marks one payment executed by a provider, if it is still in P.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPaid<'a> {
    pub request: PaymentRequestId,
    pub sequence: u16,
    pub provider: &'a ProviderCode,
    pub paid_at: OffsetDateTime,
    pub external_id: Option<&'a str>,
}

/// Sets an attempt's state, refund flag and (when given) the provider's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptUpdate<'a> {
    pub id: AttemptId,
    pub state: AttemptState,
    /// `None` keeps the external id stored before.
    pub external_id: Option<&'a str>,
    pub refund_required: bool,
    pub updated_at: OffsetDateTime,
}

/// Ends one delivery attempt of a notification, if `worker` still holds its
/// lease and it is still pending: counts the attempt, sets the state, and
/// releases the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFinish<'a> {
    pub id: uuid::Uuid,
    pub worker: &'a str,
    pub state: NotificationState,
    /// `None` keeps the stored time.
    pub next_attempt_at: Option<OffsetDateTime>,
    /// `None` keeps the stored time.
    pub delivered_at: Option<OffsetDateTime>,
}

/// One open write transaction (see the module's rules).
#[async_trait]
pub trait UnitOfWork: Send {
    // ── Reads ────────────────────────────────────────────────────────────────

    /// The request's row, locked until the end; `None` when there is none.
    async fn request_for_update(
        &mut self,
        id: PaymentRequestId,
    ) -> Result<Option<LockedRequest>, StoreError>;
    /// `(sequence, status)` of every payment of the request, by sequence.
    /// Read after `request_for_update`, it sees everything committed before
    /// the request's lock was taken.
    async fn payment_statuses(
        &mut self,
        request: PaymentRequestId,
    ) -> Result<Vec<(u16, Status)>, StoreError>;
    /// The attempt, locked until the end; `None` when there is none.
    async fn attempt_for_update(&mut self, id: AttemptId) -> Result<Option<Attempt>, StoreError>;
    /// The open (`Started` or `Accepted`) attempt of one payment, if any.
    async fn open_attempt(
        &mut self,
        request: PaymentRequestId,
        sequence: u16,
    ) -> Result<Option<Attempt>, StoreError>;
    /// The latest document version of the request; 0 when it has none.
    async fn latest_document_version(
        &mut self,
        request: PaymentRequestId,
    ) -> Result<u32, StoreError>;

    /// The registered certificate, locked until the end.
    async fn certificate_for_update(
        &mut self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError>;

    // ── Writes ───────────────────────────────────────────────────────────────

    /// Stores a catalogue and the text it came from; answers its version (one
    /// more than the newest).
    async fn insert_catalog(
        &mut self,
        catalog: &Catalog,
        source: &str,
        at: OffsetDateTime,
    ) -> Result<i64, StoreError>;
    /// Registers a certificate, or replaces every field of the registration
    /// with the same thumbprint.
    async fn upsert_certificate(
        &mut self,
        certificate: &ClientCertificate,
    ) -> Result<(), StoreError>;
    /// Adds a notification signing secret of `client`.
    async fn insert_notification_secret(
        &mut self,
        client: &ClientId,
        secret: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Marks retired at `at` every secret of `client` created before `before`
    /// and not retired yet; answers how many.
    async fn retire_notification_secrets(
        &mut self,
        client: &ClientId,
        before: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError>;
    /// Makes dead notifications pending again, due at `now`: the given ones,
    /// or every dead one when `ids` is `None`. Answers how many.
    async fn resend_notifications(
        &mut self,
        ids: Option<&[uuid::Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;
    /// Makes dead payer messages pending again, due at `now`: those of the
    /// given requests, or every dead one when `requests` is `None`.
    async fn resend_payer_messages(
        &mut self,
        requests: Option<&[PaymentRequestId]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Compare-and-set of a request's status (see [`RequestStatusWrite`]).
    async fn set_request_status(
        &mut self,
        write: &RequestStatusWrite<'_>,
    ) -> Result<bool, StoreError>;
    /// Every payment of the request still in P takes `to`; `paid_at`, when
    /// set, becomes the paid time of those that had none. Answers how many.
    async fn set_open_payments_status(
        &mut self,
        request: PaymentRequestId,
        to: Status,
        paid_at: Option<OffsetDateTime>,
    ) -> Result<u64, StoreError>;
    /// Compare-and-set of one payment from P to E (see [`PaymentPaid`]).
    async fn set_payment_paid(&mut self, paid: &PaymentPaid<'_>) -> Result<bool, StoreError>;
    /// Inserts `attempt` exactly as given; its first status query is due at
    /// `first_query_at`.
    async fn insert_attempt(
        &mut self,
        attempt: &Attempt,
        first_query_at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Updates an attempt and answers it as stored now; `None` when there is
    /// no such attempt.
    async fn update_attempt(
        &mut self,
        update: &AttemptUpdate<'_>,
    ) -> Result<Option<Attempt>, StoreError>;
    /// Inserts a document (its version must be free: the unique key refuses a
    /// taken one with `Conflict`); answers its id.
    async fn insert_document(&mut self, document: &NewDocument) -> Result<i64, StoreError>;
    /// The request's receipt is stored: clears `receipt_due` and its parking.
    async fn clear_receipt_due(&mut self, request: PaymentRequestId) -> Result<(), StoreError>;
    /// Parks the owner's request's due receipt with `reason`, if it is due and
    /// not parked yet (compare-and-set).
    async fn park_receipt(
        &mut self,
        owner: &ClientId,
        request: PaymentRequestId,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Compare-and-set on a notification's lease (see [`DeliveryFinish`]).
    async fn finish_notification(
        &mut self,
        finish: &DeliveryFinish<'_>,
    ) -> Result<bool, StoreError>;
    /// Appends a row to a notification's delivery log.
    async fn append_delivery_attempt(
        &mut self,
        notification: uuid::Uuid,
        attempt: &DeliveryAttempt,
    ) -> Result<(), StoreError>;
    /// Appends an audit event.
    async fn append_audit(&mut self, audit: &AuditEvent) -> Result<(), StoreError>;
    /// Appends an outbox row, pending and due at its creation time.
    async fn append_notification(
        &mut self,
        notification: &NewNotification,
    ) -> Result<(), StoreError>;

    /// Inserts new requests with their payments and audit events (the IVIS
    /// door's path; REST and SOAP creates go through the batched writer).
    /// `Conflict` when a number or identifier was drawn twice.
    async fn insert_requests(
        &mut self,
        requests: &[(maksa_domain::request::PaymentRequest, AuditEvent)],
    ) -> Result<(), StoreError>;
    /// Records an IVIS submission (after its requests, in the same unit of
    /// work), and addresses those that name a payer's code to that payer (the
    /// workspace's list); `Conflict` if the client already sent its `MessageID`.
    async fn insert_ivis_submission(
        &mut self,
        submission: &IvisSubmission,
    ) -> Result<(), StoreError>;
    /// Appends a payer-message outbox row, pending and due at its creation;
    /// `false` (and nothing written) if the request already has one of its kind.
    async fn insert_payer_message(&mut self, message: &PayerMessage) -> Result<bool, StoreError>;

    /// Commits everything above; `Ok` means durable.
    /// Records the reversal of a card payment; `false` when the attempt was
    /// already reversed (nothing written).
    async fn insert_card_reversal(
        &mut self,
        reversal: &super::CardReversal,
    ) -> Result<bool, StoreError>;

    /// Records a business day closed at the acquirer.
    async fn insert_card_day_close(
        &mut self,
        close: &super::CardDayClose,
    ) -> Result<(), StoreError>;

    /// Writes a key row (docs/idempotency.md) whose answer is `result`; a
    /// row of the same client and key stored before `key.replaces_before`
    /// is replaced. `Conflict` when a live row holds the key (on
    /// PostgreSQL the transaction is then unusable: roll it back).
    async fn insert_idempotency_key(
        &mut self,
        key: &super::NewIdempotencyKey,
        result: &str,
    ) -> Result<(), StoreError>;
    /// Replaces a final request's payer data as `erasure` says, with the
    /// workspace's and the payer-message outbox's copies, and writes its
    /// erasure-log row (docs/retention.md). `false`, changing nothing, when
    /// the request is open, unknown or already erased.
    async fn erase_payer_data(&mut self, erasure: &super::PayerErasure)
    -> Result<bool, StoreError>;
    // ── Operator accounts (store/operators.rs) ───────────────────────────────

    /// How many enabled administrators there are, their rows locked until
    /// the end (in name order): two administrators demoting each other at
    /// once cannot both see the other still there.
    async fn lock_enabled_administrators(&mut self) -> Result<u64, StoreError>;

    /// The account `name`, locked until the end.
    async fn operator_for_update(
        &mut self,
        name: &str,
    ) -> Result<Option<super::OperatorRecord>, StoreError>;

    /// Inserts a new account; `false` when the name is taken (nothing written).
    async fn insert_operator(
        &mut self,
        account: &super::OperatorRecord,
    ) -> Result<bool, StoreError>;

    /// Overwrites the account's role, hash, TOTP secret and step, disabled
    /// flag and last change.
    async fn update_operator(&mut self, account: &super::OperatorRecord) -> Result<(), StoreError>;

    /// Opens a session (and drops the operator's sessions past their lifetime).
    async fn insert_operator_session(
        &mut self,
        session: &super::OperatorSessionRecord,
    ) -> Result<(), StoreError>;

    /// Ends `operator`'s sessions — all, or only `only`; answers how many.
    async fn end_operator_sessions(
        &mut self,
        operator: &str,
        only: Option<&str>,
    ) -> Result<u64, StoreError>;

    /// Records a proposed card reversal; `false` when one is waiting already.
    async fn insert_card_reversal_proposal(
        &mut self,
        proposal: &super::CardReversalProposal,
    ) -> Result<bool, StoreError>;

    /// Removes the proposal to reverse `attempt`; `false` when there was none.
    async fn delete_card_reversal_proposal(
        &mut self,
        attempt: AttemptId,
    ) -> Result<bool, StoreError>;

    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
