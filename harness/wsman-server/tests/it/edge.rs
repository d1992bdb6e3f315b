//! The HTTP edge: path, method, auth, content type, charset, size.

use bytes::Bytes;
use test_support::{Client, TestServer};
use wsman_client::message::{Get, Identify, Message};
use wsman_client::Resource;
use wsman_server::Config;

use crate::{assert_ok, setup};

/// Identify has no addressing headers: the typed message alone (what
/// `Session::request` builds for it), usable without a client.
fn identify() -> Vec<u8> {
    wsman_proto::Envelope { header: Default::default(), body: Identify.into_body() }.encode()
}

fn os_get(c: &Client) -> Vec<u8> {
    c.request(&Resource::cimv2("Win32_OperatingSystem"), Get).encode()
}

#[tokio::test]
async fn path_method_and_content_type() {
    let (s, c) = setup().await;
    let body = Bytes::from(identify());
    let r = c.send("POST", &s.url.replace("/wsman", "/other"), Some("application/soap+xml"), &[], body.clone()).await;
    assert_eq!(r.status, 404);
    let r = c.send("GET", &s.url, None, &[], Bytes::new()).await;
    assert_eq!(r.status, 405);
    let r = c.send("POST", &s.url, Some("text/xml; charset=utf-8"), &[], body.clone()).await;
    assert_eq!(r.status, 415);
    let r = c.send("POST", &s.url, Some("application/soap+xml;charset=iso-8859-1"), &[], body.clone()).await;
    assert_eq!(r.status, 415);
    // Any letter case, and no Content-Type at all (Intel AMT clients omit it).
    let r = c.send("POST", &s.url, Some("APPLICATION/SOAP+XML; CHARSET=UTF-8"), &[], body.clone()).await;
    assert_ok(&r);
    let r = c.send("POST", &s.url, None, &[], body).await;
    assert_ok(&r);
}

#[tokio::test]
async fn utf16_bodies_are_accepted() {
    let (s, c) = setup().await;
    let text = String::from_utf8(os_get(&c)).unwrap();
    for be in [false, true] {
        let mut bytes = if be { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        let r = c.send("POST", &s.url, Some("application/soap+xml;charset=UTF-16"), &[], bytes.into()).await;
        let env = assert_ok(&r);
        assert_eq!(env.body_element().unwrap().name, "Win32_OperatingSystem");
    }
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let (s, c) = setup().await;
    let big = vec![b' '; 600 * 1024];
    let r = c.send("POST", &s.url, Some("application/soap+xml"), &[], big.into()).await;
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn basic_auth_and_the_unencrypted_policy() {
    let (s, c) = setup().await;
    let body = Bytes::from(os_get(&c));
    for creds in [None, Some("admin:wrong"), Some("nobody:admin")] {
        let r = Client::new(&s.url, creds).send("POST", &s.url, Some("application/soap+xml"), &[], body.clone()).await;
        assert_eq!(r.status, 401, "{creds:?}");
        // Negotiate first, then Basic where it is enabled (Basic alone without the negotiate feature).
        let offers = if cfg!(feature = "negotiate") { "Negotiate, Basic realm=\"WSMAN\"" } else { "Basic realm=\"WSMAN\"" };
        assert_eq!(r.www_authenticate.as_deref(), Some(offers));
    }
    // Without AllowUnencrypted, Basic over HTTP is refused and not offered.
    let strict = TestServer::start_exact(Config { http: Some(([127, 0, 0, 1], 0).into()), ..Config::default() }).await;
    let r = Client::new(&strict.url, Some("admin:admin")).send("POST", &strict.url, Some("application/soap+xml"), &[], body.clone()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.www_authenticate.as_deref(), Some("Negotiate"));
    // ...but an unauthenticated Identify is answered, in its anonymous form.
    let r = Client::new(&strict.url, None)
        .send("POST", &strict.url, Some("application/soap+xml"), &[("WSMANIDENTIFY", "unauthenticated")], identify().into())
        .await;
    let env = assert_ok(&r);
    let id = env.body_element().unwrap();
    assert_eq!(id.child_text(wsman_proto::ns::WSMID, "ProductVersion").as_deref(), Some("OS: 0.0.0 SP: 0.0 Stack: 3.0"));
    // ...and that header does not unlock anything else.
    let r = Client::new(&strict.url, None).send("POST", &strict.url, Some("application/soap+xml"), &[("WSMANIDENTIFY", "unauthenticated")], body).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn https_with_a_self_signed_certificate() {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use wsman_server::Server;

    let cfg = Config { http: None, https: Some(([127, 0, 0, 1], 0).into()), ..Config::default() };
    let server = Server::bind(cfg).await.unwrap();
    let addr = server.https_addr().unwrap();
    let pem = server.generated_cert_pem.clone().expect("a generated certificate");
    assert_eq!(server.readiness_lines(), vec![format!("listening on https://{addr}/wsman")]);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));

    // A client that trusts exactly the generated certificate.
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector.connect("localhost".try_into().unwrap(), tcp).await.expect("TLS handshake with the generated certificate");
    let body = identify();
    let auth = "YWRtaW46YWRtaW4="; // admin:admin
    let head = format!("POST /wsman HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {auth}\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(&body).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), tls.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    // Basic over TLS needs no AllowUnencrypted.
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("IdentifyResponse"), "{text}");
    let _ = tx.send(());
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (s, _) = setup().await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(b"POST /wsman HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // With time paused, the runtime jumps ahead to the server's header timeout.
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(std::time::Duration::from_secs(120), tcp.read(&mut buf)).await.expect("the server closed the connection before 120 s");
    let text = String::from_utf8_lossy(&buf[..n.unwrap_or(0)]).into_owned();
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "closed (or 408), got {text:?}");
}
