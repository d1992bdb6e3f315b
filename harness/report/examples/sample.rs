//! Writes the test suite's sample report (every status, one failed case with
//! traffic) in all four formats into the directory given as the only
//! argument, for the external checks under tests/ (junit_check.py,
//! html_check.py):
//!
//! ```text
//! cargo run -p report --example sample -- target/report-sample
//! ```

#[path = "../tests/it/fixture.rs"]
#[allow(dead_code, unreachable_pub)]
mod fixture;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: sample DIR");
        return ExitCode::from(2);
    };
    match report::write_all(&fixture::sample(), &dir, &report::Format::ALL) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write to {}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}
