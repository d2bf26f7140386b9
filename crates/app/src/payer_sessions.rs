//! The signed-in payer of the workspace (docs/payer-workspace.md): a session
//! the hub issues after the portal's identity provider vouched for the payer,
//! held in a cookie whose MAC only the hub can make (the key in the database's
//! `server_keys`, shared by every node), and the nonce that ties a sign-in
//! answer to the browser that asked for it.
//!
//! The session names the payer's personal code; the workspace shows only the
//! requests naming that code. Nothing else about the payer is kept.

use crate::clock::Clock;
use crate::error::AppError;
use crate::hub_key::{HubKey, hex, random_bytes, unhex};
use crate::store::AuditEvent;
use crate::store::prelude::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maksa_domain::codes::ClientCode;
use serde_json::json;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

const KEY_NAME: &str = "payer-session-key";
const NONCE_BYTES: usize = 16;
/// A name longer than this is cut (it is only shown back to the payer).
const MAX_NAME_CHARS: usize = 100;

/// A payer the hub signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerSession {
    pub code: ClientCode,
    /// Given name and surname, as the identity provider said.
    pub name: String,
    pub expires: OffsetDateTime,
    /// The session's own random id (the cookie's nonce): what sign-out ends.
    id: String,
    cookie: String,
}

impl PayerSession {
    pub fn cookie(&self) -> &str {
        &self.cookie
    }
}

/// A sign-in about to be asked for: the cookie to set, and the `wctx` to send
/// the identity provider (it comes back with the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInNonce {
    pub cookie: String,
    pub context: String,
}

pub struct PayerSessions {
    key: HubKey,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    lifetime: Duration,
}

impl PayerSessions {
    /// `lifetime`: how long a session lasts (short: a shared computer).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, lifetime: Duration) -> Self {
        PayerSessions {
            key: HubKey::new(KEY_NAME, Arc::clone(&store), Arc::clone(&clock)),
            store,
            clock,
            lifetime,
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Takes a verified sign-in token by its `AssertionID`: `false` if it
    /// signed someone in before, on any node (a replay).
    pub async fn take_token(
        &self,
        assertion_id: &str,
        valid_until: OffsetDateTime,
    ) -> Result<bool, AppError> {
        Ok(self
            .store
            .take_sign_in_token(assertion_id, valid_until, self.clock.now())
            .await?)
    }

    /// Opens a session for a payer the identity provider vouched for, and
    /// records it (the personal code only as a hash: the audit trail is read
    /// by operators who need not see it).
    pub async fn sign_in(&self, code: ClientCode, name: &str) -> Result<PayerSession, AppError> {
        let now = self.clock.now();
        let name: String = name
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_CHARS)
            .collect();
        let expires = now.saturating_add(self.lifetime);
        let key = self.key.get().await?;
        let id = hex(&random_bytes::<NONCE_BYTES>());
        let payload = format!(
            "{}.{}.{}.{id}",
            URL_SAFE_NO_PAD.encode(code.as_str()),
            URL_SAFE_NO_PAD.encode(name.as_bytes()),
            expires.unix_timestamp(),
        );
        let mac = ring::hmac::sign(key, session_data(&payload).as_bytes());
        let event = AuditEvent {
            at: now,
            actor: "payer".into(),
            request_id: None,
            kind: "payer.signed_in".into(),
            detail: json!({ "payer": payer_tag(key, &code) }),
        };
        let mut work = self.store.begin().await?;
        work.append_audit(&event).await?;
        work.commit().await?;
        Ok(PayerSession {
            code,
            name,
            expires,
            id,
            cookie: format!("{payload}.{}", hex(mac.as_ref())),
        })
    }

    /// The session a cookie holds, if the hub issued it, it has not expired
    /// and it was not signed out.
    pub async fn session(&self, cookie: &str) -> Result<Option<PayerSession>, AppError> {
        let key = self.key.get().await?;
        let Some(session) = self.read(key, cookie) else {
            return Ok(None);
        };
        let ended = self
            .store
            .sign_in_token_taken(&ended_id(&session.id), self.clock.now())
            .await?;
        Ok((!ended).then_some(session))
    }

    /// Ends the session on every node: a copy of its cookie is refused from
    /// now on (recorded until the session would have expired).
    pub async fn sign_out(&self, session: &PayerSession) -> Result<(), AppError> {
        self.store
            .take_sign_in_token(&ended_id(&session.id), session.expires, self.clock.now())
            .await?;
        Ok(())
    }

    fn read(&self, key: &ring::hmac::Key, cookie: &str) -> Option<PayerSession> {
        if cookie.len() > 512 {
            return None;
        }
        let (payload, mac) = cookie.rsplit_once('.')?;
        ring::hmac::verify(key, session_data(payload).as_bytes(), &unhex(mac)?).ok()?;
        let mut parts = payload.split('.');
        let code = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let name = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let expires =
            OffsetDateTime::from_unix_timestamp(parts.next()?.parse::<i64>().ok()?).ok()?;
        let id = parts.next()?.to_owned();
        if expires <= self.clock.now() {
            return None;
        }
        Some(PayerSession {
            code: ClientCode::parse(&code).ok()?,
            name,
            expires,
            id,
            cookie: cookie.to_owned(),
        })
    }

    /// The CSRF token of the forms shown in `session`.
    pub async fn csrf_token(&self, session: &PayerSession) -> Result<String, AppError> {
        let key = self.key.get().await?;
        Ok(hex(ring::hmac::sign(
            key,
            csrf_data(&session.cookie).as_bytes(),
        )
        .as_ref()))
    }

    /// Whether `token` is the session's CSRF token (constant time).
    pub async fn check_csrf(&self, session: &PayerSession, token: &str) -> Result<bool, AppError> {
        let key = self.key.get().await?;
        let Some(token) = unhex(token) else {
            return Ok(false);
        };
        Ok(ring::hmac::verify(key, csrf_data(&session.cookie).as_bytes(), &token).is_ok())
    }

    /// A fresh nonce for a sign-in: the cookie is `nonce.mac`, the context the
    /// nonce. An answer must bring back the context of the browser's cookie,
    /// so a token meant for one browser cannot sign in another (login CSRF).
    pub async fn sign_in_nonce(&self) -> Result<SignInNonce, AppError> {
        let key = self.key.get().await?;
        let nonce = hex(&random_bytes::<NONCE_BYTES>());
        let mac = ring::hmac::sign(key, nonce_data(&nonce).as_bytes());
        Ok(SignInNonce {
            cookie: format!("{nonce}.{}", hex(mac.as_ref())),
            context: nonce,
        })
    }

    /// Whether the sign-in cookie was issued by the hub and `context` is its nonce.
    pub async fn check_sign_in_nonce(&self, cookie: &str, context: &str) -> Result<bool, AppError> {
        let key = self.key.get().await?;
        let Some((nonce, mac)) = cookie.split_once('.') else {
            return Ok(false);
        };
        let Some(mac) = unhex(mac) else {
            return Ok(false);
        };
        Ok(nonce == context && ring::hmac::verify(key, nonce_data(nonce).as_bytes(), &mac).is_ok())
    }
}

/// The first 16 hex digits of an HMAC of the code under the hub's key: enough
/// to follow one payer through the audit trail; without the key the few
/// billion possible codes cannot be tried against it.
fn payer_tag(key: &ring::hmac::Key, code: &ClientCode) -> String {
    let tag = ring::hmac::sign(
        key,
        format!("maksa payer audit\0{}", code.as_str()).as_bytes(),
    );
    hex(tag.as_ref()).chars().take(16).collect()
}

/// How an ended session is recorded beside the taken sign-in tokens.
fn ended_id(session: &str) -> String {
    format!("session:{session}")
}

// Each MAC carries its own label, so no value made for one purpose passes
// for another.
fn session_data(payload: &str) -> String {
    format!("maksa payer session\0{payload}")
}
fn csrf_data(cookie: &str) -> String {
    format!("maksa payer csrf\0{cookie}")
}
fn nonce_data(nonce: &str) -> String {
    format!("maksa payer sign-in\0{nonce}")
}
