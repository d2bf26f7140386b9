//! Canonical XML 1.0 without comments
//! (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`), the canonicalisation
//! Digi::Link's signatures use, over the trees of [`super::xml`]: of a whole
//! document less one element (the enveloped-signature transform), and of one
//! element's subtree with the namespaces it inherits (`SignedInfo`).
//!
//! What the reader already did: line ends and attribute values normalised,
//! references resolved, comments dropped, no DTD (so no default attributes).
//! What is done here: empty elements as start and end tags; namespace
//! declarations sorted (the default first), and left out where the output
//! parent already has the same one; attributes sorted by namespace name and
//! local name; the fixed escapes of text (`&amp; &lt; &gt; &#xD;`) and of
//! attribute values (`&amp; &lt; &quot; &#x9; &#xA; &#xD;`). `xml:`
//! attributes are not inherited into a subtree: the verifier refuses
//! documents that carry any.
//!
//! [`exclusive`] is Exclusive XML Canonicalization 1.0 without comments
//! (`http://www.w3.org/2001/10/xml-exc-c14n#`, no `InclusiveNamespaces`
//! prefix list), which SAML tokens sign with: a subtree does not carry the
//! declarations it merely inherits, only those its elements and attributes
//! visibly use, so the token's canonical form does not change when it is
//! wrapped in another document.

use super::xml::{Element, Node};
use std::collections::BTreeMap;

type Namespaces = BTreeMap<String, String>;

/// The canonical form of the document whose root is `root`, leaving out the
/// element `exclude` (found by identity) with everything inside it.
pub fn document(root: &Element, exclude: Option<&Element>) -> String {
    let mut out = String::new();
    render(
        root,
        &Namespaces::new(),
        &Namespaces::new(),
        exclude,
        &mut out,
    );
    out
}

/// The canonical form of the subtree of `target`, an element inside `root`
/// (found by identity), with the namespaces in scope there.
pub fn subtree(root: &Element, target: &Element) -> Option<String> {
    let path = path_to(root, target)?;
    let mut in_scope = Namespaces::new();
    for ancestor in &path {
        in_scope = scope_of(ancestor, &in_scope);
    }
    let mut out = String::new();
    render(target, &in_scope, &Namespaces::new(), None, &mut out);
    Some(out)
}

/// The ancestors of `target` from `root`, without `target`.
fn path_to<'a>(root: &'a Element, target: &Element) -> Option<Vec<&'a Element>> {
    if std::ptr::eq(root, target) {
        return Some(Vec::new());
    }
    for child in root.elements() {
        if let Some(mut path) = path_to(child, target) {
            path.insert(0, root);
            return Some(path);
        }
    }
    None
}

/// The namespaces in scope at `element`: its parent's, changed by its own
/// declarations (`xmlns=""` removes the default namespace).
fn scope_of(element: &Element, parent: &Namespaces) -> Namespaces {
    let mut scope = parent.clone();
    for (prefix, namespace) in &element.declarations {
        if namespace.is_empty() {
            scope.remove(prefix);
        } else {
            scope.insert(prefix.clone(), namespace.clone());
        }
    }
    scope
}

fn render(
    element: &Element,
    parent_scope: &Namespaces,
    rendered: &Namespaces,
    exclude: Option<&Element>,
    out: &mut String,
) {
    let scope = scope_of(element, parent_scope);
    out.push('<');
    out.push_str(&element.name);
    // BTreeMap order: "" (the default namespace) first, then prefixes.
    if !scope.contains_key("") && rendered.get("").is_some_and(|ns| !ns.is_empty()) {
        out.push_str(" xmlns=\"\"");
    }
    for (prefix, namespace) in &scope {
        if rendered.get(prefix) == Some(namespace) {
            continue;
        }
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape_attribute(namespace, out);
        out.push('"');
    }
    write_attributes(element, out);
    out.push('>');
    for child in &element.children {
        match child {
            Node::Text(text) => escape_text(text, out),
            Node::Element(e) => {
                if exclude.is_some_and(|x| std::ptr::eq(x, e)) {
                    continue;
                }
                render(e, &scope, &scope, exclude, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

/// The exclusive canonical form (without comments, no prefix list) of the
/// subtree of `element`, leaving out `exclude` (found by identity) with
/// everything inside it. Needs no ancestors: exclusive canonicalisation
/// writes on each element only the namespaces it visibly uses, which the
/// reader resolved already.
pub fn exclusive(element: &Element, exclude: Option<&Element>) -> String {
    let mut out = String::new();
    render_exclusive(element, &Namespaces::new(), exclude, &mut out);
    out
}

fn render_exclusive(
    element: &Element,
    rendered: &Namespaces,
    exclude: Option<&Element>,
    out: &mut String,
) {
    // The namespaces this element visibly uses: its own name's prefix (the
    // default namespace when unprefixed, possibly none) and its prefixed
    // attributes' ones; `xml:` is never declared.
    let mut used = Namespaces::new();
    let (prefix, _) = element.name.split_once(':').unwrap_or(("", ""));
    used.insert(
        prefix.to_owned(),
        element.namespace.clone().unwrap_or_default(),
    );
    for attribute in &element.attributes {
        if let Some((prefix, _)) = attribute.name.split_once(':')
            && prefix != "xml"
        {
            used.insert(
                prefix.to_owned(),
                attribute.namespace.clone().unwrap_or_default(),
            );
        }
    }
    let mut now_rendered = rendered.clone();
    out.push('<');
    out.push_str(&element.name);
    // BTreeMap order: "" (the default namespace) first, then prefixes.
    for (prefix, namespace) in &used {
        let in_effect = if prefix.is_empty() {
            // No default namespace is the empty one: `xmlns=""` is written
            // only to undo a default written above.
            rendered.get(prefix).map(String::as_str).unwrap_or("") == namespace
        } else {
            rendered.get(prefix) == Some(namespace)
        };
        if in_effect {
            continue;
        }
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape_attribute(namespace, out);
        out.push('"');
        now_rendered.insert(prefix.clone(), namespace.clone());
    }
    write_attributes(element, out);
    out.push('>');
    for child in &element.children {
        match child {
            Node::Text(text) => escape_text(text, out),
            Node::Element(e) => {
                if exclude.is_some_and(|x| std::ptr::eq(x, e)) {
                    continue;
                }
                render_exclusive(e, &now_rendered, exclude, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

fn write_attributes(element: &Element, out: &mut String) {
    let mut attributes: Vec<_> = element.attributes.iter().collect();
    attributes.sort_by(|a, b| {
        (a.namespace.as_deref().unwrap_or(""), a.local.as_str())
            .cmp(&(b.namespace.as_deref().unwrap_or(""), b.local.as_str()))
    });
    for attribute in attributes {
        out.push(' ');
        out.push_str(&attribute.name);
        out.push_str("=\"");
        escape_attribute(&attribute.value, out);
        out.push('"');
    }
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            other => out.push(other),
        }
    }
}

fn escape_attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::xml::parse;
    use super::*;
    use std::io::Write;

    const SAMPLE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!-- a comment -->\n\
<r:FIDAVISTA xmlns:r=\"urn:root\" xmlns=\"urn:d\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
z=\"&quot;a&#9;b&#10;c&#13;&lt;&amp;&gt;\" a=\"1\" xsi:schemaLocation=\"urn:d d.xsd\">\r\n\
  <Header x='2' >T&amp;&lt;&gt;&#13;ē\r\n<![CDATA[<cdata> & ]]></Header>\n\
  <Amai xmlns=\"urn:amai\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><e/><e xmlns=\"\"><f xmlns=\"urn:f\"/></e></Amai>\n\
  <Sig xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><Info a=\"b\"><M/></Info><!-- c --></Sig>\n\
</r:FIDAVISTA>\n";

    fn xmllint(args: &[&str], input: &str) -> Option<Vec<u8>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.xml");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = std::process::Command::new("xmllint")
            .args(args)
            .arg(&path)
            .output()
            .ok()?;
        assert!(output.status.success(), "{output:?}");
        Some(output.stdout)
    }

    #[test]
    fn the_whole_document_is_what_xmllint_writes() {
        let root = parse(SAMPLE.as_bytes()).unwrap();
        let ours = document(&root, None);
        // xmllint's --c14n keeps comments; ours (without comments) drops
        // them, so it is compared on the sample less its comments.
        let without_comments = SAMPLE
            .replace("<!-- a comment -->\n", "")
            .replace("<!-- c -->", "");
        assert_eq!(
            document(&parse(without_comments.as_bytes()).unwrap(), None),
            ours
        );
        // A known answer never skips (CI installs libxml2-utils: .ci/run).
        let theirs = xmllint(&["--c14n"], &without_comments)
            .expect("xmllint is needed for this known answer (apt-get install libxml2-utils)");
        assert_eq!(ours, String::from_utf8(theirs).unwrap());
    }

    #[test]
    fn a_subtree_carries_the_namespaces_it_inherits() {
        let root = parse(SAMPLE.as_bytes()).unwrap();
        let sig = root.elements().find(|e| e.local == "Sig").unwrap();
        let info = sig.elements().next().unwrap();
        // Computed by hand from the C14N 1.0 rules: every namespace in scope
        // is written on the apex, sorted, the default first. (xmlsec1's
        // signatures verifying in dsig.rs check the same against libxml2.)
        assert_eq!(
            subtree(&root, info).unwrap(),
            "<Info xmlns=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:r=\"urn:root\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" a=\"b\"><M></M></Info>"
        );
    }

    #[test]
    fn the_exclusive_form_of_a_subtree_is_what_xmllint_writes() {
        let root = parse(SAMPLE.as_bytes()).unwrap();
        // The whole document less its comments, as xmllint's --exc-c14n.
        let without_comments = SAMPLE
            .replace("<!-- a comment -->\n", "")
            .replace("<!-- c -->", "");
        let theirs = xmllint(&["--exc-c14n"], &without_comments)
            .expect("xmllint is needed for this known answer (apt-get install libxml2-utils)");
        let root_without = parse(without_comments.as_bytes()).unwrap();
        assert_eq!(
            exclusive(&root_without, None),
            String::from_utf8(theirs).unwrap()
        );
        // A subtree leaves out what it only inherits (`r`, `xsi`), unlike
        // the inclusive form; `xmlns=""` only undoes a default written above.
        let amai = root.elements().find(|e| e.local == "Amai").unwrap();
        assert_eq!(
            exclusive(amai, None),
            "<Amai xmlns=\"urn:amai\"><e></e><e xmlns=\"\"><f xmlns=\"urn:f\"></f></e></Amai>"
        );
        let nested =
            parse(b"<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><b q:x=\"1\"><p:c/></b></p:a>")
                .unwrap();
        let b = nested.elements().next().unwrap();
        assert_eq!(
            exclusive(b, None),
            "<b xmlns:q=\"urn:q\" q:x=\"1\"><p:c xmlns:p=\"urn:p\"></p:c></b>"
        );
        assert_eq!(exclusive(&nested, Some(b)), "<p:a xmlns:p=\"urn:p\"></p:a>");
    }

    #[test]
    fn an_excluded_element_leaves_its_surroundings() {
        let root = parse(b"<a xmlns=\"urn:a\">x<b><c/></b>y</a>").unwrap();
        let b = root.elements().next().unwrap();
        assert_eq!(document(&root, Some(b)), "<a xmlns=\"urn:a\">xy</a>");
    }
}
