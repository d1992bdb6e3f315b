//! The resource-provider trait: what a simulated host (or the IPMI BMC
//! simulator) implements so the reference server can serve its classes.
//!
//! A provider owns a set of resource URIs and answers the WS-Transfer,
//! WS-Enumeration and custom-method operations on them. It speaks in
//! [`Instance`]s and [`Fault`]s; the server does the XML, addressing,
//! enumeration contexts, filtering and limits.

use std::sync::Arc;
use std::time::SystemTime;

use crate::fault::{Fault, FaultDetail, FaultKind};
use crate::instance::{Instance, Property};
use crate::selector::SelectorSet;
use crate::xml::Element;

/// Per-request information a provider may use.
#[derive(Clone, Debug)]
pub struct CallContext<'a> {
    /// The authenticated user name.
    pub user: &'a str,
    /// Wall-clock time of the request, passed in so providers never read the clock.
    pub now: SystemTime,
}

/// One instance of a provider's shared snapshot (see
/// [`ResourceProvider::get_shared`]): the instance is `snapshot[index]`.
#[derive(Clone, Debug)]
pub struct SharedInstance {
    /// The snapshot [`ResourceProvider::enumerate_shared`] hands out now.
    pub snapshot: Arc<[Instance]>,
    /// The instance's position in it.
    pub index: usize,
}

impl SharedInstance {
    /// The instance.
    pub fn instance(&self) -> Option<&Instance> {
        self.snapshot.get(self.index)
    }
}

/// The result of a custom method: the `<Method>_OUTPUT` body's properties.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodResult {
    /// Output parameters; `ReturnValue` is conventionally among them.
    pub properties: Vec<Property>,
}

impl MethodResult {
    /// An output holding only `ReturnValue`.
    pub fn return_value(v: u32) -> Self {
        MethodResult { properties: vec![Property { name: "ReturnValue".into(), value: crate::instance::Value::UInt(v.into()) }] }
    }
}

/// A source of CIM instances under one or more resource URIs.
///
/// Default methods answer `wsa:ActionNotSupported`, so a read-only provider
/// implements only [`get`](Self::get) and [`enumerate`](Self::enumerate).
pub trait ResourceProvider: Send + Sync {
    /// The resource URIs this provider serves (exact match, compared case-sensitively).
    fn resource_uris(&self) -> Vec<String>;

    /// The key selector names of the class at `uri`, used to check selector
    /// sets (insufficient, unexpected). Empty for singletons.
    fn keys(&self, uri: &str) -> Vec<String>;

    /// The custom methods of the class at `uri`, when the provider declares
    /// them: the server then answers `wsa:ActionNotSupported` for any other
    /// method before it looks at selectors. `None` (the default) leaves the
    /// decision to [`invoke`](Self::invoke).
    fn methods(&self, uri: &str) -> Option<Vec<String>> {
        let _ = uri;
        None
    }

    /// WS-Transfer Get of one instance.
    fn get(&self, ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<Instance, Fault>;

    /// WS-Enumeration: every instance of the class (the server filters and pages).
    fn enumerate(&self, ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault>;

    /// The same instances as [`enumerate`](Self::enumerate), as an immutable
    /// snapshot the server keeps for the enumeration's later Pulls. A provider
    /// with many instances may cache it between changes, so an Enumerate
    /// costs what its batch needs rather than a rebuild of every instance.
    /// The default wraps `enumerate`.
    fn enumerate_shared(&self, ctx: &CallContext<'_>, uri: &str) -> Result<Arc<[Instance]>, Fault> {
        self.enumerate(ctx, uri).map(Arc::from)
    }

    /// The instances an Enumerate whose request carries `selectors` in its
    /// `wsman:SelectorSet` header returns, as a snapshot like
    /// [`enumerate_shared`](Self::enumerate_shared). DMTF endpoints address
    /// the CIM namespace of an enumeration that way (the `__cimnamespace`
    /// selector, e.g. `root/interop` for CIM_RegisteredProfile); a provider
    /// that serves a class only in one namespace checks it here. The server
    /// passes the header's set unchecked (empty when absent) and calls only
    /// this method for an Enumerate. The default ignores the selectors, as
    /// Windows does for its WMI classes, and returns `enumerate_shared`.
    fn enumerate_with_selectors(&self, ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<Arc<[Instance]>, Fault> {
        let _ = selectors;
        self.enumerate_shared(ctx, uri)
    }

    /// WS-Transfer Get answered from the snapshot
    /// [`enumerate_shared`](Self::enumerate_shared) would return now, for a
    /// provider that caches one: the same instance [`get`](Self::get)
    /// returns, found in the snapshot, so the server can answer with the
    /// item it already encoded for enumerations instead of building and
    /// serializing the instance again. `Ok(None)` (the default) means the
    /// provider keeps no snapshot and the server calls `get`; faults are the
    /// ones `get` gives.
    fn get_shared(&self, ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<Option<SharedInstance>, Fault> {
        let _ = (ctx, uri, selectors);
        Ok(None)
    }

    /// Time the simulated operation takes before it answers (a real host's
    /// latency, e.g. a ping that waits for its timeout). The server waits this
    /// long, within the request's OperationTimeout. Zero by default.
    fn simulated_latency(&self, uri: &str, selectors: &SelectorSet) -> std::time::Duration {
        let _ = (uri, selectors);
        std::time::Duration::ZERO
    }

    /// WS-Transfer Put: replace the writable properties; returns the new representation.
    fn put(&self, ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet, properties: &[Property]) -> Result<Instance, Fault> {
        let _ = (ctx, selectors, properties);
        Err(not_supported(uri, "Put"))
    }

    /// WS-Transfer Create: returns the new instance (its keys form the EPR).
    fn create(&self, ctx: &CallContext<'_>, uri: &str, properties: &[Property]) -> Result<Instance, Fault> {
        let _ = (ctx, properties);
        Err(not_supported(uri, "Create"))
    }

    /// WS-Transfer Delete.
    fn delete(&self, ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<(), Fault> {
        let _ = (ctx, selectors);
        Err(not_supported(uri, "Delete"))
    }

    /// A custom method (`<uri>/<method>`), with the `<method>_INPUT` element.
    fn invoke(&self, ctx: &CallContext<'_>, uri: &str, method: &str, selectors: &SelectorSet, input: &Element) -> Result<MethodResult, Fault> {
        let _ = (ctx, selectors, input);
        Err(not_supported(uri, method))
    }
}

fn not_supported(uri: &str, op: &str) -> Fault {
    Fault::new(FaultKind::ActionNotSupported, format!("{op} is not supported on {uri}"))
}

/// What a provider answers when a selector set the server has checked
/// (every key, once, nothing else) addresses no instance of `class`:
/// `wsa:DestinationUnreachable` with detail `ResourceNotFound`, as Windows
/// answers for a WMI class. The decision and its evidence are in
/// [`crate::manual`] ("Selectors and missing instances").
pub fn instance_not_found(class: &str, selectors: &SelectorSet) -> Fault {
    let keys: Vec<String> = selectors.selectors.iter().map(|s| format!("{}={}", s.name, s.value)).collect();
    Fault::new(FaultKind::DestinationUnreachable, format!("No {class} instance has the selectors {}.", keys.join(", ")))
        .with_detail(FaultDetail::ResourceNotFound)
}
