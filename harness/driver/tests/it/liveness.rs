//! Issue 7: a hung endpoint must not hang the certification, and certifying
//! over HTTPS is clean.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use driver::{run, TlsMode};
use report::Status;
use test_support::TestServer;
use wsman_server::{Config, Defect, DefectSet};

use crate::{config, corpus};

/// Against `hang-on-get`, the Get action stalls after two timeouts: the rest
/// of its exchanges fail fast with the liveness message, everything else is
/// still judged, and the run takes about one timeout, not one per hung case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_action_fails_fast_after_two_timeouts() {
    let server = TestServer::host(Config { defects: DefectSet::new([Defect::HangOnGet]), ..Default::default() }, wsman_server::BmcOptions::default()).await;
    let timeout = Duration::from_secs(2);
    let mut c = config(&server.url, corpus());
    c.target.timeout = timeout;
    let started = Instant::now();
    let report = run(c, &mut []).await.expect("run");
    let elapsed = started.elapsed();
    server.stop().await;

    assert_eq!(report.stalled.len(), 1, "{:?}", report.stalled);
    let stalled = &report.stalled[0];
    let get = wsman_proto::Action::Get.uri();
    assert_eq!(stalled.action, get);
    // Only the first wave (at most the 8 cases in flight) waited: a Get due
    // while that wave times out is held back, then failed fast.
    assert!((2..=8).contains(&stalled.timeouts), "{stalled:?}");
    assert!(stalled.failed_fast >= 50, "{stalled:?}");
    let fast: Vec<_> =
        report.failures().filter(|r| r.assertion == "transport.response" && r.message.contains(&format!("endpoint stopped answering {get}"))).collect();
    assert_eq!(fast.len() as u64, stalled.failed_fast, "one FAIL per exchange failed fast");
    assert_eq!(report.case_status("transfer/get/os-singleton"), Some(Status::Fail));
    // Nothing but the hung action fails: every other case is judged as usual.
    let others: Vec<_> =
        report.failures().filter(|r| r.assertion != "transport.response").map(|r| format!("{} {} {}", r.case, r.assertion, r.message)).collect();
    let unrelated: Vec<_> = others.iter().filter(|m| !m.contains("Get")).collect();
    assert!(unrelated.is_empty(), "{unrelated:#?}");
    assert_eq!(report.case_status("core/identify/basic"), Some(Status::Pass));
    assert_eq!(report.case_status("enumeration/enumerate/os-basic"), Some(Status::Pass));
    // Without the rule the ~120 hung Gets take 120 x 2 s / 8 = 30 s.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

/// The rule does not cut off an action that still answers: against the clean
/// server, with the same short timeout, nothing stalls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answering_endpoint_has_no_stalled_action() {
    let server = TestServer::reference().await;
    let mut c = config(&server.url, corpus());
    c.target.timeout = Duration::from_secs(2);
    c.case_glob = Some("transfer/*".into());
    let report = run(c, &mut []).await.expect("run");
    server.stop().await;
    assert!(report.stalled.is_empty(), "{:?}", report.stalled);
    assert_eq!(report.summary().failed, 0, "{:?}", report.failures().next());
}

async fn https_server() -> TestServer {
    let any: SocketAddr = ([127, 0, 0, 1], 0).into();
    TestServer::start_exact(Config { http: None, https: Some(any), ..Default::default() }).await
}

/// The server answers an oversized body with 413 and closes while the client
/// is still writing; over TLS the client used to report a broken pipe
/// instead of the 413 in two runs of three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oversized_body_refusal_is_read_over_https_every_time() {
    let server = https_server().await;
    assert!(server.url.starts_with("https://"), "{}", server.url);
    for round in 0..40 {
        let mut c = config(&server.url, corpus());
        c.target.tls = TlsMode::Insecure;
        c.case_glob = Some("core/http/oversized-body".into());
        let report = run(c, &mut []).await.expect("run");
        let failures: Vec<_> = report.failures().map(|r| format!("{} {}", r.assertion, r.message)).collect();
        assert!(failures.is_empty(), "round {round}: {failures:#?}");
        assert_eq!(report.case_status("core/http/oversized-body"), Some(Status::Pass));
    }
    server.stop().await;
}
