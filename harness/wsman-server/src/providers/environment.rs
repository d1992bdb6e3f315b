//! `Win32_Environment`: environment variables, keys `Name` + `UserName`;
//! the full WS-Transfer target (Create, Get, Put, Delete) of the simulated host.
//!
//! ```text
//! Create .../Win32_Environment  <p:Win32_Environment><p:Name>X</p:Name>
//!          <p:UserName>&lt;SYSTEM&gt;</p:UserName><p:VariableValue>1</p:VariableValue></p:Win32_Environment>
//!   -> ResourceCreated, SelectorSet{Name=X, UserName=<SYSTEM>}
//! Put    SelectorSet{Name=X, UserName=<SYSTEM>}  <p:Win32_Environment>...VariableValue...</p:Win32_Environment>
//! ```
//!
//! `VariableValue` is the only writable property. A Put may repeat the other
//! properties (clients send back what Get returned) but not change them: a
//! changed `Caption`, `Description`, `Status`, `SystemVariable`,
//! `InstallDate`, `Name` or `UserName` is refused with
//! `wxf:InvalidRepresentation` + `ReadOnly`. Create of an existing variable
//! is `wsman:AlreadyExists`.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use wsman_proto::fault::{Fault, FaultKind};
use wsman_proto::{CallContext, Instance, Property, ResourceProvider, SelectorSet, Value};

use super::{cimv2_uri, selectors};

const CLASS: &str = "Win32_Environment";
const KEYS: &[&str] = &["Name", "UserName"];
/// The `UserName` of system variables.
pub const SYSTEM_USER: &str = "<SYSTEM>";
/// Properties a representation may carry but not change.
const READ_ONLY: &[&str] = &["Caption", "Description", "InstallDate", "Name", "Status", "SystemVariable", "UserName"];
const WRITABLE: &str = "VariableValue";

#[derive(Clone, Debug)]
struct Variable {
    name: String,
    user_name: String,
    value: String,
}

/// The `Win32_Environment` provider.
#[derive(Debug)]
pub struct Environment {
    uri: String,
    /// Keyed by (lowercase UserName, lowercase Name): WMI keys compare case-insensitively.
    vars: Mutex<BTreeMap<(String, String), Variable>>,
}

fn key(user: &str, name: &str) -> (String, String) {
    (user.to_lowercase(), name.to_lowercase())
}

impl Environment {
    /// The variables of a freshly booted host named `machine`.
    pub fn new(machine: &str) -> Self {
        let admin = format!("{machine}\\Administrator");
        let profile = "%USERPROFILE%\\AppData\\Local\\Temp";
        let system: &[(&str, &str)] = &[
            ("ComSpec", "%SystemRoot%\\system32\\cmd.exe"),
            ("DriverData", "C:\\Windows\\System32\\Drivers\\DriverData"),
            ("NUMBER_OF_PROCESSORS", "2"),
            ("OS", "Windows_NT"),
            ("Path", "%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem;%SYSTEMROOT%\\System32\\WindowsPowerShell\\v1.0\\;%SYSTEMROOT%\\System32\\OpenSSH\\"),
            ("PATHEXT", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"),
            ("PROCESSOR_ARCHITECTURE", "AMD64"),
            ("PROCESSOR_IDENTIFIER", "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel"),
            ("PROCESSOR_LEVEL", "6"),
            ("PROCESSOR_REVISION", "5507"),
            ("PSModulePath", "%ProgramFiles%\\WindowsPowerShell\\Modules;%SystemRoot%\\system32\\WindowsPowerShell\\v1.0\\Modules"),
            ("TEMP", "%SystemRoot%\\TEMP"),
            ("TMP", "%SystemRoot%\\TEMP"),
            ("USERNAME", "SYSTEM"),
            ("windir", "%SystemRoot%"),
        ];
        let user: &[(&str, &str)] = &[("Path", "%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;"), ("TEMP", profile), ("TMP", profile)];
        let mut vars = BTreeMap::new();
        let all = system.iter().map(|v| (SYSTEM_USER, v)).chain(user.iter().map(|v| (admin.as_str(), v)));
        for (u, (n, v)) in all {
            vars.insert(key(u, n), Variable { name: (*n).to_owned(), user_name: u.to_owned(), value: (*v).to_owned() });
        }
        Environment { uri: cimv2_uri(CLASS), vars: Mutex::new(vars) }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<(String, String), Variable>> {
        // Updates are single map operations: a poisoned map is still consistent.
        self.vars.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn to_instance(&self, v: &Variable) -> Instance {
        let caption = format!("{}\\{}", v.user_name, v.name);
        Instance::new(self.uri.clone(), CLASS)
            .with_key("Name", v.name.clone())
            .with_key("UserName", v.user_name.clone())
            .with("Caption", Value::Str(caption.clone()))
            .with("Description", Value::Str(caption))
            .with("InstallDate", Value::Null)
            .with("Name", Value::Str(v.name.clone()))
            .with("Status", Value::str("OK"))
            .with("SystemVariable", Value::Bool(v.user_name == SYSTEM_USER))
            .with("UserName", Value::Str(v.user_name.clone()))
            .with("VariableValue", Value::Str(v.value.clone()))
    }

    fn check_uri(&self, uri: &str) -> Result<(), Fault> {
        if uri == self.uri {
            Ok(())
        } else {
            Err(selectors::wrong_uri(uri))
        }
    }

    /// Checks the URI; the map key of the variable a checked selector set addresses.
    fn address(&self, uri: &str, set: &SelectorSet) -> Result<(String, String), Fault> {
        self.check_uri(uri)?;
        Ok(key(set.get("UserName").unwrap_or_default(), set.get("Name").unwrap_or_default()))
    }
}

/// The text of a scalar property of a representation; arrays and nulls are refused.
fn scalar(p: &Property) -> Result<&str, Fault> {
    match &p.value {
        Value::Str(s) => Ok(s),
        other => Err(selectors::invalid_value(CLASS, &p.name, &format!("{other:?}"))),
    }
}

fn is_known(name: &str) -> bool {
    name.eq_ignore_ascii_case(WRITABLE) || READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(name))
}

impl ResourceProvider for Environment {
    fn resource_uris(&self) -> Vec<String> {
        vec![self.uri.clone()]
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        KEYS.iter().map(|k| (*k).to_owned()).collect()
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, set: &SelectorSet) -> Result<Instance, Fault> {
        let k = self.address(uri, set)?;
        let vars = self.lock();
        vars.get(&k).map(|v| self.to_instance(v)).ok_or_else(|| selectors::not_found(CLASS, set))
    }

    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        self.check_uri(uri)?;
        Ok(self.lock().values().map(|v| self.to_instance(v)).collect())
    }

    fn put(&self, _ctx: &CallContext<'_>, uri: &str, set: &SelectorSet, properties: &[Property]) -> Result<Instance, Fault> {
        let k = self.address(uri, set)?;
        let mut vars = self.lock();
        let current = self.to_instance(vars.get(&k).ok_or_else(|| selectors::not_found(CLASS, set))?);
        // Validate everything before changing anything.
        let mut new_value = None;
        for p in properties {
            if p.name.eq_ignore_ascii_case(WRITABLE) {
                new_value = Some(scalar(p)?.to_owned());
            } else if READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(&p.name)) {
                let same = current.get(&p.name).is_some_and(|cur| selectors::same_value(&p.value, cur));
                if !same {
                    return Err(selectors::read_only(CLASS, &p.name));
                }
            } else {
                return Err(selectors::bad_representation(format!("{CLASS} has no property {}", p.name)));
            }
        }
        let var = vars.get_mut(&k).ok_or_else(|| selectors::not_found(CLASS, set))?;
        if let Some(v) = new_value {
            var.value = v;
        }
        Ok(self.to_instance(var))
    }

    fn create(&self, _ctx: &CallContext<'_>, uri: &str, properties: &[Property]) -> Result<Instance, Fault> {
        self.check_uri(uri)?;
        let find = |n: &str| properties.iter().find(|p| p.name.eq_ignore_ascii_case(n));
        if let Some(p) = properties.iter().find(|p| !is_known(&p.name)) {
            return Err(selectors::bad_representation(format!("{CLASS} has no property {}", p.name)));
        }
        let required = |n: &str| -> Result<String, Fault> {
            let p = find(n).ok_or_else(|| selectors::bad_representation(format!("a new {CLASS} needs {n}")))?;
            let s = scalar(p)?;
            if s.is_empty() && n != WRITABLE {
                return Err(selectors::invalid_value(CLASS, n, s));
            }
            Ok(s.to_owned())
        };
        let var = Variable { name: required("Name")?, user_name: required("UserName")?, value: required(WRITABLE)? };
        let mut vars = self.lock();
        let k = key(&var.user_name, &var.name);
        if vars.contains_key(&k) {
            return Err(Fault::new(FaultKind::AlreadyExists, format!("{CLASS} {}\\{} already exists.", var.user_name, var.name)));
        }
        let instance = self.to_instance(&var);
        vars.insert(k, var);
        Ok(instance)
    }

    fn delete(&self, _ctx: &CallContext<'_>, uri: &str, set: &SelectorSet) -> Result<(), Fault> {
        let k = self.address(uri, set)?;
        self.lock().remove(&k).map(|_| ()).ok_or_else(|| selectors::not_found(CLASS, set))
    }
}

#[cfg(test)]
mod tests;
