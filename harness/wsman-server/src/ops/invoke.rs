//! Custom methods (DSP0226 §9, MS-WSMV §3.1.4.1.29): Action is
//! `<ResourceURI>/<Method>`, the body `p:<Method>_INPUT`, the response
//! `p:<Method>_OUTPUT` with `ReturnValue`.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::message::{Message, MethodInput, MethodOutput};
use wsman_proto::xml::Element;
use wsman_proto::SelectorSet;

use super::{check_selectors, Ctx, Reply, Target};
use crate::State;

pub(crate) struct Invoke {
    pub(crate) target: Target,
    pub(crate) selectors: SelectorSet,
    method: String,
    input: Element,
}

impl Invoke {
    pub(crate) fn parse(env: &Envelope, target: Target, method: String, state: &State) -> Result<Invoke, Fault> {
        // An unknown method is an unknown action, whatever the selectors say.
        if let Some(known) = target.provider.methods(&target.uri) {
            if !known.iter().any(|m| m.eq_ignore_ascii_case(&method)) {
                return Err(
                    Fault::new(FaultKind::ActionNotSupported, format!("{} has no method {method}", target.uri)).with_detail(FaultDetail::ActionMismatch)
                );
            }
        }
        let selectors = check_selectors(state, &target, &env.header)?;
        let input = MethodInput::decode(&env.body)?;
        input.check(&target.uri, &method)?;
        Ok(Invoke { target, selectors, method, input: input.to_element() })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let result = self.target.provider.invoke(&ctx.call(), &self.target.uri, &self.method, &self.selectors, &self.input)?;
        Ok(Reply::of(MethodOutput::from_provider(&self.target.uri, &self.method, &result)))
    }
}
