//! The console's dashboard and reports in PostgreSQL
//! (`maksa_app::store::DashboardStore`): aggregate reads over the indexes of
//! migration 0013. A row's day in a span's offset is
//! `floor((epoch seconds + offset) / 86400)`.

use crate::PostgresStore;
use crate::convert::{store_error, stored_time};
use async_trait::async_trait;
use maksa_app::store::{
    AttemptTally, CONFIRMATION_CAP_SECONDS, ConfirmationBucket, DashboardStore, LocalSpan,
    NotificationHealth, PaidDay, PayeeDay, Queues, RequestDay, StoreError,
};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row};
use time::OffsetDateTime;

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(store_error)
}

fn count(row: &PgRow, column: &str) -> Result<u64, StoreError> {
    let value: i64 = get(row, column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a negative count {value}")))
}

fn paid_days(rows: &[PgRow]) -> Result<Vec<PaidDay>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(PaidDay {
                day: get(row, "day")?,
                key: get::<Option<String>>(row, "key")?.unwrap_or_default(),
                currency: get(row, "currency")?,
                count: count(row, "n")?,
                minor: get(row, "total")?,
            })
        })
        .collect()
}

#[async_trait]
impl DashboardStore for PostgresStore {
    async fn paid_by_provider(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError> {
        let rows = sqlx::query(
            "SELECT floor((extract(epoch FROM paid_at) + $3) / 86400)::bigint AS day, \
             provider AS key, currency, COUNT(*) AS n, SUM(amount_minor)::bigint AS total \
             FROM payments WHERE paid_at >= $1 AND paid_at < $2 AND paid_at IS NOT NULL \
             AND status = 'E' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )
        .bind(stored_time(span.start))
        .bind(stored_time(span.end))
        .bind(i64::from(span.offset_seconds))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        paid_days(&rows)
    }

    async fn paid_by_service(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError> {
        let rows = sqlx::query(
            "SELECT floor((extract(epoch FROM paid_at) + $3) / 86400)::bigint AS day, \
             service_name AS key, currency, COUNT(*) AS n, SUM(total_minor)::bigint AS total \
             FROM payment_requests WHERE paid_at >= $1 AND paid_at < $2 AND paid_at IS NOT NULL \
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )
        .bind(stored_time(span.start))
        .bind(stored_time(span.end))
        .bind(i64::from(span.offset_seconds))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        paid_days(&rows)
    }

    async fn requests_by_day(&self, span: &LocalSpan) -> Result<Vec<RequestDay>, StoreError> {
        let rows = sqlx::query(
            "SELECT floor((extract(epoch FROM created_at) + $3) / 86400)::bigint AS day, \
             COUNT(*) AS n, COUNT(*) FILTER (WHERE status = 'E') AS paid FROM payment_requests \
             WHERE created_at >= $1 AND created_at < $2 GROUP BY 1 ORDER BY 1",
        )
        .bind(stored_time(span.start))
        .bind(stored_time(span.end))
        .bind(i64::from(span.offset_seconds))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(RequestDay {
                    day: get(row, "day")?,
                    created: count(row, "n")?,
                    paid: count(row, "paid")?,
                })
            })
            .collect()
    }

    async fn attempt_tallies(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<AttemptTally>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, \
             COUNT(*) FILTER (WHERE state = 'executed') AS executed, \
             COUNT(*) FILTER (WHERE state = 'rejected') AS rejected, \
             COUNT(*) FILTER (WHERE state IN ('started', 'accepted')) AS open \
             FROM attempts WHERE created_at >= $1 AND created_at < $2 \
             GROUP BY provider ORDER BY provider",
        )
        .bind(stored_time(start))
        .bind(stored_time(end))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(AttemptTally {
                    provider: get(row, "provider")?,
                    executed: count(row, "executed")?,
                    rejected: count(row, "rejected")?,
                    open: count(row, "open")?,
                })
            })
            .collect()
    }

    async fn confirmation_times(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<ConfirmationBucket>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, LEAST(GREATEST(floor(extract(epoch FROM (updated_at - created_at)))::bigint, 0), $3) AS seconds, \
             COUNT(*) AS n FROM attempts \
             WHERE created_at >= $1 AND created_at < $2 AND state = 'executed' \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(stored_time(start))
        .bind(stored_time(end))
        .bind(CONFIRMATION_CAP_SECONDS)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(ConfirmationBucket {
                    provider: get(row, "provider")?,
                    seconds: get(row, "seconds")?,
                    count: count(row, "n")?,
                })
            })
            .collect()
    }

    async fn notification_health(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<NotificationHealth, StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM notifications WHERE state = 'delivered' \
                AND created_at >= $1 AND created_at < $2) AS delivered, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'pending' AND attempts = 0 \
                AND created_at >= $1 AND created_at < $2) AS waiting, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'pending' AND attempts > 0 \
                AND created_at >= $1 AND created_at < $2) AS retrying, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'dead' \
                AND created_at >= $1 AND created_at < $2) AS dead, \
             (SELECT MIN(created_at) FROM notifications WHERE state = 'pending') AS oldest",
        )
        .bind(stored_time(start))
        .bind(stored_time(end))
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(NotificationHealth {
            delivered: count(&row, "delivered")?,
            waiting: count(&row, "waiting")?,
            retrying: count(&row, "retrying")?,
            dead: count(&row, "dead")?,
            oldest_pending: get(&row, "oldest")?,
        })
    }

    async fn queues(&self) -> Result<Queues, StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM attempts WHERE unresolved) AS unresolved, \
             (SELECT COUNT(*) FROM statement_entries e WHERE e.outcome = 'refund_candidate' \
                AND NOT EXISTS (SELECT 1 FROM payment_orders o WHERE o.entry_id = e.id \
                AND o.state NOT IN ('cancelled', 'rejected'))) AS refunds, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'dead') AS dead",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(Queues {
            unresolved_attempts: count(&row, "unresolved")?,
            refund_candidates: count(&row, "refunds")?,
            dead_notifications: count(&row, "dead")?,
        })
    }

    async fn paid_by_payee(
        &self,
        span: &LocalSpan,
        limit: u32,
    ) -> Result<Vec<PayeeDay>, StoreError> {
        let rows = sqlx::query(
            "SELECT floor((extract(epoch FROM p.paid_at) + $3) / 86400)::bigint AS day, \
             r.service_name AS service, p.payee_iban, MAX(p.payee->>'name') AS payee_name, \
             p.currency, COUNT(*) AS n, SUM(p.amount_minor)::bigint AS total \
             FROM payments p JOIN payment_requests r ON r.id = p.request_id \
             WHERE p.paid_at >= $1 AND p.paid_at < $2 AND p.paid_at IS NOT NULL AND p.status = 'E' \
             GROUP BY 1, 2, 3, 5 ORDER BY 1, 2, 3, 5 LIMIT $4",
        )
        .bind(stored_time(span.start))
        .bind(stored_time(span.end))
        .bind(i64::from(span.offset_seconds))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(PayeeDay {
                    day: get(row, "day")?,
                    service: get(row, "service")?,
                    payee_iban: get(row, "payee_iban")?,
                    payee_name: get::<Option<String>>(row, "payee_name")?.unwrap_or_default(),
                    currency: get(row, "currency")?,
                    count: count(row, "n")?,
                    minor: get(row, "total")?,
                })
            })
            .collect()
    }
}
