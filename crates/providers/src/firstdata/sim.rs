//! The acquirer's side of First Data ECOMM, for the sandbox, relative to
//! where it is mounted (`/sim/firstdata`):
//!
//! - `POST /ecomm/MerchantHandler` — the merchant's commands `v`, `c`, `r`,
//!   `b`, answered in `KEY: value` lines (`error: …` when refused); when the
//!   sandbox runs with mutual TLS, only over TLS with exactly the hub's
//!   client certificate (else 403 `error: …`).
//! - `GET /ecomm/ClientHandler?trans_id=` — the payer's card page
//!   (`bank-approve`); `POST /ecomm/card` takes the card (and the tester's
//!   choices), `POST /ecomm/3ds` the 3-D Secure step (`bank-3ds`); the payer's
//!   browser is then POSTed to the merchant's fixed return address with
//!   `trans_id` (`bank-return`), or not (`bank-done`).
//!
//! Each transaction moves `CREATED` → (`PENDING` at the 3-D Secure step) →
//! `OK` | `FAILED` | `DECLINED` | `TIMEOUT`, and `OK` → `REVERSED` after `r`.
//! The day's totals (approved payments, reversals) count from the last `b`.
//! The kernel ([`crate::sim::Simulator`]) keeps the orders for `/messages`
//! and serves the stylesheet and the autosubmit script.

use super::keyvalue::Answer;
use super::pages::{self, CardPage};
use super::{
    CLIENT_HANDLER_PATH, DAY_CLOSED_CODE, DESCRIPTION_LIMIT, EUR_NUMERIC, MERCHANT_HANDLER_PATH,
    REVERSED_CODE, valid_trans_id,
};
use crate::bank::{Shown, content_security_policy, html_page};
use crate::sim::{BrowserReturn, SimOrder, SimProtocol, SimState, Simulator, WireMessage};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use base64::Engine as _;
use maksa_app::providers::Incoming;
use maksa_domain::money::{Amount, Currency};
use maksa_x509::TlsPeer;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// At most this many transactions are kept; the oldest go first.
const CAPACITY: usize = 10_000;
/// The amount of the payment a forced day-close mismatch adds (1.00 EUR).
pub const MISMATCH_AMOUNT: i64 = 100;

/// One of the sandbox's test cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestCard {
    /// The card's name in the page's `data-card` hook and the docs.
    pub name: &'static str,
    pub number: &'static str,
    pub outcome_lv: &'static str,
    pub outcome_en: &'static str,
}

/// The test cards (docs/providers/firstdata.md); the first is the one the
/// card page is filled in with. Any other number is declined (`DECLINED`,
/// `RESULT_CODE: 100`).
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        name: "approved",
        number: "4111111111111111",
        outcome_lv: "apstiprināts (OK, 000)",
        outcome_en: "approved (OK, 000)",
    },
    TestCard {
        name: "declined",
        number: "4000000000000002",
        outcome_lv: "noraidīts: nepietiek līdzekļu (FAILED, 116)",
        outcome_en: "declined: insufficient funds (FAILED, 116)",
    },
    TestCard {
        name: "3ds",
        number: "4000000000003220",
        outcome_lv: "prasa 3-D Secure apstiprinājumu",
        outcome_en: "asks for 3-D Secure",
    },
    TestCard {
        name: "timeout",
        number: "4000000000000119",
        outcome_lv: "banka neatbild laikā (TIMEOUT)",
        outcome_en: "the bank does not answer in time (TIMEOUT)",
    },
];

/// A transaction as the simulated acquirer keeps it.
#[derive(Debug, Clone)]
struct Transaction {
    /// The kernel's order key (for `/messages`).
    key: String,
    amount: i64,
    description: String,
    english: bool,
    created: Instant,
    /// `CREATED`, `PENDING`, `OK`, `FAILED`, `DECLINED`, `TIMEOUT`, `REVERSED`.
    result: &'static str,
    result_code: Option<&'static str>,
    secure3d: Option<&'static str>,
    rrn: Option<String>,
    approval_code: Option<String>,
    card_number: Option<String>,
    /// The payer cancelled on the card page.
    cancelled: bool,
    /// Whether the payer's browser goes back to the merchant (a tester's choice).
    browser_return: bool,
}

impl Transaction {
    fn decided(&self) -> bool {
        !matches!(self.result, "CREATED" | "PENDING")
    }

    fn shown(&self) -> Shown {
        match self.result {
            "OK" | "REVERSED" => Shown::Executed,
            _ if self.cancelled => Shown::Cancelled,
            _ => Shown::Rejected,
        }
    }

    /// The `c` answer.
    fn status_lines(&self) -> String {
        let mut lines: Vec<(&str, &str)> = vec![("RESULT", self.result)];
        if let Some(code) = self.result_code {
            lines.push(("RESULT_CODE", code));
        }
        if let Some(secure) = self.secure3d {
            lines.push(("3DSECURE", secure));
        }
        if let Some(rrn) = &self.rrn {
            lines.push(("RRN", rrn));
        }
        if let Some(approval) = &self.approval_code {
            lines.push(("APPROVAL_CODE", approval));
        }
        if let Some(card) = &self.card_number {
            lines.push(("CARD_NUMBER", card));
        }
        Answer::write(&lines)
    }
}

/// Totals since the last `b`.
#[derive(Debug, Clone, Copy, Default)]
struct Day {
    debit_count: u64,
    debit_amount: i64,
    reversal_count: u64,
    reversal_amount: i64,
    /// The tester asked for the next close to disagree with the hub.
    mismatch: bool,
}

/// The simulated acquirer.
#[derive(Clone)]
pub struct FirstDataSim {
    inner: Arc<Inner>,
}

struct Inner {
    /// The mount path (`/sim/firstdata`), for the pages' links.
    base_path: String,
    /// The merchant's return address, fixed as in a real contract.
    return_url: String,
    /// The only client certificate taken at the `MerchantHandler`, when set.
    thumbprint: Option<String>,
    csp: HeaderValue,
    transactions: Mutex<HashMap<String, Transaction>>,
    day: Mutex<Day>,
    next_number: AtomicU64,
}

impl FirstDataSim {
    /// `base_url`: where the simulator is mounted; `hub_origin`: where the
    /// return form may post (its CSP); `return_url`: the merchant's return
    /// address; `thumbprint`: the merchant's certificate, required when given.
    pub fn new(
        base_url: &str,
        hub_origin: &str,
        return_url: &str,
        thumbprint: Option<String>,
    ) -> FirstDataSim {
        let base_path = url::Url::parse(base_url)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let seed = time::OffsetDateTime::now_utc().unix_timestamp();
        let seed = u64::try_from(seed).unwrap_or(0).saturating_mul(1000);
        FirstDataSim {
            inner: Arc::new(Inner {
                base_path,
                return_url: return_url.to_owned(),
                thumbprint,
                csp: content_security_policy(hub_origin),
                transactions: Mutex::new(HashMap::new()),
                day: Mutex::new(Day::default()),
                next_number: AtomicU64::new(seed),
            }),
        }
    }
}

impl Inner {
    fn transactions(&self) -> MutexGuard<'_, HashMap<String, Transaction>> {
        // Every update is made whole under the lock, so a poisoned one is usable.
        self.transactions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn day(&self) -> MutexGuard<'_, Day> {
        self.day.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn number(&self) -> u64 {
        self.next_number.fetch_add(1, Ordering::Relaxed)
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

/// 20 random bytes in base64: 28 characters, like the acquirer's ids.
fn new_trans_id() -> String {
    let mut bytes = [0u8; 20];
    maksa_domain::request::Entropy::fill(&mut maksa_app::clock::OsEntropy, &mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `4111111111111111` → `4***********1111`: the first digit and the last four.
fn mask(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let count = digits.len();
    digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if i == 0 || i.saturating_add(4) >= count {
                *d
            } else {
                '*'
            }
        })
        .collect()
}

fn text_answer(status: StatusCode, body: String) -> Response {
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

/// The acquirer's refusal: `error: <text>`, with 200 as ECOMM answers it.
fn refusal(text: &str) -> Response {
    text_answer(StatusCode::OK, format!("error: {text}\n"))
}

type RouteState = (Arc<Inner>, Arc<Simulator>);

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn merchant_handler(
    State((inner, sim)): State<RouteState>,
    peer: Option<Extension<TlsPeer>>,
    body: Bytes,
) -> Response {
    if let Err(why) = crate::mtls::check_caller(peer.as_ref(), inner.thumbprint.as_deref()) {
        tracing::info!("simulated First Data refused a caller: {why}");
        return text_answer(StatusCode::FORBIDDEN, format!("error: {why}\n"));
    }
    let fields = crate::vk::decode_form(&body);
    match field(&fields, "command") {
        Some("v") => register(&inner, &sim, &fields),
        Some("c") => status(&inner, &fields),
        Some("r") => reverse(&inner, &fields),
        Some("b") => close_day(&inner),
        Some(other) => refusal(&format!("unknown command {}", crate::vk::quoted(other))),
        None => refusal("command is missing"),
    }
}

/// `v`: a new transaction, `CREATED`.
fn register(inner: &Inner, sim: &Simulator, fields: &[(String, String)]) -> Response {
    if field(fields, "msg_type").is_some_and(|t| t != "SMS") {
        return refusal("msg_type must be SMS for command v");
    }
    let amount = field(fields, "amount")
        .filter(|a| !a.is_empty() && a.len() <= 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| *a > 0);
    let Some(amount) = amount.and_then(|a| Amount::from_minor(a).ok()) else {
        return refusal("wrong amount");
    };
    if field(fields, "currency") != Some(EUR_NUMERIC) {
        return refusal("wrong currency (this merchant takes 978 only)");
    }
    if field(fields, "client_ip_addr")
        .and_then(|a| a.parse::<std::net::IpAddr>().ok())
        .is_none()
    {
        return refusal("wrong client_ip_addr");
    }
    let description = field(fields, "description").unwrap_or_default();
    if description.chars().count() > DESCRIPTION_LIMIT {
        return refusal("description is too long");
    }
    let english = match field(fields, "language").unwrap_or("lv") {
        "lv" => false,
        "en" => true,
        _ => return refusal("wrong language"),
    };
    let id = new_trans_id();
    let order = SimOrder {
        reference: id.clone(),
        amount,
        currency: Currency::EUR,
        payee_account: String::new(),
        payee_name: pages::BANK.to_owned(),
        description: description.to_owned(),
        return_url: inner.return_url.clone(),
        notify_url: None,
        english,
        echo: Vec::new(),
    };
    let key = match sim.open(order) {
        Ok(key) => key,
        Err(e) => return refusal(&e),
    };
    let mut transactions = inner.transactions();
    if transactions.len() >= CAPACITY
        && let Some(oldest) = transactions
            .iter()
            .min_by_key(|(_, t)| t.created)
            .map(|(id, _)| id.clone())
    {
        transactions.remove(&oldest);
    }
    transactions.insert(
        id.clone(),
        Transaction {
            key,
            amount: amount.minor(),
            description: description.to_owned(),
            english,
            created: Instant::now(),
            result: "CREATED",
            result_code: None,
            secure3d: None,
            rrn: None,
            approval_code: None,
            card_number: None,
            cancelled: false,
            browser_return: true,
        },
    );
    text_answer(StatusCode::OK, Answer::write(&[("TRANSACTION_ID", &id)]))
}

/// `c`: the transaction's state. `client_ip_addr` must be an address, but is
/// not compared with the one `v` gave (the hub sends `0.0.0.0` when it no
/// longer remembers it).
fn status(inner: &Inner, fields: &[(String, String)]) -> Response {
    let id = field(fields, "trans_id").unwrap_or_default();
    if !valid_trans_id(id) {
        return refusal("wrong trans_id");
    }
    if field(fields, "client_ip_addr")
        .and_then(|a| a.parse::<std::net::IpAddr>().ok())
        .is_none()
    {
        return refusal("wrong client_ip_addr");
    }
    match inner.transactions().get(id) {
        Some(t) => text_answer(StatusCode::OK, t.status_lines()),
        None => refusal("transaction not found"),
    }
}

/// `r`: reverses an approved payment, whole amount only. A repeated `r` of a
/// reversed payment is refused (`error: transaction already reversed`) and
/// not counted again; the connector then asks `c`, which says `REVERSED`.
fn reverse(inner: &Inner, fields: &[(String, String)]) -> Response {
    let id = field(fields, "trans_id").unwrap_or_default();
    let amount = field(fields, "amount").and_then(|a| a.parse::<i64>().ok());
    let mut transactions = inner.transactions();
    let Some(t) = transactions.get_mut(id) else {
        return refusal("transaction not found");
    };
    match t.result {
        "REVERSED" => return refusal("transaction already reversed"),
        "OK" => {}
        _ => return refusal("only an approved payment can be reversed"),
    }
    if amount != Some(t.amount) {
        return refusal("the simulator reverses the whole amount only");
    }
    t.result = "REVERSED";
    t.result_code = Some(REVERSED_CODE);
    let reversed = t.amount;
    drop(transactions);
    let mut day = inner.day();
    day.reversal_count = day.reversal_count.saturating_add(1);
    day.reversal_amount = day.reversal_amount.saturating_add(reversed);
    text_answer(
        StatusCode::OK,
        Answer::write(&[("RESULT", "OK"), ("RESULT_CODE", REVERSED_CODE)]),
    )
}

/// `b`: the totals since the last close, then a new day. A forced mismatch
/// adds one payment of [`MISMATCH_AMOUNT`] the hub never made.
fn close_day(inner: &Inner) -> Response {
    let day = std::mem::take(&mut *inner.day());
    let (extra_count, extra_amount) = if day.mismatch {
        (1, MISMATCH_AMOUNT)
    } else {
        (0, 0)
    };
    let debit_count = day.debit_count.saturating_add(extra_count).to_string();
    let debit_amount = day.debit_amount.saturating_add(extra_amount).to_string();
    let reversal_count = day.reversal_count.to_string();
    let reversal_amount = day.reversal_amount.to_string();
    text_answer(
        StatusCode::OK,
        Answer::write(&[
            ("RESULT", "OK"),
            ("RESULT_CODE", DAY_CLOSED_CODE),
            ("FLD_074", "0"),
            ("FLD_075", &reversal_count),
            ("FLD_076", &debit_count),
            ("FLD_077", "0"),
            ("FLD_086", "0"),
            ("FLD_087", &reversal_amount),
            ("FLD_088", &debit_amount),
            ("FLD_089", "0"),
        ]),
    )
}

async fn client_handler(
    State((inner, sim)): State<RouteState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let id = query
        .get("trans_id")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(t) = inner.transactions().get(id).cloned() else {
        return inner.error_page(false, "no such transaction");
    };
    if t.decided() {
        return outcome_page(&inner, &sim, id, &t, true);
    }
    if t.result == "PENDING" {
        return inner.html(
            StatusCode::OK,
            pages::three_ds(&inner.base_path, id, t.english),
        );
    }
    let amount = match Amount::from_minor(t.amount) {
        Ok(a) => crate::vk::format_amount(a),
        Err(_) => t.amount.to_string(),
    };
    inner.html(
        StatusCode::OK,
        pages::card(
            &inner.base_path,
            &CardPage {
                trans_id: id,
                amount: &amount,
                description: &t.description,
                english: t.english,
            },
        ),
    )
}

/// How a card decides a transaction.
enum CardRule {
    Approve,
    Decline,
    ThreeDs,
    Timeout,
    Unknown,
}

fn rule_of(number: &str) -> CardRule {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    match TEST_CARDS
        .iter()
        .find(|c| c.number == digits)
        .map(|c| c.name)
    {
        Some("approved") => CardRule::Approve,
        Some("declined") => CardRule::Decline,
        Some("3ds") => CardRule::ThreeDs,
        Some("timeout") => CardRule::Timeout,
        _ => CardRule::Unknown,
    }
}

/// Approves `t` (and counts it in the day).
fn approve(inner: &Inner, t: &mut Transaction, secure3d: &'static str) {
    t.result = "OK";
    t.result_code = Some("000");
    t.secure3d = Some(secure3d);
    let number = inner.number();
    t.rrn = Some(format!(
        "{:012}",
        number.checked_rem(1_000_000_000_000).unwrap_or(0)
    ));
    t.approval_code = Some(format!("{:06}", number.checked_rem(1_000_000).unwrap_or(0)));
    let mut day = inner.day();
    day.debit_count = day.debit_count.saturating_add(1);
    day.debit_amount = day.debit_amount.saturating_add(t.amount);
}

async fn card(State((inner, sim)): State<RouteState>, body: Bytes) -> Response {
    let fields = crate::vk::decode_form(&body);
    let id = field(&fields, "trans_id").unwrap_or_default().to_owned();
    let browser_return = match field(&fields, "browser_return").unwrap_or("send") {
        "send" => true,
        "drop" => false,
        _ => return inner.error_page(false, "browser_return must be send or drop"),
    };
    match field(&fields, "day_close").unwrap_or("counted") {
        "counted" => {}
        "mismatch" => inner.day().mismatch = true,
        _ => return inner.error_page(false, "day_close must be counted or mismatch"),
    }
    let cancel = match field(&fields, "action") {
        Some("pay") => false,
        Some("cancel") => true,
        _ => return inner.error_page(false, "action must be pay or cancel"),
    };
    let number = field(&fields, "card_number").unwrap_or_default().to_owned();
    let (t, repeated) = {
        let mut transactions = inner.transactions();
        let Some(t) = transactions.get_mut(&id) else {
            return inner.error_page(false, "no such transaction");
        };
        if t.result != "CREATED" {
            (t.clone(), true)
        } else {
            t.browser_return = browser_return;
            if cancel {
                t.result = "FAILED";
                t.cancelled = true;
            } else {
                let digits = number.chars().filter(char::is_ascii_digit).count();
                if !(12..=19).contains(&digits) {
                    return inner
                        .error_page(t.english, "the card number must have 12 to 19 digits");
                }
                t.card_number = Some(mask(&number));
                match rule_of(&number) {
                    CardRule::Approve => approve(&inner, t, "NOTPARTICIPATED"),
                    CardRule::Decline => {
                        t.result = "FAILED";
                        t.result_code = Some("116");
                        t.secure3d = Some("NOTPARTICIPATED");
                    }
                    CardRule::ThreeDs => t.result = "PENDING",
                    CardRule::Timeout => t.result = "TIMEOUT",
                    CardRule::Unknown => {
                        t.result = "DECLINED";
                        t.result_code = Some("100");
                    }
                }
            }
            (t.clone(), false)
        }
    };
    if t.result == "PENDING" {
        return inner.html(
            StatusCode::OK,
            pages::three_ds(&inner.base_path, &id, t.english),
        );
    }
    outcome_page(&inner, &sim, &id, &t, repeated)
}

async fn three_ds(State((inner, sim)): State<RouteState>, body: Bytes) -> Response {
    let fields = crate::vk::decode_form(&body);
    let id = field(&fields, "trans_id").unwrap_or_default().to_owned();
    let confirmed = match field(&fields, "action") {
        Some("approve") => true,
        Some("fail") => false,
        _ => return inner.error_page(false, "action must be approve or fail"),
    };
    let (t, repeated) = {
        let mut transactions = inner.transactions();
        let Some(t) = transactions.get_mut(&id) else {
            return inner.error_page(false, "no such transaction");
        };
        if t.result != "PENDING" {
            (t.clone(), true)
        } else {
            if confirmed {
                approve(&inner, t, "AUTHENTICATED");
            } else {
                t.result = "FAILED";
                t.result_code = Some("100");
                t.secure3d = Some("FAILED");
            }
            (t.clone(), false)
        }
    };
    if !t.decided() {
        return inner.error_page(t.english, "the card has not been entered yet");
    }
    outcome_page(&inner, &sim, &id, &t, repeated)
}

/// The page after a decision: the return to the merchant, or (dropped by
/// the tester) the end. A payment not taken also carries `error`, as the
/// acquirer's fail address does.
fn outcome_page(
    inner: &Inner,
    sim: &Simulator,
    id: &str,
    t: &Transaction,
    repeated: bool,
) -> Response {
    let outcome = pages::Outcome {
        shown: t.shown(),
        timed_out: t.result == "TIMEOUT",
        repeated,
        english: t.english,
    };
    if !t.browser_return {
        return inner.html(StatusCode::OK, pages::done(&inner.base_path, &outcome));
    }
    let mut fields = vec![("trans_id".to_owned(), id.to_owned())];
    if !matches!(t.result, "OK" | "REVERSED") {
        let error = if t.cancelled {
            "cancelled by the cardholder".to_owned()
        } else {
            format!("{} {}", t.result, t.result_code.unwrap_or_default())
                .trim()
                .to_owned()
        };
        fields.push(("error".to_owned(), error));
    }
    let answer = BrowserReturn {
        method: "POST",
        action: inner.return_url.clone(),
        fields,
    };
    sim.keep(&t.key, "browser", &answer.as_wire());
    inner.html(
        StatusCode::OK,
        pages::bank_return(&inner.base_path, &outcome, &answer.action, &answer.fields),
    )
}

impl SimProtocol for FirstDataSim {
    fn bank_name(&self) -> &'static str {
        pages::BANK
    }

    fn payment_request(&self, _incoming: &Incoming) -> Result<SimOrder, String> {
        Err(format!(
            "ECOMM payments are registered server to server (POST {MERCHANT_HANDLER_PATH}, \
             command=v); the payer comes to {CLIENT_HANDLER_PATH}?trans_id="
        ))
    }

    /// The kernel's generic decision page is not used: the card page decides.
    fn browser_return(
        &self,
        _order: &SimOrder,
        _state: &SimState,
    ) -> Result<BrowserReturn, String> {
        Err(format!(
            "pay on the card page: {CLIENT_HANDLER_PATH}?trans_id="
        ))
    }

    /// ECOMM sends no server-to-server messages.
    fn server_message(
        &self,
        _order: &SimOrder,
        _state: &SimState,
    ) -> Result<Option<WireMessage>, String> {
        Ok(None)
    }

    fn retry_schedule(&self) -> Vec<Duration> {
        Vec::new()
    }

    fn routes(&self, sim: &Arc<Simulator>) -> Router {
        Router::new()
            .route(MERCHANT_HANDLER_PATH, post(merchant_handler))
            .route(CLIENT_HANDLER_PATH, get(client_handler))
            .route("/ecomm/card", post(card))
            .route("/ecomm/3ds", post(three_ds))
            .with_state((Arc::clone(&self.inner), Arc::clone(sim)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn card_numbers_are_masked_to_the_first_and_last_four_digits() {
        assert_eq!(mask("4111111111111111"), "4***********1111");
        assert_eq!(mask("4000 0000 0000 3220"), "4***********3220");
        assert!(super::super::masked_card_number(&mask("4111111111111111")));
    }

    #[test]
    fn ids_look_like_the_acquirers() {
        let id = new_trans_id();
        assert_eq!(id.len(), 28);
        assert!(valid_trans_id(&id));
    }

    #[test]
    fn test_cards_are_luhn_valid_and_decide() {
        for card in TEST_CARDS {
            let sum: u32 = card
                .number
                .chars()
                .rev()
                .enumerate()
                .map(|(i, c)| {
                    let d = c.to_digit(10).unwrap();
                    if i % 2 == 1 {
                        let d = d * 2;
                        if d > 9 { d - 9 } else { d }
                    } else {
                        d
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{}", card.number);
            assert!(!matches!(rule_of(card.number), CardRule::Unknown));
        }
        assert!(matches!(rule_of("5555555555554444"), CardRule::Unknown));
    }
}
