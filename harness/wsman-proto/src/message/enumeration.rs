//! WS-Enumeration bodies with the WS-Management extensions (WS-Enumeration
//! 2004/09 §3, DSP0226 §8, MS-WSMV §3.1.4.8-10).
//!
//! ```text
//! <wsen:Enumerate>
//!   [<wsen:Expires>duration|dateTime</wsen:Expires>]
//!   [<wsman:OptimizeEnumeration/>] [<wsman:MaxElements>n</wsman:MaxElements>]
//!   [<wsman:EnumerationMode>EnumerateEPR|EnumerateObjectAndEPR</wsman:EnumerationMode>]
//!   [<wsman:Filter Dialect="uri">WQL text | wsman:SelectorSet | ...</wsman:Filter>]   (wsen:Filter is read too)
//!   [<wsman:RequestTotalItemsCountEstimate/>]
//! </wsen:Enumerate>
//!   -> <wsen:EnumerateResponse>
//!        [<wsen:EnumerationContext>uuid:...</wsen:EnumerationContext>]   (empty when the sequence already ended)
//!        [<wsman:Items>item*</wsman:Items>] [<wsman:EndOfSequence/>]      (optimized enumerations)
//!      </wsen:EnumerateResponse>
//!
//! <wsen:Pull>
//!   <wsen:EnumerationContext>uuid:...</wsen:EnumerationContext>
//!   [<wsen:MaxTime>duration</wsen:MaxTime>] [<wsen:MaxElements>n</wsen:MaxElements>]
//!   [<wsen:MaxCharacters>n</wsen:MaxCharacters>]
//! </wsen:Pull>
//!   -> <wsen:PullResponse>
//!        [<wsen:EnumerationContext>uuid:...</wsen:EnumerationContext>]   (absent on the last batch)
//!        <wsen:Items>item*</wsen:Items> [<wsen:EndOfSequence/>]
//!      </wsen:PullResponse>
//!
//! <wsen:Release><wsen:EnumerationContext>uuid:...</wsen:EnumerationContext></wsen:Release>
//!   -> empty body
//! ```
//!
//! The items are [`Element`]s; [`super::Item`] reads and renders them.

use std::num::NonZeroU64;

use super::{find, flag, take, text_element, trimmed, Message, MessageError};
use crate::action::Action;
use crate::duration::XsDuration;
use crate::ns;
use crate::selector::SelectorSet;
use crate::xml::{Element, Node};

/// `wsen:Expires` (WS-Enumeration §3.1): a duration or an absolute time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expires {
    /// An `xs:duration`.
    Duration(XsDuration),
    /// Text that is not an `xs:duration` and is shaped like an `xs:dateTime`
    /// (it holds `-` and `T`), verbatim and trimmed. The reference server
    /// does not support absolute expirations ([`Enumerate::decode_supported`]).
    DateTime(String),
}

impl Expires {
    /// Reads the text of `wsen:Expires`.
    pub fn parse(text: &str) -> Result<Expires, MessageError> {
        let text = text.trim();
        if let Some(d) = XsDuration::parse(text) {
            return Ok(Expires::Duration(d));
        }
        // The server's long-standing test for "an absolute time": not a duration,
        // and a date separator plus a time designator.
        if text.contains('-') && text.contains('T') {
            return Ok(Expires::DateTime(text.to_owned()));
        }
        Err(MessageError::InvalidExpirationTime(text.to_owned()))
    }

    /// The lexical form.
    pub fn to_lexical(&self) -> String {
        match self {
            Expires::Duration(d) => d.to_lexical(),
            Expires::DateTime(s) => s.clone(),
        }
    }
}

/// `wsman:EnumerationMode` (DSP0226 §8.7); absent means objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EnumerationMode {
    /// No `wsman:EnumerationMode`: the objects themselves.
    #[default]
    Object,
    /// `EnumerateEPR`: endpoint references only.
    Epr,
    /// `EnumerateObjectAndEPR`: both, in `wsman:Item`.
    ObjectAndEpr,
}

impl EnumerationMode {
    /// The element's text, `None` for [`EnumerationMode::Object`] (no element).
    pub fn lexical(self) -> Option<&'static str> {
        match self {
            EnumerationMode::Object => None,
            EnumerationMode::Epr => Some("EnumerateEPR"),
            EnumerationMode::ObjectAndEpr => Some("EnumerateObjectAndEPR"),
        }
    }

    /// Reads the element's text (trimmed).
    pub fn parse(text: &str) -> Result<EnumerationMode, MessageError> {
        match text.trim() {
            "EnumerateEPR" => Ok(EnumerationMode::Epr),
            "EnumerateObjectAndEPR" => Ok(EnumerationMode::ObjectAndEpr),
            other => Err(MessageError::UnknownEnumerationMode(other.to_owned())),
        }
    }
}

/// `wsman:Filter` (DSP0226 §8.3) by dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// [`ns::dialect::WQL`]: the query text, trimmed (parse it with
    /// [`crate::wql::Query::parse`]).
    Wql(String),
    /// [`ns::dialect::SELECTOR`]: a selector set matched against instances.
    Selector(SelectorSet),
    /// Any other dialect (XPath when the `Dialect` attribute is absent, as
    /// WS-Enumeration §3.1 defaults it), with the filter's content verbatim.
    Other {
        /// The dialect URI.
        dialect: String,
        /// The children of the Filter element.
        content: Vec<Node>,
    },
}

impl Filter {
    /// The dialect URI.
    pub fn dialect(&self) -> &str {
        match self {
            Filter::Wql(_) => ns::dialect::WQL,
            Filter::Selector(_) => ns::dialect::SELECTOR,
            Filter::Other { dialect, .. } => dialect,
        }
    }

    fn to_element(&self) -> Element {
        let el = Element::ns(ns::WSMAN, "Filter").with_attr(None, "Dialect", self.dialect());
        match self {
            Filter::Wql(q) if q.is_empty() => el,
            Filter::Wql(q) => el.with_text(q.clone()),
            Filter::Selector(s) => el.with_child(s.to_element()),
            Filter::Other { content, .. } => {
                let mut el = el;
                el.children.extend(content.iter().cloned());
                el
            }
        }
    }
}

/// Parses a `MaxElements` (wsman or wsen) as the server always has: a
/// positive integer after trimming.
fn max_elements(el: &Element) -> Result<NonZeroU64, MessageError> {
    let t = el.text();
    t.trim().parse::<NonZeroU64>().map_err(|_| MessageError::InvalidMaxElements(t.trim().to_owned()))
}

/// WS-Enumeration Enumerate with the WS-Management extensions.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Enumerate {
    /// `wsen:Expires`.
    pub expires: Option<Expires>,
    /// `wsman:OptimizeEnumeration`: return the first batch in the response.
    pub optimize: bool,
    /// `wsman:MaxElements`: the size of that first batch (DSP0226 §8.2.3
    /// defaults it to 1; the server caps it at MaxBatchItems).
    pub max_elements: Option<NonZeroU64>,
    /// `wsman:EnumerationMode`.
    pub mode: EnumerationMode,
    /// `wsman:Filter` (or `wsen:Filter`).
    pub filter: Option<Filter>,
    /// `wsman:RequestTotalItemsCountEstimate`: answer the count in a header.
    pub request_total_items_count_estimate: bool,
}

impl Enumerate {
    /// Decodes as the reference server must: like [`Message::decode`], but an
    /// absolute `wsen:Expires` is [`MessageError::UnsupportedExpirationType`]
    /// and a dialect other than WQL and SelectorFilter is
    /// [`MessageError::UnsupportedFilterDialect`], each refused where it is
    /// read (Expires first, Filter last), so the first problem of a request
    /// decides the fault.
    pub fn decode_supported(body: &[Element]) -> Result<Enumerate, MessageError> {
        Self::decode_with(body, true)
    }

    fn decode_with(body: &[Element], refuse_unsupported: bool) -> Result<Enumerate, MessageError> {
        let el = find(body, ns::WSEN, "Enumerate").ok_or(MessageError::MissingBody { expected: "wsen:Enumerate" })?;
        let expires = match el.child(ns::WSEN, "Expires") {
            None => None,
            Some(e) => match Expires::parse(&e.text())? {
                Expires::DateTime(t) if refuse_unsupported => return Err(MessageError::UnsupportedExpirationType(t)),
                x => Some(x),
            },
        };
        let max_elements = el.child(ns::WSMAN, "MaxElements").map(max_elements).transpose()?;
        let mode = match el.child(ns::WSMAN, "EnumerationMode") {
            None => EnumerationMode::Object,
            Some(m) => EnumerationMode::parse(&m.text())?,
        };
        let filter = match el.child(ns::WSMAN, "Filter").or_else(|| el.child(ns::WSEN, "Filter")) {
            None => None,
            Some(f) => Some(match f.attr(None, "Dialect").unwrap_or(ns::dialect::XPATH) {
                ns::dialect::WQL => Filter::Wql(trimmed(f)),
                ns::dialect::SELECTOR => {
                    let set = f.child(ns::WSMAN, "SelectorSet").ok_or(MessageError::MissingFilterSelectorSet)?;
                    Filter::Selector(SelectorSet::from_element(set).map_err(MessageError::InvalidFilterSelectorSet)?)
                }
                other if refuse_unsupported => return Err(MessageError::UnsupportedFilterDialect(other.to_owned())),
                other => Filter::Other { dialect: other.to_owned(), content: f.children.clone() },
            }),
        };
        Ok(Enumerate {
            expires,
            optimize: el.child(ns::WSMAN, "OptimizeEnumeration").is_some(),
            max_elements,
            mode,
            filter,
            request_total_items_count_estimate: el.child(ns::WSMAN, "RequestTotalItemsCountEstimate").is_some(),
        })
    }
}

impl Message for Enumerate {
    fn action(&self) -> Option<Action> {
        Some(Action::Enumerate)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        Self::decode_with(body, false)
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSEN, "Enumerate");
        if let Some(e) = &self.expires {
            el.push(text_element(ns::WSEN, "Expires", e.to_lexical()));
        }
        if self.optimize {
            el.push(flag(ns::WSMAN, "OptimizeEnumeration"));
        }
        if let Some(n) = self.max_elements {
            el.push(text_element(ns::WSMAN, "MaxElements", n.to_string()));
        }
        if let Some(m) = self.mode.lexical() {
            el.push(text_element(ns::WSMAN, "EnumerationMode", m));
        }
        if let Some(f) = &self.filter {
            el.push(f.to_element());
        }
        if self.request_total_items_count_estimate {
            el.push(flag(ns::WSMAN, "RequestTotalItemsCountEstimate"));
        }
        vec![el]
    }
}

/// The parts of an EnumerateResponse or PullResponse, read in one pass over
/// an owned element so the items move.
struct ResponseParts {
    context: Option<String>,
    items: Option<Vec<Element>>,
    end_of_sequence: bool,
}

impl ResponseParts {
    /// Items and EndOfSequence are read in either namespace (wsman for
    /// EnumerateResponse, wsen for PullResponse), as peers mix them.
    fn read(el: Element) -> ResponseParts {
        let mut parts = ResponseParts { context: None, items: None, end_of_sequence: false };
        for node in el.children {
            let Node::Element(c) = node else { continue };
            match (c.ns.as_deref(), c.name.as_str()) {
                (Some(ns::WSEN), "EnumerationContext") if parts.context.is_none() => parts.context = Some(trimmed(&c)),
                (Some(ns::WSMAN | ns::WSEN), "Items") if parts.items.is_none() => {
                    parts.items = Some(
                        c.children
                            .into_iter()
                            .filter_map(|n| match n {
                                Node::Element(e) => Some(e),
                                Node::Text(_) => None,
                            })
                            .collect(),
                    )
                }
                (Some(ns::WSMAN | ns::WSEN), "EndOfSequence") => parts.end_of_sequence = true,
                _ => {}
            }
        }
        parts
    }

    /// Writes the parts into `el`; Items and EndOfSequence in `items_ns`.
    fn write(self, mut el: Element, items_ns: &str) -> Element {
        if let Some(c) = self.context {
            el.push(text_element(ns::WSEN, "EnumerationContext", c));
        }
        if let Some(items) = self.items {
            let mut list = Element::ns(items_ns, "Items");
            list.children.extend(items.into_iter().map(Node::Element));
            el.push(list);
        }
        if self.end_of_sequence {
            el.push(flag(items_ns, "EndOfSequence"));
        }
        el
    }
}

/// WS-Enumeration EnumerateResponse with the optimized-enumeration extensions.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EnumerateResponse {
    /// `wsen:EnumerationContext`: `None` when absent (a schema violation the
    /// driver must be able to see), `Some("")` for the empty element Windows
    /// sends when the first batch already ends the sequence.
    pub context: Option<String>,
    /// `wsman:Items`: `None` when absent (not optimized, or optimized with no
    /// result on Windows), each item an element ([`super::Item`]).
    pub items: Option<Vec<Element>>,
    /// `wsman:EndOfSequence`.
    pub end_of_sequence: bool,
}

impl Message for EnumerateResponse {
    fn action(&self) -> Option<Action> {
        Some(Action::EnumerateResponse)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSEN, "EnumerateResponse").ok_or(MessageError::MissingBody { expected: "wsen:EnumerateResponse" })?;
        Ok(Self::from_parts(ResponseParts::read(el.clone())))
    }

    fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
        let el = take(body, ns::WSEN, "EnumerateResponse").ok_or(MessageError::MissingBody { expected: "wsen:EnumerateResponse" })?;
        Ok(Self::from_parts(ResponseParts::read(el)))
    }

    fn into_body(self) -> Vec<Element> {
        let parts = ResponseParts { context: self.context, items: self.items, end_of_sequence: self.end_of_sequence };
        vec![parts.write(Element::ns(ns::WSEN, "EnumerateResponse"), ns::WSMAN)]
    }
}

impl EnumerateResponse {
    fn from_parts(p: ResponseParts) -> Self {
        EnumerateResponse { context: p.context, items: p.items, end_of_sequence: p.end_of_sequence }
    }
}

/// WS-Enumeration Pull.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pull {
    /// `wsen:EnumerationContext`, trimmed (may be empty; the store refuses it).
    pub context: String,
    /// `wsen:MaxTime`; dropped when it is not an `xs:duration`.
    pub max_time: Option<XsDuration>,
    /// `wsen:MaxElements` (the server defaults it to 1 and caps it).
    pub max_elements: Option<NonZeroU64>,
    /// `wsen:MaxCharacters`; dropped when it is not an integer, as the server
    /// always did.
    pub max_characters: Option<u64>,
}

impl Message for Pull {
    fn action(&self) -> Option<Action> {
        Some(Action::Pull)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSEN, "Pull").ok_or(MessageError::MissingBody { expected: "wsen:Pull" })?;
        let context = el.child(ns::WSEN, "EnumerationContext").map(trimmed).ok_or(MessageError::MissingEnumerationContext { message: "Pull" })?;
        let max_elements = el.child(ns::WSEN, "MaxElements").map(max_elements).transpose()?;
        Ok(Pull {
            context,
            max_time: el.child(ns::WSEN, "MaxTime").and_then(|t| XsDuration::parse(&t.text())),
            max_elements,
            max_characters: el.child(ns::WSEN, "MaxCharacters").and_then(|t| t.text().trim().parse().ok()),
        })
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSEN, "Pull").with_child(text_element(ns::WSEN, "EnumerationContext", self.context));
        if let Some(t) = self.max_time {
            el.push(text_element(ns::WSEN, "MaxTime", t.to_lexical()));
        }
        if let Some(n) = self.max_elements {
            el.push(text_element(ns::WSEN, "MaxElements", n.to_string()));
        }
        if let Some(n) = self.max_characters {
            el.push(text_element(ns::WSEN, "MaxCharacters", n.to_string()));
        }
        vec![el]
    }
}

/// WS-Enumeration PullResponse.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PullResponse {
    /// `wsen:EnumerationContext`: `None` on the last batch (Windows omits it).
    pub context: Option<String>,
    /// `wsen:Items`, each item an element ([`super::Item`]). An absent
    /// Items decodes as empty and is written as `<wsen:Items/>`.
    pub items: Vec<Element>,
    /// `wsen:EndOfSequence`.
    pub end_of_sequence: bool,
}

impl PullResponse {
    fn from_parts(p: ResponseParts) -> Self {
        PullResponse { context: p.context, items: p.items.unwrap_or_default(), end_of_sequence: p.end_of_sequence }
    }
}

impl Message for PullResponse {
    fn action(&self) -> Option<Action> {
        Some(Action::PullResponse)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSEN, "PullResponse").ok_or(MessageError::MissingBody { expected: "wsen:PullResponse" })?;
        Ok(Self::from_parts(ResponseParts::read(el.clone())))
    }

    fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
        let el = take(body, ns::WSEN, "PullResponse").ok_or(MessageError::MissingBody { expected: "wsen:PullResponse" })?;
        Ok(Self::from_parts(ResponseParts::read(el)))
    }

    fn into_body(self) -> Vec<Element> {
        let parts = ResponseParts { context: self.context, items: Some(self.items), end_of_sequence: self.end_of_sequence };
        vec![parts.write(Element::ns(ns::WSEN, "PullResponse"), ns::WSEN)]
    }
}

/// WS-Enumeration Release: ends a context early.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Release {
    /// `wsen:EnumerationContext`, trimmed.
    pub context: String,
}

impl Message for Release {
    fn action(&self) -> Option<Action> {
        Some(Action::Release)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        // A Release without its body and one without a context get the same
        // fault: there is no context to release.
        find(body, ns::WSEN, "Release")
            .and_then(|r| r.child(ns::WSEN, "EnumerationContext"))
            .map(|c| Release { context: trimmed(c) })
            .ok_or(MessageError::MissingEnumerationContext { message: "Release" })
    }

    fn into_body(self) -> Vec<Element> {
        vec![Element::ns(ns::WSEN, "Release").with_child(text_element(ns::WSEN, "EnumerationContext", self.context))]
    }
}

/// WS-Enumeration ReleaseResponse: an empty body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ReleaseResponse;

impl Message for ReleaseResponse {
    fn action(&self) -> Option<Action> {
        Some(Action::ReleaseResponse)
    }

    fn decode(_body: &[Element]) -> Result<Self, MessageError> {
        Ok(ReleaseResponse)
    }

    fn into_body(self) -> Vec<Element> {
        Vec::new()
    }
}
