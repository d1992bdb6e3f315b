//! WS-Transfer Create (DSP0226 §7.6): the body is the representation; the
//! response is `wxf:ResourceCreated`, an EPR of the new instance.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultKind};
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, Instance, Property};

use super::{epr, instance_body, Ctx, Reply, Target};

pub(crate) struct Create {
    target: Target,
    properties: Vec<Property>,
    address: String,
}

impl Create {
    pub(crate) fn parse(env: &Envelope, target: Target) -> Result<Create, Fault> {
        let el = instance_body(env, &target)?;
        let properties = Instance::properties_from_element(el).map_err(|why| Fault::new(FaultKind::InvalidRepresentation, why))?;
        let address = env.header.to.clone().unwrap_or_else(|| ns::WSA_ANONYMOUS.to_owned());
        Ok(Create { target, properties, address })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let created = self.target.provider.create(&ctx.call(), &self.target.uri, &self.properties)?;
        let body = epr(Element::ns(ns::WXF, "ResourceCreated"), &self.address, &created);
        Ok(Reply::new(&Action::Create, vec![body]))
    }
}
