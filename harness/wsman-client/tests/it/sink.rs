//! The push sink, fed real envelopes over HTTP as a source sends them:
//! Acks where asked, notifications in arrival order, refusals, outages.

use std::time::Duration;

use wsman_client::eventing::{DroppedNotice, Notification};
use wsman_client::message::eventing::{ack_requested_header, Bookmark, DroppedEvents, EndStatus, EventItem, Events, SubscriptionEnd};
use wsman_client::message::Message;
use wsman_client::{Endpoint, ErrorKind, EventSink, RawAuth, RawRequest, RawResponse, Session};
use wsman_proto::header::UnknownHeader;
use wsman_proto::{Action, Element, Envelope, Header, Limits};

/// The source's side: a session whose endpoint is the sink.
fn source(sink: &EventSink) -> Session {
    Session::new(Endpoint::new(sink.url()).with_timeout(Duration::from_secs(5))).expect("a session")
}

fn delivery(action: Action, id: &str, headers: Vec<Element>, body: Vec<Element>) -> Envelope {
    let header = Header {
        to: Some("http://127.0.0.1/wsman-sink".into()),
        action: Some(action),
        message_id: Some(id.to_owned()),
        unknown: headers.into_iter().map(|element| UnknownHeader { element, must_understand: false }).collect(),
        ..Header::default()
    };
    Envelope { header, body }
}

async fn post(session: &Session, envelope: &Envelope) -> Result<RawResponse, wsman_client::Error> {
    post_bytes(session, envelope.encode()).await
}

async fn post_bytes(session: &Session, body: Vec<u8>) -> Result<RawResponse, wsman_client::Error> {
    session
        .raw(RawRequest { content_type: Some("application/soap+xml;charset=UTF-8".into()), auth: RawAuth::None, body: body.into(), ..RawRequest::default() })
        .await
}

fn payload(n: u32) -> Element {
    Element::ns("urn:example:harness:ev", "Ev").with_attr(None, "N", n.to_string()).with_text(format!("event {n}"))
}

async fn next(sink: &mut EventSink) -> Notification {
    tokio::time::timeout(Duration::from_secs(5), sink.next()).await.expect("a notification in time").expect("the sink runs")
}

#[tokio::test]
async fn an_ack_requested_delivery_is_acknowledged_and_handed_over() {
    let mut sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.expect("binds");
    assert!(sink.url().starts_with("http://127.0.0.1:") && sink.url().ends_with("/wsman-sink"), "{}", sink.url());
    let s = source(&sink);
    let event_action = Action::Other("urn:example:harness:ev/Changed".into());
    let env = delivery(event_action, "uuid:D-1", vec![ack_requested_header(), Bookmark::text("bm-1").to_element()], vec![payload(1)]);
    let r = post(&s, &env).await.expect("answered");
    assert_eq!(r.status, 200);
    assert!(r.content_type().is_some_and(|c| c.starts_with("application/soap+xml")));
    let ack = Envelope::decode(&r.body, &Limits::default()).expect("an envelope");
    assert_eq!(ack.header.action, Some(Action::Ack));
    assert_eq!(ack.header.relates_to.as_deref(), Some("uuid:D-1"));
    assert!(ack.header.message_id.as_deref().is_some_and(|m| m.starts_with("uuid:") && m != "uuid:D-1"));
    match next(&mut sink).await {
        Notification::Event(e) => {
            assert_eq!(e.action.as_deref(), Some("urn:example:harness:ev/Changed"));
            assert_eq!(e.payload, payload(1));
            assert_eq!(e.bookmark, Some(Bookmark::text("bm-1")));
            assert_eq!(e.message_id.as_deref(), Some("uuid:D-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((sink.accepted(), sink.acks()), (1, 1));

    // Push: no AckRequested, an empty 202, no Ack counted.
    let r = post(&s, &delivery(Action::Event, "uuid:D-2", vec![], vec![payload(2)])).await.expect("answered");
    assert_eq!((r.status, r.body.len()), (202, 0));
    assert!(matches!(next(&mut sink).await, Notification::Event(e) if e.action.as_deref() == Some(Action::Event.uri().as_str()) && e.bookmark.is_none()));
    assert_eq!((sink.accepted(), sink.acks()), (2, 1));
}

#[tokio::test]
async fn batches_heartbeats_drops_and_ends_come_in_arrival_order() {
    let mut sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.expect("binds");
    let s = source(&sink);
    let batch = Events {
        events: vec![
            EventItem::new("urn:a", payload(1)),
            EventItem::new(Action::DroppedEvents.uri(), DroppedEvents { action: "urn:a".into(), count: 4 }.to_element()),
            EventItem::new("urn:a", payload(2)),
        ],
    };
    let end = SubscriptionEnd {
        subscription_manager: wsman_client::message::eventing::subscription_manager("http://127.0.0.1:1/wsman", "uuid:S-1"),
        status: EndStatus::SourceShuttingDown,
        reason: Some("bye".into()),
    };
    let messages = [
        delivery(Action::Events, "uuid:B-1", vec![ack_requested_header(), Bookmark::text("bm-2").to_element()], batch.into_body()),
        delivery(Action::Heartbeat, "uuid:H-1", vec![], vec![]),
        delivery(Action::DroppedEvents, "uuid:X-1", vec![], DroppedEvents { action: "urn:b".into(), count: 2 }.into_body()),
        delivery(Action::SubscriptionEnd, "uuid:E-1", vec![], end.clone().into_body()),
    ];
    for m in &messages {
        let r = post(&s, m).await.expect("answered");
        assert!(matches!(r.status, 200 | 202), "{} {}", r.status, String::from_utf8_lossy(&r.body));
    }
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(next(&mut sink).await);
    }
    assert!(matches!(&got[0], Notification::Event(e) if e.payload == payload(1) && e.bookmark.is_none()), "{:?}", got[0]);
    assert_eq!(got[1], Notification::Dropped(DroppedNotice { action: "urn:a".into(), count: 4, before: 1 }));
    assert!(matches!(&got[2], Notification::Event(e) if e.payload == payload(2) && e.bookmark == Some(Bookmark::text("bm-2"))), "{:?}", got[2]);
    assert_eq!(got[3], Notification::Heartbeat);
    assert_eq!(got[4], Notification::Dropped(DroppedNotice { action: "urn:b".into(), count: 2, before: 0 }));
    assert_eq!(got[5], Notification::End(end));
    assert!(sink.try_next().is_none());
    assert_eq!(sink.acks(), 1, "only the batch asked for an Ack");

    // Many in a row keep their order.
    for n in 0..50 {
        post(&s, &delivery(Action::Event, &format!("uuid:N-{n}"), vec![ack_requested_header()], vec![payload(n)])).await.expect("answered");
    }
    for n in 0..50 {
        assert!(matches!(next(&mut sink).await, Notification::Event(e) if e.payload == payload(n)));
    }
}

#[tokio::test]
async fn what_is_not_a_delivery_is_refused_and_not_acknowledged() {
    let mut sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.expect("binds");
    let s = source(&sink);
    let r = post_bytes(&s, b"<not-soap/>".to_vec()).await.expect("answered");
    assert_eq!(r.status, 400);
    let r = post(&s, &delivery(Action::Event, "uuid:Z-1", vec![ack_requested_header()], vec![])).await.expect("answered");
    assert_eq!(r.status, 400, "an event without its payload");
    let r = post(&s, &delivery(Action::DroppedEvents, "uuid:Z-2", vec![ack_requested_header()], vec![payload(1)])).await.expect("answered");
    assert_eq!(r.status, 400, "a DroppedEvents without wsman:DroppedEvents");
    let r = s.raw(RawRequest { method: Some("GET".into()), auth: RawAuth::None, ..RawRequest::default() }).await.expect("answered");
    assert_eq!(r.status, 405);
    assert!(sink.try_next().is_none());
    assert_eq!((sink.accepted(), sink.acks()), (0, 0));
}

#[tokio::test]
async fn only_loopback_addresses_are_accepted() {
    for addr in ["0.0.0.0:0", "192.0.2.1:0", "[::]:0"] {
        let e = EventSink::bind(addr.parse().unwrap()).await.expect_err(addr);
        assert_eq!(e.kind(), ErrorKind::Config, "{addr}");
    }
    // A port already taken.
    let taken = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.expect("binds");
    let e = EventSink::bind(taken.local_addr()).await.expect_err("taken");
    assert_eq!(e.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn a_paused_sink_refuses_connections_and_resumes_on_the_same_port() {
    let mut sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.expect("binds");
    let addr = sink.local_addr();
    let s = source(&sink);
    post(&s, &delivery(Action::Event, "uuid:P-1", vec![ack_requested_header()], vec![payload(1)])).await.expect("answered");
    sink.pause().await;
    assert!(sink.is_paused());
    // The kept-alive connection is closed and new ones are refused.
    let e = post(&s, &delivery(Action::Event, "uuid:P-2", vec![ack_requested_header()], vec![payload(2)])).await.expect_err("paused");
    assert!(e.is_connect() || e.is_closed(), "{e:?}");
    let fresh = source(&sink);
    let e = post(&fresh, &delivery(Action::Event, "uuid:P-2", vec![ack_requested_header()], vec![payload(2)])).await.expect_err("paused");
    assert!(e.is_refused(), "{e:?}");
    sink.pause().await;
    sink.resume().await.expect("binds again");
    assert_eq!(sink.local_addr(), addr);
    let r = post(&fresh, &delivery(Action::Event, "uuid:P-2", vec![ack_requested_header()], vec![payload(2)])).await.expect("answered");
    assert_eq!(r.status, 200);
    // What came before the outage is still there, first.
    assert!(matches!(next(&mut sink).await, Notification::Event(e) if e.payload == payload(1)));
    assert!(matches!(next(&mut sink).await, Notification::Event(e) if e.message_id.as_deref() == Some("uuid:P-2")));
    assert!(sink.try_next().is_none(), "nothing arrived while paused");
    assert_eq!(sink.acks(), 2);
    sink.resume().await.expect("resuming a running sink does nothing");
}
