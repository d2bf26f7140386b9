//! The IVIS door end to end (seeds 001 and 003): the real server on port 0
//! with an HTTPS listener that takes client certificates (the door) and a
//! plain one (the payer's pages and the demo bank), SOAP 1.2 envelopes
//! written from the guideline, the payer paying through the payment page,
//! and the answer the hub then POSTs to the e-service's `ResponseEndPoint`
//! caught by a local listener. Every scenario runs on SQLite and PostgreSQL.
//!
//! xmllint must be installed: the schema checks fail without it.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use maksa_app::admin::Admin;
use maksa_app::clock::SystemClock;
use maksa_app::notifications::{RetrySchedule, body_signature_header};
use maksa_app::payment_requests::HubSettings;
use maksa_app::providers::Connectors;
use maksa_app::store::{NotificationKind, NotificationState, PayerMessageKind};
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::CreationRules;
use maksa_outbound::{OutboundClient, OutboundPolicy};
use maksa_providers::{DemoBank, DemoKeys};
use maksa_server::{AppState, HttpsSettings, Listeners, PageSettings, PayerOptions};
use maksa_x509::{DemoPki, generate_demo_pki, issue_client_cert, parse_mm_cert};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;
use support::payer_hub::{Browser, Hub, decide, to_the_bank};
use support::{Answer, Backend, open_store};
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PATH: &str = "/IVIS/RequestWebService.svc";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const WSA: &str = "http://www.w3.org/2005/08/addressing";
const SERVICE: &str = "http://ivis.eps.gov.lv/ISS/RequestServiss/v1-0";
const MESSAGES: &str = "http://ivis.eps.gov.lv/XMLSchemas/100001/IVIS/v1-0";
const SERVICE_DATA: &str = "http://ivis.eps.gov.lv/XMLSchemas/100001/IVISService/v1-0";
const DESTINATION: &str = "URN:IVIS:100001:ISS-EPS-EPAKPaymentSync-v2-0";
const DATA_TYPE: &str = "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-IVISServiceData";
const DATA_EX_TYPE: &str = "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-IVISServiceDataEx";
const PAYMENT_INFO_TYPE: &str = "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-PaymentInfo";
const ESERVICE: &str = "URN:IVIS:100001:EP-TEST01-v1-0";
const PAYER: &str = "010101-10006";
const INITIATOR: &str = "161175-19997";
/// `maksa serve`'s default body limit: the IVIS door's own (4 MB, the
/// guideline's) must hold whatever the node's general limit is.
const BODY_LIMIT: usize = 1024 * 1024;
const FOUR_MB: usize = 4 * 1024 * 1024;

/// The guideline's error codes, numbers and names as it spells them (the
/// `ErrorCode` of an `IVISResponse` carries the name).
const CODES: [&str; 23] = [
    "MessageIdNotSpecified",
    "CorrelationIdNotSpecified",
    "CorrelationIdNotFound",
    "TransactionIdIncorrect",
    "TransactionNotStarted",
    "SenderIncorrect",
    "CorrelationIDNotFound",
    "DestinationIsNull",
    "DestinationIncorrectType",
    "DestinationNotFound",
    "DestinationNotIntegrationService",
    "DestinationWrongServiceCallingType",
    "DestinationUserRightToLow",
    "DestinationIncorrectAddress",
    "DestinationIncorrectTestAddress",
    "MessageTypeNotSet",
    "BodyNotSet",
    "BodyIncorrect",
    "BodyToBig",
    "URNTypeIsIncorect",
    "MessageTypeIncorrect",
    "BodyWrongFormat",
    "MessageTypeNotFound",
];

fn code_name(number: usize) -> &'static str {
    CODES[number - 1]
}

// ── Reading answers ──────────────────────────────────────────────────────────

/// The text of the first `<tag>` (any prefix) in `body`.
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

/// Every `<tag>`'s text, in order.
fn values(body: &str, tag: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(v) = value(rest, tag) {
        found.push(v);
        let open = rest.find(&format!("{tag}>")).unwrap();
        rest = &rest[open + tag.len() + 1..];
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

/// The part of `body` from `<tag` to its end (the first one).
fn element<'a>(body: &'a str, tag: &str) -> &'a str {
    let start = body
        .find(&format!("<{tag} "))
        .or_else(|| body.find(&format!("<{tag}>")))
        .unwrap_or_else(|| panic!("no <{tag}> in {body}"));
    let close = format!("</{tag}>");
    let end = body.rfind(&close).unwrap_or_else(|| panic!("no {close}"));
    &body[start..end + close.len()]
}

/// The operation element inside `s:Body`.
fn soap_body(envelope: &str) -> &str {
    let start = envelope.find("<s:Body>").unwrap() + "<s:Body>".len();
    let end = envelope.rfind("</s:Body>").unwrap();
    &envelope[start..end]
}

/// Validates the operation element (a `Submit`, a `…Response`) against
/// `docs/schemas/ivis-request-service.xsd` with xmllint, which must be
/// installed: without it the test fails.
fn assert_valid(operation_element: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, operation_element).unwrap();
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas/ivis-request-service.xsd");
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("xmllint must be installed for these tests (libxml2-utils)");
    assert!(
        output.status.success(),
        "not valid by {}: {}\n{operation_element}",
        schema.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An `IVISResponse` that refused the call with guideline code `number`.
fn assert_refused(answer: &Answer, operation: &str, number: usize) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.content_type.starts_with("application/soap+xml"),
        "{}",
        answer.content_type
    );
    assert!(
        answer
            .body
            .contains(&format!("<{operation}Response xmlns=\"{SERVICE}\">")),
        "expected a {operation}Response: {}",
        answer.body
    );
    assert_eq!(
        value(&answer.body, "Result").as_deref(),
        Some("failure"),
        "expected code {number}: {}",
        answer.body
    );
    assert_eq!(
        values(&answer.body, "ErrorCode"),
        vec![code_name(number)],
        "expected code {number}: {}",
        answer.body
    );
    assert!(
        value(&answer.body, "PaymentRequestStatus").is_none(),
        "{}",
        answer.body
    );
    assert_valid(soap_body(&answer.body));
}

/// A SOAP 1.2 fault with `code` (`Sender`, `VersionMismatch`); answers its reason.
fn assert_fault(answer: &Answer, code: &str) -> String {
    let status = if code == "Sender" {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(
        answer.content_type.starts_with("application/soap+xml"),
        "a SOAP 1.2 fault, not `{}`: {}",
        answer.content_type,
        answer.body
    );
    assert!(
        answer
            .body
            .starts_with(&format!("<s:Envelope xmlns:s=\"{SOAP12}\"")),
        "{}",
        answer.body
    );
    assert_eq!(
        value(&answer.body, "Value").as_deref(),
        Some(format!("s:{code}").as_str()),
        "{}",
        answer.body
    );
    value(&answer.body, "Text").unwrap()
}

/// A Sender fault naming guideline code `number` (operations without an
/// `IVISResponse`, and messages that could not be read at all).
fn assert_fault_code(answer: &Answer, number: usize) {
    let reason = assert_fault(answer, "Sender");
    assert!(
        reason.starts_with(&format!("{number} {} ", code_name(number))),
        "expected code {number}: {reason}"
    );
}

fn assert_success(answer: &Answer, operation: &str) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.content_type, "application/soap+xml; charset=utf-8");
    let open = format!("<{operation}Response xmlns=\"{SERVICE}\"");
    assert!(
        answer.body.contains(&format!("{open}>")) || answer.body.contains(&format!("{open}/>")),
        "{}",
        answer.body
    );
    assert_valid(soap_body(&answer.body));
}

// ── Writing calls ────────────────────────────────────────────────────────────

fn envelope(operation: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="{SOAP12}" xmlns:a="{WSA}"><s:Header><a:Action s:mustUnderstand="1">{SERVICE}/{operation}</a:Action><a:MessageID>urn:uuid:{}</a:MessageID><a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">https://maksa.example{PATH}</a:To></s:Header><s:Body><{operation} xmlns="{SERVICE}">{inner}</{operation}></s:Body></s:Envelope>"#,
        uuid::Uuid::new_v4()
    )
}

fn start_transaction(eservice: &str) -> String {
    envelope(
        "StartTransaction",
        &format!("<eServiceID>{eservice}</eServiceID>"),
    )
}

fn end_transaction(transaction: &str) -> String {
    envelope(
        "EndTransaction",
        &format!("<transactionID>{transaction}</transactionID>"),
    )
}

/// `GetStatus`, `Poll` or `Dispose` about `correlation`.
fn about(operation: &str, correlation: &str) -> String {
    envelope(
        operation,
        &format!("<CorrelationID>{correlation}</CorrelationID>"),
    )
}

fn optional(name: &str, value: &Option<String>) -> String {
    value
        .as_ref()
        .map(|v| format!("<{name}>{v}</{name}>"))
        .unwrap_or_default()
}

/// A `Submit` / `SubmitSync` as the guideline's e-services write one
/// (tests/ivis_examples/), each part variable.
#[derive(Clone)]
struct Submission {
    operation: &'static str,
    message_id: Option<String>,
    message_type: Option<String>,
    transaction_id: Option<String>,
    correlation_id: Option<String>,
    destination: Option<String>,
    test: bool,
    milestone_id: Option<String>,
    response_endpoint: Option<String>,
    next_milestone_id: Option<String>,
    /// `IVISServiceDataEx` (a migrated e-service) with this `Initiator`.
    initiator: Option<String>,
    extended: bool,
    eservice_id: String,
    receiver: Option<String>,
    notification: Option<String>,
    /// `ClientInfo` with this `ClientCode` (and an e-mail), or none.
    client_code: Option<String>,
    service_step: String,
    expiry: String,
    response_url: String,
    /// Replaces everything inside `IVISRequest/Body`.
    body: Option<String>,
    /// Whitespace inside the Body, to make the message this much larger.
    padding: usize,
}

impl Submission {
    /// Scenario 1: SubmitSync, the payer named in ClientInfo.
    fn sync(hub: &IvisHub, endpoint: &str) -> Submission {
        Submission {
            operation: "SubmitSync",
            message_id: Some(uuid::Uuid::new_v4().to_string()),
            message_type: Some(DATA_TYPE.into()),
            transaction_id: None,
            correlation_id: None,
            destination: Some(DESTINATION.into()),
            test: false,
            milestone_id: Some("PAY".into()),
            response_endpoint: Some(endpoint.into()),
            next_milestone_id: Some("AFTERPAY".into()),
            initiator: None,
            extended: false,
            eservice_id: ESERVICE.into(),
            receiver: None,
            notification: None,
            client_code: Some(PAYER.into()),
            service_step: "00001".into(),
            expiry: "2099-01-01T00:00:00+02:00".into(),
            response_url: format!("{}/health?id=", hub.hub.base),
            body: None,
            padding: 0,
        }
    }

    /// Scenario 2: Submit for the payer with this personal code (`Receiver`),
    /// no ClientInfo, the e-mail in `Notification`.
    fn asynchronous(hub: &IvisHub, endpoint: &str, receiver: &str) -> Submission {
        Submission {
            operation: "Submit",
            receiver: Some(receiver.into()),
            notification: Some("janis.berzins@example.lv".into()),
            client_code: None,
            ..Submission::sync(hub, endpoint)
        }
    }

    /// The migrated e-services' body (`IVISServiceDataEx`) with an `Initiator`.
    fn migrated(mut self, initiator: &str) -> Submission {
        self.extended = true;
        self.message_type = Some(DATA_EX_TYPE.into());
        self.initiator = Some(initiator.into());
        self
    }

    fn service_data(&self) -> String {
        let client_info = self
            .client_code
            .as_ref()
            .map(|code| {
                format!(
                    "<ClientInfo><ClientName>Bērziņš</ClientName><ClientFirstName>Jānis</ClientFirstName><ClientCode>{code}</ClientCode><ClientEMail>janis.berzins@example.lv</ClientEMail></ClientInfo>"
                )
            })
            .unwrap_or_default();
        let request = format!(
            "<PaymentRequest><ServiceStep>{}</ServiceStep><PriceList><PriceListStructure><Position>1</Position><Item>2</Item><ItemElementName>Quantity</ItemElementName></PriceListStructure><PriceListStructure><Position>2</Position><Item>0.54</Item><ItemElementName>Amount</ItemElementName></PriceListStructure></PriceList>{client_info}<ResponseURL>{}</ResponseURL><ExpiryDate>{}</ExpiryDate><AllowedBanks><SwiftCode>DEMO0000</SwiftCode></AllowedBanks></PaymentRequest>",
            self.service_step, self.response_url, self.expiry
        );
        let receiver = optional(
            "Receiver",
            &self.receiver.as_ref().map(|c| format!("<Code>{c}</Code>")),
        );
        let notification = optional(
            "Notification",
            &self
                .notification
                .as_ref()
                .map(|e| format!("<EMail>{e}</EMail>")),
        );
        let initiator = optional(
            "Initiator",
            &self.initiator.as_ref().map(|c| {
                format!("<Code>{c}</Code><FirstName>Anna</FirstName><LastName>Kalniņa</LastName>")
            }),
        );
        let root = if self.extended {
            "IVISServiceDataEx"
        } else {
            "IVISServiceData"
        };
        format!(
            "<{root} xmlns=\"{SERVICE_DATA}\"><ServiceInstanceID>EP-TEST01-2026-000042</ServiceInstanceID><EServiceID>{}</EServiceID>{receiver}{notification}<PaymentInfo><PaymentRequestList>{request}</PaymentRequestList></PaymentInfo>{initiator}</{root}>",
            self.eservice_id
        )
    }

    fn xml(&self) -> String {
        let header = [
            optional("MessageID", &self.message_id),
            optional("MessageType", &self.message_type),
            optional("TransactionID", &self.transaction_id),
            optional("CorrelationID", &self.correlation_id),
            optional("Destination", &self.destination),
            format!("<Test>{}</Test>", self.test),
            optional("MilestoneID", &self.milestone_id),
            optional("ResponseEndPoint", &self.response_endpoint),
            optional("NextMilestoneID", &self.next_milestone_id),
        ]
        .concat();
        let body = self.body.clone().unwrap_or_else(|| self.service_data());
        envelope(
            self.operation,
            &format!(
                "<IVISRequest xmlns=\"{MESSAGES}\"><Header>{header}</Header><Body>{body}{}</Body></IVISRequest>",
                " ".repeat(self.padding)
            ),
        )
    }
}

// ── The ResponseEndPoint ─────────────────────────────────────────────────────

/// One request the endpoint received.
#[derive(Clone, Debug)]
struct Received {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP server standing in for the e-services' endpoints: records
/// every request whole and answers 200, or the statuses scripted for a path.
struct Sink {
    port: u16,
    seen: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<HashMap<String, VecDeque<u16>>>>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Sink {
    async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(HashMap::<String, VecDeque<u16>>::new()));
        let (seen2, script2) = (Arc::clone(&seen), Arc::clone(&script));
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (seen, script) = (Arc::clone(&seen2), Arc::clone(&script2));
                tokio::spawn(async move {
                    let mut data = Vec::new();
                    let mut buffer = vec![0u8; 16 * 1024];
                    let received = loop {
                        let Ok(n) = socket.read(&mut buffer).await else {
                            return;
                        };
                        data.extend_from_slice(&buffer[..n]);
                        if let Some(end) = find(&data, b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&data[..end]).into_owned();
                            let mut lines = head.split("\r\n");
                            let mut first = lines.next().unwrap_or_default().split(' ');
                            let method = first.next().unwrap_or_default().to_owned();
                            let target = first.next().unwrap_or_default().to_owned();
                            let headers: Vec<(String, String)> = lines
                                .filter_map(|l| l.split_once(':'))
                                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                                .collect();
                            let length = headers
                                .iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                                .and_then(|(_, v)| v.parse::<usize>().ok())
                                .unwrap_or(0);
                            if data.len() >= end + 4 + length {
                                break Received {
                                    method,
                                    target,
                                    headers,
                                    body: String::from_utf8_lossy(&data[end + 4..end + 4 + length])
                                        .into_owned(),
                                };
                            }
                        }
                        if n == 0 {
                            return;
                        }
                    };
                    let path = received.target.clone();
                    seen.lock().unwrap().push(received);
                    let code = script
                        .lock()
                        .unwrap()
                        .get_mut(&path)
                        .and_then(VecDeque::pop_front)
                        .unwrap_or(200);
                    let answer = format!(
                        "HTTP/1.1 {code} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Sink { port, seen, script }
    }

    /// A new endpoint address on this sink.
    fn endpoint(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/ivis/{name}", self.port)
    }

    /// What was posted to `endpoint`.
    fn at(&self, endpoint: &str) -> Vec<Received> {
        let path = endpoint
            .strip_prefix(&format!("http://127.0.0.1:{}", self.port))
            .unwrap();
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.target == path)
            .cloned()
            .collect()
    }

    /// `endpoint` answers these statuses first, then 200.
    fn answer_first(&self, endpoint: &str, statuses: &[u16]) {
        let path = endpoint
            .strip_prefix(&format!("http://127.0.0.1:{}", self.port))
            .unwrap()
            .to_owned();
        self.script
            .lock()
            .unwrap()
            .insert(path, statuses.iter().copied().collect());
    }
}

/// Waits (a minute at most) until `probe` answers something.
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..600 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("still waiting for {what} after a minute");
}

// ── The hub ──────────────────────────────────────────────────────────────────

struct Identity {
    cert_pem: String,
    key_pem: String,
}

struct IvisHub {
    /// The plain side (pages, REST with MM_Cert) as the payer tests use it.
    hub: Hub,
    https: String,
    pki: DemoPki,
    /// Client `demo`, any service.
    demo: Identity,
    /// Client `other`, its certificate registered for DEMO-DOCUMENTS only.
    other: Identity,
    sink: Sink,
    /// `demo`'s notification secrets.
    secrets: Vec<String>,
}

/// The demo catalogue with the hub's own address among the demo client's
/// origins, and a contract for a second client.
fn catalog(base: &str) -> String {
    let demo = include_str!("../../../demo/catalog.toml").replace(
        "  \"http://localhost:8080\",\n]",
        &format!("  \"http://localhost:8080\",\n  \"{base}\",\n]"),
    );
    format!(
        "{demo}\n[[contract]]\nclient = \"other\"\nservices = [\"*\"]\nproviders = [\"DEMO0000\"]\norigins = [\"{base}\"]\n"
    )
}

impl IvisHub {
    async fn start(backend: Backend) -> IvisHub {
        IvisHub::start_with(backend, true).await
    }

    async fn start_with(backend: Backend, test_messages: bool) -> IvisHub {
        IvisHub::start_limited(backend, test_messages, None).await
    }

    async fn start_limited(
        backend: Backend,
        test_messages: bool,
        rate_limits: Option<maksa_server::RateLimitSettings>,
    ) -> IvisHub {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sink = Sink::start().await;
        let (store, database) = open_store(backend).await;
        let clock = Arc::new(SystemClock);
        let pki =
            generate_demo_pki(&["localhost".into(), "127.0.0.1".into()], "demo e-service").unwrap();
        let bound = maksa_server::bind(Listeners {
            http: Some("127.0.0.1:0".parse().unwrap()),
            https: Some(HttpsSettings {
                listen: "127.0.0.1:0".parse().unwrap(),
                certificate_pem: pki.server_cert_pem.clone(),
                private_key_pem: pki.server_key_pem.clone(),
                client_ca_pems: vec![pki.ca_cert_pem.clone()],
            }),
        })
        .await
        .unwrap();
        let http = bound.http_addr().unwrap();
        let base = format!("http://{http}");
        let https = format!("https://localhost:{}", bound.https_addr().unwrap().port());
        let admin = Admin::new(Arc::clone(&store), clock.clone());
        admin.import_catalog(&catalog(&base)).await.unwrap();
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
        for (client, identity, services) in [
            ("demo", &demo, Vec::new()),
            ("other", &other, vec!["DEMO-DOCUMENTS".to_owned()]),
        ] {
            let info = parse_mm_cert(&identity.cert_pem).unwrap();
            admin
                .register_client(
                    ClientId::parse(client).unwrap(),
                    &maksa_server::presented(&info),
                    Vec::new(),
                    services,
                )
                .await
                .unwrap();
        }
        let demo_id = ClientId::parse("demo").unwrap();
        admin.ensure_notification_secret(&demo_id).await.unwrap();
        let secrets = admin.notification_secrets(&demo_id).await.unwrap();
        assert!(!secrets.is_empty());

        let keys_dir = tempfile::tempdir().unwrap();
        let keys = DemoKeys::load_or_create(keys_dir.path()).unwrap();
        let bank = DemoBank::new(
            DemoKeys::load_or_create(keys_dir.path()).unwrap(),
            format!("{base}/demo-bank"),
            base.clone(),
        );
        let mut connectors = Connectors::new();
        connectors.register(bank.connector());
        let settings = HubSettings {
            public_base_url: base.clone(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: maksa_domain::document::Party {
                name: "maksa test hub".into(),
                code: Some("90000036859".into()),
                address: None,
            },
        };
        let state = AppState::assemble(
            Arc::clone(&store),
            clock,
            settings,
            true,
            BODY_LIMIT,
            PayerOptions {
                connectors: connectors.clone(),
                pages: PageSettings {
                    return_redirect_seconds: 3,
                },
                mounts: vec![("/demo-bank".to_owned(), bank.router())],
                // The e-services' endpoints are on loopback here.
                outbound: Some(Arc::new(OutboundClient::new(
                    OutboundPolicy::allow_loopback()
                        .allow_port(sink.port)
                        .allow_port(http.port()),
                ))),
                retry_schedule: RetrySchedule::parse("1s*30").unwrap(),
                ivis_test_messages: test_messages,
                rate_limits,
                ..PayerOptions::default()
            },
        )
        .await
        .unwrap();
        let cards = Arc::clone(&state.cards);
        let server = maksa_server::serve(state, bound).unwrap();
        IvisHub {
            hub: Hub {
                _server: server,
                cards,
                connectors,
                base,
                store,
                mm_cert: maksa_x509::mm_cert_value(&pki.client_cert_pem).unwrap(),
                keys,
                _database: database,
            },
            https,
            pki,
            demo,
            other,
            sink,
            secrets,
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

    async fn post_as(&self, identity: Option<&Identity>, body: String) -> Answer {
        let response = self
            .client(identity)
            .post(format!("{}{PATH}", self.https))
            .header("content-type", "application/soap+xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    /// A call by the demo e-service.
    async fn call(&self, body: String) -> Answer {
        self.post_as(Some(&self.demo), body).await
    }

    async fn start_transaction(&self) -> String {
        let answer = self.call(start_transaction(ESERVICE)).await;
        assert_success(&answer, "StartTransaction");
        let transaction = value(&answer.body, "StartTransactionResult").unwrap();
        let uuid = transaction
            .strip_prefix("URN:IVIS:100001:TR-")
            .unwrap_or_else(|| panic!("{transaction}"));
        uuid::Uuid::parse_str(uuid).unwrap();
        transaction
    }

    /// Submits; answers the whole answer after checking it succeeded.
    async fn submit(&self, submission: &Submission) -> Answer {
        let answer = self.call(submission.xml()).await;
        assert_success(&answer, submission.operation);
        assert_eq!(
            value(&answer.body, "Result").as_deref(),
            Some("success"),
            "{}",
            answer.body
        );
        answer
    }

    /// How many requests `demo` has, through REST.
    async fn count(&self) -> usize {
        let list: Vec<Value> =
            serde_json::from_str(&self.hub.api("getpaymentrequests", json!({})).await).unwrap();
        list.len()
    }

    async fn rest_status(&self, id: &str) -> String {
        self.hub.status(id).await
    }

    /// The payer pays request `id` on the payment page with the demo bank.
    async fn pay(&self, id: &str) {
        let mut browser = Browser::new();
        let bank = to_the_bank(&self.hub, &mut browser, id).await;
        let page = decide(&self.hub, &mut browser, &bank, "approve").await;
        assert_eq!(page.state(), "paid", "{}", page.html);
        assert_eq!(self.rest_status(id).await, "E");
    }

    /// The one message posted to `endpoint`, once it arrives.
    async fn posted(&self, endpoint: &str) -> Received {
        let received = eventually("the ResponseEndPoint message", || async {
            let seen = self.sink.at(endpoint);
            (!seen.is_empty()).then_some(seen)
        })
        .await;
        received[0].clone()
    }

    /// The IVIS notification of request `id`, once it is delivered.
    async fn delivered(
        &self,
        id: &str,
    ) -> (
        maksa_app::store::Notification,
        Vec<maksa_app::store::DeliveryAttempt>,
    ) {
        let id = PaymentRequestId::parse(id).unwrap();
        let client = ClientId::parse("demo").unwrap();
        eventually("the IVIS notification to be delivered", || {
            let store = Arc::clone(&self.hub.store);
            let client = client.clone();
            async move {
                store
                    .notification_log(&client, id)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|(n, _)| {
                        n.kind == NotificationKind::Ivis && n.state == NotificationState::Delivered
                    })
            }
        })
        .await
    }
}

/// What the submission answered: the request's id and the correlation id.
fn submitted(hub: &IvisHub, answer: &Answer) -> (String, String) {
    let id = value(&answer.body, "PaymentRequestID").unwrap();
    PaymentRequestId::parse(&id).unwrap();
    assert_eq!(
        value(&answer.body, "PaymentRequestUrl").unwrap(),
        format!("{}/Payments/?id={id}", hub.hub.base)
    );
    assert_eq!(value(&answer.body, "Status").as_deref(), Some("P"));
    // 2 × 3.00 + 0.54
    assert_eq!(value(&answer.body, "Amount").as_deref(), Some("6.54"));
    assert_eq!(value(&answer.body, "Currency").as_deref(), Some("EUR"));
    let correlation = value(&answer.body, "CorrelationID").unwrap();
    uuid::Uuid::parse_str(&correlation).unwrap();
    (id, correlation)
}

/// The message posted to the ResponseEndPoint: a SOAP 1.2 `Submit` answering
/// the submission `original` (its MessageID and NextMilestoneID), signed
/// with the client's secret, valid by the schema.
fn check_posted(
    hub: &IvisHub,
    received: &Received,
    endpoint: &str,
    original: &Submission,
    id: &str,
    status: &str,
) {
    assert_eq!(received.method, "POST");
    assert_eq!(
        received.header("content-type"),
        Some(
            "application/soap+xml; charset=utf-8; action=\"http://ivis.eps.gov.lv/ISS/RequestServiss/v1-0/Submit\""
        )
    );
    let event = received.header("mm-event-id").unwrap();
    uuid::Uuid::parse_str(event).unwrap();
    // MM-Signature: t=<unix>,v1=<hex HMAC-SHA256 over "<t>.POST.<url>.<body>">.
    let signature = received.header("mm-signature").unwrap();
    let t: i64 = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    let expected = body_signature_header(
        &hub.secrets,
        OffsetDateTime::from_unix_timestamp(t).unwrap(),
        endpoint,
        &received.body,
    );
    assert_eq!(signature, expected);
    assert!(
        signature.contains(",v1=") && signature.len() == expected.len(),
        "{signature}"
    );
    let body = &received.body;
    assert!(
        body.starts_with(&format!("<s:Envelope xmlns:s=\"{SOAP12}\"")),
        "{body}"
    );
    assert_eq!(
        value(body, "Action").unwrap(),
        format!("{SERVICE}/Submit"),
        "{body}"
    );
    assert_eq!(value(body, "To").as_deref(), Some(endpoint));
    let request = element(body, "IVISRequest");
    assert_eq!(
        value(request, "MessageID").as_deref(),
        Some(event),
        "the message's id is the event's"
    );
    assert_eq!(
        value(request, "MessageType").as_deref(),
        Some(PAYMENT_INFO_TYPE)
    );
    assert_eq!(
        value(request, "CorrelationID"),
        original.message_id,
        "{request}"
    );
    assert_eq!(value(request, "TransactionID"), original.transaction_id);
    assert_eq!(value(request, "Destination").as_deref(), Some(endpoint));
    assert_eq!(
        value(request, "MilestoneID"),
        original.next_milestone_id,
        "{request}"
    );
    assert_eq!(
        value(request, "Test").as_deref(),
        Some(if original.test { "true" } else { "false" })
    );
    assert_eq!(values(request, "PaymentRequestID"), vec![id]);
    assert_eq!(values(request, "Status"), vec![status]);
    assert_eq!(value(request, "Amount").as_deref(), Some("6.54"));
    assert_eq!(
        value(request, "PaymentRequestUrl").unwrap(),
        format!("{}/Payments/?id={id}", hub.hub.base)
    );
    if status == "E" {
        assert!(value(request, "PaymentDate").is_some(), "{request}");
        assert_eq!(value(request, "ProviderCode").as_deref(), Some("DEMO0000"));
    }
    assert_valid(soap_body(body));
}

on_both_backends!(
    scenario_1_synchronous,
    scenario_2_asynchronous_with_the_payers_workspace,
    scenarios_3_and_4_migrated_e_services,
    cancellation_and_expiry_are_answered_too,
    a_failed_delivery_is_retried,
    every_guideline_code_is_reachable_over_the_wire,
    only_registered_certificates_over_tls_are_served,
    hostile_and_foreign_envelopes_are_faults,
    messages_up_to_four_megabytes_are_read,
    the_wsdl_names_the_address_it_was_asked_at,
    test_messages_are_refused_where_the_node_takes_none,
    transactions_and_messages_belong_to_their_client,
    a_client_over_its_limit_gets_a_fault_with_retry_after,
);

/// The per-client limits of docs/rate-limits.md on the IVIS door: past its
/// burst a client's next `StartTransaction` is a Sender fault with `429`
/// and `MM-Error: RATE_LIMITED`, counted in `/metrics`; another client keeps
/// its own bucket.
async fn a_client_over_its_limit_gets_a_fault_with_retry_after(backend: Backend) {
    let tight = |burst| maksa_server::Rate {
        count: 1,
        per: std::time::Duration::from_secs(3600),
        burst,
    };
    let hub = IvisHub::start_limited(
        backend,
        true,
        Some(maksa_server::RateLimitSettings {
            create: tight(2),
            query: tight(2),
            ..maksa_server::RateLimitSettings::default()
        }),
    )
    .await;
    hub.start_transaction().await;
    hub.start_transaction().await;
    let refused = hub.call(start_transaction(ESERVICE)).await;
    assert_eq!(refused.status.as_u16(), 429, "{}", refused.body);
    assert_eq!(refused.mm_error, "RATE_LIMITED");
    assert!(refused.content_type.starts_with("application/soap+xml"));
    assert_eq!(value(&refused.body, "Value").as_deref(), Some("s:Sender"));
    let reason = value(&refused.body, "Text").unwrap();
    assert!(reason.starts_with("RATE_LIMITED: "), "{reason}");
    // Another client has its own bucket.
    let other = hub
        .post_as(Some(&hub.other), start_transaction(ESERVICE))
        .await;
    assert_success(&other, "StartTransaction");
    // The metrics answer on the TLS listener (plain HTTP is the payers').
    let metrics = hub
        .client(None)
        .get(format!("{}/metrics", hub.https))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("maksa_rate_limited_total{door=\"ivis\",method=\"StartTransaction\"} 1"),
        "{metrics}"
    );
}

/// Seed 001, scenario 1: StartTransaction, SubmitSync, the payer pays on the
/// payment page, the hub answers the ResponseEndPoint, EndTransaction.
async fn scenario_1_synchronous(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let transaction = hub.start_transaction().await;
    let endpoint = hub.sink.endpoint("after-payment");
    let submission = Submission {
        transaction_id: Some(transaction.clone()),
        ..Submission::sync(&hub, &endpoint)
    };
    let xml = submission.xml();
    let answer = hub.call(xml.clone()).await;
    assert_success(&answer, "SubmitSync");
    // WS-Addressing: the answer's action and the call it relates to.
    assert_eq!(
        value(&answer.body, "Action").unwrap(),
        format!("{SERVICE}/SubmitSyncResponse")
    );
    assert_eq!(
        value(&answer.body, "RelatesTo"),
        value(&xml, "MessageID"),
        "{}",
        answer.body
    );
    assert_eq!(value(&answer.body, "Result").as_deref(), Some("success"));
    assert_eq!(
        value(&answer.body, "TransactionID").as_deref(),
        Some(transaction.as_str())
    );
    assert_eq!(
        value(&answer.body, "MessageType").as_deref(),
        Some(PAYMENT_INFO_TYPE)
    );
    // A synchronous call is not polled.
    assert_eq!(value(&answer.body, "PollInterval"), None);
    let (id, _) = submitted(&hub, &answer);
    assert_eq!(hub.rest_status(&id).await, "P");
    // Nothing is posted before the payment is final.
    assert!(hub.sink.at(&endpoint).is_empty());
    // The PaymentRequestUrl is the payment page.
    let mut browser = Browser::new();
    let page = browser
        .get(&value(&answer.body, "PaymentRequestUrl").unwrap())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.state(), "choose-provider", "{}", page.html);

    hub.pay(&id).await;
    let received = hub.posted(&endpoint).await;
    check_posted(&hub, &received, &endpoint, &submission, &id, "E");
    let (notification, attempts) = hub.delivered(&id).await;
    assert_eq!(notification.url, endpoint);
    assert_eq!(
        received.header("mm-event-id").unwrap(),
        notification.id.to_string()
    );
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].http_status, Some(200));
    assert_eq!(hub.sink.at(&endpoint).len(), 1);

    let answer = hub.call(end_transaction(&transaction)).await;
    assert_success(&answer, "EndTransaction");
    let again = hub.call(end_transaction(&transaction)).await;
    assert_fault_code(&again, 5);
}

/// Seed 001 scenario 2 and seed 003: Submit for a payer (Receiver), poll,
/// the payer finds and pays it, Poll has the answer, Dispose.
async fn scenario_2_asynchronous_with_the_payers_workspace(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("kdv");
    let submission = Submission::asynchronous(&hub, &endpoint, PAYER);
    let answer = hub.submit(&submission).await;
    assert!(answer.body.contains(&format!(
        "<SubmitResponse xmlns=\"{SERVICE}\"><IVISResponse xmlns=\"{MESSAGES}\">"
    )));
    let (id, correlation) = submitted(&hub, &answer);
    let poll_interval: u32 = value(&answer.body, "PollInterval")
        .unwrap()
        .parse()
        .unwrap();
    assert!(poll_interval > 0);
    assert_eq!(hub.count().await, 1);

    // The same MessageID again: the first answer, nothing new.
    let repeated = hub.submit(&submission).await;
    assert_eq!(
        submitted(&hub, &repeated),
        (id.clone(), correlation.clone())
    );
    assert_eq!(hub.count().await, 1);

    // Registered for the Receiver's personal code, with the e-mail to tell them.
    let registered = hub
        .hub
        .store
        .requests_for_payer(&ClientCode::parse(PAYER).unwrap(), 100)
        .await
        .unwrap();
    assert_eq!(
        registered
            .iter()
            .map(|r| r.id.to_string())
            .collect::<Vec<_>>(),
        vec![id.clone()]
    );
    let messages = hub
        .hub
        .store
        .payer_messages(PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].kind, PayerMessageKind::Registered);
    assert_eq!(messages[0].recipient, "janis.berzins@example.lv");
    // ClientInfo's ClientCode and ClientEMail serve as well.
    let with_client_info = Submission {
        message_id: Some(uuid::Uuid::new_v4().to_string()),
        receiver: None,
        notification: None,
        client_code: Some(INITIATOR.into()),
        ..submission.clone()
    };
    let (other_id, _) = submitted(&hub, &hub.submit(&with_client_info).await);
    let messages = hub
        .hub
        .store
        .payer_messages(PaymentRequestId::parse(&other_id).unwrap())
        .await
        .unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].kind, PayerMessageKind::Registered);
    assert_eq!(messages[0].recipient, "janis.berzins@example.lv");
    assert_eq!(
        hub.hub
            .store
            .requests_for_payer(&ClientCode::parse(INITIATOR).unwrap(), 100)
            .await
            .unwrap()
            .len(),
        1
    );

    // GetStatus: where it stands; Poll: pending, without a body.
    let status = hub.call(about("GetStatus", &correlation)).await;
    assert_success(&status, "GetStatus");
    assert_eq!(value(&status.body, "Result").as_deref(), Some("pending"));
    assert_eq!(value(&status.body, "Status").as_deref(), Some("P"));
    assert_eq!(
        value(&status.body, "CorrelationID").as_deref(),
        Some(correlation.as_str())
    );
    let poll = hub.call(about("Poll", &correlation)).await;
    assert_success(&poll, "Poll");
    assert_eq!(value(&poll.body, "Result").as_deref(), Some("pending"));
    assert!(value(&poll.body, "PollInterval").is_some());
    assert_eq!(
        value(&poll.body, "PaymentRequestStatus"),
        None,
        "{}",
        poll.body
    );

    hub.pay(&id).await;
    let poll = hub.call(about("Poll", &correlation)).await;
    assert_success(&poll, "Poll");
    assert_eq!(value(&poll.body, "Result").as_deref(), Some("success"));
    assert_eq!(value(&poll.body, "Status").as_deref(), Some("E"));
    assert_eq!(
        value(&poll.body, "PaymentRequestID").as_deref(),
        Some(id.as_str())
    );
    let received = hub.posted(&endpoint).await;
    check_posted(&hub, &received, &endpoint, &submission, &id, "E");

    let disposed = hub.call(about("Dispose", &correlation)).await;
    assert_success(&disposed, "Dispose");
    assert_eq!(value(&disposed.body, "Result").as_deref(), Some("success"));
    for operation in ["GetStatus", "Poll", "Dispose"] {
        assert_refused(
            &hub.call(about(operation, &correlation)).await,
            operation,
            7,
        );
    }
}

/// Seed 001 scenarios 3 and 4: the migrated e-services' IVISServiceDataEx
/// with an Initiator; the asynchronous one is registered for the Initiator.
async fn scenarios_3_and_4_migrated_e_services(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    // 3: synchronous.
    let endpoint = hub.sink.endpoint("migrated-sync");
    let transaction = hub.start_transaction().await;
    let submission = Submission {
        transaction_id: Some(transaction.clone()),
        client_code: Some(INITIATOR.into()),
        ..Submission::sync(&hub, &endpoint).migrated(INITIATOR)
    };
    let answer = hub.submit(&submission).await;
    let (id, _) = submitted(&hub, &answer);
    assert_eq!(value(&answer.body, "PollInterval"), None);
    hub.pay(&id).await;
    let received = hub.posted(&endpoint).await;
    check_posted(&hub, &received, &endpoint, &submission, &id, "E");
    assert_success(
        &hub.call(end_transaction(&transaction)).await,
        "EndTransaction",
    );

    // 4: asynchronous, no Receiver and no ClientCode: the Initiator pays.
    let endpoint = hub.sink.endpoint("migrated-kdv");
    let submission = Submission {
        receiver: None,
        notification: None,
        ..Submission::asynchronous(&hub, &endpoint, PAYER).migrated(INITIATOR)
    };
    let answer = hub.submit(&submission).await;
    let (id, correlation) = submitted(&hub, &answer);
    assert!(value(&answer.body, "PollInterval").is_some());
    let registered: Vec<String> = hub
        .hub
        .store
        .requests_for_payer(&ClientCode::parse(INITIATOR).unwrap(), 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert!(registered.contains(&id), "{registered:?}");
    // No e-mail address was given: nothing to send.
    assert!(
        hub.hub
            .store
            .payer_messages(PaymentRequestId::parse(&id).unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        hub.hub
            .store
            .requests_for_payer(&ClientCode::parse(PAYER).unwrap(), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let poll = hub.call(about("Poll", &correlation)).await;
    assert_eq!(value(&poll.body, "Result").as_deref(), Some("pending"));
    hub.pay(&id).await;
    let poll = hub.call(about("Poll", &correlation)).await;
    assert_success(&poll, "Poll");
    assert_eq!(value(&poll.body, "Result").as_deref(), Some("success"));
    assert_eq!(value(&poll.body, "Status").as_deref(), Some("E"));
    let received = hub.posted(&endpoint).await;
    check_posted(&hub, &received, &endpoint, &submission, &id, "E");
}

/// Not only payments are final: a cancellation (over REST) and an expiry
/// (by the lifecycle worker) are answered to the ResponseEndPoint as well.
async fn cancellation_and_expiry_are_answered_too(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("cancelled");
    let submission = Submission::asynchronous(&hub, &endpoint, PAYER);
    let (id, correlation) = submitted(&hub, &hub.submit(&submission).await);
    hub.hub
        .api("cancelpaymentrequest", json!({ "PaymentRequestId": id }))
        .await;
    assert_eq!(hub.rest_status(&id).await, "C");
    let received = hub.posted(&endpoint).await;
    check_posted(&hub, &received, &endpoint, &submission, &id, "C");
    let poll = hub.call(about("Poll", &correlation)).await;
    assert_eq!(value(&poll.body, "Result").as_deref(), Some("success"));
    assert_eq!(value(&poll.body, "Status").as_deref(), Some("C"));

    // Expiring a few seconds from now; the worker expires it.
    let endpoint = hub.sink.endpoint("expired");
    let at = OffsetDateTime::now_utc() + Duration::seconds(3);
    let submission = Submission {
        expiry: format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        ),
        ..Submission::sync(&hub, &endpoint)
    };
    let (id, _) = submitted(&hub, &hub.submit(&submission).await);
    let received = hub.posted(&endpoint).await;
    assert_eq!(hub.rest_status(&id).await, "R");
    check_posted(&hub, &received, &endpoint, &submission, &id, "R");
}

/// An endpoint that fails first gets the message again on the schedule; the
/// delivery log shows both attempts.
async fn a_failed_delivery_is_retried(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("flaky");
    hub.sink.answer_first(&endpoint, &[500]);
    let submission = Submission::asynchronous(&hub, &endpoint, PAYER);
    let (id, _) = submitted(&hub, &hub.submit(&submission).await);
    hub.hub
        .api("cancelpaymentrequest", json!({ "PaymentRequestId": id }))
        .await;
    let (notification, attempts) = hub.delivered(&id).await;
    assert_eq!(
        attempts.iter().map(|a| a.http_status).collect::<Vec<_>>(),
        vec![Some(500), Some(200)]
    );
    assert!(attempts[0].error.is_some());
    assert_eq!(attempts[1].error, None);
    let seen = hub.sink.at(&endpoint);
    assert_eq!(seen.len(), 2);
    for received in &seen {
        check_posted(&hub, received, &endpoint, &submission, &id, "C");
        assert_eq!(
            received.header("mm-event-id").unwrap(),
            notification.id.to_string()
        );
    }
    // The same log over REST.
    let log: Value = serde_json::from_str(
        &hub.hub
            .api("getnotifications", json!({ "PaymentRequestId": id }))
            .await,
    )
    .unwrap();
    let ivis: Vec<&Value> = log["Notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["Url"] == json!(endpoint))
        .collect();
    assert_eq!(ivis.len(), 1, "{log}");
    assert_eq!(ivis[0]["Kind"], "IVIS");
    assert_eq!(ivis[0]["State"], "delivered");
    assert_eq!(ivis[0]["Status"], "C");
    assert_eq!(
        ivis[0]["Attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["HttpStatus"].clone())
            .collect::<Vec<_>>(),
        vec![json!(500), json!(200)]
    );
}

/// Each of the guideline's codes, caused over the wire; none of the refused
/// submissions creates anything.
async fn every_guideline_code_is_reachable_over_the_wire(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("codes");
    let base = Submission::sync(&hub, &endpoint);
    let unknown = uuid::Uuid::new_v4().to_string();
    // Each call a new message: a MessageID seen before is answered with the
    // first answer, whatever the message.
    let refused = |mut submission: Submission, number: usize| {
        let hub = &hub;
        if submission.message_id.is_some() {
            submission.message_id = Some(uuid::Uuid::new_v4().to_string());
        }
        async move {
            let operation = submission.operation;
            let answer = hub.call(submission.xml()).await;
            assert_refused(&answer, operation, number);
            answer
        }
    };

    // 1: no MessageID.
    refused(
        Submission {
            message_id: None,
            ..base.clone()
        },
        1,
    )
    .await;
    // 2: GetStatus without a CorrelationID.
    assert_refused(&hub.call(envelope("GetStatus", "")).await, "GetStatus", 2);
    // 3: a Submit following an exchange that never was.
    refused(
        Submission {
            correlation_id: Some(unknown.clone()),
            ..base.clone()
        },
        3,
    )
    .await;
    // 4: a transaction StartTransaction never gave.
    refused(
        Submission {
            transaction_id: Some("URN:IVIS:100001:EP-TEST01-v1-0-TR-861".into()),
            ..base.clone()
        },
        4,
    )
    .await;
    // 5: a transaction that has ended (EndTransaction answers it as a fault).
    let ended = hub.start_transaction().await;
    assert_success(&hub.call(end_transaction(&ended)).await, "EndTransaction");
    refused(
        Submission {
            transaction_id: Some(ended.clone()),
            ..base.clone()
        },
        5,
    )
    .await;
    assert_fault_code(&hub.call(end_transaction(&ended)).await, 5);
    // 6: the transaction was started for another e-service.
    let open = hub.start_transaction().await;
    refused(
        Submission {
            transaction_id: Some(open.clone()),
            eservice_id: "URN:IVIS:100001:EP-OTHER-v1-0".into(),
            ..base.clone()
        },
        6,
    )
    .await;
    // 7: GetStatus about nothing, and about another client's submission.
    assert_refused(
        &hub.call(about("GetStatus", &unknown)).await,
        "GetStatus",
        7,
    );
    let async_endpoint = hub.sink.endpoint("codes-async");
    let (_, correlation) = submitted(
        &hub,
        &hub.submit(&Submission::asynchronous(&hub, &async_endpoint, PAYER))
            .await,
    );
    for operation in ["GetStatus", "Poll", "Dispose"] {
        assert_refused(
            &hub.post_as(Some(&hub.other), about(operation, &correlation))
                .await,
            operation,
            7,
        );
    }
    // Still there for its owner.
    assert_eq!(
        value(
            &hub.call(about("GetStatus", &correlation)).await.body,
            "Result"
        )
        .as_deref(),
        Some("pending")
    );
    // 8: no Destination.
    refused(
        Submission {
            destination: None,
            ..base.clone()
        },
        8,
    )
    .await;
    // 9: a Destination that is not a URN, and no ResponseEndPoint at all.
    refused(
        Submission {
            destination: Some("https://maksa.example/pay".into()),
            ..base.clone()
        },
        9,
    )
    .await;
    refused(
        Submission {
            response_endpoint: None,
            ..base.clone()
        },
        9,
    )
    .await;
    // 10: a Destination not served here.
    refused(
        Submission {
            destination: Some("URN:IVIS:100001:ISS-EPS-SomethingElse-v1-0".into()),
            ..base.clone()
        },
        10,
    )
    .await;
    // 11: the request service itself is no integration service.
    refused(
        Submission {
            destination: Some("URN:IVIS:100001:ISS-EPS-RequestWebService-v1-5".into()),
            ..base.clone()
        },
        11,
    )
    .await;
    // 12: GetStatus and Poll about a synchronous submission.
    let (_, sync_correlation) = submitted(&hub, &hub.submit(&base).await);
    for operation in ["GetStatus", "Poll"] {
        assert_refused(
            &hub.call(about(operation, &sync_correlation)).await,
            operation,
            12,
        );
    }
    let before = hub.count().await;
    // 13: a certificate registered for other services only.
    let answer = hub
        .post_as(
            Some(&hub.other),
            Submission {
                message_id: Some(uuid::Uuid::new_v4().to_string()),
                ..base.clone()
            }
            .xml(),
        )
        .await;
    assert_refused(&answer, "SubmitSync", 13);
    // 14: a ResponseEndPoint the hub cannot deliver to (an IVIS service name).
    refused(
        Submission {
            response_endpoint: Some("URN:IVIS:100001:EP-TEST01-v1-0-STEP-AFTERPAY".into()),
            ..base.clone()
        },
        14,
    )
    .await;
    // 15: see test_messages_are_refused_where_the_node_takes_none.
    // 16: a Body without a MessageType.
    refused(
        Submission {
            message_type: None,
            ..base.clone()
        },
        16,
    )
    .await;
    // 17: a MessageType without a Body.
    refused(
        Submission {
            body: Some(String::new()),
            ..base.clone()
        },
        17,
    )
    .await;
    // 18: a Body of two elements.
    refused(
        Submission {
            body: Some(format!("{0}{0}", base.service_data())),
            ..base.clone()
        },
        18,
    )
    .await;
    // 19: last, below.
    // 20: the MessageType names another type than the Body's.
    refused(
        Submission {
            message_type: Some(DATA_EX_TYPE.into()),
            ..base.clone()
        },
        20,
    )
    .await;
    // 21: a MessageType that is not a URN:IVIS.
    refused(
        Submission {
            message_type: Some("IVISServiceData".into()),
            ..base.clone()
        },
        21,
    )
    .await;
    // 22: against the schema (a MilestoneID over 15 characters), and against
    // the payment rules (an unknown service step, an expiry in the past).
    refused(
        Submission {
            milestone_id: Some("SIXTEEN-CHARS-16".into()),
            ..base.clone()
        },
        22,
    )
    .await;
    refused(
        Submission {
            service_step: "99999".into(),
            ..base.clone()
        },
        22,
    )
    .await;
    refused(
        Submission {
            expiry: "2001-01-01".into(),
            ..base.clone()
        },
        22,
    )
    .await;
    // 23: a URN:IVIS MessageType of no known schema.
    refused(
        Submission {
            message_type: Some("URN:IVIS:100001:XSD-IVIS-Other-v1-0-TYPE-Thing".into()),
            ..base.clone()
        },
        23,
    )
    .await;
    assert_eq!(
        hub.count().await,
        before,
        "a refused call created a request"
    );
    // Nothing was answered to any endpoint: nothing became final.
    assert!(hub.sink.at(&endpoint).is_empty());
    // 19: more than 4 MB (a fault: the message is not read at all).
    let big = Submission {
        padding: FOUR_MB,
        ..base
    };
    assert_fault_code(&hub.call(big.xml()).await, 19);
    assert_eq!(hub.count().await, before);
}

/// The certificate of the connection is the only credential.
async fn only_registered_certificates_over_tls_are_served(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("tls");
    let submission = Submission::sync(&hub, &endpoint);
    // Plain HTTP, even with a well-formed call.
    let response = Client::new()
        .post(format!("{}{PATH}", hub.hub.base))
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(submission.xml())
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response).await;
    let reason = assert_fault(&answer, "Sender");
    assert!(reason.contains("TLS_REQUIRED"), "{reason}");
    assert_eq!(answer.mm_error, "TLS_REQUIRED");
    // TLS without a certificate.
    let answer = hub.post_as(None, submission.xml()).await;
    assert_fault(&answer, "Sender");
    assert!(!answer.mm_error.is_empty());
    // A certificate of the same CA that was never registered.
    let now = OffsetDateTime::now_utc();
    let (cert_pem, key_pem) = issue_client_cert(
        &hub.pki.ca_cert_pem,
        &hub.pki.ca_key_pem,
        "unknown e-service",
        now - Duration::days(1),
        now + Duration::days(30),
    )
    .unwrap();
    let stranger = Identity { cert_pem, key_pem };
    let answer = hub.post_as(Some(&stranger), submission.xml()).await;
    assert_fault(&answer, "Sender");
    assert!(!answer.mm_error.is_empty());
    let answer = hub
        .post_as(Some(&stranger), start_transaction(ESERVICE))
        .await;
    assert_fault(&answer, "Sender");
    assert_eq!(hub.count().await, 0);
    // The registered one is served.
    hub.submit(&submission).await;
    assert_eq!(hub.count().await, 1);
}

/// DTDs and entities are refused as the Sender's fault; a SOAP 1.1 envelope
/// gets VersionMismatch.
async fn hostile_and_foreign_envelopes_are_faults(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("hostile");
    let xml = Submission::sync(&hub, &endpoint).xml();
    let body = xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    // An internal entity standing in for the step.
    let entity = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY step \"00001\">]>{}",
        body.replace("<ServiceStep>00001<", "<ServiceStep>&step;<")
    );
    let reason = assert_fault(&hub.call(entity).await, "Sender");
    assert!(!reason.is_empty());
    // Billion laughs.
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for level in 1..10 {
        let refs = format!("&lol{};", level - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{level} \"{refs}\">"));
    }
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [{dtd}]>{}",
        body.replace("<ServiceStep>00001<", "<ServiceStep>&lol9;<")
    );
    assert_fault(&hub.call(laughs).await, "Sender");
    // An external entity.
    let external = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY ext SYSTEM \"file:///etc/passwd\">]>{}",
        body.replace("<ServiceStep>00001<", "<ServiceStep>&ext;<")
    );
    assert_fault(&hub.call(external).await, "Sender");
    // Not XML at all.
    assert_fault(&hub.call("<s:Envelope".into()).await, "Sender");
    assert_eq!(hub.count().await, 0);

    // SOAP 1.1.
    let soap11 = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"{SOAP11}\"><soap:Body><StartTransaction xmlns=\"{SERVICE}\"><eServiceID>{ESERVICE}</eServiceID></StartTransaction></soap:Body></soap:Envelope>"
    );
    let response = hub
        .client(Some(&hub.demo))
        .post(format!("{}{PATH}", hub.https))
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", format!("\"{SERVICE}/StartTransaction\""))
        .body(soap11)
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response).await;
    assert_fault(&answer, "VersionMismatch");
    assert!(
        answer.body.contains(&format!(
            "<s:Upgrade><s:SupportedEnvelope qname=\"v:Envelope\" xmlns:v=\"{SOAP12}\"/></s:Upgrade>"
        )),
        "{}",
        answer.body
    );
}

/// The guideline's limit is 4 MB: a message of 1.5 MB — above the node's
/// general body limit — is an IVIS message like any other, and one above
/// 4 MB is answered with code 19 in a SOAP 1.2 fault.
async fn messages_up_to_four_megabytes_are_read(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("large");
    let large = Submission {
        padding: BODY_LIMIT + BODY_LIMIT / 2,
        ..Submission::sync(&hub, &endpoint)
    };
    assert!(large.xml().len() < FOUR_MB);
    let answer = hub.call(large.xml()).await;
    assert_success(&answer, "SubmitSync");
    assert_eq!(value(&answer.body, "Result").as_deref(), Some("success"));
    assert_eq!(hub.count().await, 1);

    let too_large = Submission {
        padding: FOUR_MB,
        ..Submission::sync(&hub, &endpoint)
    };
    assert_fault_code(&hub.call(too_large.xml()).await, 19);
    assert_eq!(hub.count().await, 1);
}

/// `GET ?wsdl`: the committed WSDL with the address it was asked at; no
/// certificate needed to read it.
async fn the_wsdl_names_the_address_it_was_asked_at(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let address = format!("{}{PATH}", hub.https);
    for query in ["wsdl", "singleWsdl", "WSDL"] {
        let response = hub
            .client(None)
            .get(format!("{address}?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/xml; charset=utf-8"
        );
        let served = response.text().await.unwrap();
        assert_eq!(
            served,
            include_str!("../src/ivis/RequestWebService.wsdl").replace("{{address}}", &address)
        );
        assert!(
            served.contains(&format!("<soap12:address location=\"{address}\"/>")),
            "{served}"
        );
        assert!(!served.contains("{{address}}"));
    }
    // Without the query: a pointer to it.
    let pointer = hub
        .client(None)
        .get(&address)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pointer.contains(&format!("{PATH}?wsdl")), "{pointer}");
}

/// Code 15: a node that takes no test messages refuses `Test` = true and
/// creates nothing; the same message without the mark is taken.
async fn test_messages_are_refused_where_the_node_takes_none(backend: Backend) {
    let hub = IvisHub::start_with(backend, false).await;
    let endpoint = hub.sink.endpoint("production");
    let submission = Submission {
        test: true,
        ..Submission::sync(&hub, &endpoint)
    };
    assert_refused(&hub.call(submission.xml()).await, "SubmitSync", 15);
    let asynchronous = Submission {
        test: true,
        ..Submission::asynchronous(&hub, &endpoint, PAYER)
    };
    assert_refused(&hub.call(asynchronous.xml()).await, "Submit", 15);
    assert_eq!(hub.count().await, 0);
    hub.submit(&Submission {
        test: false,
        ..submission
    })
    .await;
    assert_eq!(hub.count().await, 1);

    // The sandbox takes them, and says so in what it answers.
    let sandbox = IvisHub::start(backend).await;
    let endpoint = sandbox.sink.endpoint("sandbox");
    let submission = Submission {
        test: true,
        ..Submission::sync(&sandbox, &endpoint)
    };
    let (id, _) = submitted(&sandbox, &sandbox.submit(&submission).await);
    sandbox.pay(&id).await;
    let received = sandbox.posted(&endpoint).await;
    check_posted(&sandbox, &received, &endpoint, &submission, &id, "E");
}

/// A client's transactions, MessageIDs and correlations are its own; a
/// StartTransaction for what is not a URN:IVIS gets the empty identifier; a
/// Submit may follow an earlier exchange of the same client.
async fn transactions_and_messages_belong_to_their_client(backend: Backend) {
    let hub = IvisHub::start(backend).await;
    let endpoint = hub.sink.endpoint("own");
    let answer = hub.call(start_transaction("EP-TEST01")).await;
    assert_success(&answer, "StartTransaction");
    assert_eq!(
        value(&answer.body, "StartTransactionResult").as_deref(),
        Some("")
    );

    let transaction = hub.start_transaction().await;
    let submission = Submission {
        transaction_id: Some(transaction.clone()),
        ..Submission::asynchronous(&hub, &endpoint, PAYER)
    };
    let (id, correlation) = submitted(&hub, &hub.submit(&submission).await);
    // Another client's transaction is not one StartTransaction gave it.
    let theirs = Submission {
        message_id: Some(uuid::Uuid::new_v4().to_string()),
        ..submission.clone()
    };
    assert_refused(
        &hub.post_as(Some(&hub.other), theirs.xml()).await,
        "Submit",
        4,
    );
    assert_fault_code(
        &hub.post_as(Some(&hub.other), end_transaction(&transaction))
            .await,
        4,
    );
    assert_fault_code(
        &hub.call(end_transaction("URN:IVIS:100001:TR-unknown"))
            .await,
        4,
    );
    // The same MessageID from another client is another message: it is not
    // answered with this client's submission (the other's certificate may
    // not create requests for this service at all).
    let same_id = Submission {
        transaction_id: None,
        ..submission.clone()
    };
    let answer = hub.post_as(Some(&hub.other), same_id.xml()).await;
    assert!(!answer.body.contains(&correlation), "{}", answer.body);
    assert!(!answer.body.contains(&id), "{}", answer.body);
    assert_refused(&answer, "Submit", 13);
    // Following an earlier exchange of one's own is allowed.
    let follow_up = Submission {
        message_id: Some(uuid::Uuid::new_v4().to_string()),
        correlation_id: Some(correlation.clone()),
        ..submission.clone()
    };
    let (next, next_correlation) = submitted(&hub, &hub.submit(&follow_up).await);
    assert_ne!(next, id);
    assert_ne!(next_correlation, correlation);
    assert_eq!(hub.count().await, 2);
    assert_success(
        &hub.call(end_transaction(&transaction)).await,
        "EndTransaction",
    );
}
