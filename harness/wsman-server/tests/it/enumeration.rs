//! WS-Enumeration (rules 12-19).

use test_support::request::{self, cimv2};
use test_support::Client;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Envelope, FaultKind};

use crate::{assert_fault, assert_ok, setup};

pub(crate) fn svc() -> String {
    cimv2("Win32_Service")
}

fn opt(max: u32) -> Vec<Element> {
    vec![Element::ns(ns::WSMAN, "OptimizeEnumeration"), Element::ns(ns::WSMAN, "MaxElements").with_text(max.to_string())]
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
pub(crate) async fn walk(c: &Client, uri: &str, first: Vec<Element>, pull_max: u32) -> (usize, usize) {
    let env = assert_ok(&c.post(request::enumerate(uri, first).bytes()).await);
    let mut total = items(&env, ns::WSMAN).len();
    let mut batches = 1;
    let mut ctx = context(&env);
    let mut done = ended(&env);
    while !done {
        assert!(batches < 1000, "bounded");
        let env = assert_ok(&c.post(request::pull(uri, ctx.as_deref().expect("a context"), Some(pull_max)).bytes()).await);
        let got = items(&env, ns::WSEN);
        assert!(got.len() <= pull_max as usize, "rule 13: no more than MaxElements");
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
    let env = assert_ok(&c.post(request::enumerate(&svc(), vec![]).bytes()).await);
    assert!(context(&env).is_some(), "rule 12");
    assert!(env.body_element().unwrap().child(ns::WSMAN, "Items").is_none());
    let env = assert_ok(&c.post(request::pull(&svc(), &context(&env).unwrap(), None).bytes()).await);
    assert_eq!(items(&env, ns::WSEN).len(), 1, "Pull without MaxElements returns one item");
}

#[tokio::test]
async fn release_invalidates_the_context() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(request::enumerate(&svc(), opt(5)).bytes()).await);
    assert_eq!(items(&env, ns::WSMAN).len(), 5, "rule 16");
    let ctx = context(&env).unwrap();
    let env = assert_ok(&c.post(request::release(&svc(), &ctx).bytes()).await);
    assert!(env.body.is_empty());
    let r = c.post(request::pull(&svc(), &ctx, Some(5)).bytes()).await;
    assert_fault(&r, FaultKind::InvalidEnumerationContext, None);
    let r = c.post(request::release(&svc(), &ctx).bytes()).await;
    assert_fault(&r, FaultKind::InvalidEnumerationContext, None);
}

#[tokio::test]
async fn enumeration_modes() {
    let (_s, c) = setup().await;
    let mode = |m: &str| {
        let mut v = opt(3);
        v.push(Element::ns(ns::WSMAN, "EnumerationMode").with_text(m));
        v
    };
    let env = assert_ok(&c.post(request::enumerate(&svc(), mode("EnumerateEPR")).bytes()).await);
    let it = items(&env, ns::WSMAN);
    assert!(it.iter().all(|e| e.is(ns::WSA, "EndpointReference")));
    let env = assert_ok(&c.post(request::enumerate(&svc(), mode("EnumerateObjectAndEPR")).bytes()).await);
    let it = items(&env, ns::WSMAN);
    assert!(
        it.iter().all(|e| e.is(ns::WSMAN, "Item") && e.child(&svc(), "Win32_Service").is_some() && e.child(ns::WSA, "EndpointReference").is_some()),
        "rule 17"
    );
    let r = c.post(request::enumerate(&svc(), mode("EnumerateNothing")).bytes()).await;
    assert_fault(&r, FaultKind::UnsupportedFeature, None);
}

fn filter(dialect: &str, text: &str) -> Element {
    Element::ns(ns::WSMAN, "Filter").with_attr(None, "Dialect", dialect).with_text(text)
}

#[tokio::test]
async fn wql_filters() {
    let (_s, c) = setup().await;
    let mut f = opt(500);
    f.push(filter(ns::dialect::WQL, "SELECT Name, State FROM Win32_Service WHERE Name = 'WinRM'"));
    let env = assert_ok(&c.post(request::enumerate(&svc(), f).bytes()).await);
    let it = items(&env, ns::WSMAN);
    assert_eq!(it.len(), 1);
    assert!(it[0].is(ns::WSMAN, "XmlFragment"));
    let names: Vec<_> = it[0].elements().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Name", "State"]);

    // The namespace wildcard picks the class from the query.
    let mut f = opt(500);
    f.push(filter(ns::dialect::WQL, "select * from win32_service where State <> 'Running'"));
    let env = assert_ok(&c.post(request::enumerate(&cimv2("*"), f).bytes()).await);
    assert!(!items(&env, ns::WSMAN).is_empty());

    // Rule 19 and rule 18.
    let mut f = opt(5);
    f.push(filter(ns::dialect::WQL, "SELECT FROM WHERE"));
    assert_fault(&c.post(request::enumerate(&svc(), f).bytes()).await, FaultKind::EnumerationCannotProcessFilter, None);
    let mut f = opt(5);
    f.push(filter(ns::dialect::XPATH, "/x"));
    assert_fault(&c.post(request::enumerate(&svc(), f).bytes()).await, FaultKind::FilterDialectRequestedUnavailable, None);
}

#[tokio::test]
async fn selector_filter() {
    let (_s, c) = setup().await;
    let mut f = opt(500);
    let set = wsman_proto::SelectorSet::default().with("Name", "WinRM").to_element();
    f.push(Element::ns(ns::WSMAN, "Filter").with_attr(None, "Dialect", ns::dialect::SELECTOR).with_child(set));
    let env = assert_ok(&c.post(request::enumerate(&svc(), f).bytes()).await);
    assert_eq!(items(&env, ns::WSMAN).len(), 1);
}

#[tokio::test]
async fn total_items_estimate_and_envelope_budget() {
    let (_s, c) = setup().await;
    let mut f = opt(1000);
    f.push(Element::ns(ns::WSMAN, "RequestTotalItemsCountEstimate"));
    let req = request::enumerate(&svc(), f).with_header(|h| h.max_envelope_size = Some(16_384));
    let r = c.post(req.bytes()).await;
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
        assert_ok(&c.post(request::enumerate(&svc(), vec![]).bytes()).await);
    }
    assert_fault(&c.post(request::enumerate(&svc(), vec![]).bytes()).await, FaultKind::QuotaLimit, None);
}

fn wql(max: u32, query: &str) -> Vec<Element> {
    let mut f = opt(max);
    f.push(filter(ns::dialect::WQL, query));
    f
}

/// The shape of real Windows responses (pypsrp recordings of optimized
/// Enumerates): `<n:EnumerationContext></n:EnumerationContext>` then the items
/// and `w:EndOfSequence`; no context is kept.
#[tokio::test]
async fn an_optimized_enumerate_that_ends_at_once_names_an_empty_context() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(request::enumerate(&svc(), wql(10, "SELECT * FROM Win32_Service WHERE Name = 'WinRM'")).bytes()).await);
    let body = env.body_element().unwrap();
    let names: Vec<_> = body.elements().map(|e| (e.ns.as_deref().unwrap_or(""), e.name.as_str())).collect();
    assert_eq!(names, [(ns::WSEN, "EnumerationContext"), (ns::WSMAN, "Items"), (ns::WSMAN, "EndOfSequence")]);
    assert_eq!(context(&env).as_deref(), Some(""), "the element is there, empty");
    assert_eq!(items(&env, ns::WSMAN).len(), 1);
    let r = c.post(request::pull(&svc(), "", Some(5)).bytes()).await;
    assert_fault(&r, FaultKind::InvalidEnumerationContext, None);

    // Nothing matches: no Items element at all, as Windows sends it.
    let env = assert_ok(&c.post(request::enumerate(&svc(), wql(10, "SELECT * FROM Win32_Service WHERE Name = 'NoSuch'")).bytes()).await);
    let names: Vec<_> = env.body_element().unwrap().elements().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["EnumerationContext", "EndOfSequence"]);
}

#[tokio::test]
async fn the_last_pull_names_no_context_and_releases_it() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(request::enumerate(&svc(), opt(100)).bytes()).await);
    let ctx = context(&env).filter(|c| !c.is_empty()).expect("more than 100 services: a context");
    let env = assert_ok(&c.post(request::pull(&svc(), &ctx, Some(1000)).bytes()).await);
    assert!(ended(&env));
    assert_eq!(context(&env), None, "the last PullResponse carries no EnumerationContext");
    assert_fault(&c.post(request::pull(&svc(), &ctx, Some(5)).bytes()).await, FaultKind::InvalidEnumerationContext, None);
    assert_fault(&c.post(request::release(&svc(), &ctx).bytes()).await, FaultKind::InvalidEnumerationContext, None);
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
            v.extend(context(&assert_ok(&c.post(request::enumerate(&svc(), vec![]).bytes()).await)));
        }
        v
    };
    // Needs no context: one item, or every service in one batch.
    let env = assert_ok(&c.post(request::enumerate(&svc(), wql(10, "SELECT * FROM Win32_Service WHERE Name = 'WinRM'")).bytes()).await);
    assert!(ended(&env) && items(&env, ns::WSMAN).len() == 1);
    let env = assert_ok(&c.post(request::enumerate(&svc(), opt(1000)).bytes()).await);
    assert!(ended(&env) && items(&env, ns::WSMAN).len() >= 100);
    // Needs one: an optimized batch that leaves items, a plain Enumerate, and
    // a batch cut by the envelope size.
    for f in [opt(10), vec![]] {
        assert_fault(&c.post(request::enumerate(&svc(), f).bytes()).await, FaultKind::QuotaLimit, None);
    }
    let small = request::enumerate(&svc(), opt(1000)).with_header(|h| h.max_envelope_size = Some(16_384));
    assert_fault(&c.post(small.bytes()).await, FaultKind::QuotaLimit, None);
    // A context freed is a context available.
    assert_ok(&c.post(request::release(&svc(), &held[0]).bytes()).await);
    let env = assert_ok(&c.post(request::enumerate(&svc(), opt(10)).bytes()).await);
    assert_eq!(items(&env, ns::WSMAN).len(), 10);
}

/// Later Pulls see the sequence as it was when the enumeration started.
#[tokio::test]
async fn a_context_keeps_its_snapshot_across_changes() {
    let (_s, c) = setup().await;
    let env = assert_ok(&c.post(request::enumerate(&svc(), vec![]).bytes()).await);
    let ctx = context(&env).unwrap();
    let stop = request::new(wsman_proto::Action::Other(format!("{}/StopService", svc())), &svc())
        .selector("Name", "Spooler")
        .body(Element::ns(&svc(), "StopService_INPUT"));
    assert_ok(&c.post(stop.bytes()).await);
    let env = assert_ok(&c.post(request::pull(&svc(), &ctx, Some(1000)).bytes()).await);
    let state = |env: &Envelope| {
        items(env, ns::WSEN)
            .into_iter()
            .chain(items(env, ns::WSMAN))
            .find(|i| i.child_text(&svc(), "Name").as_deref() == Some("Spooler"))
            .and_then(|i| i.child_text(&svc(), "State"))
    };
    assert_eq!(state(&env).as_deref(), Some("Running"), "the context's snapshot");
    let env = assert_ok(&c.post(request::enumerate(&svc(), opt(1000)).bytes()).await);
    assert_eq!(state(&env).as_deref(), Some("Stopped"), "a new enumeration sees the change");
}
