use super::*;
use wsman_proto::fault::FaultDetail;
use wsman_proto::ns;

fn ctx() -> CallContext<'static> {
    CallContext { user: "admin", now: std::time::UNIX_EPOCH }
}

fn uri() -> String {
    cimv2_uri(CLASS)
}

fn name(n: &str) -> SelectorSet {
    SelectorSet::default().with("Name", n)
}

fn input(method: &str) -> Element {
    Element::ns(&uri(), &format!("{method}_INPUT"))
}

fn call(p: &Services, svc: &str, method: &str) -> u64 {
    let out = p.invoke(&ctx(), &uri(), method, &name(svc), &input(method)).unwrap();
    match out.properties.as_slice() {
        [prop] if prop.name == "ReturnValue" => match prop.value {
            Value::UInt(v) => v,
            ref other => panic!("ReturnValue {other:?}"),
        },
        other => panic!("output {other:?}"),
    }
}

fn state(p: &Services, svc: &str) -> (String, bool, u64) {
    let i = p.get(&ctx(), &uri(), &name(svc)).unwrap();
    let st = match i.get("State") {
        Some(Value::Str(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    let started = matches!(i.get("Started"), Some(Value::Bool(true)));
    let pid = match i.get("ProcessId") {
        Some(Value::UInt(p)) => *p,
        other => panic!("{other:?}"),
    };
    (st, started, pid)
}

#[test]
fn get_winrm_with_the_windows_property_set() {
    let p = Services::new("HOST1");
    let i = p.get(&ctx(), &uri(), &name("winrm")).unwrap();
    assert_eq!(i.keys.get("Name"), Some("WinRM"));
    let mut names: Vec<&str> = i.properties.iter().map(|p| p.name.as_str()).collect();
    names.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(
        names,
        [
            "AcceptPause",
            "AcceptStop",
            "Caption",
            "CheckPoint",
            "CreationClassName",
            "DelayedAutoStart",
            "Description",
            "DesktopInteract",
            "DisplayName",
            "ErrorControl",
            "ExitCode",
            "InstallDate",
            "Name",
            "PathName",
            "ProcessId",
            "ServiceSpecificExitCode",
            "ServiceType",
            "Started",
            "StartMode",
            "StartName",
            "State",
            "Status",
            "SystemCreationClassName",
            "SystemName",
            "TagId",
            "WaitHint"
        ]
    );
    assert_eq!(i.get("InstallDate"), Some(&Value::Null));
    assert_eq!(i.get("SystemName"), Some(&Value::str("HOST1")));
    assert_eq!(i.get("DisplayName"), Some(&Value::str("Windows Remote Management (WS-Management)")));
    assert_eq!(i.get("State"), Some(&Value::str("Running")));
    // The element lands in the resource URI's namespace, nil for nulls.
    let el = i.to_element();
    assert_eq!(el.ns.as_deref(), Some(uri().as_str()));
    let install = el.elements().find(|e| e.name == "InstallDate").unwrap();
    assert_eq!(install.attr(Some(ns::XSI), "nil"), Some("true"));
}

#[test]
fn enumerate_is_deterministic_sorted_and_large() {
    let a = Services::new("H").enumerate(&ctx(), &uri()).unwrap();
    let b = Services::new("H").enumerate(&ctx(), &uri()).unwrap();
    assert_eq!(a, b);
    assert!(a.len() >= 100);
    let names: Vec<String> = a.iter().map(|i| i.keys.get("Name").unwrap().to_ascii_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"winrm".to_string()));
    // Both running and stopped services exist.
    assert!(a.iter().any(|i| i.get("State") == Some(&Value::str("Stopped"))));
    assert!(a.iter().any(|i| i.get("State") == Some(&Value::str("Running"))));
}

#[test]
fn stop_then_start_is_visible_to_get_and_enumerate() {
    let p = Services::new("H");
    let (st, started, pid) = state(&p, "Spooler");
    assert_eq!((st.as_str(), started), ("Running", true));
    assert_ne!(pid, 0);

    assert_eq!(call(&p, "Spooler", "StopService"), ReturnValue::Success as u64);
    assert_eq!(state(&p, "spooler"), ("Stopped".into(), false, 0));
    let listed = p.enumerate(&ctx(), &uri()).unwrap();
    let sp = listed.iter().find(|i| i.keys.get("Name") == Some("Spooler")).unwrap();
    assert_eq!(sp.get("State"), Some(&Value::str("Stopped")));
    assert_eq!(sp.get("AcceptStop"), Some(&Value::Bool(false)));

    assert_eq!(call(&p, "Spooler", "StartService"), ReturnValue::Success as u64);
    let (st, started, pid2) = state(&p, "Spooler");
    assert_eq!((st.as_str(), started), ("Running", true));
    assert_eq!(pid2, u64::from(FIRST_STARTED_PID));
}

#[test]
fn start_service_return_values() {
    let p = Services::new("H");
    assert_eq!(call(&p, "WinRM", "StartService"), 10, "already running");
    assert_eq!(call(&p, "WSearch", "StartService"), 14, "disabled");
    assert_eq!(state(&p, "WSearch").0, "Stopped");
    // A stopped member of a running svchost group joins that process.
    let group_pid = state(&p, "Schedule").2;
    assert_eq!(call(&p, "BITS", "StartService"), 0);
    assert_eq!(state(&p, "BITS").2, group_pid);
    // An own-process service gets fresh, increasing ids.
    assert_eq!(call(&p, "VSS", "StartService"), 0);
    assert_eq!(call(&p, "RpcLocator", "StartService"), 0);
    assert_eq!(state(&p, "RpcLocator").2, state(&p, "VSS").2 + 4);
}

#[test]
fn stop_service_return_values() {
    let p = Services::new("H");
    assert_eq!(call(&p, "BITS", "StopService"), 5, "not running");
    assert_eq!(call(&p, "RpcSs", "StopService"), 5, "does not accept stop");
    assert_eq!(state(&p, "RpcSs").0, "Running");
}

#[test]
fn change_start_mode() {
    let p = Services::new("H");
    let mut arg = input("ChangeStartMode");
    arg.push(Element::ns(&uri(), "StartMode").with_text("Disabled"));
    let out = p.invoke(&ctx(), &uri(), "ChangeStartMode", &name("BITS"), &arg).unwrap();
    assert_eq!(out, MethodResult::return_value(0));
    assert_eq!(p.get(&ctx(), &uri(), &name("BITS")).unwrap().get("StartMode"), Some(&Value::str("Disabled")));
    assert_eq!(call(&p, "BITS", "StartService"), 14);

    let mut bad = input("ChangeStartMode");
    bad.push(Element::ns(&uri(), "StartMode").with_text("Sometimes"));
    assert_eq!(p.invoke(&ctx(), &uri(), "ChangeStartMode", &name("BITS"), &bad).unwrap(), MethodResult::return_value(21));
    assert_eq!(call(&p, "BITS", "ChangeStartMode"), 21, "missing argument");
}

#[test]
fn faults() {
    let p = Services::new("H");
    // Selector sets are checked by the server (ops::check_selectors): an
    // incomplete one that reaches the provider directly finds nothing.
    let f = p.get(&ctx(), &uri(), &SelectorSet::default()).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)));
    let f = p.get(&ctx(), &uri(), &name("NoSuchService")).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)));
    let f = p.invoke(&ctx(), &uri(), "StartService", &name("NoSuchService"), &input("StartService")).unwrap_err();
    assert_eq!(f.detail, Some(FaultDetail::ResourceNotFound));
    let f = p.invoke(&ctx(), &uri(), "Explode", &name("WinRM"), &input("Explode")).unwrap_err();
    assert_eq!(f.kind, FaultKind::ActionNotSupported);
    let f = p.put(&ctx(), &uri(), &name("WinRM"), &[]).unwrap_err();
    assert_eq!(f.kind, FaultKind::ActionNotSupported);
    let f = p.enumerate(&ctx(), &cimv2_uri("Win32_Process")).unwrap_err();
    assert_eq!(f.detail, Some(FaultDetail::InvalidResourceURI));
}

#[test]
fn the_shared_snapshot_is_reused_until_a_method_changes_a_service() {
    let p = Services::new("H");
    let first = p.enumerate_shared(&ctx(), &uri()).unwrap();
    let again = p.enumerate_shared(&ctx(), &uri()).unwrap();
    assert!(Arc::ptr_eq(&first, &again), "no rebuild without a change");
    assert_eq!(&first[..], &p.enumerate(&ctx(), &uri()).unwrap()[..], "the same instances as enumerate");

    assert_eq!(call(&p, "Spooler", "StopService"), ReturnValue::Success as u64);
    let after = p.enumerate_shared(&ctx(), &uri()).unwrap();
    let spooler = |s: &[Instance]| s.iter().find(|i| i.keys.get("Name") == Some("Spooler")).and_then(|i| i.get("State").cloned());
    assert_eq!(spooler(&after), Some(Value::str("Stopped")), "a change is visible to the next Enumerate");
    assert_eq!(spooler(&first), Some(Value::str("Running")), "an earlier snapshot keeps its sequence");
    assert!(p.enumerate_shared(&ctx(), &cimv2_uri("Win32_Process")).is_err());
}
