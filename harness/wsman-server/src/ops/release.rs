//! WS-Enumeration Release (WS-Enumeration §3.3): ends a context early.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultKind};
use wsman_proto::{ns, Action};

use super::{Ctx, Reply};

pub(crate) struct Release {
    context: String,
}

impl Release {
    pub(crate) fn parse(env: &Envelope) -> Result<Release, Fault> {
        let context = env
            .body
            .iter()
            .find(|e| e.is(ns::WSEN, "Release"))
            .and_then(|r| r.child_text(ns::WSEN, "EnumerationContext"))
            .ok_or_else(|| Fault::new(FaultKind::InvalidEnumerationContext, "Release needs wsen:Release/wsen:EnumerationContext"))?;
        Ok(Release { context })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let mut store = ctx.state.enumerations.lock().unwrap_or_else(|p| p.into_inner());
        store.release(&self.context, ctx.user, ctx.now)?;
        Ok(Reply::new(&Action::Release, Vec::new()))
    }
}
