//! `Win32_ComputerSystem`: one instance, key `Name` (the machine name).
//!
//! ```text
//! Get .../root/cimv2/Win32_ComputerSystem  SelectorSet{Name=<machine>}
//!   -> <p:Win32_ComputerSystem> Caption, Domain, Model, Name, ... </p:Win32_ComputerSystem>
//! ```

use wsman_proto::{CallContext, Fault, Instance, ResourceProvider, SelectorSet, Value};

use super::{cimv2_uri, selectors};

const CLASS: &str = "Win32_ComputerSystem";
const KEYS: &[&str] = &["Name"];

/// The `Win32_ComputerSystem` provider.
#[derive(Debug)]
pub struct ComputerSystem {
    uri: String,
    instance: Instance,
}

impl ComputerSystem {
    /// The computer system named `machine`.
    pub fn new(machine: &str) -> Self {
        let uri = cimv2_uri(CLASS);
        let s = Value::str;
        let instance = Instance::new(uri.clone(), CLASS)
            .with_key("Name", machine)
            .with("AdminPasswordStatus", Value::UInt(3))
            .with("AutomaticManagedPagefile", Value::Bool(true))
            .with("AutomaticResetBootOption", Value::Bool(true))
            .with("AutomaticResetCapability", Value::Bool(true))
            .with("BootupState", s("Normal boot"))
            .with("Caption", s(machine))
            .with("ChassisBootupState", Value::UInt(3))
            .with("CreationClassName", s(CLASS))
            .with("CurrentTimeZone", Value::Int(0))
            .with("Description", s("AT/AT COMPATIBLE"))
            .with("DNSHostName", s(&machine.to_ascii_lowercase()))
            .with("Domain", s("WORKGROUP"))
            .with("DomainRole", Value::UInt(2))
            .with("EnableDaylightSavingsTime", Value::Bool(true))
            .with("HypervisorPresent", Value::Bool(true))
            .with("InstallDate", Value::Null)
            .with("Manufacturer", s("WS-Man Harness"))
            .with("Model", s("Simulated Host"))
            .with("Name", s(machine))
            .with("NetworkServerModeEnabled", Value::Bool(true))
            .with("NumberOfLogicalProcessors", Value::UInt(2))
            .with("NumberOfProcessors", Value::UInt(1))
            .with("PartOfDomain", Value::Bool(false))
            .with("PCSystemType", Value::UInt(1))
            .with("PowerState", Value::UInt(0))
            .with("PrimaryOwnerName", s("Windows User"))
            .with("Status", s("OK"))
            .with("SystemType", s("x64-based PC"))
            .with("TotalPhysicalMemory", Value::UInt(4_294_496_256))
            .with("UserName", Value::Null)
            .with("Workgroup", s("WORKGROUP"));
        ComputerSystem { uri, instance }
    }
}

impl ResourceProvider for ComputerSystem {
    fn resource_uris(&self) -> Vec<String> {
        vec![self.uri.clone()]
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        KEYS.iter().map(|k| (*k).to_owned()).collect()
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, set: &SelectorSet) -> Result<Instance, Fault> {
        if uri != self.uri {
            return Err(selectors::wrong_uri(uri));
        }
        // The server has checked the set against KEYS. WMI string keys compare case-insensitively.
        match (set.get("Name"), self.instance.keys.get("Name")) {
            (Some(asked), Some(name)) if asked.eq_ignore_ascii_case(name) => Ok(self.instance.clone()),
            _ => Err(selectors::not_found(CLASS, set)),
        }
    }

    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        if uri != self.uri {
            return Err(selectors::wrong_uri(uri));
        }
        Ok(vec![self.instance.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::{FaultDetail, FaultKind};

    fn ctx() -> CallContext<'static> {
        CallContext { user: "admin", now: std::time::UNIX_EPOCH }
    }

    #[test]
    fn get_by_name_any_case() {
        let p = ComputerSystem::new("HOST1");
        let i = p.get(&ctx(), &cimv2_uri(CLASS), &SelectorSet::default().with("name", "host1")).unwrap();
        assert_eq!(i.get("Name"), Some(&Value::str("HOST1")));
        assert_eq!(i.keys.get("Name"), Some("HOST1"));
        assert_eq!(p.enumerate(&ctx(), &cimv2_uri(CLASS)).unwrap(), vec![i]);
    }

    #[test]
    fn faults() {
        let p = ComputerSystem::new("HOST1");
        let uri = cimv2_uri(CLASS);
        let f = p.get(&ctx(), &uri, &SelectorSet::default().with("Name", "OTHER")).unwrap_err();
        assert_eq!((f.kind, f.detail), (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)));
    }
}
