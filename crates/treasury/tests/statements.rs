//! Statements as other software writes them, read by the streaming reader:
//! the .001.02 files validate against the ISO 20022 schemas (`tests/xsd/`,
//! copied from the project's shared set) with `xmllint`, so the reader is
//! tested on what a conforming bank sends; the .001.08 file is shaped the way
//! a later accounting program writes it.

#![allow(clippy::unwrap_used)]

use maksa_treasury::camt::{self, Entry, Message, Status};
use maksa_treasury::remittance::purpose_ids;
use std::path::{Path, PathBuf};

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/statements")
        .join(name)
}

fn read(name: &str) -> (camt::Summary, Vec<Entry>) {
    let text = std::fs::read(file(name)).unwrap();
    let mut entries = Vec::new();
    let summary = camt::read_entries(text.as_slice(), |entry| {
        entries.push(entry);
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    (summary, entries)
}

fn ids(entry: &Entry) -> Vec<String> {
    purpose_ids(entry.remittance_lines())
        .into_iter()
        .map(|id| id.as_str().to_owned())
        .collect()
}

#[test]
fn the_test_statements_are_valid_iso_20022() {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsd");
    for (name, schema) in [
        ("camt053-two-statements.xml", "camt.053.001.02.xsd"),
        ("camt052-intraday.xml", "camt.052.001.02.xsd"),
        ("camt054-notification.xml", "camt.054.001.02.xsd"),
    ] {
        let output = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(xsd.join(schema))
            .arg(file(name))
            .output()
            .expect("xmllint is needed (apt-get install libxml2-utils)");
        assert!(output.status.success(), "{name}: {output:?}");
    }
}

#[test]
fn two_statements_in_one_file_with_split_remittance_and_batch_details() {
    let (summary, entries) = read("camt053-two-statements.xml");
    assert_eq!(summary.message, Some(Message::Statement));
    assert_eq!(summary.statements, 2);
    assert_eq!(summary.entries, 3);
    let first = &entries[0];
    assert_eq!(first.statement_id, "STMT-20261130-1");
    assert_eq!(first.account.as_deref(), Some("LV74TREL1060000000001"));
    assert_eq!(
        first.account_servicer_reference.as_deref(),
        Some("KASE-0001")
    );
    assert_eq!(first.entry_reference.as_deref(), Some("1"));
    assert_eq!(first.amount.minor(), 1200);
    assert_eq!(first.currency.as_str(), "EUR");
    assert!(first.credit && !first.reversal);
    assert_eq!(first.status, Status::Booked);
    assert_eq!(first.booking_date.as_deref(), Some("2026-11-30"));
    assert_eq!(first.value_date.as_deref(), Some("2026-11-30"));
    assert_eq!(first.details.len(), 1);
    assert_eq!(
        first.details[0].unstructured,
        [
            "MK202611300Q3Q3UGN",
            "CRZF37G3DCBPCV4P Valsts nodeva & maksa"
        ]
    );
    assert_eq!(first.details[0].amount.unwrap().0.minor(), 1200);
    assert_eq!(ids(first), ["MK202611300Q3Q3UGNCRZF37G3DCBPCV4P"]);

    let batch = &entries[1];
    assert_eq!(batch.amount.minor(), 2550);
    assert_eq!(batch.details.len(), 2);
    assert_eq!(batch.details[0].end_to_end_id.as_deref(), Some("E2E-A"));
    assert_eq!(batch.details[1].amount.unwrap().0.minor(), 500);
    assert_eq!(
        batch.details[1].references,
        ["MK20261130000000000000000000000002"]
    );
    assert_eq!(
        ids(batch),
        [
            "MK20261130000000000000000000000001",
            "MK20261130000000000000000000000002"
        ]
    );

    let debit = &entries[2];
    assert_eq!(debit.statement_id, "STMT-20261130-2");
    assert_eq!(debit.account.as_deref(), Some("LV97TREL1060000000002"));
    assert!(!debit.credit);
    assert!(debit.details.is_empty());
}

#[test]
fn the_open_day_report_and_a_notification() {
    let (summary, entries) = read("camt052-intraday.xml");
    assert_eq!(summary.message, Some(Message::Report));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, Status::Pending);
    assert_eq!(entries[0].statement_id, "RPT-20261130-0930");
    // The same bank reference as the statement's booked entry: the end of
    // day confirms it, it is not a second payment.
    assert_eq!(
        entries[0].account_servicer_reference.as_deref(),
        Some("KASE-0001")
    );

    let (summary, entries) = read("camt054-notification.xml");
    assert_eq!(summary.message, Some(Message::Notification));
    assert_eq!(entries[0].statement_id, "NTF-1");
    assert_eq!(entries[0].amount.minor(), 1200);
}

#[test]
fn a_later_version_with_a_prefix_and_the_status_as_a_code() {
    let (summary, entries) = read("camt053-v08-prefixed.xml");
    assert_eq!(summary.message, Some(Message::Statement));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, Status::Booked);
    assert_eq!(entries[0].details[0].amount.unwrap().0.minor(), 100);
    assert_eq!(ids(&entries[0]), ["MK202611300Q3Q3UGNCRZF37G3DCBPCV4P"]);
}

#[test]
fn a_caller_error_stops_the_reading() {
    let text = std::fs::read(file("camt053-two-statements.xml")).unwrap();
    let mut seen = 0;
    let result = camt::read_entries(text.as_slice(), |_| {
        seen += 1;
        if seen == 2 {
            Err(std::io::Error::other("the store is full"))
        } else {
            Ok(())
        }
    });
    assert!(matches!(result, Err(camt::ReadError::Caller(_))));
    assert_eq!(seen, 2);
}

#[test]
fn a_large_statement_is_read_entry_by_entry() {
    // 20,000 entries streamed from a generator: the reader never holds more
    // than one entry (each is checked and dropped as it comes).
    struct Generated {
        entries: usize,
        produced: usize,
        pending: Vec<u8>,
    }
    impl std::io::Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pending.is_empty() {
                if self.produced == 0 {
                    self.pending = b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>BIG</Id>".to_vec();
                } else if self.produced <= self.entries {
                    self.pending = format!(
                        "<Ntry><Amt Ccy=\"EUR\">{}.01</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>R{}</AcctSvcrRef></Ntry>\n",
                        self.produced, self.produced
                    )
                    .into_bytes();
                } else if self.produced == self.entries + 1 {
                    self.pending = b"</Stmt></BkToCstmrStmt></Document>".to_vec();
                } else {
                    return Ok(0);
                }
                self.produced += 1;
            }
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }
    let input = std::io::BufReader::new(Generated {
        entries: 20_000,
        produced: 0,
        pending: Vec::new(),
    });
    let mut total: i64 = 0;
    let summary = camt::read_entries(input, |entry| {
        total += entry.amount.minor();
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    assert_eq!(summary.entries, 20_000);
    // Σ (k·100 + 1) for k = 1..=20,000.
    assert_eq!(total, 100 * (20_000 * 20_001 / 2) + 20_000);
}

#[test]
fn each_statement_s_balances_and_booked_sums() {
    let (summary, _) = read("camt053-two-statements.xml");
    assert_eq!(summary.statements_info.len(), 2);
    let first = &summary.statements_info[0];
    assert_eq!(first.message, Message::Statement);
    assert_eq!(first.id, "STMT-20261130-1");
    assert_eq!(first.account.as_deref(), Some("LV74TREL1060000000001"));
    assert_eq!(first.created_at.as_deref(), Some("2026-11-30T18:00:00"));
    assert_eq!(first.entries, 2);
    assert_eq!(first.booked_credits.minor(), 3750);
    assert_eq!(first.booked_debits.minor(), 0);
    let opening = first.balance("OPBD").unwrap();
    assert_eq!(opening.amount.minor(), 10_000);
    assert_eq!(opening.currency.as_str(), "EUR");
    assert!(opening.credit);
    assert_eq!(opening.date.as_deref(), Some("2026-11-30"));
    let closing = first.balance("CLBD").unwrap();
    assert_eq!(closing.date.as_deref(), Some("2026-11-30"));
    // The statement adds up: opening + credits − debits = closing.
    assert_eq!(
        opening.signed_minor() + first.booked_credits.minor() - first.booked_debits.minor(),
        closing.signed_minor()
    );
    assert!(first.balance("ITBD").is_none());

    let second = &summary.statements_info[1];
    assert_eq!(second.id, "STMT-20261130-2");
    assert_eq!(second.entries, 1);
    assert_eq!(second.booked_debits.minor(), 700);
    let closing = second.balance("CLBD").unwrap();
    assert!(!closing.credit);
    assert_eq!(closing.signed_minor(), -700);
    assert_eq!(
        second.balance("OPBD").unwrap().signed_minor() - second.booked_debits.minor(),
        closing.signed_minor()
    );
}

#[test]
fn balances_of_a_report_and_of_a_later_version() {
    let (summary, _) = read("camt052-intraday.xml");
    let report = &summary.statements_info[0];
    assert_eq!(report.message, Message::Report);
    // A pending entry is not booked.
    assert_eq!(report.entries, 1);
    assert_eq!(report.booked_credits.minor(), 0);
    let interim = report.balance("ITBD").unwrap();
    assert_eq!(interim.amount.minor(), 10_000);
    assert_eq!(interim.date.as_deref(), Some("2026-11-30"));

    let (summary, _) = read("camt053-v08-prefixed.xml");
    let statement = &summary.statements_info[0];
    assert_eq!(statement.balances.len(), 2);
    // A proprietary code is the kind; the sub-type's code is not.
    assert_eq!(statement.balances[1].kind, "CLBD");
    assert_eq!(
        statement.balance("OPBD").unwrap().signed_minor() + statement.booked_credits.minor(),
        statement.balance("CLBD").unwrap().signed_minor()
    );

    let (summary, _) = read("camt054-notification.xml");
    assert_eq!(summary.statements_info[0].id, "NTF-1");
    assert!(summary.statements_info[0].balances.is_empty());
}

#[test]
fn reversals_and_incomplete_or_too_many_balances() {
    let head = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>S</Id>";
    let tail = "</Stmt></BkToCstmrStmt></Document>";
    let entry = |amount: &str, indicator: &str, reversal: bool| {
        format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><RvslInd>{reversal}</RvslInd><Sts>BOOK</Sts></Ntry>"
        )
    };
    // A credit of 10.00 and its reversal, booked as a debit.
    let xml = format!(
        "{head}{}{}{tail}",
        entry("10.00", "CRDT", false),
        entry("10.00", "DBIT", true)
    );
    let summary = camt::read_entries(xml.as_bytes(), |_| Ok::<(), std::io::Error>(())).unwrap();
    assert_eq!(summary.statements_info[0].booked_credits.minor(), 1000);
    assert_eq!(summary.statements_info[0].booked_debits.minor(), 1000);

    let refused = |xml: String| {
        camt::read_entries(xml.as_bytes(), |_| Ok::<(), std::io::Error>(()))
            .unwrap_err()
            .to_string()
    };
    let no_amount = format!(
        "{head}<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><CdtDbtInd>CRDT</CdtDbtInd></Bal>{tail}"
    );
    assert!(refused(no_amount).contains("<Bal>: the balance has no Amt"));
    let no_kind =
        format!("{head}<Bal><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>{tail}");
    assert!(refused(no_kind).contains("no Tp/CdOrPrtry"));
    let bad_indicator = format!(
        "{head}<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>X</CdtDbtInd></Bal>{tail}"
    );
    assert!(refused(bad_indicator).contains("neither CRDT nor DBIT"));
    let balance = "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>";
    let many = format!("{head}{}{tail}", balance.repeat(camt::MAX_BALANCES + 1));
    assert!(refused(many).contains("balances in one statement"));
    let statements = format!(
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>{}</BkToCstmrStmt></Document>",
        "<Stmt><Id>S</Id></Stmt>\n".repeat(camt::MAX_STATEMENTS + 1)
    );
    let error = refused(statements);
    assert!(
        error.starts_with(&format!(
            "line {}, <Stmt>: more than",
            camt::MAX_STATEMENTS + 1
        )),
        "{error}"
    );
    // Booked sums that overflow are refused, not wrapped.
    // (The reader takes at most 15 digits before the point: 93 of the
    // largest pass i64's 92,233,720,368,547,758.07.)
    let huge = entry("999999999999999.99", "CRDT", false).repeat(93);
    assert!(refused(format!("{head}{huge}{tail}")).contains("overflows"));
}
