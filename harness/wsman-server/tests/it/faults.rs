//! Header rules and their faults (PROTOCOL.md §4 rules 1, 3-11, 32; §3).

use test_support::request::{self, cimv2};
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, FaultDetail, FaultKind};

use crate::{assert_fault, setup};

fn os() -> String {
    cimv2("Win32_OperatingSystem")
}

#[tokio::test]
async fn missing_addressing_headers() {
    let (_s, c) = setup().await;
    for strip in ["To", "Action", "MessageID"] {
        let req = request::get(&os()).with_header(|h| match strip {
            "To" => h.to = None,
            "Action" => h.action = None,
            _ => h.message_id = None,
        });
        let r = c.post(req.bytes()).await;
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
        let r = c.post(request::get(&os()).raw_header(h).bytes()).await;
        let env = assert_fault(&r, FaultKind::MustUnderstand, None);
        let code = env.fault().unwrap().code.unwrap();
        assert_eq!(code, (ns::SOAP.to_owned(), "MustUnderstand".to_owned()));
    }
    // Not marked: ignored.
    let optional = Element::ns("urn:vendor:ext", "Extension").with_attr(Some(ns::SOAP), "mustUnderstand", "false");
    crate::assert_ok(&c.post(request::get(&os()).raw_header(optional).bytes()).await);
}

#[tokio::test]
async fn unknown_action_and_resource() {
    let (_s, c) = setup().await;
    let r = c.post(request::new(Action::Other("http://example.test/NoSuchAction".into()), &os()).bytes()).await;
    assert_fault(&r, FaultKind::ActionNotSupported, None);
    let r = c.post(request::new(Action::Subscribe, &os()).bytes()).await;
    assert_fault(&r, FaultKind::ActionNotSupported, None);
    let r = c.post(request::get(&cimv2("Win32_NoSuchClass")).bytes()).await;
    assert_fault(&r, FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI));
    let r = c.post(request::get(&os()).with_header(|h| h.resource_uri = None).bytes()).await;
    assert_fault(&r, FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI));
}

#[tokio::test]
async fn envelope_size_timeout_locale_and_options() {
    let (_s, c) = setup().await;
    let r = c.post(request::get(&os()).with_header(|h| h.max_envelope_size = Some(8191)).bytes()).await;
    assert_fault(&r, FaultKind::EncodingLimit, Some(FaultDetail::MinimumEnvelopeLimit));
    crate::assert_ok(&c.post(request::get(&os()).with_header(|h| h.max_envelope_size = Some(8192)).bytes()).await);

    let bad = Element::ns(ns::WSMAN, "OperationTimeout").with_text("PT-5S");
    let r = c.post(request::get(&os()).with_header(|h| h.operation_timeout = None).raw_header(bad).bytes()).await;
    assert_fault(&r, FaultKind::InvalidMessageInformationHeader, Some(FaultDetail::InvalidTimeout));

    let locale = |lang: &str, mu: bool| wsman_proto::header::Locale { lang: lang.into(), must_understand: mu };
    let r = c.post(request::get(&os()).with_header(|h| h.locale = Some(locale("xx-YY", true))).bytes()).await;
    assert_fault(&r, FaultKind::UnsupportedFeature, Some(FaultDetail::Locale));
    crate::assert_ok(&c.post(request::get(&os()).with_header(|h| h.locale = Some(locale("xx-YY", false))).bytes()).await);
    crate::assert_ok(&c.post(request::get(&os()).with_header(|h| h.locale = Some(locale("en-US", true))).bytes()).await);

    let r = c.post(request::get(&os()).option("NoSuchOption", "1", true).bytes()).await;
    assert_fault(&r, FaultKind::InvalidOptions, None);
    crate::assert_ok(&c.post(request::get(&os()).option("NoSuchOption", "1", false).bytes()).await);
}

#[tokio::test]
async fn reply_to_must_be_anonymous() {
    let (_s, c) = setup().await;
    let r = c.post(request::get(&os()).with_header(|h| h.reply_to = Some("http://elsewhere.test/".into())).bytes()).await;
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
    let req = request::get(&cimv2("Win32_PingStatus")).selector("Address", "192.0.2.1").selector("Timeout", "5000").with_header(|h| h.operation_timeout = Some(wsman_proto::XsDuration::from_millis(1000)));
    let r = c.post(req.bytes()).await;
    assert_fault(&r, FaultKind::TimedOut, None);
}

#[tokio::test]
async fn undecodable_requests_still_get_relates_to() {
    let (_s, c) = setup().await;
    let bad = Element::ns(ns::WSMAN, "OperationTimeout").with_text("soon");
    let req = request::get(&os()).with_header(|h| h.operation_timeout = None).raw_header(bad);
    let env = assert_fault(&c.post(req.bytes()).await, FaultKind::InvalidMessageInformationHeader, None);
    assert_eq!(env.header.relates_to.as_deref(), Some(req.message_id()));
    // Even when the XML itself is refused (a DTD), the MessageID read before it is echoed.
    let text = String::from_utf8(request::get(&os()).bytes()).unwrap();
    let with_dtd = text.replacen("?>", "?><!DOCTYPE x [<!ENTITY a \"b\">]>", 1);
    let env = assert_fault(&c.post(with_dtd.into_bytes()).await, FaultKind::SchemaValidationError, None);
    assert_eq!(env.header.relates_to.as_deref(), Some(req.message_id()));
}

#[tokio::test]
async fn repeated_or_empty_addressing_headers() {
    let (_s, c) = setup().await;
    let twice = request::get(&os()).raw_header(Element::ns(ns::WSA, "MessageID").with_text("uuid:11111111-2222-3333-4444-555555555555"));
    assert_fault(&c.post(twice.bytes()).await, FaultKind::InvalidMessageInformationHeader, None);
    let empty_to = request::get(&os()).with_header(|h| h.to = Some(String::new()));
    assert_fault(&c.post(empty_to.bytes()).await, FaultKind::InvalidMessageInformationHeader, None);
}

#[tokio::test]
async fn must_understand_fault_names_the_header_in_s_not_understood() {
    let (_s, c) = setup().await;
    let h = Element::ns("urn:vendor:ext", "Extension").with_attr(Some(ns::SOAP), "mustUnderstand", "true");
    let r = c.post(request::get(&os()).raw_header(h).bytes()).await;
    let env = assert_fault(&r, FaultKind::MustUnderstand, None);
    let nu = env.header.unknown.iter().find(|u| u.element.is(ns::SOAP, "NotUnderstood")).expect("s:NotUnderstood header");
    assert_eq!(nu.element.attr(None, "qname"), Some("nu:Extension"));
    assert!(r.text().contains("xmlns:nu=\"urn:vendor:ext\""), "the qname prefix is declared: {}", r.text());
}

#[tokio::test]
async fn session_and_data_locale_rules() {
    let (_s, c) = setup().await;
    let sid = |v: &str, mu: &str| Element::ns(ns::WSMV, "SessionId").with_attr(Some(ns::SOAP), "mustUnderstand", mu).with_text(v);
    crate::assert_ok(&c.post(request::get(&os()).raw_header(sid("uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9", "true")).bytes()).await);
    crate::assert_ok(&c.post(request::get(&os()).raw_header(sid("whatever", "false")).bytes()).await);
    assert_fault(&c.post(request::get(&os()).raw_header(sid("whatever", "true")).bytes()).await, FaultKind::InvalidMessageInformationHeader, None);
    let dl = wsman_proto::header::Locale { lang: "zz-ZZ".into(), must_understand: true };
    let r = c.post(request::get(&os()).with_header(|h| h.data_locale = Some(dl)).bytes()).await;
    assert_fault(&r, FaultKind::UnsupportedFeature, Some(FaultDetail::Locale));
}

#[tokio::test]
async fn epr_valued_selector_for_a_text_key() {
    let (_s, c) = setup().await;
    let mut set = wsman_proto::SelectorSet::default().with("Name", "WinRM");
    set.selectors[0].is_epr = true;
    let req = request::get(&cimv2("Win32_Service")).with_header(|h| h.selectors = Some(set));
    assert_fault(&c.post(req.bytes()).await, FaultKind::InvalidSelectors, Some(FaultDetail::TypeMismatch));
}

#[tokio::test]
async fn fragment_dialect_and_filter_validity() {
    let (_s, c) = setup().await;
    let svc = cimv2("Win32_Service");
    let req = request::get(&svc).selector("Name", "WinRM").with_header(|h| {
        h.fragment_transfer = Some("State".into());
        h.fragment_dialect = Some("urn:no-such-dialect".into());
    });
    assert_fault(&c.post(req.bytes()).await, FaultKind::FragmentDialectNotSupported, None);
    let filter = |d: &str, t: &str| Element::ns(ns::WSMAN, "Filter").with_attr(None, "Dialect", d).with_text(t);
    let r = c.post(request::enumerate(&svc, vec![filter(ns::dialect::WQL, "SELECT * FROM Win32_Service WHERE NoSuchProperty = 1")]).bytes()).await;
    assert_fault(&r, FaultKind::EnumerationCannotProcessFilter, None);
    let set = wsman_proto::SelectorSet::default().with("State", "Running").to_element();
    let sf = Element::ns(ns::WSMAN, "Filter").with_attr(None, "Dialect", ns::dialect::SELECTOR).with_child(set);
    assert_fault(&c.post(request::enumerate(&svc, vec![sf]).bytes()).await, FaultKind::CannotProcessFilter, None);
}
