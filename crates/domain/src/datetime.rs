//! Dates as the originals' clients send them: RFC 3339, but also one-digit zone
//! offsets (`2019-12-31T15:45:00+3:00`), no seconds, no zone at all, and bare dates
//! (`2013-02-15`). A value without a zone is Latvian local time, which is what the
//! people who wrote it meant.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// A point in time, or a whole calendar day when the sender gave only a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenientDateTime {
    Instant(OffsetDateTime),
    Day(Date),
}

impl LenientDateTime {
    /// The first instant the value covers (a bare date: its start in Riga).
    pub fn start(self) -> OffsetDateTime {
        match self {
            LenientDateTime::Instant(at) => at,
            LenientDateTime::Day(day) => {
                riga_local_to_utc(PrimitiveDateTime::new(day, Time::MIDNIGHT))
            }
        }
    }

    /// The instant just after the value (a bare date: the next day's start in Riga),
    /// so that "till 2020-08-14" includes the whole of that day. For an instant it
    /// is one microsecond later: the precision the hub stores times with.
    pub fn end_exclusive(self) -> OffsetDateTime {
        match self {
            LenientDateTime::Instant(at) => at + Duration::microseconds(1),
            LenientDateTime::Day(day) => match day.next_day() {
                Some(next) => riga_local_to_utc(PrimitiveDateTime::new(next, Time::MIDNIGHT)),
                None => OffsetDateTime::new_utc(day, Time::MAX),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "is not an ISO 8601 date or date-time (expected e.g. 2019-12-31T15:45:00+03:00 or 2019-12-31)"
)]
pub struct DateTimeError;

/// Parses every form described in the module comment. Returns UTC-normalised instants.
pub fn parse_lenient(text: &str) -> Result<LenientDateTime, DateTimeError> {
    let text = text.trim();
    let (date_part, rest) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let date = parse_date(date_part)?;
    let Some(rest) = rest else {
        return Ok(LenientDateTime::Day(date));
    };
    let zone_at = rest.find(['Z', 'z', '+', '-']);
    let (time_part, zone_part) = match zone_at {
        Some(at) => (&rest[..at], Some(&rest[at..])),
        None => (rest, None),
    };
    let local = PrimitiveDateTime::new(date, parse_time(time_part)?);
    let instant = match zone_part {
        None => riga_local_to_utc(local),
        Some(zone) => local
            .assume_offset(parse_offset(zone)?)
            .to_offset(UtcOffset::UTC),
    };
    Ok(LenientDateTime::Instant(instant))
}

fn digits(text: &str, min: usize, max: usize) -> Result<u32, DateTimeError> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DateTimeError);
    }
    text.parse().map_err(|_| DateTimeError)
}

fn parse_date(text: &str) -> Result<Date, DateTimeError> {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DateTimeError);
    };
    let year = i32::try_from(digits(y, 4, 4)?).map_err(|_| DateTimeError)?;
    let month = u8::try_from(digits(m, 1, 2)?).map_err(|_| DateTimeError)?;
    let day = u8::try_from(digits(d, 1, 2)?).map_err(|_| DateTimeError)?;
    let month = Month::try_from(month).map_err(|_| DateTimeError)?;
    Date::from_calendar_date(year, month, day).map_err(|_| DateTimeError)
}

fn parse_time(text: &str) -> Result<Time, DateTimeError> {
    let (clock, fraction) = match text.split_once(['.', ',']) {
        Some((c, f)) => (c, Some(f)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let hour = digits(parts.next().ok_or(DateTimeError)?, 1, 2)?;
    let minute = digits(parts.next().ok_or(DateTimeError)?, 2, 2)?;
    let second = match parts.next() {
        Some(s) => digits(s, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return Err(DateTimeError);
    }
    let nanos = match fraction {
        None => 0,
        Some(f) => {
            // .NET writes seven fractional digits; keep nanosecond precision at most.
            let kept = &f[..f.len().min(9)];
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DateTimeError);
            }
            let value: u32 = kept.parse().map_err(|_| DateTimeError)?;
            let width = u32::try_from(kept.len()).map_err(|_| DateTimeError)?;
            value * 10_u32.pow(9 - width)
        }
    };
    let as_u8 = |v: u32| u8::try_from(v).map_err(|_| DateTimeError);
    // A leap second (":60") is folded into the last representable instant.
    let second = second.min(59);
    Time::from_hms_nano(as_u8(hour)?, as_u8(minute)?, as_u8(second)?, nanos)
        .map_err(|_| DateTimeError)
}

/// `Z`, `+03:00`, `+3:00`, `+0300`, `+03`, `+3`.
fn parse_offset(text: &str) -> Result<UtcOffset, DateTimeError> {
    if text.eq_ignore_ascii_case("z") {
        return Ok(UtcOffset::UTC);
    }
    let sign: i32 = if text.starts_with('-') { -1 } else { 1 };
    let body = &text[1..];
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) => (digits(h, 1, 2)?, digits(m, 2, 2)?),
        None if body.len() == 4 => (digits(&body[..2], 2, 2)?, digits(&body[2..], 2, 2)?),
        None => (digits(body, 1, 2)?, 0),
    };
    if hours > 18 || minutes > 59 {
        return Err(DateTimeError);
    }
    let seconds = sign * i32::try_from(hours * 3600 + minutes * 60).map_err(|_| DateTimeError)?;
    UtcOffset::from_whole_seconds(seconds).map_err(|_| DateTimeError)
}

/// Latvia is UTC+2, and UTC+3 from the last Sunday of March 01:00 UTC to the last
/// Sunday of October 01:00 UTC (the EU rule). Computed here so that the domain
/// needs no time-zone database.
pub fn riga_offset_at(utc: OffsetDateTime) -> UtcOffset {
    let year = utc.year();
    let summer_start = last_sunday_0100_utc(year, Month::March);
    let summer_end = last_sunday_0100_utc(year, Month::October);
    let hours = if utc >= summer_start && utc < summer_end {
        3
    } else {
        2
    };
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn last_sunday_0100_utc(year: i32, month: Month) -> OffsetDateTime {
    let last_day = time::util::days_in_month(month, year);
    let mut day = Date::from_calendar_date(year, month, last_day).unwrap_or(Date::MIN);
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day().unwrap_or(Date::MIN);
    }
    OffsetDateTime::new_utc(day, Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT))
}

/// Riga wall-clock time to UTC. In the ambiguous autumn hour the earlier instant wins.
pub fn riga_local_to_utc(local: PrimitiveDateTime) -> OffsetDateTime {
    let guess = local.assume_utc() - Duration::hours(3);
    let offset = riga_offset_at(guess);
    local.assume_offset(offset).to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn instant(text: &str) -> OffsetDateTime {
        match parse_lenient(text).unwrap() {
            LenientDateTime::Instant(at) => at,
            LenientDateTime::Day(_) => panic!("expected an instant"),
        }
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
        assert_eq!(day.start(), datetime!(2013-02-14 22:00:00 UTC));
        assert_eq!(day.end_exclusive(), datetime!(2013-02-15 22:00:00 UTC));
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
        ] {
            assert!(parse_lenient(bad).is_err(), "{bad} was accepted");
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse_lenient(&text);
        }

        #[test]
        fn rfc3339_round_trips(seconds in 0_i64..4_000_000_000) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let text = at.format(&time::format_description::well_known::Rfc3339).unwrap();
            prop_assert_eq!(parse_lenient(&text).unwrap(), LenientDateTime::Instant(at));
        }
    }
}
