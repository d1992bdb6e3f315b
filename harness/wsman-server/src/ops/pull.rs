//! WS-Enumeration Pull (WS-Enumeration §3.2, DSP0226 §8.4), of an
//! enumeration context or of a Pull-mode subscription's (DSP0226 §10.2.9).
//!
//! ```text
//! <wsen:Pull><wsen:EnumerationContext/>[<wsen:MaxElements>n</wsen:MaxElements>]</wsen:Pull>
//!   -> <wsen:PullResponse>[<wsen:EnumerationContext/>]<wsen:Items>...</wsen:Items>[<wsen:EndOfSequence/>]
//! ```

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::Fault;
use wsman_proto::message::{self, Message, PullResponse};

use super::enumerate::{batch_size, take_batch};
use super::{Ctx, Reply};
use crate::defects::Defect;

pub(crate) struct Pull {
    context: String,
    max_elements: usize,
    max_characters: Option<usize>,
    max_time: Option<std::time::Duration>,
}

impl Pull {
    pub(crate) fn parse(env: &Envelope) -> Result<Pull, Fault> {
        let pull = message::Pull::decode(&env.body)?;
        Ok(Pull {
            context: pull.context,
            max_elements: batch_size(pull.max_elements),
            max_characters: pull.max_characters.map(|c| usize::try_from(c).unwrap_or(usize::MAX)),
            max_time: pull.max_time.map(|t| t.to_std()),
        })
    }

    /// A subscription's context waits for events ([`super::eventing::pull`]);
    /// an enumeration's answers at once.
    pub(crate) async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        if super::eventing::is_subscription_context(ctx.state, &self.context) {
            return super::eventing::pull(ctx, &self.context, self.max_elements, self.max_time).await;
        }
        self.pull_enumeration(ctx)
    }

    fn pull_enumeration(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let state = ctx.state;
        let max = self.max_elements.min(state.max_batch_items());
        let mut store = state.enumerations.lock().unwrap_or_else(|p| p.into_inner());
        let narrowed;
        let ctx = match self.max_characters {
            Some(c) => {
                narrowed = Ctx { max_envelope: ctx.max_envelope.min(c.saturating_add(super::enumerate::BATCH_OVERHEAD)), ..*ctx };
                &narrowed
            }
            None => ctx,
        };
        let pulled = store.pull(&self.context, ctx.user, ctx.now, |pending| take_batch(ctx, pending, max))?;
        let batch = pulled.batch?;
        // The last batch ends the sequence: the store has dropped the context,
        // so the response names none (as Windows' last PullResponse).
        let end = pulled.end_of_sequence && !state.defects.has(Defect::NoEndOfSequence);
        let mut reply = Reply::of(PullResponse { context: (!end).then_some(self.context), items: batch.items, end_of_sequence: end });
        reply.encoded = batch.encoded;
        Ok(reply)
    }
}
