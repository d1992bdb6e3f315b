//! The WS-Man face: the BMC's state as CIM instances, through the
//! [`wsman_proto::ResourceProvider`] trait the reference server mounts.
//!
//! Each class is served under two resource URIs: the Windows IPMI provider's
//! (`.../wmi/root/hardware/CIM_<Class>`, WMI namespace `root\hardware`) and
//! the DMTF CIM one DASH-style BMCs use (`.../cim-schema/2/CIM_<Class>`).
//! The driver class `Microsoft_IPMI` lives under `.../wmi/root/wmi/`. The
//! exact class names Windows uses in `root\hardware` are unverified
//! (PROTOCOL.md §5): the CIM names are used for both URIs.
//!
//! Every value comes from, and every action goes through, the same
//! [`Bmc`](crate::bmc::Bmc) core the LAN face uses, at the scenario time of the
//! [`SharedBmc`]'s clock, so both faces always agree.
//!
//! | class | keys | notes |
//! |---|---|---|
//! | CIM_Sensor, CIM_NumericSensor | SystemCreationClassName, SystemName, CreationClassName, DeviceID | CurrentReading x 10^UnitModifier = engineering value |
//! | CIM_ComputerSystem | CreationClassName, Name | RequestStateChange drives Chassis Control |
//! | CIM_RecordLog | InstanceID | ClearLog clears the SEL |
//! | CIM_LogRecord | InstanceID | one per SEL record |
//! | CIM_Account | SystemCreationClassName, SystemName, CreationClassName, Name | BMC users |
//! | Microsoft_IPMI | InstanceName | RequestResponse passes a raw request to the core |

mod classes;
mod text;

use std::sync::Arc;

use wsman_proto::provider::instance_not_found;
use wsman_proto::{ns, CallContext, Element, Fault, FaultKind, Instance, MethodResult, ResourceProvider, SelectorSet};

use crate::clock::SharedBmc;
pub use classes::Class;

/// The instance name of the one `Microsoft_IPMI` instance.
pub const IPMI_INSTANCE_NAME: &str = "ROOT\\SYSTEM\\0001_0";

/// One provider per class, all sharing `bmc`.
pub fn providers(bmc: SharedBmc) -> Vec<Arc<dyn ResourceProvider>> {
    Class::ALL.iter().map(|c| Arc::new(CimProvider { bmc: bmc.clone(), class: *c }) as Arc<dyn ResourceProvider>).collect()
}

/// The resource URIs of `class`.
pub fn resource_uris(class: Class) -> Vec<String> {
    match class {
        Class::MicrosoftIpmi => vec![format!("{}{}", ns::WMI_ROOT_WMI_PREFIX, class.name())],
        c => vec![format!("{}{}", ns::WMI_ROOT_HARDWARE_PREFIX, c.name()), format!("{}{}", ns::DMTF_CIM_RESOURCE_PREFIX, c.name())],
    }
}

/// A provider for one class.
#[derive(Debug, Clone)]
pub struct CimProvider {
    bmc: SharedBmc,
    class: Class,
}

impl CimProvider {
    /// A provider for `class` on `bmc`.
    pub fn new(bmc: SharedBmc, class: Class) -> CimProvider {
        CimProvider { bmc, class }
    }
}

impl ResourceProvider for CimProvider {
    fn resource_uris(&self) -> Vec<String> {
        resource_uris(self.class)
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        self.class.keys().iter().map(|k| (*k).to_owned()).collect()
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<Instance, Fault> {
        let all = self.bmc.with(|b, now| classes::instances(self.class, b, now, uri));
        find(self.class, all, selectors)
    }

    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        Ok(self.bmc.with(|b, now| classes::instances(self.class, b, now, uri)))
    }

    fn methods(&self, _uri: &str) -> Option<Vec<String>> {
        let m: &[&str] = match self.class {
            Class::ComputerSystem => &["RequestStateChange"],
            Class::RecordLog => &["ClearLog"],
            Class::MicrosoftIpmi => &["RequestResponse"],
            _ => &[],
        };
        Some(m.iter().map(|s| (*s).to_owned()).collect())
    }

    fn invoke(&self, _ctx: &CallContext<'_>, uri: &str, method: &str, selectors: &SelectorSet, input: &Element) -> Result<MethodResult, Fault> {
        // The target instance must exist.
        self.get(_ctx, uri, selectors)?;
        let props = Instance::properties_from_element(input).map_err(|e| Fault::new(FaultKind::InvalidParameter, e))?;
        self.bmc
            .with(|b, now| classes::invoke(self.class, b, now, method, &props))
            .ok_or_else(|| Fault::new(FaultKind::ActionNotSupported, format!("{method} is not a method of {}", self.class.name())))?
    }
}

/// The instance whose keys match `selectors` (names compared
/// case-insensitively, values exactly). The server has checked the set
/// against the class keys; a set that matches no instance is
/// `wsa:DestinationUnreachable` + `ResourceNotFound`, as for the Windows
/// classes ([`wsman_proto::manual`], "Selectors and missing instances").
fn find(class: Class, all: Vec<Instance>, selectors: &SelectorSet) -> Result<Instance, Fault> {
    all.into_iter()
        .find(|i| !selectors.is_empty() && selectors.selectors.iter().all(|s| i.keys.get(&s.name) == Some(s.value.as_str())))
        .ok_or_else(|| instance_not_found(class.name(), selectors))
}

#[cfg(test)]
mod tests;
