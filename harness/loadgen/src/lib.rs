//! The load generator of wsman-harness (`wsman-harness load`).
//!
//! A run composes a [`Schedule`] (closed: N users each as fast as answers
//! come; open: a fixed rate, latency from each request's intended start, so
//! coordinated omission is corrected as wrk2 does) with a [`Stop`] (a count
//! or a duration), after an uncounted warm-up. Each virtual user owns one
//! [`wsman_client::Session`], so one HTTP/1.1 keep-alive connection (HTTP
//! or TLS, Basic or any [`wsman_client::auth::Authenticator`]).
//!
//! # Layout
//!
//! - [`schedule`]: [`Schedule`], [`Stop`], [`Shard`] (`--shard I/N`).
//! - [`mix`]: `--mix OP=W,...` ([`parse_mix`]), the weighted [`Mix`].
//! - [`op`]: the [`Operation`] trait, its step timer, [`op::RequestOp`]
//!   for requests made elsewhere (corpus cases), and [`op::builtin`].
//! - [`class`]: [`ErrorClass`]: transport, HTTP status, fault subcode.
//! - [`engine`]: [`run`]: users, samples, the collector; [`LoadResult`].
//! - [`record`]: per-slot HDR histograms, the error table, the throughput
//!   series, the HDR interval log.
//! - [`hdrlog`]: reading interval logs back and merging shards exactly.
//! - [`slo`]: `--slo 'p99<50ms,errors<0.1%'`; [`knee`]: `--find-knee`.
//! - [`sampler`]: CPU time of a set of threads and the process RSS, from /proc.

pub mod class;
pub mod engine;
pub mod hdrlog;
pub mod knee;
pub mod mix;
pub mod op;
pub mod record;
pub mod sampler;
pub mod schedule;
pub mod slo;

pub use class::ErrorClass;
pub use engine::{run, Live, LoadConfig, LoadError, LoadResult, OpResult};
pub use mix::{parse_mix, Mix, MixEntry, MixError};
pub use op::{Expect, Operation, RequestOp, Steps};
pub use record::{SeriesPoint, SlotStats};
pub use schedule::{Schedule, Shard, Stop};
