//! Fuzz generation and the fuzz oracle.
//!
//! A fuzz case starts from a rendered corpus request (a [`CaseRequest`]: the
//! body, its Content-Type and extra HTTP headers) and applies a short list of
//! [`Mutation`]s, each one named [`Operator`] with a `choice` that picks what
//! it changes (which header, which boundary value, where to cut). The result
//! is a [`MutatedRequest`]: what to send, plus the operators that really
//! changed something (reports count cases per operator) and the facts the
//! oracle needs (the Action and MessageID actually sent).
//!
//! # Layout
//!
//! - [`operator`]: the operators, their stable names and families, and
//!   [`build`], which applies a list of mutations to a request in a fixed
//!   phase order (tree, attack, bytes, transport).
//! - [`attack`]: the XML attack library (billion laughs, external entities,
//!   deep nesting, attribute and namespace-declaration bombs, a 100 MB body).
//! - [`body`]: [`RequestBody`], either bytes or a [`GeneratedBody`] produced
//!   chunk by chunk, so a 100 MB body is never held in memory unless the
//!   sender asks for it in one piece; [`RequestBody::to_wire`] gives a hyper
//!   body that streams it with Content-Length or chunked ([`Framing`]).
//! - [`strategy`]: proptest strategies ([`mutations`]) whose shrinking
//!   removes operators and lowers choices (shorter text, smaller cuts), and
//!   [`seeded_runner`], a `TestRunner` that gives the same sequence for a
//!   seed, and [`case_runner`], one per case so a case is generated again
//!   alone from (seed, case number).
//! - [`shrink`]: [`Shrinker`], the same shrinking step by step for a caller
//!   that sends each candidate asynchronously, plus removal of seed
//!   elements (towards a minimal envelope).
//! - [`oracle`]: [`judge`], the verdict on one answer, and the finding kinds
//!   failures are grouped by.
//! - [`chain`]: the stateful family (use after Release, Pull after expiry,
//!   Delete then Get, Receive on a deleted shell): the types of the captured
//!   state and of the requests and expectations built from it.
//!
//! The order of one case: corpus case -> render -> [`CaseRequest`] ->
//! [`build`] (or [`mutations`]) -> [`MutatedRequest`] -> send -> [`judge`].

pub mod attack;
pub mod body;
pub mod chain;
pub mod operator;
pub mod oracle;
pub mod regression;
pub mod run;
pub mod shrink;
pub mod strategy;

#[cfg(test)]
mod tests;

pub use body::{GeneratedBody, RequestBody, WireBody};
pub use chain::{CaptureKind, CapturedState, ChainKind, ChainRequest};
pub use operator::{build, Family, Mutation, Operator, ParseMutationError};
pub use oracle::{judge, Finding, FindingKind, Oracle, Outcome, Verdict};
pub use run::{fuzz, Find, FuzzConfig, FuzzOutcome, ServerProbe, ServerReadings, ServerSample, DEFAULT_CASES};
pub use shrink::Shrinker;
pub use strategy::{case_runner, mutations, mutations_of, seeded_runner};

use bytes::Bytes;
use wsman_client::RawAuth;

/// The default Content-Type of a rendered request.
pub const SOAP_CONTENT_TYPE: &str = "application/soap+xml;charset=UTF-8";

/// A rendered corpus request, before mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRequest {
    /// The corpus case it comes from (`core/identify/identify-basic`).
    pub case: String,
    /// The rendered envelope, UTF-8.
    pub body: Vec<u8>,
    /// Content-Type header (`None`: no header).
    pub content_type: Option<String>,
    /// Extra HTTP headers, in order.
    pub headers: Vec<(String, String)>,
}

impl CaseRequest {
    /// A request with the SOAP Content-Type and no extra headers.
    pub fn new(case: impl Into<String>, body: impl Into<Vec<u8>>) -> CaseRequest {
        CaseRequest { case: case.into(), body: body.into(), content_type: Some(SOAP_CONTENT_TYPE.to_owned()), headers: Vec::new() }
    }
}

/// How the body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// `Content-Length` with the body's length.
    #[default]
    ContentLength,
    /// `Transfer-Encoding: chunked` with chunks of this many octets and no
    /// Content-Length ([`RequestBody::to_wire`], streamed by the transport).
    Chunked {
        /// Octets per chunk (at least 1).
        chunk: usize,
    },
}

/// Which credentials go with a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// The session's own (the run's user).
    #[default]
    Session,
    /// No Authorization header.
    Missing,
    /// This Authorization value instead (a wrong password, a malformed
    /// header, an unknown scheme).
    Header(String),
}

impl Credentials {
    /// The raw exchange's form. A header value that HTTP cannot carry
    /// (control characters) is sent as no header at all.
    pub fn to_raw_auth(&self) -> RawAuth {
        match self {
            Credentials::Session => RawAuth::Session,
            Credentials::Missing => RawAuth::None,
            Credentials::Header(h) => match wsman_client::hyper::header::HeaderValue::from_str(h) {
                Ok(v) => RawAuth::Header(v),
                Err(_) => RawAuth::None,
            },
        }
    }

    /// True unless the session's own credentials are sent.
    pub fn is_stripped(&self) -> bool {
        *self != Credentials::Session
    }
}

/// What the oracle requires beyond its generic rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Expectation {
    /// The generic rules only.
    #[default]
    Any,
    /// A fault of one of these kinds (a stateful chain's last step).
    Fault(Vec<wsman_proto::FaultKind>),
}

/// Facts about the request as finally sent, read from its tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestFacts {
    /// `wsa:Action` (trimmed), when present once.
    pub action: Option<String>,
    /// `wsa:MessageID` (trimmed), when present exactly once.
    pub message_id: Option<String>,
    /// The body holds `wsmid:Identify`.
    pub identify: bool,
    /// The body sent is a well-formed envelope (no attack, encoding or
    /// truncation operator changed its bytes).
    pub well_formed: bool,
}

/// A request after mutation: what to send and how it came about.
#[derive(Debug, Clone, PartialEq)]
pub struct MutatedRequest {
    /// The corpus case of the seed request.
    pub case: String,
    /// The mutations that changed the request, in the order applied (one
    /// listed mutation may be missing here when it had nothing to act on).
    pub applied: Vec<Mutation>,
    /// The body.
    pub body: RequestBody,
    /// Framing of the body.
    pub framing: Framing,
    /// Content-Type (`None`: no header).
    pub content_type: Option<String>,
    /// Extra HTTP headers, in order.
    pub headers: Vec<(String, String)>,
    /// Credentials.
    pub credentials: Credentials,
    /// Facts for the oracle.
    pub facts: RequestFacts,
    /// An expectation beyond the generic rules.
    pub expect: Expectation,
}

impl MutatedRequest {
    /// The names of the operators applied, in order (for reports).
    pub fn operator_names(&self) -> Vec<&'static str> {
        self.applied.iter().map(|m| m.operator.name()).collect()
    }

    /// True when the body is streamed rather than sent in one piece
    /// (chunked framing or a generated body).
    pub fn needs_streaming(&self) -> bool {
        matches!(self.framing, Framing::Chunked { .. }) || matches!(self.body, RequestBody::Generated(_))
    }

    /// The raw exchange's request. A body that needs streaming (chunked
    /// framing, a generated body) goes as a [`wsman_client::BodySource`]
    /// that makes it chunk by chunk, never whole; any other in one piece.
    pub fn to_raw(&self) -> wsman_client::RawRequest {
        let streamed: Option<std::sync::Arc<dyn wsman_client::BodySource>> =
            if self.needs_streaming() { Some(std::sync::Arc::new(Streamed { body: self.body.clone(), framing: self.framing })) } else { None };
        wsman_client::RawRequest {
            method: None,
            path: None,
            content_type: self.content_type.clone(),
            headers: self.headers.clone(),
            auth: self.credentials.to_raw_auth(),
            body: if streamed.is_some() { Bytes::new() } else { self.body.to_bytes() },
            streamed,
            // The transport retries only when a kept-alive connection was found
            // closed before any byte of the answer, on a fresh connection: a
            // close there is still reported, so no dropped connection is hidden.
            replayable: true,
        }
    }
}

/// `bytes` sent chunked, `chunk` octets a chunk (a corpus step's `http.chunked`).
pub(crate) fn chunked_source(bytes: Bytes, chunk: usize) -> std::sync::Arc<dyn wsman_client::BodySource> {
    std::sync::Arc::new(Streamed { body: RequestBody::Bytes(bytes), framing: Framing::Chunked { chunk: chunk.max(1) } })
}

/// A body the transport streams: [`RequestBody::to_wire`] in its framing.
#[derive(Debug)]
struct Streamed {
    body: RequestBody,
    framing: Framing,
}

impl wsman_client::BodySource for Streamed {
    fn body(&self) -> wsman_client::http_body_util::combinators::UnsyncBoxBody<Bytes, std::convert::Infallible> {
        use wsman_client::http_body_util::BodyExt;
        self.body.to_wire(self.framing).boxed_unsync()
    }
}
