//! Negotiate (NTLM) and WinRM message encryption on the wire, driven with the
//! negotiate crate's Initiator over one raw kept-alive TCP connection (as
//! pywinrm does it: the handshake on an empty POST, then sealed bodies).
//!
//! The `defect_*_is_caught` tests are the catching tests named in the docs of
//! the auth-layer defect switches: each probe refuses on the clean server and
//! accepts on the server with its defect, and the test asserts both.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use negotiate::{Credential, Initiator, Session, ENCRYPTED_CONTENT_TYPE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsman_proto::ns;
use wsman_server::auth::User;
use wsman_server::{Config, Defect, DefectSet};

const BOUND: Duration = Duration::from_secs(10);
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One HTTP response as read off the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The token of `WWW-Authenticate: Negotiate <b64>`.
    fn negotiate_token(&self) -> Option<Vec<u8>> {
        let v = self.header("www-authenticate")?;
        B64.decode(v.strip_prefix("Negotiate ")?.trim()).ok()
    }
}

/// A kept-alive connection speaking just enough HTTP/1.1.
struct Wire(TcpStream);

impl Wire {
    async fn connect(addr: SocketAddr) -> Wire {
        Wire(tokio::time::timeout(BOUND, TcpStream::connect(addr)).await.expect("connect in time").expect("connect"))
    }

    async fn post(&mut self, headers: &[(&str, String)], body: &[u8]) -> Answer {
        let mut req = format!("POST /wsman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        tokio::time::timeout(BOUND, self.exchange(bytes)).await.expect("an answer in time")
    }

    async fn exchange(&mut self, bytes: Vec<u8>) -> Answer {
        self.0.write_all(&bytes).await.expect("write");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = self.0.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed before the headers: {:?}", String::from_utf8_lossy(&buf));
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status line");
        let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
        let len: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < len {
            let n = self.0.read(&mut chunk).await.expect("read body");
            assert!(n > 0, "connection closed inside the body");
            body.extend_from_slice(&chunk[..n]);
        }
        Answer { status, headers, body }
    }
}

const USER: &str = "CORP\\neg";
const PASS: &str = "neg-pass";

async fn server(defects: &[Defect]) -> test_support::TestServer {
    let config = Config {
        http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        https: None,
        users: vec![User { name: USER.into(), password: PASS.into() }],
        allow_unencrypted: false,
        defects: DefectSet::new(defects.iter().copied()),
        ..Config::default()
    };
    test_support::TestServer::start_exact(config).await
}

fn identify(pad: &str) -> Vec<u8> {
    format!("<s:Envelope xmlns:s=\"{}\" xmlns:wsmid=\"{}\"><s:Header/><s:Body><wsmid:Identify/><!--{pad}--></s:Body></s:Envelope>", ns::SOAP, ns::WSMID)
        .into_bytes()
}

/// The pywinrm handshake on an empty POST; the session on success, the
/// status of the refusing leg otherwise.
async fn handshake(wire: &mut Wire, login: &str, password: &str) -> Result<Session, u16> {
    let mut init = Initiator::new(Credential::new(login, password)).expect("initiator");
    let first = init.initial_token().expect("negotiate token");
    let a = wire.post(&[("Authorization", format!("Negotiate {}", B64.encode(first)))], b"").await;
    assert_eq!(a.status, 401, "the first leg is answered with a challenge");
    assert_ne!(a.header("connection"), Some("close"), "the challenge keeps the connection");
    let challenge = a.negotiate_token().expect("a challenge token");
    let (auth, session) = init.step(&challenge).expect("authenticate token");
    let a = wire.post(&[("Authorization", format!("Negotiate {}", B64.encode(auth)))], b"").await;
    if a.status == 200 {
        Ok(session)
    } else {
        Err(a.status)
    }
}

async fn sealed_post(wire: &mut Wire, body: &[u8]) -> Answer {
    wire.post(&[("Content-Type", ENCRYPTED_CONTENT_TYPE.to_owned())], body).await
}

#[tokio::test]
async fn first_401_offers_negotiate_without_basic_over_http() {
    let s = server(&[]).await;
    let mut wire = Wire::connect(s.addr).await;
    let a = wire.post(&[("Content-Type", "application/soap+xml;charset=UTF-8".into())], &identify("x")).await;
    assert_eq!(a.status, 401);
    let offers: Vec<&str> = a.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate")).map(|(_, v)| v.as_str()).collect();
    assert_eq!(offers, ["Negotiate"]);
}

#[tokio::test]
async fn sealed_requests_are_answered_sealed_on_one_connection() {
    let s = server(&[]).await;
    let mut wire = Wire::connect(s.addr).await;
    let mut session = handshake(&mut wire, USER, PASS).await.expect("authenticated");
    for i in 0..3 {
        let a = sealed_post(&mut wire, &session.seal(&identify(&format!("request {i}")))).await;
        assert_eq!(a.status, 200, "{:?}", String::from_utf8_lossy(&a.body));
        let ct = a.header("content-type").expect("a content type").to_owned();
        assert!(negotiate::is_encrypted_content_type(&ct), "{ct}");
        let plain = session.unseal(&a.body, &ct).expect("the answer opens");
        let text = String::from_utf8_lossy(&plain);
        assert!(text.contains("IdentifyResponse") && text.contains("OS: "), "{text}");
    }
}

#[tokio::test]
async fn name_without_domain_and_wrong_password() {
    let s = server(&[]).await;
    let mut wire = Wire::connect(s.addr).await;
    assert_eq!(handshake(&mut wire, USER, "wrong").await.err(), Some(401));
    let mut wire = Wire::connect(s.addr).await;
    assert_eq!(handshake(&mut wire, "OTHER\\neg", PASS).await.err(), Some(401), "neg is bound to CORP");
    let mut wire = Wire::connect(s.addr).await;
    assert!(handshake(&mut wire, "neg", PASS).await.is_ok(), "a client naming no domain matches CORP\\neg");
}

/// Probe: is a plain body accepted after Negotiate over HTTP?
async fn plain_body_accepted(s: &test_support::TestServer) -> bool {
    let mut wire = Wire::connect(s.addr).await;
    handshake(&mut wire, USER, PASS).await.expect("authenticated");
    let a = wire.post(&[("Content-Type", "application/soap+xml;charset=UTF-8".into())], &identify("plain")).await;
    assert!(a.status == 200 || a.status == 400, "status {}", a.status);
    a.status == 200
}

/// Probe: is a sealed request accepted again when replayed?
async fn replay_accepted(s: &test_support::TestServer) -> bool {
    let mut wire = Wire::connect(s.addr).await;
    let mut session = handshake(&mut wire, USER, PASS).await.expect("authenticated");
    let body = session.seal(&identify("once"));
    assert_eq!(sealed_post(&mut wire, &body).await.status, 200);
    let a = sealed_post(&mut wire, &body).await;
    assert!(a.status == 200 || a.status == 400, "status {}", a.status);
    a.status == 200
}

/// Probe: is a sealed request with one ciphertext bit flipped accepted? The
/// flipped byte lies inside an XML comment, so the envelope stays well formed.
async fn tampered_accepted(s: &test_support::TestServer) -> bool {
    let mut wire = Wire::connect(s.addr).await;
    let mut session = handshake(&mut wire, USER, PASS).await.expect("authenticated");
    let plain = identify("pppp");
    let at_plain = plain.windows(4).position(|w| w == b"pppp").expect("the pad");
    let mut body = session.seal(&plain);
    let sealed_start = body.len() - b"--Encrypted Boundary--\r\n".len() - plain.len();
    body[sealed_start + at_plain] ^= 0x01; // 'p' -> 'q' once opened
    let a = sealed_post(&mut wire, &body).await;
    assert!(a.status == 200 || a.status == 400, "status {}", a.status);
    a.status == 200
}

#[tokio::test]
async fn defect_accept_unencrypted_after_negotiate_is_caught() {
    assert!(!plain_body_accepted(&server(&[]).await).await, "the clean server refuses a plain body");
    assert!(plain_body_accepted(&server(&[Defect::AcceptUnencryptedAfterNegotiate]).await).await, "the probe sees the defect");
}

#[tokio::test]
async fn defect_accept_replayed_sealed_message_is_caught() {
    assert!(!replay_accepted(&server(&[]).await).await, "the clean server refuses a replay");
    assert!(replay_accepted(&server(&[Defect::AcceptReplayedSealedMessage]).await).await, "the probe sees the defect");
}

#[tokio::test]
async fn defect_skip_seal_signature_check_is_caught() {
    assert!(!tampered_accepted(&server(&[]).await).await, "the clean server refuses a tampered body");
    assert!(tampered_accepted(&server(&[Defect::SkipSealSignatureCheck]).await).await, "the probe sees the defect");
}

#[tokio::test]
async fn allow_unencrypted_accepts_a_plain_body_after_negotiate() {
    let config = Config { users: vec![User { name: USER.into(), password: PASS.into() }], ..Config::default() };
    let s = test_support::TestServer::start(config).await; // allow_unencrypted forced on
    let mut wire = Wire::connect(s.addr).await;
    handshake(&mut wire, USER, PASS).await.expect("authenticated");
    let a = wire.post(&[("Content-Type", "application/soap+xml;charset=UTF-8".into())], &identify("plain")).await;
    assert_eq!(a.status, 200);
    assert!(String::from_utf8_lossy(&a.body).contains("IdentifyResponse"));
}
