//! The conformance driver: runs the corpus against a WS-Management endpoint
//! and judges every response with libxml2 (through `schema-check`), an XML
//! stack independent of the reference server's codec.
//!
//! # Layout
//!
//! - [`corpus`]: manifests, templates, waivers, coverage (`corpus/README.md`
//!   documents the file format).
//! - [`render`]: `{{variable}}` substitution with XML escaping.
//! - [`client`]: hyper-util client over rustls (ring), Basic auth, timeouts.
//! - [`check`]: the assertion catalogue and the judge of one exchange.
//! - [`snapshot`]: canonical redacted XML, compare, diff, update.
//! - [`validate`]: [`validate::validate_paths`] — offline XSD and structural
//!   checks of envelope files, in parallel.
//! - [`runner`]: [`run`] — concurrency bound, scenarios with captures,
//!   waivers, events, the [`report::RunReport`].
//!
//! The path of a case: corpus case -> render -> HTTP client -> response ->
//! checks -> snapshot compare -> results (assertion ids and clauses) -> report.

pub mod check;
pub mod client;
pub mod corpus;
pub mod render;
pub mod runner;
pub mod snapshot;
pub mod validate;

pub use check::{Check, CATALOGUE};
pub use client::{TlsMode, Target, TransportError};
pub use corpus::{Corpus, CorpusError, Waivers};
pub use runner::{run, DriverError, RunConfig, RunEvent, DEFAULT_TIMEOUT};
pub use validate::{validate_paths, ValidateError};
