//! Judging one exchange: the generic checks of the catalogue plus the step's
//! expectations, all evaluated with libxml2 (schema-check), independently of
//! the server's codec.

use std::collections::BTreeMap;

use report::Status;
use schema_check::{ExpandedName, PrefixMap, XmlDocument};
use wsman_proto::{ns, Action};

use super::catalogue::{self as cat, Check};
use crate::corpus::{Expect, XPathAssertion};
use crate::liveness::ExchangeError;
use wsman_client::RawResponse;

/// One check's outcome on one exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The catalogue entry.
    pub check: &'static Check,
    /// PASS or FAIL (SKIP when the check could not run).
    pub status: Status,
    /// What was seen (empty for a plain pass).
    pub message: String,
}

/// Everything the judge needs besides the response; values already expanded.
#[derive(Debug, Clone, Default)]
pub struct StepSpec {
    /// The request body as sent (UTF-8, before any re-encoding).
    pub request: String,
    /// Expected outcome.
    pub expect: Expect,
    /// XPath assertions.
    pub asserts: Vec<XPathAssertion>,
    /// name -> XPath of values to capture.
    pub capture: BTreeMap<String, String>,
    /// XPath boolean ending a repeated step.
    pub until: Option<String>,
    /// Faults meaning "feature not implemented" (profile's `unimplemented_when`).
    pub unimplemented_when: Vec<String>,
    /// Prefixes for XPath (protocol prefixes plus the profile's).
    pub prefixes: PrefixMap,
}

/// The judge's verdict on one exchange.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// Findings in catalogue order of evaluation.
    pub findings: Vec<Finding>,
    /// Captured values.
    pub captured: BTreeMap<String, String>,
    /// Whether the repeat condition holds (`true` when there is none).
    pub done: bool,
    /// The endpoint answered with a fault meaning "not implemented".
    pub unimplemented: Option<String>,
    /// The response could not be used further (the scenario stops).
    pub fatal: bool,
}

impl Verdict {
    fn add(&mut self, check: &'static Check, ok: bool, message: impl Into<String>) {
        let status = if ok { Status::Pass } else { Status::Fail };
        self.findings.push(Finding { check, status, message: if ok { String::new() } else { message.into() } });
    }

    fn skip(&mut self, check: &'static Check, message: impl Into<String>) {
        self.findings.push(Finding { check, status: Status::Skip, message: message.into() });
    }

    /// True when no finding failed.
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.status != Status::Fail)
    }
}

const DEFAULT_FAULT_STATUSES: [u16; 2] = [500, 400];

/// Request facts read back from what was sent.
#[derive(Debug, Default)]
struct RequestFacts {
    message_id: Option<String>,
    action: Option<String>,
    max_envelope: Option<u64>,
    operation_timeout: Option<std::time::Duration>,
}

/// The grace past a request's OperationTimeout within which a success
/// answer is still on time (scheduling, a loaded test machine).
fn operation_timeout_grace(timeout: std::time::Duration) -> std::time::Duration {
    (timeout / 2).max(std::time::Duration::from_millis(250))
}

fn request_facts(request: &str, prefixes: &PrefixMap) -> RequestFacts {
    let Ok(doc) = XmlDocument::parse(request.as_bytes()) else { return RequestFacts::default() };
    let Ok(x) = doc.xpath(prefixes) else { return RequestFacts::default() };
    let get = |e: &str| x.strings(e).ok().and_then(|v| v.into_iter().next()).map(|s| s.trim().to_owned());
    RequestFacts {
        message_id: get("/s:Envelope/s:Header/wsa:MessageID"),
        action: get("/s:Envelope/s:Header/wsa:Action"),
        max_envelope: get("/s:Envelope/s:Header/wsman:MaxEnvelopeSize").and_then(|v| v.parse().ok()),
        operation_timeout: get("/s:Envelope/s:Header/wsman:OperationTimeout").and_then(|v| wsman_proto::XsDuration::parse(&v)).map(|d| d.to_std()),
    }
}

/// Resolves `prefix:local` with the protocol prefixes.
fn expand_qname(q: &str, prefixes: &PrefixMap) -> Option<ExpandedName> {
    let (p, l) = q.split_once(':')?;
    prefixes.get(p).map(|ns| ExpandedName::new(ns, l))
}

fn qname_label(n: &ExpandedName, prefixes: &PrefixMap) -> String {
    let p = prefixes.iter().find(|(_, u)| Some(*u) == n.namespace.as_deref()).map(|(p, _)| p);
    match p {
        Some(p) => format!("{p}:{}", n.local),
        None => n.to_string(),
    }
}

fn is_soap_content_type(ct: Option<&str>) -> bool {
    ct.map(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/soap+xml")).unwrap_or(false)
}

/// Judges one exchange.
pub fn judge(spec: &StepSpec, response: Result<&RawResponse, &ExchangeError>) -> Verdict {
    let mut v = Verdict { done: true, ..Verdict::default() };
    let resp = match response {
        Ok(r) => r,
        Err(e) => {
            v.add(&cat::TRANSPORT_RESPONSE, false, e.to_string());
            v.fatal = true;
            return v;
        }
    };
    v.add(&cat::TRANSPORT_RESPONSE, true, "");
    let expect = &spec.expect;
    let soap_ct = is_soap_content_type(resp.content_type());

    // A transport refusal the case allows: nothing else to check.
    if expect.transport.contains(&resp.status) && !(soap_ct && expect.fault.is_some()) {
        v.add(&cat::EXPECT_OUTCOME, true, "");
        v.add(&cat::HTTP_STATUS, true, "");
        return v;
    }
    if !expect.transport.is_empty() && expect.fault.is_none() {
        v.add(&cat::EXPECT_OUTCOME, false, format!("expected HTTP {:?}, got {}", expect.transport, resp.status));
        v.add(&cat::HTTP_STATUS, false, format!("expected one of {:?}, got {}", expect.transport, resp.status));
        v.fatal = true;
        return v;
    }

    let doc = match XmlDocument::parse(&resp.body) {
        Ok(d) => d,
        Err(e) => {
            let what = if resp.body.is_empty() { "empty body".to_owned() } else { e.to_string() };
            v.add(&cat::XML_WELL_FORMED, false, format!("HTTP {}: {what}", resp.status));
            v.add(&cat::EXPECT_OUTCOME, false, format!("no SOAP envelope (HTTP {})", resp.status));
            v.fatal = true;
            return v;
        }
    };
    let x = match doc.xpath(&spec.prefixes) {
        Ok(x) => x,
        Err(e) => {
            v.skip(&cat::EXPECT_XPATH, e.to_string());
            v.fatal = true;
            return v;
        }
    };
    let count = |e: &str| x.count(e).unwrap_or(0);
    let is_envelope = count("/s:Envelope") == 1 && count("/s:Envelope/s:Body") == 1;
    v.add(&cat::XML_WELL_FORMED, is_envelope, "the document is not a SOAP 1.2 Envelope with a Body");
    if !is_envelope {
        v.add(&cat::EXPECT_OUTCOME, false, "no SOAP 1.2 envelope");
        v.fatal = true;
        return v;
    }
    v.add(&cat::HTTP_CONTENT_TYPE, soap_ct, format!("Content-Type {:?}", resp.content_type()));
    match schema_check::with_thread_validator(|val| val.validate(&resp.body)) {
        Ok(violations) => {
            let text: Vec<String> = violations.iter().take(3).map(ToString::to_string).collect();
            v.add(&cat::SCHEMA_VALID, violations.is_empty(), text.join("; "));
        }
        Err(e) => v.skip(&cat::SCHEMA_VALID, format!("schemas unavailable: {e}")),
    }

    let is_fault = count("/s:Envelope/s:Body/s:Fault") > 0;
    let fault_code = if is_fault { doc.fault_code().ok() } else { None };
    let primary = fault_code.as_ref().map(|fc| fc.subcodes.first().unwrap_or(&fc.code).clone());
    let expected_alternatives: Vec<&str> = expect.fault.iter().flat_map(|f| f.subcode.iter().chain(f.code.iter())).map(String::as_str).collect();

    // "Not implemented" answers turn the case UNIMPLEMENTED.
    if let Some(p) = &primary {
        let label = qname_label(p, &spec.prefixes);
        let listed = spec.unimplemented_when.iter().any(|u| expand_qname(u, &spec.prefixes).as_ref() == Some(p));
        let expected = expected_alternatives.iter().any(|a| expand_qname(a, &spec.prefixes).as_ref() == Some(p));
        if listed && !expected {
            v.unimplemented = Some(format!("the endpoint answered {label}"));
            v.fatal = true;
            return v;
        }
    }

    let mut facts = request_facts(&spec.request, &spec.prefixes);
    if count("/s:Envelope/s:Body/wsmid:IdentifyResponse") > 0 {
        facts = RequestFacts { max_envelope: facts.max_envelope, operation_timeout: facts.operation_timeout, ..RequestFacts::default() };
    }
    let header = |name: &str| x.strings(&format!("/s:Envelope/s:Header/{name}")).ok().and_then(|s| s.into_iter().next());
    if let Some(mid) = &facts.message_id {
        let rel = header("wsa:RelatesTo");
        v.add(&cat::ADDRESSING_RELATES_TO, rel.as_deref().map(str::trim) == Some(mid.as_str()), format!("RelatesTo {rel:?}, request MessageID {mid:?}"));
        let own = header("wsa:MessageID");
        v.add(&cat::ADDRESSING_MESSAGE_ID, own.as_deref().is_some_and(|m| !m.trim().is_empty() && m.trim() != mid), format!("response MessageID {own:?}"));
        let to = header("wsa:To");
        v.add(&cat::ADDRESSING_TO, to.as_deref().map(str::trim) == Some(ns::WSA_ANONYMOUS), format!("To {to:?}"));
    }
    if let Some(req_action) = &facts.action {
        let got = header("wsa:Action").map(|s| s.trim().to_owned());
        if is_fault {
            let fault_actions =
                [ns::WSA_FAULT_ACTION, ns::WSMAN_FAULT_ACTION, ns::WXF_FAULT_ACTION, ns::WSEN_FAULT_ACTION, ns::WSE_FAULT_ACTION, ns::WSMB_FAULT_ACTION];
            v.add(&cat::ADDRESSING_ACTION, got.as_deref().is_some_and(|g| fault_actions.contains(&g)), format!("fault Action {got:?} is not a fault action"));
        } else {
            let want = expect.action.clone().unwrap_or_else(|| format!("{req_action}Response"));
            // DSP0226 §10.2.5: the Pull of a subscription with Heartbeats may
            // be answered by a heartbeat, a PullResponse whose Action is Heartbeat.
            let heartbeat = Action::Pull.uri() == *req_action && got.as_deref() == Some(Action::Heartbeat.uri().as_str());
            v.add(&cat::ADDRESSING_ACTION, got.as_deref() == Some(want.as_str()) || heartbeat, format!("Action {got:?}, expected {want:?}"));
        }
    }
    if let Some(max) = facts.max_envelope {
        if max >= 8192 {
            let n = resp.body.len() as u64;
            v.add(&cat::SIZE_MAX_ENVELOPE, n <= max, format!("response of {n} octets exceeds MaxEnvelopeSize {max}"));
        }
    }

    // DSP0226 §6.1: the service answers within the OperationTimeout, or faults w:TimedOut.
    if let (Some(t), false) = (facts.operation_timeout, is_fault) {
        let late = resp.elapsed > t + operation_timeout_grace(t);
        v.add(
            &cat::TIMING_OPERATION_TIMEOUT,
            !late,
            format!("a success answer after {} ms, past the OperationTimeout of {} ms", resp.elapsed.as_millis(), t.as_millis()),
        );
    }

    if is_fault {
        let langs = count("/s:Envelope/s:Body/s:Fault/s:Reason/s:Text[@xml:lang]");
        let texts = count("/s:Envelope/s:Body/s:Fault/s:Reason/s:Text");
        v.add(&cat::FAULT_REASON_LANG, texts > 0 && langs == texts, format!("{langs} of {texts} Reason/Text carry xml:lang"));
        if resp.status == 200 {
            v.add(&cat::HTTP_STATUS, false, "a fault sent with HTTP 200");
        }
    }

    let describe_fault = || match (&primary, x.string("/s:Envelope/s:Body/s:Fault/s:Reason/s:Text[1]")) {
        (Some(p), Ok(r)) => format!("{} ({})", qname_label(p, &spec.prefixes), r.trim()),
        (Some(p), Err(_)) => qname_label(p, &spec.prefixes),
        (None, _) => "a fault whose code does not resolve".to_owned(),
    };

    if expect.either {
        v.add(&cat::EXPECT_OUTCOME, true, "");
        if !is_fault {
            v.add(&cat::HTTP_STATUS, resp.status == 200, format!("success with HTTP {}", resp.status));
        }
    } else if let Some(ef) = &expect.fault {
        if !is_fault {
            v.add(&cat::EXPECT_OUTCOME, false, format!("expected fault {:?}, got a success response", expected_alternatives));
            v.fatal = true;
        } else {
            v.add(&cat::EXPECT_OUTCOME, true, "");
            let statuses: &[u16] = if ef.http_status.is_empty() { &DEFAULT_FAULT_STATUSES } else { &ef.http_status };
            v.add(&cat::FAULT_HTTP_STATUS, statuses.contains(&resp.status), format!("fault with HTTP {}, expected {statuses:?}", resp.status));
            match &fault_code {
                None => v.add(&cat::FAULT_CODE, false, "s:Code/s:Value does not resolve to a QName"),
                Some(fc) => {
                    let soap_codes = ["Sender", "Receiver", "MustUnderstand", "VersionMismatch", "DataEncodingUnknown"];
                    let mut ok = fc.code.namespace.as_deref() == Some(ns::SOAP) && soap_codes.contains(&fc.code.local.as_str());
                    if ok && !ef.code.is_empty() {
                        ok = ef.code.iter().any(|c| expand_qname(c, &spec.prefixes).as_ref() == Some(&fc.code));
                    }
                    v.add(&cat::FAULT_CODE, ok, format!("code {}, expected {:?}", qname_label(&fc.code, &spec.prefixes), ef.code));
                    if !ef.subcode.is_empty() {
                        // A SOAP-namespace alternative (s:MustUnderstand) matches the Code of a fault without Subcode.
                        let hit = ef.subcode.iter().any(|alt| {
                            let e = expand_qname(alt, &spec.prefixes);
                            match fc.subcodes.first() {
                                Some(s) => e.as_ref() == Some(s),
                                None => e.as_ref() == Some(&fc.code),
                            }
                        });
                        v.add(&cat::FAULT_SUBCODE, hit, format!("got {}, expected one of {:?}", describe_fault(), ef.subcode));
                    }
                }
            }
            if !ef.detail.is_empty() {
                let got = x.string("/s:Envelope/s:Body/s:Fault/s:Detail/wsman:FaultDetail").unwrap_or_default();
                let got = got.trim();
                let hit = ef.detail.iter().any(|d| got == d || got.strip_prefix(ns::WSMAN_FAULT_DETAIL) == Some(d.as_str()));
                v.add(&cat::FAULT_DETAIL, hit, format!("FaultDetail {got:?}, expected one of {:?}", ef.detail));
            }
        }
    } else if is_fault {
        v.add(&cat::EXPECT_OUTCOME, false, format!("unexpected fault {}", describe_fault()));
        v.fatal = true;
    } else {
        v.add(&cat::EXPECT_OUTCOME, true, "");
        v.add(&cat::HTTP_STATUS, resp.status == 200, format!("success with HTTP {}", resp.status));
    }

    for a in &spec.asserts {
        let (ok, msg) = eval_assertion(&x, a);
        v.add(&cat::EXPECT_XPATH, ok, msg);
    }
    if let Some(until) = &spec.until {
        v.done = x.boolean(until).unwrap_or(true);
    }
    for (name, expr) in &spec.capture {
        match x.string(expr) {
            Ok(s) if !s.trim().is_empty() => {
                v.captured.insert(name.clone(), s.trim().to_owned());
            }
            // The last batch of a repeated step may lack the value (no context after EndOfSequence).
            Ok(_) if spec.until.is_some() && v.done => {}
            Ok(_) => {
                v.add(&cat::EXPECT_CAPTURE, false, format!("{name}: `{expr}` selects nothing"));
                v.fatal = true;
            }
            Err(e) => {
                v.add(&cat::EXPECT_CAPTURE, false, format!("{name}: {e}"));
                v.fatal = true;
            }
        }
    }
    if !spec.capture.is_empty() && !v.fatal {
        v.add(&cat::EXPECT_CAPTURE, true, "");
    }
    v
}

/// `matches` patterns: `.` = non-empty; otherwise literal text with an
/// optional `^` (prefix) and `$` (suffix) anchor.
pub fn pattern_matches(pattern: &str, value: &str) -> bool {
    if pattern == "." {
        return !value.is_empty();
    }
    let (start, p) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let (end, p) = match p.strip_suffix('$') {
        Some(p) => (true, p),
        None => (false, p),
    };
    match (start, end) {
        (true, true) => value == p,
        (true, false) => value.starts_with(p),
        (false, true) => value.ends_with(p),
        (false, false) => value.contains(p),
    }
}

fn eval_assertion(x: &schema_check::XPathEvaluator<'_>, a: &XPathAssertion) -> (bool, String) {
    let e = &a.xpath;
    if let Some(want) = &a.equals {
        return match x.string(e) {
            Ok(got) => (got.trim() == want.trim(), format!("`{e}` is {got:?}, expected {want:?}")),
            Err(err) => (false, err.to_string()),
        };
    }
    if let Some(pat) = &a.matches {
        return match x.string(e) {
            Ok(got) => (pattern_matches(pat, got.trim()), format!("`{e}` is {got:?}, expected to match {pat:?}")),
            Err(err) => (false, err.to_string()),
        };
    }
    // Node-sets are counted; other expressions are compared as numbers.
    let n = match x.count(e) {
        Ok(c) => c as f64,
        Err(_) => match x.number(e) {
            Ok(n) => n,
            Err(err) => return (false, err.to_string()),
        },
    };
    let ok = a.count.is_none_or(|c| n == c as f64) && a.min.is_none_or(|m| n >= m as f64) && a.max.is_none_or(|m| n <= m as f64);
    let bounds = match (a.count, a.min, a.max) {
        (Some(c), _, _) => format!("exactly {c}"),
        (None, Some(lo), Some(hi)) => format!("{lo}..={hi}"),
        (None, Some(lo), None) => format!("at least {lo}"),
        (None, None, Some(hi)) => format!("at most {hi}"),
        (None, None, None) => "a value".to_owned(),
    };
    (ok, format!("`{e}` gives {n}, expected {bounds}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::ExpectFault;

    /// Fills the namespace placeholders of a canned document from `wsman_proto::ns`
    /// (the documents use their own prefixes on purpose).
    fn doc(t: &str) -> String {
        use wsman_proto::ns;
        t.replace("{S}", ns::SOAP)
            .replace("{A}", ns::WSA)
            .replace("{W}", ns::WSMAN)
            .replace("{X}", ns::WXF)
            .replace("{ANON}", ns::WSA_ANONYMOUS)
            .replace("{WF}", ns::WSMAN_FAULT_ACTION)
            .replace("{FD}", ns::WSMAN_FAULT_DETAIL)
    }

    const REQ: &str = r#"<s:Envelope xmlns:s="{S}" xmlns:a="{A}" xmlns:w="{W}"><s:Header><a:Action>{X}/Get</a:Action><a:MessageID>uuid:REQ-1</a:MessageID><w:MaxEnvelopeSize>8192</w:MaxEnvelopeSize></s:Header><s:Body/></s:Envelope>"#;

    fn fault_resp(relates: &str, sub: &str) -> RawResponse {
        let body = doc(r#"<env:Envelope xmlns:env="{S}" xmlns:wsa="{A}" xmlns:m="{W}"><env:Header><wsa:To>{ANON}</wsa:To><wsa:Action>{WF}</wsa:Action><wsa:MessageID>uuid:RESP-1</wsa:MessageID><wsa:RelatesTo>{relates}</wsa:RelatesTo></env:Header><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>{sub}</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en-US">no</env:Text></env:Reason><env:Detail><m:FaultDetail>{FD}InsufficientSelectors</m:FaultDetail></env:Detail></env:Fault></env:Body></env:Envelope>"#)
        .replace("{relates}", relates)
        .replace("{sub}", sub);
        let mut headers = wsman_client::hyper::HeaderMap::new();
        headers.insert("content-type", wsman_client::hyper::header::HeaderValue::from_static("application/soap+xml;charset=UTF-8"));
        RawResponse { status: 500, headers, body: body.into_bytes().into(), elapsed: Default::default() }
    }

    fn spec() -> StepSpec {
        StepSpec {
            request: doc(REQ),
            expect: Expect {
                fault: Some(ExpectFault { subcode: vec!["wsman:InvalidSelectors".into()], detail: vec!["InsufficientSelectors".into()], ..Default::default() }),
                ..Default::default()
            },
            prefixes: PrefixMap::protocol(),
            ..Default::default()
        }
    }

    fn status(v: &Verdict, id: &str) -> Option<Status> {
        v.findings.iter().filter(|f| f.check.id == id).map(|f| f.status).max_by_key(|s| *s == Status::Fail)
    }

    #[test]
    fn expected_fault_with_other_prefixes_passes() {
        let v = judge(&spec(), Ok(&fault_resp("uuid:REQ-1", "m:InvalidSelectors")));
        for id in [
            "addressing.relates-to",
            "addressing.action",
            "addressing.to",
            "fault.subcode",
            "fault.detail",
            "fault.reason-lang",
            "fault.http-status",
            "expect.outcome",
            "size.max-envelope",
        ] {
            assert_eq!(status(&v, id), Some(Status::Pass), "{id}: {:?}", v.findings);
        }
    }

    #[test]
    fn wrong_relates_to_and_subcode_fail() {
        let v = judge(&spec(), Ok(&fault_resp("uuid:OTHER", "m:InvalidOptions")));
        assert_eq!(status(&v, "addressing.relates-to"), Some(Status::Fail));
        assert_eq!(status(&v, "fault.subcode"), Some(Status::Fail));
    }

    #[test]
    fn unexpected_success_and_transport_errors_fail() {
        let mut ok = fault_resp("uuid:REQ-1", "m:InvalidSelectors");
        ok.body = doc(r#"<s:Envelope xmlns:s="{S}"><s:Header/><s:Body/></s:Envelope>"#).into_bytes().into();
        ok.status = 200;
        let v = judge(&spec(), Ok(&ok));
        assert_eq!(status(&v, "expect.outcome"), Some(Status::Fail));
        assert_eq!(status(&v, "addressing.relates-to"), Some(Status::Fail));
        let v = judge(&spec(), Err(&ExchangeError::Stalled("x".into())));
        assert_eq!(status(&v, "transport.response"), Some(Status::Fail));
        assert!(v.fatal);
    }

    #[test]
    fn listed_fault_makes_the_step_unimplemented() {
        let mut s = spec();
        s.expect = Expect::default();
        s.unimplemented_when = vec!["wsman:InvalidSelectors".into()];
        let v = judge(&s, Ok(&fault_resp("uuid:REQ-1", "m:InvalidSelectors")));
        assert!(v.unimplemented.is_some());
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches(".", "x") && !pattern_matches(".", ""));
        assert!(pattern_matches("^ab", "abc") && !pattern_matches("^b", "abc"));
        assert!(pattern_matches("bc$", "abc") && pattern_matches("^abc$", "abc") && pattern_matches("b", "abc"));
    }
}
