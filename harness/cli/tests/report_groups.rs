//! The reports a vendor reads, end to end: `serve --defect drop-relates-to`
//! checked with `check`, then report.json's root-cause groups, the HTML's
//! first group, the audit fields, and `report diff` refusing runs of
//! different corpora.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use report::groups;
use report::Status;
use support::{bin, Served};

const RELATES_TO: &str = "addressing.relates-to";

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-groups-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn check(url: &str, dir: &Path) -> std::process::Output {
    bin().args(["check", "--endpoint", url, "--user", "u:p", "--timeout", "10s", "--report-dir"]).arg(dir).output().expect("check runs")
}

#[test]
fn a_missing_relates_to_is_one_root_cause_named_first() {
    let served = Served::start("http", &["--allow-unencrypted", "--defect", "drop-relates-to"]);
    let dir = tempdir("relates");
    let out = check(&served.url, &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout:.3000}{}", String::from_utf8_lossy(&out.stderr));

    let report = report::json::read(&dir.join("report.json")).expect("report.json reads");
    let failing: BTreeSet<&str> = report.results.iter().filter(|r| r.status == Status::Fail && r.assertion == RELATES_TO).map(|r| r.case.as_str()).collect();
    assert!(failing.len() > 10, "most cases fail RelatesTo: {}", failing.len());
    let gs = groups::groups(&report);
    let top = gs.first().expect("a group");
    assert_eq!(top.assertion, RELATES_TO, "{:?}", gs.iter().map(|g| (g.assertion, g.count())).collect::<Vec<_>>());
    // Every case failing RelatesTo is in a RelatesTo group, and the top one holds the most.
    let in_groups: usize = gs.iter().filter(|g| g.assertion == RELATES_TO).map(|g| g.count()).sum();
    assert_eq!(in_groups, failing.len());
    // Taken together (the cases provoke different faults, each answered
    // without RelatesTo), the assertion is first and counts every failing case.
    let rollup = groups::by_assertion(&gs);
    assert_eq!((rollup[0].assertion, rollup[0].cases), (RELATES_TO, failing.len()), "{rollup:?}");
    assert!(top.exchange.is_some(), "a representative exchange");
    assert!(gs.windows(2).all(|w| w[0].count() >= w[1].count()), "largest first");
    // Far fewer groups than failures: the point of grouping.
    assert!(gs.len() * 4 < report.failures().count(), "{} groups for {} failures", gs.len(), report.failures().count());

    // The console names the group before the case lines.
    let group_line = stdout.lines().position(|l| l.starts_with(&format!("GROUP {}x {RELATES_TO} ", top.count()))).expect("a group line");
    let first_fail = stdout.lines().position(|l| l.starts_with("FAIL ")).expect("case lines");
    assert!(group_line < first_fail, "{stdout:.2000}");

    // The HTML's first group names it, with its count.
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    let first = html.find("<section class=\"group fail\"").expect("a group section");
    assert!(html[first..].starts_with(&format!("<section class=\"group fail\" data-assertion=\"{RELATES_TO}\"")), "{}", &html[first..first + 200]);
    assert!(html[first..first + 600].contains(&format!(">{} cases<", top.count())), "{}", &html[first..first + 600]);
    assert!(html.find("id=\"profiles\"").expect("profile table") < first);
    let by_assertion = html.find("<table id=\"by-assertion\">").expect("assertion table");
    let table = &html[by_assertion..];
    let table = &table[..table.find("</table>").expect("end of the table")];
    // Split on rows: the table tag, the header row, then the data rows.
    let first_row = table.split("<tr>").nth(2).expect("a data row");
    assert!(first_row.contains(&format!("href=\"#assertion={RELATES_TO}\"")) && first_row.contains(&format!(">{}</td>", failing.len())), "{first_row:.1500}");
    // The Markdown leads with the same group.
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    let row = md.lines().find(|l| l.starts_with(&format!("| {} | `{RELATES_TO}` |", top.count()))).expect("group row");
    assert!(md.find(row).expect("row") < md.find("### Failures").expect("failures"));

    // Audit fields: the corpus digest, the Identify answer, the timeout.
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json")).expect("parses");
    let digest = json["corpus_digest"].as_str().expect("corpus_digest");
    assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()), "{digest}");
    assert!(json["identify"]["error"].is_null(), "{}", json["identify"]);
    assert!(json["identify"]["product_vendor"].as_str().is_some_and(|v| !v.is_empty()), "{}", json["identify"]);
    assert!(!json["identify"]["protocol_versions"].as_array().expect("versions").is_empty());
    assert!(json["identify"]["response"].as_str().is_some_and(|r| r.contains("IdentifyResponse")));
    assert_eq!(json["timeouts"]["exchange_ms"], 10_000);
}

#[test]
fn report_diff_refuses_runs_of_different_corpora() {
    let dir = tempdir("diff");
    let mut run = report::RunReport::new(report::RunKind::Check, "wsman-harness test", "http://127.0.0.1:1/wsman");
    run.audit.corpus_digest = Some("a".repeat(64));
    let old = report::json::write(&run, &dir.join("old")).expect("old");
    let same = report::json::write(&run, &dir.join("same")).expect("same");
    run.audit.corpus_digest = Some("b".repeat(64));
    let new = report::json::write(&run, &dir.join("new")).expect("new");

    let refused = bin().args(["report", "diff"]).arg(&old).arg(&new).output().expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: the runs used different corpora (sha256 aaaaaaaaaaaa… vs bbbbbbbbbbbb…); pass --allow-corpus-change to compare anyway"
    );
    assert!(refused.stdout.is_empty());

    let allowed = bin().args(["report", "diff", "--allow-corpus-change"]).arg(&old).arg(&new).output().expect("runs");
    assert_eq!(allowed.status.code(), Some(0), "{}", String::from_utf8_lossy(&allowed.stderr));
    assert!(String::from_utf8_lossy(&allowed.stdout).starts_with("note: the runs used different corpora"));

    let ok = bin().args(["report", "diff"]).arg(&old).arg(&same).output().expect("runs");
    assert_eq!(ok.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&ok.stdout).contains("note:"));
}
