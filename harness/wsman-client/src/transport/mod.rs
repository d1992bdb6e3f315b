//! The HTTP/1.1 transport: a small pool of connections this crate owns
//! (hyper's `client::conn::http1` over TCP or rustls), the authenticator run
//! on the connection it is on, a deadline on every exchange, a bound on the
//! response size, early responses read, one retry on a fresh connection.
//!
//! # Why its own pool
//!
//! hyper-util's pooled client hides which connection carries a request.
//! Connection-oriented authentication (Negotiate, CredSSP) keeps its state
//! per TCP connection and runs its legs on that connection, so the transport
//! checks a [`Connection`] out of the pool, hands its [`ConnState`] to the
//! [`Authenticator`] for every leg, and checks it back in with that state.
//!
//! ```text
//!   send(request) ── checkout ──> idle pool (newest first; dropped when idle > POOL_IDLE_TIMEOUT or closed)
//!                      │  none: connect (TCP [+ TLS]) -> http1 handshake -> spawn the connection task
//!                      v
//!                   attempt on C: authorize/wrap -> send -> head -> [401: challenge -> next leg on C]
//!                      │          -> body (capped) -> unwrap
//!                      ├─ ok: check C in (unless `Connection: close`)
//!                      └─ C was reused and closed before any response byte, request replayable:
//!                         once more on a new connection
//! ```
//!
//! A connection whose exchange is abandoned (the deadline passed, the caller
//! dropped the future) is dropped with it: its task is aborted and the
//! socket closed, never returned to the pool.

mod wire;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use crate::auth::{Authenticator, Challenge, ConnState, Payload};
use crate::endpoint::{tls_config, Endpoint};
use crate::error::{Error, ErrorKind, TransportKind};
use wire::{Stream, Watched, WireHandle};

/// How long a connection may sit idle in the pool before it is dropped.
///
/// Shorter than the idle timeouts servers commonly apply (5 s and up; the
/// reference server drops a connection silent for 30 s), so the client rarely
/// picks a connection the server is closing at that very moment. The retry
/// covers the rest.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// Idle connections kept at most (more in flight at once are closed when done).
const POOL_MAX_IDLE: usize = 32;

/// Authentication legs (requests answered 401 and retried on the same
/// connection) at most per exchange.
const MAX_AUTH_LEGS: usize = 4;

/// Credentials of one raw request.
#[derive(Debug, Clone, Default)]
pub enum RawAuth {
    /// The session's authenticator.
    #[default]
    Session,
    /// No Authorization header (unauthenticated Identify, a test of 401).
    None,
    /// This Authorization value, as it is (the authenticator is not run).
    Header(HeaderValue),
}

/// A request body made while it is sent: chunked framing (a body whose
/// length is not announced) or a body too large to hold in memory.
///
/// [`BodySource::body`] is called once per request that goes out: an
/// authentication leg or the retry on a fresh connection sends it again.
pub trait BodySource: Send + Sync + std::fmt::Debug {
    /// A new body. With an exact [`hyper::body::Body::size_hint`] hyper sends
    /// `Content-Length`; without one, `Transfer-Encoding: chunked`.
    fn body(&self) -> UnsyncBoxBody<Bytes, std::convert::Infallible>;
}

/// The body type every connection sends.
type SendBody = UnsyncBoxBody<Bytes, std::convert::Infallible>;

/// One request of the raw exchange: the caller's own bytes and headers.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    /// Method (`None`: POST).
    pub method: Option<String>,
    /// Replaces the endpoint URL's path and query (`/other`, `/wsman?x=1`).
    pub path: Option<String>,
    /// Content-Type (`None`: no header).
    pub content_type: Option<String>,
    /// Extra headers, in order.
    pub headers: Vec<(String, String)>,
    /// Credentials.
    pub auth: RawAuth,
    /// Body bytes.
    pub body: Bytes,
    /// A streamed body instead of `body` (which is then not sent). An
    /// authenticator that wraps (seals) messages needs the whole body: with
    /// one, a streamed request is refused (`ErrorKind::InvalidRequest`).
    /// Observers see `body` (normally empty).
    pub streamed: Option<Arc<dyn BodySource>>,
    /// Whether sending the request twice cannot change what the endpoint
    /// does or answers (Identify, Get, ...): only such a request is retried
    /// when its kept-alive connection closes before the response (RFC 9110
    /// §9.2.2: do not retry a non-idempotent request automatically).
    pub replayable: bool,
}

/// One response of the raw exchange.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers; with an authenticator that unwraps (message
    /// encryption), `Content-Type` is the unwrapped body's.
    pub headers: HeaderMap,
    /// Body bytes (unwrapped by the authenticator, if it wraps).
    pub body: Bytes,
    /// Time from the start of the exchange to the last body byte.
    pub elapsed: Duration,
}

impl RawResponse {
    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Content-Type.
    pub fn content_type(&self) -> Option<&str> {
        self.header(CONTENT_TYPE.as_str())
    }
}

/// One HTTP message as the transport put it on the wire or read it off, for
/// an [`Observer`] (`--dump`: the exchange of a bug report). The
/// authentication legs (a 401 and the request sent again) and the retry on a
/// fresh connection show as they happen.
#[derive(Debug)]
#[non_exhaustive]
pub enum WireMessage<'a> {
    /// A request, as sent.
    Request {
        /// Method.
        method: &'a Method,
        /// Path and query.
        path: &'a Uri,
        /// Headers as sent, except that the value of `Authorization` is cut
        /// to its scheme and `[redacted]`: an observer never sees credentials.
        headers: &'a HeaderMap,
        /// Body bytes (as wrapped by the authenticator).
        body: &'a [u8],
    },
    /// A response, as read.
    Response {
        /// HTTP status.
        status: u16,
        /// Headers.
        headers: &'a HeaderMap,
        /// Body bytes (as read, before the authenticator unwraps them).
        body: &'a [u8],
    },
}

/// Sees every HTTP message of a session ([`crate::Endpoint::with_observer`]).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wsman_client::{Endpoint, Observer, WireMessage};
///
/// #[derive(Debug, Default)]
/// struct Count(Mutex<usize>);
///
/// impl Observer for Count {
///     fn observe(&self, message: &WireMessage<'_>) {
///         if let WireMessage::Response { .. } = message {
///             *self.0.lock().unwrap() += 1;
///         }
///     }
/// }
///
/// let endpoint = Endpoint::new("http://127.0.0.1:5985/wsman").with_observer(Arc::new(Count::default()));
/// assert!(endpoint.observer.is_some());
/// ```
pub trait Observer: Send + Sync + std::fmt::Debug {
    /// Called once per message, on the task of the exchange; keep it short.
    fn observe(&self, message: &WireMessage<'_>);
}

/// The headers an observer is shown: `Authorization` cut to its scheme.
fn redacted(headers: &HeaderMap) -> HeaderMap {
    let mut shown = headers.clone();
    if let Some(v) = headers.get(AUTHORIZATION) {
        let scheme = v.to_str().ok().and_then(|s| s.split_whitespace().next()).unwrap_or("");
        let text = if scheme.is_empty() { "[redacted]".to_owned() } else { format!("{scheme} [redacted]") };
        if let Ok(v) = HeaderValue::from_str(&text) {
            shown.insert(AUTHORIZATION, v);
        }
    }
    shown
}

/// A connection owned by the transport.
struct Connection {
    sender: SendRequest<SendBody>,
    wire: WireHandle,
    state: ConnState,
    idle_since: Instant,
    /// The hyper connection task, aborted when the connection is dropped.
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A failed attempt, and whether it may be retried on a new connection.
struct Failure {
    /// The connection had carried a complete exchange before, and closed
    /// without sending a byte of this one's response.
    reused_and_silent: bool,
    error: Error,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure { reused_and_silent: false, error }
    }
}

/// A request ready to go out (the body is shared by the legs and the retry).
struct Prepared {
    method: Method,
    path: Uri,
    content_type: Option<String>,
    headers: HeaderMap,
    auth: RawAuth,
    body: Bytes,
    streamed: Option<Arc<dyn BodySource>>,
    replayable: bool,
    /// Keep the body of a 2xx response (`false`: read it to its end and drop
    /// it, [`Transport::send_judged`]).
    keep_success_body: bool,
}

/// The transport of one session: one origin, its pool, its authenticator.
pub(crate) struct Transport {
    uri: Uri,
    host: String,
    port: u16,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
    authenticator: Option<Arc<dyn Authenticator>>,
    /// The deadline of one exchange, retry and legs included.
    timeout: Duration,
    /// The response cap.
    max_response: usize,
    /// Shown every message (`--dump`); `None` costs nothing.
    observer: Option<Arc<dyn Observer>>,
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<Connection>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("uri", &self.uri).field("authenticator", &self.authenticator).field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(endpoint: &Endpoint, authenticator: Option<Arc<dyn Authenticator>>) -> Result<Transport, Error> {
        let bad_url = || Error::new(ErrorKind::Config, format!("invalid endpoint URL {:?}", endpoint.url));
        let uri: Uri = endpoint.url.parse().map_err(|_| bad_url())?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(bad_url()),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(bad_url)?;
        // IPv6 literals come bracketed in URLs, not in socket addresses.
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tls = if https {
            let name = ServerName::try_from(host.clone()).map_err(|_| bad_url())?;
            Some((tokio_rustls::TlsConnector::from(tls_config(&endpoint.tls)?), name))
        } else {
            None
        };
        Ok(Transport {
            uri,
            host,
            port,
            tls,
            authenticator,
            timeout: endpoint.timeout,
            max_response: endpoint.max_response_bytes,
            observer: endpoint.observer.clone(),
            idle: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
        })
    }

    /// Sends one request and reads the whole response, within the deadline
    /// (which bounds the retry and the authentication legs too).
    ///
    /// A response the server sends before it has read the whole request (a
    /// 413 answered on the headers, then the connection closed) is read and
    /// returned, even when writing the rest of the body fails.
    ///
    /// An exchange is retried once, on a new connection, when it went out on
    /// a kept-alive connection that closed before any byte of the response
    /// arrived (the server dropped an idle connection as it was reused) and
    /// the request is [`RawRequest::replayable`]. A second failure is
    /// returned as it is; [`TransportKind::Closed`] names that case.
    pub(crate) async fn send(&self, req: RawRequest) -> Result<RawResponse, Error> {
        self.send_prepared(self.prepare(req, true)?).await
    }

    /// As [`Transport::send`], except that the body of a 2xx response is
    /// read to its end and dropped, never gathered into one buffer (the
    /// returned body is empty); any other status keeps its body (a fault,
    /// whose subcode the caller reads). For a load generator, which judges a
    /// success by its status.
    pub(crate) async fn send_judged(&self, req: RawRequest) -> Result<RawResponse, Error> {
        self.send_prepared(self.prepare(req, false)?).await
    }

    async fn send_prepared(&self, prepared: Prepared) -> Result<RawResponse, Error> {
        let started = Instant::now();
        let exchange = async {
            let mut conn = self.checkout(!matches!(prepared.auth, RawAuth::Session)).await?;
            match self.attempt(&mut conn, &prepared, started).await {
                Ok(r) => {
                    self.checkin(conn, &r);
                    Ok(r)
                }
                Err(Failure { reused_and_silent: true, .. }) if prepared.replayable => {
                    drop(conn);
                    let mut fresh = self.connect().await?;
                    let r = self.attempt(&mut fresh, &prepared, started).await.map_err(|f| f.error)?;
                    self.checkin(fresh, &r);
                    Ok(r)
                }
                Err(f) => Err(f.error),
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(Error::timeout_after(self.timeout)),
        }
    }

    fn prepare(&self, req: RawRequest, keep_success_body: bool) -> Result<Prepared, Error> {
        let invalid = |m: String| Error::new(ErrorKind::InvalidRequest, format!("invalid request: {m}"));
        let method = match req.method.as_deref() {
            None => Method::POST,
            Some(m) => Method::from_bytes(m.as_bytes()).map_err(|e| invalid(e.to_string()))?,
        };
        let path = match &req.path {
            None => self.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
            Some(p) => p.as_str(),
        };
        let path: Uri = path.parse().map_err(|_| invalid(format!("path {path:?}")))?;
        let mut headers = HeaderMap::new();
        for (k, v) in &req.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| invalid(e.to_string()))?;
            let value = HeaderValue::from_str(v).map_err(|e| invalid(e.to_string()))?;
            headers.append(name, value);
        }
        if let Some(ct) = &req.content_type {
            HeaderValue::from_str(ct).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(Prepared {
            method,
            path,
            content_type: req.content_type,
            headers,
            auth: req.auth,
            body: req.body,
            streamed: req.streamed,
            replayable: req.replayable,
            keep_success_body,
        })
    }

    /// An idle connection that can take a request, or a new one. With
    /// `anonymous` (a request that does not go with the session's
    /// credentials) never one an authenticator keeps state on: a connection
    /// authenticated by Negotiate would carry the request as its user.
    async fn checkout(&self, anonymous: bool) -> Result<Connection, Error> {
        loop {
            let candidate = {
                let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut kept = Vec::new();
                let found = loop {
                    match idle.pop() {
                        None => break None,
                        Some(c) if c.idle_since.elapsed() > POOL_IDLE_TIMEOUT || c.sender.is_closed() => continue,
                        Some(c) if anonymous && c.state.has_auth_state() => kept.push(c),
                        Some(c) => break Some(c),
                    }
                };
                idle.extend(kept.into_iter().rev());
                found
            };
            let Some(mut conn) = candidate else { return self.connect().await };
            // Ready once the connection task has finished the previous
            // exchange; an error means the server closed it meanwhile.
            if conn.sender.ready().await.is_ok() {
                return Ok(conn);
            }
        }
    }

    fn checkin(&self, mut conn: Connection, resp: &RawResponse) {
        let close = resp.headers.get_all(CONNECTION).iter().any(|v| v.to_str().is_ok_and(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"))));
        if close || conn.sender.is_closed() {
            return;
        }
        conn.idle_since = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < POOL_MAX_IDLE {
            idle.push(conn);
        }
    }

    /// A new connection: TCP, TLS for https, the HTTP/1.1 handshake.
    async fn connect(&self) -> Result<Connection, Error> {
        let target = format!("{}:{}", self.host, self.port);
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await.map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::ConnectionRefused { TransportKind::Refused } else { TransportKind::Connect };
            Error::transport(kind, format!("connection failed: {target}: {e}"))
        })?;
        // Requests are written whole; Nagle would only delay the last segment.
        let _ = tcp.set_nodelay(true);
        let stream = match &self.tls {
            None => Stream::Plain(tcp),
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| Error::transport(TransportKind::Tls, format!("connection failed: TLS handshake with {target}: {e}")))?;
                Stream::Tls(Box::new(tls))
            }
        };
        let wire = WireHandle::default();
        let io = TokioIo::new(Watched::new(stream, wire.clone()));
        let (sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| Error::transport(TransportKind::Connect, format!("connection failed: HTTP handshake with {target}: {e}")))?;
        let task = tokio::spawn(async move {
            // Errors of the connection show in the exchange that was on it.
            let _ = connection.await;
        });
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Ok(Connection { sender, wire, state: ConnState::new(id, self.tls.is_some()), idle_since: Instant::now(), task })
    }

    /// Whether the authenticator seals messages ([`Authenticator::wraps`]).
    pub(crate) fn seals(&self) -> bool {
        self.authenticator.as_ref().is_some_and(|a| a.wraps())
    }

    /// One attempt on `conn`, with as many authentication legs as the authenticator asks for.
    async fn attempt(&self, conn: &mut Connection, p: &Prepared, started: Instant) -> Result<RawResponse, Failure> {
        let reused = conn.state.exchanges() > 0;
        let authenticator = match p.auth {
            RawAuth::Session => self.authenticator.as_deref(),
            RawAuth::None | RawAuth::Header(_) => None,
        };
        if let Some(a) = authenticator.filter(|a| a.handshake_first(&conn.state)) {
            if let Some(refused) = self.handshake(conn, p, a, reused, started).await? {
                return Ok(refused);
            }
        }
        let mut legs = 0;
        loop {
            legs += 1;
            let mut headers = p.headers.clone();
            let mut payload = Payload { content_type: p.content_type.clone(), bytes: p.body.clone() };
            match (&p.auth, authenticator) {
                (RawAuth::Header(v), _) => {
                    headers.insert(AUTHORIZATION, v.clone());
                }
                (_, Some(a)) => {
                    a.authorize(&mut conn.state, &mut headers).map_err(Error::from)?;
                    match (&p.streamed, a.wraps()) {
                        // A sealed message needs the whole body: never send it unsealed.
                        (Some(_), true) => {
                            return Err(Error::new(ErrorKind::InvalidRequest, "invalid request: a streamed body cannot be sealed by the authenticator").into())
                        }
                        (Some(_), false) => {}
                        (None, _) => payload = a.wrap(&mut conn.state, payload).map_err(Error::from)?,
                    }
                }
                _ => {}
            }
            if let Some(ct) = &payload.content_type {
                let v = HeaderValue::from_str(ct).map_err(|e| Error::new(ErrorKind::InvalidRequest, format!("invalid request: {e}")))?;
                headers.insert(CONTENT_TYPE, v);
            }
            if let Some(authority) = self.uri.authority() {
                if let Ok(v) = HeaderValue::from_str(authority.as_str()) {
                    headers.insert(HOST, v);
                }
            }
            if let Some(o) = &self.observer {
                o.observe(&WireMessage::Request { method: &p.method, path: &p.path, headers: &redacted(&headers), body: &payload.bytes });
            }
            let body = match &p.streamed {
                Some(source) => source.body(),
                None => Full::new(payload.bytes).boxed_unsync(),
            };
            let mut request = Request::new(body);
            *request.method_mut() = p.method.clone();
            *request.uri_mut() = p.path.clone();
            *request.headers_mut() = headers;
            if legs > 1 {
                conn.sender.ready().await.map_err(|e| self.failure(&e, conn, reused))?;
            }
            let resp = conn.sender.send_request(request).await.map_err(|e| self.failure(&e, conn, reused))?;
            let status = resp.status().as_u16();
            if let (401, Some(a)) = (status, authenticator) {
                if legs < MAX_AUTH_LEGS && a.challenge(&mut conn.state, resp.headers()).map_err(Error::from)? == Challenge::Retry {
                    let (parts, body) = resp.into_parts();
                    let bytes = self.read_body(conn, body).await?;
                    if let Some(o) = &self.observer {
                        o.observe(&WireMessage::Response { status, headers: &parts.headers, body: &bytes });
                    }
                    continue;
                }
            }
            let (parts, body) = resp.into_parts();
            if !p.keep_success_body && (200..300).contains(&status) && self.observer.is_none() && authenticator.is_none_or(|a| !a.wraps()) {
                self.drain_body(conn, body).await?;
                return Ok(RawResponse { status, headers: parts.headers, body: Bytes::new(), elapsed: started.elapsed() });
            }
            let bytes = self.read_body(conn, body).await?;
            if let Some(o) = &self.observer {
                o.observe(&WireMessage::Response { status, headers: &parts.headers, body: &bytes });
            }
            let mut body = Payload { content_type: parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned), bytes };
            let mut headers = parts.headers;
            if let Some(a) = authenticator {
                let wire_type = body.content_type.clone();
                body = a.unwrap(&mut conn.state, body).map_err(Error::from)?;
                // The caller judges the message, not its wrapping: the Content-Type
                // is the unwrapped body's (a sealed answer's OriginalContent).
                if body.content_type != wire_type {
                    match body.content_type.as_deref().map(HeaderValue::from_str) {
                        Some(Ok(v)) => {
                            headers.insert(CONTENT_TYPE, v);
                        }
                        _ => {
                            headers.remove(CONTENT_TYPE);
                        }
                    }
                }
            }
            return Ok(RawResponse { status, headers, body: body.bytes, elapsed: started.elapsed() });
        }
    }

    /// Authenticates `conn` before the message ([`Authenticator::handshake_first`]):
    /// the legs with an empty body until the endpoint answers anything but a
    /// 401 the authenticator retries. `None` when it accepted (2xx); else its
    /// answer, which is the exchange's (a refused handshake is the caller's 401).
    async fn handshake(
        &self,
        conn: &mut Connection,
        p: &Prepared,
        a: &dyn Authenticator,
        reused: bool,
        started: Instant,
    ) -> Result<Option<RawResponse>, Failure> {
        for leg in 1..=MAX_AUTH_LEGS {
            let mut headers = p.headers.clone();
            headers.remove(CONTENT_TYPE);
            a.authorize(&mut conn.state, &mut headers).map_err(Error::from)?;
            if let Some(authority) = self.uri.authority() {
                if let Ok(v) = HeaderValue::from_str(authority.as_str()) {
                    headers.insert(HOST, v);
                }
            }
            if let Some(o) = &self.observer {
                o.observe(&WireMessage::Request { method: &p.method, path: &p.path, headers: &redacted(&headers), body: &[] });
            }
            let mut request = Request::new(Full::new(Bytes::new()).boxed_unsync());
            *request.method_mut() = p.method.clone();
            *request.uri_mut() = p.path.clone();
            *request.headers_mut() = headers;
            if leg > 1 {
                conn.sender.ready().await.map_err(|e| self.failure(&e, conn, reused))?;
            }
            let resp = conn.sender.send_request(request).await.map_err(|e| self.failure(&e, conn, reused))?;
            let status = resp.status().as_u16();
            let retry = status == 401 && leg < MAX_AUTH_LEGS && a.challenge(&mut conn.state, resp.headers()).map_err(Error::from)? == Challenge::Retry;
            let (parts, body) = resp.into_parts();
            let bytes = self.read_body(conn, body).await?;
            if let Some(o) = &self.observer {
                o.observe(&WireMessage::Response { status, headers: &parts.headers, body: &bytes });
            }
            if retry {
                continue;
            }
            if (200..300).contains(&status) {
                return Ok(None);
            }
            return Ok(Some(RawResponse { status, headers: parts.headers, body: bytes, elapsed: started.elapsed() }));
        }
        // The last leg's 401 is returned above: the loop always returns.
        Err(Error::new(ErrorKind::Auth, "authentication: the handshake did not finish").into())
    }

    /// Reads a whole body within the cap, and marks the exchange complete on the connection.
    async fn read_body(&self, conn: &mut Connection, body: hyper::body::Incoming) -> Result<Bytes, Failure> {
        let bytes = Limited::new(body, self.max_response).collect().await.map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                Error::transport(TransportKind::TooLarge, format!("HTTP exchange failed: the response is larger than {} bytes", self.max_response))
            } else {
                Error::transport(TransportKind::Broken, format!("HTTP exchange failed: {}", chain(&*e)))
            }
        })?;
        conn.wire.response_complete();
        conn.state.exchange_done();
        Ok(bytes.to_bytes())
    }

    /// Reads a whole body within the cap, dropping each frame as it comes,
    /// and marks the exchange complete on the connection.
    async fn drain_body(&self, conn: &mut Connection, mut body: hyper::body::Incoming) -> Result<(), Failure> {
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| Error::transport(TransportKind::Broken, format!("HTTP exchange failed: {}", chain(&e))))?;
            if let Some(data) = frame.data_ref() {
                seen = seen.saturating_add(data.len());
                if seen > self.max_response {
                    return Err(Error::transport(
                        TransportKind::TooLarge,
                        format!("HTTP exchange failed: the response is larger than {} bytes", self.max_response),
                    )
                    .into());
                }
            }
        }
        conn.wire.response_complete();
        conn.state.exchange_done();
        Ok(())
    }

    /// Classifies a failed exchange on `conn`.
    fn failure(&self, e: &hyper::Error, conn: &Connection, reused: bool) -> Failure {
        let mut text = chain(e);
        // A write that failed was hidden so that an early response could be
        // read; if none came, the write error is part of the story.
        if let Some(w) = conn.wire.write_error() {
            text.push_str(&format!(" (after writing the request failed: {w})"));
        }
        let silent = conn.wire.silent();
        let error = if silent {
            Error::transport(TransportKind::Closed, format!("connection closed before a response: {text}"))
        } else {
            Error::transport(TransportKind::Broken, format!("HTTP exchange failed: {text}"))
        };
        Failure { reused_and_silent: silent && reused, error }
    }
}

/// An error and its sources, joined (the chain's Display is the useful part).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    let mut depth = 0;
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    text
}

#[cfg(test)]
mod tests;
