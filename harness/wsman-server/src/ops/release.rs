//! WS-Enumeration Release (WS-Enumeration §3.3): ends a context early.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::Fault;
use wsman_proto::message::{self, Message, ReleaseResponse};

use super::{Ctx, Reply};

pub(crate) struct Release {
    context: String,
}

impl Release {
    pub(crate) fn parse(env: &Envelope) -> Result<Release, Fault> {
        let message::Release { context } = message::Release::decode(&env.body)?;
        Ok(Release { context })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let mut store = ctx.state.enumerations.lock().unwrap_or_else(|p| p.into_inner());
        store.release(&self.context, ctx.user, ctx.now)?;
        Ok(Reply::of(ReleaseResponse))
    }
}
