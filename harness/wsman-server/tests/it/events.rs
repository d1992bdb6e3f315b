//! The host's event sources seen through the public API: a server's
//! [`EventHub`](wsman_server::events::EventHub), fed by requests on the wire,
//! the timer, and the BMC's scenario.

use std::net::SocketAddr;
use std::time::Duration;

use ipmi_sim::{Clock, Scenario};
use test_support::Client;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::broadcast::Receiver;
use tokio::sync::oneshot;
use wsman_client::message::MethodInput;
use wsman_client::Resource;
use wsman_proto::xml::{self, Element, Node};
use wsman_proto::{ns, Instance, Value};
use wsman_server::events::{bmc, EventQuery, SourceEvent};
use wsman_server::{BmcOptions, Config, ReferenceHost, Server};

use crate::assert_ok;

/// A bound server's run, stopped when dropped.
struct Running {
    url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn loopback(config: Config) -> Config {
    Config { http: Some(SocketAddr::from(([127, 0, 0, 1], 0))), allow_unencrypted: true, ..config }
}

/// Binds `config` on loopback, subscribes to its events, then runs it.
async fn serve(config: Config) -> (Running, Receiver<SourceEvent>) {
    let server = Server::bind(loopback(config)).await.expect("bind");
    let rx = server.events().subscribe();
    let url = format!("http://{}/wsman", server.http_addr().expect("an address"));
    let (tx, stopped) = oneshot::channel();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    (Running { url, stop: Some(tx) }, rx)
}

async fn next(rx: &mut Receiver<SourceEvent>) -> SourceEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("an event in time").expect("the hub is open")
}

fn data(ev: &SourceEvent) -> Vec<(String, String)> {
    let event_data = ev.payload.child(ns::WIN_EVENT, "EventData").expect("EventData");
    event_data.children_named(ns::WIN_EVENT, "Data").map(|d| (d.attr(None, "Name").unwrap_or("").to_owned(), d.text().into_owned())).collect()
}

fn system_text(ev: &SourceEvent, name: &str) -> String {
    ev.payload.child(ns::WIN_EVENT, "System").and_then(|s| s.child_text(ns::WIN_EVENT, name)).unwrap_or_default()
}

fn invoke(c: &Client, service: &str, method: &str) -> Vec<u8> {
    let r = Resource::cimv2("Win32_Service").selector("Name", service);
    let input = MethodInput { resource_uri: r.uri.clone(), method: method.to_owned(), parameters: Vec::new() };
    c.request(&r, input).encode()
}

fn return_value(reply: &test_support::Reply) -> Option<String> {
    let env = assert_ok(reply);
    let uri = Resource::cimv2("Win32_Service").uri;
    env.body_element().and_then(|b| b.child_text(&uri, "ReturnValue"))
}

#[tokio::test]
async fn stop_then_start_gives_two_7036_in_order() {
    let (s, mut rx) = serve(Config { machine: "EVHOST".into(), ..Config::default() }).await;
    let c = Client::new(&s.url, Some("admin:admin"));

    assert_eq!(return_value(&c.post(invoke(&c, "Spooler", "StopService")).await).as_deref(), Some("0"));
    // Stopping a stopped service changes nothing and logs nothing (ReturnValue 5).
    assert_eq!(return_value(&c.post(invoke(&c, "Spooler", "StopService")).await).as_deref(), Some("5"));
    assert_eq!(return_value(&c.post(invoke(&c, "Spooler", "StartService")).await).as_deref(), Some("0"));

    let stopped = next(&mut rx).await;
    let started = next(&mut rx).await;
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty), "the refused StopService published nothing");
    for ev in [&stopped, &started] {
        assert_eq!(ev.resource_uri, ns::EVENTLOG_RESOURCE);
        assert_eq!(ev.log.as_deref(), Some("System"));
        assert_eq!((ev.provider.as_str(), ev.event_id), ("Service Control Manager", 7036));
        assert_eq!(system_text(ev, "Computer"), "EVHOST");
        assert_eq!(system_text(ev, "Channel"), "System");
    }
    let params = |ev: &SourceEvent| data(ev).into_iter().map(|(_, v)| v).collect::<Vec<_>>();
    assert_eq!(params(&stopped), ["Print Spooler", "stopped"]);
    assert_eq!(params(&started), ["Print Spooler", "running"]);
    assert!(started.record_id > stopped.record_id, "EventRecordID increases");
    assert_eq!(system_text(&started, "EventRecordID"), started.record_id.to_string());

    // The filter a WEC subscription for these events would carry accepts both.
    let list = r#"<QueryList><Query Id="0"><Select Path="System">*[System[Provider[@Name='Service Control Manager'] and (EventID=7036)]]</Select></Query></QueryList>"#;
    let q = EventQuery::parse(Some(ns::dialect::EVENT_QUERY), &[Node::Element(xml::parse_str(list, &Default::default()).unwrap())]).unwrap();
    assert!(q.matches(&stopped) && q.matches(&started));
    let other = r#"<QueryList><Query Id="0"><Select Path="Application">*</Select></Query></QueryList>"#;
    let q = EventQuery::parse(Some(ns::dialect::EVENT_QUERY), &[Node::Element(xml::parse_str(other, &Default::default()).unwrap())]).unwrap();
    assert!(!q.matches(&stopped));
}

#[tokio::test(start_paused = true)]
async fn configured_timer_ticks_at_its_interval() {
    let every = Duration::from_millis(200);
    let start = tokio::time::Instant::now();
    let (_s, mut rx) = serve(Config { event_timer: Some(every), ..Config::default() }).await;
    for n in 1..=3u32 {
        let ev = next(&mut rx).await;
        assert_eq!(tokio::time::Instant::now() - start, every * n);
        assert_eq!(ev.log.as_deref(), Some("Application"));
        assert_eq!(data(&ev), [("Sequence".to_owned(), n.to_string())]);
    }
}

#[tokio::test(start_paused = true)]
async fn no_timer_by_default() {
    let (_s, mut rx) = serve(Config::default()).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));
}

/// One fan with only a lower critical threshold (600 RPM); it stops at t = 20 s.
const FAN_SCENARIO: &str = r#"
[[sensor]]
name = "Fan 7"
kind = "fan"
m = 60
thresholds = { lcr = 600 }
reading = { type = "constant", value = 5400 }

[[fault]]
at = "20s"
sensor = "Fan 7"
value = 0
"#;

#[tokio::test(start_paused = true)]
async fn a_threshold_crossing_is_one_bmc_event() {
    let clock = Clock::frozen(Duration::ZERO);
    let opts = BmcOptions { scenario: Scenario::from_toml(FAN_SCENARIO).expect("scenario"), clock: clock.clone(), ipmi: None };
    let host = ReferenceHost::bind(loopback(Config::default()), opts).await.expect("bind the host");
    let mut rx = host.events().subscribe();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(host.run(async {
        let _ = stopped.await;
    }));

    tokio::time::sleep(bmc::POLL_INTERVAL * 4).await;
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty), "no crossing before the fault (the power-up record predates the watcher)");
    clock.step(Duration::from_secs(25));
    let ev = tokio::time::timeout(bmc::POLL_INTERVAL * 2, rx.recv()).await.expect("within one poll").expect("open");
    tokio::time::sleep(bmc::POLL_INTERVAL * 8).await;
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty), "exactly one event for one crossing");

    assert_eq!(ev.resource_uri, bmc::indication_uri());
    assert!(ev.payload.is(&bmc::indication_uri(), bmc::INDICATION_CLASS));
    let mut inst = Instance::new(ev.resource_uri.clone(), bmc::INDICATION_CLASS);
    inst.properties = Instance::properties_from_element(&ev.payload).expect("an instance");
    let args: Vec<String> = match inst.get("MessageArguments") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::to_text).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(args, ["Fan 7", "0", "LowerCritical", "asserted"]);
    assert_eq!(inst.get("PerceivedSeverity").and_then(Value::to_text).as_deref(), Some("6"), "critical");
    assert!(inst.get("AlertingManagedElement").and_then(Value::to_text).is_some_and(|p| p.contains("DeviceID=\"Sensor.1\"")));
    // The scenario's epoch (1_700_000_000) + 20 s: the fault's start.
    assert_eq!(inst.get("IndicationTime").and_then(Value::to_text).as_deref(), Some("2023-11-14T22:13:40Z"));

    let _ = stop.send(());
    task.await.expect("the host stops");
}

#[test]
fn event_payload_is_an_element_tree() {
    // The payload is what a subscriber's event message carries: an element
    // the lead can put in the body as is, or as text (payload_text).
    let e = Element::ns(ns::WIN_EVENT, "Event");
    let ev = SourceEvent {
        resource_uri: ns::EVENTLOG_RESOURCE.into(),
        log: Some("System".into()),
        provider: "p".into(),
        event_id: 1,
        level: 4,
        record_id: 1,
        time: std::time::UNIX_EPOCH,
        action: wsman_server::events::event_action(),
        payload: e.clone(),
    };
    assert_eq!(xml::parse_str(&ev.payload_text(), &Default::default()).unwrap(), e);
}
