//! Retention and erasure of payers' data in PostgreSQL
//! (`maksa_app::store::RetentionStore`, and the unit of work's
//! `erase_payer_data`; docs/retention.md). The app computes the new terms and
//! the pseudonym; this writes them, with an erasure-log row, and decides nothing.

use crate::PostgresStore;
use crate::convert::{store_error, stored_time};
use async_trait::async_trait;
use maksa_app::store::{ErasureReason, ErasureRecord, PayerErasure, RetentionStore, StoreError};
use maksa_domain::ids::PaymentRequestId;
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use time::OffsetDateTime;

const LOG_COLUMNS: &str = "id, at, record_kind, record_id, reason, actor, note, detail";

pub(crate) async fn erase_payer_data(
    connection: &mut PgConnection,
    erasure: &PayerErasure,
) -> Result<bool, StoreError> {
    let id = erasure.request.as_uuid();
    let at = stored_time(erasure.at);
    let changed = sqlx::query(
        "UPDATE payment_requests SET terms = $1, payer_pseudonym = $2, payer_erased_at = $3 \
         WHERE id = $4 AND payer_erased_at IS NULL AND status <> 'P'",
    )
    .bind(Json(&erasure.terms))
    .bind(erasure.pseudonym.as_deref())
    .bind(at)
    .bind(id)
    .execute(&mut *connection)
    .await
    .map_err(store_error)?;
    if changed.rows_affected() != 1 {
        return Ok(false);
    }
    let workspace = sqlx::query("UPDATE payer_requests SET payer_code = $1 WHERE request_id = $2")
        .bind(erasure.pseudonym.as_deref().unwrap_or(&erasure.marker))
        .bind(id)
        .execute(&mut *connection)
        .await
        .map_err(store_error)?
        .rows_affected();
    // A message still pending would go to the marker: it is given up instead.
    let messages = sqlx::query(
        "UPDATE payer_messages SET recipient = $1, last_error = NULL, lease_owner = NULL, \
         lease_until = NULL, state = CASE WHEN state = 'pending' THEN 'dead' ELSE state END \
         WHERE request_id = $2",
    )
    .bind(&erasure.marker)
    .bind(id)
    .execute(&mut *connection)
    .await
    .map_err(store_error)?
    .rows_affected();
    let detail = serde_json::json!({ "payer_messages": messages, "workspace_rows": workspace });
    sqlx::query(
        "INSERT INTO erasure_log (at, record_kind, record_id, reason, actor, note, detail) \
         VALUES ($1, 'payment_request', $2, $3, $4, $5, $6)",
    )
    .bind(at)
    .bind(erasure.request.to_string())
    .bind(erasure.reason.as_str())
    .bind(&erasure.actor)
    .bind(&erasure.note)
    .bind(Json(&detail))
    .execute(&mut *connection)
    .await
    .map_err(store_error)?;
    Ok(true)
}

fn record(row: &PgRow) -> Result<ErasureRecord, StoreError> {
    let reason: String = row.try_get("reason").map_err(store_error)?;
    let Json(detail): Json<serde_json::Value> = row.try_get("detail").map_err(store_error)?;
    Ok(ErasureRecord {
        id: row.try_get("id").map_err(store_error)?,
        at: row.try_get("at").map_err(store_error)?,
        record_kind: row.try_get("record_kind").map_err(store_error)?,
        record_id: row.try_get("record_id").map_err(store_error)?,
        reason: ErasureReason::parse(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown erasure reason `{reason}`")))?,
        actor: row.try_get("actor").map_err(store_error)?,
        note: row.try_get("note").map_err(store_error)?,
        detail,
    })
}

fn ids(rows: Vec<uuid::Uuid>) -> Result<Vec<PaymentRequestId>, StoreError> {
    Ok(rows.into_iter().map(PaymentRequestId::from_uuid).collect())
}

#[async_trait]
impl RetentionStore for PostgresStore {
    async fn requests_due_for_erasure(
        &self,
        final_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError> {
        let rows: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM payment_requests \
             WHERE status <> 'P' AND payer_erased_at IS NULL AND status_changed_at < $1 \
             ORDER BY status_changed_at, id LIMIT $2",
        )
        .bind(stored_time(final_before))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        ids(rows)
    }

    async fn requests_of_payer(
        &self,
        code: &str,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError> {
        let rows: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM ( \
               SELECT id, created_at FROM payment_requests \
                WHERE (terms -> 'payer' ->> 'code') = $1 \
                  AND (terms -> 'payer' ->> 'code') IS NOT NULL \
               UNION \
               SELECT r.id, r.created_at FROM payer_requests w \
                 JOIN payment_requests r ON r.id = w.request_id \
                WHERE w.payer_code = $1 AND r.payer_erased_at IS NULL \
             ) AS found ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(code)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        ids(rows)
    }

    async fn requests_of_pseudonym(
        &self,
        pseudonym: &str,
        limit: u32,
    ) -> Result<Vec<PaymentRequestId>, StoreError> {
        let rows: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM payment_requests \
             WHERE payer_pseudonym = $1 AND payer_pseudonym IS NOT NULL \
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(pseudonym)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        ids(rows)
    }

    async fn erasure_log(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ErasureRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LOG_COLUMNS} FROM erasure_log WHERE id < $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(record).collect()
    }

    async fn erasures_of(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<ErasureRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LOG_COLUMNS} FROM erasure_log \
             WHERE record_kind = 'payment_request' AND record_id = $1 ORDER BY id"
        )))
        .bind(request.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(record).collect()
    }
}
