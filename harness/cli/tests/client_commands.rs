//! The client commands as a new user runs them against `serve` (issue 8,
//! "Done means"): the built binary, a real socket, snapshots of what it
//! prints (stdout, stderr, exit status) with the volatile values redacted.

mod support;

use support::{bin, Served};

/// What one run printed and how it exited.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Exit status, stdout and stderr in one text, redacted, for a snapshot.
    fn snapshot(&self, served: &Served) -> String {
        redact(&format!("exit: {:?}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr), served)
    }
}

/// Runs a client command against `served` as `u:p`.
fn run(served: &Served, args: &[&str]) -> Run {
    let out = bin().args(args).args(["--endpoint", &served.url, "--user", "u:p"]).output().expect("runs");
    Run { code: out.status.code(), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// The port of the server, UUIDs and timestamps (test-support), HTTP date
/// and length headers, the names the tests create.
fn redact(text: &str, served: &Served) -> String {
    let port = served.url.rsplit(':').next().and_then(|p| p.split('/').next()).unwrap_or("");
    let text = text.replace(&format!(":{port}/"), ":[port]/").replace(&format!(":{port}\n"), ":[port]\n");
    let text = test_support::redact::redact(&text, None);
    let lines: Vec<String> = text
        .lines()
        .map(|l| match l.split_once(": ") {
            Some((h @ ("< date" | "< content-length" | "> content-length"), _)) => format!("{h}: [redacted]"),
            _ => l.to_owned(),
        })
        .collect();
    lines.join("\n") + "\n"
}

fn json(r: &Run) -> serde_json::Value {
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", r.stdout))
}

fn served() -> Served {
    Served::start("http", &["--allow-unencrypted"])
}

#[test]
fn identify_and_get_of_winrm() {
    let s = served();
    insta::assert_snapshot!("identify", run(&s, &["identify"]).snapshot(&s));
    insta::assert_snapshot!("get-winrm", run(&s, &["get", "wmicimv2/Win32_Service", "--selector", "Name=WinRM"]).snapshot(&s));
    // The same instance however it is named: winrm's path alias, ?selectors, a hash.
    let by_json = |args: &[&str]| json(&run(&s, &[&["get", "--format", "json"], args].concat()));
    let a = by_json(&["wmi/root/cimv2/Win32_Service", "--selector", "@{Name=\"WinRM\"}"]);
    let b = by_json(&["wmicimv2/Win32_Service?Name=WinRM"]);
    assert_eq!(a, b);
    assert_eq!(a["Name"], "WinRM");
    assert!(a["InstallDate"].is_null(), "xsi:nil is null: {a}");
    insta::assert_snapshot!("get-winrm-config", run(&s, &["get", "winrm/config"]).snapshot(&s));
}

#[test]
fn enumerate_services_as_json() {
    let s = served();
    let all = json(&run(&s, &["enumerate", "wmicimv2/Win32_Service", "--format", "json"]));
    let items = all.as_array().expect("an array");
    assert_eq!(items.len(), 179);
    assert!(items.iter().all(|i| i["Name"].is_string()), "an object per instance");
    // Batches of 50, the first in the Enumerate response: the same items.
    let batched = json(&run(&s, &["enum", "wmicimv2/Win32_Service", "--format", "json", "--optimize", "--max-elements", "50"]));
    assert_eq!(batched, all);
    let eprs = json(&run(&s, &["enumerate", "wmicimv2/Win32_Service", "--format", "json", "--mode", "epr"]));
    assert_eq!(eprs.as_array().map(Vec::len), Some(179));
    insta::assert_snapshot!("enumerate-epr-first", redact(&serde_json::to_string_pretty(&eprs[0]).expect("json"), &s));
    let both = run(&s, &["enumerate", "wmicimv2/Win32_Service", "--mode", "obj-epr", "--dialect", "selector", "--filter", "Name=WinRM", "--format", "json"]);
    insta::assert_snapshot!("enumerate-obj-epr-selector-filter", both.snapshot(&s));
    let wql = run(&s, &["enumerate", "wmicimv2/*", "--filter", "SELECT Name, State FROM Win32_Service WHERE Name = 'WinRM'"]);
    insta::assert_snapshot!("enumerate-wql", wql.snapshot(&s));
    // cimv2/ is the DMTF schema prefix (winrm's alias): the BMC's sensors.
    let sensors = json(&run(&s, &["enumerate", "cimv2/CIM_NumericSensor", "--format", "json"]));
    assert!(sensors.as_array().is_some_and(|a| !a.is_empty()), "{sensors}");
}

#[test]
fn create_get_put_delete_of_an_environment_variable() {
    let s = served();
    let name = format!("HARNESS_{}", std::process::id());
    let redact_name = |t: String| t.replace(&name, "[name]");
    let created = run(&s, &["create", "wmicimv2/Win32_Environment", &format!("@{{Name=\"{name}\";UserName=\"<SYSTEM>\";VariableValue=\"one\"}}")]);
    insta::assert_snapshot!("env-create", redact_name(created.snapshot(&s)));
    let selectors = format!("@{{Name=\"{name}\";UserName=\"<SYSTEM>\"}}");
    let got = run(&s, &["get", "wmicimv2/Win32_Environment", "--selector", &selectors, "--format", "json"]);
    insta::assert_snapshot!("env-get", redact_name(got.snapshot(&s)));
    let put = run(&s, &["put", "wmicimv2/Win32_Environment", "--selector", &selectors, "--set", "VariableValue=two"]);
    insta::assert_snapshot!("env-put", redact_name(put.snapshot(&s)));
    assert_eq!(json(&run(&s, &["get", "wmicimv2/Win32_Environment", "--selector", &selectors, "--format", "json"]))["VariableValue"], "two");
    let deleted = run(&s, &["delete", "wmicimv2/Win32_Environment", "--selector", &format!("Name={name}"), "--selector", "UserName=<SYSTEM>"]);
    assert_eq!((deleted.code, deleted.stdout.as_str(), deleted.stderr.as_str()), (Some(0), "", ""));
    let gone = run(&s, &["get", "wmicimv2/Win32_Environment", "--selector", &selectors]);
    insta::assert_snapshot!("env-get-after-delete", redact_name(gone.snapshot(&s)));
}

#[test]
fn invoke_stop_service_then_get_shows_stopped() {
    let s = served();
    let state = |s: &Served| json(&run(s, &["get", "wmicimv2/Win32_Service?Name=Spooler", "--format", "json"]))["State"].clone();
    assert_eq!(state(&s), "Running", "so that the check below can fail");
    insta::assert_snapshot!("invoke-stop-service", run(&s, &["invoke", "StopService", "wmicimv2/Win32_Service", "--selector", "Name=Spooler"]).snapshot(&s));
    assert_eq!(state(&s), "Stopped");
    let started = run(&s, &["invoke", "StartService", "wmicimv2/Win32_Service?Name=Spooler", "@{}", "--format", "json"]);
    assert_eq!(json(&started)["ReturnValue"], "0");
    assert_eq!(state(&s), "Running");
}

#[test]
fn a_bad_selector_exits_1_with_the_fault_printed() {
    let s = served();
    let bad = run(&s, &["get", "wmicimv2/Win32_Service", "--selector", "Nmae=WinRM"]);
    insta::assert_snapshot!("fault-bad-selector", bad.snapshot(&s));
    // The same command with the right selector: exit 0, nothing on stderr.
    let good = run(&s, &["get", "wmicimv2/Win32_Service", "--selector", "Name=WinRM"]);
    assert_eq!((good.code, good.stderr.as_str()), (Some(0), ""));
    // With --format raw the fault envelope is on stdout too.
    let raw = run(&s, &["get", "wmicimv2/Win32_Service", "--selector", "Nmae=WinRM", "--format", "raw"]);
    assert_eq!(raw.code, Some(1));
    assert!(raw.stdout.contains("InvalidSelectors") && raw.stdout.contains("Envelope"), "{}", raw.stdout);
}

#[test]
fn an_unreachable_endpoint_exits_2_in_one_line() {
    // A port that was just free: bound on port 0, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/wsman");
    let out = bin().args(["identify", "--endpoint", &url, "--user", "u:p"]).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).replace(&port.to_string(), "[port]");
    insta::assert_snapshot!("unreachable", format!("exit: {:?}\n{err}", out.status.code()));
    assert_eq!(err.lines().count(), 1);
    // Wrong credentials: one line, exit 2, the password not repeated.
    let s = served();
    let out = bin().args(["identify", "--endpoint", &s.url, "--user", "u:wrong-secret"]).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.lines().count()), (Some(2), 1), "{err}");
    assert!(err.contains("401") && !err.contains("wrong-secret"), "{err}");
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let s = served();
    for (args, says) in [
        (&["get", "wmicimv2/Win32_Service", "--selector", "@{Name=\"WinRM\""][..], "expected after the value"),
        (&["get", "wmicimv2/Win32_Service", "--selector", "@{Name=\"Win\"RM\"}"], "--selector"),
        (&["get", "wmicimv2/Win32_Service", "--selector", "NoValue"], "NAME=VALUE"),
        (&["put", "wmicimv2/Win32_Service?Name=WinRM"], "--set"),
        (&["create", "wmicimv2/Win32_Environment", "--set", "Name"], "--set"),
        (&["enumerate", "wmicimv2/Win32_Service", "--dialect", "xpath"], "xpath"),
        (&["create", "wmicimv2/Win32_Environment", "--file", "/no/such/file.xml"], "/no/such/file.xml"),
    ] {
        let r = run(&s, args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    // A password typed without a name is not repeated.
    let out = bin().args(["identify", "--endpoint", &s.url, "--user", ":hunter2"]).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn dump_shows_the_exchange_without_the_password() {
    let s = served();
    let r = run(&s, &["get", "wmicimv2/Win32_Service?Name=WinRM", "--dump", "--format", "json"]);
    assert_eq!(r.code, Some(0));
    // base64("u:p") is dTpw.
    assert!(r.stderr.contains("authorization: Basic [redacted]") && !r.stderr.contains("dTpw"), "{}", r.stderr);
    assert_eq!(json(&r)["Name"], "WinRM", "stdout keeps the output alone");
    insta::assert_snapshot!("dump-get", redact(&r.stderr, &s));
}

#[test]
fn put_from_a_file_and_raw_output() {
    let s = served();
    let raw = run(&s, &["get", "winrm/config", "--format", "raw"]);
    assert_eq!(raw.code, Some(0));
    assert!(raw.stdout.starts_with("<?xml") && raw.stdout.contains("RelatesTo"), "the envelope as received: {}", raw.stdout);
    // winrm/config as got, with one value changed, sent back from a file.
    let got = run(&s, &["get", "winrm/config"]);
    let body = got.stdout.replace(">500<", ">150<");
    assert_ne!(body, got.stdout);
    let file = std::env::temp_dir().join(format!("wsman-harness-put-{}.xml", std::process::id()));
    std::fs::write(&file, body).expect("write");
    let put = run(&s, &["put", "winrm/config", "--file", file.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(json(&put)["MaxEnvelopeSizekb"], "150");
    assert_eq!(json(&run(&s, &["get", "winrm/config", "--format", "json"]))["MaxEnvelopeSizekb"], "150");
    let _ = std::fs::remove_file(file);
}

/// The checks above can fail: against a server with a defect, the same
/// commands print something else or exit otherwise.
#[test]
fn the_fault_and_exit_checks_fail_against_defects() {
    let bad_selector: &[&str] = &["get", "wmicimv2/Win32_Service", "--selector", "Nmae=WinRM"];
    let clean = served();
    let expected = run(&clean, bad_selector).snapshot(&clean);

    let wrong = Served::start("http", &["--allow-unencrypted", "--defect", "fault-wrong-subcode"]);
    let seen = run(&wrong, bad_selector);
    assert_eq!(seen.code, Some(1));
    assert_ne!(seen.snapshot(&wrong), expected, "the fault-bad-selector snapshot tells the subcode");
    assert!(seen.stderr.contains("subcode:     w:InternalError"), "{}", seen.stderr);

    // A fault replaced by an HTML page is no fault: one line, exit 2.
    let html = Served::start("http", &["--allow-unencrypted", "--defect", "html-error-page"]);
    let seen = run(&html, bad_selector);
    assert_eq!((seen.code, seen.stderr.lines().count()), (Some(2), 1), "{}", seen.stderr);
    assert!(seen.stderr.contains("HTTP 500"), "{}", seen.stderr);

    // An answer that does not answer the request (no RelatesTo): exit 1, said so.
    let unrelated = Served::start("http", &["--allow-unencrypted", "--defect", "drop-relates-to"]);
    let seen = run(&unrelated, &["get", "wmicimv2/Win32_Service?Name=WinRM"]);
    assert_eq!(seen.code, Some(1), "{}", seen.stderr);
    assert!(seen.stderr.contains("RelatesTo") && seen.stdout.is_empty(), "{}", seen.stderr);
}

#[test]
fn negotiate_against_serve_without_allow_unencrypted() {
    // Neither Basic nor a plain body over http: only Negotiate with sealing gets through.
    let s = Served::start("http", &["--user", "CORP\\neg:neg-pass"]);
    let go = |auth: &str, user: &str, args: &[&str]| bin().args(args).args(["--endpoint", &s.url, "--auth", auth, "--user", user]).output().expect("runs");
    let out = go("negotiate", "CORP\\neg:neg-pass", &["get", "wmicimv2/Win32_Service", "--selector", "Name=WinRM"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("WinRM"), "{stdout}");
    let out = go("negotiate", "CORP\\neg:wrong", &["identify"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("401") && !err.contains("wrong"), "refused, the password not repeated: {err}");
    let out = go("basic", "CORP\\neg:neg-pass", &["identify"]);
    assert_ne!(out.status.code(), Some(0), "Basic over http is refused without --allow-unencrypted");
}
