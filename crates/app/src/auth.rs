//! Who is calling. A client is identified by a registered certificate; on a TLS
//! listener that is the connection's client certificate, and the `MM_Cert` a
//! body may carry must be the same one. Body-only identification (plain HTTP) is
//! a legacy mode the operator must switch on: anyone who has seen a client's
//! public certificate can present it.

use crate::clock::Clock;
use crate::error::{AppError, ErrorCode};
use crate::store::ClientCertificate;
use crate::store::prelude::*;
use maksa_domain::ids::ClientId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// A certificate as a door read it (from the TLS handshake or from `MM_Cert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedCertificate {
    pub thumbprint: String,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// How the request reached us.
#[derive(Debug, Clone)]
pub enum Channel {
    /// Over our TLS listener; `peer` is the client certificate, if one was sent.
    Tls { peer: Option<PresentedCertificate> },
    /// Over plain HTTP.
    Plain,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub channel: Channel,
    /// `MM_Cert` from the body: absent, readable, or unreadable with the reason.
    pub body_certificate: Option<Result<PresentedCertificate, String>>,
}

/// An authenticated client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub client: ClientId,
    pub thumbprint: String,
    pub roles: Vec<String>,
    /// Services this certificate is limited to; empty: the whole contract.
    pub services: Vec<String>,
}

impl Caller {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::Unauthenticated {
        code,
        message: message.into(),
    }
}

/// Registry look-ups are cached briefly: a status call must not cost a second
/// database round trip. A revocation therefore takes effect within `CACHE_TTL`.
const CACHE_TTL: Duration = Duration::from_secs(5);

pub struct Authenticator {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    legacy_body_auth: bool,
    cache: RwLock<HashMap<String, (ClientCertificate, Instant)>>,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, legacy_body_auth: bool) -> Self {
        Authenticator {
            store,
            clock,
            legacy_body_auth,
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub fn legacy_body_auth(&self) -> bool {
        self.legacy_body_auth
    }

    pub async fn authenticate(&self, credentials: &Credentials) -> Result<Caller, AppError> {
        let presented = self.choose_certificate(credentials)?;
        let registered = self.lookup(&presented.thumbprint).await?.ok_or_else(|| {
            refuse(
                ErrorCode::CertUnknown,
                format!(
                    "certificate {} (subject {}) is not registered",
                    presented.thumbprint, presented.subject
                ),
            )
        })?;
        let now = self.clock.now();
        if let Some(revoked_at) = registered.revoked_at
            && revoked_at <= now
        {
            return Err(refuse(
                ErrorCode::CertRevoked,
                format!("certificate {} was revoked", registered.thumbprint),
            ));
        }
        if now < registered.not_before || now > registered.not_after {
            return Err(refuse(
                ErrorCode::CertExpired,
                format!(
                    "certificate {} is valid only from {} to {}",
                    registered.thumbprint, registered.not_before, registered.not_after
                ),
            ));
        }
        Ok(Caller {
            client: registered.client,
            thumbprint: registered.thumbprint,
            roles: registered.roles,
            services: registered.services,
        })
    }

    fn choose_certificate(
        &self,
        credentials: &Credentials,
    ) -> Result<PresentedCertificate, AppError> {
        let body = match &credentials.body_certificate {
            None => None,
            Some(Ok(cert)) => Some(cert),
            Some(Err(why)) => {
                return Err(refuse(
                    ErrorCode::CertInvalid,
                    format!("MM_Cert cannot be read: {why}"),
                ));
            }
        };
        match &credentials.channel {
            Channel::Tls { peer: Some(peer) } => match body {
                Some(body) if body.thumbprint != peer.thumbprint => Err(refuse(
                    ErrorCode::CertMismatch,
                    "MM_Cert is not the certificate of this TLS connection (omit MM_Cert or send the same certificate)",
                )),
                _ => Ok(peer.clone()),
            },
            Channel::Tls { peer: None } => Err(refuse(
                ErrorCode::CertRequired,
                "this endpoint requires a TLS client certificate",
            )),
            Channel::Plain if !self.legacy_body_auth => Err(refuse(
                ErrorCode::TlsRequired,
                "plain-HTTP calls are refused: use the HTTPS listener with your client certificate (the operator has not enabled legacy body authentication)",
            )),
            Channel::Plain => body
                .cloned()
                .ok_or_else(|| refuse(ErrorCode::CertMissing, "MM_Cert is required")),
        }
    }

    async fn lookup(&self, thumbprint: &str) -> Result<Option<ClientCertificate>, AppError> {
        if let Ok(cache) = self.cache.read()
            && let Some((record, fetched)) = cache.get(thumbprint)
            && fetched.elapsed() < CACHE_TTL
        {
            return Ok(Some(record.clone()));
        }
        let record = self.store.client_certificate(thumbprint).await?;
        if let (Some(record), Ok(mut cache)) = (&record, self.cache.write()) {
            cache.insert(thumbprint.to_owned(), (record.clone(), Instant::now()));
        }
        Ok(record)
    }

    /// Forgets cached registrations (after a revocation in this process).
    pub fn forget_cached(&self) {
        if let Ok(mut cache) = self.cache.write() {
            cache.clear();
        }
    }
}
