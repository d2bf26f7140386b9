//! Issue 11 §1.1, §1.2 and §2.5 end to end, on the real server on port 0, over
//! REST and SOAP (HTTPS with client certificates), against SQLite and
//! PostgreSQL:
//!
//! - hostile dates (multi-byte characters where the parser used to slice,
//!   local times beyond the calendar, a `…Till` at the last representable
//!   instant) and dates outside 2000–2200 are answered with `INVALID_FIELD`
//!   naming the field, in `ExpiryDate`, `InvoiceIssueDate` and the filters,
//!   and change nothing — they used to drop the connection, or be accepted and
//!   break a document later;
//! - a request has its justification document from its creation on: an
//!   unpaid request without `createinvoice` answers its invoice, not 404.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
use maksa_app::admin::Admin;
use maksa_app::clock::SystemClock;
use maksa_app::payment_requests::HubSettings;
use maksa_domain::ids::ClientId;
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, HttpsSettings, Listeners, RunningServer};
use maksa_x509::{DemoPki, generate_demo_pki, parse_mm_cert};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use support::{
    Backend, DatabaseGuard, assert_valid_document_xml, have_tool, open_store, pdf_text, test_issuer,
};

const SERVICE: &str = "/v1.0/WCFX509/PaymentRequestService.svc";
const MM_CERTIFICATE: &str = "/v1.0/MMSOAP/MMService.svc";
const DATA: &str = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint";

/// Each used to panic in the date parser (issue 11 §1.1), or was accepted
/// and could not be printed later (§1.2), or is just outside the range.
const HOSTILE: [&str; 9] = [
    "2030-01-01T10:00:00.12345678é",
    "2030-01-01T10:00+aéb",
    "9999-12-31T23:59:59-18:00",
    "9999-12-31T23:59:59.999999999Z",
    "9999-12-31T22:00:00Z",
    "0000-01-01T00:00:00+18:00",
    "1999-12-31",
    "2201-01-01",
    "2200-12-31T22:00:00Z",
];

/// An answer: `MM-Error` and body.
struct Answer {
    status: u16,
    mm_error: String,
    /// `MM-ErrorMessage`, as bytes may carry it.
    message: String,
    body: String,
}

struct Hub {
    server: Option<RunningServer>,
    https: String,
    pki: DemoPki,
    _database: DatabaseGuard,
}

impl Hub {
    async fn start(backend: Backend) -> Hub {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (store, database) = open_store(backend).await;
        let clock = Arc::new(SystemClock);
        let admin = Admin::new(Arc::clone(&store), clock.clone());
        admin
            .import_catalog(include_str!("../../../demo/catalog.toml"))
            .await
            .unwrap();
        let pki =
            generate_demo_pki(&["localhost".into(), "127.0.0.1".into()], "demo e-service").unwrap();
        let info = parse_mm_cert(&pki.client_cert_pem).unwrap();
        admin
            .register_client(
                ClientId::parse("demo").unwrap(),
                &maksa_server::presented(&info),
                vec!["MM_INVOICE_SERVICE".into()],
                Vec::new(),
            )
            .await
            .unwrap();
        let settings = HubSettings {
            public_base_url: "https://maksa.test".into(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: test_issuer(),
        };
        let state = AppState::assemble(
            store,
            clock,
            settings,
            false,
            1024 * 1024,
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
                http: None,
                https: Some(https),
            },
        )
        .await
        .unwrap();
        Hub {
            https: format!("https://localhost:{}", server.https_addr.unwrap().port()),
            server: Some(server),
            pki,
            _database: database,
        }
    }

    fn client(&self) -> Client {
        let config = maksa_x509::client_config_with_identity(
            &self.pki.ca_cert_pem,
            &self.pki.client_cert_pem,
            &self.pki.client_key_pem,
        )
        .unwrap();
        Client::builder()
            .use_preconfigured_tls(config)
            .build()
            .unwrap()
    }

    /// Any failure to get an answer (a dropped connection) fails the test.
    async fn read(response: Result<reqwest::Response, reqwest::Error>) -> Answer {
        let response = response.expect("an answer, not a dropped connection");
        let mm_error = response
            .headers()
            .get("mm-error")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let message = response
            .headers()
            .get("mm-errormessage")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        Answer {
            status: response.status().as_u16(),
            mm_error,
            message,
            body: response.text().await.unwrap(),
        }
    }

    async fn rest(&self, method: &str, body: &Value) -> Answer {
        let url = format!("{}/api/v1/payments/{method}", self.https);
        Hub::read(self.client().post(url).json(body).send().await).await
    }

    async fn get(&self, path: &str) -> (Answer, Vec<u8>) {
        let url = format!("{}{path}", self.https);
        let response = self.client().get(url).send().await.unwrap();
        let bytes_of = response.status().is_success();
        let mm_error = response
            .headers()
            .get("mm-error")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap().to_vec();
        let body = if bytes_of {
            String::new()
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        (
            Answer {
                status,
                mm_error,
                message: String::new(),
                body,
            },
            bytes,
        )
    }

    async fn soap(&self, path: &str, operation: &str, parameters: &str) -> Answer {
        let envelope = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="{DATA}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="http://tempuri.org/"><SOAP-ENV:Body><ns2:{operation}>{parameters}</ns2:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
        );
        let response = self
            .client()
            .post(format!("{}{path}", self.https))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", format!("\"http://tempuri.org/{operation}\""))
            .body(envelope)
            .send()
            .await;
        Hub::read(response).await
    }

    /// The ids of the caller's requests, through REST.
    async fn request_ids(&self) -> Vec<String> {
        let answer = self.rest("getpaymentrequests", &json!({})).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let list: Vec<Value> = serde_json::from_str(&answer.body).unwrap();
        list.iter()
            .map(|r| r["PaymentRequestUniqueId"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn create(&self, body: &Value) -> String {
        let answer = self.rest("savepaymentrequest", body).await;
        assert_eq!(answer.status, 200, "{} {}", answer.mm_error, answer.body);
        let created: Value = serde_json::from_str(&answer.body).unwrap();
        created["PaymentRequestId"].as_str().unwrap().to_owned()
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// The walk-through's request (004 §2.1.1.1's example, expiry in 2030).
fn example_request() -> Value {
    let text = include_str!("../../../demo/savepaymentrequest.json");
    let mut body: Value = serde_json::from_str(text).unwrap();
    body.as_object_mut().unwrap().remove("MM_Cert");
    body
}

/// 004 §2.2.1's PHP example with an `ExpiryDate`.
fn soap_save_request(expiry: &str) -> String {
    format!(
        r#"<ns2:paymentRequest><ns1:PaymentRequest><ns1:ClientInfo><ns1:ClientCode>31129900000</ns1:ClientCode><ns1:ClientFirstName>Ernests</ns1:ClientFirstName><ns1:ClientName>Paraudziņš</ns1:ClientName></ns1:ClientInfo><ns1:ExpiryDate>{expiry}</ns1:ExpiryDate><ns1:PaymentObject>02Y70 payment</ns1:PaymentObject><ns1:PriceList><ns1:PriceList><ns1:Item>1</ns1:Item><ns1:ItemElementName>Quantity</ns1:ItemElementName><ns1:Position>53</ns1:Position></ns1:PriceList></ns1:PriceList><ns1:ServiceStep>02Y70</ns1:ServiceStep><ns1:SwiftCode>DEMO0000</ns1:SwiftCode></ns1:PaymentRequest></ns2:paymentRequest>"#
    )
}

/// Refused with `INVALID_FIELD` (the code every wire profile keeps; the
/// status is the profile's), the message naming `field`.
fn assert_invalid_field(answer: &Answer, field: &str, what: &str) {
    assert_eq!(
        answer.mm_error, "INVALID_FIELD",
        "{what}: {} {}",
        answer.status, answer.body
    );
    assert_ne!(answer.status, 200, "{what}");
    assert!(
        answer.message.contains(field) || answer.body.contains(field),
        "{what}: the message names the field: {} {}",
        answer.message,
        answer.body
    );
}

/// A SOAP fault carrying `INVALID_FIELD` and naming `field`.
fn assert_invalid_field_fault(answer: &Answer, field: &str, what: &str) {
    assert_invalid_field(answer, field, what);
    assert!(
        answer.body.contains("<Code>INVALID_FIELD</Code>"),
        "{what}: {}",
        answer.body
    );
    assert!(answer.body.contains(field), "{what}: {}", answer.body);
}

on_both_backends!(
    hostile_dates_are_refused_over_rest_and_change_nothing,
    hostile_dates_are_refused_over_soap_and_change_nothing,
    a_request_has_its_document_from_creation,
);

async fn hostile_dates_are_refused_over_rest_and_change_nothing(backend: Backend) {
    let hub = Hub::start(backend).await;
    for text in HOSTILE {
        for field in ["ExpiryDate", "InvoiceIssueDate"] {
            let mut body = example_request();
            body["PaymentsDataStructure"]["PaymentRequest"][field] = json!(text);
            let answer = hub.rest("savepaymentrequest", &body).await;
            assert_invalid_field(&answer, field, &format!("{field} {text}"));
        }
        for (method, field) in [
            ("getpaymentrequests", "CreatedDateFrom"),
            ("getpaymentrequests", "CreatedDateTill"),
            ("getpaymentrequests", "ExpirationDateTill"),
            ("getpayments", "PaymentDateFrom"),
            ("getpayments", "PaymentDateTill"),
        ] {
            let answer = hub.rest(method, &json!({ field: text })).await;
            assert_invalid_field(&answer, field, &format!("{method} {field} {text}"));
        }
    }
    assert!(hub.request_ids().await.is_empty(), "nothing was stored");

    // The ends of the range are accepted, and the documents of such a
    // request can be printed (an XML date with a four-digit year).
    let mut body = example_request();
    body["PaymentsDataStructure"]["PaymentRequest"]["ExpiryDate"] = json!("2200-12-31");
    body["PaymentsDataStructure"]["PaymentRequest"]["InvoiceIssueDate"] = json!("2000-01-01");
    let id = hub.create(&body).await;
    let (answer, xml) = hub.get(&format!("/Invoices/Xml/{id}")).await;
    assert_eq!(answer.status, 200, "{} {}", answer.mm_error, answer.body);
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains(">2000-01-01<"), "{xml}");
    assert!(xml.contains("2200-12-31"), "{xml}");
    for (field, text) in [
        ("CreatedDateFrom", "2000-01-01T00:00:00Z"),
        ("CreatedDateTill", "2200-12-31T21:59:59.999999999Z"),
    ] {
        let answer = hub
            .rest("getpaymentrequests", &json!({ field: text }))
            .await;
        assert_eq!(answer.status, 200, "{field} {text}: {}", answer.body);
        let list: Vec<Value> = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(list.len(), 1, "{field} {text}");
    }
    hub.stop().await;
}

async fn hostile_dates_are_refused_over_soap_and_change_nothing(backend: Backend) {
    let hub = Hub::start(backend).await;
    for text in HOSTILE {
        let answer = hub
            .soap(SERVICE, "SavePaymentRequest", &soap_save_request(text))
            .await;
        assert_invalid_field_fault(&answer, "ExpiryDate", &format!("ExpiryDate {text}"));
        for (operation, parameter, field) in [
            ("GetPaymentRequests", "createdDateTill", "CreatedDateTill"),
            ("GetPayments", "paymentDateFrom", "PaymentDateFrom"),
        ] {
            let answer = hub
                .soap(
                    SERVICE,
                    operation,
                    &format!("<ns2:{parameter}>{text}</ns2:{parameter}>"),
                )
                .await;
            assert_invalid_field_fault(&answer, field, &format!("{operation} {text}"));
        }
    }
    assert!(hub.request_ids().await.is_empty(), "nothing was stored");
    // The same envelope with a date in range is taken.
    let answer = hub
        .soap(
            SERVICE,
            "SavePaymentRequest",
            &soap_save_request("2200-12-31T21:59:59Z"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(hub.request_ids().await.len(), 1);
    hub.stop().await;
}

/// 004 §2.1, §2.2: the document can be requested at any moment after the
/// request is created. Before payment it is the request's unpaid invoice,
/// issued once on the first download, whichever door asks.
async fn a_request_has_its_document_from_creation(backend: Backend) {
    if !have_tool("pdftotext") || !have_tool("xmllint") {
        return;
    }
    let hub = Hub::start(backend).await;
    let id = hub.create(&example_request()).await;

    // Several first downloads at once: one invoice, version 1, whoever wins.
    let mut downloads = Vec::new();
    for _ in 0..4 {
        let (client, url) = (hub.client(), format!("{}/Invoices/Pdf/{id}", hub.https));
        downloads.push(tokio::spawn(async move {
            let response = client.get(url).send().await.unwrap();
            (response.status().as_u16(), response.bytes().await.unwrap())
        }));
    }
    let mut pdfs = Vec::new();
    for download in downloads {
        let (status, pdf) = download.await.unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
        pdfs.push(pdf);
    }
    assert!(
        pdfs.iter().all(|pdf| *pdf == pdfs[0]),
        "every download serves the one invoice"
    );
    let text = pdf_text(&pdfs[0]);
    for expected in ["Rēķins", "Nav apmaksāts", "Ernests"] {
        assert!(text.contains(expected), "`{expected}` not in: {text}");
    }
    let (answer, xml) = hub.get(&format!("/Invoices/Xml/{id}")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_valid_document_xml(&xml);
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains("<Kind>invoice</Kind>"), "{xml}");
    assert!(xml.contains("<Version>1</Version>"), "{xml}");

    // Over SOAP, for a request created over SOAP and never downloaded.
    let answer = hub
        .soap(
            SERVICE,
            "SavePaymentRequest",
            &soap_save_request("2031-02-15"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let soap_id = hub
        .request_ids()
        .await
        .into_iter()
        .find(|other| *other != id)
        .unwrap();
    let answer = hub
        .soap(
            MM_CERTIFICATE,
            "GetInvoice",
            &format!(
                "<ns2:paymentRequestId>{soap_id}</ns2:paymentRequestId><ns2:xmlFormat>true</ns2:xmlFormat>"
            ),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("text/xml"), "{}", answer.body);
    let data = element_text(&answer.body, "Data").unwrap();
    use base64::Engine;
    let xml = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert_valid_document_xml(&xml);
    assert!(
        String::from_utf8(xml)
            .unwrap()
            .contains("<Kind>invoice</Kind>")
    );

    // Whatever the status: a cancelled request has its document too.
    let answer = hub
        .rest(
            "cancelpaymentrequest",
            &json!({ "PaymentRequestId": soap_id }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (answer, pdf) = hub.get(&format!("/Invoices/Pdf/{soap_id}")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(pdf.starts_with(b"%PDF-"));
    hub.stop().await;
}

/// The text of the first element named `name`, whatever its prefix.
fn element_text<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.match_indices(&format!("{name}>")).find_map(|(at, _)| {
        let before = body.get(..at)?;
        if !(before.ends_with('<') || before.ends_with(':')) || before.ends_with("</") {
            return None;
        }
        let after = body.get(at + name.len() + 1..)?;
        after.split('<').next()
    })
}
