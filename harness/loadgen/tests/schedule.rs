//! The open schedule corrects coordinated omission; interval logs of two
//! shards merge to exactly the histograms the shards recorded.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use loadgen::hdrlog::MergedLog;
use loadgen::op::builtin::builtin;
use loadgen::{Expect, LoadConfig, Mix, RequestOp, Schedule, Stop};
use wsman_client::{Endpoint, RawRequest};

/// How long the test server stalls, once.
const STALL: Duration = Duration::from_millis(600);

/// A loopback HTTP server that answers 200 at once, except that the
/// request arriving after `stall_after` requests waits [`STALL`] first.
async fn stalling_server(stall_after: usize) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stalled = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(async move {
        // Bounded by the test: the task is aborted at its end.
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (seen, stalled) = (Arc::clone(&seen), Arc::clone(&stalled));
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req: Request<hyper::body::Incoming>| {
                    let (seen, stalled) = (Arc::clone(&seen), Arc::clone(&stalled));
                    async move {
                        if seen.fetch_add(1, Ordering::SeqCst) >= stall_after && !stalled.swap(true, Ordering::SeqCst) {
                            tokio::time::sleep(STALL).await;
                        }
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(tcp), service).await;
            });
        }
    });
    (format!("http://{addr}/wsman"), task)
}

fn plain_post() -> Mix {
    let op =
        RequestOp::new("post", Expect::Success, Box::new(|| Ok(RawRequest { body: Bytes::from_static(b"<x/>"), replayable: true, ..RawRequest::default() })));
    Mix::new(vec![(Arc::new(op), 1)])
}

async fn run(schedule: Schedule, stop: Stop) -> loadgen::LoadResult {
    let (url, server) = stalling_server(50).await;
    let cfg = LoadConfig::new(schedule, stop, plain_post());
    let r = loadgen::run(cfg, &Endpoint::new(url).with_timeout(Duration::from_secs(10)), None).await.expect("runs");
    server.abort();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_schedule_counts_the_stall_for_every_request_it_delayed() {
    // One connection, 200 requests per second for 2 s: the stall holds the
    // one connection for 600 ms, so the ~120 requests due meanwhile start late.
    let open = run(Schedule::Open { rate: 200.0, connections: 1 }, Stop::Duration(Duration::from_secs(2))).await;
    let closed = run(Schedule::Closed { connections: 1 }, Stop::Duration(Duration::from_secs(2))).await;
    let (o, c) = (open.total_latency(), closed.total_latency());
    let ms = |us: u64| us as f64 / 1000.0;
    eprintln!(
        "open: {} req p50 {} p90 {} p99 {} max {}",
        o.len(),
        ms(o.value_at_quantile(0.5)),
        ms(o.value_at_quantile(0.9)),
        ms(o.value_at_quantile(0.99)),
        ms(o.max())
    );
    eprintln!(
        "closed: {} req p50 {} p90 {} p99 {} max {}",
        c.len(),
        ms(c.value_at_quantile(0.5)),
        ms(c.value_at_quantile(0.9)),
        ms(c.value_at_quantile(0.99)),
        ms(c.max())
    );
    assert_eq!((open.errors(), closed.errors()), (0, 0));
    // Both saw the stall once as a maximum.
    assert!(o.max() >= 550_000 && c.max() >= 550_000, "open max {} closed max {}", o.max(), c.max());
    // The open run charges it to every delayed request: a tenth of its
    // requests waited a quarter of the stall or more...
    assert!(o.value_at_quantile(0.9) >= 150_000, "open p90 {} µs", o.value_at_quantile(0.9));
    // ...the closed run hid it behind one slow sample among many fast ones.
    assert!(c.len() > 500, "closed requests {}", c.len());
    assert!(c.value_at_quantile(0.99) < 150_000, "closed p99 {} µs", c.value_at_quantile(0.99));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_shard_logs_equal_the_shards_histograms() {
    let server = test_support::TestServer::reference().await;
    let endpoint = Endpoint::new(server.url.clone()).with_user("admin", "admin");
    let mix = || Mix::new(["identify", "get-service", "enumerate-flow"].iter().map(|n| (builtin(n).expect("built-in"), 1)).collect());
    let shard = |_: u32| {
        let mut cfg = LoadConfig::new(Schedule::Closed { connections: 2 }, Stop::Requests(150), mix());
        cfg.hdr_log = true;
        // Several intervals per log.
        cfg.interval = Duration::from_millis(20);
        let endpoint = endpoint.clone();
        async move { loadgen::run(cfg, &endpoint, None).await.expect("runs") }
    };
    let (a, b) = tokio::join!(shard(0), shard(1));
    server.stop().await;
    let mut merged = MergedLog::default();
    merged.add_log(a.hdr_log.as_deref().expect("log a").as_bytes()).expect("reads a");
    merged.add_log(b.hdr_log.as_deref().expect("log b").as_bytes()).expect("reads b");
    assert!(merged.intervals > 4, "{} intervals", merged.intervals);
    assert_eq!(a.errors() + b.errors(), 0);
    // One histogram over both shards' samples, slot by slot (flows and steps).
    let mut compared = 0;
    for (sa, sb) in a.slots.iter().zip(&b.slots) {
        assert_eq!(sa.name, sb.name);
        let mut whole = loadgen::record::new_histogram();
        whole.add(&sa.ok).expect("adds");
        whole.add(&sb.ok).expect("adds");
        if whole.is_empty() {
            assert!(!merged.ok.contains_key(&sa.name), "{}", sa.name);
            continue;
        }
        let m = merged.ok.get(&sa.name).unwrap_or_else(|| panic!("tag {} in the logs", sa.name));
        assert_eq!(m, &whole, "{}", sa.name);
        for q in [0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
            assert_eq!(m.value_at_quantile(q), whole.value_at_quantile(q));
        }
        compared += 1;
    }
    assert!(compared >= 5, "{compared} slots compared");
    assert_eq!(merged.ok["identify"].len() + merged.ok["get-service"].len() + merged.ok["enumerate-flow"].len(), 300);
}
