//! Discovery: find, on an endpoint the harness knows nothing about, the
//! resources the corpus's cases need, and write them as a target file
//! (`corpus/README.md`, "Targets").
//!
//! ```text
//!   Identify ───────────────> vendor, version, protocol, security profiles
//!   DMTF (DSP1033):
//!     Enumerate CIM_RegisteredProfile, __cimnamespace = root/interop (then interop)
//!       └ per advertised profile the harness knows (PROFILES): Enumerate each of
//!         its classes (EnumerateObjectAndEPR): instance count, one instance's
//!         selectors from its EPR, its properties
//!   Windows-like (ProductVendor names Microsoft, or winrm/config answers):
//!     Get winrm/config, Get Win32_OperatingSystem, Enumerate Win32_Service,
//!     Enumerate root\hardware CIM_NumericSensor
//!   roles <── the DMTF classes first (a generic case then runs against what a
//!             vendor implements), the Windows classes for what is left
//! ```
//!
//! Discovery only reads: Identify, Get and Enumerate (contexts released).
//! It reads leniently (addressing not judged, a sequence that never ends
//! cut at what arrived): it learns what an endpoint serves, `check` judges
//! how it answers, so a defect shows as failures, not as a poorer target.
//! Methods are named, never invoked; a writable property is filled with the
//! value it already has, so the Put the corpus sends changes nothing.
//! Every loop is bounded: at most [`DiscoverOptions::max_items`] items per
//! enumeration, each exchange bounded by the session's timeout.

use std::fmt::Write as _;
use std::num::NonZeroU64;

use wsman_client::message::{Enumerate, EnumerationMode, IdentifyResponse, Item};
use wsman_client::{Error, Resource, Session};
use wsman_proto::{ns, Element, Instance, Property, Value};

/// The `__cimnamespace` selector values tried for the interop namespace, in
/// order (openwsman and most CIMOMs use `root/interop`, some `interop`).
pub const INTEROP_NAMESPACES: [&str; 2] = ["root/interop", "interop"];

/// The selector that names a CIM namespace (DSP0227).
pub const CIM_NAMESPACE_SELECTOR: &str = "__cimnamespace";

/// Windows' cimv2 resource URI prefix.
const CIMV2_PREFIX: &str = ns::WMI_ROOT_CIMV2_PREFIX;

/// winrm/config.
const CONFIG_URI: &str = ns::CFG;

/// The WinRS cmd shell.
const SHELL_URI: &str = ns::SHELL_CMD_RESOURCE;

/// The Windows event log as a WS-Eventing source.
const EVENT_LOG_URI: &str = ns::EVENTLOG_RESOURCE;

/// One DMTF management profile the harness knows: its DSP number, its
/// RegisteredName, and the classes it checks answer Get and Enumerate when
/// an endpoint advertises the profile (the classes each profile's
/// specification makes mandatory, association classes left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownProfile {
    /// `DSP1027`.
    pub dsp: &'static str,
    /// The RegisteredName endpoints advertise (`Power State Management`).
    pub name: &'static str,
    /// The classes checked.
    pub classes: &'static [&'static str],
}

/// The profiles discovery walks.
pub const PROFILES: &[KnownProfile] = &[
    KnownProfile { dsp: "DSP1004", name: "Base Server", classes: &["CIM_ComputerSystem"] },
    KnownProfile { dsp: "DSP1009", name: "Sensors", classes: &["CIM_Sensor", "CIM_NumericSensor"] },
    KnownProfile { dsp: "DSP1010", name: "Record Log", classes: &["CIM_RecordLog", "CIM_LogRecord"] },
    KnownProfile { dsp: "DSP1027", name: "Power State Management", classes: &["CIM_PowerManagementService", "CIM_PowerManagementCapabilities"] },
    KnownProfile { dsp: "DSP1033", name: "Profile Registration", classes: &["CIM_RegisteredProfile"] },
    KnownProfile { dsp: "DSP1034", name: "Simple Identity Management", classes: &["CIM_Account", "CIM_AccountManagementService"] },
];

/// The profile whose RegisteredName is `name` (compared case-insensitively,
/// spaces ignored: some endpoints write `PowerStateManagement`).
pub fn known_profile(name: &str) -> Option<&'static KnownProfile> {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect::<String>();
    let wanted = squash(name);
    PROFILES.iter().find(|p| squash(p.name) == wanted)
}

/// Methods discovery may name for the `method` role, most preferred first:
/// (class, method, input parameter, input value, output parameter).
/// Requesting the state a system is already in changes nothing.
const METHODS: &[(&str, &str, &str, &str, &str)] = &[
    ("CIM_PowerManagementService", "RequestPowerStateChange", "PowerState", "2", "ReturnValue"),
    ("CIM_ComputerSystem", "RequestStateChange", "RequestedState", "2", "ReturnValue"),
];

/// Classes preferred for the `keyed` role, in order: their instances do not
/// come and go during a run (log records do: a ClearLog removes them).
const KEYED_PREFERENCE: &[&str] = &["CIM_NumericSensor", "CIM_Sensor", "CIM_Account"];

/// DSP1009's SettableThresholds values (ValueMap) and the property each names.
const THRESHOLDS: &[(&str, &str)] = &[
    ("0", "LowerThresholdNonCritical"),
    ("1", "UpperThresholdNonCritical"),
    ("2", "LowerThresholdCritical"),
    ("3", "UpperThresholdCritical"),
    ("4", "LowerThresholdFatal"),
    ("5", "UpperThresholdFatal"),
];

/// Bounds of a discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoverOptions {
    /// Items read per enumeration at most (the rest is released).
    pub max_items: usize,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions { max_items: 2000 }
    }
}

/// Why a discovery could not even start.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// Identify failed: the endpoint is not reachable or not WS-Management.
    #[error("Identify failed: {0}")]
    Identify(#[source] Error),
}

/// A class as found: how many instances, one instance's selectors and
/// properties, or why it did not answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundClass {
    /// Class name (`CIM_NumericSensor`).
    pub class: String,
    /// The resource URI enumerated.
    pub resource_uri: String,
    /// Instances seen (bounded by [`DiscoverOptions::max_items`]).
    pub instances: usize,
    /// The selectors of the first instance's EPR (`None` when it had none).
    pub selectors: Option<Vec<(String, String)>>,
    /// The first instance's properties.
    pub properties: Vec<Property>,
    /// Why the Enumerate failed, `None` when it answered.
    pub error: Option<String>,
}

impl FoundClass {
    fn property(&self, name: &str) -> Option<&Value> {
        self.properties.iter().find(|p| p.name == name).map(|p| &p.value)
    }

    fn usable(&self) -> bool {
        self.error.is_none() && self.instances > 0 && self.selectors.as_ref().is_some_and(|s| !s.is_empty())
    }
}

/// A profile the endpoint advertises (a CIM_RegisteredProfile instance).
#[derive(Debug, Clone, PartialEq)]
pub struct FoundProfile {
    /// RegisteredName.
    pub name: String,
    /// RegisteredVersion.
    pub version: String,
    /// RegisteredOrganization as text (`DMTF` for 2, else the number or OtherRegisteredOrganization).
    pub organization: String,
    /// The DSP number when the harness knows the profile.
    pub dsp: Option<&'static str>,
    /// Its classes the harness checks (empty for a profile it does not know).
    pub classes: Vec<FoundClass>,
}

/// What the Windows-like probes found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowsFound {
    /// winrm/config answered a Get.
    pub config: bool,
    /// Win32_OperatingSystem answered a Get without selectors.
    pub os: Option<FoundClass>,
    /// Win32_Service enumerated.
    pub services: Option<FoundClass>,
    /// root\hardware CIM_NumericSensor enumerated.
    pub hardware: bool,
    /// The system variable `OS` (Win32_Environment Name=OS, UserName=<SYSTEM>): its VariableValue.
    pub os_variable: Option<String>,
    /// The WinRM service's StartMode (Win32_Service Name=WinRM).
    pub winrm_start_mode: Option<String>,
}

/// Everything a discovery found, and what it tried that did not answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// The endpoint URL.
    pub endpoint: String,
    /// When (RFC 3339).
    pub at: String,
    /// The Identify answer.
    pub identify: IdentifyResponse,
    /// The interop namespace value that answered, `None` when none did.
    pub interop_namespace: Option<String>,
    /// The advertised profiles.
    pub profiles: Vec<FoundProfile>,
    /// Windows-like probes, `None` when the endpoint is not Windows-like.
    pub windows: Option<WindowsFound>,
    /// One line per probe, in order (`discover` prints them).
    pub log: Vec<String>,
}

/// Walks `session`'s endpoint as the module documentation says. Give it a
/// lenient session ([`wsman_client::Endpoint::lenient`]): an endpoint whose
/// addressing is wrong still says what it serves, and `check` judges the
/// addressing.
///
/// # Errors
/// [`DiscoverError::Identify`] when Identify fails; any later failure is a
/// line of [`Discovery::log`] and a role left unfilled.
pub async fn discover(session: &Session, options: DiscoverOptions) -> Result<Discovery, DiscoverError> {
    let mut log = Vec::new();
    let identify = session.identify().await.map_err(DiscoverError::Identify)?;
    log.push(format!(
        "Identify: {} {}",
        identify.product_vendor.as_deref().unwrap_or("(no ProductVendor)"),
        identify.product_version.as_deref().unwrap_or("(no ProductVersion)")
    ));

    let mut interop_namespace = None;
    let mut profiles = Vec::new();
    let registered = format!("{}CIM_RegisteredProfile", ns::DMTF_CIM_RESOURCE_PREFIX);
    for namespace in INTEROP_NAMESPACES {
        let resource = Resource::new(registered.clone()).selector(CIM_NAMESPACE_SELECTOR, namespace);
        match enumerate(session, &resource, options).await {
            Ok(items) => {
                log.push(format!("CIM_RegisteredProfile in {namespace}: {} profile(s)", items.len()));
                interop_namespace = Some(namespace.to_owned());
                for (object, _) in &items {
                    profiles.push(registered_profile(object));
                }
                break;
            }
            Err(e) => log.push(format!("CIM_RegisteredProfile in {namespace}: {}", one_line(&e))),
        }
    }
    for p in &mut profiles {
        let Some(known) = p.dsp.and_then(|d| PROFILES.iter().find(|k| k.dsp == d)) else {
            log.push(format!("profile {} {}: not one the harness knows; its classes are not checked", p.name, p.version));
            continue;
        };
        for class in known.classes {
            let mut resource = Resource::new(format!("{}{class}", ns::DMTF_CIM_RESOURCE_PREFIX));
            if *class == "CIM_RegisteredProfile" {
                if let Some(n) = &interop_namespace {
                    resource = resource.selector(CIM_NAMESPACE_SELECTOR, n.clone());
                }
            }
            let found = find_class(session, class, resource, options).await;
            log.push(format!("  {} {class}: {}", known.dsp, describe(&found)));
            p.classes.push(found);
        }
    }

    let vendor_windows = identify.product_vendor.as_deref().is_some_and(|v| v.contains("Microsoft"));
    let config = session.get(&Resource::new(CONFIG_URI)).await;
    log.push(format!("winrm/config: {}", config.as_ref().map_or_else(one_line, |_| "answers".to_owned())));
    let windows = if vendor_windows || config.is_ok() {
        let os_uri = format!("{CIMV2_PREFIX}Win32_OperatingSystem");
        let os = match session.get(&Resource::new(os_uri.clone())).await {
            Ok(r) => {
                let properties = Instance::properties_from_element(&r.representation).unwrap_or_default();
                Some(FoundClass {
                    class: "Win32_OperatingSystem".into(),
                    resource_uri: os_uri,
                    instances: 1,
                    selectors: Some(Vec::new()),
                    properties,
                    error: None,
                })
            }
            Err(e) => {
                log.push(format!("Win32_OperatingSystem: {}", one_line(&e)));
                None
            }
        };
        let services = find_class(session, "Win32_Service", Resource::new(format!("{CIMV2_PREFIX}Win32_Service")), options).await;
        log.push(format!("Win32_Service: {}", describe(&services)));
        let hw = find_class(session, "CIM_NumericSensor", Resource::new(format!("{}CIM_NumericSensor", ns::WMI_ROOT_HARDWARE_PREFIX)), options).await;
        log.push(format!("root\\hardware CIM_NumericSensor: {}", describe(&hw)));
        let env = Resource::new(format!("{CIMV2_PREFIX}Win32_Environment")).selector("Name", "OS").selector("UserName", "<SYSTEM>");
        let os_variable = match session.get(&env).await {
            Ok(r) => Instance::properties_from_element(&r.representation).ok().and_then(|p| text_of(&p, "VariableValue")),
            Err(e) => {
                log.push(format!("Win32_Environment OS: {}", one_line(&e)));
                None
            }
        };
        let winrm = Resource::new(format!("{CIMV2_PREFIX}Win32_Service")).selector("Name", "WinRM");
        let winrm_start_mode = match session.get(&winrm).await {
            Ok(r) => Instance::properties_from_element(&r.representation).ok().and_then(|p| text_of(&p, "StartMode")),
            Err(e) => {
                log.push(format!("Win32_Service WinRM: {}", one_line(&e)));
                None
            }
        };
        Some(WindowsFound {
            config: config.is_ok(),
            os,
            services: services.usable().then_some(services),
            hardware: hw.error.is_none(),
            os_variable,
            winrm_start_mode,
        })
    } else {
        None
    };
    session.released().await;
    Ok(Discovery {
        endpoint: session.endpoint().url.clone(),
        at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        identify,
        interop_namespace,
        profiles,
        windows,
        log,
    })
}

/// Enumerates `resource` in EnumerateObjectAndEPR mode, at most
/// `options.max_items` items (objects paired with their EPR's selectors).
async fn enumerate(session: &Session, resource: &Resource, options: DiscoverOptions) -> Result<Vec<(Element, Option<Vec<(String, String)>>)>, Error> {
    let request = Enumerate { optimize: true, max_elements: NonZeroU64::new(100), mode: EnumerationMode::ObjectAndEpr, ..Enumerate::default() };
    let mut e = session.enumerate(resource, request).await?;
    let mut out = Vec::new();
    while out.len() < options.max_items {
        let Some(item) = e.next().await else { break };
        // A Pull that fails after items arrived (an endpoint that never ends
        // its sequence) ends the walk with what was read.
        let item = match item {
            Ok(i) => i,
            Err(_) if !out.is_empty() => break,
            Err(err) => return Err(err),
        };
        let (object, epr) = match item {
            Item::ObjectAndEpr { object, epr } => (object, Some(epr)),
            Item::Object(object) => (object, None),
            Item::Epr(epr) => (Element::ns(ns::WSA, "EndpointReference"), Some(epr)),
        };
        let selectors = epr.and_then(|e| e.selectors).map(|s| s.selectors.into_iter().map(|s| (s.name, s.value)).collect());
        out.push((object, selectors));
    }
    if !e.is_done() {
        let _ = e.release().await;
    }
    Ok(out)
}

async fn find_class(session: &Session, class: &str, resource: Resource, options: DiscoverOptions) -> FoundClass {
    let uri = resource.uri.clone();
    match enumerate(session, &resource, options).await {
        Ok(items) => {
            let (properties, selectors) =
                items.first().map_or((Vec::new(), None), |(o, s)| (Instance::properties_from_element(o).unwrap_or_default(), s.clone()));
            FoundClass { class: class.to_owned(), resource_uri: uri, instances: items.len(), selectors, properties, error: None }
        }
        Err(e) => FoundClass { class: class.to_owned(), resource_uri: uri, instances: 0, selectors: None, properties: Vec::new(), error: Some(one_line(&e)) },
    }
}

fn describe(c: &FoundClass) -> String {
    match &c.error {
        Some(e) => e.clone(),
        None => format!("{} instance(s){}", c.instances, if c.selectors.is_some() { "" } else { ", no selectors in the EPR" }),
    }
}

fn one_line(e: &Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

fn text_of(props: &[Property], name: &str) -> Option<String> {
    props.iter().find(|p| p.name == name).and_then(|p| p.value.to_text()).map(|t| t.trim().to_owned())
}

fn registered_profile(object: &Element) -> FoundProfile {
    let props = Instance::properties_from_element(object).unwrap_or_default();
    let name = text_of(&props, "RegisteredName").unwrap_or_default();
    let organization = match text_of(&props, "RegisteredOrganization").as_deref() {
        Some("2") => "DMTF".to_owned(),
        Some("1") => text_of(&props, "OtherRegisteredOrganization").unwrap_or_else(|| "Other".into()),
        Some(n) => n.to_owned(),
        None => String::new(),
    };
    FoundProfile {
        dsp: known_profile(&name).map(|k| k.dsp),
        version: text_of(&props, "RegisteredVersion").unwrap_or_default(),
        organization,
        name,
        classes: Vec::new(),
    }
}

impl Discovery {
    /// Every DMTF class that answered with an instance and its selectors.
    fn dmtf_classes(&self) -> impl Iterator<Item = &FoundClass> {
        self.profiles.iter().flat_map(|p| p.classes.iter()).filter(|c| c.usable() && c.class != "CIM_RegisteredProfile")
    }

    fn dmtf_class(&self, name: &str) -> Option<&FoundClass> {
        self.dmtf_classes().find(|c| c.class == name)
    }

    /// The target file text (`corpus/README.md`, "Targets"): roles from the
    /// DMTF classes first, Windows classes for the rest.
    pub fn to_target_toml(&self, name: &str) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "# Written by `wsman-harness discover` from {} at {}.", self.endpoint, self.at);
        let _ = writeln!(t, "# Review it: every role names resources of this endpoint the corpus's cases will use.");
        for line in &self.log {
            let _ = writeln!(t, "#   {line}");
        }
        let _ = writeln!(t, "name = {}", quote(name));
        let _ = writeln!(t);
        let _ = writeln!(t, "[discovered]");
        let _ = writeln!(t, "endpoint = {}", quote(&self.endpoint));
        let _ = writeln!(t, "at = {}", quote(&self.at));
        if let Some(v) = &self.identify.product_vendor {
            let _ = writeln!(t, "vendor = {}", quote(v));
        }
        if let Some(v) = &self.identify.product_version {
            let _ = writeln!(t, "product_version = {}", quote(v));
        }
        if let Some(v) = self.identify.protocol_versions.first() {
            let _ = writeln!(t, "protocol_version = {}", quote(v));
        }
        if let Some(p) = &self.identify.security_profiles {
            let _ = writeln!(t, "security_profiles = [{}]", p.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "));
        }

        let windows = self.windows.as_ref();
        // singleton: DMTF endpoints address every instance by keys; Windows has the OS.
        if let Some(os) = windows.and_then(|w| w.os.as_ref()) {
            let prop = ["Caption", "Name"].into_iter().find(|p| os.property(p).is_some()).or_else(|| os.properties.first().map(|p| p.name.as_str()));
            if let Some(prop) = prop {
                role(&mut t, "singleton", os, false);
                let _ = writeln!(t, "property = {}", quote(prop));
            }
        }
        // instance: what the core profile's cases address. A DMTF class of one
        // instance (the managed system first), else the Windows singleton.
        let one = ["CIM_ComputerSystem"].iter().filter_map(|c| self.dmtf_class(c)).chain(self.dmtf_classes()).find(|c| c.instances == 1);
        match (one, windows.and_then(|w| w.os.as_ref())) {
            (Some(c), _) => {
                if let Some(prop) = non_key_property(c) {
                    role(&mut t, "instance", c, true);
                    let _ = writeln!(t, "property = {}", quote(&prop));
                }
            }
            (None, Some(os)) => {
                if let Some(prop) = ["Caption", "Name"].into_iter().find(|p| os.property(p).is_some()) {
                    role(&mut t, "instance", os, false);
                    let _ = writeln!(t, "property = {}", quote(prop));
                }
            }
            (None, None) => {}
        }
        // keyed
        let keyed = KEYED_PREFERENCE
            .iter()
            .filter_map(|c| self.dmtf_class(c))
            .find(|c| c.instances >= 2)
            .or_else(|| self.dmtf_classes().filter(|c| c.instances >= 2).max_by_key(|c| c.instances))
            .or_else(|| windows.and_then(|w| w.services.as_ref()));
        if let Some(k) = keyed {
            if let Some(prop) = non_key_property(k) {
                role(&mut t, "keyed", k, true);
                let _ = writeln!(t, "property = {}", quote(&prop));
                let _ = writeln!(t, "instances = {}", k.instances);
            }
        }
        // writable / read_only: a DSP1009 threshold the sensor lists as settable,
        // written with the value it has; its reading, which no client may set.
        if let Some(sensor) = self.dmtf_class("CIM_NumericSensor") {
            let settable = match sensor.property("SettableThresholds") {
                Some(Value::Array(items)) => items.iter().filter_map(Value::to_text).collect::<Vec<_>>(),
                Some(v) => v.to_text().into_iter().collect(),
                None => Vec::new(),
            };
            let writable = settable
                .iter()
                .filter_map(|v| THRESHOLDS.iter().find(|(n, _)| *n == v.trim()))
                .find_map(|(_, prop)| Some((*prop, sensor.property(prop)?.to_text()?)));
            if let Some((prop, value)) = writable {
                role(&mut t, "writable", sensor, true);
                let _ = writeln!(t, "property = {}", quote(prop));
                let _ = writeln!(t, "value = {}", quote(value.trim()));
            }
            if let Some(reading) = sensor.property("CurrentReading").and_then(Value::to_text) {
                let changed = reading.trim().parse::<i64>().map_or_else(|_| "0".to_owned(), |n| (n.wrapping_add(1)).to_string());
                role(&mut t, "read_only", sensor, true);
                let _ = writeln!(t, "property = \"CurrentReading\"");
                let _ = writeln!(t, "value = {}", quote(&changed));
            }
        }
        let env_uri = format!("{CIMV2_PREFIX}Win32_Environment");
        let env = FoundClass {
            class: "Win32_Environment".into(),
            resource_uri: env_uri,
            instances: 1,
            selectors: Some(vec![("Name".into(), "OS".into()), ("UserName".into(), "<SYSTEM>".into())]),
            properties: Vec::new(),
            error: None,
        };
        if self.dmtf_class("CIM_NumericSensor").is_none() {
            // The system variable OS, written with its own value; its SystemVariable flag, which a Put cannot change.
            if let Some(value) = windows.and_then(|w| w.os_variable.as_ref()) {
                role(&mut t, "writable", &env, true);
                let _ = writeln!(t, "property = \"VariableValue\"\nvalue = {}", quote(value));
                role(&mut t, "read_only", &env, true);
                let _ = writeln!(t, "property = \"SystemVariable\"\nvalue = \"false\"");
            }
        }
        // creatable: DMTF profiles create through methods; Windows has its environment.
        if windows.is_some() {
            let _ = writeln!(t, "\n[creatable]");
            let _ = writeln!(t, "resource_uri = {}", quote(&format!("{CIMV2_PREFIX}Win32_Environment")));
            let _ = writeln!(t, "class = \"Win32_Environment\"");
            let _ = writeln!(t, "properties = {{ Name = \"WSMAN_HARNESS_{{{{unique}}}}\", UserName = \"<SYSTEM>\", VariableValue = \"1\" }}");
        }
        // method
        if let Some((class, (_, method, param, value, output))) = METHODS.iter().find_map(|m| Some((self.dmtf_class(m.0)?, m))) {
            role(&mut t, "method", class, true);
            let _ = writeln!(t, "method = {}", quote(method));
            let _ = writeln!(t, "input = {{ {param} = {} }}", quote(value));
            let _ = writeln!(t, "output = {}", quote(output));
        } else if let (Some(services), Some(mode)) = (windows.and_then(|w| w.services.as_ref()), windows.and_then(|w| w.winrm_start_mode.as_deref())) {
            // ChangeStartMode to the mode WinRM has (Get says Auto, the method takes Automatic).
            let mode = if mode.eq_ignore_ascii_case("auto") { "Automatic" } else { mode };
            let winrm = FoundClass { selectors: Some(vec![("Name".into(), "WinRM".into())]), ..services.clone() };
            role(&mut t, "method", &winrm, true);
            let _ = writeln!(t, "method = \"ChangeStartMode\"\ninput = {{ StartMode = {} }}\noutput = \"ReturnValue\"", quote(mode));
        }
        if let Some(w) = windows {
            let _ = writeln!(t, "\n[event_source]\nresource_uri = {}", quote(EVENT_LOG_URI));
            let _ = writeln!(t, "dialect = {}\nfilter = \"SELECT * FROM Win32_NTLogEvent\"", quote(ns::dialect::WQL));
            let _ = writeln!(t, "\n[shell]\nresource_uri = {}", quote(SHELL_URI));
            if w.os.is_some() && w.services.is_some() {
                let _ = writeln!(t, "\n[cimv2]\nbase = {}", quote(CIMV2_PREFIX.trim_end_matches('/')));
            }
            if w.config {
                let _ = writeln!(t, "\n[config]\nresource_uri = {}", quote(CONFIG_URI));
            }
            if w.hardware {
                let _ = writeln!(t, "\n[hardware]\nbase = {}", quote(ns::WMI_ROOT_HARDWARE_PREFIX.trim_end_matches('/')));
            }
        }
        for p in &self.profiles {
            let _ = writeln!(t, "\n[[profile]]");
            let _ = writeln!(t, "name = {}", quote(&p.name));
            let _ = writeln!(t, "version = {}", quote(&p.version));
            let _ = writeln!(t, "organization = {}", quote(&p.organization));
            if let Some(d) = p.dsp {
                let _ = writeln!(t, "dsp = {}", quote(d));
            }
            for c in &p.classes {
                let _ = writeln!(t, "\n[[profile.class]]");
                let _ = writeln!(t, "class = {}", quote(&c.class));
                let _ = writeln!(t, "resource_uri = {}", quote(&c.resource_uri));
                match (&c.error, &c.selectors) {
                    (Some(e), _) => {
                        let _ = writeln!(t, "# did not answer Enumerate: {e}");
                    }
                    (None, Some(s)) if c.instances > 0 => {
                        let _ = writeln!(t, "selectors = {}", inline_table(s));
                    }
                    _ => {
                        let _ = writeln!(t, "# no instance with selectors");
                    }
                }
            }
        }
        t
    }
}

/// A property of `c`'s first instance that is not one of its selectors.
fn non_key_property(c: &FoundClass) -> Option<String> {
    let keys: Vec<&str> = c.selectors.iter().flatten().map(|(k, _)| k.as_str()).collect();
    let scalar = |p: &&Property| !matches!(p.value, Value::Array(_) | Value::Null);
    let preferred = ["ElementName", "State", "Name", "CurrentReading"];
    preferred
        .iter()
        .find_map(|n| c.properties.iter().filter(scalar).find(|p| p.name == *n && !keys.contains(n)))
        .or_else(|| c.properties.iter().filter(scalar).find(|p| !keys.contains(&p.name.as_str())))
        .map(|p| p.name.clone())
}

fn role(t: &mut String, name: &str, c: &FoundClass, with_selectors: bool) {
    let _ = writeln!(t, "\n[{name}]");
    let _ = writeln!(t, "resource_uri = {}", quote(&c.resource_uri));
    let _ = writeln!(t, "class = {}", quote(&c.class));
    if with_selectors {
        let keys: Vec<(String, String)> = c.selectors.iter().flatten().filter(|(k, _)| k != CIM_NAMESPACE_SELECTOR).cloned().collect();
        let _ = writeln!(t, "selectors = {}", inline_table(&keys));
    }
}

fn inline_table(pairs: &[(String, String)]) -> String {
    let mut table = toml::Table::new();
    for (k, v) in pairs {
        table.entry(k.clone()).or_insert_with(|| toml::Value::String(v.clone()));
    }
    toml::Value::Table(table).to_string()
}

/// A TOML basic string (the toml crate's quoting).
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_match_loosely() {
        assert_eq!(known_profile("Power State Management").map(|p| p.dsp), Some("DSP1027"));
        assert_eq!(known_profile("powerstatemanagement").map(|p| p.dsp), Some("DSP1027"));
        assert_eq!(known_profile("Fan"), None);
    }

    #[test]
    fn quoting_round_trips_through_toml() {
        let nasty = "a\"b\\c\nd\u{1}e<SYSTEM>";
        let text = format!("v = {}\nt = {}", quote(nasty), inline_table(&[("Name".into(), nasty.into()), ("__cimnamespace".into(), "x".into())]));
        let v: toml::Table = toml::from_str(&text).expect("parses");
        assert_eq!(v["v"].as_str(), Some(nasty));
        assert_eq!(v["t"]["Name"].as_str(), Some(nasty));
        let spaced: toml::Table = toml::from_str(&format!("t = {}", inline_table(&[("a b".into(), "x".into())]))).expect("parses");
        assert_eq!(spaced["t"]["a b"].as_str(), Some("x"));
    }
}
