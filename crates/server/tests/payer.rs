//! The payer's flow over HTTP, without a browser: the real server on port 0 with
//! the demo bank mounted, on SQLite and PostgreSQL. The browser suite
//! (crates/cli/tests/browser.rs) drives the same pages in Chromium; this file
//! covers what a browser cannot show: forged messages, CSRF, races.

#![allow(clippy::unwrap_used)]

mod support;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use reqwest::{Client, StatusCode};
use serde_json::json;
use support::payer_hub::*;
use support::{have_tool, pdf_text};

async fn paying_at_the_demo_bank_makes_the_request_executed(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub
        .create(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 12}]),
        )
        .await;
    assert_eq!(hub.status(&id).await, "P");
    let mut browser = Browser::new();
    // Kept for the end: the same form posted again once the request is paid.
    let (pay_action, pay_fields) = browser
        .get(&format!("{}/Payments/?id={id}", hub.base))
        .await
        .form("data-action=\"pay\"");
    let bank = to_the_bank(&hub, &mut browser, &id).await;
    assert!(bank.html.contains("12.00") || bank.html.contains("12,00"));
    let page = decide(&hub, &mut browser, &bank, "approve").await;
    assert_eq!(page.state(), "paid", "{}", page.html);
    assert!(page.html.contains("data-outcome=\"executed\""));
    assert!(
        page.html
            .contains(&format!("href=\"{}/health?id={id}\"", hub.base))
    );
    assert!(page.html.contains("data-countdown=\"3\""));
    assert_eq!(hub.status(&id).await, "E");
    // The payment woke the notifier: ServerResponseUrl + id got its GET.
    let request_id = PaymentRequestId::parse(&id).unwrap();
    let owner = ClientId::parse("demo").unwrap();
    let mut delivered = false;
    for _ in 0..100 {
        let log = hub
            .store
            .notification_log(&owner, request_id)
            .await
            .unwrap();
        if let Some((notification, attempts)) = log.first()
            && notification.state == maksa_app::store::NotificationState::Delivered
        {
            assert_eq!(notification.url, format!("{}/health?id={id}", hub.base));
            assert_eq!(attempts[0].http_status, Some(200));
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        delivered,
        "the paid request's notification was not delivered"
    );
    let kinds = hub.audit_kinds(&id).await;
    assert!(
        kinds.contains(&"payment.attempt_started".to_owned()),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"payment.provider_message".to_owned()),
        "{kinds:?}"
    );
    // A paid request cannot be started again, even with a stale form.
    let stale = browser
        .post(&absolute(&hub, &pay_action), &pay_fields)
        .await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
    assert!(stale.location.unwrap().contains("notice=ALREADY_PAID"));
}

async fn a_rejection_leaves_the_payment_payable(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub
        .create(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
        )
        .await;
    let mut browser = Browser::new();
    let bank = to_the_bank(&hub, &mut browser, &id).await;
    let page = decide(&hub, &mut browser, &bank, "reject").await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    assert!(page.html.contains("data-outcome=\"rejected\""));
    assert_eq!(hub.status(&id).await, "P");
    let bank = to_the_bank(&hub, &mut browser, &id).await;
    let page = decide(&hub, &mut browser, &bank, "approve").await;
    assert_eq!(page.state(), "paid");
    assert_eq!(hub.status(&id).await, "E");
}

async fn two_payees_are_paid_one_after_the_other(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub
        .create(
            "02Y70",
            json!([
                {"Position": "53", "ItemElementName": "Quantity", "Item": 1},
                {"Position": "54", "ItemElementName": "Amount", "Item": "5.00"}
            ]),
        )
        .await;
    let mut browser = Browser::new();
    let first = browser
        .get(&format!("{}/Payments/?id={id}", hub.base))
        .await;
    assert!(
        first.html.contains("data-progress=\"1/2\""),
        "{}",
        first.html
    );
    let bank = to_the_bank(&hub, &mut browser, &id).await;
    let page = decide(&hub, &mut browser, &bank, "approve").await;
    assert_eq!(page.state(), "choose-provider");
    assert!(page.html.contains("data-progress=\"2/2\""), "{}", page.html);
    assert_eq!(hub.status(&id).await, "P");
    let bank = to_the_bank(&hub, &mut browser, &id).await;
    let page = decide(&hub, &mut browser, &bank, "approve").await;
    assert_eq!(page.state(), "paid");
    assert_eq!(hub.status(&id).await, "E");
}

/// 002, step 2a: the demo client's contract has `direct_to_bank`, so a
/// request naming DEMO0000 sends the payer straight to it; the hub's page
/// still shows the result, and `choose=1` shows the choice.
async fn a_request_naming_a_bank_goes_straight_to_it(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub
        .create_with(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
            json!({"SwiftCode": "DEMO0000"}),
        )
        .await;
    let mut browser = Browser::new();
    let page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    assert_eq!(page.state(), "direct-to-bank", "{}", page.html);
    assert!(!page.html.contains("data-action=\"pay\""));
    let choice = browser
        .get(&format!(
            "{}/Payments/?id={id}&language=ENG&choose=1",
            hub.base
        ))
        .await;
    assert_eq!(choice.state(), "choose-provider", "{}", choice.html);
    let (action, fields) = page.form("id=\"handoff\"");
    assert!(fields.contains(&("provider".into(), "DEMO0000".into())));
    let handoff = browser.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(handoff.state(), "handoff", "{}", handoff.html);
    let (bank_action, bank_fields) = handoff.form("id=\"handoff\"");
    let bank = browser
        .post(&absolute(&hub, &bank_action), &bank_fields)
        .await;
    assert_eq!(bank.state(), "bank-approve", "{}", bank.html);
    // Rejected: back on the hub's page, which shows the choice and the outcome.
    let page = decide(&hub, &mut browser, &bank, "reject").await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    assert!(page.html.contains("data-outcome=\"rejected\""));
    // A request naming no bank shows the choice as before.
    let plain = hub.create_one().await;
    let page = browser
        .get(&format!("{}/Payments/?id={plain}", hub.base))
        .await;
    assert_eq!(page.state(), "choose-provider");
}

async fn a_second_start_while_one_is_open_is_refused(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub
        .create(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
        )
        .await;
    let mut browser = Browser::new();
    let page = browser
        .get(&format!("{}/Payments/?id={id}", hub.base))
        .await;
    let (action, fields) = page.form("data-action=\"pay\"");
    let first = browser.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(first.state(), "handoff");
    // The same form submitted again (a second tab, a double click).
    let second = browser.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert!(
        second
            .location
            .as_deref()
            .unwrap()
            .contains("notice=PAYMENT_IN_PROGRESS"),
        "{:?}",
        second.location
    );
    let page = browser
        .get(&format!("{}/Payments/?id={id}", hub.base))
        .await;
    assert_eq!(page.state(), "in-progress");
    let attempts = hub
        .store
        .attempts_of(PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
}

async fn a_form_without_the_csrf_token_changes_nothing(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub
        .create(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
        )
        .await;
    let mut browser = Browser::new();
    let page = browser
        .get(&format!("{}/Payments/?id={id}", hub.base))
        .await;
    let (action, mut fields) = page.form("data-action=\"pay\"");
    set(&mut fields, "csrf", "00000000000000000000000000000000");
    let refused = browser.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.state(), "stale-form");
    // And a foreign site's post carries no cookie at all.
    let mut stranger = Browser::new();
    let refused = stranger.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let attempts = hub
        .store
        .attempts_of(PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert!(attempts.is_empty());
}

/// Pays request `id` at the bank with the server message dropped, so only what
/// a test posts arrives; answers the browser return's address and fields.
async fn approved_without_server_message(
    hub: &Hub,
    browser: &mut Browser,
    id: &str,
) -> (String, Vec<(String, String)>) {
    let bank = to_the_bank(hub, browser, id).await;
    let (action, mut fields) = bank.form("data-action=\"approve\"");
    set(&mut fields, "decision", "approve");
    set(&mut fields, "server_message", "drop");
    let back = browser.post(&absolute(hub, &action), &fields).await;
    back.form("data-action=\"return-to-merchant\"")
}

/// The bank's answer as a server message for another amount, correctly signed.
fn signed_for_another_amount(hub: &Hub, genuine: &[(String, String)]) -> Vec<(String, String)> {
    let mut mismatching = genuine.to_vec();
    set(&mut mismatching, "VK_AMOUNT", "999.00");
    set(&mut mismatching, "VK_AUTO", "Y");
    let mac = hub.keys.sign_as_bank(mismatching.as_slice()).unwrap();
    set(&mut mismatching, "VK_MAC", &mac);
    mismatching
}

async fn forged_and_mismatching_messages_change_nothing_and_are_recorded(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let (return_action, genuine) = approved_without_server_message(&hub, &mut browser, &id).await;
    let notify = return_action.replace("/return", "/notify");
    let notify = notify.split('?').next().unwrap().to_owned();

    // 1. The genuine browser answer with the amount changed: the MAC no longer verifies.
    let mut tampered = genuine.clone();
    set(&mut tampered, "VK_AMOUNT", "0.01");
    let refused = browser.post(&return_action, &tampered).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.state(), "return-refused");
    // 2. The browser answer replayed as a server message: VK_AUTO says browser.
    let replayed = form(Client::new().post(&notify), &genuine)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    // 3. A correctly signed message whose amount differs from the attempt's.
    let mismatching = signed_for_another_amount(&hub, &genuine);
    let refused = form(Client::new().post(&notify), &mismatching)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    assert_eq!(hub.status(&id).await, "P");
    let kinds = hub.audit_kinds(&id).await;
    assert!(
        kinds.contains(&"payment.provider_message_refused".to_owned()),
        "{kinds:?}"
    );
    // The genuine answer still counts afterwards, and twice is the same as once.
    for _ in 0..2 {
        let landed = browser.post(&return_action, &genuine).await;
        assert_eq!(landed.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(hub.status(&id).await, "E");
}

async fn an_unknown_request_is_a_404_page(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let mut browser = Browser::new();
    let metrics = reqwest::get(format!("{}/metrics", hub.base)).await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    assert_eq!(metrics.headers()["x-request-id"].len(), 32);
    let ready = reqwest::get(format!("{}/ready", hub.base)).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    for query in ["id=7d9f4c1e-0000-4000-8000-000000000000", "id=nonsense", ""] {
        let page = browser
            .get(&format!("{}/Payments/?{query}", hub.base))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{query}");
        assert_eq!(page.state(), "not-found");
    }
    let text = reqwest::get(format!("{}/metrics", hub.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("maksa_http_requests_total{method=\"payer_page\",status=\"404\"} 3"),
        "{text}"
    );
    assert!(text.contains("maksa_notification_backlog{state=\"pending\"} 0"));
}

macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(false).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(true).await;
                }
            )*
        }
    };
}

on_both_databases!(
    paying_at_the_demo_bank_makes_the_request_executed,
    a_rejection_leaves_the_payment_payable,
    two_payees_are_paid_one_after_the_other,
    a_second_start_while_one_is_open_is_refused,
    a_request_naming_a_bank_goes_straight_to_it,
    a_form_without_the_csrf_token_changes_nothing,
    forged_and_mismatching_messages_change_nothing_and_are_recorded,
    an_unknown_request_is_a_404_page,
    a_paid_request_gets_its_receipt_unless_no_invoice,
    provider_messages_are_bounded_never_echoed_and_recorded_bounded,
    only_tokens_the_hub_issued_pass_the_csrf_check,
    the_original_page_addresses_serve_the_page_and_take_payments,
    oversized_page_forms_are_refused_with_413,
);

async fn a_paid_request_gets_its_receipt_unless_no_invoice(postgres: bool) {
    use maksa_app::store::DocumentFileKind;
    let hub = Hub::start(postgres).await;
    let lines = json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 3}]);
    let wants = hub.create("03G10", lines.clone()).await;
    let declines = hub
        .create_with("03G10", lines, json!({"NoInvoice": true}))
        .await;
    for id in [&wants, &declines] {
        let mut browser = Browser::new();
        let bank = to_the_bank(&hub, &mut browser, id).await;
        let page = decide(&hub, &mut browser, &bank, "approve").await;
        assert_eq!(page.state(), "paid", "{}", page.html);
    }
    let owner = ClientId::parse("demo").unwrap();
    let declined = PaymentRequestId::parse(&declines).unwrap();
    // NoInvoice: the payment's transaction recorded no receipt as due.
    assert_eq!(
        hub.store
            .document_state(&owner, declined)
            .await
            .unwrap()
            .map(|s| s.receipt_due),
        Some(false)
    );
    // The worker issues the other's receipt without anyone asking.
    let wanted = PaymentRequestId::parse(&wants).unwrap();
    let mut receipt = None;
    for _ in 0..100 {
        receipt = hub
            .store
            .latest_document(&owner, wanted, DocumentFileKind::PdfLatvian)
            .await
            .unwrap();
        if receipt.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let receipt = receipt.expect("the paid request's receipt was not issued");
    assert_eq!(receipt.kind, maksa_domain::document::DocumentKind::Receipt);
    assert_eq!(receipt.version, 1);
    let request = hub
        .store
        .payment_request(&owner, wanted)
        .await
        .unwrap()
        .unwrap();
    let purpose_id = request.payments[0].purpose_id.to_string();
    if have_tool("pdftotext") {
        let text = pdf_text(&receipt.bytes);
        for expected in [
            "Maksājuma apliecinājums",
            "Apmaksāts",
            purpose_id.as_str(),
            "maksa test hub",
            "Demo banka",
        ] {
            assert!(
                text.contains(expected),
                "`{expected}` not in the receipt: {text}"
            );
        }
    }
    let kinds = hub.audit_kinds(&wants).await;
    assert!(
        kinds.contains(&"document.receipt_issued".to_owned()),
        "{kinds:?}"
    );
    // Only one receipt, however often the worker runs.
    assert_eq!(
        hub.store
            .document_state(&owner, wanted)
            .await
            .unwrap()
            .map(|s| (s.latest_version, s.receipt_due)),
        Some((1, false))
    );
    assert_eq!(
        hub.store
            .latest_document(&owner, declined, DocumentFileKind::Xml)
            .await
            .unwrap(),
        None,
        "NoInvoice: no receipt"
    );
}

/// The header's value, or "" when absent.
fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Issue 11 §1.5: anyone can post to the providers' endpoints. A 1 MB message
/// is refused before it is read; a refused message is never echoed; and what
/// is recorded of it is bounded (its size, hash and first bytes).
async fn provider_messages_are_bounded_never_echoed_and_recorded_bounded(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let notify = format!("{}/providers/DEMO0000/notify", hub.base);
    let huge = "x".repeat(1024 * 1024);
    let answer = form(
        Client::new().post(&notify),
        &[("VK_SERVICE".into(), huge.clone())],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(header(&answer, "mm-error"), "BODY_TOO_LARGE");
    let text = answer.text().await.unwrap();
    // A short page that says what happened, and nothing of the message.
    assert!(text.len() < 1_000 && !text.contains("xxxx"), "{text}");

    // Under the limit but not a message: refused, and nothing of it comes back.
    // (2000 characters, 12,000 bytes URL-encoded.)
    let large = "ā".repeat(2000);
    for path in ["notify", "return"] {
        let answer = form(
            Client::new().post(format!("{}/providers/DEMO0000/{path}", hub.base)),
            &[("VK_SERVICE".into(), large.clone())],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(header(&answer, "mm-error"), "PROVIDER_MESSAGE_REFUSED");
        let text = answer.text().await.unwrap();
        assert!(!text.contains("āāāā"), "{path} echoed the message: {text}");
        assert!(text.len() < 20_000, "{path}: {} bytes", text.len());
        if path == "notify" {
            assert!(text.len() < 200, "{text}");
        }
    }

    // A message about a real attempt (signed, but for another amount) carrying
    // a large unsigned field: refused, recorded on the request, bounded.
    let id = hub.create_one().await;
    let mut browser = Browser::new();
    let (_, genuine) = approved_without_server_message(&hub, &mut browser, &id).await;
    let mut mismatching = signed_for_another_amount(&hub, &genuine);
    set(&mut mismatching, "VK_LANG", &large);
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &mismatching {
        body.append_pair(k, v);
    }
    let body = body.finish();
    assert!(body.len() < 16 * 1024, "{}", body.len());
    let answer = Client::new()
        .post(&notify)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(header(&answer, "mm-error"), "PROVIDER_MESSAGE_REFUSED");
    let text = answer.text().await.unwrap();
    assert!(!text.contains("999") && !text.contains("ā"), "{text}");
    assert_eq!(hub.status(&id).await, "P");

    let events = hub
        .store
        .audit_events(PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    let refused = events
        .iter()
        .find(|e| e.kind == "payment.provider_message_refused")
        .expect("the refusal is recorded");
    let message = &refused.detail["message"];
    assert_eq!(message["bytes"], json!(body.len()), "{message}");
    assert_eq!(message["truncated"], json!(true));
    let sha256 = message["sha256"].as_str().unwrap();
    assert!(
        sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()),
        "{sha256}"
    );
    let head = message["head"].as_str().unwrap();
    assert!(
        head.len() <= 512 && head.starts_with("VK_SERVICE=1111"),
        "{head}"
    );
    let stored = refused.detail.to_string().len();
    assert!(stored < 2000, "{stored} bytes recorded for one refusal");
}

/// Issue 11 §1.7: the token is bound to a key only the hub knows.
async fn only_tokens_the_hub_issued_pass_the_csrf_check(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let first = hub.create_one().await;
    let second = hub.create_one().await;
    let page_of = |id: &str| format!("{}/Payments/?id={id}", hub.base);

    // The double-submit forgery: one chosen value as cookie and as field.
    let chosen = "0123456789abcdef0123456789abcdef";
    let mut forger = Browser::new();
    forger.cookie = Some(format!("maksa_csrf={chosen}"));
    let forged = forger
        .post(
            &format!("{}/Payments/pay", hub.base),
            &[
                ("id".into(), first.clone()),
                ("sequence".into(), "1".into()),
                ("provider".into(), "DEMO0000".into()),
                ("csrf".into(), chosen.into()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.state(), "stale-form");
    // … and the foreign cookie is replaced by one the hub issued.
    let fresh = forger.cookie.clone().unwrap();
    assert_ne!(fresh, format!("maksa_csrf={chosen}"));
    // Opening the page with a foreign cookie issues a fresh one too.
    let mut planted = Browser::new();
    planted.cookie = Some(format!("maksa_csrf={chosen}"));
    let page = planted.get(&page_of(&first)).await;
    assert_eq!(page.state(), "choose-provider");
    let issued = planted.cookie.clone().unwrap();
    assert_ne!(issued, format!("maksa_csrf={chosen}"));
    let (_, fields) = page.form("data-action=\"pay\"");
    let token = fields.iter().find(|(k, _)| k == "csrf").unwrap().1.clone();
    assert_ne!(token, chosen);
    assert!(!issued.contains(&token), "the token is not the cookie");

    // A token from another browser's session does not pass with this cookie.
    let mut alice = Browser::new();
    let alice_page = alice.get(&page_of(&first)).await;
    let (action, alice_fields) = alice_page.form("data-action=\"pay\"");
    let refused = planted.post(&absolute(&hub, &action), &alice_fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Nor does a token for another request, in the same session.
    let other = alice.get(&page_of(&second)).await;
    let (_, other_fields) = other.form("data-action=\"pay\"");
    let other_token = other_fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .unwrap()
        .1
        .clone();
    let mut crossed = alice_fields.clone();
    set(&mut crossed, "csrf", &other_token);
    let refused = alice.post(&absolute(&hub, &action), &crossed).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        hub.store
            .attempts_of(PaymentRequestId::parse(&first).unwrap())
            .await
            .unwrap()
            .is_empty(),
        "nothing started"
    );

    // The token the hub issued, with its session, works.
    let handoff = alice.post(&absolute(&hub, &action), &alice_fields).await;
    assert_eq!(handoff.state(), "handoff", "{}", handoff.html);
    // The key lives in the database, where every node (and a restart) finds it.
    let stored = hub
        .store
        .server_key(
            "payer-pages-form-key",
            &[9u8; 32],
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    assert_ne!(stored, vec![9u8; 32], "the key was stored on first use");
}

/// Issue 11 §2.4: the original module's page addresses.
async fn the_original_page_addresses_serve_the_page_and_take_payments(postgres: bool) {
    let hub = Hub::start(postgres).await;
    for door in ["/MM/WebUI2/Payments", "/MM_WebUI/WebUI2/Payments"] {
        let id = hub.create_one().await;
        let mut browser = Browser::new();
        // Without the trailing slash too.
        let bare = browser.get(&format!("{}{door}?id={id}", hub.base)).await;
        assert_eq!(bare.status, StatusCode::OK, "{door}");
        assert_eq!(bare.state(), "choose-provider");
        let page = browser
            .get(&format!("{}{door}/?id={id}&language=ENG", hub.base))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{door}");
        let set_cookie = browser.set_cookie.clone().unwrap();
        assert!(
            set_cookie.contains(&format!("Path={door};")),
            "{set_cookie}"
        );
        // The forms and the settings bar stay at this address…
        let (action, _) = page.form("data-action=\"pay\"");
        assert_eq!(action, format!("{door}/pay"));
        assert!(
            page.html.contains(&format!(
                "href=\"{door}/?id={id}&amp;language=ENG&amp;fs=font-size-125"
            )),
            "{}",
            page.html
        );
        // …and the assets resolve from here.
        assert!(page.html.contains("href=\"/assets/maksa.css\""));
        let css = reqwest::get(format!("{}/assets/maksa.css", hub.base))
            .await
            .unwrap();
        assert_eq!(css.status(), StatusCode::OK);
        // A payment made from there.
        let bank = to_the_bank_from(&hub, &mut browser, &format!("{door}/"), &id).await;
        let paid = decide(&hub, &mut browser, &bank, "approve").await;
        assert_eq!(paid.state(), "paid", "{}", paid.html);
        assert_eq!(hub.status(&id).await, "E");
    }
}

/// Page forms are small; a large one is refused with the status every door
/// gives `BODY_TOO_LARGE` (the pages no longer map errors themselves).
async fn oversized_page_forms_are_refused_with_413(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let mut browser = Browser::new();
    for path in [
        "/Payments/pay",
        "/Payments/refresh",
        "/MM/WebUI2/Payments/pay",
    ] {
        let page = browser
            .post(
                &format!("{}{path}", hub.base),
                &[("id".into(), "x".repeat(20_000))],
            )
            .await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(!page.html.contains("xxxx"));
    }
}
