//! Identifiers. Anything a payer or client sees carries enough randomness that
//! it cannot be guessed; the randomness (and the time) is passed in so tests can
//! fix it.
//!
//! New request ids and purpose ids are *time-ordered*: they start with the
//! creation time and end with random bits (a request id is a UUID version 7:
//! 48 bits of Unix milliseconds, then 74 random bits; a purpose id has the
//! date, the millisecond of the day and 18 random base-36 characters, about 93
//! bits). The random part alone keeps them unguessable — a request id is the
//! payer's capability — while the time prefix makes every index keyed by them
//! grow at its end, so that a new row dirties the last page of each index
//! instead of a random one (see docs/PERFORMANCE.md). What the prefix tells is
//! the creation time, which the payer is shown anyway.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// A UUID version 7: `at` in Unix milliseconds (48 bits), then 74 of the 80
/// random bits given (the other 6 are the version and variant). UUIDs made
/// later sort after UUIDs made earlier, as bytes and as hyphenated text.
pub fn time_ordered_uuid(at: OffsetDateTime, random: [u8; 10]) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(unix_millis_48(at), &random).into_uuid()
}

/// Milliseconds since the Unix epoch of `at`, clamped to what 48 bits hold.
fn unix_millis_48(at: OffsetDateTime) -> u64 {
    const MAX_48_BITS: i128 = (1 << 48) - 1;
    let millis = at
        .unix_timestamp_nanos()
        .checked_div(1_000_000)
        .unwrap_or_default()
        .clamp(0, MAX_48_BITS);
    u64::try_from(millis).unwrap_or_default()
}

/// The GUID of a payment request (`PaymentRequestId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PaymentRequestId(Uuid);

impl PaymentRequestId {
    /// A random (version 4) id: only for ids that need no order, such as tests'.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        PaymentRequestId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// A new request's id: a UUID version 7 (`time_ordered_uuid`) of its
    /// creation time.
    pub fn time_ordered(at: OffsetDateTime, random: [u8; 10]) -> Self {
        PaymentRequestId(time_ordered_uuid(at, random))
    }

    /// Accepts the usual textual forms (hyphenated, braced, simple).
    pub fn parse(text: &str) -> Option<Self> {
        Uuid::parse_str(text.trim()).ok().map(PaymentRequestId)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    pub fn from_uuid(id: Uuid) -> Self {
        PaymentRequestId(id)
    }
}

impl fmt::Display for PaymentRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The short name of a client (an e-service) in the hub: `[a-z0-9._-]`, 1–64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(text: &str) -> Option<Self> {
        let ok = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        ok.then(|| ClientId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ClientId::parse(&value).ok_or_else(|| {
            format!("`{value}` is not a client id (1-64 of a-z, 0-9, '.', '_', '-')")
        })
    }
}

impl From<ClientId> for String {
    fn from(value: ClientId) -> Self {
        value.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Letters and digits that survive every bank's character set and cannot be
/// misread for one another (no 0/O, 1/I/L).
const READABLE: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The character of `alphabet` a random byte stands for.
fn pick(alphabet: &[u8], random: u8) -> char {
    let at = usize::from(random)
        .checked_rem(alphabet.len())
        .unwrap_or_default();
    alphabet.get(at).copied().map_or('0', char::from)
}

/// The human-readable number of a request, `ABCD-2345`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestNumber(String);

impl RequestNumber {
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut text = String::with_capacity(9);
        for (i, b) in bytes.iter().enumerate() {
            if i == 4 {
                text.push('-');
            }
            text.push(pick(READABLE, *b));
        }
        RequestNumber(text)
    }

    pub fn from_stored(text: String) -> Self {
        RequestNumber(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 34-character system identifier that starts a payment's purpose and that
/// reconciliation matches bank statement lines with: `[A-Z0-9]{34}`, unique per payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PurposeId(String);

/// Digits then capital letters: base-36 text sorts as its numbers do.
const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl PurposeId {
    pub const LENGTH: usize = 34;
    /// Base-36 digits of the millisecond of the day in a time-ordered id
    /// (36^6 > 86,400,000).
    const TIME_DIGITS: usize = 6;

    /// `MK` + the creation date `YYYYMMDD` + 24 random base-36 characters
    /// (about 124 bits: collisions are not a practical concern).
    pub fn from_random(date: time::Date, random: [u8; 24]) -> Self {
        let mut text = Self::date_prefix(date);
        for b in random {
            text.push(pick(BASE36, b));
        }
        PurposeId(text)
    }

    /// A new payment's id: `MK` + the creation date `YYYYMMDD` (UTC) + the
    /// millisecond of that day in 6 base-36 digits + 18 random base-36
    /// characters (about 93 bits: unguessable, and collisions are not a
    /// practical concern). Ids made later sort after ids made earlier.
    pub fn time_ordered(at: OffsetDateTime, random: [u8; 18]) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        let mut text = Self::date_prefix(at.date());
        let (hours, minutes, seconds, millis) = at.time().as_hms_milli();
        let mut of_day = u64::from(hours)
            .saturating_mul(3_600_000)
            .saturating_add(u64::from(minutes).saturating_mul(60_000))
            .saturating_add(u64::from(seconds).saturating_mul(1_000))
            .saturating_add(u64::from(millis));
        let mut digits = [b'0'; Self::TIME_DIGITS];
        for digit in digits.iter_mut().rev() {
            let at =
                usize::try_from(of_day.checked_rem(36).unwrap_or_default()).unwrap_or_default();
            *digit = BASE36.get(at).copied().unwrap_or(b'0');
            of_day = of_day.checked_div(36).unwrap_or_default();
        }
        text.extend(digits.iter().map(|&d| char::from(d)));
        for b in random {
            text.push(pick(BASE36, b));
        }
        PurposeId(text)
    }

    fn date_prefix(date: time::Date) -> String {
        format!(
            "MK{:04}{:02}{:02}",
            date.year().clamp(0, 9999),
            u8::from(date.month()),
            date.day()
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PurposeId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = value.len() == Self::LENGTH
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(PurposeId(value))
        } else {
            Err(format!(
                "`{value}` is not a 34-character payment identifier"
            ))
        }
    }
}

impl From<PurposeId> for String {
    fn from(value: PurposeId) -> Self {
        value.0
    }
}

impl fmt::Display for PurposeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn request_ids_made_later_sort_later_and_keep_the_random_bits() {
        let earlier =
            PaymentRequestId::time_ordered(datetime!(2026-11-30 09:00:00.001 UTC), [0xff; 10]);
        let later = PaymentRequestId::time_ordered(datetime!(2026-11-30 09:00:00.002 UTC), [0; 10]);
        assert!(earlier < later);
        assert!(earlier.to_string() < later.to_string());
        assert_eq!(later.as_uuid().get_version_num(), 7);
        let a = PaymentRequestId::time_ordered(datetime!(2026-11-30 09:00:00.002 UTC), [1; 10]);
        assert_ne!(
            a, later,
            "the same millisecond, other random bits: another id"
        );
        assert_eq!(
            &later.as_uuid().as_bytes()[..6],
            &(1_796_029_200_002_u64).to_be_bytes()[2..],
            "the first 48 bits are the Unix milliseconds"
        );
    }

    #[test]
    fn purpose_ids_made_later_sort_later_and_stay_valid() {
        let at = datetime!(2026-11-30 23:59:59.999 UTC);
        let last = PurposeId::time_ordered(at, [35; 18]);
        assert_eq!(last.as_str().len(), PurposeId::LENGTH);
        assert!(last.as_str().starts_with("MK20261130"));
        // 86,399,999 ms in base 36.
        assert_eq!(last.as_str().get(10..16), Some("1FFUNZ"));
        assert_eq!(
            PurposeId::try_from(last.as_str().to_owned()),
            Ok(last.clone())
        );
        let first = PurposeId::time_ordered(datetime!(2026-11-30 00:00:00 UTC), [0; 18]);
        assert_eq!(first.as_str().get(10..16), Some("000000"));
        let next_day = PurposeId::time_ordered(datetime!(2026-12-01 00:00:00 UTC), [0; 18]);
        assert!(first.as_str() < last.as_str() && last.as_str() < next_day.as_str());
        let local = datetime!(2026-12-01 01:00:00 +02:00);
        assert!(
            PurposeId::time_ordered(local, [0; 18])
                .as_str()
                .starts_with("MK20261130"),
            "the date is UTC's"
        );
    }
}
