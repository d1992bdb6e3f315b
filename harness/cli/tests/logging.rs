//! `serve` logs through `tracing` on stderr: one access line per request with
//! its fields, never the password; stdout holds only the readiness lines.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use wsman_proto::header::Header;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, Envelope};

const USER: &str = "tester";
const PASSWORD: &str = "Pa55-w0rd-never-logged";

fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= chunk.len() { char::from(A[((n >> shift) & 63) as usize]) } else { '=' });
        }
    }
    out
}

fn envelope(action: Option<Action>, resource_uri: Option<&str>, body: Element) -> Vec<u8> {
    let header = Header {
        to: action.as_ref().map(|_| "http://127.0.0.1/wsman".to_owned()),
        reply_to: action.as_ref().map(|_| ns::WSA_ANONYMOUS.to_owned()),
        message_id: action.as_ref().map(|_| "uuid:00000000-0000-4000-8000-000000000007".to_owned()),
        action,
        resource_uri: resource_uri.map(str::to_owned),
        ..Header::default()
    };
    Envelope { header, body: vec![body] }.encode()
}

/// POSTs `body` on a fresh connection (Connection: close); returns the status.
fn post(addr: &str, credentials: &str, body: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST /wsman HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {}\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        base64(credentials.as_bytes()),
        body.len()
    );
    // A server that stops answering fails the test instead of hanging it.
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    s.write_all(head.as_bytes()).and_then(|()| s.write_all(body)).expect("send");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status line in {answer:.200}"))
}

struct Run {
    stdout: Vec<String>,
    stderr: String,
    statuses: Vec<u16>,
}

/// A started `serve` (stdout and stderr piped), its stdout after the
/// readiness line, that line, and the `HOST:PORT` it names.
fn start_serve(rust_log: &str) -> (std::process::Child, BufReader<std::process::ChildStdout>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
        .args(["serve", "--http", "127.0.0.1:0", "--allow-unencrypted", "--user", &format!("{USER}:{PASSWORD}")])
        .env("RUST_LOG", rust_log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut ready = String::new();
    out.read_line(&mut ready).expect("a readiness line");
    let addr = ready.trim().strip_prefix("listening on http://").and_then(|r| r.strip_suffix("/wsman")).unwrap_or_else(|| panic!("{ready}")).to_owned();
    (child, out, ready, addr)
}

/// Runs `serve` with `RUST_LOG=rust_log`, sends four requests, stops it.
fn run_serve(rust_log: &str) -> Run {
    let (mut child, mut out, ready, addr) = start_serve(rust_log);

    let good = format!("{USER}:{PASSWORD}");
    let os = format!("{}root/cimv2/Win32_OperatingSystem", ns::WMI_RESOURCE_PREFIX);
    let missing = format!("{}root/cimv2/No_Such_Class", ns::WMI_RESOURCE_PREFIX);
    let statuses = vec![
        post(&addr, &good, &envelope(None, None, Element::ns(ns::WSMID, "Identify"))),
        post(&addr, &format!("{USER}:wrong-{PASSWORD}"), &envelope(Some(Action::Get), Some(&os), Element::ns(ns::WSMID, "x"))),
        post(&addr, &good, &envelope(Some(Action::Get), Some(&missing), Element::ns(ns::WSMID, "x"))),
        post(&addr, &good, &envelope(Some(Action::Enumerate), Some(&os), Element::ns(ns::WSEN, "Enumerate"))),
    ];
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("stdout");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    assert!(child.wait().expect("exits").success());
    let stdout = std::iter::once(ready.trim_end().to_owned()).chain(rest.lines().map(str::to_owned)).collect();
    Run { stdout, stderr, statuses }
}

fn access_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("wsman_server::access")).collect()
}

#[test]
fn serve_writes_one_access_line_per_request_to_stderr() {
    let run = run_serve("info");
    assert_eq!(run.statuses, [200, 401, 500, 200]);
    assert!(run.stdout.iter().all(|l| l.starts_with("listening on ")), "stdout holds only readiness lines: {:?}", run.stdout);
    assert!(!run.stderr.contains(PASSWORD), "the password is never logged:\n{}", run.stderr);
    assert!(!run.stderr.contains(&base64(format!("{USER}:{PASSWORD}").as_bytes())), "nor the Authorization header");
    let lines = access_lines(&run.stderr);
    assert_eq!(lines.len(), 4, "one access line per request:\n{}", run.stderr);
    for l in &lines {
        assert!(l.contains(" INFO "), "{l}");
        for field in ["peer=127.0.0.1:", "user=", "action=", "resource_uri=", "status=", "fault=", "duration_us="] {
            assert!(l.contains(field), "{field} missing in {l}");
        }
        assert!(!l.contains("<s:Envelope"), "no body at info: {l}");
    }
    let status = |l: &str| l.split_whitespace().find_map(|f| f.strip_prefix("status=")).map(str::to_owned);
    let statuses: Vec<_> = lines.iter().filter_map(|l| status(l)).collect();
    assert_eq!(statuses, ["200", "401", "500", "200"], "in request order");
    assert!(lines[0].contains(&format!("user={USER}")) && lines[0].contains("fault=-"), "{}", lines[0]);
    assert!(lines[1].contains("user=-"), "the refused request names no user: {}", lines[1]);
    assert!(lines[2].contains("fault=a:DestinationUnreachable") && lines[2].contains("No_Such_Class") && lines[2].contains("/transfer/Get"), "{}", lines[2]);
    assert!(lines[3].contains("/enumeration/Enumerate") && lines[3].contains("Win32_OperatingSystem"), "{}", lines[3]);
}

#[test]
fn rust_log_filters_the_access_lines_and_debug_tells_why_auth_failed() {
    let quiet = run_serve("warn");
    assert_eq!(access_lines(&quiet.stderr), Vec::<&str>::new(), "RUST_LOG=warn hides the access lines");
    let debug = run_serve("wsman_server=debug");
    assert_eq!(access_lines(&debug.stderr).len(), 4);
    assert!(debug.stderr.lines().any(|l| l.contains("DEBUG") && l.contains("authentication refused")), "{}", debug.stderr);
    assert!(!debug.stderr.contains(PASSWORD), "not at debug either");
}

#[test]
fn the_embedded_check_prints_no_access_lines_by_default() {
    let dir = std::env::temp_dir().join(format!("wsman-harness-logging-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
        .args(["check", "--case", "core/identify/*", "--format", "json", "--report-dir"])
        .arg(&dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(access_lines(&stderr), Vec::<&str>::new(), "the in-process server is quiet: {stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("wsman_server::access"));
}

/// A script that pipes `serve`'s stderr and never reads it must not stall the
/// server: after the pipe's buffer (64 KiB, a few hundred access lines) is
/// full, requests are still answered (lines queue, and beyond the queue are
/// dropped, rather than block a request).
#[test]
fn an_unread_stderr_pipe_does_not_stall_serve() {
    let (mut child, _out, _ready, addr) = start_serve("info");
    let identify = envelope(None, None, Element::ns(ns::WSMID, "Identify"));
    let good = format!("{USER}:{PASSWORD}");
    // About 1,500 access lines of ~250 bytes: several times the pipe's buffer.
    let answered = (0..1500).filter(|_| post(&addr, &good, &identify) == 200).count();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answered, 1500);
}
