//! Sizing enumeration batches without serializing: an upper bound of the
//! octets an element takes when the envelope writer serializes it.
//!
//! A batch must fit the response's MaxEnvelopeSize. Serializing each item to
//! measure it, then serializing the envelope, would write every item twice;
//! [`encoded_len_bound`] walks the tree once instead and counts, for each
//! element, its start and end tags with the longest prefix the writer may
//! choose, a namespace declaration wherever the namespace differs from the
//! parent's, attributes and text with every escapable character at its
//! longest escape. The writer never produces more (tests below check it on
//! every item the simulated host can return); the final size check on the
//! encoded envelope stays as the guard.

use wsman_proto::xml::{Element, Node};
use wsman_proto::{envelope, ns};

/// An upper bound of the serialized length of `el` (no XML declaration),
/// assuming its ancestors bind no `p` prefix (true of the envelopes the
/// server writes: the envelope predeclares only the protocol prefixes).
pub(crate) fn encoded_len_bound(el: &Element) -> usize {
    element(el, &mut Vec::new(), false)
}

/// `in_scope`: the namespaces of the ancestors (declared there or above, so
/// not declared again). `wary`: an explicit `xmlns:` attribute above may have
/// bound a well-known prefix to another namespace, so any prefix may need
/// digits and any namespace a new declaration.
fn element<'a>(el: &'a Element, in_scope: &mut Vec<&'a str>, wary: bool) -> usize {
    let wary = wary || el.attrs.iter().any(|a| a.ns.as_deref() == Some(ns::XMLNS));
    let mark = in_scope.len();
    // Declarations first: the element's prefix is chosen with them in scope.
    let mut n = 0;
    let attr_namespaces = el.attrs.iter().filter_map(|a| a.ns.as_deref()).filter(|u| ![ns::XML, ns::XMLNS, envelope::RESOLVED_NS].contains(u));
    for uri in el.ns.as_deref().into_iter().chain(attr_namespaces) {
        if wary || !in_scope.contains(&uri) {
            n += " xmlns:=\"\"".len() + prefix(uri, in_scope, wary) + escaped(uri);
            in_scope.push(uri);
        }
    }
    let name = qname(el.ns.as_deref(), &el.name, in_scope, wary);
    n += if el.children.is_empty() { name + "</>".len() } else { 2 * name + "<></>".len() };
    for a in &el.attrs {
        n += match a.ns.as_deref() {
            Some(envelope::RESOLVED_NS) => 0,
            Some(ns::XMLNS) => " xmlns:=\"\"".len() + a.name.len() + escaped(&a.value),
            attr_ns => " =\"\"".len() + qname(attr_ns, &a.name, in_scope, wary) + escaped(&a.value),
        };
    }
    for c in &el.children {
        n += match c {
            Node::Element(child) => element(child, in_scope, wary),
            Node::Text(t) => escaped(t),
        };
    }
    in_scope.truncate(mark);
    n
}

/// Namespaces whose prefix is `p` or `p<digits>`: WSMV's preferred `p` and
/// every namespace without a preferred prefix (class namespaces).
fn p_family(uri: &str) -> bool {
    uri == ns::WSMV || ns::preferred_prefix(uri).is_none()
}

/// The longest prefix the writer may give `uri`: its preferred one, or in the
/// `p` family the first free of `p`, `p1`, `p2`... (at most one per `p`-family
/// namespace in scope is taken).
fn prefix(uri: &str, in_scope: &[&str], wary: bool) -> usize {
    if uri == ns::XML {
        return "xml".len();
    }
    let digits = |k: usize| if k == 0 { 0 } else { k.ilog10() as usize + 1 };
    if wary {
        return ns::preferred_prefix(uri).map_or(1, str::len) + digits(in_scope.len() + 1).max(2);
    }
    match ns::preferred_prefix(uri) {
        Some(p) if !p_family(uri) => p.len(),
        _ => 1 + digits(in_scope.iter().filter(|u| p_family(u) && **u != uri).count()),
    }
}

fn qname(uri: Option<&str>, local: &str, in_scope: &[&str], wary: bool) -> usize {
    uri.map_or(0, |u| prefix(u, in_scope, wary) + 1) + local.len()
}

/// Text or attribute value with each character that may be escaped at its
/// longest form (`&quot;`, `&apos;`, a character reference).
fn escaped(s: &str) -> usize {
    s.bytes().map(|b| if matches!(b, b'&' | b'<' | b'>' | b'\'' | b'"') || b < 0x20 { 6 } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::enumerate::render_item;
    use wsman_proto::message::EnumerationMode as Mode;
    use wsman_proto::xml::fragment_to_string;
    use wsman_proto::{CallContext, Envelope};

    fn every_rendered_item() -> Vec<Element> {
        let winrm = crate::providers::WinRmConfig::new();
        let ctx = CallContext { user: "admin", now: std::time::UNIX_EPOCH };
        let query = wsman_proto::wql::Query::parse("SELECT Name, State FROM Win32_Service").ok();
        let mut out = Vec::new();
        for p in crate::providers::windows_host_with_config("WSMAN-REF", &winrm) {
            for uri in p.resource_uris() {
                for i in p.enumerate(&ctx, &uri).unwrap_or_default() {
                    for mode in [Mode::Object, Mode::Epr, Mode::ObjectAndEpr] {
                        out.push(render_item(&i, mode, None));
                    }
                    out.push(render_item(&i, Mode::ObjectAndEpr, query.as_ref()));
                }
            }
        }
        out
    }

    #[test]
    fn the_bound_holds_and_is_close_for_every_item_of_the_host() {
        let items = every_rendered_item();
        assert!(items.len() > 500, "{}", items.len());
        for el in &items {
            let actual = fragment_to_string(el).len();
            let bound = encoded_len_bound(el);
            assert!(bound >= actual, "bound {bound} < {actual}: {}", fragment_to_string(el));
            assert!(bound <= actual + actual / 20 + 16, "bound {bound} far above {actual}: {}", fragment_to_string(el));
        }
    }

    #[test]
    fn the_bound_holds_for_escapes_attributes_and_nested_namespaces() {
        let el = Element::ns("urn:a", "A")
            .with_attr(Some(ns::XSI), "nil", "\"'<>&\n")
            .with_attr(None, "plain", "x")
            .with_child(Element::ns("urn:b", "B").with_text("<&>\"'\t").with_child(Element::ns("urn:a", "C")))
            .with_child(Element::new(None, "bare").with_text("é"));
        let actual = fragment_to_string(&el).len();
        assert!(encoded_len_bound(&el) >= actual, "{} < {actual}", encoded_len_bound(&el));
        // An explicit declaration rebinding a well-known prefix: the writer picks another one.
        let rebound = Element::ns("urn:c", "R")
            .with_attr(Some(ns::XMLNS), "w", "urn:c")
            .with_child(Element::ns(ns::WSMAN, "Items").with_child(Element::ns(ns::WSA, "Address").with_text("x")));
        let actual = fragment_to_string(&rebound).len();
        assert!(encoded_len_bound(&rebound) >= actual, "{} < {actual}: {}", encoded_len_bound(&rebound), fragment_to_string(&rebound));
    }

    #[test]
    fn a_batch_within_budget_fits_its_envelope() {
        // What take_batch relies on: the items' bounds plus the overhead cover the encoded envelope.
        let items = every_rendered_item();
        let sum: usize = items.iter().map(encoded_len_bound).sum();
        let mut items_el = Element::ns(ns::WSMAN, "Items");
        items_el.children.extend(items.into_iter().map(Node::Element));
        let body = Element::ns(ns::WSEN, "EnumerateResponse").with_child(Element::ns(ns::WSEN, "EnumerationContext").with_text("uuid:0")).with_child(items_el);
        let header = wsman_proto::Header { action: Some(wsman_proto::Action::Enumerate), message_id: Some("uuid:1".into()), ..Default::default() };
        let len = Envelope { header, body: vec![body] }.encode().len();
        assert!(len <= sum + crate::ops::enumerate::BATCH_OVERHEAD, "{len} > {sum} + overhead");
    }
}
