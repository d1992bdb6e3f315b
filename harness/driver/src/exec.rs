//! The step executor: render a step, send it through wsman-client's raw
//! exchange under the liveness rule, judge the response, compare its
//! snapshot. One step at a time ([`StepExecutor::prepare`] then
//! [`StepExecutor::send`]) or one whole case ([`StepExecutor::run_case`]:
//! steps in order, repeats, values captured by one step for the next).
//!
//! ```text
//! case step --prepare--> PreparedStep --send--> StepOutcome --snapshot--> findings
//!            (render,      (spec, request,   (response, verdict,
//!             parse once)   action)           exchange, duration)
//! ```
//!
//! Scheduling (concurrency, exclusive cases, waivers, events) is the
//! runner's ([`crate::runner`]); the fuzzer sends a mutated envelope through
//! the same [`StepExecutor::send`] by changing a [`PreparedStep`]'s body.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use report::{AssertionResult, CaseRecord, Exchange, StalledAction, Status};
use schema_check::PrefixMap;
use wsman_client::{Endpoint, RawAuth, RawRequest, RawResponse, Session};

use crate::check::catalogue::{self as cat, Check};
use crate::check::judge::{judge, StepSpec, Verdict};
use crate::corpus::{Case, Corpus, Step};
use crate::liveness::{ExchangeError, Liveness};
use crate::render::{new_message_id, RenderError, Scope};
use crate::runner::DriverError;
use crate::snapshot::{self, SnapshotOutcome};
use crate::target::Target;

/// Stored request/response text is cut at this size in the report.
pub const MAX_STORED: usize = 64 * 1024;

const SOAP_CT: &str = "application/soap+xml;charset=UTF-8";

/// Where response snapshots are compared (`--snapshots DIR`).
#[derive(Debug, Clone)]
struct Snapshots {
    dir: PathBuf,
    /// `--update-snapshots` outside CI ([`snapshot::may_write`]).
    write: bool,
}

/// Renders, sends, judges and snapshots the steps of corpus cases against one endpoint.
///
/// Shared by the cases of a run (behind an `Arc`): the session pools
/// connections, and the liveness state must see every exchange of the run.
#[derive(Debug)]
pub struct StepExecutor {
    client: Session,
    /// The Authorization of `auth = "wrong"` steps: the user's password
    /// changed (`None` without a user: no header at all).
    wrong_auth: Option<wsman_client::hyper::header::HeaderValue>,
    /// The liveness rule: actions the endpoint stopped answering fail fast.
    liveness: Liveness,
    corpus: Arc<Corpus>,
    /// `{{session_id}}`: one per executor, so one per run.
    session_id: String,
    snapshots: Option<Snapshots>,
    /// The resources the cases use, by role (the built-in target unless told).
    resources: Arc<Target>,
}

/// What the executor knows of a request's operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAction {
    /// The liveness key: the `wsa:Action` URI, or `Identify`.
    pub key: String,
    /// Sending it twice cannot change the outcome (see [`RawRequest::replayable`]).
    pub replayable: bool,
}

/// A rendered step, ready to send: what the judge expects and the request.
#[derive(Debug, Clone)]
pub struct PreparedStep {
    /// The expectations, with the rendered request text (as the report stores it).
    pub spec: StepSpec,
    /// The HTTP request, body encoded as the step asks.
    pub request: RawRequest,
    /// The request's operation, `None` when it has none (or is not XML):
    /// such a request is sent outside the liveness rule.
    pub action: Option<RequestAction>,
}

impl PreparedStep {
    /// The same step with another UTF-8 envelope: the body, the request text
    /// the report stores, and the operation (read from the new text) all
    /// follow. How a fuzzer sends a mutated envelope through [`StepExecutor::send`].
    pub fn with_envelope(mut self, envelope: String) -> PreparedStep {
        self.action = wsman_proto::xml::parse_str(&envelope, &wsman_proto::Limits::default()).ok().and_then(|tree| request_action(&tree));
        self.request.replayable = self.action.as_ref().is_some_and(|a| a.replayable);
        self.request.body = envelope.clone().into_bytes().into();
        self.spec.request = envelope;
        self
    }
}

/// The outcome of sending one prepared step.
#[derive(Debug)]
pub struct StepOutcome {
    /// The response, or why there is none.
    pub response: Result<RawResponse, ExchangeError>,
    /// The judge's findings and captures.
    pub verdict: Verdict,
    /// The exchange as the report records it (texts cut at [`MAX_STORED`]);
    /// `step` is filled by the caller.
    pub exchange: Exchange,
    /// Wall time of the exchange, waiting under the liveness rule included.
    pub duration: Duration,
}

/// One case as the executor ran it: results before waivers, every exchange.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// One result per assertion, worst status of each; no waiver applied.
    pub results: Vec<AssertionResult>,
    /// The record, with every exchange of the case.
    pub record: CaseRecord,
}

impl StepExecutor {
    /// An executor for `corpus` against `target`.
    ///
    /// # Errors
    /// [`DriverError::Client`] when the session cannot be built (URL, CA file, TLS).
    pub fn new(target: Endpoint, corpus: Arc<Corpus>) -> Result<StepExecutor, DriverError> {
        let wrong_auth = match &target.user {
            Some((user, pass)) => Some(wsman_client::auth::Basic::header_value(user, &format!("{pass}-wrong")).map_err(DriverError::Client)?),
            None => None,
        };
        let client = Session::new(target).map_err(DriverError::Client)?;
        let resources = Arc::new(Target::builtin().map_err(|e| DriverError::Target(e.to_string()))?);
        Ok(StepExecutor { client, wrong_auth, liveness: Liveness::default(), corpus, session_id: new_message_id(), snapshots: None, resources })
    }

    /// Renders the cases' role variables from `resources` instead of the
    /// built-in target.
    pub fn with_target(mut self, resources: Arc<Target>) -> StepExecutor {
        self.resources = resources;
        self
    }

    /// The target whose roles the cases use.
    pub fn resources(&self) -> &Arc<Target> {
        &self.resources
    }

    /// Compares the first response of every step with the snapshot under
    /// `dir`, writing it when `write` is true (see [`snapshot::may_write`]).
    pub fn with_snapshots(mut self, dir: PathBuf, write: bool) -> StepExecutor {
        self.snapshots = Some(Snapshots { dir, write });
        self
    }

    /// The corpus the cases come from.
    pub fn corpus(&self) -> &Arc<Corpus> {
        &self.corpus
    }

    /// The endpoint URL (`{{to}}`).
    pub fn endpoint(&self) -> &str {
        &self.client.endpoint().url
    }

    /// The actions the endpoint stopped answering so far (the liveness rule).
    pub fn stalled(&self) -> Vec<StalledAction> {
        self.liveness.stalled()
    }

    /// One unauthenticated Identify to tell "unreachable" (a setup error)
    /// from "misbehaving" (results).
    ///
    /// # Errors
    /// [`DriverError::Unreachable`] when nothing answers.
    pub async fn probe(&self) -> Result<(), DriverError> {
        use wsman_client::TransportKind;
        let req = RawRequest { content_type: Some(SOAP_CT.to_owned()), auth: RawAuth::None, ..Default::default() };
        match self.client.raw(req).await {
            // Something answered, if badly: the run judges it.
            Ok(_) => Ok(()),
            Err(e) if matches!(e.transport_kind(), Some(TransportKind::Closed | TransportKind::Broken | TransportKind::TooLarge)) => Ok(()),
            Err(source) => Err(DriverError::Unreachable { endpoint: self.endpoint().to_owned(), source }),
        }
    }

    /// Renders `step` of `case` with `scope`: the spec for the judge, the
    /// request and its operation.
    ///
    /// # Errors
    /// Why the step cannot be rendered (missing template, unknown variable,
    /// not well-formed without `raw`): a FAIL of `case.render`.
    pub fn prepare(&self, case: &Case, step: &Step, scope: &Scope<'_>) -> Result<PreparedStep, String> {
        let template = self.corpus.template(case, step).ok_or_else(|| format!("template {} missing", step.template))?;
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
        let profile = self.corpus.profile(&case.profile);
        let mut prefixes = PrefixMap::protocol();
        if let Some(p) = profile {
            for (k, v) in &p.namespaces {
                match scope.expand(v) {
                    Ok(uri) => {
                        prefixes.insert(k.clone(), uri);
                    }
                    // A prefix bound to a role the case does not declare is
                    // not the case's (the corpus lint keeps cases from using it).
                    Err(RenderError::Unknown(name)) if crate::corpus::load::role_of(&name).is_some() => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
        }
        let expand = |text: &str| scope.expand(text).map_err(|e| format!("{text:?}: {e}"));
        let mut expect = step.expect.clone();
        if let Some(a) = &expect.action {
            expect.action = Some(expand(a)?);
        }
        let mut asserts = step.asserts.clone();
        for a in &mut asserts {
            a.xpath = expand(&a.xpath)?;
            if let Some(eq) = &a.equals {
                a.equals = Some(expand(eq)?);
            }
            if let Some(m) = &a.matches {
                a.matches = Some(expand(m)?);
            }
        }
        let capture = step.capture.iter().map(|(k, x)| Ok((k.clone(), expand(x)?))).collect::<Result<BTreeMap<_, _>, String>>()?;
        let until = step.repeat.as_ref().map(|r| expand(&r.until)).transpose()?;
        let body = match step.http.encoding.as_deref() {
            Some("utf-16le") => {
                let mut b = vec![0xFF, 0xFE];
                request.encode_utf16().for_each(|u| b.extend_from_slice(&u.to_le_bytes()));
                b
            }
            _ => request.clone().into_bytes(),
        };
        let http = RawRequest {
            method: step.http.method.clone(),
            path: step.http.path.clone(),
            content_type: Some(step.http.content_type.clone().unwrap_or_else(|| match step.http.encoding.as_deref() {
                Some("utf-16le") => "application/soap+xml;charset=UTF-16".to_owned(),
                _ => SOAP_CT.to_owned(),
            })),
            headers: step.http.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            auth: match (step.http.auth.as_deref(), &self.wrong_auth) {
                (Some("none"), _) | (Some("wrong"), None) => RawAuth::None,
                (Some("wrong"), Some(h)) => RawAuth::Header(h.clone()),
                _ => RawAuth::Session,
            },
            streamed: step.http.chunked.map(|chunk| crate::fuzz::chunked_source(body.clone().into(), chunk)),
            body: body.into(),
            replayable: action.as_ref().is_some_and(|a| a.replayable),
        };
        let spec = StepSpec {
            request,
            expect,
            asserts,
            capture,
            until,
            unimplemented_when: profile.map(|p| p.unimplemented_when.clone()).unwrap_or_default(),
            prefixes,
        };
        Ok(PreparedStep { spec, request: http, action })
    }

    /// Renders step `n` (from 0) of `case` as [`StepExecutor::run_case`]
    /// does: a fresh `{{message_id}}` (or the case's pinned form of it),
    /// `unique` as `{{unique}}`, `captured` values of earlier steps, then the
    /// step's, the case's and the profile's variables, then the variables and
    /// fragments of the roles the case declares (from the executor's target).
    ///
    /// # Errors
    /// As [`StepExecutor::prepare`]; also when the case has no step `n`.
    pub fn prepare_step(&self, case: &Case, n: usize, unique: &str, captured: &BTreeMap<String, String>) -> Result<PreparedStep, String> {
        let step = case.steps.get(n).ok_or_else(|| format!("case {} has no step {}", case.id, n + 1))?;
        let empty = BTreeMap::new();
        let profile_vars = self.corpus.profile(&case.profile).map(|p| &p.vars).unwrap_or(&empty);
        let generated = new_message_id();
        let mut roles = self.resources.scope_for(&case.roles);
        roles.fragments.extend(case.fragments.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut scope = Scope {
            to: self.endpoint(),
            session_id: &self.session_id,
            unique,
            message_id: &generated,
            captured: Some(captured),
            layers: vec![&step.vars, &case.vars, profile_vars, &roles.vars],
            fragments: Some(&roles.fragments),
        };
        // A case may pin the MessageID form (`message_id = "urn:uuid:{{uuid}}"`): expand
        // it once so the request and the assertions see the same value.
        let fixed: BTreeMap<String, String> = match scope.expand("{{message_id}}") {
            Ok(m) => [("message_id".to_owned(), m)].into_iter().collect(),
            Err(_) => BTreeMap::new(),
        };
        scope.layers.insert(0, &fixed);
        self.prepare(case, step, &scope)
    }

    /// Sends a prepared step under the liveness rule and judges the response.
    pub async fn send(&self, prepared: &PreparedStep) -> StepOutcome {
        let started = Instant::now();
        let response = self.liveness.send(&self.client, prepared.action.as_ref().map(|a| a.key.as_str()), prepared.request.clone()).await;
        let duration = started.elapsed();
        let verdict = judge(&prepared.spec, response.as_ref());
        let (status, text) = match &response {
            Ok(r) => (r.status, String::from_utf8_lossy(&r.body).into_owned()),
            Err(e) => (0, e.to_string()),
        };
        let exchange = Exchange { step: String::new(), request: cut(&prepared.spec.request), response_status: status, response: cut(&text) };
        StepOutcome { response, verdict, exchange, duration }
    }

    /// Compares a response body with the snapshot of `step` of case `case_id`;
    /// `None` without `--snapshots` or when the body is not XML. `extra`
    /// strings (the endpoint URL, the case's unique token) are redacted.
    pub fn snapshot(&self, case_id: &str, step: &str, body: &[u8], extra: &[&str]) -> Option<(Status, String)> {
        let snaps = self.snapshots.as_ref()?;
        let canon = snapshot::canonicalize(body, extra)?;
        let path = snapshot::path_for(&snaps.dir, case_id, step);
        Some(match snapshot::compare(&path, &canon, snaps.write) {
            SnapshotOutcome::Match | SnapshotOutcome::Written(_) => (Status::Pass, String::new()),
            SnapshotOutcome::Mismatch(d) => (Status::Fail, format!("response differs from {}:\n{d}", path.display())),
            SnapshotOutcome::Missing(p) => (Status::Fail, format!("no snapshot {} (run with --update-snapshots)", p.display())),
            SnapshotOutcome::Io(e) => (Status::Fail, e),
        })
    }

    /// Runs every step of `case` in order, with `unique` as its `{{unique}}`
    /// token, and calls `on_exchange(step number from 1, exchange, duration)`
    /// after each exchange.
    ///
    /// Values captured by a step are visible to the next; a repeated step is
    /// sent until its end condition holds; a fatal finding or an
    /// unimplemented feature ends the case.
    pub async fn run_case(&self, case: &Case, unique: &str, mut on_exchange: impl FnMut(usize, &Exchange, Duration) + Send) -> CaseRun {
        let started = Instant::now();
        let mut captured: BTreeMap<String, String> = BTreeMap::new();
        let mut tally = Tally::new();
        let mut exchanges = Vec::new();
        let mut unimplemented: Option<String> = None;
        // A step the session cannot send as the case wants (SKIP, with why).
        let mut skipped: Option<String> = None;
        let endpoint = self.endpoint().to_owned();

        'steps: for (n, step) in case.steps.iter().enumerate() {
            let name = step_name(&step.template);
            let label = format!("step {} ({name})", n + 1);
            let max = step.repeat.as_ref().map(|r| r.max).unwrap_or(1);
            for iteration in 0..max {
                let prepared = match self.prepare_step(case, n, unique, &captured) {
                    Ok(p) => p,
                    Err(msg) => {
                        tally.add(&cat::CASE_RENDER, Status::Fail, format!("{label}: {msg}"));
                        break 'steps;
                    }
                };
                if prepared.request.streamed.is_some() && self.client.seals_messages() {
                    skipped = Some(format!("{label}: the body is streamed, and the session seals whole messages (Negotiate over http)"));
                    break 'steps;
                }
                let StepOutcome { response, verdict, mut exchange, duration } = self.send(&prepared).await;
                exchange.step = if max > 1 { format!("{name}#{}", iteration + 1) } else { name.clone() };
                on_exchange(n + 1, &exchange, duration);
                exchanges.push(exchange);
                for f in &verdict.findings {
                    let msg = if f.message.is_empty() { String::new() } else { format!("{label}: {}", f.message) };
                    tally.add(f.check, f.status, msg);
                }
                if let (Ok(resp), 0) = (&response, iteration) {
                    if let Some((status, msg)) = self.snapshot(&case.id, &name, &resp.body, &[&endpoint, unique]) {
                        let msg = if msg.is_empty() { msg } else { format!("{label}: {msg}") };
                        tally.add(&cat::SNAPSHOT_MATCH, status, msg);
                    }
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
        if step_repeat_pass(case, &tally) {
            tally.add(&cat::EXPECT_REPEAT, Status::Pass, String::new());
        }

        let results = match (unimplemented, skipped) {
            (Some(msg), _) => vec![result(case, &cat::EXPECT_OUTCOME, Status::Unimplemented, msg)],
            (None, Some(msg)) => vec![result(case, &cat::EXPECT_OUTCOME, Status::Skip, msg)],
            (None, None) => tally
                .order
                .iter()
                .map(|check| {
                    let (status, message) = tally.worst.get(check.id).cloned().unwrap_or((Status::Pass, String::new()));
                    result(case, check, status, message)
                })
                .collect(),
        };
        let record = CaseRecord {
            id: case.id.clone(),
            title: case.title.clone(),
            profile: case.profile.clone(),
            clause: case.clause.clone(),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            exchanges,
        };
        CaseRun { results, record }
    }
}

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

/// A step's name: its template's file name without `.xml`.
fn step_name(template: &str) -> String {
    let file = template.rsplit('/').next().unwrap_or(template);
    file.strip_suffix(".xml").unwrap_or(file).to_owned()
}

/// `text` cut at [`MAX_STORED`] bytes (on a character boundary), saying how much was cut.
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

/// A repeated step that ended normally records a PASS of `expect.repeat`.
fn step_repeat_pass(case: &Case, tally: &Tally) -> bool {
    case.steps.iter().any(|s| s.repeat.is_some()) && !tally.worst.contains_key(cat::EXPECT_REPEAT.id)
}

fn result(case: &Case, check: &Check, status: Status, message: String) -> AssertionResult {
    // Case-specific checks report the case's own clause.
    let clause = if check.clause == "corpus case clause" { case.clause.clone() } else { check.clause.to_owned() };
    AssertionResult { case: case.id.clone(), assertion: check.id.to_owned(), clause, severity: check.severity, status, message, waiver: None }
}

/// The operation of a rendered request, `None` when it has none.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_texts_and_marks_long_ones() {
        assert_eq!(cut("abc"), "abc");
        let long = "é".repeat(MAX_STORED);
        let c = cut(&long);
        assert!(c.len() < long.len() && c.ends_with("bytes cut]"), "{}", &c[c.len() - 30..]);
    }

    #[test]
    fn step_names_drop_folders_and_the_extension() {
        assert_eq!(step_name("core/identify/identify-basic.xml"), "identify-basic");
        assert_eq!(step_name("raw"), "raw");
    }
}
