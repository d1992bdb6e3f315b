//! The processes of a WinRS shell (MS-WSMV §4.7.2 Execute Command, §4.7.3
//! Receive Output, §4.7.4 Send Input, §4.7.5 Terminate Operation; signal codes
//! §2.2.5.6): a built-in, deterministic command interpreter. The
//! reference server never runs host programs; a [`Command`] interprets a
//! cmd-like command set (see [`cmd`]) and a PowerShell subset (see
//! [`powershell`]) over an in-memory file tree ([`FsTree`]).
//!
//! ```text
//!  rsp:Command ──► Running ──poll(now): output produced────────► Running
//!                   │  ├──send_stdin(bytes, end) (buffered; consumed by the next poll)
//!                   │  ├──poll(now): the last step of the line ends──► Done { exit_code }
//!                   │  └──signal(ctrl_c | ctrl_break | terminate)──► Done { exit_code of the signal }
//!                   └── Done: poll returns what is left undelivered, then empty output; signals
//!                       and stdin are ignored (a Send racing the end of a process is not an error)
//! ```
//!
//! Sans-IO: nothing here reads the clock or sleeps. The caller passes `now`
//! to [`Command::new`] and [`Command::poll`], and asks [`Command::next_wakeup`]
//! when output that streams over time (`ping`) falls due.
//!
//! Exactly once, in order: every byte a command writes is held in one
//! undelivered buffer per stream and handed out by exactly one `poll`, so the
//! concatenation of all polls is the same whatever the stdin chunking and the
//! poll times (a property test checks this).
//!
//! Output is encoded as cmd writes it to a pipe: CRLF line ends, text in the
//! shell's codepage (WINRS_CODEPAGE): 437 (the default OEM codepage) or 65001
//! (UTF-8). ASCII text is the same bytes in both; other characters are encoded
//! in CP437 or UTF-8 (a character CP437 lacks becomes `?`, as Windows' best-fit
//! conversion of an unmappable character does). Stdin bytes that a command
//! echoes (`more`, `findstr`, `type con`) pass through unchanged.

pub mod cmd;
pub mod fs;
pub mod powershell;
pub mod store;

use std::time::Instant;

pub use fs::FsTree;
pub use store::{CommandEntry, ShellError, ShellInfo, ShellLimits, ShellSettings, ShellStore};

/// The exit code of a process ended by Ctrl+C or Ctrl+Break
/// (`STATUS_CONTROL_C_EXIT`, 0xC000013A = 3221225786), the code Windows gives
/// a console process that a console control event ends \[M\].
pub const STATUS_CONTROL_C_EXIT: u32 = 0xC000_013A;

/// The exit code of a process ended by the `terminate` signal. WinRS ends the
/// process with TerminateProcess; the code it passes is not documented, and
/// this interpreter chooses 1 (the usual "killed" convention) \[M\].
pub const TERMINATE_EXIT_CODE: u32 = 1;

/// The simulated host a command runs on (what `hostname`, `whoami` and `ver`
/// report). `os_version` is the host's `Win32_OperatingSystem.Version`, with
/// or without the update build revision (`10.0.20348` or `10.0.20348.2227`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The computer name (`hostname`, `%COMPUTERNAME%`).
    pub machine: String,
    /// The user's domain (`whoami` prints `domain\user` in lower case).
    pub domain: String,
    /// The user name.
    pub user: String,
    /// The operating system version, as `ver` prints it.
    pub os_version: String,
}

/// The codepage of a shell's text (WINRS_CODEPAGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codepage {
    /// OEM United States (437), cmd's default.
    #[default]
    Oem437,
    /// UTF-8 (65001).
    Utf8,
}

impl Codepage {
    /// The codepage of a WINRS_CODEPAGE value; `None` for one this interpreter lacks.
    pub fn from_number(n: u32) -> Option<Self> {
        match n {
            437 => Some(Codepage::Oem437),
            65001 => Some(Codepage::Utf8),
            _ => None,
        }
    }

    /// Encodes text as a process of this codepage writes it.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Codepage::Utf8 => text.as_bytes().to_vec(),
            Codepage::Oem437 => text.chars().map(cp437_byte).collect(),
        }
    }
}

/// The upper half (0x80-0xFF) of codepage 437.
const CP437_HIGH: &str =
    "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

fn cp437_byte(c: char) -> u8 {
    if c.is_ascii() {
        return c as u8;
    }
    CP437_HIGH.chars().position(|h| h == c).and_then(|i| u8::try_from(0x80 + i).ok()).unwrap_or(b'?')
}

/// How a command is launched: the `rsp:CommandLine` of a Command request
/// (MS-WSMV §4.7.2) and the shell it runs in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Launch {
    /// `rsp:Command`.
    pub command: String,
    /// The `rsp:Arguments`, joined to the command with single spaces.
    pub arguments: Vec<String>,
    /// The shell's `rsp:Environment` variables, over the host's defaults.
    pub environment: Vec<(String, String)>,
    /// The shell's `rsp:WorkingDirectory`; `None`: the user's profile directory.
    pub working_directory: Option<String>,
    /// WINRS_CODEPAGE.
    pub codepage: Codepage,
    /// WINRS_SKIP_CMD_SHELL: run the program directly, not under `cmd.exe /c`
    /// (no `%VAR%` expansion, no `&&`, no cmd built-ins).
    pub skip_cmd_shell: bool,
}

impl Launch {
    /// A launch of `command` with `arguments` and default shell settings.
    pub fn new(command: &str, arguments: &[&str]) -> Self {
        Launch { command: command.to_string(), arguments: arguments.iter().map(|a| a.to_string()).collect(), ..Launch::default() }
    }

    fn command_line(&self) -> String {
        let mut line = self.command.clone();
        for a in &self.arguments {
            line.push(' ');
            line.push_str(a);
        }
        line
    }
}

/// Why a command could not start (the server answers these with a fault,
/// as WinRS does when CreateProcess fails).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// WINRS_SKIP_CMD_SHELL named something that is no program (a cmd built-in, or unknown).
    #[error("the program {program:?} was not found")]
    ProgramNotFound {
        /// The program as named.
        program: String,
    },
    /// The working directory is not a directory of the tree.
    #[error("the working directory {0:?} does not exist")]
    WorkingDirectoryNotFound(String),
}

/// Stdin that a command can no longer take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Stdin was sent after a Send that carried `End`.
    #[error("stdin was already closed by End")]
    AfterEnd,
}

/// A signal code of `rsp:Signal` (MS-WSMV §2.2.5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `.../signal/ctrl_c`.
    CtrlC,
    /// `.../signal/ctrl_break`.
    CtrlBreak,
    /// `.../signal/terminate`.
    Terminate,
}

impl Signal {
    /// The exit code a running command ends with.
    pub fn exit_code(self) -> u32 {
        match self {
            Signal::CtrlC | Signal::CtrlBreak => STATUS_CONTROL_C_EXIT,
            Signal::Terminate => TERMINATE_EXIT_CODE,
        }
    }
}

/// `rsp:CommandState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandState {
    /// Still running: more output may come.
    Running,
    /// Ended; no output follows what this poll (and the earlier ones) returned.
    Done {
        /// `rsp:ExitCode`.
        exit_code: u32,
    },
}

/// What one poll hands out: only bytes no earlier poll returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// New stdout bytes.
    pub stdout: Vec<u8>,
    /// New stderr bytes.
    pub stderr: Vec<u8>,
    /// The state after these bytes.
    pub state: CommandState,
}

/// The stdin of a process: what was sent and not yet read, and whether End came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Stdin {
    pub(crate) buf: Vec<u8>,
    pub(crate) end: bool,
}

impl Stdin {
    /// Stdin that holds `bytes` and is closed.
    pub(crate) fn closed(bytes: Vec<u8>) -> Self {
        Stdin { buf: bytes, end: true }
    }
}

/// Where a step writes.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
}

/// One process of a shell (`rsp:Command` … `rsp:Signal`).
#[derive(Debug)]
pub struct Command {
    session: Option<cmd::Session>,
    stdin: Stdin,
    sink: Sink,
    state: CommandState,
}

impl Command {
    /// Starts `launch` on `host` over the tree `fs` at `now`. Nothing runs
    /// until the first [`Command::poll`].
    pub fn new(launch: &Launch, host: &Host, fs: FsTree, now: Instant) -> Result<Self, LaunchError> {
        let session = cmd::Session::new(launch, host, fs, now)?;
        Ok(Command { session: Some(session), stdin: Stdin::default(), sink: Sink::default(), state: CommandState::Running })
    }

    /// Buffers stdin (`rsp:Send`); `end` closes it. Stdin sent to a command
    /// that has ended is dropped, as a pipe to an exited process drops it.
    pub fn send_stdin(&mut self, bytes: &[u8], end: bool) -> Result<(), SendError> {
        if self.stdin.end && (!bytes.is_empty() || !end) && self.session.is_some() {
            return Err(SendError::AfterEnd);
        }
        if self.session.is_some() {
            self.stdin.buf.extend_from_slice(bytes);
            self.stdin.end |= end;
        }
        Ok(())
    }

    /// Delivers a signal: a running command ends with [`Signal::exit_code`];
    /// output it wrote before is still delivered. Ignored once Done.
    pub fn signal(&mut self, signal: Signal) {
        if self.session.take().is_some() {
            self.state = CommandState::Done { exit_code: signal.exit_code() };
        }
    }

    /// Runs what can run at `now` and returns the bytes not delivered before.
    pub fn poll(&mut self, now: Instant) -> Output {
        if let Some(session) = &mut self.session {
            if let Some(exit_code) = session.run(&mut self.stdin, &mut self.sink, now) {
                self.session = None;
                self.state = CommandState::Done { exit_code };
            }
        }
        Output { stdout: std::mem::take(&mut self.sink.stdout), stderr: std::mem::take(&mut self.sink.stderr), state: self.state }
    }

    /// When output that streams over time next falls due (`None`: nothing is
    /// due by time alone: the command waits for stdin, or has ended).
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.session.as_ref().and_then(cmd::Session::next_wakeup)
    }

    /// True once the command has ended.
    pub fn is_done(&self) -> bool {
        matches!(self.state, CommandState::Done { .. })
    }
}

#[cfg(test)]
mod tests;
