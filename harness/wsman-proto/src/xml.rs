//! A small namespace-resolved XML tree, read with quick-xml's `NsReader` and
//! written with quick-xml's `Writer`.
//!
//! Every envelope goes through this tree: the reader resolves each element
//! and attribute to a (namespace URI, local name) pair, so prefixes never
//! matter after decoding; the writer picks prefixes (see
//! [`ns::preferred_prefix`]) and declares them where needed.
//!
//! The reader is hardened for untrusted input: a document type declaration
//! is refused, no entity other than the five predefined ones and character
//! references is expanded, and depth, element count, attribute count and
//! namespace declarations are bounded ([`Limits`]). Memory is therefore
//! bounded by the input size times a small constant.

use std::borrow::Cow;
use std::io::Write;

use quick_xml::events::attributes::Attribute as QAttribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::{Namespace, QName, ResolveResult};
use quick_xml::{NsReader, Writer};

use crate::ns;

/// An XML element with its namespace resolved.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element {
    /// Namespace URI, `None` when the element is in no namespace. The
    /// protocol's own namespaces are borrowed ([`ns::intern`]), not copied.
    pub ns: Option<Cow<'static, str>>,
    /// Local name.
    pub name: String,
    /// Attributes other than namespace declarations, in document order.
    pub attrs: Vec<Attribute>,
    /// Child nodes. Whitespace-only text between elements is not kept.
    pub children: Vec<Node>,
}

/// An attribute with its namespace resolved (unprefixed attributes have none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Namespace URI; `None` for unprefixed attributes ([`ns::intern`]ed like an element's).
    pub ns: Option<Cow<'static, str>>,
    /// Local name.
    pub name: String,
    /// Unescaped value.
    pub value: String,
}

/// A child node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Unescaped character data (CDATA sections are folded in).
    Text(String),
}

impl Element {
    /// A new empty element.
    pub fn new(ns: Option<&str>, name: &str) -> Self {
        Element { ns: ns.map(ns::intern), name: name.to_owned(), attrs: Vec::new(), children: Vec::new() }
    }

    /// A new element in namespace `ns`.
    pub fn ns(ns: &str, name: &str) -> Self {
        Self::new(Some(ns), name)
    }

    /// Builder: adds an attribute.
    pub fn with_attr(mut self, ns: Option<&str>, name: &str, value: impl Into<String>) -> Self {
        self.set_attr(ns, name, value);
        self
    }

    /// Builder: adds a text child.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// Builder: adds a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Adds a child element.
    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Sets (or replaces) an attribute.
    pub fn set_attr(&mut self, ns: Option<&str>, name: &str, value: impl Into<String>) {
        let value = value.into();
        if let Some(a) = self.attrs.iter_mut().find(|a| a.ns.as_deref() == ns && a.name == name) {
            a.value = value;
        } else {
            self.attrs.push(Attribute { ns: ns.map(ns::intern), name: name.to_owned(), value });
        }
    }

    /// True when the element has this namespace and local name.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.name == name
    }

    /// The value of an attribute.
    pub fn attr(&self, ns: Option<&str>, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.ns.as_deref() == ns && a.name == name).map(|a| a.value.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this namespace and name.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, name))
    }

    /// The first child element with this namespace and name, mutably.
    pub fn child_mut(&mut self, ns: &str, name: &str) -> Option<&mut Element> {
        self.children.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.is(ns, name) => Some(e),
            _ => None,
        })
    }

    /// All child elements with this namespace and name.
    pub fn children_named<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, name))
    }

    /// The concatenated text of the direct text children.
    pub fn text(&self) -> Cow<'_, str> {
        let mut texts = self.children.iter().filter_map(|n| match n {
            Node::Text(t) => Some(t.as_str()),
            Node::Element(_) => None,
        });
        match (texts.next(), texts.next()) {
            (None, _) => Cow::Borrowed(""),
            (Some(t), None) => Cow::Borrowed(t),
            (Some(a), Some(b)) => {
                let mut s = String::from(a);
                s.push_str(b);
                texts.for_each(|t| s.push_str(t));
                Cow::Owned(s)
            }
        }
    }

    /// The text of a child element, trimmed.
    pub fn child_text(&self, ns: &str, name: &str) -> Option<String> {
        self.child(ns, name).map(|c| c.text().trim().to_owned())
    }

    /// Number of elements in this subtree, this one included.
    pub fn count_elements(&self) -> usize {
        1 + self.elements().map(Element::count_elements).sum::<usize>()
    }
}

/// Bounds applied while reading untrusted XML.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum element nesting depth.
    pub max_depth: usize,
    /// Maximum number of elements in the document.
    pub max_elements: usize,
    /// Maximum number of attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 64, max_elements: 50_000, max_attributes: 64 }
    }
}

/// Why a document could not be read as XML.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The bytes are not XML (quick-xml syntax or well-formedness error).
    #[error("malformed XML at byte {position}: {message}")]
    Syntax {
        /// Byte offset in the (UTF-8) document.
        position: u64,
        /// What the parser reported.
        message: String,
    },
    /// The document declares a DTD; DTDs are never processed.
    #[error("document type declarations are not allowed")]
    Dtd,
    /// An entity other than the predefined ones was referenced.
    #[error("undeclared entity &{0};")]
    UnknownEntity(String),
    /// A prefix was used without a declaration in scope.
    #[error("unbound namespace prefix {0:?}")]
    UnboundPrefix(String),
    /// The bytes are not valid UTF-8 or UTF-16.
    #[error("invalid character encoding: {0}")]
    Encoding(String),
    /// Nesting deeper than the limit.
    #[error("elements nested deeper than {0}")]
    TooDeep(usize),
    /// More elements than the limit.
    #[error("more than {0} elements")]
    TooManyElements(usize),
    /// More attributes on one element than the limit.
    #[error("more than {0} attributes on one element")]
    TooManyAttributes(usize),
    /// No root element, or content after it.
    #[error("expected exactly one root element")]
    NoRoot,
}

/// Finds the `wsa:MessageID` of a document that could not be decoded, so the
/// fault can still carry RelatesTo. Reads events without building a tree and
/// without processing a DTD; stops at the first syntax error or at the end.
pub fn salvage_message_id(bytes: &[u8]) -> Option<String> {
    let text = decode_text(bytes).ok()?;
    let mut reader = NsReader::from_str(&text);
    let mut inside = false;
    let mut value = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let (res, local) = reader.resolver().resolve_element(start.name());
                inside = matches!(res, ResolveResult::Bound(Namespace(n)) if n == ns::WSA) && local.as_ref() == "MessageID";
            }
            Event::Text(t) if inside => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if inside => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    value.push(c);
                }
            }
            Event::End(_) if inside => {
                let v = value.trim();
                return (!v.is_empty()).then(|| v.to_owned());
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Converts the raw request bytes to UTF-8 text.
///
/// UTF-8 (with or without BOM) and UTF-16 LE/BE with a BOM are accepted, as
/// Windows accepts both. The XML declaration's `encoding` is not trusted: the
/// BOM decides.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    let utf16 = |be: bool| -> Result<Cow<'_, str>, XmlError> {
        let body = &bytes[2..];
        if !body.len().is_multiple_of(2) {
            return Err(XmlError::Encoding("odd number of bytes in UTF-16 text".into()));
        }
        let units = body.chunks_exact(2).map(|c| if be { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) });
        char::decode_utf16(units).collect::<Result<String, _>>().map(Cow::Owned).map_err(|e| XmlError::Encoding(e.to_string()))
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|e| XmlError::Encoding(e.to_string())),
        _ => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| XmlError::Encoding(e.to_string())),
    }
}

/// Reads a whole document (bytes in UTF-8 or UTF-16 with BOM) into its root element.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Element, XmlError> {
    let text = decode_text(bytes)?;
    parse_str(&text, limits)
}

fn ns_of(r: &ResolveResult<'_>) -> Result<Option<Cow<'static, str>>, XmlError> {
    match r {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(Namespace(n)) => Ok(Some(ns::intern(n))),
        ResolveResult::Unknown(p) => Err(XmlError::UnboundPrefix(p.clone())),
    }
}

fn syntax(reader: &NsReader<&[u8]>, e: impl std::fmt::Display) -> XmlError {
    XmlError::Syntax { position: reader.error_position(), message: e.to_string() }
}

/// Reads a UTF-8 document into its root element.
pub fn parse_str(text: &str, limits: &Limits) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(text);
    {
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
    }
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, e))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let (resolved, _) = reader.resolver().resolve_element(start.name());
                let empty = matches!(event, Event::Empty(_));
                if root.is_some() {
                    return Err(XmlError::NoRoot);
                }
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if stack.len() + 1 > limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                let ns = ns_of(&resolved)?;
                let name = start.local_name().as_ref().to_owned();
                let mut el = Element { ns, name, attrs: Vec::new(), children: Vec::new() };
                let mut count = 0usize;
                for attr in start.attributes() {
                    let attr: QAttribute<'_> = attr.map_err(|e| syntax(&reader, e))?;
                    count += 1;
                    if count > limits.max_attributes {
                        return Err(XmlError::TooManyAttributes(limits.max_attributes));
                    }
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (res, local) = reader.resolver().resolve_attribute(attr.key);
                    let ans = ns_of(&res)?;
                    let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| match e {
                        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => XmlError::UnknownEntity(name),
                        other => syntax(&reader, other),
                    })?;
                    el.attrs.push(Attribute { ns: ans, name: local.as_ref().to_owned(), value: value.into_owned() });
                }
                if empty {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or(XmlError::NoRoot)?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                push_text(&mut stack, &t)?;
                resolve_qname_text(&reader, &mut stack);
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    let s: &str = &c;
                    append_text(top, s);
                } else {
                    return Err(XmlError::NoRoot);
                }
            }
            Event::GeneralRef(r) => {
                let ch: String = match r.resolve_char_ref().map_err(|e| syntax(&reader, e))? {
                    Some(c) => c.to_string(),
                    None => match &*r {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => return Err(XmlError::UnknownEntity(other.to_owned())),
                    },
                };
                match stack.last_mut() {
                    Some(top) => append_text(top, &ch),
                    None => return Err(XmlError::NoRoot),
                }
            }
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Syntax { position: text.len() as u64, message: "unclosed element at end of document".into() });
    }
    let mut root = root.ok_or(XmlError::NoRoot)?;
    drop_whitespace(&mut root);
    Ok(root)
}

/// SOAP fault codes are QName-valued text (`w:InvalidSelectors`). The tree does
/// not keep namespace declarations, so the reader resolves such text while the
/// bindings are in scope and records the result as an attribute in
/// [`crate::envelope::RESOLVED_NS`] (which the writer never emits).
fn resolve_qname_text(reader: &NsReader<&[u8]>, stack: &mut [Element]) {
    let Some(top) = stack.last_mut() else { return };
    if !top.is(ns::SOAP, "Value") {
        return;
    }
    let text = top.text().trim().to_owned();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return;
    }
    let (res, local) = reader.resolver().resolve_element(QName(text.as_str()));
    if let ResolveResult::Bound(Namespace(n)) = res {
        let v = format!("{{{}}}{}", n, local.as_ref());
        top.set_attr(Some(crate::envelope::RESOLVED_NS), "qname", v);
    }
}

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn append_text(top: &mut Element, s: &str) {
    if let Some(Node::Text(prev)) = top.children.last_mut() {
        prev.push_str(s);
    } else {
        top.children.push(Node::Text(s.to_owned()));
    }
}

fn push_text(stack: &mut [Element], t: &BytesText<'_>) -> Result<(), XmlError> {
    let content = t.xml10_content();
    match stack.last_mut() {
        Some(top) => {
            append_text(top, &content);
            Ok(())
        }
        // Whitespace around the root element is allowed; anything else is not.
        None if content.trim().is_empty() => Ok(()),
        None => Err(XmlError::NoRoot),
    }
}

/// Removes whitespace-only text nodes from elements that have element children
/// (indentation), keeping the text of leaf elements as it is.
fn drop_whitespace(el: &mut Element) {
    let has_elements = el.children.iter().any(|n| matches!(n, Node::Element(_)));
    if has_elements {
        el.children.retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
    }
    for n in &mut el.children {
        if let Node::Element(c) = n {
            drop_whitespace(c);
        }
    }
}

/// Serializes an element tree as a UTF-8 document with an XML declaration.
pub fn to_bytes(root: &Element) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    write_document(root, &mut out);
    out
}

/// Serializes an element tree into `out`, with an XML declaration.
pub fn write_document(root: &Element, out: &mut Vec<u8>) {
    let mut writer = Writer::new(out);
    // Writing into a Vec cannot fail.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let mut scope = Scope::default();
    // Fault codes are QName text: their prefixes must be declared even if no
    // element uses them, so an envelope declares the protocol prefixes up front.
    let pre: &[&str] = if root.is(ns::SOAP, "Envelope") { crate::envelope::ENVELOPE_PREFIXES } else { &[] };
    write_element(&mut writer, root, &mut scope, pre, &mut Scratch::default());
}

/// Serializes an element without an XML declaration (for fragments and tests).
pub fn fragment_to_string(el: &Element) -> String {
    let mut out = Vec::new();
    let mut writer = Writer::new(&mut out);
    let mut scope = Scope::default();
    write_element(&mut writer, el, &mut scope, &[], &mut Scratch::default());
    String::from_utf8(out).unwrap_or_default()
}

/// Pseudo-namespace of the placeholders [`write_document_with`] replaces with
/// an [`EncodedElement`] (see [`EncodedElement::placeholder`]). Never written.
pub const ENCODED_NS: &str = "urn:wsman-harness:encoded";

/// An element serialized once, to be written many times: the bytes the
/// writer produces for it where the namespace bindings `scope` are in
/// scope, and the element itself for any other position.
///
/// A server answering the same instances again and again (every optimized
/// Enumerate of a class that has not changed) keeps these instead of
/// rebuilding and re-serializing each item per request. The output is the
/// same bytes either way: [`write_document_with`] copies the bytes only
/// where the bindings in scope are exactly the ones they were written under,
/// and writes the element otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedElement {
    element: Element,
    scope: Vec<(String, String)>,
    bytes: Vec<u8>,
}

impl EncodedElement {
    /// Serializes `element` as the writer does inside an element where the
    /// (prefix, namespace) bindings of `scope`, outermost first, are in scope.
    pub fn new(element: Element, scope: &[(&str, &str)]) -> EncodedElement {
        let mut bytes = Vec::new();
        {
            let mut writer = Writer::new(&mut bytes);
            let mut sc = Scope { bindings: scope.iter().map(|(p, n)| (Cow::Borrowed(*p), *n)).collect() };
            write_element(&mut writer, &element, &mut sc, &[], &mut Scratch::default());
        }
        EncodedElement { element, scope: scope.iter().map(|(p, n)| ((*p).to_owned(), (*n).to_owned())).collect(), bytes }
    }

    /// The element.
    pub fn element(&self) -> &Element {
        &self.element
    }

    /// Its serialization under the scope it was made for.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The element standing for the `index`-th encoded element passed to
    /// [`write_document_with`] (an element in [`ENCODED_NS`]). Anywhere else
    /// it is just an element.
    pub fn placeholder(index: usize) -> Element {
        Element::ns(ENCODED_NS, "Encoded").with_attr(None, "index", index.to_string())
    }

    fn fits(&self, scope: &Scope<'_>) -> bool {
        self.scope.len() == scope.bindings.len() && self.scope.iter().zip(&scope.bindings).all(|((p, n), (q, m))| p == q && n == m)
    }
}

/// Serializes like [`write_document`], writing each placeholder
/// ([`EncodedElement::placeholder`]) as the encoded element it names: its
/// bytes where the bindings in scope are the ones they were made under, else
/// the element. A placeholder naming no entry of `encoded` is left out.
pub fn write_document_with(root: &Element, out: &mut Vec<u8>, encoded: &[std::sync::Arc<EncodedElement>]) {
    let mut writer = Writer::new(out);
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let mut scope = Scope::default();
    let pre: &[&str] = if root.is(ns::SOAP, "Envelope") { crate::envelope::ENVELOPE_PREFIXES } else { &[] };
    write_element(&mut writer, root, &mut scope, pre, &mut Scratch { encoded, ..Scratch::default() });
}

/// What [`indent`] does with text content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndentText {
    /// Trimmed (canonical forms for snapshots: whitespace around values is noise).
    Trim,
    /// As written (output for people: a value's own spaces are content).
    Keep,
}

/// Re-indents serialized XML for reading: two spaces a level, each text on its
/// element's line, whitespace-only text between elements dropped. Malformed
/// input is indented up to the first error.
pub fn indent(flat: &[u8], text_mode: IndentText) -> String {
    let mut reader = quick_xml::Reader::from_reader(flat);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut buf = Vec::new();
    // Text arrives in pieces split at entity references: gather it (escaped)
    // and write it as one text node before the next markup.
    let mut text = String::new();
    let flush = |text: &mut String, writer: &mut Writer<Vec<u8>>| {
        let joined = std::mem::take(text);
        if joined.trim().is_empty() {
            return true;
        }
        let joined = if text_mode == IndentText::Trim { joined.trim().to_owned() } else { joined };
        writer.write_event(Event::Text(BytesText::from_escaped(joined))).is_ok()
    };
    // Bounded by the input: every event consumes bytes.
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Text(t)) => text.push_str(&t.into_inner()),
            Ok(Event::GeneralRef(r)) => {
                text.push('&');
                text.push_str(&r.into_inner());
                text.push(';');
            }
            Ok(Event::Eof) | Err(_) => {
                flush(&mut text, &mut writer);
                break;
            }
            Ok(e) => {
                if !flush(&mut text, &mut writer) || writer.write_event(e).is_err() {
                    break;
                }
            }
        }
        buf.clear();
    }
    let mut s = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    s.push('\n');
    s
}

/// Prefix bindings in scope while writing: a stack of (prefix, namespace),
/// borrowed from the tree being written (or from the namespace table) so
/// that writing allocates only where the writer invents a prefix (`p1`).
#[derive(Default)]
struct Scope<'a> {
    bindings: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> Scope<'a> {
    fn prefix_for(&self, ns: &str) -> Option<&Cow<'a, str>> {
        // The innermost binding of a prefix wins; a prefix is usable for `ns`
        // only if its innermost binding is `ns`.
        for (i, (p, n)) in self.bindings.iter().enumerate().rev() {
            if *n == ns && !self.bindings[i + 1..].iter().any(|(q, _)| q == p) {
                return Some(p);
            }
        }
        None
    }

    fn is_bound(&self, prefix: &str) -> bool {
        self.bindings.iter().any(|(p, _)| p == prefix)
    }

    /// Chooses a prefix to declare for `ns`: the preferred one, or `p`, then `p1`, `p2`...
    /// Rebinding a prefix already in scope is avoided unless the namespace is
    /// not one of the well-known ones (then `p` may shadow an outer `p`).
    fn fresh_prefix(&self, ns: &str, taken_here: &[(Cow<'a, str>, &'a str)]) -> Cow<'a, str> {
        let base = ns::preferred_prefix(ns).unwrap_or("p");
        let free = |p: &str| !self.is_bound(p) && !taken_here.iter().any(|(q, _)| q == p);
        if free(base) {
            return Cow::Borrowed(base);
        }
        (1..).map(|i| format!("{base}{i}")).find(|p| free(p)).map_or(Cow::Borrowed(base), Cow::Owned)
    }
}

/// Reused buffers of one serialization: the start tag of each open element
/// (its qualified name first, kept for the end tag), and the prefixes
/// declared on the element being started.
#[derive(Default)]
struct Scratch<'a> {
    tags: Vec<String>,
    declared: Vec<(Cow<'a, str>, &'a str)>,
    /// What placeholders stand for ([`write_document_with`]).
    encoded: &'a [std::sync::Arc<EncodedElement>],
}

/// The prefix `ns` is written with on the element being started: `xml`, one
/// declared on it, one in scope, or a fresh one declared on it.
fn qualify<'a>(scope: &Scope<'a>, declared: &mut Vec<(Cow<'a, str>, &'a str)>, ns: &'a str) -> Cow<'a, str> {
    if ns == ns::XML {
        return Cow::Borrowed("xml");
    }
    if let Some((p, _)) = declared.iter().find(|(_, n)| *n == ns) {
        return p.clone();
    }
    if let Some(p) = scope.prefix_for(ns) {
        return p.clone();
    }
    let p = scope.fresh_prefix(ns, declared);
    declared.push((p.clone(), ns));
    p
}

/// Appends ` key="value"` to a start tag, the value escaped by quick-xml.
fn push_attr(tag: &mut String, prefix: Option<&str>, key: &str, value: &str) {
    tag.push(' ');
    if let Some(p) = prefix {
        tag.push_str(p);
        tag.push(':');
    }
    tag.push_str(key);
    tag.push_str("=\"");
    // quick-xml's attribute escaping (`"`, `'`, `<`, `>`, `&`, CR, LF, tab), as `push_attribute` applies it.
    let escaped = QAttribute::from(("", value)).value;
    tag.push_str(&escaped);
    tag.push('"');
}

fn write_element<'a, W: Write>(writer: &mut Writer<W>, el: &'a Element, scope: &mut Scope<'a>, predeclare: &[&'a str], scratch: &mut Scratch<'a>) {
    if el.ns.as_deref() == Some(ENCODED_NS) && !scratch.encoded.is_empty() {
        let table = scratch.encoded;
        if let Some(enc) = el.attr(None, "index").and_then(|i| i.parse::<usize>().ok()).and_then(|i| table.get(i)) {
            if enc.fits(scope) {
                let _ = writer.get_mut().write_all(&enc.bytes);
            } else {
                write_element(writer, &enc.element, scope, &[], scratch);
            }
        }
        return;
    }
    let mark = scope.bindings.len();
    let mut declared = std::mem::take(&mut scratch.declared);
    declared.clear();
    declared.extend(predeclare.iter().filter_map(|n| ns::preferred_prefix(n).map(|p| (Cow::Borrowed(p), *n))));
    // Explicit declarations (attributes in the xmlns namespace) come first.
    declared.extend(el.attrs.iter().filter(|a| a.ns.as_deref() == Some(ns::XMLNS)).map(|a| (Cow::Borrowed(a.name.as_str()), a.value.as_str())));
    let mut tag = scratch.tags.pop().unwrap_or_default();
    tag.clear();
    if let Some(ns) = &el.ns {
        let p = qualify(scope, &mut declared, ns);
        tag.push_str(&p);
        tag.push(':');
    }
    tag.push_str(&el.name);
    let name_len = tag.len();
    // Attribute prefixes are chosen (and declared) before the declarations are written.
    let mut attr_prefixes: Vec<Option<Cow<'a, str>>> = Vec::new();
    for a in el.attrs.iter().filter(|a| a.ns.as_deref() != Some(crate::envelope::RESOLVED_NS) && a.ns.as_deref() != Some(ns::XMLNS)) {
        attr_prefixes.push(a.ns.as_deref().map(|ns| qualify(scope, &mut declared, ns)));
    }
    for (p, n) in &declared {
        push_attr(&mut tag, Some("xmlns"), p, n);
    }
    let mut prefixes = attr_prefixes.iter();
    for a in el.attrs.iter().filter(|a| a.ns.as_deref() != Some(crate::envelope::RESOLVED_NS) && a.ns.as_deref() != Some(ns::XMLNS)) {
        let p = prefixes.next().and_then(Option::as_deref);
        push_attr(&mut tag, p, &a.name, &a.value);
    }
    scope.bindings.append(&mut declared);
    scratch.declared = declared;
    if el.children.is_empty() {
        let _ = writer.write_event(Event::Empty(BytesStart::from_content(tag.as_str(), name_len)));
    } else {
        let _ = writer.write_event(Event::Start(BytesStart::from_content(tag.as_str(), name_len)));
        for child in &el.children {
            match child {
                Node::Element(c) => write_element(writer, c, scope, &[], scratch),
                Node::Text(t) => {
                    let _ = writer.write_event(Event::Text(BytesText::new(t)));
                }
            }
        }
        let _ = writer.write_event(Event::End(BytesEnd::new(&tag[..name_len])));
    }
    scratch.tags.push(tag);
    scope.bindings.truncate(mark);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_nests_by_two_and_trims_text_only_when_asked() {
        let flat = b"<a><b> x &amp; y </b><c/></a>";
        assert_eq!(indent(flat, IndentText::Trim), "<a>\n  <b>x &amp; y</b>\n  <c/>\n</a>\n");
        assert_eq!(indent(flat, IndentText::Keep), "<a>\n  <b> x &amp; y </b>\n  <c/>\n</a>\n");
        assert_eq!(indent(b"<a><b>unclosed", IndentText::Trim), "<a>\n  <b>unclosed\n", "up to the first error");
    }

    #[test]
    fn resolves_namespaces_whatever_the_prefix() {
        let a = parse_str(r#"<s:E xmlns:s="urn:x"><s:B a="1">t</s:B></s:E>"#, &Limits::default()).unwrap();
        let b = parse_str(r#"<env:E xmlns:env="urn:x"><B xmlns="urn:x" a="1">t</B></env:E>"#, &Limits::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.child("urn:x", "B").unwrap().text(), "t");
    }

    #[test]
    fn refuses_dtd_and_unknown_entities() {
        let dtd = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>"#;
        assert_eq!(parse_str(dtd, &Limits::default()), Err(XmlError::Dtd));
        assert_eq!(parse_str("<x>&a;</x>", &Limits::default()), Err(XmlError::UnknownEntity("a".into())));
        assert_eq!(parse_str("<x>&lt;&#x41;&#66;</x>", &Limits::default()).unwrap().text(), "<AB");
    }

    #[test]
    fn bounds_depth_elements_and_attributes() {
        let deep = "<a>".repeat(70) + &"</a>".repeat(70);
        assert_eq!(parse_str(&deep, &Limits::default()), Err(XmlError::TooDeep(64)));
        let wide = format!("<a>{}</a>", "<b/>".repeat(60_000));
        assert_eq!(parse_str(&wide, &Limits::default()), Err(XmlError::TooManyElements(50_000)));
        let attrs: String = (0..70).map(|i| format!(" a{i}=\"1\"")).collect();
        assert_eq!(parse_str(&format!("<a{attrs}/>"), &Limits::default()), Err(XmlError::TooManyAttributes(64)));
    }

    #[test]
    fn reads_utf16_with_bom() {
        let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><x xmlns=\"urn:y\">é</x>";
        let mut le = vec![0xFF, 0xFE];
        doc.encode_utf16().for_each(|u| le.extend_from_slice(&u.to_le_bytes()));
        let mut be = vec![0xFE, 0xFF];
        doc.encode_utf16().for_each(|u| be.extend_from_slice(&u.to_be_bytes()));
        let want = parse(doc.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(parse(&le, &Limits::default()).unwrap(), want);
        assert_eq!(parse(&be, &Limits::default()).unwrap(), want);
    }

    #[test]
    fn encoded_elements_write_the_bytes_of_the_tree() {
        use std::sync::Arc;
        let item = |n: &str| {
            Element::ns("urn:class/Svc", "Svc")
                .with_child(Element::ns("urn:class/Svc", "Name").with_text(n.to_owned() + " & <co>"))
                .with_child(Element::ns("urn:class/Svc", "Date").with_child(Element::ns(ns::CIM, "Datetime").with_text("2020")))
                .with_child(Element::ns("urn:class/Svc", "Nil").with_attr(Some(ns::XSI), "nil", "true"))
        };
        let envelope = |items: Vec<Element>| {
            let mut list = Element::ns(ns::WSMAN, "Items");
            items.into_iter().for_each(|i| list.push(i));
            let body = Element::ns(ns::SOAP, "Body").with_child(Element::ns(ns::WSEN, "EnumerateResponse").with_child(list));
            Element::ns(ns::SOAP, "Envelope").with_child(Element::ns(ns::SOAP, "Header")).with_child(body)
        };
        let want = to_bytes(&envelope(vec![item("a"), item("b")]));
        let scope = crate::envelope::body_scope();
        // Made for the Items position, and (b) for no bindings at all: copied, and written from the element.
        let encoded = vec![Arc::new(EncodedElement::new(item("a"), &scope)), Arc::new(EncodedElement::new(item("b"), &[]))];
        assert_ne!(encoded[0].bytes(), encoded[1].bytes(), "the prefix of xsi, cim... depends on the scope");
        let mut got = Vec::new();
        write_document_with(&envelope(vec![EncodedElement::placeholder(0), EncodedElement::placeholder(1)]), &mut got, &encoded);
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
        // A placeholder naming nothing is left out.
        let mut got = Vec::new();
        write_document_with(&envelope(vec![EncodedElement::placeholder(0), EncodedElement::placeholder(7)]), &mut got, &encoded[..1]);
        assert_eq!(got, to_bytes(&envelope(vec![item("a")])));
    }

    #[test]
    fn writer_declares_and_shadows_prefixes() {
        let el = Element::ns(ns::SOAP, "Body")
            .with_child(Element::ns("urn:class/A", "A").with_child(Element::ns("urn:class/B", "B").with_text("x & y")))
            .with_child(Element::ns(ns::WSMAN, "Items").with_attr(Some(ns::XSI), "nil", "true"));
        let text = fragment_to_string(&el);
        assert!(text.starts_with("<s:Body xmlns:s="), "{text}");
        let back = parse_str(&text, &Limits::default()).unwrap();
        assert_eq!(back, el);
    }
}
