//! The step executor on its own: one case, one step, a replaced envelope.

use std::collections::BTreeMap;
use std::time::Duration;

use driver::{Endpoint, StepExecutor};
use report::Status;
use test_support::TestServer;

use crate::corpus;

fn executor(url: &str) -> StepExecutor {
    let target = Endpoint::new(url).with_user("admin", "admin").with_timeout(Duration::from_secs(20));
    StepExecutor::new(target, corpus()).expect("executor")
}

#[tokio::test]
async fn one_case_one_step_and_a_replaced_envelope() {
    let server = TestServer::reference().await;
    let exec = executor(&server.url);
    exec.probe().await.expect("the server answers");
    let corpus = corpus();
    let case = corpus.cases.iter().find(|c| c.id == "core/identify/basic").expect("case");

    // One case: its results (no waiver applied) and every exchange, told as it ends.
    let mut told = Vec::new();
    let run = exec.run_case(case, "0000abcd", |step, exchange, _| told.push((step, exchange.clone()))).await;
    assert!(!run.results.is_empty() && run.results.iter().all(|r| r.status == Status::Pass), "{:#?}", run.results);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, 1);
    assert_eq!(run.record.exchanges, [told[0].1.clone()]);
    assert_eq!(run.record.exchanges[0].response_status, 200);

    // One step, the same path: rendered, sent, judged.
    let prepared = exec.prepare_step(case, 0, "0000abcd", &BTreeMap::new()).expect("renders");
    assert_eq!(prepared.action.as_ref().map(|a| a.key.as_str()), Some("Identify"));
    let outcome = exec.send(&prepared).await;
    assert!(outcome.verdict.passed(), "{:#?}", outcome.verdict.findings);
    assert_eq!(outcome.exchange.response_status, 200);

    // A mutated envelope goes through the same send and judge: the Identify
    // expectations now fail, and the report text is the envelope sent.
    let broken = prepared.with_envelope("<s:Envelope".to_owned());
    assert_eq!(broken.action, None);
    let outcome = exec.send(&broken).await;
    assert_eq!(outcome.exchange.request, "<s:Envelope");
    assert!(outcome.exchange.response_status >= 400, "{:?}", outcome.exchange);
    assert!(!outcome.verdict.passed(), "an unparsable request is not answered as Identify");
    assert!(exec.prepare_step(case, 7, "x", &BTreeMap::new()).is_err(), "no step 8");
    assert!(exec.stalled().is_empty());
    server.stop().await;
}
