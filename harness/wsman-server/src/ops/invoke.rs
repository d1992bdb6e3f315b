//! Custom methods (DSP0226 §9, MS-WSMV §3.1.4.1.29): Action is
//! `<ResourceURI>/<Method>`, the body `p:<Method>_INPUT`, the response
//! `p:<Method>_OUTPUT` with `ReturnValue`.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultKind};
use wsman_proto::xml::Element;
use wsman_proto::{Action, Instance, SelectorSet};

use super::{check_selectors, Ctx, Reply, Target};
use crate::State;

pub(crate) struct Invoke {
    pub(crate) target: Target,
    pub(crate) selectors: SelectorSet,
    method: String,
    input: Element,
    action: Action,
}

impl Invoke {
    pub(crate) fn parse(env: &Envelope, target: Target, method: String, state: &State) -> Result<Invoke, Fault> {
        // An unknown method is an unknown action, whatever the selectors say.
        if let Some(known) = target.provider.methods(&target.uri) {
            if !known.iter().any(|m| m.eq_ignore_ascii_case(&method)) {
                return Err(Fault::new(FaultKind::ActionNotSupported, format!("{} has no method {method}", target.uri)).with_detail(wsman_proto::FaultDetail::ActionMismatch));
            }
        }
        let selectors = check_selectors(state, &target, &env.header)?;
        let want = format!("{method}_INPUT");
        let input = match env.body.first() {
            Some(el) if el.name == want && el.ns.as_deref() == Some(target.uri.as_str()) => el.clone(),
            Some(el) => return Err(Fault::new(FaultKind::InvalidRepresentation, format!("the body must be {want} in the resource namespace, not {}", el.name))),
            None => return Err(Fault::new(FaultKind::InvalidRepresentation, format!("the body must hold {want}"))),
        };
        let action = env.header.action.clone().unwrap_or_else(|| Action::Other(format!("{}/{method}", target.uri)));
        Ok(Invoke { target, selectors, method, input, action })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let out = self.target.provider.invoke(&ctx.call(), &self.target.uri, &self.method, &self.selectors, &self.input)?;
        let mut output = Instance::new(self.target.uri.clone(), format!("{}_OUTPUT", self.method));
        output.properties = out.properties;
        Ok(Reply::new(&self.action, vec![output.to_element()]))
    }
}
