//! The binary's contract: one-line usage errors with exit 2, the defect
//! listing, readiness lines, clean stop on SIGTERM.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use support::{bin, Served};

#[track_caller]
fn usage_error(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line, got {err:?}");
    err
}

#[test]
fn bad_flags_are_one_line_and_exit_2() {
    assert!(usage_error(&["--bogus"]).contains("--bogus"));
    assert!(usage_error(&["serve", "--http", "not-an-address"]).contains("not-an-address"));
    assert!(usage_error(&["serve", "--defect", "no-such-defect"]).contains("no-such-defect"));
    assert!(usage_error(&["serve", "--user", "nocolon"]).contains("NAME:PASS"));
    assert!(usage_error(&["serve", "--http", "0.0.0.0:0"]).contains("--user"));
}

#[test]
fn list_defects_prints_name_and_description() {
    let out = bin().args(["serve", "--list-defects"]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 12);
    for l in lines {
        let (name, desc) = l.split_once("  ").expect("name, spaces, description");
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{l}");
        assert!(!desc.trim().is_empty());
    }
}

#[test]
fn serve_prints_readiness_lines_and_stops_on_sigterm() {
    let mut child =
        bin().args(["serve", "--http", "127.0.0.1:0", "--ipmi", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let second = lines.next().expect("a line").expect("utf-8");
    assert!(first.starts_with("listening on http://127.0.0.1:") && first.ends_with("/wsman"), "{first}");
    assert!(!first.contains(":0/"), "the chosen port is printed: {first}");
    assert!(second.starts_with("listening on ipmi udp://127.0.0.1:"), "{second}");
    let third = lines.next().expect("a line").expect("utf-8");
    assert!(third.contains("admin:admin"), "the default user is announced: {third}");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "clean stop: {exit:?}");
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn check_on_the_embedded_server_writes_the_four_reports() {
    let dir = tempdir("check");
    let out = bin().args(["check", "--case", "core/identify/*", "--report-dir"]).arg(&dir).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("(embedded)") && stdout.contains("PASSED"), "{stdout}");
    for f in ["report.json", "report.junit.xml", "report.html", "report.md"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let json = std::fs::read_to_string(dir.join("report.json")).expect("json");
    assert!(json.contains("\"embedded\": true") && json.contains("\"summary\""), "{json:.300}");

    // The same report against itself has no regression; a report with a pass
    // turned into a fail is a regression (exit 1).
    let worse = json.replacen("\"status\": \"pass\"", "\"status\": \"fail\"", 1).replacen("\"failed\": 0", "\"failed\": 1", 1).replacen(
        &format!("\"passed\": {}", passed_count(&json)),
        &format!("\"passed\": {}", passed_count(&json) - 1),
        1,
    );
    std::fs::write(dir.join("worse.json"), worse).expect("write");
    let same = bin().args(["report", "diff"]).arg(dir.join("report.json")).arg(dir.join("report.json")).status().expect("runs");
    assert_eq!(same.code(), Some(0));
    let diff = bin().args(["report", "diff"]).arg(dir.join("report.json")).arg(dir.join("worse.json")).output().expect("runs");
    assert_eq!(diff.status.code(), Some(1), "{}", String::from_utf8_lossy(&diff.stdout));
}

fn passed_count(json: &str) -> usize {
    let at = json.find("\"passed\": ").expect("summary.passed") + "\"passed\": ".len();
    json[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("a number")
}

#[test]
fn an_unreachable_endpoint_is_a_classified_setup_error() {
    // A port that was just free: bound on port 0, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/wsman");
    let out = bin().args(["check", "--endpoint", &url, "--user", "a:b", "--report-dir"]).arg(tempdir("dead")).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.to_lowercase().contains("unreachable") || err.contains("connect"), "{err}");
}

#[test]
fn validate_passes_good_envelopes_and_fails_bad_ones() {
    let dir = tempdir("validate");
    let good = dir.join("good.xml");
    let bad = dir.join("bad.xml");
    let get = test_envelope(true);
    std::fs::write(&good, &get).expect("write");
    std::fs::write(&bad, test_envelope(false)).expect("write");
    let ok = bin().arg("validate").arg(&good).arg("--report-dir").arg(dir.join("r1")).output().expect("runs");
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    let ko = bin().arg("validate").arg(&bad).arg("--report-dir").arg(dir.join("r2")).output().expect("runs");
    assert_eq!(ko.status.code(), Some(1), "{}", String::from_utf8_lossy(&ko.stdout));
    assert!(String::from_utf8_lossy(&ko.stdout).contains("line "), "the failure names a line");
}

/// A Get request; without its Action when `complete` is false.
fn test_envelope(complete: bool) -> Vec<u8> {
    use wsman_proto::{header::Header, ns, Action, Envelope};
    let header = Header {
        to: Some("http://127.0.0.1:5985/wsman".into()),
        action: complete.then_some(Action::Get),
        message_id: Some("uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9".into()),
        reply_to: Some(ns::WSA_ANONYMOUS.into()),
        resource_uri: Some(format!("{}root/cimv2/Win32_OperatingSystem", ns::WMI_RESOURCE_PREFIX)),
        ..Header::default()
    };
    Envelope { header, body: vec![] }.encode()
}

#[test]
fn a_bad_timeout_is_one_line_and_exit_2() {
    for bad in ["0", "0s", "soon", "10", ""] {
        let err = usage_error(&["check", "--timeout", bad]);
        assert!(err.contains("--timeout"), "{bad:?}: {err}");
    }
    let help = bin().args(["check", "--help"]).output().expect("runs");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--timeout <D>") && text.contains("[default: 30s]"), "{text}");
}

// See issue 7: a hung endpoint must not hang the certification.
#[test]
fn check_against_hang_on_get_fails_the_get_cases_fast_and_judges_the_rest() {
    let served = Served::start("http", &["--allow-unencrypted", "--defect", "hang-on-get"]);
    let dir = tempdir("hang");
    let started = std::time::Instant::now();
    // 3 s: longer than the eventing cases' own waits (a Pull with MaxTime or
    // Heartbeats of 1 s, OperationTimeout 2 s), so only the hung Gets time out.
    let out = bin().args(["check", "--endpoint", &served.url, "--user", "u:p", "--timeout", "3s", "--report-dir"]).arg(&dir).output().expect("runs");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout:.2000}{}", String::from_utf8_lossy(&out.stderr));
    let get = wsman_proto::Action::Get.uri();
    // Said once, at the top (second line, before the counts).
    let notice = format!("endpoint stopped answering {get}:");
    assert_eq!(stdout.lines().filter(|l| l.starts_with(&notice)).count(), 1, "{stdout:.2000}");
    assert!(stdout.lines().nth(1).is_some_and(|l| l.starts_with(&notice)), "{stdout:.500}");
    let fast = format!("endpoint stopped answering {get}");
    assert!(stdout.lines().any(|l| l.starts_with("FAIL transfer/get/") && l.contains(" transport.response ") && l.contains(&fast)), "{stdout:.3000}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json")).expect("parses");
    assert_eq!(json["stalled"][0]["action"], get.as_str(), "{:.300}", json["stalled"]);
    let results = json["results"].as_array().expect("results");
    let status = |case: &str, assertion: &str| {
        results.iter().find(|r| r["case"] == case && r["assertion"] == assertion).map(|r| r["status"].as_str().unwrap_or("").to_owned())
    };
    // Every other case is still judged.
    assert_eq!(status("core/identify/basic", "expect.outcome").as_deref(), Some("pass"));
    assert_eq!(status("enumeration/enumerate/os-basic", "expect.outcome").as_deref(), Some("pass"));
    for f in ["report.html", "report.md"] {
        let text = std::fs::read_to_string(dir.join(f)).expect(f);
        assert_eq!(text.matches(&notice).count(), 1, "{f} says it once");
    }
    // About one timeout for the first wave of hung Gets, not one per Get.
    assert!(elapsed < std::time::Duration::from_secs(20), "took {elapsed:?}");
}
