//! Reconciliation: what a statement's credit says about the payment it names
//! (docs/reconciliation.md). Pure rules; the app finds the payment and stores
//! the outcome.
//!
//! A provider's confirmation makes a payment *paid*; only money on the
//! payee's account — a booked credit on the Treasury's statement — makes it
//! *settled*. A credit is matched by the 34-character identifier in its
//! remittance information, then checked: currency, payee account, amount.

use crate::money::{Amount, Currency};
use crate::status::Status;
use serde::{Deserialize, Serialize};

/// What one statement transaction is, once judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Not booked yet (`PDNG`, `INFO`): kept, judged when it is booked.
    Pending,
    /// The payment's money, in full, on its payee's account: the payment is settled.
    Settled,
    /// Matched, less money than the payment.
    Short,
    /// Matched, more money than the payment: the excess is owed back.
    Over,
    /// Matched, but the credit is on another account than the payment's payee.
    WrongAccount,
    /// Matched, but in another currency than the payment.
    WrongCurrency,
    /// No payment of ours is named (or several are).
    Unmatched,
    /// Money for a request that can no longer take it (expired, cancelled) or
    /// for a payment already settled: it is owed back in full.
    RefundCandidate,
    /// Money leaving the account (a debit): not matched to payments.
    Debit,
}

/// The four groups the operator's report counts, plus what is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Group {
    Matched,
    Differences,
    Unmatched,
    RefundCandidates,
    /// Pending credits and debits: shown, not counted in the four groups.
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 9] = [
        Outcome::Pending,
        Outcome::Settled,
        Outcome::Short,
        Outcome::Over,
        Outcome::WrongAccount,
        Outcome::WrongCurrency,
        Outcome::Unmatched,
        Outcome::RefundCandidate,
        Outcome::Debit,
    ];

    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Settled => "settled",
            Outcome::Short => "short",
            Outcome::Over => "over",
            Outcome::WrongAccount => "wrong_account",
            Outcome::WrongCurrency => "wrong_currency",
            Outcome::Unmatched => "unmatched",
            Outcome::RefundCandidate => "refund_candidate",
            Outcome::Debit => "debit",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }

    pub fn group(self) -> Group {
        match self {
            Outcome::Settled => Group::Matched,
            Outcome::Short | Outcome::Over | Outcome::WrongAccount | Outcome::WrongCurrency => {
                Group::Differences
            }
            Outcome::Unmatched => Group::Unmatched,
            Outcome::RefundCandidate => Group::RefundCandidates,
            Outcome::Pending | Outcome::Debit => Group::Other,
        }
    }

    /// How much of `credit` is owed back to the payer, given the payment's
    /// amount (when matched): all of it for a refund candidate, the excess
    /// for an overpayment, nothing otherwise (a short or misdirected credit
    /// is the operator's to resolve, not to return blindly).
    pub fn refundable(self, credit: Amount, expected: Option<Amount>) -> Option<Amount> {
        match self {
            Outcome::RefundCandidate => Some(credit),
            Outcome::Over => {
                let expected = expected?;
                Amount::from_minor(credit.minor().checked_sub(expected.minor())?).ok()
            }
            _ => None,
        }
    }
}

/// The statement's side of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit<'a> {
    pub amount: Amount,
    pub currency: Currency,
    /// The statement's account (IBAN), when it names one.
    pub account: Option<&'a str>,
}

/// The payment a credit names, as the store holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPayment<'a> {
    pub amount: Amount,
    pub currency: Currency,
    pub payee_iban: &'a str,
    /// The payment's own status. When a request expires or is cancelled,
    /// its unpaid payments take R or C with it (also in a request that ends
    /// O), so the payment's status says whether it can still take money.
    pub payment_status: Status,
    /// Another credit already settled it.
    pub already_settled: bool,
}

/// Judges a booked credit: `named` is every payment its remittance names
/// that the hub knows (usually one).
///
/// The order of the checks is the order of docs/reconciliation.md: several
/// payments named → unmatched (the operator splits it); none → unmatched;
/// the payment already settled, or its request can no longer take money →
/// refund candidate; then currency, payee account, amount.
pub fn judge(credit: &Credit<'_>, named: &[NamedPayment<'_>]) -> Outcome {
    let [payment] = named else {
        return Outcome::Unmatched;
    };
    let closed_unpaid = matches!(
        payment.payment_status,
        Status::Expired | Status::Cancelled | Status::Other
    );
    if payment.already_settled || closed_unpaid {
        return Outcome::RefundCandidate;
    }
    if credit.currency != payment.currency {
        return Outcome::WrongCurrency;
    }
    if let Some(account) = credit.account
        && !same_iban(account, payment.payee_iban)
    {
        return Outcome::WrongAccount;
    }
    match credit.amount.cmp(&payment.amount) {
        std::cmp::Ordering::Less => Outcome::Short,
        std::cmp::Ordering::Greater => Outcome::Over,
        std::cmp::Ordering::Equal => Outcome::Settled,
    }
}

/// IBANs compared as banks print them: spaces and letter case do not matter.
pub fn same_iban(a: &str, b: &str) -> bool {
    let normal = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
    };
    normal(a) == normal(b)
}

/// Business days (Monday to Friday) from `from` to `to`, not counting `from`:
/// a payment paid on Friday has waited one business day on Monday. Public
/// holidays are not known to the hub; the operator sets the allowance with
/// them in mind (docs/reconciliation.md).
pub fn business_days_between(from: time::Date, to: time::Date) -> u32 {
    let mut days = 0u32;
    let mut day = from;
    while day < to {
        let Some(next) = day.next_day() else { break };
        day = next;
        if !matches!(
            day.weekday(),
            time::Weekday::Saturday | time::Weekday::Sunday
        ) {
            days = days.saturating_add(1);
        }
    }
    days
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn cents(minor: i64) -> Amount {
        Amount::from_minor(minor).unwrap()
    }

    fn payment(amount: i64) -> NamedPayment<'static> {
        NamedPayment {
            amount: cents(amount),
            currency: eur(),
            payee_iban: "LV12TREL0000000000001",
            payment_status: Status::Executed,
            already_settled: false,
        }
    }

    fn credit(amount: i64) -> Credit<'static> {
        Credit {
            amount: cents(amount),
            currency: eur(),
            account: Some("lv12 trel 0000 0000 0000 1"),
        }
    }

    #[test]
    fn the_exact_money_on_the_payees_account_settles() {
        assert_eq!(judge(&credit(1234), &[payment(1234)]), Outcome::Settled);
        let no_account = Credit {
            account: None,
            ..credit(1234)
        };
        assert_eq!(judge(&no_account, &[payment(1234)]), Outcome::Settled);
    }

    #[test]
    fn amounts_that_differ_are_short_or_over() {
        assert_eq!(judge(&credit(1000), &[payment(1234)]), Outcome::Short);
        assert_eq!(judge(&credit(2000), &[payment(1234)]), Outcome::Over);
        assert_eq!(
            Outcome::Over.refundable(cents(2000), Some(cents(1234))),
            Some(cents(766))
        );
        assert_eq!(
            Outcome::Short.refundable(cents(1000), Some(cents(1234))),
            None
        );
    }

    #[test]
    fn another_account_or_currency_is_a_difference() {
        let elsewhere = Credit {
            account: Some("LV80BANK0000435195001"),
            ..credit(1234)
        };
        assert_eq!(judge(&elsewhere, &[payment(1234)]), Outcome::WrongAccount);
        let dollars = Credit {
            currency: Currency::parse("USD").unwrap(),
            ..credit(1234)
        };
        assert_eq!(judge(&dollars, &[payment(1234)]), Outcome::WrongCurrency);
    }

    #[test]
    fn nothing_or_several_named_is_unmatched() {
        assert_eq!(judge(&credit(1234), &[]), Outcome::Unmatched);
        assert_eq!(
            judge(&credit(1234), &[payment(1234), payment(1234)]),
            Outcome::Unmatched
        );
    }

    #[test]
    fn money_a_request_cannot_take_is_owed_back() {
        for status in [Status::Expired, Status::Cancelled, Status::Other] {
            let closed = NamedPayment {
                payment_status: status,
                ..payment(1234)
            };
            assert_eq!(judge(&credit(1234), &[closed]), Outcome::RefundCandidate);
        }
        // In a request that ended O, a payment that was executed stays E and
        // still takes its own money.
        assert_eq!(judge(&credit(1234), &[payment(1234)]), Outcome::Settled);
        let twice = NamedPayment {
            already_settled: true,
            ..payment(1234)
        };
        assert_eq!(judge(&credit(1234), &[twice]), Outcome::RefundCandidate);
        assert_eq!(
            Outcome::RefundCandidate.refundable(cents(1234), None),
            Some(cents(1234))
        );
    }

    #[test]
    fn money_for_an_open_request_settles_before_the_providers_word() {
        let open = NamedPayment {
            payment_status: Status::InProcess,
            ..payment(1234)
        };
        assert_eq!(judge(&credit(1234), &[open]), Outcome::Settled);
    }

    #[test]
    fn outcomes_have_stable_names_and_groups() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(Outcome::WrongAccount.group(), Group::Differences);
        assert_eq!(Outcome::Debit.group(), Group::Other);
        assert_eq!(Outcome::parse("paid"), None);
    }

    #[test]
    fn business_days_skip_weekends() {
        // 2026-11-27 is a Friday.
        assert_eq!(
            business_days_between(date!(2026 - 11 - 27), date!(2026 - 11 - 27)),
            0
        );
        assert_eq!(
            business_days_between(date!(2026 - 11 - 27), date!(2026 - 11 - 29)),
            0
        );
        assert_eq!(
            business_days_between(date!(2026 - 11 - 27), date!(2026 - 11 - 30)),
            1
        );
        assert_eq!(
            business_days_between(date!(2026 - 11 - 27), date!(2026 - 12 - 04)),
            5
        );
        assert_eq!(
            business_days_between(date!(2026 - 12 - 04), date!(2026 - 11 - 27)),
            0
        );
    }
}
