//! Card payments' bookkeeping in PostgreSQL (`maksa_app::store::CardStore`):
//! reversals, business-day closes, and the hub's totals of a period.

use crate::PostgresStore;
use crate::convert::{amount, currency, optional_stored_time, store_error, stored_time};
use crate::rows::{self, attempt_columns};
use async_trait::async_trait;
use maksa_app::store::{CardDayClose, CardReversal, CardStore, CardTotals, StoreError};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::codes::ProviderCode;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Postgres, Row};
use time::OffsetDateTime;

const CLOSE_COLUMNS: &str = "provider, period_from, closed_at, acquirer_debit_count, \
     acquirer_debit_minor, acquirer_reversal_count, acquirer_reversal_minor, hub_debit_count, \
     hub_debit_minor, hub_reversal_count, hub_reversal_minor";

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(store_error)
}

fn count(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a negative count {value}")))
}

fn stored_count(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a count {value} too large")))
}

fn provider(text: &str) -> Result<ProviderCode, StoreError> {
    ProviderCode::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("`{text}` is not a provider code")))
}

fn totals(row: &PgRow, side: &str) -> Result<CardTotals, StoreError> {
    Ok(CardTotals {
        debit_count: count(get(row, &format!("{side}_debit_count"))?)?,
        debit_minor: get(row, &format!("{side}_debit_minor"))?,
        reversal_count: count(get(row, &format!("{side}_reversal_count"))?)?,
        reversal_minor: get(row, &format!("{side}_reversal_minor"))?,
    })
}

fn day_close(row: &PgRow) -> Result<CardDayClose, StoreError> {
    Ok(CardDayClose {
        provider: provider(&get::<String>(row, "provider")?)?,
        period_from: get(row, "period_from")?,
        closed_at: get(row, "closed_at")?,
        acquirer: totals(row, "acquirer")?,
        hub: totals(row, "hub")?,
    })
}

pub(crate) async fn insert_card_reversal(
    connection: &mut PgConnection,
    reversal: &CardReversal,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO card_reversals (attempt_id, provider, amount_minor, currency, approved_by, \
         reversed_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (attempt_id) DO NOTHING",
    )
    .bind(reversal.attempt.as_uuid())
    .bind(reversal.provider.as_str())
    .bind(reversal.amount.minor())
    .bind(reversal.currency.as_str())
    .bind(&reversal.approved_by)
    .bind(stored_time(reversal.reversed_at))
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn insert_card_day_close(
    connection: &mut PgConnection,
    close: &CardDayClose,
) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO card_day_closes ({CLOSE_COLUMNS}, matches) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )))
    .bind(close.provider.as_str())
    .bind(optional_stored_time(close.period_from))
    .bind(stored_time(close.closed_at))
    .bind(stored_count(close.acquirer.debit_count)?)
    .bind(close.acquirer.debit_minor)
    .bind(stored_count(close.acquirer.reversal_count)?)
    .bind(close.acquirer.reversal_minor)
    .bind(stored_count(close.hub.debit_count)?)
    .bind(close.hub.debit_minor)
    .bind(stored_count(close.hub.reversal_count)?)
    .bind(close.hub.reversal_minor)
    .bind(close.matches())
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl CardStore for PostgresStore {
    async fn card_totals(
        &self,
        provider: &ProviderCode,
        from: Option<OffsetDateTime>,
        till: OffsetDateTime,
    ) -> Result<CardTotals, StoreError> {
        let from = optional_stored_time(from);
        let till = stored_time(till);
        let debits = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(amount_minor), 0)::bigint AS total FROM attempts \
             WHERE provider = $1 AND state = 'executed' AND ($2::timestamptz IS NULL OR updated_at > $2) AND updated_at <= $3",
        )
        .bind(provider.as_str())
        .bind(from)
        .bind(till)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let reversals = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(amount_minor), 0)::bigint AS total FROM card_reversals \
             WHERE provider = $1 AND ($2::timestamptz IS NULL OR reversed_at > $2) AND reversed_at <= $3",
        )
        .bind(provider.as_str())
        .bind(from)
        .bind(till)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(CardTotals {
            debit_count: count(get(&debits, "n")?)?,
            debit_minor: get(&debits, "total")?,
            reversal_count: count(get(&reversals, "n")?)?,
            reversal_minor: get(&reversals, "total")?,
        })
    }

    async fn last_card_day_close(
        &self,
        provider: &ProviderCode,
    ) -> Result<Option<CardDayClose>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLOSE_COLUMNS} FROM card_day_closes WHERE provider = $1 \
             ORDER BY closed_at DESC, id DESC LIMIT 1"
        )))
        .bind(provider.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(day_close).transpose()
    }

    async fn card_day_closes(&self, limit: u32) -> Result<Vec<CardDayClose>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLOSE_COLUMNS} FROM card_day_closes ORDER BY closed_at DESC, id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(day_close).collect()
    }

    async fn card_reversal(&self, attempt: AttemptId) -> Result<Option<CardReversal>, StoreError> {
        let row = sqlx::query(
            "SELECT attempt_id, provider, amount_minor, currency, approved_by, reversed_at \
             FROM card_reversals WHERE attempt_id = $1",
        )
        .bind(attempt.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(CardReversal {
                attempt: AttemptId::from_uuid(get(&row, "attempt_id")?),
                provider: provider(&get::<String>(&row, "provider")?)?,
                amount: amount(get(&row, "amount_minor")?)?,
                currency: currency(&get::<String>(&row, "currency")?)?,
                approved_by: get(&row, "approved_by")?,
                reversed_at: get(&row, "reversed_at")?,
            })
        })
        .transpose()
    }

    async fn card_refunds_due(
        &self,
        providers: &[ProviderCode],
        limit: u32,
    ) -> Result<Vec<Attempt>, StoreError> {
        let mut due = Vec::new();
        for code in providers {
            let rows = sqlx::query(concat!(
                "SELECT ",
                attempt_columns!(),
                " FROM attempts WHERE provider = $1 AND state = 'executed' AND refund_required \
                 AND NOT EXISTS (SELECT 1 FROM card_reversals r WHERE r.attempt_id = attempts.id) \
                 ORDER BY updated_at, id LIMIT $2"
            ))
            .bind(code.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
            for row in &rows {
                due.push(rows::attempt(row)?);
            }
        }
        due.sort_by_key(|a: &Attempt| (a.updated_at, a.id));
        due.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(due)
    }
}
