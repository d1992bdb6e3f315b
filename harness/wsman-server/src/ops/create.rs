//! WS-Transfer Create (DSP0226 §7.6): the body is the representation; the
//! response is `wxf:ResourceCreated`, an EPR of the new instance.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::Fault;
use wsman_proto::message::{self, CreateResponse, EndpointReference, Message};
use wsman_proto::{ns, Property};

use super::{Ctx, Reply, Target};

pub(crate) struct Create {
    target: Target,
    properties: Vec<Property>,
    address: String,
}

impl Create {
    pub(crate) fn parse(env: &Envelope, target: Target) -> Result<Create, Fault> {
        let create = message::Create::decode(&env.body)?;
        create.check(&target.uri)?;
        let properties = create.properties()?;
        let address = env.header.to.clone().unwrap_or_else(|| ns::WSA_ANONYMOUS.to_owned());
        Ok(Create { target, properties, address })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let created = self.target.provider.create(&ctx.call(), &self.target.uri, &self.properties)?;
        Ok(Reply::of(CreateResponse { resource_created: EndpointReference::of_instance(&self.address, &created), representation: None }))
    }
}
