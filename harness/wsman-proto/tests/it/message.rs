//! The typed message bodies: decode(encode(m)) == m for every message type
//! (through bytes, so the writer and the reader are in the loop), decoding
//! of hand-written bodies with foreign prefixes, and the fault of every
//! malformed input the server's operations refuse.

use std::num::NonZeroU64;

use proptest::prelude::*;
use wsman_proto::header::Header;
use wsman_proto::message::{
    check_representation, Create, CreateResponse, Delete, DeleteResponse, EndpointReference, Enumerate, EnumerateResponse, EnumerationMode, Expires, Filter,
    Get, GetResponse, Identify, IdentifyResponse, Item, Message, MessageError, MethodInput, MethodOutput, Pull, PullResponse, Put, PutResponse, Release,
    ReleaseResponse,
};
use wsman_proto::xml::{Element, Node};
use wsman_proto::{ns, Action, Envelope, FaultDetail, FaultKind, Instance, Limits, Value, XsDuration};

use super::roundtrip::{element, name, selectors, text, uri};

// ---------------------------------------------------------------- helpers

/// Encodes `m` in an envelope, to bytes and back, and decodes the body both ways.
pub(crate) fn through_the_wire<M: Message + PartialEq + std::fmt::Debug>(m: &M) -> M {
    let env = Envelope { header: Header::default(), body: m.encode() };
    let back = Envelope::decode(&env.encode(), &Limits::default()).expect("an encoded envelope decodes");
    let borrowed = M::decode(&back.body).expect("an encoded body decodes");
    let owned = M::decode_owned(back.body).expect("an encoded body decodes when owned");
    assert_eq!(borrowed, owned, "decode and decode_owned disagree");
    assert_eq!(m.clone().into_body(), m.encode(), "into_body and encode disagree");
    owned
}

/// The body of a hand-written envelope whose prefixes are not the writer's
/// (`env:` for SOAP, `q:` for WS-Enumeration, `m:` for WS-Management, `ad:`
/// WS-Addressing, `id:` Identify, `t:` WS-Transfer, `sh:` the WinRS shell).
pub(crate) fn body(inner: &str) -> Vec<Element> {
    let doc = format!(
        r#"<env:Envelope xmlns:env="{s}" xmlns:q="{wsen}" xmlns:m="{wsman}" xmlns:ad="{wsa}" xmlns:id="{wsmid}" xmlns:t="{wxf}" xmlns:sh="{rsp}"><env:Header/><env:Body>{inner}</env:Body></env:Envelope>"#,
        s = ns::SOAP,
        wsen = ns::WSEN,
        wsman = ns::WSMAN,
        wsa = ns::WSA,
        wsmid = ns::WSMID,
        wxf = ns::WXF,
        rsp = ns::RSP,
    );
    Envelope::decode(doc.as_bytes(), &Limits::default()).expect("test document is an envelope").body
}

fn fault_of(e: MessageError) -> (FaultKind, Option<FaultDetail>) {
    let f = e.to_fault();
    (f.kind, f.detail)
}

/// The fault the server answers for an Enumerate body.
fn enumerate_fault(inner: &str) -> (FaultKind, Option<FaultDetail>) {
    fault_of(Enumerate::decode_supported(&body(inner)).expect_err("the body is refused"))
}

fn nonzero() -> impl Strategy<Value = NonZeroU64> {
    (1u64..=u64::MAX).prop_map(|n| NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN))
}

fn context() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), text()]
}

fn items() -> impl Strategy<Value = Vec<Element>> {
    prop::collection::vec(element(), 0..4)
}

fn epr() -> impl Strategy<Value = EndpointReference> {
    (text(), prop::option::of(uri()), prop::option::of(selectors()), prop::collection::vec(element(), 0..2), prop::collection::vec(element(), 0..2)).prop_map(
        |(address, resource_uri, selectors, other_parameters, reference_properties)| EndpointReference {
            address,
            resource_uri,
            selectors,
            other_parameters,
            reference_properties,
        },
    )
}

fn expires() -> impl Strategy<Value = Expires> {
    prop_oneof![
        (0u64..10_000_000_000).prop_map(|ms| Expires::Duration(XsDuration::from_millis(ms))),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z".prop_map(Expires::DateTime),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    let content = prop_oneof![
        Just(Vec::new()),
        text().prop_map(|t| vec![Node::Text(t)]),
        prop::collection::vec(element(), 1..3).prop_map(|v| v.into_iter().map(Node::Element).collect()),
    ];
    prop_oneof![
        prop_oneof![Just(String::new()), text()].prop_map(Filter::Wql),
        selectors().prop_map(Filter::Selector),
        (uri(), content).prop_map(|(dialect, content)| Filter::Other { dialect, content }),
    ]
}

fn mode() -> impl Strategy<Value = EnumerationMode> {
    prop::sample::select(vec![EnumerationMode::Object, EnumerationMode::Epr, EnumerationMode::ObjectAndEpr])
}

fn enumerate() -> impl Strategy<Value = Enumerate> {
    (prop::option::of(expires()), any::<bool>(), prop::option::of(nonzero()), mode(), prop::option::of(filter()), any::<bool>()).prop_map(
        |(expires, optimize, max_elements, mode, filter, request_total_items_count_estimate)| Enumerate {
            expires,
            optimize,
            max_elements,
            mode,
            filter,
            request_total_items_count_estimate,
        },
    )
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![element().prop_map(Item::Object), epr().prop_map(Item::Epr), (element(), epr()).prop_map(|(object, epr)| Item::ObjectAndEpr { object, epr }),]
}

// ---------------------------------------------------------------- round trips

proptest! {
    #[test]
    fn identify_round_trips(_x in Just(())) {
        prop_assert_eq!(through_the_wire(&Identify), Identify);
    }

    #[test]
    fn identify_response_round_trips(
        protocol_versions in prop::collection::vec(uri(), 1..3),
        product_vendor in prop::option::of(text()),
        product_version in prop::option::of(text()),
        security_profiles in prop::option::of(prop::collection::vec(uri(), 0..3)),
        extensions in prop::collection::vec(element(), 0..2),
    ) {
        let m = IdentifyResponse { protocol_versions, product_vendor, product_version, security_profiles, extensions };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn empty_bodies_round_trip(_x in Just(())) {
        prop_assert_eq!(through_the_wire(&Get), Get);
        prop_assert_eq!(through_the_wire(&Delete), Delete);
        prop_assert_eq!(through_the_wire(&DeleteResponse), DeleteResponse);
        prop_assert_eq!(through_the_wire(&ReleaseResponse), ReleaseResponse);
    }

    #[test]
    fn transfer_bodies_round_trip(representation in element(), maybe in prop::option::of(element()), created in epr()) {
        let m = GetResponse { representation: representation.clone() };
        prop_assert_eq!(through_the_wire(&m), m);
        let m = Put { representation: representation.clone() };
        prop_assert_eq!(through_the_wire(&m), m);
        let m = Create { representation };
        prop_assert_eq!(through_the_wire(&m), m);
        let m = PutResponse { representation: maybe.clone() };
        prop_assert_eq!(through_the_wire(&m), m);
        let m = CreateResponse { resource_created: created, representation: maybe };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn enumerate_round_trips(m in enumerate()) {
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn enumerate_response_round_trips(context in prop::option::of(context()), items in prop::option::of(items()), end_of_sequence in any::<bool>()) {
        let m = EnumerateResponse { context, items, end_of_sequence };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn pull_round_trips(
        context in context(),
        max_time in prop::option::of((0u64..10_000_000).prop_map(XsDuration::from_millis)),
        max_elements in prop::option::of(nonzero()),
        max_characters in prop::option::of(any::<u64>()),
    ) {
        let m = Pull { context, max_time, max_elements, max_characters };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn pull_response_round_trips(context in prop::option::of(context()), items in items(), end_of_sequence in any::<bool>()) {
        let m = PullResponse { context, items, end_of_sequence };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn release_round_trips(context in context()) {
        let m = Release { context };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn method_bodies_round_trip(resource_uri in uri(), method in name(), parameters in prop::collection::vec(element(), 0..4)) {
        let m = MethodInput { resource_uri: resource_uri.clone(), method: method.clone(), parameters: parameters.clone() };
        prop_assert_eq!(through_the_wire(&m), m);
        let m = MethodOutput { resource_uri, method, parameters };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn items_round_trip(items in prop::collection::vec(item(), 0..4)) {
        // Items travel as elements of a PullResponse; the typed view reads them back.
        let m = PullResponse { context: None, items: items.iter().cloned().map(Item::into_element).collect(), end_of_sequence: true };
        let back = through_the_wire(&m);
        let typed: Vec<Item> = back.items.iter().map(Item::from_element).collect::<Result<_, _>>().expect("items decode");
        prop_assert_eq!(typed, items);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_trees(body in prop::collection::vec(element(), 0..3)) {
        let _ = Enumerate::decode(&body);
        let _ = Enumerate::decode_supported(&body);
        let _ = EnumerateResponse::decode(&body);
        let _ = Pull::decode(&body);
        let _ = PullResponse::decode(&body);
        let _ = Release::decode(&body);
        let _ = IdentifyResponse::decode(&body);
        let _ = CreateResponse::decode(&body);
        let _ = MethodInput::decode(&body);
        let _ = MethodOutput::decode(&body);
        for el in &body {
            let _ = Item::from_element(el);
        }
    }
}

// ---------------------------------------------------------------- foreign prefixes, real shapes

#[test]
fn enumerate_decodes_whatever_the_prefixes() {
    let m = Enumerate::decode_supported(&body(&format!(
        r#"<q:Enumerate><m:OptimizeEnumeration /><m:MaxElements> 32000 </m:MaxElements><m:EnumerationMode>EnumerateObjectAndEPR</m:EnumerationMode><m:Filter Dialect="{}"><m:SelectorSet><m:Selector Name="ShellId">B6631D8E</m:Selector></m:SelectorSet></m:Filter><m:RequestTotalItemsCountEstimate/><q:Expires>PT10M</q:Expires></q:Enumerate>"#,
        ns::dialect::SELECTOR
    )))
    .expect("decodes");
    assert_eq!(
        m,
        Enumerate {
            expires: Some(Expires::Duration(XsDuration::from_millis(600_000))),
            optimize: true,
            max_elements: NonZeroU64::new(32000),
            mode: EnumerationMode::ObjectAndEpr,
            filter: Some(Filter::Selector(wsman_proto::SelectorSet::default().with("ShellId", "B6631D8E"))),
            request_total_items_count_estimate: true,
        }
    );
    // A plain `<wsen:Enumerate>` with only whitespace inside, as the MS-WSMV shell examples send it.
    assert_eq!(Enumerate::decode_supported(&body("<q:Enumerate>\n</q:Enumerate>")), Ok(Enumerate::default()));
    // WQL, in wsen:Filter, text trimmed.
    let wql = Enumerate::decode_supported(&body(&format!(
        r#"<q:Enumerate><q:Filter Dialect="{}"> SELECT * FROM Win32_Service </q:Filter></q:Enumerate>"#,
        ns::dialect::WQL
    )));
    assert_eq!(wql.map(|e| e.filter), Ok(Some(Filter::Wql("SELECT * FROM Win32_Service".into()))));
}

#[test]
fn an_enumeration_that_ends_at_once_has_an_empty_context() {
    // Windows: optimized, nothing (more) to return: empty context element plus EndOfSequence, no Items.
    let m = EnumerateResponse::decode(&body("<q:EnumerateResponse><q:EnumerationContext></q:EnumerationContext><m:EndOfSequence/></q:EnumerateResponse>"))
        .expect("decodes");
    assert_eq!(m, EnumerateResponse { context: Some(String::new()), items: None, end_of_sequence: true });
    // Without optimization: a context and nothing else.
    let m = EnumerateResponse::decode(&body("<q:EnumerateResponse>\n<q:EnumerationContext>\nuuid:22EB9809\n</q:EnumerationContext>\n</q:EnumerateResponse>"))
        .expect("decodes");
    assert_eq!(m, EnumerateResponse { context: Some("uuid:22EB9809".into()), items: None, end_of_sequence: false });
    // And the encoder writes the three shapes apart.
    let absent = EnumerateResponse { context: None, items: None, end_of_sequence: true }.encode();
    assert!(absent[0].child(ns::WSEN, "EnumerationContext").is_none());
    let empty = EnumerateResponse { context: Some(String::new()), items: Some(Vec::new()), end_of_sequence: true }.encode();
    assert_eq!(empty[0].child(ns::WSEN, "EnumerationContext").map(|c| c.children.len()), Some(0));
    assert!(empty[0].child(ns::WSMAN, "Items").is_some() && empty[0].child(ns::WSMAN, "EndOfSequence").is_some());
}

#[test]
fn optimized_items_and_pull_items_decode_with_their_objects() {
    let class = format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX);
    let m = EnumerateResponse::decode_owned(body(&format!(
        r#"<q:EnumerateResponse><q:EnumerationContext>uuid:1</q:EnumerationContext><m:Items><p:Win32_Service xmlns:p="{class}"><p:Name>WinRM</p:Name><p:Started>true</p:Started></p:Win32_Service><m:XmlFragment><Name>Dhcp</Name></m:XmlFragment></m:Items></q:EnumerateResponse>"#
    )))
    .expect("decodes");
    let items = m.items.expect("Items");
    assert_eq!(items.len(), 2);
    let service = Item::from_element(&items[0]).and_then(|i| i.to_instance()).expect("an instance").expect("an object");
    assert_eq!((service.resource_uri.as_str(), service.class_name.as_str()), (class.as_str(), "Win32_Service"));
    assert_eq!(service.get("started"), Some(&Value::str("true")));
    assert!(matches!(Item::from_element(&items[1]), Ok(Item::Object(ref f)) if f.is(ns::WSMAN, "XmlFragment")));

    // The last Pull of MS-WSMV §4.1.2.6's shape: no context, an instance with its cim:Location EPR, EndOfSequence.
    let last = PullResponse::decode(&body(&format!(
        r#"<q:PullResponse>
             <q:Items>
               <p:myclass xmlns:p="{class}"><p:id>2</p:id>
                 <c:Location xmlns:c="{cim}"><ad:Address> {anon} </ad:Address><ad:ReferenceParameters><m:ResourceURI>{class}</m:ResourceURI><m:SelectorSet><m:Selector Name="id">2</m:Selector></m:SelectorSet></ad:ReferenceParameters></c:Location>
               </p:myclass>
             </q:Items>
             <q:EndOfSequence/>
           </q:PullResponse>"#,
        cim = ns::CIM,
        anon = ns::WSA_ANONYMOUS
    )))
    .expect("decodes");
    assert_eq!((last.context.as_deref(), last.items.len(), last.end_of_sequence), (None, 1, true));
    let location = last.items[0].child(ns::CIM, "Location").map(EndpointReference::from_element).expect("a Location").expect("an EPR");
    assert_eq!(location.address, ns::WSA_ANONYMOUS);
    assert_eq!(location.selectors.as_ref().and_then(|s| s.get("id")), Some("2"));

    // EnumerateObjectAndEPR: wsman:Item; the instance gets its keys from the EPR.
    let inst = Instance::new(class.clone(), "Win32_Service").with("Name", Value::str("WinRM")).with_key("Name", "WinRM");
    let item = Item::ObjectAndEpr { object: inst.to_element(), epr: EndpointReference::of_instance(ns::WSA_ANONYMOUS, &inst) };
    let back = Item::from_element(&item.clone().into_element()).expect("decodes");
    assert_eq!(back, item);
    assert_eq!(back.to_instance().ok().flatten().map(|i| i.keys), Some(inst.keys));
}

#[test]
fn identify_and_create_responses_of_windows_shapes_decode() {
    let m = IdentifyResponse::decode(&body(&format!(
        "<id:IdentifyResponse><id:ProtocolVersion>{}</id:ProtocolVersion><id:ProductVendor>Microsoft Corporation</id:ProductVendor><id:ProductVersion>OS: 10.0.20348 SP: 0.0 Stack: 3.0</id:ProductVersion><id:SecurityProfiles><id:SecurityProfileName>{}</id:SecurityProfileName></id:SecurityProfiles></id:IdentifyResponse>",
        ns::WSMAN,
        ns::secprofile::HTTP_BASIC
    )))
    .expect("decodes");
    assert_eq!(m.protocol_versions, [ns::WSMAN]);
    assert_eq!(m.product_vendor.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(m.security_profiles, Some(vec![ns::secprofile::HTTP_BASIC.to_owned()]));
    assert_eq!(Identify::decode(&body("<id:Identify/>")), Ok(Identify));

    // A shell's CreateResponse: ResourceCreated, then the shell's representation.
    let m = CreateResponse::decode(&body(&format!(
        r#"<t:ResourceCreated><ad:Address>http://host:5985/wsman</ad:Address><ad:ReferenceParameters><m:ResourceURI>{uri}</m:ResourceURI><m:SelectorSet><m:Selector Name="ShellId">62DE33F0</m:Selector></m:SelectorSet></ad:ReferenceParameters></t:ResourceCreated><r:Shell xmlns:r="{rsp}"><r:ShellId>62DE33F0</r:ShellId></r:Shell>"#,
        uri = ns::SHELL_CMD_RESOURCE,
        rsp = ns::RSP
    )))
    .expect("decodes");
    assert_eq!(m.resource_created.resource_uri.as_deref(), Some(ns::SHELL_CMD_RESOURCE));
    assert_eq!(m.resource_created.selectors.as_ref().and_then(|s| s.get("ShellId")), Some("62DE33F0"));
    assert!(m.representation.is_some_and(|r| r.is(ns::RSP, "Shell")));
}

#[test]
fn method_bodies_decode_and_check_against_the_request() {
    let uri = format!("{}root/cimv2/Win32_Process", ns::WMI_RESOURCE_PREFIX);
    let b = body(&format!(
        r#"<p:Create_INPUT xmlns:p="{uri}"><p:CommandLine>notepad.exe</p:CommandLine><p:CurrentDirectory>C:\</p:CurrentDirectory></p:Create_INPUT>"#
    ));
    let m = MethodInput::decode(&b).expect("decodes");
    assert_eq!((m.resource_uri.as_str(), m.method.as_str(), m.parameters.len()), (uri.as_str(), "Create", 2));
    assert_eq!(m.action(), Some(Action::from_uri(&format!("{uri}/Create"))));
    assert_eq!(m.check(&uri, "Create"), Ok(()));
    assert_eq!(m.to_element(), b[0], "providers receive the element as it came");
    let out = MethodOutput::decode(&body(&format!(
        r#"<p:Create_OUTPUT xmlns:p="{uri}"><p:ProcessId>4000</p:ProcessId><p:ReturnValue>0</p:ReturnValue></p:Create_OUTPUT>"#
    )))
    .expect("decodes");
    assert_eq!((out.method.as_str(), out.return_value()), ("Create", Some(0)));
    let provided = MethodOutput::from_provider(&uri, "Create", &wsman_proto::MethodResult::return_value(0));
    assert_eq!(provided.return_value(), Some(0));
    assert_eq!(provided.action(), Some(Action::from_uri(&format!("{uri}/CreateResponse"))));
}

// ---------------------------------------------------------------- malformed input: the server's faults

#[test]
fn malformed_enumerate_bodies_get_the_servers_faults() {
    use FaultDetail as D;
    use FaultKind as K;
    let wql = ns::dialect::WQL;
    let sel = ns::dialect::SELECTOR;
    let cases: Vec<(String, (K, Option<D>))> = vec![
        ("<q:Pull/>".into(), (K::SchemaValidationError, None)),
        ("".into(), (K::SchemaValidationError, None)),
        ("<q:Enumerate><m:MaxElements>0</m:MaxElements></q:Enumerate>".into(), (K::InvalidParameter, Some(D::InvalidValue))),
        ("<q:Enumerate><m:MaxElements>-1</m:MaxElements></q:Enumerate>".into(), (K::InvalidParameter, Some(D::InvalidValue))),
        ("<q:Enumerate><m:MaxElements>ten</m:MaxElements></q:Enumerate>".into(), (K::InvalidParameter, Some(D::InvalidValue))),
        ("<q:Enumerate><m:MaxElements/></q:Enumerate>".into(), (K::InvalidParameter, Some(D::InvalidValue))),
        ("<q:Enumerate><m:MaxElements>99999999999999999999999</m:MaxElements></q:Enumerate>".into(), (K::InvalidParameter, Some(D::InvalidValue))),
        ("<q:Enumerate><m:EnumerationMode>EnumerateObject</m:EnumerationMode></q:Enumerate>".into(), (K::UnsupportedFeature, Some(D::EnumerationMode))),
        ("<q:Enumerate><m:EnumerationMode/></q:Enumerate>".into(), (K::UnsupportedFeature, Some(D::EnumerationMode))),
        (format!(r#"<q:Enumerate><m:Filter Dialect="{}">/a</m:Filter></q:Enumerate>"#, ns::dialect::XPATH), (K::FilterDialectRequestedUnavailable, None)),
        ("<q:Enumerate><m:Filter>/a</m:Filter></q:Enumerate>".into(), (K::FilterDialectRequestedUnavailable, None)),
        (format!(r#"<q:Enumerate><m:Filter Dialect="{sel}"/></q:Enumerate>"#), (K::CannotProcessFilter, None)),
        (
            format!(r#"<q:Enumerate><m:Filter Dialect="{sel}"><m:SelectorSet><m:Bogus/></m:SelectorSet></m:Filter></q:Enumerate>"#),
            (K::CannotProcessFilter, None),
        ),
        (
            format!(r#"<q:Enumerate><m:Filter Dialect="{sel}"><m:SelectorSet><m:Selector>x</m:Selector></m:SelectorSet></m:Filter></q:Enumerate>"#),
            (K::CannotProcessFilter, None),
        ),
        ("<q:Enumerate><q:Expires>tomorrow</q:Expires></q:Enumerate>".into(), (K::EnumerationInvalidExpirationTime, Some(D::ExpirationTime))),
        ("<q:Enumerate><q:Expires/></q:Enumerate>".into(), (K::EnumerationInvalidExpirationTime, Some(D::ExpirationTime))),
        ("<q:Enumerate><q:Expires>2030-01-01T00:00:00Z</q:Expires></q:Enumerate>".into(), (K::UnsupportedExpirationType, Some(D::ExpirationTime))),
        // The server's test for an absolute time is "holds '-' and 'T'": a negative duration falls in it.
        ("<q:Enumerate><q:Expires>PT-1S</q:Expires></q:Enumerate>".into(), (K::UnsupportedExpirationType, Some(D::ExpirationTime))),
        // The first problem decides: Expires is read before MaxElements, MaxElements before the mode, the mode before the filter.
        (
            "<q:Enumerate><m:MaxElements>0</m:MaxElements><q:Expires>2030-01-01T00:00:00Z</q:Expires></q:Enumerate>".into(),
            (K::UnsupportedExpirationType, Some(D::ExpirationTime)),
        ),
        (
            "<q:Enumerate><m:EnumerationMode>x</m:EnumerationMode><m:MaxElements>0</m:MaxElements></q:Enumerate>".into(),
            (K::InvalidParameter, Some(D::InvalidValue)),
        ),
        (
            r#"<q:Enumerate><m:Filter Dialect="urn:x"/><m:EnumerationMode>x</m:EnumerationMode></q:Enumerate>"#.into(),
            (K::UnsupportedFeature, Some(D::EnumerationMode)),
        ),
    ];
    for (inner, want) in &cases {
        assert_eq!(&enumerate_fault(inner), want, "{inner}");
    }
    // A WQL text that does not parse is the WQL parser's business (wsen:CannotProcessFilter), not the message's.
    let bad_wql = body(&format!(r#"<q:Enumerate><m:Filter Dialect="{wql}">SELECT * FROM</m:Filter></q:Enumerate>"#));
    assert_eq!(Enumerate::decode_supported(&bad_wql).map(|e| e.filter), Ok(Some(Filter::Wql("SELECT * FROM".into()))));
}

#[test]
fn unsupported_is_decoded_by_the_vocabulary_and_refused_by_the_server() {
    let xpath = body(&format!(r#"<q:Enumerate><q:Filter Dialect="{}">/a</q:Filter></q:Enumerate>"#, ns::dialect::XPATH));
    assert_eq!(
        Enumerate::decode(&xpath).map(|e| e.filter),
        Ok(Some(Filter::Other { dialect: ns::dialect::XPATH.into(), content: vec![Node::Text("/a".into())] }))
    );
    assert_eq!(Enumerate::decode_supported(&xpath), Err(MessageError::UnsupportedFilterDialect(ns::dialect::XPATH.into())));
    let absolute = body("<q:Enumerate><q:Expires> 2030-01-01T00:00:00Z </q:Expires></q:Enumerate>");
    assert_eq!(Enumerate::decode(&absolute).map(|e| e.expires), Ok(Some(Expires::DateTime("2030-01-01T00:00:00Z".into()))));
    assert!(matches!(Enumerate::decode_supported(&absolute), Err(MessageError::UnsupportedExpirationType(_))));
}

#[test]
fn malformed_pull_and_release_bodies_get_the_servers_faults() {
    use FaultDetail as D;
    use FaultKind as K;
    let pull = |inner: &str| Pull::decode(&body(inner)).map_err(fault_of);
    let release = |inner: &str| Release::decode(&body(inner)).map_err(fault_of);
    assert_eq!(pull("<q:Release/>"), Err((K::SchemaValidationError, None)));
    assert_eq!(pull("<q:Pull><q:MaxElements>1</q:MaxElements></q:Pull>"), Err((K::InvalidEnumerationContext, None)));
    assert_eq!(
        pull("<q:Pull><q:EnumerationContext>u</q:EnumerationContext><q:MaxElements>0</q:MaxElements></q:Pull>"),
        Err((K::InvalidParameter, Some(D::InvalidValue)))
    );
    // wsman:MaxElements is not Pull's: it is ignored.
    assert_eq!(pull("<q:Pull><q:EnumerationContext>u</q:EnumerationContext><m:MaxElements>0</m:MaxElements></q:Pull>").map(|p| p.max_elements), Ok(None));
    // Unparsable hints are dropped, as the server always did.
    let lenient = pull("<q:Pull><q:EnumerationContext> u </q:EnumerationContext><q:MaxTime>soon</q:MaxTime><q:MaxCharacters>lots</q:MaxCharacters></q:Pull>");
    assert_eq!(lenient, Ok(Pull { context: "u".into(), max_time: None, max_elements: None, max_characters: None }));
    assert_eq!(release(""), Err((K::InvalidEnumerationContext, None)));
    assert_eq!(release("<q:Release/>"), Err((K::InvalidEnumerationContext, None)));
    assert_eq!(release("<q:Release><q:EnumerationContext>uuid:9</q:EnumerationContext></q:Release>"), Ok(Release { context: "uuid:9".into() }));
}

#[test]
fn malformed_representations_get_invalid_representation() {
    let uri = format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX);
    let kind = |e: MessageError| fault_of(e).0;
    assert_eq!(Put::decode(&[]).map_err(kind), Err(FaultKind::InvalidRepresentation));
    assert_eq!(Create::decode_owned(Vec::new()).map_err(kind), Err(FaultKind::InvalidRepresentation));
    let two = body(&format!(r#"<p:Win32_Service xmlns:p="{uri}"/><p:Win32_Service xmlns:p="{uri}"/>"#));
    assert_eq!(Put::decode(&two).map_err(kind), Err(FaultKind::InvalidRepresentation));
    assert_eq!(Create::decode_owned(two).map_err(kind), Err(FaultKind::InvalidRepresentation));
    // Namespace and class are checked against the request's ResourceURI; the class case-insensitively.
    let put = Put::decode(&body(&format!(r#"<p:win32_service xmlns:p="{uri}"><p:StartMode>Auto</p:StartMode></p:win32_service>"#))).expect("decodes");
    assert_eq!(put.check(&uri), Ok(()));
    assert_eq!(put.check(&format!("{uri}X")).map_err(kind), Err(FaultKind::InvalidRepresentation));
    let other_class = body(&format!(r#"<p:Win32_Process xmlns:p="{uri}"/>"#));
    assert_eq!(check_representation(&other_class[0], &uri).map_err(kind), Err(FaultKind::InvalidRepresentation));
    assert_eq!(put.properties().map(|p| p.len()), Ok(1));
    let nested = Put::decode(&body(&format!(r#"<p:Win32_Service xmlns:p="{uri}"><p:Name><p:Deep/></p:Name></p:Win32_Service>"#))).expect("decodes");
    assert_eq!(nested.properties().map_err(kind), Err(FaultKind::InvalidRepresentation));
    // Custom methods: nothing, a non-_INPUT element, or another method's input.
    assert_eq!(MethodInput::decode(&[]).map_err(kind), Err(FaultKind::InvalidRepresentation));
    assert_eq!(MethodInput::decode(&body(&format!(r#"<p:StopService xmlns:p="{uri}"/>"#))).map_err(kind), Err(FaultKind::InvalidRepresentation));
    assert_eq!(MethodInput::decode(&body("<_INPUT/>")).map_err(kind), Err(FaultKind::InvalidRepresentation));
    let stop = MethodInput::decode(&body(&format!(r#"<p:StopService_INPUT xmlns:p="{uri}"/>"#))).expect("decodes");
    assert_eq!(stop.check(&uri, "StartService").map_err(kind), Err(FaultKind::InvalidRepresentation));
    assert_eq!(stop.check(&uri, "stopservice").map_err(kind), Err(FaultKind::InvalidRepresentation), "method names match exactly");
    assert_eq!(stop.check("urn:other", "StopService").map_err(kind), Err(FaultKind::InvalidRepresentation));
}

#[test]
fn malformed_responses_are_schema_errors() {
    let kind = |e: MessageError| fault_of(e).0;
    assert_eq!(Identify::decode(&body("<id:IdentifyResponse/>")).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(
        IdentifyResponse::decode(&body("<id:IdentifyResponse><id:ProductVendor>x</id:ProductVendor></id:IdentifyResponse>")).map_err(kind),
        Err(FaultKind::SchemaValidationError)
    );
    assert_eq!(CreateResponse::decode(&body("<t:Other/>")).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(CreateResponse::decode(&body("<t:ResourceCreated/>")).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(GetResponse::decode(&[]).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(EnumerateResponse::decode(&body("<q:PullResponse/>")).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(PullResponse::decode_owned(body("<q:EnumerateResponse/>")).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(MethodOutput::decode(&body("<t:Create_INPUT/>")).map_err(kind), Err(FaultKind::SchemaValidationError));
    assert_eq!(Item::from_element(&Element::ns(ns::WSMAN, "Item")).map_err(kind), Err(FaultKind::SchemaValidationError));
    let bad_selectors = body("<t:ResourceCreated><ad:Address>a</ad:Address><ad:ReferenceParameters><m:SelectorSet><m:Bogus/></m:SelectorSet></ad:ReferenceParameters></t:ResourceCreated>");
    assert_eq!(CreateResponse::decode(&bad_selectors).map_err(kind), Err(FaultKind::SchemaValidationError));
}

#[test]
fn every_message_error_maps_to_one_fault() {
    // The mapping table of MessageError's documentation, one row per variant.
    use FaultDetail as D;
    use FaultKind as K;
    let rows: Vec<(MessageError, K, Option<D>)> = vec![
        (MessageError::MissingBody { expected: "x" }, K::SchemaValidationError, None),
        (MessageError::MissingElement { parent: "a", child: "b" }, K::SchemaValidationError, None),
        (MessageError::InvalidEndpointReference("x".into()), K::SchemaValidationError, None),
        (MessageError::MissingEnumerationContext { message: "Pull" }, K::InvalidEnumerationContext, None),
        (MessageError::InvalidMaxElements("0".into()), K::InvalidParameter, Some(D::InvalidValue)),
        (MessageError::InvalidValue { element: "rsp:Stream", value: "not base64".into() }, K::InvalidParameter, Some(D::InvalidValue)),
        (MessageError::InvalidExpirationTime("x".into()), K::EnumerationInvalidExpirationTime, Some(D::ExpirationTime)),
        (MessageError::UnsupportedExpirationType("x".into()), K::UnsupportedExpirationType, Some(D::ExpirationTime)),
        (MessageError::UnknownEnumerationMode("x".into()), K::UnsupportedFeature, Some(D::EnumerationMode)),
        (MessageError::MissingFilterSelectorSet, K::CannotProcessFilter, None),
        (MessageError::InvalidFilterSelectorSet("x".into()), K::CannotProcessFilter, None),
        (MessageError::UnsupportedFilterDialect("x".into()), K::FilterDialectRequestedUnavailable, None),
        (MessageError::EmptyRepresentation { expected: "x" }, K::InvalidRepresentation, None),
        (MessageError::ExtraRepresentation, K::InvalidRepresentation, None),
        (
            MessageError::RepresentationMismatch { found_ns: "a".into(), found: "b".into(), expected_ns: "c".into(), expected: "d".into() },
            K::InvalidRepresentation,
            None,
        ),
        (MessageError::InvalidProperty("x".into()), K::InvalidRepresentation, None),
        (MessageError::NotMethodInput("x".into()), K::InvalidRepresentation, None),
    ];
    for (e, kind, detail) in rows {
        let f: wsman_proto::Fault = e.clone().into();
        assert_eq!((f.kind, f.detail), (kind, detail), "{e:?}");
        assert_eq!(f.reason, e.to_string());
    }
}

#[test]
fn actions_are_the_operations() {
    assert_eq!(Identify.action(), None);
    assert_eq!(Get.action(), Some(Action::Get));
    assert_eq!(GetResponse { representation: Element::default() }.action(), Some(Action::GetResponse));
    assert_eq!(Enumerate::default().action(), Some(Action::Enumerate));
    assert_eq!(EnumerateResponse::default().action(), Some(Action::EnumerateResponse));
    assert_eq!(Pull::default().action(), Some(Action::Pull));
    assert_eq!(PullResponse::default().action(), Some(Action::PullResponse));
    assert_eq!(Release::default().action(), Some(Action::Release));
    assert_eq!(ReleaseResponse.action(), Some(Action::ReleaseResponse));
    assert_eq!(CreateResponse::default().action(), Some(Action::CreateResponse));
    assert_eq!(PutResponse::default().action(), Some(Action::PutResponse));
    assert_eq!(DeleteResponse.action(), Some(Action::DeleteResponse));
}
