//! TLS for `--https`: rustls with the ring provider, from PEM files or a
//! self-signed certificate generated at start.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::ServerError;

/// Where the server's certificate comes from.
#[derive(Clone, Debug, Default)]
pub enum TlsSource {
    /// A self-signed certificate for localhost, 127.0.0.1 and ::1, made at start.
    #[default]
    SelfSigned,
    /// PEM files.
    Files {
        /// Certificate chain.
        cert: std::path::PathBuf,
        /// Private key.
        key: std::path::PathBuf,
    },
}

/// A self-signed certificate and key, as DER.
pub fn self_signed() -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String), ServerError> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let ck = rcgen::generate_simple_self_signed(names).map_err(|e| ServerError::Tls(e.to_string()))?;
    let pem = ck.cert.pem();
    let key = PrivateKeyDer::try_from(ck.signing_key.serialize_der()).map_err(|e| ServerError::Tls(e.to_string()))?;
    Ok((vec![ck.cert.der().clone()], key, pem))
}

fn load_pem(cert: &Path, key: &Path) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ServerError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| ServerError::Tls(format!("{}: {e}", p.display())));
    let cert_bytes = read(cert)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut cert_bytes.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(ServerError::Tls(format!("{}: no certificate found", cert.display())));
    }
    let key_bytes = read(key)?;
    let key = rustls_pemfile::private_key(&mut key_bytes.as_slice())
        .map_err(|e| ServerError::Tls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| ServerError::Tls(format!("{}: no private key found", key.display())))?;
    Ok((certs, key))
}

/// Builds the rustls configuration. Returns the PEM of a generated certificate, if any.
pub(crate) fn server_config(src: &TlsSource) -> Result<(Arc<ServerConfig>, Option<String>), ServerError> {
    let (certs, key, pem) = match src {
        TlsSource::SelfSigned => {
            let (c, k, pem) = self_signed()?;
            (c, k, Some(pem))
        }
        TlsSource::Files { cert, key } => {
            let (c, k) = load_pem(cert, key)?;
            (c, k, None)
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(cfg), pem))
}
