//! WS-Transfer Get (DSP0226 §7.3).
//!
//! ```text
//! Action .../transfer/Get, ResourceURI, SelectorSet, empty Body
//!   -> GetResponse: the instance (<p:Class xmlns:p=URI>...), or with
//!      wsman:FragmentTransfer a wsman:XmlFragment holding the property.
//! ```

use std::sync::Arc;
use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};

use wsman_proto::message::{self, EnumerationMode, GetResponse, Message};
use wsman_proto::xml::{Element, EncodedElement};
use wsman_proto::{ns, SelectorSet, SharedInstance};

use super::enumerate::render_item;
use super::rendered::Rendered;
use super::{check_selectors, Ctx, Reply, Target};
use crate::State;

pub(crate) struct Get {
    pub(crate) target: Target,
    pub(crate) selectors: SelectorSet,
    fragment: Option<String>,
}

impl Get {
    pub(crate) fn parse(env: &Envelope, target: Target, state: &State) -> Result<Get, Fault> {
        let selectors = check_selectors(state, &target, &env.header)?;
        // The Body of a Get is empty; nothing in it can be wrong.
        message::Get::decode(&env.body)?;
        if let Some(d) = env.header.fragment_dialect.as_deref() {
            if env.header.fragment_transfer.is_some() && d != ns::dialect::XPATH {
                return Err(Fault::new(FaultKind::FragmentDialectNotSupported, format!("the fragment dialect {d} is not supported; use XPath 1.0")));
            }
        }
        Ok(Get { target, selectors, fragment: env.header.fragment_transfer.clone() })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        if self.fragment.is_none() {
            if let Some(shared) = self.target.provider.get_shared(&ctx.call(), &self.target.uri, &self.selectors)? {
                return from_snapshot(ctx, &shared);
            }
        }
        let instance = self.target.provider.get(&ctx.call(), &self.target.uri, &self.selectors)?;
        let representation = match &self.fragment {
            None => instance.to_element(),
            Some(expr) => {
                // The simple dialect: a property name, optionally with a `/text()` suffix.
                let name = expr.trim().trim_end_matches("/text()");
                if instance.get(name).is_none() {
                    return Err(Fault::new(FaultKind::InvalidRepresentation, format!("the fragment {expr} names no property of {}", instance.class_name))
                        .with_detail(FaultDetail::InvalidFragment));
                }
                let mut frag = Element::ns(ns::WSMAN, "XmlFragment");
                frag.children.extend(instance.to_element_with(|p| p.eq_ignore_ascii_case(name)).children);
                frag
            }
        };
        Ok(Reply::of(GetResponse { representation }))
    }
}

/// The answer for an instance of a provider's snapshot: the item every
/// optimized Enumerate of that snapshot sends ([`rendered`](super::rendered)),
/// encoded once. A GetResponse holds the instance where an enumeration holds
/// its items, under the same bindings, so the bytes are the ones rendering
/// the instance afresh would write.
fn from_snapshot(ctx: &Ctx<'_>, shared: &SharedInstance) -> Result<Reply, Fault> {
    let Some(instance) = shared.instance() else {
        return Err(Fault::new(FaultKind::InternalError, format!("the provider named instance {} of a snapshot of {}", shared.index, shared.snapshot.len())));
    };
    let slots = ctx.state.items.slots(&shared.snapshot, EnumerationMode::Object);
    // The element an Object-mode enumeration item is: one definition for both.
    let fresh = || Arc::new(Rendered::new(render_item(instance, EnumerationMode::Object, None)));
    let rendered = match slots.get(shared.index) {
        Some(slot) => slot.get_or_init(fresh).clone(),
        None => fresh(),
    };
    let mut reply = Reply::of(GetResponse { representation: EncodedElement::placeholder(0) });
    reply.encoded.push(rendered.encoded.clone());
    Ok(reply)
}
