//! `validate FILE|DIR...`: offline judgement of captured envelopes.

use std::process::ExitCode;

use crate::args::ValidateArgs;

pub(crate) fn run(a: ValidateArgs) -> Result<ExitCode, String> {
    let formats = report::parse_formats(&a.report.format).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let mut report = driver::validate_paths(&a.paths).map_err(|e| e.to_string())?;
    report.tool = format!("wsman-harness {}", env!("CARGO_PKG_VERSION"));
    report.duration_s = started.elapsed().as_secs_f64();
    report::write_all(&report, &a.report.report_dir, &formats).map_err(|e| format!("{}: {e}", a.report.report_dir.display()))?;
    let mut out = std::io::stdout().lock();
    report::console::write(&report, &mut out).map_err(|e| e.to_string())?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
