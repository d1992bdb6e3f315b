//! A fuzz run: seeds from the corpus, generated cases sent through
//! wsman-client's raw exchange, the oracle's verdict, an Identify probe after
//! every failure, shrinking, and the run's events and report.
//!
//! ```text
//!  corpus cases -> first step rendered -> seeds (CaseRequest)
//!  attack pass: every attack operator in its variants, on the first seed
//!  case n = 0..N (or until --duration): seed = hash(seed, n) % seeds, mutations from case_runner(seed, n)
//!     -> send -> judge -> pass | find -> Identify probe (dead endpoint ends the run)
//!                                    -> shrink (Shrinker, each candidate sent and judged)
//!                                    -> "reproduce with: wsman-harness fuzz --seed S --case n"
//!                                    -> saved as a corpus case (--save-regressions)
//! ```
//!
//! Case `n` of seed `S` is the same request whatever else runs: `--seed S
//! --case n` generates and sends only it. Chunked and generated (100 MB)
//! bodies are streamed by the transport ([`wsman_client::BodySource`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use report::{AssertionResult, CaseRecord, Exchange, Reporter, RunEvent, RunKind, RunMeta, Status};
use wsman_client::{Endpoint, Session};

use super::oracle::{Oracle, Verdict};
use super::{case_runner, mutations_of, CaseRequest, Family, MutatedRequest, Operator, Shrinker};
use crate::corpus::Corpus;
use crate::exec::StepExecutor;
use crate::runner::DriverError;

/// The default number of cases (DESIGN.md: `fuzz` without `--cases` or `--duration`).
pub const DEFAULT_CASES: u64 = 10_000;

/// Most candidates one find's shrinking sends.
const MAX_SHRINK_STEPS: usize = 200;

/// What to fuzz and how much.
#[derive(Debug, Clone)]
pub struct FuzzConfig {
    /// The endpoint.
    pub target: Endpoint,
    /// The corpus the seeds come from.
    pub corpus: Arc<Corpus>,
    /// Profiles whose cases seed the run (empty: all).
    pub profiles: Vec<String>,
    /// Cases to run (`None` with no duration: [`DEFAULT_CASES`]).
    pub cases: Option<u64>,
    /// Run for this long instead of a count.
    pub duration: Option<Duration>,
    /// The run's seed.
    pub seed: u64,
    /// Run only this case number (reproduce a find).
    pub only_case: Option<u64>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The in-process reference server (its oracle is the strict one).
    pub embedded: bool,
    /// Where finds are written as corpus cases.
    pub save_regressions: Option<PathBuf>,
    /// `"wsman-harness VERSION"`.
    pub tool: String,
    /// Reads the in-process server's memory and connections (the embedded
    /// server only: a remote endpoint's cannot be seen from here).
    pub server_probe: Option<ServerProbe>,
}

/// A reading of the in-process server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerSample {
    /// Resident set size of the process now, in octets.
    pub rss: u64,
    /// The process's resident high-water mark, in octets.
    pub rss_peak: u64,
    /// Connections open now.
    pub open_connections: usize,
    /// The most connections open at once.
    pub peak_connections: usize,
}

/// Takes a [`ServerSample`].
#[derive(Clone)]
pub struct ServerProbe(pub Arc<dyn Fn() -> ServerSample + Send + Sync>);

impl std::fmt::Debug for ServerProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerProbe")
    }
}

/// The in-process server's readings at three points of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerReadings {
    /// Before any case (idle).
    pub idle: ServerSample,
    /// After the attack pass.
    pub after_attacks: ServerSample,
    /// At the end, once every case has been answered.
    pub end: ServerSample,
}

/// One find, shrunk.
#[derive(Debug, Clone)]
pub struct Find {
    /// Its case number (with the run's seed, it reproduces the find).
    pub case: u64,
    /// The corpus case of the seed.
    pub seed_case: String,
    /// The finding kind (`fault-with-200`, ...).
    pub kind: String,
    /// What the oracle saw.
    pub message: String,
    /// The shrunk mutations, in their text form (`name:choice`).
    pub mutations: Vec<String>,
    /// The shrunk request, as sent (lossy UTF-8 for display).
    pub request: String,
    /// What the endpoint answered to it.
    pub response: String,
    /// After the find the endpoint still answered an Identify.
    pub alive: bool,
    /// The command line that runs it again.
    pub reproduce: String,
}

/// What a fuzz run did.
#[derive(Debug, Clone, Default)]
pub struct FuzzOutcome {
    /// Cases sent (attack pass included).
    pub cases: u64,
    /// Cases per operator (each operator that changed the request counts once).
    pub per_operator: BTreeMap<String, u64>,
    /// Verdicts by outcome kind (`success`, `fault`, `refused`, `find`).
    pub outcomes: BTreeMap<String, u64>,
    /// Shrunk finds.
    pub finds: Vec<Find>,
    /// The endpoint stopped answering (the run ended early).
    pub endpoint_died: bool,
    /// Wall time.
    pub elapsed: Duration,
    /// Finds that could not be saved as corpus cases, and why.
    pub unsaved: Vec<String>,
    /// The in-process server's memory and connections, when it was probed.
    pub server: Option<ServerReadings>,
}

impl FuzzOutcome {
    /// Cases per second.
    pub fn rate(&self) -> f64 {
        self.cases as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The operators of the random mix: all but the XML attacks. An attack body
/// is megabytes (100 000 nesting levels, attributes or namespace
/// declarations, 100 MB of text) of a fixed shape: drawn at random it would
/// be a quarter of the cases and most of the run's bytes while finding no
/// more than the attack pass, which sends each attack in every variant.
fn mix_operators() -> Vec<Operator> {
    Operator::ALL.iter().copied().filter(|o| o.family() != Family::Attack).collect()
}

/// Variants of each attack in the attack pass (choices 0..N: the billion
/// laughs' depths, the external entities' files and forms).
const ATTACK_VARIANTS: u32 = 8;

/// The attack pass: each attack operator in its variants (the huge bodies once each).
fn attack_pass() -> Vec<super::Mutation> {
    Operator::of_family(Family::Attack)
        .flat_map(|operator| {
            let variants = if matches!(operator, Operator::HugeBody | Operator::HugeBodyChunked) { 1 } else { ATTACK_VARIANTS };
            (0..variants).map(move |choice| super::Mutation { operator, choice })
        })
        .collect()
}

fn case_seed_index(seed: u64, case: u64, seeds: usize) -> usize {
    // SplitMix64 of (seed, case): a stable spread over the seeds.
    let mut z = seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % seeds.max(1) as u64) as usize
}

/// The request of case `n`.
pub fn generate(seeds: &[CaseRequest], seed: u64, case: u64) -> MutatedRequest {
    let base = &seeds[case_seed_index(seed, case, seeds.len())];
    let mut runner = case_runner(seed, case);
    mutations_of(base, &mix_operators()).new_tree(&mut runner).map(|t| t.current()).unwrap_or_else(|_| super::build(base, &[]))
}

/// The first step of every selected case, rendered: the seeds.
pub fn seeds(exec: &StepExecutor, corpus: &Corpus, profiles: &[String]) -> Vec<CaseRequest> {
    let captured = BTreeMap::new();
    let mut out = Vec::new();
    for case in corpus.cases.iter().filter(|c| profiles.is_empty() || c.profiles.iter().any(|p| profiles.contains(p))) {
        // Steps that need values captured from an earlier step cannot be rendered alone.
        let Ok(step) = exec.prepare_step(case, 0, "fuzz", &captured) else { continue };
        let body = step.request.body.to_vec();
        if body.is_empty() || std::str::from_utf8(&body).is_err() {
            continue;
        }
        out.push(CaseRequest { case: case.id.clone(), body, content_type: step.request.content_type.clone(), headers: step.request.headers.clone() });
    }
    out
}

struct Shared {
    client: Session,
    oracle: Oracle,
    deadline: Duration,
    counts: Mutex<(BTreeMap<String, u64>, BTreeMap<String, u64>)>,
    sent: AtomicU64,
    stop: AtomicBool,
}

impl Shared {
    async fn send(&self, req: &MutatedRequest) -> (Verdict, String) {
        let started = Instant::now();
        let result = self.client.raw(req.to_raw()).await;
        let elapsed = started.elapsed();
        let verdict = match &result {
            Ok(r) => self.oracle.judge(req, Ok(r), elapsed),
            Err(e) => self.oracle.judge(req, Err(e), elapsed),
        };
        let answer = match &result {
            Ok(r) => format!("HTTP {}\n{}", r.status, String::from_utf8_lossy(&r.body[..r.body.len().min(64 * 1024)])),
            Err(e) => format!("no answer: {e}"),
        };
        (verdict, answer)
    }

    /// Counts a chain under its name and `outcome` (`chain`, `chain-skipped`, `find`).
    fn count_chain(&self, name: &str, outcome: &str) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *c.0.entry(name.to_owned()).or_default() += 1;
        *c.1.entry(outcome.to_owned()).or_default() += 1;
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    fn count(&self, req: &MutatedRequest, verdict: &Verdict) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        for name in req.operator_names() {
            *c.0.entry(name.to_owned()).or_default() += 1;
        }
        let kind = match verdict {
            Verdict::Pass(super::Outcome::Success(_)) => "success",
            Verdict::Pass(super::Outcome::Fault(_)) => "fault",
            Verdict::Pass(super::Outcome::Refused(_)) => "refused",
            Verdict::Fail(_) => "find",
        };
        *c.1.entry(kind.to_owned()).or_default() += 1;
    }

    /// True when the endpoint answers an unauthenticated Identify at all.
    async fn alive(&self) -> bool {
        let req = wsman_client::RawRequest {
            content_type: Some(super::SOAP_CONTENT_TYPE.to_owned()),
            auth: wsman_client::RawAuth::None,
            headers: vec![("WSMANIDENTIFY".into(), "unauthenticated".into())],
            body: bytes::Bytes::from(identify()),
            ..Default::default()
        };
        matches!(self.client.raw(req).await, Ok(r) if r.status == 200)
    }
}

/// The stateful chains, once per run: state is made (an enumeration
/// context, a created instance, a shell), used up (Release, Delete) or left
/// to expire, then used again; the last answer must be the chain's fault.
/// A chain whose state the endpoint cannot make (no Win32_Environment, no
/// winrm/config) is counted as skipped, not failed. Returns (chain name,
/// the find's message) for each chain that failed.
async fn chains(shared: &Shared, seed: u64) -> Vec<(String, String)> {
    use super::chain::ChainKind;

    let mut failed = Vec::new();
    for chain in ChainKind::ALL.iter().copied() {
        let Some(state) = chain_state(shared, chain, seed).await else {
            shared.count_chain(chain.name(), "chain-skipped");
            continue;
        };
        let Ok(plan) = chain.plan(&state, Instant::now()) else {
            shared.count_chain(chain.name(), "chain-skipped");
            continue;
        };
        let mut last = None;
        for step in &plan {
            let mut resource = wsman_client::Resource::new(step.resource_uri.clone());
            for (k, v) in &step.selectors {
                resource = resource.selector(k, v.clone());
            }
            last = chain_send(shared, chain_envelope(&shared.client, &resource, step)).await;
        }
        let expected = chain.expected_faults();
        let got = last.as_ref().and_then(|(_, e)| e.fault()).and_then(|f| f.kind());
        let ok = last.as_ref().is_some_and(|(status, _)| *status == 500 || *status == 400) && got.is_some_and(|k| expected.contains(&k));
        shared.count_chain(chain.name(), if ok { "chain" } else { "find" });
        if !ok {
            failed.push((chain.name().to_owned(), format!("expected one of {expected:?}, got {got:?} (HTTP {:?})", last.as_ref().map(|(s, _)| *s))));
        }
    }
    failed
}

/// Sends `env`; the status and the decoded answer, when it is an envelope.
async fn chain_send(shared: &Shared, env: wsman_proto::Envelope) -> Option<(u16, wsman_proto::Envelope)> {
    let req =
        wsman_client::RawRequest { content_type: Some(super::SOAP_CONTENT_TYPE.to_owned()), body: bytes::Bytes::from(env.encode()), ..Default::default() };
    let r = shared.client.raw(req).await.ok()?;
    wsman_proto::Envelope::decode(&r.body, &Default::default()).ok().map(|e| (r.status, e))
}

/// An enumeration context of Win32_Service that is kept (MaxElements 1, not optimized).
async fn kept_context(shared: &Shared) -> Option<String> {
    use wsman_proto::message::{self, Message};
    let svc = wsman_client::Resource::cimv2("Win32_Service");
    let enumerate = message::Enumerate { max_elements: std::num::NonZeroU64::new(1), optimize: false, ..Default::default() };
    let (status, env) = chain_send(shared, shared.client.request(&svc, enumerate)).await?;
    (status == 200).then_some(())?;
    message::EnumerateResponse::decode(&env.body).ok()?.context.filter(|c| !c.is_empty())
}

/// How long a context is left idle past the shortened expiry before it is pulled.
const EXPIRY_MARGIN: Duration = Duration::from_millis(400);

/// The shortened `EnumerationTimeoutms` of the expiry chain (as the corpus'
/// scenario/context-expiry case sets it).
const SHORT_EXPIRY_MS: u64 = 500;

/// The state `chain` starts from, made on the endpoint.
async fn chain_state(shared: &Shared, chain: super::chain::ChainKind, seed: u64) -> Option<super::chain::CapturedState> {
    use wsman_proto::message::{self, shell as rsp, Message};
    use wsman_proto::{ns, Property, Value};

    use super::chain::{CaptureKind, CapturedState, ChainKind};

    let session = &shared.client;
    let now = Instant::now();
    let state = |kind, resource_uri: String, value: String, selectors: Vec<(String, String)>| CapturedState {
        kind,
        resource_uri,
        value,
        selectors,
        captured_at: now,
        expires_at: None,
    };
    let svc_uri = wsman_client::Resource::cimv2("Win32_Service").uri;
    match chain {
        ChainKind::UseAfterRelease => Some(state(CaptureKind::EnumerationContext, svc_uri, kept_context(shared).await?, Vec::new())),
        ChainKind::PullAfterExpiry => {
            // Windows' idle expiry is winrm/config/service EnumerationTimeoutms
            // (240 s by default): shortened for the chain, put back before the Pull.
            let config = wsman_client::Resource::new(format!("{}/service", ns::CFG));
            let current = session.get(&config).await.ok()?;
            let name = "EnumerationTimeoutms";
            let original = current.representation.elements().find(|e| e.name == name).map(|e| e.text().trim().to_owned())?;
            let set = |ms: String| Property { name: name.to_owned(), value: Value::str(ms) };
            session.set(&config, &[set(SHORT_EXPIRY_MS.to_string())]).await.ok()?;
            let context = kept_context(shared).await;
            let expires = Instant::now() + Duration::from_millis(SHORT_EXPIRY_MS);
            if context.is_some() {
                tokio::time::sleep_until((expires + EXPIRY_MARGIN).into()).await;
            }
            // Put back whatever happened; contexts idle past the short expiry stay expired.
            session.set(&config, &[set(original)]).await.ok()?;
            let mut s = state(CaptureKind::EnumerationContext, svc_uri, context?, Vec::new());
            s.expires_at = Some(expires);
            Some(s)
        }
        ChainKind::DeleteThenGet => {
            let env = wsman_client::Resource::cimv2("Win32_Environment");
            let name = format!("WSMAN_FUZZ_{seed:016X}");
            let value = wsman_proto::Instance::new(&env.uri, "Win32_Environment")
                .with("Name", Value::str(name))
                .with("UserName", Value::str("<SYSTEM>"))
                .with("VariableValue", Value::str("fuzz"));
            let epr = session.create(&env, value.to_element()).await.ok()?;
            let created = wsman_client::Resource::from_epr(&epr)?;
            let selectors: Vec<(String, String)> = created.selectors.selectors.iter().map(|s| (s.name.clone(), s.value.clone())).collect();
            Some(state(CaptureKind::CreatedResource, created.uri.clone(), String::new(), selectors))
        }
        ChainKind::ReceiveOnDeletedShell => {
            let shell = rsp::Shell { input_streams: vec!["stdin".into()], output_streams: vec!["stdout".into(), "stderr".into()], ..rsp::Shell::default() };
            let cmd = wsman_client::Resource::new(ns::SHELL_CMD_RESOURCE);
            let (status, env) = chain_send(shared, session.request(&cmd, shell.to_create())).await?;
            (status == 200).then_some(())?;
            let id = message::CreateResponse::decode(&env.body).ok().as_ref().and_then(rsp::shell_id_of)?;
            Some(state(CaptureKind::ShellId, cmd.uri.clone(), id.clone(), vec![("ShellId".into(), id)]))
        }
    }
}

/// The envelope of one chain step.
fn chain_envelope(session: &Session, resource: &wsman_client::Resource, step: &super::chain::ChainRequest) -> wsman_proto::Envelope {
    use wsman_proto::message::{self, shell as rsp};
    use wsman_proto::Action;
    let context = step.context.clone().unwrap_or_default();
    match &step.action {
        Action::Release => session.request(resource, message::Release { context }),
        Action::Pull => session.request(resource, message::Pull { context, ..Default::default() }),
        Action::Delete => session.request(resource, message::Delete),
        Action::Get => session.request(resource, message::Get),
        // A Receive names a command: the shell's absence must be what is refused.
        _ => session.request(
            resource,
            rsp::Receive {
                desired_stream: rsp::DesiredStream { command_id: Some("00000000-0000-0000-0000-000000000000".into()), names: vec!["stdout".into()] },
                ..rsp::Receive::default()
            },
        ),
    }
}

/// An Identify envelope (no addressing headers).
fn identify() -> Vec<u8> {
    use wsman_proto::message::Message;
    wsman_proto::Envelope { header: wsman_proto::Header::default(), body: wsman_proto::message::Identify.into_body() }.encode()
}

async fn shrink(shared: &Shared, seed: CaseRequest, mutations: Vec<super::Mutation>) -> (MutatedRequest, String) {
    let mut s = Shrinker::new(seed, mutations);
    let mut last_answer = String::new();
    while let Some(candidate) = s.candidate() {
        if s.steps() > MAX_SHRINK_STEPS {
            break;
        }
        let (verdict, answer) = shared.send(&candidate).await;
        let fails = !verdict.passed();
        if fails {
            last_answer = answer;
        }
        s.report(fails);
    }
    let best = s.best_request();
    if last_answer.is_empty() {
        last_answer = shared.send(&best).await.1;
    }
    (best, last_answer)
}

fn reproduce(config: &FuzzConfig, case: u64) -> String {
    let endpoint = if config.embedded { String::new() } else { format!(" --endpoint {}", config.target.url) };
    format!("wsman-harness fuzz{endpoint} --seed {} --case {case}", config.seed)
}

/// Tells a find to the reporters as a failed case; returns its result.
fn emit_find(reporters: &mut [&mut dyn Reporter], index: usize, find: &Find) -> AssertionResult {
    let kind = &find.kind;
    let id = format!("fuzz/{kind}/{}", if find.case == u64::MAX { "run".to_owned() } else { find.case.to_string() });
    let result = AssertionResult {
        case: id.clone(),
        assertion: format!("fuzz.{kind}"),
        clause: "DSP0226 §5-§7; DESIGN.md fuzz oracle".to_owned(),
        severity: report::Severity::Must,
        status: Status::Fail,
        message: format!("{} (mutations {}; reproduce with: {})", find.message, find.mutations.join(" "), find.reproduce),
        waiver: None,
    };
    let record = CaseRecord {
        id: id.clone(),
        title: format!("{kind} from {}", find.seed_case),
        profile: "fuzz".to_owned(),
        clause: result.clause.clone(),
        duration_ms: 0,
        exchanges: vec![Exchange {
            step: "shrunk".to_owned(),
            request: find.request.clone(),
            response_status: find.response.strip_prefix("HTTP ").and_then(|r| r.get(..3)).and_then(|c| c.parse().ok()).unwrap_or(0),
            response: find.response.clone(),
        }],
    };
    let started = RunEvent::CaseStarted { id, profile: "fuzz".to_owned(), index };
    let finished = RunEvent::CaseFinished { index, record, results: vec![result.clone()] };
    reporters.iter_mut().for_each(|r| r.on_event(&started));
    reporters.iter_mut().for_each(|r| r.on_event(&finished));
    result
}

/// Runs the fuzzer; the events go to `reporters` (one case record per find,
/// and one for the run's counts).
///
/// # Errors
/// [`DriverError`] for setup problems (no seed, an unreachable endpoint).
pub async fn fuzz(config: FuzzConfig, reporters: &mut [&mut dyn Reporter]) -> Result<FuzzOutcome, DriverError> {
    let started = Instant::now();
    let exec = StepExecutor::new(config.target.clone(), config.corpus.clone())?;
    exec.probe().await?;
    let seeds = Arc::new(seeds(&exec, &config.corpus, &config.profiles));
    if seeds.is_empty() {
        return Err(DriverError::NoCases);
    }
    let client = Session::new(config.target.clone()).map_err(DriverError::Client)?;
    let shared = Arc::new(Shared {
        client,
        oracle: if config.embedded { Oracle::reference() } else { Oracle::default() },
        deadline: config.target.timeout,
        counts: Mutex::new((BTreeMap::new(), BTreeMap::new())),
        sent: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let _ = shared.deadline;
    let total = match (config.only_case, config.cases, config.duration) {
        (Some(_), _, _) => 1,
        (None, Some(n), _) => n,
        (None, None, Some(_)) => u64::MAX,
        (None, None, None) => DEFAULT_CASES,
    };
    let meta = RunMeta {
        tool: config.tool.clone(),
        kind: RunKind::Fuzz,
        endpoint: config.target.url.clone(),
        embedded: config.embedded,
        started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        // Finds are not known in advance: the report holds one case per find and one of counts.
        cases: 0,
        profiles: config.profiles.clone(),
        required_profiles: Vec::new(),
        seed: Some(config.seed),
        concurrency: config.concurrency.max(1),
        audit: Box::default(),
    };
    let tell = |reporters: &mut [&mut dyn Reporter], ev: &RunEvent| reporters.iter_mut().for_each(|r| r.on_event(ev));
    tell(reporters, &RunEvent::RunStarted { meta });

    // Finds come back from the workers over a channel; the reporters stay on this task.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, MutatedRequest, String, String)>();
    let mut workers = tokio::task::JoinSet::new();
    let sample = || config.server_probe.as_ref().map(|p| (p.0)());
    let idle = sample();
    // The chains (one waits out an expiry) beside the attack pass, both before the mix.
    let chain_task = config.only_case.is_none().then(|| {
        let (shared, seed) = (shared.clone(), config.seed);
        tokio::spawn(async move { chains(&shared, seed).await })
    });
    if config.only_case.is_none() {
        for m in attack_pass() {
            let req = super::build(&seeds[0], &[m]);
            let (verdict, answer) = shared.send(&req).await;
            shared.count(&req, &verdict);
            shared.sent.fetch_add(1, Ordering::Relaxed);
            if let Verdict::Fail(f) = verdict {
                let _ = tx.send((u64::MAX, req, f.kind.name().to_owned(), format!("{}\n{answer}", f.message)));
            }
        }
    }
    let after_attacks = sample();
    let chain_finds = match chain_task {
        Some(task) => task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())),
        None => Vec::new(),
    };
    let next = Arc::new(AtomicU64::new(config.only_case.unwrap_or(0)));
    let last = config.only_case.map_or(total, |c| c.saturating_add(1));
    let until = config.duration.map(|d| started + d);
    for _ in 0..config.concurrency.max(1) {
        let (shared, seeds, next, tx) = (shared.clone(), seeds.clone(), next.clone(), tx.clone());
        let seed = config.seed;
        workers.spawn(async move {
            loop {
                if shared.stop.load(Ordering::Relaxed) || until.is_some_and(|u| Instant::now() >= u) {
                    break;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= last {
                    break;
                }
                let req = generate(&seeds, seed, n);
                let (verdict, answer) = shared.send(&req).await;
                shared.count(&req, &verdict);
                shared.sent.fetch_add(1, Ordering::Relaxed);
                if let Verdict::Fail(f) = verdict {
                    let _ = tx.send((n, req, f.kind.name().to_owned(), format!("{}\n{answer}", f.message)));
                }
            }
        });
    }
    drop(tx);
    let mut outcome = FuzzOutcome::default();
    let mut emitted: Vec<AssertionResult> = Vec::new();
    let mut found_kinds: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut shrunk_kinds: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    while let Some((n, req, kind, message)) = rx.recv().await {
        // A find is reported once per finding kind and set of operators:
        // before shrinking (the operators as generated) and after (as shrunk).
        let mut ops = req.operator_names();
        ops.sort_unstable();
        if !found_kinds.insert(format!("{kind} {}", ops.join(","))) {
            continue;
        }
        let alive = shared.alive().await;
        if !alive {
            shared.stop.store(true, Ordering::Relaxed);
            outcome.endpoint_died = true;
        }
        let seed_req = seeds.iter().find(|s| s.case == req.case).cloned().unwrap_or_else(|| seeds[0].clone());
        let (best, response) = if alive { shrink(&shared, seed_req, req.applied.clone()).await } else { (req.clone(), message.clone()) };
        let mut shrunk_ops = best.operator_names();
        shrunk_ops.sort_unstable();
        if !shrunk_kinds.insert(format!("{kind} {}", shrunk_ops.join(","))) {
            continue;
        }
        let find = Find {
            case: n,
            seed_case: req.case.clone(),
            kind: kind.clone(),
            message: message.lines().next().unwrap_or_default().to_owned(),
            mutations: if best.applied.is_empty() { vec!["none".to_owned()] } else { best.applied.iter().map(|m| m.to_string()).collect() },
            request: {
                let bytes = best.body.to_bytes();
                String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]).into_owned()
            },
            response,
            alive,
            reproduce: if n == u64::MAX { format!("(attack pass) {}", best.operator_names().join(",")) } else { reproduce(&config, n) },
        };
        if let Some(dir) = &config.save_regressions {
            if let Err(e) = super::regression::save(dir, &find, &best) {
                outcome.unsaved.push(format!("{}: {e}", find.reproduce));
            }
        }
        let index = outcome.finds.len();
        emitted.push(emit_find(reporters, index, &find));
        outcome.finds.push(find);
    }
    for (chain, message) in chain_finds {
        let find = Find {
            case: u64::MAX,
            seed_case: chain.clone(),
            kind: chain.clone(),
            message,
            mutations: vec![chain.clone()],
            request: String::new(),
            response: String::new(),
            alive: shared.alive().await,
            reproduce: reproduce(&config, 0).replace(" --case 0", ""),
        };
        let index = outcome.finds.len();
        emitted.push(emit_find(reporters, index, &find));
        outcome.finds.push(find);
    }
    while let Some(joined) = workers.join_next().await {
        if let Err(e) = joined {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
    let (per_operator, outcomes) = shared.counts.lock().unwrap_or_else(|p| p.into_inner()).clone();
    outcome.per_operator = per_operator;
    outcome.outcomes = outcomes;
    outcome.cases = shared.sent.load(Ordering::Relaxed);
    outcome.elapsed = started.elapsed();
    if let (Some(idle), Some(after_attacks), Some(end)) = (idle, after_attacks, sample()) {
        outcome.server = Some(ServerReadings { idle, after_attacks, end });
    }
    // The counts as one record: a passing result per operator exercised and per outcome.
    let index = outcome.finds.len();
    let id = "fuzz/operators".to_owned();
    let mut results: Vec<AssertionResult> = outcome
        .per_operator
        .iter()
        .map(|(op, n)| AssertionResult {
            case: id.clone(),
            assertion: format!("fuzz.operator.{op}"),
            clause: "DESIGN.md fuzz".to_owned(),
            severity: report::Severity::Should,
            status: Status::Pass,
            message: format!("{n} cases"),
            waiver: None,
        })
        .collect();
    results.extend(outcome.outcomes.iter().map(|(kind, n)| AssertionResult {
        case: id.clone(),
        assertion: format!("fuzz.outcome.{kind}"),
        clause: "DESIGN.md fuzz".to_owned(),
        severity: report::Severity::Should,
        status: Status::Pass,
        message: format!("{n} cases"),
        waiver: None,
    }));
    if let Some(r) = &outcome.server {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let reading = |name: &str, message: String| AssertionResult {
            case: id.clone(),
            assertion: format!("fuzz.server.{name}"),
            clause: "DESIGN.md fuzz".to_owned(),
            severity: report::Severity::Should,
            status: Status::Pass,
            message,
            waiver: None,
        };
        results.push(reading(
            "rss",
            format!(
                "process RSS {:.1} MiB idle, {:.1} MiB after the attack pass, {:.1} MiB at the end; high-water mark {:.1} MiB",
                mib(r.idle.rss),
                mib(r.after_attacks.rss),
                mib(r.end.rss),
                mib(r.end.rss_peak)
            ),
        ));
        results.push(reading(
            "connections",
            format!(
                "{} open at the end, at most {} at once (the run's concurrency {})",
                r.end.open_connections,
                r.end.peak_connections,
                config.concurrency.max(1)
            ),
        ));
    }
    let record = CaseRecord {
        id: id.clone(),
        title: format!("{} cases, seed {}, {:.0} cases/s", outcome.cases, config.seed, outcome.rate()),
        profile: "fuzz".to_owned(),
        clause: "DESIGN.md fuzz".to_owned(),
        duration_ms: u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX),
        exchanges: Vec::new(),
    };
    tell(reporters, &RunEvent::CaseStarted { id, profile: "fuzz".to_owned(), index });
    emitted.extend(results.iter().cloned());
    tell(reporters, &RunEvent::CaseFinished { index, record, results });
    let summary = report::Summary::from_results(emitted.iter());
    tell(reporters, &RunEvent::RunFinished { summary, duration: outcome.elapsed, stalled: Vec::new() });
    Ok(outcome)
}
