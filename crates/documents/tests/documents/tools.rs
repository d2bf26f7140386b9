//! Running the external tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether `tool` can be run. When it cannot: a note and `false`, or, with
/// `MAKSA_TEST_STRICT=1`, a failure.
pub fn available(tool: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg(if tool == "xmllint" { "--version" } else { "-v" })
        .output()
        .is_ok();
    if !found {
        if std::env::var("MAKSA_TEST_STRICT").as_deref() == Ok("1") {
            panic!("`{tool}` is missing (apt-get install {package}) and MAKSA_TEST_STRICT=1");
        }
        eprintln!("note: `{tool}` is missing (apt-get install {package}); test skipped");
    }
    found
}

pub fn poppler() -> bool {
    available("pdftotext", "poppler-utils")
        && available("pdfinfo", "poppler-utils")
        && available("pdftoppm", "poppler-utils")
}

pub fn xmllint() -> bool {
    available("xmllint", "libxml2-utils")
}

pub fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} could not run: {e}"))
}

pub fn run_ok(command: &mut Command) -> String {
    let output = run(command);
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A file with `bytes` in a fresh temporary directory (kept alive by the
/// returned guard).
pub fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// `pdftotext -layout` (columns kept apart, rows on their lines) or `-raw`
/// (content-stream order: a wrapped value's lines follow one another).
pub fn pdftotext(pdf: &Path, mode: &str) -> String {
    run_ok(
        Command::new("pdftotext")
            .args([mode, "-enc", "UTF-8"])
            .arg(pdf)
            .arg("-"),
    )
}

pub fn pdf_pages(pdf: &Path) -> usize {
    let info = run_ok(Command::new("pdfinfo").arg(pdf));
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .expect("pdfinfo prints Pages")
        .trim()
        .parse()
        .unwrap()
}

/// The workspace's target directory, where samples for people are left.
pub fn samples_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("document-samples");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// White space runs as one space, so wrapped values compare with their
/// unwrapped originals.
pub fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word on a page as `pdftotext -bbox` places it, in points from the top
/// left corner.
#[derive(Debug)]
pub struct Word {
    pub text: String,
    pub x_min: f64,
    pub y_min: f64,
    pub x_max: f64,
    pub y_max: f64,
}

pub fn words(pdf: &Path) -> Vec<Word> {
    let html = run_ok(Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-"));
    html.lines()
        .filter_map(|line| line.trim_start().strip_prefix("<word "))
        .map(|line| {
            let number = |key: &str| -> f64 {
                let start = line.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
                let end = start + line[start..].find('"').unwrap();
                line[start..end].parse().unwrap()
            };
            let text_start = line.find('>').unwrap() + 1;
            let text_end = line.rfind("</word>").unwrap();
            Word {
                text: line[text_start..text_end].to_owned(),
                x_min: number("xMin"),
                y_min: number("yMin"),
                x_max: number("xMax"),
                y_max: number("yMax"),
            }
        })
        .collect()
}
