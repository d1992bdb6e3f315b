//! `wsman-harness fuzz` as a user runs it: against the embedded server no
//! find; against `serve --defect` switches that break error handling a find,
//! shrunk, reproducible from its seed and case, and saved as a corpus case
//! that `check` fails on the defect and passes on a correct server.

mod support;

use std::process::Output;

use support::{bin, Served};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn fuzz(args: &[&str], report_dir: &std::path::Path) -> Output {
    bin().arg("fuzz").args(args).arg("--report-dir").arg(report_dir).output().expect("runs")
}

#[test]
fn the_embedded_server_gives_no_find_and_every_operator_is_counted() {
    let dir = tempdir("embedded");
    let out = fuzz(&["--cases", "600", "--seed", "11"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("(embedded), seed 11") && stdout.contains(" 0 find(s)"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json")).expect("parses");
    assert_eq!(json["kind"], "fuzz");
    let operators: Vec<&str> =
        json["results"].as_array().expect("results").iter().filter_map(|r| r["assertion"].as_str()).filter(|a| a.starts_with("fuzz.operator.")).collect();
    // Every operator: the mix sends all but the attacks, the attack pass those.
    let (chains, mutation_ops): (Vec<&str>, Vec<&str>) = operators.iter().partition(|a| a.starts_with("fuzz.operator.chain-"));
    assert_eq!(mutation_ops.len(), driver::fuzz::Operator::ALL.len(), "{mutation_ops:?}");
    for op in ["attack-billion-laughs", "attack-huge-body", "attack-huge-body-chunked", "body-chunked"] {
        assert!(mutation_ops.contains(&format!("fuzz.operator.{op}").as_str()), "{op} not exercised: {mutation_ops:?}");
    }
    // Every stateful chain ran to its fault (none skipped against the reference server).
    assert_eq!(chains.len(), driver::fuzz::ChainKind::ALL.len(), "{chains:?}");
    let outcome = |kind: &str| {
        json["results"].as_array().expect("results").iter().find(|r| r["assertion"] == format!("fuzz.outcome.{kind}")).map(|r| r["message"].clone())
    };
    assert_eq!(outcome("chain"), Some(serde_json::Value::from(format!("{} cases", driver::fuzz::ChainKind::ALL.len()))));
    assert_eq!(outcome("chain-skipped"), None);
    // The embedded server's memory and connections are recorded.
    assert!(stdout.contains("embedded server: RSS "), "{stdout}");
    let rss = json["results"].as_array().expect("results").iter().find(|r| r["assertion"] == "fuzz.server.rss").expect("an RSS reading");
    assert!(rss["message"].as_str().is_some_and(|m| m.contains("MiB idle")), "{rss}");
}

#[test]
fn finds_on_defects_are_shrunk_reproducible_and_saved_as_cases_check_replays() {
    let clean = Served::start("http", &["--allow-unencrypted"]);
    for defect in ["fault-http-200", "html-error-page", "wrong-content-type"] {
        let served = Served::start("http", &["--allow-unencrypted", "--defect", defect]);
        let dir = tempdir(defect);
        let corpus = dir.join("corpus");
        let regressions = corpus.join("regressions");
        let out = fuzz(
            &["--endpoint", &served.url, "--user", "u:p", "--cases", "150", "--seed", "5", "--save-regressions", regressions.to_str().unwrap()],
            &dir.join("report"),
        );
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{defect}: {stdout}{}", text(&out.stderr));
        let reproduce = stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("reproduce with: wsman-harness fuzz "))
            .filter(|l| l.contains("--case"))
            .unwrap_or_else(|| panic!("{defect}: no reproduce line in {stdout}"))
            .to_owned();
        // The find again, alone, from its seed and case number.
        let args: Vec<&str> = reproduce.split_whitespace().collect();
        let mut again_args = args.clone();
        again_args.extend(["--user", "u:p"]);
        let again = fuzz(&again_args, &dir.join("again"));
        assert_eq!(again.status.code(), Some(1), "{defect}: {reproduce} found nothing: {}", text(&again.stdout));
        // Saved as corpus cases: check fails them on the defect, passes them on a correct server.
        assert!(regressions.join("manifest.toml").exists(), "{defect}: no manifest");
        let check = |url: &str| {
            bin()
                .args(["check", "--endpoint", url, "--user", "u:p", "--corpus"])
                .arg(&corpus)
                .arg("--report-dir")
                .arg(dir.join("check"))
                .output()
                .expect("runs")
        };
        let on_defect = check(&served.url);
        assert_eq!(on_defect.status.code(), Some(1), "{defect}: {}", text(&on_defect.stdout));
        let on_clean = check(&clean.url);
        assert_eq!(on_clean.status.code(), Some(0), "{defect}: a regression fails a correct server: {}", text(&on_clean.stdout));
    }
}

/// `VmRSS` or `VmHWM` of a process, in KiB (Linux).
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {status}"))
}

#[test]
fn the_xml_attacks_are_answered_and_the_servers_memory_stays_under_twice_its_idle_size() {
    let served = Served::start("http", &["--allow-unencrypted"]);
    // Idle: after one ordinary exchange, so lazily built state is counted.
    let warm = bin().args(["identify", "--endpoint", &served.url, "--user", "u:p"]).output().expect("runs");
    assert_eq!(warm.status.code(), Some(0), "{}", text(&warm.stderr));
    let idle = memory_kib(served.pid(), "VmRSS:");
    let dir = tempdir("attacks");
    // --cases 1: the attack pass (every attack operator once), then one case.
    let out = fuzz(&["--endpoint", &served.url, "--user", "u:p", "--cases", "1", "--seed", "1"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "every attack gets a fault or a refusal: {stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json")).expect("parses");
    let attacks =
        json["results"].as_array().expect("results").iter().filter(|r| r["assertion"].as_str().is_some_and(|a| a.starts_with("fuzz.operator.attack-"))).count();
    assert!(attacks >= 6, "{attacks} attack operators sent");
    let peak = memory_kib(served.pid(), "VmHWM:");
    assert!(peak < 2 * idle, "peak RSS {peak} KiB is not under twice the idle {idle} KiB");
    eprintln!("serve: idle RSS {idle} KiB, peak {peak} KiB over the attack pass");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempdir("usage");
    for args in [&["--cases", "0"][..], &["--cases", "5", "--duration", "1s"], &["--seed", "x"], &["--concurrency", "0"]] {
        let out = fuzz(args, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn the_stateful_chains_find_state_that_outlives_its_end() {
    // Each defect keeps one kind of state alive; its chain, and only its, finds it.
    for (defect, chain, fault) in [
        ("accept-released-context", "chain-use-after-release", "InvalidEnumerationContext"),
        ("leak-enumeration-contexts", "chain-pull-after-expiry", "InvalidEnumerationContext"),
        ("delete-ignored", "chain-delete-then-get", "DestinationUnreachable"),
    ] {
        let served = Served::start("http", &["--allow-unencrypted", "--defect", defect]);
        let dir = tempdir(defect);
        let out = fuzz(&["--endpoint", &served.url, "--user", "u:p", "--cases", "20", "--seed", "9"], &dir);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{defect}: {stdout}");
        let finds: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FIND ")).collect();
        assert!(finds.iter().any(|l| l.starts_with(&format!("FIND {chain} ")) && l.contains(fault)), "{defect}: {stdout}");
        assert_eq!(finds.len(), 1, "{defect}: only its chain finds it: {stdout}");
    }
    let clean = Served::start("http", &["--allow-unencrypted"]);
    let out = fuzz(&["--endpoint", &clean.url, "--user", "u:p", "--cases", "20", "--seed", "9"], &tempdir("chain-clean"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}
