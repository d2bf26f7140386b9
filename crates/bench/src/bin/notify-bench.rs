//! Notification delivery rate: N requests expire at once and one node's
//! lifecycle delivers their notifications, through the SSRF-guarded client, to a
//! local sink that answers 200 at once. Measures the expiry pass (N status
//! changes, each with its outbox row) and the delivery pass separately.
//!
//! `cargo run --release -p maksa-bench --bin notify-bench -- [sqlite|postgres] [N]`

use maksa_app::admin::Admin;
use maksa_app::auth::Caller;
use maksa_app::clock::{Clock, ManualClock};
use maksa_app::lifecycle::{Lifecycle, LifecycleSettings};
use maksa_app::metrics::Metrics;
use maksa_app::notifications::{Notifier, RetrySchedule};
use maksa_app::payer::{Payer, PayerSettings};
use maksa_app::payment_requests::{HubSettings, PaymentRequests};
use maksa_app::providers::Connectors;
use maksa_app::store::prelude::*;
use maksa_domain::ids::ClientId;
use maksa_domain::request::{CreationRules, PaymentRequestInput, PriceListItemInput};
use maksa_outbound::{OutboundClient, OutboundPolicy};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let backend = args.next().unwrap_or_else(|| "sqlite".into());
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(2000);

    let received = Arc::new(AtomicU64::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let counter = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::Relaxed);
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });

    let (_sqlite, _postgres);
    let store: Arc<dyn Store> = if backend == "postgres" {
        let (url, guard) = maksa_store_tests::fresh_postgres_database().await;
        _postgres = Some(guard);
        let store = maksa_store_postgres::PostgresStore::connect(&url).await?;
        store.migrate().await?;
        Arc::new(store)
    } else {
        let directory = tempfile::Builder::new()
            .prefix("maksa-notify-")
            .tempdir_in(".")?;
        let store =
            maksa_store_sqlite::SqliteStore::open(&directory.path().join("maksa.db")).await?;
        store.migrate().await?;
        _sqlite = Some(directory);
        Arc::new(store)
    };
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    Admin::new(Arc::clone(&store), clock.clone())
        .import_catalog(include_str!("../../../../demo/catalog.toml"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let catalog = store.load_catalog().await?.unwrap_or_default();
    let requests = PaymentRequests::new(
        Arc::clone(&store),
        clock.clone(),
        catalog,
        HubSettings {
            public_base_url: "http://127.0.0.1".into(),
            rules: CreationRules::default(),
            list_limit: 100,
            issuer: Default::default(),
        },
    );
    let caller = Caller {
        client: ClientId::parse("demo").ok_or_else(|| anyhow::anyhow!("client id"))?,
        thumbprint: "bench".into(),
        roles: Vec::new(),
        services: Vec::new(),
    };
    let expiry = (clock.now() + Duration::minutes(1))
        .format(&time::format_description::well_known::Rfc3339)?;
    let input = PaymentRequestInput {
        service_step: Some("03G10".into()),
        price_list: vec![PriceListItemInput {
            position: Some("2346".into()),
            item: Some("1".into()),
            item_element_name: Some("Quantity".into()),
        }],
        expiry_date: Some(expiry),
        server_response_url: Some(format!("http://127.0.0.1:{port}/s2s?id=")),
        ..PaymentRequestInput::default()
    };
    for _ in 0..count {
        requests.save(&caller, &input).await?;
    }

    let metrics = Arc::new(Metrics::default());
    let payer = Arc::new(Payer::new(
        Arc::clone(&store),
        clock.clone(),
        Connectors::new(),
        PayerSettings {
            public_base_url: "http://127.0.0.1".into(),
        },
    ));
    let notifier = Notifier::new(
        Arc::clone(&store),
        clock.clone(),
        Arc::new(OutboundClient::new(
            OutboundPolicy::allow_loopback().allow_port(port),
        )),
        RetrySchedule::default(),
        Arc::clone(&metrics),
        "bench".into(),
    );
    let lifecycle = Lifecycle::new(
        Arc::clone(&store),
        clock.clone(),
        notifier,
        Arc::clone(&payer),
        metrics,
        LifecycleSettings::default(),
        payer.wake_handle(),
    );
    clock.advance(Duration::minutes(2));
    let started = Instant::now();
    let mut expired = 0;
    loop {
        let moved = lifecycle.expire_due().await?;
        expired += moved;
        if moved == 0 {
            break;
        }
    }
    let expiry_took = started.elapsed();
    let started = Instant::now();
    let delivered = lifecycle.deliver_due().await?;
    let delivery_took = started.elapsed();
    let per_second = |n: u64, d: std::time::Duration| {
        n.saturating_mul(1_000_000) / u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
    };
    println!(
        "{backend}: {expired} expired in {:.0?} ({} /s, each with its outbox row); \
         {delivered} delivered in {:.0?} ({} /s); sink received {}",
        expiry_took,
        per_second(expired, expiry_took),
        delivery_took,
        per_second(u64::try_from(delivered).unwrap_or(0), delivery_took),
        received.load(Ordering::Relaxed)
    );
    Ok(())
}
