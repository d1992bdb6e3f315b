//! `wsman-harness`: the only binary. Flags are parsed here (low level), turned
//! into checked settings (high level) and handed to the libraries; no protocol
//! logic lives in this crate.

mod args;
mod check;
mod report_cmd;
mod serve;
mod validate;

use std::process::ExitCode;

use clap::Parser;

/// Exit status for usage and setup errors (DESIGN.md).
pub(crate) const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line, not clap's usage block: scripts read the first line.
            let text = e.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
            eprintln!("{first}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            args::Command::Serve(a) => serve::run(a).await,
            args::Command::Check(a) => check::run(a).await,
            args::Command::Report(c) => report_cmd::run(c),
            args::Command::Validate(a) => validate::run(a),
        }
    });
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
