//! `report.json`: the JSON contract of DESIGN.md, pretty-printed.

use std::io;
use std::path::{Path, PathBuf};

use crate::model::RunReport;

/// Default file name.
pub const FILE_NAME: &str = "report.json";

/// The report as pretty-printed JSON (with a trailing newline).
pub fn to_string(report: &RunReport) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}

/// Writes `dir/report.json`.
pub fn write(report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
    let text = to_string(report).map_err(io::Error::other)?;
    crate::format::write_file(dir, FILE_NAME, text.as_bytes())
}

/// Why a report file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not a report (bad JSON, missing field, summary mismatch).
    #[error("{path} is not a wsman-harness report: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

/// Parses a report from JSON text.
pub fn from_str(text: &str) -> Result<RunReport, serde_json::Error> {
    serde_json::from_str(text)
}

/// Reads and parses a `report.json` file.
pub fn read(path: &Path) -> Result<RunReport, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| ReadError::Json {
        path: path.to_owned(),
        source,
    })
}
