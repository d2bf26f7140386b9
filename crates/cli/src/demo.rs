//! `maksa demo`: the whole hub on one machine with nothing to set up — SQLite in
//! the data directory, the demo catalogue (every step and position of the
//! originals' examples), a demo CA with server and client certificates, and the
//! demo client registered. Legacy body authentication is on so the originals'
//! examples work over plain HTTP as well as over HTTPS.

use crate::{database, hub_settings, run_until_stopped};
use anyhow::Context;
use maksa_app::admin::Admin;
use maksa_app::clock::{Clock, SystemClock};
use maksa_app::providers::Connectors;
use maksa_domain::ids::ClientId;
use maksa_providers::{DemoBank, DemoKeys};
use maksa_server::{AppState, HttpsSettings, Listeners, PageSettings, PayerOptions};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

const DEMO_CATALOG: &str = include_str!("../../../demo/catalog.toml");
/// Where the Treasury simulator is mounted.
const TREASURY_MOUNT: &str = "/sim/treasury";
/// The demo's exchange round: a paid request is settled within one.
const DEMO_POLL_SECONDS: u64 = 10;
pub const DEMO_CLIENT: &str = "demo";

struct DemoFiles {
    ca_cert: String,
    /// The same CA: the exchange client checks the hub's own server with it.
    ca_cert_pem_for_clients: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
}

/// Reuses the certificates of an earlier run so that a client set up against
/// the demo keeps working across restarts.
fn certificates(
    dir: &Path,
    listen: SocketAddr,
    tls_listen: SocketAddr,
) -> anyhow::Result<DemoFiles> {
    let path = |name: &str| dir.join(name);
    let names = [
        "demo-ca.crt.pem",
        "demo-server.crt.pem",
        "demo-server.key.pem",
        "demo-client.crt.pem",
        "demo-client.key.pem",
        "demo-client.mm_cert.b64",
    ];
    if names.iter().all(|n| path(n).exists()) {
        let ca_cert = std::fs::read_to_string(path("demo-ca.crt.pem"))?;
        return Ok(DemoFiles {
            ca_cert_pem_for_clients: ca_cert.clone(),
            ca_cert,
            server_cert: std::fs::read_to_string(path("demo-server.crt.pem"))?,
            server_key: std::fs::read_to_string(path("demo-server.key.pem"))?,
            client_cert: std::fs::read_to_string(path("demo-client.crt.pem"))?,
        });
    }
    let mut server_names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for addr in [listen, tls_listen] {
        let ip = addr.ip().to_string();
        if !addr.ip().is_unspecified() && !server_names.contains(&ip) {
            server_names.push(ip);
        }
    }
    let pki = maksa_x509::generate_demo_pki(&server_names, "maksa demo e-service")?;
    let mm_cert = maksa_x509::mm_cert_value(&pki.client_cert_pem)?;
    for (name, content) in [
        ("demo-ca.crt.pem", &pki.ca_cert_pem),
        ("demo-ca.key.pem", &pki.ca_key_pem),
        ("demo-server.crt.pem", &pki.server_cert_pem),
        ("demo-server.key.pem", &pki.server_key_pem),
        ("demo-client.crt.pem", &pki.client_cert_pem),
        ("demo-client.key.pem", &pki.client_key_pem),
        ("demo-client.mm_cert.b64", &mm_cert),
    ] {
        std::fs::write(path(name), content)
            .with_context(|| format!("writing {}", path(name).display()))?;
    }
    Ok(DemoFiles {
        ca_cert_pem_for_clients: pki.ca_cert_pem.clone(),
        ca_cert: pki.ca_cert_pem,
        server_cert: pki.server_cert_pem,
        server_key: pki.server_key_pem,
        client_cert: pki.client_cert_pem,
    })
}

pub async fn run(
    dir: &Path,
    listen: SocketAddr,
    tls_listen: SocketAddr,
    history: bool,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = certificates(dir, listen, tls_listen)?;
    let database_url = format!("sqlite://{}", dir.join("maksa.db").display());
    let _node_lock = database::lock_single_node(&database_url)?;
    let store = database::open(&database_url, true).await?;
    let clock = Arc::new(SystemClock);
    let admin = Admin::new(Arc::clone(&store), clock.clone());
    let client_info = maksa_x509::parse_mm_cert(&files.client_cert)?;
    let client = ClientId::parse(DEMO_CLIENT).context("demo client id")?;
    admin
        .register_client(
            client.clone(),
            &maksa_server::presented(&client_info),
            vec!["MM_INVOICE_SERVICE".into()],
            Vec::new(),
        )
        .await?;
    // The demo client signs its notifications like any other: the secret an
    // e-service on this machine verifies `MM-Signature` with.
    admin.ensure_notification_secret(&client).await?;
    let secret_file = dir.join("demo-client.notify-secret");
    // Newest first: after a `maksa secret add demo` the file holds the new one.
    let secrets = admin.notification_secrets(&client).await?;
    if let Some(newest) = secrets.first() {
        std::fs::write(&secret_file, format!("{newest}\n"))
            .with_context(|| format!("writing {}", secret_file.display()))?;
    }

    let https = HttpsSettings {
        listen: tls_listen,
        certificate_pem: files.server_cert,
        private_key_pem: files.server_key,
        client_ca_pems: vec![files.ca_cert],
    };
    let bound = maksa_server::bind(Listeners {
        http: Some(listen),
        https: Some(https),
    })
    .await?;
    let public = format!("http://{}", bound.http_addr().unwrap_or(listen));
    // The demo client may send payers back to the demo itself, wherever it listens.
    admin
        .import_catalog(&demo_catalog(&public))
        .await
        .map_err(|e| anyhow::anyhow!("the demo catalogue: {e}"))?;
    let settings = hub_settings(
        &public,
        30,
        10_000,
        maksa_domain::document::Party {
            name: "maksa demo (Valsts digitālās attīstības aģentūra)".into(),
            code: Some("90000036859".into()),
            address: Some("Pulkveža Brieža iela 12, Rīga, LV-1010".into()),
        },
    );
    // The dashboard's pictures from the first minute: a fresh data directory
    // gets its payment history (docs/dashboard.md); a restart keeps what is there.
    if history
        && let Some(seeded) =
            crate::demo_history::seed_if_fresh(&store, &client, &settings.rules, clock.now())
                .await?
    {
        println!(
            "Seeded the demo's payment history: {} requests over the {} days before today \
             (payers \"Demo Payer N\"; start with --no-history for an empty demo).",
            seeded.requests, seeded.days
        );
    }
    let bank = DemoBank::new(
        DemoKeys::load_or_create(dir)?,
        format!("{public}/demo-bank"),
        public.clone(),
    );
    let mut connectors = Connectors::new();
    connectors.register(bank.connector());
    let mut mounts = vec![("/demo-bank".to_owned(), bank.router())];
    // Every bank protocol with its simulator (docs/providers.md).
    // The card acquirer's MerchantHandler and the PSD2 bank's API are
    // reached over mutual TLS, on this hub's HTTPS listener, with a hub
    // certificate of their own (docs/providers/firstdata.md, psd2.md).
    let sandbox_tls = match bound.https_addr() {
        Some(https) => Some(maksa_providers::sandboxes::SandboxTls {
            https_base_url: format!("https://127.0.0.1:{}", https.port()),
            hub: provider_identity(dir, &files.ca_cert_pem_for_clients)?,
        }),
        None => None,
    };
    for (path, sandbox) in
        maksa_providers::sandboxes::build_all(&dir.join("banks"), &public, sandbox_tls.as_ref())?
    {
        connectors.register(sandbox.connector.clone());
        mounts.push((path, sandbox.simulator.router()));
    }
    // The State Treasury of the sandbox (docs/treasury.md): its statements
    // come from this hub's own payments.
    let simulator = maksa_ekase::TreasurySimulator::new(
        Arc::clone(&store),
        clock.clone(),
        maksa_ekase::SimulatorSettings::default(),
    );
    mounts.push((TREASURY_MOUNT.to_owned(), simulator.router()));
    let treasury_accounts = demo_payee_accounts(&demo_catalog(&public));
    let treasury_store = Arc::clone(&store);
    // The portal of the sandbox: the payer's workspace signs in through a
    // simulated identity provider with real signatures (docs/payer-signin.md).
    let (workspace, portal) = crate::portal::demo_portal(dir, &public)?;
    mounts.push((crate::portal::DEMO_PORTAL_MOUNT.to_owned(), portal));
    // Payers' e-mail: to an SMTP server when MAKSA_DEMO_SMTP names one
    // (host:port), else as .eml files in the data directory.
    let mail_dir = dir.join("mail");
    let smtp = std::env::var("MAKSA_DEMO_SMTP")
        .ok()
        .filter(|s| !s.is_empty());
    let mail_config = match &smtp {
        Some(address) => {
            let (host, port) = address
                .rsplit_once(':')
                .context("MAKSA_DEMO_SMTP must be host:port")?;
            crate::config::MailConfig {
                smtp_host: Some(host.to_owned()),
                smtp_port: port.parse().context("MAKSA_DEMO_SMTP's port")?,
                from: "maksa-demo@localhost".to_owned(),
                ..Default::default()
            }
        }
        None => crate::config::MailConfig {
            from: "maksa-demo@localhost".to_owned(),
            eml_dir: Some(mail_dir.clone()),
            ..Default::default()
        },
    };
    let mail = crate::portal::mail_transport(&mail_config, &public, None)?;
    // The console: three operators, new random passwords and TOTP secrets every start.
    let demo_operator = crate::operator::demo(Arc::clone(&store), clock.clone())?;
    let options = PayerOptions {
        workspace: Some(workspace),
        mail,
        // The sandbox takes IVIS test messages (Test = true).
        ivis_test_messages: true,
        // The default limits (docs/rate-limits.md), but a sign-in limit the
        // browser tests, which sign in again and again, stay under.
        rate_limits: Some(maksa_server::RateLimitSettings {
            sign_in: maksa_server::Rate {
                count: 120,
                per: std::time::Duration::from_secs(60),
                burst: 60,
            },
            ..maksa_server::RateLimitSettings::default()
        }),
        operator: Some(demo_operator.console.clone()),
        connectors,
        pages: PageSettings {
            return_redirect_seconds: return_redirect_seconds()?,
        },
        mounts,
        retry_schedule: retry_schedule()?,
        // An e-service on this machine receives its notifications: loopback is
        // allowed in the demo (and only there), on any port.
        outbound: Some(Arc::new(maksa_outbound::OutboundClient::new(
            loopback_policy(),
        ))),
        ..PayerOptions::default()
    };
    let state =
        AppState::assemble(store, clock.clone(), settings, true, 1024 * 1024, options).await?;
    let running = maksa_server::serve(state.clone(), bound)?;
    if let Some(https) = running.https_addr {
        let treasury = maksa_app::treasury::Treasury::new(
            treasury_store,
            clock.clone(),
            maksa_app::treasury::TreasurySettings::default(),
        );
        let identity = treasury_identity(dir)?;
        let exchange = maksa_ekase::EkaseClient::new(
            &format!("https://127.0.0.1:{}{TREASURY_MOUNT}", https.port()),
            &identity,
            Some(&files.ca_cert_pem_for_clients),
        )?;
        let worker = maksa_app::treasury::ExchangeWorker::new(
            treasury,
            Arc::new(exchange),
            maksa_app::treasury::ExchangeSettings {
                accounts: treasury_accounts,
                poll: std::time::Duration::from_secs(DEMO_POLL_SECONDS),
                ..Default::default()
            },
        );
        tokio::spawn(worker.run());
    }
    let http = running.http_addr.map(|a| a.to_string()).unwrap_or_default();
    let tls = running
        .https_addr
        .map(|a| a.to_string())
        .unwrap_or_default();
    let d = dir.display();
    let mail_where = match &smtp {
        Some(address) => format!("sent to the SMTP server at {address}"),
        None => format!("written as .eml files into {}", mail_dir.display()),
    };
    println!(
        "maksa demo is running.\n\
         \n  payer pages and legacy API:  http://{http}\
         \n  API with client certificate: https://{tls}\
         \n  data directory:              {d} (SQLite database, demo certificates)\
         \n\nCheck a request's status over HTTPS with the demo client certificate:\n\
         \n  curl --cacert {d}/demo-ca.crt.pem --cert {d}/demo-client.crt.pem --key {d}/demo-client.key.pem \\\
         \n       -H 'Content-Type: application/json' -d '{{\"PaymentRequestId\":\"05ae69d8-2be1-4a63-ae93-9d0e42e254f1\"}}' \\\
         \n       https://{tls}/api/v1/payments/checkpaymentrequeststatus\
         \n\n(an unknown id answers 404 with an MM-Error header; the README walks through creating a request)\n\
         \nThe Treasury simulator is at https://{tls}{TREASURY_MOUNT} (its statements come from the demo's payments;\
         \nthe hub fetches them every {DEMO_POLL_SECONDS} s). Money for a request, e.g. a cancelled one, as a tester:\
         \n\n  curl -H 'Content-Type: application/json' -d '{{\"purpose_id\":\"MK…\"}}' http://{http}{TREASURY_MOUNT}/control/credits\
         \n\nthen `maksa treasury orders --database-url sqlite://{d}/maksa.db` shows the proposed refund.\n\
         \nThe IVIS request service (SOAP 1.2, docs/ivis.md): https://{tls}/IVIS/RequestWebService.svc?wsdl\
         \nThe payer's workspace: http://{http}/payer/ (sign in at the simulated portal with a test\
         \npersonal code such as 010101-10006); payers' e-mail: {mail_where}.\n\
         \nCards and PSD2 (docs/providers/firstdata.md, psd2.md): a request whose AllowedBanks names\
         \nFIRSTDATA is payable by card at the simulated acquirer (test card 4111 1111 1111 1111 approves);\
         \nPSD2DEMO is a bank reached through its Berlin Group API. Both are called over mutual TLS on\
         \nhttps://{tls}/sim/. The operator reverses card payments and closes the day at /admin/cards.\n\
         \nStop with Ctrl-C."
    );
    let operator_url = format!("https://{tls}/admin/");
    crate::operator::write_demo_file(dir, &operator_url, &demo_operator.logins)?;
    println!(
        "\nThe operator's console, over HTTPS with the demo CA: {operator_url}\n\
         Sign in with a name, its password and the current code of its TOTP secret\n\
         (add the secret to an authenticator app, or print the code with\n\
         `maksa operator totp-code --secret SECRET`):\n"
    );
    for login in &demo_operator.logins {
        println!(
            "  {name:<9} {role:<14} password {password}  TOTP secret {secret}",
            name = login.name,
            role = login.role.as_str(),
            password = login.password,
            secret = login.totp_secret,
        );
    }
    println!(
        "\n(new passwords and secrets at every start; also in {d}/{file}, mode 0600)\n",
        file = crate::operator::DEMO_OPERATOR_FILE,
    );
    run_until_stopped(running, state).await
}

/// The certificate "the Treasury issued" the hub: a client certificate of
/// the demo CA, made once and kept in the data directory.
fn treasury_identity(dir: &Path) -> anyhow::Result<maksa_ekase::Identity> {
    let (certificate, key) =
        hub_client_certificate(dir, "treasury", "maksa hub (Treasury-issued, demo)")?;
    Ok(maksa_ekase::Identity::Pem { certificate, key })
}

/// The hub's certificate towards the card acquirer and the PSD2 bank of the
/// sandbox (a merchant certificate and a QWAC in production).
fn provider_identity(dir: &Path, ca_pem: &str) -> anyhow::Result<maksa_providers::mtls::MutualTls> {
    let (certificate_pem, key_pem) =
        hub_client_certificate(dir, "providers", "maksa hub (merchant and TPP, demo)")?;
    Ok(maksa_providers::mtls::MutualTls {
        server_ca_pem: ca_pem.to_owned(),
        certificate_pem,
        key_pem,
    })
}

/// A client certificate of the hub issued by the demo CA, made once and kept
/// as `demo-hub-<name>.crt.pem` / `.key.pem`; answers (certificate, key).
fn hub_client_certificate(
    dir: &Path,
    name: &str,
    common_name: &str,
) -> anyhow::Result<(String, String)> {
    let cert = dir.join(format!("demo-hub-{name}.crt.pem"));
    let key = dir.join(format!("demo-hub-{name}.key.pem"));
    if !(cert.exists() && key.exists()) {
        let ca_cert = std::fs::read_to_string(dir.join("demo-ca.crt.pem"))?;
        let ca_key = std::fs::read_to_string(dir.join("demo-ca.key.pem"))
            .context("the demo CA's key (delete the demo certificates to make new ones)")?;
        let now = time::OffsetDateTime::now_utc();
        let (cert_pem, key_pem) = maksa_x509::issue_client_cert(
            &ca_cert,
            &ca_key,
            common_name,
            now - time::Duration::days(1),
            now + time::Duration::days(825),
        )?;
        std::fs::write(&cert, cert_pem).with_context(|| format!("writing {}", cert.display()))?;
        std::fs::write(&key, key_pem).with_context(|| format!("writing {}", key.display()))?;
    }
    Ok((
        std::fs::read_to_string(&cert)?,
        std::fs::read_to_string(&key)?,
    ))
}

/// The demo payees' accounts: the Treasury accounts whose statements the demo fetches.
fn demo_payee_accounts(catalog: &str) -> Vec<String> {
    let mut accounts: Vec<String> = maksa_app::catalog_file::parse_catalog(catalog)
        .map(|c| {
            c.positions
                .iter()
                .map(|p| p.payee.iban.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default();
    accounts.sort();
    accounts.dedup();
    accounts
}

/// The demo catalogue with `public` added to the demo client's origins.
pub(crate) fn demo_catalog(public: &str) -> String {
    const LAST_ORIGIN: &str = "  \"http://localhost:8080\",\n]";
    if DEMO_CATALOG.contains(&format!("\"{public}\"")) {
        return DEMO_CATALOG.to_owned();
    }
    DEMO_CATALOG.replace(
        LAST_ORIGIN,
        &format!("  \"http://localhost:8080\",\n  \"{public}\",\n]"),
    )
}

fn loopback_policy() -> maksa_outbound::OutboundPolicy {
    let mut policy = maksa_outbound::OutboundPolicy::allow_loopback();
    // Demo e-services listen wherever they like.
    policy.allowed_ports = (1..=u16::MAX).collect();
    policy
}

/// `MAKSA_DEMO_RETRY_SCHEDULE` (the tests retry notifications every second
/// with it); the default schedule otherwise.
fn retry_schedule() -> anyhow::Result<maksa_app::notifications::RetrySchedule> {
    match std::env::var("MAKSA_DEMO_RETRY_SCHEDULE") {
        Ok(text) => maksa_app::notifications::RetrySchedule::parse(&text)
            .map_err(|e| anyhow::anyhow!("MAKSA_DEMO_RETRY_SCHEDULE: {e}")),
        Err(_) => Ok(maksa_app::notifications::RetrySchedule::default()),
    }
}

/// `MAKSA_RETURN_REDIRECT_SECONDS` (the UI tests shorten the countdown with it).
fn return_redirect_seconds() -> anyhow::Result<u32> {
    match std::env::var("MAKSA_RETURN_REDIRECT_SECONDS") {
        Ok(text) => text
            .parse()
            .context("MAKSA_RETURN_REDIRECT_SECONDS must be a whole number of seconds"),
        Err(_) => Ok(PageSettings::default().return_redirect_seconds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_origin_is_added_once() {
        let with = demo_catalog("http://127.0.0.1:40123");
        assert!(with.contains("\"http://127.0.0.1:40123\""));
        let catalog = maksa_app::catalog_file::parse_catalog(&with).expect("valid catalogue");
        let demo = &catalog.contracts[0];
        assert!(demo.origins.iter().any(|o| o == "http://127.0.0.1:40123"));
        assert_eq!(demo_catalog("http://127.0.0.1:8080"), DEMO_CATALOG);
    }
}
