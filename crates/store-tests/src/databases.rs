//! Throw-away databases for tests: every test gets its own, so tests can run in
//! parallel and never see each other's rows.

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::path::PathBuf;
use tempfile::TempDir;

/// The server tests run against; trust authentication, so no password.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Where the PostgreSQL tests connect to create their databases
/// (`MAKSA_TEST_POSTGRES_URL`, else [`DEFAULT_POSTGRES_URL`]).
pub fn postgres_admin_url() -> String {
    std::env::var("MAKSA_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// A path for a new SQLite database inside a new temporary directory. The file
/// sits in a subdirectory that does not exist yet, so opening it also proves the
/// store creates missing parent directories. Keep the `TempDir` alive as long as
/// the database is used: dropping it deletes everything.
pub fn fresh_sqlite_path() -> (PathBuf, TempDir) {
    let directory = tempfile::Builder::new()
        .prefix("maksa-store-test-")
        .tempdir()
        .expect("cannot create a temporary directory for a SQLite test database");
    let path = directory.path().join("data").join("maksa.db");
    (path, directory)
}

/// A PostgreSQL database that exists for one test. Dropping it drops the
/// database (forcibly disconnecting whoever is still connected), also when the
/// test panicked.
#[derive(Debug)]
pub struct PostgresTestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresTestDatabase {
    /// The URL of the new database (the admin URL with its database replaced).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Creates `maksa_test_<random hex>` on the server of [`postgres_admin_url`] and
/// returns its URL and the guard that drops it.
///
/// Panics with the URL it tried when the server cannot be reached: a test that
/// needs PostgreSQL must fail loudly rather than pass by skipping.
pub async fn fresh_postgres_database() -> (String, PostgresTestDatabase) {
    let admin_url = postgres_admin_url();
    let name = format!("maksa_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
        panic!(
            "cannot connect to PostgreSQL at {} (set MAKSA_TEST_POSTGRES_URL to change it): {error}",
            without_password(&admin_url)
        )
    });
    // DDL takes no bind parameters; the name is ours (hex only), not input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "cannot create database {name} at {}: {error}",
                without_password(&admin_url)
            )
        });
    let _ = admin.close().await;
    let url = database_url(&admin_url, &name);
    let database = PostgresTestDatabase {
        admin_url,
        name,
        url: url.clone(),
    };
    (url, database)
}

/// The URL as it may appear in a test log.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn database_url(admin_url: &str, database: &str) -> String {
    match url::Url::parse(admin_url) {
        Ok(mut url) => {
            url.set_path(&format!("/{database}"));
            url.to_string()
        }
        // Not a URL but a key=value connection string: name the database last, it wins.
        Err(_) => format!("{admin_url} dbname={database}"),
    }
}

impl Drop for PostgresTestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which must not be blocked on; a
        // short-lived thread with its own runtime can do the async work.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropping = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await?;
                Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
            })
        });
        // Never panic in Drop (it may run while unwinding): report and move on.
        match dropping.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test database {}: {error}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: the dropping thread panicked",
                self.name
            ),
        }
    }
}
