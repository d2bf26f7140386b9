//! Justification documents in PostgreSQL: the `documents` table and the
//! requests' `receipt_due` flag (migration 0004).

use crate::PostgresStore;
use crate::convert::{client_id, store_error};
use maksa_app::store::{DocumentFileKind, DocumentState, StoreError, StoredDocumentFile};
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

pub(crate) fn stored_version(version: i32) -> Result<u32, StoreError> {
    u32::try_from(version).map_err(|_| StoreError::Corrupt(format!("document version {version}")))
}
