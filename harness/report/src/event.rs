//! The event stream of a run: what a runner (the driver's `check`, later
//! `fuzz` and `load`) tells its reporters, in order, while it runs.
//!
//! ```text
//! RunStarted
//!   CaseStarted(a)  ExchangeFinished(a)*  CaseFinished(a)     one block per case;
//!   CaseStarted(b)  ExchangeFinished(b)*  CaseFinished(b)     blocks of cases run at
//!   ...                                                       once interleave
//! RunFinished
//! ```
//!
//! Per case the order is guaranteed: its `CaseStarted` comes before its
//! `ExchangeFinished` events, which come before its `CaseFinished`. Across
//! cases events interleave as the cases run. `CaseStarted` marks the moment
//! the case really starts (it holds its slot of the concurrency bound), not
//! when it is queued, so a progress display is honest.
//!
//! The events carry everything a report holds: a [`RunReport`] is derived
//! from them alone by [`ReportCollector`](crate::ReportCollector).
//!
//! [`RunReport`]: crate::RunReport

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::{AssertionResult, CaseRecord, Exchange, RunAudit, RunKind, StalledAction, Status, Summary};

/// What a run is, told once at its start.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunMeta {
    /// `"wsman-harness VERSION"`.
    pub tool: String,
    /// Which command runs.
    pub kind: RunKind,
    /// Endpoint URL.
    pub endpoint: String,
    /// Whether the endpoint is the in-process reference server.
    pub embedded: bool,
    /// Start of the run, RFC 3339 to the second (`2025-01-01T12:00:00Z`).
    pub started_at: String,
    /// Number of cases selected: as many `CaseFinished` events will follow.
    pub cases: usize,
    /// The profiles of the selected cases, sorted, without repeats.
    pub profiles: Vec<String>,
    /// Profiles whose SKIP and UNIMPLEMENTED results fail the run against the
    /// embedded server (see [`RunReport::required_profiles`](crate::RunReport::required_profiles)).
    pub required_profiles: Vec<String>,
    /// The seed of a randomized run (`fuzz --seed`), `None` for `check`.
    pub seed: Option<u64>,
    /// Cases in flight at once.
    pub concurrency: usize,
    /// Corpus digest, target, waivers, Identify answer and timeouts of the
    /// run (copied into [`RunReport::audit`](crate::RunReport::audit)).
    #[serde(default)]
    pub audit: Box<RunAudit>,
}

/// One event of a run (see the [module documentation](self) for the order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// The run starts.
    RunStarted {
        /// What runs.
        meta: RunMeta,
    },
    /// A case starts (it holds its concurrency slot, or, for an exclusive
    /// case, the endpoint to itself).
    CaseStarted {
        /// Case id.
        id: String,
        /// The case's profile.
        profile: String,
        /// Position of the case in the run's selection; reports list cases in this order.
        index: usize,
    },
    /// One request/response exchange of a case is over (every exchange, also
    /// those of passing cases, which the report does not keep).
    ExchangeFinished {
        /// Case id.
        case: String,
        /// Number of the step in the case, from 1 (as in result messages: `step 2 (pull)`).
        step: usize,
        /// The exchange as sent and received (texts cut at the report's size limit).
        exchange: Exchange,
        /// Wall time from sending the request to the end of the response (or the error).
        duration: Duration,
    },
    /// A case is over.
    CaseFinished {
        /// Position of the case in the run's selection (as in its `CaseStarted`).
        index: usize,
        /// The case as the report records it.
        record: CaseRecord,
        /// Its results, one per assertion, waivers applied.
        results: Vec<AssertionResult>,
    },
    /// The run is over.
    RunFinished {
        /// Counts of every result of the run by status.
        summary: Summary,
        /// Wall time of the run.
        duration: Duration,
        /// Actions the endpoint stopped answering.
        stalled: Vec<StalledAction>,
    },
}

impl RunEvent {
    /// The case an event belongs to, `None` for the run's own events.
    pub fn case_id(&self) -> Option<&str> {
        match self {
            RunEvent::CaseStarted { id, .. } => Some(id),
            RunEvent::ExchangeFinished { case, .. } => Some(case),
            RunEvent::CaseFinished { record, .. } => Some(&record.id),
            RunEvent::RunStarted { .. } | RunEvent::RunFinished { .. } => None,
        }
    }

    /// For `CaseFinished`, the case's outcome: the worst status of its
    /// results, PASS when it has none.
    pub fn case_status(&self) -> Option<Status> {
        match self {
            RunEvent::CaseFinished { results, .. } => Some(Status::worst(results.iter().map(|r| r.status)).unwrap_or(Status::Pass)),
            _ => None,
        }
    }
}

/// A consumer of the event stream: console progress, report collector, event log, ...
///
/// `Send`, so that a run holding its reporters can itself be spawned.
pub trait Reporter: Send {
    /// Takes the next event of the run.
    fn on_event(&mut self, event: &RunEvent);
}

impl<R: Reporter + ?Sized> Reporter for &mut R {
    fn on_event(&mut self, event: &RunEvent) {
        (**self).on_event(event);
    }
}

impl<R: Reporter + ?Sized> Reporter for Box<R> {
    fn on_event(&mut self, event: &RunEvent) {
        (**self).on_event(event);
    }
}

/// Every reporter of the list gets every event, in list order.
impl<R: Reporter> Reporter for [R] {
    fn on_event(&mut self, event: &RunEvent) {
        for r in self {
            r.on_event(event);
        }
    }
}

/// Every reporter of the list gets every event, in list order.
impl<R: Reporter> Reporter for Vec<R> {
    fn on_event(&mut self, event: &RunEvent) {
        self.as_mut_slice().on_event(event);
    }
}

/// A closure as a [`Reporter`] (see [`from_fn`]).
#[derive(Debug, Clone)]
pub struct FnReporter<F>(pub F);

impl<F: FnMut(&RunEvent) + Send> Reporter for FnReporter<F> {
    fn on_event(&mut self, event: &RunEvent) {
        (self.0)(event);
    }
}

/// A reporter calling `f` with each event.
pub fn from_fn<F: FnMut(&RunEvent) + Send>(f: F) -> FnReporter<F> {
    FnReporter(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_reporters_gets_every_event_in_order() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        {
            let mut ra = from_fn(|e: &RunEvent| a.push(format!("a:{}", e.case_id().unwrap_or("-"))));
            let mut rb = from_fn(|e: &RunEvent| b.push(format!("b:{}", e.case_id().unwrap_or("-"))));
            let mut list: [&mut dyn Reporter; 2] = [&mut ra, &mut rb];
            list.on_event(&RunEvent::RunStarted { meta: RunMeta::default() });
            list.on_event(&RunEvent::CaseStarted { id: "x".into(), profile: "core".into(), index: 0 });
        }
        assert_eq!(a, ["a:-", "a:x"]);
        assert_eq!(b, ["b:-", "b:x"]);
    }

    #[test]
    fn events_round_trip_through_json_with_a_tag() {
        let e = RunEvent::RunFinished { summary: Summary { passed: 3, ..Summary::default() }, duration: Duration::from_millis(1500), stalled: Vec::new() };
        let text = serde_json::to_string(&e).expect("serialize");
        assert!(text.starts_with(r#"{"event":"run_finished""#), "{text}");
        assert_eq!(serde_json::from_str::<RunEvent>(&text).expect("parse"), e);
    }

    #[test]
    fn case_status_is_the_worst_result() {
        let r = |status| AssertionResult {
            case: "c".into(),
            assertion: "a".into(),
            clause: String::new(),
            severity: crate::Severity::Must,
            status,
            message: String::new(),
            waiver: None,
        };
        let record = CaseRecord { id: "c".into(), title: String::new(), profile: "core".into(), clause: String::new(), duration_ms: 0, exchanges: Vec::new() };
        let e = RunEvent::CaseFinished { index: 0, record: record.clone(), results: vec![r(Status::Pass), r(Status::Warn)] };
        assert_eq!(e.case_status(), Some(Status::Warn));
        let none = RunEvent::CaseFinished { index: 0, record, results: Vec::new() };
        assert_eq!(none.case_status(), Some(Status::Pass));
        assert_eq!(RunEvent::RunStarted { meta: RunMeta::default() }.case_status(), None);
    }
}
