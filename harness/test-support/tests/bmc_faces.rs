//! The BMC's two faces agree end to end: a sensor read by ipmitool over
//! RMCP+ and by a WS-Man Get over HTTP through the reference server, at the
//! same (frozen) scenario time; power changed on one face shows on the other.
//! Skipped, with a message, when ipmitool is not installed.

use std::num::NonZeroU64;
use std::time::Duration;

use ipmi_sim::Clock;
use test_support::{Client, TestServer};
use wsman_client::message::{Enumerate, Item};
use wsman_client::Resource;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Property, Value};
use wsman_server::BmcOptions;

const USER: &str = "admin";
const PASS: &str = "bmc-secret";

fn have_ipmitool() -> bool {
    let found = std::process::Command::new("ipmitool").arg("-V").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIP: ipmitool is not installed");
    }
    found
}

async fn ipmitool(port: u16, args: &[&str]) -> String {
    let mut cmd = vec!["20".to_owned(), "ipmitool".into(), "-I".into(), "lanplus".into(), "-C".into(), "17".into()];
    cmd.extend(["-H", "127.0.0.1", "-p", &port.to_string(), "-U", USER, "-P", PASS, "-R", "2", "-N", "2"].map(String::from));
    cmd.extend(args.iter().map(|a| (*a).to_owned()));
    let out = tokio::process::Command::new("timeout").args(&cmd).output().await.expect("run ipmitool");
    assert!(out.status.success(), "ipmitool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Faces {
    _server: TestServer,
    client: Client,
    lan_port: u16,
}

async fn start() -> Faces {
    let config = wsman_server::Config { users: vec![wsman_server::User { name: USER.into(), password: PASS.into() }], ..Default::default() };
    let bmc = BmcOptions { clock: Clock::frozen(Duration::from_secs(200)), ipmi: Some(([127, 0, 0, 1], 0).into()), ..BmcOptions::default() };
    let server = TestServer::host(config, bmc).await;
    let client = Client::new(&server.url, Some(&format!("{USER}:{PASS}")));
    let lan_port = server.ipmi_addr.expect("the LAN face").port();
    Faces { _server: server, client, lan_port }
}

fn uri(class: &str) -> String {
    format!("{}{class}", ns::WMI_ROOT_HARDWARE_PREFIX)
}

/// Every instance of `class`, over WS-Man (an optimized Enumerate, pulled to the end).
async fn instances(c: &Client, class: &str) -> Vec<Element> {
    let request = Enumerate { optimize: true, max_elements: NonZeroU64::new(100), ..Enumerate::default() };
    let items = c.session().enumerate(&Resource::new(uri(class)), request).await.expect("an Enumerate").collect().await.expect("the items");
    items
        .into_iter()
        .map(|i| match i {
            Item::Object(el) => el,
            other => panic!("an object, not {other:?}"),
        })
        .collect()
}

/// `class` keyed by the key properties of `item`.
fn keyed(class: &str, item: &Element, keys: &[&str]) -> Resource {
    let u = uri(class);
    keys.iter().fold(Resource::new(&u), |r, k| r.selector(k, item.child_text(&u, k).expect("key property")))
}

/// A WS-Man Get of `class` keyed by the key properties of `item`: the representation.
async fn get(c: &Client, class: &str, item: &Element, keys: &[&str]) -> Element {
    c.session().get(&keyed(class, item, keys)).await.expect("a Get").representation
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sensor_reads_the_same_over_ipmitool_and_a_wsman_get() {
    if !have_ipmitool() {
        return;
    }
    let f = start().await;
    let class = "CIM_NumericSensor";
    let u = uri(class);
    let all = instances(&f.client, class).await;
    for name in ["CPU1 Temp", "12V", "Fan 1"] {
        let item = all.iter().find(|i| i.child_text(&u, "ElementName").as_deref() == Some(name)).unwrap_or_else(|| panic!("sensor {name}"));
        let inst = get(&f.client, class, item, &["SystemCreationClassName", "SystemName", "CreationClassName", "DeviceID"]).await;
        let reading: f64 = inst.child_text(&u, "CurrentReading").and_then(|t| t.parse().ok()).expect("CurrentReading");
        let modifier: i32 = inst.child_text(&u, "UnitModifier").and_then(|t| t.parse().ok()).expect("UnitModifier");
        let wsman = reading * 10f64.powi(modifier);
        let out = ipmitool(f.lan_port, &["sensor", "reading", name]).await;
        let lan: f64 = out.split('|').nth(1).and_then(|v| v.trim().parse().ok()).unwrap_or(f64::NAN);
        assert!((lan - wsman).abs() < 1e-6, "{name}: ipmitool {lan} vs WS-Man {wsman}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_changes_cross_the_faces() {
    if !have_ipmitool() {
        return;
    }
    let f = start().await;
    let class = "CIM_ComputerSystem";
    let u = uri(class);
    let system = instances(&f.client, class).await.remove(0);
    let keys = ["CreationClassName", "Name"];
    ipmitool(f.lan_port, &["chassis", "power", "off"]).await;
    let inst = get(&f.client, class, &system, &keys).await;
    assert_eq!(inst.child_text(&u, "EnabledState").as_deref(), Some("3"), "off through ipmitool shows over WS-Man");

    let on = [Property { name: "RequestedState".into(), value: Value::str("2") }];
    f.client.session().invoke(&keyed(class, &system, &keys), "RequestStateChange", &on).await.expect("RequestStateChange answered");
    let out = ipmitool(f.lan_port, &["chassis", "power", "status"]).await;
    assert!(out.contains("Chassis Power is on"), "on through WS-Man shows in ipmitool: {out}");
}
