//! Issue 10: the event stream of a run, and the report built from it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use driver::{run, RunEvent};
use report::{ReportCollector, Reporter, RunReport};
use test_support::TestServer;

use crate::{config, corpus};

/// Every event of a run, in the order the reporters were told.
#[derive(Debug, Default, Clone)]
struct Recorder(Arc<Mutex<Vec<RunEvent>>>);

impl Reporter for Recorder {
    fn on_event(&mut self, event: &RunEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Recorder {
    fn events(&self) -> Vec<RunEvent> {
        self.0.lock().unwrap().clone()
    }
}

/// What one case's events looked like: positions in the stream.
#[derive(Debug, Default)]
struct CaseTrace {
    started: Vec<usize>,
    exchanges: Vec<usize>,
    finished: Vec<usize>,
}

fn traces(events: &[RunEvent]) -> BTreeMap<String, CaseTrace> {
    let mut out: BTreeMap<String, CaseTrace> = BTreeMap::new();
    for (n, e) in events.iter().enumerate() {
        let Some(id) = e.case_id() else { continue };
        let t = out.entry(id.to_owned()).or_default();
        match e {
            RunEvent::CaseStarted { .. } => t.started.push(n),
            RunEvent::ExchangeFinished { .. } => t.exchanges.push(n),
            RunEvent::CaseFinished { .. } => t.finished.push(n),
            _ => unreachable!("run events have no case"),
        }
    }
    out
}

/// The whole corpus with 8 cases in flight: per case CaseStarted <
/// ExchangeFinished* < CaseFinished, cases do overlap, never more than the
/// bound (CaseStarted is told at start, not when queued), exclusive cases run
/// alone, and the report is the one the events make.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_in_order_per_case_under_concurrency() {
    let server = TestServer::reference().await;
    let mut c = config(&server.url, corpus());
    c.concurrency = 8;
    let mut rec = Recorder::default();
    let report = run(c, &mut [&mut rec]).await.expect("run");
    server.stop().await;
    let events = rec.events();

    assert!(matches!(events.first(), Some(RunEvent::RunStarted { meta }) if meta.cases == crate::cases_run() && meta.concurrency == 8));
    assert!(matches!(events.last(), Some(RunEvent::RunFinished { summary, .. }) if *summary == report.summary()));
    let runs = events.iter().filter(|e| matches!(e, RunEvent::RunStarted { .. } | RunEvent::RunFinished { .. })).count();
    assert_eq!(runs, 2, "one RunStarted, one RunFinished");

    let traces = traces(&events);
    assert_eq!(traces.len(), crate::cases_run());
    for (id, t) in &traces {
        assert_eq!((t.started.len(), t.finished.len()), (1, 1), "{id}: {t:?}");
        assert!(!t.exchanges.is_empty(), "{id}: no exchange");
        assert!(t.exchanges.iter().all(|n| t.started[0] < *n && *n < t.finished[0]), "{id}: {t:?}");
    }

    // Cases running at each point of the stream.
    let corpus = corpus();
    let exclusive: Vec<&str> = corpus.cases.iter().filter(|c| c.exclusive).map(|c| c.id.as_str()).collect();
    assert!(!exclusive.is_empty(), "the corpus has exclusive cases");
    let mut running: Vec<&str> = Vec::new();
    let mut most = 0;
    for e in &events {
        match e {
            RunEvent::CaseStarted { id, .. } => {
                assert!(running.iter().all(|r| !exclusive.contains(r)), "{id} started while an exclusive case ran: {running:?}");
                if exclusive.contains(&id.as_str()) {
                    assert!(running.is_empty(), "exclusive {id} started beside {running:?}");
                }
                running.push(id);
                most = most.max(running.len());
            }
            RunEvent::CaseFinished { record, .. } => running.retain(|r| *r != record.id),
            _ => {}
        }
    }
    assert!(running.is_empty());
    assert!((2..=8).contains(&most), "at most 8 cases in flight, and some at once: {most}");

    // A collector fed the same events alone gives the same report.
    let mut collector = ReportCollector::new();
    for e in &events {
        collector.on_event(e);
    }
    assert_eq!(collector.into_report().expect("RunStarted came"), report);
}

/// Concurrency 1, two cases: the second starts after the first finished; a
/// case keeping its traffic records exactly the exchanges its events told.
#[tokio::test]
async fn case_started_is_told_at_start_not_when_queued() {
    let server = TestServer::reference().await;
    let mut c = config(&server.url, corpus());
    c.concurrency = 1;
    c.keep_exchanges = true;
    c.case_glob = Some("core/identify/unauthenticated*".into());
    let mut rec = Recorder::default();
    let report = run(c, &mut [&mut rec]).await.expect("run");
    server.stop().await;
    let events = rec.events();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            RunEvent::RunStarted { .. } => "run-started".to_owned(),
            RunEvent::CaseStarted { id, .. } => format!("started {id}"),
            RunEvent::ExchangeFinished { case, step, .. } => format!("exchange {case} {step}"),
            RunEvent::CaseFinished { record, .. } => format!("finished {}", record.id),
            RunEvent::RunFinished { .. } => "run-finished".to_owned(),
        })
        .collect();
    let (a, b) = ("core/identify/unauthenticated", "core/identify/unauthenticated-no-header");
    let expected: Vec<String> = [
        "run-started".to_owned(),
        format!("started {a}"),
        format!("exchange {a} 1"),
        format!("finished {a}"),
        format!("started {b}"),
        format!("exchange {b} 1"),
        format!("finished {b}"),
        "run-finished".to_owned(),
    ]
    .into();
    assert_eq!(kinds, expected);
    for e in &events {
        if let RunEvent::ExchangeFinished { case, exchange, .. } = e {
            let record = report.case(case).expect("record");
            assert_eq!(record.exchanges, std::slice::from_ref(exchange), "{case}");
            assert!(exchange.response_status > 0 && !exchange.request.is_empty(), "{exchange:?}");
        }
    }
}

/// The report of the event stream is the report of the old runner: the
/// embedded check as committed in reports/reference (written by the runner
/// before the stream), field by field, run-time values aside.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_from_events_equals_the_reference_report() {
    let path = test_support::workspace_root().join("reports/reference/report.json");
    let reference = report::json::read(&path).expect("reports/reference/report.json");
    let server = TestServer::reference().await;
    let mut c = config(&server.url, corpus());
    c.required_profiles = wsman_server::IMPLEMENTED_PROFILES.iter().map(|p| (*p).to_owned()).collect();
    let report = run(c, &mut []).await.expect("run");
    server.stop().await;
    let hint = "(after a change of the corpus or the server, regenerate reports/reference: see reports/README.md)";
    let RunReport { tool, kind, endpoint: _, embedded, started_at, duration_s: _, profiles, required_profiles, results, cases, stalled, .. } = &report;
    assert_eq!(tool, &reference.tool);
    assert_eq!(*kind, reference.kind);
    assert_eq!(*embedded, reference.embedded);
    assert_eq!(started_at.len(), "2025-01-01T00:00:00Z".len(), "{started_at}");
    assert_eq!(profiles, &reference.profiles, "{hint}");
    assert_eq!(required_profiles, &reference.required_profiles);
    assert_eq!(stalled, &reference.stalled);
    assert_eq!(report.summary(), reference.summary(), "{hint}");
    assert_eq!(results.len(), reference.results.len(), "{hint}");
    for (mine, theirs) in results.iter().zip(&reference.results) {
        assert_eq!(mine, theirs, "{hint}");
    }
    assert_eq!(cases.len(), reference.cases.len(), "{hint}");
    for (mine, theirs) in cases.iter().zip(&reference.cases) {
        // duration_ms is a run-time value.
        let (mut mine, mut theirs) = (mine.clone(), theirs.clone());
        (mine.duration_ms, theirs.duration_ms) = (0, 0);
        assert_eq!(mine, theirs, "{hint}");
    }
    assert_eq!(report.passed(), reference.passed());
}
