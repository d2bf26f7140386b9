//! The operator's accounts from the CLI's side (docs/operator.md):
//! `maksa operator hash-password`, the `[[operator]]` entries of `serve`,
//! and the demo's one operator with a random password.

use crate::config::OperatorConfig;
use anyhow::{Context, bail};
use clap::Subcommand;
use maksa_app::clock::Clock;
use maksa_app::operators::{MAX_PASSWORD_BYTES, OperatorAccount, Operators, PasswordHash};
use maksa_app::store::prelude::*;
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_server::OperatorConsole;
use rand::Rng;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Read a password from stdin (one line) and print its hash for `[[operator]] password_hash`.
    HashPassword,
}

pub fn run(command: OperatorCommand) -> anyhow::Result<()> {
    match command {
        OperatorCommand::HashPassword => {
            let mut input = Vec::new();
            // One byte more than allowed, plus a line break, tells "too long".
            std::io::stdin()
                .take(u64::try_from(MAX_PASSWORD_BYTES).unwrap_or(1024) + 3)
                .read_to_end(&mut input)
                .context("reading the password from stdin")?;
            let text = String::from_utf8(input).context("the password is not UTF-8")?;
            let password = text
                .strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(&text);
            if password.contains('\n') {
                bail!("give the password on one line");
            }
            let hash = PasswordHash::new(password)?;
            println!("{hash}");
            Ok(())
        }
    }
}

/// The operator's pages over `store`, when `[[operator]]` names anyone.
pub fn console(
    configured: &[OperatorConfig],
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: TreasurySettings,
) -> anyhow::Result<Option<OperatorConsole>> {
    if configured.is_empty() {
        return Ok(None);
    }
    let accounts = configured
        .iter()
        .map(|o| OperatorAccount::new(&o.name, &o.password_hash))
        .collect::<Result<Vec<_>, _>>()
        .context("[[operator]]")?;
    Ok(Some(console_of(accounts, store, clock, settings)?))
}

fn console_of(
    accounts: Vec<OperatorAccount>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: TreasurySettings,
) -> anyhow::Result<OperatorConsole> {
    let treasury = Treasury::new(Arc::clone(&store), Arc::clone(&clock), settings);
    let operators = Operators::new(accounts, store, clock)?;
    Ok(OperatorConsole::new(Arc::new(operators), treasury))
}

/// Characters of the demo operator's password (no look-alikes).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_CHARS: usize = 20;
pub const DEMO_OPERATOR: &str = "operator";
/// Where the demo writes how to sign in (the browser tests read it).
pub const DEMO_OPERATOR_FILE: &str = "demo-operator.json";

/// The demo's operator: a new random password at every start, written to
/// the data directory with the sign-in address.
pub struct DemoOperator {
    pub console: OperatorConsole,
    pub password: String,
}

pub fn demo(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> anyhow::Result<DemoOperator> {
    let mut rng = rand::rng();
    let password: String = (0..PASSWORD_CHARS)
        .map(|_| {
            let at = rng.random_range(0..PASSWORD_ALPHABET.len());
            char::from(PASSWORD_ALPHABET.get(at).copied().unwrap_or(b'x'))
        })
        .collect();
    let hash = PasswordHash::new(&password)?;
    let account = OperatorAccount::new(DEMO_OPERATOR, &hash.to_string())?;
    let console = console_of(vec![account], store, clock, TreasurySettings::default())?;
    Ok(DemoOperator { console, password })
}

pub fn write_demo_file(dir: &Path, url: &str, password: &str) -> anyhow::Result<()> {
    let path = dir.join(DEMO_OPERATOR_FILE);
    let text = serde_json::json!({
        "url": url,
        "name": DEMO_OPERATOR,
        "password": password,
    });
    std::fs::write(&path, format!("{text:#}\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    restrict(&path);
    Ok(())
}

/// Only the owner reads the file with the password (where the system can say so).
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}
