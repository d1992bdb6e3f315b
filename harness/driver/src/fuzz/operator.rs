//! Mutation operators and [`build`], which applies them.
//!
//! Every operator has a stable kebab-case [`name`](Operator::name) (reports
//! count cases per operator, and a saved regression names its operators) and
//! a [`Family`]. A [`Mutation`] is an operator plus a `choice`: the operator
//! reduces it modulo its candidates (which header, which value, where to
//! cut), so every `u32` is valid and smaller choices give smaller changes
//! where size matters (huge text, truncation point), which is what shrinking
//! relies on.
//!
//! [`build`] applies mutations in phases, whatever their order in the list:
//!
//! ```text
//!   seed bytes -> parse -> structural ops on the tree -> write (only if changed)
//!              -> the first attack (replaces the body; later attacks are skipped)
//!              -> encoding ops on the bytes (skipped for a generated body)
//!              -> transport ops (Content-Type, framing, credentials)
//! ```
//!
//! A mutation with nothing to act on (no SelectorSet to drop from, a raw
//! seed that does not parse) is left out of [`MutatedRequest::applied`].

use bytes::Bytes;
use wsman_proto::ns;
use wsman_proto::xml::{self, Element, Limits, Node};

use super::body::RequestBody;
use super::{attack, CaseRequest, Credentials, Expectation, Framing, MutatedRequest, RequestFacts};

/// One operator applied with a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mutation {
    /// The operator.
    pub operator: Operator,
    /// Picks what the operator changes (reduced modulo its candidates).
    pub choice: u32,
}

impl Mutation {
    /// A mutation.
    pub fn new(operator: Operator, choice: u32) -> Mutation {
        Mutation { operator, choice }
    }
}

impl std::fmt::Display for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.operator.name(), self.choice)
    }
}

/// A mutation's text form could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseMutationError {
    /// Not `name:choice`.
    #[error("expected OPERATOR:CHOICE, not {0:?}")]
    Form(String),
    /// No operator has this name.
    #[error("unknown operator {0:?}")]
    Operator(String),
    /// The choice is not a `u32`.
    #[error("bad choice {0:?}")]
    Choice(String),
}

impl std::str::FromStr for Mutation {
    type Err = ParseMutationError;

    /// Reads the [`Display`](std::fmt::Display) form, `header-drop:3`.
    fn from_str(s: &str) -> Result<Mutation, ParseMutationError> {
        let (name, choice) = s.trim().split_once(':').ok_or_else(|| ParseMutationError::Form(s.to_owned()))?;
        let operator = Operator::from_name(name).ok_or_else(|| ParseMutationError::Operator(name.to_owned()))?;
        let choice = choice.parse().map_err(|_| ParseMutationError::Choice(choice.to_owned()))?;
        Ok(Mutation { operator, choice })
    }
}

/// What part of a request an operator works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// The parsed envelope tree.
    Structural,
    /// The body bytes (character encoding, truncation).
    Encoding,
    /// HTTP: Content-Type, framing, credentials.
    Transport,
    /// The XML attack library (replaces the body).
    Attack,
}

macro_rules! operators {
    ($( $(#[$m:meta])* $variant:ident => ($name:literal, $family:ident) ),+ $(,)?) => {
        /// A mutation operator.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operator {
            $( $(#[$m])* $variant, )+
        }

        impl Operator {
            /// Every operator, in a fixed order (the strategies select from it).
            pub const ALL: &'static [Operator] = &[ $( Operator::$variant, )+ ];

            /// The stable name used in reports and regressions.
            pub fn name(self) -> &'static str {
                match self { $( Operator::$variant => $name, )+ }
            }

            /// The operator's family.
            pub fn family(self) -> Family {
                match self { $( Operator::$variant => Family::$family, )+ }
            }

            /// Looks an operator up by [`name`](Self::name).
            pub fn from_name(s: &str) -> Option<Operator> {
                match s { $( $name => Some(Operator::$variant), )+ _ => None }
            }
        }
    };
}

operators! {
    /// Removes one SOAP header.
    HeaderDrop => ("header-drop", Structural),
    /// Repeats one SOAP header.
    HeaderDuplicate => ("header-duplicate", Structural),
    /// Reverses or rotates the order of the SOAP headers.
    HeaderReorder => ("header-reorder", Structural),
    /// Moves the Envelope, Header, Body or one header to another namespace.
    NamespaceSwap => ("namespace-swap", Structural),
    /// Adds an unknown header, without mustUnderstand or with it false.
    UnknownHeader => ("header-unknown", Structural),
    /// Adds an unknown header with mustUnderstand true.
    UnknownHeaderMustUnderstand => ("header-unknown-must-understand", Structural),
    /// Replaces wsa:Action with a wrong value.
    ActionWrong => ("action-wrong", Structural),
    /// Removes wsa:Action.
    ActionMissing => ("action-missing", Structural),
    /// Replaces wsa:To with a wrong value.
    ToWrong => ("to-wrong", Structural),
    /// Removes wsa:To.
    ToMissing => ("to-missing", Structural),
    /// Replaces wsa:MessageID with a wrong value.
    MessageIdWrong => ("message-id-wrong", Structural),
    /// Removes wsa:MessageID.
    MessageIdMissing => ("message-id-missing", Structural),
    /// Replaces wsman:ResourceURI with a wrong value.
    ResourceUriWrong => ("resource-uri-wrong", Structural),
    /// Removes wsman:ResourceURI.
    ResourceUriMissing => ("resource-uri-missing", Structural),
    /// Removes one selector, or the whole SelectorSet.
    SelectorMissing => ("selector-missing", Structural),
    /// Adds a selector the resource does not have.
    SelectorExtra => ("selector-extra", Structural),
    /// Repeats one selector.
    SelectorDuplicate => ("selector-duplicate", Structural),
    /// Gives a selector a value of the wrong type (an EPR, an element, no Name).
    SelectorWrongType => ("selector-wrong-type", Structural),
    /// Sets a value the XSDs bound (MaxElements, MaxCharacters, EnumerationMode,
    /// Locale, Expires, OptimizeEnumeration) at or past its boundary.
    BoundaryValue => ("value-boundary", Structural),
    /// Sets wsman:MaxEnvelopeSize to an edge value.
    MaxEnvelopeSizeEdge => ("max-envelope-size-edge", Structural),
    /// Sets wsman:OperationTimeout to an edge value or a bad duration.
    OperationTimeoutEdge => ("operation-timeout-edge", Structural),
    /// Makes the text of one element huge (4 KiB to 64 KiB; one choice in 8: 64 KiB to 704 KiB).
    TextHuge => ("text-huge", Structural),
    /// Empties the text of one element.
    TextEmpty => ("text-empty", Structural),
    /// Re-encodes the body as UTF-16 with a BOM (LE or BE).
    Utf16Bom => ("encoding-utf16-bom", Encoding),
    /// Re-encodes the body as UTF-16 LE without a BOM.
    Utf16NoBom => ("encoding-utf16-no-bom", Encoding),
    /// Inserts an invalid UTF-8 sequence.
    Utf8Invalid => ("encoding-utf8-invalid", Encoding),
    /// Cuts the body short.
    Truncate => ("body-truncated", Encoding),
    /// A Content-Type that is not SOAP 1.2's (or none).
    ContentTypeWrong => ("content-type-wrong", Transport),
    /// The SOAP Content-Type with a wrong or odd charset.
    CharsetWrong => ("charset-wrong", Transport),
    /// Sends the body chunked, without Content-Length.
    Chunked => ("body-chunked", Transport),
    /// No Authorization header.
    CredentialsMissing => ("credentials-missing", Transport),
    /// A wrong or malformed Authorization header.
    CredentialsWrong => ("credentials-wrong", Transport),
    /// Nested entity expansion (billion laughs) in an internal DTD subset.
    BillionLaughs => ("attack-billion-laughs", Attack),
    /// An external entity naming a local file (XXE), referenced from a header.
    ExternalEntity => ("attack-external-entity", Attack),
    /// 100 000 nested elements in the Body.
    DeepNesting => ("attack-deep-nesting", Attack),
    /// 100 000 attributes on one element.
    AttributeBomb => ("attack-attribute-bomb", Attack),
    /// 100 000 namespace declarations on one element.
    NamespaceBomb => ("attack-namespace-bomb", Attack),
    /// A 100 MB body sent with Content-Length.
    HugeBody => ("attack-huge-body", Attack),
    /// A 100 MB body sent chunked, without Content-Length.
    HugeBodyChunked => ("attack-huge-body-chunked", Attack),
}

impl Operator {
    /// Every operator of a family.
    pub fn of_family(family: Family) -> impl Iterator<Item = Operator> {
        Operator::ALL.iter().copied().filter(move |o| o.family() == family)
    }
}

/// Limits for reading seed requests (the corpus's own, trusted, but raw
/// cases may be large or deep on purpose).
pub(crate) const SEED_LIMITS: Limits = Limits { max_depth: 512, max_elements: 1_000_000, max_attributes: 100_000 };

/// Applies `mutations` to `seed` (see the module docs for the order).
pub fn build(seed: &CaseRequest, mutations: &[Mutation]) -> MutatedRequest {
    let mut tree = xml::parse(&seed.body, &SEED_LIMITS).ok();
    let mut applied = Vec::with_capacity(mutations.len());
    let in_family = |f: Family| mutations.iter().copied().filter(move |m| m.operator.family() == f);

    let mut changed = false;
    if let Some(t) = tree.as_mut() {
        for m in in_family(Family::Structural) {
            if apply_structural(m, t) {
                applied.push(m);
                changed = true;
            }
        }
    }
    let mut facts = tree.as_ref().map(facts_of).unwrap_or_default();
    let bytes: Vec<u8> = match (&tree, changed) {
        (Some(t), true) => xml::to_bytes(t),
        _ => seed.body.clone(),
    };
    let mut body = RequestBody::Bytes(Bytes::from(bytes));
    let mut framing = Framing::ContentLength;

    if let Some(m) = in_family(Family::Attack).next() {
        let (b, f) = attack::build(m.operator, m.choice, body.as_bytes().unwrap_or_default());
        body = b;
        if let Some(f) = f {
            framing = f;
        }
        facts.well_formed = false;
        applied.push(m);
    }

    if let RequestBody::Bytes(b) = &body {
        let mut bytes = b.to_vec();
        let mut touched = false;
        for m in in_family(Family::Encoding) {
            if apply_encoding(m, &mut bytes) {
                applied.push(m);
                touched = true;
            }
        }
        if touched {
            facts.well_formed = false;
            body = RequestBody::Bytes(bytes.into());
        }
    }

    let mut content_type = seed.content_type.clone();
    let mut credentials = Credentials::Session;
    for m in in_family(Family::Transport) {
        let c = m.choice as usize;
        match m.operator {
            Operator::ContentTypeWrong => content_type = pick(WRONG_CONTENT_TYPES, c).map(str::to_owned),
            Operator::CharsetWrong => content_type = Some(format!("application/soap+xml{}", pick(WRONG_CHARSETS, c))),
            Operator::Chunked => framing = Framing::Chunked { chunk: CHUNK_SIZES[c % CHUNK_SIZES.len()] },
            Operator::CredentialsMissing => credentials = Credentials::Missing,
            Operator::CredentialsWrong => credentials = Credentials::Header(wrong_authorization(c)),
            _ => continue,
        }
        applied.push(m);
    }

    MutatedRequest {
        case: seed.case.clone(),
        applied,
        body,
        framing,
        content_type,
        headers: seed.headers.clone(),
        credentials,
        facts,
        expect: Expectation::Any,
    }
}

fn pick<T: Copy>(values: &[T], choice: usize) -> T {
    values[choice % values.len()]
}

/// Content-Types other than SOAP 1.2's; `None` sends no header.
const WRONG_CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("text/xml;charset=UTF-8"),
    Some("application/xml"),
    Some("text/plain"),
    Some("application/json"),
    Some("multipart/related;type=\"application/xop+xml\""),
    Some(""),
    Some("application/soap+xm"),
    Some("application/soap+xml+fuzz"),
];

/// Charset parameters appended to `application/soap+xml`.
const WRONG_CHARSETS: &[&str] = &[
    ";charset=ISO-8859-1",
    ";charset=UTF-16",
    ";charset=",
    ";charset=bogus-8",
    ";charset=\"UTF-8\"",
    ";charset=utf-32",
    ";charset=UTF-8;charset=UTF-16",
    "; CHARSET=utf-8",
];

const CHUNK_SIZES: &[usize] = &[1, 7, 512, 4096, 65_536];

fn wrong_authorization(choice: usize) -> String {
    match choice % 7 {
        // fuzz:wrong
        0 => "Basic ZnV6ejp3cm9uZw==".to_owned(),
        // admin:wrong (the reference server's user, a wrong password)
        1 => "Basic YWRtaW46d3Jvbmc=".to_owned(),
        2 => "Basic !!not-base64!!".to_owned(),
        3 => "Basic ".to_owned(),
        4 => "Bearer e30.e30.".to_owned(),
        5 => "Negotiate TlRMTVNTUAABAAAA".to_owned(),
        _ => format!("Basic {}", "A".repeat(16 * 1024)),
    }
}

/// Facts read from the final tree.
fn facts_of(tree: &Element) -> RequestFacts {
    let header = tree.child(ns::SOAP, "Header");
    let once = |name: &str| {
        let h = header?;
        let mut it = h.children_named(ns::WSA, name);
        let first = it.next()?;
        it.next().is_none().then(|| first.text().trim().to_owned())
    };
    RequestFacts {
        action: once("Action").filter(|a| !a.is_empty()),
        message_id: once("MessageID").filter(|m| !m.is_empty()),
        identify: tree.child(ns::SOAP, "Body").and_then(|b| b.child(ns::WSMID, "Identify")).is_some(),
        well_formed: true,
    }
}

// ---- structural operators ----

/// Indexes of the element children of `el`.
fn element_positions(el: &Element) -> Vec<usize> {
    el.children.iter().enumerate().filter(|(_, n)| matches!(n, Node::Element(_))).map(|(i, _)| i).collect()
}

fn header_mut(tree: &mut Element) -> Option<&mut Element> {
    tree.child_mut(ns::SOAP, "Header")
}

/// Removes every child element named (`ns`, `name`); true if any was.
fn remove_children(el: &mut Element, ns: &str, name: &str) -> bool {
    let before = el.children.len();
    el.children.retain(|n| !matches!(n, Node::Element(e) if e.is(ns, name)));
    el.children.len() != before
}

fn set_text(el: &mut Element, text: impl Into<String>) {
    el.children = vec![Node::Text(text.into())];
}

/// Sets the text of the header (`ns`, `name`) if present.
fn replace_header_text(tree: &mut Element, ns: &str, name: &str, value: impl FnOnce(&str) -> String) -> bool {
    let Some(h) = header_mut(tree) else { return false };
    let Some(el) = h.child_mut(ns, name) else { return false };
    let v = value(el.text().trim());
    set_text(el, v);
    true
}

/// Sets the header (`ns`, `name`) to `value`, adding it when absent.
fn upsert_header(tree: &mut Element, ns: &str, name: &str, value: &str) -> bool {
    let Some(h) = header_mut(tree) else { return false };
    match h.child_mut(ns, name) {
        Some(el) => set_text(el, value),
        None => h.push(Element::ns(ns, name).with_attr(Some(ns::SOAP), "mustUnderstand", "true").with_text(value)),
    }
    true
}

/// Depth-first paths (child indexes) of every element matching `pred`.
fn find_paths(el: &Element, pred: &dyn Fn(&Element) -> bool, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if pred(el) {
        out.push(path.clone());
    }
    for (i, n) in el.children.iter().enumerate() {
        if let Node::Element(c) = n {
            path.push(i);
            find_paths(c, pred, path, out);
            path.pop();
        }
    }
}

fn paths(tree: &Element, pred: &dyn Fn(&Element) -> bool) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    find_paths(tree, pred, &mut Vec::new(), &mut out);
    out
}

fn at_path<'a>(mut el: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    for &i in path {
        el = match el.children.get_mut(i) {
            Some(Node::Element(c)) => c,
            _ => return None,
        };
    }
    Some(el)
}

fn is_leaf(el: &Element) -> bool {
    el.children.iter().all(|n| matches!(n, Node::Text(_)))
}

const WRONG_NUMBERS: &[&str] = &["0", "1", "-1", "4294967295", "4294967296", "18446744073709551616", "1.5", "", " 7 ", "abc", "+5", "0x10"];
const ENUMERATION_MODES: &[&str] = &["EnumerateEPR", "EnumerateObjectAndEPR", "EnumerateObject", "", "enumerateepr", "EnumerateEPR EnumerateEPR"];
const LANGUAGES: &[&str] = &["", "x", "en-US-", "not a language", "en_US", "i-klingon", "123"];
const DURATIONS: &[&str] = &[
    "PT0S",
    "PT0.001S",
    "PT0.000001S",
    "P0D",
    "PT1S",
    "PT4294967S",
    "PT4294967296S",
    "P9999999999Y",
    "PT",
    "P",
    "",
    "60",
    "-PT1S",
    "PT1.5.5S",
    "P1Y2M3DT4H5M6.7S",
    "PT1H",
    "pt60s",
    " PT60S ",
    "2030-01-01T00:00:00Z",
];
const MAX_ENVELOPE_SIZES: &[&str] =
    &["0", "1", "8191", "8192", "153600", "153601", "4294967295", "4294967296", "18446744073709551616", "-1", "", "abc", "8192.0", " 8192 "];

/// A boundary target: which elements, and whether the value goes in `xml:lang` or the text.
struct Bounded {
    ns: &'static str,
    name: &'static str,
    lang: bool,
    values: &'static [&'static str],
}

const BOUNDED: &[Bounded] = &[
    Bounded { ns: ns::WSMAN, name: "MaxElements", lang: false, values: WRONG_NUMBERS },
    Bounded { ns: ns::WSEN, name: "MaxElements", lang: false, values: WRONG_NUMBERS },
    Bounded { ns: ns::WSEN, name: "MaxCharacters", lang: false, values: WRONG_NUMBERS },
    Bounded { ns: ns::WSMAN, name: "EnumerationMode", lang: false, values: ENUMERATION_MODES },
    Bounded { ns: ns::WSMAN, name: "Locale", lang: true, values: LANGUAGES },
    Bounded { ns: ns::WSMV, name: "DataLocale", lang: true, values: LANGUAGES },
    Bounded { ns: ns::WSEN, name: "Expires", lang: false, values: DURATIONS },
    Bounded { ns: ns::WSE, name: "Expires", lang: false, values: DURATIONS },
    Bounded { ns: ns::WSMAN, name: "OptimizeEnumeration", lang: false, values: &["x", "true", " "] },
];

/// Huge text sizes: 64 KiB plus up to 640 KiB (smaller choices, shorter
/// text): both sides of the 500 KB MaxEnvelopeSizekb of Windows, and of the
/// 150 KB envelopes pywinrm asks for, without sending megabytes per case.
/// Huge text: choices below [`HUGE_TEXT_PAST_ENVELOPE_FROM`] (seven in
/// eight) give 4 KiB to 64 KiB, past common element and header buffers; the
/// rest give 64 KiB to 704 KiB, past the 512 000-octet MaxEnvelopeSize
/// Windows accepts. A smaller choice in the upper range gives shorter text,
/// so shrinking shortens it.
const HUGE_TEXT_MIN: usize = 4 * 1024;
const HUGE_TEXT_SPAN: u32 = 60 * 1024;
const HUGE_TEXT_PAST_ENVELOPE_MIN: usize = 64 * 1024;
const HUGE_TEXT_PAST_ENVELOPE_SPAN: u32 = 640 * 1024;
/// The first choice of huge text past the envelope limit.
pub(crate) const HUGE_TEXT_PAST_ENVELOPE_FROM: u32 = u32::MAX / 8 * 7;

/// The length of huge text for `choice`.
fn huge_text_len(choice: u32) -> usize {
    match choice.checked_sub(HUGE_TEXT_PAST_ENVELOPE_FROM) {
        Some(above) => HUGE_TEXT_PAST_ENVELOPE_MIN + (above % HUGE_TEXT_PAST_ENVELOPE_SPAN) as usize,
        None => HUGE_TEXT_MIN + (choice % HUGE_TEXT_SPAN) as usize,
    }
}

fn apply_structural(m: Mutation, tree: &mut Element) -> bool {
    let c = m.choice as usize;
    match m.operator {
        Operator::HeaderDrop | Operator::HeaderDuplicate => {
            let Some(h) = header_mut(tree) else { return false };
            let pos = element_positions(h);
            if pos.is_empty() {
                return false;
            }
            let i = pos[c % pos.len()];
            if m.operator == Operator::HeaderDrop {
                h.children.remove(i);
            } else {
                let copy = h.children[i].clone();
                h.children.insert(i + 1, copy);
            }
            true
        }
        Operator::HeaderReorder => {
            let Some(h) = header_mut(tree) else { return false };
            let mut els: Vec<Node> = h.children.drain(..).filter(|n| matches!(n, Node::Element(_))).collect();
            if els.len() < 2 {
                h.children = els;
                return false;
            }
            match c % 3 {
                0 => els.reverse(),
                1 => els.rotate_left(1),
                _ => {
                    let n = els.len();
                    els.swap(0, n - 1)
                }
            }
            h.children = els;
            true
        }
        Operator::NamespaceSwap => {
            // Envelope, Header, Body, then each header.
            let header_count = tree.child(ns::SOAP, "Header").map(|h| element_positions(h).len()).unwrap_or(0);
            let n = 3 + header_count;
            match c % n {
                0 => {
                    tree.ns = Some(ns::SOAP11.into());
                    true
                }
                k @ (1 | 2) => {
                    let name = if k == 1 { "Header" } else { "Body" };
                    match tree.child_mut(ns::SOAP, name) {
                        Some(el) => {
                            el.ns = Some(if (c / n).is_multiple_of(2) { ns::SOAP11 } else { ns::WSA }.into());
                            true
                        }
                        None => false,
                    }
                }
                k => {
                    let Some(h) = header_mut(tree) else { return false };
                    let i = element_positions(h)[k - 3];
                    let Some(Node::Element(el)) = h.children.get_mut(i) else { return false };
                    let others: Vec<&str> = [ns::WSA, ns::WSMAN, ns::WSMV, ns::SOAP].into_iter().filter(|o| el.ns.as_deref() != Some(*o)).collect();
                    el.ns = Some(others[(c / n) % others.len()].into());
                    true
                }
            }
        }
        Operator::UnknownHeader | Operator::UnknownHeaderMustUnderstand => {
            let Some(h) = header_mut(tree) else { return false };
            let space = [ns::WSMAN, ns::WSMV, ns::WSA][c % 3];
            let mut el = Element::ns(space, "FuzzUnknownHeader").with_text("fuzz");
            let mu = if m.operator == Operator::UnknownHeaderMustUnderstand {
                Some(["true", "1"][(c / 3) % 2])
            } else {
                [None, Some("false"), Some("0")][(c / 3) % 3]
            };
            if let Some(v) = mu {
                el.set_attr(Some(ns::SOAP), "mustUnderstand", v);
            }
            h.push(el);
            true
        }
        Operator::ActionWrong => replace_header_text(tree, ns::WSA, "Action", |a| match c % 7 {
            0 => format!("{}/FuzzUnknownAction", ns::WSMAN_ACTION_BASE),
            1 => format!("{}/Get", ns::WSEN),
            2 => String::new(),
            3 => format!("{a}Response"),
            4 => format!("{a}/{}", "x".repeat(8 * 1024)),
            5 => "Get".to_owned(),
            _ => a.to_uppercase(),
        }),
        Operator::ActionMissing => header_mut(tree).is_some_and(|h| remove_children(h, ns::WSA, "Action")),
        Operator::ToWrong => replace_header_text(tree, ns::WSA, "To", |to| match c % 5 {
            0 => String::new(),
            1 => "not a uri".to_owned(),
            2 => format!("{to}/extra"),
            3 => ns::WSA_ANONYMOUS.to_owned(),
            _ => "http://fuzz.invalid:1/wsman".to_owned(),
        }),
        Operator::ToMissing => header_mut(tree).is_some_and(|h| remove_children(h, ns::WSA, "To")),
        Operator::MessageIdWrong => replace_header_text(tree, ns::WSA, "MessageID", |mid| match c % 6 {
            0 => String::new(),
            1 => "not-a-uri with spaces".to_owned(),
            2 => "uuid:".to_owned(),
            3 => format!("uuid:{}", "7".repeat(4096)),
            4 => mid.to_lowercase(),
            _ => "uuid:00000000-0000-0000-0000-000000000000".to_owned(),
        }),
        Operator::MessageIdMissing => header_mut(tree).is_some_and(|h| remove_children(h, ns::WSA, "MessageID")),
        Operator::ResourceUriWrong => replace_header_text(tree, ns::WSMAN, "ResourceURI", |r| match c % 6 {
            0 => String::new(),
            1 => format!("{}root/cimv2/Fuzz_NoSuchClass", ns::WMI_RESOURCE_PREFIX),
            2 => "not a uri".to_owned(),
            3 => format!("{r}/x"),
            4 => r.to_uppercase(),
            _ => format!("{r}{}", "/a".repeat(2048)),
        }),
        Operator::ResourceUriMissing => header_mut(tree).is_some_and(|h| remove_children(h, ns::WSMAN, "ResourceURI")),
        Operator::SelectorMissing | Operator::SelectorExtra | Operator::SelectorDuplicate | Operator::SelectorWrongType => selectors(m.operator, c, tree),
        Operator::BoundaryValue => {
            let mut targets: Vec<(&Bounded, Vec<usize>)> = Vec::new();
            for b in BOUNDED {
                for p in paths(tree, &|e: &Element| e.is(b.ns, b.name)) {
                    targets.push((b, p));
                }
            }
            if targets.is_empty() {
                return false;
            }
            let (b, path) = &targets[c % targets.len()];
            let value = b.values[(c / targets.len()) % b.values.len()];
            let Some(el) = at_path(tree, path) else { return false };
            if b.lang {
                el.set_attr(Some(ns::XML), "lang", value);
            } else {
                set_text(el, value);
            }
            true
        }
        Operator::MaxEnvelopeSizeEdge => upsert_header(tree, ns::WSMAN, "MaxEnvelopeSize", pick(MAX_ENVELOPE_SIZES, c)),
        Operator::OperationTimeoutEdge => upsert_header(tree, ns::WSMAN, "OperationTimeout", pick(DURATIONS, c)),
        Operator::TextHuge | Operator::TextEmpty => {
            let huge = m.operator == Operator::TextHuge;
            // Leaves under the Envelope (not the Envelope itself); TextEmpty only where there is text.
            let leaves: Vec<Vec<usize>> =
                paths(tree, &|e: &Element| is_leaf(e) && (huge || !e.text().is_empty())).into_iter().filter(|p| !p.is_empty()).collect();
            if leaves.is_empty() {
                return false;
            }
            let Some(el) = at_path(tree, &leaves[c % leaves.len()]) else { return false };
            if huge {
                set_text(el, "x".repeat(huge_text_len(m.choice)));
            } else {
                el.children.clear();
            }
            true
        }
        _ => false,
    }
}

fn selector_set_mut(tree: &mut Element) -> Option<&mut Element> {
    header_mut(tree)?.child_mut(ns::WSMAN, "SelectorSet")
}

fn selector(name: &str, value: &str) -> Element {
    Element::ns(ns::WSMAN, "Selector").with_attr(None, "Name", name).with_text(value)
}

fn selectors(op: Operator, c: usize, tree: &mut Element) -> bool {
    let have_set = selector_set_mut(tree).is_some();
    match op {
        Operator::SelectorMissing => {
            let Some(h) = header_mut(tree) else { return false };
            let Some(set) = h.child_mut(ns::WSMAN, "SelectorSet") else { return false };
            let pos = element_positions(set);
            let k = c % (pos.len() + 1);
            if k == pos.len() {
                remove_children(h, ns::WSMAN, "SelectorSet")
            } else {
                set.children.remove(pos[k]);
                true
            }
        }
        Operator::SelectorExtra => {
            let extra = selector(["FuzzExtra", "name", "__CLASS"][c % 3], ["1", "", "x"][(c / 3) % 3]);
            if !have_set {
                let Some(h) = header_mut(tree) else { return false };
                h.push(Element::ns(ns::WSMAN, "SelectorSet"));
            }
            selector_set_mut(tree).map(|s| s.push(extra)).is_some()
        }
        Operator::SelectorDuplicate => {
            let Some(set) = selector_set_mut(tree) else { return false };
            let pos = element_positions(set);
            if pos.is_empty() {
                return false;
            }
            let i = pos[c % pos.len()];
            let mut copy = set.children[i].clone();
            // Half the time the duplicate has another value.
            if (c / pos.len()) % 2 == 1 {
                if let Node::Element(e) = &mut copy {
                    set_text(e, "fuzz-other");
                }
            }
            set.children.insert(i + 1, copy);
            true
        }
        Operator::SelectorWrongType => {
            if !have_set {
                let Some(h) = header_mut(tree) else { return false };
                h.push(Element::ns(ns::WSMAN, "SelectorSet").with_child(selector("Name", "x")));
            }
            let Some(set) = selector_set_mut(tree) else { return false };
            let pos = element_positions(set);
            let Some(&i) = pos.get(c % pos.len().max(1)) else { return false };
            let Some(Node::Element(sel)) = set.children.get_mut(i) else { return false };
            match (c / pos.len().max(1)) % 3 {
                0 => {
                    let epr = Element::ns(ns::WSA, "EndpointReference")
                        .with_child(Element::ns(ns::WSA, "Address").with_text(ns::WSA_ANONYMOUS))
                        .with_child(Element::ns(ns::WSA, "ReferenceParameters").with_child(Element::ns(ns::WSMAN, "ResourceURI").with_text("fuzz")));
                    sel.children = vec![Node::Element(epr)];
                }
                1 => sel.children = vec![Node::Element(Element::ns(ns::WSMAN, "Fuzz").with_text("1"))],
                _ => sel.attrs.retain(|a| a.name != "Name"),
            }
            true
        }
        _ => false,
    }
}

// ---- encoding operators ----

const INVALID_UTF8: &[&[u8]] = &[&[0xFF], &[0xC0, 0x80], &[0xED, 0xA0, 0x80], &[0xF8, 0x88, 0x80, 0x80, 0x80], &[0xC3], &[0xFE, 0xFF]];

fn apply_encoding(m: Mutation, bytes: &mut Vec<u8>) -> bool {
    let c = m.choice as usize;
    match m.operator {
        Operator::Utf16Bom | Operator::Utf16NoBom => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let be = m.operator == Operator::Utf16Bom && c % 2 == 1;
            let mut out = Vec::with_capacity(text.len() * 2 + 2);
            if m.operator == Operator::Utf16Bom {
                out.extend_from_slice(if be { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] });
            }
            for u in text.encode_utf16() {
                out.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            *bytes = out;
            true
        }
        Operator::Utf8Invalid => {
            let seq = INVALID_UTF8[c % INVALID_UTF8.len()];
            let at = (c / INVALID_UTF8.len()) % (bytes.len() + 1);
            bytes.splice(at..at, seq.iter().copied());
            true
        }
        Operator::Truncate => {
            if bytes.is_empty() {
                return false;
            }
            bytes.truncate(c % bytes.len());
            true
        }
        _ => false,
    }
}
