//! Sans-IO WS-Management protocol model and XML codec.
//!
//! No tokio, no hyper, no clock: bytes and `now` in, values and bytes out.
//!
//! # Layout
//!
//! - [`ns`]: every namespace URI, spelled once.
//! - [`xml`]: the namespace-resolved element tree, its hardened reader
//!   (quick-xml `NsReader`) and its writer (quick-xml `Writer`).
//! - [`envelope`]: SOAP 1.2 envelope decode/encode, [`envelope::DecodeError`]
//!   and its mapping to faults, wire faults.
//! - [`header`]: the WS-Addressing and WS-Management headers.
//! - [`message`]: typed bodies, one per operation's request and response, each with one decode and one encode.
//! - [`action`]: `wsa:Action` URIs as an open enum.
//! - [`selector`]: `wsman:SelectorSet` and `wsman:OptionSet`.
//! - [`duration`]: the `xs:duration` type of timeouts and expirations; [`datetime`]: `xs:dateTime`.
//! - [`wql`]: the WQL subset of WS-Man filters, parsed and evaluated.
//! - [`state`]: lifecycle state machines (enumeration contexts, WinRS shells,
//!   event subscriptions), taking `now`.
//! - [`fault`]: the fault table, one enum and one mapping function.
//! - [`instance`]: CIM instances and property values.
//! - [`manual`]: design notes: the decisions where the specifications leave room.
//! - [`provider`]: the resource-provider trait that simulated hosts and the
//!   BMC simulator implement.
#![warn(missing_docs)]

pub mod action;
pub mod datetime;
pub mod duration;
pub mod envelope;
pub mod fault;
pub mod header;
pub mod instance;
pub mod manual;
pub mod message;
pub mod ns;
pub mod provider;
pub mod selector;
pub mod state;
pub mod wql;
pub mod xml;

pub use action::Action;
pub use duration::XsDuration;
pub use envelope::{DecodeError, Envelope, WireFault};
pub use fault::{Fault, FaultDetail, FaultKind, SoapCode};
pub use header::Header;
pub use instance::{Instance, Property, Value};
pub use provider::{CallContext, MethodResult, ResourceProvider, SharedInstance};
pub use selector::{OptionSet, SelectorSet};
pub use xml::{Element, Limits};
