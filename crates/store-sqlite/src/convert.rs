//! Between domain values and SQLite column values, and from sqlx errors to
//! `StoreError`.

use maksa_app::store::StoreError;
use maksa_domain::attempt::{AttemptId, AttemptState};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::status::Status;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::error::ErrorKind;
use time::OffsetDateTime;

/// Microseconds since the Unix epoch, UTC, truncated towards the past: the
/// schema's time representation. Sub-microsecond precision is dropped here, once,
/// so that equal inputs always store equal values.
pub fn micros(at: OffsetDateTime) -> Result<i64, StoreError> {
    let micros = at.unix_timestamp_nanos().div_euclid(1_000);
    i64::try_from(micros)
        .map_err(|_| StoreError::Corrupt(format!("time {at} does not fit the schema")))
}

pub fn optional_micros(at: Option<OffsetDateTime>) -> Result<Option<i64>, StoreError> {
    at.map(micros).transpose()
}

pub fn time_from_micros(micros: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .map_err(|_| StoreError::Corrupt(format!("stored time {micros} µs is out of range")))
}

pub fn optional_time_from_micros(
    micros: Option<i64>,
) -> Result<Option<OffsetDateTime>, StoreError> {
    micros.map(time_from_micros).transpose()
}

pub fn to_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<String, StoreError> {
    // Serialising the domain types cannot fail (no maps with non-string keys);
    // should it ever, the value could not be read back either.
    serde_json::to_string(value)
        .map_err(|error| StoreError::Corrupt(format!("cannot encode {what}: {error}")))
}

pub fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|error| StoreError::Corrupt(format!("stored {what} is not valid: {error}")))
}

pub fn status_letter(status: Status) -> String {
    status.letter().to_string()
}

pub fn status(letter: &str) -> Result<Status, StoreError> {
    Status::from_letter(letter)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown status letter `{letter}`")))
}

pub fn request_id_text(id: PaymentRequestId) -> String {
    id.as_uuid().hyphenated().to_string()
}

pub fn request_id(text: &str) -> Result<PaymentRequestId, StoreError> {
    PaymentRequestId::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("stored request id `{text}` is not a UUID")))
}

/// The same text form as request ids, so both sort as their UUIDs do.
pub fn attempt_id_text(id: AttemptId) -> String {
    id.as_uuid().hyphenated().to_string()
}

pub fn attempt_id(text: &str) -> Result<AttemptId, StoreError> {
    AttemptId::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("stored attempt id `{text}` is not a UUID")))
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

/// SQLite's primary result codes for a damaged file or one that is not a database.
const SQLITE_CORRUPT: &str = "11";
const SQLITE_NOTADB: &str = "26";
/// The disk (or the file's size limit) is full: nothing of the statement stayed.
const SQLITE_FULL: &str = "13";

/// Extended I/O error codes after which what is on disk is unknown: a write,
/// an fsync of the file or of its directory, a truncation (`SQLITE_IOERR_WRITE`,
/// `_FSYNC`, `_DIR_FSYNC`, `_TRUNCATE`). Each latches the node (`failure`).
const LATCHING_IO_ERRORS: [i64; 4] = [778, 1034, 1290, 1546];

/// The extended result code of a database error, if it has one.
fn extended_code(database: &dyn sqlx::error::DatabaseError) -> Option<i64> {
    database.code().and_then(|code| code.parse::<i64>().ok())
}

/// Whether `error` is one after which the node must stop writing; latches
/// the process if so. Every sqlx error of this adapter passes here through
/// [`store_error`]; the checkpointer, which keeps its sqlx errors, calls it too.
pub fn latch_if_storage_failed(error: &sqlx::Error) -> bool {
    if let sqlx::Error::Database(database) = error
        && extended_code(database.as_ref()).is_some_and(|code| LATCHING_IO_ERRORS.contains(&code))
    {
        crate::failure::latch(database.message());
        return true;
    }
    false
}

/// Classifies a sqlx error by kind and code, never by message text: a unique
/// violation is a `Conflict`, undecodable data is `Corrupt`, everything else
/// (I/O, locks held too long, a closed pool) means the database cannot serve us.
pub fn store_error(error: sqlx::Error) -> StoreError {
    if latch_if_storage_failed(&error) {
        return StoreError::Failed(error.to_string());
    }
    match error {
        sqlx::Error::Database(database) => {
            if database.kind() == ErrorKind::UniqueViolation {
                return StoreError::Conflict(database.message().to_owned());
            }
            // Extended result codes carry the primary code in their low byte.
            let primary = database
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .map(|code| (code & 0xff).to_string());
            match primary.as_deref() {
                Some(SQLITE_CORRUPT | SQLITE_NOTADB) => {
                    StoreError::Corrupt(database.message().to_owned())
                }
                Some(SQLITE_FULL) => StoreError::Full(database.message().to_owned()),
                _ => StoreError::Unavailable(database.message().to_owned()),
            }
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
/// row) rather than to the connection or the whole transaction.
/// Only constraint violations qualify: after I/O errors, SQLITE_FULL or a lock
/// timeout SQLite may have rolled the whole transaction back already.
pub fn is_item_error(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.kind() != ErrorKind::Other)
}

/// A day as stored: TEXT `YYYY-MM-DD` (sorts and compares as the date does).
pub fn day_text(day: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

pub fn optional_day(text: Option<String>) -> Result<Option<time::Date>, StoreError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.map(|t| {
        time::Date::parse(&t, &format)
            .map_err(|_| StoreError::Corrupt(format!("{t:?} is not a stored day")))
    })
    .transpose()
}
