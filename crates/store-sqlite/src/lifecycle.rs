//! The lifecycle workers' part of the SQLite store: the notification outbox
//! and its leases, expiry candidates, the recovery of open attempts, and the
//! notification signing secrets.
//!
//! Claims run on the one writer connection inside `BEGIN IMMEDIATE`, so two
//! claims never see the same free row: the second runs after the first has
//! leased it. The lease columns still matter, for a claim made after a worker
//! died (its lease expires) and for `finish_delivery` by a worker whose lease
//! was taken over.

use crate::SqliteStore;
use crate::convert::{
    attempt_id_text, client_id, micros, optional_time_from_micros, request_id, request_id_text,
    status, status_letter, store_error, time_from_micros,
};
use crate::rows;
use maksa_app::store::{
    DeliveryAttempt, ExpiryCandidate, NewNotification, Notification, NotificationKind,
    NotificationState, StoreError,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;
use uuid::Uuid;

/// The columns [`notification`] decodes.
macro_rules! notification_columns {
    () => {
        "n.id AS n_id, n.kind, n.request_id, n.client, n.url, n.status, n.state, n.attempts, n.next_attempt_at, \
         n.created_at, n.delivered_at"
    };
}

/// Inserts an outbox row, pending and due at once. Called inside the
/// transaction of the change it announces.
pub(crate) async fn insert_notification(
    connection: &mut SqliteConnection,
    notification: &NewNotification,
) -> Result<(), StoreError> {
    let created_at = micros(notification.created_at)?;
    sqlx::query(
        "INSERT INTO notifications (id, request_id, client, url, status, state, attempts, next_attempt_at, created_at, kind) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?7)",
    )
    .bind(notification.id.hyphenated().to_string())
    .bind(request_id_text(notification.request_id))
    .bind(notification.client.as_str())
    .bind(&notification.url)
    .bind(status_letter(notification.status))
    .bind(created_at)
    .bind(notification.kind.as_str())
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(store_error)
}

fn uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text)
        .map_err(|_| StoreError::Corrupt(format!("stored notification id `{text}` is not a UUID")))
}

fn notification_kind(text: &str) -> Result<NotificationKind, StoreError> {
    NotificationKind::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown notification kind `{text}`")))
}

fn count<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("stored {what} {value} is out of range")))
}

fn notification(row: &SqliteRow) -> Result<Notification, StoreError> {
    let state: String = get(row, "state")?;
    Ok(Notification {
        id: uuid(&get::<String>(row, "n_id")?)?,
        kind: notification_kind(&get::<String>(row, "kind")?)?,
        request_id: request_id(&get::<String>(row, "request_id")?)?,
        client: client_id(&get::<String>(row, "client")?)?,
        url: get(row, "url")?,
        status: status(&get::<String>(row, "status")?)?,
        state: NotificationState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown notification state `{state}`")))?,
        attempts: count(get(row, "attempts")?, "notification attempts")?,
        next_attempt_at: time_from_micros(get(row, "next_attempt_at")?)?,
        created_at: time_from_micros(get(row, "created_at")?)?,
        delivered_at: optional_time_from_micros(get(row, "delivered_at")?)?,
    })
}

/// A delivery log row from the `a_…` columns; `None` for a LEFT JOIN's empty side.
fn delivery_attempt(row: &SqliteRow) -> Result<Option<DeliveryAttempt>, StoreError> {
    let Some(at) = get::<Option<i64>>(row, "a_at")? else {
        return Ok(None);
    };
    Ok(Some(DeliveryAttempt {
        at: time_from_micros(at)?,
        http_status: get::<Option<i64>>(row, "a_http_status")?
            .map(|value| count(value, "HTTP status"))
            .transpose()?,
        latency_ms: count(get(row, "a_latency_ms")?, "latency")?,
        error: get(row, "a_error")?,
    }))
}

impl SqliteStore {
    pub(crate) async fn lifecycle_claim_notifications(
        &self,
        now: OffsetDateTime,
        worker: &str,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        // A lease ending more than a whole lease after the one given now was
        // taken by a clock ahead of this one (set back since): it is over.
        let lease_horizon = micros(lease_until.saturating_add(lease_until - now))?;
        let now = micros(now)?;
        let lease_until = micros(lease_until)?;
        let mut transaction = self.write().await?;
        // RETURNING takes unqualified columns only, hence not `notification_columns!`.
        let rows = sqlx::query(
            "UPDATE notifications SET lease_owner = ?1, lease_until = ?2 \
             WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?3 \
             AND (lease_until IS NULL OR lease_until < ?3 OR lease_until > ?5) \
             ORDER BY next_attempt_at, id LIMIT ?4) \
             RETURNING id AS n_id, kind, request_id, client, url, status, state, attempts, next_attempt_at, \
             created_at, delivered_at",
        )
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .bind(i64::from(limit))
        .bind(lease_horizon)
        .fetch_all(&mut *transaction)
        .await
        .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
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
        let rows = sqlx::query(concat!(
            "SELECT ",
            notification_columns!(),
            ", a.at AS a_at, a.http_status AS a_http_status, a.latency_ms AS a_latency_ms, a.error AS a_error \
             FROM notifications n JOIN payment_requests r ON r.id = n.request_id \
             LEFT JOIN notification_attempts a ON a.notification_id = n.id \
             WHERE n.request_id = ?1 AND r.owner = ?2 \
             ORDER BY n.created_at, n.id, a.at, a.id"
        ))
        .bind(request_id_text(id))
        .bind(owner.as_str())
        .fetch_all(&self.readers)
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
            " FROM notifications n WHERE n.state = ?1 ORDER BY n.created_at, n.id LIMIT ?2"
        ))
        .bind(state.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(notification).collect()
    }

    pub(crate) async fn lifecycle_notification_backlog(&self) -> Result<(u64, u64), StoreError> {
        let (pending, dead): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'dead'), 0) \
             FROM notifications WHERE state IN ('pending', 'dead')",
        )
        .fetch_one(&self.readers)
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
        // The server response URL lives only in the stored terms (JSON).
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT r.id, r.owner, json_extract(r.terms, '$.server_response_url') \
             FROM payment_requests r WHERE r.status = 'P' AND r.expires_at <= ?1 \
             AND NOT (r.expires_at > ?2 AND EXISTS (SELECT 1 FROM attempts a \
               WHERE a.request_id = r.id AND a.state IN ('started', 'accepted'))) \
             ORDER BY r.expires_at, r.id LIMIT ?3",
        )
        .bind(micros(now)?)
        .bind(micros(grace_cutoff)?)
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|(id, owner, server_response_url)| {
                Ok(ExpiryCandidate {
                    id: request_id(&id)?,
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
        let mut transaction = self.write().await?;
        // Moving next_query_at to the lease's end is the lease: another claim
        // sees the attempt again only if this worker never notes its query.
        let rows = sqlx::query(concat!(
            "UPDATE attempts SET next_query_at = ?1 WHERE id IN (SELECT id FROM attempts \
             WHERE state IN ('started', 'accepted') AND unresolved = 0 AND next_query_at <= ?2 \
             ORDER BY next_query_at, id LIMIT ?3) RETURNING queries_made, ",
            rows::attempt_columns!()
        ))
        .bind(micros(lease_until)?)
        .bind(micros(now)?)
        .bind(i64::from(limit))
        .fetch_all(&mut *transaction)
        .await
        .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                Ok((
                    rows::attempt(row)?,
                    count(get(row, "queries_made")?, "query count")?,
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
        let next = next_query_at.map(micros).transpose()?;
        let mut transaction = self.write().await?;
        // Giving up (no next time) marks the attempt unresolved: it leaves the
        // claims and shows in `unresolved_attempts` for an operator.
        sqlx::query(
            "UPDATE attempts SET queries_made = queries_made + 1, next_query_at = ?1, \
             unresolved = CASE WHEN ?1 IS NULL THEN 1 ELSE unresolved END WHERE id = ?2",
        )
        .bind(next)
        .bind(attempt_id_text(id))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)
    }

    pub(crate) async fn lifecycle_unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            rows::attempt_columns!(),
            " FROM attempts WHERE unresolved = 1 AND state IN ('started', 'accepted') ORDER BY created_at, id"
        ))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(rows::attempt).collect()
    }

    pub(crate) async fn lifecycle_notification_secrets(
        &self,
        client: &ClientId,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT secret FROM notification_secrets WHERE client = ?1 AND retired_at IS NULL \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(client.as_str())
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)
    }

    pub(crate) async fn lifecycle_notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, StoreError> {
        let made: Vec<i64> = sqlx::query_scalar(
            "SELECT created_at FROM notification_secrets WHERE client = ?1 AND retired_at IS NULL \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(client.as_str())
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        made.into_iter().map(time_from_micros).collect()
    }
}

/// Makes dead notifications pending again on `connection` (the caller's
/// transaction). Attempts are kept: the log shows the whole history of the row.
/// `OutboxStore::reschedule_notifications_beyond`.
pub(crate) async fn reschedule_notifications_beyond(
    connection: &mut SqliteConnection,
    horizon: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE notifications SET next_attempt_at = ?1 \
         WHERE state = 'pending' AND next_attempt_at > ?2",
    )
    .bind(micros(now)?)
    .bind(micros(horizon)?)
    .execute(connection)
    .await
    .map_err(store_error)?
    .rows_affected())
}

pub(crate) async fn resend_notifications(
    connection: &mut SqliteConnection,
    ids: Option<&[Uuid]>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let now = micros(now)?;
    if ids.is_some_and(<[Uuid]>::is_empty) {
        return Ok(0);
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "UPDATE notifications SET state = 'pending', next_attempt_at = ",
    );
    query
        .push_bind(now)
        .push(", lease_owner = NULL, lease_until = NULL WHERE state = 'dead'");
    if let Some(ids) = ids {
        query.push(" AND id IN (");
        let mut list = query.separated(", ");
        for id in ids {
            list.push_bind(id.hyphenated().to_string());
        }
        query.push(")");
    }
    Ok(query
        .build()
        .execute(connection)
        .await
        .map_err(store_error)?
        .rows_affected())
}
