//! Validation throughput: envelopes per second on one thread, and on a rayon pool of
//! two threads (one validator per worker), over the crate's own test envelopes.
//!
//! `cargo bench -p schema-check --bench validate`; compare with xmllint on the same
//! files with `harness/schema-check/benches/compare-xmllint.sh`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rayon::prelude::*;
use schema_check::{with_thread_validator, Validator};

/// The valid envelopes of tests/data (1.1 to 1.8 KB each).
fn envelopes() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    ["shell-create-request.xml", "enumerate-response.xml", "fault-response.xml", "receive-response.xml"]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).expect("bench envelope"))
        .collect()
}

fn bench_validate(c: &mut Criterion) {
    let docs = envelopes();
    // A batch large enough to amortise the pool's scheduling.
    let batch: Vec<&Vec<u8>> = docs.iter().cycle().take(512).collect();
    let bytes: usize = batch.iter().map(|d| d.len()).sum();
    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(batch.len() as u64));
    eprintln!("batch: {} envelopes, {} bytes on average", batch.len(), bytes / batch.len());

    let mut validator = Validator::new().expect("schemas compile");
    assert!(docs.iter().all(|d| validator.is_valid(d)), "bench envelopes must be valid");
    group.bench_function("1-thread", |b| {
        b.iter(|| {
            for d in &batch {
                std::hint::black_box(validator.validate(d));
            }
        })
    });

    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| batch.par_iter().for_each(|d| drop(with_thread_validator(|v| v.validate(d)))));
        group.bench_function(format!("rayon-{threads}-threads"), |b| {
            b.iter_batched(
                || (),
                |()| {
                    pool.install(|| {
                        batch.par_iter().with_min_len(32).for_each(|d| {
                            std::hint::black_box(with_thread_validator(|v| v.validate(d)).ok());
                        })
                    })
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
