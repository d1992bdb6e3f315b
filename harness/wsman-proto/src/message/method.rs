//! Custom methods (DSP0226 §9, MS-WSMV §3.1.4.1.29, example §4.1.4): the
//! Action is `<ResourceURI>/<Method>`, the body `<Method>_INPUT` in the
//! resource namespace, one child per input parameter; the response Action is
//! `<ResourceURI>/<Method>Response`, the body `<Method>_OUTPUT` with the
//! output parameters, `ReturnValue` among them.
//!
//! ```text
//! <p:StopService_INPUT xmlns:p="ResourceURI"/>
//!   -> <p:StopService_OUTPUT xmlns:p="ResourceURI"><p:ReturnValue>0</p:ReturnValue></p:StopService_OUTPUT>
//! ```
//!
//! [`MethodOutput`] is the wire message; [`crate::provider::MethodResult`] is
//! what a provider returns, turned into the message by
//! [`MethodOutput::from_provider`].

use super::{Message, MessageError};
use crate::action::Action;
use crate::instance::{Instance, Property};
use crate::provider;
use crate::xml::{Element, Node};

const INPUT: &str = "_INPUT";
const OUTPUT: &str = "_OUTPUT";

/// The parts of a `<Method><suffix>` element: (namespace, method), if it is one.
fn method_element<'a>(el: &'a Element, suffix: &str) -> Option<(&'a str, &'a str)> {
    let method = el.name.strip_suffix(suffix).filter(|m| !m.is_empty())?;
    Some((el.ns.as_deref()?, method))
}

fn element_of(resource_uri: &str, name: String, parameters: &[Element]) -> Element {
    let mut el = Element::ns(resource_uri, &name);
    el.children.extend(parameters.iter().cloned().map(Node::Element));
    el
}

fn parameters_of(el: &Element) -> Vec<Element> {
    el.elements().cloned().collect()
}

/// The `<Method>_INPUT` body of a custom-method request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodInput {
    /// The element's namespace: the ResourceURI of the class.
    pub resource_uri: String,
    /// The method name (the element's local name without `_INPUT`).
    pub method: String,
    /// The input parameters, one element each, in order.
    pub parameters: Vec<Element>,
}

impl MethodInput {
    /// Checks the input against the request: its namespace is `resource_uri`
    /// and it names `method` (the Action's last segment), exactly.
    pub fn check(&self, resource_uri: &str, method: &str) -> Result<(), MessageError> {
        if self.resource_uri != resource_uri || self.method != method {
            return Err(MessageError::RepresentationMismatch {
                found_ns: self.resource_uri.clone(),
                found: format!("{}{INPUT}", self.method),
                expected_ns: resource_uri.to_owned(),
                expected: format!("{method}{INPUT}"),
            });
        }
        Ok(())
    }

    /// The `<Method>_INPUT` element, as providers receive it.
    pub fn to_element(&self) -> Element {
        element_of(&self.resource_uri, format!("{}{INPUT}", self.method), &self.parameters)
    }

    /// The input parameters as properties (values as strings; a repeated name is an array).
    pub fn properties(&self) -> Result<Vec<Property>, MessageError> {
        Instance::properties_from_element(&self.to_element()).map_err(MessageError::InvalidProperty)
    }
}

impl Message for MethodInput {
    fn action(&self) -> Option<Action> {
        Some(Action::Other(format!("{}/{}", self.resource_uri, self.method)))
    }

    /// The first body element must be a namespaced `<Method>_INPUT`, as the
    /// server has always read it (later elements are ignored).
    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = body.first().ok_or(MessageError::EmptyRepresentation { expected: "a <Method>_INPUT element" })?;
        let (ns, method) = method_element(el, INPUT).ok_or_else(|| MessageError::NotMethodInput(el.name.clone()))?;
        Ok(MethodInput { resource_uri: ns.to_owned(), method: method.to_owned(), parameters: parameters_of(el) })
    }

    fn into_body(self) -> Vec<Element> {
        vec![self.to_element()]
    }
}

/// The `<Method>_OUTPUT` body of a custom-method response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodOutput {
    /// The element's namespace: the ResourceURI of the class.
    pub resource_uri: String,
    /// The method name (the element's local name without `_OUTPUT`).
    pub method: String,
    /// The output parameters, one element each, in order.
    pub parameters: Vec<Element>,
}

impl MethodOutput {
    /// The message for a provider's result: parameters in the order Windows
    /// writes them (case-insensitive alphabetical), nulls as `xsi:nil`.
    pub fn from_provider(resource_uri: &str, method: &str, output: &provider::MethodResult) -> MethodOutput {
        let mut instance = Instance::new(resource_uri, format!("{method}{OUTPUT}"));
        instance.properties = output.properties.clone();
        MethodOutput { resource_uri: resource_uri.to_owned(), method: method.to_owned(), parameters: parameters_of(&instance.to_element()) }
    }

    /// The `<Method>_OUTPUT` element.
    pub fn to_element(&self) -> Element {
        element_of(&self.resource_uri, format!("{}{OUTPUT}", self.method), &self.parameters)
    }

    /// The output parameters as properties (values as strings).
    pub fn properties(&self) -> Result<Vec<Property>, MessageError> {
        Instance::properties_from_element(&self.to_element()).map_err(MessageError::InvalidProperty)
    }

    /// `ReturnValue`, when present and an unsigned integer.
    pub fn return_value(&self) -> Option<u32> {
        self.parameters.iter().find(|p| p.name == "ReturnValue").and_then(|p| p.text().trim().parse().ok())
    }
}

impl Message for MethodOutput {
    fn action(&self) -> Option<Action> {
        Some(Action::Other(format!("{}/{}Response", self.resource_uri, self.method)))
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let (el, (ns, method)) =
            body.iter().find_map(|e| method_element(e, OUTPUT).map(|m| (e, m))).ok_or(MessageError::MissingBody { expected: "a <Method>_OUTPUT element" })?;
        Ok(MethodOutput { resource_uri: ns.to_owned(), method: method.to_owned(), parameters: parameters_of(el) })
    }

    fn into_body(self) -> Vec<Element> {
        vec![self.to_element()]
    }
}
