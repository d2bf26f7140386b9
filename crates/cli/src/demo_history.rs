//! The demo's payment history (docs/dashboard.md, "The demo's history"):
//! on the first start of a data directory, [`HISTORY_DAYS`] days of payment
//! requests before today, so that the console's dashboard has pictures at
//! once. Deterministic: one fixed seed draws every request, payer, bank and
//! time, so two fresh demos started on the same day hold the same history.
//!
//! Nothing here decides what the hub would: each request is made by the
//! domain's `create_payment_request` against the demo catalogue, each
//! provider message is judged by `maksa_domain::attempt::settle`, each
//! cancellation and expiry by the request's own transitions, and every step
//! carries the audit event and outbox row its workflow writes. Only the
//! clock is the history's: one write transaction per day (the requests,
//! their attempts, status changes, audit events and notifications), then
//! the notifications are delivered — most at once, two until they are dead
//! (the queues page has something to show) — through the outbox's own
//! claims and leases.
//!
//! The payers are "Demo Payer N", the requests ask for no receipt
//! (`NoInvoice`: the receipt worker does not render two thousand PDFs at the
//! demo's start), and their notifications go to the originals' example
//! address `http://jusu-response-url-s2s/`.

use anyhow::Context;
use maksa_app::notifications::{RetrySchedule, notifications_drawn};
use maksa_app::payment_requests::creation_audit;
use maksa_app::store::prelude::*;
use maksa_app::store::{
    AttemptUpdate, AuditEvent, DeliveryAttempt, DeliveryFinish, NewNotification, NotificationState,
    PaymentPaid, RequestFilter, RequestStatusWrite, UnitOfWork,
};
use maksa_app::workflows::FIRST_QUERY_AFTER;
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome, settle};
use maksa_domain::catalog::Catalog;
use maksa_domain::codes::ProviderCode;
use maksa_domain::datetime::{riga_local_to_utc, riga_offset_at};
use maksa_domain::ids::ClientId;
use maksa_domain::request::{
    ClientInfoInput, CreationRules, Entropy, PaymentRequest, PaymentRequestInput,
    PriceListItemInput, create_payment_request,
};
use maksa_domain::status::{RequestEvent, Status};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

/// Days of history before today.
pub const HISTORY_DAYS: i64 = 60;
/// The one seed of the whole history.
const SEED: u64 = 0x6d61_6b73_6164_656d;
/// The outbox worker name the history's deliveries are leased to.
const WORKER: &str = "demo-history";
/// `ServerResponseUrl` of the history's requests: the originals' example.
const NOTIFY_BASE: &str = "http://jusu-response-url-s2s/maksa?id=";
/// How long a history request may be paid (most of them end within days).
const VALIDITY_DAYS: i64 = 3;
/// The banks the demo's payers choose, with their weights (of 100).
const BANKS: [(&str, u64); 7] = [
    ("HABALV22", 30),
    ("UNLALV2X", 20),
    ("DEMO0000", 15),
    ("PARXLV22", 12),
    ("RIKOLV2X", 10),
    ("SWEDLINK", 7),
    ("PSD2DEMO", 6),
];
/// Paid requests whose notification every retry fails to deliver, counted
/// back from today: (day, the n-th paid request of that day).
const DEAD_NOTIFICATIONS: [(i64, usize); 2] = [(41, 2), (17, 5)];

/// What was seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub requests: usize,
    pub days: i64,
}

/// Seeds the history when the demo client has no request yet (a fresh data
/// directory); `None` when it has some (a restart: nothing is written).
pub async fn seed_if_fresh(
    store: &Arc<dyn Store>,
    client: &ClientId,
    rules: &CreationRules,
    now: OffsetDateTime,
) -> anyhow::Result<Option<Seeded>> {
    let any = store
        .payment_requests(
            client,
            &RequestFilter {
                limit: 1,
                ..RequestFilter::default()
            },
        )
        .await?;
    if !any.is_empty() {
        return Ok(None);
    }
    let catalog = store
        .load_catalog()
        .await?
        .context("the demo catalogue is imported before its history")?;
    seed(store, &catalog, client, rules, now).await.map(Some)
}

/// Writes the history of the [`HISTORY_DAYS`] Riga days before `now`'s.
pub async fn seed(
    store: &Arc<dyn Store>,
    catalog: &Catalog,
    client: &ClientId,
    rules: &CreationRules,
    now: OffsetDateTime,
) -> anyhow::Result<Seeded> {
    let today = now.to_offset(riga_offset_at(now)).date();
    let mut dice = Dice(SEED);
    let mut requests = 0usize;
    let mut dead = HashSet::new();
    let mut payer = 0u32;
    for back in (1..=HISTORY_DAYS).rev() {
        let Some(day) = today.checked_sub(Duration::days(back)) else {
            continue;
        };
        let planned = plan_day(&mut dice, catalog, client, rules, day, now, &mut payer)?;
        let kill = DEAD_NOTIFICATIONS
            .iter()
            .filter(|(d, _)| *d == back)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>();
        requests = requests.saturating_add(planned.len());
        let notified = write_day(store, &planned, &mut dice).await?;
        let mut paid = 0usize;
        for (status, id) in notified {
            if status == Status::Executed {
                paid = paid.saturating_add(1);
                if kill.contains(&paid) {
                    dead.insert(id);
                }
            }
        }
    }
    deliver(store, now, &dead, &mut dice).await?;
    Ok(Seeded {
        requests,
        days: HISTORY_DAYS,
    })
}

/// splitmix64: small, fast and the same everywhere.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }

    /// Seconds in `from..to`, as a duration.
    fn seconds(&mut self, from: i64, to: i64) -> Duration {
        let span = u64::try_from(to.saturating_sub(from)).unwrap_or(0);
        let drawn = i64::try_from(self.below(span)).unwrap_or(0);
        Duration::seconds(from.saturating_add(drawn))
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }

    fn bank(&mut self) -> &'static str {
        let mut roll = self.below(100);
        for (code, weight) in BANKS {
            if roll < weight {
                return code;
            }
            roll = roll.saturating_sub(weight);
        }
        BANKS[0].0
    }
}

impl Entropy for Dice {
    fn fill(&mut self, buffer: &mut [u8]) {
        for chunk in buffer.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            for (to, from) in chunk.iter_mut().zip(word) {
                *to = from;
            }
        }
    }
}

/// One step of a request's life after its creation.
enum Step {
    /// The payer starts paying payment `sequence` at a bank at `start`; the
    /// bank answers `outcome` at `answer`.
    Attempt {
        sequence: u16,
        bank: &'static str,
        start: OffsetDateTime,
        answer: OffsetDateTime,
        outcome: Outcome,
    },
    Cancel(OffsetDateTime),
    Expire(OffsetDateTime),
}

struct Planned {
    request: PaymentRequest,
    created: AuditEvent,
    steps: Vec<Step>,
}

/// The price list of one request: a step and its lines.
fn order(dice: &mut Dice) -> (&'static str, Vec<PriceListItemInput>) {
    let quantity = |position: &str, n: u64| PriceListItemInput {
        position: Some(position.to_owned()),
        item: Some(format!("{n}.00")),
        item_element_name: Some("Quantity".to_owned()),
    };
    let amount = |position: &str, minor: u64| PriceListItemInput {
        position: Some(position.to_owned()),
        item: Some(format!("{}.{:02}", minor / 100, minor % 100)),
        item_element_name: Some("Amount".to_owned()),
    };
    match dice.below(100) {
        0..=34 => {
            let mut lines = vec![quantity("2346", dice.below(12).saturating_add(1))];
            if dice.below(3) == 0 {
                lines.push(quantity("172", dice.below(2).saturating_add(1)));
            }
            ("03G10", lines)
        }
        35..=54 => (
            "DEM11",
            vec![quantity("1", dice.below(9).saturating_add(2))],
        ),
        55..=74 => (
            "00001",
            vec![
                quantity("1", 1),
                amount("2", dice.below(400).saturating_add(50)),
            ],
        ),
        // Two payees, two payments.
        _ => (
            "02Y70",
            vec![
                quantity("53", 1),
                amount("54", dice.below(3).saturating_add(2).saturating_mul(150)),
            ],
        ),
    }
}

/// How long a bank takes to confirm, from the payer's start: most within a
/// minute or two, a tail of slow ones.
fn confirmation(dice: &mut Dice, bank: &str) -> Duration {
    let slow = dice.below(10) == 0;
    match (bank, slow) {
        ("DEMO0000", false) => dice.seconds(4, 25),
        (_, false) => dice.seconds(15, 150),
        (_, true) => dice.seconds(180, 1200),
    }
}

/// The requests of one Riga day, each with the steps of its life up to `now`.
fn plan_day(
    dice: &mut Dice,
    catalog: &Catalog,
    client: &ClientId,
    rules: &CreationRules,
    day: Date,
    now: OffsetDateTime,
    payer: &mut u32,
) -> anyhow::Result<Vec<Planned>> {
    let weekend = matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    );
    let count = if weekend {
        dice.below(10).saturating_add(8)
    } else {
        dice.below(25).saturating_add(22)
    };
    let mut created_times: Vec<OffsetDateTime> = (0..count)
        .filter_map(|_| {
            // Office hours mostly: 07:00 to 22:00 in Riga.
            let minute = dice.below(15 * 60).saturating_add(7 * 60);
            let second = dice.below(60);
            let local = Time::from_hms(
                u8::try_from(minute / 60).ok()?,
                u8::try_from(minute % 60).ok()?,
                u8::try_from(second).ok()?,
            )
            .ok()?;
            riga_local_to_utc(day.with_time(local))
        })
        .collect();
    created_times.sort();
    let mut planned = Vec::with_capacity(created_times.len());
    for created_at in created_times {
        *payer = payer.checked_rem(240).unwrap_or(0).saturating_add(1);
        let (step, price_list) = order(dice);
        let input = PaymentRequestInput {
            service_step: Some(step.to_owned()),
            price_list,
            client_info: Some(ClientInfoInput {
                client_name: Some(format!("Demo Payer {payer}")),
                ..ClientInfoInput::default()
            }),
            expiry_date: created_at
                .saturating_add(Duration::days(VALIDITY_DAYS))
                .format(&Rfc3339)
                .ok(),
            no_invoice: true,
            server_response_url: Some(NOTIFY_BASE.to_owned()),
            ..PaymentRequestInput::default()
        };
        let request = create_payment_request(&input, client, catalog, rules, created_at, dice)
            .map_err(|e| anyhow::anyhow!("a demo history request is invalid: {e:?}"))?;
        // The event `savepaymentrequest` writes, marked as history.
        let mut created = creation_audit(&request, None);
        if let Some(detail) = created.detail.as_object_mut() {
            detail.insert("demo_history".into(), json!(true));
        }
        let steps = life(dice, &request, now);
        planned.push(Planned {
            request,
            created,
            steps,
        });
    }
    Ok(planned)
}

/// What happens to a request after its creation, up to `now`: paid (most),
/// refused at a bank, cancelled by the e-service, or left unpaid until it
/// expires (or is still open).
fn life(dice: &mut Dice, request: &PaymentRequest, now: OffsetDateTime) -> Vec<Step> {
    let created = request.created_at;
    let expires = request.terms.expires_at;
    // The expiry worker runs every minute or so.
    let expired_at = expires.saturating_add(dice.seconds(5, 90));
    let mut steps = Vec::new();
    let mut at = created.saturating_add(dice.seconds(20, 600));
    match dice.below(100) {
        0..=73 => {
            for payment in &request.payments {
                // Some payers are refused first (no money, a wrong code), and
                // try again at another bank.
                if dice.below(100) < 12 {
                    let bank = dice.bank();
                    let answer = at.saturating_add(dice.seconds(20, 120));
                    steps.push(Step::Attempt {
                        sequence: payment.sequence,
                        bank,
                        start: at,
                        answer,
                        outcome: Outcome::Rejected,
                    });
                    at = answer.saturating_add(dice.seconds(30, 300));
                }
                let bank = dice.bank();
                let answer = at.saturating_add(confirmation(dice, bank));
                steps.push(Step::Attempt {
                    sequence: payment.sequence,
                    bank,
                    start: at,
                    answer,
                    outcome: Outcome::Executed,
                });
                at = answer.saturating_add(dice.seconds(10, 120));
            }
        }
        74..=81 => {
            let bank = dice.bank();
            let answer = at.saturating_add(dice.seconds(20, 120));
            steps.push(Step::Attempt {
                sequence: 1,
                bank,
                start: at,
                answer,
                outcome: Outcome::Rejected,
            });
            steps.push(Step::Expire(expired_at));
        }
        82..=88 => {
            steps.push(Step::Cancel(
                created.saturating_add(dice.seconds(600, 2 * 86_400)),
            ));
        }
        _ => steps.push(Step::Expire(expired_at)),
    }
    // Nothing of the future: a step not yet due has not happened (the request
    // is still open, its expiry ahead).
    let due = |step: &Step| match step {
        Step::Attempt { answer, .. } => *answer < now,
        Step::Cancel(at) | Step::Expire(at) => *at < now,
    };
    let keep = steps.iter().take_while(|s| due(s)).count();
    steps.truncate(keep);
    steps
}

/// The notification of `status` (the request's `GET`), as the workflows'
/// callers make it, with ids drawn from the history's dice.
fn notification(
    dice: &mut Dice,
    request: &PaymentRequest,
    status: Status,
    at: OffsetDateTime,
) -> Option<NewNotification> {
    notifications_drawn(request, status, at, &mut |random| dice.fill(random))
        .into_iter()
        .next()
}

/// One day in one transaction: the requests with their creation events,
/// then each step as its workflow writes it. Answers the notifications
/// written, in order: (status announced, id).
async fn write_day(
    store: &Arc<dyn Store>,
    planned: &[Planned],
    dice: &mut Dice,
) -> anyhow::Result<Vec<(Status, uuid::Uuid)>> {
    let mut work = store.begin().await?;
    let created: Vec<(PaymentRequest, AuditEvent)> = planned
        .iter()
        .map(|p| (p.request.clone(), p.created.clone()))
        .collect();
    work.insert_requests(&created).await?;
    let mut notified = Vec::new();
    for plan in planned {
        // The request as its workflows see it, step after step.
        let mut request = plan.request.clone();
        let (id, owner) = (request.id, request.owner.to_string());
        for step in &plan.steps {
            let written = match step {
                Step::Attempt {
                    sequence,
                    bank,
                    start,
                    answer,
                    outcome,
                } => {
                    attempt(
                        &mut *work,
                        dice,
                        &mut request,
                        *sequence,
                        bank,
                        *start,
                        *answer,
                        *outcome,
                    )
                    .await?
                }
                Step::Cancel(at) => {
                    let audit = |from: Status, to: Status| AuditEvent {
                        at: *at,
                        actor: owner.clone(),
                        request_id: Some(id),
                        kind: "payment_request.cancelled".into(),
                        detail: json!({
                            "from": from.letter().to_string(),
                            "to": to.letter().to_string(),
                            "certificate": null,
                        }),
                    };
                    end(
                        &mut *work,
                        dice,
                        &mut request,
                        RequestEvent::CancelledByClient,
                        *at,
                        audit,
                    )
                    .await?
                }
                Step::Expire(at) => {
                    let audit = |_: Status, to: Status| AuditEvent {
                        at: *at,
                        actor: "hub".into(),
                        request_id: Some(id),
                        kind: "payment_request.expired".into(),
                        detail: json!({ "to": to.letter().to_string() }),
                    };
                    end(
                        &mut *work,
                        dice,
                        &mut request,
                        RequestEvent::ExpiryReached,
                        *at,
                        audit,
                    )
                    .await?
                }
            };
            notified.extend(written);
        }
    }
    work.commit().await?;
    Ok(notified)
}

/// An attempt started and answered, as `Workflows::start_attempt` and
/// `Workflows::record_outcome` write them.
#[allow(clippy::too_many_arguments)]
async fn attempt(
    work: &mut dyn UnitOfWork,
    dice: &mut Dice,
    request: &mut PaymentRequest,
    sequence: u16,
    bank: &str,
    start: OffsetDateTime,
    answer: OffsetDateTime,
    outcome: Outcome,
) -> anyhow::Result<Option<(Status, uuid::Uuid)>> {
    let provider = ProviderCode::parse(bank).context("a demo bank's code")?;
    let payment = request
        .payments
        .iter()
        .find(|p| p.sequence == sequence)
        .context("the attempt's payment")?;
    let started = Attempt {
        id: AttemptId::from_random(dice.bytes()),
        request_id: request.id,
        sequence,
        provider: provider.clone(),
        amount: payment.amount,
        currency: payment.currency,
        state: AttemptState::Started,
        external_id: None,
        refund_required: false,
        created_at: start,
        updated_at: start,
    };
    work.insert_attempt(&started, start.saturating_add(FIRST_QUERY_AFTER))
        .await?;
    work.append_audit(&AuditEvent {
        at: start,
        actor: "payer".into(),
        request_id: Some(request.id),
        kind: "payment.attempt_started".into(),
        detail: json!({
            "attempt": started.id.to_string(),
            "sequence": sequence,
            "provider": bank,
            "amount_minor": payment.amount.minor(),
            "currency": payment.currency.as_str(),
        }),
    })
    .await?;
    let others_paid = request
        .payments
        .iter()
        .filter(|p| p.sequence != sequence)
        .all(|p| p.status == Status::Executed);
    let settlement = settle(
        &started,
        outcome,
        request.status,
        payment.status == Status::Executed,
        others_paid,
    );
    let external_id = format!("{bank}-{:010}", dice.below(10_000_000_000));
    work.update_attempt(&AttemptUpdate {
        id: started.id,
        state: settlement.attempt_state,
        external_id: Some(&external_id),
        refund_required: settlement.refund_required,
        updated_at: answer,
    })
    .await?;
    if settlement.mark_payment_paid {
        work.set_payment_paid(&PaymentPaid {
            request: request.id,
            sequence,
            provider: &provider,
            paid_at: answer,
            external_id: Some(&external_id),
        })
        .await?;
        for payment in request
            .payments
            .iter_mut()
            .filter(|p| p.sequence == sequence)
        {
            payment.status = Status::Executed;
            payment.paid_at = Some(answer);
            payment.provider = Some(provider.clone());
        }
    }
    let mut notified = None;
    if let Some(to) = settlement.request_to {
        let paid = to == Status::Executed;
        work.set_request_status(&RequestStatusWrite {
            id: request.id,
            owner: &request.owner,
            from: request.status,
            to,
            at: answer,
            paid_at: paid.then_some(answer),
            receipt_due: paid.then_some(!request.terms.no_invoice),
        })
        .await?;
        request.status = to;
        if paid && let Some(n) = notification(dice, request, to, answer) {
            work.append_notification(&n).await?;
            notified = Some((to, n.id));
        }
    }
    work.append_audit(&AuditEvent {
        at: answer,
        actor: bank.to_owned(),
        request_id: Some(request.id),
        kind: "payment.provider_message".into(),
        detail: json!({
            "attempt": started.id.to_string(),
            "channel": "notify",
            "outcome": format!("{outcome:?}").to_lowercase(),
            "external_id": external_id,
            "extra": {},
        }),
    })
    .await?;
    Ok(notified)
}

/// A request ended by `event` (cancelled by its e-service, or expired), as
/// `Workflows::change_request_status` writes it.
async fn end(
    work: &mut dyn UnitOfWork,
    dice: &mut Dice,
    request: &mut PaymentRequest,
    event: RequestEvent,
    at: OffsetDateTime,
    audit: impl Fn(Status, Status) -> AuditEvent,
) -> anyhow::Result<Option<(Status, uuid::Uuid)>> {
    let (Ok(to), Ok(open_to)) = (request.after(event), request.open_payments_after(event)) else {
        return Ok(None);
    };
    let from = request.status;
    work.set_request_status(&RequestStatusWrite {
        id: request.id,
        owner: &request.owner,
        from,
        to,
        at,
        paid_at: None,
        receipt_due: None,
    })
    .await?;
    work.set_open_payments_status(request.id, open_to, None)
        .await?;
    request.status = to;
    // The demo's contract asks for cancellations too (`notify_cancelled`).
    let notified = match notification(dice, request, to, at) {
        Some(n) => {
            work.append_notification(&n).await?;
            Some((to, n.id))
        }
        None => None,
    };
    work.append_audit(&audit(from, to)).await?;
    Ok(notified)
}

/// Delivers the history's notifications through the outbox's claims, as the
/// delivery worker would have: each one at once, except those in `dead`,
/// which fail every retry of the default schedule. One claim and one
/// transaction per round.
async fn deliver(
    store: &Arc<dyn Store>,
    now: OffsetDateTime,
    dead: &HashSet<uuid::Uuid>,
    dice: &mut Dice,
) -> anyhow::Result<()> {
    let schedule = RetrySchedule::default();
    loop {
        let claimed = store
            .claim_notifications(
                now,
                WORKER,
                now.saturating_add(Duration::minutes(5)),
                100_000,
            )
            .await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let mut work = store.begin().await?;
        for notification in &claimed {
            let at = notification
                .next_attempt_at
                .saturating_add(Duration::milliseconds(
                    i64::try_from(dice.below(900)).unwrap_or(0),
                ));
            let latency_ms = u32::try_from(dice.below(250).saturating_add(20)).unwrap_or(20);
            let (state, next, delivered, attempt) = if dead.contains(&notification.id) {
                let failures = notification.attempts.saturating_add(1);
                let attempt = DeliveryAttempt {
                    at,
                    http_status: Some(503),
                    latency_ms,
                    error: Some("answered 503".into()),
                };
                match schedule.after_failure(failures) {
                    Some(delay) => (
                        NotificationState::Pending,
                        Some(at.saturating_add(delay)),
                        None,
                        attempt,
                    ),
                    None => (NotificationState::Dead, None, None, attempt),
                }
            } else {
                let attempt = DeliveryAttempt {
                    at,
                    http_status: Some(200),
                    latency_ms,
                    error: None,
                };
                (NotificationState::Delivered, None, Some(at), attempt)
            };
            let finished = work
                .finish_notification(&DeliveryFinish {
                    id: notification.id,
                    worker: WORKER,
                    state,
                    next_attempt_at: next,
                    delivered_at: delivered,
                })
                .await?;
            if finished {
                work.append_delivery_attempt(notification.id, &attempt)
                    .await?;
            }
        }
        work.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use maksa_app::dashboard::Dashboard;
    use time::macros::datetime;

    async fn fresh_demo_store(dir: &std::path::Path) -> (Arc<dyn Store>, ClientId) {
        let store = maksa_store_sqlite::SqliteStore::open(&dir.join("maksa.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let admin = maksa_app::admin::Admin::new(
            Arc::clone(&store),
            Arc::new(maksa_app::clock::SystemClock),
        );
        admin
            .import_catalog(&crate::demo::demo_catalog("http://127.0.0.1:8080"))
            .await
            .unwrap();
        (store, ClientId::parse(crate::demo::DEMO_CLIENT).unwrap())
    }

    #[tokio::test]
    async fn the_history_fills_the_dashboard_once() {
        let dir = tempfile::tempdir().unwrap();
        let (store, client) = fresh_demo_store(dir.path()).await;
        let now = datetime!(2026-12-01 09:30 UTC);
        let rules = CreationRules::default();
        let seeded = seed_if_fresh(&store, &client, &rules, now)
            .await
            .unwrap()
            .expect("a fresh store is seeded");
        assert_eq!(seeded.days, HISTORY_DAYS);
        assert!(seeded.requests > 20 * 60, "{seeded:?}");

        // The dashboard's default range: the last 30 Riga days.
        let today = now.date();
        let view = Dashboard::new(Arc::clone(&store))
            .view(today - Duration::days(29), today)
            .await
            .unwrap();
        let providers: HashSet<&str> = view
            .by_provider
            .iter()
            .filter(|m| m.tally.minor > 0)
            .map(|m| m.key.as_str())
            .collect();
        assert!(providers.len() >= 5, "{providers:?}");
        let services: HashSet<&str> = view
            .by_service
            .iter()
            .filter(|m| m.tally.minor > 0)
            .map(|m| m.key.as_str())
            .collect();
        assert!(services.len() >= 2, "{services:?}");
        let (created, paid) = view.requests_total();
        assert!(
            paid * 100 > created * 60 && paid < created,
            "{paid} of {created}"
        );
        // Time to confirmation: a spread, not one bucket.
        let medians: HashSet<i64> = view
            .providers
            .iter()
            .filter_map(|p| p.median_seconds)
            .collect();
        assert!(medians.len() >= 2, "{:?}", view.providers);
        assert!(
            view.providers
                .iter()
                .any(|p| p.p90_seconds > p.median_seconds),
            "{:?}",
            view.providers
        );
        // Notifications delivered; two dead ones for the queues page.
        assert!(
            view.notifications.delivered > 500,
            "{:?}",
            view.notifications
        );
        assert_eq!(view.queues.dead_notifications, 2);
        assert_eq!(view.notifications.waiting + view.notifications.retrying, 0);

        // Consistent with what the workflows write: a paid request has its
        // creation, its attempt's start and the bank's message in its trail.
        let paid_request = store
            .payment_requests(
                &client,
                &RequestFilter {
                    limit: 500,
                    ..RequestFilter::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.status == Status::Executed)
            .expect("a paid request");
        let kinds: Vec<String> = store
            .audit_events(paid_request.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("payment_request.created")
        );
        assert!(
            kinds.iter().any(|k| k == "payment.attempt_started"),
            "{kinds:?}"
        );
        assert!(
            kinds.iter().any(|k| k == "payment.provider_message"),
            "{kinds:?}"
        );
        let attempts = store.attempts_of(paid_request.id).await.unwrap();
        assert!(attempts.iter().any(|a| a.state == AttemptState::Executed));
        let stored = store
            .payment_request(&client, paid_request.id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            stored
                .payments
                .iter()
                .all(|p| p.status == Status::Executed && p.paid_at.is_some())
        );
        assert!(
            stored
                .terms
                .payer
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("Demo Payer "))
        );
        // Nothing left for the workers: no open attempt, nothing pending.
        assert!(store.unresolved_attempts().await.unwrap().is_empty());

        // A restart seeds nothing more.
        assert_eq!(
            seed_if_fresh(&store, &client, &rules, now).await.unwrap(),
            None
        );
        let again = Dashboard::new(Arc::clone(&store))
            .view(today - Duration::days(29), today)
            .await
            .unwrap();
        assert_eq!(again.requests_total(), view.requests_total());
    }

    #[tokio::test]
    async fn the_history_is_the_same_every_time() {
        let now = datetime!(2026-12-01 09:30 UTC);
        let mut totals = Vec::new();
        for _ in 0..2 {
            let dir = tempfile::tempdir().unwrap();
            let (store, client) = fresh_demo_store(dir.path()).await;
            seed(
                &store,
                &store.load_catalog().await.unwrap().unwrap(),
                &client,
                &CreationRules::default(),
                now,
            )
            .await
            .unwrap();
            let view = Dashboard::new(Arc::clone(&store))
                .view(now.date() - Duration::days(59), now.date())
                .await
                .unwrap();
            totals.push((view.requests, view.by_provider, view.by_service));
        }
        assert_eq!(totals[0], totals[1]);
    }
}
