//! The storage-failed latch: after SQLite reports that a write or an fsync
//! failed, what is on disk is unknown, and no later success proves otherwise.
//!
//! Since PostgreSQL's 2018 fsync lesson: Linux may drop the dirty pages of a
//! failed fsync and mark them clean, so a second fsync "succeeds" without them.
//! A store that went on writing — and the checkpointer that copies the WAL into
//! the database file and then truncates it — could acknowledge a commit whose
//! earlier pages are gone. So the first such error latches this process: every
//! later write is refused (`StoreError::Failed`, `STORAGE_FAILED` on the wire),
//! the checkpointer stops, reads still answer, and `/ready` says why. Only a
//! restart clears it; SQLite's WAL recovery then runs on what really reached
//! the disk.
//!
//! The latch belongs to the process, not to one `SqliteStore`: the error is
//! classified where sqlx errors become `StoreError` (`convert::store_error`),
//! which does not know its store, and a node runs one database. (The store
//! tests share a process, but none of them makes an fsync fail.)

use std::sync::OnceLock;

static FAILED: OnceLock<String> = OnceLock::new();

/// Latches the process on `reason` (the first reason is kept) and says so once,
/// at error level: the operator must restart the node.
pub(crate) fn latch(reason: &str) {
    let mut first = false;
    FAILED.get_or_init(|| {
        first = true;
        reason.to_owned()
    });
    if first {
        tracing::error!(
            reason,
            "STORAGE FAILED: a write or fsync of the database failed; every write is refused \
             until this node is restarted (reads still answer)"
        );
    }
}

/// Why writes are refused, if they are.
pub fn storage_failure() -> Option<&'static str> {
    FAILED.get().map(String::as_str)
}
