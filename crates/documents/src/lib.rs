//! Justification documents — receipts and invoices — as PDF and as XML: the
//! adapter behind `maksa_app::documents::DocumentRenderer` (docs/documents.md).
//!
//! # PDF
//!
//! A4, Latvian or English labels, laid out by this crate itself: the content
//! is a fixed sequence of sections, so a template engine would add a large
//! dependency and milliseconds per document for nothing. From top to bottom:
//! title and document number; two columns of document and request data; two
//! rows of two party blocks (issuer | service provider, payer or recipient |
//! service and step); the positions table (code, name, quantity, unit price,
//! amount; money right-aligned; grouped by payment when there are several)
//! and the total; one block per payment (purpose with its 34-character
//! identifier, payee with registration number, IBAN and BIC, amount, status,
//! payment date, provider). Every text is wrapped to its column. When a page
//! is full the next one continues with a running header, and the table header
//! again if the break falls inside the table; each page's footer says
//! "Lapa 1/2" / "Page 1/2". Instants print in UTC (`2026-11-23 14:05 UTC`),
//! the invoice date as the day it is in Riga. `layout.rs` places the text;
//! `pdf.rs` writes the objects.
//!
//! Lengths are integer thousandths of a point (`units.rs`), turned into the
//! floats pdf-writer takes only as they are written; the output is
//! reproducible: the same document gives the same bytes (the creation date is
//! the issue time, the producer is "maksa", the title is the number).
//!
//! # Font
//!
//! DejaVu Sans and DejaVu Sans Bold (`fonts/`, licence beside them): free to
//! embed, and they cover every Latvian letter (ĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž), the
//! typographic quotes „“, and far more. They are compiled into the binary and
//! parsed once per process. Each PDF embeds only the glyphs it draws (a few
//! kilobytes instead of 700), as Type0/CIDFontType2 fonts with Identity-H
//! encoding and a ToUnicode map, so copying and `pdftotext` give back the
//! exact text. The embedded programs carry no hinting (`unhinted.rs`): it is
//! half of DejaVu's glyph data and does nothing at the sizes PDFs are viewed
//! and printed at. No kerning or ligatures: business text does not need them.
//! A typical receipt is about 20 KB and renders in well under 2 ms.
//!
//! # XML
//!
//! Every field of the content, language-neutral, in the namespace
//! [`XML_NAMESPACE`], as `docs/schemas/justification-document.xsd` describes.
//!
//! # Dependencies
//!
//! `pdf-writer` (PDF objects and content streams), `subsetter` (TrueType
//! subsetting), `ttf-parser` (character map, advance widths), `miniz_oxide`
//! (Flate compression): all pure Rust, together a few thousand lines.

mod font;
mod format;
mod labels;
mod layout;
mod pdf;
mod unhinted;
mod units;
mod xml;

use maksa_app::documents::{DocumentLanguage, DocumentRenderer};
use maksa_domain::document::JustificationDocument;

pub use xml::{XML_NAMESPACE, render_xml};

/// Why a PDF could not be made. Neither should ever happen with the fonts
/// compiled in; they are errors, not panics, all the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("the embedded font cannot be read: {0}")]
    Font(String),
    #[error("the embedded font cannot be subset: {0}")]
    Subset(String),
}

/// The document as a PDF with labels in `language`.
pub fn render_pdf(
    document: &JustificationDocument,
    language: DocumentLanguage,
) -> Result<Vec<u8>, RenderError> {
    let fonts = font::fonts()?;
    let labels = labels::Labels::of(language);
    let pages = layout::compose(fonts, labels, document);
    let tag = match language {
        DocumentLanguage::Latvian => "lv",
        DocumentLanguage::English => "en",
    };
    pdf::write(fonts, document, tag, &pages)
}

/// The renderer the application is given. Holds nothing: the fonts are
/// parsed once per process, on first use, and shared by every thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Renderer;

impl Renderer {
    pub fn new() -> Self {
        Renderer
    }

    /// Parses the fonts now rather than on the first document, and says
    /// whether they can be used: for a node to check at start.
    pub fn preload(&self) -> Result<(), RenderError> {
        font::fonts().map(|_| ())
    }
}

impl DocumentRenderer for Renderer {
    fn pdf(
        &self,
        document: &JustificationDocument,
        language: DocumentLanguage,
    ) -> Result<Vec<u8>, String> {
        render_pdf(document, language).map_err(|e| e.to_string())
    }

    fn xml(&self, document: &JustificationDocument) -> Result<Vec<u8>, String> {
        Ok(render_xml(document))
    }
}
