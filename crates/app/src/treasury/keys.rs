//! From a statement's entry to the transactions the hub stores, each under a
//! key that is the same whenever the same money is shown again — in a
//! re-imported file, or in the day's statement after the intraday report
//! (docs/treasury.md, "Each entry once").
//!
//! - An entry with one transaction detail (or none) is one transaction of the
//!   entry's amount. An entry with several details that each state their own
//!   amount (a batch booking) is one transaction per detail; if any detail
//!   lacks an amount, the entry stays one transaction with all the remittance.
//! - The key is the account and the account servicer's reference: the
//!   detail's own `Refs/AcctSvcrRef`, else the entry's (with `/n` for the
//!   n-th detail of a batch).
//! - Without any reference, the fallback key is the account and a digest of
//!   what the bank cannot change between the report and the statement —
//!   credit or debit, amount, currency, value date, end-to-end id,
//!   counterparty account and remittance text — with the ordinal of
//!   identical transactions within the statement (two equal payments on one
//!   day stay two).

use maksa_domain::money::{Amount, Currency};
use maksa_treasury::camt::{Details, Entry, Status};
use std::collections::HashMap;

/// Distinct fallback digests remembered per statement (memory stays bounded
/// whatever the file's size; docs/treasury.md).
pub(crate) const MAX_FALLBACK_KEYS: usize = 200_000;
/// A reference longer than this is kept in the key as its digest.
const MAX_REFERENCE_IN_KEY: usize = 100;

/// One transaction of a statement, before it is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transaction {
    pub key: String,
    pub booked: bool,
    pub credit: bool,
    pub reversal: bool,
    pub amount: Amount,
    pub currency: Currency,
    pub account_servicer_reference: Option<String>,
    pub end_to_end_id: Option<String>,
    pub lines: Vec<String>,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
}

/// Gives fallback keys their ordinals, per statement.
#[derive(Default)]
pub(crate) struct FallbackOrdinals {
    statement: String,
    seen: HashMap<[u8; 16], u32>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "statement {statement:?} has more than {MAX_FALLBACK_KEYS} different entries without an account servicer reference"
)]
pub(crate) struct TooManyUnreferenced {
    pub statement: String,
}

fn digest(parts: &[&str]) -> [u8; 16] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        // Length-prefixed, so no two lists of parts hash the same text.
        context.update(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        context.update(part.as_bytes());
    }
    let mut out = [0u8; 16];
    for (o, d) in out.iter_mut().zip(context.finish().as_ref()) {
        *o = *d;
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn reference_in_key(reference: &str) -> String {
    if reference.chars().count() <= MAX_REFERENCE_IN_KEY {
        reference.to_owned()
    } else {
        format!("#{}", hex(&digest(&[reference])))
    }
}

/// The transactions of `entry` with their keys.
pub(crate) fn transactions(
    entry: &Entry,
    ordinals: &mut FallbackOrdinals,
) -> Result<Vec<Transaction>, TooManyUnreferenced> {
    let account = entry.account.clone().unwrap_or_default();
    let booked = entry.status == Status::Booked;
    let split = entry.details.len() > 1 && entry.details.iter().all(|d| d.amount.is_some());
    let whole = |detail: Option<&Details>| {
        let lines: Vec<String> = entry.remittance_lines().map(str::to_owned).collect();
        let (name, iban) = counterparty(detail, entry.credit);
        Transaction {
            key: String::new(),
            booked,
            credit: entry.credit,
            reversal: entry.reversal,
            amount: entry.amount,
            currency: entry.currency,
            account_servicer_reference: detail
                .and_then(|d| d.account_servicer_reference.clone())
                .or_else(|| entry.account_servicer_reference.clone()),
            end_to_end_id: detail.and_then(|d| d.end_to_end_id.clone()),
            lines,
            counterparty_name: name,
            counterparty_iban: iban,
        }
    };
    let mut out: Vec<Transaction> = if split {
        entry
            .details
            .iter()
            .enumerate()
            .map(|(index, detail)| {
                let (amount, currency) = detail.amount.unwrap_or((entry.amount, entry.currency));
                let (name, iban) = counterparty(Some(detail), entry.credit);
                let reference = detail.account_servicer_reference.clone().or_else(|| {
                    entry
                        .account_servicer_reference
                        .as_ref()
                        .map(|r| format!("{r}/{}", index.saturating_add(1)))
                });
                Transaction {
                    key: String::new(),
                    booked,
                    credit: entry.credit,
                    reversal: entry.reversal,
                    amount,
                    currency,
                    account_servicer_reference: reference,
                    end_to_end_id: detail.end_to_end_id.clone(),
                    lines: detail
                        .unstructured
                        .iter()
                        .chain(detail.references.iter())
                        .cloned()
                        .collect(),
                    counterparty_name: name,
                    counterparty_iban: iban,
                }
            })
            .collect()
    } else {
        vec![whole(entry.details.first())]
    };
    if ordinals.statement != entry.statement_id {
        ordinals.statement.clone_from(&entry.statement_id);
        ordinals.seen.clear();
    }
    for transaction in &mut out {
        transaction.key = match &transaction.account_servicer_reference {
            Some(reference) => format!("{account}|ref|{}", reference_in_key(reference)),
            None => {
                let amount = transaction.amount.minor().to_string();
                let lines = transaction.lines.join(" ");
                let fingerprint = digest(&[
                    if transaction.credit { "C" } else { "D" },
                    &amount,
                    transaction.currency.as_str(),
                    entry.value_date.as_deref().unwrap_or_default(),
                    transaction.end_to_end_id.as_deref().unwrap_or_default(),
                    transaction.counterparty_iban.as_deref().unwrap_or_default(),
                    &lines,
                ]);
                if !ordinals.seen.contains_key(&fingerprint)
                    && ordinals.seen.len() >= MAX_FALLBACK_KEYS
                {
                    return Err(TooManyUnreferenced {
                        statement: maksa_domain::text::bounded(&entry.statement_id, 100)
                            .into_owned(),
                    });
                }
                let ordinal = ordinals.seen.entry(fingerprint).or_insert(0);
                *ordinal = ordinal.saturating_add(1);
                format!("{account}|fp|{}|{ordinal}", hex(&fingerprint))
            }
        };
    }
    Ok(out)
}

/// Who paid (of a credit) or who was paid (of a debit).
fn counterparty(detail: Option<&Details>, credit: bool) -> (Option<String>, Option<String>) {
    let Some(detail) = detail else {
        return (None, None);
    };
    if credit {
        (detail.debtor_name.clone(), detail.debtor_iban.clone())
    } else {
        (detail.creditor_name.clone(), detail.creditor_iban.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use maksa_treasury::camt::Message;

    fn entry(reference: Option<&str>, details: Vec<Details>) -> Entry {
        Entry {
            message: Message::Statement,
            statement_id: "S1".into(),
            account: Some("LV12TREL0000000000001".into()),
            entry_reference: None,
            account_servicer_reference: reference.map(str::to_owned),
            amount: Amount::from_minor(1500).unwrap(),
            currency: Currency::parse("EUR").unwrap(),
            credit: true,
            reversal: false,
            status: Status::Booked,
            booking_date: Some("2026-11-30".into()),
            value_date: Some("2026-11-30".into()),
            details,
        }
    }

    fn detail(minor: Option<i64>, reference: Option<&str>, line: &str) -> Details {
        Details {
            amount: minor.map(|m| {
                (
                    Amount::from_minor(m).unwrap(),
                    Currency::parse("EUR").unwrap(),
                )
            }),
            account_servicer_reference: reference.map(str::to_owned),
            unstructured: vec![line.into()],
            ..Details::default()
        }
    }

    #[test]
    fn the_bank_reference_is_the_key() {
        let mut ordinals = FallbackOrdinals::default();
        let found = transactions(
            &entry(Some("R-1"), vec![detail(None, None, "x")]),
            &mut ordinals,
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "LV12TREL0000000000001|ref|R-1");
        assert_eq!(found[0].amount.minor(), 1500);
    }

    #[test]
    fn a_batch_with_amounts_is_split_and_numbered() {
        let mut ordinals = FallbackOrdinals::default();
        let batch = entry(
            Some("B-7"),
            vec![
                detail(Some(1000), None, "a"),
                detail(Some(500), Some("OWN"), "b"),
            ],
        );
        let found = transactions(&batch, &mut ordinals).unwrap();
        let keys: Vec<&str> = found.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "LV12TREL0000000000001|ref|B-7/1",
                "LV12TREL0000000000001|ref|OWN"
            ]
        );
        assert_eq!(found[1].amount.minor(), 500);
        assert_eq!(found[1].lines, ["b"]);
        // Without every amount the entry stays whole.
        let unclear = entry(
            Some("B-8"),
            vec![detail(Some(1000), None, "a"), detail(None, None, "b")],
        );
        let found = transactions(&unclear, &mut ordinals).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].lines, ["a", "b"]);
    }

    #[test]
    fn equal_unreferenced_payments_stay_two_and_repeat_the_same_keys() {
        let same = entry(None, vec![detail(None, None, "fee")]);
        let mut ordinals = FallbackOrdinals::default();
        let first = transactions(&same, &mut ordinals).unwrap();
        let second = transactions(&same, &mut ordinals).unwrap();
        assert_ne!(first[0].key, second[0].key);
        assert!(first[0].key.ends_with("|1") && second[0].key.ends_with("|2"));
        // The same statement read again gives the same keys.
        let mut again = FallbackOrdinals::default();
        assert_eq!(
            transactions(&same, &mut again).unwrap()[0].key,
            first[0].key
        );
        // A pending report of the same money has the same key as the booked one.
        let mut report = FallbackOrdinals::default();
        let pending = Entry {
            message: Message::Report,
            status: Status::Pending,
            booking_date: None,
            ..same.clone()
        };
        assert_eq!(
            transactions(&pending, &mut report).unwrap()[0].key,
            first[0].key
        );
    }
}
