//! **SEB e-Link** (SEB banka, `UNLALV2X`): the hub's connector and the bank's
//! simulator. `docs/providers/seb-elink.md` describes the wire.
//!
//! Request 0002 through the payer's browser; answers 0003 (the payment order
//! accepted for processing: not yet proof of payment) and 0004 (`IB_STATUS`
//! `ACCOMPLISHED`: executed; `CANCELLED`: not), each both from the bank's
//! server (`IB_FROM_SERVER=Y`, to the agreement's server address, repeated
//! every 30 minutes for 24 hours until answered 200) and through the payer's
//! browser (`N`, to `IB_FEEDBACK`). `IB_CRC` is the base64 RSA PKCS#1 v1.5
//! SHA-1 signature (`IB_VERSION` 001) of the length-prefixed signed fields.
//! No status query.

use crate::banklink::{self, bank_text};
use crate::rsa_keys::{Digest, RsaKey, TrustedKeys};
use crate::sim::{
    BrowserReturn, Decision, Sandbox, SimOrder, SimProtocol, SimState, Simulator, WireMessage,
};
use crate::vk::{self, Fields};
use async_trait::async_trait;
use maksa_app::providers::{
    AttemptOutcome, Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage,
    Started, Verified,
};
use maksa_domain::attempt::{Attempt, AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::{Amount, Currency};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use time::UtcOffset;

/// The only version: SHA-1.
pub const VERSION: &str = "001";
const DIGEST: Digest = Digest::Sha1;

/// `IB_PAYMENT_DESC` takes 100 characters; four of them carry the end of
/// the attempt id (`" /Xy"`, see [`split_attempt`]).
pub const DESCRIPTION_LIMIT: usize = 100;
pub const PURPOSE_LIMIT: usize = 96;

/// The bank's `IB_SND_ID` on its answers.
pub const BANK_ID: &str = "SEBUB";

pub const SERVICE_REQUEST: &str = "0002";
pub const SERVICE_ACCEPTED: &str = "0003";
pub const SERVICE_STATUS: &str = "0004";

pub const STATUS_ACCOMPLISHED: &str = "ACCOMPLISHED";
pub const STATUS_CANCELLED: &str = "CANCELLED";

const REQUEST_0002: &[&str] = &[
    "IB_SND_ID",
    "IB_SERVICE",
    "IB_VERSION",
    "IB_AMOUNT",
    "IB_CURR",
    "IB_NAME",
    "IB_PAYMENT_ID",
    "IB_PAYMENT_DESC",
];

const ANSWER_0003: &[&str] = &[
    "IB_SND_ID",
    "IB_SERVICE",
    "IB_VERSION",
    "IB_PAYMENT_ID",
    "IB_AMOUNT",
    "IB_CURR",
    "IB_REC_ID",
    "IB_REC_ACC",
    "IB_REC_NAME",
    "IB_PAYER_ACC",
    "IB_PAYER_NAME",
    "IB_PAYMENT_DESC",
    "IB_PAYMENT_DATE",
    "IB_PAYMENT_TIME",
];

const ANSWER_0004: &[&str] = &[
    "IB_SND_ID",
    "IB_SERVICE",
    "IB_VERSION",
    "IB_REC_ID",
    "IB_PAYMENT_ID",
    "IB_PAYMENT_DESC",
    "IB_FROM_SERVER",
    "IB_STATUS",
];

/// The signed fields of a service, in signature order.
pub fn signed_fields(service: &str) -> Option<&'static [&'static str]> {
    match service {
        SERVICE_REQUEST => Some(REQUEST_0002),
        SERVICE_ACCEPTED => Some(ANSWER_0003),
        SERVICE_STATUS => Some(ANSWER_0004),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The attempt id in IB_PAYMENT_ID (20 letters and digits) and the end of
// IB_PAYMENT_DESC: both are signed in every answer, and no other field is.
// The 128 bits are written as 22 base-62 digits (0-9, A-Z, a-z; 62^22 >
// 2^128), the first 20 in IB_PAYMENT_ID, the last two at the end of the
// description after " /".

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGITS: usize = 22;
const ID_DIGITS: usize = 20;
/// What the description carries after the purpose.
const TAG_PREFIX: &str = " /";

/// `(IB_PAYMENT_ID, the description's tail)` of an attempt.
pub fn split_attempt(attempt: AttemptId) -> (String, String) {
    let mut value = attempt.as_uuid().as_u128();
    let mut digits = [b'0'; DIGITS];
    for slot in digits.iter_mut().rev() {
        let rest = value.checked_rem(62).unwrap_or(0);
        *slot = BASE62
            .get(usize::try_from(rest).unwrap_or(0))
            .copied()
            .unwrap_or(b'0');
        value = value.checked_div(62).unwrap_or(0);
    }
    let text: String = digits.iter().map(|&b| char::from(b)).collect();
    let (id, tail) = text.split_at(ID_DIGITS);
    (id.to_owned(), format!("{TAG_PREFIX}{tail}"))
}

/// The attempt an `IB_PAYMENT_ID` and `IB_PAYMENT_DESC` name.
pub fn join_attempt(payment_id: &str, description: &str) -> Option<AttemptId> {
    if payment_id.len() != ID_DIGITS {
        return None;
    }
    let tag_chars = TAG_PREFIX
        .len()
        .checked_add(DIGITS.checked_sub(ID_DIGITS)?)?;
    let (start, _) = description
        .char_indices()
        .rev()
        .nth(tag_chars.checked_sub(1)?)?;
    let tag = description.get(start..)?;
    let tail = tag.strip_prefix(TAG_PREFIX)?;
    let mut value: u128 = 0;
    for b in payment_id.bytes().chain(tail.bytes()) {
        let digit = BASE62.iter().position(|&d| d == b)?;
        value = value
            .checked_mul(62)?
            .checked_add(u128::try_from(digit).ok()?)?;
    }
    AttemptId::parse(&format!("{value:032x}"))
}

/// `12.34`, `12,34`, `12.3` or `12` as cents: what the bank's `IB_AMOUNT`
/// may look like (`\d+([.,]\d{0,2})?`), read without floats.
pub fn parse_amount(text: &str) -> Option<Amount> {
    if text.len() > 17 {
        return None;
    }
    let (whole, cents) = match text.find(['.', ',']) {
        Some(at) => (text.get(..at)?, text.get(at.checked_add(1)?..)?),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || cents.len() > 2 || !digits(cents) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = match cents.len() {
        0 => 0,
        1 => cents.parse::<i64>().ok()?.checked_mul(10)?,
        _ => cents.parse().ok()?,
    };
    Amount::from_minor(whole.checked_mul(100)?.checked_add(cents)?).ok()
}

// ---------------------------------------------------------------------------
// The hub's side.

/// SEB e-Link's settings at the hub.
#[derive(Debug, Clone)]
pub struct SebElinkConfig {
    pub code: ProviderCode,
    /// `IB_SND_ID` of our requests, `IB_REC_ID` of the bank's answers.
    pub merchant_id: String,
    pub hub_key: RsaKey,
    pub bank_keys: TrustedKeys,
    /// Where the payer's browser takes the request
    /// (`https://ibanka.seb.lv/ipc/epakindex.jsp`).
    pub bank_url: String,
    /// The bank's `IB_SND_ID`, checked on answers when set (`SEBUB`).
    pub bank_id: Option<String>,
}

impl SebElinkConfig {
    pub fn new(
        code: ProviderCode,
        merchant_id: impl Into<String>,
        hub_key: RsaKey,
        bank_keys: TrustedKeys,
        bank_url: impl Into<String>,
    ) -> SebElinkConfig {
        SebElinkConfig {
            code,
            merchant_id: merchant_id.into(),
            hub_key,
            bank_keys,
            bank_url: bank_url.into(),
            bank_id: Some(BANK_ID.to_owned()),
        }
    }
}

/// The hub's SEB e-Link connector.
pub struct SebElinkConnector {
    config: SebElinkConfig,
}

impl SebElinkConnector {
    pub fn new(config: SebElinkConfig) -> SebElinkConnector {
        SebElinkConnector { config }
    }

    /// The signed 0002 request the payer's browser takes to the bank.
    pub fn request_fields(
        &self,
        order: &PaymentOrder,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let (payment_id, tail) = split_attempt(order.attempt);
        let purpose: String = bank_text(&order.purpose)
            .chars()
            .take(PURPOSE_LIMIT)
            .collect();
        let name: String = bank_text(&order.payee_name).chars().take(30).collect();
        let language = if order.language == "ENG" {
            "ENG"
        } else {
            "LAT"
        };
        let mut fields: Vec<(String, String)> = vec![
            ("IB_SND_ID".into(), self.config.merchant_id.clone()),
            ("IB_SERVICE".into(), SERVICE_REQUEST.into()),
            ("IB_VERSION".into(), VERSION.into()),
            ("IB_AMOUNT".into(), vk::format_amount(order.amount)),
            ("IB_CURR".into(), order.currency.as_str().into()),
            ("IB_NAME".into(), name),
            ("IB_PAYMENT_ID".into(), payment_id),
            ("IB_PAYMENT_DESC".into(), format!("{purpose}{tail}")),
        ];
        let crc = banklink::sign(&self.config.hub_key, DIGEST, REQUEST_0002, &fields)?;
        fields.push(("IB_CRC".into(), crc));
        fields.push(("IB_FEEDBACK".into(), order.return_url.clone()));
        fields.push(("IB_LANG".into(), language.into()));
        Ok(fields)
    }

    /// Verifies and reads an answer; `server` when it came as the bank's
    /// server message.
    pub fn read_answer<F: Fields + ?Sized>(
        &self,
        fields: &F,
        server: bool,
    ) -> Result<Verified, ProviderError> {
        let service = vk::required(fields, "IB_SERVICE")?;
        let names = match service {
            SERVICE_ACCEPTED => ANSWER_0003,
            SERVICE_STATUS => ANSWER_0004,
            other => {
                return Err(ProviderError::Malformed(format!(
                    "unknown IB_SERVICE {}",
                    vk::quoted(other)
                )));
            }
        };
        vk::expect_value(fields, "IB_VERSION", VERSION)?;
        banklink::verify(&self.config.bank_keys, DIGEST, names, fields, "IB_CRC")?;
        vk::expect_value(fields, "IB_REC_ID", &self.config.merchant_id)?;
        if let Some(bank_id) = &self.config.bank_id {
            vk::expect_value(fields, "IB_SND_ID", bank_id)?;
        }
        // IB_FROM_SERVER is signed in 0004 only; it routes, it decides nothing.
        match (fields.field("IB_FROM_SERVER"), server) {
            (Some("Y"), _) | (Some("N") | None, false) => {}
            (other, _) => {
                return Err(ProviderError::Malformed(format!(
                    "IB_FROM_SERVER {} on a {}",
                    vk::quoted(other.unwrap_or_default()),
                    if server {
                        "server message"
                    } else {
                        "browser return"
                    }
                )));
            }
        }
        let payment_id = banklink::bounded(fields, "IB_PAYMENT_ID", 20)?;
        let description = banklink::bounded(fields, "IB_PAYMENT_DESC", DESCRIPTION_LIMIT)?;
        let attempt = join_attempt(payment_id, description).ok_or_else(|| {
            ProviderError::Malformed(format!(
                "IB_PAYMENT_ID {} with IB_PAYMENT_DESC {} is not one of our attempts",
                vk::quoted(payment_id),
                vk::quoted(description)
            ))
        })?;
        if service == SERVICE_STATUS {
            let status = vk::required(fields, "IB_STATUS")?;
            let outcome = match status {
                STATUS_ACCOMPLISHED => Outcome::Executed,
                // Some of the bank's documents spell it with one L.
                STATUS_CANCELLED | "CANCELED" => Outcome::Rejected,
                other => {
                    return Err(ProviderError::Malformed(format!(
                        "IB_STATUS {} is neither ACCOMPLISHED nor CANCELLED",
                        vk::quoted(other)
                    )));
                }
            };
            return Ok(Verified::Outcome(AttemptOutcome {
                attempt,
                outcome,
                external_id: None,
                at: None,
                evidence: None,
            }));
        }
        let amount = vk::parsed(fields, "IB_AMOUNT", "an amount", parse_amount)?;
        let currency = vk::parsed(fields, "IB_CURR", "a currency", Currency::parse)?;
        let date = vk::parsed(
            fields,
            "IB_PAYMENT_DATE",
            "DD.MM.YYYY",
            banklink::parse_dotted_date,
        )?;
        let clock = vk::parsed(fields, "IB_PAYMENT_TIME", "HH:MM:SS", banklink::parse_clock)?;
        Ok(Verified::Message(ProviderMessage {
            attempt,
            outcome: Outcome::Accepted,
            amount,
            currency,
            external_id: None,
            at: Some(banklink::riga_instant(date, clock)),
            evidence: None,
        }))
    }
}

#[async_trait]
impl Connector for SebElinkConnector {
    fn code(&self) -> &ProviderCode {
        &self.config.code
    }

    fn purpose_limit(&self) -> Option<usize> {
        Some(PURPOSE_LIMIT)
    }

    fn clean_purpose(&self, text: &str) -> String {
        bank_text(text)
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        Ok(Handoff::Form {
            action: self.config.bank_url.clone(),
            method: "POST",
            fields: self.request_fields(order)?,
        }
        .into())
    }

    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read_answer(incoming, false)
    }

    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read_answer(incoming, true)
    }

    /// e-Link has no status query: the bank repeats its server message for
    /// 24 hours until the hub answers 200.
    async fn query(&self, _attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        Ok(None)
    }
}

// ---------------------------------------------------------------------------
// The bank's side.

/// The simulated SEB e-Link bank.
pub struct SebElinkBank {
    bank_key: RsaKey,
    hub_keys: TrustedKeys,
    /// The agreement's address for server messages.
    notify_url: String,
}

impl SebElinkBank {
    pub fn new(bank_key: RsaKey, hub_keys: TrustedKeys, notify_url: impl Into<String>) -> Self {
        SebElinkBank {
            bank_key,
            hub_keys,
            notify_url: notify_url.into(),
        }
    }

    fn answer(
        &self,
        order: &SimOrder,
        state: &SimState,
        from_server: bool,
    ) -> Result<Vec<(String, String)>, String> {
        let accepted =
            state.decision == Decision::Approve && !(from_server && state.executed_at.is_some());
        let status = match state.decision {
            Decision::Approve => STATUS_ACCOMPLISHED,
            Decision::Reject | Decision::Cancel => STATUS_CANCELLED,
        };
        let (service, names) = if accepted {
            (SERVICE_ACCEPTED, ANSWER_0003)
        } else {
            (SERVICE_STATUS, ANSWER_0004)
        };
        let riga = UtcOffset::from_hms(2, 0, 0).unwrap_or(UtcOffset::UTC);
        let at = state.decided_at.to_offset(riga);
        let echoed = |name: &str| order.echoed(name).unwrap_or_default().to_owned();
        let mut fields: Vec<(String, String)> = Vec::new();
        for &name in names {
            let value = match name {
                "IB_SND_ID" => BANK_ID.to_owned(),
                "IB_SERVICE" => service.to_owned(),
                "IB_VERSION" => VERSION.to_owned(),
                "IB_PAYMENT_ID" => order.reference.clone(),
                "IB_AMOUNT" => vk::format_amount(order.amount),
                "IB_CURR" => order.currency.as_str().to_owned(),
                "IB_REC_ID" => echoed("IB_SND_ID"),
                "IB_REC_ACC" => order.payee_account.clone(),
                "IB_REC_NAME" => order.payee_name.clone(),
                "IB_PAYER_ACC" => "LV37UNLA0050000000001".to_owned(),
                "IB_PAYER_NAME" => "JĀNIS PARAUGS".to_owned(),
                "IB_PAYMENT_DESC" => order.description.clone(),
                "IB_PAYMENT_DATE" => banklink::format_dotted_date(at.date()),
                "IB_PAYMENT_TIME" => banklink::format_clock(at.time()),
                "IB_FROM_SERVER" => if from_server { "Y" } else { "N" }.to_owned(),
                "IB_STATUS" => status.to_owned(),
                _ => String::new(),
            };
            fields.push((name.to_owned(), value));
        }
        let crc =
            banklink::sign(&self.bank_key, DIGEST, names, &fields).map_err(|e| e.to_string())?;
        fields.push(("IB_CRC".into(), crc));
        fields.push((
            "IB_LANG".into(),
            if order.english { "ENG" } else { "LAT" }.into(),
        ));
        if service == SERVICE_ACCEPTED {
            fields.push((
                "IB_FROM_SERVER".into(),
                if from_server { "Y" } else { "N" }.into(),
            ));
        }
        Ok(fields)
    }
}

impl SimProtocol for SebElinkBank {
    fn bank_name(&self) -> &'static str {
        "SEB banka (e-Link, simulators)"
    }

    fn payment_request(&self, incoming: &Incoming) -> Result<SimOrder, String> {
        let fields = incoming;
        vk::expect_value(fields, "IB_SERVICE", SERVICE_REQUEST).map_err(|e| e.to_string())?;
        vk::expect_value(fields, "IB_VERSION", VERSION).map_err(|e| e.to_string())?;
        banklink::verify(&self.hub_keys, DIGEST, REQUEST_0002, fields, "IB_CRC")
            .map_err(|e| e.to_string())?;
        let text = |name: &str, max: usize| -> Result<String, String> {
            banklink::bounded(fields, name, max)
                .map(str::to_owned)
                .map_err(|e| e.to_string())
        };
        let payment_id = text("IB_PAYMENT_ID", 20)?;
        if payment_id.is_empty() || !payment_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("IB_PAYMENT_ID {}", vk::quoted(&payment_id)));
        }
        let amount_text = text("IB_AMOUNT", 17)?;
        let amount = parse_amount(&amount_text)
            .filter(|a| a.minor() > 0)
            .ok_or_else(|| format!("IB_AMOUNT {}", vk::quoted(&amount_text)))?;
        let currency_text = text("IB_CURR", 3)?;
        let currency = Currency::parse(&currency_text)
            .ok_or_else(|| format!("IB_CURR {}", vk::quoted(&currency_text)))?;
        let description = text("IB_PAYMENT_DESC", DESCRIPTION_LIMIT)?;
        let feedback = text("IB_FEEDBACK", 255)?;
        if !feedback.starts_with("http://") && !feedback.starts_with("https://") {
            return Err(format!("IB_FEEDBACK {}", vk::quoted(&feedback)));
        }
        Ok(SimOrder {
            reference: payment_id,
            amount,
            currency,
            payee_account: "LV74UNLA0055000000001".to_owned(),
            payee_name: text("IB_NAME", 30)?,
            description,
            return_url: feedback,
            notify_url: Some(self.notify_url.clone()),
            english: fields.field("IB_LANG") == Some("ENG"),
            echo: vec![("IB_SND_ID".to_owned(), text("IB_SND_ID", 10)?)],
        })
    }

    /// 0003 for an approved payment (accepted for processing), 0004
    /// `CANCELLED` for a rejected or cancelled one.
    fn browser_return(&self, order: &SimOrder, state: &SimState) -> Result<BrowserReturn, String> {
        Ok(BrowserReturn {
            method: "POST",
            action: order.return_url.clone(),
            fields: self.answer(order, state, false)?,
        })
    }

    /// 0003 while an approved payment is processed, 0004 `ACCOMPLISHED` once
    /// executed, 0004 `CANCELLED` otherwise; POSTed to the agreement's address.
    fn server_message(
        &self,
        order: &SimOrder,
        state: &SimState,
    ) -> Result<Option<WireMessage>, String> {
        let fields = self.answer(order, state, true)?;
        let url = order
            .notify_url
            .clone()
            .unwrap_or_else(|| self.notify_url.clone());
        Ok(Some(
            BrowserReturn {
                method: "POST",
                action: url,
                fields,
            }
            .as_wire(),
        ))
    }

    /// Every 30 minutes for 24 hours.
    fn retry_schedule(&self) -> Vec<Duration> {
        vec![Duration::from_secs(30 * 60); 48]
    }
}

/// The bank's signature of an answer (tests, fuzzing): the fields its
/// `IB_SERVICE` signs. `None` when the service is unknown or a signed field
/// is missing.
pub fn sign_answer(bank_key: &RsaKey, fields: &[(String, String)]) -> Option<String> {
    let names = signed_fields(fields.field("IB_SERVICE")?)?;
    banklink::sign(bank_key, DIGEST, names, fields).ok()
}

/// Reads a form body as a browser return (`server` false) or a server
/// message: what a fuzz target calls.
pub fn read_form(
    connector: &SebElinkConnector,
    body: &[u8],
    server: bool,
) -> Result<Verified, ProviderError> {
    let fields = vk::decode_form(body);
    connector.read_answer(fields.as_slice(), server)
}

/// The hub's id at the simulated bank.
pub const SANDBOX_MERCHANT_ID: &str = "MAKSA";

/// Key files in the sandbox's directory.
pub const BANK_KEY_FILE: &str = "seb_elink-bank.key";
pub const HUB_KEY_FILE: &str = "seb_elink-hub.key";

/// The connector and the simulated bank wired to each other; keys are loaded
/// from (or created in) `dir`; payers are sent to `{bank_base_url}/pay`; the
/// bank's server messages go to `{hub_base_url}/providers/{code}/notify`.
pub fn sandbox(
    dir: &Path,
    code: ProviderCode,
    bank_base_url: &str,
    hub_base_url: &str,
) -> std::io::Result<Sandbox> {
    let bank_key = RsaKey::load_or_create(&dir.join(BANK_KEY_FILE))?;
    let hub_key = RsaKey::load_or_create(&dir.join(HUB_KEY_FILE))?;
    let base = bank_base_url.trim_end_matches('/');
    let hub = hub_base_url.trim_end_matches('/');
    let config = SebElinkConfig::new(
        code.clone(),
        SANDBOX_MERCHANT_ID,
        hub_key.clone(),
        TrustedKeys::new(vec![bank_key.public()])?,
        format!("{base}/pay"),
    );
    let protocol = SebElinkBank::new(
        bank_key,
        TrustedKeys::new(vec![hub_key.public()])?,
        format!("{hub}/providers/{}/notify", code.as_str()),
    );
    Ok(Sandbox {
        connector: Arc::new(SebElinkConnector::new(config)),
        simulator: Simulator::new(Arc::new(protocol), base, hub_base_url),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_attempt_survives_the_payment_id_and_the_description_tail() {
        for bytes in [[0u8; 16], [0xff; 16], [0x3c; 16]] {
            let id = AttemptId::from_random(bytes);
            let (payment_id, tail) = split_attempt(id);
            assert_eq!(payment_id.len(), 20);
            assert!(payment_id.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(tail.chars().count(), 4);
            let description = format!("RF0123456789ABCDEFGHIJKLMNOPQRSTUV Rūķītis{tail}");
            assert_eq!(join_attempt(&payment_id, &description), Some(id));
            assert_eq!(join_attempt(&payment_id, "RF01 Rūķītis"), None);
            assert_eq!(join_attempt(&payment_id[1..], &description), None);
        }
        let max = AttemptId::parse("ffffffffffffffffffffffffffffffff").unwrap();
        let (payment_id, tail) = split_attempt(max);
        assert_eq!(join_attempt(&payment_id, &tail), Some(max));
        // Beyond 2^128 is nobody's.
        assert_eq!(join_attempt("zzzzzzzzzzzzzzzzzzzz", " /zz"), None);
        assert_eq!(join_attempt("zzzzzzzzzzzzzzzzzzzz", "ā"), None);
    }

    #[test]
    fn the_banks_amounts_are_read_in_their_spellings() {
        assert_eq!(parse_amount("12.34").unwrap().minor(), 1234);
        assert_eq!(parse_amount("12,34").unwrap().minor(), 1234);
        assert_eq!(parse_amount("12.3").unwrap().minor(), 1230);
        assert_eq!(parse_amount("12").unwrap().minor(), 1200);
        assert_eq!(parse_amount("0.05").unwrap().minor(), 5);
        for bad in ["", ".5", "1.234", "-1", "1e3", "1 000", "99999999999999999"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_request_matches_the_banks_published_example_signature_data() {
        // SEB banka's own signing example (2011): the signature data of its
        // 0002 request, lengths counted in characters.
        let fields: Vec<(String, String)> = [
            ("IB_SND_ID", "RUKITIS"),
            ("IB_SERVICE", "0002"),
            ("IB_VERSION", "001"),
            ("IB_AMOUNT", "12.34"),
            ("IB_CURR", "LVL"),
            ("IB_NAME", "SIA Rūķītis"),
            ("IB_PAYMENT_ID", "RUKIS00000000265"),
            ("IB_PAYMENT_DESC", "Maksa par rūķīšu pakalpojumiem."),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            vk::mac_data(REQUEST_0002, &fields).unwrap(),
            "007RUKITIS004000200300100512.34003LVL011SIA Rūķītis016RUKIS00000000265\
             031Maksa par rūķīšu pakalpojumiem."
        );
    }

    fn connector_with(hub: &RsaKey, bank: &RsaKey) -> SebElinkConnector {
        SebElinkConnector::new(SebElinkConfig::new(
            ProviderCode::parse("UNLALV2X").unwrap(),
            "MAKSA",
            hub.clone(),
            TrustedKeys::new(vec![bank.public()]).unwrap(),
            "https://ibanka.seb.lv/ipc/epakindex.jsp",
        ))
    }

    fn order() -> PaymentOrder {
        PaymentOrder {
            attempt: AttemptId::from_random([4; 16]),
            amount: Amount::from_minor(995).unwrap(),
            currency: Currency::EUR,
            purpose: "RF0123456789ABCDEFGHIJKLMNOPQRSTUV Nodeva".into(),
            payee_name: "Valsts kase".into(),
            payee_iban: "LV71TREL916021001000B".into(),
            return_url: "https://hub.example/providers/UNLALV2X/return?language=LAT".into(),
            notify_url: "https://hub.example/providers/UNLALV2X/notify".into(),
            language: "LAT",
            payer_ip: None,
        }
    }

    #[test]
    fn a_0002_request_carries_the_attempt_and_verifies_with_the_hub_key() {
        let hub = RsaKey::generate().unwrap();
        let bank = RsaKey::generate().unwrap();
        let c = connector_with(&hub, &bank);
        let fields = c.request_fields(&order()).unwrap();
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "IB_SND_ID",
                "IB_SERVICE",
                "IB_VERSION",
                "IB_AMOUNT",
                "IB_CURR",
                "IB_NAME",
                "IB_PAYMENT_ID",
                "IB_PAYMENT_DESC",
                "IB_CRC",
                "IB_FEEDBACK",
                "IB_LANG"
            ]
        );
        let description = fields.field("IB_PAYMENT_DESC").unwrap();
        assert!(description.starts_with("RF0123456789ABCDEFGHIJKLMNOPQRSTUV Nodeva /"));
        assert_eq!(
            join_attempt(fields.field("IB_PAYMENT_ID").unwrap(), description),
            Some(order().attempt)
        );
        let hub_keys = TrustedKeys::new(vec![hub.public()]).unwrap();
        banklink::verify(&hub_keys, DIGEST, REQUEST_0002, &fields, "IB_CRC").unwrap();
        // A purpose at the limit still leaves room for the tail.
        let mut long = order();
        long.purpose = "x".repeat(200);
        let fields = c.request_fields(&long).unwrap();
        assert_eq!(
            fields.field("IB_PAYMENT_DESC").unwrap().chars().count(),
            DESCRIPTION_LIMIT
        );
    }

    #[test]
    fn known_answer_against_the_openssl_command_line() {
        let hub = RsaKey::generate().unwrap();
        let bank = RsaKey::generate().unwrap();
        let c = connector_with(&hub, &bank);
        let fields = c.request_fields(&order()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("key.pem");
        std::fs::write(&key_path, hub.private_pem().unwrap()).unwrap();
        let data_path = dir.path().join("data");
        std::fs::write(&data_path, vk::mac_data(REQUEST_0002, &fields).unwrap()).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["dgst", "-sha1", "-sign"])
            .arg(&key_path)
            .arg(&data_path)
            .output()
            .expect("the openssl command line is needed for this test");
        assert!(out.status.success());
        use base64::Engine as _;
        let ours = base64::engine::general_purpose::STANDARD
            .decode(fields.field("IB_CRC").unwrap())
            .unwrap();
        assert_eq!(ours, out.stdout);
    }

    #[test]
    fn server_messages_are_repeated_every_30_minutes_for_24_hours() {
        let bank = RsaKey::generate().unwrap();
        let sim = SebElinkBank::new(
            bank.clone(),
            TrustedKeys::new(vec![bank.public()]).unwrap(),
            "http://hub/notify",
        );
        let schedule = sim.retry_schedule();
        assert_eq!(schedule.len(), 48);
        assert!(schedule.iter().all(|d| *d == Duration::from_secs(1800)));
        assert_eq!(
            schedule.iter().sum::<Duration>(),
            Duration::from_secs(24 * 3600)
        );
    }
}
