//! PLACEHOLDER while the PostgreSQL treasury storage is written on its own
//! branch: every method answers `Unavailable`. Replaced before issue 14 lands.

use crate::PostgresStore;
use async_trait::async_trait;
use maksa_app::store::*;
use maksa_domain::payment_order::OrderState;
use time::{Date, OffsetDateTime};

fn not_yet<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable(
        "the PostgreSQL treasury storage is not written yet".into(),
    ))
}

pub(crate) struct PostgresTreasuryWork;

#[async_trait]
impl TreasuryWork for PostgresTreasuryWork {
    async fn mark_receipts_due(
        &mut self,
        _requests: &[maksa_domain::ids::PaymentRequestId],
    ) -> Result<(), StoreError> {
        not_yet()
    }
    async fn insert_import(&mut self, _import: &NewImport) -> Result<i64, StoreError> {
        not_yet()
    }
    async fn finish_import(
        &mut self,
        _id: i64,
        _counts: &ImportCounts,
        _sha256: &str,
        _message: &str,
    ) -> Result<(), StoreError> {
        not_yet()
    }
    async fn insert_statement(&mut self, _statement: &NewStatement) -> Result<bool, StoreError> {
        not_yet()
    }
    async fn known_entries(&mut self, _keys: &[&str]) -> Result<Vec<KnownEntry>, StoreError> {
        not_yet()
    }
    async fn payments_for_matching(
        &mut self,
        _purpose_ids: &[&str],
    ) -> Result<Vec<PaymentForMatching>, StoreError> {
        not_yet()
    }
    async fn insert_entries(&mut self, _entries: &[NewStatementEntry]) -> Result<(), StoreError> {
        not_yet()
    }
    async fn book_entry(&mut self, _booked: &EntryBooked) -> Result<(), StoreError> {
        not_yet()
    }
    async fn confirm_entries(&mut self, _ids: &[i64], _import_id: i64) -> Result<(), StoreError> {
        not_yet()
    }
    async fn entry_for_update(&mut self, _id: i64) -> Result<Option<StoredEntry>, StoreError> {
        not_yet()
    }
    async fn insert_order(&mut self, _order: &NewPaymentOrder) -> Result<Option<i64>, StoreError> {
        not_yet()
    }
    async fn order_for_update(&mut self, _id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        not_yet()
    }
    async fn order_by_end_to_end_id(
        &mut self,
        _end_to_end_id: &str,
    ) -> Result<Option<PaymentOrder>, StoreError> {
        not_yet()
    }
    async fn approved_orders(&mut self, _limit: u32) -> Result<Vec<PaymentOrder>, StoreError> {
        not_yet()
    }
    async fn set_order_state(&mut self, _write: &OrderStateWrite<'_>) -> Result<bool, StoreError> {
        not_yet()
    }
    async fn insert_batch(&mut self, _batch: &NewPaymentBatch) -> Result<Option<i64>, StoreError> {
        not_yet()
    }
    async fn batch_for_update(
        &mut self,
        _message_id: &str,
    ) -> Result<Option<PaymentBatch>, StoreError> {
        not_yet()
    }
    async fn set_batch_state(
        &mut self,
        _id: i64,
        _state: &str,
        _at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        not_yet()
    }
    async fn orders_of_batch(&mut self, _batch_id: i64) -> Result<Vec<PaymentOrder>, StoreError> {
        not_yet()
    }
    async fn append_audits(&mut self, _audits: &[AuditEvent]) -> Result<(), StoreError> {
        not_yet()
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        not_yet()
    }
}

#[async_trait]
impl TreasuryStore for PostgresStore {
    async fn begin_treasury(&self) -> Result<Box<dyn TreasuryWork>, StoreError> {
        not_yet()
    }
    async fn statement_entries(
        &self,
        _filter: &EntryFilter,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        not_yet()
    }
    async fn statement_entry(&self, _id: i64) -> Result<Option<StoredEntry>, StoreError> {
        not_yet()
    }
    async fn outcome_totals(
        &self,
        _from: Date,
        _to: Date,
    ) -> Result<Vec<OutcomeTotal>, StoreError> {
        not_yet()
    }
    async fn statements(&self, _from: Date, _to: Date) -> Result<Vec<StoredStatement>, StoreError> {
        not_yet()
    }
    async fn unsettled_payments(
        &self,
        _paid_before: OffsetDateTime,
        _limit: u32,
    ) -> Result<Vec<UnsettledPayment>, StoreError> {
        not_yet()
    }
    async fn expected_totals(
        &self,
        _from: Date,
        _to: Date,
    ) -> Result<Vec<ExpectedTotal>, StoreError> {
        not_yet()
    }
    async fn paid_payments(
        &self,
        _from: OffsetDateTime,
        _till: OffsetDateTime,
        _limit: u32,
    ) -> Result<Vec<PaymentForMatching>, StoreError> {
        not_yet()
    }
    async fn payment_by_purpose_id(
        &self,
        _purpose_id: &str,
    ) -> Result<Option<PaymentForMatching>, StoreError> {
        not_yet()
    }
    async fn payment_orders(
        &self,
        _state: Option<OrderState>,
        _limit: u32,
    ) -> Result<Vec<PaymentOrder>, StoreError> {
        not_yet()
    }
    async fn payment_order(&self, _id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        not_yet()
    }
    async fn payment_batches(
        &self,
        _state: &str,
        _limit: u32,
    ) -> Result<Vec<PaymentBatch>, StoreError> {
        not_yet()
    }
    async fn log_exchange(&self, _record: &ExchangeRecord, _keep: u32) -> Result<(), StoreError> {
        not_yet()
    }
    async fn exchanges(&self, _limit: u32) -> Result<Vec<ExchangeRecord>, StoreError> {
        not_yet()
    }
}
