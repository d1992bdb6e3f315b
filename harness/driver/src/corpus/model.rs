//! The corpus data model: profiles, cases, steps, expectations, assertions.
//!
//! These types are what `manifest.toml` deserializes into (see
//! `corpus/README.md` for the file format). Single-step cases give their
//! template, expectation and assertions at case level; [`Case::steps`] always
//! holds at least one normalized [`Step`].

use std::collections::BTreeMap;

use serde::Deserialize;

/// One profile: a `corpus/<profile>/manifest.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Profile name (`core`, `transfer`, ...).
    pub name: String,
    /// One line saying what the profile exercises.
    pub description: String,
    /// Fault subcodes (`wsa:ActionNotSupported`) that mean "the endpoint does
    /// not implement this feature": a step answered with one of them, and not
    /// expecting it, makes the case UNIMPLEMENTED instead of FAIL.
    pub unimplemented_when: Vec<String>,
    /// Variables available to every case of the profile.
    pub vars: BTreeMap<String, String>,
    /// Extra XPath prefixes for the assertions (values may use variables).
    pub namespaces: BTreeMap<String, String>,
}

/// One case (possibly a multi-step scenario).
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Globally unique id: `<profile>/<operation>/<case>`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Profile whose manifest holds the case.
    pub profile: String,
    /// Every profile the case belongs to (selection by `--profile`).
    pub profiles: Vec<String>,
    /// Spec clause the case tests (`DSP0226 §8.2`).
    pub clause: String,
    /// PROTOCOL.md §4 rules the case covers (`R12`).
    pub rules: Vec<String>,
    /// Headers exercised: `+wsa:To` (positive) or `-wsa:To` (negative).
    pub headers: Vec<String>,
    /// Run alone, after the concurrent cases (it changes shared state).
    pub exclusive: bool,
    /// Case-level variables (override profile variables).
    pub vars: BTreeMap<String, String>,
    /// Target roles the case needs (`keyed`, `method`, ...): without them
    /// the case is SKIP (`target has no keyed`); their variables are in scope.
    pub roles: Vec<String>,
    /// The keyed role must promise at least this many instances.
    pub min_instances: Option<u32>,
    /// XML fragments of the case (markup, inserted as is): set only by
    /// [`crate::Target::profile_cases`], never by a manifest.
    pub fragments: BTreeMap<String, String>,
    /// The steps, in order; at least one.
    pub steps: Vec<Step>,
}

impl Case {
    /// Every fault QName the case expects in some step (all alternatives).
    pub fn expected_faults(&self) -> impl Iterator<Item = &str> {
        self.steps
            .iter()
            .filter_map(|s| s.expect.fault.as_ref())
            .flat_map(|f| f.subcode.iter().map(String::as_str).chain(f.code.iter().map(String::as_str).filter(|c| !matches!(*c, "s:Sender" | "s:Receiver"))))
    }
}

/// One request/response exchange of a case.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Template path relative to the profile directory.
    #[serde(default)]
    pub template: String,
    /// Send the rendered text as is, without checking it is well-formed XML
    /// (for deliberately broken requests).
    #[serde(default)]
    pub raw: bool,
    /// Step-level variables.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// HTTP-level options of the request.
    #[serde(default)]
    pub http: HttpOptions,
    /// What the response must be.
    #[serde(default)]
    pub expect: Expect,
    /// Values to capture from the response: name -> XPath (string value).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Repeat the step until an XPath condition holds.
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// XPath assertions on the response.
    #[serde(default, rename = "assert")]
    pub asserts: Vec<XPathAssertion>,
}

/// HTTP options of a step.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpOptions {
    /// Credentials: `"basic"` (default: the run's user), `"none"`, or `"wrong"` (a bad password).
    #[serde(default)]
    pub auth: Option<String>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Content-Type override (default `application/soap+xml;charset=UTF-8`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// HTTP method (default POST).
    #[serde(default)]
    pub method: Option<String>,
    /// Replaces the path of the endpoint URL.
    #[serde(default)]
    pub path: Option<String>,
    /// Body encoding: `utf-8` (default) or `utf-16le` (with BOM).
    #[serde(default)]
    pub encoding: Option<String>,
    /// Sends the body with `Transfer-Encoding: chunked` in chunks of this
    /// many octets (at least 1) instead of with Content-Length.
    #[serde(default)]
    pub chunked: Option<usize>,
}

/// The expected outcome of a step.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Success: the response Action (default: the request Action + `Response`).
    #[serde(default)]
    pub action: Option<String>,
    /// A SOAP fault.
    #[serde(default)]
    pub fault: Option<ExpectFault>,
    /// A transport refusal: any of these HTTP statuses with no SOAP envelope
    /// required. With `fault` as well, either outcome passes.
    #[serde(default)]
    pub transport: Vec<u16>,
    /// Success and fault are both acceptable (the generic checks still apply).
    #[serde(default)]
    pub either: bool,
}

/// An expected fault; every list is a set of acceptable alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFault {
    /// `s:Code/s:Value` QNames (default: not checked beyond being a SOAP code).
    #[serde(default)]
    pub code: Vec<String>,
    /// `s:Subcode/s:Value` QNames, e.g. `wsman:InvalidSelectors`.
    #[serde(default)]
    pub subcode: Vec<String>,
    /// `wsman:FaultDetail` names (or full URIs).
    #[serde(default)]
    pub detail: Vec<String>,
    /// Acceptable HTTP statuses (default 500 or 400).
    #[serde(default)]
    pub http_status: Vec<u16>,
}

/// Repeat a step until `until` (an XPath boolean) holds, at most `max` times.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// XPath 1.0 boolean expression on the response.
    pub until: String,
    /// Upper bound on the number of exchanges (1..=1000).
    pub max: u32,
}

/// An XPath assertion on a response.
///
/// Exactly one of `equals`, `matches`, `count`, `min`, `max` (`min` and `max`
/// may be combined). For `count`/`min`/`max` a node-set expression is counted
/// and a numeric expression compared as a number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XPathAssertion {
    /// XPath 1.0 expression.
    pub xpath: String,
    /// The string value must equal this (variables allowed).
    #[serde(default)]
    pub equals: Option<String>,
    /// The string value must match this pattern (`^`, `$` anchors and literal text; `.` = any non-empty).
    #[serde(default)]
    pub matches: Option<String>,
    /// Exactly this many nodes.
    #[serde(default)]
    pub count: Option<u64>,
    /// At least.
    #[serde(default)]
    pub min: Option<u64>,
    /// At most.
    #[serde(default)]
    pub max: Option<u64>,
}
