//! Interop with real clients (ipmitool, FreeIPMI) against the simulator on
//! 127.0.0.1:0 with a frozen scenario clock. Skipped, with a message, when
//! the tools are not installed.

use std::process::Command;
use std::time::Duration;

use crate::support::{have, shared_at, start, PASS, USER};

fn ipmitool(addr: std::net::SocketAddr, args: &[&str]) -> (bool, String) {
    let port = addr.port().to_string();
    let out = Command::new("timeout")
        .args(["20", "ipmitool", "-H", "127.0.0.1", "-p", &port, "-U", USER, "-P", PASS, "-R", "2", "-N", "2"])
        .args(args)
        .output()
        .expect("run ipmitool");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn ipmitool_reads_the_same_sensor_value_as_the_core() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::from_secs(180)));
    let idx = srv.bmc.lock().sensors().iter().position(|s| s.name == "CPU1 Temp").expect("cpu1");
    let (_, want) = srv.bmc.with(|b, now| b.sensor_reading(now, idx)).expect("reading");
    for suite in ["3", "17"] {
        let (ok, out) = ipmitool(srv.addr, &["-I", "lanplus", "-C", suite, "sensor", "reading", "CPU1 Temp"]);
        assert!(ok, "{out}");
        let got: f64 = out.split('|').nth(1).and_then(|v| v.trim().parse().ok()).unwrap_or(f64::NAN);
        assert_eq!(got, want, "suite {suite}: {out}");
    }
}

#[test]
fn ipmitool_power_control_reaches_the_core_over_lan_and_lanplus() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::ZERO));
    let (ok, out) = ipmitool(srv.addr, &["-I", "lanplus", "-C", "17", "chassis", "power", "off"]);
    assert!(ok, "{out}");
    assert!(!srv.bmc.lock().chassis().power_on);
    let (ok, out) = ipmitool(srv.addr, &["-I", "lan", "-A", "MD5", "chassis", "power", "on"]);
    assert!(ok, "{out}");
    assert!(srv.bmc.lock().chassis().power_on);
    let (ok, out) = ipmitool(srv.addr, &["-I", "lanplus", "-C", "3", "chassis", "power", "status"]);
    assert!(ok && out.contains("Chassis Power is on"), "{out}");
}

#[test]
fn ipmitool_sees_scripted_fan_fault_in_sel() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::from_secs(10)));
    let (ok, out) = ipmitool(srv.addr, &["-I", "lanplus", "-C", "17", "sel", "list"]);
    assert!(ok, "{out}");
    assert!(!out.contains("Fan"), "no fan event before the fault: {out}");
    srv.bmc.clock().set(Duration::from_secs(40));
    let (ok, out) = ipmitool(srv.addr, &["-I", "lanplus", "-C", "17", "sel", "list"]);
    assert!(ok, "{out}");
    assert!(out.contains("Fan") && out.to_lowercase().contains("lower critical"), "{out}");
}

#[test]
fn ipmitool_wrong_password_is_refused() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::ZERO));
    let port = srv.addr.port().to_string();
    let out = Command::new("timeout")
        .args(["20", "ipmitool", "-I", "lanplus", "-C", "17", "-H", "127.0.0.1", "-p", &port, "-U", USER, "-P", "wrong", "-R", "1", "-N", "1", "mc", "info"])
        .output()
        .expect("run ipmitool");
    assert!(!out.status.success());
}

#[test]
fn freeipmi_without_workaround_over_lan_2_0_and_lan_md5() {
    if !have("bmc-info") {
        return;
    }
    let srv = start(shared_at(Duration::ZERO));
    let host = format!("127.0.0.1:{}", srv.addr.port());
    for driver in [&["--driver-type=LAN_2_0", "-I", "17"][..], &["--driver-type=LAN_2_0", "-I", "3"][..], &["--driver-type=LAN", "-a", "MD5"][..]] {
        let out = Command::new("timeout")
            .args(["20", "bmc-info", "-h", &host, "-u", USER, "-p", PASS, "-l", "ADMIN"])
            .args(driver)
            .output()
            .expect("run bmc-info");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && text.contains("IPMI Version"), "{driver:?}: {text}");
    }
}
