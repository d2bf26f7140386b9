//! The model's unit of work: the writer held from `begin` to the end, a copy
//! of the tables to change, and what it appends to the logs. `commit` puts
//! them in place; dropping it throws them away.

use super::{
    AttemptRow, NotificationRow, SecretRow, Shared, Tables, insert_key, insert_request, refuse,
    stored, stored_event, stored_opt,
};
use async_trait::async_trait;
use maksa_app::store::{
    AttemptUpdate, AuditEvent, CardDayClose, CardReversal, CardReversalProposal, ClientCertificate,
    DeliveryAttempt, DeliveryFinish, IvisSubmission, LockedRequest, NewDocument, NewIdempotencyKey,
    NewNotification, Notification, NotificationState, OperatorRecord, OperatorSessionRecord,
    PayerErasure, PayerMessage, PaymentPaid, RequestStatusWrite, StoreError, UnitOfWork,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;

pub struct MemoryWork {
    shared: Arc<Shared>,
    _writer: OwnedMutexGuard<()>,
    tables: Tables,
    audit: Vec<AuditEvent>,
    deliveries: Vec<(Uuid, DeliveryAttempt)>,
}

impl MemoryWork {
    pub(crate) async fn begin(shared: Arc<Shared>) -> MemoryWork {
        let writer = Arc::clone(&shared.writer).lock_owned().await;
        let tables = shared.committed().tables.clone();
        MemoryWork {
            shared,
            _writer: writer,
            tables,
            audit: Vec::new(),
            deliveries: Vec::new(),
        }
    }

    fn refuse(&self, operation: &'static str) -> StoreError {
        refuse(&self.shared, operation)
    }
}

/// Makes dead notifications pending again, due at `now` (the given ones, or all).
pub(crate) fn resend(tables: &mut Tables, ids: Option<&[Uuid]>, now: OffsetDateTime) -> u64 {
    let now = stored(now);
    let mut resent = 0_u64;
    for row in tables.notifications.values_mut() {
        let chosen = ids.is_none_or(|ids| ids.contains(&row.notification.id));
        if chosen && row.notification.state == NotificationState::Dead {
            row.notification.state = NotificationState::Pending;
            row.notification.next_attempt_at = now;
            row.lease_owner = None;
            row.lease_until = None;
            resent += 1;
        }
    }
    resent
}

fn foreign_key() -> StoreError {
    // What SQLite answers (and the adapter maps) for a row whose parent is missing.
    StoreError::Unavailable("FOREIGN KEY constraint failed".into())
}

#[async_trait]
impl UnitOfWork for MemoryWork {
    async fn request_for_update(
        &mut self,
        id: PaymentRequestId,
    ) -> Result<Option<LockedRequest>, StoreError> {
        Ok(self.tables.requests.get(&id).map(|row| LockedRequest {
            owner: row.request.owner.clone(),
            status: row.request.status,
            receipt_due: row.receipt_due,
        }))
    }

    async fn payment_statuses(
        &mut self,
        request: PaymentRequestId,
    ) -> Result<Vec<(u16, Status)>, StoreError> {
        Ok(self
            .tables
            .requests
            .get(&request)
            .map(|row| {
                row.request
                    .payments
                    .iter()
                    .map(|p| (p.sequence, p.status))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn attempt_for_update(&mut self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        Ok(self.tables.attempts.get(&id).map(|row| row.attempt.clone()))
    }

    async fn open_attempt(
        &mut self,
        request: PaymentRequestId,
        sequence: u16,
    ) -> Result<Option<Attempt>, StoreError> {
        Ok(self
            .tables
            .attempts
            .values()
            .map(|row| &row.attempt)
            .find(|a| a.request_id == request && a.sequence == sequence && a.state.is_open())
            .cloned())
    }

    async fn latest_document_version(
        &mut self,
        _request: PaymentRequestId,
    ) -> Result<u32, StoreError> {
        Err(self.refuse("UnitOfWork::latest_document_version"))
    }

    async fn certificate_for_update(
        &mut self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError> {
        Ok(self.tables.certificates.get(thumbprint).cloned())
    }

    async fn insert_catalog(
        &mut self,
        catalog: &Catalog,
        _source: &str,
        _at: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        self.tables.catalogs.push(catalog.clone());
        Ok(i64::try_from(self.tables.catalogs.len()).unwrap_or(i64::MAX))
    }

    async fn upsert_certificate(
        &mut self,
        certificate: &ClientCertificate,
    ) -> Result<(), StoreError> {
        let stored_certificate = ClientCertificate {
            not_before: stored(certificate.not_before),
            not_after: stored(certificate.not_after),
            revoked_at: stored_opt(certificate.revoked_at),
            registered_at: stored(certificate.registered_at),
            ..certificate.clone()
        };
        self.tables
            .certificates
            .insert(certificate.thumbprint.clone(), stored_certificate);
        Ok(())
    }

    async fn insert_notification_secret(
        &mut self,
        client: &ClientId,
        secret: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.tables.secrets.push(SecretRow {
            client: client.clone(),
            secret: secret.to_owned(),
            created_at: stored(at),
            retired_at: None,
        });
        Ok(())
    }

    async fn retire_notification_secrets(
        &mut self,
        client: &ClientId,
        before: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let (before, at) = (stored(before), stored(at));
        let mut retired = 0_u64;
        for row in &mut self.tables.secrets {
            if &row.client == client && row.created_at < before && row.retired_at.is_none() {
                row.retired_at = Some(at);
                retired += 1;
            }
        }
        Ok(retired)
    }

    async fn resend_notifications(
        &mut self,
        ids: Option<&[Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        Ok(resend(&mut self.tables, ids, now))
    }

    async fn resend_payer_messages(
        &mut self,
        _requests: Option<&[PaymentRequestId]>,
        _now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        Err(self.refuse("UnitOfWork::resend_payer_messages"))
    }

    async fn set_request_status(
        &mut self,
        write: &RequestStatusWrite<'_>,
    ) -> Result<bool, StoreError> {
        let Some(row) = self.tables.requests.get_mut(&write.id) else {
            return Ok(false);
        };
        if &row.request.owner != write.owner || row.request.status != write.from {
            return Ok(false);
        }
        row.request.status = write.to;
        row.request.status_changed_at = stored(write.at);
        if let Some(paid_at) = write.paid_at {
            row.paid_at = Some(stored(paid_at));
        }
        if let Some(due) = write.receipt_due {
            row.receipt_due = due;
        }
        Ok(true)
    }

    async fn set_open_payments_status(
        &mut self,
        request: PaymentRequestId,
        to: Status,
        paid_at: Option<OffsetDateTime>,
    ) -> Result<u64, StoreError> {
        let Some(row) = self.tables.requests.get_mut(&request) else {
            return Ok(0);
        };
        let mut changed = 0_u64;
        for payment in &mut row.request.payments {
            if payment.status == Status::InProcess {
                payment.status = to;
                payment.paid_at = payment.paid_at.or(stored_opt(paid_at));
                changed += 1;
            }
        }
        Ok(changed)
    }

    async fn set_payment_paid(&mut self, paid: &PaymentPaid<'_>) -> Result<bool, StoreError> {
        let payment = self.tables.requests.get_mut(&paid.request).and_then(|row| {
            row.request
                .payments
                .iter_mut()
                .find(|p| p.sequence == paid.sequence)
        });
        match payment {
            Some(payment) if payment.status == Status::InProcess => {
                payment.status = Status::Executed;
                payment.provider = Some(paid.provider.clone());
                payment.paid_at = Some(stored(paid.paid_at));
                payment.external_id = paid.external_id.map(str::to_owned);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn insert_attempt(
        &mut self,
        attempt: &Attempt,
        first_query_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let has_payment = self
            .tables
            .requests
            .get(&attempt.request_id)
            .is_some_and(|row| {
                row.request
                    .payments
                    .iter()
                    .any(|p| p.sequence == attempt.sequence)
            });
        if !has_payment {
            return Err(foreign_key());
        }
        if self.tables.attempts.contains_key(&attempt.id) {
            return Err(StoreError::Conflict(
                "UNIQUE constraint failed: attempts.id".into(),
            ));
        }
        let open_exists = self.tables.attempts.values().any(|row| {
            row.attempt.request_id == attempt.request_id
                && row.attempt.sequence == attempt.sequence
                && row.attempt.state.is_open()
        });
        if attempt.state.is_open() && open_exists {
            return Err(StoreError::Conflict(
                "UNIQUE constraint failed: attempts.request_id, attempts.sequence".into(),
            ));
        }
        let mut stored_attempt = attempt.clone();
        stored_attempt.created_at = stored(attempt.created_at);
        stored_attempt.updated_at = stored(attempt.updated_at);
        self.tables.attempts.insert(
            attempt.id,
            AttemptRow {
                attempt: stored_attempt,
                next_query_at: Some(stored(first_query_at)),
                queries_made: 0,
                unresolved: false,
            },
        );
        Ok(())
    }

    async fn update_attempt(
        &mut self,
        update: &AttemptUpdate<'_>,
    ) -> Result<Option<Attempt>, StoreError> {
        let Some(row) = self.tables.attempts.get(&update.id) else {
            return Ok(None);
        };
        let reopens = update.state.is_open() && !row.attempt.state.is_open();
        if reopens {
            let (request, sequence) = (row.attempt.request_id, row.attempt.sequence);
            let other_open = self.tables.attempts.values().any(|other| {
                other.attempt.id != update.id
                    && other.attempt.request_id == request
                    && other.attempt.sequence == sequence
                    && other.attempt.state.is_open()
            });
            if other_open {
                return Err(StoreError::Conflict(
                    "UNIQUE constraint failed: attempts.request_id, attempts.sequence".into(),
                ));
            }
        }
        let Some(row) = self.tables.attempts.get_mut(&update.id) else {
            return Ok(None);
        };
        let attempt = &mut row.attempt;
        attempt.state = update.state;
        if let Some(external_id) = update.external_id {
            attempt.external_id = Some(external_id.to_owned());
        }
        attempt.refund_required = update.refund_required;
        attempt.updated_at = stored(update.updated_at);
        Ok(Some(attempt.clone()))
    }

    async fn insert_document(&mut self, _document: &NewDocument) -> Result<i64, StoreError> {
        Err(self.refuse("UnitOfWork::insert_document"))
    }

    async fn clear_receipt_due(&mut self, request: PaymentRequestId) -> Result<(), StoreError> {
        if let Some(row) = self.tables.requests.get_mut(&request) {
            row.receipt_due = false;
            row.receipt_parked = false;
        }
        Ok(())
    }

    async fn park_receipt(
        &mut self,
        owner: &ClientId,
        request: PaymentRequestId,
        _reason: &str,
        _at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        match self.tables.requests.get_mut(&request) {
            Some(row) if &row.request.owner == owner && row.receipt_due && !row.receipt_parked => {
                row.receipt_parked = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn finish_notification(
        &mut self,
        finish: &DeliveryFinish<'_>,
    ) -> Result<bool, StoreError> {
        match self.tables.notifications.get_mut(&finish.id) {
            Some(row)
                if row.lease_owner.as_deref() == Some(finish.worker)
                    && row.notification.state == NotificationState::Pending =>
            {
                let notification = &mut row.notification;
                notification.attempts = notification.attempts.saturating_add(1);
                notification.state = finish.state;
                if let Some(next) = finish.next_attempt_at {
                    notification.next_attempt_at = stored(next);
                }
                if let Some(delivered) = finish.delivered_at {
                    notification.delivered_at = Some(stored(delivered));
                }
                row.lease_owner = None;
                row.lease_until = None;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn append_delivery_attempt(
        &mut self,
        notification: Uuid,
        attempt: &DeliveryAttempt,
    ) -> Result<(), StoreError> {
        if !self.tables.notifications.contains_key(&notification) {
            return Err(foreign_key());
        }
        self.deliveries.push((
            notification,
            DeliveryAttempt {
                at: stored(attempt.at),
                ..attempt.clone()
            },
        ));
        Ok(())
    }

    async fn append_audit(&mut self, audit: &AuditEvent) -> Result<(), StoreError> {
        self.audit.push(stored_event(audit));
        Ok(())
    }

    async fn append_notification(
        &mut self,
        notification: &NewNotification,
    ) -> Result<(), StoreError> {
        if !self.tables.requests.contains_key(&notification.request_id) {
            return Err(foreign_key());
        }
        if self.tables.notifications.contains_key(&notification.id) {
            return Err(StoreError::Conflict(
                "UNIQUE constraint failed: notifications.id".into(),
            ));
        }
        let created_at = stored(notification.created_at);
        self.tables.notifications.insert(
            notification.id,
            NotificationRow {
                notification: Notification {
                    id: notification.id,
                    kind: notification.kind,
                    request_id: notification.request_id,
                    client: notification.client.clone(),
                    url: notification.url.clone(),
                    status: notification.status,
                    state: NotificationState::Pending,
                    attempts: 0,
                    next_attempt_at: created_at,
                    created_at,
                    delivered_at: None,
                },
                lease_owner: None,
                lease_until: None,
            },
        );
        Ok(())
    }

    async fn insert_requests(
        &mut self,
        requests: &[(PaymentRequest, AuditEvent)],
    ) -> Result<(), StoreError> {
        // All or nothing: a conflict fails the unit of work, as the statement would.
        let before = (self.tables.clone(), self.audit.len());
        for (request, audit) in requests {
            if let Err(error) =
                insert_request(&mut self.tables, &mut self.audit, request, audit, None)
            {
                self.tables = before.0;
                self.audit.truncate(before.1);
                return Err(error);
            }
        }
        Ok(())
    }

    async fn insert_ivis_submission(
        &mut self,
        _submission: &IvisSubmission,
    ) -> Result<(), StoreError> {
        Err(self.refuse("UnitOfWork::insert_ivis_submission"))
    }

    async fn insert_payer_message(&mut self, _message: &PayerMessage) -> Result<bool, StoreError> {
        Err(self.refuse("UnitOfWork::insert_payer_message"))
    }

    async fn insert_card_reversal(&mut self, _reversal: &CardReversal) -> Result<bool, StoreError> {
        Err(self.refuse("UnitOfWork::insert_card_reversal"))
    }

    async fn insert_card_day_close(&mut self, _close: &CardDayClose) -> Result<(), StoreError> {
        Err(self.refuse("UnitOfWork::insert_card_day_close"))
    }

    async fn insert_idempotency_key(
        &mut self,
        key: &NewIdempotencyKey,
        result: &str,
    ) -> Result<(), StoreError> {
        insert_key(&mut self.tables, key, result)
    }

    async fn erase_payer_data(&mut self, _erasure: &PayerErasure) -> Result<bool, StoreError> {
        Err(self.refuse("UnitOfWork::erase_payer_data"))
    }

    async fn lock_enabled_administrators(&mut self) -> Result<u64, StoreError> {
        Err(self.refuse("UnitOfWork::lock_enabled_administrators"))
    }

    async fn operator_for_update(
        &mut self,
        _name: &str,
    ) -> Result<Option<OperatorRecord>, StoreError> {
        Err(self.refuse("UnitOfWork::operator_for_update"))
    }

    async fn insert_operator(&mut self, _account: &OperatorRecord) -> Result<bool, StoreError> {
        Err(self.refuse("UnitOfWork::insert_operator"))
    }

    async fn update_operator(&mut self, _account: &OperatorRecord) -> Result<(), StoreError> {
        Err(self.refuse("UnitOfWork::update_operator"))
    }

    async fn insert_operator_session(
        &mut self,
        _session: &OperatorSessionRecord,
    ) -> Result<(), StoreError> {
        Err(self.refuse("UnitOfWork::insert_operator_session"))
    }

    async fn end_operator_sessions(
        &mut self,
        _operator: &str,
        _only: Option<&str>,
    ) -> Result<u64, StoreError> {
        Err(self.refuse("UnitOfWork::end_operator_sessions"))
    }

    async fn insert_card_reversal_proposal(
        &mut self,
        _proposal: &CardReversalProposal,
    ) -> Result<bool, StoreError> {
        Err(self.refuse("UnitOfWork::insert_card_reversal_proposal"))
    }

    async fn delete_card_reversal_proposal(
        &mut self,
        _attempt: AttemptId,
    ) -> Result<bool, StoreError> {
        Err(self.refuse("UnitOfWork::delete_card_reversal_proposal"))
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let MemoryWork {
            shared,
            _writer,
            tables,
            audit,
            deliveries,
        } = *self;
        let mut committed = shared.committed();
        committed.tables = tables;
        committed.audit.extend(audit);
        committed.deliveries.extend(deliveries);
        Ok(())
    }
}
