//! The portal's part of the PostgreSQL store (`maksa_app::store::KdvStore`): IVIS
//! transactions and submissions, the payer's workspace list, and the
//! payer-message outbox with its leases (claimed with `FOR UPDATE SKIP
//! LOCKED`, as the notification outbox is, so several nodes share it).

use crate::PostgresStore;
use crate::convert::{client_id, optional_stored_time, store_error, stored_time};
use async_trait::async_trait;
use maksa_app::store::{
    IvisSubmission, IvisTransaction, KdvStore, PayerMessage, PayerMessageKind, PayerMessageOutcome,
    PayerMessageState, StoreError,
};
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Postgres, Row};
use time::OffsetDateTime;

const SUBMISSION_COLUMNS: &str = "correlation_id, client, message_id, transaction_id, asynchronous, \
     request_ids, created_at, disposed_at";

const PAYER_MESSAGE_COLUMNS: &str = "request_id, kind, recipient, language, state, attempts, \
     created_at, sent_at, last_error";

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(store_error)
}

fn submission(row: &PgRow) -> Result<IvisSubmission, StoreError> {
    let ids: Vec<uuid::Uuid> = get(row, "request_ids")?;
    Ok(IvisSubmission {
        correlation_id: get(row, "correlation_id")?,
        client: client_id(&get::<String>(row, "client")?)?,
        message_id: get(row, "message_id")?,
        transaction_id: get(row, "transaction_id")?,
        asynchronous: get(row, "asynchronous")?,
        request_ids: ids.into_iter().map(PaymentRequestId::from_uuid).collect(),
        created_at: get(row, "created_at")?,
        disposed_at: get(row, "disposed_at")?,
    })
}

fn payer_message(row: &PgRow) -> Result<PayerMessage, StoreError> {
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
    Ok(PayerMessage {
        request_id: PaymentRequestId::from_uuid(get(row, "request_id")?),
        kind: PayerMessageKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("payer message kind `{kind}`")))?,
        recipient: get(row, "recipient")?,
        language: get(row, "language")?,
        state: PayerMessageState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("payer message state `{state}`")))?,
        attempts: u32::try_from(get::<i32>(row, "attempts")?)
            .map_err(|_| StoreError::Corrupt("payer message attempts out of range".into()))?,
        created_at: get(row, "created_at")?,
        sent_at: get(row, "sent_at")?,
        last_error: get(row, "last_error")?,
    })
}

/// Inside the registering transaction (the unit of work).
pub(crate) async fn insert_submission(
    connection: &mut PgConnection,
    submission: &IvisSubmission,
) -> Result<(), StoreError> {
    let ids: Vec<uuid::Uuid> = submission
        .request_ids
        .iter()
        .map(|id| id.as_uuid())
        .collect();
    sqlx::query(
        "INSERT INTO ivis_submissions (correlation_id, client, message_id, transaction_id, \
         asynchronous, request_ids, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(submission.correlation_id)
    .bind(submission.client.as_str())
    .bind(&submission.message_id)
    .bind(&submission.transaction_id)
    .bind(submission.asynchronous)
    .bind(&ids)
    .bind(stored_time(submission.created_at))
    .execute(&mut *connection)
    .await
    .map_err(store_error)?;
    // The requests are addressed to the payer they name: the workspace's list.
    sqlx::query(
        "INSERT INTO payer_requests (payer_code, created_at, request_id) \
         SELECT r.terms -> 'payer' ->> 'code', r.created_at, r.id \
         FROM payment_requests r WHERE r.id = ANY($1) AND r.terms -> 'payer' ->> 'code' IS NOT NULL \
         ON CONFLICT DO NOTHING",
    )
    .bind(&ids)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Inside the registering transaction; `false` if the row already exists.
pub(crate) async fn insert_payer_message(
    connection: &mut PgConnection,
    message: &PayerMessage,
) -> Result<bool, StoreError> {
    let created_at = stored_time(message.created_at);
    let done = sqlx::query(
        "INSERT INTO payer_messages (request_id, kind, recipient, language, state, attempts, \
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) \
         ON CONFLICT (request_id, kind) DO NOTHING",
    )
    .bind(message.request_id.as_uuid())
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
impl KdvStore for PostgresStore {
    async fn insert_ivis_transaction(
        &self,
        transaction: &IvisTransaction,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ivis_transactions (id, client, eservice_id, started_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&transaction.id)
        .bind(transaction.client.as_str())
        .bind(&transaction.eservice_id)
        .bind(stored_time(transaction.started_at))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn ivis_transaction(
        &self,
        client: &ClientId,
        id: &str,
    ) -> Result<Option<IvisTransaction>, StoreError> {
        let row: Option<(
            String,
            String,
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
        )> = sqlx::query_as(
            "SELECT id, client, eservice_id, started_at, ended_at FROM ivis_transactions \
                 WHERE id = $1 AND client = $2",
        )
        .bind(id)
        .bind(client.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|(id, client, eservice_id, started_at, ended_at)| {
            Ok(IvisTransaction {
                id,
                client: client_id(&client)?,
                eservice_id,
                started_at,
                ended_at,
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
        let done = sqlx::query(
            "UPDATE ivis_transactions SET ended_at = $1 WHERE id = $2 AND client = $3 AND ended_at IS NULL",
        )
        .bind(stored_time(at))
        .bind(id)
        .bind(client.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn ivis_submission(
        &self,
        client: &ClientId,
        correlation_id: uuid::Uuid,
    ) -> Result<Option<IvisSubmission>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM ivis_submissions WHERE correlation_id = $1 AND client = $2"
        )))
        .bind(correlation_id)
        .bind(client.as_str())
        .fetch_optional(&self.pool)
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
            "SELECT {SUBMISSION_COLUMNS} FROM ivis_submissions WHERE client = $1 AND message_id = $2"
        )))
        .bind(client.as_str())
        .bind(message_id)
        .fetch_optional(&self.pool)
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
        let done = sqlx::query(
            "UPDATE ivis_submissions SET disposed_at = $1 \
             WHERE correlation_id = $2 AND client = $3 AND disposed_at IS NULL",
        )
        .bind(stored_time(at))
        .bind(correlation_id)
        .bind(client.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn requests_for_payer(
        &self,
        code: &ClientCode,
        limit: u32,
    ) -> Result<Vec<PaymentRequest>, StoreError> {
        // The expression must be the index's own (migration 0010).
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT request_id FROM payer_requests WHERE payer_code = $1 \
             ORDER BY created_at DESC, request_id DESC LIMIT $2",
        )
        .bind(code.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(request) = self
                .request_rows(None, PaymentRequestId::from_uuid(id))
                .await?
            {
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
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE payer_messages SET lease_owner = $1, lease_until = $2 \
             WHERE (request_id, kind) IN (SELECT request_id, kind FROM payer_messages \
             WHERE state = 'pending' AND next_attempt_at <= $3 \
             AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at LIMIT $4 \
             FOR UPDATE SKIP LOCKED) \
             RETURNING {PAYER_MESSAGE_COLUMNS}"
        )))
        .bind(worker)
        .bind(stored_time(lease_until))
        .bind(stored_time(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
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
        let at = stored_time(at);
        let (state, next, sent, error) = match outcome {
            PayerMessageOutcome::Sent => ("sent", at, Some(at), None),
            PayerMessageOutcome::RetryAt(when, error) => {
                ("pending", stored_time(*when), None, Some(error.as_str()))
            }
            PayerMessageOutcome::Dead(error) => ("dead", at, None, Some(error.as_str())),
        };
        let done = sqlx::query(
            "UPDATE payer_messages SET state = $1, next_attempt_at = $2, sent_at = $3, \
             last_error = $4, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
             WHERE request_id = $5 AND kind = $6 AND lease_owner = $7 AND state = 'pending'",
        )
        .bind(state)
        .bind(next)
        .bind(optional_stored_time(sent))
        .bind(error)
        .bind(request.as_uuid())
        .bind(kind.as_str())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn queue_payer_reminders(
        &self,
        now: OffsetDateTime,
        expiring_by: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "INSERT INTO payer_messages (request_id, kind, recipient, language, state, attempts, \
             next_attempt_at, created_at) \
             SELECT m.request_id, 'reminder', m.recipient, m.language, 'pending', 0, $1, $1 \
             FROM payer_messages m JOIN payment_requests r ON r.id = m.request_id \
             WHERE m.kind = 'registered' AND r.status = 'P' AND r.expires_at > $1 AND r.expires_at <= $2 \
             ON CONFLICT (request_id, kind) DO NOTHING",
        )
        .bind(stored_time(now))
        .bind(stored_time(expiring_by))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn take_sign_in_token(
        &self,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM sign_in_tokens WHERE expires_at <= $1")
            .bind(stored_time(now))
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        let done = sqlx::query(
            "INSERT INTO sign_in_tokens (assertion_id, expires_at) VALUES ($1, $2) \
             ON CONFLICT (assertion_id) DO NOTHING",
        )
        .bind(assertion_id)
        .bind(stored_time(expires_at))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn dead_payer_messages(&self, limit: u32) -> Result<Vec<PayerMessage>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAYER_MESSAGE_COLUMNS} FROM payer_messages WHERE state = 'dead' \
             ORDER BY created_at, request_id, kind LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(payer_message).collect()
    }

    async fn resend_payer_messages(
        &self,
        requests: Option<&[PaymentRequestId]>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        resend_payer_messages(&mut connection, requests, now).await
    }

    async fn sign_in_token_taken(&self, id: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        let found: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM sign_in_tokens WHERE assertion_id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(stored_time(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(found.is_some())
    }

    async fn payer_messages(
        &self,
        request: PaymentRequestId,
    ) -> Result<Vec<PayerMessage>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAYER_MESSAGE_COLUMNS} FROM payer_messages WHERE request_id = $1 ORDER BY created_at, kind"
        )))
        .bind(request.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(payer_message).collect()
    }
}

/// Makes dead payer messages pending again on `connection` (the caller's
/// transaction): those of `requests`, or every dead one.
pub(crate) async fn resend_payer_messages(
    connection: &mut PgConnection,
    requests: Option<&[PaymentRequestId]>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let ids: Option<Vec<uuid::Uuid>> =
        requests.map(|ids| ids.iter().map(|id| id.as_uuid()).collect());
    let done = sqlx::query(
        "UPDATE payer_messages SET state = 'pending', next_attempt_at = $1, \
         lease_owner = NULL, lease_until = NULL \
         WHERE state = 'dead' AND ($2::uuid[] IS NULL OR request_id = ANY($2))",
    )
    .bind(stored_time(now))
    .bind(ids)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected())
}
