//! Justification documents (INTERFACE.md §5): issuing receipts and invoices and
//! serving the latest one. Rendering is a port (`DocumentRenderer`); the PDF and
//! XML adapter lives in `maksa-documents`.
//!
//! A document is rendered once, when it is issued, in every form it is served
//! in (PDF in Latvian and English, XML), and stored with its content: what a
//! client downloads later is byte for byte what was issued. Rendering runs on
//! the blocking pool, never on the async threads that answer requests, and
//! never inside a database transaction.

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::AppError;
use crate::payment_requests::parse_id;
use crate::store::{
    AuditEvent, DocumentFileKind, DocumentStored, InvoiceRecipient, NewDocument, Store, StoreError,
};
use maksa_domain::document::{DocumentKind, Issuer, JustificationDocument, Party, payer_as_party};
use maksa_domain::error::{FieldError, ValidationCode, ValidationErrors};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;

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
            .issue(
                &caller.client,
                id,
                DocumentKind::Invoice,
                Some(recipient),
                &caller.client.to_string(),
            )
            .await?
        {
            Some(stored) => Ok(stored),
            None => Err(AppError::not_found_request()),
        }
    }

    /// The latest document of the caller's request. A paid request whose
    /// receipt is due but not yet issued (the worker has not come to it) gets
    /// it now. `NotFound` for another client's request, an unknown one, or one
    /// without any document.
    pub async fn latest(
        &self,
        caller: &Caller,
        id: &str,
        format: DocumentFormat,
        language: DocumentLanguage,
    ) -> Result<DocumentFile, AppError> {
        let id = parse_id(id)?;
        let file = match (format, language) {
            (DocumentFormat::Xml, _) => DocumentFileKind::Xml,
            (DocumentFormat::Pdf, DocumentLanguage::Latvian) => DocumentFileKind::PdfLatvian,
            (DocumentFormat::Pdf, DocumentLanguage::English) => DocumentFileKind::PdfEnglish,
        };
        let state = self
            .store
            .document_state(&caller.client, id)
            .await?
            .ok_or_else(AppError::not_found_request)?;
        if state.receipt_due {
            self.issue(&caller.client, id, DocumentKind::Receipt, None, "hub")
                .await?;
        }
        let stored = self
            .store
            .latest_document(&caller.client, id, file)
            .await?
            .ok_or_else(|| AppError::NotFound {
                message: format!(
                    "payment request {id} has no justification document: one is issued when it is paid (unless NoInvoice was set), or by createinvoice"
                ),
            })?;
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

    /// Issues the receipts of paid requests that are due (the worker's step).
    /// Answers how many it issued.
    pub async fn issue_due_receipts(&self) -> Result<usize, StoreError> {
        let due = self.store.receipts_due(50).await?;
        let mut issued = 0;
        for (owner, id) in due {
            match self
                .issue(&owner, id, DocumentKind::Receipt, None, "hub")
                .await
            {
                Ok(Some(_)) => issued += 1,
                Ok(None) => {}
                Err(AppError::Unavailable(error)) => return Err(StoreError::Unavailable(error)),
                // A document that cannot be rendered stays due; say so, and
                // go on with the others.
                Err(error) => {
                    tracing::error!(request = %id, %error, "receipt could not be issued");
                }
            }
        }
        Ok(issued)
    }

    /// Renders and stores the next version of `id`'s document. `None` when the
    /// owner has no such request, or for a receipt that is not (or no longer)
    /// due. `recipient` is an invoice's (Name, Code, Address).
    async fn issue(
        &self,
        owner: &ClientId,
        id: PaymentRequestId,
        kind: DocumentKind,
        recipient: Option<(Option<String>, Option<String>, Option<String>)>,
        actor: &str,
    ) -> Result<Option<i64>, AppError> {
        for _ in 0..ISSUE_ATTEMPTS {
            let Some(state) = self.store.document_state(owner, id).await? else {
                return Ok(None);
            };
            if kind == DocumentKind::Receipt && !state.receipt_due {
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
            let content = JustificationDocument::issue(
                kind,
                version,
                self.clock.now(),
                &request,
                &catalog,
                &self.issuer,
                recipient,
            );
            let renderer = Arc::clone(&self.renderer);
            let rendered = tokio::task::spawn_blocking(move || {
                let pdf_lv = renderer.pdf(&content, DocumentLanguage::Latvian)?;
                let pdf_en = renderer.pdf(&content, DocumentLanguage::English)?;
                let xml = renderer.xml(&content)?;
                Ok::<_, String>((content, pdf_lv, pdf_en, xml))
            })
            .await
            .map_err(|e| AppError::Internal(format!("document rendering stopped: {e}")))?
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
            match self.store.insert_document(&document, &audit).await? {
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
