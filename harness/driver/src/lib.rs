//! The conformance driver: runs the corpus against a WS-Management endpoint
//! and judges every response with libxml2 (through `schema-check`), an XML
//! stack independent of the reference server's codec.
//!
//! # Layout
//!
//! - [`corpus`]: manifests, templates, waivers, coverage (`corpus/README.md`
//!   documents the file format).
//! - [`render`]: `{{variable}}` substitution with XML escaping.
//! - [`target`]: [`Target`] — the resources of one endpoint by role (the
//!   built-in reference target or `check --target FILE`); a case needing a
//!   role the target lacks is SKIP.
//! - [`check`]: the assertion catalogue and the judge of one exchange.
//! - [`snapshot`]: canonical redacted XML, compare, diff, update.
//! - [`validate`]: [`validate::validate_paths`] — offline XSD and structural
//!   checks of envelope files, in parallel.
//! - [`exec`]: [`StepExecutor`] — one step (render, send, judge, snapshot)
//!   or one case (steps in order, repeats, captures across steps).
//! - [`runner`]: [`run`] — selection, concurrency bound, exclusive cases,
//!   waivers, the [`RunEvent`] stream told to [`report::Reporter`]s, and the
//!   [`report::RunReport`] collected from it.
//! - [`fuzz`]: mutation operators, the XML attack library, proptest
//!   strategies over a rendered request, and the fuzz oracle.
//! - [`liveness`]: the rule that fails fast the exchanges of an action the
//!   endpoint stopped answering (two consecutive timeouts), on top of
//!   [`wsman_client`]'s raw exchange (the transport: pooled connections over
//!   rustls, Basic auth, timeouts, early responses, one retry on a fresh
//!   connection).
//!
//! The path of a case: corpus case -> render -> raw exchange -> response ->
//! checks -> snapshot compare -> results (assertion ids and clauses) ->
//! events -> reporters (the report collector among them).

pub mod check;
pub mod corpus;
pub mod discover;
pub mod exec;
pub mod fuzz;
pub mod liveness;
pub mod render;
pub mod runner;
pub mod snapshot;
pub mod target;
pub mod validate;

pub use check::{Check, CATALOGUE};
pub use corpus::{Corpus, CorpusError, Waivers};
pub use exec::{CaseRun, PreparedStep, RequestAction, StepExecutor, StepOutcome};
pub use liveness::ExchangeError;
pub use report::{Reporter, RunEvent, RunMeta};
pub use runner::{run, target_skip, ChannelReporter, DriverError, RunConfig, DEFAULT_TIMEOUT, TARGET_SKIP};
pub use target::{Target, TargetError};
pub use validate::{validate_paths, ValidateError};
pub use wsman_client::{Endpoint, TlsMode};
