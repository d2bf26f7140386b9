//! What the server's integration tests share: a fresh, migrated database of
//! either kind, the issuer printed on documents, and reading PDFs back with
//! poppler's `pdftotext`, validating document XML against our schema. Each test file
//! uses a part of it.

#![allow(dead_code, clippy::unwrap_used)]

use maksa_app::store::prelude::*;
use std::sync::Arc;

pub mod console;
pub mod payer_hub;
pub mod workers;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn postgres_if(postgres: bool) -> Backend {
        if postgres {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Keeps the temporary database alive as long as the test holds it.
pub enum DatabaseGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] maksa_store_tests::PostgresTestDatabase),
}

/// A fresh database of `backend`, migrated.
pub async fn open_store(backend: Backend) -> (Arc<dyn Store>, DatabaseGuard) {
    match backend {
        Backend::Sqlite => {
            let (path, dir) = maksa_store_tests::fresh_sqlite_path();
            let store = maksa_store_sqlite::SqliteStore::open(&path).await.unwrap();
            store.migrate().await.unwrap();
            (Arc::new(store), DatabaseGuard::Sqlite(dir))
        }
        Backend::Postgres => {
            let (url, guard) = maksa_store_tests::fresh_postgres_database().await;
            let store = maksa_store_postgres::PostgresStore::connect(&url)
                .await
                .unwrap();
            store.migrate().await.unwrap();
            (Arc::new(store), DatabaseGuard::Postgres(guard))
        }
    }
}

/// The hub operator printed on documents in these tests.
pub fn test_issuer() -> maksa_domain::document::Party {
    maksa_domain::document::Party {
        name: "Valsts digitālās attīstības aģentūra".into(),
        code: Some("90000036859".into()),
        address: Some("Pulkveža Brieža iela 12, Rīga".into()),
    }
}

/// A tool the document tests need; missing, the test fails in strict mode
/// (CI) and gets `false` with a note otherwise.
pub fn have_tool(tool: &str) -> bool {
    let found = std::process::Command::new(tool).arg("-v").output().is_ok();
    if !found {
        let reason = format!("`{tool}` is not installed (poppler-utils / libxml2-utils)");
        if std::env::var_os("MAKSA_TEST_STRICT").is_some() {
            panic!("{reason} (MAKSA_TEST_STRICT is set: nothing may skip)");
        }
        eprintln!("skipped: {reason}");
    }
    found
}

/// The text `pdftotext` reads from a PDF, whitespace runs collapsed.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success(), "pdftotext failed: {output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validates XML against docs/schemas/justification-document.xsd with xmllint.
pub fn assert_valid_document_xml(xml: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.xml");
    std::fs::write(&path, xml).unwrap();
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/schemas/justification-document.xsd"
    );
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", schema])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the document does not validate: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(xml)
    );
}

/// Runs each named scenario `async fn name(backend: Backend)` as two tests,
/// `name::sqlite` and `name::postgres`: one suite, both databases. (The file
/// that uses it has `Backend` in scope.)
#[allow(unused_macros)] // not every test file runs scenarios on both databases
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(super::Backend::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name(super::Backend::Postgres).await }
        }
    )*};
}

/// What an HTTP call answered: status, the `MM-Error` headers, content type and
/// body. Each test file adds the assertions it needs in its own `impl Answer`.
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub mm_error: String,
    /// `MM-ErrorMessage`, URL-encoded as sent.
    pub mm_error_message: String,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub async fn read(response: reqwest::Response) -> Answer {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        Answer {
            status: response.status(),
            mm_error: header("mm-error"),
            mm_error_message: header("mm-errormessage"),
            content_type: header("content-type"),
            body: response.text().await.unwrap(),
        }
    }
}
