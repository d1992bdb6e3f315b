use report::{json, RunReport, Status, Summary};
use serde_json::Value;

use crate::fixture::sample;

#[test]
fn round_trip_is_equal() {
    let r = sample();
    let text = json::to_string(&r).expect("serialize");
    let back: RunReport = json::from_str(&text).expect("parse back");
    assert_eq!(back, r);
}

#[test]
fn file_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = sample();
    let path = json::write(&r, dir.path()).expect("write");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("report.json"));
    assert_eq!(json::read(&path).expect("read"), r);
}

#[test]
fn contract_fields_and_computed_summary() {
    let r = sample();
    let v: Value = serde_json::from_str(&json::to_string(&r).expect("serialize")).expect("json");
    for key in ["tool", "kind", "endpoint", "embedded", "started_at", "duration_s", "profiles", "summary", "results", "cases"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["tool"], "wsman-harness 0.1.0");
    assert_eq!(v["kind"], "check");
    assert_eq!(v["embedded"], true);
    let s = &v["summary"];
    assert_eq!((s["passed"].as_u64(), s["failed"].as_u64(), s["warned"].as_u64()), (Some(5), Some(1), Some(1)));
    assert_eq!((s["skipped"].as_u64(), s["unimplemented"].as_u64()), (Some(1), Some(1)));
    let statuses: Vec<&str> = v["results"].as_array().expect("results array").iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["pass", "pass", "pass", "fail", "pass", "warn", "skip", "unimplemented", "pass"]);
    let fail = &v["results"][3];
    for key in ["case", "assertion", "clause", "severity", "status", "message"] {
        assert!(fail.get(key).is_some(), "result missing {key}");
    }
    assert_eq!(v["results"][5]["waiver"], "firmware 2.1 ignores MaxElements");
    let ex = &v["cases"][1]["exchanges"][0];
    assert_eq!(ex["response_status"], 500);
    assert_eq!(ex["step"], "get");
}

#[test]
fn summary_follows_results() {
    let mut r = sample();
    assert_eq!(r.summary().total(), r.results.len());
    r.results[0].status = Status::Fail;
    let s = r.summary();
    assert_eq!(s, Summary { passed: 4, failed: 2, warned: 1, skipped: 1, unimplemented: 1 });
    assert!(!s.is_success());
}

#[test]
fn inconsistent_summary_is_rejected() {
    let mut v: Value = serde_json::to_value(sample()).expect("to value");
    v["summary"]["failed"] = Value::from(0);
    let err = serde_json::from_value::<RunReport>(v).expect_err("must reject");
    assert!(err.to_string().contains("summary"), "{err}");
}

#[test]
fn minimal_contract_document_parses() {
    // The fields DESIGN.md requires at least; no cases, no kind, no summary.
    let text = r#"{"tool":"wsman-harness 9","endpoint":"https://h:5986/wsman","embedded":false,
        "results":[{"case":"c","assertion":"a","clause":"DSP0226 §8.2","severity":"should",
                    "status":"unimplemented","message":"m"}]}"#;
    let r = json::from_str(text).expect("parse");
    assert_eq!(r.kind, report::RunKind::Check);
    assert_eq!(r.summary().unimplemented, 1);
    assert!(r.cases.is_empty());
}

#[test]
fn unknown_status_is_an_error() {
    let text = r#"{"tool":"t","endpoint":"e","embedded":false,
        "results":[{"case":"c","assertion":"a","clause":"x","severity":"must","status":"PASS"}]}"#;
    assert!(json::from_str(text).is_err());
}

#[test]
fn read_reports_missing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = json::read(&dir.path().join("absent.json")).expect_err("no file");
    assert!(matches!(err, json::ReadError::Io { .. }));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{not json").expect("write");
    assert!(matches!(json::read(&bad), Err(json::ReadError::Json { .. })));
}

#[test]
fn case_outcome_is_the_worst_assertion() {
    let r = sample();
    assert_eq!(r.case_status("core/identify-basic"), Some(Status::Pass));
    assert_eq!(r.case_status("core/get-bad-selector"), Some(Status::Fail));
    assert_eq!(r.case_status("enumeration/pull-max-elements"), Some(Status::Warn));
    assert_eq!(r.case_status("enumeration/subscribe"), Some(Status::Unimplemented));
    assert_eq!(r.case_status("nope"), None);
    let all = r.case_statuses();
    assert_eq!(all.len(), 5);
    assert_eq!(all.get("regressions/orphan"), Some(&Status::Pass));
}

#[test]
fn audit_fields_are_written_flat_and_read_back() {
    use report::{IdentifyRecord, RunTimeouts, TargetRecord, WaiverRecord};
    let mut r = sample();
    r.audit.corpus_digest = Some("0f".repeat(32));
    r.audit.target =
        Some(TargetRecord { name: "bmc-lab".into(), path: Some("targets/bmc.toml".into()), digest: "aa".repeat(32), text: "name = \"bmc-lab\"\n".into() });
    r.audit.waivers = vec![WaiverRecord { case: "core/*".into(), assertion: Some("fault.detail".into()), reason: "known".into(), expires: None }];
    r.audit.identify = Some(IdentifyRecord {
        protocol_versions: vec![wsman_proto::ns::WSMAN.into()],
        product_vendor: Some("Vendor".into()),
        product_version: Some("1.0".into()),
        security_profiles: vec![format!("{}/secprofile/http/basic", wsman_proto::ns::WSMAN_ACTION_BASE)],
        response: "<s:Envelope/>".into(),
        error: None,
    });
    r.audit.timeouts = Some(RunTimeouts { exchange_ms: 30_000, pool_idle_ms: Some(4_000) });
    let text = json::to_string(&r).expect("serialize");
    let v: Value = serde_json::from_str(&text).expect("parse");
    assert_eq!(v["corpus_digest"], "0f".repeat(32));
    assert_eq!(v["target"]["name"], "bmc-lab");
    assert_eq!(v["waivers"][0]["assertion"], "fault.detail");
    assert_eq!(v["identify"]["product_vendor"], "Vendor");
    assert_eq!(v["timeouts"]["exchange_ms"], 30_000);
    assert!(v.get("audit").is_none(), "flat, not nested");
    let back = json::from_str(&text).expect("read back");
    assert_eq!(back.audit, r.audit);
}

#[test]
fn a_report_without_audit_fields_still_reads() {
    let text = r#"{"tool":"wsman-harness 0.0.9","endpoint":"http://h/wsman","embedded":false,
        "results":[{"case":"c","assertion":"a","clause":"x","severity":"must","status":"pass"}]}"#;
    let r = json::from_str(text).expect("an old report reads");
    assert_eq!(r.audit, report::RunAudit::default());
    let written = json::to_string(&r).expect("serialize");
    for absent in ["corpus_digest", "\"target\"", "\"waivers\"", "\"identify\"", "\"timeouts\""] {
        assert!(!written.contains(absent), "{absent} written though unknown");
    }
}
