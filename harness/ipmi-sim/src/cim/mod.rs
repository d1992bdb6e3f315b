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
//! | class | keys | URIs | notes |
//! |---|---|---|---|
//! | CIM_Sensor, CIM_NumericSensor | SystemCreationClassName, SystemName, CreationClassName, DeviceID | both | CurrentReading x 10^UnitModifier = engineering value; Put sets a NumericSensor's SettableThresholds |
//! | CIM_ComputerSystem | CreationClassName, Name | both | RequestStateChange drives Chassis Control |
//! | CIM_RecordLog | InstanceID | both | ClearLog clears the SEL |
//! | CIM_LogRecord | InstanceID | both | one per SEL record |
//! | CIM_Account | SystemCreationClassName, SystemName, CreationClassName, Name | both | BMC users |
//! | CIM_AdminDomain | CreationClassName, Name | both | the management domain |
//! | Microsoft_IPMI | InstanceName | root\wmi | RequestResponse passes a raw request to the core |
//! | CIM_RegisteredProfile | InstanceID, `__cimnamespace` = `root/interop` | DMTF | one per advertised profile ([`profiles`]) |
//! | CIM_PowerManagementService | SystemCreationClassName, SystemName, CreationClassName, Name | DMTF | RequestPowerStateChange drives Chassis Control |
//! | CIM_PowerManagementCapabilities | InstanceID | DMTF | PowerStatesSupported, PowerChangeCapabilities |
//! | CIM_AccountManagementService | SystemCreationClassName, SystemName, CreationClassName, Name | DMTF | the service scoping the accounts |
//!
//! The four DSP1033/DSP1027/DSP1034 classes are served under the DMTF URI
//! only: the Windows IPMI provider's `root\hardware` is not known to have
//! them, and a DMTF discovery walks the DMTF URIs. [`PROFILE_CLASSES`] lists
//! which classes each advertised profile makes mandatory.
//!
//! # Put of a CIM_NumericSensor (DSP1009)
//!
//! The thresholds listed in `SettableThresholds` (the non-critical ones the
//! sensor has: 0 = LowerThresholdNonCritical, 1 = UpperThresholdNonCritical)
//! are writable; the value is in the units of CurrentReading (x
//! 10^UnitModifier) and is stored, rounded to the nearest raw count, in the
//! core's thresholds through Set Sensor Thresholds, so the LAN face's Get
//! Sensor Thresholds agrees. Changing any other property is refused with
//! `wxf:InvalidRepresentation` + `ReadOnly`, as the Windows classes refuse
//! it (a property sent with its current value is not a change); a property
//! the class does not have is `wxf:InvalidRepresentation`; a value that is
//! not an integer or has no raw count is `InvalidRepresentation` +
//! `InvalidValues`. The response is the instance after the change.

mod classes;
pub mod profiles;
mod text;

use std::sync::Arc;

use wsman_proto::provider::instance_not_found;
use wsman_proto::{ns, CallContext, Element, Fault, FaultKind, Instance, MethodResult, Property, ResourceProvider, SelectorSet};

use crate::clock::SharedBmc;
pub use classes::Class;
pub use profiles::PROFILE_CLASSES;

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
        Class::RegisteredProfile | Class::PowerManagementService | Class::PowerManagementCapabilities | Class::AccountManagementService => {
            vec![format!("{}{}", ns::DMTF_CIM_RESOURCE_PREFIX, class.name())]
        }
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
        if self.class == Class::RegisteredProfile {
            profiles::check_interop(selectors)?;
        }
        let all = self.bmc.with(|b, now| classes::instances(self.class, b, now, uri));
        find(self.class, all, selectors)
    }

    /// Every instance; for CIM_RegisteredProfile, which needs its namespace
    /// named, the fault for a missing `__cimnamespace` (use
    /// [`enumerate_with_selectors`](ResourceProvider::enumerate_with_selectors)).
    fn enumerate(&self, ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        self.enumerate_with_selectors(ctx, uri, &SelectorSet::default()).map(|all| all.to_vec())
    }

    fn enumerate_with_selectors(&self, _ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<Arc<[Instance]>, Fault> {
        if self.class == Class::RegisteredProfile {
            profiles::check_interop(selectors)?;
        }
        Ok(Arc::from(self.bmc.with(|b, now| classes::instances(self.class, b, now, uri))))
    }

    fn put(&self, _ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet, properties: &[Property]) -> Result<Instance, Fault> {
        if self.class != Class::NumericSensor {
            return Err(Fault::new(FaultKind::ActionNotSupported, format!("Put is not supported on {uri}")));
        }
        self.bmc.with(|b, now| {
            let current = find(self.class, classes::instances(self.class, b, now, uri), selectors)?;
            classes::put_numeric_sensor(b, now, &current, properties)?;
            find(self.class, classes::instances(self.class, b, now, uri), selectors)
        })
    }

    fn methods(&self, _uri: &str) -> Option<Vec<String>> {
        let m: &[&str] = match self.class {
            Class::ComputerSystem => &["RequestStateChange"],
            Class::RecordLog => &["ClearLog"],
            Class::MicrosoftIpmi => &["RequestResponse"],
            Class::PowerManagementService => &["RequestPowerStateChange"],
            _ => &[],
        };
        Some(m.iter().map(|s| (*s).to_owned()).collect())
    }

    fn invoke(&self, _ctx: &CallContext<'_>, uri: &str, method: &str, selectors: &SelectorSet, input: &Element) -> Result<MethodResult, Fault> {
        // The target instance must exist.
        self.get(_ctx, uri, selectors)?;
        // An EPR-valued parameter (RequestPowerStateChange's ManagedElement)
        // is checked here and left out of the plain properties.
        let mut plain = input.clone();
        let mut managed = None;
        plain.children.retain(|c| match c {
            wsman_proto::xml::Node::Element(e) if e.name.eq_ignore_ascii_case("ManagedElement") => {
                managed = Some(e.clone());
                false
            }
            _ => true,
        });
        if let Some(epr) = managed {
            if !self.manages(&epr) {
                return Ok(MethodResult::return_value(5)); // invalid parameter
            }
        }
        let props = Instance::properties_from_element(&plain).map_err(|e| Fault::new(FaultKind::InvalidParameter, e))?;
        self.bmc
            .with(|b, now| classes::invoke(self.class, b, now, method, &props))
            .ok_or_else(|| Fault::new(FaultKind::ActionNotSupported, format!("{method} is not a method of {}", self.class.name())))?
    }
}

impl CimProvider {
    /// Does the EPR `epr` (a ManagedElement parameter) address the managed
    /// system, CIM_ComputerSystem named by the system name? An EPR without
    /// selectors, or of another class, does not.
    fn manages(&self, epr: &Element) -> bool {
        let mut stack = vec![epr];
        let mut found = None;
        let mut steps = 0usize;
        while let Some(e) = stack.pop() {
            steps += 1;
            if steps > 256 {
                break;
            }
            if e.is(ns::WSMAN, "SelectorSet") {
                found = SelectorSet::from_element(e).ok();
                break;
            }
            stack.extend(e.elements());
        }
        let Some(sel) = found else { return false };
        let system = self.bmc.with(|b, _| b.scenario().fru.product_serial.clone());
        sel.get("Name") == Some(system.as_str()) && sel.get("CreationClassName").is_none_or(|c| c.eq_ignore_ascii_case("CIM_ComputerSystem"))
    }
}

/// The instance whose keys match `selectors` (names compared
/// case-insensitively, values exactly). The server has checked the set
/// against the class keys; a set that matches no instance is
/// `wsa:DestinationUnreachable` + `ResourceNotFound`, as for the Windows
/// classes ([`wsman_proto::manual`], "Selectors and missing instances").
/// The namespace selector was checked by the caller and matches whatever
/// spelling of the namespace it accepted.
fn find(class: Class, all: Vec<Instance>, selectors: &SelectorSet) -> Result<Instance, Fault> {
    let matches = |i: &Instance| {
        selectors.selectors.iter().all(|s| s.name.eq_ignore_ascii_case(profiles::NAMESPACE_SELECTOR) || i.keys.get(&s.name) == Some(s.value.as_str()))
    };
    all.into_iter().find(|i| !selectors.is_empty() && matches(i)).ok_or_else(|| instance_not_found(class.name(), selectors))
}

#[cfg(test)]
mod tests;
