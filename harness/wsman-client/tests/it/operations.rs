//! Identify, Get, Put, Create, Delete, Invoke.

use test_support::TestServer;
use wsman_client::{Endpoint, Resource, Session};
use wsman_proto::{ns, Instance, Value};

use crate::session;

fn text(i: &Instance, name: &str) -> Option<String> {
    match i.get(name) {
        Some(Value::Str(s)) => Some(s.clone()),
        other => other.and_then(Value::to_text),
    }
}

#[tokio::test]
async fn identify_with_and_without_credentials() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let id = s.identify().await.expect("identify");
    assert!(id.protocol_versions.iter().any(|v| v == ns::WSMAN), "{id:?}");
    assert_eq!(id.product_vendor.as_deref(), Some("Microsoft Corporation"));
    let anon = s.identify_unauthenticated().await.expect("unauthenticated identify");
    assert!(anon.protocol_versions.iter().any(|v| v == ns::WSMAN), "{anon:?}");

    // With a wrong password, only the unauthenticated form gets through: it
    // really goes without the session's credentials.
    let wrong = Session::new(Endpoint::new(&server.url).with_user("admin", "nope")).unwrap();
    let e = wrong.identify().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
    assert!(e.is_transport() && !e.is_fault(), "{e:?}");
    wrong.identify_unauthenticated().await.expect("no credentials needed");
}

#[tokio::test]
async fn get_a_service() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let r = s.get(&Resource::cimv2("Win32_Service").selector("Name", "WinRM")).await.expect("get");
    let i = r.to_instance().unwrap();
    assert_eq!(i.class_name, "Win32_Service");
    assert_eq!(text(&i, "Name").as_deref(), Some("WinRM"));
    assert_eq!(text(&i, "State").as_deref(), Some("Running"));
}

#[tokio::test]
async fn create_get_put_delete_an_environment_variable() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let env = Resource::cimv2("Win32_Environment");
    let value = |v: &str| {
        Instance::new(&env.uri, "Win32_Environment")
            .with("Name", Value::str("WSMAN_CLIENT_IT"))
            .with("UserName", Value::str("<SYSTEM>"))
            .with("VariableValue", Value::str(v))
            .to_element()
    };
    let epr = s.create(&env, value("one")).await.expect("create");
    let created = Resource::from_epr(&epr).expect("the EPR names the resource");
    assert_eq!(created.uri, env.uri);
    assert_eq!(created.selectors.get("Name"), Some("WSMAN_CLIENT_IT"), "{epr:?}");

    let got = s.get(&created).await.expect("get").to_instance().unwrap();
    assert_eq!(text(&got, "VariableValue").as_deref(), Some("one"));

    let put = s.put(&created, value("two")).await.expect("put");
    let after = put.representation.expect("Windows sends the representation after a Put");
    assert!(after.child_text(&env.uri, "VariableValue").is_some_and(|v| v == "two"), "{after:?}");
    let got = s.get(&created).await.expect("get").to_instance().unwrap();
    assert_eq!(text(&got, "VariableValue").as_deref(), Some("two"));

    s.delete(&created).await.expect("delete");
    let e = s.get(&created).await.unwrap_err();
    assert!(e.is_fault(), "gone: {e:?}");
    // A second Create of a name that exists is refused with a typed fault.
    s.create(&env, value("one")).await.expect("create again after delete");
    let e = s.create(&env, value("one")).await.unwrap_err();
    assert_eq!(e.fault().and_then(|f| f.subcode.clone()), Some((ns::WSMAN.to_owned(), "AlreadyExists".to_owned())), "{e:?}");
}

#[tokio::test]
async fn invoke_stop_then_start_a_service() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let spooler = Resource::cimv2("Win32_Service").selector("Name", "Spooler");
    let state = || async { text(&s.get(&spooler).await.expect("get").to_instance().unwrap(), "State") };
    assert_eq!(state().await.as_deref(), Some("Running"));

    let out = s.invoke(&spooler, "StopService", &[]).await.expect("StopService");
    assert_eq!((out.method.as_str(), out.return_value()), ("StopService", Some(0)), "{out:?}");
    assert_eq!(state().await.as_deref(), Some("Stopped"));

    let out = s.invoke(&spooler, "StartService", &[]).await.expect("StartService");
    assert_eq!(out.return_value(), Some(0));
    assert!(out.properties().unwrap().iter().any(|p| p.name == "ReturnValue"));
    assert_eq!(state().await.as_deref(), Some("Running"));

    // A method the class does not have is a typed fault, not an output.
    let e = s.invoke(&spooler, "Explode", &[]).await.unwrap_err();
    assert!(e.is_fault(), "{e:?}");
}

/// Records what an observer is shown.
#[derive(Debug, Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl wsman_client::Observer for Recorder {
    fn observe(&self, m: &wsman_client::WireMessage<'_>) {
        let line = match m {
            wsman_client::WireMessage::Request { method, headers, body, .. } => {
                format!("> {method} auth={:?} {}", headers.get("authorization"), String::from_utf8_lossy(body).contains("MessageID"))
            }
            wsman_client::WireMessage::Response { status, body, .. } => format!("< {status} {}", String::from_utf8_lossy(body).contains("RelatesTo")),
            _ => "?".to_owned(),
        };
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test]
async fn an_observer_sees_the_exchange_without_the_password() {
    let server = TestServer::reference().await;
    let recorder = std::sync::Arc::new(Recorder::default());
    let endpoint = Endpoint::new(&server.url).with_user("admin", "admin").with_observer(recorder.clone());
    let s = Session::new(endpoint).unwrap();
    s.get(&Resource::cimv2("Win32_Service").selector("Name", "WinRM")).await.expect("get");
    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(seen, vec![r#"> POST auth=Some("Basic [redacted]") true"#.to_owned(), "< 200 true".to_owned()]);
}

#[tokio::test]
async fn set_is_a_get_then_a_put_of_the_changed_representation() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let config = Resource::new(ns::CFG);
    let before = s.get(&config).await.unwrap().to_instance().unwrap();
    assert_ne!(text(&before, "MaxEnvelopeSizekb").as_deref(), Some("150"));
    let change = wsman_proto::Property { name: "maxenvelopesizekb".into(), value: Value::str("150") };
    let after = s.set(&config, &[change]).await.expect("set");
    let after = wsman_proto::message::instance_from_element(&after.representation.expect("the new representation")).unwrap();
    assert_eq!(text(&after, "MaxEnvelopeSizekb").as_deref(), Some("150"));
    assert!(after.properties.iter().any(|p| p.name == "MaxEnvelopeSizekb"), "the name as the representation spells it");
    // Everything else as it was.
    assert_eq!(text(&after, "MaxBatchItems"), text(&before, "MaxBatchItems"));
    let again = s.get(&config).await.unwrap().to_instance().unwrap();
    assert_eq!(text(&again, "MaxEnvelopeSizekb").as_deref(), Some("150"));
}

/// `raw_judged` (a load generator's exchange): a success is read to its
/// end and dropped, a fault keeps its body, and the connection is reused.
#[tokio::test]
async fn raw_judged_drops_success_bodies_and_keeps_faults() {
    let server = TestServer::reference().await;
    let s = session(&server);
    let soap = |body: Vec<u8>| wsman_client::RawRequest {
        content_type: Some("application/soap+xml;charset=UTF-8".into()),
        body: body.into(),
        replayable: true,
        ..wsman_client::RawRequest::default()
    };
    let get = s.request(&Resource::cimv2("Win32_Service").selector("Name", "WinRM"), wsman_client::message::Get).encode();
    let full = s.raw(soap(get.clone())).await.expect("raw");
    assert_eq!(full.status, 200);
    assert!(full.body.len() > 200, "raw keeps the body");
    for _ in 0..3 {
        let judged = s.raw_judged(soap(get.clone())).await.expect("judged");
        assert_eq!(judged.status, 200);
        assert!(judged.body.is_empty(), "a success body is not kept");
    }
    let missing = s.request(&Resource::cimv2("Win32_Service").selector("Name", "NoSuchService"), wsman_client::message::Get).encode();
    let fault = s.raw_judged(soap(missing)).await.expect("judged");
    assert_eq!(fault.status, 500);
    let text = String::from_utf8_lossy(&fault.body);
    assert!(text.contains("Fault") && text.contains("DestinationUnreachable"), "a fault keeps its body: {text}");
    // The same kept-alive connection answered after the drained bodies.
    let again = s.raw_judged(soap(get)).await.expect("judged");
    assert_eq!(again.status, 200);
    server.stop().await;
}
