//! A parsed XML document (libxml2 tree) for XPath assertions and QName resolution.

use libxml::parser::{Parser, ParserOptions, XmlParseFailure};
use libxml::tree::Document;

use crate::error::SchemaError;
use crate::violation::{Violation, ViolationKind};
use crate::xpath::{PrefixMap, XPathEvaluator};

/// Parser options for untrusted envelopes: no recovery, no network, no DTD defaults,
/// libxml2's size limits kept, nothing printed. `drop_blanks` leaves out whitespace-only
/// text between elements (fewer nodes to build and validate; it does not change whether
/// a document is valid), so it is used for validation but not for XPath documents.
fn strict_options(drop_blanks: bool) -> ParserOptions<'static> {
    ParserOptions {
        recover: false,
        no_def_dtd: true,
        no_error: true,
        no_warning: true,
        pedantic: false,
        no_blanks: drop_blanks,
        no_net: true,
        no_implied: false,
        huge: false,
        compact: true,
        ignore_enc: false,
        encoding: None,
    }
}

/// Parses `bytes`; on failure returns the well-formedness violations.
pub(crate) fn parse(bytes: &[u8], drop_blanks: bool) -> Result<Document, Vec<Violation>> {
    let parser = Parser::default();
    match parser.parse_string_with_diagnostics(bytes, strict_options(drop_blanks)) {
        Ok((doc, _warnings)) => Ok(doc),
        Err(XmlParseFailure::ParseFailed(errors)) => {
            let mut out: Vec<Violation> = errors
                .iter()
                .filter(|e| {
                    matches!(
                        e.level,
                        libxml::error::XmlErrorLevel::Error | libxml::error::XmlErrorLevel::Fatal
                    )
                })
                .map(|e| Violation::from_libxml(ViolationKind::NotWellFormed, e))
                .collect();
            if out.is_empty() {
                out.push(plain(ViolationKind::NotWellFormed, "document could not be parsed"));
            }
            Err(out)
        }
        Err(other) => Err(vec![plain(ViolationKind::NotWellFormed, &other.to_string())]),
    }
}

pub(crate) fn plain(kind: ViolationKind, message: &str) -> Violation {
    Violation {
        kind,
        line: None,
        column: None,
        element: None,
        message: message.to_owned(),
    }
}

/// A response (or request) parsed by libxml2, for XPath assertions.
///
/// Not `Send`: keep it on the thread that parsed it.
pub struct XmlDocument {
    doc: Document,
}

impl std::fmt::Debug for XmlDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmlDocument").finish_non_exhaustive()
    }
}

impl XmlDocument {
    /// Parses well-formed XML (no recovery, no network access).
    ///
    /// # Errors
    /// [`SchemaError::NotWellFormed`] with libxml2's first messages.
    pub fn parse(bytes: &[u8]) -> Result<Self, SchemaError> {
        parse(bytes, false).map(|doc| Self { doc }).map_err(|violations| {
            let text: Vec<String> = violations.iter().take(3).map(ToString::to_string).collect();
            SchemaError::NotWellFormed(text.join("; "))
        })
    }

    /// An XPath evaluator over this document with `prefixes` registered.
    ///
    /// # Errors
    /// [`SchemaError::XPath`] if libxml2 cannot make a context,
    /// [`SchemaError::Prefix`] if a prefix cannot be registered.
    pub fn xpath(&self, prefixes: &PrefixMap) -> Result<XPathEvaluator<'_>, SchemaError> {
        XPathEvaluator::new(self, prefixes)
    }

    pub(crate) fn inner(&self) -> &Document {
        &self.doc
    }
}
