//! The IVIS door's reader and writer: the example envelopes
//! (`crates/server/tests/ivis_examples/`), every code the reader raises,
//! hostile XML, SOAP faults, and every message the writer produces checked
//! against our schemas with xmllint (which must be installed: the tests fail
//! without it).
#![allow(clippy::unwrap_used)]

use crate::ivis::codes::{IvisErrorCode, IvisFault, SoapFaultCode};
use crate::ivis::read::*;
use crate::ivis::write::*;
use crate::soap::xml;
use maksa_domain::money::{Amount, Currency};
use maksa_domain::status::Status;
use std::path::{Path, PathBuf};
use time::macros::datetime;

const SUBMIT: &str = include_str!("../../tests/ivis_examples/submit.xml");
const SUBMIT_SYNC: &str = include_str!("../../tests/ivis_examples/submit_sync.xml");
const SUBMIT_EX: &str = include_str!("../../tests/ivis_examples/submit_ex.xml");

fn read(text: &str) -> Result<IvisCall, ReadError> {
    read_call(text.as_bytes())
}

fn request(call: &IvisCall) -> &IvisRequest {
    match &call.operation {
        IvisOperation::Submit(request) | IvisOperation::SubmitSync(request) => request,
        other => panic!("not a submission: {other:?}"),
    }
}

fn rejected(text: &str) -> IvisRejection {
    match read(text) {
        Err(ReadError::Ivis(rejection)) => *rejection,
        other => panic!("expected an IVIS rejection, got {other:?}"),
    }
}

fn code(text: &str) -> IvisErrorCode {
    rejected(text).fault.code
}

fn soap(text: &str) -> SoapFault {
    match read(text) {
        Err(ReadError::Soap(fault)) => *fault,
        other => panic!("expected a SOAP fault, got {other:?}"),
    }
}

/// `SUBMIT` with `from` replaced by `to` (which must occur).
fn submit_with(from: &str, to: &str) -> String {
    assert!(SUBMIT.contains(from), "{from}");
    SUBMIT.replacen(from, to, 1)
}

/// A SOAP 1.2 envelope around `body`, with `action` when given.
fn envelope_of(action: Option<&str>, body: &str) -> String {
    let action = action
        .map(|a| format!("<a:Action s:mustUnderstand=\"1\">{a}</a:Action>"))
        .unwrap_or_default();
    format!(
        "<s:Envelope xmlns:s=\"{SOAP12}\" xmlns:a=\"{WSA}\"><s:Header>{action}<a:MessageID>urn:uuid:1</a:MessageID></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
}

#[test]
fn reads_the_asynchronous_submit_example() {
    let call = read(SUBMIT).unwrap();
    assert_eq!(call.name(), OperationName::Submit);
    assert_eq!(
        call.addressing,
        Addressing {
            action: Some(format!("{SERVICE}/Submit")),
            message_id: Some("urn:uuid:6d1f0c2e-3b7a-4f1e-9a51-0c2b8f6e4a10".into()),
            to: Some("https://maksa.example/IVIS/RequestWebService.svc".into()),
            reply_to: Some(WSA_ANONYMOUS.into()),
        }
    );
    let request = request(&call);
    assert_eq!(
        request.header,
        IvisHeader {
            message_id: "3f2b9c4e-8d51-4a7b-b0e3-5c6d7e8f9a01".into(),
            message_type: MESSAGE_TYPE_DATA.into(),
            transaction_id: Some("URN:IVIS:100001:EP-TEST01-v1-0-TR-861".into()),
            correlation_id: Some("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".into()),
            destination: PAYMENT_DESTINATION.into(),
            test: true,
            milestone_id: Some("PAY".into()),
            response_endpoint: Some("URN:IVIS:100001:EP-TEST01-v1-0-STEP-AFTERPAY".into()),
            next_milestone_id: Some("AFTERPAY".into()),
            initiator: None,
        }
    );
    let data = &request.data;
    assert!(!data.extended);
    assert_eq!(data.service_instance_id, "EP-TEST01-2026-000042");
    assert_eq!(data.eservice_id, "URN:IVIS:100001:EP-TEST01-v1-0");
    assert_eq!(data.receiver.as_deref(), Some("010101-10006"));
    assert_eq!(
        data.notification_email.as_deref(),
        Some("janis.berzins@example.lv")
    );
    assert_eq!(data.initiator, None);
    assert_eq!(data.payment_requests.len(), 1);
    let payment = &data.payment_requests[0];
    assert_eq!(payment.service_step.as_deref(), Some("00001"));
    assert_eq!(payment.price_list.len(), 2);
    assert_eq!(payment.price_list[1].position.as_deref(), Some("2"));
    assert_eq!(payment.price_list[1].item.as_deref(), Some("0.54"));
    assert_eq!(
        payment.price_list[1].item_element_name.as_deref(),
        Some("Amount")
    );
    assert_eq!(payment.allowed_banks, ["DEMO0000", "HABALV22"]);
    assert_eq!(payment.expiry_date.as_deref(), Some("2026-12-31"));
    let client = payment.client_info.as_ref().unwrap();
    assert_eq!(client.client_code.as_deref(), Some("010101-10006"));
    assert_eq!(client.client_name.as_deref(), Some("Bērziņš"));
}

#[test]
fn reads_the_synchronous_and_migrated_examples() {
    let call = read(SUBMIT_SYNC).unwrap();
    assert_eq!(call.name(), OperationName::SubmitSync);
    let sync = request(&call);
    assert!(!sync.header.test);
    assert_eq!(sync.header.correlation_id, None);
    assert_eq!(sync.data.receiver, None);

    let call = read(SUBMIT_EX).unwrap();
    assert_eq!(call.name(), OperationName::SubmitSync);
    let ex = request(&call);
    assert!(ex.data.extended);
    assert_eq!(ex.header.message_type, MESSAGE_TYPE_DATA_EX);
    assert_eq!(
        ex.header.response_endpoint.as_deref(),
        Some("https://eservice.example.lv/ivis/after-payment")
    );
    assert_eq!(
        ex.data.initiator,
        Some(Person {
            code: Some("161175-19997".into()),
            first_name: Some("Anna".into()),
            last_name: Some("Kalniņa".into()),
        })
    );
    assert_eq!(
        ex.data.payment_requests[0]
            .client_info
            .as_ref()
            .unwrap()
            .client_code
            .as_deref(),
        Some("161175-19997")
    );
}

/// Seed 003's field list: every member given a value of its own arrives in
/// the typed request (and the message is valid by our schema).
#[test]
fn every_field_of_the_seed_arrives() {
    let body = format!(
        r#"<Submit xmlns="{SERVICE}"><IVISRequest xmlns="{MESSAGES}"><Header>
<MessageID>m-1</MessageID><MessageType>{MESSAGE_TYPE_DATA}</MessageType><TransactionID>t-2</TransactionID>
<CorrelationID>c-3</CorrelationID><Destination>{PAYMENT_DESTINATION}</Destination><Test>1</Test>
<MilestoneID>ms-4</MilestoneID><ResponseEndPoint>https://e.example/5</ResponseEndPoint><NextMilestoneID>ms-6</NextMilestoneID>
<Initiator>i-7</Initiator></Header><Body><IVISServiceData xmlns="{SERVICE_DATA}">
<ServiceInstanceID>si-8</ServiceInstanceID><EServiceID>es-9</EServiceID><Receiver><Code>010101-10006</Code></Receiver>
<Notification><EMail>n@10.example</EMail></Notification><AttachmentList><Attachment><Name>a.pdf</Name></Attachment></AttachmentList>
<ErrorList><Error>e</Error></ErrorList><PaymentInfo><PaymentRequestList><PaymentRequest>
<ServiceStep>00001</ServiceStep><PriceList><PriceListStructure><Position>1</Position><Item>4.56</Item>
<ItemElementName>Quantity</ItemElementName></PriceListStructure></PriceList><ClientInfo><ClientName>cn-11</ClientName>
<ClientFirstName>cf-12</ClientFirstName><ClientCode>161175-19997</ClientCode><ClientEMail>ce@13.example</ClientEMail>
<ClientPhone>+371 14</ClientPhone><ClientAddress>ca-15</ClientAddress></ClientInfo><ResponseURL>https://r.example/16?id=</ResponseURL>
<ServerResponseURL>https://s.example/17?id=</ServerResponseURL><NoInvoice>true</NoInvoice>
<ParentPaymentRequestID>p-18</ParentPaymentRequestID><SwiftCode>DEMO0000</SwiftCode><PaymentObject>po-19</PaymentObject>
<InvoiceIssueDate>2026-11-20</InvoiceIssueDate><ExpiryDate>2026-12-21T10:00:00+02:00</ExpiryDate>
<AllowedBanks><SwiftCode>DEMO0000</SwiftCode></AllowedBanks></PaymentRequest></PaymentRequestList></PaymentInfo>
</IVISServiceData></Body></IVISRequest></Submit>"#
    );
    validate(&body);
    let call = read(&envelope_of(None, &body)).unwrap();
    let request = request(&call);
    let h = &request.header;
    assert_eq!(
        (
            h.message_id.as_str(),
            h.transaction_id.as_deref(),
            h.correlation_id.as_deref(),
            h.test,
            h.milestone_id.as_deref(),
            h.response_endpoint.as_deref(),
            h.next_milestone_id.as_deref(),
            h.initiator.as_deref(),
        ),
        (
            "m-1",
            Some("t-2"),
            Some("c-3"),
            true,
            Some("ms-4"),
            Some("https://e.example/5"),
            Some("ms-6"),
            Some("i-7")
        )
    );
    let d = &request.data;
    assert_eq!(
        (
            d.service_instance_id.as_str(),
            d.eservice_id.as_str(),
            d.receiver.as_deref(),
            d.notification_email.as_deref()
        ),
        ("si-8", "es-9", Some("010101-10006"), Some("n@10.example"))
    );
    let p = &d.payment_requests[0];
    let c = p.client_info.as_ref().unwrap();
    assert_eq!(
        [
            c.client_name.as_deref(),
            c.client_first_name.as_deref(),
            c.client_code.as_deref(),
            c.client_email.as_deref(),
            c.client_phone.as_deref(),
            c.client_address.as_deref(),
        ],
        [
            Some("cn-11"),
            Some("cf-12"),
            Some("161175-19997"),
            Some("ce@13.example"),
            Some("+371 14"),
            Some("ca-15")
        ]
    );
    assert_eq!(p.price_list[0].item.as_deref(), Some("4.56"));
    assert_eq!(p.response_url.as_deref(), Some("https://r.example/16?id="));
    assert_eq!(
        p.server_response_url.as_deref(),
        Some("https://s.example/17?id=")
    );
    assert!(p.no_invoice);
    assert_eq!(p.parent_payment_request_id.as_deref(), Some("p-18"));
    assert_eq!(p.swift_code.as_deref(), Some("DEMO0000"));
    assert_eq!(p.payment_object.as_deref(), Some("po-19"));
    assert_eq!(p.invoice_issue_date.as_deref(), Some("2026-11-20"));
    assert_eq!(p.expiry_date.as_deref(), Some("2026-12-21T10:00:00+02:00"));
    assert_eq!(p.allowed_banks, ["DEMO0000"]);
}

#[test]
fn header_codes() {
    let header_line = |name: &str| {
        let start = SUBMIT.find(&format!("<{name}>")).unwrap();
        let end = SUBMIT.find(&format!("</{name}>")).unwrap() + name.len() + 3;
        SUBMIT[start..end].to_owned()
    };
    let without = |name: &str| SUBMIT.replacen(&header_line(name), "", 1);
    use IvisErrorCode as C;
    assert_eq!(code(&without("MessageID")), C::MessageIdNotSpecified);
    assert_eq!(code(&without("Destination")), C::DestinationIsNull);
    assert_eq!(
        code(&submit_with(PAYMENT_DESTINATION, "EPAKPaymentSync")),
        C::DestinationIncorrectType
    );
    assert_eq!(
        code(&submit_with(
            PAYMENT_DESTINATION,
            "URN:IVIS:100001:ISS-EPS-Other-v1-0"
        )),
        C::DestinationNotFound
    );
    assert_eq!(
        code(&submit_with(PAYMENT_DESTINATION, SERVICE_URN)),
        C::DestinationNotIntegrationService
    );
    // The payment destination in another letter case is still ours.
    assert!(
        read(&submit_with(
            PAYMENT_DESTINATION,
            &PAYMENT_DESTINATION.to_lowercase()
        ))
        .is_ok()
    );
    assert_eq!(code(&without("MessageType")), C::MessageTypeNotSet);
    let body_start = SUBMIT.find("<Body>").unwrap();
    let body_end = SUBMIT.find("</Body>").unwrap() + "</Body>".len();
    let empty_body = format!("{}<Body/>{}", &SUBMIT[..body_start], &SUBMIT[body_end..]);
    assert_eq!(code(&empty_body), C::BodyNotSet);
    let neither = empty_body.replacen(&header_line("MessageType"), "", 1);
    assert_eq!(code(&neither), C::BodyNotSet);
    assert_eq!(
        code(&submit_with(MESSAGE_TYPE_DATA, "IVISServiceData")),
        C::MessageTypeIncorrect
    );
    assert_eq!(
        code(&submit_with(
            MESSAGE_TYPE_DATA,
            "URN:IVIS:100001:XSD-Other-v1-0-TYPE-Thing"
        )),
        C::MessageTypeNotFound
    );
    assert_eq!(
        code(&submit_with(MESSAGE_TYPE_DATA, MESSAGE_TYPE_DATA_EX)),
        C::UrnTypeIsIncorect
    );
    // The schema's own URN takes either root.
    assert!(read(&submit_with(MESSAGE_TYPE_DATA, SCHEMA_URN)).is_ok());
    let other_root = SUBMIT
        .replacen("<IVISServiceData ", "<Something ", 1)
        .replacen("</IVISServiceData>", "</Something>", 1);
    assert_eq!(code(&other_root), C::UrnTypeIsIncorect);
    assert_eq!(
        code(&other_root.replacen(MESSAGE_TYPE_DATA, SCHEMA_URN, 1)),
        C::UrnTypeIsIncorect
    );
    let two_roots = submit_with("</IVISServiceData>", "</IVISServiceData><Extra/>");
    assert_eq!(code(&two_roots), C::BodyIncorrect);
    let text_too = submit_with("</IVISServiceData>", "</IVISServiceData>stray text");
    assert_eq!(code(&text_too), C::BodyIncorrect);
    assert_eq!(
        code(&submit_with(
            "<MilestoneID>PAY<",
            "<MilestoneID>SIXTEEN-CHARS-16<"
        )),
        C::BodyWrongFormat
    );
    assert!(
        read(&submit_with(
            "<MilestoneID>PAY<",
            "<MilestoneID>FIFTEEN-CHARS15<"
        ))
        .is_ok()
    );
    assert_eq!(
        code(&submit_with("<Test>true<", "<Test>maybe<")),
        C::BodyWrongFormat
    );
    assert_eq!(
        code(&without("ResponseEndPoint")),
        C::DestinationIncorrectType
    );
    for endpoint in [
        "ftp://e.example/x",
        "e.example/after",
        "URN:IVIS:x:y",
        "https://",
    ] {
        assert_eq!(
            code(&submit_with(
                "URN:IVIS:100001:EP-TEST01-v1-0-STEP-AFTERPAY",
                endpoint
            )),
            C::DestinationIncorrectType,
            "{endpoint}"
        );
    }
    for endpoint in ["https://e.example/after?x=1", "http://localhost:8080/x"] {
        assert!(
            read(&submit_with(
                "URN:IVIS:100001:EP-TEST01-v1-0-STEP-AFTERPAY",
                endpoint
            ))
            .is_ok(),
            "{endpoint}"
        );
    }
    // The answer copies what of the request could be read.
    let rejection = rejected(&submit_with(PAYMENT_DESTINATION, "nowhere"));
    assert_eq!(rejection.operation, Some(OperationName::Submit));
    assert_eq!(
        rejection.message_id.as_deref(),
        Some("3f2b9c4e-8d51-4a7b-b0e3-5c6d7e8f9a01")
    );
    assert_eq!(
        rejection.transaction_id.as_deref(),
        Some("URN:IVIS:100001:EP-TEST01-v1-0-TR-861")
    );
    assert_eq!(
        rejection.addressing.message_id.as_deref(),
        Some("urn:uuid:6d1f0c2e-3b7a-4f1e-9a51-0c2b8f6e4a10")
    );
    assert!(rejection.fault.detail.contains("`nowhere`"));
}

#[test]
fn body_codes() {
    use IvisErrorCode as C;
    for (from, to) in [
        (
            "<ServiceInstanceID>EP-TEST01-2026-000042</ServiceInstanceID>",
            "",
        ),
        (
            "<EServiceID>URN:IVIS:100001:EP-TEST01-v1-0</EServiceID>",
            "",
        ),
        (
            "<NoInvoice>false</NoInvoice>",
            "<NoInvoice>perhaps</NoInvoice>",
        ),
        (
            "<ServiceStep>00001</ServiceStep>",
            "<ServiceStep><x/></ServiceStep>",
        ),
        ("<PaymentInfo>", "<PaymentInfoX>"),
    ] {
        let text = submit_with(from, to).replacen(
            "</PaymentInfo>",
            "</PaymentInfoX>",
            usize::from(to == "<PaymentInfoX>"),
        );
        assert_eq!(code(&text), C::BodyWrongFormat, "{from} → {to}");
    }
    let start = SUBMIT.find("<PaymentRequestList>").unwrap();
    let end = SUBMIT.find("</PaymentRequestList>").unwrap() + "</PaymentRequestList>".len();
    let no_requests = format!("{}{}", &SUBMIT[..start], &SUBMIT[end..]);
    let rejection = rejected(&no_requests);
    assert_eq!(rejection.fault.code, C::BodyWrongFormat);
    assert!(rejection.fault.detail.contains("no PaymentRequest"));
    // PaymentRequest directly in PaymentInfo (seed 003, item 17) is read too.
    let direct = format!(
        "{}{}{}",
        &SUBMIT[..start],
        &SUBMIT[start + "<PaymentRequestList>".len()..end - "</PaymentRequestList>".len()],
        &SUBMIT[end..]
    );
    assert_eq!(
        request(&read(&direct).unwrap()).data.payment_requests.len(),
        1
    );
    // A value quoted back is bounded.
    let huge = "z".repeat(100_000);
    let rejection = rejected(&submit_with("<Test>true<", &format!("<Test>{huge}<")));
    assert!(
        rejection.fault.detail.len() < 400,
        "{}",
        rejection.fault.detail.len()
    );
}

#[test]
fn correlation_operations() {
    for name in ["GetStatus", "Poll", "Dispose"] {
        let body =
            format!("<{name} xmlns=\"{SERVICE}\"><CorrelationID> c-1 </CorrelationID></{name}>");
        let call = read(&envelope_of(Some(&format!("{SERVICE}/{name}")), &body)).unwrap();
        let expected = match name {
            "GetStatus" => IvisOperation::GetStatus {
                correlation_id: "c-1".into(),
            },
            "Poll" => IvisOperation::Poll {
                correlation_id: "c-1".into(),
            },
            _ => IvisOperation::Dispose {
                correlation_id: "c-1".into(),
            },
        };
        assert_eq!(call.operation, expected);
        let empty = format!("<{name} xmlns=\"{SERVICE}\"><CorrelationID/></{name}>");
        let rejection = rejected(&envelope_of(None, &empty));
        assert_eq!(
            rejection.fault.code,
            IvisErrorCode::CorrelationIdNotSpecified
        );
        assert_eq!(rejection.operation, OperationName::from_name(name));
    }
    let start = envelope_of(
        None,
        &format!(
            "<StartTransaction xmlns=\"{SERVICE}\"><eServiceID>URN:IVIS:100001:EP-TEST01-v1-0</eServiceID></StartTransaction>"
        ),
    );
    assert_eq!(
        read(&start).unwrap().operation,
        IvisOperation::StartTransaction {
            eservice_id: "URN:IVIS:100001:EP-TEST01-v1-0".into()
        }
    );
    let end = envelope_of(
        Some(&format!("{SERVICE}/EndTransaction")),
        &format!(
            "<EndTransaction xmlns=\"{SERVICE}\"><transactionID>URN:IVIS:100001:EP-TEST01-v1-0-TR-861</transactionID></EndTransaction>"
        ),
    );
    assert_eq!(
        read(&end).unwrap().operation,
        IvisOperation::EndTransaction {
            transaction_id: "URN:IVIS:100001:EP-TEST01-v1-0-TR-861".into()
        }
    );
    let missing = envelope_of(None, &format!("<StartTransaction xmlns=\"{SERVICE}\"/>"));
    assert_eq!(soap(&missing).code, SoapFaultCode::Sender);
}

#[test]
fn soap_level_faults() {
    let fault = soap("not xml at all");
    assert_eq!(fault.code, SoapFaultCode::Sender);
    let soap11 = SUBMIT
        .replace(SOAP12, SOAP11)
        .replace(" s:mustUnderstand=\"1\"", "");
    let fault = soap(&soap11);
    assert_eq!(fault.code, SoapFaultCode::VersionMismatch);
    assert!(fault.reason.contains("SOAP 1.1"));
    assert_eq!(
        soap("<Envelope xmlns=\"urn:other\"><Body/></Envelope>").code,
        SoapFaultCode::VersionMismatch
    );
    assert_eq!(soap("<root/>").code, SoapFaultCode::Sender);
    // An operation we do not have; one in another namespace; an empty Body.
    let unknown = envelope_of(None, &format!("<Cancel xmlns=\"{SERVICE}\"/>"));
    assert_eq!(soap(&unknown).code, SoapFaultCode::Sender);
    let elsewhere = envelope_of(None, "<Submit xmlns=\"urn:other\"/>");
    assert!(soap(&elsewhere).reason.contains("urn:other"));
    assert_eq!(soap(&envelope_of(None, "")).code, SoapFaultCode::Sender);
    // The Action names another operation than the Body.
    let mismatch = SUBMIT.replacen(
        &format!("{SERVICE}/Submit<"),
        &format!("{SERVICE}/GetStatus<"),
        1,
    );
    let fault = soap(&mismatch);
    assert_eq!(fault.code, SoapFaultCode::Sender);
    assert_eq!(
        fault.addressing.message_id.as_deref(),
        Some("urn:uuid:6d1f0c2e-3b7a-4f1e-9a51-0c2b8f6e4a10")
    );
    assert!(
        soap(&SUBMIT.replacen(
            &format!("{SERVICE}/Submit<"),
            &format!("{SERVICE}/SubmitSync<"),
            1
        ))
        .reason
        .contains("does not name")
    );
    // WCF's default action (with the contract's name) is the same operation.
    assert!(
        read(&SUBMIT.replacen(
            &format!("{SERVICE}/Submit<"),
            &format!("{SERVICE}/IRequestService/Submit<"),
            1
        ))
        .is_ok()
    );
    // Submit without its IVISRequest.
    assert_eq!(
        soap(&envelope_of(
            None,
            &format!("<Submit xmlns=\"{SERVICE}\"/>")
        ))
        .code,
        SoapFaultCode::Sender
    );
}

#[test]
fn a_bare_ivis_request_takes_its_operation_from_the_action() {
    let start = SUBMIT.find("<IVISRequest").unwrap();
    let end = SUBMIT.find("</IVISRequest>").unwrap() + "</IVISRequest>".len();
    let inner = &SUBMIT[start..end];
    let call = read(&envelope_of(Some(&format!("{SERVICE}/SubmitSync")), inner)).unwrap();
    assert_eq!(call.name(), OperationName::SubmitSync);
    assert_eq!(soap(&envelope_of(None, inner)).code, SoapFaultCode::Sender);
}

#[test]
fn hostile_xml_is_refused() {
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>{}",
        envelope_of(None, "<x>&lol2;</x>")
    );
    assert!(soap(&laughs).reason.contains("not accepted"));
    let external = format!(
        "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
        envelope_of(None, "<x>&xxe;</x>")
    );
    assert!(soap(&external).reason.contains("not accepted"));
    let undeclared = envelope_of(
        None,
        &format!("<GetStatus xmlns=\"{SERVICE}\"><CorrelationID>&xxe;</CorrelationID></GetStatus>"),
    );
    assert!(soap(&undeclared).reason.contains("&xxe;"));
    let deep = envelope_of(None, &("<d>".repeat(100) + &"</d>".repeat(100)));
    assert!(soap(&deep).reason.contains("deeper"));
    let many = envelope_of(None, &"<e/>".repeat(xml::MAX_ELEMENTS + 1));
    assert!(soap(&many).reason.contains("elements"));
    // Over 4 MB: code 19, before a byte is parsed.
    let huge = submit_with(
        "<PaymentObject>",
        &format!("<PaymentObject>{}", "x".repeat(MAX_MESSAGE_BYTES)),
    );
    let rejection = rejected(&huge);
    assert_eq!(rejection.fault.code, IvisErrorCode::BodyToBig);
    assert_eq!(rejection.operation, None);
    // Just under the limit is read (and here refused for other reasons only).
    let under = submit_with(
        "<PaymentObject>Maksa",
        &format!(
            "<PaymentObject>{}",
            "x".repeat(MAX_MESSAGE_BYTES - SUBMIT.len())
        ),
    );
    assert!(under.len() <= MAX_MESSAGE_BYTES);
    assert!(read(&under).is_ok());
    // Not UTF-8.
    let mut latin = SUBMIT.as_bytes().to_vec();
    latin.push(0xff);
    assert!(matches!(read_call(&latin), Err(ReadError::Soap(_))));
    let long_id =
        envelope_of(None, "").replacen("urn:uuid:1", &"u".repeat(MAX_HEADER_VALUE_CHARS + 1), 1);
    assert_eq!(soap(&long_id).code, SoapFaultCode::Sender);
}

#[test]
fn urns_and_addresses() {
    for urn in [
        PAYMENT_DESTINATION,
        "urn:ivis:100001:x",
        "URN:IVIS:100001:EP-TEST01-v1-0-TR-861",
    ] {
        assert!(is_ivis_urn(urn), "{urn}");
    }
    for not in [
        "",
        "URN:IVIS:",
        "URN:IVIS:100001:",
        "URN:IVIS::x",
        "URN:IVIS:abc:x",
        "URN:OTHER:1:x",
        "URN:IVIS:1:a b",
        "ŪRN:IVIS:1:x",
        "URN:IVI",
    ] {
        assert!(!is_ivis_urn(not), "{not}");
    }
    assert!(is_web_address("https://e.example/x"));
    assert!(!is_web_address("mailto:a@b.example"));
    assert!(!is_web_address("/relative"));
}

// ── The writer ──────────────────────────────────────────────────────────

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas")
}

/// The operation element inside `s:Body`, validated with xmllint against
/// `docs/schemas/ivis-request-service.xsd` (which imports the other two).
/// xmllint is required: a missing one fails the test.
fn validate(operation_element: &str) {
    let (valid, errors) = xmllint(operation_element);
    assert!(valid, "{errors}\n{operation_element}");
}

fn xmllint(operation_element: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.xml");
    std::fs::write(&file, operation_element).unwrap();
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schemas().join("ivis-request-service.xsd"))
        .arg(&file)
        .output()
        .expect("xmllint must be installed for these tests (libxml2-utils)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_schema_check_refuses_what_it_should() {
    let statuses = body_of(&ivis_response(
        &Addressing::default(),
        ResponseOperation::Poll,
        &header(ResultKind::Success, Vec::new()),
        Some(&ResponseBody::PaymentInfo(statuses())),
    ))
    .to_owned();
    assert!(xmllint(&statuses).0);
    for (from, to) in [
        ("<Amount>6.54</Amount>", "<Amount>6.5</Amount>"),
        ("<Status>E</Status>", "<Status>X</Status>"),
        ("<Result>success</Result>", "<Result>ok</Result>"),
        ("<Currency>EUR</Currency>", "<Currency>eur</Currency>"),
        ("</PaymentRequestStatus>", "<Stray/></PaymentRequestStatus>"),
    ] {
        assert!(statuses.contains(from), "{from}");
        assert!(!xmllint(&statuses.replacen(from, to, 1)).0, "{to}");
    }
    let submit = body_of(SUBMIT).to_owned();
    let long_milestone = submit.replacen("<MilestoneID>PAY<", "<MilestoneID>SIXTEEN-CHARS-16<", 1);
    assert!(!xmllint(&long_milestone).0);
}

fn body_of(envelope: &str) -> &str {
    let start = envelope.find("<s:Body>").unwrap() + "<s:Body>".len();
    let end = envelope.rfind("</s:Body>").unwrap();
    &envelope[start..end]
}

/// Well-formed, a SOAP 1.2 envelope, and its Body valid by our schemas.
fn check(envelope: &str) -> xml::Element {
    let root = xml::parse(envelope.as_bytes()).unwrap();
    assert!(root.is(SOAP12, "Envelope"));
    validate(body_of(envelope));
    root
}

fn wsa_header<'a>(root: &'a xml::Element, name: &str) -> Option<&'a str> {
    root.children
        .iter()
        .find(|c| c.is(SOAP12, "Header"))
        .and_then(|h| h.children.iter().find(|c| c.is(WSA, name)))
        .map(|e| e.text.as_str())
}

fn statuses() -> Vec<PaymentRequestStatus> {
    vec![
        PaymentRequestStatus {
            payment_request_id: "MM-2026-000123".into(),
            payment_request_url: "https://maksa.example/pay/MM-2026-000123?x=1&y=<2>".into(),
            status: Status::Executed,
            amount: Amount::from_minor(654).unwrap(),
            currency: Currency::EUR,
            payment_date: Some(datetime!(2026-07-01 09:15:00.5 UTC)),
            provider_code: Some("DEMO0000".into()),
        },
        PaymentRequestStatus {
            payment_request_id: "MM-2026-000124".into(),
            payment_request_url: "https://maksa.example/pay/MM-2026-000124".into(),
            status: Status::InProcess,
            amount: Amount::from_minor(5).unwrap(),
            currency: Currency::EUR,
            payment_date: None,
            provider_code: None,
        },
    ]
}

fn header(result: ResultKind, errors: Vec<IvisFault>) -> ResponseHeader {
    ResponseHeader {
        message_id: "0f1e2d3c-4b5a-4968-8776-655443322110".into(),
        message_type: MESSAGE_TYPE_PAYMENT_INFO.into(),
        transaction_id: Some("URN:IVIS:100001:EP-TEST01-v1-0-TR-861".into()),
        correlation_id: Some("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".into()),
        poll_interval: (result == ResultKind::Pending).then_some(30),
        timestamp: datetime!(2015-09-09 12:51:20.071942 UTC),
        result,
        errors,
    }
}

#[test]
fn the_timestamp_is_riga_time_with_its_offset() {
    assert_eq!(
        riga_timestamp(datetime!(2015-09-09 12:51:20.071942 UTC)),
        "2015-09-09T15:51:20.071942+03:00"
    );
    assert_eq!(
        riga_timestamp(datetime!(2026-01-31 22:00 UTC)),
        "2026-02-01T00:00:00.000000+02:00"
    );
}

#[test]
fn transaction_answers_validate() {
    let request = read(SUBMIT).unwrap().addressing;
    let start = start_transaction_response(&request, "URN:IVIS:100001:EP-TEST01-v1-0-TR-862");
    let root = check(&start);
    // The request's action names another operation: ours is written.
    assert_eq!(
        wsa_header(&root, "Action"),
        Some(&*format!("{SERVICE}/StartTransactionResponse"))
    );
    let plain = Addressing {
        action: Some(format!("{SERVICE}/StartTransaction")),
        message_id: Some("urn:uuid:42".into()),
        ..Addressing::default()
    };
    let root = check(&start_transaction_response(
        &plain,
        "URN:IVIS:100001:X-TR-1",
    ));
    assert_eq!(
        wsa_header(&root, "Action"),
        Some(&*format!("{SERVICE}/StartTransactionResponse"))
    );
    assert_eq!(wsa_header(&root, "RelatesTo"), Some("urn:uuid:42"));
    let root = check(&end_transaction_response(&Addressing::default()));
    assert_eq!(
        wsa_header(&root, "Action"),
        Some(&*format!("{SERVICE}/EndTransactionResponse"))
    );
    assert_eq!(wsa_header(&root, "RelatesTo"), None);
}

#[test]
fn every_ivis_response_validates() {
    let all_codes: Vec<IvisFault> = IvisErrorCode::ALL
        .into_iter()
        .map(|code| IvisFault::new(code, format!("value `<&\"{}\"&>`", code.number())))
        .collect();
    let request = Addressing {
        action: Some(format!("{SERVICE}/IRequestService/SubmitSync")),
        message_id: Some("urn:uuid:a&b".into()),
        ..Addressing::default()
    };
    for operation in [
        ResponseOperation::Submit,
        ResponseOperation::SubmitSync,
        ResponseOperation::GetStatus,
        ResponseOperation::Poll,
        ResponseOperation::Dispose,
    ] {
        for (result, errors, body) in [
            (
                ResultKind::Success,
                Vec::new(),
                Some(ResponseBody::PaymentInfo(statuses())),
            ),
            (ResultKind::Pending, Vec::new(), None),
            (ResultKind::Failure, all_codes.clone(), None),
            (
                ResultKind::Success,
                Vec::new(),
                Some(ResponseBody::PaymentInfo(Vec::new())),
            ),
        ] {
            let text = ivis_response(&request, operation, &header(result, errors), body.as_ref());
            let root = check(&text);
            assert_eq!(wsa_header(&root, "RelatesTo"), Some("urn:uuid:a&b"));
            let name = operation.operation().name();
            let expected_action = if operation == ResponseOperation::SubmitSync {
                format!("{SERVICE}/IRequestService/SubmitSyncResponse")
            } else {
                format!("{SERVICE}/{name}Response")
            };
            assert_eq!(wsa_header(&root, "Action"), Some(expected_action.as_str()));
        }
    }
    let text = ivis_response(
        &request,
        ResponseOperation::SubmitSync,
        &header(ResultKind::Success, Vec::new()),
        Some(&ResponseBody::PaymentInfo(statuses())),
    );
    assert!(text.contains("<TimeStamp>2015-09-09T15:51:20.071942+03:00</TimeStamp>"));
    assert!(text.contains("<Result>success</Result>"));
    assert!(text.contains("<Amount>6.54</Amount><Currency>EUR</Currency>"));
    assert!(text.contains("<Amount>0.05</Amount>"));
    assert!(text.contains("<Status>E</Status><UsageStatus>Izmantots</UsageStatus>"));
    assert!(text.contains("<PaymentDate>2026-07-01T12:15:00.500000+03:00</PaymentDate>"));
    assert!(text.contains("?x=1&amp;y=&lt;2&gt;"));
    let failure = ivis_response(
        &request,
        ResponseOperation::Submit,
        &header(ResultKind::Failure, all_codes),
        None,
    );
    assert!(failure.contains("<ErrorCode>URNTypeIsIncorect</ErrorCode>"));
    assert!(failure.contains("<ErrorCode>CorrelationIDNotFound</ErrorCode>"));
    assert!(failure.contains("&lt;&amp;"));
}

#[test]
fn echoed_values_are_bounded() {
    let mut long = header(ResultKind::Failure, Vec::new());
    long.correlation_id = Some("c".repeat(100_000));
    let text = ivis_response(
        &Addressing {
            message_id: Some("m".repeat(100_000)),
            ..Addressing::default()
        },
        ResponseOperation::GetStatus,
        &long,
        None,
    );
    assert!(text.len() < 10_000, "{}", text.len());
    xml::parse(text.as_bytes()).unwrap();
}

#[test]
fn rejections_answer_inside_an_ivis_response_or_as_a_fault() {
    let rejection = rejected(&submit_with(PAYMENT_DESTINATION, "URN:IVIS:100001:Other"));
    let (status, text) = crate::ivis::write::rejection(
        &rejection,
        "11111111-2222-4333-8444-555555555555",
        datetime!(2026-11-30 06:00 UTC),
    );
    assert_eq!(status, 200);
    let root = check(&text);
    assert_eq!(
        wsa_header(&root, "Action"),
        Some(&*format!("{SERVICE}/SubmitResponse"))
    );
    assert!(text.contains("<Result>failure</Result>"));
    assert!(text.contains("<ErrorCode>DestinationNotFound</ErrorCode>"));
    assert!(text.contains("<TransactionID>URN:IVIS:100001:EP-TEST01-v1-0-TR-861</TransactionID>"));
    assert!(text.contains("<TimeStamp>2026-11-30T08:00:00.000000+02:00</TimeStamp>"));

    let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
    let Err(ReadError::Ivis(too_big)) = read_call(&huge) else {
        panic!("expected code 19");
    };
    let (status, text) =
        crate::ivis::write::rejection(&too_big, "x", datetime!(2026-11-30 06:00 UTC));
    assert_eq!(status, 400);
    assert!(text.contains("<s:Value>s:Sender</s:Value>"));
    assert!(text.contains("19 BodyToBig"));

    let Err(error) = read("<x/>") else {
        panic!("expected a fault");
    };
    let (status, text) = read_error_answer(&error, "x", datetime!(2026-11-30 06:00 UTC));
    assert_eq!(status, 400);
    assert!(text.contains("<s:Value>s:Sender</s:Value>"));
    let Err(error) = read(
        &SUBMIT
            .replace(SOAP12, SOAP11)
            .replace(" s:mustUnderstand=\"1\"", ""),
    ) else {
        panic!("expected a fault");
    };
    let (status, text) = read_error_answer(&error, "x", datetime!(2026-11-30 06:00 UTC));
    assert_eq!(status, 500);
    assert!(text.contains("<s:Value>s:VersionMismatch</s:Value>"));
    let Err(error) = read(&submit_with("<Test>true<", "<Test>perhaps<")) else {
        panic!("expected a rejection");
    };
    let (status, text) = read_error_answer(&error, "x", datetime!(2026-11-30 06:00 UTC));
    assert_eq!(status, 200);
    check(&text);
    assert!(text.contains("<ErrorCode>BodyWrongFormat</ErrorCode>"));
}

#[test]
fn faults_are_soap_12() {
    let request = Addressing {
        message_id: Some("urn:uuid:7".into()),
        ..Addressing::default()
    };
    for code in [
        SoapFaultCode::Sender,
        SoapFaultCode::Receiver,
        SoapFaultCode::VersionMismatch,
    ] {
        let text = soap_fault(
            &request,
            code,
            &format!("bad `{}` <here>", "q".repeat(5_000)),
        );
        let root = xml::parse(text.as_bytes()).unwrap();
        assert!(root.is(SOAP12, "Envelope"));
        assert_eq!(wsa_header(&root, "Action"), Some(FAULT_ACTION));
        assert_eq!(wsa_header(&root, "RelatesTo"), Some("urn:uuid:7"));
        let fault = &root.child("Body").unwrap().children[0];
        assert!(fault.is(SOAP12, "Fault"));
        let value = &fault.child("Code").unwrap().child("Value").unwrap().text;
        assert_eq!(value, &format!("s:{}", code.value()));
        assert!(text.len() < 3_000);
        assert_eq!(
            text.contains("SupportedEnvelope"),
            code == SoapFaultCode::VersionMismatch
        );
    }
    assert_eq!(SoapFaultCode::Sender.http_status(), 400);
    assert_eq!(SoapFaultCode::VersionMismatch.http_status(), 500);
}

#[test]
fn the_response_endpoint_message() {
    let call = read(SUBMIT).unwrap();
    let original = &request(&call).header;
    let text = response_endpoint_message(
        original,
        "22222222-3333-4444-8555-666666666666",
        &statuses(),
    )
    .unwrap();
    let root = check(&text);
    assert_eq!(
        wsa_header(&root, "Action"),
        Some(&*format!("{SERVICE}/Submit"))
    );
    assert_eq!(
        wsa_header(&root, "To"),
        Some("URN:IVIS:100001:EP-TEST01-v1-0-STEP-AFTERPAY")
    );
    assert_eq!(
        wsa_header(&root, "MessageID"),
        Some("urn:uuid:22222222-3333-4444-8555-666666666666")
    );
    let ivis = root.child("Body").unwrap().children[0]
        .child("IVISRequest")
        .unwrap();
    let h = ivis.child("Header").unwrap();
    let value = |name: &str| h.child(name).map(|e| e.text.as_str());
    assert_eq!(
        value("MessageID"),
        Some("22222222-3333-4444-8555-666666666666")
    );
    assert_eq!(value("MessageType"), Some(MESSAGE_TYPE_PAYMENT_INFO));
    assert_eq!(
        value("TransactionID"),
        Some("URN:IVIS:100001:EP-TEST01-v1-0-TR-861")
    );
    assert_eq!(
        value("CorrelationID"),
        Some("3f2b9c4e-8d51-4a7b-b0e3-5c6d7e8f9a01")
    );
    assert_eq!(
        value("Destination"),
        Some("URN:IVIS:100001:EP-TEST01-v1-0-STEP-AFTERPAY")
    );
    assert_eq!(value("MilestoneID"), Some("AFTERPAY"));
    assert_eq!(value("Test"), Some("true"));
    let list = ivis.child("Body").unwrap().children[0]
        .child("PaymentRequestStatusList")
        .unwrap();
    assert_eq!(list.children.len(), 2);

    let mut bare = original.clone();
    bare.transaction_id = None;
    bare.next_milestone_id = Some("x".repeat(16));
    bare.test = false;
    let text = response_endpoint_message(&bare, "id", &[]).unwrap();
    check(&text);
    assert!(!text.contains("<MilestoneID>"));
    bare.response_endpoint = None;
    assert_eq!(response_endpoint_message(&bare, "id", &[]), None);
}

#[test]
fn the_wsdl_inlines_the_schemas() {
    let wsdl = include_str!("RequestWebService.wsdl");
    xml::parse(wsdl.as_bytes()).unwrap();
    for file in ["ivis-service.xsd", "ivis.xsd", "ivis-request-service.xsd"] {
        let text = std::fs::read_to_string(schemas().join(file)).unwrap();
        let start = text.find("<xs:schema").unwrap();
        let end = text.rfind("</xs:schema>").unwrap() + "</xs:schema>".len();
        let mut schema = text[start..end].to_owned();
        while let Some(at) = schema.find(" schemaLocation=\"") {
            let close = schema[at + 17..].find('"').unwrap() + at + 18;
            schema.replace_range(at..close, "");
        }
        assert!(
            wsdl.contains(&schema),
            "{file} differs from its copy in RequestWebService.wsdl"
        );
    }
    assert!(wsdl.contains("<soap12:address location=\"{{address}}\"/>"));
    assert!(wsdl.contains("<wsaw:UsingAddressing/>"));
    for operation in OperationName::ALL {
        let action = operation.action();
        assert!(wsdl.contains(&format!("<soap12:operation soapAction=\"{action}\"")));
        assert!(wsdl.contains(&format!("wsam:Action=\"{action}\"")));
        assert!(wsdl.contains(&format!("wsam:Action=\"{action}Response\"")));
    }
}

#[test]
fn the_examples_validate() {
    for example in [SUBMIT, SUBMIT_SYNC, SUBMIT_EX] {
        check(example);
    }
}

/// What zeep (Python, SOAP 1.2 with its WS-Addressing plugin) sends from our
/// WSDL: prefixes everywhere, no `mustUnderstand`.
#[test]
fn reads_what_zeep_sends() {
    let call = read(include_str!(
        "../../tests/ivis_examples/zeep_submit_sync.xml"
    ))
    .unwrap();
    assert_eq!(call.name(), OperationName::SubmitSync);
    let request = request(&call);
    assert_eq!(request.header.message_id, "zeep-1");
    assert!(request.header.test);
    let payment = &request.data.payment_requests[0];
    assert_eq!(payment.allowed_banks, ["DEMO0000"]);
    assert_eq!(payment.price_list[0].item.as_deref(), Some("2"));
}
