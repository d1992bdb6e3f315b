//! Event sources of the reference host, for WS-Eventing.
//!
//! Sources publish [`SourceEvent`]s on one [`EventHub`]; the eventing
//! operations subscribe to the hub and hand each event to the subscription
//! store (`SubscriptionStore::publish(source, action, event, now)`), whose
//! subscriptions filter it with an [`EventQuery`].
//!
//! # Layout
//!
//! - [`windows`]: the Windows event XML (`<Event xmlns=".../win/2004/08/events/event">`)
//!   and the two Windows sources: the Service Control Manager's 7036 on a
//!   `Win32_Service` state change (published by
//!   [`providers::service`](crate::providers::service)) and the timer source
//!   ([`windows::spawn_timer`]) in the Application log.
//! - [`bmc`]: the BMC's SEL watcher: each new SEL record becomes a
//!   `CIM_AlertIndication` on [`bmc::indication_uri`].
//! - [`query`]: [`EventQuery`], a subscription's filter: the Windows QueryList
//!   dialect (an XPath subset), WQL over `Win32_NTLogEvent`, or none.
//!
//! # Sources, resource URIs and logs
//!
//! | source | resource URI | log | provider | EventID |
//! |---|---|---|---|---|
//! | StartService / StopService changing `State` | [`ns::EVENTLOG_RESOURCE`] | System | Service Control Manager | 7036 |
//! | timer ([`crate::Config::event_timer`]) | [`ns::EVENTLOG_RESOURCE`] | Application | [`windows::TIMER_PROVIDER`] | [`windows::TIMER_EVENT_ID`] |
//! | a new BMC SEL record | [`bmc::indication_uri`] | none | [`bmc::PROVIDER`] | the SEL record id |
//!
//! Windows logs number their records: each log has its own increasing
//! `EventRecordID`, allocated and published under one lock
//! ([`EventHub::publish_record`]), so receivers see a log's records in
//! increasing order.
//!
//! [`ns::EVENTLOG_RESOURCE`]: wsman_proto::ns::EVENTLOG_RESOURCE

pub mod bmc;
pub mod query;
pub mod windows;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

use tokio::sync::broadcast;
use wsman_proto::ns;
use wsman_proto::xml::Element;

pub use query::{EventQuery, FilterError};

/// Events a receiver may fall behind by before it loses some
/// ([`EventHub::subscribe`]).
pub const DEFAULT_CAPACITY: usize = 1024;

/// One event of a source, as every subscriber of the hub receives it.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceEvent {
    /// The resource URI subscribers subscribe to for this source
    /// (the `source` of `SubscriptionStore::publish`).
    pub resource_uri: String,
    /// The Windows log (channel) the event is written to, `System` or
    /// `Application`; `None` for events outside the Windows logs (the BMC's).
    pub log: Option<String>,
    /// The event's provider (`Service Control Manager`, ...).
    pub provider: String,
    /// The provider's event id (7036, ...).
    pub event_id: u32,
    /// The Windows level: 1 critical, 2 error, 3 warning, 4 information.
    pub level: u8,
    /// The record number in its log (`EventRecordID`), or the SEL record id.
    pub record_id: u64,
    /// When the event happened.
    pub time: SystemTime,
    /// The wsa:Action of the event message (`.../wsman/Event`).
    pub action: String,
    /// What a subscriber receives in the body of its event message: the
    /// Windows `<Event>` element, or the indication's instance element.
    pub payload: Element,
}

impl SourceEvent {
    /// The payload serialized without an XML declaration: what Windows Event
    /// Forwarding puts, as CDATA, inside `w:Event` (MS-WSMV; the captures in
    /// cea-sec/openwec `doc/protocol.md` show `<w:Event Action="...">`
    /// holding `<![CDATA[<Event xmlns=...>...</Event>]]>`).
    pub fn payload_text(&self) -> String {
        wsman_proto::xml::fragment_to_string(&self.payload)
    }
}

/// The Action of an event message, `http://schemas.dmtf.org/wbem/wsman/1/wsman/Event`
/// (DSP0226 §10.2.9; what Windows Event Forwarding sends on each `w:Event`).
pub fn event_action() -> String {
    format!("{}/Event", ns::WSMAN_ACTION_BASE)
}

/// Where sources publish and the eventing operations subscribe. Cheap to
/// clone: every clone is the same hub.
///
/// A tokio broadcast channel of bounded capacity: publishing never waits,
/// and a receiver that falls more than the capacity behind loses the oldest
/// events it had not received. Its next `recv` returns
/// `Err(RecvError::Lagged(n))`, `n` the number of events it lost, and the
/// `recv` after that the oldest event still held; it is never disconnected
/// for lagging. A receiver sees only events published after it subscribed.
#[derive(Clone, Debug)]
pub struct EventHub {
    inner: Arc<HubInner>,
}

#[derive(Debug)]
struct HubInner {
    tx: broadcast::Sender<SourceEvent>,
    /// The last `EventRecordID` of each Windows log. Held while a record is
    /// published, so a log's records go out in the order of their ids.
    records: Mutex<BTreeMap<String, u64>>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub::new(DEFAULT_CAPACITY)
    }
}

impl EventHub {
    /// A hub whose receivers may fall `capacity` events behind (at least 1).
    pub fn new(capacity: usize) -> EventHub {
        let (tx, _) = broadcast::channel(capacity.max(1));
        EventHub { inner: Arc::new(HubInner { tx, records: Mutex::new(BTreeMap::new()) }) }
    }

    /// A receiver of every event published from now on (see the type's docs
    /// for what a lagging receiver sees).
    pub fn subscribe(&self) -> broadcast::Receiver<SourceEvent> {
        self.inner.tx.subscribe()
    }

    /// Publishes `event` to every receiver; returns how many there were
    /// (an event nobody receives is dropped).
    pub fn publish(&self, event: SourceEvent) -> usize {
        self.inner.tx.send(event).unwrap_or(0)
    }

    /// Publishes the next record of the Windows log `log`: `build` gets the
    /// record's `EventRecordID` (1, 2, ... per log) and makes the event.
    /// Returns the id.
    pub fn publish_record(&self, log: &str, build: impl FnOnce(u64) -> SourceEvent) -> u64 {
        let mut records = self.inner.records.lock().unwrap_or_else(|p| p.into_inner());
        let id = records.entry(log.to_owned()).or_insert(0);
        *id += 1;
        let id = *id;
        self.publish(build(id));
        id
    }

    /// Receivers currently subscribed.
    pub fn receiver_count(&self) -> usize {
        self.inner.tx.receiver_count()
    }

    /// A handle that does not keep the hub alive: source tasks hold one and
    /// stop once every [`EventHub`] is gone.
    fn downgrade(&self) -> WeakHub {
        WeakHub(Arc::downgrade(&self.inner))
    }
}

/// A non-owning [`EventHub`] handle (see [`EventHub::downgrade`]).
#[derive(Clone, Debug)]
struct WeakHub(Weak<HubInner>);

impl WeakHub {
    fn upgrade(&self) -> Option<EventHub> {
        self.0.upgrade().map(|inner| EventHub { inner })
    }
}

impl crate::Server {
    /// The hub the host's event sources publish on (subscribe to it to
    /// receive every event of the host).
    pub fn events(&self) -> &EventHub {
        &self.state.events
    }
}

#[cfg(test)]
mod tests;
