//! The operator's accounts from the CLI's side (docs/operator.md):
//! `maksa operator hash-password|add|list|disable|totp-code`, the
//! `[[operator]]` entries of `serve` (seeded into the database), and the
//! demo's three operators with random passwords and TOTP secrets.

use crate::config::{ConsoleConfig, OperatorConfig};
use anyhow::{Context, bail};
use clap::Subcommand;
use maksa_app::clock::{Clock, SystemClock};
use maksa_app::operators::{
    AccountError, MAX_PASSWORD_BYTES, OperatorAccount, Operators, PasswordHash, Role,
    SessionSettings, generate_password, totp,
};
use maksa_app::store::prelude::*;
use maksa_app::treasury::{Treasury, TreasurySettings};
use maksa_server::OperatorConsole;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Read a password from stdin (one line) and print its argon2id hash for `[[operator]] password_hash`.
    HashPassword,
    /// Create an account: the password is read from stdin (one line); prints
    /// the TOTP secret and its otpauth:// URI for an authenticator app.
    Add {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        name: String,
        /// viewer, operator or administrator.
        #[arg(long, default_value = "operator")]
        role: String,
    },
    /// List the accounts (name, role, enabled, second factor).
    List {
        #[command(flatten)]
        database: crate::DatabaseArg,
    },
    /// Disable an account (its sessions end at once).
    Disable {
        #[command(flatten)]
        database: crate::DatabaseArg,
        name: String,
    },
    /// Print the current TOTP code of a base32 secret (for the demo and scripts).
    TotpCode {
        #[arg(long)]
        secret: String,
    },
}

/// Who the command line is in the audit trail.
const CLI_ACTOR: &str = "cli";

fn read_password() -> anyhow::Result<String> {
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
    Ok(password.to_owned())
}

async fn operators(database: &crate::DatabaseArg) -> anyhow::Result<Operators> {
    let store = crate::database::open(&database.database_url, true).await?;
    Ok(Operators::new(Vec::new(), store, Arc::new(SystemClock))?)
}

fn account_error(error: AccountError) -> anyhow::Error {
    match error {
        AccountError::Refused(refusal) => anyhow::anyhow!("refused: {refusal:?}"),
        AccountError::App(error) => error.into(),
    }
}

pub async fn run(command: OperatorCommand) -> anyhow::Result<()> {
    match command {
        OperatorCommand::HashPassword => {
            let password = read_password()?;
            let hash = PasswordHash::new(&password)?;
            println!("{hash}");
            Ok(())
        }
        OperatorCommand::Add {
            database,
            name,
            role,
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("--role {role:?}: viewer, operator or administrator"))?;
            let password = read_password()?;
            let hash = PasswordHash::new(&password)?;
            let secret = totp::new_secret();
            let operators = operators(&database).await?;
            operators
                .add_account(CLI_ACTOR, &name, role, &hash, &secret)
                .await
                .map_err(account_error)?;
            println!(
                "operator {name} ({role}) created\nTOTP secret: {secret}\n{uri}",
                role = role.as_str(),
                uri = totp::uri(&secret, &name)
            );
            Ok(())
        }
        OperatorCommand::List { database } => {
            for account in operators(&database).await?.accounts().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    account.name,
                    account.role.as_str(),
                    if account.disabled {
                        "disabled"
                    } else {
                        "enabled"
                    },
                    if account.enrolled {
                        "second factor set up"
                    } else {
                        "second factor not set up"
                    }
                );
            }
            Ok(())
        }
        OperatorCommand::Disable { database, name } => {
            operators(&database)
                .await?
                .set_disabled(CLI_ACTOR, &name, true)
                .await
                .map_err(account_error)?;
            println!("operator {name} disabled; their sessions have ended");
            Ok(())
        }
        OperatorCommand::TotpCode { secret } => {
            let code = totp::code_now(&secret, SystemClock.now())
                .context("the secret is not base32 of 10 to 64 bytes")?;
            println!("{code}");
            Ok(())
        }
    }
}

/// The operator's pages over `store`: `[[operator]]` entries are seeded
/// into the database (a name already there is left as the console has it).
pub fn console(
    configured: &[OperatorConfig],
    sessions: &ConsoleConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: TreasurySettings,
) -> anyhow::Result<Option<OperatorConsole>> {
    let accounts = configured
        .iter()
        .map(|o| {
            let role = match o.role.as_deref() {
                None => Role::Administrator,
                Some(text) => Role::parse(text).with_context(|| {
                    format!(
                        "[[operator]] {:?}: role {text:?} is not viewer, operator or administrator",
                        o.name
                    )
                })?,
            };
            Ok(OperatorAccount::new(&o.name, &o.password_hash)?.with_role(role))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .context("[[operator]]")?;
    let operators = Operators::new(accounts, Arc::clone(&store), Arc::clone(&clock))?
        .with_sessions(sessions.settings()?);
    let treasury = Treasury::new(store, clock, settings);
    Ok(Some(OperatorConsole::new(Arc::new(operators), treasury)))
}

pub const DEMO_OPERATOR: &str = "operator";
/// The demo's three operators: name, role.
pub const DEMO_OPERATORS: [(&str, Role); 3] = [
    (DEMO_OPERATOR, Role::Administrator),
    ("second", Role::Operator),
    ("viewer", Role::Viewer),
];
/// Where the demo writes how to sign in (the browser tests read it).
pub const DEMO_OPERATOR_FILE: &str = "demo-operator.json";

/// One demo operator's sign-in.
pub struct DemoLogin {
    pub name: &'static str,
    pub role: Role,
    pub password: String,
    pub totp_secret: String,
}

/// The demo's operators: new random passwords and TOTP secrets at every
/// start (the demo's configuration is authoritative: it overwrites).
pub struct DemoOperator {
    pub console: OperatorConsole,
    pub logins: Vec<DemoLogin>,
}

pub fn demo(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> anyhow::Result<DemoOperator> {
    let mut logins = Vec::new();
    let mut accounts = Vec::new();
    for (name, role) in DEMO_OPERATORS {
        let password = generate_password();
        let totp_secret = totp::new_secret();
        accounts.push(
            OperatorAccount::new(name, &PasswordHash::new(&password)?.to_string())?
                .with_role(role)
                .with_totp_secret(&totp_secret)?,
        );
        logins.push(DemoLogin {
            name,
            role,
            password,
            totp_secret,
        });
    }
    let operators = Operators::new(accounts, Arc::clone(&store), Arc::clone(&clock))?
        .with_sessions(SessionSettings::default())
        .overwriting_configured();
    let treasury = Treasury::new(store, clock, TreasurySettings::default());
    Ok(DemoOperator {
        console: OperatorConsole::new(Arc::new(operators), treasury),
        logins,
    })
}

/// `demo-operator.json` (mode 0600): `url`, `name`, `password` and
/// `totp_secret` of the first operator, and `operators`, all three.
pub fn write_demo_file(dir: &Path, url: &str, logins: &[DemoLogin]) -> anyhow::Result<()> {
    let path = dir.join(DEMO_OPERATOR_FILE);
    let first = logins.first().context("the demo has operators")?;
    let text = serde_json::json!({
        "url": url,
        "name": first.name,
        "password": first.password,
        "totp_secret": first.totp_secret,
        "operators": logins.iter().map(|l| serde_json::json!({
            "name": l.name,
            "role": l.role.as_str(),
            "password": l.password,
            "totp_secret": l.totp_secret,
        })).collect::<Vec<_>>(),
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
