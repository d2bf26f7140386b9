//! Payment status reports (pain.002): the reader on reports as banks write
//! them (.001.10 valid against the schema, .001.03 with a prefix), its
//! refusals of hostile input, and the simulator's writer read back.

#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_file_valid, assert_valid};
use maksa_treasury::pain_status::{
    MAX_TRANSACTIONS, StatusReport, TransactionStatus, read_pain002, write_pain002,
};
use std::path::{Path, PathBuf};

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/status")
        .join(name)
}

fn read(xml: &str) -> Result<StatusReport, String> {
    read_pain002(xml.as_bytes()).map_err(|e| e.to_string())
}

#[test]
fn a_partly_rejected_batch() {
    let path = file("pain002-v10-partly-rejected.xml");
    assert_file_valid(&path, "pain.002.001.10.xsd");
    let report = read_pain002(std::fs::read(&path).unwrap().as_slice()).unwrap();
    assert_eq!(report.message_id, "KASE-STS-20261201-1");
    assert_eq!(report.original_message_id, "MAKSA-20261130-1");
    assert_eq!(report.group_status.as_deref(), Some("PART"));
    assert_eq!(
        report.transactions,
        [
            TransactionStatus {
                original_end_to_end_id: "E2E-1".into(),
                original_instruction_id: Some("I-E2E-1".into()),
                status: "RJCT".into(),
                reason: Some("AC04".into()),
            },
            TransactionStatus {
                original_end_to_end_id: "E2E-2".into(),
                original_instruction_id: None,
                status: "RJCT".into(),
                reason: Some("Saņēmēja vārds & konts nesakrīt".into()),
            },
            TransactionStatus {
                original_end_to_end_id: "E2E-3".into(),
                original_instruction_id: None,
                status: "ACSC".into(),
                reason: None,
            },
        ]
    );
}

#[test]
fn an_older_version_with_a_prefix_takes_the_group_status() {
    let report = read_pain002(
        std::fs::read(file("pain002-v03-prefixed.xml"))
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    assert_eq!(report.original_message_id, "MAKSA-20261130-2");
    assert_eq!(report.group_status.as_deref(), Some("ACCP"));
    assert_eq!(report.transactions.len(), 2);
    assert_eq!(report.transactions[0].status, "ACSC");
    assert_eq!(report.transactions[1].original_end_to_end_id, "E2E-10");
    assert_eq!(report.transactions[1].status, "ACCP");
}

#[test]
fn the_simulators_report_is_valid_and_reads_back() {
    let report = StatusReport {
        message_id: "SIM-STS-1".into(),
        original_message_id: "MAKSA-<1>&".into(),
        group_status: Some("PART".into()),
        transactions: vec![
            TransactionStatus {
                original_end_to_end_id: "E2E-1".into(),
                original_instruction_id: Some("I-1".into()),
                status: "ACSC".into(),
                reason: None,
            },
            TransactionStatus {
                original_end_to_end_id: "E2E-2".into(),
                original_instruction_id: None,
                status: "RJCT".into(),
                reason: Some("AC04".into()),
            },
            TransactionStatus {
                original_end_to_end_id: "E2E-3".into(),
                original_instruction_id: None,
                status: "RJCT".into(),
                reason: Some("Konts <slēgts> & \"bloķēts\"".into()),
            },
        ],
    };
    let at = time::macros::datetime!(2026-12-01 09:00:00 UTC);
    let xml = write_pain002(&report, at).unwrap();
    assert_valid(&xml, "pain.002.001.10.xsd");
    assert!(
        xml.contains("<CreDtTm>2026-12-01T09:00:00Z</CreDtTm>"),
        "{xml}"
    );
    assert_eq!(read_pain002(xml.as_bytes()).unwrap(), report);

    let empty = StatusReport {
        group_status: Some("RJCT".into()),
        transactions: Vec::new(),
        ..report.clone()
    };
    let xml = write_pain002(&empty, at).unwrap();
    assert_valid(&xml, "pain.002.001.10.xsd");
    assert_eq!(read_pain002(xml.as_bytes()).unwrap(), empty);

    let mut bad = report.clone();
    bad.transactions[0].status = "ACCEPTED".into();
    assert!(write_pain002(&bad, at).is_err());
    let mut bad = report;
    bad.transactions[0].original_end_to_end_id = "E".repeat(36);
    assert!(write_pain002(&bad, at).is_err());
}

const HEAD: &str = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\"><CstmrPmtStsRpt>\
    <GrpHdr><MsgId>S</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>M</OrgnlMsgId></OrgnlGrpInfAndSts>";
const TAIL: &str = "</CstmrPmtStsRpt></Document>";

#[test]
fn hostile_or_incomplete_reports_are_refused_with_line_and_element() {
    let dtd = format!("<?xml version=\"1.0\"?><!DOCTYPE Document [<!ENTITY x \"y\">]>{HEAD}{TAIL}");
    assert!(read(&dtd).unwrap_err().contains("DTD"));
    let entity = format!(
        "{HEAD}<OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>&x;</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>{TAIL}"
    );
    assert!(read(&entity).unwrap_err().contains("not one XML defines"));
    let pain001 =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\"><a/></Document>";
    assert!(read(pain001).unwrap_err().contains("not pain.002"));
    let old = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.02\"><a/></Document>";
    assert!(read(old).unwrap_err().contains("onwards"));
    let camt = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><a/></Document>";
    assert!(read(camt).is_err());
    assert!(read("").is_err());
    assert!(
        read("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\"/>")
            .unwrap_err()
            .contains("empty")
    );

    let no_id = format!(
        "{HEAD}<OrgnlPmtInfAndSts><TxInfAndSts><TxSts>ACSC</TxSts></TxInfAndSts></OrgnlPmtInfAndSts>{TAIL}"
    );
    let error = read(&no_id).unwrap_err();
    assert!(
        error.contains("<TxInfAndSts>") && error.contains("OrgnlEndToEndId"),
        "{error}"
    );
    let no_status = format!(
        "{HEAD}<OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>E</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>{TAIL}"
    );
    assert!(read(&no_status).unwrap_err().contains("no TxSts"));
    let no_header = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\"><CstmrPmtStsRpt></CstmrPmtStsRpt></Document>";
    assert!(read(no_header).unwrap_err().contains("MsgId"));
    let nested = format!("{HEAD}<TxInfAndSts><TxInfAndSts>{TAIL}");
    assert!(read(&nested).unwrap_err().contains("inside another"));

    let long = format!(
        "{HEAD}<OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>{}</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>{TAIL}",
        "x".repeat(5000)
    );
    assert!(read(&long).unwrap_err().contains("longer than 4096"));
    let long_id = format!(
        "{HEAD}<OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>{}</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>{TAIL}",
        "x".repeat(36)
    );
    assert!(read(&long_id).unwrap_err().contains("longer than 35"));
    let deep = format!("{HEAD}{}", "<a>".repeat(70));
    assert!(read(&deep).unwrap_err().contains("deeper"));
    let truncated = format!("{HEAD}<OrgnlPmtInfAndSts>");
    assert!(read(&truncated).is_err());

    let lines = format!(
        "{HEAD}\n<OrgnlPmtInfAndSts>\n<TxInfAndSts><TxSts>A B</TxSts>\n</TxInfAndSts></OrgnlPmtInfAndSts>{TAIL}"
    );
    let error = read(&lines).unwrap_err();
    assert!(error.starts_with("line 3, <TxSts>:"), "{error}");
}

#[test]
fn at_most_so_many_transaction_statuses() {
    let one =
        "<TxInfAndSts><OrgnlEndToEndId>E</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>\n";
    let body = |n: usize| {
        format!(
            "{HEAD}<OrgnlPmtInfAndSts>{}</OrgnlPmtInfAndSts>{TAIL}",
            one.repeat(n)
        )
    };
    assert_eq!(
        read(&body(MAX_TRANSACTIONS)).unwrap().transactions.len(),
        MAX_TRANSACTIONS
    );
    let error = read(&body(MAX_TRANSACTIONS + 1)).unwrap_err();
    assert!(error.contains("more than 100000"), "{error}");
    assert!(
        error.starts_with(&format!("line {}, <TxInfAndSts>", MAX_TRANSACTIONS + 1)),
        "{error}"
    );
}

#[test]
fn changed_reports_keep_the_readers_promises() {
    // A small, deterministic stand-in for the `pain_status` fuzz target:
    // the test reports with bytes changed, inserted or cut.
    let seeds = [
        std::fs::read(file("pain002-v10-partly-rejected.xml")).unwrap(),
        std::fs::read(file("pain002-v03-prefixed.xml")).unwrap(),
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound as u64).unwrap()
    };
    let (mut accepted, mut refused) = (0, 0);
    for round in 0..20_000 {
        let mut bytes = seeds[round % 2].clone();
        for _ in 0..=next(4) {
            let at = next(bytes.len());
            match next(3) {
                0 => bytes[at] = u8::try_from(next(256)).unwrap(),
                1 => bytes.insert(at, b"<>&/\nx"[next(6)]),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        match read_pain002(bytes.as_slice()) {
            Ok(report) => {
                accepted += 1;
                for t in &report.transactions {
                    assert!(!t.original_end_to_end_id.is_empty() && !t.status.is_empty());
                }
            }
            Err(error) => {
                refused += 1;
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                assert!(error.line >= 1 && error.line <= lines + 1, "{error}");
            }
        }
    }
    // Both outcomes occur: the changes neither always break nor never do.
    assert!(accepted > 100 && refused > 100, "{accepted} {refused}");
}
