//! Identify (DSP0226 §11, MS-WSMV §3.1.4.1.23): the one request without
//! WS-Addressing headers.
//!
//! ```text
//! <s:Body><wsmid:Identify/></s:Body>
//!   -> <wsmid:IdentifyResponse>
//!        <wsmid:ProtocolVersion>uri</wsmid:ProtocolVersion>+
//!        [<wsmid:ProductVendor>text</wsmid:ProductVendor>]
//!        [<wsmid:ProductVersion>text</wsmid:ProductVersion>]
//!        [<wsmid:SecurityProfiles><wsmid:SecurityProfileName>uri</wsmid:SecurityProfileName>+</wsmid:SecurityProfiles>]
//!        extensions in other namespaces...
//!      </wsmid:IdentifyResponse>
//! ```

use super::{find, text_element, trimmed, Message, MessageError};
use crate::action::Action;
use crate::ns;
use crate::xml::{Element, Node};

/// `wsmid:Identify`. Its optional extension content is not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Identify;

impl Message for Identify {
    fn action(&self) -> Option<Action> {
        None
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        find(body, ns::WSMID, "Identify").map(|_| Identify).ok_or(MessageError::MissingBody { expected: "wsmid:Identify" })
    }

    fn into_body(self) -> Vec<Element> {
        vec![Element::ns(ns::WSMID, "Identify")]
    }
}

/// `wsmid:IdentifyResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IdentifyResponse {
    /// `wsmid:ProtocolVersion`, one or more (DSP0226 §11: every version the
    /// service supports); Windows sends one, [`ns::WSMAN`].
    pub protocol_versions: Vec<String>,
    /// `wsmid:ProductVendor` (`Microsoft Corporation`).
    pub product_vendor: Option<String>,
    /// `wsmid:ProductVersion` (`OS: 10.0.20348 SP: 0.0 Stack: 3.0`).
    pub product_version: Option<String>,
    /// `wsmid:SecurityProfiles/wsmid:SecurityProfileName` (DSP0226 1.1+):
    /// `None` when the element is absent (unauthenticated Identify on Windows).
    pub security_profiles: Option<Vec<String>>,
    /// Children in other namespaces, verbatim.
    pub extensions: Vec<Element>,
}

impl Message for IdentifyResponse {
    fn action(&self) -> Option<Action> {
        None
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let el = find(body, ns::WSMID, "IdentifyResponse").ok_or(MessageError::MissingBody { expected: "wsmid:IdentifyResponse" })?;
        let mut r = IdentifyResponse::default();
        for c in el.elements() {
            match (c.ns.as_deref(), c.name.as_str()) {
                (Some(ns::WSMID), "ProtocolVersion") => r.protocol_versions.push(trimmed(c)),
                (Some(ns::WSMID), "ProductVendor") if r.product_vendor.is_none() => r.product_vendor = Some(trimmed(c)),
                (Some(ns::WSMID), "ProductVersion") if r.product_version.is_none() => r.product_version = Some(trimmed(c)),
                (Some(ns::WSMID), "SecurityProfiles") if r.security_profiles.is_none() => {
                    r.security_profiles = Some(c.children_named(ns::WSMID, "SecurityProfileName").map(trimmed).collect())
                }
                (Some(ns::WSMID), _) => {}
                _ => r.extensions.push(c.clone()),
            }
        }
        if r.protocol_versions.is_empty() {
            return Err(MessageError::MissingElement { parent: "wsmid:IdentifyResponse", child: "wsmid:ProtocolVersion" });
        }
        Ok(r)
    }

    fn into_body(self) -> Vec<Element> {
        let mut el = Element::ns(ns::WSMID, "IdentifyResponse");
        for v in self.protocol_versions {
            el.push(text_element(ns::WSMID, "ProtocolVersion", v));
        }
        if let Some(v) = self.product_vendor {
            el.push(text_element(ns::WSMID, "ProductVendor", v));
        }
        if let Some(v) = self.product_version {
            el.push(text_element(ns::WSMID, "ProductVersion", v));
        }
        if let Some(profiles) = self.security_profiles {
            let mut p = Element::ns(ns::WSMID, "SecurityProfiles");
            p.children.extend(profiles.into_iter().map(|name| Node::Element(text_element(ns::WSMID, "SecurityProfileName", name))));
            el.push(p);
        }
        el.children.extend(self.extensions.into_iter().map(Node::Element));
        vec![el]
    }
}
