//! Justification documents (INTERFACE.md §5): what a receipt or an invoice for a
//! payment request says, frozen at the moment it is issued. Rendering it as PDF
//! or XML is an adapter's job; this is only the content.

use crate::catalog::Catalog;
use crate::ids::PaymentRequestId;
use crate::money::{Amount, Currency, Quantity};
use crate::request::PaymentRequest;
use crate::status::Status;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Why the document exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Issued by the hub when the request is paid (unless `NoInvoice`).
    Receipt,
    /// Ordered by the client with `CreateInvoice`, for a named recipient.
    Invoice,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::Invoice => "invoice",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "receipt" => Some(DocumentKind::Receipt),
            "invoice" => Some(DocumentKind::Invoice),
            _ => None,
        }
    }
}

/// A person or organisation named on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// Personal code or registration number.
    pub code: Option<String>,
    pub address: Option<String>,
}

/// The hub operator: who issues the document. From configuration.
pub type Issuer = Party;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLine {
    pub position: String,
    pub name: String,
    /// `None` for a line the client gave as an amount.
    pub quantity: Option<Quantity>,
    pub unit_price: Amount,
    pub amount: Amount,
}

/// One transfer to one payee, with its own purpose identifier and outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentPayment {
    pub sequence: u16,
    /// The 34-character identifier bank statement lines are matched with.
    pub purpose_id: String,
    /// The whole payment purpose, identifier first.
    pub purpose: String,
    pub payee_name: String,
    pub payee_registration_number: String,
    pub payee_iban: String,
    pub payee_bic: String,
    pub amount: Amount,
    pub status: Status,
    pub paid_at: Option<OffsetDateTime>,
    /// Name of the provider that took the payment, when known.
    pub provider: Option<String>,
    /// The booking day of the statement entry that settled the payment (the
    /// money is on the Treasury account: docs/reconciliation.md). `None`
    /// while no entry has; documents stored before settlements were shown
    /// have neither field.
    #[serde(default)]
    pub settled_on: Option<Date>,
    /// That entry's account servicer reference (the bank's `AcctSvcrRef`).
    #[serde(default)]
    pub settlement_reference: Option<String>,
    pub lines: Vec<DocumentLine>,
}

impl DocumentPayment {
    /// Whether the document names a settlement of this payment.
    pub fn is_settled(&self) -> bool {
        self.settled_on.is_some()
            || self
                .settlement_reference
                .as_ref()
                .is_some_and(|r| !r.trim().is_empty())
    }
}

/// The statement entry that settled one payment of a request, as the
/// document records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The payment's sequence number within its request.
    pub sequence: u16,
    /// The entry's booking day.
    pub settled_on: Option<Date>,
    /// The entry's account servicer reference, when the bank gave one.
    pub reference: Option<String>,
}

/// Everything a justification document shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JustificationDocument {
    pub kind: DocumentKind,
    /// Printed document number, e.g. `MK-7QX2J9PA-2`: the request number and the version.
    pub number: String,
    /// 1 for the first document of the request, then 2, 3, …
    pub version: u32,
    pub issued_at: OffsetDateTime,
    /// The client's `InvoiceIssueDate`, when it gave one.
    pub invoice_issue_date: Option<OffsetDateTime>,
    pub request_id: PaymentRequestId,
    pub request_number: String,
    pub request_created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub status: Status,
    /// When the request became paid (E).
    pub paid_at: Option<OffsetDateTime>,
    pub issuer: Issuer,
    pub service_provider: Party,
    pub service_name: String,
    pub step_name: String,
    /// The payer from `ClientInfo`, or the recipient `CreateInvoice` named.
    pub recipient: Party,
    pub payments: Vec<DocumentPayment>,
    pub total: Amount,
    pub currency: Currency,
}

impl JustificationDocument {
    /// The content of version `version` of `request`'s document, issued at
    /// `issued_at`. `recipient` overrides the payer (an invoice's Name/Code/Address).
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        kind: DocumentKind,
        version: u32,
        issued_at: OffsetDateTime,
        request: &PaymentRequest,
        catalog: &Catalog,
        issuer: &Issuer,
        recipient: Option<Party>,
    ) -> Self {
        let terms = &request.terms;
        let service_provider = catalog
            .service_providers
            .iter()
            .find(|sp| sp.code == terms.service_provider_code)
            .map(|sp| Party {
                name: sp.name.clone(),
                code: Some(sp.registration_number.clone()).filter(|c| !c.is_empty()),
                address: sp.address.clone(),
            })
            .unwrap_or_else(|| Party {
                name: terms.service_provider_name.clone(),
                code: None,
                address: None,
            });
        let recipient = recipient.unwrap_or_else(|| payer_as_party(request));
        let payments = request
            .payments
            .iter()
            .map(|p| DocumentPayment {
                sequence: p.sequence,
                purpose_id: p.purpose_id.to_string(),
                purpose: p.purpose.clone(),
                payee_name: p.payee.name.clone(),
                payee_registration_number: p.payee.registration_number.clone(),
                payee_iban: p.payee.iban.to_string(),
                payee_bic: p.payee.bic.to_string(),
                amount: p.amount,
                status: p.status,
                paid_at: p.paid_at,
                provider: p.provider.as_ref().map(|code| {
                    catalog
                        .provider(code)
                        .map(|provider| provider.name.clone())
                        .unwrap_or_else(|| code.to_string())
                }),
                settled_on: None,
                settlement_reference: None,
                lines: p
                    .lines
                    .iter()
                    .map(|l| DocumentLine {
                        position: l.position.clone(),
                        name: l.name.clone(),
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                        amount: l.amount,
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        let paid_at = (request.status == Status::Executed)
            .then(|| payments.iter().filter_map(|p| p.paid_at).max())
            .flatten();
        JustificationDocument {
            kind,
            number: document_number(request.number.as_str(), version),
            version,
            issued_at,
            invoice_issue_date: terms.invoice_issue_date,
            request_id: request.id,
            request_number: request.number.to_string(),
            request_created_at: request.created_at,
            expires_at: terms.expires_at,
            status: request.status,
            paid_at,
            issuer: issuer.clone(),
            service_provider,
            service_name: terms.service_name.clone(),
            step_name: terms.step_name.clone(),
            recipient,
            payments,
            total: terms.total,
            currency: terms.currency,
        }
    }

    /// Records on each payment the entry that settled it, as known when the
    /// document is issued; a payment without one is left unsettled. Like
    /// the rest of the content, this is frozen once the document is stored:
    /// a settlement that comes later shows on a later version.
    pub fn with_settlements(mut self, settlements: &[Settlement]) -> Self {
        for payment in &mut self.payments {
            if let Some(settlement) = settlements.iter().find(|s| s.sequence == payment.sequence) {
                payment.settled_on = settlement.settled_on;
                // A blank reference says nothing: it is left out like a missing one.
                payment.settlement_reference = settlement
                    .reference
                    .as_ref()
                    .map(|r| r.trim())
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned);
            }
        }
        self
    }

    /// Every position line of every payment, in payment order.
    pub fn lines(&self) -> impl Iterator<Item = &DocumentLine> {
        self.payments.iter().flat_map(|p| p.lines.iter())
    }
}

/// The payer of `ClientInfo` as a document names them: first name and name
/// together, code, address.
pub fn payer_as_party(request: &PaymentRequest) -> Party {
    let payer = &request.terms.payer;
    let name = [payer.first_name.as_deref(), payer.name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Party {
        name,
        code: payer.code.as_ref().map(|c| c.to_string()),
        address: payer.address.clone(),
    }
}

/// `MK-<request number>-<version>`: unique (request numbers are), stable, and
/// known before the document is stored.
pub fn document_number(request_number: &str, version: u32) -> String {
    format!("MK-{request_number}-{version}")
}
