//! Plain-text summary for the terminal: a header line, one line per action
//! the endpoint stopped answering, the counts, one verdict line per profile
//! when something did not pass, one line per failing assertion when its
//! failures saw several faults, one line per root-cause group of the
//! failures (count, assertion, fault seen, clause, first message; see
//! [`crate::groups`]; the first [`MAX_GROUP_LINES`]), one line per failure (case, assertion, clause,
//! message), one per skip that fails the run on its own (against the
//! embedded server), and the verdict.
//!
//! ```text
//! wsman-harness 0.1.0 check of http://127.0.0.1:40123/wsman (embedded) in 0.512 s
//! passed 310, failed 3, warned 0, skipped 0, unimplemented 0
//! profile core: 1 assertion failing in 3 cases, 40 pass
//! ASSERTION addressing.relates-to [DSP0226 §5.4.3] failing in 3 cases (2 faults seen)
//! GROUP 2x addressing.relates-to (no fault) [DSP0226 §5.4.3] RelatesTo missing: core/get-basic, core/identify-basic
//! GROUP 1x addressing.relates-to (wsman:InvalidSelectors) [DSP0226 §5.4.3] RelatesTo missing: core/get-bad-selector
//! FAIL core/get-basic addressing.relates-to [DSP0226 §5.4.3] RelatesTo missing
//! FAIL core/identify-basic addressing.relates-to [DSP0226 §5.4.3] RelatesTo missing
//! FAIL core/get-bad-selector addressing.relates-to [DSP0226 §5.4.3] RelatesTo missing
//! SKIP shell/receive-after-delete shell.receive no shell was created
//! FAILED
//! ```

use std::io;

use crate::diff::one_line;
use crate::groups;
use crate::model::RunReport;

/// Case ids named on a group line before the rest are counted.
pub const GROUP_IDS_SHOWN: usize = 3;

/// Group lines printed before the rest are counted (all are in the HTML and JSON views).
pub const MAX_GROUP_LINES: usize = 10;

/// The summary as text (each line ends with a newline).
pub fn render(report: &RunReport) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the summary to `out`.
pub fn write(report: &RunReport, out: &mut impl io::Write) -> io::Result<()> {
    let s = report.summary();
    let target = if report.endpoint.is_empty() {
        String::new()
    } else if report.embedded {
        format!(" of {} (embedded)", report.endpoint)
    } else {
        format!(" of {}", report.endpoint)
    };
    writeln!(out, "{} {}{target} in {:.3} s", report.tool, report.kind.as_str(), report.duration_s)?;
    for stalled in &report.stalled {
        writeln!(out, "{}", stalled.message())?;
    }
    writeln!(out, "passed {}, failed {}, warned {}, skipped {}, unimplemented {}", s.passed, s.failed, s.warned, s.skipped, s.unimplemented)?;
    let rows = groups::profile_rows(report);
    if rows.iter().any(|r| r.cases.passed != r.total_cases()) {
        for row in &rows {
            writeln!(out, "profile {}", row.verdict())?;
        }
    }
    let gs = groups::groups(report);
    let rollup = groups::by_assertion(&gs);
    if gs.len() > rollup.len() {
        for a in &rollup {
            writeln!(
                out,
                "ASSERTION {} [{}] failing in {} case{} ({} fault{} seen)",
                a.assertion,
                a.clause,
                a.cases,
                if a.cases == 1 { "" } else { "s" },
                a.groups,
                if a.groups == 1 { "" } else { "s" }
            )?;
        }
    }
    for g in gs.iter().take(MAX_GROUP_LINES) {
        let mut ids: Vec<&str> = g.cases.iter().take(GROUP_IDS_SHOWN).copied().collect();
        let more = g.count().saturating_sub(GROUP_IDS_SHOWN);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        ids.truncate(GROUP_IDS_SHOWN);
        write!(out, "GROUP {}x {} ({}) [{}]", g.count(), g.assertion, g.fault, g.clause)?;
        if !g.message.is_empty() {
            write!(out, " {}", crate::markdown::truncate(&one_line(g.message), 160))?;
        }
        writeln!(out, ": {}{more}", ids.join(", "))?;
    }
    if gs.len() > MAX_GROUP_LINES {
        writeln!(out, "... and {} more groups (report.html)", gs.len() - MAX_GROUP_LINES)?;
    }
    for r in report.failures() {
        write!(out, "FAIL {} {} [{}]", r.case, r.assertion, r.clause)?;
        if !r.message.is_empty() {
            write!(out, " {}", one_line(&r.message))?;
        }
        writeln!(out)?;
    }
    // Against the embedded server a skip fails the run too: say which and why.
    for r in report.blocking_skips() {
        write!(out, "{} {} {}", r.status.as_str().to_uppercase(), r.case, r.assertion)?;
        if !r.message.is_empty() {
            write!(out, " {}", one_line(&r.message))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", if report.passed() { "PASSED" } else { "FAILED" })
}
