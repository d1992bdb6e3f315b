//! Validates the given files repeatedly and prints envelopes per second on one thread
//! and on a pool of N threads:
//! `validate_throughput [--threads N] [--rounds R] [--only single|pool] FILE...`.
//! `--only` runs one phase, so that `/usr/bin/time` gives its CPU time per envelope.
//! Used by benches/compare-xmllint.sh next to `xmllint --schema` on the same files.

use std::time::Instant;

use rayon::prelude::*;
use schema_check::{with_thread_validator, Validator};

fn main() {
    let mut threads = 2usize;
    let mut rounds = 20usize;
    let mut only = String::new();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(2),
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(20),
            "--only" => only = args.next().unwrap_or_default(),
            _ => files.push(arg),
        }
    }
    let docs: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    if docs.is_empty() {
        eprintln!("usage: validate_throughput [--threads N] [--rounds R] FILE...");
        std::process::exit(2);
    }
    let mut validator = match Validator::new() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let invalid = docs.iter().filter(|d| !validator.is_valid(d)).count();
    let total = docs.len() * rounds;

    let mut one = f64::NAN;
    if only != "pool" {
        let start = Instant::now();
        for _ in 0..rounds {
            for d in &docs {
                std::hint::black_box(validator.validate(d));
            }
        }
        one = total as f64 / start.elapsed().as_secs_f64();
        println!("one_thread_per_s={one:.0}");
    }
    if only == "single" {
        return;
    }

    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    // Warm up: one validator per worker.
    pool.install(|| docs.par_iter().for_each(|d| drop(with_thread_validator(|v| v.validate(d)))));
    let start = Instant::now();
    pool.install(|| {
        (0..rounds).for_each(|_| {
            docs.par_iter().with_min_len(64).for_each(|d| {
                std::hint::black_box(with_thread_validator(|v| v.validate(d)).ok());
            })
        })
    });
    let many = total as f64 / start.elapsed().as_secs_f64();
    println!("files={} invalid={invalid} rounds={rounds}", docs.len());
    println!("threads={threads} pool_per_s={many:.0} speedup={:.2}", many / one);
}
