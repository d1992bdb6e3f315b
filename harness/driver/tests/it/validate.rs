//! `driver::validate`: real Windows responses pass; mutated copies fail with
//! a message naming the element and the line.

use std::path::{Path, PathBuf};

use driver::validate::{validate_paths, ValidateError, RULES};
use report::{RunKind, RunReport, Status};
use test_support::reference::{envelopes, Origin};
use wsman_proto::xml::{self, Element, Limits, Node};
use wsman_proto::ns;

/// The Windows responses of the pypsrp recordings, when ../shared/reference exists.
fn windows_responses() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = test_support::reference_dir()?;
    let (found, _) = envelopes(&dir);
    let out: Vec<_> = found.into_iter().filter(|e| e.origin == Origin::Response).map(|e| (e.name, e.bytes)).collect();
    Some(out)
}

/// Writes `docs` as `dir/NNNN.xml`; returns the paths with their source names.
fn write_all(dir: &Path, docs: &[(String, Vec<u8>)]) -> Vec<(PathBuf, String)> {
    docs.iter()
        .enumerate()
        .map(|(i, (name, bytes))| {
            let p = dir.join(format!("{i:04}.xml"));
            std::fs::write(&p, bytes).expect("write");
            (p, name.clone())
        })
        .collect()
}

fn failures(report: &RunReport) -> Vec<String> {
    report.failures().map(|r| format!("{} {}: {}", r.case, r.assertion, r.message)).collect()
}

#[test]
fn windows_responses_pass() {
    let Some(docs) = windows_responses() else {
        eprintln!("../shared/reference absent: nothing to check");
        return;
    };
    assert!(docs.len() > 50, "only {} responses extracted", docs.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_all(dir.path(), &docs);
    let report = validate_paths(&[dir.path().to_owned()]).expect("validate");
    assert_eq!(report.kind, RunKind::Validate);
    assert_eq!(report.cases.len(), files.len());
    assert_eq!(report.results.len(), files.len() * RULES.len());
    let fails: Vec<String> = failures(&report)
        .into_iter()
        .map(|f| {
            let source = files.iter().find(|(p, _)| f.starts_with(&p.display().to_string())).map(|(_, n)| n.as_str()).unwrap_or("?");
            format!("{source}: {f}")
        })
        .collect();
    assert!(fails.is_empty(), "{} failures:\n{}", fails.len(), fails.join("\n"));
    let s = report.summary();
    assert!(s.passed >= files.len() * 3, "{s:?}");
}

/// One element per line, so line numbers in messages are meaningful.
fn encode(root: &Element) -> Vec<u8> {
    String::from_utf8_lossy(&xml::to_bytes(root)).replace("><", ">\n<").into_bytes()
}

fn child_mut<'a>(el: &'a mut Element, ns_: &str, local: &str) -> Option<&'a mut Element> {
    el.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.is(ns_, local) => Some(e),
        _ => None,
    })
}

/// A mutation: edits the tree and returns the local name the failure must name.
type Mutation = fn(&mut Element) -> Option<&'static str>;

/// Drops wsa:RelatesTo from the header.
fn drop_relates_to(env: &mut Element) -> Option<&'static str> {
    let h = child_mut(env, ns::SOAP, "Header")?;
    let before = h.children.len();
    h.children.retain(|n| !matches!(n, Node::Element(e) if e.is(ns::WSA, "RelatesTo")));
    (h.children.len() < before).then_some("RelatesTo")
}

/// Moves wsa:Action into the WS-Transfer namespace (a wrong namespace).
fn action_wrong_namespace(env: &mut Element) -> Option<&'static str> {
    let h = child_mut(env, ns::SOAP, "Header")?;
    let a = child_mut(h, ns::WSA, "Action")?;
    a.ns = Some(ns::WXF.to_owned());
    Some("Action")
}

/// Gives wsman:MaxEnvelopeSize-like typed content a wrong type: wsa:RelatesTo gets a child element.
fn relates_to_wrong_type(env: &mut Element) -> Option<&'static str> {
    let h = child_mut(env, ns::SOAP, "Header")?;
    let r = child_mut(h, ns::WSA, "RelatesTo")?;
    r.children.push(Node::Element(Element::ns(ns::WSA, "Address").with_text("x")));
    Some("RelatesTo")
}

/// Drops s:Body.
fn drop_body(env: &mut Element) -> Option<&'static str> {
    let before = env.children.len();
    env.children.retain(|n| !matches!(n, Node::Element(e) if e.is(ns::SOAP, "Body")));
    (env.children.len() < before).then_some("Body")
}

#[test]
fn mutated_windows_responses_fail_naming_element_and_line() {
    let Some(docs) = windows_responses() else {
        eprintln!("../shared/reference absent: nothing to check");
        return;
    };
    let mutations: [(&str, Mutation); 4] = [
        ("drop RelatesTo", drop_relates_to),
        ("Action in a wrong namespace", action_wrong_namespace),
        ("RelatesTo with element content", relates_to_wrong_type),
        ("no Body", drop_body),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expected: Vec<(PathBuf, &str, &str)> = Vec::new();
    for (i, (name, bytes)) in docs.iter().enumerate().take(40) {
        let Ok(root) = xml::parse(bytes, &Limits::default()) else { panic!("{name} does not parse") };
        for (m, (label, mutate)) in mutations.iter().enumerate() {
            let mut copy = root.clone();
            if let Some(element) = mutate(&mut copy) {
                let p = dir.path().join(format!("{i:04}-{m}.xml"));
                std::fs::write(&p, encode(&copy)).expect("write");
                expected.push((p, element, label));
            }
        }
    }
    assert!(expected.len() >= 40, "only {} mutated copies", expected.len());
    let report = validate_paths(&[dir.path().to_owned()]).expect("validate");
    let mut problems = Vec::new();
    for (path, element, label) in &expected {
        let case = path.display().to_string();
        let fails: Vec<_> = report.results_of(&case).filter(|r| r.status == Status::Fail).collect();
        let named = fails.iter().any(|r| r.message.contains(element) && r.message.contains("line "));
        if !named {
            problems.push(format!("{case} ({label}): {fails:?}"));
        }
    }
    assert!(problems.is_empty(), "{} mutated copies not reported as expected:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn setup_errors_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(matches!(validate_paths(&[dir.path().to_owned()]), Err(ValidateError::NoFiles)));
    assert!(matches!(validate_paths(&[dir.path().join("missing.xml")]), Err(ValidateError::Io { .. })));
    // Not XML at all: a FAIL result, not an error.
    let p = dir.path().join("junk.xml");
    std::fs::write(&p, b"not xml <").expect("write");
    let report = validate_paths(&[p]).expect("validate");
    assert_eq!(report.summary().failed, 1, "{:?}", report.results);
    assert!(report.results.iter().any(|r| r.status == Status::Fail && r.message.contains("line 1")));
}
