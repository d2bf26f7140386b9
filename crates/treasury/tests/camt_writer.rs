//! The camt writer: what it writes is valid against the .001.02 schemas
//! (xmllint) and reads back with the statement reader to the same entries
//! and balances; a large statement is written and read as a stream; what the
//! schema would refuse is refused before it is written.

#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_file_valid, assert_valid};
use maksa_domain::money::{Amount, Currency};
use maksa_treasury::camt::{self, Entry, Message, Status};
use maksa_treasury::camt_writer::{
    EntryToWrite, StatementHeader, WriteError, write_document, write_statement,
};

fn cents(minor: i64) -> Amount {
    Amount::from_minor(minor).unwrap()
}

fn header(message: Message, id: &str) -> StatementHeader {
    StatementHeader {
        message,
        message_id: format!("MSG-{id}"),
        created_at: time::macros::datetime!(2026-11-30 18:00:00 +02:00),
        statement_id: id.into(),
        account_iban: "LV74TREL1060000000001".into(),
        currency: Currency::EUR,
        servicer_bic: "TRELLV22".into(),
        date: "2026-11-30".into(),
        opening: Some((cents(10_000), true)),
        closing: Some((cents(10_000 + 1234 - 500), true)),
    }
}

fn entries() -> Vec<EntryToWrite> {
    vec![
        EntryToWrite {
            amount: cents(1234),
            currency: Currency::EUR,
            credit: true,
            reversal: false,
            booked: true,
            booking_date: "2026-11-30".into(),
            value_date: "2026-11-29".into(),
            account_servicer_reference: Some("KASE-1".into()),
            entry_reference: Some("1".into()),
            end_to_end_id: Some("E2E-1".into()),
            remittance: vec![
                "MK202611300Q3Q3UGN".into(),
                "CRZF37G3DCBPCV4P nodeva <&> \"x\"".into(),
            ],
            structured_reference: Some("RF18539007547034".into()),
            counterparty_name: Some("Jānis Bērziņš & Co".into()),
            counterparty_iban: Some("LV80BANK0000435195001".into()),
        },
        EntryToWrite {
            amount: cents(500),
            currency: Currency::EUR,
            credit: false,
            reversal: true,
            booked: true,
            booking_date: "2026-11-30".into(),
            value_date: "2026-11-30".into(),
            account_servicer_reference: Some("KASE-2".into()),
            entry_reference: None,
            end_to_end_id: None,
            remittance: Vec::new(),
            structured_reference: None,
            counterparty_name: None,
            counterparty_iban: Some("LV80BANK0000435195001".into()),
        },
        EntryToWrite {
            amount: cents(1),
            currency: Currency::EUR,
            credit: true,
            reversal: false,
            booked: false,
            booking_date: "2026-11-30".into(),
            value_date: "2026-11-30".into(),
            account_servicer_reference: None,
            entry_reference: None,
            end_to_end_id: None,
            remittance: Vec::new(),
            structured_reference: None,
            counterparty_name: None,
            counterparty_iban: None,
        },
    ]
}

fn read_back(xml: &[u8]) -> (camt::Summary, Vec<Entry>) {
    let mut read = Vec::new();
    let summary = camt::read_entries(xml, |e| {
        read.push(e);
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    (summary, read)
}

fn assert_same(written: &[EntryToWrite], read: &[Entry], statement_id: &str) {
    assert_eq!(written.len(), read.len());
    for (w, r) in written.iter().zip(read) {
        assert_eq!(r.statement_id, statement_id);
        assert_eq!(r.account.as_deref(), Some("LV74TREL1060000000001"));
        assert_eq!((r.amount, r.currency), (w.amount, w.currency));
        assert_eq!((r.credit, r.reversal), (w.credit, w.reversal));
        let status = if w.booked {
            Status::Booked
        } else {
            Status::Pending
        };
        assert_eq!(r.status, status);
        assert_eq!(r.booking_date.as_deref(), Some(w.booking_date.as_str()));
        assert_eq!(r.value_date.as_deref(), Some(w.value_date.as_str()));
        assert_eq!(r.account_servicer_reference, w.account_servicer_reference);
        assert_eq!(r.entry_reference, w.entry_reference);
        let lines: Vec<String> = r.remittance_lines().map(str::to_owned).collect();
        let mut expected = w.remittance.clone();
        expected.extend(w.structured_reference.clone());
        assert_eq!(lines, expected);
        let end_to_end = r.details.first().and_then(|d| d.end_to_end_id.clone());
        assert_eq!(end_to_end, w.end_to_end_id);
    }
}

#[test]
fn a_statement_report_and_notification_are_valid_and_read_back() {
    for (message, schema, closing_code) in [
        (Message::Statement, "camt.053.001.02.xsd", "CLBD"),
        (Message::Report, "camt.052.001.02.xsd", "ITBD"),
        (Message::Notification, "camt.054.001.02.xsd", ""),
    ] {
        let mut head = header(message, "S-1");
        if message == Message::Notification {
            head.opening = None;
            head.closing = None;
        }
        let xml = write_statement(Vec::new(), &head, entries()).unwrap();
        let text = String::from_utf8(xml.clone()).unwrap();
        assert_valid(&text, schema);
        assert!(
            text.contains("nodeva &lt;&amp;&gt; &quot;x&quot;"),
            "{text}"
        );
        let (summary, read) = read_back(&xml);
        assert_eq!(summary.message, Some(message));
        assert_same(&entries(), &read, "S-1");
        let info = &summary.statements_info[0];
        assert_eq!(info.id, "S-1");
        assert_eq!(
            info.created_at.as_deref(),
            Some("2026-11-30T18:00:00+02:00")
        );
        // The pending entry is not booked; the reversal is a booked debit.
        assert_eq!(info.booked_credits.minor(), 1234);
        assert_eq!(info.booked_debits.minor(), 500);
        if message == Message::Notification {
            assert!(info.balances.is_empty());
        } else {
            let opening = info.balance("OPBD").unwrap();
            let closing = info.balance(closing_code).unwrap();
            assert_eq!(opening.amount.minor(), 10_000);
            assert_eq!(closing.date.as_deref(), Some("2026-11-30"));
            assert_eq!(
                opening.signed_minor() + info.booked_credits.minor() - info.booked_debits.minor(),
                closing.signed_minor()
            );
        }
    }
}

#[test]
fn several_statements_in_one_document_and_a_debit_balance() {
    let mut second = header(Message::Statement, "S-2");
    second.account_iban = "LV74TREL1060000000001".into();
    second.opening = None;
    second.closing = Some((cents(700), false));
    let xml = write_document(
        Vec::new(),
        "DOC-1",
        time::macros::datetime!(2026-11-30 18:00:00 UTC),
        [
            (header(Message::Statement, "S-1"), entries()),
            (second, Vec::new()),
        ],
    )
    .unwrap();
    assert_valid(
        &String::from_utf8(xml.clone()).unwrap(),
        "camt.053.001.02.xsd",
    );
    let (summary, read) = read_back(&xml);
    assert_eq!(summary.statements, 2);
    assert_same(&entries(), &read, "S-1");
    let closing = summary.statements_info[1].balance("CLBD").unwrap();
    assert_eq!(closing.signed_minor(), -700);
    assert!(summary.statements_info[1].balance("OPBD").is_none());

    let mixed = write_document(
        Vec::new(),
        "DOC-2",
        time::macros::datetime!(2026-11-30 18:00:00 UTC),
        [
            (header(Message::Statement, "S-1"), Vec::new()),
            (header(Message::Report, "R-1"), Vec::new()),
        ],
    );
    assert!(matches!(mixed, Err(WriteError::MixedMessages(..))));
    let none = write_document(
        Vec::new(),
        "DOC-3",
        time::macros::datetime!(2026-11-30 18:00:00 UTC),
        [],
    );
    assert!(matches!(none, Err(WriteError::NoStatements)));
}

#[test]
fn what_the_schema_would_refuse_is_not_written() {
    let mut no_balance = header(Message::Statement, "S-1");
    no_balance.opening = None;
    no_balance.closing = None;
    assert!(matches!(
        write_statement(Vec::new(), &no_balance, []),
        Err(WriteError::Balances(_))
    ));
    let notification = header(Message::Notification, "N-1");
    assert!(matches!(
        write_statement(Vec::new(), &notification, []),
        Err(WriteError::Balances(_))
    ));

    type Change = fn(&mut StatementHeader, &mut EntryToWrite);
    let cases: Vec<(&str, Change)> = vec![
        ("MsgId", |h, _| h.message_id = "m".repeat(36)),
        ("Stmt/Id", |h, _| h.statement_id = String::new()),
        ("Acct/Id/IBAN", |h, _| h.account_iban = "LV74 TREL".into()),
        ("Svcr/BIC", |h, _| h.servicer_bic = "TREL".into()),
        ("the statement's date", |h, _| h.date = "30.11.2026".into()),
        ("Ustrd", |_, e| e.remittance.push("r".repeat(141))),
        ("Ustrd", |_, e| e.remittance.push("a\u{7}b".into())),
        ("EndToEndId", |_, e| e.end_to_end_id = Some("e".repeat(36))),
        ("NtryRef", |_, e| e.entry_reference = Some("n".repeat(36))),
        ("AcctSvcrRef", |_, e| {
            e.account_servicer_reference = Some("a".repeat(36))
        }),
        ("RltdPties/Nm", |_, e| {
            e.counterparty_name = Some("n".repeat(141))
        }),
        ("RltdPties/IBAN", |_, e| {
            e.counterparty_iban = Some("x".into())
        }),
        ("BookgDt", |_, e| e.booking_date = "2026-13-01".into()),
        ("ValDt", |_, e| e.value_date = String::new()),
        ("Ntry/Amt", |_, e| {
            e.amount = Amount::from_minor(i64::MAX).unwrap()
        }),
        ("Bal/Amt", |h, _| {
            h.opening = Some((Amount::from_minor(i64::MAX).unwrap(), true))
        }),
    ];
    for (field, change) in cases {
        let mut head = header(Message::Statement, "S-1");
        let mut entry = entries().remove(0);
        change(&mut head, &mut entry);
        match write_statement(Vec::new(), &head, [entry]) {
            Err(WriteError::Invalid {
                field: f, value, ..
            }) => {
                assert_eq!(f, field);
                assert!(value.chars().count() <= 200);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn a_hundred_thousand_entries_are_written_and_read_as_a_stream() {
    const COUNT: i64 = 100_000;
    // Entries are made as the writer asks for them; none is kept.
    let generated = (1..=COUNT).map(|k| EntryToWrite {
        amount: cents(k),
        currency: Currency::EUR,
        credit: k % 2 == 0,
        reversal: false,
        booked: true,
        booking_date: "2026-11-30".into(),
        value_date: "2026-11-30".into(),
        account_servicer_reference: Some(format!("KASE-{k}")),
        entry_reference: None,
        end_to_end_id: Some(format!("E2E-{k}")),
        remittance: vec![format!("MK2026113000000000000000000{k:07}")],
        structured_reference: None,
        counterparty_name: Some("Maksātājs".into()),
        counterparty_iban: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xml");
    let mut head = header(Message::Statement, "BIG");
    // Σ even k − Σ odd k for k = 1..=100,000 is 50,000.
    head.opening = Some((cents(0), true));
    head.closing = Some((cents(50_000), true));
    let file = std::fs::File::create(&path).unwrap();
    write_statement(file, &head, generated).unwrap();
    assert_file_valid(&path, "camt.053.001.02.xsd");

    let mut count = 0i64;
    let mut last = 0;
    let input = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let summary = camt::read_entries(input, |entry| {
        count += 1;
        last = entry.amount.minor();
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    assert_eq!(count, COUNT);
    assert_eq!(last, COUNT);
    let info = &summary.statements_info[0];
    assert_eq!(info.entries, 100_000);
    assert_eq!(
        info.booked_credits.minor() - info.booked_debits.minor(),
        info.balance("CLBD").unwrap().signed_minor()
    );
}
