//! The unit of work on SQLite: one `BEGIN IMMEDIATE` transaction on the one
//! writer connection. It holds SQLite's write lock from its first statement,
//! so every row it reads stays as read until it ends — the `…_for_update`
//! reads need no lock of their own. Dropped without `commit`, sqlx rolls it
//! back before the connection serves anyone else.

use crate::convert::{
    attempt_id_text, micros, optional_micros, request_id_text, status, status_letter, store_error,
    to_json,
};
use crate::rows::{self, NewAttempt, NewAudit};
use crate::{insert_audit, lifecycle};
use async_trait::async_trait;
use maksa_app::store::{
    AttemptUpdate, AuditEvent, ClientCertificate, DeliveryAttempt, DeliveryFinish, LockedRequest,
    NewDocument, NewNotification, PaymentPaid, RequestStatusWrite, StoreError, UnitOfWork,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::status::Status;
use sqlx::{Sqlite, Transaction};
use time::OffsetDateTime;

pub(crate) struct SqliteWork {
    pub(crate) transaction: Transaction<'static, Sqlite>,
}

fn sequence(value: i64) -> Result<u16, StoreError> {
    u16::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("payment sequence {value} is out of range")))
}

#[async_trait]
impl UnitOfWork for SqliteWork {
    async fn request_for_update(
        &mut self,
        id: PaymentRequestId,
    ) -> Result<Option<LockedRequest>, StoreError> {
        let row: Option<(String, String, i64)> =
            sqlx::query_as("SELECT owner, status, receipt_due FROM payment_requests WHERE id = ?1")
                .bind(request_id_text(id))
                .fetch_optional(&mut *self.transaction)
                .await
                .map_err(store_error)?;
        row.map(|(owner, letter, receipt_due)| {
            Ok(LockedRequest {
                owner: crate::convert::client_id(&owner)?,
                status: status(&letter)?,
                receipt_due: receipt_due != 0,
            })
        })
        .transpose()
    }

    async fn payment_statuses(
        &mut self,
        request: PaymentRequestId,
    ) -> Result<Vec<(u16, Status)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT sequence, status FROM payments WHERE request_id = ?1 ORDER BY sequence",
        )
        .bind(request_id_text(request))
        .fetch_all(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|(number, letter)| Ok((sequence(number)?, status(&letter)?)))
            .collect()
    }

    async fn attempt_for_update(&mut self, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::ATTEMPT_BY_ID)
            .bind(attempt_id_text(id))
            .fetch_optional(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::attempt).transpose()
    }

    async fn open_attempt(
        &mut self,
        request: PaymentRequestId,
        sequence: u16,
    ) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::OPEN_ATTEMPT_OF_PAYMENT)
            .bind(request_id_text(request))
            .bind(i64::from(sequence))
            .fetch_optional(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::attempt).transpose()
    }

    async fn latest_document_version(
        &mut self,
        request: PaymentRequestId,
    ) -> Result<u32, StoreError> {
        let latest: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM documents WHERE request_id = ?1",
        )
        .bind(request_id_text(request))
        .fetch_one(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        crate::documents::stored_version(latest)
    }

    async fn certificate_for_update(
        &mut self,
        thumbprint: &str,
    ) -> Result<Option<ClientCertificate>, StoreError> {
        let row = sqlx::query(rows::CERTIFICATE_BY_THUMBPRINT)
            .bind(thumbprint)
            .fetch_optional(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::certificate).transpose()
    }

    async fn insert_catalog(
        &mut self,
        catalog: &Catalog,
        source: &str,
        at: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO catalog_versions (imported_at, source, catalog) VALUES (?1, ?2, ?3) RETURNING version",
        )
        .bind(micros(at)?)
        .bind(source)
        .bind(to_json(catalog, "catalogue")?)
        .fetch_one(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn upsert_certificate(
        &mut self,
        certificate: &ClientCertificate,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO client_certificates (thumbprint, client_id, subject, not_before, not_after, revoked_at, \
             roles, services, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (thumbprint) DO UPDATE SET client_id = excluded.client_id, subject = excluded.subject, \
             not_before = excluded.not_before, not_after = excluded.not_after, revoked_at = excluded.revoked_at, \
             roles = excluded.roles, services = excluded.services, registered_at = excluded.registered_at",
        )
        .bind(&certificate.thumbprint)
        .bind(certificate.client.as_str())
        .bind(&certificate.subject)
        .bind(micros(certificate.not_before)?)
        .bind(micros(certificate.not_after)?)
        .bind(optional_micros(certificate.revoked_at)?)
        .bind(to_json(&certificate.roles, "roles")?)
        .bind(to_json(&certificate.services, "services")?)
        .bind(micros(certificate.registered_at)?)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn insert_notification_secret(
        &mut self,
        client: &ClientId,
        secret: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO notification_secrets (client, secret, created_at) VALUES (?1, ?2, ?3)",
        )
        .bind(client.as_str())
        .bind(secret)
        .bind(micros(at)?)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn retire_notification_secrets(
        &mut self,
        client: &ClientId,
        before: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE notification_secrets SET retired_at = ?1 \
             WHERE client = ?2 AND created_at < ?3 AND retired_at IS NULL",
        )
        .bind(micros(at)?)
        .bind(client.as_str())
        .bind(micros(before)?)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?
        .rows_affected())
    }

    async fn resend_notifications(
        &mut self,
        ids: Option<&[uuid::Uuid]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        lifecycle::resend_notifications(&mut self.transaction, ids, now).await
    }

    async fn resend_payer_messages(
        &mut self,
        requests: Option<&[PaymentRequestId]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        crate::kdv::resend_payer_messages(&mut self.transaction, requests, now).await
    }

    async fn set_request_status(
        &mut self,
        write: &RequestStatusWrite<'_>,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE payment_requests SET status = ?1, status_changed_at = ?2, \
             paid_at = COALESCE(?3, paid_at), receipt_due = COALESCE(?4, receipt_due) \
             WHERE id = ?5 AND owner = ?6 AND status = ?7",
        )
        .bind(status_letter(write.to))
        .bind(micros(write.at)?)
        .bind(optional_micros(write.paid_at)?)
        .bind(write.receipt_due)
        .bind(request_id_text(write.id))
        .bind(write.owner.as_str())
        .bind(status_letter(write.from))
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn set_open_payments_status(
        &mut self,
        request: PaymentRequestId,
        to: Status,
        paid_at: Option<OffsetDateTime>,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE payments SET status = ?1, paid_at = COALESCE(paid_at, ?2) \
             WHERE request_id = ?3 AND status = 'P'",
        )
        .bind(status_letter(to))
        .bind(optional_micros(paid_at)?)
        .bind(request_id_text(request))
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?
        .rows_affected())
    }

    async fn set_payment_paid(&mut self, paid: &PaymentPaid<'_>) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE payments SET status = 'E', provider = ?1, paid_at = ?2, external_id = ?3 \
             WHERE request_id = ?4 AND sequence = ?5 AND status = 'P'",
        )
        .bind(paid.provider.as_str())
        .bind(micros(paid.paid_at)?)
        .bind(paid.external_id)
        .bind(request_id_text(paid.request))
        .bind(i64::from(paid.sequence))
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn insert_attempt(
        &mut self,
        attempt: &Attempt,
        first_query_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let new = NewAttempt::new(attempt)?;
        sqlx::query(rows::INSERT_ATTEMPT)
            .bind(&new.id)
            .bind(&new.request_id)
            .bind(new.sequence)
            .bind(&new.provider)
            .bind(new.amount_minor)
            .bind(&new.currency)
            .bind(new.state)
            .bind(&new.external_id)
            .bind(new.refund_required)
            .bind(new.created_at)
            .bind(new.updated_at)
            .bind(micros(first_query_at)?)
            .execute(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn update_attempt(
        &mut self,
        update: &AttemptUpdate<'_>,
    ) -> Result<Option<Attempt>, StoreError> {
        let row = sqlx::query(rows::UPDATE_ATTEMPT)
            .bind(update.state.as_str())
            .bind(update.external_id)
            .bind(update.refund_required)
            .bind(micros(update.updated_at)?)
            .bind(attempt_id_text(update.id))
            .fetch_optional(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        row.as_ref().map(rows::attempt).transpose()
    }

    async fn insert_document(&mut self, document: &NewDocument) -> Result<i64, StoreError> {
        let content = &document.content;
        sqlx::query_scalar(
            "INSERT INTO documents (request_id, owner, version, kind, number, issued_at, content, pdf_lv, pdf_en, xml) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
        )
        .bind(request_id_text(content.request_id))
        .bind(document.owner.as_str())
        .bind(i64::from(content.version))
        .bind(content.kind.as_str())
        .bind(&content.number)
        .bind(micros(content.issued_at)?)
        .bind(to_json(content, "document")?)
        .bind(&document.pdf_lv)
        .bind(&document.pdf_en)
        .bind(&document.xml)
        .fetch_one(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn clear_receipt_due(&mut self, request: PaymentRequestId) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payment_requests SET receipt_due = 0, receipt_parked_at = NULL, receipt_parked_reason = NULL \
             WHERE id = ?1",
        )
        .bind(request_id_text(request))
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn park_receipt(
        &mut self,
        owner: &ClientId,
        request: PaymentRequestId,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let parked = sqlx::query(
            "UPDATE payment_requests SET receipt_parked_at = ?1, receipt_parked_reason = ?2 \
             WHERE id = ?3 AND owner = ?4 AND receipt_due = 1 AND receipt_parked_at IS NULL",
        )
        .bind(micros(at)?)
        .bind(reason)
        .bind(request_id_text(request))
        .bind(owner.as_str())
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(parked == 1)
    }

    async fn finish_notification(
        &mut self,
        finish: &DeliveryFinish<'_>,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE notifications SET attempts = attempts + 1, state = ?1, \
             next_attempt_at = COALESCE(?2, next_attempt_at), delivered_at = COALESCE(?3, delivered_at), \
             lease_owner = NULL, lease_until = NULL \
             WHERE id = ?4 AND lease_owner = ?5 AND state = 'pending'",
        )
        .bind(finish.state.as_str())
        .bind(optional_micros(finish.next_attempt_at)?)
        .bind(optional_micros(finish.delivered_at)?)
        .bind(finish.id.hyphenated().to_string())
        .bind(finish.worker)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn append_delivery_attempt(
        &mut self,
        notification: uuid::Uuid,
        attempt: &DeliveryAttempt,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO notification_attempts (notification_id, at, http_status, latency_ms, error) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(notification.hyphenated().to_string())
        .bind(micros(attempt.at)?)
        .bind(attempt.http_status.map(i64::from))
        .bind(i64::from(attempt.latency_ms))
        .bind(&attempt.error)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn append_audit(&mut self, audit: &AuditEvent) -> Result<(), StoreError> {
        insert_audit(&mut self.transaction, &NewAudit::new(audit)?)
            .await
            .map_err(store_error)
    }

    async fn append_notification(
        &mut self,
        notification: &NewNotification,
    ) -> Result<(), StoreError> {
        lifecycle::insert_notification(&mut self.transaction, notification).await
    }

    async fn insert_requests(
        &mut self,
        requests: &[(maksa_domain::request::PaymentRequest, AuditEvent)],
    ) -> Result<(), StoreError> {
        let encoded = requests
            .iter()
            .map(|(request, audit)| rows::NewRequest::new(request, audit))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&rows::NewRequest> = encoded.iter().collect();
        crate::insert_requests(&mut self.transaction, &refs)
            .await
            .map_err(store_error)
    }

    async fn insert_ivis_submission(
        &mut self,
        submission: &maksa_app::store::IvisSubmission,
    ) -> Result<(), StoreError> {
        crate::kdv::insert_submission(&mut self.transaction, submission).await
    }

    async fn insert_payer_message(
        &mut self,
        message: &maksa_app::store::PayerMessage,
    ) -> Result<bool, StoreError> {
        crate::kdv::insert_payer_message(&mut self.transaction, message).await
    }

    async fn insert_card_reversal(
        &mut self,
        reversal: &maksa_app::store::CardReversal,
    ) -> Result<bool, StoreError> {
        crate::cards::insert_card_reversal(&mut self.transaction, reversal).await
    }

    async fn insert_card_day_close(
        &mut self,
        close: &maksa_app::store::CardDayClose,
    ) -> Result<(), StoreError> {
        crate::cards::insert_card_day_close(&mut self.transaction, close).await
    }

    async fn insert_idempotency_key(
        &mut self,
        key: &maksa_app::store::NewIdempotencyKey,
        result: &str,
    ) -> Result<(), StoreError> {
        crate::idempotency::insert_key(&mut self.transaction, key, result)
            .await
            .map_err(store_error)
    }

    async fn erase_payer_data(
        &mut self,
        erasure: &maksa_app::store::PayerErasure,
    ) -> Result<bool, StoreError> {
        crate::retention::erase_payer_data(&mut self.transaction, erasure).await
    }

    async fn lock_enabled_administrators(&mut self) -> Result<u64, StoreError> {
        crate::operators::lock_enabled_administrators(&mut self.transaction).await
    }

    async fn operator_for_update(
        &mut self,
        name: &str,
    ) -> Result<Option<maksa_app::store::OperatorRecord>, StoreError> {
        crate::operators::operator_for_update(&mut self.transaction, name).await
    }

    async fn insert_operator(
        &mut self,
        account: &maksa_app::store::OperatorRecord,
    ) -> Result<bool, StoreError> {
        crate::operators::insert_operator(&mut self.transaction, account).await
    }

    async fn update_operator(
        &mut self,
        account: &maksa_app::store::OperatorRecord,
    ) -> Result<(), StoreError> {
        crate::operators::update_operator(&mut self.transaction, account).await
    }

    async fn insert_operator_session(
        &mut self,
        session: &maksa_app::store::OperatorSessionRecord,
    ) -> Result<(), StoreError> {
        crate::operators::insert_operator_session(&mut self.transaction, session).await
    }

    async fn end_operator_sessions(
        &mut self,
        operator: &str,
        only: Option<&str>,
    ) -> Result<u64, StoreError> {
        crate::operators::end_operator_sessions(&mut self.transaction, operator, only).await
    }

    async fn insert_card_reversal_proposal(
        &mut self,
        proposal: &maksa_app::store::CardReversalProposal,
    ) -> Result<bool, StoreError> {
        crate::operators::insert_card_reversal_proposal(&mut self.transaction, proposal).await
    }

    async fn delete_card_reversal_proposal(
        &mut self,
        attempt: AttemptId,
    ) -> Result<bool, StoreError> {
        crate::operators::delete_card_reversal_proposal(&mut self.transaction, attempt).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.transaction.commit().await.map_err(store_error)
    }
}
