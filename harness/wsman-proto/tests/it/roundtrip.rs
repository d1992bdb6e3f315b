//! Property tests: decode(encode(x)) == x for every model type, and the
//! decoder never panics on arbitrary or mutated input.

use proptest::prelude::*;
use wsman_proto::envelope::Envelope;
use wsman_proto::header::{Header, Locale};
use wsman_proto::selector::WsOption;
use wsman_proto::xml::{self, Element, Node};
use wsman_proto::{ns, Action, Fault, FaultDetail, FaultKind, Instance, Limits, OptionSet, SelectorSet, Value, XsDuration};

fn text() -> impl Strategy<Value = String> {
    // Printable text including XML specials; no leading/trailing whitespace
    // (header values are trimmed by design) and never empty.
    "[a-zA-Z0-9<>&'\"=:/._ -]{0,20}[a-zA-Z0-9<>&'\"]".prop_map(|s| s.trim().to_owned()).prop_filter("non-empty", |s| !s.is_empty())
}

fn uri() -> impl Strategy<Value = String> {
    "[a-z]{1,8}".prop_map(|s| format!("http://example.test/{s}"))
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_]{0,10}"
}

fn selectors() -> impl Strategy<Value = SelectorSet> {
    prop::collection::vec((name(), text()), 0..4).prop_map(|v| {
        let mut s = SelectorSet::default();
        v.into_iter().for_each(|(n, t)| s.push(&n, t));
        s
    })
}

fn options() -> impl Strategy<Value = OptionSet> {
    (prop::collection::vec((name(), text(), any::<bool>(), prop::option::of(name())), 0..3), any::<bool>()).prop_map(|(v, mu)| OptionSet {
        options: v.into_iter().map(|(name, value, must_comply, type_)| WsOption { name, value, must_comply, type_ }).collect(),
        must_understand: mu,
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![prop::sample::select(Action::KNOWN.to_vec()), uri().prop_map(Action::Other)]
}

fn header() -> impl Strategy<Value = Header> {
    (
        (prop::option::of(uri()), prop::option::of(uri()), prop::option::of(action()), prop::option::of(text()), prop::option::of(text())),
        (prop::option::of(uri()), prop::option::of(selectors()), prop::option::of(options()), prop::option::of(0u64..10_000_000), prop::option::of(8192u64..10_000_000)),
        (prop::option::of(("[a-z]{2}-[A-Z]{2}", any::<bool>())), prop::option::of(text()), prop::option::of(text())),
    )
        .prop_map(|((to, reply_to, action, message_id, relates_to), (resource_uri, selectors, options, timeout, max_env), (locale, session_id, fragment))| Header {
            to,
            reply_to,
            fault_to: None,
            action,
            message_id,
            relates_to,
            resource_uri,
            selectors,
            options,
            operation_timeout: timeout.map(XsDuration::from_millis),
            max_envelope_size: max_env,
            locale: locale.map(|(lang, must_understand)| Locale { lang, must_understand }),
            data_locale: None,
            session_id,
            activity_id: None,
            fragment_transfer: fragment,
            fragment_dialect: None,
            unknown: Vec::new(),
        })
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = (prop::option::of(uri()), name(), prop::option::of(text())).prop_map(|(ns, n, t)| {
        let mut e = Element::new(ns.as_deref(), &n);
        if let Some(t) = t {
            e.children.push(Node::Text(t));
        }
        e
    });
    leaf.prop_recursive(4, 24, 4, |inner| {
        (prop::option::of(uri()), name(), prop::collection::vec(inner, 1..4), prop::collection::vec((name(), text()), 0..3)).prop_map(|(ns, n, kids, attrs)| {
            let mut e = Element::new(ns.as_deref(), &n);
            for (k, v) in attrs {
                e.set_attr(None, &k, v);
            }
            e.children.extend(kids.into_iter().map(Node::Element));
            e
        })
    })
}

proptest! {
    #[test]
    fn header_round_trips(h in header()) {
        let env = Envelope { header: h.clone(), body: vec![] };
        let back = Envelope::decode(&env.encode(), &Limits::default()).unwrap();
        prop_assert_eq!(back.header, h);
    }

    #[test]
    fn body_round_trips(body in prop::collection::vec(element(), 0..3)) {
        let env = Envelope { header: Header::default(), body: body.clone() };
        let back = Envelope::decode(&env.encode(), &Limits::default()).unwrap();
        prop_assert_eq!(back.body, body);
    }

    #[test]
    fn selector_and_option_sets_round_trip(s in selectors(), o in options()) {
        prop_assert_eq!(SelectorSet::from_element(&s.to_element()).unwrap(), s);
        prop_assert_eq!(OptionSet::from_element(&o.to_element()).unwrap(), o);
    }

    #[test]
    fn durations_round_trip(ms in 0u64..10_000_000_000) {
        let d = XsDuration::from_millis(ms);
        prop_assert_eq!(XsDuration::parse(&d.to_lexical()), Some(d));
    }

    #[test]
    fn instances_round_trip(props in prop::collection::btree_map(name(), prop::option::of(text()), 0..6)) {
        let mut inst = Instance::new("http://example.test/root/Class", "Class");
        for (k, v) in &props {
            inst.set(k, v.clone().map_or(Value::Null, Value::Str));
        }
        let back = Instance::properties_from_element(&inst.to_element()).unwrap();
        let mut want: Vec<_> = inst.properties.clone();
        want.sort_by_key(|p| p.name.to_ascii_lowercase());
        prop_assert_eq!(back, want);
    }

    #[test]
    fn faults_round_trip(i in 0..FaultKind::ALL.len(), reason in text(), detail in prop::option::of(prop::sample::select(vec![FaultDetail::InvalidValue, FaultDetail::InsufficientSelectors, FaultDetail::Locale]))) {
        let kind = FaultKind::ALL[i];
        let mut f = Fault::new(kind, reason.clone());
        f.detail = detail.clone();
        let env = Envelope { header: Header::default(), body: vec![f.to_element("en-US", "host")] };
        let back = Envelope::decode(&env.encode(), &Limits::default()).unwrap();
        let wire = back.fault().unwrap();
        prop_assert_eq!(wire.kind(), Some(kind));
        prop_assert_eq!(wire.reason.as_deref(), Some(reason.as_str()));
        prop_assert_eq!(wire.reason_lang.as_deref(), Some("en-US"));
        prop_assert_eq!(wire.detail, detail.map(|d| d.uri()));
        prop_assert_eq!(wire.wsman_code, Some(f.windows_code()));
    }

    #[test]
    fn decoder_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Envelope::decode(&bytes, &Limits::default());
    }

    #[test]
    fn decoder_never_panics_on_mutated_envelopes(h in header(), cut in 0usize..2000, flip in 0usize..2000, byte in any::<u8>()) {
        let mut bytes = Envelope { header: h, body: vec![] }.encode();
        if !bytes.is_empty() {
            let i = flip % bytes.len();
            bytes[i] = byte;
            bytes.truncate(cut.max(1).min(bytes.len()));
        }
        let _ = Envelope::decode(&bytes, &Limits::default());
    }
}

#[test]
fn must_understand_is_read_qualified_and_unqualified() {
    let doc = format!(
        r#"<s:Envelope xmlns:s="{s}" xmlns:x="urn:x"><s:Header><x:A s:mustUnderstand="true"/><x:B mustUnderstand="true"/><x:C s:mustUnderstand="false"/></s:Header><s:Body/></s:Envelope>"#,
        s = ns::SOAP
    );
    let env = Envelope::decode(doc.as_bytes(), &Limits::default()).unwrap();
    let flags: Vec<_> = env.header.unknown.iter().map(|u| (u.element.name.as_str(), u.must_understand)).collect();
    assert_eq!(flags, [("A", true), ("B", true), ("C", false)]);
}

#[test]
fn soap11_is_a_version_mismatch_and_garbage_a_schema_error() {
    let v11 = xml::to_bytes(&Element::ns(ns::SOAP11, "Envelope").with_child(Element::ns(ns::SOAP11, "Body")));
    let err = Envelope::decode(&v11, &Limits::default()).unwrap_err();
    assert_eq!(err.to_fault().kind, FaultKind::VersionMismatch);
    let err = Envelope::decode(b"<not-closed>", &Limits::default()).unwrap_err();
    assert_eq!(err.to_fault().kind, FaultKind::SchemaValidationError);
    let bad_timeout = format!(r#"<s:Envelope xmlns:s="{}" xmlns:w="{}"><s:Header><w:OperationTimeout>soon</w:OperationTimeout></s:Header><s:Body/></s:Envelope>"#, ns::SOAP, ns::WSMAN);
    let f = Envelope::decode(bad_timeout.as_bytes(), &Limits::default()).unwrap_err().to_fault();
    assert_eq!((f.kind, f.detail), (FaultKind::InvalidMessageInformationHeader, Some(FaultDetail::InvalidTimeout)));
}

#[test]
fn qname_fault_codes_resolve_whatever_the_prefix() {
    let doc = format!(
        r#"<env:Envelope xmlns:env="{s}" xmlns:zz="{w}"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>zz:InvalidSelectors</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">r</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"#,
        s = ns::SOAP,
        w = ns::WSMAN
    );
    let env = Envelope::decode(doc.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(env.fault().unwrap().kind(), Some(FaultKind::InvalidSelectors));
    let _ = xml::to_bytes(&env.to_element());
}
