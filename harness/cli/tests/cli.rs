//! The binary's contract: one-line usage errors with exit 2, the defect
//! listing, readiness lines, clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
}

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
    let mut child = bin()
        .args(["serve", "--http", "127.0.0.1:0", "--ipmi", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
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
