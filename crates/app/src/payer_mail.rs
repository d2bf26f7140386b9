//! The payer's e-mail (docs/payer-notifications.md): the worker that sends
//! the payer-message outbox — "a request was registered for you" and the
//! reminder before it expires — through the `MailTransport` port.
//!
//! Rows are written in the transaction that registers the request (or by the
//! reminder sweep, one row per request and kind), claimed with leases, retried
//! on the notification schedule, and never sent twice for one event: the
//! message id is derived from the request and the kind, so a resend after a
//! lost answer carries the same id (an `.eml` directory then keeps one file).

use crate::clock::Clock;
use crate::mail::{
    Language, MailAddress, MailTransport, OutgoingMail, PayerMailFacts, PayerMailKind, payer_mail,
};
use crate::notifications::RetrySchedule;
use crate::store::prelude::*;
use crate::store::{PayerMessage, PayerMessageKind, PayerMessageOutcome, StoreError};
use maksa_domain::datetime::latvian_day;
use maksa_domain::request::PaymentRequest;
use std::sync::Arc;
use time::Duration;

#[derive(Debug, Clone)]
pub struct PayerMailSettings {
    /// Where payers reach the hub (no trailing slash): the links in the text.
    pub public_base_url: String,
    /// How long before expiry an open registered request is reminded of.
    pub remind_before: Duration,
}

pub struct PayerMailer {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn MailTransport>,
    schedule: RetrySchedule,
    settings: PayerMailSettings,
    worker: String,
    lease: Duration,
}

impl PayerMailer {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn MailTransport>,
        settings: PayerMailSettings,
        worker: String,
    ) -> Self {
        PayerMailer {
            store,
            clock,
            transport,
            schedule: RetrySchedule::default(),
            settings,
            worker,
            lease: Duration::minutes(2),
        }
    }

    /// Where the messages go (an SMTP server, or a directory of `.eml` files).
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// Queues the reminders now due, then sends one batch; answers how many
    /// messages were attempted.
    pub async fn run_once(&self, batch: u32) -> Result<usize, StoreError> {
        let now = self.clock.now();
        self.store
            .queue_payer_reminders(now, now.saturating_add(self.settings.remind_before))
            .await?;
        let due = self
            .store
            .claim_payer_messages(now, &self.worker, now.saturating_add(self.lease), batch)
            .await?;
        let count = due.len();
        for message in due {
            let outcome = self.send(&message).await?;
            self.store
                .finish_payer_message(
                    message.request_id,
                    message.kind,
                    &self.worker,
                    &outcome,
                    self.clock.now(),
                )
                .await?;
        }
        Ok(count)
    }

    async fn send(&self, message: &PayerMessage) -> Result<PayerMessageOutcome, StoreError> {
        let Some(request) = self.store.payment_request_by_id(message.request_id).await? else {
            return Ok(PayerMessageOutcome::Dead("the request is gone".into()));
        };
        let Ok(to) = MailAddress::parse(&message.recipient) else {
            // The address was accepted when the request was made but is not
            // one SMTP can carry: no retry can help.
            return Ok(PayerMessageOutcome::Dead(
                "the payer's address cannot be mailed to".into(),
            ));
        };
        let language = Language::from_code(&message.language).unwrap_or(Language::Latvian);
        let kind = match message.kind {
            PayerMessageKind::Registered => PayerMailKind::Registered,
            PayerMessageKind::Reminder => PayerMailKind::Reminder,
        };
        let (subject, text) = payer_mail(kind, language, &self.facts(&request));
        let mail = OutgoingMail {
            message_id: message_id(&request, message.kind, &self.settings.public_base_url),
            to,
            subject,
            text,
        };
        Ok(match self.transport.send(&mail).await {
            Ok(_) => PayerMessageOutcome::Sent,
            Err(error) if error.is_permanent() => PayerMessageOutcome::Dead(error.to_string()),
            Err(error) => match self
                .schedule
                .after_failure(message.attempts.saturating_add(1))
            {
                Some(delay) => PayerMessageOutcome::RetryAt(
                    self.clock.now().saturating_add(delay),
                    error.to_string(),
                ),
                None => PayerMessageOutcome::Dead(error.to_string()),
            },
        })
    }

    fn facts(&self, request: &PaymentRequest) -> PayerMailFacts {
        let payer = &request.terms.payer;
        let payer_name = match (payer.first_name.as_deref(), payer.name.as_deref()) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (first, last) => first.or(last).map(str::to_owned),
        };
        let base = &self.settings.public_base_url;
        PayerMailFacts {
            payer_name,
            service_name: request.terms.service_name.clone(),
            service_provider_name: request.terms.service_provider_name.clone(),
            request_number: request.number.as_str().to_owned(),
            amount_text: format!(
                "{} {}",
                request.terms.total,
                request.terms.currency.as_str()
            ),
            expires_on: latvian_day(request.terms.expires_at),
            workspace_url: format!("{base}/payer/"),
            payment_url: format!("{base}/Payments/?id={}", request.id),
        }
    }
}

/// One id per request and kind: the same event always has the same id.
fn message_id(request: &PaymentRequest, kind: PayerMessageKind, base_url: &str) -> String {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "maksa.invalid".to_owned());
    format!("<{}.{}@{host}>", request.id, kind.as_str())
}
