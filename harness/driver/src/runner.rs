//! Running cases against a target: concurrency bound, scenarios, captures,
//! waivers, snapshots, events and the final [`RunReport`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use report::{AssertionResult, CaseRecord, Exchange, RunKind, RunReport, Status, Summary};
use schema_check::PrefixMap;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::check::catalogue::{self as cat, Check};
use crate::check::judge::{judge, StepSpec};
use wsman_client::{Endpoint, RawAuth, RawRequest, Session};

use crate::corpus::{Case, Corpus, Waivers};
use crate::liveness::Liveness;
use crate::render::{new_message_id, Scope};
use crate::snapshot::{self, SnapshotOutcome};

/// Stored request/response text is cut at this size in the report.
const MAX_STORED: usize = 64 * 1024;

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
        }
    }
}

/// Progress of a run, for consoles and progress bars.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// The run starts with this many cases.
    Started {
        /// Number of selected cases.
        cases: usize,
    },
    /// A case was scheduled.
    CaseStarted {
        /// Case id.
        id: String,
    },
    /// A case finished.
    CaseFinished {
        /// Case id.
        id: String,
        /// Its worst status.
        status: Status,
        /// Its results.
        results: Vec<AssertionResult>,
    },
    /// The run is over.
    Finished {
        /// Counts by status.
        summary: Summary,
    },
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
}

impl DriverError {
    /// True when the endpoint could not be reached.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, DriverError::Unreachable { .. })
    }
}

struct Ctx {
    client: Session,
    /// The Authorization of `auth = "wrong"` steps: the user's password
    /// changed (`None` without a user: no header at all).
    wrong_auth: Option<wsman_client::hyper::header::HeaderValue>,
    /// The liveness rule: actions the endpoint stopped answering fail fast.
    liveness: Liveness,
    corpus: Arc<Corpus>,
    waivers: Waivers,
    session_id: String,
    snapshots: Option<PathBuf>,
    write_snapshots: bool,
    stable_names: bool,
    keep_exchanges: bool,
}

/// Runs the selected cases and returns the report.
///
/// # Errors
/// [`DriverError`] for setup problems; failures of the endpoint are results, not errors.
pub async fn run(config: RunConfig, mut events: impl FnMut(RunEvent)) -> Result<RunReport, DriverError> {
    let started = Instant::now();
    let started_wall = std::time::SystemTime::now();
    for p in &config.profiles {
        if config.corpus.profile(p).is_none() {
            return Err(DriverError::UnknownProfile(p.clone()));
        }
    }
    let selected: Vec<usize> = config
        .corpus
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
    let client = Session::new(config.target.clone()).map_err(DriverError::Client)?;
    let wrong_auth = match &config.target.user {
        Some((user, pass)) => Some(wsman_client::auth::Basic::header_value(user, &format!("{pass}-wrong")).map_err(DriverError::Client)?),
        None => None,
    };
    probe(&client).await?;
    let mut waivers = config.corpus.waivers.clone();
    if let Some(w) = config.waivers.clone() {
        waivers.extend(w);
    }
    let ctx = Arc::new(Ctx {
        client,
        wrong_auth,
        liveness: Liveness::default(),
        corpus: config.corpus.clone(),
        waivers,
        session_id: new_message_id(),
        snapshots: config.snapshots.clone(),
        write_snapshots: snapshot::may_write(config.update_snapshots),
        stable_names: config.stable_names,
        keep_exchanges: config.keep_exchanges,
    });
    events(RunEvent::Started { cases: selected.len() });
    let mut outcomes: BTreeMap<usize, (Vec<AssertionResult>, CaseRecord)> = BTreeMap::new();
    let sem = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut set = JoinSet::new();
    let (exclusive, parallel): (Vec<usize>, Vec<usize>) = selected.iter().partition(|i| config.corpus.cases[**i].exclusive);
    for i in parallel {
        events(RunEvent::CaseStarted { id: config.corpus.cases[i].id.clone() });
        let (ctx, sem) = (ctx.clone(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, run_case(&ctx, i).await)
        });
    }
    let finished = |i: usize, out: (Vec<AssertionResult>, CaseRecord), events: &mut dyn FnMut(RunEvent), outcomes: &mut BTreeMap<_, _>| {
        let status = Status::worst(out.0.iter().map(|r| r.status)).unwrap_or(Status::Pass);
        events(RunEvent::CaseFinished { id: out.1.id.clone(), status, results: out.0.clone() });
        outcomes.insert(i, out);
    };
    while let Some(joined) = set.join_next().await {
        // A panicking case task would be a driver bug; it is not silently dropped.
        match joined {
            Ok((i, out)) => finished(i, out, &mut events, &mut outcomes),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    for i in exclusive {
        events(RunEvent::CaseStarted { id: config.corpus.cases[i].id.clone() });
        let out = run_case(&ctx, i).await;
        finished(i, out, &mut events, &mut outcomes);
    }
    let mut report = RunReport::new(RunKind::Check, config.tool.clone(), config.target.url.clone());
    report.embedded = config.embedded;
    report.started_at = humantime::format_rfc3339_seconds(started_wall).to_string();
    // The profiles the run actually exercised.
    let mut profiles: Vec<String> = outcomes.values().map(|(_, record)| record.profile.clone()).collect();
    profiles.sort();
    profiles.dedup();
    report.profiles = profiles;
    for (_, (results, record)) in outcomes {
        report.results.extend(results);
        report.cases.push(record);
    }
    report.stalled = ctx.liveness.stalled();
    report.duration_s = started.elapsed().as_secs_f64();
    events(RunEvent::Finished { summary: report.summary() });
    Ok(report)
}

/// One Identify to tell "unreachable" (setup error) from "misbehaving" (results).
async fn probe(client: &Session) -> Result<(), DriverError> {
    use wsman_client::TransportKind;
    let req = RawRequest { content_type: Some(SOAP_CT.to_owned()), auth: RawAuth::None, ..Default::default() };
    match client.raw(req).await {
        // Something answered, if badly: the run judges it.
        Ok(_) => Ok(()),
        Err(e) if matches!(e.transport_kind(), Some(TransportKind::Closed | TransportKind::Broken | TransportKind::TooLarge)) => Ok(()),
        Err(source) => Err(DriverError::Unreachable { endpoint: client.endpoint().url.clone(), source }),
    }
}

const SOAP_CT: &str = "application/soap+xml;charset=UTF-8";

/// Per-case aggregation: one result per assertion id, worst status wins.
struct Tally {
    order: Vec<&'static Check>,
    worst: BTreeMap<&'static str, (Status, String)>,
}

impl Tally {
    fn new() -> Tally {
        Tally { order: Vec::new(), worst: BTreeMap::new() }
    }

    fn add(&mut self, check: &'static Check, status: Status, message: String) {
        let rank = |s: Status| match s {
            Status::Fail => 3,
            Status::Skip => 2,
            _ => 1,
        };
        match self.worst.get_mut(check.id) {
            Some(cur) => {
                if rank(status) > rank(cur.0) {
                    *cur = (status, message);
                }
            }
            None => {
                self.order.push(check);
                self.worst.insert(check.id, (status, message));
            }
        }
    }
}

fn step_name(template: &str) -> String {
    let file = template.rsplit('/').next().unwrap_or(template);
    file.strip_suffix(".xml").unwrap_or(file).to_owned()
}

fn cut(text: &str) -> String {
    if text.len() <= MAX_STORED {
        return text.to_owned();
    }
    let mut end = MAX_STORED;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... [{} bytes cut]", &text[..end], text.len() - end)
}

async fn run_case(ctx: &Ctx, index: usize) -> (Vec<AssertionResult>, CaseRecord) {
    let case: &Case = &ctx.corpus.cases[index];
    let started = Instant::now();
    let profile = ctx.corpus.profile(&case.profile);
    let empty = BTreeMap::new();
    let profile_vars = profile.map(|p| &p.vars).unwrap_or(&empty);
    let unique = if ctx.stable_names { stable_unique(&case.id) } else { format!("{:08x}", uuid::Uuid::new_v4().as_u128() as u32) };
    let mut captured: BTreeMap<String, String> = BTreeMap::new();
    let mut tally = Tally::new();
    let mut exchanges = Vec::new();
    let mut unimplemented: Option<String> = None;
    let endpoint = ctx.client.endpoint().url.clone();

    'steps: for (n, step) in case.steps.iter().enumerate() {
        let name = step_name(&step.template);
        let label = format!("step {} ({name})", n + 1);
        let max = step.repeat.as_ref().map(|r| r.max).unwrap_or(1);
        for iteration in 0..max {
            let generated = new_message_id();
            let mut scope = Scope {
                to: &endpoint,
                session_id: &ctx.session_id,
                unique: &unique,
                message_id: &generated,
                captured: Some(&captured),
                layers: vec![&step.vars, &case.vars, profile_vars],
            };
            // A case may pin the MessageID form (`message_id = "urn:uuid:{{uuid}}"`): expand
            // it once so the request and the assertions see the same value.
            let fixed: BTreeMap<String, String> = match scope.expand("{{message_id}}") {
                Ok(m) => [("message_id".to_owned(), m)].into_iter().collect(),
                Err(_) => BTreeMap::new(),
            };
            scope.layers.insert(0, &fixed);
            let prepared = prepare(ctx, case, step, &scope, profile.map(|p| p.unimplemented_when.clone()).unwrap_or_default());
            let (spec, body, action) = match prepared {
                Ok(x) => x,
                Err(msg) => {
                    tally.add(&cat::CASE_RENDER, Status::Fail, format!("{label}: {msg}"));
                    break 'steps;
                }
            };
            let request = RawRequest {
                method: step.http.method.clone(),
                path: step.http.path.clone(),
                content_type: Some(step.http.content_type.clone().unwrap_or_else(|| match step.http.encoding.as_deref() {
                    Some("utf-16le") => "application/soap+xml;charset=UTF-16".to_owned(),
                    _ => SOAP_CT.to_owned(),
                })),
                headers: step.http.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                auth: match (step.http.auth.as_deref(), &ctx.wrong_auth) {
                    (Some("none"), _) | (Some("wrong"), None) => RawAuth::None,
                    (Some("wrong"), Some(h)) => RawAuth::Header(h.clone()),
                    _ => RawAuth::Session,
                },
                body: body.into(),
                replayable: action.as_ref().is_some_and(|a| a.replayable),
            };
            let response = ctx.liveness.send(&ctx.client, action.as_ref().map(|a| a.key.as_str()), request).await;
            let verdict = judge(&spec, response.as_ref());
            let (status, text) = match &response {
                Ok(r) => (r.status, String::from_utf8_lossy(&r.body).into_owned()),
                Err(e) => (0, e.to_string()),
            };
            let step_label = if max > 1 { format!("{name}#{}", iteration + 1) } else { name.clone() };
            exchanges.push(Exchange { step: step_label, request: cut(&spec.request), response_status: status, response: cut(&text) });
            for f in &verdict.findings {
                let msg = if f.message.is_empty() { String::new() } else { format!("{label}: {}", f.message) };
                tally.add(f.check, f.status, msg);
            }
            if let (Some(dir), Ok(resp), 0) = (&ctx.snapshots, &response, iteration) {
                snapshot_step(ctx, dir, case, &name, &resp.body, &[&endpoint, &unique], &label, &mut tally);
            }
            captured.extend(verdict.captured.clone());
            if let Some(u) = verdict.unimplemented {
                unimplemented = Some(format!("{label}: {u}"));
                break 'steps;
            }
            if verdict.fatal {
                break 'steps;
            }
            if verdict.done {
                continue 'steps;
            }
        }
        if step.repeat.is_some() {
            tally.add(&cat::EXPECT_REPEAT, Status::Fail, format!("{label}: end condition not reached in {max} exchanges"));
            break;
        }
    }
    if let Some(r) = step_repeat_pass(case, &tally) {
        tally.add(&cat::EXPECT_REPEAT, Status::Pass, r);
    }

    let mut results = Vec::new();
    if let Some(msg) = unimplemented {
        results.push(result(case, &cat::EXPECT_OUTCOME, Status::Unimplemented, msg, None));
    } else {
        for check in &tally.order {
            let (status, message) = tally.worst.get(check.id).cloned().unwrap_or((Status::Pass, String::new()));
            let waiver = (status == Status::Fail).then(|| ctx.waivers.reason(&case.id, check.id)).flatten();
            let (status, waiver) = match waiver {
                Some(w) => (Status::Warn, Some(w.to_owned())),
                None => (status, None),
            };
            results.push(result(case, check, status, message, waiver));
        }
    }
    let passed = results.iter().all(|r| r.status == Status::Pass);
    if passed && !ctx.keep_exchanges {
        exchanges.clear();
    }
    let record = CaseRecord {
        id: case.id.clone(),
        title: case.title.clone(),
        profile: case.profile.clone(),
        clause: case.clause.clone(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        exchanges,
    };
    (results, record)
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

/// A repeated step that ended normally records a PASS of `expect.repeat`.
fn step_repeat_pass(case: &Case, tally: &Tally) -> Option<String> {
    let has_repeat = case.steps.iter().any(|s| s.repeat.is_some());
    (has_repeat && !tally.worst.contains_key(cat::EXPECT_REPEAT.id)).then(String::new)
}

fn result(case: &Case, check: &Check, status: Status, message: String, waiver: Option<String>) -> AssertionResult {
    // Case-specific checks report the case's own clause.
    let clause = if check.clause == "corpus case clause" { case.clause.clone() } else { check.clause.to_owned() };
    AssertionResult { case: case.id.clone(), assertion: check.id.to_owned(), clause, severity: check.severity, status, message, waiver }
}

#[allow(clippy::too_many_arguments)]
fn snapshot_step(ctx: &Ctx, dir: &std::path::Path, case: &Case, step: &str, body: &[u8], extra: &[&str], label: &str, tally: &mut Tally) {
    let Some(canon) = snapshot::canonicalize(body, extra) else { return };
    let path = snapshot::path_for(dir, &case.id, step);
    let (status, msg) = match snapshot::compare(&path, &canon, ctx.write_snapshots) {
        SnapshotOutcome::Match | SnapshotOutcome::Written(_) => (Status::Pass, String::new()),
        SnapshotOutcome::Mismatch(d) => (Status::Fail, format!("{label}: response differs from {}:\n{d}", path.display())),
        SnapshotOutcome::Missing(p) => (Status::Fail, format!("{label}: no snapshot {} (run with --update-snapshots)", p.display())),
        SnapshotOutcome::Io(e) => (Status::Fail, format!("{label}: {e}")),
    };
    tally.add(&cat::SNAPSHOT_MATCH, status, msg);
}

/// What the runner knows of a request's operation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RequestAction {
    /// The liveness key: the `wsa:Action` URI, or `Identify`.
    key: String,
    /// Sending it twice cannot change the outcome (see [`RawRequest::replayable`]).
    replayable: bool,
}

/// The operation of a rendered request, `None` when it has none (or is not XML).
fn request_action(tree: &wsman_proto::xml::Element) -> Option<RequestAction> {
    use wsman_proto::{ns, Action};
    let action = tree.child(ns::SOAP, "Header").and_then(|h| h.child_text(ns::WSA, "Action"));
    if let Some(uri) = action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        // The idempotent operations (RFC 9110 §9.2.2 by analogy): Get, Put and
        // Delete as their HTTP namesakes; Enumerate only opens a context.
        let replayable = matches!(Action::from_uri(uri), Action::Get | Action::Put | Action::Delete | Action::Enumerate);
        return Some(RequestAction { key: uri.to_owned(), replayable });
    }
    let identify = tree.child(ns::SOAP, "Body").and_then(|b| b.child(ns::WSMID, "Identify")).is_some();
    identify.then(|| RequestAction { key: "Identify".to_owned(), replayable: true })
}

/// Renders a step: the spec for the judge, the body bytes to send and the
/// request's operation.
fn prepare(
    ctx: &Ctx,
    case: &Case,
    step: &crate::corpus::Step,
    scope: &Scope<'_>,
    unimplemented_when: Vec<String>,
) -> Result<(StepSpec, Vec<u8>, Option<RequestAction>), String> {
    let template = ctx.corpus.template(case, step).ok_or_else(|| format!("template {} missing", step.template))?;
    let request = scope.render(template).map_err(|e| e.to_string())?;
    let mut action = None;
    if !request.is_empty() {
        match wsman_proto::xml::parse_str(&request, &wsman_proto::Limits::default()) {
            Ok(tree) => action = request_action(&tree),
            Err(e) if !step.raw => return Err(format!("rendered template is not well-formed ({e}); mark the case raw if intended")),
            // A raw case may be anything; it is sent without an action.
            Err(_) => {}
        }
    }
    let mut prefixes = PrefixMap::protocol();
    if let Some(p) = ctx.corpus.profile(&case.profile) {
        for (k, v) in &p.namespaces {
            prefixes.insert(k.clone(), scope.expand(v).map_err(|e| e.to_string())?);
        }
    }
    let mut expect = step.expect.clone();
    if let Some(a) = &expect.action {
        expect.action = Some(scope.expand(a).map_err(|e| e.to_string())?);
    }
    let mut asserts = step.asserts.clone();
    for a in &mut asserts {
        if let Some(eq) = &a.equals {
            a.equals = Some(scope.expand(eq).map_err(|e| e.to_string())?);
        }
    }
    let body = match step.http.encoding.as_deref() {
        Some("utf-16le") => {
            let mut b = vec![0xFF, 0xFE];
            request.encode_utf16().for_each(|u| b.extend_from_slice(&u.to_le_bytes()));
            b
        }
        _ => request.clone().into_bytes(),
    };
    let spec = StepSpec {
        request,
        expect,
        asserts,
        capture: step.capture.clone(),
        until: step.repeat.as_ref().map(|r| r.until.clone()),
        unimplemented_when,
        prefixes,
    };
    Ok((spec, body, action))
}

/// Default per-exchange timeout: longer than the corpus's longest OperationTimeout wait.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
