//! Targets: which resources of one endpoint the corpus's cases use.
//!
//! A target file (TOML, the format is documented in `corpus/README.md`)
//! fills *roles*: a singleton class, a keyed class with several instances, a
//! writable property, a method, an event source, a shell, and the Windows
//! look-alike roles (`cimv2`, `config`, `hardware`). A case declares the
//! roles it needs (`roles = ["keyed"]`); a run whose target lacks one does
//! not send the case and reports it SKIP (`target has no keyed`).
//!
//! The built-in target, [`Target::builtin`], is `corpus/targets/reference.toml`
//! (the reference host's Windows classes), embedded with the corpus.
//!
//! A role a case declares gives it variables ([`Target::role_vars`]):
//! `{{ROLE.FIELD}}` for every scalar field (class and namespace with their
//! defaults applied), `{{ROLE.selector.NAME}}` per selector,
//! `{{creatable.property.NAME}}` per property, `{{method.input.NAME}}` per
//! input parameter, and `{{ROLE.key}}`/`{{ROLE.key_value}}` (the first
//! selector by name) for roles with selectors; and XML fragments ([`Target::role_fragments`]) that the
//! renderer inserts as markup, their values escaped:
//!
//! | fragment | roles | text |
//! |---|---|---|
//! | `{{ROLE.selector_set}}` | instance (empty for a singleton), keyed, writable, read_only, method | `<w:SelectorSet><w:Selector Name="K">V</w:Selector>…</w:SelectorSet>` |
//! | `{{ROLE.selectors}}` | the same | the `<w:Selector>` elements alone |
//! | `{{ROLE.other_selectors}}` | the same | the `<w:Selector>` elements but the first (`key`) |
//! | `{{ROLE.instance}}` | writable, read_only | `<t:CLASS xmlns:t="NS"><t:PROPERTY>VALUE</t:PROPERTY></t:CLASS>` |
//! | `{{creatable.instance}}` | creatable | `<t:CLASS xmlns:t="NS"><t:K>V</t:K>…</t:CLASS>` |
//! | `{{method.input}}` | method | `<t:METHOD_INPUT xmlns:t="NS"><t:K>V</t:K>…</t:METHOD_INPUT>` |
//!
//! The selector fragments use the prefix `w`, which every template binds to
//! the DMTF WS-Management namespace.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::corpus::Case;

/// The built-in target's text (`corpus/targets/reference.toml`).
const BUILTIN: &str = include_str!("../../../corpus/targets/reference.toml");

/// Every role name a target may fill and a case may declare, in file order.
pub const ROLES: &[&str] =
    &["singleton", "instance", "keyed", "writable", "read_only", "creatable", "method", "event_source", "shell", "cimv2", "config", "hardware", "profile"];

/// Why a target file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not TOML of the target format (`file:line:column: message`).
    #[error("{origin}{}: {message}", .line.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Parse {
        /// The file (or `target` for text).
        origin: String,
        /// Line and column (from 1), when the parser gives them.
        line: Option<(usize, usize)>,
        /// What the parser said.
        message: String,
    },
    /// The file parses but a field breaks a rule (every problem listed).
    #[error("{origin}: {}", .problems.join("; "))]
    Invalid {
        /// The file (or `target` for text).
        origin: String,
        /// One line per problem, naming the field.
        problems: Vec<String>,
    },
}

/// A target: the resources of one endpoint, by role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Shown in reports.
    pub name: String,
    /// One paragraph for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the file came from (`discover` fills it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered: Option<Discovered>,
    /// A class with one instance: Get without selectors answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singleton: Option<Singleton>,
    /// One instance a Get answers, with its keys (none for a singleton):
    /// what the core profile's header and addressing cases address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<AnInstance>,
    /// A keyed class with several instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyed: Option<Keyed>,
    /// A Put of `property = value` on this instance succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writable: Option<InstanceProperty>,
    /// A Put changing this property must be refused with a fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<InstanceProperty>,
    /// A Create of an instance with these properties succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creatable: Option<Creatable>,
    /// A method with input and output on an instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// A WS-Eventing Subscribe target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source: Option<EventSource>,
    /// A WinRS-style shell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<Shell>,
    /// The Windows cimv2 classes as Windows has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cimv2: Option<Base>,
    /// winrm/config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Config>,
    /// The Windows IPMI provider namespace root\hardware.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<Base>,
    /// The DMTF profiles the endpoint advertises (`discover` fills it).
    #[serde(default, rename = "profile", skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<RegisteredProfile>,
}

/// Where a discovered target came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discovered {
    /// The endpoint URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Identify ProductVendor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Identify ProductVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
    /// Identify ProtocolVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// Identify SecurityProfiles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_profiles: Vec<String>,
}

/// The `singleton` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Singleton {
    /// Resource URI of the class.
    pub resource_uri: String,
    /// Class element name (default: the last `/`-segment of the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// XML namespace of the instance element (default: the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// A property the instance always has.
    pub property: String,
}

/// The `instance` role: one instance a Get answers, by its keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnInstance {
    /// Resource URI of the class.
    pub resource_uri: String,
    /// Class element name (default: the last `/`-segment of the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// XML namespace of the instance element (default: the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Every key of the instance (empty for a singleton: no SelectorSet is sent).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selectors: BTreeMap<String, String>,
    /// A property the instance has.
    pub property: String,
}

/// The `keyed` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyed {
    /// Resource URI of the class.
    pub resource_uri: String,
    /// Class element name (default: the last `/`-segment of the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// XML namespace of the instance element (default: the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Every key of one existing instance.
    pub selectors: BTreeMap<String, String>,
    /// A non-key property every instance has.
    pub property: String,
    /// At least this many instances exist (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub instances: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// The `writable` and `read_only` roles: one property of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceProperty {
    /// Resource URI of the class.
    pub resource_uri: String,
    /// Class element name (default: the last `/`-segment of the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// XML namespace of the instance element (default: the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The instance's keys (empty: a singleton).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selectors: BTreeMap<String, String>,
    /// The property.
    pub property: String,
    /// The value a Put sends.
    pub value: String,
}

/// The `creatable` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Creatable {
    /// Resource URI of the class.
    pub resource_uri: String,
    /// Class element name (default: the last `/`-segment of the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// XML namespace of the instance element (default: the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The properties of the created instance (values may use corpus variables such as `{{unique}}`).
    pub properties: BTreeMap<String, String>,
}

/// The `method` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// Resource URI of the class.
    pub resource_uri: String,
    /// Class element name (default: the last `/`-segment of the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// XML namespace of the input and output elements (default: the URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The keys of the instance the method is invoked on.
    pub selectors: BTreeMap<String, String>,
    /// The method name (`RequestStateChange`).
    pub method: String,
    /// Input parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub input: BTreeMap<String, String>,
    /// An output parameter the response carries (`ReturnValue`).
    pub output: String,
}

/// The `event_source` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSource {
    /// Resource URI to subscribe to.
    pub resource_uri: String,
    /// Filter dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// Filter text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// The `shell` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shell {
    /// The shell's resource URI.
    pub resource_uri: String,
}

/// The `cimv2` and `hardware` roles: a WMI namespace's resource URI prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    /// The prefix (`http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2`).
    pub base: String,
}

/// The `config` role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The config resource URI.
    pub resource_uri: String,
}

/// A DMTF profile the endpoint advertises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredProfile {
    /// RegisteredName.
    pub name: String,
    /// RegisteredVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// RegisteredOrganization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The DSP number, when the harness knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsp: Option<String>,
    /// The profile's classes that answer Get and Enumerate.
    #[serde(default, rename = "class", skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ProfileClass>,
}

/// One class of a [`RegisteredProfile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileClass {
    /// The class name.
    pub class: String,
    /// Its resource URI.
    pub resource_uri: String,
    /// The selectors of one instance.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selectors: BTreeMap<String, String>,
}

/// The class element name of `uri`: its last `/`-segment.
fn class_of(uri: &str) -> &str {
    uri.trim_end_matches('/').rsplit('/').next().unwrap_or(uri)
}

/// `text` escaped for XML text and attribute values.
fn esc(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The selector naming a CIM namespace (DSP0227).
const CIM_NAMESPACE: &str = "__cimnamespace";

/// `<w:Selector Name="K">V</w:Selector>` for each selector.
fn selector_elements(selectors: &BTreeMap<String, String>) -> String {
    selectors.iter().map(|(k, v)| format!("<w:Selector Name=\"{}\">{}</w:Selector>", esc(k), esc(v))).collect()
}

/// `<t:NAME xmlns:t="NS"><t:K>V</t:K>…</t:NAME>`.
fn element(name: &str, namespace: &str, properties: &BTreeMap<String, String>) -> String {
    let inner: String = properties.iter().map(|(k, v)| format!("<t:{k}>{}</t:{k}>", esc(v))).collect();
    format!("<t:{name} xmlns:t=\"{}\">{inner}</t:{name}>", esc(namespace))
}

/// Builds the variables of one role.
struct Vars<'a> {
    role: &'a str,
    out: BTreeMap<String, String>,
}

impl Vars<'_> {
    fn set(&mut self, field: &str, value: &str) {
        self.out.insert(format!("{}.{field}", self.role), value.to_owned());
    }

    fn opt(&mut self, field: &str, value: Option<&String>) {
        if let Some(v) = value {
            self.set(field, v);
        }
    }

    fn map(&mut self, field: &str, values: &BTreeMap<String, String>) {
        for (k, v) in values {
            self.set(&format!("{field}.{k}"), v);
        }
    }

    /// The selectors, and `key`/`key_value`: the first selector (by name).
    fn selectors(&mut self, values: &BTreeMap<String, String>) {
        self.map("selector", values);
        if let Some((k, v)) = values.iter().next() {
            self.set("key", k);
            self.set("key_value", v);
        }
    }

    /// `resource_uri`, `class` and `namespace` with their defaults.
    fn class(&mut self, uri: &str, class: Option<&String>, namespace: Option<&String>) {
        self.set("resource_uri", uri);
        self.set("class", class.map_or_else(|| class_of(uri), String::as_str));
        self.set("namespace", namespace.map_or(uri, String::as_str));
    }
}

impl Target {
    /// The built-in target: the reference host's classes (`corpus/targets/reference.toml`).
    ///
    /// # Errors
    /// As [`Target::parse`]; the project's tests keep the built-in file valid.
    pub fn builtin() -> Result<Target, TargetError> {
        Target::parse_as(BUILTIN, "corpus/targets/reference.toml")
    }

    /// What the report records of a target read from `text` (its digest and
    /// text, so a run can be reproduced), `path` when it came from a file.
    pub fn record(&self, text: &str, path: Option<&Path>) -> report::TargetRecord {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        report::TargetRecord { name: self.name.clone(), path: path.map(|p| p.display().to_string()), digest, text: text.to_owned() }
    }

    /// The report's record of the built-in target (path `corpus/targets/reference.toml`).
    ///
    /// # Errors
    /// As [`Target::builtin`].
    pub fn builtin_record() -> Result<report::TargetRecord, TargetError> {
        Ok(Target::builtin()?.record(BUILTIN, Some(Path::new("corpus/targets/reference.toml"))))
    }

    /// Reads and validates a target file.
    ///
    /// # Errors
    /// [`TargetError::Io`], or as [`Target::parse`] with the file's path.
    pub fn from_file(path: &Path) -> Result<Target, TargetError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io { path: origin.clone(), source })?;
        Target::parse_as(&text, &origin)
    }

    /// Parses and validates target text.
    ///
    /// # Errors
    /// [`TargetError::Parse`] (with line and column) for text that is not
    /// TOML of the format (an unknown role is an unknown field);
    /// [`TargetError::Invalid`] for an empty resource URI or an empty
    /// selector table where one is required.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        Target::parse_as(text, "target")
    }

    /// As [`Target::parse`], errors naming `origin` (the file the text was read from).
    ///
    /// # Errors
    /// As [`Target::parse`].
    pub fn parse_as(text: &str, origin: &str) -> Result<Target, TargetError> {
        let target: Target = toml::from_str(text).map_err(|e| TargetError::Parse {
            origin: origin.to_owned(),
            line: e.span().map(|s| line_col(text, s.start)),
            message: e.message().trim().to_owned(),
        })?;
        let problems = target.problems();
        if !problems.is_empty() {
            return Err(TargetError::Invalid { origin: origin.to_owned(), problems });
        }
        Ok(target)
    }

    /// The rules TOML cannot express, one line per broken rule.
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut need = |field: &str, value: &str| {
            if value.trim().is_empty() {
                p.push(format!("{field} is empty"));
            }
        };
        need("name", &self.name);
        if let Some(r) = &self.instance {
            need("instance.resource_uri", &r.resource_uri);
            need("instance.property", &r.property);
        }
        if let Some(r) = &self.singleton {
            need("singleton.resource_uri", &r.resource_uri);
            need("singleton.property", &r.property);
        }
        if let Some(r) = &self.keyed {
            need("keyed.resource_uri", &r.resource_uri);
            need("keyed.property", &r.property);
        }
        for (role, r) in [("writable", &self.writable), ("read_only", &self.read_only)] {
            if let Some(r) = r {
                need(&format!("{role}.resource_uri"), &r.resource_uri);
                need(&format!("{role}.property"), &r.property);
            }
        }
        if let Some(r) = &self.creatable {
            need("creatable.resource_uri", &r.resource_uri);
        }
        if let Some(r) = &self.method {
            need("method.resource_uri", &r.resource_uri);
            need("method.method", &r.method);
            need("method.output", &r.output);
        }
        if let Some(r) = &self.event_source {
            need("event_source.resource_uri", &r.resource_uri);
        }
        if let Some(r) = &self.shell {
            need("shell.resource_uri", &r.resource_uri);
        }
        if let Some(r) = &self.config {
            need("config.resource_uri", &r.resource_uri);
        }
        for (role, r) in [("cimv2", &self.cimv2), ("hardware", &self.hardware)] {
            if let Some(r) = r {
                need(&format!("{role}.base"), &r.base);
            }
        }
        for (i, pr) in self.profiles.iter().enumerate() {
            need(&format!("profile[{i}].name"), &pr.name);
            for (j, c) in pr.classes.iter().enumerate() {
                need(&format!("profile[{i}].class[{j}].class"), &c.class);
                need(&format!("profile[{i}].class[{j}].resource_uri"), &c.resource_uri);
            }
        }
        if self.keyed.as_ref().is_some_and(|k| k.selectors.is_empty()) {
            p.push("keyed.selectors is empty (give every key of one instance)".into());
        }
        if self.keyed.as_ref().is_some_and(|k| k.instances == 0) {
            p.push("keyed.instances is 0 (at least 1)".into());
        }
        if self.method.as_ref().is_some_and(|m| m.selectors.is_empty()) {
            p.push("method.selectors is empty (give every key of the instance)".into());
        }
        if self.creatable.as_ref().is_some_and(|c| c.properties.is_empty()) {
            p.push("creatable.properties is empty".into());
        }
        let names = |m: &BTreeMap<String, String>| m.keys().find(|k| !is_name(k)).cloned();
        for (field, bad) in [
            ("creatable.properties", self.creatable.as_ref().and_then(|c| names(&c.properties))),
            ("method.input", self.method.as_ref().and_then(|m| names(&m.input))),
        ] {
            if let Some(k) = bad {
                p.push(format!("{field}: {k:?} is not an XML element name"));
            }
        }
        let mut class = |field: &str, c: Option<&String>| {
            if let Some(c) = c.filter(|c| !is_name(c)) {
                p.push(format!("{field}: {c:?} is not an XML element name"));
            }
        };
        class("singleton.class", self.singleton.as_ref().and_then(|r| r.class.as_ref()));
        class("instance.class", self.instance.as_ref().and_then(|r| r.class.as_ref()));
        class("keyed.class", self.keyed.as_ref().and_then(|r| r.class.as_ref()));
        class("writable.class", self.writable.as_ref().and_then(|r| r.class.as_ref()));
        class("read_only.class", self.read_only.as_ref().and_then(|r| r.class.as_ref()));
        class("creatable.class", self.creatable.as_ref().and_then(|r| r.class.as_ref()));
        class("method.class", self.method.as_ref().and_then(|r| r.class.as_ref()));
        class("method.method", self.method.as_ref().map(|r| &r.method));
        class("writable.property", self.writable.as_ref().map(|r| &r.property));
        class("read_only.property", self.read_only.as_ref().map(|r| &r.property));
        p
    }

    /// The file `discover` writes: TOML of this format.
    ///
    /// # Errors
    /// The serializer's message (not expected for a parsed or built target).
    pub fn to_toml(&self) -> Result<String, String> {
        let body = toml::to_string_pretty(self).map_err(|e| e.to_string())?;
        Ok(format!("# A wsman-harness target (format: corpus/README.md, \"Targets\").\n\n{body}"))
    }

    /// Whether the target fills `role` (a name of [`ROLES`]).
    pub fn has_role(&self, role: &str) -> bool {
        match role {
            "singleton" => self.singleton.is_some(),
            "instance" => self.instance.is_some(),
            "keyed" => self.keyed.is_some(),
            "writable" => self.writable.is_some(),
            "read_only" => self.read_only.is_some(),
            "creatable" => self.creatable.is_some(),
            "method" => self.method.is_some(),
            "event_source" => self.event_source.is_some(),
            "shell" => self.shell.is_some(),
            "cimv2" => self.cimv2.is_some(),
            "config" => self.config.is_some(),
            "hardware" => self.hardware.is_some(),
            // The registered profiles: a case of this role runs once per class
            // of each (`Target::profile_cases`).
            "profile" => self.profiles.iter().any(|p| !p.classes.is_empty()),
            _ => false,
        }
    }

    /// The instances the keyed role promises (0 without the role).
    pub fn keyed_instances(&self) -> u32 {
        self.keyed.as_ref().map_or(0, |k| k.instances)
    }

    /// The variables of `role` (`ROLE.FIELD`, `ROLE.selector.NAME`, ...);
    /// `None` when the target does not fill it.
    pub fn role_vars(&self, role: &str) -> Option<BTreeMap<String, String>> {
        let mut v = Vars { role, out: BTreeMap::new() };
        match role {
            "singleton" => {
                let r = self.singleton.as_ref()?;
                v.class(&r.resource_uri, r.class.as_ref(), r.namespace.as_ref());
                v.set("property", &r.property);
            }
            "instance" => {
                let r = self.instance.as_ref()?;
                v.class(&r.resource_uri, r.class.as_ref(), r.namespace.as_ref());
                v.map("selector", &r.selectors);
                v.set("property", &r.property);
            }
            "keyed" => {
                let r = self.keyed.as_ref()?;
                v.class(&r.resource_uri, r.class.as_ref(), r.namespace.as_ref());
                v.selectors(&r.selectors);
                v.set("property", &r.property);
                v.set("instances", &r.instances.to_string());
            }
            "writable" | "read_only" => {
                let r = if role == "writable" { self.writable.as_ref()? } else { self.read_only.as_ref()? };
                v.class(&r.resource_uri, r.class.as_ref(), r.namespace.as_ref());
                v.selectors(&r.selectors);
                v.set("property", &r.property);
                v.set("value", &r.value);
            }
            "creatable" => {
                let r = self.creatable.as_ref()?;
                v.class(&r.resource_uri, r.class.as_ref(), r.namespace.as_ref());
                v.map("property", &r.properties);
            }
            "method" => {
                let r = self.method.as_ref()?;
                v.class(&r.resource_uri, r.class.as_ref(), r.namespace.as_ref());
                v.selectors(&r.selectors);
                v.map("input", &r.input);
                v.set("method", &r.method);
                v.set("output", &r.output);
            }
            "event_source" => {
                let r = self.event_source.as_ref()?;
                v.set("resource_uri", &r.resource_uri);
                v.opt("dialect", r.dialect.as_ref());
                v.opt("filter", r.filter.as_ref());
            }
            "shell" => v.set("resource_uri", &self.shell.as_ref()?.resource_uri),
            "config" => v.set("resource_uri", &self.config.as_ref()?.resource_uri),
            "cimv2" => v.set("base", &self.cimv2.as_ref()?.base),
            "hardware" => v.set("base", &self.hardware.as_ref()?.base),
            _ => return None,
        }
        Some(v.out)
    }

    /// The XML fragments of `role` (see the module documentation), already
    /// escaped; values may still hold corpus placeholders (`{{unique}}`),
    /// which the renderer fills and escapes. Empty when the role has none or
    /// the target does not fill it.
    pub fn role_fragments(&self, role: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut selectors = |sel: &BTreeMap<String, String>| {
            let inner = selector_elements(sel);
            out.insert(format!("{role}.selector_set"), format!("<w:SelectorSet>{inner}</w:SelectorSet>"));
            out.insert(format!("{role}.selectors"), inner);
            let others: BTreeMap<String, String> = sel.iter().skip(1).map(|(k, v)| (k.clone(), v.clone())).collect();
            out.insert(format!("{role}.other_selectors"), selector_elements(&others));
        };
        match role {
            "keyed" => {
                if let Some(r) = &self.keyed {
                    selectors(&r.selectors);
                }
            }
            // No SelectorSet at all for a singleton (an empty one is a case of its own).
            "instance" => {
                if let Some(r) = &self.instance {
                    if r.selectors.is_empty() {
                        out.insert("instance.selector_set".into(), String::new());
                    } else {
                        selectors(&r.selectors);
                    }
                }
            }
            "writable" | "read_only" => {
                let r = if role == "writable" { &self.writable } else { &self.read_only };
                if let Some(r) = r {
                    selectors(&r.selectors);
                    let class = r.class.as_deref().unwrap_or_else(|| class_of(&r.resource_uri));
                    let props = [(r.property.clone(), r.value.clone())].into_iter().collect();
                    out.insert(format!("{role}.instance"), element(class, r.namespace.as_deref().unwrap_or(&r.resource_uri), &props));
                }
            }
            "method" => {
                if let Some(r) = &self.method {
                    selectors(&r.selectors);
                    let name = format!("{}_INPUT", r.method);
                    out.insert("method.input".into(), element(&name, r.namespace.as_deref().unwrap_or(&r.resource_uri), &r.input));
                }
            }
            "creatable" => {
                if let Some(r) = &self.creatable {
                    let class = r.class.as_deref().unwrap_or_else(|| class_of(&r.resource_uri));
                    out.insert("creatable.instance".into(), element(class, r.namespace.as_deref().unwrap_or(&r.resource_uri), &r.properties));
                }
            }
            _ => {}
        }
        out
    }
}

impl Target {
    /// A case of the `profile` role once per class of each registered
    /// profile: id `…/DSP.CLASS` (the case id's last segment replaced),
    /// variables `profile.name`, `profile.version`, `profile.dsp` (the
    /// RegisteredName when the DSP is unknown), `profile.class.name`,
    /// `profile.class.resource_uri`, and the fragments
    /// `profile.class.selector_set` (empty without selectors; in a case of
    /// several steps its values are captured from the first EPR of the first
    /// step's EnumerateResponse, by the key names the target lists) and
    /// `profile.class.namespace_selector_set` (only `__cimnamespace`, for an
    /// Enumerate; empty without it). Other cases
    /// are returned as they are; so is a `profile` case when the target has
    /// no profile with classes (it is SKIP then).
    pub fn profile_cases(&self, case: &Case) -> Vec<Case> {
        if !case.roles.iter().any(|r| r == "profile") || !self.has_role("profile") {
            return vec![case.clone()];
        }
        let stem = case.id.rsplit_once('/').map_or(case.id.as_str(), |(head, _)| head);
        let mut out = Vec::new();
        for p in &self.profiles {
            let dsp = p.dsp.clone().unwrap_or_else(|| p.name.clone());
            for c in &p.classes {
                let mut e = case.clone();
                e.id = format!("{stem}/{}.{}", dsp.replace(['/', ' '], "_"), c.class);
                e.title = format!("{}: {} ({} {})", case.title, c.class, p.name, p.version.as_deref().unwrap_or(""));
                let vars = [
                    ("profile.name", p.name.as_str()),
                    ("profile.version", p.version.as_deref().unwrap_or("")),
                    ("profile.dsp", dsp.as_str()),
                    ("profile.class.name", c.class.as_str()),
                    ("profile.class.resource_uri", c.resource_uri.as_str()),
                ];
                for (k, v) in vars {
                    e.vars.insert(k.to_owned(), v.to_owned());
                }
                let set = if c.selectors.is_empty() {
                    String::new()
                } else if e.steps.len() >= 2 {
                    // The values come from the first EPR the first step's
                    // response holds (the instance the endpoint names in the
                    // run), by the key names the target lists.
                    let mut inner = String::new();
                    for (i, k) in c.selectors.keys().enumerate() {
                        let name = format!("profile_selector_{i}");
                        let xpath = format!("string((/s:Envelope/s:Body/n:EnumerateResponse/w:Items/a:EndpointReference)[1]/a:ReferenceParameters/w:SelectorSet/w:Selector[@Name='{}'])", k.replace('\'', ""));
                        e.steps[0].capture.insert(name.clone(), xpath);
                        inner.push_str(&format!("<w:Selector Name=\"{}\">{{{{captured.{name}}}}}</w:Selector>", esc(k)));
                    }
                    format!("<w:SelectorSet>{inner}</w:SelectorSet>")
                } else {
                    format!("<w:SelectorSet>{}</w:SelectorSet>", selector_elements(&c.selectors))
                };
                e.fragments.insert("profile.class.selector_set".to_owned(), set);
                // An Enumerate names the class's CIM namespace, not one instance.
                let ns: BTreeMap<String, String> =
                    c.selectors.iter().filter(|(k, _)| k.eq_ignore_ascii_case(CIM_NAMESPACE)).map(|(k, v)| (k.clone(), v.clone())).collect();
                let ns_set = if ns.is_empty() { String::new() } else { format!("<w:SelectorSet>{}</w:SelectorSet>", selector_elements(&ns)) };
                e.fragments.insert("profile.class.namespace_selector_set".to_owned(), ns_set);
                out.push(e);
            }
        }
        out
    }
}

/// The variables and fragments of the roles one case declares, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleScope {
    /// `ROLE.FIELD`, `ROLE.selector.NAME`, ... ([`Target::role_vars`]).
    pub vars: BTreeMap<String, String>,
    /// `ROLE.selector_set`, ... ([`Target::role_fragments`]).
    pub fragments: BTreeMap<String, String>,
}

impl Target {
    /// The variables and fragments of `roles` (the roles a case declares);
    /// roles the target does not fill contribute nothing.
    pub fn scope_for<S: AsRef<str>>(&self, roles: &[S]) -> RoleScope {
        let mut scope = RoleScope::default();
        for role in roles {
            let role = role.as_ref();
            scope.vars.extend(self.role_vars(role).unwrap_or_default());
            scope.fragments.extend(self.role_fragments(role));
        }
        scope
    }

    /// The first role of `roles` the target does not fill, or a keyed role
    /// with fewer than `min_instances` instances: the SKIP message of a
    /// case that cannot run (`target has no keyed`), `None` when it can.
    pub fn missing<S: AsRef<str>>(&self, roles: &[S], min_instances: Option<u32>) -> Option<String> {
        if let Some(role) = roles.iter().map(AsRef::as_ref).find(|r| !self.has_role(r)) {
            return Some(format!("{}{role}", crate::runner::TARGET_SKIP));
        }
        match min_instances {
            Some(n) if self.keyed_instances() < n => Some(format!("{}keyed role with {n} instances", crate::runner::TARGET_SKIP)),
            _ => None,
        }
    }
}

/// Whether `s` is a plain XML element name (ASCII letters, digits, `_`, `-`, `.`; not starting with a digit).
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Line and column (from 1) of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BMC: &str = r#"
name = "bmc"
[keyed]
resource_uri = "urn:example:cim/CIM_NumericSensor"
selectors = { DeviceID = "a<b", CreationClassName = "CIM_NumericSensor" }
property = "CurrentReading"
instances = 3
[method]
resource_uri = "urn:example:cim/CIM_ComputerSystem"
selectors = { Name = "x" }
method = "RequestStateChange"
input = { RequestedState = "2" }
output = "ReturnValue"
"#;

    #[test]
    fn the_builtin_target_fills_every_role_and_round_trips() {
        let t = Target::builtin().expect("builtin");
        for role in ROLES {
            assert!(t.has_role(role), "builtin lacks {role}");
            // The profile role's variables are per class (profile_cases).
            if *role != "profile" {
                assert!(t.role_vars(role).is_some_and(|v| !v.is_empty()), "{role} has no variables");
            }
        }
        let again = Target::parse(&t.to_toml().expect("toml")).expect("reparses");
        assert_eq!(again, t);
    }

    #[test]
    fn a_profile_case_runs_once_per_class_with_selectors_from_the_first_epr() {
        let corpus = crate::Corpus::embedded().expect("corpus");
        let get = corpus.cases.iter().find(|c| c.id == "dmtf/get/class").expect("dmtf/get/class");
        let t = Target::builtin().expect("builtin");
        let classes: usize = t.profiles.iter().map(|p| p.classes.len()).sum();
        let cases = t.profile_cases(get);
        assert_eq!(cases.len(), classes);
        let sensor = cases.iter().find(|c| c.id == "dmtf/get/DSP1009.CIM_NumericSensor").expect("the sensor class's case");
        assert_eq!(sensor.vars["profile.class.name"], "CIM_NumericSensor");
        let set = &sensor.fragments["profile.class.selector_set"];
        assert!(set.contains("<w:Selector Name=\"DeviceID\">{{captured.profile_selector_"), "{set}");
        assert_eq!(sensor.steps[0].capture.len(), 4, "one capture per key");
        // Without profiles the case stays one, and is SKIP.
        let none = Target::parse(BMC).expect("bmc");
        assert_eq!(none.profile_cases(get).len(), 1);
        assert_eq!(none.missing(&get.roles, None).as_deref(), Some("target has no profile"));
    }

    #[test]
    fn the_instance_role_sends_no_selector_set_for_a_singleton() {
        let builtin = Target::builtin().expect("builtin");
        assert_eq!(builtin.role_fragments("instance").get("instance.selector_set").map(String::as_str), Some(""));
        let keyed = Target::parse(
            "name = \"t\"\n[instance]\nresource_uri = \"urn:x/CIM_ComputerSystem\"\nselectors = { Name = \"a&b\" }\nproperty = \"ElementName\"\n",
        )
        .expect("parses");
        let set = &keyed.role_fragments("instance")["instance.selector_set"];
        assert_eq!(set, "<w:SelectorSet><w:Selector Name=\"Name\">a&amp;b</w:Selector></w:SelectorSet>");
        assert_eq!(keyed.role_vars("instance").expect("vars")["instance.class"], "CIM_ComputerSystem");
    }

    #[test]
    fn variables_apply_class_and_namespace_defaults() {
        let t = Target::parse(BMC).expect("parses");
        let v = t.role_vars("keyed").expect("keyed");
        assert_eq!(v["keyed.class"], "CIM_NumericSensor");
        assert_eq!(v["keyed.namespace"], t.keyed.as_ref().map(|k| k.resource_uri.clone()).unwrap_or_default());
        assert_eq!(v["keyed.selector.DeviceID"], "a<b");
        assert_eq!(v["keyed.instances"], "3");
        assert_eq!(t.role_vars("method").expect("method")["method.input.RequestedState"], "2");
        assert!(t.role_vars("singleton").is_none());
        assert!(!t.has_role("singleton") && !t.has_role("nonsense") && t.has_role("method"));
        assert_eq!(t.keyed_instances(), 3);
    }

    #[test]
    fn fragments_are_escaped_markup() {
        let t = Target::parse(BMC).expect("parses");
        let f = t.role_fragments("keyed");
        assert_eq!(
            f["keyed.selector_set"],
            "<w:SelectorSet><w:Selector Name=\"CreationClassName\">CIM_NumericSensor</w:Selector><w:Selector Name=\"DeviceID\">a&lt;b</w:Selector></w:SelectorSet>"
        );
        let m = t.role_fragments("method");
        assert_eq!(
            m["method.input"],
            "<t:RequestStateChange_INPUT xmlns:t=\"urn:example:cim/CIM_ComputerSystem\"><t:RequestedState>2</t:RequestedState></t:RequestStateChange_INPUT>"
        );
        assert!(t.role_fragments("creatable").is_empty());
    }

    #[test]
    fn unknown_roles_and_fields_are_errors_with_their_line() {
        let e = Target::parse("name = \"x\"\n\n[keyd]\nresource_uri = \"u\"\n").expect_err("unknown role");
        let text = e.to_string();
        assert!(text.starts_with("target:3:"), "{text}");
        assert!(text.contains("keyd"), "{text}");
        let e = Target::parse("name = \"x\"\n[shell]\nresource_uri = \"u\"\ncolour = 1\n").expect_err("unknown field");
        assert!(e.to_string().contains("colour"), "{e}");
    }

    #[test]
    fn empty_uris_and_selector_tables_are_named() {
        let text = "name = \"x\"\n[keyed]\nresource_uri = \" \"\nselectors = {}\nproperty = \"P\"\n[shell]\nresource_uri = \"\"\n";
        let TargetError::Invalid { problems, .. } = Target::parse(text).expect_err("invalid") else { panic!("not Invalid") };
        let all = problems.join("\n");
        for field in ["keyed.resource_uri", "keyed.selectors", "shell.resource_uri"] {
            assert!(all.contains(field), "{field} missing from {all}");
        }
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let e = Target::from_file(Path::new("/nonexistent/harness-target.toml")).expect_err("missing");
        assert!(matches!(e, TargetError::Io { .. }), "{e}");
    }
}
