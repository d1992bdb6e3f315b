//! CIM provider tests with a frozen and stepped clock.

use std::time::{Duration, SystemTime};

use wsman_proto::{CallContext, Element, ResourceProvider, SelectorSet, Value};

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
    assert_eq!(uris.len(), 2 * (Class::ALL.len() - 1) + 1);
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
        let set = class.keys().iter().fold(SelectorSet::default(), |s, k| s.with(k, "harness-none"));
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
