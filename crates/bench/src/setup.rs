//! Everything a run stands up: the stores (a SQLite file in a temporary
//! directory, a throw-away PostgreSQL database), the real maksa server with the
//! demo catalogue and a registered demo client, and the constant-answer server
//! of ceiling A.

use crate::load::Target;
use crate::observed::ObservedStore;
use anyhow::{Context, anyhow};
use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use maksa_app::admin::Admin;
use maksa_app::clock::{Clock, SystemClock};
use maksa_app::payment_requests::HubSettings;
use maksa_app::store::prelude::*;
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::ClientId;
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, HttpsSettings, Listeners, RunningServer};
use maksa_store_postgres::PostgresStore;
use maksa_store_sqlite::SqliteStore;
use maksa_x509::DemoPki;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

pub const DEMO_CATALOG: &str = include_str!("../../../demo/catalog.toml");
pub const DEMO_CLIENT: &str = "demo";
pub const CREATE_PATH: &str = "/api/v1/payments/savepaymentrequest";
pub const STATUS_PATH: &str = "/api/v1/payments/checkpaymentrequeststatus";
pub const CONSTANT_PATH: &str = "/constant";
/// The request body limit `maksa demo` runs with.
const BODY_LIMIT: usize = 1024 * 1024;

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

pub fn demo_client() -> anyhow::Result<ClientId> {
    ClientId::parse(DEMO_CLIENT).context("the demo client id")
}

/// The hub's settings as `maksa demo` has them (the CLI's `hub_settings`).
pub fn hub_settings(public_base_url: &str) -> HubSettings {
    HubSettings {
        public_base_url: public_base_url.trim_end_matches('/').to_owned(),
        rules: CreationRules {
            default_validity: time::Duration::days(30),
            ..CreationRules::default()
        },
        list_limit: 10_000,
        issuer: Default::default(),
    }
}

/// A SQLite database in a new temporary directory under `parent` (the
/// system's temporary directory by default), deleted when the `TempDir` drops
/// unless `keep` is set. The directory decides which disk is measured.
pub async fn sqlite_store(
    parent: Option<&Path>,
    keep: bool,
) -> anyhow::Result<(Arc<dyn Store>, TempDir, PathBuf)> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("maksa-bench-").disable_cleanup(keep);
    let directory = match parent {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }
    .context("creating a directory for the SQLite database")?;
    let path = directory.path().join("maksa.db");
    let store = SqliteStore::open(&path)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    store
        .migrate()
        .await
        .context("migrating the SQLite database")?;
    if without_rollup() {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dashboard_%'",
        )
        .fetch_all(&mut connection)
        .await?;
        for name in names {
            // The name is the migration's own (letters and `_`), not input.
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {name}")))
                .execute(&mut connection)
                .await?;
        }
        connection.close().await?;
    }
    Ok((Arc::new(store), directory, path))
}

/// `MAKSA_BENCH_WITHOUT_ROLLUP` is set: the run drops the dashboard roll-up's
/// triggers (migration 0018) after migrating, to measure what they cost the
/// write path with the same binary (docs/PERFORMANCE.md, "Dashboard").
pub fn without_rollup() -> bool {
    std::env::var_os("MAKSA_BENCH_WITHOUT_ROLLUP").is_some()
}

/// A PostgreSQL database made for one run; `drop_database` removes it.
pub struct ThrowawayDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl ThrowawayDatabase {
    /// Creates `maksa_bench_<random hex>` on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> anyhow::Result<ThrowawayDatabase> {
        let name = format!("maksa_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url).await.with_context(|| {
            format!(
                "cannot connect to PostgreSQL at {} (set MAKSA_BENCH_POSTGRES_URL)",
                redact(admin_url)
            )
        })?;
        // DDL takes no bind parameters; the name is ours (hex only), not input.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("creating database {name}"))?;
        admin.close().await?;
        let mut url = url::Url::parse(admin_url)
            .context("MAKSA_BENCH_POSTGRES_URL must be a postgres:// URL")?;
        url.set_path(&format!("/{name}"));
        Ok(ThrowawayDatabase {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        })
    }

    /// Drops the database, disconnecting whoever is still connected.
    pub async fn drop_database(self) -> anyhow::Result<()> {
        let mut admin = PgConnection::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await?;
        admin.close().await?;
        Ok(())
    }
}

pub async fn postgres_store(database: &ThrowawayDatabase) -> anyhow::Result<Arc<dyn Store>> {
    let store = PostgresStore::connect(&database.url)
        .await
        .with_context(|| format!("connecting to {}", redact(&database.url)))?;
    store
        .migrate()
        .await
        .context("migrating the PostgreSQL database")?;
    if without_rollup() {
        let mut connection = PgConnection::connect(&database.url).await?;
        let triggers: Vec<(String, String)> = sqlx::query_as(
            "SELECT tgname::text, tgrelid::regclass::text FROM pg_trigger \
             WHERE tgname LIKE 'dashboard_%'",
        )
        .fetch_all(&mut connection)
        .await?;
        for (name, table) in triggers {
            // Both names are the migration's own (letters and `_`), not input.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP TRIGGER {name} ON {table}"
            )))
            .execute(&mut connection)
            .await?;
        }
        connection.close().await?;
    }
    Ok(Arc::new(store))
}

/// A URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The real server, as `maksa demo` runs it, on ports chosen by the system.
pub struct Hub {
    pub running: RunningServer,
    pub http: SocketAddr,
    pub https: SocketAddr,
    /// The store the server writes through, watched for group-commit batches.
    pub observed: Arc<ObservedStore>,
    pub catalog: Catalog,
    pub rules: CreationRules,
}

pub async fn start_hub(store: Arc<dyn Store>, pki: &DemoPki) -> anyhow::Result<Hub> {
    let observed = Arc::new(ObservedStore::new(store));
    let watched: Arc<dyn Store> = Arc::clone(&observed) as Arc<dyn Store>;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let admin = Admin::new(Arc::clone(&watched), Arc::clone(&clock));
    let (_, catalog) = admin
        .import_catalog(DEMO_CATALOG)
        .await
        .map_err(|e| anyhow!("the demo catalogue: {e}"))?;
    let certificate = maksa_x509::parse_mm_cert(&pki.client_cert_pem)?;
    admin
        .register_client(
            demo_client()?,
            &maksa_server::presented(&certificate),
            vec!["MM_INVOICE_SERVICE".into()],
            Vec::new(),
        )
        .await?;

    let https = HttpsSettings {
        listen: loopback(),
        certificate_pem: pki.server_cert_pem.clone(),
        private_key_pem: pki.server_key_pem.clone(),
        client_ca_pems: vec![pki.ca_cert_pem.clone()],
    };
    let bound = maksa_server::bind(Listeners {
        http: Some(loopback()),
        https: Some(https),
    })
    .await?
    .with_limits(bench_limits());
    let http = bound
        .http_addr()
        .context("the HTTP listener has no address")?;
    let https = bound
        .https_addr()
        .context("the HTTPS listener has no address")?;
    let settings = hub_settings(&format!("http://{http}"));
    let rules = settings.rules;
    // Legacy body authentication on, as in `maksa demo`: plain HTTP with MM_Cert works.
    let state = AppState::assemble(
        watched,
        clock,
        settings,
        true,
        BODY_LIMIT,
        Default::default(),
    )
    .await?;
    let running = maksa_server::serve(state, bound)?;
    Ok(Hub {
        running,
        http,
        https,
        observed,
        catalog,
        rules,
    })
}

/// The client side of TLS: trusts the demo CA, presents the demo client certificate.
pub fn tls_connector(pki: &DemoPki) -> anyhow::Result<TlsConnector> {
    let config = maksa_x509::client_config_with_identity(
        &pki.ca_cert_pem,
        &pki.client_cert_pem,
        &pki.client_key_pem,
    )?;
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The node's connection limits with the per-address cap raised: the load
/// generator is one address (127.0.0.1) with up to `--concurrency` connections,
/// where the default cap (64) is meant for one e-service or payer. Timeouts stay
/// the defaults, so every request still passes through the deadline machinery.
pub fn bench_limits() -> maksa_server::ConnectionLimits {
    let defaults = maksa_server::ConnectionLimits::default();
    maksa_server::ConnectionLimits {
        per_address: 4_096,
        total: 4_096,
        ..defaults
    }
}

/// Ceiling A: the same HTTP stack (axum on hyper, served by maksa's own accept
/// loop `maksa_x509::serve`, plain or TLS, with the same limits) answering a
/// constant.
pub struct ConstantServer {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ConstantServer {
    pub async fn start(tls: Option<&DemoPki>) -> anyhow::Result<ConstantServer> {
        // The body is read, as the real handlers read theirs, and ignored.
        let router = Router::new().route(CONSTANT_PATH, post(|_body: Bytes| async { "P" }));
        let listener = TcpListener::bind(loopback()).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let shutdown = async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|s| *s).await;
        };
        let gate = maksa_x509::ConnectionGate::new(bench_limits());
        let task = match tls {
            None => tokio::spawn(maksa_x509::serve(
                listener,
                maksa_x509::Security::Plain,
                router,
                gate,
                shutdown,
            )),
            Some(pki) => {
                let cas = vec![pki.ca_cert_pem.clone()];
                let config =
                    maksa_x509::server_config(&pki.server_cert_pem, &pki.server_key_pem, &cas)?;
                tokio::spawn(maksa_x509::serve(
                    listener,
                    maksa_x509::Security::Tls {
                        config,
                        client_ca_pems: &cas,
                    },
                    router,
                    gate,
                    shutdown,
                ))
            }
        };
        Ok(ConstantServer { addr, stop, task })
    }

    pub fn target(&self, tls: Option<TlsConnector>) -> anyhow::Result<Target> {
        Target::new(self.addr, CONSTANT_PATH, tls)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.task.await.context("the constant server panicked")??;
        Ok(())
    }
}
