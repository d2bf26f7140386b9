//! The PDF read back by poppler.

use crate::sample::{self, PURPOSE_ID_1, PURPOSE_ID_2};
use crate::tools::{
    normalised, pdf_pages, pdftotext, poppler, run, run_ok, samples_dir, temp_file, words,
};
use maksa_app::documents::{DocumentLanguage, DocumentRenderer};
use maksa_documents::{Renderer, render_pdf};
use maksa_domain::document::{DocumentKind, JustificationDocument};
use maksa_domain::status::Status;
use std::process::Command;

struct Read {
    /// `pdftotext -layout`.
    layout: String,
    /// `pdftotext -bbox`.
    words: Vec<crate::tools::Word>,
    /// `pdftotext -raw`, white space normalised.
    raw: String,
    pages: usize,
    _dir: tempfile::TempDir,
}

fn read(document: &JustificationDocument, language: DocumentLanguage) -> Read {
    let bytes = render_pdf(document, language).unwrap();
    let (dir, path) = temp_file("document.pdf", &bytes);
    Read {
        layout: pdftotext(&path, "-layout"),
        words: words(&path),
        raw: normalised(&pdftotext(&path, "-raw")),
        pages: pdf_pages(&path),
        _dir: dir,
    }
}

impl Read {
    #[track_caller]
    fn has(&self, value: &str) {
        let value = normalised(value);
        assert!(
            self.raw.contains(&value),
            "`{value}` is not in the PDF's text:\n{}",
            self.layout
        );
    }

    /// The `-layout` line that contains `needle`.
    #[track_caller]
    fn line_with(&self, needle: &str) -> &str {
        self.layout
            .lines()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line with `{needle}` in:\n{}", self.layout))
    }
}

/// Every value of the sample, whatever the language.
fn has_every_value(read: &Read, document: &JustificationDocument) {
    for value in [
        document.number.as_str(),
        document.request_number.as_str(),
        "3f2c9a4e-8b1d-4c6f-9e2a-5d7b0c1e4f8a",
        "2026-11-23 10:15 UTC",
        "2026-11-20 08:05 UTC",
        "2026-12-20 21:59 UTC",
        "Valsts digitālās attīstības aģentūra",
        "90001234567",
        "Pulkveža Brieža iela 12, Rīga, LV-1010",
        "Pilsonības un migrācijas lietu pārvalde",
        "90000024205",
        "Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026",
        "Pases izsniegšana",
        "Valsts nodevas samaksa",
        "Ģirts Ķēniņš-Žūriņa",
        "161175-19997",
        "Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026, Latvija",
        "Pases izsniegšana steidzamības kārtā (ĀČĒĢĪĶĻŅŠŪŽ)",
        "Fotogrāfija dokumentam",
        "Kancelejas nodeva „steidzami“ — āčēģīķļņšūž",
        "Rīgas valstspilsētas pašvaldība",
        "90011524360",
        "LV12TREL1060000000001",
        "LV45TREL9800000000002",
        "TRELLV22",
        "65.70 EUR",
        "12.34 EUR",
        "78.04 EUR",
        "2026-11-21 09:41 UTC",
        "Demo banka",
    ] {
        read.has(value);
    }
    for payment in &document.payments {
        assert!(payment.purpose.starts_with(&payment.purpose_id));
        read.has(&payment.purpose);
    }
    read.has(PURPOSE_ID_1);
    read.has(PURPOSE_ID_2);

    // The table: code, name, quantity, unit price, amount on one line, money
    // right-aligned under its header.
    let header = read.line_with("PMLP-001");
    assert!(header.trim_end().ends_with("60.00"), "{header}");
    let photo = normalised(read.line_with("PMLP-014"));
    assert_eq!(photo, "PMLP-014 Fotogrāfija dokumentam 4.56 1.25 5.70");
    // An amount line has no quantity.
    let fee = normalised(read.line_with("NOD-7"));
    assert!(fee.ends_with("āčēģīķļņšūž 12.34 12.34"), "{fee}");
    // The amounts of the table end where their column does: the last word
    // of each position's first line.
    let right_edges: Vec<f64> = ["PMLP-001", "PMLP-014", "NOD-7"]
        .iter()
        .map(|code| {
            let first = read.words.iter().find(|w| w.text == *code).unwrap();
            read.words
                .iter()
                .filter(|w| (w.y_min - first.y_min).abs() < 1.0)
                .map(|w| w.x_max)
                .fold(0.0, f64::max)
        })
        .collect();
    for edge in &right_edges {
        assert!((edge - right_edges[0]).abs() < 0.01, "{right_edges:?}");
    }
}

#[test]
fn a_settled_payment_says_when_the_treasury_got_the_money() {
    if !poppler() {
        return;
    }
    let settled = sample::settled_receipt();
    let latvian = read(&settled, DocumentLanguage::Latvian);
    latvian.has("Nauda saņemta Valsts kases kontā: 2026-11-24 (atsauce R-EXACT 1)");
    latvian.has("Nauda saņemta Valsts kases kontā (atsauce R&<2>)");
    has_every_value(&latvian, &settled);
    let english = read(&settled, DocumentLanguage::English);
    english.has("Received on the Treasury account: 2026-11-24 (reference R-EXACT 1)");
    english.has("Received on the Treasury account (reference R&<2>)");
    // Paid but not settled: no such line.
    let paid = read(&sample::paid_receipt(), DocumentLanguage::English);
    assert!(!paid.raw.contains("Treasury account"), "{}", paid.layout);
    let paid = read(&sample::paid_receipt(), DocumentLanguage::Latvian);
    assert!(!paid.raw.contains("Valsts kases"), "{}", paid.layout);
}

#[test]
fn a_latvian_invoice_reads_back_every_value() {
    if !poppler() {
        return;
    }
    let document = sample::rich(DocumentKind::Invoice);
    let read = read(&document, DocumentLanguage::Latvian);
    has_every_value(&read, &document);
    for label in [
        "Rēķins",
        "Saņēmējs",
        "Rēķina datums 2026-11-20",
        "Izsniedzējs",
        "Pakalpojuma sniedzējs",
        "Maksājuma mērķis",
        "Kods Nosaukums Daudzums Cena Summa",
        "Kopā 78.04 EUR",
        "Statuss Apmaksāts",
        "Statuss Nav apmaksāts",
        "Apmaksas datums nav apmaksāts",
        "Lapa 1/1",
    ] {
        read.has(label);
    }
    assert_eq!(read.pages, 1);
}

#[test]
fn an_english_receipt_reads_back_every_value() {
    if !poppler() {
        return;
    }
    let mut document = sample::rich(DocumentKind::Receipt);
    document.payments[1].status = Status::Expired;
    let read = read(&document, DocumentLanguage::English);
    has_every_value(&read, &document);
    for label in [
        "Payment receipt",
        "Payer",
        "Invoice date 2026-11-20",
        "Issuer",
        "Service provider",
        "Payment purpose",
        "Code Description Quantity Unit price Amount",
        "Total 78.04 EUR",
        "Status Paid",
        "Status Expired",
        "Payment date not paid",
        "Page 1/1",
    ] {
        read.has(label);
    }
}

#[test]
fn a_paid_receipt_says_maksatajs_and_when_it_was_paid() {
    if !poppler() {
        return;
    }
    let read = read(&sample::paid_receipt(), DocumentLanguage::Latvian);
    read.has("Maksājuma apliecinājums");
    read.has("Maksātājs");
    read.has("Apmaksāts 2026-11-22 17:03 UTC");
    read.has("Swedbank");
    assert!(!read.raw.contains("nav apmaksāts"));
    assert!(!read.raw.contains("Rēķina datums"));
}

#[test]
fn every_status_has_its_words() {
    if !poppler() {
        return;
    }
    for (status, latvian, english) in [
        (Status::InProcess, "Nav apmaksāts", "Not paid"),
        (Status::Executed, "Apmaksāts", "Paid"),
        (Status::Expired, "Beidzies derīguma termiņš", "Expired"),
        (Status::Cancelled, "Atcelts", "Cancelled"),
        (Status::Other, "Cits iznākums", "Other outcome"),
    ] {
        let mut document = sample::rich(DocumentKind::Invoice);
        document.payments[1].status = status;
        let lv = read(&document, DocumentLanguage::Latvian);
        lv.has(&format!("Statuss {latvian}"));
        let en = read(&document, DocumentLanguage::English);
        en.has(&format!("Status {english}"));
    }
}

#[test]
fn the_font_is_embedded_subset_and_mapped_to_unicode() {
    if !poppler() {
        return;
    }
    let bytes = render_pdf(
        &sample::rich(DocumentKind::Invoice),
        DocumentLanguage::Latvian,
    )
    .unwrap();
    let (_dir, path) = temp_file("fonts.pdf", &bytes);
    let fonts = run_ok(Command::new("pdffonts").arg(&path));
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni object ID
        assert!(columns[0].contains("+DejaVuSans"), "{row}");
        assert_eq!(columns[1..4], ["CID", "TrueType", "Identity-H"], "{row}");
        assert_eq!(columns[4..7], ["yes", "yes", "yes"], "{row}");
    }
    assert!(bytes.len() < 50_000, "{} bytes", bytes.len());
}

#[test]
fn many_positions_flow_onto_further_pages() {
    if !poppler() {
        return;
    }
    let document = sample::long(120);
    let read = read(&document, DocumentLanguage::Latvian);
    assert!(read.pages > 1, "{} pages", read.pages);
    read.has("POZ-0001");
    read.has("POZ-0120");
    read.has("Pozīcija numur 119: ļoti garš nosaukums, kas noteikti neietilpst vienā rindā un tāpēc tiek pārnests nākamajā rindā");
    for page in 1..=read.pages {
        read.has(&format!("Lapa {page}/{}", read.pages));
    }
    // Every page the table runs onto starts with its header again.
    let headers = read.layout.matches("Nosaukums").count();
    assert!(headers >= 2, "the table header is not repeated");
    // Every position once, none lost at a page break.
    for i in 1..=120 {
        assert_eq!(
            read.raw.matches(&format!("POZ-{i:04} ")).count(),
            1,
            "POZ-{i:04}"
        );
    }
}

#[test]
fn long_texts_wrap_inside_the_page() {
    if !poppler() {
        return;
    }
    let document = sample::long_texts();
    let long = document.recipient.address.clone().unwrap();
    let bytes = render_pdf(&document, DocumentLanguage::Latvian).unwrap();
    let (_dir, path) = temp_file("long.pdf", &bytes);
    // Every word's box lies on the page, inside the margins.
    let words = words(&path);
    assert!(words.len() > 200);
    for w in &words {
        assert!(w.x_min >= 40.0 && w.x_max <= 595.28 - 40.0, "{w:?}");
        assert!(w.y_min >= 20.0 && w.y_max <= 841.89 - 20.0, "{w:?}");
    }
    let text = normalised(&pdftotext(&path, "-raw"));
    assert!(text.contains(&normalised(&long)));
    assert!(text.contains(&normalised(&document.issuer.name)));
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let document = sample::rich(DocumentKind::Invoice);
    let first = render_pdf(&document, DocumentLanguage::Latvian).unwrap();
    let second = render_pdf(&document, DocumentLanguage::Latvian).unwrap();
    assert_eq!(first, second);
    let through_port = Renderer::new()
        .pdf(&document, DocumentLanguage::Latvian)
        .unwrap();
    assert_eq!(first, through_port);
    let english = render_pdf(&document, DocumentLanguage::English).unwrap();
    assert_ne!(first, english);
    assert!(first.starts_with(b"%PDF-"));
    // Creation date and producer come from the document, not the clock.
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("(D:20261123101530Z)"), "no creation date");
    assert!(text.contains("/Producer (maksa)"));
    assert!(text.contains("/Title (MK-7QX2-J9PA-1)"));
}

#[test]
fn a_document_with_nothing_optional_renders() {
    if !poppler() {
        return;
    }
    let read = read(&sample::bare_invoice(), DocumentLanguage::Latvian);
    read.has("Jānis Bērziņš");
    read.has("Rēķins");
    assert!(!read.raw.contains("Adrese"));
}

/// Leaves PDFs and PNG pages in target/document-samples for a person to
/// look at (`pdftoppm -png -r 80`).
#[test]
fn samples_for_people() {
    if !poppler() {
        return;
    }
    let dir = samples_dir();
    for (name, document, language) in [
        (
            "invoice-lv",
            sample::rich(DocumentKind::Invoice),
            DocumentLanguage::Latvian,
        ),
        (
            "receipt-en",
            sample::paid_receipt(),
            DocumentLanguage::English,
        ),
        (
            "receipt-lv",
            sample::paid_receipt(),
            DocumentLanguage::Latvian,
        ),
        ("long-lv", sample::long(120), DocumentLanguage::Latvian),
        (
            "long-texts-lv",
            sample::long_texts(),
            DocumentLanguage::Latvian,
        ),
    ] {
        let pdf = dir.join(format!("{name}.pdf"));
        std::fs::write(&pdf, render_pdf(&document, language).unwrap()).unwrap();
        let output = run(Command::new("pdftoppm")
            .args(["-png", "-r", "80"])
            .arg(&pdf)
            .arg(dir.join(name)));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // poppler complains on stderr about anything odd in a file.
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn a_value_longer_than_a_page_continues_on_the_next() {
    if !poppler() {
        return;
    }
    let mut document = sample::rich(DocumentKind::Invoice);
    let words: Vec<String> = (1..=1500).map(|i| format!("vārds{i}")).collect();
    document.recipient.address = Some(words.join(" "));
    let read = read(&document, DocumentLanguage::Latvian);
    assert!(read.pages >= 2, "{} pages", read.pages);
    read.has("vārds1 vārds2");
    read.has("vārds1500");
    read.has("MK20261120Z9Y8X7W6V5U4T3S2R1Q9P8N7 Kancelejas nodeva „steidzami“");
    // Every word once: none lost or repeated at the page break.
    for i in [1, 700, 1500] {
        assert_eq!(
            read.raw.matches(&format!("vārds{i} ")).count(),
            1,
            "vārds{i}"
        );
    }
}
