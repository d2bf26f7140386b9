//! Operator actions: the catalogue and the certificate registry. The CLI and
//! `maksa demo` call these.

use crate::auth::PresentedCertificate;
use crate::catalog_file::{CatalogFileErrors, parse_catalog, to_toml};
use crate::clock::{Clock, OsEntropy};
use crate::error::AppError;
use crate::store::prelude::*;
use crate::store::{AuditEvent, ClientCertificate};
use crate::workflows::Workflows;
use maksa_domain::catalog::{
    Catalog, Payee, Position, ScheduledPrice, Service, ServiceProvider, ServiceStep, WireProfile,
};
use maksa_domain::codes::{Iban, ProviderCode};
use maksa_domain::datetime::riga_date;
use maksa_domain::ids::ClientId;
use maksa_domain::money::Amount;
use maksa_domain::request::Entropy;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use time::{Date, OffsetDateTime};

/// A notification signing secret just made: shown to the operator once.
#[derive(Debug, Clone)]
pub struct NewSecret {
    /// 64 hexadecimal characters (256 random bits); the HMAC key is this text.
    pub secret: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone)]
pub struct Admin {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Who the audit events name: `operator` (the command line) or
    /// `operator:<name>` (the console).
    actor: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the catalogue has errors:\n{0}")]
    Invalid(CatalogFileErrors),
    /// A console action the catalogue does not allow; nothing was changed.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    App(#[from] AppError),
}

/// A contract's terms the console edits (the rest stays as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractEdit {
    /// Service codes, or `*`.
    pub services: Vec<String>,
    pub providers: Vec<String>,
    /// Checked and normalised like the file's.
    pub origins: Vec<String>,
    pub notify_cancelled: bool,
    pub wire_profile: WireProfile,
}

/// One entry of the catalogue the console's forms add or change
/// ([`Admin::put_entry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogEntry {
    ServiceProvider(ServiceProvider),
    Service(Service),
    Step(ServiceStep),
    /// A position; when it is changed, its scheduled prices and currency stay.
    Position(Position),
    /// Every position paid to the payee with IBAN `iban` is paid to `payee`
    /// (a payee is only changed: it comes with its first position).
    Payee {
        iban: Iban,
        payee: Payee,
    },
}

/// Whether a form adds an entry or changes the one with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChange {
    Add,
    Edit,
}

/// The most changes one catalogue audit event lists (the count is always there).
pub const MAX_AUDITED_CHANGES: usize = 200;
/// The most roles or services a certificate is limited to, and their length.
pub const MAX_ACCESS_NAMES: usize = 64;
pub const MAX_ACCESS_NAME_CHARS: usize = 64;

impl Admin {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Admin {
            store,
            clock,
            actor: "operator".into(),
        }
    }

    /// The same service, naming `actor` (`operator:<name>`) in its audit events.
    pub fn acting_as(&self, actor: impl Into<String>) -> Admin {
        Admin {
            actor: actor.into(),
            ..self.clone()
        }
    }

    /// Today in Riga, by the hub's clock: the day prices are chosen by.
    pub fn today(&self) -> Date {
        riga_date(self.clock.now())
    }

    /// Validates and stores a catalogue file as a new version, with one audit
    /// event holding what changed (`before`/`after` per entry); answers its
    /// version.
    pub async fn import_catalog(&self, source: &str) -> Result<(i64, Catalog), ImportError> {
        let catalog = parse_catalog(source).map_err(ImportError::Invalid)?;
        let before = self
            .store
            .load_catalog()
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        let changes = catalog_changes(&before, &catalog);
        let now = self.clock.now();
        let audit = AuditEvent {
            at: now,
            actor: self.actor.clone(),
            request_id: None,
            kind: "catalog.imported".into(),
            detail: json!({
                "providers": catalog.providers.len(),
                "steps": catalog.steps.len(),
                "positions": catalog.positions.len(),
                "contracts": catalog.contracts.len(),
                "changed": changes.len(),
                "changes": changes.into_iter().take(MAX_AUDITED_CHANGES).collect::<Vec<_>>(),
            }),
        };
        let version = self
            .store
            .save_catalog(&catalog, source, now, &audit)
            .await
            .map_err(AppError::from)?;
        Ok((version, catalog))
    }

    pub async fn catalog(&self) -> Result<Option<Catalog>, AppError> {
        Ok(self.store.load_catalog().await?)
    }

    /// The current catalogue as a file (docs/catalog.md); `None` before the
    /// first import.
    pub async fn export_catalog(&self) -> Result<Option<String>, AppError> {
        Ok(self.catalog().await?.as_ref().map(to_toml))
    }

    /// The current catalogue, changed by `edit`, stored as a new version
    /// through [`Admin::import_catalog`].
    async fn change_catalog(
        &self,
        edit: impl FnOnce(&mut Catalog) -> Result<(), String>,
    ) -> Result<(i64, Catalog), ImportError> {
        let mut catalog = self
            .catalog()
            .await?
            .ok_or_else(|| ImportError::Refused("no catalogue has been imported yet".into()))?;
        edit(&mut catalog).map_err(ImportError::Refused)?;
        self.import_catalog(&to_toml(&catalog)).await
    }

    /// Schedules `unit_price` for position `code` of `step` from `from` (a day
    /// in Riga) on: refused for a past day or one not after the last change.
    pub async fn schedule_price(
        &self,
        step: &str,
        code: &str,
        from: Date,
        unit_price: Amount,
    ) -> Result<(i64, Catalog), ImportError> {
        let today = self.today();
        self.change_catalog(|catalog| {
            let position = catalog
                .positions
                .iter_mut()
                .find(|p| p.step == step && p.code == code)
                .ok_or_else(|| "there is no such position".to_owned())?;
            position
                .schedule(ScheduledPrice { from, unit_price }, today)
                .map_err(|refusal| refusal.to_string())
        })
        .await
    }

    /// Changes the terms of `client`'s contract.
    pub async fn edit_contract(
        &self,
        client: &ClientId,
        edit: ContractEdit,
    ) -> Result<(i64, Catalog), ImportError> {
        let mut providers = Vec::new();
        for text in &edit.providers {
            providers.push(ProviderCode::parse(text.trim()).ok_or_else(|| {
                ImportError::Refused(format!(
                    "`{}` is not a provider code",
                    maksa_domain::text::echo(text)
                ))
            })?);
        }
        self.change_catalog(|catalog| {
            let contract = catalog
                .contracts
                .iter_mut()
                .find(|c| &c.client == client)
                .ok_or_else(|| "there is no such contract".to_owned())?;
            contract.services = edit.services;
            contract.providers = providers;
            contract.origins = edit.origins;
            contract.notify_cancelled = edit.notify_cancelled;
            contract.wire_profile = edit.wire_profile;
            Ok(())
        })
        .await
    }

    /// Adds `entry` to the current catalogue or changes the one with its key,
    /// then checks and stores the whole catalogue as
    /// [`Admin::import_catalog`] does (one new version, one audit event with
    /// each change's `before`/`after`). Refused, nothing changed: an entry
    /// added whose key is taken, one changed that is not there, or a
    /// catalogue the change makes invalid.
    pub async fn put_entry(
        &self,
        change: EntryChange,
        entry: CatalogEntry,
    ) -> Result<(i64, Catalog), ImportError> {
        self.change_catalog(|catalog| apply_entry(catalog, change, entry))
            .await
    }

    pub async fn register_client(
        &self,
        client: ClientId,
        certificate: &PresentedCertificate,
        roles: Vec<String>,
        services: Vec<String>,
    ) -> Result<ClientCertificate, AppError> {
        check_access_names("role", &roles)?;
        check_access_names("service", &services)?;
        let now = self.clock.now();
        let record = ClientCertificate {
            client,
            thumbprint: certificate.thumbprint.clone(),
            subject: certificate.subject.clone(),
            not_before: certificate.not_before,
            not_after: certificate.not_after,
            revoked_at: None,
            roles,
            services,
            registered_at: now,
        };
        let audit = AuditEvent {
            at: now,
            actor: self.actor.clone(),
            request_id: None,
            kind: "client_certificate.registered".into(),
            detail: json!({ "client": record.client.as_str(), "thumbprint": record.thumbprint, "subject": record.subject }),
        };
        self.store
            .register_client_certificate(&record, &audit)
            .await?;
        Ok(record)
    }

    /// Makes a new signing secret for `client`'s notifications (`MM-Signature`).
    /// Older secrets keep signing beside it until they are retired.
    pub async fn add_notification_secret(&self, client: &ClientId) -> Result<NewSecret, AppError> {
        let mut bytes = [0u8; 32];
        OsEntropy.fill(&mut bytes);
        let secret = crate::notifications::hex(&bytes);
        let now = self.clock.now();
        let audit = AuditEvent {
            at: now,
            actor: self.actor.clone(),
            request_id: None,
            kind: "client.notification_secret_added".into(),
            // Never the secret itself: audit events are read by more people.
            detail: json!({ "client": client.as_str() }),
        };
        self.store
            .add_notification_secret(client, &secret, now, &audit)
            .await?;
        Ok(NewSecret {
            secret,
            created_at: now,
        })
    }

    /// Every client signs its notifications from the start: registering a
    /// client that has no active secret makes one. Answers the new secret, or
    /// `None` when the client already had one.
    pub async fn ensure_notification_secret(
        &self,
        client: &ClientId,
    ) -> Result<Option<NewSecret>, AppError> {
        if !self.store.notification_secrets(client).await?.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.add_notification_secret(client).await?))
    }

    /// The client's active signing secrets.
    pub async fn notification_secrets(&self, client: &ClientId) -> Result<Vec<String>, AppError> {
        Ok(self.store.notification_secrets(client).await?)
    }

    /// When each of the client's active secrets was made, newest first.
    pub async fn notification_secret_times(
        &self,
        client: &ClientId,
    ) -> Result<Vec<OffsetDateTime>, AppError> {
        Ok(self.store.notification_secret_times(client).await?)
    }

    /// Retires the client's active secrets made before `before` (`maksa
    /// secret retire`), with the audit event in the same transaction;
    /// answers how many.
    pub async fn retire_notification_secrets(
        &self,
        client: &ClientId,
        before: OffsetDateTime,
    ) -> Result<u64, AppError> {
        let audit = AuditEvent {
            at: self.clock.now(),
            actor: self.actor.clone(),
            request_id: None,
            kind: "client.notification_secrets_retired".into(),
            detail: json!({
                "client": client.as_str(),
                "before": before.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            }),
        };
        Ok(self
            .store
            .retire_notification_secrets(client, before, &audit)
            .await?)
    }

    /// Retires every active secret of the client but the newest (after a
    /// rotation, once the client signs with the new one); answers how many.
    pub async fn retire_older_notification_secrets(
        &self,
        client: &ClientId,
    ) -> Result<u64, AppError> {
        match self.notification_secret_times(client).await?.first() {
            Some(newest) => self.retire_notification_secrets(client, *newest).await,
            None => Ok(0),
        }
    }

    /// Sets the roles and allowed services of a registered certificate;
    /// `None` when no certificate has that thumbprint.
    pub async fn set_client_access(
        &self,
        thumbprint: &str,
        roles: Vec<String>,
        services: Vec<String>,
    ) -> Result<Option<ClientCertificate>, AppError> {
        check_access_names("role", &roles)?;
        check_access_names("service", &services)?;
        let Some(before) = self.store.client_certificate(thumbprint).await? else {
            return Ok(None);
        };
        let after = ClientCertificate {
            roles,
            services,
            ..before.clone()
        };
        let audit = AuditEvent {
            at: self.clock.now(),
            actor: self.actor.clone(),
            request_id: None,
            kind: "client_certificate.access_changed".into(),
            detail: json!({
                "client": after.client.as_str(),
                "thumbprint": after.thumbprint,
                "before": { "roles": before.roles, "services": before.services },
                "after": { "roles": after.roles, "services": after.services },
            }),
        };
        self.store
            .register_client_certificate(&after, &audit)
            .await?;
        Ok(Some(after))
    }

    pub async fn clients(&self) -> Result<Vec<ClientCertificate>, AppError> {
        Ok(self.store.client_certificates().await?)
    }

    /// Revokes by thumbprint (case and `:` separators ignored).
    pub async fn revoke(&self, thumbprint: &str) -> Result<bool, AppError> {
        let thumbprint: String = thumbprint
            .chars()
            .filter(|c| c.is_ascii_hexdigit())
            .collect::<String>()
            .to_ascii_lowercase();
        let now = self.clock.now();
        let before = self.store.client_certificate(&thumbprint).await?;
        let audit = AuditEvent {
            at: now,
            actor: self.actor.clone(),
            request_id: None,
            kind: "client_certificate.revoked".into(),
            detail: json!({
                "thumbprint": thumbprint,
                "client": before.as_ref().map(|c| c.client.as_str()),
                "before": { "revoked_at": before.as_ref().and_then(|c| c.revoked_at) },
                "after": { "revoked_at": before.as_ref().and_then(|c| c.revoked_at).unwrap_or(now) },
            }),
        };
        Ok(self
            .store
            .revoke_client_certificate(&thumbprint, now, &audit)
            .await?)
    }
}

/// `entry` put into `catalog` (see [`Admin::put_entry`]).
fn apply_entry(
    catalog: &mut Catalog,
    change: EntryChange,
    entry: CatalogEntry,
) -> Result<(), String> {
    match entry {
        CatalogEntry::ServiceProvider(item) => put(
            &mut catalog.service_providers,
            item,
            change,
            "service provider",
            |s| s.code.clone(),
        ),
        CatalogEntry::Service(item) => put(&mut catalog.services, item, change, "service", |s| {
            s.code.clone()
        }),
        CatalogEntry::Step(item) => {
            put(&mut catalog.steps, item, change, "step", |s| s.code.clone())
        }
        CatalogEntry::Position(mut item) => {
            let key = |p: &Position| format!("{}/{}", p.step, p.code);
            if change == EntryChange::Edit
                && let Some(old) = catalog.positions.iter().find(|p| key(p) == key(&item))
            {
                item.prices = old.prices.clone();
                item.currency = old.currency;
            }
            put(&mut catalog.positions, item, change, "position", key)
        }
        CatalogEntry::Payee { iban, payee } => {
            if change == EntryChange::Add {
                return Err("a payee comes with its first position".into());
            }
            let mut found = false;
            for position in catalog
                .positions
                .iter_mut()
                .filter(|p| p.payee.iban == iban)
            {
                position.payee = payee.clone();
                found = true;
            }
            if found {
                Ok(())
            } else {
                Err(format!("no position is paid to `{iban}`"))
            }
        }
    }
}

/// Adds `item` to `items` (its key not taken) or replaces the one with its key.
fn put<T>(
    items: &mut Vec<T>,
    item: T,
    change: EntryChange,
    what: &str,
    key: impl Fn(&T) -> String,
) -> Result<(), String> {
    let wanted = key(&item);
    let echo = maksa_domain::text::echo(&wanted);
    match (change, items.iter_mut().find(|i| key(i) == wanted)) {
        (EntryChange::Add, None) => items.push(item),
        (EntryChange::Add, Some(_)) => return Err(format!("there already is a {what} `{echo}`")),
        (EntryChange::Edit, Some(slot)) => *slot = item,
        (EntryChange::Edit, None) => return Err(format!("there is no {what} `{echo}`")),
    }
    Ok(())
}

/// Roles and service codes as the registry keeps them: bounded, printable.
fn check_access_names(kind: &str, names: &[String]) -> Result<(), AppError> {
    let bad = |message: String| AppError::BadInput {
        code: crate::error::ErrorCode::InvalidField,
        message,
    };
    if names.len() > MAX_ACCESS_NAMES {
        return Err(bad(format!("at most {MAX_ACCESS_NAMES} {kind}s")));
    }
    for name in names {
        let fine = !name.is_empty()
            && name.chars().count() <= MAX_ACCESS_NAME_CHARS
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '*'));
        if !fine {
            return Err(bad(format!(
                "{kind} `{}` is not 1-{MAX_ACCESS_NAME_CHARS} letters, digits, '_', '-', '.'",
                maksa_domain::text::echo(name)
            )));
        }
    }
    Ok(())
}

/// What changed between two catalogues, entry by entry: `kind`, `key`,
/// `before` and `after` (null for an entry added or removed).
pub fn catalog_changes(before: &Catalog, after: &Catalog) -> Vec<Value> {
    let mut changes = Vec::new();
    diff(
        &mut changes,
        "provider",
        &before.providers,
        &after.providers,
        |p| p.code.to_string(),
    );
    diff(
        &mut changes,
        "service_provider",
        &before.service_providers,
        &after.service_providers,
        |s| s.code.clone(),
    );
    diff(
        &mut changes,
        "service",
        &before.services,
        &after.services,
        |s| s.code.clone(),
    );
    diff(&mut changes, "step", &before.steps, &after.steps, |s| {
        s.code.clone()
    });
    diff(
        &mut changes,
        "position",
        &before.positions,
        &after.positions,
        |p| format!("{}/{}", p.step, p.code),
    );
    diff(
        &mut changes,
        "contract",
        &before.contracts,
        &after.contracts,
        |c| c.client.to_string(),
    );
    changes
}

fn diff<T: Serialize + PartialEq>(
    changes: &mut Vec<Value>,
    kind: &str,
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> String,
) {
    let value = |item: Option<&T>| {
        item.and_then(|i| serde_json::to_value(i).ok())
            .unwrap_or(Value::Null)
    };
    let old: HashMap<String, &T> = before.iter().map(|i| (key(i), i)).collect();
    let new: HashMap<String, &T> = after.iter().map(|i| (key(i), i)).collect();
    for item in before {
        let k = key(item);
        let now = new.get(&k).copied();
        if now != Some(item) {
            changes.push(
                json!({ "kind": kind, "key": k, "before": value(Some(item)), "after": value(now) }),
            );
        }
    }
    for item in after {
        let k = key(item);
        if !old.contains_key(&k) {
            changes.push(
                json!({ "kind": kind, "key": k, "before": null, "after": value(Some(item)) }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn catalogue_changes_name_each_entry_before_and_after() {
        let before =
            crate::catalog_file::parse_catalog(include_str!("../../../demo/catalog.toml")).unwrap();
        assert!(catalog_changes(&before, &before).is_empty());
        let mut after = before.clone();
        after.positions[0].unit_price = Amount::from_minor(999).unwrap();
        after.contracts.remove(0);
        let changes = catalog_changes(&before, &after);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0]["kind"], "position");
        assert_eq!(changes[0]["before"]["unit_price"], 100);
        assert_eq!(changes[0]["after"]["unit_price"], 999);
        assert_eq!(changes[1]["kind"], "contract");
        assert_eq!(changes[1]["after"], Value::Null);
        let added = catalog_changes(&Catalog::default(), &before);
        assert_eq!(
            added.len(),
            before.providers.len()
                + before.service_providers.len()
                + before.services.len()
                + before.steps.len()
                + before.positions.len()
                + before.contracts.len()
        );
        assert!(added.iter().all(|c| c["before"].is_null()));
    }
}
