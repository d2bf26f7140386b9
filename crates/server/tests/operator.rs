//! The operator's pages with the real server on port 0, on both databases:
//! sign-in required, a wrong password refused and then throttled, forms
//! without their CSRF token refused, the report's numbers equal
//! `Treasury::report` for the test statements, drill-down to an entry and
//! its payment, the CSV export's quoting and formula neutralisation, and
//! four eyes on an operator's own transfer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use maksa_app::operators::{
    OperatorAccount, Operators, PasswordHash, Role, SessionSettings, SignIn, totp,
};
use maksa_app::store::prelude::*;
use maksa_app::store::{ActivityQuery, AuditEvent, RequestStatusWrite};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::status::Status;
use maksa_store_tests::fixtures::{client, creation_audit, single_payment_request};
use reqwest::StatusCode;
use std::collections::HashMap;
use std::sync::Arc;
use support::Backend;
use support::console::{ConsoleHub, Jar, OPERATORS, csrf_of, password_of, start};
use time::macros::date;

const ANNA_PASSWORD: &str = "anna's long passphrase";

/// Signs in with a password (and a fresh code when `name` is a test
/// operator); answers the status and page of the POST.
async fn sign_in(
    c: &ConsoleHub,
    jar: &mut Jar,
    name: &str,
    password: &str,
) -> (StatusCode, String) {
    let code = if OPERATORS.iter().any(|(n, _, _)| *n == name) {
        c.fresh_code(name)
    } else {
        "000000".to_owned()
    };
    let (status, page, headers) = c.sign_in_with(jar, name, password, &code).await;
    if status == StatusCode::SEE_OTHER {
        assert_eq!(headers["location"], "/admin/");
    }
    (status, page)
}

async fn import_file(c: &ConsoleHub, path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    c.treasury
        .import(
            &path.display().to_string(),
            std::io::Cursor::new(bytes),
            "tester",
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

async fn import_text(c: &ConsoleHub, text: String) {
    c.treasury
        .import(
            "test.xml",
            std::io::Cursor::new(text.into_bytes()),
            "tester",
        )
        .await
        .unwrap();
}

const ACCOUNT: &str = "LV44HABA0551000000001";

/// A camt.053.001.02 statement of `ACCOUNT` for 2026-11-30 with these
/// credits (reference, minor units, remittance, debtor name and IBAN).
fn statement(id: &str, credits: &[(&str, i64, &str, &str, &str)]) -> String {
    let text = |minor: i64| format!("{}.{:02}", minor / 100, minor % 100);
    let total: i64 = credits.iter().map(|c| c.1).sum();
    let balance = |code: &str, minor: i64| {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt>\
             <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>",
            text(minor)
        )
    };
    let mut entries = String::new();
    for (reference, minor, remittance, name, iban) in credits {
        entries.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>{reference}</AcctSvcrRef>\
             <BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd><NtryDtls><TxDtls>\
             <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>\
             <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
            text(*minor)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>{id}</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>{id}</Id><CreDtTm>2026-11-30T18:00:00</CreDtTm>\
         <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>{}{}{entries}</Stmt></BkToCstmrStmt></Document>\n",
        balance("OPBD", 0),
        balance("CLBD", total),
    )
}

/// A request to `ACCOUNT`, cancelled: money for it is a refund candidate.
async fn cancelled_request(
    store: &Arc<dyn Store>,
    seed: u64,
) -> maksa_domain::request::PaymentRequest {
    let request = single_payment_request(&client("pmlp.epakalpojumi"), seed);
    let batch: Vec<(maksa_domain::request::PaymentRequest, AuditEvent)> =
        vec![(request.clone(), creation_audit(&request))];
    for result in store.insert_payment_requests(&batch).await.unwrap() {
        result.unwrap();
    }
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
    request
}

async fn every_page_and_action_needs_a_session(backend: Backend) {
    let c = start(backend).await;
    let mut jar = Jar::default();
    for path in [
        "/admin/",
        "/admin/entries",
        "/admin/entries/1",
        "/admin/entries.csv",
        "/admin/orders",
    ] {
        let (status, _, headers) = c.get(&mut jar, path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers["location"], "/admin/sign-in", "{path}");
    }
    for path in [
        "/admin/batches",
        "/admin/orders/1/approve",
        "/admin/orders/1/cancel",
        "/admin/entries/1/refund",
        "/admin/sign-out",
    ] {
        let (status, _, headers) = c.post(&mut jar, path, &[("csrf", "00")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers["location"], "/admin/sign-in", "{path}");
    }
    // A forged session cookie is no session.
    jar.0
        .insert("maksa_operator".into(), "YW5uYQ.99999999999.00.00".into());
    let (status, _, _) = c.get(&mut jar, "/admin/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Signed in, the pages answer and carry the strict headers.
    let mut jar = c.signed_in("anna").await;
    let (status, page, headers) = c.get(&mut jar, "/admin/reconciliation").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    // Signing out ends the session in this browser.
    let token = csrf_of(&page);
    let (status, _, headers) = c
        .post(&mut jar, "/admin/sign-out", &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/sign-in");
    assert!(!jar.0.contains_key("maksa_operator"));
    let (status, _, _) = c.get(&mut jar, "/admin/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn a_wrong_password_is_refused_then_throttled(backend: Backend) {
    let c = start(backend).await;
    let mut jar = Jar::default();
    for _ in 0..maksa_app::operators::MAX_FAILURES_PER_NAME {
        let (status, page) = sign_in(&c, &mut jar, "anna", "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Wrong name, password or code."), "{page}");
        assert!(!page.contains("not the password"));
        assert!(!jar.0.contains_key("maksa_operator"));
    }
    // An unknown name gets the same answer.
    let (status, page) = sign_in(&c, &mut jar, "nobody", "x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Wrong name, password or code."));
    // Now even the right password is held back.
    let (status, page) = sign_in(&c, &mut jar, "anna", ANNA_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(!jar.0.contains_key("maksa_operator"));
    // Another name is not held back by anna's failures.
    c.signed_in("berta").await;
}

async fn forms_without_their_token_are_refused(backend: Backend) {
    let c = start(backend).await;
    // The sign-in form: no token, another browser's token.
    let mut jar = Jar::default();
    let (_, page, _) = c.get(&mut jar, "/admin/sign-in").await;
    let token = csrf_of(&page);
    let (status, _, _) = c
        .post(
            &mut jar,
            "/admin/sign-in",
            &[
                ("name", "anna"),
                ("password", ANNA_PASSWORD),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut other = Jar::default();
    let (status, _, _) = c
        .post(
            &mut other,
            "/admin/sign-in",
            &[
                ("csrf", &token),
                ("name", "anna"),
                ("password", ANNA_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!other.0.contains_key("maksa_operator"));

    // Signed in: an action without the token, or with berta's, is refused.
    let order = c
        .treasury
        .propose_transfer(
            "berta",
            ACCOUNT,
            "SIA Piegādātājs",
            "LV80BANK0000435195001",
            Amount::from_minor(1234).unwrap(),
            Currency::EUR,
            "rēķins 7",
        )
        .await
        .unwrap();
    let mut anna = c.signed_in("anna").await;
    let mut berta = c.signed_in("berta").await;
    let (_, berta_page, _) = c.get(&mut berta, "/admin/orders").await;
    let path = format!("/admin/orders/{}/approve", order.id);
    let (status, page, _) = c.post(&mut anna, &path, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("data-state=\"stale-form\""));
    let (status, _, _) = c
        .post(&mut anna, &path, &[("csrf", &csrf_of(&berta_page))])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stored = c.store.payment_order(order.id).await.unwrap().unwrap();
    assert_eq!(stored.state.as_str(), "proposed");
}

/// The `count · amount` text of each `data-total` cell.
fn totals_of(page: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for part in page.split("data-total=\"").skip(1) {
        let key = &part[..part.find('"').unwrap()];
        let value = &part[part.find('>').unwrap() + 1..part.find("</td>").unwrap()];
        found.insert(key.to_owned(), value.to_owned());
    }
    found
}

async fn the_report_page_shows_the_reports_numbers(backend: Backend) {
    let c = start(backend).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../treasury/tests/statements");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for file in &files {
        import_file(&c, file).await;
    }
    let report = c
        .treasury
        .report(date!(2026 - 11 - 01), date!(2026 - 11 - 30))
        .await
        .unwrap();
    assert!(!report.days.is_empty());
    let mut jar = c.signed_in("anna").await;
    let (status, page, _) = c.get(&mut jar, "/admin/reconciliation").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Reconciliation 2026-11-01 to 2026-11-30"));
    let shown = totals_of(&page);
    let cell = |g: &maksa_app::treasury::GroupTotals| format!("{} · {}", g.count, g.amount);
    for (currency, totals) in &report.totals {
        for (name, group) in [
            ("matched", &totals.matched),
            ("differences", &totals.differences),
            ("unmatched", &totals.unmatched),
            ("refund_candidates", &totals.refund_candidates),
        ] {
            assert_eq!(
                shown[&format!("{currency}-{name}")],
                cell(group),
                "{currency} {name}"
            );
        }
    }
    let mut balanced_rows = 0;
    for day in &report.days {
        let key = format!("{}-{}", day.day, day.account);
        for (name, group) in [
            ("matched", &day.totals.matched),
            ("differences", &day.totals.differences),
            ("unmatched", &day.totals.unmatched),
            ("refund_candidates", &day.totals.refund_candidates),
            ("pending", &day.totals.pending),
            ("debits", &day.totals.debits),
            ("expected", &day.expected),
        ] {
            assert_eq!(shown[&format!("{key}-{name}")], cell(group), "{key} {name}");
        }
        assert_eq!(
            shown[&format!("{key}-credits")],
            day.totals.credits().to_string()
        );
        if day.balanced == Some(true) {
            balanced_rows += 1;
        }
    }
    assert_eq!(
        page.matches("data-balanced=\"yes\"").count(),
        balanced_rows,
        "balanced shown in words for each balanced row"
    );
    assert!(balanced_rows > 0, "the test statements add up");
    // The chart: inline SVG with a text alternative; no script.
    assert!(page.contains("<svg class=\"chart\" role=\"img\""));
    assert!(page.contains("data-table=\"chart-EUR\""));
    assert!(!page.contains("<script"));
    // A range the form refuses.
    let (status, page, _) = c
        .get(
            &mut jar,
            "/admin/reconciliation?from=2026-12-01&to=2026-11-01",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("before the start"), "{page}");
}

async fn an_entry_drills_down_to_its_payment_and_exports_as_csv(backend: Backend) {
    let c = start(backend).await;
    let request = cancelled_request(&c.store, 77).await;
    let payment = &request.payments[0];
    let purpose = payment.purpose_id.as_str().to_owned();
    import_text(
        &c,
        statement(
            "STMT-OP-1",
            &[
                (
                    "REF-1",
                    payment.amount.minor(),
                    &purpose,
                    "Anna Bērziņa",
                    "LV80BANK0000435195001",
                ),
                (
                    "REF-2",
                    1234,
                    "=HYPERLINK(&quot;http://x&quot;),\"1\"",
                    "-Mallory",
                    "LV80BANK0000435195002",
                ),
            ],
        ),
    )
    .await;
    let mut jar = c.signed_in("anna").await;
    let (status, list, _) = c
        .get(&mut jar, "/admin/entries?from=2026-11-30&to=2026-11-30")
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.matches("<tr data-entry=").count(), 2, "{list}");
    assert!(list.contains("data-outcome=\"refund_candidate\""));
    let entries = c
        .store
        .statement_entries(&maksa_app::store::EntryFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let candidate = entries.iter().find(|e| e.key.contains("REF-1")).unwrap();
    let (status, detail, _) = c
        .get(&mut jar, &format!("/admin/entries/{}", candidate.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(
        detail.contains(&format!("data-fact=\"request-id\">{}", request.id)),
        "{detail}"
    );
    assert!(detail.contains(&format!(
        "data-fact=\"purpose\">{}",
        payment.purpose.replace('&', "&amp;")
    )));
    assert!(detail.contains("data-fact=\"counterparty\">Anna Bērziņa"));
    assert!(detail.contains("data-fact=\"settlement\">not settled"));
    assert!(detail.contains("data-action=\"propose-refund\""));
    // Reconciliation proposed the refund already: proposing again is refused.
    let token = csrf_of(&detail);
    let (status, page, _) = c
        .post(
            &mut jar,
            &format!("/admin/entries/{}/refund", candidate.id),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("exists already"), "{page}");
    // An unknown entry.
    let (status, _, _) = c.get(&mut jar, "/admin/entries/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The CSV: a header, RFC 4180 quoting, amounts as 12.34, formulas neutralised.
    let (status, csv, headers) = c
        .get(&mut jar, "/admin/entries.csv?from=2026-11-30&to=2026-11-30")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0]
            .starts_with("id,booking_date,value_date,account,direction,amount,currency,outcome")
    );
    let mallory = lines.iter().find(|l| l.contains("Mallory")).unwrap();
    assert!(mallory.contains(",12.34,EUR,unmatched,"), "{mallory}");
    assert!(mallory.contains(",'-Mallory,"), "{mallory}");
    assert!(
        mallory.ends_with("\"'=HYPERLINK(\"\"http://x\"\"),\"\"1\"\"\""),
        "{mallory}"
    );
    let anna = lines.iter().find(|l| l.contains("REF-1")).unwrap();
    assert!(
        anna.contains(&format!(",{},EUR,refund_candidate,", payment.amount)),
        "{anna}"
    );
    // A filter the export refuses.
    let (status, _, _) = c.get(&mut jar, "/admin/entries.csv?outcome=bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn an_operators_own_transfer_needs_another_operator(backend: Backend) {
    let c = start(backend).await;
    let order = c
        .treasury
        .propose_transfer(
            "anna",
            ACCOUNT,
            "SIA Piegādātājs",
            "LV80BANK0000435195001",
            Amount::from_minor(5000).unwrap(),
            Currency::EUR,
            "rēķins 8",
        )
        .await
        .unwrap();
    let mut anna = c.signed_in("anna").await;
    let (status, page, _) = c.get(&mut anna, "/admin/orders").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("<tr data-order=\"{}\"", order.id)));
    let path = format!("/admin/orders/{}/approve", order.id);
    let (status, page, _) = c.post(&mut anna, &path, &[("csrf", &csrf_of(&page))]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("data-state=\"four-eyes\""), "{page}");
    assert!(page.contains("another operator has to approve it"));
    assert_eq!(
        c.store
            .payment_order(order.id)
            .await
            .unwrap()
            .unwrap()
            .state
            .as_str(),
        "proposed"
    );
    // Berta approves; then writes the batch.
    let mut berta = c.signed_in("berta").await;
    let (_, page, _) = c.get(&mut berta, "/admin/orders").await;
    let token = csrf_of(&page);
    let (status, _, headers) = c.post(&mut berta, &path, &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/orders?notice=approved");
    let stored = c.store.payment_order(order.id).await.unwrap().unwrap();
    assert_eq!(stored.approved_by.as_deref(), Some("berta"));
    let (status, _, headers) = c
        .post(&mut berta, "/admin/batches", &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/orders?notice=batches");
    let (_, page, _) = c.get(&mut berta, "/admin/orders").await;
    assert!(page.contains("pain.001.001.03"), "{page}");
    // Cancelling a submitted order is refused, with the reason.
    let (status, page, _) = c
        .post(
            &mut berta,
            &format!("/admin/orders/{}/cancel", order.id),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
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

/// The entries page of a statement whose debtor's name is markup: shown as
/// text (escaped by construction), in Latvian and in English as the
/// operator's language cookie says.
async fn the_entries_pages_escape_and_speak_both_languages(backend: Backend) {
    let c = start(backend).await;
    import_text(
        &c,
        statement(
            "STMT-OP-ESC",
            &[(
                "REF-ESC",
                1500,
                "&lt;img src=x onerror=alert(2)&gt;",
                "&lt;script&gt;alert(1)&lt;/script&gt; SIA",
                "LV80BANK0000435195003",
            )],
        ),
    )
    .await;
    let mut jar = c.signed_in("anna").await;
    let path = "/admin/entries?from=2026-11-30&to=2026-11-30";
    let (status, en, _) = c.get(&mut jar, path).await;
    assert_eq!(status, StatusCode::OK, "{en}");
    assert!(
        en.contains("&lt;script&gt;alert(1)&lt;/script&gt; SIA"),
        "{en}"
    );
    assert!(!en.contains("<script"), "{en}");
    let id = between(&en, "<tr data-entry=\"", "\"");
    let (status, detail, _) = c.get(&mut jar, &format!("/admin/entries/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(
        detail.contains("data-fact=\"counterparty\">&lt;script&gt;alert(1)&lt;/script&gt; SIA<"),
        "{detail}"
    );
    assert!(
        detail.contains("data-fact=\"remittance\">&lt;img src=x onerror=alert(2)&gt;<"),
        "{detail}"
    );
    assert!(
        !detail.contains("<script") && !detail.contains("<img"),
        "{detail}"
    );

    // English by default; Latvian with the language cookie, every word.
    assert!(en.contains("<html lang=\"en\""));
    for word in [
        "Statement entries",
        "Booked from",
        "unmatched credit",
        "Counterparty",
    ] {
        assert!(en.contains(word), "{word} in {en}");
    }
    jar.0.insert("maksa_admin_lang".into(), "lv".into());
    let (status, lv, _) = c.get(&mut jar, path).await;
    assert_eq!(status, StatusCode::OK, "{lv}");
    assert!(lv.contains("<html lang=\"lv\""));
    for word in [
        "Izraksta ieraksti",
        "Grāmatots no",
        "nesasaistīts kredīts",
        "Darījuma partneris",
    ] {
        assert!(lv.contains(word), "{word} in {lv}");
    }
    for word in [
        "Statement entries",
        "Booked from",
        "unmatched credit",
        "Counterparty",
    ] {
        assert!(!lv.contains(word), "{word} in {lv}");
    }
    let (_, detail_lv, _) = c.get(&mut jar, &format!("/admin/entries/{id}")).await;
    assert!(detail_lv.contains("Izraksta ieraksts"), "{detail_lv}");
    assert!(detail_lv.contains("Sasaistītais maksājums"), "{detail_lv}");
    // The report and the orders too.
    let (_, report, _) = c
        .get(
            &mut jar,
            "/admin/reconciliation?from=2026-11-30&to=2026-11-30",
        )
        .await;
    assert!(
        report.contains("Saskaņošana 2026-11-30 līdz 2026-11-30"),
        "{report}"
    );
    assert!(report.contains("Nesasaistīti kredīti"), "{report}");
    let (status, refused, _) = c
        .get(
            &mut jar,
            "/admin/reconciliation?from=2026-12-01&to=2026-11-01",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("ir pirms sākuma"), "{refused}");
    let (_, orders, _) = c.get(&mut jar, "/admin/orders").await;
    assert!(orders.contains("Maksājuma uzdevumi"), "{orders}");
    assert!(orders.contains("Apmaiņa ar Valsts kasi"), "{orders}");
    assert!(!orders.contains("Payment orders"), "{orders}");
}

on_both_databases!(
    every_page_and_action_needs_a_session,
    a_wrong_password_is_refused_then_throttled,
    forms_without_their_token_are_refused,
    the_report_page_shows_the_reports_numbers,
    an_entry_drills_down_to_its_payment_and_exports_as_csv,
    an_operators_own_transfer_needs_another_operator,
    sign_in_needs_the_code_and_takes_it_once,
    an_account_without_a_second_factor_enrols,
    roles_decide_who_acts,
    accounts_are_managed_and_their_changes_logged,
    sessions_expire,
    a_legacy_hash_is_rehashed_and_configuration_never_overwrites,
    two_administrators_demoting_each_other_leave_one,
    a_refund_shows_on_the_requests_timeline,
    the_entries_pages_escape_and_speak_both_languages,
);

/// Money for a cancelled request is a refund candidate; the refund order the
/// import proposes and an operator approves, and the Treasury's answer an
/// operator uploads as a pain.002 file, show on the request's timeline after
/// the entry that made it.
async fn a_refund_shows_on_the_requests_timeline(backend: Backend) {
    let c = start(backend).await;
    let request = cancelled_request(&c.store, 77).await;
    let payment = &request.payments[0];
    let purpose = payment.purpose_id.as_str().to_owned();
    import_text(
        &c,
        statement(
            "STMT-REFUND-1",
            &[(
                "REF-LATE",
                payment.amount.minor(),
                &purpose,
                "Anna Bērziņa",
                "LV80BANK0000435195001",
            )],
        ),
    )
    .await;
    let entries = c
        .store
        .statement_entries(&maksa_app::store::EntryFilter {
            payment: Some((request.id, payment.sequence)),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    // The import proposed the refund itself; a person approves it.
    let order = c
        .store
        .order_of_entry(entries[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.proposed_by, "reconciliation");
    c.treasury.approve_order(order.id, "anna").await.unwrap();
    // The batch is written, downloaded and handed over by hand; the
    // Treasury's answer comes back as a file an operator uploads on the
    // statements page.
    let mut jar = c.signed_in("berta").await;
    let (status, _, headers) = c
        .post_from(&mut jar, "/admin/orders", "/admin/batches", &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/orders?notice=batches");
    let batches = c.store.payment_batches("ready", 10).await.unwrap();
    assert_eq!(batches.len(), 1);
    let message_id = batches[0].message_id.clone();
    let (status, page, _) = c.get(&mut jar, "/admin/batches").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains(&format!(
            "data-batch=\"{message_id}\" data-batch-state=\"ready\""
        )),
        "{page}"
    );
    let (status, file, headers) = c
        .get_bytes(&mut jar, &format!("/admin/batches/{message_id}/file"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{message_id}.xml\"").as_str()
    );
    let file = String::from_utf8(file).unwrap();
    assert!(file.contains(&order.end_to_end_id), "{file}");
    assert!(file.contains("pain.001"), "{file}");
    for missing in ["/admin/batches/NO-SUCH/file", "/admin/batches/..%2Fx/file"] {
        let (status, _, _) = c.get(&mut jar, missing).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    let (status, _, headers) = c
        .post_from(
            &mut jar,
            "/admin/batches",
            &format!("/admin/batches/{message_id}/submitted"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/batches");
    assert_eq!(
        c.treasury.batches_awaiting_status().await.unwrap(),
        vec![message_id.clone()]
    );
    let mut viewer = c.signed_in("vera").await;
    let (status, _, _) = c.get(&mut viewer, "/admin/batches").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a viewer sees no payment files"
    );
    let (status, _, _) = c
        .get(&mut viewer, &format!("/admin/batches/{message_id}/file"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let report = maksa_treasury::pain_status::write_pain002(
        &maksa_treasury::pain_status::StatusReport {
            message_id: "ST-CONSOLE-1".into(),
            original_message_id: message_id.clone(),
            group_status: None,
            transactions: vec![maksa_treasury::pain_status::TransactionStatus {
                original_end_to_end_id: order.end_to_end_id.clone(),
                original_instruction_id: None,
                status: "ACSP".into(),
                reason: None,
            }],
        },
        time::macros::datetime!(2026-11-30 12:00 UTC),
    )
    .unwrap();
    let (status, page, _) = c.get(&mut jar, "/admin/statements").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = csrf_of(&page);
    let (status, page, _) = c
        .upload(
            &mut jar,
            "/admin/statements",
            &[("csrf", &token)],
            "status_report",
            "pain002.xml",
            b"<Document/>",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("data-notice=\"refused\""), "{page}");
    let (status, page, _) = c
        .upload(
            &mut jar,
            "/admin/statements",
            &[("csrf", &token)],
            "status_report",
            "pain002.xml",
            report.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"status-applied\""), "{page}");
    assert!(
        page.contains(&format!("data-moved=\"{}\"", order.end_to_end_id)),
        "{page}"
    );
    let mut jar = c.signed_in("vera").await;
    let (status, page, _) = c
        .get(&mut jar, &format!("/admin/requests/{}", request.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let kinds: Vec<&str> = page
        .split("<tr data-what=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let from = kinds
        .iter()
        .position(|k| *k == "treasury.refund_candidate")
        .unwrap_or_else(|| panic!("{kinds:?}"));
    assert_eq!(
        kinds[from..],
        [
            "treasury.refund_candidate",
            "treasury.order_proposed",
            "treasury.order_approved",
            "treasury.order_accepted"
        ],
        "{kinds:?}"
    );
    assert!(page.contains(&order.end_to_end_id), "the order is named");
}

/// Two administrators, each demoting the other at the same moment: the
/// count of administrators is taken under lock in the change's own
/// transaction, so exactly one demotion lands and one administrator is
/// always left — trial after trial.
async fn two_administrators_demoting_each_other_leave_one(backend: Backend) {
    let c = start(backend).await;
    let hash = PasswordHash::new("olga's passphrase").unwrap().to_string();
    let accounts = vec![OperatorAccount::new("olga", &hash).unwrap()];
    let operators = Arc::new(Operators::new(accounts, c.store.clone(), c.clock.clone()).unwrap());
    for trial in 0..20 {
        let (by_anna, by_olga) = tokio::join!(
            operators.set_role("anna", "olga", Role::Operator),
            operators.set_role("olga", "anna", Role::Operator),
        );
        assert_eq!(
            usize::from(by_anna.is_ok()) + usize::from(by_olga.is_ok()),
            1,
            "trial {trial}: exactly one demotion lands ({by_anna:?}, {by_olga:?})"
        );
        let admins: Vec<String> = c
            .store
            .operator_records(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.role == Role::Administrator && !a.disabled)
            .map(|a| a.name)
            .collect();
        assert_eq!(admins.len(), 1, "trial {trial}: {admins:?}");
        let (survivor, demoted) = if by_anna.is_ok() {
            ("anna", "olga")
        } else {
            ("olga", "anna")
        };
        assert_eq!(admins, [survivor]);
        let refused = if by_anna.is_ok() { by_olga } else { by_anna };
        assert!(
            format!("{refused:?}").contains("LastAdministrator"),
            "trial {trial}: {refused:?}"
        );
        operators
            .set_role(survivor, demoted, Role::Administrator)
            .await
            .unwrap();
    }
}

/// The second factor: a wrong code answers like a wrong password; a code is
/// taken once; the right one signs in.
async fn sign_in_needs_the_code_and_takes_it_once(backend: Backend) {
    let c = start(backend).await;
    let mut jar = Jar::default();
    let (status, page, _) = c
        .sign_in_with(&mut jar, "anna", password_of("anna"), "000000")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("data-notice=\"sign-in\""), "{page}");
    let (status, wrong_password, _) = c
        .sign_in_with(&mut jar, "anna", "not the password", &c.fresh_code("anna"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let notice = |page: &str| {
        let at = page.find("data-notice=\"sign-in\">").unwrap();
        page[at..].split('<').next().unwrap().to_owned()
    };
    assert_eq!(notice(&page), notice(&wrong_password), "answered alike");
    assert!(!jar.0.contains_key("maksa_operator"));

    let code = c.fresh_code("anna");
    let (status, page, headers) = c
        .sign_in_with(&mut jar, "anna", password_of("anna"), &code)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(headers["location"], "/admin/");
    // The same code again (another browser): refused.
    let mut again = Jar::default();
    let (status, _, _) = c
        .sign_in_with(&mut again, "anna", password_of("anna"), &code)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a code is taken once");
    assert!(!again.0.contains_key("maksa_operator"));
    let kinds: Vec<String> = c
        .store
        .operator_activity(&ActivityQuery {
            operator: Some("anna".into()),
            limit: 20,
            ..ActivityQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            e.event.detail["reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(kinds.iter().any(|r| r == "wrong or used code"), "{kinds:?}");
    let audit = format!("{kinds:?}");
    assert!(!audit.contains(&code), "the code is never recorded");
}

/// An account without a second factor signs in with its password once and
/// must enrol before any other page opens.
async fn an_account_without_a_second_factor_enrols(backend: Backend) {
    let c = start(backend).await;
    let mut anna = c.signed_in("anna").await;
    let (status, page, _) = c
        .post_from(
            &mut anna,
            "/admin/accounts",
            "/admin/accounts/vera/reset-second-factor",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let mut vera = Jar::default();
    let (status, page, headers) = c
        .sign_in_with(&mut vera, "vera", password_of("vera"), "")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(headers["location"], "/admin/enrol");
    // No other page opens yet.
    let (status, _, headers) = c.get(&mut vera, "/admin/activity").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/enrol");
    let (status, page, _) = c.get(&mut vera, "/admin/enrol").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"enrol\""));
    let secret = between(&page, "data-totp-secret>", "<");
    assert!(
        page.contains("otpauth://totp/maksa%3Avera?secret="),
        "{page}"
    );
    // The same link as a QR code drawn on the server, named for screen
    // readers, the text beside it.
    let qr = between(&page, "<svg class=\"qr\"", "</svg>");
    assert!(qr.contains("role=\"img\""), "{qr}");
    assert!(qr.contains("aria-label=\"QR code"), "{qr}");
    assert!(qr.contains("<path fill=\"#000\" d=\"M"), "{qr}");
    assert!(
        !page.contains("<?xml"),
        "no XML declaration inside the page"
    );
    let after_qr = page.split("</svg>").nth(1).unwrap();
    assert!(after_qr.contains("data-totp-uri"), "the URI is beside it");
    // It is the code of that very URI.
    let uri = between(&page, "data-totp-uri>", "<").replace("&amp;", "&");
    let expected = qrcode::QrCode::new(uri.as_bytes())
        .unwrap()
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    assert_eq!(
        between(&qr, " d=\"", "\""),
        between(&expected, " d=\"", "\"")
    );
    let token = csrf_of(&page);
    let (status, page, _) = c
        .post(
            &mut vera,
            "/admin/enrol",
            &[("csrf", &token), ("code", "000000")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let now = maksa_app::clock::Clock::now(&*c.clock);
    let code = totp::code_now(&secret, now).unwrap();
    let (status, page, headers) = c
        .post(
            &mut vera,
            "/admin/enrol",
            &[("csrf", &token), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(headers["location"], "/admin/");
    let (status, _, _) = c.get(&mut vera, "/admin/activity").await;
    assert_eq!(status, StatusCode::OK);
    // From now on the code is asked.
    let mut other = Jar::default();
    let (status, _, _) = c
        .sign_in_with(&mut other, "vera", password_of("vera"), "")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let record = c.store.operator_record("vera").await.unwrap().unwrap();
    assert_eq!(record.totp_secret.as_deref(), Some(secret.as_str()));
}

fn between(page: &str, start: &str, end: &str) -> String {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {page}"))
        + start.len();
    page[at..].split(end).next().unwrap().to_owned()
}

/// A viewer reads every page and gets 403 on every action; an operator gets
/// 403 on the accounts' actions.
async fn roles_decide_who_acts(backend: Backend) {
    let c = start(backend).await;
    let mut vera = c.signed_in("vera").await;
    for path in [
        "/admin/",
        "/admin/entries",
        "/admin/orders",
        "/admin/cards",
        "/admin/activity",
    ] {
        let (status, page, _) = c.get(&mut vera, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
    }
    let (status, _, _) = c.get(&mut vera, "/admin/accounts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let attempt = "00000000-0000-4000-8000-000000000001";
    let posts = [
        "/admin/entries/1/refund".to_owned(),
        "/admin/orders/1/approve".to_owned(),
        "/admin/orders/1/cancel".to_owned(),
        "/admin/batches".to_owned(),
        format!("/admin/cards/{attempt}/propose"),
        format!("/admin/cards/{attempt}/approve"),
        "/admin/cards/close-day".to_owned(),
        "/admin/accounts".to_owned(),
        "/admin/accounts/anna/disable".to_owned(),
        "/admin/accounts/vera/role".to_owned(),
    ];
    for path in &posts {
        let (status, page, _) = c
            .post_from(
                &mut vera,
                "/admin/activity",
                path,
                &[("role", "administrator")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
        assert!(page.contains("data-state=\"forbidden\""), "{path}");
    }
    let mut berta = c.signed_in("berta").await;
    for path in posts.iter().skip(7) {
        let (status, _, _) = c
            .post_from(
                &mut berta,
                "/admin/activity",
                path,
                &[("role", "administrator")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let record = c.store.operator_record("vera").await.unwrap().unwrap();
    assert_eq!(record.role, Role::Viewer);
}

/// An administrator creates an account (one-time password and secret), and
/// disables one: its session ends at once; the activity log shows both with
/// before and after. Nobody disables themself or the last administrator.
async fn accounts_are_managed_and_their_changes_logged(backend: Backend) {
    let c = start(backend).await;
    let mut anna = c.signed_in("anna").await;
    let (status, page, _) = c
        .post_from(
            &mut anna,
            "/admin/accounts",
            "/admin/accounts",
            &[("name", "otto"), ("role", "viewer")],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{page}");
    let password = between(&page, "data-password>", "<");
    let secret = between(&page, "data-totp-secret>", "<");
    assert_eq!(
        password.len(),
        maksa_app::operators::GENERATED_PASSWORD_CHARS
    );
    let mut otto = Jar::default();
    let now = maksa_app::clock::Clock::now(&*c.clock);
    let (status, page, headers) = c
        .sign_in_with(
            &mut otto,
            "otto",
            &password,
            &totp::code_now(&secret, now).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(headers["location"], "/admin/");
    // The same name again: refused.
    let (status, _, _) = c
        .post_from(
            &mut anna,
            "/admin/accounts",
            "/admin/accounts",
            &[("name", "otto"), ("role", "viewer")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Disabling berta ends her session at once.
    let mut berta = c.signed_in("berta").await;
    let (status, _, _) = c.get(&mut berta, "/admin/orders").await;
    assert_eq!(status, StatusCode::OK);
    let (status, page, _) = c
        .post_from(
            &mut anna,
            "/admin/accounts",
            "/admin/accounts/berta/disable",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (status, _, headers) = c.get(&mut berta, "/admin/orders").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/sign-in");
    let mut again = Jar::default();
    let (status, _, _) = c
        .sign_in_with(
            &mut again,
            "berta",
            password_of("berta"),
            &c.fresh_code("berta"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a disabled account cannot sign in"
    );

    // A role change ends the session too, and the new role holds.
    let (status, _, _) = c
        .post_from(
            &mut anna,
            "/admin/accounts",
            "/admin/accounts/otto/role",
            &[("role", "operator")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = c.get(&mut otto, "/admin/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Not oneself, not the last administrator.
    for (path, form) in [
        ("/admin/accounts/anna/disable", vec![]),
        ("/admin/accounts/anna/role", vec![("role", "viewer")]),
    ] {
        let (status, page, _) = c.post_from(&mut anna, "/admin/accounts", path, &form).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {page}");
        assert!(page.contains("data-state=\"refused\""));
    }
    let record = c.store.operator_record("anna").await.unwrap().unwrap();
    assert_eq!(record.role, Role::Administrator);
    assert!(!record.disabled);

    // The activity log: newest first, with before and after.
    let (status, page, _) = c.get(&mut anna, "/admin/activity?operator=anna").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let disabled = page
        .split("<tr data-activity=")
        .find(|row| row.contains("data-kind=\"operator.account_disabled\""))
        .unwrap_or_else(|| panic!("{page}"));
    assert!(
        disabled.contains("&quot;disabled&quot;:false"),
        "{disabled}"
    );
    assert!(disabled.contains("&quot;disabled&quot;:true"), "{disabled}");
    let role_at = page.find("operator.role_changed").unwrap();
    let created_at = page.find("data-kind=\"operator.account_created\"").unwrap();
    assert!(role_at < created_at, "newest first");
    assert!(
        !page.contains(&password) && !page.contains(&secret),
        "no secret shown"
    );
    let (_, page, _) = c
        .get(&mut anna, "/admin/activity?kind=operator.account_created")
        .await;
    assert!(page.contains("data-operator=\"anna\""));
    assert!(!page.contains("operator.account_disabled"));
}

/// Sessions end after the idle timeout and the absolute lifetime.
async fn sessions_expire(backend: Backend) {
    let c =
        support::console::start_with_sessions(backend, SessionSettings::default(), |_| {}).await;
    let mut jar = c.signed_in("anna").await;
    c.clock.advance(time::Duration::minutes(20));
    let (status, _, _) = c.get(&mut jar, "/admin/activity").await;
    assert_eq!(status, StatusCode::OK);
    c.clock.advance(time::Duration::minutes(31));
    let (status, _, headers) = c.get(&mut jar, "/admin/activity").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "idle for 31 minutes");
    assert_eq!(headers["location"], "/admin/sign-in");
    let mut jar = c.signed_in("anna").await;
    for _ in 0..16 {
        c.clock.advance(time::Duration::minutes(29));
        let (status, _, _) = c.get(&mut jar, "/admin/activity").await;
        assert_eq!(status, StatusCode::OK);
    }
    c.clock.advance(time::Duration::minutes(29));
    let (status, _, _) = c.get(&mut jar, "/admin/activity").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "past 8 hours");
}

/// A legacy PBKDF2 hash from `[[operator]]` still verifies and becomes
/// argon2id at the sign-in; configuration never overwrites a stored account.
async fn a_legacy_hash_is_rehashed_and_configuration_never_overwrites(backend: Backend) {
    let c = start(backend).await;
    let legacy = PasswordHash::pbkdf2("old passphrase", maksa_app::operators::MIN_ITERATIONS)
        .unwrap()
        .to_string();
    let accounts = vec![
        OperatorAccount::new("olga", &legacy).unwrap(),
        // anna is stored already: this entry changes nothing.
        OperatorAccount::new("anna", &legacy)
            .unwrap()
            .with_role(Role::Viewer),
    ];
    let operators = Arc::new(Operators::new(accounts, c.store.clone(), c.clock.clone()).unwrap());
    let SignIn::Accepted(session) = operators
        .sign_in("olga", "old passphrase", "", None)
        .await
        .unwrap()
    else {
        panic!("olga signs in")
    };
    assert!(!session.enrolled, "no second factor yet");
    let olga = c.store.operator_record("olga").await.unwrap().unwrap();
    assert!(
        olga.password_hash.starts_with("$argon2id$"),
        "{}",
        olga.password_hash
    );
    assert_eq!(olga.role, Role::Administrator, "the default role");
    let SignIn::Accepted(_) = operators
        .sign_in("olga", "old passphrase", "", None)
        .await
        .unwrap()
    else {
        panic!("the new hash verifies")
    };
    let anna = c.store.operator_record("anna").await.unwrap().unwrap();
    assert_eq!(anna.role, Role::Administrator);
    assert!(anna.password_hash.starts_with("$argon2id$"));
    assert_eq!(
        operators
            .sign_in("anna", "old passphrase", "", None)
            .await
            .unwrap(),
        SignIn::Refused
    );
}
