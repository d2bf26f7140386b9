//! The port of the console's dashboard and reports (docs/dashboard.md):
//! aggregate reads, each one query over indexed columns (migration 0013),
//! grouped by the day of a [`LocalSpan`]'s offset so that the app can count
//! Riga days without the database knowing time zones. Every answer is
//! bounded: rows are per day × provider/service/payee, and the reports'
//! query takes a limit.

use super::StoreError;
use async_trait::async_trait;
use time::OffsetDateTime;

/// A range of instants `[start, end)` in which Riga's offset from UTC is one
/// value: a day of a row is `floor((t + offset) / 86400 s)` — days since
/// 1970-01-01 in that offset, so Riga days when the app splits a range at
/// the summer-time changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSpan {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub offset_seconds: i32,
}

/// Money of one day and one key (a provider code or a service name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidDay {
    /// Days since 1970-01-01 in the span's offset.
    pub day: i64,
    pub key: String,
    pub currency: String,
    pub count: u64,
    pub minor: i64,
}

/// Requests created on one day, and how many of them are paid now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestDay {
    pub day: i64,
    pub created: u64,
    pub paid: u64,
}

/// Attempts started in a range at one provider, by their state now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptTally {
    pub provider: String,
    pub executed: u64,
    pub rejected: u64,
    /// Still started or accepted.
    pub open: u64,
}

/// Executed attempts at one provider whose time from start to confirmation
/// was `seconds` whole seconds (capped at [`CONFIRMATION_CAP_SECONDS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationBucket {
    pub provider: String,
    pub seconds: i64,
    pub count: u64,
}

/// Longer confirmations are counted as this long (a week): the histogram
/// stays bounded however slow a provider was.
pub const CONFIRMATION_CAP_SECONDS: i64 = 7 * 24 * 3600;

/// Notifications created in a range by their state now, and the backlog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotificationHealth {
    pub delivered: u64,
    /// Pending, not yet tried.
    pub waiting: u64,
    /// Pending after at least one failed try.
    pub retrying: u64,
    pub dead: u64,
    /// The oldest pending notification of any time.
    pub oldest_pending: Option<OffsetDateTime>,
}

/// What needs a person, of any time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queues {
    /// Open attempts the status recovery gave up on.
    pub unresolved_attempts: u64,
    /// Statement credits judged refund candidates with no live refund order.
    pub refund_candidates: u64,
    /// Notifications no longer retried.
    pub dead_notifications: u64,
}

/// Paid payments of one day, service and payee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayeeDay {
    pub day: i64,
    pub service: String,
    pub payee_iban: String,
    pub payee_name: String,
    pub currency: String,
    pub count: u64,
    pub minor: i64,
}

#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Paid payments (status E) by the day of `paid_at`, provider and
    /// currency: the same payments as the Treasury report's "expected".
    async fn paid_by_provider(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError>;

    /// Paid requests by the day of `paid_at`, service and currency (their
    /// totals).
    async fn paid_by_service(&self, span: &LocalSpan) -> Result<Vec<PaidDay>, StoreError>;

    /// Requests by the day they were created, with how many are paid.
    async fn requests_by_day(&self, span: &LocalSpan) -> Result<Vec<RequestDay>, StoreError>;

    /// Attempts started in `[start, end)` per provider, by state.
    async fn attempt_tallies(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<AttemptTally>, StoreError>;

    /// Executed attempts started in `[start, end)`: a histogram of whole
    /// seconds from start to confirmation, per provider.
    async fn confirmation_times(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<ConfirmationBucket>, StoreError>;

    /// Notifications created in `[start, end)` by state, and the oldest
    /// pending one of any time.
    async fn notification_health(
        &self,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<NotificationHealth, StoreError>;

    /// The queues that need a person.
    async fn queues(&self) -> Result<Queues, StoreError>;

    /// Paid payments (status E) by day, service, payee and currency, at most
    /// `limit` rows (ordered by day, service, payee).
    async fn paid_by_payee(
        &self,
        span: &LocalSpan,
        limit: u32,
    ) -> Result<Vec<PayeeDay>, StoreError>;
}
