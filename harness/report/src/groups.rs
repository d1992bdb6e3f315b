//! Computed views a vendor reads first, shared by the console, HTML and
//! Markdown reports (never stored in `report.json`).
//!
//! - Root-cause groups ([`groups`]): the failures of a run grouped by
//!   assertion id and, for the assertions that judge the answer itself (the
//!   outcome a case expects, `expect.outcome`, and the fault checks,
//!   `fault.*`), the fault seen: what the failing case's response carried,
//!   the SOAP fault's innermost subcode (or its code when it has none),
//!   `http NNN` for an HTTP error status without a SOAP envelope, `no
//!   response` when nothing arrived, none for an answer that was no fault.
//!   For every other assertion (a missing header, a schema error) the fault
//!   a case provoked on purpose says nothing about the cause and is not part
//!   of the key ([`FaultSeen::Any`]): 280 failures caused by one missing
//!   header are one group of 280 cases, not 280 rows. Waived results (WARN) are grouped the
//!   same way, separately ([`warning_groups`]).
//! - The profile x status table and its verdict lines ([`profile_rows`],
//!   [`ProfileRow::verdict`]): `core: 1 assertion failing in 96 cases`,
//!   `transfer: all 66 cases pass`, `eventing: 24 cases skipped (target has
//!   no event_source)`.
//! - The run's verdict line ([`run_verdict`]).
//!
//! Which exchange of a case is "the response it received": the one the
//! result's message points at (`step N (NAME)`: the last exchange of step
//! NAME, else the N-th), else the case's last exchange.

use std::collections::BTreeMap;
use std::fmt;

use quick_xml::events::Event;
use quick_xml::Reader;
use wsman_proto::ns;

use crate::model::{Exchange, RunReport, Severity, Status, Summary};

/// What the response of a failing case carried.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultSeen {
    /// The response was no SOAP fault (or not XML at all, with a 2xx status).
    None,
    /// A SOAP fault: its innermost subcode, else its code, as a QName whose
    /// prefix is the usual one for a known namespace (`wsman:InvalidSelectors`,
    /// `wsa:DestinationUnreachable`, `s:Sender`), else as written.
    Fault(String),
    /// An HTTP error status without a SOAP envelope (`http 401`).
    Http(u16),
    /// No response arrived (transport error, timeout).
    NoResponse,
    /// The case kept no traffic (no case record, or no exchange in it).
    NotRecorded,
    /// Not part of the group's key: the assertion does not judge the answer's
    /// outcome, so the cases' faults (or successes) differ without changing
    /// the cause ([`keys_on_fault`]).
    Any,
}

/// Whether the fault seen is part of the root cause of a failure of
/// `assertion`: for the outcome a case expects and the fault checks.
pub fn keys_on_fault(assertion: &str) -> bool {
    assertion == "expect.outcome" || assertion.starts_with("fault.") || assertion == "transport.response"
}

impl FaultSeen {
    /// `true` for [`FaultSeen::None`].
    pub fn is_none(&self) -> bool {
        *self == FaultSeen::None
    }
}

impl fmt::Display for FaultSeen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultSeen::None => f.write_str("no fault"),
            FaultSeen::Fault(q) => f.write_str(q),
            FaultSeen::Http(s) => write!(f, "http {s}"),
            FaultSeen::NoResponse => f.write_str("no response"),
            FaultSeen::NotRecorded => f.write_str("no traffic recorded"),
            FaultSeen::Any => f.write_str("any answer"),
        }
    }
}

/// Failures (or waived warnings) that share a root cause: an assertion and,
/// where it is part of the cause ([`keys_on_fault`]), the fault seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<'a> {
    /// Assertion id.
    pub assertion: &'a str,
    /// Clause of the assertion (from its first result).
    pub clause: &'a str,
    /// Severity of the assertion (from its first result).
    pub severity: Severity,
    /// [`Status::Fail`], or [`Status::Warn`] for a group of waived results.
    pub status: Status,
    /// What the failing responses carried.
    pub fault: FaultSeen,
    /// The cases it failed in, in report order, without repeats.
    pub cases: Vec<&'a str>,
    /// The first case's message.
    pub message: &'a str,
    /// The waiver's reason of the first case (WARN groups).
    pub waiver: Option<&'a str>,
    /// The first case's request/response pair the fault was read from.
    pub exchange: Option<&'a Exchange>,
}

impl Group<'_> {
    /// Number of cases the assertion failed in with this fault.
    pub fn count(&self) -> usize {
        self.cases.len()
    }
}

/// Root-cause groups of the run's failures (FAIL), largest first (then by
/// assertion id, then fault).
pub fn groups(report: &RunReport) -> Vec<Group<'_>> {
    groups_of(report, Status::Fail)
}

/// Root-cause groups of the waived results (WARN), ordered as [`groups`].
pub fn warning_groups(report: &RunReport) -> Vec<Group<'_>> {
    groups_of(report, Status::Warn)
}

/// Groups of the results with `status`, ordered as [`groups`].
pub fn groups_of(report: &RunReport, status: Status) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index: BTreeMap<(&str, FaultSeen), usize> = BTreeMap::new();
    for r in report.results.iter().filter(|r| r.status == status) {
        let exchange = report.case(&r.case).and_then(|c| exchange_of(&c.exchanges, &r.message));
        let fault = if keys_on_fault(&r.assertion) { exchange.map_or(FaultSeen::NotRecorded, fault_seen) } else { FaultSeen::Any };
        match index.get(&(r.assertion.as_str(), fault.clone())) {
            Some(&i) => {
                if !out[i].cases.contains(&r.case.as_str()) {
                    out[i].cases.push(&r.case);
                }
            }
            None => {
                index.insert((r.assertion.as_str(), fault.clone()), out.len());
                out.push(Group {
                    assertion: &r.assertion,
                    clause: &r.clause,
                    severity: r.severity,
                    status,
                    fault,
                    cases: vec![&r.case],
                    message: &r.message,
                    waiver: r.waiver.as_deref(),
                    exchange,
                });
            }
        }
    }
    out.sort_by(|a, b| b.count().cmp(&a.count()).then_with(|| a.assertion.cmp(b.assertion)).then_with(|| a.fault.cmp(&b.fault)));
    out
}

/// The groups of one assertion taken together: a defect that breaks one
/// assertion everywhere (a missing header) shows as one line here even when
/// the cases saw different faults (each case provokes its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionRollup<'a> {
    /// Assertion id.
    pub assertion: &'a str,
    /// Clause of the assertion.
    pub clause: &'a str,
    /// Severity of the assertion.
    pub severity: Severity,
    /// Distinct cases in its groups.
    pub cases: usize,
    /// Number of its groups (distinct faults seen).
    pub groups: usize,
}

/// One [`AssertionRollup`] per assertion of `groups`, most cases first (then
/// by assertion id).
pub fn by_assertion<'a>(groups: &[Group<'a>]) -> Vec<AssertionRollup<'a>> {
    let mut acc: BTreeMap<&str, (AssertionRollup<'a>, std::collections::BTreeSet<&str>)> = BTreeMap::new();
    for g in groups {
        let e = acc.entry(g.assertion).or_insert_with(|| {
            (AssertionRollup { assertion: g.assertion, clause: g.clause, severity: g.severity, cases: 0, groups: 0 }, std::collections::BTreeSet::new())
        });
        e.0.groups += 1;
        e.1.extend(g.cases.iter().copied());
    }
    let mut out: Vec<AssertionRollup<'a>> = acc
        .into_values()
        .map(|(mut r, cases)| {
            r.cases = cases.len();
            r
        })
        .collect();
    out.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.assertion.cmp(b.assertion)));
    out
}

/// The exchange a result's message points at (`step N (NAME)`), else the last one.
pub fn exchange_of<'a>(exchanges: &'a [Exchange], message: &str) -> Option<&'a Exchange> {
    if let Some((n, name)) = step_reference(message) {
        if let Some(x) = exchanges.iter().rev().find(|x| x.step == name) {
            return Some(x);
        }
        if let Some(x) = n.checked_sub(1).and_then(|i| exchanges.get(i)) {
            return Some(x);
        }
    }
    exchanges.last()
}

/// `step N (NAME)` in a message: the step's number and name.
fn step_reference(message: &str) -> Option<(usize, &str)> {
    let at = message.find("step ")?;
    let rest = &message[at + 5..];
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let n: usize = rest[..digits].parse().ok()?;
    let name = rest[digits..].strip_prefix(" (")?.split(')').next()?;
    Some((n, name))
}

/// What the response of `exchange` carried (see [`FaultSeen`]).
pub fn fault_seen(exchange: &Exchange) -> FaultSeen {
    if exchange.response_status == 0 {
        return FaultSeen::NoResponse;
    }
    match parse_fault(&exchange.response) {
        Parsed::Fault(q) => FaultSeen::Fault(q),
        Parsed::Envelope => FaultSeen::None,
        Parsed::NotSoap if exchange.response_status >= 300 => FaultSeen::Http(exchange.response_status),
        Parsed::NotSoap => FaultSeen::None,
    }
}

/// The usual prefix of a namespace a fault subcode lives in.
fn usual_prefix(namespace: &str) -> Option<&'static str> {
    const PREFIXES: [(&str, &str); 8] = [
        (ns::SOAP, "s"),
        (ns::SOAP11, "s"),
        (ns::WSMAN, "wsman"),
        (ns::WSMV, "wsmv"),
        (ns::WSA, "wsa"),
        (ns::WSEN, "wsen"),
        (ns::WSE, "wse"),
        (ns::WXF, "wxf"),
    ];
    PREFIXES.iter().find(|(n, _)| *n == namespace).map(|(_, p)| *p)
}

enum Parsed {
    /// A SOAP envelope with a fault: the normalized QName.
    Fault(String),
    /// A SOAP envelope without a fault.
    Envelope,
    /// Not XML, or not a SOAP envelope.
    NotSoap,
}

/// Bound on the elements read from one response (every loop is bounded).
const MAX_EVENTS: usize = 100_000;

/// Namespace declarations in scope: (prefix, namespace), later ones win.
type Scope = Vec<(String, String)>;

/// Reads the fault of a response: the text of the innermost
/// `Fault/Code/Subcode*/Value` (SOAP 1.2) or of `Fault/faultcode` (SOAP 1.1),
/// its prefix resolved with the in-scope namespace declarations.
fn parse_fault(text: &str) -> Parsed {
    let mut reader = Reader::from_str(text);
    // Per open element: its local name and the prefixes it declares.
    let mut stack: Vec<(String, Scope)> = Vec::new();
    let mut envelope = false;
    let mut best: Option<(usize, String, Scope)> = None;
    let mut value = String::new();
    let mut in_value = false;
    for _ in 0..MAX_EVENTS {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(_) => break,
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_owned();
                let decls: Scope = e
                    .attributes()
                    .flatten()
                    .filter_map(|a| {
                        let key = a.key.as_ref();
                        let prefix = if key == "xmlns" { Some(String::new()) } else { key.strip_prefix("xmlns:").map(str::to_owned) }?;
                        Some((prefix, a.value.into_owned()))
                    })
                    .collect();
                if stack.is_empty() {
                    if local != "Envelope" {
                        return Parsed::NotSoap;
                    }
                    envelope = true;
                }
                stack.push((local, decls));
                in_value = is_fault_value(&stack);
                value.clear();
            }
            Event::Empty(e) => {
                if stack.is_empty() {
                    return Parsed::NotSoap;
                }
                drop(e);
            }
            Event::Text(t) if in_value => value.push_str(&t.xml10_content()),
            Event::End(_) => {
                if in_value {
                    let depth = stack.len();
                    if best.as_ref().is_none_or(|(d, _, _)| depth > *d) {
                        let scope: Scope = stack.iter().flat_map(|(_, d)| d.iter().cloned()).collect();
                        best = Some((depth, value.trim().to_owned(), scope));
                    }
                    in_value = false;
                }
                stack.pop();
                if stack.is_empty() {
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match best {
        Some((_, qname, scope)) if !qname.is_empty() => Parsed::Fault(normalize(&qname, &scope)),
        _ if envelope => Parsed::Envelope,
        _ => Parsed::NotSoap,
    }
}

/// Whether the innermost open element is a fault code's value.
fn is_fault_value(stack: &[(String, Scope)]) -> bool {
    let names: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).collect();
    let Some(fault) = names.iter().position(|n| *n == "Fault") else { return false };
    match &names[fault + 1..] {
        ["faultcode"] => true,
        ["Code", rest @ .., "Value"] => rest.iter().all(|n| *n == "Subcode"),
        _ => false,
    }
}

/// `p:Local` with `p` resolved in `scope` (later declarations win) and
/// replaced by the usual prefix of its namespace when known.
fn normalize(qname: &str, scope: &[(String, String)]) -> String {
    let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
    let ns = scope.iter().rev().find(|(p, _)| p == prefix).map(|(_, ns)| ns.as_str());
    match ns.and_then(usual_prefix) {
        Some(p) => format!("{p}:{local}"),
        None => qname.to_owned(),
    }
}

/// One row of the profile x status table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    /// Profile name.
    pub profile: String,
    /// Cases of the profile by their worst status ([`Status::rank`]).
    pub cases: Summary,
    /// Results of the profile by status.
    pub results: Summary,
    /// Distinct assertion ids failing in the profile.
    pub failing_assertions: usize,
    /// Distinct assertion ids waived (WARN) in the profile.
    pub waived_assertions: usize,
    /// The most frequent message of the profile's SKIP results.
    pub skip_reason: Option<String>,
    /// The most frequent message of the profile's UNIMPLEMENTED results.
    pub unimplemented_reason: Option<String>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl ProfileRow {
    /// Number of cases of the profile.
    pub fn total_cases(&self) -> usize {
        self.cases.total()
    }

    /// The one-line verdict: `core: 1 assertion failing in 96 cases`,
    /// `transfer: all 66 cases pass`, `eventing: 24 cases skipped (REASON)`.
    pub fn verdict(&self) -> String {
        let c = &self.cases;
        let total = c.total();
        let mut parts: Vec<String> = Vec::new();
        if c.failed > 0 {
            parts.push(format!("{} failing in {}", plural(self.failing_assertions, "assertion", "assertions"), plural(c.failed, "case", "cases")));
        } else if c.passed == total && total == 1 {
            return format!("{}: its 1 case passes", self.profile);
        } else if c.passed == total {
            return format!("{}: all {total} cases pass", self.profile);
        }
        if c.warned > 0 {
            parts.push(format!("{} waived in {}", plural(self.waived_assertions, "assertion", "assertions"), plural(c.warned, "case", "cases")));
        }
        let mut reason = |n: usize, what: &str, why: &Option<String>| {
            if n > 0 {
                let noun = if parts.is_empty() { plural(n, "case", "cases") } else { n.to_string() };
                let why = why.as_deref().filter(|w| !w.is_empty()).map(|w| format!(" ({})", crate::diff::one_line(w))).unwrap_or_default();
                parts.push(format!("{noun} {what}{why}"));
            }
        };
        reason(c.skipped, "skipped", &self.skip_reason);
        reason(c.unimplemented, "unimplemented", &self.unimplemented_reason);
        if c.passed > 0 {
            parts.push(format!("{} pass", c.passed));
        }
        format!("{}: {}", self.profile, parts.join(", "))
    }
}

/// The profile of case `id`: its record's, else the id's first path segment.
pub fn profile_of<'a>(report: &'a RunReport, id: &'a str) -> &'a str {
    report.profile_of(id).unwrap_or_else(|| id.split('/').next().unwrap_or(id))
}

/// The profile x status table, one row per profile in name order.
pub fn profile_rows(report: &RunReport) -> Vec<ProfileRow> {
    #[derive(Default)]
    struct Acc<'a> {
        cases: Summary,
        results: Summary,
        failing: Vec<&'a str>,
        waived: Vec<&'a str>,
        skips: BTreeMap<&'a str, usize>,
        unimpl: BTreeMap<&'a str, usize>,
    }
    let mut acc: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for (id, status) in report.case_statuses() {
        acc.entry(profile_of(report, id)).or_default().cases.add(status);
    }
    for r in &report.results {
        let a = acc.entry(profile_of(report, &r.case)).or_default();
        a.results.add(r.status);
        match r.status {
            Status::Fail if !a.failing.contains(&r.assertion.as_str()) => a.failing.push(&r.assertion),
            Status::Warn if !a.waived.contains(&r.assertion.as_str()) => a.waived.push(&r.assertion),
            Status::Skip => *a.skips.entry(&r.message).or_default() += 1,
            Status::Unimplemented => *a.unimpl.entry(&r.message).or_default() += 1,
            _ => {}
        }
    }
    // Most frequent, the first in message order on a tie.
    let top = |m: &BTreeMap<&str, usize>| m.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(k, _)| (*k).to_owned());
    acc.into_iter()
        .map(|(p, a)| ProfileRow {
            profile: p.to_owned(),
            cases: a.cases,
            results: a.results,
            failing_assertions: a.failing.len(),
            waived_assertions: a.waived.len(),
            skip_reason: top(&a.skips),
            unimplemented_reason: top(&a.unimpl),
        })
        .collect()
}

/// The run's verdict line: `PASSED: 310 cases, 1204 results` or
/// `FAILED: 2 assertions failing in 96 of 310 cases; 3 root-cause groups`.
pub fn run_verdict(report: &RunReport) -> String {
    let cases = report.case_statuses();
    let total = cases.len();
    let failing = cases.values().filter(|s| s.is_fail()).count();
    let results = report.summary().total();
    if report.passed() {
        return format!("PASSED: {}, {}", plural(total, "case", "cases"), plural(results, "result", "results"));
    }
    let groups = groups(report);
    if groups.is_empty() {
        // Failed on its skips alone (embedded server).
        let blocking = report.blocking_skips().count();
        return format!("FAILED: {} not run against the reference server, of {}", plural(blocking, "result", "results"), plural(total, "case", "cases"));
    }
    let assertions = by_assertion(&groups).len();
    format!(
        "FAILED: {} failing in {} of {}; {}",
        plural(assertions, "assertion", "assertions"),
        failing,
        plural(total, "case", "cases"),
        plural(groups.len(), "root-cause group", "root-cause groups")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AssertionResult, CaseRecord, RunKind};

    fn x(status: u16, response: &str) -> Exchange {
        Exchange { step: "get".into(), request: "<r/>".into(), response_status: status, response: response.into() }
    }

    fn selectors_fault() -> String {
        format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="{}" xmlns:w="{}"><s:Header/><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">bad</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"#,
            ns::SOAP,
            ns::WSMAN
        )
    }

    fn no_fault() -> String {
        format!(r#"<s:Envelope xmlns:s="{}"><s:Body><x/></s:Body></s:Envelope>"#, ns::SOAP)
    }

    #[test]
    fn the_innermost_subcode_is_the_fault_with_its_usual_prefix() {
        assert_eq!(fault_seen(&x(500, &selectors_fault())), FaultSeen::Fault("wsman:InvalidSelectors".into()));
        // Another prefix for the same namespace gives the same fault.
        let other = selectors_fault().replace("xmlns:w=", "xmlns:p=").replace("w:InvalidSelectors", "p:InvalidSelectors");
        assert_eq!(fault_seen(&x(500, &other)), FaultSeen::Fault("wsman:InvalidSelectors".into()));
        // A code without a subcode.
        let code_only =
            format!(r#"<e:Envelope xmlns:e="{}"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code></e:Fault></e:Body></e:Envelope>"#, ns::SOAP);
        assert_eq!(fault_seen(&x(500, &code_only)), FaultSeen::Fault("s:Receiver".into()));
        // A prefix of an unknown namespace stays as written.
        let unknown = selectors_fault().replace(ns::WSMAN, "urn:vendor");
        assert_eq!(fault_seen(&x(500, &unknown)), FaultSeen::Fault("w:InvalidSelectors".into()));
        assert_eq!(fault_seen(&x(200, &no_fault())), FaultSeen::None);
        assert_eq!(fault_seen(&x(401, "")), FaultSeen::Http(401));
        assert_eq!(fault_seen(&x(404, "<html>not found</html>")), FaultSeen::Http(404));
        assert_eq!(fault_seen(&x(0, "")), FaultSeen::NoResponse);
        assert_eq!(fault_seen(&x(200, "garbage <<")), FaultSeen::None);
    }

    #[test]
    fn the_exchange_named_by_the_message_is_read() {
        let mut a = x(200, "a");
        a.step = "enumerate".into();
        let mut b = x(500, "b");
        b.step = "pull".into();
        let c = x(200, "c");
        let xs = vec![a, b, c];
        assert_eq!(exchange_of(&xs, "step 2 (pull): wrong subcode").map(|x| x.response.as_str()), Some("b"));
        assert_eq!(exchange_of(&xs, "step 1 (other)").map(|x| x.response.as_str()), Some("a"));
        assert_eq!(exchange_of(&xs, "no step named").map(|x| x.response.as_str()), Some("c"));
        assert_eq!(exchange_of(&[], "step 1 (get)"), None);
    }

    fn report() -> RunReport {
        let mut r = RunReport::new(RunKind::Check, "t", "http://127.0.0.1:1/wsman");
        let (ok, fault) = (no_fault(), selectors_fault());
        for (id, profile, response) in [("core/a", "core", &ok), ("core/b", "core", &ok), ("transfer/c", "transfer", &fault), ("transfer/d", "transfer", &ok)] {
            r.cases.push(CaseRecord {
                id: id.into(),
                title: id.into(),
                profile: profile.into(),
                clause: String::new(),
                duration_ms: 1,
                exchanges: vec![x(if *response == fault { 500 } else { 200 }, response)],
            });
        }
        let res = |case: &str, assertion: &str, status: Status, message: &str| AssertionResult {
            case: case.into(),
            assertion: assertion.into(),
            clause: "DSP0226 §5.4.4".into(),
            severity: Severity::Must,
            status,
            message: message.into(),
            waiver: None,
        };
        r.results = vec![
            res("core/a", "addressing.relates-to", Status::Fail, "RelatesTo missing"),
            res("core/a", "http.status", Status::Pass, ""),
            res("core/b", "addressing.relates-to", Status::Fail, "RelatesTo missing (b)"),
            res("transfer/c", "addressing.relates-to", Status::Fail, "RelatesTo missing"),
            res("transfer/c", "http.status", Status::Pass, ""),
            res("transfer/d", "http.status", Status::Pass, ""),
        ];
        r
    }

    #[test]
    fn three_failures_two_of_one_root_cause_make_two_groups() {
        // Three relates-to failures, one of them on a case answered with a
        // fault: a missing header is one cause whatever the answer was.
        let r = report();
        let g = groups(&r);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!((g[0].assertion, &g[0].fault, g[0].count()), ("addressing.relates-to", &FaultSeen::Any, 3));
        assert_eq!(g[0].cases, ["core/a", "core/b", "transfer/c"]);
        assert_eq!(g[0].message, "RelatesTo missing", "the first case's message");
        assert_eq!(g[0].exchange.map(|x| x.response_status), Some(200));
        // The outcome a case expects is judged on the answer: the fault seen is
        // part of its cause, so two outcome failures with different answers
        // and one like the first make two groups.
        let mut r = report();
        for (case, message) in [("transfer/c", "unexpected fault"), ("transfer/d", "expected a fault, got a success response"), ("core/a", "expected a fault")]
        {
            r.results.push(AssertionResult { assertion: "expect.outcome".into(), case: case.into(), message: message.into(), ..r.results[0].clone() });
        }
        let g = groups(&r);
        let keys: Vec<(&str, String, usize)> = g.iter().map(|g| (g.assertion, g.fault.to_string(), g.count())).collect();
        assert_eq!(
            keys,
            [
                ("addressing.relates-to", "any answer".to_owned(), 3),
                ("expect.outcome", "no fault".to_owned(), 2),
                ("expect.outcome", "wsman:InvalidSelectors".to_owned(), 1)
            ]
        );
        assert!(warning_groups(&r).is_empty());
        let rollup = by_assertion(&g);
        assert_eq!(rollup.len(), 2);
        assert_eq!((rollup[1].assertion, rollup[1].cases, rollup[1].groups), ("expect.outcome", 3, 2));
        assert!(keys_on_fault("fault.subcode") && keys_on_fault("expect.outcome") && !keys_on_fault("schema.valid"));
    }

    #[test]
    fn a_case_failing_an_assertion_twice_counts_once() {
        let mut r = report();
        let again = r.results[0].clone();
        r.results.push(again);
        assert_eq!(groups(&r)[0].count(), 3);
    }

    #[test]
    fn groups_are_ordered_by_count_then_assertion() {
        let mut r = report();
        for (i, case) in ["core/a", "core/b", "transfer/c"].into_iter().enumerate() {
            let mut extra = r.results[0].clone();
            extra.case = case.into();
            extra.assertion = if i == 2 { "a.first".into() } else { "z.last".into() };
            r.results.push(extra);
        }
        let g = groups(&r);
        let order: Vec<(&str, usize)> = g.iter().map(|g| (g.assertion, g.count())).collect();
        assert_eq!(order, [("addressing.relates-to", 3), ("z.last", 2), ("a.first", 1)]);
    }

    #[test]
    fn verdict_lines_per_profile() {
        let mut r = report();
        let rows = profile_rows(&r);
        let lines: Vec<String> = rows.iter().map(ProfileRow::verdict).collect();
        assert_eq!(lines, ["core: 1 assertion failing in 2 cases", "transfer: 1 assertion failing in 1 case, 1 pass"]);
        assert_eq!((rows[1].cases.failed, rows[1].cases.passed, rows[1].results.passed), (1, 1, 2));
        for res in &mut r.results {
            if res.case.starts_with("transfer/") {
                res.status = Status::Pass;
            } else {
                res.status = Status::Skip;
                res.message = if res.assertion == "http.status" { "rare".into() } else { "target has no event_source".into() };
            }
        }
        let lines: Vec<String> = profile_rows(&r).iter().map(ProfileRow::verdict).collect();
        assert_eq!(lines, ["core: 2 cases skipped (target has no event_source)", "transfer: all 2 cases pass"]);
    }

    #[test]
    fn run_verdict_names_root_causes() {
        let r = report();
        assert_eq!(run_verdict(&r), "FAILED: 1 assertion failing in 3 of 4 cases; 1 root-cause group");
        let mut ok = report();
        ok.results.iter_mut().for_each(|x| x.status = Status::Pass);
        assert_eq!(run_verdict(&ok), "PASSED: 4 cases, 6 results");
    }
}
