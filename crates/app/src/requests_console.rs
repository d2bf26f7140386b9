//! The console's payment requests (docs/console-requests.md): the search
//! across every client, one request's page with its whole history on one
//! timeline, and the operator's actions on it — re-send a notification, ask
//! the provider for the status now, cancel, issue a document. Each action is
//! the same use case the other doors call, with the operator as actor
//! (`operator:<name>`) and its audit event.

use crate::clock::Clock;
use crate::documents::Documents;
use crate::error::{AppError, ErrorCode};
use crate::payer::Payer;
use crate::payment_requests::PaymentRequests;
use crate::store::prelude::*;
use crate::store::{
    AuditEvent, ConsoleFilter, ConsoleRequest, DeliveryAttempt, EntryFilter, NewNotification,
    Notification, PaymentOrder,
};
use crate::workflows::Workflows;
use maksa_domain::attempt::{Attempt, AttemptState};
use maksa_domain::codes::{ClientCode, ProviderCode};
use maksa_domain::document::DocumentKind;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::money::Amount;
use maksa_domain::payment_order::OrderState;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;

/// Requests on one page of the search.
pub const PAGE_SIZE: u32 = 50;
/// The most entries a request's timeline shows (the oldest first).
pub const TIMELINE_MAX: usize = 500;
/// The longest value of a text filter, in characters.
pub const FILTER_MAX_CHARS: usize = 64;
/// The most statement entries a payment's part of the timeline shows.
const ENTRIES_PER_PAYMENT: u32 = 20;
/// The longest detail a timeline entry shows, in characters.
const DETAIL_MAX_CHARS: usize = 300;

/// The search form's fields (the page's query string), in the form's order.
pub const FILTER_FIELDS: [&str; 14] = [
    "client",
    "status",
    "from",
    "till",
    "service",
    "step",
    "provider",
    "amount_from",
    "amount_till",
    "payer",
    "number",
    "id",
    "purpose",
    "before",
];

/// Why a filter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterProblem {
    /// Longer than [`FILTER_MAX_CHARS`].
    TooLong,
    /// Not a client id (letters, digits, `.`, `-`, `_`).
    NotAClient,
    /// Not one of P, E, R, O, C.
    NotAStatus,
    /// Not a day `YYYY-MM-DD` between 2000 and 2200.
    NotADate,
    /// Not an amount such as `12.34`.
    NotAnAmount,
    /// Not a provider code.
    NotAProvider,
    /// Not a personal code or registration number (11 digits, `DDMMYY-NNNNN`).
    NotAPayerCode,
    /// Not a request number (letters, digits and `-`).
    NotANumber,
    /// Not a request id (a GUID).
    NotAnId,
    /// Not a 34-character payment identifier.
    NotAPurposeId,
    /// Not a text of letters, digits, `-`, `_`, `.`.
    NotACode,
    /// The upper bound lies before the lower one.
    Reversed,
    /// Not a page marker this page gave.
    NotACursor,
}

/// A refused filter: which field, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterError {
    pub field: &'static str,
    pub problem: FilterProblem,
}

/// The search's filter from the form's fields (`field(name)` answers a
/// field's value; empty ones count as absent). Every value is bounded and
/// checked; the first refused one is answered.
pub fn parse_filter<'a>(
    field: impl Fn(&str) -> Option<&'a str>,
) -> Result<ConsoleFilter, FilterError> {
    let value = |name: &'static str| -> Result<Option<&'a str>, FilterError> {
        match field(name).map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) if v.chars().count() > FILTER_MAX_CHARS => Err(FilterError {
                field: name,
                problem: FilterProblem::TooLong,
            }),
            other => Ok(other),
        }
    };
    let refused = |field: &'static str, problem: FilterProblem| FilterError { field, problem };
    // A catalogue code: letters, digits, `-`, `_`, `.`.
    let code = |name: &'static str| -> Result<Option<String>, FilterError> {
        value(name)?
            .map(|text| {
                text.chars()
                    .all(|c| c.is_alphanumeric() || "-_.".contains(c))
                    .then(|| text.to_owned())
                    .ok_or(refused(name, FilterProblem::NotACode))
            })
            .transpose()
    };
    let mut filter = ConsoleFilter {
        limit: PAGE_SIZE,
        ..ConsoleFilter::default()
    };
    filter.client = value("client")?
        .map(|v| ClientId::parse(v).ok_or(refused("client", FilterProblem::NotAClient)))
        .transpose()?;
    filter.status = value("status")?
        .map(|v| {
            Status::from_letter(&v.to_ascii_uppercase())
                .ok_or(refused("status", FilterProblem::NotAStatus))
        })
        .transpose()?;
    filter.created_from = value("from")?
        .map(|v| riga_day_start(v, 0).ok_or(refused("from", FilterProblem::NotADate)))
        .transpose()?;
    filter.created_till = value("till")?
        .map(|v| riga_day_start(v, 1).ok_or(refused("till", FilterProblem::NotADate)))
        .transpose()?;
    if let (Some(from), Some(till)) = (filter.created_from, filter.created_till)
        && till <= from
    {
        return Err(refused("till", FilterProblem::Reversed));
    }
    filter.service_code = code("service")?;
    filter.service_step = code("step")?;
    filter.provider = value("provider")?
        .map(|v| {
            ProviderCode::parse(&v.to_ascii_uppercase())
                .ok_or(refused("provider", FilterProblem::NotAProvider))
        })
        .transpose()?;
    filter.amount_from = value("amount_from")?
        .map(|v| Amount::parse(v).map_err(|_| refused("amount_from", FilterProblem::NotAnAmount)))
        .transpose()?;
    filter.amount_till = value("amount_till")?
        .map(|v| Amount::parse(v).map_err(|_| refused("amount_till", FilterProblem::NotAnAmount)))
        .transpose()?;
    if let (Some(from), Some(till)) = (filter.amount_from, filter.amount_till)
        && till.minor() < from.minor()
    {
        return Err(refused("amount_till", FilterProblem::Reversed));
    }
    filter.payer_code = value("payer")?
        .map(|v| {
            ClientCode::parse(v)
                .map(|c| c.as_str().to_owned())
                .map_err(|_| refused("payer", FilterProblem::NotAPayerCode))
        })
        .transpose()?;
    filter.number = value("number")?
        .map(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
                .then(|| v.to_ascii_uppercase())
                .ok_or(refused("number", FilterProblem::NotANumber))
        })
        .transpose()?;
    filter.id = value("id")?
        .map(|v| PaymentRequestId::parse(v).ok_or(refused("id", FilterProblem::NotAnId)))
        .transpose()?;
    filter.purpose_id = value("purpose")?
        .map(|v| {
            let v = v.to_ascii_uppercase();
            (v.len() == 34 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
                .then_some(v)
                .ok_or(refused("purpose", FilterProblem::NotAPurposeId))
        })
        .transpose()?;
    filter.before = value("before")?
        .map(|v| parse_cursor(v).ok_or(refused("before", FilterProblem::NotACursor)))
        .transpose()?;
    Ok(filter)
}

/// The start of day `text` (`YYYY-MM-DD`) plus `days_after` days, in Riga.
fn riga_day_start(text: &str, days_after: i64) -> Option<OffsetDateTime> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(2000..=2200).contains(&year) {
        return None;
    }
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day)
        .ok()?
        .checked_add(time::Duration::days(days_after))?;
    maksa_domain::datetime::riga_local_to_utc(date.midnight())
}

/// The page marker of the request after which the next page starts.
pub fn cursor_of(request: &ConsoleRequest) -> String {
    let micros = request
        .summary
        .created_at
        .unix_timestamp_nanos()
        .div_euclid(1000);
    format!("{micros}_{}", request.summary.id)
}

fn parse_cursor(text: &str) -> Option<(OffsetDateTime, PaymentRequestId)> {
    let (micros, id) = text.split_once('_')?;
    let micros: i64 = micros.parse().ok()?;
    let at =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros).checked_mul(1000)?).ok()?;
    Some((at, PaymentRequestId::parse(id)?))
}

/// One thing that happened to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: OffsetDateTime,
    /// What, as a code: an audit event's kind (`payment_request.created`,
    /// `payment.provider_message_refused`, …), `attempt.<state>`,
    /// `status.<letter>`, `notification.queued`, `notification.delivery`,
    /// `card.reversed`, `treasury.settled`.
    pub what: String,
    /// Who: a client id, `operator:<name>`, a provider code, `hub`.
    pub actor: String,
    /// Bounded details ([`DETAIL_MAX_CHARS`]).
    pub details: String,
}

/// A request's page.
#[derive(Debug, Clone)]
pub struct RequestPage {
    pub request: PaymentRequest,
    pub attempts: Vec<Attempt>,
    pub notifications: Vec<(Notification, Vec<DeliveryAttempt>)>,
    /// Oldest first, at most [`TIMELINE_MAX`].
    pub timeline: Vec<TimelineEntry>,
    /// How many entries there were, when more than [`TIMELINE_MAX`].
    pub cut_from: Option<usize>,
}

/// What the provider said when asked for the status now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAnswer {
    /// It had an outcome, which was taken in: the attempt's state now.
    Settled(AttemptState),
    /// It has no outcome yet.
    NoAnswer,
    /// It could not be reached.
    Unavailable,
    /// Its answer did not verify (recorded like any refused message).
    Refused,
    /// The hub has no connector for it.
    NoConnector,
}

/// The document an operator issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    Receipt,
    Invoice,
}

/// The console's requests service.
pub struct RequestsConsole {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    payer: Arc<Payer>,
    documents: Arc<Documents>,
    requests: Arc<PaymentRequests>,
}

impl RequestsConsole {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        payer: Arc<Payer>,
        documents: Arc<Documents>,
        requests: Arc<PaymentRequests>,
    ) -> Self {
        RequestsConsole {
            store,
            clock,
            payer,
            documents,
            requests,
        }
    }

    /// One page of the search; the filter comes from [`parse_filter`].
    pub async fn search(&self, filter: &ConsoleFilter) -> Result<Vec<ConsoleRequest>, AppError> {
        let mut filter = filter.clone();
        filter.limit = filter.limit.clamp(1, PAGE_SIZE);
        Ok(self.store.search_requests(&filter).await?)
    }

    async fn request(&self, id: PaymentRequestId) -> Result<PaymentRequest, AppError> {
        self.store
            .payment_request_by_id(id)
            .await?
            .ok_or_else(AppError::not_found_request)
    }

    /// A request with its attempts, notifications and whole timeline.
    pub async fn page(&self, id: PaymentRequestId) -> Result<RequestPage, AppError> {
        let request = self.request(id).await?;
        let attempts = self.store.attempts_of(id).await?;
        let notifications = self.store.notification_log(&request.owner, id).await?;
        let mut timeline = Vec::new();
        for event in self.store.audit_events(id).await? {
            timeline.push(TimelineEntry {
                at: event.at,
                what: event.kind,
                actor: event.actor,
                details: bounded(&event.detail.to_string()),
            });
        }
        for attempt in &attempts {
            if matches!(
                attempt.state,
                AttemptState::Executed | AttemptState::Rejected
            ) {
                timeline.push(TimelineEntry {
                    at: attempt.updated_at,
                    what: format!("attempt.{}", attempt.state.as_str()),
                    actor: attempt.provider.to_string(),
                    details: bounded(&format!(
                        "attempt {} of payment {}: {} {}{}",
                        attempt.id,
                        attempt.sequence,
                        attempt.amount,
                        attempt.currency.as_str(),
                        attempt
                            .external_id
                            .as_ref()
                            .map(|e| format!(", provider's id {e}"))
                            .unwrap_or_default()
                    )),
                });
            }
            if attempt.state == AttemptState::Executed
                && let Some(reversal) = self.store.card_reversal(attempt.id).await?
            {
                timeline.push(TimelineEntry {
                    at: reversal.reversed_at,
                    what: "card.reversed".into(),
                    actor: reversal.approved_by.clone(),
                    details: bounded(&format!(
                        "attempt {}: {} {}",
                        attempt.id,
                        reversal.amount,
                        reversal.currency.as_str()
                    )),
                });
            }
        }
        if request.status != Status::InProcess {
            timeline.push(TimelineEntry {
                at: request.status_changed_at,
                what: format!("status.{}", request.status.letter()),
                actor: "hub".into(),
                details: format!("status {}", request.status.letter()),
            });
        }
        for (notification, deliveries) in &notifications {
            timeline.push(TimelineEntry {
                at: notification.created_at,
                what: "notification.queued".into(),
                actor: "hub".into(),
                details: bounded(&format!(
                    "{} ({}) announcing status {}: {}",
                    notification.id,
                    notification.kind.as_str(),
                    notification.status.letter(),
                    notification.state.as_str()
                )),
            });
            for delivery in deliveries {
                let answer = delivery
                    .http_status
                    .map(|s| format!("HTTP {s}"))
                    .unwrap_or_else(|| "no answer".into());
                timeline.push(TimelineEntry {
                    at: delivery.at,
                    what: "notification.delivery".into(),
                    actor: "hub".into(),
                    details: bounded(&format!(
                        "{}: {answer}, {} ms{}",
                        notification.id,
                        delivery.latency_ms,
                        delivery
                            .error
                            .as_ref()
                            .map(|e| format!(", {e}"))
                            .unwrap_or_default()
                    )),
                });
            }
        }
        for payment in &request.payments {
            // Every entry matched to the payment — the one that settled it and
            // any short, over, misdirected or late credit — with the order
            // paying money back, when one was made.
            let entries = self
                .store
                .statement_entries(&EntryFilter {
                    payment: Some((id, payment.sequence)),
                    limit: ENTRIES_PER_PAYMENT,
                    ..EntryFilter::default()
                })
                .await?;
            for entry in entries {
                timeline.push(TimelineEntry {
                    at: entry.imported_at,
                    what: format!("treasury.{}", entry.outcome.as_str()),
                    actor: "treasury".into(),
                    details: bounded(&format!(
                        "payment {}: entry {} of statement {}, booked {}, {} {}",
                        payment.sequence,
                        entry.id,
                        entry.statement_id,
                        entry
                            .booking_date
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        entry.amount,
                        entry.currency
                    )),
                });
                if let Some(order) = self.store.order_of_entry(entry.id).await? {
                    timeline.extend(order_entries(&order, entry.id));
                }
            }
        }
        // Stable: entries at one instant keep the order they were gathered in.
        timeline.sort_by_key(|entry| entry.at);
        let cut_from = (timeline.len() > TIMELINE_MAX).then_some(timeline.len());
        timeline.truncate(TIMELINE_MAX);
        Ok(RequestPage {
            request,
            attempts,
            notifications,
            timeline,
            cut_from,
        })
    }

    /// Re-sends a notification of the request: a new outbox row announcing
    /// the same status to the same address (a new event id), due now, with
    /// the audit event, in one transaction. Answers the new event id.
    pub async fn resend(
        &self,
        id: PaymentRequestId,
        notification: uuid::Uuid,
        actor: &str,
    ) -> Result<uuid::Uuid, AppError> {
        let request = self.request(id).await?;
        let log = self.store.notification_log(&request.owner, id).await?;
        let Some((original, _)) = log.iter().find(|(n, _)| n.id == notification) else {
            return Err(AppError::NotFound {
                message: "the request has no such notification".into(),
            });
        };
        let now = self.clock.now();
        let mut random = [0_u8; 10];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut random);
        let copy = NewNotification {
            id: maksa_domain::ids::time_ordered_uuid(now, random),
            kind: original.kind,
            request_id: id,
            client: original.client.clone(),
            url: original.url.clone(),
            status: original.status,
            created_at: now,
        };
        let audit = AuditEvent {
            at: now,
            actor: actor.to_owned(),
            request_id: Some(id),
            kind: "notification.resent".into(),
            detail: json!({
                "notification": original.id.to_string(),
                "before": { "state": original.state.as_str() },
                "after": { "resent_as": copy.id.to_string(), "state": "pending" },
            }),
        };
        let mut work = self.store.begin().await?;
        work.append_notification(&copy).await?;
        work.append_audit(&audit).await?;
        work.commit().await?;
        self.payer.wake_handle().notify_one();
        Ok(copy.id)
    }

    /// Asks the provider of the request's open attempt for its status now
    /// (the recovery worker's query), takes in what it says, and records the
    /// operator's question with the attempt's state before and after.
    pub async fn ask_status(
        &self,
        id: PaymentRequestId,
        actor: &str,
    ) -> Result<StatusAnswer, AppError> {
        self.request(id).await?;
        let open = self
            .store
            .attempts_of(id)
            .await?
            .into_iter()
            .rev()
            .find(|a| matches!(a.state, AttemptState::Started | AttemptState::Accepted));
        let Some(attempt) = open else {
            return Err(AppError::Conflict {
                code: ErrorCode::InvalidStatusTransition,
                message: "the request has no open attempt at a provider".into(),
            });
        };
        let answer = if self.payer.connectors().get(&attempt.provider).is_none() {
            StatusAnswer::NoConnector
        } else {
            match self.payer.recover(&attempt).await {
                Ok(true) => StatusAnswer::Settled(attempt.state),
                Ok(false) => StatusAnswer::NoAnswer,
                Err(error)
                    if error.is_unavailable() || error.code() == ErrorCode::ProviderUnavailable =>
                {
                    StatusAnswer::Unavailable
                }
                Err(AppError::Internal(error)) => return Err(AppError::Internal(error)),
                Err(_) => StatusAnswer::Refused,
            }
        };
        let after = self
            .store
            .attempt(attempt.id)
            .await?
            .map_or(attempt.state, |a| a.state);
        let answer = match answer {
            StatusAnswer::Settled(_) => StatusAnswer::Settled(after),
            other => other,
        };
        let audit = AuditEvent {
            at: self.clock.now(),
            actor: actor.to_owned(),
            request_id: Some(id),
            kind: "payment.status_asked".into(),
            detail: json!({
                "attempt": attempt.id.to_string(),
                "provider": attempt.provider.as_str(),
                "answer": answer_code(answer),
                "before": { "state": attempt.state.as_str() },
                "after": { "state": after.as_str() },
            }),
        };
        self.store.record_event(&audit).await?;
        Ok(answer)
    }

    /// Cancels the request as the client's cancel does, by the operator
    /// (refused when its status does not allow it); answers the new status.
    pub async fn cancel(&self, id: PaymentRequestId, actor: &str) -> Result<Status, AppError> {
        self.requests.cancel_by_operator(id, actor).await
    }

    /// Issues the request's receipt (only when one is due: the request is
    /// paid and its receipt not issued yet) or a new invoice to the payer.
    pub async fn issue(
        &self,
        id: PaymentRequestId,
        kind: IssueKind,
        actor: &str,
    ) -> Result<i64, AppError> {
        let request = self.request(id).await?;
        let kind = match kind {
            IssueKind::Receipt => DocumentKind::Receipt,
            IssueKind::Invoice => DocumentKind::Invoice,
        };
        self.documents
            .issue_by_operator(&request.owner, id, kind, actor)
            .await?
            .ok_or_else(|| AppError::Conflict {
                code: ErrorCode::InvalidStatusTransition,
                message: "no receipt is due: the request is not paid, or its receipt was issued"
                    .into(),
            })
    }
}

/// A [`StatusAnswer`] as the audit event and the page's notice name it.
pub fn answer_code(answer: StatusAnswer) -> &'static str {
    match answer {
        StatusAnswer::Settled(AttemptState::Executed) => "executed",
        StatusAnswer::Settled(AttemptState::Rejected) => "rejected",
        StatusAnswer::Settled(_) => "accepted",
        StatusAnswer::NoAnswer => "no-answer",
        StatusAnswer::Unavailable => "unavailable",
        StatusAnswer::Refused => "refused",
        StatusAnswer::NoConnector => "no-connector",
    }
}

fn bounded(text: &str) -> String {
    maksa_domain::text::bounded(text, DETAIL_MAX_CHARS).into_owned()
}

/// A refund order's steps on the timeline: proposed, approved (by whom),
/// and where it is now when it went further.
fn order_entries(order: &PaymentOrder, entry_id: i64) -> Vec<TimelineEntry> {
    let details = bounded(&format!(
        "order {} ({}) for entry {entry_id}: {} {} to {} {}",
        order.id,
        order.end_to_end_id,
        order.amount,
        order.currency,
        order.creditor_name,
        order.creditor_iban
    ));
    let mut steps = vec![TimelineEntry {
        at: order.proposed_at,
        what: "treasury.order_proposed".into(),
        actor: order.proposed_by.clone(),
        details: details.clone(),
    }];
    if let (Some(by), Some(at)) = (&order.approved_by, order.approved_at) {
        steps.push(TimelineEntry {
            at,
            what: "treasury.order_approved".into(),
            actor: by.clone(),
            details: details.clone(),
        });
    }
    if !matches!(order.state, OrderState::Proposed | OrderState::Approved) {
        steps.push(TimelineEntry {
            at: order.updated_at,
            what: format!("treasury.order_{}", order.state.as_str()),
            actor: "treasury".into(),
            details,
        });
    }
    steps
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn filter(fields: &[(&str, &str)]) -> Result<ConsoleFilter, FilterError> {
        let map: HashMap<String, String> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_filter(|name| map.get(name).map(String::as_str))
    }

    #[test]
    fn filters_are_read_and_bounded() {
        let f = filter(&[
            ("status", "e"),
            ("payer", "010190-12345"),
            ("from", "2026-11-01"),
            ("till", "2026-11-30"),
            ("amount_from", "1.00"),
            ("provider", "demo0000"),
        ])
        .unwrap();
        assert_eq!(f.status, Some(Status::Executed));
        assert_eq!(f.payer_code.as_deref(), Some("01019012345"));
        assert!(f.created_from.unwrap() < f.created_till.unwrap());
        assert_eq!(f.amount_from.unwrap().minor(), 100);
        assert_eq!(f.limit, PAGE_SIZE);
        let refused = |fields: &[(&str, &str)]| filter(fields).unwrap_err();
        assert_eq!(
            refused(&[("status", "X")]).problem,
            FilterProblem::NotAStatus
        );
        assert_eq!(refused(&[("from", "2026-13-01")]).field, "from");
        assert_eq!(
            refused(&[("from", "2026-11-02"), ("till", "2026-11-01")]).problem,
            FilterProblem::Reversed
        );
        assert_eq!(
            refused(&[("payer", "12345")]).problem,
            FilterProblem::NotAPayerCode
        );
        assert_eq!(
            refused(&[("number", &"A".repeat(65))]).problem,
            FilterProblem::TooLong
        );
        assert_eq!(
            refused(&[("before", "x_y")]).problem,
            FilterProblem::NotACursor
        );
        assert_eq!(
            refused(&[("service", "a b")]).problem,
            FilterProblem::NotACode
        );
    }

    #[test]
    fn a_cursor_reads_back() {
        let at = time::macros::datetime!(2026-11-30 12:00:00.123456 UTC);
        let id = PaymentRequestId::parse("05ae69d8-2be1-4a63-ae93-9d0e42e254f1").unwrap();
        let text = format!("{}_{id}", at.unix_timestamp_nanos() / 1000);
        assert_eq!(parse_cursor(&text), Some((at, id)));
    }
}
