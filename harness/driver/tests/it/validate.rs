//! `driver::validate`: real Windows responses pass; mutated copies fail with
//! a message naming the element and the line.

use std::path::{Path, PathBuf};

use driver::validate::{validate_envelope, validate_paths, Options, ValidateError, RULES};
use report::{RunKind, RunReport, Status};
use test_support::reference::{envelopes, Origin};
use wsman_proto::xml::{self, Element, Limits, Node};
use wsman_proto::{ns, Action};

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
    let report = validate_paths(&[dir.path().to_owned()], Options::default()).expect("validate");
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
    a.ns = Some(ns::WXF.into());
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
    let report = validate_paths(&[dir.path().to_owned()], Options::default()).expect("validate");
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
    assert!(matches!(validate_paths(&[dir.path().to_owned()], Options::default()), Err(ValidateError::NoFiles)));
    assert!(matches!(validate_paths(&[dir.path().join("missing.xml")], Options::default()), Err(ValidateError::Io { .. })));
    // Not XML at all: a FAIL result, not an error.
    let p = dir.path().join("junk.xml");
    std::fs::write(&p, b"not xml <").expect("write");
    let report = validate_paths(&[p], Options::default()).expect("validate");
    assert_eq!(report.summary().failed, 1, "{:?}", report.results);
    assert!(report.results.iter().any(|r| r.status == Status::Fail && r.message.contains("line 1")));
}

// ---------------------------------------------------------------------------
// Fixtures owned by the project, shaped like real traffic (issue 7): a pywinrm
// Create, a winrm4j Receive and a Windows EnumerateResponse. Built with the
// codec's tree; no file of ../shared is read.

/// `s:Envelope` with these header blocks and body children.
fn envelope(headers: Vec<Element>, body: Vec<Element>) -> Element {
    let mut h = Element::ns(ns::SOAP, "Header");
    headers.into_iter().for_each(|e| h.push(e));
    let mut b = Element::ns(ns::SOAP, "Body");
    body.into_iter().for_each(|e| b.push(e));
    Element::ns(ns::SOAP, "Envelope").with_child(h).with_child(b)
}

/// A header element with pywinrm's unqualified `mustUnderstand`.
fn bare_mu(e: Element, value: &str) -> Element {
    e.with_attr(None, "mustUnderstand", value)
}

/// A WinRS request header as pywinrm writes it: `mustUnderstand` with no namespace.
fn pywinrm_headers(action: &str, mu: &str) -> Vec<Element> {
    vec![
        Element::ns(ns::WSA, "To").with_text("http://windows-host:5985/wsman"),
        Element::ns(ns::WSA, "ReplyTo").with_child(bare_mu(Element::ns(ns::WSA, "Address").with_text(ns::WSA_ANONYMOUS), mu)),
        bare_mu(Element::ns(ns::WSMAN, "MaxEnvelopeSize").with_text("153600"), mu),
        Element::ns(ns::WSA, "MessageID").with_text("uuid:ef385720-2eca-4201-99e5-e0251661dadd"),
        bare_mu(Element::ns(ns::WSMAN, "Locale").with_attr(Some(ns::XML), "lang", "en-US"), "false"),
        bare_mu(Element::ns(ns::WSMV, "DataLocale").with_attr(Some(ns::XML), "lang", "en-US"), "false"),
        Element::ns(ns::WSMAN, "OperationTimeout").with_text("PT20S"),
        bare_mu(Element::ns(ns::WSMAN, "ResourceURI").with_text(ns::SHELL_CMD_RESOURCE), mu),
        bare_mu(Element::ns(ns::WSA, "Action").with_text(action), mu),
    ]
}

/// pywinrm's Create of a cmd shell.
pub(crate) fn pywinrm_create() -> Element {
    let shell = Element::ns(ns::RSP, "Shell")
        .with_child(Element::ns(ns::RSP, "InputStreams").with_text("stdin"))
        .with_child(Element::ns(ns::RSP, "OutputStreams").with_text("stdout stderr"));
    envelope(pywinrm_headers(&Action::Create.uri(), "true"), vec![shell])
}

/// winrm4j's Receive: `CommandId` qualified with the shell namespace.
pub(crate) fn winrm4j_receive() -> Element {
    let headers = vec![
        Element::ns(ns::WSA, "Action").with_text(Action::Receive.uri()),
        Element::ns(ns::WSA, "MessageID").with_text("uuid:00000000-0000-4000-8000-000000000001"),
        Element::ns(ns::WSA, "To").with_text("http://windows-host:5985/wsman"),
        Element::ns(ns::WSA, "ReplyTo").with_child(Element::ns(ns::WSA, "Address").with_text(ns::WSA_ANONYMOUS)),
        Element::ns(ns::WSMAN, "ResourceURI").with_text(ns::SHELL_CMD_RESOURCE),
    ];
    let receive = Element::ns(ns::RSP, "Receive").with_child(
        Element::ns(ns::RSP, "DesiredStream").with_attr(Some(ns::RSP), "CommandId", "D6BF85B4-E0D0-4770-9330-F5474E967185").with_text("stdout stderr"),
    );
    envelope(headers, vec![receive])
}

/// A Windows EnumerateResponse (optimized, one Win32_Service item).
pub(crate) fn windows_enumerate_response() -> Element {
    let uri = format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX);
    let headers = vec![
        Element::ns(ns::WSA, "Action").with_text(Action::EnumerateResponse.uri()),
        Element::ns(ns::WSA, "MessageID").with_text("uuid:2131383B-EFAE-46DE-92BB-343BE18B7EAD"),
        Element::ns(ns::WSA, "To").with_text(ns::WSA_ANONYMOUS),
        Element::ns(ns::WSA, "RelatesTo").with_text("uuid:FC40E3CD-53E9-4315-B486-6D538B25D1F5"),
    ];
    let item = Element::ns(&uri, "Win32_Service").with_child(Element::ns(&uri, "Name").with_text("WinRM"));
    let body = Element::ns(ns::WSEN, "EnumerateResponse")
        .with_child(Element::ns(ns::WSEN, "EnumerationContext").with_text("uuid:0F1A2B3C-0000-4000-8000-000000000000"))
        .with_child(Element::ns(ns::WSMAN, "Items").with_child(item))
        .with_child(Element::ns(ns::WSMAN, "EndOfSequence"));
    envelope(headers, vec![body])
}

/// The status and message of `id` on `root`, validated with `options`.
pub(crate) fn verdict(root: &Element, id: &str, options: Options) -> (Status, String) {
    let results = validate_envelope("fixture", &encode(root), options);
    let r = results.iter().find(|r| r.assertion == id).unwrap_or_else(|| panic!("no result for {id}"));
    (r.status, r.message.clone())
}

fn header_mut(env: &mut Element) -> &mut Element {
    child_mut(env, ns::SOAP, "Header").expect("s:Header")
}

fn body_mut(env: &mut Element) -> &mut Element {
    child_mut(env, ns::SOAP, "Body").expect("s:Body")
}

/// Sets the text of the header's wsa:Action.
pub(crate) fn set_action(env: &mut Element, uri: &str) {
    let a = child_mut(header_mut(env), ns::WSA, "Action").expect("wsa:Action");
    a.children = vec![Node::Text(uri.to_owned())];
}

/// Moves the first body element into a misspelt namespace (the last letter dropped).
pub(crate) fn misspell_body_namespace(env: &mut Element) {
    if let Some(Node::Element(first)) = body_mut(env).children.iter_mut().find(|n| matches!(n, Node::Element(_))) {
        let ns_ = first.ns.clone().expect("a namespace");
        first.ns = Some(ns_[..ns_.len() - 1].to_owned().into());
    }
}

const MU: &str = "deviation.unqualified-must-understand";
const CMD_ID: &str = "deviation.qualified-command-id";
const SCHEMA: &str = "schema.valid";
const KNOWN: &str = "envelope.action-known";
const BODY: &str = "envelope.body-matches-action";

#[test]
fn pywinrm_must_understand_is_a_warning_and_strict_fails_it() {
    let env = pywinrm_create();
    let (s, m) = verdict(&env, MU, Options::default());
    assert_eq!(s, Status::Warn, "{m}");
    // Six attributes: ReplyTo/Address, MaxEnvelopeSize, Locale, DataLocale, ResourceURI, Action.
    assert_eq!(m.matches("without the SOAP namespace").count(), 6, "{m}");
    assert!(m.contains("line ") && m.contains("a:Action"), "{m}");
    assert_eq!(verdict(&env, SCHEMA, Options::default()).0, Status::Pass);
    for id in [KNOWN, BODY, "envelope.request-addressing"] {
        assert_eq!(verdict(&env, id, Options::default()).0, Status::Pass, "{id}");
    }
    assert_eq!(verdict(&env, MU, Options { strict: true }).0, Status::Fail);
    // The other deviation is not there.
    assert_eq!(verdict(&env, CMD_ID, Options::default()).0, Status::Pass);
}

#[test]
fn tolerating_must_understand_does_not_hide_real_schema_errors() {
    // A genuine error elsewhere in a pywinrm envelope still fails the schemas.
    let mut env = pywinrm_create();
    let t = child_mut(header_mut(&mut env), ns::WSMAN, "OperationTimeout").expect("OperationTimeout");
    t.children = vec![Node::Text("PT-1S".into())];
    let (s, m) = verdict(&env, SCHEMA, Options::default());
    assert_eq!(s, Status::Fail);
    assert!(m.contains("OperationTimeout") && !m.contains("mustUnderstand"), "{m}");

    // Not a boolean: not the tolerated deviation, so the schemas judge the attribute.
    let env = envelope(pywinrm_headers(&Action::Create.uri(), "yes"), vec![Element::ns(ns::RSP, "Shell")]);
    let (s, m) = verdict(&env, SCHEMA, Options::default());
    assert_eq!(s, Status::Fail);
    assert!(m.contains("mustUnderstand"), "{m}");

    // On a body element it is not a header attribute: judged by the schemas.
    let mut env = pywinrm_create();
    if let Some(Node::Element(shell)) = body_mut(&mut env).children.first_mut() {
        if let Some(Node::Element(input)) = shell.children.first_mut() {
            input.set_attr(None, "mustUnderstand", "true");
        }
    }
    let (s, m) = verdict(&env, SCHEMA, Options::default());
    assert_eq!(s, Status::Fail, "{m}");
    assert!(m.contains("InputStreams"), "{m}");
}

#[test]
fn winrm4j_qualified_command_id_is_a_warning() {
    let env = winrm4j_receive();
    let (s, m) = verdict(&env, CMD_ID, Options::default());
    assert_eq!(s, Status::Warn, "{m}");
    assert!(m.contains("rsp:DesiredStream"), "{m}");
    assert_eq!(verdict(&env, SCHEMA, Options::default()).0, Status::Pass);
    assert_eq!(verdict(&env, CMD_ID, Options { strict: true }).0, Status::Fail);
    // The qualified attribute elsewhere is not tolerated.
    let mut env = winrm4j_receive();
    if let Some(Node::Element(receive)) = body_mut(&mut env).children.first_mut() {
        receive.set_attr(Some(ns::RSP), "SequenceId", "1");
    }
    assert_eq!(verdict(&env, SCHEMA, Options::default()).0, Status::Fail);
}

#[test]
fn windows_responses_shaped_fixture_passes_the_action_rules() {
    let env = windows_enumerate_response();
    for id in [SCHEMA, KNOWN, BODY, MU, CMD_ID, "envelope.response-addressing"] {
        let (s, m) = verdict(&env, id, Options { strict: true });
        assert_eq!(s, Status::Pass, "{id}: {m}");
    }
}

#[test]
fn unknown_action_in_a_known_namespace_fails() {
    let mut env = windows_enumerate_response();
    let bogus = format!("{}/Bogus", ns::WSEN);
    set_action(&mut env, &bogus);
    let (s, m) = verdict(&env, KNOWN, Options::default());
    assert_eq!(s, Status::Fail);
    assert!(m.contains(&bogus) && m.starts_with("line "), "{m}");
    // A response to a response, and a method action whose body does not match.
    set_action(&mut env, &Action::EnumerateResponse.response_uri());
    assert_eq!(verdict(&env, KNOWN, Options::default()).0, Status::Fail);
    let uri = format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX);
    set_action(&mut env, &format!("{uri}/StopServiceResponse"));
    assert_eq!(verdict(&env, KNOWN, Options::default()).0, Status::Fail);
}

#[test]
fn body_in_a_misspelt_namespace_fails() {
    let mut env = windows_enumerate_response();
    misspell_body_namespace(&mut env);
    // Today's rules let it through: the schemas admit unknown namespaces laxly.
    assert_eq!(verdict(&env, SCHEMA, Options::default()).0, Status::Pass);
    assert_eq!(verdict(&env, KNOWN, Options::default()).0, Status::Pass);
    let (s, m) = verdict(&env, BODY, Options::default());
    assert_eq!(s, Status::Fail);
    assert!(m.contains("EnumerateResponse") && m.contains("n:EnumerateResponse") && m.starts_with("line "), "{m}");
}

#[test]
fn custom_method_actions_need_the_matching_body() {
    let uri = format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX);
    let mut env = windows_enumerate_response();
    set_action(&mut env, &format!("{uri}/StopServiceResponse"));
    body_mut(&mut env).children = vec![Node::Element(Element::ns(&uri, "StopService_OUTPUT").with_child(Element::ns(&uri, "ReturnValue").with_text("0")))];
    assert_eq!(verdict(&env, KNOWN, Options::default()).0, Status::Pass);
    assert_eq!(verdict(&env, BODY, Options::default()).0, Status::Pass);
    set_action(&mut env, &format!("{uri}/StartServiceResponse"));
    assert_eq!(verdict(&env, KNOWN, Options::default()).0, Status::Fail);
}

#[test]
fn fault_body_needs_a_fault_action() {
    let mut env = windows_enumerate_response();
    let fault = Element::ns(ns::SOAP, "Fault")
        .with_child(Element::ns(ns::SOAP, "Code").with_child(Element::ns(ns::SOAP, "Value").with_text("s:Sender")))
        .with_child(Element::ns(ns::SOAP, "Reason").with_child(Element::ns(ns::SOAP, "Text").with_attr(Some(ns::XML), "lang", "en-US").with_text("no")));
    body_mut(&mut env).children = vec![Node::Element(fault)];
    assert_eq!(verdict(&env, BODY, Options::default()).0, Status::Fail);
    set_action(&mut env, ns::WSEN_FAULT_ACTION);
    assert_eq!(verdict(&env, BODY, Options::default()).0, Status::Pass);
}
