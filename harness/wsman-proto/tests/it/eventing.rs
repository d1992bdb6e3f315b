//! WS-Eventing through the public API: every message round-trips through the
//! wire, and the corpus' eventing cases whose fault the protocol half
//! decides (decode + [`SubscriptionStore`]) get a fault the manifest accepts.

use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use wsman_proto::message::eventing::{subscription_manager, ConnectionRetry, Delivery, DroppedEvents, EndStatus, EventItem, Events, SubscribeFilter};
use wsman_proto::message::{Bookmark, DeliveryMode, EventExpires, Message, RenewResponse, Subscribe, SubscribeResponse, SubscriptionEnd};
use wsman_proto::state::eventing::{EventingLimits, SubscriptionIds, SubscriptionStore};
use wsman_proto::xml::{Element, Node};
use wsman_proto::{ns, Envelope, Fault, FaultKind, Limits, XsDuration};

use super::message::through_the_wire;
use super::roundtrip::{element, text, uri};

fn mode() -> impl Strategy<Value = DeliveryMode> {
    prop_oneof![
        Just(DeliveryMode::Push),
        Just(DeliveryMode::PushWithAck),
        Just(DeliveryMode::Events),
        Just(DeliveryMode::Pull),
        uri().prop_map(DeliveryMode::Unknown),
    ]
}

fn expires() -> impl Strategy<Value = EventExpires> {
    prop_oneof![
        (0u64..10_000_000_000).prop_map(|ms| EventExpires::duration(XsDuration::from_millis(ms))),
        (0u64..4_000_000_000_000).prop_map(|ms| EventExpires::date_time(UNIX_EPOCH + Duration::from_millis(ms))),
        text().prop_map(|t| EventExpires::parse(&t)),
    ]
}

fn epr() -> impl Strategy<Value = wsman_proto::message::EndpointReference> {
    (uri(), prop::collection::vec(element(), 0..2)).prop_map(|(address, other_parameters)| wsman_proto::message::EndpointReference {
        address,
        other_parameters,
        ..Default::default()
    })
}

fn duration() -> impl Strategy<Value = XsDuration> {
    (0u64..100_000_000).prop_map(XsDuration::from_millis)
}

fn subscribe() -> impl Strategy<Value = Subscribe> {
    (
        (mode(), prop::option::of(epr()), prop::option::of(duration()), prop::option::of((0u32..10, duration()))),
        (prop::option::of(1u64..1000), prop::option::of(duration()), prop::option::of("[a-z]{2}-[A-Z]{2}")),
        (prop::option::of(epr()), prop::option::of(expires()), prop::option::of((any::<bool>(), prop::option::of(uri()), text()))),
        (any::<bool>(), prop::option::of(prop_oneof![Just(Bookmark::Earliest), text().prop_map(Bookmark::text)])),
    )
        .prop_map(|((mode, notify_to, heartbeats, retry), (max_elements, max_time, locale), (end_to, expires, filter), (send_bookmarks, bookmark))| {
            Subscribe {
                end_to,
                delivery: Delivery {
                    notify_to,
                    heartbeats,
                    connection_retry: retry.map(|(total, interval)| ConnectionRetry { total, interval }),
                    max_elements: max_elements.and_then(NonZeroU64::new),
                    max_time,
                    locale,
                    content_encoding: None,
                    ..Delivery::new(mode)
                },
                expires,
                filter: filter.map(|(wse, dialect, q)| SubscribeFilter { wse, dialect, content: vec![Node::Text(q)] }),
                send_bookmarks,
                bookmark,
            }
        })
}

proptest! {
    #[test]
    fn subscribe_round_trips(s in subscribe()) {
        prop_assert_eq!(through_the_wire(&s), s);
    }

    #[test]
    fn responses_and_notices_round_trip(id in text(), address in uri(), e in prop::option::of(expires()), ctx in prop::option::of(text()),
                                          items in prop::collection::vec((uri(), element()), 0..4), count in any::<u64>(), reason in prop::option::of(text())) {
        let r = SubscribeResponse { subscription_manager: subscription_manager(&address, &id), expires: e.clone(), enumeration_context: ctx };
        let back = through_the_wire(&r);
        prop_assert_eq!(back.identifier(), Some(id.clone()));
        prop_assert_eq!(back, r);
        let renewed = RenewResponse { expires: e };
        prop_assert_eq!(through_the_wire(&renewed), renewed);
        let end = SubscriptionEnd { subscription_manager: subscription_manager(&address, &id), status: EndStatus::DeliveryFailure, reason };
        prop_assert_eq!(through_the_wire(&end), end);
        let batch = Events { events: items.into_iter().map(|(a, p)| EventItem::new(a, p)).collect() };
        prop_assert_eq!(through_the_wire(&batch), batch);
        let d = DroppedEvents { action: address, count };
        prop_assert_eq!(through_the_wire(&d), d);
    }
}

// ------------------------------------------------------------ the corpus

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/eventing")
}

/// A corpus template as an envelope: the header partial and the variables
/// left out (the body never uses them in the cases read here).
fn template(rel: &str) -> Envelope {
    let raw = std::fs::read_to_string(corpus_dir().join(rel)).expect("the corpus template exists");
    let mut doc = String::new();
    let mut rest = raw.as_str();
    while let Some(start) = rest.find("{{") {
        doc.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed placeholder") + start + 2;
        rest = &rest[end..];
    }
    doc.push_str(rest);
    Envelope::decode(doc.as_bytes(), &Limits::default()).expect("the template is an envelope")
}

/// The subcodes the manifest accepts for a case (or its one step with a
/// fault): the quoted `prefix:Name` items of the first `subcode = [...]` after the id.
fn accepted(case_id: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(corpus_dir().join("manifest.toml")).expect("the manifest exists");
    let at = manifest.find(&format!("id = \"{case_id}\"")).unwrap_or_else(|| panic!("case {case_id} in the manifest"));
    let from = &manifest[at..];
    let list = &from[from.find("subcode = [").expect("an expected fault")..];
    let list = &list[..list.find(']').expect("a closed list")];
    list.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

fn subcode(f: &Fault) -> String {
    let (n, local) = f.kind.info().subcode.expect("an eventing fault has a subcode");
    let prefix = match n {
        ns::WSE => "wse",
        ns::WSMAN => "wsman",
        ns::WSEN => "wsen",
        other => panic!("unexpected subcode namespace {other}"),
    };
    format!("{prefix}:{local}")
}

type Store = SubscriptionStore<Element, fn(&Element) -> bool>;

fn any_event(_: &Element) -> bool {
    true
}

/// What the protocol half answers a Subscribe template: decode, then the store.
fn subscribe_fault(store: &mut Store, rel: &str, n: usize) -> Result<wsman_proto::state::eventing::Subscribed, Fault> {
    let env = template(rel);
    let req = Subscribe::decode(&env.body).map_err(|e| e.to_fault())?;
    let ids = SubscriptionIds { subscription: format!("uuid:sub-{n}"), context: format!("uuid:ctx-{n}") };
    store.subscribe(ids, "u", "urn:example:EventLog", &req, any_event, Instant::now(), SystemTime::now())
}

#[test]
fn corpus_subscribe_cases_get_a_fault_the_manifest_accepts() {
    let mut store: Store = SubscriptionStore::new(EventingLimits::default());
    let cases = ["mode-unknown", "mode-wse-pull-typo", "expires-negative", "expires-text", "expires-past", "heartbeats-invalid", "bookmark-invalid"];
    for (n, case) in cases.iter().enumerate() {
        let fault = subscribe_fault(&mut store, &format!("subscribe/{case}.xml"), n).expect_err(case);
        let ok = accepted(&format!("subscribe/{case}"));
        assert!(ok.contains(&subcode(&fault)), "{case}: {} is not one of {ok:?}", subcode(&fault));
    }
    let granted = subscribe_fault(&mut store, "subscribe/pull.xml", 100).expect("a Pull subscription is granted");
    assert!(granted.context.is_some(), "Pull mode answers an enumeration context");
    // The push cases are decided by the server's NotifyTo policy; the protocol half accepts them.
    for (n, case) in ["push", "push-with-ack", "unusable-notify-to"].iter().enumerate() {
        subscribe_fault(&mut store, &format!("subscribe/{case}.xml"), 200 + n).unwrap_or_else(|f| panic!("{case}: {f}"));
    }
    // filter-unsupported: decoded as a wse:Filter in XPath, which the reference server refuses.
    let env = template("subscribe/filter-unsupported.xml");
    let f = Subscribe::decode(&env.body).unwrap().filter.expect("a filter");
    assert!(f.wse && f.dialect() == ns::dialect::XPATH && f.wql().is_none());
    assert!(accepted("subscribe/filter-unsupported").contains(&subcode(&Fault::new(FaultKind::EventingFilteringNotSupported, ""))));
}

#[test]
fn corpus_manage_cases_get_a_fault_the_manifest_accepts() {
    let t0 = Instant::now();
    let mut store: Store = SubscriptionStore::new(EventingLimits::default());
    for (case, op) in [("renew-unknown", 0), ("getstatus-unknown", 1), ("unsubscribe-unknown", 2)] {
        let env = template(&format!("manage/{case}.xml"));
        let id = wsman_proto::message::eventing::subscription_identifier(&env.header).expect("the template names a subscription");
        let fault = match op {
            0 => {
                let r = wsman_proto::message::Renew::decode(&env.body).unwrap();
                store.renew(&id, "u", r.expires.as_ref(), t0, SystemTime::now()).unwrap_err()
            }
            1 => store.get_status(&id, "u", t0).unwrap_err(),
            _ => store.unsubscribe(&id, "u", t0).unwrap_err(),
        };
        let ok = accepted(&format!("manage/{case}"));
        assert!(ok.contains(&subcode(&fault)), "{case}: {} is not one of {ok:?}", subcode(&fault));
    }

    // scenario/renew-unrenewable: Subscribe PT10M, then Renew P9999Y.
    let sub = subscribe_fault(&mut store, "scenario/renew-unrenewable/01-subscribe.xml", 1).unwrap();
    let renew = wsman_proto::message::Renew::decode(&template("scenario/renew-unrenewable/02-renew.xml").body).unwrap();
    let fault = store.renew(&sub.id, "u", renew.expires.as_ref(), Instant::now(), SystemTime::now()).unwrap_err();
    let ok = accepted("scenario/renew-unrenewable");
    assert!(ok.contains(&subcode(&fault)), "renew-unrenewable: {} is not one of {ok:?}", subcode(&fault));

    // scenario/renew-then-unsubscribe: Renew PT20M works, Unsubscribe, then Renew faults.
    let sub = subscribe_fault(&mut store, "scenario/renew-then-unsubscribe/01-subscribe.xml", 2).unwrap();
    let renew = wsman_proto::message::Renew::decode(&template("scenario/renew-then-unsubscribe/02-renew.xml").body).unwrap();
    assert_eq!(store.renew(&sub.id, "u", renew.expires.as_ref(), Instant::now(), SystemTime::now()), Ok(Duration::from_secs(1200)));
    store.unsubscribe(&sub.id, "u", Instant::now()).unwrap();
    let fault = store.renew(&sub.id, "u", renew.expires.as_ref(), Instant::now(), SystemTime::now()).unwrap_err();
    let ok = accepted("scenario/renew-then-unsubscribe");
    assert!(ok.contains(&subcode(&fault)), "renew-gone: {} is not one of {ok:?}", subcode(&fault));
}
