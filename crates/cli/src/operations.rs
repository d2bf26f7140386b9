//! Operator commands for the lifecycle: notification delivery logs, dead
//! letters and re-sends, notification signing secrets, unresolved payments.

use crate::database;
use anyhow::Context;
use clap::Subcommand;
use maksa_app::store::NotificationState;
use maksa_app::store::prelude::*;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Subcommand)]
pub enum NotificationsCommand {
    /// The delivery log of one request's notifications.
    Log {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        client: String,
        request: String,
    },
    /// Notifications parked after the whole retry schedule failed.
    Dead(crate::DatabaseArg),
    /// Make dead notifications pending again: the given event ids, or all with --all.
    Resend {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        all: bool,
        ids: Vec<String>,
    },
    /// Open payments whose outcome every status query failed to learn.
    Unresolved(crate::DatabaseArg),
}

#[derive(Subcommand)]
pub enum PayerMailCommand {
    /// Payer messages parked: refused for good by the mail server, or every retry failed.
    Dead(crate::DatabaseArg),
    /// Make dead payer messages pending again: those of the given requests, or all with --all.
    Resend {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        all: bool,
        requests: Vec<String>,
    },
}

pub async fn payer_mail(command: PayerMailCommand) -> anyhow::Result<()> {
    match command {
        PayerMailCommand::Dead(database) => {
            let store = database::open(&database.database_url, false).await?;
            for m in store.dead_payer_messages(1000).await? {
                // The address is the payer's: shown to the operator who
                // must act on it, never logged.
                println!(
                    "request {} {} to {} attempts {} {}",
                    m.request_id,
                    m.kind.as_str(),
                    m.recipient,
                    m.attempts,
                    m.last_error.unwrap_or_default()
                );
            }
        }
        PayerMailCommand::Resend {
            database,
            all,
            requests,
        } => {
            let ids = chosen(all, &requests, PaymentRequestId::parse, "a request id")?;
            let count = queues(&database.database_url)
                .await?
                .resend_payer_messages(ids.as_deref(), "operator")
                .await?;
            println!("{count} payer message(s) will be sent again");
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Create a new signing secret for a client's notifications and print it
    /// (once). The older ones stay active until retired: rotate without a gap.
    Add {
        #[command(flatten)]
        database: crate::DatabaseArg,
        client: String,
    },
    /// Retire the client's secrets created before a time (RFC 3339; `secret add`
    /// prints its creation time, so pass that to keep only the new one).
    Retire {
        #[command(flatten)]
        database: crate::DatabaseArg,
        client: String,
        #[arg(long)]
        before: String,
    },
}

/// What a re-send names: `None` for all (`--all`), or the given items read
/// with `parse`; naming nothing without `--all` is refused.
fn chosen<T>(
    all: bool,
    texts: &[String],
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> anyhow::Result<Option<Vec<T>>> {
    if all {
        return Ok(None);
    }
    if texts.is_empty() {
        anyhow::bail!("name what to re-send ({what} or several), or --all");
    }
    texts
        .iter()
        .map(|text| parse(text).with_context(|| format!("`{text}` is not {what}")))
        .collect::<anyhow::Result<Vec<T>>>()
        .map(Some)
}

/// The same service the console's queues page calls: a re-send and its
/// audit event in one transaction.
async fn queues(database_url: &str) -> anyhow::Result<maksa_app::queues::Queues> {
    let store = database::open(database_url, false).await?;
    Ok(maksa_app::queues::Queues::new(
        store,
        std::sync::Arc::new(maksa_app::clock::SystemClock),
    ))
}

pub async fn notifications(command: NotificationsCommand) -> anyhow::Result<()> {
    match command {
        NotificationsCommand::Log {
            database,
            client,
            request,
        } => {
            let store = database::open(&database.database_url, false).await?;
            let client = ClientId::parse(&client).context("client")?;
            let id = PaymentRequestId::parse(&request).context("not a request id")?;
            for (n, attempts) in store.notification_log(&client, id).await? {
                println!(
                    "{} {} status {} {}",
                    n.id,
                    n.state.as_str(),
                    n.status,
                    n.url
                );
                for a in attempts {
                    println!(
                        "  {} http {} {} ms {}",
                        a.at,
                        a.http_status
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "-".into()),
                        a.latency_ms,
                        a.error.unwrap_or_default()
                    );
                }
            }
        }
        NotificationsCommand::Dead(database) => {
            let store = database::open(&database.database_url, false).await?;
            for n in store
                .notifications_in_state(NotificationState::Dead, 1000)
                .await?
            {
                println!(
                    "{} request {} client {} attempts {}",
                    n.id, n.request_id, n.client, n.attempts
                );
            }
        }
        NotificationsCommand::Resend { database, all, ids } => {
            let ids = chosen(all, &ids, |i| uuid::Uuid::parse_str(i).ok(), "an event id")?;
            let count = queues(&database.database_url)
                .await?
                .resend_notifications(ids.as_deref(), "operator")
                .await?;
            println!("{count} notification(s) will be sent again");
        }
        NotificationsCommand::Unresolved(database) => {
            let store = database::open(&database.database_url, false).await?;
            for a in store.unresolved_attempts().await? {
                println!(
                    "attempt {} request {} payment {} at {} since {}",
                    a.id, a.request_id, a.sequence, a.provider, a.created_at
                );
            }
        }
    }
    Ok(())
}

pub async fn secrets(command: SecretCommand) -> anyhow::Result<()> {
    match command {
        SecretCommand::Add { database, client } => {
            let store: std::sync::Arc<dyn Store> =
                database::open(&database.database_url, false).await?;
            let client = ClientId::parse(&client).context("client")?;
            let admin = maksa_app::admin::Admin::new(
                store,
                std::sync::Arc::new(maksa_app::clock::SystemClock),
            );
            let new = admin.add_notification_secret(&client).await?;
            let created = new.created_at.format(&Rfc3339).unwrap_or_default();
            println!(
                "{}\ncreated {created} (retire older ones with: maksa secret retire {client} --before {created})",
                new.secret
            );
        }
        SecretCommand::Retire {
            database,
            client,
            before,
        } => {
            let store: std::sync::Arc<dyn Store> =
                database::open(&database.database_url, false).await?;
            let client = ClientId::parse(&client).context("client")?;
            let before = OffsetDateTime::parse(&before, &Rfc3339)
                .with_context(|| format!("`{before}` is not an RFC 3339 time"))?;
            let admin = maksa_app::admin::Admin::new(
                store,
                std::sync::Arc::new(maksa_app::clock::SystemClock),
            );
            let count = admin.retire_notification_secrets(&client, before).await?;
            println!("{count} secret(s) retired");
        }
    }
    Ok(())
}
