//! The demo bank itself: an axum router the hub mounts under `/demo-bank`.
//! It verifies the hub's 1012, lets the payer (or a tester) decide, sends the
//! signed answer by server message and browser return as the tester chose, and
//! answers 1017 queries from its in-memory ledger.

pub(crate) mod pages;

use crate::connector::DemoConnector;
use crate::keys::DemoKeys;
use crate::vk::{self, Fields};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maksa_app::providers::{Connector, ProviderError};
use maksa_domain::money::Currency;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const CSS: &str = include_str!("../../assets/bank.css");
const AUTOSUBMIT_JS: &str = include_str!("../../assets/autosubmit.js");

/// Orders older than this are forgotten, so a long-running demo does not grow
/// without bound; a query about one then answers "no decision" (204).
const LEDGER_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// The largest form the bank reads (a 1012 is under 2 KiB).
const BODY_LIMIT: usize = 16 * 1024;
/// The tester may delay a server message by at most this much.
const MAX_DELAY_SECONDS: u64 = 600;
/// How late a slow bank answers a status query: past the 5 seconds the
/// connector waits for an answer (`vk::http_client`), so the hub gives up
/// first and must ask again.
const SLOW_QUERY_DELAY: Duration = Duration::from_secs(6);
/// Pauses before each retry of a server message that did not get a 2xx.
const RETRY_BACKOFF: [Duration; 4] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
];

/// The fields of a 1012 the bank keeps and carries through its approve page:
/// the signed ones, the signature, and the two unsigned presentation fields.
const REQUEST_FIELDS: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_STAMP",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_ACC",
    "VK_NAME",
    "VK_REF",
    "VK_MSG",
    "VK_RETURN",
    "VK_NOTIFY",
    "VK_DATETIME",
    "VK_MAC",
    "VK_ENCODING",
    "VK_LANG",
];

/// The demo bank DEMO0000.
pub struct DemoBank {
    keys: DemoKeys,
    /// The path part of the bank's base URL (`/demo-bank`): pages link their
    /// assets and forms by path, so they work under whatever host name the
    /// payer used.
    base_path: String,
    csp: HeaderValue,
    ledger: Mutex<HashMap<String, Entry>>,
    http: Result<reqwest::Client, String>,
    connector: Arc<DemoConnector>,
    /// The bank's own payment numbers (`VK_T_NO`); seeded from the clock so
    /// numbers stay unique across restarts.
    next_t_no: AtomicU64,
}

/// A verified 1012 as the bank keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Order {
    stamp: String,
    /// The signed amount text, echoed unchanged into answers.
    amount: String,
    currency: String,
    account: String,
    name: String,
    message: String,
    return_url: String,
    notify_url: String,
    english: bool,
    request: Vec<(String, String)>,
}

impl Order {
    /// Whether two requests ask for the same payment (the time, signature and
    /// language may differ when the hub's page is submitted again).
    fn same_payment(&self, other: &Order) -> bool {
        (
            &self.amount,
            &self.currency,
            &self.account,
            &self.name,
            &self.message,
            &self.return_url,
            &self.notify_url,
        ) == (
            &other.amount,
            &other.currency,
            &other.account,
            &other.name,
            &other.message,
            &other.return_url,
            &other.notify_url,
        )
    }
}

struct Entry {
    order: Order,
    created: Instant,
    decision: Option<Decided>,
    /// Status queries still to be answered late (the tester's `status_query`).
    slow_queries: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approve,
    Reject,
    Cancel,
}

#[derive(Debug, Clone)]
struct Decided {
    decision: Decision,
    t_no: Option<String>,
    decided_at: OffsetDateTime,
    /// When the money moved; `None` while an approved payment is still
    /// being processed (answers 1112 until then).
    executed_at: Option<OffsetDateTime>,
    browser_return: BrowserReturn,
}

/// What the payer sees as the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Executed,
    Accepted,
    Rejected,
    Cancelled,
}

impl Decided {
    fn shown(&self) -> Shown {
        match (self.decision, self.executed_at) {
            (Decision::Approve, Some(_)) => Shown::Executed,
            (Decision::Approve, None) => Shown::Accepted,
            (Decision::Reject, _) => Shown::Rejected,
            (Decision::Cancel, _) => Shown::Cancelled,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerMessage {
    Send,
    Delay,
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BrowserReturn {
    Send,
    Drop,
}

/// The tester's choices on the approve page.
#[derive(Debug, Clone, Copy)]
struct Options {
    server_message: ServerMessage,
    delay: Duration,
    browser_return: BrowserReturn,
    processing: bool,
    /// How many of the hub's status queries about this order are answered
    /// [`SLOW_QUERY_DELAY`] late: `status_query` `prompt` (0), `slow` (the
    /// first one), `slow-always` (every one).
    slow_queries: u32,
}

impl Options {
    fn parse(fields: &[(String, String)]) -> Result<Options, String> {
        let server_message = match fields.field("server_message").unwrap_or("send") {
            "send" => ServerMessage::Send,
            "delay" => ServerMessage::Delay,
            "drop" => ServerMessage::Drop,
            other => return Err(format!("server_message {}", vk::quoted(other))),
        };
        let delay_text = fields.field("delay_seconds").unwrap_or("3").trim();
        let delay = match delay_text.parse::<u64>() {
            Ok(s) if s <= MAX_DELAY_SECONDS => Duration::from_secs(s),
            _ => return Err(format!("delay_seconds {}", vk::quoted(delay_text))),
        };
        let browser_return = match fields.field("browser_return").unwrap_or("send") {
            "send" => BrowserReturn::Send,
            "drop" => BrowserReturn::Drop,
            other => return Err(format!("browser_return {}", vk::quoted(other))),
        };
        let processing = match fields.field("outcome_mode").unwrap_or("direct") {
            "direct" => false,
            "processing" => true,
            other => return Err(format!("outcome_mode {}", vk::quoted(other))),
        };
        let slow_queries = match fields.field("status_query").unwrap_or("prompt") {
            "prompt" => 0,
            "slow" => 1,
            "slow-always" => u32::MAX,
            other => return Err(format!("status_query {}", vk::quoted(other))),
        };
        Ok(Options {
            server_message,
            delay,
            browser_return,
            processing,
            slow_queries,
        })
    }
}

impl DemoBank {
    /// `bank_base_url` is where the hub mounts the router, without a trailing
    /// slash (`http://127.0.0.1:8080/demo-bank`); `hub_origin` is where the
    /// bank's return form posts to (`http://127.0.0.1:8080`), allowed by the
    /// pages' Content-Security-Policy.
    pub fn new(keys: DemoKeys, bank_base_url: String, hub_origin: String) -> Arc<DemoBank> {
        let bank_base_url = bank_base_url.trim_end_matches('/').to_owned();
        let base_path = match url::Url::parse(&bank_base_url) {
            Ok(url) => url.path().trim_end_matches('/').to_owned(),
            Err(e) => {
                tracing::warn!(%bank_base_url, "demo bank base URL does not parse ({e}); serving pages from /");
                String::new()
            }
        };
        let csp = content_security_policy(&hub_origin);
        let seed = OffsetDateTime::now_utc().unix_timestamp();
        let seed = u64::try_from(seed).unwrap_or(0).saturating_mul(1000);
        Arc::new(DemoBank {
            connector: Arc::new(DemoConnector::new(&keys, &bank_base_url)),
            keys,
            base_path,
            csp,
            ledger: Mutex::new(HashMap::new()),
            http: vk::http_client(),
            next_t_no: AtomicU64::new(seed),
        })
    }

    /// The bank's routes, relative: the hub nests them under `/demo-bank`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/pay", post(pay))
            .route("/decide", post(decide))
            .route("/query", post(query))
            .route("/bank.css", get(css))
            .route("/autosubmit.js", get(autosubmit_js))
            // Its forms are a few short fields; nobody needs to post more.
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(Arc::clone(self))
    }

    /// The hub-side connector for this bank (code DEMO0000).
    pub fn connector(&self) -> Arc<dyn Connector> {
        self.connector.clone()
    }

    fn ledger(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave an entry half-written
        // (every update is a single assignment), so a poisoned lock is usable.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks the hub's signature and the contents of a 1012.
    fn verify_payment(&self, fields: &[(String, String)]) -> Result<Order, ProviderError> {
        vk::verify(self.keys.hub_public_key(), &[vk::SERVICE_PAYMENT], fields)?;
        vk::expect_value(fields, "VK_VERSION", vk::VERSION)?;
        vk::expect_value(fields, "VK_SND_ID", vk::HUB_ID)?;
        vk::check_encoding(fields)?;
        let malformed = |what: String| ProviderError::Malformed(what);
        let stamp = vk::required(fields, "VK_STAMP")?;
        let stamp_ok = (1..=64).contains(&stamp.len())
            && stamp
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !stamp_ok {
            return Err(malformed(format!("VK_STAMP {}", vk::quoted(stamp))));
        }
        let amount = vk::required(fields, "VK_AMOUNT")?;
        match vk::parse_amount(amount) {
            Some(a) if a.minor() > 0 => {}
            _ => return Err(malformed(format!("VK_AMOUNT {}", vk::quoted(amount)))),
        }
        let currency = vk::required(fields, "VK_CURR")?;
        if Currency::parse(currency).map(|c| c.as_str() == currency) != Some(true) {
            return Err(malformed(format!("VK_CURR {}", vk::quoted(currency))));
        }
        let return_url = vk::required(fields, "VK_RETURN")?;
        let notify_url = vk::required(fields, "VK_NOTIFY")?;
        for (name, value) in [("VK_RETURN", return_url), ("VK_NOTIFY", notify_url)] {
            let ok = url::Url::parse(value)
                .map(|u| matches!(u.scheme(), "http" | "https"))
                .unwrap_or(false);
            if !ok {
                return Err(malformed(format!(
                    "{name} {} is not an http(s) URL",
                    vk::quoted(value)
                )));
            }
        }
        let datetime = vk::required(fields, "VK_DATETIME")?;
        if vk::parse_time(datetime).is_none() {
            return Err(malformed(format!("VK_DATETIME {}", vk::quoted(datetime))));
        }
        let request = REQUEST_FIELDS
            .iter()
            .filter_map(|&name| fields.field(name).map(|v| (name.to_owned(), v.to_owned())))
            .collect();
        Ok(Order {
            stamp: stamp.to_owned(),
            amount: amount.to_owned(),
            currency: currency.to_owned(),
            account: vk::required(fields, "VK_ACC")?.to_owned(),
            name: vk::required(fields, "VK_NAME")?.to_owned(),
            message: vk::required(fields, "VK_MSG")?.to_owned(),
            return_url: return_url.to_owned(),
            notify_url: notify_url.to_owned(),
            english: fields.field("VK_LANG") == Some("ENG"),
            request,
        })
    }

    /// Keeps the order under its stamp, unless the stamp already names
    /// another payment. Old entries are pruned on the way.
    fn remember(&self, order: &Order) -> Result<(), String> {
        let mut ledger = self.ledger();
        ledger.retain(|_, e| e.created.elapsed() < LEDGER_RETENTION);
        match ledger.get(&order.stamp) {
            Some(entry) if !entry.order.same_payment(order) => {
                Err("VK_STAMP was already used for another payment".into())
            }
            Some(_) => Ok(()),
            None => {
                ledger.insert(
                    order.stamp.clone(),
                    Entry {
                        order: order.clone(),
                        created: Instant::now(),
                        decision: None,
                        slow_queries: 0,
                    },
                );
                Ok(())
            }
        }
    }

    /// Records the decision unless one was already made for this stamp;
    /// answers the decision that counts and whether it is the new one.
    fn record(
        &self,
        order: &Order,
        decision: Decision,
        options: &Options,
    ) -> Result<(Decided, bool), String> {
        self.remember(order)?;
        let mut ledger = self.ledger();
        let Some(entry) = ledger.get_mut(&order.stamp) else {
            return Err("the order was forgotten".into());
        };
        if let Some(first) = &entry.decision {
            return Ok((first.clone(), false));
        }
        entry.slow_queries = options.slow_queries;
        let now = OffsetDateTime::now_utc();
        let approved = decision == Decision::Approve;
        let decided = Decided {
            decision,
            t_no: approved.then(|| self.next_t_no.fetch_add(1, Ordering::Relaxed).to_string()),
            decided_at: now,
            executed_at: (approved && !options.processing).then_some(now),
            browser_return: options.browser_return,
        };
        entry.decision = Some(decided.clone());
        Ok((decided, true))
    }

    /// The decision on a stamp as it stands now (a processing payment may
    /// have been executed since).
    fn current(&self, stamp: &str) -> Option<(Order, Decided)> {
        let ledger = self.ledger();
        let entry = ledger.get(stamp)?;
        Some((entry.order.clone(), entry.decision.clone()?))
    }

    /// Whether this status query about `stamp` is to be answered late (the
    /// tester's `status_query`); counts it.
    fn slow_query(&self, stamp: &str) -> bool {
        let mut ledger = self.ledger();
        match ledger.get_mut(stamp) {
            Some(entry) if entry.slow_queries > 0 => {
                entry.slow_queries = entry.slow_queries.saturating_sub(1);
                true
            }
            _ => false,
        }
    }

    /// Marks a processing payment executed; answers the state to announce.
    fn execute(&self, stamp: &str) -> Option<(Order, Decided)> {
        let mut ledger = self.ledger();
        let entry = ledger.get_mut(stamp)?;
        let decided = entry.decision.as_mut()?;
        if decided.decision == Decision::Approve && decided.executed_at.is_none() {
            decided.executed_at = Some(OffsetDateTime::now_utc());
        }
        Some((entry.order.clone(), decided.clone()))
    }

    /// The signed answer (1111, 1112 or 1911) for a decision.
    fn answer(
        &self,
        order: &Order,
        decided: &Decided,
        auto: &str,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let shown = decided.shown();
        let service = match shown {
            Shown::Executed => vk::SERVICE_EXECUTED,
            Shown::Accepted => vk::SERVICE_ACCEPTED,
            Shown::Rejected | Shown::Cancelled => vk::SERVICE_NOT_EXECUTED,
        };
        let at = decided.executed_at.unwrap_or(decided.decided_at);
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let mut fields = vec![
            pair("VK_SERVICE", service),
            pair("VK_VERSION", vk::VERSION),
            pair("VK_SND_ID", vk::BANK_ID),
            pair("VK_REC_ID", vk::HUB_ID),
            pair("VK_STAMP", &order.stamp),
        ];
        if let Some(t_no) = &decided.t_no {
            fields.push(pair("VK_T_NO", t_no));
        }
        fields.extend([
            pair("VK_AMOUNT", &order.amount),
            pair("VK_CURR", &order.currency),
            pair("VK_REC_ACC", &order.account),
            pair("VK_REC_NAME", &order.name),
            pair("VK_MSG", &order.message),
        ]);
        match shown {
            Shown::Rejected => fields.push(pair("VK_REASON", "rejected")),
            Shown::Cancelled => fields.push(pair("VK_REASON", "cancelled")),
            Shown::Executed | Shown::Accepted => {}
        }
        fields.extend([
            pair("VK_T_DATETIME", &vk::format_time(at)),
            pair("VK_AUTO", auto),
        ]);
        let mac = self.keys.sign_as_bank(&fields)?;
        fields.extend([
            pair("VK_MAC", &mac),
            pair("VK_ENCODING", vk::ENCODING),
            pair("VK_LANG", if order.english { "ENG" } else { "LAT" }),
        ]);
        Ok(fields)
    }

    /// Sends the server messages a new decision calls for. A message the
    /// tester asked to send now is posted before the payer's browser gets its
    /// answer, so "server message first" can be tested.
    async fn deliver(self: &Arc<Self>, order: &Order, decided: &Decided, options: &Options) {
        let message = match self.answer(order, decided, "Y") {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(stamp = %order.stamp, "demo bank could not sign its answer: {e}");
                return;
            }
        };
        let notify = order.notify_url.clone();
        match options.server_message {
            ServerMessage::Send => self.post_now(notify.clone(), message).await,
            ServerMessage::Delay => {
                if !options.processing || decided.decision != Decision::Approve {
                    let bank = Arc::clone(self);
                    let delay = options.delay;
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        bank.post_with_retries(notify, message).await;
                    });
                }
            }
            ServerMessage::Drop => {}
        }
        if options.processing && decided.decision == Decision::Approve {
            self.schedule_execution(order, options);
        }
    }

    /// Processing mode: the payment executes `delay` after the 1112 went (or
    /// would have gone), and the 1111 follows by server message unless
    /// dropped. With `delay`, the 1112 itself goes first, `delay` after the
    /// decision, so the two messages never race.
    fn schedule_execution(self: &Arc<Self>, order: &Order, options: &Options) {
        let delayed_1112 = options.server_message == ServerMessage::Delay;
        let bank = Arc::clone(self);
        let stamp = order.stamp.clone();
        let notify = order.notify_url.clone();
        let delay = options.delay;
        let send_1111 = options.server_message != ServerMessage::Drop;
        tokio::spawn(async move {
            if delayed_1112 {
                tokio::time::sleep(delay).await;
                if let Some((order, decided)) = bank.current(&stamp) {
                    match bank.answer(&order, &decided, "Y") {
                        Ok(m) => bank.post_now(notify.clone(), m).await,
                        Err(e) => tracing::error!(%stamp, "demo bank could not sign: {e}"),
                    }
                }
            }
            tokio::time::sleep(delay).await;
            let Some((order, decided)) = bank.execute(&stamp) else {
                return;
            };
            if send_1111 {
                match bank.answer(&order, &decided, "Y") {
                    Ok(m) => bank.post_with_retries(notify, m).await,
                    Err(e) => tracing::error!(%stamp, "demo bank could not sign: {e}"),
                }
            }
        });
    }

    /// One attempt now; on failure, retries continue in the background so
    /// the payer is not kept waiting.
    async fn post_now(self: &Arc<Self>, url: String, fields: Vec<(String, String)>) {
        if self.post_once(&url, &fields).await {
            return;
        }
        let bank = Arc::clone(self);
        tokio::spawn(async move { bank.retry(url, fields).await });
    }

    async fn post_with_retries(&self, url: String, fields: Vec<(String, String)>) {
        if !self.post_once(&url, &fields).await {
            self.retry(url, fields).await;
        }
    }

    async fn retry(&self, url: String, fields: Vec<(String, String)>) {
        for pause in RETRY_BACKOFF {
            tokio::time::sleep(pause).await;
            if self.post_once(&url, &fields).await {
                return;
            }
        }
        tracing::error!(%url, "demo bank gave up on a server message");
    }

    /// Posts a server message; true when the hub answered 2xx.
    async fn post_once(&self, url: &str, fields: &[(String, String)]) -> bool {
        let http = match &self.http {
            Ok(h) => h,
            Err(e) => {
                tracing::error!("demo bank has no HTTP client: {e}");
                return false;
            }
        };
        let sent = http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(vk::encode_form(fields))
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => true,
            Ok(r) => {
                tracing::warn!(%url, status = %r.status(), "server message refused");
                false
            }
            Err(e) => {
                tracing::warn!(%url, "server message not delivered: {e}");
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
            pages::error(&self.base_path, english, detail),
        )
    }
}

/// A bank page with its security headers: the Content-Security-Policy
/// `csp`, never cached, never sniffed, no referrer.
pub(crate) fn html_page(csp: &HeaderValue, status: StatusCode, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    (status, headers, body).into_response()
}

/// The pages' policy: nothing but the bank's own stylesheet and script, and
/// forms may post only to the bank and to the hub.
pub(crate) fn content_security_policy(hub_origin: &str) -> HeaderValue {
    let hub = url::Url::parse(hub_origin)
        .ok()
        .map(|u| u.origin())
        .filter(|o| o.is_tuple())
        .map(|o| format!(" {}", o.ascii_serialization()));
    if hub.is_none() {
        tracing::warn!(%hub_origin, "hub origin does not parse; bank forms may only post to the bank");
    }
    let policy = format!(
        "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'{}; \
         frame-ancestors 'none'; base-uri 'none'",
        hub.unwrap_or_default()
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        )
    })
}

fn language_of(fields: &[(String, String)]) -> bool {
    fields.field("VK_LANG") == Some("ENG")
}

async fn pay(State(bank): State<Arc<DemoBank>>, body: Bytes) -> Response {
    let fields = vk::decode_form(&body);
    let order = match bank.verify_payment(&fields) {
        Ok(o) => o,
        Err(e) => {
            tracing::info!("demo bank refused a payment request: {e}");
            return bank.error_page(language_of(&fields), &e.to_string());
        }
    };
    if let Err(e) = bank.remember(&order) {
        return bank.error_page(order.english, &e);
    }
    bank.html(StatusCode::OK, pages::approve(&bank.base_path, &order))
}

async fn decide(State(bank): State<Arc<DemoBank>>, body: Bytes) -> Response {
    let fields = vk::decode_form(&body);
    // The approve page carries the signed request, so the decision needs no
    // server-side session and the payer cannot change what is being paid.
    let order = match bank.verify_payment(&fields) {
        Ok(o) => o,
        Err(e) => return bank.error_page(language_of(&fields), &e.to_string()),
    };
    let decision = match fields.field("decision") {
        Some("approve") => Decision::Approve,
        Some("reject") => Decision::Reject,
        Some("cancel") => Decision::Cancel,
        other => {
            let detail = format!("decision {}", vk::quoted(other.unwrap_or_default()));
            return bank.error_page(order.english, &detail);
        }
    };
    let options = match Options::parse(&fields) {
        Ok(o) => o,
        Err(e) => return bank.error_page(order.english, &e),
    };
    let (decided, is_new) = match bank.record(&order, decision, &options) {
        Ok(d) => d,
        Err(e) => return bank.error_page(order.english, &e),
    };
    if is_new {
        bank.deliver(&order, &decided, &options).await;
    }
    let (order, decided) = bank.current(&order.stamp).unwrap_or((order, decided));
    let repeated = !is_new;
    match decided.browser_return {
        BrowserReturn::Send => match bank.answer(&order, &decided, "N") {
            Ok(answer) => bank.html(
                StatusCode::OK,
                pages::bank_return(&bank.base_path, &order, decided.shown(), &answer, repeated),
            ),
            Err(e) => bank.error_page(order.english, &e.to_string()),
        },
        BrowserReturn::Drop => bank.html(
            StatusCode::OK,
            pages::done(&bank.base_path, order.english, decided.shown(), repeated),
        ),
    }
}

async fn query(State(bank): State<Arc<DemoBank>>, body: Bytes) -> Response {
    let fields = vk::decode_form(&body);
    let checked = vk::verify(bank.keys.hub_public_key(), &[vk::SERVICE_QUERY], &fields)
        .and_then(|_| vk::expect_value(&fields, "VK_VERSION", vk::VERSION))
        .and_then(|_| vk::expect_value(&fields, "VK_SND_ID", vk::HUB_ID))
        .and_then(|_| vk::required(&fields, "VK_STAMP"));
    let stamp = match checked {
        Ok(s) => s,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if bank.slow_query(stamp) {
        tokio::time::sleep(SLOW_QUERY_DELAY).await;
    }
    let Some((order, decided)) = bank.current(stamp) else {
        return plain(StatusCode::NO_CONTENT, String::new());
    };
    match bank.answer(&order, &decided, "Y") {
        Ok(answer) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            vk::encode_form(&answer),
        )
            .into_response(),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

pub(crate) fn plain(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub(crate) async fn autosubmit_js() -> Response {
    asset("text/javascript; charset=utf-8", AUTOSUBMIT_JS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        body,
    )
        .into_response()
}
