//! The documents adapter against real tools: poppler's `pdftotext`,
//! `pdfinfo` and `pdftoppm` read the PDFs back, libxml2's `xmllint` validates
//! the XML against the published schema.
//!
//! Without the tools a test prints a note and passes, unless
//! `MAKSA_TEST_STRICT=1`, when it fails (CI sets it). Debian packages:
//! `poppler-utils libxml2-utils`.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Positions poppler reports are floats; comparing them is what the tests do.
#![allow(clippy::float_arithmetic)]

mod pdf;
mod sample;
mod tools;
mod xml;
