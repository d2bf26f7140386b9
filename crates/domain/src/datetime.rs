//! Dates as the originals' clients send them: RFC 3339, but also one-digit zone
//! offsets (`2019-12-31T15:45:00+3:00`), no seconds, no zone at all, and bare dates
//! (`2013-02-15`). A value without a zone is Latvian local time, which is what the
//! people who wrote it meant.
//!
//! Every date the hub accepts is one it can later print (in an answer, a receipt,
//! an XML document with a four-digit year): an instant must fall in the years
//! [`FIRST_YEAR`]–[`LAST_YEAR`] both in UTC and in Riga time, a bare date in
//! those years. The check is part of parsing, so every door gets it. All
//! arithmetic is checked and nothing slices text by byte index, so no input
//! can panic here.

use time::macros::time;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The first year a date may fall in (UTC and Riga time).
pub const FIRST_YEAR: i32 = 2000;
/// The last year a date may fall in (UTC and Riga time).
pub const LAST_YEAR: i32 = 2200;

/// A point in time, or a whole calendar day when the sender gave only a date.
/// Only [`parse_lenient`] makes one, so its instants are always in range and
/// their neighbours computable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LenientDateTime {
    start: OffsetDateTime,
    end_exclusive: OffsetDateTime,
    whole_day: bool,
}

impl LenientDateTime {
    /// The first instant the value covers (a bare date: its start in Riga).
    pub fn start(self) -> OffsetDateTime {
        self.start
    }

    /// The instant just after the value (a bare date: the next day's start in Riga),
    /// so that "till 2020-08-14" includes the whole of that day. For an instant it
    /// is one microsecond later: the precision the hub stores times with.
    pub fn end_exclusive(self) -> OffsetDateTime {
        self.end_exclusive
    }

    /// The last instant the value covers: the instant itself, or a bare date's
    /// last microsecond in Riga.
    pub fn last_instant(self) -> OffsetDateTime {
        if self.whole_day {
            self.end_exclusive
                .checked_sub(Duration::microseconds(1))
                .unwrap_or(self.start)
        } else {
            self.start
        }
    }

    /// True for a bare date.
    pub fn is_whole_day(self) -> bool {
        self.whole_day
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateTimeError {
    #[error(
        "is not an ISO 8601 date or date-time (expected e.g. 2019-12-31T15:45:00+03:00 or 2019-12-31)"
    )]
    Malformed,
    #[error("is outside the years 2000-2200 (in UTC and in Riga time) that the hub accepts")]
    OutOfRange,
}

use DateTimeError::{Malformed, OutOfRange};

fn year_in_range(year: i32) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year)
}

/// Parses every form described in the module comment. Returns UTC-normalised instants.
pub fn parse_lenient(text: &str) -> Result<LenientDateTime, DateTimeError> {
    let text = text.trim();
    let (date_part, rest) = match text.split_once(['T', 't', ' ']) {
        Some((date, rest)) => (date, Some(rest)),
        None => (text, None),
    };
    let date = parse_date(date_part)?;
    let Some(rest) = rest else {
        if !year_in_range(date.year()) {
            return Err(OutOfRange);
        }
        let start = riga_local_to_utc(date.midnight()).ok_or(OutOfRange)?;
        let next = date.next_day().ok_or(OutOfRange)?;
        let end_exclusive = riga_local_to_utc(next.midnight()).ok_or(OutOfRange)?;
        return Ok(LenientDateTime {
            start,
            end_exclusive,
            whole_day: true,
        });
    };
    let (time_part, zone_part) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => {
            let (time, zone) = rest.split_at_checked(at).ok_or(Malformed)?;
            (time, Some(zone))
        }
        None => (rest, None),
    };
    let local = PrimitiveDateTime::new(date, parse_time(time_part)?);
    let instant = match zone_part {
        None => riga_local_to_utc(local),
        Some(zone) => local
            .assume_offset(parse_offset(zone)?)
            .checked_to_offset(UtcOffset::UTC),
    }
    .ok_or(OutOfRange)?;
    let riga = riga_offset_at(instant);
    let riga_year = instant.checked_to_offset(riga).map(OffsetDateTime::year);
    if !year_in_range(instant.year()) || !riga_year.is_some_and(year_in_range) {
        return Err(OutOfRange);
    }
    let end_exclusive = instant
        .checked_add(Duration::microseconds(1))
        .ok_or(OutOfRange)?;
    Ok(LenientDateTime {
        start: instant,
        end_exclusive,
        whole_day: false,
    })
}

fn digits(text: &str, min: usize, max: usize) -> Result<u32, DateTimeError> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Malformed);
    }
    text.parse().map_err(|_| Malformed)
}

fn parse_date(text: &str) -> Result<Date, DateTimeError> {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed);
    };
    let year = i32::try_from(digits(y, 4, 4)?).map_err(|_| Malformed)?;
    let month = u8::try_from(digits(m, 1, 2)?).map_err(|_| Malformed)?;
    let day = u8::try_from(digits(d, 1, 2)?).map_err(|_| Malformed)?;
    let month = Month::try_from(month).map_err(|_| Malformed)?;
    Date::from_calendar_date(year, month, day).map_err(|_| Malformed)
}

fn parse_time(text: &str) -> Result<Time, DateTimeError> {
    let (clock, fraction) = match text.split_once(['.', ',']) {
        Some((c, f)) => (c, Some(f)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let hour = digits(parts.next().ok_or(Malformed)?, 1, 2)?;
    let minute = digits(parts.next().ok_or(Malformed)?, 2, 2)?;
    let second = match parts.next() {
        Some(s) => digits(s, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return Err(Malformed);
    }
    let nanos = match fraction {
        None => 0,
        Some(f) => {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Malformed);
            }
            // .NET writes seven fractional digits; keep nanosecond precision at
            // most. All ASCII digits, so any index is a character boundary.
            let kept = f.get(..9).unwrap_or(f);
            let value: u32 = kept.parse().map_err(|_| Malformed)?;
            let width = u32::try_from(kept.len()).map_err(|_| Malformed)?;
            9_u32
                .checked_sub(width)
                .and_then(|missing| 10_u32.checked_pow(missing))
                .and_then(|scale| value.checked_mul(scale))
                .ok_or(Malformed)?
        }
    };
    let as_u8 = |v: u32| u8::try_from(v).map_err(|_| Malformed);
    // A leap second (":60") is folded into the last representable instant.
    let second = second.min(59);
    Time::from_hms_nano(as_u8(hour)?, as_u8(minute)?, as_u8(second)?, nanos).map_err(|_| Malformed)
}

/// `Z`, `+03:00`, `+3:00`, `+0300`, `+03`, `+3`.
fn parse_offset(text: &str) -> Result<UtcOffset, DateTimeError> {
    if text.eq_ignore_ascii_case("z") {
        return Ok(UtcOffset::UTC);
    }
    let (negative, body) = match (text.strip_prefix('-'), text.strip_prefix('+')) {
        (Some(body), _) => (true, body),
        (None, Some(body)) => (false, body),
        (None, None) => return Err(Malformed),
    };
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) => (digits(h, 1, 2)?, digits(m, 2, 2)?),
        None if body.len() == 4 => {
            let (h, m) = body.split_at_checked(2).ok_or(Malformed)?;
            (digits(h, 2, 2)?, digits(m, 2, 2)?)
        }
        None => (digits(body, 1, 2)?, 0),
    };
    if hours > 18 || minutes > 59 {
        return Err(Malformed);
    }
    let as_i8 = |v: u32| i8::try_from(v).map_err(|_| Malformed);
    let (hours, minutes) = (as_i8(hours)?, as_i8(minutes)?);
    let (hours, minutes) = if negative {
        (hours.saturating_neg(), minutes.saturating_neg())
    } else {
        (hours, minutes)
    };
    UtcOffset::from_hms(hours, minutes, 0).map_err(|_| Malformed)
}

/// Latvia is UTC+2, and UTC+3 from the last Sunday of March 01:00 UTC to the last
/// Sunday of October 01:00 UTC (the EU rule). Computed here so that the domain
/// needs no time-zone database.
/// The Riga calendar day of an instant as Latvians write it, `DD.MM.YYYY`
/// (the payer's pages and e-mail: "pay by").
pub fn latvian_day(at: OffsetDateTime) -> String {
    let local = at.to_offset(riga_offset_at(at));
    format!(
        "{:02}.{:02}.{}",
        local.day(),
        u8::from(local.month()),
        local.year()
    )
}

/// The calendar day in Riga of an instant (a price's day, docs/catalog.md).
pub fn riga_date(at: OffsetDateTime) -> Date {
    at.checked_to_offset(riga_offset_at(at))
        .unwrap_or(at)
        .date()
}

pub fn riga_offset_at(utc: OffsetDateTime) -> UtcOffset {
    let year = utc.year();
    let summer = match (
        last_sunday_0100_utc(year, Month::March),
        last_sunday_0100_utc(year, Month::October),
    ) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        // Only at the very ends of the calendar `time` can represent.
        _ => false,
    };
    let hours = if summer { 3 } else { 2 };
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn last_sunday_0100_utc(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last_day = time::util::days_in_month(month, year);
    let last = Date::from_calendar_date(year, month, last_day).ok()?;
    let back = Duration::days(i64::from(last.weekday().number_days_from_sunday()));
    let sunday = last.checked_sub(back)?;
    Some(OffsetDateTime::new_utc(sunday, time!(01:00)))
}

/// Riga wall-clock time to UTC. In the ambiguous autumn hour the earlier instant
/// wins. `None` only beyond the calendar `time` can represent.
pub fn riga_local_to_utc(local: PrimitiveDateTime) -> Option<OffsetDateTime> {
    let guess = local.assume_utc().checked_sub(Duration::hours(3))?;
    let offset = riga_offset_at(guess);
    local
        .assume_offset(offset)
        .checked_to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn instant(text: &str) -> OffsetDateTime {
        let value = parse_lenient(text).unwrap();
        assert!(!value.is_whole_day(), "expected an instant");
        value.start()
    }

    #[test]
    fn accepts_the_one_digit_offset_of_the_originals() {
        assert_eq!(
            instant("2019-12-31T15:45:00+3:00"),
            datetime!(2019-12-31 12:45:00 UTC)
        );
        assert_eq!(
            instant("2020-09-30T14:00:00+03:00"),
            datetime!(2020-09-30 11:00:00 UTC)
        );
        assert_eq!(
            instant("2020-09-30T14:00:00Z"),
            datetime!(2020-09-30 14:00:00 UTC)
        );
        assert_eq!(
            instant("2020-09-30T14:00:00-0130"),
            datetime!(2020-09-30 15:30:00 UTC)
        );
        assert_eq!(
            instant("2020-09-30T14:00+3"),
            datetime!(2020-09-30 11:00:00 UTC)
        );
        assert_eq!(
            instant("2020-09-30T14:00:00.1234567+03:00"),
            datetime!(2020-09-30 11:00:00.1234567 UTC)
        );
    }

    #[test]
    fn a_value_without_zone_is_riga_time() {
        // Summer: UTC+3; winter: UTC+2.
        assert_eq!(
            instant("2020-07-01T12:00:00"),
            datetime!(2020-07-01 09:00:00 UTC)
        );
        assert_eq!(
            instant("2020-01-15T12:00:00"),
            datetime!(2020-01-15 10:00:00 UTC)
        );
    }

    #[test]
    fn a_bare_date_covers_the_whole_riga_day() {
        let day = parse_lenient("2013-02-15").unwrap();
        assert!(day.is_whole_day());
        assert_eq!(day.start(), datetime!(2013-02-14 22:00:00 UTC));
        assert_eq!(day.end_exclusive(), datetime!(2013-02-15 22:00:00 UTC));
        assert_eq!(
            day.last_instant(),
            datetime!(2013-02-15 21:59:59.999999 UTC)
        );
    }

    #[test]
    fn an_instant_ends_one_microsecond_later() {
        let at = parse_lenient("2020-09-30T14:00:00Z").unwrap();
        assert_eq!(at.last_instant(), datetime!(2020-09-30 14:00:00 UTC));
        assert_eq!(
            at.end_exclusive(),
            datetime!(2020-09-30 14:00:00.000001 UTC)
        );
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "",
            "2020",
            "2020-13-01",
            "2020-02-30",
            "yesterday",
            "2020-01-01T25:00:00Z",
            "2020-01-01T10:00:00+25:00",
            "2020-01-01T10:00:00+",
            "2020-01-01T10:00:00Zulu",
        ] {
            assert_eq!(parse_lenient(bad), Err(Malformed), "{bad}");
        }
    }

    /// Issue 11 §1.1: each of these panicked (byte slicing through a
    /// multi-byte character, a local time beyond the calendar, `+ 1µs` past
    /// the last representable instant).
    #[test]
    fn hostile_dates_are_refused_without_panicking() {
        for (text, expected) in [
            ("2030-01-01T10:00:00.12345678é", Malformed),
            ("2030-01-01T10:00:00.1234567890é", Malformed),
            ("2030-01-01T10:00+aéb", Malformed),
            ("2030-01-01T10:00+éa", Malformed),
            ("2030-01-01T10:00-é", Malformed),
            ("2030-01-01é10:00:00Z", Malformed),
            ("9999-12-31T23:59:59-18:00", OutOfRange),
            ("0000-01-01T00:00:00+18:00", OutOfRange),
            ("9999-12-31T23:59:59.999999999Z", OutOfRange),
            ("9999-12-31T23:59:59", OutOfRange),
            ("0000-01-01T00:00:00", OutOfRange),
            ("9999-12-31T22:00:00Z", OutOfRange),
            ("9999-12-31", OutOfRange),
            ("0000-01-01", OutOfRange),
        ] {
            assert_eq!(parse_lenient(text), Err(expected), "{text}");
        }
    }

    /// Issue 11 §1.2: the years 2000–2200, in UTC and in Riga time.
    #[test]
    fn the_range_is_2000_to_2200_in_utc_and_in_riga_time() {
        for good in [
            "2000-01-01",
            "2200-12-31",
            "2000-01-01T00:00:00Z",
            "2000-01-01T18:00:00+18:00",
            "1999-12-31T06:00:00-18:00",
            "2000-01-01T02:00:00",
            "2200-12-31T21:59:59.999999999Z",
            "2200-12-31T03:59:59-18:00",
            "2200-12-31T23:59:59",
            "2201-01-01T15:59:59+18:00",
        ] {
            assert!(parse_lenient(good).is_ok(), "{good} was refused");
        }
        for bad in [
            "1999-12-31",
            "2201-01-01",
            // UTC 1999-12-31 23:59:59.
            "2000-01-01T17:59:59+18:00",
            "1999-12-31T23:59:59Z",
            // Riga time 2000-01-01 01:59:59, but UTC 1999.
            "2000-01-01T01:59:59",
            // UTC 2200-12-31 22:00: Riga time is 2201 already.
            "2200-12-31T22:00:00Z",
            "2200-12-31T04:00:00-18:00",
            "2201-01-01T00:00:00",
            "2201-01-01T16:00:00+18:00",
        ] {
            assert_eq!(parse_lenient(bad), Err(OutOfRange), "{bad}");
        }
    }

    #[test]
    fn a_latvian_day_is_the_riga_calendar_day() {
        // 22:30 UTC in summer is already the next day in Riga (UTC+3).
        assert_eq!(latvian_day(datetime!(2026-07-14 22:30 UTC)), "15.07.2026");
        assert_eq!(latvian_day(datetime!(2026-01-14 21:30 UTC)), "14.01.2026");
    }

    #[test]
    fn riga_time_at_the_ends_of_the_calendar_does_not_panic() {
        let _ = riga_offset_at(OffsetDateTime::new_utc(Date::MIN, Time::MIDNIGHT));
        let _ = riga_offset_at(OffsetDateTime::new_utc(Date::MAX, Time::MAX));
        assert_eq!(riga_local_to_utc(PrimitiveDateTime::MIN), None);
        let _ = riga_local_to_utc(PrimitiveDateTime::MAX);
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse_lenient(&text);
        }

        /// Date-shaped text with any characters (multi-byte ones too) at any
        /// place, and any years and offsets.
        #[test]
        fn date_shaped_text_never_panics(
            year in 0_u32..=9999,
            offset in -18_i32..=18,
            fraction in "[0-9]{0,12}",
            junk in "\\PC{0,3}",
            at in 0_usize..40,
        ) {
            let text = format!("{year:04}-12-31T23:59:59.{fraction}{offset:+03}:00");
            let cut = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
            let (head, tail) = text.split_at(cut);
            let _ = parse_lenient(&format!("{head}{junk}{tail}"));
            if let Ok(value) = parse_lenient(&text) {
                prop_assert!(year_in_range(value.start().year()));
            }
        }

        #[test]
        fn rfc3339_round_trips(seconds in 946_684_800_i64..7_289_647_200) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let text = at.format(&time::format_description::well_known::Rfc3339).unwrap();
            let value = parse_lenient(&text).unwrap();
            prop_assert_eq!(value.start(), at);
            prop_assert!(!value.is_whole_day());
        }
    }
}
