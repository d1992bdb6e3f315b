//! Every defect switch is caught by a default `check --endpoint` run: for each
//! name `serve --list-defects` prints, `serve --defect NAME` is started and a
//! full `check` of it must exit 1 (FAIL). The clean server is checked too and
//! must exit 0, so a broken check cannot pass for a caught defect.
//!
//! The test prints "defect -> the first failing case#assertion" for every
//! defect (`cargo test -p wsman-harness --test every_defect -- --nocapture`),
//! and fails naming every defect that escaped. Two checks run at a time; each
//! server and check is killed after [`BOUND`], so the test cannot hang. It
//! needs `check --timeout` (per-exchange bound, for `hang-on-get`).
//!
//! Each server is then checked a second time with `check --discover`: the
//! target discovered on it (the BMC's DMTF classes for the generic roles, the
//! Windows classes for the rest) must fail as the built-in target does: the
//! same exit status, and the assertion failing in most cases with the
//! built-in target (the leading root cause) failing with the discovered one.
//! Other assertions may differ (other classes show other symptoms of the same
//! defect: 13 sensors end an optimized Enumerate where 179 services do not);
//! the table prints every difference.
//!
//! A defect whose description says `(caught by wsman-server test MODULE::NAME)`
//! (the auth-layer ones, which a Basic check cannot reach) is caught by that
//! test instead; this test only makes sure the named test exists in
//! harness/wsman-server/tests/it/MODULE.rs.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use report::Status;

const USER: &str = "defects:check-them-all";
/// Wall-clock bound of one server start plus its check.
const BOUND: Duration = Duration::from_secs(120);
/// Checks in flight at once (the machine has two cores).
const PARALLEL: usize = 2;
/// Failing assertions shown per defect.
const SHOWN: usize = 3;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
}

/// The names `serve --list-defects` prints, one per line before the description.
fn defect_names() -> Vec<String> {
    let out = bin().args(["serve", "--list-defects"]).output().expect("serve --list-defects runs");
    assert!(out.status.success(), "serve --list-defects: {:?}", out.status);
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split_whitespace().next()).map(str::to_owned).collect();
    assert!(names.len() >= 12, "too few defects listed: {names:?}");
    names
}

/// The `(module, test)` a defect's description names as its catching test.
fn caught_by_test(description: &str) -> Option<(String, String)> {
    let rest = description.split("(caught by wsman-server test ").nth(1)?;
    let path = rest.split(')').next()?;
    let (module, name) = path.split_once("::")?;
    Some((module.to_owned(), name.to_owned()))
}

/// Every defect the listing says a named test catches, after checking the test exists.
fn caught_elsewhere() -> Vec<String> {
    let out = bin().args(["serve", "--list-defects"]).output().expect("serve --list-defects runs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wsman-server/tests/it");
    let mut names = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else { continue };
        let Some((module, test)) = caught_by_test(line) else { continue };
        let file = root.join(format!("{module}.rs"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{name}: its catching test file {}: {e}", file.display()));
        assert!(text.contains(&format!("async fn {test}(")) || text.contains(&format!("fn {test}(")), "{name}: no test {test} in {}", file.display());
        names.push(name.to_owned());
    }
    names
}

/// What one check run showed.
struct Outcome {
    /// `None` for the clean server.
    defect: Option<String>,
    /// Exit status of `check`, or why there is none.
    exit: Result<i32, String>,
    /// Failing `case#assertion`s, in report order.
    failing: Vec<String>,
    /// The same server checked through a discovered target: exit status and
    /// failing `case#assertion`s.
    discovered: Result<(i32, Vec<String>), String>,
    secs: f64,
}

impl Outcome {
    fn label(&self) -> &str {
        self.defect.as_deref().unwrap_or("(clean server)")
    }

    fn caught(&self) -> bool {
        self.exit == Ok(1) && !self.failing.is_empty()
    }

    /// Whether the discovered target's check failed as the built-in one did.
    fn discovered_agrees(&self) -> bool {
        match (&self.exit, &self.discovered) {
            (Ok(a), Ok((b, f))) => a == b && leading(&self.failing).is_none_or(|l| assertions(f).contains(l)) && (self.failing.is_empty() == f.is_empty()),
            _ => false,
        }
    }

    fn how(&self) -> String {
        match &self.exit {
            Err(e) => format!("NOT RUN: {e}"),
            Ok(code) => {
                let mut shown: Vec<&str> = self.failing.iter().take(SHOWN).map(String::as_str).collect();
                if self.failing.len() > SHOWN {
                    shown.push("...");
                }
                let found = match &self.discovered {
                    Ok((c, f)) if self.discovered_agrees() => {
                        let (a, b) = (assertions(&self.failing), assertions(f));
                        let same = if a == b {
                            "the same assertions".to_owned()
                        } else {
                            format!(
                                "leading {:?} too; only built-in {:?}, only discovered {:?}",
                                leading(&self.failing),
                                a.difference(&b).collect::<Vec<_>>(),
                                b.difference(&a).collect::<Vec<_>>()
                            )
                        };
                        format!("; discovered target: exit {c}, {} failing, {same}", f.len())
                    }
                    Ok((c, f)) => {
                        let (a, b) = (assertions(&self.failing), assertions(f));
                        format!(
                            "; DISCOVERED TARGET DIFFERS: exit {c}, only built-in {:?}, only discovered {:?}",
                            a.difference(&b).collect::<Vec<_>>(),
                            b.difference(&a).collect::<Vec<_>>()
                        )
                    }
                    Err(e) => format!("; discovered target NOT RUN: {e}"),
                };
                format!("exit {code}, {} failing: {}{found}", self.failing.len(), shown.join(", "))
            }
        }
    }
}

/// Kills a child on drop (a panicking or timed-out run leaves no process behind).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` and returns it with its URL, read from the "listening on" line.
fn start_server(defect: Option<&str>, deadline: Instant) -> Result<(Guard, String), String> {
    let mut cmd = bin();
    cmd.args(["serve", "--http", "127.0.0.1:0", "--user", USER, "--allow-unencrypted"]);
    if let Some(d) = defect {
        cmd.args(["--defect", d]);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| format!("serve does not start: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let guard = Guard(child);
    let (tx, rx) = mpsc::channel();
    // Reads to the end so that the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ").filter(|u| u.starts_with("http://")) {
                if !sent {
                    sent = tx.send(url.trim().to_owned()).is_ok();
                }
            }
        }
    });
    let url = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).map_err(|_| "no \"listening on http://\" line".to_owned())?;
    Ok((guard, url))
}

/// The assertion ids of `case#assertion`s.
fn assertions(failing: &[String]) -> std::collections::BTreeSet<&str> {
    failing.iter().filter_map(|f| f.rsplit_once('#').map(|(_, a)| a)).collect()
}

/// The assertion id failing in most cases (ties: the first in id order).
fn leading(failing: &[String]) -> Option<&str> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for a in failing.iter().filter_map(|f| f.rsplit_once('#').map(|(_, a)| a)) {
        *counts.entry(a).or_default() += 1;
    }
    counts.into_iter().max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(x.0))).map(|(a, _)| a)
}

/// Runs `check` (with `extra` flags) against `url`, bounded by `deadline`; its exit code.
fn run_check(url: &str, dir: &Path, extra: &[&str], deadline: Instant) -> Result<i32, String> {
    let child = bin()
        .args(["check", "--endpoint", url, "--user", USER, "--format", "json", "--timeout", "3s"])
        .args(extra)
        .arg("--report-dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("check does not start: {e}"))?;
    let mut guard = Guard(child);
    let stderr = guard.0.stderr.take();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let _ = std::io::Read::read_to_string(&mut s, &mut text);
        }
        let _ = tx.send(text);
    });
    // The stderr reader ends when check exits (or is killed).
    let err = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).map_err(|_| format!("check still running after {BOUND:?}: killed"))?;
    let status = guard.0.wait().map_err(|e| e.to_string())?;
    match status.code() {
        Some(2) => Err(format!("check exit 2 (setup error): {}", err.trim())),
        Some(c) => Ok(c),
        None => Err(format!("check ended by a signal: {status:?}")),
    }
}

fn failing(dir: &Path) -> Result<Vec<String>, String> {
    let r = report::json::read(&dir.join("report.json")).map_err(|e| e.to_string())?;
    Ok(r.results.iter().filter(|a| a.status == Status::Fail).map(|a| format!("{}#{}", a.case, a.assertion)).collect())
}

fn check_one(defect: Option<String>, root: &Path) -> Outcome {
    let started = Instant::now();
    let deadline = started + BOUND;
    let dir = root.join(defect.as_deref().unwrap_or("clean"));
    type Found = Result<(i32, Vec<String>), String>;
    let run = || -> Result<(i32, Vec<String>, Found), String> {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let (server, url) = start_server(defect.as_deref(), deadline)?;
        let code = run_check(&url, &dir, &[], deadline)?;
        let found = dir.join("discover");
        let discovered = run_check(&url, &found, &["--discover"], deadline + BOUND).and_then(|c| Ok((c, failing(&found)?)));
        drop(server);
        Ok((code, failing(&dir)?, discovered))
    };
    let (exit, failing, discovered) = match run() {
        Ok((code, f, d)) => (Ok(code), f, d),
        Err(e) => (Err(e.clone()), Vec::new(), Err(e)),
    };
    Outcome { defect, exit, failing, discovered, secs: started.elapsed().as_secs_f64() }
}

fn temp_root() -> PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-every-defect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn every_defect_fails_a_default_check_and_the_clean_server_passes() {
    let started = Instant::now();
    let root = temp_root();
    let elsewhere = caught_elsewhere();
    let jobs: VecDeque<Option<String>> = std::iter::once(None).chain(defect_names().into_iter().filter(|d| !elsewhere.contains(d)).map(Some)).collect();
    let total = jobs.len();
    let queue = Arc::new(Mutex::new(jobs));
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = (0..PARALLEL)
        .map(|_| {
            let (queue, tx, root) = (queue.clone(), tx.clone(), root.clone());
            std::thread::spawn(move || loop {
                let job = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                let Some(defect) = job else { break };
                if tx.send(check_one(defect, &root)).is_err() {
                    break;
                }
            })
        })
        .collect();
    drop(tx);
    let mut outcomes: Vec<Outcome> = rx.iter().collect();
    for w in workers {
        w.join().expect("a worker panicked");
    }
    assert_eq!(outcomes.len(), total, "every run reports");
    outcomes.sort_by(|a, b| a.defect.cmp(&b.defect));

    let width = outcomes.iter().map(|o| o.label().len()).max().unwrap_or(0);
    let mut table = String::new();
    for o in &outcomes {
        table.push_str(&format!("{:width$}  {:5.1} s  {}\n", o.label(), o.secs, o.how()));
    }
    println!("defect -> how a default check catches it\n{table}{total} checks in {:.1} s", started.elapsed().as_secs_f64());

    let (clean, defects): (Vec<&Outcome>, Vec<&Outcome>) = outcomes.iter().partition(|o| o.defect.is_none());
    let clean = clean.first().expect("the clean run");
    assert!(clean.exit == Ok(0) && clean.failing.is_empty(), "the clean server must pass a full check: {}\n{table}", clean.how());
    let escaped: Vec<&str> = defects.iter().filter(|o| !o.caught()).map(|o| o.label()).collect();
    assert!(escaped.is_empty(), "defects not caught by a default check (exit 1 with failures): {escaped:?}\n{table}");
    let differ: Vec<&str> = outcomes.iter().filter(|o| !o.discovered_agrees()).map(|o| o.label()).collect();
    assert!(differ.is_empty(), "check --discover does not fail as the built-in target does for: {differ:?}\n{table}");
    let _ = std::fs::remove_dir_all(&root);
}
