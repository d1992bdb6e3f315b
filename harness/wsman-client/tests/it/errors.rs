//! Every classified error, each provoked by a defect of the server (or a
//! port nobody listens on), next to the clean server where it does not occur.

use std::time::{Duration, Instant};

use test_support::TestServer;
use wsman_client::{Endpoint, ErrorKind, ProtocolKind, Resource, Session, TransportKind};
use wsman_proto::{ns, FaultKind};
use wsman_server::{Config, Defect, DefectSet};

use crate::session;

fn winrm() -> Resource {
    Resource::cimv2("Win32_Service").selector("Name", "WinRM")
}

async fn with_defect(d: Defect) -> TestServer {
    TestServer::start(Config { defects: DefectSet::new([d]), ..Config::default() }).await
}

#[tokio::test]
async fn a_bad_selector_is_a_typed_fault() {
    let server = TestServer::reference().await;
    let e = session(&server).get(&Resource::cimv2("Win32_Service").selector("Nope", "1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Fault);
    let f = e.fault().expect("the fault");
    assert_eq!(f.code, Some((ns::SOAP.to_owned(), "Sender".to_owned())), "{f:?}");
    assert_eq!(f.subcode, Some((ns::WSMAN.to_owned(), "InvalidSelectors".to_owned())), "{f:?}");
    assert!(f.reason.as_deref().is_some_and(|r| !r.is_empty()), "{f:?}");
    assert!(f.detail.as_deref().is_some_and(|d| d.starts_with(ns::WSMAN_FAULT_DETAIL)), "{f:?}");
    assert!(f.wsman_code.is_some() && f.wsman_message.is_some(), "{f:?}");
    assert_eq!(e.fault_kind(), Some(FaultKind::InvalidSelectors));
    assert_eq!(e.status(), Some(500));

    // Against a server that rewrites subcodes, the same call shows it.
    let bad = with_defect(Defect::FaultWrongSubcode).await;
    let e = session(&bad).get(&Resource::cimv2("Win32_Service").selector("Nope", "1")).await.unwrap_err();
    assert_eq!(e.fault().and_then(|f| f.subcode.clone()).map(|s| s.1).as_deref(), Some("InternalError"), "{e:?}");
}

#[tokio::test]
async fn a_refused_port_is_refused() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = Session::new(Endpoint::new(format!("http://127.0.0.1:{port}/wsman"))).unwrap();
    let e = s.identify().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport(TransportKind::Refused), "{e:?}");
}

#[tokio::test]
async fn a_hung_server_times_out_in_bounded_time() {
    let server = with_defect(Defect::HangOnGet).await;
    let s = Session::new(Endpoint::new(&server.url).with_user("admin", "admin").with_timeout(Duration::from_millis(500))).unwrap();
    let started = Instant::now();
    let e = s.get(&winrm()).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(e.timeout(), Some(Duration::from_millis(500)));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // The hung connection was dropped, not pooled: the session still works.
    s.identify().await.expect("identify after a timeout");
    // And the clean server answers the same Get within the same deadline.
    let clean = TestServer::reference().await;
    let s = Session::new(Endpoint::new(&clean.url).with_user("admin", "admin").with_timeout(Duration::from_millis(500))).unwrap();
    s.get(&winrm()).await.expect("get");
}

#[tokio::test]
async fn relates_to_and_action_are_checked() {
    for (defect, expected) in [
        (Defect::RelatesToLowercase, ProtocolKind::RelatesTo),
        (Defect::DropRelatesTo, ProtocolKind::RelatesTo),
        (Defect::WrongResponseAction, ProtocolKind::Action),
        (Defect::MalformedResponse, ProtocolKind::Decode),
    ] {
        let server = with_defect(defect).await;
        let e = session(&server).get(&winrm()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol(expected), "{defect}: {e:?}");
    }
    // A fault whose RelatesTo is wrong is a protocol error too, not a fault.
    let server = with_defect(Defect::RelatesToLowercase).await;
    let e = session(&server).get(&Resource::cimv2("Win32_Service").selector("Nope", "1")).await.unwrap_err();
    assert!(e.is_relates_to(), "{e:?}");
}

#[tokio::test]
async fn non_soap_answers_are_http_statuses() {
    let server = with_defect(Defect::HtmlErrorPage).await;
    let e = session(&server).get(&Resource::cimv2("Win32_Service").selector("Nope", "1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport(TransportKind::HttpStatus(500)), "{e:?}");
    let server = TestServer::reference().await;
    let s = Session::new(Endpoint::new(&server.url).with_user("admin", "wrong")).unwrap();
    let e = s.get(&winrm()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport(TransportKind::HttpStatus(401)), "{e:?}");
}

#[tokio::test]
async fn an_oversized_response_is_too_large() {
    let server = TestServer::reference().await;
    let s = Session::new(Endpoint::new(&server.url).with_user("admin", "admin").with_max_response_bytes(256)).unwrap();
    let e = s.get(&winrm()).await.unwrap_err();
    assert!(e.is_too_large(), "{e:?}");
}

#[tokio::test]
async fn https_with_insecure_and_an_untrusted_certificate() {
    let any: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    let server = TestServer::start_exact(Config { http: None, https: Some(any), ..Config::default() }).await;
    assert!(server.url.starts_with("https://"));
    let insecure = Session::new(Endpoint::new(&server.url).with_user("admin", "admin").with_tls(wsman_client::TlsMode::Insecure)).unwrap();
    insecure.get(&winrm()).await.expect("get over TLS");
    let verify = Session::new(Endpoint::new(&server.url).with_user("admin", "admin")).unwrap();
    let e = verify.get(&winrm()).await.unwrap_err();
    assert!(e.is_tls(), "{e:?}");
}
