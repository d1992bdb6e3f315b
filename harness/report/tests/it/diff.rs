use report::{diff, ResultKey, Status};

use crate::fixture::{result, sample};

fn key(case: &str, assertion: &str) -> ResultKey {
    ResultKey { case: case.to_owned(), assertion: assertion.to_owned() }
}

#[test]
fn identical_runs_have_no_difference() {
    let d = diff(&sample(), &sample());
    assert!(d.is_empty());
    assert!(!d.is_regression());
}

#[test]
fn detects_regression_and_fix() {
    let old = sample();
    let mut new = sample();
    new.results[0].status = Status::Fail; // identify-basic http.status: pass -> fail
    new.results[0].message = "got 404".to_owned();
    new.results[3].status = Status::Pass; // get-bad-selector fault.subcode: fail -> pass
    let d = diff(&old, &new);
    assert_eq!(d.regressions.len(), 1);
    assert_eq!(d.regressions[0].key, key("core/identify-basic", "http.status"));
    assert_eq!((d.regressions[0].old, d.regressions[0].new), (Some(Status::Pass), Some(Status::Fail)));
    assert_eq!(d.fixes.len(), 1);
    assert_eq!(d.fixes[0].key, key("core/get-bad-selector", "fault.subcode"));
    assert!(d.is_regression());
    let text = d.render();
    assert!(text.contains("REGRESSION core/identify-basic http.status [DSP0226 §8.2]: PASS -> FAIL: got 404"), "{text}");
    assert!(text.contains("FIXED core/get-bad-selector fault.subcode"), "{text}");
}

#[test]
fn fix_alone_is_not_a_regression() {
    let old = sample();
    let mut new = sample();
    new.results[3].status = Status::Pass;
    let d = diff(&old, &new);
    assert!(!d.is_regression());
    assert_eq!(d.fixes.len(), 1);
}

#[test]
fn pass_to_skip_regresses_and_fail_to_warn_only_changes() {
    let old = sample();
    let mut new = sample();
    new.results[1].status = Status::Skip; // pass -> skip
    new.results[3].status = Status::Warn; // fail -> warn (waived)
    new.results[6].status = Status::Fail; // skip -> fail
    let d = diff(&old, &new);
    let reg: Vec<_> = d.regressions.iter().map(|e| e.key.assertion.as_str()).collect();
    assert_eq!(reg, ["addressing.relates-to", "snapshot.response"]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].key.assertion, "fault.subcode");
}

#[test]
fn new_failures_removed_and_added() {
    let old = sample();
    let mut new = sample();
    new.results.retain(|r| r.case != "regressions/orphan");
    new.results.push(result("core/new-case", "xsd.valid", Status::Fail));
    new.results.push(result("core/other-new", "xsd.valid", Status::Pass));
    let d = diff(&old, &new);
    assert_eq!(d.new_failures.iter().map(|e| e.key.clone()).collect::<Vec<_>>(), [key("core/new-case", "xsd.valid")]);
    assert_eq!(d.removed.iter().map(|e| e.key.clone()).collect::<Vec<_>>(), [key("regressions/orphan", "xsd.valid")]);
    assert_eq!(d.added.len(), 1);
    assert!(d.regressions.is_empty());
    assert!(d.is_regression(), "a new failure fails the ratchet");
}

#[test]
fn repeated_key_counts_its_worst_status() {
    let old = sample();
    let mut new = sample();
    // Same case x assertion checked again at a later step, failing there.
    new.results.push(result("core/identify-basic", "http.status", Status::Fail));
    let d = diff(&old, &new);
    assert_eq!(d.regressions.len(), 1);
}
