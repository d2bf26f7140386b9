//! The portal's parts of a node, from configuration or for the demo: the
//! payers' e-mail (SMTP or `.eml` files), the payer's workspace and the
//! identity provider it trusts, and (the sandbox) the simulated portal.

use crate::config::{MailConfig, PayerWorkspaceConfig};
use anyhow::{Context, bail};
use maksa_app::mail::{MailAddress, MailTransport};
use maksa_identity::{RelyingParty, SimulatedIdentityProvider};
use maksa_providers::rsa_keys::TrustedKeys;
use maksa_server::WorkspaceSettings;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the sandbox mounts its simulated portal.
pub const DEMO_PORTAL_MOUNT: &str = "/sim/portal";

/// The payers' e-mail as configured: SMTP when a host is set, `.eml` files
/// when only a directory is; `None` when neither (no e-mail is sent).
pub fn mail_transport(
    config: &MailConfig,
    public_base_url: &str,
    fallback_dir: Option<&Path>,
) -> anyhow::Result<Option<Arc<dyn MailTransport>>> {
    let eml_dir: Option<PathBuf> = config
        .eml_dir
        .clone()
        .or_else(|| fallback_dir.map(Path::to_path_buf));
    if config.smtp_host.is_none() && eml_dir.is_none() {
        return Ok(None);
    }
    let from = MailAddress::parse(&config.from)
        .map_err(|e| anyhow::anyhow!("[mail] from `{}`: {e}", config.from))?;
    let hello_name = url::Url::parse(public_base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned());
    Ok(Some(maksa_mail::transport(&maksa_mail::MailSettings {
        smtp_host: config.smtp_host.clone(),
        smtp_port: config.smtp_port,
        from,
        hello_name,
        timeout: std::time::Duration::from_secs(config.timeout_seconds.max(1)),
        eml_dir: eml_dir.unwrap_or_default(),
    })))
}

fn secure(public_base_url: &str) -> bool {
    public_base_url.starts_with("https://")
}

/// `[payer_workspace]` → the workspace's settings.
pub fn workspace_settings(
    config: &PayerWorkspaceConfig,
    public_base_url: &str,
) -> anyhow::Result<WorkspaceSettings> {
    let public = public_base_url.trim_end_matches('/');
    let idp_url = url::Url::parse(&config.idp_url)
        .with_context(|| format!("[payer_workspace] idp_url `{}`", config.idp_url))?;
    if config.certificates.is_empty() {
        bail!(
            "[payer_workspace] certificates: name the identity provider's signing certificate(s)"
        );
    }
    let pems = config
        .certificates
        .iter()
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let trusted = TrustedKeys::from_pems(&pems).context("[payer_workspace] certificates")?;
    let mut relying_party = RelyingParty::new(
        config
            .realm
            .clone()
            .unwrap_or_else(|| format!("{public}/payer/")),
        trusted,
    );
    if let Some(issuer) = &config.issuer {
        relying_party.issuer = issuer.clone();
    }
    Ok(WorkspaceSettings {
        idp_url,
        relying_party,
        reply_url: format!("{public}/payer/sign-in"),
        secure_cookies: secure(public),
        session_lifetime: time::Duration::minutes(config.session_minutes.clamp(1, 24 * 60)),
    })
}

/// The sandbox's portal: the simulated identity provider (its key kept in
/// `dir`), the workspace trusting it, and its pages to mount.
pub fn demo_portal(
    dir: &Path,
    public_base_url: &str,
) -> anyhow::Result<(WorkspaceSettings, axum::Router)> {
    let public = public_base_url.trim_end_matches('/');
    let idp = SimulatedIdentityProvider::load_or_create(dir)
        .context("the simulated portal's signing key")?;
    let relying_party = RelyingParty::new(format!("{public}/payer/"), idp.trusted()?);
    let reply_url = format!("{public}/payer/sign-in");
    let settings = WorkspaceSettings {
        idp_url: url::Url::parse(&format!("{public}{DEMO_PORTAL_MOUNT}"))
            .context("the demo portal's address")?,
        relying_party,
        reply_url: reply_url.clone(),
        secure_cookies: secure(public),
        session_lifetime: time::Duration::minutes(15),
    };
    Ok((settings, maksa_server::portal_sim::router(idp, reply_url)))
}
