//! The acquirer's answer format: text lines `KEY: value` (`TRANSACTION_ID:
//! 7Q9c…=`, `RESULT: OK`, `3DSECURE: AUTHENTICATED`), or a line `error:
//! <text>` when it refuses. Everything here is bounded before it is believed:
//! the body, the number of lines, each key and each value. A key given twice
//! is refused rather than guessed at (which `RESULT` would count?).

/// The largest answer read (a `b` answer is about ten short lines).
pub const MAX_BODY: usize = 16 * 1024;
/// The most lines an answer may have (blank lines are not counted).
pub const MAX_LINES: usize = 64;
/// The longest key: `[A-Z0-9_]{1,32}`.
pub const MAX_KEY: usize = 32;
/// The longest value, in bytes after trimming.
pub const MAX_VALUE: usize = 512;
/// How much of an acquirer's `error:` text is kept.
pub const ERROR_CHARS: usize = 200;

/// Why an answer is not one to believe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// The acquirer answered `error: <text>`: its text, bounded, control
    /// characters made spaces.
    Acquirer(String),
    /// Not an answer in the `KEY: value` format (or over a bound).
    Malformed(String),
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnswerError::Acquirer(text) => write!(f, "the acquirer answered error: {text}"),
            AnswerError::Malformed(why) => write!(f, "the answer is not readable: {why}"),
        }
    }
}

/// An answer read: its keys, in order, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    fields: Vec<(String, String)>,
}

impl Answer {
    /// Reads an answer body. An `error:` line anywhere makes the whole
    /// answer the acquirer's refusal.
    pub fn parse(body: &[u8]) -> Result<Answer, AnswerError> {
        if body.len() > MAX_BODY {
            return Err(AnswerError::Malformed(format!(
                "{} bytes, more than {MAX_BODY}",
                body.len()
            )));
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| AnswerError::Malformed("not UTF-8".to_owned()))?;
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in text.split('\n') {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if fields.len() >= MAX_LINES {
                return Err(AnswerError::Malformed(format!(
                    "more than {MAX_LINES} lines"
                )));
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(AnswerError::Malformed(format!(
                    "a line without a colon: {}",
                    bounded(line)
                )));
            };
            let key = key.trim();
            let value = value.trim();
            if key.eq_ignore_ascii_case("error") {
                return Err(AnswerError::Acquirer(bounded(value)));
            }
            if !valid_key(key) {
                return Err(AnswerError::Malformed(format!(
                    "key {} is not [A-Z0-9_]{{1,{MAX_KEY}}}",
                    bounded(key)
                )));
            }
            if value.len() > MAX_VALUE {
                return Err(AnswerError::Malformed(format!(
                    "the value of {key} is longer than {MAX_VALUE} bytes"
                )));
            }
            if value.chars().any(char::is_control) {
                return Err(AnswerError::Malformed(format!(
                    "the value of {key} has control characters"
                )));
            }
            if fields.iter().any(|(k, _)| k == key) {
                return Err(AnswerError::Malformed(format!("{key} is given twice")));
            }
            fields.push((key.to_owned(), value.to_owned()));
        }
        Ok(Answer { fields })
    }

    /// The value of `key`, if the answer has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every key and value, in the answer's order.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// `lines` written as the acquirer writes them (the simulator's answers).
    pub fn write(lines: &[(&str, &str)]) -> String {
        lines.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
    }
}

/// `[A-Z0-9_]{1,32}`: `RESULT_CODE`, `3DSECURE`, `FLD_074`.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// `text` cut to [`ERROR_CHARS`] characters, control characters made spaces,
/// and any run of more than [`MAX_DIGITS_SHOWN`] digits (spaces and dashes
/// between them counted in the run) masked with `*`: safe to put in a log
/// line or an audit event even if the acquirer (or someone posing as it)
/// put a card number where we did not expect one.
pub fn bounded(text: &str) -> String {
    let cut: String = text
        .chars()
        .take(ERROR_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    without_card_numbers(&cut)
}

/// The most consecutive digits a quoted text keeps (a masked card number's
/// first six and last four).
pub const MAX_DIGITS_SHOWN: usize = 10;

/// `text` with every run of more than [`MAX_DIGITS_SHOWN`] digits masked.
pub fn without_card_numbers(text: &str) -> String {
    fn flush(out: &mut String, run: &mut String, digits: &mut usize) {
        if *digits > MAX_DIGITS_SHOWN {
            out.extend(
                run.chars()
                    .map(|c| if c.is_ascii_digit() { '*' } else { c }),
            );
        } else {
            out.push_str(run);
        }
        run.clear();
        *digits = 0;
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let mut digits = 0usize;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            digits = digits.saturating_add(1);
        } else if (c == ' ' || c == '-') && digits > 0 {
            run.push(c);
        } else {
            flush(&mut out, &mut run, &mut digits);
            out.push(c);
        }
    }
    flush(&mut out, &mut run, &mut digits);
    out
}

/// A value from an answer (or a payer's return) as an error message quotes
/// it: [`bounded`], then in backquotes and cut like every quoted value.
pub fn shown(value: &str) -> String {
    crate::vk::quoted(&bounded(value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_become_fields() {
        let answer = Answer::parse(
            b"RESULT: OK\r\nRESULT_CODE: 000\n\n3DSECURE:AUTHENTICATED\nRRN:  123456789012  \n\
              CARD_NUMBER: 4***********0013\nEMPTY:\n",
        )
        .unwrap();
        assert_eq!(answer.get("RESULT"), Some("OK"));
        assert_eq!(answer.get("RESULT_CODE"), Some("000"));
        assert_eq!(answer.get("3DSECURE"), Some("AUTHENTICATED"));
        assert_eq!(answer.get("RRN"), Some("123456789012"));
        assert_eq!(answer.get("EMPTY"), Some(""));
        assert_eq!(answer.get("APPROVAL_CODE"), None);
        assert_eq!(answer.fields().len(), 6);
        // Only the first colon separates: a base64 id has none, a URL would.
        let id = Answer::parse(b"TRANSACTION_ID: a:b=").unwrap();
        assert_eq!(id.get("TRANSACTION_ID"), Some("a:b="));
        assert_eq!(Answer::parse(b"").unwrap(), Answer::default());
    }

    #[test]
    fn an_error_line_is_the_acquirers_refusal() {
        assert_eq!(
            Answer::parse(b"error: wrong transaction ID").unwrap_err(),
            AnswerError::Acquirer("wrong transaction ID".into())
        );
        assert_eq!(
            Answer::parse(b"RESULT: OK\nerror:  no\n").unwrap_err(),
            AnswerError::Acquirer("no".into())
        );
        let long = format!("error: {}", "x".repeat(5000));
        let Err(AnswerError::Acquirer(text)) = Answer::parse(long.as_bytes()) else {
            panic!("an acquirer error");
        };
        assert_eq!(text.chars().count(), ERROR_CHARS);
    }

    #[test]
    fn what_is_not_an_answer_is_refused() {
        let many = "A: 1\n".repeat(MAX_LINES + 1);
        let keys: String = (0..=MAX_LINES).map(|i| format!("K{i}: 1\n")).collect();
        for bad in [
            b"RESULT OK".to_vec(),
            b"result: OK".to_vec(),
            b"RES-ULT: OK".to_vec(),
            b": OK".to_vec(),
            format!("{}: 1", "K".repeat(MAX_KEY + 1)).into_bytes(),
            format!("K: {}", "v".repeat(MAX_VALUE + 1)).into_bytes(),
            b"K: a\x07b".to_vec(),
            b"RESULT: OK\nRESULT: FAILED".to_vec(),
            b"\xff\xfe".to_vec(),
            vec![b' '; MAX_BODY + 1],
            many.into_bytes(),
            keys.into_bytes(),
            b"<html><body>Bad gateway</body></html>".to_vec(),
        ] {
            assert!(
                matches!(Answer::parse(&bad), Err(AnswerError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        assert!(Answer::parse(format!("K: {}", "v".repeat(MAX_VALUE)).as_bytes()).is_ok());
        let exactly: String = (0..MAX_LINES).map(|i| format!("K{i}: 1\n")).collect();
        assert!(Answer::parse(exactly.as_bytes()).is_ok());
    }

    #[test]
    fn quoted_text_never_shows_a_card_number() {
        assert_eq!(
            bounded("card 4111111111111111 refused"),
            "card **************** refused"
        );
        assert_eq!(bounded("4111 1111 1111 1111"), "**** **** **** ****");
        assert_eq!(bounded("RRN 123456789012"), "RRN ************");
        assert_eq!(bounded("code 116, 0123456789"), "code 116, 0123456789");
        assert_eq!(bounded("4***********0013"), "4***********0013");
        assert!(!shown("x4111111111111111").contains("1111"));
        let Err(AnswerError::Malformed(why)) = Answer::parse(b"4111111111111111") else {
            panic!("malformed");
        };
        assert!(!why.contains("1111"), "{why}");
    }

    #[test]
    fn written_answers_read_back() {
        let text = Answer::write(&[("RESULT", "OK"), ("RESULT_CODE", "000")]);
        assert_eq!(text, "RESULT: OK\nRESULT_CODE: 000\n");
        assert_eq!(
            Answer::parse(text.as_bytes()).unwrap().get("RESULT_CODE"),
            Some("000")
        );
    }
}
