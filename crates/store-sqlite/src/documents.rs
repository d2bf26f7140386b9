//! Justification documents in SQLite: the `documents` table and the requests'
//! `receipt_due` flag (migration 0004) and parked receipts (0005).

use crate::SqliteStore;
use crate::convert::{client_id, request_id, request_id_text, store_error};
use maksa_app::store::{DocumentFileKind, DocumentState, StoreError, StoredDocumentFile};
use maksa_domain::document::DocumentKind;
use maksa_domain::ids::{ClientId, PaymentRequestId};

/// A request's receipt_due flag and its latest document version (0: none).
const STATE: &str = "SELECT r.receipt_due, COALESCE((SELECT MAX(d.version) FROM documents d WHERE d.request_id = r.id), 0) \
     FROM payment_requests r WHERE r.id = ?1 AND r.owner = ?2";

impl SqliteStore {
    pub(crate) async fn documents_state(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Option<DocumentState>, StoreError> {
        let row: Option<(i64, i64)> = sqlx::query_as(STATE)
            .bind(request_id_text(id))
            .bind(owner.as_str())
            .fetch_optional(&self.readers)
            .await
            .map_err(store_error)?;
        row.map(|(due, version)| {
            Ok(DocumentState {
                latest_version: stored_version(version)?,
                receipt_due: due != 0,
            })
        })
        .transpose()
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
                "WHERE request_id = ?1 AND owner = ?2 ORDER BY version DESC LIMIT 1"
            ),
            DocumentFileKind::PdfEnglish => concat!(
                "SELECT id, number, version, kind, pdf_en FROM documents ",
                "WHERE request_id = ?1 AND owner = ?2 ORDER BY version DESC LIMIT 1"
            ),
            DocumentFileKind::Xml => concat!(
                "SELECT id, number, version, kind, xml FROM documents ",
                "WHERE request_id = ?1 AND owner = ?2 ORDER BY version DESC LIMIT 1"
            ),
        };
        let row: Option<(i64, String, i64, String, Vec<u8>)> = sqlx::query_as(query)
            .bind(request_id_text(id))
            .bind(owner.as_str())
            .fetch_optional(&self.readers)
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

    /// Turns queued re-issues (`receipt_reissues`, which statement imports
    /// fill) into receipt marks, at most `limit` of them, on the writer. A
    /// queued request that is not paid, or takes no receipt, is dropped
    /// unmarked — the import's direct mark applied the same condition.
    async fn promote_receipt_reissues(&self, limit: u32) -> Result<(), StoreError> {
        let queued: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM receipt_reissues)")
            .fetch_one(&self.readers)
            .await
            .map_err(store_error)?;
        if !queued {
            return Ok(());
        }
        let mut transaction = self.write().await?;
        let ids: String = sqlx::query_scalar(
            "SELECT json_group_array(request_id) FROM \
             (SELECT request_id FROM receipt_reissues ORDER BY request_id LIMIT ?1)",
        )
        .bind(i64::from(limit))
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "UPDATE payment_requests SET receipt_due = 1 WHERE status = 'E' \
             AND json_extract(terms, '$.no_invoice') = 0 \
             AND id IN (SELECT value FROM json_each(?1))",
        )
        .bind(&ids)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "DELETE FROM receipt_reissues WHERE request_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(&ids)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)
    }

    pub(crate) async fn documents_receipts_due(
        &self,
        limit: u32,
    ) -> Result<Vec<(ClientId, PaymentRequestId)>, StoreError> {
        self.promote_receipt_reissues(limit.saturating_mul(4).max(100))
            .await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT owner, id FROM payment_requests WHERE receipt_due = 1 AND receipt_parked_at IS NULL \
             ORDER BY paid_at, id LIMIT ?1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|(owner, id)| Ok((client_id(&owner)?, request_id(&id)?)))
            .collect()
    }
}

pub(crate) fn stored_version(version: i64) -> Result<u32, StoreError> {
    u32::try_from(version).map_err(|_| StoreError::Corrupt(format!("document version {version}")))
}
