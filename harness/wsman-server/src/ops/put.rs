//! WS-Transfer Put (DSP0226 §7.5): the body is the new representation; the
//! response carries the representation after the change.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail};
use wsman_proto::message::{self, Message, PutResponse};
use wsman_proto::{Property, SelectorSet};

use super::{check_selectors, Ctx, Reply, Target};
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
        let put = message::Put::decode(&env.body)?;
        put.check(&target.uri)?;
        let properties = put.properties()?;
        Ok(Put { target, selectors, properties })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let call = ctx.call();
        let p = &self.target.provider;
        let instance = match p.put(&call, &self.target.uri, &self.selectors, &self.properties) {
            // The defect: silently drop the change instead of refusing it.
            Err(f) if f.detail == Some(FaultDetail::ReadOnly) && ctx.state.defects.has(Defect::PutReadOnlyAccepted) => {
                p.get(&call, &self.target.uri, &self.selectors)?
            }
            other => other?,
        };
        // The Put may have changed winrm/config/service EnumerationTimeoutms.
        ctx.state.sync_enumeration_expiry(ctx.now);
        Ok(Reply::of(PutResponse { representation: Some(instance.to_element()) }))
    }
}
