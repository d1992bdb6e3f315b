//! `report.html`: one self-contained page (inline CSS, no script, no external
//! asset).
//!
//! Order: run header, summary counts, failures (each failed assertion, then
//! the request and response of every failed case), waived warnings, then every
//! case with its assertions. Collapsible parts use `<details>`, which needs no
//! script. All text goes through maud, which escapes it; envelopes appear
//! escaped inside `<pre>`.

use std::io;
use std::path::{Path, PathBuf};

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::model::{AssertionResult, CaseRecord, RunReport, Status};

/// Default file name.
pub const FILE_NAME: &str = "report.html";

/// Static style sheet, inlined into the page.
const CSS: &str = "
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fff}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-all;max-height:30rem}
code{font-family:ui-monospace,Consolas,monospace}
.st{font-weight:bold;font-family:ui-monospace,Consolas,monospace}
.pass{color:#1a7f37}.fail{color:#cf222e}.warn{color:#9a6700}.skip{color:#6e7781}.unimplemented{color:#8250df}
.verdict{font-size:1.1rem;font-weight:bold}
details{margin:.2rem 0}summary{cursor:pointer}
.meta td:first-child{font-weight:bold}
";

/// The page as a string.
pub fn render(report: &RunReport) -> String {
    page(report).into_string()
}

/// Writes `dir/report.html`.
pub fn write(report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
    crate::format::write_file(dir, FILE_NAME, render(report).as_bytes())
}

fn page(report: &RunReport) -> Markup {
    let summary = report.summary();
    let title = format!("{} {} report", report.tool, report.kind.as_str());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (title) }
                table.meta {
                    tr { td { "Endpoint" } td { code { (report.endpoint) } @if report.embedded { " (embedded reference server)" } } }
                    tr { td { "Started" } td { (report.started_at) } }
                    tr { td { "Duration" } td { (format!("{:.3} s", report.duration_s)) } }
                    tr { td { "Profiles" } td { (report.profiles.join(", ")) } }
                }
                h2 { "Summary" }
                p.verdict.(if report.passed() { "pass" } else { "fail" }) {
                    @if report.passed() { "PASSED" } @else { "FAILED" }
                    " — " (summary.total()) " results"
                }
                table id="summary" {
                    tr { @for s in Status::ALL { th { (status_badge(s)) } } }
                    tr { @for s in Status::ALL { td { (summary.count(s)) } } }
                }
                (failures(report))
                (warnings(report))
                (all_cases(report))
            }
        }
    }
}

fn status_badge(s: Status) -> Markup {
    html! { span.st.(s.as_str()) { (s.label()) } }
}

fn result_table<'a>(rows: impl Iterator<Item = &'a AssertionResult>, with_case: bool) -> Markup {
    html! {
        table {
            tr {
                @if with_case { th { "Case" } }
                th { "Assertion" } th { "Clause" } th { "Severity" } th { "Status" } th { "Message" }
            }
            @for r in rows {
                tr {
                    @if with_case { td { code { (r.case) } } }
                    td { code { (r.assertion) } }
                    td { (r.clause) }
                    td { (r.severity) }
                    td { (status_badge(r.status)) }
                    td {
                        (r.message)
                        @if let Some(w) = &r.waiver { br; em { "waived: " (w) } }
                    }
                }
            }
        }
    }
}

fn failures(report: &RunReport) -> Markup {
    let failed: Vec<&AssertionResult> = report.failures().collect();
    let mut failed_cases: Vec<&str> = Vec::new();
    for r in &failed {
        if !failed_cases.contains(&r.case.as_str()) {
            failed_cases.push(&r.case);
        }
    }
    html! {
        @if !failed.is_empty() {
            h2 id="failures" { "Failures (" (failed.len()) ")" }
            (result_table(failed.iter().copied(), true))
            @for id in &failed_cases {
                section.failed-case {
                    h3 { "Case " code { (id) } }
                    @match report.case(id) {
                        Some(case) => { (case_header(case)) (exchanges(case)) }
                        None => { p { "No traffic recorded for this case." } }
                    }
                }
            }
        }
    }
}

fn case_header(case: &CaseRecord) -> Markup {
    html! {
        p {
            (case.title) " — profile " code { (case.profile) } ", clause " (case.clause)
            ", " (case.duration_ms) " ms"
        }
    }
}

fn exchanges(case: &CaseRecord) -> Markup {
    html! {
        @for x in &case.exchanges {
            div.exchange {
                h3 { "Step " code { (x.step) } }
                p { "Request" }
                pre.request { (x.request) }
                p { "Response (HTTP " (x.response_status) ")" }
                pre.response { (x.response) }
            }
        }
    }
}

fn warnings(report: &RunReport) -> Markup {
    let warned: Vec<&AssertionResult> =
        report.results.iter().filter(|r| r.status == Status::Warn).collect();
    html! {
        @if !warned.is_empty() {
            h2 id="warnings" { "Waived (" (warned.len()) ")" }
            (result_table(warned.into_iter(), true))
        }
    }
}

/// Case ids: recorded cases in order, then ids only seen in results; failed
/// cases first, keeping that order otherwise.
fn case_ids(report: &RunReport) -> Vec<(&str, Option<Status>)> {
    let mut ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
    for r in &report.results {
        if !ids.contains(&r.case.as_str()) {
            ids.push(&r.case);
        }
    }
    let mut out: Vec<(&str, Option<Status>)> =
        ids.into_iter().map(|id| (id, report.case_status(id))).collect();
    // Stable sort: worst first, report order within a status.
    out.sort_by_key(|(_, s)| std::cmp::Reverse(s.map(Status::rank)));
    out
}

fn all_cases(report: &RunReport) -> Markup {
    let ids = case_ids(report);
    html! {
        h2 id="cases" { "Cases (" (ids.len()) ")" }
        @for (id, status) in &ids {
            details.case open[status.is_some_and(Status::is_fail)] {
                summary {
                    @match status { Some(s) => { (status_badge(*s)) }, None => { span.st { "NO RESULT" } } }
                    " " code { (id) }
                    @if let Some(case) = report.case(id) { " — " (case.title) " [" (case.profile) "]" }
                }
                @if let Some(case) = report.case(id) { (case_header(case)) }
                (result_table(report.results_of(id), false))
            }
        }
    }
}
