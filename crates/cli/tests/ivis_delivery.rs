//! The IVIS answer owed to an e-service's `ResponseEndPoint` is in the outbox
//! from the moment the request's final status commits: `maksa demo` killed
//! with SIGKILL while the endpoint is down delivers it after the restart, once.

#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{demo_rest_client, free_port, start_demo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An asynchronous IVIS submission for the payer 010101-10006, answered at
/// `endpoint`, returning to the demo's own origin.
fn submission(message_id: &str, endpoint: &str, origin: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://ivis.eps.gov.lv/ISS/RequestServiss/v1-0/Submit</a:Action>
    <a:MessageID>urn:uuid:{message_id}</a:MessageID>
  </s:Header>
  <s:Body>
    <Submit xmlns="http://ivis.eps.gov.lv/ISS/RequestServiss/v1-0">
      <IVISRequest xmlns="http://ivis.eps.gov.lv/XMLSchemas/100001/IVIS/v1-0">
        <Header>
          <MessageID>{message_id}</MessageID>
          <MessageType>URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-IVISServiceData</MessageType>
          <Destination>URN:IVIS:100001:ISS-EPS-EPAKPaymentSync-v2-0</Destination>
          <Test>true</Test>
          <MilestoneID>PAY</MilestoneID>
          <ResponseEndPoint>{endpoint}</ResponseEndPoint>
          <NextMilestoneID>AFTERPAY</NextMilestoneID>
        </Header>
        <Body>
          <IVISServiceData xmlns="http://ivis.eps.gov.lv/XMLSchemas/100001/IVISService/v1-0">
            <ServiceInstanceID>EP-TEST01-2026-000042</ServiceInstanceID>
            <EServiceID>URN:IVIS:100001:EP-TEST01-v1-0</EServiceID>
            <Receiver><Code>010101-10006</Code></Receiver>
            <PaymentInfo>
              <PaymentRequestList>
                <PaymentRequest>
                  <ServiceStep>00001</ServiceStep>
                  <PriceList>
                    <PriceListStructure><Position>1</Position><Item>1</Item><ItemElementName>Quantity</ItemElementName></PriceListStructure>
                  </PriceList>
                  <ResponseURL>{origin}/done?id=</ResponseURL>
                  <AllowedBanks><SwiftCode>DEMO0000</SwiftCode></AllowedBanks>
                </PaymentRequest>
              </PaymentRequestList>
            </PaymentInfo>
          </IVISServiceData>
        </Body>
      </IVISRequest>
    </Submit>
  </s:Body>
</s:Envelope>"#
    )
}

/// The text of the first `<name>` element in `xml`.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// An e-service's endpoint on a fixed port: records every request (head and
/// body) and answers 200.
async fn endpoint_on(port: u16) -> Arc<Mutex<Vec<String>>> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let mut message = Vec::new();
                let mut buffer = [0u8; 8192];
                loop {
                    let text = String::from_utf8_lossy(&message).into_owned();
                    if let Some(split) = text.find("\r\n\r\n") {
                        let length = text[..split]
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if message.len() >= split + 4 + length {
                            break;
                        }
                    }
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => message.extend_from_slice(&buffer[..n]),
                    }
                }
                record
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&message).into_owned());
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_endpoint_answer_survives_kill_9_and_arrives_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let env = [("MAKSA_DEMO_RETRY_SCHEDULE", "1s*600")];
    let mut demo = start_demo(dir.path(), &env);
    let client = demo_rest_client(dir.path());
    // Nothing listens there yet: every delivery attempt is refused.
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}/ivis/answer");
    let message_id = uuid::Uuid::new_v4().to_string();
    let answer = client
        .post(format!("{}/IVIS/RequestWebService.svc", demo.https))
        .header("Content-Type", "application/soap+xml; charset=utf-8")
        .body(submission(&message_id, &endpoint, &demo.http))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answer = answer.text().await.unwrap();
    assert_eq!(element(&answer, "Result"), Some("success"), "{answer}");
    let id = element(&answer, "PaymentRequestID").unwrap().to_owned();

    // The e-service cancels it: the final status C commits with its IVIS answer.
    let cancelled = client
        .post(format!(
            "{}/api/v1/payments/cancelpaymentrequest",
            demo.https
        ))
        .json(&json!({ "PaymentRequestId": id }))
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success(), "{cancelled:?}");
    // Attempts fail while the endpoint is down; the log shows them.
    let log = |client: reqwest::Client, https: String, id: String| async move {
        let answer: Value = client
            .post(format!("{https}/api/v1/payments/getnotifications"))
            .json(&json!({ "PaymentRequestId": id }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer
    };
    let mut failed_attempts = 0;
    for _ in 0..40 {
        let answer = log(client.clone(), demo.https.clone(), id.clone()).await;
        failed_attempts = answer.to_string().matches("\"Error\"").count();
        if failed_attempts >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        failed_attempts >= 2,
        "no failed delivery attempts logged: {}",
        log(client.clone(), demo.https.clone(), id.clone()).await
    );

    demo.kill();
    let seen = endpoint_on(port).await;
    let demo = start_demo(dir.path(), &env);
    let mut delivered = Vec::new();
    for _ in 0..120 {
        delivered = seen.lock().unwrap().clone();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(delivered.len(), 1, "one answer after the restart");
    let message = &delivered[0];
    assert!(message.starts_with("POST /ivis/answer "), "{message}");
    let lower = message.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/soap+xml"),
        "{message}"
    );
    assert!(lower.contains("mm-signature: t="), "{message}");
    assert_eq!(element(message, "CorrelationID"), Some(message_id.as_str()));
    assert_eq!(element(message, "MilestoneID"), Some("AFTERPAY"));
    assert_eq!(element(message, "PaymentRequestID"), Some(id.as_str()));
    assert_eq!(element(message, "Status"), Some("C"));
    // Delivered means done: a few more seconds bring no second copy.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    let answer = log(client, demo.https.clone(), id).await;
    assert!(
        answer.to_string().contains("delivered"),
        "the delivery log shows it delivered: {answer}"
    );
    drop(demo);
}
