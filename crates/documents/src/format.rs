//! Dates as both forms print them.

use maksa_domain::datetime::riga_offset_at;
use time::{Date, OffsetDateTime, UtcOffset};

/// `2026-11-23 14:05 UTC`: what the PDF prints for an instant. UTC, because
/// it needs no time-zone rules and cannot be misread.
pub(crate) fn pdf_instant(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    format!(
        "{} {:02}:{:02} UTC",
        date(utc.date()),
        utc.hour(),
        utc.minute()
    )
}

/// `2026-11-23T14:05:09Z`, with a fraction only when there is one
/// (`…:09.25Z`): xs:dateTime in UTC.
pub(crate) fn xml_instant(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    let mut text = format!(
        "{}T{:02}:{:02}:{:02}",
        date(utc.date()),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    let nanos = utc.nanosecond();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// The calendar day of a date-only field such as `InvoiceIssueDate`. The
/// domain keeps a bare date as the instant its day starts in Riga, so the day
/// is read back in Riga time: 2026-03-15 stays 2026-03-15, although its
/// instant is 2026-03-14 22:00 UTC.
pub(crate) fn riga_day(at: OffsetDateTime) -> String {
    date(at.to_offset(riga_offset_at(at)).date())
}

/// `YYYY-MM-DD`.
pub(crate) fn date(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_print_in_utc() {
        let at = datetime!(2026-07-01 10:30:15 +3);
        assert_eq!(pdf_instant(at), "2026-07-01 07:30 UTC");
        assert_eq!(xml_instant(at), "2026-07-01T07:30:15Z");
        let fine = datetime!(2026-07-01 10:30:15.250 UTC);
        assert_eq!(xml_instant(fine), "2026-07-01T10:30:15.25Z");
    }

    #[test]
    fn a_bare_date_is_its_day_in_riga() {
        // 2026-03-15 00:00 in Riga (winter time, UTC+2).
        assert_eq!(riga_day(datetime!(2026-03-14 22:00 UTC)), "2026-03-15");
        // 2026-07-15 00:00 in Riga (summer time, UTC+3).
        assert_eq!(riga_day(datetime!(2026-07-14 21:00 UTC)), "2026-07-15");
    }
}
