use report::{merge, MergeError, RunKind, RunReport, Status};

use crate::fixture::{result, sample};

fn shard(endpoint: &str, profile: &str, cases: &[&str], started: &str) -> RunReport {
    let mut r = RunReport::new(RunKind::Check, "wsman-harness 0.1.0", endpoint);
    r.embedded = true;
    r.started_at = started.to_owned();
    r.duration_s = 1.0;
    r.profiles = vec![profile.to_owned()];
    for c in cases {
        r.results.push(result(c, "http.status", Status::Pass));
    }
    r
}

#[test]
fn shards_are_concatenated() {
    let a = shard("http://a/wsman", "core", &["c1", "c2"], "2025-01-02T00:00:01Z");
    let b = shard("http://a/wsman", "enumeration", &["e1"], "2025-01-02T00:00:00Z");
    let m = merge([a, b]).expect("merge");
    assert_eq!(m.results.len(), 3);
    assert_eq!(m.profiles, ["core", "enumeration"]);
    assert_eq!(m.started_at, "2025-01-02T00:00:00Z");
    assert_eq!(m.endpoint, "http://a/wsman");
    assert!((m.duration_s - 2.0).abs() < 1e-9);
    assert!(m.embedded);
}

#[test]
fn a_rerun_replaces_its_cases() {
    let first = sample();
    let mut rerun = RunReport::new(RunKind::Check, "wsman-harness 0.1.0", "http://b/wsman");
    rerun.results.push(result("core/get-bad-selector", "fault.subcode", Status::Pass));
    let m = merge([first.clone(), rerun]).expect("merge");
    assert_eq!(m.summary().failed, 0);
    assert_eq!(m.results_of("core/get-bad-selector").count(), 1);
    assert_eq!(m.results.len(), first.results.len() - 1);
    assert_eq!(m.endpoint, "http://127.0.0.1:5985/wsman, http://b/wsman");
    assert!(!m.embedded);
}

#[test]
fn errors() {
    assert_eq!(merge(Vec::new()), Err(MergeError::Empty));
    let fuzz = RunReport::new(RunKind::Fuzz, "t", "e");
    assert_eq!(
        merge([sample(), fuzz]),
        Err(MergeError::KindMismatch { first: "check", other: "fuzz" })
    );
}
