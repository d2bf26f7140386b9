//! The port of the portal's part of the hub (docs/ivis.md, docs/payer-workspace.md):
//! IVIS transactions and submissions, the payer's workspace list, and the
//! payer-message outbox (e-mail about a request registered for a payer, and
//! its reminder).
//!
//! IVIS transactions and the disposal of a submission are protocol
//! bookkeeping, not business actions: each is one statement of its own. A
//! submission's row, its requests, their audit events and the payer's message
//! commit together through the unit of work (`UnitOfWork::insert_requests`,
//! `insert_ivis_submission`, `insert_payer_message`).

use super::StoreError;
use async_trait::async_trait;
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use time::OffsetDateTime;

/// A business transaction an e-service opened with `StartTransaction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisTransaction {
    /// The URN answered (`URN:IVIS:100001:TR-<uuid>`).
    pub id: String,
    pub client: ClientId,
    pub eservice_id: String,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
}

/// One `Submit` or `SubmitSync`: what `GetStatus`, `Poll` and `Dispose` name
/// by its correlation id, and what a repeated `MessageID` is answered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisSubmission {
    pub correlation_id: uuid::Uuid,
    pub client: ClientId,
    pub message_id: String,
    pub transaction_id: Option<String>,
    pub asynchronous: bool,
    pub request_ids: Vec<PaymentRequestId>,
    pub created_at: OffsetDateTime,
    pub disposed_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayerMessageKind {
    /// A request was registered for the payer (an asynchronous submission).
    Registered,
    /// The request is still open and expires soon.
    Reminder,
}

impl PayerMessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PayerMessageKind::Registered => "registered",
            PayerMessageKind::Reminder => "reminder",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "registered" => Some(PayerMessageKind::Registered),
            "reminder" => Some(PayerMessageKind::Reminder),
            _ => None,
        }
    }
}

/// An outbox row for the payer. At most one per request and kind: the key is
/// `(request_id, kind)`, so an event is never announced twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerMessage {
    pub request_id: PaymentRequestId,
    pub kind: PayerMessageKind,
    /// The payer's e-mail address (`ClientEMail`).
    pub recipient: String,
    /// `lv` or `en`.
    pub language: String,
    pub state: PayerMessageState,
    pub attempts: u32,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerMessageState {
    Pending,
    Sent,
    /// Refused for good (a permanent SMTP error) or every retry failed.
    Dead,
}

impl PayerMessageState {
    pub fn as_str(self) -> &'static str {
        match self {
            PayerMessageState::Pending => "pending",
            PayerMessageState::Sent => "sent",
            PayerMessageState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(PayerMessageState::Pending),
            "sent" => Some(PayerMessageState::Sent),
            "dead" => Some(PayerMessageState::Dead),
            _ => None,
        }
    }
}

/// How a sending attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayerMessageOutcome {
    Sent,
    RetryAt(OffsetDateTime, String),
    Dead(String),
}

#[async_trait]
pub trait KdvStore: Send + Sync {
    /// Records a transaction `StartTransaction` opened.
    async fn insert_ivis_transaction(
        &self,
        transaction: &IvisTransaction,
    ) -> Result<(), StoreError>;

    /// One of the client's transactions; `None` for another client's.
    async fn ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
    ) -> Result<Option<IvisTransaction>, StoreError>;

    /// Ends an open transaction of the client; `false` if it is not open.
    async fn end_ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    async fn ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
    ) -> Result<Option<IvisSubmission>, StoreError>;

    async fn ivis_submission_by_message(
        &self,
        client: &ClientId,
        message_id: &str,
    ) -> Result<Option<IvisSubmission>, StoreError>;

    /// Marks a submission disposed; `false` if it already was or is not the client's.
    async fn dispose_ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The requests addressed to this payer (the IVIS submissions naming the
    /// code), newest first.
    async fn requests_for_payer(
        &self,
        code: &ClientCode,
        limit: u32,
    ) -> Result<Vec<PaymentRequest>, StoreError>;

    /// Takes up to `limit` pending payer messages due at `now`, leasing them
    /// to `worker` until `lease_until`.
    async fn claim_payer_messages(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PayerMessage>, StoreError>;

    /// Records how sending went, if `worker` still holds the lease.
    async fn finish_payer_message(
        &self,
        request: PaymentRequestId,
        kind: PayerMessageKind,
        worker: &str,
        outcome: &PayerMessageOutcome,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Queues a reminder for every open request registered for a payer that
    /// expires after `now` and no later than `expiring_by`, unless it has one.
    /// Answers how many were queued.
    async fn queue_payer_reminders(
        &self,
        now: OffsetDateTime,
        expiring_by: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Takes a verified sign-in token by its id: `true` the first time,
    /// `false` if it was taken before (a replay). Forgets tokens expired at `now`.
    async fn take_sign_in_token(
        &self,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Whether the id was taken and has not expired at `now` (an ended payer
    /// session is recorded under `session:<id>`).
    async fn sign_in_token_taken(&self, id: &str, now: OffsetDateTime) -> Result<bool, StoreError>;

    /// Payer messages parked as dead, oldest first (for the operator).
    async fn dead_payer_messages(&self, limit: u32) -> Result<Vec<PayerMessage>, StoreError>;

    /// Makes dead payer messages pending again, due at `now`: those of the
    /// given requests, or every dead one when `requests` is `None`. Answers how many.
    async fn resend_payer_messages(
        &self,
        requests: Option<&[PaymentRequestId]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// The payer messages of one request (for the operator and the tests).
    async fn payer_messages(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<PayerMessage>, StoreError>;
}
