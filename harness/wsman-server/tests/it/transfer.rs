//! WS-Transfer and custom methods on the simulated host (rules 20-24).

use test_support::request::{self, cimv2};
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, FaultDetail, FaultKind};

use crate::{assert_fault, assert_ok, setup};

fn env_uri() -> String {
    cimv2("Win32_Environment")
}

fn env_body(name: &str, value: &str) -> Element {
    let uri = env_uri();
    Element::ns(&uri, "Win32_Environment")
        .with_child(Element::ns(&uri, "Name").with_text(name))
        .with_child(Element::ns(&uri, "UserName").with_text("<SYSTEM>"))
        .with_child(Element::ns(&uri, "VariableValue").with_text(value))
}

#[tokio::test]
async fn get_by_key_and_selector_faults() {
    let (_s, c) = setup().await;
    let svc = cimv2("Win32_Service");
    let env = assert_ok(&c.post(request::get(&svc).selector("Name", "WinRM").bytes()).await);
    let item = env.body_element().unwrap();
    assert!(item.is(&svc, "Win32_Service"));
    assert_eq!(item.child_text(&svc, "Name").as_deref(), Some("WinRM"));
    // Rule 20: a keyed class without selectors.
    let r = c.post(request::get(&svc).bytes()).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    let r = c.post(request::get(&svc).selector("Name", "WinRM").selector("Bogus", "1").bytes()).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
    let r = c.post(request::get(&svc).selector("Name", "WinRM").selector("name", "WinRM").bytes()).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::DuplicateSelectors));
    let r = c.post(request::get(&cimv2("Win32_OperatingSystem")).selector("Name", "x").bytes()).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
}

#[tokio::test]
async fn create_get_put_delete_lifecycle() {
    let (_s, c) = setup().await;
    let uri = env_uri();
    let r = c.post(request::new(Action::Create, &uri).body(env_body("HARNESS_VAR", "one")).bytes()).await;
    let env = assert_ok(&r);
    let created = env.body_element().unwrap();
    assert!(created.is(ns::WXF, "ResourceCreated"), "rule 23");
    let params = created.child(ns::WSA, "ReferenceParameters").unwrap();
    assert_eq!(params.child_text(ns::WSMAN, "ResourceURI").as_deref(), Some(uri.as_str()));
    let sel = wsman_proto::SelectorSet::from_element(params.child(ns::WSMAN, "SelectorSet").unwrap()).unwrap();
    assert_eq!(sel.get("Name"), Some("HARNESS_VAR"));

    // A duplicate Create is AlreadyExists.
    let r = c.post(request::new(Action::Create, &uri).body(env_body("HARNESS_VAR", "again")).bytes()).await;
    assert_fault(&r, FaultKind::AlreadyExists, None);

    let get = || request::get(&uri).selector("Name", "HARNESS_VAR").selector("UserName", "<SYSTEM>");
    let env = assert_ok(&c.post(get().bytes()).await);
    assert_eq!(env.body_element().unwrap().child_text(&uri, "VariableValue").as_deref(), Some("one"));

    let put = request::new(Action::Put, &uri).selector("Name", "HARNESS_VAR").selector("UserName", "<SYSTEM>").body(env_body("HARNESS_VAR", "two"));
    let env = assert_ok(&c.post(put.bytes()).await);
    assert_eq!(env.body_element().unwrap().child_text(&uri, "VariableValue").as_deref(), Some("two"));
    let env = assert_ok(&c.post(get().bytes()).await);
    assert_eq!(env.body_element().unwrap().child_text(&uri, "VariableValue").as_deref(), Some("two"));

    let del = request::new(Action::Delete, &uri).selector("Name", "HARNESS_VAR").selector("UserName", "<SYSTEM>");
    let env = assert_ok(&c.post(del.bytes()).await);
    assert!(env.body.is_empty(), "rule 24: Delete answers an empty body");
    let r = c.post(get().bytes()).await;
    assert_eq!(r.status, 500, "the deleted instance is gone: {}", r.text());
}

#[tokio::test]
async fn put_with_a_bad_representation() {
    let (_s, c) = setup().await;
    let uri = env_uri();
    let put = |body: Element| request::new(Action::Put, &uri).selector("Name", "TEMP").selector("UserName", "<SYSTEM>").body(body).bytes();
    // Rule 21: wrong element / namespace.
    let r = c.post(put(Element::ns("urn:wrong", "Win32_Environment"))).await;
    assert_fault(&r, FaultKind::InvalidRepresentation, None);
    let r = c.post(put(Element::ns(&uri, "Win32_Service"))).await;
    assert_fault(&r, FaultKind::InvalidRepresentation, None);
    // Rule 22: read-only data.
    let ro = env_body("TEMP", "x").with_child(Element::ns(&uri, "SystemVariable").with_text("false"));
    let r = c.post(put(ro)).await;
    assert_eq!(r.status, 500, "{}", r.text());
    let f = r.envelope().fault().unwrap();
    assert_eq!(f.detail.as_deref(), Some(FaultDetail::ReadOnly.uri().as_str()), "{}", r.text());
}

#[tokio::test]
async fn stop_service_is_visible_in_a_later_get() {
    let (_s, c) = setup().await;
    let svc = cimv2("Win32_Service");
    let invoke = |m: &str| request::new(Action::Other(format!("{svc}/{m}")), &svc).selector("Name", "WinRM").body(Element::ns(&svc, &format!("{m}_INPUT")));
    let state = |env: &wsman_proto::Envelope| env.body_element().unwrap().child_text(&svc, "State");
    let get = request::get(&svc).selector("Name", "WinRM");
    assert_eq!(state(&assert_ok(&c.post(get.bytes()).await)).as_deref(), Some("Running"));
    let env = assert_ok(&c.post(invoke("StopService").bytes()).await);
    let out = env.body_element().unwrap();
    assert!(out.is(&svc, "StopService_OUTPUT"));
    assert_eq!(out.child_text(&svc, "ReturnValue").as_deref(), Some("0"));
    assert_eq!(env.header.action.as_ref().map(Action::uri), Some(format!("{svc}/StopServiceResponse")));
    assert_eq!(state(&assert_ok(&c.post(get.bytes()).await)).as_deref(), Some("Stopped"));
    assert_ok(&c.post(invoke("StartService").bytes()).await);
    assert_eq!(state(&assert_ok(&c.post(get.bytes()).await)).as_deref(), Some("Running"));
    // A wrong input element is refused.
    let bad = request::new(Action::Other(format!("{svc}/StopService")), &svc).selector("Name", "WinRM").body(Element::ns(&svc, "Wrong_INPUT"));
    assert_fault(&c.post(bad.bytes()).await, FaultKind::InvalidRepresentation, None);
}

#[tokio::test]
async fn fragment_transfer_returns_one_property() {
    let (_s, c) = setup().await;
    let svc = cimv2("Win32_Service");
    let req = request::get(&svc).selector("Name", "WinRM").with_header(|h| h.fragment_transfer = Some("State".into()));
    let env = assert_ok(&c.post(req.bytes()).await);
    let frag = env.body_element().unwrap();
    assert!(frag.is(ns::WSMAN, "XmlFragment"));
    assert_eq!(frag.elements().count(), 1);
    assert_eq!(frag.child_text(&svc, "State").as_deref(), Some("Running"));
}

#[tokio::test]
async fn an_unknown_method_is_an_unknown_action_whatever_the_selectors() {
    let (_s, c) = setup().await;
    let svc = cimv2("Win32_Service");
    let req = request::new(Action::Other(format!("{svc}/Explode")), &svc).body(Element::ns(&svc, "Explode_INPUT"));
    assert_fault(&c.post(req.bytes()).await, FaultKind::ActionNotSupported, None);
    let extra = request::new(Action::Other(format!("{svc}/StopService")), &svc)
        .selector("Name", "WinRM")
        .body(Element::ns(&svc, "StopService_INPUT").with_child(Element::ns(&svc, "Force").with_text("true")));
    assert_fault(&c.post(extra.bytes()).await, FaultKind::InvalidParameter, None);
}

#[tokio::test]
async fn a_put_on_winrm_config_changes_the_limits_the_server_applies() {
    let (s, c) = setup().await;
    let body = Element::ns(ns::CFG, "Config").with_child(Element::ns(ns::CFG, "MaxEnvelopeSizekb").with_text("32"));
    let env = assert_ok(&c.post(request::new(Action::Put, ns::CFG).body(body).bytes()).await);
    assert_eq!(env.body_element().and_then(|b| b.child_text(ns::CFG, "MaxEnvelopeSizekb")).as_deref(), Some("32"));
    // A 40 KB request body is now over the limit (it was well under 500 KB before).
    let padded = request::get(&cimv2("Win32_OperatingSystem")).raw_header(Element::ns("urn:pad", "Pad").with_text("x".repeat(40 * 1024)));
    let r = c.send("POST", &s.url.clone(), Some("application/soap+xml"), &[], padded.bytes().into()).await;
    assert_eq!(r.status, 413);
    // And the MaxEnvelopeSize ceiling follows: a response over 32 KB is refused.
    let f = vec![Element::ns(ns::WSMAN, "OptimizeEnumeration"), Element::ns(ns::WSMAN, "MaxElements").with_text("500")];
    let r = c.post(request::enumerate(&cimv2("Win32_Service"), f).bytes()).await;
    assert!(r.status == 200 && r.body.len() <= 32 * 1024, "the batch is cut to the new ceiling: {} octets", r.body.len());
}

/// A well-formed, complete key set that matches no instance: the same answer
/// on a Windows class and on the BMC's CIM classes (wsman_proto::manual,
/// "Selectors and missing instances"), for Get, Delete and a custom method.
#[tokio::test]
async fn a_missing_instance_is_resource_not_found_on_windows_and_bmc_classes() {
    let s = test_support::TestServer::reference().await;
    let c = test_support::Client::admin(&s);
    let not_found = |r: &test_support::Reply| {
        let env = assert_fault(r, FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound));
        let text = r.text();
        assert!(text.contains("Code=\"2150858752\""), "ERROR_WSMAN_RESOURCE_NOT_FOUND: {text}");
        env
    };
    // Windows classes.
    not_found(&c.post(request::get(&cimv2("Win32_Service")).selector("Name", "NoSuchService").bytes()).await);
    not_found(&c.post(request::get(&cimv2("Win32_ComputerSystem")).selector("Name", "NOT-THIS-HOST").bytes()).await);
    let env_missing = || request::new(Action::Delete, &env_uri()).selector("Name", "HARNESS_NONE").selector("UserName", "<SYSTEM>");
    not_found(&c.post(env_missing().bytes()).await);
    let svc = cimv2("Win32_Service");
    let stop = request::new(Action::Other(format!("{svc}/StopService")), &svc).selector("Name", "NoSuchService").body(Element::ns(&svc, "StopService_INPUT"));
    not_found(&c.post(stop.bytes()).await);
    // The BMC's classes, under both of their resource URIs.
    for prefix in [ns::WMI_ROOT_HARDWARE_PREFIX, ns::DMTF_CIM_RESOURCE_PREFIX] {
        let sensor = format!("{prefix}CIM_NumericSensor");
        let get = request::get(&sensor)
            .selector("CreationClassName", "CIM_NumericSensor")
            .selector("DeviceID", "Sensor.250")
            .selector("SystemCreationClassName", "CIM_ComputerSystem")
            .selector("SystemName", "no-such-system");
        not_found(&c.post(get.bytes()).await);
        let cs = format!("{prefix}CIM_ComputerSystem");
        let change = request::new(Action::Other(format!("{cs}/RequestStateChange")), &cs)
            .selector("CreationClassName", "CIM_ComputerSystem")
            .selector("Name", "no-such-system")
            .body(Element::ns(&cs, "RequestStateChange_INPUT").with_child(Element::ns(&cs, "RequestedState").with_text("2")));
        not_found(&c.post(change.bytes()).await);
        // A set that is wrong for the class is still the server's selector fault.
        let r = c.post(request::get(&sensor).selector("DeviceID", "Sensor.250").bytes()).await;
        assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    }
}
