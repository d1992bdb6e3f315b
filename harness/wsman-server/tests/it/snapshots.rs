//! insta snapshots of representative responses (volatile values redacted).

use test_support::redact::{pretty_xml, redact};
use test_support::request::{self, cimv2};
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action};

use crate::setup;

async fn snap(name: &str, req: request::Request) {
    let (_s, c) = setup().await;
    let r = c.post(req.bytes()).await;
    let text = redact(&pretty_xml(&r.text()), Some(req.message_id()));
    insta::assert_snapshot!(name, format!("HTTP {}\n{text}", r.status));
}

#[tokio::test]
async fn get_operating_system() {
    snap("get-operating-system", request::get(&cimv2("Win32_OperatingSystem"))).await;
}

#[tokio::test]
async fn get_winrm_service() {
    snap("get-winrm-service", request::get(&cimv2("Win32_Service")).selector("Name", "WinRM")).await;
}

#[tokio::test]
async fn enumerate_three_services() {
    let f = vec![Element::ns(ns::WSMAN, "OptimizeEnumeration"), Element::ns(ns::WSMAN, "MaxElements").with_text("3")];
    snap("enumerate-three-services", request::enumerate(&cimv2("Win32_Service"), f)).await;
}

#[tokio::test]
async fn fault_invalid_selectors() {
    snap("fault-insufficient-selectors", request::get(&cimv2("Win32_Service"))).await;
}

#[tokio::test]
async fn identify() {
    let (_s, c) = setup().await;
    let env = wsman_proto::Envelope { header: Default::default(), body: vec![Element::ns(ns::WSMID, "Identify")] };
    let r = c.post(env.encode()).await;
    insta::assert_snapshot!("identify", redact(&pretty_xml(&r.text()), None));
}

#[tokio::test]
async fn unknown_action() {
    snap("fault-action-not-supported", request::new(Action::Other("urn:nope".into()), &cimv2("Win32_Service"))).await;
}
