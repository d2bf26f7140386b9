//! Operator actions: the catalogue and the certificate registry. The CLI and
//! `maksa demo` call these.

use crate::auth::PresentedCertificate;
use crate::catalog_file::{CatalogFileErrors, parse_catalog};
use crate::clock::{Clock, OsEntropy};
use crate::error::AppError;
use crate::store::prelude::*;
use crate::store::{AuditEvent, ClientCertificate};
use crate::workflows::Workflows;
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::ClientId;
use maksa_domain::request::Entropy;
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;

/// A notification signing secret just made: shown to the operator once.
#[derive(Debug, Clone)]
pub struct NewSecret {
    /// 64 hexadecimal characters (256 random bits); the HMAC key is this text.
    pub secret: String,
    pub created_at: OffsetDateTime,
}

pub struct Admin {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the catalogue has errors:\n{0}")]
    Invalid(CatalogFileErrors),
    #[error(transparent)]
    App(#[from] AppError),
}

impl Admin {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Admin { store, clock }
    }

    /// Validates and stores a catalogue file; answers its version.
    pub async fn import_catalog(&self, source: &str) -> Result<(i64, Catalog), ImportError> {
        let catalog = parse_catalog(source).map_err(ImportError::Invalid)?;
        let now = self.clock.now();
        let audit = AuditEvent {
            at: now,
            actor: "operator".into(),
            request_id: None,
            kind: "catalog.imported".into(),
            detail: json!({
                "providers": catalog.providers.len(),
                "steps": catalog.steps.len(),
                "positions": catalog.positions.len(),
                "contracts": catalog.contracts.len(),
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

    pub async fn register_client(
        &self,
        client: ClientId,
        certificate: &PresentedCertificate,
        roles: Vec<String>,
        services: Vec<String>,
    ) -> Result<ClientCertificate, AppError> {
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
            actor: "operator".into(),
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
            actor: "operator".into(),
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
        let audit = AuditEvent {
            at: now,
            actor: "operator".into(),
            request_id: None,
            kind: "client_certificate.revoked".into(),
            detail: json!({ "thumbprint": thumbprint }),
        };
        Ok(self
            .store
            .revoke_client_certificate(&thumbprint, now, &audit)
            .await?)
    }
}
