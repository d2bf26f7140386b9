//! The operator's pages with the real server on port 0, on both databases:
//! sign-in required, a wrong password refused and then throttled, forms
//! without their CSRF token refused, the report's numbers equal
//! `Treasury::report` for the test statements, drill-down to an entry and
//! its payment, the CSV export's quoting and formula neutralisation, and
//! four eyes on an operator's own transfer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use maksa_app::clock::ManualClock;
use maksa_app::operators::{MIN_ITERATIONS, OperatorAccount, Operators};
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, RequestStatusWrite};
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::request::CreationRules;
use maksa_domain::status::Status;
use maksa_server::{AppState, Listeners, OperatorConsole, PayerOptions, RunningServer};
use maksa_store_tests::fixtures::{client, creation_audit, single_payment_request};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::collections::HashMap;
use std::sync::Arc;
use support::{Backend, DatabaseGuard, open_store};
use time::macros::{date, datetime};

const ANNA_PASSWORD: &str = "anna's long passphrase";
const BERTA_PASSWORD: &str = "berta's other passphrase";

struct Console {
    base: String,
    store: Arc<dyn Store>,
    treasury: Treasury,
    http: reqwest::Client,
    _server: RunningServer,
    _guard: DatabaseGuard,
}

/// A hash at the lowest accepted cost: the tests sign in many times.
fn hash(password: &str) -> String {
    maksa_app::operators::PasswordHash::with_iterations(password, MIN_ITERATIONS)
        .unwrap()
        .to_string()
}

async fn start(backend: Backend) -> Console {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (store, guard) = open_store(backend).await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 20:00 UTC)));
    let treasury = Treasury::new(store.clone(), clock.clone(), TreasurySettings::default());
    let accounts = vec![
        OperatorAccount::new("anna", &hash(ANNA_PASSWORD)).unwrap(),
        OperatorAccount::new("berta", &hash(BERTA_PASSWORD)).unwrap(),
    ];
    let operators = Arc::new(Operators::new(accounts, store.clone(), clock.clone()).unwrap());
    let bound = maksa_server::bind(Listeners {
        http: Some("127.0.0.1:0".parse().unwrap()),
        https: None,
    })
    .await
    .unwrap();
    let base = format!("http://{}", bound.http_addr().unwrap());
    let settings = HubSettings {
        public_base_url: base.clone(),
        rules: CreationRules::default(),
        list_limit: 1000,
        issuer: support::test_issuer(),
    };
    let state = AppState::assemble(
        store.clone(),
        clock,
        settings,
        false,
        64 * 1024,
        PayerOptions {
            operator: Some(OperatorConsole::new(operators, treasury.clone())),
            ..PayerOptions::default()
        },
    )
    .await
    .unwrap();
    let server = maksa_server::serve(state, bound).unwrap();
    Console {
        base,
        store,
        treasury,
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
        _server: server,
        _guard: guard,
    }
}

/// A browser's cookies for `/admin`, kept by hand (reqwest's cookie store
/// is not compiled in).
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(attributes.contains("HttpOnly"), "{text}");
            assert!(attributes.contains("SameSite=Strict"), "{text}");
            assert!(attributes.contains("Path=/admin"), "{text}");
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The value of the first `name="csrf" value="…"` on a page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

impl Console {
    async fn get(
        &self,
        jar: &mut Jar,
        path: &str,
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap();
        jar.take(&response);
        let status = response.status();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    }

    async fn post(
        &self,
        jar: &mut Jar,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", jar.header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        jar.take(&response);
        let status = response.status();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    }

    /// Signs in; answers the status of the POST.
    async fn sign_in(&self, jar: &mut Jar, name: &str, password: &str) -> (StatusCode, String) {
        let (status, page, _) = self.get(jar, "/admin/sign-in").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let token = csrf_of(&page);
        let (status, page, headers) = self
            .post(
                jar,
                "/admin/sign-in",
                &[("csrf", &token), ("name", name), ("password", password)],
            )
            .await;
        if status == StatusCode::SEE_OTHER {
            assert_eq!(headers["location"], "/admin/");
        }
        (status, page)
    }

    async fn signed_in(&self, name: &str, password: &str) -> Jar {
        let mut jar = Jar::default();
        let (status, page) = self.sign_in(&mut jar, name, password).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(jar.0.contains_key("maksa_operator"));
        jar
    }

    async fn import_file(&self, path: &std::path::Path) {
        let bytes = std::fs::read(path).unwrap();
        self.treasury
            .import(
                &path.display().to_string(),
                std::io::Cursor::new(bytes),
                "tester",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    async fn import_text(&self, text: String) {
        self.treasury
            .import(
                "test.xml",
                std::io::Cursor::new(text.into_bytes()),
                "tester",
            )
            .await
            .unwrap();
    }
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
    let mut jar = c.signed_in("anna", ANNA_PASSWORD).await;
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
        let (status, page) = c.sign_in(&mut jar, "anna", "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Wrong name or password."), "{page}");
        assert!(!page.contains("not the password"));
        assert!(!jar.0.contains_key("maksa_operator"));
    }
    // An unknown name gets the same answer.
    let (status, page) = c.sign_in(&mut jar, "nobody", "x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Wrong name or password."));
    // Now even the right password is held back.
    let (status, page) = c.sign_in(&mut jar, "anna", ANNA_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(!jar.0.contains_key("maksa_operator"));
    // Another name is not held back by anna's failures.
    c.signed_in("berta", BERTA_PASSWORD).await;
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
            &[("name", "anna"), ("password", ANNA_PASSWORD)],
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
    let mut anna = c.signed_in("anna", ANNA_PASSWORD).await;
    let mut berta = c.signed_in("berta", BERTA_PASSWORD).await;
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
        c.import_file(file).await;
    }
    let report = c
        .treasury
        .report(date!(2026 - 11 - 01), date!(2026 - 11 - 30))
        .await
        .unwrap();
    assert!(!report.days.is_empty());
    let mut jar = c.signed_in("anna", ANNA_PASSWORD).await;
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
    c.import_text(statement(
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
    ))
    .await;
    let mut jar = c.signed_in("anna", ANNA_PASSWORD).await;
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
    let mut anna = c.signed_in("anna", ANNA_PASSWORD).await;
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
    let mut berta = c.signed_in("berta", BERTA_PASSWORD).await;
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

on_both_databases!(
    every_page_and_action_needs_a_session,
    a_wrong_password_is_refused_then_throttled,
    forms_without_their_token_are_refused,
    the_report_page_shows_the_reports_numbers,
    an_entry_drills_down_to_its_payment_and_exports_as_csv,
    an_operators_own_transfer_needs_another_operator,
);
