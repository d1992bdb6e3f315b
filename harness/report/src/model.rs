//! The run data model: what a `check`, `validate` or `fuzz` run produced.
//!
//! The JSON form is the contract of DESIGN.md ("JSON report of check and
//! fuzz"):
//!
//! ```text
//! {"tool":"wsman-harness VERSION","kind":"check","endpoint":URL,"embedded":bool,
//!  "started_at":"2025-01-01T00:00:00Z","duration_s":F,"profiles":[..],
//!  "stalled":[{"action":URI,"timeouts":N,"failed_fast":N}],   (only when an action stalled)
//!  "corpus_digest":"<sha256 hex>",                              (what makes the run auditable:
//!  "target":{"name":..,"path":..,"digest":..,"text":..},         each absent when unknown,
//!  "waivers":[{"case":GLOB,"assertion":GLOB,"reason":..,"expires":..}],  e.g. in reports
//!  "identify":{"protocol_versions":[..],"product_vendor":..,      written before they existed)
//!              "product_version":..,"security_profiles":[..],"response":..,"error":..},
//!  "timeouts":{"exchange_ms":N,"pool_idle_ms":N},
//!  "summary":{"passed":N,"failed":N,"warned":N,"skipped":N,"unimplemented":N},
//!  "results":[{"case":..,"assertion":..,"clause":"DSP0226 §8.2","severity":"must",
//!              "status":"pass|fail|warn|skip|unimplemented","message":..,"waiver":..}],
//!  "cases":[{"id":..,"title":..,"profile":..,"clause":..,"duration_ms":N,
//!            "exchanges":[{"step":..,"request":..,"response_status":N,"response":..}]}]}
//! ```
//!
//! The audit fields ([`RunAudit`]) are written flat at the top level and read
//! with defaults, so older reports still load. Root-cause groups and the
//! per-profile table are computed from the results ([`crate::groups`]),
//! never stored.
//!
//! The summary is never stored: [`RunReport::summary`] counts the results, and
//! the serializer writes that count. Reading a report whose `summary` disagrees
//! with its `results` is an error ([`SummaryMismatch`]), so a hand-edited file
//! cannot carry two different truths.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// Outcome of one assertion on one case.
///
/// Serialized in lowercase (`"pass"`, `"fail"`, ...); displayed in uppercase
/// (`PASS`, `FAIL`, ...) on the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The endpoint did what the clause requires.
    Pass,
    /// The endpoint violated the clause.
    Fail,
    /// A failure turned into a warning by a waiver (the waiver's reason is in
    /// [`AssertionResult::waiver`]).
    Warn,
    /// Not evaluated; the message says why.
    Skip,
    /// The endpoint says it does not support the feature (for example it
    /// answered `wsman:ActionNotSupported` to an optional operation).
    Unimplemented,
}

impl Status {
    /// Every status, in the order reports list counts.
    pub const ALL: [Status; 5] = [Status::Pass, Status::Fail, Status::Warn, Status::Skip, Status::Unimplemented];

    /// How bad the status is, for picking the worst outcome of a case:
    /// pass < skip < unimplemented < warn < fail.
    pub fn rank(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Skip => 1,
            Status::Unimplemented => 2,
            Status::Warn => 3,
            Status::Fail => 4,
        }
    }

    /// The worst of `statuses` by [`Status::rank`], `None` when empty.
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        statuses.into_iter().max_by_key(|s| s.rank())
    }

    /// The lowercase name used in JSON (`"pass"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
            Status::Unimplemented => "unimplemented",
        }
    }

    /// The uppercase label used on the console and in HTML (`"PASS"`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::Skip => "SKIP",
            Status::Unimplemented => "UNIMPLEMENTED",
        }
    }

    /// `true` for [`Status::Fail`].
    pub fn is_fail(self) -> bool {
        self == Status::Fail
    }

    /// `true` for [`Status::Pass`].
    pub fn is_pass(self) -> bool {
        self == Status::Pass
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How strongly the clause behind an assertion binds (RFC 2119 keywords as
/// used by DSP0226 and MS-WSMV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// "shall"/"must": a violation is non-conformance.
    Must,
    /// "should": a violation is allowed with a good reason.
    Should,
    /// "may": an optional behaviour, checked only when present.
    May,
}

impl Severity {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Must => "must",
            Severity::Should => "should",
            Severity::May => "may",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which command produced the report; the model is shared by all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// `wsman-harness check` against a live endpoint.
    #[default]
    Check,
    /// `wsman-harness validate` of captured envelopes (no endpoint).
    Validate,
    /// `wsman-harness fuzz`.
    Fuzz,
}

impl RunKind {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Check => "check",
            RunKind::Validate => "validate",
            RunKind::Fuzz => "fuzz",
        }
    }
}

/// Counts of results by status; always computed, never stored
/// (see [`RunReport::summary`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Results with [`Status::Pass`].
    pub passed: usize,
    /// Results with [`Status::Fail`].
    pub failed: usize,
    /// Results with [`Status::Warn`].
    pub warned: usize,
    /// Results with [`Status::Skip`].
    pub skipped: usize,
    /// Results with [`Status::Unimplemented`].
    pub unimplemented: usize,
}

impl Summary {
    /// Counts `results` by status.
    pub fn from_results<'a>(results: impl IntoIterator<Item = &'a AssertionResult>) -> Self {
        let mut s = Summary::default();
        for r in results {
            s.add(r.status);
        }
        s
    }

    /// Counts one more result of `status`.
    pub fn add(&mut self, status: Status) {
        *self.count_mut(status) += 1;
    }

    /// The count for `status`.
    pub fn count(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.passed,
            Status::Fail => self.failed,
            Status::Warn => self.warned,
            Status::Skip => self.skipped,
            Status::Unimplemented => self.unimplemented,
        }
    }

    fn count_mut(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Pass => &mut self.passed,
            Status::Fail => &mut self.failed,
            Status::Warn => &mut self.warned,
            Status::Skip => &mut self.skipped,
            Status::Unimplemented => &mut self.unimplemented,
        }
    }

    /// Total number of results.
    pub fn total(&self) -> usize {
        Status::ALL.iter().map(|s| self.count(*s)).sum()
    }

    /// `true` when nothing failed (warnings, skips and unimplemented features
    /// do not fail a run against a third-party endpoint).
    pub fn is_success(&self) -> bool {
        self.failed == 0
    }

    /// `true` when nothing failed, was skipped or was unimplemented: the bar
    /// for the embedded reference server (DESIGN.md "Embedded default").
    pub fn is_clean(&self) -> bool {
        self.failed == 0 && self.skipped == 0 && self.unimplemented == 0
    }
}

/// The outcome of one assertion (catalogue id) on one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionResult {
    /// Case id from the corpus manifest (or the file name, for `validate`).
    pub case: String,
    /// Stable assertion id from the catalogue (for example `addressing.relates-to`).
    pub assertion: String,
    /// The specification clause the assertion enforces (`DSP0226 §8.2`).
    pub clause: String,
    /// How strongly the clause binds.
    pub severity: Severity,
    /// The outcome.
    pub status: Status,
    /// What was seen; for SKIP the reason; empty for a plain PASS.
    #[serde(default)]
    pub message: String,
    /// The waiver's reason when a failure was turned into [`Status::Warn`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
}

impl AssertionResult {
    /// The key results are matched on across runs (diff, merge).
    pub fn key(&self) -> ResultKey {
        ResultKey { case: self.case.clone(), assertion: self.assertion.clone() }
    }
}

/// Identity of a result across runs: case id and assertion id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResultKey {
    /// Case id.
    pub case: String,
    /// Assertion id.
    pub assertion: String,
}

impl fmt::Display for ResultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.case, self.assertion)
    }
}

/// One request/response pair of a case (a multi-step scenario has several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Step name within the case (`enumerate`, `pull-1`, ...).
    pub step: String,
    /// The request envelope as sent.
    pub request: String,
    /// HTTP status of the response (0 when no response arrived).
    pub response_status: u16,
    /// The response body as received (lossily decoded to UTF-8).
    pub response: String,
}

/// One corpus case as run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Case id (what [`AssertionResult::case`] refers to).
    pub id: String,
    /// Human title from the manifest.
    pub title: String,
    /// Profile the case belongs to (`core`, `enumeration`, ...).
    pub profile: String,
    /// The clause the case as a whole tests.
    pub clause: String,
    /// Wall time of the case, all steps included.
    pub duration_ms: u64,
    /// The traffic of the case, in order.
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
}

/// An action the endpoint stopped answering during the run (the driver's
/// liveness rule): reported once, at the top of every report, while each
/// exchange it cut short is a FAIL of `transport.response` in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StalledAction {
    /// The `wsa:Action` URI (or `Identify`).
    pub action: String,
    /// Exchanges of the action that timed out.
    pub timeouts: u64,
    /// Exchanges of the action failed without waiting (not sent, or cut short).
    pub failed_fast: u64,
}

impl StalledAction {
    /// The one line the reports print: `endpoint stopped answering ACTION: ...`.
    pub fn message(&self) -> String {
        format!("endpoint stopped answering {}: {} exchange(s) timed out, {} more failed without waiting", self.action, self.timeouts, self.failed_fast)
    }
}

/// The target file a run was given (`--target FILE`), recorded verbatim so
/// that the report says what the endpoint was expected to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRecord {
    /// The target's name (from the file, or the file name).
    pub name: String,
    /// Where the file was read from, when it came from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// sha256 (hex) of the file's text.
    pub digest: String,
    /// The file's text.
    pub text: String,
}

/// One waiver in effect during the run; which results it turned to WARN is
/// in their [`AssertionResult::waiver`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRecord {
    /// Glob on case ids.
    pub case: String,
    /// Glob on assertion ids; `None` waives every assertion of the matched cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<String>,
    /// Why the deviation is accepted.
    pub reason: String,
    /// When the waiver stops applying (as written in the waiver file), if it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The endpoint's answer to the Identify the driver sends at the start of a
/// run (DSP0226 §11). A failed Identify does not fail the run: `error` says
/// why, and the other fields are empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentifyRecord {
    /// `wsmid:ProtocolVersion` values.
    #[serde(default)]
    pub protocol_versions: Vec<String>,
    /// `wsmid:ProductVendor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_vendor: Option<String>,
    /// `wsmid:ProductVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
    /// `wsmid:SecurityProfiles/wsmid:SecurityProfileName` values.
    #[serde(default)]
    pub security_profiles: Vec<String>,
    /// The response body as received (empty when nothing arrived).
    #[serde(default)]
    pub response: String,
    /// Why the Identify failed (transport error, HTTP status, fault, not a
    /// response); `None` when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The timeouts a run used, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunTimeouts {
    /// Deadline of one exchange (`--timeout`), also the OperationTimeout the
    /// typed requests carry.
    pub exchange_ms: u64,
    /// How long an idle kept-alive connection stays in the client's pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_idle_ms: Option<u64>,
}

/// What makes a run reproducible and auditable. Every field is optional in
/// the JSON (reports written before these fields existed still read).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunAudit {
    /// sha256 (hex) over the corpus files: for each file in sorted relative
    /// path order, the path, a NUL, the text, a NUL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus_digest: Option<String>,
    /// The target file, when the run was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetRecord>,
    /// The waivers in effect (the corpus's, then `--waivers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverRecord>,
    /// The endpoint's Identify answer at the start of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identify: Option<IdentifyRecord>,
    /// The timeouts the run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<RunTimeouts>,
}

/// Everything one run produced. Serialize it for `report.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RunReportIn")]
pub struct RunReport {
    /// `"wsman-harness VERSION"`.
    pub tool: String,
    /// Which command produced the report.
    pub kind: RunKind,
    /// Endpoint URL (for `validate`, an empty string).
    pub endpoint: String,
    /// Whether the endpoint was the in-process reference server.
    pub embedded: bool,
    /// Start of the run, RFC 3339 (`2025-01-01T12:00:00Z`).
    pub started_at: String,
    /// Wall time of the run in seconds.
    pub duration_s: f64,
    /// Profiles selected for the run.
    pub profiles: Vec<String>,
    /// Profiles the embedded reference server implements: against it, SKIP and
    /// UNIMPLEMENTED in these profiles fail the run. Empty means every profile.
    pub required_profiles: Vec<String>,
    /// One result per case and assertion.
    pub results: Vec<AssertionResult>,
    /// The cases run, with their traffic.
    pub cases: Vec<CaseRecord>,
    /// Actions the endpoint stopped answering (empty for a healthy run).
    pub stalled: Vec<StalledAction>,
    /// What makes the run reproducible and auditable (corpus digest, target,
    /// waivers, Identify answer, timeouts); written flat at the top level.
    pub audit: RunAudit,
}

impl RunReport {
    /// An empty report of `kind` for `tool` against `endpoint`; fill
    /// `results` and `cases` as the run proceeds.
    pub fn new(kind: RunKind, tool: impl Into<String>, endpoint: impl Into<String>) -> Self {
        RunReport {
            tool: tool.into(),
            kind,
            endpoint: endpoint.into(),
            embedded: false,
            started_at: String::new(),
            duration_s: 0.0,
            profiles: Vec::new(),
            required_profiles: Vec::new(),
            results: Vec::new(),
            cases: Vec::new(),
            stalled: Vec::new(),
            audit: RunAudit::default(),
        }
    }

    /// Counts of [`RunReport::results`] by status.
    pub fn summary(&self) -> Summary {
        Summary::from_results(&self.results)
    }

    /// The run's verdict: against the embedded reference server SKIP and
    /// UNIMPLEMENTED count as failures ([`Summary::is_clean`]); against any
    /// other endpoint only FAIL does ([`Summary::is_success`]). The console,
    /// HTML and Markdown verdicts use this; so should the exit status.
    pub fn passed(&self) -> bool {
        self.summary().is_success() && self.blocking_skips().next().is_none()
    }

    /// The case record with `id`.
    pub fn case(&self, id: &str) -> Option<&CaseRecord> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// Results belonging to case `id`, in report order.
    pub fn results_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a AssertionResult> + 'a {
        self.results.iter().filter(move |r| r.case == id)
    }

    /// Outcome of case `id`: the worst status of its assertions
    /// ([`Status::rank`]); `None` when it has no results.
    pub fn case_status(&self, id: &str) -> Option<Status> {
        Status::worst(self.results_of(id).map(|r| r.status))
    }

    /// Worst status of every case id that appears in results or case records,
    /// sorted by case id. Cases without results are omitted.
    pub fn case_statuses(&self) -> BTreeMap<&str, Status> {
        let mut out: BTreeMap<&str, Status> = BTreeMap::new();
        for r in &self.results {
            out.entry(r.case.as_str())
                .and_modify(|s| {
                    if r.status.rank() > s.rank() {
                        *s = r.status;
                    }
                })
                .or_insert(r.status);
        }
        out
    }

    /// Results with [`Status::Fail`], in report order.
    pub fn failures(&self) -> impl Iterator<Item = &AssertionResult> {
        self.results.iter().filter(|r| r.status.is_fail())
    }

    /// The skipped and unimplemented results that fail this run on their
    /// own (see [`passed`](Self::passed)): every one against the embedded
    /// server without required profiles, those of required profiles with
    /// them, none against another endpoint. A case the run's target has no
    /// role for (message `target has no ROLE`, the driver's `TARGET_SKIP`)
    /// is skipped on purpose and never blocks.
    pub fn blocking_skips(&self) -> impl Iterator<Item = &AssertionResult> {
        self.results.iter().filter(move |r| {
            self.embedded
                && !r.message.starts_with("target has no ")
                && matches!(r.status, Status::Skip | Status::Unimplemented)
                && (self.required_profiles.is_empty() || self.profile_of(&r.case).is_none_or(|p| self.required_profiles.iter().any(|q| q == p)))
        })
    }

    /// Profile of case `id` from its case record, `None` when no record.
    pub fn profile_of(&self, id: &str) -> Option<&str> {
        self.case(id).map(|c| c.profile.as_str())
    }
}

/// Borrowed view that adds the computed summary; what is actually written.
#[derive(Serialize)]
struct RunReportOut<'a> {
    tool: &'a str,
    kind: RunKind,
    endpoint: &'a str,
    embedded: bool,
    started_at: &'a str,
    duration_s: f64,
    profiles: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    required_profiles: &'a [String],
    #[serde(skip_serializing_if = "<[StalledAction]>::is_empty")]
    stalled: &'a [StalledAction],
    #[serde(flatten)]
    audit: &'a RunAudit,
    summary: Summary,
    results: &'a [AssertionResult],
    cases: &'a [CaseRecord],
}

impl Serialize for RunReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RunReportOut {
            tool: &self.tool,
            kind: self.kind,
            endpoint: &self.endpoint,
            embedded: self.embedded,
            started_at: &self.started_at,
            // serde_json writes a non-finite float as null, which would not
            // read back as f64: write 0 instead.
            duration_s: if self.duration_s.is_finite() { self.duration_s } else { 0.0 },
            profiles: &self.profiles,
            required_profiles: &self.required_profiles,
            stalled: &self.stalled,
            audit: &self.audit,
            summary: self.summary(),
            results: &self.results,
            cases: &self.cases,
        }
        .serialize(serializer)
    }
}

/// What is read: the summary is optional and checked against the results.
#[derive(Deserialize)]
struct RunReportIn {
    tool: String,
    #[serde(default)]
    kind: RunKind,
    endpoint: String,
    embedded: bool,
    #[serde(default)]
    started_at: String,
    #[serde(default)]
    duration_s: f64,
    #[serde(default)]
    profiles: Vec<String>,
    #[serde(default)]
    required_profiles: Vec<String>,
    #[serde(default)]
    stalled: Vec<StalledAction>,
    #[serde(flatten)]
    audit: RunAudit,
    #[serde(default)]
    summary: Option<Summary>,
    results: Vec<AssertionResult>,
    #[serde(default)]
    cases: Vec<CaseRecord>,
}

/// A report file whose `summary` does not count its `results`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("summary {stated:?} does not match the results, which count {counted:?}")]
pub struct SummaryMismatch {
    /// The summary written in the file.
    pub stated: Summary,
    /// The summary computed from the file's results.
    pub counted: Summary,
}

impl TryFrom<RunReportIn> for RunReport {
    type Error = SummaryMismatch;

    fn try_from(w: RunReportIn) -> Result<Self, Self::Error> {
        let counted = Summary::from_results(&w.results);
        if let Some(stated) = w.summary {
            if stated != counted {
                return Err(SummaryMismatch { stated, counted });
            }
        }
        Ok(RunReport {
            tool: w.tool,
            kind: w.kind,
            endpoint: w.endpoint,
            embedded: w.embedded,
            started_at: w.started_at,
            duration_s: w.duration_s,
            profiles: w.profiles,
            required_profiles: w.required_profiles,
            results: w.results,
            cases: w.cases,
            stalled: w.stalled,
            audit: w.audit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_follows_rank() {
        assert_eq!(Status::worst([]), None);
        assert_eq!(Status::worst([Status::Pass, Status::Skip]), Some(Status::Skip));
        assert_eq!(Status::worst([Status::Warn, Status::Unimplemented]), Some(Status::Warn));
        assert_eq!(Status::worst(Status::ALL), Some(Status::Fail));
    }

    #[test]
    fn names_round_trip_through_serde() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).expect("serialize");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).expect("parse"), s);
        }
    }

    #[test]
    fn non_finite_duration_still_reads_back() {
        let mut r = RunReport::new(RunKind::Fuzz, "t", "e");
        r.duration_s = f64::NAN;
        let text = serde_json::to_string(&r).expect("serialize");
        let back: RunReport = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.duration_s, 0.0);
        assert_eq!(back.kind, RunKind::Fuzz);
    }
}
