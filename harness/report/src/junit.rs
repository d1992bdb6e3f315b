//! `report.junit.xml`: one `<testsuite>` per profile, one `<testcase>` per
//! case x assertion.
//!
//! Mapping of [`Status`]:
//!
//! | status | JUnit |
//! |---|---|
//! | pass | success |
//! | fail | `<failure message=MESSAGE type=CLAUSE>` with case, assertion, clause, severity in its text |
//! | warn | success, with a `<system-out>` note naming the waiver |
//! | skip, unimplemented | `<skipped message=.. type="skip"/"unimplemented">` |
//!
//! The XML is written by quick-junit (escaping included); the test case's
//! `classname` is the case id and its `name` the assertion id.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::model::{AssertionResult, RunReport, Status};

/// Default file name.
pub const FILE_NAME: &str = "report.junit.xml";

/// Suite name for results whose case has no [`crate::model::CaseRecord`].
pub const UNASSIGNED_SUITE: &str = "unassigned";

/// Builds the quick-junit model of `report`.
pub fn to_junit(report: &RunReport) -> Report {
    let mut junit = Report::new(report.tool.as_str());
    if let Ok(ts) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(ts);
    }
    if report.duration_s.is_finite() && report.duration_s >= 0.0 {
        junit.set_time(Duration::from_secs_f64(report.duration_s));
    }
    for suite_name in suite_order(report) {
        let mut suite = TestSuite::new(suite_name.as_str());
        suite.add_property(Property::new("endpoint", report.endpoint.as_str()));
        suite.add_property(Property::new("kind", report.kind.as_str()));
        suite.add_property(Property::new("embedded", report.embedded.to_string()));
        let mut millis = 0u64;
        for case in report.cases.iter().filter(|c| c.profile == suite_name) {
            millis = millis.saturating_add(case.duration_ms);
        }
        suite.set_time(Duration::from_millis(millis));
        for r in report
            .results
            .iter()
            .filter(|r| suite_of(report, r) == suite_name)
        {
            suite.add_test_case(test_case(r));
        }
        junit.add_test_suite(suite);
    }
    junit
}

/// The XML text of [`to_junit`].
pub fn to_string(report: &RunReport) -> io::Result<String> {
    to_junit(report).to_string().map_err(io::Error::other)
}

/// Writes `dir/report.junit.xml`.
pub fn write(report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
    let text = to_string(report)?;
    crate::format::write_file(dir, FILE_NAME, text.as_bytes())
}

fn suite_of<'a>(report: &'a RunReport, r: &AssertionResult) -> &'a str {
    report.profile_of(&r.case).unwrap_or(UNASSIGNED_SUITE)
}

/// Suites that have at least one result: the run's profiles first, in the
/// order given, then any other profile in order of first appearance.
fn suite_order(report: &RunReport) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in &report.results {
        let s = suite_of(report, r);
        if !seen.iter().any(|x| x == s) {
            seen.push(s.to_owned());
        }
    }
    let mut out: Vec<String> = report
        .profiles
        .iter()
        .filter(|p| seen.contains(p))
        .cloned()
        .collect();
    for s in seen {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn test_case(r: &AssertionResult) -> TestCase {
    let status = match r.status {
        Status::Pass | Status::Warn => TestCaseStatus::success(),
        Status::Fail => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let message = if r.message.is_empty() {
                "assertion failed"
            } else {
                r.message.as_str()
            };
            st.set_message(message);
            st.set_type(r.clause.as_str());
            st.set_description(details(r));
            st
        }
        Status::Skip | Status::Unimplemented => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(r.message.as_str());
            st.set_type(r.status.as_str());
            st
        }
    };
    let mut tc = TestCase::new(r.assertion.as_str(), status);
    tc.set_classname(r.case.as_str());
    if r.status == Status::Warn {
        let waiver = r.waiver.as_deref().unwrap_or("no reason recorded");
        tc.set_system_out(format!("WARN (waived: {waiver})\n{}", details(r)));
    }
    tc
}

/// Plain-text block naming the assertion, its clause and severity.
fn details(r: &AssertionResult) -> String {
    format!(
        "case: {}\nassertion: {}\nclause: {}\nseverity: {}\n{}",
        r.case, r.assertion, r.clause, r.severity, r.message
    )
}
