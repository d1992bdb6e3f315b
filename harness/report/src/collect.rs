//! [`ReportCollector`]: the [`RunReport`] of a run, assembled from its events.
//!
//! The report's writers (JSON, JUnit, HTML, Markdown, console) stay writers
//! of a [`RunReport`]; this reporter is what builds that report from the
//! stream, so a runner has no other way to produce one.

use std::collections::BTreeMap;

use crate::event::{Reporter, RunEvent, RunMeta};
use crate::model::{AssertionResult, CaseRecord, RunReport, StalledAction, Summary};

/// Collects the events of one run into its [`RunReport`].
#[derive(Debug, Default, Clone)]
pub struct ReportCollector {
    /// From `RunStarted`; `None` until it arrives.
    meta: Option<RunMeta>,
    /// Finished cases by their position in the selection: the report lists
    /// them in selection order whatever order they finished in.
    cases: BTreeMap<usize, (CaseRecord, Vec<AssertionResult>)>,
    /// From `RunFinished`.
    duration_s: f64,
    /// From `RunFinished`.
    stalled: Vec<StalledAction>,
}

impl ReportCollector {
    /// A collector that has seen nothing yet.
    pub fn new() -> ReportCollector {
        ReportCollector::default()
    }

    /// Number of cases finished so far.
    pub fn finished(&self) -> usize {
        self.cases.len()
    }

    /// Counts by status of the results of the cases finished so far.
    pub fn summary(&self) -> Summary {
        Summary::from_results(self.cases.values().flat_map(|(_, results)| results))
    }

    /// The report of the events seen so far; `None` before `RunStarted`.
    /// Before `RunFinished` the duration is 0 and no action is stalled.
    pub fn report(&self) -> Option<RunReport> {
        self.clone().into_report()
    }

    /// The report of the events seen; `None` when no `RunStarted` came.
    pub fn into_report(self) -> Option<RunReport> {
        let meta = self.meta?;
        let mut report = RunReport::new(meta.kind, meta.tool, meta.endpoint);
        report.embedded = meta.embedded;
        report.started_at = meta.started_at;
        report.required_profiles = meta.required_profiles;
        report.audit = *meta.audit;
        // The profiles the run actually exercised.
        let mut profiles: Vec<String> = self.cases.values().map(|(record, _)| record.profile.clone()).collect();
        profiles.sort();
        profiles.dedup();
        report.profiles = profiles;
        for (record, results) in self.cases.into_values() {
            report.results.extend(results);
            report.cases.push(record);
        }
        report.stalled = self.stalled;
        report.duration_s = self.duration_s;
        Some(report)
    }
}

impl Reporter for ReportCollector {
    fn on_event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted { meta } => self.meta = Some(meta.clone()),
            RunEvent::CaseFinished { index, record, results } => {
                self.cases.insert(*index, (record.clone(), results.clone()));
            }
            RunEvent::RunFinished { duration, stalled, .. } => {
                self.duration_s = duration.as_secs_f64();
                self.stalled = stalled.clone();
            }
            // The exchanges a report keeps are in the case records.
            RunEvent::CaseStarted { .. } | RunEvent::ExchangeFinished { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{RunKind, Severity, Status};

    fn record(id: &str, profile: &str) -> CaseRecord {
        CaseRecord {
            id: id.into(),
            title: format!("title of {id}"),
            profile: profile.into(),
            clause: "DSP0226 §7".into(),
            duration_ms: 5,
            exchanges: Vec::new(),
        }
    }

    fn result(case: &str, status: Status) -> AssertionResult {
        AssertionResult {
            case: case.into(),
            assertion: "expect.outcome".into(),
            clause: "DSP0226 §11".into(),
            severity: Severity::Must,
            status,
            message: String::new(),
            waiver: None,
        }
    }

    #[test]
    fn cases_are_listed_in_selection_order_whatever_order_they_finish_in() {
        let meta = RunMeta {
            tool: "wsman-harness 9".into(),
            kind: RunKind::Check,
            endpoint: "http://h/wsman".into(),
            embedded: true,
            started_at: "2025-01-01T00:00:00Z".into(),
            cases: 3,
            profiles: vec!["core".into(), "transfer".into(), "unused".into()],
            required_profiles: vec!["core".into()],
            seed: None,
            concurrency: 2,
            audit: Box::new(crate::model::RunAudit { corpus_digest: Some("ab".repeat(32)), ..Default::default() }),
        };
        let mut c = ReportCollector::new();
        assert!(c.report().is_none());
        c.on_event(&RunEvent::RunStarted { meta });
        for (index, id, profile, status) in [(2, "c", "transfer", Status::Fail), (0, "a", "core", Status::Pass), (1, "b", "core", Status::Skip)] {
            c.on_event(&RunEvent::CaseStarted { id: id.into(), profile: profile.into(), index });
            c.on_event(&RunEvent::CaseFinished { index, record: record(id, profile), results: vec![result(id, status)] });
        }
        assert_eq!(c.finished(), 3);
        assert_eq!((c.summary().passed, c.summary().failed, c.summary().skipped), (1, 1, 1));
        let stalled = vec![StalledAction { action: "Identify".into(), timeouts: 2, failed_fast: 1 }];
        c.on_event(&RunEvent::RunFinished { summary: Default::default(), duration: Duration::from_millis(2500), stalled: stalled.clone() });
        let r = c.into_report().expect("report");
        assert_eq!(r.cases.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(r.results.iter().map(|r| r.case.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        // Exercised profiles, not selected ones.
        assert_eq!(r.profiles, ["core", "transfer"]);
        assert_eq!(r.required_profiles, ["core"]);
        assert_eq!((r.tool.as_str(), r.kind, r.endpoint.as_str(), r.embedded), ("wsman-harness 9", RunKind::Check, "http://h/wsman", true));
        assert_eq!(r.started_at, "2025-01-01T00:00:00Z");
        assert_eq!(r.duration_s, 2.5);
        assert_eq!(r.stalled, stalled);
        assert_eq!(r.audit.corpus_digest, Some("ab".repeat(32)), "the audit fields come from RunStarted");
        assert_eq!(r.summary().failed, 1);
        assert!(!r.passed());
    }
}
