//! WS-Enumeration (rules 12-19).

use std::num::NonZeroU64;

use test_support::Client;
use wsman_client::message::{Enumerate, EnumerationMode, Filter, MethodInput, Pull, Release};
use wsman_client::Resource;
use wsman_proto::xml::{Element, Node};
use wsman_proto::{ns, Envelope, FaultKind};

use crate::{assert_fault, assert_ok, setup};

pub(crate) fn svc() -> Resource {
    Resource::cimv2("Win32_Service")
}

/// An optimized Enumerate of `max` items a batch.
pub(crate) fn opt(max: u64) -> Enumerate {
    Enumerate { optimize: true, max_elements: NonZeroU64::new(max), ..Enumerate::default() }
}

/// A Pull of `context` from Win32_Service, `max` items a batch.
pub(crate) fn pull(c: &Client, context: &str, max: Option<u64>) -> Vec<u8> {
    c.request(&svc(), Pull { context: context.to_owned(), max_elements: max.and_then(NonZeroU64::new), ..Pull::default() }).encode()
}

fn release(c: &Client, context: &str) -> Vec<u8> {
    c.request(&svc(), Release { context: context.to_owned() }).encode()
}

fn enumerate(c: &Client, request: Enumerate) -> Vec<u8> {
    c.request(&svc(), request).encode()
}

pub(crate) fn context(env: &Envelope) -> Option<String> {
    env.body_element().and_then(|b| b.child_text(ns::WSEN, "EnumerationContext"))
}

fn items<'a>(env: &'a Envelope, wrapper_ns: &str) -> Vec<&'a Element> {
    env.body_element().and_then(|b| b.child(wrapper_ns, "Items")).map(|i| i.elements().collect()).unwrap_or_default()
}

fn ended(env: &Envelope) -> bool {
    let b = env.body_element().unwrap();
    b.child(ns::WSMAN, "EndOfSequence").is_some() || b.child(ns::WSEN, "EndOfSequence").is_some()
}

/// Enumerates then pulls to the end; returns (batches, items).
pub(crate) async fn walk(c: &Client, resource: &Resource, first: Enumerate, pull_max: u64) -> (usize, usize) {
    let env = assert_ok(&c.post(c.request(resource, first).encode()).await);
    let mut total = items(&env, ns::WSMAN).len();
    let mut batches = 1;
    let mut ctx = context(&env);
    let mut done = ended(&env);
    while !done {
        assert!(batches < 1000, "bounded");
        let pull = Pull { context: ctx.clone().expect("a context"), max_elements: NonZeroU64::new(pull_max), ..Pull::default() };
        let env = assert_ok(&c.post(c.request(resource, pull).encode()).await);
        let got = items(&env, ns::WSEN);
        assert!(got.len() as u64 <= pull_max, "rule 13: no more than MaxElements");
        total += got.len();
        batches += 1;
        done = ended(&env);
        ctx = context(&env);
    }
    (batches, total)
}

#[tokio::test]
async fn optimized_then_pull_to_the_end() {
    let (_s, c) = setup().await;
    let (batches, total) = walk(&c, &svc(), opt(20), 30).await;
    assert!(total >= 100, "at least 100 services, got {total}");
    assert_eq!(batches, 1 + (total - 20).div_ceil(30));
}

#[tokio::test]
async fn unoptimized_enumerate_returns_only_a_context() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(enumerate(&c, Enumerate::default())).await);
    assert!(context(&env).is_some(), "rule 12");
    assert!(env.body_element().unwrap().child(ns::WSMAN, "Items").is_none());
    let env = assert_ok(&c.post(pull(&c, &context(&env).unwrap(), None)).await);
    assert_eq!(items(&env, ns::WSEN).len(), 1, "Pull without MaxElements returns one item");
}

#[tokio::test]
async fn release_invalidates_the_context() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(enumerate(&c, opt(5))).await);
    assert_eq!(items(&env, ns::WSMAN).len(), 5, "rule 16");
    let ctx = context(&env).unwrap();
    let env = assert_ok(&c.post(release(&c, &ctx)).await);
    assert!(env.body.is_empty());
    let r = c.post(pull(&c, &ctx, Some(5))).await;
    assert_fault(&r, FaultKind::InvalidEnumerationContext, None);
    let r = c.post(release(&c, &ctx)).await;
    assert_fault(&r, FaultKind::InvalidEnumerationContext, None);
}

#[tokio::test]
async fn enumeration_modes() {
    let (_s, c) = setup().await;
    let mode = |mode: EnumerationMode| Enumerate { mode, ..opt(3) };
    let env = assert_ok(&c.post(enumerate(&c, mode(EnumerationMode::Epr))).await);
    let it = items(&env, ns::WSMAN);
    assert!(it.iter().all(|e| e.is(ns::WSA, "EndpointReference")));
    let env = assert_ok(&c.post(enumerate(&c, mode(EnumerationMode::ObjectAndEpr))).await);
    let it = items(&env, ns::WSMAN);
    let uri = svc().uri;
    assert!(
        it.iter().all(|e| e.is(ns::WSMAN, "Item") && e.child(&uri, "Win32_Service").is_some() && e.child(ns::WSA, "EndpointReference").is_some()),
        "rule 17"
    );
    // A mode no message can name: added to the body by hand.
    let mut nothing = c.request(&svc(), opt(3));
    nothing.body[0].push(Element::ns(ns::WSMAN, "EnumerationMode").with_text("EnumerateNothing"));
    let r = c.post(nothing.encode()).await;
    assert_fault(&r, FaultKind::UnsupportedFeature, None);
}

fn wql(max: u64, query: &str) -> Enumerate {
    Enumerate { filter: Some(Filter::Wql(query.into())), ..opt(max) }
}

#[tokio::test]
async fn wql_filters() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(enumerate(&c, wql(500, "SELECT Name, State FROM Win32_Service WHERE Name = 'WinRM'"))).await);
    let it = items(&env, ns::WSMAN);
    assert_eq!(it.len(), 1);
    assert!(it[0].is(ns::WSMAN, "XmlFragment"));
    let names: Vec<_> = it[0].elements().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Name", "State"]);

    // The namespace wildcard picks the class from the query.
    let any = wql(500, "select * from win32_service where State <> 'Running'");
    let env = assert_ok(&c.post(c.request(&Resource::cimv2("*"), any).encode()).await);
    assert!(!items(&env, ns::WSMAN).is_empty());

    // Rule 19 and rule 18.
    assert_fault(&c.post(enumerate(&c, wql(5, "SELECT FROM WHERE"))).await, FaultKind::EnumerationCannotProcessFilter, None);
    let xpath = Filter::Other { dialect: ns::dialect::XPATH.into(), content: vec![Node::Text("/x".into())] };
    let r = c.post(enumerate(&c, Enumerate { filter: Some(xpath), ..opt(5) })).await;
    assert_fault(&r, FaultKind::FilterDialectRequestedUnavailable, None);
}

#[tokio::test]
async fn selector_filter() {
    let (_s, c) = setup().await;
    let filter = Filter::Selector(wsman_proto::SelectorSet::default().with("Name", "WinRM"));
    let env = assert_ok(&c.post(enumerate(&c, Enumerate { filter: Some(filter), ..opt(500) })).await);
    assert_eq!(items(&env, ns::WSMAN).len(), 1);
}

#[tokio::test]
async fn total_items_estimate_and_envelope_budget() {
    let (_s, c) = setup().await;
    let mut req = c.request(&svc(), Enumerate { request_total_items_count_estimate: true, ..opt(1000) });
    req.header.max_envelope_size = Some(16_384);
    let r = c.post(req.encode()).await;
    let env = assert_ok(&r);
    assert!(r.body.len() <= 16_384, "rule 7: the response respects MaxEnvelopeSize ({} octets)", r.body.len());
    let n = items(&env, ns::WSMAN).len();
    assert!(n > 0 && n < 100, "the batch is cut to fit: {n}");
    let est = env.header.unknown.iter().find(|u| u.element.is(ns::WSMAN, "TotalItemsCountEstimate")).map(|u| u.element.text().into_owned());
    assert!(est.and_then(|t| t.parse::<usize>().ok()).is_some_and(|t| t >= 100));
}

#[tokio::test]
async fn per_user_context_quota() {
    let cfg = wsman_server::Config { limits: wsman_server::Limits { enumeration_quota: 3, ..Default::default() }, ..Default::default() };
    let s = test_support::TestServer::start(cfg).await;
    let c = Client::admin(&s);
    for _ in 0..3 {
        assert_ok(&c.post(enumerate(&c, Enumerate::default())).await);
    }
    assert_fault(&c.post(enumerate(&c, Enumerate::default())).await, FaultKind::QuotaLimit, None);
}

/// The shape of real Windows responses (pypsrp recordings of optimized
/// Enumerates): `<n:EnumerationContext></n:EnumerationContext>` then the items
/// and `w:EndOfSequence`; no context is kept.
#[tokio::test]
async fn an_optimized_enumerate_that_ends_at_once_names_an_empty_context() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(enumerate(&c, wql(10, "SELECT * FROM Win32_Service WHERE Name = 'WinRM'"))).await);
    let body = env.body_element().unwrap();
    let names: Vec<_> = body.elements().map(|e| (e.ns.as_deref().unwrap_or(""), e.name.as_str())).collect();
    assert_eq!(names, [(ns::WSEN, "EnumerationContext"), (ns::WSMAN, "Items"), (ns::WSMAN, "EndOfSequence")]);
    assert_eq!(context(&env).as_deref(), Some(""), "the element is there, empty");
    assert_eq!(items(&env, ns::WSMAN).len(), 1);
    let r = c.post(pull(&c, "", Some(5))).await;
    assert_fault(&r, FaultKind::InvalidEnumerationContext, None);

    // Nothing matches: no Items element at all, as Windows sends it.
    let env = assert_ok(&c.post(enumerate(&c, wql(10, "SELECT * FROM Win32_Service WHERE Name = 'NoSuch'"))).await);
    let names: Vec<_> = env.body_element().unwrap().elements().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["EnumerationContext", "EndOfSequence"]);
}

#[tokio::test]
async fn the_last_pull_names_no_context_and_releases_it() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(enumerate(&c, opt(100))).await);
    let ctx = context(&env).filter(|c| !c.is_empty()).expect("more than 100 services: a context");
    let env = assert_ok(&c.post(pull(&c, &ctx, Some(1000))).await);
    assert!(ended(&env));
    assert_eq!(context(&env), None, "the last PullResponse carries no EnumerationContext");
    assert_fault(&c.post(pull(&c, &ctx, Some(5))).await, FaultKind::InvalidEnumerationContext, None);
    assert_fault(&c.post(release(&c, &ctx)).await, FaultKind::InvalidEnumerationContext, None);
}

/// With the context quota exhausted, only an Enumerate that must keep a
/// context is refused (issue 7).
#[tokio::test]
async fn the_quota_refuses_only_enumerations_that_keep_a_context() {
    let cfg = wsman_server::Config { limits: wsman_server::Limits { enumeration_quota: 2, ..Default::default() }, ..Default::default() };
    let s = test_support::TestServer::start(cfg).await;
    let c = Client::admin(&s);
    let held: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..2 {
            v.extend(context(&assert_ok(&c.post(enumerate(&c, Enumerate::default())).await)));
        }
        v
    };
    // Needs no context: one item, or every service in one batch.
    let env = assert_ok(&c.post(enumerate(&c, wql(10, "SELECT * FROM Win32_Service WHERE Name = 'WinRM'"))).await);
    assert!(ended(&env) && items(&env, ns::WSMAN).len() == 1);
    let env = assert_ok(&c.post(enumerate(&c, opt(1000))).await);
    assert!(ended(&env) && items(&env, ns::WSMAN).len() >= 100);
    // Needs one: an optimized batch that leaves items, a plain Enumerate, and
    // a batch cut by the envelope size.
    for f in [opt(10), Enumerate::default()] {
        assert_fault(&c.post(enumerate(&c, f)).await, FaultKind::QuotaLimit, None);
    }
    let mut small = c.request(&svc(), opt(1000));
    small.header.max_envelope_size = Some(16_384);
    assert_fault(&c.post(small.encode()).await, FaultKind::QuotaLimit, None);
    // A context freed is a context available.
    assert_ok(&c.post(release(&c, &held[0])).await);
    let env = assert_ok(&c.post(enumerate(&c, opt(10))).await);
    assert_eq!(items(&env, ns::WSMAN).len(), 10);
}

/// Later Pulls see the sequence as it was when the enumeration started.
#[tokio::test]
async fn a_context_keeps_its_snapshot_across_changes() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(enumerate(&c, Enumerate::default())).await);
    let ctx = context(&env).unwrap();
    let uri = svc().uri;
    let stop = MethodInput { resource_uri: uri.clone(), method: "StopService".into(), parameters: Vec::new() };
    assert_ok(&c.post(c.request(&svc().selector("Name", "Spooler"), stop).encode()).await);
    let env = assert_ok(&c.post(pull(&c, &ctx, Some(1000))).await);
    let state = |env: &Envelope| {
        items(env, ns::WSEN)
            .into_iter()
            .chain(items(env, ns::WSMAN))
            .find(|i| i.child_text(&uri, "Name").as_deref() == Some("Spooler"))
            .and_then(|i| i.child_text(&uri, "State"))
    };
    assert_eq!(state(&env).as_deref(), Some("Running"), "the context's snapshot");
    let env = assert_ok(&c.post(enumerate(&c, opt(1000))).await);
    assert_eq!(state(&env).as_deref(), Some("Stopped"), "a new enumeration sees the change");
}
