//! A problem found in a document.

use std::fmt;

/// What kind of rule a [`Violation`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// The bytes are not well-formed (namespace-well-formed) XML.
    NotWellFormed,
    /// The document does not conform to the schemas.
    Schema,
    /// An element of a protocol namespace that its schema does not define, admitted by a
    /// lax wildcard (see [`crate::declared`]).
    Undeclared,
}

/// One problem in a document, as reported by libxml2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Well-formedness or schema.
    pub kind: ViolationKind,
    /// 1-based line of the offending element, when libxml2 knows it.
    pub line: Option<u32>,
    /// 1-based column (well-formedness errors only).
    pub column: Option<u32>,
    /// The element concerned in Clark notation (`{namespace}local`, or `local` without
    /// a namespace), when the message names one.
    pub element: Option<String>,
    /// libxml2's message, whitespace trimmed.
    pub message: String,
}

impl Violation {
    /// Builds a violation from a libxml2 structured error.
    pub(crate) fn from_libxml(kind: ViolationKind, error: &libxml::error::StructuredError) -> Self {
        let message = error.message.as_deref().unwrap_or("").trim().to_owned();
        Self {
            kind,
            line: error.line.and_then(|l| u32::try_from(l).ok()),
            column: error.col.and_then(|c| u32::try_from(c).ok()),
            element: element_in_message(&message),
            message,
        }
    }

    /// The local name of [`Violation::element`] (after the `}`), if any.
    pub fn element_local_name(&self) -> Option<&str> {
        self.element
            .as_deref()
            .map(|e| e.rsplit_once('}').map_or(e, |(_, local)| local))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: ")?,
            None => write!(f, "line ?: ")?,
        }
        if let Some(element) = &self.element {
            write!(f, "element {element}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// libxml2's schema messages start with `Element '{ns}local'` (possibly followed by
/// `, attribute ...`). Returns the quoted name.
fn element_in_message(message: &str) -> Option<String> {
    const MARK: &str = "Element '";
    let start = message.find(MARK)? + MARK.len();
    let rest = message.get(start..)?;
    let end = rest.find('\'')?;
    let name = rest.get(..end)?;
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::element_in_message;

    #[test]
    fn element_name_is_taken_from_libxml_messages() {
        assert_eq!(
            element_in_message("Element '{urn:a}B', attribute 'C': bad").as_deref(),
            Some("{urn:a}B")
        );
        assert_eq!(element_in_message("Element 'x': This element is not expected.").as_deref(), Some("x"));
        assert_eq!(element_in_message("Start tag expected"), None);
        assert_eq!(element_in_message("Element '"), None);
    }
}
