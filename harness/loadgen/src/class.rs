//! Why a request failed, as a small closed set of classes (the error table
//! of a run stays bounded whatever the endpoint answers).

use std::fmt;

use wsman_client::{Error, ErrorKind, ProtocolKind, TransportKind};

/// The class of a failed request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// TCP connect failed or was refused.
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// No complete answer within the exchange deadline.
    Timeout,
    /// The connection closed or was reset before or during the answer.
    Reset,
    /// The answer was larger than the response cap.
    TooLarge,
    /// An HTTP status that is not the expected answer (401, 404, a 500
    /// without a SOAP fault, ...).
    Status(u16),
    /// A SOAP fault, by subcode local name (`TimedOut`,
    /// `InvalidEnumerationContext`), or `s:Code` when it has no subcode.
    Fault(String),
    /// An answer that does not answer the request (RelatesTo, Action, undecodable).
    Protocol(&'static str),
    /// The request could not be built or sent (a corpus case that does not render).
    Request,
}

impl ErrorClass {
    /// The class of a client error.
    pub fn of(e: &Error) -> ErrorClass {
        if let Some(f) = e.fault() {
            return match (&f.subcode, &f.code) {
                (Some((_, local)), _) | (None, Some((_, local))) => ErrorClass::Fault(local.clone()),
                (None, None) => ErrorClass::Fault("unknown".into()),
            };
        }
        match e.kind() {
            ErrorKind::Transport(t) => match t {
                TransportKind::Refused | TransportKind::Connect => ErrorClass::Connect,
                TransportKind::Tls => ErrorClass::Tls,
                TransportKind::Timeout => ErrorClass::Timeout,
                TransportKind::Closed | TransportKind::Broken => ErrorClass::Reset,
                TransportKind::TooLarge => ErrorClass::TooLarge,
                TransportKind::HttpStatus(s) => ErrorClass::Status(s),
                _ => ErrorClass::Reset,
            },
            ErrorKind::Protocol(p) => ErrorClass::Protocol(match p {
                ProtocolKind::RelatesTo => "relates-to",
                ProtocolKind::Action => "action",
                _ => "decode",
            }),
            ErrorKind::Fault => ErrorClass::Fault("unknown".into()),
            _ => ErrorClass::Request,
        }
    }

    /// The group of the class: `transport`, `http`, `fault`, `protocol` or `request`.
    pub fn group(&self) -> &'static str {
        match self {
            ErrorClass::Connect | ErrorClass::Tls | ErrorClass::Timeout | ErrorClass::Reset | ErrorClass::TooLarge => "transport",
            ErrorClass::Status(_) => "http",
            ErrorClass::Fault(_) => "fault",
            ErrorClass::Protocol(_) => "protocol",
            ErrorClass::Request => "request",
        }
    }
}

/// `transport:timeout`, `http:401`, `fault:TimedOut`, `protocol:relates-to`.
impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = self.group();
        match self {
            ErrorClass::Connect => write!(f, "{g}:connect"),
            ErrorClass::Tls => write!(f, "{g}:tls"),
            ErrorClass::Timeout => write!(f, "{g}:timeout"),
            ErrorClass::Reset => write!(f, "{g}:reset"),
            ErrorClass::TooLarge => write!(f, "{g}:too-large"),
            ErrorClass::Status(s) => write!(f, "{g}:{s}"),
            ErrorClass::Fault(s) => write!(f, "{g}:{s}"),
            ErrorClass::Protocol(p) => write!(f, "{g}:{p}"),
            ErrorClass::Request => write!(f, "{g}:render"),
        }
    }
}
