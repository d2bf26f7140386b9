//! **First Data ECOMM**, card payments (docs/providers/firstdata.md): the
//! hub-side [`FirstDataConnector`] and the acquirer's side for the sandbox,
//! [`FirstDataSim`].
//!
//! The merchant (the hub) calls the acquirer's `MerchantHandler` server to
//! server over mutual TLS with a form (`command=v` registers a payment, `c`
//! asks about it, `r` reverses it, `b` closes the business day) and reads
//! `KEY: value` lines back ([`keyvalue`]). The payer enters the card on the
//! acquirer's `ClientHandler?trans_id=…` page and is sent back to the return
//! address fixed in the merchant's contract with only `trans_id`: nothing in
//! the return is signed, so the hub finds the attempt by that id and asks
//! (`c`). There is no server-to-server notification.
//!
//! The readers of the answers ([`read_registration`], [`read_status`],
//! [`status_outcome`], [`read_reversal`], [`read_day_totals`]) are pure, so
//! the fuzz target `firstdata_answer` runs them on anything.

mod connector;
pub mod keyvalue;
mod pages;
mod sim;

pub use connector::{FirstDataConfig, FirstDataConnector};
pub use sim::{FirstDataSim, MISMATCH_AMOUNT, TEST_CARDS, TestCard};

use crate::sandboxes::SandboxTls;
use crate::sim::{Sandbox, Simulator};
use keyvalue::{Answer, AnswerError};
use maksa_app::providers::{DayTotals, EVIDENCE_CHARS, ProviderError, Reversal};
use maksa_domain::attempt::Outcome;
use maksa_domain::codes::ProviderCode;
use std::path::Path;
use std::sync::Arc;

/// The sandbox's provider code.
pub const SANDBOX_CODE: &str = "FIRSTDATA";
/// The merchant's server-to-server address, under the acquirer's base.
pub const MERCHANT_HANDLER_PATH: &str = "/ecomm/MerchantHandler";
/// The payer's card-entry page, under the acquirer's base.
pub const CLIENT_HANDLER_PATH: &str = "/ecomm/ClientHandler";
/// The production addresses (the merchant's contract may name others).
pub const MERCHANT_HANDLER_URL: &str = "https://secureshop.firstdata.lv:8443/ecomm/MerchantHandler";
pub const CLIENT_HANDLER_URL: &str = "https://secureshop.firstdata.lv/ecomm/ClientHandler";
/// ISO 4217 numeric code of the euro, the only currency taken.
pub const EUR_NUMERIC: &str = "978";
/// The longest description sent, in characters.
pub const DESCRIPTION_LIMIT: usize = 125;
/// The longest transaction id believed (the acquirer's are 28 base64 characters).
pub const TRANS_ID_LIMIT: usize = 64;
/// The most digits a masked card number may show (first six, last four).
pub const MAX_VISIBLE_DIGITS: usize = 10;
/// `RESULT_CODE` of a reversal done, and of a business day closed.
pub const REVERSED_CODE: &str = "400";
pub const DAY_CLOSED_CODE: &str = "500";

/// A transaction id as the acquirer writes it: 1 to 64 characters of the
/// base64 alphabet (`[A-Za-z0-9+/=]`). It goes into a URL (encoded), a form
/// and the attempt's record, so nothing else is taken.
pub fn valid_trans_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= TRANS_ID_LIMIT
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// Reads the answer to `command=v`: its `TRANSACTION_ID`. Anything else —
/// the acquirer's `error:`, garbage, a missing or strange id — means the
/// payment could not be registered now (`Unavailable`): the payer chooses
/// again and nothing was half-written.
pub fn read_registration(body: &[u8]) -> Result<String, ProviderError> {
    let answer = Answer::parse(body).map_err(|e| ProviderError::Unavailable(e.to_string()))?;
    let id = answer
        .get("TRANSACTION_ID")
        .ok_or_else(|| ProviderError::Unavailable("TRANSACTION_ID is missing".into()))?;
    if !valid_trans_id(id) {
        return Err(ProviderError::Unavailable(format!(
            "TRANSACTION_ID {} is not a transaction id",
            keyvalue::shown(id)
        )));
    }
    Ok(id.to_owned())
}

/// What the acquirer answered to `command=c`, each field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardStatus {
    /// `OK`, `FAILED`, `CREATED`, `PENDING`, `DECLINED`, `REVERSED`,
    /// `AUTOREVERSED`, `TIMEOUT` (or a word this list does not know).
    pub result: String,
    /// Three digits; absent while the payment is not decided.
    pub result_code: Option<String>,
    pub secure3d: Option<String>,
    /// ISO 8583's retrieval reference number: at most 12 letters or digits.
    pub rrn: Option<String>,
    /// At most 6 letters or digits. Both are bounded so tightly that no card
    /// number fits where the acquirer should have put them.
    pub approval_code: Option<String>,
    /// Masked: at most [`MAX_VISIBLE_DIGITS`] digits shown.
    pub card_number: Option<String>,
}

impl CardStatus {
    /// What the audit trail keeps: `card 4***********0013, approval 123456,
    /// RRN 123456789012, 3-D Secure AUTHENTICATED, result 000`, the parts
    /// the answer had, at most [`EVIDENCE_CHARS`] characters.
    pub fn evidence(&self) -> String {
        let parts = [
            self.card_number.as_ref().map(|c| format!("card {c}")),
            self.approval_code.as_ref().map(|a| format!("approval {a}")),
            self.rrn.as_ref().map(|r| format!("RRN {r}")),
            self.secure3d.as_ref().map(|s| format!("3-D Secure {s}")),
            Some(match &self.result_code {
                Some(code) => format!("result {} {code}", self.result),
                None => format!("result {}", self.result),
            }),
        ];
        let text = parts.into_iter().flatten().collect::<Vec<_>>().join(", ");
        text.chars().take(EVIDENCE_CHARS).collect()
    }
}

/// A word of the acquirer's vocabulary: `[A-Z_]{1,32}`.
fn word(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 32
        && value.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// Letters and digits, 1 to `max`.
fn alphanumeric(value: &str, max: usize) -> bool {
    !value.is_empty() && value.len() <= max && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `value` is a masked card number: 12 to 19 characters of digits
/// and mask characters (`*`, `X`), at most [`MAX_VISIBLE_DIGITS`] digits.
pub fn masked_card_number(value: &str) -> bool {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (12..=19).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'X' || b == b'x')
        && digits <= MAX_VISIBLE_DIGITS
}

/// Reads the answer to `command=c`. The acquirer's `error:` or an unreadable
/// answer is `Unavailable` (the status-recovery worker asks again); a card
/// number that is not masked is `Malformed` and is never quoted: the hub
/// must not hold a whole card number, not even in a log line.
pub fn read_status(body: &[u8]) -> Result<CardStatus, ProviderError> {
    let answer = Answer::parse(body).map_err(|e| match e {
        AnswerError::Acquirer(_) | AnswerError::Malformed(_) => {
            ProviderError::Unavailable(e.to_string())
        }
    })?;
    let card_number = answer.get("CARD_NUMBER").filter(|c| !c.is_empty());
    if let Some(card) = card_number
        && !masked_card_number(card)
    {
        return Err(ProviderError::Malformed(
            "CARD_NUMBER is not a masked card number (refused, not quoted)".into(),
        ));
    }
    let result = answer
        .get("RESULT")
        .ok_or_else(|| ProviderError::Unavailable("RESULT is missing".into()))?;
    if !word(result) {
        return Err(ProviderError::Unavailable(format!(
            "RESULT {} is not a word",
            keyvalue::shown(result)
        )));
    }
    let checked = |key: &str, ok: &dyn Fn(&str) -> bool| -> Result<Option<String>, ProviderError> {
        match answer.get(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(value) if ok(value) => Ok(Some(value.to_owned())),
            Some(value) => Err(ProviderError::Unavailable(format!(
                "{key} {} is not what the acquirer writes",
                keyvalue::shown(value)
            ))),
        }
    };
    Ok(CardStatus {
        result: result.to_owned(),
        result_code: checked("RESULT_CODE", &|v| {
            v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit())
        })?,
        secure3d: checked("3DSECURE", &word)?,
        rrn: checked("RRN", &|v| alphanumeric(v, 12))?,
        approval_code: checked("APPROVAL_CODE", &|v| alphanumeric(v, 6))?,
        card_number: card_number.map(str::to_owned),
    })
}

/// Whether a `RESULT_CODE` is an approval: `000` to `007`.
pub fn approved_code(code: &str) -> bool {
    matches!(
        code,
        "000" | "001" | "002" | "003" | "004" | "005" | "006" | "007"
    )
}

/// What the hub makes of a `c` answer: `Some` when final, `None` while the
/// payer is still at the card page (`CREATED`, `PENDING`). `OK` is a payment
/// only with an approval code (`000`–`007`); `OK` with another code, and
/// `FAILED`, `DECLINED`, `TIMEOUT`, `REVERSED`, `AUTOREVERSED` are a payment
/// not taken (a reversed one gave the money back). A word this list does not
/// know, or `OK` without a code, is `Unavailable`: asked again later rather
/// than guessed.
pub fn status_outcome(status: &CardStatus) -> Result<Option<Outcome>, ProviderError> {
    match status.result.as_str() {
        "OK" => match status.result_code.as_deref() {
            Some(code) if approved_code(code) => Ok(Some(Outcome::Executed)),
            Some(_) => Ok(Some(Outcome::Rejected)),
            None => Err(ProviderError::Unavailable(
                "RESULT OK without a RESULT_CODE".into(),
            )),
        },
        "FAILED" | "DECLINED" | "TIMEOUT" | "REVERSED" | "AUTOREVERSED" => {
            Ok(Some(Outcome::Rejected))
        }
        "CREATED" | "PENDING" => Ok(None),
        other => Err(ProviderError::Unavailable(format!(
            "RESULT {} is not one the hub knows",
            keyvalue::shown(other)
        ))),
    }
}

/// Reads the answer to `command=r`: `RESULT: OK` with `RESULT_CODE: 400` is a
/// reversal done; the acquirer's `error:` or another result is its refusal
/// (bounded); an unreadable answer is `Unavailable`.
pub fn read_reversal(body: &[u8]) -> Result<Reversal, ProviderError> {
    let answer = match Answer::parse(body) {
        Ok(answer) => answer,
        Err(AnswerError::Acquirer(text)) => return Ok(Reversal::Refused(format!("error: {text}"))),
        Err(e) => return Err(ProviderError::Unavailable(e.to_string())),
    };
    let result = answer.get("RESULT").unwrap_or_default();
    let code = answer.get("RESULT_CODE").unwrap_or_default();
    if result == "OK" && code == REVERSED_CODE {
        return Ok(Reversal::Reversed);
    }
    Ok(Reversal::Refused(keyvalue::bounded(&format!(
        "RESULT {result}, RESULT_CODE {code}"
    ))))
}

/// A count or amount of the day-close answer: 1 to 18 digits.
fn total(answer: &Answer, key: &str) -> Result<u64, ProviderError> {
    let value = answer
        .get(key)
        .ok_or_else(|| ProviderError::Malformed(format!("{key} is missing")))?;
    let digits =
        !value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| value.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| {
            ProviderError::Malformed(format!("{key} {} is not a total", keyvalue::shown(value)))
        })
}

/// Reads the answer to `command=b`: `RESULT: OK`, `RESULT_CODE: 500`, and the
/// reconciliation totals, read as the published merchant modules read them:
/// `FLD_076`/`FLD_088` the count/amount of payments (debits of the payers'
/// cards), `FLD_075`/`FLD_087` the count/amount of reversals. The other
/// `FLD_0xx` lines are not used. The acquirer's `error:` or another result is
/// `Unavailable` (close again later); a total missing or not a number is
/// `Malformed`.
pub fn read_day_totals(body: &[u8]) -> Result<DayTotals, ProviderError> {
    let answer = Answer::parse(body).map_err(|e| ProviderError::Unavailable(e.to_string()))?;
    let result = answer.get("RESULT").unwrap_or_default();
    let code = answer.get("RESULT_CODE").unwrap_or_default();
    if result != "OK" || code != DAY_CLOSED_CODE {
        return Err(ProviderError::Unavailable(keyvalue::bounded(&format!(
            "the day was not closed: RESULT {result}, RESULT_CODE {code}"
        ))));
    }
    let amount = |key: &str| -> Result<i64, ProviderError> {
        i64::try_from(total(&answer, key)?)
            .map_err(|_| ProviderError::Malformed(format!("{key} is too large")))
    };
    Ok(DayTotals {
        debit_count: total(&answer, "FLD_076")?,
        debit_amount: amount("FLD_088")?,
        reversal_count: total(&answer, "FLD_075")?,
        reversal_amount: amount("FLD_087")?,
    })
}

/// The sandbox's First Data: the simulator at `sim_base_url` and its
/// connector. Without `tls` the connector calls
/// `{sim_base_url}/ecomm/MerchantHandler` over plain HTTP and the simulator
/// asks for no certificate (the contract suite); with it, the connector
/// calls the same path on `tls.https_base_url` presenting `tls.hub`, and
/// the simulator takes only exactly that certificate. The payer's page is
/// always `{sim_base_url}/ecomm/ClientHandler` (the public listener). The
/// return address, fixed in a real merchant's contract, is the hub's
/// `/providers/{code}/return`. Nothing is kept in `dir` (no keys: the
/// transport is the authentication).
pub fn sandbox(
    dir: &Path,
    code: ProviderCode,
    sim_base_url: &str,
    hub_base_url: &str,
    tls: Option<&SandboxTls>,
) -> std::io::Result<Sandbox> {
    let _ = dir;
    let base = sim_base_url.trim_end_matches('/');
    let hub = hub_base_url.trim_end_matches('/');
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let thumbprint = tls
        .map(|t| crate::mtls::thumbprint_of(&t.hub.certificate_pem))
        .transpose()
        .map_err(invalid)?;
    let merchant_handler_url = match tls {
        Some(tls) => {
            let path = url::Url::parse(base)
                .map(|u| u.path().trim_end_matches('/').to_owned())
                .map_err(|e| invalid(format!("simulator address {base}: {e}")))?;
            format!(
                "{}{path}{MERCHANT_HANDLER_PATH}",
                tls.https_base_url.trim_end_matches('/')
            )
        }
        None => format!("{base}{MERCHANT_HANDLER_PATH}"),
    };
    let return_url = format!("{hub}/providers/{}/return", code.as_str());
    let protocol = FirstDataSim::new(base, hub, &return_url, thumbprint);
    let config = FirstDataConfig {
        code,
        merchant_handler_url,
        client_handler_url: format!("{base}{CLIENT_HANDLER_PATH}"),
        tls: tls.map(|t| t.hub.clone()),
    };
    Ok(Sandbox {
        connector: Arc::new(FirstDataConnector::new(config)),
        simulator: Simulator::new(Arc::new(protocol), base, hub),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn status(body: &str) -> Result<Option<Outcome>, ProviderError> {
        status_outcome(&read_status(body.as_bytes())?)
    }

    #[test]
    fn transaction_ids_are_base64_text() {
        assert!(valid_trans_id("7Q9cDfpSXp3uIv0bhHPVlCBLJtQ="));
        assert!(valid_trans_id("a+b/c="));
        assert!(valid_trans_id(&"A".repeat(64)));
        for bad in ["", "a b", "a&b", "a%2B", "ā", "../x", &"A".repeat(65)] {
            assert!(!valid_trans_id(bad), "{bad}");
        }
    }

    #[test]
    fn registration_answers_name_the_transaction() {
        assert_eq!(
            read_registration(b"TRANSACTION_ID: 7Q9cDfpSXp3uIv0bhHPVlCBLJtQ=\n").unwrap(),
            "7Q9cDfpSXp3uIv0bhHPVlCBLJtQ="
        );
        for bad in [
            &b"error: wrong currency"[..],
            b"TRANSACTION_ID: ",
            b"TRANSACTION_ID: a b",
            b"RESULT: OK",
            b"<html>",
        ] {
            assert!(
                matches!(read_registration(bad), Err(ProviderError::Unavailable(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn every_result_maps() {
        for code in ["000", "001", "002", "003", "004", "005", "006", "007"] {
            assert_eq!(
                status(&format!("RESULT: OK\nRESULT_CODE: {code}")).unwrap(),
                Some(Outcome::Executed),
                "{code}"
            );
        }
        for code in ["008", "100", "116", "129", "400", "999"] {
            assert_eq!(
                status(&format!("RESULT: OK\nRESULT_CODE: {code}")).unwrap(),
                Some(Outcome::Rejected),
                "{code}"
            );
        }
        for result in ["FAILED", "DECLINED", "TIMEOUT", "REVERSED", "AUTOREVERSED"] {
            assert_eq!(
                status(&format!("RESULT: {result}\nRESULT_CODE: 116")).unwrap(),
                Some(Outcome::Rejected)
            );
            assert_eq!(
                status(&format!("RESULT: {result}")).unwrap(),
                Some(Outcome::Rejected)
            );
        }
        assert_eq!(status("RESULT: CREATED").unwrap(), None);
        assert_eq!(status("RESULT: PENDING").unwrap(), None);
        for unknown in [
            "RESULT: SOMETHING_NEW",
            "RESULT: OK",
            "RESULT: ok",
            "RESULT_CODE: 000",
            "RESULT: OK\nRESULT_CODE: 0",
            "RESULT: OK\nRESULT_CODE: 00a",
            "error: wrong transaction id",
            "garbage",
        ] {
            assert!(
                matches!(status(unknown), Err(ProviderError::Unavailable(_))),
                "{unknown}"
            );
        }
    }

    #[test]
    fn evidence_names_the_masked_card_and_the_approval() {
        let s = read_status(
            b"RESULT: OK\nRESULT_CODE: 000\n3DSECURE: AUTHENTICATED\nRRN: 123456789012\n\
              APPROVAL_CODE: 123456\nCARD_NUMBER: 4***********0013\n",
        )
        .unwrap();
        assert_eq!(
            s.evidence(),
            "card 4***********0013, approval 123456, RRN 123456789012, \
             3-D Secure AUTHENTICATED, result OK 000"
        );
        let bare = read_status(b"RESULT: TIMEOUT\n").unwrap();
        assert_eq!(bare.evidence(), "result TIMEOUT");
    }

    #[test]
    fn a_whole_card_number_is_refused_and_not_quoted() {
        for full in [
            "4111111111111111",
            "411111******1111111",
            "4111 1111 1111 1111",
        ] {
            let body = format!("RESULT: OK\nRESULT_CODE: 000\nCARD_NUMBER: {full}\n");
            let Err(ProviderError::Malformed(why)) = read_status(body.as_bytes()) else {
                panic!("{full} refused");
            };
            assert!(!why.contains("1111"), "{why}");
        }
        for masked in ["4***********0013", "411111******1111", "XXXXXXXXXXXX1111"] {
            assert!(masked_card_number(masked), "{masked}");
        }
    }

    #[test]
    fn a_card_number_elsewhere_is_neither_believed_nor_quoted() {
        for body in [
            "RESULT: OK\nRESULT_CODE: 000\nRRN: 4111111111111111\n",
            "RESULT: OK\nRESULT_CODE: 000\nAPPROVAL_CODE: 4111111111111111\n",
            "RESULT: 4111111111111111\n",
            "4111111111111111\n",
            "error: card 4111111111111111 refused\n",
        ] {
            let Err(ProviderError::Unavailable(why)) = read_status(body.as_bytes()) else {
                panic!("{body} refused");
            };
            assert!(!why.contains("1111111"), "{why}");
        }
    }

    #[test]
    fn reversals_are_read() {
        assert_eq!(
            read_reversal(b"RESULT: OK\nRESULT_CODE: 400\n").unwrap(),
            Reversal::Reversed
        );
        assert_eq!(
            read_reversal(b"RESULT: FAILED\nRESULT_CODE: 914\n").unwrap(),
            Reversal::Refused("RESULT FAILED, RESULT_CODE 914".into())
        );
        assert_eq!(
            read_reversal(b"error: already reversed").unwrap(),
            Reversal::Refused("error: already reversed".into())
        );
        assert!(matches!(
            read_reversal(b"<html>"),
            Err(ProviderError::Unavailable(_))
        ));
    }

    #[test]
    fn day_totals_are_read_from_their_fields() {
        let body = b"RESULT: OK\nRESULT_CODE: 500\nFLD_074: 0\nFLD_075: 1\nFLD_076: 3\n\
                     FLD_077: 0\nFLD_086: 0\nFLD_087: 1234\nFLD_088: 3702\nFLD_089: 0\n";
        assert_eq!(
            read_day_totals(body).unwrap(),
            DayTotals {
                debit_count: 3,
                debit_amount: 3702,
                reversal_count: 1,
                reversal_amount: 1234,
            }
        );
        assert!(matches!(
            read_day_totals(b"RESULT: FAILED\nRESULT_CODE: 501\n"),
            Err(ProviderError::Unavailable(_))
        ));
        assert!(matches!(
            read_day_totals(b"error: busy"),
            Err(ProviderError::Unavailable(_))
        ));
        for bad in [
            "FLD_075: 1\nFLD_076: x\nFLD_087: 1\nFLD_088: 1",
            "FLD_076: 1\nFLD_087: 1\nFLD_088: 1",
            "FLD_075: 1\nFLD_076: 1\nFLD_087: -1\nFLD_088: 1",
            "FLD_075: 1\nFLD_076: 1\nFLD_087: 1\nFLD_088: 9999999999999999999",
        ] {
            let body = format!("RESULT: OK\nRESULT_CODE: 500\n{bad}\n");
            assert!(
                matches!(
                    read_day_totals(body.as_bytes()),
                    Err(ProviderError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
