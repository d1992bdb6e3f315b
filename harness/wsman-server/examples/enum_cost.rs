//! Times Enumerate on the reference server over loopback HTTP (keep-alive),
//! to compare what a request costs with what it asks for.
//!
//! `cargo run --release -p wsman-server --example enum_cost [ITERATIONS]`
//!
//! Prints the median and mean per request of: an optimized Enumerate of
//! Win32_Service with MaxElements 10, the same with MaxElements 32000 (every
//! service), and an optimized WQL Enumerate that ends in its first response
//! while the user's context quota is exhausted. Each context an Enumerate
//! leaves open is released (untimed) so the store stays small.
//!
//! The requests go through wsman-client: each is built once
//! ([`Session::request`]) and sent as bytes over the raw exchange, so the
//! time is the exchange's, not the client's encoding or decoding.

use std::net::SocketAddr;
use std::num::NonZeroU64;
use std::time::{Duration, Instant};

use bytes::Bytes;
use wsman_client::message::{Enumerate, EnumerateResponse, Filter, Message};
use wsman_client::{Endpoint, RawAuth, RawRequest, Resource, Session};
use wsman_proto::{Action, Envelope, Limits as XmlLimits};
use wsman_server::{Config, Limits, Server};

fn services() -> Resource {
    Resource::cimv2("Win32_Service")
}

fn optimized(session: &Session, max: u64, wql: Option<&str>) -> Bytes {
    let request = Enumerate { optimize: true, max_elements: NonZeroU64::new(max), filter: wql.map(|q| Filter::Wql(q.into())), ..Enumerate::default() };
    Bytes::from(session.request(&services(), request).encode())
}

/// Posts `body`; returns the status and the response bytes (decoded by the caller, untimed).
async fn post_raw(session: &Session, body: &Bytes) -> (u16, Bytes) {
    let request = RawRequest {
        content_type: Some(wsman_client::session::SOAP_CONTENT_TYPE.into()),
        auth: RawAuth::Session,
        body: body.clone(),
        replayable: true,
        streamed: None,
        ..RawRequest::default()
    };
    let response = session.raw(request).await.expect("an answer");
    (response.status, response.body)
}

/// The context left open (if any) and the number of items of an
/// EnumerateResponse; none of either for a fault (the quota refusing one).
fn read(bytes: &[u8]) -> (Option<String>, usize) {
    let env = Envelope::decode(bytes, &XmlLimits::default()).expect("an envelope");
    if env.fault().is_some() {
        return (None, 0);
    }
    let r = EnumerateResponse::decode_owned(env.body).expect("an EnumerateResponse");
    (r.context.filter(|c| !c.trim().is_empty()), r.items.map_or(0, |i| i.len()))
}

/// Times `n` posts of `body`; releases any context left open (untimed).
async fn time(session: &Session, label: &str, body: &Bytes, n: usize) {
    let mut samples = Vec::with_capacity(n);
    let mut last = (0, 0);
    for _ in 0..n {
        let t = Instant::now();
        let (status, bytes) = post_raw(session, body).await;
        samples.push(t.elapsed());
        let (context, items) = read(&bytes);
        last = (status, items);
        if let Some(c) = context {
            session.release(&services(), &c).await.expect("a Release");
        }
    }
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    println!("{label:58} median {:>8.1?}  mean {:>8.1?}  (HTTP {}, {} items)", samples[n / 2], mean, last.0, last.1);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300);
    let quota = 4;
    let cfg = Config {
        http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        allow_unencrypted: true,
        limits: Limits { enumeration_quota: quota, ..Limits::default() },
        ..Config::default()
    };
    let server = Server::bind(cfg).await.expect("bind");
    let url = format!("http://{}/wsman", server.http_addr().expect("an address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let session = Session::new(Endpoint::new(url).with_user("admin", "admin")).expect("a session");

    // Warm up the connection and the allocator.
    time(&session, "warm-up", &optimized(&session, 10, None), 20).await;
    time(&session, "optimized Enumerate Win32_Service, MaxElements 10", &optimized(&session, 10, None), n).await;
    time(&session, "optimized Enumerate Win32_Service, MaxElements 32000", &optimized(&session, 32_000, None), n).await;

    // Exhaust the quota with contexts that stay open (a plain call: an
    // Enumeration stream would release its context when dropped), then ask
    // for one that needs none.
    let mut held = Vec::new();
    for _ in 0..quota {
        let r: EnumerateResponse = session.call(session.header(Action::Enumerate, &services()), Enumerate::default(), true).await.expect("an Enumerate");
        held.extend(r.context.filter(|c| !c.is_empty()));
    }
    assert_eq!(held.len(), quota, "the quota is held");
    let one = optimized(&session, 10, Some("SELECT * FROM Win32_Service WHERE Name = 'WinRM'"));
    time(&session, "quota exhausted: optimized WQL Enumerate of 1 item", &one, n).await;
    time(&session, "quota exhausted: optimized Enumerate, MaxElements 10", &optimized(&session, 10, None), n).await;

    let _ = stop.send(());
    let _ = task.await;
}
