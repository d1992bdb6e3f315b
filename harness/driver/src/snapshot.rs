//! Response snapshots: canonical XML with volatile values redacted, compared
//! with stored files (`--snapshots DIR`), written with `--update-snapshots`
//! (never when the environment variable `CI` is set).

use std::path::{Path, PathBuf};

use wsman_proto::ns;
use wsman_proto::xml::{self, Element, Limits, Node};

/// Placeholder for redacted protocol identifiers.
pub const REDACTED: &str = "[redacted]";

/// Elements whose whole text is an identifier that changes per exchange.
const VOLATILE: &[(&str, &str)] = &[
    (ns::WSA, "MessageID"),
    (ns::WSA, "RelatesTo"),
    (ns::WSEN, "EnumerationContext"),
    (ns::RSP, "ShellId"),
    (ns::RSP, "CommandId"),
    (ns::WSE, "Identifier"),
    (ns::WSMV, "SessionId"),
    (ns::WSMV, "ActivityId"),
];

/// Canonical, redacted, indented form of a response body; `None` when it is not XML.
/// `extra` literal strings (the endpoint URL, the case's unique token) are redacted too.
pub fn canonicalize(body: &[u8], extra: &[&str]) -> Option<String> {
    let mut root = xml::parse(body, &Limits::default()).ok()?;
    redact(&mut root, extra, 0);
    let flat = xml::to_bytes(&root);
    Some(xml::indent(&flat, xml::IndentText::Trim))
}

fn redact(el: &mut Element, extra: &[&str], depth: usize) {
    if depth > 256 {
        return;
    }
    let whole = VOLATILE.iter().any(|(n, l)| el.is(n, l)) || (el.is(ns::WSMAN, "Selector") && matches!(el.attr(None, "Name"), Some("ShellId")));
    el.attrs.sort_by(|a, b| (&a.ns, &a.name).cmp(&(&b.ns, &b.name)));
    for a in &mut el.attrs {
        a.value = redact_text(&a.value, extra);
        if a.name == "CommandId" {
            a.value = REDACTED.to_owned();
        }
    }
    // What is left of a subscription's life changes by the millisecond.
    let status = el.is(ns::WSE, "GetStatusResponse");
    for c in &mut el.children {
        match c {
            Node::Text(t) if whole => *t = REDACTED.to_owned(),
            Node::Text(t) => *t = redact_text(t, extra),
            Node::Element(e) if status && e.is(ns::WSE, "Expires") => e.children = vec![Node::Text(REDACTED.to_owned())],
            Node::Element(e) => redact(e, extra, depth + 1),
        }
    }
}

/// Replaces UUIDs by `[uuid]`, ISO 8601 timestamps by `[timestamp]` and each `extra` string by `[redacted]`.
pub fn redact_text(text: &str, extra: &[&str]) -> String {
    let mut s = text.to_owned();
    for e in extra.iter().filter(|e| !e.is_empty()) {
        s = s.replace(e, REDACTED);
    }
    let b: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if let Some(n) = uuid_at(&b[i..]) {
            out.push_str("[uuid]");
            i += n;
        } else if let Some(n) = timestamp_at(&b[i..]) {
            out.push_str("[timestamp]");
            i += n;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn uuid_at(c: &[char]) -> Option<usize> {
    let groups = [8, 4, 4, 4, 12];
    let mut i = 0;
    for (g, len) in groups.iter().enumerate() {
        if g > 0 {
            if c.get(i) != Some(&'-') {
                return None;
            }
            i += 1;
        }
        for _ in 0..*len {
            if !c.get(i)?.is_ascii_hexdigit() {
                return None;
            }
            i += 1;
        }
    }
    Some(i)
}

fn timestamp_at(c: &[char]) -> Option<usize> {
    // YYYY-MM-DDTHH:MM:SS then optional fraction and zone.
    let shape = "dddd-dd-ddTdd:dd:dd";
    for (i, s) in shape.chars().enumerate() {
        let ch = *c.get(i)?;
        let ok = if s == 'd' { ch.is_ascii_digit() } else { ch == s };
        if !ok {
            return None;
        }
    }
    let mut i = shape.len();
    while i < c.len() && (c[i].is_ascii_digit() || matches!(c[i], '.' | 'Z' | '+' | '-' | ':')) && i < shape.len() + 16 {
        i += 1;
    }
    Some(i)
}

/// The outcome of comparing with a stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// Identical.
    Match,
    /// Written (new or updated).
    Written(PathBuf),
    /// Different: a unified diff, stored first.
    Mismatch(String),
    /// No stored snapshot and writing not allowed.
    Missing(PathBuf),
    /// The file could not be read or written.
    Io(String),
}

/// Whether `--update-snapshots` may write (never when `CI` is set).
pub fn may_write(update: bool) -> bool {
    update && std::env::var_os("CI").is_none()
}

/// The snapshot file of a case's step: `DIR/<case id>.<step>.xml`.
pub fn path_for(dir: &Path, case_id: &str, step: &str) -> PathBuf {
    let mut p = dir.to_path_buf();
    for part in case_id.split('/') {
        p.push(part);
    }
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    p.set_file_name(format!("{name}.{step}.xml"));
    p
}

/// Compares `actual` with the file at `path`, writing it when `write` is true and it differs.
pub fn compare(path: &Path, actual: &str, write: bool) -> SnapshotOutcome {
    let stored = std::fs::read_to_string(path);
    match stored {
        Ok(s) if s == actual => SnapshotOutcome::Match,
        _ if write => {
            let r = path.parent().map(std::fs::create_dir_all).unwrap_or(Ok(())).and_then(|()| std::fs::write(path, actual));
            match r {
                Ok(()) => SnapshotOutcome::Written(path.to_owned()),
                Err(e) => SnapshotOutcome::Io(e.to_string()),
            }
        }
        Ok(s) => SnapshotOutcome::Mismatch(diff(&s, actual)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SnapshotOutcome::Missing(path.to_owned()),
        Err(e) => SnapshotOutcome::Io(e.to_string()),
    }
}

/// A unified diff (stored -> actual), at most 80 lines.
pub fn diff(stored: &str, actual: &str) -> String {
    let d = similar::TextDiff::from_lines(stored, actual);
    let text = d.unified_diff().context_radius(2).header("snapshot", "response").to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > 80 {
        format!("{}\n... {} more lines", lines[..80].join("\n"), lines.len() - 80)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "http://127.0.0.1:4711/wsman";

    /// A response with every kind of volatile value, built with the codec's tree.
    fn response(message_id: &str, context: &str) -> Vec<u8> {
        let payload = Element::ns(ns::CIM, "T")
            .with_attr(None, "b", "2")
            .with_attr(None, "a", "1")
            .with_text(format!("at 2024-05-01T10:11:12.5Z id 0A1B2C3D-0000-1111-2222-333344445555 on {ENDPOINT}"));
        let env = Element::ns(ns::SOAP, "Envelope")
            .with_child(
                Element::ns(ns::SOAP, "Header")
                    .with_child(Element::ns(ns::WSA, "MessageID").with_text(message_id))
                    .with_child(Element::ns(ns::WSA, "RelatesTo").with_text("uuid:2")),
            )
            .with_child(Element::ns(ns::SOAP, "Body").with_child(
                Element::ns(ns::WSEN, "EnumerateResponse").with_child(Element::ns(ns::WSEN, "EnumerationContext").with_text(context)).with_child(payload),
            ));
        xml::to_bytes(&env)
    }

    #[test]
    fn redacts_volatile_values_and_sorts_attributes() {
        let c = canonicalize(&response("uuid:1", "ctx-77"), &[ENDPOINT]).unwrap();
        for gone in ["uuid:1", "uuid:2", "ctx-77", "2024-05-01", "0A1B2C3D", "4711"] {
            assert!(!c.contains(gone), "{gone} left in\n{c}");
        }
        assert!(c.contains("at [timestamp] id [uuid] on [redacted]"), "{c}");
        assert!(c.contains(r#"a="1" b="2""#), "{c}");
        assert!(c.lines().count() > 5, "indented: {c}");
        // Two responses differing only in volatile values canonicalize equal.
        assert_eq!(canonicalize(&response("uuid:9", "ctx-78"), &[ENDPOINT]).unwrap(), c);
        assert_eq!(canonicalize(b"not xml", &[]), None);
    }

    #[test]
    fn text_with_entity_references_stays_one_line() {
        let env = Element::ns(ns::SOAP, "Envelope").with_child(Element::ns(ns::WSMAN, "Selector").with_text("a <SYSTEM> & b"));
        let c = canonicalize(&xml::to_bytes(&env), &[]).unwrap();
        assert!(c.contains(">a &lt;SYSTEM&gt; &amp; b</"), "{c}");
    }

    #[test]
    fn compare_writes_matches_and_diffs() {
        let dir = std::env::temp_dir().join(format!("driver-snap-{}", uuid::Uuid::new_v4()));
        let p = path_for(&dir, "core/get/x", "01-get");
        assert!(p.ends_with("core/get/x.01-get.xml"));
        assert_eq!(compare(&p, "a\nb\n", false), SnapshotOutcome::Missing(p.clone()));
        assert_eq!(compare(&p, "a\nb\n", true), SnapshotOutcome::Written(p.clone()));
        assert_eq!(compare(&p, "a\nb\n", false), SnapshotOutcome::Match);
        let SnapshotOutcome::Mismatch(d) = compare(&p, "a\nc\n", false) else { panic!() };
        assert!(d.contains("-b") && d.contains("+c"), "{d}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
