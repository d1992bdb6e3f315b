use super::*;
use wsman_proto::fault::FaultDetail;

fn ctx() -> CallContext<'static> {
    CallContext { user: "admin", now: std::time::UNIX_EPOCH }
}

fn uri() -> String {
    cimv2_uri(CLASS)
}

fn sel(name: &str, user: &str) -> SelectorSet {
    SelectorSet::default().with("Name", name).with("UserName", user)
}

fn prop(n: &str, v: &str) -> Property {
    Property { name: n.into(), value: Value::str(v) }
}

fn value_of(i: &Instance) -> &Value {
    i.get("VariableValue").unwrap()
}

#[test]
fn get_and_enumerate() {
    let p = Environment::new("H1");
    let i = p.get(&ctx(), &uri(), &sel("comspec", "<system>")).unwrap();
    assert_eq!(value_of(&i), &Value::str("%SystemRoot%\\system32\\cmd.exe"));
    assert_eq!(i.get("Caption"), Some(&Value::str("<SYSTEM>\\ComSpec")));
    assert_eq!(i.get("SystemVariable"), Some(&Value::Bool(true)));
    assert_eq!(i.keys.get("UserName"), Some("<SYSTEM>"));
    let user = p.get(&ctx(), &uri(), &sel("TEMP", "H1\\Administrator")).unwrap();
    assert_eq!(user.get("SystemVariable"), Some(&Value::Bool(false)));
    let all = p.enumerate(&ctx(), &uri()).unwrap();
    assert_eq!(all.len(), 18);
    assert!(all.contains(&i));
}

#[test]
fn create_get_put_delete_lifecycle() {
    let p = Environment::new("H");
    let created = p.create(&ctx(), &uri(), &[prop("Name", "HARNESS"), prop("UserName", "<SYSTEM>"), prop("VariableValue", "1")]).unwrap();
    assert_eq!(created.keys, sel("HARNESS", "<SYSTEM>"));
    assert_eq!(p.get(&ctx(), &uri(), &sel("harness", "<SYSTEM>")).unwrap(), created);

    // Put with the full representation Get returned, VariableValue changed.
    let mut props = created.properties.clone();
    props.iter_mut().find(|p| p.name == "VariableValue").unwrap().value = Value::str("2");
    // Clients send text: booleans as "true".
    props.iter_mut().find(|p| p.name == "SystemVariable").unwrap().value = Value::str("true");
    let put = p.put(&ctx(), &uri(), &sel("HARNESS", "<SYSTEM>"), &props).unwrap();
    assert_eq!(value_of(&put), &Value::str("2"));
    assert_eq!(value_of(&p.get(&ctx(), &uri(), &sel("HARNESS", "<SYSTEM>")).unwrap()), &Value::str("2"));

    p.delete(&ctx(), &uri(), &sel("HARNESS", "<SYSTEM>")).unwrap();
    let f = p.get(&ctx(), &uri(), &sel("HARNESS", "<SYSTEM>")).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)));
    let f = p.delete(&ctx(), &uri(), &sel("HARNESS", "<SYSTEM>")).unwrap_err();
    assert_eq!(f.detail, Some(FaultDetail::ResourceNotFound));
}

#[test]
fn create_faults() {
    let p = Environment::new("H");
    let f = p.create(&ctx(), &uri(), &[prop("Name", "path"), prop("UserName", "<SYSTEM>"), prop("VariableValue", "x")]).unwrap_err();
    assert_eq!(f.kind, FaultKind::AlreadyExists);
    let f = p.create(&ctx(), &uri(), &[prop("Name", "X"), prop("VariableValue", "x")]).unwrap_err();
    assert_eq!(f.kind, FaultKind::InvalidRepresentation);
    let f = p.create(&ctx(), &uri(), &[prop("Name", "X"), prop("UserName", "<SYSTEM>"), prop("VariableValue", "x"), prop("Colour", "red")]).unwrap_err();
    assert_eq!(f.kind, FaultKind::InvalidRepresentation);
    let f = p.create(&ctx(), &uri(), &[prop("Name", ""), prop("UserName", "<SYSTEM>"), prop("VariableValue", "x")]).unwrap_err();
    assert_eq!(f.kind, FaultKind::InvalidRepresentation);
    // Nothing was created by the refused requests.
    assert_eq!(p.enumerate(&ctx(), &uri()).unwrap().len(), 18);
}

#[test]
fn put_of_read_only_properties_faults_and_changes_nothing() {
    let p = Environment::new("H");
    let s = sel("OS", "<SYSTEM>");
    for (name, value) in [("Caption", "new caption"), ("SystemVariable", "false"), ("Name", "OS2"), ("Status", "Degraded")] {
        let f = p.put(&ctx(), &uri(), &s, &[prop("VariableValue", "changed"), prop(name, value)]).unwrap_err();
        assert_eq!((f.kind, f.detail), (FaultKind::InvalidRepresentation, Some(FaultDetail::ReadOnly)), "{name}");
    }
    assert_eq!(value_of(&p.get(&ctx(), &uri(), &s).unwrap()), &Value::str("Windows_NT"));
    let f = p.put(&ctx(), &uri(), &s, &[prop("Bogus", "1")]).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::InvalidRepresentation, None));
    let f = p.put(&ctx(), &uri(), &s, &[Property { name: "VariableValue".into(), value: Value::Array(vec![]) }]).unwrap_err();
    assert_eq!(f.kind, FaultKind::InvalidRepresentation);
}

#[test]
fn missing_instances_are_resource_not_found() {
    // Selector sets are checked by the server (ops::check_selectors); the
    // provider answers for a checked set that matches nothing.
    let p = Environment::new("H");
    let f = p.get(&ctx(), &uri(), &sel("NOPE", "<SYSTEM>")).unwrap_err();
    assert_eq!((f.kind, f.detail), (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)));
    let f = p.delete(&ctx(), &uri(), &sel("OS", "NOBODY")).unwrap_err();
    assert_eq!(f.detail, Some(FaultDetail::ResourceNotFound));
    let f = p.put(&ctx(), &uri(), &sel("NOPE", "<SYSTEM>"), &[prop("VariableValue", "1")]).unwrap_err();
    assert_eq!(f.detail, Some(FaultDetail::ResourceNotFound));
}
