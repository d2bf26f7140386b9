//! What the writers and readers share: text checked against a schema's
//! length and character rules, escaped for XML, dates in the schemas' forms,
//! and the one way a reader resolves a reference in text.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Longest quotation of a refused value in an error.
pub const MAX_QUOTED: usize = 200;

/// `value` cut to [`MAX_QUOTED`] characters for an error message.
pub fn quoted(value: &str) -> String {
    value.chars().take(MAX_QUOTED).collect()
}

/// Why a text cannot be written: empty, too long, or holding a control
/// character (XML 1.0 cannot carry most of them; none belong in a field).
pub fn check_text(value: &str, max_chars: usize) -> Result<(), &'static str> {
    if value.trim().is_empty() {
        return Err("is empty");
    }
    if value.chars().count() > max_chars {
        return Err("is longer than the schema allows");
    }
    if value.chars().any(char::is_control) {
        return Err("holds a control character");
    }
    Ok(())
}

/// `value` with XML's special characters escaped (also quotes, so the same
/// text is safe in an attribute).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// An IBAN of the schemas' pattern `[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}`.
pub fn is_iban(value: &str) -> bool {
    let b = value.as_bytes();
    (5..=34).contains(&b.len())
        && b.iter().take(2).all(u8::is_ascii_uppercase)
        && b.iter().skip(2).take(2).all(u8::is_ascii_digit)
        && b.iter().skip(4).all(u8::is_ascii_alphanumeric)
}

/// A BIC of the .03 schemas' pattern
/// `[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?`, which the later `BICFI`
/// pattern also accepts.
pub fn is_bic(value: &str) -> bool {
    let b = value.as_bytes();
    let upper_or_digit = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    (b.len() == 8 || b.len() == 11)
        && b.iter().take(6).all(u8::is_ascii_uppercase)
        && b.get(6)
            .is_some_and(|c| c.is_ascii_uppercase() || (b'2'..=b'9').contains(c))
        && b.get(7).is_some_and(|c| upper_or_digit(c) && *c != b'O')
        && b.iter().skip(8).all(upper_or_digit)
}

/// A calendar date written `YYYY-MM-DD`.
pub fn is_date(value: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    value.len() == 10 && time::Date::parse(value, format).is_ok()
}

/// `at` as an `xs:dateTime` with its offset, to the second.
pub fn date_time(at: OffsetDateTime) -> Option<String> {
    at.replace_nanosecond(0).ok()?.format(&Rfc3339).ok()
}

/// Most attributes one element may carry. ISO 20022 elements have at most one
/// (`Ccy`) besides namespace declarations; the SOAP door allows as many.
pub const MAX_ATTRIBUTES: usize = 64;

/// Refuses an element with more than [`MAX_ATTRIBUTES`] attributes. The
/// streaming readers skip the attributes they do not need, so a flood would
/// cost only time — but a document like that is no statement, and the limit
/// keeps every reader of outside XML under the same rule.
pub fn check_attributes(start: &quick_xml::events::BytesStart<'_>) -> Result<(), String> {
    if start
        .attributes()
        .take(MAX_ATTRIBUTES.saturating_add(1))
        .count()
        > MAX_ATTRIBUTES
    {
        return Err(format!(
            "an element has more than {MAX_ATTRIBUTES} attributes"
        ));
    }
    Ok(())
}

/// The text of a reference in element text: XML's five predefined entities
/// and character references. Any other entity is refused, naming it
/// (bounded): the readers accept no DTD, so nothing else can be defined.
pub fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<String, String> {
    let name = String::from_utf8_lossy(reference.as_ref()).into_owned();
    Ok(match name.as_str() {
        "amp" => "&".to_owned(),
        "lt" => "<".to_owned(),
        "gt" => ">".to_owned(),
        "quot" => "\"".to_owned(),
        "apos" => "'".to_owned(),
        _ => match reference.resolve_char_ref() {
            Ok(Some(c)) => c.to_string(),
            _ => {
                return Err(format!(
                    "the entity &{}; is not one XML defines",
                    quoted(&name)
                ));
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(is_iban("LV74TREL1060000000001"));
        assert!(!is_iban("lv74TREL1060000000001"));
        assert!(!is_iban("LV7"));
        assert!(is_bic("TRELLV22"));
        assert!(is_bic("HABALV22XXX"));
        assert!(!is_bic("TRELLV2"));
        assert!(!is_bic("TRELLV1O"));
        assert!(is_date("2026-11-30"));
        assert!(!is_date("2026-02-30"));
        assert_eq!(escape("a&<>\"'"), "a&amp;&lt;&gt;&quot;&apos;");
        assert!(check_text("x\u{1}", 10).is_err());
        assert!(check_text(" ", 10).is_err());
        assert!(check_text("āāā", 3).is_ok());
        assert!(check_text("āāāā", 3).is_err());
    }
}
