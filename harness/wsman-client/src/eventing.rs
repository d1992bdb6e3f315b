//! WS-Eventing on the client side (WS-Eventing 2004/08 §3, DSP0226 §10,
//! MS-WSMV §3.1.4.5): subscribe to an event source, pull its events or
//! have them pushed to an [`EventSink`](crate::EventSink), renew, ask for
//! the status, unsubscribe.
//!
//! ```text
//!   Session::subscribe(&resource, SubscribeOptions)   Subscribe      -> Subscription (wse:Identifier, Expires granted,
//!                                                                       manager EPR, Pull: the EnumerationContext)
//!     Subscription::pull(max_elements, max_time)      wsen:Pull      -> PulledEvents { events, dropped, heartbeat, timed_out }
//!                                                       long poll: answered with events, a Heartbeat (Action
//!                                                       wsman/Heartbeat, or a wsman:Heartbeat in the body), or
//!                                                       the wsen:TimedOut / wsman:TimedOut fault after MaxTime:
//!                                                       not an error, an empty PulledEvents with `timed_out`
//!     Subscription::renew(expires)                    Renew          -> the expiry granted
//!     Subscription::status()                          GetStatus      -> the time left
//!     Subscription::unsubscribe()                     Unsubscribe
//! ```
//!
//! Every request to the subscription manager carries the `wse:Identifier`
//! header ([`identifier_header`]) and the manager's ResourceURI (the one in
//! its EPR, else the subscribed resource's); it is sent to the session's
//! endpoint (the reference server and Windows give their own URL as the
//! manager's address). A Pull goes to the subscribed resource with the
//! subscription's context, as Windows' event collector sends it.
//!
//! ```no_run
//! use std::time::Duration;
//! use wsman_client::eventing::{SubscribeMode, SubscribeOptions};
//! use wsman_client::{Endpoint, Resource, Session};
//! use wsman_proto::ns;
//!
//! # async fn demo() -> Result<(), wsman_client::Error> {
//! let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
//! let options = SubscribeOptions {
//!     mode: SubscribeMode::Pull,
//!     expires: Some(Duration::from_secs(600)),
//!     ..SubscribeOptions::default()
//! }
//! .with_filter(ns::dialect::EVENT_QUERY, r#"<QueryList><Query Id="0"><Select Path="System">*</Select></Query></QueryList>"#)?;
//! let mut subscription = session.subscribe(&Resource::new(ns::EVENTLOG_RESOURCE), options).await?;
//! let pulled = subscription.pull(None, Duration::from_secs(5)).await?;
//! for event in &pulled.events {
//!     println!("{:?} {:?}", event.action, event.payload.name);
//! }
//! subscription.unsubscribe().await?;
//! # Ok(()) }
//! ```
//!
//! # Pulled events
//!
//! The items of an event PullResponse are the payloads (as an
//! enumeration's items are the objects); an item that is a `wsman:Event`
//! wrapper is unwrapped and its `@Action` kept, a `wsman:DroppedEvents`
//! item is a [`DroppedNotice`] at its place in the sequence. A
//! `wsman:Bookmark` (in the PullResponse's header, or in its body) belongs
//! to the batch's last event.

use std::num::NonZeroU64;
use std::time::{Duration, SystemTime};

use wsman_proto::message::eventing::{
    identifier_header, Bookmark, ConnectionRetry, Delivery, DeliveryMode, DroppedEvents, EventExpires, ExpiresValue, GetStatus, GetStatusResponse, Renew,
    RenewResponse, Subscribe, SubscribeFilter, SubscribeResponse, SubscriptionEnd, Unsubscribe, UnsubscribeResponse,
};
use wsman_proto::message::{EndpointReference, Message, Pull, PullResponse};
use wsman_proto::xml::Node;
use wsman_proto::{ns, Action, Element, Envelope, FaultKind, Limits, XsDuration};

use crate::error::{Error, ErrorKind, ProtocolKind};
use crate::session::{Resource, Session};

/// How the events reach the subscriber (`wse:Delivery/@Mode`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SubscribeMode {
    /// The subscriber pulls ([`Subscription::pull`]).
    #[default]
    Pull,
    /// Pushed to `notify_to`, one event a message, unacknowledged.
    Push {
        /// Where the events go (an [`EventSink::notify_to`](crate::EventSink::notify_to)).
        notify_to: EndpointReference,
    },
    /// Pushed to `notify_to`, one event a message, each acknowledged (the
    /// source retries until the Ack).
    PushWithAck {
        /// Where the events go.
        notify_to: EndpointReference,
    },
    /// Pushed to `notify_to` in `wsman:Events` batches, each acknowledged.
    Events {
        /// Where the batches go.
        notify_to: EndpointReference,
    },
}

impl SubscribeMode {
    fn delivery(&self) -> Delivery {
        match self {
            SubscribeMode::Pull => Delivery::new(DeliveryMode::Pull),
            SubscribeMode::Push { notify_to } => Delivery { notify_to: Some(notify_to.clone()), ..Delivery::new(DeliveryMode::Push) },
            SubscribeMode::PushWithAck { notify_to } => Delivery { notify_to: Some(notify_to.clone()), ..Delivery::new(DeliveryMode::PushWithAck) },
            SubscribeMode::Events { notify_to } => Delivery { notify_to: Some(notify_to.clone()), ..Delivery::new(DeliveryMode::Events) },
        }
    }

    /// The delivery mode on the wire.
    pub fn delivery_mode(&self) -> DeliveryMode {
        self.delivery().mode
    }
}

/// What a Subscribe asks for.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SubscribeOptions {
    /// The delivery mode (and where pushed events go).
    pub mode: SubscribeMode,
    /// `wse:Expires` as a duration; `None`: the source's default.
    pub expires: Option<Duration>,
    /// `wsman:Heartbeats`: the longest silence before the source sends a heartbeat.
    pub heartbeats: Option<Duration>,
    /// `wsman:SendBookmarks`: every delivery carries a bookmark.
    pub send_bookmarks: bool,
    /// `wsman:Bookmark`: resume after this point ([`Bookmark::Earliest`]: from the oldest retained event).
    pub bookmark: Option<Bookmark>,
    /// `wsman:Filter` (see [`SubscribeOptions::with_filter`]).
    pub filter: Option<SubscribeFilter>,
    /// `wsman:ConnectionRetry` of the push modes.
    pub connection_retry: Option<ConnectionRetry>,
    /// `wsman:MaxElements` of an Events batch.
    pub max_elements: Option<NonZeroU64>,
    /// `wsman:MaxTime`: the longest an Events batch is held back.
    pub max_time: Option<Duration>,
    /// `wse:EndTo`: where the source sends a SubscriptionEnd (an [`EventSink`](crate::EventSink) takes them too).
    pub end_to: Option<EndpointReference>,
}

impl SubscribeOptions {
    /// With a `wsman:Filter` in `dialect`: text that starts with `<` is
    /// sent as the XML it is (a `<QueryList>` of the
    /// [`ns::dialect::EVENT_QUERY`] dialect), any other as text (a WQL query).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] for text that starts with `<` and is not one XML element.
    pub fn with_filter(mut self, dialect: &str, text: &str) -> Result<SubscribeOptions, Error> {
        self.filter = Some(filter(dialect, text)?);
        Ok(self)
    }

    /// The Subscribe body these options make.
    pub fn to_subscribe(&self) -> Subscribe {
        let mut delivery = self.mode.delivery();
        delivery.heartbeats = self.heartbeats.map(xs);
        delivery.connection_retry = self.connection_retry;
        delivery.max_elements = self.max_elements;
        delivery.max_time = self.max_time.map(xs);
        Subscribe {
            end_to: self.end_to.clone(),
            delivery,
            expires: self.expires.map(|d| EventExpires::duration(xs(d))),
            filter: self.filter.clone(),
            send_bookmarks: self.send_bookmarks,
            bookmark: self.bookmark.clone(),
        }
    }
}

/// A `wsman:Filter` in `dialect` from what a user typed (see [`SubscribeOptions::with_filter`]).
///
/// # Errors
/// [`ErrorKind::InvalidRequest`] for text that starts with `<` and is not one XML element.
pub fn filter(dialect: &str, text: &str) -> Result<SubscribeFilter, Error> {
    let trimmed = text.trim();
    let content = if trimmed.starts_with('<') {
        let el = wsman_proto::xml::parse_str(trimmed, &Limits::default())
            .map_err(|e| Error::new(ErrorKind::InvalidRequest, format!("the filter starts with '<' but is not one XML element: {e}")))?;
        vec![Node::Element(el)]
    } else {
        vec![Node::Text(trimmed.to_owned())]
    };
    Ok(SubscribeFilter { wse: false, dialect: Some(dialect.to_owned()), content })
}

fn xs(d: Duration) -> XsDuration {
    XsDuration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The time an Expires grants from `now` (a date in the past: zero; an
/// invalid text: `None`).
pub fn expires_in(expires: &EventExpires, now: SystemTime) -> Option<Duration> {
    match expires.value {
        ExpiresValue::Duration(d) => Some(d.to_std()),
        ExpiresValue::DateTime(t) => Some(t.duration_since(now).unwrap_or(Duration::ZERO)),
        ExpiresValue::Invalid => None,
    }
}

/// One event received, pulled or pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// The event's Action URI: the delivery's `wsa:Action` (Push), the
    /// batch item's `@Action` (Events, a `wsman:Event` item of a Pull);
    /// `None` for a bare pulled payload.
    pub action: Option<String>,
    /// The event payload.
    pub payload: Element,
    /// The `wsman:Bookmark` that came with it (SendBookmarks): resume after this event.
    pub bookmark: Option<Bookmark>,
    /// The `wsa:MessageID` of the message that carried it (a pushed event
    /// whose Ack was lost comes again with the same one, if the source keeps it).
    pub message_id: Option<String>,
}

/// `count` events the source dropped (its queue overflowed, or a Push
/// delivery failed), with the Action of the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedNotice {
    /// The Action of the (first) event dropped.
    pub action: String,
    /// How many.
    pub count: u64,
    /// Where the gap is: the number of events of the same answer that came before it.
    pub before: usize,
}

/// What one Pull brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PulledEvents {
    /// The events, in order.
    pub events: Vec<ReceivedEvent>,
    /// Drop notices, at their place ([`DroppedNotice::before`]).
    pub dropped: Vec<DroppedNotice>,
    /// The answer was a heartbeat: the source is alive, nothing happened.
    pub heartbeat: bool,
    /// The Pull ended with `wsen:TimedOut` / `wsman:TimedOut`: nothing within MaxTime.
    pub timed_out: bool,
    /// The answer carried `wsen:EndOfSequence`: the subscription is over.
    pub end_of_sequence: bool,
}

/// Whether an error is an event Pull's "nothing yet": `wsen:TimedOut` or `wsman:TimedOut`.
pub fn is_pull_timeout(e: &Error) -> bool {
    matches!(e.fault_kind(), Some(FaultKind::TimedOut | FaultKind::EnumerationTimedOut)) || crate::shell::is_receive_timeout(e)
}

/// The event delivery an envelope is, as a source sends it to a sink (or
/// a Pull answers), read by (namespace, local name) and Action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notification {
    /// An event (Push, PushWithAck: one a message; Events: one per batch item).
    Event(ReceivedEvent),
    /// Events were dropped.
    Dropped(DroppedNotice),
    /// A heartbeat.
    Heartbeat,
    /// The source ended the subscription (sent to EndTo).
    End(SubscriptionEnd),
}

/// The notifications of one pushed message, in order (an Events batch
/// gives several); `Err` for a message that is none of the deliveries.
///
/// | `wsa:Action` | notifications |
/// |---|---|
/// | wsman/Heartbeat | [`Notification::Heartbeat`] |
/// | wsman/DroppedEvents | [`Notification::Dropped`] |
/// | wse/SubscriptionEnd | [`Notification::End`] |
/// | wsman/Events | one per `wsman:Event` (a DroppedEvents item: [`Notification::Dropped`]) |
/// | any other (wsman/Event, the event's own Action) | [`Notification::Event`] of the body's first element |
///
/// The `wsman:Bookmark` header goes to the message's last event.
///
/// # Errors
/// A description of what is missing or malformed.
pub fn notifications(envelope: &Envelope) -> Result<Vec<Notification>, String> {
    let header = &envelope.header;
    let message_id = header.message_id.clone();
    let action = header.action.as_ref().map(Action::uri);
    let mut out = match header.action.as_ref() {
        None => return Err("no wsa:Action".into()),
        Some(Action::Heartbeat) => vec![Notification::Heartbeat],
        Some(Action::DroppedEvents) => {
            let d = DroppedEvents::decode(&envelope.body).map_err(|e| e.to_string())?;
            vec![Notification::Dropped(DroppedNotice { action: d.action, count: d.count, before: 0 })]
        }
        Some(Action::SubscriptionEnd) => vec![Notification::End(SubscriptionEnd::decode(&envelope.body).map_err(|e| e.to_string())?)],
        Some(Action::Events) => {
            let batch = wsman_proto::message::eventing::Events::decode(&envelope.body).map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            let mut events = 0;
            for item in batch.events {
                if item.action == Action::DroppedEvents.uri() {
                    let d = item.payload().map(|p| DroppedEvents::decode(std::slice::from_ref(p)));
                    let d = d.ok_or("a DroppedEvents batch item without its element")?.map_err(|e| e.to_string())?;
                    out.push(Notification::Dropped(DroppedNotice { action: d.action, count: d.count, before: events }));
                    continue;
                }
                let payload = item.payload().cloned().ok_or_else(|| format!("the batch item of {} holds no element", item.action))?;
                events += 1;
                out.push(Notification::Event(ReceivedEvent { action: Some(item.action), payload, bookmark: None, message_id: message_id.clone() }));
            }
            out
        }
        Some(_) => {
            let payload = envelope.body.first().cloned().ok_or("an event message with an empty body")?;
            vec![Notification::Event(ReceivedEvent { action, payload, bookmark: None, message_id: message_id.clone() })]
        }
    };
    if let Some(b) = Bookmark::from_header(header) {
        if let Some(Notification::Event(e)) = out.iter_mut().rev().find(|n| matches!(n, Notification::Event(_))) {
            e.bookmark = Some(b);
        }
    }
    Ok(out)
}

impl Session {
    /// WS-Eventing Subscribe (DSP0226 §10.2) to the event source `resource`.
    ///
    /// # Errors
    /// The Subscribe's fault (`wse:DeliveryModeRequestedUnavailable`,
    /// `wse:InvalidExpirationTime`, `wse:FilteringNotSupported`,
    /// `wsman:InvalidBookmark`, `wsman:EventDeliverToUnusable`, ...),
    /// transport or protocol [`Error`]; [`ProtocolKind::Decode`] for an
    /// answer without a `wse:Identifier`, or a Pull subscription without a context.
    pub async fn subscribe(&self, resource: &Resource, options: SubscribeOptions) -> Result<Subscription, Error> {
        let sent_at = SystemTime::now();
        let r: SubscribeResponse = self.call(self.header(Action::Subscribe, resource), options.to_subscribe(), false).await?;
        let identifier = r
            .identifier()
            .filter(|i| !i.is_empty())
            .ok_or_else(|| Error::protocol(ProtocolKind::Decode, "the SubscribeResponse's manager has no wse:Identifier").with_status(200))?;
        let pull = options.mode == SubscribeMode::Pull;
        let context = r.enumeration_context.clone().filter(|c| !c.is_empty());
        if pull && context.is_none() {
            return Err(Error::protocol(ProtocolKind::Decode, "the SubscribeResponse of a Pull subscription has no wsen:EnumerationContext").with_status(200));
        }
        let manager = Resource {
            uri: r.subscription_manager.resource_uri.clone().unwrap_or_else(|| resource.uri.clone()),
            selectors: r.subscription_manager.selectors.clone().unwrap_or_default(),
            ..Resource::default()
        };
        Ok(Subscription {
            session: self.clone(),
            source: resource.clone(),
            manager,
            manager_epr: r.subscription_manager,
            identifier,
            expires: r.expires.as_ref().and_then(|e| expires_in(e, sent_at)),
            context,
            mode: options.mode,
            unsubscribed: false,
        })
    }
}

/// A subscription made by [`Session::subscribe`]. [`Subscription::unsubscribe`]
/// ends it; dropped without that, it is unsubscribed in the background
/// (best effort: [`Session::released`] waits; the source expires it anyway).
#[derive(Debug)]
pub struct Subscription {
    /// The session every request of the subscription goes through (and the background Unsubscribe of a drop).
    session: Session,
    /// The subscribed resource: Pulls go there.
    source: Resource,
    /// The manager's resource: Renew, GetStatus and Unsubscribe go there.
    manager: Resource,
    /// The manager EPR as the SubscribeResponse gave it.
    manager_epr: EndpointReference,
    /// The `wse:Identifier` every manager request carries as a header.
    identifier: String,
    /// The expiry last granted, from when its request was sent.
    expires: Option<Duration>,
    /// The Pull context, replaced by the one each PullResponse carries.
    context: Option<String>,
    mode: SubscribeMode,
    /// Set by [`Subscription::unsubscribe`], so that the drop sends nothing more.
    unsubscribed: bool,
}

impl Subscription {
    /// The subscription's `wse:Identifier`.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The expiry granted by the Subscribe (or the last Renew), from when it was sent;
    /// `None` when the source did not say (it never expires, by WS-Eventing §3.1).
    pub fn expires(&self) -> Option<Duration> {
        self.expires
    }

    /// The subscription manager's endpoint reference, as the source gave it.
    pub fn manager(&self) -> &EndpointReference {
        &self.manager_epr
    }

    /// The enumeration context of a Pull subscription.
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The delivery mode asked for.
    pub fn mode(&self) -> &SubscribeMode {
        &self.mode
    }

    fn manager_header(&self, action: Action) -> wsman_proto::Header {
        let mut header = self.session.header(action, &self.manager);
        header.unknown.push(wsman_proto::header::UnknownHeader { element: identifier_header(&self.identifier), must_understand: false });
        header
    }

    /// One Pull of the subscription's context (Pull mode), waiting on the
    /// endpoint up to `max_time` (`wsen:MaxTime` and the OperationTimeout),
    /// for at most `max_elements` events. A TimedOut fault is not an error:
    /// an empty [`PulledEvents`] with `timed_out` set; a heartbeat sets `heartbeat`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] for a subscription that is not in Pull
    /// mode or a `max_time` that is zero or not shorter than the session's
    /// deadline; the Pull's fault (`wsen:InvalidEnumerationContext` once the
    /// subscription is gone), transport or protocol [`Error`].
    pub async fn pull(&mut self, max_elements: Option<NonZeroU64>, max_time: Duration) -> Result<PulledEvents, Error> {
        let Some(context) = self.context.clone() else {
            return Err(Error::new(ErrorKind::InvalidRequest, "only a Pull subscription can be pulled"));
        };
        if max_time.is_zero() || max_time >= self.session.timeout() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("the Pull MaxTime {max_time:?} must be greater than 0 and shorter than the exchange deadline {:?}", self.session.timeout()),
            ));
        }
        let mut header = self.session.header(Action::Pull, &self.source);
        header.operation_timeout = Some(xs(max_time));
        let pull = Pull { context, max_elements, max_time: Some(xs(max_time)), ..Pull::default() };
        let envelope = match self.session.exchange(header, pull.into_body(), false).await {
            Ok(e) => e,
            Err(e) if is_pull_timeout(&e) => return Ok(PulledEvents { timed_out: true, ..PulledEvents::default() }),
            Err(e) => return Err(e),
        };
        let heartbeat_body = envelope.body.iter().any(|e| e.is(ns::WSMAN, "Heartbeat") || e.child(ns::WSMAN, "Heartbeat").is_some());
        if envelope.header.action == Some(Action::Heartbeat) || heartbeat_body {
            return Ok(PulledEvents { heartbeat: true, ..PulledEvents::default() });
        }
        let expected = Action::Pull.response_uri();
        let action = envelope.header.action.as_ref().map(Action::uri);
        if action.as_deref() != Some(expected.as_str()) {
            return Err(Error::protocol(ProtocolKind::Action, format!("wsa:Action is {action:?}, expected {expected} or a Heartbeat")).with_status(200));
        }
        let bookmark = Bookmark::from_header(&envelope.header).or_else(|| {
            let response = envelope.body.iter().find(|e| e.is(ns::WSEN, "PullResponse"))?;
            response.child(ns::WSMAN, "Bookmark").map(|b| Bookmark::Opaque(b.children.clone()))
        });
        let message_id = envelope.header.message_id.clone();
        let r =
            PullResponse::decode_owned(envelope.body).map_err(|e| Error::protocol(ProtocolKind::Decode, format!("the response body: {e}")).with_status(200))?;
        if let Some(c) = r.context.filter(|c| !c.is_empty()) {
            self.context = Some(c);
        }
        let mut out = PulledEvents { end_of_sequence: r.end_of_sequence, ..PulledEvents::default() };
        for item in r.items {
            if item.is(ns::WSMAN, "DroppedEvents") {
                let d = DroppedEvents::decode(std::slice::from_ref(&item)).map_err(|e| Error::protocol(ProtocolKind::Decode, format!("a pulled item: {e}")))?;
                out.dropped.push(DroppedNotice { action: d.action, count: d.count, before: out.events.len() });
                continue;
            }
            let (action, payload) = if item.is(ns::WSMAN, "Event") {
                let action = item.attr(None, "Action").map(|a| a.trim().to_owned());
                match item.elements().next().cloned() {
                    Some(p) => (action, p),
                    None => return Err(Error::protocol(ProtocolKind::Decode, "a pulled wsman:Event holds no element").with_status(200)),
                }
            } else {
                (None, item)
            };
            out.events.push(ReceivedEvent { action, payload, bookmark: None, message_id: message_id.clone() });
        }
        if let (Some(b), Some(last)) = (bookmark, out.events.last_mut()) {
            last.bookmark = Some(b);
        }
        Ok(out)
    }

    /// Renew (WS-Eventing §3.2): a new expiry (`None`: the source's
    /// default). Returns the expiry granted, kept as [`Subscription::expires`].
    ///
    /// # Errors
    /// The Renew's fault (`wse:InvalidMessage` or `wse:UnableToRenew` for a
    /// subscription that is gone), transport or protocol [`Error`].
    pub async fn renew(&mut self, expires: Option<Duration>) -> Result<Option<Duration>, Error> {
        let sent_at = SystemTime::now();
        let renew = Renew { expires: expires.map(|d| EventExpires::duration(xs(d))) };
        let r: RenewResponse = self.session.call(self.manager_header(Action::SubscriptionRenew), renew, false).await?;
        if let Some(granted) = r.expires.as_ref().and_then(|e| expires_in(e, sent_at)) {
            self.expires = Some(granted);
        }
        Ok(self.expires)
    }

    /// GetStatus (WS-Eventing §3.3): the time left, when the source says.
    ///
    /// # Errors
    /// The GetStatus's fault (`wse:InvalidMessage` for a subscription that is gone), transport or protocol [`Error`].
    pub async fn status(&self) -> Result<Option<Duration>, Error> {
        let sent_at = SystemTime::now();
        let r: GetStatusResponse = self.session.call(self.manager_header(Action::SubscriptionGetStatus), GetStatus, true).await?;
        Ok(r.expires.as_ref().and_then(|e| expires_in(e, sent_at)))
    }

    /// Unsubscribe (WS-Eventing §3.4): the source forgets the subscription
    /// (its context with it); a later Renew faults.
    ///
    /// # Errors
    /// The Unsubscribe's fault, transport or protocol [`Error`].
    pub async fn unsubscribe(mut self) -> Result<(), Error> {
        self.unsubscribed = true;
        let _: UnsubscribeResponse = self.session.call(self.manager_header(Action::Unsubscribe), Unsubscribe, false).await?;
        Ok(())
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if !self.unsubscribed {
            let session = self.session.clone();
            let header = self.manager_header(Action::Unsubscribe);
            self.session.in_background(async move {
                // Best effort: the source expires the subscription anyway.
                let _: Result<UnsubscribeResponse, _> = session.call(header, Unsubscribe, false).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(action: Action, headers: Vec<Element>, body: Vec<Element>) -> Envelope {
        let mut header = wsman_proto::Header { action: Some(action), message_id: Some("uuid:M-1".into()), ..wsman_proto::Header::default() };
        header.unknown = headers.into_iter().map(|element| wsman_proto::header::UnknownHeader { element, must_understand: false }).collect();
        // Through the wire, as a sink reads it.
        Envelope::decode(&Envelope { header, body }.encode(), &Limits::default()).expect("decodes")
    }

    #[test]
    fn subscribe_options_make_the_subscribe_body() {
        let sink = EndpointReference { address: "http://127.0.0.1:9/sink".into(), ..EndpointReference::default() };
        let options = SubscribeOptions {
            mode: SubscribeMode::PushWithAck { notify_to: sink.clone() },
            expires: Some(Duration::from_secs(60)),
            heartbeats: Some(Duration::from_millis(1500)),
            send_bookmarks: true,
            bookmark: Some(Bookmark::Earliest),
            ..SubscribeOptions::default()
        }
        .with_filter(ns::dialect::EVENT_QUERY, r#" <QueryList><Query Id="0"><Select Path="System">*</Select></Query></QueryList>"#)
        .unwrap();
        let s = options.to_subscribe();
        assert_eq!(s.delivery.mode, DeliveryMode::PushWithAck);
        assert_eq!(s.delivery.notify_to, Some(sink));
        assert_eq!(s.delivery.heartbeats, Some(XsDuration::from_millis(1500)));
        assert_eq!(s.expires.as_ref().map(|e| e.value), Some(ExpiresValue::Duration(XsDuration::from_millis(60_000))));
        assert!(s.send_bookmarks);
        let f = s.filter.as_ref().unwrap();
        assert_eq!(f.dialect(), ns::dialect::EVENT_QUERY);
        assert!(matches!(f.content.as_slice(), [Node::Element(e)] if e.name == "QueryList" && e.elements().count() == 1));
        // The body decodes back to the same request.
        let back = Subscribe::decode_owned(envelope(Action::Subscribe, vec![], s.clone().into_body()).body).unwrap();
        assert_eq!(back, s);
        let wql = filter(ns::dialect::WQL, " SELECT * FROM Win32_NTLogEvent ").unwrap();
        assert_eq!(wql.wql().as_deref(), Some("SELECT * FROM Win32_NTLogEvent"));
        assert!(matches!(filter(ns::dialect::EVENT_QUERY, "<QueryList>").unwrap_err().kind(), ErrorKind::InvalidRequest));
    }

    #[test]
    fn expires_are_read_as_time_left() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(expires_in(&EventExpires::parse("PT10M"), now), Some(Duration::from_secs(600)));
        assert_eq!(expires_in(&EventExpires::date_time(now + Duration::from_secs(30)), now), Some(Duration::from_secs(30)));
        assert_eq!(expires_in(&EventExpires::date_time(now - Duration::from_secs(30)), now), Some(Duration::ZERO));
        assert_eq!(expires_in(&EventExpires::parse("soon"), now), None);
    }

    #[test]
    fn every_delivery_reads_as_its_notifications() {
        let payload = Element::ns("urn:example:ev", "Ev").with_text("1");
        let bookmark = Bookmark::text("b-7").to_element();
        let one = notifications(&envelope(Action::Other("urn:example:ev/Changed".into()), vec![bookmark.clone()], vec![payload.clone()])).unwrap();
        assert_eq!(
            one,
            [Notification::Event(ReceivedEvent {
                action: Some("urn:example:ev/Changed".into()),
                payload: payload.clone(),
                bookmark: Some(Bookmark::text("b-7")),
                message_id: Some("uuid:M-1".into())
            })]
        );
        let batch = wsman_proto::message::eventing::Events {
            events: vec![
                wsman_proto::message::eventing::EventItem::new("urn:a", payload.clone()),
                wsman_proto::message::eventing::EventItem::new(Action::DroppedEvents.uri(), DroppedEvents { action: "urn:b".into(), count: 3 }.to_element()),
                wsman_proto::message::eventing::EventItem::new("urn:c", payload.clone()),
            ],
        };
        let got = notifications(&envelope(Action::Events, vec![bookmark], batch.into_body())).unwrap();
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[0], Notification::Event(e) if e.action.as_deref() == Some("urn:a") && e.bookmark.is_none()));
        assert_eq!(got[1], Notification::Dropped(DroppedNotice { action: "urn:b".into(), count: 3, before: 1 }));
        assert!(matches!(&got[2], Notification::Event(e) if e.action.as_deref() == Some("urn:c") && e.bookmark == Some(Bookmark::text("b-7"))));
        assert_eq!(notifications(&envelope(Action::Heartbeat, vec![], vec![])).unwrap(), [Notification::Heartbeat]);
        let dropped = DroppedEvents { action: "urn:a".into(), count: 2 }.into_body();
        assert_eq!(
            notifications(&envelope(Action::DroppedEvents, vec![], dropped)).unwrap(),
            [Notification::Dropped(DroppedNotice { action: "urn:a".into(), count: 2, before: 0 })]
        );
        let end = SubscriptionEnd {
            subscription_manager: wsman_proto::message::eventing::subscription_manager("http://h/wsman", "uuid:S"),
            status: wsman_proto::message::eventing::EndStatus::SourceShuttingDown,
            reason: None,
        };
        assert_eq!(notifications(&envelope(Action::SubscriptionEnd, vec![], end.clone().into_body())).unwrap(), [Notification::End(end)]);
        assert!(notifications(&envelope(Action::Event, vec![], vec![])).is_err(), "an event needs its payload");
        assert!(notifications(&envelope(Action::DroppedEvents, vec![], vec![])).is_err());
    }
}
