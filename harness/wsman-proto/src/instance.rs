//! CIM-style instances: what providers return and what the server encodes.
//!
//! An [`Instance`] is a class name, a resource URI (its XML namespace on the
//! wire), the key selectors that address it, and its properties. Providers
//! deal in instances; the server turns them into XML (`<p:Class>` with one
//! child per property, in alphabetical order, `xsi:nil` for nulls, as Windows
//! writes them) and back.

use crate::ns;
use crate::selector::SelectorSet;
use crate::xml::{Element, Node};

/// A property value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// No value (`xsi:nil="true"` on the wire).
    Null,
    /// A string.
    Str(String),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A real number.
    Real(f64),
    /// A boolean (`true`/`false` on the wire).
    Bool(bool),
    /// A CIM datetime, ISO 8601 text (`<cim:Datetime>` on the wire).
    Datetime(String),
    /// An array: one element per item on the wire, same name repeated.
    Array(Vec<Value>),
}

impl Value {
    /// The wire text of a scalar value (`None` for null and arrays).
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Null | Value::Array(_) => return None,
            Value::Str(s) | Value::Datetime(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Real(r) => r.to_string(),
            Value::Bool(b) => b.to_string(),
        })
    }

    /// A string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
}

/// One property of an instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    /// Property name, as in the CIM class.
    pub name: String,
    /// Its value.
    pub value: Value,
}

/// A CIM instance as a provider returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// The resource URI of the class; also the XML namespace of its elements.
    pub resource_uri: String,
    /// The class name (`Win32_Service`), the local name of the XML element.
    pub class_name: String,
    /// Key selectors that address this instance (its EPR).
    pub keys: SelectorSet,
    /// Properties (any order; encoding sorts them by name).
    pub properties: Vec<Property>,
}

impl Instance {
    /// A new instance with no properties.
    pub fn new(resource_uri: impl Into<String>, class_name: impl Into<String>) -> Self {
        Instance { resource_uri: resource_uri.into(), class_name: class_name.into(), keys: SelectorSet::default(), properties: Vec::new() }
    }

    /// Builder: adds a property.
    pub fn with(mut self, name: &str, value: Value) -> Self {
        self.set(name, value);
        self
    }

    /// Builder: adds a key selector (and nothing else: also call `with` to expose it as a property).
    pub fn with_key(mut self, name: &str, value: impl Into<String>) -> Self {
        self.keys.push(name, value);
        self
    }

    /// A property's value, compared case-insensitively as WMI does.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map(|p| &p.value)
    }

    /// Sets (or adds) a property.
    pub fn set(&mut self, name: &str, value: Value) {
        match self.properties.iter_mut().find(|p| p.name.eq_ignore_ascii_case(name)) {
            Some(p) => p.value = value,
            None => self.properties.push(Property { name: name.to_owned(), value }),
        }
    }

    /// Encodes the instance as Windows does: `<p:Class xmlns:p=URI>` with one
    /// child per property in case-insensitive alphabetical order; nulls carry `xsi:nil="true"`;
    /// datetimes are wrapped in `cim:Datetime`.
    pub fn to_element(&self) -> Element {
        self.to_element_with(|_| true)
    }

    /// Like [`to_element`](Self::to_element), keeping only the properties `keep` accepts
    /// (a WQL property list).
    pub fn to_element_with(&self, keep: impl Fn(&str) -> bool) -> Element {
        let uri = self.resource_uri.as_str();
        let mut el = Element::ns(uri, &self.class_name);
        let mut props: Vec<&Property> = self.properties.iter().filter(|p| keep(&p.name)).collect();
        // Windows orders properties case-insensitively (Started before StartMode);
        // compared without allocating a lowercase copy of each name.
        props.sort_by(|a, b| a.name.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.name.bytes().map(|c| c.to_ascii_lowercase())));
        for p in props {
            push_value(&mut el, uri, &p.name, &p.value);
        }
        el
    }

    /// Reads the properties of an instance element (a Put or Create body).
    /// Unknown structure inside a property (other than `cim:Datetime`) is an error.
    pub fn properties_from_element(el: &Element) -> Result<Vec<Property>, String> {
        let mut out: Vec<Property> = Vec::new();
        for child in el.elements() {
            let nil = matches!(child.attr(Some(ns::XSI), "nil"), Some("true") | Some("1"));
            let value = if nil {
                Value::Null
            } else if let Some(dt) = child.child(ns::CIM, "Datetime") {
                Value::Datetime(dt.text().trim().to_owned())
            } else if child.elements().next().is_some() {
                return Err(format!("property {} has unexpected child elements", child.name));
            } else {
                Value::Str(child.text().into_owned())
            };
            match out.iter_mut().find(|p| p.name == child.name) {
                Some(prev) => match &mut prev.value {
                    Value::Array(items) => items.push(value),
                    other => {
                        let first = std::mem::replace(other, Value::Null);
                        *other = Value::Array(vec![first, value]);
                    }
                },
                None => out.push(Property { name: child.name.clone(), value }),
            }
        }
        Ok(out)
    }
}

fn push_value(el: &mut Element, uri: &str, name: &str, value: &Value) {
    match value {
        Value::Null => el.push(Element::ns(uri, name).with_attr(Some(ns::XSI), "nil", "true")),
        Value::Array(items) => items.iter().for_each(|v| push_value(el, uri, name, v)),
        Value::Datetime(s) => el.push(Element::ns(uri, name).with_child(Element::ns(ns::CIM, "Datetime").with_text(s.clone()))),
        scalar => {
            let mut child = Element::ns(uri, name);
            if let Some(t) = scalar.to_text() {
                child.children.push(Node::Text(t));
            }
            el.push(child)
        }
    }
}
