//! The multi-step business actions on stored state, each written once over
//! the storage port's unit of work ([`TransactionStore::begin`](crate::store::TransactionStore::begin)): read the rows it
//! decides on (locked), let the domain decide, apply the decision with
//! compare-and-set writes, append the audit event and the outbox row, commit.
//! The adapters only speak SQL; no rule lives there.
//!
//! Every early `return` before `commit` drops the unit of work, which rolls
//! the transaction back.

use crate::store::prelude::*;
use crate::store::{
    AttemptUpdate, AuditEvent, ClientCertificate, DeliveryAttempt, DeliveryFinish, DeliveryResult,
    DocumentStored, NewDocument, NewIdempotencyKey, NotificationState, OutcomeApplied,
    OutcomeReport, PaymentPaid, RequestStatusWrite, StartRefused, StatusChange, StoreError,
    UnitOfWork,
};
use async_trait::async_trait;
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, settle};
use maksa_domain::catalog::Catalog;
use maksa_domain::document::DocumentKind;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::status::Status;
use time::{Duration, OffsetDateTime};

/// The recovery's first status query of a new attempt is due this long after
/// its start: time enough for the payer to finish at the provider.
pub const FIRST_QUERY_AFTER: Duration = Duration::minutes(5);

/// The workflows, callable on any store (`Arc<dyn Store>` included); they
/// cannot be implemented otherwise than here.
#[async_trait]
pub trait Workflows {
    /// Starts `attempt` (as `Started`, not flagged for a refund, whatever the
    /// caller filled in: only a provider's message moves an attempt on) with
    /// its audit event, if the request is in P, the attempt's payment is not
    /// executed, and no other attempt of that payment is open. Two racing
    /// starts of the same payment cannot both succeed.
    async fn start_attempt(
        &self,
        attempt: &Attempt,
        audit: &AuditEvent,
    ) -> Result<Result<(), StartRefused>, StoreError>;

    /// Keeps the provider's own transaction id with a still-open attempt that
    /// has none yet, with the audit event; answers whether it was written. A
    /// settled attempt, or one already holding an id, is left alone.
    async fn note_provider_reference(
        &self,
        attempt: AttemptId,
        reference: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Applies a verified provider message: reads the attempt, its request's
    /// status and its payments' statuses, asks `maksa_domain::attempt::settle`,
    /// and writes what it decided — the attempt's state, external id and refund
    /// flag; the payment's status E, provider, paid time and external id; the
    /// request's move to E (compare-and-set on its status) with its receipt
    /// mark and notification — with the audit event. A repeated message writes
    /// only the audit event. `None` when no such attempt exists.
    async fn record_outcome(
        &self,
        report: &OutcomeReport,
        audit: &AuditEvent,
    ) -> Result<Option<OutcomeApplied>, StoreError>;

    /// Applies the change if the request is still in `change.from`; returns
    /// whether it did. Writes the open payments' status, the notification and
    /// the audit event in the same transaction.
    async fn change_request_status(&self, change: &StatusChange) -> Result<bool, StoreError>;

    /// `change_request_status` with an idempotency key row (when given)
    /// written in the same transaction, answering the empty result.
    async fn change_request_status_keyed(
        &self,
        change: &StatusChange,
        key: Option<&NewIdempotencyKey>,
    ) -> Result<bool, StoreError>;

    /// A key row alone, in its own transaction: the call it answers
    /// changed nothing (cancelling a cancelled request).
    async fn record_idempotency_key(
        &self,
        key: &NewIdempotencyKey,
        result: &str,
    ) -> Result<(), StoreError>;

    /// Stores a document with its audit event, if the owner has the request,
    /// its version is the next one (one more than the latest) and, for a
    /// receipt, one is due; storing a receipt clears `receipt_due`.
    async fn insert_document(
        &self,
        document: &NewDocument,
        audit: &AuditEvent,
    ) -> Result<DocumentStored, StoreError>;

    /// `insert_document` with an idempotency key row (when given) answering
    /// the document's id, in the same transaction.
    async fn insert_document_keyed(
        &self,
        document: &NewDocument,
        audit: &AuditEvent,
        key: Option<&NewIdempotencyKey>,
    ) -> Result<DocumentStored, StoreError>;

    /// Parks the owner's request's due receipt, which cannot be issued for a
    /// reason that will not go away: it stays due (nothing is lost, a download
    /// still tries it) but `receipts_due` no longer lists it, and `reason` is
    /// stored for the operator, at the audit event's time. Storing the receipt
    /// later clears the mark. False when no receipt is due (or it is parked
    /// already): nothing is written.
    async fn park_receipt(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        reason: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Records one delivery attempt (the log row) and its result, releasing
    /// the lease — only if `worker` still holds it; answers whether it did.
    async fn finish_delivery(
        &self,
        id: uuid::Uuid,
        worker: &str,
        attempt: &DeliveryAttempt,
        result: DeliveryResult,
    ) -> Result<bool, StoreError>;

    /// Records an event that changes no state (e.g. a forged provider
    /// message), durably, in its own transaction.
    async fn record_event(&self, audit: &AuditEvent) -> Result<(), StoreError>;

    /// Stores a validated catalogue and the text it came from with the audit
    /// event; returns its version.
    async fn save_catalog(
        &self,
        catalog: &Catalog,
        source: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<i64, StoreError>;

    /// Registers a certificate, or replaces the registration with the same
    /// thumbprint, with the audit event.
    async fn register_client_certificate(
        &self,
        certificate: &ClientCertificate,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// Marks a certificate revoked at `at` with the audit event; a second
    /// revocation keeps the first time (when it was revoked is a fact).
    /// False when no such thumbprint is registered: nothing is written.
    async fn revoke_client_certificate(
        &self,
        thumbprint: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Adds a notification signing secret of a client with the audit event.
    async fn add_notification_secret(
        &self,
        client: &ClientId,
        secret: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// Retires every secret of the client created before `before`, as of the
    /// audit event's time (when the operator said so); answers how many.
    async fn retire_notification_secrets(
        &self,
        client: &ClientId,
        before: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError>;
}

/// What a start or a provider's message needs to know about the payment an
/// attempt is for, read inside the writing transaction.
struct PaymentFacts {
    owner: ClientId,
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

/// `None` when there is no such request. Locks the request (then reads its
/// payments), so what is read stays true until the transaction ends.
async fn payment_facts(
    work: &mut dyn UnitOfWork,
    request: PaymentRequestId,
    sequence: u16,
) -> Result<Option<PaymentFacts>, StoreError> {
    let Some(locked) = work.request_for_update(request).await? else {
        return Ok(None);
    };
    let mut facts = PaymentFacts {
        owner: locked.owner,
        request_status: locked.status,
        payment_status: None,
        others_paid: true,
    };
    for (number, status) in work.payment_statuses(request).await? {
        if number == sequence {
            facts.payment_status = Some(status);
        } else if status != Status::Executed {
            facts.others_paid = false;
        }
    }
    Ok(Some(facts))
}

/// The end of every workflow that applied its change: the audit event joins
/// it, and both commit together.
async fn audited_commit(
    mut work: Box<dyn UnitOfWork>,
    audit: &AuditEvent,
) -> Result<(), StoreError> {
    work.append_audit(audit).await?;
    work.commit().await
}

#[async_trait]
impl<S: Store + ?Sized> Workflows for S {
    async fn start_attempt(
        &self,
        attempt: &Attempt,
        audit: &AuditEvent,
    ) -> Result<Result<(), StartRefused>, StoreError> {
        let mut work = self.begin().await?;
        let refused = match payment_facts(&mut *work, attempt.request_id, attempt.sequence).await? {
            None => Some(StartRefused::NotFound),
            Some(facts) => facts.start_refused(),
        };
        if let Some(refused) = refused {
            return Ok(Err(refused));
        }
        // Racing starts are serialised by the request's lock: the second sees
        // the first's attempt here. The unique index on open attempts would
        // refuse it anyway.
        if let Some(open) = work
            .open_attempt(attempt.request_id, attempt.sequence)
            .await?
        {
            return Ok(Err(StartRefused::InProgress(open)));
        }
        let started = Attempt {
            state: AttemptState::Started,
            refund_required: false,
            ..attempt.clone()
        };
        let first_query_at = attempt.created_at.saturating_add(FIRST_QUERY_AFTER);
        work.insert_attempt(&started, first_query_at).await?;
        audited_commit(work, audit).await?;
        Ok(Ok(()))
    }

    async fn note_provider_reference(
        &self,
        attempt: AttemptId,
        reference: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let mut work = self.begin().await?;
        let Some(current) = work.attempt_for_update(attempt).await? else {
            return Ok(false);
        };
        if !current.state.is_open() || current.external_id.is_some() {
            return Ok(false);
        }
        work.update_attempt(&AttemptUpdate {
            id: attempt,
            state: current.state,
            external_id: Some(reference),
            refund_required: current.refund_required,
            updated_at: audit.at,
        })
        .await?;
        audited_commit(work, audit).await?;
        Ok(true)
    }

    async fn record_outcome(
        &self,
        report: &OutcomeReport,
        audit: &AuditEvent,
    ) -> Result<Option<OutcomeApplied>, StoreError> {
        // The attempt is locked first, then its request: two messages about one
        // attempt are applied one after the other, and the facts `settle`
        // decides on stay true until its decision is written.
        let mut work = self.begin().await?;
        let Some(attempt) = work.attempt_for_update(report.attempt).await? else {
            return Ok(None);
        };
        let request = attempt.request_id;
        let facts = payment_facts(&mut *work, request, attempt.sequence)
            .await?
            .filter(|facts| facts.payment_status.is_some())
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "attempt {} is of a payment that is not stored",
                    attempt.id
                ))
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
            let update = AttemptUpdate {
                id: attempt.id,
                state: settlement.attempt_state,
                external_id: report.external_id.as_deref(),
                refund_required: settlement.refund_required,
                updated_at: audit.at,
            };
            work.update_attempt(&update).await?.ok_or_else(|| {
                StoreError::Corrupt(format!("attempt {} vanished under its lock", attempt.id))
            })?
        };
        if settlement.mark_payment_paid {
            // The attempt's external id, not only this message's: the provider
            // may have sent it with an earlier message.
            let paid = PaymentPaid {
                request,
                sequence: attempt.sequence,
                provider: &attempt.provider,
                paid_at: report.at,
                external_id: attempt.external_id.as_deref(),
            };
            if !work.set_payment_paid(&paid).await? {
                // Not in P although its request is and it is not paid: the
                // decision rests on a state the rules never produce.
                return Err(StoreError::Corrupt(format!(
                    "payment {} of request {request} is neither open nor paid",
                    attempt.sequence
                )));
            }
        }
        if let Some(to) = settlement.request_to {
            let paid = to == Status::Executed;
            let write = RequestStatusWrite {
                id: request,
                owner: &facts.owner,
                from: facts.request_status,
                to,
                at: report.at,
                paid_at: paid.then_some(report.at),
                // A paid request's receipt is due in the paying transaction,
                // so no receipt is lost to a crash.
                receipt_due: paid.then_some(report.receipt_due),
            };
            if !work.set_request_status(&write).await? {
                // Cannot happen under the request's lock; should it, the whole
                // settlement was decided on a stale status and must not stand.
                return Err(StoreError::Conflict(format!(
                    "request {request} left {} while a provider's message was applied",
                    facts.request_status
                )));
            }
            // Announced only when this message paid the request: the outbox
            // row commits with the payment, or not at all.
            if paid {
                for notification in &report.notifications {
                    work.append_notification(notification).await?;
                }
            }
        }
        audited_commit(work, audit).await?;
        Ok(Some(OutcomeApplied {
            attempt,
            settlement,
        }))
    }

    async fn change_request_status(&self, change: &StatusChange) -> Result<bool, StoreError> {
        self.change_request_status_keyed(change, None).await
    }

    async fn record_idempotency_key(
        &self,
        key: &NewIdempotencyKey,
        result: &str,
    ) -> Result<(), StoreError> {
        let mut work = self.begin().await?;
        work.insert_idempotency_key(key, result).await?;
        work.commit().await
    }

    async fn change_request_status_keyed(
        &self,
        change: &StatusChange,
        key: Option<&NewIdempotencyKey>,
    ) -> Result<bool, StoreError> {
        let mut work = self.begin().await?;
        // An expiry or a cancel chose R or C from a read taken before this
        // transaction; a payment paid since would make it O (some money moved).
        // Like the status condition below, the decision's other fact is
        // checked under the request's lock, and a stale decision writes nothing.
        if matches!(change.to, Status::Expired | Status::Cancelled) {
            if work.request_for_update(change.id).await?.is_none() {
                return Ok(false);
            }
            let statuses = work.payment_statuses(change.id).await?;
            if statuses
                .iter()
                .any(|(_, status)| *status == Status::Executed)
            {
                return Ok(false);
            }
        }
        // The status condition makes the change happen at most once, whoever races.
        let write = RequestStatusWrite {
            id: change.id,
            owner: &change.owner,
            from: change.from,
            to: change.to,
            at: change.at,
            paid_at: (change.to == Status::Executed).then_some(change.at),
            receipt_due: None,
        };
        if !work.set_request_status(&write).await? {
            return Ok(false);
        }
        if let Some(payments_to) = change.open_payments_to {
            // Open payments take the request's new status; becoming E, they are
            // paid when the request is (unless a provider already reported a time).
            let paid_at = (payments_to == Status::Executed).then_some(change.at);
            work.set_open_payments_status(change.id, payments_to, paid_at)
                .await?;
        }
        // The outbox row commits with the change it announces, or not at all.
        for notification in &change.notifications {
            work.append_notification(notification).await?;
        }
        if let Some(key) = key {
            work.insert_idempotency_key(key, "").await?;
        }
        audited_commit(work, &change.audit).await?;
        Ok(true)
    }

    async fn insert_document(
        &self,
        document: &NewDocument,
        audit: &AuditEvent,
    ) -> Result<DocumentStored, StoreError> {
        self.insert_document_keyed(document, audit, None).await
    }

    async fn insert_document_keyed(
        &self,
        document: &NewDocument,
        audit: &AuditEvent,
        key: Option<&NewIdempotencyKey>,
    ) -> Result<DocumentStored, StoreError> {
        let content = &document.content;
        let request = content.request_id;
        // The request's lock orders two issuers of one request; the latest
        // version is read after it, so it sees what an earlier issuer committed.
        let mut work = self.begin().await?;
        let Some(locked) = work
            .request_for_update(request)
            .await?
            .filter(|locked| locked.owner == document.owner)
        else {
            return Ok(DocumentStored::NoSuchRequest);
        };
        if content.kind == DocumentKind::Receipt && !locked.receipt_due {
            return Ok(DocumentStored::ReceiptNotDue);
        }
        let latest = work.latest_document_version(request).await?;
        if Some(content.version) != latest.checked_add(1) {
            return Ok(DocumentStored::VersionTaken);
        }
        let id = work.insert_document(document).await?;
        if content.kind == DocumentKind::Receipt {
            work.clear_receipt_due(request).await?;
        }
        if let Some(key) = key {
            work.insert_idempotency_key(key, &id.to_string()).await?;
        }
        audited_commit(work, audit).await?;
        Ok(DocumentStored::Stored(id))
    }

    async fn park_receipt(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        reason: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let mut work = self.begin().await?;
        if !work.park_receipt(owner, id, reason, audit.at).await? {
            return Ok(false);
        }
        audited_commit(work, audit).await?;
        Ok(true)
    }

    async fn finish_delivery(
        &self,
        id: uuid::Uuid,
        worker: &str,
        attempt: &DeliveryAttempt,
        result: DeliveryResult,
    ) -> Result<bool, StoreError> {
        let (state, next_attempt_at, delivered_at): (_, _, Option<OffsetDateTime>) = match result {
            DeliveryResult::Delivered => (NotificationState::Delivered, None, Some(attempt.at)),
            DeliveryResult::RetryAt(next) => (NotificationState::Pending, Some(next), None),
            DeliveryResult::Dead => (NotificationState::Dead, None, None),
        };
        let mut work = self.begin().await?;
        // Only the lease holder may finish: a worker whose lease ran out and was
        // taken over must not overwrite what the new holder does.
        let finish = DeliveryFinish {
            id,
            worker,
            state,
            next_attempt_at,
            delivered_at,
        };
        if !work.finish_notification(&finish).await? {
            return Ok(false);
        }
        work.append_delivery_attempt(id, attempt).await?;
        work.commit().await?;
        Ok(true)
    }

    async fn record_event(&self, audit: &AuditEvent) -> Result<(), StoreError> {
        audited_commit(self.begin().await?, audit).await
    }

    async fn save_catalog(
        &self,
        catalog: &Catalog,
        source: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<i64, StoreError> {
        let mut work = self.begin().await?;
        let version = work.insert_catalog(catalog, source, at).await?;
        audited_commit(work, audit).await?;
        Ok(version)
    }

    async fn register_client_certificate(
        &self,
        certificate: &ClientCertificate,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut work = self.begin().await?;
        work.upsert_certificate(certificate).await?;
        audited_commit(work, audit).await
    }

    async fn revoke_client_certificate(
        &self,
        thumbprint: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let mut work = self.begin().await?;
        let Some(certificate) = work.certificate_for_update(thumbprint).await? else {
            return Ok(false);
        };
        if certificate.revoked_at.is_none() {
            let revoked = ClientCertificate {
                revoked_at: Some(at),
                ..certificate
            };
            work.upsert_certificate(&revoked).await?;
        }
        audited_commit(work, audit).await?;
        Ok(true)
    }

    async fn add_notification_secret(
        &self,
        client: &ClientId,
        secret: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut work = self.begin().await?;
        work.insert_notification_secret(client, secret, at).await?;
        audited_commit(work, audit).await
    }

    async fn retire_notification_secrets(
        &self,
        client: &ClientId,
        before: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError> {
        let mut work = self.begin().await?;
        let retired = work
            .retire_notification_secrets(client, before, audit.at)
            .await?;
        audited_commit(work, audit).await?;
        Ok(retired)
    }
}
