//! Races at scale (issue 18 §1; docs/RELIABILITY.md, "Races"): for one
//! payment request, the payer's confirmation (the bank's server message
//! and/or the browser return), the client's cancel over the REST door, the
//! expiry worker and the status-recovery worker, started concurrently; and
//! two payers paying one request in two tabs through two providers (the demo
//! bank and the Luminor iPizza simulator). The real server on port 0 with the
//! banks mounted; the two workers run in-process on the same store
//! (`support::workers`, on a clock of their own an hour or more ahead).
//!
//! Each trial is drawn from a seeded generator: which actors take part, their
//! start delays, whether the bank approves or refuses, whether the request's
//! expiry has passed. After the race the workers settle what is left, and the
//! stored rows and the API are checked: exactly one final outcome; money
//! never both kept and refunded; the loser recorded; exactly one notification
//! per final status.
//!
//! `MAKSA_RACE_TRIALS` (default 500 per backend and per race) and
//! `MAKSA_RACE_SEED` (default: from the time, printed); a failure names the
//! seed and the trial, so `MAKSA_RACE_SEED=… MAKSA_RACE_TRIALS=…` replays the
//! same draws (the interleavings themselves are the scheduler's).

#![allow(clippy::unwrap_used)]

mod support;
use maksa_domain::attempt::{Attempt, AttemptState};
use maksa_domain::codes::ProviderCode;
use maksa_domain::status::Status;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use support::payer_hub::*;
use support::workers::Workers;
use time::Duration;

const DEFAULT_TRIALS: u64 = 500;

/// The run's seed and number of trials, from the environment.
fn settings(race: &str) -> (u64, u64) {
    let trials = std::env::var("MAKSA_RACE_TRIALS")
        .ok()
        .map(|t| t.parse().expect("MAKSA_RACE_TRIALS is a number"))
        .unwrap_or(DEFAULT_TRIALS);
    let seed = std::env::var("MAKSA_RACE_SEED")
        .ok()
        .map(|s| s.parse().expect("MAKSA_RACE_SEED is a number"))
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            u64::try_from(nanos % u128::from(u64::MAX)).unwrap()
        });
    eprintln!("{race}: MAKSA_RACE_SEED={seed} MAKSA_RACE_TRIALS={trials}");
    (seed, trials)
}

/// SplitMix64: small, seedable, good enough to draw plans from.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A start delay: often none, else up to 6 ms (the actors' own work
    /// takes a few milliseconds, so this shuffles who is first).
    fn delay(&mut self) -> StdDuration {
        if self.chance(30) {
            StdDuration::ZERO
        } else {
            StdDuration::from_micros(self.below(6000))
        }
    }
}

/// Counts of what the trials ended in, printed at the end of a run.
#[derive(Default)]
struct Tally(BTreeMap<String, u64>);

impl Tally {
    fn add(&mut self, what: impl Into<String>) {
        *self.0.entry(what.into()).or_default() += 1;
    }

    fn print(&self, race: &str, backend: &str) {
        eprintln!("{race} on {backend}:");
        for (what, count) in &self.0 {
            eprintln!("  {what}: {count}");
        }
    }
}

async fn sleep(delay: StdDuration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

fn backend_name(postgres: bool) -> &'static str {
    if postgres { "PostgreSQL" } else { "SQLite" }
}

// ---------------------------------------------------------------------------
// One request: confirmation, cancel, expiry and recovery.

/// One trial's draw.
#[derive(Debug, Clone)]
struct Plan {
    approve: bool,
    /// The bank's server message is sent at once (else dropped).
    server_message: bool,
    /// The payer's browser comes back through the bank's return form.
    browser_return: bool,
    cancel: bool,
    expiry_worker: bool,
    recovery_worker: bool,
    expiry_passed: bool,
    /// Start delays of the payer, the cancel, the expiry and the recovery.
    delays: [StdDuration; 4],
}

impl Plan {
    fn draw(draw: &mut Draw) -> Plan {
        Plan {
            approve: draw.chance(60),
            server_message: draw.chance(60),
            browser_return: draw.chance(60),
            cancel: draw.chance(50),
            expiry_worker: draw.chance(50),
            recovery_worker: draw.chance(50),
            expiry_passed: draw.chance(50),
            delays: [draw.delay(), draw.delay(), draw.delay(), draw.delay()],
        }
    }
}

/// What the actors saw during the race.
#[derive(Debug, Default)]
struct Seen {
    /// The cancel's HTTP status and `MM-Error`.
    cancel: Option<(StatusCode, String)>,
    /// The hub's answer to the browser return.
    browser_return: Option<StatusCode>,
}

fn letter(status: Status) -> char {
    status.letter()
}

async fn one_request(postgres: bool) {
    let (seed, trials) = settings("one_request");
    let hub = Arc::new(Hub::start(postgres).await);
    let workers = Arc::new(Workers::new(&hub));
    let mut draw = Draw(seed);
    let mut tally = Tally::default();
    for trial in 0..trials {
        let plan = Plan::draw(&mut draw);
        let failure = match one_request_trial(&hub, &workers, &plan, &mut tally).await {
            Ok(()) => continue,
            Err(failure) => failure,
        };
        panic!(
            "one_request on {}: seed {seed}, trial {trial} (replay with MAKSA_RACE_SEED={seed} \
             MAKSA_RACE_TRIALS={}): {failure}\nplan: {plan:?}",
            backend_name(postgres),
            trial + 1
        );
    }
    tally.print("one_request", backend_name(postgres));
}

async fn one_request_trial(
    hub: &Arc<Hub>,
    workers: &Arc<Workers>,
    plan: &Plan,
    tally: &mut Tally,
) -> Result<(), String> {
    workers.advance(Duration::minutes(10));
    // Passed for the workers' clock (an hour or more ahead), not for the
    // server's, which lets the payment start.
    let expiry = if plan.expiry_passed {
        (time::OffsetDateTime::now_utc() + Duration::minutes(10))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    } else {
        "2099-01-01T00:00:00+02:00".to_owned()
    };
    let id = hub
        .create_with(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
            json!({"ExpiryDate": expiry}),
        )
        .await;
    let mut browser = Browser::new();
    let approve_page = to_the_bank(hub, &mut browser, &id).await;

    let seen = Arc::new(std::sync::Mutex::new(Seen::default()));
    let mut actors = Vec::new();
    {
        // The payer decides at the bank; the bank sends its server message
        // (or not) before it answers the payer's browser.
        let hub = Arc::clone(hub);
        let plan = plan.clone();
        let seen = Arc::clone(&seen);
        actors.push(tokio::spawn(async move {
            sleep(plan.delays[0]).await;
            let decision = if plan.approve { "approve" } else { "reject" };
            let page = decide_with(
                &hub,
                &mut browser,
                &approve_page,
                decision,
                &[
                    (
                        "server_message",
                        if plan.server_message { "send" } else { "drop" },
                    ),
                    (
                        "browser_return",
                        if plan.browser_return { "send" } else { "drop" },
                    ),
                    ("outcome_mode", "direct"),
                ],
            )
            .await;
            if plan.browser_return {
                let form = return_form(&page);
                let status = send_return(&hub, &mut browser, &form).await;
                seen.lock().unwrap().browser_return = Some(status);
            } else {
                assert_eq!(page.state(), "bank-done", "{}", page.html);
            }
        }));
    }
    if plan.cancel {
        let hub = Arc::clone(hub);
        let id = id.clone();
        let delay = plan.delays[1];
        let seen = Arc::clone(&seen);
        actors.push(tokio::spawn(async move {
            sleep(delay).await;
            let answer = hub
                .api_answer("cancelpaymentrequest", json!({"PaymentRequestId": id}))
                .await;
            seen.lock().unwrap().cancel = Some((answer.status, answer.mm_error));
        }));
    }
    if plan.expiry_worker {
        let workers = Arc::clone(workers);
        let delay = plan.delays[2];
        actors.push(tokio::spawn(async move {
            sleep(delay).await;
            workers.lifecycle.expire_due().await.unwrap();
        }));
    }
    if plan.recovery_worker {
        let workers = Arc::clone(workers);
        let delay = plan.delays[3];
        actors.push(tokio::spawn(async move {
            sleep(delay).await;
            workers.lifecycle.recover_due().await.unwrap();
        }));
    }
    for actor in actors {
        actor
            .await
            .map_err(|e| format!("request {id}: an actor failed: {e}"))?;
    }
    // The workers settle what the race left: the status query learns the
    // bank's decision, then a request past its expiry expires.
    workers.advance(Duration::hours(2));
    workers
        .lifecycle
        .recover_due()
        .await
        .map_err(|e| e.to_string())?;
    workers
        .lifecycle
        .expire_due()
        .await
        .map_err(|e| e.to_string())?;

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    check_one_request(hub, &id, plan, &seen, tally)
        .await
        .map_err(|failure| format!("request {id}: {failure}; seen {seen:?}"))
}

/// The request as stored, once the API answers its status alike, and its attempts.
async fn stored_as_answered(
    hub: &Hub,
    id: &str,
) -> Result<(maksa_domain::request::PaymentRequest, Vec<Attempt>), String> {
    let request = hub.stored(id).await;
    let api = hub.status(id).await;
    if api != letter(request.status).to_string() {
        return Err(format!(
            "the API says {api}, the store {:?}",
            request.status
        ));
    }
    let attempts = hub.attempts(id).await;
    Ok((request, attempts))
}

async fn check_one_request(
    hub: &Hub,
    id: &str,
    plan: &Plan,
    seen: &Seen,
    tally: &mut Tally,
) -> Result<(), String> {
    let (request, attempts) = stored_as_answered(hub, id).await?;
    let status = request.status;
    let [attempt] = attempts.as_slice() else {
        return Err(format!("{} attempts: {attempts:?}", attempts.len()));
    };
    let payment = request.payments.first().ok_or("no payment")?;
    let kinds = hub.audit_kinds(id).await;
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    let notifications = hub.notifications(id).await;

    // The bank's decision is what the attempt ends in, whatever won.
    let expected_attempt = if plan.approve {
        AttemptState::Executed
    } else {
        AttemptState::Rejected
    };
    if attempt.state != expected_attempt {
        return Err(format!(
            "the bank {} but the attempt is {:?}",
            if plan.approve { "executed" } else { "refused" },
            attempt.state
        ));
    }
    // Exactly one final outcome, and the one the actors allow.
    let allowed: &[Status] = match (plan.approve, plan.cancel, plan.expiry_passed) {
        (true, false, false) => &[Status::Executed],
        (true, true, false) => &[Status::Executed, Status::Cancelled],
        (true, false, true) => &[Status::Executed, Status::Expired],
        (true, true, true) => &[Status::Executed, Status::Cancelled, Status::Expired],
        (false, false, false) => &[Status::InProcess],
        (false, true, false) => &[Status::Cancelled],
        (false, false, true) => &[Status::Expired],
        (false, true, true) => &[Status::Cancelled, Status::Expired],
    };
    if !allowed.contains(&status) {
        return Err(format!("ended in {status:?}, allowed {allowed:?}"));
    }
    // Money never both kept and refunded: a paid request keeps it, any
    // other refunds money the bank moved, exactly once (one flagged attempt).
    let kept = status == Status::Executed;
    if kept != (payment.status == Status::Executed) {
        return Err(format!(
            "request {status:?} but its payment {:?}",
            payment.status
        ));
    }
    let refund_expected = plan.approve && !kept;
    if attempt.refund_required != refund_expected {
        return Err(format!(
            "request {status:?}, attempt {:?}, refund flag {} (expected {refund_expected})",
            attempt.state, attempt.refund_required
        ));
    }
    if status.is_final() && payment.status != status {
        return Err(format!(
            "request {status:?} but its payment {:?}",
            payment.status
        ));
    }
    // The winner's event is recorded once; a loser's either answered (the
    // cancel), flagged (the payment) or left no trace (the expiry's
    // compare-and-set changed nothing).
    let cancelled = count("payment_request.cancelled");
    let expired = count("payment_request.expired");
    if cancelled != usize::from(status == Status::Cancelled)
        || expired != usize::from(status == Status::Expired)
    {
        return Err(format!(
            "request {status:?} with {cancelled} cancel and {expired} expiry events: {kinds:?}"
        ));
    }
    if plan.cancel {
        let (code, error) = seen.cancel.clone().ok_or("the cancel was not answered")?;
        let won = status == Status::Cancelled;
        if won != code.is_success() {
            return Err(format!("request {status:?}, the cancel answered {code}"));
        }
        if !won && error != "INVALID_STATUS_TRANSITION" {
            return Err(format!(
                "the losing cancel answered {code} {error}, not INVALID_STATUS_TRANSITION"
            ));
        }
        tally.add(if won { "cancel won" } else { "cancel lost" });
    }
    if let Some(code) = seen.browser_return
        && code.is_server_error()
    {
        return Err(format!("the browser return was answered {code}"));
    }
    // One notification per final status, none before one.
    let announced: Vec<Status> = notifications.iter().map(|n| n.status).collect();
    let expected: Vec<Status> = if status.is_final() {
        vec![status]
    } else {
        Vec::new()
    };
    if announced != expected {
        return Err(format!(
            "request {status:?}, notifications {announced:?} (expected {expected:?})"
        ));
    }
    tally.add(format!("ended {}", letter(status)));
    if refund_expected {
        tally.add(format!(
            "ended {}, money flagged for refund",
            letter(status)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Two tabs, two providers.

const DEMO: &str = "DEMO0000";

#[derive(Debug, Clone)]
struct TabsPlan {
    /// The provider of the first tab (the second takes the other).
    first_provider: &'static str,
    start_delays: [StdDuration; 2],
    /// The decision at the bank of whichever tab started.
    winner_approves: bool,
    /// The other tab presses `pay` again (its page still open) after this.
    retry_delay: StdDuration,
    /// Its decision, should its retry start a payment.
    second_approves: bool,
    /// The demo bank executes a payment it first refused (a correctly
    /// signed 1111 after its 1911): then both banks may have the money.
    late_execution: bool,
}

impl TabsPlan {
    fn draw(draw: &mut Draw) -> TabsPlan {
        TabsPlan {
            first_provider: if draw.chance(50) { DEMO } else { LUMINOR },
            start_delays: [draw.delay(), draw.delay()],
            winner_approves: draw.chance(50),
            retry_delay: StdDuration::from_micros(draw.below(20_000)),
            second_approves: draw.chance(70),
            late_execution: draw.chance(50),
        }
    }
}

/// What one tab did after its first `pay`.
#[derive(Debug, Default)]
struct TabRun {
    provider: &'static str,
    /// The refusal's code, when `pay` was refused.
    refused: Option<String>,
    /// The bank's browser return fields, when the tab reached a bank and decided.
    returned: Option<ReturnForm>,
    approved: bool,
}

/// A tab at `provider`: goes to the bank and decides, coming back through
/// the browser return.
async fn pay_at_bank(
    hub: &Hub,
    browser: &mut Browser,
    handoff: &Page,
    approve: bool,
) -> ReturnForm {
    let page = follow_handoff(hub, browser, handoff).await;
    let decided = decide_with(
        hub,
        browser,
        &page,
        if approve { "approve" } else { "reject" },
        &[("server_message", "send"), ("browser_return", "send")],
    )
    .await;
    let form = return_form(&decided);
    let status = send_return(hub, browser, &form).await;
    assert!(
        !status.is_server_error(),
        "browser return answered {status}"
    );
    form
}

async fn two_tabs(postgres: bool) {
    let (seed, trials) = settings("two_tabs");
    let hub = Arc::new(Hub::start_with_luminor(postgres).await);
    let mut draw = Draw(seed);
    let mut tally = Tally::default();
    for trial in 0..trials {
        let plan = TabsPlan::draw(&mut draw);
        if let Err(failure) = two_tabs_trial(&hub, &plan, &mut tally).await {
            panic!(
                "two_tabs on {}: seed {seed}, trial {trial} (replay with MAKSA_RACE_SEED={seed} \
                 MAKSA_RACE_TRIALS={}): {failure}\nplan: {plan:?}",
                backend_name(postgres),
                trial + 1
            );
        }
    }
    tally.print("two_tabs", backend_name(postgres));
}

async fn two_tabs_trial(hub: &Arc<Hub>, plan: &TabsPlan, tally: &mut Tally) -> Result<(), String> {
    let id = hub.create_for(&[DEMO, LUMINOR], json!({})).await;
    let providers = if plan.first_provider == DEMO {
        [DEMO, LUMINOR]
    } else {
        [LUMINOR, DEMO]
    };
    // Both tabs show the page, then both press `pay` at once.
    let mut tabs = Vec::new();
    for provider in providers {
        let mut browser = Browser::new();
        let form = pay_form(hub, &mut browser, &id, provider).await;
        tabs.push((browser, form, provider));
    }
    let mut started = Vec::new();
    for (i, (mut browser, form, provider)) in tabs.into_iter().enumerate() {
        let delay = plan.start_delays[i];
        started.push(tokio::spawn(async move {
            sleep(delay).await;
            let answer = press_pay(&mut browser, &form).await;
            (browser, form, provider, answer)
        }));
    }
    let mut first_round = Vec::new();
    for task in started {
        first_round.push(
            task.await
                .map_err(|e| format!("request {id}: a tab failed: {e}"))?,
        );
    }
    let handoffs = first_round
        .iter()
        .filter(|(_, _, _, a)| matches!(a, PayAnswer::Handoff(_)))
        .count();
    if handoffs != 1 {
        return Err(format!(
            "request {id}: {handoffs} of two concurrent starts were let through"
        ));
    }
    // The winner pays at its bank while the other tab presses `pay` again.
    let mut runs = Vec::new();
    for (mut browser, form, provider, answer) in first_round {
        let hub = Arc::clone(hub);
        let plan = plan.clone();
        runs.push(tokio::spawn(async move {
            let mut run = TabRun {
                provider,
                ..TabRun::default()
            };
            match answer {
                PayAnswer::Handoff(handoff) => {
                    run.approved = plan.winner_approves;
                    run.returned =
                        Some(pay_at_bank(&hub, &mut browser, &handoff, plan.winner_approves).await);
                }
                PayAnswer::Refused(code) => {
                    assert_eq!(code, "PAYMENT_IN_PROGRESS", "the first refusal");
                    sleep(plan.retry_delay).await;
                    match press_pay(&mut browser, &form).await {
                        PayAnswer::Handoff(handoff) => {
                            run.approved = plan.second_approves;
                            run.returned = Some(
                                pay_at_bank(&hub, &mut browser, &handoff, plan.second_approves)
                                    .await,
                            );
                        }
                        PayAnswer::Refused(code) => run.refused = Some(code),
                    }
                }
            }
            run
        }));
    }
    let mut tab_runs = Vec::new();
    for run in runs {
        tab_runs.push(
            run.await
                .map_err(|e| format!("request {id}: a tab failed: {e}"))?,
        );
    }
    // The demo bank executes after all what it refused, and says so.
    let demo = tab_runs.iter().find(|r| r.provider == DEMO).unwrap();
    let late = plan.late_execution && demo.returned.is_some() && !demo.approved;
    if late {
        let (_, _, fields) = demo.returned.clone().unwrap();
        let message = demo_answer(hub, &fields, "1111", "Y");
        let answer = post_demo_notify(hub, &message).await;
        if !answer.is_success() {
            return Err(format!(
                "request {id}: the demo bank's late 1111 was answered {answer}"
            ));
        }
    }
    check_two_tabs(hub, &id, &tab_runs, late, tally)
        .await
        .map_err(|failure| format!("request {id}: {failure}; tabs {tab_runs:?}"))
}

async fn check_two_tabs(
    hub: &Hub,
    id: &str,
    runs: &[TabRun],
    late: bool,
    tally: &mut Tally,
) -> Result<(), String> {
    let (request, attempts) = stored_as_answered(hub, id).await?;
    let status = request.status;
    let executed: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.state == AttemptState::Executed)
        .collect();
    let kept: Vec<&&Attempt> = executed.iter().filter(|a| !a.refund_required).collect();
    // Never two executed and kept; a paid request keeps exactly one.
    if kept.len() > 1 {
        return Err(format!(
            "{} executed payments kept: {attempts:?}",
            kept.len()
        ));
    }
    if (status == Status::Executed) != (kept.len() == 1) {
        return Err(format!(
            "request {status:?} with {} kept payments: {attempts:?}",
            kept.len()
        ));
    }
    if attempts
        .iter()
        .any(|a| a.refund_required && a.state != AttemptState::Executed)
    {
        return Err(format!(
            "an unexecuted attempt flagged for refund: {attempts:?}"
        ));
    }
    // The attempts are the tabs that reached a bank, each as its bank decided
    // (the demo bank's late execution included).
    let reached: Vec<&TabRun> = runs.iter().filter(|r| r.returned.is_some()).collect();
    if attempts.len() != reached.len() {
        return Err(format!(
            "{} tabs reached a bank, {} attempts stored",
            reached.len(),
            attempts.len()
        ));
    }
    for run in &reached {
        let code = ProviderCode::parse(run.provider).unwrap();
        let attempt = attempts
            .iter()
            .find(|a| a.provider == code)
            .ok_or(format!("no attempt at {}", run.provider))?;
        let executed = run.approved || (late && run.provider == DEMO);
        let expected = if executed {
            AttemptState::Executed
        } else {
            AttemptState::Rejected
        };
        if attempt.state != expected {
            return Err(format!(
                "the attempt at {} is {:?}, expected {expected:?}",
                run.provider, attempt.state
            ));
        }
    }
    // The refused tab was refused for the right reason.
    for run in runs {
        if let Some(code) = &run.refused {
            let winner_paid = runs.iter().any(|r| r.returned.is_some() && r.approved);
            let allowed: &[&str] = if winner_paid {
                &["PAYMENT_IN_PROGRESS", "ALREADY_PAID"]
            } else {
                &["PAYMENT_IN_PROGRESS"]
            };
            if !allowed.contains(&code.as_str()) {
                return Err(format!("the second tab's retry was refused with {code}"));
            }
            tally.add(format!("retry refused {code}"));
        }
    }
    let announced: Vec<Status> = hub
        .notifications(id)
        .await
        .iter()
        .map(|n| n.status)
        .collect();
    let expected: Vec<Status> = if status == Status::Executed {
        vec![Status::Executed]
    } else {
        Vec::new()
    };
    if announced != expected {
        return Err(format!(
            "request {status:?}, notifications {announced:?} (expected {expected:?})"
        ));
    }
    tally.add(format!("ended {}", letter(status)));
    tally.add(format!("{} attempts", attempts.len()));
    if executed.len() == 2 {
        tally.add("both banks executed, the second flagged for refund");
    }
    Ok(())
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_request_confirmation_cancel_expiry_recovery() {
        super::one_request(false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_tabs_two_providers() {
        super::two_tabs(false).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_request_confirmation_cancel_expiry_recovery() {
        super::one_request(true).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_tabs_two_providers() {
        super::two_tabs(true).await;
    }
}
