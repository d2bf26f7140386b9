//! The lifecycle workers' part of the PostgreSQL store: the notification
//! outbox and its leases, expiry candidates, the recovery of open attempts, and
//! the notification signing secrets.
//!
//! Several nodes may share one database, so claims lock the rows they take with
//! `FOR UPDATE SKIP LOCKED`: a concurrent claim passes over them instead of
//! waiting, and after the claim commits the lease columns keep them out of
//! other claims until the lease runs out.

use crate::PostgresStore;
use crate::convert::{client_id, status, status_letter, store_error, stored_time};
use crate::rows;
use maksa_app::store::{
    DeliveryAttempt, ExpiryCandidate, NewNotification, Notification, NotificationKind,
    NotificationState, StoreError,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Postgres, Row};
use time::OffsetDateTime;
use uuid::Uuid;

/// The columns [`notification`] decodes (unqualified: also used in RETURNING).
macro_rules! notification_columns {
    () => {
        "id, kind, request_id, client, url, status, state, attempts, next_attempt_at, created_at, delivered_at"
    };
}

/// Inserts an outbox row, pending and due at once. Called inside the
/// transaction of the change it announces.
pub(crate) async fn insert_notification(
    connection: &mut PgConnection,
    notification: &NewNotification,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (id, request_id, client, url, status, state, attempts, next_attempt_at, created_at, kind) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $7)",
    )
    .bind(notification.id)
    .bind(notification.request_id.as_uuid())
    .bind(notification.client.as_str())
    .bind(&notification.url)
    .bind(status_letter(notification.status))
    .bind(stored_time(notification.created_at))
    .bind(notification.kind.as_str())
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(store_error)
}

fn notification_kind(text: &str) -> Result<NotificationKind, StoreError> {
    NotificationKind::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown notification kind `{text}`")))
}

fn count<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("stored {what} {value} is out of range")))
}

fn notification(row: &PgRow) -> Result<Notification, StoreError> {
    let state: String = get(row, "state")?;
    Ok(Notification {
        id: get(row, "id")?,
        kind: notification_kind(&get::<String>(row, "kind")?)?,
        request_id: PaymentRequestId::from_uuid(get(row, "request_id")?),
        client: client_id(&get::<String>(row, "client")?)?,
        url: get(row, "url")?,
        status: status(&get::<String>(row, "status")?)?,
        state: NotificationState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown notification state `{state}`")))?,
        attempts: count(
            i64::from(get::<i32>(row, "attempts")?),
            "notification attempts",
        )?,
        next_attempt_at: get(row, "next_attempt_at")?,
        created_at: get(row, "created_at")?,
        delivered_at: get(row, "delivered_at")?,
    })
}

/// A delivery log row from the `a_…` columns; `None` for a LEFT JOIN's empty side.
fn delivery_attempt(row: &PgRow) -> Result<Option<DeliveryAttempt>, StoreError> {
    let Some(at) = get::<Option<OffsetDateTime>>(row, "a_at")? else {
        return Ok(None);
    };
    Ok(Some(DeliveryAttempt {
        at,
        http_status: get::<Option<i32>>(row, "a_http_status")?
            .map(|value| count(i64::from(value), "HTTP status"))
            .transpose()?,
        latency_ms: count(get::<i64>(row, "a_latency_ms")?, "latency")?,
        error: get(row, "a_error")?,
    }))
}

impl PostgresStore {
    pub(crate) async fn lifecycle_claim_notifications(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(concat!(
            "UPDATE notifications SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= $3 \
             AND (lease_until IS NULL OR lease_until < $3 OR lease_until > $5) \
             ORDER BY next_attempt_at, id LIMIT $4 \
             FOR UPDATE SKIP LOCKED) RETURNING ",
            notification_columns!()
        ))
        .bind(worker)
        .bind(stored_time(lease_until))
        .bind(stored_time(now))
        .bind(i64::from(limit))
        // A lease ending more than a whole lease after the one given now was
        // taken by a clock ahead of this one (set back since): it is over.
        .bind(stored_time(lease_until.saturating_add(lease_until - now)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut claimed = rows
            .iter()
            .map(notification)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING promises no order; the worker delivers the longest due first.
        claimed.sort_by_key(|n| (n.next_attempt_at, n.id));
        Ok(claimed)
    }

    pub(crate) async fn lifecycle_notification_log(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
    ) -> Result<Vec<(Notification, Vec<DeliveryAttempt>)>, StoreError> {
        // One statement, so the notifications and their logs come from one snapshot.
        let rows = sqlx::query(
            "SELECT n.id, n.kind, n.request_id, n.client, n.url, n.status, n.state, n.attempts, n.next_attempt_at, \
             n.created_at, n.delivered_at, \
             a.at AS a_at, a.http_status AS a_http_status, a.latency_ms AS a_latency_ms, a.error AS a_error \
             FROM notifications n JOIN payment_requests r ON r.id = n.request_id \
             LEFT JOIN notification_attempts a ON a.notification_id = n.id \
             WHERE n.request_id = $1 AND r.owner = $2 \
             ORDER BY n.created_at, n.id, a.at, a.id",
        )
        .bind(id.as_uuid())
        .bind(owner.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut log: Vec<(Notification, Vec<DeliveryAttempt>)> = Vec::new();
        for row in &rows {
            let current = notification(row)?;
            let attempt = delivery_attempt(row)?;
            match log.last_mut() {
                Some((last, attempts)) if last.id == current.id => attempts.extend(attempt),
                _ => log.push((current, attempt.into_iter().collect())),
            }
        }
        Ok(log)
    }

    pub(crate) async fn lifecycle_notifications_in_state(
        &self,
        state: NotificationState,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            notification_columns!(),
            " FROM notifications WHERE state = $1 ORDER BY created_at, id LIMIT $2"
        ))
        .bind(state.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(notification).collect()
    }

    pub(crate) async fn lifecycle_notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        let (pending, dead): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'dead') \
             FROM notifications WHERE state IN ('pending', 'dead')",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok((count(pending, "backlog")?, count(dead, "backlog")?))
    }

    pub(crate) async fn lifecycle_requests_due_for_expiry(
        &self,
        now: OffsetDateTime,
        grace_cutoff: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ExpiryCandidate>, StoreError> {
        // The server response URL lives only in the stored terms (jsonb).
        let rows: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
            "SELECT r.id, r.owner, r.terms->>'server_response_url' \
             FROM payment_requests r WHERE r.status = 'P' AND r.expires_at <= $1 \
             AND NOT (r.expires_at > $2 AND EXISTS (SELECT 1 FROM attempts a \
               WHERE a.request_id = r.id AND a.state IN ('started', 'accepted'))) \
             ORDER BY r.expires_at, r.id LIMIT $3",
        )
        .bind(stored_time(now))
        .bind(stored_time(grace_cutoff))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|(id, owner, server_response_url)| {
                Ok(ExpiryCandidate {
                    id: PaymentRequestId::from_uuid(id),
                    owner: client_id(&owner)?,
                    server_response_url,
                })
            })
            .collect()
    }

    pub(crate) async fn lifecycle_claim_attempts_to_query(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(Attempt, u32)>, StoreError> {
        // Moving next_query_at to the lease's end is the lease: another claim
        // sees the attempt again only if this worker never notes its query.
        let rows = sqlx::query(concat!(
            "UPDATE attempts SET next_query_at = $1 WHERE id IN (SELECT id FROM attempts \
             WHERE state IN ('started', 'accepted') AND NOT unresolved AND next_query_at <= $2 \
             ORDER BY next_query_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING queries_made, ",
            rows::attempt_columns!()
        ))
        .bind(stored_time(lease_until))
        .bind(stored_time(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                let queries: i32 = get(row, "queries_made")?;
                Ok((
                    rows::attempt(row)?,
                    count(i64::from(queries), "query count")?,
                ))
            })
            .collect::<Result<Vec<(Attempt, u32)>, StoreError>>()?;
        claimed.sort_by_key(|(attempt, _)| (attempt.created_at, attempt.id));
        Ok(claimed)
    }

    pub(crate) async fn lifecycle_note_attempt_query(
        &self,
        id: AttemptId,
        next_query_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        // Giving up (no next time) marks the attempt unresolved: it leaves the
        // claims and shows in `unresolved_attempts` for an operator.
        sqlx::query(
            "UPDATE attempts SET queries_made = queries_made + 1, next_query_at = $1, \
             unresolved = unresolved OR $1::timestamptz IS NULL WHERE id = $2",
        )
        .bind(next_query_at.map(stored_time))
        .bind(id.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    pub(crate) async fn lifecycle_unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            rows::attempt_columns!(),
            " FROM attempts WHERE unresolved AND state IN ('started', 'accepted') ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(rows::attempt).collect()
    }

    pub(crate) async fn lifecycle_notification_secrets(
        &self,
        client: &ClientId,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT secret FROM notification_secrets WHERE client = $1 AND retired_at IS NULL \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(client.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }

    pub(crate) async fn lifecycle_notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, StoreError> {
        sqlx::query_scalar(
            "SELECT created_at FROM notification_secrets WHERE client = $1 AND retired_at IS NULL \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(client.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }
}

/// Makes dead notifications pending again on `connection` (the caller's
/// transaction). Attempts are kept: the log shows the whole history of the
/// row. `None` means every dead notification.
pub(crate) async fn resend_notifications(
    connection: &mut PgConnection,
    ids: Option<&[Uuid]>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE notifications SET state = 'pending', next_attempt_at = $1, lease_owner = NULL, \
         lease_until = NULL WHERE state = 'dead' AND ($2::uuid[] IS NULL OR id = ANY($2))",
    )
    .bind(stored_time(now))
    .bind(ids.map(<[Uuid]>::to_vec))
    .execute(connection)
    .await
    .map_err(store_error)?
    .rows_affected())
}
