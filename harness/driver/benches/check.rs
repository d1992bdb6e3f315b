//! Wall time of one full `check` of the embedded corpus against the reference
//! server, started in-process on 127.0.0.1:0 (what `wsman-harness check` with
//! no `--endpoint` does). One criterion iteration is one complete run.
//!
//! `cargo bench -p driver --bench check`

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use driver::{run, Corpus, Endpoint, RunConfig};
use report::Status;
use test_support::TestServer;

fn config(url: &str, corpus: Arc<Corpus>) -> RunConfig {
    let target = Endpoint::new(url).with_user("admin", "admin").with_timeout(driver::DEFAULT_TIMEOUT);
    let mut c = RunConfig::new(target, corpus);
    c.embedded = true;
    c
}

fn bench_check(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let corpus = Arc::new(Corpus::embedded().expect("embedded corpus"));
    let server = rt.block_on(TestServer::default_server());

    // One run outside the measurement: it must reach every case.
    let started = Instant::now();
    let report = rt.block_on(run(config(&server.url, corpus.clone()), &mut [])).expect("run");
    let transport = report.results.iter().filter(|r| r.assertion == "transport.response" && r.status == Status::Fail).count();
    assert_eq!(transport, 0, "transport failures in the warm-up run");
    eprintln!("one run: {} cases, {} results, {:?} in {:.2?}", report.cases.len(), report.results.len(), report.summary(), started.elapsed());

    let mut group = c.benchmark_group("check");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(2));
    group.bench_function("embedded-corpus", |b| {
        b.iter(|| {
            let report = rt.block_on(run(config(&server.url, corpus.clone()), &mut [])).expect("run");
            std::hint::black_box(report.results.len())
        })
    });
    group.finish();
    rt.block_on(server.stop());
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
