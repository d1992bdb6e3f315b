//! WS-Transfer and custom methods on the simulated host (rules 20-24).

use std::num::NonZeroU64;

use test_support::Client;
use wsman_client::message::{Create, Delete, Enumerate, Get, MethodInput, Put};
use wsman_client::Resource;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, FaultDetail, FaultKind};

use crate::{assert_fault, assert_ok, raw_header, setup};

fn env_uri() -> String {
    Resource::cimv2("Win32_Environment").uri
}

/// The Win32_Environment instance `Name` of `<SYSTEM>`.
fn env_var(name: &str) -> Resource {
    Resource::cimv2("Win32_Environment").selector("Name", name).selector("UserName", "<SYSTEM>")
}

fn env_body(name: &str, value: &str) -> Element {
    let uri = env_uri();
    Element::ns(&uri, "Win32_Environment")
        .with_child(Element::ns(&uri, "Name").with_text(name))
        .with_child(Element::ns(&uri, "UserName").with_text("<SYSTEM>"))
        .with_child(Element::ns(&uri, "VariableValue").with_text(value))
}

/// A custom method's input: `<method>_INPUT` in `resource`'s namespace with these parameters.
fn input(resource: &Resource, method: &str, parameters: Vec<Element>) -> MethodInput {
    MethodInput { resource_uri: resource.uri.clone(), method: method.to_owned(), parameters }
}

#[tokio::test]
async fn get_by_key_and_selector_faults() {
    let (_s, c) = setup().await;
    let svc = Resource::cimv2("Win32_Service");
    let get = |r: Resource| c.request(&r, Get).encode();
    let env = assert_ok(&c.post(get(svc.clone().selector("Name", "WinRM"))).await);
    let item = env.body_element().unwrap();
    assert!(item.is(&svc.uri, "Win32_Service"));
    assert_eq!(item.child_text(&svc.uri, "Name").as_deref(), Some("WinRM"));
    // Rule 20: a keyed class without selectors.
    let r = c.post(get(svc.clone())).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    let r = c.post(get(svc.clone().selector("Name", "WinRM").selector("Bogus", "1"))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
    let r = c.post(get(svc.clone().selector("Name", "WinRM").selector("name", "WinRM"))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::DuplicateSelectors));
    let r = c.post(get(Resource::cimv2("Win32_OperatingSystem").selector("Name", "x"))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors));
}

#[tokio::test]
async fn create_get_put_delete_lifecycle() {
    let (_s, c) = setup().await;
    let uri = env_uri();
    let class = Resource::new(uri.clone());
    let r = c.post(c.request(&class, Create { representation: env_body("HARNESS_VAR", "one") }).encode()).await;
    let env = assert_ok(&r);
    let created = env.body_element().unwrap();
    assert!(created.is(ns::WXF, "ResourceCreated"), "rule 23");
    let params = created.child(ns::WSA, "ReferenceParameters").unwrap();
    assert_eq!(params.child_text(ns::WSMAN, "ResourceURI").as_deref(), Some(uri.as_str()));
    let sel = wsman_proto::SelectorSet::from_element(params.child(ns::WSMAN, "SelectorSet").unwrap()).unwrap();
    assert_eq!(sel.get("Name"), Some("HARNESS_VAR"));

    // A duplicate Create is AlreadyExists.
    let r = c.post(c.request(&class, Create { representation: env_body("HARNESS_VAR", "again") }).encode()).await;
    assert_fault(&r, FaultKind::AlreadyExists, None);

    let var = env_var("HARNESS_VAR");
    let get = || c.request(&var, Get).encode();
    let env = assert_ok(&c.post(get()).await);
    assert_eq!(env.body_element().unwrap().child_text(&uri, "VariableValue").as_deref(), Some("one"));

    let put = c.request(&var, Put { representation: env_body("HARNESS_VAR", "two") });
    let env = assert_ok(&c.post(put.encode()).await);
    assert_eq!(env.body_element().unwrap().child_text(&uri, "VariableValue").as_deref(), Some("two"));
    let env = assert_ok(&c.post(get()).await);
    assert_eq!(env.body_element().unwrap().child_text(&uri, "VariableValue").as_deref(), Some("two"));

    let env = assert_ok(&c.post(c.request(&var, Delete).encode()).await);
    assert!(env.body.is_empty(), "rule 24: Delete answers an empty body");
    let r = c.post(get()).await;
    assert_eq!(r.status, 500, "the deleted instance is gone: {}", r.text());
}

#[tokio::test]
async fn put_with_a_bad_representation() {
    let (_s, c) = setup().await;
    let uri = env_uri();
    let put = |representation: Element| c.request(&env_var("TEMP"), Put { representation }).encode();
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
    let winrm = Resource::cimv2("Win32_Service").selector("Name", "WinRM");
    let svc = winrm.uri.clone();
    let invoke = |m: &str| c.request(&winrm, input(&winrm, m, Vec::new())).encode();
    let state = |env: &wsman_proto::Envelope| env.body_element().unwrap().child_text(&svc, "State");
    let get = c.request(&winrm, Get).encode();
    assert_eq!(state(&assert_ok(&c.post(get.clone()).await)).as_deref(), Some("Running"));
    let env = assert_ok(&c.post(invoke("StopService")).await);
    let out = env.body_element().unwrap();
    assert!(out.is(&svc, "StopService_OUTPUT"));
    assert_eq!(out.child_text(&svc, "ReturnValue").as_deref(), Some("0"));
    assert_eq!(env.header.action.as_ref().map(Action::uri), Some(format!("{svc}/StopServiceResponse")));
    assert_eq!(state(&assert_ok(&c.post(get.clone()).await)).as_deref(), Some("Stopped"));
    assert_ok(&c.post(invoke("StartService")).await);
    assert_eq!(state(&assert_ok(&c.post(get).await)).as_deref(), Some("Running"));
    // A wrong input element is refused: the Action of one method, the input of another.
    let mut bad = c.request(&winrm, input(&winrm, "Wrong", Vec::new()));
    bad.header.action = Some(Action::Other(format!("{svc}/StopService")));
    assert_fault(&c.post(bad.encode()).await, FaultKind::InvalidRepresentation, None);
}

#[tokio::test]
async fn fragment_transfer_returns_one_property() {
    let (_s, c) = setup().await;
    let winrm = Resource::cimv2("Win32_Service").selector("Name", "WinRM");
    let mut req = c.request(&winrm, Get);
    req.header.fragment_transfer = Some("State".into());
    let env = assert_ok(&c.post(req.encode()).await);
    let frag = env.body_element().unwrap();
    assert!(frag.is(ns::WSMAN, "XmlFragment"));
    assert_eq!(frag.elements().count(), 1);
    assert_eq!(frag.child_text(&winrm.uri, "State").as_deref(), Some("Running"));
}

#[tokio::test]
async fn an_unknown_method_is_an_unknown_action_whatever_the_selectors() {
    let (_s, c) = setup().await;
    let svc = Resource::cimv2("Win32_Service");
    let req = c.request(&svc, input(&svc, "Explode", Vec::new()));
    assert_fault(&c.post(req.encode()).await, FaultKind::ActionNotSupported, None);
    let winrm = svc.clone().selector("Name", "WinRM");
    let force = Element::ns(&svc.uri, "Force").with_text("true");
    let extra = c.request(&winrm, input(&winrm, "StopService", vec![force]));
    assert_fault(&c.post(extra.encode()).await, FaultKind::InvalidParameter, None);
}

#[tokio::test]
async fn a_put_on_winrm_config_changes_the_limits_the_server_applies() {
    let (s, c) = setup().await;
    let body = Element::ns(ns::CFG, "Config").with_child(Element::ns(ns::CFG, "MaxEnvelopeSizekb").with_text("32"));
    let env = assert_ok(&c.post(c.request(&Resource::new(ns::CFG), Put { representation: body }).encode()).await);
    assert_eq!(env.body_element().and_then(|b| b.child_text(ns::CFG, "MaxEnvelopeSizekb")).as_deref(), Some("32"));
    // A 40 KB request body is now over the limit (it was well under 500 KB before).
    let os = c.request(&Resource::cimv2("Win32_OperatingSystem"), Get);
    let padded = raw_header(os, Element::ns("urn:pad", "Pad").with_text("x".repeat(40 * 1024)));
    let r = c.send("POST", &s.url.clone(), Some("application/soap+xml"), &[], padded.encode().into()).await;
    assert_eq!(r.status, 413);
    // And the MaxEnvelopeSize ceiling follows: a response over 32 KB is refused.
    let all = Enumerate { optimize: true, max_elements: NonZeroU64::new(500), ..Enumerate::default() };
    let r = c.post(c.request(&Resource::cimv2("Win32_Service"), all).encode()).await;
    assert!(r.status == 200 && r.body.len() <= 32 * 1024, "the batch is cut to the new ceiling: {} octets", r.body.len());
}

/// A well-formed, complete key set that matches no instance: the same answer
/// on a Windows class and on the BMC's CIM classes (wsman_proto::manual,
/// "Selectors and missing instances"), for Get, Delete and a custom method.
#[tokio::test]
async fn a_missing_instance_is_resource_not_found_on_windows_and_bmc_classes() {
    let s = test_support::TestServer::reference().await;
    let c = Client::admin(&s);
    let not_found = |r: &test_support::Reply| {
        let env = assert_fault(r, FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound));
        let text = r.text();
        assert!(text.contains("Code=\"2150858752\""), "ERROR_WSMAN_RESOURCE_NOT_FOUND: {text}");
        env
    };
    let get = |c: &Client, r: Resource| c.request(&r, Get).encode();
    // Windows classes.
    not_found(&c.post(get(&c, Resource::cimv2("Win32_Service").selector("Name", "NoSuchService"))).await);
    not_found(&c.post(get(&c, Resource::cimv2("Win32_ComputerSystem").selector("Name", "NOT-THIS-HOST"))).await);
    not_found(&c.post(c.request(&env_var("HARNESS_NONE"), Delete).encode()).await);
    let no_such = Resource::cimv2("Win32_Service").selector("Name", "NoSuchService");
    not_found(&c.post(c.request(&no_such, input(&no_such, "StopService", Vec::new())).encode()).await);
    // The BMC's classes, under both of their resource URIs.
    for prefix in [ns::WMI_ROOT_HARDWARE_PREFIX, ns::DMTF_CIM_RESOURCE_PREFIX] {
        let sensor = Resource::new(format!("{prefix}CIM_NumericSensor"));
        let missing = sensor
            .clone()
            .selector("CreationClassName", "CIM_NumericSensor")
            .selector("DeviceID", "Sensor.250")
            .selector("SystemCreationClassName", "CIM_ComputerSystem")
            .selector("SystemName", "no-such-system");
        not_found(&c.post(get(&c, missing)).await);
        let cs = Resource::new(format!("{prefix}CIM_ComputerSystem")).selector("CreationClassName", "CIM_ComputerSystem").selector("Name", "no-such-system");
        let requested = Element::ns(&cs.uri, "RequestedState").with_text("2");
        not_found(&c.post(c.request(&cs, input(&cs, "RequestStateChange", vec![requested])).encode()).await);
        // A set that is wrong for the class is still the server's selector fault.
        let r = c.post(get(&c, sensor.selector("DeviceID", "Sensor.250"))).await;
        assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    }
}
