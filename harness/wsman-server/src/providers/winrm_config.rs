//! The WinRM configuration resource, `winrm/config` ([`ns::CFG`]), and its
//! sections `config/service`, `config/service/auth`, `config/client` and
//! `config/winrs`, each a singleton resource of its own URI as Windows serves
//! them (`winrm get winrm/config/service/auth`).
//!
//! ```text
//! Get .../config          -> <cfg:Config> MaxBatchItems, MaxEnvelopeSizekb, MaxProviderRequests, MaxTimeoutms </cfg:Config>
//! Put .../config          <cfg:Config><cfg:MaxEnvelopeSizekb>150</cfg:MaxEnvelopeSizekb></cfg:Config>
//!                         -> the updated <cfg:Config>
//! Get .../config/service  -> <cfg:Service> AllowRemoteAccess, AllowUnencrypted, ... </cfg:Service>
//! ```
//!
//! A Put may carry any subset of a section's properties (as `winrm set`
//! sends them); each must exist and hold a value of its type and range, or the
//! whole Put is refused with `wxf:InvalidRepresentation` and nothing changes.
//!
//! Deviation: Windows nests the sections inside the `winrm/config`
//! representation (`<cfg:Config>...<cfg:Service>...</cfg:Service></cfg:Config>`);
//! [`Instance`] has flat properties, so `winrm/config` here holds only its own
//! top-level values and each section is read at its own URI.
//!
//! [`WinRmConfig`] is the shared handle: the server keeps a clone and reads
//! the limits a Put changed.

use std::sync::{Arc, Mutex, MutexGuard};

use wsman_proto::fault::Fault;
use wsman_proto::{ns, CallContext, Instance, Property, ResourceProvider, SelectorSet, Value};

use super::selectors;

/// A section of the configuration: one resource URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// `winrm/config` itself.
    Config,
    /// `winrm/config/service`.
    Service,
    /// `winrm/config/service/auth`.
    ServiceAuth,
    /// `winrm/config/client`.
    Client,
    /// `winrm/config/winrs`.
    Winrs,
}

impl Section {
    /// Every section.
    pub const ALL: [Section; 5] = [Section::Config, Section::Service, Section::ServiceAuth, Section::Client, Section::Winrs];

    /// The resource URI: [`ns::CFG`] plus the section path.
    pub fn uri(self) -> String {
        let path = match self {
            Section::Config => "",
            Section::Service => "/service",
            Section::ServiceAuth => "/service/auth",
            Section::Client => "/client",
            Section::Winrs => "/winrs",
        };
        format!("{}{path}", ns::CFG)
    }

    /// The element name of the representation (the last URI segment, capitalised).
    pub fn class_name(self) -> &'static str {
        match self {
            Section::Config => "Config",
            Section::Service => "Service",
            Section::ServiceAuth => "Auth",
            Section::Client => "Client",
            Section::Winrs => "Winrs",
        }
    }

    fn from_uri(uri: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.uri() == uri)
    }
}

/// The type and range of a setting.
#[derive(Clone, Copy, Debug)]
enum Kind {
    UInt { min: u64, max: u64 },
    Bool,
    Text,
}

#[derive(Clone, Debug)]
struct Setting {
    section: Section,
    name: &'static str,
    kind: Kind,
    value: Value,
}

const U32: u64 = u32::MAX as u64;

fn defaults() -> Vec<Setting> {
    use Section::*;
    let n = |section, name, min, max, v: u64| Setting { section, name, kind: Kind::UInt { min, max }, value: Value::UInt(v) };
    let b = |section, name, v: bool| Setting { section, name, kind: Kind::Bool, value: Value::Bool(v) };
    let t = |section, name, v: &str| Setting { section, name, kind: Kind::Text, value: Value::str(v) };
    vec![
        // MaxEnvelopeSizekb x 1024 must fit 32 bits; below 32 KB WinRM cannot answer anything useful [M].
        n(Config, "MaxEnvelopeSizekb", 32, U32 / 1024, 500),
        n(Config, "MaxTimeoutms", 500, U32, 60_000),
        n(Config, "MaxBatchItems", 1, U32, 32_000),
        n(Config, "MaxProviderRequests", 1, U32, U32),
        t(Service, "RootSDDL", "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"),
        n(Service, "MaxConcurrentOperations", 1, U32, U32),
        n(Service, "MaxConcurrentOperationsPerUser", 1, U32, 1500),
        n(Service, "EnumerationTimeoutms", 1, U32, 240_000),
        n(Service, "MaxConnections", 1, U32, 300),
        n(Service, "MaxPacketRetrievalTimeSeconds", 1, U32, 120),
        b(Service, "AllowUnencrypted", false),
        t(Service, "IPv4Filter", "*"),
        t(Service, "IPv6Filter", "*"),
        b(Service, "EnableCompatibilityHttpListener", false),
        b(Service, "EnableCompatibilityHttpsListener", false),
        t(Service, "CertificateThumbprint", ""),
        b(Service, "AllowRemoteAccess", true),
        b(ServiceAuth, "Basic", true),
        b(ServiceAuth, "Kerberos", true),
        b(ServiceAuth, "Negotiate", true),
        b(ServiceAuth, "Certificate", false),
        b(ServiceAuth, "CredSSP", false),
        t(ServiceAuth, "CbtHardeningLevel", "Relaxed"),
        n(Client, "NetworkDelayms", 1, U32, 5000),
        t(Client, "URLPrefix", "wsman"),
        b(Client, "AllowUnencrypted", false),
        t(Client, "TrustedHosts", ""),
        b(Winrs, "AllowRemoteShellAccess", true),
        n(Winrs, "IdleTimeout", 1, U32, 7_200_000),
        n(Winrs, "MaxConcurrentUsers", 1, U32, 2_147_483_647),
        n(Winrs, "MaxShellRunTime", 1, U32, 2_147_483_647),
        n(Winrs, "MaxProcessesPerShell", 1, U32, 2_147_483_647),
        n(Winrs, "MaxMemoryPerShellMB", 1, U32, 2_147_483_647),
        n(Winrs, "MaxShellsPerUser", 1, U32, 2_147_483_647),
    ]
}

/// Parses a representation value for a setting of `kind`.
fn parse(kind: Kind, v: &Value) -> Option<Value> {
    match (kind, v) {
        (Kind::UInt { min, max }, Value::UInt(u)) => (min..=max).contains(u).then_some(Value::UInt(*u)),
        (Kind::UInt { min, max }, Value::Str(s)) => s.trim().parse::<u64>().ok().filter(|u| (min..=max).contains(u)).map(Value::UInt),
        (Kind::Bool, Value::Bool(b)) => Some(Value::Bool(*b)),
        (Kind::Bool, Value::Str(s)) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            t if t.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            _ => None,
        },
        (Kind::Text, Value::Str(s)) => Some(Value::Str(s.clone())),
        _ => None,
    }
}

/// The shared WinRM configuration. Cloning shares the values.
#[derive(Clone, Debug)]
pub struct WinRmConfig {
    settings: Arc<Mutex<Vec<Setting>>>,
}

impl Default for WinRmConfig {
    fn default() -> Self {
        WinRmConfig { settings: Arc::new(Mutex::new(defaults())) }
    }
}

impl WinRmConfig {
    /// The configuration of a fresh Windows Server install (AllowUnencrypted false).
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Setting>> {
        // Every update replaces whole values after validation: a poisoned lock holds consistent data.
        self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A setting's current value, the name compared case-insensitively.
    pub fn get(&self, section: Section, name: &str) -> Option<Value> {
        self.lock().iter().find(|s| s.section == section && s.name.eq_ignore_ascii_case(name)).map(|s| s.value.clone())
    }

    fn uint(&self, section: Section, name: &str) -> u32 {
        // Every UInt setting's range is within u32 (see `defaults`).
        match self.get(section, name) {
            Some(Value::UInt(v)) => u32::try_from(v).unwrap_or(u32::MAX),
            _ => 0,
        }
    }

    fn flag(&self, section: Section, name: &str) -> bool {
        matches!(self.get(section, name), Some(Value::Bool(true)))
    }

    /// `MaxEnvelopeSizekb` (default 500): ×1024 is the envelope size default and ceiling.
    pub fn max_envelope_size_kb(&self) -> u32 {
        self.uint(Section::Config, "MaxEnvelopeSizekb")
    }

    /// `MaxTimeoutms` (default 60000): the ceiling of OperationTimeout.
    pub fn max_timeout_ms(&self) -> u32 {
        self.uint(Section::Config, "MaxTimeoutms")
    }

    /// `MaxBatchItems` (default 32000): the ceiling of MaxElements.
    pub fn max_batch_items(&self) -> u32 {
        self.uint(Section::Config, "MaxBatchItems")
    }

    /// `MaxProviderRequests` (default 4294967295).
    pub fn max_provider_requests(&self) -> u32 {
        self.uint(Section::Config, "MaxProviderRequests")
    }

    /// `Service/AllowUnencrypted`: Basic over plain HTTP is accepted (default false).
    pub fn allow_unencrypted(&self) -> bool {
        self.flag(Section::Service, "AllowUnencrypted")
    }

    /// Sets `Service/AllowUnencrypted` (the server's `--allow-unencrypted`).
    pub fn set_allow_unencrypted(&self, allow: bool) {
        self.set_value(Section::Service, "AllowUnencrypted", Value::Bool(allow));
    }

    /// `Service/AllowRemoteAccess` (default true).
    pub fn allow_remote_access(&self) -> bool {
        self.flag(Section::Service, "AllowRemoteAccess")
    }

    /// `Service/Auth/Basic` (default true: the reference server authenticates with Basic).
    pub fn basic_auth(&self) -> bool {
        self.flag(Section::ServiceAuth, "Basic")
    }

    /// `Service/MaxConcurrentOperationsPerUser` (default 1500).
    pub fn max_concurrent_operations_per_user(&self) -> u32 {
        self.uint(Section::Service, "MaxConcurrentOperationsPerUser")
    }

    /// `Service/EnumerationTimeoutms` (default 240000): idle expiry of enumeration contexts.
    pub fn enumeration_timeout_ms(&self) -> u32 {
        self.uint(Section::Service, "EnumerationTimeoutms")
    }

    /// `Winrs/MaxShellsPerUser`.
    pub fn max_shells_per_user(&self) -> u32 {
        self.uint(Section::Winrs, "MaxShellsPerUser")
    }

    /// `Winrs/MaxProcessesPerShell`.
    pub fn max_processes_per_shell(&self) -> u32 {
        self.uint(Section::Winrs, "MaxProcessesPerShell")
    }

    /// `Winrs/IdleTimeout` (default 7200000): how long an unused shell lives.
    pub fn winrs_idle_timeout_ms(&self) -> u32 {
        self.uint(Section::Winrs, "IdleTimeout")
    }

    fn set_value(&self, section: Section, name: &str, value: Value) {
        if let Some(s) = self.lock().iter_mut().find(|s| s.section == section && s.name.eq_ignore_ascii_case(name)) {
            s.value = value;
        }
    }

    /// Applies a Put of `section`: validates every property, then stores them all.
    pub fn apply_put(&self, section: Section, properties: &[Property]) -> Result<Instance, Fault> {
        let mut settings = self.lock();
        let class = section.class_name();
        let mut updates = Vec::with_capacity(properties.len());
        for p in properties {
            let idx = settings
                .iter()
                .position(|s| s.section == section && s.name.eq_ignore_ascii_case(&p.name))
                .ok_or_else(|| selectors::bad_representation(format!("{class} has no setting {}", p.name)))?;
            let value = parse(settings[idx].kind, &p.value).ok_or_else(|| selectors::invalid_value(class, &p.name, &p.value.to_text().unwrap_or_default()))?;
            updates.push((idx, value));
        }
        for (idx, value) in updates {
            settings[idx].value = value;
        }
        Ok(instance_of(&settings, section))
    }

    /// The representation of a section.
    pub fn instance(&self, section: Section) -> Instance {
        instance_of(&self.lock(), section)
    }

    /// The provider serving this configuration (shares the values).
    pub fn provider(&self) -> WinRmConfigProvider {
        WinRmConfigProvider { config: self.clone() }
    }
}

fn instance_of(settings: &[Setting], section: Section) -> Instance {
    settings.iter().filter(|s| s.section == section).fold(Instance::new(section.uri(), section.class_name()), |i, s| i.with(s.name, s.value.clone()))
}

/// The [`ResourceProvider`] of `winrm/config` and its sections.
#[derive(Clone, Debug)]
pub struct WinRmConfigProvider {
    config: WinRmConfig,
}

impl WinRmConfigProvider {
    /// The shared configuration handle.
    pub fn config(&self) -> &WinRmConfig {
        &self.config
    }

    fn section(uri: &str) -> Result<Section, Fault> {
        Section::from_uri(uri).ok_or_else(|| selectors::wrong_uri(uri))
    }
}

impl ResourceProvider for WinRmConfigProvider {
    fn resource_uris(&self) -> Vec<String> {
        Section::ALL.iter().map(|s| s.uri()).collect()
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        Vec::new()
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, _set: &SelectorSet) -> Result<Instance, Fault> {
        Ok(self.config.instance(Self::section(uri)?))
    }

    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        Ok(vec![self.config.instance(Self::section(uri)?)])
    }

    fn put(&self, _ctx: &CallContext<'_>, uri: &str, _set: &SelectorSet, properties: &[Property]) -> Result<Instance, Fault> {
        self.config.apply_put(Self::section(uri)?, properties)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::fault::{FaultDetail, FaultKind};

    fn ctx() -> CallContext<'static> {
        CallContext { user: "admin", now: std::time::UNIX_EPOCH }
    }

    fn prop(n: &str, v: &str) -> Property {
        Property { name: n.into(), value: Value::str(v) }
    }

    #[test]
    fn defaults_as_windows_has_them() {
        let c = WinRmConfig::new();
        assert_eq!(c.max_envelope_size_kb(), 500);
        assert_eq!(c.max_timeout_ms(), 60_000);
        assert_eq!(c.max_batch_items(), 32_000);
        assert_eq!(c.max_provider_requests(), u32::MAX);
        assert!(!c.allow_unencrypted());
        assert!(c.allow_remote_access());
        assert!(c.basic_auth());
        assert_eq!(c.enumeration_timeout_ms(), 240_000);
        assert_eq!(c.max_concurrent_operations_per_user(), 1500);
    }

    #[test]
    fn get_each_section() {
        let p = WinRmConfig::new().provider();
        let i = p.get(&ctx(), ns::CFG, &SelectorSet::default()).unwrap();
        assert_eq!((i.resource_uri.as_str(), i.class_name.as_str()), (ns::CFG, "Config"));
        assert_eq!(i.get("maxenvelopesizekb"), Some(&Value::UInt(500)));
        assert_eq!(i.properties.len(), 4);
        let auth = p.get(&ctx(), &Section::ServiceAuth.uri(), &SelectorSet::default()).unwrap();
        assert_eq!(auth.class_name, "Auth");
        assert_eq!(auth.get("Basic"), Some(&Value::Bool(true)));
        for s in Section::ALL {
            assert!(s.uri().starts_with(ns::CFG));
            assert_eq!(p.enumerate(&ctx(), &s.uri()).unwrap().len(), 1);
            // The element name matches the last URI segment, as the server checks on Put.
            assert!(s.uri().rsplit('/').next().unwrap().eq_ignore_ascii_case(s.class_name()));
        }
    }

    #[test]
    fn put_updates_values_seen_by_the_handle_and_later_gets() {
        let c = WinRmConfig::new();
        let p = c.provider();
        let i = p
            .put(&ctx(), ns::CFG, &SelectorSet::default(), &[prop("MaxEnvelopeSizekb", "150"), prop("MaxTimeoutms", "1000"), prop("maxbatchitems", "20")])
            .unwrap();
        assert_eq!(i.get("MaxEnvelopeSizekb"), Some(&Value::UInt(150)));
        assert_eq!((c.max_envelope_size_kb(), c.max_timeout_ms(), c.max_batch_items()), (150, 1000, 20));
        assert_eq!(p.get(&ctx(), ns::CFG, &SelectorSet::default()).unwrap(), i);

        p.put(&ctx(), &Section::Service.uri(), &SelectorSet::default(), &[prop("AllowUnencrypted", "TRUE")]).unwrap();
        assert!(c.allow_unencrypted());
        c.set_allow_unencrypted(false);
        let svc = p.get(&ctx(), &Section::Service.uri(), &SelectorSet::default()).unwrap();
        assert_eq!(svc.get("AllowUnencrypted"), Some(&Value::Bool(false)));
    }

    #[test]
    fn put_faults_change_nothing() {
        let c = WinRmConfig::new();
        let p = c.provider();
        let none = SelectorSet::default();
        let f = p.put(&ctx(), ns::CFG, &none, &[prop("MaxBatchItems", "5"), prop("MaxEnvelopeSizekb", "abc")]).unwrap_err();
        assert_eq!(f.kind, FaultKind::InvalidRepresentation);
        assert!(matches!(f.detail, Some(FaultDetail::Other(ref u)) if u.ends_with("InvalidValues")));
        assert_eq!(c.max_batch_items(), 32_000);
        for bad in ["0", "31", "4194304", "-1", ""] {
            assert!(p.put(&ctx(), ns::CFG, &none, &[prop("MaxEnvelopeSizekb", bad)]).is_err(), "{bad}");
        }
        assert!(p.put(&ctx(), ns::CFG, &none, &[prop("MaxTimeoutms", "499")]).is_err());
        assert!(p.put(&ctx(), &Section::Service.uri(), &none, &[prop("AllowUnencrypted", "yes")]).is_err());
        let f = p.put(&ctx(), ns::CFG, &none, &[prop("AllowUnencrypted", "true")]).unwrap_err();
        assert_eq!((f.kind, f.detail), (FaultKind::InvalidRepresentation, None), "AllowUnencrypted lives in config/service");
        assert_eq!(c.max_envelope_size_kb(), 500);
    }

    #[test]
    fn selector_and_uri_faults() {
        let p = WinRmConfig::new().provider();
        let f = p.get(&ctx(), &format!("{}/listener", ns::CFG), &SelectorSet::default()).unwrap_err();
        assert_eq!((f.kind, f.detail), (FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI)));
        let f = p.delete(&ctx(), ns::CFG, &SelectorSet::default()).unwrap_err();
        assert_eq!(f.kind, FaultKind::ActionNotSupported);
    }
}
