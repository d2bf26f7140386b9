//! Idempotency keys in SQLite (`maksa_app::store::IdempotencyStore`,
//! docs/idempotency.md): the key rows, written in the transaction of the work
//! they guard, read back for replays, deleted in bounded batches.

use crate::SqliteStore;
use crate::convert::{client_id, micros, store_error, time_from_micros};
use async_trait::async_trait;
use maksa_app::store::{
    IdempotencyRecord, IdempotencyStore, KeyedRequest, NewIdempotencyKey, StoreError,
};
use maksa_domain::ids::ClientId;
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;
use time::OffsetDateTime;

/// Writes a key row: an expired row of the same client and key goes first;
/// a live one makes the insert fail with a unique violation (the caller's
/// transaction or savepoint is then rolled back).
pub(crate) async fn insert_key(
    connection: &mut SqliteConnection,
    key: &NewIdempotencyKey,
    result: &str,
) -> Result<(), sqlx::Error> {
    let record = &key.record;
    let replaces_before =
        micros(key.replaces_before).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let created_at = micros(record.created_at).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    sqlx::query("DELETE FROM idempotency_keys WHERE client = ?1 AND key = ?2 AND created_at < ?3")
        .bind(record.client.as_str())
        .bind(&record.key)
        .bind(replaces_before)
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO idempotency_keys (client, key, method, body_hash, result, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(record.client.as_str())
    .bind(&record.key)
    .bind(&record.method)
    .bind(&record.body_hash)
    .bind(result)
    .bind(created_at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn idempotency_record(
        &self,
        client: &ClientId,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT client, key, method, body_hash, result, created_at FROM idempotency_keys \
             WHERE client = ?1 AND key = ?2 AND created_at >= ?3",
        )
        .bind(client.as_str())
        .bind(key)
        .bind(micros(since)?)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(IdempotencyRecord {
                client: client_id(&row.try_get::<String, _>("client").map_err(store_error)?)?,
                key: row.try_get("key").map_err(store_error)?,
                method: row.try_get("method").map_err(store_error)?,
                body_hash: row.try_get("body_hash").map_err(store_error)?,
                result: row.try_get("result").map_err(store_error)?,
                created_at: time_from_micros(row.try_get("created_at").map_err(store_error)?)?,
            })
        })
        .transpose()
    }

    async fn insert_keyed_payment_requests(
        &self,
        batch: &[KeyedRequest],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.insert_batch(
            batch
                .iter()
                .map(|item| (&item.request, &item.audit, item.key.as_ref()))
                .collect(),
        )
        .await
    }

    async fn delete_expired_idempotency_keys(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let mut writer = self.writer()?.acquire().await.map_err(store_error)?;
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys \
             WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
        )
        .bind(micros(before)?)
        .bind(i64::from(limit))
        .execute(&mut *writer)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn idempotency_key_count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idempotency_keys")
            .fetch_one(&self.readers)
            .await
            .map_err(store_error)?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt("a negative count".into()))
    }
}
