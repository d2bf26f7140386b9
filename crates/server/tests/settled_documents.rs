//! Justification documents show the settlement (issue 14): a paid request's
//! first receipt has none; the statement that settles the payment makes its
//! receipt due again, and the next version says when the money was booked
//! and under which bank reference, in the Latvian and English PDF and in the
//! XML; a short credit settles nothing and a document issued after it shows
//! none. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use maksa_app::auth::Caller;
use maksa_app::clock::ManualClock;
use maksa_app::documents::{DocumentFormat, DocumentLanguage, Documents};
use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, InvoiceRecipient, PaymentPaid, RequestStatusWrite};
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_domain::codes::ProviderCode;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use maksa_store_tests::fixtures::{client, creation_audit, single_payment_request};
use std::sync::Arc;
use support::{Backend, assert_valid_document_xml, have_tool, open_store, pdf_text};
use time::macros::datetime;

/// The payee account of `single_payment_request`'s payment.
const ACCOUNT: &str = "LV44HABA0551000000001";

const OWNER: &str = "pmlp.epakalpojumi";

struct Setup {
    store: Arc<dyn Store>,
    treasury: Treasury,
    documents: Documents,
    caller: Caller,
    _guard: support::DatabaseGuard,
}

async fn setup(backend: Backend) -> Setup {
    let (store, guard) = open_store(backend).await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 10:00 UTC)));
    let treasury = Treasury::new(store.clone(), clock.clone(), TreasurySettings::default());
    let documents = Documents::new(
        store.clone(),
        clock,
        Arc::new(maksa_documents::Renderer::new()),
        support::test_issuer(),
        500,
    );
    let caller = Caller {
        client: client(OWNER),
        thumbprint: String::new(),
        roles: Vec::new(),
        services: Vec::new(),
    };
    Setup {
        store,
        treasury,
        documents,
        caller,
        _guard: guard,
    }
}

async fn requests(store: &Arc<dyn Store>, seeds: &[u64]) -> Vec<PaymentRequest> {
    let owner = client(OWNER);
    let requests: Vec<PaymentRequest> = seeds
        .iter()
        .map(|seed| single_payment_request(&owner, *seed))
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

/// The provider confirmed the request's one payment: E, its receipt due.
async fn pay(store: &Arc<dyn Store>, request: &PaymentRequest) {
    let at = datetime!(2026-11-30 08:00 UTC);
    let provider = ProviderCode::parse("HABALV22").unwrap();
    let mut work = store.begin().await.unwrap();
    assert!(
        work.set_payment_paid(&PaymentPaid {
            request: request.id,
            sequence: 1,
            provider: &provider,
            paid_at: at,
            external_id: None,
        })
        .await
        .unwrap()
    );
    assert!(
        work.set_request_status(&RequestStatusWrite {
            id: request.id,
            owner: &request.owner,
            from: Status::InProcess,
            to: Status::Executed,
            at,
            paid_at: Some(at),
            receipt_due: Some(true),
        })
        .await
        .unwrap()
    );
    work.commit().await.unwrap();
}

fn amount_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// A camt.053.001.02 statement of `ACCOUNT` for 2026-11-30 with booked
/// credits (bank reference, minor units, remittance) and balances that add up.
fn statement(credits: &[(&str, i64, &str)]) -> String {
    let closing: i64 = credits.iter().map(|(_, minor, _)| minor).sum();
    let balance = |code: &str, minor: i64| {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt>\
             <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>",
            amount_text(minor)
        )
    };
    let entries: String = credits
        .iter()
        .map(|(reference, minor, remittance)| {
            format!(
                "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
                 <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt>\
                 <AcctSvcrRef>{reference}</AcctSvcrRef><BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>\
                 <NtryDtls><TxDtls><RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
                amount_text(*minor)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>STMT-S</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>STMT-S</Id><CreDtTm>2026-11-30T18:00:00</CreDtTm>\
         <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>{}{}{entries}</Stmt></BkToCstmrStmt></Document>\n",
        balance("OPBD", 0),
        balance("CLBD", closing),
    )
}

/// The latest document of `request` in each form: (file name of the XML,
/// XML text, Latvian PDF text, English PDF text).
async fn latest(s: &Setup, request: &PaymentRequest) -> (String, String, String, String) {
    let id = request.id.to_string();
    let xml = s
        .documents
        .latest(
            &s.caller,
            &id,
            DocumentFormat::Xml,
            DocumentLanguage::Latvian,
        )
        .await
        .unwrap();
    assert_valid_document_xml(&xml.bytes);
    let pdf = |language| {
        let documents = &s.documents;
        let (caller, id) = (&s.caller, &id);
        async move {
            let file = documents
                .latest(caller, id, DocumentFormat::Pdf, language)
                .await
                .unwrap();
            pdf_text(&file.bytes)
        }
    };
    let latvian = pdf(DocumentLanguage::Latvian).await;
    let english = pdf(DocumentLanguage::English).await;
    (
        xml.file_name,
        String::from_utf8(xml.bytes).unwrap(),
        latvian,
        english,
    )
}

#[track_caller]
fn shows_no_settlement(xml: &str, latvian: &str, english: &str) {
    assert!(!xml.contains("<Settlement>"), "{xml}");
    assert!(!latvian.contains("Valsts kases kontā"), "{latvian}");
    assert!(!english.contains("Treasury account"), "{english}");
}

async fn the_receipt_after_the_statement_shows_the_settlement(backend: Backend) {
    if !(have_tool("pdftotext") && have_tool("xmllint")) {
        return;
    }
    let s = setup(backend).await;
    // Even seeds: the fixtures make odd ones NoInvoice (no receipts at all).
    let r = requests(&s.store, &[52, 54]).await;
    for request in &r {
        pay(&s.store, request).await;
    }
    // Receipt v1 of each, issued by the worker's step: paid, not settled.
    assert_eq!(s.documents.issue_due_receipts().await.unwrap(), 2);
    for request in &r {
        let (name, xml, latvian, english) = latest(&s, request).await;
        assert!(name.ends_with("-1.xml"), "{name}");
        assert!(xml.contains("<Kind>receipt</Kind>"), "{xml}");
        shows_no_settlement(&xml, &latvian, &english);
    }

    // The statement: the exact amount for the first request, one euro less
    // for the second.
    let exact = r[0].payments[0].amount.minor();
    let short = r[1].payments[0].amount.minor() - 100;
    let text = statement(&[
        ("R-EXACT", exact, r[0].payments[0].purpose_id.as_str()),
        ("R-SHORT", short, r[1].payments[0].purpose_id.as_str()),
    ]);
    let report = s
        .treasury
        .import(
            "statement.xml",
            std::io::Cursor::new(text.into_bytes()),
            "tester",
        )
        .await
        .unwrap();
    assert_eq!(report.counts.new, 2);
    // The import makes the settled request's receipt due again (the receipt
    // worker's list names it); the short credit settled nothing, so that
    // receipt is not.
    assert_eq!(
        maksa_store_tests::fixtures::receipts_listed(s.store.as_ref()).await,
        vec![r[0].id]
    );
    let due = |request: &PaymentRequest| {
        let store = s.store.clone();
        let (owner, id) = (request.owner.clone(), request.id);
        async move {
            store
                .document_state(&owner, id)
                .await
                .unwrap()
                .unwrap()
                .receipt_due
        }
    };
    assert!(due(&r[0]).await);
    assert!(!due(&r[1]).await);
    assert_eq!(s.documents.issue_due_receipts().await.unwrap(), 1);

    // Receipt v2 of the settled payment: the day and the reference.
    let (name, xml, latvian, english) = latest(&s, &r[0]).await;
    assert!(name.ends_with("-2.xml"), "{name}");
    assert!(
        xml.contains(
            "<Settlement>\n        <SettledOn>2026-11-30</SettledOn>\n        \
             <Reference>R-EXACT</Reference>\n      </Settlement>"
        ),
        "{xml}"
    );
    assert!(
        latvian.contains("Nauda saņemta Valsts kases kontā: 2026-11-30 (atsauce R-EXACT)"),
        "{latvian}"
    );
    assert!(
        english.contains("Received on the Treasury account: 2026-11-30 (reference R-EXACT)"),
        "{english}"
    );

    // The short credit settled nothing: a document issued after the
    // statement (an invoice ordered now, v2) shows no settlement.
    s.documents
        .create_invoice(
            &s.caller,
            &r[1].id.to_string(),
            InvoiceRecipient {
                name: Some("SIA Grāmatvedība".into()),
                code: None,
                address: None,
            },
        )
        .await
        .unwrap();
    let (name, xml, latvian, english) = latest(&s, &r[1]).await;
    assert!(name.ends_with("-2.xml"), "{name}");
    assert!(xml.contains("<Kind>invoice</Kind>"), "{xml}");
    shows_no_settlement(&xml, &latvian, &english);
    assert!(!xml.contains("R-SHORT"), "{xml}");
}

on_both_backends!(the_receipt_after_the_statement_shows_the_settlement);
