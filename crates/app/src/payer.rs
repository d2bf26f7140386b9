//! The payer's side of a request: what the hosted page shows, starting a
//! payment at a provider, and taking in what the provider says about it.
//!
//! The page, the providers' return and notify endpoints all call this one
//! service. It never trusts a provider message before its connector verified
//! the signature, and then still compares it with our own record of the
//! attempt (provider, amount, currency): anything that does not match changes
//! nothing and is recorded as an audit event.

use crate::clock::{Clock, OsEntropy};
use crate::error::{AppError, ErrorCode};
use crate::providers::{
    Connectors, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage,
};
use crate::store::{AuditEvent, OutcomeReport, StartRefused, Store};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome};
use maksa_domain::catalog::{Catalog, PaymentProvider};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::request::{Entropy, PaymentRequest};
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;

/// Where a request stands from the payer's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// The payment with this sequence is the next to pay.
    Choose { sequence: u16 },
    /// A payment is open at a provider; nothing can be started until it settles.
    InProgress { attempt: Box<Attempt> },
    /// Every payment is executed.
    Paid,
    /// The request expired (status R, or its expiry time has passed).
    Expired,
    /// The client cancelled it.
    Cancelled,
    /// A provider reported another outcome (status O).
    Other,
}

/// Everything the payer's page needs.
#[derive(Debug, Clone)]
pub struct PayerView {
    pub request: PaymentRequest,
    pub attempts: Vec<Attempt>,
    pub stage: Stage,
    /// Providers the payer may choose from, in the request's order; only those
    /// the hub can actually talk to.
    pub providers: Vec<PaymentProvider>,
    /// The provider to preselect (`SwiftCode`), when it is offered.
    pub preselected: Option<ProviderCode>,
}

impl PayerView {
    /// The attempt the payer just came back from, if `id` names one of this request's.
    pub fn attempt(&self, id: AttemptId) -> Option<&Attempt> {
        self.attempts.iter().find(|a| a.id == id)
    }
}

/// Which of a provider's two messages this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The payer's browser came back from the provider.
    Browser,
    /// The provider's server posted to ours.
    Server,
    /// We asked the provider (status query).
    Query,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Browser => "browser",
            Channel::Server => "server",
            Channel::Query => "query",
        }
    }
}

/// A provider message that counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub request_id: PaymentRequestId,
    pub attempt: AttemptId,
    /// The attempt's state after the message.
    pub state: AttemptState,
}

pub struct PayerSettings {
    /// Where payers and providers reach the hub, without a trailing slash.
    pub public_base_url: String,
}

pub struct Payer {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    connectors: Connectors,
    settings: PayerSettings,
    /// Woken when a message paid a request, so its notification goes out at once.
    wake: Arc<tokio::sync::Notify>,
}

impl Payer {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        connectors: Connectors,
        settings: PayerSettings,
    ) -> Self {
        Payer {
            store,
            clock,
            connectors,
            settings,
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The signal the lifecycle worker waits on.
    pub fn wake_handle(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.wake)
    }

    /// Asks the provider about one open attempt (the recovery worker); answers
    /// whether the provider had an outcome that was taken in.
    pub async fn recover(&self, attempt: &Attempt) -> Result<bool, AppError> {
        Ok(self.query_provider(attempt).await?.is_some())
    }

    /// Asks the provider about `attempt` and takes in its answer, if it has one.
    /// A provider that cannot be reached answers `Unavailable`; an answer that
    /// does not verify is recorded and refused like any provider message.
    async fn query_provider(&self, attempt: &Attempt) -> Result<Option<Received>, AppError> {
        let Some(connector) = self.connectors.get(&attempt.provider) else {
            return Ok(None);
        };
        match connector.query(attempt).await {
            Ok(Some(message)) => Ok(Some(
                self.accept(&attempt.provider, Channel::Query, message)
                    .await?,
            )),
            Ok(None) => Ok(None),
            Err(ProviderError::Unavailable(reason)) => Err(AppError::Unavailable(reason)),
            Err(error) => Err(self
                .refuse(
                    &attempt.provider,
                    Channel::Query,
                    Some(attempt.request_id),
                    &error.to_string(),
                )
                .await),
        }
    }

    pub fn connectors(&self) -> &Connectors {
        &self.connectors
    }

    /// What the page shows for request `id` (the random id is the payer's capability).
    pub async fn view(&self, id: &str, catalog: &Catalog) -> Result<PayerView, AppError> {
        let id = PaymentRequestId::parse(id).ok_or_else(AppError::not_found_request)?;
        let request = self
            .store
            .payment_request_by_id(id)
            .await?
            .ok_or_else(AppError::not_found_request)?;
        let attempts = self.store.attempts_of(id).await?;
        let stage = self.stage(&request, &attempts);
        let providers: Vec<PaymentProvider> = request
            .terms
            .allowed_providers
            .iter()
            .filter(|code| self.connectors.has(code))
            .filter_map(|code| catalog.provider(code).cloned())
            .collect();
        let preselected = request
            .terms
            .preselected_provider
            .clone()
            .filter(|code| providers.iter().any(|p| &p.code == code));
        Ok(PayerView {
            request,
            attempts,
            stage,
            providers,
            preselected,
        })
    }

    fn stage(&self, request: &PaymentRequest, attempts: &[Attempt]) -> Stage {
        match request.status {
            Status::Executed => return Stage::Paid,
            Status::Expired => return Stage::Expired,
            Status::Cancelled => return Stage::Cancelled,
            Status::Other => return Stage::Other,
            Status::InProcess => {}
        }
        if let Some(open) = attempts.iter().find(|a| a.state.is_open()) {
            return Stage::InProgress {
                attempt: Box::new(open.clone()),
            };
        }
        // The expiry worker moves the status to R; until it runs, the clock decides.
        if request.terms.expires_at <= self.clock.now() {
            return Stage::Expired;
        }
        match request
            .payments
            .iter()
            .find(|p| p.status != Status::Executed)
        {
            Some(next) => Stage::Choose {
                sequence: next.sequence,
            },
            None => Stage::Paid,
        }
    }

    /// Starts paying payment `sequence` of request `id` at `provider`; answers how
    /// to send the payer there. `return_query` (already URL-encoded, may be empty)
    /// is appended to the return address so the page keeps the payer's language
    /// and display settings.
    pub async fn start(
        &self,
        id: &str,
        sequence: u16,
        provider: &str,
        return_query: &str,
        catalog: &Catalog,
    ) -> Result<Handoff, AppError> {
        let view = self.view(id, catalog).await?;
        match &view.stage {
            Stage::Choose { .. } => {}
            Stage::InProgress { .. } => {
                return Err(conflict(
                    ErrorCode::PaymentInProgress,
                    "a payment of this request is already in progress at a provider",
                ));
            }
            Stage::Paid => {
                return Err(conflict(
                    ErrorCode::AlreadyPaid,
                    "this request is already paid",
                ));
            }
            Stage::Expired => {
                return Err(conflict(
                    ErrorCode::RequestExpired,
                    "this request has expired",
                ));
            }
            Stage::Cancelled | Stage::Other => {
                return Err(conflict(
                    ErrorCode::RequestFinal,
                    "this request can no longer be paid",
                ));
            }
        }
        let provider = ProviderCode::parse(provider)
            .and_then(|code| view.providers.iter().find(|p| p.code == code))
            .ok_or_else(|| AppError::BadInput {
                code: ErrorCode::ProviderNotOffered,
                message: "choose one of the offered payment providers".into(),
            })?;
        let connector = self
            .connectors
            .get(&provider.code)
            .ok_or_else(|| AppError::Internal(format!("no connector for {}", provider.code)))?;
        let payment = view
            .request
            .payments
            .iter()
            .find(|p| p.sequence == sequence && p.status != Status::Executed)
            .ok_or_else(|| AppError::BadInput {
                code: ErrorCode::PaymentNotPayable,
                message: format!("payment {sequence} of this request cannot be paid"),
            })?;
        let now = self.clock.now();
        let mut random = [0u8; 16];
        OsEntropy.fill(&mut random);
        let attempt = Attempt {
            id: AttemptId::from_random(random),
            request_id: view.request.id,
            sequence,
            provider: provider.code.clone(),
            amount: payment.amount,
            currency: payment.currency,
            state: AttemptState::Started,
            external_id: None,
            refund_required: false,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditEvent {
            at: now,
            actor: "payer".into(),
            request_id: Some(view.request.id),
            kind: "payment.attempt_started".into(),
            detail: json!({
                "attempt": attempt.id.to_string(),
                "sequence": sequence,
                "provider": provider.code.as_str(),
                "amount_minor": payment.amount.minor(),
                "currency": payment.currency.as_str(),
            }),
        };
        match self.store.start_attempt(&attempt, &audit).await? {
            Ok(()) => {}
            Err(StartRefused::NotFound) => return Err(AppError::not_found_request()),
            Err(StartRefused::InProgress(_)) => {
                return Err(conflict(
                    ErrorCode::PaymentInProgress,
                    "a payment of this request is already in progress at a provider",
                ));
            }
            Err(StartRefused::PaymentPaid) => {
                return Err(conflict(
                    ErrorCode::AlreadyPaid,
                    "this payment is already paid",
                ));
            }
            Err(StartRefused::RequestFinal(_)) => {
                return Err(conflict(
                    ErrorCode::RequestFinal,
                    "this request can no longer be paid",
                ));
            }
        }
        let base = &self.settings.public_base_url;
        let code = provider.code.as_str();
        let separator = if return_query.is_empty() { "" } else { "?" };
        let order = PaymentOrder {
            attempt: attempt.id,
            amount: payment.amount,
            currency: payment.currency,
            purpose: payment.purpose_within(provider.purpose_max_length),
            payee_name: payment.payee.name.clone(),
            payee_iban: payment.payee.iban.as_str().to_owned(),
            return_url: format!("{base}/providers/{code}/return{separator}{return_query}"),
            notify_url: format!("{base}/providers/{code}/notify"),
            language: if return_query.contains("language=ENG") {
                "ENG"
            } else {
                "LAT"
            },
        };
        match connector.start(&order) {
            Ok(handoff) => Ok(handoff),
            Err(error) => {
                // The payer never reached the provider: close the attempt so the
                // payment can be started again.
                self.settle(
                    &attempt,
                    Outcome::Rejected,
                    None,
                    Channel::Query,
                    json!({ "reason": error.to_string() }),
                )
                .await?;
                Err(AppError::Unavailable(format!(
                    "the payment provider cannot take payments now: {error}"
                )))
            }
        }
    }

    /// Takes in a provider's message (the payer's browser return or its server
    /// message). A message that does not verify or does not match our attempt
    /// changes nothing, is recorded, and answers `PROVIDER_MESSAGE_REFUSED`.
    pub async fn receive(
        &self,
        provider: &str,
        channel: Channel,
        incoming: &Incoming,
    ) -> Result<Received, AppError> {
        let code = ProviderCode::parse(provider).ok_or_else(unknown_provider)?;
        let connector = self.connectors.get(&code).ok_or_else(unknown_provider)?;
        let verified = match channel {
            Channel::Server => connector.server_message(incoming),
            Channel::Browser | Channel::Query => connector.browser_return(incoming),
        };
        let message = match verified {
            Ok(message) => message,
            Err(error) => {
                return Err(self.refuse(&code, channel, None, &error.to_string()).await);
            }
        };
        self.accept(&code, channel, message).await
    }

    /// Asks the provider about the open attempt of request `id`, if any, and
    /// takes in its answer. Answers the attempt's state afterwards, if there was one.
    pub async fn refresh(&self, id: &str) -> Result<Option<AttemptState>, AppError> {
        let id = PaymentRequestId::parse(id).ok_or_else(AppError::not_found_request)?;
        let attempts = self.store.attempts_of(id).await?;
        let Some(open) = attempts.into_iter().find(|a| a.state.is_open()) else {
            return Ok(None);
        };
        let answered = self.query_provider(&open).await?;
        Ok(Some(answered.map_or(open.state, |received| received.state)))
    }

    async fn accept(
        &self,
        code: &ProviderCode,
        channel: Channel,
        message: ProviderMessage,
    ) -> Result<Received, AppError> {
        let Some(attempt) = self.store.attempt(message.attempt).await? else {
            return Err(self.refuse(code, channel, None, "no such attempt").await);
        };
        let mismatch = if &attempt.provider != code {
            Some(format!("attempt belongs to {}", attempt.provider))
        } else if attempt.amount != message.amount {
            Some(format!(
                "amount {} differs from ours {}",
                message.amount.minor(),
                attempt.amount.minor()
            ))
        } else if attempt.currency != message.currency {
            Some(format!(
                "currency {} differs from ours {}",
                message.currency.as_str(),
                attempt.currency.as_str()
            ))
        } else {
            None
        };
        if let Some(reason) = mismatch {
            return Err(self
                .refuse(code, channel, Some(attempt.request_id), &reason)
                .await);
        }
        let external_id = message.external_id.clone();
        self.settle(&attempt, message.outcome, external_id, channel, json!({}))
            .await
    }

    async fn settle(
        &self,
        attempt: &Attempt,
        outcome: Outcome,
        external_id: Option<String>,
        channel: Channel,
        extra: serde_json::Value,
    ) -> Result<Received, AppError> {
        let now = self.clock.now();
        // Prepared in case this message pays the request; the store inserts it
        // only then, in the same transaction.
        let request = if outcome == Outcome::Executed {
            self.store.payment_request_by_id(attempt.request_id).await?
        } else {
            None
        };
        let notification = request.as_ref().and_then(|request| {
            crate::notifications::notification_for(request, Status::Executed, now)
        });
        let receipt_due = request.is_some_and(|request| !request.terms.no_invoice);
        let report = OutcomeReport {
            attempt: attempt.id,
            outcome,
            external_id: external_id.clone(),
            at: now,
            notification,
            receipt_due,
        };
        let audit = AuditEvent {
            at: now,
            actor: attempt.provider.as_str().to_owned(),
            request_id: Some(attempt.request_id),
            kind: "payment.provider_message".into(),
            detail: json!({
                "attempt": attempt.id.to_string(),
                "channel": channel.as_str(),
                "outcome": format!("{outcome:?}").to_lowercase(),
                "external_id": external_id,
                "extra": extra,
            }),
        };
        let applied = self
            .store
            .record_outcome(&report, &audit)
            .await?
            .ok_or_else(|| AppError::Internal(format!("attempt {} vanished", attempt.id)))?;
        if applied.settlement.request_to.is_some() {
            self.wake.notify_one();
        }
        if applied.settlement.refund_required && !attempt.refund_required {
            tracing::warn!(
                attempt = %attempt.id,
                request = %attempt.request_id,
                "money arrived for a request that cannot take it; flagged for refund"
            );
        }
        Ok(Received {
            request_id: attempt.request_id,
            attempt: attempt.id,
            state: applied.attempt.state,
        })
    }

    /// Records a refused provider message and builds the error to answer.
    async fn refuse(
        &self,
        code: &ProviderCode,
        channel: Channel,
        request_id: Option<PaymentRequestId>,
        reason: &str,
    ) -> AppError {
        tracing::warn!(provider = %code, channel = channel.as_str(), reason, "provider message refused");
        let audit = AuditEvent {
            at: self.clock.now(),
            actor: code.as_str().to_owned(),
            request_id,
            kind: "payment.provider_message_refused".into(),
            detail: json!({ "channel": channel.as_str(), "reason": reason }),
        };
        if let Err(error) = self.store.record_event(&audit).await {
            return AppError::from(error);
        }
        AppError::BadInput {
            code: ErrorCode::ProviderMessageRefused,
            message: format!("the provider message was refused: {reason}"),
        }
    }
}

fn conflict(code: ErrorCode, message: &str) -> AppError {
    AppError::Conflict {
        code,
        message: message.to_owned(),
    }
}

fn unknown_provider() -> AppError {
    AppError::NotFound {
        message: "no such payment provider".into(),
    }
}
