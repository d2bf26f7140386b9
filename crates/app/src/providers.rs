//! The provider port: what the hub needs from a payment provider's connector.
//! Each provider (a bank link, a card acquirer, the demo bank) is an adapter
//! implementing [`Connector`]; the payer service (`payer.rs`) drives it.
//!
//! A connector only translates and verifies: it never touches the store. It
//! turns an order into the provider's request (`start`), and the provider's two
//! messages — the payer's browser coming back (`browser_return`) and the
//! server-to-server message (`server_message`) — into a verified
//! [`ProviderMessage`], refusing anything whose signature does not verify.
//! `start` and `query` are the only calls that may go over the network (a
//! provider such as Swedbank's Payment Initiation API creates its transaction
//! server to server before the payer is sent there); the payer service never
//! makes them inside a transaction.

use async_trait::async_trait;
use maksa_domain::attempt::{Attempt, AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::{Amount, Currency};
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// What the hub asks a provider to collect for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOrder {
    pub attempt: AttemptId,
    pub amount: Amount,
    pub currency: Currency,
    /// Already cut to the provider's `purpose_max_length`.
    pub purpose: String,
    pub payee_name: String,
    pub payee_iban: String,
    /// Where the provider sends the payer's browser back (absolute URL).
    pub return_url: String,
    /// Where the provider posts its server-to-server message (absolute URL).
    pub notify_url: String,
    /// `LAT` or `ENG`.
    pub language: &'static str,
    /// The payer's address as the hub's listener saw it (a card acquirer's
    /// `client_ip_addr`, PSD2's `PSU-IP-Address`); `None` when unknown.
    pub payer_ip: Option<std::net::IpAddr>,
}

/// What [`Connector::start`] answers: how to send the payer to the provider,
/// and the provider's own id of the transaction when it made one (kept with
/// the attempt; [`Connector::query`] finds it in `Attempt::external_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub handoff: Handoff,
    pub provider_reference: Option<String>,
}

impl From<Handoff> for Started {
    fn from(handoff: Handoff) -> Self {
        Started {
            handoff,
            provider_reference: None,
        }
    }
}

/// What a verified provider message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// The outcome itself, vouched for by the provider's signature.
    Message(ProviderMessage),
    /// The message only says that something happened to this attempt and
    /// carries nothing signed about what (Swedbank V3's return and
    /// notification): the hub asks the provider ([`Connector::query`]).
    AskProvider(AttemptId),
    /// Like [`Verified::AskProvider`], but the message names the provider's
    /// own id of the transaction (the one [`Started::provider_reference`]
    /// kept), not our attempt: First Data's return carries only `trans_id`,
    /// to an address fixed in the merchant's contract.
    AskProviderAbout(String),
    /// A signed outcome that names the attempt but does not restate the
    /// amount (iPizza's 1911, SEB e-Link's 0004): the bank answers about the
    /// payment our signed request created, so the attempt's own amount and
    /// currency are what it vouches for.
    Outcome(AttemptOutcome),
}

/// What [`Verified::Outcome`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub attempt: AttemptId,
    pub outcome: Outcome,
    pub external_id: Option<String>,
    pub at: Option<OffsetDateTime>,
    /// What else the provider vouched for, for the audit trail (a card's
    /// masked number and approval code); bounded by the connector.
    pub evidence: Option<String>,
}

impl AttemptOutcome {
    /// The message, with the amount and currency of the attempt it names.
    pub fn with_terms(self, amount: Amount, currency: Currency) -> ProviderMessage {
        ProviderMessage {
            attempt: self.attempt,
            outcome: self.outcome,
            amount,
            currency,
            external_id: self.external_id,
            at: self.at,
            evidence: self.evidence,
        }
    }
}

impl Verified {
    /// The signed outcome, if the message carried one.
    pub fn into_message(self) -> Option<ProviderMessage> {
        match self {
            Verified::Message(message) => Some(message),
            Verified::AskProvider(_) | Verified::AskProviderAbout(_) | Verified::Outcome(_) => None,
        }
    }
}

/// How the payer's browser is sent to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handoff {
    Redirect(String),
    /// A form the payer's browser submits (automatically, or by a button when
    /// scripts are off).
    Form {
        action: String,
        method: &'static str,
        fields: Vec<(String, String)>,
    },
}

/// A message from a provider whose signature verified. The payer service still
/// compares amount, currency and attempt with its own record before it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMessage {
    pub attempt: AttemptId,
    pub outcome: Outcome,
    pub amount: Amount,
    pub currency: Currency,
    pub external_id: Option<String>,
    pub at: Option<OffsetDateTime>,
    /// What else the provider vouched for, kept in the audit trail: a card
    /// acquirer's masked card number and approval code (never a whole card
    /// number: an acquirer's hosted page keeps it from the hub), at most
    /// [`EVIDENCE_CHARS`] characters.
    pub evidence: Option<String>,
}

/// The longest [`ProviderMessage::evidence`] kept.
pub const EVIDENCE_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The message is not what the provider sends: missing or malformed fields.
    #[error("malformed provider message: {0}")]
    Malformed(String),
    /// The signature does not verify: forged or corrupted.
    #[error("signature does not verify: {0}")]
    BadSignature(String),
    /// The provider could not be reached or answered nonsense; try again later.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
}

/// What a provider's HTTP request carried, as the doors received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Incoming {
    /// Query string and form fields together (form fields win).
    pub fields: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// `GET` or `POST`.
    pub method: String,
    /// Request headers, names in lower case, values that are not visible
    /// ASCII left out.
    pub headers: Vec<(String, String)>,
}

impl Incoming {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header by its lower-case name (the last one, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[async_trait]
pub trait Connector: Send + Sync + 'static {
    fn code(&self) -> &ProviderCode;
    /// The longest purpose the protocol carries, in characters, where it is
    /// shorter than the catalogue's `purpose_max_length`.
    fn purpose_limit(&self) -> Option<usize> {
        None
    }
    /// The purpose in the protocol's character set; called after the cut, so
    /// it must not lengthen the text. The default turns control characters
    /// into spaces (browsers rewrite line breaks, which would break a
    /// signature carried through a form). The 34-character identifier at the
    /// front is letters and digits and survives every protocol's set.
    fn clean_purpose(&self, text: &str) -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }
    /// Builds the provider's payment request for `order`; may call the
    /// provider (never inside a transaction). A failure sends the payer back
    /// to the choice of provider with nothing half-written.
    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError>;
    /// Verifies and reads the payer's browser return.
    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError>;
    /// Verifies and reads a server-to-server message.
    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError>;
    /// Asks the provider about an attempt; `Ok(None)` when it has nothing final
    /// to say yet (the payer is still at the provider, or never arrived).
    async fn query(&self, attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError>;
    /// The card acquirer's further services, where this provider is one
    /// (reversal, closing the business day).
    fn card_acquirer(&self) -> Option<&dyn CardAcquirer> {
        None
    }
}

/// What a card acquirer does beyond taking a payment (First Data ECOMM's
/// `r` and `b` commands, docs/providers/firstdata.md). Both go over the
/// network and are never called inside a transaction.
#[async_trait]
pub trait CardAcquirer: Send + Sync {
    /// Reverses the whole card payment of `attempt` (whose provider reference
    /// is the acquirer's transaction id): the money goes back to the card.
    async fn reverse(&self, attempt: &Attempt) -> Result<Reversal, ProviderError>;
    /// Closes the acquirer's business day: everything since the previous
    /// close. Answers the acquirer's totals of the closed day.
    async fn close_day(&self) -> Result<DayTotals, ProviderError>;
}

/// What the acquirer answered to a reversal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reversal {
    /// The payment is reversed (now, or it already was: a repeated reversal
    /// converges).
    Reversed,
    /// The acquirer refused; its reason, bounded.
    Refused(String),
}

/// An acquirer's totals of one closed business day, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    /// Payments (debits of the payers' cards): how many, how much.
    pub debit_count: u64,
    pub debit_amount: i64,
    /// Reversals of payments.
    pub reversal_count: u64,
    pub reversal_amount: i64,
}

/// The longest provider reference an audit event quotes (a provider's id is
/// far shorter; this bounds what a misbehaving one could make us store twice).
pub const REFERENCE_CHARS: usize = 128;

/// `reference` cut to [`REFERENCE_CHARS`] characters.
pub fn bounded_reference(reference: &str) -> String {
    reference.chars().take(REFERENCE_CHARS).collect()
}

/// The connectors the hub runs, by provider code.
#[derive(Clone, Default)]
pub struct Connectors {
    by_code: HashMap<ProviderCode, Arc<dyn Connector>>,
}

impl Connectors {
    pub fn new() -> Self {
        Connectors::default()
    }

    pub fn register(&mut self, connector: Arc<dyn Connector>) {
        self.by_code.insert(connector.code().clone(), connector);
    }

    pub fn get(&self, code: &ProviderCode) -> Option<&Arc<dyn Connector>> {
        self.by_code.get(code)
    }

    pub fn has(&self, code: &ProviderCode) -> bool {
        self.by_code.contains_key(code)
    }

    /// The codes of the providers that are card acquirers, sorted.
    pub fn acquirers(&self) -> Vec<ProviderCode> {
        let mut codes: Vec<ProviderCode> = self
            .by_code
            .iter()
            .filter(|(_, connector)| connector.card_acquirer().is_some())
            .map(|(code, _)| code.clone())
            .collect();
        codes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        codes
    }
}
