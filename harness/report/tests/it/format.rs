use report::{parse_formats, write_all, Format};

use crate::fixture::sample;

#[test]
fn parses_the_flag_value() {
    assert_eq!(parse_formats("json,junit,html,md").expect("ok"), Format::ALL);
    assert_eq!(parse_formats("md, json,md").expect("ok"), [Format::Md, Format::Json]);
    assert_eq!(parse_formats("").expect("ok"), Format::ALL);
    let err = parse_formats("json,pdf").expect_err("pdf is unknown");
    assert_eq!(err.name, "pdf");
}

#[test]
fn writes_every_default_file_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("wsman-report");
    let paths = write_all(&sample(), &out, &Format::ALL).expect("write");
    let names: Vec<String> = paths
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .collect();
    assert_eq!(names, ["report.json", "report.junit.xml", "report.html", "report.md"]);
    for p in &paths {
        assert!(std::fs::metadata(p).expect("exists").len() > 0);
    }
}
