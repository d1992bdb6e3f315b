//! WS-Eventing on the wire: Pull subscriptions fed by the host's sources,
//! PushWithAck across a subscriber outage, a BMC threshold crossing as an
//! event, and the eventing defects.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use test_support::{Client, Reply, TestServer};
use tokio::net::TcpListener;
use wsman_client::Resource;
use wsman_proto::message::eventing::{self as wse, ConnectionRetry, Delivery, DeliveryMode, Subscribe, SubscribeFilter, SubscribeResponse};
use wsman_proto::message::{EndpointReference, Message, Pull, PullResponse};
use wsman_proto::xml::{Element, Node};
use wsman_proto::{ns, Action, Envelope, FaultKind, Header, XsDuration};
use wsman_server::{BmcOptions, Config, Defect, DefectSet};

use super::{assert_fault, assert_ok};

fn eventlog() -> Resource {
    Resource::new(ns::EVENTLOG_RESOURCE)
}

/// The service-change events of the System log.
fn scm_filter() -> SubscribeFilter {
    let query = "<QueryList><Query Id=\"0\"><Select Path=\"System\">*[System[(EventID=7036)]]</Select></Query></QueryList>";
    let el = wsman_proto::xml::parse_str(query, &Default::default()).expect("a QueryList");
    SubscribeFilter { wse: false, dialect: Some(ns::dialect::EVENT_QUERY.to_owned()), content: vec![Node::Element(el)] }
}

fn subscribe(mode: DeliveryMode, notify_to: Option<String>) -> Subscribe {
    let mut delivery = Delivery::new(mode);
    delivery.notify_to = notify_to.map(|address| EndpointReference { address, ..EndpointReference::default() });
    Subscribe { delivery, filter: Some(scm_filter()), ..Subscribe::default() }
}

async fn open(c: &Client, resource: &Resource, s: Subscribe) -> SubscribeResponse {
    let env = assert_ok(&c.post(c.request(resource, s).encode()).await);
    SubscribeResponse::decode(&env.body).expect("a SubscribeResponse")
}

async fn pull(c: &Client, resource: &Resource, context: &str, max: u64, timeout: Duration) -> Reply {
    let mut req = c.request(resource, Pull { context: context.to_owned(), max_elements: std::num::NonZeroU64::new(max), ..Pull::default() });
    req.header.operation_timeout = Some(XsDuration::from_millis(timeout.as_millis() as u64));
    c.post(req.encode()).await
}

/// `param1` and `param2` of a 7036 event: the service's display name and its new state.
fn service_change(event: &Element) -> (String, String) {
    let data = event.child(ns::WIN_EVENT, "EventData").expect("EventData");
    let get = |n: &str| data.children_named(ns::WIN_EVENT, "Data").find(|d| d.attr(None, "Name") == Some(n)).map(|d| d.text().into_owned()).unwrap_or_default();
    (get("param1"), get("param2"))
}

async fn call(c: &Client, method: &str, service: &str) {
    let svc = Resource::cimv2("Win32_Service").selector("Name", service);
    let out = c.session().invoke(&svc, method, &[]).await.unwrap_or_else(|e| panic!("{method} {service}: {e}"));
    let _ = out;
}

async fn unsubscribe(c: &Client, resource: &Resource, id: &str) -> Reply {
    let mut req = c.request(resource, wse::Unsubscribe);
    req.header.unknown.push(wsman_proto::header::UnknownHeader { element: wse::identifier_header(id), must_understand: false });
    c.post(req.encode()).await
}

#[tokio::test]
async fn a_pull_subscription_receives_service_changes_in_order() {
    let s = TestServer::default_server().await;
    let c = Client::admin(&s);
    let sub = open(&c, &eventlog(), subscribe(DeliveryMode::Pull, None)).await;
    let context = sub.enumeration_context.clone().expect("a Pull subscription has a context");
    let id = sub.identifier().expect("a wse:Identifier");

    // Nothing yet: the Pull waits its OperationTimeout and says so.
    assert_fault(&pull(&c, &eventlog(), &context, 10, Duration::from_millis(300)).await, FaultKind::TimedOut, None);

    call(&c, "StopService", "Spooler").await;
    call(&c, "StartService", "Spooler").await;
    let mut seen = Vec::new();
    for _ in 0..10 {
        if seen.len() == 2 {
            break;
        }
        let env = assert_ok(&pull(&c, &eventlog(), &context, 10, Duration::from_secs(5)).await);
        let r = PullResponse::decode(&env.body).expect("a PullResponse");
        assert_eq!(r.context.as_deref(), Some(context.as_str()), "a subscription's context stays the same");
        seen.extend(r.items.iter().map(service_change));
    }
    assert_eq!(seen, [("Print Spooler".to_owned(), "stopped".to_owned()), ("Print Spooler".to_owned(), "running".to_owned())]);

    // A Pull waiting for events is woken by the next one.
    let log = eventlog();
    let (reply, _) = tokio::join!(pull(&c, &log, &context, 10, Duration::from_secs(20)), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        call(&c, "StopService", "Spooler").await;
    });
    let r = PullResponse::decode(&assert_ok(&reply).body).unwrap();
    assert_eq!(r.items.iter().map(service_change).collect::<Vec<_>>(), [("Print Spooler".to_owned(), "stopped".to_owned())]);

    assert_ok(&unsubscribe(&c, &eventlog(), &id).await);
    assert_fault(&pull(&c, &eventlog(), &context, 10, Duration::from_secs(1)).await, FaultKind::InvalidEnumerationContext, None);
}

/// A loopback event sink that acknowledges what it receives, and can be
/// stopped (connections refused) and started again on the same port.
struct Sink {
    addr: SocketAddr,
    received: Arc<Mutex<VecDeque<Envelope>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sink {
    async fn start(addr: SocketAddr, received: Arc<Mutex<VecDeque<Envelope>>>) -> Sink {
        let listener = TcpListener::bind(addr).await.expect("bind the sink");
        let addr = listener.local_addr().unwrap();
        let store = received.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let store = store.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let store = store.clone();
                        async move {
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let env = Envelope::decode(&body, &Default::default()).expect("the server sends envelopes");
                            let ack = wse::is_ack_requested(&env.header).then(|| {
                                let header = Header {
                                    to: Some(ns::WSA_ANONYMOUS.to_owned()),
                                    action: Some(Action::Ack),
                                    message_id: Some("uuid:00000000-0000-0000-0000-00000000ACED".to_owned()),
                                    relates_to: env.header.message_id.clone(),
                                    ..Header::default()
                                };
                                Envelope { header, body: Vec::new() }.encode()
                            });
                            store.lock().unwrap().push_back(env);
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(ack.unwrap_or_default()))))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), svc).await;
                });
            }
        });
        Sink { addr, received, task: Some(task) }
    }

    fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// Stops accepting and drops every connection (the task owns them all).
    async fn stop(mut self) -> (SocketAddr, Arc<Mutex<VecDeque<Envelope>>>) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
        (self.addr, self.received.clone())
    }
}

fn events_of(received: &Mutex<VecDeque<Envelope>>) -> Vec<(String, String)> {
    received
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.header.action.as_ref().is_some_and(|a| a.uri() == wsman_server::events::event_action()))
        .flat_map(|e| e.body.iter().map(service_change).collect::<Vec<_>>())
        .collect()
}

#[tokio::test]
async fn push_with_ack_loses_nothing_across_a_subscriber_outage() {
    let s = TestServer::default_server().await;
    let c = Client::admin(&s);
    let received = Arc::new(Mutex::new(VecDeque::new()));
    let sink = Sink::start(SocketAddr::from(([127, 0, 0, 1], 0)), received.clone()).await;
    let mut req = subscribe(DeliveryMode::PushWithAck, Some(sink.url()));
    req.delivery.connection_retry = Some(ConnectionRetry { total: 100, interval: XsDuration::from_millis(100) });
    let sub = open(&c, &eventlog(), req).await;
    assert_eq!(sub.enumeration_context, None, "a push subscription has no context");

    call(&c, "StopService", "Spooler").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while events_of(&received).is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(events_of(&received).len(), 1, "the first event arrives while the sink listens");

    // The outage: four more changes while nothing listens.
    let (addr, received) = sink.stop().await;
    call(&c, "StartService", "Spooler").await;
    call(&c, "StopService", "Spooler").await;
    call(&c, "StartService", "Spooler").await;
    call(&c, "StopService", "W32Time").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(events_of(&received).len(), 1, "nothing is delivered while the sink is down");

    let _sink = Sink::start(addr, received.clone()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while events_of(&received).len() < 5 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = |n: &str, st: &str| (n.to_owned(), st.to_owned());
    assert_eq!(
        events_of(&received),
        [
            s("Print Spooler", "stopped"),
            s("Print Spooler", "running"),
            s("Print Spooler", "stopped"),
            s("Print Spooler", "running"),
            s("Windows Time", "stopped")
        ],
        "every event once, in order, after the sink came back"
    );
    assert!(received.lock().unwrap().iter().all(|e| wse::is_ack_requested(&e.header)), "PushWithAck asks for an Ack on every delivery");
}

#[tokio::test]
async fn push_refuses_addresses_it_cannot_or_may_not_reach() {
    let s = TestServer::default_server().await;
    let c = Client::admin(&s);
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    for address in [format!("http://{free}/nobody"), "http://192.0.2.1:9/none".to_owned(), "ftp://127.0.0.1/x".to_owned()] {
        let r = c.post(c.request(&eventlog(), subscribe(DeliveryMode::Push, Some(address.clone()))).encode()).await;
        assert_fault(&r, FaultKind::EventDeliverToUnusable, None);
    }
    let bogus = c.post(c.request(&Resource::cimv2("Win32_Service"), subscribe(DeliveryMode::Pull, None)).encode()).await;
    assert_fault(&bogus, FaultKind::DestinationUnreachable, None);
}

#[tokio::test]
async fn a_bmc_threshold_crossing_arrives_as_an_event() {
    let toml = r#"
[bmc]
power_on = true
[[sensor]]
name = "Inlet Temp"
kind = "temperature"
thresholds = { unc = 40 }
reading = { type = "steps", initial = 25, steps = [ { at = "1s", value = 45 } ] }
"#;
    let bmc = BmcOptions { scenario: ipmi_sim::Scenario::from_toml(toml).expect("scenario"), clock: ipmi_sim::Clock::real(), ipmi: None };
    let s = TestServer::host(Config::default(), bmc).await;
    let c = Client::admin(&s);
    let indications = Resource::new(wsman_server::events::bmc::indication_uri());
    let mut req = subscribe(DeliveryMode::Pull, None);
    req.filter = None;
    let sub = open(&c, &indications, req).await;
    let context = sub.enumeration_context.unwrap();
    let env = assert_ok(&pull(&c, &indications, &context, 5, Duration::from_secs(10)).await);
    let r = PullResponse::decode(&env.body).unwrap();
    assert_eq!(r.items.len(), 1, "one crossing, one event");
    let text = wsman_proto::xml::fragment_to_string(&r.items[0]);
    assert!(r.items[0].name == "CIM_AlertIndication" && text.contains("Inlet Temp") && text.contains("UpperNonCritical"), "{text}");
}

#[tokio::test]
async fn the_eventing_defects_break_what_subscribers_rely_on() {
    let with = |d: Defect| Config { defects: DefectSet::new([d]), ..Config::default() };
    let s = TestServer::start(with(Defect::SubscribeNoContext)).await;
    let c = Client::admin(&s);
    assert_eq!(open(&c, &eventlog(), subscribe(DeliveryMode::Pull, None)).await.enumeration_context, None);

    let s = TestServer::start(with(Defect::UnsubscribeIgnored)).await;
    let c = Client::admin(&s);
    let sub = open(&c, &eventlog(), subscribe(DeliveryMode::Pull, None)).await;
    assert_ok(&unsubscribe(&c, &eventlog(), &sub.identifier().unwrap()).await);
    let still = pull(&c, &eventlog(), &sub.enumeration_context.unwrap(), 1, Duration::from_millis(200)).await;
    assert_fault(&still, FaultKind::TimedOut, None);

    let s = TestServer::start(with(Defect::AcceptInvalidExpires)).await;
    let c = Client::admin(&s);
    let mut req = subscribe(DeliveryMode::Pull, None);
    req.expires = Some(wse::EventExpires::parse("soon"));
    assert!(open(&c, &eventlog(), req).await.enumeration_context.is_some(), "the defect grants an unparseable Expires");
}
