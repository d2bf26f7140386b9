//! **PARXLV22, Citadele banka's Digi::Link** (the "Amai" interface): the
//! hub-side connector and the bank's simulator. `docs/providers/citadele.md`
//! describes the wire format, its sources and the decisions taken here.
//!
//! In short: the hub signs a FIDAVISTA `PMTREQ` document (XML-DSig, enveloped,
//! C14N 1.0, RSA-SHA256) that the payer's browser posts to the bank in the
//! form field `xmldata`; the bank answers with a signed `PMTRESP` through the
//! browser (to the request's `ReturnURL`) and a signed `PMTSTATRESP` server to
//! server (to an address configured at the bank for the merchant), retried
//! until the hub takes it.
//!
//! Neither answer carries the amount: they name the payment (`RequestUID`,
//! `ExtId`) whose amount the hub signed and the bank checked. So the
//! connector answers a verified message with [`Verified::Outcome`], which
//! the payer service reads with the attempt's own amount and currency.
//! Digi::Link has no status query: `query` answers `Ok(None)` (the hub waits
//! for the bank's status message).

pub mod c14n;
pub mod dsig;
pub mod message;
mod sim;
pub mod xml;

pub use sim::CitadeleSimulator;

use crate::rsa_keys::{RsaKey, TrustedKeys};
use crate::sim::{Sandbox, Simulator};
use async_trait::async_trait;
use dsig::DsigError;
use maksa_app::providers::{
    AttemptOutcome, Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage,
    Started, Verified,
};
use maksa_domain::attempt::{Attempt, AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use message::{Answer, PaymentRequest};
use std::path::Path;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Citadele's provider code (its BIC).
pub const CITADELE_CODE: &str = "PARXLV22";
pub const BANK_KEY_FILE: &str = "citadele-bank.key";
pub const HUB_KEY_FILE: &str = "citadele-hub.key";
/// The production address of payment requests.
pub const PRODUCTION_URL: &str = "https://online.citadele.lv/amai/start.htm";
/// The simulator's merchant (contract) id, the bank's test contract's number.
pub const SANDBOX_MERCHANT_ID: &str = "10000";
const SANDBOX_LEGAL_ID: &str = "40000000000";
/// A message's `Timestamp` may differ this much from our clock.
pub const MAX_SKEW: Duration = Duration::minutes(15);
/// A status message is retried hourly for three days: one that old is still
/// the bank's (a replay of it repeats what the hub already knows).
pub const MAX_STATUS_AGE: Duration = Duration::days(4);
/// The bank takes payments of at most 50 000.00.
pub const MAX_AMOUNT_MINOR: i64 = 5_000_000;
/// `PmtInfo`: the length of a SEPA remittance text.
pub const PURPOSE_CHARS: usize = 140;
/// `BenName` is cut to this.
pub const PAYEE_NAME_CHARS: usize = 70;
/// The connector's configuration.
#[derive(Debug, Clone)]
pub struct CitadeleConfig {
    pub code: ProviderCode,
    /// `From`: the contract id the bank gave the hub.
    pub merchant_id: String,
    /// `BenLegalId`: the payee's registration number (13 characters at most).
    pub payee_legal_id: String,
    pub hub_key: RsaKey,
    /// The hub's certificate (PEM), sent in `KeyInfo` when set.
    pub hub_certificate: Option<String>,
    /// The bank's certificate(s).
    pub bank_keys: TrustedKeys,
    /// Where the payer's browser posts the request ([`PRODUCTION_URL`]).
    pub pay_url: String,
}

impl CitadeleConfig {
    pub fn new(
        code: ProviderCode,
        merchant_id: impl Into<String>,
        payee_legal_id: impl Into<String>,
        hub_key: RsaKey,
        bank_keys: TrustedKeys,
        pay_url: impl Into<String>,
    ) -> Self {
        CitadeleConfig {
            code,
            merchant_id: merchant_id.into(),
            payee_legal_id: payee_legal_id.into(),
            hub_key,
            hub_certificate: None,
            bank_keys,
            pay_url: pay_url.into(),
        }
    }
}

/// A verified answer of the bank, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub attempt: AttemptId,
    pub outcome: Outcome,
    pub at: OffsetDateTime,
    /// `PMTRESP` or `PMTSTATRESP`.
    pub request: &'static str,
    /// The bank's code (`100`/`200`/`300`, `E`/`R`) and, for 300, its message.
    pub code: String,
    pub reason: Option<String>,
}

impl Verdict {
    /// The port's view: a signed outcome of the attempt, whose amount and
    /// currency are the attempt's own (the answers do not repeat them).
    pub fn verified(self) -> Verified {
        Verified::Outcome(AttemptOutcome {
            attempt: self.attempt,
            outcome: self.outcome,
            external_id: None,
            at: Some(self.at),
            evidence: None,
        })
    }
}

impl From<DsigError> for ProviderError {
    fn from(value: DsigError) -> Self {
        match value {
            DsigError::Malformed(m) => ProviderError::Malformed(m),
            DsigError::BadSignature(m) => ProviderError::BadSignature(m),
        }
    }
}

/// The attempt id of a `RequestUID` or `ExtId`: exactly what
/// [`AttemptId::simple`] writes, 32 lower-case hex digits.
pub fn parse_reference(text: &str) -> Option<AttemptId> {
    let simple = text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if simple { AttemptId::parse(text) } else { None }
}

/// Verifies and reads one `xmldata` value: the entry point for fuzzing.
/// Everything that decides the verdict is read from the verified tree.
pub fn read_answer(
    xmldata: &[u8],
    bank_keys: &TrustedKeys,
    merchant_id: &str,
    now: OffsetDateTime,
) -> Result<Verdict, ProviderError> {
    let root = dsig::verify(xmldata, bank_keys)?;
    let answer = Answer::read(&root).map_err(ProviderError::Malformed)?;
    if answer.from() != merchant_id {
        return Err(ProviderError::Malformed(format!(
            "From {} is not our contract",
            crate::vk::quoted(answer.from())
        )));
    }
    let at = message::parse_timestamp(answer.timestamp()).ok_or_else(|| {
        ProviderError::Malformed(format!(
            "Timestamp {} is not YYYYMMDDHHMMSSsss",
            crate::vk::quoted(answer.timestamp())
        ))
    })?;
    let oldest = match answer {
        Answer::Response { .. } => MAX_SKEW,
        Answer::Status { .. } => MAX_STATUS_AGE,
    };
    if at > now.saturating_add(MAX_SKEW) || at < now.saturating_sub(oldest) {
        return Err(ProviderError::Malformed(format!(
            "Timestamp {} is too far from our clock",
            crate::vk::quoted(answer.timestamp())
        )));
    }
    let reference = |text: &str, name: &str| {
        parse_reference(text).ok_or_else(|| {
            ProviderError::Malformed(format!("{name} {} is not ours", crate::vk::quoted(text)))
        })
    };
    let unknown = |name: &str, code: &str| {
        ProviderError::Malformed(format!("{name} {} is not known", crate::vk::quoted(code)))
    };
    Ok(match answer {
        Answer::Response {
            request_uid,
            code,
            message,
            ..
        } => {
            let outcome = match code.as_str() {
                "100" => Outcome::Accepted,
                "200" | "300" => Outcome::Rejected,
                other => return Err(unknown("Code", other)),
            };
            Verdict {
                attempt: reference(&request_uid, "RequestUID")?,
                outcome,
                at,
                request: message::PMTRESP,
                reason: message
                    .filter(|_| code == "300")
                    .map(|m| crate::vk::quoted(&m)),
                code,
            }
        }
        Answer::Status {
            ext_id, stat_code, ..
        } => {
            let outcome = match stat_code.as_str() {
                "E" => Outcome::Executed,
                "R" => Outcome::Rejected,
                other => return Err(unknown("StatCode", other)),
            };
            Verdict {
                attempt: reference(&ext_id, "ExtId")?,
                outcome,
                at,
                request: message::PMTSTATRESP,
                code: stat_code,
                reason: None,
            }
        }
    })
}

/// The PARXLV22 connector.
pub struct CitadeleConnector {
    config: CitadeleConfig,
}

impl CitadeleConnector {
    pub fn new(config: CitadeleConfig) -> Self {
        CitadeleConnector { config }
    }

    /// Verifies and reads the `xmldata` of a message (either answer, by either
    /// channel: the bank may post its status to the return address too).
    pub fn receive(&self, incoming: &Incoming) -> Result<Verdict, ProviderError> {
        let xmldata = incoming
            .field("xmldata")
            .ok_or_else(|| ProviderError::Malformed("xmldata is missing".into()))?;
        read_answer(
            xmldata.as_bytes(),
            &self.config.bank_keys,
            &self.config.merchant_id,
            OffsetDateTime::now_utc(),
        )
    }
}

/// Only what Digi::Link's `PmtInfo` and `BenName` allow: Latin and Latvian
/// letters, digits and `( ) + . / : - ’ ,` and space; anything else becomes
/// a space (an apostrophe becomes `’`), so the length never changes.
pub fn clean_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' => c,
            'Ā' | 'Č' | 'Ē' | 'Ģ' | 'Ī' | 'Ķ' | 'Ļ' | 'Ņ' | 'Š' | 'Ū' | 'Ž' => c,
            'ā' | 'č' | 'ē' | 'ģ' | 'ī' | 'ķ' | 'ļ' | 'ņ' | 'š' | 'ū' | 'ž' => c,
            '(' | ')' | '+' | '.' | '/' | ':' | '-' | '’' | ',' | ' ' => c,
            '\'' => '’',
            _ => ' ',
        })
        .collect()
}

#[async_trait]
impl Connector for CitadeleConnector {
    fn code(&self) -> &ProviderCode {
        &self.config.code
    }

    fn purpose_limit(&self) -> Option<usize> {
        Some(PURPOSE_CHARS)
    }

    fn clean_purpose(&self, text: &str) -> String {
        clean_text(text)
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        if order.amount.minor() > MAX_AMOUNT_MINOR {
            return Err(ProviderError::Malformed(
                "Digi::Link takes payments of at most 50 000.00".into(),
            ));
        }
        let reference = order.attempt.simple();
        let request = PaymentRequest {
            timestamp: message::format_timestamp(OffsetDateTime::now_utc()),
            from: self.config.merchant_id.clone(),
            request_uid: reference.clone(),
            language: if order.language == "ENG" { "EN" } else { "LV" }.into(),
            return_url: order.return_url.clone(),
            doc_no: reference.chars().take(10).collect(),
            ext_id: reference,
            currency: order.currency.as_str().to_owned(),
            purpose: clean_text(&order.purpose)
                .chars()
                .take(PURPOSE_CHARS)
                .collect(),
            amount: crate::vk::format_amount(order.amount),
            payee_account: order.payee_iban.clone(),
            payee_name: clean_text(&order.payee_name)
                .chars()
                .take(PAYEE_NAME_CHARS)
                .collect(),
            payee_legal_id: self.config.payee_legal_id.clone(),
            payee_country: "LV".into(),
        };
        let signed = dsig::sign(
            &request.unsigned(),
            &self.config.hub_key,
            self.config.hub_certificate.as_deref(),
        )
        .map_err(ProviderError::Malformed)?;
        Ok(Handoff::Form {
            action: self.config.pay_url.clone(),
            method: "POST",
            fields: vec![("xmldata".into(), signed)],
        }
        .into())
    }

    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.receive(incoming).map(Verdict::verified)
    }

    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.receive(incoming).map(Verdict::verified)
    }

    /// Digi::Link has no status query: the hub waits for the bank's status
    /// message (retried hourly for days).
    async fn query(&self, _attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        Ok(None)
    }
}

/// The simulated bank and a connector wired to it; keys are loaded from (or
/// created in) `dir` as [`BANK_KEY_FILE`] and [`HUB_KEY_FILE`].
pub fn sandbox(
    dir: &Path,
    code: ProviderCode,
    bank_base_url: &str,
    hub_base_url: &str,
) -> std::io::Result<Sandbox> {
    let bank_key = RsaKey::load_or_create(&dir.join(BANK_KEY_FILE))?;
    let hub_key = RsaKey::load_or_create(&dir.join(HUB_KEY_FILE))?;
    let bank_base = bank_base_url.trim_end_matches('/');
    let hub_base = hub_base_url.trim_end_matches('/');
    let hub_certificate = hub_key.self_signed_certificate("maksa (Citadele simulator)")?;
    let bank_certificate = bank_key.self_signed_certificate("AMAI (Citadele simulator)")?;
    let protocol = CitadeleSimulator::new(
        bank_key.clone(),
        bank_certificate,
        TrustedKeys::new(vec![hub_key.public()])?,
        SANDBOX_MERCHANT_ID,
        format!("{hub_base}/providers/{}/notify", code.as_str()),
    );
    let mut config = CitadeleConfig::new(
        code,
        SANDBOX_MERCHANT_ID,
        SANDBOX_LEGAL_ID,
        hub_key,
        TrustedKeys::new(vec![bank_key.public()])?,
        format!("{bank_base}/pay"),
    );
    config.hub_certificate = Some(hub_certificate);
    Ok(Sandbox {
        connector: Arc::new(CitadeleConnector::new(config)),
        simulator: Simulator::new(Arc::new(protocol), bank_base, hub_base),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn references_are_32_lower_case_hex_digits() {
        let id = AttemptId::from_random([0xab; 16]);
        assert_eq!(parse_reference(&id.simple()), Some(id));
        assert_eq!(parse_reference(&id.to_string()), None);
        assert_eq!(parse_reference(&id.simple().to_uppercase()), None);
        assert_eq!(parse_reference("57d66f13da"), None);
    }

    #[test]
    fn the_code_is_valid() {
        assert_eq!(
            ProviderCode::parse(CITADELE_CODE).unwrap().as_str(),
            CITADELE_CODE
        );
    }

    #[test]
    fn text_keeps_its_length_in_the_allowed_set() {
        let text = "Nodeva par pasi <b>&</b> Ķīļu iela 5, LV-1010; it's 50%";
        let clean = clean_text(text);
        assert_eq!(clean.chars().count(), text.chars().count());
        assert_eq!(
            clean,
            "Nodeva par pasi  b   /b  Ķīļu iela 5, LV-1010  it’s 50 "
        );
    }

    fn signed(key: &RsaKey, answer: &Answer) -> String {
        dsig::sign(&answer.unsigned(), key, None).unwrap()
    }

    fn status(at: OffsetDateTime, from: &str, stat_code: &str) -> Answer {
        Answer::Status {
            timestamp: message::format_timestamp(at),
            from: from.into(),
            ext_id: AttemptId::from_random([7; 16]).simple(),
            doc_no: "0707070707".into(),
            stat_code: stat_code.into(),
            book_date: None,
        }
    }

    fn response(at: OffsetDateTime, code: &str, uid: &str) -> Answer {
        Answer::Response {
            timestamp: message::format_timestamp(at),
            from: SANDBOX_MERCHANT_ID.into(),
            request_uid: uid.into(),
            code: code.into(),
            message: Some("x".repeat(100)),
        }
    }

    #[test]
    fn answers_are_checked_after_their_signature() {
        let key = RsaKey::generate().unwrap();
        let keys = TrustedKeys::new(vec![key.public()]).unwrap();
        let now = OffsetDateTime::now_utc();
        let read = |answer: &Answer| {
            read_answer(
                signed(&key, answer).as_bytes(),
                &keys,
                SANDBOX_MERCHANT_ID,
                now,
            )
        };
        let uid = AttemptId::from_random([7; 16]).simple();
        let verdict = read(&response(now, "300", &uid)).unwrap();
        assert_eq!(verdict.outcome, Outcome::Rejected);
        // The bank's message is quoted, bounded.
        assert_eq!(
            verdict.reason.unwrap().chars().count(),
            crate::vk::QUOTED_CHARS + 3
        );
        assert_eq!(
            read(&response(now, "200", &uid)).unwrap().outcome,
            Outcome::Rejected
        );
        assert_eq!(
            read(&response(now, "100", &uid)).unwrap().outcome,
            Outcome::Accepted
        );
        assert_eq!(
            read(&status(now, SANDBOX_MERCHANT_ID, "E"))
                .unwrap()
                .outcome,
            Outcome::Executed
        );
        assert_eq!(
            read(&status(now, SANDBOX_MERCHANT_ID, "R"))
                .unwrap()
                .outcome,
            Outcome::Rejected
        );
        // A status retried for three days is still taken; older, or from the
        // future, or another contract's, or an unknown code, is not.
        assert!(read(&status(now - Duration::days(3), SANDBOX_MERCHANT_ID, "E")).is_ok());
        for refused in [
            status(now - Duration::days(5), SANDBOX_MERCHANT_ID, "E"),
            status(now + Duration::minutes(16), SANDBOX_MERCHANT_ID, "E"),
            status(now, "10001", "E"),
            status(now, SANDBOX_MERCHANT_ID, "X"),
            response(now - Duration::minutes(16), "100", &uid),
            response(now + Duration::minutes(16), "100", &uid),
            response(now, "400", &uid),
            response(now, "100", "57d66f13da"),
            response(
                now,
                "100",
                &AttemptId::from_random([0xab; 16]).simple().to_uppercase(),
            ),
        ] {
            assert!(
                matches!(read(&refused), Err(ProviderError::Malformed(_))),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn the_banks_own_2016_layout_reads() {
        let root = xml::parse(include_bytes!("testdata/pmtresp-2016.xml")).unwrap();
        assert_eq!(
            Answer::read(&root).unwrap(),
            Answer::Response {
                timestamp: "20160912115929000".into(),
                from: "10000".into(),
                request_uid: "57d66f13da".into(),
                code: "100".into(),
                message: None,
            }
        );
    }
}
