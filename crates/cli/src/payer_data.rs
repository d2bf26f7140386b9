//! `maksa payer-data …`: a person's data on their request
//! (docs/retention.md) — everything the hub holds about a personal code as
//! JSON, and its erasure (pseudonymisation) now. Works beside a running hub:
//! each request is a transaction of its own on the same database.

use crate::database;
use anyhow::bail;
use clap::Subcommand;
use maksa_app::clock::SystemClock;
use maksa_app::error::AppError;
use maksa_app::retention::{Retention, RetentionSettings};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum PayerDataCommand {
    /// Print everything the hub holds about a personal code, as JSON.
    Export {
        #[command(flatten)]
        database: crate::DatabaseArg,
        /// The personal code or registration number (11 digits, or DDMMYY-NNNNN).
        #[arg(long)]
        code: String,
    },
    /// Pseudonymise now every final request naming a personal code (refused
    /// while any of them is still open).
    Erase {
        #[command(flatten)]
        database: crate::DatabaseArg,
        #[arg(long)]
        code: String,
        /// Why (e.g. "the person's request of 2026-11-30"), kept in the erasure log.
        #[arg(long)]
        reason: String,
        /// Who erases, in the erasure log and the audit trail.
        #[arg(long, default_value = "operator")]
        actor: String,
    },
}

async fn service(database: &crate::DatabaseArg) -> anyhow::Result<Retention> {
    let store = database::open(&database.database_url, true).await?;
    Ok(Retention::new(
        store,
        Arc::new(SystemClock),
        RetentionSettings::default(),
    ))
}

/// The app's refusal as the command's error (its message names no code).
fn refusal(error: AppError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

pub async fn run(command: PayerDataCommand) -> anyhow::Result<()> {
    match command {
        PayerDataCommand::Export { database, code } => {
            let retention = service(&database).await?;
            let held = retention.export(&code).await.map_err(refusal)?;
            println!("{}", serde_json::to_string_pretty(&held)?);
            Ok(())
        }
        PayerDataCommand::Erase {
            database,
            code,
            reason,
            actor,
        } => {
            let actor = actor.trim();
            if actor.is_empty() || actor.chars().count() > 64 {
                bail!("--actor must be 1 to 64 characters");
            }
            let retention = service(&database).await?;
            let summary = retention
                .erase(&code, actor, &reason)
                .await
                .map_err(refusal)?;
            println!(
                "{}",
                serde_json::json!({ "erased": summary.erased, "unchanged": summary.unchanged })
            );
            Ok(())
        }
    }
}
