//! The Treasury loop's storage on PostgreSQL (`maksa_app::store::TreasuryStore`).
//! A treasury transaction is a READ COMMITTED transaction that first takes a
//! transaction-scoped advisory lock ([`TREASURY_LOCK`]): PostgreSQL runs
//! writers side by side, and the port wants treasury transactions one at a
//! time, so that a matching read sees every settlement committed before it.
//! Days are `date`, times `timestamptz` (cut to microseconds as elsewhere),
//! request ids `uuid`; the semantics mirror the SQLite adapter's.

use crate::PostgresStore;
use crate::convert::{amount, currency, status, store_error, stored_time};
use crate::rows::NewAudit;
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
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The key of the advisory lock every treasury transaction holds until it
/// ends. Any fixed 64-bit number works as long as nothing else in the
/// database locks it; this one is "maksa-tr" in ASCII, so it is recognisable
/// in `pg_locks` (classid 0x6d616b73, objid 0x612d7472).
const TREASURY_LOCK: i64 = 0x6d61_6b73_612d_7472;

/// Entries per multi-row INSERT: the rows travel as 23 arrays (one bind each),
/// so the bind limit does not apply; the bound keeps one statement's arrays
/// (and the server's memory for them) modest whatever a document holds.
const ENTRY_ROWS_PER_STATEMENT: usize = 1_000;
/// Keys, identifiers or ids per `= ANY($1)` array, for the same reason.
const KEYS_PER_STATEMENT: usize = 10_000;

pub(crate) struct PostgresTreasuryWork {
    transaction: Transaction<'static, Postgres>,
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn signed_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(store_error)
}

fn outcome(text: &str) -> Result<Outcome, StoreError> {
    Outcome::parse(text).ok_or_else(|| StoreError::Corrupt(format!("outcome {text:?}")))
}

fn order_state(text: &str) -> Result<OrderState, StoreError> {
    OrderState::parse(text).ok_or_else(|| StoreError::Corrupt(format!("order state {text:?}")))
}

fn sequence(value: i32) -> Result<u16, StoreError> {
    u16::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("payment sequence {value} is out of range")))
}

fn payment_columns(payment: Option<(PaymentRequestId, u16)>) -> (Option<Uuid>, Option<i32>) {
    (
        payment.map(|(request, _)| request.as_uuid()),
        payment.map(|(_, number)| i32::from(number)),
    )
}

const ENTRY_COLUMNS: &str = "id, entry_key, message, statement_id, account, booked, credit, reversal, \
     amount_minor, currency, booking_date, value_date, acct_svcr_ref, end_to_end_id, remittance, \
     counterparty_name, counterparty_iban, purpose_id, outcome, request_id, sequence, expected_minor, \
     imported_at, import_id, confirmed_import_id";

fn stored_entry(row: &PgRow) -> Result<StoredEntry, StoreError> {
    Ok(StoredEntry {
        id: get(row, "id")?,
        key: get(row, "entry_key")?,
        message: get(row, "message")?,
        statement_id: get(row, "statement_id")?,
        account: get(row, "account")?,
        booked: get(row, "booked")?,
        credit: get(row, "credit")?,
        reversal: get(row, "reversal")?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: get(row, "currency")?,
        booking_date: get(row, "booking_date")?,
        value_date: get(row, "value_date")?,
        account_servicer_reference: get(row, "acct_svcr_ref")?,
        end_to_end_id: get(row, "end_to_end_id")?,
        remittance: get(row, "remittance")?,
        counterparty_name: get(row, "counterparty_name")?,
        counterparty_iban: get(row, "counterparty_iban")?,
        purpose_id: get(row, "purpose_id")?,
        outcome: outcome(&get::<String>(row, "outcome")?)?,
        request_id: get::<Option<Uuid>>(row, "request_id")?.map(PaymentRequestId::from_uuid),
        sequence: get::<Option<i32>>(row, "sequence")?
            .map(sequence)
            .transpose()?,
        expected: get::<Option<i64>>(row, "expected_minor")?
            .map(amount)
            .transpose()?,
        imported_at: get(row, "imported_at")?,
        import_id: get(row, "import_id")?,
        confirmed_import_id: get(row, "confirmed_import_id")?,
    })
}

const ORDER_COLUMNS: &str = "id, end_to_end_id, kind, entry_id, debtor_iban, creditor_name, creditor_iban, \
     creditor_bic, amount_minor, currency, remittance, state, proposed_by, proposed_at, approved_by, \
     approved_at, batch_id, status_code, status_reason, updated_at";

fn payment_order(row: &PgRow) -> Result<PaymentOrder, StoreError> {
    Ok(PaymentOrder {
        id: get(row, "id")?,
        end_to_end_id: get(row, "end_to_end_id")?,
        kind: get(row, "kind")?,
        entry_id: get(row, "entry_id")?,
        debtor_iban: get(row, "debtor_iban")?,
        creditor_name: get(row, "creditor_name")?,
        creditor_iban: get(row, "creditor_iban")?,
        creditor_bic: get(row, "creditor_bic")?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: get(row, "currency")?,
        remittance: get(row, "remittance")?,
        state: order_state(&get::<String>(row, "state")?)?,
        proposed_by: get(row, "proposed_by")?,
        proposed_at: get(row, "proposed_at")?,
        approved_by: get(row, "approved_by")?,
        approved_at: get(row, "approved_at")?,
        batch_id: get(row, "batch_id")?,
        status_code: get(row, "status_code")?,
        status_reason: get(row, "status_reason")?,
        updated_at: get(row, "updated_at")?,
    })
}

const BATCH_COLUMNS: &str = "id, message_id, version, document, orders, control_minor, state, created_by, \
     created_at, submitted_at, answered_at";

fn payment_batch(row: &PgRow) -> Result<PaymentBatch, StoreError> {
    Ok(PaymentBatch {
        id: get(row, "id")?,
        message_id: get(row, "message_id")?,
        version: get(row, "version")?,
        document: get(row, "document")?,
        orders: count(get(row, "orders")?),
        control_sum: amount(get(row, "control_minor")?)?,
        state: get(row, "state")?,
        created_by: get(row, "created_by")?,
        created_at: get(row, "created_at")?,
        submitted_at: get(row, "submitted_at")?,
        answered_at: get(row, "answered_at")?,
    })
}

/// A payment with whether an entry settled it (the partial unique index
/// `statement_entries_one_settlement` answers the EXISTS).
const MATCHING_SELECT: &str = "SELECT p.purpose_id, p.request_id, p.sequence, p.amount_minor, p.currency, \
     p.payee_iban, p.status AS payment_status, p.paid_at, \
     EXISTS (SELECT 1 FROM statement_entries s WHERE s.request_id = p.request_id \
             AND s.sequence = p.sequence AND s.outcome = 'settled') AS settled \
     FROM payments p";

fn payment_for_matching(row: &PgRow) -> Result<PaymentForMatching, StoreError> {
    Ok(PaymentForMatching {
        purpose_id: get(row, "purpose_id")?,
        request_id: PaymentRequestId::from_uuid(get(row, "request_id")?),
        sequence: sequence(get(row, "sequence")?)?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        payee_iban: get(row, "payee_iban")?,
        payment_status: status(&get::<String>(row, "payment_status")?)?,
        paid_at: get(row, "paid_at")?,
        settled: get(row, "settled")?,
    })
}

const INSERT_AUDITS: &str = "INSERT INTO audit_events (at, actor, request_id, kind, detail) \
     SELECT a.at, a.actor, a.request_id, a.kind, a.detail::jsonb \
     FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::text[], $5::text[]) \
       AS a(at, actor, request_id, kind, detail)";

async fn insert_audits(
    connection: &mut PgConnection,
    events: &[AuditEvent],
) -> Result<(), StoreError> {
    for chunk in events.chunks(ENTRY_ROWS_PER_STATEMENT) {
        let rows = chunk
            .iter()
            .map(NewAudit::new)
            .collect::<Result<Vec<_>, _>>()?;
        sqlx::query(INSERT_AUDITS)
            .bind(rows.iter().map(|a| a.at).collect::<Vec<_>>())
            .bind(rows.iter().map(|a| a.actor.as_str()).collect::<Vec<_>>())
            .bind(rows.iter().map(|a| a.request_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>())
            .bind(rows.iter().map(|a| a.detail.as_str()).collect::<Vec<_>>())
            .execute(&mut *connection)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// Statement entries as parallel arrays, one per column of `INSERT_ENTRIES`.
#[derive(Default)]
struct EntryColumns<'a> {
    keys: Vec<&'a str>,
    import_ids: Vec<i64>,
    messages: Vec<&'a str>,
    statement_ids: Vec<&'a str>,
    accounts: Vec<&'a str>,
    booked: Vec<bool>,
    credit: Vec<bool>,
    reversal: Vec<bool>,
    amounts_minor: Vec<i64>,
    currencies: Vec<&'a str>,
    booking_dates: Vec<Option<Date>>,
    value_dates: Vec<Option<Date>>,
    acct_svcr_refs: Vec<Option<&'a str>>,
    end_to_end_ids: Vec<Option<&'a str>>,
    remittances: Vec<&'a str>,
    counterparty_names: Vec<Option<&'a str>>,
    counterparty_ibans: Vec<Option<&'a str>>,
    purpose_ids: Vec<Option<&'a str>>,
    outcomes: Vec<&'static str>,
    request_ids: Vec<Option<Uuid>>,
    sequences: Vec<Option<i32>>,
    expected_minor: Vec<Option<i64>>,
    imported_at: Vec<OffsetDateTime>,
}

impl<'a> EntryColumns<'a> {
    fn new(entries: &'a [NewStatementEntry]) -> Self {
        let mut columns = EntryColumns::default();
        for entry in entries {
            let (request_id, number) = payment_columns(entry.payment);
            columns.keys.push(&entry.key);
            columns.import_ids.push(entry.import_id);
            columns.messages.push(&entry.message);
            columns.statement_ids.push(&entry.statement_id);
            columns.accounts.push(&entry.account);
            columns.booked.push(entry.booked);
            columns.credit.push(entry.credit);
            columns.reversal.push(entry.reversal);
            columns.amounts_minor.push(entry.amount.minor());
            columns.currencies.push(entry.currency.as_str());
            columns.booking_dates.push(entry.booking_date);
            columns.value_dates.push(entry.value_date);
            columns
                .acct_svcr_refs
                .push(entry.account_servicer_reference.as_deref());
            columns.end_to_end_ids.push(entry.end_to_end_id.as_deref());
            columns.remittances.push(&entry.remittance);
            columns
                .counterparty_names
                .push(entry.counterparty_name.as_deref());
            columns
                .counterparty_ibans
                .push(entry.counterparty_iban.as_deref());
            columns.purpose_ids.push(entry.purpose_id.as_deref());
            columns.outcomes.push(entry.outcome.as_str());
            columns.request_ids.push(request_id);
            columns.sequences.push(number);
            columns
                .expected_minor
                .push(entry.expected.map(|a| a.minor()));
            columns.imported_at.push(stored_time(entry.imported_at));
        }
        columns
    }
}

const INSERT_ENTRIES: &str = "INSERT INTO statement_entries (entry_key, import_id, message, statement_id, \
     account, booked, credit, reversal, amount_minor, currency, booking_date, value_date, acct_svcr_ref, \
     end_to_end_id, remittance, counterparty_name, counterparty_iban, purpose_id, outcome, request_id, \
     sequence, expected_minor, imported_at) \
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::boolean[], \
       $7::boolean[], $8::boolean[], $9::bigint[], $10::text[], $11::date[], $12::date[], $13::text[], \
       $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::uuid[], \
       $21::integer[], $22::bigint[], $23::timestamptz[])";

#[async_trait]
impl TreasuryWork for PostgresTreasuryWork {
    async fn insert_import(&mut self, import: &NewImport) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO treasury_imports (source, sha256, message, actor, imported_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&import.source)
        .bind(&import.sha256)
        .bind(&import.message)
        .bind(&import.actor)
        .bind(stored_time(import.at))
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
            "UPDATE treasury_imports SET transactions = $2, new_entries = $3, repeated = $4, \
             confirmed = $5, sha256 = $6, message = $7 WHERE id = $1",
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
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, imported_at FROM treasury_imports \
             WHERE id = $1 ON CONFLICT (account, message, statement_id) DO NOTHING",
        )
        .bind(statement.import_id)
        .bind(&statement.message)
        .bind(&statement.statement_id)
        .bind(&statement.account)
        .bind(statement.day)
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
            let rows = sqlx::query(
                "SELECT id, entry_key, booked, outcome FROM statement_entries WHERE entry_key = ANY($1)",
            )
            .bind(chunk)
            .fetch_all(&mut *self.transaction)
            .await
            .map_err(store_error)?;
            for row in &rows {
                known.push(KnownEntry {
                    id: get(row, "id")?,
                    key: get(row, "entry_key")?,
                    booked: get(row, "booked")?,
                    outcome: outcome(&get::<String>(row, "outcome")?)?,
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
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{MATCHING_SELECT} WHERE p.purpose_id = ANY($1)"
            )))
            .bind(chunk)
            .fetch_all(&mut *self.transaction)
            .await
            .map_err(store_error)?;
            for row in &rows {
                found.push(payment_for_matching(row)?);
            }
        }
        Ok(found)
    }

    async fn insert_entries(&mut self, entries: &[NewStatementEntry]) -> Result<(), StoreError> {
        for chunk in entries.chunks(ENTRY_ROWS_PER_STATEMENT) {
            let c = EntryColumns::new(chunk);
            sqlx::query(INSERT_ENTRIES)
                .bind(&c.keys)
                .bind(&c.import_ids)
                .bind(&c.messages)
                .bind(&c.statement_ids)
                .bind(&c.accounts)
                .bind(&c.booked)
                .bind(&c.credit)
                .bind(&c.reversal)
                .bind(&c.amounts_minor)
                .bind(&c.currencies)
                .bind(&c.booking_dates)
                .bind(&c.value_dates)
                .bind(&c.acct_svcr_refs)
                .bind(&c.end_to_end_ids)
                .bind(&c.remittances)
                .bind(&c.counterparty_names)
                .bind(&c.counterparty_ibans)
                .bind(&c.purpose_ids)
                .bind(&c.outcomes)
                .bind(&c.request_ids)
                .bind(&c.sequences)
                .bind(&c.expected_minor)
                .bind(&c.imported_at)
                .execute(&mut *self.transaction)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn book_entry(&mut self, booked: &EntryBooked) -> Result<(), StoreError> {
        let (request_id, number) = payment_columns(booked.payment);
        sqlx::query(
            "UPDATE statement_entries SET booked = true, outcome = $2, request_id = $3, sequence = $4, \
             expected_minor = $5, booking_date = COALESCE($6, booking_date), confirmed_import_id = $7 \
             WHERE id = $1",
        )
        .bind(booked.id)
        .bind(booked.outcome.as_str())
        .bind(request_id)
        .bind(number)
        .bind(booked.expected.map(|a| a.minor()))
        .bind(booked.booking_date)
        .bind(booked.import_id)
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn confirm_entries(&mut self, ids: &[i64], import_id: i64) -> Result<(), StoreError> {
        for chunk in ids.chunks(KEYS_PER_STATEMENT) {
            sqlx::query("UPDATE statement_entries SET confirmed_import_id = $1 WHERE id = ANY($2)")
                .bind(import_id)
                .bind(chunk)
                .execute(&mut *self.transaction)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn mark_receipts_due(&mut self, requests: &[PaymentRequestId]) -> Result<(), StoreError> {
        let ids: Vec<Uuid> = requests.iter().map(|r| r.as_uuid()).collect();
        for chunk in ids.chunks(KEYS_PER_STATEMENT) {
            sqlx::query(
                "UPDATE payment_requests SET receipt_due = true WHERE status = 'E' \
                 AND NOT (terms->>'no_invoice')::boolean AND id = ANY($1)",
            )
            .bind(chunk)
            .execute(&mut *self.transaction)
            .await
            .map_err(store_error)?;
        }
        Ok(())
    }

    async fn entry_for_update(&mut self, id: i64) -> Result<Option<StoredEntry>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM statement_entries WHERE id = $1 FOR UPDATE"
        )))
        .bind(id)
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        row.as_ref().map(stored_entry).transpose()
    }

    async fn insert_order(&mut self, order: &NewPaymentOrder) -> Result<Option<i64>, StoreError> {
        // No conflict target: a second order with the same end-to-end id, or a
        // second refund of the same entry (`entry_id` is unique), is not stored.
        sqlx::query_scalar(
            "INSERT INTO payment_orders (end_to_end_id, kind, entry_id, debtor_iban, creditor_name, \
             creditor_iban, creditor_bic, amount_minor, currency, remittance, state, proposed_by, \
             proposed_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'proposed', $11, $12, $12) \
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
        .bind(stored_time(order.at))
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn order_for_update(&mut self, id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = $1 FOR UPDATE"
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
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE end_to_end_id = $1 FOR UPDATE"
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
             ORDER BY id LIMIT $1 FOR UPDATE"
        )))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_order).collect()
    }

    async fn set_order_state(&mut self, write: &OrderStateWrite<'_>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE payment_orders SET state = $3, updated_at = $4, \
             approved_by = COALESCE($5, approved_by), \
             approved_at = CASE WHEN $5 IS NULL THEN approved_at ELSE $4 END, \
             batch_id = COALESCE($6, batch_id), status_code = COALESCE($7, status_code), \
             status_reason = COALESCE($8, status_reason) \
             WHERE id = $1 AND state = $2",
        )
        .bind(write.id)
        .bind(write.from.as_str())
        .bind(write.to.as_str())
        .bind(stored_time(write.at))
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
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'ready', $6, $7) \
             ON CONFLICT (message_id) DO NOTHING RETURNING id",
        )
        .bind(&batch.message_id)
        .bind(&batch.version)
        .bind(&batch.document)
        .bind(signed_count(batch.orders))
        .bind(batch.control_sum.minor())
        .bind(&batch.created_by)
        .bind(stored_time(batch.at))
        .fetch_optional(&mut *self.transaction)
        .await
        .map_err(store_error)
    }

    async fn batch_for_update(
        &mut self,
        message_id: &str,
    ) -> Result<Option<PaymentBatch>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE message_id = $1 FOR UPDATE"
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
        sqlx::query(
            "UPDATE payment_batches SET state = $2, \
             submitted_at = CASE WHEN $2 = 'submitted' THEN COALESCE(submitted_at, $3) ELSE submitted_at END, \
             answered_at = CASE WHEN $2 = 'answered' THEN $3 ELSE answered_at END WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .bind(stored_time(at))
        .execute(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn orders_of_batch(&mut self, batch_id: i64) -> Result<Vec<PaymentOrder>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE batch_id = $1 ORDER BY id"
        )))
        .bind(batch_id)
        .fetch_all(&mut *self.transaction)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_order).collect()
    }

    async fn append_audits(&mut self, events: &[AuditEvent]) -> Result<(), StoreError> {
        insert_audits(&mut self.transaction, events).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.transaction.commit().await.map_err(store_error)
    }
}

#[async_trait]
impl TreasuryStore for PostgresStore {
    async fn begin_treasury(&self) -> Result<Box<dyn TreasuryWork>, StoreError> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        // Waits for whichever treasury transaction holds it; released when
        // this one commits or rolls back (also when it is dropped).
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(TREASURY_LOCK)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        Ok(Box::new(PostgresTreasuryWork { transaction }))
    }

    async fn statement_entries(
        &self,
        filter: &EntryFilter,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        let mut query = QueryBuilder::<Postgres>::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM statement_entries WHERE true"
        ));
        if let Some(from) = filter.from {
            query.push(" AND booking_date >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            query.push(" AND booking_date <= ").push_bind(to);
        }
        if let Some(account) = &filter.account {
            query.push(" AND account = ").push_bind(account.clone());
        }
        if let Some(outcome) = filter.outcome {
            query.push(" AND outcome = ").push_bind(outcome.as_str());
        }
        if let Some((request, number)) = filter.payment {
            query
                .push(" AND request_id = ")
                .push_bind(request.as_uuid())
                .push(" AND sequence = ")
                .push_bind(i32::from(number));
        }
        if let Some(after) = filter.after_id {
            query.push(" AND id > ").push_bind(after);
        }
        query
            .push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(stored_entry).collect()
    }

    async fn statement_entry(&self, id: i64) -> Result<Option<StoredEntry>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM statement_entries WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(stored_entry).transpose()
    }

    async fn outcome_totals(&self, from: Date, to: Date) -> Result<Vec<OutcomeTotal>, StoreError> {
        // SUM of bigint is numeric in PostgreSQL; back to bigint (an overflow
        // is an error, not a wrapped sum).
        let rows = sqlx::query(
            "SELECT booking_date, account, currency, outcome, COUNT(*) AS n, \
             SUM(amount_minor)::bigint AS total \
             FROM statement_entries WHERE booking_date >= $1 AND booking_date <= $2 \
             GROUP BY booking_date, account, currency, outcome \
             ORDER BY booking_date, account, currency, outcome",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(OutcomeTotal {
                    day: get(row, "booking_date")?,
                    account: get(row, "account")?,
                    currency: get(row, "currency")?,
                    outcome: outcome(&get::<String>(row, "outcome")?)?,
                    count: count(get(row, "n")?),
                    amount: amount(get(row, "total")?)?,
                })
            })
            .collect()
    }

    async fn statements(&self, from: Date, to: Date) -> Result<Vec<StoredStatement>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, message, statement_id, account, day, currency, opening_minor, closing_minor, \
             entries, credits_minor, debits_minor, imported_at FROM treasury_statements \
             WHERE message = 'camt.053' AND day >= $1 AND day <= $2 ORDER BY day, account, id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(StoredStatement {
                    id: get(row, "id")?,
                    message: get(row, "message")?,
                    statement_id: get(row, "statement_id")?,
                    account: get(row, "account")?,
                    day: get(row, "day")?,
                    currency: get(row, "currency")?,
                    opening_minor: get(row, "opening_minor")?,
                    closing_minor: get(row, "closing_minor")?,
                    entries: count(get(row, "entries")?),
                    booked_credits: amount(get(row, "credits_minor")?)?,
                    booked_debits: amount(get(row, "debits_minor")?)?,
                    imported_at: get(row, "imported_at")?,
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
             FROM payments p WHERE p.status = 'E' AND p.paid_at IS NOT NULL AND p.paid_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM statement_entries s WHERE s.request_id = p.request_id \
                             AND s.sequence = p.sequence AND s.outcome = 'settled') \
             ORDER BY p.paid_at LIMIT $2",
        )
        .bind(stored_time(paid_before))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(UnsettledPayment {
                    request_id: PaymentRequestId::from_uuid(get(row, "request_id")?),
                    sequence: sequence(get(row, "sequence")?)?,
                    purpose_id: get(row, "purpose_id")?,
                    amount: amount(get(row, "amount_minor")?)?,
                    currency: get(row, "currency")?,
                    payee_iban: get(row, "payee_iban")?,
                    paid_at: get(row, "paid_at")?,
                })
            })
            .collect()
    }

    async fn expected_totals(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<ExpectedTotal>, StoreError> {
        let start = from.midnight().assume_utc();
        let end = to.next_day().unwrap_or(to).midnight().assume_utc();
        let rows = sqlx::query(
            "SELECT (paid_at AT TIME ZONE 'UTC')::date AS day, currency, COUNT(*) AS n, \
             SUM(amount_minor)::bigint AS total \
             FROM payments WHERE paid_at >= $1 AND paid_at < $2 AND status = 'E' \
             GROUP BY day, currency ORDER BY day, currency",
        )
        .bind(start)
        .bind(end)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(ExpectedTotal {
                    day: get(row, "day")?,
                    currency: get(row, "currency")?,
                    count: count(get(row, "n")?),
                    amount: amount(get(row, "total")?)?,
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
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MATCHING_SELECT} WHERE p.paid_at >= $1 AND p.paid_at < $2 AND p.status = 'E' \
             ORDER BY p.paid_at LIMIT $3"
        )))
        .bind(stored_time(from))
        .bind(stored_time(till))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_for_matching).collect()
    }

    async fn payment_by_purpose_id(
        &self,
        purpose_id: &str,
    ) -> Result<Option<PaymentForMatching>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MATCHING_SELECT} WHERE p.purpose_id = $1"
        )))
        .bind(purpose_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_for_matching).transpose()
    }

    async fn payment_orders(
        &self,
        state: Option<OrderState>,
        limit: u32,
    ) -> Result<Vec<PaymentOrder>, StoreError> {
        let mut query =
            QueryBuilder::<Postgres>::new(format!("SELECT {ORDER_COLUMNS} FROM payment_orders"));
        if let Some(state) = state {
            query.push(" WHERE state = ").push_bind(state.as_str());
        }
        query
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(payment_order).collect()
    }

    async fn order_of_entry(&self, entry_id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE entry_id = $1"
        )))
        .bind(entry_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_order).transpose()
    }

    async fn payment_order(&self, id: i64) -> Result<Option<PaymentOrder>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM payment_orders WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(payment_order).transpose()
    }

    async fn payment_batch(&self, message_id: &str) -> Result<Option<PaymentBatch>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE message_id = $1"
        )))
        .bind(message_id)
        .fetch_optional(&self.pool)
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
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE state = $1 ORDER BY id LIMIT $2"
        )))
        .bind(state)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(payment_batch).collect()
    }

    async fn log_exchange(&self, record: &ExchangeRecord, keep: u32) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO treasury_exchanges (at, operation, subject, outcome, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(stored_time(record.at))
        .bind(&record.operation)
        .bind(&record.subject)
        .bind(&record.outcome)
        .bind(&record.detail)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        // By the (keep+1)-th newest id rather than `MAX(id) - keep`: an
        // identity leaves gaps (a rolled-back insert still used its value),
        // and arithmetic on ids would then keep fewer than `keep` rows.
        sqlx::query(
            "DELETE FROM treasury_exchanges WHERE id <= \
             (SELECT id FROM treasury_exchanges ORDER BY id DESC OFFSET $1 LIMIT 1)",
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
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(ExchangeRecord {
                    at: get(row, "at")?,
                    operation: get(row, "operation")?,
                    subject: get(row, "subject")?,
                    outcome: get(row, "outcome")?,
                    detail: get(row, "detail")?,
                })
            })
            .collect()
    }
}
