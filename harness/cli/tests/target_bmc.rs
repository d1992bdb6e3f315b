//! `check --target`: the corpus run against the reference server's BMC
//! classes (DMTF URIs) through a target file that has only the keyed and
//! method roles. The generic cases pass against CIM_NumericSensor and
//! CIM_ComputerSystem; the cases of the roles the file lacks are SKIP.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bmc-target.toml")
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-target-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn the_generic_cases_pass_against_the_bmc_classes_and_missing_roles_skip() {
    let dir = tempdir("bmc");
    let out = bin()
        .args(["check", "--profile", "transfer", "--profile", "enumeration", "--profile", "core", "--format", "json", "--target"])
        .arg(fixture())
        .arg("--report-dir")
        .arg(&dir)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout:.3000}{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json")).expect("parses");
    let results = json["results"].as_array().expect("results");
    let failed: Vec<_> = results.iter().filter(|r| r["status"] == "fail").collect();
    assert!(failed.is_empty(), "{:?}", failed.iter().take(5).collect::<Vec<_>>());
    assert!(results.iter().filter(|r| r["status"] == "pass").count() > 100, "the generic cases ran");
    let result = |case: &str, assertion: &str| results.iter().find(|r| r["case"] == case && r["assertion"] == assertion);
    // Generic cases ran against the BMC's classes and passed.
    for case in [
        "transfer/get/service-winrm",
        "transfer/get/service-no-selectors",
        "transfer/get/service-duplicate-selector",
        "transfer/invoke/method-output",
        "transfer/invoke/unknown-method",
        "enumeration/enumerate/service-optimized-5",
        "enumeration/scenario/pull-all-3",
        "enumeration/enumerate/selector-filter",
        "core/identify/basic",
    ] {
        let r = result(case, "expect.outcome").unwrap_or_else(|| panic!("{case} has no outcome"));
        assert_eq!(r["status"], "pass", "{case}: {r}");
    }
    let xpath = result("transfer/get/service-winrm", "expect.xpath").expect("xpath result");
    assert_eq!(xpath["status"], "pass", "{xpath}");
    // The cases of roles the file lacks are SKIP, with the role named.
    for (case, role) in [
        ("transfer/get/os-singleton", "singleton"),
        ("transfer/put/env-wrong-element", "writable"),
        ("transfer/create/env-empty-body", "creatable"),
        ("transfer/get/config", "config"),
        ("transfer/scenario/service-stop-start", "cimv2"),
        ("enumeration/enumerate/os-basic", "singleton"),
    ] {
        let r = result(case, "expect.outcome").unwrap_or_else(|| panic!("{case} has no outcome"));
        assert_eq!(r["status"], "skip", "{case}: {r}");
        assert_eq!(r["message"], format!("target has no {role}"), "{case}");
    }
    // A skipped case is not sent: its record has no exchange.
    let cases = json["cases"].as_array().expect("cases");
    let rec = cases.iter().find(|c| c["id"] == "transfer/get/os-singleton").expect("record");
    assert!(rec["exchanges"].as_array().is_none_or(Vec::is_empty), "{rec}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_target_file_is_a_one_line_error_with_exit_2() {
    let dir = tempdir("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[keyd]\nresource_uri = \"u\"\n").expect("write");
    for path in [bad.clone(), dir.join("missing.toml")] {
        let out = bin().args(["check", "--target"]).arg(&path).arg("--report-dir").arg(&dir).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{path:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
        assert!(err.contains("--target"), "{err}");
    }
    let err = String::from_utf8_lossy(&bin().args(["check", "--target"]).arg(&bad).output().expect("runs").stderr).into_owned();
    assert!(err.contains("bad.toml:2:") && err.contains("keyd"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
