//! The transport's behaviours against raw loopback servers: refused,
//! timeout, the early 413, the retry on a fresh connection, the
//! authenticator's legs on one connection.

use std::time::Duration;

use super::*;
use crate::endpoint::TlsMode;

fn target(endpoint: &str) -> Endpoint {
    Endpoint::new(endpoint).with_tls(TlsMode::Insecure).with_timeout(Duration::from_secs(2))
}

fn client(e: Endpoint) -> Result<Transport, Error> {
    Transport::new(&e, None)
}

#[test]
fn rejects_non_http_urls() {
    for url in ["ftp://h/x", "not a url", "http:///wsman"] {
        let e = client(target(url)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{url}: {e}");
    }
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    // Bind then drop to get a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = client(target(&format!("http://127.0.0.1:{port}/wsman"))).unwrap();
    let err = c.send(soap(Vec::new())).await.unwrap_err();
    assert!(err.is_refused() && err.is_connect(), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn silent_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept and hold the connection without answering.
    let hold = tokio::spawn(async move { listener.accept().await.map(|(s, _)| s) });
    let mut t = target(&format!("http://{addr}/wsman"));
    t.timeout = Duration::from_millis(200);
    let c = client(t).unwrap();
    let err = c.send(soap(Vec::new())).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.timeout(), Some(Duration::from_millis(200)));
    drop(hold);
}

/// What a [`raw_server`] does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// 200, kept alive.
    Answer,
    /// Close the connection without a byte.
    Close,
    /// 413 with `Connection: close` after 4 MiB of the body, then close
    /// without reading the rest (the kernel resets the connection).
    EarlyRefusal,
}

/// Reads until `buf` holds a whole request head; its end offset and the head
/// in lower case. `None` when the peer closed first.
async fn read_head(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(usize, String)> {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some((i + 4, String::from_utf8_lossy(&buf[..i + 4]).to_ascii_lowercase()));
        }
        if !read_more(sock, buf).await {
            return None;
        }
    }
}

/// Reads until `buf` holds at least `len` bytes; false when the peer closed first.
async fn read_to(sock: &mut TcpStream, buf: &mut Vec<u8>, len: usize) -> bool {
    while buf.len() < len {
        if !read_more(sock, buf).await {
            return false;
        }
    }
    true
}

async fn read_more(sock: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    use tokio::io::AsyncReadExt;
    let mut chunk = [0u8; 65536];
    match sock.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// The trimmed value of a lower-case header `name:` (with its colon) in `head`, or "".
fn header_field(head: &str, name: &str) -> String {
    head.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// One request as the server saw it: connection number, request number
/// on that connection, and what it did.
type Seen = (usize, usize, Reply);

/// A raw HTTP/1.1 server on loopback: `policy(seen so far, connection,
/// request on that connection)` decides each reply.
async fn raw_server(policy: fn(&[Seen], usize, usize) -> Reply) -> (String, Arc<Mutex<Vec<Seen>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wsman", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        for conn in 0.. {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                for nth in 0.. {
                    let Some((head_end, head)) = read_head(&mut sock, &mut buf).await else { return };
                    let length: usize = header_field(&head, "content-length:").parse().unwrap_or(0);
                    let reply = {
                        let mut seen = log.lock().unwrap();
                        let r = policy(&seen, conn, nth);
                        seen.push((conn, nth, r));
                        r
                    };
                    match reply {
                        Reply::Close => return,
                        Reply::EarlyRefusal => {
                            // Take part of the body first, so that the
                            // client is busy writing when the refusal
                            // and the reset arrive.
                            let mut taken = buf.len() - head_end;
                            while taken < (4 << 20) {
                                let mut chunk = [0u8; 65536];
                                match sock.read(&mut chunk).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => taken += n,
                                }
                            }
                            let _ = sock.write_all(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbig!").await;
                            return;
                        }
                        Reply::Answer => {}
                    }
                    if !read_to(&mut sock, &mut buf, head_end + length).await {
                        return;
                    }
                    buf.drain(..head_end + length);
                    let body = format!("{conn}/{nth}");
                    let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                    if sock.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

fn soap(body: Vec<u8>) -> RawRequest {
    RawRequest { content_type: Some("application/soap+xml".into()), body: body.into(), ..Default::default() }
}

fn replayable() -> RawRequest {
    RawRequest { replayable: true, ..soap(b"<x/>".to_vec()) }
}

#[tokio::test]
async fn an_early_refusal_is_read_although_the_body_write_fails() {
    let (url, seen) = raw_server(|_, _, _| Reply::EarlyRefusal).await;
    let c = client(target(&url)).unwrap();
    // Far more than the socket buffers hold: the client is still writing
    // when the server's close resets the connection.
    for _ in 0..3 {
        let req = soap(vec![b'x'; 16 << 20]);
        let resp = c.send(req).await.unwrap_or_else(|e| panic!("the 413 was not read: {e}"));
        assert_eq!((resp.status, &resp.body[..]), (413, b"big!".as_slice()));
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_kept_alive_connection_closed_before_the_response_is_retried_once_on_a_new_one() {
    // The first request that arrives on an already used connection is
    // dropped unanswered; everything else is answered.
    let (url, seen) = raw_server(|seen, _, nth| {
        let dropped = seen.iter().any(|s| s.2 == Reply::Close);
        if nth > 0 && !dropped {
            Reply::Close
        } else {
            Reply::Answer
        }
    })
    .await;
    let c = client(target(&url)).unwrap();
    for _ in 0..6 {
        let resp = c.send(replayable()).await.unwrap_or_else(|e| panic!("not retried: {e}"));
        assert_eq!(resp.status, 200);
    }
    let seen = seen.lock().unwrap().clone();
    let closed: Vec<usize> = seen.iter().enumerate().filter(|(_, s)| s.2 == Reply::Close).map(|(i, _)| i).collect();
    assert_eq!(closed.len(), 1, "a request on a reused connection was dropped: {seen:?}");
    // The retry is the next request the server saw, first on a new connection.
    let retry = seen[closed[0] + 1];
    assert_eq!(retry.1, 0, "the retry went out on a new connection: {seen:?}");
    assert!(seen.iter().all(|s| s.0 != retry.0 || s.1 == 0 || s.2 == Reply::Answer));
}

#[tokio::test]
async fn a_second_close_is_a_classified_transport_error_and_a_non_replayable_request_is_not_resent() {
    // Once a request on a used connection was dropped, the next first
    // request of a connection is dropped too.
    let policy: fn(&[Seen], usize, usize) -> Reply = |seen, _, nth| {
        let dropped = seen.iter().filter(|s| s.2 == Reply::Close).count();
        match (dropped, nth) {
            (0, 0) => Reply::Answer,
            (0, _) => Reply::Close,
            (1, 0) => Reply::Close,
            _ => Reply::Answer,
        }
    };
    let (url, seen) = raw_server(policy).await;
    let c = client(target(&url)).unwrap();
    let mut failure = None;
    for _ in 0..6 {
        if let Err(e) = c.send(replayable()).await {
            failure = Some(e);
            break;
        }
    }
    let err = failure.expect("a request failed");
    assert!(err.is_closed(), "{err:?}");
    let closes = seen.lock().unwrap().iter().filter(|s| s.2 == Reply::Close).count();
    assert_eq!(closes, 2, "one attempt and one retry");

    // A request that may not be resent fails on the first close.
    let (url, seen) = raw_server(|_, _, nth| if nth > 0 { Reply::Close } else { Reply::Answer }).await;
    let c = client(target(&url)).unwrap();
    let not_replayable = || RawRequest { replayable: false, ..replayable() };
    let mut failure = None;
    for _ in 0..6 {
        if let Err(e) = c.send(not_replayable()).await {
            failure = Some(e);
            break;
        }
    }
    assert!(failure.as_ref().is_some_and(Error::is_closed), "{failure:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.iter().filter(|s| s.2 == Reply::Close).count(), 1, "not resent: {seen:?}");
    assert_eq!(seen.last().map(|s| s.2), Some(Reply::Close), "nothing after the close: {seen:?}");
}

/// A two-leg scheme: the first leg sends `Test leg1`, the 401's
/// `WWW-Authenticate: Test <token>` is kept in the connection's state, the
/// second leg sends `Test <token>`. Bodies are wrapped with a prefix and
/// unwrapped on the way back (message encryption stands in).
#[derive(Debug)]
struct TwoLegs;

#[derive(Default)]
struct TwoLegsState {
    token: Option<String>,
    legs: u32,
}

impl Authenticator for TwoLegs {
    fn scheme(&self) -> &str {
        "Test"
    }

    fn authorize(&self, conn: &mut ConnState, headers: &mut HeaderMap) -> Result<(), crate::auth::AuthError> {
        let state = conn.auth_state::<TwoLegsState>();
        state.legs += 1;
        let value = format!("Test {}", state.token.as_deref().unwrap_or("leg1"));
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&value).map_err(|e| crate::auth::AuthError(e.to_string()))?);
        Ok(())
    }

    fn challenge(&self, conn: &mut ConnState, headers: &HeaderMap) -> Result<Challenge, crate::auth::AuthError> {
        let offered = headers.get("www-authenticate").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Test ")).map(str::to_owned);
        let state = conn.auth_state::<TwoLegsState>();
        if state.token.is_some() || offered.is_none() {
            return Ok(Challenge::Fail);
        }
        state.token = offered;
        Ok(Challenge::Retry)
    }

    fn wraps(&self) -> bool {
        true
    }

    fn wrap(&self, _conn: &mut ConnState, body: Payload) -> Result<Payload, crate::auth::AuthError> {
        let mut b = b"WRAPPED:".to_vec();
        b.extend_from_slice(&body.bytes);
        Ok(Payload { content_type: Some("application/x-wrapped".into()), bytes: b.into() })
    }

    fn unwrap(&self, _conn: &mut ConnState, body: Payload) -> Result<Payload, crate::auth::AuthError> {
        let bytes = body.bytes.strip_prefix(b"WRAPPED:").map(Bytes::copy_from_slice).unwrap_or(body.bytes);
        Ok(Payload { content_type: body.content_type, bytes })
    }
}

/// A server of the two-leg scheme: 401 with a token unless the request
/// carries `Test secret-<connection>`, whose token is only valid on the
/// connection that got it. Logs (connection, authorization, body) per request.
async fn two_leg_server() -> (String, Arc<Mutex<Vec<(usize, String, String)>>>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wsman", listener.local_addr().unwrap());
    let log: Arc<Mutex<Vec<(usize, String, String)>>> = Arc::default();
    let seen = log.clone();
    tokio::spawn(async move {
        for conn in 0.. {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let Some((head_end, head)) = read_head(&mut sock, &mut buf).await else { return };
                    let length: usize = header_field(&head, "content-length:").parse().unwrap_or(0);
                    if !read_to(&mut sock, &mut buf, head_end + length).await {
                        return;
                    }
                    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
                    buf.drain(..head_end + length);
                    let auth = header_field(&head, "authorization:");
                    seen.lock().unwrap().push((conn, auth.clone(), body));
                    let answer = if auth == format!("test secret-{conn}") {
                        "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nWRAPPED:ok".to_owned()
                    } else {
                        format!("HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Test secret-{conn}\r\ncontent-length: 0\r\n\r\n")
                    };
                    if sock.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, log)
}

#[tokio::test]
async fn a_multi_leg_authenticator_runs_its_legs_on_one_connection_and_wraps_bodies() {
    let (url, log) = two_leg_server().await;
    let t = Transport::new(&target(&url), Some(Arc::new(TwoLegs))).unwrap();
    let resp = t.send(soap(b"<x/>".to_vec())).await.unwrap();
    assert_eq!((resp.status, &resp.body[..]), (200, b"ok".as_slice()), "unwrapped");
    // The second request reuses the authenticated connection: its state holds the token.
    let resp = t.send(soap(b"<y/>".to_vec())).await.unwrap();
    assert_eq!(resp.status, 200);
    let log = log.lock().unwrap().clone();
    let expected = vec![
        (0, "test leg1".to_owned(), "WRAPPED:<x/>".to_owned()),
        (0, "test secret-0".to_owned(), "WRAPPED:<x/>".to_owned()),
        (0, "test secret-0".to_owned(), "WRAPPED:<y/>".to_owned()),
    ];
    assert_eq!(log, expected);

    // The raw exchange's own credentials bypass the authenticator: the 401 comes back.
    let (url, log) = two_leg_server().await;
    let t = Transport::new(&target(&url), Some(Arc::new(TwoLegs))).unwrap();
    let resp = t.send(RawRequest { auth: RawAuth::Header(HeaderValue::from_static("Test leg1")), ..soap(b"<z/>".to_vec()) }).await.unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(log.lock().unwrap().clone(), vec![(0, "test leg1".to_owned(), "<z/>".to_owned())]);
}

/// [`TwoLegs`] authenticating each new connection with empty bodies before
/// the first message (message encryption's order: no body before its keys).
#[derive(Debug)]
struct HandshakeFirst;

impl Authenticator for HandshakeFirst {
    fn scheme(&self) -> &str {
        TwoLegs.scheme()
    }
    fn authorize(&self, conn: &mut ConnState, headers: &mut HeaderMap) -> Result<(), crate::auth::AuthError> {
        TwoLegs.authorize(conn, headers)
    }
    fn challenge(&self, conn: &mut ConnState, headers: &HeaderMap) -> Result<Challenge, crate::auth::AuthError> {
        TwoLegs.challenge(conn, headers)
    }
    fn handshake_first(&self, conn: &ConnState) -> bool {
        conn.exchanges() == 0
    }
    fn wraps(&self) -> bool {
        true
    }
    fn wrap(&self, conn: &mut ConnState, body: Payload) -> Result<Payload, crate::auth::AuthError> {
        TwoLegs.wrap(conn, body)
    }
    fn unwrap(&self, conn: &mut ConnState, body: Payload) -> Result<Payload, crate::auth::AuthError> {
        TwoLegs.unwrap(conn, body)
    }
}

#[tokio::test]
async fn a_handshake_first_authenticator_sends_no_body_before_the_endpoint_accepts() {
    let (url, log) = two_leg_server().await;
    let t = Transport::new(&target(&url), Some(Arc::new(HandshakeFirst))).unwrap();
    let resp = t.send(soap(b"<x/>".to_vec())).await.unwrap();
    assert_eq!((resp.status, &resp.body[..]), (200, b"ok".as_slice()), "the message's answer, not the handshake's");
    let resp = t.send(soap(b"<y/>".to_vec())).await.unwrap();
    assert_eq!(resp.status, 200);
    let expected = vec![
        (0, "test leg1".to_owned(), String::new()),
        (0, "test secret-0".to_owned(), String::new()),
        (0, "test secret-0".to_owned(), "WRAPPED:<x/>".to_owned()),
        // The authenticated connection is reused without a new handshake.
        (0, "test secret-0".to_owned(), "WRAPPED:<y/>".to_owned()),
    ];
    assert_eq!(log.lock().unwrap().clone(), expected);
}

#[tokio::test]
async fn a_refused_handshake_returns_its_401_and_sends_no_body() {
    #[derive(Debug)]
    struct NeverAccepted;
    impl Authenticator for NeverAccepted {
        fn scheme(&self) -> &str {
            "Test"
        }
        fn authorize(&self, _c: &mut ConnState, h: &mut HeaderMap) -> Result<(), crate::auth::AuthError> {
            h.insert(AUTHORIZATION, HeaderValue::from_static("Test wrong"));
            Ok(())
        }
        fn challenge(&self, _c: &mut ConnState, _h: &HeaderMap) -> Result<Challenge, crate::auth::AuthError> {
            Ok(Challenge::Retry)
        }
        fn handshake_first(&self, _c: &ConnState) -> bool {
            true
        }
    }
    let (url, log) = two_leg_server().await;
    let t = Transport::new(&target(&url), Some(Arc::new(NeverAccepted))).unwrap();
    let resp = t.send(soap(b"<secret/>".to_vec())).await.unwrap();
    assert_eq!(resp.status, 401);
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), MAX_AUTH_LEGS, "bounded legs: {log:?}");
    assert!(log.iter().all(|(_, _, body)| body.is_empty()), "the message never went out: {log:?}");
}

#[tokio::test]
async fn an_authenticator_that_gives_up_returns_the_401() {
    // A server whose token is refused: every leg is 401 and the scheme stops after one retry.
    #[derive(Debug)]
    struct Stubborn;
    impl Authenticator for Stubborn {
        fn scheme(&self) -> &str {
            "Test"
        }
        fn authorize(&self, _c: &mut ConnState, h: &mut HeaderMap) -> Result<(), crate::auth::AuthError> {
            h.insert(AUTHORIZATION, HeaderValue::from_static("Test wrong"));
            Ok(())
        }
        fn challenge(&self, _c: &mut ConnState, _h: &HeaderMap) -> Result<Challenge, crate::auth::AuthError> {
            Ok(Challenge::Retry)
        }
    }
    let (url, log) = two_leg_server().await;
    let t = Transport::new(&target(&url), Some(Arc::new(Stubborn))).unwrap();
    let resp = t.send(soap(Vec::new())).await.unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(log.lock().unwrap().len(), MAX_AUTH_LEGS, "bounded legs");
}

/// A body of `parts`, each its own frame, with no announced length.
#[derive(Debug)]
struct Parts(Vec<&'static [u8]>);

/// The body of [`Parts`]: its frames in order, then the end.
struct PartsBody(std::collections::VecDeque<&'static [u8]>);

impl hyper::body::Body for PartsBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::convert::Infallible>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|p| Ok(hyper::body::Frame::data(Bytes::from_static(p)))))
    }
}

impl BodySource for Parts {
    fn body(&self) -> UnsyncBoxBody<Bytes, std::convert::Infallible> {
        PartsBody(self.0.iter().copied().collect()).boxed_unsync()
    }
}

/// One request, as a loopback server saw it: the head (lower case) and the body octets as sent.
async fn one_request_server() -> (String, tokio::task::JoinHandle<(String, Vec<u8>)>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wsman", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let (head_end, head) = read_head(&mut sock, &mut buf).await.unwrap();
        let length: usize = header_field(&head, "content-length:").parse().unwrap_or(0);
        if head.contains("transfer-encoding: chunked") {
            while !buf[head_end..].ends_with(b"0\r\n\r\n") {
                assert!(read_more(&mut sock, &mut buf).await, "the chunked body ends");
            }
        } else {
            assert!(read_to(&mut sock, &mut buf, head_end + length).await);
        }
        sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.unwrap();
        (head, buf[head_end..].to_vec())
    });
    (url, task)
}

#[tokio::test]
async fn a_streamed_body_without_a_length_goes_chunked_frame_by_frame() {
    let (url, seen) = one_request_server().await;
    let c = client(target(&url)).unwrap();
    let req = RawRequest { streamed: Some(Arc::new(Parts(vec![b"<a>", b"hello", b"</a>"]))), ..soap(b"ignored".to_vec()) };
    let resp = c.send(req).await.unwrap();
    assert_eq!((resp.status, &resp.body[..]), (200, &b"ok"[..]));
    let (head, body) = seen.await.unwrap();
    assert!(head.contains("transfer-encoding: chunked") && !head.contains("content-length"), "{head}");
    assert_eq!(body, b"3\r\n<a>\r\n5\r\nhello\r\n4\r\n</a>\r\n0\r\n\r\n", "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn a_body_in_one_piece_goes_with_content_length() {
    let (url, seen) = one_request_server().await;
    let c = client(target(&url)).unwrap();
    c.send(soap(b"<whole/>".to_vec())).await.unwrap();
    let (head, body) = seen.await.unwrap();
    assert!(header_field(&head, "content-length:") == "8" && !head.contains("transfer-encoding"), "{head}");
    assert_eq!(body, b"<whole/>");
}

#[tokio::test]
async fn a_streamed_body_is_refused_by_an_authenticator_that_seals() {
    let (url, log) = two_leg_server().await;
    let t = Transport::new(&target(&url), Some(Arc::new(TwoLegs))).unwrap();
    let err = t.send(RawRequest { streamed: Some(Arc::new(Parts(vec![b"<a/>"]))), ..soap(Vec::new()) }).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
    assert!(log.lock().unwrap().is_empty(), "nothing unsealed went out");
}
