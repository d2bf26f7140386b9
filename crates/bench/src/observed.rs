//! A store wrapper that watches the server's group commit from outside: every
//! `insert_payment_requests` call the request writer makes is one transaction
//! and one disk flush, so its batch sizes and durations tell how well commits
//! are shared. Everything else is passed straight through (the workflows of
//! `maksa_app::workflows` run over the inner store's unit of work).

use crate::stats::{Latency, micros, per_second};
use async_trait::async_trait;
use maksa_app::store::prelude::*;
use maksa_app::store::{
    AuditEvent, ClientCertificate, DocumentFileKind, DocumentState, PaymentFilter, PaymentSummary,
    RequestFilter, RequestSummary, StoreError, StoredDocumentFile, UnitOfWork,
};
use maksa_app::store::{DeliveryAttempt, ExpiryCandidate, Notification, NotificationState};
use maksa_app::store::{IdempotencyRecord, KeyedRequest};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

pub struct ObservedStore {
    inner: Arc<dyn Store>,
    /// (rows, microseconds) of every insert call since the last `take`.
    commits: Mutex<Vec<(u32, u32)>>,
    certificate_lookups: AtomicU64,
}

/// Group commit as seen during one phase.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupCommit {
    pub commits: u64,
    pub rows: u64,
    pub commits_per_s: u64,
    /// Rows per transaction.
    pub batch_mean: u64,
    pub batch_p50: u64,
    pub batch_max: u64,
    /// How long one `insert_payment_requests` call took (transaction + flush).
    pub commit_latency: Latency,
    /// Registry reads past the authenticator's cache.
    pub certificate_lookups: u64,
}

impl ObservedStore {
    pub fn new(inner: Arc<dyn Store>) -> ObservedStore {
        ObservedStore {
            inner,
            commits: Mutex::new(Vec::new()),
            certificate_lookups: AtomicU64::new(0),
        }
    }

    /// What was recorded since the previous call, over a phase of `elapsed`.
    pub fn take(&self, elapsed: Duration) -> GroupCommit {
        let commits = std::mem::take(&mut *self.commits.lock().unwrap_or_else(|e| e.into_inner()));
        let mut sizes: Vec<u32> = commits.iter().map(|&(rows, _)| rows).collect();
        let mut latencies: Vec<u32> = commits.iter().map(|&(_, us)| us).collect();
        let rows: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
        let count = commits.len() as u64;
        // Latency::of works on any u32 samples; batch sizes are reported through it too.
        let size_stats = Latency::of(&mut sizes);
        GroupCommit {
            commits: count,
            rows,
            commits_per_s: per_second(count, elapsed),
            batch_mean: rows.checked_div(count).unwrap_or(0),
            batch_p50: size_stats.p50_us,
            batch_max: size_stats.max_us,
            commit_latency: Latency::of(&mut latencies),
            certificate_lookups: self.certificate_lookups.swap(0, Ordering::Relaxed),
        }
    }
}

#[async_trait]
impl TransactionStore for ObservedStore {
    fn write_concurrency(&self) -> usize {
        self.inner.write_concurrency()
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>, StoreError> {
        self.inner.begin().await
    }
}

#[async_trait]
impl IdempotencyStore for ObservedStore {
    async fn idempotency_record(
        &self,
        client: &ClientId,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.inner.idempotency_record(client, key, since).await
    }

    /// The group commit's path (the writer): observed like `insert_payment_requests`.
    async fn insert_keyed_payment_requests(
        &self,
        batch: &[KeyedRequest],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let started = Instant::now();
        let result = self.inner.insert_keyed_payment_requests(batch).await;
        let took = micros(started.elapsed());
        let rows = u32::try_from(batch.len()).unwrap_or(u32::MAX);
        self.commits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((rows, took));
        result
    }

    async fn delete_expired_idempotency_keys(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.inner
            .delete_expired_idempotency_keys(before, limit)
            .await
    }

    async fn idempotency_key_count(&self) -> Result<u64, StoreError> {
        self.inner.idempotency_key_count().await
    }
}

#[async_trait]
impl RegistryStore for ObservedStore {
    async fn load_catalog(&self) -> Result<Option<Catalog>, StoreError> {
        self.inner.load_catalog().await
    }

    async fn client_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError> {
        self.certificate_lookups.fetch_add(1, Ordering::Relaxed);
        self.inner.client_certificate(thumbprint).await
    }

    async fn client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError> {
        self.inner.client_certificates().await
    }

    async fn notification_secrets(&self, client: &ClientId) -> Result<Vec<String>, StoreError> {
        self.inner.notification_secrets(client).await
    }

    async fn notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, StoreError> {
        self.inner.notification_secret_times(client).await
    }

    async fn server_key(
        &self,
        name: &str,
        candidate: &[u8],
        at: OffsetDateTime,
    ) -> Result<Vec<u8>, StoreError> {
        self.inner.server_key(name, candidate, at).await
    }
}

#[async_trait]
impl PaymentRequestStore for ObservedStore {
    async fn insert_payment_requests(
        &self,
        batch: &[(PaymentRequest, AuditEvent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let started = Instant::now();
        let result = self.inner.insert_payment_requests(batch).await;
        let took = micros(started.elapsed());
        let rows = u32::try_from(batch.len()).unwrap_or(u32::MAX);
        self.commits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((rows, took));
        result
    }

    async fn payment_request(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        self.inner.payment_request(owner, id).await
    }

    async fn payment_request_by_id(
        &self,
        id: PaymentRequestId,
    ) -> Result<Option<PaymentRequest>, StoreError> {
        self.inner.payment_request_by_id(id).await
    }

    async fn request_status(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<Status>, StoreError> {
        self.inner.request_status(owner, id).await
    }

    async fn payment_requests(
        &self,
        owner: &ClientId,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummary>, StoreError> {
        self.inner.payment_requests(owner, filter).await
    }

    async fn payments(
        &self,
        owner: &ClientId,
        filter: &PaymentFilter,
    ) -> Result<Vec<PaymentSummary>, StoreError> {
        self.inner.payments(owner, filter).await
    }

    async fn requests_due_for_expiry(
        &self,
        now: OffsetDateTime,
        grace_cutoff: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ExpiryCandidate>, StoreError> {
        self.inner
            .requests_due_for_expiry(now, grace_cutoff, limit)
            .await
    }

    async fn audit_events(&self, id: PaymentRequestId) -> Result<Vec<AuditEvent>, StoreError> {
        self.inner.audit_events(id).await
    }
}

#[async_trait]
impl DocumentStore for ObservedStore {
    async fn document_state(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<DocumentState>, StoreError> {
        self.inner.document_state(owner, id).await
    }

    async fn latest_document(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        file: DocumentFileKind,
    ) -> Result<Option<StoredDocumentFile>, StoreError> {
        self.inner.latest_document(owner, id, file).await
    }

    async fn receipts_due(
        &self,
        limit: u32,
    ) -> Result<Vec<(ClientId, PaymentRequestId)>, StoreError> {
        self.inner.receipts_due(limit).await
    }
}

#[async_trait]
impl AttemptStore for ObservedStore {
    async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        self.inner.attempt(id).await
    }

    async fn attempt_by_reference(
        &self,
        provider: &maksa_domain::codes::ProviderCode,
        reference: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        self.inner.attempt_by_reference(provider, reference).await
    }

    async fn attempts_of(&self, request: PaymentRequestId) -> Result<Vec<Attempt>, StoreError> {
        self.inner.attempts_of(request).await
    }

    async fn claim_attempts_to_query(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(Attempt, u32)>, StoreError> {
        self.inner
            .claim_attempts_to_query(now, lease_until, limit)
            .await
    }

    async fn note_attempt_query(
        &self,
        id: AttemptId,
        next_query_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.inner.note_attempt_query(id, next_query_at).await
    }

    async fn unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError> {
        self.inner.unresolved_attempts().await
    }
}

#[async_trait]
impl OutboxStore for ObservedStore {
    async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        self.inner
            .claim_notifications(now, worker, lease_until, limit)
            .await
    }

    async fn notification_log(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Vec<(Notification, Vec<DeliveryAttempt>)>, StoreError> {
        self.inner.notification_log(owner, id).await
    }

    async fn notifications_in_state(
        &self,
        state: NotificationState,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        self.inner.notifications_in_state(state, limit).await
    }

    async fn resend_notifications(
        &self,
        ids: Option<&[uuid::Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.inner.resend_notifications(ids, now).await
    }

    async fn notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        self.inner.notification_backlog().await
    }

    async fn reschedule_notifications_beyond(
        &self,
        horizon: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.inner
            .reschedule_notifications_beyond(horizon, now)
            .await
    }

    fn storage_failure(&self) -> Option<String> {
        self.inner.storage_failure()
    }
}

/// The Treasury loop is not measured through this wrapper: it passes through.
#[async_trait]
impl maksa_app::store::TreasuryStore for ObservedStore {
    async fn begin_treasury(&self) -> Result<Box<dyn maksa_app::store::TreasuryWork>, StoreError> {
        self.inner.begin_treasury().await
    }

    async fn statement_entries(
        &self,
        filter: &maksa_app::store::EntryFilter,
    ) -> Result<Vec<maksa_app::store::StoredEntry>, StoreError> {
        self.inner.statement_entries(filter).await
    }

    async fn statement_entry(
        &self,
        id: i64,
    ) -> Result<Option<maksa_app::store::StoredEntry>, StoreError> {
        self.inner.statement_entry(id).await
    }

    async fn outcome_totals(
        &self,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<maksa_app::store::OutcomeTotal>, StoreError> {
        self.inner.outcome_totals(from, to).await
    }

    async fn statements(
        &self,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<maksa_app::store::StoredStatement>, StoreError> {
        self.inner.statements(from, to).await
    }

    async fn unsettled_payments(
        &self,
        paid_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::UnsettledPayment>, StoreError> {
        self.inner.unsettled_payments(paid_before, limit).await
    }

    async fn expected_totals(
        &self,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<maksa_app::store::ExpectedTotal>, StoreError> {
        self.inner.expected_totals(from, to).await
    }

    async fn paid_payments(
        &self,
        from: OffsetDateTime,
        till: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::PaymentForMatching>, StoreError> {
        self.inner.paid_payments(from, till, limit).await
    }

    async fn payment_by_purpose_id(
        &self,
        purpose_id: &str,
    ) -> Result<Option<maksa_app::store::PaymentForMatching>, StoreError> {
        self.inner.payment_by_purpose_id(purpose_id).await
    }

    async fn payment_orders(
        &self,
        state: Option<maksa_domain::payment_order::OrderState>,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::PaymentOrder>, StoreError> {
        self.inner.payment_orders(state, limit).await
    }

    async fn payment_order(
        &self,
        id: i64,
    ) -> Result<Option<maksa_app::store::PaymentOrder>, StoreError> {
        self.inner.payment_order(id).await
    }

    async fn payment_batches(
        &self,
        state: &str,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::PaymentBatch>, StoreError> {
        self.inner.payment_batches(state, limit).await
    }

    async fn payment_batch(
        &self,
        message_id: &str,
    ) -> Result<Option<maksa_app::store::PaymentBatch>, StoreError> {
        self.inner.payment_batch(message_id).await
    }

    async fn order_of_entry(
        &self,
        entry_id: i64,
    ) -> Result<Option<maksa_app::store::PaymentOrder>, StoreError> {
        self.inner.order_of_entry(entry_id).await
    }

    async fn log_exchange(
        &self,
        record: &maksa_app::store::ExchangeRecord,
        keep: u32,
    ) -> Result<(), StoreError> {
        self.inner.log_exchange(record, keep).await
    }

    async fn exchanges(
        &self,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::ExchangeRecord>, StoreError> {
        self.inner.exchanges(limit).await
    }
}

/// The portal's part is not measured through this wrapper: it passes through.
#[async_trait]
impl maksa_app::store::KdvStore for ObservedStore {
    async fn insert_ivis_transaction(
        &self,
        transaction: &maksa_app::store::IvisTransaction,
    ) -> Result<(), StoreError> {
        self.inner.insert_ivis_transaction(transaction).await
    }

    async fn ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
    ) -> Result<Option<maksa_app::store::IvisTransaction>, StoreError> {
        self.inner.ivis_transaction(client, id).await
    }

    async fn end_ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner.end_ivis_transaction(client, id, at).await
    }

    async fn ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
    ) -> Result<Option<maksa_app::store::IvisSubmission>, StoreError> {
        self.inner.ivis_submission(client, correlation_id).await
    }

    async fn ivis_submission_by_message(
        &self,
        client: &ClientId,
        message_id: &str,
    ) -> Result<Option<maksa_app::store::IvisSubmission>, StoreError> {
        self.inner
            .ivis_submission_by_message(client, message_id)
            .await
    }

    async fn dispose_ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner
            .dispose_ivis_submission(client, correlation_id, at)
            .await
    }

    async fn requests_for_payer(
        &self,
        code: &maksa_domain::codes::ClientCode,
        limit: u32,
    ) -> Result<Vec<PaymentRequest>, StoreError> {
        self.inner.requests_for_payer(code, limit).await
    }

    async fn claim_payer_messages(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::PayerMessage>, StoreError> {
        self.inner
            .claim_payer_messages(now, worker, lease_until, limit)
            .await
    }

    async fn finish_payer_message(
        &self,
        request: PaymentRequestId,
        kind: maksa_app::store::PayerMessageKind,
        worker: &str,
        outcome: &maksa_app::store::PayerMessageOutcome,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner
            .finish_payer_message(request, kind, worker, outcome, at)
            .await
    }

    async fn queue_payer_reminders(
        &self,
        now: OffsetDateTime,
        expiring_by: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.inner.queue_payer_reminders(now, expiring_by).await
    }

    async fn take_sign_in_token(
        &self,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner
            .take_sign_in_token(assertion_id, expires_at, now)
            .await
    }

    async fn dead_payer_messages(
        &self,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::PayerMessage>, StoreError> {
        self.inner.dead_payer_messages(limit).await
    }

    async fn resend_payer_messages(
        &self,
        requests: Option<&[PaymentRequestId]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.inner.resend_payer_messages(requests, now).await
    }

    async fn sign_in_token_taken(&self, id: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.inner.sign_in_token_taken(id, now).await
    }

    async fn payer_messages(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<maksa_app::store::PayerMessage>, StoreError> {
        self.inner.payer_messages(request).await
    }
}

#[async_trait]
impl maksa_app::store::CardStore for ObservedStore {
    async fn card_totals(
        &self,
        provider: &maksa_domain::codes::ProviderCode,
        from: Option<OffsetDateTime>,
        till: OffsetDateTime,
    ) -> Result<maksa_app::store::CardTotals, StoreError> {
        self.inner.card_totals(provider, from, till).await
    }

    async fn last_card_day_close(
        &self,
        provider: &maksa_domain::codes::ProviderCode,
    ) -> Result<Option<maksa_app::store::CardDayClose>, StoreError> {
        self.inner.last_card_day_close(provider).await
    }

    async fn card_day_closes(
        &self,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::CardDayClose>, StoreError> {
        self.inner.card_day_closes(limit).await
    }

    async fn card_reversal(
        &self,
        attempt: AttemptId,
    ) -> Result<Option<maksa_app::store::CardReversal>, StoreError> {
        self.inner.card_reversal(attempt).await
    }

    async fn card_refunds_due(
        &self,
        providers: &[maksa_domain::codes::ProviderCode],
        limit: u32,
    ) -> Result<Vec<Attempt>, StoreError> {
        self.inner.card_refunds_due(providers, limit).await
    }
}

#[async_trait]
impl maksa_app::store::DashboardStore for ObservedStore {
    async fn paid_by_provider(
        &self,
        span: &maksa_app::store::LocalSpan,
    ) -> Result<Vec<maksa_app::store::PaidDay>, StoreError> {
        self.inner.paid_by_provider(span).await
    }

    async fn paid_by_service(
        &self,
        span: &maksa_app::store::LocalSpan,
    ) -> Result<Vec<maksa_app::store::PaidDay>, StoreError> {
        self.inner.paid_by_service(span).await
    }

    async fn requests_by_day(
        &self,
        span: &maksa_app::store::LocalSpan,
    ) -> Result<Vec<maksa_app::store::RequestDay>, StoreError> {
        self.inner.requests_by_day(span).await
    }

    async fn attempt_tallies(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<maksa_app::store::AttemptTally>, StoreError> {
        self.inner.attempt_tallies(start, end).await
    }

    async fn confirmation_times(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<maksa_app::store::ConfirmationBucket>, StoreError> {
        self.inner.confirmation_times(start, end).await
    }

    async fn notification_health(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<maksa_app::store::NotificationHealth, StoreError> {
        self.inner.notification_health(start, end).await
    }

    async fn queues(&self) -> Result<maksa_app::store::Queues, StoreError> {
        self.inner.queues().await
    }

    async fn paid_by_payee(
        &self,
        span: &maksa_app::store::LocalSpan,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::PayeeDay>, StoreError> {
        self.inner.paid_by_payee(span, limit).await
    }

    fn counted_from_rows(&self) -> Box<dyn maksa_app::store::DashboardStore + '_> {
        self.inner.counted_from_rows()
    }
}

#[async_trait]
impl maksa_app::store::ConsoleStore for ObservedStore {
    async fn search_requests(
        &self,
        filter: &maksa_app::store::ConsoleFilter,
    ) -> Result<Vec<maksa_app::store::ConsoleRequest>, StoreError> {
        self.inner.search_requests(filter).await
    }
}

#[async_trait]
impl maksa_app::store::RetentionStore for ObservedStore {
    async fn requests_due_for_erasure(
        &self,
        final_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError> {
        self.inner
            .requests_due_for_erasure(final_before, limit)
            .await
    }

    async fn requests_of_payer(
        &self,
        code: &str,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError> {
        self.inner.requests_of_payer(code, limit).await
    }

    async fn requests_of_pseudonym(
        &self,
        pseudonym: &str,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError> {
        self.inner.requests_of_pseudonym(pseudonym, limit).await
    }

    async fn erasure_log(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::ErasureRecord>, StoreError> {
        self.inner.erasure_log(before, limit).await
    }

    async fn erasures_of(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<maksa_app::store::ErasureRecord>, StoreError> {
        self.inner.erasures_of(request).await
    }
}

#[async_trait]
impl maksa_app::store::OperatorStore for ObservedStore {
    async fn operator_record(
        &self,
        name: &str,
    ) -> Result<Option<maksa_app::store::OperatorRecord>, StoreError> {
        self.inner.operator_record(name).await
    }

    async fn operator_records(
        &self,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::OperatorRecord>, StoreError> {
        self.inner.operator_records(limit).await
    }

    async fn operator_session_record(
        &self,
        id: &str,
    ) -> Result<Option<maksa_app::store::OperatorSessionRecord>, StoreError> {
        self.inner.operator_session_record(id).await
    }

    async fn touch_operator_session(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        self.inner.touch_operator_session(id, at).await
    }

    async fn take_totp_step(&self, name: &str, step: i64) -> Result<bool, StoreError> {
        self.inner.take_totp_step(name, step).await
    }

    async fn operator_activity(
        &self,
        query: &maksa_app::store::ActivityQuery,
    ) -> Result<Vec<maksa_app::store::ActivityEntry>, StoreError> {
        self.inner.operator_activity(query).await
    }

    async fn card_reversal_proposals(
        &self,
        limit: u32,
    ) -> Result<Vec<maksa_app::store::CardReversalProposal>, StoreError> {
        self.inner.card_reversal_proposals(limit).await
    }

    async fn card_reversal_proposal(
        &self,
        attempt: maksa_domain::attempt::AttemptId,
    ) -> Result<Option<maksa_app::store::CardReversalProposal>, StoreError> {
        self.inner.card_reversal_proposal(attempt).await
    }
}
