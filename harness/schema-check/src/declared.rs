//! The element names the schemas declare, and the check that a document uses no other
//! name in their namespaces.
//!
//! `s:Header`, `s:Body` and the specifications' extension points admit any element with
//! lax processing: an element of a protocol namespace that no schema declares (a
//! misspelled `wsman:ResourceUri`, an invented `wsa:Sender`) would pass XSD validation
//! unseen. This check reports such elements as [`ViolationKind::Undeclared`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use libxml::readonly::RoNode;
use libxml::tree::Document;
use wsman_proto::ns;

use crate::document::XmlDocument;
use crate::schema_set::{is_schema_namespace, EMBEDDED};
use crate::violation::{Violation, ViolationKind};
use crate::xpath::PrefixMap;

/// Upper bound on the elements visited in one document.
const MAX_ELEMENTS: usize = 1_000_000;

/// Namespace -> local names of every element declared (globally or locally) by the
/// embedded schemas.
pub fn declared_elements() -> &'static BTreeMap<String, BTreeSet<String>> {
    static SET: OnceLock<BTreeMap<String, BTreeSet<String>>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut prefixes = PrefixMap::new();
        prefixes.insert("xs", ns::XS);
        for (_, text) in EMBEDDED {
            let Ok(doc) = XmlDocument::parse(text.as_bytes()) else { continue };
            let Ok(xpath) = doc.xpath(&prefixes) else { continue };
            let Ok(target) = xpath.string("/xs:schema/@targetNamespace") else { continue };
            let Ok(names) = xpath.strings("//xs:element/@name") else { continue };
            set.entry(target).or_default().extend(names);
        }
        set
    })
}

/// Elements of schema namespaces that the schemas do not declare.
pub(crate) fn undeclared_elements(doc: &Document, bytes: &[u8]) -> Vec<Violation> {
    let Some(root) = doc.get_root_readonly() else { return Vec::new() };
    let declared = declared_elements();
    let mut found = Vec::new();
    // Iterative pre-order walk; `ordinal` counts elements in document order.
    let mut stack: Vec<RoNode> = vec![root];
    let mut ordinal = 0usize;
    while let Some(node) = stack.pop() {
        if ordinal >= MAX_ELEMENTS {
            break;
        }
        if let Some(namespace) = node.get_namespace() {
            let href = namespace.get_href();
            if is_schema_namespace(&href) {
                let local = node.get_name();
                if !declared.get(href.as_str()).is_some_and(|names| names.contains(local.as_str())) {
                    found.push((ordinal, format!("{{{href}}}{local}")));
                }
            }
        }
        ordinal += 1;
        let mut children = Vec::new();
        let mut child = node.get_first_element_child();
        while let Some(c) = child {
            child = c.get_next_element_sibling();
            children.push(c);
        }
        stack.extend(children.into_iter().rev());
    }
    if found.is_empty() {
        return Vec::new();
    }
    let lines = element_lines(bytes, found.iter().map(|(o, _)| *o));
    found
        .into_iter()
        .zip(lines)
        .map(|((_, element), line)| Violation {
            kind: ViolationKind::Undeclared,
            line,
            column: None,
            message: format!(
                "Element '{element}': not defined by the schema of its namespace (a protocol \
                 namespace admits only the elements its specification defines)"
            ),
            element: Some(element),
        })
        .collect()
}

/// The line of the elements with the given document-order ordinals (ascending), found
/// by a second, position-tracking read of the bytes. Only run when something was found.
fn element_lines(bytes: &[u8], ordinals: impl Iterator<Item = usize>) -> Vec<Option<u32>> {
    use quick_xml::events::Event;
    let wanted: Vec<usize> = ordinals.collect();
    let mut lines = vec![None; wanted.len()];
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut ordinal = 0usize;
    let mut next = 0usize;
    let mut line: u32 = 1;
    let mut counted_to = 0usize;
    while next < wanted.len() {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match reader.read_event() {
            Ok(Event::Start(_) | Event::Empty(_)) => {
                if ordinal == wanted[next] {
                    let end = start.min(bytes.len());
                    line += count_newlines(bytes.get(counted_to..end).unwrap_or_default());
                    counted_to = end;
                    lines[next] = Some(line);
                    next += 1;
                }
                ordinal += 1;
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    lines
}

fn count_newlines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_set_holds_global_and_local_elements() {
        let set = declared_elements();
        let has = |ns: &str, name: &str| set.get(ns).is_some_and(|names| names.contains(name));
        assert!(has(ns::SOAP, "Envelope"));
        assert!(has(ns::SOAP, "Subcode"), "local element");
        assert!(has(ns::WSMAN, "SelectorSet"));
        assert!(has(ns::WSMID, "ProductVersion"));
        assert!(!has(ns::WSMAN, "ResourceUri"));
    }

    #[test]
    fn lines_are_found_by_ordinal() {
        let bytes = b"<a>\n<b/>\n<!-- <x/> -->\n<c>\n<d/></c></a>";
        assert_eq!(element_lines(bytes, [1usize, 3].into_iter()), vec![Some(2), Some(5)]);
    }
}
