//! Deviations Windows tolerates from real clients (DESIGN.md "Windows is the
//! reference"): each is recognised precisely (this attribute, on this element,
//! at this place), reported as WARN under its own catalogue id, and blanked out
//! of the copy of the envelope that is validated against the schemas, so that
//! everything else in the envelope is still judged. `--strict` makes them FAIL.
//!
//! | id | what | who sends it |
//! |---|---|---|
//! | `deviation.unqualified-must-understand` | `mustUnderstand="true"` with no namespace on a header block or on a child of one (`wsa:ReplyTo/wsa:Address`) | pywinrm, the Ruby (WinRM gem) and Go (masterzen/winrm) clients |
//! | `deviation.qualified-command-id` | `rsp:CommandId` (shell namespace) instead of `CommandId` on `rsp:DesiredStream` | winrm4j (Apache CXF) |
//!
//! The schemas are not changed: a namespace-less `mustUnderstand` is not the
//! SOAP attribute (SOAP 1.2 Part 1 §5.2.3), and the shell schema declares
//! `CommandId` unqualified.

use std::ops::Range;

use wsman_proto::ns;

use super::outline::{Outline, OutlineAttribute, OutlineElement};
use crate::check::catalogue::{self as cat, Check};

/// The deviations recognised, in report order.
pub const DEVIATIONS: &[Check] = &[cat::DEVIATION_UNQUALIFIED_MUST_UNDERSTAND, cat::DEVIATION_QUALIFIED_COMMAND_ID];

/// One occurrence of a tolerated deviation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The deviation (one of [`DEVIATIONS`]).
    pub deviation: &'static Check,
    /// What was found, with its line (`line 5: a:Action mustUnderstand="true"`).
    pub message: String,
    /// The bytes to blank out in the copy given to the schema validator (the
    /// whole attribute, or only its prefix); `None` when the attribute could
    /// not be located, and the schema validation then judges it as written.
    pub blank: Option<Range<usize>>,
}

/// Every tolerated deviation in `o`, in document order.
pub fn find(o: &Outline) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let Some(root) = o.root() else { return out };
    if !root.is(ns::SOAP, "Envelope") {
        return out;
    }
    let parent_is = |e: &OutlineElement, local: &str| e.parent.and_then(|p| o.elements.get(p)).is_some_and(|p| p.is(ns::SOAP, local) && p.parent == Some(0));
    for e in &o.elements {
        // A header block (child of s:Header), or a child of a header block.
        let in_header = parent_is(e, "Header") || e.parent.and_then(|p| o.elements.get(p)).is_some_and(|p| parent_is(p, "Header"));
        if in_header {
            for a in e.attributes.iter().filter(|a| is_bare_must_understand(a)) {
                out.push(Occurrence {
                    deviation: &cat::DEVIATION_UNQUALIFIED_MUST_UNDERSTAND,
                    message: format!("line {}: {} has mustUnderstand=\"{}\" without the SOAP namespace", e.line, label(e), a.raw_value),
                    blank: a.span.clone(),
                });
            }
        }
        if e.is(ns::RSP, "DesiredStream") && o.elements.get(e.parent.unwrap_or(usize::MAX)).is_some_and(|p| p.is(ns::RSP, "Receive")) {
            let bare = e.attributes.iter().any(|a| a.is(None, "CommandId"));
            let qualified: Vec<&OutlineAttribute> = e.attributes.iter().filter(|a| a.is(Some(ns::RSP), "CommandId")).collect();
            // With both forms present, blanking the prefix would duplicate the attribute: not tolerated.
            if let [a] = qualified.as_slice() {
                if !bare {
                    out.push(Occurrence {
                        deviation: &cat::DEVIATION_QUALIFIED_COMMAND_ID,
                        message: format!("line {}: rsp:DesiredStream has CommandId in the shell namespace", e.line),
                        blank: a.span.as_ref().filter(|s| a.prefix_len > 0 && s.len() > a.prefix_len).map(|s| s.start..s.start + a.prefix_len),
                    });
                }
            }
        }
    }
    out
}

/// `mustUnderstand` with no namespace and an xs:boolean value.
fn is_bare_must_understand(a: &OutlineAttribute) -> bool {
    a.is(None, "mustUnderstand") && matches!(a.raw_value.trim(), "true" | "false" | "1" | "0")
}

fn label(e: &OutlineElement) -> String {
    match e.ns.as_deref().and_then(ns::preferred_prefix) {
        Some(p) => format!("{p}:{}", e.local),
        None => e.local.clone(),
    }
}

/// `text` with every located occurrence blanked out (replaced by spaces of the
/// same length, so the lines and columns of what remains do not move).
/// `None` when nothing is to be blanked.
pub fn blanked(text: &str, found: &[Occurrence]) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let mut any = false;
    for r in found.iter().filter_map(|f| f.blank.clone()) {
        if let Some(slice) = bytes.get_mut(r) {
            slice.fill(b' ');
            any = true;
        }
    }
    // Only ASCII attribute names and values inside quotes were blanked, whole;
    // a range that cut a multi-byte character would make this fail.
    any.then(|| String::from_utf8(bytes).ok()).flatten()
}
