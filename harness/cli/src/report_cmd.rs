//! `report merge` and `report diff`.

use std::path::Path;
use std::process::ExitCode;

use crate::args::ReportCommand;

fn read(path: &Path) -> Result<report::RunReport, String> {
    report::json::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `report merge` of HDR interval logs: the histograms of each tag added,
/// exact whole-run percentiles printed and written as a load report.
fn merge_logs(paths: &[std::path::PathBuf], texts: &[Vec<u8>], out: &crate::args::ReportArgs) -> Result<ExitCode, String> {
    let formats = report::parse_formats(&out.format).map_err(|e| e.to_string())?;
    let mut merged = loadgen::hdrlog::MergedLog::default();
    for (p, t) in paths.iter().zip(texts) {
        merged.add_log(t).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let report = crate::load::merged_report(&merged, paths);
    let written = report::load::write_all(&report, &out.report_dir, &formats).map_err(|e| format!("{}: {e}", out.report_dir.display()))?;
    crate::load::print_summary(&report, &written);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(cmd: ReportCommand) -> Result<ExitCode, String> {
    match cmd {
        ReportCommand::Merge { logs, report: out } => {
            let texts = logs.iter().map(|p| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))).collect::<Result<Vec<_>, _>>()?;
            let is_log: Vec<bool> = texts.iter().map(|t| loadgen::hdrlog::looks_like_interval_log(t)).collect();
            if is_log.iter().any(|l| *l) {
                if let Some(i) = is_log.iter().position(|l| !l) {
                    return Err(format!("{} is a JSON report, the others HDR interval logs: merge one kind at a time", logs[i].display()));
                }
                return merge_logs(&logs, &texts, &out);
            }
            let formats = report::parse_formats(&out.format).map_err(|e| e.to_string())?;
            let reports = logs.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
            let merged = report::merge(reports).map_err(|e| e.to_string())?;
            report::write_all(&merged, &out.report_dir, &formats).map_err(|e| format!("{}: {e}", out.report_dir.display()))?;
            let mut stdout = std::io::stdout().lock();
            report::console::write(&merged, &mut stdout).map_err(|e| e.to_string())?;
            Ok(if merged.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        ReportCommand::Diff { old, new, allow_corpus_change } => {
            let (old, new) = (read(&old)?, read(&new)?);
            if let Some((o, n)) = report::corpus_change(&old, &new) {
                let (o, n) = (report::diff::short_digest(o), report::diff::short_digest(n));
                if !allow_corpus_change {
                    return Err(format!("the runs used different corpora (sha256 {o} vs {n}); pass --allow-corpus-change to compare anyway"));
                }
                println!("note: the runs used different corpora (sha256 {o} vs {n}): cases added or changed show as added, removed or changed");
            }
            if let Some((o, n)) = report::target_change(&old, &new) {
                println!("note: the runs were given different target files (sha256 {} vs {})", report::diff::short_digest(o), report::diff::short_digest(n));
            }
            let d = report::diff(&old, &new);
            print!("{}", d.render());
            Ok(if d.is_regression() { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
