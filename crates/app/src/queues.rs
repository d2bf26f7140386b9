//! The work that waits for a person (docs/operator.md, "Queues"): server
//! notifications parked after their whole retry schedule, payer e-mail the
//! mail server refused or never took, and open payments whose outcome no
//! status query learned. The console and the CLI both come here, so a
//! re-send is the same change, with the same audit event, from either door.

use crate::clock::Clock;
use crate::error::AppError;
use crate::store::prelude::*;
use crate::store::{AuditEvent, Notification, NotificationState, PayerMessage};
use maksa_domain::attempt::Attempt;
use maksa_domain::ids::PaymentRequestId;
use serde_json::json;
use std::sync::Arc;

/// The most items one list shows or one re-send names.
pub const MAX_ITEMS: u32 = 500;

pub struct Queues {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Queues {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Queues {
        Queues { store, clock }
    }

    /// Notifications parked as dead, oldest first.
    pub async fn dead_notifications(&self) -> Result<Vec<Notification>, AppError> {
        Ok(self
            .store
            .notifications_in_state(NotificationState::Dead, MAX_ITEMS)
            .await?)
    }

    /// Payer messages parked as dead, oldest first.
    pub async fn dead_payer_messages(&self) -> Result<Vec<PayerMessage>, AppError> {
        Ok(self.store.dead_payer_messages(MAX_ITEMS).await?)
    }

    /// Open payments whose outcome every status query failed to learn.
    pub async fn unresolved_payments(&self) -> Result<Vec<Attempt>, AppError> {
        let mut attempts = self.store.unresolved_attempts().await?;
        attempts.truncate(usize::try_from(MAX_ITEMS).unwrap_or(usize::MAX));
        Ok(attempts)
    }

    /// Makes dead notifications pending again (the given ones, or all when
    /// `None`), with the audit event, in one transaction. Answers how many.
    pub async fn resend_notifications(
        &self,
        ids: Option<&[uuid::Uuid]>,
        actor: &str,
    ) -> Result<u64, AppError> {
        let ids = bounded(ids)?;
        let now = self.clock.now();
        let mut work = self.store.begin().await?;
        let count = work.resend_notifications(ids, now).await?;
        if count > 0 {
            work.append_audit(&AuditEvent {
                at: now,
                actor: actor.to_owned(),
                request_id: None,
                kind: "notifications.resent".into(),
                detail: json!({
                    "ids": ids.map(|ids| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>()),
                    "all": ids.is_none(),
                    "count": count,
                    "before": "dead",
                    "after": "pending",
                }),
            })
            .await?;
        }
        work.commit().await?;
        Ok(count)
    }

    /// Makes dead payer messages pending again (those of the given requests,
    /// or all when `None`), with the audit event, in one transaction.
    pub async fn resend_payer_messages(
        &self,
        requests: Option<&[PaymentRequestId]>,
        actor: &str,
    ) -> Result<u64, AppError> {
        let requests = bounded(requests)?;
        let now = self.clock.now();
        let mut work = self.store.begin().await?;
        let count = work.resend_payer_messages(requests, now).await?;
        if count > 0 {
            work.append_audit(&AuditEvent {
                at: now,
                actor: actor.to_owned(),
                request_id: None,
                kind: "payer_messages.resent".into(),
                detail: json!({
                    "requests": requests.map(|ids| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>()),
                    "all": requests.is_none(),
                    "count": count,
                    "before": "dead",
                    "after": "pending",
                }),
            })
            .await?;
        }
        work.commit().await?;
        Ok(count)
    }
}

/// Refuses a list longer than [`MAX_ITEMS`] (a form or a command line can
/// name no more than a page shows).
fn bounded<T>(items: Option<&[T]>) -> Result<Option<&[T]>, AppError> {
    match items {
        Some(items) if items.len() > usize::try_from(MAX_ITEMS).unwrap_or(usize::MAX) => {
            Err(AppError::BadInput {
                code: crate::error::ErrorCode::InvalidField,
                message: format!("at most {MAX_ITEMS} items can be named at once"),
            })
        }
        other => Ok(other),
    }
}
