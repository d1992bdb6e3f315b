//! The cmd-like interpreter of a WinRS command line (what `cmd.exe /c LINE`
//! would do), deterministic and over the in-memory tree.
//!
//! Parsing, as cmd does it: `%VAR%` is expanded once for the whole line before
//! it is split (so `set X=1 & echo %X%` prints the value X had before the
//! line, and an undefined `%NAME%` stays as written); the line is split on
//! `&`, `&&`, `||` and `|` outside double quotes; `^` escapes the next
//! character outside quotes; a leading `@` is dropped; `cmd [/s] [/q] /c X`
//! runs X as a nested line (outer quotes of X stripped); `exit [/b] N` ends the
//! current cmd level with N.
//!
//! Built-ins: `echo` (`echo.`, `echo off|on`, `ECHO is on.`), `set` (listing,
//! prefix listing, `NAME=value`, `NAME=` removes), `type FILE` and `type con`
//! (stdin, byte for byte), `cd`/`chdir` (`/d`), `dir` (`/b`), `ver`, `rem`,
//! `cls`, `exit`, `cmd`, `pause` (waits for a byte of stdin); the programs `hostname`, `whoami`, `more`, `sort`,
//! `findstr` (stdin readers), `ping` (streams a reply per simulated second)
//! `timeout` (refuses a non-console stdin, as it does over WinRS) and
//! `powershell`. `cmd` without `/c` is an interactive cmd over stdin, as
//! cmd.exe behaves when stdin is a pipe: a banner, then for each line a prompt
//! `\r\nCWD>`, the line echoed, and its output; it ends at `exit` or at the
//! end of stdin (`echo off` silences prompts and echoes). Anything else: `'NAME' is not recognized as an internal
//! or external command,` / `operable program or batch file.` on stderr, exit
//! code 1.
//!
//! A pipeline `A | B`: every stage but the last runs to its end at once with a
//! closed, empty stdin (time does not pass inside a pipe, and a piped `ping`
//! sends at most 1000 replies), and its stdout is
//! the next stage's closed stdin. Environment and `cd` changes made by a
//! nested `cmd /c` are visible to the rest of the line (a simplification:
//! real nested cmd.exe processes keep their own). Redirections `>`, `>>`,
//! `1>`, `2>`, `>&2`, `2>&1`, `>nul` and `< FILE` apply left to right to the
//! step they follow; files are written into the process's own copy of the
//! tree (what one command writes, the next command of the shell does not see).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::fs::Node;
use super::{Codepage, FsTree, Host, Launch, LaunchError, Sink, Stdin};

/// Most nested `cmd /c` levels (a line that nests itself through a variable
/// would otherwise nest forever).
const MAX_NESTING: usize = 32;
const NESTING_TOO_DEEP: &str = "The nesting of cmd /c is too deep.\r\n";
/// Most replies of a `ping` inside a pipe, where it runs to its end at once.
const MAX_PIPED_PINGS: u32 = 1000;

const NOT_RECOGNIZED_TAIL: &str = "' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n";

/// How an item of a line is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `&` (or the first item): always runs.
    Always,
    /// `&&`: runs when the previous exit code is 0.
    And,
    /// `||`: runs when the previous exit code is not 0.
    Or,
}

/// An item: one pipeline, stages in order.
#[derive(Debug, Clone)]
struct Item {
    op: Op,
    stages: Vec<String>,
}

/// One cmd level (the top line, or a nested `cmd /c`).
#[derive(Debug)]
struct Frame {
    items: Vec<Item>,
    next: usize,
    /// An interactive cmd (no `/c`): when its items run out it prompts and
    /// reads the next line of stdin (the partial line read so far).
    /// Whether the prompt for the next line was written.
    interactive: Option<(Vec<u8>, bool)>,
}

/// A step that waits for stdin or time.
#[derive(Debug)]
enum Blocked {
    /// Reads stdin line by line, writes the lines that pass (`more`, `findstr`).
    Lines { filter: Filter, partial: Vec<u8>, matched: bool, input: Option<Stdin> },
    /// Reads stdin to its end, then writes its lines sorted.
    Sort { all: Vec<u8>, input: Option<Stdin> },
    /// `pause`: waits for one byte of stdin (or its end).
    Pause { input: Option<Stdin> },
    /// Copies stdin byte for byte (`type con`).
    Copy { input: Option<Stdin> },
    /// Writes a reply per second from `start`.
    Ping { host: String, address: String, count: u32, sent: u32, start: Instant },
}

/// Which lines a line reader writes.
#[derive(Debug, Clone)]
enum Filter {
    All,
    Findstr { pattern: Option<Vec<u8>>, ignore_case: bool, invert: bool },
}

impl Filter {
    fn passes(&self, line: &[u8]) -> bool {
        match self {
            Filter::All => true,
            Filter::Findstr { pattern, ignore_case, invert } => {
                let hit = match pattern {
                    None => true,
                    Some(p) if *ignore_case => contains(&line.to_ascii_lowercase(), &p.to_ascii_lowercase()),
                    Some(p) => contains(line, p),
                };
                hit != *invert
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

enum Step {
    Done(u32),
    Block(Blocked),
    Nested(Vec<Item>),
    Interactive,
    Exit(u32),
}

/// The interpreter state of one process.
#[derive(Debug)]
pub(crate) struct Session {
    env: BTreeMap<String, (String, String)>,
    cwd: String,
    fs: FsTree,
    host: Host,
    codepage: Codepage,
    frames: Vec<Frame>,
    blocked: Option<Blocked>,
    /// Where the waiting step's output goes (its redirections).
    route: Route,
    last_exit: u32,
    /// When the current step became runnable (the start of a `ping`).
    clock: Instant,
    started: bool,
    /// `echo on|off`: an interactive cmd echoes prompts and lines.
    echo_on: bool,
}

impl Session {
    pub(crate) fn new(launch: &Launch, host: &Host, fs: FsTree, now: Instant) -> Result<Self, LaunchError> {
        let profile = format!("C:\\Users\\{}", host.user);
        let mut s = Session {
            env: BTreeMap::new(),
            cwd: profile.clone(),
            fs,
            host: host.clone(),
            codepage: launch.codepage,
            frames: Vec::new(),
            blocked: None,
            route: Route::default(),
            last_exit: 0,
            clock: now,
            started: false,
            echo_on: true,
        };
        let defaults = [
            ("ALLUSERSPROFILE", "C:\\ProgramData".to_string()),
            ("COMPUTERNAME", host.machine.to_uppercase()),
            ("ComSpec", "C:\\Windows\\system32\\cmd.exe".to_string()),
            ("HOMEDRIVE", "C:".to_string()),
            ("HOMEPATH", format!("\\Users\\{}", host.user)),
            ("OS", "Windows_NT".to_string()),
            ("Path", "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\".to_string()),
            ("PATHEXT", ".COM;.EXE;.BAT;.CMD".to_string()),
            ("PROMPT", "$P$G".to_string()),
            ("SystemDrive", "C:".to_string()),
            ("SystemRoot", "C:\\Windows".to_string()),
            ("TEMP", format!("{profile}\\AppData\\Local\\Temp")),
            ("USERDOMAIN", host.domain.to_uppercase()),
            ("USERNAME", host.user.clone()),
            ("USERPROFILE", profile.clone()),
            ("windir", "C:\\Windows".to_string()),
        ];
        for (k, v) in defaults {
            s.set_var(k, v);
        }
        for (k, v) in &launch.environment {
            s.set_var(k, v.clone());
        }
        if let Some(dir) = &launch.working_directory {
            match s.fs.resolve(&profile, dir) {
                Some((path, Node::Dir(_))) => s.cwd = path,
                _ => return Err(LaunchError::WorkingDirectoryNotFound(dir.clone())),
            }
        }
        let line = launch.command_line();
        let items = if launch.skip_cmd_shell {
            let name = program_name(first_word(line.trim_start()).0);
            if !PROGRAMS.contains(&name.as_str()) {
                return Err(LaunchError::ProgramNotFound { program: launch.command.clone() });
            }
            vec![Item { op: Op::Always, stages: vec![line] }]
        } else {
            s.split_line(&s.expand(&line))
        };
        s.frames.push(Frame { items, next: 0, interactive: None });
        Ok(s)
    }

    fn set_var(&mut self, name: &str, value: String) {
        self.env.insert(name.to_uppercase(), (name.to_string(), value));
    }

    fn var(&self, name: &str) -> Option<String> {
        match name.to_uppercase().as_str() {
            "CD" => Some(self.cwd.clone()),
            "ERRORLEVEL" if !self.env.contains_key("ERRORLEVEL") => Some(self.last_exit.to_string()),
            upper => self.env.get(upper).map(|(_, v)| v.clone()),
        }
    }

    pub(crate) fn next_wakeup(&self) -> Option<Instant> {
        match &self.blocked {
            Some(Blocked::Ping { start, sent, .. }) => Some(*start + Duration::from_secs(u64::from(*sent))),
            Some(_) => None,
            None if !self.started => Some(self.clock),
            None => None,
        }
    }

    /// Runs until the line ends (`Some(exit code)`) or a step waits.
    pub(crate) fn run(&mut self, stdin: &mut Stdin, sink: &mut Sink, now: Instant) -> Option<u32> {
        self.started = true;
        loop {
            if let Some(mut blocked) = self.blocked.take() {
                match self.advance_routed(&mut blocked, stdin, sink, Some(now)) {
                    Some(code) => {
                        self.last_exit = code;
                        self.clock = match blocked {
                            Blocked::Ping { start, count, .. } => start + Duration::from_secs(u64::from(count.saturating_sub(1))),
                            _ => self.clock.max(now),
                        };
                    }
                    None => {
                        self.blocked = Some(blocked);
                        return None;
                    }
                }
                continue;
            }
            let frame = self.frames.last_mut()?;
            let Some(item) = frame.items.get(frame.next).cloned() else {
                if let Some((_, prompted)) = &mut frame.interactive {
                    if !*prompted {
                        *prompted = true;
                        if self.echo_on {
                            let prompt = format!("\r\n{}>", self.cwd);
                            self.write(sink, &prompt);
                        }
                    }
                    let frame = self.frames.last_mut()?;
                    let (partial, prompted) = frame.interactive.as_mut()?;
                    let newline = stdin.buf.iter().position(|&b| b == b'\n');
                    let take = newline.map_or(stdin.buf.len(), |i| i + 1);
                    partial.extend(stdin.buf.drain(..take));
                    if newline.is_none() && !stdin.end {
                        return None;
                    }
                    if partial.is_empty() {
                        // End of stdin: the interactive cmd exits.
                        self.frames.pop();
                        if self.frames.is_empty() {
                            return Some(self.last_exit);
                        }
                        continue;
                    }
                    *prompted = false;
                    let raw = std::mem::take(partial);
                    let text = String::from_utf8_lossy(&raw);
                    let line = text.trim_end_matches(['\n', '\r']).to_string();
                    if self.echo_on {
                        self.write(sink, &format!("{line}\r\n"));
                    }
                    let items = self.split_line(&self.expand(&line));
                    if let Some(frame) = self.frames.last_mut() {
                        frame.items = items;
                        frame.next = 0;
                    }
                    continue;
                }
                self.frames.pop();
                if self.frames.is_empty() {
                    return Some(self.last_exit);
                }
                continue;
            };
            frame.next += 1;
            if !self.runs(item.op) {
                continue;
            }
            let (last, before) = item.stages.split_last()?;
            let piped = self.run_pipe(before, sink);
            match self.exec(last, piped, sink) {
                Step::Done(code) => self.last_exit = code,
                Step::Exit(code) => {
                    self.last_exit = code;
                    self.frames.pop();
                    if self.frames.is_empty() {
                        return Some(code);
                    }
                }
                Step::Nested(_) if self.frames.len() >= MAX_NESTING => {
                    self.write_err(sink, NESTING_TOO_DEEP);
                    self.last_exit = 1;
                }
                Step::Nested(items) => self.frames.push(Frame { items, next: 0, interactive: None }),
                Step::Interactive => self.frames.push(Frame { items: Vec::new(), next: 0, interactive: Some((Vec::new(), false)) }),
                Step::Block(b) => self.blocked = Some(b),
            }
        }
    }

    fn runs(&self, op: Op) -> bool {
        match op {
            Op::Always => true,
            Op::And => self.last_exit == 0,
            Op::Or => self.last_exit != 0,
        }
    }

    /// Runs the stages before the last of a pipeline to their end; returns
    /// the stdin of the last stage (`None`: no pipe, the process's stdin).
    fn run_pipe(&mut self, stages: &[String], sink: &mut Sink) -> Option<Stdin> {
        let mut piped: Option<Stdin> = None;
        for stage in stages {
            let mut input = piped.take().unwrap_or_else(|| Stdin::closed(Vec::new()));
            let mut out = Sink::default();
            self.last_exit = self.run_to_end(stage, &mut input, &mut out, 0);
            sink.stderr.append(&mut out.stderr);
            piped = Some(Stdin::closed(out.stdout));
        }
        piped
    }

    /// Runs one stage to its end at once (inside a pipe).
    fn run_to_end(&mut self, stage: &str, input: &mut Stdin, sink: &mut Sink, depth: usize) -> u32 {
        match self.exec(stage, Some(std::mem::take(input)), sink) {
            Step::Done(code) | Step::Exit(code) => code,
            Step::Interactive => 0,
            Step::Block(mut b) => {
                if let Blocked::Ping { count, .. } = &mut b {
                    *count = (*count).min(MAX_PIPED_PINGS);
                }
                self.advance_routed(&mut b, &mut Stdin::closed(Vec::new()), sink, None).unwrap_or(0)
            }
            Step::Nested(items) => {
                if self.frames.len() + depth >= MAX_NESTING {
                    self.write_err(sink, NESTING_TOO_DEEP);
                    return 1;
                }
                for item in items {
                    if !self.runs(item.op) {
                        continue;
                    }
                    let Some((last, before)) = item.stages.split_last() else { continue };
                    let mut piped = self.run_pipe(before, sink).unwrap_or_else(|| Stdin::closed(Vec::new()));
                    self.last_exit = self.run_to_end(last, &mut piped, sink, depth + 1);
                }
                self.last_exit
            }
        }
    }

    /// Advances a waiting step; `now == None` runs it to its end.
    fn advance(&mut self, blocked: &mut Blocked, stdin: &mut Stdin, sink: &mut Sink, now: Option<Instant>) -> Option<u32> {
        match blocked {
            Blocked::Lines { filter, partial, matched, input } => {
                let input = input.as_mut().unwrap_or(stdin);
                let bytes = std::mem::take(&mut input.buf);
                let mut emit = |line: &[u8], sink: &mut Sink| {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    if filter.passes(line) {
                        *matched = true;
                        sink.stdout.extend_from_slice(line);
                        sink.stdout.extend_from_slice(b"\r\n");
                    }
                };
                for &b in &bytes {
                    if b == b'\n' {
                        emit(partial, sink);
                        partial.clear();
                    } else {
                        partial.push(b);
                    }
                }
                if !input.end {
                    return None;
                }
                if !partial.is_empty() {
                    emit(partial, sink);
                    partial.clear();
                }
                Some(match filter {
                    Filter::All => 0,
                    Filter::Findstr { .. } => u32::from(!*matched),
                })
            }
            Blocked::Sort { all, input } => {
                let input = input.as_mut().unwrap_or(stdin);
                all.append(&mut input.buf);
                if !input.end {
                    return None;
                }
                let mut lines: Vec<&[u8]> = all.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect();
                if all.ends_with(b"\n") {
                    lines.pop();
                }
                lines.sort_by_key(|l| l.to_ascii_lowercase());
                for l in lines {
                    sink.stdout.extend_from_slice(l);
                    sink.stdout.extend_from_slice(b"\r\n");
                }
                Some(0)
            }
            Blocked::Pause { input } => {
                let input = input.as_mut().unwrap_or(stdin);
                if input.buf.is_empty() && !input.end {
                    return None;
                }
                if !input.buf.is_empty() {
                    input.buf.remove(0);
                }
                self.write(sink, "\r\n");
                Some(0)
            }
            Blocked::Copy { input } => {
                let input = input.as_mut().unwrap_or(stdin);
                sink.stdout.append(&mut input.buf);
                input.end.then_some(0)
            }
            Blocked::Ping { host, address, count, sent, start } => {
                while *sent < *count && now.is_none_or(|now| *start + Duration::from_secs(u64::from(*sent)) <= now) {
                    if *sent == 0 {
                        self.write(sink, &format!("\r\nPinging {host} [{address}] with 32 bytes of data:\r\n"));
                    }
                    self.write(sink, &format!("Reply from {address}: bytes=32 time<1ms TTL=128\r\n"));
                    *sent += 1;
                }
                if *sent < *count {
                    return None;
                }
                let n = *count;
                self.write(
                    sink,
                    &format!(
                        "\r\nPing statistics for {address}:\r\n    Packets: Sent = {n}, Received = {n}, Lost = 0 (0% loss),\r\n\
                         Approximate round trip times in milli-seconds:\r\n    Minimum = 0ms, Maximum = 0ms, Average = 0ms\r\n"
                    ),
                );
                Some(0)
            }
        }
    }

    fn write(&self, sink: &mut Sink, text: &str) {
        sink.stdout.extend(self.codepage.encode(text));
    }

    fn write_err(&self, sink: &mut Sink, text: &str) {
        sink.stderr.extend(self.codepage.encode(text));
    }

    /// Expands `%NAME%` as cmd does on a command line.
    fn expand(&self, line: &str) -> String {
        let mut out = String::new();
        let mut rest = line;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find('%') {
                Some(j) if j > 0 => match self.var(&after[..j]) {
                    Some(v) => {
                        out.push_str(&v);
                        rest = &after[j + 1..];
                    }
                    None => {
                        out.push('%');
                        rest = after;
                    }
                },
                _ => {
                    out.push('%');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Splits a line into items and stages on `&`, `&&`, `||`, `|` outside
    /// quotes; `^` escapes the next character outside quotes.
    fn split_line(&self, line: &str) -> Vec<Item> {
        let mut items = Vec::new();
        let mut stages = Vec::new();
        let mut cur = String::new();
        let mut op = Op::Always;
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    quoted = !quoted;
                    cur.push(c);
                }
                _ if quoted => cur.push(c),
                '^' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                '&' if cur.ends_with(['>', '<']) => cur.push(c),
                '&' | '|' => {
                    let double = chars.peek() == Some(&c);
                    if double {
                        chars.next();
                    }
                    stages.push(std::mem::take(&mut cur));
                    if c == '|' && !double {
                        continue;
                    }
                    items.push(Item { op, stages: std::mem::take(&mut stages) });
                    op = match (c, double) {
                        ('&', true) => Op::And,
                        ('|', true) => Op::Or,
                        _ => Op::Always,
                    };
                }
                _ => cur.push(c),
            }
        }
        stages.push(cur);
        items.push(Item { op, stages });
        items
    }

    /// Advances the waiting step, its output going where its redirections say.
    fn advance_routed(&mut self, blocked: &mut Blocked, stdin: &mut Stdin, sink: &mut Sink, now: Option<Instant>) -> Option<u32> {
        if self.route.is_default() {
            return self.advance(blocked, stdin, sink, now);
        }
        let mut tmp = Sink::default();
        let r = self.advance(blocked, stdin, &mut tmp, now);
        let mut route = std::mem::take(&mut self.route);
        self.deliver(&mut route, tmp, sink);
        self.route = route;
        r
    }

    /// Runs one simple command with its redirections (`>`, `>>`, `1>`, `2>`,
    /// `>&2`, `2>&1`, `nul`, `<`); files are written into this process's tree.
    fn exec(&mut self, stage: &str, piped: Option<Stdin>, sink: &mut Sink) -> Step {
        let (text, redirs) = split_redirections(stage);
        if redirs.is_empty() {
            self.route = Route::default();
            return self.exec_simple(stage, piped, sink);
        }
        let mut route = Route::default();
        let mut piped = piped;
        for r in redirs {
            let target = match r.target.as_str() {
                "&1" => route.stdout.clone(),
                "&2" => route.stderr.clone(),
                t if t.eq_ignore_ascii_case("nul") => Target::Null,
                t if r.fd == 0 => match self.fs.resolve(&self.cwd, t) {
                    Some((_, Node::File(content))) => {
                        piped = Some(Stdin::closed(content.clone()));
                        continue;
                    }
                    _ => {
                        self.write_err(sink, "The system cannot find the file specified.\r\n");
                        return Step::Done(1);
                    }
                },
                t => match self.file_target(t) {
                    Some(path) => Target::File { path, append: r.append },
                    None => {
                        self.write_err(sink, "The system cannot find the path specified.\r\n");
                        return Step::Done(1);
                    }
                },
            };
            match r.fd {
                2 => route.stderr = target,
                _ => route.stdout = target,
            }
        }
        // A file opened for writing (not appending) is emptied before the command runs.
        for t in [&mut route.stdout, &mut route.stderr] {
            if let Target::File { path, append } = t {
                if !*append {
                    self.fs = std::mem::take(&mut self.fs).with_file(path, Vec::new());
                    *append = true;
                }
            }
        }
        let mut tmp = Sink::default();
        let step = self.exec_simple(&text, piped, &mut tmp);
        self.deliver(&mut route, tmp, sink);
        self.route = route;
        step
    }

    /// The canonical path of a file to write: its directory must exist.
    fn file_target(&self, name: &str) -> Option<String> {
        let name = name.trim_matches('"');
        let (dir, file) = match name.rfind(['\\', '/']) {
            Some(i) => (&name[..=i], &name[i + 1..]),
            None => (".", name),
        };
        match self.fs.resolve(&self.cwd, dir) {
            Some((d, Node::Dir(_))) if !file.is_empty() => Some(format!("{}\\{file}", d.trim_end_matches('\\'))),
            _ => None,
        }
    }

    /// Sends a step's output where its route says.
    fn deliver(&mut self, route: &mut Route, out: Sink, sink: &mut Sink) {
        for (bytes, target) in [(out.stdout, &route.stdout), (out.stderr, &route.stderr)] {
            if bytes.is_empty() {
                continue;
            }
            match target {
                Target::Stdout => sink.stdout.extend(bytes),
                Target::Stderr => sink.stderr.extend(bytes),
                Target::Null => {}
                Target::File { path, .. } => {
                    let mut content = match self.fs.resolve(&self.cwd, path) {
                        Some((_, Node::File(c))) => c.clone(),
                        _ => Vec::new(),
                    };
                    content.extend(bytes);
                    self.fs = std::mem::take(&mut self.fs).with_file(path, content);
                }
            }
        }
    }

    /// Runs one simple command. `piped`: its stdin when it is a later stage of a pipe.
    fn exec_simple(&mut self, stage: &str, piped: Option<Stdin>, sink: &mut Sink) -> Step {
        let text = stage.trim_start_matches([' ', '\t', '@']);
        if text.trim().is_empty() {
            return Step::Done(self.last_exit);
        }
        let lower = text.to_ascii_lowercase();
        // `echo.`, `echo(`, `echo:` … print what follows the delimiter.
        if lower.starts_with("echo") && text[4..].starts_with(['.', '(', ':', '/', '\\', '[', ']', '+', ',', ';', '=']) {
            let rest = &text[5..];
            self.write(sink, &format!("{rest}\r\n"));
            return Step::Done(0);
        }
        let (word, rest) = first_word(text);
        let (word, rest) = if lower.starts_with("cd") && text[2..].starts_with(['.', '\\']) { ("cd", &text[2..]) } else { (word, rest) };
        let name = program_name(word);
        let args = split_args(rest);
        match name.as_str() {
            "echo" => self.echo(rest, sink),
            "rem" | "cls" => Step::Done(0),
            "set" => self.set(rest, sink),
            "ver" => {
                let v = format!("\r\nMicrosoft Windows [Version {}]\r\n", self.host.os_version);
                self.write(sink, &v);
                Step::Done(0)
            }
            "hostname" => {
                let m = format!("{}\r\n", self.host.machine);
                self.write(sink, &m);
                Step::Done(0)
            }
            "whoami" => {
                let w = format!("{}\\{}\r\n", self.host.domain.to_lowercase(), self.host.user.to_lowercase());
                self.write(sink, &w);
                Step::Done(0)
            }
            "exit" => {
                let code = args.iter().find(|a| !a.eq_ignore_ascii_case("/b")).map_or(self.last_exit, |a| parse_exit_code(a));
                Step::Exit(code)
            }
            "cd" | "chdir" => self.cd(&args, sink),
            "dir" => self.dir(&args, sink),
            "type" => self.type_(&args, piped, sink),
            "pause" => {
                self.write(sink, "Press any key to continue . . . ");
                Step::Block(Blocked::Pause { input: piped })
            }
            "timeout" => {
                // timeout.exe refuses a stdin that is not a console, as over WinRS.
                self.write_err(sink, "ERROR: Input redirection is not supported, exiting the process immediately.\r\n");
                Step::Done(1)
            }
            "more" => Step::Block(Blocked::Lines { filter: Filter::All, partial: Vec::new(), matched: false, input: piped }),
            "sort" => Step::Block(Blocked::Sort { all: Vec::new(), input: piped }),
            "findstr" => self.findstr(&args, piped, sink),
            "ping" => self.ping(&args, sink),
            "powershell" | "pwsh" => {
                let (out, err, code) = super::powershell::run(rest, &self.env_pairs(), self.codepage);
                sink.stdout.extend(out);
                sink.stderr.extend(err);
                Step::Done(code)
            }
            "cmd" => {
                let mut rest = rest.trim_start();
                loop {
                    let (flag, after) = first_word(rest);
                    let f = flag.to_ascii_lowercase();
                    if f == "/c" || f == "/k" {
                        let mut inner = after.trim_start();
                        if inner.starts_with('"') {
                            if let Some(end) = inner.rfind('"').filter(|&e| e > 0) {
                                inner = &inner[1..end];
                            }
                        }
                        return Step::Nested(self.split_line(&self.expand(inner)));
                    }
                    if f.starts_with('/') {
                        rest = after.trim_start();
                        continue;
                    }
                    if piped.is_some() || self.frames.len() >= MAX_NESTING {
                        // An interactive cmd reads the process's stdin only.
                        return Step::Done(0);
                    }
                    let banner = format!("Microsoft Windows [Version {}]\r\n(c) Microsoft Corporation. All rights reserved.\r\n", self.host.os_version);
                    self.write(sink, &banner);
                    return Step::Interactive;
                }
            }
            _ => {
                let shown = word.trim_matches('"');
                self.write_err(sink, &format!("'{shown}{NOT_RECOGNIZED_TAIL}"));
                Step::Done(1)
            }
        }
    }

    fn env_pairs(&self) -> Vec<(String, String)> {
        self.env.values().cloned().collect()
    }

    fn echo(&mut self, rest: &str, sink: &mut Sink) -> Step {
        let t = rest.trim();
        if t.is_empty() {
            let state = if self.echo_on { "ECHO is on.\r\n" } else { "ECHO is off.\r\n" };
            self.write(sink, state);
        } else if t.eq_ignore_ascii_case("off") || t.eq_ignore_ascii_case("on") {
            self.echo_on = t.eq_ignore_ascii_case("on");
        } else {
            self.write(sink, &format!("{rest}\r\n"));
        }
        Step::Done(0)
    }

    fn set(&mut self, rest: &str, sink: &mut Sink) -> Step {
        let mut t = rest.trim();
        if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
            t = &t[1..t.len() - 1];
        }
        if let Some((name, value)) = t.split_once('=') {
            if name.is_empty() {
                self.write_err(sink, "The syntax of the command is incorrect.\r\n");
                return Step::Done(1);
            }
            if value.is_empty() {
                self.env.remove(&name.to_uppercase());
            } else {
                self.set_var(name, value.to_string());
            }
            return Step::Done(0);
        }
        let prefix = t.to_uppercase();
        let mut listed = false;
        let mut text = String::new();
        let mut vars: Vec<&(String, String)> = self.env.values().collect();
        vars.sort_by_key(|(n, _)| n.to_uppercase());
        for (n, v) in vars {
            if n.to_uppercase().starts_with(&prefix) {
                text.push_str(&format!("{n}={v}\r\n"));
                listed = true;
            }
        }
        self.write(sink, &text);
        if listed {
            Step::Done(0)
        } else {
            self.write_err(sink, &format!("Environment variable {t} not defined\r\n"));
            Step::Done(1)
        }
    }

    fn cd(&mut self, args: &[String], sink: &mut Sink) -> Step {
        let target: Vec<&String> = args.iter().filter(|a| !a.eq_ignore_ascii_case("/d")).collect();
        let Some(target) = target.first() else {
            let c = format!("{}\r\n", self.cwd);
            self.write(sink, &c);
            return Step::Done(0);
        };
        match self.fs.resolve(&self.cwd, target) {
            Some((path, Node::Dir(_))) => {
                self.cwd = path;
                Step::Done(0)
            }
            Some((_, Node::File(_))) => {
                self.write_err(sink, "The directory name is invalid.\r\n");
                Step::Done(1)
            }
            None => {
                self.write_err(sink, "The system cannot find the path specified.\r\n");
                Step::Done(1)
            }
        }
    }

    fn dir(&mut self, args: &[String], sink: &mut Sink) -> Step {
        let bare = args.iter().any(|a| a.eq_ignore_ascii_case("/b"));
        let target = args.iter().find(|a| !a.starts_with('/')).map_or(".", String::as_str);
        let header = " Volume in drive C has no label.\r\n Volume Serial Number is 5A3C-19E2\r\n\r\n";
        let Some((path, node)) = self.fs.resolve(&self.cwd, target) else {
            if !bare {
                self.write(sink, header);
            }
            self.write_err(sink, "File Not Found\r\n");
            return Step::Done(1);
        };
        const STAMP: &str = "01/01/2026  12:00 AM";
        let mut text = String::new();
        let (files, dirs, bytes) = match node {
            Node::File(content) => {
                let name = path.rsplit('\\').next().unwrap_or_default();
                if bare {
                    text.push_str(&format!("{name}\r\n"));
                } else {
                    text.push_str(&format!("{STAMP}    {:>14} {name}\r\n", group(content.len())));
                }
                (1, 0, content.len())
            }
            Node::Dir(entries) => {
                let mut files = 0;
                let mut dirs = 0;
                let mut bytes = 0;
                if !bare && path.len() > 3 {
                    text.push_str(&format!("{STAMP}    <DIR>          .\r\n{STAMP}    <DIR>          ..\r\n"));
                    dirs += 2;
                }
                for (name, child) in entries.values() {
                    match child {
                        _ if bare => text.push_str(&format!("{name}\r\n")),
                        Node::Dir(_) => text.push_str(&format!("{STAMP}    <DIR>          {name}\r\n")),
                        Node::File(c) => text.push_str(&format!("{STAMP}    {:>14} {name}\r\n", group(c.len()))),
                    }
                    match child {
                        Node::Dir(_) => dirs += 1,
                        Node::File(c) => {
                            files += 1;
                            bytes += c.len();
                        }
                    }
                }
                (files, dirs, bytes)
            }
        };
        if bare {
            self.write(sink, &text);
            return Step::Done(0);
        }
        let dir_of = if matches!(node, Node::File(_)) { path.rsplit_once('\\').map_or("C:\\", |p| p.0).to_string() } else { path.clone() };
        let dir_of = if dir_of == "C:" { "C:\\".to_string() } else { dir_of };
        let all = format!(
            "{header} Directory of {dir_of}\r\n\r\n{text}{files:>16} File(s) {:>14} bytes\r\n{dirs:>16} Dir(s)  {} bytes free\r\n",
            group(bytes),
            group(107_374_182_400)
        );
        self.write(sink, &all);
        Step::Done(0)
    }

    fn type_(&mut self, args: &[String], piped: Option<Stdin>, sink: &mut Sink) -> Step {
        let Some(file) = args.first() else {
            self.write_err(sink, "The syntax of the command is incorrect.\r\n");
            return Step::Done(1);
        };
        if file.eq_ignore_ascii_case("con") {
            return Step::Block(Blocked::Copy { input: piped });
        }
        match self.fs.resolve(&self.cwd, file) {
            Some((_, Node::File(content))) => {
                sink.stdout.extend_from_slice(content);
                Step::Done(0)
            }
            Some((_, Node::Dir(_))) => {
                self.write_err(sink, "Access is denied.\r\n");
                Step::Done(1)
            }
            None => {
                self.write_err(sink, "The system cannot find the file specified.\r\n");
                Step::Done(1)
            }
        }
    }

    fn findstr(&mut self, args: &[String], piped: Option<Stdin>, sink: &mut Sink) -> Step {
        let mut ignore_case = false;
        let mut invert = false;
        let mut pattern = None;
        for a in args {
            let l = a.to_ascii_lowercase();
            match l.as_str() {
                "/i" => ignore_case = true,
                "/v" => invert = true,
                "/r" | "/l" | "/n" | "/c" => {}
                _ if pattern.is_none() => pattern = Some(a.clone()),
                _ => {}
            }
        }
        let Some(pattern) = pattern else {
            self.write_err(sink, "FINDSTR: Bad command line\r\n");
            return Step::Done(2);
        };
        // `.*` (and `.`) match every line; any other pattern is a literal.
        let pattern = if pattern == ".*" || pattern == "." { None } else { Some(pattern.into_bytes()) };
        Step::Block(Blocked::Lines { filter: Filter::Findstr { pattern, ignore_case, invert }, partial: Vec::new(), matched: false, input: piped })
    }

    fn ping(&mut self, args: &[String], sink: &mut Sink) -> Step {
        let mut count = 4u32;
        let mut host = None;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a.eq_ignore_ascii_case("-n") || a.eq_ignore_ascii_case("/n") {
                match it.next().and_then(|n| n.parse::<u32>().ok()).filter(|n| *n >= 1) {
                    Some(n) => count = n,
                    None => {
                        self.write(sink, "Bad value for option -n, valid range is from 1 to 4294967295.\r\n");
                        return Step::Done(1);
                    }
                }
            } else if !a.starts_with(['-', '/']) {
                host = Some(a.clone());
            }
        }
        let Some(host) = host else {
            self.write(sink, "\r\nUsage: ping [-n count] target_name\r\n");
            return Step::Done(1);
        };
        let lower = host.to_lowercase();
        let address = if lower == "localhost" || lower == self.host.machine.to_lowercase() || lower == "127.0.0.1" {
            "127.0.0.1".to_string()
        } else if host.split('.').count() == 4 && host.split('.').all(|p| p.parse::<u8>().is_ok()) {
            host.clone()
        } else {
            self.write(sink, &format!("Ping request could not find host {host}. Please check the name and try again.\r\n"));
            return Step::Done(1);
        };
        Step::Block(Blocked::Ping { host, address, count, sent: 0, start: self.clock })
    }
}

/// Where a stream of a step goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Stdout,
    Stderr,
    Null,
    /// A file of the tree (canonical path); `append` once it was emptied.
    File {
        path: String,
        append: bool,
    },
}

/// The redirections of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    stdout: Target,
    stderr: Target,
}

impl Default for Route {
    fn default() -> Self {
        Route { stdout: Target::Stdout, stderr: Target::Stderr }
    }
}

impl Route {
    fn is_default(&self) -> bool {
        *self == Route::default()
    }
}

/// One redirection as written: `fd` 0 (`<`), 1 or 2; `target` `&1`, `&2` or a name.
#[derive(Debug)]
struct Redirection {
    fd: u8,
    append: bool,
    target: String,
}

/// Cuts the redirections (outside quotes) out of a step's text.
fn split_redirections(stage: &str) -> (String, Vec<Redirection>) {
    let chars: Vec<char> = stage.chars().collect();
    let mut text = String::new();
    let mut redirs = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            quoted = !quoted;
        }
        if quoted || (c != '>' && c != '<') {
            text.push(c);
            i += 1;
            continue;
        }
        let mut fd = if c == '<' { 0 } else { 1 };
        if c == '>' && (text.ends_with('1') || text.ends_with('2')) {
            let before = text.chars().rev().nth(1);
            if before.is_none_or(char::is_whitespace) {
                fd = if text.ends_with('2') { 2 } else { 1 };
                text.pop();
            }
        }
        i += 1;
        let append = c == '>' && chars.get(i) == Some(&'>');
        if append {
            i += 1;
        }
        while chars.get(i).is_some_and(|c| *c == ' ' || *c == '\t') {
            i += 1;
        }
        let mut target = String::new();
        if chars.get(i) == Some(&'&') {
            target.push('&');
            i += 1;
            if let Some(d) = chars.get(i).filter(|d| d.is_ascii_digit()) {
                target.push(*d);
                i += 1;
            }
        } else {
            let mut q = false;
            while let Some(&c) = chars.get(i) {
                if c == '"' {
                    q = !q;
                } else if !q && (c == ' ' || c == '\t' || c == '>' || c == '<') {
                    break;
                }
                target.push(c);
                i += 1;
            }
        }
        redirs.push(Redirection { fd, append, target });
    }
    (text, redirs)
}

/// The programs (not cmd built-ins) that WINRS_SKIP_CMD_SHELL can start.
const PROGRAMS: &[&str] = &["cmd", "hostname", "whoami", "more", "sort", "findstr", "ping", "timeout", "powershell", "pwsh"];

/// The first word (up to whitespace, quotes kept together) and what follows
/// it after one delimiter.
fn first_word(text: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return (&text[..i], &text[i + 1..]),
            _ => {}
        }
    }
    (text, "")
}

/// The lower-case program name of a command word: quotes, directory and a
/// `.exe`/`.com` extension dropped.
fn program_name(word: &str) -> String {
    let w = word.trim_matches('"');
    let base = w.rsplit(['\\', '/']).next().unwrap_or(w).to_ascii_lowercase();
    for ext in [".exe", ".com"] {
        if let Some(stem) = base.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    base
}

/// Splits arguments on whitespace; double quotes group and are removed.
pub(crate) fn split_args(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' | '\t' if !quoted => {
                if any || !cur.is_empty() {
                    args.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            _ => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        args.push(cur);
    }
    args
}

/// `exit /b N`: decimal (or `0x` hex), negative values wrap as a DWORD; not a number: 0.
fn parse_exit_code(text: &str) -> u32 {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).unwrap_or(0);
    }
    t.parse::<i64>().map_or(0, |n| n as u32)
}

/// `1234567` → `1,234,567`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
