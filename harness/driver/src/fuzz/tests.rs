//! Tests of the fuzz library: each operator does what it says, generation is
//! deterministic from a seed, and the oracle accepts the reference server's
//! answers and rejects bad ones.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::strategy::{Strategy, ValueTree};
use wsman_client::hyper::header::{HeaderMap, HeaderValue};
use wsman_client::{RawAuth, RawResponse};
use wsman_proto::xml::{self, Element, Limits};
use wsman_proto::{ns, FaultKind};

use super::attack::{BOMB_COUNT, DEEP_NESTING, HUGE_BODY_LEN};
use super::oracle::REFUSAL_STATUSES;
use super::*;
use crate::corpus::Corpus;
use crate::render::Scope;

const GET: &str = "transfer/get/os-singleton";

/// Renders the first step of a corpus case as the runner would (fixed ids).
fn render(corpus: &Corpus, id: &str, to: &str) -> CaseRequest {
    let case = corpus.case(id).unwrap_or_else(|| panic!("case {id}"));
    let step = &case.steps[0];
    let profile = corpus.profile(&case.profile).map(|p| p.vars.clone()).unwrap_or_default();
    let captured = BTreeMap::new();
    let roles = crate::Target::builtin().expect("the built-in target").scope_for(&case.roles);
    let scope = Scope {
        to,
        session_id: "uuid:11111111-2222-3333-4444-555555555555",
        unique: "f0f0f0f0",
        message_id: "uuid:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE",
        captured: Some(&captured),
        layers: vec![&step.vars, &case.vars, &profile, &roles.vars],
        fragments: Some(&roles.fragments),
    };
    let body = scope.render(corpus.template(case, step).expect("template")).expect("render");
    CaseRequest::new(id, body)
}

fn corpus() -> Corpus {
    Corpus::embedded().expect("the embedded corpus")
}

fn seed() -> CaseRequest {
    render(&corpus(), GET, "http://127.0.0.1:1/wsman")
}

fn tree(r: &MutatedRequest) -> Element {
    xml::parse(r.body.as_bytes().expect("bytes"), &Limits::default()).expect("well-formed")
}

fn headers(t: &Element) -> Vec<(String, String)> {
    t.child(ns::SOAP, "Header").expect("Header").elements().map(|e| (e.ns.as_deref().unwrap_or_default().to_owned(), e.name.clone())).collect()
}

fn one(op: Operator, choice: u32) -> MutatedRequest {
    build(&seed(), &[Mutation::new(op, choice)])
}

#[test]
fn names_are_unique_stable_and_round_trip() {
    let mut seen = std::collections::BTreeSet::new();
    for op in Operator::ALL {
        assert!(seen.insert(op.name()), "duplicate name {}", op.name());
        assert_eq!(Operator::from_name(op.name()), Some(*op));
        assert!(op.name().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }
    for f in [Family::Structural, Family::Encoding, Family::Transport, Family::Attack] {
        assert!(Operator::of_family(f).count() >= 4, "{f:?}");
    }
    assert_eq!(Operator::HeaderDrop.name(), "header-drop");
}

#[test]
fn no_mutation_keeps_the_seed_bytes() {
    let s = seed();
    let r = build(&s, &[]);
    assert_eq!(r.body.as_bytes(), Some(&s.body[..]));
    assert!(r.applied.is_empty() && r.facts.well_formed);
    assert!(r.facts.action.as_deref().is_some_and(|a| a.ends_with("/Get")));
    assert!(r.facts.message_id.is_some());
}

#[test]
fn header_operators_drop_duplicate_reorder() {
    let before = headers(&tree(&build(&seed(), &[])));
    let dropped = headers(&tree(&one(Operator::HeaderDrop, 0)));
    assert_eq!(dropped.len(), before.len() - 1);
    assert_eq!(&dropped[..], &before[1..]);
    let dup = headers(&tree(&one(Operator::HeaderDuplicate, 1)));
    assert_eq!(dup.len(), before.len() + 1);
    assert_eq!(dup[1], dup[2]);
    let rev = headers(&tree(&one(Operator::HeaderReorder, 0)));
    assert_eq!(rev, before.iter().rev().cloned().collect::<Vec<_>>());
}

#[test]
fn namespace_swap_moves_the_envelope_or_a_header() {
    let r = one(Operator::NamespaceSwap, 0);
    let t = xml::parse(r.body.as_bytes().unwrap(), &Limits::default()).unwrap();
    assert_eq!(t.ns.as_deref(), Some(ns::SOAP11));
    let before = headers(&tree(&build(&seed(), &[])));
    let r = one(Operator::NamespaceSwap, 3);
    let after = headers(&tree(&r));
    assert_eq!(after[0].1, before[0].1);
    assert_ne!(after[0].0, before[0].0);
}

#[test]
fn unknown_headers_carry_the_must_understand_asked_for() {
    let mu = |r: &MutatedRequest| {
        let t = tree(r);
        let h = t.child(ns::SOAP, "Header").unwrap();
        let el = h.elements().find(|e| e.name == "FuzzUnknownHeader").expect("the unknown header").clone();
        el.attr(Some(ns::SOAP), "mustUnderstand").map(str::to_owned)
    };
    assert_eq!(mu(&one(Operator::UnknownHeaderMustUnderstand, 0)).as_deref(), Some("true"));
    assert_eq!(mu(&one(Operator::UnknownHeaderMustUnderstand, 3)).as_deref(), Some("1"));
    assert_eq!(mu(&one(Operator::UnknownHeader, 0)), None);
    assert_eq!(mu(&one(Operator::UnknownHeader, 3)).as_deref(), Some("false"));
}

#[test]
fn addressing_operators_change_or_remove_their_header() {
    let text = |r: &MutatedRequest, space: &str, n: &str| tree(r).child(ns::SOAP, "Header").unwrap().child_text(space, n);
    assert_eq!(one(Operator::ActionMissing, 0).facts.action, None);
    assert_eq!(text(&one(Operator::ActionMissing, 0), ns::WSA, "Action"), None);
    let wrong = one(Operator::ActionWrong, 0);
    assert!(wrong.facts.action.as_deref().is_some_and(|a| a.ends_with("/FuzzUnknownAction")));
    assert_eq!(text(&one(Operator::ToMissing, 0), ns::WSA, "To"), None);
    assert_eq!(text(&one(Operator::ToWrong, 1), ns::WSA, "To").as_deref(), Some("not a uri"));
    assert_eq!(one(Operator::MessageIdMissing, 0).facts.message_id, None);
    assert_eq!(text(&one(Operator::MessageIdWrong, 2), ns::WSA, "MessageID").as_deref(), Some("uuid:"));
    assert_eq!(text(&one(Operator::ResourceUriMissing, 0), ns::WSMAN, "ResourceURI"), None);
    assert_eq!(text(&one(Operator::ResourceUriWrong, 0), ns::WSMAN, "ResourceURI").as_deref(), Some(""));
}

fn selectors(r: &MutatedRequest) -> Option<Vec<Element>> {
    let t = tree(r);
    let set = t.child(ns::SOAP, "Header")?.child(ns::WSMAN, "SelectorSet")?.clone();
    Some(set.elements().cloned().collect())
}

#[test]
fn selector_operators() {
    // The seed Get of Win32_OperatingSystem has no selectors: extra and wrong-type create a set.
    let extra = selectors(&one(Operator::SelectorExtra, 0)).expect("a SelectorSet");
    assert_eq!(extra.len(), 1);
    assert_eq!(extra[0].attr(None, "Name"), Some("FuzzExtra"));
    let wrong = selectors(&one(Operator::SelectorWrongType, 0)).expect("a SelectorSet");
    assert!(wrong[0].child(ns::WSA, "EndpointReference").is_some());
    // Missing and duplicate need selectors: nothing to do on this seed.
    assert!(one(Operator::SelectorMissing, 0).applied.is_empty());
    assert!(one(Operator::SelectorDuplicate, 0).applied.is_empty());
    // On a seed with a selector.
    let with = build(&seed(), &[Mutation::new(Operator::SelectorExtra, 0)]);
    let s = CaseRequest::new("x", with.body.to_bytes().to_vec());
    let dup = build(&s, &[Mutation::new(Operator::SelectorDuplicate, 0)]);
    assert_eq!(selectors(&dup).unwrap().len(), 2);
    let gone = build(&s, &[Mutation::new(Operator::SelectorMissing, 0)]);
    assert_eq!(selectors(&gone).unwrap().len(), 0);
    let no_set = build(&s, &[Mutation::new(Operator::SelectorMissing, 1)]);
    assert!(selectors(&no_set).is_none());
}

#[test]
fn edge_values_and_text_operators() {
    let text = |r: &MutatedRequest, n: &str| tree(r).child(ns::SOAP, "Header").unwrap().child_text(ns::WSMAN, n);
    assert_eq!(text(&one(Operator::MaxEnvelopeSizeEdge, 0), "MaxEnvelopeSize").as_deref(), Some("0"));
    assert_eq!(text(&one(Operator::OperationTimeoutEdge, 8), "OperationTimeout").as_deref(), Some("PT"));
    // Locale's xml:lang is a boundary target of the seed.
    let r = one(Operator::BoundaryValue, 0);
    assert_eq!(r.applied.len(), 1);
    let langs: Vec<String> = tree(&r).child(ns::SOAP, "Header").unwrap().elements().filter_map(|e| e.attr(Some(ns::XML), "lang").map(str::to_owned)).collect();
    assert!(langs.iter().any(|l| l.is_empty()), "{langs:?}");
    let huge = one(Operator::TextHuge, 10);
    assert!(huge.body.len() > 4 * 1024 && huge.body.len() < 8 * 1024, "{}", huge.body.len());
    let bigger = one(Operator::TextHuge, operator::HUGE_TEXT_PAST_ENVELOPE_FROM + 100_000);
    assert!(bigger.body.len() > 64 * 1024 + 100_000 && bigger.body.len() < 64 * 1024 + 100_000 + 4096, "{}", bigger.body.len());
    fn empty_leaves(e: &Element) -> usize {
        usize::from(e.children.is_empty()) + e.elements().map(empty_leaves).sum::<usize>()
    }
    let empty = one(Operator::TextEmpty, 0);
    assert_eq!(empty_leaves(&tree(&empty)), empty_leaves(&tree(&build(&seed(), &[]))) + 1);
}

#[test]
fn encoding_operators() {
    let s = seed();
    let le = one(Operator::Utf16Bom, 0).body.to_bytes();
    assert_eq!(&le[..2], &[0xFF, 0xFE]);
    assert_eq!(xml::decode_text(&le).unwrap(), String::from_utf8(s.body.clone()).unwrap());
    let be = one(Operator::Utf16Bom, 1).body.to_bytes();
    assert_eq!(&be[..2], &[0xFE, 0xFF]);
    let nobom = one(Operator::Utf16NoBom, 0).body.to_bytes();
    assert_eq!(nobom.len(), s.body.len() * 2);
    assert_eq!(nobom[1], 0);
    let bad = one(Operator::Utf8Invalid, 0).body.to_bytes();
    assert!(std::str::from_utf8(&bad).is_err());
    let cut = one(Operator::Truncate, 100);
    assert_eq!(cut.body.len(), 100);
    assert!(!cut.facts.well_formed);
}

#[test]
fn transport_operators() {
    assert_eq!(one(Operator::ContentTypeWrong, 0).content_type, None);
    assert_eq!(one(Operator::ContentTypeWrong, 1).content_type.as_deref(), Some("text/xml;charset=UTF-8"));
    assert_eq!(one(Operator::CharsetWrong, 0).content_type.as_deref(), Some("application/soap+xml;charset=ISO-8859-1"));
    let chunked = one(Operator::Chunked, 2);
    assert_eq!(chunked.framing, Framing::Chunked { chunk: 512 });
    assert!(chunked.needs_streaming());
    assert_eq!(one(Operator::CredentialsMissing, 0).credentials, Credentials::Missing);
    assert!(matches!(one(Operator::CredentialsMissing, 0).to_raw().auth, RawAuth::None));
    let wrong = one(Operator::CredentialsWrong, 1);
    assert_eq!(wrong.credentials, Credentials::Header("Basic YWRtaW46d3Jvbmc=".into()));
    assert!(matches!(wrong.to_raw().auth, RawAuth::Header(_)));
}

#[test]
fn attacks_produce_their_payload() {
    let text = |op: Operator, c: u32| String::from_utf8(one(op, c).body.to_bytes().to_vec()).unwrap();
    let laughs = text(Operator::BillionLaughs, 0);
    assert!(laughs.contains("<!DOCTYPE") && laughs.contains("<!ENTITY lol5 \"&lol4;") && laughs.contains("&lol5;"));
    // The DTD comes after the XML declaration and before the root.
    assert!(laughs.find("<!DOCTYPE").unwrap() > laughs.find("?>").unwrap());
    assert!(laughs.find("<!DOCTYPE").unwrap() < laughs.find("Envelope ").unwrap());
    let xxe = text(Operator::ExternalEntity, 0);
    assert!(xxe.contains("SYSTEM \"file:///etc/passwd\"") && xxe.contains("&xxe;"));
    let deep = text(Operator::DeepNesting, 0);
    assert_eq!(deep.matches("<a>").count(), DEEP_NESTING);
    assert!(matches!(xml::parse_str(&deep, &Limits::default()), Err(xml::XmlError::TooDeep(_))));
    let attrs = text(Operator::AttributeBomb, 0);
    let bomb = &attrs[attrs.find("<Fuzz ").unwrap()..];
    let bomb = &bomb[..bomb.find("/>").unwrap()];
    assert_eq!(bomb.matches("=\"x\"").count(), BOMB_COUNT);
    let nsb = text(Operator::NamespaceBomb, 0);
    let bomb = &nsb[nsb.find("<Fuzz ").unwrap()..];
    assert_eq!(bomb[..bomb.find("/>").unwrap()].matches(" xmlns:p").count(), BOMB_COUNT);
    for t in [&laughs, &xxe, &deep, &attrs, &nsb] {
        assert!(t.trim_end().ends_with("Envelope>"), "the envelope is closed");
    }
}

#[test]
fn huge_bodies_are_generated_lazily() {
    for (op, chunked) in [(Operator::HugeBody, false), (Operator::HugeBodyChunked, true)] {
        let r = one(op, 0);
        let RequestBody::Generated(g) = &r.body else { panic!("{op:?}: a generated body") };
        assert!(g.len() > HUGE_BODY_LEN && g.len() < HUGE_BODY_LEN + 4096);
        assert!(r.needs_streaming());
        assert_eq!(matches!(r.framing, Framing::Chunked { .. }), chunked);
        // Streaming touches every octet but holds one chunk at a time.
        let (mut total, mut biggest) = (0u64, 0usize);
        for c in g.chunks(64 * 1024) {
            total += c.len() as u64;
            biggest = biggest.max(c.len());
        }
        assert_eq!(total, g.len());
        assert!(biggest <= 64 * 1024);
    }
}

#[test]
fn only_the_first_attack_applies_and_phases_compose() {
    let r =
        build(&seed(), &[Mutation::new(Operator::CredentialsMissing, 0), Mutation::new(Operator::DeepNesting, 0), Mutation::new(Operator::BillionLaughs, 0)]);
    assert_eq!(r.operator_names(), vec!["attack-deep-nesting", "credentials-missing"]);
    let r = build(&seed(), &[Mutation::new(Operator::Truncate, 50), Mutation::new(Operator::ActionMissing, 0)]);
    assert_eq!(r.operator_names(), vec!["action-missing", "body-truncated"]);
    assert_eq!(r.body.len(), 50);
    // A raw seed that does not parse: structural operators have nothing to act on.
    let raw = CaseRequest::new("raw", b"<not-xml".to_vec());
    let r = build(&raw, &[Mutation::new(Operator::HeaderDrop, 0), Mutation::new(Operator::Truncate, 3)]);
    assert_eq!(r.operator_names(), vec!["body-truncated"]);
    assert_eq!(r.body.to_bytes(), &b"<no"[..]);
}

fn sample(seed_value: u64, n: usize, operators: &[Operator]) -> Vec<(Vec<Mutation>, u64)> {
    let s = seed();
    let strategy = mutations_of(&s, operators);
    let mut runner = seeded_runner(seed_value);
    (0..n)
        .map(|_| {
            let v = strategy.new_tree(&mut runner).expect("a value").current();
            (v.applied.clone(), v.body.len())
        })
        .collect()
}

#[test]
fn a_seed_gives_the_same_sequence() {
    let ops: Vec<Operator> = Operator::ALL.iter().copied().filter(|o| !matches!(o, Operator::HugeBody | Operator::HugeBodyChunked)).collect();
    let a = sample(42, 200, &ops);
    assert_eq!(a, sample(42, 200, &ops));
    assert_ne!(a, sample(43, 200, &ops));
    // Generation reaches every operator of the list within a few hundred cases.
    let used: std::collections::BTreeSet<Operator> = a.iter().flat_map(|(m, _)| m.iter().map(|m| m.operator)).collect();
    assert!(used.len() >= ops.len() - 6, "only {} of {} operators used", used.len(), ops.len());
}

#[test]
fn a_case_is_generated_again_alone_from_seed_and_number() {
    let s = seed();
    let strategy = mutations_of(&s, &[Operator::HeaderDrop, Operator::TextEmpty, Operator::CharsetWrong, Operator::ActionWrong]);
    let draw = |seed_value: u64, case: u64| strategy.new_tree(&mut case_runner(seed_value, case)).unwrap().current().applied;
    let run: Vec<_> = (0..50).map(|n| draw(9, n)).collect();
    assert_eq!(draw(9, 37), run[37]);
    let distinct: std::collections::BTreeSet<_> = run.iter().map(|a| format!("{a:?}")).collect();
    assert!(distinct.len() > 40, "cases differ from each other: {}", distinct.len());
    assert_ne!(draw(10, 37), run[37]);
}

#[test]
fn mutations_read_back_from_their_text() {
    for op in Operator::ALL {
        let m = Mutation::new(*op, 4_000_000_007);
        assert_eq!(m.to_string().parse::<Mutation>(), Ok(m));
    }
    assert!(matches!("header-drop".parse::<Mutation>(), Err(ParseMutationError::Form(_))));
    assert!(matches!("no-such-op:1".parse::<Mutation>(), Err(ParseMutationError::Operator(_))));
    assert!(matches!("header-drop:-1".parse::<Mutation>(), Err(ParseMutationError::Choice(_))));
}

#[test]
fn shrinking_reduces_to_the_operator_that_fails() {
    // A property failing whenever the Action is missing shrinks to that one mutation, choice 0.
    let s = seed();
    let ops = [Operator::ActionMissing, Operator::HeaderReorder, Operator::TextHuge, Operator::ContentTypeWrong];
    let mut runner = seeded_runner(7);
    let result = runner.run(&mutations_of(&s, &ops), |r| {
        proptest::prop_assert!(r.facts.action.is_some());
        Ok(())
    });
    let Err(proptest::test_runner::TestError::Fail(_, minimal)) = result else { panic!("the property fails: {result:?}") };
    assert_eq!(minimal.applied, vec![Mutation::new(Operator::ActionMissing, 0)]);
}

// ---- the oracle ----

fn response(status: u16, content_type: Option<&'static str>, body: &str) -> RawResponse {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert("content-type", HeaderValue::from_static(ct));
    }
    RawResponse { status, headers, body: body.to_owned().into_bytes().into(), elapsed: Duration::from_millis(3) }
}

fn envelope(action: &str, relates: &str, body: &str) -> String {
    let mut root = Element::ns(ns::SOAP, "Envelope");
    root.push(
        Element::ns(ns::SOAP, "Header")
            .with_child(Element::ns(ns::WSA, "Action").with_text(action))
            .with_child(Element::ns(ns::WSA, "RelatesTo").with_text(relates))
            .with_child(Element::ns(ns::WSA, "To").with_text(ns::WSA_ANONYMOUS)),
    );
    let mut b = Element::ns(ns::SOAP, "Body");
    if !body.is_empty() {
        b.push(Element::ns(ns::WXF, body));
    }
    root.push(b);
    String::from_utf8(xml::to_bytes(&root)).unwrap()
}

fn fault_envelope(relates: &str, kind: FaultKind, subcode: Option<(&str, &str)>) -> String {
    let info = kind.info();
    let mut root = Element::ns(ns::SOAP, "Envelope");
    root.push(
        Element::ns(ns::SOAP, "Header")
            .with_child(Element::ns(ns::WSA, "Action").with_text(info.action))
            .with_child(Element::ns(ns::WSA, "RelatesTo").with_text(relates)),
    );
    let prefix = |n: &str| ns::preferred_prefix(n).unwrap_or("ns");
    let mut code = Element::ns(ns::SOAP, "Code").with_child(Element::ns(ns::SOAP, "Value").with_text(format!("s:{}", info.code.local_name())));
    if let Some((sns, sl)) = subcode.or(info.subcode) {
        code.push(Element::ns(ns::SOAP, "Subcode").with_child(Element::ns(ns::SOAP, "Value").with_text(format!("{}:{sl}", prefix(sns)))));
    }
    let fault = Element::ns(ns::SOAP, "Fault")
        .with_child(code)
        .with_child(Element::ns(ns::SOAP, "Reason").with_child(Element::ns(ns::SOAP, "Text").with_attr(Some(ns::XML), "lang", "en-US").with_text("no")));
    root.push(Element::ns(ns::SOAP, "Body").with_child(fault));
    String::from_utf8(xml::to_bytes(&root)).unwrap()
}

const SOAP_CT: Option<&str> = Some("application/soap+xml;charset=UTF-8");
const DEADLINE: Duration = Duration::from_secs(5);

#[test]
fn oracle_accepts_good_answers() {
    let req = build(&seed(), &[]);
    let mid = req.facts.message_id.clone().unwrap();
    let action = req.facts.action.clone().unwrap();
    let ok = response(200, SOAP_CT, &envelope(&format!("{action}Response"), &mid, "Fake"));
    assert_eq!(judge(&req, Ok(&ok), DEADLINE), Verdict::Pass(Outcome::Success(Some(format!("{action}Response")))));
    let fault = response(500, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidSelectors, None));
    assert_eq!(judge(&req, Ok(&fault), DEADLINE), Verdict::Pass(Outcome::Fault(FaultKind::InvalidSelectors)));
    // 400 for a Sender fault: from other endpoints only.
    let f400 = response(400, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidSelectors, None));
    assert!(judge(&req, Ok(&f400), DEADLINE).passed());
    assert_eq!(Oracle::reference().judge(&req, Ok(&f400), DEADLINE).finding_kind(), Some(FindingKind::FaultStatus));
    let r400 = response(400, SOAP_CT, &fault_envelope(&mid, FaultKind::InternalError, None));
    assert_eq!(judge(&req, Ok(&r400), DEADLINE).finding_kind(), Some(FindingKind::FaultStatus));
    for s in REFUSAL_STATUSES {
        assert_eq!(judge(&req, Ok(&response(s, None, "")), DEADLINE), Verdict::Pass(Outcome::Refused(s)));
    }
}

#[test]
fn oracle_rejects_bad_answers() {
    let req = build(&seed(), &[]);
    let mid = req.facts.message_id.clone().unwrap();
    let action = req.facts.action.clone().unwrap();
    let kind = |r: &RawResponse| judge(&req, Ok(r), DEADLINE).finding_kind();
    assert_eq!(kind(&response(200, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidSelectors, None))), Some(FindingKind::FaultWithSuccessStatus));
    assert_eq!(kind(&response(500, Some("text/html"), "<html><body>Internal Server Error</body></html>")), Some(FindingKind::ServerErrorWithoutSoap));
    assert_eq!(kind(&response(503, None, "")), Some(FindingKind::ServerErrorWithoutSoap));
    assert_eq!(kind(&response(404, None, "")), Some(FindingKind::UnexpectedStatus));
    assert_eq!(kind(&response(200, Some("text/plain"), "ok")), Some(FindingKind::UnexpectedStatus));
    assert_eq!(
        kind(&response(500, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidSelectors, Some((ns::WSMAN, "NoSuchFault"))))),
        Some(FindingKind::UnknownFault)
    );
    assert_eq!(kind(&response(200, SOAP_CT, &envelope(&format!("{action}Response"), "uuid:OTHER", "Fake"))), Some(FindingKind::Correlation));
    assert_eq!(kind(&response(200, SOAP_CT, &envelope(&format!("{action}Nope"), &mid, "Fake"))), Some(FindingKind::WrongAction));
    assert_eq!(kind(&response(202, SOAP_CT, &envelope(&format!("{action}Response"), &mid, "Fake"))), Some(FindingKind::SuccessStatus));
    assert_eq!(kind(&response(200, Some("text/xml"), &envelope(&format!("{action}Response"), &mid, "Fake"))), Some(FindingKind::ContentType));
    let mut slow = response(200, SOAP_CT, &envelope(&format!("{action}Response"), &mid, "Fake"));
    slow.elapsed = DEADLINE + Duration::from_millis(1);
    assert_eq!(kind(&slow), Some(FindingKind::PastDeadline));

    // Without credentials, a success is a bypass.
    let noauth = one(Operator::CredentialsMissing, 0);
    let ok = response(200, SOAP_CT, &envelope(&format!("{action}Response"), &mid, "Fake"));
    assert_eq!(judge(&noauth, Ok(&ok), DEADLINE).finding_kind(), Some(FindingKind::AuthBypass));
    // ... and so is any fault but AccessDenied (which other endpoints may send with 401).
    let fault = response(500, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidSelectors, None));
    assert_eq!(judge(&noauth, Ok(&fault), DEADLINE).finding_kind(), Some(FindingKind::AuthBypass));
    let denied = response(401, SOAP_CT, &fault_envelope(&mid, FaultKind::AccessDenied, None));
    assert_eq!(judge(&noauth, Ok(&denied), DEADLINE), Verdict::Pass(Outcome::Fault(FaultKind::AccessDenied)));
    assert_eq!(Oracle::reference().judge(&noauth, Ok(&denied), DEADLINE).finding_kind(), Some(FindingKind::FaultStatus));
    assert_eq!(judge(&noauth, Ok(&response(401, None, "")), DEADLINE), Verdict::Pass(Outcome::Refused(401)));
    // Without an Action, a success is unexpected.
    let noaction = one(Operator::ActionMissing, 0);
    assert_eq!(judge(&noaction, Ok(&ok), DEADLINE).finding_kind(), Some(FindingKind::UnexpectedSuccess));
    // A chain expecting InvalidEnumerationContext.
    let mut chain = build(&seed(), &[]);
    chain.expect = Expectation::Fault(vec![FaultKind::InvalidEnumerationContext]);
    assert_eq!(judge(&chain, Ok(&ok), DEADLINE).finding_kind(), Some(FindingKind::UnexpectedSuccess));
    let other = response(500, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidSelectors, None));
    assert_eq!(judge(&chain, Ok(&other), DEADLINE).finding_kind(), Some(FindingKind::WrongFault));
    assert_eq!(judge(&chain, Ok(&response(400, None, "")), DEADLINE).finding_kind(), Some(FindingKind::WrongFault));
    let right = response(500, SOAP_CT, &fault_envelope(&mid, FaultKind::InvalidEnumerationContext, None));
    assert!(judge(&chain, Ok(&right), DEADLINE).passed());
}

/// A listener that accepts, reads a little and closes without answering.
async fn dropping_listener() -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wsman", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    (url, task)
}

#[tokio::test]
async fn oracle_reports_a_dropped_connection() {
    let (url, task) = dropping_listener().await;
    let session = wsman_client::Session::new(wsman_client::Endpoint::new(&url).with_timeout(DEADLINE)).unwrap();
    let req = build(&render(&corpus(), GET, &url), &[]);
    let resp = session.raw(req.to_raw()).await;
    let err = resp.expect_err("the listener never answers");
    assert_eq!(judge(&req, Err(&err), DEADLINE).finding_kind(), Some(FindingKind::DroppedConnection));
    task.abort();
}

/// The operators the reference-server sample uses: every one the raw exchange can send
/// (chunked framing needs a streaming sender) except the 100 MB body (its own test).
fn sendable() -> Vec<Operator> {
    Operator::ALL.iter().copied().filter(|o| !matches!(o, Operator::Chunked | Operator::HugeBody | Operator::HugeBodyChunked)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_passes_a_sample_of_mutations() {
    let server = test_support::TestServer::reference().await;
    let session = wsman_client::Session::new(wsman_client::Endpoint::new(&server.url).with_user("admin", "admin").with_timeout(DEADLINE)).unwrap();
    let corpus = corpus();
    let seeds: Vec<CaseRequest> = ["core/identify/basic", GET, "transfer/get/service-winrm", "enumeration/enumerate/service-optimized-5"]
        .iter()
        .filter(|id| corpus.case(id).is_some())
        .map(|id| render(&corpus, id, &server.url))
        .collect();
    assert_eq!(seeds.len(), 4, "seed cases present");
    let ops = sendable();
    let mut runner = seeded_runner(2026);
    let mut per_operator: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outcomes = [0usize; 3];
    let mut findings = Vec::new();
    for i in 0..300 {
        let seed = &seeds[i % seeds.len()];
        let req = mutations_of(seed, &ops).new_tree(&mut runner).expect("a value").current();
        let resp = session.raw(req.to_raw()).await;
        let verdict = Oracle::reference().judge(&req, resp.as_ref(), DEADLINE);
        for n in req.operator_names() {
            *per_operator.entry(n).or_default() += 1;
        }
        match &verdict {
            Verdict::Pass(Outcome::Success(_)) => outcomes[0] += 1,
            Verdict::Pass(Outcome::Fault(_)) => outcomes[1] += 1,
            Verdict::Pass(Outcome::Refused(_)) => outcomes[2] += 1,
            Verdict::Fail(f) => findings.push(format!("{} {:?}: {} {}", seed.case, req.operator_names(), f.kind.name(), f.message)),
        }
    }
    assert!(findings.is_empty(), "{} findings:\n{}", findings.len(), findings.join("\n"));
    // The sample is not trivial: all three kinds of acceptable answer occur.
    assert!(outcomes.iter().all(|n| *n > 0), "success/fault/refused: {outcomes:?}");
    // Every operator of the list changed some request of the sample.
    assert_eq!(per_operator.len(), ops.len(), "{per_operator:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_refuses_every_attack() {
    let server = test_support::TestServer::reference().await;
    let session =
        wsman_client::Session::new(wsman_client::Endpoint::new(&server.url).with_user("admin", "admin").with_timeout(Duration::from_secs(30))).unwrap();
    let seed = render(&corpus(), GET, &server.url);
    for op in Operator::of_family(Family::Attack).filter(|o| *o != Operator::HugeBodyChunked) {
        let req = build(&seed, &[Mutation::new(op, 0)]);
        let resp = session.raw(req.to_raw()).await;
        let verdict = Oracle::reference().judge(&req, resp.as_ref(), Duration::from_secs(30));
        assert!(verdict.passed(), "{}: {verdict:?}", op.name());
        assert!(!matches!(verdict, Verdict::Pass(Outcome::Success(_))), "{}: accepted", op.name());
    }
    server.stop().await;
}

/// Judges `n` seeded mutations of `seeds` against `url`; the finding kinds seen.
async fn findings_against(url: &str, seeds: &[CaseRequest], ops: &[Operator], n: usize, seed_value: u64) -> std::collections::BTreeSet<FindingKind> {
    let session = wsman_client::Session::new(wsman_client::Endpoint::new(url).with_user("admin", "admin").with_timeout(DEADLINE)).unwrap();
    let mut runner = seeded_runner(seed_value);
    let mut kinds = std::collections::BTreeSet::new();
    for i in 0..n {
        let req = mutations_of(&seeds[i % seeds.len()], ops).new_tree(&mut runner).expect("a value").current();
        let resp = session.raw(req.to_raw()).await;
        if let Verdict::Fail(f) = Oracle::reference().judge(&req, resp.as_ref(), DEADLINE) {
            kinds.insert(f.kind);
        }
    }
    kinds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oracle_finds_defects_that_break_error_handling() {
    use wsman_server::{Config, Defect, DefectSet};
    let corpus = corpus();
    let all = sendable();
    // The wrong password of the reference server's user is one of seven wrong credentials.
    let credentials = [Operator::CredentialsWrong];
    for (defect, expected, ops) in [
        (Defect::FaultHttp200, FindingKind::FaultWithSuccessStatus, &all[..]),
        (Defect::HtmlErrorPage, FindingKind::ServerErrorWithoutSoap, &all[..]),
        (Defect::WrongResponseAction, FindingKind::WrongAction, &all[..]),
        (Defect::RelatesToLowercase, FindingKind::Correlation, &all[..]),
        (Defect::WrongContentType, FindingKind::ContentType, &all[..]),
        (Defect::AcceptWrongPassword, FindingKind::AuthBypass, &credentials[..]),
    ] {
        let server = test_support::TestServer::start(Config { defects: DefectSet::new([defect]), ..Default::default() }).await;
        let seeds: Vec<CaseRequest> = [GET, "transfer/get/service-winrm"].iter().map(|id| render(&corpus, id, &server.url)).collect();
        let kinds = findings_against(&server.url, &seeds, ops, 60, 11).await;
        assert!(kinds.contains(&expected), "{defect:?}: expected {expected:?} among {kinds:?}");
        server.stop().await;
    }
}
