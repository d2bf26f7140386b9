//! The connector contract suite: written once, run against every bank
//! protocol with its simulator, on both databases — the real server on port 0
//! with the simulator mounted where `maksa demo` mounts it, the payer's pages,
//! and each message on the wire as the bank sends it (docs/providers/).
//!
//! For every bank: paid with the server message first and with the browser
//! return first, converging to one executed payment; every signed field of
//! each message tampered in turn is refused and changes nothing; replays change
//! nothing; a bank answering about another amount, currency or order is
//! refused; lost messages are recovered by asking the bank where the protocol
//! has a query, and otherwise wait for the server message.

#![allow(clippy::unwrap_used)]

mod support;
use maksa_domain::attempt::AttemptState;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_providers::sim::Sandbox;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::payer_hub::*;

/// One bank protocol under test.
#[derive(Clone, Copy)]
struct Bank {
    /// Where the simulator is mounted: `/sim/{name}`.
    name: &'static str,
    code: &'static str,
    sandbox: fn(&Path, ProviderCode, &str, &str) -> std::io::Result<Sandbox>,
    /// Fields (form fields, query parameters, headers, XML elements or JSON
    /// members) the protocol does not sign: changing them may be accepted.
    unsigned: &'static [&'static str],
    /// The bank answers status queries (else lost messages wait for its
    /// server message).
    queries: bool,
    /// The browser return alone proves the payment (SEB's 0003 only says
    /// "accepted"; its 0004 server message says "paid").
    browser_return_pays: bool,
    /// The bank sends server-to-server messages (a PSD2 ASPSP sends none:
    /// its status answer is the only outcome, and the return only names the
    /// attempt, the one part that can be tampered with).
    server_messages: bool,
    /// The misbehaviours its messages let the hub see: `amount`, `currency`,
    /// `reference` (SEB's 0004 names the payment but carries no amount).
    detectable: &'static [&'static str],
}

/// The hub's own parameters in the return address it gave the bank (the
/// page's language and display settings): no bank signs them.
const HUB_RETURN_PARAMETERS: [&str; 3] = ["language", "fs", "bm"];

/// The keys of each bank's sandbox, shared by the tests (generating RSA keys
/// is the slow part of a sandbox).
fn keys_dir(bank: &Bank) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("maksa-contract-keys-{}", bank.name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn hub_with(bank: Bank, postgres: bool) -> Hub {
    Hub::start_with(postgres, move |base| {
        let path = format!("/sim/{}", bank.name);
        let sandbox = (bank.sandbox)(
            &keys_dir(&bank),
            ProviderCode::parse(bank.code).unwrap(),
            &format!("{base}{path}"),
            base,
        )
        .unwrap();
        vec![(path, sandbox)]
    })
    .await
}

/// A request of one payment (1.00 EUR) payable only at `bank`.
async fn request_for(hub: &Hub, bank: &Bank) -> String {
    hub.create_with(
        "03G10",
        json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
        json!({"AllowedBanks": [{"SwiftCode": bank.code}]}),
    )
    .await
}

/// An HTTP request as a bank's message travels: by the payer's browser (a
/// form, GET or POST) or server to server.
#[derive(Debug, Clone)]
struct Wire {
    method: String,
    url: String,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Wire {
    fn from_json(value: &Value) -> Wire {
        Wire {
            method: value["method"].as_str().unwrap().to_owned(),
            url: value["url"].as_str().unwrap().to_owned(),
            content_type: value["content_type"].as_str().map(str::to_owned),
            headers: value["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_owned(),
                        pair[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
            body: value["body"].as_str().unwrap().as_bytes().to_vec(),
        }
    }

    async fn send(&self) -> reqwest::Response {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut request = client.request(method, &self.url);
        if let Some(content_type) = &self.content_type {
            request = request.header("content-type", content_type);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request.body(self.body.clone()).send().await.unwrap()
    }

    fn is_form_body(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    }

    fn query_fields(&self) -> Vec<(String, String)> {
        let url = url::Url::parse(&self.url).unwrap();
        url.query_pairs().into_owned().collect()
    }

    fn with_query(&self, fields: &[(String, String)]) -> Wire {
        let mut url = url::Url::parse(&self.url).unwrap();
        url.query_pairs_mut().clear().extend_pairs(fields);
        Wire {
            url: url.to_string(),
            ..self.clone()
        }
    }

    fn with_form(&self, fields: &[(String, String)]) -> Wire {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        Wire {
            body: body.into_bytes(),
            ..self.clone()
        }
    }

    /// Every variant of this message with one part changed, named by the
    /// part: each query parameter and form field, each element's text of an
    /// XML value, each member of a JSON body, each header.
    fn tampered(&self) -> Vec<(String, Wire)> {
        let mut variants = Vec::new();
        let query = self.query_fields();
        for (i, (name, value)) in query.iter().enumerate() {
            for (part, changed) in changed_values(name, value) {
                let mut fields = query.clone();
                fields[i].1 = changed;
                variants.push((part, self.with_query(&fields)));
            }
        }
        if self.is_form_body() {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&self.body)
                .into_owned()
                .collect();
            for (i, (name, value)) in form.iter().enumerate() {
                for (part, changed) in changed_values(name, value) {
                    let mut fields = form.clone();
                    fields[i].1 = changed;
                    variants.push((part, self.with_form(&fields)));
                }
            }
        } else if let Ok(json) = serde_json::from_slice::<Value>(&self.body) {
            for (part, changed) in changed_json(&json, "") {
                variants.push((
                    part,
                    Wire {
                        body: serde_json::to_vec(&changed).unwrap(),
                        ..self.clone()
                    },
                ));
            }
        }
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let mut headers = self.headers.clone();
            headers[i].1 = change_text(value);
            variants.push((
                name.clone(),
                Wire {
                    headers,
                    ..self.clone()
                },
            ));
        }
        variants
    }
}

/// A text with one character changed (the last letter or digit, so the
/// change stays within the field's alphabet), or `X` for an empty one.
fn change_text(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    match chars.iter().rposition(|c| c.is_ascii_alphanumeric()) {
        Some(i) => {
            chars[i] = match chars[i] {
                '9' => '8',
                'z' => 'y',
                'Z' => 'Y',
                c if c.is_ascii_digit() || c.is_ascii_alphabetic() => (c as u8 + 1) as char,
                c => c,
            };
            chars.into_iter().collect()
        }
        None => format!("{text}X"),
    }
}

/// The changed values of one field: the value itself, or — for a field
/// that carries XML (FIDAVISTA's `xmldata`) — each element's text in turn,
/// named by the element.
fn changed_values(name: &str, value: &str) -> Vec<(String, String)> {
    if !value.trim_start().starts_with('<') {
        return vec![(name.to_owned(), change_text(value))];
    }
    let mut variants = Vec::new();
    let mut at = 0;
    while let Some(open_end) = value[at..].find('>').map(|i| at + i) {
        let text_end = match value[open_end..].find('<') {
            Some(i) => open_end + i,
            None => break,
        };
        let text = &value[open_end + 1..text_end];
        if !text.trim().is_empty() {
            let tag_start = value[..open_end].rfind('<').unwrap();
            let element = value[tag_start + 1..open_end]
                .split([' ', '/'])
                .next()
                .unwrap_or_default()
                .to_owned();
            let changed = format!(
                "{}{}{}",
                &value[..open_end + 1],
                change_text(text),
                &value[text_end..]
            );
            variants.push((element, changed));
        }
        at = text_end;
    }
    variants
}

/// Each leaf of a JSON document changed in turn, named by its path.
fn changed_json(value: &Value, path: &str) -> Vec<(String, Value)> {
    match value {
        Value::Object(members) => members
            .iter()
            .flat_map(|(key, member)| {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                changed_json(member, &here)
                    .into_iter()
                    .map(|(part, changed)| {
                        let mut copy = value.clone();
                        copy[key] = changed;
                        (part, copy)
                    })
                    .collect::<Vec<_>>()
            })
            .collect(),
        Value::String(text) => vec![(path.to_owned(), Value::String(change_text(text)))],
        Value::Number(n) => vec![(
            path.to_owned(),
            serde_json::from_str(&change_text(&n.to_string())).unwrap_or(json!(0)),
        )],
        Value::Bool(b) => vec![(path.to_owned(), Value::Bool(!b))],
        _ => Vec::new(),
    }
}

/// The part's name as the bank's `unsigned` list names it (the last
/// segment of a JSON path, the element of an XML field).
fn is_unsigned(bank: &Bank, part: &str) -> bool {
    let last = part.rsplit('.').next().unwrap_or(part);
    bank.unsigned
        .iter()
        .chain(HUB_RETURN_PARAMETERS.iter())
        .any(|u| u.eq_ignore_ascii_case(part) || u.eq_ignore_ascii_case(last))
}

/// Opens the request's page, pays at `bank`, and arrives at the bank's
/// approve page; answers it and the order's key there.
async fn to_the_bank(hub: &Hub, browser: &mut Browser, id: &str, bank: &Bank) -> (Page, String) {
    let page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    let (action, mut fields) = page.form("data-action=\"pay\"");
    set(&mut fields, "provider", bank.code);
    let handoff = browser.post(&absolute(hub, &action), &fields).await;
    let approve = follow_handoff(hub, browser, &handoff).await;
    let (_, fields) = approve.form("data-action=\"approve\"");
    let key = fields
        .iter()
        .find(|(k, _)| k == "order")
        .map(|(_, v)| v.clone())
        .unwrap();
    (approve, key)
}

/// Decides at the bank with the tester's `options`; answers the bank's page.
async fn decide_at_bank(
    hub: &Hub,
    browser: &mut Browser,
    approve: &Page,
    decision: &str,
    options: &[(&str, &str)],
) -> Page {
    let (action, mut fields) = approve.form("data-action=\"approve\"");
    set(&mut fields, "decision", decision);
    for (name, value) in options {
        set(&mut fields, name, value);
    }
    browser.post(&absolute(hub, &action), &fields).await
}

/// The browser return on the bank's return page, as the browser sends it.
fn browser_return(page: &Page) -> Wire {
    assert_eq!(page.state(), "bank-return", "{}", page.html);
    let (action, fields) = page.form("data-action=\"return-to-merchant\"");
    let form_start = page.html.find("data-autosubmit").unwrap();
    let get = page.html[..form_start]
        .rfind("method=\"get\"")
        .is_some_and(|at| page.html[at..form_start].find("<form").is_none());
    let wire = Wire {
        method: if get { "GET" } else { "POST" }.into(),
        url: action,
        content_type: (!get).then(|| "application/x-www-form-urlencoded".into()),
        headers: Vec::new(),
        body: Vec::new(),
    };
    if get {
        wire.with_query(&fields)
    } else {
        wire.with_form(&fields)
    }
}

/// The server messages the bank made for the order `key`.
async fn server_messages(hub: &Hub, bank: &Bank, key: &str) -> Vec<Wire> {
    let url = format!("{}/sim/{}/messages?key={key}", hub.base, bank.name);
    let all: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"] == "server")
        .map(Wire::from_json)
        .collect()
}

async fn attempts(hub: &Hub, id: &str) -> Vec<maksa_domain::attempt::Attempt> {
    hub.store
        .attempts_of(PaymentRequestId::parse(id).unwrap())
        .await
        .unwrap()
}

/// Paid, the one attempt executed, nothing doubled.
async fn assert_paid_once(hub: &Hub, id: &str) {
    assert_eq!(hub.status(id).await, "E");
    let attempts = attempts(hub, id).await;
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].state, AttemptState::Executed);
}

/// Unpaid, the one attempt still open: nothing was taken in.
async fn assert_unchanged(hub: &Hub, id: &str, what: &str) {
    assert_eq!(hub.status(id).await, "P", "{what}");
    let attempts = attempts(hub, id).await;
    assert_eq!(attempts.len(), 1, "{what}");
    assert!(
        attempts[0].state.is_open(),
        "{what}: {:?}",
        attempts[0].state
    );
}

/// Approves with both messages held back; answers the browser return and the
/// server message (for a protocol that sends one).
async fn approved_and_held(
    hub: &Hub,
    browser: &mut Browser,
    id: &str,
    bank: &Bank,
    options: &[(&str, &str)],
) -> (Wire, Option<Wire>) {
    let (approve, key) = to_the_bank(hub, browser, id, bank).await;
    let mut all = vec![("server_message", "drop")];
    all.extend_from_slice(options);
    let page = decide_at_bank(hub, browser, &approve, "approve", &all).await;
    let returned = browser_return(&page);
    let server = server_messages(hub, bank, &key).await.into_iter().last();
    (returned, server)
}

async fn paid_with_the_server_message_first(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    let (returned, server) = approved_and_held(&hub, &mut browser, &id, &bank, &[]).await;
    if !bank.server_messages {
        // Nothing comes server to server: the payment waits for the return
        // (or the status-recovery worker), however long the bank took.
        assert!(server.is_none(), "{} sent a server message", bank.name);
        assert_unchanged(&hub, &id, "before the return").await;
        assert_eq!(returned.send().await.status(), StatusCode::SEE_OTHER);
        assert_paid_once(&hub, &id).await;
        return;
    }
    let server = server.expect("the bank sends a server message");
    let answer = server.send().await;
    assert!(answer.status().is_success(), "{:?}", answer.text().await);
    assert_paid_once(&hub, &id).await;
    let landed = returned.send().await;
    assert_eq!(landed.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(&absolute(
            &hub,
            landed.headers()["location"].to_str().unwrap(),
        ))
        .await;
    assert_eq!(page.state(), "paid", "{}", page.html);
    assert_paid_once(&hub, &id).await;
}

async fn paid_with_the_browser_return_first(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    let (returned, server) = approved_and_held(&hub, &mut browser, &id, &bank, &[]).await;
    let landed = returned.send().await;
    assert_eq!(landed.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(&absolute(
            &hub,
            landed.headers()["location"].to_str().unwrap(),
        ))
        .await;
    if bank.browser_return_pays {
        assert_eq!(page.state(), "paid", "{}", page.html);
        assert_paid_once(&hub, &id).await;
    } else {
        assert_eq!(page.state(), "in-progress", "{}", page.html);
        assert_unchanged(&hub, &id, "accepted, not paid").await;
    }
    if let Some(server) = server {
        let answer = server.send().await;
        assert!(answer.status().is_success());
    }
    assert_paid_once(&hub, &id).await;
}

async fn every_signed_part_tampered_is_refused(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    let (returned, server) = approved_and_held(&hub, &mut browser, &id, &bank, &[]).await;
    // Unsigned parts last: a message that only points at the attempt makes
    // the hub ask the bank, which may then pay the request legitimately.
    let (signed, unsigned): (Vec<_>, Vec<_>) = server
        .iter()
        .chain([&returned])
        .flat_map(Wire::tampered)
        .partition(|(part, _)| !is_unsigned(&bank, part));
    let at_least = if bank.server_messages { 3 } else { 1 };
    assert!(
        signed.len() >= at_least,
        "only {} signed parts",
        signed.len()
    );
    let mut refused = 0;
    for (part, forged) in signed {
        let answer = forged.send().await;
        let status = answer.status();
        if let Some(code) = answer.headers().get("mm-error") {
            assert_eq!(code, "PROVIDER_MESSAGE_REFUSED", "{part}");
            refused += 1;
        }
        assert!(!status.is_server_error(), "{part}: {status}");
        assert!(
            !status.is_success() && status != StatusCode::SEE_OTHER,
            "{} tampered with {part} was taken: {status}",
            bank.name
        );
        assert_unchanged(&hub, &id, &part).await;
    }
    assert!(refused > 0 || server.is_none(), "no refusal named its code");
    for (part, forged) in unsigned {
        let status = forged.send().await.status();
        assert!(!status.is_server_error(), "{part}: {status}");
    }
    // The genuine messages still count.
    match server {
        Some(server) => assert!(server.send().await.status().is_success()),
        None => assert_eq!(returned.send().await.status(), StatusCode::SEE_OTHER),
    }
    assert_paid_once(&hub, &id).await;
}

async fn replays_change_nothing(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    let (returned, server) = approved_and_held(&hub, &mut browser, &id, &bank, &[]).await;
    for _ in 0..3 {
        if let Some(server) = &server {
            assert!(server.send().await.status().is_success());
        }
        assert_eq!(returned.send().await.status(), StatusCode::SEE_OTHER);
        assert_paid_once(&hub, &id).await;
    }
    let owner = maksa_domain::ids::ClientId::parse("demo").unwrap();
    let notifications = hub
        .store
        .notification_log(&owner, PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(notifications.len(), 1, "one notification of E");
}

async fn a_misbehaving_bank_is_refused(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    for &answer in bank.detectable {
        let id = request_for(&hub, &bank).await;
        let mut browser = Browser::new();
        let (returned, server) =
            approved_and_held(&hub, &mut browser, &id, &bank, &[("answer", answer)]).await;
        if let Some(server) = server {
            let taken = server.send().await.status();
            assert!(taken.is_client_error(), "{answer}: {taken}");
        }
        let landed = returned.send().await.status();
        assert_ne!(landed, StatusCode::SEE_OTHER, "{answer}");
        assert!(!landed.is_server_error(), "{answer}: {landed}");
        assert_unchanged(&hub, &id, answer).await;
    }
}

async fn lost_messages_are_recovered(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    let (approve, key) = to_the_bank(&hub, &mut browser, &id, &bank).await;
    let page = decide_at_bank(
        &hub,
        &mut browser,
        &approve,
        "approve",
        &[("server_message", "drop"), ("browser_return", "drop")],
    )
    .await;
    assert_eq!(page.state(), "bank-done", "{}", page.html);
    // The payer's "check again" asks the provider, as the recovery worker does.
    let mut page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    if page.state() == "in-progress" {
        let (action, fields) = page.form("data-action=\"refresh-status\"");
        let back = browser.post(&absolute(&hub, &action), &fields).await;
        page = browser
            .get(&absolute(&hub, back.location.as_deref().unwrap()))
            .await;
    }
    if bank.queries {
        assert_eq!(page.state(), "paid", "{}", page.html);
        assert_paid_once(&hub, &id).await;
    } else {
        assert_unchanged(&hub, &id, "no query").await;
        let server = server_messages(&hub, &bank, &key).await;
        let server = server.last().expect("the bank's server message");
        assert!(server.send().await.status().is_success());
        assert_paid_once(&hub, &id).await;
    }
}

async fn a_rejection_leaves_the_payment_payable(bank: Bank, postgres: bool) {
    let hub = hub_with(bank, postgres).await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    for decision in ["reject", "cancel"] {
        let (approve, _) = to_the_bank(&hub, &mut browser, &id, &bank).await;
        let page = decide_at_bank(&hub, &mut browser, &approve, decision, &[]).await;
        let landed = browser_return(&page).send().await;
        assert_eq!(landed.status(), StatusCode::SEE_OTHER, "{decision}");
        assert_eq!(hub.status(&id).await, "P");
        let all = attempts(&hub, &id).await;
        assert!(
            all.iter().all(|a| !a.state.is_open()),
            "{decision}: {all:?}"
        );
    }
    let (approve, _) = to_the_bank(&hub, &mut browser, &id, &bank).await;
    let page = decide_at_bank(&hub, &mut browser, &approve, "approve", &[]).await;
    let landed = browser_return(&page).send().await;
    assert_eq!(landed.status(), StatusCode::SEE_OTHER);
    assert_eq!(hub.status(&id).await, "E");
}

/// Runs every scenario for one bank, on both databases:
/// `<bank>::<scenario>::{sqlite,postgres}`.
macro_rules! contract_suite {
    ($bank:ident: $definition:expr) => {
        mod $bank {
            use super::*;
            pub(crate) const BANK: Bank = $definition;
            contract_suite!(@scenarios
                paid_with_the_server_message_first,
                paid_with_the_browser_return_first,
                every_signed_part_tampered_is_refused,
                replays_change_nothing,
                a_misbehaving_bank_is_refused,
                lost_messages_are_recovered,
                a_rejection_leaves_the_payment_payable,
            );
        }
    };
    (@scenarios $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::super::$scenario(super::BANK, false).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::super::$scenario(super::BANK, true).await
            }
        }
    )*};
}

#[test]
fn tampering_changes_one_part_at_a_time() {
    let wire = Wire {
        method: "POST".into(),
        url: "http://h/r?a=1".into(),
        content_type: Some("application/x-www-form-urlencoded".into()),
        headers: vec![("x-sig".into(), "abc".into())],
        body:
            b"b=xyz&c=&xmldata=%3Cr%3E%3Cs%3E19%3C%2Fs%3E%3Ct+x%3D%221%22%3Eq%3C%2Ft%3E%3C%2Fr%3E"
                .to_vec(),
    };
    let parts: Vec<String> = wire.tampered().into_iter().map(|(p, _)| p).collect();
    assert_eq!(parts, ["a", "b", "c", "s", "t", "x-sig"]);
    assert_eq!(change_text("19"), "18");
    assert_eq!(change_text(""), "X");
    assert_eq!(change_text("ab-"), "ac-");
    let json = json!({"id": "t1", "amount": {"value": 12.5}, "ok": true});
    let parts: Vec<String> = changed_json(&json, "")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(parts, ["amount.value", "id", "ok"]);
}

contract_suite!(swedbank_v3: Bank {
    name: "swedbank-v3",
    code: "HABALV22",
    sandbox: maksa_providers::swedbank_v3::sandbox,
    unsigned: &[],
    queries: true,
    browser_return_pays: true,
    server_messages: true,
    detectable: &["amount", "currency", "reference"],
});

/// A bank that creates its transaction server to server (Swedbank V3) and
/// cannot be reached: the payer is sent back to choose another bank, and
/// the attempt is closed, so the payment can be started again.
async fn an_unreachable_bank_sends_the_payer_back(postgres: bool) {
    let bank = swedbank_v3::BANK;
    let hub = Hub::start_with(postgres, move |base| {
        // The simulator is mounted, but the connector talks to a closed port.
        let sandbox = (bank.sandbox)(
            &keys_dir(&bank),
            ProviderCode::parse(bank.code).unwrap(),
            "http://127.0.0.1:9/sim/swedbank-v3",
            base,
        )
        .unwrap();
        vec![(format!("/sim/{}", bank.name), sandbox)]
    })
    .await;
    let id = request_for(&hub, &bank).await;
    let mut browser = Browser::new();
    let page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    let (action, fields) = page.form("data-action=\"pay\"");
    let back = browser.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let location = back.location.unwrap();
    assert!(
        location.contains("notice=PROVIDER_UNAVAILABLE"),
        "{location}"
    );
    let page = browser.get(&absolute(&hub, &location)).await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    assert!(page.html.contains("choose another bank"), "{}", page.html);
    assert_eq!(hub.status(&id).await, "P");
    let all = attempts(&hub, &id).await;
    assert_eq!(all.len(), 1);
    assert!(!all[0].state.is_open(), "{:?}", all[0].state);
}

mod unreachable {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_unreachable_bank_sends_the_payer_back(false).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::an_unreachable_bank_sends_the_payer_back(true).await
    }
}

// A Berlin Group ASPSP (docs/providers/psd2.md): the return only names the
// attempt (a parameter of ours), and the signed-over-TLS status answer is the
// only outcome; there is no server message. A tampered attempt parameter is
// an unknown attempt; the misbehaving bank's `reference` answers about no
// payment of ours (403 RESOURCE_UNKNOWN) and changes nothing.
contract_suite!(psd2: Bank {
    name: "psd2",
    code: "PSD2DEMO",
    sandbox: |dir, code, bank, hub| maksa_providers::psd2::sandbox(dir, code, bank, hub, None),
    unsigned: &[],
    queries: true,
    browser_return_pays: true,
    server_messages: false,
    detectable: &["reference"],
});

contract_suite!(swedbank_link: Bank {
    name: "swedbank-link",
    code: "SWEDLINK",
    sandbox: maksa_providers::swedbank_link::sandbox,
    unsigned: &["VK_AUTO", "VK_MAC", "VK_ENCODING", "VK_LANG", "VK_CHARSET"],
    queries: false,
    browser_return_pays: true,
    server_messages: true,
    detectable: &["amount", "currency", "reference"],
});

contract_suite!(seb: Bank {
    name: "seb",
    code: "UNLALV2X",
    sandbox: maksa_providers::seb_elink::sandbox,
    unsigned: &["IB_FROM_SERVER", "IB_LANG", "IB_CRC"],
    queries: false,
    browser_return_pays: false,
    server_messages: true,
    detectable: &["reference"],
});

contract_suite!(luminor: Bank {
    name: "luminor",
    code: "RIKOLV2X",
    sandbox: maksa_providers::ipizza::sandbox,
    unsigned: &["VK_AUTO", "VK_MAC", "VK_ENCODING", "VK_LANG", "VK_CHARSET"],
    queries: false,
    browser_return_pays: true,
    server_messages: true,
    detectable: &["amount", "currency", "reference"],
});

/// A request with two payees, the first paid through Swedbank (V3: server
/// to server, JWS) and the second through Luminor (iPizza: signed forms):
/// each payment converges on its own, and the request is paid once both are.
async fn two_payees_paid_through_two_banks(postgres: bool) {
    let banks = [swedbank_v3::BANK, luminor::BANK];
    let hub = Hub::start_with(postgres, move |base| {
        banks
            .iter()
            .map(|bank| {
                let path = format!("/sim/{}", bank.name);
                let sandbox = (bank.sandbox)(
                    &keys_dir(bank),
                    ProviderCode::parse(bank.code).unwrap(),
                    &format!("{base}{path}"),
                    base,
                )
                .unwrap();
                (path, sandbox)
            })
            .collect()
    })
    .await;
    let id = hub
        .create_with(
            "02Y70",
            json!([
                {"Position": "53", "ItemElementName": "Quantity", "Item": 1},
                {"Position": "54", "ItemElementName": "Amount", "Item": "5.00"}
            ]),
            json!({"AllowedBanks": [{"SwiftCode": "HABALV22"}, {"SwiftCode": "RIKOLV2X"}]}),
        )
        .await;
    let mut browser = Browser::new();
    for (sequence, bank) in banks.iter().enumerate() {
        let (returned, server) = approved_and_held(&hub, &mut browser, &id, bank, &[]).await;
        assert!(server.unwrap().send().await.status().is_success());
        let landed = returned.send().await;
        assert_eq!(landed.status(), StatusCode::SEE_OTHER);
        let expected = if sequence == 0 { "P" } else { "E" };
        assert_eq!(hub.status(&id).await, expected, "after {}", bank.name);
    }
    let all = attempts(&hub, &id).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|a| a.state == AttemptState::Executed));
    let providers: Vec<&str> = all.iter().map(|a| a.provider.as_str()).collect();
    assert!(providers.contains(&"HABALV22") && providers.contains(&"RIKOLV2X"));
    let owner = maksa_domain::ids::ClientId::parse("demo").unwrap();
    let notifications = hub
        .store
        .notification_log(&owner, PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(notifications.len(), 1, "one notification of E");
}

mod two_banks {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::two_payees_paid_through_two_banks(false).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::two_payees_paid_through_two_banks(true).await
    }
}

contract_suite!(citadele: Bank {
    name: "citadele",
    code: "PARXLV22",
    sandbox: maksa_providers::citadele::sandbox,
    // KeyInfo only tells which key signed; the configured certificates decide.
    unsigned: &["X509Certificate"],
    queries: false,
    browser_return_pays: false,
    server_messages: true,
    detectable: &["reference"],
});
