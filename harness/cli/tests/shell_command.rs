//! `wsman-harness shell` as a user runs it against `serve`: the remote exit
//! code as its own, stdin passed through, output streamed as it comes,
//! Ctrl-C sent as ctrl_c, the shell always deleted, usage errors exit 2.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{bin, Served};

fn served() -> Served {
    Served::start("http", &["--allow-unencrypted"])
}

/// `shell` against `served` as `u:p`, the flags before the command line.
fn shell(served: &Served, args: &[&str]) -> Command {
    let mut cmd = bin();
    cmd.args(["shell", "--endpoint", &served.url, "--user", "u:p"]).args(args);
    cmd
}

/// Runs with this stdin (a pipe), to the end.
fn run_with(served: &Served, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = shell(served, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().expect("runs");
    writer.join().expect("writer").expect("stdin written");
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The wsa:Action URIs of the requests in a `--dump` (not the responses
/// nor faults), as their last segment.
fn actions(dump: &str) -> Vec<String> {
    dump.split("<a:Action")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .filter_map(|(_, t)| t.split('<').next())
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
        .filter(|a| !a.ends_with("Response") && a != "fault")
        .collect()
}

#[test]
fn the_exit_code_is_the_remote_commands() {
    let s = served();
    let out = shell(&s, &["echo", "hello", "world"]).output().expect("runs");
    assert_eq!((out.status.code(), text(&out.stdout).as_str(), text(&out.stderr).as_str()), (Some(0), "hello world\r\n", ""));
    for (line, code) in [(&["exit", "/b", "7"][..], 7), (&["cmd", "/c", "exit /b 300"], 300 & 0xFF), (&["cmd", "/c", "exit /b 256"], 1), (&["ver"], 0)] {
        let out = shell(&s, line).output().expect("runs");
        assert_eq!(out.status.code(), Some(code), "{line:?}: {}", text(&out.stderr));
    }
    let out = shell(&s, &["nosuchcommand", "--flag"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("'nosuchcommand' is not recognized as an internal or external command"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn stdin_is_piped_through() {
    let s = served();
    let out = run_with(&s, &["findstr", "x"], b"ax\r\nb\r\nxc\r\n");
    assert_eq!((out.status.code(), text(&out.stdout).as_str()), (Some(0), "ax\r\nxc\r\n"), "{}", text(&out.stderr));
    // Byte for byte, over several Sends.
    let big: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let out = run_with(&s, &["type", "con"], &big);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout == big, "{} bytes back of {}", out.stdout.len(), big.len());
    // -i: a line at a time, to an interactive cmd that ends with its exit.
    let out = run_with(&s, &["-i", "cmd"], b"echo hi\r\nexit /b 4\r\necho never\r\n");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let seen = text(&out.stdout);
    assert!(seen.contains(">echo hi\r\nhi\r\n") && !seen.contains("never\r\n"), "{seen}");
    // A command that reads no input, given some: it ends as it would without.
    let out = run_with(&s, &["echo", "hi"], b"unread\r\n");
    assert_eq!((out.status.code(), text(&out.stdout).as_str()), (Some(0), "hi\r\n"));
}

#[test]
fn the_shell_is_environment_workdir_and_cleaned_up() {
    let s = served();
    let out = shell(&s, &["--dump", "--env", "HARNESS_X=forty two", "--workdir", "C:\\Windows", "cmd", "/c", "cd & echo %HARNESS_X%"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "C:\\Windows\r\nforty two\r\n");
    let sent = actions(&text(&out.stderr));
    assert_eq!(sent.first().map(String::as_str), Some("Create"), "{sent:?}");
    assert_eq!(sent[sent.len() - 2..], ["Signal".to_owned(), "Delete".to_owned()], "{sent:?}");
    assert!(text(&out.stderr).contains("shell/signal/terminate"));
    // (The End of the empty stdin may not be sent at all: the command can be Done first.)
    assert!(sent.contains(&"Command".to_owned()) && sent.contains(&"Receive".to_owned()), "{sent:?}");
}

/// `ping` writes a reply a second: the first reply is on our stdout long
/// before the command ends, across Receives that time out.
#[test]
fn output_is_streamed_as_it_comes() {
    let s = served();
    let start = Instant::now();
    let mut child =
        shell(&s, &["--receive-timeout", "300ms", "ping", "-n", "3", "127.0.0.1"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut first_reply = None;
    let mut buf = [0u8; 4096];
    loop {
        let n = stdout.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if first_reply.is_none() && text(&seen).contains("Reply from") {
            first_reply = Some(start.elapsed());
        }
    }
    let status = child.wait().expect("exits");
    let ended = start.elapsed();
    assert_eq!(status.code(), Some(0));
    assert_eq!(text(&seen).matches("Reply from 127.0.0.1").count(), 3, "{}", text(&seen));
    let first = first_reply.expect("a reply");
    assert!(ended - first >= Duration::from_millis(1500), "the first reply at {first:?}, the end at {ended:?}");
}

#[test]
fn ctrl_c_is_sent_as_ctrl_c_and_the_shell_is_deleted() {
    let s = served();
    let mut child = shell(&s, &["--dump", "ping", "-n", "1000", "127.0.0.1"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !text(&seen).contains("Reply from") {
        let n = stdout.read(&mut buf).expect("read");
        assert!(n > 0, "ended early: {}", text(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    stdout.read_to_end(&mut seen).expect("read");
    let mut dump = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut dump).expect("read");
    let status = child.wait().expect("exits");
    // STATUS_CONTROL_C_EXIT, 0xC000013A: its low byte.
    assert_eq!(status.code(), Some(0x3A), "{}", dump.lines().filter(|l| !l.starts_with(['<', '>'])).collect::<Vec<_>>().join("\n"));
    assert!(dump.contains("shell/signal/ctrl_c") && dump.contains("shell/signal/terminate"), "{}", actions(&dump).join(" "));
    assert_eq!(actions(&dump).last().map(String::as_str), Some("Delete"));
    assert!(text(&seen).matches("Reply from").count() < 1000);
}

#[test]
fn usage_and_connection_errors_exit_2_in_one_line() {
    let s = served();
    for (args, says) in [
        (&["--bogus", "echo", "x"][..], "--bogus"),
        (&["--timeout", "2s", "--receive-timeout", "5s", "echo", "x"], "--receive-timeout"),
        (&["--env", "NOVALUE", "echo", "x"], "--env"),
        (&["--codepage", "utf8", "echo", "x"], "utf8"),
    ] {
        let out = shell(&s, args).output().expect("runs");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let out = bin().args(["shell"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "no COMMAND");
    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let out = bin().args(["shell", "--endpoint", &format!("http://127.0.0.1:{port}/wsman"), "--user", "u:p", "echo", "x"]).output().expect("runs");
    assert_eq!((out.status.code(), text(&out.stderr).trim_end().lines().count()), (Some(2), 1), "{}", text(&out.stderr));
    // Wrong credentials: 401 in one line, exit 2, as the other client commands.
    let out = bin().args(["shell", "--endpoint", &s.url, "--user", "u:wrong", "echo", "x"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
}

/// The exit-code and stderr checks above can fail: a server that reports
/// every ExitCode as 0, or stderr as stdout, shows it.
#[test]
fn the_checks_fail_against_shell_defects() {
    let zero = Served::start("http", &["--allow-unencrypted", "--defect", "shell-exit-code-zero"]);
    let out = shell(&zero, &["exit", "/b", "7"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mixed = Served::start("http", &["--allow-unencrypted", "--defect", "shell-stderr-as-stdout"]);
    let out = shell(&mixed, &["nosuchcommand"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty() && text(&out.stdout).contains("is not recognized"), "{}", text(&out.stdout));
}

#[test]
fn serve_flags_set_the_shell_quota() {
    let s = Served::start("http", &["--allow-unencrypted", "--max-shells-per-user", "1"]);
    // The first shell stays open: `more` waits for stdin that has not ended.
    let mut first = shell(&s, &["more"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
    let mut input = first.stdin.take().expect("stdin");
    input.write_all(b"held open\r\n").expect("stdin");
    let mut out = first.stdout.take().expect("stdout");
    let mut seen = [0u8; 11];
    out.read_exact(&mut seen).expect("the first shell runs");
    assert_eq!(&seen, b"held open\r\n");
    let second = shell(&s, &["echo", "two"]).output().expect("runs");
    assert_ne!(second.status.code(), Some(0), "a second shell is over the quota of 1");
    assert!(text(&second.stderr).contains("QuotaLimit") || text(&second.stderr).contains("maximum number of 1 concurrent shells"), "{}", text(&second.stderr));
    drop(input);
    assert_eq!(first.wait().expect("ends").code(), Some(0));
    let third = shell(&s, &["echo", "three"]).output().expect("runs");
    assert_eq!((third.status.code(), text(&third.stdout).as_str()), (Some(0), "three\r\n"), "the quota is free again once the first shell is deleted");
}
