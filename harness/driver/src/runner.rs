//! Scheduling a run: selection, concurrency bound, exclusive cases, waivers,
//! and the event stream ([`RunEvent`]) from which reporters and the final
//! [`RunReport`] are built. Each case is carried out by the
//! [`StepExecutor`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use report::{AssertionResult, CaseRecord, ReportCollector, Reporter, RunEvent, RunKind, RunMeta, RunReport, Status};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use wsman_client::Endpoint;

use crate::check::catalogue as cat;
use crate::corpus::{Case, Corpus, Waivers};
use crate::exec::{CaseRun, StepExecutor};
use crate::snapshot;
use crate::target::Target;

/// What to run and how.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The endpoint.
    pub target: Endpoint,
    /// The corpus (embedded or `--corpus DIR`).
    pub corpus: Arc<Corpus>,
    /// Profiles to run (`--profile`); empty = all.
    pub profiles: Vec<String>,
    /// `--case GLOB` on case ids.
    pub case_glob: Option<String>,
    /// `--waivers FILE`, on top of the corpus's own.
    pub waivers: Option<Waivers>,
    /// `--snapshots DIR`.
    pub snapshots: Option<PathBuf>,
    /// `--update-snapshots` (ignored when `CI` is set).
    pub update_snapshots: bool,
    /// Cases in flight at once (at least 1).
    pub concurrency: usize,
    /// Whether the target is the in-process reference server.
    pub embedded: bool,
    /// `"wsman-harness VERSION"`.
    pub tool: String,
    /// Derive each case's `{{unique}}` token from its id ([`stable_unique`])
    /// instead of at random, so that responses are reproducible (snapshot
    /// tests). Only safe against an endpoint that starts fresh for the run:
    /// objects a previous run left behind would collide.
    pub stable_names: bool,
    /// Keep the request and response of every case in the report. By default
    /// only cases that did not pass keep them (what the HTML report shows),
    /// so reports of a clean run stay small.
    pub keep_exchanges: bool,
    /// Profiles whose SKIP and UNIMPLEMENTED results fail the run against the
    /// embedded server ([`RunReport::required_profiles`]); empty = every profile.
    pub required_profiles: Vec<String>,
    /// The resources the cases use, by role (`check --target FILE`);
    /// `None` = the built-in target ([`Target::builtin`]). A case needing a
    /// role the target lacks is SKIP ([`target_skip`]).
    pub resources: Option<Arc<Target>>,
    /// The target file the run was given, recorded in the report
    /// ([`report::RunAudit::target`]); `None` without one.
    pub target_record: Option<report::TargetRecord>,
    /// Send one Identify at the start of the run and record its answer
    /// ([`report::RunAudit::identify`]); on by default.
    pub identify: bool,
}

impl RunConfig {
    /// A configuration running every case of `corpus` against `target` with 8 cases in flight.
    pub fn new(target: Endpoint, corpus: Arc<Corpus>) -> RunConfig {
        RunConfig {
            target,
            corpus,
            profiles: Vec::new(),
            case_glob: None,
            waivers: None,
            snapshots: None,
            update_snapshots: false,
            concurrency: 8,
            embedded: false,
            tool: format!("wsman-harness {}", env!("CARGO_PKG_VERSION")),
            stable_names: false,
            keep_exchanges: false,
            required_profiles: Vec::new(),
            resources: None,
            target_record: None,
            identify: true,
        }
    }
}

/// Why a run could not be carried out (setup errors: exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The session could not be built (URL, CA file, TLS).
    #[error(transparent)]
    Client(wsman_client::Error),
    /// The endpoint does not answer at all.
    #[error("endpoint {endpoint} unreachable: {source}")]
    Unreachable {
        /// The URL.
        endpoint: String,
        /// The transport error of the probe.
        source: wsman_client::Error,
    },
    /// `--profile`/`--case` select nothing.
    #[error("no case matches the selection")]
    NoCases,
    /// An unknown profile name.
    #[error("unknown profile {0:?}")]
    UnknownProfile(String),
    /// The built-in target does not parse (a build defect the tests catch).
    #[error("built-in target: {0}")]
    Target(String),
}

impl DriverError {
    /// True when the endpoint could not be reached.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, DriverError::Unreachable { .. })
    }
}

/// The run's shared state, for its case tasks.
#[derive(Debug)]
struct Ctx {
    /// Renders, sends, judges and snapshots; its liveness state spans the run.
    exec: StepExecutor,
    /// The corpus's waivers, with `--waivers` on top.
    waivers: Waivers,
    stable_names: bool,
    keep_exchanges: bool,
}

/// A reporter forwarding every event to a channel, so that the reporters
/// behind it run in their own task (`tokio::spawn` a loop over the receiver).
/// Events sent after the receiver is gone are dropped.
#[derive(Debug, Clone)]
pub struct ChannelReporter(pub mpsc::UnboundedSender<RunEvent>);

impl Reporter for ChannelReporter {
    fn on_event(&mut self, event: &RunEvent) {
        let _ = self.0.send(event.clone());
    }
}

/// Runs the selected cases, tells `reporters` every [`RunEvent`], and returns
/// the report assembled from those events (a [`ReportCollector`] fed the
/// same stream).
///
/// Per case the events come in order (`CaseStarted`, its `ExchangeFinished`
/// events, `CaseFinished`) on the caller's task, even with cases running at
/// once; `CaseStarted` is told when the case holds its concurrency slot.
/// Exclusive cases run one at a time after all the others.
///
/// # Errors
/// [`DriverError`] for setup problems (told before `RunStarted`); failures of
/// the endpoint are results, not errors.
pub async fn run(config: RunConfig, reporters: &mut [&mut dyn Reporter]) -> Result<RunReport, DriverError> {
    let started = Instant::now();
    let started_wall = std::time::SystemTime::now();
    for p in &config.profiles {
        if config.corpus.profile(p).is_none() {
            return Err(DriverError::UnknownProfile(p.clone()));
        }
    }
    // The cases of the `profile` role, once per class of each registered profile.
    let resources = match &config.resources {
        Some(t) => t.clone(),
        None => Arc::new(Target::builtin().map_err(|e| DriverError::Target(e.to_string()))?),
    };
    let corpus = if config.corpus.cases.iter().any(|c| c.roles.iter().any(|r| r == "profile")) {
        let mut c = (*config.corpus).clone();
        c.cases = config.corpus.cases.iter().flat_map(|case| resources.profile_cases(case)).collect();
        Arc::new(c)
    } else {
        config.corpus.clone()
    };
    let selected: Vec<usize> = corpus
        .cases
        .iter()
        .enumerate()
        .filter(|(_, c)| config.profiles.is_empty() || c.profiles.iter().any(|p| config.profiles.contains(p)))
        .filter(|(_, c)| config.case_glob.as_deref().is_none_or(|g| crate::corpus::waiver::glob(g, &c.id)))
        .map(|(i, _)| i)
        .collect();
    if selected.is_empty() {
        return Err(DriverError::NoCases);
    }
    let mut exec = StepExecutor::new(config.target.clone(), corpus.clone())?.with_target(resources);
    if let Some(dir) = &config.snapshots {
        exec = exec.with_snapshots(dir.clone(), snapshot::may_write(config.update_snapshots));
    }
    exec.probe().await?;
    let mut waivers = config.corpus.waivers.clone();
    if let Some(w) = config.waivers.clone() {
        waivers.extend(w);
    }
    let mut profiles: Vec<String> = selected.iter().map(|i| corpus.cases[*i].profile.clone()).collect();
    profiles.sort();
    profiles.dedup();
    let concurrency = config.concurrency.max(1);
    let audit = run_audit(&config, &waivers).await;
    let meta = RunMeta {
        tool: config.tool.clone(),
        kind: RunKind::Check,
        endpoint: config.target.url.clone(),
        embedded: config.embedded,
        started_at: humantime::format_rfc3339_seconds(started_wall).to_string(),
        cases: selected.len(),
        profiles,
        required_profiles: config.required_profiles.clone(),
        seed: None,
        concurrency,
        audit: Box::new(audit),
    };
    let ctx = Arc::new(Ctx { exec, waivers, stable_names: config.stable_names, keep_exchanges: config.keep_exchanges });

    let mut collector = ReportCollector::new();
    let mut tell = |event: &RunEvent| {
        collector.on_event(event);
        reporters.on_event(event);
    };
    tell(&RunEvent::RunStarted { meta });
    // The case tasks send their events here; this task tells the reporters,
    // so a reporter need not be shared between tasks. Each task sends its own
    // events in order, and the channel keeps each sender's order.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let scheduled = schedule(ctx.clone(), selected, concurrency, tx);
    let told = async {
        while let Some(event) = rx.recv().await {
            tell(&event);
        }
    };
    tokio::join!(scheduled, told);
    let summary = collector.summary();
    let finished = RunEvent::RunFinished { summary, duration: started.elapsed(), stalled: ctx.exec.stalled() };
    collector.on_event(&finished);
    reporters.on_event(&finished);
    Ok(collector.into_report().expect("the collector was told RunStarted"))
}

/// Runs the cases at `selected` (corpus indices, in selection order): the
/// others at most `concurrency` at once, then the exclusive ones alone.
/// Returns when every case is over; `events` is dropped then.
async fn schedule(ctx: Arc<Ctx>, selected: Vec<usize>, concurrency: usize, events: mpsc::UnboundedSender<RunEvent>) {
    let sem = Arc::new(Semaphore::new(concurrency));
    let mut set = JoinSet::new();
    // (position in the selection, corpus index)
    let (exclusive, parallel): (Vec<_>, Vec<_>) = selected.into_iter().enumerate().partition(|(_, i)| ctx.exec.corpus().cases[*i].exclusive);
    for (index, i) in parallel {
        let (ctx, sem, events) = (ctx.clone(), sem.clone(), events.clone());
        set.spawn(async move {
            // Held until the case's CaseFinished is sent: the next case's
            // CaseStarted cannot overtake it.
            let _permit = sem.acquire_owned().await;
            run_one(&ctx, index, i, &events).await;
        });
    }
    while let Some(joined) = set.join_next().await {
        // A panicking case task would be a driver bug; it is not silently dropped.
        if let Err(e) = joined {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
    for (index, i) in exclusive {
        run_one(&ctx, index, i, &events).await;
    }
}

/// Runs corpus case `i` (selection position `index`), telling its events.
async fn run_one(ctx: &Ctx, index: usize, i: usize, events: &mpsc::UnboundedSender<RunEvent>) {
    let case = &ctx.exec.corpus().cases[i];
    // The receiver lives until every case is over: sends cannot fail.
    let _ = events.send(RunEvent::CaseStarted { id: case.id.clone(), profile: case.profile.clone(), index });
    if let Some(skip) = target_skip(ctx.exec.resources(), case) {
        let _ = events.send(RunEvent::CaseFinished { index, record: skip.record, results: skip.results });
        return;
    }
    let unique = if ctx.stable_names { stable_unique(&case.id) } else { format!("{:08x}", uuid::Uuid::new_v4().as_u128() as u32) };
    let on_exchange = |step, exchange: &report::Exchange, duration| {
        let _ = events.send(RunEvent::ExchangeFinished { case: case.id.clone(), step, exchange: exchange.clone(), duration });
    };
    let CaseRun { mut results, mut record } = ctx.exec.run_case(case, &unique, on_exchange).await;
    for r in &mut results {
        if r.status == Status::Fail {
            if let Some(w) = ctx.waivers.reason(&case.id, &r.assertion) {
                r.status = Status::Warn;
                r.waiver = Some(w.to_owned());
            }
        }
    }
    // Only cases that did not pass keep their traffic, unless asked.
    if results.iter().all(|r| r.status == Status::Pass) && !ctx.keep_exchanges {
        record.exchanges.clear();
    }
    let _ = events.send(RunEvent::CaseFinished { index, record, results });
}

/// The outcome of a case the target cannot run: one SKIP result of
/// `expect.outcome` (as the other SKIPs: the case is not sent) with the
/// message [`TARGET_SKIP`]`ROLE` (`target has no keyed`, or `target has no
/// keyed role with N instances`) and the case record without exchanges;
/// `None` when the target fills every role the case declares.
pub fn target_skip(target: &Target, case: &Case) -> Option<CaseRun> {
    let message = target.missing(&case.roles, case.min_instances)?;
    let check = &cat::EXPECT_OUTCOME;
    let result = AssertionResult {
        case: case.id.clone(),
        assertion: check.id.to_owned(),
        clause: case.clause.clone(),
        severity: check.severity,
        status: Status::Skip,
        message,
        waiver: None,
    };
    let record = CaseRecord {
        id: case.id.clone(),
        title: case.title.clone(),
        profile: case.profile.clone(),
        clause: case.clause.clone(),
        duration_ms: 0,
        exchanges: Vec::new(),
    };
    Some(CaseRun { results: vec![result], record })
}

/// How the message of a SKIP for a role the target lacks begins (`target has no keyed`).
pub const TARGET_SKIP: &str = "target has no ";
/// What the report records to make the run auditable: the corpus digest,
/// the target file, the waivers in effect, the endpoint's Identify answer
/// (when [`RunConfig::identify`]) and the timeouts.
async fn run_audit(config: &RunConfig, waivers: &Waivers) -> report::RunAudit {
    report::RunAudit {
        corpus_digest: Some(config.corpus.digest.clone()),
        // Without a record of the caller's, the built-in target when it is the one used.
        target: config.target_record.clone().or_else(|| if config.resources.is_none() { Target::builtin_record().ok() } else { None }),
        waivers: waiver_records(waivers),
        identify: if config.identify { Some(identify_record(&config.target).await) } else { None },
        timeouts: Some(report::RunTimeouts { exchange_ms: millis(config.target.timeout), pool_idle_ms: Some(millis(wsman_client::POOL_IDLE_TIMEOUT)) }),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The waivers of a run as the report lists them (no expiry: waiver files have none).
pub fn waiver_records(waivers: &Waivers) -> Vec<report::WaiverRecord> {
    waivers
        .entries()
        .map(|(case, assertion, reason)| report::WaiverRecord {
            case: case.to_owned(),
            assertion: assertion.map(str::to_owned),
            reason: reason.to_owned(),
            expires: None,
        })
        .collect()
}

/// Sends one Identify (DSP0226 §11) with the run's credentials and records
/// the answer: the product, protocol versions, security profiles and the
/// raw response. A failure is recorded in [`report::IdentifyRecord::error`],
/// never returned: it does not fail the run by itself (the corpus's Identify
/// cases judge the endpoint).
pub async fn identify_record(target: &Endpoint) -> report::IdentifyRecord {
    use wsman_client::message::{Identify, IdentifyResponse, Message as _};
    let failed = |error: String, response: String| report::IdentifyRecord { error: Some(error), response, ..Default::default() };
    let session = match wsman_client::Session::new(target.clone()) {
        Ok(s) => s,
        Err(e) => return failed(e.to_string(), String::new()),
    };
    let envelope = session.request(&wsman_client::Resource::new(""), Identify);
    let request = wsman_client::RawRequest {
        content_type: Some("application/soap+xml;charset=UTF-8".to_owned()),
        auth: wsman_client::RawAuth::Session,
        body: bytes::Bytes::from(envelope.encode()),
        replayable: true,
        ..Default::default()
    };
    let response = match session.raw(request).await {
        Ok(r) => r,
        Err(e) => return failed(e.to_string(), String::new()),
    };
    let text = String::from_utf8_lossy(&response.body).into_owned();
    let envelope = match wsman_proto::Envelope::decode(&response.body, &wsman_proto::Limits::default()) {
        Ok(e) => e,
        Err(e) => return failed(format!("HTTP {}: not a SOAP envelope ({e})", response.status), text),
    };
    if let Some(fault) = envelope.fault() {
        let code = fault.subcode.as_ref().or(fault.code.as_ref()).map_or("without a code", |(_, local)| local.as_str());
        return failed(format!("HTTP {}: fault {code}: {}", response.status, fault.reason.as_deref().unwrap_or("")), text);
    }
    if response.status != 200 {
        return failed(format!("HTTP {}", response.status), text);
    }
    match IdentifyResponse::decode_owned(envelope.body) {
        Ok(id) => report::IdentifyRecord {
            protocol_versions: id.protocol_versions,
            product_vendor: id.product_vendor,
            product_version: id.product_version,
            security_profiles: id.security_profiles.unwrap_or_default(),
            response: text,
            error: None,
        },
        Err(e) => failed(format!("not an IdentifyResponse: {e}"), text),
    }
}

/// The `{{unique}}` token of case `id` under [`RunConfig::stable_names`]:
/// 8 hex digits of the FNV-1a hash of the id.
pub fn stable_unique(id: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

/// Default per-exchange timeout: longer than the corpus's longest OperationTimeout wait.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_identify_is_recorded_not_returned() {
        // A port nothing listens on: bind one, then drop it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let target = Endpoint::new(format!("http://127.0.0.1:{port}/wsman")).with_timeout(Duration::from_secs(2));
        let r = identify_record(&target).await;
        assert!(r.error.as_deref().is_some_and(|e| !e.is_empty()), "{r:?}");
        assert!(r.protocol_versions.is_empty() && r.product_vendor.is_none() && r.response.is_empty());
    }

    #[test]
    fn waivers_are_listed_with_what_they_match() {
        let w = Waivers::parse("[waive]\n\"core/*\" = \"all core\"\n\"transfer/get/*#fault.detail\" = \"detail\"\n").expect("waivers");
        let records = waiver_records(&w);
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].case.as_str(), records[0].assertion.as_deref(), records[0].reason.as_str()), ("core/*", None, "all core"));
        assert_eq!((records[1].case.as_str(), records[1].assertion.as_deref(), records[1].reason.as_str()), ("transfer/get/*", Some("fault.detail"), "detail"));
    }

    #[tokio::test]
    async fn the_channel_reporter_forwards_events_and_outlives_its_receiver() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut r = ChannelReporter(tx);
        let event = RunEvent::CaseStarted { id: "core/identify/basic".into(), profile: "core".into(), index: 0 };
        r.on_event(&event);
        assert_eq!(rx.recv().await, Some(event.clone()));
        drop(rx);
        // No receiver: the event is dropped, not a panic.
        r.on_event(&event);
    }
}
