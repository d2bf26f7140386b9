//! The hardened XML reader behind the SOAP door. It reads a whole (size-limited)
//! message into a small element tree and refuses, before anything is decided:
//!
//! - any document type declaration (`<!DOCTYPE`) and any `<!ENTITY` — so no
//!   entity expansion ("billion laughs") and no external entities can happen;
//! - entity references other than XML's five predefined ones and character
//!   references;
//! - nesting deeper than [`MAX_DEPTH`] and more than [`MAX_ELEMENTS`] elements;
//! - anything that is not UTF-8 (what every SOAP 1.1 client we serve sends).
//!
//! Namespaces are resolved here; an undeclared prefix on an *attribute* is
//! tolerated, because the originals' own example of a payment request (004,
//! appendix 3.1) writes `i:nil="true"` without declaring `i`.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

/// The XML Schema instance namespace (`xsi:nil`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Deeper than any message of ours (a payment request is 6 levels inside the
/// envelope); deep enough for clients that wrap things oddly.
pub const MAX_DEPTH: usize = 64;
/// A payment request has a few dozen elements; lists of positions stay far below.
pub const MAX_ELEMENTS: usize = 10_000;

/// One element: its namespace and local name, attributes by local name, text
/// content (the concatenation of its own text nodes) and child elements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub namespace: Option<String>,
    pub name: String,
    pub attributes: Vec<(String, String)>,
    /// `xsi:nil="true"`: the value is explicitly absent.
    pub nil: bool,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this local name, in any namespace and letter case:
    /// clients generated from other WSDLs qualify members differently, and the
    /// originals' clients are not consistent about case.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// (The WSDL drift test reads attributes; messages are read by element.)
    #[cfg(test)]
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace.as_deref() == Some(namespace) && self.name == name
    }
}

/// Why a message could not be read; the text is for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn error(message: impl Into<String>) -> XmlError {
    XmlError(message.into())
}

/// Parses one XML document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Refused before the parser sees anything: a DTD is never needed for SOAP
    // (SOAP 1.1 §3 forbids it), and `<!ENTITY` can only be an attack.
    if contains_ignore_case(bytes, b"<!DOCTYPE") || contains_ignore_case(bytes, b"<!ENTITY") {
        return Err(error(
            "document type declarations and entity declarations are not accepted",
        ));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| error(format!("the message is not UTF-8 ({e})")))?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.trim_text(false);

    let mut open: Vec<Element> = Vec::new();
    let mut scopes = Scopes::default();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            error(format!(
                "the message is not well-formed XML at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Decl(declaration) => {
                if let Some(encoding) = declaration.encoding() {
                    let encoding = encoding.map_err(|e| error(format!("XML declaration: {e}")))?;
                    if !encoding.eq_ignore_ascii_case(b"utf-8")
                        && !encoding.eq_ignore_ascii_case(b"utf8")
                    {
                        return Err(error("only UTF-8 messages are accepted"));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(error("document type declarations are not accepted"));
            }
            Event::PI(_) | Event::Comment(_) => {}
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(error("the message has more than one root element"));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(error(format!(
                        "elements are nested deeper than {MAX_DEPTH} levels"
                    )));
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(error(format!(
                        "the message has more than {MAX_ELEMENTS} elements"
                    )));
                }
                open.push(scopes.open(start)?);
                // (Not produced with `expand_empty_elements`, but equivalent.)
                if matches!(event, Event::Empty(_)) {
                    close(&mut open, &mut scopes, &mut root)?;
                }
            }
            Event::End(_) => close(&mut open, &mut scopes, &mut root)?,
            Event::Text(content) => {
                let content = content
                    .xml10_content()
                    .map_err(|e| error(format!("text: {e}")))?;
                append_text(&mut open, &content)?;
            }
            Event::CData(content) => {
                let content = content.decode().map_err(|e| error(format!("CDATA: {e}")))?;
                append_text(&mut open, &content)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| error(format!("character reference: {e}")))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| error(format!("entity reference: {e}")))?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| {
                                error(format!(
                                    "the entity reference `&{name};` is not accepted (only &lt; &gt; &amp; &apos; &quot; and character references)"
                                ))
                            })?
                            .to_owned()
                    }
                };
                append_text(&mut open, &resolved)?;
            }
            Event::Eof => break,
        }
    }
    if !open.is_empty() {
        return Err(error("the message ends inside an element"));
    }
    root.ok_or_else(|| error("the message has no root element"))
}

fn close(
    open: &mut Vec<Element>,
    scopes: &mut Scopes,
    root: &mut Option<Element>,
) -> Result<(), XmlError> {
    scopes.close();
    let done = open
        .pop()
        .ok_or_else(|| error("an end tag without its start tag"))?;
    match open.last_mut() {
        Some(parent) => parent.children.push(done),
        None => *root = Some(done),
    }
    Ok(())
}

/// Text belongs to the innermost open element; outside the root only
/// whitespace may appear.
fn append_text(open: &mut [Element], text: &str) -> Result<(), XmlError> {
    match open.last_mut() {
        Some(element) => {
            element.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(error("text outside the root element")),
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The namespace declarations in force: one frame per open element.
#[derive(Default)]
struct Scopes {
    /// (prefix, namespace); the default namespace has the empty prefix.
    bindings: Vec<(String, String)>,
    frames: Vec<usize>,
}

impl Scopes {
    fn open(&mut self, start: &BytesStart<'_>) -> Result<Element, XmlError> {
        self.frames.push(self.bindings.len());
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| error(format!("attribute: {e}")))?;
            let key = std::str::from_utf8(attribute.key.as_ref())
                .map_err(|_| error("an attribute name is not UTF-8"))?
                .to_owned();
            let value = attribute
                .unescape_value()
                .map_err(|e| error(format!("attribute `{key}`: {e}")))?
                .into_owned();
            if key == "xmlns" {
                self.bindings.push((String::new(), value));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                self.bindings.push((prefix.to_owned(), value));
            } else {
                attributes.push((key, value));
            }
        }
        let qualified = std::str::from_utf8(start.name().as_ref())
            .map_err(|_| error("an element name is not UTF-8"))?
            .to_owned();
        let (prefix, name) = match qualified.split_once(':') {
            Some((prefix, name)) => (prefix.to_owned(), name.to_owned()),
            None => (String::new(), qualified.clone()),
        };
        let namespace = match self.lookup(&prefix) {
            Some(namespace) => Some(namespace),
            None if prefix.is_empty() => None,
            None => {
                return Err(error(format!(
                    "the prefix of <{qualified}> is not declared"
                )));
            }
        };
        let mut element = Element {
            namespace,
            name,
            ..Element::default()
        };
        for (key, value) in attributes {
            let (prefix, local) = match key.split_once(':') {
                Some((prefix, local)) => (Some(prefix), local),
                None => (None, key.as_str()),
            };
            // `xsi:nil`, and appendix 3.1's `i:nil` with `i` undeclared.
            let instance = prefix.is_some_and(|p| match self.lookup(p) {
                Some(namespace) => namespace == XSI,
                None => true,
            });
            if instance && local == "nil" {
                element.nil = matches!(value.trim(), "true" | "1");
            }
            element.attributes.push((local.to_owned(), value));
        }
        Ok(element)
    }

    fn close(&mut self) {
        if let Some(mark) = self.frames.pop() {
            self.bindings.truncate(mark);
        }
    }

    fn lookup(&self, prefix: &str) -> Option<String> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE.to_owned());
        }
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, namespace)| namespace.clone())
            // `xmlns=""` takes the default namespace away again.
            .filter(|namespace| !namespace.is_empty())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_namespaces_text_and_nil() {
        let root = parse(
            br#"<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="urn:s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <s:Body><Op xmlns="urn:t"><a>x &amp; &#x10D;<![CDATA[<y>]]></a><b xsi:nil="true"/><c i:nil="true"/><d xmlns="">e</d></Op></s:Body>
</s:Envelope>"#,
        )
        .unwrap();
        assert!(root.is("urn:s", "Envelope"));
        let op = &root.child("Body").unwrap().children[0];
        assert!(op.is("urn:t", "Op"));
        assert_eq!(op.child("A").unwrap().text, "x & č<y>");
        assert!(op.child("b").unwrap().nil);
        assert!(op.child("c").unwrap().nil);
        assert_eq!(op.child("d").unwrap().namespace, None);
    }

    #[test]
    fn refuses_dtds_entities_and_depth() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert!(parse(laughs).unwrap_err().0.contains("not accepted"));
        assert!(
            parse(b"<a>&custom;</a>")
                .unwrap_err()
                .0
                .contains("&custom;")
        );
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).unwrap_err().0.contains("deeper"));
        let fine = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(fine.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_broken_documents() {
        for broken in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"",
            b"<a/><b/>",
            b"text<a/>",
            b"<p:a/>",
            b"<a x='1' x='2'/>",
            b"<?xml version='1.0' encoding='iso-8859-1'?><a/>",
            b"<a>\xff</a>",
        ] {
            assert!(
                parse(broken).is_err(),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
    }
}
