//! Shared by the binary's test files: the binary, and `serve` as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The built `wsman-harness`.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
}

/// A `serve` child process with user `u:p`, stopped (SIGTERM) when dropped.
pub(crate) struct Served {
    child: std::process::Child,
    /// The URL of its `scheme` listener, from the readiness line.
    pub(crate) url: String,
}

impl Served {
    /// Starts `serve` on ephemeral loopback ports (an https listener too
    /// when `scheme` is https) with `args`, and waits for the readiness line
    /// of `scheme` (never a sleep).
    pub(crate) fn start(scheme: &str, args: &[&str]) -> Served {
        let mut cmd = bin();
        cmd.args(["serve", "--http", "127.0.0.1:0", "--user", "u:p"]);
        if scheme == "https" {
            cmd.args(["--https", "127.0.0.1:0"]);
        }
        let mut child = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("starts");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let prefix = format!("listening on {scheme}://");
        let mut url = None;
        for line in lines {
            let line = line.expect("utf-8");
            if line.starts_with(&prefix) {
                url = line.strip_prefix("listening on ").map(str::to_owned);
                break;
            }
        }
        Served { child, url: url.expect("a readiness line") }
    }
}

impl Served {
    /// The process id of `serve`.
    #[allow(dead_code)]
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}
