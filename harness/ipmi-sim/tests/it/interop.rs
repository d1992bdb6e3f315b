//! Interop with real clients (ipmitool, FreeIPMI) against the simulator on
//! 127.0.0.1:0 with a frozen scenario clock. Skipped, with a message, when
//! the tools are not installed.

use std::process::Command;
use std::time::Duration;

use crate::support::{have, shared_at, start, PASS, USER};

fn ipmitool(addr: std::net::SocketAddr, args: &[&str]) -> (bool, String) {
    let port = addr.port().to_string();
    let out = Command::new("timeout")
        .args([
            "20",
            "ipmitool",
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            USER,
            "-P",
            PASS,
            "-R",
            "2",
            "-N",
            "2",
        ])
        .args(args)
        .output()
        .expect("run ipmitool");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn ipmitool_reads_the_same_sensor_value_as_the_core() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::from_secs(180)));
    let idx = srv
        .bmc
        .lock()
        .sensors()
        .iter()
        .position(|s| s.name == "CPU1 Temp")
        .expect("cpu1");
    let (_, want) = srv
        .bmc
        .with(|b, now| b.sensor_reading(now, idx))
        .expect("reading");
    for suite in ["3", "17"] {
        let (ok, out) = ipmitool(
            srv.addr,
            &[
                "-I",
                "lanplus",
                "-C",
                suite,
                "sensor",
                "reading",
                "CPU1 Temp",
            ],
        );
        assert!(ok, "{out}");
        let got: f64 = out
            .split('|')
            .nth(1)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN);
        assert_eq!(got, want, "suite {suite}: {out}");
    }
}

#[test]
fn ipmitool_power_control_reaches_the_core_over_lan_and_lanplus() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::ZERO));
    let (ok, out) = ipmitool(
        srv.addr,
        &["-I", "lanplus", "-C", "17", "chassis", "power", "off"],
    );
    assert!(ok, "{out}");
    assert!(!srv.bmc.lock().chassis().power_on);
    let (ok, out) = ipmitool(
        srv.addr,
        &["-I", "lan", "-A", "MD5", "chassis", "power", "on"],
    );
    assert!(ok, "{out}");
    assert!(srv.bmc.lock().chassis().power_on);
    let (ok, out) = ipmitool(
        srv.addr,
        &["-I", "lanplus", "-C", "3", "chassis", "power", "status"],
    );
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
    assert!(
        out.contains("Fan") && out.to_lowercase().contains("lower critical"),
        "{out}"
    );
}

#[test]
fn ipmitool_wrong_password_is_refused() {
    if !have("ipmitool") {
        return;
    }
    let srv = start(shared_at(Duration::ZERO));
    let port = srv.addr.port().to_string();
    let out = Command::new("timeout")
        .args([
            "20",
            "ipmitool",
            "-I",
            "lanplus",
            "-C",
            "17",
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            USER,
            "-P",
            "wrong",
            "-R",
            "1",
            "-N",
            "1",
            "mc",
            "info",
        ])
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
    for driver in [
        &["--driver-type=LAN_2_0", "-I", "17"][..],
        &["--driver-type=LAN_2_0", "-I", "3"][..],
        &["--driver-type=LAN", "-a", "MD5"][..],
    ] {
        let out = Command::new("timeout")
            .args([
                "20", "bmc-info", "-h", &host, "-u", USER, "-p", PASS, "-l", "ADMIN",
            ])
            .args(driver)
            .output()
            .expect("run bmc-info");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("IPMI Version"),
            "{driver:?}: {text}"
        );
    }
}

/// The two faces agree: a sensor read through ipmitool and through the CIM
/// provider at the same scenario time; power changed on one face shows on the other.
mod faces_agree {
    use std::time::{Duration, SystemTime};

    use ipmi_sim::cim::{CimProvider, Class};
    use wsman_proto::{CallContext, Element, ResourceProvider, Value};

    use super::ipmitool;
    use crate::support::{have, shared_at, start};

    fn ctx() -> CallContext<'static> {
        CallContext {
            user: "admin",
            now: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn sensor_value_is_the_same_through_ipmitool_and_wsman() {
        if !have("ipmitool") {
            return;
        }
        let srv = start(shared_at(Duration::from_secs(200)));
        let p = CimProvider::new(srv.bmc.clone(), Class::NumericSensor);
        let uri = p.resource_uris()[0].clone();
        for name in ["CPU1 Temp", "12V", "Fan 1"] {
            let inst = p
                .enumerate(&ctx(), &uri)
                .expect("enumerate")
                .into_iter()
                .find(|i| i.get("ElementName") == Some(&Value::str(name)))
                .expect("sensor");
            let got = p.get(&ctx(), &uri, &inst.keys).expect("get");
            let (Some(Value::Int(r)), Some(Value::Int(m))) =
                (got.get("CurrentReading"), got.get("UnitModifier"))
            else {
                panic!("{got:?}")
            };
            let wsman = *r as f64 * 10f64.powi(*m as i32);
            let (ok, out) = ipmitool(
                srv.addr,
                &["-I", "lanplus", "-C", "17", "sensor", "reading", name],
            );
            assert!(ok, "{out}");
            let lan: f64 = out
                .split('|')
                .nth(1)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(f64::NAN);
            assert!(
                (lan - wsman).abs() < 1e-6,
                "{name}: ipmitool {lan} vs WS-Man {wsman}"
            );
        }
    }

    #[test]
    fn power_changes_cross_faces() {
        if !have("ipmitool") {
            return;
        }
        let srv = start(shared_at(Duration::ZERO));
        let p = CimProvider::new(srv.bmc.clone(), Class::ComputerSystem);
        let uri = p.resource_uris()[1].clone();
        let keys = p.enumerate(&ctx(), &uri).expect("system").remove(0).keys;
        let (ok, out) = ipmitool(
            srv.addr,
            &["-I", "lanplus", "-C", "3", "chassis", "power", "off"],
        );
        assert!(ok, "{out}");
        assert_eq!(
            p.get(&ctx(), &uri, &keys).expect("get").get("EnabledState"),
            Some(&Value::UInt(3))
        );
        let input = Element::ns(&uri, "RequestStateChange_INPUT")
            .with_child(Element::ns(&uri, "RequestedState").with_text("2"));
        let out = p
            .invoke(&ctx(), &uri, "RequestStateChange", &keys, &input)
            .expect("invoke");
        assert_eq!(out.properties[0].value, Value::UInt(0));
        let (ok, out) = ipmitool(
            srv.addr,
            &["-I", "lanplus", "-C", "17", "chassis", "power", "status"],
        );
        assert!(ok && out.contains("Chassis Power is on"), "{out}");
    }
}
