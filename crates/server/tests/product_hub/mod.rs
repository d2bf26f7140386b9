//! The hub the idempotency and rate-limit tests share: the real server on
//! port 0 over a fresh database, a manual clock, the demo catalogue, two
//! clients (`demo` with the original wire profile, `other` with the precise
//! one) calling over plain HTTP with `MM_Cert` (legacy body authentication),
//! and the rate limits the test asks for.

#![allow(dead_code, clippy::unwrap_used)]

use crate::support::{Backend, DatabaseGuard, open_store, test_issuer};
use maksa_app::admin::Admin;
use maksa_app::clock::ManualClock;
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::prelude::*;
use maksa_domain::ids::ClientId;
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, Listeners, PayerOptions, RunningServer};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use time::macros::datetime;

pub struct ProductHub {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub demo_cert: String,
    pub other_cert: String,
    pub http: Client,
    _server: RunningServer,
    _guard: DatabaseGuard,
}

/// One HTTP answer as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub mm_error: String,
    pub replayed: bool,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        Reply {
            status: response.status().as_u16(),
            mm_error: header("mm-error").unwrap_or_default(),
            replayed: header("idempotent-replayed").as_deref() == Some("true"),
            retry_after: header("retry-after"),
            body: response.text().await.unwrap(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

fn catalog(base: &str) -> String {
    let demo = include_str!("../../../../demo/catalog.toml").replace(
        "  \"http://localhost:8080\",\n]",
        &format!("  \"http://localhost:8080\",\n  \"{base}\",\n]"),
    );
    format!(
        "{demo}\n[[contract]]\nclient = \"other\"\nservices = [\"*\"]\nproviders = [\"DEMO0000\"]\norigins = [\"{base}\"]\nwire_profile = \"precise\"\n",
    )
}

impl ProductHub {
    pub async fn start(backend: Backend) -> ProductHub {
        ProductHub::start_with(backend, |_| {}).await
    }

    pub async fn start_with(
        backend: Backend,
        configure: impl FnOnce(&mut PayerOptions),
    ) -> ProductHub {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (store, guard) = open_store(backend).await;
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 20:00 UTC)));
        let bound = maksa_server::bind(Listeners {
            http: Some("127.0.0.1:0".parse().unwrap()),
            https: None,
        })
        .await
        .unwrap();
        let base = format!("http://{}", bound.http_addr().unwrap());
        let admin = Admin::new(Arc::clone(&store), clock.clone());
        admin.import_catalog(&catalog(&base)).await.unwrap();
        let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "demo").unwrap();
        let (other_pem, _) = maksa_x509::issue_client_cert(
            &pki.ca_cert_pem,
            &pki.ca_key_pem,
            "other e-service",
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2030-01-01 0:00 UTC),
        )
        .unwrap();
        for (client, pem) in [("demo", &pki.client_cert_pem), ("other", &other_pem)] {
            let info = maksa_x509::parse_mm_cert(pem).unwrap();
            admin
                .register_client(
                    ClientId::parse(client).unwrap(),
                    &maksa_server::presented(&info),
                    Vec::new(),
                    Vec::new(),
                )
                .await
                .unwrap();
        }
        let settings = HubSettings {
            public_base_url: base.clone(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: test_issuer(),
        };
        let mut options = PayerOptions::default();
        configure(&mut options);
        let state = AppState::assemble(
            Arc::clone(&store),
            clock.clone(),
            settings,
            true,
            64 * 1024,
            options,
        )
        .await
        .unwrap();
        let server = maksa_server::serve(state.clone(), bound).unwrap();
        ProductHub {
            demo_cert: maksa_x509::mm_cert_value(&pki.client_cert_pem).unwrap(),
            other_cert: maksa_x509::mm_cert_value(&other_pem).unwrap(),
            base,
            store,
            clock,
            state,
            http: Client::new(),
            _server: server,
            _guard: guard,
        }
    }

    /// A REST call as `cert`'s client, with an `Idempotency-Key` when given.
    pub async fn call_as(
        &self,
        cert: &str,
        method: &str,
        key: Option<&str>,
        mut body: Value,
    ) -> Reply {
        body["MM_Cert"] = json!(cert);
        let mut request = self
            .http
            .post(format!("{}/api/v1/payments/{method}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        Reply::read(request.send().await.unwrap()).await
    }

    /// The same as `demo`, on a connection of its own.
    pub async fn call_as_new_connection(&self, method: &str, key: &str, mut body: Value) -> Reply {
        body["MM_Cert"] = json!(self.demo_cert);
        let response = Client::new()
            .post(format!("{}/api/v1/payments/{method}", self.base))
            .header("content-type", "application/json")
            .header("Idempotency-Key", key)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }

    pub async fn call(&self, method: &str, key: Option<&str>, body: Value) -> Reply {
        self.call_as(&self.demo_cert, method, key, body).await
    }

    /// `CancelPaymentRequest` over SOAP 1.1 (legacy: `MM_Cert` in the operation).
    pub async fn soap_cancel(&self, id: &str, key: Option<&str>) -> Reply {
        let envelope = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><CancelPaymentRequest xmlns="http://tempuri.org/"><MM_Cert>{}</MM_Cert><paymentRequestId>{id}</paymentRequestId></CancelPaymentRequest></s:Body></s:Envelope>"#,
            self.demo_cert
        );
        let mut request = self
            .http
            .post(format!(
                "{}/v1.0/WCFX509/PaymentRequestService.svc",
                self.base
            ))
            .header("content-type", "text/xml; charset=utf-8")
            .body(envelope);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        Reply::read(request.send().await.unwrap()).await
    }

    /// How many requests `client` has (straight from the store).
    pub async fn request_count(&self, client: &str) -> usize {
        let filter = maksa_app::store::RequestFilter {
            limit: 10_000,
            ..Default::default()
        };
        self.store
            .payment_requests(&ClientId::parse(client).unwrap(), &filter)
            .await
            .unwrap()
            .len()
    }

    pub async fn status(&self, id: &str) -> String {
        self.call(
            "checkpaymentrequeststatus",
            None,
            json!({ "PaymentRequestId": id }),
        )
        .await
        .body
        .trim()
        .to_owned()
    }
}

/// A create body: one position of the demo catalogue; `purpose` tells two apart.
pub fn create_body(purpose: &str) -> Value {
    json!({"PaymentsDataStructure": {"PaymentRequest": {
        "ServiceStep": "03G10",
        "PriceList": [{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}],
        "PaymentObject": purpose,
        "ExpiryDate": "2099-01-01T00:00:00+02:00",
        "AllowedBanks": [{"SwiftCode": "DEMO0000"}],
    }}})
}
