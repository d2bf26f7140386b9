//! An [`OutgoingMail`] as RFC 5322 bytes: the same bytes go over SMTP and
//! into an `.eml` file.
//!
//! Everything that reaches a header is checked or encoded here, so no value
//! can end a header and start another: the addresses are [`MailAddress`]es,
//! the message id and the subject are refused if they hold a control
//! character, and a subject that is not short plain ASCII goes out as RFC 2047
//! encoded-words. The body is base64, so its lines are short and ASCII
//! whatever the text holds, and none of them can be a lone dot.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maksa_app::mail::{MailAddress, MailError, OutgoingMail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// RFC 2045 §6.8: encoded lines are at most 76 characters.
const BODY_LINE: usize = 76;
/// UTF-8 bytes per encoded-word: 39 bytes are 52 base64 characters, a word of
/// 64 with `=?UTF-8?B?` and `?=`, so even the first line, after `Subject: `,
/// stays within the 76 characters RFC 2047 §2 allows.
const WORD_BYTES: usize = 39;
/// A subject this short and plain goes out as it is (RFC 5322 §2.1.1's 78
/// characters, less `Subject: `).
const PLAIN_SUBJECT: usize = 69;
/// Far more than any template writes; keeps a runaway subject from making an
/// absurd header.
const MAX_SUBJECT_BYTES: usize = 2000;

/// The message as it goes on the wire and into a file: headers and a base64
/// body, every line ending in CRLF.
pub fn render(
    mail: &OutgoingMail,
    from: &MailAddress,
    date: OffsetDateTime,
) -> Result<Vec<u8>, MailError> {
    check_message_id(&mail.message_id)?;
    if mail.subject.chars().any(char::is_control) {
        return Err(MailError::Permanent(
            "the subject holds a line break or another control character".to_owned(),
        ));
    }
    if mail.subject.len() > MAX_SUBJECT_BYTES {
        return Err(MailError::Permanent("the subject is too long".to_owned()));
    }
    let date = date
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc2822)
        .map_err(|e| MailError::Permanent(format!("the date cannot be written: {e}")))?;
    let mut out = String::with_capacity(mail.text.len().saturating_mul(2).saturating_add(512));
    for (name, value) in [
        ("Date", date.as_str()),
        ("From", from.as_str()),
        ("To", mail.to.as_str()),
        ("Message-ID", mail.message_id.as_str()),
        ("Subject", encode_subject(&mail.subject).as_str()),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "base64"),
    ] {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    // Text is CRLF in its canonical form (RFC 2046 §4.1.1), and base64 carries
    // the canonical form.
    let body = STANDARD.encode(crlf(&mail.text));
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(BODY_LINE));
        out.push_str(line);
        out.push_str("\r\n");
        rest = tail;
    }
    Ok(out.into_bytes())
}

/// `<left@right>` with visible ASCII only: it is written into a header as it
/// is and names the `.eml` file.
fn check_message_id(id: &str) -> Result<(), MailError> {
    let inner = id.strip_prefix('<').and_then(|id| id.strip_suffix('>'));
    let ok = inner.is_some_and(|inner| {
        inner
            .split_once('@')
            .is_some_and(|(left, right)| !left.is_empty() && !right.is_empty())
            && inner
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
    });
    if ok && id.len() <= 250 {
        Ok(())
    } else {
        Err(MailError::Permanent(format!(
            "not a usable message id: {id:?}"
        )))
    }
}

/// The subject's header value: as it is when short printable ASCII that no
/// reader could take for an encoded-word, otherwise RFC 2047 `B` words of
/// whole characters, folded one per line.
fn encode_subject(subject: &str) -> String {
    let plain = subject.len() <= PLAIN_SUBJECT
        && subject.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !subject.contains("=?");
    if plain {
        return subject.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in subject.chars() {
        if chunk.len().saturating_add(c.len_utf8()) > WORD_BYTES {
            words.push(encoded_word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(encoded_word(&chunk));
    }
    // Readers drop the white space between adjacent encoded-words, so the
    // folds add no spaces to the subject.
    words.join("\r\n ")
}

fn encoded_word(text: &str) -> String {
    format!("=?UTF-8?B?{}?=", STANDARD.encode(text))
}

/// `text` with every line end (LF, CR or CRLF) as CRLF.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(text.len() / 16));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

/// The DATA payload: a dot at the start of a line is doubled (RFC 5321
/// §4.5.2) and the terminating `.` line is added.
pub(crate) fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len().saturating_add(8));
    let mut line_start = true;
    for &b in message {
        if line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        line_start = b == b'\n';
    }
    if !line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mail(subject: &str, text: &str) -> OutgoingMail {
        OutgoingMail {
            message_id: "<1234@maksa.example.lv>".to_owned(),
            to: MailAddress::parse("payer@example.lv").unwrap(),
            subject: subject.to_owned(),
            text: text.to_owned(),
        }
    }

    fn from() -> MailAddress {
        MailAddress::parse("noreply@maksa.example.lv").unwrap()
    }

    fn date() -> OffsetDateTime {
        time::macros::datetime!(2026-11-30 21:22:18 +02:00)
    }

    #[test]
    fn headers_and_body_are_as_rfc_5322_and_mime_want_them() {
        let bytes = render(&mail("Hello", "a\nb"), &from(), date()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("Date: Mon, 30 Nov 2026 19:22:18 +0000\r\n"),
            "{text}"
        );
        for header in [
            "\r\nFrom: noreply@maksa.example.lv\r\n",
            "\r\nTo: payer@example.lv\r\n",
            "\r\nSubject: Hello\r\n",
            "\r\nMessage-ID: <1234@maksa.example.lv>\r\n",
            "\r\nMIME-Version: 1.0\r\n",
            "\r\nContent-Type: text/plain; charset=UTF-8\r\n",
            "\r\nContent-Transfer-Encoding: base64\r\n",
        ] {
            assert!(text.contains(header), "{header:?} in {text}");
        }
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(body, format!("{}\r\n", STANDARD.encode("a\r\nb")));
        assert!(!text.replace("\r\n", "").contains(['\r', '\n']));
    }

    #[test]
    fn non_ascii_subjects_are_encoded_words_of_whole_characters() {
        let subject = "Maksājuma pieprasījums Nr. PR-2026-000123: Pases izsniegšana — ātri";
        let bytes = render(&mail(subject, "x"), &from(), date()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let start = text.find("Subject: ").unwrap();
        let header: Vec<&str> = text[start..].split("\r\n").collect();
        let mut decoded = Vec::new();
        let mut lines = 0;
        for (i, line) in header.iter().enumerate() {
            if i > 0 && !line.starts_with(' ') {
                break;
            }
            lines += 1;
            assert!(line.len() <= 76, "{line:?}");
            let word = line.trim_start_matches("Subject: ").trim_start();
            assert!(word.len() <= 75);
            let b64 = word
                .strip_prefix("=?UTF-8?B?")
                .unwrap()
                .strip_suffix("?=")
                .unwrap();
            let piece = STANDARD.decode(b64).unwrap();
            // Every word decodes on its own: no character is split.
            String::from_utf8(piece.clone()).unwrap();
            decoded.extend(piece);
        }
        assert!(lines > 1);
        assert_eq!(String::from_utf8(decoded).unwrap(), subject);
    }

    #[test]
    fn long_bodies_have_short_lines() {
        let body = "Jums ir jāapmaksā 12.34 EUR. ".repeat(40);
        let bytes = render(&mail("x", &body), &from(), date()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        for line in text.split("\r\n") {
            assert!(line.len() <= 76, "{line}");
        }
    }

    #[test]
    fn line_breaks_in_the_subject_and_odd_message_ids_are_refused() {
        for subject in ["a\r\nBcc: x@y", "a\nb", "a\rb", "tab\there"] {
            let err = render(&mail(subject, "x"), &from(), date()).unwrap_err();
            assert!(err.is_permanent());
        }
        for id in [
            "1234@x",
            "<1234>",
            "<a b@x>",
            "<a@x>\r\nBcc: y@z",
            "<@x>",
            "<a@>",
        ] {
            let mut m = mail("x", "x");
            m.message_id = id.to_owned();
            assert!(render(&m, &from(), date()).is_err(), "{id}");
        }
    }

    #[test]
    fn text_line_ends_become_crlf() {
        assert_eq!(crlf("a\nb\r\nc\rd\n"), "a\r\nb\r\nc\r\nd\r\n");
    }

    #[test]
    fn dots_at_line_starts_are_doubled() {
        assert_eq!(
            dot_stuffed(b".a\r\nb.\r\n..\r\n"),
            b"..a\r\nb.\r\n...\r\n.\r\n"
        );
        assert_eq!(dot_stuffed(b"x"), b"x\r\n.\r\n");
    }
}
