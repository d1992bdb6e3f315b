//! `validate [--strict] FILE|DIR...`: offline judgement of captured envelopes.
//!
//! Output: the console summary (header, counts, one line per FAIL), one line
//! per WARN (a deviation Windows tolerates), a `files` line, and the verdict:
//!
//! ```text
//! passed 4860, failed 0, warned 5, skipped 3182, unimplemented 0
//! WARN requests/x.xml deviation.unqualified-must-understand [SOAP 1.2 Part 1 §5.2.3] line 5: ...
//! files 540: 535 clean, 5 with warnings, 0 failed
//! PASSED
//! ```
//! Exit status 0 when nothing FAILs (WARNs allowed), 1 otherwise; with
//! `--strict` every WARN is a FAIL.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use report::Status;

use crate::args::ValidateArgs;

pub(crate) fn run(a: ValidateArgs) -> Result<ExitCode, String> {
    let formats = report::parse_formats(&a.report.format).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let options = driver::validate::Options { strict: a.strict };
    let mut report = driver::validate_paths(&a.paths, options).map_err(|e| e.to_string())?;
    report.tool = format!("wsman-harness {}", env!("CARGO_PKG_VERSION"));
    report.duration_s = started.elapsed().as_secs_f64();
    report::write_all(&report, &a.report.report_dir, &formats).map_err(|e| format!("{}: {e}", a.report.report_dir.display()))?;

    let console = report::console::render(&report);
    // The verdict is the console's last line: the WARN lines and the file counts go before it.
    let (body, verdict) = console.trim_end().rsplit_once('\n').unwrap_or(("", console.trim_end()));
    let with = |s: Status| report.results.iter().filter(|r| r.status == s).map(|r| r.case.as_str()).collect::<BTreeSet<_>>();
    let (failed, warned) = (with(Status::Fail), with(Status::Warn));
    let warned_only = warned.difference(&failed).count();
    let files = report.cases.len();
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| e.to_string();
    writeln!(out, "{body}").map_err(io)?;
    for r in report.results.iter().filter(|r| r.status == Status::Warn) {
        writeln!(out, "WARN {} {} [{}] {}", r.case, r.assertion, r.clause, r.message).map_err(io)?;
    }
    writeln!(out, "files {files}: {} clean, {warned_only} with warnings, {} failed", files - warned_only - failed.len(), failed.len()).map_err(io)?;
    writeln!(out, "{verdict}").map_err(io)?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
