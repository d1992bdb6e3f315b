//! WinRS through the typed shell operations, against the reference server's
//! built-in interpreter: output, exit codes, stdin, faults, the long poll.

use std::time::Duration;

use test_support::TestServer;
use wsman_client::message::shell::SignalCode;
use wsman_client::shell::{CommandOptions, Output, ShellOptions};
use wsman_client::{Endpoint, ErrorKind, Session};
use wsman_proto::FaultKind;

use crate::session;

/// The WSManFault code of an unknown ShellId or CommandId (UnexpectedSelectors).
const UNEXPECTED_SELECTORS: u32 = 2150858843;

const NO_ARGS: &[&str] = &[];

/// Runs one command in a new shell to its end, then deletes the shell.
async fn run(s: &Session, command: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let shell = s.open_shell(ShellOptions::default()).await.expect("open a shell");
    let cmd = shell.run(command, args, CommandOptions::default()).await.expect("start the command");
    let out = cmd.run_to_end(stdin).await.expect("run to the end");
    shell.close().await.expect("delete the shell");
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn echo_prints_on_stdout_and_exits_0() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let out = run(&s, "echo", &["hello", "world"], None).await;
    assert_eq!((text(&out.stdout).as_str(), text(&out.stderr).as_str(), out.exit_code), ("hello world\r\n", "", 0));
}

#[tokio::test]
async fn the_exit_code_is_the_commands() {
    let server = TestServer::reference().await;
    let s = session(&server);
    assert_eq!(run(&s, "exit", &["/b", "7"], None).await.exit_code, 7);
    assert_eq!(run(&s, "cmd", &["/c", "exit /b 300"], None).await.exit_code, 300);
    assert_eq!(run(&s, "ver", NO_ARGS, None).await.exit_code, 0);
}

#[tokio::test]
async fn stdin_is_passed_through() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let out = run(&s, "findstr", &["x"], Some(b"ax\r\nb\r\nxc\r\n")).await;
    assert_eq!((text(&out.stdout).as_str(), out.exit_code), ("ax\r\nxc\r\n", 0));

    // In pieces that split lines, End on an empty last Send, receiving in between.
    let shell = s.open_shell(ShellOptions::default()).await.expect("open");
    let cmd = shell.run("more", NO_ARGS, CommandOptions::default()).await.expect("more");
    cmd.send(b"one\r\ntw", false).await.expect("send");
    let mut stdout = Vec::new();
    loop {
        let r = cmd.receive().await.expect("receive");
        assert_eq!(r.done, None, "more waits for the end of its stdin");
        stdout.extend(r.stdout);
        if !stdout.is_empty() {
            break;
        }
    }
    cmd.send(b"o\r\n", false).await.expect("send");
    cmd.send(b"", true).await.expect("send End");
    let rest = cmd.run_to_end(None).await.expect("to the end");
    stdout.extend(rest.stdout);
    assert_eq!((text(&stdout).as_str(), rest.exit_code), ("one\r\ntwo\r\n", 0));

    // More than one Send chunk of input, byte for byte.
    let big: Vec<u8> = (0..3 * wsman_client::shell::SEND_CHUNK + 17).map(|i| b'a' + (i % 26) as u8).collect();
    let copy = shell.run("type", &["con"], CommandOptions::default()).await.expect("type con");
    let out = copy.run_to_end(Some(&big)).await.expect("to the end");
    assert_eq!(out.stdout.len(), big.len());
    assert!(out.stdout == big, "type con gives back its stdin");
    shell.close().await.expect("close");
}

#[tokio::test]
async fn an_unknown_command_is_not_recognized_and_exits_1() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let out = run(&s, "nosuchcommand", &["x"], None).await;
    assert_eq!(out.exit_code, 1);
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).starts_with("'nosuchcommand' is not recognized as an internal or external command"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn the_environment_and_working_directory_of_the_shell() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let options = ShellOptions {
        environment: vec![("HARNESS_X".into(), "forty two".into())],
        working_directory: Some("C:\\Windows\\System32".into()),
        ..ShellOptions::default()
    };
    let shell = s.open_shell(options).await.expect("open");
    let out = shell.run("echo", &["%HARNESS_X%"], CommandOptions::default()).await.expect("echo").run_to_end(None).await.expect("end");
    assert_eq!(text(&out.stdout), "forty two\r\n");
    let out = shell.run("cd", NO_ARGS, CommandOptions::default()).await.expect("cd").run_to_end(None).await.expect("end");
    assert_eq!(text(&out.stdout), "C:\\Windows\\System32\r\n");
    shell.close().await.expect("close");
}

/// A command that writes a line a second, received with a Receive timeout
/// far shorter than that: the polls that time out are empty answers, not
/// errors, and the output arrives whole and in order across them.
#[tokio::test]
async fn a_streaming_command_is_received_across_timed_out_polls() {
    let server = TestServer::reference().await;
    let s = Session::new(Endpoint::new(&server.url).with_user("admin", "admin").with_timeout(Duration::from_secs(5))).expect("session");
    let shell = s.open_shell(ShellOptions { receive_timeout: Some(Duration::from_millis(250)), ..ShellOptions::default() }).await.expect("open");
    assert_eq!(shell.receive_timeout(), Duration::from_millis(250));
    let cmd = shell.run("ping", &["-n", "3", "127.0.0.1"], CommandOptions::default()).await.expect("ping");
    let (mut stdout, mut timed_out, mut with_output) = (Vec::new(), 0, 0);
    let exit_code = loop {
        let r = cmd.receive().await.expect("receive");
        if r.timed_out {
            assert!(r.stdout.is_empty() && r.stderr.is_empty() && r.done.is_none(), "{r:?}");
            timed_out += 1;
        }
        if !r.stdout.is_empty() {
            with_output += 1;
        }
        stdout.extend(r.stdout);
        if let Some(code) = r.done {
            break code;
        }
    };
    let out = text(&stdout);
    assert_eq!(exit_code, 0, "{out}");
    assert_eq!(out.matches("Reply from 127.0.0.1").count(), 3, "{out}");
    assert!(out.contains("Packets: Sent = 3, Received = 3"), "{out}");
    assert!(timed_out >= 2, "about 2 s of output with 250 ms polls: {timed_out} timed out");
    assert!(with_output >= 2, "the replies come as they are written, not at the end: {with_output}");
    shell.close().await.expect("close");
}

#[tokio::test]
async fn ctrl_c_ends_a_running_command() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let shell = s.open_shell(ShellOptions::default()).await.expect("open");
    let cmd = shell.run("ping", &["-n", "1000", "127.0.0.1"], CommandOptions::default()).await.expect("ping");
    let first = cmd.receive().await.expect("receive");
    assert_eq!(first.done, None);
    cmd.signal(SignalCode::CtrlC).await.expect("ctrl_c");
    let rest = cmd.run_to_end(None).await.expect("to the end");
    assert_eq!(rest.exit_code, 0xC000_013A, "STATUS_CONTROL_C_EXIT");
    shell.close().await.expect("close");
}

#[tokio::test]
async fn a_deleted_shell_is_unknown_to_its_commands() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let shell = s.open_shell(ShellOptions::default()).await.expect("open");
    assert!(!shell.shell_id().is_empty());
    let cmd = shell.run("more", NO_ARGS, CommandOptions::default()).await.expect("more");
    assert!(!cmd.command_id().is_empty());
    cmd.send(b"x\r\n", false).await.expect("a live command takes input");
    assert_eq!(cmd.receive().await.expect("a live command receives").stdout, b"x\r\n");
    shell.close().await.expect("close");
    let e = cmd.receive().await.expect_err("the shell is gone");
    assert_eq!(e.fault_kind(), Some(FaultKind::InvalidSelectors), "{e:?}");
    assert_eq!(e.fault().and_then(|f| f.wsman_code), Some(UNEXPECTED_SELECTORS), "{e:?}");
    assert!(!wsman_client::shell::is_receive_timeout(&e));

    // Dropped without close: deleted in the background.
    let shell = s.open_shell(ShellOptions::default()).await.expect("open");
    let cmd = shell.run("more", NO_ARGS, CommandOptions::default()).await.expect("more");
    cmd.send(b"x\r\n", false).await.expect("a live command takes input");
    drop(shell);
    s.released().await;
    let e = cmd.send(b"y\r\n", true).await.expect_err("the shell is gone");
    assert_eq!(e.fault().and_then(|f| f.wsman_code), Some(UNEXPECTED_SELECTORS), "{e:?}");
}

#[tokio::test]
async fn a_receive_timeout_not_shorter_than_the_deadline_is_refused() {
    let server = TestServer::reference().await;
    let s = session(&server);
    for t in [s.timeout(), s.timeout() * 2, Duration::ZERO] {
        let e = s.open_shell(ShellOptions { receive_timeout: Some(t), ..ShellOptions::default() }).await.expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e:?}");
    }
    let shell = s.open_shell(ShellOptions::default()).await.expect("the default is shorter");
    assert!(shell.receive_timeout() < s.timeout());
    shell.close().await.expect("close");
}

async fn with_defect(d: wsman_server::Defect) -> TestServer {
    TestServer::start(wsman_server::Config { defects: wsman_server::DefectSet::new([d]), ..wsman_server::Config::default() }).await
}

/// The checks above can fail: each shell defect of the server shows in
/// what the client reports, except the one the client is meant to absorb.
#[tokio::test]
async fn what_the_shell_defects_change() {
    use wsman_server::Defect;

    // The ShellId only in rsp:Shell (no ResourceCreated selector): read there.
    let server = with_defect(Defect::ShellIdNotInSelector).await;
    let out = run(&session(&server), "echo", &["found"], None).await;
    assert_eq!((text(&out.stdout).as_str(), out.exit_code), ("found\r\n", 0));

    let server = with_defect(Defect::ShellExitCodeZero).await;
    assert_eq!(run(&session(&server), "exit", &["/b", "7"], None).await.exit_code, 0, "the exit code test tells");

    let server = with_defect(Defect::ShellStderrAsStdout).await;
    let out = run(&session(&server), "nosuchcommand", NO_ARGS, None).await;
    assert!(out.stderr.is_empty() && text(&out.stdout).contains("is not recognized"), "{out:?}");

    // Empty Running answers instead of w:TimedOut: still read to the end, but no poll timed out.
    let server = with_defect(Defect::ShellReceiveNoTimeout).await;
    let s = Session::new(Endpoint::new(&server.url).with_user("admin", "admin").with_timeout(Duration::from_secs(5))).expect("session");
    let shell = s.open_shell(ShellOptions { receive_timeout: Some(Duration::from_millis(250)), ..ShellOptions::default() }).await.expect("open");
    let cmd = shell.run("ping", &["-n", "2", "127.0.0.1"], CommandOptions::default()).await.expect("ping");
    let mut timed_out = 0;
    let mut stdout = Vec::new();
    loop {
        let r = cmd.receive().await.expect("receive");
        timed_out += usize::from(r.timed_out);
        stdout.extend(r.stdout);
        if r.done.is_some() {
            break;
        }
    }
    assert_eq!(text(&stdout).matches("Reply from").count(), 2);
    assert_eq!(timed_out, 0, "the streaming test's timed-out count tells");
    shell.close().await.expect("close");
}
