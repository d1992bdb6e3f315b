//! The HTTP(S) client: hyper-util's pooled client over rustls (ring), Basic
//! authentication, a timeout on every exchange and a bound on response size.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::capture_connection;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// Largest response body read (bytes); larger bodies are a transport error.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// How the server certificate of an `https` endpoint is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Against the Mozilla root store (webpki-roots).
    #[default]
    Verify,
    /// Not at all (`--insecure`).
    Insecure,
    /// Against the certificates of this PEM file (`--ca FILE`).
    Ca(PathBuf),
}

/// The endpoint under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Endpoint URL, e.g. `http://127.0.0.1:5985/wsman`.
    pub endpoint: String,
    /// Basic credentials (`--user NAME:PASS`).
    pub user: Option<(String, String)>,
    /// Certificate checking for https.
    pub tls: TlsMode,
    /// Deadline of one exchange (connect, send, whole response).
    pub timeout: Duration,
}

/// Credentials to send with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// The target's user.
    #[default]
    Basic,
    /// No Authorization header.
    None,
    /// The target's user with a wrong password.
    Wrong,
}

/// One request.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// Method (default POST).
    pub method: Option<String>,
    /// Replaces the endpoint URL's path.
    pub path: Option<String>,
    /// Content-Type.
    pub content_type: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Credentials.
    pub auth: Auth,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Whether sending the request twice cannot change what the endpoint
    /// does or answers (Identify, Get, ...): only such a request is retried
    /// when its kept-alive connection closes before the response (RFC 9110
    /// §9.2.2: do not retry a non-idempotent request automatically).
    pub replayable: bool,
}

/// One response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Content-Type header, if any.
    pub content_type: Option<String>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Time from sending to the last body byte.
    pub elapsed: Duration,
}

/// Why an exchange produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No complete response within the deadline.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// TCP or TLS connection failed (refused, reset, handshake).
    #[error("connection failed: {0}")]
    Connect(String),
    /// The connection closed (or was reset) before any byte of the
    /// response: on the new connection of the retry too, or the request was
    /// not one to resend.
    #[error("connection closed before a response: {0}")]
    Closed(String),
    /// Not sent: the endpoint stopped answering this action earlier in the
    /// run (the liveness rule of the runner).
    #[error("endpoint stopped answering {0}")]
    Stalled(String),
    /// The connection broke during the exchange, or the response was malformed or too large.
    #[error("HTTP exchange failed: {0}")]
    Http(String),
    /// The URL or a header cannot be used.
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The CA file could not be read or holds no certificate.
    #[error("CA file {path}: {message}")]
    Ca {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The endpoint is not an http(s) URL.
    #[error("invalid endpoint URL {0:?}")]
    Url(String),
}

/// A pooled client bound to one [`Target`].
///
/// Two pools share one connector: `inner` keeps connections alive between
/// exchanges; `fresh` never keeps one, and carries the single retry of an
/// exchange whose kept-alive connection turned out closed (see [`WsmanClient::send`]).
#[derive(Clone)]
pub struct WsmanClient {
    target: Arc<Target>,
    uri: Uri,
    inner: Client<wire::WatchedConnector, Full<Bytes>>,
    fresh: Client<wire::WatchedConnector, Full<Bytes>>,
}

impl std::fmt::Debug for WsmanClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsmanClient").field("endpoint", &self.target.endpoint).finish_non_exhaustive()
    }
}

/// How long a connection may sit idle in the pool before it is dropped.
///
/// Shorter than the idle timeouts servers commonly apply (5 s and up; the
/// reference server drops a connection silent for 30 s), so the client rarely
/// picks a connection the server is closing at that very moment. The retry of
/// [`WsmanClient::send`] covers the rest.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

impl WsmanClient {
    /// Builds the client (TLS roots loaded once).
    ///
    /// # Errors
    /// [`ClientError`] for a bad URL, CA file or TLS configuration.
    pub fn new(target: Target) -> Result<WsmanClient, ClientError> {
        let uri: Uri = target.endpoint.parse().map_err(|_| ClientError::Url(target.endpoint.clone()))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(ClientError::Url(target.endpoint.clone()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = match &target.tls {
            TlsMode::Verify => hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(provider)
                .map_err(|e| ClientError::Tls(e.to_string()))?
                .https_or_http()
                .enable_http1()
                .build(),
            mode => {
                let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| ClientError::Tls(e.to_string()))?;
                let config = match mode {
                    TlsMode::Ca(path) => builder.with_root_certificates(load_roots(path)?).with_no_client_auth(),
                    _ => builder.dangerous().with_custom_certificate_verifier(Arc::new(insecure::AcceptAny(provider))).with_no_client_auth(),
                };
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config).https_or_http().enable_http1().build()
            }
        };
        let connector = wire::WatchedConnector::new(connector);
        let inner = Client::builder(TokioExecutor::new()).pool_idle_timeout(POOL_IDLE_TIMEOUT).pool_timer(TokioTimer::new()).build(connector.clone());
        let fresh = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(connector);
        Ok(WsmanClient { target: Arc::new(target), uri, inner, fresh })
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends one request and reads the whole response, within the target's
    /// timeout (which bounds the retry too).
    ///
    /// A response the server sends before it has read the whole request (a
    /// 413 answered on the headers, then the connection closed) is read and
    /// returned, even when writing the rest of the body fails.
    ///
    /// An exchange is retried once, on a new connection, when it went out on
    /// a kept-alive connection that closed before any byte of the response
    /// arrived (the server dropped an idle connection as it was reused) and
    /// the request is [`HttpRequest::replayable`]. A second failure is
    /// returned as it is; [`TransportError::Closed`] names that case.
    ///
    /// # Errors
    /// [`TransportError`]; never panics on anything the peer sends.
    pub async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let deadline = self.target.timeout;
        let started = Instant::now();
        let replayable = req.replayable;
        let request = self.build(req)?;
        let exchange = async {
            let retry = replayable.then(|| clone_request(&request));
            match self.exchange(&self.inner, request, started).await {
                Err(Failure { reused_and_silent: true, error }) if retry.is_some() => {
                    let Some(again) = retry else { return Err(error) };
                    self.exchange(&self.fresh, again, started).await.map_err(|f| f.error)
                }
                other => other.map_err(|f| f.error),
            }
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(deadline)),
        }
    }

    /// One attempt on `client`'s pool.
    async fn exchange(
        &self,
        client: &Client<wire::WatchedConnector, Full<Bytes>>,
        mut request: Request<Full<Bytes>>,
        started: Instant,
    ) -> Result<HttpResponse, Failure> {
        let captured = capture_connection(&mut request);
        let wire_of = || {
            let meta = captured.connection_metadata();
            let mut ext = hyper::http::Extensions::new();
            if let Some(c) = meta.as_ref() {
                c.get_extras(&mut ext);
            }
            ext.get::<wire::WireHandle>().cloned()
        };
        let resp = match client.request(request).await {
            Ok(r) => r,
            Err(e) => {
                let wire = wire_of();
                let silent = !e.is_connect() && wire.as_ref().is_some_and(wire::WireHandle::silent);
                let reused_and_silent = silent && wire.as_ref().is_some_and(wire::WireHandle::reused);
                return Err(Failure { reused_and_silent, error: classify(&e, wire.as_ref(), silent) });
            }
        };
        let status = resp.status().as_u16();
        let content_type = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = Limited::new(resp.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| Failure { reused_and_silent: false, error: TransportError::Http(e.to_string()) })?
            .to_bytes();
        if let Some(w) = wire_of() {
            w.response_complete();
        }
        Ok(HttpResponse { status, content_type, body: body.to_vec(), elapsed: started.elapsed() })
    }

    fn build(&self, req: HttpRequest) -> Result<Request<Full<Bytes>>, TransportError> {
        let method = match req.method.as_deref() {
            None => Method::POST,
            Some(m) => Method::from_bytes(m.as_bytes()).map_err(|e| TransportError::Invalid(e.to_string()))?,
        };
        let uri = match &req.path {
            None => self.uri.clone(),
            Some(p) => {
                let mut parts = self.uri.clone().into_parts();
                parts.path_and_query = Some(p.parse().map_err(|_| TransportError::Invalid(format!("path {p:?}")))?);
                Uri::from_parts(parts).map_err(|e| TransportError::Invalid(e.to_string()))?
            }
        };
        let mut builder = Request::builder().method(method).uri(uri);
        let header = |v: &str| HeaderValue::from_str(v).map_err(|e| TransportError::Invalid(e.to_string()));
        builder = builder.header(CONTENT_TYPE, header(&req.content_type)?);
        if let Some((user, pass)) = &self.target.user {
            let pass = match req.auth {
                Auth::None => None,
                Auth::Basic => Some(pass.clone()),
                Auth::Wrong => Some(format!("{pass}-wrong")),
            };
            if let Some(pass) = pass {
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                builder = builder.header(AUTHORIZATION, header(&format!("Basic {token}"))?);
            }
        }
        for (k, v) in &req.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| TransportError::Invalid(e.to_string()))?;
            builder = builder.header(name, header(v)?);
        }
        builder.body(Full::new(Bytes::from(req.body))).map_err(|e| TransportError::Invalid(e.to_string()))
    }
}

/// A failed attempt, and whether it may be retried on a new connection.
struct Failure {
    /// The connection had carried a complete exchange before, and closed
    /// without sending a byte of this one's response.
    reused_and_silent: bool,
    error: TransportError,
}

/// The same request again (the body is reference-counted bytes).
fn clone_request(r: &Request<Full<Bytes>>) -> Request<Full<Bytes>> {
    let mut out = Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.headers_mut() = r.headers().clone();
    out
}

fn classify(e: &hyper_util::client::legacy::Error, wire: Option<&wire::WireHandle>, closed: bool) -> TransportError {
    // The chain's Display is the useful part; connect errors are flagged by hyper-util.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
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
    // A write that failed was hidden so that an early response could be
    // read; if none came, the write error is part of the story.
    if let Some(w) = wire.and_then(wire::WireHandle::write_error) {
        text.push_str(&format!(" (after writing the request failed: {w})"));
    }
    if e.is_connect() {
        TransportError::Connect(text)
    } else if closed {
        TransportError::Closed(text)
    } else {
        TransportError::Http(text)
    }
}

fn load_roots(path: &PathBuf) -> Result<rustls::RootCertStore, ClientError> {
    let err = |message: String| ClientError::Ca { path: path.clone(), message };
    let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| err(e.to_string()))?;
        roots.add(cert).map_err(|e| err(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(err("no certificate in the file".into()));
    }
    Ok(roots)
}

mod wire {
    //! The connection under hyper: counts what arrives and hides a failed
    //! write, so that hyper goes on reading.
    //!
    //! A server that refuses a request on its headers (413) answers and closes
    //! while the client is still writing the body; the close turns the next
    //! write into a broken pipe or a reset. hyper stops at the first write
    //! error and never reads the answer that is already waiting in the
    //! socket. [`Watched`] records such an error, discards the rest of the
    //! request, and lets reads carry on: the early response is read, or the
    //! read side reports the close (with the write error added to the
    //! message). The counters tell [`super::WsmanClient::send`] whether a
    //! failed exchange went out on a reused connection that sent nothing back.

    use std::future::Future;
    use std::io;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use hyper::Uri;
    use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
    use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
    use hyper_util::rt::TokioIo;
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    type Stream = TokioIo<MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>>;

    /// What one connection has seen; shared with the client through
    /// [`Connected::extra`].
    #[derive(Debug, Default)]
    struct Wire {
        /// Bytes read (after TLS) since the connection opened.
        read: AtomicU64,
        /// `read` when the last complete response had been read.
        read_at_last_response: AtomicU64,
        /// Complete responses read.
        responses: AtomicU64,
        /// The write error hidden from hyper.
        write_error: Mutex<Option<String>>,
    }

    /// A handle on a connection's [`Wire`].
    #[derive(Debug, Clone, Default)]
    pub(super) struct WireHandle(Arc<Wire>);

    impl WireHandle {
        /// The client read a whole response on this connection.
        pub(super) fn response_complete(&self) {
            let w = &self.0;
            w.read_at_last_response.store(w.read.load(Ordering::Acquire), Ordering::Release);
            w.responses.fetch_add(1, Ordering::AcqRel);
        }

        /// The connection carried a complete exchange before this one.
        pub(super) fn reused(&self) -> bool {
            self.0.responses.load(Ordering::Acquire) > 0
        }

        /// Nothing arrived since the last complete response (or since the
        /// connection opened).
        pub(super) fn silent(&self) -> bool {
            let w = &self.0;
            w.read.load(Ordering::Acquire) == w.read_at_last_response.load(Ordering::Acquire)
        }

        /// The write error hidden from hyper, if any.
        pub(super) fn write_error(&self) -> Option<String> {
            self.0.write_error.lock().ok().and_then(|g| g.clone())
        }
    }

    /// A connection whose reads are counted and whose failed writes are hidden.
    #[derive(Debug)]
    pub(super) struct Watched {
        inner: Stream,
        wire: WireHandle,
        /// A write failed: the rest of the request is discarded.
        broken: bool,
    }

    /// Errors meaning "the peer closed": the response may already be waiting.
    fn is_peer_close(e: &io::Error) -> bool {
        matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted)
    }

    impl Watched {
        fn new(inner: Stream) -> Watched {
            Watched { inner, wire: WireHandle::default(), broken: false }
        }

        fn hide(&mut self, e: &io::Error) {
            self.broken = true;
            if let Ok(mut slot) = self.wire.0.write_error.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }
    }

    impl AsyncRead for Watched {
        fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
            let before = buf.filled().len();
            let r = Pin::new(&mut self.inner).poll_read(cx, buf);
            let n = buf.filled().len().saturating_sub(before);
            self.wire.0.read.fetch_add(n as u64, Ordering::AcqRel);
            r
        }
    }

    impl AsyncWrite for Watched {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            if self.broken {
                return Poll::Ready(Ok(buf.len()));
            }
            match Pin::new(&mut self.inner).poll_write(cx, buf) {
                Poll::Ready(Err(e)) if is_peer_close(&e) => {
                    self.hide(&e);
                    Poll::Ready(Ok(buf.len()))
                }
                other => other,
            }
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            if self.broken {
                return Poll::Ready(Ok(()));
            }
            match Pin::new(&mut self.inner).poll_flush(cx) {
                Poll::Ready(Err(e)) if is_peer_close(&e) => {
                    self.hide(&e);
                    Poll::Ready(Ok(()))
                }
                other => other,
            }
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            if self.broken {
                return Poll::Ready(Ok(()));
            }
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }

    impl Connection for Watched {
        fn connected(&self) -> Connected {
            self.inner.inner().connected().extra(self.wire.clone())
        }
    }

    /// The HTTPS-or-HTTP connector, handing out [`Watched`] connections.
    #[derive(Debug, Clone)]
    pub(super) struct WatchedConnector(HttpsConnector<HttpConnector>);

    impl WatchedConnector {
        pub(super) fn new(inner: HttpsConnector<HttpConnector>) -> WatchedConnector {
            WatchedConnector(inner)
        }
    }

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    impl tower_service::Service<Uri> for WatchedConnector {
        type Response = TokioIo<Watched>;
        type Error = BoxError;
        type Future = Pin<Box<dyn Future<Output = Result<TokioIo<Watched>, BoxError>> + Send>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            self.0.poll_ready(cx)
        }

        fn call(&mut self, uri: Uri) -> Self::Future {
            let connecting = self.0.call(uri);
            Box::pin(async move { Ok(TokioIo::new(Watched::new(TokioIo::new(connecting.await?)))) })
        }
    }
}

mod insecure {
    //! `--insecure`: accept any server certificate (signatures are still checked).
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, Error, SignatureScheme};

    #[derive(Debug)]
    pub(super) struct AcceptAny(pub(super) Arc<CryptoProvider>);

    impl ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
            verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(endpoint: &str) -> Target {
        Target { endpoint: endpoint.into(), user: None, tls: TlsMode::Insecure, timeout: Duration::from_secs(2) }
    }

    #[test]
    fn rejects_non_http_urls() {
        assert!(matches!(WsmanClient::new(target("ftp://h/x")), Err(ClientError::Url(_))));
        assert!(matches!(WsmanClient::new(target("not a url")), Err(ClientError::Url(_))));
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        // Bind then drop to get a loopback port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let c = WsmanClient::new(target(&format!("http://127.0.0.1:{port}/wsman"))).unwrap();
        let err = c.send(HttpRequest { content_type: "application/soap+xml".into(), ..Default::default() }).await.unwrap_err();
        assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Accept and hold the connection without answering.
        let hold = tokio::spawn(async move { listener.accept().await.map(|(s, _)| s) });
        let mut t = target(&format!("http://{addr}/wsman"));
        t.timeout = Duration::from_millis(200);
        let c = WsmanClient::new(t).unwrap();
        let err = c.send(HttpRequest { content_type: "application/soap+xml".into(), ..Default::default() }).await.unwrap_err();
        assert_eq!(err, TransportError::Timeout(Duration::from_millis(200)));
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

    /// One request as the server saw it: connection number, request number
    /// on that connection, and what it did.
    type Seen = (usize, usize, Reply);

    /// A raw HTTP/1.1 server on loopback: `policy(seen so far, connection,
    /// request on that connection)` decides each reply.
    async fn raw_server(policy: fn(&[Seen], usize, usize) -> Reply) -> (String, Arc<std::sync::Mutex<Vec<Seen>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/wsman", listener.local_addr().unwrap());
        let seen: Arc<std::sync::Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            for conn in 0.. {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    for nth in 0.. {
                        // Read one request head.
                        let head_end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            let mut chunk = [0u8; 4096];
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                        let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
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
                        while buf.len() < head_end + length {
                            let mut chunk = [0u8; 65536];
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
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

    fn replayable() -> HttpRequest {
        HttpRequest { content_type: "application/soap+xml".into(), body: b"<x/>".to_vec(), replayable: true, ..Default::default() }
    }

    #[tokio::test]
    async fn an_early_refusal_is_read_although_the_body_write_fails() {
        let (url, seen) = raw_server(|_, _, _| Reply::EarlyRefusal).await;
        let c = WsmanClient::new(target(&url)).unwrap();
        // Far more than the socket buffers hold: the client is still writing
        // when the server's close resets the connection.
        for _ in 0..3 {
            let req = HttpRequest { content_type: "application/soap+xml".into(), body: vec![b'x'; 16 << 20], ..Default::default() };
            let resp = c.send(req).await.unwrap_or_else(|e| panic!("the 413 was not read: {e}"));
            assert_eq!((resp.status, resp.body.as_slice()), (413, b"big!".as_slice()));
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
        let c = WsmanClient::new(target(&url)).unwrap();
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
        let c = WsmanClient::new(target(&url)).unwrap();
        let mut failure = None;
        for _ in 0..6 {
            if let Err(e) = c.send(replayable()).await {
                failure = Some(e);
                break;
            }
        }
        let err = failure.expect("a request failed");
        assert!(matches!(err, TransportError::Closed(_)), "{err:?}");
        let closes = seen.lock().unwrap().iter().filter(|s| s.2 == Reply::Close).count();
        assert_eq!(closes, 2, "one attempt and one retry");

        // A request that may not be resent fails on the first close.
        let (url, seen) = raw_server(|_, _, nth| if nth > 0 { Reply::Close } else { Reply::Answer }).await;
        let c = WsmanClient::new(target(&url)).unwrap();
        let not_replayable = || HttpRequest { replayable: false, ..replayable() };
        let mut failure = None;
        for _ in 0..6 {
            if let Err(e) = c.send(not_replayable()).await {
                failure = Some(e);
                break;
            }
        }
        assert!(matches!(failure, Some(TransportError::Closed(_))), "{failure:?}");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.iter().filter(|s| s.2 == Reply::Close).count(), 1, "not resent: {seen:?}");
        assert_eq!(seen.last().map(|s| s.2), Some(Reply::Close), "nothing after the close: {seen:?}");
    }
}
