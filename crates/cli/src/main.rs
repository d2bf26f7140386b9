//! The `maksa` command: the hub server, its demo, and the operator's tools.

mod config;
mod database;
mod demo;
mod demo_history;
mod operations;
mod operator;
mod payer_data;
mod portal;
mod treasury;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use maksa_app::admin::Admin;
use maksa_app::clock::SystemClock;
use maksa_app::payment_requests::HubSettings;
use maksa_domain::ids::ClientId;
use maksa_domain::request::CreationRules;
use maksa_server::{AppState, HttpsSettings, Listeners, PageSettings, PayerOptions};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use time::Duration;

#[derive(Parser)]
#[command(
    name = "maksa",
    version,
    about = "An open-source payment hub for public e-services"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DatabaseArg {
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(
        long,
        env = "MAKSA_DATABASE_URL",
        default_value = "sqlite://maksa-data/maksa.db"
    )]
    database_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub with a demo catalogue, demo certificates and a demo client, on SQLite.
    Demo {
        #[arg(long, default_value = "maksa-data")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[arg(long, default_value = "127.0.0.1:8443")]
        tls_listen: SocketAddr,
        /// Start a fresh data directory empty, without the 60 days of
        /// payment history the dashboard shows (docs/dashboard.md).
        #[arg(long)]
        no_history: bool,
    },
    /// Run the hub from a configuration file and MAKSA_* environment variables.
    Serve {
        #[arg(long, env = "MAKSA_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Create or update the database schema.
    Migrate(DatabaseArg),
    /// The certificate registry.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// The catalogue of providers, services, steps, positions and contracts.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Server-to-server notifications: delivery logs, dead letters, re-sends.
    Notifications {
        #[command(subcommand)]
        command: operations::NotificationsCommand,
    },
    /// The payers' e-mail: dead messages and re-sends (docs/payer-notifications.md).
    PayerMail {
        #[command(subcommand)]
        command: operations::PayerMailCommand,
    },
    /// Secrets that sign a client's notifications (MM-Signature).
    Secret {
        #[command(subcommand)]
        command: operations::SecretCommand,
    },
    /// The Treasury loop: statements, reconciliation, payment orders (docs/treasury.md).
    Treasury {
        #[command(subcommand)]
        command: treasury::TreasuryCommand,
    },
    /// The operator's pages: accounts (docs/operator.md).
    Operator {
        #[command(subcommand)]
        command: operator::OperatorCommand,
    },
    /// A person's data on their request: export and erasure (docs/retention.md).
    PayerData {
        #[command(subcommand)]
        command: payer_data::PayerDataCommand,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a client certificate (PEM, DER, or an MM_Cert base64 value).
    Add {
        #[command(flatten)]
        database: DatabaseArg,
        /// The client's short name, as used in catalogue contracts.
        #[arg(long)]
        client: String,
        #[arg(long)]
        certificate: PathBuf,
        /// E.g. MM_INVOICE_SERVICE; repeat for several.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Limit the certificate to these service codes; repeat for several.
        #[arg(long = "service")]
        services: Vec<String>,
    },
    List(DatabaseArg),
    Revoke {
        #[command(flatten)]
        database: DatabaseArg,
        thumbprint: String,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    Import {
        #[command(flatten)]
        database: DatabaseArg,
        file: PathBuf,
    },
    Show(DatabaseArg),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.command))
}

async fn admin(database: &DatabaseArg) -> anyhow::Result<Admin> {
    let store = database::open(&database.database_url, true).await?;
    Ok(Admin::new(store, Arc::new(SystemClock)))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo {
            data_dir,
            listen,
            tls_listen,
            no_history,
        } => demo::run(&data_dir, listen, tls_listen, !no_history).await,
        Command::Serve { config } => serve(config).await,
        Command::Notifications { command } => operations::notifications(command).await,
        Command::PayerMail { command } => operations::payer_mail(command).await,
        Command::Secret { command } => operations::secrets(command).await,
        Command::Treasury { command } => treasury::run(command).await,
        Command::Operator { command } => operator::run(command).await,
        Command::PayerData { command } => payer_data::run(command).await,
        Command::Migrate(database) => {
            database::open(&database.database_url, true).await?;
            println!(
                "database {} is migrated",
                database::redact(&database.database_url)
            );
            Ok(())
        }
        Command::Client { command } => client(command).await,
        Command::Catalog { command } => catalog(command).await,
    }
}

async fn client(command: ClientCommand) -> anyhow::Result<()> {
    match command {
        ClientCommand::Add {
            database,
            client,
            certificate,
            roles,
            services,
        } => {
            let client = ClientId::parse(&client)
                .context("the client name must be 1-64 of a-z, 0-9, '.', '_', '-'")?;
            let text = std::fs::read(&certificate)
                .with_context(|| format!("reading {}", certificate.display()))?;
            let info = read_certificate(&text)?;
            let admin = admin(&database).await?;
            let record = admin
                .register_client(client, &maksa_server::presented(&info), roles, services)
                .await?;
            println!(
                "registered {} for client {} (subject {}, valid until {})",
                record.thumbprint, record.client, record.subject, record.not_after
            );
            // Notifications are signed from the first one on (docs/notifications.md).
            match admin.ensure_notification_secret(&record.client).await? {
                Some(new) => println!(
                    "notification signing secret (MM-Signature; give it to the e-service, it is shown once):\n{}",
                    new.secret
                ),
                None => println!(
                    "the client already has a notification signing secret (rotate with: maksa secret add {})",
                    record.client
                ),
            }
            Ok(())
        }
        ClientCommand::List(database) => {
            for c in admin(&database).await?.clients().await? {
                let state = if c.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {:<20} {:<8} roles={} until={}  {}",
                    c.thumbprint,
                    c.client,
                    state,
                    c.roles.join(","),
                    c.not_after,
                    c.subject
                );
            }
            Ok(())
        }
        ClientCommand::Revoke {
            database,
            thumbprint,
        } => {
            if admin(&database).await?.revoke(&thumbprint).await? {
                println!("revoked {thumbprint}");
                Ok(())
            } else {
                bail!("no registered certificate has thumbprint {thumbprint}")
            }
        }
    }
}

/// A certificate file: PEM, raw DER, or the base64 text clients put into MM_Cert.
fn read_certificate(bytes: &[u8]) -> anyhow::Result<maksa_x509::CertificateInfo> {
    if let Ok(info) = maksa_x509::CertificateInfo::from_der(bytes) {
        return Ok(info);
    }
    let text =
        std::str::from_utf8(bytes).context("the certificate file is neither DER nor text")?;
    Ok(maksa_x509::parse_mm_cert(text)?)
}

async fn catalog(command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Import { database, file } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let (version, catalog) = admin(&database)
                .await?
                .import_catalog(&source)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!(
                "imported catalogue version {version}: {} providers, {} services, {} steps, {} positions, {} contracts",
                catalog.providers.len(),
                catalog.services.len(),
                catalog.steps.len(),
                catalog.positions.len(),
                catalog.contracts.len()
            );
            Ok(())
        }
        CatalogCommand::Show(database) => {
            let Some(catalog) = admin(&database).await?.catalog().await? else {
                bail!("no catalogue has been imported yet: run `maksa catalog import FILE`");
            };
            for step in &catalog.steps {
                println!("step {} ({}) — {}", step.code, step.service, step.name);
                for p in catalog.positions.iter().filter(|p| p.step == step.code) {
                    let how = if p.amount_allowed {
                        "quantity or amount"
                    } else {
                        "quantity"
                    };
                    println!(
                        "  {:<6} {:>10} {}  {}  → {} {} ({how})",
                        p.code,
                        p.unit_price.to_string(),
                        p.currency,
                        p.name,
                        p.payee.name,
                        p.payee.iban
                    );
                }
            }
            for c in &catalog.contracts {
                let providers: Vec<&str> = c.providers.iter().map(|p| p.as_str()).collect();
                println!(
                    "contract {}: services {} · providers {} · origins {}",
                    c.client,
                    c.services.join(","),
                    providers.join(","),
                    c.origins.join(" ")
                );
            }
            Ok(())
        }
    }
}

pub fn hub_settings(
    public_base_url: &str,
    default_validity_days: i64,
    list_limit: u32,
    issuer: maksa_domain::document::Party,
) -> HubSettings {
    HubSettings {
        public_base_url: public_base_url.trim_end_matches('/').to_owned(),
        rules: CreationRules {
            default_validity: Duration::days(default_validity_days),
            ..CreationRules::default()
        },
        list_limit,
        issuer,
    }
}

async fn serve(config_file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = config::Config::load(config_file.as_deref())?;
    let _node_lock = database::lock_single_node(&config.database_url)?;
    let store = database::open(&config.database_url, true).await?;
    let treasury_store = Arc::clone(&store);
    let settings = hub_settings(
        &config.public_base_url,
        config.default_validity_days,
        config.list_limit,
        config.issuer.party(),
    );
    let mut options = PayerOptions {
        pages: PageSettings {
            return_redirect_seconds: config.return_redirect_seconds,
        },
        outbound: Some(Arc::new(maksa_outbound::OutboundClient::new(
            config.outbound_policy()?,
        ))),
        retry_schedule: maksa_app::notifications::RetrySchedule::parse(&config.retry_schedule)
            .map_err(|e| anyhow::anyhow!("retry_schedule: {e}"))?,
        lifecycle: maksa_app::lifecycle::LifecycleSettings {
            expiry_grace: time::Duration::minutes(config.expiry_grace_minutes),
            payer_data_after: config.retention.payer_data_after()?,
            ..Default::default()
        },
        worker: config.node_name.clone(),
        workspace: config
            .payer_workspace
            .as_ref()
            .map(|w| portal::workspace_settings(w, &config.public_base_url))
            .transpose()?,
        mail: portal::mail_transport(&config.mail, &config.public_base_url, None)?,
        remind_before: Some(Duration::days(config.mail.remind_before_days.clamp(0, 365))),
        ivis_test_messages: config.ivis.accept_test_messages,
        cards: config.cards.settings()?,
        rate_limits: config.rate_limits.settings()?,
        idempotency_ttl: Some(Duration::hours(i64::from(
            config.idempotency_key_hours.clamp(1, 24 * 30),
        ))),
        metrics_over_http: config.metrics_over_http,
        operator: operator::console(
            &config.operator,
            &config.console,
            Arc::clone(&store),
            Arc::new(SystemClock),
            config.treasury.settings()?,
        )?,
        ..PayerOptions::default()
    };
    if !config.operator.is_empty() && config.https.is_none() {
        tracing::warn!(
            "the operator's pages are served over plain HTTP: there is no [https] listener"
        );
    }
    for bank in &config.bank {
        let connector = bank.contract()?.connector()?;
        tracing::info!(code = %connector.code(), protocol = %bank.protocol, "bank contract configured");
        options.connectors.register(connector);
    }
    for acquirer in &config.card_acquirer {
        let connector = acquirer.connector()?;
        tracing::info!(code = %connector.code(), "card acquirer configured (First Data ECOMM)");
        options.connectors.register(connector);
    }
    for bank in &config.psd2_bank {
        let connector = bank.connector()?;
        tracing::info!(code = %connector.code(), "PSD2 bank configured");
        options.connectors.register(connector);
    }
    if let Some(key_dir) = &config.demo_bank_key_dir {
        let public = config.public_base_url.trim_end_matches('/');
        let bank = maksa_providers::DemoBank::new(
            maksa_providers::DemoKeys::load_or_create(key_dir)?,
            format!("{public}/demo-bank"),
            public.to_owned(),
        );
        options.connectors.register(bank.connector());
        options
            .mounts
            .push(("/demo-bank".to_owned(), bank.router()));
        for (path, sandbox) in
            maksa_providers::sandboxes::build_all(&key_dir.join("banks"), public, None)?
        {
            tracing::warn!(%path, code = %sandbox.connector.code(), "sandbox: a simulated bank is enabled");
            options.connectors.register(sandbox.connector.clone());
            options.mounts.push((path, sandbox.simulator.router()));
        }
        tracing::warn!("sandbox: the demo bank DEMO0000 is enabled at /demo-bank");
    }
    let state = AppState::assemble(
        store,
        Arc::new(SystemClock),
        settings,
        config.legacy_body_auth,
        config.body_limit_bytes,
        options,
    )
    .await?;
    if state.requests.catalog().steps.is_empty() {
        tracing::warn!("the catalogue is empty: import one with `maksa catalog import FILE`");
    }
    let https = match &config.https {
        None => None,
        Some(h) => Some(HttpsSettings {
            listen: h.listen,
            certificate_pem: std::fs::read_to_string(&h.certificate)
                .with_context(|| format!("reading {}", h.certificate.display()))?,
            private_key_pem: std::fs::read_to_string(&h.private_key)
                .with_context(|| format!("reading {}", h.private_key.display()))?,
            client_ca_pems: h
                .client_ca
                .iter()
                .map(std::fs::read_to_string)
                .collect::<Result<_, _>>()
                .context("reading client_ca")?,
        }),
    };
    let bound = maksa_server::bind(Listeners {
        http: config.http_listen,
        https,
    })
    .await?
    .with_limits(config.limits.connection_limits());
    let running = maksa_server::serve(state.clone(), bound)?;
    treasury_tasks(&config, Arc::clone(&treasury_store))?;
    tracing::info!(http = ?running.http_addr, https = ?running.https_addr, legacy_body_auth = config.legacy_body_auth, "maksa is serving");
    run_until_stopped(running, state).await
}

/// Seconds between looks into the watched statement directory.
const WATCH_SECONDS: u64 = 10;

/// The Treasury loop's background work of `maksa serve` (docs/treasury.md):
/// the eKase exchange worker with `[treasury.exchange]`, the watched
/// directory with `watch_dir`.
fn treasury_tasks(
    config: &config::Config,
    store: Arc<dyn maksa_app::store::Store>,
) -> anyhow::Result<()> {
    let section = &config.treasury;
    let treasury =
        maksa_app::treasury::Treasury::new(store, Arc::new(SystemClock), section.settings()?);
    if let Some(exchange) = &section.exchange {
        let certificate = std::fs::read(&exchange.certificate_file)
            .with_context(|| format!("reading {}", exchange.certificate_file.display()))?;
        let identity = match &exchange.key_file {
            Some(key_file) => maksa_ekase::Identity::Pem {
                certificate: String::from_utf8(certificate)
                    .context("the exchange's certificate_file is not PEM text")?,
                key: std::fs::read_to_string(key_file)
                    .with_context(|| format!("reading {}", key_file.display()))?,
            },
            None => maksa_ekase::Identity::Pkcs12 {
                der: certificate,
                password: match &exchange.p12_password_env {
                    Some(name) => std::env::var(name).with_context(|| {
                        format!("the environment variable {name} (p12_password_env)")
                    })?,
                    None => String::new(),
                },
            },
        };
        let ca = match &exchange.ca_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            ),
            None => None,
        };
        let client = maksa_ekase::EkaseClient::new(&exchange.url, &identity, ca.as_deref())?;
        if section.accounts.is_empty() {
            tracing::warn!(
                "[treasury.exchange] without [treasury] accounts: only payment orders are exchanged"
            );
        }
        let worker = maksa_app::treasury::ExchangeWorker::new(
            treasury.clone(),
            Arc::new(client),
            maksa_app::treasury::ExchangeSettings {
                accounts: section.accounts.clone(),
                poll: std::time::Duration::from_secs(exchange.poll_seconds.max(1)),
                ..Default::default()
            },
        );
        tracing::info!(url = %exchange.url, accounts = section.accounts.len(), "the eKase exchange is on");
        tokio::spawn(worker.run());
    }
    if let Some(dir) = section.watch_dir.clone() {
        for sub in ["done", "refused"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("creating {}", dir.join(sub).display()))?;
        }
        tracing::info!(dir = %dir.display(), "watching for statement files");
        tokio::spawn(async move {
            loop {
                watch_once(&treasury, &dir).await;
                tokio::time::sleep(std::time::Duration::from_secs(WATCH_SECONDS)).await;
            }
        });
    }
    Ok(())
}

/// Imports each file in `dir` (not its subdirectories), then moves it to
/// `done/`, or to `refused/` with the reason in `NAME.error.txt` beside it.
/// A file that fails for another reason (the database) stays to be tried again.
async fn watch_once(treasury: &maksa_app::treasury::Treasury, dir: &std::path::Path) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "the watched directory cannot be read");
        return;
    };
    let mut files: Vec<PathBuf> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(error) => {
                tracing::warn!(file = %path.display(), %error, "cannot open a watched file");
                continue;
            }
        };
        let source = format!("watch:{name}");
        let result = treasury
            .import(&source, std::io::BufReader::new(file), "watch")
            .await;
        let moved = match result {
            Ok(report) => {
                tracing::info!(file = %name, new = report.counts.new, repeated = report.counts.repeated, "statement file imported");
                std::fs::rename(&path, dir.join("done").join(&name))
            }
            Err(maksa_app::treasury::TreasuryError::Document(error)) => {
                tracing::warn!(file = %name, %error, "statement file refused");
                let _ = std::fs::write(
                    dir.join("refused").join(format!("{name}.error.txt")),
                    format!("{error}\n"),
                );
                std::fs::rename(&path, dir.join("refused").join(&name))
            }
            Err(error) => {
                tracing::warn!(file = %name, %error, "statement file not imported; tried again later");
                continue;
            }
        };
        if let Err(error) = moved {
            tracing::warn!(file = %name, %error, "a watched file could not be moved");
        }
    }
}

/// Serves until Ctrl-C or SIGTERM, refreshing the catalogue every few seconds so
/// that `maksa catalog import` takes effect without a restart.
pub async fn run_until_stopped(
    mut running: maksa_server::RunningServer,
    state: AppState,
) -> anyhow::Result<()> {
    let refresher = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            if let Err(error) = state.requests.reload_catalog().await {
                tracing::warn!(%error, "could not reload the catalogue");
            }
        }
    });
    let listener_ended = tokio::select! {
        result = running.wait() => Some(result),
        _ = shutdown_signal() => None,
    };
    let result = match listener_ended {
        Some(result) => result.context("a listener failed"),
        None => {
            tracing::info!("stopping: finishing requests in flight");
            running.shutdown().await;
            Ok(())
        }
    };
    refresher.abort();
    result
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
