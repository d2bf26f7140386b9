//! Justification documents (INTERFACE.md §5): issuing receipts and invoices and
//! serving the latest one. Rendering is a port (`DocumentRenderer`); the PDF and
//! XML adapter lives in `maksa-documents`.
//!
//! A document is rendered once, when it is issued, in every form it is served
//! in (PDF in Latvian and English, XML), and stored with its content: what a
//! client downloads later is byte for byte what was issued. Rendering runs on
//! the blocking pool, never on the async threads that answer requests, and
//! never inside a database transaction.

use crate::api_method::ApiMethod;
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::AppError;
use crate::idempotency::{Answered, Idempotency, IdempotencyKey, KeyedCall};
use crate::payment_requests::parse_id;
use crate::store::prelude::*;
use crate::store::{
    AuditEvent, DocumentFileKind, DocumentStored, EntryFilter, InvoiceRecipient, NewDocument,
    NewIdempotencyKey, StoreError,
};
use crate::workflows::Workflows;
use maksa_domain::document::{
    DocumentKind, Issuer, JustificationDocument, Party, Settlement, payer_as_party,
};
use maksa_domain::error::{FieldError, ValidationCode, ValidationErrors};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::reconciliation::Outcome;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;

/// Which file of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Pdf,
    Xml,
}

/// The language of the PDF's labels; the XML is language-neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocumentLanguage {
    #[default]
    Latvian,
    English,
}

/// A document file as a door hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    pub bytes: Vec<u8>,
    /// e.g. `MK-7QX2J9PA-2.pdf`
    pub file_name: String,
    /// `application/pdf` or `text/xml; charset=utf-8`.
    pub content_type: &'static str,
}

/// Turns a document's content into files. Pure CPU work; callers run it off
/// the async runtime.
pub trait DocumentRenderer: Send + Sync {
    fn pdf(
        &self,
        document: &JustificationDocument,
        language: DocumentLanguage,
    ) -> Result<Vec<u8>, String>;
    fn xml(&self, document: &JustificationDocument) -> Result<Vec<u8>, String>;
}

/// Two issuers of one request racing for a version: the loser renders again
/// with the next number. More than this many losses in a row is not a race.
const ISSUE_ATTEMPTS: usize = 8;

/// The longest reason a parked receipt is stored and logged with, in characters.
const PARK_REASON_MAX: usize = 200;

/// An invoice's recipient as `createinvoice` gives it: (Name, Code, Address).
type Recipient = (Option<String>, Option<String>, Option<String>);

/// Which document `Documents::issue` makes.
enum Issue {
    /// The receipt of a paid request, if it is due.
    Receipt,
    /// The invoice a request has from its creation on, made out to the payer,
    /// if the request has no document yet.
    FirstInvoice,
    /// `createinvoice`'s invoice: always the next version.
    Invoice(Recipient),
}

pub struct Documents {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    renderer: Arc<dyn DocumentRenderer>,
    issuer: Issuer,
    field_max_length: usize,
}

impl Documents {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        renderer: Arc<dyn DocumentRenderer>,
        issuer: Issuer,
        field_max_length: usize,
    ) -> Self {
        Documents {
            store,
            clock,
            renderer,
            issuer,
            field_max_length,
        }
    }

    /// `createinvoice` / `CreateInvoice`: issues an invoice for the caller's
    /// request, made out to the given recipient (the payer's details where a
    /// field is not given), and answers the stored document's id.
    pub async fn create_invoice(
        &self,
        caller: &Caller,
        id: &str,
        recipient: InvoiceRecipient,
    ) -> Result<i64, AppError> {
        self.create_invoice_with(caller, id, recipient, None).await
    }

    /// `create_invoice` under an `Idempotency-Key` (docs/idempotency.md):
    /// the same key with the same request answers the first document's id
    /// and issues nothing.
    pub async fn create_invoice_keyed(
        &self,
        idempotency: &Idempotency,
        caller: &Caller,
        id: &str,
        recipient: InvoiceRecipient,
        key: Option<IdempotencyKey>,
    ) -> Result<Answered<i64>, AppError> {
        let canonical = format!(
            "{:?}",
            (
                PaymentRequestId::parse(id).map(|id| id.to_string()),
                &recipient.name,
                &recipient.code,
                &recipient.address
            )
        );
        let call = key.map(|key| KeyedCall::new(key, ApiMethod::CreateInvoice, &canonical));
        let rebuild = |result: &str| {
            result.parse::<i64>().map_err(|_| {
                AppError::Internal(format!(
                    "an idempotency key answers `{result}`, not a document id"
                ))
            })
        };
        idempotency
            .run(caller, call.as_ref(), rebuild, |key| {
                self.create_invoice_with(caller, id, recipient, key)
            })
            .await
    }

    async fn create_invoice_with(
        &self,
        caller: &Caller,
        id: &str,
        recipient: InvoiceRecipient,
        key: Option<NewIdempotencyKey>,
    ) -> Result<i64, AppError> {
        let id = parse_id(id)?;
        let limit = self.field_max_length;
        for (field, value) in [
            ("Name", &recipient.name),
            ("Code", &recipient.code),
            ("Address", &recipient.address),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > limit || v.chars().any(char::is_control))
            {
                return Err(AppError::Invalid(ValidationErrors::new(FieldError {
                    code: ValidationCode::InvalidField,
                    field: field.into(),
                    message: format!(
                        "must be at most {limit} characters without control characters"
                    ),
                })));
            }
        }
        let given = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let recipient = (
            given(recipient.name),
            given(recipient.code),
            given(recipient.address),
        );
        match self
            .issue_keyed(
                &caller.client,
                id,
                Issue::Invoice(recipient),
                &caller.client.to_string(),
                key.as_ref(),
            )
            .await?
        {
            Some(stored) => Ok(stored),
            None => Err(AppError::not_found_request()),
        }
    }

    /// The latest document of the caller's request, which exists from the
    /// request's creation on (004 §2.1, §2.2): a paid request whose receipt is
    /// due but not yet issued (the worker has not come to it) gets it now; a
    /// request without any document gets its invoice, made out to the payer,
    /// showing the status it has now (before payment: unpaid). `NotFound`
    /// only for another client's request or an unknown one.
    pub async fn latest(
        &self,
        caller: &Caller,
        id: &str,
        format: DocumentFormat,
        language: DocumentLanguage,
    ) -> Result<DocumentFile, AppError> {
        self.latest_of(&caller.client, parse_id(id)?, format, language)
            .await
    }

    /// The same for the signed-in payer of the workspace: only a request that
    /// names the payer's own personal code; any other answers `NotFound`,
    /// exactly like an unknown id.
    pub async fn latest_for_payer(
        &self,
        payer: &maksa_domain::codes::ClientCode,
        id: &str,
        format: DocumentFormat,
        language: DocumentLanguage,
    ) -> Result<DocumentFile, AppError> {
        let id = parse_id(id)?;
        let request = self
            .store
            .payment_request_by_id(id)
            .await?
            .filter(|r| r.terms.payer.code.as_ref() == Some(payer))
            .ok_or_else(AppError::not_found_request)?;
        self.latest_of(&request.owner, id, format, language).await
    }

    async fn latest_of(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        format: DocumentFormat,
        language: DocumentLanguage,
    ) -> Result<DocumentFile, AppError> {
        let file = match (format, language) {
            (DocumentFormat::Xml, _) => DocumentFileKind::Xml,
            (DocumentFormat::Pdf, DocumentLanguage::Latvian) => DocumentFileKind::PdfLatvian,
            (DocumentFormat::Pdf, DocumentLanguage::English) => DocumentFileKind::PdfEnglish,
        };
        let state = self
            .store
            .document_state(owner, id)
            .await?
            .ok_or_else(AppError::not_found_request)?;
        if state.receipt_due {
            self.issue(owner, id, Issue::Receipt, "hub").await?;
        } else if state.latest_version == 0 {
            self.issue(owner, id, Issue::FirstInvoice, "hub").await?;
        }
        let stored = self
            .store
            .latest_document(owner, id, file)
            .await?
            // Only when the request vanished between the two reads.
            .ok_or_else(AppError::not_found_request)?;
        let (extension, content_type) = match format {
            DocumentFormat::Pdf => ("pdf", "application/pdf"),
            DocumentFormat::Xml => ("xml", "text/xml; charset=utf-8"),
        };
        Ok(DocumentFile {
            bytes: stored.bytes,
            file_name: format!("{}.{extension}", stored.number),
            content_type,
        })
    }

    /// The console's issue (docs/console-requests.md): the request's receipt
    /// when one is due, or a new invoice made out to the payer, by `actor`
    /// (`operator:<name>`). `None` when no receipt is due.
    pub async fn issue_by_operator(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        kind: DocumentKind,
        actor: &str,
    ) -> Result<Option<i64>, AppError> {
        let what = match kind {
            DocumentKind::Receipt => Issue::Receipt,
            DocumentKind::Invoice => Issue::Invoice((None, None, None)),
        };
        self.issue(owner, id, what, actor).await
    }

    /// The latest document of any client's request, for the console (as
    /// [`Documents::latest`] does for the client).
    pub async fn latest_for_operator(
        &self,
        id: PaymentRequestId,
        format: DocumentFormat,
        language: DocumentLanguage,
    ) -> Result<DocumentFile, AppError> {
        let request = self
            .store
            .payment_request_by_id(id)
            .await?
            .ok_or_else(AppError::not_found_request)?;
        self.latest_of(&request.owner, id, format, language).await
    }

    /// Issues the receipts of paid requests that are due (the worker's step).
    /// Answers how many it issued.
    ///
    /// A receipt that cannot be issued for a reason that will not go away (it
    /// cannot be rendered, the renderer panicked, the request's data cannot be
    /// read or stored) is parked with its reason, logged once, and the worker
    /// goes on with the next one: a poisoned item must not be retried every
    /// second nor hold up the receipts behind it. A database that cannot be
    /// reached is not the item's fault: the step stops and is retried.
    pub async fn issue_due_receipts(&self) -> Result<usize, StoreError> {
        let due = self.store.receipts_due(50).await?;
        let mut issued: usize = 0;
        for (owner, id) in due {
            match self.issue(&owner, id, Issue::Receipt, "hub").await {
                Ok(Some(_)) => issued = issued.saturating_add(1),
                Ok(None) => {}
                // The storage's failure pauses the worker; it is not the receipt's.
                Err(error) => match error.as_store_unavailable() {
                    Some(failure) => return Err(failure),
                    None => self.park_receipt(&owner, id, &error).await?,
                },
            }
        }
        Ok(issued)
    }

    async fn park_receipt(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        error: &AppError,
    ) -> Result<(), StoreError> {
        // Our own wording (no personal data: rendering errors name fonts and
        // limits, not the payer), bounded for the column and the log line.
        let reason: String = error.to_string().chars().take(PARK_REASON_MAX).collect();
        let audit = AuditEvent {
            at: self.clock.now(),
            actor: "hub".into(),
            request_id: Some(id),
            kind: "document.receipt_parked".into(),
            detail: json!({ "reason": reason }),
        };
        if self.store.park_receipt(owner, id, &reason, &audit).await? {
            tracing::error!(request = %id, %reason, "receipt parked: it cannot be issued");
        }
        Ok(())
    }

    /// The statement entries that settled `request`'s payments, as they are
    /// now (docs/reconciliation.md: at most one per payment, a unique index
    /// says so). A payment no entry settled has none.
    async fn settlements(&self, request: &PaymentRequest) -> Result<Vec<Settlement>, StoreError> {
        let mut settlements = Vec::new();
        for payment in &request.payments {
            let entries = self
                .store
                .statement_entries(&EntryFilter {
                    payment: Some((request.id, payment.sequence)),
                    outcome: Some(Outcome::Settled),
                    limit: 1,
                    ..EntryFilter::default()
                })
                .await?;
            if let Some(entry) = entries.into_iter().next() {
                settlements.push(Settlement {
                    sequence: payment.sequence,
                    // The day getpayments shows too.
                    settled_on: entry.booking_date,
                    reference: entry.account_servicer_reference,
                });
            }
        }
        Ok(settlements)
    }

    /// Renders and stores the next version of `id`'s document. `None` when the
    /// owner has no such request, for a receipt that is not (or no longer)
    /// due, or for a first invoice when the request has a document already.
    async fn issue(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        what: Issue,
        actor: &str,
    ) -> Result<Option<i64>, AppError> {
        self.issue_keyed(owner, id, what, actor, None).await
    }

    /// `issue`, with an idempotency key row committed with the document.
    async fn issue_keyed(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        what: Issue,
        actor: &str,
        key: Option<&NewIdempotencyKey>,
    ) -> Result<Option<i64>, AppError> {
        let first_only = matches!(what, Issue::FirstInvoice);
        let (kind, recipient) = match what {
            Issue::Receipt => (DocumentKind::Receipt, None),
            Issue::FirstInvoice => (DocumentKind::Invoice, None),
            Issue::Invoice(recipient) => (DocumentKind::Invoice, Some(recipient)),
        };
        for _ in 0..ISSUE_ATTEMPTS {
            let Some(state) = self.store.document_state(owner, id).await? else {
                return Ok(None);
            };
            if kind == DocumentKind::Receipt && !state.receipt_due {
                return Ok(None);
            }
            // Two first downloads racing: the loser finds the winner's invoice
            // (its insert got `VersionTaken`) and serves it.
            if first_only && state.latest_version > 0 {
                return Ok(None);
            }
            let Some(request) = self.store.payment_request(owner, id).await? else {
                return Ok(None);
            };
            if kind == DocumentKind::Receipt && request.status != Status::Executed {
                return Err(AppError::Internal(format!(
                    "request {id} has a receipt due but is in status {}",
                    request.status
                )));
            }
            let catalog = self.store.load_catalog().await?.unwrap_or_default();
            let settlements = self.settlements(&request).await?;
            // A field CreateInvoice left out is the payer's.
            let recipient = recipient.clone().map(|(name, code, address)| {
                let payer = payer_as_party(&request);
                Party {
                    name: name.unwrap_or(payer.name),
                    code: code.or(payer.code),
                    address: address.or(payer.address),
                }
            });
            let version = state.latest_version.saturating_add(1);
            let (renderer, issuer, issued_at) = (
                Arc::clone(&self.renderer),
                self.issuer.clone(),
                document_date(self.clock.now(), &request),
            );
            // The content is made on the blocking pool too: a defect there, like
            // one in the renderer, is a panic of that task, which comes back
            // here as an error (the item is poisoned), not a crash of the caller.
            let rendered = tokio::task::spawn_blocking(move || {
                let content = JustificationDocument::issue(
                    kind, version, issued_at, &request, &catalog, &issuer, recipient,
                )
                .with_settlements(&settlements);
                let pdf_lv = renderer.pdf(&content, DocumentLanguage::Latvian)?;
                let pdf_en = renderer.pdf(&content, DocumentLanguage::English)?;
                let xml = renderer.xml(&content)?;
                Ok::<_, String>((content, pdf_lv, pdf_en, xml))
            })
            .await
            .map_err(|e| {
                // The panic's text may quote the document: not into logs or answers.
                let why = if e.is_panic() {
                    "panicked"
                } else {
                    "was cancelled"
                };
                AppError::Internal(format!("document rendering {why}"))
            })?
            .map_err(|e| AppError::Internal(format!("document could not be rendered: {e}")))?;
            let (content, pdf_lv, pdf_en, xml) = rendered;
            let audit = AuditEvent {
                at: content.issued_at,
                actor: actor.to_owned(),
                request_id: Some(id),
                kind: format!("document.{}_issued", kind.as_str()),
                detail: json!({ "number": content.number, "version": content.version }),
            };
            let document = NewDocument {
                owner: owner.clone(),
                content,
                pdf_lv,
                pdf_en,
                xml,
            };
            match self
                .store
                .insert_document_keyed(&document, &audit, key)
                .await?
            {
                DocumentStored::Stored(stored) => return Ok(Some(stored)),
                DocumentStored::NoSuchRequest | DocumentStored::ReceiptNotDue => return Ok(None),
                DocumentStored::VersionTaken => continue,
            }
        }
        Err(AppError::Unavailable(format!(
            "request {id}'s documents are being issued by others; try again"
        )))
    }
}

/// The date a document is issued with: now, but never before the request
/// was created, last changed status, or any of its payments was made. Once the
/// clock is set back, "now" can be earlier than all of these; a receipt dated
/// before the payment it justifies would be wrong on its face
/// (docs/RELIABILITY.md, "Faults").
pub(crate) fn document_date(now: OffsetDateTime, request: &PaymentRequest) -> OffsetDateTime {
    request
        .payments
        .iter()
        .filter_map(|payment| payment.paid_at)
        .chain([request.created_at, request.status_changed_at])
        .fold(now, OffsetDateTime::max)
}
