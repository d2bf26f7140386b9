//! The HTTP doors of maksa. `start` binds the plain-HTTP and the HTTPS listener
//! (port 0 works, which is how the integration tests run the real server) and
//! serves one router on both, through one accept loop (`maksa_x509::serve`)
//! that enforces the connection limits; over HTTPS it attaches the client
//! certificate to every request.

// Every byte here comes from outside: no slicing that can panic, no arithmetic
// that can overflow (a panic would still be answered — `panic.rs` — but must
// not be how bad input is handled).
#![cfg_attr(
    not(test),
    deny(
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod door;
mod fields;
#[doc(hidden)]
pub mod fuzzing;
mod invoices;
pub mod ivis;
mod json;
pub mod labels;
mod openapi;
mod operator;
mod pages;
mod panic;
pub mod portal_sim;
mod rate_limits;
mod rest;
mod soap;
mod tls;
mod wire_error;
mod workspace;

use axum::Router;
use axum::routing::{get, post};
use maksa_app::auth::Authenticator;
use maksa_app::clock::Clock;
use maksa_app::documents::Documents;
use maksa_app::error::AppError;
use maksa_app::lifecycle::{Lifecycle, LifecycleSettings};
use maksa_app::metrics::Metrics;
use maksa_app::notifications::{Notifier, RetrySchedule, Transport};
use maksa_app::payer::{Payer, PayerSettings};
use maksa_app::payment_requests::{HubSettings, PaymentRequests};
use maksa_app::providers::Connectors;
use maksa_app::store::prelude::*;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use maksa_x509::ConnectionLimits;
pub use operator::OperatorConsole;
pub use operator::dashboard_html;
pub use pages::PageSettings;
pub use rate_limits::{Rate, RateLimitSettings};
pub use tls::presented;
pub use workspace::WorkspaceSettings;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub requests: Arc<PaymentRequests>,
    pub auth: Arc<Authenticator>,
    pub payer: Arc<Payer>,
    pub documents: Arc<Documents>,
    pub pages: PageSettings,
    pub body_limit: usize,
    pub metrics: Arc<Metrics>,
    /// Card reversals and the acquirers' day closes (docs/providers/firstdata.md).
    pub cards: Arc<maksa_app::cards::Cards>,
    /// What waits for a person: dead notifications and payer e-mail, unresolved payments.
    pub queues: Arc<maksa_app::queues::Queues>,
    /// The console's payment requests (docs/console-requests.md).
    pub requests_console: Arc<maksa_app::requests_console::RequestsConsole>,
    /// Idempotency keys (docs/idempotency.md).
    pub idempotency: Arc<maksa_app::idempotency::Idempotency>,
    /// Rate limits (docs/rate-limits.md); `None`: none.
    rate_limits: Option<Arc<rate_limits::RateLimiter>>,
    /// Payers' data: export, erasure, the erasure log (docs/retention.md).
    pub retention: Arc<maksa_app::retention::Retention>,
    /// The catalogue and the certificate registry (the console's pages).
    pub admin: maksa_app::admin::Admin,
    store: Arc<dyn Store>,
    /// The background workers; `None` when no transport was configured (tests
    /// of the API alone).
    lifecycle: Option<Arc<Lifecycle>>,
    /// Routers mounted beside ours, e.g. the demo bank at `/demo-bank`.
    mounts: Vec<(String, Router)>,
    /// The operator's pages (`/admin/`), when operators are configured.
    operator: Option<OperatorConsole>,
    /// The payer's workspace (`/payer/`), when an identity provider is configured.
    workspace: workspace::SharedWorkspace,
    /// `/metrics` on the plain HTTP listener too (`metrics_over_http`).
    metrics_over_http: bool,
    /// Set by `serve`: the node has a TLS listener and `/metrics` answers only there.
    metrics_tls_only: bool,
}

/// The payer side's parts: which providers the hub talks to, page settings, and
/// routers to mount beside the hub's own (a simulator's pages).
#[derive(Default)]
pub struct PayerOptions {
    pub connectors: Connectors,
    pub pages: PageSettings,
    pub mounts: Vec<(String, Router)>,
    /// Outgoing HTTP for notifications (the SSRF-guarded client); with it the
    /// node runs the lifecycle workers.
    pub outbound: Option<Arc<dyn Transport>>,
    pub retry_schedule: RetrySchedule,
    pub lifecycle: LifecycleSettings,
    /// This node's name in work leases (defaults to host and process id).
    pub worker: Option<String>,
    /// The operator's pages (docs/operator.md); `None`: not mounted.
    pub operator: Option<OperatorConsole>,
    /// The payer's workspace (docs/payer-workspace.md); `None`: not offered.
    pub workspace: Option<WorkspaceSettings>,
    /// Where the payers' e-mail goes (SMTP, or `.eml` files); `None`: none is sent.
    pub mail: Option<Arc<dyn maksa_app::mail::MailTransport>>,
    /// How long before expiry an open registered request is reminded of.
    pub remind_before: Option<time::Duration>,
    /// Whether IVIS messages marked `Test` are taken (the sandbox).
    pub ivis_test_messages: bool,
    /// When the card acquirers' business day is closed (`[cards]`).
    pub cards: maksa_app::cards::CardSettings,
    /// Rate limits (`[rate_limits]`, docs/rate-limits.md); `None`: no limits.
    pub rate_limits: Option<RateLimitSettings>,
    /// How long an idempotency key is answered from (24 hours when `None`).
    pub idempotency_ttl: Option<time::Duration>,
    /// Whether `/metrics` also answers on the plain HTTP listener — the payers'
    /// listener — when the node has a TLS one (`metrics_over_http`; off by default).
    pub metrics_over_http: bool,
}

impl AppState {
    /// Wires the application services over a store. Needs a Tokio runtime.
    pub async fn assemble(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        hub: HubSettings,
        legacy_body_auth: bool,
        body_limit: usize,
        options: PayerOptions,
    ) -> Result<AppState, AppError> {
        let catalog = store.load_catalog().await?.unwrap_or_default();
        let admin = maksa_app::admin::Admin::new(Arc::clone(&store), Arc::clone(&clock));
        let metrics = Arc::new(Metrics::default());
        let queues = Arc::new(maksa_app::queues::Queues::new(
            Arc::clone(&store),
            Arc::clone(&clock),
        ));
        let cards = Arc::new(maksa_app::cards::Cards::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            options.connectors.clone(),
            Arc::clone(&metrics),
            options.cards,
        ));
        let payer = Arc::new(Payer::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            options.connectors,
            PayerSettings {
                public_base_url: hub.public_base_url.clone(),
            },
        ));
        let documents = Arc::new(Documents::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            Arc::new(maksa_documents::Renderer::new()),
            hub.issuer.clone(),
            hub.rules.field_max_length,
        ));
        let idempotency = Arc::new(maksa_app::idempotency::Idempotency::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            options
                .idempotency_ttl
                .unwrap_or(maksa_app::idempotency::DEFAULT_TTL),
        ));
        let metrics_over_http = options.metrics_over_http;
        let rate_limits = options
            .rate_limits
            .map(|settings| Arc::new(rate_limits::RateLimiter::new(settings)));
        let public_base_url = hub.public_base_url.clone();
        let requests = Arc::new(PaymentRequests::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            catalog,
            hub,
        ));
        requests.accept_ivis_test_messages(options.ivis_test_messages);
        let requests_console = Arc::new(maksa_app::requests_console::RequestsConsole::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            Arc::clone(&payer),
            Arc::clone(&documents),
            Arc::clone(&requests),
        ));
        let workspace = options.workspace.map(|settings| {
            let lifetime = settings.session_lifetime;
            Arc::new(workspace::Workspace::new(
                settings,
                maksa_app::payer_sessions::PayerSessions::new(
                    Arc::clone(&store),
                    Arc::clone(&clock),
                    lifetime,
                ),
            ))
        });
        let mail = options.mail;
        let remind_before = options
            .remind_before
            .unwrap_or_else(|| time::Duration::days(3));
        let retention = Arc::new(maksa_app::retention::Retention::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            maksa_app::retention::RetentionSettings {
                payer_data_after: options.lifecycle.payer_data_after,
            },
        ));
        let lifecycle = options.outbound.map(|transport| {
            let worker = options
                .worker
                .unwrap_or_else(|| format!("node-{}", std::process::id()));
            let notifier = Notifier::new(
                Arc::clone(&store),
                Arc::clone(&clock),
                transport,
                options.retry_schedule,
                Arc::clone(&metrics),
                worker.clone(),
            )
            .with_ivis(Arc::new(ivis::door::Answers::new(public_base_url.clone())));
            let mut lifecycle = Lifecycle::new(
                Arc::clone(&store),
                Arc::clone(&clock),
                notifier,
                Arc::clone(&payer),
                Arc::clone(&metrics),
                options.lifecycle,
                payer.wake_handle(),
            )
            .with_documents(Arc::clone(&documents))
            .with_cards(Arc::clone(&cards))
            .with_idempotency(Arc::clone(&idempotency))
            .with_retention(Arc::clone(&retention));
            if let Some(mail) = mail {
                lifecycle =
                    lifecycle.with_payer_mail(Arc::new(maksa_app::payer_mail::PayerMailer::new(
                        Arc::clone(&store),
                        Arc::clone(&clock),
                        mail,
                        maksa_app::payer_mail::PayerMailSettings {
                            public_base_url: public_base_url.clone(),
                            remind_before,
                        },
                        worker,
                    )));
            }
            Arc::new(lifecycle)
        });
        let auth = Arc::new(Authenticator::new(
            Arc::clone(&store),
            clock,
            legacy_body_auth,
        ));
        Ok(AppState {
            requests,
            requests_console,
            auth,
            payer,
            documents,
            pages: options.pages,
            body_limit,
            metrics,
            cards,
            queues,
            idempotency,
            rate_limits,
            retention,
            admin,
            store,
            lifecycle,
            mounts: options.mounts,
            operator: options.operator,
            workspace,
            metrics_over_http,
            metrics_tls_only: false,
        })
    }
}

pub fn router(state: AppState) -> Router {
    let mounts = state.mounts.clone();
    let mut router: Router<AppState> = Router::new()
        .route("/api/v1/payments/{method}", post(rest::payments_method))
        .route(
            "/api/v1/paymentrequest/{method}",
            post(rest::paymentrequest_method),
        )
        .merge(pages::routes())
        .route("/Invoices/Pdf/{id}", get(invoices::pdf))
        .route("/Invoices/Xml/{id}", get(invoices::xml))
        .route("/v1.0/RESTX509/Invoices/Pdf/{id}", get(invoices::pdf))
        .route("/v1.0/RESTX509/Invoices/Xml/{id}", get(invoices::xml))
        // The original's full address (004 §2.4–2.5): a client that changes
        // only the host keeps working.
        .route(
            "/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509/Invoices/Pdf/{id}",
            get(invoices::pdf),
        )
        .route(
            "/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509/Invoices/Xml/{id}",
            get(invoices::xml),
        )
        .merge(soap::routes())
        .merge(ivis::door::routes())
        .merge(workspace::routes())
        // The REST API's OpenAPI 3.1 document and its reference page (docs/api.md).
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/api/", get(openapi::page::api_reference))
        .route("/api", get(openapi::page::api_reference))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics));
    if state.operator.is_some() {
        router = router.merge(operator::routes(state.clone()));
    }
    let mut router = router.with_state(state.clone());
    for (path, mounted) in mounts {
        router = router.nest(&path, mounted);
    }
    // Outermost last: every request (mounted routers' too) gets its id first,
    // so the refusal and panic answers below are counted and logged with it.
    panic::catch_panics(router)
        .layer(axum::middleware::from_fn_with_state(
            state.body_limit,
            door::refuse_declared_oversize,
        ))
        // Per address, before anything of the request is read.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limits::by_address,
        ))
        .layer(axum::middleware::from_fn_with_state(state, count_requests))
}

/// Ready when the database answers. (A node whose schema is older than its
/// binary never starts: it migrates, or refuses, at start-up.)
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // A node whose storage failed still answers reads, but must not be sent
    // writes: a balancer that reads `/ready` takes it out until its restart.
    if let Some(failure) = state.store.storage_failure() {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "60")],
            format!("STORAGE_FAILED: writes are refused until this node is restarted: {failure}\n"),
        )
            .into_response();
    }
    match state.store.notification_backlog().await {
        Ok(_) => (axum::http::StatusCode::OK, "ready\n").into_response(),
        Err(error) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {error}\n"),
        )
            .into_response(),
    }
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let over_tls = request.extensions().get::<maksa_x509::TlsPeer>().is_some();
    if state.metrics_tls_only && !over_tls {
        return (axum::http::StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let backlog = state.store.notification_backlog().await.ok();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(backlog),
    )
        .into_response()
}

/// Counts answers by API method (or page kind) and status, and gives each
/// request an id. Labels come from a
/// fixed set, so a caller cannot grow the metrics without bound.
async fn count_requests(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_ascii_lowercase();
    let label = if let Some(method) = path
        .strip_prefix("/api/v1/payments/")
        .or_else(|| path.strip_prefix("/api/v1/paymentrequest/"))
    {
        maksa_app::api_method::ApiMethod::parse(method)
            .map(|m| m.as_str())
            .unwrap_or("unknown")
    } else if path.contains("/invoices/pdf/") {
        "invoice_pdf"
    } else if path.contains("/invoices/xml/") {
        "invoice_xml"
    } else if operator::is_operator_path(&path) {
        "operator_page"
    } else if pages::is_page_path(&path) {
        "payer_page"
    } else if path == ivis::door::PATH.to_ascii_lowercase() {
        "ivis"
    } else if path.starts_with("/payer/") || path == "/payer" {
        "workspace"
    } else if path.ends_with(".svc") {
        "soap"
    } else if path.starts_with("/providers/") {
        "provider"
    } else {
        "other"
    };
    // Every log line of this request carries its id; the caller gets it back
    // in `X-Request-Id` to quote when asking the operator. (Bodies, personal
    // codes and query strings are never logged.)
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("request", id = %request_id, route = label);
    let mut response = tracing::Instrument::instrument(next.run(request), span).await;
    state.metrics.request(label, response.status().as_u16());
    // A router mounted beside ours that answers its own `X-Request-ID` (the
    // sandbox's PSD2 bank echoes the caller's, as the framework requires)
    // keeps it: the id is then in the log line only.
    if !response.headers().contains_key("x-request-id")
        && let Ok(value) = axum::http::HeaderValue::from_str(&request_id)
    {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub struct HttpsSettings {
    pub listen: SocketAddr,
    pub certificate_pem: String,
    pub private_key_pem: String,
    /// CAs whose client certificates the TLS layer recognises as chained.
    pub client_ca_pems: Vec<String>,
}

pub struct Listeners {
    pub http: Option<SocketAddr>,
    pub https: Option<HttpsSettings>,
}

/// A running server; dropping it does not stop it, `shutdown` does.
pub struct RunningServer {
    pub http_addr: Option<SocketAddr>,
    pub https_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting, lets requests in flight finish (10 s at most), and waits
    /// for the listeners.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
    }

    /// Resolves when a listener stops by itself, which only an error makes it do.
    pub async fn wait(&mut self) -> std::io::Result<()> {
        match self.tasks.join_next().await {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(panicked)) => Err(std::io::Error::other(panicked)),
        }
    }
}

/// Listeners bound but not yet serving: their addresses are known (port 0 has
/// become a real port), so the public URL can be derived before serving starts.
pub struct BoundListeners {
    http: Option<TcpListener>,
    https: Option<(TcpListener, HttpsSettings)>,
    limits: ConnectionLimits,
}

impl BoundListeners {
    /// Serve under `limits` instead of the defaults.
    pub fn with_limits(self, limits: ConnectionLimits) -> Self {
        BoundListeners { limits, ..self }
    }

    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }
}

pub async fn bind(listeners: Listeners) -> Result<BoundListeners, std::io::Error> {
    let http = match listeners.http {
        Some(addr) => Some(TcpListener::bind(addr).await?),
        None => None,
    };
    let https = match listeners.https {
        Some(settings) => Some((TcpListener::bind(settings.listen).await?, settings)),
        None => None,
    };
    Ok(BoundListeners {
        http,
        https,
        limits: ConnectionLimits::default(),
    })
}

pub async fn start(state: AppState, listeners: Listeners) -> Result<RunningServer, std::io::Error> {
    serve(state, bind(listeners).await?)
}

/// Serves one router on the bound listeners until `RunningServer::shutdown`.
/// Both listeners share one count of connections, so the caps hold per node.
pub fn serve(mut state: AppState, bound: BoundListeners) -> Result<RunningServer, std::io::Error> {
    // The operator's pages answer only over TLS when there is a TLS listener.
    if let Some(console) = &mut state.operator {
        console.tls_only = bound.https.is_some();
    }
    // So are the metrics, unless the operator asked for them on plain HTTP: the
    // plain listener is the payers' one, and the counters describe the clients.
    state.metrics_tls_only = bound.https.is_some() && !state.metrics_over_http;
    let http_addr = bound.http_addr();
    let https_addr = bound.https_addr();
    let lifecycle = state.lifecycle.clone();
    let app = router(state);
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let gate = maksa_x509::ConnectionGate::new(bound.limits);
    if let Some(lifecycle) = lifecycle {
        let stopped = stopped.clone();
        tasks.spawn(async move {
            lifecycle.run(stopped).await;
            Ok(())
        });
    }
    if let Some(listener) = bound.http {
        let mut stopped = stopped.clone();
        tasks.spawn(maksa_x509::serve(
            listener,
            maksa_x509::Security::Plain,
            app.clone(),
            gate.clone(),
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        ));
    }
    if let Some((listener, https)) = bound.https {
        let config = maksa_x509::server_config(
            &https.certificate_pem,
            &https.private_key_pem,
            &https.client_ca_pems,
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut stopped = stopped.clone();
        tasks.spawn(maksa_x509::serve(
            listener,
            maksa_x509::Security::Tls {
                config,
                client_ca_pems: &https.client_ca_pems,
            },
            app,
            gate,
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        ));
    }
    Ok(RunningServer {
        http_addr,
        https_addr,
        stop,
        tasks,
    })
}
