//! Header rules and their faults (PROTOCOL.md §4 rules 1, 3-11, 32; §3).

use test_support::Client;
use wsman_client::message::{Enumerate, Filter, Get};
use wsman_client::Resource;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, Envelope, FaultDetail, FaultKind, Header};

use crate::{assert_fault, message_id, raw_header, setup};

fn os() -> Resource {
    Resource::cimv2("Win32_OperatingSystem")
}

/// A Get of Win32_OperatingSystem, its header changed by `edit`.
fn os_get(c: &Client, edit: impl FnOnce(&mut Header)) -> Envelope {
    let mut req = c.request(&os(), Get);
    edit(&mut req.header);
    req
}

/// The client's header for `action` on Win32_OperatingSystem, with an empty Body.
fn empty(c: &Client, action: Action) -> Envelope {
    Envelope { header: c.session().header(action, &os()), body: Vec::new() }
}

#[tokio::test]
async fn missing_addressing_headers() {
    let (_s, c) = setup().await;
    for strip in ["To", "Action", "MessageID"] {
        let req = os_get(&c, |h| match strip {
            "To" => h.to = None,
            "Action" => h.action = None,
            _ => h.message_id = None,
        });
        let r = c.post(req.encode()).await;
        let env = assert_fault(&r, FaultKind::MessageInformationHeaderRequired, None);
        let f = env.fault().unwrap();
        assert_eq!(f.reason_lang.as_deref(), Some("en-US"), "rule 32: Reason carries xml:lang");
        assert!(f.reason.unwrap_or_default().contains(strip));
    }
}

#[tokio::test]
async fn must_understand_qualified_and_unqualified() {
    let (_s, c) = setup().await;
    let qualified = Element::ns("urn:vendor:ext", "Extension").with_attr(Some(ns::SOAP), "mustUnderstand", "true");
    let unqualified = Element::ns("urn:vendor:ext", "Extension").with_attr(None, "mustUnderstand", "true");
    for h in [qualified, unqualified] {
        let r = c.post(raw_header(os_get(&c, |_| ()), h).encode()).await;
        let env = assert_fault(&r, FaultKind::MustUnderstand, None);
        let code = env.fault().unwrap().code.unwrap();
        assert_eq!(code, (ns::SOAP.to_owned(), "MustUnderstand".to_owned()));
    }
    // Not marked: ignored.
    let optional = Element::ns("urn:vendor:ext", "Extension").with_attr(Some(ns::SOAP), "mustUnderstand", "false");
    crate::assert_ok(&c.post(raw_header(os_get(&c, |_| ()), optional).encode()).await);
}

#[tokio::test]
async fn unknown_action_and_resource() {
    let (_s, c) = setup().await;
    let r = c.post(empty(&c, Action::Other("http://example.test/NoSuchAction".into())).encode()).await;
    assert_fault(&r, FaultKind::ActionNotSupported, None);
    // A Subscribe to a resource that is no event source.
    let r = c.post(empty(&c, Action::Subscribe).encode()).await;
    assert_fault(&r, FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI));
    let r = c.post(c.request(&Resource::cimv2("Win32_NoSuchClass"), Get).encode()).await;
    assert_fault(&r, FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI));
    let r = c.post(os_get(&c, |h| h.resource_uri = None).encode()).await;
    assert_fault(&r, FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI));
}

#[tokio::test]
async fn envelope_size_timeout_locale_and_options() {
    let (_s, c) = setup().await;
    let r = c.post(os_get(&c, |h| h.max_envelope_size = Some(8191)).encode()).await;
    assert_fault(&r, FaultKind::EncodingLimit, Some(FaultDetail::MinimumEnvelopeLimit));
    crate::assert_ok(&c.post(os_get(&c, |h| h.max_envelope_size = Some(8192)).encode()).await);

    let bad = Element::ns(ns::WSMAN, "OperationTimeout").with_text("PT-5S");
    let r = c.post(raw_header(os_get(&c, |h| h.operation_timeout = None), bad).encode()).await;
    assert_fault(&r, FaultKind::InvalidMessageInformationHeader, Some(FaultDetail::InvalidTimeout));

    let locale = |lang: &str, mu: bool| wsman_proto::header::Locale { lang: lang.into(), must_understand: mu };
    let r = c.post(os_get(&c, |h| h.locale = Some(locale("xx-YY", true))).encode()).await;
    assert_fault(&r, FaultKind::UnsupportedFeature, Some(FaultDetail::Locale));
    crate::assert_ok(&c.post(os_get(&c, |h| h.locale = Some(locale("xx-YY", false))).encode()).await);
    crate::assert_ok(&c.post(os_get(&c, |h| h.locale = Some(locale("en-US", true))).encode()).await);

    // Resource::option sends MustComply false; the true one is set on the header.
    let optional = os().option("NoSuchOption", "1");
    let mut must_comply = optional.options.clone();
    must_comply.options[0].must_comply = true;
    let r = c.post(os_get(&c, |h| h.options = Some(must_comply)).encode()).await;
    assert_fault(&r, FaultKind::InvalidOptions, None);
    crate::assert_ok(&c.post(c.request(&optional, Get).encode()).await);
}

#[tokio::test]
async fn reply_to_must_be_anonymous() {
    let (_s, c) = setup().await;
    let r = c.post(os_get(&c, |h| h.reply_to = Some("http://elsewhere.test/".into())).encode()).await;
    assert_fault(&r, FaultKind::InvalidMessageInformationHeader, None);
}

#[tokio::test]
async fn hostile_xml_is_refused_in_bounded_memory() {
    let (_s, c) = setup().await;
    let dtd = b"<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><lol>&b;</lol>".to_vec();
    assert_fault(&c.post(dtd).await, FaultKind::SchemaValidationError, None);
    let deep = format!("<a>{}</a>", "<b>".repeat(5000) + &"</b>".repeat(5000)).into_bytes();
    assert_fault(&c.post(deep).await, FaultKind::EncodingLimit, None);
    let notxml = b"this is not xml".to_vec();
    assert_fault(&c.post(notxml).await, FaultKind::SchemaValidationError, None);
    let soap11 = wsman_proto::xml::to_bytes(&Element::ns(ns::SOAP11, "Envelope").with_child(Element::ns(ns::SOAP11, "Body")));
    assert_fault(&c.post(soap11).await, FaultKind::VersionMismatch, None);
}

#[tokio::test(start_paused = true)]
async fn operation_timeout_elapses_as_timed_out() {
    let (_s, c) = setup().await;
    // Win32_PingStatus to an unreachable address waits for its own Timeout (5 s):
    // with an OperationTimeout of 1 s the server answers TimedOut.
    let ping = Resource::cimv2("Win32_PingStatus").selector("Address", "192.0.2.1").selector("Timeout", "5000");
    let mut req = c.request(&ping, Get);
    req.header.operation_timeout = Some(wsman_proto::XsDuration::from_millis(1000));
    let r = c.post(req.encode()).await;
    assert_fault(&r, FaultKind::TimedOut, None);
}

#[tokio::test]
async fn undecodable_requests_still_get_relates_to() {
    let (_s, c) = setup().await;
    let bad = Element::ns(ns::WSMAN, "OperationTimeout").with_text("soon");
    let req = raw_header(os_get(&c, |h| h.operation_timeout = None), bad);
    let env = assert_fault(&c.post(req.encode()).await, FaultKind::InvalidMessageInformationHeader, None);
    assert_eq!(env.header.relates_to.as_deref(), Some(message_id(&req)));
    // Even when the XML itself is refused (a DTD), the MessageID read before it is echoed.
    let req = os_get(&c, |_| ());
    let text = String::from_utf8(req.encode()).unwrap();
    let with_dtd = text.replacen("?>", "?><!DOCTYPE x [<!ENTITY a \"b\">]>", 1);
    let env = assert_fault(&c.post(with_dtd.into_bytes()).await, FaultKind::SchemaValidationError, None);
    assert_eq!(env.header.relates_to.as_deref(), Some(message_id(&req)));
}

#[tokio::test]
async fn repeated_or_empty_addressing_headers() {
    let (_s, c) = setup().await;
    let twice = raw_header(os_get(&c, |_| ()), Element::ns(ns::WSA, "MessageID").with_text("uuid:11111111-2222-3333-4444-555555555555"));
    assert_fault(&c.post(twice.encode()).await, FaultKind::InvalidMessageInformationHeader, None);
    let empty_to = os_get(&c, |h| h.to = Some(String::new()));
    assert_fault(&c.post(empty_to.encode()).await, FaultKind::InvalidMessageInformationHeader, None);
}

#[tokio::test]
async fn must_understand_fault_names_the_header_in_s_not_understood() {
    let (_s, c) = setup().await;
    let h = Element::ns("urn:vendor:ext", "Extension").with_attr(Some(ns::SOAP), "mustUnderstand", "true");
    let r = c.post(raw_header(os_get(&c, |_| ()), h).encode()).await;
    let env = assert_fault(&r, FaultKind::MustUnderstand, None);
    let nu = env.header.unknown.iter().find(|u| u.element.is(ns::SOAP, "NotUnderstood")).expect("s:NotUnderstood header");
    assert_eq!(nu.element.attr(None, "qname"), Some("nu:Extension"));
    assert!(r.text().contains("xmlns:nu=\"urn:vendor:ext\""), "the qname prefix is declared: {}", r.text());
}

#[tokio::test]
async fn session_and_data_locale_rules() {
    let (_s, c) = setup().await;
    let sid = |v: &str, mu: &str| Element::ns(ns::WSMV, "SessionId").with_attr(Some(ns::SOAP), "mustUnderstand", mu).with_text(v);
    crate::assert_ok(&c.post(raw_header(os_get(&c, |_| ()), sid("uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9", "true")).encode()).await);
    crate::assert_ok(&c.post(raw_header(os_get(&c, |_| ()), sid("whatever", "false")).encode()).await);
    assert_fault(&c.post(raw_header(os_get(&c, |_| ()), sid("whatever", "true")).encode()).await, FaultKind::InvalidMessageInformationHeader, None);
    let dl = wsman_proto::header::Locale { lang: "zz-ZZ".into(), must_understand: true };
    let r = c.post(os_get(&c, |h| h.data_locale = Some(dl)).encode()).await;
    assert_fault(&r, FaultKind::UnsupportedFeature, Some(FaultDetail::Locale));
}

#[tokio::test]
async fn epr_valued_selector_for_a_text_key() {
    let (_s, c) = setup().await;
    let mut winrm = Resource::cimv2("Win32_Service").selector("Name", "WinRM");
    winrm.selectors.selectors[0].is_epr = true;
    let req = c.request(&winrm, Get);
    assert_fault(&c.post(req.encode()).await, FaultKind::InvalidSelectors, Some(FaultDetail::TypeMismatch));
}

#[tokio::test]
async fn fragment_dialect_and_filter_validity() {
    let (_s, c) = setup().await;
    let svc = Resource::cimv2("Win32_Service");
    let mut req = c.request(&svc.clone().selector("Name", "WinRM"), Get);
    req.header.fragment_transfer = Some("State".into());
    req.header.fragment_dialect = Some("urn:no-such-dialect".into());
    assert_fault(&c.post(req.encode()).await, FaultKind::FragmentDialectNotSupported, None);
    let filtered = |filter: Filter| c.request(&svc, Enumerate { filter: Some(filter), ..Enumerate::default() }).encode();
    let r = c.post(filtered(Filter::Wql("SELECT * FROM Win32_Service WHERE NoSuchProperty = 1".into()))).await;
    assert_fault(&r, FaultKind::EnumerationCannotProcessFilter, None);
    let set = wsman_proto::SelectorSet::default().with("State", "Running");
    assert_fault(&c.post(filtered(Filter::Selector(set))).await, FaultKind::CannotProcessFilter, None);
}
