//! The wire exactly as 004 prints it (issue 11 §2): the create answer's
//! `paymentRequestUrl`, calendar dates in Riga time, the two wire profiles,
//! the original's document paths, the providers' reported codes on a paid
//! request (REST and SOAP), bounded error messages, and the error catalogue
//! checked against the code. The real server on port 0 over HTTPS with client
//! certificates, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
use maksa_app::admin::Admin;
use maksa_app::clock::{ManualClock, SystemClock};
use maksa_app::error::ErrorCode;
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, OutcomeReport};
use maksa_app::workflows::Workflows;
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, HttpsSettings, Listeners, RunningServer};
use maksa_x509::{DemoPki, generate_demo_pki, generate_self_signed_client, issue_client_cert};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use support::{Answer, Backend, DatabaseGuard, open_store, test_issuer};
use time::{Duration, OffsetDateTime, Time};

const SOAP_SERVICE: &str = "/v1.0/WCFX509/PaymentRequestService.svc";
const ORIGINAL_REST: &str = "/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509";

struct Identity {
    cert_pem: String,
    key_pem: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// A successful answer, or the test fails with what came instead.
    fn ok(self) -> Answer {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self
    }

    /// An error answer: its status and `MM-Error`, and the body names the code too.
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.mm_error.as_str()),
            (status, code),
            "{}",
            self.body
        );
        assert_eq!(self.json()["error"], code);
    }
}

struct Hub {
    server: Option<RunningServer>,
    https: String,
    pki: DemoPki,
    store: Arc<dyn Store>,
    /// The hub's clock stands still at this evening time (22:30 UTC: the
    /// next day in Riga, whatever the season).
    now: OffsetDateTime,
    /// Client `demo`: no `wire_profile` in its contract, so `original`.
    demo: Identity,
    /// Client `other`: `wire_profile = "precise"`.
    other: Identity,
    _database: DatabaseGuard,
}

/// The demo catalogue, with Swedbank reporting 004's `LVHABA22`, and a second
/// client on the `precise` profile.
fn catalog() -> String {
    let demo = include_str!("../../../demo/catalog.toml").replace(
        "code = \"HABALV22\"\nname = \"Swedbank\"\n",
        "code = \"HABALV22\"\nreported_code = \"LVHABA22\"\nname = \"Swedbank\"\n",
    );
    assert!(demo.contains("LVHABA22"));
    format!(
        "{demo}\n[[contract]]\nclient = \"other\"\nservices = [\"*\"]\nproviders = [\"DEMO0000\"]\nwire_profile = \"precise\"\n"
    )
}

/// The next 22:30 UTC after now: inside the test certificates' validity.
fn next_evening() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    let evening = now.replace_time(Time::from_hms(22, 30, 0).unwrap());
    if evening > now {
        evening
    } else {
        evening + Duration::days(1)
    }
}

impl Hub {
    async fn start(backend: Backend) -> Hub {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (store, database) = open_store(backend).await;
        let admin = Admin::new(Arc::clone(&store), Arc::new(SystemClock));
        admin.import_catalog(&catalog()).await.unwrap();
        let pki =
            generate_demo_pki(&["localhost".into(), "127.0.0.1".into()], "demo e-service").unwrap();
        let demo = Identity {
            cert_pem: pki.client_cert_pem.clone(),
            key_pem: pki.client_key_pem.clone(),
        };
        let real_now = OffsetDateTime::now_utc();
        let (cert_pem, key_pem) = issue_client_cert(
            &pki.ca_cert_pem,
            &pki.ca_key_pem,
            "other e-service",
            real_now - Duration::days(1),
            real_now + Duration::days(30),
        )
        .unwrap();
        let other = Identity { cert_pem, key_pem };
        for (client, identity) in [("demo", &demo), ("other", &other)] {
            let info = maksa_x509::parse_mm_cert(&identity.cert_pem).unwrap();
            admin
                .register_client(
                    ClientId::parse(client).unwrap(),
                    &maksa_server::presented(&info),
                    Vec::new(),
                    Vec::new(),
                )
                .await
                .unwrap();
        }
        let now = next_evening();
        let settings = HubSettings {
            public_base_url: "https://maksa.test".into(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: test_issuer(),
        };
        let state = AppState::assemble(
            Arc::clone(&store),
            Arc::new(ManualClock::new(now)),
            settings,
            false,
            1024 * 1024,
            Default::default(),
        )
        .await
        .unwrap();
        let server = maksa_server::start(
            state,
            Listeners {
                http: None,
                https: Some(HttpsSettings {
                    listen: "127.0.0.1:0".parse().unwrap(),
                    certificate_pem: pki.server_cert_pem.clone(),
                    private_key_pem: pki.server_key_pem.clone(),
                    client_ca_pems: vec![pki.ca_cert_pem.clone()],
                }),
            },
        )
        .await
        .unwrap();
        Hub {
            https: format!("https://localhost:{}", server.https_addr.unwrap().port()),
            server: Some(server),
            pki,
            store,
            now,
            demo,
            other,
            _database: database,
        }
    }

    fn client(&self, identity: &Identity) -> Client {
        let config = maksa_x509::client_config_with_identity(
            &self.pki.ca_cert_pem,
            &identity.cert_pem,
            &identity.key_pem,
        )
        .unwrap();
        Client::builder()
            .use_preconfigured_tls(config)
            .build()
            .unwrap()
    }

    /// A REST call with a raw body, to `path` under the HTTPS listener.
    async fn post(&self, identity: &Identity, path: &str, body: impl Into<String>) -> Answer {
        let response = self
            .client(identity)
            .post(format!("{}{path}", self.https))
            .header("content-type", "application/json")
            .body(body.into())
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn rest(&self, identity: &Identity, method: &str, body: Value) -> Answer {
        self.post(
            identity,
            &format!("/api/v1/payments/{method}"),
            body.to_string(),
        )
        .await
    }

    async fn get(&self, identity: &Identity, path: &str) -> Answer {
        let response = self
            .client(identity)
            .get(format!("{}{path}", self.https))
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn soap(&self, operation: &str, parameters: &[(&str, &str)]) -> Answer {
        let parameters: String = parameters
            .iter()
            .map(|(name, value)| format!("<t:{name}>{value}</t:{name}>"))
            .collect();
        let envelope = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://tempuri.org/"><s:Body><t:{operation}>{parameters}</t:{operation}></s:Body></s:Envelope>"#
        );
        let response = self
            .client(&self.demo)
            .post(format!("{}{SOAP_SERVICE}", self.https))
            .header("content-type", "text/xml; charset=utf-8")
            .body(envelope)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    /// 004's PHP example (§2.2.1) over REST: positions 53 and 54 go to two
    /// payees, so the request has two payments.
    async fn create(&self, identity: &Identity) -> String {
        let answer = self
            .rest(
                identity,
                "savepaymentrequest",
                json!({"PaymentsDataStructure": {"PaymentRequest": {
                    "ServiceStep": "02Y70",
                    "PriceList": [
                        {"Position": "53", "ItemElementName": "Quantity", "Item": 1},
                        {"Position": "54", "ItemElementName": "Amount", "Item": "5.00"},
                    ],
                    "ExpiryDate": "2099-01-01T00:00:00+02:00",
                    "NoInvoice": true,
                }}}),
            )
            .await
            .ok();
        answer.json()["PaymentRequestId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Pays payment `sequence` of the demo client's request `id` at `provider`
    /// as a verified provider message does: an attempt, then its outcome, through
    /// the store's transactions (the payer flow itself is tests/payer.rs's).
    async fn pay(&self, id: &str, sequence: u16, provider: &str, at: OffsetDateTime) {
        let owner = ClientId::parse("demo").unwrap();
        let request_id = PaymentRequestId::parse(id).unwrap();
        let request = self
            .store
            .payment_request(&owner, request_id)
            .await
            .unwrap()
            .unwrap();
        let payment = request
            .payments
            .iter()
            .find(|p| p.sequence == sequence)
            .unwrap();
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&at.unix_timestamp().to_be_bytes());
        random[8..10].copy_from_slice(&sequence.to_be_bytes());
        random[10..].copy_from_slice(&request_id.as_uuid().as_bytes()[..6]);
        let attempt = Attempt {
            id: AttemptId::from_random(random),
            request_id,
            sequence,
            provider: ProviderCode::parse(provider).unwrap(),
            amount: payment.amount,
            currency: payment.currency,
            state: AttemptState::Started,
            external_id: None,
            refund_required: false,
            created_at: at,
            updated_at: at,
        };
        let audit = |kind: &str| AuditEvent {
            at,
            actor: "test".into(),
            request_id: Some(request_id),
            kind: kind.into(),
            detail: json!({}),
        };
        self.store
            .start_attempt(&attempt, &audit("payment.attempt_started"))
            .await
            .unwrap()
            .unwrap();
        let applied = self
            .store
            .record_outcome(
                &OutcomeReport {
                    attempt: attempt.id,
                    outcome: Outcome::Executed,
                    external_id: Some(format!("bank-{sequence}")),
                    at,
                    notifications: Vec::new(),
                    receipt_due: false,
                },
                &audit("payment.provider_message"),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(applied.attempt.state, AttemptState::Executed);
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

on_both_backends!(
    the_create_answer_is_named_as_004_prints_it,
    list_dates_are_calendar_days_in_riga,
    the_original_profile_answers_500_and_404,
    the_precise_profile_answers_a_status_per_kind,
    documents_are_served_under_the_original_paths,
    paid_requests_report_the_providers_original_codes,
    echoed_input_is_bounded,
    every_method_is_counted_under_its_name,
);

/// 004 §2.1.1.1: `"PaymentRequestId"` and `"paymentRequestUrl"`, names that
/// PHP's `json_decode`, JavaScript and System.Text.Json read case-sensitively.
async fn the_create_answer_is_named_as_004_prints_it(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create(&hub.demo).await;
    let answer = hub.rest(&hub.demo, "getpaymentrequests", json!({})).await;
    assert_eq!(answer.json()[0]["PaymentRequestUniqueId"], id.as_str());
    let created = hub
        .rest(
            &hub.demo,
            "savepaymentrequest",
            json!({"PaymentRequest": {"ServiceStep": "DEM11",
                "PriceList": [{"Position": "1", "Item": 1}]}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json();
    let names: BTreeSet<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["PaymentRequestId", "paymentRequestUrl"])
    );
    let id = created["PaymentRequestId"].as_str().unwrap();
    assert_eq!(
        created["paymentRequestUrl"],
        format!("https://maksa.test/Payments/?id={id}")
    );
    hub.stop().await;
}

/// 004 §2.1.1.3–4: `"StartDate":"2020-07-24"`. A request created and paid at
/// 22:30 UTC is created and paid on the next day in Riga.
async fn list_dates_are_calendar_days_in_riga(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create(&hub.demo).await;
    hub.pay(&id, 1, "HABALV22", hub.now + Duration::minutes(5))
        .await;
    let riga_day = (hub.now + Duration::days(1)).date().to_string();
    let answer = hub.rest(&hub.demo, "getpaymentrequests", json!({})).await;
    let row = &answer.json()[0];
    assert_eq!(row["StartDate"], riga_day.as_str(), "{row}");
    assert_eq!(row["ExpirationDate"], "2099-01-01", "{row}");
    // Partly paid: the request is not paid yet.
    assert_eq!(row["PaymentDate"], Value::Null, "{row}");
    hub.pay(&id, 2, "FIRSTDATA", hub.now + Duration::minutes(10))
        .await;
    let answer = hub.rest(&hub.demo, "getpaymentrequests", json!({})).await;
    assert_eq!(answer.json()[0]["PaymentDate"], riga_day.as_str());
    let answer = hub.rest(&hub.demo, "getpayments", json!({})).await;
    let payments = answer.json();
    assert_eq!(payments.as_array().unwrap().len(), 2, "{payments}");
    for payment in payments.as_array().unwrap() {
        assert_eq!(payment["PaymentDate"], riga_day.as_str(), "{payment}");
    }
    hub.stop().await;
}

/// The default profile, 004's: every processing error 500 with its code, an
/// unknown or foreign id 404; authentication (401) and an oversized body (413)
/// as in the precise profile.
async fn the_original_profile_answers_500_and_404(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create(&hub.demo).await;
    let foreign = hub.create(&hub.other).await;
    let unknown = "05ae69d8-2be1-4a63-ae93-9d0e42e254f1";

    // Validation: a step that is not in the catalogue.
    let answer = hub
        .rest(
            &hub.demo,
            "savepaymentrequest",
            json!({"PaymentRequest": {"ServiceStep": "NOPE1",
                "PriceList": [{"Position": "1", "Item": 1}]}}),
        )
        .await;
    answer.assert_error(500, "UNKNOWN_SERVICE_STEP");
    assert!(answer.body.contains("`NOPE1` is not a service step"));
    assert!(answer.mm_error_message.contains("NOPE1"));
    // Reading the request: the connection names the client before the body
    // is read, so even an unreadable body is answered in its profile.
    hub.post(&hub.demo, "/api/v1/payments/getpayments", "{\"a\": ")
        .await
        .assert_error(500, "INVALID_JSON");
    hub.rest(
        &hub.demo,
        "checkpaymentrequeststatus",
        json!({"PaymentRequestId": "not-a-guid"}),
    )
    .await
    .assert_error(500, "INVALID_ID");
    hub.rest(&hub.demo, "checkpaymentrequeststatus", json!({}))
        .await
        .assert_error(500, "MISSING_FIELD");
    // State: a paid request cannot be cancelled.
    hub.pay(&id, 1, "DEMO0000", hub.now).await;
    hub.pay(&id, 2, "DEMO0000", hub.now).await;
    hub.rest(
        &hub.demo,
        "cancelpaymentrequest",
        json!({"PaymentRequestId": id}),
    )
    .await
    .assert_error(500, "INVALID_STATUS_TRANSITION");
    // Unknown and another client's ids: 404, as 004 documents.
    for method in [
        "checkpaymentrequeststatus",
        "checkpaymentrequeststatuswpt",
        "cancelpaymentrequest",
    ] {
        for missing in [unknown, foreign.as_str()] {
            hub.rest(&hub.demo, method, json!({"PaymentRequestId": missing}))
                .await
                .assert_error(404, "NOT_FOUND");
        }
    }
    // The documents: the same profile.
    hub.get(&hub.demo, "/Invoices/Pdf/not-a-guid")
        .await
        .assert_error(500, "INVALID_ID");
    hub.get(&hub.demo, &format!("/Invoices/Xml/{unknown}"))
        .await
        .assert_error(404, "NOT_FOUND");
    hub.get(&hub.demo, &format!("/Invoices/Pdf/{id}?language=DE"))
        .await
        .assert_error(500, "INVALID_FIELD");
    // Where 004 is silent, today's codes: an unregistered certificate, a body
    // over the limit.
    let (cert_pem, key_pem) = generate_self_signed_client("stranger").unwrap();
    let stranger = Identity { cert_pem, key_pem };
    hub.rest(
        &stranger,
        "checkpaymentrequeststatus",
        json!({"PaymentRequestId": id}),
    )
    .await
    .assert_error(401, "CERT_UNKNOWN");
    let huge = format!(
        "{{\"PaymentRequestId\": \"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    hub.post(
        &hub.demo,
        "/api/v1/payments/checkpaymentrequeststatus",
        huge,
    )
    .await
    .assert_error(413, "BODY_TOO_LARGE");
    hub.stop().await;
}

/// The same mistakes from a client whose contract says `precise`.
async fn the_precise_profile_answers_a_status_per_kind(backend: Backend) {
    let hub = Hub::start(backend).await;
    let mine = hub.create(&hub.other).await;
    let foreign = hub.create(&hub.demo).await;
    hub.post(&hub.other, "/api/v1/payments/getpayments", "{\"a\": ")
        .await
        .assert_error(400, "INVALID_JSON");
    hub.rest(
        &hub.other,
        "checkpaymentrequeststatus",
        json!({"PaymentRequestId": "not-a-guid"}),
    )
    .await
    .assert_error(400, "INVALID_ID");
    hub.rest(
        &hub.other,
        "checkpaymentrequeststatus",
        json!({"PaymentRequestId": foreign}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    hub.get(&hub.other, "/Invoices/Pdf/not-a-guid")
        .await
        .assert_error(400, "INVALID_ID");
    hub.rest(
        &hub.other,
        "cancelpaymentrequest",
        json!({"PaymentRequestId": mine}),
    )
    .await
    .ok();
    hub.stop().await;
}

/// 004 §2.4–2.5: `…/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509/Invoices/Pdf/{id}`;
/// a client that changes only the host gets its documents.
async fn documents_are_served_under_the_original_paths(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create(&hub.demo).await;
    hub.rest(
        &hub.demo,
        "createinvoice",
        json!({"Id": id, "Name": "SIA Ērglis", "Code": "40003278467", "Address": "Rīga"}),
    )
    .await
    .ok();
    let pdf = hub
        .get(&hub.demo, &format!("{ORIGINAL_REST}/Invoices/Pdf/{id}"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.content_type, "application/pdf");
    let xml = hub
        .get(&hub.demo, &format!("{ORIGINAL_REST}/Invoices/Xml/{id}"))
        .await;
    assert_eq!(xml.status, StatusCode::OK, "{}", xml.body);
    assert!(xml.content_type.contains("xml"), "{}", xml.content_type);
    assert!(xml.body.contains("SIA Ērglis"));
    // Another client's: as unknown, under the original path too.
    hub.get(&hub.other, &format!("{ORIGINAL_REST}/Invoices/Pdf/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
    hub.stop().await;
}

/// 004 §2.1.1.5–6 answer `"PaymentProvider": "LVHABA22"` and
/// `"PaymentProviders": "LVHABA22;FIRSTDATA"`: the code the catalogue says the
/// original reports for a provider. SOAP's `CheckPaymentStatus` answers the
/// status letter only (004 §2.2.5), E once paid.
async fn paid_requests_report_the_providers_original_codes(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create(&hub.demo).await;
    hub.pay(&id, 1, "HABALV22", hub.now).await;
    let answer = hub
        .rest(
            &hub.demo,
            "checkpaymentstatus",
            json!({"PaymentRequestId": id, "Position": "53"}),
        )
        .await;
    assert_eq!(
        answer.json(),
        json!({"RequestStatus": "E", "PaymentProvider": "LVHABA22"})
    );
    let answer = hub
        .rest(
            &hub.demo,
            "checkpaymentstatus",
            json!({"PaymentRequestId": id, "Position": "54"}),
        )
        .await;
    assert_eq!(
        answer.json(),
        json!({"RequestStatus": "P", "PaymentProvider": null})
    );
    hub.pay(&id, 2, "FIRSTDATA", hub.now).await;
    for path in [
        "/api/v1/paymentrequest/checkpaymentrequeststatuswpt",
        "/api/v1/payments/checkpaymentrequeststatuswpt",
    ] {
        let answer = hub
            .post(&hub.demo, path, json!({"paymentRequestId": id}).to_string())
            .await;
        assert_eq!(
            answer.json(),
            json!({"RequestStatus": "E", "PaymentProviders": "LVHABA22;FIRSTDATA"}),
            "{path}"
        );
    }
    let answer = hub
        .rest(
            &hub.demo,
            "checkpaymentstatus",
            json!({"PaymentRequestId": id, "Position": "54"}),
        )
        .await;
    assert_eq!(
        answer.json(),
        json!({"RequestStatus": "E", "PaymentProvider": "FIRSTDATA"})
    );
    // SOAP, the same request.
    for position in ["53", "54"] {
        let answer = hub
            .soap(
                "CheckPaymentStatus",
                &[("paymentRequestId", &id), ("position", position)],
            )
            .await
            .ok();
        assert!(
            answer
                .body
                .contains("<CheckPaymentStatusResult>E</CheckPaymentStatusResult>"),
            "{}",
            answer.body
        );
    }
    let answer = hub
        .soap("CheckPaymentRequestStatus", &[("paymentRequestId", &id)])
        .await;
    assert!(answer.body.contains(">E</"), "{}", answer.body);
    hub.stop().await;
}

/// Issue 11 §1.6: a 400 KB `ServiceStep` came back in a 1.2 MB
/// `MM-ErrorMessage`. Echoed values are cut to 200 characters, marked `… (cut: N characters)`.
async fn echoed_input_is_bounded(backend: Backend) {
    let hub = Hub::start(backend).await;
    let step = "ā".repeat(200_000);
    let answer = hub
        .rest(
            &hub.demo,
            "savepaymentrequest",
            json!({"PaymentRequest": {"ServiceStep": step,
                "PriceList": [{"Position": "1", "Item": 1}]}}),
        )
        .await;
    assert_eq!(answer.mm_error, "UNKNOWN_SERVICE_STEP");
    assert!(
        answer.mm_error_message.len() < 2048,
        "MM-ErrorMessage is {} bytes",
        answer.mm_error_message.len()
    );
    // The cut, URL-encoded: …ā… (cut: 200000 characters)
    assert!(
        answer
            .mm_error_message
            .contains("%C4%81%E2%80%A6%20%28cut%3A%20200000%20characters%29"),
        "{}",
        answer.mm_error_message
    );
    let message = answer.json()["message"].as_str().unwrap().to_owned();
    assert!(message.chars().count() < 300, "{message}");
    assert!(
        message.contains(&format!("`{}… (cut: 200000 characters)`", "ā".repeat(200))),
        "{message}"
    );
    assert!(
        answer.body.len() < 4096,
        "body is {} bytes",
        answer.body.len()
    );
    // The same for a filter, a date, and the SOAP door.
    let long = "9".repeat(100_000);
    let answer = hub
        .rest(&hub.demo, "getpayments", json!({"AmountFrom": long}))
        .await;
    assert_eq!(answer.mm_error, "INVALID_FIELD");
    assert!(
        answer.mm_error_message.len() < 1024,
        "{}",
        answer.mm_error_message
    );
    let answer = hub
        .soap(
            "CheckPaymentStatus",
            &[("paymentRequestId", &long), ("position", "1")],
        )
        .await;
    assert_eq!(answer.mm_error, "INVALID_ID");
    assert!(
        answer.body.len() < 4096,
        "fault is {} bytes",
        answer.body.len()
    );
    hub.stop().await;
}

/// The metrics count every API method under its own name (`getnotifications`
/// too), from the same method list the door dispatches on.
async fn every_method_is_counted_under_its_name(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create(&hub.demo).await;
    hub.rest(
        &hub.demo,
        "getnotifications",
        json!({"PaymentRequestId": id}),
    )
    .await
    .ok();
    hub.rest(&hub.demo, "nosuchmethod", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");
    let metrics = hub.get(&hub.demo, "/metrics").await.body;
    for line in [
        "method=\"getnotifications\",status=\"200\"} 1",
        "method=\"savepaymentrequest\",status=\"200\"} 1",
        "method=\"unknown\",status=\"404\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    hub.stop().await;
}

/// `docs/errors.md` lists exactly the codes of `ErrorCode`: a code added to
/// one and not the other fails here.
#[test]
fn docs_errors_md_lists_exactly_the_error_codes() {
    let catalogue = include_str!("../../../docs/errors.md");
    let documented: BTreeSet<&str> = catalogue
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(code, _)| code)
        .collect();
    let listed: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(documented, listed);
    assert_eq!(listed.len(), ErrorCode::ALL.len(), "a code listed twice");
}
