//! WS-Enumeration Pull (WS-Enumeration §3.2, DSP0226 §8.4).
//!
//! ```text
//! <wsen:Pull><wsen:EnumerationContext/>[<wsen:MaxElements>n</wsen:MaxElements>]</wsen:Pull>
//!   -> <wsen:PullResponse>[<wsen:EnumerationContext/>]<wsen:Items>...</wsen:Items>[<wsen:EndOfSequence/>]
//! ```

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultKind};
use wsman_proto::xml::{self, Element};
use wsman_proto::{ns, Action};

use super::enumerate::{parse_max_elements, take_batch};
use super::{Ctx, Reply};
use crate::defects::Defect;

pub(crate) struct Pull {
    context: String,
    max_elements: Option<usize>,
    max_characters: Option<usize>,
}

impl Pull {
    pub(crate) fn parse(env: &Envelope) -> Result<Pull, Fault> {
        let body = env
            .body
            .iter()
            .find(|e| e.is(ns::WSEN, "Pull"))
            .ok_or_else(|| Fault::new(FaultKind::SchemaValidationError, "the Body of a Pull must be wsen:Pull"))?;
        let context = body
            .child_text(ns::WSEN, "EnumerationContext")
            .ok_or_else(|| Fault::new(FaultKind::InvalidEnumerationContext, "Pull needs wsen:EnumerationContext"))?;
        let max_elements = parse_max_elements(body.child(ns::WSEN, "MaxElements"), usize::MAX)?;
        let max_characters = body.child_text(ns::WSEN, "MaxCharacters").and_then(|t| t.parse().ok());
        Ok(Pull { context, max_elements, max_characters })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let state = ctx.state;
        let max = self.max_elements.unwrap_or(1).min(state.max_batch_items());
        let mut store = state.enumerations.lock().unwrap_or_else(|p| p.into_inner());
        let narrowed;
        let ctx = match self.max_characters {
            Some(c) => {
                narrowed = Ctx { max_envelope: ctx.max_envelope.min(c + super::enumerate::BATCH_OVERHEAD), ..*ctx };
                &narrowed
            }
            None => ctx,
        };
        let pulled = store.pull(&self.context, ctx.user, ctx.now, |pending| take_batch(ctx, pending, max))?;
        let items_batch = pulled.batch?;
        // The last batch ends the sequence: the store has dropped the context,
        // so the response names none (as Windows' last PullResponse).
        let end = pulled.end_of_sequence && !state.defects.has(Defect::NoEndOfSequence);
        let mut body = Element::ns(ns::WSEN, "PullResponse");
        if !end {
            body.push(Element::ns(ns::WSEN, "EnumerationContext").with_text(self.context.clone()));
        }
        let mut items = Element::ns(ns::WSEN, "Items");
        items.children.extend(items_batch.into_iter().map(xml::Node::Element));
        body.push(items);
        if end {
            body.push(Element::ns(ns::WSEN, "EndOfSequence"));
        }
        Ok(Reply::new(&Action::Pull, vec![body]))
    }
}
