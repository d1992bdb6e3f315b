//! Typed message bodies: one type per operation's request and response body,
//! each with one decode and one encode over the namespace-resolved element
//! tree ([`crate::xml::Element`]).
//!
//! The envelope ([`crate::Envelope`]) gives the header block and the children
//! of `s:Body`; a [`Message`] turns those children into a typed value and back.
//! The server's operations parse requests and build responses with these
//! types; the client builds requests and parses responses with the same ones,
//! so both sides share one vocabulary (rustls `msgs/`).
//!
//! | operation | request | response | module |
//! |---|---|---|---|
//! | Identify (DSP0226 §11) | [`Identify`] | [`IdentifyResponse`] | [`identify`] |
//! | Get (DSP0226 §7.3) | [`Get`] | [`GetResponse`] | [`transfer`] |
//! | Put (DSP0226 §7.5) | [`Put`] | [`PutResponse`] | [`transfer`] |
//! | Create (DSP0226 §7.6) | [`Create`] | [`CreateResponse`] | [`transfer`] |
//! | Delete (DSP0226 §7.7) | [`Delete`] | [`DeleteResponse`] | [`transfer`] |
//! | Enumerate (DSP0226 §8.2) | [`Enumerate`] | [`EnumerateResponse`] | [`enumeration`] |
//! | Pull (DSP0226 §8.4) | [`Pull`] | [`PullResponse`] | [`enumeration`] |
//! | Release (WS-Enumeration §3.5) | [`Release`] | [`ReleaseResponse`] | [`enumeration`] |
//! | custom method (DSP0226 §9) | [`MethodInput`] | [`MethodOutput`] | [`method`] |
//! | Subscribe, Renew, GetStatus, Unsubscribe, SubscriptionEnd (DSP0226 §10.2-10.6) | [`Subscribe`], [`Renew`], [`GetStatus`], [`Unsubscribe`] | [`SubscribeResponse`], [`RenewResponse`], [`GetStatusResponse`], [`UnsubscribeResponse`]; [`SubscriptionEnd`] to EndTo | [`eventing`] |
//! | event delivery (DSP0226 §10.2.3, §10.7-10.8) | [`eventing::Event`], [`eventing::Events`], [`eventing::Heartbeat`], [`eventing::DroppedEvents`] | [`eventing::Ack`] | [`eventing`] |
//! | WinRS Create, Command, Send, Receive, Signal (MS-WSMV §3.1.4.5, §3.1.4.11-14) | [`shell::Shell`], [`shell::CommandLine`], [`shell::Send`], [`shell::Receive`], [`shell::Signal`] | [`CreateResponse`] + [`shell::Shell`], [`shell::CommandResponse`], [`shell::SendResponse`], [`shell::ReceiveResponse`], [`shell::SignalResponse`] | [`shell`] |
//!
//! Shared pieces: [`EndpointReference`] (`wsa:EndpointReferenceType` content,
//! [`epr`]) and [`Item`] (one enumeration item, [`item`]).
//!
//! # Decisions
//!
//! **Errors.** Decoding returns a [`MessageError`], not a [`Fault`]: the client
//! decodes responses and wants to say what was wrong with them, not a fault it
//! would never send; tests match variants. [`MessageError::to_fault`] is the one
//! mapping to the fault the reference server answers, an exhaustive `match`
//! (STYLE §7), and each variant keeps the kind and detail the server's
//! operations answered for that input before these types existed (the table
//! is in [`MessageError`]'s documentation).
//!
//! **Unsupported is not malformed.** A filter dialect other than WQL and
//! SelectorFilter, or an `xs:dateTime` Expires, is valid WS-Enumeration: the
//! message types represent them ([`Filter::Other`], [`Expires::DateTime`]) so a
//! client can send them to other endpoints and decode∘encode is the identity.
//! The reference server, which implements neither, calls
//! [`Enumerate::decode_supported`], which refuses them *at the point they are
//! read*, so a request with several problems gets the same fault as before.
//!
//! **Absent versus empty.** `wsen:EnumerationContext` is `Option<String>`:
//! `None` is no element (a last `PullResponse`), `Some("")` the empty element
//! Windows sends in an `EnumerateResponse` that already ends the sequence.
//! [`EnumerateResponse::items`] is `Option` too: an optimized enumeration with
//! no result has no `wsman:Items` on Windows, a non-optimized one never has it.
//!
//! **Items stay elements.** Enumeration items are the [`Element`]s of the tree
//! as they were read (or pre-rendered by the server when the enumeration
//! started), so neither side re-serializes or re-parses them; [`Item`] is the
//! typed view (object, EPR, or both) with conversions to and from
//! [`crate::Instance`]. Decoding from an owned body ([`Message::decode_owned`])
//! and encoding by value ([`Message::into_body`]) move them instead of cloning.
//!
//! **Context-dependent checks stay out of decode.** Whether a representation's
//! namespace is the request's ResourceURI, or an `_INPUT` element names the
//! method of the Action, depends on the header: [`check_representation`] and
//! [`MethodInput::check`] do those checks and return the same
//! [`MessageError`] family, so the server calls decode, then the check.
//!
//! **Leniency kept from the server.** Children are found by (namespace, local
//! name) anywhere in the message element, not by schema order; unknown
//! children are ignored; text values are trimmed; an unparsable
//! `wsen:MaxCharacters` or `wsen:MaxTime` (hints) is dropped as the server
//! always did. A body that should be empty (Get, Delete, their responses,
//! ReleaseResponse) is not checked.

pub mod enumeration;
pub mod epr;
pub mod eventing;
pub mod identify;
pub mod item;
pub mod method;
pub mod shell;
pub mod transfer;

pub use enumeration::{Enumerate, EnumerateResponse, EnumerationMode, Expires, Filter, Pull, PullResponse, Release, ReleaseResponse};
pub use epr::EndpointReference;
pub use eventing::{
    Bookmark, DeliveryMode, EventExpires, ExpiresValue, GetStatus, GetStatusResponse, Renew, RenewResponse, Subscribe, SubscribeResponse, SubscriptionEnd,
    Unsubscribe, UnsubscribeResponse,
};
pub use identify::{Identify, IdentifyResponse};
pub use item::{instance_from_element, Item};
pub use method::{MethodInput, MethodOutput};
pub use transfer::{check_representation, Create, CreateResponse, Delete, DeleteResponse, Get, GetResponse, Put, PutResponse};

use crate::action::Action;
use crate::fault::{Fault, FaultDetail, FaultKind};
use crate::xml::Element;

/// A message body: decode from the children of `s:Body`, encode back to them.
///
/// `decode(encode(m)) == m` for every value (the property tests in
/// `tests/it/message.rs`); the reverse holds up to what the decoder ignores
/// (unknown children, whitespace, namespace prefixes).
pub trait Message: Sized + Clone {
    /// The `wsa:Action` this message travels with; `None` for Identify, which
    /// has no WS-Addressing headers (DSP0226 §11).
    fn action(&self) -> Option<Action>;

    /// Decodes the children of `s:Body`.
    fn decode(body: &[Element]) -> Result<Self, MessageError>;

    /// Decodes an owned body, moving items and representations out of it
    /// instead of cloning them. Same result as [`decode`](Self::decode).
    fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
        Self::decode(&body)
    }

    /// Encodes as the children of `s:Body`, consuming the message (items move).
    fn into_body(self) -> Vec<Element>;

    /// Encodes as the children of `s:Body`.
    fn encode(&self) -> Vec<Element> {
        self.clone().into_body()
    }
}

/// Why a body is not the message it should be.
///
/// [`to_fault`](Self::to_fault) maps each variant to the fault the reference
/// server answers, kept from the operations' own parsers:
///
/// | variant | fault kind | detail |
/// |---|---|---|
/// | [`MissingBody`](Self::MissingBody), [`MissingElement`](Self::MissingElement), [`InvalidEndpointReference`](Self::InvalidEndpointReference) | `wsman:SchemaValidationError` | |
/// | [`MissingEnumerationContext`](Self::MissingEnumerationContext) | `wsen:InvalidEnumerationContext` | |
/// | [`MissingSubscriptionIdentifier`](Self::MissingSubscriptionIdentifier) | `wse:InvalidMessage` | |
/// | [`InvalidHeartbeats`](Self::InvalidHeartbeats) | `wsman:InvalidParameter` | `Heartbeats` |
/// | [`InvalidMaxElements`](Self::InvalidMaxElements), [`InvalidValue`](Self::InvalidValue) | `wsman:InvalidParameter` | `InvalidValue` |
/// | [`InvalidExpirationTime`](Self::InvalidExpirationTime) | `wsen:InvalidExpirationTime` | `ExpirationTime` |
/// | [`UnsupportedExpirationType`](Self::UnsupportedExpirationType) | `wsen:UnsupportedExpirationType` | `ExpirationTime` |
/// | [`UnknownEnumerationMode`](Self::UnknownEnumerationMode) | `wsman:UnsupportedFeature` | `EnumerationMode` |
/// | [`MissingFilterSelectorSet`](Self::MissingFilterSelectorSet), [`InvalidFilterSelectorSet`](Self::InvalidFilterSelectorSet) | `wsman:CannotProcessFilter` | |
/// | [`UnsupportedFilterDialect`](Self::UnsupportedFilterDialect) | `wsen:FilterDialectRequestedUnavailable` | |
/// | [`EmptyRepresentation`](Self::EmptyRepresentation), [`ExtraRepresentation`](Self::ExtraRepresentation), [`RepresentationMismatch`](Self::RepresentationMismatch), [`InvalidProperty`](Self::InvalidProperty), [`NotMethodInput`](Self::NotMethodInput) | `wxf:InvalidRepresentation` | |
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The Body does not hold the message element.
    #[error("the Body must hold {expected}")]
    MissingBody {
        /// The element expected, as `prefix:Name` for humans.
        expected: &'static str,
    },
    /// A Pull or Release names no enumeration context (or a Release has no body).
    #[error("{message} needs wsen:EnumerationContext")]
    MissingEnumerationContext {
        /// `Pull` or `Release`.
        message: &'static str,
    },
    /// A Renew, GetStatus or Unsubscribe without the `wse:Identifier` header
    /// that names its subscription.
    #[error("the message names no subscription (no wse:Identifier header)")]
    MissingSubscriptionIdentifier,
    /// `wsman:Heartbeats` is not an `xs:duration`.
    #[error("wsman:Heartbeats {0:?} is not an xs:duration")]
    InvalidHeartbeats(String),
    /// `MaxElements` is not a positive integer.
    #[error("MaxElements must be a positive integer, not {0:?}")]
    InvalidMaxElements(String),
    /// `wsen:Expires` is neither an `xs:duration` nor shaped like an `xs:dateTime`.
    #[error("wsen:Expires {0:?} is not an xs:duration")]
    InvalidExpirationTime(String),
    /// `wsen:Expires` is an absolute time, which the reference server does not support.
    #[error("wsen:Expires {0:?} is not supported; use an xs:duration")]
    UnsupportedExpirationType(String),
    /// `wsman:EnumerationMode` is not `EnumerateEPR` or `EnumerateObjectAndEPR`.
    #[error("EnumerationMode {0} is not supported")]
    UnknownEnumerationMode(String),
    /// A SelectorFilter without its `wsman:SelectorSet`.
    #[error("a SelectorFilter needs a wsman:SelectorSet")]
    MissingFilterSelectorSet,
    /// A SelectorFilter whose selector set does not decode.
    #[error("invalid SelectorFilter: {0}")]
    InvalidFilterSelectorSet(String),
    /// A filter dialect the reference server does not implement.
    #[error("the filter dialect {0} is not supported")]
    UnsupportedFilterDialect(String),
    /// A Put or Create (or custom method) with an empty Body.
    #[error("the Body is empty; it must hold {expected}")]
    EmptyRepresentation {
        /// What it must hold, for humans.
        expected: &'static str,
    },
    /// A Put or Create whose Body holds more than one element.
    #[error("the Body holds more than one element")]
    ExtraRepresentation,
    /// The representation is not of the addressed resource (namespace or class,
    /// or the `_INPUT` element of another method).
    #[error("the representation is {{{found_ns}}}{found}, expected {{{expected_ns}}}{expected}")]
    RepresentationMismatch {
        /// Namespace of the element found.
        found_ns: String,
        /// Local name of the element found.
        found: String,
        /// The namespace expected (the ResourceURI).
        expected_ns: String,
        /// The local name expected (class name or `<Method>_INPUT`).
        expected: String,
    },
    /// A property of a representation has a structure that is not a value.
    #[error("invalid property: {0}")]
    InvalidProperty(String),
    /// The Body of a custom method is not a `<Method>_INPUT` element.
    #[error("the body must be a <Method>_INPUT element in the resource namespace, not {0}")]
    NotMethodInput(String),
    /// A required child element is missing (responses, endpoint references).
    #[error("{parent} has no {child}")]
    MissingElement {
        /// The element missing a child, as `prefix:Name`.
        parent: &'static str,
        /// The missing child, as `prefix:Name`.
        child: &'static str,
    },
    /// An endpoint reference whose reference parameters do not decode.
    #[error("invalid endpoint reference: {0}")]
    InvalidEndpointReference(String),
    /// A value that does not parse as its type (a WinRS base64 payload,
    /// boolean, exit code or duration; see [`shell`]).
    #[error("{element} has an invalid value {value:?}")]
    InvalidValue {
        /// The element or attribute, as `prefix:Name` or `prefix:Name@Attr`.
        element: &'static str,
        /// The value found.
        value: String,
    },
}

impl MessageError {
    /// The one mapping from a message error to the fault the server answers.
    pub fn to_fault(&self) -> Fault {
        let (kind, detail) = match self {
            MessageError::MissingBody { .. } | MessageError::MissingElement { .. } | MessageError::InvalidEndpointReference(_) => {
                (FaultKind::SchemaValidationError, None)
            }
            MessageError::MissingEnumerationContext { .. } => (FaultKind::InvalidEnumerationContext, None),
            MessageError::MissingSubscriptionIdentifier => (FaultKind::InvalidMessage, None),
            MessageError::InvalidHeartbeats(_) => (FaultKind::InvalidParameter, Some(FaultDetail::Heartbeats)),
            MessageError::InvalidMaxElements(_) | MessageError::InvalidValue { .. } => (FaultKind::InvalidParameter, Some(FaultDetail::InvalidValue)),
            MessageError::InvalidExpirationTime(_) => (FaultKind::EnumerationInvalidExpirationTime, Some(FaultDetail::ExpirationTime)),
            MessageError::UnsupportedExpirationType(_) => (FaultKind::UnsupportedExpirationType, Some(FaultDetail::ExpirationTime)),
            MessageError::UnknownEnumerationMode(_) => (FaultKind::UnsupportedFeature, Some(FaultDetail::EnumerationMode)),
            MessageError::MissingFilterSelectorSet | MessageError::InvalidFilterSelectorSet(_) => (FaultKind::CannotProcessFilter, None),
            MessageError::UnsupportedFilterDialect(_) => (FaultKind::FilterDialectRequestedUnavailable, None),
            MessageError::EmptyRepresentation { .. }
            | MessageError::ExtraRepresentation
            | MessageError::RepresentationMismatch { .. }
            | MessageError::InvalidProperty(_)
            | MessageError::NotMethodInput(_) => (FaultKind::InvalidRepresentation, None),
        };
        let fault = Fault::new(kind, self.to_string());
        match detail {
            Some(d) => fault.with_detail(d),
            None => fault,
        }
    }
}

impl From<MessageError> for Fault {
    fn from(e: MessageError) -> Fault {
        e.to_fault()
    }
}

/// The first body element with this namespace and local name.
fn find<'a>(body: &'a [Element], ns: &str, name: &str) -> Option<&'a Element> {
    body.iter().find(|e| e.is(ns, name))
}

/// Moves the first body element with this namespace and local name out of `body`.
fn take(body: Vec<Element>, ns: &str, name: &str) -> Option<Element> {
    body.into_iter().find(|e| e.is(ns, name))
}

/// The trimmed text of an element.
fn trimmed(el: &Element) -> String {
    el.text().trim().to_owned()
}

/// An empty element (`<x:Name/>`) in `ns`.
fn flag(ns: &str, name: &str) -> Element {
    Element::ns(ns, name)
}

/// An element in `ns` holding `text` (no text node when it is empty).
fn text_element(ns: &str, name: &str, text: impl Into<String>) -> Element {
    let text = text.into();
    let el = Element::ns(ns, name);
    if text.is_empty() {
        el
    } else {
        el.with_text(text)
    }
}
