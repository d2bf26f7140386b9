//! The portal's part of the SQLite store (`maksa_app::store::KdvStore`): IVIS
//! transactions and submissions, the payer's workspace list, and the
//! payer-message outbox with its leases (claimed on the one writer
//! connection, as the notification outbox is).

use crate::SqliteStore;
use crate::convert::{
    client_id, micros, optional_time_from_micros, request_id, request_id_text, store_error,
    time_from_micros, to_json,
};
use async_trait::async_trait;
use maksa_app::store::{
    IvisSubmission, IvisTransaction, KdvStore, PayerMessage, PayerMessageKind, PayerMessageOutcome,
    PayerMessageState, StoreError,
};
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Row, Sqlite};
use time::OffsetDateTime;

const SUBMISSION_COLUMNS: &str = "correlation_id, client, message_id, transaction_id, asynchronous, \
     request_ids, created_at, disposed_at";

const PAYER_MESSAGE_COLUMNS: &str = "request_id, kind, recipient, language, state, attempts, \
     created_at, sent_at, last_error";

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(store_error)
}

fn submission(row: &SqliteRow) -> Result<IvisSubmission, StoreError> {
    let correlation: String = get(row, "correlation_id")?;
    let ids: Vec<String> = serde_json::from_str(&get::<String>(row, "request_ids")?)
        .map_err(|e| StoreError::Corrupt(format!("submission request ids: {e}")))?;
    Ok(IvisSubmission {
        correlation_id: uuid::Uuid::parse_str(&correlation).map_err(|_| {
            StoreError::Corrupt(format!("correlation id `{correlation}` is not a UUID"))
        })?,
        client: client_id(&get::<String>(row, "client")?)?,
        message_id: get(row, "message_id")?,
        transaction_id: get(row, "transaction_id")?,
        asynchronous: get::<i64>(row, "asynchronous")? != 0,
        request_ids: ids
            .iter()
            .map(|id| request_id(id))
            .collect::<Result<_, _>>()?,
        created_at: time_from_micros(get(row, "created_at")?)?,
        disposed_at: optional_time_from_micros(get(row, "disposed_at")?)?,
    })
}

fn payer_message(row: &SqliteRow) -> Result<PayerMessage, StoreError> {
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
    Ok(PayerMessage {
        request_id: request_id(&get::<String>(row, "request_id")?)?,
        kind: PayerMessageKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("payer message kind `{kind}`")))?,
        recipient: get(row, "recipient")?,
        language: get(row, "language")?,
        state: PayerMessageState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("payer message state `{state}`")))?,
        attempts: u32::try_from(get::<i64>(row, "attempts")?)
            .map_err(|_| StoreError::Corrupt("payer message attempts out of range".into()))?,
        created_at: time_from_micros(get(row, "created_at")?)?,
        sent_at: optional_time_from_micros(get(row, "sent_at")?)?,
        last_error: get(row, "last_error")?,
    })
}

/// Inside the registering transaction (the unit of work).
pub(crate) async fn insert_submission(
    connection: &mut SqliteConnection,
    submission: &IvisSubmission,
) -> Result<(), StoreError> {
    let ids: Vec<String> = submission
        .request_ids
        .iter()
        .map(|id| request_id_text(*id))
        .collect();
    sqlx::query(
        "INSERT INTO ivis_submissions (correlation_id, client, message_id, transaction_id, \
         asynchronous, request_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(submission.correlation_id.hyphenated().to_string())
    .bind(submission.client.as_str())
    .bind(&submission.message_id)
    .bind(&submission.transaction_id)
    .bind(i64::from(submission.asynchronous))
    .bind(to_json(&ids, "submission request ids")?)
    .bind(micros(submission.created_at)?)
    .execute(&mut *connection)
    .await
    .map_err(store_error)?;
    // The requests are addressed to the payer they name: the workspace's list.
    sqlx::query(
        "INSERT INTO payer_requests (payer_code, created_at, request_id) \
         SELECT json_extract(r.terms, '$.payer.code'), r.created_at, r.id \
         FROM payment_requests r, json_each(?1) AS j \
         WHERE r.id = j.value AND json_extract(r.terms, '$.payer.code') IS NOT NULL \
         ON CONFLICT DO NOTHING",
    )
    .bind(to_json(&ids, "submission request ids")?)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Inside the registering transaction; `false` if the row already exists.
pub(crate) async fn insert_payer_message(
    connection: &mut SqliteConnection,
    message: &PayerMessage,
) -> Result<bool, StoreError> {
    let created_at = micros(message.created_at)?;
    let done = sqlx::query(
        "INSERT INTO payer_messages (request_id, kind, recipient, language, state, attempts, \
         next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5) \
         ON CONFLICT (request_id, kind) DO NOTHING",
    )
    .bind(request_id_text(message.request_id))
    .bind(message.kind.as_str())
    .bind(&message.recipient)
    .bind(&message.language)
    .bind(created_at)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl KdvStore for SqliteStore {
    async fn insert_ivis_transaction(
        &self,
        transaction: &IvisTransaction,
    ) -> Result<(), StoreError> {
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO ivis_transactions (id, client, eservice_id, started_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&transaction.id)
        .bind(transaction.client.as_str())
        .bind(&transaction.eservice_id)
        .bind(micros(transaction.started_at)?)
        .execute(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)
    }

    async fn ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
    ) -> Result<Option<IvisTransaction>, StoreError> {
        let row: Option<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, client, eservice_id, started_at, ended_at FROM ivis_transactions \
             WHERE id = ?1 AND client = ?2",
        )
        .bind(id)
        .bind(client.as_str())
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.map(|(id, client, eservice_id, started_at, ended_at)| {
            Ok(IvisTransaction {
                id,
                client: client_id(&client)?,
                eservice_id,
                started_at: time_from_micros(started_at)?,
                ended_at: optional_time_from_micros(ended_at)?,
            })
        })
        .transpose()
    }

    async fn end_ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut write = self.write().await?;
        let done = sqlx::query(
            "UPDATE ivis_transactions SET ended_at = ?1 WHERE id = ?2 AND client = ?3 AND ended_at IS NULL",
        )
        .bind(micros(at)?)
        .bind(id)
        .bind(client.as_str())
        .execute(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
    ) -> Result<Option<IvisSubmission>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM ivis_submissions WHERE correlation_id = ?1 AND client = ?2"
        )))
        .bind(correlation_id.hyphenated().to_string())
        .bind(client.as_str())
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(submission).transpose()
    }

    async fn ivis_submission_by_message(
        &self,
        client: &ClientId,
        message_id: &str,
    ) -> Result<Option<IvisSubmission>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM ivis_submissions WHERE client = ?1 AND message_id = ?2"
        )))
        .bind(client.as_str())
        .bind(message_id)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(submission).transpose()
    }

    async fn dispose_ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut write = self.write().await?;
        let done = sqlx::query(
            "UPDATE ivis_submissions SET disposed_at = ?1 \
             WHERE correlation_id = ?2 AND client = ?3 AND disposed_at IS NULL",
        )
        .bind(micros(at)?)
        .bind(correlation_id.hyphenated().to_string())
        .bind(client.as_str())
        .execute(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn requests_for_payer(
        &self,
        code: &ClientCode,
        limit: u32,
    ) -> Result<Vec<PaymentRequest>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT request_id FROM payer_requests WHERE payer_code = ?1 \
             ORDER BY created_at DESC, request_id DESC LIMIT ?2",
        )
        .bind(code.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        let mut requests = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(request) = self.request_rows(None, request_id(id)?).await? {
                requests.push(request);
            }
        }
        Ok(requests)
    }

    async fn claim_payer_messages(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PayerMessage>, StoreError> {
        let now = micros(now)?;
        let mut write = self.write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE payer_messages SET lease_owner = ?1, lease_until = ?2 \
             WHERE (request_id, kind) IN (SELECT request_id, kind FROM payer_messages \
             WHERE state = 'pending' AND next_attempt_at <= ?3 \
             AND (lease_until IS NULL OR lease_until < ?3) ORDER BY next_attempt_at LIMIT ?4) \
             RETURNING {PAYER_MESSAGE_COLUMNS}"
        )))
        .bind(worker)
        .bind(micros(lease_until)?)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)?;
        let mut claimed = rows
            .iter()
            .map(payer_message)
            .collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|m| (m.created_at, m.request_id));
        Ok(claimed)
    }

    async fn finish_payer_message(
        &self,
        request: PaymentRequestId,
        kind: PayerMessageKind,
        worker: &str,
        outcome: &PayerMessageOutcome,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let at = micros(at)?;
        let (state, next, sent, error) = match outcome {
            PayerMessageOutcome::Sent => ("sent", at, Some(at), None),
            PayerMessageOutcome::RetryAt(when, error) => {
                ("pending", micros(*when)?, None, Some(error.as_str()))
            }
            PayerMessageOutcome::Dead(error) => ("dead", at, None, Some(error.as_str())),
        };
        let mut write = self.write().await?;
        let done = sqlx::query(
            "UPDATE payer_messages SET state = ?1, next_attempt_at = ?2, sent_at = ?3, \
             last_error = ?4, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
             WHERE request_id = ?5 AND kind = ?6 AND lease_owner = ?7 AND state = 'pending'",
        )
        .bind(state)
        .bind(next)
        .bind(sent)
        .bind(error)
        .bind(request_id_text(request))
        .bind(kind.as_str())
        .bind(worker)
        .execute(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn queue_payer_reminders(
        &self,
        now: OffsetDateTime,
        expiring_by: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let now = micros(now)?;
        let mut write = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO payer_messages (request_id, kind, recipient, language, state, attempts, \
             next_attempt_at, created_at) \
             SELECT m.request_id, 'reminder', m.recipient, m.language, 'pending', 0, ?1, ?1 \
             FROM payer_messages m JOIN payment_requests r ON r.id = m.request_id \
             WHERE m.kind = 'registered' AND r.status = 'P' AND r.expires_at > ?1 AND r.expires_at <= ?2 \
             ON CONFLICT (request_id, kind) DO NOTHING",
        )
        .bind(now)
        .bind(micros(expiring_by)?)
        .execute(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn take_sign_in_token(
        &self,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut write = self.write().await?;
        sqlx::query("DELETE FROM sign_in_tokens WHERE expires_at <= ?1")
            .bind(micros(now)?)
            .execute(&mut *write)
            .await
            .map_err(store_error)?;
        let done = sqlx::query(
            "INSERT INTO sign_in_tokens (assertion_id, expires_at) VALUES (?1, ?2) \
             ON CONFLICT (assertion_id) DO NOTHING",
        )
        .bind(assertion_id)
        .bind(micros(expires_at)?)
        .execute(&mut *write)
        .await
        .map_err(store_error)?;
        write.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn dead_payer_messages(&self, limit: u32) -> Result<Vec<PayerMessage>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAYER_MESSAGE_COLUMNS} FROM payer_messages WHERE state = 'dead' \
             ORDER BY created_at, request_id, kind LIMIT ?1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(payer_message).collect()
    }

    async fn resend_payer_messages(
        &self,
        requests: Option<&[PaymentRequestId]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut write = self.write().await?;
        let done = resend_payer_messages(&mut write, requests, now).await?;
        write.commit().await.map_err(store_error)?;
        Ok(done)
    }

    async fn sign_in_token_taken(&self, id: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sign_in_tokens WHERE assertion_id = ?1 AND expires_at > ?2",
        )
        .bind(id)
        .bind(micros(now)?)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        Ok(found.is_some())
    }

    async fn payer_messages(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<PayerMessage>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAYER_MESSAGE_COLUMNS} FROM payer_messages WHERE request_id = ?1 ORDER BY created_at, kind"
        )))
        .bind(request_id_text(request))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(payer_message).collect()
    }
}

/// Makes dead payer messages pending again on `connection` (the caller's
/// transaction): those of `requests`, or every dead one.
pub(crate) async fn resend_payer_messages(
    connection: &mut sqlx::SqliteConnection,
    requests: Option<&[PaymentRequestId]>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let ids: Option<Vec<String>> =
        requests.map(|ids| ids.iter().map(|id| request_id_text(*id)).collect());
    let ids = ids.map(|ids| to_json(&ids, "request ids")).transpose()?;
    let done = sqlx::query(
        "UPDATE payer_messages SET state = 'pending', next_attempt_at = ?1, \
         lease_owner = NULL, lease_until = NULL \
         WHERE state = 'dead' AND (?2 IS NULL OR request_id IN (SELECT value FROM json_each(?2)))",
    )
    .bind(micros(now)?)
    .bind(ids)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected())
}
