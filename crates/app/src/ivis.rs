//! The IVIS use cases (docs/ivis.md): the portal's e-services open business
//! transactions, submit payment requests synchronously (the payer is handed to
//! the payment page now) or asynchronously (the request is registered for the
//! payer, who finds it in the workspace and gets an e-mail), and ask about an
//! asynchronous submission by its correlation id.
//!
//! The requests are made by the same domain rules as REST and SOAP creates
//! (`create_payment_request`); what IVIS adds — where to send the final status,
//! the correlation, the payer's message — commits in the same transaction.

use crate::auth::Caller;
use crate::clock::OsEntropy;
use crate::error::{AppError, ErrorCode};
use crate::payment_requests::{NUMBER_ATTEMPTS, PaymentRequests};
use crate::store::{
    AuditEvent, IvisSubmission, IvisTransaction, PayerMessage, PayerMessageKind, PayerMessageState,
    StoreError,
};
use maksa_domain::codes::ClientCode;
use maksa_domain::error::{FieldError, ValidationCode, ValidationErrors};
use maksa_domain::request::{
    ClientInfoInput, IvisRoute, PaymentRequest, PaymentRequestInput, create_payment_request,
};
use maksa_domain::text::echo;
use serde_json::json;
use std::sync::atomic::Ordering;

/// The most requests one submission may carry; the door bounds the message at
/// 4 MB, this bounds the work one transaction does.
pub const MAX_REQUESTS_PER_SUBMISSION: usize = 20;

/// What the IVIS door read from a `Submit` / `SubmitSync`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IvisSubmissionInput {
    pub message_id: String,
    pub transaction_id: Option<String>,
    /// The header's `CorrelationID`: an earlier exchange this one follows.
    pub correlation_id: Option<String>,
    pub test: bool,
    pub milestone_id: Option<String>,
    pub next_milestone_id: Option<String>,
    pub response_endpoint: String,
    pub eservice_id: Option<String>,
    pub service_instance_id: Option<String>,
    pub asynchronous: bool,
    pub migrated: bool,
    /// The payer the request is registered for (`Receiver`, or the
    /// `Initiator` of a migrated e-service) when `ClientInfo` names none.
    pub receiver: Option<String>,
    /// `lv` or `en`: the language of the payer's e-mail.
    pub language: Option<String>,
    pub requests: Vec<PaymentRequestInput>,
}

/// The answer to a submission, and to `GetStatus` / `Poll` about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisOutcome {
    pub submission: IvisSubmission,
    pub requests: Vec<PaymentRequest>,
    /// The same `MessageID` was submitted before: this is the first answer again.
    pub repeated: bool,
}

impl IvisOutcome {
    /// Every request reached a final status: the answer a `Poll` waits for.
    pub fn is_final(&self) -> bool {
        self.requests.iter().all(|r| r.status.is_final())
    }
}

fn refused(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::Conflict {
        code,
        message: message.into(),
    }
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::new(FieldError {
        code: ValidationCode::InvalidField,
        field: field.into(),
        message: message.into(),
    }))
}

impl PaymentRequests {
    /// Whether IVIS messages marked `Test` are accepted (the sandbox's
    /// setting; a production node refuses them with `TEST_NOT_ACCEPTED`).
    pub fn accept_ivis_test_messages(&self, accept: bool) {
        self.ivis_test_messages.store(accept, Ordering::Relaxed);
    }

    /// `StartTransaction(eServiceID)`.
    pub async fn ivis_start_transaction(
        &self,
        caller: &Caller,
        eservice_id: &str,
    ) -> Result<IvisTransaction, AppError> {
        let eservice_id = eservice_id.trim();
        if !is_ivis_urn(eservice_id) || eservice_id.len() > 200 {
            return Err(invalid(
                "eServiceID",
                format!("`{}` is not a URN:IVIS identifier", echo(eservice_id)),
            ));
        }
        let transaction = IvisTransaction {
            id: format!("URN:IVIS:100001:TR-{}", uuid::Uuid::new_v4()),
            client: caller.client.clone(),
            eservice_id: eservice_id.to_owned(),
            started_at: self.clock.now(),
            ended_at: None,
        };
        self.store.insert_ivis_transaction(&transaction).await?;
        Ok(transaction)
    }

    /// `EndTransaction(transactionID)`.
    pub async fn ivis_end_transaction(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        let transaction = self.open_transaction(caller, id.trim()).await?;
        if !self
            .store
            .end_ivis_transaction(&caller.client, &transaction.id, self.clock.now())
            .await?
        {
            return Err(refused(
                ErrorCode::TransactionNotStarted,
                "the transaction has already ended",
            ));
        }
        Ok(())
    }

    async fn open_transaction(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<IvisTransaction, AppError> {
        let transaction = self
            .store
            .ivis_transaction(&caller.client, id)
            .await?
            .ok_or_else(|| {
                refused(
                    ErrorCode::TransactionIncorrect,
                    format!(
                        "`{}` is not a transaction StartTransaction gave you",
                        echo(id)
                    ),
                )
            })?;
        if transaction.ended_at.is_some() {
            return Err(refused(
                ErrorCode::TransactionNotStarted,
                format!("transaction `{}` has ended", echo(id)),
            ));
        }
        Ok(transaction)
    }

    /// `Submit` / `SubmitSync`: creates the requests and everything the
    /// submission promises, in one transaction. A `MessageID` the client sent
    /// before is answered from the first submission, without creating anything.
    pub async fn ivis_submit(
        &self,
        caller: &Caller,
        input: &IvisSubmissionInput,
    ) -> Result<IvisOutcome, AppError> {
        if let Some(earlier) = self.repeated_submission(caller, input).await? {
            return Ok(earlier);
        }
        if input.test && !self.ivis_test_messages.load(Ordering::Relaxed) {
            return Err(refused(
                ErrorCode::TestNotAccepted,
                "this node takes no test messages (Test = true); send them to the sandbox",
            ));
        }
        if let Some(id) = input.transaction_id.as_deref() {
            let transaction = self.open_transaction(caller, id.trim()).await?;
            if let Some(eservice) = input.eservice_id.as_deref()
                && !eservice
                    .trim()
                    .eq_ignore_ascii_case(&transaction.eservice_id)
            {
                return Err(refused(
                    ErrorCode::SenderIncorrect,
                    format!(
                        "the transaction was started for `{}`, not `{}`",
                        echo(&transaction.eservice_id),
                        echo(eservice)
                    ),
                ));
            }
        }
        if let Some(earlier) = input.correlation_id.as_deref() {
            let known = match uuid::Uuid::parse_str(earlier.trim()) {
                Ok(id) => self.store.ivis_submission(&caller.client, id).await?,
                Err(_) => None,
            };
            if known.is_none() {
                return Err(refused(
                    ErrorCode::CorrelationNotFound,
                    format!(
                        "CorrelationID `{}` names no exchange of yours",
                        echo(earlier)
                    ),
                ));
            }
        }
        let endpoint = response_endpoint(&input.response_endpoint, self)?;
        if input.requests.is_empty() {
            return Err(AppError::Invalid(ValidationErrors::new(FieldError {
                code: ValidationCode::MissingField,
                field: "PaymentInfo.PaymentRequestList".into(),
                message: "holds no PaymentRequest".into(),
            })));
        }
        if input.requests.len() > MAX_REQUESTS_PER_SUBMISSION {
            return Err(invalid(
                "PaymentInfo.PaymentRequestList",
                format!("holds more than {MAX_REQUESTS_PER_SUBMISSION} requests"),
            ));
        }
        let inputs = input
            .requests
            .iter()
            .map(|request| addressed(request, input))
            .collect::<Result<Vec<_>, _>>()?;
        let catalog = self.catalog();
        for request in &inputs {
            self.check_certificate_services(caller, &catalog, request)?;
        }

        let correlation_id = uuid::Uuid::new_v4();
        for attempt in 1..=NUMBER_ATTEMPTS {
            let now = self.clock.now();
            let route = IvisRoute {
                message_id: input.message_id.trim().to_owned(),
                correlation_id,
                transaction_id: input.transaction_id.clone(),
                response_endpoint: endpoint.clone(),
                milestone_id: input.milestone_id.clone(),
                next_milestone_id: input.next_milestone_id.clone(),
                eservice_id: input.eservice_id.clone(),
                service_instance_id: input.service_instance_id.clone(),
                test: input.test,
                asynchronous: input.asynchronous,
                migrated: input.migrated,
            };
            let mut created = Vec::with_capacity(inputs.len());
            for request_input in &inputs {
                let mut request = create_payment_request(
                    request_input,
                    &caller.client,
                    &catalog,
                    &self.settings.rules,
                    now,
                    &mut OsEntropy,
                )
                .map_err(AppError::Invalid)?;
                request.terms.ivis = Some(route.clone());
                let audit = AuditEvent {
                    at: now,
                    actor: caller.client.to_string(),
                    request_id: Some(request.id),
                    kind: "payment_request.created".into(),
                    detail: json!({
                        "door": "ivis",
                        "number": request.number.as_str(),
                        "total_minor": request.terms.total.minor(),
                        "currency": request.terms.currency.as_str(),
                        "payments": request.payments.len(),
                        "client_code_check": request.terms.payer.code_check,
                        "certificate": caller.thumbprint,
                        "message_id": route.message_id,
                        "correlation_id": correlation_id,
                        "asynchronous": input.asynchronous,
                    }),
                };
                created.push((request, audit));
            }
            let submission = IvisSubmission {
                correlation_id,
                client: caller.client.clone(),
                message_id: route.message_id.clone(),
                transaction_id: input.transaction_id.clone(),
                asynchronous: input.asynchronous,
                request_ids: created.iter().map(|(r, _)| r.id).collect(),
                created_at: now,
                disposed_at: None,
            };
            match self.write_submission(&created, &submission, input).await {
                Ok(()) => {
                    return Ok(IvisOutcome {
                        submission,
                        requests: created.into_iter().map(|(r, _)| r).collect(),
                        repeated: false,
                    });
                }
                Err(StoreError::Conflict(why)) => {
                    // The same MessageID committed by a racing call wins; its
                    // answer is ours. Otherwise a number collided: draw again.
                    if let Some(earlier) = self.repeated_submission(caller, input).await? {
                        return Ok(earlier);
                    }
                    if attempt == NUMBER_ATTEMPTS {
                        return Err(AppError::Internal(why));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Internal(
            "could not draw a unique request number".into(),
        ))
    }

    /// The requests, the submission and the payer's e-mail: one transaction.
    async fn write_submission(
        &self,
        created: &[(PaymentRequest, AuditEvent)],
        submission: &IvisSubmission,
        input: &IvisSubmissionInput,
    ) -> Result<(), StoreError> {
        let mut work = self.store.begin().await?;
        work.insert_requests(created).await?;
        work.insert_ivis_submission(submission).await?;
        if input.asynchronous {
            let language = match input.language.as_deref().map(str::trim) {
                Some(l) if l.eq_ignore_ascii_case("en") => "en",
                _ => "lv",
            };
            for (request, _) in created {
                if let Some(email) = request.terms.payer.email.clone() {
                    work.insert_payer_message(&PayerMessage {
                        request_id: request.id,
                        kind: PayerMessageKind::Registered,
                        recipient: email,
                        language: language.to_owned(),
                        state: PayerMessageState::Pending,
                        attempts: 0,
                        created_at: submission.created_at,
                        sent_at: None,
                        last_error: None,
                    })
                    .await?;
                }
            }
        }
        work.commit().await
    }

    async fn repeated_submission(
        &self,
        caller: &Caller,
        input: &IvisSubmissionInput,
    ) -> Result<Option<IvisOutcome>, AppError> {
        let Some(submission) = self
            .store
            .ivis_submission_by_message(&caller.client, input.message_id.trim())
            .await?
        else {
            return Ok(None);
        };
        let mut outcome = self.outcome_of(caller, submission).await?;
        outcome.repeated = true;
        Ok(Some(outcome))
    }

    async fn outcome_of(
        &self,
        caller: &Caller,
        submission: IvisSubmission,
    ) -> Result<IvisOutcome, AppError> {
        let mut requests = Vec::with_capacity(submission.request_ids.len());
        for id in &submission.request_ids {
            let request = self
                .store
                .payment_request(&caller.client, *id)
                .await?
                .ok_or_else(|| {
                    AppError::Internal(format!(
                        "submission {} names request {id}, which is gone",
                        submission.correlation_id
                    ))
                })?;
            requests.push(request);
        }
        Ok(IvisOutcome {
            submission,
            requests,
            repeated: false,
        })
    }

    /// `GetStatus` / `Poll`: an asynchronous submission of the caller's that
    /// was not disposed of.
    pub async fn ivis_submission(
        &self,
        caller: &Caller,
        correlation_id: &str,
    ) -> Result<IvisOutcome, AppError> {
        let submission = self.live_submission(caller, correlation_id).await?;
        if !submission.asynchronous {
            return Err(refused(
                ErrorCode::WrongCallingType,
                "the submission was synchronous (SubmitSync): its answer was the call's own",
            ));
        }
        self.outcome_of(caller, submission).await
    }

    /// `Dispose`: the e-service has its answer; further polls find nothing.
    pub async fn ivis_dispose(
        &self,
        caller: &Caller,
        correlation_id: &str,
    ) -> Result<(), AppError> {
        let submission = self.live_submission(caller, correlation_id).await?;
        // A racing Dispose may have won; either way the submission is disposed.
        self.store
            .dispose_ivis_submission(&caller.client, submission.correlation_id, self.clock.now())
            .await?;
        Ok(())
    }

    async fn live_submission(
        &self,
        caller: &Caller,
        correlation_id: &str,
    ) -> Result<IvisSubmission, AppError> {
        let not_found = || {
            refused(
                ErrorCode::CorrelationNotFound,
                format!(
                    "no answer with CorrelationID `{}` (unknown, another client's, or disposed)",
                    echo(correlation_id)
                ),
            )
        };
        let id = uuid::Uuid::parse_str(correlation_id.trim()).map_err(|_| not_found())?;
        match self.store.ivis_submission(&caller.client, id).await? {
            Some(s) if s.disposed_at.is_none() => Ok(s),
            _ => Err(not_found()),
        }
    }

    /// The payer's workspace: the requests naming this personal code.
    pub async fn for_payer_code(
        &self,
        code: &ClientCode,
        limit: u32,
    ) -> Result<Vec<PaymentRequest>, AppError> {
        Ok(self.store.requests_for_payer(code, limit).await?)
    }
}

/// `URN:IVIS:…`, compared as the guideline writes it (upper case) or not.
pub fn is_ivis_urn(text: &str) -> bool {
    text.get(..9)
        .is_some_and(|p| p.eq_ignore_ascii_case("URN:IVIS:"))
        && text.len() > 9
}

/// The `ResponseEndPoint` the answer is `POST`ed to: an absolute http(s) URL.
/// (The portal's bus resolves `URN:IVIS` service names; maksa has no such
/// catalogue and says so.) Reached only through the SSRF-guarded client.
fn response_endpoint(text: &str, requests: &PaymentRequests) -> Result<String, AppError> {
    let text = text.trim();
    let usable = text.len() <= requests.settings.rules.url_max_length
        && url::Url::parse(text).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
    if usable {
        Ok(text.to_owned())
    } else {
        Err(AppError::BadInput {
            code: ErrorCode::UrlNotRegistered,
            message: format!(
                "ResponseEndPoint `{}` is not an absolute http(s) URL maksa can deliver the answer to",
                echo(text)
            ),
        })
    }
}

/// An asynchronous request is registered for a payer: `ClientInfo.ClientCode`,
/// or else the submission's `Receiver` / `Initiator`.
fn addressed(
    request: &PaymentRequestInput,
    input: &IvisSubmissionInput,
) -> Result<PaymentRequestInput, AppError> {
    let mut request = request.clone();
    let named = request
        .client_info
        .as_ref()
        .and_then(|c| c.client_code.as_deref())
        .is_some_and(|c| !c.trim().is_empty());
    if !named && let Some(receiver) = input.receiver.as_deref() {
        request
            .client_info
            .get_or_insert_with(ClientInfoInput::default)
            .client_code = Some(receiver.trim().to_owned());
    }
    let has_payer = request
        .client_info
        .as_ref()
        .and_then(|c| c.client_code.as_deref())
        .is_some_and(|c| !c.trim().is_empty());
    if input.asynchronous && !has_payer {
        return Err(AppError::Invalid(ValidationErrors::new(FieldError {
            code: ValidationCode::MissingField,
            field: "Receiver".into(),
            message: "an asynchronous payment is registered for a payer: give Receiver or ClientInfo.ClientCode".into(),
        })));
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ivis_urns_are_recognised_in_any_case() {
        assert!(is_ivis_urn("URN:IVIS:100001:EP-EP00-V1-2"));
        assert!(is_ivis_urn("urn:ivis:100001:EP.DA-DA29-V1-0"));
        assert!(!is_ivis_urn("URN:IVIS:"));
        assert!(!is_ivis_urn("https://e.lv/"));
        assert!(!is_ivis_urn("URN:ĪVIS:1"));
    }

    #[test]
    fn an_asynchronous_request_takes_the_receiver_as_its_payer() {
        let input = IvisSubmissionInput {
            asynchronous: true,
            receiver: Some(" 010101-10006 ".into()),
            ..IvisSubmissionInput::default()
        };
        let request = addressed(&PaymentRequestInput::default(), &input);
        assert_eq!(
            request
                .ok()
                .and_then(|r| r.client_info)
                .and_then(|c| c.client_code)
                .as_deref(),
            Some("010101-10006")
        );
        let nobody = IvisSubmissionInput {
            asynchronous: true,
            ..IvisSubmissionInput::default()
        };
        assert!(matches!(
            addressed(&PaymentRequestInput::default(), &nobody),
            Err(AppError::Invalid(_))
        ));
    }
}
