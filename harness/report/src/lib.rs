//! Reporters for wsman-harness runs.
//!
//! A runner (the driver's `check`, later `fuzz`) tells its reporters what
//! happens through a stream of [`RunEvent`]s; [`ReportCollector`] builds the
//! [`RunReport`] from that stream, and this crate turns the report into files
//! and text, and compares or merges runs.
//!
//! # Layout
//!
//! - [`event`]: the stream ([`RunEvent`], [`RunMeta`]) and the [`Reporter`]
//!   trait its consumers implement.
//! - [`collect`]: [`ReportCollector`], the reporter that assembles a [`RunReport`].
//! - [`model`]: the run data model, whose JSON form is the DESIGN.md contract
//!   (`RunReport`, `AssertionResult`, `Status`, `CaseRecord`, `Exchange`);
//!   the summary and case outcomes are computed, never stored.
//! - [`groups`]: computed views a vendor reads first: root-cause groups of
//!   the failures ([`groups::groups`]), the profile x status table and one
//!   verdict line per profile ([`groups::profile_rows`]), the run verdict.
//! - [`format`](mod@format): the [`Format`] enum (`json,junit,html,md`), default file
//!   names, [`write_all`].
//! - [`json`], [`junit`], [`html`], [`markdown`]: one writer each,
//!   `write(&RunReport, dir) -> io::Result<PathBuf>`.
//! - [`console`]: the short plain-text summary the CLI prints.
//! - [`diff`](mod@diff): [`diff()`] of two runs (regressions, fixes, ...);
//!   [`merge`](mod@merge): [`merge()`] of several runs.
//! - [`load`]: the load report ([`load::LoadReport`]): JSON, Markdown;
//!   [`plot`]: its HTML page with inline SVG plots (plotters).

pub mod collect;
pub mod console;
pub mod diff;
pub mod event;
pub mod format;
pub mod groups;
pub mod html;
pub mod json;
pub mod junit;
pub mod load;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod plot;

pub use collect::ReportCollector;
pub use diff::{corpus_change, diff, target_change, Diff, DiffEntry};
pub use event::{from_fn, FnReporter, Reporter, RunEvent, RunMeta};
pub use format::{parse_formats, write_all, Format, UnknownFormat};
pub use groups::{AssertionRollup, FaultSeen, Group, ProfileRow};
pub use merge::{merge, MergeError};
pub use model::{
    AssertionResult, CaseRecord, Exchange, IdentifyRecord, ResultKey, RunAudit, RunKind, RunReport, RunTimeouts, Severity, StalledAction, Status, Summary,
    SummaryMismatch, TargetRecord, WaiverRecord,
};
