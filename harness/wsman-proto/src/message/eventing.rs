//! WS-Eventing bodies with the WS-Management extensions (WS-Eventing 2004/08
//! §3-4, DSP0226 §10, MS-WSMV §3.1.4.5) and the event delivery messages.
//!
//! ```text
//! <wse:Subscribe>
//!   [<wse:EndTo>epr</wse:EndTo>]
//!   <wse:Delivery Mode="uri">                          (no Mode: Push)
//!     [<wse:NotifyTo>epr</wse:NotifyTo>]               (Push, PushWithAck, Events)
//!     [<wsman:Heartbeats>duration</wsman:Heartbeats>]
//!     [<wsman:ConnectionRetry Total="n">duration</wsman:ConnectionRetry>]
//!     [<wsman:MaxElements>n</wsman:MaxElements>] [<wsman:MaxTime>duration</wsman:MaxTime>]   (Events)
//!     [<wsman:Locale xml:lang=".."/>] [<wsman:ContentEncoding>UTF-8</wsman:ContentEncoding>]
//!   </wse:Delivery>
//!   [<wse:Expires>duration|dateTime</wse:Expires>]
//!   [<wsman:Filter Dialect="uri">...</wsman:Filter> | <wse:Filter Dialect="uri">...</wse:Filter>]
//!   [<wsman:SendBookmarks/>] [<wsman:Bookmark>opaque | earliest URI</wsman:Bookmark>]
//! </wse:Subscribe>
//!   -> <wse:SubscribeResponse>
//!        <wse:SubscriptionManager><wsa:Address/><wsa:ReferenceParameters><wse:Identifier>uuid:..</wse:Identifier>..</wsa:ReferenceParameters></wse:SubscriptionManager>
//!        [<wse:Expires>..</wse:Expires>] [<wsen:EnumerationContext>..</wsen:EnumerationContext>]   (Pull)
//!      </wse:SubscribeResponse>
//!
//! Header wse:Identifier addresses the subscription in:
//! <wse:Renew>[<wse:Expires>..</wse:Expires>]</wse:Renew>  -> <wse:RenewResponse>[<wse:Expires>..</wse:Expires>]</wse:RenewResponse>
//! <wse:GetStatus/>                                        -> <wse:GetStatusResponse>[<wse:Expires>..</wse:Expires>]</wse:GetStatusResponse>
//! <wse:Unsubscribe/>                                      -> empty body
//!
//! <wse:SubscriptionEnd><wse:SubscriptionManager>epr</wse:SubscriptionManager>
//!   <wse:Status>uri</wse:Status> [<wse:Reason xml:lang="..">text</wse:Reason>]</wse:SubscriptionEnd>
//!
//! Deliveries (Action in the header; [`Event`] .. [`Ack`]):
//!   wsman/Event          body = the event payload element
//!   wsman/Events         <wsman:Events><wsman:Event Action="uri">payload</wsman:Event>*</wsman:Events>
//!   wsman/Heartbeat      empty body
//!   wsman/DroppedEvents  <wsman:DroppedEvents Action="uri">count</wsman:DroppedEvents>
//!   wsman/Ack            empty body (RelatesTo = the acknowledged message)
//! Headers: <wsman:AckRequested/> on deliveries that must be acknowledged,
//!          <wsman:Bookmark>..</wsman:Bookmark> when the subscriber asked for SendBookmarks.
//! ```
//!
//! **Action URIs.** PROTOCOL.md marks the event Actions `[M]`; the same five
//! URIs (`http://schemas.dmtf.org/wbem/wsman/1/wsman/{Event,Events,Heartbeat,
//! DroppedEvents,Ack}`) are defined by the Sun/HP Wiseman Java stack
//! (`com.sun.ws.management.Management`, `EVENTS_URI` .. `EVENT_URI`) and by
//! Victor Lowther's Go `wsman` package (its Action constants), and are what
//! [`Action::Event`] and its siblings spell. Wiseman also gives the
//! `bookmark/earliest` URI and the DMTF delivery mode URIs of [`ns::eventing`].
//!
//! **Decode is lenient, validation is the store's.** A Subscribe always
//! decodes when its elements have the right shape: an unknown delivery mode
//! ([`DeliveryMode::Unknown`]), an Expires that is no time at all, negative
//! or in the past ([`ExpiresValue::Invalid`], a past [`ExpiresValue::DateTime`])
//! are values, and [`crate::state::eventing::SubscriptionStore::subscribe`]
//! answers the fault (DeliveryModeRequestedUnavailable, InvalidExpirationTime).
//! Text that cannot be read at all as its type (a `wsman:Heartbeats` of
//! `often`, a `MaxElements` of `0`) is a [`MessageError`]. Unknown elements are ignored.

use std::num::NonZeroU64;
use std::time::SystemTime;

use super::{find, flag, text_element, trimmed, EndpointReference, Message, MessageError};
use crate::action::Action;
use crate::datetime;
use crate::duration::XsDuration;
use crate::header::Header;
use crate::ns;
use crate::xml::{Element, Node};

/// `wse:Delivery/@Mode` (WS-Eventing §3.1, DSP0226 §10.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryMode {
    /// [`ns::eventing::MODE_PUSH`]: one event per message, unacknowledged (also the mode when `Mode` is absent).
    Push,
    /// [`ns::eventing::MODE_PUSH_WITH_ACK`]: one event per message, each acknowledged.
    PushWithAck,
    /// [`ns::eventing::MODE_EVENTS`]: batches in `wsman:Events`, each acknowledged.
    Events,
    /// [`ns::eventing::MODE_PULL`]: the subscriber pulls with WS-Enumeration Pull.
    Pull,
    /// Any other URI, verbatim (answered with DeliveryModeRequestedUnavailable).
    Unknown(String),
}

impl DeliveryMode {
    /// Reads a `Mode` URI (exact match).
    pub fn from_uri(uri: &str) -> DeliveryMode {
        match uri {
            ns::eventing::MODE_PUSH => DeliveryMode::Push,
            ns::eventing::MODE_PUSH_WITH_ACK => DeliveryMode::PushWithAck,
            ns::eventing::MODE_EVENTS => DeliveryMode::Events,
            ns::eventing::MODE_PULL => DeliveryMode::Pull,
            other => DeliveryMode::Unknown(other.to_owned()),
        }
    }

    /// The `Mode` URI.
    pub fn uri(&self) -> &str {
        match self {
            DeliveryMode::Push => ns::eventing::MODE_PUSH,
            DeliveryMode::PushWithAck => ns::eventing::MODE_PUSH_WITH_ACK,
            DeliveryMode::Events => ns::eventing::MODE_EVENTS,
            DeliveryMode::Pull => ns::eventing::MODE_PULL,
            DeliveryMode::Unknown(u) => u,
        }
    }

    /// True for the modes that send to `NotifyTo` (Push, PushWithAck, Events).
    pub fn is_push(&self) -> bool {
        matches!(self, DeliveryMode::Push | DeliveryMode::PushWithAck | DeliveryMode::Events)
    }

    /// True for the modes whose deliveries carry `wsman:AckRequested` (PushWithAck, Events).
    pub fn needs_ack(&self) -> bool {
        matches!(self, DeliveryMode::PushWithAck | DeliveryMode::Events)
    }
}

/// What a `wse:Expires` says, read from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiresValue {
    /// A non-negative `xs:duration` from the time the message is processed.
    Duration(XsDuration),
    /// An absolute `xs:dateTime` (possibly in the past: the store checks).
    DateTime(SystemTime),
    /// Neither (`soon`, `-PT10S`, an impossible date): InvalidExpirationTime.
    Invalid,
}

/// `wse:Expires` (WS-Eventing §3.1): the text as sent and what it means.
/// Equality is on the text, so decode∘encode is the identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventExpires {
    /// The trimmed text.
    pub raw: String,
    /// What it parses to.
    pub value: ExpiresValue,
}

impl EventExpires {
    /// Reads the text of a `wse:Expires`.
    pub fn parse(text: &str) -> EventExpires {
        let raw = text.trim().to_owned();
        let value = if let Some(d) = XsDuration::parse(&raw) {
            ExpiresValue::Duration(d)
        } else if let Some(t) = datetime::parse(&raw) {
            ExpiresValue::DateTime(t)
        } else {
            ExpiresValue::Invalid
        };
        EventExpires { raw, value }
    }

    /// A duration, written canonically.
    pub fn duration(d: XsDuration) -> EventExpires {
        EventExpires { raw: d.to_lexical(), value: ExpiresValue::Duration(d) }
    }

    /// An absolute time, written in UTC to the millisecond (the value is
    /// truncated to what the text says).
    pub fn date_time(t: SystemTime) -> EventExpires {
        EventExpires::parse(&datetime::format(t))
    }

    fn to_element(&self) -> Element {
        text_element(ns::WSE, "Expires", self.raw.clone())
    }
}

fn expires_child(el: &Element) -> Option<EventExpires> {
    el.child(ns::WSE, "Expires").map(|e| EventExpires::parse(&e.text()))
}

/// `wsman:ConnectionRetry` (DSP0226 §10.2.4): how often and how far apart a
/// push delivery is retried before it is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionRetry {
    /// `@Total`: retries after the first attempt.
    pub total: u32,
    /// The element's `xs:duration`: the wait between attempts.
    pub interval: XsDuration,
}

/// `wsman:Bookmark` (DSP0226 §10.2.6): where a new subscription resumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bookmark {
    /// [`ns::eventing::BOOKMARK_EARLIEST`]: from the oldest event the source retains.
    Earliest,
    /// The content of a bookmark the service issued, verbatim (opaque to the client).
    Opaque(Vec<Node>),
}

impl Bookmark {
    /// An opaque bookmark holding only `text` (the form the reference store issues).
    pub fn text(text: impl Into<String>) -> Bookmark {
        Bookmark::Opaque(vec![Node::Text(text.into())])
    }

    /// The text of an opaque bookmark whose content is text only.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Bookmark::Opaque(nodes) => match nodes.as_slice() {
                [Node::Text(t)] => Some(t.trim()),
                _ => None,
            },
            Bookmark::Earliest => None,
        }
    }

    fn from_element(el: &Element) -> Bookmark {
        let only_text = el.children.iter().all(|n| matches!(n, Node::Text(_)));
        if only_text && el.text().trim() == ns::eventing::BOOKMARK_EARLIEST {
            Bookmark::Earliest
        } else {
            Bookmark::Opaque(el.children.clone())
        }
    }

    /// The `wsman:Bookmark` element (in a Subscribe body or a delivery header).
    pub fn to_element(&self) -> Element {
        let mut el = Element::ns(ns::WSMAN, "Bookmark");
        match self {
            Bookmark::Earliest => el = el.with_text(ns::eventing::BOOKMARK_EARLIEST),
            Bookmark::Opaque(nodes) => el.children.extend(nodes.iter().cloned()),
        }
        el
    }

    /// The `wsman:Bookmark` header of a delivery, if any.
    pub fn from_header(header: &Header) -> Option<Bookmark> {
        header.unknown.iter().map(|u| &u.element).find(|e| e.is(ns::WSMAN, "Bookmark")).map(Bookmark::from_element)
    }
}

/// The filter of a Subscribe, kept as sent: which element carried it, the
/// `Dialect` attribute and the content. The event source decides what it
/// supports (the reference server: WQL in `wsman:Filter`; anything else is
/// FilteringNotSupported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscribeFilter {
    /// True for `wse:Filter`, false for `wsman:Filter`.
    pub wse: bool,
    /// `@Dialect` as sent (`None`: absent, XPath by WS-Eventing §3.1).
    pub dialect: Option<String>,
    /// The filter's children.
    pub content: Vec<Node>,
}

impl SubscribeFilter {
    /// The dialect in effect.
    pub fn dialect(&self) -> &str {
        self.dialect.as_deref().unwrap_or(ns::dialect::XPATH)
    }

    /// The trimmed query text of a WQL filter.
    pub fn wql(&self) -> Option<String> {
        let text_only = self.content.iter().all(|n| matches!(n, Node::Text(_)));
        (self.dialect() == ns::dialect::WQL && text_only)
            .then(|| self.content.iter().filter_map(|n| if let Node::Text(t) = n { Some(t.as_str()) } else { None }).collect::<String>().trim().to_owned())
    }

    fn to_element(&self) -> Element {
        let mut el = Element::ns(if self.wse { ns::WSE } else { ns::WSMAN }, "Filter");
        if let Some(d) = &self.dialect {
            el.set_attr(None, "Dialect", d.clone());
        }
        el.children.extend(self.content.iter().cloned());
        el
    }
}

/// `wse:Delivery` with the WS-Management extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// `@Mode`.
    pub mode: DeliveryMode,
    /// `wse:NotifyTo`: where push modes deliver (whether that address is
    /// acceptable is the server's policy).
    pub notify_to: Option<EndpointReference>,
    /// `wsman:Heartbeats`: the longest silence before a heartbeat.
    pub heartbeats: Option<XsDuration>,
    /// `wsman:ConnectionRetry`.
    pub connection_retry: Option<ConnectionRetry>,
    /// `wsman:MaxElements`: the largest batch (Events mode).
    pub max_elements: Option<NonZeroU64>,
    /// `wsman:MaxTime`: the longest a batch is held back (Events mode).
    pub max_time: Option<XsDuration>,
    /// `wsman:Locale/@xml:lang`.
    pub locale: Option<String>,
    /// `wsman:ContentEncoding` (`UTF-8` or `UTF-16`).
    pub content_encoding: Option<String>,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery::new(DeliveryMode::Pull)
    }
}

impl Delivery {
    /// A delivery in `mode` with nothing else set.
    pub fn new(mode: DeliveryMode) -> Delivery {
        Delivery { mode, notify_to: None, heartbeats: None, connection_retry: None, max_elements: None, max_time: None, locale: None, content_encoding: None }
    }

    fn from_element(el: &Element) -> Result<Delivery, MessageError> {
        let mode = el.attr(None, "Mode").map(|m| DeliveryMode::from_uri(m.trim())).unwrap_or(DeliveryMode::Push);
        let notify_to = el.child(ns::WSE, "NotifyTo").map(EndpointReference::from_element).transpose()?;
        let duration = |name: &'static str, element: &'static str| -> Result<Option<XsDuration>, MessageError> {
            el.child(ns::WSMAN, name)
                .map(|e| {
                    let t = trimmed(e);
                    XsDuration::parse(&t).ok_or(MessageError::InvalidValue { element, value: t })
                })
                .transpose()
        };
        let heartbeats = match el.child(ns::WSMAN, "Heartbeats") {
            None => None,
            Some(e) => Some(XsDuration::parse(&trimmed(e)).ok_or_else(|| MessageError::InvalidHeartbeats(trimmed(e)))?),
        };
        let connection_retry = match el.child(ns::WSMAN, "ConnectionRetry") {
            None => None,
            Some(e) => {
                let total = e.attr(None, "Total").unwrap_or("0").trim();
                let total = total.parse::<u32>().map_err(|_| MessageError::InvalidValue { element: "wsman:ConnectionRetry@Total", value: total.to_owned() })?;
                let t = trimmed(e);
                let interval = XsDuration::parse(&t).ok_or(MessageError::InvalidValue { element: "wsman:ConnectionRetry", value: t })?;
                Some(ConnectionRetry { total, interval })
            }
        };
        let max_elements = match el.child(ns::WSMAN, "MaxElements") {
            None => None,
            Some(e) => Some(trimmed(e).parse::<NonZeroU64>().map_err(|_| MessageError::InvalidMaxElements(trimmed(e)))?),
        };
        Ok(Delivery {
            mode,
            notify_to,
            heartbeats,
            connection_retry,
            max_elements,
            max_time: duration("MaxTime", "wsman:MaxTime")?,
            locale: el.child(ns::WSMAN, "Locale").and_then(|l| l.attr(Some(ns::XML), "lang")).map(str::to_owned),
            content_encoding: el.child(ns::WSMAN, "ContentEncoding").map(trimmed),
        })
    }

    fn to_element(&self) -> Element {
        let mut el = Element::ns(ns::WSE, "Delivery").with_attr(None, "Mode", self.mode.uri());
        if let Some(n) = &self.notify_to {
            el.push(n.to_element(ns::WSE, "NotifyTo"));
        }
        if let Some(h) = self.heartbeats {
            el.push(text_element(ns::WSMAN, "Heartbeats", h.to_lexical()));
        }
        if let Some(r) = self.connection_retry {
            el.push(Element::ns(ns::WSMAN, "ConnectionRetry").with_attr(None, "Total", r.total.to_string()).with_text(r.interval.to_lexical()));
        }
        if let Some(n) = self.max_elements {
            el.push(text_element(ns::WSMAN, "MaxElements", n.to_string()));
        }
        if let Some(t) = self.max_time {
            el.push(text_element(ns::WSMAN, "MaxTime", t.to_lexical()));
        }
        if let Some(l) = &self.locale {
            el.push(Element::ns(ns::WSMAN, "Locale").with_attr(Some(ns::XML), "lang", l.clone()));
        }
        if let Some(c) = &self.content_encoding {
            el.push(text_element(ns::WSMAN, "ContentEncoding", c.clone()));
        }
        el
    }
}

/// WS-Eventing Subscribe with the WS-Management extensions (DSP0226 §10.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Subscribe {
    /// `wse:EndTo`: where a SubscriptionEnd goes.
    pub end_to: Option<EndpointReference>,
    /// `wse:Delivery`.
    pub delivery: Delivery,
    /// `wse:Expires`.
    pub expires: Option<EventExpires>,
    /// `wsman:Filter` or `wse:Filter`.
    pub filter: Option<SubscribeFilter>,
    /// `wsman:SendBookmarks`: every delivery carries a `wsman:Bookmark` header.
    pub send_bookmarks: bool,
    /// `wsman:Bookmark`: resume after this point.
    pub bookmark: Option<Bookmark>,
}

impl Message for Subscribe {
    fn action(&self) -> Option<Action> {
        Some(Action::Subscribe)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSE, "Subscribe").ok_or(MessageError::MissingBody { expected: "wse:Subscribe" })?;
        let delivery = el.child(ns::WSE, "Delivery").ok_or(MessageError::MissingElement { parent: "wse:Subscribe", child: "wse:Delivery" })?;
        let filter = el.child(ns::WSMAN, "Filter").map(|f| (false, f)).or_else(|| el.child(ns::WSE, "Filter").map(|f| (true, f)));
        Ok(Subscribe {
            end_to: el.child(ns::WSE, "EndTo").map(EndpointReference::from_element).transpose()?,
            delivery: Delivery::from_element(delivery)?,
            expires: expires_child(el),
            filter: filter.map(|(wse, f)| SubscribeFilter { wse, dialect: f.attr(None, "Dialect").map(str::to_owned), content: f.children.clone() }),
            send_bookmarks: el.child(ns::WSMAN, "SendBookmarks").is_some(),
            bookmark: el.child(ns::WSMAN, "Bookmark").map(Bookmark::from_element),
        })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSE, "Subscribe");
        if let Some(e) = &self.end_to {
            el.push(e.to_element(ns::WSE, "EndTo"));
        }
        el.push(self.delivery.to_element());
        if let Some(e) = &self.expires {
            el.push(e.to_element());
        }
        if let Some(f) = &self.filter {
            el.push(f.to_element());
        }
        if self.send_bookmarks {
            el.push(flag(ns::WSMAN, "SendBookmarks"));
        }
        if let Some(b) = &self.bookmark {
            el.push(b.to_element());
        }
        vec![el]
    }
}

/// The subscription manager EPR the server hands out: `address` plus a
/// `wse:Identifier` reference parameter (which the client echoes as a header).
pub fn subscription_manager(address: &str, identifier: &str) -> EndpointReference {
    EndpointReference { address: address.to_owned(), other_parameters: vec![identifier_header(identifier)], ..EndpointReference::default() }
}

/// The `wse:Identifier` among an EPR's reference parameters.
pub fn manager_identifier(epr: &EndpointReference) -> Option<String> {
    epr.other_parameters.iter().find(|p| p.is(ns::WSE, "Identifier")).map(trimmed)
}

/// The `wse:Identifier` header element.
pub fn identifier_header(identifier: &str) -> Element {
    text_element(ns::WSE, "Identifier", identifier)
}

/// The subscription a Renew, GetStatus or Unsubscribe addresses: its
/// `wse:Identifier` header (WS-Eventing §3.2). None is
/// [`MessageError::MissingSubscriptionIdentifier`].
pub fn subscription_identifier(header: &Header) -> Result<String, MessageError> {
    header.unknown.iter().map(|u| &u.element).find(|e| e.is(ns::WSE, "Identifier")).map(trimmed).ok_or(MessageError::MissingSubscriptionIdentifier)
}

/// The `wsman:AckRequested` header of a delivery that must be acknowledged.
pub fn ack_requested_header() -> Element {
    flag(ns::WSMAN, "AckRequested")
}

/// True when the message carries `wsman:AckRequested`.
pub fn is_ack_requested(header: &Header) -> bool {
    header.unknown.iter().any(|u| u.element.is(ns::WSMAN, "AckRequested"))
}

/// WS-Eventing SubscribeResponse (WS-Eventing §3.1, DSP0226 §10.2.9 for the
/// Pull mode's enumeration context).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SubscribeResponse {
    /// `wse:SubscriptionManager` (see [`subscription_manager`]).
    pub subscription_manager: EndpointReference,
    /// `wse:Expires`: what the source granted.
    pub expires: Option<EventExpires>,
    /// `wsen:EnumerationContext`, Pull mode only.
    pub enumeration_context: Option<String>,
}

impl SubscribeResponse {
    /// The subscription's identifier (`wse:Identifier` of the manager EPR).
    pub fn identifier(&self) -> Option<String> {
        manager_identifier(&self.subscription_manager)
    }
}

impl Message for SubscribeResponse {
    fn action(&self) -> Option<Action> {
        Some(response(Action::Subscribe))
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSE, "SubscribeResponse").ok_or(MessageError::MissingBody { expected: "wse:SubscribeResponse" })?;
        let manager = el
            .child(ns::WSE, "SubscriptionManager")
            .ok_or(MessageError::MissingElement { parent: "wse:SubscribeResponse", child: "wse:SubscriptionManager" })?;
        Ok(SubscribeResponse {
            subscription_manager: EndpointReference::from_element(manager)?,
            expires: expires_child(el),
            enumeration_context: el.child(ns::WSEN, "EnumerationContext").map(trimmed),
        })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSE, "SubscribeResponse").with_child(self.subscription_manager.to_element(ns::WSE, "SubscriptionManager"));
        if let Some(e) = &self.expires {
            el.push(e.to_element());
        }
        if let Some(c) = self.enumeration_context {
            el.push(text_element(ns::WSEN, "EnumerationContext", c));
        }
        vec![el]
    }
}

/// The response Action of a request Action (`<request>Response`), kept as
/// [`Action::Other`] as the driver reads it.
fn response(request: Action) -> Action {
    Action::Other(request.response_uri())
}

macro_rules! expires_message {
    ($(#[$m:meta])* $ty:ident, $local:literal, $action:expr) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Default)]
        pub struct $ty {
            /// `wse:Expires`.
            pub expires: Option<EventExpires>,
        }

        impl Message for $ty {
            fn action(&self) -> Option<Action> {
                Some($action)
            }

            fn decode(body: &[Element]) -> Result<Self, MessageError> {
                let el = find(body, ns::WSE, $local).ok_or(MessageError::MissingBody { expected: concat!("wse:", $local) })?;
                Ok($ty { expires: expires_child(el) })
            }

            fn into_body(self) -> Vec<Element> {
                let mut el = Element::ns(ns::WSE, $local);
                if let Some(e) = &self.expires {
                    el.push(e.to_element());
                }
                vec![el]
            }
        }
    };
}

expires_message!(
    /// WS-Eventing Renew (§3.2): the new expiration asked for.
    Renew, "Renew", Action::SubscriptionRenew
);
expires_message!(
    /// WS-Eventing RenewResponse: the expiration granted.
    RenewResponse, "RenewResponse", response(Action::SubscriptionRenew)
);
expires_message!(
    /// WS-Eventing GetStatusResponse (§3.3): when the subscription expires.
    GetStatusResponse, "GetStatusResponse", response(Action::SubscriptionGetStatus)
);

macro_rules! empty_message {
    ($(#[$m:meta])* $ty:ident, $action:expr, $body:expr) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
        pub struct $ty;

        impl Message for $ty {
            fn action(&self) -> Option<Action> {
                Some($action)
            }

            fn decode(body: &[Element]) -> Result<Self, MessageError> {
                let expected: Option<(&str, &'static str)> = $body;
                match expected {
                    Some((n, local)) if find(body, n, local).is_none() => Err(MessageError::MissingBody { expected: local }),
                    _ => Ok($ty),
                }
            }

            fn into_body(self) -> Vec<Element> {
                let expected: Option<(&str, &'static str)> = $body;
                expected.map(|(n, local)| Element::ns(n, local)).into_iter().collect()
            }
        }
    };
}

empty_message!(
    /// WS-Eventing GetStatus (§3.3): `<wse:GetStatus/>`.
    GetStatus, Action::SubscriptionGetStatus, Some((ns::WSE, "GetStatus"))
);
empty_message!(
    /// WS-Eventing Unsubscribe (§3.4): `<wse:Unsubscribe/>`.
    Unsubscribe, Action::Unsubscribe, Some((ns::WSE, "Unsubscribe"))
);
empty_message!(
    /// WS-Eventing UnsubscribeResponse: an empty body (not checked).
    UnsubscribeResponse, response(Action::Unsubscribe), None
);
empty_message!(
    /// A heartbeat delivery (DSP0226 §10.2.5): Action Heartbeat, empty body (not checked).
    Heartbeat, Action::Heartbeat, None
);
empty_message!(
    /// The acknowledgement of a delivery that carried `wsman:AckRequested`
    /// (DSP0226 §10.7): Action Ack, empty body (not checked); its RelatesTo is
    /// the MessageID of the delivery.
    Ack, Action::Ack, None
);

/// `wse:SubscriptionEnd/wse:Status` (WS-Eventing §3.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndStatus {
    /// The source could not deliver to the sink.
    DeliveryFailure,
    /// The source is going away.
    SourceShuttingDown,
    /// The source ended the subscription for another reason (the store's reason for an expiry).
    SourceCancelling,
    /// Any other URI.
    Other(String),
}

impl EndStatus {
    /// The status URI.
    pub fn uri(&self) -> &str {
        match self {
            EndStatus::DeliveryFailure => ns::eventing::STATUS_DELIVERY_FAILURE,
            EndStatus::SourceShuttingDown => ns::eventing::STATUS_SOURCE_SHUTTING_DOWN,
            EndStatus::SourceCancelling => ns::eventing::STATUS_SOURCE_CANCELLING,
            EndStatus::Other(u) => u,
        }
    }

    /// Reads a status URI.
    pub fn from_uri(uri: &str) -> EndStatus {
        match uri {
            ns::eventing::STATUS_DELIVERY_FAILURE => EndStatus::DeliveryFailure,
            ns::eventing::STATUS_SOURCE_SHUTTING_DOWN => EndStatus::SourceShuttingDown,
            ns::eventing::STATUS_SOURCE_CANCELLING => EndStatus::SourceCancelling,
            other => EndStatus::Other(other.to_owned()),
        }
    }
}

/// WS-Eventing SubscriptionEnd (§3.5), sent to `EndTo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionEnd {
    /// `wse:SubscriptionManager`: which subscription ended.
    pub subscription_manager: EndpointReference,
    /// `wse:Status`.
    pub status: EndStatus,
    /// `wse:Reason`, trimmed text (written with `xml:lang="en-US"`; the language read is not kept).
    pub reason: Option<String>,
}

impl Message for SubscriptionEnd {
    fn action(&self) -> Option<Action> {
        Some(Action::SubscriptionEnd)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSE, "SubscriptionEnd").ok_or(MessageError::MissingBody { expected: "wse:SubscriptionEnd" })?;
        let manager =
            el.child(ns::WSE, "SubscriptionManager").ok_or(MessageError::MissingElement { parent: "wse:SubscriptionEnd", child: "wse:SubscriptionManager" })?;
        let status = el.child(ns::WSE, "Status").ok_or(MessageError::MissingElement { parent: "wse:SubscriptionEnd", child: "wse:Status" })?;
        Ok(SubscriptionEnd {
            subscription_manager: EndpointReference::from_element(manager)?,
            status: EndStatus::from_uri(&trimmed(status)),
            reason: el.child(ns::WSE, "Reason").map(trimmed),
        })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSE, "SubscriptionEnd")
            .with_child(self.subscription_manager.to_element(ns::WSE, "SubscriptionManager"))
            .with_child(text_element(ns::WSE, "Status", self.status.uri()));
        if let Some(r) = self.reason {
            el.push(text_element(ns::WSE, "Reason", r).with_attr(Some(ns::XML), "lang", "en-US"));
        }
        vec![el]
    }
}

/// A single event delivered in Push or PushWithAck mode (DSP0226 §10.2.3):
/// Action [`Action::Event`] (an event that defines its own Action travels
/// with that Action instead; the server sets the header), the body is the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The event payload, the body's first element.
    pub payload: Element,
}

impl Message for Event {
    fn action(&self) -> Option<Action> {
        Some(Action::Event)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        body.first().cloned().map(|payload| Event { payload }).ok_or(MessageError::MissingBody { expected: "the event payload" })
    }

    fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
        body.into_iter().next().map(|payload| Event { payload }).ok_or(MessageError::MissingBody { expected: "the event payload" })
    }

    fn into_body(self) -> Vec<Element> {
        vec![self.payload]
    }
}

/// One `wsman:Event` of a batch (or a `DroppedEvents` notice inside one,
/// whose Action is [`Action::DroppedEvents`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventItem {
    /// `@Action`: the event's action URI.
    pub action: String,
    /// The children of `wsman:Event` (the payload element).
    pub content: Vec<Node>,
}

impl EventItem {
    /// An item holding one payload element.
    pub fn new(action: impl Into<String>, payload: Element) -> EventItem {
        EventItem { action: action.into(), content: vec![Node::Element(payload)] }
    }

    /// The payload element, if the item holds one.
    pub fn payload(&self) -> Option<&Element> {
        self.content.iter().find_map(|n| if let Node::Element(e) = n { Some(e) } else { None })
    }

    /// Reads a `wsman:Event` element.
    pub fn from_element(el: &Element) -> Result<EventItem, MessageError> {
        let action = el.attr(None, "Action").ok_or(MessageError::MissingElement { parent: "wsman:Event", child: "@Action" })?;
        Ok(EventItem { action: action.trim().to_owned(), content: el.children.clone() })
    }

    /// The `wsman:Event` element (batches, and the items of an event PullResponse).
    pub fn to_element(&self) -> Element {
        let mut el = Element::ns(ns::WSMAN, "Event").with_attr(None, "Action", self.action.clone());
        el.children.extend(self.content.iter().cloned());
        el
    }
}

/// A batch delivered in Events mode (DSP0226 §10.2.3.4): `wsman:Events`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Events {
    /// The events, in order.
    pub events: Vec<EventItem>,
}

impl Message for Events {
    fn action(&self) -> Option<Action> {
        Some(Action::Events)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSMAN, "Events").ok_or(MessageError::MissingBody { expected: "wsman:Events" })?;
        Ok(Events { events: el.children_named(ns::WSMAN, "Event").map(EventItem::from_element).collect::<Result<_, _>>()? })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSMAN, "Events");
        for e in &self.events {
            el.push(e.to_element());
        }
        vec![el]
    }
}

/// A notice that events were dropped (DSP0226 §10.8): `wsman:DroppedEvents`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedEvents {
    /// `@Action`: the action of the events dropped.
    pub action: String,
    /// How many.
    pub count: u64,
}

impl DroppedEvents {
    /// The `wsman:DroppedEvents` element.
    pub fn to_element(&self) -> Element {
        Element::ns(ns::WSMAN, "DroppedEvents").with_attr(None, "Action", self.action.clone()).with_text(self.count.to_string())
    }
}

impl Message for DroppedEvents {
    fn action(&self) -> Option<Action> {
        Some(Action::DroppedEvents)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSMAN, "DroppedEvents").ok_or(MessageError::MissingBody { expected: "wsman:DroppedEvents" })?;
        let action = el.attr(None, "Action").ok_or(MessageError::MissingElement { parent: "wsman:DroppedEvents", child: "@Action" })?;
        let t = trimmed(el);
        let count = t.parse().map_err(|_| MessageError::InvalidValue { element: "wsman:DroppedEvents", value: t })?;
        Ok(DroppedEvents { action: action.trim().to_owned(), count })
    }

    fn into_body(self) -> Vec<Element> {
        vec![self.to_element()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;
    use crate::xml::Limits;

    fn body(inner: &str) -> Vec<Element> {
        let doc = format!(
            r#"<s:Envelope xmlns:s="{}" xmlns:e="{}" xmlns:w="{}" xmlns:a="{}" xmlns:n="{}"><s:Header/><s:Body>{inner}</s:Body></s:Envelope>"#,
            ns::SOAP,
            ns::WSE,
            ns::WSMAN,
            ns::WSA,
            ns::WSEN
        );
        Envelope::decode(doc.as_bytes(), &Limits::default()).expect("an envelope").body
    }

    fn wire<M: Message + PartialEq + std::fmt::Debug>(m: &M) -> M {
        let env = Envelope { header: Header::default(), body: m.encode() };
        let back = Envelope::decode(&env.encode(), &Limits::default()).expect("decodes");
        M::decode_owned(back.body).expect("the body decodes")
    }

    #[test]
    fn the_corpus_subscribe_bodies_decode_to_what_the_store_must_refuse() {
        let pull = Subscribe::decode(&body(&format!(
            r#"<e:Subscribe><e:Delivery Mode="{}"><w:Heartbeats>PT1S</w:Heartbeats></e:Delivery><e:Expires>PT10M</e:Expires><w:Filter Dialect="{}">SELECT * FROM Win32_NTLogEvent</w:Filter></e:Subscribe>"#,
            ns::eventing::MODE_PULL,
            ns::dialect::WQL
        )))
        .unwrap();
        assert_eq!(pull.delivery.mode, DeliveryMode::Pull);
        assert_eq!(pull.delivery.heartbeats, Some(XsDuration::from_millis(1000)));
        assert_eq!(pull.expires.as_ref().map(|e| e.value), Some(ExpiresValue::Duration(XsDuration::from_millis(600_000))));
        assert_eq!(pull.filter.as_ref().and_then(SubscribeFilter::wql).as_deref(), Some("SELECT * FROM Win32_NTLogEvent"));

        let mode = |m: &str| Subscribe::decode(&body(&format!(r#"<e:Subscribe><e:Delivery Mode="{m}"/></e:Subscribe>"#))).unwrap().delivery.mode;
        assert_eq!(mode("urn:example:harness:mode"), DeliveryMode::Unknown("urn:example:harness:mode".into()));
        assert_eq!(mode(ns::eventing::MODE_PUSH), DeliveryMode::Push);
        assert_eq!(mode(ns::eventing::MODE_EVENTS), DeliveryMode::Events);
        assert!(matches!(mode(&format!("{}Pul", &ns::eventing::MODE_PUSH[..ns::eventing::MODE_PUSH.len() - 4])), DeliveryMode::Unknown(_)));
        let absent = Subscribe::decode(&body("<e:Subscribe><e:Delivery/></e:Subscribe>")).unwrap();
        assert_eq!(absent.delivery.mode, DeliveryMode::Push, "WS-Eventing's default mode");

        let expires = |t: &str| {
            Subscribe::decode(&body(&format!(r#"<e:Subscribe><e:Delivery/><e:Expires>{t}</e:Expires></e:Subscribe>"#))).unwrap().expires.unwrap().value
        };
        assert_eq!(expires("-PT10S"), ExpiresValue::Invalid);
        assert_eq!(expires("soon"), ExpiresValue::Invalid);
        assert_eq!(expires("2000-01-01T00:00:00Z"), ExpiresValue::DateTime(datetime::parse("2000-01-01T00:00:00Z").unwrap()));

        let e = Subscribe::decode(&body("<e:Subscribe><e:Delivery><w:Heartbeats>often</w:Heartbeats></e:Delivery></e:Subscribe>")).unwrap_err();
        assert_eq!(e, MessageError::InvalidHeartbeats("often".into()));
        assert_eq!(e.to_fault().kind, crate::FaultKind::InvalidParameter);

        let junk = Subscribe::decode(&body(r#"<e:Subscribe><e:Delivery/><w:Bookmark><q:Junk xmlns:q="urn:x">x</q:Junk></w:Bookmark></e:Subscribe>"#)).unwrap();
        assert!(matches!(junk.bookmark, Some(Bookmark::Opaque(ref n)) if matches!(n.as_slice(), [Node::Element(_)])));
        let earliest =
            Subscribe::decode(&body(&format!("<e:Subscribe><e:Delivery/><w:Bookmark> {} </w:Bookmark></e:Subscribe>", ns::eventing::BOOKMARK_EARLIEST)))
                .unwrap();
        assert_eq!(earliest.bookmark, Some(Bookmark::Earliest));

        let wse_filter =
            Subscribe::decode(&body(&format!(r#"<e:Subscribe><e:Delivery/><e:Filter Dialect="{}">/</e:Filter></e:Subscribe>"#, ns::dialect::XPATH))).unwrap();
        let f = wse_filter.filter.unwrap();
        assert!(f.wse && f.dialect() == ns::dialect::XPATH && f.wql().is_none());

        assert_eq!(Subscribe::decode(&body("<e:Subscribe/>")).unwrap_err().to_fault().kind, crate::FaultKind::SchemaValidationError);
    }

    #[test]
    fn push_delivery_options_decode() {
        let s = Subscribe::decode(&body(&format!(
            r#"<e:Subscribe><e:EndTo><a:Address>http://127.0.0.1:9/end</a:Address></e:EndTo><e:Delivery Mode="{}"><e:NotifyTo><a:Address>http://127.0.0.1:9/ev</a:Address><a:ReferenceProperties><q:K xmlns:q="urn:x">1</q:K></a:ReferenceProperties></e:NotifyTo><w:ConnectionRetry Total="3">PT2S</w:ConnectionRetry><w:MaxElements>7</w:MaxElements><w:MaxTime>PT5S</w:MaxTime><w:ContentEncoding>UTF-8</w:ContentEncoding></e:Delivery><w:SendBookmarks/></e:Subscribe>"#,
            ns::eventing::MODE_EVENTS
        )))
        .unwrap();
        assert_eq!(s.end_to.unwrap().address, "http://127.0.0.1:9/end");
        let notify_to = s.delivery.notify_to.as_ref().unwrap();
        assert_eq!(notify_to.address, "http://127.0.0.1:9/ev");
        assert_eq!(notify_to.reference_properties.len(), 1);
        assert!(notify_to.reference_headers()[0].is("urn:x", "K"), "a delivery echoes the sink's reference properties");
        assert_eq!(s.delivery.connection_retry, Some(ConnectionRetry { total: 3, interval: XsDuration::from_millis(2000) }));
        assert_eq!(s.delivery.max_elements.map(NonZeroU64::get), Some(7));
        assert_eq!(s.delivery.max_time, Some(XsDuration::from_millis(5000)));
        assert!(s.send_bookmarks);
        let bad = format!(r#"<e:Subscribe><e:Delivery Mode="{}"><w:MaxElements>0</w:MaxElements></e:Delivery></e:Subscribe>"#, ns::eventing::MODE_EVENTS);
        assert!(matches!(Subscribe::decode(&body(&bad)), Err(MessageError::InvalidMaxElements(_))));
    }

    #[test]
    fn every_message_round_trips_through_the_wire() {
        let payload = Element::ns("urn:example:ev", "Ev").with_text("a<b");
        let s = Subscribe {
            end_to: Some(EndpointReference { address: "http://h/end".into(), ..Default::default() }),
            delivery: Delivery {
                notify_to: Some(EndpointReference { address: "http://h/ev".into(), ..Default::default() }),
                heartbeats: Some(XsDuration::from_millis(1500)),
                connection_retry: Some(ConnectionRetry { total: 2, interval: XsDuration::from_millis(1000) }),
                max_elements: NonZeroU64::new(5),
                max_time: Some(XsDuration::from_millis(100)),
                locale: Some("en-US".into()),
                content_encoding: Some("UTF-8".into()),
                ..Delivery::new(DeliveryMode::PushWithAck)
            },
            expires: Some(EventExpires::parse("2030-01-01T00:00:00Z")),
            filter: Some(SubscribeFilter { wse: false, dialect: Some(ns::dialect::WQL.into()), content: vec![Node::Text("SELECT * FROM X".into())] }),
            send_bookmarks: true,
            bookmark: Some(Bookmark::text("b-1")),
        };
        assert_eq!(wire(&s), s);
        let odd = Subscribe { expires: Some(EventExpires::parse("-PT1S")), bookmark: Some(Bookmark::Earliest), ..Subscribe::default() };
        assert_eq!(wire(&odd), odd);
        let r = SubscribeResponse {
            subscription_manager: subscription_manager("http://h/wsman", "uuid:1"),
            expires: Some(EventExpires::duration(XsDuration::from_millis(600_000))),
            enumeration_context: Some("uuid:2".into()),
        };
        let back = wire(&r);
        assert_eq!(back, r);
        assert_eq!(back.identifier().as_deref(), Some("uuid:1"));
        assert_eq!(wire(&Renew { expires: Some(EventExpires::parse("PT20M")) }), Renew { expires: Some(EventExpires::parse("PT20M")) });
        assert_eq!(wire(&RenewResponse::default()), RenewResponse::default());
        assert_eq!(wire(&GetStatusResponse { expires: Some(EventExpires::parse("PT1S")) }).expires.unwrap().raw, "PT1S");
        assert_eq!(wire(&GetStatus), GetStatus);
        assert_eq!(wire(&Unsubscribe), Unsubscribe);
        assert!(matches!(GetStatus::decode(&body("<e:Unsubscribe/>")), Err(MessageError::MissingBody { .. })));
        let end = SubscriptionEnd {
            subscription_manager: subscription_manager("http://h/wsman", "uuid:1"),
            status: EndStatus::SourceShuttingDown,
            reason: Some("bye".into()),
        };
        assert_eq!(wire(&end), end);
        assert_eq!(wire(&Event { payload: payload.clone() }).payload, payload);
        let batch = Events { events: vec![EventItem::new("urn:a", payload.clone()), EventItem::new(Action::DroppedEvents.uri(), Element::ns("urn:x", "Y"))] };
        assert_eq!(wire(&batch), batch);
        assert_eq!(batch.events[0].payload(), Some(&payload));
        let dropped = DroppedEvents { action: "urn:a".into(), count: 12 };
        assert_eq!(wire(&dropped), dropped);
        assert_eq!(Heartbeat.action(), Some(Action::Heartbeat));
        assert_eq!(Ack.action().map(|a| a.uri()), Some(format!("{}/Ack", ns::WSMAN_ACTION_BASE)));
    }

    #[test]
    fn eventing_headers() {
        let doc = format!(
            r#"<s:Envelope xmlns:s="{}" xmlns:e="{}" xmlns:w="{}"><s:Header><e:Identifier> uuid:9 </e:Identifier><w:AckRequested/><w:Bookmark>b-3</w:Bookmark></s:Header><s:Body/></s:Envelope>"#,
            ns::SOAP,
            ns::WSE,
            ns::WSMAN
        );
        let env = Envelope::decode(doc.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(subscription_identifier(&env.header).as_deref(), Ok("uuid:9"));
        assert!(is_ack_requested(&env.header));
        assert_eq!(Bookmark::from_header(&env.header).and_then(|b| b.as_text().map(str::to_owned)).as_deref(), Some("b-3"));
        let none = Header::default();
        assert_eq!(subscription_identifier(&none).unwrap_err().to_fault().kind, crate::FaultKind::InvalidMessage);
        assert!(!is_ack_requested(&none));
        assert!(ack_requested_header().is(ns::WSMAN, "AckRequested"));
    }
}
