//! WS-Eventing (DSP0226 §10, WS-Eventing 2004/08): Subscribe, Renew,
//! GetStatus, Unsubscribe, and the Pull of a Pull-mode subscription, over the
//! sans-IO [`SubscriptionStore`] of wsman-proto. Deliveries to push
//! subscribers are the server's [`crate::eventing`] task.
//!
//! ```text
//!  Subscribe(ResourceURI = an event source, Delivery Mode, Filter, Expires, Heartbeats, Bookmark)
//!     Pull mode ─► SubscribeResponse{SubscriptionManager(wse:Identifier), Expires, EnumerationContext}
//!     Push, PushWithAck, Events ─► the same without a context; NotifyTo must be a loopback
//!                                   address something listens on (else wsman:EventDeliverToUnusable)
//!  Renew / GetStatus / Unsubscribe (wse:Identifier header) ─► Expires / Expires / empty
//!  Pull(EnumerationContext of a subscription)
//!     events queued ─► PullResponse{context, Items: the events}
//!     Heartbeats due ─► PullResponse{context} with the Action Heartbeat
//!     nothing ─► waits for an event, a heartbeat, MaxTime (wsen:TimedOut) or OperationTimeout (w:TimedOut)
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::message::eventing::{self as wse, subscription_identifier, DeliveryMode, GetStatusResponse, RenewResponse, Subscribe, UnsubscribeResponse};
use wsman_proto::message::{Message, PullResponse};
use wsman_proto::state::eventing::{pull_items, EventFilter, PullOutcome, SubscriptionIds, SubscriptionStore};
use wsman_proto::{ns, Action, XsDuration};

use super::{Ctx, Reply};
use crate::defects::Defect;
use crate::events::{EventQuery, SourceEvent};

/// The subscriptions of the server: events are shared, filters compiled per subscription.
pub(crate) type Store = SubscriptionStore<Arc<SourceEvent>, EventQuery>;

impl EventFilter<Arc<SourceEvent>> for EventQuery {
    fn matches(&self, event: &Arc<SourceEvent>) -> bool {
        EventQuery::matches(self, event)
    }
}

/// The resources a Subscribe may name: the Windows event logs and the BMC's indications.
fn is_event_source(uri: &str) -> bool {
    uri == ns::EVENTLOG_RESOURCE || uri == crate::events::bmc::indication_uri()
}

/// How long Subscribe waits to learn whether something listens at NotifyTo.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A parsed eventing request.
pub(crate) enum EventingOp {
    Subscribe(Box<SubscribeOp>),
    Renew { id: String, renew: wse::Renew },
    GetStatus { id: String },
    Unsubscribe { id: String },
}

pub(crate) struct SubscribeOp {
    source: String,
    request: Subscribe,
    filter: EventQuery,
    manager: String,
}

fn expires(d: Duration) -> Option<wse::EventExpires> {
    Some(wse::EventExpires::duration(XsDuration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))))
}

/// The loopback policy of push addresses: `http(s)://` to 127.0.0.0/8, `::1`
/// or `localhost`. Returns the host:port to probe.
fn loopback_authority(address: &str) -> Result<String, Fault> {
    let unusable = |why: String| Fault::new(FaultKind::EventDeliverToUnusable, why).with_detail(FaultDetail::UnusableAddress);
    let uri: hyper::Uri = address.trim().parse().map_err(|_| unusable(format!("the delivery address {address:?} is not a URL")))?;
    let scheme = uri.scheme_str().unwrap_or_default();
    if scheme != "http" && scheme != "https" {
        return Err(unusable(format!("the delivery address {address} is not http or https")));
    }
    let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(unusable(format!("the reference server delivers events only to loopback addresses, not to {address}")));
    }
    let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    Ok(format!("{host}:{port}"))
}

/// Refuses a push address nobody listens on, as the corpus case
/// `subscribe/unusable-notify-to` expects.
async fn probe(address: &str) -> Result<(), Fault> {
    let authority = loopback_authority(address)?;
    match tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(&authority)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            Err(Fault::new(FaultKind::EventDeliverToUnusable, format!("nothing accepts connections at {address}: {e}"))
                .with_detail(FaultDetail::UnusableAddress))
        }
        Err(_) => Err(Fault::new(FaultKind::EventDeliverToUnusable, format!("{address} did not accept a connection within {PROBE_TIMEOUT:?}"))
            .with_detail(FaultDetail::UnusableAddress)),
    }
}

fn filter_fault(e: crate::events::FilterError) -> Fault {
    if e.is_dialect() {
        Fault::new(FaultKind::FilteringRequestedUnavailable, e.to_string())
    } else {
        Fault::new(FaultKind::CannotProcessFilter, e.to_string())
    }
}

impl EventingOp {
    /// Parses an eventing request; `None` when `action` is not one.
    pub(crate) fn parse(action: &Action, env: &Envelope) -> Result<Option<EventingOp>, Fault> {
        let id = || subscription_identifier(&env.header).map_err(Fault::from);
        Ok(Some(match action {
            Action::Subscribe => {
                let source = env.header.resource_uri.clone().unwrap_or_default();
                if !is_event_source(&source) {
                    return Err(Fault::new(FaultKind::DestinationUnreachable, format!("{source} is not an event source of this host"))
                        .with_detail(FaultDetail::InvalidResourceURI));
                }
                let request = Subscribe::decode(&env.body)?;
                let filter = match &request.filter {
                    None => EventQuery::All,
                    Some(f) if f.wse => {
                        return Err(Fault::new(
                            FaultKind::EventingFilteringNotSupported,
                            "wse:Filter is not supported: filter events with wsman:Filter (WQL or the Windows event query dialect)",
                        ))
                    }
                    Some(f) => EventQuery::parse(f.dialect.as_deref(), &f.content).map_err(filter_fault)?,
                };
                let manager = env.header.to.clone().unwrap_or_else(|| ns::WSA_ANONYMOUS.to_owned());
                EventingOp::Subscribe(Box::new(SubscribeOp { source, request, filter, manager }))
            }
            Action::SubscriptionRenew => EventingOp::Renew { id: id()?, renew: wse::Renew::decode(&env.body)? },
            Action::SubscriptionGetStatus => {
                wse::GetStatus::decode(&env.body)?;
                EventingOp::GetStatus { id: id()? }
            }
            Action::Unsubscribe => {
                wse::Unsubscribe::decode(&env.body)?;
                EventingOp::Unsubscribe { id: id()? }
            }
            _ => return Ok(None),
        }))
    }

    pub(crate) async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let state = ctx.state;
        match self {
            EventingOp::Subscribe(op) => {
                let SubscribeOp { source, mut request, filter, manager } = *op;
                if state.defects.has(Defect::AcceptInvalidExpires) && request.expires.as_ref().is_some_and(|e| e.value == wse::ExpiresValue::Invalid) {
                    // The defect: an Expires that is neither a duration nor a dateTime is taken as absent.
                    request.expires = None;
                }
                if request.delivery.mode.is_push() {
                    if let Some(to) = &request.delivery.notify_to {
                        probe(&to.address).await?;
                    }
                }
                if let Some(end_to) = &request.end_to {
                    loopback_authority(&end_to.address)?;
                }
                let ids = SubscriptionIds {
                    subscription: format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase()),
                    context: format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase()),
                };
                let subscribed = state.lock_subscriptions().subscribe(ids, ctx.user, &source, &request, filter, Instant::now(), ctx.wall)?;
                tracing::debug!(id = %subscribed.id, mode = %request.delivery.mode.uri(), %source, "subscribed");
                state.eventing_changed.notify_waiters();
                let mut response = subscribed.to_response(&manager);
                if state.defects.has(Defect::SubscribeNoContext) && request.delivery.mode == DeliveryMode::Pull {
                    response.enumeration_context = None;
                }
                Ok(Reply::of(response))
            }
            EventingOp::Renew { id, renew } => {
                let granted = state.lock_subscriptions().renew(&id, ctx.user, renew.expires.as_ref(), Instant::now(), ctx.wall)?;
                state.eventing_changed.notify_waiters();
                Ok(Reply::of(RenewResponse { expires: expires(granted) }))
            }
            EventingOp::GetStatus { id } => {
                let left = state.lock_subscriptions().get_status(&id, ctx.user, Instant::now())?;
                Ok(Reply::of(GetStatusResponse { expires: expires(left) }))
            }
            EventingOp::Unsubscribe { id } => {
                if !state.defects.has(Defect::UnsubscribeIgnored) {
                    state.lock_subscriptions().unsubscribe(&id, ctx.user, Instant::now())?;
                } else {
                    state.lock_subscriptions().get_status(&id, ctx.user, Instant::now())?;
                }
                state.eventing_changed.notify_waiters();
                Ok(Reply::of(UnsubscribeResponse))
            }
        }
    }
}

/// True when `context` is a Pull subscription's (its Pulls come here, not to the enumeration store).
pub(crate) fn is_subscription_context(state: &crate::State, context: &str) -> bool {
    state.lock_subscriptions().has_context(context)
}

/// The Pull of a Pull-mode subscription: answers queued events at once, a
/// heartbeat when one is due, else waits for either until MaxTime
/// (`wsen:TimedOut`) or the OperationTimeout (`w:TimedOut`) passes.
pub(crate) async fn pull(ctx: &Ctx<'_>, context: &str, max_elements: usize, max_time: Option<Duration>) -> Result<Reply, Fault> {
    let state = ctx.state;
    let max_time_at = max_time.map(|t| ctx.now + t).filter(|t| *t < ctx.deadline);
    let mut shutdown = state.shutdown.clone();
    loop {
        let notified = state.eventing_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = Instant::now();
        let outcome = state.lock_subscriptions().pull(context, ctx.user, max_elements, now)?;
        match outcome {
            PullOutcome::Items { items, bookmark } => {
                let body = pull_items(&items, |e| e.payload.clone());
                let mut reply = Reply::of(PullResponse { context: Some(context.to_owned()), items: body, end_of_sequence: false });
                if let Some(b) = bookmark {
                    reply.headers.push(wse::Bookmark::text(b).to_element());
                }
                return Ok(reply);
            }
            PullOutcome::Heartbeat => {
                // DSP0226 §10.2.5: a pulled heartbeat is a PullResponse without
                // items whose wsa:Action is Heartbeat.
                let mut reply = Reply::of(PullResponse { context: Some(context.to_owned()), items: Vec::new(), end_of_sequence: false });
                reply.action = Action::Heartbeat.uri();
                return Ok(reply);
            }
            PullOutcome::Empty { heartbeat_at, .. } => {
                if max_time_at.is_some_and(|t| now >= t) {
                    return Err(Fault::new(FaultKind::EnumerationTimedOut, "no event arrived within the Pull's MaxTime"));
                }
                if now >= ctx.deadline {
                    return Err(Fault::new(
                        FaultKind::TimedOut,
                        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
                    ));
                }
                let until = [Some(ctx.deadline), max_time_at, heartbeat_at].into_iter().flatten().min().unwrap_or(ctx.deadline);
                tokio::select! {
                    _ = notified => {}
                    _ = tokio::time::sleep_until(until.into()) => {}
                    _ = crate::stopped(&mut shutdown) => {
                        return Err(Fault::new(FaultKind::EndpointUnavailable, "the server is shutting down"));
                    }
                }
            }
        }
    }
}
