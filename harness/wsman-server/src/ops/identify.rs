//! Identify (DSP0226 §11, MS-WSMV §3.1.4.1.23): no WS-Addressing headers;
//! the body is `wsmid:Identify`.
//!
//! ```text
//! <s:Body><wsmid:Identify/></s:Body>
//!   -> <wsmid:IdentifyResponse><wsmid:ProtocolVersion/><wsmid:ProductVendor/>
//!      <wsmid:ProductVersion/>[<wsmid:SecurityProfiles/>]</wsmid:IdentifyResponse>
//! ```

use wsman_proto::envelope::Envelope;
use wsman_proto::message::{Identify, IdentifyResponse, Message};
use wsman_proto::ns;
use wsman_proto::xml::Element;

use crate::defects::Defect;
use crate::State;

/// ProductVersion when authenticated: the simulated host's build.
pub(crate) const PRODUCT_VERSION: &str = "OS: 10.0.20348 SP: 0.0 Stack: 3.0";
/// ProductVersion of the anonymous form Windows uses for unauthenticated Identify.
pub(crate) const ANONYMOUS_PRODUCT_VERSION: &str = "OS: 0.0.0 SP: 0.0 Stack: 3.0";

/// Is this body an Identify? Only its first element counts, as the Body of
/// every other request starts with its own message element.
pub(crate) fn is_identify(body: &[Element]) -> bool {
    Identify::decode(body.get(..1).unwrap_or_default()).is_ok()
}

pub(crate) fn reply(state: &State, authenticated: bool) -> Envelope {
    let protocol = if state.defects.has(Defect::IdentifyWrongProtocol) { ns::WSMB } else { ns::WSMAN };
    let resp = IdentifyResponse {
        protocol_versions: vec![protocol.to_owned()],
        product_vendor: Some("Microsoft Corporation".to_owned()),
        product_version: Some(if authenticated { PRODUCT_VERSION } else { ANONYMOUS_PRODUCT_VERSION }.to_owned()),
        security_profiles: authenticated.then(|| vec![ns::secprofile::HTTP_BASIC.to_owned(), ns::secprofile::HTTPS_BASIC.to_owned()]),
        extensions: Vec::new(),
    };
    Envelope { header: Default::default(), body: resp.into_body() }
}

/// The encoded answer: the same bytes for every Identify of a server (no
/// MessageID, no RelatesTo; the defects are fixed when it starts), so each
/// form is encoded once, on first use.
pub(crate) fn encoded(state: &State, authenticated: bool) -> Vec<u8> {
    state.identify[usize::from(authenticated)].get_or_init(|| reply(state, authenticated).into_bytes()).clone()
}
