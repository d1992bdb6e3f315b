//! insta snapshots of representative responses (volatile values redacted).

use std::num::NonZeroU64;

use test_support::redact::{pretty_xml, redact};
use test_support::Client;
use wsman_client::message::{Enumerate, Get, Identify};
use wsman_client::Resource;
use wsman_proto::{Action, Envelope};

use crate::{message_id, setup};

async fn snap(name: &str, build: impl FnOnce(&Client) -> Envelope) {
    let (_s, c) = setup().await;
    let req = build(&c);
    let r = c.post(req.encode()).await;
    let text = redact(&pretty_xml(&r.text()), Some(message_id(&req)));
    insta::assert_snapshot!(name, format!("HTTP {}\n{text}", r.status));
}

#[tokio::test]
async fn get_operating_system() {
    snap("get-operating-system", |c| c.request(&Resource::cimv2("Win32_OperatingSystem"), Get)).await;
}

#[tokio::test]
async fn get_winrm_service() {
    snap("get-winrm-service", |c| c.request(&Resource::cimv2("Win32_Service").selector("Name", "WinRM"), Get)).await;
}

#[tokio::test]
async fn enumerate_three_services() {
    let three = Enumerate { optimize: true, max_elements: NonZeroU64::new(3), ..Enumerate::default() };
    snap("enumerate-three-services", |c| c.request(&Resource::cimv2("Win32_Service"), three)).await;
}

#[tokio::test]
async fn fault_invalid_selectors() {
    snap("fault-insufficient-selectors", |c| c.request(&Resource::cimv2("Win32_Service"), Get)).await;
}

#[tokio::test]
async fn identify() {
    let (_s, c) = setup().await;
    let r = c.post(c.request(&Resource::default(), Identify).encode()).await;
    insta::assert_snapshot!("identify", redact(&pretty_xml(&r.text()), None));
}

#[tokio::test]
async fn unknown_action() {
    // No message type has this Action: the client's header with an empty Body.
    snap("fault-action-not-supported", |c| Envelope {
        header: c.session().header(Action::Other("urn:nope".into()), &Resource::cimv2("Win32_Service")),
        body: Vec::new(),
    })
    .await;
}
