//! Payer mail as `.eml` files in a directory: what `maksa demo` uses when no
//! SMTP server is configured, so the messages can be opened in any mail
//! program and the tests can read them.

use crate::message::render;
use async_trait::async_trait;
use maksa_app::mail::{MailAddress, MailError, MailTransport, OutgoingMail, Sent};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;

/// The longest file name stem we write (file systems allow 255 bytes).
const MAX_STEM: usize = 150;

static TEMP_SERIAL: AtomicU64 = AtomicU64::new(0);

/// Writes each message to `<dir>/<safe message id>.eml`.
///
/// The write is atomic (a temporary file, fsync, rename, fsync of the
/// directory), so a reader never sees half a message and a crash never leaves
/// one; and it is idempotent: a message id already written is not written
/// again, so the outbox's at-least-once delivery yields one file.
#[derive(Debug, Clone)]
pub struct EmlDirectory {
    pub dir: PathBuf,
    /// The `From` of the files.
    pub from: MailAddress,
}

impl EmlDirectory {
    pub fn new(dir: impl Into<PathBuf>, from: MailAddress) -> EmlDirectory {
        EmlDirectory {
            dir: dir.into(),
            from,
        }
    }

    /// Where the message with `message_id` is (or would be) written.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", file_stem(message_id)))
    }
}

#[async_trait]
impl MailTransport for EmlDirectory {
    async fn send(&self, mail: &OutgoingMail) -> Result<Sent, MailError> {
        let bytes = render(mail, &self.from, OffsetDateTime::now_utc())?;
        let dir = self.dir.clone();
        let path = self.path_for(&mail.message_id);
        tokio::task::spawn_blocking(move || write_once(&dir, &path, &bytes))
            .await
            .map_err(|e| MailError::Temporary(format!("the .eml writer stopped: {e}")))?
    }

    fn describe(&self) -> String {
        format!(".eml files in {}", self.dir.display())
    }
}

fn write_once(dir: &Path, path: &Path, bytes: &[u8]) -> Result<Sent, MailError> {
    let io = |what: &str, e: std::io::Error| {
        MailError::Temporary(format!("{what} {}: {e}", path.display()))
    };
    let sent = Sent {
        detail: format!("written to {}", path.display()),
    };
    if path.exists() {
        return Ok(sent);
    }
    std::fs::create_dir_all(dir).map_err(|e| io("creating the directory of", e))?;
    // Unique per process and call, so two writers never share a temporary file.
    let serial = TEMP_SERIAL.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_extension(format!("eml.tmp-{}-{serial}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&temp);
        return Err(io("writing", e));
    }
    // Two writers of the same id race harmlessly: each renames a complete
    // copy of the same message over the other.
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(io("renaming into", e));
    }
    // The rename is durable only once the directory entry is.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("syncing the directory of", e))?;
    Ok(sent)
}

/// The message id without its angle brackets, with anything but letters,
/// digits, `.`, `-`, `_` and `@` as `_`; when that changed or shortened
/// anything, a hash of the whole id keeps two ids apart.
fn file_stem(message_id: &str) -> String {
    let inner = message_id
        .strip_prefix('<')
        .and_then(|id| id.strip_suffix('>'))
        .unwrap_or(message_id);
    let mut stem: String = inner
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A leading dot would hide the file; `..` alone would be the parent.
    let changed = stem != inner || stem.starts_with('.') || stem.len() > MAX_STEM;
    if changed {
        stem.truncate(MAX_STEM);
        let stem_trimmed = stem.trim_start_matches('.').to_owned();
        stem = format!("{stem_trimmed}-{:016x}", fnv1a(message_id.as_bytes()));
    }
    stem
}

/// FNV-1a, 64 bits: only to tell apart ids that sanitise alike, not a
/// security measure.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(
            file_stem("<abc-123@maksa.example.lv>"),
            "abc-123@maksa.example.lv"
        );
        let a = file_stem("<a/b@x>");
        let b = file_stem("<a_b@x>");
        assert_ne!(a, b);
        assert!(!a.contains('/'));
        let dots = file_stem("<..@..>");
        assert!(!dots.starts_with('.'), "{dots}");
        assert!(file_stem(&format!("<{}@x>", "a".repeat(400))).len() < 200);
    }
}
