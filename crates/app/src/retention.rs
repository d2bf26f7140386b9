//! Retention and erasure of payers' personal data (docs/retention.md).
//!
//! A request's payer (`ClientInfo`: names, personal code or registration
//! number, e-mail, phone, address) is kept while the request is open and for
//! `payer_data_after` (default 365 days) after its final status; then the
//! lifecycle worker pseudonymises it: the names, e-mail, phone and address
//! become [`MARKER`], the code becomes a keyed hash (HMAC-SHA256 under the hub
//! key `payer_pseudonym` in `server_keys`), so one person's requests stay
//! linkable without being readable. The money record (amounts, payees and
//! their IBANs, dates, statuses, identifiers, the Treasury's matching) is not
//! touched. A person may ask for the same now ([`Retention::erase`]) and for
//! everything the hub holds about their code ([`Retention::export`]).
//!
//! Each request is one transaction: its new terms, the workspace's and the
//! payer-message outbox's rows, an erasure-log row and an audit event. Two
//! nodes racing for one request change it once (the store's compare-and-set
//! on "not erased yet"). Personal codes never reach the logs or the audit
//! trail: only the store and the operator's own page see them.

use crate::clock::Clock;
use crate::error::{AppError, ErrorCode};
use crate::hub_key::{HubKey, hex};
use crate::store::prelude::*;
use crate::store::{AuditEvent, ErasureReason, ErasureRecord, PayerErasure, StoreError};
use maksa_domain::codes::ClientCode;
use maksa_domain::request::{PaymentRequest, RequestTerms};
use maksa_domain::status::Status;
use serde_json::{Value, json};
use std::sync::Arc;
use time::Duration;
use time::format_description::well_known::Rfc3339;

/// What replaces a payer's name, first name, e-mail, phone and address.
pub const MARKER: &str = "[dzēsts]";
/// The `server_keys` name of the pseudonyms' key. Never rotated: a new key
/// would make the same person's old and new pseudonyms differ.
const KEY_NAME: &str = "payer_pseudonym";
/// The most requests one export lists (each list; `truncated` says when more exist).
pub const MAX_EXPORT_REQUESTS: u32 = 200;
/// The most requests one `erase` pseudonymises (the rest: run it again).
pub const MAX_ERASE_REQUESTS: u32 = 1000;
/// The longest reason an operator's erasure keeps.
pub const MAX_REASON_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct RetentionSettings {
    /// How long after a request's final status its payer data is kept.
    pub payer_data_after: Duration,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            payer_data_after: Duration::days(365),
        }
    }
}

/// What an erasure on request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureSummary {
    /// Requests pseudonymised now.
    pub erased: usize,
    /// Requests found that another erasure had already changed (a race).
    pub unchanged: usize,
}

pub struct Retention {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: HubKey,
    settings: RetentionSettings,
}

impl Retention {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: RetentionSettings) -> Self {
        Retention {
            key: HubKey::new(KEY_NAME, Arc::clone(&store), Arc::clone(&clock)),
            store,
            clock,
            settings,
        }
    }

    /// Pseudonymises up to `batch` final requests whose retention period ran
    /// out. Answers how many it changed (fewer than `batch`: none are left).
    pub async fn erase_due(&self, batch: u32) -> Result<usize, AppError> {
        let now = self.clock.now();
        let before = now.saturating_sub(self.settings.payer_data_after);
        let due = self.store.requests_due_for_erasure(before, batch).await?;
        let mut erased: usize = 0;
        for id in due {
            let Some(request) = self.store.payment_request_by_id(id).await? else {
                continue;
            };
            if self
                .erase_one(&request, ErasureReason::Retention, "hub", "")
                .await?
            {
                erased = erased.saturating_add(1);
            }
        }
        Ok(erased)
    }

    /// Everything the hub holds about the person with this code, as JSON: the
    /// requests naming them (with their payer fields, payments and payer
    /// messages) and the requests already pseudonymised under their code.
    pub async fn export(&self, code: &str) -> Result<Value, AppError> {
        let code = parse_code(code)?;
        let now = self.clock.now();
        let ids = self
            .store
            .requests_of_payer(code.as_str(), MAX_EXPORT_REQUESTS.saturating_add(1))
            .await?;
        let truncated = ids.len() > MAX_EXPORT_REQUESTS as usize;
        let mut requests = Vec::new();
        for id in ids.into_iter().take(MAX_EXPORT_REQUESTS as usize) {
            let Some(request) = self.store.payment_request_by_id(id).await? else {
                continue;
            };
            let messages = self.store.payer_messages(id).await?;
            requests.push(request_export(&request, &messages));
        }
        let pseudonym = self.pseudonym(&code).await?;
        let erased_ids = self
            .store
            .requests_of_pseudonym(&pseudonym, MAX_EXPORT_REQUESTS.saturating_add(1))
            .await?;
        let erased_truncated = erased_ids.len() > MAX_EXPORT_REQUESTS as usize;
        let mut erased = Vec::new();
        for id in erased_ids.into_iter().take(MAX_EXPORT_REQUESTS as usize) {
            let Some(request) = self.store.payment_request_by_id(id).await? else {
                continue;
            };
            let log = self.store.erasures_of(id).await?;
            erased.push(json!({
                "id": request.id.to_string(),
                "number": request.number.as_str(),
                "status": request.status.letter().to_string(),
                "total_minor": request.terms.total.minor(),
                "currency": request.terms.currency.as_str(),
                "erased": log.iter().map(record_json).collect::<Vec<_>>(),
            }));
        }
        Ok(json!({
            "code": code.as_str(),
            "generated_at": time_text(now),
            "requests": requests,
            "requests_truncated": truncated,
            "pseudonymised_requests": erased,
            "pseudonymised_truncated": erased_truncated,
        }))
    }

    /// Pseudonymises now every request naming this code. Refused, changing
    /// nothing, while any of them is still open (P): an open request's payer
    /// may still pay and get a receipt; the client cancels it, or it expires,
    /// and the erasure is asked again.
    pub async fn erase(
        &self,
        code: &str,
        actor: &str,
        reason: &str,
    ) -> Result<ErasureSummary, AppError> {
        let code = parse_code(code)?;
        let reason: String = maksa_domain::text::bounded(reason.trim(), MAX_REASON_CHARS)
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if reason.is_empty() {
            return Err(AppError::BadInput {
                code: ErrorCode::MissingField,
                message: "say why the data is erased (the person's request, its date)".into(),
            });
        }
        let ids = self
            .store
            .requests_of_payer(code.as_str(), MAX_ERASE_REQUESTS)
            .await?;
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(request) = self.store.payment_request_by_id(id).await? {
                requests.push(request);
            }
        }
        let open = requests
            .iter()
            .filter(|r| r.status == Status::InProcess)
            .count();
        if open > 0 {
            return Err(AppError::Conflict {
                code: ErrorCode::InvalidStatusTransition,
                message: format!(
                    "{open} of this person's requests are still open (P): erase after they are paid, expired or cancelled"
                ),
            });
        }
        let mut summary = ErasureSummary {
            erased: 0,
            unchanged: 0,
        };
        for request in &requests {
            if self
                .erase_one(request, ErasureReason::Request, actor, &reason)
                .await?
            {
                summary.erased = summary.erased.saturating_add(1);
            } else {
                summary.unchanged = summary.unchanged.saturating_add(1);
            }
        }
        Ok(summary)
    }

    /// The erasure log, newest first, a page of `limit` rows below `before`.
    pub async fn erasure_log(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ErasureRecord>, AppError> {
        Ok(self.store.erasure_log(before, limit.clamp(1, 200)).await?)
    }

    /// The keyed hash a code is replaced by.
    pub async fn pseudonym(&self, code: &ClientCode) -> Result<String, AppError> {
        let key = self.key.get().await?;
        let tag = ring::hmac::sign(
            key,
            format!("maksa payer pseudonym\0{}", code.as_str()).as_bytes(),
        );
        Ok(hex(tag.as_ref()))
    }

    /// One request, one transaction; `false` when it was erased already (or
    /// is open after all: the store checks that too).
    async fn erase_one(
        &self,
        request: &PaymentRequest,
        reason: ErasureReason,
        actor: &str,
        note: &str,
    ) -> Result<bool, AppError> {
        if request.status == Status::InProcess {
            return Ok(false);
        }
        let pseudonym = match &request.terms.payer.code {
            Some(code) => Some(self.pseudonym(code).await?),
            None => None,
        };
        let at = self.clock.now();
        let erasure = PayerErasure {
            request: request.id,
            terms: pseudonymised(&request.terms),
            pseudonym,
            marker: MARKER.to_owned(),
            reason,
            actor: actor.to_owned(),
            note: note.to_owned(),
            at,
        };
        let audit = AuditEvent {
            at,
            actor: actor.to_owned(),
            request_id: Some(request.id),
            kind: "payer_data.erased".into(),
            detail: json!({
                "reason": reason.as_str(),
                "note": note,
                "before": { "payer_fields": present_fields(&request.terms) },
                "after": { "payer_fields": "pseudonymised" },
            }),
        };
        let mut work = self.store.begin().await?;
        if !work.erase_payer_data(&erasure).await? {
            // Dropped without commit: nothing was written.
            return Ok(false);
        }
        work.append_audit(&audit).await?;
        work.commit().await?;
        Ok(true)
    }

    /// Runs [`Self::erase_due`] until nothing is due, at most `rounds` batches.
    pub async fn erase_all_due(&self, batch: u32, rounds: u32) -> Result<usize, StoreError> {
        let mut total: usize = 0;
        for _ in 0..rounds {
            let done = self.erase_due(batch).await.map_err(|error| {
                error
                    .as_store_unavailable()
                    .unwrap_or_else(|| StoreError::Corrupt(error.to_string()))
            })?;
            total = total.saturating_add(done);
            if done < batch as usize {
                break;
            }
        }
        Ok(total)
    }
}

fn parse_code(code: &str) -> Result<ClientCode, AppError> {
    ClientCode::parse(code).map_err(|_| AppError::BadInput {
        code: ErrorCode::InvalidClientCode,
        message: "the personal code must be 11 digits, optionally written DDMMYY-NNNNN".into(),
    })
}

/// The terms with every personal field of the payer replaced; the rest as it was.
pub fn pseudonymised(terms: &RequestTerms) -> RequestTerms {
    let mut terms = terms.clone();
    let payer = &mut terms.payer;
    for field in [
        &mut payer.name,
        &mut payer.first_name,
        &mut payer.email,
        &mut payer.phone,
        &mut payer.address,
    ] {
        if field.is_some() {
            *field = Some(MARKER.to_owned());
        }
    }
    payer.code = None;
    terms
}

/// Which personal fields the payer had (names only, never values).
fn present_fields(terms: &RequestTerms) -> Vec<&'static str> {
    let payer = &terms.payer;
    [
        ("name", payer.name.is_some()),
        ("first_name", payer.first_name.is_some()),
        ("code", payer.code.is_some()),
        ("email", payer.email.is_some()),
        ("phone", payer.phone.is_some()),
        ("address", payer.address.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect()
}

fn time_text(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn request_export(request: &PaymentRequest, messages: &[crate::store::PayerMessage]) -> Value {
    let payer = &request.terms.payer;
    json!({
        "id": request.id.to_string(),
        "number": request.number.as_str(),
        "client": request.owner.as_str(),
        "service": request.terms.service_name,
        "status": request.status.letter().to_string(),
        "created_at": time_text(request.created_at),
        "status_changed_at": time_text(request.status_changed_at),
        "total_minor": request.terms.total.minor(),
        "currency": request.terms.currency.as_str(),
        "payer": {
            "name": payer.name,
            "first_name": payer.first_name,
            "code": payer.code.as_ref().map(|c| c.as_str().to_owned()),
            "email": payer.email,
            "phone": payer.phone,
            "address": payer.address,
        },
        "payments": request.payments.iter().map(|p| json!({
            "sequence": p.sequence,
            "purpose_id": p.purpose_id.to_string(),
            "payee": p.payee.name,
            "amount_minor": p.amount.minor(),
            "status": p.status.letter().to_string(),
            "paid_at": p.paid_at.map(time_text),
        })).collect::<Vec<_>>(),
        "payer_messages": messages.iter().map(|m| json!({
            "kind": m.kind.as_str(),
            "recipient": m.recipient,
            "state": m.state.as_str(),
            "created_at": time_text(m.created_at),
            "sent_at": m.sent_at.map(time_text),
        })).collect::<Vec<_>>(),
    })
}

fn record_json(record: &ErasureRecord) -> Value {
    json!({
        "at": time_text(record.at),
        "reason": record.reason.as_str(),
        "actor": record.actor,
    })
}

/// The `before` of the erasure log's next page, when this page was full.
pub fn next_page(records: &[ErasureRecord], limit: u32) -> Option<i64> {
    if records.len() >= limit as usize {
        records.last().map(|r| r.id)
    } else {
        None
    }
}
