//! WQL, the WMI Query Language subset WinRM accepts as an enumeration filter
//! (dialect [`ns::dialect::WQL`](crate::ns::dialect::WQL)), and the DMTF
//! SelectorFilter match (dialect [`ns::dialect::SELECTOR`](crate::ns::dialect::SELECTOR),
//! DSP0226 §8.3 with the MS-WSMV §4.9 example).
//!
//! Sans-IO and allocation-bounded: [`Query::parse`] turns a query string into
//! a small tree, [`Query::matches`] evaluates it against an [`Instance`].
//!
//! # Grammar
//!
//! ```text
//! query      := SELECT ( "*" | ident ( "," ident )* ) FROM ident [ WHERE expr ]
//! expr       := and ( OR and )*
//! and        := unary ( AND unary )*
//! unary      := NOT unary | "(" expr ")" | predicate
//! predicate  := operand cmp operand            -- one side a property, the other a literal
//!             | ident IS [ NOT ] NULL
//!             | ident [ NOT ] LIKE string
//! cmp        := "=" | "<>" | "!=" | "<" | ">" | "<=" | ">="
//! literal    := string | integer | real | TRUE | FALSE | NULL
//! string     := '...' | "..."                  -- backslash escapes \\ \' \"
//! ```
//!
//! Keywords and property names are case-insensitive, as in WMI. Anything else
//! (ASSOCIATORS OF, REFERENCES OF, ISA, property-to-property comparisons,
//! functions, ...) is a [`WqlError`]; the server answers it with
//! `wsen:CannotProcessFilter` ([`WqlError::to_fault`]).
//!
//! # Evaluation
//!
//! Comparisons follow WMI: strings compare case-insensitively; numbers compare
//! numerically; a string property compared with a number literal (and a
//! numeric property compared with a string literal) is coerced to a number;
//! booleans compare with `TRUE`/`FALSE` and with the strings `"true"`/`"false"`.
//! A comparison involving a null (or missing, or array) property is *unknown*;
//! unknown propagates through `AND`/`OR`/`NOT` with SQL three-valued logic and
//! an unknown result does not match, so `Prop <> 'x'` does not select
//! instances whose `Prop` is null. `LIKE` takes `%` (any run), `_` (any one
//! character) and `[abc]`, `[a-z]`, `[^abc]` sets, case-insensitively.

use std::cmp::Ordering;

use crate::fault::{Fault, FaultKind};
use crate::instance::{Instance, Value};
use crate::selector::SelectorSet;

/// Longest query text accepted, in bytes (WinRM filters are short; this bounds work).
pub const MAX_QUERY_LEN: usize = 64 * 1024;

/// Deepest nesting of parentheses and `NOT` accepted (bounds recursion).
pub const MAX_DEPTH: usize = 64;

/// Why a WQL query was refused. Positions are byte offsets into the query.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WqlError {
    /// The query is longer than [`MAX_QUERY_LEN`].
    #[error("query is {0} bytes long, more than the limit")]
    TooLong(usize),
    /// Parentheses or `NOT` nest deeper than [`MAX_DEPTH`].
    #[error("expression nests deeper than {MAX_DEPTH} levels at byte {0}")]
    TooDeep(usize),
    /// A character that starts no token.
    #[error("unexpected character {ch:?} at byte {pos}")]
    UnexpectedChar {
        /// Byte offset.
        pos: usize,
        /// The character.
        ch: char,
    },
    /// A string literal without its closing quote.
    #[error("unterminated string literal starting at byte {0}")]
    UnterminatedString(usize),
    /// A backslash escape other than `\\`, `\'`, `\"`.
    #[error("invalid escape in string literal at byte {0}")]
    InvalidEscape(usize),
    /// A number literal that does not parse or does not fit.
    #[error("invalid number literal at byte {0}")]
    InvalidNumber(usize),
    /// The query ended where more was expected.
    #[error("query ends where {expected} was expected")]
    UnexpectedEnd {
        /// What the parser wanted.
        expected: &'static str,
    },
    /// A token the grammar does not allow here.
    #[error("unexpected {found} at byte {pos}, expected {expected}")]
    UnexpectedToken {
        /// Byte offset.
        pos: usize,
        /// The token found, for humans.
        found: String,
        /// What the parser wanted.
        expected: &'static str,
    },
    /// A statement other than SELECT (ASSOCIATORS OF, REFERENCES OF, ...).
    #[error("unsupported statement {0:?}: only SELECT is supported")]
    UnsupportedStatement(String),
    /// A comparison between two properties, which WQL does not allow.
    #[error("comparison of two properties at byte {0}")]
    PropertyComparison(usize),
    /// A comparison between two literals.
    #[error("comparison of two literals at byte {0}")]
    LiteralComparison(usize),
}

impl WqlError {
    /// The fault the server sends for a refused query: `wsen:CannotProcessFilter`,
    /// as Windows does (WSManFault code 2150858778).
    pub fn to_fault(&self) -> Fault {
        Fault::new(FaultKind::EnumerationCannotProcessFilter, format!("The WQL filter cannot be processed: {self}"))
    }
}

impl From<WqlError> for Fault {
    fn from(e: WqlError) -> Fault {
        e.to_fault()
    }
}

/// A literal in a WQL expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A quoted string (escapes resolved).
    Str(String),
    /// An integer.
    Int(i128),
    /// A real number.
    Real(f64),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// `NULL`.
    Null,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`.
    Eq,
    /// `<>` or `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
}

impl CmpOp {
    /// The operator with its operands swapped (`5 < X` is `X > 5`).
    fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// A parsed WHERE expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `a AND b`.
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`.
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`.
    Not(Box<Expr>),
    /// `Property op literal` (a literal on the left is normalised to the right).
    Cmp {
        /// Property name as written.
        property: String,
        /// Operator.
        op: CmpOp,
        /// Right-hand literal.
        value: Literal,
    },
    /// `Property LIKE 'pattern'` (`NOT LIKE` parses to `Not(Like ..)`).
    Like {
        /// Property name as written.
        property: String,
        /// The pattern.
        pattern: String,
    },
    /// `Property IS NULL` (`IS NOT NULL` parses to `Not(IsNull ..)`).
    IsNull {
        /// Property name as written.
        property: String,
    },
}

/// A parsed WQL `SELECT` query.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    class_name: String,
    properties: Option<Vec<String>>,
    filter: Option<Expr>,
}

impl Query {
    /// Parses a query such as `SELECT Name, State FROM Win32_Service WHERE State = 'Running'`.
    pub fn parse(text: &str) -> Result<Query, WqlError> {
        if text.len() > MAX_QUERY_LEN {
            return Err(WqlError::TooLong(text.len()));
        }
        // Name the statement before lexing: `ASSOCIATORS OF {..}` holds braces the lexer refuses.
        let first = text.trim_start().split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
        if !first.is_empty() && !first.eq_ignore_ascii_case("SELECT") {
            return Err(WqlError::UnsupportedStatement(first.to_owned()));
        }
        let tokens = lex(text)?;
        Parser { tokens, pos: 0, end: text.len() }.query()
    }

    /// The class after `FROM`, as written.
    pub fn class_name(&self) -> &str {
        &self.class_name
    }

    /// The selected properties, `None` for `SELECT *`.
    pub fn properties(&self) -> Option<&[String]> {
        self.properties.as_deref()
    }

    /// True when the property `name` is selected (always for `SELECT *`), case-insensitively.
    pub fn selects(&self, name: &str) -> bool {
        match &self.properties {
            None => true,
            Some(list) => list.iter().any(|p| p.eq_ignore_ascii_case(name)),
        }
    }

    /// The WHERE expression, if any.
    pub fn filter(&self) -> Option<&Expr> {
        self.filter.as_ref()
    }

    /// Every property name the query mentions (selected or in WHERE), so a
    /// server can check them against the class as WMI does.
    pub fn referenced_properties(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.properties.iter().flatten().map(String::as_str).collect();
        if let Some(e) = &self.filter {
            collect_properties(e, &mut out);
        }
        out
    }

    /// True when `instance` satisfies the WHERE clause (always without one).
    /// The class name is not checked here: the server matches it against the resource URI.
    pub fn matches(&self, instance: &Instance) -> bool {
        match &self.filter {
            None => true,
            Some(e) => eval(e, instance) == Some(true),
        }
    }
}

fn collect_properties<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            collect_properties(a, out);
            collect_properties(b, out);
        }
        Expr::Not(a) => collect_properties(a, out),
        Expr::Cmp { property, .. } | Expr::Like { property, .. } | Expr::IsNull { property } => out.push(property),
    }
}

/// Does the instance match every selector of a DMTF SelectorFilter?
///
/// Each selector names a key or a property (case-insensitively); its value
/// matches the key value or the property's text case-insensitively, as WMI
/// compares strings. An array property matches when one item matches. A
/// selector naming nothing on the instance, or a null property, does not
/// match. An empty set matches every instance.
pub fn selector_filter_matches(filter: &SelectorSet, instance: &Instance) -> bool {
    filter.selectors.iter().all(|sel| {
        if let Some(v) = instance.keys.get(&sel.name) {
            if eq_ci(v, &sel.value) {
                return true;
            }
        }
        match instance.get(&sel.name) {
            Some(Value::Array(items)) => items.iter().any(|v| value_text_eq(v, &sel.value)),
            Some(v) => value_text_eq(v, &sel.value),
            None => false,
        }
    })
}

fn value_text_eq(v: &Value, text: &str) -> bool {
    match v {
        Value::Bool(b) => parse_bool(text) == Some(*b),
        other => other.to_text().is_some_and(|t| eq_ci(&t, text)),
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    cmp_ci(a, b) == Ordering::Equal
}

/// Case-insensitive string order (Unicode simple lowercase, as WMI compares).
fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.chars().flat_map(char::to_lowercase).cmp(b.chars().flat_map(char::to_lowercase))
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

// ---------------------------------------------------------------- evaluation

/// Three-valued evaluation: `None` is SQL's unknown.
fn eval(e: &Expr, inst: &Instance) -> Option<bool> {
    match e {
        Expr::And(a, b) => match (eval(a, inst), eval(b, inst)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Expr::Or(a, b) => match (eval(a, inst), eval(b, inst)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Expr::Not(a) => eval(a, inst).map(|b| !b),
        Expr::IsNull { property } => Some(matches!(inst.get(property), None | Some(Value::Null))),
        Expr::Like { property, pattern } => match inst.get(property) {
            None | Some(Value::Null) | Some(Value::Array(_)) => None,
            Some(v) => {
                let text = v.to_text()?;
                let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
                let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
                Some(like(&t, &p))
            }
        },
        Expr::Cmp { property, op, value } => {
            let v = inst.get(property)?;
            compare(v, value).map(|ord| op.holds(ord))
        }
    }
}

/// A numeric view of a value, for coercions.
#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Real(f64),
}

impl Num {
    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Real(r) => r,
        }
    }
}

fn parse_num(s: &str) -> Option<Num> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i128>() {
        return Some(Num::Int(i));
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::Real)
}

fn value_num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int((*i).into())),
        Value::UInt(u) => Some(Num::Int((*u).into())),
        Value::Real(r) => Some(Num::Real(*r)),
        Value::Bool(b) => Some(Num::Int((*b).into())),
        Value::Str(s) | Value::Datetime(s) => parse_num(s),
        Value::Null | Value::Array(_) => None,
    }
}

/// Orders a property value against a literal; `None` when incomparable (unknown).
fn compare(v: &Value, lit: &Literal) -> Option<Ordering> {
    match (v, lit) {
        (Value::Null | Value::Array(_), _) | (_, Literal::Null) => None,
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Literal::Str(s)) => Some(a.cmp(&parse_bool(s)?)),
        (Value::Str(s), Literal::Bool(b)) => Some(parse_bool(s)?.cmp(b)),
        (_, Literal::Bool(_)) => None,
        (Value::Str(a) | Value::Datetime(a), Literal::Str(b)) => Some(cmp_ci(a, b)),
        (Value::Int(_) | Value::UInt(_) | Value::Real(_), Literal::Str(s)) => value_num(v)?.cmp(parse_num(s)?),
        (Value::Bool(_), _) => value_num(v)?.cmp(lit_num(lit)?),
        (_, Literal::Int(_) | Literal::Real(_)) => value_num(v)?.cmp(lit_num(lit)?),
    }
}

fn lit_num(lit: &Literal) -> Option<Num> {
    match lit {
        Literal::Int(i) => Some(Num::Int(*i)),
        Literal::Real(r) => Some(Num::Real(*r)),
        _ => None,
    }
}

/// WMI LIKE over lowercased characters. Iterative with one backtrack point per
/// `%` (the classic wildcard algorithm), so the cost is O(text × pattern).
fn like(text: &[char], pat: &[char]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() && pat[p] == '%' {
            star = Some((p, t));
            p += 1;
            continue;
        }
        if p < pat.len() {
            let (matched, next) = match_one(pat, p, text[t]);
            if matched {
                t += 1;
                p = next;
                continue;
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|c| *c == '%')
}

/// Matches one pattern element at `p` against `c`: `(matched, next_p)`.
fn match_one(pat: &[char], p: usize, c: char) -> (bool, usize) {
    match pat[p] {
        '_' => (true, p + 1),
        '[' => {
            // A set: find its closing bracket; an unclosed '[' is a literal.
            let close = pat[p + 1..].iter().position(|x| *x == ']').map(|i| p + 1 + i);
            let Some(close) = close else {
                return (c == '[', p + 1);
            };
            let mut body = &pat[p + 1..close];
            let negate = body.first() == Some(&'^');
            if negate {
                body = &body[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < body.len() {
                if i + 2 < body.len() && body[i + 1] == '-' {
                    hit |= body[i] <= c && c <= body[i + 2];
                    i += 3;
                } else {
                    hit |= body[i] == c;
                    i += 1;
                }
            }
            (hit != negate, close + 1)
        }
        lit => (lit == c, p + 1),
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i128),
    Real(f64),
    Star,
    Comma,
    LParen,
    RParen,
    Op(CmpOp),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier {s:?}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Int(i) => format!("number {i}"),
            Tok::Real(r) => format!("number {r}"),
            Tok::Star => "'*'".into(),
            Tok::Comma => "','".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Op(op) => format!("operator {op:?}"),
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, WqlError> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some(&(pos, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
            continue;
        }
        let tok = match c {
            '*' => single(&mut it, Tok::Star),
            ',' => single(&mut it, Tok::Comma),
            '(' => single(&mut it, Tok::LParen),
            ')' => single(&mut it, Tok::RParen),
            '=' => single(&mut it, Tok::Op(CmpOp::Eq)),
            '<' | '>' | '!' => {
                it.next();
                let next = it.peek().map(|&(_, n)| n);
                let op = match (c, next) {
                    ('<', Some('>')) => Some(CmpOp::Ne),
                    ('<', Some('=')) => Some(CmpOp::Le),
                    ('>', Some('=')) => Some(CmpOp::Ge),
                    ('!', Some('=')) => Some(CmpOp::Ne),
                    _ => None,
                };
                match op {
                    Some(op) => {
                        it.next();
                        Tok::Op(op)
                    }
                    None if c == '<' => Tok::Op(CmpOp::Lt),
                    None if c == '>' => Tok::Op(CmpOp::Gt),
                    None => return Err(WqlError::UnexpectedChar { pos, ch: c }),
                }
            }
            '\'' | '"' => {
                it.next();
                let mut s = String::new();
                loop {
                    match it.next() {
                        None => return Err(WqlError::UnterminatedString(pos)),
                        Some((_, q)) if q == c => break,
                        Some((epos, '\\')) => match it.next() {
                            Some((_, e @ ('\\' | '\'' | '"'))) => s.push(e),
                            _ => return Err(WqlError::InvalidEscape(epos)),
                        },
                        Some((_, ch)) => s.push(ch),
                    }
                }
                Tok::Str(s)
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let mut s = String::new();
                s.push(c);
                it.next();
                while let Some(&(_, d)) = it.peek() {
                    if d.is_ascii_alphanumeric() || d == '.' || d == '_' {
                        s.push(d);
                        it.next();
                    } else {
                        break;
                    }
                }
                number(&s, pos)?
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut s = String::new();
                while let Some(&(_, d)) = it.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        s.push(d);
                        it.next();
                    } else {
                        break;
                    }
                }
                Tok::Ident(s)
            }
            other => return Err(WqlError::UnexpectedChar { pos, ch: other }),
        };
        out.push((pos, tok));
    }
    Ok(out)
}

fn single(it: &mut std::iter::Peekable<std::str::CharIndices<'_>>, tok: Tok) -> Tok {
    it.next();
    tok
}

fn number(s: &str, pos: usize) -> Result<Tok, WqlError> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    // Only decimal digits with at most one '.', and at least one digit.
    let valid = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return Err(WqlError::InvalidNumber(pos));
    }
    if digits.contains('.') {
        s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Tok::Real).ok_or(WqlError::InvalidNumber(pos))
    } else {
        s.parse::<i128>().map(Tok::Int).map_err(|_| WqlError::InvalidNumber(pos))
    }
}

// ---------------------------------------------------------------- parser

const RESERVED: &[&str] = &["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "LIKE", "IS", "NULL", "TRUE", "FALSE"];

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    /// Byte length of the query, the position reported at its end.
    end: usize,
}

/// One side of a comparison before it is normalised.
enum Operand {
    Property(String),
    Literal(Literal),
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn here(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(p, _)| *p)
    }

    fn next(&mut self, expected: &'static str) -> Result<(usize, Tok), WqlError> {
        let t = self.tokens.get(self.pos).cloned().ok_or(WqlError::UnexpectedEnd { expected })?;
        self.pos += 1;
        Ok(t)
    }

    fn unexpected(pos: usize, tok: &Tok, expected: &'static str) -> WqlError {
        WqlError::UnexpectedToken { pos, found: tok.describe(), expected }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_kw(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str, expected: &'static str) -> Result<(), WqlError> {
        let (pos, t) = self.next(expected)?;
        if t.is_kw(kw) {
            Ok(())
        } else {
            Err(Self::unexpected(pos, &t, expected))
        }
    }

    /// A property or class name: an identifier that is not a keyword.
    fn name(&mut self, expected: &'static str) -> Result<String, WqlError> {
        let (pos, t) = self.next(expected)?;
        match t {
            Tok::Ident(s) if !RESERVED.iter().any(|k| s.eq_ignore_ascii_case(k)) => Ok(s),
            other => Err(Self::unexpected(pos, &other, expected)),
        }
    }

    fn query(mut self) -> Result<Query, WqlError> {
        match self.peek() {
            None => return Err(WqlError::UnexpectedEnd { expected: "SELECT" }),
            Some(t) if t.is_kw("SELECT") => self.pos += 1,
            Some(Tok::Ident(s)) => return Err(WqlError::UnsupportedStatement(s.clone())),
            Some(t) => return Err(Self::unexpected(self.here(), t, "SELECT")),
        }
        let properties = if self.peek() == Some(&Tok::Star) {
            self.pos += 1;
            None
        } else {
            let mut list = vec![self.name("'*' or a property name")?];
            while self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                list.push(self.name("a property name")?);
            }
            Some(list)
        };
        self.expect_kw("FROM", "FROM")?;
        let class_name = self.name("a class name")?;
        let filter = if self.eat_kw("WHERE") { Some(self.or_expr(0)?) } else { None };
        if let Some((pos, t)) = self.tokens.get(self.pos) {
            return Err(Self::unexpected(*pos, t, "end of query"));
        }
        Ok(Query { class_name, properties, filter })
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr, WqlError> {
        let mut left = self.and_expr(depth)?;
        while self.eat_kw("OR") {
            let right = self.and_expr(depth)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, WqlError> {
        let mut left = self.unary(depth)?;
        while self.eat_kw("AND") {
            let right = self.unary(depth)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, WqlError> {
        if depth >= MAX_DEPTH {
            return Err(WqlError::TooDeep(self.here()));
        }
        if self.eat_kw("NOT") {
            return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or_expr(depth + 1)?;
            let (pos, t) = self.next("')'")?;
            if t != Tok::RParen {
                return Err(Self::unexpected(pos, &t, "')'"));
            }
            return Ok(e);
        }
        self.predicate()
    }

    fn operand(&mut self) -> Result<(usize, Operand), WqlError> {
        const EXPECTED: &str = "a property name or a literal";
        let (pos, t) = self.next(EXPECTED)?;
        let op = match t {
            Tok::Str(s) => Operand::Literal(Literal::Str(s)),
            Tok::Int(i) => Operand::Literal(Literal::Int(i)),
            Tok::Real(r) => Operand::Literal(Literal::Real(r)),
            ref k if k.is_kw("TRUE") => Operand::Literal(Literal::Bool(true)),
            ref k if k.is_kw("FALSE") => Operand::Literal(Literal::Bool(false)),
            ref k if k.is_kw("NULL") => Operand::Literal(Literal::Null),
            Tok::Ident(s) if !RESERVED.iter().any(|k| s.eq_ignore_ascii_case(k)) => Operand::Property(s),
            other => return Err(Self::unexpected(pos, &other, EXPECTED)),
        };
        Ok((pos, op))
    }

    fn predicate(&mut self) -> Result<Expr, WqlError> {
        let (lpos, left) = self.operand()?;
        // Property IS [NOT] NULL / Property [NOT] LIKE 'pattern'.
        if let Operand::Property(property) = &left {
            if self.eat_kw("IS") {
                let negate = self.eat_kw("NOT");
                self.expect_kw("NULL", "NULL")?;
                let e = Expr::IsNull { property: property.clone() };
                return Ok(if negate { Expr::Not(Box::new(e)) } else { e });
            }
            let negate = self.eat_kw("NOT");
            if negate || self.peek().is_some_and(|t| t.is_kw("LIKE")) {
                self.expect_kw("LIKE", "LIKE")?;
                let (pos, t) = self.next("a string pattern")?;
                let Tok::Str(pattern) = t else {
                    return Err(Self::unexpected(pos, &t, "a string pattern"));
                };
                let e = Expr::Like { property: property.clone(), pattern };
                return Ok(if negate { Expr::Not(Box::new(e)) } else { e });
            }
        }
        let (opos, t) = self.next("a comparison operator")?;
        let Tok::Op(op) = t else {
            return Err(Self::unexpected(opos, &t, "a comparison operator"));
        };
        let (_, right) = self.operand()?;
        let (property, op, value) = match (left, right) {
            (Operand::Property(p), Operand::Literal(l)) => (p, op, l),
            (Operand::Literal(l), Operand::Property(p)) => (p, op.flipped(), l),
            (Operand::Property(_), Operand::Property(_)) => return Err(WqlError::PropertyComparison(lpos)),
            (Operand::Literal(_), Operand::Literal(_)) => return Err(WqlError::LiteralComparison(lpos)),
        };
        // `= NULL` / `<> NULL` are WMI spellings of IS [NOT] NULL.
        match (op, &value) {
            (CmpOp::Eq, Literal::Null) => Ok(Expr::IsNull { property }),
            (CmpOp::Ne, Literal::Null) => Ok(Expr::Not(Box::new(Expr::IsNull { property }))),
            _ => Ok(Expr::Cmp { property, op, value }),
        }
    }
}

#[cfg(test)]
mod tests;
