//! The Treasury loop's storage (`TreasuryStore`, `TreasuryWork`): statement
//! imports and entries, settlement of payments, payment orders and batches,
//! the exchange log. Run on both adapters by `store_suite!`; each scenario
//! takes a fresh, migrated, empty store.

use crate::fixtures::{BASE_TIME, LATVIAN_LETTERS, client, creation_audit, currency, euros};
use crate::fixtures::{receipts_listed, sample_attempt, single_payment_request};
use maksa_app::store::prelude::*;
use maksa_app::store::{
    AuditEvent, EntryBooked, EntryFilter, ExchangeRecord, ExpectedTotal, ImportCounts, KnownEntry,
    NewImport, NewPaymentBatch, NewPaymentOrder, NewStatement, NewStatementEntry, OrderStateWrite,
    OutcomeReport, OutcomeTotal, PaymentFilter, StoreError, StoredEntry, TreasuryWork,
    UnsettledPayment,
};
use maksa_app::workflows::Workflows;
use maksa_domain::attempt::Outcome as AttemptOutcome;
use maksa_domain::money::Amount;
use maksa_domain::payment_order::OrderState;
use maksa_domain::reconciliation::Outcome;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;
use time::macros::date;
use time::{Date, Duration, OffsetDateTime};

/// A limit no scenario reaches, for "all rows".
const ALL: u32 = 10_000;
/// The treasury account statements are for.
const ACCOUNT: &str = "LV06TREL1060010000001";
const OTHER_ACCOUNT: &str = "LV44HABA0551000000001";

// ---------------------------------------------------------------- helpers

fn at(minutes: i64) -> OffsetDateTime {
    BASE_TIME + Duration::minutes(minutes)
}

async fn begin(store: &dyn Store) -> Box<dyn TreasuryWork> {
    store
        .begin_treasury()
        .await
        .expect("beginning a treasury transaction failed")
}

fn import(sha: char, message: &str, minutes: i64) -> NewImport {
    NewImport {
        source: format!("izraksts-{sha}.xml"),
        sha256: sha.to_string().repeat(64),
        message: message.into(),
        actor: "operator".into(),
        at: at(minutes),
    }
}

async fn insert_import(work: &mut dyn TreasuryWork, import: &NewImport) -> i64 {
    work.insert_import(import)
        .await
        .expect("inserting an import failed")
}

/// A booked credit on [`ACCOUNT`] in euros, unmatched unless changed.
fn entry(key: &str, import_id: i64, day: Option<Date>, minor: i64) -> NewStatementEntry {
    NewStatementEntry {
        key: key.into(),
        import_id,
        message: "camt.053".into(),
        statement_id: "STMT-1".into(),
        account: ACCOUNT.into(),
        booked: true,
        credit: true,
        reversal: false,
        amount: euros(minor),
        currency: currency("EUR"),
        booking_date: day,
        value_date: day,
        account_servicer_reference: Some(format!("REF-{key}")),
        end_to_end_id: Some(format!("E2E-{key}")),
        remittance: format!("Maksājums {key} ({LATVIAN_LETTERS})"),
        counterparty_name: Some("Bērziņa-Šķēle".into()),
        counterparty_iban: Some("LV80BANK0000435195001".into()),
        purpose_id: None,
        outcome: Outcome::Unmatched,
        payment: None,
        expected: None,
        imported_at: at(60),
    }
}

/// `new` as the store gives it back under `id`.
fn stored_entry(new: &NewStatementEntry, id: i64) -> StoredEntry {
    StoredEntry {
        id,
        key: new.key.clone(),
        message: new.message.clone(),
        statement_id: new.statement_id.clone(),
        account: new.account.clone(),
        booked: new.booked,
        credit: new.credit,
        reversal: new.reversal,
        amount: new.amount,
        currency: new.currency.as_str().to_owned(),
        booking_date: new.booking_date,
        value_date: new.value_date,
        account_servicer_reference: new.account_servicer_reference.clone(),
        end_to_end_id: new.end_to_end_id.clone(),
        remittance: new.remittance.clone(),
        counterparty_name: new.counterparty_name.clone(),
        counterparty_iban: new.counterparty_iban.clone(),
        purpose_id: new.purpose_id.clone(),
        outcome: new.outcome,
        request_id: new.payment.map(|(r, _)| r),
        sequence: new.payment.map(|(_, s)| s),
        expected: new.expected,
        imported_at: new.imported_at,
        import_id: new.import_id,
        confirmed_import_id: None,
    }
}

/// Inserts `entries` in one committed transaction of a new import; answers
/// the import's id and the entries' ids, in order.
async fn store_entries(
    store: &dyn Store,
    sha: char,
    entries: impl Fn(i64) -> Vec<NewStatementEntry>,
) -> (i64, Vec<i64>) {
    let mut work = begin(store).await;
    let import_id = insert_import(work.as_mut(), &import(sha, "camt.053", 60)).await;
    let entries = entries(import_id);
    work.insert_entries(&entries)
        .await
        .expect("inserting entries failed");
    let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    let known = work.known_entries(&keys).await.unwrap();
    work.commit().await.expect("commit failed");
    let ids = entries
        .iter()
        .map(|e| known.iter().find(|k| k.key == e.key).unwrap().id)
        .collect();
    (import_id, ids)
}

/// A one-payment request of `pmlp.epakalpojumi` paid through an attempt
/// (payment and request in E); answers it as stored and when it was paid.
async fn paid_request(store: &dyn Store, seed: u64) -> (PaymentRequest, OffsetDateTime) {
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, seed);
    let inserted = store
        .insert_payment_requests(&[(request.clone(), creation_audit(&request))])
        .await
        .expect("inserting a request failed");
    assert!(inserted.iter().all(Result::is_ok), "{inserted:?}");
    let started = request.created_at + Duration::minutes(5);
    let attempt = sample_attempt(&request, 1, seed, started);
    let audit = AuditEvent {
        at: started,
        actor: "HABALV22".into(),
        request_id: Some(request.id),
        kind: "payment_attempt.started".into(),
        detail: json!({}),
    };
    assert_eq!(store.start_attempt(&attempt, &audit).await.unwrap(), Ok(()));
    let paid_at = started + Duration::minutes(1) + Duration::microseconds(3);
    let report = OutcomeReport {
        attempt: attempt.id,
        outcome: AttemptOutcome::Executed,
        external_id: Some(format!("HABA-{seed}")),
        at: paid_at,
        notifications: Vec::new(),
        receipt_due: false,
    };
    let audit = AuditEvent {
        kind: "payment_attempt.executed".into(),
        at: paid_at,
        ..audit
    };
    store
        .record_outcome(&report, &audit)
        .await
        .expect("recording the outcome failed")
        .expect("the attempt is stored");
    let paid = store
        .payment_request(&owner, request.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paid.payments[0].status, Status::Executed);
    (paid, paid_at)
}

fn all_entries() -> EntryFilter {
    EntryFilter {
        limit: ALL,
        ..EntryFilter::default()
    }
}

async fn listed_entries(store: &dyn Store, filter: EntryFilter) -> Vec<i64> {
    store
        .statement_entries(&filter)
        .await
        .expect("listing entries failed")
        .into_iter()
        .map(|e| e.id)
        .collect()
}

fn order(end_to_end_id: &str, entry_id: Option<i64>, minor: i64, minutes: i64) -> NewPaymentOrder {
    NewPaymentOrder {
        end_to_end_id: end_to_end_id.into(),
        kind: if entry_id.is_some() {
            "refund"
        } else {
            "transfer"
        }
        .into(),
        entry_id,
        debtor_iban: ACCOUNT.into(),
        creditor_name: format!("Ģirts Bērziņš ({LATVIAN_LETTERS})"),
        creditor_iban: "LV80BANK0000435195001".into(),
        creditor_bic: Some("HABALV22".into()),
        amount: euros(minor),
        currency: currency("EUR"),
        remittance: format!("Atmaksa {end_to_end_id}"),
        proposed_by: "reconciliation".into(),
        at: at(minutes),
    }
}

fn state_write(
    id: i64,
    from: OrderState,
    to: OrderState,
    minutes: i64,
) -> OrderStateWrite<'static> {
    OrderStateWrite {
        id,
        from,
        to,
        at: at(minutes),
        approved_by: None,
        batch_id: None,
        status_code: None,
        status_reason: None,
    }
}

// -------------------------------------------------------------- scenarios

pub async fn treasury_import_and_statement_are_stored_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let mut work = begin(store).await;
    let first = import('a', "camt.053", 60);
    let import_id = insert_import(work.as_mut(), &first).await;
    let statement = NewStatement {
        import_id,
        message: "camt.053".into(),
        statement_id: "STMT-2025-03-10".into(),
        account: ACCOUNT.into(),
        day: Some(date!(2025 - 03 - 10)),
        currency: Some(currency("EUR")),
        opening_minor: Some(-1_250),
        closing_minor: Some(98_750),
        entries: 3,
        booked_credits: euros(100_000),
        booked_debits: euros(0),
    };
    assert!(work.insert_statement(&statement).await.unwrap(), "new");
    assert!(
        !work.insert_statement(&statement).await.unwrap(),
        "the same account, message and statement id again is not new"
    );
    let counts = ImportCounts {
        transactions: 3,
        new: 2,
        repeated: 1,
        confirmed: 0,
    };
    work.finish_import(import_id, &counts, &"b".repeat(64), "camt.053")
        .await
        .expect("finishing the import failed");
    work.commit().await.unwrap();

    // A later import names the same statement: still not new.
    let mut work = begin(store).await;
    let second = insert_import(work.as_mut(), &import('c', "camt.053", 120)).await;
    assert_ne!(second, import_id);
    assert!(
        !work
            .insert_statement(&NewStatement {
                import_id: second,
                ..statement.clone()
            })
            .await
            .unwrap()
    );
    // Another message with the same statement id is another statement.
    assert!(
        work.insert_statement(&NewStatement {
            import_id: second,
            message: "camt.052".into(),
            ..statement.clone()
        })
        .await
        .unwrap()
    );
    work.commit().await.unwrap();

    let stored = store
        .statements(date!(2025 - 03 - 10), date!(2025 - 03 - 10))
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        1,
        "only the camt.053 is a statement: {stored:?}"
    );
    let stored = &stored[0];
    assert_eq!(stored.message, "camt.053");
    assert_eq!(stored.statement_id, "STMT-2025-03-10");
    assert_eq!(stored.account, ACCOUNT);
    assert_eq!(stored.day, Some(date!(2025 - 03 - 10)));
    assert_eq!(stored.currency.as_deref(), Some("EUR"));
    assert_eq!(stored.opening_minor, Some(-1_250));
    assert_eq!(stored.closing_minor, Some(98_750));
    assert_eq!(stored.entries, 3);
    assert_eq!(stored.booked_credits, euros(100_000));
    assert_eq!(stored.booked_debits, euros(0));
    assert_eq!(
        stored.imported_at, first.at,
        "a statement is imported when its (first) import was"
    );
}

pub async fn treasury_entries_are_known_by_key_and_a_key_is_stored_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let mut work = begin(store).await;
    let import_id = insert_import(work.as_mut(), &import('a', "camt.052", 60)).await;
    let mut pending = entry("K-2", import_id, None, 500);
    pending.booked = false;
    pending.outcome = Outcome::Pending;
    let entries = vec![
        entry("K-1", import_id, Some(date!(2025 - 03 - 10)), 1_000),
        pending,
        entry("K-3", import_id, Some(date!(2025 - 03 - 11)), 2_000),
    ];
    work.insert_entries(&entries).await.unwrap();
    assert!(
        work.known_entries(&[]).await.unwrap().is_empty(),
        "no keys, no entries"
    );
    let mut known = work
        .known_entries(&["K-2", "K-3", "K-missing"])
        .await
        .unwrap();
    known.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(known.len(), 2, "{known:?}");
    assert_eq!(
        (known[0].key.as_str(), known[0].booked, known[0].outcome),
        ("K-2", false, Outcome::Pending)
    );
    assert_eq!(
        (known[1].key.as_str(), known[1].booked, known[1].outcome),
        ("K-3", true, Outcome::Unmatched)
    );
    let id = known[1].id;
    assert_eq!(
        work.entry_for_update(id).await.unwrap(),
        Some(stored_entry(&entries[2], id))
    );
    work.commit().await.unwrap();

    let all = store.statement_entries(&all_entries()).await.unwrap();
    assert_eq!(all.len(), 3);
    for (stored, new) in all.iter().zip(&entries) {
        assert_eq!(stored, &stored_entry(new, stored.id), "in insertion order");
    }

    // The same key again: a conflict, and nothing of that transaction stays.
    let mut work = begin(store).await;
    let again = insert_import(work.as_mut(), &import('b', "camt.053", 120)).await;
    let result = work
        .insert_entries(&[
            entry("K-4", again, Some(date!(2025 - 03 - 12)), 10),
            entry("K-1", again, Some(date!(2025 - 03 - 12)), 10),
        ])
        .await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "a stored key again must be a conflict, was {result:?}"
    );
    drop(work);
    let mut work = begin(store).await;
    assert!(work.known_entries(&["K-4"]).await.unwrap().is_empty());
    drop(work);
    assert_eq!(
        store.statement_entries(&all_entries()).await.unwrap().len(),
        3
    );
}

pub async fn treasury_a_settling_entry_settles_its_payment_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (request, paid_at) = paid_request(store, 1).await;
    let payment = &request.payments[0];
    let purpose_id = payment.purpose_id.to_string();
    let day = paid_at.date();

    assert_eq!(
        store
            .unsettled_payments(paid_at + Duration::seconds(1), ALL)
            .await
            .unwrap(),
        vec![UnsettledPayment {
            request_id: request.id,
            sequence: 1,
            purpose_id: purpose_id.clone(),
            amount: payment.amount,
            currency: "EUR".into(),
            payee_iban: payment.payee.iban.to_string(),
            paid_at,
        }]
    );
    assert!(
        store
            .unsettled_payments(paid_at, ALL)
            .await
            .unwrap()
            .is_empty(),
        "paid_before is exclusive"
    );
    assert_eq!(
        store.expected_totals(day, day).await.unwrap(),
        vec![ExpectedTotal {
            day,
            currency: "EUR".into(),
            count: 1,
            amount: payment.amount,
        }]
    );
    assert!(
        store
            .expected_totals(day.next_day().unwrap(), day.next_day().unwrap())
            .await
            .unwrap()
            .is_empty()
    );

    let mut work = begin(store).await;
    let found = work
        .payments_for_matching(&[purpose_id.as_str(), "RF00NOTAPURPOSEIDOFOURS"])
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let before = &found[0];
    assert_eq!(before.purpose_id, purpose_id);
    assert_eq!((before.request_id, before.sequence), (request.id, 1));
    assert_eq!(before.amount, payment.amount);
    assert_eq!(before.currency, payment.currency);
    assert_eq!(before.payee_iban, payment.payee.iban.to_string());
    assert_eq!(before.payment_status, Status::Executed);
    assert_eq!(before.paid_at, Some(paid_at));
    assert!(!before.settled);

    let import_id = insert_import(work.as_mut(), &import('a', "camt.053", 60)).await;
    let mut settling = entry("SETTLE-1", import_id, Some(day), payment.amount.minor());
    settling.purpose_id = Some(purpose_id.clone());
    settling.outcome = Outcome::Settled;
    settling.payment = Some((request.id, 1));
    settling.expected = Some(payment.amount);
    work.insert_entries(std::slice::from_ref(&settling))
        .await
        .unwrap();
    let audit = AuditEvent {
        at: at(61),
        actor: "reconciliation".into(),
        request_id: Some(request.id),
        kind: "payment.settled".into(),
        detail: json!({ "entry": "SETTLE-1" }),
    };
    work.append_audits(std::slice::from_ref(&audit))
        .await
        .unwrap();
    let inside = work
        .payments_for_matching(&[purpose_id.as_str()])
        .await
        .unwrap();
    assert!(inside[0].settled, "the transaction sees its own settlement");
    work.commit().await.unwrap();

    let after = store
        .payment_by_purpose_id(&purpose_id)
        .await
        .unwrap()
        .expect("the payment is found by its identifier");
    assert!(after.settled);
    let mut expected = before.clone();
    expected.settled = true;
    assert_eq!(after, expected, "only `settled` changed");
    assert!(
        store
            .payment_by_purpose_id("RF00NOTAPURPOSEIDOFOURS")
            .await
            .unwrap()
            .is_none()
    );
    let paid = store
        .paid_payments(paid_at, paid_at + Duration::microseconds(1), ALL)
        .await
        .unwrap();
    assert_eq!(paid, vec![after.clone()]);
    assert!(
        store
            .paid_payments(paid_at - Duration::minutes(1), paid_at, ALL)
            .await
            .unwrap()
            .is_empty(),
        "till is exclusive"
    );
    assert!(
        store
            .unsettled_payments(paid_at + Duration::seconds(1), ALL)
            .await
            .unwrap()
            .is_empty(),
        "a settled payment is no longer unsettled"
    );
    let listed = store
        .payments(
            &request.owner,
            &PaymentFilter {
                limit: ALL,
                ..PaymentFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].settled_on, Some(day));
    assert_eq!(
        listed[0].settlement_reference.as_deref(),
        Some("REF-SETTLE-1")
    );
    assert!(
        store
            .audit_events(request.id)
            .await
            .unwrap()
            .contains(&audit),
        "the audit event committed with the entry"
    );

    // A second settling entry for the same payment: the unique index refuses it.
    let mut work = begin(store).await;
    let import_id = insert_import(work.as_mut(), &import('b', "camt.053", 120)).await;
    let mut twice = settling.clone();
    twice.key = "SETTLE-2".into();
    twice.import_id = import_id;
    let result = work.insert_entries(&[twice]).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "a payment is settled once, was {result:?}"
    );
    drop(work);
    // As a refund candidate it is stored.
    let (_, ids) = store_entries(store, 'c', |import_id| {
        let mut candidate = settling.clone();
        candidate.key = "SETTLE-3".into();
        candidate.import_id = import_id;
        candidate.outcome = Outcome::RefundCandidate;
        vec![candidate]
    })
    .await;
    assert_eq!(
        listed_entries(
            store,
            EntryFilter {
                payment: Some((request.id, 1)),
                ..all_entries()
            }
        )
        .await
        .len(),
        2
    );
    assert_eq!(ids.len(), 1);
}

pub async fn treasury_a_pending_entry_is_booked_and_entries_confirmed(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (request, paid_at) = paid_request(store, 2).await;
    let (first_import, ids) = store_entries(store, 'a', |import_id| {
        let mut pending = entry("P-1", import_id, None, 700);
        pending.booked = false;
        pending.outcome = Outcome::Pending;
        vec![
            pending,
            entry("B-1", import_id, Some(date!(2025 - 03 - 10)), 800),
        ]
    })
    .await;
    let (pending_id, booked_id) = (ids[0], ids[1]);

    let mut work = begin(store).await;
    let second_import = insert_import(work.as_mut(), &import('b', "camt.053", 120)).await;
    let booked = EntryBooked {
        id: pending_id,
        import_id: second_import,
        booking_date: Some(paid_at.date()),
        outcome: Outcome::Short,
        payment: Some((request.id, 1)),
        expected: Some(request.payments[0].amount),
    };
    work.book_entry(&booked).await.unwrap();
    work.confirm_entries(&[booked_id], second_import)
        .await
        .unwrap();
    let now = work.entry_for_update(pending_id).await.unwrap().unwrap();
    assert!(now.booked);
    assert_eq!(now.outcome, Outcome::Short);
    assert_eq!(now.booking_date, Some(paid_at.date()));
    assert_eq!((now.request_id, now.sequence), (Some(request.id), Some(1)));
    assert_eq!(now.expected, Some(request.payments[0].amount));
    assert_eq!(now.confirmed_import_id, Some(second_import));
    assert_eq!(
        now.import_id, first_import,
        "still the import that stored it"
    );
    assert_eq!(
        work.known_entries(&["P-1"]).await.unwrap(),
        vec![KnownEntry {
            id: pending_id,
            key: "P-1".into(),
            booked: true,
            outcome: Outcome::Short,
        }]
    );
    work.commit().await.unwrap();

    let confirmed = store.statement_entry(booked_id).await.unwrap().unwrap();
    assert_eq!(confirmed.confirmed_import_id, Some(second_import));
    assert_eq!(confirmed.outcome, Outcome::Unmatched, "only confirmed");

    // Booking without a day keeps the one stored.
    let mut work = begin(store).await;
    let third_import = insert_import(work.as_mut(), &import('c', "camt.053", 180)).await;
    work.book_entry(&EntryBooked {
        id: pending_id,
        import_id: third_import,
        booking_date: None,
        outcome: Outcome::Unmatched,
        payment: None,
        expected: None,
    })
    .await
    .unwrap();
    work.commit().await.unwrap();
    let again = store.statement_entry(pending_id).await.unwrap().unwrap();
    assert_eq!(again.booking_date, Some(paid_at.date()));
    assert_eq!(again.outcome, Outcome::Unmatched);
    assert_eq!((again.request_id, again.expected), (None, None));
    assert_eq!(again.confirmed_import_id, Some(third_import));
}

pub async fn treasury_entries_filter_by_day_outcome_payment_and_page(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (request, _) = paid_request(store, 3).await;
    let (d1, d2, d3) = (
        date!(2025 - 03 - 10),
        date!(2025 - 03 - 11),
        date!(2025 - 03 - 12),
    );
    let (_, ids) = store_entries(store, 'a', |import_id| {
        let mut short = entry("F-2", import_id, Some(d2), 300);
        short.outcome = Outcome::Short;
        short.payment = Some((request.id, 1));
        short.expected = Some(request.payments[0].amount);
        let mut elsewhere = entry("F-3", import_id, Some(d2), 400);
        elsewhere.account = OTHER_ACCOUNT.into();
        let mut debit = entry("F-4", import_id, Some(d3), 500);
        debit.credit = false;
        debit.outcome = Outcome::Debit;
        let mut pending = entry("F-5", import_id, None, 600);
        pending.booked = false;
        pending.outcome = Outcome::Pending;
        vec![
            entry("F-1", import_id, Some(d1), 200),
            short,
            elsewhere,
            debit,
            pending,
        ]
    })
    .await;

    assert_eq!(listed_entries(store, all_entries()).await, ids, "id order");
    let filtered = |filter: EntryFilter| listed_entries(store, filter);
    assert_eq!(
        filtered(EntryFilter {
            from: Some(d2),
            ..all_entries()
        })
        .await,
        vec![ids[1], ids[2], ids[3]],
        "from is inclusive; no booking day, no match"
    );
    assert_eq!(
        filtered(EntryFilter {
            to: Some(d2),
            ..all_entries()
        })
        .await,
        vec![ids[0], ids[1], ids[2]]
    );
    assert_eq!(
        filtered(EntryFilter {
            from: Some(d2),
            to: Some(d2),
            account: Some(ACCOUNT.into()),
            ..all_entries()
        })
        .await,
        vec![ids[1]]
    );
    assert_eq!(
        filtered(EntryFilter {
            outcome: Some(Outcome::Unmatched),
            ..all_entries()
        })
        .await,
        vec![ids[0], ids[2]]
    );
    assert_eq!(
        filtered(EntryFilter {
            payment: Some((request.id, 1)),
            ..all_entries()
        })
        .await,
        vec![ids[1]]
    );
    assert!(
        filtered(EntryFilter {
            payment: Some((request.id, 2)),
            ..all_entries()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        filtered(EntryFilter {
            after_id: Some(ids[1]),
            limit: 2,
            ..all_entries()
        })
        .await,
        vec![ids[2], ids[3]],
        "a page after an id, bounded"
    );
    assert!(
        filtered(EntryFilter {
            limit: 0,
            ..all_entries()
        })
        .await
        .is_empty()
    );
    let one = store.statement_entry(ids[1]).await.unwrap().unwrap();
    assert_eq!(one.key, "F-2");
    assert_eq!(one.request_id, Some(request.id));
    assert!(
        store
            .statement_entry(ids[4] + 1_000)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn treasury_outcome_totals_and_statements_by_day(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (d1, d2) = (date!(2025 - 03 - 10), date!(2025 - 03 - 11));
    store_entries(store, 'a', |import_id| {
        let mut other = entry("T-3", import_id, Some(d1), 5);
        other.account = OTHER_ACCOUNT.into();
        let mut debit = entry("T-4", import_id, Some(d1), 7);
        debit.outcome = Outcome::Debit;
        debit.credit = false;
        let mut pending = entry("T-6", import_id, None, 11);
        pending.outcome = Outcome::Pending;
        pending.booked = false;
        vec![
            entry("T-1", import_id, Some(d1), 100),
            entry("T-2", import_id, Some(d1), 250),
            other,
            debit,
            entry("T-5", import_id, Some(d2), 1_000),
            pending,
        ]
    })
    .await;
    let mut totals = store.outcome_totals(d1, d1).await.unwrap();
    totals.sort_by(|a, b| {
        (a.account.as_str(), a.outcome.as_str()).cmp(&(b.account.as_str(), b.outcome.as_str()))
    });
    let total = |account: &str, outcome: Outcome, count: u64, minor: i64| OutcomeTotal {
        day: Some(d1),
        account: account.into(),
        currency: "EUR".into(),
        outcome,
        count,
        amount: euros(minor),
    };
    let mut expected = vec![
        total(ACCOUNT, Outcome::Unmatched, 2, 350),
        total(ACCOUNT, Outcome::Debit, 1, 7),
        total(OTHER_ACCOUNT, Outcome::Unmatched, 1, 5),
    ];
    expected.sort_by(|a, b| {
        (a.account.as_str(), a.outcome.as_str()).cmp(&(b.account.as_str(), b.outcome.as_str()))
    });
    assert_eq!(totals, expected);
    let both = store.outcome_totals(d1, d2).await.unwrap();
    assert_eq!(both.len(), 4, "{both:?}");
    assert!(both.contains(&OutcomeTotal {
        day: Some(d2),
        ..total(ACCOUNT, Outcome::Unmatched, 1, 1_000)
    }));
    assert!(
        store
            .outcome_totals(date!(2025 - 03 - 12), date!(2025 - 03 - 31))
            .await
            .unwrap()
            .is_empty()
    );

    // Statements: only camt.053, by day.
    let mut work = begin(store).await;
    let import_id = insert_import(work.as_mut(), &import('b', "camt.053", 60)).await;
    for (message, statement_id, day) in [
        ("camt.053", "S-1", d1),
        ("camt.053", "S-2", d2),
        ("camt.052", "R-1", d1),
        ("camt.054", "N-1", d1),
    ] {
        let statement = NewStatement {
            import_id,
            message: message.into(),
            statement_id: statement_id.into(),
            account: ACCOUNT.into(),
            day: Some(day),
            currency: Some(currency("EUR")),
            opening_minor: None,
            closing_minor: None,
            entries: 0,
            booked_credits: Amount::ZERO,
            booked_debits: Amount::ZERO,
        };
        assert!(work.insert_statement(&statement).await.unwrap());
    }
    work.commit().await.unwrap();
    let ids = |list: Vec<maksa_app::store::StoredStatement>| -> Vec<String> {
        list.into_iter().map(|s| s.statement_id).collect()
    };
    assert_eq!(ids(store.statements(d1, d1).await.unwrap()), vec!["S-1"]);
    assert_eq!(
        ids(store.statements(d1, d2).await.unwrap()),
        vec!["S-1", "S-2"]
    );
    assert!(
        store
            .statements(date!(2025 - 03 - 12), date!(2025 - 03 - 12))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn treasury_orders_and_batches(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (_, entry_ids) = store_entries(store, 'a', |import_id| {
        vec![
            entry("O-1", import_id, Some(date!(2025 - 03 - 10)), 1_500),
            entry("O-2", import_id, Some(date!(2025 - 03 - 10)), 2_500),
        ]
    })
    .await;

    let mut work = begin(store).await;
    let refund = order("RFND-1", Some(entry_ids[0]), 1_500, 70);
    let first = work
        .insert_order(&refund)
        .await
        .unwrap()
        .expect("new order");
    assert_eq!(
        work.insert_order(&order("RFND-1", Some(entry_ids[1]), 2_500, 71))
            .await
            .unwrap(),
        None,
        "the same end-to-end id again"
    );
    assert_eq!(
        work.insert_order(&order("RFND-2", Some(entry_ids[0]), 1_500, 71))
            .await
            .unwrap(),
        None,
        "a second refund of the same entry"
    );
    let second = work
        .insert_order(&order("RFND-3", Some(entry_ids[1]), 2_500, 72))
        .await
        .unwrap()
        .expect("another entry's refund");
    let transfer = work
        .insert_order(&order("XFER-1", None, 900, 73))
        .await
        .unwrap()
        .expect("a transfer");
    let stored = work.order_for_update(first).await.unwrap().unwrap();
    assert_eq!(stored.end_to_end_id, "RFND-1");
    assert_eq!(stored.kind, "refund");
    assert_eq!(stored.entry_id, Some(entry_ids[0]));
    assert_eq!(stored.debtor_iban, ACCOUNT);
    assert_eq!(stored.creditor_name, refund.creditor_name);
    assert_eq!(stored.creditor_iban, refund.creditor_iban);
    assert_eq!(stored.creditor_bic.as_deref(), Some("HABALV22"));
    assert_eq!(stored.amount, euros(1_500));
    assert_eq!(stored.currency, "EUR");
    assert_eq!(stored.remittance, "Atmaksa RFND-1");
    assert_eq!(stored.state, OrderState::Proposed);
    assert_eq!(stored.proposed_by, "reconciliation");
    assert_eq!((stored.proposed_at, stored.updated_at), (at(70), at(70)));
    assert_eq!(
        (stored.approved_by.as_deref(), stored.approved_at),
        (None, None)
    );
    assert_eq!(stored.batch_id, None);
    assert_eq!(
        work.order_by_end_to_end_id("RFND-1").await.unwrap(),
        Some(stored.clone())
    );
    assert!(
        work.order_by_end_to_end_id("RFND-9")
            .await
            .unwrap()
            .is_none()
    );

    // Approval is a compare-and-set.
    let approve = |id| OrderStateWrite {
        approved_by: Some("kasiere"),
        ..state_write(id, OrderState::Proposed, OrderState::Approved, 80)
    };
    assert!(work.set_order_state(&approve(first)).await.unwrap());
    assert!(
        !work.set_order_state(&approve(first)).await.unwrap(),
        "no longer proposed"
    );
    assert!(work.set_order_state(&approve(second)).await.unwrap());
    let approved = work.order_for_update(first).await.unwrap().unwrap();
    assert_eq!(approved.state, OrderState::Approved);
    assert_eq!(approved.approved_by.as_deref(), Some("kasiere"));
    assert_eq!(approved.approved_at, Some(at(80)));
    assert_eq!(approved.updated_at, at(80));
    let waiting: Vec<i64> = work
        .approved_orders(ALL)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(waiting, vec![first, second], "oldest first");
    assert_eq!(work.approved_orders(1).await.unwrap().len(), 1);

    // A batch takes the approved orders.
    let batch = NewPaymentBatch {
        message_id: "MSG-2025-03-10-1".into(),
        version: "pain.001.001.09".into(),
        document: "<Document/>".into(),
        orders: 2,
        control_sum: euros(4_000),
        created_by: "kasiere".into(),
        at: at(90),
    };
    let batch_id = work.insert_batch(&batch).await.unwrap().expect("new batch");
    assert_eq!(
        work.insert_batch(&batch).await.unwrap(),
        None,
        "the same message id again"
    );
    for id in [first, second] {
        let taken = OrderStateWrite {
            batch_id: Some(batch_id),
            ..state_write(id, OrderState::Approved, OrderState::Submitted, 91)
        };
        assert!(work.set_order_state(&taken).await.unwrap());
    }
    assert!(work.approved_orders(ALL).await.unwrap().is_empty());
    let in_batch: Vec<i64> = work
        .orders_of_batch(batch_id)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(in_batch, vec![first, second]);
    work.set_batch_state(batch_id, "submitted", at(92))
        .await
        .unwrap();
    // Submitted again (a re-submission): the first time stays.
    work.set_batch_state(batch_id, "submitted", at(93))
        .await
        .unwrap();
    let submitted = work
        .batch_for_update("MSG-2025-03-10-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(submitted.id, batch_id);
    assert_eq!(submitted.state, "submitted");
    assert_eq!(submitted.submitted_at, Some(at(92)));
    assert_eq!(submitted.answered_at, None);
    assert_eq!(submitted.document, "<Document/>");
    assert_eq!((submitted.orders, submitted.control_sum), (2, euros(4_000)));
    assert_eq!(submitted.version, "pain.001.001.09");
    assert_eq!(
        (submitted.created_by.as_str(), submitted.created_at),
        ("kasiere", at(90))
    );
    let rejected = OrderStateWrite {
        status_code: Some("RJCT"),
        status_reason: Some("AC04"),
        ..state_write(second, OrderState::Submitted, OrderState::Rejected, 95)
    };
    assert!(work.set_order_state(&rejected).await.unwrap());
    work.set_batch_state(batch_id, "answered", at(96))
        .await
        .unwrap();
    assert!(work.batch_for_update("MSG-none").await.unwrap().is_none());
    work.commit().await.unwrap();

    let answered = store.payment_batches("answered", ALL).await.unwrap();
    assert_eq!(answered.len(), 1);
    assert_eq!(
        (answered[0].submitted_at, answered[0].answered_at),
        (Some(at(92)), Some(at(96)))
    );
    assert!(
        store
            .payment_batches("ready", ALL)
            .await
            .unwrap()
            .is_empty()
    );
    let refused = store.payment_order(second).await.unwrap().unwrap();
    assert_eq!(refused.state, OrderState::Rejected);
    assert_eq!(refused.status_code.as_deref(), Some("RJCT"));
    assert_eq!(refused.status_reason.as_deref(), Some("AC04"));
    assert_eq!(refused.batch_id, Some(batch_id), "kept when not given");
    assert_eq!(refused.approved_by.as_deref(), Some("kasiere"));
    assert!(
        store
            .payment_order(transfer + 1_000)
            .await
            .unwrap()
            .is_none()
    );
    let ids = |list: Vec<maksa_app::store::PaymentOrder>| -> Vec<i64> {
        list.iter().map(|o| o.id).collect()
    };
    assert_eq!(
        ids(store.payment_orders(None, ALL).await.unwrap()),
        vec![transfer, second, first],
        "newest first"
    );
    assert_eq!(
        ids(store.payment_orders(None, 1).await.unwrap()),
        vec![transfer]
    );
    assert_eq!(
        ids(store
            .payment_orders(Some(OrderState::Submitted), ALL)
            .await
            .unwrap()),
        vec![first]
    );
    assert_eq!(
        ids(store
            .payment_orders(Some(OrderState::Proposed), ALL)
            .await
            .unwrap()),
        vec![transfer]
    );
}

pub async fn treasury_work_dropped_without_commit_leaves_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (request, _) = paid_request(store, 4).await;
    let audits_before = store.audit_events(request.id).await.unwrap();
    {
        let mut work = begin(store).await;
        let import_id = insert_import(work.as_mut(), &import('a', "camt.053", 60)).await;
        assert!(
            work.insert_statement(&NewStatement {
                import_id,
                message: "camt.053".into(),
                statement_id: "S-1".into(),
                account: ACCOUNT.into(),
                day: Some(date!(2025 - 03 - 10)),
                currency: None,
                opening_minor: None,
                closing_minor: None,
                entries: 1,
                booked_credits: euros(10),
                booked_debits: Amount::ZERO,
            })
            .await
            .unwrap()
        );
        let mut settling = entry("R-1", import_id, Some(date!(2025 - 03 - 10)), 10);
        settling.outcome = Outcome::Settled;
        settling.payment = Some((request.id, 1));
        work.insert_entries(&[settling]).await.unwrap();
        let id = work.known_entries(&["R-1"]).await.unwrap()[0].id;
        work.insert_order(&order("RB-1", Some(id), 10, 70))
            .await
            .unwrap()
            .unwrap();
        work.insert_batch(&NewPaymentBatch {
            message_id: "RB-MSG".into(),
            version: "pain.001.001.03".into(),
            document: "<Document/>".into(),
            orders: 1,
            control_sum: euros(10),
            created_by: "kasiere".into(),
            at: at(71),
        })
        .await
        .unwrap()
        .unwrap();
        work.append_audits(&[AuditEvent {
            at: at(72),
            actor: "reconciliation".into(),
            request_id: Some(request.id),
            kind: "payment.settled".into(),
            detail: json!({}),
        }])
        .await
        .unwrap();
        // Dropped here, uncommitted.
    }
    let d = date!(2025 - 03 - 10);
    assert!(
        store
            .statement_entries(&all_entries())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.statements(d, d).await.unwrap().is_empty());
    assert!(store.payment_orders(None, ALL).await.unwrap().is_empty());
    assert!(
        store
            .payment_batches("ready", ALL)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.audit_events(request.id).await.unwrap(), audits_before);
    let purpose_id = request.payments[0].purpose_id.to_string();
    assert!(
        !store
            .payment_by_purpose_id(&purpose_id)
            .await
            .unwrap()
            .unwrap()
            .settled
    );
    // The next treasury transaction is not kept waiting by the dropped one,
    // and the same statement is new to it.
    let mut work = tokio::time::timeout(std::time::Duration::from_secs(10), store.begin_treasury())
        .await
        .expect("a dropped treasury transaction still holds the treasury")
        .unwrap();
    let import_id = insert_import(work.as_mut(), &import('b', "camt.053", 80)).await;
    assert!(work.known_entries(&["R-1"]).await.unwrap().is_empty());
    work.finish_import(
        import_id,
        &ImportCounts::default(),
        &"b".repeat(64),
        "camt.053",
    )
    .await
    .unwrap();
    work.commit().await.unwrap();
}

pub async fn treasury_transactions_run_one_at_a_time(store: Arc<dyn Store>) {
    let first = begin(store.as_ref()).await;
    let second_store = Arc::clone(&store);
    let second = tokio::spawn(async move {
        let mut work = second_store.begin_treasury().await.unwrap();
        let id = work
            .insert_import(&import('b', "camt.053", 90))
            .await
            .unwrap();
        work.commit().await.unwrap();
        id
    });
    // While the first is open, the second cannot begin.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "a second treasury transaction ran beside an open one"
    );
    let mut first = first;
    let first_id = insert_import(first.as_mut(), &import('a', "camt.053", 60)).await;
    first.commit().await.unwrap();
    let second_id = tokio::time::timeout(std::time::Duration::from_secs(10), second)
        .await
        .expect("the second treasury transaction never began")
        .unwrap();
    assert!(
        second_id > first_id,
        "the second import began after the first committed"
    );
}

pub async fn treasury_exchange_log_keeps_the_newest(store: Arc<dyn Store>) {
    let store = store.as_ref();
    assert!(store.exchanges(ALL).await.unwrap().is_empty());
    let record = |i: i64| ExchangeRecord {
        at: at(i),
        operation: if i % 2 == 0 { "statement" } else { "submit" }.into(),
        subject: ACCOUNT.into(),
        outcome: "ok".into(),
        detail: format!("{i} ieraksti ({LATVIAN_LETTERS})"),
    };
    for i in 1..=5 {
        store.log_exchange(&record(i), 3).await.unwrap();
    }
    assert_eq!(
        store.exchanges(ALL).await.unwrap(),
        vec![record(5), record(4), record(3)],
        "only the newest three, newest first"
    );
    assert_eq!(
        store.exchanges(2).await.unwrap(),
        vec![record(5), record(4)]
    );
    store.log_exchange(&record(6), 10).await.unwrap();
    assert_eq!(
        store.exchanges(ALL).await.unwrap().len(),
        4,
        "a larger keep prunes nothing"
    );
    store.log_exchange(&record(7), 1).await.unwrap();
    assert_eq!(store.exchanges(ALL).await.unwrap(), vec![record(7)]);
}

/// A settled, paid request's receipt is due again once the import commits:
/// the receipt worker's list names it (each store may queue the mark and
/// make it on the list's call); an unpaid request, a request without
/// receipts, and a transaction dropped without commit mark nothing.
pub async fn treasury_settled_receipts_become_due(store: Arc<dyn Store>) {
    // Even seeds take receipts; odd ones are NoInvoice.
    let (with_receipt, _) = paid_request(store.as_ref(), 40).await;
    let (no_invoice, _) = paid_request(store.as_ref(), 41).await;
    assert!(no_invoice.terms.no_invoice && !with_receipt.terms.no_invoice);
    let owner = client("pmlp.epakalpojumi");
    let unpaid = single_payment_request(&owner, 42);
    store
        .insert_payment_requests(&[(unpaid.clone(), creation_audit(&unpaid))])
        .await
        .unwrap();
    let due = |store: Arc<dyn Store>| async move { receipts_listed(store.as_ref()).await };
    assert!(due(store.clone()).await.is_empty());

    let mut dropped = begin(store.as_ref()).await;
    dropped.mark_receipts_due(&[with_receipt.id]).await.unwrap();
    drop(dropped);
    assert!(
        due(store.clone()).await.is_empty(),
        "nothing without commit"
    );

    let mut work = begin(store.as_ref()).await;
    let all = [with_receipt.id, no_invoice.id, unpaid.id, with_receipt.id];
    work.mark_receipts_due(&all).await.unwrap();
    work.commit().await.unwrap();
    assert_eq!(due(store.clone()).await, vec![with_receipt.id]);
    // Listed again until the receipt is stored; the mark is the request's.
    assert_eq!(due(store.clone()).await, vec![with_receipt.id]);
    let state = store
        .document_state(&owner, with_receipt.id)
        .await
        .unwrap()
        .unwrap();
    assert!(state.receipt_due);
}
