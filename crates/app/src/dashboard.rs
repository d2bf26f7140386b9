//! The console's dashboard and reports (docs/dashboard.md): what the hub did
//! in a range of Riga days — money per day by provider and by service, the
//! share of requests paid, each provider's success rate and time to
//! confirmation, the notifications' health — the queues that need a person,
//! and the payments report per service, payee and day or month.
//!
//! Every number is an aggregate query of the port (`store/dashboard.rs`):
//! the panels' over the roll-up the database's triggers keep in the same
//! transaction as every change they count (migration 0018), the report's
//! over the payments themselves (docs/dashboard.md, "Speed"). The app splits
//! a range at Riga's summer-time changes so that the database groups by day
//! with one fixed offset per query (docs/dashboard.md, docs/PERFORMANCE.md).

use crate::error::{AppError, ErrorCode};
use crate::store::{
    AttemptTally, ConfirmationBucket, LocalSpan, NotificationHealth, PaidDay, Queues, Store,
};
use maksa_domain::datetime::{riga_local_to_utc, riga_offset_at};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

/// The longest range the dashboard and the reports cover, in days.
pub const MAX_DAYS: i64 = 366;
/// Most rows the payments report reads (day × service × payee × currency);
/// the report says when it was cut.
pub const MAX_REPORT_ROWS: u32 = 20_000;

/// The console's aggregate reads.
#[derive(Clone)]
pub struct Dashboard {
    store: Arc<dyn Store>,
}

/// A count and a sum of minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub minor: i64,
}

impl Tally {
    fn add(&mut self, count: u64, minor: i64) {
        self.count = self.count.saturating_add(count);
        self.minor = self.minor.saturating_add(minor);
    }
}

/// Money of one Riga day and one key (provider or service), per currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayMoney {
    pub day: Date,
    pub key: String,
    pub currency: String,
    pub tally: Tally,
}

/// Requests created on one Riga day and how many of them are paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayShare {
    pub day: Date,
    pub created: u64,
    pub paid: u64,
}

/// One provider's attempts started in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderHealth {
    pub provider: String,
    pub started: u64,
    pub executed: u64,
    pub rejected: u64,
    pub open: u64,
    /// Executed ÷ started, in tenths of a percent (`None` with no attempt).
    pub success_permille: Option<u64>,
    /// Seconds from the attempt's start to its confirmation (executed only).
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

/// Everything the dashboard shows for a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardView {
    pub from: Date,
    pub to: Date,
    /// Paid payments by day, provider and currency.
    pub by_provider: Vec<DayMoney>,
    /// Paid requests by day, service and currency.
    pub by_service: Vec<DayMoney>,
    /// Every day of the range, also those with no request.
    pub requests: Vec<DayShare>,
    pub providers: Vec<ProviderHealth>,
    pub notifications: NotificationHealth,
    pub queues: Queues,
}

impl DashboardView {
    /// Requests created in the range, and paid of them.
    pub fn requests_total(&self) -> (u64, u64) {
        self.requests.iter().fold((0, 0), |(c, p), d| {
            (c.saturating_add(d.created), p.saturating_add(d.paid))
        })
    }
}

/// The payments report's grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Month,
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        match text.trim() {
            "day" => Some(Period::Day),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
        }
    }

    /// `2026-11-30` or `2026-11`.
    pub fn label(self, day: Date) -> String {
        match self {
            Period::Day => format!(
                "{:04}-{:02}-{:02}",
                day.year(),
                u8::from(day.month()),
                day.day()
            ),
            Period::Month => format!("{:04}-{:02}", day.year(), u8::from(day.month())),
        }
    }
}

/// One row of the payments report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// `2026-11-30` or `2026-11`.
    pub period: String,
    pub service: String,
    pub payee_iban: String,
    pub payee_name: String,
    pub currency: String,
    pub tally: Tally,
}

/// Paid payments per service, payee and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentsReport {
    pub from: Date,
    pub to: Date,
    pub period: Period,
    pub rows: Vec<ReportRow>,
    /// Per currency, over every row.
    pub totals: BTreeMap<String, Tally>,
    /// The store had more rows than [`MAX_REPORT_ROWS`]: the report is cut.
    pub cut: bool,
}

impl Dashboard {
    pub fn new(store: Arc<dyn Store>) -> Dashboard {
        Dashboard { store }
    }

    /// The dashboard of the Riga days `from` to `to` inclusive.
    pub async fn view(&self, from: Date, to: Date) -> Result<DashboardView, AppError> {
        let spans = riga_spans(from, to)?;
        let (start, end) = bounds(&spans)?;
        let mut by_provider = BTreeMap::new();
        let mut by_service = BTreeMap::new();
        let mut requests: BTreeMap<Date, (u64, u64)> = BTreeMap::new();
        let mut day = from;
        while day <= to {
            requests.insert(day, (0, 0));
            let Some(next) = day.next_day() else { break };
            day = next;
        }
        for span in &spans {
            add_money(&mut by_provider, self.store.paid_by_provider(span).await?)?;
            add_money(&mut by_service, self.store.paid_by_service(span).await?)?;
            for row in self.store.requests_by_day(span).await? {
                let entry = requests.entry(epoch_day(row.day)?).or_insert((0, 0));
                entry.0 = entry.0.saturating_add(row.created);
                entry.1 = entry.1.saturating_add(row.paid);
            }
        }
        let tallies = self.store.attempt_tallies(start, end).await?;
        let times = self.store.confirmation_times(start, end).await?;
        Ok(DashboardView {
            from,
            to,
            by_provider: money_rows(by_provider),
            by_service: money_rows(by_service),
            requests: requests
                .into_iter()
                .map(|(day, (created, paid))| DayShare { day, created, paid })
                .collect(),
            providers: provider_health(tallies, times),
            notifications: self.store.notification_health(start, end).await?,
            queues: self.store.queues().await?,
        })
    }

    /// Paid payments of the Riga days `from` to `to` per service, payee and
    /// `period`.
    pub async fn payments_report(
        &self,
        from: Date,
        to: Date,
        period: Period,
    ) -> Result<PaymentsReport, AppError> {
        let spans = riga_spans(from, to)?;
        let mut grouped: BTreeMap<(String, String, String, String), (String, Tally)> =
            BTreeMap::new();
        let mut read: u32 = 0;
        let mut cut = false;
        for span in &spans {
            let left = MAX_REPORT_ROWS.saturating_sub(read);
            if left == 0 {
                cut = true;
                break;
            }
            let rows = self.store.paid_by_payee(span, left).await?;
            let got = u32::try_from(rows.len()).unwrap_or(u32::MAX);
            read = read.saturating_add(got);
            if got >= left {
                cut = true;
            }
            for row in rows {
                let label = period.label(epoch_day(row.day)?);
                let entry = grouped
                    .entry((label, row.service, row.payee_iban, row.currency))
                    .or_insert_with(|| (row.payee_name.clone(), Tally::default()));
                entry.1.add(row.count, row.minor);
            }
        }
        let mut totals: BTreeMap<String, Tally> = BTreeMap::new();
        let rows: Vec<ReportRow> = grouped
            .into_iter()
            .map(
                |((period, service, payee_iban, currency), (payee_name, tally))| {
                    totals
                        .entry(currency.clone())
                        .or_default()
                        .add(tally.count, tally.minor);
                    ReportRow {
                        period,
                        service,
                        payee_iban,
                        payee_name,
                        currency,
                        tally,
                    }
                },
            )
            .collect();
        Ok(PaymentsReport {
            from,
            to,
            period,
            rows,
            totals,
            cut,
        })
    }
}

fn refused(message: String) -> AppError {
    AppError::BadInput {
        code: ErrorCode::InvalidField,
        message,
    }
}

/// Checks a range of days: `from` ≤ `to`, at most [`MAX_DAYS`].
pub fn check_range(from: Date, to: Date) -> Result<(), AppError> {
    if to < from {
        return Err(refused(format!("the end {to} is before the start {from}")));
    }
    let days = i64::from(to.to_julian_day()).saturating_sub(i64::from(from.to_julian_day()));
    if days >= MAX_DAYS {
        return Err(refused(format!("a range covers at most {MAX_DAYS} days")));
    }
    Ok(())
}

/// The instant a Riga day starts.
fn riga_midnight(day: Date) -> Result<OffsetDateTime, AppError> {
    riga_local_to_utc(day.midnight())
        .ok_or_else(|| refused(format!("the day {day} is beyond the calendar")))
}

/// The Riga days `from` to `to` as spans of one offset each: split at every
/// summer-time change (they fall on whole UTC hours), so at most three for a
/// year.
pub fn riga_spans(from: Date, to: Date) -> Result<Vec<LocalSpan>, AppError> {
    check_range(from, to)?;
    let start = riga_midnight(from)?;
    let end = riga_midnight(
        to.next_day()
            .ok_or_else(|| refused(format!("the day {to} is beyond the calendar")))?,
    )?;
    let mut spans = Vec::new();
    let mut span_start = start;
    let mut offset = riga_offset_at(start);
    let mut hour = start;
    while hour < end {
        let here = riga_offset_at(hour);
        if here != offset {
            spans.push(LocalSpan {
                start: span_start,
                end: hour,
                offset_seconds: offset.whole_seconds(),
            });
            span_start = hour;
            offset = here;
        }
        hour = hour.saturating_add(Duration::HOUR);
    }
    spans.push(LocalSpan {
        start: span_start,
        end,
        offset_seconds: offset.whole_seconds(),
    });
    Ok(spans)
}

fn bounds(spans: &[LocalSpan]) -> Result<(OffsetDateTime, OffsetDateTime), AppError> {
    match (spans.first(), spans.last()) {
        (Some(first), Some(last)) => Ok((first.start, last.end)),
        _ => Err(AppError::Internal("a range of no span".into())),
    }
}

/// Days since 1970-01-01 → the date.
fn epoch_day(day: i64) -> Result<Date, AppError> {
    i32::try_from(day.saturating_add(2_440_588))
        .ok()
        .and_then(|julian| Date::from_julian_day(julian).ok())
        .ok_or_else(|| AppError::Internal(format!("day {day} is not a date")))
}

type MoneyKey = (Date, String, String);

fn add_money(into: &mut BTreeMap<MoneyKey, Tally>, rows: Vec<PaidDay>) -> Result<(), AppError> {
    for row in rows {
        into.entry((epoch_day(row.day)?, row.key, row.currency))
            .or_default()
            .add(row.count, row.minor);
    }
    Ok(())
}

fn money_rows(map: BTreeMap<MoneyKey, Tally>) -> Vec<DayMoney> {
    map.into_iter()
        .map(|((day, key, currency), tally)| DayMoney {
            day,
            key,
            currency,
            tally,
        })
        .collect()
}

/// The nearest-rank percentile (`numerator`/100) of a histogram sorted by
/// seconds.
fn percentile(buckets: &[(i64, u64)], numerator: u64) -> Option<i64> {
    let total: u64 = buckets
        .iter()
        .fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
    if total == 0 {
        return None;
    }
    // rank = ceil(total × p / 100), at least 1.
    let rank = total
        .saturating_mul(numerator)
        .saturating_add(99)
        .checked_div(100)
        .unwrap_or(1)
        .max(1);
    let mut seen: u64 = 0;
    for (seconds, count) in buckets {
        seen = seen.saturating_add(*count);
        if seen >= rank {
            return Some(*seconds);
        }
    }
    buckets.last().map(|(seconds, _)| *seconds)
}

fn provider_health(
    tallies: Vec<AttemptTally>,
    times: Vec<ConfirmationBucket>,
) -> Vec<ProviderHealth> {
    let mut histograms: BTreeMap<String, Vec<(i64, u64)>> = BTreeMap::new();
    for bucket in times {
        histograms
            .entry(bucket.provider)
            .or_default()
            .push((bucket.seconds, bucket.count));
    }
    let mut by_provider: BTreeMap<String, AttemptTally> = BTreeMap::new();
    for tally in tallies {
        let entry = by_provider
            .entry(tally.provider.clone())
            .or_insert_with(|| AttemptTally {
                provider: tally.provider.clone(),
                ..AttemptTally::default()
            });
        entry.executed = entry.executed.saturating_add(tally.executed);
        entry.rejected = entry.rejected.saturating_add(tally.rejected);
        entry.open = entry.open.saturating_add(tally.open);
    }
    by_provider
        .into_values()
        .map(|tally| {
            let mut histogram = histograms.remove(&tally.provider).unwrap_or_default();
            histogram.sort_unstable();
            let started = tally
                .executed
                .saturating_add(tally.rejected)
                .saturating_add(tally.open);
            ProviderHealth {
                success_permille: tally.executed.saturating_mul(1000).checked_div(started),
                median_seconds: percentile(&histogram, 50),
                p90_seconds: percentile(&histogram, 90),
                provider: tally.provider,
                started,
                executed: tally.executed,
                rejected: tally.rejected,
                open: tally.open,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    #[test]
    fn a_year_splits_at_both_summer_time_changes() {
        let spans = riga_spans(date!(2026 - 01 - 01), date!(2026 - 12 - 31)).unwrap();
        let offsets: Vec<i32> = spans.iter().map(|s| s.offset_seconds).collect();
        assert_eq!(offsets, vec![7200, 10800, 7200]);
        assert_eq!(spans[0].end, time::macros::datetime!(2026-03-29 01:00 UTC));
        assert_eq!(spans[1].end, time::macros::datetime!(2026-10-25 01:00 UTC));
        assert_eq!(
            spans[0].start,
            time::macros::datetime!(2025-12-31 22:00 UTC)
        );
        assert_eq!(spans[2].end, time::macros::datetime!(2026-12-31 22:00 UTC));
        let one = riga_spans(date!(2026 - 11 - 30), date!(2026 - 11 - 30)).unwrap();
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn ranges_are_bounded() {
        assert!(riga_spans(date!(2026 - 11 - 30), date!(2026 - 11 - 29)).is_err());
        // 367 days refused, 366 (inclusive) taken.
        assert!(riga_spans(date!(2024 - 12 - 31), date!(2026 - 01 - 01)).is_err());
        assert!(riga_spans(date!(2025 - 01 - 01), date!(2026 - 01 - 01)).is_ok());
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let histogram = vec![(1, 5), (2, 4), (10, 1)];
        assert_eq!(percentile(&histogram, 50), Some(1));
        assert_eq!(percentile(&histogram, 90), Some(2));
        assert_eq!(percentile(&[(3, 1)], 90), Some(3));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn periods_label_days_and_months() {
        assert_eq!(Period::Day.label(date!(2026 - 03 - 05)), "2026-03-05");
        assert_eq!(Period::Month.label(date!(2026 - 03 - 05)), "2026-03");
        assert_eq!(Period::parse("month"), Some(Period::Month));
        assert_eq!(Period::parse("year"), None);
    }
}
