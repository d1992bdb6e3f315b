use std::num::NonZeroU64;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;

use super::*;
use crate::duration::XsDuration;
use crate::message::eventing::{ConnectionRetry, Delivery as DeliveryOptions};
use crate::message::Message;
use crate::xml::Element;

type Filter = fn(&u32) -> bool;
type Store = SubscriptionStore<u32, Filter>;

const SRC: &str = "urn:example:source";

fn all(_: &u32) -> bool {
    true
}

fn even(e: &u32) -> bool {
    e.is_multiple_of(2)
}

fn ids(n: &str) -> SubscriptionIds {
    SubscriptionIds { subscription: format!("sub-{n}"), context: format!("ctx-{n}") }
}

fn wall() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn pull_req() -> Subscribe {
    Subscribe { delivery: DeliveryOptions::new(DeliveryMode::Pull), ..Subscribe::default() }
}

fn push_req(mode: DeliveryMode) -> Subscribe {
    let mut d = DeliveryOptions::new(mode);
    d.notify_to = Some(EndpointReference { address: "http://127.0.0.1:9/events".into(), ..EndpointReference::default() });
    Subscribe {
        delivery: d,
        end_to: Some(EndpointReference { address: "http://127.0.0.1:9/end".into(), ..EndpointReference::default() }),
        ..Subscribe::default()
    }
}

fn with_expires(mut s: Subscribe, text: &str) -> Subscribe {
    s.expires = Some(EventExpires::parse(text));
    s
}

fn store() -> Store {
    SubscriptionStore::new(EventingLimits::default())
}

fn kind(r: Result<Subscribed, Fault>) -> FaultKind {
    r.expect_err("refused").kind
}

fn events(items: &[DeliveryItem<u32>]) -> Vec<u32> {
    items.iter().filter_map(|i| if let DeliveryItem::Event(e) = i { Some(e.event) } else { None }).collect()
}

fn dropped(items: &[DeliveryItem<u32>]) -> u64 {
    items.iter().map(|i| if let DeliveryItem::Dropped { count, .. } = i { *count } else { 0 }).sum()
}

#[test]
fn subscribe_refuses_what_the_corpus_expects() {
    let t0 = Instant::now();
    let mut s = store();
    let sub = |s: &mut Store, n: &str, r: &Subscribe| s.subscribe(ids(n), "u", SRC, r, all as Filter, t0, wall());
    let mut unknown = push_req(DeliveryMode::Unknown("urn:example:mode".into()));
    assert_eq!(kind(sub(&mut s, "a", &unknown)), FaultKind::DeliveryModeRequestedUnavailable);
    unknown.delivery.mode = DeliveryMode::Push;
    unknown.delivery.notify_to = None;
    assert_eq!(kind(sub(&mut s, "a", &unknown)), FaultKind::InvalidMessage, "push without NotifyTo");
    for bad in ["-PT10S", "soon", "2000-01-01T00:00:00Z", "PT0S"] {
        let f = sub(&mut s, "a", &with_expires(pull_req(), bad)).expect_err(bad);
        assert_eq!((f.kind, f.detail), (FaultKind::InvalidExpirationTime, Some(FaultDetail::ExpirationTime)), "{bad}");
    }
    let mut hb = pull_req();
    hb.delivery.heartbeats = Some(XsDuration::from_millis(0));
    let f = sub(&mut s, "a", &hb).expect_err("zero heartbeats");
    assert_eq!((f.kind, f.detail), (FaultKind::InvalidParameter, Some(FaultDetail::Heartbeats)));
    let mut junk = pull_req();
    junk.bookmark = Some(Bookmark::Opaque(vec![crate::xml::Node::Element(Element::ns("urn:x", "Junk"))]));
    assert_eq!(kind(sub(&mut s, "a", &junk)), FaultKind::InvalidBookmark);
    junk.bookmark = Some(Bookmark::text(bookmark_of(1)));
    assert_eq!(kind(sub(&mut s, "a", &junk)), FaultKind::InvalidBookmark, "not issued yet");
    assert!(s.is_empty(), "nothing refused was stored");

    let ok = sub(&mut s, "a", &pull_req()).unwrap();
    assert_eq!((ok.expires, ok.context.as_deref()), (s.limits().default_expiry, Some("ctx-a")));
    let future = sub(&mut s, "b", &with_expires(pull_req(), &crate::datetime::format(wall() + Duration::from_secs(90)))).unwrap();
    assert_eq!(future.expires, Duration::from_secs(90));
    let long = sub(&mut s, "c", &with_expires(push_req(DeliveryMode::PushWithAck), "P9999Y")).unwrap();
    assert_eq!((long.expires, long.context), (s.limits().max_expiry, None), "Subscribe clamps");
    assert_eq!(kind(sub(&mut s, "c", &pull_req())), FaultKind::AlreadyExists);
}

#[test]
fn quota_is_per_user_and_counts_live_subscriptions() {
    let t0 = Instant::now();
    let mut s: Store = SubscriptionStore::new(EventingLimits { quota: 2, ..EventingLimits::default() });
    let short = with_expires(pull_req(), "PT10S");
    s.subscribe(ids("a"), "u", SRC, &short, all, t0, wall()).unwrap();
    s.subscribe(ids("b"), "u", SRC, &pull_req(), all, t0, wall()).unwrap();
    assert_eq!(kind(s.subscribe(ids("c"), "u", SRC, &pull_req(), all, t0, wall())), FaultKind::QuotaLimit);
    s.subscribe(ids("d"), "other", SRC, &pull_req(), all, t0, wall()).unwrap();
    let later = t0 + Duration::from_secs(10);
    s.subscribe(ids("c"), "u", SRC, &pull_req(), all, later, wall()).expect("the expired one no longer counts");
}

#[test]
fn renew_get_status_unsubscribe_and_expiry() {
    let t0 = Instant::now();
    let mut s = store();
    let req = with_expires(push_req(DeliveryMode::PushWithAck), "PT10M");
    let sub = s.subscribe(ids("a"), "u", SRC, &req, all, t0, wall()).unwrap();
    assert_eq!(s.get_status(&sub.id, "u", t0 + Duration::from_secs(60)), Ok(Duration::from_secs(540)));
    assert_eq!(s.get_status(&sub.id, "someone", t0).unwrap_err().kind, FaultKind::InvalidMessage);
    let t1 = t0 + Duration::from_secs(100);
    assert_eq!(s.renew(&sub.id, "u", Some(&EventExpires::parse("PT20M")), t1, wall()), Ok(Duration::from_secs(1200)));
    assert_eq!(s.get_status(&sub.id, "u", t1), Ok(Duration::from_secs(1200)));
    assert_eq!(s.renew(&sub.id, "u", Some(&EventExpires::parse("P9999Y")), t1, wall()).unwrap_err().kind, FaultKind::UnableToRenew);
    assert_eq!(s.renew(&sub.id, "u", Some(&EventExpires::parse("-PT1S")), t1, wall()).unwrap_err().kind, FaultKind::InvalidExpirationTime);
    assert_eq!(s.renew("sub-nope", "u", None, t1, wall()).unwrap_err().kind, FaultKind::InvalidMessage);
    assert_eq!(s.next_wakeup(), Some(t1 + Duration::from_secs(1200)), "only the expiry is pending");
    assert!(s.expire(t1 + Duration::from_secs(1199)).is_empty());
    let ended = s.expire(t1 + Duration::from_secs(1200));
    assert_eq!(ended.len(), 1);
    assert_eq!((ended[0].id.as_str(), &ended[0].status), ("sub-a", &EndStatus::SourceCancelling));
    assert_eq!(ended[0].end_to.as_ref().map(|e| e.address.as_str()), Some("http://127.0.0.1:9/end"));
    assert!(s.is_empty() && s.next_wakeup().is_none());

    let p = s.subscribe(ids("p"), "u", SRC, &pull_req(), all, t0, wall()).unwrap();
    s.unsubscribe(&p.id, "u", t0).unwrap();
    assert_eq!(s.unsubscribe(&p.id, "u", t0).unwrap_err().kind, FaultKind::InvalidMessage);
    assert_eq!(s.renew(&p.id, "u", None, t0, wall()).unwrap_err().kind, FaultKind::InvalidMessage);
    assert_eq!(s.pull("ctx-p", "u", 5, t0).unwrap_err().kind, FaultKind::InvalidEnumerationContext);
    s.subscribe(ids("q"), "u", SRC, &pull_req(), all, t0, wall()).unwrap();
    let ended = s.shutdown();
    assert_eq!((ended.len(), &ended[0].status, ended[0].context.as_deref()), (1, &EndStatus::SourceShuttingDown, Some("ctx-q")));
}

#[test]
fn pull_waits_then_answers_events_and_heartbeats() {
    let t0 = Instant::now();
    let mut s = store();
    let mut req = pull_req();
    req.delivery.heartbeats = Some(XsDuration::from_millis(1000));
    req.send_bookmarks = true;
    let sub = s.subscribe(ids("a"), "u", SRC, &req, even, t0, wall()).unwrap();
    let ctx = sub.context.unwrap();
    let g = s.generation();
    assert_eq!(s.pull(&ctx, "u", 5, t0), Ok(PullOutcome::Empty { generation: g, heartbeat_at: Some(t0 + Duration::from_secs(1)) }));
    assert_eq!(s.pull(&ctx, "u", 5, t0 + Duration::from_secs(1)), Ok(PullOutcome::Heartbeat));
    let t1 = t0 + Duration::from_millis(1500);
    assert!(matches!(s.pull(&ctx, "u", 5, t1), Ok(PullOutcome::Empty { heartbeat_at: Some(at), .. }) if at == t0 + Duration::from_secs(2)));
    s.publish(SRC, "urn:ev", 1, t1);
    s.publish("urn:other", "urn:ev", 2, t1);
    let seq = s.publish(SRC, "urn:ev", 4, t1);
    s.publish(SRC, "urn:ev", 6, t1);
    assert!(s.generation() > g);
    let Ok(PullOutcome::Items { items, bookmark }) = s.pull(&ctx, "u", 1, t1) else { panic!("items") };
    assert_eq!((events(&items), bookmark), (vec![4], Some(bookmark_of(seq))));
    let Ok(PullOutcome::Items { items, .. }) = s.pull(&ctx, "u", 10, t1) else { panic!("items") };
    assert_eq!(events(&items), vec![6]);
    assert_eq!(s.pull(&ctx, "other-user", 10, t1).unwrap_err().kind, FaultKind::InvalidEnumerationContext);
    assert_eq!(s.pull(&ctx, "u", 10, t0 + Duration::from_secs(601)).unwrap_err().kind, FaultKind::InvalidEnumerationContext, "expired");
}

#[test]
fn bookmarks_replay_the_retained_log() {
    let t0 = Instant::now();
    let mut s: Store = SubscriptionStore::new(EventingLimits { retained: 3, ..EventingLimits::default() });
    let seqs: Vec<u64> = (1..=3).map(|e| s.publish(SRC, "urn:ev", e, t0)).collect();
    let mut req = pull_req();
    req.bookmark = Some(Bookmark::text(bookmark_of(seqs[0])));
    let sub = s.subscribe(ids("a"), "u", SRC, &req, all, t0, wall()).unwrap();
    assert_eq!(sub.replayed, 2);
    let Ok(PullOutcome::Items { items, .. }) = s.pull("ctx-a", "u", 10, t0) else { panic!("items") };
    assert_eq!(events(&items), vec![2, 3]);
    req.bookmark = Some(Bookmark::Earliest);
    assert_eq!(s.subscribe(ids("b"), "u", SRC, &req, even, t0, wall()).unwrap().replayed, 1, "through the filter");
    s.publish(SRC, "urn:ev", 4, t0);
    req.bookmark = Some(Bookmark::text(bookmark_of(seqs[0])));
    assert_eq!(s.subscribe(ids("c"), "u", SRC, &req, all, t0, wall()).unwrap().replayed, 3, "events 2..4 are all still retained");
    s.publish(SRC, "urn:ev", 5, t0);
    assert_eq!(kind(s.subscribe(ids("d"), "u", SRC, &req, all, t0, wall())), FaultKind::InvalidBookmark, "event 2 is no longer retained");
    req.bookmark = Some(Bookmark::text(bookmark_of(seqs[1])));
    assert_eq!(s.subscribe(ids("d"), "u", SRC, &req, all, t0, wall()).unwrap().replayed, 3);
}

#[test]
fn a_full_queue_counts_dropped_events_where_the_gap_is() {
    let t0 = Instant::now();
    let mut s: Store = SubscriptionStore::new(EventingLimits { queue_limit: 2, ..EventingLimits::default() });
    s.subscribe(ids("a"), "u", SRC, &pull_req(), all, t0, wall()).unwrap();
    for e in 1..=5 {
        s.publish(SRC, "urn:ev", e, t0);
    }
    let Ok(PullOutcome::Items { items, .. }) = s.pull("ctx-a", "u", 2, t0) else { panic!("items") };
    assert_eq!(events(&items), vec![1, 2]);
    s.publish(SRC, "urn:ev", 6, t0);
    let Ok(PullOutcome::Items { items, .. }) = s.pull("ctx-a", "u", 10, t0) else { panic!("items") };
    assert_eq!(items[0], DeliveryItem::Dropped { action: "urn:ev".into(), count: 3 });
    assert_eq!(events(&items), vec![6]);
}

#[test]
fn push_retries_then_gives_up_and_counts_the_loss() {
    let t0 = Instant::now();
    let mut s = store();
    let mut req = push_req(DeliveryMode::Push);
    req.delivery.connection_retry = Some(ConnectionRetry { total: 1, interval: XsDuration::from_millis(2000) });
    s.subscribe(ids("a"), "u", SRC, &req, all, t0, wall()).unwrap();
    assert!(s.take_due(t0).is_empty());
    s.publish(SRC, "urn:ev", 1, t0);
    s.publish(SRC, "urn:ev", 2, t0);
    assert_eq!(s.next_wakeup(), Some(t0));
    let d = s.take_due(t0);
    assert_eq!(d.len(), 1);
    assert_eq!((events(&d[0].items), d[0].attempt, d[0].needs_ack), (vec![1], 1, false));
    assert!(s.take_due(t0).is_empty(), "one delivery in flight");
    assert_eq!(s.failed("sub-a", d[0].seq, t0), FailureOutcome::Retry { at: t0 + Duration::from_secs(2) });
    assert_eq!(s.next_wakeup(), Some(t0 + Duration::from_secs(2)));
    assert!(s.take_due(t0 + Duration::from_secs(1)).is_empty());
    let again = s.take_due(t0 + Duration::from_secs(2));
    assert_eq!((again[0].seq, again[0].attempt, events(&again[0].items)), (d[0].seq, 2, vec![1]));
    assert_eq!(s.failed("sub-a", d[0].seq, t0 + Duration::from_secs(2)), FailureOutcome::Abandoned { dropped: 1 });
    let next = s.take_due(t0 + Duration::from_secs(2));
    assert_eq!(next[0].items, vec![DeliveryItem::Dropped { action: "urn:ev".into(), count: 1 }]);
    assert!(s.delivered("sub-a", next[0].seq, t0 + Duration::from_secs(2)));
    assert!(!s.delivered("sub-a", next[0].seq, t0 + Duration::from_secs(2)), "only once");
    let last = s.take_due(t0 + Duration::from_secs(2));
    assert_eq!(events(&last[0].items), vec![2]);
    assert_eq!(s.failed("sub-a", 999, t0), FailureOutcome::Unknown);
}

#[test]
fn push_with_ack_backs_off_up_to_the_cap_and_events_mode_batches() {
    let t0 = Instant::now();
    let mut s: Store = SubscriptionStore::new(EventingLimits { max_backoff: Duration::from_secs(5), ..EventingLimits::default() });
    let mut req = push_req(DeliveryMode::PushWithAck);
    req.send_bookmarks = true;
    s.subscribe(ids("a"), "u", SRC, &req, all, t0, wall()).unwrap();
    let seq = s.publish(SRC, "urn:ev", 1, t0);
    let d = s.take_due(t0).remove(0);
    assert!(d.needs_ack);
    assert_eq!(d.bookmark, Some(bookmark_of(seq)));
    let mut now = t0;
    let mut waits = Vec::new();
    for _ in 0..5 {
        let FailureOutcome::Retry { at } = s.failed("sub-a", d.seq, now) else { panic!("PushWithAck retries") };
        waits.push((at - now).as_secs());
        now = at;
        assert_eq!(s.take_due(now).len(), 1);
    }
    assert_eq!(waits, vec![1, 2, 4, 5, 5]);

    let mut ev = push_req(DeliveryMode::Events);
    ev.delivery.max_elements = NonZeroU64::new(3);
    ev.delivery.max_time = Some(XsDuration::from_millis(500));
    ev.delivery.heartbeats = Some(XsDuration::from_millis(10_000));
    s.subscribe(ids("b"), "u", "urn:b", &ev, all, t0, wall()).unwrap();
    s.publish("urn:b", "urn:ev", 1, t0);
    assert!(s.take_due(t0).iter().all(|d| d.subscription != "sub-b"), "held for MaxTime");
    for e in 2..=4 {
        s.publish("urn:b", "urn:ev", e, t0);
    }
    let b: Vec<_> = s.take_due(t0).into_iter().filter(|d| d.subscription == "sub-b").collect();
    assert_eq!((events(&b[0].items), b[0].needs_ack), (vec![1, 2, 3], true));
    assert!(s.delivered("sub-b", b[0].seq, t0));
    assert!(s.take_due(t0).iter().all(|d| d.subscription != "sub-b"), "a partial batch waits");
    let b: Vec<_> = s.take_due(t0 + Duration::from_millis(500)).into_iter().filter(|d| d.subscription == "sub-b").collect();
    assert_eq!(events(&b[0].items), vec![4]);
    let t1 = t0 + Duration::from_millis(600);
    assert!(s.delivered("sub-b", b[0].seq, t1));
    let hb_at = t1 + Duration::from_secs(10);
    assert!(s.take_due(hb_at - Duration::from_millis(1)).iter().all(|d| d.subscription != "sub-b"));
    let hb: Vec<_> = s.take_due(hb_at).into_iter().filter(|d| d.subscription == "sub-b").collect();
    assert_eq!(hb[0].items, vec![DeliveryItem::Heartbeat]);
    assert_eq!(s.failed("sub-b", hb[0].seq, hb_at), FailureOutcome::Abandoned { dropped: 0 }, "a heartbeat is not retried");
}

// ------------------------------------------------------------ properties

#[derive(Clone, Debug)]
enum Op {
    Publish(bool),
    TakeDue,
    Deliver,
    Fail,
    Pull(usize),
    Advance(u64),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<bool>().prop_map(Op::Publish),
            3 => Just(Op::TakeDue),
            2 => Just(Op::Deliver),
            2 => Just(Op::Fail),
            2 => (1usize..5).prop_map(Op::Pull),
            2 => (0u64..3000).prop_map(Op::Advance),
        ],
        0..80,
    )
}

/// Runs `ops` against one subscription in `mode` and returns (events
/// published that match, events received in order, events counted as dropped).
fn run(mode: DeliveryMode, queue_limit: usize, retry_total: u32, ops: &[Op]) -> (Vec<u32>, Vec<u32>, u64) {
    let t0 = Instant::now();
    let limits =
        EventingLimits { queue_limit, default_expiry: Duration::from_secs(1_000_000), max_backoff: Duration::from_secs(4), ..EventingLimits::default() };
    let mut s: Store = SubscriptionStore::new(limits);
    let mut req = if mode == DeliveryMode::Pull { pull_req() } else { push_req(mode.clone()) };
    req.delivery.connection_retry = Some(ConnectionRetry { total: retry_total, interval: XsDuration::from_millis(1000) });
    s.subscribe(ids("a"), "u", SRC, &req, even, t0, wall()).unwrap();
    let (mut now, mut next, mut expected, mut received, mut lost) = (t0, 0u32, Vec::new(), Vec::new(), 0u64);
    let mut outstanding: Option<Delivery<u32>> = None;
    let take = |s: &mut Store, now: Instant, outstanding: &mut Option<Delivery<u32>>| {
        for d in s.take_due(now) {
            if let Some(o) = outstanding.as_ref() {
                assert!(d.seq == o.seq && d.attempt > o.attempt && d.items == o.items, "a new delivery while one is in flight");
            }
            *outstanding = Some(d);
        }
    };
    let accept = |items: &[DeliveryItem<u32>], received: &mut Vec<u32>, lost: &mut u64| {
        received.extend(events(items));
        *lost += dropped(items);
    };
    for op in ops {
        match op {
            Op::Publish(matching) => {
                let e = next * 2 + u32::from(!matching);
                next += 1;
                if *matching {
                    expected.push(e);
                }
                s.publish(SRC, "urn:ev", e, now);
            }
            Op::TakeDue => take(&mut s, now, &mut outstanding),
            Op::Deliver => {
                if let Some(d) = outstanding.take() {
                    assert!(s.delivered(&d.subscription, d.seq, now));
                    accept(&d.items, &mut received, &mut lost);
                }
            }
            Op::Fail => {
                if let Some(d) = outstanding.as_ref() {
                    match s.failed(&d.subscription, d.seq, now) {
                        FailureOutcome::Retry { at } => assert!(at > now),
                        FailureOutcome::Abandoned { .. } => outstanding = None,
                        FailureOutcome::Unknown => {} // already failed, waiting for its retry
                    }
                }
            }
            Op::Pull(max) => {
                if mode == DeliveryMode::Pull {
                    if let Ok(PullOutcome::Items { items, .. }) = s.pull("ctx-a", "u", *max, now) {
                        assert!(items.len() <= *max);
                        accept(&items, &mut received, &mut lost);
                    }
                }
            }
            Op::Advance(ms) => now += Duration::from_millis(*ms),
        }
    }
    // Drain: every delivery now succeeds.
    for _ in 0..(4 * ops.len() + 8) {
        now += Duration::from_secs(5);
        if mode == DeliveryMode::Pull {
            if let Ok(PullOutcome::Items { items, .. }) = s.pull("ctx-a", "u", 3, now) {
                accept(&items, &mut received, &mut lost);
            }
        } else {
            take(&mut s, now, &mut outstanding);
            if let Some(d) = outstanding.take() {
                assert!(s.delivered(&d.subscription, d.seq, now));
                accept(&d.items, &mut received, &mut lost);
            }
        }
    }
    (expected, received, lost)
}

proptest! {
    #[test]
    fn push_with_ack_delivers_every_event_once_in_order(ops in ops()) {
        let (expected, received, lost) = run(DeliveryMode::PushWithAck, 1000, 0, &ops);
        prop_assert_eq!(lost, 0);
        prop_assert_eq!(received, expected);
    }

    #[test]
    fn events_mode_delivers_every_event_once_in_order(ops in ops()) {
        let (expected, received, lost) = run(DeliveryMode::Events, 1000, 0, &ops);
        prop_assert_eq!(lost, 0);
        prop_assert_eq!(received, expected);
    }

    #[test]
    fn pull_delivers_every_event_once_in_order(ops in ops()) {
        let (expected, received, lost) = run(DeliveryMode::Pull, 1000, 0, &ops);
        prop_assert_eq!(lost, 0);
        prop_assert_eq!(received, expected);
    }

    #[test]
    fn lossy_modes_account_for_every_event(ops in ops(), limit in 1usize..4, retries in 0u32..3, pull in any::<bool>()) {
        let mode = if pull { DeliveryMode::Pull } else { DeliveryMode::Push };
        let (expected, received, lost) = run(mode, limit, retries, &ops);
        prop_assert_eq!(received.len() as u64 + lost, expected.len() as u64);
        prop_assert!(received.windows(2).all(|w| w[0] < w[1]), "in order, no duplicates");
        prop_assert!(received.iter().all(|e| expected.contains(e)));
    }

    #[test]
    fn expiry_and_renew_follow_the_clock(steps in prop::collection::vec((0u64..40, prop::option::of(1u64..60)), 1..30)) {
        let t0 = Instant::now();
        let mut s = store();
        s.subscribe(ids("a"), "u", SRC, &with_expires(pull_req(), "PT30S"), all, t0, wall()).unwrap();
        let (mut now, mut until, mut ended) = (t0, t0 + Duration::from_secs(30), false);
        for (advance, renew) in steps {
            now += Duration::from_secs(advance);
            let alive = now < until && !ended;
            prop_assert_eq!(s.get_status("sub-a", "u", now).is_ok(), alive);
            if alive {
                prop_assert_eq!(s.get_status("sub-a", "u", now), Ok(until - now));
            }
            if let Some(secs) = renew {
                let r = s.renew("sub-a", "u", Some(&EventExpires::duration(XsDuration::from_millis(secs * 1000))), now, wall());
                prop_assert_eq!(r.is_ok(), alive);
                if alive {
                    until = now + Duration::from_secs(secs);
                }
            }
            let gone = s.expire(now);
            prop_assert_eq!(gone.len(), usize::from(!ended && now >= until));
            ended |= !gone.is_empty();
            prop_assert_eq!(s.next_wakeup(), (!ended).then_some(until));
        }
    }
}

#[test]
fn deliveries_render_as_the_messages_dsp0226_names() {
    use crate::message::eventing::Events as EventsBody;

    let t0 = Instant::now();
    let mut s = store();
    let mut req = push_req(DeliveryMode::Events);
    req.send_bookmarks = true;
    if let Some(n) = req.delivery.notify_to.as_mut() {
        n.reference_properties.push(Element::ns("urn:sink", "Id").with_text("7"));
    }
    let sub = s.subscribe(ids("a"), "u", SRC, &req, all, t0, wall()).unwrap();
    let r = sub.to_response("http://h/wsman");
    assert_eq!((r.identifier().as_deref(), r.enumeration_context.as_deref()), (Some("sub-a"), None));
    assert_eq!(r.expires.map(|e| e.raw), Some("PT600S".to_owned()));
    s.publish(SRC, "urn:ev", 1, t0);
    let seq = s.publish(SRC, "urn:ev", 2, t0);
    let d = s.take_due(t0).remove(0);
    let render = |e: &u32| Element::ns("urn:ev", "E").with_text(e.to_string());
    let m = d.messages(render);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].action, Action::Events);
    let body = EventsBody::decode(&m[0].body).unwrap();
    assert_eq!(body.events.iter().map(|e| e.payload().map(|p| p.text().into_owned())).collect::<Vec<_>>(), vec![Some("1".into()), Some("2".into())]);
    let names: Vec<_> = m[0].headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, vec!["Id", "AckRequested", "Bookmark"]);
    assert_eq!(m[0].headers[2].text(), bookmark_of(seq));

    let mut p = push_req(DeliveryMode::Push);
    if let Some(n) = p.delivery.notify_to.as_mut() {
        n.address = "http://h/p".into();
    }
    s.subscribe(ids("b"), "u", "urn:b", &p, all, t0, wall()).unwrap();
    s.publish("urn:b", "urn:custom-action", 3, t0);
    let d: Vec<_> = s.take_due(t0).into_iter().filter(|d| d.subscription == "sub-b").collect();
    let m = d[0].messages(render);
    assert_eq!((m[0].action.uri(), m[0].body.len(), m[0].headers.len()), ("urn:custom-action".to_owned(), 1, 0));
    assert_eq!(pull_items(&[DeliveryItem::Dropped { action: "urn:x".into(), count: 2 }, DeliveryItem::Heartbeat], render).len(), 1);
    let ended = s.shutdown();
    let end = ended[0].to_message("http://h/wsman");
    assert_eq!((end.status, end.subscription_manager.address.as_str()), (EndStatus::SourceShuttingDown, "http://h/wsman"));
}
