//! The enumeration stream: to the end in every mode, filters, release on drop.

use std::collections::BTreeSet;
use std::num::NonZeroU64;

use test_support::TestServer;
use wsman_client::message::{Enumerate, EnumerationMode, Filter, Item, Pull};
use wsman_client::Resource;
use wsman_proto::{FaultKind, SelectorSet};
use wsman_server::{Config, Defect, DefectSet};

use crate::session;

/// Services of the reference host's catalogue.
const SERVICES: usize = 179;

fn names(items: &[Item]) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Epr(epr) => epr.selectors.as_ref().and_then(|s| s.get("Name")).map(str::to_owned),
            other => other.object().and_then(|o| o.child_text(&Resource::cimv2("Win32_Service").uri, "Name")),
        })
        .collect()
}

#[tokio::test]
async fn every_service_in_every_shape() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let services = Resource::cimv2("Win32_Service");
    let shapes = [
        ("plain", Enumerate::default()),
        ("optimized", Enumerate { optimize: true, ..Enumerate::default() }),
        ("optimized, 7 a batch", Enumerate { optimize: true, max_elements: NonZeroU64::new(7), ..Enumerate::default() }),
        ("200 a batch", Enumerate { max_elements: NonZeroU64::new(200), ..Enumerate::default() }),
        ("EPR mode", Enumerate { optimize: true, max_elements: NonZeroU64::new(50), mode: EnumerationMode::Epr, ..Enumerate::default() }),
        ("object and EPR", Enumerate { max_elements: NonZeroU64::new(50), mode: EnumerationMode::ObjectAndEpr, ..Enumerate::default() }),
    ];
    for (label, request) in shapes {
        let mode = request.mode;
        let e = s.enumerate(&services, request).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        let items = e.collect().await.unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(items.len(), SERVICES, "{label}");
        assert_eq!(names(&items).len(), SERVICES, "{label}: every name once");
        let shaped = items.iter().all(|i| match mode {
            EnumerationMode::Object => matches!(i, Item::Object(_)),
            EnumerationMode::Epr => matches!(i, Item::Epr(_)),
            EnumerationMode::ObjectAndEpr => matches!(i, Item::ObjectAndEpr { .. }),
        });
        assert!(shaped, "{label}: {:?}", items.first());
    }
}

#[tokio::test]
async fn filters_select_items() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let services = Resource::cimv2("Win32_Service");
    let wql = Filter::Wql("SELECT * FROM Win32_Service WHERE Name = 'WinRM'".into());
    let e = s.enumerate(&services, Enumerate { optimize: true, filter: Some(wql), ..Enumerate::default() }).await.expect("WQL");
    let items = e.collect().await.expect("WQL items");
    assert_eq!(names(&items), BTreeSet::from(["WinRM".to_owned()]));

    let selector = Filter::Selector(SelectorSet::default().with("Name", "Spooler"));
    let e = s.enumerate(&services, Enumerate { filter: Some(selector), ..Enumerate::default() }).await.expect("selector filter");
    let items = e.collect().await.expect("selector items");
    assert_eq!(names(&items), BTreeSet::from(["Spooler".to_owned()]));

    // A filter the endpoint cannot run is the Enumerate's typed fault.
    let bad = Filter::Wql("SELECT FROM".into());
    let e = s.enumerate(&services, Enumerate { filter: Some(bad), ..Enumerate::default() }).await.unwrap_err();
    assert!(e.is_fault(), "{e:?}");
}

/// Pulls `context` once: the fault kind, or `None` when it still answers.
async fn pull_fault(s: &wsman_client::Session, context: &str) -> Option<FaultKind> {
    match s.pull(&Resource::cimv2("Win32_Service"), Pull { context: context.to_owned(), ..Pull::default() }).await {
        Ok(_) => None,
        Err(e) => Some(e.fault_kind().unwrap_or_else(|| panic!("not a known fault: {e:?}"))),
    }
}

async fn released_after_drop(server: &TestServer) -> Option<FaultKind> {
    let s = session(server);
    let request = Enumerate { optimize: true, max_elements: NonZeroU64::new(5), ..Enumerate::default() };
    let mut e = s.enumerate(&Resource::cimv2("Win32_Service"), request).await.expect("enumerate");
    e.next().await.expect("an item").expect("a good item");
    let context = e.context().expect("a live context").to_owned();
    drop(e);
    s.released().await;
    pull_fault(&s, &context).await
}

#[tokio::test]
async fn dropping_early_releases_the_context() {
    let server = TestServer::reference().await;
    assert_eq!(released_after_drop(&server).await, Some(FaultKind::InvalidEnumerationContext));

    // The control: a context nobody released still pulls.
    let s = session(&server);
    let mut e = s.enumerate(&Resource::cimv2("Win32_Service"), Enumerate { max_elements: NonZeroU64::new(5), ..Enumerate::default() }).await.unwrap();
    e.next().await.unwrap().unwrap();
    let context = e.context().unwrap().to_owned();
    std::mem::forget(e);
    assert_eq!(pull_fault(&s, &context).await, None);

    // Explicit release, then the stream is over for the server too.
    let mut e = s.enumerate(&Resource::cimv2("Win32_Service"), Enumerate::default()).await.unwrap();
    e.next().await.unwrap().unwrap();
    let context = e.context().unwrap().to_owned();
    e.release().await.expect("release");
    assert_eq!(pull_fault(&s, &context).await, Some(FaultKind::InvalidEnumerationContext));
}

/// The check fails against a server whose Release leaves the context valid.
#[tokio::test]
async fn a_release_that_does_not_release_is_seen() {
    let server = TestServer::start(Config { defects: DefectSet::new([Defect::AcceptReleasedContext]), ..Config::default() }).await;
    assert_eq!(released_after_drop(&server).await, None);
}

/// Windows' shapes of the end: an optimized Enumerate that ends at once (an
/// empty context with EndOfSequence) and a last Pull without a context.
#[tokio::test]
async fn windows_shaped_ends() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let services = Resource::cimv2("Win32_Service");
    let e = s.enumerate(&services, Enumerate { optimize: true, max_elements: NonZeroU64::new(500), ..Enumerate::default() }).await.unwrap();
    assert_eq!(e.context(), None, "ended in the first response");
    assert_eq!(e.collect().await.unwrap().len(), SERVICES);
    let mut e = s.enumerate(&services, Enumerate { max_elements: NonZeroU64::new(100), ..Enumerate::default() }).await.unwrap();
    let mut n = 0;
    while let Some(item) = e.next().await {
        item.unwrap();
        n += 1;
    }
    assert_eq!(n, SERVICES);
    assert!(e.is_done() && e.context().is_none());
}

/// A server that never says EndOfSequence does not hold the stream forever.
#[tokio::test]
async fn an_endless_enumeration_is_cut() {
    let server = TestServer::start(Config { defects: DefectSet::new([Defect::NoEndOfSequence]), ..Config::default() }).await;
    let s = session(&server);
    let e = s.enumerate(&Resource::cimv2("Win32_Service"), Enumerate { max_elements: NonZeroU64::new(100), ..Enumerate::default() }).await.unwrap();
    let err = e.collect().await.unwrap_err();
    assert_eq!(err.kind(), wsman_client::ErrorKind::Protocol(wsman_client::ProtocolKind::Decode), "{err:?}");
}
