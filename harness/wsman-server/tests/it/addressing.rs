//! Response addressing (PROTOCOL.md §4 rules 2, 25): RelatesTo, Action, To, MessageID.

use wsman_client::message::{Get, Identify};
use wsman_client::Resource;
use wsman_proto::{ns, Action};

use crate::{assert_ok, message_id, setup};

#[tokio::test]
async fn relates_to_echoes_the_message_id_byte_for_byte() {
    let (_s, c) = setup().await;
    // pypsrp sends upper case, pywinrm lower case: both must come back as sent.
    for id in ["uuid:AB12CD34-0000-4000-8000-00000000ABCD", "uuid:ab12cd34-0000-4000-8000-00000000abcd", "urn:uuid:Mixed-Case-Id"] {
        let mut req = c.request(&Resource::cimv2("Win32_OperatingSystem"), Get);
        req.header.message_id = Some(id.into());
        let env = assert_ok(&c.post(req.encode()).await);
        assert_eq!(env.header.relates_to.as_deref(), Some(id));
        assert_ne!(env.header.message_id.as_deref(), Some(id));
        assert!(env.header.message_id.as_deref().unwrap_or("").starts_with("uuid:"));
        assert_eq!(env.header.to.as_deref(), Some(ns::WSA_ANONYMOUS));
        assert_eq!(env.header.action.as_ref().map(Action::uri), Some(Action::Get.response_uri()));
    }
}

#[tokio::test]
async fn faults_are_addressed_too() {
    let (_s, c) = setup().await;
    let req = c.request(&Resource::cimv2("No_Such_Class"), Get);
    let r = c.post(req.encode()).await;
    let env = crate::assert_fault(&r, wsman_proto::FaultKind::DestinationUnreachable, Some(wsman_proto::FaultDetail::InvalidResourceURI));
    assert_eq!(env.header.relates_to.as_deref(), Some(message_id(&req)));
    assert_eq!(env.header.action.as_ref().map(Action::uri).as_deref(), Some(ns::WSA_FAULT_ACTION));
}

#[tokio::test]
async fn identify_needs_no_addressing_headers() {
    let (_s, c) = setup().await;
    let req = c.request(&Resource::default(), Identify);
    assert!(req.header.action.is_none() && req.header.message_id.is_none() && req.header.to.is_none(), "no addressing at all");
    let resp = assert_ok(&c.post(req.encode()).await);
    let id = resp.body_element().unwrap();
    assert!(id.is(ns::WSMID, "IdentifyResponse"));
    assert_eq!(id.child_text(ns::WSMID, "ProtocolVersion").as_deref(), Some(ns::WSMAN));
    assert_eq!(id.child_text(ns::WSMID, "ProductVendor").as_deref(), Some("Microsoft Corporation"));
    assert!(id.child(ns::WSMID, "SecurityProfiles").is_some());
}
