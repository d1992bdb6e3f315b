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
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

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
#[derive(Clone)]
pub struct WsmanClient {
    target: Arc<Target>,
    uri: Uri,
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for WsmanClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsmanClient").field("endpoint", &self.target.endpoint).finish_non_exhaustive()
    }
}

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
                    _ => builder
                        .dangerous()
                        .with_custom_certificate_verifier(Arc::new(insecure::AcceptAny(provider)))
                        .with_no_client_auth(),
                };
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config).https_or_http().enable_http1().build()
            }
        };
        let inner = Client::builder(TokioExecutor::new()).build(connector);
        Ok(WsmanClient { target: Arc::new(target), uri, inner })
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends one request and reads the whole response, within the target's timeout.
    ///
    /// # Errors
    /// [`TransportError`]; never panics on anything the peer sends.
    pub async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let deadline = self.target.timeout;
        let started = Instant::now();
        let request = self.build(req)?;
        let exchange = async {
            let resp = self.inner.request(request).await.map_err(classify)?;
            let status = resp.status().as_u16();
            let content_type = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = Limited::new(resp.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| TransportError::Http(e.to_string()))?
                .to_bytes();
            Ok(HttpResponse { status, content_type, body: body.to_vec(), elapsed: started.elapsed() })
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(deadline)),
        }
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

fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    // The chain's Display is the useful part; connect errors are flagged by hyper-util.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
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
    if e.is_connect() {
        TransportError::Connect(text)
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

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
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
}
