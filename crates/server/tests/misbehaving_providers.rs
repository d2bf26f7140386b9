//! Providers that misbehave (issue 18 §2; docs/RELIABILITY.md, "Providers
//! that misbehave"): a bank that answers the status query too late (past the
//! connector's timeout), that sends its answer twice, out of order (the
//! server message after the browser return, a refusal after an approval, an
//! old message replayed after a newer one), or never. Each time the request
//! converges to one state with one notification, and the status-recovery
//! worker settles what was lost. The real server on port 0 with the demo
//! bank and the Luminor iPizza simulator mounted, the banks' own controls
//! (`server_message`, `browser_return`, `outcome_mode`, `status_query`), and
//! the expiry and recovery workers in-process on the same store
//! (`support::workers`). On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
use maksa_domain::attempt::AttemptState;
use maksa_domain::status::Status;
use serde_json::json;
use std::time::Duration as StdDuration;
use support::Backend;
use support::payer_hub::*;
use support::workers::Workers;
use time::Duration;

const DEMO: &str = "DEMO0000";

/// The request converged: the API and the store agree on `status`, its one
/// attempt is `attempt` with `refund` as its flag, and exactly one
/// notification announces a final status (none before one).
async fn assert_converged(
    hub: &Hub,
    id: &str,
    status: Status,
    attempt: AttemptState,
    refund: bool,
) {
    assert_eq!(hub.status(id).await, status.letter().to_string(), "the API");
    let stored = hub.stored(id).await;
    assert_eq!(stored.status, status, "the store");
    let attempts = hub.attempts(id).await;
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(
        attempts[0].state, attempt,
        "the attempt's state: {attempts:?}"
    );
    assert_eq!(
        attempts[0].refund_required, refund,
        "the refund flag: {attempts:?}"
    );
    let announced: Vec<Status> = hub
        .notifications(id)
        .await
        .iter()
        .map(|n| n.status)
        .collect();
    let expected = if status.is_final() {
        vec![status]
    } else {
        Vec::new()
    };
    assert_eq!(announced, expected, "notifications");
}

/// How many provider messages about the request the hub took in (each one
/// is recorded, a repeat too).
async fn messages_taken(hub: &Hub, id: &str) -> usize {
    hub.audit_kinds(id)
        .await
        .iter()
        .filter(|k| *k == "payment.provider_message")
        .count()
}

/// Waits (at most 20 s) until the hub has taken in `n` provider messages
/// about the request: a bank's delayed message is on its way.
async fn wait_for_messages(hub: &Hub, id: &str, n: usize) {
    for _ in 0..200 {
        if messages_taken(hub, id).await >= n {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!(
        "only {} of {n} provider messages arrived",
        messages_taken(hub, id).await
    );
}

/// Pays request `id` at Luminor, whose payer approves with the tester's
/// `options`; answers the bank's page after the decision.
async fn luminor_approves(
    hub: &Hub,
    browser: &mut Browser,
    id: &str,
    options: &[(&str, &str)],
) -> Page {
    let form = pay_form(hub, browser, id, LUMINOR).await;
    let PayAnswer::Handoff(handoff) = press_pay(browser, &form).await else {
        panic!("the payment did not start");
    };
    let approve = follow_handoff(hub, browser, &handoff).await;
    decide_with(hub, browser, &approve, "approve", options).await
}

/// Pays request `id` at the demo bank with the tester's `options`; answers
/// the bank's page after the decision.
async fn demo_decides(
    hub: &Hub,
    browser: &mut Browser,
    id: &str,
    decision: &str,
    options: &[(&str, &str)],
) -> Page {
    let approve = to_the_bank(hub, browser, id).await;
    decide_with(hub, browser, &approve, decision, options).await
}

/// The bank answers the status query after the connector gave up: the
/// recovery notes the query and asks again on its schedule; the next,
/// prompt answer settles the payment.
async fn a_slow_status_answer_is_given_up_and_asked_again(backend: Backend) {
    let hub = Hub::start(matches!(backend, Backend::Postgres)).await;
    let workers = Workers::new(&hub);
    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let page = demo_decides(
        &hub,
        &mut browser,
        &id,
        "approve",
        &[
            ("server_message", "drop"),
            ("browser_return", "drop"),
            ("status_query", "slow"),
        ],
    )
    .await;
    assert_eq!(page.state(), "bank-done");
    // The first query times out (the connector waits 5 s, the bank 6 s).
    assert_eq!(workers.lifecycle.recover_due().await.unwrap(), 1);
    assert_converged(&hub, &id, Status::InProcess, AttemptState::Started, false).await;
    // Not asked again before the schedule's next query (an hour later)…
    assert_eq!(workers.lifecycle.recover_due().await.unwrap(), 0);
    // …then answered at once, and the payment is taken in.
    workers.advance(Duration::hours(1) + Duration::minutes(1));
    assert_eq!(workers.lifecycle.recover_due().await.unwrap(), 1);
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
    assert_eq!(messages_taken(&hub, &id).await, 1);
}

/// The bank sends its server message twice (the simulator's `duplicate`)
/// and the payer's browser comes back twice: one payment, one notification,
/// each message recorded.
async fn every_message_twice_pays_once(backend: Backend) {
    let hub = Hub::start_with_luminor(matches!(backend, Backend::Postgres)).await;
    let id = hub.create_for(&[LUMINOR], json!({})).await;
    let mut browser = Browser::new();
    let page = luminor_approves(&hub, &mut browser, &id, &[("server_message", "duplicate")]).await;
    // Both server messages were posted before the bank answered the payer.
    assert_eq!(messages_taken(&hub, &id).await, 2);
    let back = return_form(&page);
    for _ in 0..2 {
        let status = send_return(&hub, &mut browser, &back).await;
        assert!(status.is_success() || status.is_redirection(), "{status}");
    }
    assert_eq!(messages_taken(&hub, &id).await, 4);
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
}

/// The server message comes after the browser return (`delay`): the return
/// pays, the late message changes nothing.
async fn the_server_message_after_the_return_changes_nothing(backend: Backend) {
    let hub = Hub::start_with_luminor(matches!(backend, Backend::Postgres)).await;
    let id = hub.create_for(&[LUMINOR], json!({})).await;
    let mut browser = Browser::new();
    let page = luminor_approves(
        &hub,
        &mut browser,
        &id,
        &[("server_message", "delay"), ("delay_seconds", "1")],
    )
    .await;
    assert_eq!(messages_taken(&hub, &id).await, 0);
    send_return(&hub, &mut browser, &return_form(&page)).await;
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
    wait_for_messages(&hub, &id, 2).await;
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
}

/// A correctly signed refusal after the approval (a bank that changes its
/// mind, or a stale message): the executed payment stays executed and kept.
/// And the other way round: an approval after a refusal is money that moved,
/// taken in once.
async fn a_refusal_after_an_approval_changes_nothing(backend: Backend) {
    let hub = Hub::start(matches!(backend, Backend::Postgres)).await;
    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let page = demo_decides(&hub, &mut browser, &id, "approve", &[]).await;
    let (_, _, executed) = return_form(&page);
    send_return(&hub, &mut browser, &return_form(&page)).await;
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
    let refusal = demo_answer(&hub, &executed, "1911", "Y");
    assert!(post_demo_notify(&hub, &refusal).await.is_success());
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
    assert_eq!(messages_taken(&hub, &id).await, 3);

    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let page = demo_decides(&hub, &mut browser, &id, "reject", &[]).await;
    let (_, _, refused) = return_form(&page);
    send_return(&hub, &mut browser, &return_form(&page)).await;
    assert_converged(&hub, &id, Status::InProcess, AttemptState::Rejected, false).await;
    let approval = demo_answer(&hub, &refused, "1111", "Y");
    assert!(post_demo_notify(&hub, &approval).await.is_success());
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
}

/// `processing`: the bank accepts (1112), executes a second later (1111 by
/// server message); the old 1112 replayed afterwards, by the browser and as
/// a server message, changes nothing.
async fn an_old_message_replayed_after_a_newer_one_changes_nothing(backend: Backend) {
    let hub = Hub::start(matches!(backend, Backend::Postgres)).await;
    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let page = demo_decides(
        &hub,
        &mut browser,
        &id,
        "approve",
        &[("outcome_mode", "processing"), ("delay_seconds", "1")],
    )
    .await;
    let accepted = return_form(&page);
    assert_eq!(
        accepted
            .2
            .iter()
            .find(|(k, _)| k == "VK_SERVICE")
            .unwrap()
            .1,
        "1112"
    );
    send_return(&hub, &mut browser, &accepted).await;
    // The 1112 by server message and the browser's, then the 1111.
    wait_for_messages(&hub, &id, 3).await;
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
    send_return(&hub, &mut browser, &accepted).await;
    let replayed = demo_answer(&hub, &accepted.2, "1112", "Y");
    assert!(post_demo_notify(&hub, &replayed).await.is_success());
    assert_eq!(messages_taken(&hub, &id).await, 5);
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
}

/// Neither the server message nor the browser return ever comes: the
/// recovery asks the bank and takes the payment in.
async fn a_bank_that_never_sends_is_asked(backend: Backend) {
    let hub = Hub::start(matches!(backend, Backend::Postgres)).await;
    let workers = Workers::new(&hub);
    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let page = demo_decides(
        &hub,
        &mut browser,
        &id,
        "approve",
        &[("server_message", "drop"), ("browser_return", "drop")],
    )
    .await;
    assert_eq!(page.state(), "bank-done");
    assert_converged(&hub, &id, Status::InProcess, AttemptState::Started, false).await;
    assert_eq!(workers.lifecycle.recover_due().await.unwrap(), 1);
    assert_converged(&hub, &id, Status::Executed, AttemptState::Executed, false).await;
}

/// The payer never decides and nothing ever comes: the recovery learns
/// nothing and keeps asking; past the expiry and its grace the request
/// expires (one notification). When the bank executes after all, the money is
/// taken in and flagged for refund, and the request stays expired.
async fn a_payment_never_decided_expires_then_a_late_execution_is_refunded(backend: Backend) {
    let hub = Hub::start(matches!(backend, Backend::Postgres)).await;
    let workers = Workers::new(&hub);
    let soon = (time::OffsetDateTime::now_utc() + Duration::minutes(10))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let id = hub.create_for(&[DEMO], json!({"ExpiryDate": soon})).await;
    let mut browser = Browser::new();
    let approve = to_the_bank(&hub, &mut browser, &id).await;
    // Asked: the bank has no decision (204), nothing changes.
    assert_eq!(workers.lifecycle.recover_due().await.unwrap(), 1);
    assert_converged(&hub, &id, Status::InProcess, AttemptState::Started, false).await;
    // The workers' clock is past the expiry and its 30-minute grace.
    assert_eq!(workers.lifecycle.expire_due().await.unwrap(), 1);
    assert_converged(&hub, &id, Status::Expired, AttemptState::Started, false).await;
    // The payer approves at last, and both of the bank's messages come.
    let page = decide_with(&hub, &mut browser, &approve, "approve", &[]).await;
    send_return(&hub, &mut browser, &return_form(&page)).await;
    assert_converged(&hub, &id, Status::Expired, AttemptState::Executed, true).await;
    // Nothing left to ask about, and the expiry does not act twice.
    workers.advance(Duration::days(2));
    assert_eq!(workers.lifecycle.recover_due().await.unwrap(), 0);
    assert_eq!(workers.lifecycle.expire_due().await.unwrap(), 0);
    assert_converged(&hub, &id, Status::Expired, AttemptState::Executed, true).await;
}

on_both_backends!(
    a_slow_status_answer_is_given_up_and_asked_again,
    every_message_twice_pays_once,
    the_server_message_after_the_return_changes_nothing,
    a_refusal_after_an_approval_changes_nothing,
    an_old_message_replayed_after_a_newer_one_changes_nothing,
    a_bank_that_never_sends_is_asked,
    a_payment_never_decided_expires_then_a_late_execution_is_refunded,
);
