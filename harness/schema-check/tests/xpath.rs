//! XPath assertions, fault-code QName resolution and parallel validation.

use schema_check::{
    validate_files, validate_many, with_thread_validator, ExpandedName, PrefixMap, SchemaError, XPathValue,
    XmlDocument,
};
use wsman_proto::ns;

fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn doc(name: &str) -> XmlDocument {
    XmlDocument::parse(&std::fs::read(fixture_path(name)).expect("fixture")).expect("well-formed")
}

#[test]
fn xpath_converts_to_boolean_string_number_and_count() {
    let d = doc("enumerate-response.xml");
    let x = d.xpath(&PrefixMap::protocol()).expect("context");
    assert!(x.boolean("/s:Envelope/s:Body/wsen:EnumerateResponse/wsman:EndOfSequence").expect("eval"));
    assert!(!x.boolean("/s:Envelope/s:Body/s:Fault").expect("eval"));
    assert_eq!(
        x.string("/s:Envelope/s:Header/wsa:RelatesTo").expect("eval"),
        "uuid:0f8e3c52-7a51-4b8e-9d0c-1e2f3a4b5c6d"
    );
    assert_eq!(x.number("//wsman:Items/*/*[local-name()='ProcessId']").expect("eval"), 4242.0);
    assert!(x.number("//wsman:Items").expect("eval").is_nan());
    assert_eq!(x.count("//wsman:Items/*").expect("eval"), 1);
    assert_eq!(x.count("/s:Envelope/s:Header/*").expect("eval"), 4);
    assert_eq!(x.strings("/s:Envelope/s:Header/wsa:*").expect("eval").len(), 4);
    assert_eq!(
        x.evaluate_as("count(//wsa:To) = 1", &XPathValue::Boolean(false)).expect("eval"),
        XPathValue::Boolean(true)
    );
}

#[test]
fn prefixes_are_independent_of_the_document_prefixes() {
    // The fixture spells WS-Addressing `a:`; the caller may use any prefix.
    let d = doc("enumerate-response.xml");
    let mut prefixes = PrefixMap::new();
    prefixes.insert("soap", ns::SOAP).insert("addr", ns::WSA);
    let x = d.xpath(&prefixes).expect("context");
    assert_eq!(x.count("/soap:Envelope/soap:Header/addr:Action").expect("eval"), 1);
}

#[test]
fn malformed_expressions_and_unknown_prefixes_are_errors() {
    let d = doc("enumerate-response.xml");
    let x = d.xpath(&PrefixMap::protocol()).expect("context");
    assert!(matches!(x.boolean("//s:Body[("), Err(SchemaError::XPath { .. })));
    assert!(matches!(x.boolean(""), Err(SchemaError::XPath { .. })));
    assert!(x.count("//nope:Thing").is_err(), "unbound prefix must not evaluate");
    assert!(x.count("1 + 1").is_err(), "count of a number is an error");
}

#[test]
fn fault_codes_resolve_through_the_document_prefixes() {
    let d = doc("fault-response.xml");
    let fault = d.fault_code().expect("fault");
    assert!(fault.code.is(ns::SOAP, "Sender"), "{}", fault.code);
    assert_eq!(fault.subcodes, vec![ExpandedName::new(ns::WSMAN, "InvalidSelectors")]);
}

#[test]
fn qname_values_with_undeclared_prefixes_do_not_resolve() {
    let d = XmlDocument::parse(b"<r xmlns:k='urn:k'><v>k:a</v><v>z:b</v><v> plain </v><v>k:</v></r>")
        .expect("well-formed");
    let results = d.resolve_qnames("/r/v", &PrefixMap::new()).expect("eval");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].as_ref().expect("k:a"), &ExpandedName::new("urn:k", "a"));
    assert!(matches!(results[1], Err(SchemaError::QName { reason: "prefix not declared", .. })));
    assert_eq!(results[2].as_ref().expect("plain").namespace, None);
    assert!(results[3].is_err());
}

#[test]
fn unprefixed_qname_takes_the_default_namespace() {
    let d = XmlDocument::parse(b"<r xmlns='urn:d'><v>name</v></r>").expect("well-formed");
    let mut prefixes = PrefixMap::new();
    prefixes.insert("d", "urn:d");
    let results = d.resolve_qnames("/d:r/d:v", &prefixes).expect("eval");
    assert_eq!(results[0].as_ref().expect("resolves"), &ExpandedName::new("urn:d", "name"));
}

#[test]
fn a_document_without_fault_has_no_fault_code() {
    assert!(matches!(doc("receive-response.xml").fault_code(), Err(SchemaError::Missing(_))));
}

#[test]
fn parallel_validation_keeps_input_order_and_reports_unreadable_files() {
    let paths = vec![
        fixture_path("shell-create-request.xml"),
        fixture_path("invalid-replyto-without-address.xml"),
        fixture_path("does-not-exist.xml"),
        fixture_path("fault-response.xml"),
    ];
    let reports = validate_files(&paths);
    assert_eq!(reports.len(), 4);
    for (report, path) in reports.iter().zip(&paths) {
        assert_eq!(&report.path, path);
    }
    assert!(reports[0].is_valid());
    assert!(!reports[1].is_valid());
    assert!(matches!(reports[2].result, Err(SchemaError::Read { .. })));
    assert!(reports[3].is_valid());
}

#[test]
fn parallel_in_memory_validation_matches_sequential() {
    let docs: Vec<Vec<u8>> = ["receive-response.xml", "invalid-replyto-without-address.xml"]
        .iter()
        .cycle()
        .take(64)
        .map(|n| std::fs::read(fixture_path(n)).expect("fixture"))
        .collect();
    let parallel = validate_many(&docs);
    let sequential: Vec<usize> = docs
        .iter()
        .map(|d| with_thread_validator(|v| v.validate(d).len()).expect("validator"))
        .collect();
    let parallel_counts: Vec<usize> = parallel.into_iter().map(|r| r.expect("validated").len()).collect();
    assert_eq!(parallel_counts, sequential);
    assert!(sequential.iter().step_by(2).all(|&n| n == 0));
    assert!(sequential.iter().skip(1).step_by(2).all(|&n| n > 0));
}
