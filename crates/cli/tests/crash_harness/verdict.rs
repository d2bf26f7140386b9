//! The checks after the final clean start, from outside: the API's lists and
//! delivery logs, the sink's record of what reached it, and the stored
//! attempts (`database.rs`).
//!
//! Rules (INTERFACE.md §2: transitions are one-way, P → E/R/O/C; a late bank
//! confirmation for a cancelled or expired request is flagged for refund):
//! - an acknowledged request exists; an acknowledged final status is its status;
//! - a request only acknowledged in P may be P, or E if a payment was tried, C
//!   if a cancel was tried, R once its expiry passed (O needs two payees: never);
//! - one payment per request (one payee), executed by at most one attempt; a
//!   paid request has exactly one executed attempt not flagged for refund and
//!   none flagged; money taken for a request that is not paid is flagged;
//! - every attempt the bank approved and whose return the hub answered is
//!   executed; the bank approves at most one attempt per request;
//! - a final status has exactly one notification, and it reached the sink;
//! - a request past its expiry by 10 s that no payer touched is not P.

use crate::database::{AttemptRow, Database};
use crate::hub::Env;
use crate::ledger::{Anomaly, Kind, Ledger, get};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How long delivery may take after the last kill: a notification leased by
/// the killed node is free again 60 s later.
const DELIVERY_WAIT: Duration = Duration::from_secs(100);
/// The expiry worker runs every 5 s.
const EXPIRY_SLACK: time::Duration = time::Duration::seconds(10);

fn is_final(letter: char) -> bool {
    matches!(letter, 'E' | 'R' | 'O' | 'C')
}

/// Every request of the client and its status letter.
async fn statuses(env: &Env) -> HashMap<String, char> {
    let answer = env.api_answered("getpaymentrequests", &json!({})).await;
    assert!(
        answer.status.is_success(),
        "getpaymentrequests: {}",
        answer.text
    );
    answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["PaymentRequestUniqueId"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase(),
                r["Status"].as_str().unwrap().chars().next().unwrap(),
            )
        })
        .collect()
}

/// A request's notifications: (event id, status letter).
async fn notifications(env: &Env, id: &str) -> Vec<(String, char)> {
    let answer = env
        .api_answered("getnotifications", &json!({ "PaymentRequestId": id }))
        .await;
    assert!(
        answer.status.is_success(),
        "getnotifications: {}",
        answer.text
    );
    answer.json()["Notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["EventId"].as_str().unwrap().to_ascii_lowercase(),
                n["Status"].as_str().unwrap().chars().next().unwrap(),
            )
        })
        .collect()
}

/// `MM-Event-Id`s the sink received, with how often.
fn delivered(heads: &Mutex<Vec<String>>) -> HashMap<String, u64> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    for head in heads.lock().unwrap().iter() {
        for line in head.lines() {
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("mm-event-id")
            {
                *seen.entry(value.trim().to_ascii_lowercase()).or_default() += 1;
            }
        }
    }
    seen
}

pub struct Verdict {
    pub anomalies: Vec<Anomaly>,
    pub summary: String,
}

impl Verdict {
    pub fn count(&self, kind: Kind) -> usize {
        self.anomalies.iter().filter(|a| a.kind == kind).count()
    }
}

pub async fn check(
    env: &Env,
    ledger: &Ledger,
    heads: &Mutex<Vec<String>>,
    database: &Database,
) -> Verdict {
    let tracks = ledger.tracks();
    // Wait for the workers: every final status delivered, every short expiry
    // past (and the worker's round after it).
    let latest_expiry = tracks
        .values()
        .filter(|t| t.near_expiry)
        .map(|t| t.expires_at)
        .max();
    let deadline = Instant::now() + DELIVERY_WAIT;
    let mut notified: HashMap<String, Vec<(String, char)>> = HashMap::new();
    let mut status = statuses(env).await;
    loop {
        let sink = delivered(heads);
        for (id, letter) in &status {
            if !is_final(*letter) || notified.contains_key(id) {
                continue;
            }
            let rows = notifications(env, id).await;
            if rows
                .iter()
                .any(|(event, l)| l == letter && sink.contains_key(event))
            {
                notified.insert(id.clone(), rows);
            }
        }
        let finals = status.values().filter(|l| is_final(**l)).count();
        let expiries_done = latest_expiry
            .is_none_or(|at| OffsetDateTime::now_utc() > at + EXPIRY_SLACK + EXPIRY_SLACK);
        if (finals == notified.len() && expiries_done) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        status = statuses(env).await;
    }
    let now = OffsetDateTime::now_utc();
    let attempts = database.attempts().await;
    let payments = {
        let answer = env.api_answered("getpayments", &json!({})).await;
        let mut by_request: HashMap<String, Vec<char>> = HashMap::new();
        for p in answer.json().as_array().unwrap() {
            by_request
                .entry(
                    p["PaymentRequestUniqueId"]
                        .as_str()
                        .unwrap()
                        .to_ascii_lowercase(),
                )
                .or_default()
                .push(p["StatusCode"].as_str().unwrap().chars().next().unwrap());
        }
        by_request
    };
    let mut attempts_of: HashMap<&str, Vec<&AttemptRow>> = HashMap::new();
    for attempt in &attempts {
        attempts_of
            .entry(&attempt.request)
            .or_default()
            .push(attempt);
    }
    let attempt_by_stamp: HashMap<&str, &AttemptRow> =
        attempts.iter().map(|a| (a.stamp.as_str(), a)).collect();

    let mut found = ledger.anomalies();
    let mut flag = |kind: Kind, request: &str, what: String| {
        found.push(Anomaly {
            kind,
            request: request.to_owned(),
            what,
        });
    };

    // What the client was told.
    for (id, track) in &tracks {
        let Some(&letter) = status.get(id) else {
            flag(Kind::Lost, id, "an acknowledged create is gone".into());
            continue;
        };
        match track.acked_final {
            Some((acked, how)) if acked != letter => flag(
                Kind::Lost,
                id,
                format!("{acked} was acknowledged ({how}); the request is {letter}"),
            ),
            Some(_) => {}
            None => {
                let explained = match letter {
                    'P' => true,
                    'E' => track.pay_tried,
                    'C' => track.cancel_tried,
                    'R' => now >= track.expires_at,
                    _ => false,
                };
                if !explained {
                    flag(
                        Kind::Unexplained,
                        id,
                        format!(
                            "{letter}, though pay tried={} cancel tried={} expires {}",
                            track.pay_tried, track.cancel_tried, track.expires_at
                        ),
                    );
                }
            }
        }
        if letter == 'P' && !track.pay_tried && now > track.expires_at + EXPIRY_SLACK {
            flag(
                Kind::NotExpired,
                id,
                format!("still P, expired at {}", track.expires_at),
            );
        }
        if track.approved.len() > 1 {
            flag(
                Kind::Doubled,
                id,
                format!(
                    "the bank approved {} attempts for one payment: {:?}",
                    track.approved.len(),
                    track.approved
                ),
            );
        }
        for stamp in &track.reported {
            match attempt_by_stamp.get(stamp.as_str()) {
                Some(a) if a.state == "executed" => {}
                other => flag(
                    Kind::Lost,
                    id,
                    format!(
                        "the bank approved attempt {stamp}, the hub answered its return, and it is {:?}",
                        other.map(|a| a.state.as_str())
                    ),
                ),
            }
        }
    }

    // What the hub holds, acknowledged or not.
    let sink = delivered(heads);
    let mut executed: u64 = 0;
    let mut refunds: u64 = 0;
    for (id, &letter) in &status {
        let rows = payments.get(id).map(Vec::as_slice).unwrap_or_default();
        if rows.len() != 1 {
            let kind = if rows.is_empty() {
                Kind::Lost
            } else {
                Kind::Doubled
            };
            flag(
                kind,
                id,
                format!("{} payments listed for a one-payee request", rows.len()),
            );
        }
        if (letter == 'E') != rows.contains(&'E') {
            flag(
                Kind::Unexplained,
                id,
                format!("request {letter}, payments {rows:?}"),
            );
        }
        let mine = attempts_of.get(id.as_str()).cloned().unwrap_or_default();
        let mut per_payment: BTreeMap<i64, u64> = BTreeMap::new();
        let (mut kept, mut flagged) = (0u64, 0u64);
        for a in mine.iter().filter(|a| a.state == "executed") {
            *per_payment.entry(a.sequence).or_default() += 1;
            executed += 1;
            if a.refund_required {
                flagged += 1;
                refunds += 1;
            } else {
                kept += 1;
            }
        }
        if per_payment.values().any(|n| *n > 1) {
            flag(
                Kind::Doubled,
                id,
                format!("a payment executed more than once: {per_payment:?}"),
            );
        }
        if letter == 'E' && flagged > 0 {
            flag(
                Kind::Doubled,
                id,
                "paid, and money for it also flagged for refund".into(),
            );
        }
        if letter == 'E' && kept != 1 {
            flag(
                Kind::Unexplained,
                id,
                format!("paid with {kept} executed attempts"),
            );
        }
        if letter != 'E' && kept > 0 {
            flag(
                Kind::Lost,
                id,
                format!("{letter}, yet {kept} executed attempt(s) not flagged for refund"),
            );
        }
        if is_final(letter) {
            match notified.get(id) {
                None => flag(
                    Kind::Unnotified,
                    id,
                    format!("{letter} never reached the sink"),
                ),
                Some(rows) if rows.len() > 1 => flag(
                    Kind::Doubled,
                    id,
                    format!("{} final notifications: {rows:?}", rows.len()),
                ),
                Some(_) => {}
            }
        }
    }

    let mut by_letter: BTreeMap<char, u64> = BTreeMap::new();
    for letter in status.values() {
        *by_letter.entry(*letter).or_default() += 1;
    }
    let acked_ids: HashSet<&String> = tracks.keys().collect();
    let committed_unacked = status.keys().filter(|id| !acked_ids.contains(id)).count();
    let c = &ledger.counts;
    let deliveries: u64 = sink.values().sum();
    let abandoned: Vec<String> = ledger
        .abandoned()
        .into_iter()
        .map(|(why, n)| format!("{why} ×{n}"))
        .collect();
    let summary = format!(
        "kills {kills}\n\
         creates sent {sent}, acknowledged {created} ({near} expiring within seconds), refused {refused}, unanswered {unanswered}; \
         committed without an answer {committed_unacked}; requests in the hub {total}\n\
         pay flows {flows}: approved at the bank {approved}, acknowledged paid {paid}, stopped short {stopped} [{abandoned}]\n\
         executed attempts {executed} (flagged for refund {refunds})\n\
         cancels sent {cancel_sent}, acknowledged {cancelled}, refused {cancel_refused}\n\
         status reads {reads}\n\
         final statuses {by_letter:?}\n\
         notified {notified} of {finals} final statuses; deliveries at the sink {deliveries} ({dupes} repeated)",
        kills = get(&c.kills),
        sent = get(&c.create_sent),
        created = get(&c.created),
        near = get(&c.near_expiry),
        refused = get(&c.create_refused),
        unanswered = get(&c.create_unanswered),
        total = status.len(),
        flows = get(&c.pay_flows),
        approved = get(&c.approved),
        paid = get(&c.paid),
        stopped = get(&c.pay_abandoned),
        abandoned = abandoned.join(", "),
        cancel_sent = get(&c.cancel_sent),
        cancelled = get(&c.cancelled),
        cancel_refused = get(&c.cancel_refused),
        reads = get(&c.reads),
        notified = notified.len(),
        finals = status.values().filter(|l| is_final(**l)).count(),
        dupes = deliveries.saturating_sub(u64::try_from(sink.len()).unwrap()),
    );
    found.sort_by(|a, b| (a.kind, &a.request).cmp(&(b.kind, &b.request)));
    Verdict {
        anomalies: found,
        summary,
    }
}
