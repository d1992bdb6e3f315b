//! WinRS, the remote shell of WinRM (MS-WSMV §3.1.4.5, §3.1.4.11-14), as
//! typed operations: what `winrs -r:HOST COMMAND` and pywinrm's `run_cmd` do.
//!
//! ```text
//!   Session::open_shell(ShellOptions)        Create  rsp:Shell (stdin; stdout stderr)      -> RemoteShell (ShellId)
//!     RemoteShell::run(command, args, ..)    Command rsp:CommandLine                       -> RemoteCommand (CommandId)
//!       RemoteCommand::send(bytes, end)      Send    rsp:Stream Name=stdin (base64)
//!       RemoteCommand::receive()             Receive rsp:DesiredStream stdout stderr       -> Received { stdout, stderr, done }
//!                                              long poll: answered when there is output, or with the
//!                                              w:TimedOut fault (2150858793) after OperationTimeout:
//!                                              not an error, an empty Received ("poll again")
//!       RemoteCommand::signal(code)          Signal  ctrl_c, ctrl_break, terminate
//!     RemoteShell::close()                   Delete  (SelectorSet ShellId)
//! ```
//!
//! Every request carries the shell's ResourceURI
//! ([`ns::SHELL_CMD_RESOURCE`]) and its `ShellId` selector; the messages
//! are [`wsman_proto::message::shell`]'s and every exchange goes through
//! [`Session::call`], so faults and transport failures are the crate's
//! [`Error`] (a shell's faults: `w:InvalidSelectors` with WSManFault code
//! 2150858843 for a ShellId or CommandId the endpoint does not know,
//! `w:QuotaLimit` / `w:InternalError` for too many shells).
//!
//! ```no_run
//! use wsman_client::shell::{CommandOptions, ShellOptions};
//! use wsman_client::{Endpoint, Session};
//!
//! # async fn demo() -> Result<(), wsman_client::Error> {
//! let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
//! let shell = session.open_shell(ShellOptions::default()).await?;
//! let output = shell.run("findstr", &["x"], CommandOptions::default()).await?.run_to_end(Some(b"ax\r\nb\r\n")).await?;
//! assert_eq!(output.stdout, b"ax\r\n");
//! assert_eq!(output.exit_code, 0);
//! shell.close().await?;
//! # Ok(()) }
//! ```
//!
//! # Timeouts
//!
//! A Receive waits on the endpoint up to its `wsman:OperationTimeout`, so
//! that timeout must be shorter than the session's exchange deadline
//! ([`Endpoint::timeout`](crate::Endpoint)), or the HTTP exchange gives up
//! before the endpoint answers: [`ShellOptions::receive_timeout`], by
//! default [`default_receive_timeout`] of the deadline. The other
//! operations keep the session's OperationTimeout.

use std::time::Duration;

use wsman_proto::message::shell::{
    shell_id_of, CommandLine, CommandResponse, CommandStateKind, DesiredStream, EnvironmentVariable, Receive, ReceiveResponse, Send, SendResponse, Shell,
    Signal, SignalCode, SignalResponse, Stream,
};
use wsman_proto::message::CreateResponse;
use wsman_proto::selector::WsOption;
use wsman_proto::{ns, Action, FaultKind, OptionSet, XsDuration};

use crate::error::{Error, ErrorKind, ProtocolKind};
use crate::session::{Resource, Session};

/// The WSManFault code of `w:TimedOut`: a Receive's OperationTimeout passed
/// with no output, which clients take as "poll again".
pub const TIMED_OUT_CODE: u32 = 2150858793;

/// The longest default Receive OperationTimeout (what pywinrm sends, `PT20S`).
pub const MAX_DEFAULT_RECEIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Bytes of stdin per `rsp:Send` in [`RemoteCommand::send_all`]: well under
/// a 150 KB MaxEnvelopeSize once base64-encoded.
pub const SEND_CHUNK: usize = 32 * 1024;

/// The Receive OperationTimeout for an exchange deadline: two thirds of
/// it, at most [`MAX_DEFAULT_RECEIVE_TIMEOUT`] (30 s -> 20 s, 3 s -> 2 s).
pub fn default_receive_timeout(deadline: Duration) -> Duration {
    (deadline * 2 / 3).min(MAX_DEFAULT_RECEIVE_TIMEOUT)
}

/// How to create a shell: the `rsp:Shell` body and the Create's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellOptions {
    /// `rsp:WorkingDirectory`.
    pub working_directory: Option<String>,
    /// `rsp:Environment`: variables set for every command of the shell, in order.
    pub environment: Vec<(String, String)>,
    /// `rsp:IdleTimeOut`: the endpoint deletes the shell after this long without a request.
    pub idle_timeout: Option<Duration>,
    /// The `WINRS_CODEPAGE` option: the codepage of the commands' output
    /// and input (437, cmd's default and what pywinrm sends; 65001 is UTF-8).
    pub codepage: Option<u32>,
    /// The `WINRS_NOPROFILE` option: do not load the user's profile.
    pub no_profile: bool,
    /// The `wsman:OperationTimeout` of every Receive; `None` is
    /// [`default_receive_timeout`] of the session's deadline. It must be
    /// shorter than the deadline.
    pub receive_timeout: Option<Duration>,
}

impl Default for ShellOptions {
    /// What pywinrm asks for: codepage 437, no profile, the default Receive timeout.
    fn default() -> ShellOptions {
        ShellOptions { working_directory: None, environment: Vec::new(), idle_timeout: None, codepage: Some(437), no_profile: true, receive_timeout: None }
    }
}

/// How to start a command: the Command's options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandOptions {
    /// `WINRS_CONSOLEMODE_STDIN`: the command's stdin is a console (as typed
    /// at a terminal), not a pipe.
    pub console_mode_stdin: bool,
    /// `WINRS_SKIP_CMD_SHELL`: run the program itself, not under `cmd.exe /c`.
    pub skip_cmd_shell: bool,
}

/// What one Receive brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// The `stdout` chunks, concatenated in order.
    pub stdout: Vec<u8>,
    /// The `stderr` chunks, concatenated in order.
    pub stderr: Vec<u8>,
    /// `Some(exit code)` once the command is Done (the last Receive of it).
    pub done: Option<i64>,
    /// The Receive ended with the `w:TimedOut` fault: nothing arrived within
    /// the OperationTimeout (everything else is empty).
    pub timed_out: bool,
}

/// All a command wrote, and how it ended ([`RemoteCommand::run_to_end`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Everything on stdout.
    pub stdout: Vec<u8>,
    /// Everything on stderr.
    pub stderr: Vec<u8>,
    /// The exit code (a Windows DWORD, or negative).
    pub exit_code: i64,
}

fn option(name: &str, value: impl Into<String>) -> WsOption {
    WsOption { name: name.to_owned(), value: value.into(), must_comply: false, type_: None }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "TRUE"
    } else {
        "FALSE"
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether an error is the Receive long poll's "nothing yet": `w:TimedOut`
/// (by its code and subcode), or a fault carrying WSManFault code 2150858793.
pub fn is_receive_timeout(e: &Error) -> bool {
    e.fault_kind() == Some(FaultKind::TimedOut) || e.fault().is_some_and(|f| f.wsman_code == Some(TIMED_OUT_CODE))
}

impl Session {
    /// Creates a WinRS cmd shell (WS-Transfer Create of `rsp:Shell` with
    /// InputStreams `stdin` and OutputStreams `stdout stderr`). The ShellId
    /// is read from the ResourceCreated selector, else from `rsp:Shell/rsp:ShellId`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] for a [`ShellOptions::receive_timeout`]
    /// that is not shorter than the session's deadline; the Create's fault
    /// (a shell quota), transport or protocol [`Error`];
    /// [`ProtocolKind::Decode`] for an answer without a ShellId.
    pub async fn open_shell(&self, options: ShellOptions) -> Result<RemoteShell, Error> {
        let receive_timeout = match options.receive_timeout {
            Some(t) if t >= self.timeout() || t.is_zero() => {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!("the Receive OperationTimeout {t:?} must be greater than 0 and shorter than the exchange deadline {:?}", self.timeout()),
                ))
            }
            Some(t) => t,
            None => default_receive_timeout(self.timeout()),
        };
        let shell = Shell {
            input_streams: vec!["stdin".to_owned()],
            output_streams: vec!["stdout".to_owned(), "stderr".to_owned()],
            working_directory: options.working_directory.clone(),
            environment: (!options.environment.is_empty())
                .then(|| options.environment.iter().map(|(name, value)| EnvironmentVariable { name: name.clone(), value: value.clone() }).collect()),
            idle_timeout: options.idle_timeout.map(|d| XsDuration::from_millis(millis(d))),
            ..Shell::default()
        };
        let mut resource = Resource::new(ns::SHELL_CMD_RESOURCE);
        if options.no_profile {
            resource.options.options.push(option("WINRS_NOPROFILE", bool_text(true)));
        }
        if let Some(cp) = options.codepage {
            resource.options.options.push(option("WINRS_CODEPAGE", cp.to_string()));
        }
        let created: CreateResponse = self.call(self.header(Action::Create, &resource), shell.to_create(), false).await?;
        let shell_id = shell_id_of(&created)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::protocol(ProtocolKind::Decode, "the shell Create answer has no ShellId (no ResourceCreated selector, no rsp:ShellId)"))?;
        Ok(RemoteShell {
            session: self.clone(),
            resource: Resource::new(ns::SHELL_CMD_RESOURCE).selector("ShellId", shell_id.clone()),
            shell_id,
            receive_timeout,
            closed: false,
        })
    }
}

/// A shell created by [`Session::open_shell`]. [`RemoteShell::close`]
/// deletes it; dropped without that, it is deleted in the background (best
/// effort, as an enumeration is released: [`Session::released`] waits).
#[derive(Debug)]
pub struct RemoteShell {
    session: Session,
    /// The cmd ResourceURI with the ShellId selector.
    resource: Resource,
    shell_id: String,
    receive_timeout: Duration,
    closed: bool,
}

impl RemoteShell {
    /// The endpoint's id of the shell.
    pub fn shell_id(&self) -> &str {
        &self.shell_id
    }

    /// The OperationTimeout of its Receives.
    pub fn receive_timeout(&self) -> Duration {
        self.receive_timeout
    }

    /// The resource the shell's requests address (the cmd URI and the ShellId selector).
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// Starts a command (`rsp:CommandLine`: the command and its arguments,
    /// each argument one `rsp:Arguments`), with the Command options
    /// `WINRS_CONSOLEMODE_STDIN` and `WINRS_SKIP_CMD_SHELL`.
    ///
    /// # Errors
    /// The Command's fault (an unknown shell, a command quota), transport or protocol [`Error`].
    pub async fn run(&self, command: &str, args: &[impl AsRef<str>], options: CommandOptions) -> Result<RemoteCommand, Error> {
        let mut resource = self.resource.clone();
        resource.options = OptionSet::default();
        resource.options.options.push(option("WINRS_CONSOLEMODE_STDIN", bool_text(options.console_mode_stdin)));
        resource.options.options.push(option("WINRS_SKIP_CMD_SHELL", bool_text(options.skip_cmd_shell)));
        let line = CommandLine { command_id: None, command: command.to_owned(), arguments: args.iter().map(|a| a.as_ref().to_owned()).collect() };
        let r: CommandResponse = self.session.call(self.session.header(Action::Command, &resource), line, false).await?;
        Ok(RemoteCommand { session: self.session.clone(), resource: self.resource.clone(), command_id: r.command_id, receive_timeout: self.receive_timeout })
    }

    /// Deletes the shell (WS-Transfer Delete with its ShellId), ending its commands.
    ///
    /// # Errors
    /// The Delete's fault (the endpoint no longer knows the shell), transport or protocol [`Error`].
    pub async fn close(mut self) -> Result<(), Error> {
        self.closed = true;
        self.session.delete(&self.resource).await
    }
}

impl Drop for RemoteShell {
    fn drop(&mut self) {
        if !self.closed {
            let session = self.session.clone();
            let resource = self.resource.clone();
            self.session.in_background(async move {
                // Best effort: the endpoint expires idle shells anyway.
                let _ = session.delete(&resource).await;
            });
        }
    }
}

/// A command started by [`RemoteShell::run`]: cheap to clone, and its
/// operations take `&self`, so that one task can send stdin while another
/// receives. It ends with its shell (or a `terminate` signal).
#[derive(Clone, Debug)]
pub struct RemoteCommand {
    session: Session,
    resource: Resource,
    command_id: String,
    receive_timeout: Duration,
}

impl RemoteCommand {
    /// The endpoint's id of the command.
    pub fn command_id(&self) -> &str {
        &self.command_id
    }

    /// Sends `data` to the command's stdin (one `rsp:Stream`, base64);
    /// `end` closes stdin after it (`End="true"`; `data` may be empty then).
    ///
    /// # Errors
    /// The Send's fault (an unknown command, an envelope too large), transport or protocol [`Error`].
    pub async fn send(&self, data: &[u8], end: bool) -> Result<(), Error> {
        let stream = Stream { name: "stdin".to_owned(), command_id: Some(self.command_id.clone()), end, data: data.to_vec() };
        let _: SendResponse = self.session.call(self.session.header(Action::Send, &self.resource), Send { streams: vec![stream] }, false).await?;
        Ok(())
    }

    /// Sends all of `data` in chunks of [`SEND_CHUNK`] bytes, the last one
    /// with `End` (one empty `End` Send for empty data).
    ///
    /// # Errors
    /// As [`RemoteCommand::send`].
    pub async fn send_all(&self, data: &[u8]) -> Result<(), Error> {
        let mut chunks = data.chunks(SEND_CHUNK).peekable();
        if chunks.peek().is_none() {
            return self.send(&[], true).await;
        }
        while let Some(chunk) = chunks.next() {
            self.send(chunk, chunks.peek().is_none()).await?;
        }
        Ok(())
    }

    /// One Receive of stdout and stderr, waiting on the endpoint up to the
    /// shell's [`RemoteShell::receive_timeout`]. The `w:TimedOut` fault
    /// that ends a long poll without output is not an error: it is an empty
    /// [`Received`] with `timed_out` set. Call again until `done`.
    ///
    /// # Errors
    /// Any other fault (an unknown command), transport or protocol [`Error`];
    /// [`ProtocolKind::Decode`] for a Done state without an ExitCode.
    pub async fn receive(&self) -> Result<Received, Error> {
        let mut header = self.session.header(Action::Receive, &self.resource);
        header.operation_timeout = Some(XsDuration::from_millis(millis(self.receive_timeout)));
        let request = Receive {
            sequence_id: None,
            desired_stream: DesiredStream { command_id: Some(self.command_id.clone()), names: vec!["stdout".to_owned(), "stderr".to_owned()] },
        };
        let r: ReceiveResponse = match self.session.call(header, request, false).await {
            Ok(r) => r,
            Err(e) if is_receive_timeout(&e) => return Ok(Received { timed_out: true, ..Received::default() }),
            Err(e) => return Err(e),
        };
        let done = match &r.command_state {
            Some(cs) if cs.state == CommandStateKind::Done => {
                Some(cs.exit_code.ok_or_else(|| Error::protocol(ProtocolKind::Decode, "rsp:CommandState is Done without rsp:ExitCode").with_status(200))?)
            }
            _ => None,
        };
        Ok(Received { stdout: r.data_of("stdout"), stderr: r.data_of("stderr"), done, timed_out: false })
    }

    /// Sends a signal: `ctrl_c` or `ctrl_break` to interrupt, `terminate`
    /// to end the command and free it on the endpoint.
    ///
    /// # Errors
    /// The Signal's fault (an unknown command), transport or protocol [`Error`].
    pub async fn signal(&self, code: SignalCode) -> Result<(), Error> {
        let signal = Signal { command_id: Some(self.command_id.clone()), code };
        let _: SignalResponse = self.session.call(self.session.header(Action::Signal, &self.resource), signal, false).await?;
        Ok(())
    }

    /// Runs the command to its end as pywinrm's `run_cmd` does: sends
    /// `stdin` when given ([`RemoteCommand::send_all`], so it ends with
    /// End; `None` sends nothing, for a command that reads no input),
    /// receives until Done across the long polls' timeouts, then signals
    /// `terminate` so that the endpoint frees the command.
    ///
    /// A Send that fails is not the end: a command may exit before it
    /// reads all its input, which the next Receive tells (Done). When that
    /// Receive times out or fails instead, the command is waiting for input
    /// that cannot be delivered, and the Send's error is returned.
    ///
    /// # Errors
    /// The first failed operation's [`Error`] (the Send's, as above).
    pub async fn run_to_end(&self, stdin: Option<&[u8]>) -> Result<Output, Error> {
        let mut send_failed = match stdin {
            Some(data) => self.send_all(data).await.err(),
            None => None,
        };
        let mut out = Output::default();
        let exit_code = loop {
            let r = match (self.receive().await, send_failed.take()) {
                (Ok(r), Some(e)) if r.done.is_none() && r.timed_out => return Err(e),
                (Err(_), Some(e)) => return Err(e),
                (r, failed) => {
                    send_failed = failed;
                    r?
                }
            };
            out.stdout.extend_from_slice(&r.stdout);
            out.stderr.extend_from_slice(&r.stderr);
            if let Some(code) = r.done {
                break code;
            }
        };
        out.exit_code = exit_code;
        self.signal(SignalCode::Terminate).await?;
        Ok(out)
    }
}
