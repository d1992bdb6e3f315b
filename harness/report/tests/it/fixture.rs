//! A small fixed report used by every test.

use report::{AssertionResult, CaseRecord, Exchange, RunKind, RunReport, Severity, Status};

pub(crate) const FAILED_REQUEST: &str =
    "<s:Envelope><s:Header><a:Action>Get</a:Action></s:Header><s:Body/></s:Envelope>";
pub(crate) const FAILED_RESPONSE: &str =
    "<s:Envelope><s:Body><s:Fault>wrong subcode & more</s:Fault></s:Body></s:Envelope>";

pub(crate) fn result(case: &str, assertion: &str, status: Status) -> AssertionResult {
    AssertionResult {
        case: case.to_owned(),
        assertion: assertion.to_owned(),
        clause: "DSP0226 §8.2".to_owned(),
        severity: Severity::Must,
        status,
        message: String::new(),
        waiver: None,
    }
}

fn case(id: &str, profile: &str, exchanges: Vec<Exchange>) -> CaseRecord {
    CaseRecord {
        id: id.to_owned(),
        title: format!("title of {id}"),
        profile: profile.to_owned(),
        clause: "DSP0226 §7.3".to_owned(),
        duration_ms: 12,
        exchanges,
    }
}

/// Two profiles, five cases, every status at least once, one result whose
/// case has no record.
pub(crate) fn sample() -> RunReport {
    let mut r = RunReport::new(RunKind::Check, "wsman-harness 0.1.0", "http://127.0.0.1:5985/wsman");
    r.embedded = true;
    r.started_at = "2025-01-02T03:04:05Z".to_owned();
    r.duration_s = 1.25;
    r.profiles = vec!["core".to_owned(), "enumeration".to_owned()];
    r.cases = vec![
        case("core/identify-basic", "core", vec![]),
        case(
            "core/get-bad-selector",
            "core",
            vec![Exchange {
                step: "get".to_owned(),
                request: FAILED_REQUEST.to_owned(),
                response_status: 500,
                response: FAILED_RESPONSE.to_owned(),
            }],
        ),
        case("enumeration/pull-max-elements", "enumeration", vec![]),
        case("enumeration/subscribe", "enumeration", vec![]),
    ];
    let mut fail = result("core/get-bad-selector", "fault.subcode", Status::Fail);
    fail.message = "expected wsman:InvalidSelectors, got <w:Other> | line 2".to_owned();
    let mut warn = result("enumeration/pull-max-elements", "enumeration.max-elements", Status::Warn);
    warn.message = "returned 3 items for MaxElements 2".to_owned();
    warn.waiver = Some("firmware 2.1 ignores MaxElements".to_owned());
    warn.severity = Severity::Should;
    let mut skip = result("enumeration/pull-max-elements", "snapshot.response", Status::Skip);
    skip.message = "no stored snapshot".to_owned();
    let mut unimpl = result("enumeration/subscribe", "eventing.subscribe", Status::Unimplemented);
    unimpl.message = "endpoint answered ActionNotSupported".to_owned();
    r.results = vec![
        result("core/identify-basic", "http.status", Status::Pass),
        result("core/identify-basic", "addressing.relates-to", Status::Pass),
        result("core/get-bad-selector", "http.status", Status::Pass),
        fail,
        result("enumeration/pull-max-elements", "http.status", Status::Pass),
        warn,
        skip,
        unimpl,
        result("regressions/orphan", "xsd.valid", Status::Pass),
    ];
    r
}
