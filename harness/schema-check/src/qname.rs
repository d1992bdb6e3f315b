//! QName values (SOAP fault codes) resolved to expanded names.

use libxml::readonly::RoNode;
use wsman_proto::ns;

use crate::document::XmlDocument;
use crate::error::SchemaError;
use crate::xpath::PrefixMap;

/// A namespace URI and a local name: what a QName means, whatever its prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExpandedName {
    /// The namespace URI; `None` for an unprefixed name with no default namespace.
    pub namespace: Option<String>,
    /// The local part.
    pub local: String,
}

impl ExpandedName {
    /// A name in `namespace`.
    pub fn new(namespace: &str, local: &str) -> Self {
        Self {
            namespace: Some(namespace.to_owned()),
            local: local.to_owned(),
        }
    }

    /// Whether this is `local` in `namespace`.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.namespace.as_deref() == Some(namespace) && self.local == local
    }
}

impl std::fmt::Display for ExpandedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{{{ns}}}{}", self.local),
            None => f.write_str(&self.local),
        }
    }
}

/// The codes of a SOAP 1.2 fault: `s:Code/s:Value` and the `s:Subcode/s:Value` chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultCode {
    /// `s:Code/s:Value` (Sender, Receiver, MustUnderstand, ...).
    pub code: ExpandedName,
    /// The subcode values, outermost first (`wsa:DestinationUnreachable`, ...).
    pub subcodes: Vec<ExpandedName>,
}

/// Resolves the lexical QName `value` (whitespace collapsed) in the scope of `node`.
fn resolve_at(node: RoNode, value: &str) -> Result<ExpandedName, SchemaError> {
    let value = value.trim();
    let bad = |reason| SchemaError::QName {
        value: value.to_owned(),
        reason,
    };
    let (prefix, local) = match value.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, value),
    };
    if local.is_empty() || local.contains(':') || prefix.is_some_and(str::is_empty) {
        return Err(bad("not a QName"));
    }
    if local.chars().any(char::is_whitespace) || prefix.is_some_and(|p| p.chars().any(char::is_whitespace)) {
        return Err(bad("not a QName"));
    }
    let namespace = match prefix {
        Some("xml") => Some(ns::XML.to_owned()),
        Some(p) => Some(node.lookup_namespace_uri(p).ok_or_else(|| bad("prefix not declared"))?),
        None => default_namespace(node),
    };
    Ok(ExpandedName {
        namespace,
        local: local.to_owned(),
    })
}

/// The in-scope default namespace of `node` (nearest `xmlns="..."`).
fn default_namespace(node: RoNode) -> Option<String> {
    let mut current = Some(node);
    let mut steps = 0usize;
    while let Some(n) = current {
        if let Some(ns) = n
            .get_namespace_declarations()
            .into_iter()
            .find(|d| d.get_prefix().is_empty())
        {
            let href = ns.get_href();
            return (!href.is_empty()).then_some(href);
        }
        steps += 1;
        if steps > 10_000 {
            return None;
        }
        current = n.get_parent();
    }
    None
}

impl XmlDocument {
    /// Resolves the QName text content of every element `xpath` selects, in the scope of
    /// that element (as XML Schema resolves an `xs:QName` value).
    ///
    /// # Errors
    /// [`SchemaError::XPath`] for a bad expression; an element whose value does not
    /// resolve gives [`SchemaError::QName`] in its slot.
    pub fn resolve_qnames(
        &self,
        xpath: &str,
        prefixes: &PrefixMap,
    ) -> Result<Vec<Result<ExpandedName, SchemaError>>, SchemaError> {
        let nodes = self.select(xpath, prefixes)?;
        Ok(nodes.into_iter().map(|n| resolve_at(n, &n.get_content())).collect())
    }

    /// The fault codes of a SOAP 1.2 fault envelope, resolved.
    ///
    /// # Errors
    /// [`SchemaError::Missing`] when there is no `s:Body/s:Fault/s:Code/s:Value`,
    /// [`SchemaError::QName`] when a value does not resolve.
    pub fn fault_code(&self) -> Result<FaultCode, SchemaError> {
        let mut prefixes = PrefixMap::new();
        prefixes.insert("s", ns::SOAP);
        let code_nodes = self.select("/s:Envelope/s:Body/s:Fault/s:Code/s:Value", &prefixes)?;
        let code_node = code_nodes
            .first()
            .copied()
            .ok_or_else(|| SchemaError::Missing("no s:Fault/s:Code/s:Value".to_owned()))?;
        let code = resolve_at(code_node, &code_node.get_content())?;
        let mut subcodes = Vec::new();
        // Walk the Subcode chain: each level is /s:Subcode/s:Value under the previous one.
        let mut path = String::from("/s:Envelope/s:Body/s:Fault/s:Code");
        for _ in 0..32 {
            path.push_str("/s:Subcode");
            let values = self.select(&format!("{path}/s:Value"), &prefixes)?;
            let Some(node) = values.first().copied() else {
                break;
            };
            subcodes.push(resolve_at(node, &node.get_content())?);
        }
        Ok(FaultCode { code, subcodes })
    }

    fn select(&self, xpath: &str, prefixes: &PrefixMap) -> Result<Vec<RoNode>, SchemaError> {
        let evaluator = self.xpath(prefixes)?;
        evaluator.nodes(xpath)
    }
}

impl crate::xpath::XPathEvaluator<'_> {
    /// The nodes `expr` selects (read-only views).
    pub(crate) fn nodes(&self, expr: &str) -> Result<Vec<RoNode>, SchemaError> {
        if !libxml::xpath::is_well_formed_xpath(expr) {
            return Err(SchemaError::XPath {
                expression: expr.to_owned(),
                message: "expression does not compile".to_owned(),
            });
        }
        let object = self.context_ref().evaluate_checked(expr).map_err(|e| SchemaError::XPath {
            expression: expr.to_owned(),
            message: e.to_string(),
        })?;
        Ok(object.get_readonly_nodes_as_vec())
    }
}
