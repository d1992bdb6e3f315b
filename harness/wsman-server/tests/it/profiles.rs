//! The BMC as a DMTF endpoint a discovery walks over HTTP: the registered
//! profiles in the interop namespace (DSP1033), every mandatory class of
//! each profile through the EPRs the server returns, a threshold Put
//! (DSP1009) and the refusal of a read-only one.

use std::num::NonZeroU64;
use std::time::Duration;

use ipmi_sim::cim::profiles::{self, NAMESPACE_SELECTOR};
use ipmi_sim::cim::PROFILE_CLASSES;
use test_support::{Client, TestServer};
use wsman_client::message::{Enumerate, EnumerationMode, Get, MethodInput, Pull, Put};
use wsman_client::session::with_properties;
use wsman_client::Resource;
use wsman_proto::message::{instance_from_element, EndpointReference, Item};
use wsman_proto::xml::Element;
use wsman_proto::{ns, Envelope, FaultDetail, FaultKind, Instance, Property, Value};
use wsman_server::{BmcOptions, Config, Defect, DefectSet};

use crate::{assert_fault, assert_ok};

fn dmtf(class: &str) -> Resource {
    Resource::new(format!("{}{class}", ns::DMTF_CIM_RESOURCE_PREFIX))
}

fn registered_profiles() -> Resource {
    dmtf("CIM_RegisteredProfile").selector(NAMESPACE_SELECTOR, profiles::INTEROP_NAMESPACE)
}

fn items(env: &Envelope, wrapper: &str) -> Vec<Item> {
    let list = env.body_element().and_then(|b| b.child(wrapper, "Items")).map(|i| i.elements().cloned().collect::<Vec<_>>()).unwrap_or_default();
    list.iter().map(|e| Item::from_element(e).expect("an item")).collect()
}

fn ended(env: &Envelope) -> bool {
    let b = env.body_element().expect("a body");
    b.child(ns::WSMAN, "EndOfSequence").is_some() || b.child(ns::WSEN, "EndOfSequence").is_some()
}

/// Every item of an optimized enumeration of `resource` in `mode`, pulled to the end.
async fn enumerate_all(c: &Client, resource: &Resource, mode: EnumerationMode) -> Vec<Item> {
    let first = Enumerate { optimize: true, max_elements: NonZeroU64::new(4), mode, ..Enumerate::default() };
    let mut env = assert_ok(&c.post(c.request(resource, first).encode()).await);
    let mut all = items(&env, ns::WSMAN);
    for _ in 0..100 {
        if ended(&env) {
            return all;
        }
        let context = env.body_element().and_then(|b| b.child_text(ns::WSEN, "EnumerationContext")).expect("a context");
        let pull = Pull { context, max_elements: NonZeroU64::new(4), ..Pull::default() };
        env = assert_ok(&c.post(c.request(resource, pull).encode()).await);
        all.extend(items(&env, ns::WSEN));
    }
    panic!("the enumeration of {} did not end", resource.uri);
}

fn epr(item: &Item) -> &EndpointReference {
    match item {
        Item::Epr(e) | Item::ObjectAndEpr { epr: e, .. } => e,
        Item::Object(o) => panic!("an object without EPR: {o:?}"),
    }
}

/// Gets the instance an EPR names.
async fn get_epr(c: &Client, epr: &EndpointReference) -> Instance {
    let r = Resource::from_epr(epr).expect("the EPR names a resource");
    let env = assert_ok(&c.post(c.request(&r, Get).encode()).await);
    instance_from_element(env.body_element().expect("an instance")).expect("an instance")
}

#[tokio::test]
async fn registered_profiles_enumerate_as_eprs_in_interop_and_get_through_them() {
    let s = TestServer::reference().await;
    let c = Client::admin(&s);
    let found = enumerate_all(&c, &registered_profiles(), EnumerationMode::Epr).await;
    assert_eq!(found.len(), PROFILE_CLASSES.len());
    let mut names = Vec::new();
    for item in &found {
        let e = epr(item);
        let sel = e.selectors.as_ref().expect("selectors");
        assert_eq!(sel.get(NAMESPACE_SELECTOR), Some(profiles::INTEROP_NAMESPACE), "the EPR names the namespace");
        assert!(sel.get("InstanceID").is_some());
        let reg = get_epr(&c, e).await;
        assert_eq!(reg.class_name, "CIM_RegisteredProfile");
        assert_eq!(reg.get("RegisteredOrganization"), Some(&Value::str("2")));
        let Some(Value::Str(name)) = reg.get("RegisteredName") else { panic!("{reg:?}") };
        let (dsp, _, _) = PROFILE_CLASSES.iter().find(|(_, n, _)| n == name).unwrap_or_else(|| panic!("{name} is not advertised"));
        assert_eq!(reg.get("RegisteredVersion"), Some(&Value::str(profiles::profile_version(dsp).expect("a version"))));
        names.push(name.clone());
    }
    names.sort();
    let mut want: Vec<String> = PROFILE_CLASSES.iter().map(|(_, n, _)| (*n).to_owned()).collect();
    want.sort();
    assert_eq!(names, want);
    // `interop` names the same namespace.
    let short = dmtf("CIM_RegisteredProfile").selector(NAMESPACE_SELECTOR, "interop");
    assert_eq!(enumerate_all(&c, &short, EnumerationMode::ObjectAndEpr).await.len(), PROFILE_CLASSES.len());
}

#[tokio::test]
async fn registered_profiles_need_the_interop_namespace() {
    let s = TestServer::reference().await;
    let c = Client::admin(&s);
    let enumerate = |r: &Resource| c.request(r, Enumerate::default()).encode();
    let r = c.post(enumerate(&dmtf("CIM_RegisteredProfile"))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    let r = c.post(enumerate(&dmtf("CIM_RegisteredProfile").selector(NAMESPACE_SELECTOR, "root/cimv2"))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InvalidValue));
    let id = "DMTF:DSP1033:1.0.0";
    let get = |r: Resource| c.request(&r, Get).encode();
    let r = c.post(get(dmtf("CIM_RegisteredProfile").selector("InstanceID", id))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors));
    let r = c.post(get(dmtf("CIM_RegisteredProfile").selector("InstanceID", id).selector(NAMESPACE_SELECTOR, "root/cimv2"))).await;
    assert_fault(&r, FaultKind::InvalidSelectors, Some(FaultDetail::InvalidValue));
    let r = c.post(get(registered_profiles().selector("InstanceID", "DMTF:DSP0000:9.9.9"))).await;
    assert_fault(&r, FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound));
}

#[tokio::test]
async fn every_mandatory_class_of_every_profile_answers_enumerate_and_get() {
    let s = TestServer::reference().await;
    let c = Client::admin(&s);
    for (dsp, _, classes) in PROFILE_CLASSES {
        for class in *classes {
            let resource = if *class == "CIM_RegisteredProfile" { registered_profiles() } else { dmtf(class) };
            let found = enumerate_all(&c, &resource, EnumerationMode::ObjectAndEpr).await;
            assert!(!found.is_empty(), "{dsp}: {class} has instances");
            for item in found.iter().take(3) {
                let Item::ObjectAndEpr { object, epr } = item else { panic!("{item:?}") };
                assert_eq!(object.name, *class);
                assert_eq!(epr.resource_uri.as_deref(), Some(resource.uri.as_str()));
                let got = get_epr(&c, epr).await;
                assert_eq!(got.class_name, *class, "{dsp}");
                assert_eq!(got.properties, instance_from_element(object).expect("object").properties, "{dsp}: {class} Get = enumerated object");
            }
        }
    }
}

#[tokio::test]
async fn request_power_state_change_over_http_drives_the_chassis() {
    let s = TestServer::reference().await;
    let c = Client::admin(&s);
    let bmc = s.bmc.clone().expect("the reference host has a BMC");
    let found = enumerate_all(&c, &dmtf("CIM_PowerManagementService"), EnumerationMode::Epr).await;
    let service = Resource::from_epr(epr(&found[0])).expect("resource");
    let call = |state: &str| {
        let input = MethodInput {
            resource_uri: service.uri.clone(),
            method: "RequestPowerStateChange".into(),
            parameters: vec![Element::ns(&service.uri, "PowerState").with_text(state)],
        };
        c.request(&service, input).encode()
    };
    assert!(bmc.lock().chassis().power_on);
    let env = assert_ok(&c.post(call("8")).await);
    let out = env.body_element().expect("output");
    assert_eq!(out.name, "RequestPowerStateChange_OUTPUT");
    assert_eq!(out.child_text(&service.uri, "ReturnValue").as_deref(), Some("0"));
    assert!(!bmc.lock().chassis().power_on, "Off - Soft powered the system down");
    assert_ok(&c.post(call("2")).await);
    assert!(bmc.lock().chassis().power_on);
}

/// The 12V sensor (all six thresholds) under the DMTF URI: its resource and instance.
async fn sensor_12v(c: &Client) -> (Resource, Instance) {
    for item in enumerate_all(c, &dmtf("CIM_NumericSensor"), EnumerationMode::ObjectAndEpr).await {
        let Item::ObjectAndEpr { object, epr } = item else { continue };
        let inst = instance_from_element(&object).expect("instance");
        if inst.get("ElementName") == Some(&Value::str("12V")) {
            return (Resource::from_epr(&epr).expect("resource"), inst);
        }
    }
    panic!("no 12V sensor");
}

fn int(i: &Instance, name: &str) -> i64 {
    i.get(name).and_then(Value::to_text).and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("{name} of {i:?}"))
}

/// The full representation of `inst` with `changes`, as a client Puts it back.
fn changed(inst: &Instance, changes: &[(&str, String)]) -> Put {
    let changes: Vec<Property> = changes.iter().map(|(n, v)| Property { name: (*n).to_owned(), value: Value::str(v.clone()) }).collect();
    Put { representation: with_properties(inst.to_element(), &changes) }
}

#[tokio::test]
async fn a_threshold_put_reaches_the_core_and_a_read_only_put_is_refused() {
    let s = TestServer::reference().await;
    let c = Client::admin(&s);
    let bmc = s.bmc.clone().expect("the reference host has a BMC");
    let (sensor, inst) = sensor_12v(&c).await;
    let Some(Value::Array(settable)) = inst.get("SettableThresholds") else { panic!("{inst:?}") };
    assert!(settable.contains(&Value::str("1")), "UpperThresholdNonCritical is settable: {settable:?}");
    // One step of the sensor's raw resolution below the current value.
    let (idx, m) = {
        let b = bmc.lock();
        let i = b.sensors().iter().position(|s| s.name == "12V").expect("12V");
        (i, i64::from(b.sensors()[i].conv.m))
    };
    let unc = int(&inst, "UpperThresholdNonCritical");
    let want = unc - m;
    let env = assert_ok(&c.post(c.request(&sensor, changed(&inst, &[("UpperThresholdNonCritical", want.to_string())])).encode()).await);
    let after = instance_from_element(env.body_element().expect("the updated instance")).expect("instance");
    assert_eq!(int(&after, "UpperThresholdNonCritical"), want, "the response is the instance after the change");
    let env = assert_ok(&c.post(c.request(&sensor, Get).encode()).await);
    assert_eq!(int(&instance_from_element(env.body_element().expect("instance")).expect("instance"), "UpperThresholdNonCritical"), want);
    // The IPMI face's Get Sensor Thresholds (the command the LAN face serves) agrees.
    let (number, conv) = {
        let b = bmc.lock();
        (b.sensors()[idx].number, b.sensors()[idx].conv)
    };
    let r = bmc.with(|b, now| b.handle(now, &ipmi_sim::bmc::Request { netfn: ipmi_sim::bmc::netfn::SENSOR_EVENT, cmd: 0x27, data: vec![number] }));
    assert_eq!(r.cc, 0);
    let lan_value = (conv.to_value(r.data[4]) / 10f64.powi(conv.r_exp.into())).round() as i64;
    assert_eq!(lan_value, want, "Get Sensor Thresholds: unc raw {}", r.data[4]);

    // A read-only property changed: refused as the Windows classes refuse it, nothing applied.
    let reading = int(&after, "CurrentReading");
    let put = changed(&after, &[("CurrentReading", (reading + 100).to_string()), ("UpperThresholdNonCritical", unc.to_string())]);
    let r = c.post(c.request(&sensor, put).encode()).await;
    assert_fault(&r, FaultKind::InvalidRepresentation, Some(FaultDetail::ReadOnly));
    let env = assert_ok(&c.post(c.request(&sensor, Get).encode()).await);
    assert_eq!(int(&instance_from_element(env.body_element().expect("instance")).expect("instance"), "UpperThresholdNonCritical"), want);
}

#[tokio::test]
async fn the_put_read_only_accepted_defect_applies_to_the_bmc() {
    let config = Config { defects: DefectSet::new([Defect::PutReadOnlyAccepted]), ..Config::default() };
    let s = TestServer::host(config, BmcOptions { clock: ipmi_sim::Clock::frozen(Duration::ZERO), ..BmcOptions::default() }).await;
    let c = Client::admin(&s);
    let (sensor, inst) = sensor_12v(&c).await;
    let reading = int(&inst, "CurrentReading");
    let r = c.post(c.request(&sensor, changed(&inst, &[("CurrentReading", (reading + 100).to_string())])).encode()).await;
    let env = assert_ok(&r);
    let answered = instance_from_element(env.body_element().expect("instance")).expect("instance");
    assert_eq!(int(&answered, "CurrentReading"), reading, "the change was silently dropped");
}
