//! The eventing task: it feeds the host's events into the subscription
//! store, delivers what the store says is due to push subscribers (HTTP POST
//! through wsman-client, loopback only), reports each outcome back (so
//! PushWithAck retries until acknowledged), ends expired subscriptions, and
//! sends SubscriptionEnd where an EndTo asked for it.
//!
//! ```text
//!   EventHub ──recv──► store.publish ──► notify (waiting Pulls wake)
//!   loop: take_due(now) ─► one task per delivery ─► POST each message ─► delivered | failed (retry at backoff)
//!         expire(now)   ─► SubscriptionEnd to EndTo
//!         sleep until next_wakeup, an event, a store change, or shutdown (then SubscriptionEnd SourceShuttingDown)
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::broadcast::error::RecvError;
use wsman_client::{Endpoint, RawAuth, RawRequest, Session};
use wsman_proto::header::UnknownHeader;
use wsman_proto::message::Message;
use wsman_proto::state::eventing::{Delivery, EventMessage, FailureOutcome};
use wsman_proto::{ns, Action, Envelope, Header};

use crate::events::SourceEvent;
use crate::State;

/// How long one delivery POST may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long shutdown waits for SubscriptionEnd notices to go out.
const END_NOTICE_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs until the server shuts down.
pub(crate) async fn run(state: Arc<State>) {
    let mut events = state.events.subscribe();
    let mut shutdown = state.shutdown.clone();
    loop {
        let notified = state.eventing_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = Instant::now();
        let (due, ended, wakeup) = {
            let mut store = state.lock_subscriptions();
            let ended = store.expire(now);
            (store.take_due(now), ended, store.next_wakeup())
        };
        if !ended.is_empty() {
            state.eventing_changed.notify_waiters();
        }
        for e in ended {
            tracing::debug!(id = %e.id, "subscription expired");
            if let Some(to) = e.end_to.clone() {
                let msg = e.to_message(&to.address);
                tokio::spawn(send_end(state.clone(), to.address.clone(), msg));
            }
        }
        for d in due {
            tokio::spawn(deliver(state.clone(), d));
        }
        let until = wakeup.unwrap_or_else(|| now + Duration::from_secs(3600));
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(ev) => publish(&state, ev),
                Err(RecvError::Lagged(n)) => tracing::warn!("eventing fell {n} events behind the host's sources; they were not queued"),
                Err(RecvError::Closed) => {}
            },
            _ = notified => {}
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = crate::stopped(&mut shutdown) => break,
        }
    }
    let ended = state.lock_subscriptions().shutdown();
    state.eventing_changed.notify_waiters();
    let notices: Vec<_> =
        ended.into_iter().filter_map(|e| e.end_to.clone().map(|to| send_end(state.clone(), to.address.clone(), e.to_message(&to.address)))).collect();
    let _ = tokio::time::timeout(END_NOTICE_TIMEOUT, futures_join(notices)).await;
}

async fn futures_join<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    for f in futures {
        f.await;
    }
}

fn publish(state: &State, ev: SourceEvent) {
    let source = ev.resource_uri.clone();
    let action = ev.action.clone();
    state.lock_subscriptions().publish(&source, &action, Arc::new(ev), Instant::now());
    state.eventing_changed.notify_waiters();
}

fn session_for(address: &str) -> Option<Session> {
    Session::new(Endpoint::new(address).with_timeout(DELIVERY_TIMEOUT)).ok()
}

fn envelope(address: &str, action: Action, body: Vec<wsman_proto::xml::Element>, headers: Vec<wsman_proto::xml::Element>) -> (Envelope, String) {
    let message_id = format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase());
    let header = Header {
        to: Some(address.to_owned()),
        action: Some(action),
        message_id: Some(message_id.clone()),
        reply_to: Some(ns::WSA_ANONYMOUS.to_owned()),
        unknown: headers.into_iter().map(|element| UnknownHeader { element, must_understand: false }).collect(),
        ..Header::default()
    };
    (Envelope { header, body }, message_id)
}

/// POSTs one message; with `needs_ack`, only an Ack whose RelatesTo names it counts.
async fn post(session: &Session, address: &str, msg: EventMessage, needs_ack: bool) -> Result<(), String> {
    let (env, message_id) = envelope(address, msg.action, msg.body, msg.headers);
    let request = RawRequest {
        content_type: Some(wsman_client::session::SOAP_CONTENT_TYPE.to_owned()),
        auth: RawAuth::None,
        body: Bytes::from(env.encode()),
        ..RawRequest::default()
    };
    let response = session.raw(request).await.map_err(|e| e.to_string())?;
    if !(200..300).contains(&response.status) {
        return Err(format!("HTTP {}", response.status));
    }
    if !needs_ack {
        return Ok(());
    }
    let answer = Envelope::decode(&response.body, &wsman_proto::Limits::default()).map_err(|e| format!("the answer is no envelope: {e}"))?;
    let is_ack = answer.header.action.as_ref().is_some_and(|a| *a == Action::Ack);
    let relates = answer.header.relates_to.as_deref() == Some(message_id.as_str());
    if is_ack && relates {
        Ok(())
    } else {
        Err("the answer is not an Ack of this delivery".to_owned())
    }
}

async fn deliver(state: Arc<State>, d: Delivery<Arc<SourceEvent>>) {
    let address = d.notify_to.address.clone();
    let outcome = match session_for(&address) {
        None => Err(format!("{address} is not a usable URL")),
        Some(session) => {
            let mut result = Ok(());
            for msg in d.messages(|e| e.payload.clone()) {
                if let Err(e) = post(&session, &address, msg, d.needs_ack).await {
                    result = Err(e);
                    break;
                }
            }
            result
        }
    };
    let now = Instant::now();
    let mut store = state.lock_subscriptions();
    match outcome {
        Ok(()) => {
            store.delivered(&d.subscription, d.seq, now);
        }
        Err(why) => match store.failed(&d.subscription, d.seq, now) {
            FailureOutcome::Retry { at } => {
                tracing::debug!(subscription = %d.subscription, attempt = d.attempt, %why, retry_in_ms = at.saturating_duration_since(now).as_millis() as u64, "delivery failed")
            }
            FailureOutcome::Abandoned { dropped } => tracing::info!(subscription = %d.subscription, dropped, %why, "delivery given up"),
            FailureOutcome::Unknown => {}
        },
    }
    drop(store);
    state.eventing_changed.notify_waiters();
}

async fn send_end(_state: Arc<State>, address: String, msg: wsman_proto::message::eventing::SubscriptionEnd) {
    let Some(session) = session_for(&address) else { return };
    let action = msg.action().unwrap_or(Action::SubscriptionEnd);
    let m = EventMessage { action, body: msg.into_body(), headers: Vec::new() };
    if let Err(e) = post(&session, &address, m, false).await {
        tracing::debug!(%address, error = %e, "SubscriptionEnd not delivered");
    }
}
