//! Mutated copies of valid envelopes (written for this project, in tests/data) must be
//! rejected, with a violation naming the element and its line.
//!
//! Mutations are made on a `wsman_proto::xml::Element` tree and re-encoded by its writer
//! (one line), so the line of every violation is 1; the multi-line fixture at the end
//! checks real line numbers.

use schema_check::{Validator, Violation, ViolationKind};
use wsman_proto::ns;
use wsman_proto::xml::{self, Element, Limits, Node};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tree(name: &str) -> Element {
    xml::parse(&fixture(name), &Limits::default()).expect("fixture parses")
}

/// The element at `path` (namespace, local name) below `root`, first match at each step.
fn at<'a>(root: &'a mut Element, path: &[(&str, &str)]) -> &'a mut Element {
    let mut current = root;
    for (namespace, local) in path {
        let next = current.children.iter_mut().find_map(|c| match c {
            Node::Element(e) if e.is(namespace, local) => Some(e),
            _ => None,
        });
        current = next.unwrap_or_else(|| panic!("no {local} on the path"));
    }
    current
}

fn remove_child(parent: &mut Element, namespace: &str, local: &str) {
    let before = parent.children.len();
    parent.children.retain(|c| !matches!(c, Node::Element(e) if e.is(namespace, local)));
    assert!(parent.children.len() < before, "{local} was not there");
}

fn set_text(element: &mut Element, text: &str) {
    element.children = vec![Node::Text(text.to_owned())];
}

fn violations(root: &Element) -> Vec<Violation> {
    let mut validator = Validator::new().expect("schemas compile");
    validator.validate(&xml::to_bytes(root))
}

/// Asserts the first violation is a schema violation on `local` in `namespace`, at line 1.
fn assert_rejected(found: &[Violation], namespace: &str, local: &str, message_part: &str) {
    let first = found.first().unwrap_or_else(|| panic!("mutation accepted (expected {local})"));
    assert_eq!(first.kind, ViolationKind::Schema, "{first}");
    assert_eq!(first.element.as_deref(), Some(format!("{{{namespace}}}{local}").as_str()), "{first}");
    assert_eq!(first.line, Some(1), "{first}");
    assert!(first.message.contains(message_part), "{first}");
}

const ENVELOPE: (&str, &str) = (ns::SOAP, "Envelope");
const HEADER: (&str, &str) = (ns::SOAP, "Header");
const BODY: (&str, &str) = (ns::SOAP, "Body");

#[test]
fn fixtures_are_valid_before_mutation() {
    let mut validator = Validator::new().expect("schemas compile");
    for name in ["shell-create-request.xml", "enumerate-response.xml", "fault-response.xml", "receive-response.xml"] {
        let raw = validator.validate(&fixture(name));
        assert!(raw.is_empty(), "{name}: {raw:?}");
        let reencoded = validator.validate(&xml::to_bytes(&tree(name)));
        assert!(reencoded.is_empty(), "{name} re-encoded: {reencoded:?}");
    }
}

#[test]
fn missing_body_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    remove_child(&mut root, ns::SOAP, "Body");
    assert_rejected(&violations(&root), ENVELOPE.0, ENVELOPE.1, "Missing child element");
}

#[test]
fn reply_to_without_address_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    remove_child(at(&mut root, &[HEADER, (ns::WSA, "ReplyTo")]), ns::WSA, "Address");
    assert_rejected(&violations(&root), ns::WSA, "ReplyTo", "Missing child element");
}

#[test]
fn command_response_without_command_id_is_rejected() {
    let mut root = tree("receive-response.xml");
    let body = at(&mut root, &[BODY]);
    body.children = vec![Node::Element(Element::ns(ns::RSP, "CommandResponse"))];
    assert_rejected(&violations(&root), ns::RSP, "CommandResponse", "Missing child element");
}

#[test]
fn fault_without_reason_is_rejected() {
    let mut root = tree("fault-response.xml");
    let fault = at(&mut root, &[BODY, (ns::SOAP, "Fault")]);
    remove_child(fault, ns::SOAP, "Reason");
    assert_rejected(&violations(&root), ns::SOAP, "Detail", "not expected");
}

#[test]
fn address_in_the_wrong_namespace_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    let address = at(&mut root, &[HEADER, (ns::WSA, "ReplyTo"), (ns::WSA, "Address")]);
    address.ns = Some(ns::WSMAN.into());
    assert_rejected(&violations(&root), ns::WSMAN, "Address", "not expected");
}

#[test]
fn envelope_in_the_wrong_namespace_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    root.ns = Some(ns::WSA.into());
    assert_rejected(&violations(&root), ns::WSA, "Envelope", "validation root");
}

#[test]
fn stream_in_the_wrong_namespace_is_rejected() {
    let mut root = tree("receive-response.xml");
    let stream = at(&mut root, &[BODY, (ns::RSP, "ReceiveResponse"), (ns::RSP, "Stream")]);
    stream.ns = Some(ns::WSMV.into());
    assert_rejected(&violations(&root), ns::WSMV, "Stream", "not expected");
}

#[test]
fn enumeration_context_in_the_wrong_namespace_is_rejected() {
    let mut root = tree("enumerate-response.xml");
    let context = at(&mut root, &[BODY, (ns::WSEN, "EnumerateResponse"), (ns::WSEN, "EnumerationContext")]);
    context.ns = Some(ns::WSMAN.into());
    assert_rejected(&violations(&root), ns::WSMAN, "EnumerationContext", "not expected");
}

#[test]
fn non_numeric_max_envelope_size_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    set_text(at(&mut root, &[HEADER, (ns::WSMAN, "MaxEnvelopeSize")]), "lots");
    assert_rejected(&violations(&root), ns::WSMAN, "MaxEnvelopeSize", "not a valid value");
}

#[test]
fn zero_max_envelope_size_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    set_text(at(&mut root, &[HEADER, (ns::WSMAN, "MaxEnvelopeSize")]), "0");
    assert_rejected(&violations(&root), ns::WSMAN, "MaxEnvelopeSize", "not a valid value");
}

#[test]
fn malformed_operation_timeout_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    set_text(at(&mut root, &[HEADER, (ns::WSMAN, "OperationTimeout")]), "30 seconds");
    assert_rejected(&violations(&root), ns::WSMAN, "OperationTimeout", "not a valid value");
}

#[test]
fn must_understand_that_is_not_a_boolean_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    at(&mut root, &[HEADER, (ns::WSA, "Action")]).set_attr(Some(ns::SOAP), "mustUnderstand", "yes");
    assert_rejected(&violations(&root), ns::WSA, "Action", "mustUnderstand");
}

#[test]
fn non_integer_exit_code_is_rejected() {
    let mut root = tree("receive-response.xml");
    let exit = at(&mut root, &[BODY, (ns::RSP, "ReceiveResponse"), (ns::RSP, "CommandState"), (ns::RSP, "ExitCode")]);
    set_text(exit, "zero");
    assert_rejected(&violations(&root), ns::RSP, "ExitCode", "not a valid value");
}

#[test]
fn unknown_soap_fault_code_is_rejected() {
    let mut root = tree("fault-response.xml");
    let value = at(&mut root, &[BODY, (ns::SOAP, "Fault"), (ns::SOAP, "Code"), (ns::SOAP, "Value")]);
    set_text(value, "s:Client");
    assert_rejected(&violations(&root), ns::SOAP, "Value", "enumeration");
}

#[test]
fn reason_text_without_xml_lang_is_rejected() {
    let mut root = tree("fault-response.xml");
    let text = at(&mut root, &[BODY, (ns::SOAP, "Fault"), (ns::SOAP, "Reason"), (ns::SOAP, "Text")]);
    text.attrs.retain(|a| a.name != "lang");
    assert_rejected(&violations(&root), ns::SOAP, "Text", "lang");
}

#[test]
fn option_without_name_is_rejected() {
    let mut root = tree("shell-create-request.xml");
    let option = at(&mut root, &[HEADER, (ns::WSMAN, "OptionSet"), (ns::WSMAN, "Option")]);
    option.attrs.retain(|a| a.name != "Name");
    assert_rejected(&violations(&root), ns::WSMAN, "Option", "Name");
}

#[test]
fn payload_xsi_type_is_ignored_but_protocol_xsi_type_is_checked() {
    let mut root = tree("enumerate-response.xml");
    assert!(violations(&root).is_empty());
    // The same unknown xsi:type on a protocol element must not be skipped.
    let items = at(&mut root, &[BODY, (ns::WSEN, "EnumerateResponse"), (ns::WSMAN, "Items")]);
    items.set_attr(Some(ns::XSI), "type", "w:NoSuchType");
    let found = violations(&root);
    assert!(found.iter().any(|v| v.element_local_name() == Some("Items")), "xsi:type on wsman:Items was not checked: {found:?}");
}

#[test]
fn violations_carry_the_line_of_the_element() {
    let mut validator = Validator::new().expect("schemas compile");
    let found = validator.validate(&fixture("invalid-replyto-without-address.xml"));
    let first = found.first().expect("invalid fixture rejected");
    assert_eq!(first.line, Some(8), "{first}");
    assert_eq!(first.element_local_name(), Some("PortType"), "{first}");
    assert!(first.to_string().starts_with("line 8: element {"), "{first}");
}

#[test]
fn malformed_xml_is_reported_with_line_and_column() {
    let mut validator = Validator::new().expect("schemas compile");
    let found = validator.validate(b"<a>\n  <b>\n</a>");
    let first = found.first().expect("not well-formed");
    assert_eq!(first.kind, ViolationKind::NotWellFormed);
    assert_eq!(first.line, Some(3), "{first}");
    assert!(first.column.is_some(), "{first}");
}

#[test]
fn empty_and_binary_input_do_not_panic() {
    let mut validator = Validator::new().expect("schemas compile");
    for input in [&b""[..], &b"\x00\xff\xfe"[..], &b"<"[..], &b"<?xml version='1.0'?>"[..]] {
        assert!(!validator.validate(input).is_empty(), "{input:?} accepted");
    }
}

#[test]
fn misspelled_protocol_header_is_reported_as_undeclared_with_its_line() {
    // `w:ResourceUri` (for ResourceURI): a lax wildcard admits it as far as XSD goes; the
    // undeclared-name check does not.
    let bytes = fixture("invalid-misspelled-header.xml");
    let mut validator = Validator::new().expect("schemas compile");
    let found = validator.validate(&bytes);
    assert_eq!(found.len(), 1, "{found:?}");
    let first = &found[0];
    assert_eq!(first.kind, ViolationKind::Undeclared, "{first}");
    assert_eq!(first.element.as_deref(), Some(format!("{{{}}}ResourceUri", ns::WSMAN).as_str()));
    assert_eq!(first.line, Some(9), "{first}");
    // Turned off, the validator judges as XSD alone does.
    validator.set_reject_undeclared(false);
    assert!(validator.validate(&bytes).is_empty());
}

#[test]
fn every_truncation_is_rejected_without_panicking() {
    let bytes = fixture("receive-response.xml");
    let mut validator = Validator::new().expect("schemas compile");
    let end = bytes.iter().rposition(|&b| b == b'>').expect("closing tag");
    for len in (0..end).step_by(3) {
        let found = validator.validate(&bytes[..len]);
        assert!(!found.is_empty(), "truncation at {len} accepted");
        assert_eq!(found[0].kind, ViolationKind::NotWellFormed, "truncation at {len}: {}", found[0]);
    }
    assert!(validator.validate(&bytes).is_empty());
}
