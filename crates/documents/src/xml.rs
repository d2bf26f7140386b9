//! The XML form: every field of the document, language-neutral, described by
//! `docs/schemas/justification-document.xsd`. Written by hand: the structure
//! is fixed and small, and escaping is the only thing to get right.

use crate::format::{date, riga_day, xml_instant};
use maksa_domain::document::{DocumentLine, DocumentPayment, JustificationDocument, Party};

/// The namespace of `JustificationDocument` and all its elements.
pub const XML_NAMESPACE: &str = "urn:maksa:justification-document:1";

/// The document as UTF-8 XML. Characters XML 1.0 cannot carry (control
/// characters other than tab, line feed and carriage return; U+FFFE, U+FFFF)
/// are left out; the domain refuses them on input, so this is a last guard.
pub fn render_xml(document: &JustificationDocument) -> Vec<u8> {
    let mut w = Writer::default();
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.out.push_str("<JustificationDocument xmlns=\"");
    w.out.push_str(XML_NAMESPACE);
    w.out.push_str("\">\n");
    w.depth = 1;
    w.leaf("Number", &document.number);
    w.leaf("Version", &document.version.to_string());
    w.leaf("Kind", document.kind.as_str());
    w.leaf("IssuedAt", &xml_instant(document.issued_at));
    if let Some(day) = document.invoice_issue_date {
        w.leaf("InvoiceIssueDate", &riga_day(day));
    }
    w.open("Request");
    w.leaf("Id", &document.request_id.to_string());
    w.leaf("Number", &document.request_number);
    w.leaf("CreatedAt", &xml_instant(document.request_created_at));
    w.leaf("ExpiresAt", &xml_instant(document.expires_at));
    w.leaf("Status", document.status.letter().encode_utf8(&mut [0; 4]));
    if let Some(at) = document.paid_at {
        w.leaf("PaidAt", &xml_instant(at));
    }
    w.close("Request");
    party(&mut w, "Issuer", &document.issuer);
    party(&mut w, "ServiceProvider", &document.service_provider);
    w.open("Service");
    w.leaf("Name", &document.service_name);
    w.leaf("Step", &document.step_name);
    w.close("Service");
    party(&mut w, "Recipient", &document.recipient);
    w.open("Payments");
    for p in &document.payments {
        payment(&mut w, p);
    }
    w.close("Payments");
    w.leaf("Total", &document.total.to_string());
    w.leaf("Currency", document.currency.as_str());
    w.out.push_str("</JustificationDocument>\n");
    w.out.into_bytes()
}

fn party(w: &mut Writer, element: &str, party: &Party) {
    w.open(element);
    w.leaf("Name", &party.name);
    if let Some(code) = given(&party.code) {
        w.leaf("Code", code);
    }
    if let Some(address) = given(&party.address) {
        w.leaf("Address", address);
    }
    w.close(element);
}

/// An optional text that says something: a blank one is left out like a
/// missing one.
fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.trim().is_empty())
}

fn payment(w: &mut Writer, p: &DocumentPayment) {
    w.open("Payment");
    w.leaf("Sequence", &p.sequence.to_string());
    w.leaf("PurposeId", &p.purpose_id);
    w.leaf("Purpose", &p.purpose);
    w.open("Payee");
    w.leaf("Name", &p.payee_name);
    w.leaf("RegistrationNumber", &p.payee_registration_number);
    w.leaf("Iban", &p.payee_iban);
    w.leaf("Bic", &p.payee_bic);
    w.close("Payee");
    w.leaf("Amount", &p.amount.to_string());
    w.leaf("Status", p.status.letter().encode_utf8(&mut [0; 4]));
    if let Some(at) = p.paid_at {
        w.leaf("PaidAt", &xml_instant(at));
    }
    if let Some(provider) = given(&p.provider) {
        w.leaf("Provider", provider);
    }
    if p.is_settled() {
        w.open("Settlement");
        if let Some(day) = p.settled_on {
            w.leaf("SettledOn", &date(day));
        }
        if let Some(reference) = given(&p.settlement_reference) {
            w.leaf("Reference", reference);
        }
        w.close("Settlement");
    }
    w.open("Lines");
    for line in &p.lines {
        self::line(w, line);
    }
    w.close("Lines");
    w.close("Payment");
}

fn line(w: &mut Writer, line: &DocumentLine) {
    w.open("Line");
    w.leaf("Position", &line.position);
    w.leaf("Name", &line.name);
    if let Some(quantity) = line.quantity {
        w.leaf("Quantity", &quantity.to_string());
    }
    w.leaf("UnitPrice", &line.unit_price.to_string());
    w.leaf("Amount", &line.amount.to_string());
    w.close("Line");
}

/// Indented elements; text content escaped.
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
}

/// Escapes the five markup characters and keeps a carriage return as a
/// character reference (a parser would otherwise turn it into a line feed).
/// Drops what XML 1.0 cannot carry at all.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// XML 1.0 `Char` less every control character (tab, line feed and carriage
/// return are handled above). C0 controls, U+FFFE and U+FFFF are not XML
/// 1.0 characters at all; DEL and the C1 controls are, but are discouraged
/// and mean nothing on a document. Rust strings hold no surrogates.
fn is_xml_char(c: char) -> bool {
    !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escaped(r#"A & B <c> "d" 'e'"#),
            "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        assert_eq!(escaped("a\u{0}b\u{1b}c\u{FFFF}d\u{85}e"), "abcde");
        assert_eq!(escaped("a\tb\nc\rd"), "a\tb\nc&#13;d");
        assert_eq!(
            escaped("Ģirts Ķēniņš „x“ \u{1F600}"),
            "Ģirts Ķēniņš „x“ \u{1F600}"
        );
    }
}
