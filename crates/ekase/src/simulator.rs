//! The Treasury simulator of the sandbox (docs/treasury.md, "The Treasury
//! simulator"): the exchange's endpoints ([`crate::client`]) served from the
//! sandbox's own payments, mounted by `maksa demo` at `/sim/treasury`.
//!
//! Money: each paid payment is a booked credit on its payee's account on
//! the day it was paid, under a reference stable per payment (so the open
//! day's report and the day's statement show the same entry), with a payer
//! derived from its identifier; per account and day one foreign credit that
//! names no payment; the credits a tester adds; and the debits of executed
//! payment orders. A day's opening balance is the previous day's closing,
//! computed from [`EPOCH`] on, so every statement is the same when asked
//! again. Received orders and tester credits live in memory only.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use maksa_app::clock::Clock;
use maksa_app::store::prelude::*;
use maksa_domain::money::{Amount, Currency};
use maksa_treasury::camt::Message;
use maksa_treasury::camt_writer::{EntryToWrite, StatementHeader, write_statement};
use maksa_treasury::pain_status::{StatusReport, TransactionStatus, write_pain002};
use maksa_x509::TlsPeer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use time::{Date, OffsetDateTime, Time};

use crate::pain_orders::{Orders, read_pain001};

/// The first day the simulated accounts move.
pub const EPOCH: Date = time::macros::date!(2026 - 01 - 01);
/// Every simulated account's balance before [`EPOCH`]: 1,000.00.
pub const OPENING_MINOR: i64 = 100_000;
/// Paid payments read for one document (the sandbox's volume).
pub const MAX_PAYMENTS: u32 = 100_000;
/// Orders (batches) and tester credits remembered.
pub const MAX_REMEMBERED: usize = 10_000;
/// The largest pain.001 accepted.
pub const MAX_ORDER_BYTES: usize = 4 * 1024 * 1024;
/// The Treasury's BIC as the account servicer.
pub const SERVICER_BIC: &str = "TRELLV22";
/// The foreign credit of each day (no identifier, never matched): 25.00.
const FOREIGN_MINOR: i64 = 2_500;

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimulatorSettings {
    /// Status requests answered ACSP before the orders are executed (ACSC):
    /// 0 executes at once, 1 (the default) on the second request.
    pub accepted_requests_before_executed: u32,
    /// Whether the data endpoints demand a client certificate chaining to
    /// the hub's configured client CA (the Treasury-issued certificate).
    pub require_certificate: bool,
}

impl Default for SimulatorSettings {
    fn default() -> Self {
        SimulatorSettings {
            accepted_requests_before_executed: 1,
            require_certificate: true,
        }
    }
}

/// A credit a tester adds (`POST /control/credits`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CreditRequest {
    /// The account credited; with `purpose_id`, default the payment's payee.
    pub account: Option<String>,
    /// A payment's 34-character identifier, written as the remittance.
    pub purpose_id: Option<String>,
    /// Free remittance text (without `purpose_id`).
    pub remittance: Option<String>,
    /// Decimal text; default the payment's amount.
    pub amount: Option<String>,
    pub payer_name: Option<String>,
    pub payer_iban: Option<String>,
    /// Booked the next day.
    #[serde(default)]
    pub late: bool,
    /// Half the amount (at least a cent).
    #[serde(default)]
    pub partial: bool,
    /// Booked twice, under two references.
    #[serde(default)]
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize)]
struct Credit {
    account: String,
    day: Date,
    amount: Amount,
    remittance: String,
    payer_name: String,
    payer_iban: String,
    reference: String,
}

#[derive(Debug, Clone)]
struct Received {
    orders: Orders,
    status_requests: u32,
    /// Per end-to-end id, the day it was executed.
    executed: BTreeMap<String, Date>,
}

#[derive(Debug, Default)]
struct SimState {
    credits: Vec<Credit>,
    mix: bool,
    down: bool,
    malformed: bool,
    batches: BTreeMap<String, Received>,
    reports: u64,
}

/// One entry of a simulated account.
#[derive(Debug, Clone)]
struct SimEntry {
    day: Date,
    credit: bool,
    amount: Amount,
    reference: String,
    end_to_end_id: Option<String>,
    remittance: String,
    name: String,
    iban: String,
}

/// The simulator; [`TreasurySimulator::router`] serves it.
pub struct TreasurySimulator {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: SimulatorSettings,
    state: Mutex<SimState>,
}

type Sim = Arc<TreasurySimulator>;

impl TreasurySimulator {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: SimulatorSettings) -> Sim {
        Arc::new(TreasurySimulator {
            store,
            clock,
            settings,
            state: Mutex::new(SimState::default()),
        })
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/accounts/{iban}/statements/{day}", get(statement))
            .route("/accounts/{iban}/report", get(report))
            .route("/payment-orders", post(submit))
            .route("/payment-orders/{message_id}/status", get(status))
            .route("/control/credits", post(add_credit))
            .route("/control/switches", post(switches))
            .route("/control/state", get(show_state))
            .with_state(Arc::clone(self))
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut SimState) -> T) -> T {
        match self.state.lock() {
            Ok(mut state) => f(&mut state),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    fn today(&self) -> Date {
        self.clock.now().date()
    }

    /// Every entry of `account` booked from `from` up to (not including) `till`.
    async fn entries(
        &self,
        account: &str,
        from: Date,
        till: Date,
    ) -> Result<Vec<SimEntry>, String> {
        let from = from.max(EPOCH);
        if from >= till {
            return Ok(Vec::new());
        }
        let start = |day: Date| OffsetDateTime::new_utc(day, Time::MIDNIGHT);
        // A late payment of the day before lands on `from`.
        let read_from = from.previous_day().unwrap_or(from);
        let payments = self
            .store
            .paid_payments(start(read_from), start(till), MAX_PAYMENTS)
            .await
            .map_err(|e| e.to_string())?;
        let (mix, credits, batches) =
            self.with_state(|s| (s.mix, s.credits.clone(), s.batches.clone()));
        let mut entries = Vec::new();
        for payment in payments {
            if payment.payee_iban != account || payment.currency.as_str() != "EUR" {
                continue;
            }
            let Some(paid) = payment.paid_at.map(|at| at.date()) else {
                continue;
            };
            let (name, iban) = payer_of(&payment.purpose_id);
            let kind = if mix {
                mix_kind(&payment.purpose_id)
            } else {
                Mix::Plain
            };
            let day = match kind {
                Mix::Late => paid.next_day().unwrap_or(paid),
                _ => paid,
            };
            let amount = match kind {
                Mix::Partial => half(payment.amount),
                _ => payment.amount,
            };
            let reference = format!(
                "SIM{}",
                payment
                    .purpose_id
                    .chars()
                    .skip(2)
                    .take(30)
                    .collect::<String>()
            );
            let entry = SimEntry {
                day,
                credit: true,
                amount,
                reference: reference.clone(),
                end_to_end_id: None,
                remittance: payment.purpose_id.clone(),
                name,
                iban,
            };
            if matches!(kind, Mix::Duplicate) {
                let mut twice = entry.clone();
                twice.reference = format!("{}D", &reference.chars().take(33).collect::<String>());
                entries.push(twice);
            }
            entries.push(entry);
        }
        let mut day = from;
        while day < till {
            entries.push(SimEntry {
                day,
                credit: true,
                amount: Amount::from_minor(FOREIGN_MINOR).unwrap_or_default(),
                reference: format!("SIMF{}{}", day_digits(day), account_tail(account)),
                end_to_end_id: None,
                remittance: "Ziedojums bibliotēkai".into(),
                name: "SIA Svešs Maksātājs".into(),
                iban: lv_iban("HABA", "0551999999999"),
            });
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        for credit in credits {
            if credit.account == account && credit.day >= from && credit.day < till {
                entries.push(SimEntry {
                    day: credit.day,
                    credit: true,
                    amount: credit.amount,
                    reference: credit.reference,
                    end_to_end_id: None,
                    remittance: credit.remittance,
                    name: credit.payer_name,
                    iban: credit.payer_iban,
                });
            }
        }
        for (message_id, received) in batches {
            if received.orders.debtor_iban.as_deref() != Some(account) {
                continue;
            }
            for (index, transfer) in received.orders.transfers.iter().enumerate() {
                let Some(executed) = received.executed.get(&transfer.end_to_end_id) else {
                    continue;
                };
                if *executed >= from && *executed < till && transfer.currency.as_str() == "EUR" {
                    entries.push(SimEntry {
                        day: *executed,
                        credit: false,
                        amount: transfer.amount,
                        reference: format!(
                            "SIMO{}{index}",
                            message_id.chars().rev().take(20).collect::<String>()
                        ),
                        end_to_end_id: Some(transfer.end_to_end_id.clone()),
                        remittance: transfer.remittance.clone(),
                        name: transfer.creditor_name.clone(),
                        iban: transfer.creditor_iban.clone(),
                    });
                }
            }
        }
        entries.retain(|e| e.day >= from && e.day < till);
        entries.sort_by(|a, b| (a.day, &a.reference).cmp(&(b.day, &b.reference)));
        Ok(entries)
    }

    /// The balance at the start of `day`, in signed minor units.
    async fn opening(&self, account: &str, day: Date) -> Result<i64, String> {
        let entries = self.entries(account, EPOCH, day).await?;
        Ok(entries.iter().fold(OPENING_MINOR, |sum, e| {
            if e.credit {
                sum.saturating_add(e.amount.minor())
            } else {
                sum.saturating_sub(e.amount.minor())
            }
        }))
    }

    /// A camt.053 of a closed day, or the camt.052 of the open one.
    async fn document(
        &self,
        account: &str,
        day: Date,
        message: Message,
    ) -> Result<Vec<u8>, String> {
        let till = day.next_day().ok_or("no next day")?;
        let opening = self.opening(account, day).await?;
        let entries = self.entries(account, day, till).await?;
        let closing = entries.iter().fold(opening, |sum, e| {
            if e.credit {
                sum.saturating_add(e.amount.minor())
            } else {
                sum.saturating_sub(e.amount.minor())
            }
        });
        let balance =
            |minor: i64| Amount::from_minor(minor.saturating_abs()).map(|a| (a, minor >= 0));
        let sequence = self.with_state(|s| {
            s.reports = s.reports.saturating_add(1);
            s.reports
        });
        let (kind, id) = match message {
            Message::Statement => (
                "S",
                format!("S{}{}", day_digits(day), account_tail(account)),
            ),
            _ => (
                "R",
                format!("R{}{}{sequence}", day_digits(day), account_tail(account)),
            ),
        };
        let header = StatementHeader {
            message,
            message_id: format!("SIM{kind}{}{sequence}", day_digits(day)),
            created_at: self.clock.now(),
            statement_id: id,
            account_iban: account.to_owned(),
            currency: Currency::parse("EUR").ok_or("EUR")?,
            servicer_bic: SERVICER_BIC.into(),
            date: day.to_string(),
            opening: Some(balance(opening).map_err(|e| e.to_string())?),
            closing: Some(balance(closing).map_err(|e| e.to_string())?),
        };
        let currency = header.currency;
        let written = entries.into_iter().map(move |e| EntryToWrite {
            amount: e.amount,
            currency,
            credit: e.credit,
            reversal: false,
            booked: true,
            booking_date: e.day.to_string(),
            value_date: e.day.to_string(),
            account_servicer_reference: Some(e.reference),
            entry_reference: None,
            end_to_end_id: e.end_to_end_id,
            remittance: if e.remittance.is_empty() {
                Vec::new()
            } else {
                vec![e.remittance]
            },
            structured_reference: None,
            counterparty_name: Some(e.name).filter(|n| !n.is_empty()),
            counterparty_iban: Some(e.iban).filter(|i| is_iban_pattern(i)),
        });
        write_statement(Vec::new(), &header, written).map_err(|e| e.to_string())
    }

    fn refused(&self, peer: Option<&Extension<TlsPeer>>) -> Option<Response> {
        if self.with_state(|s| s.down) {
            return Some(plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the exchange is down (simulated)",
            ));
        }
        if !self.settings.require_certificate {
            return None;
        }
        let trusted = peer
            .and_then(|Extension(TlsPeer(peer))| peer.as_ref())
            .is_some_and(|p| p.chains_to_trusted_ca);
        if trusted {
            None
        } else {
            Some(plain(
                StatusCode::FORBIDDEN,
                "a client certificate issued by the Treasury is required",
            ))
        }
    }
}

enum Mix {
    Plain,
    Late,
    Partial,
    Duplicate,
}

/// With the mix on, a payment's fate follows from its identifier: of every
/// eight, one is late, one partial and one duplicated.
fn mix_kind(purpose_id: &str) -> Mix {
    let sum: u32 = purpose_id.bytes().map(u32::from).sum();
    match sum % 8 {
        1 => Mix::Late,
        2 => Mix::Partial,
        3 => Mix::Duplicate,
        _ => Mix::Plain,
    }
}

fn half(amount: Amount) -> Amount {
    Amount::from_minor((amount.minor() / 2).max(1)).unwrap_or(amount)
}

fn day_digits(day: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

fn account_tail(account: &str) -> String {
    let count = account.chars().count();
    account.chars().skip(count.saturating_sub(6)).collect()
}

/// The payer the simulator invents for a payment: stable per identifier.
pub fn payer_of(purpose_id: &str) -> (String, String) {
    let digits: String = purpose_id
        .bytes()
        .rev()
        .map(|b| char::from(b'0' + b % 10))
        .take(13)
        .collect();
    let digits = format!("{digits:0>13}");
    let short: String = digits.chars().take(4).collect();
    (format!("Maksātājs {short}"), lv_iban("HABA", &digits))
}

/// A Latvian IBAN with correct check digits for `bank` and 13 digits.
pub fn lv_iban(bank: &str, account: &str) -> String {
    let bban = format!("{bank}{account}");
    let mut remainder: u32 = 0;
    for c in format!("{bban}LV00").chars() {
        let value = c.to_digit(36).unwrap_or(0);
        let (factor, value) = if value >= 10 {
            (100, value)
        } else {
            (10, value)
        };
        remainder = (remainder * factor + value) % 97;
    }
    format!("LV{:02}{bban}", 98 - remainder)
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
}

fn xml(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

/// The schemas' IBAN pattern `[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}`.
fn is_iban_pattern(value: &str) -> bool {
    let b = value.as_bytes();
    (5..=34).contains(&b.len())
        && b.iter().take(2).all(u8::is_ascii_uppercase)
        && b.iter().skip(2).take(2).all(u8::is_ascii_digit)
        && b.iter().skip(4).all(u8::is_ascii_alphanumeric)
}

fn valid_account(iban: &str) -> bool {
    is_iban_pattern(iban)
}

async fn statement(
    State(sim): State<Sim>,
    peer: Option<Extension<TlsPeer>>,
    Path((iban, day)): Path<(String, String)>,
) -> Response {
    if let Some(refusal) = sim.refused(peer.as_ref()) {
        return refusal;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let Ok(day) = Date::parse(&day, format) else {
        return plain(StatusCode::BAD_REQUEST, "the day is not YYYY-MM-DD");
    };
    if !valid_account(&iban) {
        return plain(StatusCode::BAD_REQUEST, "not an IBAN");
    }
    if day >= sim.today() || day < EPOCH {
        return plain(StatusCode::NOT_FOUND, "the day is not closed");
    }
    if sim.with_state(|s| std::mem::take(&mut s.malformed)) {
        let broken = b"<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><GrpHdr><MsgId>BROKEN</MsgId></GrpHdr><Stmt><Ntry><Amt Ccy=\"EUR\">1.001</Amt></Ntry></Stmt></BkToCstmrStmt></Document>\n";
        return xml(StatusCode::OK, broken.to_vec());
    }
    match sim.document(&iban, day, Message::Statement).await {
        Ok(document) => xml(StatusCode::OK, document),
        Err(error) => plain(StatusCode::INTERNAL_SERVER_ERROR, &error),
    }
}

async fn report(
    State(sim): State<Sim>,
    peer: Option<Extension<TlsPeer>>,
    Path(iban): Path<String>,
) -> Response {
    if let Some(refusal) = sim.refused(peer.as_ref()) {
        return refusal;
    }
    if !valid_account(&iban) {
        return plain(StatusCode::BAD_REQUEST, "not an IBAN");
    }
    match sim.document(&iban, sim.today(), Message::Report).await {
        Ok(document) => xml(StatusCode::OK, document),
        Err(error) => plain(StatusCode::INTERNAL_SERVER_ERROR, &error),
    }
}

async fn submit(State(sim): State<Sim>, peer: Option<Extension<TlsPeer>>, body: Bytes) -> Response {
    if let Some(refusal) = sim.refused(peer.as_ref()) {
        return refusal;
    }
    if body.len() > MAX_ORDER_BYTES {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "the document is too large");
    }
    let orders = match read_pain001(&body) {
        Ok(orders) => orders,
        Err(error) => return plain(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let executed_at_once = sim.settings.accepted_requests_before_executed == 0;
    let today = sim.today();
    sim.with_state(|s| {
        if s.batches.contains_key(&orders.message_id) {
            return plain(StatusCode::OK, "already received");
        }
        if s.batches.len() >= MAX_REMEMBERED {
            return plain(StatusCode::SERVICE_UNAVAILABLE, "too many batches");
        }
        let mut received = Received {
            orders: orders.clone(),
            status_requests: 0,
            executed: BTreeMap::new(),
        };
        if executed_at_once {
            execute(&mut received, today);
        }
        s.batches.insert(orders.message_id.clone(), received);
        plain(StatusCode::ACCEPTED, "received")
    })
}

fn creditor_valid(iban: &str) -> bool {
    maksa_domain::codes::Iban::parse(iban).is_ok()
}

fn execute(received: &mut Received, today: Date) {
    for transfer in &received.orders.transfers {
        if creditor_valid(&transfer.creditor_iban) {
            received
                .executed
                .entry(transfer.end_to_end_id.clone())
                .or_insert(today);
        }
    }
}

async fn status(
    State(sim): State<Sim>,
    peer: Option<Extension<TlsPeer>>,
    Path(message_id): Path<String>,
) -> Response {
    if let Some(refusal) = sim.refused(peer.as_ref()) {
        return refusal;
    }
    let today = sim.today();
    let threshold = sim.settings.accepted_requests_before_executed;
    let answer = sim.with_state(|s| {
        s.reports = s.reports.saturating_add(1);
        let sequence = s.reports;
        let received = s.batches.get_mut(&message_id)?;
        received.status_requests = received.status_requests.saturating_add(1);
        if received.status_requests > threshold {
            execute(received, today);
        }
        let transactions = received
            .orders
            .transfers
            .iter()
            .map(|t| {
                let (status, reason) = if !creditor_valid(&t.creditor_iban) {
                    ("RJCT", Some("AC01".to_owned()))
                } else if received.executed.contains_key(&t.end_to_end_id) {
                    ("ACSC", None)
                } else {
                    ("ACSP", None)
                };
                TransactionStatus {
                    original_end_to_end_id: t.end_to_end_id.clone(),
                    original_instruction_id: None,
                    status: status.into(),
                    reason,
                }
            })
            .collect();
        Some(StatusReport {
            message_id: format!("SIMSTS{sequence}"),
            original_message_id: message_id.clone(),
            group_status: None,
            transactions,
        })
    });
    let Some(report) = answer else {
        return plain(StatusCode::NOT_FOUND, "no such batch");
    };
    match write_pain002(&report, sim.clock.now()) {
        Ok(document) => xml(StatusCode::OK, document.into_bytes()),
        Err(error) => plain(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

async fn add_credit(State(sim): State<Sim>, Json(request): Json<CreditRequest>) -> Response {
    let payment = match &request.purpose_id {
        Some(id) => match sim.store.payment_by_purpose_id(id).await {
            Ok(found) => found,
            Err(error) => return plain(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
        },
        None => None,
    };
    let account = match (&request.account, &payment) {
        (Some(account), _) => account.clone(),
        (None, Some(payment)) => payment.payee_iban.clone(),
        (None, None) => {
            return plain(
                StatusCode::BAD_REQUEST,
                "which account? (account or a known purpose_id)",
            );
        }
    };
    if !valid_account(&account) {
        return plain(StatusCode::BAD_REQUEST, "the account is not an IBAN");
    }
    let amount = match (&request.amount, &payment) {
        (Some(text), _) => match Amount::parse(text) {
            Ok(amount) if amount.minor() > 0 => amount,
            _ => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    "the amount is not a positive decimal",
                );
            }
        },
        (None, Some(payment)) => payment.amount,
        (None, None) => return plain(StatusCode::BAD_REQUEST, "how much? (amount)"),
    };
    let amount = if request.partial {
        half(amount)
    } else {
        amount
    };
    let remittance = request
        .purpose_id
        .clone()
        .or_else(|| request.remittance.clone())
        .unwrap_or_default();
    let remittance = maksa_domain::text::bounded(&remittance, 140).into_owned();
    let (default_name, default_iban) = payer_of(&remittance);
    let today = sim.today();
    let day = if request.late {
        today.next_day().unwrap_or(today)
    } else {
        today
    };
    let payer_name =
        maksa_domain::text::bounded(request.payer_name.as_deref().unwrap_or(&default_name), 70)
            .into_owned();
    let payer_iban = request.payer_iban.clone().unwrap_or(default_iban);
    let added = sim.with_state(|s| {
        if s.credits.len() >= MAX_REMEMBERED {
            return None;
        }
        let base = format!("SIMC{}{}", day_digits(day), s.credits.len());
        let credit = Credit {
            account: account.clone(),
            day,
            amount,
            remittance: remittance.clone(),
            payer_name: payer_name.clone(),
            payer_iban: payer_iban.clone(),
            reference: base.clone(),
        };
        s.credits.push(credit.clone());
        if request.duplicate {
            let mut again = credit.clone();
            again.reference = format!("{base}D");
            s.credits.push(again);
        }
        Some(credit)
    });
    match added {
        Some(credit) => (StatusCode::CREATED, Json(credit)).into_response(),
        None => plain(StatusCode::SERVICE_UNAVAILABLE, "too many credits"),
    }
}

/// `POST /control/switches`: any of `mix`, `down`, `malformed_next_statement`.
#[derive(Debug, Deserialize)]
struct Switches {
    mix: Option<bool>,
    down: Option<bool>,
    malformed_next_statement: Option<bool>,
}

async fn switches(State(sim): State<Sim>, Json(switches): Json<Switches>) -> Response {
    let now = sim.with_state(|s| {
        if let Some(mix) = switches.mix {
            s.mix = mix;
        }
        if let Some(down) = switches.down {
            s.down = down;
        }
        if let Some(malformed) = switches.malformed_next_statement {
            s.malformed = malformed;
        }
        serde_json::json!({"mix": s.mix, "down": s.down, "malformed_next_statement": s.malformed})
    });
    Json(now).into_response()
}

async fn show_state(State(sim): State<Sim>) -> Response {
    let shown = sim.with_state(|s| {
        let batches: Vec<serde_json::Value> = s
            .batches
            .iter()
            .map(|(id, r)| {
                serde_json::json!({
                    "message_id": id,
                    "transfers": r.orders.transfers.len(),
                    "status_requests": r.status_requests,
                    "executed": r.executed.keys().collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({"mix": s.mix, "down": s.down, "credits": s.credits, "batches": batches})
    });
    Json(shown).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_ibans_pass_their_checksum() {
        let iban = lv_iban("HABA", "0551000000001");
        assert_eq!(iban.len(), 21);
        assert!(maksa_domain::codes::Iban::parse(&iban).is_ok(), "{iban}");
        let (_, payer) = payer_of("MK20261130ABCDEFGHIJKLMNOPQRSTUVWX");
        assert!(maksa_domain::codes::Iban::parse(&payer).is_ok(), "{payer}");
        assert_eq!(payer_of("MK1").1, payer_of("MK1").1);
    }
}
