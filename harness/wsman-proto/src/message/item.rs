//! One enumeration item, as the enumeration mode shapes it (DSP0226 §8.7).
//!
//! ```text
//! EnumerateObject (default):   <p:Class xmlns:p="ResourceURI">...</p:Class>  or  <wsman:XmlFragment>...</wsman:XmlFragment>
//! EnumerateEPR:                <wsa:EndpointReference>...</wsa:EndpointReference>
//! EnumerateObjectAndEPR:       <wsman:Item><p:Class>...</p:Class><wsa:EndpointReference>...</wsa:EndpointReference></wsman:Item>
//! ```
//!
//! The messages keep items as [`Element`]s ([`super::EnumerateResponse::items`],
//! [`super::PullResponse::items`]); [`Item`] is the typed view, built from one
//! element or rendered into one.

use super::{EndpointReference, MessageError};
use crate::instance::Instance;
use crate::ns;
use crate::xml::Element;

/// One enumeration item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// The object itself: an instance element in its resource namespace, or a
    /// `wsman:XmlFragment` (WQL projections on Windows).
    Object(Element),
    /// Its endpoint reference only (`EnumerateEPR`).
    Epr(EndpointReference),
    /// Both, wrapped in `wsman:Item` (`EnumerateObjectAndEPR`).
    ObjectAndEpr {
        /// The object.
        object: Element,
        /// Its reference.
        epr: EndpointReference,
    },
}

impl Item {
    /// Classifies one element of an Items list.
    pub fn from_element(el: &Element) -> Result<Item, MessageError> {
        if el.is(ns::WSA, "EndpointReference") {
            return EndpointReference::from_element(el).map(Item::Epr);
        }
        if el.is(ns::WSMAN, "Item") {
            let epr_el = el.child(ns::WSA, "EndpointReference").ok_or(MessageError::MissingElement { parent: "wsman:Item", child: "wsa:EndpointReference" })?;
            let object = el
                .elements()
                .find(|e| !e.is(ns::WSA, "EndpointReference"))
                .ok_or(MessageError::MissingElement { parent: "wsman:Item", child: "the object" })?;
            return Ok(Item::ObjectAndEpr { object: object.clone(), epr: EndpointReference::from_element(epr_el)? });
        }
        Ok(Item::Object(el.clone()))
    }

    /// The element of an Items list.
    pub fn into_element(self) -> Element {
        match self {
            Item::Object(el) => el,
            Item::Epr(epr) => epr.to_wsa_element(),
            Item::ObjectAndEpr { object, epr } => Element::ns(ns::WSMAN, "Item").with_child(object).with_child(epr.to_wsa_element()),
        }
    }

    /// The object, unless this is a bare EPR.
    pub fn object(&self) -> Option<&Element> {
        match self {
            Item::Object(o) | Item::ObjectAndEpr { object: o, .. } => Some(o),
            Item::Epr(_) => None,
        }
    }

    /// The endpoint reference, unless this is a bare object.
    pub fn epr(&self) -> Option<&EndpointReference> {
        match self {
            Item::Epr(e) | Item::ObjectAndEpr { epr: e, .. } => Some(e),
            Item::Object(_) => None,
        }
    }

    /// The object as an instance, its keys taken from the EPR when there is one.
    /// `Ok(None)` for a bare EPR. A `wsman:XmlFragment` gives an instance of
    /// class `XmlFragment` whose properties are the fragment's children.
    pub fn to_instance(&self) -> Result<Option<Instance>, MessageError> {
        let Some(object) = self.object() else { return Ok(None) };
        let mut instance = instance_from_element(object)?;
        if let Some(keys) = self.epr().and_then(|e| e.selectors.clone()) {
            instance.keys = keys;
        }
        Ok(Some(instance))
    }
}

/// Reads an instance element (`<p:Class xmlns:p="ResourceURI">` with one child
/// per property) into an [`Instance`]: resource URI from its namespace, class
/// from its local name, every value a string (the wire carries no types), no
/// keys (they travel in the EPR or the header).
pub fn instance_from_element(el: &Element) -> Result<Instance, MessageError> {
    let mut instance = Instance::new(el.ns.clone().unwrap_or_default(), el.name.clone());
    instance.properties = Instance::properties_from_element(el).map_err(MessageError::InvalidProperty)?;
    Ok(instance)
}
