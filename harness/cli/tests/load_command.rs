//! `wsman-harness load` as a user runs it: every built-in operation (and a
//! corpus case) against the embedded server without an error; `--slo` and
//! `--find-knee` against the embedded server with the latency defect
//! `late-past-operation-timeout` (one request at a time, 20 ms each: about
//! 50 req/s at most); shards merged by `report merge`; usage errors exit 2.

#[allow(dead_code)]
mod support;

use std::process::Output;

use support::bin;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn load(args: &[&str], report_dir: &std::path::Path) -> Output {
    bin().arg("load").args(args).arg("--report-dir").arg(report_dir).output().expect("runs")
}

fn json(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("load.json")).expect("load.json")).expect("parses")
}

#[test]
fn every_built_in_operation_and_a_corpus_case_run_without_error() {
    let dir = tempdir("builtins");
    let mix = "identify=2,get-service,enumerate-optimized,enumerate-flow,winrs-flow,transfer/get/os-singleton";
    let out = load(&["--requests", "120", "-c", "4", "--warmup", "200ms", "--mix", mix], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let j = json(&dir);
    assert_eq!(j["total"]["requests"], 120, "{j}");
    assert_eq!(j["total"]["errors"], 0, "{j}");
    assert_eq!(j["embedded"], true);
    assert_eq!(j["schedule"]["kind"], "closed");
    let ops = j["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 6);
    for o in ops {
        assert!(o["requests"].as_u64().unwrap() > 0 && o["errors"] == 0, "{o}");
        assert!(o["latency_us"]["p50"].as_u64().unwrap() > 0 && o["latency_us"]["max"].as_u64() >= o["latency_us"]["p99"].as_u64(), "{o}");
    }
    let flow = ops.iter().find(|o| o["name"] == "winrs-flow").expect("winrs-flow");
    let steps: Vec<&str> = flow["steps"].as_array().expect("steps").iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(steps, ["create", "command", "receive", "delete"]);
    let pulls = &ops.iter().find(|o| o["name"] == "enumerate-flow").expect("enumerate-flow")["steps"][1];
    assert!(
        pulls["requests"].as_u64().unwrap() > ops.iter().find(|o| o["name"] == "enumerate-flow").unwrap()["requests"].as_u64().unwrap(),
        "several pulls per flow: {pulls}"
    );
    // The embedded server was sampled; the generator's own CPU is reported.
    assert!(j["server"]["cpu_s"].as_f64().unwrap() > 0.0 && j["server"]["rss_peak_bytes"].as_u64().unwrap() > 0, "{}", j["server"]);
    assert!(j["generator"]["cpu_s"].as_f64().unwrap() > 0.0);
    let html = std::fs::read_to_string(dir.join("load.html")).expect("load.html");
    assert!(html.contains("<svg") && html.contains("Latency by percentile") && html.contains("Throughput over time"), "inline SVG plots");
    assert!(!html.contains("<script") && !html.contains(" src=") && !html.contains("<link"), "self-contained: nothing loaded from elsewhere");
    let md = std::fs::read_to_string(dir.join("load.md")).expect("load.md");
    assert!(md.contains("| `winrs-flow` |") && md.contains("↳ `receive`"), "{md}");
}

#[test]
fn the_slo_holds_below_the_defects_capacity_and_breaks_above_it() {
    let dir = tempdir("slo");
    let base = ["--defect", "late-past-operation-timeout", "-c", "4", "--duration", "2s", "--slo", "p99<150ms,errors<1%"];
    let slow = load(&[&base[..], &["--rate", "15"]].concat(), &dir);
    assert_eq!(slow.status.code(), Some(0), "{}{}", text(&slow.stdout), text(&slow.stderr));
    assert_eq!(json(&dir)["slo"]["passed"], true);
    let fast = load(&[&base[..], &["--rate", "150"]].concat(), &dir);
    let stdout = text(&fast.stdout);
    assert_eq!(fast.status.code(), Some(1), "{stdout}{}", text(&fast.stderr));
    assert!(stdout.contains("slo p99<150ms: BROKEN"), "{stdout}");
    let j = json(&dir);
    assert_eq!(j["slo"]["passed"], false);
    assert_eq!(j["schedule"]["corrected_for_coordinated_omission"], true);
    // The same rate against the correct server holds.
    let clean = load(&["-c", "4", "--duration", "2s", "--slo", "p99<150ms,errors<1%", "--rate", "150"], &dir);
    assert_eq!(clean.status.code(), Some(0), "{}{}", text(&clean.stdout), text(&clean.stderr));
}

#[test]
fn find_knee_reports_the_highest_rate_that_held() {
    let dir = tempdir("knee");
    let out = load(&["--defect", "late-past-operation-timeout", "-c", "4", "--duration", "1s", "--rate", "10", "--slo", "p99<150ms", "--find-knee"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let knee = &json(&dir)["knee"];
    let rate = knee["rate"].as_f64().unwrap_or_else(|| panic!("a knee: {knee}"));
    // Capacity is 50 req/s (20 ms each, one at a time): the knee is below it and above the start.
    assert!((10.0..=60.0).contains(&rate), "knee {rate}: {knee}");
    assert_eq!(knee["unbroken"], false);
    let steps = knee["steps"].as_array().expect("steps");
    assert!(steps.iter().any(|s| s["held"] == false) && steps.len() <= 24, "{knee}");
    assert!(steps.iter().filter(|s| s["held"] == true).all(|s| s["rate"].as_f64().unwrap() <= rate), "{knee}");
    assert!(stdout.contains("knee: "), "{stdout}");
}

#[test]
fn shard_logs_merge_into_whole_run_percentiles() {
    let dir = tempdir("shards");
    let mut logs = Vec::new();
    for i in 0..2 {
        let log = dir.join(format!("shard{i}.hlog"));
        let out = load(
            &["--requests", "100", "-c", "2", "--shard", &format!("{i}/2"), "--hdr-log", log.to_str().unwrap(), "--format", "json"],
            &dir.join(format!("r{i}")),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(json(&dir.join(format!("r{i}")))["total"]["requests"], 50);
        logs.push(log);
    }
    let merged = bin().args(["report", "merge"]).args(&logs).arg("--report-dir").arg(dir.join("merged")).output().expect("runs");
    let stdout = text(&merged.stdout);
    assert_eq!(merged.status.code(), Some(0), "{stdout}{}", text(&merged.stderr));
    let j = json(&dir.join("merged"));
    assert_eq!(j["total"]["requests"], 100, "{j}");
    assert_eq!(j["operations"][0]["name"], "identify");
    assert_eq!(j["merged_from"].as_array().map(Vec::len), Some(2));
    // A log and a JSON report are not merged together.
    let mixed =
        bin().args(["report", "merge"]).arg(&logs[0]).arg(dir.join("r0").join("load.json")).arg("--report-dir").arg(dir.join("m2")).output().expect("runs");
    assert_eq!(mixed.status.code(), Some(2), "{}", text(&mixed.stderr));
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let dir = tempdir("usage");
    for args in [
        &["--shard", "2/2"][..],
        &["--mix", "no-such-operation"],
        &["--mix", "identify=0"],
        &["--slo", "p98<1ms"],
        &["--find-knee"],
        &["--rate", "0"],
        &["--requests", "5", "--duration", "1s"],
        &["--defect", "no-such-defect"],
        &["--defect", "hang-on-get", "--endpoint", "http://127.0.0.1:9/wsman"],
        &["--mix", "enumeration/scenario/pull-all-1"],
    ] {
        let out = load(args, &dir);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn over_tls_with_keep_alive_from_one_generator_thread() {
    let served = support::Served::start("https", &[]);
    let dir = tempdir("tls");
    let out = load(
        &["--endpoint", &served.url, "--user", "u:p", "--insecure", "--requests", "200", "-c", "4", "--threads", "1", "--mix", "identify,get-service"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let j = json(&dir);
    assert_eq!(j["total"]["requests"], 200, "{j}");
    assert_eq!(j["total"]["errors"], 0, "{j}");
    assert_eq!(j["embedded"], false);
    assert!(j["endpoint"].as_str().is_some_and(|e| e.starts_with("https://")), "{}", j["endpoint"]);
    // Without --insecure the self-signed certificate is refused: every
    // request fails in TLS, a setup error (exit 2), classified, reports kept.
    let refused = tempdir("tls-refused");
    let out = load(&["--endpoint", &served.url, "--user", "u:p", "--requests", "20", "-c", "1"], &refused);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}{err}", text(&out.stdout));
    assert!(err.lines().any(|l| l.starts_with("error: no request reached https://") && l.contains("transport:tls (20)")), "{err}");
    assert_eq!(json(&refused)["errors_by_class"]["transport:tls"], 20);
}
