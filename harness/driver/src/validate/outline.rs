//! The outline of an envelope: its elements down to [`MAX_DEPTH`], each with
//! its expanded name, its 1-based line, whether it carries `xml:lang`, and its
//! own text. Read with quick-xml's `NsReader`, so the structural rules can name
//! the line of what they report.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use wsman_proto::ns;

/// Elements deeper than this are not recorded (Envelope is depth 0; the
/// deepest rule looks at `Fault/Code/Subcode/Value`, depth 5).
pub const MAX_DEPTH: usize = 5;

/// Upper bound on recorded elements (every loop is bounded).
const MAX_ELEMENTS: usize = 10_000;

/// One element of the outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineElement {
    /// Depth below the root (root = 0).
    pub depth: usize,
    /// Namespace URI, if any.
    pub ns: Option<String>,
    /// Local name.
    pub local: String,
    /// 1-based line of the start tag.
    pub line: u32,
    /// Index of the parent in [`Outline::elements`] (`None` for the root).
    pub parent: Option<usize>,
    /// Whether the element has an `xml:lang` attribute.
    pub has_xml_lang: bool,
    /// The element's own text (direct text children, concatenated).
    pub text: String,
}

impl OutlineElement {
    /// True when the element has this expanded name.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }
}

/// The recorded elements, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// Elements down to [`MAX_DEPTH`], in document order.
    pub elements: Vec<OutlineElement>,
}

/// Why a document has no outline: it is not well-formed XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: not well-formed XML: {message}")]
pub struct OutlineError {
    /// 1-based line where reading stopped.
    pub line: u32,
    /// What the reader said.
    pub message: String,
}

/// Counts lines incrementally as the reader advances.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
}

impl LineCounter<'_> {
    fn at(&mut self, pos: u64) -> u32 {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(self.text.len());
        if pos > self.pos {
            let n = self.text[self.pos..pos].iter().filter(|b| **b == b'\n').count();
            self.line = self.line.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
            self.pos = pos;
        }
        self.line
    }
}

impl Outline {
    /// Reads the outline of `text`.
    ///
    /// # Errors
    /// [`OutlineError`] when the text is not well-formed (or not namespace-well-formed).
    pub fn read(text: &str) -> Result<Outline, OutlineError> {
        let mut reader = NsReader::from_str(text);
        let mut lines = LineCounter { text: text.as_bytes(), pos: 0, line: 1 };
        let mut out = Outline::default();
        // Open elements: index in `out.elements` when recorded.
        let mut stack: Vec<Option<usize>> = Vec::new();
        let mut seen_root = false;
        loop {
            let tag_start = reader.buffer_position();
            let event = reader.read_resolved_event();
            let (resolved, event) = match event {
                Ok(x) => x,
                Err(e) => {
                    let line = lines.at(reader.error_position());
                    return Err(OutlineError { line, message: e.to_string() });
                }
            };
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    if stack.is_empty() && seen_root {
                        return Err(OutlineError { line: lines.at(tag_start), message: "content after the root element".to_owned() });
                    }
                    seen_root = true;
                    let depth = stack.len();
                    let ns_uri = match resolved {
                        ResolveResult::Bound(n) => Some(n.as_ref().to_owned()),
                        ResolveResult::Unbound => None,
                        ResolveResult::Unknown(p) => {
                            return Err(OutlineError {
                                line: lines.at(tag_start),
                                message: format!("undeclared namespace prefix {p:?}"),
                            })
                        }
                    };
                    let index = if depth <= MAX_DEPTH && out.elements.len() < MAX_ELEMENTS {
                        let has_xml_lang = e.attributes().flatten().any(|a| {
                            let (r, local) = reader.resolver().resolve_attribute(a.key);
                            local.as_ref() == "lang" && matches!(r, ResolveResult::Bound(n) if n.as_ref() == ns::XML)
                        });
                        out.elements.push(OutlineElement {
                            depth,
                            ns: ns_uri,
                            local: e.local_name().as_ref().to_owned(),
                            line: lines.at(tag_start),
                            parent: stack.last().copied().flatten(),
                            has_xml_lang,
                            text: String::new(),
                        });
                        Some(out.elements.len() - 1)
                    } else {
                        None
                    };
                    if !empty {
                        stack.push(index);
                    }
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Text(t) => {
                    if let Some(Some(i)) = stack.last() {
                        out.elements[*i].text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if let Some(Some(i)) = stack.last() {
                        out.elements[*i].text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(Some(i)) = stack.last() {
                        // Character and predefined references; anything else is kept as written.
                        let resolved = r.resolve_char_ref().ok().flatten().map(String::from).or_else(|| {
                            let name = r.xml10_content();
                            quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                        });
                        out.elements[*i].text.push_str(resolved.as_deref().unwrap_or(""));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !seen_root {
            return Err(OutlineError { line: lines.at(0), message: "no root element".to_owned() });
        }
        if !stack.is_empty() {
            return Err(OutlineError { line: lines.at(u64::MAX), message: "unclosed elements at the end of the document".to_owned() });
        }
        Ok(out)
    }

    /// The root element.
    pub fn root(&self) -> Option<&OutlineElement> {
        self.elements.first()
    }

    /// The children of element `index` (or of nothing: the root), in document order.
    pub fn children(&self, index: usize) -> impl Iterator<Item = (usize, &OutlineElement)> {
        self.elements.iter().enumerate().filter(move |(_, e)| e.parent == Some(index))
    }

    /// The first child of `index` named `ns:local`.
    pub fn child(&self, index: usize, ns: &str, local: &str) -> Option<(usize, &OutlineElement)> {
        self.children(index).find(|(_, e)| e.is(ns, local))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::xml::{self, Element};

    fn doc() -> String {
        let env = Element::ns(ns::SOAP, "Envelope")
            .with_child(Element::ns(ns::SOAP, "Header").with_child(Element::ns(ns::WSA, "Action").with_text("a&b")))
            .with_child(Element::ns(ns::SOAP, "Body").with_child(
                Element::ns(ns::SOAP, "Fault").with_child(
                    Element::ns(ns::SOAP, "Reason").with_child(Element::ns(ns::SOAP, "Text").with_attr(Some(ns::XML), "lang", "en-US").with_text("x")),
                ),
            ));
        // One element per line, so the line numbers are predictable.
        String::from_utf8(xml::to_bytes(&env)).expect("UTF-8").replace("><", ">\n<")
    }

    #[test]
    fn records_names_lines_text_and_xml_lang() {
        let o = Outline::read(&doc()).expect("well-formed");
        let root = o.root().expect("root");
        assert!(root.is(ns::SOAP, "Envelope"));
        let (h, header) = o.child(0, ns::SOAP, "Header").expect("header");
        assert_eq!(header.line, 3, "line 1 is the XML declaration");
        let (_, action) = o.child(h, ns::WSA, "Action").expect("action");
        assert_eq!((action.text.as_str(), action.line), ("a&b", 4));
        let text = o.elements.iter().find(|e| e.is(ns::SOAP, "Text")).expect("text");
        assert!(text.has_xml_lang);
        assert_eq!(text.depth, 4);
    }

    #[test]
    fn ill_formed_input_names_the_line() {
        let bad = doc().replace("</s:Body>", "</s:Bod>");
        let bad = if bad == doc() { doc().replacen("</", "</x", 1) } else { bad };
        let e = Outline::read(&bad).expect_err("ill-formed");
        assert!(e.line > 1, "{e}");
        assert!(Outline::read("").is_err());
        assert!(Outline::read("<a/><b/>").is_err());
    }
}
