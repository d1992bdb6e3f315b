//! Identify (DSP0226 §11, MS-WSMV §3.1.4.1.23): no WS-Addressing headers;
//! the body is `wsmid:Identify`.
//!
//! ```text
//! <s:Body><wsmid:Identify/></s:Body>
//!   -> <wsmid:IdentifyResponse><wsmid:ProtocolVersion/><wsmid:ProductVendor/>
//!      <wsmid:ProductVersion/>[<wsmid:SecurityProfiles/>]</wsmid:IdentifyResponse>
//! ```

use wsman_proto::envelope::Envelope;
use wsman_proto::ns;
use wsman_proto::xml::Element;

use crate::defects::Defect;
use crate::State;

/// ProductVersion when authenticated: the simulated host's build.
pub(crate) const PRODUCT_VERSION: &str = "OS: 10.0.20348 SP: 0.0 Stack: 3.0";
/// ProductVersion of the anonymous form Windows uses for unauthenticated Identify.
pub(crate) const ANONYMOUS_PRODUCT_VERSION: &str = "OS: 0.0.0 SP: 0.0 Stack: 3.0";

pub(crate) fn reply(state: &State, authenticated: bool) -> Envelope {
    let text = |name: &str, v: &str| Element::ns(ns::WSMID, name).with_text(v);
    let protocol = if state.defects.has(Defect::IdentifyWrongProtocol) { ns::WSMB } else { ns::WSMAN };
    let mut resp = Element::ns(ns::WSMID, "IdentifyResponse")
        .with_child(text("ProtocolVersion", protocol))
        .with_child(text("ProductVendor", "Microsoft Corporation"))
        .with_child(text("ProductVersion", if authenticated { PRODUCT_VERSION } else { ANONYMOUS_PRODUCT_VERSION }));
    if authenticated {
        let mut profiles = Element::ns(ns::WSMID, "SecurityProfiles");
        for p in [ns::secprofile::HTTP_BASIC, ns::secprofile::HTTPS_BASIC] {
            profiles.push(text("SecurityProfileName", p));
        }
        resp.push(profiles);
    }
    Envelope { header: Default::default(), body: vec![resp] }
}
