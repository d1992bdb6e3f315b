//! The embedded corpus against the reference server (with the BMC's classes).

use driver::{run, RunEvent};
use report::Status;
use test_support::TestServer;

use crate::{config, corpus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_runs_against_the_reference_server() {
    let server = TestServer::reference().await;
    let mut finished = 0usize;
    let report = {
        let mut count = report::from_fn(|e: &RunEvent| {
            if let RunEvent::CaseFinished { .. } = e {
                finished += 1;
            }
        });
        run(config(&server.url, corpus()), &mut [&mut count]).await.expect("run")
    };
    assert_eq!(finished, crate::cases_run());
    assert_eq!(report.cases.len(), crate::cases_run());
    // Every case got a response from the server (no transport failure, no hang).
    let transport: Vec<_> = report.results.iter().filter(|r| r.assertion == "transport.response" && r.status == Status::Fail).collect();
    assert!(transport.is_empty(), "transport failures: {transport:#?}");
    let s = report.summary();
    eprintln!("summary: {s:?}");
    for r in report.failures() {
        eprintln!("FAIL {} {} {}", r.case, r.assertion, r.message.lines().next().unwrap_or(""));
    }
    for r in report.results.iter().filter(|r| r.status == Status::Unimplemented) {
        eprintln!("UNIMPLEMENTED {} {}", r.case, r.message);
    }
    // Identify is the baseline every WS-Man endpoint offers.
    assert_eq!(report.case_status("core/identify/basic"), Some(Status::Pass));
    // The certification: no FAIL anywhere, and no SKIP or UNIMPLEMENTED in a
    // profile the reference server implements.
    assert_eq!(s.failed, 0, "failures against the reference server");
    let gaps: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Skip | Status::Unimplemented))
        .filter(|r| report.profile_of(&r.case).is_some_and(|p| wsman_server::IMPLEMENTED_PROFILES.contains(&p)))
        .map(|r| format!("{} {} {}", r.case, r.assertion, r.message))
        .collect();
    assert!(gaps.is_empty(), "SKIP/UNIMPLEMENTED in implemented profiles: {gaps:#?}");
    server.stop().await;
}

#[tokio::test]
async fn unreachable_endpoint_is_a_setup_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = run(config(&format!("http://127.0.0.1:{port}/wsman"), corpus()), &mut []).await.unwrap_err();
    assert!(err.is_unreachable(), "{err}");
}
