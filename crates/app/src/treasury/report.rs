//! The operator's report: per day and account, the statement's balances and
//! what its credits were judged — matched, differences, unmatched, refund
//! candidates — with totals that add up to the balances; and the paid
//! payments whose money has not come (docs/reconciliation.md).

use super::{Treasury, TreasuryError};
use crate::store::{StoredStatement, UnsettledPayment};
use maksa_domain::money::Amount;
use maksa_domain::reconciliation::{Group, Outcome, business_days_between};
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Date, Duration};

/// Most unsettled payments a report lists (their count is exact up to this).
const MAX_UNSETTLED_LISTED: u32 = 1000;

/// A count and a sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GroupTotals {
    pub count: u64,
    pub amount: Amount,
}

impl GroupTotals {
    fn add(&mut self, count: u64, amount: Amount) {
        self.count = self.count.saturating_add(count);
        self.amount = self.amount.checked_add(amount).unwrap_or(self.amount);
    }
}

/// The four groups, and what is not in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReportTotals {
    pub matched: GroupTotals,
    pub differences: GroupTotals,
    pub unmatched: GroupTotals,
    pub refund_candidates: GroupTotals,
    /// Credits not yet booked (intraday): not in the balances.
    pub pending: GroupTotals,
    pub debits: GroupTotals,
}

impl ReportTotals {
    fn add(&mut self, outcome: Outcome, count: u64, amount: Amount) {
        let group = match outcome.group() {
            Group::Matched => &mut self.matched,
            Group::Differences => &mut self.differences,
            Group::Unmatched => &mut self.unmatched,
            Group::RefundCandidates => &mut self.refund_candidates,
            Group::Other if outcome == Outcome::Debit => &mut self.debits,
            Group::Other => &mut self.pending,
        };
        group.add(count, amount);
    }

    /// Every booked credit: the four groups together.
    pub fn credits(&self) -> Amount {
        [
            self.matched.amount,
            self.differences.amount,
            self.unmatched.amount,
            self.refund_candidates.amount,
        ]
        .into_iter()
        .fold(Amount::ZERO, |sum, a| sum.checked_add(a).unwrap_or(sum))
    }
}

/// One day of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayReport {
    pub day: Date,
    pub account: String,
    pub currency: String,
    #[serde(flatten)]
    pub totals: ReportTotals,
    /// The end-of-day statement's opening and closing balances (signed minor
    /// units), when it has been imported.
    pub opening_minor: Option<i64>,
    pub closing_minor: Option<i64>,
    /// opening + credits − debits = closing, with this report's own totals
    /// (`None` before the day's statement).
    pub balanced: Option<bool>,
    /// Money the payments paid this day (by a provider's word) should bring.
    pub expected: GroupTotals,
}

/// The report over a range of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub from: Date,
    pub to: Date,
    /// Per currency, over every account and day.
    pub totals: BTreeMap<String, ReportTotals>,
    pub days: Vec<DayReport>,
    /// Paid payments with no money after the configured business days.
    pub unsettled: Vec<UnsettledPayment>,
    pub settle_within_business_days: u32,
}

impl Treasury {
    /// The report of the days `from` to `to` inclusive.
    pub async fn report(&self, from: Date, to: Date) -> Result<Report, TreasuryError> {
        if to < from {
            return Err(TreasuryError::Refused(format!(
                "the report's end {to} is before its start {from}"
            )));
        }
        let totals = self.store.outcome_totals(from, to).await?;
        let statements = self.store.statements(from, to).await?;
        let expected = self.store.expected_totals(from, to).await?;

        let mut days: BTreeMap<(Date, String, String), DayReport> = BTreeMap::new();
        let mut overall: BTreeMap<String, ReportTotals> = BTreeMap::new();
        let blank = |day: Date, account: &str, currency: &str| DayReport {
            day,
            account: account.to_owned(),
            currency: currency.to_owned(),
            totals: ReportTotals::default(),
            opening_minor: None,
            closing_minor: None,
            balanced: None,
            expected: GroupTotals::default(),
        };
        for total in &totals {
            let Some(day) = total.day else { continue };
            days.entry((day, total.account.clone(), total.currency.clone()))
                .or_insert_with(|| blank(day, &total.account, &total.currency))
                .totals
                .add(total.outcome, total.count, total.amount);
            overall.entry(total.currency.clone()).or_default().add(
                total.outcome,
                total.count,
                total.amount,
            );
        }
        for statement in &statements {
            let Some(day) = statement.day else { continue };
            let currency = statement.currency.clone().unwrap_or_default();
            let report = days
                .entry((day, statement.account.clone(), currency.clone()))
                .or_insert_with(|| blank(day, &statement.account, &currency));
            apply_balances(report, statement);
        }
        // Expected money is per day and currency (a payment names its payee,
        // not the Treasury account): shown on the day's first account row,
        // or a row of its own.
        for total in &expected {
            let row = days
                .iter_mut()
                .find(|((day, _, currency), _)| *day == total.day && *currency == total.currency);
            match row {
                Some((_, report)) => report.expected.add(total.count, total.amount),
                None => {
                    let mut report = blank(total.day, "", &total.currency);
                    report.expected.add(total.count, total.amount);
                    days.insert((total.day, String::new(), total.currency.clone()), report);
                }
            }
        }
        for report in days.values_mut() {
            if let (Some(open), Some(close)) = (report.opening_minor, report.closing_minor) {
                let computed = open
                    .checked_add(report.totals.credits().minor())
                    .and_then(|v| v.checked_sub(report.totals.debits.amount.minor()));
                report.balanced = Some(computed == Some(close));
            }
        }
        Ok(Report {
            from,
            to,
            totals: overall,
            days: days.into_values().collect(),
            unsettled: self.unsettled(to).await?,
            settle_within_business_days: self.settings.settle_within_business_days,
        })
    }

    /// Paid payments whose money has not arrived within the configured
    /// business days, as of `today`.
    pub async fn unsettled(&self, today: Date) -> Result<Vec<UnsettledPayment>, TreasuryError> {
        let allowance = self.settings.settle_within_business_days;
        // Business days are never more than calendar days: a payment paid
        // after the day `allowance` days ago cannot be late yet.
        let calendar_cutoff = today
            .midnight()
            .assume_utc()
            .saturating_sub(Duration::days(i64::from(allowance).saturating_sub(1)));
        let candidates = self
            .store
            .unsettled_payments(calendar_cutoff, MAX_UNSETTLED_LISTED)
            .await?;
        Ok(candidates
            .into_iter()
            .filter(|p| business_days_between(p.paid_at.date(), today) >= allowance)
            .collect())
    }
}

fn apply_balances(report: &mut DayReport, statement: &StoredStatement) {
    report.opening_minor = statement.opening_minor;
    report.closing_minor = statement.closing_minor;
}
