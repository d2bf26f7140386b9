//! Idempotency keys in PostgreSQL (`maksa_app::store::IdempotencyStore`,
//! docs/idempotency.md): the key rows, written in the transaction of the work
//! they guard (the primary key makes one of two nodes win), read back for
//! replays, deleted in bounded batches.

use crate::PostgresStore;
use crate::convert::{client_id, store_error, stored_time};
use async_trait::async_trait;
use maksa_app::store::{
    IdempotencyRecord, IdempotencyStore, KeyedRequest, NewIdempotencyKey, StoreError,
};
use maksa_domain::ids::ClientId;
use sqlx::Row;
use sqlx::postgres::PgConnection;
use time::OffsetDateTime;

/// Writes a key row: an expired row of the same client and key goes first;
/// a live one makes the insert fail with a unique violation (waiting, when
/// another transaction is writing the same key, for it to end).
pub(crate) async fn insert_key(
    connection: &mut PgConnection,
    key: &NewIdempotencyKey,
    result: &str,
) -> Result<(), sqlx::Error> {
    let record = &key.record;
    sqlx::query("DELETE FROM idempotency_keys WHERE client = $1 AND key = $2 AND created_at < $3")
        .bind(record.client.as_str())
        .bind(&record.key)
        .bind(stored_time(key.replaces_before))
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO idempotency_keys (client, key, method, body_hash, result, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.client.as_str())
    .bind(&record.key)
    .bind(&record.method)
    .bind(&record.body_hash)
    .bind(result)
    .bind(stored_time(record.created_at))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn idempotency_record(
        &self,
        client: &ClientId,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT client, key, method, body_hash, result, created_at FROM idempotency_keys \
             WHERE client = $1 AND key = $2 AND created_at >= $3",
        )
        .bind(client.as_str())
        .bind(key)
        .bind(stored_time(since))
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(IdempotencyRecord {
                client: client_id(&row.try_get::<String, _>("client").map_err(store_error)?)?,
                key: row.try_get("key").map_err(store_error)?,
                method: row.try_get("method").map_err(store_error)?,
                body_hash: row.try_get("body_hash").map_err(store_error)?,
                result: row.try_get("result").map_err(store_error)?,
                created_at: row.try_get("created_at").map_err(store_error)?,
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
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE (client, key) IN (SELECT client, key \
             FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2 \
             FOR UPDATE SKIP LOCKED)",
        )
        .bind(stored_time(before))
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn idempotency_key_count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idempotency_keys")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt("a negative count".into()))
    }
}
