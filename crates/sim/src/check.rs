//! The invariants, checked against the inner store (past the faults) and the
//! outside models: during the run (statuses only move P → E/R/O/C; what was
//! acknowledged survives every crash) and after quiescence (money exact,
//! nothing paid twice, every final status notified, no open work left).

use crate::bank::{self, OrderState, SharedOutside};
use maksa_app::store::{PaymentFilter, RequestFilter, Store};
use maksa_domain::attempt::{AttemptId, AttemptState};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::status::Status;
use std::collections::{BTreeMap, BTreeSet};

/// What the hub told the actors succeeded.
#[derive(Debug, Default)]
pub struct Acked {
    pub created: BTreeSet<PaymentRequestId>,
    pub cancelled: BTreeSet<PaymentRequestId>,
    /// Attempts whose start was answered with a hand-off.
    pub started: BTreeSet<AttemptId>,
    /// The highest state a provider message was answered with, per attempt.
    pub states: BTreeMap<AttemptId, AttemptState>,
    /// A key answered with two different requests (seen as it happened).
    pub key_violations: Vec<String>,
}

impl Acked {
    pub fn note_state(&mut self, attempt: AttemptId, state: AttemptState) {
        let entry = self.states.entry(attempt).or_insert(state);
        if state > *entry {
            *entry = state;
        }
    }
}

/// Every acknowledged change is in the store.
pub async fn acked_are_durable(
    store: &dyn Store,
    owner: &ClientId,
    acked: &Acked,
) -> Result<Vec<String>, String> {
    let mut violations = Vec::new();
    for id in &acked.created {
        if store
            .payment_request(owner, *id)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            violations.push(format!("acknowledged request {id} is not in the store"));
        }
    }
    for id in &acked.cancelled {
        let status = store
            .request_status(owner, *id)
            .await
            .map_err(|e| e.to_string())?;
        if !matches!(status, Some(Status::Cancelled | Status::Other)) {
            violations.push(format!(
                "request {id} was acknowledged cancelled but is {status:?}"
            ));
        }
    }
    for id in &acked.started {
        if store
            .attempt(*id)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            violations.push(format!("acknowledged attempt {id} is not in the store"));
        }
    }
    for (id, state) in &acked.states {
        let stored = store
            .attempt(*id)
            .await
            .map_err(|e| e.to_string())?
            .map(|a| a.state);
        if stored.is_none_or(|stored| stored < *state) {
            violations.push(format!(
                "attempt {id} was answered {state:?} but is stored as {stored:?}"
            ));
        }
    }
    Ok(violations)
}

/// Every request of `owner`, newest first (the checks read the whole store).
pub async fn all_requests(
    store: &dyn Store,
    owner: &ClientId,
) -> Result<Vec<maksa_app::store::RequestSummary>, String> {
    store
        .payment_requests(
            owner,
            &RequestFilter {
                limit: 100_000,
                ..RequestFilter::default()
            },
        )
        .await
        .map_err(|e| e.to_string())
}

/// The statuses seen so far, to check that they only move P → E/R/O/C.
#[derive(Debug, Default)]
pub struct Observer {
    requests: BTreeMap<PaymentRequestId, Status>,
    payments: BTreeMap<(PaymentRequestId, u16), Status>,
}

fn moves(from: Status, to: Status) -> bool {
    from == to || from == Status::InProcess
}

impl Observer {
    /// Reads every request and payment and compares with what was seen before.
    pub async fn observe(
        &mut self,
        store: &dyn Store,
        owner: &ClientId,
    ) -> Result<Vec<String>, String> {
        let mut violations = Vec::new();
        let requests = all_requests(store, owner).await?;
        let payments = store
            .payments(
                owner,
                &PaymentFilter {
                    limit: 100_000,
                    ..PaymentFilter::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let seen: BTreeSet<PaymentRequestId> = requests.iter().map(|r| r.id).collect();
        for id in self.requests.keys() {
            if !seen.contains(id) {
                violations.push(format!("request {id} was in the store and is gone"));
            }
        }
        for request in requests {
            if let Some(before) = self.requests.insert(request.id, request.status)
                && !moves(before, request.status)
            {
                violations.push(format!(
                    "request {} moved {} -> {}",
                    request.id,
                    before.letter(),
                    request.status.letter()
                ));
            }
        }
        for payment in payments {
            let key = (payment.request_id, payment.sequence);
            if let Some(before) = self.payments.insert(key, payment.status)
                && !moves(before, payment.status)
            {
                violations.push(format!(
                    "payment {} #{} moved {} -> {}",
                    payment.request_id,
                    payment.sequence,
                    before.letter(),
                    payment.status.letter()
                ));
            }
        }
        Ok(violations)
    }
}

/// Totals of one run, for the report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub requests: [u64; 5],
    pub attempts_executed: u64,
    pub refunds: u64,
    pub deliveries: u64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.requests.iter_mut().zip(other.requests) {
            *mine = mine.saturating_add(theirs);
        }
        self.attempts_executed = self
            .attempts_executed
            .saturating_add(other.attempts_executed);
        self.refunds = self.refunds.saturating_add(other.refunds);
        self.deliveries = self.deliveries.saturating_add(other.deliveries);
    }
}

fn status_index(status: Status) -> usize {
    match status {
        Status::InProcess => 0,
        Status::Executed => 1,
        Status::Expired => 2,
        Status::Other => 3,
        Status::Cancelled => 4,
    }
}

/// The invariants after quiescence.
pub async fn at_quiescence(
    store: &dyn Store,
    owner: &ClientId,
    outside: &SharedOutside,
) -> Result<(Vec<String>, Tally), String> {
    let mut violations = Vec::new();
    let mut tally = Tally::default();
    let err = |e: maksa_app::store::StoreError| e.to_string();
    let summaries = all_requests(store, owner).await?;
    let (orders, received) = {
        let outside = bank::lock(outside);
        (outside.orders.clone(), outside.received.clone())
    };
    tally.deliveries = received.len() as u64;
    // What the hub recorded as money in: paid payments and refund-flagged attempts.
    let mut hub_money: i64 = 0;
    let mut hub_executed: BTreeSet<AttemptId> = BTreeSet::new();
    for summary in &summaries {
        let id = summary.id;
        let Some(request) = store.payment_request(owner, id).await.map_err(err)? else {
            violations.push(format!("request {id} listed but not readable"));
            continue;
        };
        if let Some(slot) = tally.requests.get_mut(status_index(request.status)) {
            *slot = slot.saturating_add(1);
        }
        if request.status == Status::InProcess {
            violations.push(format!("request {id} still in P after quiescence"));
        }
        let paid = request
            .payments
            .iter()
            .filter(|p| p.status == Status::Executed)
            .count();
        let expected_paid = match request.status {
            Status::Executed => paid == request.payments.len(),
            Status::Expired | Status::Cancelled => paid == 0,
            Status::Other => paid > 0 && paid < request.payments.len(),
            Status::InProcess => true,
        };
        if !expected_paid {
            violations.push(format!(
                "request {id} is {} with {paid} of {} payments paid",
                request.status.letter(),
                request.payments.len()
            ));
        }
        let attempts = store.attempts_of(id).await.map_err(err)?;
        for payment in &request.payments {
            let lines = payment
                .lines
                .iter()
                .try_fold(0_i64, |sum, line| sum.checked_add(line.amount.minor()));
            if lines != Some(payment.amount.minor()) {
                violations.push(format!(
                    "payment {id} #{} is {} but its lines sum to {lines:?}",
                    payment.sequence,
                    payment.amount.minor()
                ));
            }
            let kept: Vec<_> = attempts
                .iter()
                .filter(|a| {
                    a.sequence == payment.sequence
                        && a.state == AttemptState::Executed
                        && !a.refund_required
                })
                .collect();
            let want = usize::from(payment.status == Status::Executed);
            if kept.len() != want {
                violations.push(format!(
                    "payment {id} #{} is {} with {} executed attempts kept (not for refund)",
                    payment.sequence,
                    payment.status.letter(),
                    kept.len()
                ));
            }
            for attempt in kept {
                if attempt.amount != payment.amount {
                    violations.push(format!(
                        "attempt {} took {} for payment {id} #{} of {}",
                        attempt.id,
                        attempt.amount.minor(),
                        payment.sequence,
                        payment.amount.minor()
                    ));
                }
            }
            if payment.status == Status::Executed {
                hub_money = hub_money.saturating_add(payment.amount.minor());
            }
        }
        for attempt in &attempts {
            if attempt.state.is_open() {
                violations.push(format!(
                    "attempt {} of {id} still open after quiescence",
                    attempt.id
                ));
            }
            if attempt.state == AttemptState::Executed {
                hub_executed.insert(attempt.id);
                tally.attempts_executed = tally.attempts_executed.saturating_add(1);
                if attempt.refund_required {
                    tally.refunds = tally.refunds.saturating_add(1);
                    hub_money = hub_money.saturating_add(attempt.amount.minor());
                }
            }
        }
        if request.status != Status::InProcess
            && !received
                .iter()
                .any(|r| r.request == id && r.status == Some(request.status))
        {
            violations.push(format!(
                "request {id} ended {} and the e-service never heard it",
                request.status.letter()
            ));
        }
    }
    let mut bank_money: i64 = 0;
    for order in &orders {
        let executed = order.state == OrderState::Executed;
        if executed {
            bank_money = bank_money.saturating_add(order.amount.minor());
        }
        if executed != hub_executed.contains(&order.attempt) {
            violations.push(format!(
                "attempt {}: the bank says {:?}, the hub {}",
                order.attempt,
                order.state,
                if hub_executed.contains(&order.attempt) {
                    "executed"
                } else {
                    "not executed"
                }
            ));
        }
    }
    for attempt in &hub_executed {
        if !orders.iter().any(|o| o.attempt == *attempt) {
            violations.push(format!(
                "attempt {attempt} executed at a bank that never saw it"
            ));
        }
    }
    if bank_money != hub_money {
        violations.push(format!(
            "the banks took {bank_money}, the hub records {hub_money} (paid + flagged for refund)"
        ));
    }
    let backlog = store.notification_backlog().await.map_err(err)?;
    if backlog != (0, 0) {
        violations.push(format!(
            "outbox after quiescence: {} pending, {} dead",
            backlog.0, backlog.1
        ));
    }
    Ok((violations, tally))
}

/// Idempotency keys: each key made at most one request (the requests carry
/// their key as the payer's name), the one it was answered with, and the
/// stored key row names that request.
pub async fn keyed_creates(
    store: &dyn Store,
    owner: &ClientId,
    keys: &BTreeMap<String, crate::world::KeyedCreate>,
) -> Result<Vec<String>, String> {
    let err = |e: maksa_app::store::StoreError| e.to_string();
    let summaries = all_requests(store, owner).await?;
    let mut made: BTreeMap<String, Vec<PaymentRequestId>> = BTreeMap::new();
    for summary in &summaries {
        if let Some(request) = store
            .payment_request(owner, summary.id)
            .await
            .map_err(err)?
            && let Some(name) = request.terms.payer.name
            && keys.contains_key(&name)
        {
            made.entry(name).or_default().push(request.id);
        }
    }
    let mut violations = Vec::new();
    let epoch = time::OffsetDateTime::UNIX_EPOCH;
    for (key, keyed) in keys {
        let requests = made.get(key).map(Vec::as_slice).unwrap_or_default();
        if requests.len() > 1 {
            violations.push(format!(
                "key {key} made {} requests: {requests:?}",
                requests.len()
            ));
        }
        if let Some(answered) = keyed.answered
            && !requests.contains(&answered)
        {
            violations.push(format!(
                "key {key} was answered {answered}, which is not the request made under it ({requests:?})"
            ));
        }
        let record = store
            .idempotency_record(owner, key, epoch)
            .await
            .map_err(err)?;
        match (record, requests.first()) {
            (Some(record), Some(request)) if record.result != request.to_string() => violations
                .push(format!(
                    "key {key}'s row names {}, but the request made under it is {request}",
                    record.result
                )),
            (Some(record), None) => violations.push(format!(
                "key {key}'s row names {}, but no request was made under it",
                record.result
            )),
            (None, Some(request)) => violations.push(format!(
                "request {request} was made under key {key}, which is not stored"
            )),
            _ => {}
        }
    }
    Ok(violations)
}
