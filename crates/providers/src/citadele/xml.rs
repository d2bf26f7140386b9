//! A hardened reader of the XML documents Citadele's Digi::Link exchanges,
//! into a tree that keeps what canonicalisation needs (prefixes, namespace
//! declarations as written, attributes, text). It refuses, before anything is
//! decided:
//!
//! - documents larger than [`MAX_BYTES`];
//! - any document type declaration and any `<!ENTITY` (no entity expansion,
//!   no external entities), and processing instructions;
//! - entity references other than XML's five and character references;
//! - nesting deeper than [`MAX_DEPTH`], more than [`MAX_ELEMENTS`] elements,
//!   more than [`MAX_ATTRIBUTES`] attributes (declarations included) on one
//!   element;
//! - anything that is not UTF-8, undeclared prefixes, duplicate attributes.
//!
//! Line ends are normalised as an XML 1.0 processor does (`\r\n` and `\r`
//! become `\n`) and attribute values are normalised (literal tabs and line
//! ends become spaces), so the canonical form is the one any conforming
//! processor computes.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

/// A Digi::Link message is a few KiB.
pub const MAX_BYTES: usize = 64 * 1024;
/// A PMTSTATRESP with its signature is 7 levels deep.
pub const MAX_DEPTH: usize = 32;
pub const MAX_ELEMENTS: usize = 1_000;
pub const MAX_ATTRIBUTES: usize = 16;

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// As written, with its prefix.
    pub name: String,
    pub local: String,
    pub namespace: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// As written, with its prefix.
    pub name: String,
    pub local: String,
    pub namespace: Option<String>,
    /// Namespace declarations as written: prefix (empty for the default
    /// namespace) and namespace name (empty for `xmlns=""`).
    pub declarations: Vec<(String, String)>,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.namespace.as_deref() == Some(namespace) && self.local == local
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The child elements with this namespace and local name.
    pub fn children_named<'a>(
        &'a self,
        namespace: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.is(namespace, local))
    }

    /// The only child with this name; `None` if there is none or more than one.
    pub fn only_child(&self, namespace: &str, local: &str) -> Option<&Element> {
        let mut found = self.elements().filter(|e| e.is(namespace, local));
        let first = found.next()?;
        if found.next().is_some() {
            return None;
        }
        Some(first)
    }

    /// The concatenated text of the element's own text nodes.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Every element of the subtree, this one first, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = vec![self];
        let mut index = 0;
        // Breadth-first is enough for counting and searching; the tree is
        // bounded by MAX_ELEMENTS.
        while let Some(element) = out.get(index).copied() {
            out.extend(element.elements());
            index = index.saturating_add(1);
        }
        out
    }
}

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

/// Parses one document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    if bytes.len() > MAX_BYTES {
        return Err(error(format!(
            "the document is larger than {MAX_BYTES} bytes"
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if contains_ignore_case(bytes, b"<!DOCTYPE") || contains_ignore_case(bytes, b"<!ENTITY") {
        return Err(error(
            "document type declarations and entity declarations are not accepted",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| error("the document is not UTF-8"))?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.trim_text(false);

    let mut open: Vec<Element> = Vec::new();
    // In-scope declarations, innermost last: (prefix, namespace).
    let mut scope: Vec<Vec<(String, String)>> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            error(format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Decl(declaration) => {
                if let Some(encoding) = declaration.encoding() {
                    let encoding = encoding.map_err(|e| error(format!("XML declaration: {e}")))?;
                    if !encoding.eq_ignore_ascii_case(b"utf-8") {
                        return Err(error("only UTF-8 documents are accepted"));
                    }
                }
            }
            Event::DocType(_) => return Err(error("document type declarations are not accepted")),
            Event::PI(_) => return Err(error("processing instructions are not accepted")),
            Event::Comment(_) => {}
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(error("more than one root element"));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(error(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                elements = elements.saturating_add(1);
                if elements > MAX_ELEMENTS {
                    return Err(error(format!("more than {MAX_ELEMENTS} elements")));
                }
                open.push(open_element(start, &mut scope)?);
                if matches!(event, Event::Empty(_)) {
                    close(&mut open, &mut scope, &mut root)?;
                }
            }
            Event::End(_) => close(&mut open, &mut scope, &mut root)?,
            Event::Text(content) => {
                let content = content
                    .xml10_content()
                    .map_err(|e| error(format!("text: {e}")))?;
                append_text(&mut open, &content)?;
            }
            Event::CData(content) => {
                let content = content
                    .xml10_content()
                    .map_err(|e| error(format!("CDATA: {e}")))?;
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
                            .ok_or_else(|| error("only XML's five entity references are accepted"))?
                            .to_owned()
                    }
                };
                append_text(&mut open, &resolved)?;
            }
            Event::Eof => break,
        }
    }
    if !open.is_empty() {
        return Err(error("the document ends inside an element"));
    }
    root.ok_or_else(|| error("the document has no root element"))
}

fn lookup(scope: &[Vec<(String, String)>], prefix: &str) -> Option<String> {
    if prefix == "xml" {
        return Some(XML_NAMESPACE.to_owned());
    }
    scope
        .iter()
        .rev()
        .flat_map(|frame| frame.iter().rev())
        .find(|(p, _)| p == prefix)
        .map(|(_, ns)| ns.clone())
}

fn split_name(qualified: &str) -> (&str, &str) {
    qualified.split_once(':').unwrap_or(("", qualified))
}

fn open_element(
    start: &BytesStart<'_>,
    scope: &mut Vec<Vec<(String, String)>>,
) -> Result<Element, XmlError> {
    let mut declarations = Vec::new();
    let mut raw_attributes = Vec::new();
    for (index, attribute) in start.attributes().with_checks(true).enumerate() {
        if index >= MAX_ATTRIBUTES {
            return Err(error(format!(
                "an element has more than {MAX_ATTRIBUTES} attributes"
            )));
        }
        let attribute = attribute.map_err(|e| error(format!("attribute: {e}")))?;
        let key = std::str::from_utf8(attribute.key.as_ref())
            .map_err(|_| error("an attribute name is not UTF-8"))?
            .to_owned();
        let raw = std::str::from_utf8(&attribute.value)
            .map_err(|_| error("an attribute value is not UTF-8"))?;
        let value = attribute_value(raw)?;
        if key == "xmlns" {
            declarations.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            if value.is_empty() {
                return Err(error("a prefix cannot be undeclared in XML 1.0"));
            }
            declarations.push((prefix.to_owned(), value));
        } else {
            raw_attributes.push((key, value));
        }
    }
    scope.push(declarations.clone());
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|_| error("an element name is not UTF-8"))?
        .to_owned();
    let (prefix, local) = split_name(&name);
    let namespace = match lookup(scope, prefix) {
        Some(ns) if ns.is_empty() => None,
        Some(ns) => Some(ns),
        None if prefix.is_empty() => None,
        None => return Err(error(format!("undeclared prefix `{prefix}`"))),
    };
    let local = local.to_owned();
    let mut attributes = Vec::with_capacity(raw_attributes.len());
    for (key, value) in raw_attributes {
        let (prefix, attribute_local) = split_name(&key);
        let attribute_namespace = if prefix.is_empty() {
            None
        } else {
            Some(
                lookup(scope, prefix)
                    .ok_or_else(|| error(format!("undeclared prefix `{prefix}`")))?,
            )
        };
        if attributes
            .iter()
            .any(|a: &Attribute| a.local == attribute_local && a.namespace == attribute_namespace)
        {
            return Err(error("an attribute is repeated"));
        }
        attributes.push(Attribute {
            local: attribute_local.to_owned(),
            namespace: attribute_namespace,
            name: key,
            value,
        });
    }
    Ok(Element {
        name,
        local,
        namespace,
        declarations,
        attributes,
        children: Vec::new(),
    })
}

/// An attribute value as an XML processor reports it (no DTD, so every
/// attribute is CDATA): references resolved, literal tabs and line ends
/// replaced by spaces (`\r\n` counting as one).
fn attribute_value(raw: &str) -> Result<String, XmlError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        match c {
            '&' => {
                let end = rest
                    .find(';')
                    .ok_or_else(|| error("an unterminated reference in an attribute"))?;
                let name = rest.get(1..end).unwrap_or_default();
                out.push(resolve_reference(name)?);
                rest = rest.get(end.saturating_add(1)..).unwrap_or_default();
                continue;
            }
            '<' => return Err(error("`<` in an attribute value")),
            '\r' => {
                out.push(' ');
                if rest.starts_with("\r\n") {
                    rest = rest.get(2..).unwrap_or_default();
                    continue;
                }
            }
            '\n' | '\t' => out.push(' '),
            other => out.push(other),
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    Ok(out)
}

fn resolve_reference(name: &str) -> Result<char, XmlError> {
    let code = if let Some(hex) = name.strip_prefix("#x") {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(decimal) = name.strip_prefix('#') {
        decimal.parse::<u32>().ok()
    } else {
        return resolve_predefined_entity(name)
            .and_then(|s| s.chars().next())
            .ok_or_else(|| error("only XML's five entity references are accepted"));
    };
    code.and_then(char::from_u32)
        .filter(|c| !matches!(c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F'))
        .ok_or_else(|| error("a character reference to no XML character"))
}

fn close(
    open: &mut Vec<Element>,
    scope: &mut Vec<Vec<(String, String)>>,
    root: &mut Option<Element>,
) -> Result<(), XmlError> {
    scope.pop();
    let done = open
        .pop()
        .ok_or_else(|| error("an end tag without its start tag"))?;
    match open.last_mut() {
        Some(parent) => parent.children.push(Node::Element(done)),
        None => *root = Some(done),
    }
    Ok(())
}

fn append_text(open: &mut [Element], text: &str) -> Result<(), XmlError> {
    match open.last_mut() {
        Some(element) => {
            if let Some(Node::Text(last)) = element.children.last_mut() {
                last.push_str(text);
            } else {
                element.children.push(Node::Text(text.to_owned()));
            }
            Ok(())
        }
        None if text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) => Ok(()),
        None => Err(error("text outside the root element")),
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Text escaped for element content (what the builders of messages write).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_names_namespaces_text_and_attributes() {
        let root = parse(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<a xmlns=\"urn:a\" xmlns:p=\"urn:p\" p:x=\"1&#9;\r\n2\"><p:b>t&amp;\r\nu<![CDATA[<c>]]></p:b></a>",
        )
        .unwrap();
        assert_eq!(root.namespace.as_deref(), Some("urn:a"));
        assert_eq!(root.attributes[0].value, "1\t 2");
        assert_eq!(root.attributes[0].namespace.as_deref(), Some("urn:p"));
        let b = root.only_child("urn:p", "b").unwrap();
        assert_eq!(b.text(), "t&\nu<c>");
    }

    #[test]
    fn refuses_dtds_entities_instructions_and_deep_or_large_documents() {
        for bad in [
            &b"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"[..],
            b"<a>&x;</a>",
            b"<?xml-stylesheet href=\"x\"?><a/>",
            b"<a><p:b/></a>",
            b"<a x=\"1\" x=\"2\"/>",
            b"<a/><b/>",
            b"text<a/>",
            b"<a>",
            b"<a>\xff</a>",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
        let wide = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(parse(wide.as_bytes()).is_err());
        let large = format!("<a>{}</a>", "x".repeat(MAX_BYTES));
        assert!(parse(large.as_bytes()).is_err());
    }
}
