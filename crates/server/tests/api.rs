//! The REST door end to end: the real server on port 0, over plain HTTP (legacy
//! body authentication) and over HTTPS with client certificates, against SQLite
//! and PostgreSQL. Every scenario runs once per backend.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use maksa_app::admin::Admin;
use maksa_app::api_method::ApiMethod;
use maksa_app::clock::SystemClock;
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::Store;
use maksa_domain::ids::ClientId;
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, HttpsSettings, Listeners, RunningServer};
use maksa_x509::{
    DemoPki, generate_demo_pki, generate_self_signed_client, issue_client_cert, mm_cert_value,
    parse_mm_cert,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use support::{
    Backend, DatabaseGuard, assert_valid_document_xml, have_tool, open_store, pdf_text, test_issuer,
};
use time::{Duration, OffsetDateTime};

const PUBLIC: &str = "https://maksa.test";

struct Identity {
    cert_pem: String,
    key_pem: String,
}

impl Identity {
    fn mm_cert(&self) -> String {
        mm_cert_value(&self.cert_pem).unwrap()
    }
}

struct Hub {
    server: Option<RunningServer>,
    http: String,
    https: String,
    pki: DemoPki,
    admin: Admin,
    demo: Identity,
    other: Identity,
    store: Arc<dyn Store>,
    _database: DatabaseGuard,
}

/// The demo catalogue plus a contract for a second client, to test isolation.
/// Both clients have the `precise` wire profile, so that these tests tell
/// errors apart by status as well as by code (tests/wire.rs covers `original`).
fn catalog() -> String {
    let demo = include_str!("../../../demo/catalog.toml").replace(
        "notify_cancelled = true\n",
        "notify_cancelled = true\nwire_profile = \"precise\"\n",
    );
    assert!(demo.contains("wire_profile = \"precise\""));
    format!(
        "{demo}\n[[contract]]\nclient = \"other\"\nservices = [\"*\"]\nproviders = [\"DEMO0000\"]\norigins = [\"https://tv-vraa.zzdats.lv\", \"https://latvija.lv\"]\nwire_profile = \"precise\"\n",
    )
}

impl Hub {
    async fn start(backend: Backend, legacy_body_auth: bool) -> Hub {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (store, database) = open_store(backend).await;
        let clock = Arc::new(SystemClock);
        let admin = Admin::new(Arc::clone(&store), clock.clone());
        admin.import_catalog(&catalog()).await.unwrap();
        let pki =
            generate_demo_pki(&["localhost".into(), "127.0.0.1".into()], "demo e-service").unwrap();
        let demo = Identity {
            cert_pem: pki.client_cert_pem.clone(),
            key_pem: pki.client_key_pem.clone(),
        };
        let now = OffsetDateTime::now_utc();
        let (cert_pem, key_pem) = issue_client_cert(
            &pki.ca_cert_pem,
            &pki.ca_key_pem,
            "other e-service",
            now - Duration::days(1),
            now + Duration::days(30),
        )
        .unwrap();
        let other = Identity { cert_pem, key_pem };
        let hub = Hub {
            server: None,
            http: String::new(),
            https: String::new(),
            pki,
            admin,
            demo,
            other,
            store: Arc::clone(&store),
            _database: database,
        };
        hub.register("demo", &hub.demo.cert_pem, &["MM_INVOICE_SERVICE"])
            .await;
        hub.register("other", &hub.other.cert_pem, &[]).await;
        let settings = HubSettings {
            public_base_url: PUBLIC.into(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: test_issuer(),
        };
        let state = AppState::assemble(
            store,
            clock,
            settings,
            legacy_body_auth,
            64 * 1024,
            Default::default(),
        )
        .await
        .unwrap();
        let https = HttpsSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            certificate_pem: hub.pki.server_cert_pem.clone(),
            private_key_pem: hub.pki.server_key_pem.clone(),
            client_ca_pems: vec![hub.pki.ca_cert_pem.clone()],
        };
        let server = maksa_server::start(
            state,
            Listeners {
                http: Some("127.0.0.1:0".parse().unwrap()),
                https: Some(https),
            },
        )
        .await
        .unwrap();
        Hub {
            http: format!("http://{}", server.http_addr.unwrap()),
            https: format!("https://localhost:{}", server.https_addr.unwrap().port()),
            server: Some(server),
            ..hub
        }
    }

    async fn register(&self, client: &str, cert_pem: &str, roles: &[&str]) {
        let info = parse_mm_cert(cert_pem).unwrap();
        self.admin
            .register_client(
                ClientId::parse(client).unwrap(),
                &maksa_server::presented(&info),
                roles.iter().map(|r| r.to_string()).collect(),
                Vec::new(),
            )
            .await
            .unwrap();
    }

    fn tls_client(&self, identity: Option<&Identity>) -> Client {
        let config = match identity {
            Some(id) => maksa_x509::client_config_with_identity(
                &self.pki.ca_cert_pem,
                &id.cert_pem,
                &id.key_pem,
            )
            .unwrap(),
            None => maksa_x509::client_config_anonymous(&self.pki.ca_cert_pem).unwrap(),
        };
        Client::builder()
            .use_preconfigured_tls(config)
            .build()
            .unwrap()
    }

    /// A legacy plain-HTTP call identified by `MM_Cert` in the body.
    async fn plain(&self, method: &str, identity: &Identity, mut body: Value) -> Response {
        body["MM_Cert"] = json!(identity.mm_cert());
        Client::new()
            .post(format!("{}/api/v1/payments/{method}", self.http))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn tls(&self, method: &str, identity: &Identity, body: Value) -> Response {
        self.tls_client(Some(identity))
            .post(format!("{}/api/v1/payments/{method}", self.https))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn create(&self, identity: &Identity) -> String {
        let response = self
            .tls("savepaymentrequest", identity, example_request())
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{:?}",
            response.headers().get("mm-errormessage")
        );
        let body: Value = response.json().await.unwrap();
        body["PaymentRequestId"].as_str().unwrap().to_owned()
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// 004's savepaymentrequest example, with its missing comma fixed and a future expiry.
fn example_request() -> Value {
    let text = include_str!("../../../demo/savepaymentrequest.json");
    let mut body: Value = serde_json::from_str(text).unwrap();
    body.as_object_mut().unwrap().remove("MM_Cert");
    body
}

fn mm_error(response: &Response) -> String {
    response
        .headers()
        .get("mm-error")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn seed_example(name: &str) -> String {
    match name {
        "savepaymentrequest" => include_str!("seed_examples/savepaymentrequest.json"),
        "checkpaymentrequeststatus" => include_str!("seed_examples/checkpaymentrequeststatus.json"),
        "getpaymentrequests" => include_str!("seed_examples/getpaymentrequests.json"),
        "getpayments" => include_str!("seed_examples/getpayments.json"),
        "checkpaymentstatus" => include_str!("seed_examples/checkpaymentstatus.json"),
        "checkpaymentrequeststatuswpt" => {
            include_str!("seed_examples/checkpaymentrequeststatuswpt.json")
        }
        "createinvoice" => include_str!("seed_examples/createinvoice.json"),
        "cancelpaymentrequest" => include_str!("seed_examples/cancelpaymentrequest.json"),
        _ => panic!("no example {name}"),
    }
    .to_owned()
}

/// A seed example with the placeholder certificate and id replaced by real ones.
fn seed_with(name: &str, mm_cert: &str, id: &str) -> Value {
    let mut body: Value = serde_json::from_str(&seed_example(name)).unwrap();
    body["MM_Cert"] = json!(mm_cert);
    for key in ["PaymentRequestId", "paymentRequestId"] {
        if body.get(key).is_some() {
            body[key] = json!(id);
        }
    }
    body
}

on_both_backends!(
    the_walk_through_over_https,
    the_seed_examples_as_sent,
    the_seed_examples_with_real_values,
    certificates_are_bound_to_the_connection,
    plain_http_needs_the_operators_consent,
    clients_see_only_their_own_requests,
    bad_input_is_explained_and_changes_nothing,
    cancelling_is_one_way,
    invoices_are_documents_the_client_downloads,
    documents_are_only_the_clients_own,
    concurrent_invoices_get_distinct_versions,
    lists_filter_and_report_exact_amounts,
    the_payers_page_summarises_the_request,
    return_urls_cannot_leave_the_registered_origins,
);

async fn the_walk_through_over_https(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let response = hub
        .tls("savepaymentrequest", &hub.demo, example_request())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let created: Value = response.json().await.unwrap();
    let id = created["PaymentRequestId"].as_str().unwrap();
    // Time-ordered (UUID v7: creation time, then 74 random bits).
    assert_eq!(
        maksa_domain::ids::PaymentRequestId::parse(id)
            .unwrap()
            .as_uuid()
            .get_version_num(),
        7
    );
    assert_eq!(
        created["paymentRequestUrl"],
        format!("{PUBLIC}/Payments/?id={id}")
    );

    let response = hub
        .tls(
            "checkpaymentrequeststatus",
            &hub.demo,
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "P");

    // The same body with MM_Cert repeating the connection's certificate works too.
    let mut body = example_request();
    body["MM_Cert"] = json!(hub.demo.mm_cert());
    assert_eq!(
        hub.tls("savepaymentrequest", &hub.demo, body)
            .await
            .status(),
        StatusCode::OK
    );

    for path in ["payments", "paymentrequest"] {
        let response = hub
            .tls_client(Some(&hub.demo))
            .post(format!(
                "{}/api/v1/{path}/checkpaymentrequeststatuswpt",
                hub.https
            ))
            .json(&json!({ "paymentRequestId": id }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({ "RequestStatus": "P", "PaymentProviders": "" })
        );
    }
    let response = hub
        .tls(
            "checkpaymentstatus",
            &hub.demo,
            json!({ "paymentRequestId": id, "position": "2346" }),
        )
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "RequestStatus": "P", "PaymentProvider": null })
    );
    let response = hub
        .tls(
            "checkpaymentstatus",
            &hub.demo,
            json!({ "paymentRequestId": id, "position": "172" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let response = hub.tls("createinvoice", &hub.demo, json!({ "Id": id, "Name": "SIA ZZ Dats", "Code": "40003278467", "Address": "Elizabetes 41/43, Rīga" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let first: i64 = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let response = hub
        .tls(
            "createinvoice",
            &hub.demo,
            json!({ "Id": id, "Name": "Ernests Paraudziņš" }),
        )
        .await;
    let second: i64 = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(first > 0 && second > first);

    let response = hub
        .tls(
            "cancelpaymentrequest",
            &hub.demo,
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "");
    let response = hub
        .tls(
            "checkpaymentrequeststatus",
            &hub.demo,
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert_eq!(response.text().await.unwrap(), "C");
    hub.stop().await;
}

async fn the_seed_examples_as_sent(backend: Backend) {
    let hub = Hub::start(backend, true).await;
    let client = Client::new();
    for name in [
        "savepaymentrequest",
        "checkpaymentrequeststatus",
        "getpaymentrequests",
        "getpayments",
        "checkpaymentstatus",
        "checkpaymentrequeststatuswpt",
        "createinvoice",
        "cancelpaymentrequest",
    ] {
        let response = client
            .post(format!("{}/api/v1/payments/{name}", hub.http))
            .header("content-type", "application/json")
            .body(seed_example(name))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let code = mm_error(&response);
        let message = response
            .headers()
            .get("mm-errormessage")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        // An unreadable body over plain HTTP comes before its `MM_Cert` names
        // the client: the default (`original`) profile answers it, with 500.
        match name {
            // The missing comma before ReturnRedirectUrl, on line 30 of the body.
            "savepaymentrequest" => {
                assert_eq!(
                    (status, code.as_str()),
                    (StatusCode::INTERNAL_SERVER_ERROR, "INVALID_JSON")
                );
                assert!(message.contains("line%2030%20column%204"), "{message}");
            }
            // Typographic quotes around the field names.
            "createinvoice" | "cancelpaymentrequest" => {
                assert_eq!(
                    (status, code.as_str()),
                    (StatusCode::INTERNAL_SERVER_ERROR, "INVALID_JSON"),
                    "{name}"
                );
                assert!(message.contains("typographic"), "{name}: {message}");
            }
            // Well-formed, but the MM_Cert is a truncated placeholder.
            _ => assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNAUTHORIZED, "CERT_INVALID"),
                "{name}"
            ),
        }
    }
    hub.stop().await;
}

async fn the_seed_examples_with_real_values(backend: Backend) {
    let hub = Hub::start(backend, true).await;
    let id = hub.create(&hub.demo).await;
    let cert = hub.demo.mm_cert();
    let client = Client::new();
    let call = |name: &str, body: Value| {
        client
            .post(format!("{}/api/v1/payments/{name}", hub.http))
            .json(&body)
            .send()
    };

    let response = call(
        "checkpaymentrequeststatus",
        seed_with("checkpaymentrequeststatus", &cert, &id),
    )
    .await
    .unwrap();
    assert_eq!(response.text().await.unwrap(), "P");
    // getpaymentrequests' example asks for 2020 only: our request of today is not in it.
    let response = call(
        "getpaymentrequests",
        seed_with("getpaymentrequests", &cert, &id),
    )
    .await
    .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
    let response = call("getpayments", seed_with("getpayments", &cert, &id))
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
    // Position 172 exists in step 03G10 but this request does not carry it.
    let response = call(
        "checkpaymentstatus",
        seed_with("checkpaymentstatus", &cert, &id),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = call(
        "checkpaymentrequeststatuswpt",
        seed_with("checkpaymentrequeststatuswpt", &cert, &id),
    )
    .await
    .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["RequestStatus"],
        "P"
    );

    // The PHP example's request (two payees) and the .NET one (quantity 4.56 and amount 0.54).
    let php = json!({ "MM_Cert": cert, "PaymentsDataStructure": { "Payment": null, "PaymentRequest": {
        "ClientInfo": { "ClientCode": "31129900000", "ClientFirstName": "Ernests", "ClientName": "Paraudziņš", "ClientEMail": "e@p.lv", "ClientPhone": "26620000", "ClientAddress": "Rātslaukums 1, LV-1050, Rīga" },
        "ParentPaymentRequestID": null, "PaymentObject": "02Y70 payment",
        "PriceList": [ { "Item": 1, "ItemElementName": "Quantity", "Position": 53 }, { "Item": 12.12, "ItemElementName": "Amount", "Position": 54 } ],
        "ResponseUrl": "http://jusu-response-url", "ReturnRedirectUrl": "http://jusu-pakalpojuma-url", "ServerResponseUrl": "http://jusu-response-url-s2s",
        "ServiceStep": "02Y70", "SwiftCode": "DEMO0000" },
        "PaymentRequestPPK": null, "PaymentRequestResponse": null, "PaymentRequestStatus": null } });
    let response = call("savepaymentrequest", php).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.headers().get("mm-errormessage")
    );
    let php_id = response.json::<Value>().await.unwrap()["PaymentRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dotnet = json!({ "mm_cert": cert, "paymentsDataStructure": { "paymentRequest": {
        "allowedBanks": [ { "swiftCode": "DEMO0000" }, { "swiftCode": "HABALV22" } ],
        "expiryDate": "2030-01-01T12:00:00+2:00", "invoiceIssueDate": "2030-01-06", "noInvoice": true, "paymentObject": "PmtInfo",
        "priceList": [ { "item": "4.56", "position": "1", "itemElementName": "Quantity" }, { "item": "0.54", "position": "2", "itemElementName": "Amount" } ],
        "responseUrl": "http://jusu-response-url", "serverResponseUrl": "http://jusu-response-url-s2s", "returnRedirectUrl": "https://latvija.lv/EP21/",
        "serviceStep": "DEM11", "swiftCode": "DEMO0000" } } });
    let response = call("savepaymentrequest", dotnet).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.headers().get("mm-errormessage")
    );

    let all = call("getpaymentrequests", json!({ "MM_Cert": cert }))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let totals: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["TotalAmount"].to_string())
        .collect();
    assert_eq!(totals.len(), 3);
    for expected in ["12.00", "27.12", "5.10"] {
        assert!(
            totals.contains(&expected.to_owned()),
            "{expected} not in {totals:?}"
        );
    }
    let payments = call("getpayments", json!({ "MM_Cert": cert }))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let of_php: Vec<&Value> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["PaymentRequestUniqueId"] == php_id.as_str())
        .collect();
    assert_eq!(of_php.len(), 2, "two payees, two payments: {payments}");
    for payment in &of_php {
        assert_eq!(payment["SettlementDate"], Value::Null, "not settled yet");
    }
    // A Treasury statement credits the first payment in full: getpayments
    // shows the day the money was booked and the bank's reference.
    let first = of_php[0];
    let purpose_id: String = first["BankInfo"]
        .as_str()
        .unwrap()
        .chars()
        .take(34)
        .collect();
    let statement = format!(
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>M</MsgId><CreDtTm>2030-01-02T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>\
         <CreDtTm>2030-01-02T08:00:00</CreDtTm><Acct><Id><IBAN>{}</IBAN></Id></Acct>\
         <Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
         <BookgDt><Dt>2030-01-02</Dt></BookgDt><AcctSvcrRef>TREL-REF-1</AcctSvcrRef>\
         <NtryDtls><TxDtls><RmtInf><Ustrd>{purpose_id}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\
         </Stmt></BkToCstmrStmt></Document>",
        first["PayeeAccountNumber"].as_str().unwrap(),
        first["Amount"],
    );
    let treasury = maksa_app::treasury::Treasury::new(
        Arc::clone(&hub.store),
        Arc::new(SystemClock),
        maksa_app::treasury::TreasurySettings::default(),
    );
    let imported = treasury
        .import(
            "s.xml",
            std::io::Cursor::new(statement.into_bytes()),
            "test",
        )
        .await
        .unwrap();
    assert_eq!(imported.outcomes, vec![("settled".to_owned(), 1)]);
    let payments = call("getpayments", json!({ "MM_Cert": cert }))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let settled: Vec<&Value> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["SettlementDate"] != Value::Null)
        .collect();
    assert_eq!(settled.len(), 1, "{payments}");
    assert_eq!(settled[0]["BankInfo"], first["BankInfo"]);
    assert_eq!(settled[0]["SettlementDate"], "2030-01-02");
    assert_eq!(settled[0]["SettlementReference"], "TREL-REF-1");
    let cancel = seed_with("checkpaymentrequeststatus", &cert, &php_id);
    assert_eq!(
        call("cancelpaymentrequest", cancel).await.unwrap().status(),
        StatusCode::OK
    );
    hub.stop().await;
}

async fn certificates_are_bound_to_the_connection(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let id = hub.create(&hub.demo).await;
    let status = |identity: Option<&Identity>, body: Value| {
        let client = hub.tls_client(identity);
        let url = format!("{}/api/v1/payments/checkpaymentrequeststatus", hub.https);
        async move { client.post(url).json(&body).send().await.unwrap() }
    };
    // MM_Cert naming another registered certificate than the connection's.
    let response = status(
        Some(&hub.demo),
        json!({ "PaymentRequestId": id, "MM_Cert": hub.other.mm_cert() }),
    )
    .await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::UNAUTHORIZED, "CERT_MISMATCH")
    );
    // No client certificate at all.
    let response = status(
        None,
        json!({ "PaymentRequestId": id, "MM_Cert": hub.demo.mm_cert() }),
    )
    .await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::UNAUTHORIZED, "CERT_REQUIRED")
    );
    // A certificate from our CA that nobody registered.
    let now = OffsetDateTime::now_utc();
    let (cert_pem, key_pem) = issue_client_cert(
        &hub.pki.ca_cert_pem,
        &hub.pki.ca_key_pem,
        "stranger",
        now - Duration::days(1),
        now + Duration::days(1),
    )
    .unwrap();
    let stranger = Identity { cert_pem, key_pem };
    let response = status(Some(&stranger), json!({ "PaymentRequestId": id })).await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::UNAUTHORIZED, "CERT_UNKNOWN")
    );
    // A self-signed certificate: refused until registered, then accepted.
    let (cert_pem, key_pem) = generate_self_signed_client("self-signed e-service").unwrap();
    let self_signed = Identity { cert_pem, key_pem };
    let response = status(Some(&self_signed), json!({ "PaymentRequestId": id })).await;
    assert_eq!(mm_error(&response), "CERT_UNKNOWN");
    hub.register("demo", &self_signed.cert_pem, &[]).await;
    let response = status(Some(&self_signed), json!({ "PaymentRequestId": id })).await;
    assert_eq!(response.text().await.unwrap(), "P");
    // Expired, and revoked.
    let (cert_pem, key_pem) = issue_client_cert(
        &hub.pki.ca_cert_pem,
        &hub.pki.ca_key_pem,
        "expired",
        now - Duration::days(10),
        now - Duration::days(1),
    )
    .unwrap();
    let expired = Identity { cert_pem, key_pem };
    hub.register("demo", &expired.cert_pem, &[]).await;
    let response = status(Some(&expired), json!({ "PaymentRequestId": id })).await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::UNAUTHORIZED, "CERT_EXPIRED")
    );
    let (cert_pem, key_pem) = issue_client_cert(
        &hub.pki.ca_cert_pem,
        &hub.pki.ca_key_pem,
        "revoked",
        now - Duration::days(1),
        now + Duration::days(1),
    )
    .unwrap();
    let revoked = Identity { cert_pem, key_pem };
    hub.register("demo", &revoked.cert_pem, &[]).await;
    let thumbprint = parse_mm_cert(&revoked.cert_pem).unwrap().thumbprint_sha256;
    assert!(hub.admin.revoke(&thumbprint).await.unwrap());
    let response = status(Some(&revoked), json!({ "PaymentRequestId": id })).await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::UNAUTHORIZED, "CERT_REVOKED")
    );
    hub.stop().await;
}

async fn plain_http_needs_the_operators_consent(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let response = hub
        .plain("savepaymentrequest", &hub.demo, example_request())
        .await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::UNAUTHORIZED, "TLS_REQUIRED")
    );
    hub.stop().await;
    let hub = Hub::start(backend, true).await;
    let response = hub
        .plain("savepaymentrequest", &hub.demo, example_request())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = Client::new()
        .post(format!("{}/api/v1/payments/savepaymentrequest", hub.http))
        .json(&example_request())
        .send()
        .await
        .unwrap();
    assert_eq!(mm_error(&response), "CERT_MISSING");
    hub.stop().await;
}

/// Every method of the REST door, through another client's certificate: an id
/// of the first client's answers exactly as an unknown id does, lists are empty,
/// and nothing changes. The match is over `ApiMethod::ALL` with no wildcard, so a
/// new method does not compile until it has its cross-client probe here.
async fn clients_see_only_their_own_requests(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let mine = hub.create(&hub.demo).await;
    let unknown = "3f1c2a47-9d2b-4e8f-8a51-0c6d2e9b7a10";
    let mut probed = 0;
    for method in ApiMethod::ALL {
        enum Probe {
            /// The body names a request by `PaymentRequestId` (plus these fields).
            ById(Value),
            /// The body names a request by `Id`.
            ByInvoiceId(Value),
            /// A list: the other client's is empty.
            List,
            /// Creates a request of the caller's own: nothing to cross.
            OwnOnly,
        }
        let probe = match method {
            ApiMethod::CheckPaymentRequestStatus
            | ApiMethod::CheckPaymentRequestStatusWpt
            | ApiMethod::CancelPaymentRequest
            | ApiMethod::GetNotifications => Probe::ById(json!({})),
            ApiMethod::CheckPaymentStatus => Probe::ById(json!({ "Position": "2346" })),
            ApiMethod::CreateInvoice => Probe::ByInvoiceId(json!({ "Name": "x" })),
            ApiMethod::GetPaymentRequests | ApiMethod::GetPayments => Probe::List,
            ApiMethod::SavePaymentRequest => Probe::OwnOnly,
        };
        let name = method.as_str();
        match probe {
            Probe::ById(extra) | Probe::ByInvoiceId(extra) => {
                let field = if name == "createinvoice" {
                    "Id"
                } else {
                    "PaymentRequestId"
                };
                let mut answers = Vec::new();
                for id in [mine.as_str(), unknown] {
                    let mut body = extra.clone();
                    body[field] = json!(id);
                    let response = hub.tls(name, &hub.other, body).await;
                    let status = response.status();
                    let code = mm_error(&response);
                    answers.push((status, code, response.text().await.unwrap()));
                }
                assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{name}");
                assert_eq!(
                    answers[0], answers[1],
                    "{name}: another client's id must look unknown"
                );
            }
            Probe::List => {
                let rows = hub
                    .tls(name, &hub.other, json!({}))
                    .await
                    .json::<Value>()
                    .await
                    .unwrap();
                assert_eq!(rows, json!([]), "{name}");
            }
            Probe::OwnOnly => {}
        }
        probed += 1;
    }
    assert_eq!(probed, ApiMethod::ALL.len());
    // The invoice downloads, under every path they answer at: the owner's
    // invoice is there for the owner and not found for the other client.
    let issued = hub
        .tls(
            "createinvoice",
            &hub.demo,
            json!({ "Id": mine, "Name": "x" }),
        )
        .await;
    assert_eq!(issued.status(), StatusCode::OK);
    for prefix in [
        "/Invoices",
        "/v1.0/RESTX509/Invoices",
        "/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509/Invoices",
    ] {
        for kind in ["Pdf", "Xml"] {
            let url = format!("{}{prefix}/{kind}/{mine}", hub.https);
            for (identity, expected) in [
                (&hub.other, StatusCode::NOT_FOUND),
                (&hub.demo, StatusCode::OK),
            ] {
                let response = hub
                    .tls_client(Some(identity))
                    .get(&url)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), expected, "{prefix}/{kind}");
            }
        }
    }
    // And the owner's request is untouched: still P, never cancelled.
    assert_eq!(
        hub.tls(
            "checkpaymentrequeststatus",
            &hub.demo,
            json!({ "PaymentRequestId": mine })
        )
        .await
        .text()
        .await
        .unwrap(),
        "P"
    );
    hub.stop().await;
}

async fn bad_input_is_explained_and_changes_nothing(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let count = || async {
        hub.tls("getpaymentrequests", &hub.demo, json!({}))
            .await
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let before = count().await;
    let mut body = example_request();
    body["PaymentsDataStructure"]["PaymentRequest"]["PriceList"][0]["Position"] = json!("53");
    body["PaymentsDataStructure"]["PaymentRequest"]["ExpiryDate"] =
        json!("2019-12-31T15:45:00+3:00");
    let response = hub.tls("savepaymentrequest", &hub.demo, body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(mm_error(&response), "UNKNOWN_POSITION");
    let message = response.headers()["mm-errormessage"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("PriceList%5B0%5D.Position"), "{message}");
    let details = response.json::<Value>().await.unwrap()["details"].clone();
    let codes: Vec<&str> = details
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["UNKNOWN_POSITION", "EXPIRY_IN_PAST"]);

    let mut body = example_request();
    body["PaymentsDataStructure"]["PaymentRequest"]["ResponseUrl"] = json!("https://evil.example/");
    assert_eq!(
        mm_error(&hub.tls("savepaymentrequest", &hub.demo, body).await),
        "URL_NOT_REGISTERED"
    );
    let response = hub
        .tls(
            "savepaymentrequest",
            &hub.demo,
            json!({ "PaymentsDataStructure": {} }),
        )
        .await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::BAD_REQUEST, "MISSING_FIELD")
    );
    let response = hub
        .tls(
            "checkpaymentrequeststatus",
            &hub.demo,
            json!({ "PaymentRequestId": "not-a-guid" }),
        )
        .await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_ID")
    );
    let response = hub
        .tls("checkpaymentrequeststatus", &hub.demo, json!({}))
        .await;
    assert_eq!(mm_error(&response), "MISSING_FIELD");
    let response = hub
        .tls(
            "getpaymentrequests",
            &hub.demo,
            json!({ "AmountFrom": "7.999" }),
        )
        .await;
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD")
    );
    let response = hub
        .tls(
            "getpayments",
            &hub.demo,
            json!({ "PaymentDateFrom": "yesterday" }),
        )
        .await;
    assert_eq!(mm_error(&response), "INVALID_FIELD");
    let response = hub.tls("nosuchmethod", &hub.demo, json!({})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = hub
        .tls_client(Some(&hub.demo))
        .post(format!("{}/api/v1/payments/savepaymentrequest", hub.https))
        .body("[1, 2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_JSON")
    );
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(100 * 1024));
    let response = hub
        .tls_client(Some(&hub.demo))
        .post(format!("{}/api/v1/payments/savepaymentrequest", hub.https))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (response.status(), mm_error(&response).as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "BODY_TOO_LARGE")
    );
    assert_eq!(count().await, before);
    hub.stop().await;
}

async fn cancelling_is_one_way(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let id = hub.create(&hub.demo).await;
    for _ in 0..2 {
        let response = hub
            .tls(
                "cancelpaymentrequest",
                &hub.demo,
                json!({ "PaymentRequestId": id }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let payments = hub
        .tls("getpayments", &hub.demo, json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(payments[0]["StatusCode"], "C");
    let rows = hub
        .tls("getpaymentrequests", &hub.demo, json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(rows[0]["UsageStatus"], "Manuāli atcelts");
    let response = hub
        .tls(
            "cancelpaymentrequest",
            &hub.demo,
            json!({ "PaymentRequestId": "3f1c2a47-9d2b-4e8f-8a51-0c6d2e9b7a10" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    hub.stop().await;
}

async fn lists_filter_and_report_exact_amounts(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let id = hub.create(&hub.demo).await;
    let mut body = example_request();
    body["PaymentsDataStructure"]["PaymentRequest"]["PriceList"] =
        json!([{ "Item": "7.99", "ItemElementName": "Amount", "Position": "123" }]);
    body["PaymentsDataStructure"]["PaymentRequest"]["ExpiryDate"] = json!("2031-02-15");
    let response = hub.tls("savepaymentrequest", &hub.demo, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let shared = &hub;
    let list = |filter: Value| async move {
        shared
            .tls("getpaymentrequests", &shared.demo, filter)
            .await
            .json::<Value>()
            .await
            .unwrap()
    };
    let all = list(json!({})).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let row = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["PaymentRequestUniqueId"] == id.as_str())
        .unwrap();
    assert_eq!(row["TotalAmount"].to_string(), "12.00");
    assert_eq!(row["Currency"], "EUR");
    assert_eq!(
        row["ServiceProviderName"],
        "Valsts digitālās attīstības aģentūra"
    );
    assert_eq!(row["ServiceName"], "Demonstrācijas pakalpojums");
    assert_eq!(row["ExpirationDate"], "2030-09-30");
    assert_eq!(row["Status"], "P");
    assert_eq!(row["Number"].as_str().unwrap().len(), 9);
    // Amount bounds are inclusive and accept strings or numbers.
    assert_eq!(
        list(json!({ "AmountFrom": "7.99", "AmountTill": 7.99 }))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        list(json!({ "AmountFrom": 8 }))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Dates with one-digit offsets and bare dates.
    assert_eq!(
        list(json!({ "ExpirationDateFrom": "2031-02-15", "ExpirationDateTill": "2031-02-15" }))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(list(json!({ "CreatedDateFrom": "2020-01-31T12:41:00+3:00", "CreatedDateTill": "2020-08-14T12:41:00+3:00" })).await, json!([]));
    assert_eq!(
        list(json!({ "CreatedDateFrom": "2020-01-31T12:41:00+3:00" }))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(list(json!({ "Currency": "usd" })).await, json!([]));
    assert_eq!(
        list(json!({ "OnlyNotPayed": true }))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Nobody has paid: a payment-date filter finds nothing.
    assert_eq!(
        list(json!({ "PaymentDateFrom": "2000-01-01" })).await,
        json!([])
    );
    let payments = hub
        .tls(
            "getpayments",
            &hub.demo,
            json!({ "AmountTill": "12.00", "Currency": "EUR" }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let amounts: Vec<String> = payments
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Amount"].to_string())
        .collect();
    assert_eq!(amounts.len(), 2, "{payments}");
    assert!(amounts.contains(&"7.99".to_owned()) && amounts.contains(&"12.00".to_owned()));
    let payment = &payments[0];
    assert!(payment["BankInfo"].as_str().unwrap().len() > 35);
    assert!(
        payment["PayeeAccountNumber"]
            .as_str()
            .unwrap()
            .starts_with("LV")
    );
    assert_eq!(payment["PaymentDate"], Value::Null);
    hub.stop().await;
}

async fn the_payers_page_summarises_the_request(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let id = hub.create(&hub.demo).await;
    let response = Client::new()
        .get(format!("{}/Payments/?id={id}", hub.http))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains("12,00 EUR"), "{html}");
    assert!(html.contains("data-state=\"choose-provider\""), "{html}");
    assert!(html.contains("Valsts digitālās attīstības aģentūra"));
    assert!(html.contains("Izziņa no reģistra"));
    let english = Client::new()
        .get(format!("{}/Payments/?id={id}&language=ENG", hub.http))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("Total to pay: <strong data-field=\"total\">12.00 EUR"),
        "{english}"
    );
    let response = Client::new()
        .get(format!(
            "{}/Payments/?id=3f1c2a47-9d2b-4e8f-8a51-0c6d2e9b7a10",
            hub.http
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    hub.stop().await;
}

impl Hub {
    async fn document(&self, identity: &Identity, path: &str) -> Response {
        self.tls_client(Some(identity))
            .get(format!("{}{path}", self.https))
            .send()
            .await
            .unwrap()
    }

    async fn invoice(&self, identity: &Identity, body: Value) -> i64 {
        let response = self.tls("createinvoice", identity, body).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{:?}",
            response.headers()
        );
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}

async fn invoices_are_documents_the_client_downloads(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    if !have_tool("pdftotext") || !have_tool("xmllint") {
        return;
    }
    // Not downloaded before the order, so the order is version 1 (a request
    // has a document from creation on: tests/hostile_dates.rs).
    let id = hub.create(&hub.demo).await;

    let recipient = "Ģirts Ķēniņš-Žūriņa, SIA „Āčē Ļoņa Šūpoles“";
    let address = "Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026";
    let first = hub
        .invoice(
            &hub.demo,
            json!({ "Id": id, "Name": recipient, "Code": "40003278467", "Address": address }),
        )
        .await;
    assert!(first > 0);

    let response = hub
        .document(&hub.demo, &format!("/Invoices/Pdf/{id}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for expected in [
        "Rēķins",
        recipient,
        "40003278467",
        address,
        "Valsts digitālās attīstības aģentūra",
        "90000036859",
        "Nav apmaksāts",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` not in the PDF: {text}"
        );
    }
    let number = disposition
        .split('"')
        .nth(1)
        .unwrap()
        .trim_end_matches(".pdf")
        .to_owned();
    assert!(
        number.starts_with("MK-") && number.ends_with("-1"),
        "{disposition}"
    );
    assert!(
        text.contains(&number),
        "the number {number} is printed: {text}"
    );

    let english = hub
        .document(&hub.demo, &format!("/Invoices/Pdf/{id}?language=ENG"))
        .await
        .bytes()
        .await
        .unwrap();
    let english = pdf_text(&english);
    assert!(
        english.contains("Invoice") && english.contains(recipient),
        "{english}"
    );

    let response = hub
        .document(&hub.demo, &format!("/Invoices/Xml/{id}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/xml; charset=utf-8"
    );
    let xml = response.bytes().await.unwrap();
    assert_valid_document_xml(&xml);
    let xml_text = String::from_utf8(xml.to_vec()).unwrap();
    assert!(
        xml_text.contains(recipient) && xml_text.contains(&number),
        "{xml_text}"
    );

    // The original's prefix serves the same bytes.
    let legacy = hub
        .document(&hub.demo, &format!("/v1.0/RESTX509/Invoices/Xml/{id}"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(legacy, xml);

    // A second invoice is a new version, and the latest is served; fields left
    // out are the payer's.
    let second = hub
        .invoice(&hub.demo, json!({ "Id": id, "Name": "Ernests Paraudziņš" }))
        .await;
    assert!(second > first);
    let latest = pdf_text(
        &hub.document(&hub.demo, &format!("/Invoices/Pdf/{id}"))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(latest.contains("Ernests Paraudziņš"), "{latest}");
    assert!(!latest.contains(recipient), "{latest}");
    let second_number = format!("{}-2", number.trim_end_matches("-1"));
    assert!(latest.contains(&second_number), "{second_number}: {latest}");
    hub.stop().await;
}

async fn documents_are_only_the_clients_own(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let id = hub.create(&hub.demo).await;
    hub.invoice(&hub.demo, json!({ "Id": id, "Name": "Jānis" }))
        .await;
    for path in [
        format!("/Invoices/Pdf/{id}"),
        format!("/Invoices/Xml/{id}"),
        format!("/v1.0/RESTX509/Invoices/Pdf/{id}"),
    ] {
        let response = hub.document(&hub.other, &path).await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "another client's: {path}"
        );
    }
    // Another client cannot order an invoice for it either.
    let response = hub
        .tls(
            "createinvoice",
            &hub.other,
            json!({ "Id": id, "Name": "X" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Unknown and malformed ids.
    let unknown = "05ae69d8-2be1-4a63-ae93-9d0e42e254f1";
    let response = hub
        .document(&hub.demo, &format!("/Invoices/Pdf/{unknown}"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = hub.document(&hub.demo, "/Invoices/Xml/not-a-guid").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(mm_error(&response), "INVALID_ID");
    let response = hub
        .tls(
            "createinvoice",
            &hub.demo,
            json!({ "Id": unknown, "Name": "X" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = hub
        .document(&hub.demo, &format!("/Invoices/Pdf/{id}?language=DE"))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Without a client certificate: refused, not served.
    let response = hub
        .tls_client(None)
        .get(format!("{}/Invoices/Pdf/{id}", hub.https))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    hub.stop().await;
}

async fn concurrent_invoices_get_distinct_versions(backend: Backend) {
    let hub = Arc::new(Hub::start(backend, false).await);
    let id = hub.create(&hub.demo).await;
    let mut tasks = Vec::new();
    for n in 0..6 {
        let hub = Arc::clone(&hub);
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            hub.invoice(
                &hub.demo,
                json!({ "Id": id, "Name": format!("Saņēmējs {n}") }),
            )
            .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "six invoices, six ids: {ids:?}");
    let xml = hub
        .document(&hub.demo, &format!("/Invoices/Xml/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains("<Version>6</Version>"),
        "the latest is version 6: {xml}"
    );
}

/// The hub sends the payer's browser to `ResponseUrl` and `ReturnRedirectUrl`:
/// each must lie within an origin registered for the client, however the
/// address dresses a foreign host up as a registered one. Each refusal changes
/// nothing; the registered origin itself (any path, either letter case) passes.
async fn return_urls_cannot_leave_the_registered_origins(backend: Backend) {
    let hub = Hub::start(backend, false).await;
    let count = || async {
        hub.tls("getpaymentrequests", &hub.demo, json!({}))
            .await
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let before = count().await;
    let foreign = [
        "https://evil.example/",
        // userinfo that spells the registered host
        "https://latvija.lv@evil.example/",
        "https://latvija.lv:443@evil.example/EP21/",
        // the registered host as a prefix or a label of another
        "https://latvija.lv.evil.example/",
        "https://evil-latvija.lv/",
        // another scheme or port of a registered host
        "http://latvija.lv/",
        "https://latvija.lv:8443/",
        "https://jusu-response-url/",
        // not absolute http(s) at all
        "//evil.example/",
        "/relative/path",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https:\\\\evil.example\\",
        "https://evil.example\\@latvija.lv/",
    ];
    for field in ["ResponseUrl", "ReturnRedirectUrl"] {
        for url in foreign {
            let mut body = example_request();
            body["PaymentsDataStructure"]["PaymentRequest"][field] = json!(url);
            let response = hub.tls("savepaymentrequest", &hub.demo, body).await;
            let code = mm_error(&response);
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{field} {url}");
            assert!(
                code == "URL_NOT_REGISTERED" || code == "INVALID_FIELD",
                "{field} {url}: {code}"
            );
        }
    }
    assert_eq!(count().await, before, "a refused request was stored");
    for url in ["https://latvija.lv/EP21/?a=1#b", "HTTPS://LATVIJA.LV/x"] {
        let mut body = example_request();
        body["PaymentsDataStructure"]["PaymentRequest"]["ReturnRedirectUrl"] = json!(url);
        let response = hub.tls("savepaymentrequest", &hub.demo, body).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
    }
    hub.stop().await;
}
