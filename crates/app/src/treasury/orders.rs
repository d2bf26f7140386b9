//! Payment orders: refunds proposed by reconciliation or entered by an
//! operator, approved by a person (four eyes for what an operator entered),
//! written into pain.001 batches, and moved forward by the Treasury's
//! pain.002 status reports — never sent twice, never moved back
//! (docs/reconciliation.md, "Payment orders").

use super::import::refund_order;
use super::{Treasury, TreasuryError, bounded};
use crate::store::{AuditEvent, NewPaymentBatch, NewPaymentOrder, OrderStateWrite, PaymentOrder};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::payment_order::{OrderState, Proposer, may_approve, state_of_status_code};
use maksa_treasury::pain::{self, Batch, CreditTransfer, PainVersion, Party};
use maksa_treasury::pain_status;
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Most orders in one pain.001 batch.
const MAX_ORDERS_PER_BATCH: u32 = 10_000;

/// A built batch the exchange hands to the Treasury.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchToSend {
    pub message_id: String,
    pub document: String,
}

/// What a status report changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusApplied {
    pub original_message_id: String,
    /// Orders moved forward, by new state.
    pub moved: Vec<(String, String)>,
    /// Statuses that changed nothing (repeated, older, or a code that says nothing new).
    pub unchanged: u64,
    /// End-to-end ids the report names that are not ours.
    pub unknown: Vec<String>,
}

fn audit(
    at: time::OffsetDateTime,
    actor: &str,
    kind: &str,
    detail: serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        at,
        actor: actor.to_owned(),
        request_id: None,
        kind: kind.to_owned(),
        detail,
    }
}

/// A new identifier: a prefix, the UTC date and random base-36 characters
/// (35 characters at most, as pain.001's ids allow).
fn identifier(prefix: &str, at: time::OffsetDateTime) -> String {
    const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    let date = at.date();
    let mut id = format!(
        "{prefix}{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    for b in random {
        let at = usize::from(b).checked_rem(BASE36.len()).unwrap_or(0);
        if let Some(c) = BASE36.get(at) {
            id.push(char::from(*c));
        }
    }
    id.chars().take(35).collect()
}

impl Treasury {
    /// Proposes the refund of an entry's money owed back (a refund candidate,
    /// or the excess of an overpayment), by an operator.
    pub async fn propose_refund(
        &self,
        entry_id: i64,
        operator: &str,
    ) -> Result<PaymentOrder, TreasuryError> {
        let now = self.clock.now();
        let mut work = self.store.begin_treasury().await?;
        let entry = work
            .entry_for_update(entry_id)
            .await?
            .ok_or_else(|| TreasuryError::NotFound(format!("no statement entry {entry_id}")))?;
        let amount = entry
            .outcome
            .refundable(entry.amount, entry.expected)
            .ok_or_else(|| {
                TreasuryError::Refused(format!(
                    "entry {entry_id} is {}: nothing of it is owed back",
                    entry.outcome.as_str()
                ))
            })?;
        let order = refund_order(
            &entry,
            amount,
            &Proposer::Operator(operator.to_owned()),
            now,
        )
        .ok_or_else(|| {
            TreasuryError::Refused(format!(
                "entry {entry_id} does not name the payer's account: enter the transfer by hand"
            ))
        })?;
        let id = work.insert_order(&order).await?.ok_or_else(|| {
            TreasuryError::Refused(format!("a refund of entry {entry_id} exists already"))
        })?;
        work.append_audits(&[audit(
            now,
            operator,
            "payment_order.proposed",
            json!({"order": id, "entry": entry_id, "amount": amount.to_string()}),
        )])
        .await?;
        let stored = work.order_for_update(id).await?;
        work.commit().await?;
        stored.ok_or_else(|| TreasuryError::NotFound(format!("no payment order {id}")))
    }

    /// An operator enters a transfer; another operator approves it.
    #[allow(clippy::too_many_arguments)]
    pub async fn propose_transfer(
        &self,
        operator: &str,
        debtor_iban: &str,
        creditor_name: &str,
        creditor_iban: &str,
        amount: Amount,
        currency: Currency,
        remittance: &str,
    ) -> Result<PaymentOrder, TreasuryError> {
        if amount == Amount::ZERO {
            return Err(TreasuryError::Refused("a transfer of nothing".into()));
        }
        let now = self.clock.now();
        let order = NewPaymentOrder {
            end_to_end_id: identifier("MKT", now),
            kind: "transfer".into(),
            entry_id: None,
            debtor_iban: bounded(debtor_iban),
            creditor_name: maksa_domain::text::bounded(creditor_name, 70).into_owned(),
            creditor_iban: bounded(creditor_iban),
            creditor_bic: None,
            amount,
            currency,
            remittance: maksa_domain::text::bounded(remittance, 140).into_owned(),
            proposed_by: operator.to_owned(),
            at: now,
        };
        let mut work = self.store.begin_treasury().await?;
        let id = work
            .insert_order(&order)
            .await?
            .ok_or_else(|| TreasuryError::Refused("the order exists already".into()))?;
        work.append_audits(&[audit(
            now,
            operator,
            "payment_order.proposed",
            json!({"order": id, "amount": amount.to_string(), "creditor": order.creditor_iban}),
        )])
        .await?;
        let stored = work.order_for_update(id).await?;
        work.commit().await?;
        stored.ok_or_else(|| TreasuryError::NotFound(format!("no payment order {id}")))
    }

    /// A person approves an order: four eyes on what an operator entered.
    pub async fn approve_order(
        &self,
        id: i64,
        operator: &str,
    ) -> Result<PaymentOrder, TreasuryError> {
        self.move_order(id, operator, OrderState::Approved).await
    }

    /// Withdraws an order before it is sent.
    pub async fn cancel_order(
        &self,
        id: i64,
        operator: &str,
    ) -> Result<PaymentOrder, TreasuryError> {
        self.move_order(id, operator, OrderState::Cancelled).await
    }

    async fn move_order(
        &self,
        id: i64,
        operator: &str,
        to: OrderState,
    ) -> Result<PaymentOrder, TreasuryError> {
        let now = self.clock.now();
        let mut work = self.store.begin_treasury().await?;
        let order = work
            .order_for_update(id)
            .await?
            .ok_or_else(|| TreasuryError::NotFound(format!("no payment order {id}")))?;
        if !order.state.may_become(to) {
            return Err(TreasuryError::Refused(format!(
                "payment order {id} is {}: it cannot become {}",
                order.state.as_str(),
                to.as_str()
            )));
        }
        if to == OrderState::Approved
            && !may_approve(&Proposer::from_stored(&order.proposed_by), operator)
        {
            return Err(TreasuryError::Refused(format!(
                "payment order {id} was entered by {operator}: another operator approves it"
            )));
        }
        let moved = work
            .set_order_state(&OrderStateWrite {
                id,
                from: order.state,
                to,
                at: now,
                approved_by: (to == OrderState::Approved).then_some(operator),
                batch_id: None,
                status_code: None,
                status_reason: None,
            })
            .await?;
        if !moved {
            return Err(TreasuryError::Refused(format!(
                "payment order {id} changed meanwhile"
            )));
        }
        work.append_audits(&[audit(
            now,
            operator,
            &format!("payment_order.{}", to.as_str()),
            json!({"order": id, "end_to_end_id": order.end_to_end_id}),
        )])
        .await?;
        let stored = work.order_for_update(id).await?;
        work.commit().await?;
        stored.ok_or_else(|| TreasuryError::NotFound(format!("no payment order {id}")))
    }

    /// Writes every approved order not yet in a batch into pain.001
    /// documents (one per debtor account and currency), stores them and
    /// marks the orders submitted to their batch — in one transaction. The
    /// exchange then sends each batch until the Treasury takes it.
    pub async fn build_batches(&self, actor: &str) -> Result<Vec<BatchToSend>, TreasuryError> {
        let now = self.clock.now();
        let mut work = self.store.begin_treasury().await?;
        let approved = work.approved_orders(MAX_ORDERS_PER_BATCH).await?;
        let mut groups: BTreeMap<(String, String), Vec<PaymentOrder>> = BTreeMap::new();
        for order in approved {
            groups
                .entry((order.debtor_iban.clone(), order.currency.clone()))
                .or_default()
                .push(order);
        }
        let version = self.settings.pain_version;
        let mut built = Vec::new();
        for ((debtor_iban, _), orders) in groups {
            let message_id = identifier("MKB", now);
            let mut transfers = Vec::with_capacity(orders.len());
            let mut control = Amount::ZERO;
            for order in &orders {
                let currency = Currency::parse(&order.currency).ok_or_else(|| {
                    TreasuryError::Refused(format!("order {} has no valid currency", order.id))
                })?;
                control = control
                    .checked_add(order.amount)
                    .ok_or_else(|| TreasuryError::Refused("the batch's sum is too large".into()))?;
                transfers.push(CreditTransfer {
                    end_to_end_id: order.end_to_end_id.clone(),
                    instruction_id: None,
                    amount: order.amount,
                    currency,
                    creditor: Party {
                        name: order.creditor_name.clone(),
                        iban: order.creditor_iban.clone(),
                        bic: order.creditor_bic.clone(),
                    },
                    remittance: order.remittance.clone(),
                });
            }
            let date = now.date();
            let batch = Batch {
                message_id: message_id.clone(),
                created_at: now,
                initiating_party: self.settings.initiating_party.clone(),
                payment_information_id: message_id.clone(),
                requested_execution_date: format!(
                    "{:04}-{:02}-{:02}",
                    date.year(),
                    u8::from(date.month()),
                    date.day()
                ),
                debtor: Party {
                    name: self.settings.initiating_party.clone(),
                    iban: debtor_iban.clone(),
                    bic: None,
                },
                transfers,
            };
            let document = pain::write_pain001(&batch, version)
                .map_err(|e| TreasuryError::Pain(e.to_string()))?;
            let batch_id = work
                .insert_batch(&NewPaymentBatch {
                    message_id: message_id.clone(),
                    version: version_name(version).into(),
                    document: document.clone(),
                    orders: u64::try_from(orders.len()).unwrap_or(u64::MAX),
                    control_sum: control,
                    created_by: actor.to_owned(),
                    at: now,
                })
                .await?
                .ok_or_else(|| TreasuryError::Refused("a batch id was drawn twice".into()))?;
            for order in &orders {
                let moved = work
                    .set_order_state(&OrderStateWrite {
                        id: order.id,
                        from: OrderState::Approved,
                        to: OrderState::Submitted,
                        at: now,
                        approved_by: None,
                        batch_id: Some(batch_id),
                        status_code: None,
                        status_reason: None,
                    })
                    .await?;
                if !moved {
                    return Err(TreasuryError::Refused(format!(
                        "payment order {} changed meanwhile",
                        order.id
                    )));
                }
            }
            work.append_audits(&[audit(
                now,
                actor,
                "payment_batch.built",
                json!({
                    "message_id": message_id,
                    "orders": orders.iter().map(|o| o.id).collect::<Vec<_>>(),
                    "control_sum": control.to_string(),
                    "version": version_name(version),
                }),
            )])
            .await?;
            built.push(BatchToSend {
                message_id,
                document,
            });
        }
        work.commit().await?;
        Ok(built)
    }

    /// Batches built and not yet taken by the Treasury: the exchange sends
    /// each (again, after a failure: the Treasury recognises the message id).
    pub async fn batches_to_send(&self) -> Result<Vec<BatchToSend>, TreasuryError> {
        Ok(self
            .store
            .payment_batches("ready", 100)
            .await?
            .into_iter()
            .map(|b| BatchToSend {
                message_id: b.message_id,
                document: b.document,
            })
            .collect())
    }

    /// The Treasury took the batch.
    pub async fn batch_submitted(
        &self,
        message_id: &str,
        actor: &str,
    ) -> Result<(), TreasuryError> {
        let now = self.clock.now();
        let mut work = self.store.begin_treasury().await?;
        let batch = work
            .batch_for_update(message_id)
            .await?
            .ok_or_else(|| TreasuryError::NotFound(format!("no batch {message_id:?}")))?;
        if batch.state == "ready" {
            work.set_batch_state(batch.id, "submitted", now).await?;
            work.append_audits(&[audit(
                now,
                actor,
                "payment_batch.submitted",
                json!({"message_id": message_id}),
            )])
            .await?;
        }
        work.commit().await?;
        Ok(())
    }

    /// Applies a pain.002 status report to the orders of its batch: each
    /// order moves forward only; a repeated or older report changes nothing.
    pub async fn apply_status_report(
        &self,
        document: &[u8],
        actor: &str,
    ) -> Result<StatusApplied, TreasuryError> {
        let report = pain_status::read_pain002(document)
            .map_err(|e| TreasuryError::StatusReport(e.to_string()))?;
        let now = self.clock.now();
        let mut work = self.store.begin_treasury().await?;
        let batch = work
            .batch_for_update(&report.original_message_id)
            .await?
            .ok_or_else(|| {
                TreasuryError::StatusReport(format!(
                    "it answers {:?}, a batch the hub did not send",
                    maksa_domain::text::bounded(&report.original_message_id, 100)
                ))
            })?;
        let mut applied = StatusApplied {
            original_message_id: batch.message_id.clone(),
            ..StatusApplied::default()
        };
        let orders = work.orders_of_batch(batch.id).await?;
        // A group status alone (no transaction statuses) speaks for every order.
        let statuses: Vec<(String, String, Option<String>)> = if report.transactions.is_empty() {
            match &report.group_status {
                Some(code) => orders
                    .iter()
                    .map(|o| (o.end_to_end_id.clone(), code.clone(), None))
                    .collect(),
                None => Vec::new(),
            }
        } else {
            report
                .transactions
                .iter()
                .map(|t| {
                    (
                        t.original_end_to_end_id.clone(),
                        t.status.clone(),
                        t.reason.clone(),
                    )
                })
                .collect()
        };
        let mut audits = Vec::new();
        for (end_to_end_id, code, reason) in statuses {
            let Some(order) = orders.iter().find(|o| o.end_to_end_id == end_to_end_id) else {
                if applied.unknown.len() < 100 {
                    applied
                        .unknown
                        .push(maksa_domain::text::bounded(&end_to_end_id, 40).into_owned());
                }
                continue;
            };
            let Some(current) = work.order_for_update(order.id).await? else {
                continue;
            };
            let target = state_of_status_code(&code);
            let moves = target.filter(|t| current.state.may_become(*t));
            let Some(to) = moves else {
                applied.unchanged = applied.unchanged.saturating_add(1);
                continue;
            };
            let code = maksa_domain::text::bounded(&code, 8).into_owned();
            let reason = reason.map(|r| maksa_domain::text::bounded(&r, 140).into_owned());
            work.set_order_state(&OrderStateWrite {
                id: current.id,
                from: current.state,
                to,
                at: now,
                approved_by: None,
                batch_id: None,
                status_code: Some(&code),
                status_reason: reason.as_deref(),
            })
            .await?;
            applied
                .moved
                .push((current.end_to_end_id.clone(), to.as_str().to_owned()));
            audits.push(audit(
                now,
                actor,
                &format!("payment_order.{}", to.as_str()),
                json!({"order": current.id, "end_to_end_id": current.end_to_end_id,
                       "status": code, "reason": reason}),
            ));
        }
        let open = work
            .orders_of_batch(batch.id)
            .await?
            .iter()
            .any(|o| !o.state.is_final());
        if !open && batch.state != "answered" {
            work.set_batch_state(batch.id, "answered", now).await?;
        } else if batch.state == "ready" {
            // An answer proves the Treasury has the batch.
            work.set_batch_state(batch.id, "submitted", now).await?;
        }
        if !audits.is_empty() {
            work.append_audits(&audits).await?;
        }
        work.commit().await?;
        Ok(applied)
    }

    /// Batches the Treasury has and has not fully answered.
    pub async fn batches_awaiting_status(&self) -> Result<Vec<String>, TreasuryError> {
        Ok(self
            .store
            .payment_batches("submitted", 100)
            .await?
            .into_iter()
            .map(|b| b.message_id)
            .collect())
    }
}

pub(crate) fn version_name(version: PainVersion) -> &'static str {
    match version {
        PainVersion::V03 => "pain.001.001.03",
        PainVersion::V09 => "pain.001.001.09",
    }
}
