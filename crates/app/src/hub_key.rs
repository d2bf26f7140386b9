//! A key only the hub knows, shared by every node through the database's
//! `server_keys` (the first node to ask stores its candidate; every node then
//! reads the same), for MACs on what the hub hands to browsers: operator and
//! payer sessions, sign-in nonces. Each user gives every MAC its own label.

use crate::clock::{Clock, OsEntropy};
use crate::error::AppError;
use crate::store::prelude::*;
use maksa_domain::request::Entropy;
use std::sync::Arc;

const KEY_BYTES: usize = 32;

pub(crate) struct HubKey {
    name: &'static str,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: tokio::sync::OnceCell<ring::hmac::Key>,
}

impl HubKey {
    pub(crate) fn new(name: &'static str, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        HubKey {
            name,
            store,
            clock,
            key: tokio::sync::OnceCell::new(),
        }
    }

    pub(crate) async fn get(&self) -> Result<&ring::hmac::Key, AppError> {
        self.key
            .get_or_try_init(|| async {
                let candidate = random_bytes::<KEY_BYTES>();
                let stored = self
                    .store
                    .server_key(self.name, &candidate, self.clock.now())
                    .await?;
                if stored.len() < KEY_BYTES {
                    return Err(AppError::Internal(format!(
                        "the stored key `{}` is shorter than 32 bytes",
                        self.name
                    )));
                }
                Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &stored))
            })
            .await
    }
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsEntropy.fill(&mut bytes);
    bytes
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower-case or upper-case hex of at most 64 bytes; anything else is `None`.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i.checked_add(2)?)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}
