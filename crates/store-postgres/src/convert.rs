//! Between domain values and PostgreSQL column values, and from sqlx errors to
//! `StoreError`.

use maksa_app::store::StoreError;
use maksa_domain::attempt::AttemptState;
use maksa_domain::ids::ClientId;
use maksa_domain::money::{Amount, Currency};
use maksa_domain::status::Status;
use sqlx::error::ErrorKind;
use time::{OffsetDateTime, UtcOffset};

/// `at` in UTC without its sub-microsecond part (towards the past): timestamptz
/// keeps microseconds, and cutting here, once, means equal inputs store equal
/// values and the SQLite store gives back the same instants.
pub fn stored_time(at: OffsetDateTime) -> OffsetDateTime {
    let nanosecond = at.nanosecond();
    // `nanosecond - nanosecond % 1000` is always a valid nanosecond value.
    at.replace_nanosecond(nanosecond - nanosecond % 1_000)
        .unwrap_or(at)
        .to_offset(UtcOffset::UTC)
}

pub fn optional_stored_time(at: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    at.map(stored_time)
}

pub fn status_letter(status: Status) -> String {
    status.letter().to_string()
}

pub fn status(letter: &str) -> Result<Status, StoreError> {
    Status::from_letter(letter)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown status letter `{letter}`")))
}

pub fn attempt_state(text: &str) -> Result<AttemptState, StoreError> {
    AttemptState::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown attempt state `{text}`")))
}

pub fn client_id(text: &str) -> Result<ClientId, StoreError> {
    ClientId::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("stored client id `{text}` is not valid")))
}

pub fn amount(minor: i64) -> Result<Amount, StoreError> {
    Amount::from_minor(minor)
        .map_err(|error| StoreError::Corrupt(format!("stored amount {minor}: {error}")))
}

pub fn currency(code: &str) -> Result<Currency, StoreError> {
    Currency::parse(code)
        .ok_or_else(|| StoreError::Corrupt(format!("stored currency `{code}` is not valid")))
}

/// SQLSTATE class XX: internal errors, among them data_corrupted and index_corrupted.
const INTERNAL_ERROR_CLASS: &str = "XX";

/// Classifies a sqlx error by kind and SQLSTATE, never by message text: a
/// unique violation is a `Conflict`, undecodable or damaged data is `Corrupt`,
/// everything else (network, server shutting down, pool timeout) means the
/// database cannot serve us now.
/// SQLSTATE 53100 `disk_full`: the server could not extend a file; the
/// statement (and its transaction) left nothing behind.
const DISK_FULL: &str = "53100";

pub fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(database) => {
            if database.kind() == ErrorKind::UniqueViolation {
                let constraint = database.constraint().unwrap_or("a unique constraint");
                return StoreError::Conflict(format!("{} ({constraint})", database.message()));
            }
            if database
                .code()
                .is_some_and(|code| code.starts_with(INTERNAL_ERROR_CLASS))
            {
                return StoreError::Corrupt(database.message().to_owned());
            }
            if database.code().as_deref() == Some(DISK_FULL) {
                return StoreError::Full(database.message().to_owned());
            }
            StoreError::Unavailable(database.message().to_owned())
        }
        error @ (sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::RowNotFound) => StoreError::Corrupt(error.to_string()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

/// Whether an error belongs to one item of a batch (the database refused that
/// row: an integrity constraint, SQLSTATE class 23) rather than to the
/// connection or the whole transaction.
pub fn is_item_error(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.kind() != ErrorKind::Other)
}
