//! The lifecycle workers against a real local HTTP sink, with an injected
//! clock: notification delivery and its signature, the retry schedule, dead
//! letters and re-send, the SSRF guard on notifications, and expiry. On SQLite
//! and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod support;
use maksa_app::admin::Admin;
use maksa_app::auth::Caller;
use maksa_app::clock::{Clock, ManualClock};
use maksa_app::documents::{DocumentFormat, DocumentLanguage, Documents};
use maksa_app::lifecycle::{Lifecycle, LifecycleSettings};
use maksa_app::metrics::Metrics;
use maksa_app::notifications::{Notifier, RetrySchedule, signature_header};
use maksa_app::payer::{Payer, PayerSettings};
use maksa_app::payment_requests::{HubSettings, PaymentRequests};
use maksa_app::providers::Connectors;
use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, NotificationState};
use maksa_app::workflows::Workflows;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::{CreationRules, PaymentRequestInput, PriceListItemInput};
use maksa_outbound::{OutboundClient, OutboundPolicy};
use std::sync::{Arc, Mutex};
use support::{Backend, DatabaseGuard, open_store};
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A local HTTP server that records request heads and answers a chosen status.
struct Sink {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    status: Arc<Mutex<u16>>,
}

impl Sink {
    async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(200u16));
        let (seen2, status2) = (Arc::clone(&seen), Arc::clone(&status));
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (seen, status) = (Arc::clone(&seen2), Arc::clone(&status2));
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 8192];
                    let mut head = Vec::new();
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        let Ok(n) = socket.read(&mut buffer).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        head.extend_from_slice(&buffer[..n]);
                    }
                    seen.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let code = *status.lock().unwrap();
                    let answer = format!(
                        "HTTP/1.1 {code} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Sink { port, seen, status }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

struct World {
    payer: Arc<Payer>,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    requests: PaymentRequests,
    lifecycle: Lifecycle,
    documents: Arc<Documents>,
    caller: Caller,
    _guard: DatabaseGuard,
}

async fn world(postgres: bool, policy: OutboundPolicy) -> World {
    world_with(postgres, policy, Connectors::new()).await
}

async fn world_with(postgres: bool, policy: OutboundPolicy, connectors: Connectors) -> World {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (store, guard) = open_store(Backend::postgres_if(postgres)).await;
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let admin = Admin::new(Arc::clone(&store), clock.clone());
    let catalog = include_str!("../../../demo/catalog.toml").replace(
        "  \"http://localhost:8080\",\n]",
        "  \"http://localhost:8080\",\n  \"http://127.0.0.1\",\n]",
    );
    admin.import_catalog(&catalog).await.unwrap();
    let catalog = store.load_catalog().await.unwrap().unwrap();
    let requests = PaymentRequests::new(
        Arc::clone(&store),
        clock.clone(),
        catalog,
        HubSettings {
            public_base_url: "http://127.0.0.1:1".into(),
            rules: CreationRules::default(),
            list_limit: 100,
            issuer: Default::default(),
        },
    );
    let metrics = Arc::new(Metrics::default());
    let payer = Arc::new(Payer::new(
        Arc::clone(&store),
        clock.clone(),
        connectors,
        PayerSettings {
            public_base_url: "http://127.0.0.1:1".into(),
        },
    ));
    let notifier = Notifier::new(
        Arc::clone(&store),
        clock.clone(),
        Arc::new(OutboundClient::new(policy)),
        RetrySchedule::parse("1m,5m*2").unwrap(),
        Arc::clone(&metrics),
        "test-node".into(),
    );
    let documents = Arc::new(Documents::new(
        Arc::clone(&store),
        clock.clone(),
        Arc::new(maksa_documents::Renderer::new()),
        maksa_domain::document::Party {
            name: "maksa test hub".into(),
            code: None,
            address: None,
        },
        500,
    ));
    let lifecycle = Lifecycle::new(
        Arc::clone(&store),
        clock.clone(),
        notifier,
        Arc::clone(&payer),
        metrics,
        LifecycleSettings::default(),
        payer.wake_handle(),
    )
    .with_documents(Arc::clone(&documents));
    let caller = Caller {
        client: ClientId::parse("demo").unwrap(),
        thumbprint: "test".into(),
        roles: Vec::new(),
        services: Vec::new(),
    };
    World {
        payer: Arc::clone(&payer),
        store,
        clock,
        requests,
        lifecycle,
        documents,
        caller,
        _guard: guard,
    }
}

impl World {
    async fn create(&self, server_response_url: &str, expiry: &str) -> PaymentRequestId {
        let input = PaymentRequestInput {
            service_step: Some("03G10".into()),
            price_list: vec![PriceListItemInput {
                position: Some("2346".into()),
                item: Some("1".into()),
                item_element_name: Some("Quantity".into()),
            }],
            expiry_date: Some(expiry.into()),
            server_response_url: Some(server_response_url.into()),
            ..PaymentRequestInput::default()
        };
        self.requests.save(&self.caller, &input).await.unwrap().id
    }

    async fn expire(&self, server_response_url: &str) -> PaymentRequestId {
        let soon = (self.clock.now() + Duration::minutes(1))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let id = self.create(server_response_url, &soon).await;
        self.clock.advance(Duration::minutes(2));
        assert_eq!(self.lifecycle.expire_due().await.unwrap(), 1);
        id
    }
}

async fn an_expired_request_is_notified_with_a_verifiable_signature(postgres: bool) {
    let sink = Sink::start().await;
    let world = world(
        postgres,
        OutboundPolicy::allow_loopback().allow_port(sink.port),
    )
    .await;
    let audit = AuditEvent {
        at: world.clock.now(),
        actor: "operator".into(),
        request_id: None,
        kind: "client.secret_added".into(),
        detail: serde_json::json!({}),
    };
    world
        .store
        .add_notification_secret(&world.caller.client, "s3cret", world.clock.now(), &audit)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}/s2s?id=", sink.port);
    let id = world.expire(&base).await;
    assert_eq!(
        world
            .requests
            .status(&world.caller, &id.to_string())
            .await
            .unwrap()
            .letter(),
        'R'
    );
    // Expiring again changes nothing.
    assert_eq!(world.lifecycle.expire_due().await.unwrap(), 0);
    assert_eq!(world.store.notification_backlog().await.unwrap(), (1, 0));
    // Delivery is the original's GET ServerResponseUrl + id, with our headers.
    run_notifier(&world).await;
    let seen = sink.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with(&format!("GET /s2s?id={id} HTTP/1.1")),
        "{}",
        seen[0]
    );
    let lower = seen[0].to_ascii_lowercase();
    assert!(lower.contains("mm-event-id: "), "{}", seen[0]);
    let expected = signature_header(
        &["s3cret".to_owned()],
        world.clock.now(),
        "GET",
        &format!("{base}{id}"),
    );
    assert!(
        lower.contains(&format!("mm-signature: {expected}")),
        "{}\n{expected}",
        seen[0]
    );
    assert_eq!(world.store.notification_backlog().await.unwrap(), (0, 0));
}

async fn run_notifier(world: &World) {
    world.lifecycle.deliver_due().await.unwrap();
}

async fn failures_follow_the_schedule_then_park_and_resend(postgres: bool) {
    let sink = Sink::start().await;
    *sink.status.lock().unwrap() = 500;
    let world = world(
        postgres,
        OutboundPolicy::allow_loopback().allow_port(sink.port),
    )
    .await;
    let id = world
        .expire(&format!("http://127.0.0.1:{}/s2s?id=", sink.port))
        .await;
    // Schedule "1m,5m*2": attempt 1 fails → +1 min, 2 → +5, 3 → +5, 4 → dead.
    run_notifier(&world).await;
    assert_eq!(sink.requests().len(), 1);
    run_notifier(&world).await; // not due yet
    assert_eq!(sink.requests().len(), 1);
    for (advance, expected) in [(1, 2), (5, 3), (5, 4)] {
        world.clock.advance(Duration::minutes(advance));
        run_notifier(&world).await;
        assert_eq!(sink.requests().len(), expected);
    }
    assert_eq!(world.store.notification_backlog().await.unwrap(), (0, 1));
    let log = world
        .store
        .notification_log(&world.caller.client, id)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].0.state, NotificationState::Dead);
    assert_eq!(log[0].1.len(), 4);
    assert!(log[0].1.iter().all(|a| a.http_status == Some(500)));
    // The operator fixes the client and re-sends.
    *sink.status.lock().unwrap() = 204;
    assert_eq!(
        world
            .store
            .resend_notifications(None, world.clock.now())
            .await
            .unwrap(),
        1
    );
    run_notifier(&world).await;
    assert_eq!(sink.requests().len(), 5);
    let log = world
        .store
        .notification_log(&world.caller.client, id)
        .await
        .unwrap();
    assert_eq!(log[0].0.state, NotificationState::Delivered);
}

async fn loopback_is_refused_by_default_and_nothing_is_sent(postgres: bool) {
    let sink = Sink::start().await;
    let mut policy = OutboundPolicy::default();
    policy.allowed_ports.push(sink.port);
    let world = world(postgres, policy).await;
    let id = world
        .expire(&format!("http://127.0.0.1:{}/s2s?id=", sink.port))
        .await;
    run_notifier(&world).await;
    assert!(sink.requests().is_empty());
    let log = world
        .store
        .notification_log(&world.caller.client, id)
        .await
        .unwrap();
    let attempt = &log[0].1[0];
    assert_eq!(attempt.http_status, None);
    assert!(
        attempt.error.as_deref().unwrap().contains("loopback"),
        "{attempt:?}"
    );
}

/// The demo contract asks for cancellations to be notified; without that
/// switch a cancellation is not.
async fn a_cancellation_is_notified_only_when_the_contract_asks(postgres: bool) {
    let sink = Sink::start().await;
    let world = world(
        postgres,
        OutboundPolicy::allow_loopback().allow_port(sink.port),
    )
    .await;
    let base = format!("http://127.0.0.1:{}/s2s?id=", sink.port);
    let first = world.create(&base, "2099-01-01").await;
    world
        .requests
        .cancel(&world.caller, &first.to_string())
        .await
        .unwrap();
    assert_eq!(world.store.notification_backlog().await.unwrap(), (1, 0));
    run_notifier(&world).await;
    let seen = sink.requests();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].starts_with(&format!("GET /s2s?id={first} ")),
        "{}",
        seen[0]
    );
    let log = world
        .store
        .notification_log(&world.caller.client, first)
        .await
        .unwrap();
    assert_eq!(log[0].0.status.letter(), 'C');

    let without = include_str!("../../../demo/catalog.toml")
        .replace("notify_cancelled = true", "notify_cancelled = false");
    Admin::new(Arc::clone(&world.store), world.clock.clone())
        .import_catalog(&without)
        .await
        .unwrap();
    world.requests.reload_catalog().await.unwrap();
    let second = world.create(&base, "2099-01-01").await;
    world
        .requests
        .cancel(&world.caller, &second.to_string())
        .await
        .unwrap();
    assert_eq!(world.store.notification_backlog().await.unwrap(), (0, 0));
    assert!(
        world
            .store
            .notification_log(&world.caller.client, second)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The demo bank on its own port, and the connector to it.
async fn demo_bank() -> (String, Connectors) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bank_base = format!("http://{}/demo-bank", listener.local_addr().unwrap());
    let bank = maksa_providers::DemoBank::new(
        maksa_providers::DemoKeys::generate().unwrap(),
        bank_base.clone(),
        "http://127.0.0.1:1".into(),
    );
    let app = axum::Router::new().nest("/demo-bank", bank.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut connectors = Connectors::new();
    connectors.register(bank.connector());
    (bank_base, connectors)
}

/// The payer approves at the bank, and both of the bank's messages are lost.
async fn approve_silently(bank_base: &str, handoff: &maksa_app::providers::Handoff) {
    let maksa_app::providers::Handoff::Form { fields, .. } = handoff else {
        panic!("the demo bank takes a form")
    };
    let mut fields = fields.clone();
    for (name, value) in [
        ("decision", "approve"),
        ("server_message", "drop"),
        ("browser_return", "drop"),
        ("delay_seconds", "1"),
        ("outcome_mode", "direct"),
    ] {
        fields.push((name.into(), value.into()));
    }
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &fields {
        body.append_pair(k, v);
    }
    let decided = reqwest::Client::new()
        .post(format!("{bank_base}/decide"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish())
        .send()
        .await
        .unwrap();
    assert!(decided.status().is_success());
}

/// A payment open at the provider keeps its expired request in P through the
/// grace period; after it the request expires, and money confirmed later is
/// recorded and flagged for refund.
async fn the_grace_period_then_a_late_confirmation_is_flagged_for_refund(postgres: bool) {
    let (bank_base, connectors) = demo_bank().await;
    let world = world_with(postgres, OutboundPolicy::default(), connectors).await;
    let catalog = world.store.load_catalog().await.unwrap().unwrap();
    let soon = (world.clock.now() + Duration::minutes(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let id = world.create("http://127.0.0.1:9/none?id=", &soon).await;
    let handoff = world
        .payer
        .start(&id.to_string(), 1, "DEMO0000", "", &catalog, None)
        .await
        .unwrap();
    // Past the expiry, within the 30-minute grace: still P.
    world.clock.advance(Duration::minutes(3));
    assert_eq!(world.lifecycle.expire_due().await.unwrap(), 0);
    // Past the grace: R.
    world.clock.advance(Duration::minutes(30));
    assert_eq!(world.lifecycle.expire_due().await.unwrap(), 1);
    // The payer had approved after all; the status query learns it.
    approve_silently(&bank_base, &handoff).await;
    world.lifecycle.recover_due().await.unwrap();
    let status = world
        .requests
        .status(&world.caller, &id.to_string())
        .await
        .unwrap();
    assert_eq!(status.letter(), 'R');
    let attempts = world.store.attempts_of(id).await.unwrap();
    assert_eq!(
        attempts[0].state,
        maksa_domain::attempt::AttemptState::Executed
    );
    assert!(attempts[0].refund_required);
}

/// A payment whose both messages were lost is settled by the status query;
/// one the bank never decided is asked about on the schedule, then reported.
async fn recovery_asks_the_provider_and_reports_what_stays_unknown(postgres: bool) {
    let (bank_base, connectors) = demo_bank().await;
    let world = world_with(postgres, OutboundPolicy::default(), connectors).await;
    let catalog = world.store.load_catalog().await.unwrap().unwrap();
    let expiry = "2099-01-01";
    let paid = world.create("http://127.0.0.1:9/none?id=", expiry).await;
    let undecided = world.create("http://127.0.0.1:9/none?id=", expiry).await;
    let mut handoffs = Vec::new();
    for id in [paid, undecided] {
        let handoff = world
            .payer
            .start(&id.to_string(), 1, "DEMO0000", "", &catalog, None)
            .await
            .unwrap();
        handoffs.push(handoff);
    }
    // The payer approves the first at the bank; both of the bank's messages are lost.
    approve_silently(&bank_base, &handoffs[0]).await;
    let status = |id: PaymentRequestId| {
        let requests = &world.requests;
        let caller = &world.caller;
        async move {
            requests
                .status(caller, &id.to_string())
                .await
                .unwrap()
                .letter()
        }
    };
    // Nothing is asked before the first query is due (5 minutes after the start).
    assert_eq!(world.lifecycle.recover_due().await.unwrap(), 0);
    world.clock.advance(Duration::minutes(6));
    assert_eq!(world.lifecycle.recover_due().await.unwrap(), 2);
    assert_eq!(status(paid).await, 'E');
    assert_eq!(status(undecided).await, 'P');
    // The undecided one is asked again after 1 h, then daily ×5, then given up.
    for hours in [1, 24, 24, 24, 24, 24] {
        world
            .clock
            .advance(Duration::hours(hours) + Duration::minutes(1));
        assert_eq!(
            world.lifecycle.recover_due().await.unwrap(),
            1,
            "after {hours} h"
        );
    }
    world.clock.advance(Duration::days(30));
    assert_eq!(world.lifecycle.recover_due().await.unwrap(), 0);
    let unresolved = world.store.unresolved_attempts().await.unwrap();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].request_id, undecided);
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
    an_expired_request_is_notified_with_a_verifiable_signature,
    failures_follow_the_schedule_then_park_and_resend,
    loopback_is_refused_by_default_and_nothing_is_sent,
    recovery_asks_the_provider_and_reports_what_stays_unknown,
    the_grace_period_then_a_late_confirmation_is_flagged_for_refund,
    a_cancellation_is_notified_only_when_the_contract_asks,
    a_due_receipt_is_issued_by_the_worker_or_on_download,
);

/// A paid request's receipt is due from the paying transaction on: issued by
/// the worker, or on the spot when downloaded first. The mark is in the
/// database, so a node that dies before issuing loses nothing.
async fn a_due_receipt_is_issued_by_the_worker_or_on_download(postgres: bool) {
    let (bank_base, connectors) = demo_bank().await;
    let world = world_with(postgres, OutboundPolicy::default(), connectors).await;
    let catalog = world.store.load_catalog().await.unwrap().unwrap();
    let mut paid = Vec::new();
    for _ in 0..2 {
        let id = world
            .create("http://127.0.0.1:9/none?id=", "2099-01-01")
            .await;
        let handoff = world
            .payer
            .start(&id.to_string(), 1, "DEMO0000", "", &catalog, None)
            .await
            .unwrap();
        approve_silently(&bank_base, &handoff).await;
        paid.push(id);
    }
    world.clock.advance(Duration::minutes(6));
    assert_eq!(world.lifecycle.recover_due().await.unwrap(), 2);
    let due = world.store.receipts_due(10).await.unwrap();
    assert_eq!(due.len(), 2, "both receipts are due: {due:?}");

    // Downloaded before the worker came: issued now, as version 1.
    let xml = world
        .documents
        .latest(
            &world.caller,
            &paid[0].to_string(),
            DocumentFormat::Xml,
            DocumentLanguage::Latvian,
        )
        .await
        .unwrap();
    assert_eq!(xml.content_type, "text/xml; charset=utf-8");
    let xml = String::from_utf8(xml.bytes).unwrap();
    assert!(xml.contains("<Kind>receipt</Kind>"), "{xml}");
    assert!(xml.contains("<Version>1</Version>"), "{xml}");
    // The worker issues the other one, and only that one.
    assert_eq!(world.lifecycle.issue_receipts_due().await.unwrap(), 1);
    assert_eq!(world.lifecycle.issue_receipts_due().await.unwrap(), 0);
    let second = paid[1].to_string();
    let english_pdf = || {
        world.documents.latest(
            &world.caller,
            &second,
            DocumentFormat::Pdf,
            DocumentLanguage::English,
        )
    };
    let pdf = english_pdf().await.unwrap();
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(pdf.file_name.ends_with("-1.pdf"), "{}", pdf.file_name);
    // Downloading again serves the same bytes: a document never changes.
    assert_eq!(english_pdf().await.unwrap(), pdf);
    world.clock.advance(Duration::days(400));
    let later = english_pdf().await.unwrap();
    assert_eq!(later, pdf, "a year later, byte for byte");
}

/// Status O: a request that ends with some payments made and others not. Two
/// payees make two payments; the first is paid, then the request is cancelled
/// or expires: the request is O, its paid payment stays E, the open one takes C
/// or R, and the client is notified of O (whatever `notify_cancelled` says,
/// since money moved).
mod partly_paid {
    use super::*;
    use maksa_domain::status::Status;

    /// 02Y70 of the demo catalogue: position 53 to one payee, 54 to another.
    async fn two_payee_request(world: &World, expiry: &str, notify: &str) -> PaymentRequestId {
        let input = PaymentRequestInput {
            service_step: Some("02Y70".into()),
            price_list: vec![
                PriceListItemInput {
                    position: Some("53".into()),
                    item: Some("1".into()),
                    item_element_name: Some("Quantity".into()),
                },
                PriceListItemInput {
                    position: Some("54".into()),
                    item: Some("5.00".into()),
                    item_element_name: Some("Amount".into()),
                },
            ],
            expiry_date: Some(expiry.into()),
            server_response_url: Some(notify.into()),
            ..PaymentRequestInput::default()
        };
        world.requests.save(&world.caller, &input).await.unwrap().id
    }

    /// Pays the request's first payment at the demo bank (the bank's messages
    /// are lost; the status query learns the outcome).
    async fn pay_first_payment(world: &World, bank_base: &str, id: PaymentRequestId) {
        let catalog = world.store.load_catalog().await.unwrap().unwrap();
        let handoff = world
            .payer
            .start(&id.to_string(), 1, "DEMO0000", "", &catalog, None)
            .await
            .unwrap();
        approve_silently(bank_base, &handoff).await;
        world.clock.advance(Duration::minutes(6));
        assert_eq!(world.lifecycle.recover_due().await.unwrap(), 1);
        let request = world
            .store
            .payment_request(&world.caller.client, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            request.status,
            Status::InProcess,
            "one payment is still open"
        );
        assert_eq!(request.payments[0].status, Status::Executed);
    }

    async fn statuses(world: &World, id: PaymentRequestId) -> (char, Vec<char>) {
        let request = world
            .store
            .payment_request(&world.caller.client, id)
            .await
            .unwrap()
            .unwrap();
        (
            request.status.letter(),
            request.payments.iter().map(|p| p.status.letter()).collect(),
        )
    }

    async fn notified_status(world: &World, id: PaymentRequestId) -> Vec<char> {
        world
            .store
            .notification_log(&world.caller.client, id)
            .await
            .unwrap()
            .iter()
            .map(|(n, _)| n.status.letter())
            .collect()
    }

    async fn cancelling_a_partly_paid_request_ends_in_o(postgres: bool) {
        let (bank_base, connectors) = demo_bank().await;
        let world = world_with(postgres, OutboundPolicy::default(), connectors).await;
        // Even a client that does not want cancellations notified hears of O.
        let quiet = include_str!("../../../demo/catalog.toml")
            .replace("notify_cancelled = true", "notify_cancelled = false");
        Admin::new(Arc::clone(&world.store), world.clock.clone())
            .import_catalog(&quiet)
            .await
            .unwrap();
        world.requests.reload_catalog().await.unwrap();
        let id = two_payee_request(&world, "2099-01-01", "http://127.0.0.1:9/s2s?id=").await;
        pay_first_payment(&world, &bank_base, id).await;

        world
            .requests
            .cancel(&world.caller, &id.to_string())
            .await
            .unwrap();
        assert_eq!(statuses(&world, id).await, ('O', vec!['E', 'C']));
        assert_eq!(
            world
                .requests
                .status(&world.caller, &id.to_string())
                .await
                .unwrap()
                .letter(),
            'O'
        );
        assert_eq!(notified_status(&world, id).await, vec!['O']);
        // O is final: a second cancel is refused, not answered as done.
        let again = world.requests.cancel(&world.caller, &id.to_string()).await;
        assert_eq!(
            again.unwrap_err().code().as_str(),
            "INVALID_STATUS_TRANSITION"
        );

        // An unpaid request still ends in C (and, for this client, silently).
        let unpaid = two_payee_request(&world, "2099-01-01", "http://127.0.0.1:9/s2s?id=").await;
        world
            .requests
            .cancel(&world.caller, &unpaid.to_string())
            .await
            .unwrap();
        assert_eq!(statuses(&world, unpaid).await, ('C', vec!['C', 'C']));
        assert!(notified_status(&world, unpaid).await.is_empty());
    }

    async fn a_partly_paid_request_that_expires_ends_in_o(postgres: bool) {
        let (bank_base, connectors) = demo_bank().await;
        let world = world_with(postgres, OutboundPolicy::default(), connectors).await;
        let expiry = (world.clock.now() + Duration::minutes(10))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let id = two_payee_request(&world, &expiry, "http://127.0.0.1:9/s2s?id=").await;
        let unpaid = two_payee_request(&world, &expiry, "http://127.0.0.1:9/s2s?id=").await;
        pay_first_payment(&world, &bank_base, id).await;

        world.clock.advance(Duration::minutes(5));
        assert_eq!(world.lifecycle.expire_due().await.unwrap(), 2);
        assert_eq!(statuses(&world, id).await, ('O', vec!['E', 'R']));
        assert_eq!(notified_status(&world, id).await, vec!['O']);
        assert_eq!(statuses(&world, unpaid).await, ('R', vec!['R', 'R']));
        assert_eq!(notified_status(&world, unpaid).await, vec!['R']);
        // Nothing more to expire.
        assert_eq!(world.lifecycle.expire_due().await.unwrap(), 0);
    }

    on_both_databases!(
        cancelling_a_partly_paid_request_ends_in_o,
        a_partly_paid_request_that_expires_ends_in_o,
    );
}
