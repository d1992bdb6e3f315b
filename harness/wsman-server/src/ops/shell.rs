//! WinRS (MS-WSMV §3.1.4.1 Create and Delete of the cmd resource,
//! §3.1.4.11 Command, §3.1.4.12 Signal, §3.1.4.13 Send, §3.1.4.14 Receive)
//! over the sans-IO [`ShellStore`] of wsman-proto. This module only maps
//! requests to store calls, store errors to the faults Windows answers with,
//! and does the waiting of a Receive.
//!
//! ```text
//!  Create rsp:Shell ─► ResourceCreated{ShellId} + rsp:Shell
//!  Command(ShellId) ─► CommandResponse{CommandId}
//!  Send(ShellId, stdin@CommandId) ─► SendResponse        (wakes a waiting Receive)
//!  Receive(ShellId, DesiredStream@CommandId)
//!     output ready ──────────────► ReceiveResponse{Stream*, CommandState Running|Done+ExitCode}
//!     nothing before OperationTimeout ─► s:Receiver w:TimedOut, 2150858793 ("poll again")
//!  Signal(ShellId, @CommandId, Code) ─► SignalResponse     (wakes a waiting Receive)
//!  Delete(ShellId) ─► DeleteResponse                       (wakes every waiting Receive of the shell)
//! ```
//!
//! Unknown ShellId or CommandId: `w:InvalidSelectors` with the
//! UnexpectedSelectors detail and code 2150858843, as Windows answers (pypsrp
//! recording `test_winrs_bad_cmd_id`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::message::{self, shell as rsp, DeleteResponse, Message};
use wsman_proto::state::shell::{Codepage, CommandState, FsTree, Host, Launch, LaunchError, Output, ShellError, ShellSettings, Signal};
use wsman_proto::{Action, XsDuration};

use super::{Ctx, Reply};
use crate::defects::Defect;
use crate::State;

/// What every process of the simulated host reports as its OS version (the
/// host's `Win32_OperatingSystem.Version`).
const OS_VERSION: &str = "10.0.20348";

/// WSManFault code of an unknown shell or command (ERROR_WSMAN_UNEXPECTED_SELECTORS).
const UNEXPECTED_SELECTORS: u32 = 2_150_858_843;
/// WSManFault code of a Receive whose OperationTimeout passed (ERROR_WSMAN_OPERATION_TIMEDOUT).
const OPERATION_TIMEDOUT: u32 = 2_150_858_793;
/// Win32 ERROR_INVALID_PARAMETER, as the cmd plugin answers a bad parameter.
const ERROR_INVALID_PARAMETER: u32 = 87;
/// HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND): a program that does not exist.
const HRESULT_FILE_NOT_FOUND: u32 = 2_147_942_402;
/// HRESULT_FROM_WIN32(ERROR_DIRECTORY): a working directory that is no directory.
const HRESULT_DIRECTORY: u32 = 2_147_942_667;
/// The quota code Windows uses for too many shells of one user (0x803381A5).
const SHELL_QUOTA: u32 = 2_150_859_173;

/// The per-command waiter kept in the store: woken when stdin, a signal or
/// the deletion of the shell changes what a waiting Receive would see.
pub(crate) type Waiter = Arc<Notify>;

/// A parsed WinRS request.
pub(crate) enum ShellOp {
    Create(Box<CreateShell>),
    Delete { shell: String },
    Command(RunCommand),
    Send { shell: String, streams: Vec<rsp::Stream> },
    Receive { shell: String, command: String, names: Vec<String> },
    Signal { shell: String, command: String, signal: Signal },
}

pub(crate) struct CreateShell {
    shell: rsp::Shell,
    settings: ShellSettings,
    address: String,
}

pub(crate) struct RunCommand {
    shell: String,
    command_id: Option<String>,
    launch: Launch,
}

fn parameter_incorrect(why: &str) -> Fault {
    Fault::new(FaultKind::InvalidParameter, format!("The parameter is incorrect. ({why})"))
        .with_detail(FaultDetail::InvalidValue)
        .with_code(ERROR_INVALID_PARAMETER)
}

fn unknown_shell(id: &str) -> Fault {
    Fault::new(
        FaultKind::InvalidSelectors,
        format!(
            "The request for the Windows Remote Shell with ShellId {id} failed because the shell was not found on the server. Possible causes are: the \
             specified ShellId is incorrect or the shell no longer exists on the server."
        ),
    )
    .with_detail(FaultDetail::UnexpectedSelectors)
    .with_code(UNEXPECTED_SELECTORS)
}

fn unknown_command() -> Fault {
    Fault::new(
        FaultKind::InvalidSelectors,
        "The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has \
         completed execution or the client specified an invalid command identifier.",
    )
    .with_detail(FaultDetail::UnexpectedSelectors)
    .with_code(UNEXPECTED_SELECTORS)
}

/// The fault Windows answers each store error with.
fn to_fault(e: ShellError) -> Fault {
    match e {
        ShellError::UnknownShell(id) => unknown_shell(&id),
        ShellError::UnknownCommand(_) => unknown_command(),
        ShellError::DuplicateCommand(id) => parameter_incorrect(&format!("the CommandId {id} is already in use in this shell")),
        ShellError::ShellQuota(n) => Fault::new(
            FaultKind::QuotaLimit,
            format!(
                "The WS-Management service cannot process the request. This user is allowed a maximum number of {n} concurrent shells, which has been \
                 exceeded. Close existing shells or raise the quota for this user."
            ),
        )
        .with_code(SHELL_QUOTA),
        ShellError::CommandQuota(n) => Fault::new(
            FaultKind::QuotaLimit,
            format!(
                "The WS-Management service cannot process the request. This shell is allowed a maximum number of {n} concurrent processes, which has been \
                 exceeded. Wait for running commands to end or raise MaxProcessesPerShell."
            ),
        ),
        ShellError::Launch(LaunchError::ProgramNotFound { program }) => {
            Fault::new(FaultKind::InternalError, format!("The system cannot find the file specified. ({program})")).with_code(HRESULT_FILE_NOT_FOUND)
        }
        ShellError::Launch(LaunchError::WorkingDirectoryNotFound(dir)) => {
            Fault::new(FaultKind::InternalError, format!("The directory name is invalid. ({dir})")).with_code(HRESULT_DIRECTORY)
        }
        ShellError::Send(e) => parameter_incorrect(&e.to_string()),
    }
}

/// The ShellId selector every request on a shell carries.
fn shell_id(env: &Envelope) -> Result<String, Fault> {
    let sel = env.header.selectors.clone().unwrap_or_default();
    if let Some(s) = sel.selectors.iter().find(|s| !s.name.eq_ignore_ascii_case("ShellId")) {
        return Err(Fault::new(FaultKind::InvalidSelectors, format!("the selector {} is not a key of the shell resource", s.name))
            .with_detail(FaultDetail::UnexpectedSelectors));
    }
    match sel.get("ShellId") {
        Some(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        _ => Err(Fault::new(FaultKind::InvalidSelectors, "the ShellId selector is missing").with_detail(FaultDetail::InsufficientSelectors)),
    }
}

fn option<'e>(env: &'e Envelope, name: &str) -> Option<&'e str> {
    env.header.options.as_ref()?.options.iter().find(|o| o.name.eq_ignore_ascii_case(name)).map(|o| o.value.trim())
}

fn option_true(env: &Envelope, name: &str) -> Result<bool, Fault> {
    match option(env, name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
        Some(v) => {
            Err(Fault::new(FaultKind::InvalidOptions, format!("the option {name} must be TRUE or FALSE, not {v:?}")).with_detail(FaultDetail::OptionSet))
        }
    }
}

fn required_command_id(id: Option<String>, element: &str) -> Result<String, Fault> {
    id.filter(|i| !i.is_empty()).ok_or_else(|| parameter_incorrect(&format!("{element} names no CommandId")))
}

impl ShellOp {
    /// Parses a request on the cmd shell resource; `action` is not Get, Put or Enumerate.
    pub(crate) fn parse(action: &Action, env: &Envelope) -> Result<Option<ShellOp>, Fault> {
        Ok(Some(match action {
            Action::Create => {
                let create = message::Create::decode(&env.body)?;
                let shell = rsp::Shell::from_create(&create).map_err(|e| Fault::new(FaultKind::InvalidRepresentation, e.to_string()))?;
                let codepage = match option(env, "WINRS_CODEPAGE") {
                    None => Codepage::default(),
                    Some(v) => v.parse::<u32>().ok().and_then(Codepage::from_number).ok_or_else(|| {
                        Fault::new(FaultKind::InvalidOptions, format!("WINRS_CODEPAGE {v} is not supported by this host (437 or 65001)"))
                            .with_detail(FaultDetail::OptionSet)
                    })?,
                };
                option_true(env, "WINRS_NOPROFILE")?;
                let settings = ShellSettings {
                    environment: shell.environment.iter().flatten().map(|v| (v.name.clone(), v.value.clone())).collect(),
                    working_directory: shell.working_directory.clone(),
                    codepage,
                    idle_timeout: shell.idle_timeout.map(|d| d.to_std()),
                    input_streams: if shell.input_streams.is_empty() { vec!["stdin".into()] } else { shell.input_streams.clone() },
                    output_streams: if shell.output_streams.is_empty() { vec!["stdout".into(), "stderr".into()] } else { shell.output_streams.clone() },
                };
                let address = env.header.to.clone().unwrap_or_else(|| wsman_proto::ns::WSA_ANONYMOUS.to_owned());
                ShellOp::Create(Box::new(CreateShell { shell, settings, address }))
            }
            Action::Delete => {
                message::Delete::decode(&env.body)?;
                ShellOp::Delete { shell: shell_id(env)? }
            }
            Action::Command => {
                let shell = shell_id(env)?;
                let line = rsp::CommandLine::decode(&env.body)?;
                option_true(env, "WINRS_CONSOLEMODE_STDIN")?;
                let mut launch = Launch { command: line.command, arguments: line.arguments, ..Launch::default() };
                launch.skip_cmd_shell = option_true(env, "WINRS_SKIP_CMD_SHELL")?;
                ShellOp::Command(RunCommand { shell, command_id: line.command_id, launch })
            }
            Action::Send => {
                let shell = shell_id(env)?;
                let send = rsp::Send::decode(&env.body)?;
                for s in &send.streams {
                    if s.command_id.as_deref().is_none_or(str::is_empty) {
                        return Err(parameter_incorrect("rsp:Stream names no CommandId"));
                    }
                }
                ShellOp::Send { shell, streams: send.streams }
            }
            Action::Receive => {
                let shell = shell_id(env)?;
                let receive = rsp::Receive::decode(&env.body)?;
                let command = receive.require_command_id().map_err(|_| parameter_incorrect("rsp:DesiredStream names no CommandId"))?.to_owned();
                ShellOp::Receive { shell, command, names: receive.desired_stream.names }
            }
            Action::Signal => {
                let shell = shell_id(env)?;
                let signal = rsp::Signal::decode(&env.body)?;
                let command = required_command_id(signal.command_id, "rsp:Signal")?;
                let signal = match signal.code {
                    rsp::SignalCode::Terminate => Signal::Terminate,
                    rsp::SignalCode::CtrlC | rsp::SignalCode::PowerShellCtrlC => Signal::CtrlC,
                    rsp::SignalCode::CtrlBreak => Signal::CtrlBreak,
                    rsp::SignalCode::Other(code) => return Err(parameter_incorrect(&format!("unknown signal code {code}"))),
                };
                ShellOp::Signal { shell, command, signal }
            }
            _ => return Ok(None),
        }))
    }

    pub(crate) async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let state = ctx.state;
        expire(state, ctx.now);
        match self {
            ShellOp::Create(c) => create(ctx, *c),
            ShellOp::Delete { shell } => {
                let waiters = state.lock_shells().delete(&shell, ctx.user, ctx.now).map_err(to_fault)?;
                waiters.iter().for_each(|w| w.notify_waiters());
                Ok(Reply::of(DeleteResponse))
            }
            ShellOp::Command(c) => run(ctx, c),
            ShellOp::Send { shell, streams } => {
                for s in &streams {
                    let id = s.command_id.as_deref().unwrap_or_default();
                    let mut store = state.lock_shells();
                    let waiter = store.send(&shell, ctx.user, id, &s.data, s.end, ctx.now).map_err(to_fault)?;
                    waiter.notify_waiters();
                }
                Ok(Reply::of(rsp::SendResponse))
            }
            ShellOp::Receive { shell, command, names } => receive(ctx, &shell, &command, &names).await,
            ShellOp::Signal { shell, command, signal } => {
                let mut store = state.lock_shells();
                match store.signal(&shell, ctx.user, &command, signal, ctx.now).map_err(to_fault)? {
                    Some(removed) => removed.notify_waiters(),
                    None => {
                        if let Some(w) = store.waiter(&shell, &command) {
                            w.notify_waiters();
                        }
                    }
                }
                Ok(Reply::of(rsp::SignalResponse))
            }
        }
    }
}

/// Drops idle shells and wakes the Receives waiting on them.
fn expire(state: &State, now: Instant) {
    let gone = state.lock_shells().expire(now);
    for (id, waiters) in gone {
        tracing::debug!(shell = %id, "shell expired after its idle timeout");
        waiters.iter().for_each(|w| w.notify_waiters());
    }
}

fn lexical_duration(d: Duration) -> XsDuration {
    XsDuration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn create(ctx: &Ctx<'_>, c: CreateShell) -> Result<Reply, Fault> {
    let state = ctx.state;
    let id = uuid::Uuid::new_v4().to_string().to_uppercase();
    let info = state.lock_shells().create(id.clone(), ctx.user, c.settings, ctx.now).map_err(to_fault)?;
    let shell = rsp::Shell {
        shell_id: Some(id),
        name: c.shell.name,
        resource_uri: Some(wsman_proto::ns::SHELL_CMD_RESOURCE.to_owned()),
        owner: Some(ctx.user.to_owned()),
        client_ip: ctx.peer.map(|p| p.to_string()),
        input_streams: info.settings.input_streams.clone(),
        output_streams: info.settings.output_streams.clone(),
        working_directory: info.settings.working_directory.clone(),
        environment: c.shell.environment,
        idle_timeout: Some(lexical_duration(info.idle_timeout)),
        lifetime: None,
        shell_run_time: Some(lexical_duration(info.run_time)),
        shell_inactivity: Some(lexical_duration(info.inactivity)),
        other: Vec::new(),
    };
    let mut response = shell.create_response(&c.address);
    if state.defects.has(Defect::ShellIdNotInSelector) {
        response.resource_created.selectors = None;
    }
    Ok(Reply::of(response))
}

fn run(ctx: &Ctx<'_>, c: RunCommand) -> Result<Reply, Fault> {
    let state = ctx.state;
    let id = c.command_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string().to_uppercase());
    let host = Host { machine: state.machine.clone(), domain: state.machine.clone(), user: ctx.user.to_owned(), os_version: OS_VERSION.to_owned() };
    let fs = FsTree::for_user(ctx.user);
    state.lock_shells().command(&c.shell, ctx.user, id.clone(), c.launch, &host, fs, Arc::new(Notify::new()), ctx.now).map_err(to_fault)?;
    Ok(Reply::of(rsp::CommandResponse { command_id: id }))
}

/// The output bytes one ReceiveResponse may carry within the response's
/// MaxEnvelopeSize: base64 grows them by 4/3, and the envelope, headers and
/// stream elements take the rest (a generous fixed allowance).
fn output_budget(max_envelope: usize) -> usize {
    const ENVELOPE_ALLOWANCE: usize = 4096;
    (max_envelope.saturating_sub(ENVELOPE_ALLOWANCE) / 4 * 3).max(1024)
}

/// The long poll: answers as soon as the command has output or ends, else
/// waits for stdin, a signal, the next streamed output, or the deadline.
async fn receive(ctx: &Ctx<'_>, shell: &str, command: &str, names: &[String]) -> Result<Reply, Fault> {
    let state = ctx.state;
    let mut shutdown = state.shutdown.clone();
    loop {
        let now = Instant::now();
        let waiter = state.lock_shells().command_mut(shell, ctx.user, command, now).map_err(to_fault)?.waiter.clone();
        // Registered before the poll: a Send or Signal after it wakes this wait.
        let notified = waiter.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (out, wakeup) = {
            let mut store = state.lock_shells();
            let out = store.receive(shell, ctx.user, command, output_budget(ctx.max_envelope), now).map_err(to_fault)?;
            let wakeup = store.command_mut(shell, ctx.user, command, now).ok().and_then(|c| c.command.next_wakeup());
            (out, wakeup)
        };
        if !out.stdout.is_empty() || !out.stderr.is_empty() || out.state != CommandState::Running {
            return Ok(Reply::of(response(state, command, names, out)));
        }
        if now >= ctx.deadline {
            if state.defects.has(Defect::ShellReceiveNoTimeout) {
                return Ok(Reply::of(response(state, command, names, out)));
            }
            return Err(Fault::new(
                FaultKind::TimedOut,
                "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
            )
            .with_code(OPERATION_TIMEDOUT));
        }
        let until = wakeup.map_or(ctx.deadline, |w| w.min(ctx.deadline));
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = crate::stopped(&mut shutdown) => {
                return Err(Fault::new(FaultKind::EndpointUnavailable, "the server is shutting down"));
            }
        }
    }
}

/// A ReceiveResponse as Windows writes it: one Stream per chunk, then, once
/// the command is done, an empty `End="true"` Stream of each desired stream
/// and the Done state with the exit code; while it runs, the Running state.
fn response(state: &State, command: &str, names: &[String], out: Output) -> rsp::ReceiveResponse {
    let wants = |name: &str| names.is_empty() || names.iter().any(|n| n.eq_ignore_ascii_case(name));
    let chunk = |name: &str, data: Vec<u8>, end: bool| rsp::Stream { name: name.to_owned(), command_id: Some(command.to_owned()), end, data };
    let mut streams = Vec::new();
    let done = match out.state {
        CommandState::Done { exit_code } => Some(exit_code),
        CommandState::Running => None,
    };
    let (stdout, stderr) =
        if state.defects.has(Defect::ShellStderrAsStdout) { ([out.stdout, out.stderr].concat(), Vec::new()) } else { (out.stdout, out.stderr) };
    for (name, data) in [("stdout", stdout), ("stderr", stderr)] {
        if wants(name) && !data.is_empty() {
            streams.push(chunk(name, data, false));
        }
    }
    if done.is_some() {
        for name in ["stdout", "stderr"].into_iter().filter(|n| wants(n)) {
            streams.push(chunk(name, Vec::new(), true));
        }
    }
    let exit = |code: u32| if state.defects.has(Defect::ShellExitCodeZero) { 0 } else { i64::from(code) };
    let command_state = match done {
        Some(code) => rsp::CommandState { command_id: command.to_owned(), state: rsp::CommandStateKind::Done, exit_code: Some(exit(code)) },
        None => rsp::CommandState { command_id: command.to_owned(), state: rsp::CommandStateKind::Running, exit_code: None },
    };
    rsp::ReceiveResponse { streams, command_state: Some(command_state) }
}
