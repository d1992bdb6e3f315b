//! The JUnit file parsed back with an XML parser independent of the writer.

use std::collections::BTreeMap;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use report::{junit, Status};

use crate::fixture::sample;

/// What the parse found.
#[derive(Debug, Default)]
struct Parsed {
    /// testsuite name -> (testcases, failures, skipped)
    suites: BTreeMap<String, (usize, usize, usize)>,
    suite_order: Vec<String>,
    testcases: usize,
    failures: usize,
    skipped: usize,
    system_out: usize,
    /// attributes of the root `<testsuites>`
    root: BTreeMap<String, String>,
    /// (classname, name, failure message, failure type) of each failure
    failed: Vec<(String, String, String, String)>,
}

fn attrs(e: &BytesStart<'_>) -> BTreeMap<String, String> {
    e.attributes()
        .map(|a| {
            let a = a.expect("attribute");
            let key = a.key.as_ref().to_owned();
            let value = a.normalized_value(XmlVersion::Implicit1_0).expect("unescape").into_owned();
            (key, value)
        })
        .collect()
}

fn parse(xml: &str) -> Parsed {
    let mut reader = Reader::from_str(xml);
    let mut p = Parsed::default();
    let mut suite = String::new();
    let mut case = (String::new(), String::new());
    for _ in 0..100_000 {
        let ev = reader.read_event().expect("well-formed XML");
        let (e, _empty) = match &ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Eof => return p,
            _ => continue,
        };
        let a = attrs(e);
        match e.local_name().as_ref() {
            "testsuites" => p.root = a,
            "testsuite" => {
                suite = a.get("name").cloned().expect("suite name");
                p.suite_order.push(suite.clone());
                p.suites.entry(suite.clone()).or_default();
            }
            "testcase" => {
                p.testcases += 1;
                if let Some(s) = p.suites.get_mut(&suite) { s.0 += 1 }
                case = (a.get("classname").cloned().unwrap_or_default(), a.get("name").cloned().unwrap_or_default());
            }
            "failure" => {
                p.failures += 1;
                if let Some(s) = p.suites.get_mut(&suite) { s.1 += 1 }
                p.failed.push((
                    case.0.clone(),
                    case.1.clone(),
                    a.get("message").cloned().unwrap_or_default(),
                    a.get("type").cloned().unwrap_or_default(),
                ));
            }
            "skipped" => {
                p.skipped += 1;
                if let Some(s) = p.suites.get_mut(&suite) { s.2 += 1 }
            }
            "system-out" => p.system_out += 1,
            _ => {}
        }
    }
    panic!("XML too long for the test's bound");
}

#[test]
fn counts_match_the_model() {
    let r = sample();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = junit::write(&r, dir.path()).expect("write");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("report.junit.xml"));
    let xml = std::fs::read_to_string(&path).expect("read");
    let p = parse(&xml);
    let s = r.summary();

    assert_eq!(p.testcases, r.results.len(), "one testcase per case x assertion");
    assert_eq!(p.failures, s.failed);
    assert_eq!(p.skipped, s.skipped + s.unimplemented);
    assert_eq!(p.system_out, s.warned, "each WARN carries a system-out note");
    assert_eq!(p.root.get("tests").map(String::as_str), Some(r.results.len().to_string().as_str()));
    assert_eq!(p.root.get("failures").map(String::as_str), Some(s.failed.to_string().as_str()));

    // One suite per profile, run profiles first, orphan results last.
    assert_eq!(p.suite_order, ["core", "enumeration", junit::UNASSIGNED_SUITE]);
    assert_eq!(p.suites["core"], (4, 1, 0));
    assert_eq!(p.suites["enumeration"], (4, 0, 2));
    assert_eq!(p.suites[junit::UNASSIGNED_SUITE], (1, 0, 0));

    // The failure names the case, the assertion and the clause.
    let failed = r.failures().next().expect("one failure");
    assert_eq!(
        p.failed,
        [(failed.case.clone(), failed.assertion.clone(), failed.message.clone(), failed.clause.clone())]
    );
}

#[test]
fn counts_follow_a_changed_model() {
    let mut r = sample();
    for res in &mut r.results {
        res.status = Status::Fail;
    }
    let p = parse(&junit::to_string(&r).expect("serialize"));
    assert_eq!(p.failures, r.results.len());
    assert_eq!(p.skipped, 0);
}

#[test]
fn quick_junit_reads_it_back() {
    let r = sample();
    let xml = junit::to_string(&r).expect("serialize");
    let back = quick_junit::Report::deserialize_from_str(&xml).expect("deserialize");
    assert_eq!(back.tests, r.results.len());
    assert_eq!(back.failures, r.summary().failed);
    assert_eq!(back.test_suites.len(), 3);
}
