//! The hardened XML reader behind the SOAP door. It reads a whole (size-limited)
//! message into a small element tree and refuses, before anything is decided:
//!
//! - any document type declaration (`<!DOCTYPE`) and any `<!ENTITY` — so no
//!   entity expansion ("billion laughs") and no external entities can happen;
//! - entity references other than XML's five predefined ones and character
//!   references;
//! - nesting deeper than [`MAX_DEPTH`] and more than [`MAX_ELEMENTS`] elements;
//! - more than [`MAX_ATTRIBUTES_PER_ELEMENT`] attributes on one element and more
//!   than [`MAX_ATTRIBUTES`] in the message (namespace declarations included);
//! - anything that is not UTF-8 (what every SOAP 1.1 client we serve sends).
//!
//! Namespaces are resolved here; an undeclared prefix on an *attribute* is
//! tolerated, because the originals' own example of a payment request (004,
//! appendix 3.1) writes `i:nil="true"` without declaring `i`.
//!
//! Reading is linear in the size of the message: quick-xml's duplicate-attribute
//! check compares each attribute with all earlier ones of its element, which
//! the per-element limit keeps to a constant, and a namespace prefix is looked
//! up in a map, not by walking every declaration in scope.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// The XML Schema instance namespace (`xsi:nil`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Deeper than any message of ours (a payment request is 6 levels inside the
/// envelope); deep enough for clients that wrap things oddly.
pub const MAX_DEPTH: usize = 64;
/// A payment request has a few dozen elements; lists of positions stay far below.
pub const MAX_ELEMENTS: usize = 10_000;
/// WCF writes three or four attributes on an element (namespace declarations,
/// `i:nil`); 64 leaves room for generous clients and keeps quick-xml's
/// duplicate check (quadratic in an element's attributes) at a constant cost.
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = 64;
/// All attributes of one message together, namespace declarations included.
pub const MAX_ATTRIBUTES: usize = 10_000;

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
                elements = elements.saturating_add(1);
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

/// The namespace declarations in force, and the attributes read so far.
#[derive(Default)]
struct Scopes {
    /// Per prefix (the default namespace has the empty prefix), the namespaces
    /// the open elements declared for it, innermost last: a look-up costs the
    /// same however many declarations are in scope.
    bindings: HashMap<String, Vec<String>>,
    /// Per open element, the prefixes it declared (undone when it closes).
    frames: Vec<Vec<String>>,
    /// Attributes in the message so far, namespace declarations included.
    attributes: usize,
}

impl Scopes {
    fn open(&mut self, start: &BytesStart<'_>) -> Result<Element, XmlError> {
        let mut declared = Vec::new();
        let mut attributes = Vec::new();
        // Counted before each is parsed, so a refused element costs at most
        // the limit's worth of quick-xml's duplicate checks.
        for (index, attribute) in start.attributes().enumerate() {
            if index >= MAX_ATTRIBUTES_PER_ELEMENT {
                return Err(error(format!(
                    "an element has more than {MAX_ATTRIBUTES_PER_ELEMENT} attributes"
                )));
            }
            self.attributes = self.attributes.saturating_add(1);
            if self.attributes > MAX_ATTRIBUTES {
                return Err(error(format!(
                    "the message has more than {MAX_ATTRIBUTES} attributes"
                )));
            }
            let attribute = attribute.map_err(|e| error(format!("attribute: {e}")))?;
            let key = std::str::from_utf8(attribute.key.as_ref())
                .map_err(|_| error("an attribute name is not UTF-8"))?
                .to_owned();
            let value = attribute
                .unescape_value()
                .map_err(|e| error(format!("attribute `{key}`: {e}")))?
                .into_owned();
            if key == "xmlns" {
                declared.push((String::new(), value));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                declared.push((prefix.to_owned(), value));
            } else {
                attributes.push((key, value));
            }
        }
        let mut frame = Vec::with_capacity(declared.len());
        for (prefix, namespace) in declared {
            self.bindings
                .entry(prefix.clone())
                .or_default()
                .push(namespace);
            frame.push(prefix);
        }
        self.frames.push(frame);
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
                    "the prefix of `<{qualified}>` is not declared"
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
        for prefix in self.frames.pop().unwrap_or_default() {
            if let Some(namespaces) = self.bindings.get_mut(&prefix) {
                namespaces.pop();
            }
        }
    }

    fn lookup(&self, prefix: &str) -> Option<String> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE.to_owned());
        }
        self.bindings
            .get(prefix)
            .and_then(|namespaces| namespaces.last())
            // `xmlns=""` takes the default namespace away again.
            .filter(|namespace| !namespace.is_empty())
            .cloned()
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
    fn limits_attributes_per_element_and_in_all() {
        let element = |count: usize| {
            let attributes: String = (0..count).map(|i| format!(" a{i}=\"{i}\"")).collect();
            format!("<e{attributes}/>")
        };
        let fine =
            parse(format!("<r>{}</r>", element(MAX_ATTRIBUTES_PER_ELEMENT)).as_bytes()).unwrap();
        assert_eq!(
            fine.children[0].attributes.len(),
            MAX_ATTRIBUTES_PER_ELEMENT
        );
        let message = parse(element(MAX_ATTRIBUTES_PER_ELEMENT + 1).as_bytes())
            .unwrap_err()
            .0;
        assert_eq!(message, "an element has more than 64 attributes");
        // Namespace declarations are attributes too.
        let declarations: String = (0..=MAX_ATTRIBUTES_PER_ELEMENT)
            .map(|i| format!(" xmlns:p{i}=\"urn:{i}\""))
            .collect();
        assert!(
            parse(format!("<e{declarations}/>").as_bytes())
                .unwrap_err()
                .0
                .contains("more than 64 attributes")
        );
        // The issue's bomb: 140,000 attributes on one element.
        let bomb = element(140_000);
        assert!(bomb.len() > 900_000);
        assert!(
            parse(bomb.as_bytes())
                .unwrap_err()
                .0
                .contains("more than 64")
        );
        // Many elements of 50 attributes each: the message's total is bounded.
        let many = format!("<r>{}</r>", element(50).repeat(MAX_ATTRIBUTES / 50 + 1));
        assert_eq!(
            parse(many.as_bytes()).unwrap_err().0,
            "the message has more than 10000 attributes"
        );
        let enough = format!("<r>{}</r>", element(50).repeat(MAX_ATTRIBUTES / 50));
        assert!(parse(enough.as_bytes()).is_ok());
    }

    #[test]
    fn namespace_scopes_end_with_their_element() {
        let root = parse(
            br#"<r xmlns="urn:d" xmlns:p="urn:outer"><p:a xmlns:p="urn:inner" xmlns="urn:d2"><b/></p:a><p:c/><e/><f xmlns=""><g/></f><h/></r>"#,
        )
        .unwrap();
        let namespace = |i: usize| root.children[i].namespace.as_deref();
        assert_eq!(root.namespace.as_deref(), Some("urn:d"));
        assert_eq!(namespace(0), Some("urn:inner"));
        assert_eq!(
            root.children[0].children[0].namespace.as_deref(),
            Some("urn:d2")
        );
        assert_eq!(namespace(1), Some("urn:outer"));
        assert_eq!(namespace(2), Some("urn:d"));
        assert_eq!(namespace(3), None);
        assert_eq!(root.children[3].children[0].namespace, None);
        assert_eq!(namespace(4), Some("urn:d"));
        // A prefix declared inside an element is gone after it.
        assert!(
            parse(br#"<r><a xmlns:q="urn:q"><q:b/></a><q:c/></r>"#)
                .unwrap_err()
                .0
                .contains("<q:c>")
        );
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
