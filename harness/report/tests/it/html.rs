use report::{html, Status};

use crate::fixture::{sample, FAILED_REQUEST};

#[test]
fn failed_request_is_escaped_in_pre() {
    let r = sample();
    let page = html::render(&r);
    assert!(page.contains("&lt;s:Envelope&gt;&lt;s:Header&gt;"), "escaped request missing");
    assert!(!page.contains("<s:Envelope"), "raw envelope leaked into the page");
    assert!(page.contains("wrong subcode &amp; more"), "response text not escaped");
    // The escaped request sits inside a <pre>.
    let at = page.find("&lt;s:Envelope&gt;&lt;s:Header&gt;").expect("request");
    let pre = page[..at].rfind("<pre").expect("a <pre> before the request");
    assert!(!page[pre..at].contains("</pre>"));
    assert!(FAILED_REQUEST.starts_with("<s:Envelope>"));
}

#[test]
fn failures_come_first_with_ids_and_clauses() {
    let r = sample();
    let page = html::render(&r);
    let failures = page.find("id=\"failures\"").expect("failures section");
    let cases = page.find("id=\"cases\"").expect("cases section");
    assert!(failures < cases);
    let failed = r.failures().next().expect("a failure");
    let section = &page[failures..cases];
    assert!(section.contains(&failed.assertion));
    assert!(section.contains(&failed.clause));
    assert!(section.contains("&lt;w:Other&gt; | line 2"), "message escaped");
    // Every case is listed, with every assertion id.
    for res in &r.results {
        assert!(page[cases..].contains(&res.case), "case {} missing", res.case);
        assert!(page[cases..].contains(&res.assertion), "assertion {} missing", res.assertion);
    }
}

#[test]
fn self_contained() {
    let page = html::render(&sample());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<style>"));
    for banned in ["<script", "<link", "src=", "http-equiv", "@import", "url("] {
        assert!(!page.contains(banned), "found {banned}");
    }
}

#[test]
fn traffic_of_passing_cases_is_left_out() {
    let mut r = sample();
    for res in &mut r.results {
        res.status = Status::Pass;
    }
    let page = html::render(&r);
    assert!(!page.contains("&lt;s:Envelope&gt;"));
    assert!(!page.contains("id=\"failures\""));
    assert!(page.contains("PASSED"));
}

#[test]
fn writes_report_html() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = html::write(&sample(), dir.path()).expect("write");
    assert_eq!(path, dir.path().join("report.html"));
    assert!(std::fs::read_to_string(path).expect("read").contains("</html>"));
}
