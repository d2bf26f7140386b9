//! The demo bank's two Ed25519 key pairs: the hub's (signs requests and
//! queries) and the bank's (signs answers). Both live in one process in the
//! demo, but each side only ever uses its own private key and the other's
//! public key, as two real parties would.

use crate::vk::{self, Fields};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use maksa_app::providers::ProviderError;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// File name of the hub's key (PKCS#8, PEM).
pub const HUB_KEY_FILE: &str = "demo-bank-hub.key";
/// File name of the bank's key (PKCS#8, PEM).
pub const BANK_KEY_FILE: &str = "demo-bank-bank.key";

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// Both key pairs of the demo bank link.
#[derive(Clone)]
pub struct DemoKeys {
    hub: Arc<Ed25519KeyPair>,
    bank: Arc<Ed25519KeyPair>,
}

impl fmt::Debug for DemoKeys {
    // Only the public halves: a private key must never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoKeys")
            .field("hub_public_key", &BASE64.encode(self.hub_public_key()))
            .field("bank_public_key", &BASE64.encode(self.bank_public_key()))
            .finish()
    }
}

impl DemoKeys {
    /// Fresh keys that live only in memory (tests, throw-away demos).
    pub fn generate() -> io::Result<Self> {
        let hub = Ed25519KeyPair::from_pkcs8(generate_pkcs8()?.as_ref()).map_err(invalid)?;
        let bank = Ed25519KeyPair::from_pkcs8(generate_pkcs8()?.as_ref()).map_err(invalid)?;
        Ok(DemoKeys {
            hub: Arc::new(hub),
            bank: Arc::new(bank),
        })
    }

    /// Reads `demo-bank-hub.key` and `demo-bank-bank.key` from `dir`, creating
    /// any that is missing (mode 0600). Keeping the keys across restarts keeps
    /// messages about attempts started before a restart verifiable.
    pub fn load_or_create(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let hub = load_or_create_one(&dir.join(HUB_KEY_FILE))?;
        let bank = load_or_create_one(&dir.join(BANK_KEY_FILE))?;
        Ok(DemoKeys {
            hub: Arc::new(hub),
            bank: Arc::new(bank),
        })
    }

    pub fn hub_public_key(&self) -> &[u8] {
        self.hub.public_key().as_ref()
    }

    pub fn bank_public_key(&self) -> &[u8] {
        self.bank.public_key().as_ref()
    }

    /// `VK_MAC` of a hub message (1012, 1017), by its `VK_SERVICE`.
    pub fn sign_as_hub<F: Fields + ?Sized>(&self, fields: &F) -> Result<String, ProviderError> {
        vk::sign(&self.hub, fields)
    }

    /// `VK_MAC` of a bank message (1111, 1112, 1911), by its `VK_SERVICE`.
    pub fn sign_as_bank<F: Fields + ?Sized>(&self, fields: &F) -> Result<String, ProviderError> {
        vk::sign(&self.bank, fields)
    }

    pub(crate) fn hub(&self) -> &Arc<Ed25519KeyPair> {
        &self.hub
    }
}

fn invalid(e: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

fn generate_pkcs8() -> io::Result<ring::pkcs8::Document> {
    Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| io::Error::other("could not generate an Ed25519 key"))
}

fn load_or_create_one(path: &Path) -> io::Result<Ed25519KeyPair> {
    match fs::read(path) {
        Ok(bytes) => parse_key(path, &bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_key(path),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

fn parse_key(path: &Path, bytes: &[u8]) -> io::Result<Ed25519KeyPair> {
    warn_if_readable_by_others(path);
    let der = match std::str::from_utf8(bytes) {
        Ok(text) if text.trim_start().starts_with(PEM_BEGIN) => pem_body(text)
            .ok_or_else(|| invalid(format!("{}: not a PEM private key", path.display())))?,
        _ => bytes.to_vec(),
    };
    // `maybe_unchecked` also takes PKCS#8 v1 (without the public key), which is
    // what `openssl genpkey -algorithm ed25519` writes: operators may bring
    // their own keys.
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
        .map_err(|e| invalid(format!("{}: not a PKCS#8 Ed25519 key: {e}", path.display())))
}

fn pem_body(text: &str) -> Option<Vec<u8>> {
    let (_, after_begin) = text.split_once(PEM_BEGIN)?;
    let (body, _) = after_begin.split_once(PEM_END)?;
    let base64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    BASE64.decode(base64).ok()
}

fn to_pem(der: &[u8]) -> String {
    let encoded = BASE64.encode(der);
    let mut pem = String::from(PEM_BEGIN);
    pem.push('\n');
    // Base64 output is ASCII, so splitting by bytes keeps characters whole.
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

fn create_key(path: &Path) -> io::Result<Ed25519KeyPair> {
    let document = generate_pkcs8()?;
    if write_private_file(path, to_pem(document.as_ref()).as_bytes())? {
        tracing::info!(path = %path.display(), "created a demo bank key");
        Ed25519KeyPair::from_pkcs8(document.as_ref()).map_err(invalid)
    } else {
        let bytes = fs::read(path)?;
        parse_key(path, &bytes)
    }
}

/// Writes a new private file without ever exposing a half-written or
/// world-readable one: a private temporary file, synced, then hard-linked
/// into place. The link fails if the name exists, so when two processes race
/// the first file wins: answers `false` when `path` already existed (and
/// leaves it as it was).
pub(crate) fn write_private_file(path: &Path, contents: &[u8]) -> io::Result<bool> {
    let tmp = temporary_path(path);
    let _ = fs::remove_file(&tmp);
    {
        let mut file = private_file(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_parent(path);
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Makes the new directory entry durable; failing that only risks creating
/// the key again after a crash, so it is not an error.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(dir) = fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "demo bank key is readable by others; chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_created_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let first = DemoKeys::load_or_create(dir.path()).unwrap();
        let second = DemoKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(first.hub_public_key(), second.hub_public_key());
        assert_eq!(first.bank_public_key(), second.bank_public_key());
        assert_ne!(first.hub_public_key(), first.bank_public_key());
        let text = fs::read_to_string(dir.path().join(HUB_KEY_FILE)).unwrap();
        assert!(text.starts_with(PEM_BEGIN));
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        DemoKeys::load_or_create(dir.path()).unwrap();
        for name in [HUB_KEY_FILE, BANK_KEY_FILE] {
            let mode = fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }

    #[test]
    fn a_corrupt_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(HUB_KEY_FILE), b"not a key").unwrap();
        let err = DemoKeys::load_or_create(dir.path()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            fs::read(dir.path().join(HUB_KEY_FILE)).unwrap(),
            b"not a key"
        );
    }

    #[test]
    fn a_der_key_file_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let doc = generate_pkcs8().unwrap();
        fs::write(dir.path().join(BANK_KEY_FILE), doc.as_ref()).unwrap();
        let keys = DemoKeys::load_or_create(dir.path()).unwrap();
        let expected = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
        assert_eq!(keys.bank_public_key(), expected.public_key().as_ref());
    }

    #[test]
    fn debug_shows_no_private_key() {
        let keys = DemoKeys::generate().unwrap();
        let text = format!("{keys:?}");
        assert!(text.contains("hub_public_key"));
        assert!(!text.contains("PRIVATE"));
    }
}
