//! WS-Transfer Delete (DSP0226 §7.7): the response body is empty.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::Fault;
use wsman_proto::message::{self, DeleteResponse, Message};
use wsman_proto::SelectorSet;

use super::{check_selectors, Ctx, Reply, Target};
use crate::{Defect, State};

pub(crate) struct Delete {
    target: Target,
    selectors: SelectorSet,
}

impl Delete {
    pub(crate) fn parse(env: &Envelope, target: Target, state: &State) -> Result<Delete, Fault> {
        let selectors = check_selectors(state, &target, &env.header)?;
        message::Delete::decode(&env.body)?;
        Ok(Delete { selectors, target })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        if ctx.state.defects.has(Defect::DeleteIgnored) {
            // The instance must exist (its faults stay), and then stays.
            self.target.provider.get(&ctx.call(), &self.target.uri, &self.selectors)?;
            return Ok(Reply::of(DeleteResponse));
        }
        self.target.provider.delete(&ctx.call(), &self.target.uri, &self.selectors)?;
        Ok(Reply::of(DeleteResponse))
    }
}
