//! The XML validated by xmllint against docs/schemas.

use crate::sample::{self, PURPOSE_ID_2};
use crate::tools::{run, run_ok, temp_file, xmllint};
use maksa_app::documents::DocumentRenderer;
use maksa_documents::{Renderer, XML_NAMESPACE, render_xml};
use maksa_domain::document::{DocumentKind, JustificationDocument};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas/justification-document.xsd")
}

fn validate(xml: &[u8]) -> Output {
    let (_dir, path) = temp_file("document.xml", xml);
    run(Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema())
        .arg(&path))
}

#[track_caller]
fn assert_valid(name: &str, xml: &[u8]) {
    let output = validate(xml);
    assert!(
        output.status.success(),
        "{name} does not validate: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(xml)
    );
}

#[track_caller]
fn assert_invalid(name: &str, xml: &[u8], complaint: &str) {
    let output = validate(xml);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{name} validates but must not");
    assert!(
        stderr.contains(complaint),
        "{name}: expected `{complaint}` in {stderr}"
    );
}

/// `expression` evaluated on the document by xmllint.
fn xpath(xml: &[u8], expression: &str) -> String {
    let (_dir, path) = temp_file("document.xml", xml);
    let out = run_ok(
        Command::new("xmllint")
            .args(["--xpath", expression])
            .arg(&path),
    );
    out.strip_suffix('\n').map(str::to_owned).unwrap_or(out)
}

fn field(path: &[&str]) -> String {
    let steps: Vec<String> = path
        .iter()
        .map(|name| format!("*[local-name()='{name}']"))
        .collect();
    format!("string(/{})", steps.join("/"))
}

#[test]
fn every_kind_of_document_validates() {
    if !xmllint() {
        return;
    }
    let documents: Vec<(&str, JustificationDocument)> = vec![
        ("half-paid invoice", sample::rich(DocumentKind::Invoice)),
        ("receipt", sample::paid_receipt()),
        ("settled receipt", sample::settled_receipt()),
        ("invoice with nothing optional", sample::bare_invoice()),
        ("special characters", sample::with_special_characters()),
        ("120 positions", sample::long(120)),
    ];
    for (name, document) in documents {
        assert_valid(name, &render_xml(&document));
    }
}

#[test]
fn the_declaration_and_namespace_are_there() {
    let xml = String::from_utf8(render_xml(&sample::paid_receipt())).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    assert!(xml.contains(&format!(
        "<JustificationDocument xmlns=\"{XML_NAMESPACE}\">"
    )));
    assert_eq!(XML_NAMESPACE, "urn:maksa:justification-document:1");
    let through_port = Renderer::new().xml(&sample::paid_receipt()).unwrap();
    assert_eq!(xml.as_bytes(), through_port.as_slice());
}

#[test]
fn values_read_back_exactly() {
    if !xmllint() {
        return;
    }
    let document = sample::with_special_characters();
    let xml = render_xml(&document);
    assert_eq!(
        xpath(
            &xml,
            &field(&["JustificationDocument", "Recipient", "Name"])
        ),
        r#"SIA "A&B <Tests>" 'x'"#
    );
    // Control characters are left out, the rest is kept.
    assert_eq!(
        xpath(
            &xml,
            &field(&["JustificationDocument", "Recipient", "Address"])
        ),
        "Iela 1 & 2 <dzīvoklis> "
    );
    assert_eq!(
        xpath(&xml, &field(&["JustificationDocument", "Service", "Name"])),
        "Pakalpojums <b>&amp;</b>"
    );
    assert_eq!(
        xpath(
            &xml,
            "string(//*[local-name()='Payment'][2]/*[local-name()='Purpose'])"
        ),
        format!("{PURPOSE_ID_2} A&B <c> \"d\" 'e'")
    );
    assert_eq!(
        xpath(
            &xml,
            "string(//*[local-name()='Line'][1]/*[local-name()='Name'])"
        ),
        "Pozīcija ]]> & \"citāts\" 'x'"
    );
    let rich = render_xml(&sample::rich(DocumentKind::Invoice));
    for (path, value) in [
        (vec!["JustificationDocument", "Kind"], "invoice"),
        (
            vec!["JustificationDocument", "IssuedAt"],
            "2026-11-23T10:15:30Z",
        ),
        (
            vec!["JustificationDocument", "InvoiceIssueDate"],
            "2026-11-20",
        ),
        (vec!["JustificationDocument", "Request", "Status"], "P"),
        (
            vec!["JustificationDocument", "Recipient", "Name"],
            "Ģirts Ķēniņš-Žūriņa",
        ),
        (vec!["JustificationDocument", "Total"], "78.04"),
        (vec!["JustificationDocument", "Currency"], "EUR"),
    ] {
        assert_eq!(xpath(&rich, &field(&path)), value, "{path:?}");
    }
    assert_eq!(
        xpath(
            &rich,
            "string(//*[local-name()='Line'][2]/*[local-name()='Quantity'])"
        ),
        "4.56"
    );
    assert_eq!(xpath(&rich, "count(//*[local-name()='Line'])"), "3");
    // The amount line has no Quantity element at all.
    assert_eq!(
        xpath(
            &rich,
            "count(//*[local-name()='Payment'][2]//*[local-name()='Quantity'])"
        ),
        "0"
    );
}

#[test]
fn a_settlement_is_an_element_of_its_payment_only() {
    if !xmllint() {
        return;
    }
    let settled = render_xml(&sample::settled_receipt());
    let payment = |n: u8, name: &str| {
        format!(
            "string(//*[local-name()='Payment'][{n}]/*[local-name()='Settlement']/*[local-name()='{name}'])"
        )
    };
    assert_eq!(xpath(&settled, &payment(1, "SettledOn")), "2026-11-24");
    assert_eq!(xpath(&settled, &payment(1, "Reference")), "R-EXACT 1");
    assert_eq!(
        xpath(
            &settled,
            "count(//*[local-name()='Payment'][2]/*[local-name()='Settlement']/*[local-name()='SettledOn'])"
        ),
        "0"
    );
    assert_eq!(xpath(&settled, &payment(2, "Reference")), "R&<2>");
    // Not settled: no element at all, and such a document stays valid.
    let paid = render_xml(&sample::paid_receipt());
    assert_eq!(xpath(&paid, "count(//*[local-name()='Settlement'])"), "0");
    // An empty settlement says nothing and the schema refuses it.
    let text = String::from_utf8(paid).unwrap();
    let empty = text.replacen("<Lines>", "<Settlement></Settlement>\n      <Lines>", 1);
    assert_invalid("empty settlement", empty.as_bytes(), "Settlement");
}

#[test]
fn the_schema_refuses_what_is_wrong() {
    if !xmllint() {
        return;
    }
    // A purpose identifier one character short.
    let mut short_id = sample::rich(DocumentKind::Invoice);
    short_id.payments[0].purpose_id.pop();
    assert_invalid(
        "33-character purpose id",
        &render_xml(&short_id),
        "PurposeId",
    );

    let good = String::from_utf8(render_xml(&sample::rich(DocumentKind::Invoice))).unwrap();
    assert_valid("the original", good.as_bytes());
    for (name, from, to, complaint) in [
        (
            "one fraction digit",
            "<Total>78.04</Total>",
            "<Total>78.0</Total>",
            "Total",
        ),
        (
            "a negative amount",
            "<Total>78.04</Total>",
            "<Total>-78.04</Total>",
            "Total",
        ),
        (
            "an unknown status",
            "<Status>P</Status>",
            "<Status>X</Status>",
            "Status",
        ),
        (
            "an unknown kind",
            "<Kind>invoice</Kind>",
            "<Kind>bill</Kind>",
            "Kind",
        ),
        (
            "a time with an offset",
            "<IssuedAt>2026-11-23T10:15:30Z</IssuedAt>",
            "<IssuedAt>2026-11-23T12:15:30+02:00</IssuedAt>",
            "IssuedAt",
        ),
        (
            "a malformed IBAN",
            "<Iban>LV12TREL1060000000001</Iban>",
            "<Iban>lv12 trel 1060</Iban>",
            "Iban",
        ),
        ("no currency", "<Currency>EUR</Currency>", "", "Currency"),
        (
            "another namespace",
            XML_NAMESPACE,
            "urn:maksa:justification-document:2",
            "JustificationDocument",
        ),
    ] {
        assert!(
            good.contains(from),
            "{name}: `{from}` is not in the document"
        );
        assert_invalid(name, good.replacen(from, to, 1).as_bytes(), complaint);
    }
}
