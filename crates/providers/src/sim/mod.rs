//! The simulators' common part: one bank's side of any protocol, minus the
//! protocol. A [`SimProtocol`] reads the hub's payment request and writes the
//! bank's signed answers; the [`Simulator`] keeps the orders, shows the payer
//! the approve page (the same test hooks as the demo bank's: `main[data-state]`
//! `bank-approve` → `bank-return` | `bank-done`, `[data-action]` `approve` /
//! `reject` / `cancel` / `return-to-merchant`), records the decision once per
//! order, and delivers the server messages with the protocol's retry rule and
//! the tester's controls (send now, delay, drop, duplicate; return or not;
//! execute at once or accept for processing first).
//!
//! Routes, relative to where the hub mounts a simulator (`/sim/<name>`):
//! `GET|POST /pay` (a payment request the payer's browser brings),
//! `GET /order/{key}` (the approve page of an order created server to server),
//! `POST /decide`, `GET /messages?key=` or `?reference=` (the signed messages the bank
//! made for an order, as JSON: what a developer wants to see on the wire, and
//! what the connector contract suite replays and tampers with),
//! `GET /bank.css`, `GET /autosubmit.js`, and the protocol's own routes.

pub(crate) mod pages;

use crate::bank::{autosubmit_js, content_security_policy, css, html_page, plain};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maksa_app::providers::Incoming;
use maksa_domain::money::{Amount, Currency};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Orders older than this are forgotten, so a long-running demo does not grow
/// without bound.
const LEDGER_RETENTION: Duration = Duration::from_secs(48 * 60 * 60);
/// At most this many orders are kept; the oldest go first.
const LEDGER_CAPACITY: usize = 10_000;
/// The largest request a simulator reads (a FIDAVISTA request is a few KiB).
const BODY_LIMIT: usize = 64 * 1024;
/// The tester may delay a server message by at most this much.
pub const MAX_DELAY_SECONDS: u64 = 600;
/// Messages kept per order for `/messages`.
const MESSAGES_KEPT: usize = 16;

/// A payment order as a simulated bank keeps it, whatever the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    /// The hub's id of the payment in the protocol (`VK_STAMP`,
    /// `IB_PAYMENT_ID`, `ExtId`, …); unique among the bank's orders.
    pub reference: String,
    pub amount: Amount,
    pub currency: Currency,
    pub payee_account: String,
    pub payee_name: String,
    pub description: String,
    /// Where the payer's browser goes back to.
    pub return_url: String,
    /// Where server messages go, where the protocol names it per order.
    pub notify_url: Option<String>,
    pub english: bool,
    /// What else the protocol needs to write its answers (fields it echoes).
    pub echo: Vec<(String, String)>,
}

impl SimOrder {
    pub fn echoed(&self, name: &str) -> Option<&str> {
        self.echo
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
    Cancel,
}

/// The bank's state of a decided order when an answer is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimState {
    pub decision: Decision,
    /// The bank's own number of the payment (approved orders only).
    pub bank_reference: Option<String>,
    pub decided_at: OffsetDateTime,
    /// When the money moved; `None` while an approved payment is processed.
    pub executed_at: Option<OffsetDateTime>,
}

impl SimState {
    /// What the payer is shown, and what most protocols answer.
    pub fn shown(&self) -> Shown {
        match (self.decision, self.executed_at) {
            (Decision::Approve, Some(_)) => Shown::Executed,
            (Decision::Approve, None) => Shown::Accepted,
            (Decision::Reject, _) => Shown::Rejected,
            (Decision::Cancel, _) => Shown::Cancelled,
        }
    }
}

pub use crate::bank::Shown;

/// How the payer's browser carries the bank's answer back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserReturn {
    /// `GET` (fields in the query) or `POST` (a form body).
    pub method: &'static str,
    /// Without a query for `GET`: the fields are the query.
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// A server-to-server message as the bank sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireMessage {
    pub method: &'static str,
    /// With the query, if any.
    pub url: String,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    #[serde(serialize_with = "body_as_text")]
    pub body: Vec<u8>,
}

fn body_as_text<S: serde::Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(body))
}

impl BrowserReturn {
    /// A plain `GET` redirect to `target`: its query becomes the fields (the
    /// bank adds nothing; the hub asks for the status).
    pub fn redirect_to(target: &str) -> Result<BrowserReturn, url::ParseError> {
        let mut url = url::Url::parse(target)?;
        let fields: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        url.set_fragment(None);
        Ok(BrowserReturn {
            method: "GET",
            action: url.to_string(),
            fields,
        })
    }

    /// The same answer as the HTTP request the browser makes.
    pub fn as_wire(&self) -> WireMessage {
        let query = crate::vk::encode_form(&self.fields);
        if self.method == "GET" {
            let separator = if self.action.contains('?') { '&' } else { '?' };
            WireMessage {
                method: "GET",
                url: format!("{}{separator}{query}", self.action),
                content_type: None,
                headers: Vec::new(),
                body: Vec::new(),
            }
        } else {
            WireMessage {
                method: "POST",
                url: self.action.clone(),
                content_type: Some("application/x-www-form-urlencoded".into()),
                headers: Vec::new(),
                body: query.into_bytes(),
            }
        }
    }
}

/// One bank protocol, as the simulator speaks it.
pub trait SimProtocol: Send + Sync + 'static {
    /// The bank's name on its pages, e.g. `SEB banka (simulators)`.
    fn bank_name(&self) -> &'static str;
    /// Reads and verifies a payment request the payer's browser brought to
    /// `/pay`; the error is shown to the payer on the bank's error page.
    fn payment_request(&self, incoming: &Incoming) -> Result<SimOrder, String>;
    /// The answer the payer's browser carries back for `state`.
    fn browser_return(&self, order: &SimOrder, state: &SimState) -> Result<BrowserReturn, String>;
    /// The server message for `state`, if the protocol sends one for it.
    fn server_message(
        &self,
        order: &SimOrder,
        state: &SimState,
    ) -> Result<Option<WireMessage>, String>;
    /// Pauses before each retry of a server message the hub did not answer
    /// with 2xx (the protocol's own rule).
    fn retry_schedule(&self) -> Vec<Duration>;
    /// Routes of the protocol's own (status queries, a server-side API),
    /// merged beside the simulator's; they reach the orders through `sim`.
    fn routes(&self, sim: &Arc<Simulator>) -> Router {
        let _ = sim;
        Router::new()
    }
    /// Tester controls of the protocol's own, shown on the approve page
    /// beside the common ones; the choice made is kept with the decision
    /// ([`Simulator::chosen`]).
    fn controls(&self) -> &'static [SimControl] {
        &[]
    }
    /// Whether the bank sends server messages at all: when it does not (a
    /// PSD2 ASPSP), the approve page leaves out the controls of them.
    fn sends_server_messages(&self) -> bool {
        true
    }
}

/// A tester control of a protocol's own: a `<select name={name}
/// data-control={hook}>` whose first choice is the default.
#[derive(Debug, Clone, Copy)]
pub struct SimControl {
    pub name: &'static str,
    pub hook: &'static str,
    /// The label, Latvian and English.
    pub label: (&'static str, &'static str),
    /// Each choice: its value, its Latvian and its English text.
    pub choices: &'static [(&'static str, &'static str, &'static str)],
}

impl SimControl {
    /// The choice in `fields` (the first one when absent); an unknown value is refused.
    fn chosen<'a>(&self, fields: &'a [(String, String)]) -> Result<&'static str, String> {
        let given: Option<&'a str> = fields
            .iter()
            .rev()
            .find(|(k, _)| k == self.name)
            .map(|(_, v)| v.as_str());
        match given {
            None => self
                .choices
                .first()
                .map(|c| c.0)
                .ok_or_else(|| format!("{} has no choices", self.name)),
            Some(value) => self
                .choices
                .iter()
                .find(|c| c.0 == value)
                .map(|c| c.0)
                .ok_or_else(|| format!("{} {}", self.name, crate::vk::quoted(value))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerMessageMode {
    Send,
    Delay,
    Drop,
    Duplicate,
}

/// A misbehaving bank, for testing the hub's checks: its answers are
/// correctly signed but about another amount, currency or order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Faithful,
    /// One cent more than ordered.
    OtherAmount,
    /// USD instead of the ordered currency.
    OtherCurrency,
    /// About an order the hub never made (a random reference).
    OtherReference,
}

/// The tester's choices on the approve page.
#[derive(Debug, Clone, Copy)]
struct Options {
    server_message: ServerMessageMode,
    delay: Duration,
    browser_return: bool,
    processing: bool,
    answer: Answer,
}

impl Options {
    fn parse(fields: &[(String, String)]) -> Result<Options, String> {
        let field = |name: &str| {
            fields
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let server_message = match field("server_message").unwrap_or("send") {
            "send" => ServerMessageMode::Send,
            "delay" => ServerMessageMode::Delay,
            "drop" => ServerMessageMode::Drop,
            "duplicate" => ServerMessageMode::Duplicate,
            other => return Err(format!("server_message {}", crate::vk::quoted(other))),
        };
        let delay_text = field("delay_seconds").unwrap_or("3").trim();
        let delay = match delay_text.parse::<u64>() {
            Ok(s) if s <= MAX_DELAY_SECONDS => Duration::from_secs(s),
            _ => return Err(format!("delay_seconds {}", crate::vk::quoted(delay_text))),
        };
        let browser_return = match field("browser_return").unwrap_or("send") {
            "send" => true,
            "drop" => false,
            other => return Err(format!("browser_return {}", crate::vk::quoted(other))),
        };
        let processing = match field("outcome_mode").unwrap_or("direct") {
            "direct" => false,
            "processing" => true,
            other => return Err(format!("outcome_mode {}", crate::vk::quoted(other))),
        };
        let answer = match field("answer").unwrap_or("faithful") {
            "faithful" => Answer::Faithful,
            "amount" => Answer::OtherAmount,
            "currency" => Answer::OtherCurrency,
            "reference" => Answer::OtherReference,
            other => return Err(format!("answer {}", crate::vk::quoted(other))),
        };
        Ok(Options {
            server_message,
            delay,
            browser_return,
            processing,
            answer,
        })
    }
}

struct Entry {
    key: String,
    order: SimOrder,
    created: Instant,
    state: Option<SimState>,
    browser_return: bool,
    answer: Answer,
    /// The protocol's own controls as the tester chose them ([`SimControl`]).
    chosen: Vec<(&'static str, &'static str)>,
    messages: Vec<Sent>,
}

#[derive(Debug, Clone, Serialize)]
struct Sent {
    channel: &'static str,
    #[serde(flatten)]
    message: WireMessage,
}

/// One simulated bank: the protocol and its orders.
pub struct Simulator {
    protocol: Arc<dyn SimProtocol>,
    base_path: String,
    csp: HeaderValue,
    /// By order key (the random capability in the bank's page URLs).
    ledger: Mutex<HashMap<String, Entry>>,
    http: Result<reqwest::Client, String>,
    next_bank_reference: AtomicU64,
}

impl Simulator {
    /// `base_url` is where the hub mounts the router, without a trailing
    /// slash (`http://127.0.0.1:8080/sim/seb`); `hub_origin` is where the
    /// bank's return forms go (allowed by its Content-Security-Policy).
    pub fn new(protocol: Arc<dyn SimProtocol>, base_url: &str, hub_origin: &str) -> Arc<Simulator> {
        let base_path = url::Url::parse(base_url)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let seed = OffsetDateTime::now_utc().unix_timestamp();
        let seed = u64::try_from(seed).unwrap_or(0).saturating_mul(1000);
        Arc::new(Simulator {
            protocol,
            base_path,
            csp: content_security_policy(hub_origin),
            ledger: Mutex::new(HashMap::new()),
            http: crate::vk::http_client(),
            next_bank_reference: AtomicU64::new(seed),
        })
    }

    /// The simulator's routes, relative: the hub nests them where it mounts it.
    pub fn router(self: &Arc<Self>) -> Router {
        let own = self.protocol.routes(self);
        Router::new()
            .route("/pay", get(pay).post(pay))
            .route("/order/{key}", get(order_page))
            .route("/decide", post(decide))
            .route("/messages", get(messages))
            .route("/bank.css", get(css))
            .route("/autosubmit.js", get(autosubmit_js))
            .with_state(Arc::clone(self))
            .merge(own)
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
    }

    /// The path of the bank's pages (`/sim/seb`), for links in answers.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    fn ledger(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every update is a single assignment, so a poisoned lock is usable.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps an order and answers its key, the capability of its approve
    /// page. The same reference again for the same payment answers the same
    /// key; for another payment it is refused.
    pub fn open(&self, order: SimOrder) -> Result<String, String> {
        let mut ledger = self.ledger();
        ledger.retain(|_, e| e.created.elapsed() < LEDGER_RETENTION);
        if let Some(entry) = ledger
            .values()
            .find(|e| e.order.reference == order.reference)
        {
            let same = (
                &entry.order.amount,
                &entry.order.currency,
                &entry.order.payee_account,
                &entry.order.description,
                &entry.order.return_url,
            ) == (
                &order.amount,
                &order.currency,
                &order.payee_account,
                &order.description,
                &order.return_url,
            );
            return if same {
                Ok(entry.key.clone())
            } else {
                Err("this payment reference was already used for another payment".into())
            };
        }
        if ledger.len() >= LEDGER_CAPACITY
            && let Some(oldest) = ledger
                .values()
                .min_by_key(|e| e.created)
                .map(|e| e.key.clone())
        {
            ledger.remove(&oldest);
        }
        let key = random_key();
        ledger.insert(
            key.clone(),
            Entry {
                key: key.clone(),
                order,
                created: Instant::now(),
                state: None,
                browser_return: true,
                answer: Answer::Faithful,
                chosen: Vec::new(),
                messages: Vec::new(),
            },
        );
        Ok(key)
    }

    /// The order with this reference, as the bank answers about it (a
    /// misbehaving bank's answers included), and its state, if decided.
    pub fn state_of(&self, reference: &str) -> Option<(SimOrder, Option<SimState>)> {
        let key = {
            let ledger = self.ledger();
            ledger
                .values()
                .find(|e| e.order.reference == reference)?
                .key
                .clone()
        };
        self.entry(&key)
    }

    /// What the tester chose for the protocol's control `name` when the
    /// order with this reference was decided; `None` before the decision.
    pub fn chosen(&self, reference: &str, name: &str) -> Option<&'static str> {
        let ledger = self.ledger();
        let entry = ledger.values().find(|e| e.order.reference == reference)?;
        entry.state.as_ref()?;
        entry
            .chosen
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    /// The order as the bank answers about it: as ordered, unless the
    /// tester made the bank misbehave.
    fn entry(&self, key: &str) -> Option<(SimOrder, Option<SimState>)> {
        let ledger = self.ledger();
        let entry = ledger.get(key)?;
        let mut order = entry.order.clone();
        match entry.answer {
            Answer::Faithful => {}
            Answer::OtherAmount => {
                if let Some(more) = order
                    .amount
                    .minor()
                    .checked_add(1)
                    .and_then(|m| Amount::from_minor(m).ok())
                {
                    order.amount = more;
                }
            }
            Answer::OtherCurrency => {
                if let Some(usd) = Currency::parse("USD") {
                    order.currency = usd;
                }
            }
            Answer::OtherReference => order.reference = random_key(),
        }
        Some((order, entry.state.clone()))
    }

    /// Records the decision unless one was made; answers the one that counts
    /// and whether it is new.
    fn decide(
        &self,
        key: &str,
        decision: Decision,
        options: &Options,
        chosen: Vec<(&'static str, &'static str)>,
    ) -> Option<(SimOrder, SimState, bool)> {
        let mut ledger = self.ledger();
        let entry = ledger.get_mut(key)?;
        if let Some(state) = &entry.state {
            return Some((entry.order.clone(), state.clone(), false));
        }
        let now = OffsetDateTime::now_utc();
        let approved = decision == Decision::Approve;
        let state = SimState {
            decision,
            bank_reference: approved.then(|| {
                self.next_bank_reference
                    .fetch_add(1, Ordering::Relaxed)
                    .to_string()
            }),
            decided_at: now,
            executed_at: (approved && !options.processing).then_some(now),
        };
        entry.state = Some(state.clone());
        entry.browser_return = options.browser_return;
        entry.answer = options.answer;
        entry.chosen = chosen;
        Some((entry.order.clone(), state, true))
    }

    /// Marks a processing payment executed; answers the state to announce.
    fn execute(&self, key: &str) -> Option<(SimOrder, SimState)> {
        {
            let mut ledger = self.ledger();
            let state = ledger.get_mut(key)?.state.as_mut()?;
            if state.decision == Decision::Approve && state.executed_at.is_none() {
                state.executed_at = Some(OffsetDateTime::now_utc());
            }
        }
        let (order, state) = self.entry(key)?;
        Some((order, state?))
    }

    /// Keeps a message made for the order `key`, for `/messages` (a
    /// protocol's own routes call it for the answers they make).
    pub(crate) fn keep(&self, key: &str, channel: &'static str, message: &WireMessage) {
        let mut ledger = self.ledger();
        if let Some(entry) = ledger.get_mut(key) {
            if entry.messages.len() >= MESSAGES_KEPT {
                entry.messages.remove(0);
            }
            entry.messages.push(Sent {
                channel,
                message: message.clone(),
            });
        }
    }

    fn server_message_for(
        &self,
        key: &str,
        order: &SimOrder,
        state: &SimState,
    ) -> Option<WireMessage> {
        match self.protocol.server_message(order, state) {
            Ok(Some(message)) => {
                self.keep(key, "server", &message);
                Some(message)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(reference = %order.reference, "simulator could not write its server message: {e}");
                None
            }
        }
    }

    /// Sends what a new decision calls for, as the tester chose.
    async fn deliver(
        self: &Arc<Self>,
        key: &str,
        order: &SimOrder,
        state: &SimState,
        options: &Options,
    ) {
        let processing = options.processing && state.decision == Decision::Approve;
        if let Some(message) = self.server_message_for(key, order, state) {
            match options.server_message {
                ServerMessageMode::Send => self.post_now(message).await,
                ServerMessageMode::Duplicate => {
                    self.post_now(message.clone()).await;
                    self.post_now(message).await;
                }
                ServerMessageMode::Delay => {
                    let sim = Arc::clone(self);
                    let delay = options.delay;
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        sim.post_with_retries(message).await;
                    });
                }
                ServerMessageMode::Drop => {}
            }
        }
        if processing {
            let sim = Arc::clone(self);
            let key = key.to_owned();
            let delay = options.delay.max(Duration::from_secs(1));
            let send = options.server_message != ServerMessageMode::Drop;
            tokio::spawn(async move {
                tokio::time::sleep(delay.saturating_mul(2)).await;
                let Some((order, state)) = sim.execute(&key) else {
                    return;
                };
                if let Some(message) = sim.server_message_for(&key, &order, &state)
                    && send
                {
                    sim.post_with_retries(message).await;
                }
            });
        }
    }

    /// One attempt now; retries continue in the background.
    async fn post_now(self: &Arc<Self>, message: WireMessage) {
        if self.post_once(&message).await {
            return;
        }
        let sim = Arc::clone(self);
        tokio::spawn(async move { sim.retry(message).await });
    }

    async fn post_with_retries(&self, message: WireMessage) {
        if !self.post_once(&message).await {
            self.retry(message).await;
        }
    }

    async fn retry(&self, message: WireMessage) {
        for pause in self.protocol.retry_schedule() {
            tokio::time::sleep(pause).await;
            if self.post_once(&message).await {
                return;
            }
        }
        tracing::warn!(url = %message.url, "simulator gave up on a server message");
    }

    /// Sends a server message; true when the hub answered 2xx.
    pub async fn post_once(&self, message: &WireMessage) -> bool {
        let http = match &self.http {
            Ok(h) => h,
            Err(e) => {
                tracing::error!("simulator has no HTTP client: {e}");
                return false;
            }
        };
        let method = if message.method == "GET" {
            reqwest::Method::GET
        } else {
            reqwest::Method::POST
        };
        let mut request = http.request(method, &message.url);
        if let Some(content_type) = &message.content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        for (name, value) in &message.headers {
            request = request.header(name, value);
        }
        if !message.body.is_empty() {
            request = request.body(message.body.clone());
        }
        match request.send().await {
            Ok(r) if r.status().is_success() => true,
            Ok(r) => {
                tracing::warn!(url = %message.url, status = %r.status(), "server message refused");
                false
            }
            Err(e) => {
                tracing::warn!(url = %message.url, "server message not delivered: {e}");
                false
            }
        }
    }

    fn html(&self, status: StatusCode, body: String) -> Response {
        html_page(&self.csp, status, body)
    }

    fn error_page(&self, english: bool, detail: &str) -> Response {
        self.html(
            StatusCode::BAD_REQUEST,
            pages::error(&self.base_path, self.protocol.bank_name(), english, detail),
        )
    }
}

/// 128 random bits as 32 hex digits.
fn random_key() -> String {
    let mut bytes = [0u8; 16];
    maksa_domain::request::Entropy::fill(&mut maksa_app::clock::OsEntropy, &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn form_fields(query: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = query
        .map(|q| crate::vk::decode_form(q.as_bytes()))
        .unwrap_or_default();
    fields.extend(crate::vk::decode_form(body));
    fields
}

async fn pay(
    State(sim): State<Arc<Simulator>>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = content_type
        .as_deref()
        .is_none_or(|t| t.starts_with("application/x-www-form-urlencoded"));
    let fields = if is_form {
        form_fields(query.as_deref(), &body)
    } else {
        form_fields(query.as_deref(), b"")
    };
    let incoming = Incoming {
        fields,
        body: body.to_vec(),
        content_type,
        method: method.as_str().to_owned(),
        headers: Vec::new(),
    };
    let english = incoming
        .fields
        .iter()
        .any(|(_, v)| v == "ENG" || v == "EN" || v == "en");
    let order = match sim.protocol.payment_request(&incoming) {
        Ok(order) => order,
        Err(e) => {
            tracing::info!(
                bank = sim.protocol.bank_name(),
                "simulator refused a payment request: {e}"
            );
            return sim.error_page(english, &e);
        }
    };
    let english = order.english;
    match sim.open(order) {
        Ok(key) => approve(&sim, &key),
        Err(e) => sim.error_page(english, &e),
    }
}

async fn order_page(State(sim): State<Arc<Simulator>>, Path(key): Path<String>) -> Response {
    approve(&sim, &key)
}

fn approve(sim: &Simulator, key: &str) -> Response {
    match sim.entry(key) {
        Some((order, None)) => sim.html(
            StatusCode::OK,
            pages::approve(
                &sim.base_path,
                sim.protocol.bank_name(),
                key,
                &order,
                sim.protocol.controls(),
                sim.protocol.sends_server_messages(),
            ),
        ),
        Some((order, Some(state))) => answer_page(sim, key, &order, &state, true),
        None => sim.error_page(false, "no such order"),
    }
}

fn answer_page(
    sim: &Simulator,
    key: &str,
    order: &SimOrder,
    state: &SimState,
    repeated: bool,
) -> Response {
    let send_return = sim.ledger().get(key).is_none_or(|e| e.browser_return);
    if !send_return {
        return sim.html(
            StatusCode::OK,
            pages::done(
                &sim.base_path,
                sim.protocol.bank_name(),
                order.english,
                state.shown(),
                repeated,
            ),
        );
    }
    match sim.protocol.browser_return(order, state) {
        Ok(answer) => {
            sim.keep(key, "browser", &answer.as_wire());
            sim.html(
                StatusCode::OK,
                pages::bank_return(
                    &sim.base_path,
                    sim.protocol.bank_name(),
                    order.english,
                    state.shown(),
                    &answer,
                    repeated,
                ),
            )
        }
        Err(e) => sim.error_page(order.english, &e),
    }
}

async fn decide(State(sim): State<Arc<Simulator>>, body: Bytes) -> Response {
    let fields = crate::vk::decode_form(&body);
    let field = |name: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let key = field("order").unwrap_or_default().to_owned();
    let Some((order, _)) = sim.entry(&key) else {
        return sim.error_page(false, "no such order");
    };
    let decision = match field("decision") {
        Some("approve") => Decision::Approve,
        Some("reject") => Decision::Reject,
        Some("cancel") => Decision::Cancel,
        other => {
            let detail = format!("decision {}", crate::vk::quoted(other.unwrap_or_default()));
            return sim.error_page(order.english, &detail);
        }
    };
    let options = match Options::parse(&fields) {
        Ok(o) => o,
        Err(e) => return sim.error_page(order.english, &e),
    };
    let chosen = match sim
        .protocol
        .controls()
        .iter()
        .map(|c| c.chosen(&fields).map(|v| (c.name, v)))
        .collect::<Result<Vec<_>, String>>()
    {
        Ok(chosen) => chosen,
        Err(e) => return sim.error_page(order.english, &e),
    };
    let Some((_, _, is_new)) = sim.decide(&key, decision, &options, chosen) else {
        return sim.error_page(order.english, "no such order");
    };
    // Read back through `entry`, so a misbehaving answer is what is sent.
    let Some((order, Some(state))) = sim.entry(&key) else {
        return sim.error_page(order.english, "no such order");
    };
    if is_new {
        sim.deliver(&key, &order, &state, &options).await;
    }
    let (order, state) = match sim.entry(&key) {
        Some((order, Some(state))) => (order, state),
        _ => (order, state),
    };
    answer_page(&sim, &key, &order, &state, !is_new)
}

async fn messages(
    State(sim): State<Arc<Simulator>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let ledger = sim.ledger();
    let entry = match (query.get("key"), query.get("reference")) {
        (Some(key), _) => ledger.get(key),
        (None, Some(reference)) => ledger.values().find(|e| &e.order.reference == reference),
        (None, None) => {
            return plain(
                StatusCode::BAD_REQUEST,
                "key or reference is missing".into(),
            );
        }
    };
    let Some(entry) = entry else {
        return plain(StatusCode::NOT_FOUND, "no such order".into());
    };
    match serde_json::to_string(&entry.messages) {
        Ok(json) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            json,
        )
            .into_response(),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// A protocol's hub-side connector and its simulator, wired to each other:
/// what `maksa demo` mounts for each bank.
pub struct Sandbox {
    pub connector: Arc<dyn maksa_app::providers::Connector>,
    pub simulator: Arc<Simulator>,
}
