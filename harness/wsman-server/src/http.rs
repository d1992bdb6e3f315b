//! The HTTP edge: the only place HTTP statuses other than a fault's 500 are
//! produced.
//!
//! Order of checks, as WinRM applies them: path (`/wsman`, else 404), method
//! (POST, else 405), authentication (401; Basic over plain HTTP only with
//! AllowUnencrypted; `WSMANIDENTIFY: unauthenticated` Identify needs none),
//! Content-Type (`application/soap+xml`, charset utf-8 or utf-16 in any case,
//! or absent; else 415), body size (413 over MaxEnvelopeSizekb).
//!
//! Logging (`tracing`): one `info` event per request, target
//! `wsman_server::access`, with the peer, user, action, resource URI, HTTP
//! status, fault subcode and duration; never a password or a body. TLS and
//! authentication failures are `debug` events.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::auth::{check_basic, AuthOutcome};
use crate::defects::Defect;
use crate::dispatch::{self, Outcome, RequestInfo};
use crate::State;

/// The content type of every SOAP response.
pub const SOAP_CONTENT_TYPE: &str = "application/soap+xml;charset=UTF-8";

/// How long a client may take to finish a TLS handshake, or to send a
/// request's headers, before its connection is dropped (a silent client must
/// not hold a task forever).
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Accepts connections until the task is aborted. Every connection task
/// holds a clone of `in_flight`; [`crate::Server::run`] knows all of them
/// have finished when the channel's last sender is gone.
pub(crate) async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, state: Arc<State>, in_flight: tokio::sync::mpsc::Sender<()>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            // Accept errors (EMFILE...) are transient: back off briefly and go on.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let tls = tls.clone();
        let in_flight = in_flight.clone();
        let open = state.connections.opened();
        tokio::spawn(async move {
            let _in_flight = in_flight;
            let _open = open;
            match tls {
                Some(acceptor) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => serve_connection(TokioIo::new(s), state, true, peer).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
                None => serve_connection(TokioIo::new(stream), state, false, peer).await,
            }
        });
    }
}

/// The authentication state one connection carries between its requests
/// (Negotiate's context is per connection).
#[derive(Debug, Default)]
struct Conn {
    #[cfg(feature = "negotiate")]
    negotiate: std::sync::Mutex<crate::conn_auth::ConnAuth>,
}

async fn serve_connection<I>(io: I, state: Arc<State>, encrypted: bool, peer: SocketAddr)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let state_shutdown = state.shutdown.clone();
    let conn_state = Arc::new(Conn::default());
    // The request's future is boxed: hyper keeps the service future's slot
    // inside every connection, idle or not, and unboxed it would make each
    // idle connection as large as the deepest operation's state.
    let svc = hyper::service::service_fn(move |req| {
        let state = state.clone();
        let conn_state = conn_state.clone();
        Box::pin(async move { Ok::<_, Infallible>(handle_logged(req, &state, &conn_state, encrypted, peer).await) })
    });
    let mut shutdown = state_shutdown.clone();
    let conn =
        hyper::server::conn::http1::Builder::new().keep_alive(true).timer(TokioTimer::new()).header_read_timeout(HANDSHAKE_TIMEOUT).serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = crate::stopped(&mut shutdown) => {
            // Finish the request in flight (waiting operations see the same
            // signal and answer at once), then close instead of keeping alive.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// A transport refusal. These are answered before the request body is read,
/// so the connection is closed after them (`Connection: close`): a client
/// must not reuse it while the rest of its body may still be in flight.
fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    r
}

fn unauthorized(offer_basic: bool) -> Response<Full<Bytes>> {
    let mut r = plain(StatusCode::UNAUTHORIZED, "");
    // Windows offers Negotiate, and Basic where it is enabled (here: not over
    // plain HTTP without AllowUnencrypted). Without the negotiate feature
    // Negotiate is offered only when Basic is not (the offer WinRM makes with
    // Basic disabled), so a client still sees why Basic was refused.
    if cfg!(feature = "negotiate") || !offer_basic {
        r.headers_mut().append(WWW_AUTHENTICATE, HeaderValue::from_static("Negotiate"));
    }
    if offer_basic {
        r.headers_mut().append(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"WSMAN\""));
    }
    r
}

/// The token of an `Authorization: Negotiate <base64>` header, if that is its scheme.
#[cfg(feature = "negotiate")]
fn negotiate_token(header: Option<&str>) -> Option<Result<Vec<u8>, ()>> {
    use base64::Engine;
    let (scheme, rest) = header?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("negotiate") {
        return None;
    }
    Some(base64::engine::general_purpose::STANDARD.decode(rest.trim()).map_err(|_| ()))
}

/// `WWW-Authenticate: Negotiate <base64 token>`.
#[cfg(feature = "negotiate")]
fn negotiate_header(token: &[u8]) -> Option<HeaderValue> {
    use base64::Engine;
    HeaderValue::from_str(&format!("Negotiate {}", base64::engine::general_purpose::STANDARD.encode(token))).ok()
}

/// True for `application/soap+xml` with an absent, utf-8 or utf-16 charset, in any letter case.
pub fn content_type_ok(value: &str) -> bool {
    let mut parts = value.split(';').map(str::trim);
    let Some(mime) = parts.next() else { return false };
    if !mime.eq_ignore_ascii_case("application/soap+xml") {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
            let v = v.trim().trim_matches('"');
            v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf-16") || v.eq_ignore_ascii_case("utf-16le") || v.eq_ignore_ascii_case("utf-16be")
        }
        Some(_) => true, // action= and other parameters are allowed
        None => p.is_empty(),
    })
}

/// What the access line of one request reports, filled in as the request is read.
#[derive(Debug, Default)]
struct Access {
    /// The authenticated user (none before authentication succeeds).
    user: Option<String>,
    /// Action and ResourceURI, once the envelope is decoded.
    request: RequestInfo,
    /// The fault's subcode QName, when the answer is a fault.
    fault: Option<String>,
}

/// [`handle`], then the access line.
async fn handle_logged(req: Request<Incoming>, state: &State, conn: &Conn, encrypted: bool, peer: SocketAddr) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let mut access = Access::default();
    let response = handle(req, state, conn, encrypted, peer, &mut access).await;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    tracing::info!(
        target: "wsman_server::access",
        %peer,
        user = %dash(&access.user),
        action = %dash(&access.request.action),
        resource_uri = %dash(&access.request.resource_uri),
        status = response.status().as_u16(),
        fault = %dash(&access.fault),
        duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// How the request was authenticated, for what follows authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthedBy {
    /// Unauthenticated Identify.
    Nobody,
    Basic,
    /// Negotiate: on this request's handshake leg or earlier on the connection.
    #[cfg_attr(not(feature = "negotiate"), allow(dead_code))]
    Negotiate,
}

async fn handle(req: Request<Incoming>, state: &State, conn: &Conn, encrypted: bool, peer: SocketAddr, access: &mut Access) -> Response<Full<Bytes>> {
    if req.uri().path() != "/wsman" {
        return plain(StatusCode::NOT_FOUND, "not found: the WS-Management endpoint is /wsman\n");
    }
    if req.method() != Method::POST {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "only POST is allowed\n");
        r.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let unauthenticated_identify =
        req.headers().get("WSMANIDENTIFY").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("unauthenticated"));
    let basic_allowed = encrypted || state.winrm.allow_unencrypted();
    let header = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let limit = state.max_envelope_size();
    let too_large = || plain(StatusCode::PAYLOAD_TOO_LARGE, "the request body exceeds MaxEnvelopeSizekb\n");
    // The last SPNEGO token, sent back on the response that completes the handshake.
    #[allow(unused_mut)]
    let mut last_token: Option<Vec<u8>> = None;
    let (user, authed_by) = 'auth: {
        if unauthenticated_identify {
            break 'auth (None, AuthedBy::Nobody);
        }
        #[cfg(feature = "negotiate")]
        {
            if let Some(token) = negotiate_token(header.as_deref()) {
                let Ok(token) = token else {
                    tracing::debug!(%peer, "authentication refused: Negotiate token is not base64");
                    return unauthorized(basic_allowed);
                };
                let leg = conn.negotiate.lock().unwrap_or_else(|p| p.into_inner()).step(&state.users, &token);
                match leg {
                    Ok(crate::conn_auth::Leg::Challenge(t)) => {
                        // The handshake goes on on this connection: read the
                        // body (pywinrm sends none, others may) and keep it open.
                        if Limited::new(req.into_body(), limit).collect().await.is_err() {
                            return plain(StatusCode::BAD_REQUEST, "the request body could not be read\n");
                        }
                        let mut r = Response::new(Full::new(Bytes::new()));
                        *r.status_mut() = StatusCode::UNAUTHORIZED;
                        if let Some(v) = negotiate_header(&t) {
                            r.headers_mut().insert(WWW_AUTHENTICATE, v);
                        }
                        return r;
                    }
                    Ok(crate::conn_auth::Leg::Authenticated { user, last_token: t }) => {
                        last_token = t;
                        break 'auth (Some(user), AuthedBy::Negotiate);
                    }
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "authentication refused: Negotiate");
                        return unauthorized(basic_allowed);
                    }
                }
            }
            if header.is_none() {
                if let Some(u) = conn.negotiate.lock().unwrap_or_else(|p| p.into_inner()).user() {
                    break 'auth (Some(u), AuthedBy::Negotiate);
                }
            }
        }
        if !basic_allowed {
            let why = if header.is_none() { "no Authorization header" } else { "Basic over plain HTTP needs AllowUnencrypted" };
            tracing::debug!(%peer, "authentication refused: {why}");
            return unauthorized(false);
        }
        match check_basic(header.as_deref(), &state.users, state.defects.has(Defect::AcceptWrongPassword)) {
            AuthOutcome::Authenticated(u) => (Some(u), AuthedBy::Basic),
            AuthOutcome::Refused => {
                let why = if header.is_none() { "no Authorization header" } else { "unknown user, wrong password or not Basic" };
                tracing::debug!(%peer, "authentication refused: {why}");
                return unauthorized(true);
            }
        }
    };
    let content_type = req.headers().get(CONTENT_TYPE).map(|v| v.to_str().map(str::to_owned));
    // A sealed body is opened after it is read; its answer is sealed too.
    #[allow(unused_mut)]
    let mut sealed_request = false;
    if let Some(ct) = &content_type {
        #[cfg(feature = "negotiate")]
        {
            sealed_request = authed_by == AuthedBy::Negotiate && ct.as_deref().is_ok_and(negotiate::is_encrypted_content_type);
        }
        if !sealed_request && !ct.as_deref().is_ok_and(content_type_ok) {
            return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/soap+xml with charset utf-8 or utf-16\n");
        }
    }
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    // A sealed body carries its framing (about 200 bytes) on top of the envelope.
    let framing = if sealed_request { 1024 } else { 0 };
    if declared.is_some_and(|n| n > limit + framing) {
        return too_large();
    }
    let body = match Limited::new(req.into_body(), limit + framing).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return too_large(),
        Err(_) => return plain(StatusCode::BAD_REQUEST, "the request body could not be read\n"),
    };
    access.user = user.clone();
    #[cfg(feature = "negotiate")]
    let body = if authed_by != AuthedBy::Negotiate {
        body
    } else if body.is_empty() {
        // pywinrm opens its encrypted session with an empty POST through the
        // whole handshake; Windows answers it 200 with no body.
        let mut r = Response::new(Full::new(Bytes::new()));
        if let Some(v) = last_token.as_deref().and_then(negotiate_header) {
            r.headers_mut().insert(WWW_AUTHENTICATE, v);
        }
        return r;
    } else if sealed_request {
        // The sealed message's own Content-Type (its OriginalContent) is
        // held to the rule an unsealed one is.
        if negotiate::original_content_type(&body).is_some_and(|t| !content_type_ok(&t)) {
            return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/soap+xml with charset utf-8 or utf-16\n");
        }
        let ct = content_type.as_ref().and_then(|c| c.as_deref().ok()).unwrap_or("");
        let d = &state.defects;
        let opened = conn.negotiate.lock().unwrap_or_else(|p| p.into_inner()).unseal(
            &body,
            ct,
            !d.has(Defect::SkipSealSignatureCheck),
            d.has(Defect::AcceptReplayedSealedMessage),
        );
        match opened {
            Ok(plain_body) => Bytes::from(plain_body),
            Err(e) => {
                tracing::debug!(%peer, error = %e, "sealed request refused");
                return plain(
                    StatusCode::BAD_REQUEST,
                    "the encrypted request could not be opened (framing, sequence number or signature); authenticate again\n",
                );
            }
        }
    } else if !encrypted && !state.winrm.allow_unencrypted() && !state.defects.has(Defect::AcceptUnencryptedAfterNegotiate) {
        // [M] WinRM with AllowUnencrypted=false refuses a plain body after
        // Negotiate over HTTP; the status Windows uses is not confirmed here.
        return plain(
            StatusCode::BAD_REQUEST,
            "after Negotiate over plain HTTP the request body must be encrypted (multipart/encrypted) unless AllowUnencrypted\n",
        );
    } else {
        body
    };
    let outcome = match user {
        Some(u) => dispatch::handle_soap(state, &body, &u, Some(peer.ip()), &mut access.request).await,
        None => match dispatch::unauthenticated_identify(state, &body) {
            Some(o) => o,
            // Only Identify may skip authentication.
            None => return unauthorized(basic_allowed),
        },
    };
    if let Outcome::Fault(_, subcode) = &outcome {
        access.fault = Some(subcode.clone());
    }
    #[allow(unused_mut)]
    let mut response = to_response(outcome, state);
    #[cfg(feature = "negotiate")]
    {
        if let Some(v) = last_token.as_deref().and_then(negotiate_header) {
            response.headers_mut().insert(WWW_AUTHENTICATE, v);
        }
        if sealed_request {
            response = seal_response(response, conn).await;
        }
    }
    #[cfg(not(feature = "negotiate"))]
    let _ = (conn, authed_by, last_token, sealed_request);
    response
}

/// Seals a response's body with the connection's session (MS-WSMV §2.2.9.1).
#[cfg(feature = "negotiate")]
async fn seal_response(response: Response<Full<Bytes>>, conn: &Conn) -> Response<Full<Bytes>> {
    let (mut parts, body) = response.into_parts();
    // A Full body is one in-memory chunk: collecting it cannot fail.
    let plain_body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let Some(sealed) = conn.negotiate.lock().unwrap_or_else(|p| p.into_inner()).seal(&plain_body) else {
        return plain(StatusCode::UNAUTHORIZED, "");
    };
    parts.headers.insert(CONTENT_TYPE, HeaderValue::from_static(negotiate::ENCRYPTED_CONTENT_TYPE));
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Full::new(Bytes::from(sealed)))
}

fn to_response(outcome: Outcome, state: &State) -> Response<Full<Bytes>> {
    let d = &state.defects;
    let (mut status, mut body, mut content_type) = match outcome {
        Outcome::Success(bytes) => (StatusCode::OK, bytes, SOAP_CONTENT_TYPE),
        Outcome::Fault(bytes, _) => {
            let status = if d.has(Defect::FaultHttp200) { StatusCode::OK } else { StatusCode::INTERNAL_SERVER_ERROR };
            (status, bytes, SOAP_CONTENT_TYPE)
        }
    };
    if d.has(Defect::HtmlErrorPage) && status != StatusCode::OK {
        status = StatusCode::INTERNAL_SERVER_ERROR;
        body = b"<html><head><title>500 Internal Server Error</title></head><body><h1>Server Error</h1></body></html>".to_vec();
        content_type = "text/html";
    }
    if d.has(Defect::WrongContentType) {
        content_type = "text/html";
    }
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

#[cfg(test)]
mod tests {
    use super::content_type_ok;

    #[test]
    fn content_type_rules() {
        for ok in [
            "application/soap+xml",
            "application/soap+xml;charset=UTF-8",
            "Application/SOAP+XML; charset=utf-16",
            "application/soap+xml;charset=\"utf-8\";action=\"x\"",
        ] {
            assert!(content_type_ok(ok), "{ok}");
        }
        for bad in ["text/xml", "application/soap+xml;charset=iso-8859-1", "application/json", ""] {
            assert!(!content_type_ok(bad), "{bad}");
        }
    }
}
