//! `AuthScheme::Negotiate` against the reference server with Negotiate only
//! over plain HTTP (no Basic, no unencrypted bodies): the handshake once per
//! connection, every body sealed on the wire, typed operations and a shell
//! through it, a wrong password refused.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use test_support::TestServer;
use wsman_client::message::Enumerate;
use wsman_client::shell::{CommandOptions, ShellOptions};
use wsman_client::{AuthScheme, Endpoint, Observer, Resource, Session, WireMessage};
use wsman_server::auth::User;
use wsman_server::Config;

const USER: &str = "CORP\\neg";
const PASS: &str = "neg-pass";

async fn server() -> TestServer {
    let config = Config {
        http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        https: None,
        users: vec![User { name: USER.into(), password: PASS.into() }],
        allow_unencrypted: false,
        ..Config::default()
    };
    TestServer::start_exact(config).await
}

/// What went over the wire: per request, whether it had an Authorization
/// header, its Content-Type and whether its body shows any SOAP in clear.
#[derive(Debug, Default)]
struct Wire(Mutex<Vec<(bool, String, bool)>>);

impl Observer for Wire {
    fn observe(&self, m: &WireMessage<'_>) {
        if let WireMessage::Request { headers, body, .. } = m {
            let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let clear = body.windows(8).any(|w| w == b"Envelope");
            self.0.lock().unwrap().push((headers.contains_key("authorization"), ct, clear));
        }
    }
}

fn session(url: &str, user: &str, pass: &str, wire: Option<Arc<Wire>>) -> Session {
    let mut e = Endpoint::new(url).with_auth(AuthScheme::Negotiate).with_user(user, pass).with_timeout(Duration::from_secs(10));
    if let Some(w) = wire {
        e = e.with_observer(w);
    }
    Session::new(e).expect("a session")
}

#[tokio::test]
async fn operations_run_sealed_after_one_handshake_per_connection() {
    let server = server().await;
    let wire = Arc::new(Wire::default());
    let s = session(&server.url, USER, PASS, Some(wire.clone()));
    let id = s.identify().await.expect("identify");
    assert!(!id.protocol_versions.is_empty(), "{id:?}");
    let got = s.get(&Resource::cimv2("Win32_Service").selector("Name", "WinRM")).await.expect("get");
    let service = got.to_instance().expect("an instance");
    assert_eq!(service.class_name, "Win32_Service");
    let items = s.enumerate(&Resource::cimv2("Win32_Service"), Enumerate::default()).await.expect("enumerate").collect().await.expect("to the end");
    assert!(items.len() > 100, "{}", items.len());
    let shell = s.open_shell(ShellOptions::default()).await.expect("a shell");
    let out = shell.run("echo", &["sealed"], CommandOptions::default()).await.expect("command").run_to_end(None).await.expect("output");
    assert_eq!((String::from_utf8_lossy(&out.stdout).trim(), out.exit_code), ("sealed", 0));
    shell.close().await.expect("delete the shell");

    let seen = wire.0.lock().unwrap().clone();
    // The handshake: two empty legs with credentials, then no credentials and sealed bodies.
    assert!(seen.len() > 6, "{seen:?}");
    assert_eq!(&seen[..2], &[(true, String::new(), false), (true, String::new(), false)], "{seen:?}");
    for (auth, ct, clear) in &seen[2..] {
        assert!(!auth && ct.starts_with("multipart/encrypted") && !clear, "a request after the handshake went out as {ct:?} (auth {auth}, clear {clear})");
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401_and_nothing_in_clear() {
    let server = server().await;
    let wire = Arc::new(Wire::default());
    let s = session(&server.url, USER, "wrong", Some(wire.clone()));
    let e = s.identify().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
    let seen = wire.0.lock().unwrap().clone();
    assert!(!seen.is_empty() && seen.iter().all(|(_, _, clear)| !clear), "no envelope was sent: {seen:?}");
    // A name without a domain matches the configured CORP\neg.
    session(&server.url, "neg", PASS, None).identify().await.expect("NAME matches DOMAIN\\NAME");
}
