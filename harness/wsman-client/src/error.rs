//! The one error type of the crate: opaque, classified by [`ErrorKind`],
//! queried with `is_*` predicates (hyper's `Error` shape, STYLE §7).
//!
//! | kind | when |
//! |---|---|
//! | [`ErrorKind::Fault`] | the endpoint answered a SOAP fault ([`Error::fault`] has it) |
//! | [`ErrorKind::Transport`] | no usable HTTP answer: refused, TLS, timeout, closed, broken, too large, a non-SOAP HTTP status |
//! | [`ErrorKind::Protocol`] | an answer that is not the response to the request: RelatesTo, Action, undecodable |
//! | [`ErrorKind::Auth`] | the authenticator could not produce credentials |
//! | [`ErrorKind::InvalidRequest`] | the request cannot be sent (a header value, a method, a path) |
//! | [`ErrorKind::Config`] | the session cannot be built (URL, CA file, TLS configuration) |
//!
//! Display messages are for humans and not a contract; match kinds.

use std::fmt;
use std::time::Duration;

use wsman_proto::{FaultKind, WireFault};

/// Why an exchange failed at the transport level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The TCP connection was refused (nothing listens on the port).
    Refused,
    /// The TCP connection could not be made for another reason (name
    /// resolution, unreachable network, reset during connect).
    Connect,
    /// The TLS handshake failed (certificate not trusted, protocol error).
    Tls,
    /// No complete response within the session's timeout.
    Timeout,
    /// The connection closed (or was reset) before any byte of the response:
    /// on the new connection of the retry too, or the request was not one to
    /// resend.
    Closed,
    /// The connection broke during the response, or the response is not HTTP.
    Broken,
    /// The response body is larger than the session's cap.
    TooLarge,
    /// An HTTP status that carries no SOAP envelope (401, 404, 413, 415, a 500
    /// without a SOAP body, ...), or a SOAP envelope without a fault on a
    /// status other than 200.
    HttpStatus(u16),
}

/// Why a response is not the answer to the request sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolKind {
    /// `wsa:RelatesTo` is missing or is not the request's `wsa:MessageID`
    /// (compared exactly, as WS-Addressing compares URIs).
    RelatesTo,
    /// `wsa:Action` is not the response Action of the operation.
    Action,
    /// The body is not a SOAP envelope, or not the message the operation answers.
    Decode,
}

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The endpoint answered with a SOAP fault ([`Error::fault`]).
    Fault,
    /// No usable HTTP answer.
    Transport(TransportKind),
    /// An answer that does not answer the request.
    Protocol(ProtocolKind),
    /// The authenticator refused or failed.
    Auth,
    /// The request cannot be put on the wire.
    InvalidRequest,
    /// The session cannot be built.
    Config,
}

/// An error of a [`crate::Session`] operation or exchange.
///
/// ```
/// use wsman_client::{Error, ErrorKind, TransportKind};
///
/// fn explain(e: &Error) -> String {
///     if let Some(f) = e.fault() {
///         return format!("fault {:?}: {}", f.subcode, f.reason.as_deref().unwrap_or(""));
///     }
///     match e.kind() {
///         ErrorKind::Transport(TransportKind::Refused) => "nothing listens there".into(),
///         _ if e.is_timeout() => "no answer in time".into(),
///         _ => e.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// What was seen, for humans.
    message: String,
    /// The decoded fault of [`ErrorKind::Fault`].
    fault: Option<WireFault>,
    /// The HTTP status of the response, when there was one.
    status: Option<u16>,
    /// The deadline that passed, for [`TransportKind::Timeout`].
    timeout: Option<Duration>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        let status = match kind {
            ErrorKind::Transport(TransportKind::HttpStatus(s)) => Some(s),
            _ => None,
        };
        Error { inner: Box::new(Inner { kind, message: message.into(), fault: None, status, timeout: None }) }
    }

    pub(crate) fn transport(kind: TransportKind, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Transport(kind), message)
    }

    pub(crate) fn protocol(kind: ProtocolKind, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol(kind), message)
    }

    pub(crate) fn timeout_after(deadline: Duration) -> Error {
        let mut e = Error::transport(TransportKind::Timeout, format!("no response within {deadline:?}"));
        e.inner.timeout = Some(deadline);
        e
    }

    pub(crate) fn from_fault(fault: WireFault, status: u16) -> Error {
        let message = format!(
            "SOAP fault {}{}: {}",
            fault.subcode.as_ref().map(|(_, l)| l.as_str()).or(fault.code.as_ref().map(|(_, l)| l.as_str())).unwrap_or("(no code)"),
            fault.wsman_code.map(|c| format!(" (WSManFault {c})")).unwrap_or_default(),
            fault.reason.as_deref().unwrap_or("(no reason)")
        );
        let mut e = Error::new(ErrorKind::Fault, message);
        e.inner.fault = Some(fault);
        e.inner.status = Some(status);
        e
    }

    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.inner.status = Some(status);
        self
    }

    /// The classification.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The SOAP fault the endpoint answered: code, subcode, reason, detail
    /// URI, WSManFault code and message.
    pub fn fault(&self) -> Option<&WireFault> {
        self.inner.fault.as_ref()
    }

    /// The fault's entry in the fault table, when its code and subcode are known.
    pub fn fault_kind(&self) -> Option<FaultKind> {
        self.inner.fault.as_ref().and_then(WireFault::kind)
    }

    /// The HTTP status of the response, when one arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The deadline that passed, for a timeout.
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The transport classification, for a transport error.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self.inner.kind {
            ErrorKind::Transport(t) => Some(t),
            _ => None,
        }
    }

    /// The endpoint answered a SOAP fault.
    pub fn is_fault(&self) -> bool {
        self.inner.kind == ErrorKind::Fault
    }

    /// No usable HTTP answer (any [`TransportKind`]).
    pub fn is_transport(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Transport(_))
    }

    /// The connection was refused.
    pub fn is_refused(&self) -> bool {
        self.inner.kind == ErrorKind::Transport(TransportKind::Refused)
    }

    /// No connection could be made: refused, other connect failure, or TLS handshake.
    pub fn is_connect(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Transport(TransportKind::Refused | TransportKind::Connect | TransportKind::Tls))
    }

    /// The TLS handshake failed.
    pub fn is_tls(&self) -> bool {
        self.inner.kind == ErrorKind::Transport(TransportKind::Tls)
    }

    /// No complete response in time.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Transport(TransportKind::Timeout)
    }

    /// The connection closed before any byte of the response.
    pub fn is_closed(&self) -> bool {
        self.inner.kind == ErrorKind::Transport(TransportKind::Closed)
    }

    /// The response was larger than the cap.
    pub fn is_too_large(&self) -> bool {
        self.inner.kind == ErrorKind::Transport(TransportKind::TooLarge)
    }

    /// The response does not answer the request (RelatesTo, Action, decode).
    pub fn is_protocol(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Protocol(_))
    }

    /// `wsa:RelatesTo` is missing or names another message.
    pub fn is_relates_to(&self) -> bool {
        self.inner.kind == ErrorKind::Protocol(ProtocolKind::RelatesTo)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("wsman_client::Error");
        d.field("kind", &self.inner.kind).field("message", &self.inner.message);
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(fault) = &self.inner.fault {
            d.field("fault", fault);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_follow_the_kind() {
        let e = Error::transport(TransportKind::Refused, "x");
        assert!(e.is_refused() && e.is_connect() && e.is_transport() && !e.is_timeout() && !e.is_fault());
        let e = Error::timeout_after(Duration::from_millis(5));
        assert!(e.is_timeout() && !e.is_connect());
        assert_eq!(e.timeout(), Some(Duration::from_millis(5)));
        let e = Error::transport(TransportKind::HttpStatus(401), "x");
        assert_eq!(e.status(), Some(401));
        let e = Error::from_fault(WireFault { wsman_code: Some(5), ..Default::default() }, 500);
        assert!(e.is_fault() && e.fault().is_some_and(|f| f.wsman_code == Some(5)));
        assert_eq!(e.status(), Some(500));
        let e = Error::protocol(ProtocolKind::RelatesTo, "x");
        assert!(e.is_protocol() && e.is_relates_to());
    }
}
