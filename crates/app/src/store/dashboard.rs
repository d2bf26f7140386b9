//! The port of the console's dashboard and reports (docs/dashboard.md):
//! aggregate reads grouped by the day of a [`LocalSpan`]'s offset so that the
//! app can count Riga days without the database knowing time zones. Every
//! answer is bounded: rows are per day × provider/service/payee, and the
//! reports' query takes a limit.
//!
//! The dashboard's panels read a roll-up (migration 0018): counters per UTC
//! hour (requests, paid requests, paid payments) or per *piece* (attempts,
//! notifications: a day at UTC+3 cut at 01:00, so that every Riga midnight,
//! 21:00 or 22:00 UTC, is a piece's start), kept by database triggers on
//! every insert and update of the rows they count.
//! [`DashboardStore::counted_from_rows`] answers the same questions from the rows
//! themselves: the truth the roll-up is tested against, and what the roll-up
//! falls back to for bounds that are not on its grid.

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
/// fell in the bucket starting at `seconds` ([`confirmation_bucket`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationBucket {
    pub provider: String,
    pub seconds: i64,
    pub count: u64,
}

/// Longer confirmations are counted as this long (a week): the histogram
/// stays bounded however slow a provider was.
pub const CONFIRMATION_CAP_SECONDS: i64 = 7 * 24 * 3600;

/// The bucket of a confirmation that took `seconds` (whole seconds, as the
/// database truncates them): the bucket's first second. Whole seconds below
/// a minute, then 10 seconds below 10 minutes, minutes below an hour,
/// quarter hours below a day, hours below a week; a week or longer is
/// [`CONFIRMATION_CAP_SECONDS`]. The roll-up's triggers compute the same in
/// SQL (migration 0018); the store suite checks the two agree.
pub fn confirmation_bucket(seconds: i64) -> i64 {
    let s = seconds.clamp(0, CONFIRMATION_CAP_SECONDS);
    let step = match s {
        0..60 => 1,
        60..600 => 10,
        600..3600 => 60,
        3600..86_400 => 900,
        86_400..CONFIRMATION_CAP_SECONDS => 3600,
        _ => return CONFIRMATION_CAP_SECONDS,
    };
    s.saturating_sub(s.rem_euclid(step))
}

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

    /// Executed attempts started in `[start, end)`: a histogram of the time
    /// from start to confirmation in [`confirmation_bucket`]s, per provider.
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
    /// `limit` rows (ordered by day, service, payee). Read from the payments
    /// themselves, not the roll-up.
    async fn paid_by_payee(
        &self,
        span: &LocalSpan,
        limit: u32,
    ) -> Result<Vec<PayeeDay>, StoreError>;

    /// The same answers counted from the rows themselves (aggregate queries
    /// over `payment_requests`, `payments`, `attempts`, `notifications`),
    /// never from the roll-up: what the roll-up must equal.
    fn counted_from_rows(&self) -> Box<dyn DashboardStore + '_>;
}

/// A histogram of whole seconds (as counted from the rows) in
/// [`confirmation_bucket`]s, ordered by provider and bucket.
pub fn in_buckets(whole_seconds: Vec<ConfirmationBucket>) -> Vec<ConfirmationBucket> {
    let mut merged: std::collections::BTreeMap<(String, i64), u64> =
        std::collections::BTreeMap::new();
    for row in whole_seconds {
        let n = merged
            .entry((row.provider, confirmation_bucket(row.seconds)))
            .or_default();
        *n = n.saturating_add(row.count);
    }
    merged
        .into_iter()
        .map(|((provider, seconds), count)| ConfirmationBucket {
            provider,
            seconds,
            count,
        })
        .collect()
}

/// An instant's UTC hour (hours since 1970), when it is on a whole hour:
/// the roll-up's grain for the per-day panels. `None` off the grid.
pub fn rollup_hour(at: OffsetDateTime) -> Option<i64> {
    let seconds = at.unix_timestamp();
    (at.nanosecond() == 0 && seconds.rem_euclid(3600) == 0).then(|| seconds.div_euclid(3600))
}

/// The piece an instant starts, when it is at 21:00 or 22:00 UTC (a Riga
/// midnight in summer or winter): piece `2d` is 21:00–22:00 UTC before the
/// day `d` at UTC+3 (days since 1970), `2d + 1` the 23 hours after. The
/// roll-up's grain for the panels of a whole range. `None` off the grid.
pub fn rollup_piece(at: OffsetDateTime) -> Option<i64> {
    let shifted = at.unix_timestamp().checked_add(10_800)?;
    let day = shifted.div_euclid(86_400);
    let within = shifted.rem_euclid(86_400);
    if at.nanosecond() != 0 {
        return None;
    }
    match within {
        0 => day.checked_mul(2),
        3600 => day.checked_mul(2)?.checked_add(1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn buckets_narrow_to_seconds_and_widen_with_the_time() {
        let cases = [
            (-5, 0),
            (0, 0),
            (59, 59),
            (60, 60),
            (69, 60),
            (599, 590),
            (600, 600),
            (3599, 3540),
            (3600, 3600),
            (4499, 3600),
            (4500, 4500),
            (86_399, 85_500),
            (86_400, 86_400),
            (90_000, 90_000),
            (93_599, 90_000),
            (604_799, 601_200),
            (604_800, 604_800),
            (10_000_000, 604_800),
        ];
        for (seconds, bucket) in cases {
            assert_eq!(confirmation_bucket(seconds), bucket, "{seconds} s");
        }
    }

    #[test]
    fn riga_midnights_are_pieces_and_other_instants_are_not() {
        // Winter: 00:00 in Riga is 22:00 UTC, the odd piece of the next day.
        let winter = rollup_piece(datetime!(2026-11-29 22:00 UTC)).unwrap();
        // Summer: 21:00 UTC, the even piece.
        let summer = rollup_piece(datetime!(2026-06-29 21:00 UTC)).unwrap();
        assert_eq!(winter.rem_euclid(2), 1);
        assert_eq!(summer.rem_euclid(2), 0);
        assert_eq!(
            rollup_piece(datetime!(2026-11-29 21:00 UTC)),
            winter.checked_sub(1)
        );
        assert_eq!(
            rollup_piece(datetime!(2026-11-30 21:00 UTC)),
            winter.checked_add(1)
        );
        assert_eq!(rollup_piece(datetime!(2026-11-29 23:00 UTC)), None);
        assert_eq!(rollup_piece(datetime!(2026-11-29 22:00:01 UTC)), None);
        assert_eq!(rollup_hour(datetime!(1970-01-01 02:00 UTC)), Some(2));
        assert_eq!(rollup_hour(datetime!(2026-11-29 22:30 UTC)), None);
    }
}
