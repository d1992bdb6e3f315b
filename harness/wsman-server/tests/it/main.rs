//! Wire-level tests of the reference server over real sockets on port 0.

mod addressing;
mod defects;
mod edge;
mod enumeration;
mod events;
mod faults;
#[cfg(feature = "negotiate")]
mod negotiate;
mod profiles;
mod reference;
mod robustness;
mod shell;
mod snapshots;
mod subscriptions;
mod transfer;

use test_support::{Client, Reply, TestServer};
use wsman_proto::header::UnknownHeader;
use wsman_proto::xml::Element;
use wsman_proto::{Envelope, FaultDetail, FaultKind};

/// Starts a default server and an admin client.
pub(crate) async fn setup() -> (TestServer, Client) {
    let s = TestServer::default_server().await;
    let c = Client::admin(&s);
    (s, c)
}

/// Starts a server with defects switched on.
pub(crate) async fn setup_with(defects: &[wsman_server::Defect]) -> (TestServer, Client) {
    let cfg = wsman_server::Config { defects: wsman_server::DefectSet::new(defects.iter().copied()), ..Default::default() };
    let s = TestServer::start(cfg).await;
    let c = Client::admin(&s);
    (s, c)
}

/// Asserts a fault of `kind` (and `detail`, when given) sent with HTTP 500.
#[track_caller]
pub(crate) fn assert_fault(r: &Reply, kind: FaultKind, detail: Option<FaultDetail>) -> Envelope {
    assert_eq!(r.status, 500, "faults go out with 500: {}", r.text());
    let env = r.envelope();
    let f = env.fault().unwrap_or_else(|| panic!("no fault in {}", r.text()));
    assert_eq!(f.kind(), Some(kind), "{}", r.text());
    if let Some(d) = detail {
        assert_eq!(f.detail.as_deref(), Some(d.uri().as_str()), "{}", r.text());
    }
    env
}

/// Asserts a 200 response and returns its envelope.
#[track_caller]
pub(crate) fn assert_ok(r: &Reply) -> Envelope {
    assert_eq!(r.status, 200, "{}", r.text());
    r.envelope()
}

/// The MessageID of a request.
pub(crate) fn message_id(req: &Envelope) -> &str {
    req.header.message_id.as_deref().unwrap_or("")
}

/// `req` with one more header element, sent verbatim (an extension, a
/// repeated or malformed header).
pub(crate) fn raw_header(mut req: Envelope, element: Element) -> Envelope {
    let must_understand = wsman_proto::header::must_understand(&element);
    req.header.unknown.push(UnknownHeader { element, must_understand });
    req
}
