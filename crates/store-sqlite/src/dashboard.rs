//! The console's dashboard and reports in SQLite
//! (`maksa_app::store::DashboardStore`): the dashboard's panels read the
//! roll-up of migration 0018 (counters per UTC hour or per piece, kept by
//! triggers); [`FromRows`] answers the same from the rows themselves over
//! the indexes of migration 0013 — the truth the roll-up is tested against,
//! and the answer for bounds off the roll-up's grid. Times are INTEGER
//! microseconds, so a row's day in a span's offset is
//! `(t + offset) / 86,400,000,000` (every stored time is after 1970: the
//! division truncates as a floor would).

use crate::SqliteStore;
use crate::convert::{micros, optional_time_from_micros, store_error};
use async_trait::async_trait;
use maksa_app::store::{
    AttemptTally, CONFIRMATION_CAP_SECONDS, ConfirmationBucket, DashboardStore, LocalSpan,
    NotificationHealth, PaidDay, PayeeDay, Queues, RequestDay, StoreError, in_buckets, rollup_hour,
    rollup_piece,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};
use time::OffsetDateTime;

const DAY_MICROS: i64 = 86_400_000_000;

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(store_error)
}

fn count(row: &SqliteRow, column: &str) -> Result<u64, StoreError> {
    let value: i64 = get(row, column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a negative count {value}")))
}

/// The span's start, end and offset in microseconds.
fn span_micros(span: &LocalSpan) -> Result<(i64, i64, i64), StoreError> {
    Ok((
        micros(span.start)?,
        micros(span.end)?,
        i64::from(span.offset_seconds).saturating_mul(1_000_000),
    ))
}

fn paid_days(rows: &[SqliteRow]) -> Result<Vec<PaidDay>, StoreError> {
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

/// The span's first and end hour, when both are whole UTC hours.
fn span_hours(span: &LocalSpan) -> Option<(i64, i64)> {
    Some((rollup_hour(span.start)?, rollup_hour(span.end)?))
}

/// The range's first and end piece, when both are Riga midnights.
fn range_pieces(start: OffsetDateTime, end: OffsetDateTime) -> Option<(i64, i64)> {
    Some((rollup_piece(start)?, rollup_piece(end)?))
}

#[async_trait]
impl DashboardStore for SqliteStore {
    async fn paid_by_provider(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError> {
        let Some((first, end)) = span_hours(span) else {
            return FromRows(self).paid_by_provider(span).await;
        };
        let rows = sqlx::query(
            "SELECT (hour * 3600 + ?3) / 86400 AS day, provider AS key, currency, \
             SUM(n) AS n, SUM(minor) AS total FROM dashboard_paid_payments \
             WHERE hour >= ?1 AND hour < ?2 \
             GROUP BY day, key, currency HAVING SUM(n) > 0 ORDER BY day, key, currency",
        )
        .bind(first)
        .bind(end)
        .bind(i64::from(span.offset_seconds))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        paid_days(&rows)
    }

    async fn paid_by_service(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError> {
        let Some((first, end)) = span_hours(span) else {
            return FromRows(self).paid_by_service(span).await;
        };
        let rows = sqlx::query(
            "SELECT (hour * 3600 + ?3) / 86400 AS day, service_name AS key, currency, \
             SUM(n) AS n, SUM(minor) AS total FROM dashboard_paid_requests \
             WHERE hour >= ?1 AND hour < ?2 \
             GROUP BY day, key, currency HAVING SUM(n) > 0 ORDER BY day, key, currency",
        )
        .bind(first)
        .bind(end)
        .bind(i64::from(span.offset_seconds))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        paid_days(&rows)
    }

    async fn requests_by_day(&self, span: &LocalSpan) -> Result<Vec<RequestDay>, StoreError> {
        let Some((first, end)) = span_hours(span) else {
            return FromRows(self).requests_by_day(span).await;
        };
        let rows = sqlx::query(
            "SELECT (hour * 3600 + ?3) / 86400 AS day, SUM(n) AS n, \
             SUM(CASE WHEN status = 'E' THEN n ELSE 0 END) AS paid FROM dashboard_requests \
             WHERE hour >= ?1 AND hour < ?2 GROUP BY day HAVING SUM(n) > 0 ORDER BY day",
        )
        .bind(first)
        .bind(end)
        .bind(i64::from(span.offset_seconds))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        request_days(&rows)
    }

    async fn attempt_tallies(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<AttemptTally>, StoreError> {
        let Some((first, last)) = range_pieces(start, end) else {
            return FromRows(self).attempt_tallies(start, end).await;
        };
        let rows = sqlx::query(
            "SELECT provider, \
             SUM(CASE WHEN state = 'executed' THEN n ELSE 0 END) AS executed, \
             SUM(CASE WHEN state = 'rejected' THEN n ELSE 0 END) AS rejected, \
             SUM(CASE WHEN state IN ('started', 'accepted') THEN n ELSE 0 END) AS open \
             FROM dashboard_attempts WHERE piece >= ?1 AND piece < ?2 \
             GROUP BY provider HAVING SUM(n) > 0 ORDER BY provider",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        attempt_tallies(&rows)
    }

    async fn confirmation_times(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<ConfirmationBucket>, StoreError> {
        let Some((first, last)) = range_pieces(start, end) else {
            return FromRows(self).confirmation_times(start, end).await;
        };
        let rows = sqlx::query(
            "SELECT provider, seconds, SUM(n) AS n FROM dashboard_attempts \
             WHERE piece >= ?1 AND piece < ?2 AND state = 'executed' \
             GROUP BY provider, seconds HAVING SUM(n) > 0 ORDER BY provider, seconds",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        confirmation_buckets(&rows)
    }

    async fn notification_health(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<NotificationHealth, StoreError> {
        let Some((first, last)) = range_pieces(start, end) else {
            return FromRows(self).notification_health(start, end).await;
        };
        let row = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN state = 'delivered' THEN n END), 0) AS delivered, \
             COALESCE(SUM(CASE WHEN state = 'pending' AND tried = 0 THEN n END), 0) AS waiting, \
             COALESCE(SUM(CASE WHEN state = 'pending' AND tried = 1 THEN n END), 0) AS retrying, \
             COALESCE(SUM(CASE WHEN state = 'dead' THEN n END), 0) AS dead, \
             (SELECT MIN(created_at) FROM notifications WHERE state = 'pending') AS oldest \
             FROM dashboard_notifications WHERE piece >= ?1 AND piece < ?2",
        )
        .bind(first)
        .bind(last)
        .fetch_one(&self.readers)
        .await
        .map_err(store_error)?;
        notification_health(&row)
    }

    async fn queues(&self) -> Result<Queues, StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM attempts WHERE unresolved = 1) AS unresolved, \
             (SELECT COUNT(*) FROM statement_entries e WHERE e.outcome = 'refund_candidate' \
                AND NOT EXISTS (SELECT 1 FROM payment_orders o WHERE o.entry_id = e.id \
                AND o.state NOT IN ('cancelled', 'rejected'))) AS refunds, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'dead') AS dead",
        )
        .fetch_one(&self.readers)
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
        let (start, end, offset) = span_micros(span)?;
        let rows = sqlx::query(
            "SELECT (p.paid_at + ?3) / ?4 AS day, r.service_name AS service, p.payee_iban, \
             MAX(json_extract(p.payee, '$.name')) AS payee_name, p.currency, COUNT(*) AS n, \
             SUM(p.amount_minor) AS total \
             FROM payments p JOIN payment_requests r ON r.id = p.request_id \
             WHERE p.paid_at >= ?1 AND p.paid_at < ?2 AND p.paid_at IS NOT NULL AND p.status = 'E' \
             GROUP BY day, service, p.payee_iban, p.currency \
             ORDER BY day, service, p.payee_iban, p.currency LIMIT ?5",
        )
        .bind(start)
        .bind(end)
        .bind(offset)
        .bind(DAY_MICROS)
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
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

    fn counted_from_rows(&self) -> Box<dyn DashboardStore + '_> {
        Box::new(FromRows(self))
    }
}

fn request_days(rows: &[SqliteRow]) -> Result<Vec<RequestDay>, StoreError> {
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

fn attempt_tallies(rows: &[SqliteRow]) -> Result<Vec<AttemptTally>, StoreError> {
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

fn confirmation_buckets(rows: &[SqliteRow]) -> Result<Vec<ConfirmationBucket>, StoreError> {
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

fn notification_health(row: &SqliteRow) -> Result<NotificationHealth, StoreError> {
    Ok(NotificationHealth {
        delivered: count(row, "delivered")?,
        waiting: count(row, "waiting")?,
        retrying: count(row, "retrying")?,
        dead: count(row, "dead")?,
        oldest_pending: optional_time_from_micros(get(row, "oldest")?)?,
    })
}

/// The dashboard counted from the rows themselves (no roll-up): what the
/// roll-up must equal (the store suite's `dashboard` scenarios), and the
/// answer for bounds off its grid.
pub struct FromRows<'a>(&'a SqliteStore);

#[async_trait]
impl DashboardStore for FromRows<'_> {
    async fn paid_by_provider(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError> {
        let (start, end, offset) = span_micros(span)?;
        let rows = sqlx::query(
            "SELECT (paid_at + ?3) / ?4 AS day, provider AS key, currency, COUNT(*) AS n, \
             SUM(amount_minor) AS total FROM payments \
             WHERE paid_at >= ?1 AND paid_at < ?2 AND paid_at IS NOT NULL AND status = 'E' \
             GROUP BY day, key, currency ORDER BY day, key, currency",
        )
        .bind(start)
        .bind(end)
        .bind(offset)
        .bind(DAY_MICROS)
        .fetch_all(&self.0.readers)
        .await
        .map_err(store_error)?;
        paid_days(&rows)
    }

    async fn paid_by_service(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError> {
        let (start, end, offset) = span_micros(span)?;
        let rows = sqlx::query(
            "SELECT (paid_at + ?3) / ?4 AS day, service_name AS key, currency, COUNT(*) AS n, \
             SUM(total_minor) AS total FROM payment_requests \
             WHERE paid_at >= ?1 AND paid_at < ?2 AND paid_at IS NOT NULL \
             GROUP BY day, key, currency ORDER BY day, key, currency",
        )
        .bind(start)
        .bind(end)
        .bind(offset)
        .bind(DAY_MICROS)
        .fetch_all(&self.0.readers)
        .await
        .map_err(store_error)?;
        paid_days(&rows)
    }

    async fn requests_by_day(&self, span: &LocalSpan) -> Result<Vec<RequestDay>, StoreError> {
        let (start, end, offset) = span_micros(span)?;
        let rows = sqlx::query(
            "SELECT (created_at + ?3) / ?4 AS day, COUNT(*) AS n, \
             SUM(CASE WHEN status = 'E' THEN 1 ELSE 0 END) AS paid FROM payment_requests \
             WHERE created_at >= ?1 AND created_at < ?2 GROUP BY day ORDER BY day",
        )
        .bind(start)
        .bind(end)
        .bind(offset)
        .bind(DAY_MICROS)
        .fetch_all(&self.0.readers)
        .await
        .map_err(store_error)?;
        request_days(&rows)
    }

    async fn attempt_tallies(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<AttemptTally>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, \
             SUM(CASE WHEN state = 'executed' THEN 1 ELSE 0 END) AS executed, \
             SUM(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END) AS rejected, \
             SUM(CASE WHEN state IN ('started', 'accepted') THEN 1 ELSE 0 END) AS open \
             FROM attempts WHERE created_at >= ?1 AND created_at < ?2 \
             GROUP BY provider ORDER BY provider",
        )
        .bind(micros(start)?)
        .bind(micros(end)?)
        .fetch_all(&self.0.readers)
        .await
        .map_err(store_error)?;
        attempt_tallies(&rows)
    }

    async fn confirmation_times(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<ConfirmationBucket>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, MIN(MAX((updated_at - created_at) / 1000000, 0), ?3) AS seconds, \
             COUNT(*) AS n FROM attempts \
             WHERE created_at >= ?1 AND created_at < ?2 AND state = 'executed' \
             GROUP BY provider, seconds ORDER BY provider, seconds",
        )
        .bind(micros(start)?)
        .bind(micros(end)?)
        .bind(CONFIRMATION_CAP_SECONDS)
        .fetch_all(&self.0.readers)
        .await
        .map_err(store_error)?;
        // Whole seconds from the rows, put in the roll-up's buckets here.
        Ok(in_buckets(confirmation_buckets(&rows)?))
    }

    async fn notification_health(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<NotificationHealth, StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM notifications WHERE state = 'delivered' \
                AND created_at >= ?1 AND created_at < ?2) AS delivered, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'pending' AND attempts = 0 \
                AND created_at >= ?1 AND created_at < ?2) AS waiting, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'pending' AND attempts > 0 \
                AND created_at >= ?1 AND created_at < ?2) AS retrying, \
             (SELECT COUNT(*) FROM notifications WHERE state = 'dead' \
                AND created_at >= ?1 AND created_at < ?2) AS dead, \
             (SELECT MIN(created_at) FROM notifications WHERE state = 'pending') AS oldest",
        )
        .bind(micros(start)?)
        .bind(micros(end)?)
        .fetch_one(&self.0.readers)
        .await
        .map_err(store_error)?;
        notification_health(&row)
    }

    async fn queues(&self) -> Result<Queues, StoreError> {
        self.0.queues().await
    }

    async fn paid_by_payee(
        &self,
        span: &LocalSpan,
        limit: u32,
    ) -> Result<Vec<PayeeDay>, StoreError> {
        self.0.paid_by_payee(span, limit).await
    }

    fn counted_from_rows(&self) -> Box<dyn DashboardStore + '_> {
        Box::new(FromRows(self.0))
    }
}
