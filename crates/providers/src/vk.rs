//! The VK_ wire format shared by the connector and the simulator: which fields
//! each service signs and in which order, how they become signature data, and
//! the text forms of amounts and times. Both sides use these same functions,
//! so they cannot disagree about what a signature covers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use maksa_app::providers::{Incoming, ProviderError};
use maksa_domain::money::Amount;
use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use std::fmt::Write as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The protocol version every message carries.
pub const VERSION: &str = "009";
/// The hub's id at the bank (`VK_SND_ID` of requests, `VK_REC_ID` of answers).
pub const HUB_ID: &str = "MAKSA";
/// The bank's id (`VK_SND_ID` of answers).
pub const BANK_ID: &str = crate::DEMO_BANK_CODE;
/// The only encoding spoken: lengths count characters of UTF-8 text.
pub const ENCODING: &str = "UTF-8";

/// Payment request, hub → bank through the payer's browser.
pub const SERVICE_PAYMENT: &str = "1012";
/// Status query, hub → bank, server to server.
pub const SERVICE_QUERY: &str = "1017";
/// Answer: the payment was executed.
pub const SERVICE_EXECUTED: &str = "1111";
/// Answer: the payment was accepted for processing, not executed yet.
pub const SERVICE_ACCEPTED: &str = "1112";
/// Answer: the payment was not executed (rejected, or cancelled by the payer).
pub const SERVICE_NOT_EXECUTED: &str = "1911";

const PAYMENT_FIELDS: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_STAMP",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_ACC",
    "VK_NAME",
    "VK_REF",
    "VK_MSG",
    "VK_RETURN",
    "VK_NOTIFY",
    "VK_DATETIME",
];

const QUERY_FIELDS: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_STAMP",
    "VK_DATETIME",
];

// Unlike the original iPizza, VK_AUTO is signed: otherwise a browser return
// could be replayed to the hub as a server message by flipping one field.
const EXECUTED_FIELDS: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_REC_ID",
    "VK_STAMP",
    "VK_T_NO",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_REC_ACC",
    "VK_REC_NAME",
    "VK_MSG",
    "VK_T_DATETIME",
    "VK_AUTO",
];

// VK_REASON is signed so nobody on the way can turn a rejection into a
// cancellation (or back) without the hub noticing.
const NOT_EXECUTED_FIELDS: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_REC_ID",
    "VK_STAMP",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_REC_ACC",
    "VK_REC_NAME",
    "VK_MSG",
    "VK_REASON",
    "VK_T_DATETIME",
    "VK_AUTO",
];

/// The signed fields of a service, in signature order.
pub fn signed_fields(service: &str) -> Option<&'static [&'static str]> {
    Some(match service {
        SERVICE_PAYMENT => PAYMENT_FIELDS,
        SERVICE_QUERY => QUERY_FIELDS,
        SERVICE_EXECUTED | SERVICE_ACCEPTED => EXECUTED_FIELDS,
        SERVICE_NOT_EXECUTED => NOT_EXECUTED_FIELDS,
        _ => return None,
    })
}

/// Named fields of a message. Where a name repeats, the last one counts — the
/// same rule as [`Incoming::field`], so what is verified is what is read.
pub trait Fields {
    fn field(&self, name: &str) -> Option<&str>;
}

impl Fields for [(String, String)] {
    fn field(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Fields for Vec<(String, String)> {
    fn field(&self, name: &str) -> Option<&str> {
        self.as_slice().field(name)
    }
}

impl Fields for Incoming {
    fn field(&self, name: &str) -> Option<&str> {
        Incoming::field(self, name)
    }
}

/// Why signature data could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacDataError {
    Missing(&'static str),
    /// The length prefix has three digits: 999 characters at most.
    TooLong(&'static str),
}

impl std::fmt::Display for MacDataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MacDataError::Missing(name) => write!(f, "{name} is missing"),
            MacDataError::TooLong(name) => write!(f, "{name} is longer than 999 characters"),
        }
    }
}

impl From<MacDataError> for ProviderError {
    fn from(value: MacDataError) -> Self {
        ProviderError::Malformed(value.to_string())
    }
}

/// The signature data: for each name in order, the value's length in
/// characters (Unicode scalar values) as exactly three decimal digits, then the
/// value. An empty value still contributes `000`.
pub fn mac_data<F: Fields + ?Sized>(
    names: &[&'static str],
    fields: &F,
) -> Result<String, MacDataError> {
    let mut data = String::new();
    for &name in names {
        let value = fields.field(name).ok_or(MacDataError::Missing(name))?;
        let length = value.chars().count();
        if length > 999 {
            return Err(MacDataError::TooLong(name));
        }
        // Writing to a String cannot fail.
        let _ = write!(data, "{length:03}{value}");
    }
    Ok(data)
}

/// `VK_MAC` for a message: Ed25519 over the signature data of its
/// `VK_SERVICE`, in standard base64.
pub fn sign<F: Fields + ?Sized>(key: &Ed25519KeyPair, fields: &F) -> Result<String, ProviderError> {
    let service = fields
        .field("VK_SERVICE")
        .ok_or_else(|| ProviderError::Malformed("VK_SERVICE is missing".into()))?;
    let names = signed_fields(service).ok_or_else(|| {
        ProviderError::Malformed(format!("unknown VK_SERVICE {}", quoted(service)))
    })?;
    let data = mac_data(names, fields)?;
    Ok(BASE64.encode(key.sign(data.as_bytes())))
}

/// Checks that the message is one of `services` and that its `VK_MAC`
/// verifies with `public_key`; answers the service. Missing signed fields are
/// `Malformed`; a missing, undecodable or wrong `VK_MAC` is `BadSignature`.
pub fn verify<F: Fields + ?Sized>(
    public_key: &[u8],
    services: &[&'static str],
    fields: &F,
) -> Result<&'static str, ProviderError> {
    let service = fields
        .field("VK_SERVICE")
        .ok_or_else(|| ProviderError::Malformed("VK_SERVICE is missing".into()))?;
    let Some(&service) = services.iter().find(|s| **s == service) else {
        return Err(ProviderError::Malformed(format!(
            "unexpected VK_SERVICE {}",
            quoted(service)
        )));
    };
    let names = signed_fields(service).ok_or_else(|| {
        ProviderError::Malformed(format!("unknown VK_SERVICE {}", quoted(service)))
    })?;
    let data = mac_data(names, fields)?;
    let mac = fields
        .field("VK_MAC")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ProviderError::BadSignature("VK_MAC is missing".into()))?;
    let signature = BASE64
        .decode(mac.trim())
        .map_err(|_| ProviderError::BadSignature("VK_MAC is not base64".into()))?;
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(data.as_bytes(), &signature)
        .map_err(|_| ProviderError::BadSignature("VK_MAC does not verify".into()))?;
    Ok(service)
}

/// How many characters of a received value an error message quotes.
pub const QUOTED_CHARS: usize = 40;

/// A received value as error messages quote it: in backticks, cut to
/// [`QUOTED_CHARS`] characters (with `…`), so an error never carries a large
/// input along into logs, records or pages.
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("`{}…`", value.get(..end).unwrap_or_default()),
        None => format!("`{value}`"),
    }
}

/// A required field, else `Malformed`.
pub fn required<'a, F: Fields + ?Sized>(
    fields: &'a F,
    name: &str,
) -> Result<&'a str, ProviderError> {
    fields
        .field(name)
        .ok_or_else(|| ProviderError::Malformed(format!("{name} is missing")))
}

/// A required field read by `parse`; a value it refuses is `Malformed`,
/// quoting it bounded: "`NAME` `value` is not `what`".
pub fn parsed<'a, F: Fields + ?Sized, T>(
    fields: &'a F,
    name: &str,
    what: &str,
    parse: impl FnOnce(&'a str) -> Option<T>,
) -> Result<T, ProviderError> {
    let text = required(fields, name)?;
    parse(text)
        .ok_or_else(|| ProviderError::Malformed(format!("{name} {} is not {what}", quoted(text))))
}

/// A required field that must equal `expected`.
pub fn expect_value<F: Fields + ?Sized>(
    fields: &F,
    name: &str,
    expected: &str,
) -> Result<(), ProviderError> {
    let value = required(fields, name)?;
    if value == expected {
        Ok(())
    } else {
        Err(ProviderError::Malformed(format!(
            "{name} is {}, expected {}",
            quoted(value),
            quoted(expected)
        )))
    }
}

/// `VK_ENCODING` may be left out; if present it must be UTF-8, the only
/// encoding lengths are counted in.
pub fn check_encoding<F: Fields + ?Sized>(fields: &F) -> Result<(), ProviderError> {
    match fields.field("VK_ENCODING") {
        None => Ok(()),
        Some(e) if e.eq_ignore_ascii_case(ENCODING) => Ok(()),
        Some(e) => Err(ProviderError::Malformed(format!(
            "VK_ENCODING {} is not UTF-8",
            quoted(e)
        ))),
    }
}

/// `1234` cents as `12.34`: integer arithmetic only.
pub fn format_amount(amount: Amount) -> String {
    let minor = amount.minor();
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Exactly the form [`format_amount`] writes (digits, a point, two digits):
/// a signed amount has one spelling, so nothing else is accepted.
pub fn parse_amount(text: &str) -> Option<Amount> {
    let (whole, cents) = text.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || whole.len() > 15 || cents.len() != 2 || !digits(cents) {
        return None;
    }
    Amount::parse(text).ok()
}

/// The current time in RFC 3339, whole seconds, UTC.
pub fn now_text() -> String {
    format_time(OffsetDateTime::now_utc())
}

pub fn format_time(at: OffsetDateTime) -> String {
    // Formatting a UTC time with whole seconds cannot fail; the fallback only
    // keeps this function total.
    at.truncate_to_second()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Control characters (line breaks, tabs) are replaced by spaces: browsers
/// rewrite line breaks in submitted forms (`\n` → `\r\n`), which would break
/// the signature of a message carried by the payer's browser.
pub fn clean_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `application/x-www-form-urlencoded` body of the fields, in their order.
pub fn encode_form(fields: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish()
}

/// Fields of an `application/x-www-form-urlencoded` body.
pub fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The HTTP client for server-to-server calls. The demo talks plain HTTP, so
/// no root certificates are loaded; the TLS configuration is built with
/// `ring` explicitly because reqwest is compiled without a default crypto
/// provider. Redirects are not followed: a signed message goes where it was
/// addressed or nowhere.
pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    crate::mtls::http_client(None, std::time::Duration::from_secs(5))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn mac_data_prefixes_each_value_with_its_three_digit_length() {
        let f = fields(&[("A", "1012"), ("B", ""), ("C", "12.34")]);
        assert_eq!(
            mac_data(&["A", "B", "C"], &f).unwrap(),
            "004101200000512.34"
        );
    }

    #[test]
    fn mac_data_follows_the_given_order_not_the_message_order() {
        let f = fields(&[("B", "x"), ("A", "yy")]);
        assert_eq!(mac_data(&["A", "B"], &f).unwrap(), "002yy001x");
    }

    #[test]
    fn mac_data_counts_characters_not_bytes() {
        // "Rīga" is four characters but five UTF-8 bytes.
        let f = fields(&[("A", "Rīga"), ("B", "ĀČĒ ģ")]);
        assert_eq!(mac_data(&["A", "B"], &f).unwrap(), "004Rīga005ĀČĒ ģ");
    }

    #[test]
    fn mac_data_uses_the_last_of_repeated_fields() {
        let f = fields(&[("A", "first"), ("A", "last")]);
        assert_eq!(mac_data(&["A"], &f).unwrap(), "004last");
    }

    #[test]
    fn mac_data_refuses_missing_and_overlong_fields() {
        let f = fields(&[("A", "x")]);
        assert_eq!(mac_data(&["A", "B"], &f), Err(MacDataError::Missing("B")));
        let long = "x".repeat(1000);
        let f = fields(&[("A", &long)]);
        assert_eq!(mac_data(&["A"], &f), Err(MacDataError::TooLong("A")));
        let just = "x".repeat(999);
        let f = fields(&[("A", &just)]);
        assert!(mac_data(&["A"], &f).unwrap().starts_with("999x"));
    }

    #[test]
    fn a_known_payment_request_has_this_exact_signature_data() {
        let f = fields(&[
            ("VK_SERVICE", "1012"),
            ("VK_VERSION", "009"),
            ("VK_SND_ID", "MAKSA"),
            ("VK_STAMP", "0123456789abcdef0123456789abcdef"),
            ("VK_AMOUNT", "12.34"),
            ("VK_CURR", "EUR"),
            ("VK_ACC", "LV80BANK0000435195001"),
            ("VK_NAME", "Valsts kase"),
            ("VK_REF", ""),
            ("VK_MSG", "Nodeva"),
            ("VK_RETURN", "http://h/r"),
            ("VK_NOTIFY", "http://h/n"),
            ("VK_DATETIME", "2026-11-23T10:00:00Z"),
            ("VK_LANG", "LAT"),
        ]);
        assert_eq!(
            mac_data(signed_fields("1012").unwrap(), &f).unwrap(),
            "0041012003009005MAKSA0320123456789abcdef0123456789abcdef00512.34003EUR\
             021LV80BANK0000435195001011Valsts kase000006Nodeva010http://h/r\
             010http://h/n0202026-11-23T10:00:00Z"
        );
    }

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
        let public = ring::signature::KeyPair::public_key(&key).as_ref().to_vec();
        let mut f = fields(&[
            ("VK_SERVICE", "1017"),
            ("VK_VERSION", "009"),
            ("VK_SND_ID", "MAKSA"),
            ("VK_STAMP", "abc"),
            ("VK_DATETIME", "2026-11-23T10:00:00Z"),
        ]);
        let mac = sign(&key, &f).unwrap();
        f.push(("VK_MAC".into(), mac));
        assert_eq!(verify(&public, &["1017"], &f), Ok("1017"));
        assert!(matches!(
            verify(&public, &["1111"], &f),
            Err(ProviderError::Malformed(_))
        ));
        f[3].1 = "abd".into();
        assert!(matches!(
            verify(&public, &["1017"], &f),
            Err(ProviderError::BadSignature(_))
        ));
    }

    #[test]
    fn amounts_are_written_and_read_in_one_spelling() {
        assert_eq!(format_amount(Amount::from_minor(1234).unwrap()), "12.34");
        assert_eq!(format_amount(Amount::from_minor(5).unwrap()), "0.05");
        assert_eq!(format_amount(Amount::from_minor(100).unwrap()), "1.00");
        assert_eq!(parse_amount("12.34").unwrap().minor(), 1234);
        assert_eq!(parse_amount("0.05").unwrap().minor(), 5);
        for bad in [
            "12", "12.3", "12.345", ".34", "-1.00", "1e2", "12,34", " 1.00", "",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn quoted_values_are_bounded() {
        assert_eq!(quoted("1012"), "`1012`");
        let long = "ā".repeat(1000);
        let shown = quoted(&long);
        assert_eq!(shown.chars().count(), QUOTED_CHARS + 3);
        assert!(shown.ends_with("…`"));
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(clean_text("a\nb\r\tc"), "a b  c");
    }
}
