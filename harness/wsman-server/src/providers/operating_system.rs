//! `Win32_OperatingSystem`: one instance, addressed without selectors.
//!
//! ```text
//! Get  .../root/cimv2/Win32_OperatingSystem  (no SelectorSet)
//!   -> <p:Win32_OperatingSystem> BuildNumber, Caption, CSName, ... </p:Win32_OperatingSystem>
//! ```
//!
//! The values describe a Windows Server 2022 host; datetimes are fixed so
//! responses can be snapshotted.

use wsman_proto::{CallContext, Fault, Instance, ResourceProvider, SelectorSet, Value};

use super::{cimv2_uri, selectors};

const CLASS: &str = "Win32_OperatingSystem";

/// The `Win32_OperatingSystem` provider.
#[derive(Debug)]
pub struct OperatingSystem {
    uri: String,
    instance: Instance,
}

impl OperatingSystem {
    /// The operating system of the host named `machine`.
    pub fn new(machine: &str) -> Self {
        let uri = cimv2_uri(CLASS);
        let caption = "Microsoft Windows Server 2022 Datacenter";
        let s = Value::str;
        let instance = Instance::new(uri.clone(), CLASS)
            .with("BootDevice", s("\\Device\\HarddiskVolume1"))
            .with("BuildNumber", s("20348"))
            .with("BuildType", s("Multiprocessor Free"))
            .with("Caption", s(caption))
            .with("CodeSet", s("1252"))
            .with("CountryCode", s("1"))
            .with("CreationClassName", s(CLASS))
            .with("CSCreationClassName", s("Win32_ComputerSystem"))
            .with("CSName", s(machine))
            .with("CurrentTimeZone", Value::Int(0))
            .with("DataExecutionPrevention_Available", Value::Bool(true))
            .with("Debug", Value::Bool(false))
            .with("Description", s(""))
            .with("Distributed", Value::Bool(false))
            .with("EncryptionLevel", Value::UInt(256))
            .with("FreePhysicalMemory", Value::UInt(2_456_312))
            .with("FreeSpaceInPagingFiles", Value::UInt(1_310_720))
            .with("FreeVirtualMemory", Value::UInt(3_611_884))
            .with("InstallDate", Value::Datetime("2024-01-15T09:30:12Z".into()))
            .with("LastBootUpTime", Value::Datetime("2024-06-01T06:00:00Z".into()))
            .with("Locale", s("0409"))
            .with("Manufacturer", s("Microsoft Corporation"))
            .with("MaxNumberOfProcesses", Value::UInt(u32::MAX.into()))
            .with("MaxProcessMemorySize", Value::UInt(137_438_953_344))
            .with("Name", s(&format!("{caption}|C:\\Windows|\\Device\\Harddisk0\\Partition2")))
            .with("NumberOfLicensedUsers", Value::UInt(0))
            .with("NumberOfProcesses", Value::UInt(88))
            .with("NumberOfUsers", Value::UInt(2))
            .with("OperatingSystemSKU", Value::UInt(8))
            .with("Organization", s(""))
            .with("OSArchitecture", s("64-bit"))
            .with("OSLanguage", Value::UInt(1033))
            .with("OSProductSuite", Value::UInt(400))
            .with("OSType", Value::UInt(18))
            .with("Primary", Value::Bool(true))
            .with("ProductType", Value::UInt(3))
            .with("RegisteredUser", s("Windows User"))
            .with("SerialNumber", s("00454-20000-00000-AA000"))
            .with("ServicePackMajorVersion", Value::UInt(0))
            .with("ServicePackMinorVersion", Value::UInt(0))
            .with("SizeStoredInPagingFiles", Value::UInt(1_310_720))
            .with("Status", s("OK"))
            .with("SystemDevice", s("\\Device\\HarddiskVolume2"))
            .with("SystemDirectory", s("C:\\Windows\\system32"))
            .with("SystemDrive", s("C:"))
            .with("TotalVirtualMemorySize", Value::UInt(5_504_564))
            .with("TotalVisibleMemorySize", Value::UInt(4_193_844))
            .with("Version", s("10.0.20348"))
            .with("WindowsDirectory", s("C:\\Windows"));
        OperatingSystem { uri, instance }
    }
}

impl ResourceProvider for OperatingSystem {
    fn resource_uris(&self) -> Vec<String> {
        vec![self.uri.clone()]
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        Vec::new()
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, _set: &SelectorSet) -> Result<Instance, Fault> {
        // A singleton: the server has refused any selector.
        if uri != self.uri {
            return Err(selectors::wrong_uri(uri));
        }
        Ok(self.instance.clone())
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
    fn get_without_selectors_and_enumerate_one() {
        let p = OperatingSystem::new("HOST1");
        let uri = cimv2_uri(CLASS);
        let i = p.get(&ctx(), &uri, &SelectorSet::default()).unwrap();
        assert_eq!(i.class_name, CLASS);
        assert_eq!(i.get("csname"), Some(&Value::str("HOST1")));
        assert!(i.keys.is_empty());
        assert_eq!(p.enumerate(&ctx(), &uri).unwrap(), vec![i]);
        assert!(p.keys(&uri).is_empty());
    }

    #[test]
    fn writes_are_not_supported() {
        let p = OperatingSystem::new("HOST1");
        let f = p.delete(&ctx(), &cimv2_uri(CLASS), &SelectorSet::default()).unwrap_err();
        assert_eq!(f.kind, FaultKind::ActionNotSupported);
        let f = p.get(&ctx(), &cimv2_uri("Win32_Other"), &SelectorSet::default()).unwrap_err();
        assert_eq!(f.detail, Some(FaultDetail::InvalidResourceURI));
    }
}
