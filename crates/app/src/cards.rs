//! Card payments beyond taking them (docs/providers/firstdata.md): giving a
//! card payment back when the request could not take the money (the
//! operator's reversal), and closing the acquirer's business day with its
//! totals checked against the hub's.
//!
//! A reversal takes two operators (four eyes): one proposes it (a pending
//! row), another approves it. Approving and closing a day ask the acquirer
//! over the network first and only then write what it answered — the record and its audit event in one transaction — so no
//! network call happens inside a transaction. A reversal the acquirer made
//! but the hub failed to record is made again by the operator: the acquirer
//! answers a repeated reversal as done (the connector makes it converge), and
//! the record is written once (`card_reversals` is keyed by the attempt).

use crate::clock::Clock;
use crate::error::{AppError, ErrorCode};
use crate::metrics::Metrics;
use crate::providers::{CardAcquirer, Connectors, Reversal};
use crate::store::{
    AuditEvent, CardDayClose, CardReversal, CardReversalProposal, CardTotals, Store,
};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState};
use maksa_domain::codes::ProviderCode;
use serde_json::json;
use std::sync::Arc;
use time::{OffsetDateTime, Time};

/// When the business day is closed at each acquirer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardSettings {
    /// Riga wall-clock time of the daily close (`[cards] close_day_at`).
    pub close_day_at: Time,
    /// Whether this node closes the day at all (one node of a cluster is
    /// enough; two would each close, the second an empty day).
    pub close_days: bool,
}

impl Default for CardSettings {
    fn default() -> Self {
        CardSettings {
            close_day_at: Time::from_hms(23, 45, 0).unwrap_or(Time::MIDNIGHT),
            close_days: true,
        }
    }
}

/// What proposing a reversal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposed {
    /// Proposed now; it waits for another operator's approval.
    Now(CardReversalProposal),
    /// It was already proposed (by the one named); nothing was written.
    Already(CardReversalProposal),
    /// It was already reversed.
    Reversed(CardReversal),
}

/// What approving a reversal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reversed {
    /// Reversed now.
    Now(CardReversal),
    /// It already was; nothing was asked or written.
    Already(CardReversal),
}

pub struct Cards {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    connectors: Connectors,
    metrics: Arc<Metrics>,
    settings: CardSettings,
}

impl Cards {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        connectors: Connectors,
        metrics: Arc<Metrics>,
        settings: CardSettings,
    ) -> Self {
        Cards {
            store,
            clock,
            connectors,
            metrics,
            settings,
        }
    }

    fn acquirer(&self, code: &ProviderCode) -> Result<&dyn CardAcquirer, AppError> {
        self.connectors
            .get(code)
            .and_then(|connector| connector.card_acquirer())
            .ok_or_else(|| AppError::BadInput {
                code: ErrorCode::ProviderNotOffered,
                message: format!("{code} is not a card acquirer this hub is connected to"),
            })
    }

    /// The card acquirers this hub is connected to.
    pub fn acquirers(&self) -> Vec<ProviderCode> {
        self.connectors.acquirers()
    }

    /// Card payments that brought money a request could not take (it was
    /// cancelled or expired, or paid another way meanwhile) and are not
    /// given back yet: what an operator may reverse. Oldest first.
    pub async fn refunds_due(&self, limit: u32) -> Result<Vec<Attempt>, AppError> {
        let acquirers = self.connectors.acquirers();
        Ok(self.store.card_refunds_due(&acquirers, limit).await?)
    }

    /// The card reversals waiting for a second operator, oldest first.
    pub async fn reversal_proposals(
        &self,
        limit: u32,
    ) -> Result<Vec<CardReversalProposal>, AppError> {
        Ok(self.store.card_reversal_proposals(limit).await?)
    }

    /// An executed card payment flagged for a refund, at an acquirer this
    /// hub is connected to: what may be given back.
    async fn reversible(
        &self,
        attempt: AttemptId,
    ) -> Result<(Attempt, Option<CardReversal>), AppError> {
        let attempt = self
            .store
            .attempt(attempt)
            .await?
            .ok_or_else(|| AppError::NotFound {
                message: format!("no payment attempt {attempt}"),
            })?;
        self.acquirer(&attempt.provider)?;
        if let Some(done) = self.store.card_reversal(attempt.id).await? {
            return Ok((attempt, Some(done)));
        }
        if attempt.state != AttemptState::Executed || !attempt.refund_required {
            return Err(AppError::Conflict {
                code: ErrorCode::InvalidStatusTransition,
                message: format!(
                    "attempt {} is {} and {}: only a card payment whose request could not take the money is given back",
                    attempt.id,
                    attempt.state.as_str(),
                    if attempt.refund_required {
                        "flagged for a refund"
                    } else {
                        "not flagged for a refund"
                    }
                ),
            });
        }
        Ok((attempt, None))
    }

    /// The first pair of eyes: `operator` proposes giving the card payment
    /// of `attempt` back; another operator approves it
    /// ([`Cards::approve_reversal`]). Nothing is asked of the acquirer yet.
    pub async fn propose_reversal(
        &self,
        attempt: AttemptId,
        operator: &str,
    ) -> Result<Proposed, AppError> {
        let (attempt, done) = self.reversible(attempt).await?;
        if let Some(done) = done {
            return Ok(Proposed::Reversed(done));
        }
        let operator = maksa_domain::text::bounded(operator, 100).into_owned();
        let proposal = CardReversalProposal {
            attempt: attempt.id,
            proposed_by: operator.clone(),
            proposed_at: self.clock.now(),
        };
        let mut work = self.store.begin().await?;
        let inserted = work.insert_card_reversal_proposal(&proposal).await?;
        if inserted {
            work.append_audit(&AuditEvent {
                at: proposal.proposed_at,
                actor: format!("operator:{operator}"),
                request_id: Some(attempt.request_id),
                kind: "payment.card_reversal_proposed".into(),
                detail: json!({
                    "attempt": attempt.id.to_string(),
                    "provider": attempt.provider.as_str(),
                    "amount_minor": attempt.amount.minor(),
                    "currency": attempt.currency.as_str(),
                    "before": {"reversal": "none"},
                    "after": {"reversal": "proposed", "proposed_by": operator},
                }),
            })
            .await?;
        }
        work.commit().await?;
        if inserted {
            Ok(Proposed::Now(proposal))
        } else {
            let waiting = self
                .store
                .card_reversal_proposal(attempt.id)
                .await?
                .unwrap_or(proposal);
            Ok(Proposed::Already(waiting))
        }
    }

    /// The second pair of eyes: `operator` (not the proposer) approves the
    /// reversal of `attempt`; only now is the acquirer asked, outside any
    /// transaction, and what it answered written with its audit event.
    pub async fn approve_reversal(
        &self,
        attempt: AttemptId,
        operator: &str,
    ) -> Result<Reversed, AppError> {
        let (attempt, done) = self.reversible(attempt).await?;
        if let Some(done) = done {
            return Ok(Reversed::Already(done));
        }
        let operator = maksa_domain::text::bounded(operator, 100).into_owned();
        let proposal = self
            .store
            .card_reversal_proposal(attempt.id)
            .await?
            .ok_or_else(|| AppError::Conflict {
                code: ErrorCode::InvalidStatusTransition,
                message: format!(
                    "the reversal of attempt {} has not been proposed: one operator proposes, another approves",
                    attempt.id
                ),
            })?;
        if proposal.proposed_by == operator {
            return Err(AppError::Forbidden {
                code: ErrorCode::InvalidStatusTransition,
                message: format!(
                    "{operator} proposed the reversal of attempt {}: another operator approves it",
                    attempt.id
                ),
            });
        }
        let acquirer = self.acquirer(&attempt.provider)?;
        let answer = acquirer
            .reverse(&attempt)
            .await
            .map_err(|error| AppError::Unavailable(format!("the acquirer: {error}")))?;
        let now = self.clock.now();
        match answer {
            Reversal::Reversed => {
                let reversal = CardReversal {
                    attempt: attempt.id,
                    provider: attempt.provider.clone(),
                    amount: attempt.amount,
                    currency: attempt.currency,
                    approved_by: operator.clone(),
                    reversed_at: now,
                };
                let audit = AuditEvent {
                    at: now,
                    actor: format!("operator:{operator}"),
                    request_id: Some(attempt.request_id),
                    kind: "payment.card_reversed".into(),
                    detail: json!({
                        "attempt": attempt.id.to_string(),
                        "provider": attempt.provider.as_str(),
                        "amount_minor": attempt.amount.minor(),
                        "currency": attempt.currency.as_str(),
                        "proposed_by": proposal.proposed_by,
                        "before": {"reversal": "proposed"},
                        "after": {"reversal": "reversed", "approved_by": operator},
                    }),
                };
                let mut work = self.store.begin().await?;
                let inserted = work.insert_card_reversal(&reversal).await?;
                work.delete_card_reversal_proposal(attempt.id).await?;
                if inserted {
                    work.append_audit(&audit).await?;
                }
                work.commit().await?;
                if inserted {
                    Ok(Reversed::Now(reversal))
                } else {
                    // Another operator's approval was recorded meanwhile.
                    let done = self.store.card_reversal(attempt.id).await?.ok_or_else(|| {
                        AppError::Internal(format!("the reversal of {} vanished", attempt.id))
                    })?;
                    Ok(Reversed::Already(done))
                }
            }
            Reversal::Refused(reason) => {
                let reason = maksa_domain::text::bounded(&reason, 200).into_owned();
                let audit = AuditEvent {
                    at: now,
                    actor: format!("operator:{operator}"),
                    request_id: Some(attempt.request_id),
                    kind: "payment.card_reversal_refused".into(),
                    detail: json!({"attempt": attempt.id.to_string(), "reason": reason}),
                };
                let mut work = self.store.begin().await?;
                work.append_audit(&audit).await?;
                work.commit().await?;
                Err(AppError::Conflict {
                    code: ErrorCode::ProviderMessageRefused,
                    message: format!("the acquirer refused the reversal: {reason}"),
                })
            }
        }
    }

    /// Closes the business day at `provider` now, and records its totals
    /// beside the hub's for the same period (since the previous close). A
    /// difference is logged, counted in `/metrics`, and listed by
    /// `maksa card closes`.
    pub async fn close_day(&self, provider: &ProviderCode) -> Result<CardDayClose, AppError> {
        let acquirer = self.acquirer(provider)?;
        let previous = self.store.last_card_day_close(provider).await?;
        let acquirer_totals = acquirer
            .close_day()
            .await
            .map_err(|error| AppError::Unavailable(format!("the acquirer: {error}")))?;
        let closed_at = self.clock.now();
        let period_from = previous.map(|close| close.closed_at);
        let hub = self
            .store
            .card_totals(provider, period_from, closed_at)
            .await?;
        let close = CardDayClose {
            provider: provider.clone(),
            period_from,
            closed_at,
            acquirer: CardTotals {
                debit_count: acquirer_totals.debit_count,
                debit_minor: acquirer_totals.debit_amount,
                reversal_count: acquirer_totals.reversal_count,
                reversal_minor: acquirer_totals.reversal_amount,
            },
            hub,
        };
        let audit = AuditEvent {
            at: closed_at,
            actor: provider.as_str().to_owned(),
            request_id: None,
            kind: "card.day_closed".into(),
            detail: json!({
                "matches": close.matches(),
                "acquirer": totals_json(&close.acquirer),
                "hub": totals_json(&close.hub),
            }),
        };
        let mut work = self.store.begin().await?;
        work.insert_card_day_close(&close).await?;
        work.append_audit(&audit).await?;
        work.commit().await?;
        if !close.matches() {
            self.metrics.card_day_mismatch();
            tracing::warn!(
                provider = %provider,
                acquirer = ?close.acquirer,
                hub = ?close.hub,
                "the card acquirer's day totals differ from the hub's: see `maksa card closes`"
            );
        }
        Ok(close)
    }

    /// The newest day closes, newest first.
    pub async fn day_closes(&self, limit: u32) -> Result<Vec<CardDayClose>, AppError> {
        Ok(self.store.card_day_closes(limit).await?)
    }

    /// Closes the day at every acquirer whose close is due (today's close
    /// time in Riga has passed and nothing was closed since). Answers how
    /// many were closed.
    pub async fn close_days_due(&self) -> Result<usize, AppError> {
        if !self.settings.close_days {
            return Ok(0);
        }
        let now = self.clock.now();
        let Some(due_at) = todays_close(now, self.settings.close_day_at) else {
            return Ok(0);
        };
        if now < due_at {
            return Ok(0);
        }
        let mut closed: usize = 0;
        for provider in self.connectors.acquirers() {
            let last = self.store.last_card_day_close(&provider).await?;
            if last.is_some_and(|close| close.closed_at >= due_at) {
                continue;
            }
            match self.close_day(&provider).await {
                Ok(_) => closed = closed.saturating_add(1),
                Err(error) => {
                    tracing::warn!(%provider, %error, "closing the card day failed; tried again in a minute")
                }
            }
        }
        Ok(closed)
    }
}

/// Today's close instant: `at` o'clock on the Riga calendar day of `now`.
fn todays_close(now: OffsetDateTime, at: Time) -> Option<OffsetDateTime> {
    let local = now.to_offset(maksa_domain::datetime::riga_offset_at(now));
    maksa_domain::datetime::riga_local_to_utc(local.date().with_time(at))
}

fn totals_json(totals: &CardTotals) -> serde_json::Value {
    json!({
        "debit_count": totals.debit_count,
        "debit_minor": totals.debit_minor,
        "reversal_count": totals.reversal_count,
        "reversal_minor": totals.reversal_minor,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{datetime, time};

    #[test]
    fn the_close_falls_on_the_riga_day() {
        // 22:30 UTC on 30 November is 00:30 on 1 December in Riga (UTC+2).
        let now = datetime!(2026-11-30 22:30 UTC);
        assert_eq!(
            todays_close(now, time!(23:45)),
            Some(datetime!(2026-12-01 21:45 UTC))
        );
        // Summer time: UTC+3.
        let now = datetime!(2026-07-01 12:00 UTC);
        assert_eq!(
            todays_close(now, time!(23:45)),
            Some(datetime!(2026-07-01 20:45 UTC))
        );
    }
}
