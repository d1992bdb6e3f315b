//! A subscription's event filter: [`EventQuery`].
//!
//! Three forms, chosen by the Subscribe's `wsman:Filter@Dialect`:
//!
//! - none (no filter): every event of the subscribed resource;
//! - the Windows event query, dialect [`ns::dialect::EVENT_QUERY`], what
//!   Windows Event Forwarding sends (a `Dialect` left out with a `QueryList`
//!   inside is read the same way):
//!
//!   ```text
//!   <QueryList>
//!     <Query Id="0" Path="System">
//!       <Select Path="System">*[System[(EventID=7036)]]</Select>
//!       <Select>*[System[Provider[@Name='Service Control Manager'] and (Level=4 or Level=0)]]</Select>
//!       <Suppress Path="System">*[System[(EventID=7040)]]</Suppress>
//!     </Query>
//!   </QueryList>
//!   ```
//!
//!   A `Select` or `Suppress` without `Path` takes its `Query`'s. An event
//!   passes a `Query` when its log is the `Path` of one of its `Select`s
//!   (case-insensitively) whose XPath accepts it, and of none of its
//!   `Suppress`es whose XPath accepts it; it passes the list when it passes
//!   one `Query`. Events outside the Windows logs (the BMC's) pass no
//!   QueryList. The XPath subset:
//!
//!   ```text
//!   xpath     := "*" [ "[" "System" "[" or "]" "]" ]
//!   or        := and ( "or" and )*
//!   and       := primary ( "and" primary )*
//!   primary   := "(" or ")" | "Provider" "[" names "]" | field op integer
//!   names     := name ( "or" name )* | "(" names ")"
//!   name      := "@Name" "=" string                    -- '...' or "..."; compared case-insensitively
//!   field     := "EventID" | "Level" | "EventRecordID"
//!   op        := "=" | "!=" | "<" | "<=" | ">" | ">="
//!   ```
//!
//! - WQL, dialect [`ns::dialect::WQL`]: `SELECT * FROM Win32_NTLogEvent [WHERE ...]`
//!   over the Windows log events, whose properties are `Logfile`,
//!   `EventCode`, `EventIdentifier`, `SourceName`, `RecordNumber`, `EventType`
//!   (3 information, 2 warning, 1 error) and `Type`; or `SELECT * FROM
//!   CIM_AlertIndication [WHERE ...]` over the BMC's indications and their
//!   properties.
//!
//! Anything else is a [`FilterError`]: a dialect the server does not know
//! ([`FilterError::is_dialect`]: wse:FilteringRequestedUnavailable), or a
//! query in a known dialect it cannot process (wsman:CannotProcessFilter).

use wsman_proto::ns;
use wsman_proto::wql::{self, WqlError};
use wsman_proto::xml::{Element, Node};
use wsman_proto::{Instance, Value};

use super::SourceEvent;

/// The WQL class of the Windows log events.
pub const NT_LOG_EVENT_CLASS: &str = "Win32_NTLogEvent";

/// Longest XPath text accepted in one Select or Suppress.
const MAX_XPATH_LEN: usize = 4096;
/// Deepest nesting of parentheses accepted (bounds recursion).
const MAX_DEPTH: usize = 32;
/// Most Query, Select and Suppress elements accepted in one QueryList.
const MAX_SELECTORS: usize = 256;

/// Why a filter was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// A dialect the event sources do not support.
    #[error("filter dialect {0} is not supported for events")]
    UnsupportedDialect(String),
    /// An event query whose content is not one `QueryList` element.
    #[error("the event query filter holds no QueryList element")]
    NotAQueryList,
    /// A `QueryList` without any `Query`, or a `Query` without `Select`.
    #[error("the QueryList selects nothing: {0}")]
    Empty(&'static str),
    /// An element inside `QueryList` or `Query` other than the known ones.
    #[error("unexpected element {0} in the QueryList")]
    UnexpectedElement(String),
    /// A `Select` or `Suppress` with no `Path` (and none on its `Query`).
    #[error("a Select or Suppress has no Path")]
    MissingPath,
    /// More Query, Select and Suppress elements than accepted.
    #[error("the QueryList has more than {MAX_SELECTORS} selectors")]
    TooLarge,
    /// XPath outside the supported subset.
    #[error("XPath {xpath:?} is outside the supported subset at byte {pos}: {reason}")]
    UnsupportedXPath {
        /// The XPath text.
        xpath: String,
        /// Byte offset of the problem.
        pos: usize,
        /// What was expected.
        reason: &'static str,
    },
    /// A WQL query that does not parse.
    #[error("WQL: {0}")]
    Wql(#[from] WqlError),
    /// A WQL query over a class that is not an event class.
    #[error("WQL class {0} is not an event class (Win32_NTLogEvent, CIM_AlertIndication)")]
    WqlClass(String),
}

impl FilterError {
    /// True when the dialect itself is refused (wse:FilteringRequestedUnavailable);
    /// false for a query the server cannot process (wsman:CannotProcessFilter).
    pub fn is_dialect(&self) -> bool {
        matches!(self, FilterError::UnsupportedDialect(_))
    }
}

/// A subscription's filter, compiled from its Subscribe (see the module docs).
///
/// The lead's store implements its filter trait with it:
///
/// ```text
/// impl EventFilter<SourceEvent> for EventQuery {
///     fn matches(&self, event: &SourceEvent) -> bool { EventQuery::matches(self, event) }
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum EventQuery {
    /// No filter: every event of the subscribed resource.
    All,
    /// A Windows event query.
    QueryList(Vec<Query>),
    /// A WQL query over an event class.
    Wql(wql::Query),
}

/// One `Query` of a QueryList.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// Its `Select`s.
    pub selects: Vec<Selector>,
    /// Its `Suppress`es.
    pub suppresses: Vec<Selector>,
}

/// One `Select` or `Suppress`: a log and an XPath over its events.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    /// The log (`Path`).
    pub path: String,
    /// The condition, `None` for `*`.
    pub condition: Option<Condition>,
}

/// The condition inside `*[System[...]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// All must hold.
    And(Vec<Condition>),
    /// One must hold.
    Or(Vec<Condition>),
    /// `field op value`.
    Compare {
        /// The System field.
        field: Field,
        /// The operator.
        op: Op,
        /// The integer compared with.
        value: u64,
    },
    /// `Provider[@Name='A' or @Name='B']`.
    Provider(Vec<String>),
}

/// A numeric field of `System`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `EventID`.
    EventId,
    /// `Level`.
    Level,
    /// `EventRecordID`.
    EventRecordId,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl EventQuery {
    /// Compiles the filter of a Subscribe: its `Dialect` (`None` when the
    /// attribute is absent) and its content (the filter element's children);
    /// `None` for both means no filter at all.
    pub fn parse(dialect: Option<&str>, content: &[Node]) -> Result<EventQuery, FilterError> {
        let element = content.iter().find_map(|n| if let Node::Element(e) = n { Some(e) } else { None });
        let text: String = content.iter().filter_map(|n| if let Node::Text(t) = n { Some(t.as_str()) } else { None }).collect();
        match dialect {
            None if element.is_none() && text.trim().is_empty() => Ok(EventQuery::All),
            Some(d) if d == ns::dialect::EVENT_QUERY => Self::parse_query_list(element),
            None if element.is_some_and(|e| e.name == "QueryList") => Self::parse_query_list(element),
            Some(d) if d == ns::dialect::WQL => Self::parse_wql(text.trim()),
            Some(d) => Err(FilterError::UnsupportedDialect(d.to_owned())),
            // Without Dialect, DSP0226 §10.2.1 means XPath; only the QueryList form is supported.
            None => Err(FilterError::UnsupportedDialect(ns::dialect::XPATH.to_owned())),
        }
    }

    /// Compiles a WQL event query.
    pub fn parse_wql(text: &str) -> Result<EventQuery, FilterError> {
        let q = wql::Query::parse(text)?;
        let class = q.class_name();
        if class.eq_ignore_ascii_case(NT_LOG_EVENT_CLASS) || class.eq_ignore_ascii_case(super::bmc::INDICATION_CLASS) {
            Ok(EventQuery::Wql(q))
        } else {
            Err(FilterError::WqlClass(class.to_owned()))
        }
    }

    /// Compiles a `QueryList` element.
    pub fn parse_query_list(element: Option<&Element>) -> Result<EventQuery, FilterError> {
        let list = element.filter(|e| e.name == "QueryList").ok_or(FilterError::NotAQueryList)?;
        let mut queries = Vec::new();
        let mut count = 0usize;
        for q in list.elements() {
            if q.name != "Query" {
                return Err(FilterError::UnexpectedElement(q.name.clone()));
            }
            let default_path = q.attr(None, "Path");
            let mut query = Query { selects: Vec::new(), suppresses: Vec::new() };
            for s in q.elements() {
                count += 1;
                if count > MAX_SELECTORS {
                    return Err(FilterError::TooLarge);
                }
                let path = s.attr(None, "Path").or(default_path).ok_or(FilterError::MissingPath)?.to_owned();
                let condition = parse_xpath(s.text().trim())?;
                let selector = Selector { path, condition };
                match s.name.as_str() {
                    "Select" => query.selects.push(selector),
                    "Suppress" => query.suppresses.push(selector),
                    other => return Err(FilterError::UnexpectedElement(other.to_owned())),
                }
            }
            if query.selects.is_empty() {
                return Err(FilterError::Empty("a Query has no Select"));
            }
            queries.push(query);
        }
        if queries.is_empty() {
            return Err(FilterError::Empty("the QueryList has no Query"));
        }
        Ok(EventQuery::QueryList(queries))
    }

    /// True when the subscription wants `event` (see the module docs).
    /// The resource is not checked here: the store only offers a
    /// subscription the events of the resource it subscribed to.
    pub fn matches(&self, event: &SourceEvent) -> bool {
        match self {
            EventQuery::All => true,
            EventQuery::QueryList(queries) => queries.iter().any(|q| q.matches(event)),
            EventQuery::Wql(q) => {
                if q.class_name().eq_ignore_ascii_case(NT_LOG_EVENT_CLASS) {
                    nt_log_event(event).is_some_and(|i| q.matches(&i))
                } else {
                    indication(event).is_some_and(|i| q.matches(&i))
                }
            }
        }
    }
}

impl Query {
    fn matches(&self, event: &SourceEvent) -> bool {
        let hit = |s: &Selector| s.matches(event);
        self.selects.iter().any(hit) && !self.suppresses.iter().any(hit)
    }
}

impl Selector {
    fn matches(&self, event: &SourceEvent) -> bool {
        event.log.as_deref().is_some_and(|log| log.eq_ignore_ascii_case(&self.path)) && self.condition.as_ref().is_none_or(|c| c.matches(event))
    }
}

impl Condition {
    fn matches(&self, event: &SourceEvent) -> bool {
        match self {
            Condition::And(all) => all.iter().all(|c| c.matches(event)),
            Condition::Or(any) => any.iter().any(|c| c.matches(event)),
            Condition::Provider(names) => names.iter().any(|n| n.eq_ignore_ascii_case(&event.provider)),
            Condition::Compare { field, op, value } => {
                let actual = match field {
                    Field::EventId => u64::from(event.event_id),
                    Field::Level => u64::from(event.level),
                    Field::EventRecordId => event.record_id,
                };
                match op {
                    Op::Eq => actual == *value,
                    Op::Ne => actual != *value,
                    Op::Lt => actual < *value,
                    Op::Le => actual <= *value,
                    Op::Gt => actual > *value,
                    Op::Ge => actual >= *value,
                }
            }
        }
    }
}

/// The `Win32_NTLogEvent` view of a Windows log event, for WQL.
fn nt_log_event(event: &SourceEvent) -> Option<Instance> {
    let log = event.log.as_deref()?;
    // Win32_NTLogEvent.EventType: 1 error, 2 warning, 3 information (critical counts as error).
    let (event_type, type_text) = match event.level {
        1 | 2 => (1, "Error"),
        3 => (2, "Warning"),
        _ => (3, "Information"),
    };
    Some(
        Instance::new(ns::EVENTLOG_RESOURCE, NT_LOG_EVENT_CLASS)
            .with("Logfile", Value::str(log))
            .with("EventCode", Value::UInt(event.event_id.into()))
            .with("EventIdentifier", Value::UInt(event.event_id.into()))
            .with("SourceName", Value::str(event.provider.clone()))
            .with("RecordNumber", Value::UInt(event.record_id))
            .with("EventType", Value::UInt(event_type))
            .with("Type", Value::str(type_text)),
    )
}

/// The properties of an indication's payload, for WQL.
fn indication(event: &SourceEvent) -> Option<Instance> {
    if event.log.is_some() || !event.payload.name.eq_ignore_ascii_case(super::bmc::INDICATION_CLASS) {
        return None;
    }
    let mut i = Instance::new(event.resource_uri.clone(), event.payload.name.clone());
    i.properties = Instance::properties_from_element(&event.payload).ok()?;
    Some(i)
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Star,
    Open,
    Close,
    LParen,
    RParen,
    At,
    Op(Op),
    Ident(String),
    Int(u64),
    Str(String),
}

struct XPath<'a> {
    text: &'a str,
    toks: Vec<(usize, Tok)>,
    pos: usize,
    depth: usize,
}

/// Parses one Select/Suppress XPath; `None` for `*`.
fn parse_xpath(text: &str) -> Result<Option<Condition>, FilterError> {
    if text.len() > MAX_XPATH_LEN {
        return Err(FilterError::UnsupportedXPath { xpath: text.chars().take(64).collect(), pos: MAX_XPATH_LEN, reason: "a shorter XPath" });
    }
    let toks = lex(text)?;
    let mut p = XPath { text, toks, pos: 0, depth: 0 };
    p.expect(&Tok::Star, "*")?;
    if p.at_end() {
        return Ok(None);
    }
    p.expect(&Tok::Open, "[ after *")?;
    p.keyword("System")?;
    p.expect(&Tok::Open, "[ after System")?;
    let c = p.or()?;
    p.expect(&Tok::Close, "] closing System[")?;
    p.expect(&Tok::Close, "] closing *[")?;
    if !p.at_end() {
        return Err(p.error("the end of the XPath"));
    }
    Ok(Some(c))
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let err = |pos: usize, reason: &'static str| FilterError::UnsupportedXPath { xpath: text.to_owned(), pos, reason };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'*' => Tok::Star,
            b'[' => Tok::Open,
            b']' => Tok::Close,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'@' => Tok::At,
            b'=' => Tok::Op(Op::Eq),
            b'!' if bytes.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op(Op::Ne)
            }
            b'<' | b'>' => {
                let eq = bytes.get(i + 1) == Some(&b'=');
                if eq {
                    i += 1;
                }
                Tok::Op(match (c, eq) {
                    (b'<', false) => Op::Lt,
                    (b'<', true) => Op::Le,
                    (_, false) => Op::Gt,
                    (_, true) => Op::Ge,
                })
            }
            b'\'' | b'"' => {
                let end = text[i + 1..].find(c as char).ok_or_else(|| err(i, "a closing quote"))?;
                let s = text[i + 1..i + 1 + end].to_owned();
                i += end + 1;
                Tok::Str(s)
            }
            b'0'..=b'9' => {
                let end = text[i..].find(|ch: char| !ch.is_ascii_digit()).map_or(text.len(), |e| i + e);
                let n = text[i..end].parse().map_err(|_| err(i, "an integer that fits 64 bits"))?;
                i = end - 1;
                Tok::Int(n)
            }
            c if c.is_ascii_alphabetic() => {
                let end = text[i..].find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')).map_or(text.len(), |e| i + e);
                let s = text[i..end].to_owned();
                i = end - 1;
                Tok::Ident(s)
            }
            _ => return Err(err(i, "a token of the supported XPath subset")),
        };
        out.push((start, tok));
        i += 1;
    }
    Ok(out)
}

impl XPath<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn error(&self, reason: &'static str) -> FilterError {
        let pos = self.toks.get(self.pos).map_or(self.text.len(), |(p, _)| *p);
        FilterError::UnsupportedXPath { xpath: self.text.to_owned(), pos, reason }
    }

    fn expect(&mut self, tok: &Tok, reason: &'static str) -> Result<(), FilterError> {
        if self.peek() == Some(tok) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn keyword(&mut self, word: &'static str) -> Result<(), FilterError> {
        match self.peek() {
            Some(Tok::Ident(s)) if s == word => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.error(word)),
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == word)
    }

    fn nest(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("less nesting"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Condition, FilterError> {
        let mut terms = vec![self.and()?];
        while self.is_word("or") {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Condition::Or(terms) })
    }

    fn and(&mut self) -> Result<Condition, FilterError> {
        let mut terms = vec![self.primary()?];
        while self.is_word("and") {
            self.pos += 1;
            terms.push(self.primary()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Condition::And(terms) })
    }

    fn primary(&mut self) -> Result<Condition, FilterError> {
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                self.nest()?;
                let c = self.or()?;
                self.expect(&Tok::RParen, ")")?;
                self.depth -= 1;
                Ok(c)
            }
            Some(Tok::Ident(word)) if word == "Provider" => {
                self.pos += 1;
                self.expect(&Tok::Open, "[ after Provider")?;
                let names = self.names()?;
                self.expect(&Tok::Close, "] closing Provider[")?;
                Ok(Condition::Provider(names))
            }
            Some(Tok::Ident(word)) => {
                let field = match word.as_str() {
                    "EventID" => Field::EventId,
                    "Level" => Field::Level,
                    "EventRecordID" => Field::EventRecordId,
                    _ => return Err(self.error("EventID, Level, EventRecordID or Provider")),
                };
                self.pos += 1;
                let op = match self.peek() {
                    Some(Tok::Op(op)) => *op,
                    _ => return Err(self.error("a comparison operator")),
                };
                self.pos += 1;
                let value = match self.peek() {
                    Some(Tok::Int(n)) => *n,
                    _ => return Err(self.error("an integer")),
                };
                self.pos += 1;
                Ok(Condition::Compare { field, op, value })
            }
            _ => Err(self.error("a condition")),
        }
    }

    fn names(&mut self) -> Result<Vec<String>, FilterError> {
        let mut out = Vec::new();
        loop {
            if self.peek() == Some(&Tok::LParen) {
                self.pos += 1;
                self.nest()?;
                out.extend(self.names()?);
                self.expect(&Tok::RParen, ")")?;
                self.depth -= 1;
            } else {
                self.expect(&Tok::At, "@Name")?;
                self.keyword("Name")?;
                self.expect(&Tok::Op(Op::Eq), "= after @Name")?;
                match self.peek().cloned() {
                    Some(Tok::Str(s)) => {
                        self.pos += 1;
                        out.push(s);
                    }
                    _ => return Err(self.error("a quoted provider name")),
                }
            }
            if !self.is_word("or") {
                return Ok(out);
            }
            self.pos += 1;
        }
    }
}
