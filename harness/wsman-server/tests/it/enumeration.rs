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
    assert!(it.iter().all(|e| e.is(ns::WSMAN, "Item") && e.child(&svc(), "Win32_Service").is_some() && e.child(ns::WSA, "EndpointReference").is_some()), "rule 17");
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
