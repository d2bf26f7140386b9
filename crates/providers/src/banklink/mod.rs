//! What the length-prefixed form protocols share — iPizza (`crate::ipizza`),
//! Swedbank's legacy bank link (`crate::swedbank_link`) and SEB e-Link
//! (`crate::seb_elink`): RSA PKCS#1 v1.5 signatures over the three-digit
//! length-prefixed field values ([`vk::mac_data`]), the attempt id spread over
//! the two short signed fields that every answer echoes, the banks' time
//! formats, and the character set of a purpose.

pub(crate) mod vk_link;

use crate::rsa_keys::{Digest, RsaKey, TrustedKeys};
use crate::vk::{self, Fields, MacDataError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use maksa_app::providers::ProviderError;
use maksa_domain::attempt::AttemptId;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The longest signature field read: base64 of a 4096-bit signature is 684
/// characters, with line breaks a few more.
pub const MAX_MAC_CHARS: usize = 1024;

/// The base64 signature (`VK_MAC`, `IB_CRC`) of `names`' values in `fields`.
pub fn sign<F: Fields + ?Sized>(
    key: &RsaKey,
    digest: Digest,
    names: &[&'static str],
    fields: &F,
) -> Result<String, MacDataError> {
    let data = vk::mac_data(names, fields)?;
    Ok(BASE64.encode(key.sign(digest, data.as_bytes())))
}

/// Checks the base64 signature in `mac_name` over `names`' values. A missing
/// signed field is `Malformed`; a missing, unreadable or wrong signature is
/// `BadSignature`.
pub fn verify<F: Fields + ?Sized>(
    keys: &TrustedKeys,
    digest: Digest,
    names: &[&'static str],
    fields: &F,
    mac_name: &'static str,
) -> Result<(), ProviderError> {
    let data = vk::mac_data(names, fields)?;
    let mac = fields
        .field(mac_name)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ProviderError::BadSignature(format!("{mac_name} is missing")))?;
    if mac.len() > MAX_MAC_CHARS {
        return Err(ProviderError::BadSignature(format!(
            "{mac_name} is longer than {MAX_MAC_CHARS} characters"
        )));
    }
    // Some banks' base64 carries line breaks every 60 or 76 characters.
    let compact: String = mac.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let signature = BASE64
        .decode(compact.as_bytes())
        .map_err(|_| ProviderError::BadSignature(format!("{mac_name} is not base64")))?;
    if keys.verify(digest, data.as_bytes(), &signature) {
        Ok(())
    } else {
        Err(ProviderError::BadSignature(format!(
            "{mac_name} does not verify"
        )))
    }
}

/// A required field that is not longer than `max` characters.
pub fn bounded<'a, F: Fields + ?Sized>(
    fields: &'a F,
    name: &str,
    max: usize,
) -> Result<&'a str, ProviderError> {
    let value = vk::required(fields, name)?;
    if value.chars().nth(max).is_some() {
        return Err(ProviderError::Malformed(format!(
            "{name} {} is longer than {max} characters",
            vk::quoted(value)
        )));
    }
    Ok(value)
}

// ---------------------------------------------------------------------------
// The attempt id in two fields of at most 20 characters.
//
// `VK_STAMP` and `VK_REF` (and their echoes in every answer) are at most 20
// characters, too short for the 32 hex digits of an attempt id. The 128 bits
// are split: the high 66 bits as a decimal number (at most 20 digits) in the
// stamp, the low 62 bits as a decimal number (at most 19 digits) followed by
// its 7-3-1 check digit in the reference — digits only, no leading zeros, and
// a reference that passes the Estonian check a bank may apply to `VK_REF`.
// Each value has one spelling, so reading it back is exact.

/// Bits in the reference part.
const LOW_BITS: u32 = 62;
const LOW_MASK: u128 = 0x3FFF_FFFF_FFFF_FFFF;
/// 2^66: the stamp part is below it.
const HIGH_LIMIT: u128 = 73_786_976_294_838_206_464;
/// The longest stamp and reference.
pub const STAMP_CHARS: usize = 20;

/// `(stamp, reference)` of an attempt.
pub fn split_attempt(attempt: AttemptId) -> (String, String) {
    let value = attempt.as_uuid().as_u128();
    let high = value.checked_shr(LOW_BITS).unwrap_or(0);
    let low = value & LOW_MASK;
    let digits = low.to_string();
    let check = check_digit_731(&digits);
    (high.to_string(), format!("{digits}{check}"))
}

/// The attempt a stamp and reference name, if they are exactly what
/// [`split_attempt`] writes.
pub fn join_attempt(stamp: &str, reference: &str) -> Option<AttemptId> {
    let high = canonical_decimal(stamp, STAMP_CHARS)?;
    if high >= HIGH_LIMIT {
        return None;
    }
    let (at, check) = reference.char_indices().last()?;
    let body = reference.get(..at)?;
    let low = canonical_decimal(body, STAMP_CHARS.saturating_sub(1))?;
    if low > LOW_MASK || check != check_digit_731(body) {
        return None;
    }
    let value = high.checked_shl(LOW_BITS)? | low;
    AttemptId::parse(&format!("{value:032x}"))
}

/// Digits only, 1 to `max` of them, no leading zero (except `0` itself).
fn canonical_decimal(text: &str, max: usize) -> Option<u128> {
    let ok = !text.is_empty()
        && text.len() <= max
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    if ok { text.parse().ok() } else { None }
}

/// The check digit of the Estonian reference number standard: the digits
/// from the right weighted 7, 3, 1, 7, 3, 1, …; the check digit brings the
/// sum up to a multiple of ten.
pub fn check_digit_731(digits: &str) -> char {
    let mut sum: u32 = 0;
    for (d, w) in digits.bytes().rev().zip([7u32, 3, 1].iter().cycle()) {
        let digit = u32::from(d.saturating_sub(b'0'));
        sum = sum.wrapping_add(digit.wrapping_mul(*w));
    }
    let rest = sum.checked_rem(10).unwrap_or(0);
    let check = 10u32.wrapping_sub(rest).checked_rem(10).unwrap_or(0);
    char::from_digit(check, 10).unwrap_or('0')
}

// ---------------------------------------------------------------------------
// Times.

/// iPizza's `VK_DATETIME`: `2026-11-30T12:00:00+0000` (ISO 8601, offset
/// without a colon), written in UTC.
pub fn format_vk_datetime(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Reads `VK_DATETIME`/`VK_T_DATETIME` as banks write it: an offset with or
/// without a colon (`+0200`, `+02:00`), or `Z`.
pub fn parse_vk_datetime(text: &str) -> Option<OffsetDateTime> {
    if text.len() > 40 {
        return None;
    }
    if let Some(at) = vk::parse_time(text) {
        return Some(at);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, &format).ok()
}

/// `DD.MM.YYYY`, as Swedbank's `VK_T_DATE` and SEB's `IB_PAYMENT_DATE`.
pub fn format_dotted_date(date: Date) -> String {
    format!(
        "{:02}.{:02}.{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

pub fn parse_dotted_date(text: &str) -> Option<Date> {
    let mut parts = text.split('.');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || day.len() != 2 || month.len() != 2 || year.len() != 4 {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(day) || !digits(month) || !digits(year) {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// `HH:MM:SS`, as SEB's `IB_PAYMENT_TIME`.
pub fn format_clock(time: Time) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        time.hour(),
        time.minute(),
        time.second()
    )
}

pub fn parse_clock(text: &str) -> Option<Time> {
    let mut parts = text.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    let two = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !two(h) || !two(m) || !two(s) {
        return None;
    }
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, s.parse().ok()?).ok()
}

/// A date and clock time of a Latvian bank (local time, `Europe/Riga`) as an
/// instant. The offset is taken as +02:00 (winter time), so in summer the
/// instant is an hour late: it is kept for the record, never compared.
pub fn riga_instant(date: Date, time: Time) -> OffsetDateTime {
    let offset = UtcOffset::from_hms(2, 0, 0).unwrap_or(UtcOffset::UTC);
    PrimitiveDateTime::new(date, time).assume_offset(offset)
}

/// How far a signed time may be from ours: no later than `skew` ahead, no
/// older than `max_age`.
pub fn check_fresh(
    name: &str,
    text: &str,
    at: OffsetDateTime,
    now: OffsetDateTime,
    max_age: time::Duration,
    skew: time::Duration,
) -> Result<(), ProviderError> {
    if at > now.saturating_add(skew) {
        return Err(ProviderError::Malformed(format!(
            "{name} {} is in the future",
            vk::quoted(text)
        )));
    }
    if at < now.saturating_sub(max_age) {
        return Err(ProviderError::Malformed(format!(
            "{name} {} is older than {} minutes: a replayed message?",
            vk::quoted(text),
            max_age.whole_minutes()
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Text.

/// The purpose (and names) in the character set the Latvian banks take:
/// printable ASCII and the Latvian letters, which the banks carry in UTF-8.
/// Typographic quotes and dashes become their ASCII forms, control and space
/// characters a space, anything else `?`. One character for one, so the text
/// is never longer than it was; the purpose's identifier (letters and digits)
/// passes unchanged.
pub fn bank_text(text: &str) -> String {
    text.chars().map(bank_char).collect()
}

const LATVIAN: &str = "ĀāČčĒēĢģĪīĶķĻļŅņŠšŪūŽž";

fn bank_char(c: char) -> char {
    match c {
        ' '..='~' => c,
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{ab}' | '\u{bb}' => '"',
        '\u{2018}' | '\u{2019}' | '\u{201a}' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        c if c.is_control() || c.is_whitespace() => ' ',
        c if LATVIAN.contains(c) => c,
        _ => '?',
    }
}

/// `url` without its query and fragment (Swedbank's `VK_RETURN` may carry none).
pub fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_attempt_survives_the_split_into_stamp_and_reference() {
        for bytes in [[0u8; 16], [0xff; 16], [0x5a; 16], [1; 16]] {
            let id = AttemptId::from_random(bytes);
            let (stamp, reference) = split_attempt(id);
            assert!(
                stamp.len() <= 20 && reference.len() <= 20,
                "{stamp} {reference}"
            );
            assert!(
                stamp
                    .bytes()
                    .chain(reference.bytes())
                    .all(|b| b.is_ascii_digit())
            );
            assert_eq!(join_attempt(&stamp, &reference), Some(id));
        }
        // The extremes of the number itself.
        let all = AttemptId::parse("ffffffffffffffffffffffffffffffff").unwrap();
        let (stamp, reference) = split_attempt(all);
        assert_eq!(stamp, "73786976294838206463");
        assert_eq!(reference.len(), 20);
        assert_eq!(join_attempt(&stamp, &reference), Some(all));
        let zero = AttemptId::parse("00000000000000000000000000000000").unwrap();
        assert_eq!(split_attempt(zero), ("0".to_owned(), "00".to_owned()));
        assert_eq!(join_attempt("0", "00"), Some(zero));
    }

    #[test]
    fn only_the_one_spelling_of_a_stamp_and_reference_is_read() {
        let id = AttemptId::from_random([0x5a; 16]);
        let (stamp, reference) = split_attempt(id);
        assert_eq!(join_attempt(&format!("0{stamp}"), &reference), None);
        assert_eq!(join_attempt(&stamp, &format!("0{reference}")), None);
        assert_eq!(join_attempt(&format!("{stamp} "), &reference), None);
        assert_eq!(join_attempt("73786976294838206464", "00"), None);
        assert_eq!(join_attempt("1", "46116860184273879040"), None);
        assert_eq!(join_attempt("", "00"), None);
        assert_eq!(join_attempt("1", ""), None);
        assert_eq!(join_attempt("1", "0"), None);
        assert_eq!(join_attempt("١", "00"), None);
        // A wrong check digit.
        let mut wrong = reference.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '9' { '0' } else { '9' });
        assert_eq!(join_attempt(&stamp, &wrong), None);
    }

    #[test]
    fn the_check_digit_is_the_estonian_reference_rule() {
        // Published examples of the 7-3-1 rule: 123 → 1232, 1234561 is valid.
        assert_eq!(check_digit_731("123"), '2');
        assert_eq!(check_digit_731("123456"), '1');
        assert_eq!(check_digit_731("0"), '0');
    }

    #[test]
    fn times_are_written_and_read_as_banks_write_them() {
        let at = time::macros::datetime!(2026-11-30 12:34:56 UTC);
        assert_eq!(format_vk_datetime(at), "2026-11-30T12:34:56+0000");
        assert_eq!(parse_vk_datetime("2026-11-30T12:34:56+0000"), Some(at));
        assert_eq!(parse_vk_datetime("2026-11-30T14:34:56+0200"), Some(at));
        assert_eq!(parse_vk_datetime("2026-11-30T14:34:56+02:00"), Some(at));
        assert_eq!(parse_vk_datetime("2026-11-30T12:34:56Z"), Some(at));
        assert_eq!(parse_vk_datetime("2026-11-30 12:34:56"), None);
        assert_eq!(parse_vk_datetime(&"9".repeat(100)), None);
        let date = time::macros::date!(2026 - 03 - 07);
        assert_eq!(format_dotted_date(date), "07.03.2026");
        assert_eq!(parse_dotted_date("07.03.2026"), Some(date));
        for bad in [
            "7.03.2026",
            "07.13.2026",
            "31.02.2026",
            "07.03.26",
            "07.03.2026.",
            "a",
        ] {
            assert_eq!(parse_dotted_date(bad), None, "{bad}");
        }
        let clock = time::macros::time!(09:07:45);
        assert_eq!(format_clock(clock), "09:07:45");
        assert_eq!(parse_clock("09:07:45"), Some(clock));
        for bad in ["9:07:45", "24:00:00", "09:07", "09:07:45:00"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn freshness_refuses_the_future_and_the_stale() {
        let now = time::macros::datetime!(2026-11-30 12:00:00 UTC);
        let minutes = time::Duration::minutes;
        let check = |at| check_fresh("T", "t", at, now, minutes(15), minutes(5));
        assert!(check(now).is_ok());
        assert!(check(now - minutes(14)).is_ok());
        assert!(check(now + minutes(4)).is_ok());
        assert!(check(now - minutes(16)).is_err());
        assert!(check(now + minutes(6)).is_err());
    }

    #[test]
    fn purposes_keep_latvian_letters_and_lose_the_rest_one_for_one() {
        let id = "RF0123456789ABCDEFGHIJKLMNOPQRSTUV";
        assert_eq!(bank_text(id), id);
        assert_eq!(bank_text("Rūķītis „x” – y\nz"), "Rūķītis \"x\" - y z");
        assert_eq!(bank_text("€ 😀 ß"), "? ? ?");
        let text = "ā€\u{0301}😀";
        assert_eq!(bank_text(text).chars().count(), text.chars().count());
    }

    #[test]
    fn a_query_is_cut_from_a_url() {
        assert_eq!(without_query("http://h/r?x=1#f"), "http://h/r");
        assert_eq!(without_query("http://h/r#f"), "http://h/r");
        assert_eq!(without_query("http://h/r"), "http://h/r");
    }
}
