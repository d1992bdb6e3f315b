use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipmi_sim::{Bmc, Clock, Scenario, SharedBmc};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::watch;
use wsman_proto::xml::{self, Element, Node};
use wsman_proto::{ns, Instance};

use super::bmc::{indication_uri, SelWatcher, INDICATION_CLASS, POLL_INTERVAL};
use super::query::{EventQuery, FilterError};
use super::windows::{publish_service_change, spawn_timer, ServiceChange, ServiceState, APPLICATION_LOG, SCM_PROVIDER, TIMER_EVENT_ID, TIMER_PROVIDER};
use super::*;

fn scm(hub: &EventHub, name: &str, display: &str, state: ServiceState) -> u64 {
    publish_service_change(
        hub,
        ServiceChange { machine: "HOST", name, display_name: display, state, time: UNIX_EPOCH + Duration::from_secs(1_700_000_000), scm_pid: 604 },
    )
}

fn win(ns_child: &Element, name: &str) -> Element {
    ns_child.child(ns::WIN_EVENT, name).unwrap_or_else(|| panic!("no {name} in {}", xml::fragment_to_string(ns_child))).clone()
}

#[test]
fn service_change_is_a_7036_in_the_system_log() {
    let hub = EventHub::new(8);
    let mut rx = hub.subscribe();
    assert_eq!(scm(&hub, "Spooler", "Print Spooler", ServiceState::Stopped), 1);
    assert_eq!(scm(&hub, "Spooler", "Print Spooler", ServiceState::Running), 2);
    let first = rx.try_recv().expect("the stop");
    let second = rx.try_recv().expect("the start");
    assert_eq!((first.record_id, second.record_id), (1, 2));
    assert_eq!(first.resource_uri, ns::EVENTLOG_RESOURCE);
    assert_eq!(first.log.as_deref(), Some("System"));
    assert_eq!((first.provider.as_str(), first.event_id, first.level), (SCM_PROVIDER, 7036, 4));
    assert_eq!(first.action, format!("{}/Event", ns::WSMAN_ACTION_BASE));

    let ev = &first.payload;
    assert!(ev.is(ns::WIN_EVENT, "Event"));
    let system = win(ev, "System");
    let provider = win(&system, "Provider");
    assert_eq!(provider.attr(None, "Name"), Some("Service Control Manager"));
    assert_eq!(provider.attr(None, "Guid"), Some("{555908d1-a6d7-4695-8e1e-26931d2012f4}"));
    let id = win(&system, "EventID");
    assert_eq!((id.text().as_ref(), id.attr(None, "Qualifiers")), ("7036", Some("16384")));
    assert_eq!(win(&system, "Channel").text(), "System");
    assert_eq!(win(&system, "Computer").text(), "HOST");
    assert_eq!(win(&system, "EventRecordID").text(), "1");
    assert_eq!(win(&system, "TimeCreated").attr(None, "SystemTime"), Some("2023-11-14T22:13:20.0000000Z"));
    let names: Vec<&str> = system.elements().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Provider",
            "EventID",
            "Version",
            "Level",
            "Task",
            "Opcode",
            "Keywords",
            "TimeCreated",
            "EventRecordID",
            "Correlation",
            "Execution",
            "Channel",
            "Computer",
            "Security"
        ]
    );
    let data = win(ev, "EventData");
    let params: Vec<(Option<&str>, String)> = data.children_named(ns::WIN_EVENT, "Data").map(|d| (d.attr(None, "Name"), d.text().into_owned())).collect();
    assert_eq!(params, [(Some("param1"), "Print Spooler".to_owned()), (Some("param2"), "stopped".to_owned())]);
    assert_eq!(win(&data, "Binary").text(), "530070006F006F006C00650072002F0031000000");
    let second_params: Vec<String> = win(&second.payload, "EventData").children_named(ns::WIN_EVENT, "Data").map(|d| d.text().into_owned()).collect();
    assert_eq!(second_params, ["Print Spooler", "running"]);
    // The text form round-trips through the project's XML reader.
    let parsed = xml::parse_str(&first.payload_text(), &Default::default()).expect("payload text parses");
    assert_eq!(parsed, first.payload);
}

#[test]
fn record_ids_are_per_log() {
    let hub = EventHub::new(8);
    let ev = |log: &str, id: u64| SourceEvent {
        resource_uri: ns::EVENTLOG_RESOURCE.into(),
        log: Some(log.into()),
        provider: "P".into(),
        event_id: 1,
        level: 4,
        record_id: id,
        time: UNIX_EPOCH,
        action: event_action(),
        payload: Element::new(None, "x"),
    };
    assert_eq!(hub.publish_record("System", |id| ev("System", id)), 1);
    assert_eq!(hub.publish_record("Application", |id| ev("Application", id)), 1);
    assert_eq!(hub.publish_record("System", |id| ev("System", id)), 2);
    assert_eq!(hub.publish(ev("System", 99)), 0, "nobody listens");
}

#[test]
fn a_lagging_receiver_loses_the_oldest_and_is_told_how_many() {
    let hub = EventHub::new(4);
    let mut slow = hub.subscribe();
    for _ in 0..10 {
        scm(&hub, "Spooler", "Print Spooler", ServiceState::Stopped);
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(6)));
    let ids: Vec<u64> = std::iter::from_fn(|| slow.try_recv().ok()).map(|e| e.record_id).collect();
    assert_eq!(ids, [7, 8, 9, 10], "the newest `capacity` events remain, in order");
    // Still subscribed: later events arrive.
    scm(&hub, "Spooler", "Print Spooler", ServiceState::Running);
    assert_eq!(slow.try_recv().map(|e| e.record_id), Ok(11));
}

#[tokio::test(start_paused = true)]
async fn timer_ticks_at_its_interval_with_a_sequence() {
    let hub = EventHub::new(16);
    let mut rx = hub.subscribe();
    let (_tx, shutdown) = watch::channel(false);
    let every = Duration::from_millis(500);
    let start = tokio::time::Instant::now();
    let task = spawn_timer(&hub, every, "HOST", shutdown);
    for n in 1..=3u32 {
        let ev = rx.recv().await.expect("a tick");
        assert_eq!(tokio::time::Instant::now() - start, every * n, "tick {n}");
        assert_eq!((ev.log.as_deref(), ev.provider.as_str(), ev.event_id), (Some(APPLICATION_LOG), TIMER_PROVIDER, TIMER_EVENT_ID));
        assert_eq!(ev.record_id, u64::from(n));
        let seq: Vec<String> = win(&ev.payload, "EventData").children_named(ns::WIN_EVENT, "Data").map(|d| d.text().into_owned()).collect();
        assert_eq!(seq, [n.to_string()]);
    }
    drop(hub);
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("the timer stops with its hub").expect("no panic");
}

#[tokio::test(start_paused = true)]
async fn timer_stops_on_shutdown() {
    let hub = EventHub::new(16);
    let mut rx = hub.subscribe();
    let (tx, shutdown) = watch::channel(false);
    let task = spawn_timer(&hub, Duration::from_secs(1), "HOST", shutdown);
    rx.recv().await.expect("a first tick");
    tx.send(true).expect("the timer listens");
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("stopped").expect("no panic");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// A BMC with one temperature sensor crossing its only threshold (UNC 75) at t = 10 s.
fn one_sensor_bmc() -> SharedBmc {
    let toml = r#"
[bmc]
power_on = false
[[sensor]]
name = "CPU1 Temp"
kind = "temperature"
thresholds = { unc = 75 }
reading = { type = "steps", initial = 40, steps = [ { at = "10s", value = 80 } ] }
"#;
    let bmc = Bmc::new(Scenario::from_toml(toml).expect("scenario"), &[("admin".into(), "admin".into())]).expect("bmc");
    SharedBmc::new(bmc, Clock::frozen(Duration::ZERO))
}

#[test]
fn one_threshold_crossing_is_one_indication() {
    let bmc = one_sensor_bmc();
    let mut w = SelWatcher::new(bmc.clone());
    assert!(w.poll().is_empty(), "nothing crossed at t = 0");
    bmc.clock().step(Duration::from_secs(5));
    assert!(w.poll().is_empty(), "nothing crossed at t = 5 s");
    bmc.clock().step(Duration::from_secs(6));
    let evs = w.poll();
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert!(w.poll().is_empty(), "a record is an event once");
    let ev = &evs[0];
    assert_eq!(ev.resource_uri, indication_uri());
    assert_eq!(ev.resource_uri, format!("{}CIM_AlertIndication", ns::DMTF_CIM_RESOURCE_PREFIX));
    assert_eq!(ev.log, None);
    assert!(ev.payload.is(&indication_uri(), INDICATION_CLASS));
    let props = Instance::properties_from_element(&ev.payload).expect("an instance");
    let get = |n: &str| props.iter().find(|p| p.name == n).map(|p| p.value.clone()).unwrap_or_else(|| panic!("no {n}"));
    let args = match get("MessageArguments") {
        wsman_proto::Value::Array(a) => a.iter().filter_map(|v| v.to_text()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(args, ["CPU1 Temp", "80", "UpperNonCritical", "asserted"]);
    assert_eq!(get("PerceivedSeverity").to_text().as_deref(), Some("3"));
    // The record's time: epoch + 10 s, the first scan past the step at 10 s... or 11 s, the scan that saw it.
    let when = get("IndicationTime").to_text().expect("a time");
    assert!(when == "2023-11-14T22:13:30Z" || when == "2023-11-14T22:13:31Z", "{when}");
    assert_eq!(ev.time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).ok(), Some(bmc.lock().sel().records()[0].timestamp().into()));
}

#[test]
fn records_before_the_watcher_are_not_events() {
    let bmc = one_sensor_bmc();
    bmc.clock().step(Duration::from_secs(20));
    bmc.with(|b, now| b.advance(now));
    assert_eq!(bmc.lock().sel().records().len(), 1);
    let mut w = SelWatcher::new(bmc.clone());
    assert!(w.poll().is_empty());
    // After an erase, only later records count.
    bmc.with(|b, now| b.clear_sel(now));
    assert!(w.poll().is_empty());
}

#[tokio::test(start_paused = true)]
async fn sel_watcher_publishes_after_a_clock_step() {
    let bmc = one_sensor_bmc();
    let hub = EventHub::new(16);
    let mut rx = hub.subscribe();
    let (_tx, shutdown) = watch::channel(false);
    let _task = bmc::spawn_sel_watcher(&hub, bmc.clone(), shutdown);
    tokio::time::sleep(POLL_INTERVAL * 3).await;
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    bmc.clock().step(Duration::from_secs(30));
    let ev = tokio::time::timeout(POLL_INTERVAL * 2, rx.recv()).await.expect("within a poll").expect("an event");
    assert_eq!(ev.provider, bmc::PROVIDER);
    tokio::time::sleep(POLL_INTERVAL * 4).await;
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "exactly one event");
}

fn query_list(text: &str) -> Result<EventQuery, FilterError> {
    let el = xml::parse_str(text, &Default::default()).expect("xml");
    EventQuery::parse(Some(ns::dialect::EVENT_QUERY), &[Node::Element(el)])
}

fn event(log: Option<&str>, provider: &str, id: u32, level: u8) -> SourceEvent {
    SourceEvent {
        resource_uri: ns::EVENTLOG_RESOURCE.into(),
        log: log.map(Into::into),
        provider: provider.into(),
        event_id: id,
        level,
        record_id: 5,
        time: SystemTime::UNIX_EPOCH,
        action: event_action(),
        payload: Element::new(None, "x"),
    }
}

#[test]
fn query_list_selects_by_path_event_id_and_provider() {
    let scm_7036 = event(Some("System"), SCM_PROVIDER, 7036, 4);
    let scm_7040 = event(Some("System"), SCM_PROVIDER, 7040, 4);
    let app = event(Some("Application"), TIMER_PROVIDER, 1000, 4);
    let bmc = event(None, bmc::PROVIDER, 7036, 4);

    let q = query_list(r#"<QueryList><Query Id="0"><Select Path="System">*[System[(EventID=7036)]]</Select></Query></QueryList>"#).unwrap();
    assert!(q.matches(&scm_7036));
    assert!(!q.matches(&scm_7040));
    assert!(!q.matches(&app));
    assert!(!q.matches(&bmc), "events outside the logs pass no QueryList");

    let q = query_list(r#"<QueryList><Query Id="0"><Select Path="system">*</Select></Query></QueryList>"#).unwrap();
    assert!(q.matches(&scm_7036) && q.matches(&scm_7040) && !q.matches(&app), "Path is case-insensitive; * is every event of the log");

    let q = query_list(r#"<QueryList><Query Id="0"><Select Path="System">*[System[(EventID=7040 or EventID=7036)]]</Select></Query></QueryList>"#).unwrap();
    assert!(q.matches(&scm_7036) && q.matches(&scm_7040));

    let q = query_list(r#"<QueryList><Query Id="0" Path="Application"><Select>*[System[Provider[@Name='WsmanHarness-Timer']]]</Select><Select Path="System">*[System[Provider[@Name="Other" or @Name='service control manager'] and (Level=4 or Level=0) and EventID &gt;= 7036 and EventID&lt;7037]]</Select></Query></QueryList>"#).unwrap();
    assert!(q.matches(&app), "Select inherits the Query's Path");
    assert!(q.matches(&scm_7036));
    assert!(!q.matches(&scm_7040), "EventID range");
    assert!(!q.matches(&event(Some("System"), SCM_PROVIDER, 7036, 2)), "Level");
    assert!(!q.matches(&event(Some("Application"), SCM_PROVIDER, 1000, 4)), "Provider");
}

#[test]
fn suppress_removes_from_its_query_and_queries_unite() {
    let q = query_list(
        r#"<QueryList>
             <Query Id="0"><Select Path="System">*</Select><Suppress Path="System">*[System[(EventID=7040)]]</Suppress></Query>
             <Query Id="1"><Select Path="Application">*</Select></Query>
           </QueryList>"#,
    )
    .unwrap();
    assert!(q.matches(&event(Some("System"), SCM_PROVIDER, 7036, 4)));
    assert!(!q.matches(&event(Some("System"), SCM_PROVIDER, 7040, 4)));
    assert!(q.matches(&event(Some("Application"), TIMER_PROVIDER, 1000, 4)));
}

#[test]
fn no_filter_is_everything() {
    let q = EventQuery::parse(None, &[]).unwrap();
    assert_eq!(q, EventQuery::All);
    assert!(q.matches(&event(None, bmc::PROVIDER, 1, 4)));
    assert!(q.matches(&event(Some("System"), SCM_PROVIDER, 7036, 4)));
}

#[test]
fn wql_over_nt_log_events() {
    let wql = |t: &str| EventQuery::parse(Some(ns::dialect::WQL), &[Node::Text(t.into())]);
    let all = wql("SELECT * FROM Win32_NTLogEvent").unwrap();
    assert!(all.matches(&event(Some("System"), SCM_PROVIDER, 7036, 4)));
    assert!(!all.matches(&event(None, bmc::PROVIDER, 1, 4)), "BMC indications are not log events");
    let some = wql("SELECT * FROM Win32_NTLogEvent WHERE Logfile = 'System' AND EventCode = 7036").unwrap();
    assert!(some.matches(&event(Some("System"), SCM_PROVIDER, 7036, 4)));
    assert!(!some.matches(&event(Some("Application"), SCM_PROVIDER, 7036, 4)));
    assert!(matches!(wql("SELECT * FROM Win32_Service"), Err(FilterError::WqlClass(_))));
    assert!(matches!(wql("SELECT FROM"), Err(FilterError::Wql(_))));
}

#[test]
fn wql_over_indications() {
    let bmc = one_sensor_bmc();
    let mut w = SelWatcher::new(bmc.clone());
    bmc.clock().step(Duration::from_secs(20));
    let ev = w.poll().pop().expect("an indication");
    let wql = |t: &str| EventQuery::parse(Some(ns::dialect::WQL), &[Node::Text(t.into())]).unwrap();
    assert!(wql("SELECT * FROM CIM_AlertIndication WHERE PerceivedSeverity >= 3").matches(&ev));
    assert!(!wql("SELECT * FROM CIM_AlertIndication WHERE PerceivedSeverity >= 6").matches(&ev));
    assert!(!wql("SELECT * FROM CIM_AlertIndication").matches(&event(Some("System"), SCM_PROVIDER, 7036, 4)));
}

#[test]
fn unsupported_filters_are_typed_errors() {
    let xpath = EventQuery::parse(Some(ns::dialect::XPATH), &[Node::Text("/".into())]).unwrap_err();
    assert!(xpath.is_dialect());
    assert!(EventQuery::parse(None, &[Node::Text("/".into())]).unwrap_err().is_dialect());
    let bad = [
        r#"<QueryList><Query Id="0"><Select Path="System">*[System[(Task=1)]]</Select></Query></QueryList>"#,
        r#"<QueryList><Query Id="0"><Select Path="System">*[EventData[Data[@Name='param1']='x']]</Select></Query></QueryList>"#,
        r#"<QueryList><Query Id="0"><Select Path="System">*[System[(EventID=7036]]</Select></Query></QueryList>"#,
        r#"<QueryList><Query Id="0"><Select Path="System">Event/System</Select></Query></QueryList>"#,
        r#"<QueryList><Query Id="0"><Select Path="System">*[System[Provider[@Guid='{x}']]]</Select></Query></QueryList>"#,
    ];
    for b in bad {
        let e = query_list(b).unwrap_err();
        assert!(matches!(e, FilterError::UnsupportedXPath { .. }), "{b}: {e:?}");
        assert!(!e.is_dialect());
    }
    assert_eq!(query_list(r#"<QueryList><Query Id="0"><Select>*</Select></Query></QueryList>"#), Err(FilterError::MissingPath));
    assert!(matches!(query_list(r#"<QueryList/>"#), Err(FilterError::Empty(_))));
    assert!(matches!(query_list(r#"<QueryList><Query Id="0"><Suppress Path="System">*</Suppress></Query></QueryList>"#), Err(FilterError::Empty(_))));
    assert!(matches!(query_list(r#"<Other/>"#), Err(FilterError::NotAQueryList)));
    let deep =
        format!(r#"<QueryList><Query Id="0"><Select Path="System">*[System[{}EventID=1{}]]</Select></Query></QueryList>"#, "(".repeat(100), ")".repeat(100));
    assert!(matches!(query_list(&deep), Err(FilterError::UnsupportedXPath { .. })));
}
