//! The payment-request use cases: one method per business action, each one
//! transaction. REST, SOAP, the pages and the CLI all call these.

use crate::api_method::ApiMethod;
use crate::auth::Caller;
use crate::clock::{Clock, OsEntropy};
use crate::error::{AppError, ErrorCode};
use crate::idempotency::{Answered, Idempotency, IdempotencyKey, KeyedCall};
use crate::store::prelude::*;
use crate::store::{
    AuditEvent, NewIdempotencyKey, PaymentFilter, PaymentSummary, RequestFilter, RequestSummary,
    StatusChange, StoreError,
};
use crate::workflows::Workflows;
use crate::writer::RequestWriter;
use maksa_domain::catalog::{Catalog, WireProfile};
use maksa_domain::codes::ProviderCode;
use maksa_domain::document::Issuer;
use maksa_domain::error::{FieldError, ValidationCode, ValidationErrors};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::request::{
    CreationRules, PaymentRequest, PaymentRequestInput, create_payment_request,
};
use maksa_domain::status::{RequestEvent, Status};
use maksa_domain::text::echo;
use serde_json::json;
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone)]
pub struct HubSettings {
    /// Where payers reach the hub, e.g. `https://maksa.example.lv` (no trailing slash).
    pub public_base_url: String,
    pub rules: CreationRules,
    /// The most rows a list call returns.
    pub list_limit: u32,
    /// Who issues justification documents (the hub's operator), as printed on them.
    pub issuer: Issuer,
}

/// The answer to `savepaymentrequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRequest {
    pub id: PaymentRequestId,
    pub url: String,
}

/// `checkpaymentstatus`: the status of the payment carrying one position, and
/// the provider that took it as answers report it (its catalogue
/// `reported_code`, e.g. `LVHABA22`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStatusAnswer {
    pub status: Status,
    pub provider: Option<ProviderCode>,
}

/// `checkpaymentrequeststatuswpt`: providers as answers report them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStatusWithProviders {
    pub status: Status,
    pub providers: Vec<ProviderCode>,
}

pub struct PaymentRequests {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    writer: RequestWriter,
    catalog: RwLock<Arc<Catalog>>,
    pub(crate) settings: HubSettings,
    /// Whether IVIS messages marked `Test` are taken (the sandbox) or refused
    /// (a production node); see `crate::ivis`.
    pub(crate) ivis_test_messages: std::sync::atomic::AtomicBool,
}

/// A new number is drawn this many times when it collides with an existing one.
pub(crate) const NUMBER_ATTEMPTS: usize = 3;

impl PaymentRequests {
    /// Must be called inside a Tokio runtime (it starts the group-commit writer).
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        catalog: Catalog,
        settings: HubSettings,
    ) -> Self {
        let writer = RequestWriter::start(Arc::clone(&store));
        PaymentRequests {
            store,
            clock,
            writer,
            catalog: RwLock::new(Arc::new(catalog)),
            settings,
            ivis_test_messages: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_default()
    }

    /// Picks up a catalogue imported since start (e.g. by `maksa catalog import`).
    pub async fn reload_catalog(&self) -> Result<(), AppError> {
        if let Some(catalog) = self.store.load_catalog().await?
            && let Ok(mut current) = self.catalog.write()
        {
            *current = Arc::new(catalog);
        }
        Ok(())
    }

    /// How the doors put this caller's errors on the wire (its contract's
    /// `wire_profile`; the default without a contract).
    pub fn wire_profile(&self, caller: &Caller) -> WireProfile {
        self.catalog().wire_profile(&caller.client)
    }

    /// The hub's clock, for the doors' time-dependent views.
    pub fn clock_now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub fn request_url(&self, id: PaymentRequestId) -> String {
        format!("{}/Payments/?id={id}", self.settings.public_base_url)
    }

    /// `savepaymentrequest` / `SavePaymentRequest`.
    pub async fn save(
        &self,
        caller: &Caller,
        input: &PaymentRequestInput,
    ) -> Result<CreatedRequest, AppError> {
        self.save_with(caller, input, None).await
    }

    /// `save` under an `Idempotency-Key` (docs/idempotency.md): the same
    /// key with the same request answers the first request again.
    pub async fn save_keyed(
        &self,
        idempotency: &Idempotency,
        caller: &Caller,
        input: &PaymentRequestInput,
        key: Option<IdempotencyKey>,
    ) -> Result<Answered<CreatedRequest>, AppError> {
        // The request as the door read it: its parsed fields.
        let call = key
            .map(|key| KeyedCall::new(key, ApiMethod::SavePaymentRequest, &format!("{input:?}")));
        let rebuild = |result: &str| {
            let id = PaymentRequestId::parse(result).ok_or_else(|| {
                AppError::Internal(format!("an idempotency key answers `{result}`, not an id"))
            })?;
            Ok(CreatedRequest {
                id,
                url: self.request_url(id),
            })
        };
        idempotency
            .run(caller, call.as_ref(), rebuild, |key| {
                self.save_with(caller, input, key)
            })
            .await
    }

    async fn save_with(
        &self,
        caller: &Caller,
        input: &PaymentRequestInput,
        key: Option<NewIdempotencyKey>,
    ) -> Result<CreatedRequest, AppError> {
        let catalog = self.catalog();
        self.check_certificate_services(caller, &catalog, input)?;
        if let Some(parent) = input
            .parent_payment_request_id
            .as_deref()
            .and_then(PaymentRequestId::parse)
            && self
                .store
                .request_status(&caller.client, parent)
                .await?
                .is_none()
        {
            return Err(AppError::Invalid(ValidationErrors::new(FieldError {
                code: ValidationCode::InvalidField,
                field: "ParentPaymentRequestID".into(),
                message: format!("you have no payment request {parent}"),
            })));
        }
        for attempt in 1..=NUMBER_ATTEMPTS {
            let now = self.clock.now();
            let request = create_payment_request(
                input,
                &caller.client,
                &catalog,
                &self.settings.rules,
                now,
                &mut OsEntropy,
            )
            .map_err(AppError::Invalid)?;
            let audit = creation_audit(&request, Some(&caller.thumbprint));
            let id = request.id;
            match self.writer.insert_keyed(request, audit, key.clone()).await {
                Ok(()) => {
                    return Ok(CreatedRequest {
                        id,
                        url: self.request_url(id),
                    });
                }
                Err(StoreError::Conflict(why)) if attempt < NUMBER_ATTEMPTS => {
                    tracing::warn!(%why, attempt, "request number or identifier collided; drawing new ones");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Internal(
            "could not draw a unique request number".into(),
        ))
    }

    /// A certificate registered for some services only may not bill for others.
    pub(crate) fn check_certificate_services(
        &self,
        caller: &Caller,
        catalog: &Catalog,
        input: &PaymentRequestInput,
    ) -> Result<(), AppError> {
        if caller.services.is_empty() {
            return Ok(());
        }
        let service = input
            .service_step
            .as_deref()
            .and_then(|s| catalog.step(s.trim()))
            .map(|s| s.service.clone());
        match service {
            Some(service) if !caller.services.contains(&service) => Err(AppError::Forbidden {
                code: ErrorCode::ServiceNotAllowed,
                message: format!(
                    "this certificate may not create requests for service `{service}`"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// `checkpaymentrequeststatus`.
    pub async fn status(&self, caller: &Caller, id: &str) -> Result<Status, AppError> {
        let id = parse_id(id)?;
        self.store
            .request_status(&caller.client, id)
            .await?
            .ok_or_else(AppError::not_found_request)
    }

    pub async fn get(&self, caller: &Caller, id: &str) -> Result<PaymentRequest, AppError> {
        let id = parse_id(id)?;
        self.store
            .payment_request(&caller.client, id)
            .await?
            .ok_or_else(AppError::not_found_request)
    }

    /// The notifications of one of the caller's requests with their delivery
    /// logs (`getnotifications`, `maksa notifications log`).
    pub async fn notification_log(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<
        Vec<(
            crate::store::Notification,
            Vec<crate::store::DeliveryAttempt>,
        )>,
        AppError,
    > {
        let id = parse_id(id)?;
        if self
            .store
            .request_status(&caller.client, id)
            .await?
            .is_none()
        {
            return Err(AppError::not_found_request());
        }
        Ok(self.store.notification_log(&caller.client, id).await?)
    }

    /// For the payer's page: the random id is the capability.
    pub async fn for_payer(&self, id: &str) -> Result<PaymentRequest, AppError> {
        let id = parse_id(id)?;
        self.store
            .payment_request_by_id(id)
            .await?
            .ok_or_else(AppError::not_found_request)
    }

    /// `checkpaymentrequeststatuswpt`.
    pub async fn status_with_providers(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<RequestStatusWithProviders, AppError> {
        let request = self.get(caller, id).await?;
        let catalog = self.catalog();
        Ok(RequestStatusWithProviders {
            status: request.status,
            providers: request
                .providers_used()
                .iter()
                .map(|p| catalog.reported_code(p))
                .collect(),
        })
    }

    /// `checkpaymentstatus`.
    pub async fn payment_status(
        &self,
        caller: &Caller,
        id: &str,
        position: &str,
    ) -> Result<PaymentStatusAnswer, AppError> {
        let request = self.get(caller, id).await?;
        let position = position.trim();
        let payment =
            request
                .payment_with_position(position)
                .ok_or_else(|| AppError::NotFound {
                    message: format!(
                        "payment request {} has no position `{}`",
                        request.id,
                        echo(position)
                    ),
                })?;
        Ok(PaymentStatusAnswer {
            status: payment.status,
            provider: payment
                .provider
                .as_ref()
                .map(|p| self.catalog().reported_code(p)),
        })
    }

    /// `getpaymentrequests`.
    pub async fn list(
        &self,
        caller: &Caller,
        mut filter: RequestFilter,
    ) -> Result<Vec<RequestSummary>, AppError> {
        filter.limit = self.settings.list_limit;
        Ok(self.store.payment_requests(&caller.client, &filter).await?)
    }

    /// `getpayments`.
    pub async fn payments(
        &self,
        caller: &Caller,
        mut filter: PaymentFilter,
    ) -> Result<Vec<PaymentSummary>, AppError> {
        filter.limit = self.settings.list_limit;
        Ok(self.store.payments(&caller.client, &filter).await?)
    }

    /// `cancelpaymentrequest`. Cancelling a cancelled request again is answered
    /// as success (a retried call must not fail); a request in any other final
    /// status cannot be cancelled.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        self.cancel_with(caller, id, None).await
    }

    /// `cancel` under an `Idempotency-Key` (docs/idempotency.md).
    pub async fn cancel_keyed(
        &self,
        idempotency: &Idempotency,
        caller: &Caller,
        id: &str,
        key: Option<IdempotencyKey>,
    ) -> Result<Answered<()>, AppError> {
        // The request is its id, in one spelling.
        let canonical = PaymentRequestId::parse(id)
            .map(|id| id.to_string())
            .unwrap_or_else(|| id.trim().to_owned());
        let call = key.map(|key| KeyedCall::new(key, ApiMethod::CancelPaymentRequest, &canonical));
        idempotency
            .run(
                caller,
                call.as_ref(),
                |_| Ok(()),
                |key| self.cancel_with(caller, id, key),
            )
            .await
    }

    /// A keyed call that changed nothing still keeps its key (in a
    /// transaction of its own: there is no work to join).
    async fn keep_key(&self, key: Option<NewIdempotencyKey>) -> Result<(), AppError> {
        if let Some(key) = key {
            self.store.record_idempotency_key(&key, "").await?;
        }
        Ok(())
    }

    async fn cancel_with(
        &self,
        caller: &Caller,
        id: &str,
        key: Option<NewIdempotencyKey>,
    ) -> Result<(), AppError> {
        let request = self.get(caller, id).await?;
        if request.status == Status::Cancelled {
            return self.keep_key(key).await;
        }
        // A cancellation is the client's own act: notified back only to
        // clients whose contract asks for it — unless money moved (O), which
        // the client must always learn about.
        let notify = self
            .catalog()
            .contract(&caller.client)
            .is_some_and(|c| c.notify_cancelled);
        let thumbprint = caller.thumbprint.clone();
        self.cancel_request(&request, caller.client.to_string(), notify, key, |from, to| {
            json!({ "from": from.letter().to_string(), "to": to.letter().to_string(), "certificate": thumbprint })
        })
        .await
        .map(|_| ())
    }

    /// The console's cancel (docs/console-requests.md): the client's
    /// transition, by an operator (`actor` = `operator:<name>`), the client
    /// always notified; refused for a request already cancelled or in another
    /// final status. Answers the request's new status.
    pub async fn cancel_by_operator(
        &self,
        id: PaymentRequestId,
        actor: &str,
    ) -> Result<Status, AppError> {
        let request = self
            .store
            .payment_request_by_id(id)
            .await?
            .ok_or_else(AppError::not_found_request)?;
        if request.status == Status::Cancelled {
            return Err(AppError::Conflict {
                code: ErrorCode::InvalidStatusTransition,
                message: format!("payment request {id} is already cancelled"),
            });
        }
        self.cancel_request(&request, actor.to_owned(), true, None, |from, to| {
            json!({
                "from": from.letter().to_string(),
                "to": to.letter().to_string(),
                "before": { "status": from.letter().to_string() },
                "after": { "status": to.letter().to_string() },
            })
        })
        .await
    }

    /// The cancel transition of `request` by `actor`, with the audit detail
    /// `detail(from, to)`; `notify`: whether the client's `GET` notification
    /// goes out (always when money moved). Answers the new status.
    async fn cancel_request(
        &self,
        request: &PaymentRequest,
        actor: String,
        notify: bool,
        key: Option<NewIdempotencyKey>,
        detail: impl Fn(Status, Status) -> serde_json::Value,
    ) -> Result<Status, AppError> {
        let mut request = request.clone();
        // A payment made between our read and our write turns the decision
        // from C into O; each round decides again from a fresh read. Three
        // rounds lost in a row would take three payments landing in the gaps.
        for _ in 0..3 {
            if let Some(to) = self
                .cancel_once(&request, &actor, notify, key.as_ref(), &detail)
                .await?
            {
                return Ok(to);
            }
            // The status moved between our read and our write: answer from the new one.
            match self
                .store
                .request_status(&request.owner, request.id)
                .await?
            {
                Some(Status::Cancelled) => {
                    return self.keep_key(key).await.map(|()| Status::Cancelled);
                }
                // Still P: a payment was made meanwhile, so the cancel must end
                // in O, not C (the workflow wrote nothing): decide again.
                Some(Status::InProcess) => {
                    request = self
                        .store
                        .payment_request(&request.owner, request.id)
                        .await?
                        .ok_or_else(AppError::not_found_request)?;
                }
                Some(other) => {
                    return Err(AppError::Conflict {
                        code: ErrorCode::InvalidStatusTransition,
                        message: format!(
                            "payment request {} is in status {other} and cannot be cancelled",
                            request.id
                        ),
                    });
                }
                None => return Err(AppError::not_found_request()),
            }
        }
        Err(AppError::Unavailable(format!(
            "payment request {} kept changing while it was being cancelled; try again",
            request.id
        )))
    }

    /// One try of the cancel decided from `request` as read: the new status, or
    /// `None` when the request changed since (nothing written).
    async fn cancel_once(
        &self,
        request: &PaymentRequest,
        actor: &str,
        notify: bool,
        key: Option<&NewIdempotencyKey>,
        detail: &impl Fn(Status, Status) -> serde_json::Value,
    ) -> Result<Option<Status>, AppError> {
        let refused = |refused: maksa_domain::status::TransitionRefused| AppError::Conflict {
            code: ErrorCode::InvalidStatusTransition,
            message: format!(
                "payment request {} is in status {} and cannot be cancelled",
                request.id, refused.from
            ),
        };
        // A request with a payment already made ends in O, its open payments in C.
        let to = request
            .after(RequestEvent::CancelledByClient)
            .map_err(refused)?;
        let open_payments_to = request
            .open_payments_after(RequestEvent::CancelledByClient)
            .map_err(refused)?;
        let notify = notify || to == Status::Other;
        let now = self.clock.now();
        let change = StatusChange {
            owner: request.owner.clone(),
            id: request.id,
            from: request.status,
            to,
            at: now,
            open_payments_to: Some(open_payments_to),
            // The IVIS answer is owed whatever the contract says of the GET.
            notifications: crate::notifications::notifications_for(request, to, now)
                .into_iter()
                .filter(|n| notify || n.kind == crate::store::NotificationKind::Ivis)
                .collect(),
            audit: AuditEvent {
                at: now,
                actor: actor.to_owned(),
                request_id: Some(request.id),
                kind: "payment_request.cancelled".into(),
                detail: detail(request.status, to),
            },
        };
        let changed = self.store.change_request_status_keyed(&change, key).await?;
        Ok(changed.then_some(to))
    }
}

/// The audit event of a new request, created by its owner with the
/// certificate of `thumbprint` (`None`: body authentication, or a request
/// the hub made itself, as the demo's history).
pub fn creation_audit(request: &PaymentRequest, thumbprint: Option<&str>) -> AuditEvent {
    AuditEvent {
        at: request.created_at,
        actor: request.owner.to_string(),
        request_id: Some(request.id),
        kind: "payment_request.created".into(),
        detail: json!({
            "number": request.number.as_str(),
            "total_minor": request.terms.total.minor(),
            "currency": request.terms.currency.as_str(),
            "payments": request.payments.len(),
            "client_code_check": request.terms.payer.code_check,
            "certificate": thumbprint,
        }),
    }
}

pub(crate) fn parse_id(text: &str) -> Result<PaymentRequestId, AppError> {
    PaymentRequestId::parse(text).ok_or_else(|| AppError::BadInput {
        code: ErrorCode::InvalidId,
        message: format!(
            "`{}` is not a payment request id (a GUID such as 05ae69d8-2be1-4a63-ae93-9d0e42e254f1)",
            echo(text)
        ),
    })
}
