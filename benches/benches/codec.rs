//! Decode and encode of representative envelopes: a client request, a
//! 20-item enumeration response, and a fault. Throughput is reported in
//! bytes, so the figures compare across sizes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wsman_client::message::Get;
use wsman_client::{Endpoint, Resource, Session};
use wsman_proto::xml::Element;
use wsman_proto::{ns, CallContext, Envelope, Fault, FaultKind, Limits};

/// A Get as wsman-client builds it, with the MessageID fixed so the bytes
/// are the same in every run (and as the figures before the client existed).
fn get_request(resource: &Resource) -> Envelope {
    let endpoint = Endpoint::new("http://127.0.0.1:5985/wsman").with_timeout(std::time::Duration::from_secs(60));
    let mut env = Session::new(endpoint).expect("a session").request(resource, Get);
    env.header.message_id = Some("uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9".into());
    env
}

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let get = get_request(&Resource::cimv2("Win32_Service").selector("Name", "WinRM")).encode();
    let host = wsman_server::providers::windows_host("BENCH");
    let svc = Resource::cimv2("Win32_Service").uri;
    let provider = host.iter().find(|p| p.resource_uris().contains(&svc)).expect("the service provider");
    let ctx = CallContext { user: "bench", now: std::time::SystemTime::UNIX_EPOCH };
    let instances = provider.enumerate(&ctx, &svc).expect("services");
    let mut items = Element::ns(ns::WSMAN, "Items");
    instances.iter().take(20).for_each(|i| items.push(i.to_element()));
    let resp = Envelope {
        header: get_request(&Resource::new(&svc)).header,
        body: vec![Element::ns(ns::WSEN, "EnumerateResponse").with_child(Element::ns(ns::WSEN, "EnumerationContext").with_text("uuid:X")).with_child(items)],
    }
    .encode();
    let fault = Envelope {
        header: Default::default(),
        body: vec![Fault::new(FaultKind::InvalidSelectors, "the key selector Name is missing").to_element("en-US", "BENCH")],
    }
    .encode();
    vec![("get-request", get), ("enumerate-response-20", resp), ("fault", fault)]
}

fn codec(c: &mut Criterion) {
    let limits = Limits::default();
    for (name, bytes) in samples() {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        // Baseline in the same run: quick-xml's namespace-resolving reader alone,
        // with no tree, no limits and no model (the floor any decoder pays).
        g.bench_function("baseline-nsreader-scan", |b| b.iter(|| benches::scan(black_box(&bytes))));
        g.bench_function("decode", |b| b.iter(|| Envelope::decode(black_box(&bytes), &limits).expect("decodes")));
        let env = Envelope::decode(&bytes, &limits).expect("decodes");
        g.bench_function("encode", |b| b.iter(|| black_box(&env).encode()));
        g.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
