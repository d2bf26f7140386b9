//! The Treasury loop's use cases on both databases: statements imported and
//! judged (every outcome), imported twice, intraday then end of day, refused
//! whole; the report's totals against the statement's balances; refunds
//! through approval, a schema-valid pain.001 and pain.002 answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use maksa_app::clock::ManualClock;
use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, EntryFilter, PaymentFilter, RequestStatusWrite};
use maksa_app::treasury::{Treasury, TreasuryError, TreasurySettings};
use maksa_domain::payment_order::OrderState;
use maksa_domain::reconciliation::Outcome;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use maksa_store_tests::fixtures::{
    client, creation_audit, pay_first_payment, single_payment_request,
};
use maksa_treasury::pain_status::{StatusReport, TransactionStatus, write_pain002};
use std::sync::Arc;
use support::{Backend, DatabaseGuard, open_store};
use time::macros::{date, datetime};

const ACCOUNT: &str = "LV44HABA0551000000001";

struct Setup {
    store: Arc<dyn Store>,
    treasury: Treasury,
    clock: Arc<ManualClock>,
    _guard: DatabaseGuard,
}

async fn setup(backend: Backend) -> Setup {
    let (store, guard) = open_store(backend).await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 10:00 UTC)));
    let treasury = Treasury::new(store.clone(), clock.clone(), TreasurySettings::default());
    Setup {
        store,
        treasury,
        clock,
        _guard: guard,
    }
}

/// Requests with one payment, to the passport office's account (`ACCOUNT`).
async fn requests(store: &Arc<dyn Store>, seeds: &[u64]) -> Vec<PaymentRequest> {
    requests_with(store, seeds, false).await
}

async fn requests_with(
    store: &Arc<dyn Store>,
    seeds: &[u64],
    no_invoice: bool,
) -> Vec<PaymentRequest> {
    let owner = client("pmlp.epakalpojumi");
    let requests: Vec<PaymentRequest> = seeds
        .iter()
        .map(|seed| {
            let mut request = single_payment_request(&owner, *seed);
            request.terms.no_invoice = no_invoice;
            request
        })
        .collect();
    let batch: Vec<(PaymentRequest, AuditEvent)> = requests
        .iter()
        .map(|r| (r.clone(), creation_audit(r)))
        .collect();
    for result in store.insert_payment_requests(&batch).await.unwrap() {
        result.unwrap();
    }
    for request in &requests {
        assert_eq!(request.payments[0].payee.iban.as_str(), ACCOUNT);
    }
    requests
}

async fn pay(store: &Arc<dyn Store>, request: &PaymentRequest, at: time::OffsetDateTime) {
    pay_first_payment(store.as_ref(), request, at).await;
}

async fn cancel(store: &Arc<dyn Store>, request: &PaymentRequest) {
    let mut work = store.begin().await.unwrap();
    assert!(
        work.set_request_status(&RequestStatusWrite {
            id: request.id,
            owner: &request.owner,
            from: Status::InProcess,
            to: Status::Cancelled,
            at: request.created_at,
            paid_at: None,
            receipt_due: None,
        })
        .await
        .unwrap()
    );
    work.set_open_payments_status(request.id, Status::Cancelled, None)
        .await
        .unwrap();
    work.commit().await.unwrap();
}

/// One `Ntry` of a camt.053.001.02 statement.
struct Line<'a> {
    reference: Option<&'a str>,
    minor: i64,
    credit: bool,
    status: &'a str,
    remittance: &'a [&'a str],
    debtor: Option<(&'a str, &'a str)>,
}

fn credit<'a>(reference: &'a str, minor: i64, remittance: &'a [&'a str]) -> Line<'a> {
    Line {
        reference: Some(reference),
        minor,
        credit: true,
        status: "BOOK",
        remittance,
        debtor: None,
    }
}

fn amount_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// A statement (`053`) or report (`052`) of `ACCOUNT` for 2026-11-30 with
/// these entries and balances that add up.
fn document(kind: &str, id: &str, opening: i64, lines: &[Line<'_>]) -> String {
    let (root, statement) = match kind {
        "052" => ("BkToCstmrAcctRpt", "Rpt"),
        _ => ("BkToCstmrStmt", "Stmt"),
    };
    let booked = |credit: bool| -> i64 {
        lines
            .iter()
            .filter(|l| l.credit == credit && l.status == "BOOK")
            .map(|l| l.minor)
            .sum()
    };
    let closing = opening + booked(true) - booked(false);
    let (open_code, close_code) = if kind == "052" {
        ("OPBD", "ITBD")
    } else {
        ("OPBD", "CLBD")
    };
    let balance = |code: &str, minor: i64| {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt>\
             <CdtDbtInd>{}</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>",
            amount_text(minor.abs()),
            if minor >= 0 { "CRDT" } else { "DBIT" }
        )
    };
    let mut entries = String::new();
    for line in lines {
        let remittance: String = line
            .remittance
            .iter()
            .map(|r| format!("<Ustrd>{r}</Ustrd>"))
            .collect();
        let parties = match line.debtor {
            Some((name, iban)) => format!(
                "<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>"
            ),
            None => String::new(),
        };
        let reference = line
            .reference
            .map(|r| format!("<AcctSvcrRef>{r}</AcctSvcrRef>"))
            .unwrap_or_default();
        entries.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Sts>{}</Sts>\
             <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt>{reference}\
             <BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>\
             <NtryDtls><TxDtls>{parties}<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>",
            amount_text(line.minor),
            if line.credit { "CRDT" } else { "DBIT" },
            line.status,
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.02\"><{root}>\
         <GrpHdr><MsgId>{id}</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>\
         <{statement}><Id>{id}</Id><CreDtTm>2026-11-30T18:00:00</CreDtTm>\
         <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>{}{}{entries}</{statement}></{root}></Document>\n",
        balance(open_code, opening),
        balance(close_code, closing),
    )
}

async fn import(treasury: &Treasury, text: String) -> maksa_app::treasury::ImportReport {
    treasury
        .import(
            "test.xml",
            std::io::Cursor::new(text.into_bytes()),
            "tester",
        )
        .await
        .unwrap()
}

async fn outcome_of(store: &Arc<dyn Store>, key_part: &str) -> Outcome {
    let entries = store
        .statement_entries(&EntryFilter {
            limit: 10_000,
            ..EntryFilter::default()
        })
        .await
        .unwrap();
    entries
        .iter()
        .find(|e| e.key.contains(key_part))
        .unwrap_or_else(|| panic!("no entry {key_part}"))
        .outcome
}

async fn every_outcome_is_judged_and_the_report_adds_up(backend: Backend) {
    let s = setup(backend).await;
    let r = requests(&s.store, &[1, 2, 3, 4, 5, 6]).await;
    let paid_at = datetime!(2026-11-30 08:00 UTC);
    for request in &r[..5] {
        pay(&s.store, request, paid_at).await;
    }
    cancel(&s.store, &r[5]).await;
    let id = |i: usize| r[i].payments[0].purpose_id.as_str().to_owned();
    let amount = |i: usize| r[i].payments[0].amount.minor();
    // The identifier cut over two lines with a space inside, in lower case.
    let second = id(1);
    let (head, tail) = second.split_at(20);
    let split = [format!("Pase {}", head.to_lowercase()), format!(" {tail}")];
    let split: Vec<&str> = split.iter().map(String::as_str).collect();
    let exact = [id(0)];
    let short = [id(2)];
    let over = [format!("{} par pasi", id(3))];
    let cancelled = [id(5)];
    let twice = [id(0)];
    let several = [format!("{} {}", id(3), id(4))];
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let (exact, short, over, cancelled, twice, several) = (
        strs(&exact),
        strs(&short),
        strs(&over),
        strs(&cancelled),
        strs(&twice),
        strs(&several),
    );
    let mut money_back = credit("R-CANCELLED", amount(5), &cancelled);
    money_back.debtor = Some(("Jānis Bērziņš", "LV80BANK0000435195001"));
    let lines = [
        credit("R-EXACT", amount(0), &exact),
        credit("R-SPLIT", amount(1), &split),
        credit("R-SHORT", amount(2) - 100, &short),
        credit("R-OVER", amount(3) + 250, &over),
        money_back,
        credit("R-TWICE", amount(0), &twice),
        credit("R-FOREIGN", 4_200, &["Dāvinājums"]),
        credit("R-SEVERAL", 1_000, &several),
        Line {
            reference: Some("R-DEBIT"),
            minor: 700,
            credit: false,
            status: "BOOK",
            remittance: &["Komisija"],
            debtor: None,
        },
    ];
    let statement = document("053", "STMT-1", 100_000, &lines);
    let report = import(&s.treasury, statement).await;
    assert_eq!(report.message, "camt.053");
    assert_eq!(report.counts.transactions, 9);
    assert_eq!(report.counts.new, 9);
    assert_eq!(report.balances.len(), 1);
    assert_eq!(report.balances[0].balanced, Some(true));

    for (key, outcome) in [
        ("R-EXACT", Outcome::Settled),
        ("R-SPLIT", Outcome::Settled),
        ("R-SHORT", Outcome::Short),
        ("R-OVER", Outcome::Over),
        ("R-CANCELLED", Outcome::RefundCandidate),
        ("R-TWICE", Outcome::RefundCandidate),
        ("R-FOREIGN", Outcome::Unmatched),
        ("R-SEVERAL", Outcome::Unmatched),
        ("R-DEBIT", Outcome::Debit),
    ] {
        assert_eq!(outcome_of(&s.store, key).await, outcome, "{key}");
    }

    // getpayments shows the settlement of the settled payments only.
    let payments = s
        .store
        .payments(
            &r[0].owner,
            &PaymentFilter {
                limit: 100,
                ..PaymentFilter::default()
            },
        )
        .await
        .unwrap();
    let settled: Vec<_> = payments.iter().filter(|p| p.settled_on.is_some()).collect();
    assert_eq!(settled.len(), 2);
    let first = payments.iter().find(|p| p.request_id == r[0].id).unwrap();
    assert_eq!(first.settled_on, Some(date!(2026 - 11 - 30)));
    assert_eq!(first.settlement_reference.as_deref(), Some("R-EXACT"));
    // A plain settlement is its entry's record; a differing one is audited
    // on the payment's request, for a person to look at.
    let short_audits = s.store.audit_events(r[2].id).await.unwrap();
    assert!(
        short_audits
            .iter()
            .any(|a| a.kind == "payment.settlement_differs")
    );
    // The settled, paid request's receipt is due again (a version with the
    // settlement): the receipt worker's list names it, not the short one.
    let due = maksa_store_tests::fixtures::receipts_listed(s.store.as_ref()).await;
    assert!(due.contains(&r[0].id) && !due.contains(&r[2].id), "{due:?}");
    let documents = s
        .store
        .document_state(&r[0].owner, r[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(documents.receipt_due);
    let short = s
        .store
        .document_state(&r[2].owner, r[2].id)
        .await
        .unwrap()
        .unwrap();
    assert!(!short.receipt_due, "a short credit settles nothing");

    // The report: counts, sums, balances.
    let day = date!(2026 - 11 - 30);
    let report = s.treasury.report(day, day).await.unwrap();
    let totals = &report.totals["EUR"];
    assert_eq!(totals.matched.count, 2);
    assert_eq!(totals.matched.amount.minor(), amount(0) + amount(1));
    assert_eq!(totals.differences.count, 2);
    assert_eq!(totals.unmatched.count, 2);
    assert_eq!(totals.unmatched.amount.minor(), 5_200);
    assert_eq!(totals.refund_candidates.count, 2);
    assert_eq!(totals.debits.amount.minor(), 700);
    assert_eq!(report.days.len(), 1);
    let row = &report.days[0];
    assert_eq!(row.balanced, Some(true), "{row:?}");
    assert_eq!(
        row.opening_minor.unwrap() + row.totals.credits().minor()
            - row.totals.debits.amount.minor(),
        row.closing_minor.unwrap()
    );
    assert_eq!(row.expected.count, 5);

    // Money for the cancelled request came with the payer's account: a
    // refund is proposed; the overpayment's excess has no payer account.
    let orders = s.store.payment_orders(None, 10).await.unwrap();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0].state, OrderState::Proposed);
    assert_eq!(orders[0].amount.minor(), amount(5));
    assert_eq!(orders[0].creditor_iban, "LV80BANK0000435195001");
    assert_eq!(orders[0].debtor_iban, ACCOUNT);

    // Paid on the 30th, nothing on the statement for payment 4 (its credit
    // named two payments): late after three business days.
    s.clock.advance(time::Duration::days(4));
    let unsettled = s.treasury.unsettled(date!(2026 - 12 - 03)).await.unwrap();
    let late: Vec<_> = unsettled.iter().map(|p| p.request_id).collect();
    assert!(late.contains(&r[4].id), "{late:?}");
    assert!(!late.contains(&r[0].id));
    assert!(
        s.treasury
            .unsettled(date!(2026 - 12 - 02))
            .await
            .unwrap()
            .is_empty(),
        "two business days are within the allowance"
    );
}

async fn a_statement_imported_twice_counts_once(backend: Backend) {
    let s = setup(backend).await;
    let r = requests(&s.store, &[11]).await;
    pay(&s.store, &r[0], datetime!(2026-11-30 08:00 UTC)).await;
    let id = [r[0].payments[0].purpose_id.as_str()];
    let lines = [
        credit("A-1", r[0].payments[0].amount.minor(), &id),
        // No bank reference: the fallback key, twice the same money.
        Line {
            reference: None,
            ..credit("", 1_000, &["bez atsauces"])
        },
        Line {
            reference: None,
            ..credit("", 1_000, &["bez atsauces"])
        },
    ];
    let text = document("053", "STMT-2", 0, &lines);
    let first = import(&s.treasury, text.clone()).await;
    assert_eq!((first.counts.new, first.counts.repeated), (3, 0));
    let second = import(&s.treasury, text).await;
    assert_eq!((second.counts.new, second.counts.repeated), (0, 3));
    assert_eq!(first.sha256, second.sha256);
    let day = date!(2026 - 11 - 30);
    let report = s.treasury.report(day, day).await.unwrap();
    assert_eq!(report.totals["EUR"].matched.count, 1);
    assert_eq!(report.totals["EUR"].unmatched.count, 2);
    assert_eq!(report.days[0].balanced, Some(true));
}

async fn the_open_day_then_its_statement_count_once(backend: Backend) {
    let s = setup(backend).await;
    let r = requests(&s.store, &[21, 22]).await;
    for request in &r {
        pay(&s.store, request, datetime!(2026-11-30 08:00 UTC)).await;
    }
    let a = [r[0].payments[0].purpose_id.as_str()];
    let b = [r[1].payments[0].purpose_id.as_str()];
    let amount = |i: usize| r[i].payments[0].amount.minor();
    let report_lines = [
        credit("I-1", amount(0), &a),
        Line {
            status: "PDNG",
            ..credit("I-2", amount(1), &b)
        },
    ];
    let intraday = import(&s.treasury, document("052", "RPT-1", 0, &report_lines)).await;
    assert_eq!(intraday.message, "camt.052");
    assert_eq!(outcome_of(&s.store, "I-1").await, Outcome::Settled);
    assert_eq!(outcome_of(&s.store, "I-2").await, Outcome::Pending);

    let statement_lines = [credit("I-1", amount(0), &a), credit("I-2", amount(1), &b)];
    let end_of_day = import(&s.treasury, document("053", "STMT-3", 0, &statement_lines)).await;
    assert_eq!(end_of_day.counts.new, 0);
    assert_eq!(end_of_day.counts.repeated, 1, "the booked one seen again");
    assert_eq!(end_of_day.counts.confirmed, 1, "the pending one now booked");
    assert_eq!(outcome_of(&s.store, "I-2").await, Outcome::Settled);
    let day = date!(2026 - 11 - 30);
    let report = s.treasury.report(day, day).await.unwrap();
    assert_eq!(report.totals["EUR"].matched.count, 2);
    assert_eq!(
        report.totals["EUR"].matched.amount.minor(),
        amount(0) + amount(1)
    );
    let statement_row = report
        .days
        .iter()
        .find(|d| d.closing_minor.is_some())
        .unwrap();
    assert_eq!(statement_row.balanced, Some(true));
}

async fn a_malformed_statement_stores_nothing(backend: Backend) {
    let s = setup(backend).await;
    let r = requests(&s.store, &[31]).await;
    pay(&s.store, &r[0], datetime!(2026-11-30 08:00 UTC)).await;
    let id = [r[0].payments[0].purpose_id.as_str()];
    let references: Vec<String> = (0..2_500).map(|i| format!("M-{i}")).collect();
    // More than two chunks of good entries, the payment's among them, then one bad amount.
    let mut lines: Vec<Line<'_>> = references
        .iter()
        .map(|reference| credit(reference, 100, &["x"]))
        .collect();
    lines.push(credit("M-PAID", r[0].payments[0].amount.minor(), &id));
    let good = document("053", "STMT-4", 0, &lines);
    let last_small = good.rfind("<Amt Ccy=\"EUR\">1.00</Amt>").unwrap();
    let bad_at_end = format!(
        "{}<Amt Ccy=\"EUR\">1.001</Amt>{}",
        &good[..last_small],
        &good[last_small + "<Amt Ccy=\"EUR\">1.00</Amt>".len()..]
    );
    let error = s
        .treasury
        .import(
            "bad.xml",
            std::io::Cursor::new(bad_at_end.into_bytes()),
            "tester",
        )
        .await
        .unwrap_err();
    let TreasuryError::Document(refusal) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(refusal.element, "Amt");
    assert!(
        refusal.reason.contains("whole number of cents"),
        "{refusal}"
    );
    assert_eq!(
        refusal.line, 2,
        "one line of XML declaration, then the document"
    );
    let stored = s
        .store
        .statement_entries(&EntryFilter {
            limit: 10,
            ..EntryFilter::default()
        })
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing of a refused file is kept");
    let payments = s
        .store
        .payments(
            &r[0].owner,
            &PaymentFilter {
                limit: 10,
                ..PaymentFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(payments[0].settled_on, None);
    // The store works on: the good file imports.
    let report = import(&s.treasury, good).await;
    assert_eq!(report.counts.new, 2_501);
    assert_eq!(outcome_of(&s.store, "M-PAID").await, Outcome::Settled);
}

fn xmllint_validates(document: &str, schema: &str) {
    if !support::have_tool("xmllint") {
        assert!(
            std::env::var_os("MAKSA_TEST_STRICT").is_none(),
            "xmllint is missing (libxml2-utils)"
        );
        eprintln!("xmllint is missing: the schema check is skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.xml");
    std::fs::write(&path, document).unwrap();
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../treasury/tests/xsd")
        .join(schema);
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn a_refund_goes_out_once_approved_and_its_status_only_moves_forward(backend: Backend) {
    let s = setup(backend).await;
    let r = requests(&s.store, &[41]).await;
    cancel(&s.store, &r[0]).await;
    let id = [r[0].payments[0].purpose_id.as_str()];
    let mut line = credit("F-1", r[0].payments[0].amount.minor(), &id);
    line.debtor = Some(("Anna &amp; Co &lt;SIA&gt;", "LV80BANK0000435195001"));
    import(&s.treasury, document("053", "STMT-5", 0, &[line])).await;
    let order = s.store.payment_orders(None, 10).await.unwrap().remove(0);
    assert_eq!(order.proposed_by, "reconciliation");

    // Not sent before a person approves it.
    assert!(s.treasury.build_batches("anna").await.unwrap().is_empty());
    s.treasury.approve_order(order.id, "anna").await.unwrap();
    let again = s
        .treasury
        .approve_order(order.id, "anna")
        .await
        .unwrap_err();
    assert!(matches!(again, TreasuryError::Refused(_)), "{again:?}");

    let batches = s.treasury.build_batches("anna").await.unwrap();
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert!(batch.document.contains(&order.end_to_end_id));
    assert!(batch.document.contains("Anna &amp; Co &lt;SIA&gt;"));
    xmllint_validates(&batch.document, "pain.001.001.03.xsd");
    // Built once: nothing left to batch; the batch waits to be sent.
    assert!(s.treasury.build_batches("anna").await.unwrap().is_empty());
    assert_eq!(s.treasury.batches_to_send().await.unwrap().len(), 1);
    s.treasury
        .batch_submitted(&batch.message_id, "exchange")
        .await
        .unwrap();
    assert!(s.treasury.batches_to_send().await.unwrap().is_empty());
    assert_eq!(
        s.treasury.batches_awaiting_status().await.unwrap(),
        vec![batch.message_id.clone()]
    );

    let answer = |code: &str| {
        write_pain002(
            &StatusReport {
                message_id: format!("ST-{code}"),
                original_message_id: batch.message_id.clone(),
                group_status: None,
                transactions: vec![TransactionStatus {
                    original_end_to_end_id: order.end_to_end_id.clone(),
                    original_instruction_id: None,
                    status: code.into(),
                    reason: None,
                }],
            },
            datetime!(2026-11-30 12:00 UTC),
        )
        .unwrap()
    };
    let accepted = answer("ACSP");
    let executed = answer("ACSC");
    let applied = s
        .treasury
        .apply_status_report(accepted.as_bytes(), "exchange")
        .await
        .unwrap();
    assert_eq!(
        applied.moved,
        vec![(order.end_to_end_id.clone(), "accepted".into())]
    );
    s.treasury
        .apply_status_report(executed.as_bytes(), "exchange")
        .await
        .unwrap();
    // The older answer again changes nothing.
    let late = s
        .treasury
        .apply_status_report(accepted.as_bytes(), "exchange")
        .await
        .unwrap();
    assert!(late.moved.is_empty());
    assert_eq!(late.unchanged, 1);
    let order = s.store.payment_order(order.id).await.unwrap().unwrap();
    assert_eq!(order.state, OrderState::Executed);
    assert_eq!(order.status_code.as_deref(), Some("ACSC"));
    assert!(
        s.treasury
            .batches_awaiting_status()
            .await
            .unwrap()
            .is_empty()
    );

    // A report of a batch we never sent is refused.
    let stranger = write_pain002(
        &StatusReport {
            message_id: "X".into(),
            original_message_id: "NOT-OURS".into(),
            group_status: Some("RJCT".into()),
            transactions: Vec::new(),
        },
        datetime!(2026-11-30 12:00 UTC),
    )
    .unwrap();
    let refused = s
        .treasury
        .apply_status_report(stranger.as_bytes(), "exchange")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, TreasuryError::StatusReport(_)),
        "{refused:?}"
    );
}

async fn an_operators_transfer_needs_another_operator(backend: Backend) {
    let s = setup(backend).await;
    let order = s
        .treasury
        .propose_transfer(
            "anna",
            ACCOUNT,
            "Valsts ieņēmumu dienests",
            "LV33TREL1060000000000",
            maksa_domain::money::Amount::from_minor(12_345).unwrap(),
            maksa_domain::money::Currency::parse("EUR").unwrap(),
            "Nodoklis",
        )
        .await
        .unwrap();
    let own = s
        .treasury
        .approve_order(order.id, "anna")
        .await
        .unwrap_err();
    assert!(own.to_string().contains("another operator"), "{own}");
    let approved = s.treasury.approve_order(order.id, "juris").await.unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("juris"));
    s.treasury.cancel_order(order.id, "juris").await.unwrap();
    assert!(s.treasury.build_batches("juris").await.unwrap().is_empty());
    let refused = s.treasury.propose_refund(9_999, "anna").await.unwrap_err();
    assert!(matches!(refused, TreasuryError::NotFound(_)), "{refused:?}");
}

async fn a_request_without_documents_gets_no_receipt_when_settled(backend: Backend) {
    let s = setup(backend).await;
    let r = requests_with(&s.store, &[51], true).await;
    pay(&s.store, &r[0], datetime!(2026-11-30 08:00 UTC)).await;
    let id = [r[0].payments[0].purpose_id.as_str()];
    let line = credit("N-1", r[0].payments[0].amount.minor(), &id);
    let report = import(&s.treasury, document("053", "STMT-6", 0, &[line])).await;
    assert_eq!(report.outcomes, vec![("settled".to_owned(), 1)]);
    let documents = s
        .store
        .document_state(&r[0].owner, r[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !documents.receipt_due,
        "NoInvoice: no receipt, settled or not"
    );
}

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

on_both_databases!(
    every_outcome_is_judged_and_the_report_adds_up,
    a_statement_imported_twice_counts_once,
    the_open_day_then_its_statement_count_once,
    a_malformed_statement_stores_nothing,
    a_refund_goes_out_once_approved_and_its_status_only_moves_forward,
    an_operators_transfer_needs_another_operator,
    a_request_without_documents_gets_no_receipt_when_settled,
);
