//! The shells of a WinRS service (MS-WSMV §3.1.4.1 Create/Delete of the cmd
//! resource, §3.1.4.11-14 Command, Signal, Send, Receive): who owns which
//! shell, the commands of each, quotas and idle expiry.
//!
//! ```text
//!  create ──► Shell (owner, settings, idle deadline)
//!              ├─ command ──► Command (see [`Command`]) ... Receive delivers Done once
//!              │               └─ signal, or a Receive after Done, removes it
//!              ├─ any request on the shell or its commands pushes the idle deadline
//!              └─ delete, or expire(now) past the idle deadline ──► gone (its waiters returned)
//! ```
//!
//! Sans-IO as the rest of [`crate::state`]: every call takes `now`. Each
//! command carries a caller-chosen waiter `W` (the server keeps a
//! notification there, woken when stdin, a signal or deletion changes what a
//! waiting Receive would see); the store only hands waiters back.
//!
//! A shell is visible only to its owner: another user's ShellId is answered
//! as an unknown one (WinRS does not reveal other users' shells).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Codepage, Command, CommandState, FsTree, Host, Launch, LaunchError, Output, SendError, Signal};

/// Quotas of the store (`winrm/config/winrs` MaxShellsPerUser,
/// MaxProcessesPerShell, IdleTimeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShellLimits {
    /// Live shells per user.
    pub shells_per_user: usize,
    /// Commands per shell that have not ended (and been received to their end).
    pub commands_per_shell: usize,
    /// The longest idle time of a shell; a shell's own `rsp:IdleTimeOut` may only shorten it.
    pub idle_timeout: Duration,
}

impl Default for ShellLimits {
    /// WinRM's defaults on Windows Server 2022: no count limit (2147483647) and
    /// IdleTimeout 7200000 ms.
    fn default() -> Self {
        ShellLimits { shells_per_user: 2_147_483_647, commands_per_shell: 2_147_483_647, idle_timeout: Duration::from_millis(7_200_000) }
    }
}

/// How a shell was created (`rsp:Shell` and the Create's options).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellSettings {
    /// `rsp:Environment`, in order.
    pub environment: Vec<(String, String)>,
    /// `rsp:WorkingDirectory`.
    pub working_directory: Option<String>,
    /// WINRS_CODEPAGE.
    pub codepage: Codepage,
    /// `rsp:IdleTimeOut` as asked; `None`: the store's limit.
    pub idle_timeout: Option<Duration>,
    /// `rsp:InputStreams`.
    pub input_streams: Vec<String>,
    /// `rsp:OutputStreams`.
    pub output_streams: Vec<String>,
}

/// Why a shell request cannot be served. The server maps each to the fault
/// Windows answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// No shell of this id (never created, deleted, expired, or another user's).
    #[error("the shell {0} does not exist")]
    UnknownShell(String),
    /// The shell has no command of this id (never started, or ended and received).
    #[error("the shell has no command {0}")]
    UnknownCommand(String),
    /// A command id the client chose is already in use in the shell.
    #[error("the command id {0} is already in use in this shell")]
    DuplicateCommand(String),
    /// The user has as many shells as allowed.
    #[error("this user is allowed a maximum number of {0} concurrent shells, which has been exceeded")]
    ShellQuota(usize),
    /// The shell runs as many commands as allowed.
    #[error("this shell is allowed a maximum number of {0} concurrent processes, which has been exceeded")]
    CommandQuota(usize),
    /// The command could not start.
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// Stdin after End.
    #[error(transparent)]
    Send(#[from] SendError),
}

/// One command of a shell, with the caller's waiter.
#[derive(Debug)]
pub struct CommandEntry<W> {
    /// The process.
    pub command: Command,
    /// The caller's waiter (woken on stdin, signal, deletion).
    pub waiter: W,
    /// The Done state has been handed to a Receive: the next Receive finds no command.
    done_delivered: bool,
    /// Output polled but not yet handed out (a Receive takes at most what fits its envelope).
    held: Output,
}

impl<W> CommandEntry<W> {
    fn counts_against_quota(&self) -> bool {
        !self.done_delivered
    }
}

/// One shell.
#[derive(Debug)]
struct ShellEntry<W> {
    owner: String,
    settings: ShellSettings,
    idle: Duration,
    created: Instant,
    last_used: Instant,
    commands: HashMap<String, CommandEntry<W>>,
}

/// What a shell reports of itself (`rsp:Shell` of the Create answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellInfo {
    /// The owner.
    pub owner: String,
    /// The idle timeout applied.
    pub idle_timeout: Duration,
    /// How long the shell has existed.
    pub run_time: Duration,
    /// How long since it was last used.
    pub inactivity: Duration,
    /// Its settings.
    pub settings: ShellSettings,
}

/// The shells of one service.
#[derive(Debug)]
pub struct ShellStore<W> {
    shells: HashMap<String, ShellEntry<W>>,
    /// The quotas applied to the next request.
    pub limits: ShellLimits,
}

impl<W> ShellStore<W> {
    /// An empty store.
    pub fn new(limits: ShellLimits) -> Self {
        ShellStore { shells: HashMap::new(), limits }
    }

    /// Live shells.
    pub fn len(&self) -> usize {
        self.shells.len()
    }

    /// True when no shell lives.
    pub fn is_empty(&self) -> bool {
        self.shells.is_empty()
    }

    /// Creates shell `id` for `user` (the caller chooses ids, so tests are deterministic).
    pub fn create(&mut self, id: String, user: &str, settings: ShellSettings, now: Instant) -> Result<ShellInfo, ShellError> {
        let owned = self.shells.values().filter(|s| s.owner == user).count();
        if owned >= self.limits.shells_per_user {
            return Err(ShellError::ShellQuota(self.limits.shells_per_user));
        }
        let idle = settings.idle_timeout.map_or(self.limits.idle_timeout, |t| t.min(self.limits.idle_timeout));
        let entry = ShellEntry { owner: user.to_owned(), settings, idle, created: now, last_used: now, commands: HashMap::new() };
        let info = info(&entry, now);
        self.shells.insert(id, entry);
        Ok(info)
    }

    fn shell_mut(&mut self, id: &str, user: &str, now: Instant) -> Result<&mut ShellEntry<W>, ShellError> {
        match self.shells.get_mut(id) {
            Some(s) if s.owner == user && now < s.last_used + s.idle => {
                s.last_used = now;
                Ok(s)
            }
            _ => Err(ShellError::UnknownShell(id.to_owned())),
        }
    }

    /// Starts a command in a shell. `launch` carries the command line and
    /// the command's options; the shell's environment, working directory and
    /// codepage are applied here.
    #[allow(clippy::too_many_arguments)]
    pub fn command(
        &mut self,
        shell: &str,
        user: &str,
        command_id: String,
        mut launch: Launch,
        host: &Host,
        fs: FsTree,
        waiter: W,
        now: Instant,
    ) -> Result<(), ShellError> {
        let limit = self.limits.commands_per_shell;
        let s = self.shell_mut(shell, user, now)?;
        if s.commands.contains_key(&command_id) {
            return Err(ShellError::DuplicateCommand(command_id));
        }
        if s.commands.values().filter(|c| c.counts_against_quota()).count() >= limit {
            return Err(ShellError::CommandQuota(limit));
        }
        launch.environment = s.settings.environment.clone();
        launch.working_directory = s.settings.working_directory.clone();
        launch.codepage = s.settings.codepage;
        let command = Command::new(&launch, host, fs, now)?;
        let held = Output { stdout: Vec::new(), stderr: Vec::new(), state: CommandState::Running };
        s.commands.insert(command_id, CommandEntry { command, waiter, done_delivered: false, held });
        Ok(())
    }

    /// The command, for Send and for a Receive's wait (the idle deadline moves).
    pub fn command_mut(&mut self, shell: &str, user: &str, command_id: &str, now: Instant) -> Result<&mut CommandEntry<W>, ShellError> {
        let s = self.shell_mut(shell, user, now)?;
        match s.commands.get_mut(command_id) {
            Some(c) if !c.done_delivered => Ok(c),
            _ => Err(ShellError::UnknownCommand(command_id.to_owned())),
        }
    }

    /// `rsp:Send`: stdin for a command.
    pub fn send(&mut self, shell: &str, user: &str, command_id: &str, bytes: &[u8], end: bool, now: Instant) -> Result<&W, ShellError> {
        let c = self.command_mut(shell, user, command_id, now)?;
        c.command.send_stdin(bytes, end)?;
        Ok(&c.waiter)
    }

    /// One Receive's poll: the output not delivered before, at most
    /// `max_bytes` of it (stdout first, then stderr; the rest waits for the
    /// next Receive). The Done state comes only with the last bytes; then the
    /// command is marked delivered, and a later Receive finds no command.
    pub fn receive(&mut self, shell: &str, user: &str, command_id: &str, max_bytes: usize, now: Instant) -> Result<Output, ShellError> {
        let c = self.command_mut(shell, user, command_id, now)?;
        let out = c.command.poll(now);
        c.held.stdout.extend_from_slice(&out.stdout);
        c.held.stderr.extend_from_slice(&out.stderr);
        c.held.state = out.state;
        let max = max_bytes.max(1);
        let n_out = c.held.stdout.len().min(max);
        let stdout: Vec<u8> = c.held.stdout.drain(..n_out).collect();
        let n_err = c.held.stderr.len().min(max - n_out);
        let stderr: Vec<u8> = c.held.stderr.drain(..n_err).collect();
        let drained = c.held.stdout.is_empty() && c.held.stderr.is_empty();
        let state = if drained { c.held.state } else { CommandState::Running };
        if drained && c.command.is_done() {
            c.done_delivered = true;
        }
        Ok(Output { stdout, stderr, state })
    }

    /// True when a command has output polled but not handed out (its next Receive answers at once).
    pub fn has_held_output(&self, shell: &str, command_id: &str) -> bool {
        self.shells.get(shell).and_then(|s| s.commands.get(command_id)).is_some_and(|c| !c.held.stdout.is_empty() || !c.held.stderr.is_empty())
    }

    /// `rsp:Signal`: a running command ends with the signal's exit code; a
    /// command that ended is removed (clients signal after Done to release it).
    /// Returns the waiter of the command.
    pub fn signal(&mut self, shell: &str, user: &str, command_id: &str, signal: Signal, now: Instant) -> Result<Option<W>, ShellError> {
        let s = self.shell_mut(shell, user, now)?;
        let Some(c) = s.commands.get_mut(command_id) else { return Err(ShellError::UnknownCommand(command_id.to_owned())) };
        if c.done_delivered || (signal == Signal::Terminate && c.command.is_done()) {
            return Ok(s.commands.remove(command_id).map(|c| c.waiter));
        }
        c.command.signal(signal);
        Ok(None)
    }

    /// The waiter of a command, to wake after a signal that kept the command.
    pub fn waiter(&self, shell: &str, command_id: &str) -> Option<&W> {
        self.shells.get(shell).and_then(|s| s.commands.get(command_id)).map(|c| &c.waiter)
    }

    /// Deletes a shell; its commands end and their waiters are returned.
    pub fn delete(&mut self, shell: &str, user: &str, now: Instant) -> Result<Vec<W>, ShellError> {
        self.shell_mut(shell, user, now)?;
        let s = self.shells.remove(shell).expect("checked above");
        Ok(s.commands.into_values().map(|c| c.waiter).collect())
    }

    /// Drops shells idle past their timeout; returns their ids and their commands' waiters.
    pub fn expire(&mut self, now: Instant) -> Vec<(String, Vec<W>)> {
        let gone: Vec<String> = self.shells.iter().filter(|(_, s)| now >= s.last_used + s.idle).map(|(id, _)| id.clone()).collect();
        gone.into_iter().filter_map(|id| self.shells.remove(&id).map(|s| (id, s.commands.into_values().map(|c| c.waiter).collect()))).collect()
    }

    /// What a shell reports of itself.
    pub fn info(&self, shell: &str, now: Instant) -> Option<ShellInfo> {
        self.shells.get(shell).map(|s| info(s, now))
    }

    /// The ids of `user`'s shells (Enumerate of the shell resource).
    pub fn shells_of(&self, user: &str) -> Vec<String> {
        let mut ids: Vec<String> = self.shells.iter().filter(|(_, s)| s.owner == user).map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids
    }
}

fn info<W>(s: &ShellEntry<W>, now: Instant) -> ShellInfo {
    ShellInfo {
        owner: s.owner.clone(),
        idle_timeout: s.idle,
        run_time: now.saturating_duration_since(s.created),
        inactivity: now.saturating_duration_since(s.last_used),
        settings: s.settings.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host { machine: "WIN-REF01".into(), domain: "WIN-REF01".into(), user: "alice".into(), os_version: "10.0.20348".into() }
    }

    fn store(limits: ShellLimits) -> ShellStore<u32> {
        ShellStore::new(limits)
    }

    fn run(st: &mut ShellStore<u32>, shell: &str, user: &str, id: &str, line: &str, now: Instant) -> Result<(), ShellError> {
        st.command(shell, user, id.into(), Launch::new(line, &[]), &host(), FsTree::for_user(user), 0, now)
    }

    #[test]
    fn shell_quota_is_per_user() {
        let now = Instant::now();
        let mut st = store(ShellLimits { shells_per_user: 2, ..ShellLimits::default() });
        st.create("a".into(), "alice", ShellSettings::default(), now).unwrap();
        st.create("b".into(), "alice", ShellSettings::default(), now).unwrap();
        assert_eq!(st.create("c".into(), "alice", ShellSettings::default(), now), Err(ShellError::ShellQuota(2)));
        st.create("d".into(), "bob", ShellSettings::default(), now).unwrap();
        st.delete("a", "alice", now).unwrap();
        st.create("c".into(), "alice", ShellSettings::default(), now).unwrap();
    }

    #[test]
    fn other_users_shells_are_unknown() {
        let now = Instant::now();
        let mut st = store(ShellLimits::default());
        st.create("a".into(), "alice", ShellSettings::default(), now).unwrap();
        assert_eq!(st.delete("a", "bob", now), Err(ShellError::UnknownShell("a".into())));
        assert_eq!(run(&mut st, "a", "bob", "c1", "echo hi", now), Err(ShellError::UnknownShell("a".into())));
        assert!(st.delete("a", "alice", now).is_ok());
        assert_eq!(st.delete("a", "alice", now), Err(ShellError::UnknownShell("a".into())));
    }

    #[test]
    fn command_quota_counts_commands_not_yet_received_to_their_end() {
        let now = Instant::now();
        let mut st = store(ShellLimits { commands_per_shell: 1, ..ShellLimits::default() });
        st.create("s".into(), "alice", ShellSettings::default(), now).unwrap();
        run(&mut st, "s", "alice", "c1", "echo one", now).unwrap();
        assert_eq!(run(&mut st, "s", "alice", "c2", "echo two", now), Err(ShellError::CommandQuota(1)));
        let out = st.receive("s", "alice", "c1", usize::MAX, now).unwrap();
        assert_eq!(out.stdout, b"one\r\n");
        assert_eq!(out.state, CommandState::Done { exit_code: 0 });
        run(&mut st, "s", "alice", "c2", "echo two", now).unwrap();
        assert_eq!(run(&mut st, "s", "alice", "c2", "echo two", now), Err(ShellError::DuplicateCommand("c2".into())));
    }

    #[test]
    fn done_is_delivered_once_then_the_command_is_gone_and_signal_releases_it() {
        let now = Instant::now();
        let mut st = store(ShellLimits::default());
        st.create("s".into(), "alice", ShellSettings::default(), now).unwrap();
        run(&mut st, "s", "alice", "c", "exit /b 3", now).unwrap();
        assert_eq!(st.receive("s", "alice", "c", usize::MAX, now).unwrap().state, CommandState::Done { exit_code: 3 });
        assert_eq!(st.receive("s", "alice", "c", usize::MAX, now), Err(ShellError::UnknownCommand("c".into())));
        assert_eq!(st.signal("s", "alice", "c", Signal::Terminate, now), Ok(Some(0)));
        assert_eq!(st.signal("s", "alice", "c", Signal::Terminate, now), Err(ShellError::UnknownCommand("c".into())));
    }

    #[test]
    fn stdin_reaches_the_command_and_signal_ends_a_running_one() {
        let now = Instant::now();
        let mut st = store(ShellLimits::default());
        st.create("s".into(), "alice", ShellSettings { codepage: Codepage::Utf8, ..ShellSettings::default() }, now).unwrap();
        run(&mut st, "s", "alice", "more", "more", now).unwrap();
        assert_eq!(st.receive("s", "alice", "more", usize::MAX, now).unwrap().state, CommandState::Running);
        st.send("s", "alice", "more", b"abc\r\n", true, now).unwrap();
        let out = st.receive("s", "alice", "more", usize::MAX, now).unwrap();
        assert_eq!(out.stdout, b"abc\r\n");
        assert_eq!(out.state, CommandState::Done { exit_code: 0 });
        run(&mut st, "s", "alice", "wait", "more", now).unwrap();
        assert_eq!(st.signal("s", "alice", "wait", Signal::CtrlC, now), Ok(None));
        assert_eq!(st.receive("s", "alice", "wait", usize::MAX, now).unwrap().state, CommandState::Done { exit_code: Signal::CtrlC.exit_code() });
    }

    #[test]
    fn a_receive_takes_at_most_its_share_and_done_comes_with_the_last_bytes() {
        let now = Instant::now();
        let mut st = store(ShellLimits::default());
        st.create("s".into(), "alice", ShellSettings::default(), now).unwrap();
        run(&mut st, "s", "alice", "m", "more", now).unwrap();
        let input: Vec<u8> = (0..1000).flat_map(|i| format!("line {i}\r\n").into_bytes()).collect();
        st.send("s", "alice", "m", &input, true, now).unwrap();
        let mut got = Vec::new();
        let mut polls = 0;
        loop {
            let out = st.receive("s", "alice", "m", 1000, now).unwrap();
            assert!(out.stdout.len() + out.stderr.len() <= 1000);
            got.extend(out.stdout);
            polls += 1;
            if out.state != CommandState::Running {
                assert_eq!(out.state, CommandState::Done { exit_code: 0 });
                break;
            }
            assert!(st.has_held_output("s", "m") || got.len() == input.len());
        }
        assert_eq!(got, input);
        assert!(polls >= input.len() / 1000);
        assert_eq!(st.receive("s", "alice", "m", 1000, now), Err(ShellError::UnknownCommand("m".into())));
    }

    #[test]
    fn idle_shells_expire_and_use_pushes_the_deadline() {
        let t0 = Instant::now();
        let mut st = store(ShellLimits { idle_timeout: Duration::from_secs(60), ..ShellLimits::default() });
        let info = st.create("s".into(), "alice", ShellSettings { idle_timeout: Some(Duration::from_secs(10)), ..ShellSettings::default() }, t0).unwrap();
        assert_eq!(info.idle_timeout, Duration::from_secs(10));
        let long = st.create("l".into(), "alice", ShellSettings { idle_timeout: Some(Duration::from_secs(3600)), ..ShellSettings::default() }, t0).unwrap();
        assert_eq!(long.idle_timeout, Duration::from_secs(60), "the service limit caps the shell's own timeout");
        run(&mut st, "s", "alice", "c", "more", t0 + Duration::from_secs(9)).unwrap();
        assert!(st.expire(t0 + Duration::from_secs(18)).is_empty());
        let gone = st.expire(t0 + Duration::from_secs(19));
        assert_eq!(gone, vec![("s".to_string(), vec![0])]);
        assert_eq!(st.receive("s", "alice", "c", usize::MAX, t0 + Duration::from_secs(19)), Err(ShellError::UnknownShell("s".into())));
        assert_eq!(st.len(), 1);
    }
}
