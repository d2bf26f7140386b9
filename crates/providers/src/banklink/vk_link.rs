//! The `VK_` bank links with RSA signatures — iPizza and Swedbank's legacy
//! bank link — as one connector and one simulator protocol, told apart by a
//! [`Dialect`]: which request service and fields, which answers, which time
//! field, whether `VK_RETURN` may carry a query.

use super::{
    bank_text, check_fresh, format_dotted_date, format_vk_datetime, join_attempt,
    parse_dotted_date, parse_vk_datetime, split_attempt, without_query,
};
use crate::rsa_keys::{Digest, RsaKey, TrustedKeys};
use crate::sim::{BrowserReturn, Decision, SimOrder, SimProtocol, SimState, WireMessage};
use crate::vk::{self, Fields};
use async_trait::async_trait;
use maksa_app::providers::{
    AttemptOutcome, Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage,
    Started, Verified, bounded_reference,
};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use std::time::Duration;
use time::OffsetDateTime;

/// The time a paid answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidTime {
    /// `VK_T_DATETIME`, ISO 8601 with an offset; checked for freshness.
    DateTime,
    /// `VK_T_DATE`, `DD.MM.YYYY`.
    Date,
}

/// One request service: its code and signed fields in order.
#[derive(Debug)]
pub struct RequestService {
    pub service: &'static str,
    pub fields: &'static [&'static str],
}

/// What tells one `VK_` bank link from another.
#[derive(Debug)]
pub struct Dialect {
    /// The bank's name on the simulator's pages.
    pub bank_name: &'static str,
    /// The request without the payee's account (first) and, if the protocol
    /// has one, with it (second).
    pub requests: &'static [RequestService],
    pub paid: &'static str,
    pub paid_fields: &'static [&'static str],
    pub unpaid: &'static str,
    pub unpaid_fields: &'static [&'static str],
    pub paid_time: PaidTime,
    /// Whether `VK_RETURN` may carry a query (Swedbank's legacy link: no).
    pub return_query: bool,
    /// The versions spoken, with their digests.
    pub versions: &'static [(&'static str, Digest)],
    /// The longest `VK_MSG` the bank takes for the purpose.
    pub purpose_limit: usize,
    /// The longest `VK_NAME` (payee).
    pub name_limit: usize,
}

impl Dialect {
    fn digest(&self, version: &str) -> Option<Digest> {
        self.versions
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, d)| *d)
    }

    fn request(&self, service: &str) -> Option<&RequestService> {
        self.requests.iter().find(|r| r.service == service)
    }

    fn answer_fields(&self, service: &str) -> Option<&'static [&'static str]> {
        if service == self.paid {
            Some(self.paid_fields)
        } else if service == self.unpaid {
            Some(self.unpaid_fields)
        } else {
            None
        }
    }

    fn uses(&self, name: &str) -> bool {
        self.requests.iter().any(|r| r.fields.contains(&name))
    }
}

/// A `VK_` bank link's settings at the hub.
#[derive(Debug, Clone)]
pub struct VkLinkConfig {
    pub code: ProviderCode,
    /// `VK_SND_ID` of our requests, `VK_REC_ID` of the bank's answers.
    pub merchant_id: String,
    pub hub_key: RsaKey,
    pub bank_keys: TrustedKeys,
    /// Where the payer's browser takes the request.
    pub bank_url: String,
    /// The bank's `VK_SND_ID`, checked on answers when set.
    pub bank_id: Option<String>,
    /// `VK_VERSION` of our requests (answers may use any version the
    /// protocol knows; theirs chooses the digest).
    pub version: &'static str,
    /// Send the payee's account and name (iPizza 1011) rather than rely on the
    /// account of the agreement (1012).
    pub payee_in_request: bool,
    /// A paid answer's `VK_T_DATETIME` may be this old at most …
    pub max_age: time::Duration,
    /// … and this far ahead of our clock.
    pub max_skew: time::Duration,
}

impl VkLinkConfig {
    /// The defaults: version 008 (SHA-1), no payee in the request, the bank's
    /// id not checked, answers at most 15 minutes old and 5 minutes ahead.
    pub fn new(
        code: ProviderCode,
        merchant_id: impl Into<String>,
        hub_key: RsaKey,
        bank_keys: TrustedKeys,
        bank_url: impl Into<String>,
    ) -> VkLinkConfig {
        VkLinkConfig {
            code,
            merchant_id: merchant_id.into(),
            hub_key,
            bank_keys,
            bank_url: bank_url.into(),
            bank_id: None,
            version: "008",
            payee_in_request: false,
            max_age: time::Duration::minutes(15),
            max_skew: time::Duration::minutes(5),
        }
    }
}

/// `VK_AUTO`: `Y` on the bank's automatic (server) message, `N` when the
/// payer's browser brings the answer.
const AUTO_SERVER: &str = "Y";
const AUTO_BROWSER: &str = "N";

/// The hub's side of a `VK_` bank link.
pub struct VkLinkConnector {
    dialect: &'static Dialect,
    config: VkLinkConfig,
}

impl VkLinkConnector {
    pub fn new(dialect: &'static Dialect, config: VkLinkConfig) -> VkLinkConnector {
        VkLinkConnector { dialect, config }
    }

    fn request_service(&self) -> &'static RequestService {
        let requests = self.dialect.requests;
        let chosen = if self.config.payee_in_request {
            requests.get(1)
        } else {
            None
        };
        chosen
            .or_else(|| requests.first())
            .unwrap_or(&EMPTY_REQUEST)
    }

    /// The signed request the payer's browser takes to the bank.
    pub fn request_fields(
        &self,
        order: &PaymentOrder,
        now: OffsetDateTime,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let request = self.request_service();
        let digest = self.dialect.digest(self.config.version).ok_or_else(|| {
            ProviderError::Unavailable(format!(
                "VK_VERSION {} is not spoken here",
                self.config.version
            ))
        })?;
        let (stamp, reference) = split_attempt(order.attempt);
        let return_url = if self.dialect.return_query {
            order.return_url.as_str()
        } else {
            without_query(&order.return_url)
        };
        let name: String = bank_text(&order.payee_name)
            .chars()
            .take(self.dialect.name_limit)
            .collect();
        let purpose: String = bank_text(&order.purpose)
            .chars()
            .take(self.dialect.purpose_limit)
            .collect();
        let language = if order.language == "ENG" {
            "ENG"
        } else {
            "LAT"
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        for &field in request.fields {
            let value = match field {
                "VK_SERVICE" => request.service.to_owned(),
                "VK_VERSION" => self.config.version.to_owned(),
                "VK_SND_ID" => self.config.merchant_id.clone(),
                "VK_STAMP" => stamp.clone(),
                "VK_AMOUNT" => vk::format_amount(order.amount),
                "VK_CURR" => order.currency.as_str().to_owned(),
                "VK_ACC" => bank_text(&order.payee_iban),
                "VK_NAME" => name.clone(),
                "VK_REF" => reference.clone(),
                "VK_MSG" => purpose.clone(),
                "VK_RETURN" | "VK_CANCEL" => return_url.to_owned(),
                "VK_DATETIME" => format_vk_datetime(now),
                _ => String::new(),
            };
            fields.push((field.to_owned(), value));
        }
        let mac = super::sign(&self.config.hub_key, digest, request.fields, &fields)?;
        fields.push(("VK_MAC".into(), mac));
        if !request.fields.contains(&"VK_RETURN") {
            fields.push(("VK_RETURN".into(), return_url.to_owned()));
        }
        fields.push(("VK_ENCODING".into(), vk::ENCODING.into()));
        fields.push(("VK_LANG".into(), language.into()));
        Ok(fields)
    }

    /// Verifies and reads an answer; `server` when it came as the bank's
    /// server message.
    pub fn read_answer<F: Fields + ?Sized>(
        &self,
        fields: &F,
        server: bool,
        now: OffsetDateTime,
    ) -> Result<Verified, ProviderError> {
        let dialect = self.dialect;
        let service = vk::required(fields, "VK_SERVICE")?;
        let names = dialect.answer_fields(service).ok_or_else(|| {
            ProviderError::Malformed(format!("unknown VK_SERVICE {}", vk::quoted(service)))
        })?;
        let version = vk::required(fields, "VK_VERSION")?;
        let digest = dialect.digest(version).ok_or_else(|| {
            ProviderError::Malformed(format!("unknown VK_VERSION {}", vk::quoted(version)))
        })?;
        super::verify(&self.config.bank_keys, digest, names, fields, "VK_MAC")?;
        // Everything read below is signed, except VK_AUTO and VK_ENCODING.
        vk::expect_value(fields, "VK_REC_ID", &self.config.merchant_id)?;
        if let Some(bank_id) = &self.config.bank_id {
            vk::expect_value(fields, "VK_SND_ID", bank_id)?;
        }
        vk::check_encoding(fields)?;
        // Some iPizza banks name the encoding VK_CHARSET.
        if let Some(charset) = fields.field("VK_CHARSET")
            && !charset.eq_ignore_ascii_case(vk::ENCODING)
        {
            return Err(ProviderError::Malformed(format!(
                "VK_CHARSET {} is not UTF-8",
                vk::quoted(charset)
            )));
        }
        // VK_AUTO is not signed: it only routes. The bank sends its
        // automatic message to VK_RETURN, where the hub takes browser
        // returns, so a browser return may say either.
        match (fields.field("VK_AUTO"), server) {
            (Some(AUTO_SERVER), _) | (Some(AUTO_BROWSER) | None, false) => {}
            (other, true) => {
                return Err(ProviderError::Malformed(format!(
                    "VK_AUTO {} on a server message, expected Y",
                    vk::quoted(other.unwrap_or_default())
                )));
            }
            (Some(other), false) => {
                return Err(ProviderError::Malformed(format!(
                    "VK_AUTO {} is neither Y nor N",
                    vk::quoted(other)
                )));
            }
        }
        let stamp = vk::required(fields, "VK_STAMP")?;
        let reference = vk::required(fields, "VK_REF")?;
        let attempt = join_attempt(stamp, reference).ok_or_else(|| {
            ProviderError::Malformed(format!(
                "VK_STAMP {} with VK_REF {} is not one of our attempts",
                vk::quoted(stamp),
                vk::quoted(reference)
            ))
        })?;
        if service == dialect.unpaid {
            return Ok(Verified::Outcome(AttemptOutcome {
                attempt,
                outcome: Outcome::Rejected,
                external_id: None,
                at: None,
                evidence: None,
            }));
        }
        let amount = vk::parsed(fields, "VK_AMOUNT", "an amount", vk::parse_amount)?;
        let currency = vk::parsed(fields, "VK_CURR", "a currency", Currency::parse)?;
        let t_no = super::bounded(fields, "VK_T_NO", maksa_app::providers::REFERENCE_CHARS)?;
        if t_no.is_empty() {
            return Err(ProviderError::Malformed("VK_T_NO is empty".into()));
        }
        let at = match dialect.paid_time {
            PaidTime::DateTime => {
                let text = vk::required(fields, "VK_T_DATETIME")?;
                let at = vk::parsed(fields, "VK_T_DATETIME", "a time", parse_vk_datetime)?;
                check_fresh(
                    "VK_T_DATETIME",
                    text,
                    at,
                    now,
                    self.config.max_age,
                    self.config.max_skew,
                )?;
                Some(at)
            }
            PaidTime::Date => {
                vk::parsed(fields, "VK_T_DATE", "DD.MM.YYYY", parse_dotted_date)?;
                None
            }
        };
        Ok(Verified::Message(ProviderMessage {
            attempt,
            outcome: Outcome::Executed,
            amount,
            currency,
            external_id: Some(bounded_reference(t_no)),
            at,
            evidence: None,
        }))
    }
}

static EMPTY_REQUEST: RequestService = RequestService {
    service: "",
    fields: &[],
};

#[async_trait]
impl Connector for VkLinkConnector {
    fn code(&self) -> &ProviderCode {
        &self.config.code
    }

    fn purpose_limit(&self) -> Option<usize> {
        Some(self.dialect.purpose_limit)
    }

    fn clean_purpose(&self, text: &str) -> String {
        bank_text(text)
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        let fields = self.request_fields(order, OffsetDateTime::now_utc())?;
        Ok(Handoff::Form {
            action: self.config.bank_url.clone(),
            method: "POST",
            fields,
        }
        .into())
    }

    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read_answer(incoming, false, OffsetDateTime::now_utc())
    }

    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read_answer(incoming, true, OffsetDateTime::now_utc())
    }

    /// Neither iPizza nor Swedbank's legacy link has a status query: the hub
    /// waits for the bank's messages.
    async fn query(&self, _attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        Ok(None)
    }
}

// ---------------------------------------------------------------------------
// The bank's side.

/// The simulated bank of a `VK_` link.
pub struct VkLinkBank {
    dialect: &'static Dialect,
    /// The bank's `VK_SND_ID`.
    bank_id: String,
    bank_key: RsaKey,
    hub_keys: TrustedKeys,
    /// The request's `VK_DATETIME` may be this far from the bank's clock.
    request_window: time::Duration,
    /// Where server messages go (the bank's agreement); `None`: to `VK_RETURN`.
    notify_url: Option<String>,
    retries: Vec<Duration>,
    /// Server messages by GET (Swedbank) or POST.
    server_by_get: bool,
}

impl VkLinkBank {
    pub fn new(
        dialect: &'static Dialect,
        bank_id: impl Into<String>,
        bank_key: RsaKey,
        hub_keys: TrustedKeys,
    ) -> VkLinkBank {
        VkLinkBank {
            dialect,
            bank_id: bank_id.into(),
            bank_key,
            hub_keys,
            request_window: time::Duration::minutes(5),
            notify_url: None,
            retries: Vec::new(),
            server_by_get: false,
        }
    }

    pub fn server_by_get(mut self, yes: bool) -> Self {
        self.server_by_get = yes;
        self
    }

    pub fn retries(mut self, retries: Vec<Duration>) -> Self {
        self.retries = retries;
        self
    }

    pub fn notify_url(mut self, url: Option<String>) -> Self {
        self.notify_url = url;
        self
    }

    fn answer(
        &self,
        order: &SimOrder,
        state: &SimState,
        auto: &str,
    ) -> Result<Vec<(String, String)>, String> {
        let echoed = |name: &str| order.echoed(name).unwrap_or_default().to_owned();
        let version = echoed("VK_VERSION");
        let digest = self
            .dialect
            .digest(&version)
            .ok_or_else(|| format!("VK_VERSION {}", vk::quoted(&version)))?;
        let paid = state.decision == Decision::Approve;
        let (service, names) = if paid {
            (self.dialect.paid, self.dialect.paid_fields)
        } else {
            (self.dialect.unpaid, self.dialect.unpaid_fields)
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        for &name in names {
            let value = match name {
                "VK_SERVICE" => service.to_owned(),
                "VK_VERSION" => version.clone(),
                "VK_SND_ID" => self.bank_id.clone(),
                "VK_REC_ID" => echoed("VK_SND_ID"),
                "VK_STAMP" => order.reference.clone(),
                "VK_T_NO" => state.bank_reference.clone().unwrap_or_default(),
                "VK_AMOUNT" => vk::format_amount(order.amount),
                "VK_CURR" => order.currency.as_str().to_owned(),
                "VK_REC_ACC" => order.payee_account.clone(),
                "VK_REC_NAME" => order.payee_name.clone(),
                "VK_SND_ACC" => "LV10SIMU0000000000001".to_owned(),
                "VK_SND_NAME" => "JĀNIS PARAUGS".to_owned(),
                "VK_REF" => echoed("VK_REF"),
                "VK_MSG" => order.description.clone(),
                "VK_T_DATETIME" => {
                    format_vk_datetime(state.executed_at.unwrap_or(state.decided_at))
                }
                "VK_T_DATE" => {
                    format_dotted_date(state.executed_at.unwrap_or(state.decided_at).date())
                }
                _ => String::new(),
            };
            fields.push((name.to_owned(), value));
        }
        let mac = super::sign(&self.bank_key, digest, names, &fields).map_err(|e| e.to_string())?;
        fields.push(("VK_MAC".into(), mac));
        fields.push(("VK_ENCODING".into(), vk::ENCODING.into()));
        fields.push((
            "VK_LANG".into(),
            if order.english { "ENG" } else { "LAT" }.into(),
        ));
        fields.push(("VK_AUTO".into(), auto.into()));
        Ok(fields)
    }

    fn return_to(&self, order: &SimOrder, state: &SimState) -> String {
        match (state.decision, order.echoed("VK_CANCEL")) {
            (Decision::Approve, _) | (_, None) => order.return_url.clone(),
            (_, Some(cancel)) => cancel.to_owned(),
        }
    }
}

impl SimProtocol for VkLinkBank {
    fn bank_name(&self) -> &'static str {
        self.dialect.bank_name
    }

    fn payment_request(&self, incoming: &Incoming) -> Result<SimOrder, String> {
        let fields = incoming;
        let service = vk::required(fields, "VK_SERVICE").map_err(|e| e.to_string())?;
        let request = self
            .dialect
            .request(service)
            .ok_or_else(|| format!("unknown VK_SERVICE {}", vk::quoted(service)))?;
        let version = vk::required(fields, "VK_VERSION").map_err(|e| e.to_string())?;
        let digest = self
            .dialect
            .digest(version)
            .ok_or_else(|| format!("unknown VK_VERSION {}", vk::quoted(version)))?;
        super::verify(&self.hub_keys, digest, request.fields, fields, "VK_MAC")
            .map_err(|e| e.to_string())?;
        vk::check_encoding(fields).map_err(|e| e.to_string())?;
        let text = |name: &str, max: usize| -> Result<String, String> {
            super::bounded(fields, name, max)
                .map(str::to_owned)
                .map_err(|e| e.to_string())
        };
        let stamp = text("VK_STAMP", 20)?;
        if stamp.is_empty() {
            return Err("VK_STAMP is empty".into());
        }
        let amount_text = text("VK_AMOUNT", 20)?;
        let amount = vk::parse_amount(&amount_text)
            .filter(|a| a.minor() > 0)
            .ok_or_else(|| format!("VK_AMOUNT {}", vk::quoted(&amount_text)))?;
        let currency_text = text("VK_CURR", 3)?;
        let currency = Currency::parse(&currency_text)
            .ok_or_else(|| format!("VK_CURR {}", vk::quoted(&currency_text)))?;
        let message = text("VK_MSG", 300)?;
        let return_url = text("VK_RETURN", 255)?;
        if !return_url.starts_with("http://") && !return_url.starts_with("https://") {
            return Err(format!("VK_RETURN {}", vk::quoted(&return_url)));
        }
        if !self.dialect.return_query && return_url.contains('?') {
            return Err("VK_RETURN may not carry a query".into());
        }
        if request.fields.contains(&"VK_DATETIME") {
            let sent = text("VK_DATETIME", 40)?;
            let at = parse_vk_datetime(&sent)
                .ok_or_else(|| format!("VK_DATETIME {}", vk::quoted(&sent)))?;
            check_fresh(
                "VK_DATETIME",
                &sent,
                at,
                OffsetDateTime::now_utc(),
                self.request_window,
                self.request_window,
            )
            .map_err(|e| e.to_string())?;
        }
        let (payee_account, payee_name) = if request.fields.contains(&"VK_ACC") {
            (text("VK_ACC", 34)?, text("VK_NAME", 70)?)
        } else {
            (
                "LV71TREL916021001000B".to_owned(),
                "Līguma saņēmējs".to_owned(),
            )
        };
        let mut echo = vec![
            ("VK_SND_ID".to_owned(), text("VK_SND_ID", 20)?),
            ("VK_VERSION".to_owned(), version.to_owned()),
            ("VK_REF".to_owned(), text("VK_REF", 20)?),
        ];
        if self.dialect.uses("VK_CANCEL") {
            let cancel = text("VK_CANCEL", 255)?;
            if !cancel.starts_with("http://") && !cancel.starts_with("https://") {
                return Err(format!("VK_CANCEL {}", vk::quoted(&cancel)));
            }
            echo.push(("VK_CANCEL".to_owned(), cancel));
        }
        let english = fields.field("VK_LANG") == Some("ENG");
        Ok(SimOrder {
            reference: stamp,
            amount,
            currency,
            payee_account,
            payee_name,
            description: message,
            return_url,
            notify_url: self.notify_url.clone(),
            english,
            echo,
        })
    }

    fn browser_return(&self, order: &SimOrder, state: &SimState) -> Result<BrowserReturn, String> {
        Ok(BrowserReturn {
            method: "POST",
            action: self.return_to(order, state),
            fields: self.answer(order, state, AUTO_BROWSER)?,
        })
    }

    /// The same answer with `VK_AUTO=Y`, to `VK_RETURN` (or `VK_CANCEL`)
    /// unless the agreement names another address. These links have no
    /// "accepted" answer: the paid answer goes out when the payer approves,
    /// and again when a payment held for processing is executed.
    fn server_message(
        &self,
        order: &SimOrder,
        state: &SimState,
    ) -> Result<Option<WireMessage>, String> {
        let fields = self.answer(order, state, AUTO_SERVER)?;
        let url = order
            .notify_url
            .clone()
            .unwrap_or_else(|| self.return_to(order, state));
        let method = if self.server_by_get { "GET" } else { "POST" };
        Ok(Some(
            BrowserReturn {
                method,
                action: url,
                fields,
            }
            .as_wire(),
        ))
    }

    fn retry_schedule(&self) -> Vec<Duration> {
        self.retries.clone()
    }
}

/// Signs an answer as the bank would: the fields its `VK_SERVICE` signs, with
/// the digest of its `VK_VERSION` (for tests and fuzzing). `None` when the
/// service or version is unknown or a signed field is missing.
/// A dialect's connector and simulated bank wired to each other, as the
/// sandbox runs them: the keys in `dir` (`key_files`: the bank's, the hub's,
/// created at first use), payers sent to `{bank_base_url}/pay`, the bank
/// answering as `code` and sending its server message (`VK_AUTO=Y`) to the
/// hub's notify address, which answers 200 — rather than to `VK_RETURN`,
/// which answers the payer's redirect (real banks do either, by contract).
/// `adapt` sets what the dialect's sandbox differs in, on the connector's
/// settings and on the bank.
pub fn sandbox(
    dialect: &'static Dialect,
    key_files: (&str, &str),
    dir: &std::path::Path,
    code: ProviderCode,
    bank_base_url: &str,
    hub_base_url: &str,
    adapt: impl FnOnce(&mut VkLinkConfig, VkLinkBank) -> VkLinkBank,
) -> std::io::Result<crate::sim::Sandbox> {
    let bank_key = RsaKey::load_or_create(&dir.join(key_files.0))?;
    let hub_key = RsaKey::load_or_create(&dir.join(key_files.1))?;
    let base = bank_base_url.trim_end_matches('/');
    let hub = hub_base_url.trim_end_matches('/');
    let bank_keys = TrustedKeys::new(vec![bank_key.public()])?;
    let hub_keys = TrustedKeys::new(vec![hub_key.public()])?;
    let mut config = VkLinkConfig::new(
        code.clone(),
        SANDBOX_MERCHANT_ID,
        hub_key,
        bank_keys,
        format!("{base}/pay"),
    );
    config.bank_id = Some(code.as_str().to_owned());
    let bank = adapt(
        &mut config,
        VkLinkBank::new(dialect, code.as_str(), bank_key, hub_keys),
    )
    .notify_url(Some(format!("{hub}/providers/{}/notify", code.as_str())));
    Ok(crate::sim::Sandbox {
        connector: std::sync::Arc::new(VkLinkConnector::new(dialect, config)),
        simulator: crate::sim::Simulator::new(std::sync::Arc::new(bank), base, hub_base_url),
    })
}

/// The hub's id at a simulated bank.
pub const SANDBOX_MERCHANT_ID: &str = "MAKSA";

pub fn sign_answer(
    dialect: &'static Dialect,
    bank_key: &RsaKey,
    fields: &[(String, String)],
) -> Option<String> {
    let names = dialect.answer_fields(fields.field("VK_SERVICE")?)?;
    let digest = dialect.digest(fields.field("VK_VERSION")?)?;
    super::sign(bank_key, digest, names, fields).ok()
}

/// The signed fields of an answer service, in order.
pub fn answer_fields(dialect: &'static Dialect, service: &str) -> Option<&'static [&'static str]> {
    dialect.answer_fields(service)
}

/// Decodes a form body as the hub's doors do and reads it: the entry point of
/// the fuzz targets.
pub fn read_form(
    connector: &VkLinkConnector,
    body: &[u8],
    server: bool,
    now: OffsetDateTime,
) -> Result<Verified, ProviderError> {
    let fields = vk::decode_form(body);
    connector.read_answer(fields.as_slice(), server, now)
}
