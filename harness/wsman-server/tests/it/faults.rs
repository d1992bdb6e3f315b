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
