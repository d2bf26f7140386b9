//! E-mail to payers: the port the outbox sends through, and the wording of the
//! messages.
//!
//! The adapters (SMTP, a directory of `.eml` files) live in `maksa-mail`; this
//! module only says what a message is and what a failure means, so the outbox
//! can decide between retrying and parking without knowing about SMTP.

use async_trait::async_trait;
use std::fmt;

/// The longest address SMTP can carry in a path (RFC 5321 §4.5.3.1.3 limits
/// the path to 256 octets including the angle brackets).
const MAX_ADDRESS_LEN: usize = 254;
/// RFC 5321 §4.5.3.1.1.
const MAX_LOCAL_LEN: usize = 64;
/// RFC 1035 label length.
const MAX_LABEL_LEN: usize = 63;

/// A single, plausible mailbox address `local@domain`.
///
/// Only what can go straight into an SMTP command and a header without
/// quoting: no display name, no comments, no quoted local part, no address
/// literal. The point is that nothing a payer typed can add a header or a
/// recipient, so CR, LF, commas, angle brackets, spaces and the like are
/// refused outright rather than escaped.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MailAddress(String);

/// Why a text is not a [`MailAddress`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a usable e-mail address: {0}")]
pub struct InvalidAddress(&'static str);

impl MailAddress {
    /// Accepts `local@domain` where the local part is a dot-atom (ASCII
    /// `atext`, or non-ASCII letters and digits for SMTPUTF8) and the domain is
    /// dot-separated labels of letters, digits and inner hyphens (ASCII or
    /// UTF-8). Surrounding whitespace is not trimmed: the caller decides
    /// whether a pasted address may be cleaned up.
    pub fn parse(text: &str) -> Result<MailAddress, InvalidAddress> {
        if text.is_empty() {
            return Err(InvalidAddress("empty"));
        }
        if text.len() > MAX_ADDRESS_LEN {
            return Err(InvalidAddress("longer than 254 bytes"));
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(InvalidAddress("no @"));
        };
        if domain.contains('@') {
            return Err(InvalidAddress("more than one @"));
        }
        check_local(local)?;
        check_domain(domain)?;
        Ok(MailAddress(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the address needs the SMTPUTF8 extension to be sent.
    pub fn is_ascii(&self) -> bool {
        self.0.is_ascii()
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

fn check_local(local: &str) -> Result<(), InvalidAddress> {
    if local.is_empty() {
        return Err(InvalidAddress("nothing before the @"));
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(InvalidAddress(
            "the part before the @ is longer than 64 bytes",
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(InvalidAddress("a misplaced dot before the @"));
    }
    // RFC 5322 atext, less nothing; everything else (space, quotes, commas,
    // angle brackets, parentheses, CR, LF …) would need quoting or is a header
    // or recipient separator.
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~.".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    if local.chars().all(allowed) {
        Ok(())
    } else {
        Err(InvalidAddress("a character not allowed before the @"))
    }
}

fn check_domain(domain: &str) -> Result<(), InvalidAddress> {
    if domain.is_empty() {
        return Err(InvalidAddress("nothing after the @"));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(InvalidAddress("an empty part in the domain"));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(InvalidAddress("a domain part longer than 63 bytes"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(InvalidAddress("a domain part starts or ends with a hyphen"));
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(InvalidAddress("a character not allowed in the domain"));
        }
    }
    Ok(())
}

impl fmt::Display for MailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailAddress({:?})", self.0)
    }
}

impl std::str::FromStr for MailAddress {
    type Err = InvalidAddress;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        MailAddress::parse(text)
    }
}

/// One message to one payer, before it is formatted for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Unique per message and stable across retries, in angle brackets
    /// (`<uuid@host>`): the `.eml` adapter names its file after it, and a
    /// receiver can drop a duplicate delivery by it.
    pub message_id: String,
    pub to: MailAddress,
    /// One line; an adapter refuses CR or LF rather than let it start a header.
    pub subject: String,
    /// Plain UTF-8 text; line ends are normalised by the adapter.
    pub text: String,
}

/// A fresh message id `<uuid@host>`. The outbox stores it with the row so a
/// retry sends the same id.
pub fn new_message_id(host: &str) -> String {
    format!("<{}@{}>", uuid::Uuid::new_v4(), host)
}

/// What an adapter reports for a delivered message: the server's reply to the
/// data (often with its queue id) or the file written, for the outbox's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub detail: String,
}

/// Why a message was not handed over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later: a 4xx reply, a refused or dropped connection, a
    /// timeout, a full disk.
    #[error("temporary mail failure: {0}")]
    Temporary(String),
    /// Retrying the same message cannot help: a 5xx reply to the recipient or
    /// the data, an address the server cannot take, a malformed message.
    #[error("permanent mail failure: {0}")]
    Permanent(String),
}

impl MailError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Permanent(_))
    }
}

/// Where payer mail goes: an SMTP server, or files for the demo.
#[async_trait]
pub trait MailTransport: Send + Sync {
    /// Hands `mail` over once. At-least-once delivery is the outbox's job: an
    /// adapter does not retry by itself.
    async fn send(&self, mail: &OutgoingMail) -> Result<Sent, MailError>;
    /// For logs and the operator's status page, e.g. `SMTP mail.example.lv:25`.
    fn describe(&self) -> String;
}

/// Which message a payer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayerMailKind {
    /// Sent when an e-service registers a payment request for the payer.
    Registered,
    /// Sent some days before an unpaid request expires.
    Reminder,
}

/// The language of a payer's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// The default: the payers are mostly Latvian residents.
    #[default]
    Latvian,
    English,
}

impl Language {
    /// `lv` or `en` (case-insensitive), as in a configuration file or a
    /// request's language field.
    pub fn from_code(code: &str) -> Option<Language> {
        if code.eq_ignore_ascii_case("lv") {
            Some(Language::Latvian)
        } else if code.eq_ignore_ascii_case("en") {
            Some(Language::English)
        } else {
            None
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::Latvian => "lv",
            Language::English => "en",
        }
    }
}

/// What a payer message says, already formatted by the caller (amounts and
/// dates are text here so no template does arithmetic or picks a locale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerMailFacts {
    pub payer_name: Option<String>,
    pub service_name: String,
    pub service_provider_name: String,
    pub request_number: String,
    /// E.g. `12.34 EUR`.
    pub amount_text: String,
    /// E.g. `2026-12-31` or `31.12.2026.`.
    pub expires_on: String,
    /// The payer's page listing all their requests.
    pub workspace_url: String,
    /// The page paying this request.
    pub payment_url: String,
}

/// The subject and plain text of a payer message.
///
/// The subject is one line whatever the facts hold: control characters in the
/// service name or number become spaces, so a badly registered service cannot
/// break the message (the adapters would refuse it).
pub fn payer_mail(
    kind: PayerMailKind,
    language: Language,
    facts: &PayerMailFacts,
) -> (String, String) {
    let number = one_line(&facts.request_number);
    let service = one_line(&facts.service_name);
    let provider = one_line(&facts.service_provider_name);
    let amount = one_line(&facts.amount_text);
    let expires = one_line(&facts.expires_on);
    let name = facts
        .payer_name
        .as_deref()
        .map(one_line)
        .filter(|name| !name.is_empty());
    let pay = &facts.payment_url;
    let workspace = &facts.workspace_url;
    match (language, kind) {
        (Language::Latvian, kind) => {
            let greeting = match name {
                Some(name) => format!("Labdien, {name}!"),
                None => "Labdien!".to_owned(),
            };
            let footer = "Šī vēstule ir nosūtīta automātiski, uz to nav jāatbild.";
            match kind {
                PayerMailKind::Registered => (
                    format!("Maksājuma pieprasījums Nr. {number}: {service}"),
                    format!(
                        "{greeting}\n\n\
                         Pakalpojuma sniedzējs {provider} ir reģistrējis Jums maksājuma \
                         pieprasījumu par pakalpojumu „{service}”.\n\n\
                         Jums ir jāapmaksā {amount}.\n\
                         Maksājuma pieprasījuma numurs: {number}\n\
                         Apmaksas termiņš: {expires}\n\n\
                         Samaksāt var šeit:\n{pay}\n\n\
                         Visi Jūsu maksājuma pieprasījumi:\n{workspace}\n\n\
                         {footer}\n"
                    ),
                ),
                PayerMailKind::Reminder => (
                    format!(
                        "Atgādinājums: maksājuma pieprasījuma Nr. {number} termiņš beidzas {expires}"
                    ),
                    format!(
                        "{greeting}\n\n\
                         Atgādinām, ka maksājuma pieprasījums Nr. {number} par pakalpojumu \
                         „{service}” ({provider}) vēl nav apmaksāts.\n\n\
                         Jums ir jāapmaksā {amount}.\n\
                         Apmaksas termiņš: {expires}\n\
                         Pēc termiņa beigām šo pieprasījumu apmaksāt vairs nevarēs.\n\n\
                         Samaksāt var šeit:\n{pay}\n\n\
                         Visi Jūsu maksājuma pieprasījumi:\n{workspace}\n\n\
                         Ja maksājums jau ir veikts, lūdzam šo atgādinājumu neņemt vērā.\n\n\
                         {footer}\n"
                    ),
                ),
            }
        }
        (Language::English, kind) => {
            let greeting = match name {
                Some(name) => format!("Hello {name},"),
                None => "Hello,".to_owned(),
            };
            let footer = "This message was sent automatically; there is no need to reply.";
            match kind {
                PayerMailKind::Registered => (
                    format!("Payment request No. {number}: {service}"),
                    format!(
                        "{greeting}\n\n\
                         {provider} has registered a payment request for you for the \
                         service \u{201c}{service}\u{201d}.\n\n\
                         Amount to pay: {amount}\n\
                         Payment request number: {number}\n\
                         Pay by: {expires}\n\n\
                         You can pay here:\n{pay}\n\n\
                         All your payment requests:\n{workspace}\n\n\
                         {footer}\n"
                    ),
                ),
                PayerMailKind::Reminder => (
                    format!("Reminder: payment request No. {number} is due on {expires}"),
                    format!(
                        "{greeting}\n\n\
                         This is a reminder that payment request No. {number} for the \
                         service \u{201c}{service}\u{201d} ({provider}) has not been paid yet.\n\n\
                         Amount to pay: {amount}\n\
                         Pay by: {expires}\n\
                         After that date the request can no longer be paid.\n\n\
                         You can pay here:\n{pay}\n\n\
                         All your payment requests:\n{workspace}\n\n\
                         If you have already paid, please disregard this reminder.\n\n\
                         {footer}\n"
                    ),
                ),
            }
        }
    }
}

/// `text` on one line: every control character (CR, LF, tab …) becomes a
/// space, runs of spaces collapse, and the ends are trimmed.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plausible_addresses_parse() {
        for ok in [
            "payer@example.lv",
            "janis.berzins+maksa@pasts.example.lv",
            "x@localhost",
            "jānis@piemērs.lv",
            "o'brien@example.com",
        ] {
            assert_eq!(MailAddress::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(
            MailAddress::parse("a@b.lv").unwrap().domain(),
            "b.lv",
            "domain"
        );
        assert!(!MailAddress::parse("jānis@piemērs.lv").unwrap().is_ascii());
    }

    #[test]
    fn anything_that_could_inject_or_is_implausible_is_refused() {
        let long_local = format!("{}@example.lv", "a".repeat(65));
        let long = format!("a@{}.lv", vec!["b".repeat(60); 5].join("."));
        for bad in [
            "",
            "a@b\r\nBcc: x@y",
            "a@b\nBcc: x@y",
            "a@b\r",
            "no-at-sign",
            "two@@example.lv",
            "a@b@c.lv",
            "@example.lv",
            "payer@",
            "pay er@example.lv",
            " payer@example.lv",
            "payer@example.lv ",
            "a,b@example.lv",
            "a@example.lv,b@example.lv",
            "<a@example.lv>",
            "Name <a@example.lv>",
            "\"quoted\"@example.lv",
            "a(comment)@example.lv",
            ".a@example.lv",
            "a.@example.lv",
            "a..b@example.lv",
            "a@example..lv",
            "a@.example.lv",
            "a@example.lv.",
            "a@-example.lv",
            "a@example-.lv",
            "a@[127.0.0.1]",
            "a@exa_mple.lv",
            "a\t@example.lv",
            "a@exam\u{0}ple.lv",
            &long_local,
            &long,
        ] {
            assert!(MailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    fn facts() -> PayerMailFacts {
        PayerMailFacts {
            payer_name: Some("Jānis Bērziņš".to_owned()),
            service_name: "Pases izsniegšana".to_owned(),
            service_provider_name: "Pilsonības un migrācijas lietu pārvalde".to_owned(),
            request_number: "PR-2026-000123".to_owned(),
            amount_text: "12.34 EUR".to_owned(),
            expires_on: "31.12.2026.".to_owned(),
            workspace_url: "https://maksa.example.lv/payer".to_owned(),
            payment_url: "https://maksa.example.lv/pay/abc".to_owned(),
        }
    }

    #[test]
    fn every_message_names_the_amount_number_date_and_both_links() {
        let facts = facts();
        for language in [Language::Latvian, Language::English] {
            for kind in [PayerMailKind::Registered, PayerMailKind::Reminder] {
                let (subject, text) = payer_mail(kind, language, &facts);
                assert!(subject.contains("PR-2026-000123"), "{subject}");
                assert!(!subject.contains('\n') && !subject.contains('\r'));
                for needle in [
                    "12.34 EUR",
                    "PR-2026-000123",
                    "31.12.2026.",
                    "Pases izsniegšana",
                    "Jānis Bērziņš",
                    "https://maksa.example.lv/payer",
                    "https://maksa.example.lv/pay/abc",
                ] {
                    assert!(text.contains(needle), "{language:?} {kind:?}: {needle}");
                }
                // Each link on a line of its own, so mail clients make it clickable
                // without dragging punctuation into it.
                assert!(text.contains("\nhttps://maksa.example.lv/pay/abc\n"));
                assert!(text.contains("\nhttps://maksa.example.lv/payer\n"));
            }
        }
    }

    #[test]
    fn latvian_wording_has_its_diacritics() {
        let (subject, text) = payer_mail(PayerMailKind::Registered, Language::Latvian, &facts());
        assert!(subject.starts_with("Maksājuma pieprasījums"), "{subject}");
        assert!(text.contains("Jums ir jāapmaksā 12.34 EUR."));
        assert!(text.contains("Apmaksas termiņš: 31.12.2026."));
        assert!(text.starts_with("Labdien, Jānis Bērziņš!"));
        let (subject, text) = payer_mail(PayerMailKind::Reminder, Language::Latvian, &facts());
        assert!(subject.starts_with("Atgādinājums"), "{subject}");
        assert!(subject.contains("termiņš"));
        assert!(text.contains("vēl nav apmaksāts"));
        let (subject, text) = payer_mail(PayerMailKind::Reminder, Language::English, &facts());
        assert!(subject.starts_with("Reminder"), "{subject}");
        assert!(text.contains("has not been paid yet"));
    }

    #[test]
    fn a_missing_name_gets_a_plain_greeting_and_facts_cannot_break_the_subject() {
        let mut facts = facts();
        facts.payer_name = None;
        facts.service_name = "Evil\r\nBcc: x@y".to_owned();
        let (subject, text) = payer_mail(PayerMailKind::Registered, Language::Latvian, &facts);
        assert!(text.starts_with("Labdien!\n"));
        assert!(subject.ends_with("Evil Bcc: x@y"), "{subject}");
        let (_, text) = payer_mail(PayerMailKind::Registered, Language::English, &facts);
        assert!(text.starts_with("Hello,\n"));
    }

    #[test]
    fn language_codes() {
        assert_eq!(Language::from_code("LV"), Some(Language::Latvian));
        assert_eq!(Language::from_code("en"), Some(Language::English));
        assert_eq!(Language::from_code("de"), None);
        assert_eq!(Language::English.code(), "en");
    }

    #[test]
    fn message_ids_are_unique_and_bracketed() {
        let a = new_message_id("maksa.example.lv");
        let b = new_message_id("maksa.example.lv");
        assert_ne!(a, b);
        assert!(a.starts_with('<') && a.ends_with("@maksa.example.lv>"));
    }
}
