//! First Data ECOMM end to end: the simulator's router served on a real port
//! under `/sim/firstdata` (plain, and over real mutual TLS), beside a
//! receiver standing in for the hub's return address and a fake acquirer
//! that answers whatever the test puts there; driven through the connector
//! the way the hub, the status-recovery worker and a payer's browser would.

#![allow(clippy::unwrap_used)]

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use maksa_app::providers::{
    Connector, DayTotals, Handoff, PaymentOrder, ProviderError, ProviderMessage, Reversal, Verified,
};
use maksa_domain::attempt::{Attempt, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::firstdata::{self, FirstDataConfig, FirstDataConnector, TEST_CARDS};
use maksa_providers::mtls::MutualTls;
use maksa_providers::sandboxes::SandboxTls;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use support::{Fields, form, get, incoming, state, submit};
use time::OffsetDateTime;
use tokio::net::TcpListener;

const CODE: &str = "FIRSTDATA";
const MOUNT: &str = "/sim/firstdata";

fn code() -> ProviderCode {
    ProviderCode::parse(CODE).unwrap()
}

fn card(name: &str) -> &'static str {
    TEST_CARDS.iter().find(|c| c.name == name).unwrap().number
}

/// What the fake acquirer answers: status and body.
type FakeAnswer = Arc<Mutex<(StatusCode, String)>>;

async fn fake_handler(State(answer): State<FakeAnswer>) -> Response {
    let (status, body) = answer.lock().unwrap().clone();
    (status, body).into_response()
}

struct Harness {
    shared: support::Harness,
    fake: FakeAnswer,
}

impl Deref for Harness {
    type Target = support::Harness;

    fn deref(&self) -> &support::Harness {
        &self.shared
    }
}

impl Harness {
    /// A connector whose acquirer is the fake one answering `status`, `body`.
    fn fake(&self, status: StatusCode, body: &str) -> FirstDataConnector {
        *self.fake.lock().unwrap() = (status, body.to_owned());
        FirstDataConnector::new(FirstDataConfig {
            code: code(),
            merchant_handler_url: format!("{}/fake/ecomm/MerchantHandler", self.origin),
            client_handler_url: format!("{}{MOUNT}/ecomm/ClientHandler", self.origin),
            tls: None,
        })
    }

    fn acquirer(&self) -> &dyn maksa_app::providers::CardAcquirer {
        self.connector.card_acquirer().unwrap()
    }
}

async fn start() -> Harness {
    let fake = FakeAnswer::new(Mutex::new((StatusCode::OK, String::new())));
    let answer = fake.clone();
    let shared = support::start(
        MOUNT,
        move |r| {
            r.post_routes(&[format!("/providers/{CODE}/return").as_str()])
                .merge(
                    Router::new()
                        .route("/fake/ecomm/MerchantHandler", post(fake_handler))
                        .with_state(answer),
                )
        },
        |dir, base, origin| {
            let sandbox = firstdata::sandbox(dir, code(), base, origin, None).unwrap();
            (sandbox.connector, sandbox.simulator.router())
        },
    )
    .await;
    Harness { shared, fake }
}

fn order() -> PaymentOrder {
    PaymentOrder {
        language: "ENG",
        payer_ip: Some("192.0.2.10".parse().unwrap()),
        ..support::order(
            "RF18539007547034 Valsts nodeva <b>&</b>\nRīga",
            "https://hub.example/providers/FIRSTDATA/return?language=ENG".into(),
            "https://hub.example/providers/FIRSTDATA/notify".into(),
        )
    }
}

fn attempt(order: &PaymentOrder, id: &str) -> Attempt {
    support::attempt(order, code(), Some(id.to_owned()))
}

/// Registers `order` through the connector and opens the card page as the
/// payer's browser would: answers the transaction id and the page.
async fn register(h: &Harness, order: &PaymentOrder) -> (String, String) {
    let started = h.connector.start(order).await.unwrap();
    let id = started.provider_reference.unwrap();
    assert_eq!(id.len(), 28, "{id}");
    let Handoff::Redirect(url) = started.handoff else {
        panic!("ECOMM hands off by redirect");
    };
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    assert_eq!(
        url,
        format!("{}{MOUNT}/ecomm/ClientHandler?trans_id={encoded}", h.origin)
    );
    let response = h.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = response.text().await.unwrap();
    assert_eq!(state(&page), "bank-approve");
    (id, page)
}

/// Submits the card page with `number`, `action` (`pay`, `cancel`) and the
/// tester's options; answers the page that follows.
async fn enter_card(
    h: &Harness,
    page: &str,
    number: &str,
    action: &str,
    options: &[(&str, &str)],
) -> String {
    let (target, mut fields) = form(page);
    assert_eq!(target, format!("{MOUNT}/ecomm/card"));
    for (k, v) in [
        ("card_number", number),
        ("expiry", "12/30"),
        ("cvc", "123"),
        ("action", action),
    ]
    .into_iter()
    .chain(options.iter().copied())
    {
        fields.push((k.into(), v.into()));
    }
    let (status, next) = submit(h, &format!("{}{target}", h.origin), &fields).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    next
}

/// The return page's form, checked and posted as the browser would; answers
/// its fields and what the hub's connector makes of them.
async fn return_to_merchant(h: &Harness, page: &str, id: &str) -> Fields {
    assert_eq!(state(page), "bank-return");
    assert!(page.contains("data-action=\"return-to-merchant\""));
    assert!(page.contains("data-autosubmit"));
    let (action, fields) = form(page);
    assert_eq!(action, format!("{}/providers/{CODE}/return", h.origin));
    assert_eq!(get(&fields, "trans_id"), id);
    let response = support::post_form(h, &action, &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        h.connector.browser_return(&incoming(&fields)).unwrap(),
        Verified::AskProviderAbout(id.to_owned())
    );
    fields
}

/// Pays a new order with `number`; answers the order, the id and what `c`
/// says after the payer came back.
async fn pay_with(h: &Harness, number: &str) -> (PaymentOrder, String, ProviderMessage) {
    let order = order();
    let (id, page) = register(h, &order).await;
    let next = enter_card(h, &page, number, "pay", &[]).await;
    return_to_merchant(h, &next, &id).await;
    let message = h
        .connector
        .query(&attempt(&order, &id))
        .await
        .unwrap()
        .unwrap();
    (order, id, message)
}

#[tokio::test]
async fn the_approved_test_card_pays_and_the_query_vouches_for_it() {
    let h = start().await;
    let order = order();
    let (id, page) = register(&h, &order).await;
    // The page: English as registered, the payment, the card filled in.
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("data-field=\"amount\">12.34 EUR"));
    assert!(page.contains("RF18539007547034 Valsts nodeva &lt;b&gt;&amp;&lt;/b&gt; Rīga"));
    assert!(page.contains(&format!("value=\"{}\"", card("approved"))));
    assert!(page.contains("<label for=\"card_number\">"));
    assert!(page.contains("data-action=\"approve\""));
    assert!(page.contains("data-action=\"cancel\""));
    // Before the card is entered the acquirer has nothing final.
    let attempt = attempt(&order, &id);
    assert_eq!(h.connector.query(&attempt).await.unwrap(), None);
    // The page's own approve: the pre-filled approved card.
    let (target, mut fields) = form(&page);
    fields.extend(
        [
            ("card_number", card("approved")),
            ("expiry", "12/30"),
            ("cvc", "123"),
            ("action", "pay"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let (_, next) = submit(&h, &format!("{}{target}", h.origin), &fields).await;
    let returned = return_to_merchant(&h, &next, &id).await;
    assert!(!returned.iter().any(|(k, _)| k == "error"));
    let message = h.connector.query(&attempt).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
    assert_eq!(message.amount, order.amount);
    assert_eq!(message.currency, Currency::EUR);
    assert_eq!(message.external_id.as_deref(), Some(id.as_str()));
    let evidence = message.evidence.unwrap();
    assert!(
        evidence.starts_with("card 4***********1111, approval "),
        "{evidence}"
    );
    assert!(evidence.contains(", RRN "), "{evidence}");
    assert!(
        evidence.ends_with("3-D Secure NOTPARTICIPATED, result OK 000"),
        "{evidence}"
    );
    assert!(!evidence.contains(card("approved")));
    // The kernel kept the return for /messages.
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let messages = h
        .http
        .get(format!("{}{MOUNT}/messages?reference={encoded}", h.origin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(messages.contains("\"channel\":\"browser\""), "{messages}");
    // Coming back to the card page shows the outcome again; no second payment.
    let again = h
        .http
        .get(format!(
            "{}{MOUNT}/ecomm/ClientHandler?trans_id={encoded}",
            h.origin
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(state(&again), "bank-return");
    let resubmitted = enter_card(&h, &page, card("declined"), "pay", &[]).await;
    assert_eq!(state(&resubmitted), "bank-return");
    let message = h.connector.query(&attempt).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
}

#[tokio::test]
async fn a_declined_card_an_unknown_card_and_a_timeout_are_rejected() {
    let h = start().await;
    for (number, evidence) in [
        (
            card("declined"),
            "card 4***********0002, 3-D Secure NOTPARTICIPATED, result FAILED 116",
        ),
        (
            "5555555555554444",
            "card 5***********4444, result DECLINED 100",
        ),
        (card("timeout"), "card 4***********0119, result TIMEOUT"),
    ] {
        let order = order();
        let (id, page) = register(&h, &order).await;
        let next = enter_card(&h, &page, number, "pay", &[]).await;
        let fields = return_to_merchant(&h, &next, &id).await;
        assert!(fields.iter().any(|(k, _)| k == "error"), "{fields:?}");
        let message = h
            .connector
            .query(&attempt(&order, &id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.outcome, Outcome::Rejected, "{number}");
        assert_eq!(message.evidence.as_deref(), Some(evidence));
    }
}

#[tokio::test]
async fn the_payer_may_cancel() {
    let h = start().await;
    let order = order();
    let (id, page) = register(&h, &order).await;
    let next = enter_card(&h, &page, "", "cancel", &[]).await;
    let fields = return_to_merchant(&h, &next, &id).await;
    assert_eq!(get(&fields, "error"), "cancelled by the cardholder");
    let message = h
        .connector
        .query(&attempt(&order, &id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Rejected);
    assert_eq!(message.evidence.as_deref(), Some("result FAILED"));
}

#[tokio::test]
async fn a_3ds_card_asks_the_issuer_first() {
    let h = start().await;
    for (action, outcome, evidence) in [
        (
            "approve",
            Outcome::Executed,
            "3-D Secure AUTHENTICATED, result OK 000",
        ),
        (
            "fail",
            Outcome::Rejected,
            "3-D Secure FAILED, result FAILED 100",
        ),
    ] {
        let order = order();
        let (id, page) = register(&h, &order).await;
        let step = enter_card(&h, &page, card("3ds"), "pay", &[]).await;
        assert_eq!(state(&step), "bank-3ds");
        assert!(step.contains("data-action=\"approve\""));
        assert!(step.contains("data-action=\"fail\""));
        // While the payer is at the issuer's step the payment is PENDING.
        assert_eq!(
            h.connector.query(&attempt(&order, &id)).await.unwrap(),
            None
        );
        let (target, mut fields) = form(&step);
        assert_eq!(target, format!("{MOUNT}/ecomm/3ds"));
        fields.push(("action".into(), action.into()));
        let (status, next) = submit(&h, &format!("{}{target}", h.origin), &fields).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        return_to_merchant(&h, &next, &id).await;
        let message = h
            .connector
            .query(&attempt(&order, &id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.outcome, outcome);
        let text = message.evidence.unwrap();
        assert!(text.starts_with("card 4***********3220"), "{text}");
        assert!(text.ends_with(evidence), "{text}");
    }
}

#[tokio::test]
async fn a_lost_return_is_answered_by_the_query() {
    let h = start().await;
    let order = order();
    let (id, page) = register(&h, &order).await;
    let next = enter_card(
        &h,
        &page,
        card("approved"),
        "pay",
        &[("browser_return", "drop")],
    )
    .await;
    assert_eq!(state(&next), "bank-done");
    assert!(h.receiver.received().is_empty());
    // What the status-recovery worker does for an attempt never heard of.
    let message = h
        .connector
        .query(&attempt(&order, &id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
}

#[tokio::test]
async fn a_payment_is_reversed_once_and_a_repeated_reversal_converges() {
    let h = start().await;
    let (order, id, _) = pay_with(&h, card("approved")).await;
    let attempt = attempt(&order, &id);
    assert_eq!(
        h.acquirer().reverse(&attempt).await.unwrap(),
        Reversal::Reversed
    );
    // The acquirer refuses the second `r`; `c` says REVERSED, so it converges.
    assert_eq!(
        h.acquirer().reverse(&attempt).await.unwrap(),
        Reversal::Reversed
    );
    let message = h.connector.query(&attempt).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Rejected);
    assert!(message.evidence.unwrap().ends_with("result REVERSED 400"),);
    // A payment that was not taken cannot be reversed.
    let (declined, declined_id, _) = pay_with(&h, card("declined")).await;
    let Reversal::Refused(reason) = h
        .acquirer()
        .reverse(&support::attempt(&declined, code(), Some(declined_id)))
        .await
        .unwrap()
    else {
        panic!("refused");
    };
    assert_eq!(reason, "error: only an approved payment can be reversed");
    // Only one reversal was counted.
    let totals = h.acquirer().close_day().await.unwrap();
    assert_eq!(totals.reversal_count, 1);
    assert_eq!(totals.reversal_amount, 1234);
}

#[tokio::test]
async fn the_day_close_counts_payments_and_reversals_since_the_last_close() {
    let h = start().await;
    assert_eq!(
        h.acquirer().close_day().await.unwrap(),
        DayTotals::default()
    );
    let (first, first_id, _) = pay_with(&h, card("approved")).await;
    pay_with(&h, card("approved")).await;
    pay_with(&h, card("declined")).await;
    pay_with(&h, card("timeout")).await;
    h.acquirer()
        .reverse(&attempt(&first, &first_id))
        .await
        .unwrap();
    assert_eq!(
        h.acquirer().close_day().await.unwrap(),
        DayTotals {
            debit_count: 2,
            debit_amount: 2468,
            reversal_count: 1,
            reversal_amount: 1234,
        }
    );
    // A new day.
    assert_eq!(
        h.acquirer().close_day().await.unwrap(),
        DayTotals::default()
    );
}

#[tokio::test]
async fn the_tester_can_force_a_day_close_mismatch() {
    let h = start().await;
    let order = order();
    let (id, page) = register(&h, &order).await;
    let next = enter_card(
        &h,
        &page,
        card("approved"),
        "pay",
        &[("day_close", "mismatch")],
    )
    .await;
    return_to_merchant(&h, &next, &id).await;
    // The hub knows one payment of 12.34; the acquirer reports one more of 1.00.
    assert_eq!(
        h.acquirer().close_day().await.unwrap(),
        DayTotals {
            debit_count: 2,
            debit_amount: 1234 + firstdata::MISMATCH_AMOUNT,
            reversal_count: 0,
            reversal_amount: 0,
        }
    );
    // Only the next close.
    assert_eq!(
        h.acquirer().close_day().await.unwrap(),
        DayTotals::default()
    );
}

#[tokio::test]
async fn forged_and_unknown_transaction_ids_get_nothing() {
    let h = start().await;
    let forged = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    // The return proves nothing: the hub looks the id up and finds no attempt.
    assert_eq!(
        h.connector
            .browser_return(&incoming(&vec![("trans_id".into(), forged.into())]))
            .unwrap(),
        Verified::AskProviderAbout(forged.into())
    );
    for bad in ["", "<script>", "a b", &"A".repeat(65)] {
        assert!(matches!(
            h.connector
                .browser_return(&incoming(&vec![("trans_id".into(), bad.into())])),
            Err(ProviderError::Malformed(_))
        ));
    }
    // The acquirer does not know it: `error:`, asked again later.
    let order = order();
    assert!(matches!(
        h.connector.query(&attempt(&order, forged)).await,
        Err(ProviderError::Unavailable(e)) if e.contains("transaction not found")
    ));
    assert!(matches!(
        h.connector
            .query(&support::attempt(&order, code(), None))
            .await,
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        h.connector.query(&attempt(&order, "a b")).await,
        Err(ProviderError::Malformed(_))
    ));
    let page = h
        .http
        .get(format!(
            "{}{MOUNT}/ecomm/ClientHandler?trans_id={forged}",
            h.origin
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert_eq!(state(&page.text().await.unwrap()), "bank-error");
    // ECOMM has no server message.
    assert!(matches!(
        h.connector
            .server_message(&incoming(&vec![("trans_id".into(), forged.into())])),
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn start_refuses_what_the_acquirer_cannot_take() {
    let h = start().await;
    let mut usd = order();
    usd.currency = Currency::parse("USD").unwrap();
    let mut nobody = order();
    nobody.payer_ip = None;
    for order in [usd, nobody] {
        assert!(matches!(
            h.connector.start(&order).await,
            Err(ProviderError::Malformed(_))
        ));
    }
    // The simulator refuses a registration the connector would not send.
    let response = support::post_form(
        &h,
        &format!("{}{MOUNT}/ecomm/MerchantHandler", h.origin),
        &vec![
            ("command".into(), "v".into()),
            ("amount".into(), "100".into()),
            ("currency".into(), "840".into()),
            ("client_ip_addr".into(), "192.0.2.1".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .starts_with("error: wrong currency")
    );
}

#[tokio::test]
async fn every_answer_class_maps_through_the_connector() {
    let h = start().await;
    let order = order();
    let attempt = attempt(&order, "7Q9cDfpSXp3uIv0bhHPVlCBLJtQ=");
    let query = |status: StatusCode, body: &str| {
        let connector = h.fake(status, body);
        let attempt = attempt.clone();
        async move { connector.query(&attempt).await }
    };
    let outcome =
        |r: Result<Option<ProviderMessage>, ProviderError>| r.map(|m| m.map(|m| m.outcome));
    for code in ["000", "001", "002", "003", "004", "005", "006", "007"] {
        let body = format!("RESULT: OK\nRESULT_CODE: {code}\nCARD_NUMBER: 4***********0013\n");
        assert_eq!(
            outcome(query(StatusCode::OK, &body).await),
            Ok(Some(Outcome::Executed)),
            "{code}"
        );
    }
    for body in [
        "RESULT: OK\nRESULT_CODE: 116",
        "RESULT: OK\nRESULT_CODE: 129",
        "RESULT: FAILED\nRESULT_CODE: 116",
        "RESULT: DECLINED\nRESULT_CODE: 100",
        "RESULT: TIMEOUT",
        "RESULT: REVERSED\nRESULT_CODE: 400",
        "RESULT: AUTOREVERSED",
    ] {
        assert_eq!(
            outcome(query(StatusCode::OK, body).await),
            Ok(Some(Outcome::Rejected)),
            "{body}"
        );
    }
    for body in ["RESULT: CREATED", "RESULT: PENDING\n3DSECURE: ATTEMPTED"] {
        assert_eq!(
            outcome(query(StatusCode::OK, body).await),
            Ok(None),
            "{body}"
        );
    }
    for (status, body) in [
        (StatusCode::OK, "RESULT: SOMETHING_NEW\nRESULT_CODE: 000"),
        (StatusCode::OK, "RESULT: OK"),
        (StatusCode::OK, "error: system malfunction"),
        (StatusCode::OK, "<html><body>Gateway</body></html>"),
        (StatusCode::OK, "RESULT: OK\nRESULT: FAILED"),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "RESULT: OK\nRESULT_CODE: 000",
        ),
        (StatusCode::INTERNAL_SERVER_ERROR, ""),
    ] {
        assert!(
            matches!(
                query(status, body).await,
                Err(ProviderError::Unavailable(_))
            ),
            "{status} {body}"
        );
    }
    // An oversized answer is not read.
    let huge = format!("RESULT: OK\nX: {}\n", "y".repeat(20 * 1024));
    assert!(matches!(
        query(StatusCode::OK, &huge).await,
        Err(ProviderError::Unavailable(_))
    ));
    // A registration answer that is not one.
    for body in ["error: wrong amount", "TRANSACTION_ID: a&b", "RESULT: OK"] {
        assert!(matches!(
            h.fake(StatusCode::OK, body).start(&order).await,
            Err(ProviderError::Unavailable(_))
        ));
    }
    // Day close answers that are not one.
    for (body, malformed) in [
        ("RESULT: FAILED\nRESULT_CODE: 501", false),
        ("error: try later", false),
        (
            "RESULT: OK\nRESULT_CODE: 500\nFLD_075: 0\nFLD_076: many\nFLD_087: 0\nFLD_088: 0",
            true,
        ),
    ] {
        let connector = h.fake(StatusCode::OK, body);
        let result = connector.card_acquirer().unwrap().close_day().await;
        assert!(
            matches!(
                (&result, malformed),
                (Err(ProviderError::Malformed(_)), true)
                    | (Err(ProviderError::Unavailable(_)), false)
            ),
            "{body}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_whole_card_number_in_an_answer_is_refused() {
    let h = start().await;
    let order = order();
    let attempt = attempt(&order, "7Q9cDfpSXp3uIv0bhHPVlCBLJtQ=");
    let connector = h.fake(
        StatusCode::OK,
        "RESULT: OK\nRESULT_CODE: 000\nAPPROVAL_CODE: 123456\nCARD_NUMBER: 4111111111111111\n",
    );
    let Err(ProviderError::Malformed(why)) = connector.query(&attempt).await else {
        panic!("refused");
    };
    assert!(!why.contains("4111111111111111"), "{why}");
    assert!(!why.contains("1111"), "{why}");
}

/// Serves `router` on `listener` over mutual TLS (the server certificate
/// for `localhost`; client certificates checked against the demo CA).
fn serve_mtls(listener: TcpListener, router: Router, pki: &maksa_x509::DemoPki) {
    let cas = vec![pki.ca_cert_pem.clone()];
    let config =
        maksa_x509::server_config(&pki.server_cert_pem, &pki.server_key_pem, &cas).unwrap();
    tokio::spawn(maksa_x509::serve_tls(
        listener,
        config,
        &cas,
        router,
        std::future::pending(),
    ));
}

fn issue(pki: &maksa_x509::DemoPki, name: &str) -> MutualTls {
    let now = OffsetDateTime::now_utc();
    let (certificate_pem, key_pem) = maksa_x509::issue_client_cert(
        &pki.ca_cert_pem,
        &pki.ca_key_pem,
        name,
        now - time::Duration::days(1),
        now + time::Duration::days(30),
    )
    .unwrap();
    MutualTls {
        server_ca_pem: pki.ca_cert_pem.clone(),
        certificate_pem,
        key_pem,
    }
}

#[tokio::test]
async fn the_merchant_handler_takes_only_the_hubs_certificate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "unused").unwrap();
    let hub = issue(&pki, "maksa hub (First Data merchant)");
    // The payer's listener: plain HTTP, where the card page is.
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", plain.local_addr().unwrap());
    let https = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let https_port = https.local_addr().unwrap().port();
    let tls = SandboxTls {
        https_base_url: format!("https://localhost:{https_port}"),
        hub: hub.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let sandbox = firstdata::sandbox(
        dir.path(),
        code(),
        &format!("{origin}{MOUNT}"),
        &origin,
        Some(&tls),
    )
    .unwrap();
    let router = Router::new().nest(MOUNT, sandbox.simulator.router());
    let app = router.clone();
    tokio::spawn(async move { axum::serve(plain, app).await.unwrap() });
    // The hub's HTTPS listener, where the simulator is mounted too.
    serve_mtls(https, router, &pki);

    // The hub's certificate: registered, the card page on the payer's listener.
    let order = order();
    let started = sandbox.connector.start(&order).await.unwrap();
    let id = started.provider_reference.unwrap();
    let Handoff::Redirect(url) = started.handoff else {
        panic!("redirect");
    };
    assert!(url.starts_with(&format!("{origin}{MOUNT}/ecomm/ClientHandler?trans_id=")));
    let attempt = support::attempt(&order, code(), Some(id));
    assert_eq!(sandbox.connector.query(&attempt).await.unwrap(), None);

    // Another certificate of the same CA: refused.
    let other = FirstDataConnector::new(FirstDataConfig {
        code: code(),
        merchant_handler_url: format!(
            "https://localhost:{https_port}{MOUNT}/ecomm/MerchantHandler"
        ),
        client_handler_url: format!("{origin}{MOUNT}/ecomm/ClientHandler"),
        tls: Some(issue(&pki, "someone else")),
    });
    let Err(ProviderError::Unavailable(why)) = other.start(&order).await else {
        panic!("another certificate is refused");
    };
    assert!(why.contains("403"), "{why}");
    assert!(why.contains("not the one registered"), "{why}");

    // No certificate at all: refused.
    let anonymous = reqwest::Client::builder()
        .tls_backend_preconfigured(maksa_x509::client_config_anonymous(&pki.ca_cert_pem).unwrap())
        .build()
        .unwrap();
    let response = anonymous
        .post(format!(
            "https://localhost:{https_port}{MOUNT}/ecomm/MerchantHandler"
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("command=b")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.text().await.unwrap(),
        "error: a client certificate is required\n"
    );

    // Plain HTTP to the MerchantHandler on the payer's listener: refused.
    let response = reqwest::Client::new()
        .post(format!("{origin}{MOUNT}/ecomm/MerchantHandler"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("command=b")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A self-signed certificate: refused too.
    let (certificate_pem, key_pem) =
        maksa_x509::generate_self_signed_client("maksa hub (First Data merchant)").unwrap();
    let stranger = FirstDataConnector::new(FirstDataConfig {
        code: code(),
        merchant_handler_url: format!(
            "https://localhost:{https_port}{MOUNT}/ecomm/MerchantHandler"
        ),
        client_handler_url: format!("{origin}{MOUNT}/ecomm/ClientHandler"),
        tls: Some(MutualTls {
            server_ca_pem: pki.ca_cert_pem.clone(),
            certificate_pem,
            key_pem,
        }),
    });
    assert!(matches!(
        stranger.card_acquirer().unwrap().close_day().await,
        Err(ProviderError::Unavailable(_))
    ));
    // The hub's own close works.
    assert_eq!(
        sandbox
            .connector
            .card_acquirer()
            .unwrap()
            .close_day()
            .await
            .unwrap(),
        DayTotals::default()
    );
}
