//! The console's operator accounts in SQLite (`maksa_app::store::OperatorStore`
//! and the unit of work's operator writes): accounts, sessions, card
//! reversal proposals and the activity log's read of the audit trail.

use crate::SqliteStore;
use crate::convert::{attempt_id, attempt_id_text, micros, store_error, time_from_micros};
use crate::rows;
use async_trait::async_trait;
use maksa_app::operators::Role;
use maksa_app::store::{
    ActivityEntry, ActivityQuery, CardReversalProposal, OperatorRecord, OperatorSessionRecord,
    OperatorStore, StoreError,
};
use maksa_domain::attempt::AttemptId;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Row, Sqlite};
use time::OffsetDateTime;

const ACCOUNT_COLUMNS: &str = "name, role, password_hash, totp_secret, totp_last_step, disabled, \
     created_at, created_by, updated_at, updated_by";
const SESSION_COLUMNS: &str = "id, operator, created_at, last_seen, expires_at";

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(store_error)
}

fn account(row: &SqliteRow) -> Result<OperatorRecord, StoreError> {
    let role: String = get(row, "role")?;
    Ok(OperatorRecord {
        name: get(row, "name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("`{role}` is not an operator role")))?,
        password_hash: get(row, "password_hash")?,
        totp_secret: get(row, "totp_secret")?,
        totp_last_step: get(row, "totp_last_step")?,
        disabled: get::<i64>(row, "disabled")? != 0,
        created_at: time_from_micros(get(row, "created_at")?)?,
        created_by: get(row, "created_by")?,
        updated_at: time_from_micros(get(row, "updated_at")?)?,
        updated_by: get(row, "updated_by")?,
    })
}

fn session(row: &SqliteRow) -> Result<OperatorSessionRecord, StoreError> {
    Ok(OperatorSessionRecord {
        id: get(row, "id")?,
        operator: get(row, "operator")?,
        created_at: time_from_micros(get(row, "created_at")?)?,
        last_seen: time_from_micros(get(row, "last_seen")?)?,
        expires_at: time_from_micros(get(row, "expires_at")?)?,
    })
}

fn proposal(row: &SqliteRow) -> Result<CardReversalProposal, StoreError> {
    Ok(CardReversalProposal {
        attempt: attempt_id(&get::<String>(row, "attempt_id")?)?,
        proposed_by: get(row, "proposed_by")?,
        proposed_at: time_from_micros(get(row, "proposed_at")?)?,
    })
}

pub(crate) async fn lock_enabled_administrators(
    connection: &mut SqliteConnection,
) -> Result<u64, StoreError> {
    // The unit of work holds SQLite's write lock: nobody changes them meanwhile.
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM operator_accounts WHERE role = 'administrator' AND disabled = 0 \
         ORDER BY name",
    )
    .fetch_all(connection)
    .await
    .map_err(store_error)?;
    Ok(u64::try_from(names.len()).unwrap_or(u64::MAX))
}

pub(crate) async fn operator_for_update(
    connection: &mut SqliteConnection,
    name: &str,
) -> Result<Option<OperatorRecord>, StoreError> {
    // The unit of work holds SQLite's write lock: the row stays as read.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM operator_accounts WHERE name = ?1"
    )))
    .bind(name)
    .fetch_optional(connection)
    .await
    .map_err(store_error)?;
    row.as_ref().map(account).transpose()
}

pub(crate) async fn insert_operator(
    connection: &mut SqliteConnection,
    record: &OperatorRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO operator_accounts ({ACCOUNT_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (name) DO NOTHING"
    )))
    .bind(&record.name)
    .bind(record.role.as_str())
    .bind(&record.password_hash)
    .bind(&record.totp_secret)
    .bind(record.totp_last_step)
    .bind(record.disabled)
    .bind(micros(record.created_at)?)
    .bind(&record.created_by)
    .bind(micros(record.updated_at)?)
    .bind(&record.updated_by)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn update_operator(
    connection: &mut SqliteConnection,
    record: &OperatorRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE operator_accounts SET role = ?2, password_hash = ?3, totp_secret = ?4, \
         totp_last_step = ?5, disabled = ?6, updated_at = ?7, updated_by = ?8 WHERE name = ?1",
    )
    .bind(&record.name)
    .bind(record.role.as_str())
    .bind(&record.password_hash)
    .bind(&record.totp_secret)
    .bind(record.totp_last_step)
    .bind(record.disabled)
    .bind(micros(record.updated_at)?)
    .bind(&record.updated_by)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

pub(crate) async fn insert_operator_session(
    connection: &mut SqliteConnection,
    record: &OperatorSessionRecord,
) -> Result<(), StoreError> {
    // The operator's sessions past their lifetime go first: the table never
    // holds more than the sessions still alive.
    sqlx::query("DELETE FROM operator_sessions WHERE operator = ?1 AND expires_at <= ?2")
        .bind(&record.operator)
        .bind(micros(record.created_at)?)
        .execute(&mut *connection)
        .await
        .map_err(store_error)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO operator_sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
    )))
    .bind(&record.id)
    .bind(&record.operator)
    .bind(micros(record.created_at)?)
    .bind(micros(record.last_seen)?)
    .bind(micros(record.expires_at)?)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(())
}

pub(crate) async fn end_operator_sessions(
    connection: &mut SqliteConnection,
    operator: &str,
    only: Option<&str>,
) -> Result<u64, StoreError> {
    let done = match only {
        Some(id) => {
            sqlx::query("DELETE FROM operator_sessions WHERE operator = ?1 AND id = ?2")
                .bind(operator)
                .bind(id)
                .execute(connection)
                .await
        }
        None => {
            sqlx::query("DELETE FROM operator_sessions WHERE operator = ?1")
                .bind(operator)
                .execute(connection)
                .await
        }
    }
    .map_err(store_error)?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_card_reversal_proposal(
    connection: &mut SqliteConnection,
    proposal: &CardReversalProposal,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO card_reversal_proposals (attempt_id, proposed_by, proposed_at) \
         VALUES (?1, ?2, ?3) ON CONFLICT (attempt_id) DO NOTHING",
    )
    .bind(attempt_id_text(proposal.attempt))
    .bind(&proposal.proposed_by)
    .bind(micros(proposal.proposed_at)?)
    .execute(connection)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn delete_card_reversal_proposal(
    connection: &mut SqliteConnection,
    attempt: AttemptId,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM card_reversal_proposals WHERE attempt_id = ?1")
        .bind(attempt_id_text(attempt))
        .execute(connection)
        .await
        .map_err(store_error)?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn operator_record(&self, name: &str) -> Result<Option<OperatorRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM operator_accounts WHERE name = ?1"
        )))
        .bind(name)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(account).transpose()
    }

    async fn operator_records(&self, limit: u32) -> Result<Vec<OperatorRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM operator_accounts ORDER BY name LIMIT ?1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(account).collect()
    }

    async fn operator_session_record(
        &self,
        id: &str,
    ) -> Result<Option<OperatorSessionRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM operator_sessions WHERE id = ?1"
        )))
        .bind(id)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(session).transpose()
    }

    async fn touch_operator_session(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE operator_sessions SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2")
            .bind(id)
            .bind(micros(at)?)
            .execute(self.writer()?)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn take_totp_step(&self, name: &str, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE operator_accounts SET totp_last_step = ?2 \
             WHERE name = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
        )
        .bind(name)
        .bind(step)
        .execute(self.writer()?)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn operator_activity(
        &self,
        query: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, StoreError> {
        let actor = query
            .operator
            .as_ref()
            .map(|name| format!("operator:{name}"));
        let rows = sqlx::query(
            "SELECT id, at, actor, request_id, kind, detail FROM audit_events \
             WHERE substr(actor, 1, 9) = 'operator:' AND (?1 IS NULL OR actor = ?1) \
             AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR id < ?3) \
             ORDER BY id DESC LIMIT ?4",
        )
        .bind(actor)
        .bind(&query.kind)
        .bind(query.after)
        .bind(i64::from(query.limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(ActivityEntry {
                    id: get(row, "id")?,
                    event: rows::audit_event(row)?,
                })
            })
            .collect()
    }

    async fn card_reversal_proposals(
        &self,
        limit: u32,
    ) -> Result<Vec<CardReversalProposal>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt_id, proposed_by, proposed_at FROM card_reversal_proposals \
             ORDER BY proposed_at, attempt_id LIMIT ?1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(proposal).collect()
    }

    async fn card_reversal_proposal(
        &self,
        attempt: AttemptId,
    ) -> Result<Option<CardReversalProposal>, StoreError> {
        let row = sqlx::query(
            "SELECT attempt_id, proposed_by, proposed_at FROM card_reversal_proposals \
             WHERE attempt_id = ?1",
        )
        .bind(attempt_id_text(attempt))
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(proposal).transpose()
    }
}
