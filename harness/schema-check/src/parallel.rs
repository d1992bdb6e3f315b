//! Validating many documents on a rayon pool, one validator per worker thread.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::SchemaError;
use crate::validator::with_thread_validator;
use crate::violation::Violation;

/// The outcome for one file.
#[derive(Debug)]
pub struct FileReport {
    /// The file as given.
    pub path: PathBuf,
    /// The violations (empty: valid), or why the file could not be checked.
    pub result: Result<Vec<Violation>, SchemaError>,
}

impl FileReport {
    /// Whether the file was read and is valid.
    pub fn is_valid(&self) -> bool {
        matches!(&self.result, Ok(v) if v.is_empty())
    }
}

/// Reads and validates each file in parallel (rayon's global pool), in input order.
pub fn validate_files<P: AsRef<Path> + Sync>(paths: &[P]) -> Vec<FileReport> {
    paths
        .par_iter()
        .map(|p| {
            let path = p.as_ref().to_path_buf();
            let result = std::fs::read(&path)
                .map_err(|source| SchemaError::Read {
                    path: path.clone(),
                    source,
                })
                .and_then(|bytes| with_thread_validator(|v| v.validate(&bytes)));
            FileReport { path, result }
        })
        .collect()
}

/// Validates in-memory documents in parallel, in input order.
pub fn validate_many<B: AsRef<[u8]> + Sync>(documents: &[B]) -> Vec<Result<Vec<Violation>, SchemaError>> {
    documents
        .par_iter()
        .map(|d| with_thread_validator(|v| v.validate(d.as_ref())))
        .collect()
}
