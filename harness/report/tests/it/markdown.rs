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
