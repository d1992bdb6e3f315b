//! The services of the simulated host: a fixed catalogue modelled on a
//! Windows Server 2022 installation (names, display names, start modes,
//! hosting process). Deterministic: the same table on every start.

/// How a service starts (`Win32_Service.StartMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartMode {
    /// `Auto`.
    Auto,
    /// `Manual`.
    Manual,
    /// `Disabled`.
    Disabled,
}

impl StartMode {
    /// The `StartMode` property text WMI reports.
    pub fn as_str(self) -> &'static str {
        match self {
            StartMode::Auto => "Auto",
            StartMode::Manual => "Manual",
            StartMode::Disabled => "Disabled",
        }
    }

    /// Parses a `ChangeStartMode` argument (`Automatic`, `Manual`, `Disabled`,
    /// any case). `Boot` and `System` are driver start modes and are refused.
    pub fn from_method_arg(s: &str) -> Option<StartMode> {
        [("Automatic", StartMode::Auto), ("Manual", StartMode::Manual), ("Disabled", StartMode::Disabled)]
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s.trim()))
            .map(|(_, m)| *m)
    }
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug)]
pub struct ServiceSpec {
    /// `Name`, the key.
    pub name: &'static str,
    /// `DisplayName` (and `Caption`).
    pub display: &'static str,
    /// `StartMode` at boot.
    pub mode: StartMode,
    /// Running at boot.
    pub running: bool,
    /// A svchost group (`netsvcs`), `lsass`, or the path of an own-process executable.
    pub host: &'static str,
    /// `DelayedAutoStart`.
    pub delayed: bool,
}

use StartMode::{Auto as A, Disabled as D, Manual as M};

const fn s(name: &'static str, display: &'static str, mode: StartMode, running: bool, host: &'static str, delayed: bool) -> ServiceSpec {
    ServiceSpec { name, display, mode, running, host, delayed }
}

/// Services that refuse a stop control while running (`AcceptStop` false).
pub const NOT_STOPPABLE: &[&str] =
    &["BrokerInfrastructure", "CoreMessagingRegistrar", "DcomLaunch", "gpsvc", "LSM", "mpssvc", "PlugPlay", "Power", "RpcEptMapper", "RpcSs", "SamSs", "StateRepository", "SystemEventsBroker", "WinDefend", "WdNisSvc"];

/// Services that accept pause/continue while running (`AcceptPause` true).
pub const PAUSABLE: &[&str] = &["LanmanServer", "LanmanWorkstation", "Netlogon", "Winmgmt", "WinHttpAutoProxySvc"];

/// The catalogue.
pub const CATALOG: &[ServiceSpec] = &[
    s("AJRouter", "AllJoyn Router Service", M, false, "LocalServiceNetworkRestricted", false),
    s("ALG", "Application Layer Gateway Service", M, false, "C:\\Windows\\System32\\alg.exe", false),
    s("AppIDSvc", "Application Identity", M, false, "LocalServiceNetworkRestricted", false),
    s("Appinfo", "Application Information", M, true, "netsvcs", false),
    s("AppMgmt", "Application Management", M, false, "netsvcs", false),
    s("AppReadiness", "App Readiness", M, false, "AppReadiness", false),
    s("AppXSvc", "AppX Deployment Service (AppXSVC)", M, false, "wsappx", false),
    s("AudioEndpointBuilder", "Windows Audio Endpoint Builder", M, false, "LocalSystemNetworkRestricted", false),
    s("Audiosrv", "Windows Audio", M, false, "LocalServiceNetworkRestricted", false),
    s("AxInstSV", "ActiveX Installer (AxInstSV)", D, false, "AxInstSVGroup", false),
    s("BFE", "Base Filtering Engine", A, true, "LocalServiceNoNetworkFirewall", false),
    s("BITS", "Background Intelligent Transfer Service", M, false, "netsvcs", false),
    s("BrokerInfrastructure", "Background Tasks Infrastructure Service", A, true, "DcomLaunch", false),
    s("BTAGService", "Bluetooth Audio Gateway Service", M, false, "LocalServiceNetworkRestricted", false),
    s("bthserv", "Bluetooth Support Service", M, false, "LocalService", false),
    s("camsvc", "Capability Access Manager Service", M, false, "appmodel", false),
    s("CDPSvc", "Connected Devices Platform Service", A, true, "LocalService", true),
    s("CertPropSvc", "Certificate Propagation", M, false, "netsvcs", false),
    s("ClipSVC", "Client License Service (ClipSVC)", M, false, "wsappx", false),
    s("COMSysApp", "COM+ System Application", M, false, "C:\\Windows\\system32\\dllhost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}", false),
    s("CoreMessagingRegistrar", "CoreMessaging", A, true, "LocalServiceNoNetwork", false),
    s("CryptSvc", "Cryptographic Services", A, true, "NetworkService", false),
    s("CscService", "Offline Files", D, false, "LocalSystemNetworkRestricted", false),
    s("DcomLaunch", "DCOM Server Process Launcher", A, true, "DcomLaunch", false),
    s("defragsvc", "Optimize drives", M, false, "defragsvc", false),
    s("DeviceAssociationService", "Device Association Service", M, false, "LocalSystemNetworkRestricted", false),
    s("DeviceInstall", "Device Install Service", M, false, "DcomLaunch", false),
    s("DevQueryBroker", "DevQuery Background Discovery Broker", M, false, "LocalSystemNetworkRestricted", false),
    s("Dhcp", "DHCP Client", A, true, "LocalServiceNetworkRestricted", false),
    s("diagnosticshub.standardcollector.service", "Microsoft (R) Diagnostics Hub Standard Collector Service", M, false, "C:\\Windows\\system32\\DiagSvcs\\DiagnosticsHub.StandardCollector.Service.exe", false),
    s("DiagTrack", "Connected User Experiences and Telemetry", A, true, "utcsvc", false),
    s("DmEnrollmentSvc", "Device Management Enrollment Service", M, false, "netsvcs", false),
    s("dmwappushservice", "Device Management Wireless Application Protocol (WAP) Push message Routing Service", M, false, "netsvcs", false),
    s("Dnscache", "DNS Client", A, true, "NetworkService", false),
    s("DoSvc", "Delivery Optimization", A, true, "NetworkService", true),
    s("dot3svc", "Wired AutoConfig", M, false, "LocalSystemNetworkRestricted", false),
    s("DPS", "Diagnostic Policy Service", A, true, "LocalServiceNoNetwork", false),
    s("DsmSvc", "Device Setup Manager", M, false, "netsvcs", false),
    s("DsSvc", "Data Sharing Service", M, false, "LocalSystemNetworkRestricted", false),
    s("Eaphost", "Extensible Authentication Protocol", M, false, "netsvcs", false),
    s("EFS", "Encrypting File System (EFS)", M, false, "lsass", false),
    s("embeddedmode", "Embedded Mode", M, false, "LocalSystemNetworkRestricted", false),
    s("EntAppSvc", "Enterprise App Management Service", M, false, "appmodel", false),
    s("EventLog", "Windows Event Log", A, true, "LocalServiceNetworkRestricted", false),
    s("EventSystem", "COM+ Event System", A, true, "LocalService", false),
    s("fdPHost", "Function Discovery Provider Host", M, false, "LocalService", false),
    s("FDResPub", "Function Discovery Resource Publication", M, false, "LocalServiceAndNoImpersonation", false),
    s("FontCache", "Windows Font Cache Service", A, true, "LocalService", false),
    s("FrameServer", "Windows Camera Frame Server", M, false, "Camera", false),
    s("gpsvc", "Group Policy Client", A, true, "netsvcs", false),
    s("GraphicsPerfSvc", "GraphicsPerfSvc", M, false, "GraphicsPerfSvcGroup", false),
    s("hidserv", "Human Interface Device Service", M, false, "LocalSystemNetworkRestricted", false),
    s("HvHost", "HV Host Service", M, false, "LocalSystemNetworkRestricted", false),
    s("icssvc", "Windows Mobile Hotspot Service", M, false, "LocalSystemNetworkRestricted", false),
    s("IKEEXT", "IKE and AuthIP IPsec Keying Modules", M, false, "netsvcs", false),
    s("InstallService", "Microsoft Store Install Service", M, false, "netsvcs", false),
    s("iphlpsvc", "IP Helper", A, true, "NetSvcs", false),
    s("KeyIso", "CNG Key Isolation", M, true, "lsass", false),
    s("KPSSVC", "KDC Proxy Server service (KPS)", M, false, "KpsSvcGroup", false),
    s("KtmRm", "KtmRm for Distributed Transaction Coordinator", M, false, "NetworkServiceAndNoImpersonation", false),
    s("LanmanServer", "Server", A, true, "smbsvcs", false),
    s("LanmanWorkstation", "Workstation", A, true, "NetworkService", false),
    s("lfsvc", "Geolocation Service", M, false, "netsvcs", false),
    s("LicenseManager", "Windows License Manager Service", M, false, "LocalService", false),
    s("lltdsvc", "Link-Layer Topology Discovery Mapper", M, false, "LocalService", false),
    s("lmhosts", "TCP/IP NetBIOS Helper", M, true, "LocalServiceNetworkRestricted", false),
    s("LSM", "Local Session Manager", A, true, "DcomLaunch", false),
    s("MapsBroker", "Downloaded Maps Manager", A, false, "NetworkService", true),
    s("mpssvc", "Windows Defender Firewall", A, true, "LocalServiceNoNetworkFirewall", false),
    s("MSDTC", "Distributed Transaction Coordinator", A, true, "C:\\Windows\\System32\\msdtc.exe", false),
    s("MSiSCSI", "Microsoft iSCSI Initiator Service", M, false, "netsvcs", false),
    s("msiserver", "Windows Installer", M, false, "C:\\Windows\\system32\\msiexec.exe /V", false),
    s("NcaSvc", "Network Connectivity Assistant", M, false, "NetSvcs", false),
    s("NcbService", "Network Connection Broker", M, true, "LocalSystemNetworkRestricted", false),
    s("Netlogon", "Netlogon", M, false, "lsass", false),
    s("Netman", "Network Connections", M, false, "LocalSystemNetworkRestricted", false),
    s("netprofm", "Network List Service", M, true, "LocalService", false),
    s("NetSetupSvc", "Network Setup Service", M, false, "netsvcs", false),
    s("NetTcpPortSharing", "Net.Tcp Port Sharing Service", D, false, "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\SMSvcHost.exe", false),
    s("NgcCtnrSvc", "Microsoft Passport Container", M, false, "LocalServiceNetworkRestricted", false),
    s("NgcSvc", "Microsoft Passport", M, false, "LocalSystemNetworkRestricted", false),
    s("NlaSvc", "Network Location Awareness", A, true, "NetworkService", false),
    s("nsi", "Network Store Interface Service", A, true, "LocalService", false),
    s("PcaSvc", "Program Compatibility Assistant Service", M, false, "LocalSystemNetworkRestricted", false),
    s("PerfHost", "Performance Counter DLL Host", M, false, "C:\\Windows\\SysWow64\\perfhost.exe", false),
    s("pla", "Performance Logs & Alerts", M, false, "LocalServiceNoNetwork", false),
    s("PlugPlay", "Plug and Play", M, true, "DcomLaunch", false),
    s("PolicyAgent", "IPsec Policy Agent", M, false, "NetworkServiceNetworkRestricted", false),
    s("Power", "Power", A, true, "DcomLaunch", false),
    s("PrintNotify", "Printer Extensions and Notifications", M, false, "print", false),
    s("ProfSvc", "User Profile Service", A, true, "netsvcs", false),
    s("QWAVE", "Quality Windows Audio Video Experience", M, false, "LocalServiceAndNoImpersonation", false),
    s("RasAuto", "Remote Access Auto Connection Manager", M, false, "netsvcs", false),
    s("RasMan", "Remote Access Connection Manager", M, false, "netsvcs", false),
    s("RemoteAccess", "Routing and Remote Access", D, false, "netsvcs", false),
    s("RemoteRegistry", "Remote Registry", A, false, "localService", true),
    s("RmSvc", "Radio Management Service", M, false, "LocalServiceNetworkRestricted", false),
    s("RpcEptMapper", "RPC Endpoint Mapper", A, true, "RPCSS", false),
    s("RpcLocator", "Remote Procedure Call (RPC) Locator", M, false, "C:\\Windows\\system32\\locator.exe", false),
    s("RpcSs", "Remote Procedure Call (RPC)", A, true, "rpcss", false),
    s("RSoPProv", "Resultant Set of Policy Provider", M, false, "C:\\Windows\\system32\\RSoPProv.exe", false),
    s("sacsvr", "Special Administration Console Helper", M, false, "netsvcs", false),
    s("SamSs", "Security Accounts Manager", A, true, "lsass", false),
    s("SCardSvr", "Smart Card", M, false, "LocalServiceAndNoImpersonation", false),
    s("ScDeviceEnum", "Smart Card Device Enumeration Service", M, false, "LocalSystemNetworkRestricted", false),
    s("Schedule", "Task Scheduler", A, true, "netsvcs", false),
    s("SCPolicySvc", "Smart Card Removal Policy", M, false, "netsvcs", false),
    s("seclogon", "Secondary Logon", M, false, "netsvcs", false),
    s("SENS", "System Event Notification Service", A, true, "netsvcs", false),
    s("SensorDataService", "Sensor Data Service", M, false, "C:\\Windows\\System32\\SensorDataService.exe", false),
    s("SensorService", "Sensor Service", M, false, "LocalSystemNetworkRestricted", false),
    s("SensrSvc", "Sensor Monitoring Service", M, false, "LocalServiceAndNoImpersonation", false),
    s("SessionEnv", "Remote Desktop Configuration", M, true, "netsvcs", false),
    s("SgrmBroker", "System Guard Runtime Monitor Broker", A, true, "C:\\Windows\\system32\\SgrmBroker.exe", true),
    s("SharedAccess", "Internet Connection Sharing (ICS)", D, false, "netsvcs", false),
    s("ShellHWDetection", "Shell Hardware Detection", A, true, "netsvcs", false),
    s("smphost", "Microsoft Storage Spaces SMP", M, false, "smphost", false),
    s("SNMPTRAP", "SNMP Trap", M, false, "C:\\Windows\\System32\\snmptrap.exe", false),
    s("Spooler", "Print Spooler", A, true, "C:\\Windows\\System32\\spoolsv.exe", false),
    s("sppsvc", "Software Protection", A, false, "C:\\Windows\\system32\\sppsvc.exe", true),
    s("SSDPSRV", "SSDP Discovery", D, false, "LocalServiceAndNoImpersonation", false),
    s("SstpSvc", "Secure Socket Tunneling Protocol Service", M, false, "LocalService", false),
    s("StateRepository", "State Repository Service", M, true, "appmodel", false),
    s("stisvc", "Windows Image Acquisition (WIA)", M, false, "imgsvc", false),
    s("StorSvc", "Storage Service", M, true, "LocalSystemNetworkRestricted", false),
    s("svsvc", "Spot Verifier", M, false, "LocalSystemNetworkRestricted", false),
    s("swprv", "Microsoft Software Shadow Copy Provider", M, false, "swprv", false),
    s("SysMain", "SysMain", A, true, "LocalSystemNetworkRestricted", false),
    s("SystemEventsBroker", "System Events Broker", A, true, "DcomLaunch", false),
    s("TabletInputService", "Touch Keyboard and Handwriting Panel Service", M, false, "LocalSystemNetworkRestricted", false),
    s("TapiSrv", "Telephony", M, false, "NetworkService", false),
    s("TermService", "Remote Desktop Services", M, true, "NetworkService", false),
    s("Themes", "Themes", A, true, "netsvcs", false),
    s("TieringEngineService", "Storage Tiers Management", M, false, "C:\\Windows\\system32\\TieringEngineService.exe", false),
    s("TimeBrokerSvc", "Time Broker", M, true, "LocalServiceNetworkRestricted", false),
    s("TokenBroker", "Web Account Manager", M, true, "netsvcs", false),
    s("TrkWks", "Distributed Link Tracking Client", A, true, "LocalSystemNetworkRestricted", false),
    s("TrustedInstaller", "Windows Modules Installer", M, false, "C:\\Windows\\servicing\\TrustedInstaller.exe", false),
    s("tzautoupdate", "Auto Time Zone Updater", D, false, "LocalService", false),
    s("UALSVC", "User Access Logging Service", A, true, "netsvcs", true),
    s("UevAgentService", "User Experience Virtualization Service", D, false, "C:\\Windows\\system32\\AgentService.exe", false),
    s("UmRdpService", "Remote Desktop Services UserMode Port Redirector", M, true, "LocalSystemNetworkRestricted", false),
    s("upnphost", "UPnP Device Host", D, false, "LocalServiceAndNoImpersonation", false),
    s("UserManager", "User Manager", A, true, "netsvcs", false),
    s("UsoSvc", "Update Orchestrator Service", A, true, "netsvcs", true),
    s("VaultSvc", "Credential Manager", M, true, "lsass", false),
    s("vds", "Virtual Disk", M, false, "C:\\Windows\\System32\\vds.exe", false),
    s("vmicguestinterface", "Hyper-V Guest Service Interface", M, false, "LocalSystemNetworkRestricted", false),
    s("vmicheartbeat", "Hyper-V Heartbeat Service", M, true, "ICService", false),
    s("vmickvpexchange", "Hyper-V Data Exchange Service", M, true, "LocalSystemNetworkRestricted", false),
    s("vmicrdv", "Hyper-V Remote Desktop Virtualization Service", M, false, "ICService", false),
    s("vmicshutdown", "Hyper-V Guest Shutdown Service", M, true, "LocalSystemNetworkRestricted", false),
    s("vmictimesync", "Hyper-V Time Synchronization Service", M, true, "LocalServiceNetworkRestricted", false),
    s("vmicvmsession", "Hyper-V PowerShell Direct Service", M, false, "LocalSystemNetworkRestricted", false),
    s("vmicvss", "Hyper-V Volume Shadow Copy Requestor", M, true, "LocalSystemNetworkRestricted", false),
    s("VSS", "Volume Shadow Copy", M, false, "C:\\Windows\\system32\\vssvc.exe", false),
    s("W32Time", "Windows Time", M, true, "LocalService", false),
    s("WaaSMedicSvc", "Windows Update Medic Service", M, false, "wusvcs", false),
    s("WalletService", "WalletService", M, false, "appmodel", false),
    s("WarpJITSvc", "Warp JIT Service", M, false, "LocalServiceNetworkRestricted", false),
    s("Wcmsvc", "Windows Connection Manager", A, true, "LocalServiceNetworkRestricted", false),
    s("WdiServiceHost", "Diagnostic Service Host", M, false, "LocalService", false),
    s("WdiSystemHost", "Diagnostic System Host", M, false, "LocalSystemNetworkRestricted", false),
    s("WdNisSvc", "Microsoft Defender Antivirus Network Inspection Service", M, true, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24050.7-0\\NisSrv.exe", false),
    s("Wecsvc", "Windows Event Collector", M, false, "NetworkService", false),
    s("WEPHOSTSVC", "Windows Encryption Provider Host Service", M, false, "WepHostSvcGroup", false),
    s("wercplsupport", "Problem Reports Control Panel Support", M, false, "netsvcs", false),
    s("WerSvc", "Windows Error Reporting Service", M, false, "WerSvcGroup", false),
    s("WiaRpc", "Still Image Acquisition Events", M, false, "LocalSystemNetworkRestricted", false),
    s("WinDefend", "Microsoft Defender Antivirus Service", A, true, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24050.7-0\\MsMpEng.exe", false),
    s("WinHttpAutoProxySvc", "WinHTTP Web Proxy Auto-Discovery Service", M, true, "LocalServiceNetworkRestricted", false),
    s("Winmgmt", "Windows Management Instrumentation", A, true, "netsvcs", false),
    s("WinRM", "Windows Remote Management (WS-Management)", A, true, "NetworkService", false),
    s("WMPNetworkSvc", "Windows Media Player Network Sharing Service", M, false, "C:\\Program Files\\Windows Media Player\\wmpnetwk.exe", false),
    s("WPDBusEnum", "Portable Device Enumerator Service", M, false, "LocalSystemNetworkRestricted", false),
    s("WpnService", "Windows Push Notifications System Service", A, true, "netsvcs", false),
    s("WSearch", "Windows Search", D, false, "C:\\Windows\\system32\\SearchIndexer.exe /Embedding", false),
    s("wuauserv", "Windows Update", M, false, "netsvcs", false),
    s("wudfsvc", "Windows Driver Foundation - User-mode Driver Framework", M, false, "LocalSystemNetworkRestricted", false),
];

impl ServiceSpec {
    /// True when the service runs in a shared svchost or lsass process.
    pub fn is_shared(&self) -> bool {
        !self.host.contains('\\')
    }

    /// `PathName`.
    pub fn path_name(&self) -> String {
        if self.host.eq_ignore_ascii_case("lsass") {
            "C:\\Windows\\system32\\lsass.exe".to_owned()
        } else if self.is_shared() {
            format!("C:\\Windows\\system32\\svchost.exe -k {} -p", self.host)
        } else {
            self.host.to_owned()
        }
    }

    /// `StartName`, the account the service runs as, from its svchost group.
    pub fn start_name(&self) -> &'static str {
        let h = self.host.to_ascii_lowercase();
        if h.starts_with("localservice") {
            "NT AUTHORITY\\LocalService"
        } else if h.starts_with("networkservice") || h == "rpcss" {
            "NT AUTHORITY\\NetworkService"
        } else {
            "LocalSystem"
        }
    }

    /// `ServiceType`.
    pub fn service_type(&self) -> &'static str {
        if self.is_shared() {
            "Share Process"
        } else {
            "Own Process"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_large_unique_and_has_winrm() {
        assert!(CATALOG.len() >= 100, "{}", CATALOG.len());
        let mut names: Vec<String> = CATALOG.iter().map(|s| s.name.to_ascii_lowercase()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate service names");
        let winrm = CATALOG.iter().find(|s| s.name == "WinRM").unwrap();
        assert_eq!(winrm.start_name(), "NT AUTHORITY\\NetworkService");
        assert_eq!(winrm.path_name(), "C:\\Windows\\system32\\svchost.exe -k NetworkService -p");
        for name in NOT_STOPPABLE.iter().chain(PAUSABLE) {
            assert!(CATALOG.iter().any(|s| s.name == *name), "{name}");
        }
    }

    #[test]
    fn start_mode_args() {
        assert_eq!(StartMode::from_method_arg("automatic"), Some(StartMode::Auto));
        assert_eq!(StartMode::from_method_arg("Disabled"), Some(StartMode::Disabled));
        assert_eq!(StartMode::from_method_arg("Boot"), None);
        assert_eq!(StartMode::from_method_arg("Auto"), None);
    }
}
