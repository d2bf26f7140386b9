//! Justification documents in PostgreSQL: the `documents` table and the
//! requests' `receipt_due` flag (migration 0004).

use crate::convert::{client_id, store_error, stored_time};
use crate::rows::{NewAudit, to_json};
use crate::{PostgresStore, insert_audit};
use maksa_app::store::{
    AuditEvent, DocumentFileKind, DocumentState, DocumentStored, NewDocument, StoreError,
    StoredDocumentFile,
};
use maksa_domain::document::DocumentKind;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use uuid::Uuid;

const STATE: &str = "SELECT r.receipt_due, COALESCE((SELECT MAX(d.version) FROM documents d WHERE d.request_id = r.id), 0) \
     FROM payment_requests r WHERE r.id = $1 AND r.owner = $2";

impl PostgresStore {
    pub(crate) async fn documents_state(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<DocumentState>, StoreError> {
        let row: Option<(bool, i32)> = sqlx::query_as(STATE)
            .bind(id.as_uuid())
            .bind(owner.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|(receipt_due, version)| {
            Ok(DocumentState {
                latest_version: stored_version(version)?,
                receipt_due,
            })
        })
        .transpose()
    }

    pub(crate) async fn documents_insert(
        &self,
        document: &NewDocument,
        audit: &AuditEvent,
    ) -> Result<DocumentStored, StoreError> {
        let content = &document.content;
        let request = content.request_id.as_uuid();
        let json = to_json(content, "document")?;
        let audit = NewAudit::new(audit)?;
        let version = i32::try_from(content.version)
            .map_err(|_| StoreError::Conflict(format!("document version {}", content.version)))?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // The request row's lock orders two issuers of one request. The latest
        // version is read by a second statement, after the lock is held, so it
        // sees what an issuer that held the lock before us committed.
        let due: Option<bool> = sqlx::query_scalar(
            "SELECT receipt_due FROM payment_requests WHERE id = $1 AND owner = $2 FOR UPDATE",
        )
        .bind(request)
        .bind(document.owner.as_str())
        .fetch_optional(&mut *transaction)
        .await
        .map_err(store_error)?;
        let state = match due {
            None => None,
            Some(due) => {
                let latest: i32 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version), 0) FROM documents WHERE request_id = $1",
                )
                .bind(request)
                .fetch_one(&mut *transaction)
                .await
                .map_err(store_error)?;
                Some((due, latest))
            }
        };
        let verdict = match state {
            None => Some(DocumentStored::NoSuchRequest),
            Some((false, _)) if content.kind == DocumentKind::Receipt => {
                Some(DocumentStored::ReceiptNotDue)
            }
            Some((_, latest)) if Some(version) != latest.checked_add(1) => {
                Some(DocumentStored::VersionTaken)
            }
            Some(_) => None,
        };
        if let Some(verdict) = verdict {
            transaction.rollback().await.map_err(store_error)?;
            return Ok(verdict);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (request_id, owner, version, kind, number, issued_at, content, pdf_lv, pdf_en, xml) \
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) RETURNING id",
        )
        .bind(request)
        .bind(document.owner.as_str())
        .bind(version)
        .bind(content.kind.as_str())
        .bind(&content.number)
        .bind(stored_time(content.issued_at))
        .bind(json)
        .bind(&document.pdf_lv)
        .bind(&document.pdf_en)
        .bind(&document.xml)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        if content.kind == DocumentKind::Receipt {
            sqlx::query(
                "UPDATE payment_requests SET receipt_due = false, receipt_parked_at = NULL, receipt_parked_reason = NULL WHERE id = $1",
            )
                .bind(request)
                .execute(&mut *transaction)
                .await
                .map_err(store_error)?;
        }
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(DocumentStored::Stored(id))
    }

    pub(crate) async fn documents_latest(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        file: DocumentFileKind,
    ) -> Result<Option<StoredDocumentFile>, StoreError> {
        // One statement per file kind: the column name is never text we build.
        let query = match file {
            DocumentFileKind::PdfLatvian => concat!(
                "SELECT id, number, version, kind, pdf_lv FROM documents ",
                "WHERE request_id = $1 AND owner = $2 ORDER BY version DESC LIMIT 1"
            ),
            DocumentFileKind::PdfEnglish => concat!(
                "SELECT id, number, version, kind, pdf_en FROM documents ",
                "WHERE request_id = $1 AND owner = $2 ORDER BY version DESC LIMIT 1"
            ),
            DocumentFileKind::Xml => concat!(
                "SELECT id, number, version, kind, xml FROM documents ",
                "WHERE request_id = $1 AND owner = $2 ORDER BY version DESC LIMIT 1"
            ),
        };
        let row: Option<(i64, String, i32, String, Vec<u8>)> = sqlx::query_as(query)
            .bind(id.as_uuid())
            .bind(owner.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|(id, number, version, kind, bytes)| {
            Ok(StoredDocumentFile {
                id,
                number,
                version: stored_version(version)?,
                kind: DocumentKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("document kind `{kind}`")))?,
                bytes,
            })
        })
        .transpose()
    }

    pub(crate) async fn documents_receipts_due(
        &self,
        limit: u32,
    ) -> Result<Vec<(ClientId, PaymentRequestId)>, StoreError> {
        let rows: Vec<(String, Uuid)> = sqlx::query_as(
            "SELECT owner, id FROM payment_requests WHERE receipt_due AND receipt_parked_at IS NULL \
             ORDER BY paid_at, id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|(owner, id)| Ok((client_id(&owner)?, PaymentRequestId::from_uuid(id))))
            .collect()
    }
}

impl PostgresStore {
    pub(crate) async fn documents_park_receipt(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        reason: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let parked_at = stored_time(audit.at);
        let audit = NewAudit::new(audit)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let parked = sqlx::query(
            "UPDATE payment_requests SET receipt_parked_at = $1, receipt_parked_reason = $2 \
             WHERE id = $3 AND owner = $4 AND receipt_due AND receipt_parked_at IS NULL",
        )
        .bind(parked_at)
        .bind(reason)
        .bind(id.as_uuid())
        .bind(owner.as_str())
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?
        .rows_affected()
            == 1;
        if !parked {
            transaction.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        insert_audit(&mut transaction, &audit)
            .await
            .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(true)
    }
}

fn stored_version(version: i32) -> Result<u32, StoreError> {
    u32::try_from(version).map_err(|_| StoreError::Corrupt(format!("document version {version}")))
}
