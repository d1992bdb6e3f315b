//! WinRS on the wire: the cmd shell resource, Receive's long poll, quotas,
//! idle expiry, shutdown, and 1000 shells at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use test_support::{Client, Reply, TestServer};
use wsman_client::Resource;
use wsman_proto::message::shell::{
    shell_id_of, CommandLine, CommandStateKind, DesiredStream, Receive, ReceiveResponse, Send, Shell, Signal, SignalCode, Stream,
};
use wsman_proto::message::{CreateResponse, Delete, Message};
use wsman_proto::{ns, Envelope, FaultDetail, FaultKind, XsDuration};
use wsman_server::{Config, Defect, DefectSet, Limits};

use super::{assert_fault, assert_ok};

fn shell_resource() -> Resource {
    Resource::new(ns::SHELL_CMD_RESOURCE)
}

fn in_shell(id: &str) -> Resource {
    shell_resource().selector("ShellId", id)
}

/// A shell session over raw requests, so every answer can be inspected.
struct Sh<'c> {
    c: &'c Client,
    id: String,
}

async fn open(c: &Client) -> Sh<'_> {
    let shell = Shell { input_streams: vec!["stdin".into()], output_streams: vec!["stdout".into(), "stderr".into()], ..Shell::default() };
    let req = c.request(&shell_resource().option("WINRS_CODEPAGE", "65001"), shell.to_create());
    let env = assert_ok(&c.post(req.encode()).await);
    let created = CreateResponse::decode(&env.body).expect("a CreateResponse");
    let id = shell_id_of(&created).expect("a ShellId");
    let rep = Shell::from_create_response(&created).expect("rsp:Shell decodes").expect("rsp:Shell after ResourceCreated");
    assert_eq!(rep.shell_id.as_deref(), Some(id.as_str()), "the selector and rsp:ShellId agree");
    assert_eq!(created.resource_created.selectors.as_ref().and_then(|s| s.get("ShellId")), Some(id.as_str()), "pypsrp reads the selector");
    Sh { c, id }
}

impl Sh<'_> {
    async fn post(&self, msg: impl Message, timeout: Option<Duration>) -> Reply {
        let mut req = self.c.request(&in_shell(&self.id), msg);
        if let Some(t) = timeout {
            req.header.operation_timeout = Some(XsDuration::from_millis(t.as_millis() as u64));
        }
        self.c.post(req.encode()).await
    }

    async fn run(&self, command: &str, args: &[&str]) -> String {
        let line = CommandLine { command: command.into(), arguments: args.iter().map(|a| a.to_string()).collect(), ..CommandLine::default() };
        let env = assert_ok(&self.post(line, None).await);
        wsman_proto::message::shell::CommandResponse::decode(&env.body).expect("CommandResponse").command_id
    }

    async fn send(&self, command: &str, data: &[u8], end: bool) -> Reply {
        let stream = Stream { name: "stdin".into(), command_id: Some(command.into()), end, data: data.to_vec() };
        self.post(Send { streams: vec![stream] }, None).await
    }

    async fn receive_once(&self, command: &str, timeout: Option<Duration>) -> Reply {
        let receive =
            Receive { desired_stream: DesiredStream { command_id: Some(command.into()), names: vec!["stdout".into(), "stderr".into()] }, ..Receive::default() };
        self.post(receive, timeout).await
    }

    /// Receives until Done: (stdout, stderr, exit code, responses).
    async fn receive_all(&self, command: &str) -> (Vec<u8>, Vec<u8>, i64) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for _ in 0..200 {
            let env = assert_ok(&self.receive_once(command, None).await);
            let r = ReceiveResponse::decode(&env.body).expect("ReceiveResponse");
            out.extend(r.data_of("stdout"));
            err.extend(r.data_of("stderr"));
            let state = r.command_state.expect("every ReceiveResponse has a CommandState");
            assert_eq!(state.command_id, command);
            if state.state == CommandStateKind::Done {
                assert!(r.streams.iter().any(|s| s.name == "stdout" && s.end), "Done closes stdout with End=true");
                return (out, err, state.exit_code.expect("Done carries an ExitCode"));
            }
            assert_eq!(state.state, CommandStateKind::Running);
        }
        panic!("the command did not end in 200 Receives");
    }

    async fn signal(&self, command: &str, code: SignalCode) -> Reply {
        self.post(Signal { command_id: Some(command.into()), code }, None).await
    }

    async fn delete(&self) -> Reply {
        self.post(Delete, None).await
    }
}

#[track_caller]
fn assert_wsman_code(r: &Reply, code: u32) {
    let f = r.envelope().fault().expect("a fault");
    assert_eq!(f.wsman_code, Some(code), "{}", r.text());
}

async fn server_with(limits: Limits, defects: &[Defect]) -> (TestServer, Client) {
    let s = TestServer::start(Config { limits, defects: DefectSet::new(defects.iter().copied()), ..Config::default() }).await;
    let c = Client::admin(&s);
    (s, c)
}

#[tokio::test]
async fn a_session_runs_commands_and_reports_their_exit_codes() {
    let (_s, c) = server_with(Limits::default(), &[]).await;
    let sh = open(&c).await;
    let id = sh.run("echo", &["hello", "world"]).await;
    assert_eq!(sh.receive_all(&id).await, (b"hello world\r\n".to_vec(), Vec::new(), 0));
    assert_ok(&sh.signal(&id, SignalCode::Terminate).await);

    let id = sh.run("exit", &["/b", "7"]).await;
    assert_eq!(sh.receive_all(&id).await.2, 7);

    let id = sh.run("frobnicate", &[]).await;
    let (out, err, code) = sh.receive_all(&id).await;
    assert!(out.is_empty());
    assert!(String::from_utf8_lossy(&err).contains("'frobnicate' is not recognized as an internal or external command"), "{err:?}");
    assert_eq!(code, 1);

    let id = sh.run("ver", &[]).await;
    assert!(String::from_utf8_lossy(&sh.receive_all(&id).await.0).contains("10.0.20348"), "ver agrees with Win32_OperatingSystem.Version");

    assert_ok(&sh.delete().await);
    let again = sh.delete().await;
    assert_fault(&again, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
    assert_wsman_code(&again, 2150858843);
}

#[tokio::test]
async fn stdin_reaches_the_command_and_wakes_a_waiting_receive() {
    let (_s, c) = server_with(Limits::default(), &[]).await;
    let sh = open(&c).await;
    let id = sh.run("more", &[]).await;

    // Nothing to say before the OperationTimeout: w:TimedOut, which clients take as "poll again".
    let r = sh.receive_once(&id, Some(Duration::from_millis(300))).await;
    let env = assert_fault(&r, FaultKind::TimedOut, None);
    assert_eq!(env.fault().and_then(|f| f.code).map(|c| c.1), Some("Receiver".to_owned()));
    assert_wsman_code(&r, 2150858793);

    // A Receive waiting with a long timeout answers as soon as stdin arrives.
    let started = Instant::now();
    let (reply, _) = tokio::join!(sh.receive_once(&id, Some(Duration::from_secs(20))), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_ok(&sh.send(&id, b"one\r\n", false).await);
    });
    let r = ReceiveResponse::decode(&assert_ok(&reply).body).unwrap();
    assert_eq!(r.data_of("stdout"), b"one\r\n");
    assert!(started.elapsed() < Duration::from_secs(10), "the Receive waited for its timeout instead of the stdin: {:?}", started.elapsed());

    assert_ok(&sh.send(&id, b"two\r\n", true).await);
    let (out, _, code) = sh.receive_all(&id).await;
    assert_eq!((out.as_slice(), code), (&b"two\r\n"[..], 0));
    let after_end = sh.send(&id, b"three", false).await;
    assert_fault(&after_end, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
}

#[tokio::test]
async fn output_larger_than_the_envelope_comes_in_several_receives() {
    let (_s, c) = server_with(Limits::default(), &[]).await;
    let sh = open(&c).await;
    let id = sh.run("more", &[]).await;
    let input: Vec<u8> = (0..4000).flat_map(|i| format!("line {i:05}\r\n").into_bytes()).collect();
    assert_ok(&sh.send(&id, &input, true).await);
    let mut out = Vec::new();
    let mut responses = 0;
    loop {
        let receive = Receive { desired_stream: DesiredStream { command_id: Some(id.clone()), names: vec!["stdout".into()] }, ..Receive::default() };
        let mut req = c.request(&in_shell(&sh.id), receive);
        req.header.max_envelope_size = Some(16_384);
        let reply = c.post(req.encode()).await;
        assert!(reply.body.len() <= 16_384, "a response of {} octets exceeds MaxEnvelopeSize", reply.body.len());
        let r = ReceiveResponse::decode(&assert_ok(&reply).body).unwrap();
        out.extend(r.data_of("stdout"));
        responses += 1;
        if r.command_state.is_some_and(|s| s.state == CommandStateKind::Done) {
            break;
        }
        assert!(responses < 100);
    }
    assert_eq!(out, input, "every byte once, in order");
    assert!(responses > 3, "{} octets in {responses} responses", input.len());
}

#[tokio::test]
async fn a_signal_ends_a_running_command() {
    let (_s, c) = server_with(Limits::default(), &[]).await;
    let sh = open(&c).await;
    let id = sh.run("more", &[]).await;
    assert_ok(&sh.signal(&id, SignalCode::CtrlC).await);
    assert_eq!(sh.receive_all(&id).await.2, 0xC000_013A);
    assert_ok(&sh.signal(&id, SignalCode::Terminate).await);
    let gone = sh.receive_once(&id, None).await;
    assert_fault(&gone, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
    let bad = sh.signal(&id, SignalCode::Other("urn:no-such-signal".into())).await;
    assert_fault(&bad, FaultKind::InvalidParameter, Some(FaultDetail::InvalidValue));
    assert_wsman_code(&bad, 87);
}

#[tokio::test]
async fn unknown_shells_and_commands_are_invalid_selectors() {
    let (_s, c) = server_with(Limits::default(), &[]).await;
    let ghost = Sh { c: &c, id: "00000000-0000-0000-0000-000000000000".into() };
    let line = CommandLine { command: "echo".into(), ..CommandLine::default() };
    let r = ghost.post(line, None).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
    assert_wsman_code(&r, 2150858843);
    let sh = open(&c).await;
    let r = sh.receive_once("NO-SUCH-COMMAND", None).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
    let no_id = c.request(&shell_resource(), CommandLine { command: "echo".into(), ..CommandLine::default() });
    assert_fault(&c.post(no_id.encode()).await, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
}

#[tokio::test]
async fn shells_per_user_and_processes_per_shell_are_limited() {
    let (_s, c) = server_with(Limits { shells_per_user: 2, commands_per_shell: 1, ..Limits::default() }, &[]).await;
    let a = open(&c).await;
    let _b = open(&c).await;
    let shell = Shell { input_streams: vec!["stdin".into()], output_streams: vec!["stdout".into(), "stderr".into()], ..Shell::default() };
    let third = c.post(c.request(&shell_resource(), shell.to_create()).encode()).await;
    assert_fault(&third, FaultKind::QuotaLimit, None);
    assert_wsman_code(&third, 2150859173);
    assert!(third.text().contains("maximum number of 2 concurrent shells"), "{}", third.text());

    let first = a.run("more", &[]).await;
    let line = CommandLine { command: "echo".into(), ..CommandLine::default() };
    assert_fault(&a.post(line.clone(), None).await, FaultKind::QuotaLimit, None);
    assert_ok(&a.send(&first, b"", true).await);
    a.receive_all(&first).await;
    assert_ok(&a.post(line, None).await);

    assert_ok(&a.delete().await);
    assert_ok(&c.post(c.request(&shell_resource(), shell.to_create()).encode()).await);
}

#[tokio::test]
async fn an_idle_shell_expires() {
    let (_s, c) = server_with(Limits::default(), &[]).await;
    let shell = Shell { idle_timeout: Some(XsDuration::from_millis(300)), input_streams: vec!["stdin".into()], ..Shell::default() };
    let env = assert_ok(&c.post(c.request(&shell_resource(), shell.to_create()).encode()).await);
    let created = CreateResponse::decode(&env.body).unwrap();
    let rep = Shell::from_create_response(&created).unwrap().unwrap();
    assert_eq!(rep.idle_timeout, Some(XsDuration::from_millis(300)));
    let sh = Sh { c: &c, id: shell_id_of(&created).unwrap() };
    sh.run("echo", &["kept alive"]).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let r = sh.post(CommandLine { command: "echo".into(), ..CommandLine::default() }, None).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
}

#[tokio::test]
async fn shutdown_answers_a_waiting_receive_and_waits_for_it() {
    let s = TestServer::default_server().await;
    let c = Client::admin(&s);
    let sh = open(&c).await;
    let id = sh.run("more", &[]).await;
    let started = Instant::now();
    let (reply, _) = tokio::join!(sh.receive_once(&id, Some(Duration::from_secs(30))), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        s.stop().await;
    });
    // The waiting request got an answer (no dropped connection) well before its 30 s timeout.
    assert_fault(&reply, FaultKind::EndpointUnavailable, None);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

/// 1000 shells live at once, each with a command reading its own stdin; every
/// byte comes back exactly once and in order, whatever the interleaving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_shells_lose_duplicate_and_reorder_nothing() {
    const SHELLS: usize = 1000;
    let (_s, c) = server_with(Limits { shells_per_user: SHELLS, ..Limits::default() }, &[]).await;
    let c = Arc::new(c);
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    // Phase 1: every shell opened and its command started; all 1000 are alive together.
    let mut opened = Vec::new();
    for _ in 0..SHELLS {
        let (c, gate) = (c.clone(), gate.clone());
        opened.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let sh = open(&c).await;
            let cmd = sh.run("more", &[]).await;
            (sh.id, cmd)
        }));
    }
    let mut shells = Vec::new();
    for t in opened {
        shells.push(t.await.unwrap());
    }
    let unique: std::collections::HashSet<_> = shells.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(unique.len(), SHELLS, "ShellIds are unique");
    // Phase 2: each shell's own lines in three Sends, interleaved with Receives.
    let mut done = Vec::new();
    for (i, (id, cmd)) in shells.into_iter().enumerate() {
        let (c, gate) = (c.clone(), gate.clone());
        done.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let sh = Sh { c: &c, id };
            let lines: Vec<String> = (0..3).map(|n| format!("shell {i} line {n} {}\r\n", "x".repeat(i % 50))).collect();
            let mut out = Vec::new();
            for (n, line) in lines.iter().enumerate() {
                assert_ok(&sh.send(&cmd, line.as_bytes(), n == 2).await);
                if n == 1 {
                    let env = assert_ok(&sh.receive_once(&cmd, None).await);
                    out.extend(ReceiveResponse::decode(&env.body).unwrap().data_of("stdout"));
                }
            }
            let (rest, err, code) = sh.receive_all(&cmd).await;
            out.extend(rest);
            assert_eq!(String::from_utf8(out).unwrap(), lines.concat(), "shell {i}");
            assert!(err.is_empty() && code == 0, "shell {i}: {err:?} {code}");
            assert_ok(&sh.delete().await);
        }));
    }
    for t in done {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn the_shell_defects_break_what_clients_rely_on() {
    // Each of these is an assertion above, failing as the defect promises.
    let (_s, c) = server_with(Limits::default(), &[Defect::ShellIdNotInSelector]).await;
    let shell = Shell { input_streams: vec!["stdin".into()], ..Shell::default() };
    let env = assert_ok(&c.post(c.request(&shell_resource(), shell.to_create()).encode()).await);
    let created = CreateResponse::decode(&env.body).unwrap();
    assert_eq!(created.resource_created.selectors, None);

    let (_s, c) = server_with(Limits::default(), &[Defect::ShellExitCodeZero, Defect::ShellStderrAsStdout]).await;
    let sh = open(&c).await;
    let id = sh.run("frobnicate", &[]).await;
    let (out, err, code) = sh.receive_all(&id).await;
    assert_eq!((err.is_empty(), code), (true, 0));
    assert!(String::from_utf8_lossy(&out).contains("is not recognized"));

    let (_s, c) = server_with(Limits::default(), &[Defect::ShellReceiveNoTimeout]).await;
    let sh = open(&c).await;
    let id = sh.run("more", &[]).await;
    let r = sh.receive_once(&id, Some(Duration::from_millis(200))).await;
    assert_eq!(r.status, 200, "the defect answers instead of faulting");
    let _ = Envelope::decode(&r.body, &wsman_proto::Limits::default()).unwrap();
}
