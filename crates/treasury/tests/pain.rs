//! Payment orders (pain.001 .03 and .09) as the hub writes them: valid
//! against the ISO 20022 schemas (`tests/xsd/`, checked with `xmllint`),
//! their counts and sums computed, their texts escaped, and the batches the
//! Treasury would refuse refused here first.

#![allow(clippy::unwrap_used)]

use maksa_domain::money::{Amount, Currency};
use maksa_treasury::pain::{
    Batch, CreditTransfer, MAX_TRANSFERS, PainError, PainVersion, Party, write_pain001,
};
mod common;
use common::assert_valid;

fn transfer(id: &str, cents: i64) -> CreditTransfer {
    CreditTransfer {
        end_to_end_id: id.into(),
        instruction_id: Some(format!("I-{id}")),
        amount: Amount::from_minor(cents).unwrap(),
        currency: Currency::EUR,
        creditor: Party {
            name: "SIA <Kociņš & Dēli>".into(),
            iban: "LV80BANK0000435195001".into(),
            bic: Some("HABALV22".into()),
        },
        remittance: "Atmaksa MK2026 <pārmaksa> & \"citi\"".into(),
    }
}

fn batch() -> Batch {
    let mut second = transfer("E2E-2", 1);
    second.creditor.bic = None;
    second.instruction_id = None;
    Batch {
        message_id: "MAKSA-20261130-1".into(),
        created_at: time::macros::datetime!(2026-11-30 14:00:00.5 +02:00),
        initiating_party: "Valsts reģionālās attīstības aģentūra".into(),
        payment_information_id: "PMT-1".into(),
        requested_execution_date: "2026-12-01".into(),
        debtor: Party {
            name: "VRAA".into(),
            iban: "LV74TREL1060000000001".into(),
            bic: Some("TRELLV22".into()),
        },
        transfers: vec![
            transfer("E2E-1", 1234),
            second,
            transfer("E2E-3", 99_999_999_999),
        ],
    }
}

#[test]
fn both_versions_are_valid_and_count_and_sum_the_transfers() {
    for (version, schema) in [
        (PainVersion::V03, "pain.001.001.03.xsd"),
        (PainVersion::V09, "pain.001.001.09.xsd"),
    ] {
        let xml = write_pain001(&batch(), version).unwrap();
        assert_valid(&xml, schema);
        assert_eq!(xml.matches("<NbOfTxs>3</NbOfTxs>").count(), 2, "{xml}");
        // 12.34 + 0.01 + 999999999.99
        assert_eq!(
            xml.matches("<CtrlSum>1000000012.34</CtrlSum>").count(),
            2,
            "{xml}"
        );
        assert!(
            xml.contains("<CreDtTm>2026-11-30T14:00:00+02:00</CreDtTm>"),
            "{xml}"
        );
    }
    let v03 = write_pain001(&batch(), PainVersion::V03).unwrap();
    assert!(v03.contains("<ReqdExctnDt>2026-12-01</ReqdExctnDt>"));
    assert!(v03.contains("<BIC>TRELLV22</BIC>"));
    let v09 = write_pain001(&batch(), PainVersion::V09).unwrap();
    assert!(v09.contains("<ReqdExctnDt><Dt>2026-12-01</Dt></ReqdExctnDt>"));
    assert!(v09.contains("<BICFI>TRELLV22</BICFI>"));
}

#[test]
fn a_debtor_bank_without_bic_is_not_provided() {
    let mut b = batch();
    b.debtor.bic = None;
    for (version, schema) in [
        (PainVersion::V03, "pain.001.001.03.xsd"),
        (PainVersion::V09, "pain.001.001.09.xsd"),
    ] {
        let xml = write_pain001(&b, version).unwrap();
        assert_valid(&xml, schema);
        assert!(
            xml.contains(
                "<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>"
            ),
            "{xml}"
        );
    }
}

#[test]
fn names_and_remittance_are_escaped() {
    let xml = write_pain001(&batch(), PainVersion::V03).unwrap();
    assert!(
        xml.contains("<Nm>SIA &lt;Kociņš &amp; Dēli&gt;</Nm>"),
        "{xml}"
    );
    assert!(
        xml.contains("<Ustrd>Atmaksa MK2026 &lt;pārmaksa&gt; &amp; &quot;citi&quot;</Ustrd>"),
        "{xml}"
    );
    assert!(!xml.contains("<Kociņš"));
}

#[test]
fn batches_the_treasury_would_refuse_are_refused() {
    let mut b = batch();
    b.transfers.clear();
    assert_eq!(write_pain001(&b, PainVersion::V03), Err(PainError::Empty));

    let mut b = batch();
    b.transfers = (0..=MAX_TRANSFERS)
        .map(|i| transfer(&format!("E{i}"), 100))
        .collect();
    assert!(matches!(
        write_pain001(&b, PainVersion::V03),
        Err(PainError::TooMany { count }) if count == MAX_TRANSFERS + 1
    ));
    b.transfers.pop();
    assert_valid(
        &write_pain001(&b, PainVersion::V09).unwrap(),
        "pain.001.001.09.xsd",
    );

    let mut b = batch();
    b.transfers[1].end_to_end_id = "E2E-1".into();
    assert_eq!(
        write_pain001(&b, PainVersion::V03),
        Err(PainError::DuplicateEndToEndId("E2E-1".into()))
    );

    let mut b = batch();
    b.transfers[2].currency = Currency::parse("USD").unwrap();
    assert!(matches!(
        write_pain001(&b, PainVersion::V03),
        Err(PainError::MixedCurrencies { .. })
    ));

    type Change = fn(&mut Batch);
    let cases: Vec<(&str, Change)> = vec![
        ("EndToEndId", |b| {
            b.transfers[0].end_to_end_id = "E2E 1".into()
        }),
        ("EndToEndId", |b| {
            b.transfers[0].end_to_end_id = "E".repeat(36)
        }),
        ("MsgId", |b| b.message_id = "M".repeat(36)),
        ("MsgId", |b| b.message_id = String::new()),
        ("PmtInfId", |b| b.payment_information_id = "P".repeat(36)),
        ("Cdtr/Nm", |b| b.transfers[0].creditor.name = "ā".repeat(71)),
        ("Dbtr/Nm", |b| b.debtor.name = "a\u{0}b".into()),
        ("Ustrd", |b| b.transfers[0].remittance = "r".repeat(141)),
        ("InstrId", |b| {
            b.transfers[0].instruction_id = Some("I".repeat(36))
        }),
        ("CdtrAcct", |b| {
            b.transfers[0].creditor.iban = "LV80 BANK 0000".into()
        }),
        ("DbtrAcct", |b| b.debtor.iban = "12".into()),
        ("BIC", |b| b.debtor.bic = Some("trellv22".into())),
        ("ReqdExctnDt", |b| {
            b.requested_execution_date = "2026-02-30".into()
        }),
        ("InstdAmt", |b| b.transfers[0].amount = Amount::ZERO),
        ("InstdAmt", |b| {
            b.transfers[0].amount = Amount::from_minor(100_000_000_000).unwrap()
        }),
    ];
    for (field, change) in cases {
        let mut b = batch();
        change(&mut b);
        match write_pain001(&b, PainVersion::V03) {
            Err(PainError::Invalid {
                field: f, value, ..
            }) => {
                assert_eq!(f, field);
                assert!(value.chars().count() <= 200);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    // Long values are quoted bounded.
    let mut b = batch();
    b.message_id = "x".repeat(1000);
    let error = write_pain001(&b, PainVersion::V03).unwrap_err().to_string();
    assert!(error.len() < 300, "{error}");
}

#[test]
fn only_a_euro_batch_is_sepa() {
    let xml = write_pain001(&batch(), PainVersion::V03).unwrap();
    assert!(
        xml.contains("<SvcLvl><Cd>SEPA</Cd></SvcLvl>") && xml.contains("<ChrgBr>SLEV</ChrgBr>")
    );
    let mut b = batch();
    for t in &mut b.transfers {
        t.currency = Currency::parse("USD").unwrap();
    }
    for (version, schema) in [
        (PainVersion::V03, "pain.001.001.03.xsd"),
        (PainVersion::V09, "pain.001.001.09.xsd"),
    ] {
        let xml = write_pain001(&b, version).unwrap();
        assert_valid(&xml, schema);
        assert!(!xml.contains("SEPA") && !xml.contains("ChrgBr"), "{xml}");
        assert!(
            xml.contains("<InstdAmt Ccy=\"USD\">12.34</InstdAmt>"),
            "{xml}"
        );
    }
}
