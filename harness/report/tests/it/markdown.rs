use report::{markdown, Status};

use crate::fixture::{result, sample};

#[test]
fn snapshot_of_small_report() {
    insta::assert_snapshot!("markdown_small", markdown::render(&sample()));
}

#[test]
fn long_failure_lists_are_truncated_with_a_count() {
    let mut r = sample();
    let extra = markdown::MAX_LISTED + 7;
    for i in 0..extra {
        r.results.push(result(&format!("core/case-{i}"), "xsd.valid", Status::Fail));
    }
    let md = markdown::render(&r);
    let total = extra + 1;
    assert!(md.contains(&format!("### Failures ({total})")));
    let rows = md.lines().filter(|l| l.starts_with("| `core/")).count();
    assert_eq!(rows, markdown::MAX_LISTED);
    assert!(md.contains(&format!("… and {} more failures", total - markdown::MAX_LISTED)));
}

#[test]
fn table_cells_cannot_break_the_table() {
    let mut r = sample();
    r.results[3].message = "a | b\nc <tag>".to_owned();
    let md = markdown::render(&r);
    let line = md.lines().find(|l| l.contains("fault.subcode")).expect("failure row");
    assert!(line.ends_with("| a \\| b c \\<tag\\> |"), "{line}");
}

/// A 400-case run where everything fails, with long messages and as many
/// root causes as results: the summary stays well under 64 KiB, and says
/// what it left out.
#[test]
fn a_large_failing_run_fits_a_step_summary() {
    use report::{CaseRecord, Exchange};
    let mut r = sample();
    let long = "x".repeat(5000);
    for i in 0..400 {
        let id = format!("core/many/case-{i:03}");
        r.cases.push(CaseRecord {
            id: id.clone(),
            title: long.clone(),
            profile: "core".into(),
            clause: "DSP0226 §7".into(),
            duration_ms: 1,
            exchanges: vec![Exchange { step: "get".into(), request: long.clone(), response_status: 500, response: long.clone() }],
        });
        for a in 0..5 {
            let mut f = result(&id, &format!("assertion.{i}.{a}"), Status::Fail);
            f.message = format!("{long} {i}");
            r.results.push(f);
        }
    }
    let md = markdown::render(&r);
    assert!(md.len() < 64 * 1024, "{} bytes", md.len());
    assert!(md.len() <= markdown::MAX_BYTES);
    assert!(md.contains("### Root causes (2001 groups)"), "{:.2000}", md);
    assert!(md.contains("more groups (see report.html)"));
    assert!(md.contains("more failures (see report.html)"));
    // The groups come before the failing results.
    assert!(md.find("### Root causes").expect("groups") < md.find("### Failures").expect("failures"));
}

#[test]
fn groups_and_profile_verdicts_come_first() {
    let mut r = sample();
    for i in 0..4 {
        let mut f = r.results[3].clone();
        f.case = format!("core/more-{i}");
        r.results.push(f);
    }
    let md = markdown::render(&r);
    let profiles = md.find("| Profile |").expect("profile table");
    let groups = md.find("### Root causes (2 groups)").expect("groups");
    assert!(profiles < groups);
    assert!(md.contains("core: 1 assertion failing in 5 cases, 1 pass"), "{md}");
    // Four cases without traffic; ids cut after three.
    let line = md.lines().find(|l| l.starts_with("| 4 |")).expect("the larger group first");
    assert!(line.contains("`fault.subcode` | no traffic recorded |") && line.contains("… 1 more"), "{line}");
}
