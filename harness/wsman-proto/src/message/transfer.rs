//! WS-Transfer bodies with the WS-Management rules (DSP0226 §7, WS-Transfer
//! 2004/09 §3-4). The resource travels in the header (ResourceURI,
//! SelectorSet); the body is the representation itself, or nothing.
//!
//! ```text
//! Get     <s:Body/>                         -> GetResponse     <p:Class xmlns:p="ResourceURI">...</p:Class>  (or wsman:XmlFragment)
//! Put     <p:Class>...</p:Class>            -> PutResponse     [<p:Class>...</p:Class>]
//! Create  <p:Class>...</p:Class>            -> CreateResponse  <wxf:ResourceCreated>EPR</wxf:ResourceCreated> [representation]
//! Delete  <s:Body/>                         -> DeleteResponse  <s:Body/>
//! ```
//!
//! Windows adds the created resource's representation after
//! `wxf:ResourceCreated` for shells (`rsp:Shell`, MS-WSMV §3.1.4.5);
//! [`CreateResponse::representation`] keeps it.

use super::{EndpointReference, Message, MessageError};
use crate::action::Action;
use crate::instance::{Instance, Property};
use crate::ns;
use crate::xml::Element;

/// Checks that a Put or Create representation is of the addressed resource:
/// its namespace is the ResourceURI and its local name the class (the last
/// segment of the URI, compared case-insensitively as Windows does).
pub fn check_representation(representation: &Element, resource_uri: &str) -> Result<(), MessageError> {
    let class = resource_uri.rsplit('/').next().unwrap_or("");
    if representation.ns.as_deref() != Some(resource_uri) || !representation.name.eq_ignore_ascii_case(class) {
        return Err(MessageError::RepresentationMismatch {
            found_ns: representation.ns.as_deref().unwrap_or_default().to_owned(),
            found: representation.name.clone(),
            expected_ns: resource_uri.to_owned(),
            expected: class.to_owned(),
        });
    }
    Ok(())
}

/// The single element of a Put or Create body.
fn single_representation(body: Vec<Element>) -> Result<Element, MessageError> {
    let mut it = body.into_iter();
    let el = it.next().ok_or(MessageError::EmptyRepresentation { expected: "the resource representation" })?;
    if it.next().is_some() {
        return Err(MessageError::ExtraRepresentation);
    }
    Ok(el)
}

/// The properties of a representation (values as strings).
fn properties_of(representation: &Element) -> Result<Vec<Property>, MessageError> {
    Instance::properties_from_element(representation).map_err(MessageError::InvalidProperty)
}

macro_rules! empty_body {
    ($(#[$m:meta])* $name:ident, $action:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
        pub struct $name;

        impl Message for $name {
            fn action(&self) -> Option<Action> {
                Some(Action::$action)
            }

            fn decode(_body: &[Element]) -> Result<Self, MessageError> {
                Ok($name)
            }

            fn into_body(self) -> Vec<Element> {
                Vec::new()
            }
        }
    };
}

empty_body! {
    /// WS-Transfer Get: an empty body (the header addresses the instance; a
    /// fragment is asked for with the `wsman:FragmentTransfer` header).
    Get, Get
}

empty_body! {
    /// WS-Transfer Delete: an empty body.
    Delete, Delete
}

empty_body! {
    /// WS-Transfer DeleteResponse: an empty body (DSP0226 §7.7).
    DeleteResponse, DeleteResponse
}

/// WS-Transfer GetResponse: the representation, an instance element or a
/// `wsman:XmlFragment` when a fragment was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetResponse {
    /// The first body element.
    pub representation: Element,
}

impl GetResponse {
    /// The representation as an instance (values as strings, no keys).
    pub fn to_instance(&self) -> Result<Instance, MessageError> {
        super::instance_from_element(&self.representation)
    }
}

impl Message for GetResponse {
    fn action(&self) -> Option<Action> {
        Some(Action::GetResponse)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        body.first().cloned().map(|representation| GetResponse { representation }).ok_or(MessageError::MissingBody { expected: "the resource representation" })
    }

    fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
        body.into_iter()
            .next()
            .map(|representation| GetResponse { representation })
            .ok_or(MessageError::MissingBody { expected: "the resource representation" })
    }

    fn into_body(self) -> Vec<Element> {
        vec![self.representation]
    }
}

macro_rules! representation_request {
    ($(#[$m:meta])* $name:ident, $action:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            /// The one body element: the representation.
            pub representation: Element,
        }

        impl $name {
            /// Checks the representation against the request's ResourceURI
            /// ([`check_representation`]).
            pub fn check(&self, resource_uri: &str) -> Result<(), MessageError> {
                check_representation(&self.representation, resource_uri)
            }

            /// The representation's properties (values as strings).
            pub fn properties(&self) -> Result<Vec<Property>, MessageError> {
                properties_of(&self.representation)
            }
        }

        impl Message for $name {
            fn action(&self) -> Option<Action> {
                Some(Action::$action)
            }

            fn decode(body: &[Element]) -> Result<Self, MessageError> {
                // Only the count is looked at before cloning the one element.
                match body {
                    [] => Err(MessageError::EmptyRepresentation { expected: "the resource representation" }),
                    [one] => Ok($name { representation: one.clone() }),
                    _ => Err(MessageError::ExtraRepresentation),
                }
            }

            fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
                single_representation(body).map(|representation| $name { representation })
            }

            fn into_body(self) -> Vec<Element> {
                vec![self.representation]
            }
        }
    };
}

representation_request! {
    /// WS-Transfer Put: the body is the new representation (DSP0226 §7.5).
    Put, Put
}

representation_request! {
    /// WS-Transfer Create: the body is the representation of the new
    /// resource (DSP0226 §7.6).
    Create, Create
}

/// WS-Transfer PutResponse: the representation after the change, or nothing
/// when it is the one sent (WS-Transfer §3.2; Windows always sends it).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PutResponse {
    /// The first body element, if any.
    pub representation: Option<Element>,
}

impl Message for PutResponse {
    fn action(&self) -> Option<Action> {
        Some(Action::PutResponse)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        Ok(PutResponse { representation: body.first().cloned() })
    }

    fn decode_owned(body: Vec<Element>) -> Result<Self, MessageError> {
        Ok(PutResponse { representation: body.into_iter().next() })
    }

    fn into_body(self) -> Vec<Element> {
        self.representation.into_iter().collect()
    }
}

/// WS-Transfer CreateResponse: `wxf:ResourceCreated`, the new resource's
/// endpoint reference (DSP0226 §7.6).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CreateResponse {
    /// The content of `wxf:ResourceCreated`.
    pub resource_created: EndpointReference,
    /// The first other body element: the new resource's representation, as
    /// Windows sends `rsp:Shell` after a shell's ResourceCreated.
    pub representation: Option<Element>,
}

impl CreateResponse {
    fn parts(body: &[Element]) -> Result<(EndpointReference, Option<usize>), MessageError> {
        let created = super::find(body, ns::WXF, "ResourceCreated").ok_or(MessageError::MissingBody { expected: "wxf:ResourceCreated" })?;
        let other = body.iter().position(|e| !e.is(ns::WXF, "ResourceCreated"));
        Ok((EndpointReference::from_element(created)?, other))
    }
}

impl Message for CreateResponse {
    fn action(&self) -> Option<Action> {
        Some(Action::CreateResponse)
    }

    fn decode(body: &[Element]) -> Result<Self, MessageError> {
        let (resource_created, other) = Self::parts(body)?;
        Ok(CreateResponse { resource_created, representation: other.map(|i| body[i].clone()) })
    }

    fn decode_owned(mut body: Vec<Element>) -> Result<Self, MessageError> {
        let (resource_created, other) = Self::parts(&body)?;
        Ok(CreateResponse { resource_created, representation: other.map(|i| body.swap_remove(i)) })
    }

    fn into_body(self) -> Vec<Element> {
        let mut body = vec![self.resource_created.to_element(ns::WXF, "ResourceCreated")];
        body.extend(self.representation);
        body
    }
}
