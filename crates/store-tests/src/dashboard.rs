//! The dashboard's roll-up (migration 0018, docs/dashboard.md "Speed")
//! against the truth: random transitions through the store's ordinary
//! writes — requests created (some already paid), attempts started,
//! accepted, executed, rejected, executed after a rejection, repeated
//! messages, requests cancelled, notifications delivered, retried, dead and
//! sent again — and after each stage every panel's answer from the roll-up
//! must equal the same answer counted from the rows
//! ([`DashboardStore::counted_from_rows`]), over many ranges of Riga days, one of
//! them across the change to summer time.

use crate::fixtures::{
    BASE_TIME, attempt_audit, client, provider, sample_attempt, sample_request,
    single_payment_request,
};
use crate::scenarios::{change, delivery, insert_all, notice};
use maksa_app::dashboard::riga_spans;
use maksa_app::store::prelude::*;
use maksa_app::store::{DeliveryResult, OutcomeReport, rollup_hour, rollup_piece};
use maksa_app::workflows::Workflows;
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use std::collections::BTreeSet;
use std::sync::Arc;
use time::macros::date;
use time::{Date, Duration, OffsetDateTime};

const BANKS: [&str; 3] = ["HABALV22", "UNLALV2X", "PARXLV22"];

/// A small deterministic generator (xorshift64*), so a failure repeats.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[usize::try_from(self.below(from.len() as u64)).unwrap()]
    }

    fn bank(&mut self) -> &'static str {
        self.pick(&BANKS)
    }
}

/// Every panel's answer from the roll-up equals the one from the rows, for
/// each range; answers how many executed attempts and dead notifications the
/// widest range saw (so a caller can tell the stage was not empty).
async fn assert_rollup_equals_rows(store: &dyn Store, stage: &str) -> (u64, u64) {
    let rows = store.counted_from_rows();
    let mut ranges: Vec<(Date, Date)> = vec![
        // All of it, and the weeks around the change to summer time (30 March).
        (date!(2025 - 03 - 01), date!(2025 - 04 - 30)),
        (date!(2025 - 03 - 29), date!(2025 - 03 - 31)),
        (date!(2025 - 03 - 30), date!(2025 - 03 - 30)),
        (date!(2025 - 03 - 10), date!(2025 - 03 - 10)),
    ];
    let mut dice = Dice(0xDA5B_0A2D);
    for _ in 0..12 {
        let from = date!(2025 - 03 - 08) + Duration::days(dice.below(32) as i64);
        ranges.push((from, from + Duration::days(dice.below(10) as i64)));
    }
    let mut widest = (0, 0);
    for (from, to) in ranges {
        let spans = riga_spans(from, to).unwrap();
        for span in &spans {
            assert!(rollup_hour(span.start).is_some() && rollup_hour(span.end).is_some());
            assert_eq!(
                store.paid_by_provider(span).await.unwrap(),
                rows.paid_by_provider(span).await.unwrap(),
                "{stage}: payments paid by provider, {span:?}"
            );
            assert_eq!(
                store.paid_by_service(span).await.unwrap(),
                rows.paid_by_service(span).await.unwrap(),
                "{stage}: requests paid by service, {span:?}"
            );
            assert_eq!(
                store.requests_by_day(span).await.unwrap(),
                rows.requests_by_day(span).await.unwrap(),
                "{stage}: requests by day, {span:?}"
            );
        }
        let start = spans.first().unwrap().start;
        let end = spans.last().unwrap().end;
        assert!(rollup_piece(start).is_some() && rollup_piece(end).is_some());
        let tallies = store.attempt_tallies(start, end).await.unwrap();
        assert_eq!(
            tallies,
            rows.attempt_tallies(start, end).await.unwrap(),
            "{stage}: attempts {from}..{to}"
        );
        assert_eq!(
            store.confirmation_times(start, end).await.unwrap(),
            rows.confirmation_times(start, end).await.unwrap(),
            "{stage}: confirmation times {from}..{to}"
        );
        let health = store.notification_health(start, end).await.unwrap();
        assert_eq!(
            health,
            rows.notification_health(start, end).await.unwrap(),
            "{stage}: notifications {from}..{to}"
        );
        if from == date!(2025 - 03 - 01) {
            widest = (tallies.iter().map(|t| t.executed).sum(), health.dead);
        }
    }
    widest
}

/// A provider's message about `attempt` at `at`, with the notification a
/// payment brings.
async fn message(
    store: &dyn Store,
    request: &PaymentRequest,
    attempt: &Attempt,
    outcome: Outcome,
    at: OffsetDateTime,
) {
    let report = OutcomeReport {
        attempt: attempt.id,
        outcome,
        external_id: Some(format!("EXT-{}", attempt.id)),
        at,
        notifications: vec![notice(request, Status::Executed, at)],
        receipt_due: false,
    };
    let kind = format!("payment_attempt.{outcome:?}");
    store
        .record_outcome(&report, &attempt_audit(attempt, &kind, at))
        .await
        .unwrap()
        .unwrap();
}

pub async fn dashboard_rollup_equals_the_rows(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let mut dice = Dice(0x0DA5_4B0A_4D17);

    // 48 requests a request every ~15 hours from 10 March 2025 to 9 April,
    // across the change to summer time; every seventh inserted already paid.
    let mut requests = Vec::new();
    for i in 0..48u64 {
        let seed = i * 911 + 1;
        let mut request = if i % 3 == 0 {
            sample_request(&owner, seed)
        } else {
            single_payment_request(&owner, seed)
        };
        if i % 7 == 0 {
            let paid_at = request.created_at + Duration::minutes(3);
            let bank = dice.bank();
            request.status = Status::Executed;
            request.status_changed_at = paid_at;
            for payment in &mut request.payments {
                payment.status = Status::Executed;
                payment.paid_at = Some(paid_at);
                payment.provider = Some(provider(bank));
            }
        }
        requests.push(request);
    }
    insert_all(store, &requests).await;
    assert_rollup_equals_rows(store, "created").await;

    // Attempts and their messages; some requests cancelled.
    let mut executed_somewhere = 0;
    for (i, request) in requests.iter().enumerate() {
        if request.status != Status::InProcess {
            continue;
        }
        let at = request.created_at + Duration::seconds(dice.below(7200) as i64);
        let mut attempt = sample_attempt(request, 1, i as u64, at);
        attempt.provider = provider(dice.bank());
        let action = dice.below(6);
        if action == 0 {
            let cancel = change(request, Status::Cancelled, at, Some(Status::Cancelled));
            let mut cancel = cancel;
            cancel.notifications = vec![notice(request, Status::Cancelled, at)];
            assert!(store.change_request_status(&cancel).await.unwrap());
            continue;
        }
        let started = store
            .start_attempt(
                &attempt,
                &attempt_audit(&attempt, "payment_attempt.started", at),
            )
            .await
            .unwrap();
        assert_eq!(started, Ok(()));
        // Times to confirmation across every bucket width, up to past a week.
        let scale = dice.pick(&[60, 600, 3600, 86_400, 700_000]);
        let confirmed = at + Duration::seconds(dice.below(scale) as i64);
        match action {
            1 => message(store, request, &attempt, Outcome::Accepted, at).await,
            2 | 3 => {
                message(store, request, &attempt, Outcome::Accepted, at).await;
                message(store, request, &attempt, Outcome::Executed, confirmed).await;
                // The same message again changes nothing.
                message(store, request, &attempt, Outcome::Executed, confirmed).await;
                executed_somewhere += 1;
            }
            4 => {
                message(store, request, &attempt, Outcome::Rejected, confirmed).await;
                message(store, request, &attempt, Outcome::Rejected, confirmed).await;
                if dice.below(2) == 0 {
                    // Executed after all, later.
                    let late = confirmed + Duration::seconds(dice.below(scale) as i64);
                    message(store, request, &attempt, Outcome::Executed, late).await;
                    executed_somewhere += 1;
                }
            }
            _ => {
                // Left open, and the request expires under it.
                let expire = change(
                    request,
                    Status::Expired,
                    at + Duration::days(1),
                    Some(Status::Expired),
                );
                assert!(store.change_request_status(&expire).await.unwrap());
            }
        }
    }
    assert!(executed_somewhere > 3, "too few executions to test");
    let (executed, _) = assert_rollup_equals_rows(store, "attempts").await;
    assert!(executed >= executed_somewhere, "the executions are counted");

    // Notifications: delivered, retried, dead; then a second round, and the
    // dead ones sent again.
    let now = BASE_TIME + Duration::days(60);
    let claimed = store
        .claim_notifications(now, "w", now + Duration::minutes(1), 10_000)
        .await
        .unwrap();
    assert!(claimed.len() > 10, "too few notifications to test");
    for notification in &claimed {
        let result = match dice.below(3) {
            0 => DeliveryResult::Delivered,
            1 => DeliveryResult::RetryAt(now + Duration::minutes(10)),
            _ => DeliveryResult::Dead,
        };
        let tried = delivery(now, Some(500), Some("HTTP 500"));
        assert!(
            store
                .finish_delivery(notification.id, "w", &tried, result)
                .await
                .unwrap()
        );
    }
    assert_rollup_equals_rows(store, "first deliveries").await;
    let later = now + Duration::hours(1);
    let again = store
        .claim_notifications(later, "w", later + Duration::minutes(1), 10_000)
        .await
        .unwrap();
    for (k, notification) in again.iter().enumerate() {
        if k % 2 == 0 {
            let tried = delivery(later, Some(200), None);
            assert!(
                store
                    .finish_delivery(notification.id, "w", &tried, DeliveryResult::Dead)
                    .await
                    .unwrap()
            );
        }
    }
    let (_, dead) = assert_rollup_equals_rows(store, "second deliveries").await;
    assert!(dead > 0, "dead notifications are counted");
    let resent = store.resend_notifications(None, later).await.unwrap();
    assert!(resent > 0);
    let (_, dead) = assert_rollup_equals_rows(store, "resent").await;
    assert_eq!(dead, 0, "sent again, none is dead");

    // The answers are not trivial: several providers and buckets.
    let spans = riga_spans(date!(2025 - 03 - 01), date!(2025 - 04 - 30)).unwrap();
    let start = spans.first().unwrap().start;
    let end = spans.last().unwrap().end;
    let buckets: BTreeSet<i64> = store
        .confirmation_times(start, end)
        .await
        .unwrap()
        .iter()
        .map(|b| b.seconds)
        .collect();
    assert!(buckets.len() >= 5, "buckets {buckets:?}");
    let providers = store.attempt_tallies(start, end).await.unwrap();
    assert!(providers.len() >= 2, "providers {providers:?}");
    assert!(providers.iter().any(|p| p.rejected > 0 && p.executed > 0));
}
