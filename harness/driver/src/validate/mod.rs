//! Offline validation of envelope files (`wsman-harness validate FILE|DIR...`):
//! XSD validation through libxml2 (`schema-check`) plus the structural rules
//! of [`rules`] that need no live endpoint, in parallel with rayon.
//!
//! The result is a [`RunReport`] of kind [`RunKind::Validate`]: one result per
//! file and rule ([`RULES`]), the case being the file path, so the CLI writes
//! the same report formats as `check`.
//!
//! - [`outline`]: element names, attributes and line numbers of an envelope (quick-xml).
//! - [`rules`]: the structural rules and their catalogue entries.
//! - [`actions`]: which Actions are known and which body each calls for.
//! - [`deviations`]: what Windows tolerates from real clients: WARN, or FAIL
//!   with [`Options::strict`].

pub mod actions;
pub mod deviations;
pub mod outline;
pub mod rules;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use report::{AssertionResult, CaseRecord, Exchange, RunKind, RunReport, Status};
use schema_check::SchemaError;

use crate::check::catalogue::{self as cat, Check};
use outline::Outline;
pub use rules::{RuleOutcome, RULES};

/// Upper bound on the files of one run (every loop is bounded).
pub const MAX_FILES: usize = 1_000_000;
/// Deepest directory level searched below a given directory.
pub const MAX_DEPTH: usize = 32;
/// Failing files' text kept in the report (bytes).
const MAX_STORED: usize = 64 * 1024;

/// Why a validation run could not be carried out (setup errors: exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// A path given, or a file or directory under it, could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The paths hold no envelope file.
    #[error("no envelope files (*.xml) under the given paths")]
    NoFiles,
    /// More than [`MAX_FILES`] files.
    #[error("more than {MAX_FILES} files under the given paths")]
    TooMany,
    /// The schemas could not be compiled.
    #[error("schemas unavailable: {0}")]
    Schemas(#[from] SchemaError),
}

/// How envelopes are judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Report the deviations Windows tolerates ([`deviations::DEVIATIONS`])
    /// as FAIL instead of WARN (`validate --strict`).
    pub strict: bool,
}

/// Validates every file named by `paths` (directories are searched for
/// `*.xml`, recursively; files are taken whatever their name) and returns
/// the report: per file, one result for each of [`RULES`].
///
/// # Errors
/// [`ValidateError`] when a path cannot be read, nothing is found, or the
/// schemas cannot be compiled; a bad envelope is a FAIL result, not an error.
pub fn validate_paths(paths: &[PathBuf], options: Options) -> Result<RunReport, ValidateError> {
    let started = Instant::now();
    let files = collect_files(paths)?;
    if files.is_empty() {
        return Err(ValidateError::NoFiles);
    }
    schema_check::with_thread_validator(|_| ())?;
    let per_file: Vec<Result<(Vec<AssertionResult>, CaseRecord), ValidateError>> = files
        .par_iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|source| ValidateError::Io { path: path.clone(), source })?;
            let case = path.display().to_string();
            let results = validate_envelope(&case, &bytes, options);
            let failed = results.iter().any(|r| r.status == Status::Fail);
            Ok((results, record(&case, &bytes, failed)))
        })
        .collect();
    let mut report = RunReport::new(RunKind::Validate, format!("wsman-harness {}", env!("CARGO_PKG_VERSION")), "");
    for r in per_file {
        let (results, case) = r?;
        report.results.extend(results);
        report.cases.push(case);
    }
    report.duration_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The results of every rule of [`RULES`] on one envelope, named `case`.
/// Never panics on bad input.
pub fn validate_envelope(case: &str, bytes: &[u8], options: Options) -> Vec<AssertionResult> {
    let result = |check: &Check, status: Status, message: String| AssertionResult {
        case: case.to_owned(),
        assertion: check.id.to_owned(),
        clause: check.clause.to_owned(),
        severity: check.severity,
        status,
        message,
        waiver: None,
    };
    let text = wsman_proto::xml::decode_text(bytes);
    let outline = match &text {
        Ok(text) => Outline::read(text).map_err(|e| e.to_string()),
        Err(e) => Err(format!("line 1: undecodable text: {e}")),
    };
    let outline = match outline {
        Ok(o) => o,
        Err(message) => {
            return RULES
                .iter()
                .map(|r| match r.id {
                    id if id == cat::XML_WELL_FORMED.id => result(r, Status::Fail, message.clone()),
                    _ => result(r, Status::Skip, "not well-formed XML".to_owned()),
                })
                .collect();
        }
    };
    let mut out = Vec::with_capacity(RULES.len());
    let mut rules = rules::envelope_rules(&outline).into_iter();
    if let Some(first) = rules.next() {
        out.push(result(first.rule, first.status, first.message));
    }
    // The schemas judge the envelope with the tolerated deviations blanked out
    // (same length, so lines do not move); only where the text read is the
    // bytes given (UTF-8), so the blanked ranges are the bytes' own.
    let found = deviations::find(&outline);
    let blanked = match &text {
        Ok(t) if t.as_bytes() == bytes => deviations::blanked(t, &found),
        _ => None,
    };
    let judged = blanked.as_ref().map_or(bytes, |t| t.as_bytes());
    out.push(match schema_check::with_thread_validator(|v| v.validate(judged)) {
        Ok(v) if v.is_empty() => result(&cat::SCHEMA_VALID, Status::Pass, String::new()),
        Ok(v) => {
            let mut text: Vec<String> = v.iter().take(5).map(ToString::to_string).collect();
            if v.len() > 5 {
                text.push(format!("... {} more", v.len() - 5));
            }
            result(&cat::SCHEMA_VALID, Status::Fail, text.join("; "))
        }
        Err(e) => result(&cat::SCHEMA_VALID, Status::Skip, format!("schemas unavailable: {e}")),
    });
    out.extend(rules.map(|r| result(r.rule, r.status, r.message)));
    for d in deviations::DEVIATIONS {
        let seen: Vec<&str> = found.iter().filter(|f| f.deviation.id == d.id).map(|f| f.message.as_str()).collect();
        out.push(if seen.is_empty() {
            result(d, Status::Pass, String::new())
        } else if options.strict {
            result(d, Status::Fail, format!("{} (tolerated by Windows; failed by --strict)", seen.join("; ")))
        } else {
            AssertionResult { waiver: Some(format!("tolerated by Windows: {}", d.summary)), ..result(d, Status::Warn, seen.join("; ")) }
        });
    }
    out
}

fn record(case: &str, bytes: &[u8], failed: bool) -> CaseRecord {
    let exchanges = if failed {
        let text = String::from_utf8_lossy(bytes);
        let mut end = text.len().min(MAX_STORED);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        vec![Exchange { step: "envelope".to_owned(), request: String::new(), response_status: 0, response: text[..end].to_owned() }]
    } else {
        Vec::new()
    };
    let title = Path::new(case).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    CaseRecord { id: case.to_owned(), title, profile: "validate".to_owned(), clause: String::new(), duration_ms: 0, exchanges }
}

/// The files to validate: each file path as given, and every `*.xml` below
/// each directory (sorted, at most [`MAX_DEPTH`] levels, [`MAX_FILES`] files).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ValidateError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| ValidateError::Io { path: p.clone(), source })?;
        if meta.is_dir() {
            walk(p, 0, &mut out)?;
        } else {
            out.push(p.clone());
        }
        if out.len() > MAX_FILES {
            return Err(ValidateError::TooMany);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), ValidateError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let io = |source| ValidateError::Io { path: dir.to_owned(), source };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).map_err(io)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(io)?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, depth + 1, out)?;
        } else if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
            out.push(p);
        }
        if out.len() > MAX_FILES {
            return Err(ValidateError::TooMany);
        }
    }
    Ok(())
}
