//! `report merge` and `report diff`.

use std::path::Path;
use std::process::ExitCode;

use crate::args::ReportCommand;

fn read(path: &Path) -> Result<report::RunReport, String> {
    report::json::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn run(cmd: ReportCommand) -> Result<ExitCode, String> {
    match cmd {
        ReportCommand::Merge { logs, report: out } => {
            let formats = report::parse_formats(&out.format).map_err(|e| e.to_string())?;
            let reports = logs.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
            let merged = report::merge(reports).map_err(|e| e.to_string())?;
            report::write_all(&merged, &out.report_dir, &formats).map_err(|e| format!("{}: {e}", out.report_dir.display()))?;
            let mut stdout = std::io::stdout().lock();
            report::console::write(&merged, &mut stdout).map_err(|e| e.to_string())?;
            Ok(if merged.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        ReportCommand::Diff { old, new } => {
            let (old, new) = (read(&old)?, read(&new)?);
            let d = report::diff(&old, &new);
            print!("{}", d.render());
            Ok(if d.is_regression() { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
