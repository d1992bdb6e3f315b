//! `wsman-harness collect` as a user runs it against `serve`: a
//! StopService/StartService sequence recorded in order (pulled, and pushed
//! to its listener), bookmarks that resume, renewals, Unsubscribe on every
//! way out (a later Renew faults), Ctrl-C, and bad flags exiting 2.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use support::{bin, Served};
use wsman_proto::ns;

const SCM_QUERY: &str = r#"<QueryList><Query Id="0"><Select Path="System">*[System[(EventID=7036)]]</Select></Query></QueryList>"#;

fn served() -> Served {
    Served::start("http", &["--allow-unencrypted"])
}

fn collect(served: &Served, args: &[&str]) -> Command {
    let mut cmd = bin();
    cmd.args(["collect", "--endpoint", &served.url, "--user", "u:p", "--resource", ns::EVENTLOG_RESOURCE]).args(args);
    cmd
}

/// A running `collect`: its stderr read on a thread (it may be a long
/// `--dump`), the `subscribed` line awaited.
struct Running {
    child: Child,
    stderr: JoinHandle<String>,
    /// The subscribed notice, parsed.
    subscribed: serde_json::Value,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("\"kind\":\"subscribed\"") {
                    let _ = tx.send(line.clone());
                }
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no subscribed line: {}", reader.join().unwrap_or_default());
        };
        Running { child, stderr: reader, subscribed: serde_json::from_str(&line).expect("a JSON line") }
    }

    fn identifier(&self) -> String {
        self.subscribed["identifier"].as_str().expect("an identifier").to_owned()
    }

    /// Waits for the end: status, stdout lines (parsed), stderr.
    fn finish(mut self) -> (ExitStatus, Vec<serde_json::Value>, String) {
        let mut out = String::new();
        self.child.stdout.take().expect("stdout").read_to_string(&mut out).expect("read stdout");
        let status = self.child.wait().expect("exits");
        let err = self.stderr.join().expect("stderr reader");
        let lines = out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))).collect();
        (status, lines, err)
    }
}

fn invoke(served: &Served, method: &str, service: &str) {
    let out = bin()
        .args(["invoke", method, "wmicimv2/Win32_Service", "--selector", &format!("Name={service}"), "--endpoint", &served.url, "--user", "u:p"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{method}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `param1` and `param2` of a line's 7036 event (the JSON mapping of the payload).
fn change(line: &serde_json::Value) -> (String, String) {
    let data = line["event"]["EventData"]["Data"].as_array().cloned().unwrap_or_default();
    let get = |n: &str| data.iter().find(|d| d["@Name"] == n).and_then(|d| d["#text"].as_str()).unwrap_or_default().to_owned();
    assert_eq!(line["event"]["System"]["EventID"]["#text"], "7036", "{line}");
    (get("param1"), get("param2"))
}

fn spooler(state: &str) -> (String, String) {
    ("Print Spooler".to_owned(), state.to_owned())
}

/// The wsa:Action of each request in a `--dump`, last segment.
fn requests(dump: &str) -> Vec<String> {
    dump.split("<a:Action")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .filter_map(|(_, t)| t.split('<').next())
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
        .filter(|a| !a.ends_with("Response") && a != "fault" && a != "Heartbeat")
        .collect()
}

/// Renew of `identifier` by hand: the subscription must be gone.
fn renew_faults(served: &Served, identifier: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let session = wsman_client::Session::new(wsman_client::Endpoint::new(&served.url).with_user("u", "p")).expect("a session");
        let mut header = session.header(wsman_proto::Action::SubscriptionRenew, &wsman_client::Resource::new(ns::EVENTLOG_RESOURCE));
        let id = wsman_proto::message::eventing::identifier_header(identifier);
        header.unknown.push(wsman_proto::header::UnknownHeader { element: id, must_understand: false });
        let r: Result<wsman_proto::message::eventing::RenewResponse, _> = session.call(header, wsman_proto::message::eventing::Renew::default(), false).await;
        let e = r.expect_err("the subscription is gone");
        assert!(matches!(e.fault_kind(), Some(wsman_proto::FaultKind::InvalidMessage | wsman_proto::FaultKind::UnableToRenew)), "{e:?}");
    });
}

#[test]
fn pull_records_a_stop_start_sequence_in_order_and_unsubscribes() {
    let s = served();
    let run = Running::start(collect(&s, &["--dump", "--filter", SCM_QUERY, "--events", "2"]));
    assert!(run.subscribed["notify_to"].is_null());
    let id = run.identifier();
    invoke(&s, "StopService", "Spooler");
    invoke(&s, "StartService", "Spooler");
    let (status, lines, err) = run.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(lines.iter().map(change).collect::<Vec<_>>(), [spooler("stopped"), spooler("running")]);
    for l in &lines {
        assert!(l["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{l}");
        assert!(l["bookmark"].is_string(), "SendBookmarks: {l}");
        assert!(l.get("action").is_some());
    }
    let sent = requests(&err);
    assert_eq!(sent.first().map(String::as_str), Some("Subscribe"), "{sent:?}");
    assert_eq!(sent.last().map(String::as_str), Some("Unsubscribe"), "{sent:?}");
    assert!(sent.contains(&"Pull".to_owned()));
    renew_faults(&s, &id);
}

#[test]
fn the_push_modes_record_the_sequence_through_their_listener() {
    let s = served();
    for mode in ["push", "push-with-ack", "events"] {
        let run = Running::start(collect(&s, &["--mode", mode, "--filter", SCM_QUERY, "--events", "2", "--format", "xml"]));
        let url = run.subscribed["notify_to"].as_str().expect("the listener's URL").to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let id = run.identifier();
        invoke(&s, "StopService", "Spooler");
        invoke(&s, "StartService", "Spooler");
        let (status, lines, err) = run.finish();
        assert_eq!(status.code(), Some(0), "{mode}: {err}");
        assert_eq!(lines.len(), 2, "{mode}: {lines:?}");
        let states: Vec<_> = lines.iter().map(|l| l["event"].as_str().expect("XML text").to_owned()).collect();
        assert!(states[0].contains(">stopped<") && states[1].contains(">running<"), "{mode}: {states:?}");
        assert!(lines.iter().all(|l| l["action"].as_str().is_some_and(|a| a.ends_with("/Event"))), "{mode}: {lines:?}");
        renew_faults(&s, &id);
    }
}

#[test]
fn a_bookmark_resumes_after_its_event() {
    let s = served();
    invoke(&s, "StopService", "Spooler");
    invoke(&s, "StartService", "Spooler");
    // earliest: the retained log, from its start.
    let (status, lines, err) = Running::start(collect(&s, &["--filter", SCM_QUERY, "--bookmark", "earliest", "--events", "2"])).finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(lines.iter().map(change).collect::<Vec<_>>(), [spooler("stopped"), spooler("running")]);
    let after_first = lines[0]["bookmark"].as_str().expect("a bookmark").to_owned();
    let (status, lines, err) = Running::start(collect(&s, &["--filter", SCM_QUERY, "--bookmark", &after_first, "--events", "1"])).finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(lines.iter().map(change).collect::<Vec<_>>(), [spooler("running")]);
}

#[test]
fn duration_ends_cleanly_after_renewals_and_heartbeats() {
    let s = served();
    let run = Running::start(collect(&s, &["--dump", "--mode", "push", "--expires", "1s", "--heartbeats", "500ms", "--duration", "2500ms"]));
    assert_eq!(run.subscribed["expires"].as_f64(), Some(1.0));
    let id = run.identifier();
    let (status, lines, err) = run.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(lines.is_empty(), "{lines:?}");
    let sent = requests(&err);
    let renewals = sent.iter().filter(|a| *a == "Renew").count();
    assert!(renewals >= 3, "a renewal every half second: {sent:?}");
    assert_eq!(sent.last().map(String::as_str), Some("Unsubscribe"), "{sent:?}");
    assert!(err.lines().any(|l| l.contains("\"kind\":\"heartbeat\"")), "{}", err.lines().filter(|l| l.contains("kind")).collect::<Vec<_>>().join("\n"));
    renew_faults(&s, &id);
}

#[test]
fn ctrl_c_unsubscribes_and_exits_130() {
    let s = served();
    let run = Running::start(collect(&s, &["--dump", "--max-time", "5s"]));
    let id = run.identifier();
    let _ = Command::new("kill").args(["-INT", &run.child.id().to_string()]).status();
    let (status, lines, err) = run.finish();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(lines.is_empty());
    assert_eq!(requests(&err).last().map(String::as_str), Some("Unsubscribe"), "{:?}", requests(&err));
    renew_faults(&s, &id);
}

#[test]
fn bad_flags_exit_2_and_faults_exit_1() {
    let s = served();
    for args in [
        &["--mode", "sideways"][..],
        &["--duration", "1s", "--events", "1"],
        &["--events", "0"],
        &["--dialect", "wql"],
        &["--mode", "push", "--listen", "192.0.2.1:0"],
        &["--listen", "127.0.0.1:0"],
        &["--max-time", "40s"],
        &["--filter", "<QueryList"],
        &["--bookmark", "<broken"],
        &["--heartbeats", "often"],
    ] {
        let out = collect(&s, args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = bin().args(["collect", "--endpoint", &s.url]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "--resource is required");
    // The source refuses: a fault, exit 1.
    let out = collect(&s, &["--filter", "<QueryList><Nonsense/></QueryList>", "--duration", "1s"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOAP fault"));
    let out =
        bin().args(["collect", "--endpoint", &s.url, "--user", "u:p", "--resource", "wmicimv2/Win32_Service", "--duration", "1s"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "not an event source: {}", String::from_utf8_lossy(&out.stderr));
    // Nothing listens: exit 2.
    drop(s);
    let out = bin().args(["collect", "--endpoint", "http://127.0.0.1:9/wsman", "--resource", "x", "--duration", "1s"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}
