//! The SOAP door end to end: the real server on port 0, envelopes as PHP's
//! SoapClient and WCF clients write them, over HTTPS with client certificates,
//! against SQLite and PostgreSQL. Every scenario runs once per backend. What a
//! SOAP call creates is checked through REST, and the other way round; every
//! refused call is checked to have changed nothing.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
use maksa_app::admin::Admin;
use maksa_app::clock::SystemClock;
use maksa_app::payment_requests::HubSettings;
use maksa_domain::ids::ClientId;
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, HttpsSettings, Listeners, RunningServer};
use maksa_x509::{DemoPki, generate_demo_pki, issue_client_cert, parse_mm_cert};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};
use support::{Answer, Backend, DatabaseGuard, open_store};
use time::{Duration, OffsetDateTime};

const PUBLIC: &str = "https://maksa.test";
const SERVICE: &str = "/v1.0/WCFX509/PaymentRequestService.svc";
const MM_CERTIFICATE: &str = "/v1.0/MMSOAP/MMService.svc";
const MM_ROLE: &str = "/Invoice.SOAP/MMService.svc";
/// The same services at the originals' full paths (004's examples).
const ORIGINAL_SERVICE: &str =
    "/services/VRAA.VISS2.MM.Endpoint/v1.0/WCFX509/PaymentRequestService.svc";
const ORIGINAL_MM_CERTIFICATE: &str = "/services/VRAA.VISS2.MM.Endpoint/v1.0/MMSOAP/MMService.svc";
const ORIGINAL_MM_ROLE: &str = "/services/MM2/Invoice.SOAP/MMService.svc";
const DATA: &str = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint";
/// The body limit of these hubs (the default of `maksa serve`).
const BODY_LIMIT: usize = 1024 * 1024;

struct Identity {
    cert_pem: String,
    key_pem: String,
}

struct Hub {
    server: Option<RunningServer>,
    http: String,
    https: String,
    pki: DemoPki,
    /// Registered with the role MM_INVOICE_SERVICE.
    demo: Identity,
    /// Registered without roles.
    other: Identity,
    _database: DatabaseGuard,
}

/// The demo catalogue plus a contract for a second client.
fn catalog() -> String {
    format!(
        "{}\n[[contract]]\nclient = \"other\"\nservices = [\"*\"]\nproviders = [\"DEMO0000\"]\norigins = [\"https://tv-vraa.zzdats.lv\", \"https://latvija.lv\", \"http://jusu-response-url\", \"http://jusu-pakalpojuma-url\"]\n",
        include_str!("../../../demo/catalog.toml")
    )
}

impl Answer {
    /// The text of the first `<tag>` (any prefix) in the body.
    fn value(&self, tag: &str) -> Option<String> {
        value(&self.body, tag)
    }

    /// A fault as SOAP 1.1 and WCF clients read it; answers its message.
    fn assert_fault(&self, code: &str) -> String {
        assert_eq!(
            self.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            self.body
        );
        assert_eq!(self.content_type, "text/xml; charset=utf-8");
        assert_eq!(self.mm_error, code, "{}", self.body);
        assert_eq!(
            self.value("faultcode").as_deref(),
            Some("s:Client"),
            "{}",
            self.body
        );
        assert!(
            self.body.contains(&format!(
                "<detail><PaymentRequestFault xmlns=\"{DATA}\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Code>{code}</Code><Message>"
            )),
            "{}",
            self.body
        );
        let message = self.value("faultstring").unwrap();
        assert_eq!(self.value("Message").unwrap(), message);
        assert!(!message.is_empty());
        message
    }
}

fn value(body: &str, tag: &str) -> Option<String> {
    let mut rest = body;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>')?;
        let head = &rest[..end];
        let name = head.split([' ', '/']).next().unwrap_or_default();
        let local = name.rsplit(':').next().unwrap_or_default();
        if local == tag && !head.starts_with('/') {
            if head.ends_with('/') {
                return Some(String::new());
            }
            let after = &rest[end + 1..];
            let close = after.find(&format!("</{name}>"))?;
            return Some(unescape(&after[..close]));
        }
    }
    None
}

fn values(body: &str, tag: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(v) = value(rest, tag) {
        found.push(v);
        let marker = rest.find(&format!("{tag}>")).unwrap();
        rest = &rest[marker + tag.len() + 1..];
        let close = rest.find(&format!("{tag}>")).unwrap();
        rest = &rest[close + tag.len() + 1..];
    }
    found
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A SOAP 1.1 envelope as PHP's SoapClient writes one: prefixed namespaces,
/// the data contracts in their own.
fn envelope(operation: &str, parameters: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="{DATA}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="http://tempuri.org/"><SOAP-ENV:Body><ns2:{operation}>{parameters}</ns2:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    )
}

fn parameter(name: &str, value: &str) -> String {
    format!("<ns2:{name}>{value}</ns2:{name}>")
}

/// 004 §2.2.1's PHP example, as PHP's SoapClient serialises it.
fn php_save_request() -> String {
    envelope(
        "SavePaymentRequest",
        r#"<ns2:paymentRequest><ns1:PaymentRequest><ns1:ClientInfo><ns1:ClientAddress>Rātslaukums 1, LV-1050, Rīga</ns1:ClientAddress><ns1:ClientCode>31129900000</ns1:ClientCode><ns1:ClientEMail>e@p.lv</ns1:ClientEMail><ns1:ClientFirstName>Ernests</ns1:ClientFirstName><ns1:ClientName>Paraudziņš</ns1:ClientName><ns1:ClientPhone>26620000</ns1:ClientPhone></ns1:ClientInfo><ns1:ParentPaymentRequestID xsi:nil="true"/><ns1:PaymentObject>02Y70 payment</ns1:PaymentObject><ns1:PriceList><ns1:PriceListStructure><ns1:Item>1</ns1:Item><ns1:ItemElementName>Quantity</ns1:ItemElementName><ns1:Position>53</ns1:Position></ns1:PriceListStructure><ns1:PriceListStructure><ns1:Item>12.12</ns1:Item><ns1:ItemElementName>Amount</ns1:ItemElementName><ns1:Position>54</ns1:Position></ns1:PriceListStructure></ns1:PriceList><ns1:ResponseUrl>http://jusu-response-url</ns1:ResponseUrl><ns1:ReturnRedirectUrl>http://jusu-pakalpojuma-url</ns1:ReturnRedirectUrl><ns1:ServerResponseUrl>http://jusu-response-url-s2s</ns1:ServerResponseUrl><ns1:ServiceStep>02Y70</ns1:ServiceStep><ns1:SwiftCode>DEMO0000</ns1:SwiftCode></ns1:PaymentRequest><ns1:PaymentRequestResponse xsi:nil="true"/></ns2:paymentRequest>"#,
    )
}

fn id_envelope(operation: &str, id: &str) -> String {
    envelope(operation, &parameter("paymentRequestId", id))
}

impl Hub {
    async fn start(backend: Backend) -> Hub {
        Hub::start_with(backend, false).await
    }

    /// A hub with legacy body authentication (`legacy_body_auth`) as asked.
    async fn start_with(backend: Backend, legacy_body_auth: bool) -> Hub {
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
        for (client, identity, roles) in [
            ("demo", &demo, vec!["MM_INVOICE_SERVICE".to_owned()]),
            ("other", &other, Vec::new()),
        ] {
            let info = parse_mm_cert(&identity.cert_pem).unwrap();
            admin
                .register_client(
                    ClientId::parse(client).unwrap(),
                    &maksa_server::presented(&info),
                    roles,
                    Vec::new(),
                )
                .await
                .unwrap();
        }
        let settings = HubSettings {
            public_base_url: PUBLIC.into(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: maksa_domain::document::Party {
                name: "maksa test hub".into(),
                code: Some("90000036859".into()),
                address: None,
            },
        };
        let state = AppState::assemble(
            store,
            clock,
            settings,
            legacy_body_auth,
            BODY_LIMIT,
            Default::default(),
        )
        .await
        .unwrap();
        let https = HttpsSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            certificate_pem: pki.server_cert_pem.clone(),
            private_key_pem: pki.server_key_pem.clone(),
            client_ca_pems: vec![pki.ca_cert_pem.clone()],
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
            pki,
            demo,
            other,
            _database: database,
        }
    }

    fn client(&self, identity: Option<&Identity>) -> Client {
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

    async fn soap_as(&self, identity: Option<&Identity>, path: &str, body: String) -> Answer {
        let response = self
            .client(identity)
            .post(format!("{}{path}", self.https))
            .header("content-type", "text/xml; charset=utf-8")
            // PHP quotes it; the hub does not rely on it.
            .header(
                "soapaction",
                "\"http://tempuri.org/IPaymentRequestService/Whatever\"",
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn soap(&self, path: &str, body: String) -> Answer {
        self.soap_as(Some(&self.demo), path, body).await
    }

    async fn rest(&self, identity: &Identity, method: &str, body: Value) -> Answer {
        let response = self
            .client(Some(identity))
            .post(format!("{}/api/v1/payments/{method}", self.https))
            .json(&body)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn rest_status(&self, identity: &Identity, id: &str) -> String {
        let answer = self
            .rest(
                identity,
                "checkpaymentrequeststatus",
                json!({ "PaymentRequestId": id }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    /// How many requests each client has, through REST.
    async fn counts(&self) -> (usize, usize) {
        let mut counts = Vec::new();
        for identity in [&self.demo, &self.other] {
            let answer = self.rest(identity, "getpaymentrequests", json!({})).await;
            let list: Vec<Value> = serde_json::from_str(&answer.body).unwrap();
            counts.push(list.len());
        }
        (counts[0], counts[1])
    }

    async fn create(&self) -> String {
        let answer = self.soap(SERVICE, php_save_request()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.value("PaymentRequestId").unwrap()
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

on_both_backends!(
    every_operation_answers_as_wcf_does,
    soap_and_rest_are_one_core,
    the_appendix_example_is_read,
    faults_carry_the_rest_codes_and_change_nothing,
    hostile_xml_is_refused_quickly_and_changes_nothing,
    the_wsdl_is_the_committed_file_with_the_callers_address,
    the_original_paths_serve_every_operation,
    plain_http_takes_mm_cert_only_in_legacy_mode,
    faults_never_echo_long_values,
    every_operation_is_the_callers_own,
);

async fn every_operation_answers_as_wcf_does(backend: Backend) {
    let hub = Hub::start(backend).await;

    let answer = hub.soap(SERVICE, php_save_request()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.content_type, "text/xml; charset=utf-8");
    let id = answer.value("PaymentRequestId").unwrap();
    assert!(answer.body.starts_with(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><SavePaymentRequestResponse xmlns=\"http://tempuri.org/\"><SavePaymentRequestResult xmlns:a=\""
    ));
    assert_eq!(
        answer.value("PaymentRequestUrl").unwrap(),
        format!("{PUBLIC}/Payments/?id={id}")
    );

    let answer = hub
        .soap(SERVICE, id_envelope("CheckPaymentRequestStatus", &id))
        .await;
    assert!(answer.body.contains(
        "<CheckPaymentRequestStatusResponse xmlns=\"http://tempuri.org/\"><CheckPaymentRequestStatusResult>P</CheckPaymentRequestStatusResult></CheckPaymentRequestStatusResponse>"
    ), "{}", answer.body);

    // 004's PHP example: getdate() arrives as empty dates, meaning no bound.
    let answer = hub
        .soap(
            SERVICE,
            envelope(
                "GetPaymentRequests",
                "<ns2:createdDateFrom/><ns2:createdDateTill/><ns2:paymentDateFrom xsi:nil=\"true\"/><ns2:amountFrom>10</ns2:amountFrom><ns2:amountTill>100</ns2:amountTill><ns2:onlyNotPayed>false</ns2:onlyNotPayed><ns2:currency>EUR</ns2:currency>",
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        values(&answer.body, "PaymentRequestUniqueId"),
        vec![id.as_str()]
    );
    assert_eq!(answer.value("TotalAmount").as_deref(), Some("27.12"));
    assert_eq!(answer.value("Status").as_deref(), Some("P"));
    assert_eq!(answer.value("UsageStatus").as_deref(), Some("Neizmantots"));
    assert!(answer.body.contains("<a:PaymentDate i:nil=\"true\"/>"));
    // Outside the amount range: an empty list.
    let answer = hub
        .soap(
            SERVICE,
            envelope("GetPaymentRequests", "<ns2:amountFrom>100</ns2:amountFrom>"),
        )
        .await;
    assert!(
        answer.body.contains("<GetPaymentRequestsResult xmlns:a="),
        "{}",
        answer.body
    );
    assert!(values(&answer.body, "PaymentRequestUniqueId").is_empty());

    let answer = hub
        .soap(
            SERVICE,
            envelope(
                "GetPayments",
                "<ns2:paymentDateFrom/><ns2:paymentDateTill/><ns2:amountFrom>10</ns2:amountFrom><ns2:amountTill>100</ns2:amountTill><ns2:currency>EUR</ns2:currency>",
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let rest = hub
        .rest(
            &hub.demo,
            "getpayments",
            json!({ "AmountFrom": "10", "AmountTill": "100", "Currency": "EUR" }),
        )
        .await;
    let rest: Vec<Value> = serde_json::from_str(&rest.body).unwrap();
    assert_eq!(
        values(&answer.body, "PaymentInfoStructure").len(),
        rest.len()
    );
    assert_eq!(
        values(&answer.body, "Amount"),
        rest.iter()
            .map(|p| p["Amount"].to_string())
            .collect::<Vec<_>>()
    );

    let answer = hub
        .soap(
            SERVICE,
            envelope(
                "CheckPaymentStatus",
                &(parameter("paymentRequestId", &id) + &parameter("position", "53")),
            ),
        )
        .await;
    assert_eq!(
        answer.value("CheckPaymentStatusResult").as_deref(),
        Some("P")
    );

    let answer = hub
        .soap(
            SERVICE,
            envelope(
                "CreateInvoice",
                &(parameter("id", &id)
                    + &parameter("name", "Ernests Paraudziņš")
                    + &parameter("code", "31129910101")
                    + &parameter("address", "Elizabetes 41/43, Rīga")),
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let invoice: i64 = answer
        .value("CreateInvoiceResult")
        .unwrap()
        .parse()
        .unwrap();
    assert!(invoice > 0);

    // GetInvoice on both variants, PDF by default and XML on request.
    for path in [MM_CERTIFICATE, MM_ROLE] {
        for (format, content_type, head) in [
            ("", "application/pdf", "%PDF-"),
            (
                "<ns2:xmlFormat>true</ns2:xmlFormat>",
                "text/xml; charset=utf-8",
                "<?xml",
            ),
        ] {
            let answer = hub
                .soap(
                    path,
                    envelope("GetInvoice", &(parameter("paymentRequestId", &id) + format)),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            assert_eq!(answer.value("ContentType").as_deref(), Some(content_type));
            assert!(answer.value("Name").unwrap().len() > 4);
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD
                .decode(answer.value("Data").unwrap())
                .unwrap();
            assert!(data.starts_with(head.as_bytes()), "{path} {content_type}");
        }
    }

    let answer = hub
        .soap(SERVICE, id_envelope("CancelPaymentRequest", &id))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains(
        "<s:Body><CancelPaymentRequestResponse xmlns=\"http://tempuri.org/\"/></s:Body>"
    ));
    // Retried: still a success, as over REST.
    let again = hub
        .soap(SERVICE, id_envelope("CancelPaymentRequest", &id))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let answer = hub
        .soap(SERVICE, id_envelope("CheckPaymentRequestStatus", &id))
        .await;
    assert_eq!(
        answer.value("CheckPaymentRequestStatusResult").as_deref(),
        Some("C")
    );
    hub.stop().await;
}

async fn soap_and_rest_are_one_core(backend: Backend) {
    let hub = Hub::start(backend).await;
    // Created over SOAP, seen and cancelled over REST, seen cancelled over SOAP.
    let id = hub.create().await;
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "P");
    let rest = hub.rest(&hub.demo, "getpaymentrequests", json!({})).await;
    let rest: Vec<Value> = serde_json::from_str(&rest.body).unwrap();
    assert_eq!(rest[0]["PaymentRequestUniqueId"], id);
    assert_eq!(rest[0]["TotalAmount"].to_string(), "27.12");
    let answer = hub
        .rest(
            &hub.demo,
            "cancelpaymentrequest",
            json!({ "PaymentRequestId": id }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = hub
        .soap(SERVICE, id_envelope("CheckPaymentRequestStatus", &id))
        .await;
    assert_eq!(
        answer.value("CheckPaymentRequestStatusResult").as_deref(),
        Some("C")
    );

    // Created over REST, listed and cancelled over SOAP, seen cancelled over REST.
    let body: Value =
        serde_json::from_str(include_str!("../../../demo/savepaymentrequest.json")).unwrap();
    let answer = hub.rest(&hub.demo, "savepaymentrequest", body).await;
    let created: Value = serde_json::from_str(&answer.body).unwrap();
    let id = created["PaymentRequestId"].as_str().unwrap().to_owned();
    let answer = hub.soap(SERVICE, envelope("GetPaymentRequests", "")).await;
    assert_eq!(values(&answer.body, "PaymentRequestUniqueId").len(), 2);
    assert!(values(&answer.body, "PaymentRequestUniqueId").contains(&id));
    let answer = hub
        .soap(SERVICE, id_envelope("CancelPaymentRequest", &id))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "C");
    // An invoice ordered over SOAP is numbered with those ordered over REST.
    let answer = hub
        .rest(
            &hub.demo,
            "createinvoice",
            json!({ "Id": id, "Name": "SIA ZZ Dats" }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let first: Value = serde_json::from_str(&answer.body).unwrap();
    let answer = hub
        .soap(SERVICE, envelope("CreateInvoice", &parameter("id", &id)))
        .await;
    let second: i64 = answer
        .value("CreateInvoiceResult")
        .unwrap()
        .parse()
        .unwrap();
    assert!(second > first["id"].as_i64().unwrap());
    hub.stop().await;
}

/// 004 appendix 3.1 inside `paymentRequest`, as printed: undeclared `i:nil`,
/// `xsi:type`, `…Specified`, `<PriceList><PriceList>`.
fn appendix_envelope(document: &str) -> String {
    let document = document
        .trim_start_matches("\u{feff}")
        .split_once("?>")
        .unwrap()
        .1;
    envelope(
        "SavePaymentRequest",
        &format!("<ns2:paymentRequest>{document}</ns2:paymentRequest>"),
    )
}

async fn the_appendix_example_is_read(backend: Backend) {
    let hub = Hub::start(backend).await;
    let example = include_str!("seed_examples/PaymentsDataStructure.xml");

    // As printed, its expiry (2013) is past and it gives position 1 — which
    // takes a quantity in the demo catalogue — an amount: both are reported,
    // which shows every member was read.
    let answer = hub.soap(SERVICE, appendix_envelope(example)).await;
    let message = answer.assert_fault("AMOUNT_NOT_ALLOWED");
    assert!(
        message.contains("`2013-02-15` is not in the future"),
        "{message}"
    );
    assert!(message.contains("ExpiryDate"), "{message}");
    assert!(message.contains("position `1`"), "{message}");
    assert_eq!(hub.counts().await, (0, 0));

    // With a future expiry and position 1 by quantity it is created, with
    // what the example says.
    let future = (OffsetDateTime::now_utc() + Duration::days(20))
        .date()
        .to_string();
    let fixed = example
        .replace(
            "<ExpiryDate>2013-02-15</ExpiryDate>",
            &format!("<ExpiryDate>{future}</ExpiryDate>"),
        )
        .replacen(
            "<ItemElementName>Amount</ItemElementName>",
            "<ItemElementName>Quantity</ItemElementName>",
            1,
        )
        .replacen(
            "<ItemElementName>Quantity</ItemElementName>\n        <Position>2</Position>",
            "<ItemElementName>Amount</ItemElementName>\n        <Position>2</Position>",
            1,
        );
    let answer = hub.soap(SERVICE, appendix_envelope(&fixed)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let id = answer.value("PaymentRequestId").unwrap();
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "P");
    let rest = hub.rest(&hub.demo, "getpaymentrequests", json!({})).await;
    let rest: Vec<Value> = serde_json::from_str(&rest.body).unwrap();
    // Position 1 at 3.00 × 1, plus 2.00 given as an amount for position 2.
    assert_eq!(rest[0]["TotalAmount"].to_string(), "5.00");
    let expiry = rest[0]["ExpirationDate"].as_str().unwrap();
    assert!(
        expiry.starts_with(&future) || expiry > future.as_str(),
        "{expiry}"
    );

    // An unspecified expiry (.NET's default) is absent, not year 1.
    let unspecified = fixed
        .replace(
            "<ExpiryDateSpecified>true</ExpiryDateSpecified>",
            "<ExpiryDateSpecified>false</ExpiryDateSpecified>",
        )
        .replace(
            &format!("<ExpiryDate>{future}</ExpiryDate>"),
            "<ExpiryDate>0001-01-01T00:00:00</ExpiryDate>",
        );
    let answer = hub.soap(SERVICE, appendix_envelope(&unspecified)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    hub.stop().await;
}

async fn faults_carry_the_rest_codes_and_change_nothing(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create().await;
    let before = hub.counts().await;
    assert_eq!(before, (1, 0));
    let unknown = "2c0a6d5e-8f4b-4a51-9d0e-0f6f8c0e6a11";

    let cases: Vec<(&str, Option<&Identity>, &str, String, &str)> = vec![
        (
            "unknown operation",
            Some(&hub.demo),
            SERVICE,
            envelope("PayEverything", ""),
            "UNKNOWN_OPERATION",
        ),
        (
            "operation in another namespace",
            Some(&hub.demo),
            SERVICE,
            envelope("CheckPaymentRequestStatus", "").replace(
                "xmlns:ns2=\"http://tempuri.org/\"",
                "xmlns:ns2=\"urn:elsewhere\"",
            ),
            "UNKNOWN_OPERATION",
        ),
        (
            "GetInvoice on the payment request service",
            Some(&hub.demo),
            SERVICE,
            id_envelope("GetInvoice", &id),
            "UNKNOWN_OPERATION",
        ),
        (
            "bad GUID",
            Some(&hub.demo),
            SERVICE,
            id_envelope("CheckPaymentRequestStatus", "05ae69d8-nope"),
            "INVALID_ID",
        ),
        (
            "missing element",
            Some(&hub.demo),
            SERVICE,
            envelope("CancelPaymentRequest", ""),
            "MISSING_FIELD",
        ),
        (
            "nil element",
            Some(&hub.demo),
            SERVICE,
            envelope(
                "CancelPaymentRequest",
                "<ns2:paymentRequestId xsi:nil=\"true\"/>",
            ),
            "MISSING_FIELD",
        ),
        (
            "missing payment request",
            Some(&hub.demo),
            SERVICE,
            envelope("SavePaymentRequest", ""),
            "MISSING_FIELD",
        ),
        (
            "not found",
            Some(&hub.demo),
            SERVICE,
            id_envelope("CancelPaymentRequest", unknown),
            "NOT_FOUND",
        ),
        (
            "another client's request",
            Some(&hub.other),
            SERVICE,
            id_envelope("CancelPaymentRequest", &id),
            "NOT_FOUND",
        ),
        (
            "another client's invoice",
            Some(&hub.other),
            MM_CERTIFICATE,
            id_envelope("GetInvoice", &id),
            "NOT_FOUND",
        ),
        (
            "no position",
            Some(&hub.demo),
            SERVICE,
            envelope(
                "CheckPaymentStatus",
                &(parameter("paymentRequestId", &id) + &parameter("position", "172")),
            ),
            "NOT_FOUND",
        ),
        (
            "not XML",
            Some(&hub.demo),
            SERVICE,
            "{\"PaymentRequestId\": 1}".into(),
            "INVALID_XML",
        ),
        (
            "broken XML",
            Some(&hub.demo),
            SERVICE,
            envelope("CancelPaymentRequest", "<ns2:paymentRequestId>"),
            "INVALID_XML",
        ),
        (
            "SOAP 1.2",
            Some(&hub.demo),
            SERVICE,
            id_envelope("CancelPaymentRequest", &id).replace(
                "http://schemas.xmlsoap.org/soap/envelope/",
                "http://www.w3.org/2003/05/soap-envelope",
            ),
            "INVALID_XML",
        ),
        (
            "bad filter",
            Some(&hub.demo),
            SERVICE,
            envelope("GetPayments", "<ns2:amountFrom>ten</ns2:amountFrom>"),
            "INVALID_FIELD",
        ),
        (
            "bad flag",
            Some(&hub.demo),
            SERVICE,
            envelope(
                "GetPaymentRequests",
                "<ns2:onlyNotPayed>maybe</ns2:onlyNotPayed>",
            ),
            "INVALID_FIELD",
        ),
        (
            "invalid request",
            Some(&hub.demo),
            SERVICE,
            php_save_request().replace(">02Y70</ns1:ServiceStep>", ">NOPE1</ns1:ServiceStep>"),
            "UNKNOWN_SERVICE_STEP",
        ),
        (
            "no client certificate",
            None,
            SERVICE,
            id_envelope("CheckPaymentRequestStatus", &id),
            "CERT_REQUIRED",
        ),
        (
            "without MM_INVOICE_SERVICE",
            Some(&hub.other),
            MM_ROLE,
            id_envelope("GetInvoice", &id),
            "ROLE_REQUIRED",
        ),
    ];
    for (what, identity, path, body, code) in cases {
        let answer = hub.soap_as(identity, path, body).await;
        let message = answer.assert_fault(code);
        eprintln!("{what}: {code} {message}");
    }
    // Another client's request answers exactly like an unknown one.
    let theirs = hub
        .soap_as(
            Some(&hub.other),
            SERVICE,
            id_envelope("CheckPaymentRequestStatus", &id),
        )
        .await;
    let unknown = hub
        .soap(SERVICE, id_envelope("CheckPaymentRequestStatus", unknown))
        .await;
    assert_eq!(theirs.body, unknown.body);

    // Over plain HTTP nobody is identified.
    let answer = Answer::read(
        Client::new()
            .post(format!("{}{SERVICE}", hub.http))
            .body(id_envelope("CheckPaymentRequestStatus", &id))
            .send()
            .await
            .unwrap(),
    )
    .await;
    answer.assert_fault("TLS_REQUIRED");

    assert_eq!(hub.counts().await, before);
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "P");
    hub.stop().await;
}

async fn hostile_xml_is_refused_quickly_and_changes_nothing(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create().await;
    let before = hub.counts().await;

    // Billion laughs: ten levels of ten references.
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for level in 1..10 {
        let refs = format!("&lol{};", level - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{level} \"{refs}\">"));
    }
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [{dtd}]>{}",
        id_envelope("CancelPaymentRequest", "&lol9;")
            .split_once("?>")
            .unwrap()
            .1
    );
    // An external entity, in case a parser would fetch it.
    let external = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY ext SYSTEM \"file:///etc/passwd\">]>{}",
        id_envelope("CancelPaymentRequest", "&ext;")
            .split_once("?>")
            .unwrap()
            .1
    );
    let deep = envelope(
        "CancelPaymentRequest",
        &format!("{}{}", "<x>".repeat(10_000), "</x>".repeat(10_000)),
    );
    let undeclared_entity = id_envelope("CancelPaymentRequest", &format!("{id}&nbsp;"));
    for (what, body, needle) in [
        ("billion laughs", laughs, "not accepted"),
        ("external entity", external, "not accepted"),
        ("10,000-deep nesting", deep, "deeper than 64"),
        ("an entity never declared", undeclared_entity, "&nbsp;"),
    ] {
        let started = Instant::now();
        let answer = hub.soap(SERVICE, body).await;
        let message = answer.assert_fault("INVALID_XML");
        assert!(message.contains(needle), "{what}: {message}");
        assert!(started.elapsed() < StdDuration::from_secs(2), "{what}");
    }

    // One element with 140,000 attributes in a 980 KB message (under the body
    // limit): refused at the 65th attribute, not after quadratic work.
    let letters: Vec<char> = ('a'..='z').chain('A'..='Z').collect();
    let mut attributes = String::new();
    for i in 0..140_000 {
        let name: String = [i / (52 * 52), (i / 52) % 52, i % 52]
            .iter()
            .map(|&d| letters[d])
            .collect();
        attributes.push_str(&format!(" {name}=\"\""));
    }
    let bomb = id_envelope("CancelPaymentRequest", &id).replace(
        "<ns2:paymentRequestId>",
        &format!("<ns2:paymentRequestId{attributes}>"),
    );
    assert!(
        bomb.len() > 950_000 && bomb.len() < BODY_LIMIT,
        "{}",
        bomb.len()
    );
    let message = hub.soap(SERVICE, bomb).await.assert_fault("INVALID_XML");
    assert_eq!(message, "an element has more than 64 attributes");
    // Many elements of 60 attributes each: at most 10,000 in a message.
    let many = format!("<x{}/>", &attributes[..60 * 7]).repeat(200);
    let message = hub
        .soap(SERVICE, envelope("CheckPaymentRequestStatus", &many))
        .await
        .assert_fault("INVALID_XML");
    assert_eq!(message, "the message has more than 10000 attributes");

    // 50 MB with its length declared: refused before it is read.
    let started = Instant::now();
    let huge = vec![b' '; 50 * 1024 * 1024];
    match hub
        .client(Some(&hub.demo))
        .post(format!("{}{SERVICE}", hub.https))
        .header("content-type", "text/xml; charset=utf-8")
        .body(huge)
        .send()
        .await
    {
        Ok(response) => {
            Answer::read(response).await.assert_fault("BODY_TOO_LARGE");
        }
        // The hub may answer and close while the client is still sending.
        Err(error) => eprintln!("the 50 MB body was cut off: {error}"),
    }
    assert!(started.elapsed() < StdDuration::from_secs(10));

    // 50 MB in chunks, length undeclared: cut off at the limit while reading.
    let started = Instant::now();
    let (status, sent) = chunked_upload(&hub.http, SERVICE, 50 * 1024 * 1024).await;
    assert!(status.contains("500"), "{status}");
    assert!(status.contains("BODY_TOO_LARGE"), "{status}");
    assert!(sent < 50 * 1024 * 1024, "the hub read all {sent} bytes");
    assert!(started.elapsed() < StdDuration::from_secs(10));

    assert_eq!(hub.counts().await, before);
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "P");
    hub.stop().await;
}

/// Streams `total` bytes of whitespace as a chunked body over plain HTTP until
/// the hub answers; returns the answer's head and body, and how much was sent.
async fn chunked_upload(http: &str, path: &str, total: usize) -> (String, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = http.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let sender = tokio::spawn(async move {
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if writer.write_all(&framed).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
        sent
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match tokio::time::timeout(StdDuration::from_secs(10), reader.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buffer[..n]);
                if String::from_utf8_lossy(&answer).contains("</s:Envelope>") {
                    break;
                }
            }
        }
    }
    drop(reader);
    let sent = tokio::time::timeout(StdDuration::from_secs(10), sender)
        .await
        .map(|r| r.unwrap())
        .unwrap_or(total);
    (String::from_utf8_lossy(&answer).into_owned(), sent)
}

async fn the_wsdl_is_the_committed_file_with_the_callers_address(backend: Backend) {
    let hub = Hub::start(backend).await;
    let committed = [
        (
            SERVICE,
            include_str!("../src/soap/PaymentRequestService.wsdl"),
            "https://localhost:8443/v1.0/WCFX509/PaymentRequestService.svc",
        ),
        (
            MM_CERTIFICATE,
            include_str!("../src/soap/MMService.wsdl"),
            "https://localhost:8443/v1.0/MMSOAP/MMService.svc",
        ),
        (
            MM_ROLE,
            include_str!("../src/soap/MMService.wsdl"),
            "https://localhost:8443/v1.0/MMSOAP/MMService.svc",
        ),
        (
            ORIGINAL_SERVICE,
            include_str!("../src/soap/PaymentRequestService.wsdl"),
            "https://localhost:8443/v1.0/WCFX509/PaymentRequestService.svc",
        ),
        (
            ORIGINAL_MM_CERTIFICATE,
            include_str!("../src/soap/MMService.wsdl"),
            "https://localhost:8443/v1.0/MMSOAP/MMService.svc",
        ),
        (
            ORIGINAL_MM_ROLE,
            include_str!("../src/soap/MMService.wsdl"),
            "https://localhost:8443/v1.0/MMSOAP/MMService.svc",
        ),
    ];
    for (path, file, template) in committed {
        for query in ["singleWsdl", "wsdl", "SINGLEWSDL"] {
            // Anyone may read the description; no certificate needed.
            let response = hub
                .client(None)
                .get(format!("{}{path}?{query}", hub.https))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                response.headers()["content-type"],
                "text/xml; charset=utf-8"
            );
            let served = response.text().await.unwrap();
            let expected = file.replace(template, &format!("{}{path}", hub.https));
            assert_eq!(served, expected, "{path}?{query}");
        }
        // A forged Host does not get into the WSDL.
        let response = Client::new()
            .get(format!("{}{path}?singleWsdl", hub.http))
            .header("host", "evil\"><x")
            .send()
            .await
            .unwrap();
        let served = response.text().await.unwrap();
        assert!(served.contains(&format!("location=\"http://localhost{path}\"")));
        // Without the query: a pointer to it.
        let response = hub
            .client(None)
            .get(format!("{}{path}", hub.https))
            .send()
            .await
            .unwrap();
        assert!(response.text().await.unwrap().contains("?singleWsdl"));
    }
    hub.stop().await;
}

/// Every operation at the originals' full paths (a client that only changes
/// the host), with the same roles as the short paths.
async fn the_original_paths_serve_every_operation(backend: Backend) {
    let hub = Hub::start(backend).await;
    let answer = hub.soap(ORIGINAL_SERVICE, php_save_request()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let id = answer.value("PaymentRequestId").unwrap();
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "P");
    for (operation, parameters, result) in [
        (
            "CheckPaymentRequestStatus",
            parameter("paymentRequestId", &id),
            "CheckPaymentRequestStatusResult",
        ),
        (
            "GetPaymentRequests",
            String::new(),
            "PaymentRequestUniqueId",
        ),
        ("GetPayments", String::new(), "PaymentRequestUniqueId"),
        (
            "CheckPaymentStatus",
            parameter("paymentRequestId", &id) + &parameter("position", "53"),
            "CheckPaymentStatusResult",
        ),
        ("CreateInvoice", parameter("id", &id), "CreateInvoiceResult"),
    ] {
        let answer = hub
            .soap(ORIGINAL_SERVICE, envelope(operation, &parameters))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{operation}: {}",
            answer.body
        );
        let value = answer.value(result).unwrap();
        assert!(!value.is_empty(), "{operation}: {}", answer.body);
        if result == "PaymentRequestUniqueId" {
            assert_eq!(value, id);
        }
    }
    for path in [ORIGINAL_MM_CERTIFICATE, ORIGINAL_MM_ROLE] {
        let answer = hub.soap(path, id_envelope("GetInvoice", &id)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        assert_eq!(
            answer.value("ContentType").as_deref(),
            Some("application/pdf")
        );
    }
    // The role variant keeps its role; the certificate variant does not ask.
    let answer = hub
        .soap_as(
            Some(&hub.other),
            ORIGINAL_MM_ROLE,
            id_envelope("GetInvoice", &id),
        )
        .await;
    let message = answer.assert_fault("ROLE_REQUIRED");
    assert!(message.starts_with(ORIGINAL_MM_ROLE), "{message}");
    let answer = hub
        .soap_as(
            Some(&hub.other),
            ORIGINAL_MM_CERTIFICATE,
            id_envelope("GetInvoice", &id),
        )
        .await;
    answer.assert_fault("NOT_FOUND");
    // An operation of the other service is unknown here, as on the short path.
    let answer = hub
        .soap(
            ORIGINAL_MM_CERTIFICATE,
            id_envelope("CancelPaymentRequest", &id),
        )
        .await;
    answer.assert_fault("UNKNOWN_OPERATION");

    let answer = hub
        .soap(ORIGINAL_SERVICE, id_envelope("CancelPaymentRequest", &id))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "C");
    hub.stop().await;
}

/// The certificate as REST's `MM_Cert` carries it: base64 DER.
fn mm_cert(identity: &Identity) -> String {
    identity
        .cert_pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

/// A status envelope with `MM_Cert` in a SOAP header.
fn with_header_certificate(id: &str, certificate: &str) -> String {
    id_envelope("CheckPaymentRequestStatus", id).replace(
        "<SOAP-ENV:Body>",
        &format!(
            "<SOAP-ENV:Header><MM_Cert>{certificate}</MM_Cert></SOAP-ENV:Header><SOAP-ENV:Body>"
        ),
    )
}

async fn plain_soap(hub: &Hub, body: String) -> Answer {
    Answer::read(
        Client::new()
            .post(format!("{}{SERVICE}", hub.http))
            .header("content-type", "text/xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Over plain HTTP, SOAP does what REST does: `TLS_REQUIRED` unless the
/// operator enabled legacy body authentication, and then `MM_Cert` (a SOAP
/// header or a parameter) identifies the caller.
async fn plain_http_takes_mm_cert_only_in_legacy_mode(backend: Backend) {
    // Without legacy mode, MM_Cert in the message changes nothing.
    let hub = Hub::start(backend).await;
    let id = hub.create().await;
    let answer = plain_soap(&hub, with_header_certificate(&id, &mm_cert(&hub.demo))).await;
    let message = answer.assert_fault("TLS_REQUIRED");
    assert!(message.contains("HTTPS"), "{message}");
    hub.stop().await;

    let hub = Hub::start_with(backend, true).await;
    let id = hub.create().await;
    // A SOAP header…
    let answer = plain_soap(&hub, with_header_certificate(&id, &mm_cert(&hub.demo))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.value("CheckPaymentRequestStatusResult").as_deref(),
        Some("P")
    );
    // …or a parameter, and it is that client's view: another client's
    // certificate does not see the request.
    let as_parameter = |identity: &Identity| {
        envelope(
            "CheckPaymentRequestStatus",
            &(parameter("paymentRequestId", &id) + &parameter("MM_Cert", &mm_cert(identity))),
        )
    };
    let answer = plain_soap(&hub, as_parameter(&hub.demo)).await;
    assert_eq!(
        answer.value("CheckPaymentRequestStatusResult").as_deref(),
        Some("P"),
        "{}",
        answer.body
    );
    plain_soap(&hub, as_parameter(&hub.other))
        .await
        .assert_fault("NOT_FOUND");
    // Without it, or with something that is no certificate.
    plain_soap(&hub, id_envelope("CheckPaymentRequestStatus", &id))
        .await
        .assert_fault("CERT_MISSING");
    plain_soap(
        &hub,
        with_header_certificate(&id, "bm90IGEgY2VydGlmaWNhdGU="),
    )
    .await
    .assert_fault("CERT_INVALID");
    // Over TLS, MM_Cert may only repeat the connection's certificate.
    let answer = hub
        .soap(SERVICE, with_header_certificate(&id, &mm_cert(&hub.other)))
        .await;
    answer.assert_fault("CERT_MISMATCH");
    let answer = hub
        .soap(SERVICE, with_header_certificate(&id, &mm_cert(&hub.demo)))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    hub.stop().await;
}

/// A 400 KB value comes back cut to 200 characters, marked as cut.
async fn faults_never_echo_long_values(backend: Backend) {
    let hub = Hub::start(backend).await;
    let step = "S".repeat(400_000);
    let answer = hub
        .soap(
            SERVICE,
            php_save_request().replace(
                ">02Y70</ns1:ServiceStep>",
                &format!(">{step}</ns1:ServiceStep>"),
            ),
        )
        .await;
    let message = answer.assert_fault("UNKNOWN_SERVICE_STEP");
    let expected = format!(
        "ServiceStep: `{}… (cut: 400000 characters)` is not a service step in the catalogue",
        "S".repeat(200)
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(answer.body.len() < 4_000, "{}", answer.body.len());
    // An operation's name is echoed bounded too.
    let long = "Op".repeat(50_000);
    let answer = hub.soap(SERVICE, envelope(&long, "")).await;
    let message = answer.assert_fault("UNKNOWN_OPERATION");
    assert!(message.contains("(cut: 100000 characters)"), "{message}");
    assert!(message.chars().count() < 1_000, "{}", message.len());
    assert_eq!(hub.counts().await, (0, 0));
    hub.stop().await;
}

/// Every operation each service's WSDL offers, through another client's
/// certificate: an id of the first client's answers exactly as an unknown id
/// does, a list holds none of its rows, and nothing changes. The operations are
/// read from the WSDLs the hub serves, so a new one fails here until it has its
/// probe; the owner's answer to the same probe shows the probe reaches the row.
async fn every_operation_is_the_callers_own(backend: Backend) {
    let hub = Hub::start(backend).await;
    let id = hub.create().await;
    let unknown = "3f1c2a47-9d2b-4e8f-8a51-0c6d2e9b7a10";
    let issued = hub
        .soap(SERVICE, envelope("CreateInvoice", &parameter("id", &id)))
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let before = hub.counts().await;
    let mut probed = Vec::new();
    for path in [SERVICE, MM_CERTIFICATE] {
        let wsdl = hub
            .client(Some(&hub.demo))
            .get(format!("{}{path}?wsdl", hub.https))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut operations: Vec<String> = wsdl
            .split("<wsdl:operation name=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_owned))
            .collect();
        operations.sort();
        operations.dedup();
        assert!(!operations.is_empty(), "{path}: no operations in the WSDL");
        for operation in operations {
            let by_id = |request: &str| -> Option<String> {
                match operation.as_str() {
                    "CheckPaymentRequestStatus" | "CancelPaymentRequest" | "GetInvoice" => {
                        Some(parameter("paymentRequestId", request))
                    }
                    "CheckPaymentStatus" => {
                        Some(parameter("paymentRequestId", request) + &parameter("position", "53"))
                    }
                    "CreateInvoice" => Some(parameter("id", request)),
                    "GetPaymentRequests" | "GetPayments" | "SavePaymentRequest" => None,
                    other => panic!("{path}: no cross-client probe for the operation {other}"),
                }
            };
            match (operation.as_str(), by_id(&id)) {
                (_, Some(parameters)) => {
                    let theirs = hub
                        .soap_as(Some(&hub.other), path, envelope(&operation, &parameters))
                        .await;
                    let unknown_id = by_id(unknown).unwrap();
                    let nobodys = hub
                        .soap_as(Some(&hub.other), path, envelope(&operation, &unknown_id))
                        .await;
                    theirs.assert_fault("NOT_FOUND");
                    assert_eq!(theirs.body, nobodys.body, "{path} {operation}");
                    assert_eq!(theirs.status, nobodys.status, "{path} {operation}");
                    if operation != "CancelPaymentRequest" {
                        let owners = hub.soap(path, envelope(&operation, &parameters)).await;
                        assert_eq!(
                            owners.status,
                            StatusCode::OK,
                            "{operation}: {}",
                            owners.body
                        );
                    }
                }
                ("SavePaymentRequest", None) => {}
                (_, None) => {
                    let theirs = hub
                        .soap_as(Some(&hub.other), path, envelope(&operation, ""))
                        .await;
                    assert_eq!(
                        theirs.status,
                        StatusCode::OK,
                        "{operation}: {}",
                        theirs.body
                    );
                    assert!(!theirs.body.contains(&id), "{operation}: {}", theirs.body);
                    let owners = hub.soap(path, envelope(&operation, "")).await;
                    assert!(owners.body.contains(&id), "{operation}: {}", owners.body);
                }
            }
            probed.push(operation);
        }
    }
    for expected in ["CancelPaymentRequest", "GetInvoice", "GetPayments"] {
        assert!(probed.iter().any(|o| o == expected), "{probed:?}");
    }
    assert_eq!(hub.counts().await, before);
    assert_eq!(hub.rest_status(&hub.demo, &id).await, "P");
    hub.stop().await;
}
