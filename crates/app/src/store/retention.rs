//! The port of retention and erasure of payers' personal data
//! (docs/retention.md). The app decides what a pseudonymised request says
//! (`crate::retention`); the adapters only find the requests and write the
//! change, its erasure-log row and (through the unit of work's
//! `append_audit`) its audit event in one transaction
//! (`UnitOfWork::erase_payer_data`).

use super::StoreError;
use async_trait::async_trait;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::request::RequestTerms;
use time::OffsetDateTime;

/// Why personal data was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureReason {
    /// The retention period after the request's final status ran out.
    Retention,
    /// The person asked (an operator or the CLI acted on it).
    Request,
}

impl ErasureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureReason::Retention => "retention",
            ErasureReason::Request => "request",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "retention" => Some(ErasureReason::Retention),
            "request" => Some(ErasureReason::Request),
            _ => None,
        }
    }
}

/// One request's payer data replaced, as the app computed it.
#[derive(Debug, Clone, PartialEq)]
pub struct PayerErasure {
    pub request: PaymentRequestId,
    /// The request's terms with the payer's personal fields replaced; every
    /// other field as it was.
    pub terms: RequestTerms,
    /// The keyed hash of the payer's code (`None`: the request named no code).
    pub pseudonym: Option<String>,
    /// What replaces the payer's e-mail in the payer-message outbox, and the
    /// code in the workspace's rows when there is no pseudonym.
    pub marker: String,
    pub reason: ErasureReason,
    /// Who: `hub` (the retention worker), `operator:<name>`, or the CLI's actor.
    pub actor: String,
    /// The operator's words (bounded by the app); empty for the worker.
    pub note: String,
    pub at: OffsetDateTime,
}

/// One row of the erasure log.
#[derive(Debug, Clone, PartialEq)]
pub struct ErasureRecord {
    pub id: i64,
    pub at: OffsetDateTime,
    /// `payment_request`.
    pub record_kind: String,
    /// The request's id.
    pub record_id: String,
    pub reason: ErasureReason,
    pub actor: String,
    pub note: String,
    /// What else was changed with it: `{"payer_messages": n, "workspace_rows": n}`.
    pub detail: serde_json::Value,
}

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Final requests (not P) whose status changed before `final_before` and
    /// whose payer data is not erased yet, oldest first, at most `limit`.
    async fn requests_due_for_erasure(
        &self,
        final_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError>;

    /// Requests not erased yet that name this payer code (in their terms, or
    /// in the workspace's rows of an IVIS submission), newest first, at most
    /// `limit`.
    async fn requests_of_payer(
        &self,
        code: &str,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError>;

    /// Requests already erased under this pseudonym, newest first, at most `limit`.
    async fn requests_of_pseudonym(
        &self,
        pseudonym: &str,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError>;

    /// The erasure log, newest first: rows with an id below `before` (all
    /// when `None`), at most `limit`.
    async fn erasure_log(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ErasureRecord>, StoreError>;

    /// The erasure-log rows of one request, oldest first.
    async fn erasures_of(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<ErasureRecord>, StoreError>;
}
