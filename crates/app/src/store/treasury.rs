//! The storage port of the Treasury loop (docs/treasury.md,
//! docs/reconciliation.md): statement entries and their outcomes, the
//! statements' balances, payment orders and their batches, and the log of
//! exchanges with the Treasury.
//!
//! Writes go through [`TreasuryWork`], one transaction from
//! [`TreasuryStore::begin_treasury`]: an imported file's entries, their
//! outcomes and the audit events commit together or not at all. Treasury
//! transactions run one at a time (SQLite's one writer; on PostgreSQL an
//! advisory lock taken by `begin_treasury`), so a matching read inside one
//! sees every settlement committed before it. As in the rest of the port,
//! the adapters decide nothing: outcomes, states and keys come from the app.

use super::{AuditEvent, StoreError};
use async_trait::async_trait;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_domain::payment_order::OrderState;
use maksa_domain::reconciliation::Outcome;
use maksa_domain::status::Status;
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// One import of one document (a file, a download from the exchange).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImport {
    /// Where it came from: a file name, `watch:<name>`, `ekase:<account>`.
    pub source: String,
    /// Lower-case hex SHA-256 of the document's bytes.
    pub sha256: String,
    /// `camt.053`, `camt.052` or `camt.054`.
    pub message: String,
    pub actor: String,
    pub at: OffsetDateTime,
}

/// The counts an import ends with (stored on its row when it commits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Transactions read from the document.
    pub transactions: u64,
    /// Stored for the first time.
    pub new: u64,
    /// Already stored by an earlier import: not counted again.
    pub repeated: u64,
    /// Stored earlier as pending (an intraday report), now booked.
    pub confirmed: u64,
}

/// One statement, report or notification of a document, with its balances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatement {
    pub import_id: i64,
    pub message: String,
    pub statement_id: String,
    /// The account's IBAN; empty when the statement names none.
    pub account: String,
    /// The day it is for: the closing balance's date, else the first entry's booking date.
    pub day: Option<Date>,
    pub currency: Option<Currency>,
    /// Signed minor units (a debit balance is negative).
    pub opening_minor: Option<i64>,
    pub closing_minor: Option<i64>,
    pub entries: u64,
    pub booked_credits: Amount,
    pub booked_debits: Amount,
}

/// A statement's balances as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredStatement {
    pub id: i64,
    pub message: String,
    pub statement_id: String,
    pub account: String,
    pub day: Option<Date>,
    pub currency: Option<String>,
    pub opening_minor: Option<i64>,
    pub closing_minor: Option<i64>,
    pub entries: u64,
    pub booked_credits: Amount,
    pub booked_debits: Amount,
    pub imported_at: OffsetDateTime,
}

/// A payment as reconciliation sees it, found by its 34-character identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentForMatching {
    pub purpose_id: String,
    pub request_id: PaymentRequestId,
    pub sequence: u16,
    pub amount: Amount,
    pub currency: Currency,
    pub payee_iban: String,
    /// Carries the request's end: an expired or cancelled request's unpaid
    /// payments are R or C.
    pub payment_status: Status,
    pub paid_at: Option<OffsetDateTime>,
    /// A stored entry already settled it.
    pub settled: bool,
}

/// A statement transaction to store, already judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatementEntry {
    /// Unique: the account servicer's reference, or the fallback key
    /// (docs/treasury.md).
    pub key: String,
    pub import_id: i64,
    pub message: String,
    pub statement_id: String,
    pub account: String,
    pub booked: bool,
    pub credit: bool,
    pub reversal: bool,
    pub amount: Amount,
    pub currency: Currency,
    pub booking_date: Option<Date>,
    pub value_date: Option<Date>,
    pub account_servicer_reference: Option<String>,
    pub end_to_end_id: Option<String>,
    /// The remittance lines joined with a space, bounded.
    pub remittance: String,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    /// The first identifier found in the remittance, when one was.
    pub purpose_id: Option<String>,
    pub outcome: Outcome,
    /// The payment it was matched with.
    pub payment: Option<(PaymentRequestId, u16)>,
    /// The matched payment's amount.
    pub expected: Option<Amount>,
    pub imported_at: OffsetDateTime,
}

/// An entry already stored under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownEntry {
    pub id: i64,
    pub key: String,
    pub booked: bool,
    pub outcome: Outcome,
}

/// A pending entry that a later document shows booked: judged now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryBooked {
    pub id: i64,
    pub import_id: i64,
    pub booking_date: Option<Date>,
    pub outcome: Outcome,
    pub payment: Option<(PaymentRequestId, u16)>,
    pub expected: Option<Amount>,
}

/// A stored entry as the operator's views show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEntry {
    pub id: i64,
    pub key: String,
    pub message: String,
    pub statement_id: String,
    pub account: String,
    pub booked: bool,
    pub credit: bool,
    pub reversal: bool,
    pub amount: Amount,
    pub currency: String,
    pub booking_date: Option<Date>,
    pub value_date: Option<Date>,
    pub account_servicer_reference: Option<String>,
    pub end_to_end_id: Option<String>,
    pub remittance: String,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub purpose_id: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<PaymentRequestId>,
    pub sequence: Option<u16>,
    pub expected: Option<Amount>,
    pub imported_at: OffsetDateTime,
    /// The import that stored it, and the one that last confirmed it.
    pub import_id: i64,
    pub confirmed_import_id: Option<i64>,
}

/// Which entries a listing returns; every bound optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Inclusive booking-date bounds.
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub account: Option<String>,
    pub outcome: Option<Outcome>,
    pub payment: Option<(PaymentRequestId, u16)>,
    /// Entries with an id above this (paging), oldest first.
    pub after_id: Option<i64>,
    pub limit: u32,
}

/// Count and sum of one outcome on one day and account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeTotal {
    pub day: Option<Date>,
    pub account: String,
    pub currency: String,
    pub outcome: Outcome,
    pub count: u64,
    pub amount: Amount,
}

/// A paid payment (status E) that no entry has settled yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsettledPayment {
    pub request_id: PaymentRequestId,
    pub sequence: u16,
    pub purpose_id: String,
    pub amount: Amount,
    pub currency: String,
    pub payee_iban: String,
    pub paid_at: OffsetDateTime,
}

/// Money expected per day: the payments paid that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedTotal {
    pub day: Date,
    pub currency: String,
    pub count: u64,
    pub amount: Amount,
}

/// A payment order to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPaymentOrder {
    /// Stable and unique: what the Treasury and its status reports name.
    pub end_to_end_id: String,
    /// `refund` or `transfer`.
    pub kind: String,
    /// The entry a refund returns (at most one refund per entry).
    pub entry_id: Option<i64>,
    pub debtor_iban: String,
    pub creditor_name: String,
    pub creditor_iban: String,
    pub creditor_bic: Option<String>,
    pub amount: Amount,
    pub currency: Currency,
    pub remittance: String,
    /// An operator's name, or `reconciliation`.
    pub proposed_by: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentOrder {
    pub id: i64,
    pub end_to_end_id: String,
    pub kind: String,
    pub entry_id: Option<i64>,
    pub debtor_iban: String,
    pub creditor_name: String,
    pub creditor_iban: String,
    pub creditor_bic: Option<String>,
    pub amount: Amount,
    pub currency: String,
    pub remittance: String,
    pub state: OrderState,
    pub proposed_by: String,
    pub proposed_at: OffsetDateTime,
    pub approved_by: Option<String>,
    pub approved_at: Option<OffsetDateTime>,
    pub batch_id: Option<i64>,
    /// The Treasury's status code and reason, as last reported.
    pub status_code: Option<String>,
    pub status_reason: Option<String>,
    pub updated_at: OffsetDateTime,
}

/// A state change of one order, applied only if it is still in `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStateWrite<'a> {
    pub id: i64,
    pub from: OrderState,
    pub to: OrderState,
    pub at: OffsetDateTime,
    /// Set on approval.
    pub approved_by: Option<&'a str>,
    /// Set when a batch takes it.
    pub batch_id: Option<i64>,
    pub status_code: Option<&'a str>,
    pub status_reason: Option<&'a str>,
}

/// A pain.001 document made of approved orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPaymentBatch {
    /// `GrpHdr/MsgId`: unique; a re-submission names it again.
    pub message_id: String,
    /// `pain.001.001.03` or `pain.001.001.09`.
    pub version: String,
    pub document: String,
    pub orders: u64,
    pub control_sum: Amount,
    pub created_by: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentBatch {
    pub id: i64,
    pub message_id: String,
    pub version: String,
    #[serde(skip)]
    pub document: String,
    pub orders: u64,
    pub control_sum: Amount,
    /// `ready` (built, not sent), `submitted`, `answered` (a status report
    /// came that leaves nothing open).
    pub state: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
}

/// One exchange with the Treasury, whatever its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeRecord {
    pub at: OffsetDateTime,
    /// `statement`, `report`, `submit`, `status`.
    pub operation: String,
    /// The account or the batch's message id.
    pub subject: String,
    /// `ok`, `empty`, `failed`, `refused`.
    pub outcome: String,
    /// Bounded detail: counts, or why it failed.
    pub detail: String,
}

/// One open treasury transaction (see the module's rules). Dropped without
/// `commit`, it rolls back.
#[async_trait]
pub trait TreasuryWork: Send {
    /// Starts the record of an import; answers its id.
    async fn insert_import(&mut self, import: &NewImport) -> Result<i64, StoreError>;
    /// Stores the import's final counts, the document's digest and its message.
    async fn finish_import(
        &mut self,
        id: i64,
        counts: &ImportCounts,
        sha256: &str,
        message: &str,
    ) -> Result<(), StoreError>;
    /// Stores a statement's balances unless the same account, message and
    /// statement id are stored already; answers whether it was new.
    async fn insert_statement(&mut self, statement: &NewStatement) -> Result<bool, StoreError>;
    /// The entries stored under any of `keys`.
    async fn known_entries(&mut self, keys: &[&str]) -> Result<Vec<KnownEntry>, StoreError>;
    /// The payments with any of these identifiers (with whether they are settled).
    async fn payments_for_matching(
        &mut self,
        purpose_ids: &[&str],
    ) -> Result<Vec<PaymentForMatching>, StoreError>;
    /// Inserts the entries (their keys must be new).
    async fn insert_entries(&mut self, entries: &[NewStatementEntry]) -> Result<(), StoreError>;
    /// A pending entry is booked now, with its judgement.
    async fn book_entry(&mut self, booked: &EntryBooked) -> Result<(), StoreError>;
    /// Notes that import `import_id` showed these entries again.
    async fn confirm_entries(&mut self, ids: &[i64], import_id: i64) -> Result<(), StoreError>;
    /// Marks the receipt of each of these requests due again if the request
    /// is paid (E) and has documents (not `NoInvoice`): the next version
    /// shows the settlement (docs/documents.md).
    async fn mark_receipts_due(&mut self, requests: &[PaymentRequestId]) -> Result<(), StoreError>;
    /// The entry, as stored now.
    async fn entry_for_update(&mut self, id: i64) -> Result<Option<StoredEntry>, StoreError>;

    /// Inserts an order; `None` when its end-to-end id, or a refund of the
    /// same entry, is stored already.
    async fn insert_order(&mut self, order: &NewPaymentOrder) -> Result<Option<i64>, StoreError>;
    async fn order_for_update(&mut self, id: i64) -> Result<Option<PaymentOrder>, StoreError>;
    async fn order_by_end_to_end_id(
        &mut self,
        end_to_end_id: &str,
    ) -> Result<Option<PaymentOrder>, StoreError>;
    /// Every approved order not in a batch, oldest first, at most `limit`.
    async fn approved_orders(&mut self, limit: u32) -> Result<Vec<PaymentOrder>, StoreError>;
    /// Compare-and-set of an order's state (see [`OrderStateWrite`]).
    async fn set_order_state(&mut self, write: &OrderStateWrite<'_>) -> Result<bool, StoreError>;
    /// Stores a batch; `None` when its message id is stored already.
    async fn insert_batch(&mut self, batch: &NewPaymentBatch) -> Result<Option<i64>, StoreError>;
    async fn batch_for_update(
        &mut self,
        message_id: &str,
    ) -> Result<Option<PaymentBatch>, StoreError>;
    /// Sets a batch's state (`submitted` or `answered`) and the time of it.
    async fn set_batch_state(
        &mut self,
        id: i64,
        state: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// The orders of a batch.
    async fn orders_of_batch(&mut self, batch_id: i64) -> Result<Vec<PaymentOrder>, StoreError>;

    /// Appends audit events (several rows, one statement where it can).
    async fn append_audits(&mut self, audits: &[AuditEvent]) -> Result<(), StoreError>;
    /// Commits everything; `Ok` means durable.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// The reads of the Treasury loop, and its transaction.
#[async_trait]
pub trait TreasuryStore: Send + Sync {
    /// Starts a treasury transaction (one at a time: see the module).
    async fn begin_treasury(&self) -> Result<Box<dyn TreasuryWork>, StoreError>;

    /// Entries by booking day, account and outcome (see [`EntryFilter`]).
    async fn statement_entries(&self, filter: &EntryFilter)
    -> Result<Vec<StoredEntry>, StoreError>;
    async fn statement_entry(&self, id: i64) -> Result<Option<StoredEntry>, StoreError>;
    /// Count and sum per booking day, account, currency and outcome, for
    /// entries booked from `from` to `to` inclusive.
    async fn outcome_totals(&self, from: Date, to: Date) -> Result<Vec<OutcomeTotal>, StoreError>;
    /// Statements (not reports or notifications: those are the open day)
    /// whose day is from `from` to `to` inclusive.
    async fn statements(&self, from: Date, to: Date) -> Result<Vec<StoredStatement>, StoreError>;
    /// Payments in E, paid before `paid_before`, that no entry settled; at most `limit`, oldest first.
    async fn unsettled_payments(
        &self,
        paid_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<UnsettledPayment>, StoreError>;
    /// Per UTC day and currency, the payments paid from `from` to `to` inclusive.
    async fn expected_totals(&self, from: Date, to: Date)
    -> Result<Vec<ExpectedTotal>, StoreError>;
    /// Paid payments with their identifiers, paid in `[from, till)` (the
    /// Treasury simulator's source of money).
    async fn paid_payments(
        &self,
        from: OffsetDateTime,
        till: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PaymentForMatching>, StoreError>;
    /// The payment with this identifier, if any.
    async fn payment_by_purpose_id(
        &self,
        purpose_id: &str,
    ) -> Result<Option<PaymentForMatching>, StoreError>;

    /// Orders, newest first; `state` filters.
    async fn payment_orders(
        &self,
        state: Option<OrderState>,
        limit: u32,
    ) -> Result<Vec<PaymentOrder>, StoreError>;
    async fn payment_order(&self, id: i64) -> Result<Option<PaymentOrder>, StoreError>;
    /// The order paying an entry's money back (at most one per entry).
    async fn order_of_entry(&self, entry_id: i64) -> Result<Option<PaymentOrder>, StoreError>;
    /// Batches in `state` (`ready`, `submitted`, `answered`), oldest first.
    async fn payment_batches(
        &self,
        state: &str,
        limit: u32,
    ) -> Result<Vec<PaymentBatch>, StoreError>;
    /// The batch with this message id, with its document.
    async fn payment_batch(&self, message_id: &str) -> Result<Option<PaymentBatch>, StoreError>;

    /// Appends to the exchange log and keeps only its newest `keep` rows.
    async fn log_exchange(&self, record: &ExchangeRecord, keep: u32) -> Result<(), StoreError>;
    /// The newest exchanges first.
    async fn exchanges(&self, limit: u32) -> Result<Vec<ExchangeRecord>, StoreError>;
}
