//! XPath 1.0 evaluation over a parsed document (libxml2), for the conformance
//! driver's assertions.

use std::collections::BTreeMap;

use libxml::xpath::Context;
use wsman_proto::ns;

use crate::document::XmlDocument;
use crate::error::SchemaError;

/// Namespace prefixes available to XPath expressions (`prefix -> namespace URI`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixMap(BTreeMap<String, String>);

impl PrefixMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The prefixes of PROTOCOL.md §1 (`s`, `wsa`, `wst`, `wxf`, `wsen`, `wse`, `wsman`,
    /// `wsmb`, `wsmid`, `wsmv`, `p`, `wsmanfault`, `rsp`, `cfg`, `cim`, `xsi`), plus the
    /// short ones Windows uses in responses (`a`, `x`, `n`, `e`, `w`, `f`).
    pub fn protocol() -> Self {
        let pairs: [(&str, &str); 22] = [
            ("s", ns::SOAP),
            ("wsa", ns::WSA),
            ("a", ns::WSA),
            ("wst", ns::WXF),
            ("wxf", ns::WXF),
            ("x", ns::WXF),
            ("wsen", ns::WSEN),
            ("n", ns::WSEN),
            ("wse", ns::WSE),
            ("e", ns::WSE),
            ("wsman", ns::WSMAN),
            ("w", ns::WSMAN),
            ("wsmb", ns::WSMB),
            ("wsmid", ns::WSMID),
            ("wsmv", ns::WSMV),
            ("p", ns::WSMV),
            ("wsmanfault", ns::WSMANFAULT),
            ("f", ns::WSMANFAULT),
            ("rsp", ns::RSP),
            ("cfg", ns::CFG),
            ("cim", ns::CIM),
            ("xsi", ns::XSI),
        ];
        pairs.into_iter().collect()
    }

    /// Adds or replaces a prefix.
    pub fn insert(&mut self, prefix: impl Into<String>, uri: impl Into<String>) -> &mut Self {
        self.0.insert(prefix.into(), uri.into());
        self
    }

    /// The URI bound to `prefix`.
    pub fn get(&self, prefix: &str) -> Option<&str> {
        self.0.get(prefix).map(String::as_str)
    }

    /// `(prefix, uri)` pairs in prefix order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(p, u)| (p.as_str(), u.as_str()))
    }
}

impl<P: Into<String>, U: Into<String>> FromIterator<(P, U)> for PrefixMap {
    fn from_iter<I: IntoIterator<Item = (P, U)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(p, u)| (p.into(), u.into())).collect())
    }
}

/// The value of an expression, converted as XPath 1.0 converts it.
#[derive(Debug, Clone, PartialEq)]
pub enum XPathValue {
    /// `boolean(expr)`.
    Boolean(bool),
    /// `number(expr)` (`NaN` when not a number).
    Number(f64),
    /// `string(expr)` (the first node's string value for a node-set).
    String(String),
    /// `count(expr)`: the expression must select a node-set.
    NodeCount(usize),
}

/// Evaluates XPath 1.0 expressions against one [`XmlDocument`].
///
/// Every method compiles the expression first, so a malformed expression is an error,
/// not a silently false assertion.
pub struct XPathEvaluator<'d> {
    context: Context,
    _doc: &'d XmlDocument,
}

impl std::fmt::Debug for XPathEvaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XPathEvaluator").finish_non_exhaustive()
    }
}

impl<'d> XPathEvaluator<'d> {
    pub(crate) fn new(doc: &'d XmlDocument, prefixes: &PrefixMap) -> Result<Self, SchemaError> {
        let context = Context::new(doc.inner()).map_err(|()| SchemaError::XPath {
            expression: String::new(),
            message: "cannot create an XPath context".to_owned(),
        })?;
        for (prefix, uri) in prefixes.iter() {
            context
                .register_namespace(prefix, uri)
                .map_err(|()| SchemaError::Prefix(prefix.to_owned()))?;
        }
        Ok(Self { context, _doc: doc })
    }

    /// `boolean(expr)`.
    ///
    /// # Errors
    /// [`SchemaError::XPath`] when the expression does not compile or evaluate.
    pub fn boolean(&self, expr: &str) -> Result<bool, SchemaError> {
        let text = self.cast("boolean", expr)?;
        Ok(text == "true")
    }

    /// `string(expr)`.
    ///
    /// # Errors
    /// As [`XPathEvaluator::boolean`].
    pub fn string(&self, expr: &str) -> Result<String, SchemaError> {
        self.cast("string", expr)
    }

    /// `number(expr)`.
    ///
    /// # Errors
    /// As [`XPathEvaluator::boolean`].
    pub fn number(&self, expr: &str) -> Result<f64, SchemaError> {
        let text = self.cast("number", expr)?;
        Ok(parse_xpath_number(&text))
    }

    /// The number of nodes `expr` selects.
    ///
    /// # Errors
    /// As [`XPathEvaluator::boolean`], and when `expr` is not a node-set.
    pub fn count(&self, expr: &str) -> Result<usize, SchemaError> {
        let n = self.number(&format!("count({expr})"))?;
        if n.is_finite() && n >= 0.0 {
            // A node count is a small non-negative integer.
            Ok(n as usize)
        } else {
            Err(error(expr, "count() did not return a number"))
        }
    }

    /// The string values of every node `expr` selects, in document order.
    ///
    /// # Errors
    /// As [`XPathEvaluator::boolean`].
    pub fn strings(&self, expr: &str) -> Result<Vec<String>, SchemaError> {
        check(expr)?;
        let object = self
            .context
            .evaluate_checked(expr)
            .map_err(|e| error(expr, &e.to_string()))?;
        Ok(object.get_nodes_as_str())
    }

    /// Evaluates `expr` converted to the kind of `like` (the payload of `like` is ignored).
    ///
    /// # Errors
    /// As the conversion's own method.
    pub fn evaluate_as(&self, expr: &str, like: &XPathValue) -> Result<XPathValue, SchemaError> {
        Ok(match like {
            XPathValue::Boolean(_) => XPathValue::Boolean(self.boolean(expr)?),
            XPathValue::Number(_) => XPathValue::Number(self.number(expr)?),
            XPathValue::String(_) => XPathValue::String(self.string(expr)?),
            XPathValue::NodeCount(_) => XPathValue::NodeCount(self.count(expr)?),
        })
    }

    pub(crate) fn context_ref(&self) -> &Context {
        &self.context
    }

    /// Evaluates `function(expr)` and returns libxml2's string conversion of the result.
    fn cast(&self, function: &str, expr: &str) -> Result<String, SchemaError> {
        check(expr)?;
        let wrapped = format!("{function}({expr})");
        let object = self
            .context
            .evaluate_checked(&wrapped)
            .map_err(|e| error(expr, &e.to_string()))?;
        Ok(object.to_string())
    }
}

fn check(expr: &str) -> Result<(), SchemaError> {
    if expr.trim().is_empty() || !libxml::xpath::is_well_formed_xpath(expr) {
        return Err(error(expr, "expression does not compile"));
    }
    Ok(())
}

fn error(expr: &str, message: &str) -> SchemaError {
    SchemaError::XPath {
        expression: expr.to_owned(),
        message: message.to_owned(),
    }
}

/// libxml2 prints XPath numbers as `NaN`, `Infinity`, `-Infinity` or decimals.
fn parse_xpath_number(text: &str) -> f64 {
    match text {
        "Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        other => other.trim().parse().unwrap_or(f64::NAN),
    }
}
