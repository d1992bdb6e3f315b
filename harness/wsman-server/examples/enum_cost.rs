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

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wsman_proto::header::Header;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, Envelope, Limits as XmlLimits};
use wsman_server::{Config, Limits, Server};

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn service_uri() -> String {
    format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX)
}

fn request(action: Action, body: Element) -> Vec<u8> {
    let header = Header {
        to: Some("http://127.0.0.1/wsman".into()),
        reply_to: Some(ns::WSA_ANONYMOUS.into()),
        action: Some(action),
        message_id: Some("uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9".into()),
        resource_uri: Some(service_uri()),
        max_envelope_size: Some(512_000),
        ..Header::default()
    };
    Envelope { header, body: vec![body] }.encode()
}

fn optimized(max: u32, wql: Option<&str>) -> Vec<u8> {
    let mut body = Element::ns(ns::WSEN, "Enumerate")
        .with_child(Element::ns(ns::WSMAN, "OptimizeEnumeration"))
        .with_child(Element::ns(ns::WSMAN, "MaxElements").with_text(max.to_string()));
    if let Some(q) = wql {
        body.push(Element::ns(ns::WSMAN, "Filter").with_attr(None, "Dialect", ns::dialect::WQL).with_text(q));
    }
    request(Action::Enumerate, body)
}

fn release(context: &str) -> Vec<u8> {
    request(Action::Release, Element::ns(ns::WSEN, "Release").with_child(Element::ns(ns::WSEN, "EnumerationContext").with_text(context)))
}

/// Posts `body`; returns the status and the response bytes (decoded by the caller, untimed).
async fn post_raw(http: &Http, url: &str, body: &[u8]) -> (u16, Bytes) {
    let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("admin:admin"));
    let req = hyper::Request::post(url)
        .header("Content-Type", "application/soap+xml;charset=UTF-8")
        .header("Authorization", auth)
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("a request");
    let resp = http.request(req).await.expect("an answer");
    let status = resp.status().as_u16();
    (status, resp.into_body().collect().await.expect("a body").to_bytes())
}

async fn post(http: &Http, url: &str, body: &[u8]) -> (u16, Envelope) {
    let (status, bytes) = post_raw(http, url, body).await;
    (status, Envelope::decode(&bytes, &XmlLimits::default()).expect("an envelope"))
}

fn context(env: &Envelope) -> Option<String> {
    env.body_element().and_then(|b| b.child_text(ns::WSEN, "EnumerationContext")).filter(|c| !c.trim().is_empty())
}

fn items(env: &Envelope) -> usize {
    env.body_element().and_then(|b| b.child(ns::WSMAN, "Items")).map_or(0, |i| i.elements().count())
}

/// Times `n` posts of `body`; releases any context left open (untimed).
async fn time(http: &Http, url: &str, label: &str, body: &[u8], n: usize) {
    let mut samples = Vec::with_capacity(n);
    let mut last = (0, 0);
    for _ in 0..n {
        let t = Instant::now();
        let (status, bytes) = post_raw(http, url, body).await;
        samples.push(t.elapsed());
        let env = Envelope::decode(&bytes, &XmlLimits::default()).expect("an envelope");
        last = (status, items(&env));
        if let Some(c) = context(&env) {
            post(http, url, &release(&c)).await;
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
    let http: Http = Client::builder(TokioExecutor::new()).build_http();

    // Warm up the connection and the allocator.
    time(&http, &url, "warm-up", &optimized(10, None), 20).await;
    time(&http, &url, "optimized Enumerate Win32_Service, MaxElements 10", &optimized(10, None), n).await;
    time(&http, &url, "optimized Enumerate Win32_Service, MaxElements 32000", &optimized(32_000, None), n).await;

    // Exhaust the quota with contexts that stay open, then ask for one that needs none.
    let mut held = Vec::new();
    for _ in 0..quota {
        let (_, env) = post(&http, &url, &request(Action::Enumerate, Element::ns(ns::WSEN, "Enumerate"))).await;
        held.extend(context(&env));
    }
    assert_eq!(held.len(), quota, "the quota is held");
    let one = optimized(10, Some("SELECT * FROM Win32_Service WHERE Name = 'WinRM'"));
    time(&http, &url, "quota exhausted: optimized WQL Enumerate of 1 item", &one, n).await;
    time(&http, &url, "quota exhausted: optimized Enumerate, MaxElements 10", &optimized(10, None), n).await;

    let _ = stop.send(());
    let _ = task.await;
}
