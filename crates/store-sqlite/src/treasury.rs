//! The Treasury loop's storage on SQLite (`maksa_app::store::TreasuryStore`).
//! A treasury transaction is a `BEGIN IMMEDIATE` transaction on the one
//! writer connection: it is alone by construction. Days are TEXT
//! `YYYY-MM-DD`; everything else follows the other tables' conventions.

use crate::SqliteStore;
use crate::convert::{
    amount, currency, day_text, micros, optional_day, request_id, request_id_text, status,
    store_error, time_from_micros,
};
use async_trait::async_trait;
use maksa_app::store::{
    AuditEvent, EntryBooked, EntryFilter, ExchangeRecord, ExpectedTotal, ImportCounts, KnownEntry,
    NewImport, NewPaymentBatch, NewPaymentOrder, NewStatement, NewStatementEntry, OrderStateWrite,
    OutcomeTotal, PaymentBatch, PaymentForMatching, PaymentOrder, StoreError, StoredEntry,
    StoredStatement, TreasuryStore, TreasuryWork, UnsettledPayment,
};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::payment_order::OrderState;
use maksa_domain::reconciliation::Outcome;
use sqlx::query_builder::Separated;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, Transaction};
use time::{Date, OffsetDateTime};

/// Rows per multi-row INSERT of entries: at most 23 parameters each, far below
/// SQLite's 32766.
const ENTRY_ROWS_PER_STATEMENT: usize = 200;
/// The writer's page cache during a treasury transaction (KiB, negative as
/// SQLite takes it), and SQLite's default the writer has otherwise.
const TREASURY_CACHE: &str = "PRAGMA cache_size = -65536";
const DEFAULT_CACHE: &str = "PRAGMA cache_size = -2000";
/// Keys or identifiers per `IN (…)` list.
const KEYS_PER_STATEMENT: usize = 1000;

pub(crate) struct SqliteTreasuryWork {
    transaction: Transaction<'static, Sqlite>,
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn signed_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn outcome(text: &str) -> Result<Outcome, StoreError> {
    Outcome::parse(text).ok_or_else(|| StoreError::Corrupt(format!("outcome {text:?}")))
}

fn order_state(text: &str) -> Result<OrderState, StoreError> {
    OrderState::parse(text).ok_or_else(|| StoreError::Corrupt(format!("order state {text:?}")))
}

fn sequence(value: Option<i64>) -> Result<Option<u16>, StoreError> {
    value
        .map(|v| u16::try_from(v).map_err(|_| StoreError::Corrupt(format!("sequence {v}"))))
        .transpose()
}

const ENTRY_COLUMNS: &str = "id, entry_key, message, statement_id, account, booked, credit, reversal, \
     amount_minor, currency, booking_date, value_date, acct_svcr_ref, end_to_end_id, remittance, \
     counterparty_name, counterparty_iban, purpose_id, outcome, request_id, sequence, expected_minor, \
     imported_at, import_id, confirmed_import_id";

fn stored_entry(row: &SqliteRow) -> Result<StoredEntry, StoreError> {
    let get_err = store_error;
    Ok(StoredEntry {
        id: row.try_get("id").map_err(get_err)?,
        key: row.try_get("entry_key").map_err(get_err)?,
        message: row.try_get("message").map_err(get_err)?,
        statement_id: row.try_get("statement_id").map_err(get_err)?,
        account: row.try_get("account").map_err(get_err)?,
        booked: row.try_get::<i64, _>("booked").map_err(get_err)? != 0,
        credit: row.try_get::<i64, _>("credit").map_err(get_err)? != 0,
        reversal: row.try_get::<i64, _>("reversal").map_err(get_err)? != 0,
        amount: amount(row.try_get("amount_minor").map_err(get_err)?)?,
        currency: row.try_get("currency").map_err(get_err)?,
        booking_date: optional_day(row.try_get("booking_date").map_err(get_err)?)?,
        value_date: optional_day(row.try_get("value_date").map_err(get_err)?)?,
        account_servicer_reference: row.try_get("acct_svcr_ref").map_err(get_err)?,
        end_to_end_id: row.try_get("end_to_end_id").map_err(get_err)?,
        remittance: row.try_get("remittance").map_err(get_err)?,
        counterparty_name: row.try_get("counterparty_name").map_err(get_err)?,
        counterparty_iban: row.try_get("counterparty_iban").map_err(get_err)?,
        purpose_id: row.try_get("purpose_id").map_err(get_err)?,
        outcome: outcome(&row.try_get::<String, _>("outcome").map_err(get_err)?)?,
        request_id: row
            .try_get::<Option<String>, _>("request_id")
            .map_err(get_err)?
            .map(|t| request_id(&t))
            .transpose()?,
        sequence: sequence(row.try_get("sequence").map_err(get_err)?)?,
        expected: row
            .try_get::<Option<i64>, _>("expected_minor")
            .map_err(get_err)?
            .map(amount)
            .transpose()?,
        imported_at: time_from_micros(row.try_get("imported_at").map_err(get_err)?)?,
        import_id: row.try_get("import_id").map_err(get_err)?,
        confirmed_import_id: row.try_get("confirmed_import_id").map_err(get_err)?,
    })
}

const ORDER_COLUMNS: &str = "id, end_to_end_id, kind, entry_id, debtor_iban, creditor_name, creditor_iban, \
     creditor_bic, amount_minor, currency, remittance, state, proposed_by, proposed_at, approved_by, \
     approved_at, batch_id, status_code, status_reason, updated_at";

fn payment_order(row: &SqliteRow) -> Result<PaymentOrder, StoreError> {
    let e = store_error;
    Ok(PaymentOrder {
        id: row.try_get("id").map_err(e)?,
        end_to_end_id: row.try_get("end_to_end_id").map_err(e)?,
        kind: row.try_get("kind").map_err(e)?,
        entry_id: row.try_get("entry_id").map_err(e)?,
        debtor_iban: row.try_get("debtor_iban").map_err(e)?,
        creditor_name: row.try_get("creditor_name").map_err(e)?,
        creditor_iban: row.try_get("creditor_iban").map_err(e)?,
        creditor_bic: row.try_get("creditor_bic").map_err(e)?,
        amount: amount(row.try_get("amount_minor").map_err(e)?)?,
        currency: row.try_get("currency").map_err(e)?,
        remittance: row.try_get("remittance").map_err(e)?,
        state: order_state(&row.try_get::<String, _>("state").map_err(e)?)?,
        proposed_by: row.try_get("proposed_by").map_err(e)?,
        proposed_at: time_from_micros(row.try_get("proposed_at").map_err(e)?)?,
        approved_by: row.try_get("approved_by").map_err(e)?,
        approved_at: row
            .try_get::<Option<i64>, _>("approved_at")
            .map_err(e)?
            .map(time_from_micros)
            .transpose()?,
        batch_id: row.try_get("batch_id").map_err(e)?,
        status_code: row.try_get("status_code").map_err(e)?,
        status_reason: row.try_get("status_reason").map_err(e)?,
        updated_at: time_from_micros(row.try_get("updated_at").map_err(e)?)?,
    })
}

const BATCH_COLUMNS: &str = "id, message_id, version, document, orders, control_minor, state, created_by, \
     created_at, submitted_at, answered_at";

fn payment_batch(row: &SqliteRow) -> Result<PaymentBatch, StoreError> {
    let e = store_error;
    let optional_time = |column: &str| -> Result<Option<OffsetDateTime>, StoreError> {
        row.try_get::<Option<i64>, _>(column)
            .map_err(e)?
            .map(time_from_micros)
            .transpose()
    };
    Ok(PaymentBatch {
        id: row.try_get("id").map_err(e)?,
        message_id: row.try_get("message_id").map_err(e)?,
        version: row.try_get("version").map_err(e)?,
        document: row.try_get("document").map_err(e)?,
        orders: count(row.try_get("orders").map_err(e)?),
        control_sum: amount(row.try_get("control_minor").map_err(e)?)?,
        state: row.try_get("state").map_err(e)?,
        created_by: row.try_get("created_by").map_err(e)?,
        created_at: time_from_micros(row.try_get("created_at").map_err(e)?)?,
        submitted_at: optional_time("submitted_at")?,
        answered_at: optional_time("answered_at")?,
    })
}

/// One payment as a JSON array ([`MatchingRow`]'s order). The payments a
/// look-up finds come back as ONE row, a JSON array of these: sqlx's SQLite
/// driver hands every result row over from its worker thread on its own (a
/// thread wake-up per row), which cost more than the look-ups themselves;
/// a chunk's identifiers go in as one JSON parameter for the same reason
/// (docs/PERFORMANCE.md, issue 14).
const MATCHING_ROW: &str = "json_array(p.purpose_id, p.request_id, p.sequence, p.amount_minor, \
     p.currency, p.payee_iban, p.status, p.paid_at, \
     EXISTS (SELECT 1 FROM statement_entries s WHERE s.request_id = p.request_id \
             AND s.sequence = p.sequence AND s.outcome = 'settled'))";

/// The payments `condition` (`WHERE …`, `ORDER BY …`) selects, as one JSON array.
fn matching_query(condition: &str) -> String {
    format!(
        "SELECT json_group_array(json(payment)) FROM \
         (SELECT {MATCHING_ROW} AS payment FROM payments p {condition})"
    )
}

/// One payment of [`MATCHING_ROW`], in its column order.
type MatchingRow = (
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    i64,
);

fn payment_for_matching(row: MatchingRow) -> Result<PaymentForMatching, StoreError> {
    let (
        purpose_id,
        request,
        sequence_number,
        amount_minor,
        currency_code,
        payee_iban,
        state,
        paid_at,
        settled,
    ) = row;
    Ok(PaymentForMatching {
        purpose_id,
        request_id: request_id(&request)?,
        sequence: sequence(Some(sequence_number))?.unwrap_or_default(),
        amount: amount(amount_minor)?,
        currency: currency(&currency_code)?,
        payee_iban,
        payment_status: status(&state)?,
        paid_at: paid_at.map(time_from_micros).transpose()?,
        settled: settled != 0,
    })
}

/// `values` as one JSON array parameter (for `json_each`).
pub(crate) fn json_list(values: &[&str]) -> Result<String, StoreError> {
    serde_json::to_string(values).map_err(|e| StoreError::Corrupt(format!("a JSON list: {e}")))
}

/// The JSON array of rows a look-up answers (`None`: no query ran).
fn json_rows<T: serde::de::DeserializeOwned>(text: Option<String>) -> Result<Vec<T>, StoreError> {
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("a JSON result: {e}"))),
    }
}

async fn audits(
    connection: &mut SqliteConnection,
    audits: &[AuditEvent],
) -> Result<(), StoreError> {
    for chunk in audits.chunks(ENTRY_ROWS_PER_STATEMENT) {
        let rows = chunk
            .iter()
            .map(crate::rows::NewAudit::new)
            .collect::<Result<Vec<_>, _>>()?;
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_events (at, actor, request_id, kind, detail) ",
        );
        insert.push_values(&rows, |mut row, audit| {
            row.push_bind(audit.at)
                .push_bind(audit.actor.clone())
                .push_bind(audit.request_id.clone())
                .push_bind(audit.kind.clone())
                .push_bind(audit.detail.clone());
        });
        insert
            .build()
            .execute(&mut *connection)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// What the entries of one statement on one day usually share: written
/// once per INSERT when every row of it shares them.
#[derive(PartialEq)]
struct SharedColumns<'a> {
    import_id: i64,
    message: &'a str,
    statement_id: &'a str,
    account: &'a str,
    booked: bool,
    credit: bool,
    reversal: bool,
    currency: &'a str,
    booking_date: Option<Date>,
    value_date: Option<Date>,
    imported_at: OffsetDateTime,
}

fn shared_columns(entry: &NewStatementEntry) -> SharedColumns<'_> {
    SharedColumns {
        import_id: entry.import_id,
        message: &entry.message,
        statement_id: &entry.statement_id,
        account: &entry.account,
        booked: entry.booked,
        credit: entry.credit,
        reversal: entry.reversal,
        currency: entry.currency.as_str(),
        booking_date: entry.booking_date,
        value_date: entry.value_date,
        imported_at: entry.imported_at,
    }
}

/// An entry's own columns, then those its statement's entries usually
/// share ([`SharedColumns`]), as [`entries_insert`] binds them.
const OWN_COLUMNS: &str = "entry_key, amount_minor, acct_svcr_ref, end_to_end_id, remittance, \
     counterparty_name, counterparty_iban, purpose_id, outcome, request_id, sequence, expected_minor";
const SHARED_COLUMNS: &str = "import_id, message, statement_id, account, booked, credit, reversal, \
     currency, booking_date, value_date, imported_at";

fn push_own(row: &mut Separated<'_, Sqlite, &'static str>, entry: &NewStatementEntry) {
    row.push_bind(entry.key.as_str())
        .push_bind(entry.amount.minor())
        .push_bind(entry.account_servicer_reference.as_deref())
        .push_bind(entry.end_to_end_id.as_deref())
        .push_bind(entry.remittance.as_str())
        .push_bind(entry.counterparty_name.as_deref())
        .push_bind(entry.counterparty_iban.as_deref())
        .push_bind(entry.purpose_id.as_deref())
        .push_bind(entry.outcome.as_str())
        .push_bind(entry.payment.map(|(r, _)| request_id_text(r)))
        .push_bind(entry.payment.map(|(_, s)| i64::from(s)))
        .push_bind(entry.expected.map(|a| a.minor()));
}

fn push_shared(
    row: &mut Separated<'_, Sqlite, &'static str>,
    entry: &NewStatementEntry,
) -> Result<(), StoreError> {
    row.push_bind(entry.import_id)
        .push_bind(entry.message.as_str())
        .push_bind(entry.statement_id.as_str())
        .push_bind(entry.account.as_str())
        .push_bind(i64::from(entry.booked))
        .push_bind(i64::from(entry.credit))
        .push_bind(i64::from(entry.reversal))
        .push_bind(entry.currency.as_str())
        .push_bind(entry.booking_date.map(day_text))
        .push_bind(entry.value_date.map(day_text))
        .push_bind(micros(entry.imported_at)?);
    Ok(())
}

/// The INSERT of a slice of entries (at most [`ENTRY_ROWS_PER_STATEMENT`]).
/// When the rows share their statement, day, direction and currency (a
/// statement's credits: the usual case), those are bound once and each row
/// carries the rest — fewer arguments to build, copy and free, which is
/// most of what an INSERT costs through sqlx (docs/PERFORMANCE.md, issue 14).
fn entries_insert(chunk: &[NewStatementEntry]) -> Result<QueryBuilder<Sqlite>, StoreError> {
    let mut insert = QueryBuilder::<Sqlite>::new(format!(
        "INSERT INTO statement_entries ({OWN_COLUMNS}, {SHARED_COLUMNS}) "
    ));
    let mut failed = None;
    let first = chunk.first();
    if let Some(first) = first.filter(|first| {
        let shared = shared_columns(first);
        chunk.iter().all(|entry| shared_columns(entry) == shared)
    }) {
        // The one row of shared values outside, the entries inside: SQLite
        // runs the entries' VALUES as a co-routine, in order.
        insert.push("SELECT v.*, s.* FROM (");
        insert.push_values([first], |mut row, entry| {
            if let Err(error) = push_shared(&mut row, entry) {
                failed = Some(error);
            }
        });
        insert.push(") AS s, (");
        insert.push_values(chunk, |mut row, entry| push_own(&mut row, entry));
        insert.push(") AS v");
    } else {
        insert.push_values(chunk, |mut row, entry| {
            push_own(&mut row, entry);
            if let Err(error) = push_shared(&mut row, entry) {
                failed = Some(error);
            }
        });
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(insert),
    }
}

#[async_trait]
impl TreasuryWork for SqliteTreasuryWork {
    async fn insert_import(&mut self, import: &NewImport) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO treasury_imports (source, sha256, message, actor, imported_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )
        .bind(&import.source)
        .bind(&import.sha256)
        .bind(&import.message)
        .bind(&import.actor)
        .bind(micros(import.at)?)
        .fetch_one(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn finish_import(
        &mut self,
        id: i64,
        counts: &ImportCounts,
        sha256: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE treasury_imports SET transactions = ?2, new_entries = ?3, repeated = ?4, \
             confirmed = ?5, sha256 = ?6, message = ?7 WHERE id = ?1",
        )
        .bind(id)
        .bind(signed_count(counts.transactions))
        .bind(signed_count(counts.new))
        .bind(signed_count(counts.repeated))
        .bind(signed_count(counts.confirmed))
        .bind(sha256)
        .bind(message)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn insert_statement(&mut self, statement: &NewStatement) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO treasury_statements (import_id, message, statement_id, account, day, currency, \
             opening_minor, closing_minor, entries, credits_minor, debits_minor, imported_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, imported_at FROM treasury_imports WHERE id = ?1 \
             ON CONFLICT (account, message, statement_id) DO NOTHING",
        )
        .bind(statement.import_id)
        .bind(&statement.message)
        .bind(&statement.statement_id)
        .bind(&statement.account)
        .bind(statement.day.map(day_text))
        .bind(statement.currency.map(|c| c.as_str().to_owned()))
        .bind(statement.opening_minor)
        .bind(statement.closing_minor)
        .bind(signed_count(statement.entries))
        .bind(statement.booked_credits.minor())
        .bind(statement.booked_debits.minor())
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn known_entries(&mut self, keys: &[&str]) -> Result<Vec<KnownEntry>, StoreError> {
        let mut known = Vec::new();
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            // One row for the chunk (see MATCHING_ROW).
            let rows: Option<String> = sqlx::query_scalar(
                "SELECT json_group_array(json_array(id, entry_key, booked, outcome)) \
                 FROM statement_entries WHERE entry_key IN (SELECT value FROM json_each(?1))",
            )
            .bind(json_list(chunk)?)
            .fetch_one(&mut *self.transaction)
            .await
            .map_err(store_error)?;
            for (id, key, booked, stored_outcome) in json_rows::<(i64, String, i64, String)>(rows)?
            {
                known.push(KnownEntry {
                    id,
                    key,
                    booked: booked != 0,
                    outcome: outcome(&stored_outcome)?,
                });
            }
        }
        Ok(known)
    }

    async fn payments_for_matching(
        &mut self,
        purpose_ids: &[&str],
    ) -> Result<Vec<PaymentForMatching>, StoreError> {
        let mut found = Vec::new();
        for chunk in purpose_ids.chunks(KEYS_PER_STATEMENT) {
            let rows: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT json_group_array({MATCHING_ROW}) FROM payments p \
                 WHERE p.purpose_id IN (SELECT value FROM json_each(?1))"
            )))
            .bind(json_list(chunk)?)
            .fetch_one(&mut *self.transaction)
            .await
            .map_err(store_error)?;
            for row in json_rows::<MatchingRow>(rows)? {
                found.push(payment_for_matching(row)?);
            }
        }
        Ok(found)
    }

    async fn insert_entries(&mut self, entries: &[NewStatementEntry]) -> Result<(), StoreError> {
        // Each INSERT's arguments are built while the one before runs on
        // sqlx's worker thread: building them is a good part of the
        // import's own time (docs/PERFORMANCE.md, issue 14).
        let mut slices = entries.chunks(ENTRY_ROWS_PER_STATEMENT);
        let Some(first) = slices.next() else {
            return Ok(());
        };
        let mut current = entries_insert(first)?;
        loop {
            let following = slices.next();
            let (done, next) =
                tokio::join!(current.build().execute(&mut *self.transaction), async {
                    following.map(entries_insert).transpose()
                });
            done.map_err(store_error)?;
            match next? {
                Some(next) => current = next,
                None => return Ok(()),
            }
        }
    }

    async fn book_entry(&mut self, booked: &EntryBooked) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE statement_entries SET booked = 1, outcome = ?2, request_id = ?3, sequence = ?4, \
             expected_minor = ?5, booking_date = COALESCE(?6, booking_date), confirmed_import_id = ?7 \
             WHERE id = ?1",
        )
        .bind(booked.id)
        .bind(booked.outcome.as_str())
        .bind(booked.payment.map(|(r, _)| request_id_text(r)))
        .bind(booked.payment.map(|(_, s)| i64::from(s)))
        .bind(booked.expected.map(|a| a.minor()))
        .bind(booked.booking_date.map(day_text))
        .bind(booked.import_id)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn confirm_entries(&mut self, ids: &[i64], import_id: i64) -> Result<(), StoreError> {
        for chunk in ids.chunks(KEYS_PER_STATEMENT) {
            let mut query =
                QueryBuilder::<Sqlite>::new("UPDATE statement_entries SET confirmed_import_id = ");
            query.push_bind(import_id).push(" WHERE id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(")");
            query
                .build()
                .execute(&mut *self.transaction)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn mark_receipts_due(&mut self, requests: &[PaymentRequestId]) -> Result<(), StoreError> {
        // Queued, not marked: the receipt worker's list marks them
        // (`documents_receipts_due`), which keeps the request rows out of
        // the import's transaction.
        for chunk in requests.chunks(KEYS_PER_STATEMENT) {
            let ids: Vec<String> = chunk.iter().map(|id| request_id_text(*id)).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            sqlx::query(
                "INSERT INTO receipt_reissues (request_id) \
                 SELECT value FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING",
            )
            .bind(json_list(&ids)?)
            .execute(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        }
        Ok(())
    }

    async fn entry_for_update(&mut self, id: i64) -> Result<Option<StoredEntry>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM statement_entries WHERE id = ?1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        row.as_ref().map(stored_entry).transpose()
    }

    async fn insert_order(&mut self, order: &NewPaymentOrder) -> Result<Option<i64>, StoreError> {
        let at = micros(order.at)?;
        sqlx::query_scalar(
            "INSERT INTO payment_orders (end_to_end_id, kind, entry_id, debtor_iban, creditor_name, \
             creditor_iban, creditor_bic, amount_minor, currency, remittance, state, proposed_by, \
             proposed_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'proposed', ?11, ?12, ?12) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&order.end_to_end_id)
        .bind(&order.kind)
        .bind(order.entry_id)
        .bind(&order.debtor_iban)
        .bind(&order.creditor_name)
        .bind(&order.creditor_iban)
        .bind(&order.creditor_bic)
        .bind(order.amount.minor())
        .bind(order.currency.as_str())
        .bind(&order.remittance)
        .bind(&order.proposed_by)
        .bind(at)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn order_for_update(&mut self, id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = ?1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_order).transpose()
    }

    async fn order_by_end_to_end_id(
        &mut self,
        end_to_end_id: &str,
    ) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE end_to_end_id = ?1"
        )))
        .bind(end_to_end_id)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_order).transpose()
    }

    async fn approved_orders(&mut self, limit: u32) -> Result<Vec<PaymentOrder>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE state = 'approved' AND batch_id IS NULL \
             ORDER BY id LIMIT ?1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_order).collect()
    }

    async fn set_order_state(&mut self, write: &OrderStateWrite<'_>) -> Result<bool, StoreError> {
        let at = micros(write.at)?;
        let done = sqlx::query(
            "UPDATE payment_orders SET state = ?3, updated_at = ?4, \
             approved_by = COALESCE(?5, approved_by), \
             approved_at = CASE WHEN ?5 IS NULL THEN approved_at ELSE ?4 END, \
             batch_id = COALESCE(?6, batch_id), status_code = COALESCE(?7, status_code), \
             status_reason = COALESCE(?8, status_reason) \
             WHERE id = ?1 AND state = ?2",
        )
        .bind(write.id)
        .bind(write.from.as_str())
        .bind(write.to.as_str())
        .bind(at)
        .bind(write.approved_by)
        .bind(write.batch_id)
        .bind(write.status_code)
        .bind(write.status_reason)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_batch(&mut self, batch: &NewPaymentBatch) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO payment_batches (message_id, version, document, orders, control_minor, state, \
             created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'ready', ?6, ?7) \
             ON CONFLICT (message_id) DO NOTHING RETURNING id",
        )
        .bind(&batch.message_id)
        .bind(&batch.version)
        .bind(&batch.document)
        .bind(signed_count(batch.orders))
        .bind(batch.control_sum.minor())
        .bind(&batch.created_by)
        .bind(micros(batch.at)?)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn batch_for_update(
        &mut self,
        message_id: &str,
    ) -> Result<Option<PaymentBatch>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE message_id = ?1"
        )))
        .bind(message_id)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_batch).transpose()
    }

    async fn set_batch_state(
        &mut self,
        id: i64,
        state: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let at = micros(at)?;
        sqlx::query(
            "UPDATE payment_batches SET state = ?2, \
             submitted_at = CASE WHEN ?2 = 'submitted' THEN COALESCE(submitted_at, ?3) ELSE submitted_at END, \
             answered_at = CASE WHEN ?2 = 'answered' THEN ?3 ELSE answered_at END WHERE id = ?1",
        )
        .bind(id)
        .bind(state)
        .bind(at)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn orders_of_batch(&mut self, batch_id: i64) -> Result<Vec<PaymentOrder>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE batch_id = ?1 ORDER BY id"
        )))
        .bind(batch_id)
        .fetch_all(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_order).collect()
    }

    async fn append_audits(&mut self, events: &[AuditEvent]) -> Result<(), StoreError> {
        audits(&mut self.transaction, events).await
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        sqlx::query(DEFAULT_CACHE)
            .execute(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        self.transaction.commit().await.map_err(store_error)
    }
}

#[async_trait]
impl TreasuryStore for SqliteStore {
    async fn begin_treasury(&self) -> Result<Box<dyn TreasuryWork>, StoreError> {
        let mut transaction = self.write().await?;
        // A statement's import touches the payments' indexes at random and
        // grows three tables at once: with SQLite's default 2 MB page cache it
        // would read the same pages back from the WAL over and over
        // (docs/PERFORMANCE.md, "Issue 14"). The writer's cache is larger for
        // the transaction and back to the default when it commits.
        sqlx::query(TREASURY_CACHE)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        Ok(Box::new(SqliteTreasuryWork { transaction }))
    }

    async fn statement_entries(
        &self,
        filter: &EntryFilter,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM statement_entries WHERE 1 = 1"
        ));
        if let Some(from) = filter.from {
            query
                .push(" AND booking_date >= ")
                .push_bind(day_text(from));
        }
        if let Some(to) = filter.to {
            query.push(" AND booking_date <= ").push_bind(day_text(to));
        }
        if let Some(account) = &filter.account {
            query.push(" AND account = ").push_bind(account.clone());
        }
        if let Some(outcome) = filter.outcome {
            query.push(" AND outcome = ").push_bind(outcome.as_str());
        }
        if let Some((request, sequence)) = filter.payment {
            query
                .push(" AND request_id = ")
                .push_bind(request_id_text(request))
                .push(" AND sequence = ")
                .push_bind(i64::from(sequence));
        }
        if let Some(after) = filter.after_id {
            query.push(" AND id > ").push_bind(after);
        }
        query
            .push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = query
            .build()
            .fetch_all(&self.readers)
            .await
            .map_err(store_error)?;
        rows.iter().map(stored_entry).collect()
    }

    async fn statement_entry(&self, id: i64) -> Result<Option<StoredEntry>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM statement_entries WHERE id = ?1"
        )))
        .bind(id)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(stored_entry).transpose()
    }

    async fn outcome_totals(&self, from: Date, to: Date) -> Result<Vec<OutcomeTotal>, StoreError> {
        let rows = sqlx::query(
            "SELECT booking_date, account, currency, outcome, COUNT(*) AS n, SUM(amount_minor) AS total \
             FROM statement_entries WHERE booking_date >= ?1 AND booking_date <= ?2 \
             GROUP BY booking_date, account, currency, outcome \
             ORDER BY booking_date, account, currency, outcome",
        )
        .bind(day_text(from))
        .bind(day_text(to))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(OutcomeTotal {
                    day: optional_day(row.try_get("booking_date").map_err(store_error)?)?,
                    account: row.try_get("account").map_err(store_error)?,
                    currency: row.try_get("currency").map_err(store_error)?,
                    outcome: outcome(&row.try_get::<String, _>("outcome").map_err(store_error)?)?,
                    count: count(row.try_get("n").map_err(store_error)?),
                    amount: amount(row.try_get("total").map_err(store_error)?)?,
                })
            })
            .collect()
    }

    async fn statements(&self, from: Date, to: Date) -> Result<Vec<StoredStatement>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, message, statement_id, account, day, currency, opening_minor, closing_minor, \
             entries, credits_minor, debits_minor, imported_at FROM treasury_statements \
             WHERE message = 'camt.053' AND day >= ?1 AND day <= ?2 ORDER BY day, account, id",
        )
        .bind(day_text(from))
        .bind(day_text(to))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let e = store_error;
                Ok(StoredStatement {
                    id: row.try_get("id").map_err(e)?,
                    message: row.try_get("message").map_err(e)?,
                    statement_id: row.try_get("statement_id").map_err(e)?,
                    account: row.try_get("account").map_err(e)?,
                    day: optional_day(row.try_get("day").map_err(e)?)?,
                    currency: row.try_get("currency").map_err(e)?,
                    opening_minor: row.try_get("opening_minor").map_err(e)?,
                    closing_minor: row.try_get("closing_minor").map_err(e)?,
                    entries: count(row.try_get("entries").map_err(e)?),
                    booked_credits: amount(row.try_get("credits_minor").map_err(e)?)?,
                    booked_debits: amount(row.try_get("debits_minor").map_err(e)?)?,
                    imported_at: time_from_micros(row.try_get("imported_at").map_err(e)?)?,
                })
            })
            .collect()
    }

    async fn unsettled_payments(
        &self,
        paid_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<UnsettledPayment>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.request_id, p.sequence, p.purpose_id, p.amount_minor, p.currency, p.payee_iban, p.paid_at \
             FROM payments p WHERE p.status = 'E' AND p.paid_at IS NOT NULL AND p.paid_at < ?1 \
             AND NOT EXISTS (SELECT 1 FROM statement_entries s WHERE s.request_id = p.request_id \
                             AND s.sequence = p.sequence AND s.outcome = 'settled') \
             ORDER BY p.paid_at LIMIT ?2",
        )
        .bind(micros(paid_before)?)
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let e = store_error;
                Ok(UnsettledPayment {
                    request_id: request_id(&row.try_get::<String, _>("request_id").map_err(e)?)?,
                    sequence: sequence(Some(row.try_get("sequence").map_err(e)?))?
                        .unwrap_or_default(),
                    purpose_id: row.try_get("purpose_id").map_err(e)?,
                    amount: amount(row.try_get("amount_minor").map_err(e)?)?,
                    currency: row.try_get("currency").map_err(e)?,
                    payee_iban: row.try_get("payee_iban").map_err(e)?,
                    paid_at: time_from_micros(row.try_get("paid_at").map_err(e)?)?,
                })
            })
            .collect()
    }

    async fn expected_totals(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<ExpectedTotal>, StoreError> {
        let start = micros(from.midnight().assume_utc())?;
        let end = micros(to.next_day().unwrap_or(to).midnight().assume_utc())?;
        // A day is 86,400,000,000 microseconds; the epoch day groups the payments.
        let rows = sqlx::query(
            "SELECT paid_at / 86400000000 AS epoch_day, currency, COUNT(*) AS n, SUM(amount_minor) AS total \
             FROM payments WHERE paid_at >= ?1 AND paid_at < ?2 AND status = 'E' \
             GROUP BY epoch_day, currency ORDER BY epoch_day, currency",
        )
        .bind(start)
        .bind(end)
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let e = store_error;
                let epoch_day: i64 = row.try_get("epoch_day").map_err(e)?;
                let day = time::Date::from_julian_day(
                    i32::try_from(epoch_day.saturating_add(2_440_588))
                        .map_err(|_| StoreError::Corrupt(format!("day {epoch_day}")))?,
                )
                .map_err(|_| StoreError::Corrupt(format!("day {epoch_day}")))?;
                Ok(ExpectedTotal {
                    day,
                    currency: row.try_get("currency").map_err(e)?,
                    count: count(row.try_get("n").map_err(e)?),
                    amount: amount(row.try_get("total").map_err(e)?)?,
                })
            })
            .collect()
    }

    async fn paid_payments(
        &self,
        from: OffsetDateTime,
        till: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PaymentForMatching>, StoreError> {
        let rows: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(matching_query(
            "WHERE p.paid_at >= ?1 AND p.paid_at < ?2 AND p.status = 'E' ORDER BY p.paid_at LIMIT ?3",
        )))
        .bind(micros(from)?)
        .bind(micros(till)?)
        .bind(i64::from(limit))
        .fetch_one(&self.readers)
        .await
        .map_err(store_error)?;
        json_rows::<MatchingRow>(rows)?
            .into_iter()
            .map(payment_for_matching)
            .collect()
    }

    async fn payment_by_purpose_id(
        &self,
        purpose_id: &str,
    ) -> Result<Option<PaymentForMatching>, StoreError> {
        let rows: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(matching_query(
            "WHERE p.purpose_id = ?1",
        )))
        .bind(purpose_id)
        .fetch_one(&self.readers)
        .await
        .map_err(store_error)?;
        json_rows::<MatchingRow>(rows)?
            .into_iter()
            .next()
            .map(payment_for_matching)
            .transpose()
    }

    async fn payment_orders(
        &self,
        state: Option<OrderState>,
        limit: u32,
    ) -> Result<Vec<PaymentOrder>, StoreError> {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {ORDER_COLUMNS} FROM payment_orders"));
        if let Some(state) = state {
            query.push(" WHERE state = ").push_bind(state.as_str());
        }
        query
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = query
            .build()
            .fetch_all(&self.readers)
            .await
            .map_err(store_error)?;
        rows.iter().map(payment_order).collect()
    }

    async fn order_of_entry(&self, entry_id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE entry_id = ?1"
        )))
        .bind(entry_id)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_order).transpose()
    }

    async fn payment_order(&self, id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = ?1"
        )))
        .bind(id)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_order).transpose()
    }

    async fn payment_batch(&self, message_id: &str) -> Result<Option<PaymentBatch>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE message_id = ?1"
        )))
        .bind(message_id)
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_batch).transpose()
    }

    async fn payment_batches(
        &self,
        state: &str,
        limit: u32,
    ) -> Result<Vec<PaymentBatch>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE state = ?1 ORDER BY id LIMIT ?2"
        )))
        .bind(state)
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_batch).collect()
    }

    async fn log_exchange(&self, record: &ExchangeRecord, keep: u32) -> Result<(), StoreError> {
        let mut transaction = self.write().await?;
        sqlx::query(
            "INSERT INTO treasury_exchanges (at, operation, subject, outcome, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(micros(record.at)?)
        .bind(&record.operation)
        .bind(&record.subject)
        .bind(&record.outcome)
        .bind(&record.detail)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "DELETE FROM treasury_exchanges WHERE id <= (SELECT MAX(id) FROM treasury_exchanges) - ?1",
        )
        .bind(i64::from(keep))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        transaction.commit().await.map_err(store_error)
    }

    async fn exchanges(&self, limit: u32) -> Result<Vec<ExchangeRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, operation, subject, outcome, detail FROM treasury_exchanges \
             ORDER BY id DESC LIMIT ?1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let e = store_error;
                Ok(ExchangeRecord {
                    at: time_from_micros(row.try_get("at").map_err(e)?)?,
                    operation: row.try_get("operation").map_err(e)?,
                    subject: row.try_get("subject").map_err(e)?,
                    outcome: row.try_get("outcome").map_err(e)?,
                    detail: row.try_get("detail").map_err(e)?,
                })
            })
            .collect()
    }
}
