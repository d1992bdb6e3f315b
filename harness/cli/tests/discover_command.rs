//! `discover` and `check --discover` against `serve`: the target is found
//! through the BMC's registered profiles (DMTF classes for the generic
//! roles), the corpus passes through it, and a dead endpoint is one line and
//! exit 2.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsman-harness"))
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wsman-harness-discover-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// `serve` on an ephemeral loopback port, killed on drop.
struct Serve(Child, String);

impl Serve {
    fn start() -> Serve {
        let mut child = bin()
            .args(["serve", "--http", "127.0.0.1:0", "--user", "vendor:certify", "--allow-unencrypted"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = lines
            .by_ref()
            .take(50)
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("listening on ").filter(|u| u.starts_with("http://")).map(|u| u.trim().to_owned()))
            .expect("a listening line");
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Serve(child, url)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn discover_writes_a_target_of_the_bmc_classes_and_check_passes_through_it() {
    let serve = Serve::start();
    let dir = tempdir("serve");
    let file = dir.join("vendor.toml");
    let out = bin().args(["discover", "--endpoint", &serve.1, "--user", "vendor:certify", "--name", "vendor BMC", "-o"]).arg(&file).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("CIM_RegisteredProfile in root/interop: 6 profile(s)"), "{stderr}");
    let text = std::fs::read_to_string(&file).expect("the target file");
    let t = driver::Target::parse(&text).expect("a valid target");
    assert_eq!(t.name, "vendor BMC");
    assert_eq!(
        t.keyed.as_ref().map(|k| k.resource_uri.as_str()),
        Some(format!("{}CIM_NumericSensor", wsman_proto::ns::DMTF_CIM_RESOURCE_PREFIX).as_str()),
        "{text}"
    );
    assert_eq!(t.profiles.len(), 6, "{text}");
    // The account of the user discovery ran as is the one it found.
    assert!(text.contains("Name = \"vendor\""), "{text}");

    // check --target with that file, and check --discover, pass the generic
    // profiles and the registered profiles' classes.
    for (label, extra) in [("target", vec!["--target".to_owned(), file.display().to_string()]), ("discover", vec!["--discover".to_owned()])] {
        let report = dir.join(label);
        let out = bin()
            .args([
                "check",
                "--endpoint",
                &serve.1,
                "--user",
                "vendor:certify",
                "--format",
                "json",
                "--profile",
                "transfer",
                "--profile",
                "enumeration",
                "--profile",
                "dmtf",
            ])
            .args(&extra)
            .arg("--report-dir")
            .arg(&report)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{label}: {stdout:.3000}{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).expect("json")).expect("parses");
        let results = json["results"].as_array().expect("results");
        assert_eq!(json["summary"]["failed"], 0, "{label}");
        let status = |case: &str| results.iter().find(|r| r["case"] == case && r["assertion"] == "expect.outcome").map(|r| r["status"].clone());
        for case in [
            "dmtf/get/DSP1027.CIM_PowerManagementService",
            "dmtf/enumerate/DSP1009.CIM_NumericSensor",
            "transfer/get/service-winrm",
            "transfer/put/read-only-refused",
            "transfer/put/writable-own-value",
        ] {
            assert_eq!(status(case), Some(serde_json::json!("pass")), "{label}: {case}");
        }
        // The run records the target it used.
        let path = json["target"]["path"].as_str().unwrap_or_default();
        assert!(path.ends_with(if label == "target" { "vendor.toml" } else { "target.toml" }), "{label}: {}", json["target"]);
        assert_eq!(json["target"]["text"].as_str().map(|t| t.contains("CIM_NumericSensor")), Some(true));
    }
}

#[test]
fn a_dead_endpoint_is_one_line_and_exit_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/wsman", listener.local_addr().expect("addr"));
    drop(listener);
    let dir = tempdir("dead");
    let out = bin().args(["discover", "--endpoint", &url, "--user", "a:b", "--timeout", "3s", "-o"]).arg(dir.join("t.toml")).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: Identify failed"), "{stderr}");
    assert!(!dir.join("t.toml").exists());
}
