//! `shell`: one command in a WinRS cmd shell, as `winrs -r:URL COMMAND`:
//! the remote stdout and stderr written here as each chunk arrives, local
//! stdin sent there, the remote exit code returned as this process's.
//!
//! ```text
//!   open_shell ─ run ─┬─ receive loop: stdout/stderr chunks -> ours (flushed), until Done(exit code)
//!                     ├─ stdin feeder: a pipe -> Send chunks, End at EOF; -i: a Send per line, End at Ctrl-D;
//!                     │                a terminal without -i -> End at once (as winrs with no input)
//!                     └─ Ctrl-C: the first sends ctrl_c and keeps receiving; the second gives up (exit 130)
//!   always, on the way out (Done, error, Ctrl-C twice): Signal terminate, Delete the shell
//! ```
//!
//! Exit status: the remote exit code mapped to a Unix status by its low
//! byte (`code & 0xFF`), except that a non-zero code whose low byte is 0
//! (256, 0xC0000100, ...) exits 1, so a failure is never reported as
//! success; 130 after Ctrl-C twice; an error of the exchange exits as the
//! other client commands ([`super::output::fail`]: 1 for a fault, 2 for an
//! unreachable endpoint), whenever it comes.

use std::io::{IsTerminal, Read, Write};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use wsman_client::message::shell::SignalCode;
use wsman_client::shell::{CommandOptions, RemoteCommand, ShellOptions, SEND_CHUNK};
use wsman_client::{Error, Session};

use super::output::{self, Wire};
use super::values;
use crate::args::{ShellArgs, DEFAULT_CLIENT_ENDPOINT};

/// How long past one Receive timeout a failed Send waits for the command's Done.
const GRACE: Duration = Duration::from_secs(2);

/// Exit status after Ctrl-C twice (128 + SIGINT, as a shell reports it).
const EXIT_INTERRUPTED: u8 = 130;

/// The exit status for a remote exit code: its low byte, or 1 for a
/// non-zero code whose low byte is 0.
pub(crate) fn exit_status(code: i64) -> u8 {
    match (code, (code & 0xFF) as u8) {
        (0, _) => 0,
        (_, 0) => 1,
        (_, low) => low,
    }
}

/// Where the command's stdin comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// No input: End at once (a terminal without -i).
    None,
    /// A pipe or a file, in chunks as read.
    Piped,
    /// A line at a time (-i).
    Lines,
}

/// How the command session ended.
#[derive(Debug)]
enum Outcome {
    /// Done, with the remote exit code.
    Exited(i64),
    /// Ctrl-C twice.
    Interrupted,
    /// The endpoint failed (the error is printed as the client commands print it).
    Failed(Error),
    /// Writing our stdout or stderr failed (a closed pipe).
    Local(String),
}

/// Runs `shell`.
pub(crate) async fn run(a: ShellArgs) -> Result<ExitCode, String> {
    let environment = values::parse_all(&a.env, "--env")?;
    if let Some(t) = a.receive_timeout {
        if t >= a.conn.timeout {
            return Err(format!("--receive-timeout {t:?} must be shorter than --timeout {:?}", a.conn.timeout));
        }
    }
    let url = a.conn.endpoint.clone().unwrap_or_else(|| DEFAULT_CLIENT_ENDPOINT.to_owned());
    let wire = Arc::new(Wire::new(a.dump, false));
    let endpoint = crate::connection::target(&a.conn, &url)?.with_observer(wire);
    let session = Session::new(endpoint).map_err(|e| e.to_string())?;
    let options = ShellOptions {
        working_directory: a.workdir.clone(),
        environment,
        codepage: Some(a.codepage),
        receive_timeout: a.receive_timeout,
        ..ShellOptions::default()
    };
    let input = match (a.interactive, std::io::stdin().is_terminal()) {
        (true, _) => Input::Lines,
        (false, true) => Input::None,
        (false, false) => Input::Piped,
    };
    // Installed before the shell exists, so that a Ctrl-C never leaves it behind.
    let mut interrupts = Interrupts::install();

    let shell = match session.open_shell(options).await {
        Ok(s) => s,
        Err(e) => return Ok(output::fail(&e, &url)),
    };
    let command_options = CommandOptions { console_mode_stdin: a.interactive, skip_cmd_shell: a.skip_cmd_shell };
    let outcome = match shell.run(&a.command, &a.args, command_options).await {
        Ok(cmd) => {
            let outcome = converse(&cmd, input, &mut interrupts, shell.receive_timeout()).await;
            // Frees the command on the endpoint; after a failure, best effort.
            let terminated = cmd.signal(SignalCode::Terminate).await;
            match (outcome, terminated) {
                (Outcome::Exited(code), Err(e)) => {
                    eprintln!("warning: the command ended, but its terminate signal failed: {e}");
                    Outcome::Exited(code)
                }
                (o, _) => o,
            }
        }
        Err(e) => Outcome::Failed(e),
    };
    let closed = shell.close().await;
    Ok(match outcome {
        Outcome::Exited(code) => {
            if let Err(e) = closed {
                eprintln!("warning: the command ended, but deleting its shell failed: {e}");
            }
            ExitCode::from(exit_status(code))
        }
        Outcome::Interrupted => ExitCode::from(EXIT_INTERRUPTED),
        Outcome::Failed(e) => output::fail(&e, &url),
        Outcome::Local(message) => {
            eprintln!("error: {message}");
            ExitCode::from(output::EXIT_FAULT)
        }
    })
}

/// Receives to the end while the feeder sends stdin and Ctrl-C is watched.
async fn converse(cmd: &RemoteCommand, input: Input, interrupts: &mut Interrupts, receive_timeout: Duration) -> Outcome {
    let mut feeder = tokio::spawn(feed(cmd.clone(), input));
    let receiving = receive_to_end(cmd);
    tokio::pin!(receiving);
    let mut feeding = true;
    // After a failed Send: the error, and until when the receive loop may
    // still show that the command ended without needing that input.
    let mut send_failed: Option<(Error, Pin<Box<tokio::time::Sleep>>)> = None;
    let outcome = loop {
        let grace = async {
            match &mut send_failed {
                Some((_, sleep)) => sleep.as_mut().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            outcome = &mut receiving => break outcome,
            fed = &mut feeder, if feeding => {
                feeding = false;
                match fed {
                    Ok(Ok(())) => {}
                    // The command may have ended before it read all its
                    // input (the next Receive says Done within one long
                    // poll); otherwise the input cannot be delivered, so
                    // give up rather than wait forever.
                    Ok(Err(e)) => send_failed = Some((e, Box::pin(tokio::time::sleep(receive_timeout + GRACE)))),
                    Err(join) => break Outcome::Local(format!("the stdin task failed: {join}")),
                }
            }
            () = grace => {
                if let Some((e, _)) = send_failed.take() {
                    break Outcome::Failed(e);
                }
            }
            n = interrupts.next() => {
                if n >= 2 {
                    break Outcome::Interrupted;
                }
                // Sent aside, so that the Receive in flight (and its output) is not dropped.
                let cmd = cmd.clone();
                tokio::spawn(async move {
                    if let Err(e) = cmd.signal(SignalCode::CtrlC).await {
                        eprintln!("warning: the ctrl_c signal failed: {e}");
                    }
                });
            }
        }
    };
    feeder.abort();
    outcome
}

fn write_out(stdout: &[u8], stderr: &[u8]) -> Result<(), String> {
    fn put(mut w: impl Write, bytes: &[u8], name: &str) -> Result<(), String> {
        if bytes.is_empty() {
            return Ok(());
        }
        w.write_all(bytes).and_then(|()| w.flush()).map_err(|e| format!("writing {name}: {e}"))
    }
    put(std::io::stdout().lock(), stdout, "stdout")?;
    put(std::io::stderr().lock(), stderr, "stderr")
}

/// Receives until Done, writing each chunk as it comes.
async fn receive_to_end(cmd: &RemoteCommand) -> Outcome {
    loop {
        match cmd.receive().await {
            Ok(r) => {
                if let Err(e) = write_out(&r.stdout, &r.stderr) {
                    return Outcome::Local(e);
                }
                if let Some(code) = r.done {
                    return Outcome::Exited(code);
                }
            }
            Err(e) => return Outcome::Failed(e),
        }
    }
}

/// Sends stdin to the command as it is read, then End.
async fn feed(cmd: RemoteCommand, input: Input) -> Result<(), Error> {
    if input == Input::None {
        return cmd.send(&[], true).await;
    }
    let mut chunks = read_stdin(input == Input::Lines);
    while let Some(chunk) = chunks.recv().await {
        cmd.send(&chunk, false).await?;
    }
    cmd.send(&[], true).await
}

/// Local stdin on a thread of its own, as chunks (or lines) on a channel
/// that closes at end of file or on a read error. Not tokio's stdin: its
/// blocking read cannot be cancelled and would hold the runtime's shutdown
/// until the user pressed Enter; this thread just ends with the process.
fn read_stdin(lines: bool) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut stdin = stdin.lock();
        let mut buf = vec![0u8; SEND_CHUNK];
        let mut line = Vec::new();
        loop {
            let chunk = if lines {
                line.clear();
                match std::io::BufRead::read_until(&mut stdin, b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => line.clone(),
                }
            } else {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf[..n].to_vec(),
                }
            };
            if tx.blocking_send(chunk).is_err() {
                break;
            }
        }
    });
    rx
}

/// Counts Ctrl-C presses (SIGINT) from the moment it is installed.
struct Interrupts {
    rx: mpsc::UnboundedReceiver<()>,
    count: u32,
}

impl Interrupts {
    /// Registers the handler now (not when first polled). On Unix one
    /// SIGINT stream, so that no press between two waits is lost.
    fn install() -> Interrupts {
        let (tx, rx) = mpsc::unbounded_channel();
        #[cfg(unix)]
        let stream = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        tokio::spawn(async move {
            #[cfg(unix)]
            if let Ok(mut stream) = stream {
                while stream.recv().await.is_some() {
                    if tx.send(()).is_err() {
                        return;
                    }
                }
                return;
            }
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
        Interrupts { rx, count: 0 }
    }

    /// Waits for the next Ctrl-C and gives the count so far (forever if
    /// none can come).
    async fn next(&mut self) -> u32 {
        match self.rx.recv().await {
            Some(()) => {
                self.count += 1;
                self.count
            }
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::exit_status;

    #[test]
    fn remote_exit_codes_map_to_their_low_byte_and_never_to_success() {
        assert_eq!(exit_status(0), 0);
        assert_eq!(exit_status(1), 1);
        assert_eq!(exit_status(7), 7);
        assert_eq!(exit_status(300), 44);
        assert_eq!(exit_status(256), 1, "a low byte of 0 is still a failure");
        assert_eq!(exit_status(0xC000_0100), 1);
        assert_eq!(exit_status(0xC000_013A), 0x3A, "STATUS_CONTROL_C_EXIT");
        assert_eq!(exit_status(-1), 255);
    }
}
