//! The payer's side over HTTP: the real server on port 0 with the demo bank
//! (and, for the connector contract suite, the banks' simulators) mounted,
//! and a browser as far as the pages need one.

use maksa_app::admin::Admin;
use maksa_app::clock::SystemClock;
use maksa_app::payment_requests::HubSettings;
use maksa_app::providers::Connectors;
use maksa_app::store::prelude::*;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::CreationRules;
use maksa_providers::{DemoBank, DemoKeys};
use maksa_server::{AppState, Listeners, PageSettings, PayerOptions, RunningServer};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

use super::{Backend, DatabaseGuard, open_store};

pub struct Hub {
    pub _server: RunningServer,
    pub base: String,
    pub store: Arc<dyn Store>,
    pub mm_cert: String,
    /// Signs bank answers as the demo bank does, for forged-message tests.
    pub keys: DemoKeys,
    /// Card reversals and day closes, as the operator's page calls them.
    pub cards: Arc<maksa_app::cards::Cards>,
    /// The connectors the server runs (the demo bank's and the simulators'),
    /// for workers a test runs in-process on the same store (`support::workers`).
    pub connectors: Connectors,
    pub _database: DatabaseGuard,
}

impl Hub {
    pub async fn start(postgres: bool) -> Hub {
        Hub::start_with(postgres, |_| Vec::new()).await
    }

    /// The hub with more providers: `banks(base)` answers, for the hub at
    /// `base`, each bank's mount path (`/sim/seb`) and its sandbox.
    pub async fn start_with(
        postgres: bool,
        banks: impl FnOnce(&str) -> Vec<(String, maksa_providers::sim::Sandbox)>,
    ) -> Hub {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (store, database) = open_store(Backend::postgres_if(postgres)).await;
        let clock = Arc::new(SystemClock);
        let bound = maksa_server::bind(Listeners {
            http: Some("127.0.0.1:0".parse().unwrap()),
            https: None,
        })
        .await
        .unwrap();
        let port = bound.http_addr().unwrap().port();
        let base = format!("http://{}", bound.http_addr().unwrap());
        let admin = Admin::new(Arc::clone(&store), clock.clone());
        let catalog = include_str!("../../../../demo/catalog.toml").replace(
            "  \"http://localhost:8080\",\n]",
            &format!("  \"http://localhost:8080\",\n  \"{base}\",\n]"),
        );
        admin.import_catalog(&catalog).await.unwrap();
        let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "demo").unwrap();
        let info = maksa_x509::parse_mm_cert(&pki.client_cert_pem).unwrap();
        admin
            .register_client(
                ClientId::parse("demo").unwrap(),
                &maksa_server::presented(&info),
                Vec::new(),
                Vec::new(),
            )
            .await
            .unwrap();
        let keys_dir = tempfile::tempdir().unwrap();
        let keys = DemoKeys::load_or_create(keys_dir.path()).unwrap();
        let bank = DemoBank::new(
            DemoKeys::load_or_create(keys_dir.path()).unwrap(),
            format!("{base}/demo-bank"),
            base.clone(),
        );
        let mut connectors = Connectors::new();
        connectors.register(bank.connector());
        let mut mounts = vec![("/demo-bank".to_owned(), bank.router())];
        for (path, sandbox) in banks(&base) {
            connectors.register(sandbox.connector.clone());
            mounts.push((path, sandbox.simulator.router()));
        }
        let registered = connectors.clone();
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
            64 * 1024,
            PayerOptions {
                connectors,
                pages: PageSettings {
                    return_redirect_seconds: 3,
                },
                mounts,
                // Notifications go to the hub's own /health: loopback allowed here.
                outbound: Some(Arc::new(maksa_outbound::OutboundClient::new(
                    maksa_outbound::OutboundPolicy::allow_loopback().allow_port(port),
                ))),
                // The tests close card days themselves: no daily close that
                // would depend on the hour they run at.
                cards: maksa_app::cards::CardSettings {
                    close_days: false,
                    ..Default::default()
                },
                ..PayerOptions::default()
            },
        )
        .await
        .unwrap();
        let cards = Arc::clone(&state.cards);
        let server = maksa_server::serve(state, bound).unwrap();
        Hub {
            cards,
            connectors: registered,
            _server: server,
            base,
            store,
            mm_cert: maksa_x509::mm_cert_value(&pki.client_cert_pem).unwrap(),
            keys,
            _database: database,
        }
    }

    pub async fn api(&self, method: &str, mut body: Value) -> String {
        body["MM_Cert"] = json!(self.mm_cert);
        let response = Client::new()
            .post(format!("{}/api/v1/payments/{method}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{method}: {:?}", response);
        response.text().await.unwrap()
    }

    /// Creates a request; `lines` are (position, kind, item).
    pub async fn create(&self, step: &str, lines: Value) -> String {
        self.create_with(step, lines, json!({})).await
    }

    /// Creates a request of one position (1.00 EUR, one payee).
    pub async fn create_one(&self) -> String {
        self.create(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
        )
        .await
    }

    /// Creates a request with `extra` fields of PaymentRequest set too.
    pub async fn create_with(&self, step: &str, lines: Value, extra: Value) -> String {
        let mut body = json!({"PaymentsDataStructure": {"PaymentRequest": {
            "ServiceStep": step,
            "PriceList": lines,
            "ExpiryDate": "2099-01-01T00:00:00+02:00",
            "ResponseUrl": format!("{}/health?id=", self.base),
            "ServerResponseUrl": format!("{}/health?id=", self.base),
            "ReturnRedirectUrl": format!("{}/health", self.base),
            "AllowedBanks": [{"SwiftCode": "DEMO0000"}],
        }}});
        for (key, value) in extra.as_object().unwrap() {
            body["PaymentsDataStructure"]["PaymentRequest"][key] = value.clone();
        }
        let answer: Value =
            serde_json::from_str(&self.api("savepaymentrequest", body).await).unwrap();
        answer["PaymentRequestId"].as_str().unwrap().to_owned()
    }

    pub async fn status(&self, id: &str) -> String {
        self.api("checkpaymentrequeststatus", json!({"PaymentRequestId": id}))
            .await
            .trim()
            .to_owned()
    }

    pub async fn audit_kinds(&self, id: &str) -> Vec<String> {
        self.store
            .audit_events(PaymentRequestId::parse(id).unwrap())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }
}

/// A browser as far as these pages need one: keeps the CSRF cookie, does not
/// follow redirects (the tests look at them).
pub struct Browser {
    pub client: Client,
    pub cookie: Option<String>,
    /// The whole `Set-Cookie` of the last answer that had one (attributes too).
    pub set_cookie: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

impl Page {
    pub fn state(&self) -> &str {
        let at = self
            .html
            .find("<main data-state=\"")
            .expect("a main element")
            + 18;
        let end = self.html[at..].find('"').unwrap();
        &self.html[at..at + end]
    }

    /// The hidden and other named fields of the form whose opening tag contains `marker`.
    pub fn form(&self, marker: &str) -> (String, Vec<(String, String)>) {
        let start = self.html.find(marker).unwrap_or_else(|| {
            panic!("no form with {marker} in {}", self.html);
        });
        let form_start = self.html[..start].rfind("<form").unwrap();
        let form_end = start + self.html[start..].find("</form>").unwrap();
        let form = &self.html[form_start..form_end];
        let action = attribute(form, "action").unwrap();
        let mut fields = Vec::new();
        for input in form.split("<input").skip(1) {
            let tag = &input[..input.find('>').unwrap()];
            if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
                let kind = attribute(tag, "type").unwrap_or_default();
                if kind == "radio" && !tag.contains("checked") {
                    continue;
                }
                fields.push((name, value));
            }
        }
        (action, fields)
    }
}

pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let at = tag.find(&marker)? + marker.len();
    let end = tag[at..].find('"')?;
    Some(
        tag[at..at + end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

pub fn form(
    request: reqwest::RequestBuilder,
    fields: &[(String, String)],
) -> reqwest::RequestBuilder {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish())
}

pub fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.into(), value.into()));
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            cookie: None,
            set_cookie: None,
        }
    }

    pub async fn finish(&mut self, response: reqwest::Response) -> Page {
        if let Some(cookie) = response.headers().get("set-cookie") {
            let text = cookie.to_str().unwrap();
            self.cookie = Some(text.split(';').next().unwrap().to_owned());
            self.set_cookie = Some(text.to_owned());
        } else {
            self.set_cookie = None;
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            html: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let mut request = self.client.get(url);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.finish(response).await
    }

    pub async fn post(&mut self, url: &str, fields: &[(String, String)]) -> Page {
        let mut request = form(self.client.post(url), fields);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.finish(response).await
    }
}

pub fn absolute(hub: &Hub, url: &str) -> String {
    if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{}{url}", hub.base)
    }
}

/// Opens the page, chooses DEMO0000, and arrives at the bank's approval page.
pub async fn to_the_bank(hub: &Hub, browser: &mut Browser, id: &str) -> Page {
    to_the_bank_from(hub, browser, "/Payments/", id).await
}

/// The same, from the page at `door` (`/Payments/` or an original address).
pub async fn to_the_bank_from(hub: &Hub, browser: &mut Browser, door: &str, id: &str) -> Page {
    let page = browser
        .get(&format!("{}{door}?id={id}&language=ENG", hub.base))
        .await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    let (action, fields) = page.form("data-action=\"pay\"");
    let handoff = browser.post(&absolute(hub, &action), &fields).await;
    assert_eq!(handoff.state(), "handoff", "{}", handoff.html);
    let (bank_action, bank_fields) = handoff.form("id=\"handoff\"");
    let bank = browser
        .post(&absolute(hub, &bank_action), &bank_fields)
        .await;
    assert_eq!(bank.state(), "bank-approve", "{}", bank.html);
    bank
}

/// Decides at the bank and follows the browser back to the hub's page.
pub async fn decide(hub: &Hub, browser: &mut Browser, bank: &Page, decision: &str) -> Page {
    let (action, mut fields) = bank.form("data-action=\"approve\"");
    set(&mut fields, "decision", decision);
    let back = browser.post(&absolute(hub, &action), &fields).await;
    assert_eq!(back.state(), "bank-return", "{}", back.html);
    let (return_action, return_fields) = back.form("data-action=\"return-to-merchant\"");
    let landed = browser.post(&return_action, &return_fields).await;
    assert_eq!(landed.status, StatusCode::SEE_OTHER, "{}", landed.html);
    let location = landed.location.unwrap();
    assert!(location.contains("language=ENG"), "{location}");
    browser.get(&absolute(hub, &location)).await
}

impl Hub {
    /// A REST call whatever it answers: status, `MM-Error` and body.
    pub async fn api_answer(&self, method: &str, mut body: Value) -> super::Answer {
        body["MM_Cert"] = json!(self.mm_cert);
        let response = Client::new()
            .post(format!("{}/api/v1/payments/{method}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        super::Answer::read(response).await
    }

    /// The request's attempts, as stored.
    pub async fn attempts(&self, id: &str) -> Vec<maksa_domain::attempt::Attempt> {
        self.store
            .attempts_of(PaymentRequestId::parse(id).unwrap())
            .await
            .unwrap()
    }

    /// The request's outbox rows (every notification it caused), oldest first.
    pub async fn notifications(&self, id: &str) -> Vec<maksa_app::store::Notification> {
        self.store
            .notification_log(
                &ClientId::parse("demo").unwrap(),
                PaymentRequestId::parse(id).unwrap(),
            )
            .await
            .unwrap()
            .into_iter()
            .map(|(notification, _)| notification)
            .collect()
    }

    /// The request as stored (status and payments).
    pub async fn stored(&self, id: &str) -> maksa_domain::request::PaymentRequest {
        self.store
            .payment_request_by_id(PaymentRequestId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap()
    }
}

/// What the payer's `pay` button answered: the hand-off page to the provider,
/// or a redirect back to the request's page with a notice (the refusal's code).
pub enum PayAnswer {
    Handoff(Page),
    Refused(String),
}

/// Opens the request's page and answers its `pay` form (action and fields)
/// with `provider` chosen: what a browser tab holds once the page is shown.
pub async fn pay_form(
    hub: &Hub,
    browser: &mut Browser,
    id: &str,
    provider: &str,
) -> (String, Vec<(String, String)>) {
    let page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    let (action, mut fields) = page.form("data-action=\"pay\"");
    set(&mut fields, "provider", provider);
    (absolute(hub, &action), fields)
}

/// Posts a `pay` form (possibly from a tab opened earlier).
pub async fn press_pay(browser: &mut Browser, form: &(String, Vec<(String, String)>)) -> PayAnswer {
    let answer = browser.post(&form.0, &form.1).await;
    if answer.status == StatusCode::SEE_OTHER {
        let location = answer.location.clone().unwrap_or_default();
        let full = if location.starts_with("http") {
            location.clone()
        } else {
            format!("http://hub{location}")
        };
        let notice = url::Url::parse(&full).ok().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "notice")
                .map(|(_, v)| v.into_owned())
        });
        return match notice {
            Some(code) => PayAnswer::Refused(code),
            // Some providers are reached by a redirect rather than a form.
            None => PayAnswer::Handoff(answer_with_location(answer, location)),
        };
    }
    assert_eq!(answer.state(), "handoff", "{}", answer.html);
    PayAnswer::Handoff(answer)
}

fn answer_with_location(mut page: Page, location: String) -> Page {
    page.location = Some(location);
    page
}

/// Follows a hand-off to the provider's approve page (`bank-approve`), on the
/// demo bank and on every simulator.
pub async fn follow_handoff(hub: &Hub, browser: &mut Browser, handoff: &Page) -> Page {
    let approve = if handoff.status == StatusCode::SEE_OTHER {
        let location = handoff.location.clone().unwrap();
        assert!(!location.contains("notice="), "refused: {location}");
        browser.get(&absolute(hub, &location)).await
    } else {
        assert_eq!(handoff.state(), "handoff", "{}", handoff.html);
        let (bank_action, bank_fields) = handoff.form("id=\"handoff\"");
        if handoff.html.contains("method=\"get\"") || handoff.html.contains("method=\"GET\"") {
            let mut url = url::Url::parse(&absolute(hub, &bank_action)).unwrap();
            url.query_pairs_mut().extend_pairs(&bank_fields);
            browser.get(url.as_str()).await
        } else {
            browser
                .post(&absolute(hub, &bank_action), &bank_fields)
                .await
        }
    };
    assert_eq!(approve.state(), "bank-approve", "{}", approve.html);
    approve
}

/// Decides on the provider's approve page with the tester's `options`
/// (`server_message`, `browser_return`, …); answers the provider's page.
pub async fn decide_with(
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

/// A browser return as the payer's browser sends it: by `GET` (true) or
/// `POST`, to the address, with the fields.
pub type ReturnForm = (bool, String, Vec<(String, String)>);

/// The browser return on a provider's return page.
pub fn return_form(page: &Page) -> ReturnForm {
    assert_eq!(page.state(), "bank-return", "{}", page.html);
    let (action, fields) = page.form("data-action=\"return-to-merchant\"");
    let form_start = page
        .html
        .find("data-action=\"return-to-merchant\"")
        .unwrap();
    let get = page.html[..form_start]
        .rfind("method=\"get\"")
        .is_some_and(|at| page.html[at..form_start].find("<form").is_none());
    (get, action, fields)
}

/// Sends a browser return to the hub; answers the hub's HTTP status.
pub async fn send_return(hub: &Hub, browser: &mut Browser, form: &ReturnForm) -> StatusCode {
    let (get, action, fields) = form;
    let action = absolute(hub, action);
    if *get {
        let mut url = url::Url::parse(&action).unwrap();
        url.query_pairs_mut().extend_pairs(fields);
        browser.get(url.as_str()).await.status
    } else {
        browser.post(&action, fields).await.status
    }
}

/// Luminor's provider code in the demo catalogue (the iPizza simulator).
pub const LUMINOR: &str = "RIKOLV2X";

impl Hub {
    /// The hub with the Luminor iPizza simulator mounted at `/sim/luminor`
    /// beside the demo bank: two providers, two protocols. Its keys are kept
    /// in the temporary directory (generating RSA keys is slow).
    pub async fn start_with_luminor(postgres: bool) -> Hub {
        Hub::start_with(postgres, |base| {
            let keys = std::env::temp_dir().join("maksa-test-keys-luminor");
            std::fs::create_dir_all(&keys).unwrap();
            let path = "/sim/luminor".to_owned();
            let sandbox = maksa_providers::ipizza::sandbox(
                &keys,
                maksa_domain::codes::ProviderCode::parse(LUMINOR).unwrap(),
                &format!("{base}{path}"),
                base,
            )
            .unwrap();
            vec![(path, sandbox)]
        })
        .await
    }

    /// A request of one payment (1.00 EUR) payable at `providers`, with
    /// `extra` fields of PaymentRequest.
    pub async fn create_for(&self, providers: &[&str], extra: Value) -> String {
        let banks: Vec<Value> = providers.iter().map(|p| json!({"SwiftCode": p})).collect();
        let mut extra = extra;
        extra["AllowedBanks"] = json!(banks);
        self.create_with(
            "03G10",
            json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
            extra,
        )
        .await
    }
}

/// A demo bank answer (fields as its return form carries them) turned into
/// another answer about the same payment — `service` 1111, 1112 or 1911,
/// `auto` `Y` (server message) or `N` (browser) — signed with the bank's
/// key: what a bank that changes its mind, or repeats itself, sends.
pub fn demo_answer(
    hub: &Hub,
    answer: &[(String, String)],
    service: &str,
    auto: &str,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = answer
        .iter()
        .filter(|(k, _)| k != "VK_REASON" && k != "VK_MAC")
        .filter(|(k, _)| k != "VK_T_NO" || service != "1911")
        .cloned()
        .collect();
    set(&mut fields, "VK_SERVICE", service);
    if service == "1911" {
        set(&mut fields, "VK_REASON", "rejected");
    } else if !fields.iter().any(|(k, _)| k == "VK_T_NO") {
        // The bank's own number of the payment, which a refusal lacks.
        set(&mut fields, "VK_T_NO", "990001");
    }
    set(&mut fields, "VK_AUTO", auto);
    let mac = hub.keys.sign_as_bank(fields.as_slice()).unwrap();
    set(&mut fields, "VK_MAC", &mac);
    fields
}

/// Posts fields as the demo bank's server message to the hub; answers the status.
pub async fn post_demo_notify(hub: &Hub, fields: &[(String, String)]) -> StatusCode {
    form(
        Client::new().post(format!("{}/providers/DEMO0000/notify", hub.base)),
        fields,
    )
    .send()
    .await
    .unwrap()
    .status()
}
