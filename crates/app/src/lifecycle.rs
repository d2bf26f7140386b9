//! The background work of a node: delivering notifications, expiring unpaid
//! requests, asking providers about payments whose outcome went missing, and
//! pseudonymising payers' data once its retention period ran out
//! (docs/retention.md).
//! Every step claims its rows (leases, `SKIP LOCKED` on PostgreSQL), so several
//! nodes on one database share the work and a dead node only delays it.

use crate::clock::Clock;
use crate::documents::Documents;
use crate::metrics::Metrics;
use crate::notifications::{Notifier, notifications_for};
use crate::payer::Payer;
use crate::payer_mail::PayerMailer;
use crate::store::prelude::*;
use crate::store::{AuditEvent, StatusChange, StoreError};
use crate::workflows::Workflows;
use maksa_domain::status::{RequestEvent, Status};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use time::Duration;
use tokio::sync::{Notify, watch};

#[derive(Debug, Clone)]
pub struct LifecycleSettings {
    /// How long a payment started at a provider before expiry keeps its request
    /// in P after the expiry, waiting for the provider's confirmation.
    pub expiry_grace: Duration,
    /// After the first query (5 min after the start): 1 h, then daily ×5.
    pub recovery_schedule: Vec<Duration>,
    /// How long after a request's final status its payer's data is kept
    /// (`[retention] payer_data_days`).
    pub payer_data_after: Duration,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            expiry_grace: Duration::minutes(30),
            recovery_schedule: vec![
                Duration::hours(1),
                Duration::days(1),
                Duration::days(1),
                Duration::days(1),
                Duration::days(1),
                Duration::days(1),
            ],
            payer_data_after: Duration::days(365),
        }
    }
}

pub struct Lifecycle {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    notifier: Notifier,
    payer: Arc<Payer>,
    metrics: Arc<Metrics>,
    settings: LifecycleSettings,
    /// Woken after a commit that wrote a notification, so it goes out at once.
    wake: Arc<Notify>,
    /// Issues the receipts of paid requests.
    documents: Option<Arc<Documents>>,
    /// Sends the payers' e-mail.
    payer_mail: Option<Arc<PayerMailer>>,
    /// Closes the card acquirers' business days.
    cards: Option<Arc<crate::cards::Cards>>,
    /// Deletes expired idempotency keys.
    idempotency: Option<Arc<crate::idempotency::Idempotency>>,
    /// Pseudonymises payers' data past its retention period.
    retention: Option<Arc<crate::retention::Retention>>,
}

impl Lifecycle {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        notifier: Notifier,
        payer: Arc<Payer>,
        metrics: Arc<Metrics>,
        settings: LifecycleSettings,
        wake: Arc<Notify>,
    ) -> Self {
        Lifecycle {
            store,
            clock,
            notifier,
            payer,
            metrics,
            settings,
            wake,
            documents: None,
            payer_mail: None,
            cards: None,
            idempotency: None,
            retention: None,
        }
    }

    /// Also pseudonymise payers' data past its retention period.
    pub fn with_retention(mut self, retention: Arc<crate::retention::Retention>) -> Self {
        self.retention = Some(retention);
        self
    }

    /// Pseudonymises the payer data of final requests past the retention
    /// period: batches of 100, at most 10 a round. Answers how many.
    pub async fn erase_payer_data_due(&self) -> Result<usize, StoreError> {
        match &self.retention {
            Some(retention) => retention.erase_all_due(100, 10).await,
            None => Ok(0),
        }
    }

    /// Also delete expired idempotency keys (docs/idempotency.md).
    pub fn with_idempotency(mut self, idempotency: Arc<crate::idempotency::Idempotency>) -> Self {
        self.idempotency = Some(idempotency);
        self
    }

    /// Also close the card acquirers' business days when due.
    pub fn with_cards(mut self, cards: Arc<crate::cards::Cards>) -> Self {
        self.cards = Some(cards);
        self
    }

    /// Also send the payers' e-mail (registered requests, reminders).
    pub fn with_payer_mail(mut self, mailer: Arc<PayerMailer>) -> Self {
        self.payer_mail = Some(mailer);
        self
    }

    /// Queues due reminders and sends every payer message due now.
    pub async fn send_payer_mail_due(&self) -> Result<usize, StoreError> {
        let Some(mailer) = &self.payer_mail else {
            return Ok(0);
        };
        let mut total: usize = 0;
        loop {
            let done = mailer.run_once(50).await?;
            total = total.saturating_add(done);
            if done < 50 {
                return Ok(total);
            }
        }
    }

    /// Also issue receipts (each node's loop does it; two nodes racing for one
    /// receipt store it once).
    pub fn with_documents(mut self, documents: Arc<Documents>) -> Self {
        self.documents = Some(documents);
        self
    }

    /// Issues every receipt that is due. Answers how many.
    pub async fn issue_receipts_due(&self) -> Result<usize, StoreError> {
        match &self.documents {
            Some(documents) => documents.issue_due_receipts().await,
            None => Ok(0),
        }
    }

    /// Delivers every notification due now, batch after batch.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let mut total: usize = 0;
        loop {
            let done = self.notifier.run_once(100).await?;
            total = total.saturating_add(done);
            if done < 100 {
                return Ok(total);
            }
        }
    }

    /// Moves every request past its expiry (and grace) to R with its
    /// notification, one transaction each. Answers how many it moved.
    pub async fn expire_due(&self) -> Result<u64, StoreError> {
        let now = self.clock.now();
        let due = self
            .store
            .requests_due_for_expiry(now, now.saturating_sub(self.settings.expiry_grace), 500)
            .await?;
        let mut moved: u64 = 0;
        for candidate in due {
            let Some(request) = self
                .store
                .payment_request(&candidate.owner, candidate.id)
                .await?
            else {
                continue;
            };
            // R, or O when some of its payments were made (domain::request).
            let Ok(to) = request.after(RequestEvent::ExpiryReached) else {
                continue;
            };
            let change = StatusChange {
                owner: candidate.owner.clone(),
                id: candidate.id,
                from: Status::InProcess,
                to,
                at: now,
                open_payments_to: Some(Status::Expired),
                audit: AuditEvent {
                    at: now,
                    actor: "hub".into(),
                    request_id: Some(candidate.id),
                    kind: "payment_request.expired".into(),
                    detail: json!({ "to": to.letter().to_string() }),
                },
                notifications: notifications_for(&request, to, now),
            };
            // Another node, a payment or a cancel may have won the race: the
            // compare-and-set then changes nothing, which is right.
            if self.store.change_request_status(&change).await? {
                moved = moved.saturating_add(1);
            }
        }
        self.metrics.expired(moved);
        if moved > 0 {
            self.wake.notify_one();
        }
        Ok(moved)
    }

    /// Asks providers about open payments whose query is due; applies what they
    /// say (idempotently) or schedules the next query, giving up at the end of
    /// the schedule (the attempt is then reported as unresolved).
    pub async fn recover_due(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let due = self
            .store
            .claim_attempts_to_query(now, now.saturating_add(Duration::minutes(2)), 100)
            .await?;
        let count = due.len();
        for (attempt, queries_made) in due {
            match self.payer.recover(&attempt).await {
                Ok(true) => {
                    self.metrics.recovered();
                    self.wake.notify_one();
                }
                Ok(false) | Err(_) => {
                    let index = usize::try_from(queries_made).unwrap_or(usize::MAX);
                    let next = self
                        .settings
                        .recovery_schedule
                        .get(index)
                        .map(|delay| now.saturating_add(*delay));
                    if next.is_none() {
                        tracing::warn!(attempt = %attempt.id, request = %attempt.request_id, provider = %attempt.provider, "payment outcome still unknown after every status query: reported as unresolved");
                    }
                    self.store.note_attempt_query(attempt.id, next).await?;
                }
            }
        }
        Ok(count)
    }

    /// Runs until `stop` turns true: notifications and receipts whenever woken
    /// and every second, expiry every 5 seconds, recovery every 30 seconds,
    /// the card acquirers' day close and the payers' data retention checked
    /// every minute.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut tick: u64 = 0;
        // Rounds in a row whose first steps failed (the database is down, its
        // disk full): the pause before the next round doubles with each, up to
        // `MAX_BACKOFF`, so a lost database costs a few log lines and
        // connection attempts a minute, not a tight loop.
        let mut failed_rounds: u32 = 0;
        loop {
            if *stop.borrow() {
                return;
            }
            let mut failed = false;
            if let Err(error) = self.deliver_due().await {
                failed = true;
                tracing::warn!(%error, failed_rounds, "notification delivery paused");
            }
            if let Err(error) = self.issue_receipts_due().await {
                failed = true;
                tracing::warn!(%error, failed_rounds, "receipts paused");
            }
            if let Err(error) = self.send_payer_mail_due().await {
                tracing::warn!(%error, "payer e-mail paused");
            }
            if tick.is_multiple_of(5)
                && let Err(error) = self.expire_due().await
            {
                tracing::warn!(%error, "expiry paused");
            }
            if tick.is_multiple_of(30)
                && let Err(error) = self.recover_due().await
            {
                tracing::warn!(%error, "status recovery paused");
            }
            if tick.is_multiple_of(60)
                && let Some(cards) = &self.cards
                && let Err(error) = cards.close_days_due().await
            {
                tracing::warn!(%error, "closing card days paused");
            }
            // Bounded rounds: at most 1,000 keys a minute per node.
            if tick.is_multiple_of(60)
                && let Some(idempotency) = &self.idempotency
                && let Err(error) = idempotency.delete_expired(1000).await
            {
                tracing::warn!(%error, "deleting expired idempotency keys paused");
            }
            if tick.is_multiple_of(60) {
                match self.erase_payer_data_due().await {
                    Ok(0) => {}
                    // Counts only: never a code or a name.
                    Ok(erased) => tracing::info!(erased, "payer data pseudonymised"),
                    Err(error) => tracing::warn!(%error, "payer data retention paused"),
                }
            }
            tick = tick.wrapping_add(1);
            failed_rounds = if failed {
                failed_rounds.saturating_add(1)
            } else {
                0
            };
            let pause = backoff(failed_rounds);
            if failed {
                self.metrics.worker_backoff(pause);
            }
            // A wake (a write succeeded, so the database is back) ends a pause early.
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// The longest pause of the workers between rounds while the database fails.
const MAX_BACKOFF: StdDuration = StdDuration::from_secs(30);

/// The pause after `failed_rounds` failed rounds in a row: 1 s when all is
/// well, then 2, 4, 8, 16 s, and 30 s from the fifth failure on.
fn backoff(failed_rounds: u32) -> StdDuration {
    let seconds = 1u64.checked_shl(failed_rounds.min(16)).unwrap_or(u64::MAX);
    StdDuration::from_secs(seconds).min(MAX_BACKOFF)
}

#[cfg(test)]
mod backoff_tests {
    use super::*;

    #[test]
    fn the_workers_pause_doubles_while_rounds_fail_and_is_capped() {
        let pauses: Vec<u64> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
