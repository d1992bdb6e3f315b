//! `Win32_Service`: the host's services, key `Name`, with the methods
//! `StartService`, `StopService` and `ChangeStartMode`.
//!
//! ```text
//! Get    .../Win32_Service  SelectorSet{Name=WinRM}  -> <p:Win32_Service>AcceptPause ... WaitHint</p:Win32_Service>
//! Invoke .../Win32_Service/StopService  SelectorSet{Name=Spooler}
//!        <p:StopService_INPUT/>  -> <p:StopService_OUTPUT><p:ReturnValue>0</p:ReturnValue></p:StopService_OUTPUT>
//! ```
//!
//! Instances carry the 26 properties Windows returns for the class, from
//! `AcceptPause` to `WaitHint` (the encoder sorts them). Method results use
//! the WMI `ReturnValue` codes of the class ([`ReturnValue`]); a method changes
//! `State`, `Started`, `ProcessId`, `AcceptStop`, `ExitCode` or `StartMode`,
//! and every later Get or Enumerate shows the change.
//!
//! A StartService or StopService that changes `State` publishes the Service
//! Control Manager's event 7036 in the System log on the provider's
//! [`EventHub`] ([`events::windows`](crate::events::windows)), while the
//! service's lock is held, so the events come in the order of the changes.
//!
//! Enumerations share one snapshot of every instance, built on the first
//! Enumerate after a change (a method call drops it): an Enumerate does not
//! rebuild the 179 instances, and a context opened before a change keeps the
//! sequence it started with.

use std::sync::{Arc, Mutex, MutexGuard};

use wsman_proto::fault::{Fault, FaultKind};
use wsman_proto::xml::Element;
use wsman_proto::{CallContext, Instance, MethodResult, ResourceProvider, SelectorSet, SharedInstance, Value};

use crate::events::windows::{publish_service_change, ServiceChange, ServiceState as ScmState};
use crate::events::EventHub;

use super::service_catalog::{ServiceSpec, StartMode, CATALOG, NOT_STOPPABLE, PAUSABLE};
use super::{cimv2_uri, selectors};

const CLASS: &str = "Win32_Service";
const KEYS: &[&str] = &["Name"];

/// `ERROR_SERVICE_NEVER_STARTED`, the `ExitCode` of a service not run since boot.
const NEVER_STARTED: u64 = 1077;

/// First process id handed to a service started by `StartService`
/// (boot-time ids are below it); ids step by 4 as on Windows.
const FIRST_STARTED_PID: u32 = 10_000;

/// `ReturnValue` codes of the Win32_Service methods (WMI documentation of the class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ReturnValue {
    /// The request was accepted.
    Success = 0,
    /// The service cannot accept control messages at this time (e.g. stop of a stopped service).
    CannotAcceptControl = 5,
    /// The service has already been started.
    AlreadyRunning = 10,
    /// The service is disabled.
    ServiceDisabled = 14,
    /// A parameter is not valid (e.g. an unknown start mode).
    InvalidParameter = 21,
}

/// One service's live state.
#[derive(Clone, Debug)]
struct ServiceState {
    spec: &'static ServiceSpec,
    mode: StartMode,
    running: bool,
    pid: u32,
    exit_code: u64,
}

#[derive(Debug)]
struct Inner {
    /// Sorted by name, case-insensitively (the enumeration order).
    services: Vec<ServiceState>,
    /// Next process id for a started service that shares no running process.
    next_pid: u32,
    /// Every instance, in enumeration order, as of the last change (`None`
    /// after a method call until the next Enumerate rebuilds it).
    snapshot: Option<Arc<[Instance]>>,
}

/// The `Win32_Service` provider.
#[derive(Debug)]
pub struct Services {
    uri: String,
    machine: String,
    inner: Mutex<Inner>,
    /// Where state changes are published (7036 in the System log).
    events: EventHub,
}

/// A deterministic boot-time process id: FNV-1a of the hosting process name,
/// mapped to a multiple of 4 in 400..10000.
fn boot_pid(host: &str) -> u32 {
    if host.eq_ignore_ascii_case("lsass") {
        return 652;
    }
    let h = host.to_ascii_lowercase().bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    400 + (h % 2400) * 4
}

impl Services {
    /// The services of the host named `machine`, in their boot state; their
    /// state changes go to a hub of their own nobody listens to.
    pub fn new(machine: &str) -> Self {
        Self::with_events(machine, EventHub::default())
    }

    /// Like [`Services::new`], publishing state changes on `events`.
    pub fn with_events(machine: &str, events: EventHub) -> Self {
        let mut services: Vec<ServiceState> = CATALOG
            .iter()
            .map(|spec| ServiceState {
                spec,
                mode: spec.mode,
                running: spec.running,
                pid: if spec.running { boot_pid(if spec.is_shared() { spec.host } else { spec.name }) } else { 0 },
                exit_code: if spec.running || spec.mode == StartMode::Auto { 0 } else { NEVER_STARTED },
            })
            .collect();
        services.sort_by_key(|s| s.spec.name.to_ascii_lowercase());
        Services {
            uri: cimv2_uri(CLASS),
            machine: machine.to_owned(),
            inner: Mutex::new(Inner { services, next_pid: FIRST_STARTED_PID, snapshot: None }),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a service half-updated
        // (every update is a few field stores), so a poisoned lock is usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn to_instance(&self, s: &ServiceState) -> Instance {
        let spec = s.spec;
        let str = Value::str;
        let accept_stop = s.running && !NOT_STOPPABLE.contains(&spec.name);
        let accept_pause = s.running && PAUSABLE.contains(&spec.name);
        Instance::new(self.uri.clone(), CLASS)
            .with_key("Name", spec.name)
            .with("AcceptPause", Value::Bool(accept_pause))
            .with("AcceptStop", Value::Bool(accept_stop))
            .with("Caption", str(spec.display))
            .with("CheckPoint", Value::UInt(0))
            .with("CreationClassName", str(CLASS))
            .with("DelayedAutoStart", Value::Bool(spec.delayed && s.mode == StartMode::Auto))
            .with("Description", Value::Str(format!("{} service of the simulated host.", spec.display)))
            .with("DesktopInteract", Value::Bool(false))
            .with("DisplayName", str(spec.display))
            .with("ErrorControl", str("Normal"))
            .with("ExitCode", Value::UInt(s.exit_code))
            .with("InstallDate", Value::Null)
            .with("Name", str(spec.name))
            .with("PathName", Value::Str(spec.path_name()))
            .with("ProcessId", Value::UInt(s.pid.into()))
            .with("ServiceSpecificExitCode", Value::UInt(0))
            .with("ServiceType", str(spec.service_type()))
            .with("Started", Value::Bool(s.running))
            .with("StartMode", str(s.mode.as_str()))
            .with("StartName", str(spec.start_name()))
            .with("State", str(if s.running { "Running" } else { "Stopped" }))
            .with("Status", str("OK"))
            .with("SystemCreationClassName", str("Win32_ComputerSystem"))
            .with("SystemName", str(&self.machine))
            .with("TagId", Value::UInt(0))
            .with("WaitHint", Value::UInt(0))
    }

    /// Checks the URI; the index of the service a checked selector set addresses.
    /// Every service as an instance, built once between changes (what
    /// `enumerate_shared` and `get_shared` hand out).
    fn snapshot(&self, inner: &mut Inner) -> Arc<[Instance]> {
        if let Some(s) = &inner.snapshot {
            return s.clone();
        }
        let built: Arc<[Instance]> = inner.services.iter().map(|s| self.to_instance(s)).collect();
        inner.snapshot = Some(built.clone());
        built
    }

    fn find(&self, inner: &Inner, uri: &str, set: &SelectorSet) -> Result<usize, Fault> {
        if uri != self.uri {
            return Err(selectors::wrong_uri(uri));
        }
        let name = set.get("Name").unwrap_or_default();
        inner.services.iter().position(|s| s.spec.name.eq_ignore_ascii_case(name)).ok_or_else(|| selectors::not_found(CLASS, set))
    }
}

fn start(inner: &mut Inner, i: usize) -> ReturnValue {
    let s = &inner.services[i];
    if s.running {
        return ReturnValue::AlreadyRunning;
    }
    if s.mode == StartMode::Disabled {
        return ReturnValue::ServiceDisabled;
    }
    // A svchost group already running hosts the service in the same process.
    let shared_pid =
        if s.spec.is_shared() { inner.services.iter().find(|o| o.running && o.spec.host.eq_ignore_ascii_case(s.spec.host)).map(|o| o.pid) } else { None };
    let pid = shared_pid.unwrap_or_else(|| {
        let p = inner.next_pid;
        inner.next_pid = inner.next_pid.wrapping_add(4).max(FIRST_STARTED_PID);
        p
    });
    let s = &mut inner.services[i];
    s.running = true;
    s.pid = pid;
    s.exit_code = 0;
    ReturnValue::Success
}

fn stop(inner: &mut Inner, i: usize) -> ReturnValue {
    let s = &mut inner.services[i];
    if !s.running || NOT_STOPPABLE.contains(&s.spec.name) {
        return ReturnValue::CannotAcceptControl;
    }
    s.running = false;
    s.pid = 0;
    s.exit_code = 0;
    ReturnValue::Success
}

fn change_start_mode(inner: &mut Inner, i: usize, input: &Element) -> ReturnValue {
    let arg = input.elements().find(|e| e.name.eq_ignore_ascii_case("StartMode")).map(|e| e.text().into_owned());
    match arg.as_deref().and_then(StartMode::from_method_arg) {
        Some(mode) => {
            inner.services[i].mode = mode;
            ReturnValue::Success
        }
        None => ReturnValue::InvalidParameter,
    }
}

impl ResourceProvider for Services {
    fn resource_uris(&self) -> Vec<String> {
        vec![self.uri.clone()]
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        KEYS.iter().map(|k| (*k).to_owned()).collect()
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, set: &SelectorSet) -> Result<Instance, Fault> {
        let inner = self.lock();
        let i = self.find(&inner, uri, set)?;
        Ok(self.to_instance(&inner.services[i]))
    }

    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        if uri != self.uri {
            return Err(selectors::wrong_uri(uri));
        }
        let inner = self.lock();
        Ok(inner.services.iter().map(|s| self.to_instance(s)).collect())
    }

    fn enumerate_shared(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Arc<[Instance]>, Fault> {
        if uri != self.uri {
            return Err(selectors::wrong_uri(uri));
        }
        Ok(self.snapshot(&mut self.lock()))
    }

    fn get_shared(&self, _ctx: &CallContext<'_>, uri: &str, set: &SelectorSet) -> Result<Option<SharedInstance>, Fault> {
        let mut inner = self.lock();
        let index = self.find(&inner, uri, set)?;
        Ok(Some(SharedInstance { snapshot: self.snapshot(&mut inner), index }))
    }

    fn methods(&self, _uri: &str) -> Option<Vec<String>> {
        Some(["StartService", "StopService", "ChangeStartMode"].map(String::from).to_vec())
    }

    fn invoke(&self, ctx: &CallContext<'_>, uri: &str, method: &str, set: &SelectorSet, input: &Element) -> Result<MethodResult, Fault> {
        let mut inner = self.lock();
        let i = self.find(&inner, uri, set)?;
        // Any method may change the service: the next Enumerate takes a new snapshot.
        inner.snapshot = None;
        // StartService and StopService take no parameters (DSP0226 §9: an
        // unknown parameter is an invalid request, not ignored).
        let takes: &[&str] = if method.eq_ignore_ascii_case("ChangeStartMode") { &["StartMode"] } else { &[] };
        if let Some(p) = input.elements().find(|p| !takes.iter().any(|t| t.eq_ignore_ascii_case(&p.name))) {
            return Err(
                Fault::new(FaultKind::InvalidParameter, format!("{method} takes no parameter {}", p.name)).with_detail(wsman_proto::FaultDetail::InvalidValue)
            );
        }
        let (rv, entered) = if method.eq_ignore_ascii_case("StartService") {
            (start(&mut inner, i), ScmState::Running)
        } else if method.eq_ignore_ascii_case("StopService") {
            (stop(&mut inner, i), ScmState::Stopped)
        } else if method.eq_ignore_ascii_case("ChangeStartMode") {
            return Ok(MethodResult::return_value(change_start_mode(&mut inner, i, input) as u32));
        } else {
            return Err(Fault::new(FaultKind::ActionNotSupported, format!("{CLASS} has no method {method}")));
        };
        // start and stop succeed only when they change State.
        if rv == ReturnValue::Success {
            let spec = inner.services[i].spec;
            let change = ServiceChange {
                machine: &self.machine,
                name: spec.name,
                display_name: spec.display,
                state: entered,
                time: ctx.now,
                scm_pid: boot_pid("services"),
            };
            publish_service_change(&self.events, change);
        }
        Ok(MethodResult::return_value(rv as u32))
    }
}

#[cfg(test)]
mod tests;
