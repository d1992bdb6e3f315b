//! CIM provider tests with a frozen and stepped clock.

use std::time::{Duration, SystemTime};

use wsman_proto::{CallContext, Element, Fault, FaultKind, Instance, MethodResult, Property, ResourceProvider, SelectorSet, Value};

use super::*;
use crate::bmc::Bmc;
use crate::clock::Clock;
use crate::scenario::Scenario;

fn shared(t: u64) -> SharedBmc {
    let b = Bmc::new(Scenario::builtin_default(), &[("admin".into(), "pw".into())]).expect("scenario");
    SharedBmc::new(b, Clock::frozen(Duration::from_secs(t)))
}

fn ctx() -> CallContext<'static> {
    CallContext { user: "admin", now: SystemTime::UNIX_EPOCH }
}

fn provider(bmc: &SharedBmc, class: Class) -> CimProvider {
    CimProvider::new(bmc.clone(), class)
}

fn input(method: &str, uri: &str, args: &[(&str, &str)]) -> Element {
    let mut el = Element::ns(uri, &format!("{method}_INPUT"));
    for (k, v) in args {
        el.push(Element::ns(uri, k).with_text(*v));
    }
    el
}

#[test]
fn every_class_has_two_uris_or_the_wmi_one() {
    let bmc = shared(0);
    let ps = providers(bmc);
    assert_eq!(ps.len(), Class::ALL.len());
    let uris: Vec<String> = ps.iter().flat_map(|p| p.resource_uris()).collect();
    // Microsoft_IPMI and the four DMTF-only classes have one URI each.
    let dmtf_only = [Class::RegisteredProfile, Class::PowerManagementService, Class::PowerManagementCapabilities, Class::AccountManagementService];
    assert_eq!(uris.len(), 2 * (Class::ALL.len() - 1 - dmtf_only.len()) + 1 + dmtf_only.len());
    for c in dmtf_only {
        assert_eq!(resource_uris(c), vec![format!("{}{}", ns::DMTF_CIM_RESOURCE_PREFIX, c.name())]);
    }
    assert!(uris.iter().any(|u| u.starts_with(ns::WMI_ROOT_HARDWARE_PREFIX) && u.ends_with("CIM_NumericSensor")));
    assert!(uris.iter().any(|u| u.starts_with(ns::DMTF_CIM_RESOURCE_PREFIX) && u.ends_with("CIM_NumericSensor")));
    assert!(uris.iter().any(|u| u.ends_with("root/wmi/Microsoft_IPMI")));
}

#[test]
fn numeric_sensor_reading_matches_the_core() {
    let bmc = shared(120);
    let p = provider(&bmc, Class::NumericSensor);
    let uri = &p.resource_uris()[1];
    let all = p.enumerate(&ctx(), uri).expect("enumerate");
    assert_eq!(all.len(), bmc.lock().sensors().len());
    let v12 = all.iter().find(|i| i.get("ElementName") == Some(&Value::str("12V"))).expect("12V");
    let sel = v12.keys.clone();
    let got = p.get(&ctx(), uri, &sel).expect("get");
    let (Some(Value::Int(reading)), Some(Value::Int(modifier))) = (got.get("CurrentReading"), got.get("UnitModifier")) else {
        panic!("reading and modifier: {got:?}")
    };
    let idx = bmc.lock().sensors().iter().position(|s| s.name == "12V").expect("12V");
    let (_, want) = bmc.with(|b, now| b.sensor_reading(now, idx)).expect("reading");
    assert!((*reading as f64 * 10f64.powi(*modifier as i32) - want).abs() < 1e-9);
    assert_eq!(got.get("BaseUnits"), Some(&Value::UInt(5)));
    assert!(matches!(got.get("UpperThresholdFatal"), Some(Value::Int(_))));
    assert_eq!(got.resource_uri, *uri);
}

#[test]
fn fan_fault_shows_in_sensor_state_and_log_records() {
    let bmc = shared(10);
    let sensors = provider(&bmc, Class::Sensor);
    let uri = &sensors.resource_uris()[0];
    let fan2 =
        |p: &CimProvider| p.enumerate(&ctx(), uri).expect("enumerate").into_iter().find(|i| i.get("ElementName") == Some(&Value::str("Fan 2"))).expect("fan 2");
    assert_eq!(fan2(&sensors).get("CurrentState"), Some(&Value::str("Normal")));
    bmc.clock().set(Duration::from_secs(45));
    assert_eq!(fan2(&sensors).get("CurrentState"), Some(&Value::str("Lower Fatal")));
    let logs = provider(&bmc, Class::LogRecord);
    let recs = logs.enumerate(&ctx(), &logs.resource_uris()[0]).expect("records");
    assert!(recs.iter().any(|r| matches!(r.get("Description"), Some(Value::Str(d)) if d.starts_with("Fan 2: Lower Critical"))));
}

#[test]
fn request_state_change_drives_chassis_power() {
    let bmc = shared(0);
    let p = provider(&bmc, Class::ComputerSystem);
    let uri = p.resource_uris()[0].clone();
    let inst = p.enumerate(&ctx(), &uri).expect("enumerate").remove(0);
    assert_eq!(inst.get("EnabledState"), Some(&Value::UInt(2)));
    let out = p.invoke(&ctx(), &uri, "RequestStateChange", &inst.keys, &input("RequestStateChange", &uri, &[("RequestedState", "3")])).expect("invoke");
    assert_eq!(out.properties[0].value, Value::UInt(0));
    assert!(!bmc.lock().chassis().power_on);
    assert_eq!(p.get(&ctx(), &uri, &inst.keys).expect("get").get("EnabledState"), Some(&Value::UInt(3)));
    let bad = p.invoke(&ctx(), &uri, "RequestStateChange", &inst.keys, &input("RequestStateChange", &uri, &[("RequestedState", "77")])).expect("invoke");
    assert_eq!(bad.properties[0].value, Value::UInt(5));
    assert!(p.invoke(&ctx(), &uri, "Explode", &inst.keys, &input("Explode", &uri, &[])).is_err());
}

#[test]
fn clear_log_empties_the_sel() {
    let bmc = shared(45); // fan 2 events logged
    let log = provider(&bmc, Class::RecordLog);
    let uri = log.resource_uris()[1].clone();
    let inst = log.enumerate(&ctx(), &uri).expect("log").remove(0);
    assert!(matches!(inst.get("CurrentNumberOfRecords"), Some(Value::UInt(n)) if *n > 0));
    let out = log.invoke(&ctx(), &uri, "ClearLog", &inst.keys, &input("ClearLog", &uri, &[])).expect("clear");
    assert_eq!(out.properties[0].value, Value::UInt(0));
    assert!(bmc.lock().sel().records().is_empty());
}

#[test]
fn microsoft_ipmi_request_response_reaches_the_core() {
    let bmc = shared(0);
    let p = provider(&bmc, Class::MicrosoftIpmi);
    let uri = p.resource_uris()[0].clone();
    let keys = SelectorSet::default().with("InstanceName", IPMI_INSTANCE_NAME);
    // Get Device ID
    let args = [("NetworkFunction", "6"), ("Lun", "0"), ("ResponderAddress", "32"), ("Command", "1"), ("RequestDataSize", "0")];
    let out = p.invoke(&ctx(), &uri, "RequestResponse", &keys, &input("RequestResponse", &uri, &args)).expect("invoke");
    assert_eq!(out.properties[0].value, Value::UInt(0));
    assert_eq!(out.properties[2].value, Value::UInt(11));
    // Chassis Control power down, with RequestData
    let mut el = input("RequestResponse", &uri, &[("NetworkFunction", "0"), ("Command", "2"), ("RequestDataSize", "1")]);
    el.push(Element::ns(&uri, "RequestData").with_text("0"));
    let out = p.invoke(&ctx(), &uri, "RequestResponse", &keys, &el).expect("invoke");
    assert_eq!(out.properties[0].value, Value::UInt(0));
    assert!(!bmc.lock().chassis().power_on);
    // unknown command -> C1
    let out =
        p.invoke(&ctx(), &uri, "RequestResponse", &keys, &input("RequestResponse", &uri, &[("NetworkFunction", "6"), ("Command", "238")])).expect("invoke");
    assert_eq!(out.properties[0].value, Value::UInt(0xC1));
    // missing Command is a fault
    assert!(p.invoke(&ctx(), &uri, "RequestResponse", &keys, &input("RequestResponse", &uri, &[("NetworkFunction", "6")])).is_err());
}

#[test]
fn accounts_and_unknown_selectors() {
    let bmc = shared(0);
    let p = provider(&bmc, Class::Account);
    let uri = p.resource_uris()[0].clone();
    let all = p.enumerate(&ctx(), &uri).expect("accounts");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].get("Name"), Some(&Value::str("admin")));
    let mut only_wrong = SelectorSet::default();
    only_wrong.push("Name", "nobody");
    assert!(p.get(&ctx(), &uri, &only_wrong).is_err());
    assert!(p.get(&ctx(), &uri, &all[0].keys).is_ok());
}

#[test]
fn a_missing_instance_is_resource_not_found_as_on_the_windows_classes() {
    // wsman_proto::manual, "Selectors and missing instances": complete keys
    // that match nothing are DestinationUnreachable + ResourceNotFound.
    let bmc = shared(0);
    for class in Class::ALL {
        let p = provider(&bmc, class);
        let uri = resource_uris(class).remove(0);
        // The namespace must be right for the instance lookup to be reached.
        let value = |k: &str| if k == profiles::NAMESPACE_SELECTOR { profiles::INTEROP_NAMESPACE } else { "harness-none" };
        let set = class.keys().iter().fold(SelectorSet::default(), |s, k| s.with(k, value(k)));
        let f = p.get(&ctx(), &uri, &set).unwrap_err();
        assert_eq!((f.kind, f.detail.clone()), (FaultKind::DestinationUnreachable, Some(wsman_proto::FaultDetail::ResourceNotFound)), "{}", class.name());
        assert_eq!(f.windows_code(), 2150858752, "{}", class.name());
        assert!(f.reason.contains(class.name()), "{}", f.reason);
    }
    let cs = resource_uris(Class::ComputerSystem).remove(0);
    let set = SelectorSet::default().with("CreationClassName", "CIM_ComputerSystem").with("Name", "harness-none");
    let f = provider(&bmc, Class::ComputerSystem)
        .invoke(&ctx(), &cs, "RequestStateChange", &set, &input("RequestStateChange", &cs, &[("RequestedState", "2")]))
        .unwrap_err();
    assert_eq!(f.detail, Some(wsman_proto::FaultDetail::ResourceNotFound));
}

fn interop() -> SelectorSet {
    SelectorSet::default().with(profiles::NAMESPACE_SELECTOR, profiles::INTEROP_NAMESPACE)
}

#[test]
fn registered_profiles_are_served_in_the_interop_namespace() {
    let bmc = shared(0);
    let p = provider(&bmc, Class::RegisteredProfile);
    let uri = p.resource_uris().remove(0);
    let all = p.enumerate_with_selectors(&ctx(), &uri, &interop()).expect("enumerate");
    assert_eq!(all.len(), PROFILE_CLASSES.len());
    for (dsp, name, _) in PROFILE_CLASSES {
        let reg = all.iter().find(|i| i.get("RegisteredName") == Some(&Value::str(*name))).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(reg.get("RegisteredOrganization"), Some(&Value::UInt(2)), "{name}");
        let version = profiles::profile_version(dsp).expect("version");
        assert_eq!(reg.get("RegisteredVersion"), Some(&Value::str(version)), "{name}");
        assert_eq!(reg.get("AdvertiseTypes"), Some(&Value::Array(vec![Value::UInt(2)])), "{name}");
        // The EPR carries the namespace, and a Get through it finds the same instance.
        assert_eq!(reg.keys.get(profiles::NAMESPACE_SELECTOR), Some(profiles::INTEROP_NAMESPACE));
        assert_eq!(&p.get(&ctx(), &uri, &reg.keys).expect("get"), reg);
        let short = SelectorSet::default().with("InstanceID", reg.keys.get("InstanceID").expect("id")).with("__CIMNamespace", "Interop");
        assert_eq!(&p.get(&ctx(), &uri, &short).expect("get with interop"), reg);
    }
    let versions: Vec<&str> = PROFILE_CLASSES.iter().map(|(d, _, _)| *d).collect();
    assert_eq!(versions, profiles::PROFILE_VERSIONS.iter().map(|(d, _)| *d).collect::<Vec<_>>(), "one version per profile");
}

#[test]
fn a_missing_or_wrong_namespace_is_invalid_selectors() {
    let bmc = shared(0);
    let p = provider(&bmc, Class::RegisteredProfile);
    let uri = p.resource_uris().remove(0);
    let detail = |r: Result<Arc<[Instance]>, Fault>| {
        let f = r.expect_err("a fault");
        assert_eq!(f.kind, FaultKind::InvalidSelectors);
        f.detail
    };
    assert_eq!(detail(p.enumerate_with_selectors(&ctx(), &uri, &SelectorSet::default())), Some(wsman_proto::FaultDetail::InsufficientSelectors));
    let cimv2 = SelectorSet::default().with(profiles::NAMESPACE_SELECTOR, "root/cimv2");
    assert_eq!(detail(p.enumerate_with_selectors(&ctx(), &uri, &cimv2)), Some(wsman_proto::FaultDetail::InvalidValue));
    assert!(p.enumerate(&ctx(), &uri).is_err(), "no namespace, no instances");
    let id = p.enumerate_with_selectors(&ctx(), &uri, &interop()).expect("enumerate")[0].keys.get("InstanceID").expect("id").to_owned();
    let f = p.get(&ctx(), &uri, &cimv2.clone().with("InstanceID", id)).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::InvalidSelectors, Some(wsman_proto::FaultDetail::InvalidValue)));
    // Other classes ignore the enumeration's selectors.
    let cs = provider(&bmc, Class::ComputerSystem);
    assert_eq!(cs.enumerate_with_selectors(&ctx(), &cs.resource_uris()[1], &cimv2).expect("enumerate").len(), 1);
}

#[test]
fn every_profile_class_is_served_under_the_dmtf_uri() {
    let bmc = shared(0);
    for (dsp, _, classes) in PROFILE_CLASSES {
        for name in *classes {
            let class = Class::from_name(name).unwrap_or_else(|| panic!("{dsp}: {name} is not served"));
            let uri = format!("{}{}", ns::DMTF_CIM_RESOURCE_PREFIX, name);
            assert!(resource_uris(class).contains(&uri), "{uri}");
            let p = provider(&bmc, class);
            let all = p.enumerate_with_selectors(&ctx(), &uri, &interop()).expect("enumerate");
            assert!(!all.is_empty(), "{name} has instances");
            assert_eq!(&p.get(&ctx(), &uri, &all[0].keys).expect("get"), &all[0], "{name}");
            for k in class.keys() {
                assert!(all[0].keys.get(k).is_some(), "{name} EPR has key {k}");
            }
        }
    }
}

fn power_service(bmc: &SharedBmc) -> (CimProvider, String, SelectorSet) {
    let p = provider(bmc, Class::PowerManagementService);
    let uri = p.resource_uris().remove(0);
    let keys = p.enumerate(&ctx(), &uri).expect("enumerate").remove(0).keys;
    (p, uri, keys)
}

fn return_value(out: &MethodResult) -> &Value {
    &out.properties.iter().find(|p| p.name == "ReturnValue").expect("ReturnValue").value
}

#[test]
fn request_power_state_change_drives_chassis_control() {
    let bmc = shared(0);
    let (p, uri, keys) = power_service(&bmc);
    assert!(bmc.lock().chassis().power_on);
    let call = |state: &str| {
        p.invoke(&ctx(), &uri, "RequestPowerStateChange", &keys, &input("RequestPowerStateChange", &uri, &[("PowerState", state)])).expect("invoke")
    };
    assert_eq!(return_value(&call("8")), &Value::UInt(0), "Off - Soft");
    assert!(!bmc.lock().chassis().power_on);
    assert_eq!(return_value(&call("2")), &Value::UInt(0), "On");
    assert!(bmc.lock().chassis().power_on);
    let resets = bmc.lock().chassis().resets;
    assert_eq!(return_value(&call("10")), &Value::UInt(0), "Master Bus Reset");
    assert!(bmc.lock().chassis().resets > resets);
    assert_eq!(return_value(&call("6")), &Value::UInt(0), "Off - Hard");
    assert!(!bmc.lock().chassis().power_on);
    assert_eq!(return_value(&call("5")), &Value::UInt(0), "a power cycle of a system that is off powers it up");
    assert!(bmc.lock().chassis().power_on);
    assert_eq!(return_value(&call("3")), &Value::UInt(1), "Sleep - Light is not supported");
    assert_eq!(return_value(&call("77")), &Value::UInt(5), "not a PowerState");
    assert!(bmc.lock().chassis().power_on);
    // The capabilities list exactly the states the method accepts.
    let caps = provider(&bmc, Class::PowerManagementCapabilities);
    let c = caps.enumerate(&ctx(), &caps.resource_uris()[0]).expect("caps").remove(0);
    let Some(Value::Array(states)) = c.get("PowerStatesSupported") else { panic!("{c:?}") };
    for s in states {
        let text = s.to_text().expect("text");
        assert_ne!(return_value(&call(&text)), &Value::UInt(1), "state {text} is supported");
    }
    assert!(matches!(c.get("PowerChangeCapabilities"), Some(Value::Array(a)) if a.contains(&Value::UInt(3))));
}

#[test]
fn request_power_state_change_checks_the_managed_element() {
    let bmc = shared(0);
    let (p, uri, keys) = power_service(&bmc);
    let system = bmc.lock().scenario().fru.product_serial.clone();
    let with_element = |name: &str| {
        let mut el = input("RequestPowerStateChange", &uri, &[("PowerState", "8")]);
        let sel = SelectorSet::default().with("CreationClassName", "CIM_ComputerSystem").with("Name", name);
        let epr = Element::ns(&uri, "ManagedElement")
            .with_child(Element::ns(ns::WSA, "Address").with_text(ns::WSA_ANONYMOUS))
            .with_child(Element::ns(ns::WSA, "ReferenceParameters").with_child(sel.to_element()));
        el.push(epr);
        p.invoke(&ctx(), &uri, "RequestPowerStateChange", &keys, &el).expect("invoke")
    };
    assert_eq!(return_value(&with_element("not-this-system")), &Value::UInt(5));
    assert!(bmc.lock().chassis().power_on, "nothing done for another element");
    assert_eq!(return_value(&with_element(&system)), &Value::UInt(0));
    assert!(!bmc.lock().chassis().power_on);
}

fn sensor_12v(bmc: &SharedBmc) -> (CimProvider, String, Instance) {
    let p = provider(bmc, Class::NumericSensor);
    let uri = p.resource_uris()[1].clone();
    let inst = p.enumerate(&ctx(), &uri).expect("enumerate").into_iter().find(|i| i.get("ElementName") == Some(&Value::str("12V"))).expect("12V");
    (p, uri, inst)
}

fn prop(name: &str, value: &str) -> Property {
    Property { name: name.into(), value: Value::str(value) }
}

fn int(i: &Instance, name: &str) -> i64 {
    match i.get(name) {
        Some(Value::Int(v)) => *v,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn put_sets_a_settable_threshold_in_the_core() {
    let bmc = shared(0);
    let (p, uri, inst) = sensor_12v(&bmc);
    assert_eq!(inst.get("SettableThresholds"), Some(&Value::Array(vec![Value::UInt(0), Value::UInt(1)])));
    assert_eq!(inst.get("SupportedThresholds"), Some(&Value::Array((0..6).map(Value::UInt).collect())));
    // One raw count above the current upper non-critical threshold.
    let idx = bmc.lock().sensors().iter().position(|s| s.name == "12V").expect("12V");
    let (conv, unc_raw) = {
        let b = bmc.lock();
        (b.sensors()[idx].conv, b.sensors()[idx].thresholds[3].expect("unc"))
    };
    let want_raw = unc_raw + 1;
    let want = (conv.to_value(want_raw) / 10f64.powi(conv.r_exp.into())).round() as i64;
    assert_ne!(want, int(&inst, "UpperThresholdNonCritical"));
    let after = p.put(&ctx(), &uri, &inst.keys, &[prop("UpperThresholdNonCritical", &want.to_string())]).expect("put");
    assert_eq!(int(&after, "UpperThresholdNonCritical"), want);
    assert_eq!(int(&p.get(&ctx(), &uri, &inst.keys).expect("get"), "UpperThresholdNonCritical"), want);
    // The LAN face's Get Sensor Thresholds sees the new raw value.
    let number = bmc.lock().sensors()[idx].number;
    let r = bmc.with(|b, now| b.handle(now, &crate::bmc::Request { netfn: crate::bmc::netfn::SENSOR_EVENT, cmd: 0x27, data: vec![number] }));
    assert_eq!(r.cc, 0);
    assert_eq!(r.data[1 + 3], want_raw);
    // The whole representation sent back unchanged is accepted and changes nothing.
    let all: Vec<Property> = after.properties.clone();
    assert_eq!(p.put(&ctx(), &uri, &inst.keys, &all).expect("put unchanged"), after);
}

#[test]
fn put_refuses_read_only_unknown_and_bad_values() {
    let bmc = shared(0);
    let (p, uri, inst) = sensor_12v(&bmc);
    let reading = int(&inst, "CurrentReading");
    let read_only = |name: &str, value: &str| {
        let f = p.put(&ctx(), &uri, &inst.keys, &[prop(name, value)]).unwrap_err();
        assert_eq!((f.kind, f.detail.clone()), (FaultKind::InvalidRepresentation, Some(wsman_proto::FaultDetail::ReadOnly)), "{name}");
    };
    read_only("CurrentReading", &(reading + 50).to_string());
    read_only("UpperThresholdCritical", "0");
    read_only("DeviceID", "Sensor.200");
    read_only("ElementName", "renamed");
    // A read-only change refuses the whole Put: the writable one is not applied either.
    let unc = int(&inst, "UpperThresholdNonCritical");
    let f = p.put(&ctx(), &uri, &inst.keys, &[prop("UpperThresholdNonCritical", &(unc - 6).to_string()), prop("CurrentReading", "1")]).unwrap_err();
    assert_eq!(f.detail, Some(wsman_proto::FaultDetail::ReadOnly));
    assert_eq!(p.get(&ctx(), &uri, &inst.keys).expect("get"), inst);
    // Unknown properties and values that are no integer or beyond the raw range.
    let f = p.put(&ctx(), &uri, &inst.keys, &[prop("NoSuchProperty", "1")]).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::InvalidRepresentation, None));
    for bad in ["twelve", "1.5", "99999999"] {
        let f = p.put(&ctx(), &uri, &inst.keys, &[prop("UpperThresholdNonCritical", bad)]).unwrap_err();
        assert!(matches!(f.detail, Some(wsman_proto::FaultDetail::Other(ref u)) if u.ends_with("InvalidValues")), "{bad}: {f:?}");
    }
    // Put is a NumericSensor operation only.
    let cs = provider(&bmc, Class::ComputerSystem);
    let keys = cs.enumerate(&ctx(), &cs.resource_uris()[1]).expect("cs").remove(0).keys;
    assert_eq!(cs.put(&ctx(), &cs.resource_uris()[1], &keys, &[]).unwrap_err().kind, FaultKind::ActionNotSupported);
}
