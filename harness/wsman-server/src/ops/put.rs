//! WS-Transfer Put (DSP0226 §7.5): the body is the new representation; the
//! response carries the representation after the change.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::{Action, Instance, Property, SelectorSet};

use super::{check_selectors, instance_body, Ctx, Reply, Target};
use crate::defects::Defect;
use crate::State;

pub(crate) struct Put {
    target: Target,
    selectors: SelectorSet,
    properties: Vec<Property>,
}

impl Put {
    pub(crate) fn parse(env: &Envelope, target: Target, state: &State) -> Result<Put, Fault> {
        let selectors = check_selectors(state, &target, &env.header)?;
        let el = instance_body(env, &target)?;
        let properties = Instance::properties_from_element(el).map_err(|why| Fault::new(FaultKind::InvalidRepresentation, why))?;
        Ok(Put { target, selectors, properties })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let call = ctx.call();
        let p = &self.target.provider;
        let instance = match p.put(&call, &self.target.uri, &self.selectors, &self.properties) {
            // The defect: silently drop the change instead of refusing it.
            Err(f) if f.detail == Some(FaultDetail::ReadOnly) && ctx.state.defects.has(Defect::PutReadOnlyAccepted) => p.get(&call, &self.target.uri, &self.selectors)?,
            other => other?,
        };
        Ok(Reply::new(&Action::Put, vec![instance.to_element()]))
    }
}
