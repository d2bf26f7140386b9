//! The operator's console for integration tests: the real server on port 0
//! over a fresh database with three operators — `anna` (administrator),
//! `berta` (operator) and `vera` (viewer), each with a password and a TOTP
//! secret — a cookie jar kept by hand, and sign-in (name, password and the
//! current code). Tests of console pages use this, never their own sign-in,
//! so that a change to how operators sign in is made here once.
//!
//! Sessions of these hubs last a year and never idle out (tests move the
//! clock by days); `start_with_sessions` gives a hub the real lifetimes.

use super::{Backend, DatabaseGuard, open_store};
use maksa_app::clock::ManualClock;
use maksa_app::operators::{OperatorAccount, Operators, PasswordHash, Role, SessionSettings, totp};
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::prelude::*;
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, Listeners, OperatorConsole, PayerOptions, RunningServer};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use time::macros::datetime;

/// The three operators: name, password, role.
pub const OPERATORS: [(&str, &str, Role); 3] = [
    ("anna", "anna's long passphrase", Role::Administrator),
    ("berta", "berta's other passphrase", Role::Operator),
    ("vera", "vera only looks", Role::Viewer),
];

/// Each test operator's TOTP secret (base32, 20 bytes).
pub const TOTP_SECRETS: [(&str, &str); 3] = [
    ("anna", "ANNAANNAANNAANNAANNAANNAANNAANNA"),
    ("berta", "BERTABERTABERTABERTABERTABERTABE"),
    ("vera", "VERAVERAVERAVERAVERAVERAVERAVERA"),
];

/// The TOTP secret of test operator `name`.
pub fn secret_of(name: &str) -> &'static str {
    TOTP_SECRETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .expect("one of the test operators")
}

/// The password of test operator `name`.
pub fn password_of(name: &str) -> &'static str {
    OPERATORS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, p, _)| *p)
        .expect("one of the test operators")
}

/// A running hub with the console mounted.
pub struct ConsoleHub {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    /// The hub's services (a clone of what the server runs with).
    pub state: AppState,
    pub treasury: Treasury,
    http: reqwest::Client,
    /// The last TOTP step each operator signed in with (a code is taken once).
    steps: Mutex<HashMap<String, i64>>,
    _server: RunningServer,
    _guard: DatabaseGuard,
}

/// A browser's cookies for `/admin`, kept by hand (reqwest's cookie store
/// is not compiled in).
#[derive(Default)]
pub struct Jar(pub HashMap<String, String>);

impl Jar {
    pub fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The value of the first `name="csrf" value="…"` on a page.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The operators' argon2id hashes, made once per test binary.
fn hash(password: &str) -> String {
    static HASHES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let hashes = HASHES.get_or_init(|| {
        OPERATORS
            .iter()
            .map(|(_, p, _)| ((*p).to_owned(), PasswordHash::new(p).unwrap().to_string()))
            .collect()
    });
    hashes
        .iter()
        .find(|(p, _)| p == password)
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| PasswordHash::new(password).unwrap().to_string())
}

/// Sessions that outlast any test's moves of the clock.
pub fn long_sessions() -> SessionSettings {
    SessionSettings {
        lifetime: time::Duration::days(365),
        idle: time::Duration::days(365),
    }
}

/// A hub with the console and default payer options.
pub async fn start(backend: Backend) -> ConsoleHub {
    start_with(backend, |_| {}).await
}

/// A hub with the console; `configure` adds to the payer options
/// (connectors, an outbound transport for the workers, …).
pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut PayerOptions)) -> ConsoleHub {
    start_with_sessions(backend, long_sessions(), configure).await
}

/// A hub with the console whose sessions last as `sessions` says.
pub async fn start_with_sessions(
    backend: Backend,
    sessions: SessionSettings,
    configure: impl FnOnce(&mut PayerOptions),
) -> ConsoleHub {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (store, guard) = open_store(backend).await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 20:00 UTC)));
    let treasury = Treasury::new(store.clone(), clock.clone(), TreasurySettings::default());
    let accounts = OPERATORS
        .iter()
        .map(|(name, password, role)| {
            OperatorAccount::new(name, &hash(password))
                .unwrap()
                .with_role(*role)
                .with_totp_secret(secret_of(name))
                .unwrap()
        })
        .collect();
    let operators = Arc::new(
        Operators::new(accounts, store.clone(), clock.clone())
            .unwrap()
            .with_sessions(sessions),
    );
    operators.seed().await.unwrap();
    let bound = maksa_server::bind(Listeners {
        http: Some("127.0.0.1:0".parse().unwrap()),
        https: None,
    })
    .await
    .unwrap();
    let base = format!("http://{}", bound.http_addr().unwrap());
    let settings = HubSettings {
        public_base_url: base.clone(),
        rules: CreationRules::default(),
        list_limit: 1000,
        issuer: super::test_issuer(),
    };
    let mut options = PayerOptions {
        operator: Some(OperatorConsole::new(operators, treasury.clone())),
        ..PayerOptions::default()
    };
    configure(&mut options);
    let state = AppState::assemble(
        store.clone(),
        clock.clone(),
        settings,
        false,
        64 * 1024,
        options,
    )
    .await
    .unwrap();
    let server = maksa_server::serve(state.clone(), bound).unwrap();
    ConsoleHub {
        base,
        store,
        clock,
        state,
        treasury,
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
        steps: Mutex::new(HashMap::new()),
        _server: server,
        _guard: guard,
    }
}

impl ConsoleHub {
    pub async fn get(
        &self,
        jar: &mut Jar,
        path: &str,
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap();
        jar.take(&response);
        let status = response.status();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    }

    pub async fn get_bytes(
        &self,
        jar: &mut Jar,
        path: &str,
    ) -> (StatusCode, Vec<u8>, reqwest::header::HeaderMap) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap();
        jar.take(&response);
        let status = response.status();
        let headers = response.headers().clone();
        (status, response.bytes().await.unwrap().to_vec(), headers)
    }

    pub async fn post(
        &self,
        jar: &mut Jar,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", jar.header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        jar.take(&response);
        let status = response.status();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    }

    /// POSTs a multipart form to `path`: the text `fields` (the CSRF token
    /// among them), then one file part named `part`.
    pub async fn upload(
        &self,
        jar: &mut Jar,
        path: &str,
        fields: &[(&str, &str)],
        part: &str,
        file_name: &str,
        content: &[u8],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let boundary = "maksa-test-boundary-7d41";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", jar.header())
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        jar.take(&response);
        let status = response.status();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    }

    /// POSTs `form` to `path` with the CSRF token of the page at `page_path`.
    pub async fn post_from(
        &self,
        jar: &mut Jar,
        page_path: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let (status, page, _) = self.get(jar, page_path).await;
        assert_eq!(status, StatusCode::OK, "{page_path}: {page}");
        let token = csrf_of(&page);
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post(jar, path, &fields).await
    }

    /// A code of `name`'s secret for a step the hub has not taken from
    /// them yet (one step either side of now; else the clock moves on by a
    /// step).
    pub fn fresh_code(&self, name: &str) -> String {
        let secret = totp::decode(secret_of(name)).unwrap();
        let mut steps = self.steps.lock().unwrap();
        let last = steps.get(name).copied().unwrap_or(i64::MIN);
        loop {
            let now = totp::step_at(maksa_app::clock::Clock::now(&*self.clock));
            if let Some(step) = (now - totp::WINDOW..=now + totp::WINDOW).find(|s| *s > last) {
                steps.insert(name.to_owned(), step);
                return totp::code(&secret, step);
            }
            self.clock
                .advance(time::Duration::seconds(totp::STEP_SECONDS));
        }
    }

    /// Posts the sign-in form (with a fresh form token) as given.
    pub async fn sign_in_with(
        &self,
        jar: &mut Jar,
        name: &str,
        password: &str,
        code: &str,
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let (status, page, _) = self.get(jar, "/admin/sign-in").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let token = csrf_of(&page);
        self.post(
            jar,
            "/admin/sign-in",
            &[
                ("csrf", &token),
                ("name", name),
                ("password", password),
                ("code", code),
            ],
        )
        .await
    }

    /// Signs `name` (one of [`OPERATORS`]) in with its password and a fresh
    /// code; the jar holds the session.
    pub async fn signed_in(&self, name: &str) -> Jar {
        let password = password_of(name);
        let code = self.fresh_code(name);
        let mut jar = Jar::default();
        let (status, page, headers) = self.sign_in_with(&mut jar, name, password, &code).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(headers["location"], "/admin/");
        assert!(jar.0.contains_key("maksa_operator"));
        jar
    }
}
