//! The outside world the hub talks to, as models the seed drives: the banks
//! (a `Connector` per simulated provider over one bank model that decides
//! approve / refuse / never and holds the money it took), the network between
//! the banks and the hub (delays, duplicates, reordering, loss), and the
//! e-service that receives the hub's notifications (a `Transport` answering
//! 200, 500 or a timeout — before or after the call arrived).

use async_trait::async_trait;
use maksa_app::clock::{Clock, ManualClock};
use maksa_app::notifications::{Transport, TransportAnswer};
use maksa_app::payer::Channel;
use maksa_app::providers::{
    Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage, Started, Verified,
};
use maksa_app::store::Store;
use maksa_domain::attempt::{Attempt, AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency};
use maksa_domain::status::Status;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// How long a payer who walked away keeps an order open at the bank; after
/// that the bank answers a status query with a refusal.
pub const BANK_SESSION: Duration = Duration::minutes(20);

/// What the payer will do at the bank (drawn when the order arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Approve,
    Refuse,
    /// Never comes back: the bank times the order out after [`BANK_SESSION`].
    Abandon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    AtBank,
    Executed,
    Rejected,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub attempt: AttemptId,
    pub provider: ProviderCode,
    pub amount: Amount,
    pub currency: Currency,
    pub fate: Fate,
    pub state: OrderState,
    pub arrived_at: OffsetDateTime,
}

/// A provider message on its way to the hub.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub ready_at: OffsetDateTime,
    pub provider: ProviderCode,
    pub channel: Channel,
    pub attempt: AttemptId,
    pub outcome: Outcome,
    pub amount: Amount,
    pub currency: Currency,
    /// Not signed by the bank (someone posting to the hub's endpoint).
    pub forged: bool,
}

/// One delivery the e-service received: the request and the status it read
/// back when the call came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub request: PaymentRequestId,
    pub status: Option<Status>,
}

/// Everything outside the hub, shared by the models (one thread: a plain mutex,
/// never held across an await).
pub struct Outside {
    pub rng: ChaCha8Rng,
    /// Whether the outside misbehaves (off while running to quiescence).
    pub faults: bool,
    pub orders: Vec<Order>,
    pub network: Vec<InFlight>,
    pub received: Vec<Received>,
    /// Counts for the report.
    pub bank_unavailable: u64,
}

pub type SharedOutside = Arc<Mutex<Outside>>;

pub fn lock(outside: &SharedOutside) -> std::sync::MutexGuard<'_, Outside> {
    outside.lock().unwrap_or_else(|e| e.into_inner())
}

impl Outside {
    pub fn order(&self, attempt: AttemptId) -> Option<&Order> {
        self.orders.iter().find(|o| o.attempt == attempt)
    }

    fn order_mut(&mut self, attempt: AttemptId) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.attempt == attempt)
    }

    /// Whether a call to the outside fails now (`per_mille` of calls while faults are on).
    pub fn fails(&mut self, per_mille: u32) -> bool {
        self.faults && self.rng.random_range(0..1000) < per_mille
    }

    /// The payer finishes at the bank: the order's fate happens, and the bank
    /// sends its two messages (browser return, server notification) — each may
    /// be lost on the way, and the notification may come twice.
    pub fn payer_finishes(&mut self, index: usize, now: OffsetDateTime) -> Option<String> {
        let order = self.orders.get(index)?.clone();
        if order.state != OrderState::AtBank || order.fate == Fate::Abandon {
            return None;
        }
        let (state, outcome) = match order.fate {
            Fate::Approve => (OrderState::Executed, Outcome::Executed),
            _ => (OrderState::Rejected, Outcome::Rejected),
        };
        if let Some(stored) = self.order_mut(order.attempt) {
            stored.state = state;
        }
        for channel in [Channel::Browser, Channel::Server] {
            // The payer may close the browser; the notification is never lost
            // for good (the bank retries it), but may be delayed or repeated.
            if channel == Channel::Browser && self.fails(200) {
                continue;
            }
            let copies = if self.fails(150) { 2 } else { 1 };
            for _ in 0..copies {
                let delay = Duration::seconds(self.rng.random_range(0..600));
                self.network.push(InFlight {
                    ready_at: now.saturating_add(delay),
                    provider: order.provider.clone(),
                    channel,
                    attempt: order.attempt,
                    outcome,
                    amount: order.amount,
                    currency: order.currency,
                    forged: false,
                });
            }
        }
        Some(format!("{:?} {}", order.fate, order.attempt))
    }

    /// The bank's answer to a status query about `attempt`.
    fn status_of(&mut self, attempt: &Attempt, now: OffsetDateTime) -> Option<Outcome> {
        let Some(order) = self.order_mut(attempt.id) else {
            // The hub opened the attempt but never reached us (it crashed, or
            // our answer to the start was lost): no payment exists.
            return Some(Outcome::Rejected);
        };
        match order.state {
            OrderState::Executed => Some(Outcome::Executed),
            OrderState::Rejected => Some(Outcome::Rejected),
            OrderState::AtBank
                if order.fate == Fate::Abandon
                    && now >= order.arrived_at.saturating_add(BANK_SESSION) =>
            {
                order.state = OrderState::Rejected;
                Some(Outcome::Rejected)
            }
            OrderState::AtBank => None,
        }
    }
}

/// A simulated provider: the hub's side of the protocol over the bank model.
/// Its "signature" is the field `signed=bank`; anything else does not verify.
pub struct SimConnector {
    code: ProviderCode,
    outside: SharedOutside,
    clock: Arc<ManualClock>,
}

impl SimConnector {
    pub fn new(code: ProviderCode, outside: SharedOutside, clock: Arc<ManualClock>) -> Self {
        SimConnector {
            code,
            outside,
            clock,
        }
    }

    fn read(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        if incoming.field("signed") != Some("bank") {
            return Err(ProviderError::BadSignature("not signed by the bank".into()));
        }
        let field = |name: &str| {
            incoming
                .field(name)
                .ok_or_else(|| ProviderError::Malformed(format!("no {name}")))
        };
        let attempt = AttemptId::parse(field("attempt")?)
            .ok_or_else(|| ProviderError::Malformed("attempt".into()))?;
        let outcome = match field("outcome")? {
            "executed" => Outcome::Executed,
            "rejected" => Outcome::Rejected,
            _ => return Err(ProviderError::Malformed("outcome".into())),
        };
        let amount = field("amount")?
            .parse::<i64>()
            .ok()
            .and_then(|minor| Amount::from_minor(minor).ok())
            .ok_or_else(|| ProviderError::Malformed("amount".into()))?;
        let currency = Currency::parse(field("currency")?)
            .ok_or_else(|| ProviderError::Malformed("currency".into()))?;
        Ok(Verified::Message(ProviderMessage {
            attempt,
            outcome,
            amount,
            currency,
            external_id: Some(format!("BANK-{attempt}")),
            at: None,
            evidence: None,
        }))
    }
}

/// The form a message of the network arrives as.
pub fn incoming(message: &InFlight) -> Incoming {
    let outcome = match message.outcome {
        Outcome::Executed => "executed",
        Outcome::Rejected => "rejected",
        Outcome::Accepted => "accepted",
    };
    Incoming {
        fields: vec![
            ("attempt".into(), message.attempt.to_string()),
            ("outcome".into(), outcome.into()),
            ("amount".into(), message.amount.minor().to_string()),
            ("currency".into(), message.currency.as_str().into()),
            (
                "signed".into(),
                if message.forged { "forger" } else { "bank" }.into(),
            ),
        ],
        method: "POST".into(),
        ..Incoming::default()
    }
}

#[async_trait]
impl Connector for SimConnector {
    fn code(&self) -> &ProviderCode {
        &self.code
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        let mut outside = lock(&self.outside);
        if outside.fails(40) {
            outside.bank_unavailable = outside.bank_unavailable.saturating_add(1);
            return Err(ProviderError::Unavailable("the bank is down".into()));
        }
        let fate = match outside.rng.random_range(0..100) {
            0..60 => Fate::Approve,
            60..85 => Fate::Refuse,
            _ => Fate::Abandon,
        };
        outside.orders.push(Order {
            attempt: order.attempt,
            provider: self.code.clone(),
            amount: order.amount,
            currency: order.currency,
            fate,
            state: OrderState::AtBank,
            arrived_at: self.clock.now(),
        });
        Ok(Handoff::Redirect(format!("https://bank.sim/pay/{}", order.attempt)).into())
    }

    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read(incoming)
    }

    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read(incoming)
    }

    async fn query(&self, attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        let mut outside = lock(&self.outside);
        if outside.fails(50) {
            return Err(ProviderError::Unavailable(
                "the bank does not answer".into(),
            ));
        }
        let now = self.clock.now();
        Ok(outside
            .status_of(attempt, now)
            .map(|outcome| ProviderMessage {
                attempt: attempt.id,
                outcome,
                amount: attempt.amount,
                currency: attempt.currency,
                external_id: Some(format!("BANK-{}", attempt.id)),
                at: None,
                evidence: None,
            }))
    }
}

/// The e-service's notification endpoint. When a call arrives it reads the
/// request's status back (as an e-service does, from the hub's store — past the
/// faults: the hub's read API is not under test here).
pub struct EService {
    outside: SharedOutside,
    store: Arc<dyn Store>,
}

impl EService {
    pub fn new(outside: SharedOutside, store: Arc<dyn Store>) -> Self {
        EService { outside, store }
    }
}

enum Answer {
    Ok,
    ServerError,
    TimeoutBefore,
    TimeoutAfter,
    Twice,
}

#[async_trait]
impl Transport for EService {
    async fn get(
        &self,
        url: &str,
        _headers: &[(String, String)],
    ) -> Result<TransportAnswer, String> {
        let answer = {
            let mut outside = lock(&self.outside);
            if outside.faults {
                match outside.rng.random_range(0..100) {
                    0..70 => Answer::Ok,
                    70..80 => Answer::ServerError,
                    80..90 => Answer::TimeoutBefore,
                    90..95 => Answer::TimeoutAfter,
                    _ => Answer::Twice,
                }
            } else {
                Answer::Ok
            }
        };
        let arrived = match answer {
            Answer::Ok | Answer::TimeoutAfter => 1,
            Answer::Twice => 2,
            Answer::ServerError | Answer::TimeoutBefore => 0,
        };
        let request = url
            .rsplit_once("id=")
            .and_then(|(_, id)| PaymentRequestId::parse(id));
        if arrived > 0 {
            let Some(request) = request else {
                return Err(format!("the e-service cannot read {url}"));
            };
            let status = self
                .store
                .payment_request_by_id(request)
                .await
                .map_err(|e| e.to_string())?
                .map(|r| r.status);
            let mut outside = lock(&self.outside);
            for _ in 0..arrived {
                outside.received.push(Received { request, status });
            }
        }
        let elapsed = std::time::Duration::from_millis(5);
        match answer {
            Answer::Ok | Answer::Twice => Ok(TransportAnswer {
                status: 200,
                elapsed,
            }),
            Answer::ServerError => Ok(TransportAnswer {
                status: 500,
                elapsed,
            }),
            Answer::TimeoutBefore | Answer::TimeoutAfter => Err("timed out".into()),
        }
    }

    async fn post(
        &self,
        _url: &str,
        _headers: &[(String, String)],
        _body: Vec<u8>,
    ) -> Result<TransportAnswer, String> {
        // No request of the simulation comes through IVIS.
        Err("the simulated e-service takes no IVIS answers".into())
    }
}
