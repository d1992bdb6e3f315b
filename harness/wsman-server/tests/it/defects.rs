//! Every defect switch, shown changing the wire exactly as its description
//! says. A test here per defect (the WinRS ones in `shell.rs`,
//! `the_shell_defects_break_what_clients_rely_on`, the eventing ones in
//! `subscriptions.rs`); `every_defect_has_a_test`
//! keeps it so.

use bytes::Bytes;
use test_support::Client;
use wsman_client::message::{Enumerate, Get, Identify, Put, Release};
use wsman_client::Resource;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, Envelope, FaultDetail, FaultKind};
use wsman_server::Defect;

use super::enumeration::{context, opt, pull, svc};
use crate::{assert_fault, assert_ok, message_id, raw_header, setup, setup_with};

/// The defects covered below; a new defect without a test fails here.
const TESTED: &[Defect] = &[
    Defect::DropRelatesTo,
    Defect::RelatesToLowercase,
    Defect::WrongResponseAction,
    Defect::ToNotAnonymous,
    Defect::DropMessageId,
    Defect::FaultWrongSubcode,
    Defect::FaultWrongCode,
    Defect::FaultHttp200,
    Defect::FaultNoReasonLang,
    Defect::FaultNoDetail,
    Defect::IgnoreMustUnderstand,
    Defect::IgnoreMaxElements,
    Defect::NoEndOfSequence,
    Defect::AcceptReleasedContext,
    Defect::DropEnumerationContext,
    Defect::EndOfSequenceWithContext,
    Defect::LeakEnumerationContexts,
    Defect::IgnoreMaxEnvelopeSize,
    Defect::IgnoreSelectors,
    Defect::NotFoundInvalidSelectors,
    Defect::UnknownResourceEmpty,
    Defect::UnknownActionEmpty,
    Defect::PutReadOnlyAccepted,
    Defect::AcceptWrongPassword,
    Defect::HangOnGet,
    Defect::LatePastOperationTimeout,
    Defect::HtmlErrorPage,
    Defect::WrongContentType,
    Defect::MalformedResponse,
    Defect::IdentifyWrongProtocol,
    Defect::SchemaInvalidResponse,
    Defect::DeleteIgnored,
    // In shell.rs:
    Defect::ShellIdNotInSelector,
    Defect::ShellExitCodeZero,
    Defect::ShellReceiveNoTimeout,
    Defect::ShellStderrAsStdout,
    // In subscriptions.rs:
    Defect::SubscribeNoContext,
    Defect::UnsubscribeIgnored,
    Defect::AcceptInvalidExpires,
    // In negotiate.rs (the defect_*_is_caught tests named in their descriptions):
    Defect::AcceptUnencryptedAfterNegotiate,
    Defect::AcceptReplayedSealedMessage,
    Defect::SkipSealSignatureCheck,
];

#[test]
fn every_defect_has_a_test() {
    for d in Defect::ALL {
        assert!(TESTED.contains(d), "defect {d} has no wire test in tests/it/defects.rs");
    }
}

fn os_get(c: &Client) -> Envelope {
    c.request(&Resource::cimv2("Win32_OperatingSystem"), Get)
}

fn unknown_resource(c: &Client) -> Vec<u8> {
    c.request(&Resource::cimv2("No_Such_Class"), Get).encode()
}

fn identify(c: &Client) -> Vec<u8> {
    c.request(&Resource::default(), Identify).encode()
}

#[tokio::test]
async fn addressing_defects() {
    let (_a, good) = setup().await;
    let mut req = os_get(&good);
    req.header.message_id = Some("uuid:ABCDEF00-0000-4000-8000-000000000001".into());
    let bytes = req.encode();
    let base = assert_ok(&good.post(bytes.clone()).await).header;
    assert_eq!(base.relates_to.as_deref(), Some(message_id(&req)));

    let (_s, c) = setup_with(&[Defect::DropRelatesTo]).await;
    assert_eq!(assert_ok(&c.post(bytes.clone()).await).header.relates_to, None);
    let (_s, c) = setup_with(&[Defect::RelatesToLowercase]).await;
    assert_eq!(assert_ok(&c.post(bytes.clone()).await).header.relates_to.as_deref(), Some("uuid:abcdef00-0000-4000-8000-000000000001"));
    let (_s, c) = setup_with(&[Defect::WrongResponseAction]).await;
    assert_eq!(assert_ok(&c.post(bytes.clone()).await).header.action, Some(Action::Get));
    let (_s, c) = setup_with(&[Defect::ToNotAnonymous]).await;
    assert_eq!(assert_ok(&c.post(bytes.clone()).await).header.to, req.header.to);
    let (_s, c) = setup_with(&[Defect::DropMessageId]).await;
    assert_eq!(assert_ok(&c.post(bytes).await).header.message_id, None);
}

#[tokio::test]
async fn fault_defects() {
    let (_s, c) = setup_with(&[Defect::FaultWrongSubcode]).await;
    let r = c.post(unknown_resource(&c)).await;
    assert_eq!(r.envelope().fault().unwrap().kind(), Some(FaultKind::InternalError));
    let (_s, c) = setup_with(&[Defect::FaultWrongCode]).await;
    let mu = Element::ns("urn:vendor:ext", "X").with_attr(Some(ns::SOAP), "mustUnderstand", "true");
    let f = c.post(raw_header(os_get(&c), mu).encode()).await.envelope().fault().unwrap();
    assert_eq!(f.code, Some((ns::SOAP.to_owned(), "Receiver".to_owned())));
    let (_s, c) = setup_with(&[Defect::FaultHttp200]).await;
    let r = c.post(unknown_resource(&c)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.envelope().fault().unwrap().kind(), Some(FaultKind::DestinationUnreachable));
    let (_s, c) = setup_with(&[Defect::FaultNoReasonLang]).await;
    let f = c.post(unknown_resource(&c)).await.envelope().fault().unwrap();
    assert!(f.reason.is_some() && f.reason_lang.is_none());
    let (_s, c) = setup_with(&[Defect::FaultNoDetail]).await;
    let f = c.post(unknown_resource(&c)).await.envelope().fault().unwrap();
    assert_eq!(f.detail, None);
    let (_s, c) = setup_with(&[Defect::HtmlErrorPage]).await;
    let r = c.post(unknown_resource(&c)).await;
    assert_eq!((r.status, r.content_type.as_deref()), (500, Some("text/html")));
    assert!(r.text().starts_with("<html>"));
}

#[tokio::test]
async fn header_rule_defects() {
    let mu = Element::ns("urn:vendor:ext", "X").with_attr(Some(ns::SOAP), "mustUnderstand", "true");
    let (_s, c) = setup_with(&[Defect::IgnoreMustUnderstand]).await;
    assert_ok(&c.post(raw_header(os_get(&c), mu).encode()).await);
    let (_s, c) = setup_with(&[Defect::IgnoreMaxEnvelopeSize]).await;
    let mut small = os_get(&c);
    small.header.max_envelope_size = Some(100);
    assert_ok(&c.post(small.encode()).await);
    let (_s, c) = setup_with(&[Defect::IgnoreSelectors]).await;
    let r = c.post(c.request(&svc().selector("Name", "WinRM").selector("Bogus", "1"), Get).encode()).await;
    assert_ok(&r);
    // Only unknown and repeated selectors are dropped: a missing key is still refused, by the server.
    let r = c.post(c.request(&Resource::cimv2("Win32_Environment").selector("Name", "Path").selector("Bogus", "1"), Get).encode()).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    let (_s, c) = setup_with(&[Defect::NotFoundInvalidSelectors]).await;
    let r = c.post(c.request(&svc().selector("Name", "NoSuchService"), Get).encode()).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InvalidValue));
    let (_s, c) = setup_with(&[Defect::UnknownResourceEmpty]).await;
    let env = assert_ok(&c.post(unknown_resource(&c)).await);
    assert!(env.body.is_empty());
    let (_s, c) = setup_with(&[Defect::UnknownActionEmpty]).await;
    let unknown =
        Envelope { header: c.session().header(Action::Other("urn:no-such-action".into()), &Resource::cimv2("Win32_OperatingSystem")), body: Vec::new() };
    let env = assert_ok(&c.post(unknown.encode()).await);
    assert!(env.body.is_empty());
}

async fn first_batch(c: &Client, max: u64) -> Envelope {
    assert_ok(&c.post(c.request(&svc(), opt(max)).encode()).await)
}

fn item_count(env: &Envelope) -> usize {
    env.body_element().and_then(|b| b.child(ns::WSMAN, "Items")).map_or(0, |i| i.elements().count())
}

#[tokio::test]
async fn enumeration_defects() {
    let (_s, c) = setup_with(&[Defect::IgnoreMaxElements]).await;
    assert!(item_count(&first_batch(&c, 2).await) >= 100);

    let (_s, c) = setup_with(&[Defect::NoEndOfSequence]).await;
    let env = first_batch(&c, 10_000).await;
    assert!(env.body_element().unwrap().child(ns::WSMAN, "EndOfSequence").is_none());
    let env = assert_ok(&c.post(pull(&c, &context(&env).unwrap(), Some(5))).await);
    assert!(env.body_element().unwrap().child(ns::WSEN, "EndOfSequence").is_none(), "never ends");

    let (_s, c) = setup_with(&[Defect::AcceptReleasedContext]).await;
    let ctx = context(&first_batch(&c, 2).await).unwrap();
    assert_ok(&c.post(c.request(&svc(), Release { context: ctx.clone() }).encode()).await);
    assert_ok(&c.post(pull(&c, &ctx, Some(2))).await);

    let (_s, c) = setup_with(&[Defect::DropEnumerationContext]).await;
    assert_eq!(context(&first_batch(&c, 2).await), None);

    // Clean: an Enumerate that ends at once names an empty context. The defect
    // names a non-empty one, and a Pull on it faults.
    let (_s, good) = setup().await;
    let env = first_batch(&good, 10_000).await;
    assert!(env.body_element().unwrap().child(ns::WSMAN, "EndOfSequence").is_some());
    assert_eq!(context(&env).as_deref(), Some(""));
    let (_s, c) = setup_with(&[Defect::EndOfSequenceWithContext]).await;
    let env = first_batch(&c, 10_000).await;
    assert!(env.body_element().unwrap().child(ns::WSMAN, "EndOfSequence").is_some());
    let ctx = context(&env).filter(|c| !c.is_empty()).expect("the defect names a context");
    let r = c.post(pull(&c, &ctx, Some(5))).await;
    assert_eq!(r.envelope().fault().and_then(|f| f.kind()), Some(FaultKind::InvalidEnumerationContext));

    let cfg = wsman_server::Config {
        defects: wsman_server::DefectSet::new([Defect::LeakEnumerationContexts]),
        limits: wsman_server::Limits { enumeration_quota: 2, ..Default::default() },
        ..Default::default()
    };
    let s = test_support::TestServer::start(cfg).await;
    let c = Client::admin(&s);
    for _ in 0..4 {
        assert_ok(&c.post(c.request(&svc(), Enumerate::default()).encode()).await);
    }

    let (_s, c) = setup_with(&[Defect::SchemaInvalidResponse]).await;
    let env = first_batch(&c, 1).await;
    assert!(env.body_element().unwrap().is(ns::WXF, "EnumerateResponse"));
}

#[tokio::test]
async fn transfer_defects() {
    let temp = Resource::cimv2("Win32_Environment").selector("Name", "TEMP").selector("UserName", "<SYSTEM>");
    let uri = temp.uri.clone();
    let representation = Element::ns(&uri, "Win32_Environment")
        .with_child(Element::ns(&uri, "Name").with_text("TEMP"))
        .with_child(Element::ns(&uri, "UserName").with_text("<SYSTEM>"))
        .with_child(Element::ns(&uri, "SystemVariable").with_text("false"));
    let put = |c: &Client| c.request(&temp, Put { representation: representation.clone() }).encode();
    let (_s, c) = setup().await;
    assert_eq!(c.post(put(&c)).await.status, 500);
    let (_s, c) = setup_with(&[Defect::PutReadOnlyAccepted]).await;
    assert_ok(&c.post(put(&c)).await);

    // Delete, then Get: gone on the reference server, still there with delete-ignored.
    let delete_then_get = |c: &Client| {
        let (delete, get) = (c.request(&temp, wsman_client::message::Delete).encode(), c.request(&temp, Get).encode());
        let c = c.clone();
        async move {
            assert_ok(&c.post(delete).await);
            c.post(get).await.status
        }
    };
    let (_s, c) = setup().await;
    assert_eq!(delete_then_get(&c).await, 500);
    let (_s, c) = setup_with(&[Defect::DeleteIgnored]).await;
    assert_eq!(delete_then_get(&c).await, 200);
}

#[tokio::test]
async fn transport_defects() {
    let (s, _) = setup_with(&[Defect::AcceptWrongPassword]).await;
    let wrong = Client::new(&s.url, Some("admin:wrong"));
    let r = wrong.post(os_get(&wrong).encode()).await;
    assert_eq!(r.status, 200);
    let unknown = Client::new(&s.url, Some("nobody:wrong"));
    let r = unknown.post(os_get(&unknown).encode()).await;
    assert_eq!(r.status, 401, "unknown users are still refused");

    let (_s, c) = setup_with(&[Defect::WrongContentType]).await;
    let r = c.post(os_get(&c).encode()).await;
    assert_eq!((r.status, r.content_type.as_deref()), (200, Some("text/html")));

    let (_s, c) = setup_with(&[Defect::MalformedResponse]).await;
    let r = c.post(os_get(&c).encode()).await;
    assert_eq!(r.status, 200);
    assert!(Envelope::decode(&r.body, &Default::default()).is_err());

    let (_s, c) = setup_with(&[Defect::IdentifyWrongProtocol]).await;
    let env = assert_ok(&c.post(identify(&c)).await);
    assert_ne!(env.body_element().unwrap().child_text(ns::WSMID, "ProtocolVersion").as_deref(), Some(ns::WSMAN));
}

#[tokio::test]
async fn hang_on_get_holds_the_request_until_shutdown() {
    let (s, c) = setup_with(&[Defect::HangOnGet]).await;
    let url = s.url.clone();
    let fut = c.send("POST", &url, Some("application/soap+xml"), &[], Bytes::from(os_get(&c).encode()));
    let timed = tokio::time::timeout(std::time::Duration::from_millis(300), fut).await;
    assert!(timed.is_err(), "a Get gets no answer");
    // Other actions still answer.
    assert_ok(&c.post(identify(&c)).await);
    s.stop().await;
}

#[tokio::test]
async fn late_past_operation_timeout_serves_one_at_a_time_and_answers_past_the_timeout() {
    use std::time::{Duration, Instant};
    let (s, c) = setup_with(&[Defect::LatePastOperationTimeout]).await;
    let mut get = os_get(&c);
    get.header.operation_timeout = Some(wsman_proto::XsDuration::from_millis(200));
    let started = Instant::now();
    assert_ok(&c.post(get.encode()).await);
    assert!(started.elapsed() >= Duration::from_millis(400), "the answer comes at twice the OperationTimeout, not after {:?}", started.elapsed());
    // Four requests sent at once are answered one after another, 20 ms each at least.
    let started = Instant::now();
    let replies = futures_join4(&c).await;
    for r in &replies {
        assert_ok(r);
    }
    assert!(started.elapsed() >= Duration::from_millis(80), "served one at a time: {:?}", started.elapsed());
    s.stop().await;
}

async fn futures_join4(c: &Client) -> Vec<test_support::Reply> {
    let send = || c.post(identify(c));
    let (a, b, x, y) = tokio::join!(send(), send(), send(), send());
    vec![a, b, x, y]
}
