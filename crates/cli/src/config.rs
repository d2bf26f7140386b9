//! `maksa serve` settings: a TOML file, then `MAKSA_*` environment variables
//! over it. Documented in docs/configuration.md.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// Where payers reach the hub; `PaymentRequestUrl` starts with it.
    pub public_base_url: String,
    /// Plain-HTTP listener (the payer's pages; the API only in legacy mode).
    pub http_listen: Option<SocketAddr>,
    /// Accept API calls identified by `MM_Cert` alone over plain HTTP.
    #[serde(default)]
    pub legacy_body_auth: bool,
    /// `/metrics` on the plain-HTTP listener too when there is an `[https]` one
    /// (docs/configuration.md); off: the payers' listener does not show it.
    #[serde(default)]
    pub metrics_over_http: bool,
    pub https: Option<HttpsConfig>,
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    #[serde(default = "default_list_limit")]
    pub list_limit: u32,
    #[serde(default = "default_validity_days")]
    pub default_validity_days: i64,
    /// Seconds the paid page counts down before sending the payer to `ReturnRedirectUrl`.
    #[serde(default = "default_return_redirect_seconds")]
    pub return_redirect_seconds: u32,
    /// A sandbox: run the demo bank DEMO0000 at `/demo-bank`, keeping its keys in
    /// this directory. Never set it on a hub that takes real money.
    pub demo_bank_key_dir: Option<PathBuf>,
    /// Delays between notification delivery attempts, e.g. "1m,5m*2,10m*5,1h*5,6h*3".
    #[serde(default = "default_retry_schedule")]
    pub retry_schedule: String,
    /// Address ranges outgoing calls may reach although private or loopback
    /// (e.g. ["10.20.0.0/16"]); everything internal is refused otherwise.
    #[serde(default)]
    pub outbound_allow: Vec<String>,
    /// Ports outgoing calls may use.
    #[serde(default = "default_outbound_ports")]
    pub outbound_ports: Vec<u16>,
    /// How long a payment started before expiry may still confirm.
    #[serde(default = "default_expiry_grace_minutes")]
    pub expiry_grace_minutes: i64,
    /// This node's name in work leases (default: node-<pid>).
    pub node_name: Option<String>,
    /// Who issues justification documents, printed on every receipt and invoice.
    #[serde(default)]
    pub issuer: IssuerConfig,
    /// Timeouts and connection caps of the listeners.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The bank contracts: one `[[bank]]` per provider code (docs/configuration.md).
    #[serde(default)]
    pub bank: Vec<BankConfig>,
    /// Card acquirers: one `[[card_acquirer]]` per contract (First Data ECOMM,
    /// docs/providers/firstdata.md).
    #[serde(default)]
    pub card_acquirer: Vec<CardAcquirerConfig>,
    /// Banks reached through their Berlin Group NextGenPSD2 API: one
    /// `[[psd2_bank]]` each (docs/providers/psd2.md).
    #[serde(default)]
    pub psd2_bank: Vec<Psd2BankConfig>,
    /// The Treasury loop (docs/treasury.md).
    #[serde(default)]
    pub treasury: TreasuryConfig,
    /// The people who may sign in to the operator's pages (docs/operator.md).
    #[serde(default)]
    pub operator: Vec<OperatorConfig>,
    /// The payers' e-mail (docs/payer-notifications.md).
    #[serde(default)]
    pub mail: MailConfig,
    /// The payer's workspace and its sign-in (docs/payer-workspace.md); absent: off.
    pub payer_workspace: Option<PayerWorkspaceConfig>,
    /// The IVIS door (docs/ivis.md).
    #[serde(default)]
    pub ivis: IvisConfig,
    /// Card payments: when the acquirers' business day is closed
    /// (docs/providers/firstdata.md).
    #[serde(default)]
    pub cards: CardsConfig,
    /// Rate limits per client and method and per address (docs/rate-limits.md).
    #[serde(default)]
    pub rate_limits: RateLimitsConfig,
    /// How long an `Idempotency-Key` is answered from (docs/idempotency.md).
    #[serde(default = "default_idempotency_key_hours")]
    pub idempotency_key_hours: u32,
    /// Payers' personal data: how long it is kept (docs/retention.md).
    #[serde(default)]
    pub retention: RetentionConfig,
    /// The console's sessions (docs/operator.md).
    #[serde(default)]
    pub console: ConsoleConfig,
}

fn default_idempotency_key_hours() -> u32 {
    24
}

/// One limit of `[rate_limits]`: `burst` calls at once, then `requests`
/// every `per_seconds`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateConfig {
    pub requests: u32,
    #[serde(default = "default_per_seconds")]
    pub per_seconds: u32,
    pub burst: u32,
}

fn default_per_seconds() -> u32 {
    1
}

impl RateConfig {
    fn rate(self, name: &str) -> anyhow::Result<maksa_server::Rate> {
        anyhow::ensure!(
            self.requests >= 1 && self.per_seconds >= 1 && self.burst >= 1,
            "[rate_limits] {name}: requests, per_seconds and burst must each be at least 1"
        );
        Ok(maksa_server::Rate {
            count: self.requests,
            per: std::time::Duration::from_secs(u64::from(self.per_seconds)),
            burst: self.burst,
        })
    }

    fn of(rate: maksa_server::Rate) -> RateConfig {
        RateConfig {
            requests: rate.count,
            per_seconds: u32::try_from(rate.per.as_secs()).unwrap_or(u32::MAX),
            burst: rate.burst,
        }
    }
}

/// `[rate_limits]` (docs/rate-limits.md); the defaults are
/// `maksa_server::RateLimitSettings::default()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitsConfig {
    pub enabled: bool,
    pub create: RateConfig,
    pub query: RateConfig,
    pub pages: RateConfig,
    pub sign_in: RateConfig,
    pub max_keys: usize,
}

impl Default for RateLimitsConfig {
    fn default() -> Self {
        let defaults = maksa_server::RateLimitSettings::default();
        RateLimitsConfig {
            enabled: true,
            create: RateConfig::of(defaults.create),
            query: RateConfig::of(defaults.query),
            pages: RateConfig::of(defaults.pages),
            sign_in: RateConfig::of(defaults.sign_in),
            max_keys: defaults.max_keys,
        }
    }
}

/// `[retention]`: how long a payer's data is kept after the request's final status.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub payer_data_days: i64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            payer_data_days: 365,
        }
    }
}

/// `[console]`: how long an operator's console session lasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// A session's absolute lifetime from sign-in, hours (1 to 24).
    pub session_hours: i64,
    /// A session unused this long ends, minutes (1 to 480).
    pub idle_minutes: i64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            session_hours: maksa_app::operators::SESSION_HOURS,
            idle_minutes: maksa_app::operators::IDLE_MINUTES,
        }
    }
}

impl RateLimitsConfig {
    /// The limiter's settings; `None` when `enabled = false`.
    pub fn settings(&self) -> anyhow::Result<Option<maksa_server::RateLimitSettings>> {
        if !self.enabled {
            return Ok(None);
        }
        anyhow::ensure!(
            (1..=10_000_000).contains(&self.max_keys),
            "[rate_limits] max_keys must be between 1 and 10000000"
        );
        Ok(Some(maksa_server::RateLimitSettings {
            create: self.create.rate("create")?,
            query: self.query.rate("query")?,
            pages: self.pages.rate("pages")?,
            sign_in: self.sign_in.rate("sign_in")?,
            max_keys: self.max_keys,
        }))
    }
}

impl RetentionConfig {
    pub fn payer_data_after(&self) -> anyhow::Result<time::Duration> {
        if !(1..=3650).contains(&self.payer_data_days) {
            anyhow::bail!(
                "[retention] payer_data_days {} is not between 1 and 3650",
                self.payer_data_days
            );
        }
        Ok(time::Duration::days(self.payer_data_days))
    }
}

impl ConsoleConfig {
    pub fn settings(&self) -> anyhow::Result<maksa_app::operators::SessionSettings> {
        if !(1..=24).contains(&self.session_hours) {
            anyhow::bail!(
                "[console] session_hours {} is not between 1 and 24",
                self.session_hours
            );
        }
        if !(1..=480).contains(&self.idle_minutes) {
            anyhow::bail!(
                "[console] idle_minutes {} is not between 1 and 480",
                self.idle_minutes
            );
        }
        Ok(maksa_app::operators::SessionSettings {
            lifetime: time::Duration::hours(self.session_hours),
            idle: time::Duration::minutes(self.idle_minutes),
        })
    }
}

/// `[cards]`: the daily close of the card acquirers' business day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardsConfig {
    /// Riga time of the daily close, `HH:MM`.
    pub close_day_at: String,
    /// Whether this node closes the day (one node of a cluster is enough).
    pub close_days: bool,
}

impl Default for CardsConfig {
    fn default() -> Self {
        CardsConfig {
            close_day_at: "23:45".to_owned(),
            close_days: true,
        }
    }
}

impl CardsConfig {
    pub fn settings(&self) -> anyhow::Result<maksa_app::cards::CardSettings> {
        let (hours, minutes) = self
            .close_day_at
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)))
            .filter(|_| self.close_day_at.len() == 5)
            .with_context(|| {
                format!("[cards] close_day_at {:?} is not HH:MM", self.close_day_at)
            })?;
        let close_day_at = time::Time::from_hms(hours, minutes, 0).with_context(|| {
            format!(
                "[cards] close_day_at {:?} is not a time of day",
                self.close_day_at
            )
        })?;
        Ok(maksa_app::cards::CardSettings {
            close_day_at,
            close_days: self.close_days,
        })
    }
}

/// `[mail]`: where the payers' e-mail goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// The SMTP server (a relay); without it, messages are written as `.eml`
    /// files into `eml_dir`.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// The sender of every payer message.
    pub from: String,
    /// Where `.eml` files go without an SMTP server; no directory: no e-mail.
    pub eml_dir: Option<PathBuf>,
    /// Seconds allowed for each connect, read and write.
    pub timeout_seconds: u64,
    /// An open request registered for a payer is reminded of this many days
    /// before it expires.
    pub remind_before_days: i64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_host: None,
            smtp_port: 25,
            from: "maksa@localhost".to_owned(),
            eml_dir: None,
            timeout_seconds: 30,
            remind_before_days: 3,
        }
    }
}

/// `[payer_workspace]`: the portal's identity provider the workspace trusts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerWorkspaceConfig {
    /// The provider's WS-Federation sign-in address.
    pub idp_url: String,
    /// Our realm (the token's audience); default `<public_base_url>/payer/`.
    pub realm: Option<String>,
    /// The token's issuer; default `http://www.latvija.lv/sts`.
    pub issuer: Option<String>,
    /// PEM files of the provider's signing certificates (two during a rotation).
    pub certificates: Vec<PathBuf>,
    /// How long a payer stays signed in.
    #[serde(default = "default_session_minutes")]
    pub session_minutes: i64,
}

fn default_session_minutes() -> i64 {
    15
}

/// `[ivis]`: the IVIS door.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IvisConfig {
    /// Take messages marked `Test` (a sandbox); a production node refuses them.
    pub accept_test_messages: bool,
}

/// `[treasury]`: reconciliation with the State Treasury (docs/treasury.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TreasuryConfig {
    /// A paid payment whose money has not arrived after this many business
    /// days is reported.
    pub settle_within_business_days: u32,
    /// `pain.001.001.03` (what eKase takes) or `pain.001.001.09`.
    pub pain_version: String,
    /// The payment orders' initiating party and debtor name.
    pub initiating_party: String,
    /// The hub's accounts at the Treasury (IBAN) whose statements are fetched.
    pub accounts: Vec<String>,
    /// Statement files put here are imported, then moved to `done/` or `refused/`.
    pub watch_dir: Option<PathBuf>,
    /// The eKase online exchange; without it, statements come by file only.
    pub exchange: Option<ExchangeConfig>,
}

impl Default for TreasuryConfig {
    fn default() -> Self {
        TreasuryConfig {
            settle_within_business_days: 3,
            pain_version: "pain.001.001.03".into(),
            initiating_party: default_issuer_name(),
            accounts: Vec::new(),
            watch_dir: None,
            exchange: None,
        }
    }
}

impl TreasuryConfig {
    pub fn settings(&self) -> anyhow::Result<maksa_app::treasury::TreasurySettings> {
        use maksa_treasury::pain::PainVersion;
        let pain_version = match self.pain_version.as_str() {
            "pain.001.001.03" => PainVersion::V03,
            "pain.001.001.09" => PainVersion::V09,
            other => {
                bail!("[treasury] pain_version {other:?} is not pain.001.001.03 or pain.001.001.09")
            }
        };
        Ok(maksa_app::treasury::TreasurySettings {
            settle_within_business_days: self.settle_within_business_days,
            initiating_party: self.initiating_party.clone(),
            pain_version,
        })
    }
}

/// `[treasury.exchange]`: the eKase online exchange over HTTPS with the
/// certificate the Treasury issued (docs/treasury.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    /// The exchange's base address.
    pub url: String,
    /// The hub's client certificate: a PKCS#12 file (`.p12`/`.pfx`) or PEM.
    pub certificate_file: PathBuf,
    /// The private key (PEM), when `certificate_file` is PEM.
    pub key_file: Option<PathBuf>,
    /// The environment variable holding the PKCS#12 password.
    pub p12_password_env: Option<String>,
    /// The certificates (PEM) the exchange's server certificate must chain to;
    /// without it, the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Seconds between rounds (statements, the open day, orders, statuses).
    #[serde(default = "default_exchange_poll_seconds")]
    pub poll_seconds: u64,
}

fn default_exchange_poll_seconds() -> u64 {
    300
}

/// `[[operator]]`: one person who may sign in to the operator's pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// The sign-in name; also who approved what, in the audit trail.
    pub name: String,
    /// `maksa operator hash-password` prints it (argon2id; a legacy
    /// pbkdf2-sha256 hash is re-hashed at the next sign-in); the password
    /// itself is never stored.
    pub password_hash: String,
    /// viewer, operator or administrator (the default).
    pub role: Option<String>,
}

/// The mutual TLS of a provider contract: the hub's certificate and key
/// (PEM files) and the CA of the provider's server certificate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderTlsConfig {
    /// The hub's client certificate chain (PEM): the merchant certificate the
    /// acquirer issued, or the eIDAS QWAC.
    pub certificate_file: PathBuf,
    /// Its private key (PEM); never logged.
    pub key_file: PathBuf,
    /// The CA certificates (PEM) the provider's server certificate chains to.
    pub server_ca_file: PathBuf,
}

impl ProviderTlsConfig {
    fn read(&self, table: &str, code: &str) -> anyhow::Result<maksa_providers::mtls::MutualTls> {
        let read = |path: &PathBuf, what: &str| {
            std::fs::read_to_string(path)
                .with_context(|| format!("[[{table}]] {code}: {what} {}", path.display()))
        };
        let tls = maksa_providers::mtls::MutualTls {
            server_ca_pem: read(&self.server_ca_file, "server_ca_file")?,
            certificate_pem: read(&self.certificate_file, "certificate_file")?,
            key_pem: read(&self.key_file, "key_file")?,
        };
        // Refused now, with the table named, rather than at the first payment.
        maksa_providers::mtls::http_client(Some(&tls), std::time::Duration::from_secs(10))
            .map_err(|e| anyhow::anyhow!("[[{table}]] {code}: {e}"))?;
        Ok(tls)
    }
}

fn provider_url(table: &str, code: &str, name: &str, url: &str) -> anyhow::Result<()> {
    if url.starts_with("https://") && url.len() > "https://".len() {
        Ok(())
    } else {
        bail!("[[{table}]] {code}: {name} must be an https:// address")
    }
}

/// `[[card_acquirer]]`: a First Data ECOMM merchant contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardAcquirerConfig {
    /// The provider code in the catalogue (kind = "card"), e.g. FIRSTDATA.
    pub code: String,
    /// `https://secureshop.firstdata.lv:8443/ecomm/MerchantHandler`
    pub merchant_handler_url: String,
    /// `https://secureshop.firstdata.lv/ecomm/ClientHandler`
    pub client_handler_url: String,
    #[serde(flatten)]
    pub tls: ProviderTlsConfig,
}

impl CardAcquirerConfig {
    pub fn connector(&self) -> anyhow::Result<std::sync::Arc<dyn maksa_app::providers::Connector>> {
        let table = "card_acquirer";
        let code = maksa_domain::codes::ProviderCode::parse(&self.code)
            .with_context(|| format!("[[{table}]] code {:?} is not a provider code", self.code))?;
        provider_url(
            table,
            &self.code,
            "merchant_handler_url",
            &self.merchant_handler_url,
        )?;
        provider_url(
            table,
            &self.code,
            "client_handler_url",
            &self.client_handler_url,
        )?;
        let tls = self.tls.read(table, &self.code)?;
        Ok(std::sync::Arc::new(
            maksa_providers::firstdata::FirstDataConnector::new(
                maksa_providers::firstdata::FirstDataConfig {
                    code,
                    merchant_handler_url: self.merchant_handler_url.clone(),
                    client_handler_url: self.client_handler_url.clone(),
                    tls: Some(tls),
                },
            ),
        ))
    }
}

/// `[[psd2_bank]]`: a bank's Berlin Group NextGenPSD2 payment initiation API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Psd2BankConfig {
    /// The provider code in the catalogue, e.g. the bank's BIC.
    pub code: String,
    /// The API's base address; `/v1/payments/…` follows it.
    pub api_url: String,
    /// `REDIRECT`, the only approach supported.
    #[serde(default = "default_sca_approach")]
    pub sca_approach: String,
    #[serde(flatten)]
    pub tls: ProviderTlsConfig,
}

fn default_sca_approach() -> String {
    "REDIRECT".to_owned()
}

impl Psd2BankConfig {
    pub fn connector(&self) -> anyhow::Result<std::sync::Arc<dyn maksa_app::providers::Connector>> {
        use maksa_providers::psd2::{Psd2Config, Psd2Connector, ScaApproach};
        let table = "psd2_bank";
        let code = maksa_domain::codes::ProviderCode::parse(&self.code)
            .with_context(|| format!("[[{table}]] code {:?} is not a provider code", self.code))?;
        provider_url(table, &self.code, "api_url", &self.api_url)?;
        let sca_approach = ScaApproach::parse(&self.sca_approach).with_context(|| {
            format!(
                "[[{table}]] {}: sca_approach {:?} is not REDIRECT, EMBEDDED, DECOUPLED or OAUTH",
                self.code, self.sca_approach
            )
        })?;
        let tls = self.tls.read(table, &self.code)?;
        let connector = Psd2Connector::new(Psd2Config {
            code,
            api_base_url: self.api_url.clone(),
            tls: Some(tls),
            sca_approach,
        })
        .map_err(|e| anyhow::anyhow!("[[{table}]] {e}"))?;
        Ok(std::sync::Arc::new(connector))
    }
}

/// `[[bank]]`: one bank contract. The private key comes from a file or an
/// environment variable (PEM text); its contents are never logged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    /// swedbank-v3 | swedbank-link | seb-elink | citadele | ipizza
    pub protocol: String,
    /// The provider code in the catalogue (e.g. HABALV22).
    pub code: String,
    /// Our id at the bank.
    pub merchant_id: String,
    pub private_key_file: Option<PathBuf>,
    /// The name of an environment variable holding the key's PEM text.
    pub private_key_env: Option<String>,
    /// The bank's certificates (PEM): one, or two during a rotation.
    pub bank_certificate_files: Vec<PathBuf>,
    /// The API's base address (swedbank-v3) or the bank's payment address.
    pub url: String,
    pub bank_id: Option<String>,
    /// ipizza: 008 (SHA-1, the default) or 009 (SHA-512).
    pub version: Option<String>,
    /// citadele: the payee's registration number.
    pub payee_legal_id: Option<String>,
}

impl BankConfig {
    /// Reads the keys and certificates and checks the settings.
    pub fn contract(&self) -> anyhow::Result<maksa_providers::configured::BankContract> {
        use maksa_providers::configured::{BankContract, Protocol};
        use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
        let code = &self.code;
        let protocol = Protocol::parse(&self.protocol).with_context(|| {
            format!(
                "[[bank]] {code}: protocol {:?} is not one of {}",
                self.protocol,
                Protocol::NAMES.join(", ")
            )
        })?;
        let provider = maksa_domain::codes::ProviderCode::parse(code)
            .with_context(|| format!("[[bank]] code {code:?} is not a provider code"))?;
        let pem = match (&self.private_key_file, &self.private_key_env) {
            (Some(path), None) => std::fs::read_to_string(path)
                .with_context(|| format!("[[bank]] {code}: reading {}", path.display()))?,
            (None, Some(variable)) => std::env::var(variable).with_context(|| {
                format!("[[bank]] {code}: the environment variable {variable} is not set")
            })?,
            _ => bail!("[[bank]] {code}: set one of private_key_file and private_key_env"),
        };
        let hub_key =
            RsaKey::from_pem(&pem).with_context(|| format!("[[bank]] {code}: the private key"))?;
        let bank_keys = TrustedKeys::from_files(&self.bank_certificate_files)
            .with_context(|| format!("[[bank]] {code}: bank_certificate_files"))?;
        Ok(BankContract {
            protocol,
            code: provider,
            merchant_id: self.merchant_id.clone(),
            hub_key,
            bank_keys,
            url: self.url.clone(),
            bank_id: self.bank_id.clone(),
            version: self.version.clone(),
            payee_legal_id: self.payee_legal_id.clone(),
        })
    }
}

/// `[limits]`: how long a client may take and how many connections it may hold
/// (docs/configuration.md, docs/RELIABILITY.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// From connecting (TLS handshake included) to a complete request head.
    pub header_timeout_seconds: u64,
    /// From a request head to the end of its body.
    pub body_timeout_seconds: u64,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout_seconds: u64,
    /// Open connections from one address (IPv6: one /64), both listeners together.
    pub connections_per_address: usize,
    /// Open connections in total; keep it below the file descriptor limit.
    pub max_connections: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let limits = maksa_server::ConnectionLimits::default();
        LimitsConfig {
            header_timeout_seconds: limits.header_timeout.as_secs(),
            body_timeout_seconds: limits.body_timeout.as_secs(),
            idle_timeout_seconds: limits.idle_timeout.as_secs(),
            connections_per_address: limits.per_address,
            max_connections: limits.total,
        }
    }
}

impl LimitsConfig {
    pub fn connection_limits(&self) -> maksa_server::ConnectionLimits {
        use std::time::Duration;
        maksa_server::ConnectionLimits {
            header_timeout: Duration::from_secs(self.header_timeout_seconds),
            body_timeout: Duration::from_secs(self.body_timeout_seconds),
            idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
            per_address: self.connections_per_address,
            total: self.max_connections,
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        for (key, value) in [
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("body_timeout_seconds", self.body_timeout_seconds),
            ("idle_timeout_seconds", self.idle_timeout_seconds),
        ] {
            if value == 0 {
                bail!("[limits] {key} must be at least 1");
            }
        }
        if self.connections_per_address == 0 || self.max_connections == 0 {
            bail!("[limits] connections_per_address and max_connections must be at least 1");
        }
        Ok(())
    }
}

/// `[issuer]`: the hub operator's details on documents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    #[serde(default = "default_issuer_name")]
    pub name: String,
    /// Registration number.
    pub code: Option<String>,
    pub address: Option<String>,
}

impl Default for IssuerConfig {
    fn default() -> Self {
        IssuerConfig {
            name: default_issuer_name(),
            code: None,
            address: None,
        }
    }
}

impl IssuerConfig {
    pub fn party(&self) -> maksa_domain::document::Party {
        maksa_domain::document::Party {
            name: self.name.clone(),
            code: self.code.clone(),
            address: self.address.clone(),
        }
    }
}

fn default_issuer_name() -> String {
    "maksa".into()
}

impl Config {
    pub fn outbound_policy(&self) -> anyhow::Result<maksa_outbound::OutboundPolicy> {
        let mut policy = maksa_outbound::OutboundPolicy {
            allowed_ports: self.outbound_ports.clone(),
            ..Default::default()
        };
        for range in &self.outbound_allow {
            let cidr: maksa_outbound::Cidr = range
                .parse()
                .map_err(|e| anyhow::anyhow!("outbound_allow `{range}`: {e}"))?;
            policy = policy.allow_range(cidr);
        }
        Ok(policy)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpsConfig {
    pub listen: SocketAddr,
    pub certificate: PathBuf,
    pub private_key: PathBuf,
    /// CA certificates (PEM files) whose client certificates chain.
    #[serde(default)]
    pub client_ca: Vec<PathBuf>,
}

fn default_database_url() -> String {
    "sqlite://maksa-data/maksa.db".into()
}
fn default_body_limit() -> usize {
    1024 * 1024
}
fn default_list_limit() -> u32 {
    10_000
}
fn default_validity_days() -> i64 {
    30
}
fn default_return_redirect_seconds() -> u32 {
    10
}
fn default_retry_schedule() -> String {
    "1m,5m*2,10m*5,1h*5,6h*3".into()
}
fn default_outbound_ports() -> Vec<u16> {
    maksa_outbound::DEFAULT_PORTS.to_vec()
}
fn default_expiry_grace_minutes() -> i64 {
    30
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let text = match file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
            None => String::new(),
        };
        let mut table: toml::Table =
            toml::from_str(&text).context("the configuration file is not valid TOML")?;
        for (variable, key) in [
            ("MAKSA_DATABASE_URL", "database_url"),
            ("MAKSA_PUBLIC_BASE_URL", "public_base_url"),
            ("MAKSA_HTTP_LISTEN", "http_listen"),
        ] {
            if let Ok(value) = std::env::var(variable) {
                table.insert(key.into(), toml::Value::String(value));
            }
        }
        if let Ok(value) = std::env::var("MAKSA_RETURN_REDIRECT_SECONDS") {
            let seconds: i64 = value
                .parse()
                .context("MAKSA_RETURN_REDIRECT_SECONDS must be a whole number")?;
            table.insert(
                "return_redirect_seconds".into(),
                toml::Value::Integer(seconds),
            );
        }
        if let Ok(value) = std::env::var("MAKSA_LEGACY_BODY_AUTH") {
            table.insert(
                "legacy_body_auth".into(),
                toml::Value::Boolean(matches!(value.as_str(), "1" | "true" | "yes")),
            );
        }
        let config: Config = table
            .try_into()
            .context("the configuration is incomplete or has unknown keys")?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if !(self.public_base_url.starts_with("https://")
            || self.public_base_url.starts_with("http://"))
        {
            bail!("public_base_url must be an absolute http(s) URL");
        }
        if self.https.is_none() && !self.legacy_body_auth {
            bail!(
                "no HTTPS listener is configured and legacy body authentication is off: no client could authenticate. \
                 Configure [https] (recommended) or set legacy_body_auth = true (see the README for what it does not protect against)"
            );
        }
        if self.http_listen.is_none() && self.https.is_none() {
            bail!("configure http_listen, [https], or both");
        }
        let mut codes = std::collections::HashSet::new();
        let configured = self
            .bank
            .iter()
            .map(|b| ("bank", &b.code))
            .chain(
                self.card_acquirer
                    .iter()
                    .map(|c| ("card_acquirer", &c.code)),
            )
            .chain(self.psd2_bank.iter().map(|p| ("psd2_bank", &p.code)));
        for (table, code) in configured {
            if !codes.insert(code.to_ascii_uppercase()) {
                bail!("[[{table}]] {code}: one contract per provider code");
            }
        }
        self.limits.check()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(limits: &str) -> anyhow::Result<Config> {
        let text = format!(
            "public_base_url = \"https://maksa.example.lv\"\nlegacy_body_auth = true\n\
             http_listen = \"127.0.0.1:8080\"\n{limits}"
        );
        let config: Config = toml::from_str(&text)?;
        config.check()?;
        Ok(config)
    }

    #[test]
    fn limits_default_to_the_servers_and_can_be_set() {
        let defaults = config("").unwrap().limits.connection_limits();
        assert_eq!(defaults, maksa_server::ConnectionLimits::default());
        let set = config("[limits]\nheader_timeout_seconds = 5\nconnections_per_address = 500\n")
            .unwrap()
            .limits
            .connection_limits();
        assert_eq!(set.header_timeout, std::time::Duration::from_secs(5));
        assert_eq!(set.per_address, 500);
        assert_eq!(set.idle_timeout, defaults.idle_timeout);
    }

    #[test]
    fn a_bank_contract_is_read_with_its_key_and_two_certificates() {
        use maksa_providers::rsa_keys::RsaKey;
        let dir = tempfile::tempdir().unwrap();
        let key = RsaKey::generate().unwrap();
        std::fs::write(dir.path().join("hub.key"), key.private_pem().unwrap()).unwrap();
        for name in ["bank.pem", "bank-next.pem"] {
            let bank = RsaKey::generate().unwrap();
            std::fs::write(
                dir.path().join(name),
                bank.self_signed_certificate("bank").unwrap(),
            )
            .unwrap();
        }
        let d = dir.path().display();
        let bank = format!(
            "[[bank]]\nprotocol = \"seb-elink\"\ncode = \"UNLALV2X\"\nmerchant_id = \"M1\"\n\
             private_key_file = \"{d}/hub.key\"\n\
             bank_certificate_files = [\"{d}/bank.pem\", \"{d}/bank-next.pem\"]\n\
             url = \"https://ibanka.seb.lv/ipc/epakindex.jsp\"\n"
        );
        let read = config(&bank).unwrap();
        let contract = read.bank[0].contract().unwrap();
        assert!(!format!("{contract:?}").contains("PRIVATE"));
        let connector = contract.connector().unwrap();
        assert_eq!(connector.code().as_str(), "UNLALV2X");

        let twice = format!("{bank}{bank}");
        assert!(config_err(&twice).contains("one contract per provider code"));
        let unknown = bank.replace("seb-elink", "seb");
        let error = config(&unknown).unwrap().bank[0].contract().unwrap_err();
        assert!(format!("{error:#}").contains("not one of"), "{error:#}");
        let keyless = bank.replace(&format!("private_key_file = \"{d}/hub.key\"\n"), "");
        let error = config(&keyless).unwrap().bank[0].contract().unwrap_err();
        assert!(
            format!("{error:#}").contains("private_key_file"),
            "{error:#}"
        );
    }

    fn config_err(extra: &str) -> String {
        config(extra).err().unwrap().to_string()
    }

    #[test]
    fn zero_or_unknown_limits_are_refused() {
        let zero = config("[limits]\nidle_timeout_seconds = 0\n").unwrap_err();
        assert!(zero.to_string().contains("idle_timeout_seconds"), "{zero}");
        assert!(config("[limits]\nmax_connections = 0\n").is_err());
        assert!(config("[limits]\nidle_seconds = 5\n").is_err());
    }

    #[test]
    fn the_card_day_close_time_is_read_as_riga_hh_mm() {
        let read = config("[cards]\nclose_day_at = \"22:05\"\n").unwrap();
        let settings = read.cards.settings().unwrap();
        assert_eq!(
            settings.close_day_at,
            time::Time::from_hms(22, 5, 0).unwrap()
        );
        assert!(settings.close_days);
        let default = config("").unwrap().cards.settings().unwrap();
        assert_eq!(
            default.close_day_at,
            time::Time::from_hms(23, 45, 0).unwrap()
        );
        for bad in ["24:00", "7:30", "07:3x", "0730"] {
            let read = config(&format!("[cards]\nclose_day_at = \"{bad}\"\n")).unwrap();
            let error = read.cards.settings().unwrap_err();
            assert!(
                format!("{error:#}").contains("close_day_at"),
                "{bad}: {error:#}"
            );
        }
    }

    #[test]
    fn card_acquirers_and_psd2_banks_are_read_with_their_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "hub").unwrap();
        for (name, text) in [
            ("hub.crt", &pki.client_cert_pem),
            ("hub.key", &pki.client_key_pem),
            ("ca.pem", &pki.ca_cert_pem),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let tls = format!(
            "certificate_file = \"{d}/hub.crt\"\nkey_file = \"{d}/hub.key\"\nserver_ca_file = \"{d}/ca.pem\"\n"
        );
        let acquirer = format!(
            "[[card_acquirer]]\ncode = \"FIRSTDATA\"\n\
             merchant_handler_url = \"https://secureshop.firstdata.lv:8443/ecomm/MerchantHandler\"\n\
             client_handler_url = \"https://secureshop.firstdata.lv/ecomm/ClientHandler\"\n{tls}"
        );
        let psd2 = format!(
            "[[psd2_bank]]\ncode = \"PSD2LV22\"\napi_url = \"https://psd2.bank.example\"\n{tls}"
        );
        let read = config(&format!("{acquirer}{psd2}")).unwrap();
        let card = read.card_acquirer[0].connector().unwrap();
        assert_eq!(card.code().as_str(), "FIRSTDATA");
        assert!(
            card.card_acquirer().is_some(),
            "First Data reverses and closes days"
        );
        let bank = read.psd2_bank[0].connector().unwrap();
        assert_eq!(bank.code().as_str(), "PSD2LV22");
        assert!(bank.card_acquirer().is_none());
        assert!(!format!("{:?}", read.psd2_bank[0]).contains("PRIVATE"));

        let twice = format!("{acquirer}{}", psd2.replace("PSD2LV22", "FIRSTDATA"));
        assert!(config_err(&twice).contains("one contract per provider code"));
        let plain = config(&acquirer.replace("https://secureshop", "http://secureshop")).unwrap();
        let error = plain.card_acquirer[0].connector().err().unwrap();
        assert!(format!("{error:#}").contains("https://"), "{error:#}");
        let embedded =
            config(&psd2.replace("api_url", "sca_approach = \"EMBEDDED\"\napi_url")).unwrap();
        let error = embedded.psd2_bank[0].connector().err().unwrap();
        assert!(format!("{error:#}").contains("REDIRECT"), "{error:#}");
        let missing = config(&acquirer.replace("hub.key", "none.key")).unwrap();
        let error = missing.card_acquirer[0].connector().err().unwrap();
        assert!(format!("{error:#}").contains("key_file"), "{error:#}");
    }
}
