//! Errors of this crate.

use std::path::PathBuf;

/// Why a schema set, a validator or an XPath evaluation could not be set up or run.
///
/// Problems *in a document* are not errors: they are [`crate::Violation`]s.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// Writing the embedded schemas to their temporary folder failed.
    #[error("cannot write schema file {path}: {source}")]
    Materialize {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A schema folder or its entry schema is missing.
    #[error("schema entry point {0} not found")]
    MissingEntry(PathBuf),
    /// libxml2 rejected the schemas (the messages are libxml2's).
    #[error("schemas do not compile: {0}")]
    Compile(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The document is not well-formed XML (the messages are libxml2's).
    #[error("not well-formed XML: {0}")]
    NotWellFormed(String),
    /// An XPath expression does not compile or failed to evaluate.
    #[error("XPath error in `{expression}`: {message}")]
    XPath {
        /// The expression as given.
        expression: String,
        /// What libxml2 reported.
        message: String,
    },
    /// A namespace prefix could not be registered on an XPath context.
    #[error("cannot register XPath prefix `{0}`")]
    Prefix(String),
    /// The document has no element the operation needs.
    #[error("{0}")]
    Missing(String),
    /// A QName value could not be resolved.
    #[error("QName `{value}`: {reason}")]
    QName {
        /// The lexical value.
        value: String,
        /// Why it does not resolve.
        reason: &'static str,
    },
}
