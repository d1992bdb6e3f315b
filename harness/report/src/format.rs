//! Output formats, their default file names, and writing several at once.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::model::RunReport;

/// One report format, as named by `--format json,junit,html,md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `report.json`: the DESIGN.md contract.
    Json,
    /// `report.junit.xml`: one testcase per case x assertion.
    Junit,
    /// `report.html`: one self-contained page.
    Html,
    /// `report.md`: a summary for a pull-request comment.
    Md,
}

impl Format {
    /// Every format, in the order of the default `--format` value.
    pub const ALL: [Format; 4] = [Format::Json, Format::Junit, Format::Html, Format::Md];

    /// The default file name in the report directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => crate::json::FILE_NAME,
            Format::Junit => crate::junit::FILE_NAME,
            Format::Html => crate::html::FILE_NAME,
            Format::Md => crate::markdown::FILE_NAME,
        }
    }

    /// The name accepted by [`FromStr`] (`json`, `junit`, `html`, `md`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Md => "md",
        }
    }

    /// Writes `report` in this format into `dir` (created if missing) and
    /// returns the path written.
    pub fn write(self, report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
        match self {
            Format::Json => crate::json::write(report, dir),
            Format::Junit => crate::junit::write(report, dir),
            Format::Html => crate::html::write(report, dir),
            Format::Md => crate::markdown::write(report, dir),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--format` value that names no known format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format {name:?} (expected json, junit, html or md)")]
pub struct UnknownFormat {
    /// The name given.
    pub name: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "junit" | "xml" => Ok(Format::Junit),
            "html" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Md),
            _ => Err(UnknownFormat { name: s.to_owned() }),
        }
    }
}

/// Parses a comma-separated list (`"json,junit,html,md"`): order kept,
/// duplicates dropped, empty items ignored. An empty list means
/// [`Format::ALL`].
pub fn parse_formats(list: &str) -> Result<Vec<Format>, UnknownFormat> {
    let mut out = Vec::new();
    for item in list.split(',').filter(|s| !s.trim().is_empty()) {
        let f: Format = item.parse()?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        out.extend(Format::ALL);
    }
    Ok(out)
}

/// Writes `report` in every format of `formats` into `dir`; returns the paths
/// written, in order. Stops at the first I/O error.
pub fn write_all(report: &RunReport, dir: &Path, formats: &[Format]) -> io::Result<Vec<PathBuf>> {
    formats.iter().map(|f| f.write(report, dir)).collect()
}

/// Creates `dir` if needed and writes `bytes` to `dir/name`.
pub(crate) fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    Ok(path)
}
