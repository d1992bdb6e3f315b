//! The reference server's hot paths in-process, with the request bytes of
//! `benches/requests/` (the ones `benches/compare.sh` sends over HTTP):
//! dispatch (decode, header rules, the operation, encode) of Identify, a Get
//! of one Win32_Service and an optimized Enumerate of every Win32_Service,
//! then XSD validation (schema-check) of each answer, as `check` judges it.
//!
//! Baseline in the same run: quick-xml's namespace-resolving reader scanning
//! the response bytes (what merely reading the answer costs), so the figures
//! compare across sizes and machines as ratios.
//!
//! `cargo bench -p benches --bench server` (not part of CI: building benches is slow).

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wsman_server::{Config, Server, User};

fn request(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("requests").join(format!("{name}.xml"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn server(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let config = Config {
        http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        users: vec![User { name: "bench".into(), password: "bench".into() }],
        allow_unencrypted: true,
        ..Config::default()
    };
    let server = rt.block_on(Server::bind(config)).expect("a server");
    let mut validator = schema_check::Validator::new().expect("schemas compile");
    for name in ["identify", "get", "enumerate"] {
        let body = request(name);
        let (status, response) = rt.block_on(server.answer(&body, "bench"));
        assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&response));
        assert!(validator.is_valid(&response), "{name}: the answer is schema-valid");
        let mut g = c.benchmark_group(format!("server-{name}"));
        g.throughput(Throughput::Bytes(response.len() as u64));
        g.bench_function("baseline-nsreader-scan-response", |b| b.iter(|| benches::scan(black_box(&response))));
        g.bench_function("dispatch", |b| b.iter(|| rt.block_on(server.answer(black_box(&body), "bench"))));
        g.bench_function("validate-response", |b| b.iter(|| black_box(validator.validate(black_box(&response)))));
        g.finish();
    }
}

criterion_group!(benches, server);
criterion_main!(benches);
