//! The WS-Management client library: what WinRM's scripting objects
//! (`WSMan.Automation` → `Session` → `Get`/`Put`/`Create`/`Delete`/
//! `Enumerate`/`Invoke`/`Identify`) are to Windows scripts, for this
//! project's tools and tests.
//!
//! ```no_run
//! use wsman_client::{Endpoint, Resource, Session};
//! use wsman_client::message::Enumerate;
//!
//! # async fn demo() -> Result<(), wsman_client::Error> {
//! let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
//! let id = session.identify().await?;
//! println!("{:?} {:?}", id.product_vendor, id.protocol_versions);
//!
//! let winrm = session.get(&Resource::cimv2("Win32_Service").selector("Name", "WinRM")).await?;
//! println!("{:?}", winrm.to_instance().map(|i| i.get("State").cloned()));
//!
//! let mut services = session.enumerate(&Resource::cimv2("Win32_Service"), Enumerate { optimize: true, ..Enumerate::default() }).await?;
//! while let Some(item) = services.next().await {
//!     println!("{:?}", item?.to_instance());
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`Session`] ([`session`]): one endpoint, its transport and authenticator;
//!   the typed operations and the [`Session::raw`] exchange.
//! - [`Enumeration`] ([`enumeration`]): the items of an Enumerate, pulled to
//!   the end, released when dropped early.
//! - [`Endpoint`], [`TlsMode`] ([`endpoint`]): the connection settings; an
//!   [`Observer`] sees every HTTP message ([`WireMessage`], credentials cut out).
//! - [`RemoteShell`], [`RemoteCommand`] ([`shell`]): WinRS, the remote
//!   shell (Create, Command, Send, Receive long-polled, Signal, Delete).
//! - [`Subscription`] ([`eventing`]): WS-Eventing, Subscribe, event Pull
//!   (long-polled; TimedOut is "nothing yet"), Renew, GetStatus, Unsubscribe.
//! - [`EventSink`] ([`sink`]): the loopback HTTP listener push deliveries
//!   go to; it acknowledges them and hands their [`eventing::Notification`]s over in order.
//! - [`alias`]: resource URIs as typed (winrm's aliases, `?Name=Value`), [`Resource::parse`].
//! - [`auth`]: the [`auth::Authenticator`] trait (per-connection state, 401
//!   challenges, body wrapping) and [`auth::Basic`].
//! - the transport (private): a pool of HTTP/1.1 connections the crate owns,
//!   over TCP or rustls (ring); early responses, one retry on a fresh
//!   connection, a deadline and a response cap on every exchange.
//! - [`Error`] ([`error`]): one opaque error with [`ErrorKind`]: SOAP faults
//!   decoded ([`Error::fault`]), transport failures classified, protocol
//!   violations (RelatesTo, Action, undecodable).
//!
//! Requests are built and responses parsed with [`wsman_proto`]'s typed
//! messages ([`message`]), the vocabulary the reference server uses too.
#![warn(missing_docs)]

pub mod alias;
pub mod auth;
pub mod endpoint;
pub mod enumeration;
pub mod error;
pub mod eventing;
#[cfg(feature = "negotiate")]
mod negotiate;
pub mod session;
pub mod shell;
pub mod sink;
mod transport;

pub use endpoint::{AuthScheme, Endpoint, TlsMode, DEFAULT_TIMEOUT, MAX_RESPONSE_BYTES};
pub use enumeration::Enumeration;
pub use error::{Error, ErrorKind, ProtocolKind, TransportKind};
pub use eventing::{DroppedNotice, Notification, PulledEvents, ReceivedEvent, SubscribeMode, SubscribeOptions, Subscription};
pub use session::{Resource, Session};
pub use shell::{CommandOptions, Output, Received, RemoteCommand, RemoteShell, ShellOptions};
pub use sink::EventSink;
pub use transport::{BodySource, Observer, RawAuth, RawRequest, RawResponse, WireMessage, POOL_IDLE_TIMEOUT};

/// Body combinators ([`BodySource`] returns a boxed body).
pub use http_body_util;
/// The HTTP types of the raw exchange (headers, header values).
pub use hyper;
/// The typed message bodies requests are built from and responses decoded to.
pub use wsman_proto::message;
