use report::{console, Status};

use crate::fixture::sample;

#[test]
fn counts_then_each_failure() {
    let r = sample();
    let text = console::render(&r);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "wsman-harness 0.1.0 check of http://127.0.0.1:5985/wsman (embedded) in 1.250 s",
            "passed 5, failed 1, warned 1, skipped 1, unimplemented 1",
            "profile core: 1 assertion failing in 1 case, 1 pass",
            "profile enumeration: 1 assertion waived in 1 case, 1 unimplemented (endpoint answered ActionNotSupported)",
            "profile regressions: its 1 case passes",
            "GROUP 1x fault.subcode (no fault) [DSP0226 §8.2] expected wsman:InvalidSelectors, got <w:Other> | line 2: core/get-bad-selector",
            "FAIL core/get-bad-selector fault.subcode [DSP0226 §8.2] expected wsman:InvalidSelectors, got <w:Other> | line 2",
            "SKIP enumeration/pull-max-elements snapshot.response no stored snapshot",
            "UNIMPLEMENTED enumeration/subscribe eventing.subscribe endpoint answered ActionNotSupported",
            "FAILED",
        ]
    );
}

#[test]
fn passing_run() {
    let mut r = sample();
    r.results.retain(|x| x.status == Status::Pass);
    let text = console::render(&r);
    assert!(!text.contains("FAIL "));
    assert!(text.ends_with("PASSED\n"));
}

#[test]
fn embedded_run_fails_on_skip_and_unimplemented() {
    let mut r = sample();
    r.results.retain(|x| x.status != Status::Fail);
    assert!(r.summary().is_success());
    assert!(!r.passed(), "embedded: skip and unimplemented are failures");
    let text = console::render(&r);
    assert!(text.ends_with("FAILED\n"));
    assert!(text.contains("\nSKIP enumeration/pull-max-elements snapshot.response no stored snapshot\n"), "the skip that failed the run is named: {text}");
    r.embedded = false;
    assert!(r.passed(), "third-party endpoint: only FAIL fails");
    let text = console::render(&r);
    assert!(text.ends_with("PASSED\n"));
    assert!(!text.contains("SKIP "), "a skip that fails nothing is not listed: {text}");
}

#[test]
fn required_profiles_limit_what_skip_and_unimplemented_fail() {
    use report::{AssertionResult, CaseRecord, RunKind, RunReport, Severity, Status};
    let mut r = RunReport::new(RunKind::Check, "t", "http://x");
    r.embedded = true;
    for (case, profile, status) in [("a", "core", Status::Pass), ("b", "shell", Status::Unimplemented)] {
        r.cases.push(CaseRecord { id: case.into(), title: case.into(), profile: profile.into(), clause: String::new(), duration_ms: 0, exchanges: vec![] });
        r.results.push(AssertionResult {
            case: case.into(),
            assertion: "x".into(),
            clause: String::new(),
            severity: Severity::Must,
            status,
            message: String::new(),
            waiver: None,
        });
    }
    assert!(!r.passed(), "without required profiles every profile is required");
    r.required_profiles = vec!["core".into()];
    assert!(r.passed(), "shell is not required");
    r.required_profiles = vec!["core".into(), "shell".into()];
    assert!(!r.passed());
}

#[test]
fn failures_of_one_root_cause_are_one_group_line_before_the_case_lines() {
    let mut r = sample();
    for i in 0..4 {
        let mut f = r.results[3].clone();
        f.case = format!("core/more-{i}");
        r.results.push(f);
    }
    let text = console::render(&r);
    let groups: Vec<&str> = text.lines().filter(|l| l.starts_with("GROUP ")).collect();
    assert_eq!(
        groups,
        [
            "GROUP 4x fault.subcode (no traffic recorded) [DSP0226 §8.2] expected wsman:InvalidSelectors, got <w:Other> | line 2: core/more-0, core/more-1, core/more-2 and 1 more",
            "GROUP 1x fault.subcode (no fault) [DSP0226 §8.2] expected wsman:InvalidSelectors, got <w:Other> | line 2: core/get-bad-selector",
        ]
    );
    let first_fail = text.find("\nFAIL ").expect("case lines");
    assert!(text.find("GROUP ").expect("group lines") < first_fail);
    assert_eq!(text.lines().filter(|l| l.starts_with("FAIL ")).count(), 5);
}
