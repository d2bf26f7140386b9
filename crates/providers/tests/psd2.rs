//! The NextGenPSD2 connector end to end: the simulated ASPSP's router served
//! on a real port under `/sim/psd2` (and, for mutual TLS, on a second port
//! with `maksa_x509::serve_tls`), beside a fake ASPSP whose answers the test
//! sets and whose requests it records; driven through the connector the way
//! the hub and a payer's browser would.

#![allow(clippy::unwrap_used)]

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maksa_app::providers::{Connector, Handoff, Incoming, PaymentOrder, ProviderError, Verified};
use maksa_domain::attempt::{Attempt, AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_providers::mtls::MutualTls;
use maksa_providers::psd2::{self, ATTEMPT_PARAM, RESULT_PARAM, SANDBOX_CODE, STATUSES};
use maksa_providers::sandboxes::SandboxTls;
use serde_json::{Value, json};
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{decide, form, form_method, state};

const MOUNT: &str = "/sim/psd2";
const PAYER_IP: &str = "192.0.2.7";

/// A fake ASPSP: answers every request with what the test set (the request's
/// `X-Request-ID` echoed unless another is set) and records its headers and body.
#[derive(Default)]
struct Fake {
    answer: Mutex<Option<(u16, String, Option<String>)>>,
    seen: Mutex<Vec<(HeaderMap, Vec<u8>)>>,
}

impl Fake {
    fn answer(&self, status: u16, body: Value, echo: Option<&str>) {
        *self.answer.lock().unwrap() = Some((status, body.to_string(), echo.map(str::to_owned)));
    }

    fn seen(&self) -> Vec<(HeaderMap, Vec<u8>)> {
        self.seen.lock().unwrap().clone()
    }
}

async fn fake(State(f): State<Arc<Fake>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    f.seen
        .lock()
        .unwrap()
        .push((headers.clone(), body.to_vec()));
    let (status, body, echo) =
        f.answer
            .lock()
            .unwrap()
            .clone()
            .unwrap_or((500, String::new(), None));
    let echo = echo.or_else(|| {
        headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let mut answer = HeaderMap::new();
    answer.insert("content-type", "application/json".parse().unwrap());
    if let Some(echo) = echo {
        answer.insert("x-request-id", echo.parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), answer, body).into_response()
}

struct Harness {
    shared: support::Harness,
    fake: Arc<Fake>,
}

impl Deref for Harness {
    type Target = support::Harness;

    fn deref(&self) -> &support::Harness {
        &self.shared
    }
}

impl Harness {
    /// A connector whose ASPSP is the fake one.
    fn fake_connector(&self) -> Arc<dyn Connector> {
        let base = format!("{}/fake", self.origin);
        psd2::sandbox(self.dir.path(), code(), &base, &self.origin, None)
            .unwrap()
            .connector
    }
}

fn code() -> ProviderCode {
    ProviderCode::parse(SANDBOX_CODE).unwrap()
}

fn fake_routes(state: Arc<Fake>) -> Router {
    Router::new()
        .route("/fake/v1/payments/sepa-credit-transfers", post(fake))
        .route(
            "/fake/v1/payments/sepa-credit-transfers/{id}/status",
            get(fake),
        )
        .with_state(state)
}

/// The simulated ASPSP on a plain port (no certificate asked for).
async fn start() -> Harness {
    let fake = Arc::new(Fake::default());
    let routes = fake.clone();
    let shared = support::start(
        MOUNT,
        move |r| {
            r.routes(&[format!("/providers/{SANDBOX_CODE}/return").as_str()])
                .merge(fake_routes(routes))
        },
        |dir, base, origin| {
            let sandbox = psd2::sandbox(dir, code(), base, origin, None).unwrap();
            (sandbox.connector, sandbox.simulator.router())
        },
    )
    .await;
    Harness { shared, fake }
}

fn order(h: &support::Harness) -> PaymentOrder {
    PaymentOrder {
        language: "ENG",
        payer_ip: Some(PAYER_IP.parse().unwrap()),
        ..support::order(
            "RF18539007547034 Valsts nodeva <b>&</b>\nRīga",
            format!("{}/providers/{SANDBOX_CODE}/return?language=ENG", h.origin),
            format!("{}/providers/{SANDBOX_CODE}/notify", h.origin),
        )
    }
}

fn attempt(order: &PaymentOrder, payment_id: Option<String>) -> Attempt {
    support::attempt(order, code(), payment_id)
}

/// Starts the order through the connector and follows the redirect as the
/// payer's browser would: answers the paymentId and the SCA page.
async fn pay(
    h: &support::Harness,
    connector: &dyn Connector,
    order: &PaymentOrder,
) -> (String, String) {
    let started = connector.start(order).await.unwrap();
    let Handoff::Redirect(url) = started.handoff else {
        panic!("PSD2 hands off by redirect");
    };
    assert!(
        url.starts_with(&format!("{}{MOUNT}/order/", h.origin)),
        "{url}"
    );
    let id = started.provider_reference.unwrap();
    assert!(psd2::valid_payment_id(&id), "{id}");
    let response = h.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert_eq!(state(&page), "bank-approve");
    (id, page)
}

/// The return the payer's browser makes from the page that follows a decision.
fn browser_return(page: &str) -> Incoming {
    assert_eq!(state(page), "bank-return");
    assert_eq!(form_method(page), "get");
    Incoming {
        fields: form(page).1,
        method: "GET".into(),
        ..Incoming::default()
    }
}

#[tokio::test]
async fn approve_returns_to_the_redirect_uri_and_the_status_tells_the_outcome() {
    let h = start().await;
    let order = order(&h);
    let (id, page) = pay(&h, h.connector.as_ref(), &order).await;
    assert!(page.contains("<dd data-field=\"amount\">12.34</dd>"));
    assert!(page.contains("RF18539007547034 Valsts nodeva &lt;b&gt;&amp;&lt;/b&gt; Rīga"));
    assert!(page.contains("<html lang=\"en\">"));
    // The status-path control is there; the server-message ones are not:
    // the API sends none.
    assert!(page.contains("data-control=\"status-path\""));
    assert!(!page.contains("data-control=\"server-message\""));
    assert!(page.contains("data-control=\"browser-return\""));

    // Before the payer decides: RCVD, nothing decided.
    let a = attempt(&order, Some(id.clone()));
    assert_eq!(h.connector.query(&a).await.unwrap(), None);

    let page = decide(&h, &page, "approve", &[]).await;
    let incoming = browser_return(&page);
    assert_eq!(
        form(&page).0,
        format!("{}/providers/{SANDBOX_CODE}/return", h.origin)
    );
    assert_eq!(
        incoming.fields,
        vec![
            ("language".to_owned(), "ENG".to_owned()),
            (ATTEMPT_PARAM.to_owned(), order.attempt.simple()),
        ]
    );
    assert_eq!(
        h.connector.browser_return(&incoming).unwrap(),
        Verified::AskProvider(order.attempt)
    );
    let message = h.connector.query(&a).await.unwrap().unwrap();
    assert_eq!(message.outcome, Outcome::Executed);
    assert_eq!(message.attempt, order.attempt);
    assert_eq!(message.amount.minor(), 1234);
    assert_eq!(message.currency, Currency::EUR);
    assert_eq!(message.external_id, Some(id));
    // The bank sent nothing server to server.
    assert!(h.receiver.received().is_empty());
}

#[tokio::test]
async fn reject_and_cancel_go_to_the_nok_uri_and_are_rejections() {
    let h = start().await;
    for decision in ["reject", "cancel"] {
        let order = order(&h);
        let (id, page) = pay(&h, h.connector.as_ref(), &order).await;
        let page = decide(&h, &page, decision, &[]).await;
        let incoming = browser_return(&page);
        assert_eq!(
            incoming.fields,
            vec![
                ("language".to_owned(), "ENG".to_owned()),
                (ATTEMPT_PARAM.to_owned(), order.attempt.simple()),
                (RESULT_PARAM.to_owned(), "nok".to_owned()),
            ]
        );
        assert_eq!(
            h.connector.browser_return(&incoming).unwrap(),
            Verified::AskProvider(order.attempt)
        );
        let message = h
            .connector
            .query(&attempt(&order, Some(id)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.outcome, Outcome::Rejected, "{decision}");
    }
}

/// What three successive queries after an approval give on each status path.
#[tokio::test]
async fn every_status_path_of_the_simulator_end_to_end() {
    use Outcome::{Accepted, Executed, Rejected};
    let h = start().await;
    let paths: &[(&str, [Option<Outcome>; 3])] = &[
        ("ACSC", [Some(Executed); 3]),
        ("ACCC", [Some(Executed); 3]),
        (
            "ACTC-ACSP-ACSC",
            [Some(Accepted), Some(Accepted), Some(Executed)],
        ),
        ("ACTC", [Some(Accepted); 3]),
        ("ACSP", [Some(Accepted); 3]),
        ("ACCP", [Some(Accepted); 3]),
        ("ACFC", [Some(Accepted); 3]),
        ("ACWC", [Some(Accepted); 3]),
        ("ACWP", [Some(Accepted); 3]),
        ("PDNG", [None; 3]),
        ("PATC", [None; 3]),
        ("PART", [None; 3]),
        ("RJCT", [Some(Rejected); 3]),
        ("CANC", [Some(Rejected); 3]),
    ];
    assert_eq!(paths.len() + 1, psd2::STATUS_PATHS.len());
    for &(path, expected) in paths {
        let order = order(&h);
        let (id, page) = pay(&h, h.connector.as_ref(), &order).await;
        let page = decide(&h, &page, "approve", &[(psd2::STATUS_PATH, path)]).await;
        // The payer approved: the browser goes to the OK URI whatever the bank did after.
        assert!(
            !browser_return(&page)
                .fields
                .iter()
                .any(|(k, _)| k == RESULT_PARAM)
        );
        let a = attempt(&order, Some(id));
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(h.connector.query(&a).await.unwrap().map(|m| m.outcome));
        }
        assert_eq!(got, expected.to_vec(), "{path}");
    }
    // A misbehaving ASPSP's unknown status: the ASPSP is unavailable, asked again later.
    let order = order(&h);
    let (id, page) = pay(&h, h.connector.as_ref(), &order).await;
    decide(&h, &page, "approve", &[(psd2::STATUS_PATH, "XXXX")]).await;
    assert!(matches!(
        h.connector.query(&attempt(&order, Some(id))).await,
        Err(ProviderError::Unavailable(_))
    ));
}

#[tokio::test]
async fn the_common_controls_drop_the_return_delay_the_booking_and_misbehave() {
    let h = start().await;
    // No return: the payer stays at the bank; the status still tells.
    let order1 = order(&h);
    let (id, page) = pay(&h, h.connector.as_ref(), &order1).await;
    let page = decide(&h, &page, "approve", &[("browser_return", "drop")]).await;
    assert_eq!(state(&page), "bank-done");
    let message = h
        .connector
        .query(&attempt(&order1, Some(id)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);

    // Booked later: settlement in process (ACSP, accepted) until then.
    let order2 = order(&h);
    let (id, page) = pay(&h, h.connector.as_ref(), &order2).await;
    decide(&h, &page, "approve", support::PROCESSING).await;
    let a = attempt(&order2, Some(id));
    assert_eq!(
        h.connector.query(&a).await.unwrap().unwrap().outcome,
        Outcome::Accepted
    );
    let mut executed = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if h.connector.query(&a).await.unwrap().unwrap().outcome == Outcome::Executed {
            executed = true;
            break;
        }
    }
    assert!(executed, "the payment was never booked");

    // A misbehaving ASPSP that forgot the payment: RESOURCE_UNKNOWN.
    let order3 = order(&h);
    let (id, page) = pay(&h, h.connector.as_ref(), &order3).await;
    decide(&h, &page, "approve", &[("answer", "reference")]).await;
    let Err(ProviderError::Malformed(reason)) =
        h.connector.query(&attempt(&order3, Some(id))).await
    else {
        panic!("a forgotten payment is a refusal");
    };
    assert!(reason.contains("RESOURCE_UNKNOWN"), "{reason}");

    // An unknown choice of the status path is refused by the bank's page.
    let order4 = order(&h);
    let (_, page) = pay(&h, h.connector.as_ref(), &order4).await;
    let (action, mut fields) = form(&page);
    fields.push(("decision".into(), "approve".into()));
    fields.push((psd2::STATUS_PATH.into(), "ACSC-ACSC".into()));
    let (status, page) = support::submit(&h, &format!("{}{action}", h.origin), &fields).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(state(&page), "bank-error");
}

#[tokio::test]
async fn forged_or_unknown_returns_and_payment_ids_are_refused() {
    let h = start().await;
    let c = h.connector.as_ref();
    let returning = |value: &str| Incoming {
        fields: vec![(ATTEMPT_PARAM.into(), value.into())],
        method: "GET".into(),
        ..Incoming::default()
    };
    let id = AttemptId::from_random([0x5a; 16]);
    for forged in [
        id.to_string(),
        id.simple().to_uppercase(),
        "1".into(),
        String::new(),
    ] {
        assert!(
            matches!(
                c.browser_return(&returning(&forged)),
                Err(ProviderError::Malformed(_))
            ),
            "{forged}"
        );
    }
    assert!(matches!(
        c.browser_return(&Incoming::default()),
        Err(ProviderError::Malformed(_))
    ));
    // A well-formed attempt of nobody's only makes the hub look for it (and
    // find nothing); nothing is believed from the return itself.
    assert_eq!(
        c.browser_return(&returning(&id.simple())).unwrap(),
        Verified::AskProvider(id)
    );
    // The API sends no server message: anything posted there is refused.
    assert!(matches!(
        c.server_message(&returning(&id.simple())),
        Err(ProviderError::Malformed(_))
    ));

    let order = order(&h);
    // A paymentId the ASPSP never made: RESOURCE_UNKNOWN.
    let Err(ProviderError::Malformed(reason)) =
        c.query(&attempt(&order, Some("unknown-123".into()))).await
    else {
        panic!("an unknown paymentId is a refusal");
    };
    assert!(
        reason.contains("403") && reason.contains("RESOURCE_UNKNOWN"),
        "{reason}"
    );
    // One that is not a paymentId never reaches the network; nor does an
    // attempt without one.
    for bad in ["../status", "a/b", "x?y", ""] {
        assert!(matches!(
            c.query(&attempt(&order, Some(bad.into()))).await,
            Err(ProviderError::Malformed(_))
        ));
    }
    assert!(matches!(
        c.query(&attempt(&order, None)).await,
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn the_aspsps_format_errors_come_back_as_refusals() {
    let h = start().await;
    // A payee without a name: the simulated ASPSP answers FORMAT_ERROR.
    let mut nameless = order(&h);
    nameless.payee_name = " ".into();
    let Err(ProviderError::Malformed(reason)) = h.connector.start(&nameless).await else {
        panic!("a format error is a refusal");
    };
    assert!(
        reason.contains("400") && reason.contains("FORMAT_ERROR"),
        "{reason}"
    );
    assert!(reason.contains("creditorName"), "{reason}");
    // Refused before the network: no payer's address, another currency.
    let mut no_ip = order(&h);
    no_ip.payer_ip = None;
    let Err(ProviderError::Malformed(reason)) = h.connector.start(&no_ip).await else {
        panic!("PSU-IP-Address is mandatory");
    };
    assert!(reason.contains("PSU-IP-Address"), "{reason}");
    let mut usd = order(&h);
    usd.currency = Currency::parse("USD").unwrap();
    assert!(matches!(
        h.connector.start(&usd).await,
        Err(ProviderError::Malformed(_))
    ));

    // The raw API: no X-Request-ID is a FORMAT_ERROR; an unknown payment a
    // RESOURCE_UNKNOWN with the request's id echoed.
    let api = format!("{}{MOUNT}/v1/payments/sepa-credit-transfers", h.origin);
    let response = h
        .http
        .post(&api)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["tppMessages"][0]["code"], "FORMAT_ERROR");
    assert_eq!(body["tppMessages"][0]["category"], "ERROR");
    let request_id = "123e4567-e89b-42d3-a456-426614174000";
    let response = h
        .http
        .get(format!("{api}/nothing/status"))
        .header("x-request-id", request_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.headers()["x-request-id"], request_id);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["tppMessages"][0]["code"], "RESOURCE_UNKNOWN");
}

#[tokio::test]
async fn the_requests_carry_the_frameworks_headers() {
    let h = start().await;
    let c = h.fake_connector();
    let order = order(&h);
    h.fake.answer(
        201,
        json!({
            "transactionStatus": "RCVD",
            "paymentId": "p-1",
            "_links": {"scaRedirect": {"href": "https://aspsp.example/sca?p=1"}},
        }),
        None,
    );
    let started = c.start(&order).await.unwrap();
    assert_eq!(started.provider_reference.as_deref(), Some("p-1"));
    assert_eq!(
        started.handoff,
        Handoff::Redirect("https://aspsp.example/sca?p=1".into())
    );
    h.fake
        .answer(200, json!({"transactionStatus": "ACSC"}), None);
    let a = attempt(&order, Some("p-1".into()));
    assert_eq!(
        c.query(&a).await.unwrap().unwrap().outcome,
        Outcome::Executed
    );
    let seen = h.fake.seen();
    assert_eq!(seen.len(), 2);
    let header = |i: usize, name: &str| {
        seen[i]
            .0
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let (create_id, status_id) = (header(0, "x-request-id"), header(1, "x-request-id"));
    for id in [&create_id, &status_id] {
        assert!(AttemptId::parse(id).is_some() && id.len() == 36, "{id}");
    }
    assert_ne!(create_id, status_id, "a new X-Request-ID per call");
    assert_eq!(header(0, "psu-ip-address"), PAYER_IP);
    let attempt_id = order.attempt.simple();
    let ok = format!(
        "{}/providers/{SANDBOX_CODE}/return?language=ENG&{ATTEMPT_PARAM}={attempt_id}",
        h.origin
    );
    assert_eq!(header(0, "tpp-redirect-uri"), ok);
    assert_eq!(
        header(0, "tpp-nok-redirect-uri"),
        format!("{ok}&{RESULT_PARAM}=nok")
    );
    assert_eq!(header(0, "tpp-redirect-preferred"), "true");
    assert_eq!(header(0, "content-type"), "application/json");
    let body: Value = serde_json::from_slice(&seen[0].1).unwrap();
    assert_eq!(
        body,
        json!({
            "instructedAmount": {"currency": "EUR", "amount": "12.34"},
            "creditorAccount": {"iban": "LV71TREL916021001000B"},
            "creditorName": "Valsts kase",
            "remittanceInformationUnstructured": "RF18539007547034 Valsts nodeva <b>&</b> Rīga",
        })
    );
    assert!(seen[1].1.is_empty());
}

#[tokio::test]
async fn every_status_of_the_framework_is_mapped_over_the_wire() {
    use Outcome::{Accepted, Executed, Rejected};
    let h = start().await;
    let c = h.fake_connector();
    let order = order(&h);
    let a = attempt(&order, Some("p-1".into()));
    let expected = [
        Some(Executed),
        Some(Executed),
        Some(Accepted),
        Some(Accepted),
        Some(Accepted),
        Some(Accepted),
        Some(Accepted),
        Some(Accepted),
        None,
        None,
        None,
        None,
        Some(Rejected),
        Some(Rejected),
    ];
    for (status, outcome) in STATUSES.iter().zip(expected) {
        h.fake
            .answer(200, json!({ "transactionStatus": status }), None);
        let message = c.query(&a).await.unwrap();
        assert_eq!(message.as_ref().map(|m| m.outcome), outcome, "{status}");
        if let Some(message) = message {
            // The attempt's own terms: the status answer restates none.
            assert_eq!(message.amount, order.amount);
            assert_eq!(message.currency, order.currency);
            assert_eq!(message.external_id.as_deref(), Some("p-1"));
        }
    }
    for unknown in ["EXECUTED", "acsc", ""] {
        h.fake
            .answer(200, json!({ "transactionStatus": unknown }), None);
        assert!(
            matches!(c.query(&a).await, Err(ProviderError::Unavailable(_))),
            "{unknown}"
        );
    }
    // An answer to another request (its X-Request-ID) is not believed.
    h.fake.answer(
        200,
        json!({"transactionStatus": "ACSC"}),
        Some("00000000-0000-4000-8000-000000000000"),
    );
    assert!(matches!(
        c.query(&a).await,
        Err(ProviderError::Unavailable(_))
    ));
    // Error answers: classified, quoted briefly.
    let error = |code: &str| json!({"tppMessages": [{"category": "ERROR", "code": code, "text": "ž".repeat(1000)}]});
    h.fake.answer(401, error("CERTIFICATE_INVALID"), None);
    let Err(ProviderError::Unavailable(reason)) = c.query(&a).await else {
        panic!("a refused certificate is the operator's to fix: unavailable");
    };
    assert!(reason.contains("CERTIFICATE_INVALID"), "{reason}");
    assert!(reason.chars().count() <= psd2::REASON_CHARS);
    h.fake.answer(400, error("FORMAT_ERROR"), None);
    assert!(matches!(
        c.query(&a).await,
        Err(ProviderError::Malformed(_))
    ));
    h.fake.answer(503, json!("down"), None);
    assert!(matches!(
        c.query(&a).await,
        Err(ProviderError::Unavailable(_))
    ));
    // An answer larger than the limit is not read.
    h.fake.answer(
        200,
        json!({"transactionStatus": "ACSC", "pad": "x".repeat(psd2::BODY_LIMIT)}),
        None,
    );
    assert!(matches!(
        c.query(&a).await,
        Err(ProviderError::Unavailable(_))
    ));
}

/// The demo PKI: the CA (which issued the listener's certificate and the
/// hub's), the server certificate and key, the hub's certificate and key.
struct Pki {
    ca: String,
    ca_key: String,
    server: (String, String),
    hub: (String, String),
}

fn pki() -> Pki {
    let demo = maksa_x509::generate_demo_pki(&["127.0.0.1".to_owned()], "maksa hub (TPP)").unwrap();
    Pki {
        ca: demo.ca_cert_pem,
        ca_key: demo.ca_key_pem,
        server: (demo.server_cert_pem, demo.server_key_pem),
        hub: (demo.client_cert_pem, demo.client_key_pem),
    }
}

fn identity(pki: &Pki, (certificate_pem, key_pem): &(String, String)) -> MutualTls {
    MutualTls {
        server_ca_pem: pki.ca.clone(),
        certificate_pem: certificate_pem.clone(),
        key_pem: key_pem.clone(),
    }
}

/// The simulated ASPSP with mutual TLS: its router on the plain port (the
/// payer's SCA page) and on a TLS port (the API), the connector given the
/// hub's certificate; answers the harness and the HTTPS base URL.
async fn start_tls(pki: &Pki) -> (support::Harness, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let https = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let config =
        maksa_x509::server_config(&pki.server.0, &pki.server.1, std::slice::from_ref(&pki.ca))
            .unwrap();
    let tls = SandboxTls {
        https_base_url: https.clone(),
        hub: identity(pki, &pki.hub),
    };
    let ca = pki.ca.clone();
    let h = support::start(
        MOUNT,
        |r| r.routes(&[format!("/providers/{SANDBOX_CODE}/return").as_str()]),
        move |dir, base, origin| {
            let sandbox = psd2::sandbox(dir, code(), base, origin, Some(&tls)).unwrap();
            let router = sandbox.simulator.router();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::spawn(maksa_x509::serve_tls(
                listener,
                config,
                &[ca],
                Router::new().nest(MOUNT, router.clone()),
                std::future::pending(),
            ));
            (sandbox.connector, router)
        },
    )
    .await;
    (h, https)
}

#[tokio::test]
async fn over_mutual_tls_only_the_hubs_certificate_is_let_in() {
    let pki = pki();
    let (h, https) = start_tls(&pki).await;

    // The right certificate: created over TLS, the payer on the plain
    // (public) listener, the status over TLS.
    let order = order(&h);
    let (id, page) = pay(&h, h.connector.as_ref(), &order).await;
    decide(&h, &page, "approve", &[]).await;
    let message = h
        .connector
        .query(&attempt(&order, Some(id.clone())))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.outcome, Outcome::Executed);

    // Another certificate of the same CA: refused with CERTIFICATE_INVALID.
    let now = time::OffsetDateTime::now_utc();
    let other = maksa_x509::issue_client_cert(
        &pki.ca,
        &pki.ca_key,
        "maksa hub (TPP)",
        now - time::Duration::days(1),
        now + time::Duration::days(30),
    )
    .unwrap();
    let intruder = psd2::sandbox(
        h.dir.path(),
        code(),
        &format!("{}{MOUNT}", h.origin),
        &h.origin,
        Some(&SandboxTls {
            https_base_url: https.clone(),
            hub: identity(&pki, &other),
        }),
    )
    .unwrap()
    .connector;
    for result in [
        intruder.start(&order).await.map(|_| ()),
        intruder
            .query(&attempt(&order, Some(id.clone())))
            .await
            .map(|_| ()),
    ] {
        let Err(ProviderError::Unavailable(reason)) = result else {
            panic!("another certificate is refused");
        };
        assert!(
            reason.contains("401") && reason.contains("CERTIFICATE_INVALID"),
            "{reason}"
        );
    }

    // No certificate at all.
    let anonymous = reqwest::Client::builder()
        .tls_backend_preconfigured(maksa_x509::client_config_anonymous(&pki.ca).unwrap())
        .build()
        .unwrap();
    let response = anonymous
        .get(format!(
            "{https}{MOUNT}/v1/payments/sepa-credit-transfers/{id}/status"
        ))
        .header("x-request-id", "123e4567-e89b-42d3-a456-426614174000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["tppMessages"][0]["code"], "CERTIFICATE_INVALID");

    // The API on the plain listener is closed too (no TLS, no certificate).
    let response = h
        .http
        .get(format!(
            "{}{MOUNT}/v1/payments/sepa-credit-transfers/{id}/status",
            h.origin
        ))
        .header("x-request-id", "123e4567-e89b-42d3-a456-426614174000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
