//! Event subscriptions (WS-Eventing 2004/08 §3, DSP0226 §10): a sans-IO store
//! that validates Subscribe, queues published events per subscription, and
//! says what is due to be delivered, pulled, retried, heartbeated or ended.
//!
//! ```text
//!   Subscribe ──► Active ──Renew──────────────► Active (new expiry)
//!                   │  ├──publish──► queue ──take_due──► in flight ──delivered──► Active
//!                   │  │                 ▲                  │
//!                   │  │                 └──── failed ──────┘ (retry after backoff; Push gives up
//!                   │  │                                        after ConnectionRetry and counts DroppedEvents)
//!                   │  └──pull (Pull mode) ──► Items | Heartbeat | Empty{wait}
//!                   ├──Unsubscribe──────────► removed (no SubscriptionEnd, WS-Eventing §3.4)
//!                   └──expiry (expire(now))─► removed, Ended (SubscriptionEnd to EndTo if any)
//! ```
//!
//! The store never reads the clock: every call takes `now` (and Subscribe and
//! Renew the wall time, for an absolute `wse:Expires`). The server owns I/O
//! and waiting: it calls [`SubscriptionStore::take_due`] and sends what is
//! due, reports [`delivered`](SubscriptionStore::delivered) or
//! [`failed`](SubscriptionStore::failed), wakes at
//! [`next_wakeup`](SubscriptionStore::next_wakeup) to retry, heartbeat and
//! [`expire`](SubscriptionStore::expire), and waits for a later
//! [`generation`](SubscriptionStore::generation) when a Pull finds nothing.
//!
//! # Choices (where the specifications leave room)
//!
//! - **Expires.** Absent: [`EventingLimits::default_expiry`]. Zero, negative,
//!   unparseable or not after the wall time: `wse:InvalidExpirationTime`. On
//!   Subscribe, longer than [`EventingLimits::max_expiry`] is *clamped* and
//!   the granted value is answered (WS-Eventing §3.1 lets the source grant
//!   another expiration); on Renew it is `wse:UnableToRenew`, the fault the
//!   corpus expects for `P9999Y`. What Windows does is not known here (`[M]` in PROTOCOL.md terms).
//! - **Heartbeats** of zero: `wsman:InvalidParameter` (detail `Heartbeats`);
//!   text that is not a duration is refused when decoded, with the same fault.
//! - **Unknown subscription** (never issued, expired, unsubscribed or another
//!   user's) on Renew, GetStatus and Unsubscribe: `wse:InvalidMessage`; a Pull
//!   on an unknown context: `wsen:InvalidEnumerationContext`, as enumerations.
//! - **A push mode without NotifyTo**: `wse:InvalidMessage` (the address
//!   itself is the server's policy).
//! - **Bookmarks** are the text `harness-bookmark-<sequence number>`. One
//!   resumes after that event when every later event is still retained; one
//!   never issued, or older than the retained log, is `wsman:InvalidBookmark`.
//!   `earliest` replays the whole retained log (through the subscription's filter).
//! - **Queue overflow** drops the new event and counts it in a DroppedEvents
//!   notice placed where the gap is, so it is delivered before the events
//!   that follow (its Action is that of the first event of the run dropped).
//! - **Delivery.** One delivery in flight per subscription, so order holds.
//!   Push and PushWithAck carry one item per message, Events up to MaxElements
//!   (held back up to MaxTime while the batch is not full). PushWithAck and
//!   Events are retried until acknowledged, with a backoff doubling from the
//!   ConnectionRetry interval up to [`EventingLimits::max_backoff`]; Push gives
//!   a delivery up after `1 + ConnectionRetry/@Total` attempts and counts its
//!   events as dropped. A failed heartbeat is not retried.
//! - **Expiry** ends a subscription with status SourceCancelling; the server
//!   sends SubscriptionEnd to those with EndTo. [`shutdown`](SubscriptionStore::shutdown)
//!   ends them all with SourceShuttingDown.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use crate::action::Action;
use crate::duration::XsDuration;
use crate::fault::{Fault, FaultDetail, FaultKind};
use crate::message::eventing::{
    ack_requested_header, subscription_manager, Bookmark, DeliveryMode, DroppedEvents, EndStatus, EventExpires, EventItem, Events, ExpiresValue, Subscribe,
    SubscribeResponse, SubscriptionEnd,
};
use crate::message::{EndpointReference, Message};
use crate::xml::Element;

/// Whether an event goes to a subscription: the subscription's filter,
/// compiled by the server from `wsman:Filter` (WQL ...). Any `Fn(&E) -> bool`
/// is one.
pub trait EventFilter<E> {
    /// True when the subscription wants `event`.
    fn matches(&self, event: &E) -> bool;
}

impl<E, T: Fn(&E) -> bool> EventFilter<E> for T {
    fn matches(&self, event: &E) -> bool {
        self(event)
    }
}

/// The store's bounds and defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventingLimits {
    /// The expiry of a Subscribe or Renew without `wse:Expires`.
    pub default_expiry: Duration,
    /// The longest expiry granted (Subscribe clamps, Renew refuses).
    pub max_expiry: Duration,
    /// Live subscriptions per user (`wsman:QuotaLimit` beyond).
    pub quota: usize,
    /// Events queued per subscription before new ones are dropped and counted.
    pub queue_limit: usize,
    /// Events kept for bookmark replay.
    pub retained: usize,
    /// The largest Events-mode batch (MaxElements is capped at it; also its default).
    pub max_batch: usize,
    /// The retry interval when Subscribe has no `wsman:ConnectionRetry`.
    pub retry_interval: Duration,
    /// Push retries after the first attempt when Subscribe has no `wsman:ConnectionRetry`.
    pub retry_total: u32,
    /// The longest wait between two attempts of a delivery.
    pub max_backoff: Duration,
}

impl Default for EventingLimits {
    fn default() -> Self {
        EventingLimits {
            default_expiry: Duration::from_secs(600),
            max_expiry: Duration::from_secs(24 * 3600),
            quota: 16,
            queue_limit: 1024,
            retained: 1024,
            max_batch: 32,
            retry_interval: Duration::from_secs(1),
            retry_total: 3,
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// The identifiers of a new subscription, chosen by the caller (fresh UUIDs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionIds {
    /// The `wse:Identifier` of the subscription manager EPR.
    pub subscription: String,
    /// The `wsen:EnumerationContext` of a Pull subscription (unused otherwise).
    pub context: String,
}

/// A subscription granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribed {
    /// Its identifier.
    pub id: String,
    /// Its enumeration context, Pull mode only.
    pub context: Option<String>,
    /// The expiry granted (answer it as `wse:Expires`).
    pub expires: Duration,
    /// When it expires.
    pub expires_at: Instant,
    /// Events replayed from the bookmark into its queue.
    pub replayed: usize,
}

impl Subscribed {
    /// The SubscribeResponse: the manager EPR at `manager_address` with this
    /// identifier, the granted expiry as a duration, and the Pull context.
    pub fn to_response(&self, manager_address: &str) -> SubscribeResponse {
        SubscribeResponse {
            subscription_manager: subscription_manager(manager_address, &self.id),
            expires: Some(EventExpires::duration(XsDuration::from_millis(u64::try_from(self.expires.as_millis()).unwrap_or(u64::MAX)))),
            enumeration_context: self.context.clone(),
        }
    }
}

/// An event as queued: its place in the source's sequence and its bookmark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedEvent<E> {
    /// The store-wide sequence number (increasing with each publish).
    pub seq: u64,
    /// The bookmark of this event (resume after it).
    pub bookmark: String,
    /// The event's Action URI.
    pub action: String,
    /// The payload.
    pub event: E,
}

/// One thing a delivery or pull carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryItem<E> {
    /// An event.
    Event(QueuedEvent<E>),
    /// A DroppedEvents notice: `count` events (the first of them with `action`) were lost here.
    Dropped {
        /// The Action of the first event dropped.
        action: String,
        /// How many.
        count: u64,
    },
    /// A heartbeat (nothing was sent for the Heartbeats interval).
    Heartbeat,
}

/// A push delivery that is due: the server sends it to `notify_to` and
/// reports the outcome with (`subscription`, `seq`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery<E> {
    /// The subscription.
    pub subscription: String,
    /// This delivery's number within the subscription (retries keep it).
    pub seq: u64,
    /// The mode: Push and PushWithAck send each item as its own message, Events one `wsman:Events`.
    pub mode: DeliveryMode,
    /// Where to send.
    pub notify_to: EndpointReference,
    /// What to send, in order.
    pub items: Vec<DeliveryItem<E>>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Send `wsman:AckRequested` and count only an Ack as delivered.
    pub needs_ack: bool,
    /// The `wsman:Bookmark` header to send (SendBookmarks): the last event's.
    pub bookmark: Option<String>,
}

/// One SOAP message of a push delivery, ready for the server's envelope:
/// `wsa:To` is the NotifyTo address, `wsa:Action` [`action`](Self::action),
/// and `headers` go after the addressing headers.
#[derive(Clone, Debug, PartialEq)]
pub struct EventMessage {
    /// The `wsa:Action`: the event's own Action (an event without one is
    /// published with [`Action::Event`]), or Events, DroppedEvents, Heartbeat.
    pub action: Action,
    /// The children of `s:Body`.
    pub body: Vec<Element>,
    /// The NotifyTo's reference properties and parameters, then
    /// `wsman:AckRequested` and `wsman:Bookmark` where they apply.
    pub headers: Vec<Element>,
}

impl<E> Delivery<E> {
    /// The messages to send, in order, with `render` turning a payload into
    /// its element: one per item in Push and PushWithAck, one `wsman:Events`
    /// in Events mode (a DroppedEvents notice inside it is a `wsman:Event`
    /// whose Action is DroppedEvents), a heartbeat on its own.
    pub fn messages(&self, render: impl Fn(&E) -> Element) -> Vec<EventMessage> {
        let headers = || {
            let mut h = self.notify_to.reference_headers();
            if self.needs_ack {
                h.push(ack_requested_header());
            }
            if let Some(b) = &self.bookmark {
                h.push(Bookmark::text(b.clone()).to_element());
            }
            h
        };
        let single = |item: &DeliveryItem<E>| match item {
            DeliveryItem::Event(e) => (Action::from_uri(&e.action), vec![render(&e.event)]),
            DeliveryItem::Dropped { action, count } => (Action::DroppedEvents, DroppedEvents { action: action.clone(), count: *count }.into_body()),
            DeliveryItem::Heartbeat => (Action::Heartbeat, Vec::new()),
        };
        let batchable = self.mode == DeliveryMode::Events && !matches!(self.items.as_slice(), [DeliveryItem::Heartbeat]);
        if batchable {
            let events = self
                .items
                .iter()
                .filter_map(|i| match i {
                    DeliveryItem::Event(e) => Some(EventItem::new(e.action.clone(), render(&e.event))),
                    DeliveryItem::Dropped { action, count } => {
                        Some(EventItem::new(Action::DroppedEvents.uri(), DroppedEvents { action: action.clone(), count: *count }.to_element()))
                    }
                    DeliveryItem::Heartbeat => None,
                })
                .collect();
            return vec![EventMessage { action: Action::Events, body: Events { events }.into_body(), headers: headers() }];
        }
        self.items
            .iter()
            .map(|i| {
                let (action, body) = single(i);
                EventMessage { action, body, headers: headers() }
            })
            .collect()
    }
}

/// The items of an event PullResponse: each event's payload as `render`
/// makes it (as enumeration items are the objects), a DroppedEvents notice
/// as its `wsman:DroppedEvents` element.
pub fn pull_items<E>(items: &[DeliveryItem<E>], render: impl Fn(&E) -> Element) -> Vec<Element> {
    items
        .iter()
        .filter_map(|i| match i {
            DeliveryItem::Event(e) => Some(render(&e.event)),
            DeliveryItem::Dropped { action, count } => Some(DroppedEvents { action: action.clone(), count: *count }.to_element()),
            DeliveryItem::Heartbeat => None,
        })
        .collect()
}

/// What [`SubscriptionStore::failed`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    /// The delivery is sent again (same items, attempt + 1) at `at`.
    Retry {
        /// When [`SubscriptionStore::take_due`] hands it out again.
        at: Instant,
    },
    /// The delivery was given up: `dropped` events were counted as dropped
    /// (0 for a heartbeat).
    Abandoned {
        /// Events turned into a DroppedEvents notice.
        dropped: u64,
    },
    /// No such delivery in flight (unknown subscription or stale number).
    Unknown,
}

/// The answer to a Pull on a subscription's context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullOutcome<E> {
    /// Events (and DroppedEvents notices), in order, at most MaxElements.
    Items {
        /// The batch.
        items: Vec<DeliveryItem<E>>,
        /// The last event's bookmark when the subscription asked for bookmarks.
        bookmark: Option<String>,
    },
    /// Nothing was sent for the Heartbeats interval: answer a heartbeat (the
    /// corpus' `scenario/heartbeats` accepts a reply whose Action is
    /// [`Action::Heartbeat`], or a `wsman:Heartbeat` element in the body).
    Heartbeat,
    /// Nothing to answer yet: wait until the store's generation moves past
    /// `generation`, the Pull's MaxTime/OperationTimeout, or `heartbeat_at`
    /// (then pull again).
    Empty {
        /// [`SubscriptionStore::generation`] when the pull ran.
        generation: u64,
        /// When a heartbeat becomes due, if the subscription has Heartbeats.
        heartbeat_at: Option<Instant>,
    },
}

impl Ended {
    /// The SubscriptionEnd to send to [`end_to`](Self::end_to).
    pub fn to_message(&self, manager_address: &str) -> SubscriptionEnd {
        SubscriptionEnd {
            subscription_manager: subscription_manager(manager_address, &self.id),
            status: self.status.clone(),
            reason: Some(self.reason.clone()),
        }
    }
}

/// A subscription that ended without Unsubscribe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    /// Its identifier.
    pub id: String,
    /// Its Pull context (a waiting Pull should be answered).
    pub context: Option<String>,
    /// Where SubscriptionEnd goes; `None`: none is sent.
    pub end_to: Option<EndpointReference>,
    /// `wse:Status`.
    pub status: EndStatus,
    /// `wse:Reason`.
    pub reason: String,
}

const BOOKMARK_PREFIX: &str = "harness-bookmark-";

fn bookmark_of(seq: u64) -> String {
    format!("{BOOKMARK_PREFIX}{seq}")
}

#[derive(Debug)]
struct InFlight<E> {
    seq: u64,
    items: Vec<DeliveryItem<E>>,
    attempt: u32,
    /// `Some` once it failed and waits for its retry.
    retry_at: Option<Instant>,
}

struct Subscription<E, F> {
    user: String,
    source: String,
    mode: DeliveryMode,
    notify_to: Option<EndpointReference>,
    end_to: Option<EndpointReference>,
    filter: F,
    expires_at: Instant,
    heartbeats: Option<Duration>,
    /// When something (event, notice, heartbeat) last went out or was pulled.
    last_sent: Instant,
    queue: VecDeque<DeliveryItem<E>>,
    /// Events (not notices) in `queue`, bounded by the queue limit.
    queued_events: usize,
    /// When the oldest item of `queue` arrived.
    pending_since: Option<Instant>,
    send_bookmarks: bool,
    batch: usize,
    max_time: Option<Duration>,
    retry_interval: Duration,
    retry_total: u32,
    context: Option<String>,
    in_flight: Option<InFlight<E>>,
    next_delivery: u64,
}

impl<E: Clone, F> Subscription<E, F> {
    fn enqueue(&mut self, ev: QueuedEvent<E>, limit: usize, now: Instant) {
        self.pending_since.get_or_insert(now);
        if self.queued_events >= limit {
            match self.queue.back_mut() {
                Some(DeliveryItem::Dropped { count, .. }) => *count += 1,
                _ => self.queue.push_back(DeliveryItem::Dropped { action: ev.action, count: 1 }),
            }
        } else {
            self.queued_events += 1;
            self.queue.push_back(DeliveryItem::Event(ev));
        }
    }

    fn take_batch(&mut self, max: usize) -> Vec<DeliveryItem<E>> {
        let n = max.max(1).min(self.queue.len());
        let items: Vec<_> = self.queue.drain(..n).collect();
        self.queued_events -= items.iter().filter(|i| matches!(i, DeliveryItem::Event(_))).count();
        if self.queue.is_empty() {
            self.pending_since = None;
        }
        items
    }

    fn last_bookmark(&self, items: &[DeliveryItem<E>]) -> Option<String> {
        if !self.send_bookmarks {
            return None;
        }
        items.iter().rev().find_map(|i| if let DeliveryItem::Event(e) = i { Some(e.bookmark.clone()) } else { None })
    }

    fn heartbeat_at(&self) -> Option<Instant> {
        self.heartbeats.map(|h| self.last_sent + h)
    }

    /// When take_due would hand out something new (not a retry), if ever:
    /// the queue as soon as it holds something (an Events batch that is not
    /// full waits up to MaxTime, but not past a heartbeat), else a heartbeat.
    fn push_due_at(&self) -> Option<Instant> {
        if self.in_flight.is_some() {
            return None;
        }
        match self.pending_since {
            Some(since) if self.mode == DeliveryMode::Events && self.queue.len() < self.batch => {
                let held = since + self.max_time.unwrap_or_default();
                Some(self.heartbeat_at().map_or(held, |h| h.min(held)))
            }
            Some(since) => Some(since),
            None => self.heartbeat_at(),
        }
    }
}

/// Every subscription of a server, and the retained event log.
///
/// `E` is an event payload (the server's rendered event element, say); `F`
/// each subscription's compiled filter.
pub struct SubscriptionStore<E, F> {
    subs: BTreeMap<String, Subscription<E, F>>,
    /// Pull context → subscription id.
    contexts: HashMap<String, String>,
    /// Retained events for bookmark replay: (source, event), oldest first.
    log: VecDeque<(String, QueuedEvent<E>)>,
    next_seq: u64,
    generation: u64,
    limits: EventingLimits,
}

impl<E, F> std::fmt::Debug for SubscriptionStore<E, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionStore")
            .field("subscriptions", &self.subs.len())
            .field("retained", &self.log.len())
            .field("next_seq", &self.next_seq)
            .field("generation", &self.generation)
            .field("limits", &self.limits)
            .finish()
    }
}

fn no_subscription(id: &str) -> Fault {
    Fault::new(FaultKind::InvalidMessage, format!("the subscription {id} does not exist: it expired, was unsubscribed, or was never issued"))
}

fn invalid_expiration(reason: String) -> Fault {
    Fault::new(FaultKind::InvalidExpirationTime, reason).with_detail(FaultDetail::ExpirationTime)
}

impl<E: Clone, F: EventFilter<E>> SubscriptionStore<E, F> {
    /// An empty store.
    pub fn new(limits: EventingLimits) -> Self {
        SubscriptionStore { subs: BTreeMap::new(), contexts: HashMap::new(), log: VecDeque::new(), next_seq: 1, generation: 0, limits }
    }

    /// The limits in force.
    pub fn limits(&self) -> &EventingLimits {
        &self.limits
    }

    /// Subscriptions held (expired ones included until [`expire`](Self::expire)).
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// True when no subscription is held.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// True when `context` is the enumeration context of a Pull subscription
    /// held here (expired or not).
    pub fn has_context(&self, context: &str) -> bool {
        self.contexts.contains_key(context)
    }

    /// Moves with every publish; a Pull that found nothing waits for it to change.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn live(&self, id: &str, user: &str, now: Instant) -> Option<&Subscription<E, F>> {
        self.subs.get(id).filter(|s| s.user == user && now < s.expires_at)
    }

    fn live_mut(&mut self, id: &str, user: &str, now: Instant) -> Option<&mut Subscription<E, F>> {
        self.subs.get_mut(id).filter(|s| s.user == user && now < s.expires_at)
    }

    /// The expiry a `wse:Expires` asks for, checked (zero, negative, past,
    /// unparseable: InvalidExpirationTime). Absent: the default.
    fn requested_expiry(&self, expires: Option<&EventExpires>, wall: SystemTime) -> Result<Duration, Fault> {
        let Some(e) = expires else { return Ok(self.limits.default_expiry) };
        let d = match e.value {
            ExpiresValue::Duration(d) => d.to_std(),
            ExpiresValue::DateTime(t) => t.duration_since(wall).unwrap_or_default(),
            ExpiresValue::Invalid => return Err(invalid_expiration(format!("wse:Expires {:?} is neither an xs:duration nor an xs:dateTime", e.raw))),
        };
        if d.is_zero() {
            return Err(invalid_expiration(format!("wse:Expires {:?} is not in the future", e.raw)));
        }
        Ok(d)
    }

    /// Validates a Subscribe and opens the subscription (see the module's
    /// choices for each fault). `source` is the event source (the request's
    /// ResourceURI), `filter` the server's compiled form of `req.filter`
    /// (refusing a dialect is the server's: FilteringNotSupported).
    #[allow(clippy::too_many_arguments)]
    pub fn subscribe(
        &mut self,
        ids: SubscriptionIds,
        user: &str,
        source: &str,
        req: &Subscribe,
        filter: F,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Subscribed, Fault> {
        let d = &req.delivery;
        if let DeliveryMode::Unknown(m) = &d.mode {
            return Err(Fault::new(FaultKind::DeliveryModeRequestedUnavailable, format!("the delivery mode {m} is not supported")));
        }
        if d.mode.is_push() && d.notify_to.is_none() {
            return Err(Fault::new(FaultKind::InvalidMessage, format!("the delivery mode {} needs wse:NotifyTo", d.mode.uri())));
        }
        let expires = self.requested_expiry(req.expires.as_ref(), wall)?.min(self.limits.max_expiry);
        if d.heartbeats.is_some_and(|h| h.as_millis() == 0) {
            return Err(Fault::new(FaultKind::InvalidParameter, "wsman:Heartbeats must be longer than zero").with_detail(FaultDetail::Heartbeats));
        }
        let replay: Vec<QueuedEvent<E>> = match &req.bookmark {
            None => Vec::new(),
            Some(b) => {
                let after = match b {
                    Bookmark::Earliest => 0,
                    b => self.resume_point(b)?,
                };
                self.log.iter().filter(|(src, e)| e.seq > after && src == source && filter.matches(&e.event)).map(|(_, e)| e.clone()).collect()
            }
        };
        if self.subs.values().filter(|s| s.user == user && now < s.expires_at).count() >= self.limits.quota {
            return Err(Fault::new(FaultKind::QuotaLimit, format!("user {user} already holds {} subscriptions", self.limits.quota)));
        }
        if self.subs.contains_key(&ids.subscription) || (d.mode == DeliveryMode::Pull && self.contexts.contains_key(&ids.context)) {
            return Err(Fault::new(FaultKind::AlreadyExists, format!("the subscription {} already exists", ids.subscription)));
        }
        let context = (d.mode == DeliveryMode::Pull).then(|| ids.context.clone());
        let retry = d.connection_retry;
        let mut sub = Subscription {
            user: user.to_owned(),
            source: source.to_owned(),
            mode: d.mode.clone(),
            notify_to: d.notify_to.clone(),
            end_to: req.end_to.clone(),
            filter,
            expires_at: now + expires,
            heartbeats: d.heartbeats.map(|h| h.to_std()),
            last_sent: now,
            queue: VecDeque::new(),
            queued_events: 0,
            pending_since: None,
            send_bookmarks: req.send_bookmarks,
            batch: match d.mode {
                DeliveryMode::Events => {
                    d.max_elements.map_or(self.limits.max_batch, |n| usize::try_from(n.get()).unwrap_or(usize::MAX).min(self.limits.max_batch))
                }
                _ => 1,
            },
            max_time: d.max_time.map(|t| t.to_std()),
            retry_interval: retry.map_or(self.limits.retry_interval, |r| r.interval.to_std()),
            retry_total: retry.map_or(self.limits.retry_total, |r| r.total),
            context: context.clone(),
            in_flight: None,
            next_delivery: 1,
        };
        let replayed = replay.len();
        for e in replay {
            sub.enqueue(e, self.limits.queue_limit, now);
        }
        if let Some(c) = &context {
            self.contexts.insert(c.clone(), ids.subscription.clone());
        }
        self.subs.insert(ids.subscription.clone(), sub);
        Ok(Subscribed { id: ids.subscription, context, expires, expires_at: now + expires, replayed })
    }

    /// The sequence number a bookmark resumes after, if it can be honoured.
    fn resume_point(&self, b: &Bookmark) -> Result<u64, Fault> {
        let refuse = || Fault::new(FaultKind::InvalidBookmark, "the bookmark was not issued by this service or its events are no longer retained");
        let seq: u64 = b.as_text().and_then(|t| t.strip_prefix(BOOKMARK_PREFIX)).and_then(|n| n.parse().ok()).ok_or_else(refuse)?;
        let oldest = self.log.front().map_or(self.next_seq, |(_, e)| e.seq);
        if seq >= self.next_seq || seq + 1 < oldest {
            return Err(refuse());
        }
        Ok(seq)
    }

    /// Publishes an event of `source` with its Action: it is retained for
    /// bookmarks and queued on every live subscription of that source whose
    /// filter matches. Returns the event's sequence number.
    pub fn publish(&mut self, source: &str, action: &str, event: E, now: Instant) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.generation += 1;
        let ev = QueuedEvent { seq, bookmark: bookmark_of(seq), action: action.to_owned(), event };
        let limit = self.limits.queue_limit;
        for sub in self.subs.values_mut().filter(|s| s.source == source && now < s.expires_at) {
            if sub.filter.matches(&ev.event) {
                sub.enqueue(ev.clone(), limit, now);
            }
        }
        if self.limits.retained > 0 {
            if self.log.len() >= self.limits.retained {
                self.log.pop_front();
            }
            self.log.push_back((source.to_owned(), ev));
        }
        seq
    }

    /// A Pull on a subscription's enumeration context (DSP0226 §10.2.9).
    /// Unknown, expired, another user's or not a Pull subscription:
    /// `wsen:InvalidEnumerationContext`.
    pub fn pull(&mut self, context: &str, user: &str, max_elements: usize, now: Instant) -> Result<PullOutcome<E>, Fault> {
        let generation = self.generation;
        let invalid = || {
            Fault::new(
                FaultKind::InvalidEnumerationContext,
                format!("the enumeration context {context} is not valid: it expired, was unsubscribed, or was never issued"),
            )
        };
        let id = self.contexts.get(context).cloned().ok_or_else(invalid)?;
        let sub = self.live_mut(&id, user, now).ok_or_else(invalid)?;
        if !sub.queue.is_empty() {
            let items = sub.take_batch(max_elements);
            sub.last_sent = now;
            let bookmark = sub.last_bookmark(&items);
            return Ok(PullOutcome::Items { items, bookmark });
        }
        match sub.heartbeat_at() {
            Some(at) if at <= now => {
                sub.last_sent = now;
                Ok(PullOutcome::Heartbeat)
            }
            heartbeat_at => Ok(PullOutcome::Empty { generation, heartbeat_at }),
        }
    }

    /// The push deliveries due at `now`: retries whose backoff has passed,
    /// then new batches and heartbeats, at most one in flight per subscription.
    pub fn take_due(&mut self, now: Instant) -> Vec<Delivery<E>> {
        let mut out = Vec::new();
        for (id, sub) in self.subs.iter_mut().filter(|(_, s)| s.mode.is_push() && now < s.expires_at) {
            let Some(notify_to) = sub.notify_to.clone() else { continue };
            if let Some(f) = sub.in_flight.as_mut() {
                if f.retry_at.is_some_and(|t| t <= now) {
                    f.retry_at = None;
                    f.attempt += 1;
                    let (seq, items, attempt) = (f.seq, f.items.clone(), f.attempt);
                    let bookmark = sub.last_bookmark(&items);
                    out.push(Delivery {
                        subscription: id.clone(),
                        seq,
                        mode: sub.mode.clone(),
                        notify_to,
                        needs_ack: sub.mode.needs_ack(),
                        items,
                        attempt,
                        bookmark,
                    });
                }
                continue;
            }
            let items = match sub.push_due_at() {
                Some(at) if at <= now && !sub.queue.is_empty() => sub.take_batch(sub.batch),
                Some(at) if at <= now => vec![DeliveryItem::Heartbeat],
                _ => continue,
            };
            let seq = sub.next_delivery;
            sub.next_delivery += 1;
            let bookmark = sub.last_bookmark(&items);
            sub.in_flight = Some(InFlight { seq, items: items.clone(), attempt: 1, retry_at: None });
            out.push(Delivery {
                subscription: id.clone(),
                seq,
                mode: sub.mode.clone(),
                notify_to,
                needs_ack: sub.mode.needs_ack(),
                items,
                attempt: 1,
                bookmark,
            });
        }
        out
    }

    /// The delivery (`id`, `seq`) went through (Push: the sink accepted the
    /// message; PushWithAck and Events: the Ack arrived). False when no such
    /// delivery is in flight.
    pub fn delivered(&mut self, id: &str, seq: u64, now: Instant) -> bool {
        match self.subs.get_mut(id) {
            Some(sub) if sub.in_flight.as_ref().is_some_and(|f| f.seq == seq) => {
                sub.in_flight = None;
                sub.last_sent = now;
                true
            }
            _ => false,
        }
    }

    /// The delivery (`id`, `seq`) failed (no connection, an error status, no
    /// Ack in time): it is retried after a backoff, or given up (see the
    /// module's choices).
    pub fn failed(&mut self, id: &str, seq: u64, now: Instant) -> FailureOutcome {
        let max_backoff = self.limits.max_backoff;
        let Some(sub) = self.subs.get_mut(id) else { return FailureOutcome::Unknown };
        let Some(f) = sub.in_flight.as_mut().filter(|f| f.seq == seq && f.retry_at.is_none()) else { return FailureOutcome::Unknown };
        let heartbeat = matches!(f.items.as_slice(), [DeliveryItem::Heartbeat]);
        let give_up = heartbeat || (sub.mode == DeliveryMode::Push && f.attempt > sub.retry_total);
        if !give_up {
            let factor = 1u32 << (f.attempt - 1).min(16);
            let at = now + sub.retry_interval.saturating_mul(factor).min(max_backoff);
            f.retry_at = Some(at);
            return FailureOutcome::Retry { at };
        }
        let items = sub.in_flight.take().map(|f| f.items).unwrap_or_default();
        if heartbeat {
            sub.last_sent = now;
            return FailureOutcome::Abandoned { dropped: 0 };
        }
        let mut first_action = None;
        let mut dropped = 0;
        for item in items {
            match item {
                DeliveryItem::Event(e) => {
                    first_action.get_or_insert(e.action);
                    dropped += 1;
                }
                DeliveryItem::Dropped { action, count } => {
                    first_action.get_or_insert(action);
                    dropped += count;
                }
                DeliveryItem::Heartbeat => {}
            }
        }
        if dropped > 0 {
            match sub.queue.front_mut() {
                Some(DeliveryItem::Dropped { count, .. }) => *count += dropped,
                _ => sub.queue.push_front(DeliveryItem::Dropped { action: first_action.unwrap_or_default(), count: dropped }),
            }
            sub.pending_since.get_or_insert(now);
        }
        FailureOutcome::Abandoned { dropped }
    }

    /// Renew (WS-Eventing §3.2): a new expiry from `now`. Returns the expiry granted.
    pub fn renew(&mut self, id: &str, user: &str, expires: Option<&EventExpires>, now: Instant, wall: SystemTime) -> Result<Duration, Fault> {
        if self.live(id, user, now).is_none() {
            return Err(no_subscription(id));
        }
        let d = self.requested_expiry(expires, wall)?;
        if d > self.limits.max_expiry {
            return Err(Fault::new(
                FaultKind::UnableToRenew,
                format!("the subscription cannot be renewed for longer than {} s", self.limits.max_expiry.as_secs()),
            ));
        }
        if let Some(sub) = self.live_mut(id, user, now) {
            sub.expires_at = now + d;
        }
        Ok(d)
    }

    /// GetStatus (WS-Eventing §3.3): the time left.
    pub fn get_status(&self, id: &str, user: &str, now: Instant) -> Result<Duration, Fault> {
        self.live(id, user, now).map(|s| s.expires_at - now).ok_or_else(|| no_subscription(id))
    }

    /// Unsubscribe (WS-Eventing §3.4): removes the subscription and what it queued.
    pub fn unsubscribe(&mut self, id: &str, user: &str, now: Instant) -> Result<(), Fault> {
        if self.live(id, user, now).is_none() {
            return Err(no_subscription(id));
        }
        if let Some(ctx) = self.subs.remove(id).and_then(|s| s.context) {
            self.contexts.remove(&ctx);
        }
        Ok(())
    }

    fn end_where(&mut self, pred: impl Fn(&Subscription<E, F>) -> bool, status: EndStatus, reason: &str) -> Vec<Ended> {
        let ids: Vec<String> = self.subs.iter().filter(|(_, s)| pred(s)).map(|(id, _)| id.clone()).collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.subs.remove(&id) {
                if let Some(c) = &s.context {
                    self.contexts.remove(c);
                }
                out.push(Ended { id, context: s.context, end_to: s.end_to, status: status.clone(), reason: reason.to_owned() });
            }
        }
        out
    }

    /// Removes the subscriptions expired at `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<Ended> {
        self.end_where(|s| now >= s.expires_at, EndStatus::SourceCancelling, "the subscription expired")
    }

    /// Ends every subscription (the event source is going away).
    pub fn shutdown(&mut self) -> Vec<Ended> {
        self.end_where(|_| true, EndStatus::SourceShuttingDown, "the event source is shutting down")
    }

    /// The earliest instant something is due: an expiry, a retry, a push
    /// batch or heartbeat. (Pull heartbeats are answered by the waiting Pull,
    /// see [`PullOutcome::Empty`].)
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.subs
            .values()
            .flat_map(|s| {
                let push = s.mode.is_push();
                let retry = s.in_flight.as_ref().and_then(|f| f.retry_at);
                [Some(s.expires_at), retry.filter(|_| push), s.push_due_at().filter(|_| push)]
            })
            .flatten()
            .min()
    }
}

#[cfg(test)]
mod tests;
