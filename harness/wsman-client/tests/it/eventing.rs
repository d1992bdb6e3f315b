//! WS-Eventing through the typed operations against the reference server:
//! service changes pulled in order, heartbeats, the long poll's TimedOut,
//! Renew/GetStatus/Unsubscribe, and PushWithAck to the sink across an outage.

use std::time::Duration;

use test_support::TestServer;
use wsman_client::eventing::{Notification, ReceivedEvent, SubscribeMode, SubscribeOptions};
use wsman_client::message::eventing::{identifier_header, ConnectionRetry, Renew, RenewResponse};
use wsman_client::{EventSink, Resource, Session};
use wsman_proto::header::UnknownHeader;
use wsman_proto::{ns, Action, Element, FaultKind, XsDuration};

use crate::session;

const SCM_QUERY: &str = r#"<QueryList><Query Id="0"><Select Path="System">*[System[(EventID=7036)]]</Select></Query></QueryList>"#;

fn eventlog() -> Resource {
    Resource::new(ns::EVENTLOG_RESOURCE)
}

fn scm(mode: SubscribeMode) -> SubscribeOptions {
    SubscribeOptions { mode, send_bookmarks: true, ..SubscribeOptions::default() }.with_filter(ns::dialect::EVENT_QUERY, SCM_QUERY).expect("a QueryList")
}

async fn call(s: &Session, method: &str, service: &str) {
    let svc = Resource::cimv2("Win32_Service").selector("Name", service);
    let out = s.invoke(&svc, method, &[]).await.unwrap_or_else(|e| panic!("{method} {service}: {e}"));
    assert_eq!(out.return_value(), Some(0), "{method} {service}");
}

/// `EventID`, `param1` and `param2` of a 7036 event: the service's display name and its new state.
fn service_change(event: &Element) -> (String, String, String) {
    let system = event.child(ns::WIN_EVENT, "System").expect("System");
    let id = system.child_text(ns::WIN_EVENT, "EventID").unwrap_or_default();
    let data = event.child(ns::WIN_EVENT, "EventData").expect("EventData");
    let get = |n: &str| data.children_named(ns::WIN_EVENT, "Data").find(|d| d.attr(None, "Name") == Some(n)).map(|d| d.text().into_owned()).unwrap_or_default();
    (id.trim().to_owned(), get("param1"), get("param2"))
}

fn spooler(state: &str) -> (String, String, String) {
    ("7036".to_owned(), "Print Spooler".to_owned(), state.to_owned())
}

/// A Renew of `identifier` sent by hand (after the Subscription is gone).
async fn renew_by_hand(s: &Session, identifier: &str) -> Result<RenewResponse, wsman_client::Error> {
    let mut header = s.header(Action::SubscriptionRenew, &eventlog());
    header.unknown.push(UnknownHeader { element: identifier_header(identifier), must_understand: false });
    s.call(header, Renew::default(), false).await
}

#[tokio::test]
async fn a_pull_subscription_sees_stop_and_start_in_order_then_unsubscribes() {
    let server = TestServer::default_server().await;
    let s = session(&server);
    let mut sub = s.subscribe(&eventlog(), SubscribeOptions { expires: Some(Duration::from_secs(120)), ..scm(SubscribeMode::Pull) }).await.expect("subscribed");
    assert!(sub.identifier().starts_with("uuid:"), "{}", sub.identifier());
    assert!(sub.context().is_some());
    let granted = sub.expires().expect("an Expires granted");
    assert!(granted <= Duration::from_secs(120) && granted > Duration::from_secs(100), "{granted:?}");

    // Nothing yet: the long poll ends with TimedOut, which is no error.
    let quiet = sub.pull(None, Duration::from_millis(300)).await.expect("a quiet pull");
    assert!(quiet.timed_out && quiet.events.is_empty() && !quiet.heartbeat, "{quiet:?}");

    call(&s, "StopService", "Spooler").await;
    call(&s, "StartService", "Spooler").await;
    let mut seen: Vec<ReceivedEvent> = Vec::new();
    for _ in 0..10 {
        if seen.len() >= 2 {
            break;
        }
        let p = sub.pull(None, Duration::from_secs(5)).await.expect("a pull");
        assert!(p.dropped.is_empty(), "{p:?}");
        seen.extend(p.events);
    }
    let changes: Vec<_> = seen.iter().map(|e| service_change(&e.payload)).collect();
    assert_eq!(changes, [spooler("stopped"), spooler("running")]);
    assert!(seen.last().and_then(|e| e.bookmark.as_ref()).is_some(), "SendBookmarks: the batch's last event has one");

    let left = sub.status().await.expect("GetStatus").expect("the time left");
    assert!(left <= granted, "{left:?} of {granted:?}");
    let renewed = sub.renew(Some(Duration::from_secs(60))).await.expect("Renew").expect("granted");
    assert!(renewed <= Duration::from_secs(60) && renewed > Duration::from_secs(50), "{renewed:?}");
    assert_eq!(sub.expires(), Some(renewed));

    let id = sub.identifier().to_owned();
    sub.unsubscribe().await.expect("Unsubscribe");
    let e = renew_by_hand(&s, &id).await.expect_err("the subscription is gone");
    assert!(matches!(e.fault_kind(), Some(FaultKind::InvalidMessage | FaultKind::UnableToRenew)), "{e:?}");
}

#[tokio::test]
async fn a_quiet_pull_subscription_with_heartbeats_gets_one() {
    let server = TestServer::default_server().await;
    let s = session(&server);
    let mut sub =
        s.subscribe(&eventlog(), SubscribeOptions { heartbeats: Some(Duration::from_millis(400)), ..scm(SubscribeMode::Pull) }).await.expect("subscribed");
    let p = sub.pull(None, Duration::from_secs(5)).await.expect("a pull");
    assert!(p.heartbeat && !p.timed_out && p.events.is_empty(), "{p:?}");
    // Only a Pull subscription can be pulled, and MaxTime must fit in the deadline.
    let e = sub.pull(None, Duration::from_secs(60)).await.expect_err("longer than the deadline");
    assert_eq!(e.kind(), wsman_client::ErrorKind::InvalidRequest);
    sub.unsubscribe().await.expect("Unsubscribe");
}

#[tokio::test]
async fn a_bad_subscribe_is_a_typed_fault() {
    let server = TestServer::default_server().await;
    let s = session(&server);
    let bad_filter = SubscribeOptions::default().with_filter(ns::dialect::EVENT_QUERY, "<QueryList><Nonsense/></QueryList>").unwrap();
    let e = s.subscribe(&eventlog(), bad_filter).await.expect_err("a filter the source cannot read");
    assert!(e.is_fault(), "{e:?}");
    // Nobody listens at the NotifyTo: the source refuses at Subscribe.
    let nobody = {
        let sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        sink.notify_to()
    };
    let e = s.subscribe(&eventlog(), scm(SubscribeMode::Push { notify_to: nobody })).await.expect_err("an unusable NotifyTo");
    assert_eq!(e.fault_kind(), Some(FaultKind::EventDeliverToUnusable), "{e:?}");
}

async fn next_event(sink: &mut EventSink) -> ReceivedEvent {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), sink.next()).await.expect("an event in time").expect("the sink runs") {
            Notification::Event(e) => return e,
            Notification::Heartbeat => continue,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn push_with_ack_reaches_the_sink_in_order_across_an_outage() {
    let server = TestServer::default_server().await;
    let s = session(&server);
    let mut sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await.expect("a sink");
    let options = SubscribeOptions {
        connection_retry: Some(ConnectionRetry { total: 20, interval: XsDuration::from_millis(200) }),
        ..scm(SubscribeMode::PushWithAck { notify_to: sink.notify_to() })
    };
    let sub = s.subscribe(&eventlog(), options).await.expect("subscribed");
    assert!(sub.context().is_none(), "a push subscription has no context");

    call(&s, "StopService", "Spooler").await;
    call(&s, "StartService", "Spooler").await;
    let first = [next_event(&mut sink).await, next_event(&mut sink).await];
    assert_eq!(first.iter().map(|e| service_change(&e.payload)).collect::<Vec<_>>(), [spooler("stopped"), spooler("running")]);
    assert!(first.iter().all(|e| e.action.as_deref() == Some(Action::Event.uri().as_str())), "{first:?}");
    assert!(sink.acks() >= 2);

    // The subscriber goes away; the source keeps what it could not deliver.
    sink.pause().await;
    call(&s, "StopService", "Spooler").await;
    call(&s, "StartService", "Spooler").await;
    call(&s, "StopService", "Spooler").await;
    let acks_before = sink.acks();
    sink.resume().await.expect("back on the same port");
    let after = [next_event(&mut sink).await, next_event(&mut sink).await, next_event(&mut sink).await];
    assert_eq!(after.iter().map(|e| service_change(&e.payload)).collect::<Vec<_>>(), [spooler("stopped"), spooler("running"), spooler("stopped")]);
    assert!(sink.acks() >= acks_before + 3);
    sub.unsubscribe().await.expect("Unsubscribe");
    call(&s, "StartService", "Spooler").await;
}
