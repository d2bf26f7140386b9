//! What the integration tests share.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;

/// Validates `xml` against `tests/xsd/<schema>` with xmllint. A missing
/// xmllint fails the test: the schemas are the contract.
pub fn assert_valid(xml: &str, schema: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.xml");
    std::fs::write(&path, xml).unwrap();
    assert_file_valid(&path, schema);
}

/// As [`assert_valid`], of a file.
pub fn assert_file_valid(path: &Path, schema: &str) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/xsd")
        .join(schema);
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(xsd)
        .arg(path)
        .output()
        .expect("xmllint is needed (apt-get install libxml2-utils)");
    assert!(
        output.status.success(),
        "{schema}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
