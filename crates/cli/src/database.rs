//! Choosing the storage adapter from the database URL's scheme.

use anyhow::{Context, bail};
use maksa_app::store::prelude::*;
use maksa_store_postgres::PostgresStore;
use maksa_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;

/// `sqlite://relative/file.db`, `sqlite:///absolute/file.db`, `sqlite:file.db`,
/// or `postgres://…` / `postgresql://…`.
pub async fn open(url: &str, migrate: bool) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PostgresStore::connect(url)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        if migrate {
            store
                .migrate()
                .await
                .context("migrating the PostgreSQL database")?;
        } else if !store.migrations_current().await? {
            bail!("the database schema is not current: run `maksa migrate`");
        }
        return Ok(Arc::new(store));
    }
    let path = sqlite_path(url)?;
    let store = SqliteStore::open(&path)
        .await
        .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
    if migrate {
        store
            .migrate()
            .await
            .context("migrating the SQLite database")?;
    } else if !store.migrations_current().await? {
        bail!("the database schema is not current: run `maksa migrate`");
    }
    Ok(Arc::new(store))
}

pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| {
            format!(
                "unsupported database URL `{}`: use sqlite://FILE or postgres://…",
                redact(url)
            )
        })?;
    if path.is_empty() {
        bail!("the SQLite URL names no file");
    }
    Ok(PathBuf::from(path))
}

/// Hides a password in a URL before it is printed or logged.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SQLite has one writer and no leases across processes: a second node on the
/// same file would race the first. The node holds an exclusive lock on
/// `FILE.node-lock` for its lifetime (released by the OS when it dies, even by
/// `kill -9`); a second `serve`/`demo` is refused with a clear message.
/// PostgreSQL needs no such lock: its nodes share the work.
pub fn lock_single_node(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(None);
    }
    let mut path = sqlite_path(url)?.into_os_string();
    path.push(".node-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", PathBuf::from(&path).display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another maksa node is already running on this SQLite database ({}). \
             SQLite supports one node; run several nodes on PostgreSQL instead",
            redact(url)
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e).context("locking the SQLite database"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sqlite_urls() {
        assert_eq!(
            sqlite_path("sqlite://data/m.db").unwrap(),
            PathBuf::from("data/m.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/m.db").unwrap(),
            PathBuf::from("/tmp/m.db")
        );
        assert_eq!(sqlite_path("sqlite:m.db").unwrap(), PathBuf::from("m.db"));
        assert!(sqlite_path("mysql://x").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
