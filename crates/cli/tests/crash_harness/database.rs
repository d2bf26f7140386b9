//! The one look the checks take behind the API: every attempt at a provider, to
//! count executed attempts per payment. The API shows a payment's status but
//! not how many times the payer's money was taken for it.
//!
//! The only place the harness knows the schema (`attempts`, migration 0002 of
//! both adapters): a change of that table changes these two queries.

use sqlx::Connection;
use std::path::PathBuf;

pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

/// One attempt as stored.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// The attempt id as the bank saw it (`VK_STAMP`: the UUID without hyphens).
    pub stamp: String,
    /// The request's id, hyphenated as the API prints it.
    pub request: String,
    pub sequence: i64,
    pub state: String,
    pub refund_required: bool,
}

const SQLITE_ATTEMPTS: &str =
    "SELECT id, request_id, sequence, state, refund_required FROM attempts";
const POSTGRES_ATTEMPTS: &str = "SELECT id::text, request_id::text, sequence::bigint, state, \
     (CASE WHEN refund_required THEN 1 ELSE 0 END)::bigint FROM attempts";

type Row = (String, String, i64, String, i64);

impl Database {
    pub async fn attempts(&self) -> Vec<AttemptRow> {
        let rows: Vec<Row> = match self {
            Database::Sqlite(path) => {
                let url = format!("sqlite://{}?mode=ro", path.display());
                let mut connection = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
                let rows = sqlx::query_as(SQLITE_ATTEMPTS)
                    .fetch_all(&mut connection)
                    .await
                    .unwrap();
                connection.close().await.unwrap();
                rows
            }
            Database::Postgres(url) => {
                let mut connection = sqlx::postgres::PgConnection::connect(url).await.unwrap();
                let rows = sqlx::query_as(POSTGRES_ATTEMPTS)
                    .fetch_all(&mut connection)
                    .await
                    .unwrap();
                connection.close().await.unwrap();
                rows
            }
        };
        rows.into_iter()
            .map(|(id, request, sequence, state, refund)| AttemptRow {
                stamp: id.replace('-', "").to_ascii_lowercase(),
                request: request.to_ascii_lowercase(),
                sequence,
                state,
                refund_required: refund != 0,
            })
            .collect()
    }
}
