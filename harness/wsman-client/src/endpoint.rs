//! The connection settings of a [`crate::Session`]: URL, credentials,
//! certificate checking, timeout, response cap (the `--endpoint --user
//! --insecure|--ca --timeout` flags of every command that talks to an endpoint).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::transport::Observer;

/// Largest response body read by default (bytes); larger bodies are
/// [`crate::TransportKind::TooLarge`].
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Default deadline of one exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the server certificate of an `https` endpoint is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Against the Mozilla root store (webpki-roots).
    #[default]
    Verify,
    /// Not at all (`--insecure`); handshake signatures are still checked.
    Insecure,
    /// Against the certificates of this PEM file (`--ca FILE`).
    Ca(PathBuf),
}

/// The HTTP authentication scheme a [`crate::Session`] uses with the
/// endpoint's user (`--auth basic|negotiate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// HTTP Basic on every request ([`crate::auth::Basic`]).
    #[default]
    Basic,
    /// Negotiate with NTLM, once per connection, with WinRM message
    /// encryption over plain HTTP (`wsman_client::auth::Negotiate` with the crate
    /// feature `negotiate`, on by default).
    Negotiate,
}

/// Where and how to talk to a WS-Management endpoint.
///
/// Build it with [`Endpoint::new`] and the `with_*` methods; the fields stay
/// public for reading and adjusting (it is `#[non_exhaustive]` so that new
/// settings, such as the authentication scheme, can be added without
/// breaking callers).
///
/// ```
/// use std::time::Duration;
/// use wsman_client::{Endpoint, TlsMode};
///
/// let e = Endpoint::new("https://host.example:5986/wsman")
///     .with_user("admin", "secret")
///     .with_tls(TlsMode::Insecure)
///     .with_timeout(Duration::from_secs(10));
/// assert_eq!(e.user.as_ref().map(|(u, _)| u.as_str()), Some("admin"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Endpoint {
    /// Endpoint URL, e.g. `http://127.0.0.1:5985/wsman`.
    pub url: String,
    /// Credentials (`--user NAME:PASS`, NAME may be `DOMAIN\NAME`); `None`
    /// sends no Authorization.
    pub user: Option<(String, String)>,
    /// The scheme the credentials go with (`--auth`).
    pub auth: AuthScheme,
    /// Certificate checking for https.
    pub tls: TlsMode,
    /// Deadline of one exchange: connect, send, whole response, the retry
    /// and the authentication legs included.
    pub timeout: Duration,
    /// Largest response body read; a protection against an endpoint that
    /// streams without end.
    pub max_response_bytes: usize,
    /// Shown every HTTP message of the session's exchanges (a `--dump` of a
    /// bug report); credentials are cut out of what it sees.
    pub observer: Option<Arc<dyn Observer>>,
    /// Read answers without judging their addressing: a wrong or missing
    /// `wsa:RelatesTo` or `wsa:Action` is not an error. For discovery, which
    /// must learn what a faulty endpoint serves; conformance is `check`'s job.
    pub lenient: bool,
}

impl Endpoint {
    /// An endpoint with no credentials, certificate verification, the default
    /// timeout and response cap.
    pub fn new(url: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            user: None,
            auth: AuthScheme::Basic,
            tls: TlsMode::Verify,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: MAX_RESPONSE_BYTES,
            observer: None,
            lenient: false,
        }
    }

    /// Lenient about the addressing of answers ([`Endpoint::lenient`]).
    pub fn lenient(mut self) -> Endpoint {
        self.lenient = true;
        self
    }

    /// With this authentication scheme for the user's credentials.
    pub fn with_auth(mut self, auth: AuthScheme) -> Endpoint {
        self.auth = auth;
        self
    }

    /// With credentials (Basic unless [`with_auth`](Self::with_auth) says otherwise).
    pub fn with_user(mut self, name: impl Into<String>, password: impl Into<String>) -> Endpoint {
        self.user = Some((name.into(), password.into()));
        self
    }

    /// With this certificate checking.
    pub fn with_tls(mut self, tls: TlsMode) -> Endpoint {
        self.tls = tls;
        self
    }

    /// With this exchange deadline.
    pub fn with_timeout(mut self, timeout: Duration) -> Endpoint {
        self.timeout = timeout;
        self
    }

    /// With this observer of the wire ([`Observer`]).
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Endpoint {
        self.observer = Some(observer);
        self
    }

    /// With this response cap.
    pub fn with_max_response_bytes(mut self, max: usize) -> Endpoint {
        self.max_response_bytes = max;
        self
    }
}

/// The rustls client configuration of a TLS mode.
pub(crate) fn tls_config(mode: &TlsMode) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config_err = |e: rustls::Error| Error::new(ErrorKind::Config, format!("TLS configuration: {e}"));
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().map_err(config_err)?;
    let mut config = match mode {
        TlsMode::Verify => {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsMode::Ca(path) => builder.with_root_certificates(load_roots(path)?).with_no_client_auth(),
        TlsMode::Insecure => builder.dangerous().with_custom_certificate_verifier(Arc::new(insecure::AcceptAny(provider))).with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn load_roots(path: &PathBuf) -> Result<rustls::RootCertStore, Error> {
    let err = |message: String| Error::new(ErrorKind::Config, format!("CA file {}: {message}", path.display()));
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
