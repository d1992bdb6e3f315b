//! Endpoint references as WS-Management uses them (WS-Addressing 2004/08 §2,
//! DSP0226 §5.1 and §7.6): an address plus the reference parameters that
//! name a resource instance.
//!
//! ```text
//! <wrapper>                                  wxf:ResourceCreated, wsa:EndpointReference, ...
//!   <wsa:Address>uri</wsa:Address>
//!   [<wsa:ReferenceProperties>any*</wsa:ReferenceProperties>]   (WS-Addressing 2004/08; eventing NotifyTo/EndTo)
//!   [<wsa:ReferenceParameters>
//!      [<wsman:ResourceURI>uri</wsman:ResourceURI>]
//!      [<wsman:SelectorSet>...</wsman:SelectorSet>]
//!      other reference parameters...
//!    </wsa:ReferenceParameters>]
//! </wrapper>
//! ```

use super::{text_element, trimmed, MessageError};
use crate::instance::Instance;
use crate::ns;
use crate::selector::SelectorSet;
use crate::xml::{Element, Node};

/// The content of a `wsa:EndpointReferenceType` element; the wrapper element
/// (its name) belongs to whoever holds the reference.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EndpointReference {
    /// `wsa:Address`, trimmed.
    pub address: String,
    /// `wsa:ReferenceParameters/wsman:ResourceURI`.
    pub resource_uri: Option<String>,
    /// `wsa:ReferenceParameters/wsman:SelectorSet`: `Some` of an empty set is
    /// the empty element the server writes for singletons.
    pub selectors: Option<SelectorSet>,
    /// Other reference parameters, verbatim (a vendor's own, `wsman:OptionSet`,
    /// the `wse:Identifier` of a subscription manager).
    pub other_parameters: Vec<Element>,
    /// `wsa:ReferenceProperties` children, verbatim (an event sink's own
    /// identification in a NotifyTo or EndTo).
    pub reference_properties: Vec<Element>,
}

impl EndpointReference {
    /// The reference the server gives an instance: `address` plus its
    /// resource URI and key selectors.
    pub fn of_instance(address: &str, instance: &Instance) -> EndpointReference {
        EndpointReference {
            address: address.to_owned(),
            resource_uri: Some(instance.resource_uri.clone()),
            selectors: Some(instance.keys.clone()),
            other_parameters: Vec::new(),
            reference_properties: Vec::new(),
        }
    }

    /// The header blocks a message sent to this reference carries: every
    /// reference property and parameter (WS-Addressing 2004/08 §2.2), as a
    /// push delivery to a NotifyTo must.
    pub fn reference_headers(&self) -> Vec<Element> {
        let mut out = self.reference_properties.clone();
        if let Some(uri) = &self.resource_uri {
            out.push(text_element(ns::WSMAN, "ResourceURI", uri.clone()));
        }
        if let Some(s) = &self.selectors {
            out.push(s.to_element());
        }
        out.extend(self.other_parameters.iter().cloned());
        out
    }

    /// Decodes the children of an EPR-typed element (whatever its name).
    pub fn from_element(el: &Element) -> Result<EndpointReference, MessageError> {
        let address = el.child(ns::WSA, "Address").ok_or(MessageError::MissingElement { parent: "wsa:EndpointReference", child: "wsa:Address" })?;
        let mut epr = EndpointReference { address: trimmed(address), ..EndpointReference::default() };
        if let Some(props) = el.child(ns::WSA, "ReferenceProperties") {
            epr.reference_properties = props.elements().cloned().collect();
        }
        if let Some(params) = el.child(ns::WSA, "ReferenceParameters") {
            for p in params.elements() {
                match (p.ns.as_deref(), p.name.as_str()) {
                    (Some(ns::WSMAN), "ResourceURI") if epr.resource_uri.is_none() => epr.resource_uri = Some(trimmed(p)),
                    (Some(ns::WSMAN), "SelectorSet") if epr.selectors.is_none() => {
                        epr.selectors = Some(SelectorSet::from_element(p).map_err(MessageError::InvalidEndpointReference)?)
                    }
                    _ => epr.other_parameters.push(p.clone()),
                }
            }
        }
        Ok(epr)
    }

    /// Encodes as `wrapper` (namespace, local name) holding Address and, when
    /// there are any, ReferenceParameters.
    pub fn to_element(&self, wrapper_ns: &str, wrapper_name: &str) -> Element {
        let mut el = Element::ns(wrapper_ns, wrapper_name).with_child(text_element(ns::WSA, "Address", self.address.clone()));
        if !self.reference_properties.is_empty() {
            let mut props = Element::ns(ns::WSA, "ReferenceProperties");
            props.children.extend(self.reference_properties.iter().cloned().map(Node::Element));
            el.push(props);
        }
        if self.resource_uri.is_some() || self.selectors.is_some() || !self.other_parameters.is_empty() {
            let mut params = Element::ns(ns::WSA, "ReferenceParameters");
            if let Some(uri) = &self.resource_uri {
                params.push(text_element(ns::WSMAN, "ResourceURI", uri.clone()));
            }
            if let Some(s) = &self.selectors {
                params.push(s.to_element());
            }
            params.children.extend(self.other_parameters.iter().cloned().map(Node::Element));
            el.push(params);
        }
        el
    }

    /// Encodes as `wsa:EndpointReference` (EnumerateEPR items).
    pub fn to_wsa_element(&self) -> Element {
        self.to_element(ns::WSA, "EndpointReference")
    }
}
