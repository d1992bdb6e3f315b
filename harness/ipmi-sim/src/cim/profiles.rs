//! DSP1033 Profile Registration: the DMTF profiles the BMC advertises, as
//! CIM_RegisteredProfile instances in the interop namespace, and the classes
//! each profile makes mandatory.
//!
//! # Addressing the interop namespace
//!
//! DMTF endpoints (openwsman, DASH controllers) name the CIM namespace with
//! the `__cimnamespace` selector; CIM_RegisteredProfile lives in
//! `root/interop` (`interop` is accepted too, compared case-insensitively).
//! The selector is a key of the class here, so the EPRs the server returns
//! carry it and a Get through them works.
//!
//! A request that names no namespace, or another one, is answered
//! `wsman:InvalidSelectors`: detail `InsufficientSelectors` when the selector
//! is absent, `InvalidValue` when it names a namespace the class is not in.
//! Chosen over `wsa:DestinationUnreachable` because the namespace reaches the
//! service as a selector, and DSP0226 §7.2 makes `InvalidSelectors` the fault
//! for a selector set that is wrong for the class (a missing or invalid
//! value), while `DestinationUnreachable` + `ResourceNotFound` stays the
//! answer for valid selectors that match no instance. It is also what the
//! server's own selector check answers a Get without the selector, so Get
//! and Enumerate agree.

use wsman_proto::{Fault, FaultDetail, FaultKind, Instance, SelectorSet, Value};

/// The selector naming the CIM namespace (DSP0227).
pub const NAMESPACE_SELECTOR: &str = "__cimnamespace";

/// The namespace CIM_RegisteredProfile is served in, as the EPRs name it.
pub const INTEROP_NAMESPACE: &str = "root/interop";

/// The profiles the BMC implements and the classes of each that the harness
/// checks answer Get and Enumerate: (DSP number, RegisteredName, classes).
/// The classes are served under the DMTF resource URIs
/// (`http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/<class>`).
pub const PROFILE_CLASSES: &[(&str, &str, &[&str])] = &[
    ("DSP1004", "Base Server", &["CIM_ComputerSystem"]),
    ("DSP1027", "Power State Management", &["CIM_PowerManagementService", "CIM_PowerManagementCapabilities"]),
    ("DSP1009", "Sensors", &["CIM_Sensor", "CIM_NumericSensor"]),
    ("DSP1010", "Record Log", &["CIM_RecordLog", "CIM_LogRecord"]),
    ("DSP1034", "Simple Identity Management", &["CIM_Account", "CIM_AccountManagementService"]),
    ("DSP1033", "Profile Registration", &["CIM_RegisteredProfile"]),
];

/// The RegisteredVersion advertised for each profile: (DSP number, version).
/// Meant to be published versions of the DMTF DSP documents; only DSP1009's
/// (1.0.0) has been checked against the document's title page, the others
/// are unverified. Discovery reads whatever an endpoint advertises, so a
/// wrong number here changes no check.
pub const PROFILE_VERSIONS: &[(&str, &str)] =
    &[("DSP1004", "1.0.1"), ("DSP1027", "2.0.0"), ("DSP1009", "1.0.0"), ("DSP1010", "2.0.0"), ("DSP1034", "1.0.1"), ("DSP1033", "1.0.0")];

/// RegisteredOrganization value map: DMTF.
const ORGANIZATION_DMTF: u64 = 2;

/// AdvertiseTypes value map: Not Advertised. The simulator runs no SLP
/// service agent, so advertising SLP (3) would be false.
const NOT_ADVERTISED: u64 = 2;

/// The version advertised for `dsp`.
pub fn profile_version(dsp: &str) -> Option<&'static str> {
    PROFILE_VERSIONS.iter().find(|(d, _)| *d == dsp).map(|(_, v)| *v)
}

/// The InstanceID of the registration of `dsp`.
fn instance_id(dsp: &str, version: &str) -> String {
    format!("DMTF:{dsp}:{version}")
}

/// One CIM_RegisteredProfile instance per entry of [`PROFILE_CLASSES`].
pub(super) fn registered_profiles(uri: &str, class: &str) -> Vec<Instance> {
    PROFILE_CLASSES
        .iter()
        .map(|(dsp, name, _)| {
            let version = profile_version(dsp).unwrap_or("1.0.0");
            let id = instance_id(dsp, version);
            Instance::new(uri, class)
                .with_key("InstanceID", id.clone())
                .with_key(NAMESPACE_SELECTOR, INTEROP_NAMESPACE)
                .with("InstanceID", Value::str(id))
                .with("ElementName", Value::str(format!("{name} Profile")))
                .with("RegisteredOrganization", Value::UInt(ORGANIZATION_DMTF))
                .with("OtherRegisteredOrganization", Value::Null)
                .with("RegisteredName", Value::str(*name))
                .with("RegisteredVersion", Value::str(version))
                .with("AdvertiseTypes", Value::Array(vec![Value::UInt(NOT_ADVERTISED)]))
                .with("AdvertiseTypeDescriptions", Value::Null)
        })
        .collect()
}

/// Checks that `selectors` name the interop namespace (see the module docs
/// for the faults).
pub(super) fn check_interop(selectors: &SelectorSet) -> Result<(), Fault> {
    match selectors.get(NAMESPACE_SELECTOR) {
        None => Err(Fault::new(
            FaultKind::InvalidSelectors,
            format!("CIM_RegisteredProfile is served in the {INTEROP_NAMESPACE} namespace: the {NAMESPACE_SELECTOR} selector is missing"),
        )
        .with_detail(FaultDetail::InsufficientSelectors)),
        Some(ns) if is_interop(ns) => Ok(()),
        Some(ns) => {
            Err(Fault::new(FaultKind::InvalidSelectors, format!("CIM_RegisteredProfile is not in the namespace {ns:?}; it is served in {INTEROP_NAMESPACE}"))
                .with_detail(FaultDetail::InvalidValue))
        }
    }
}

/// `root/interop` or `interop`, case-insensitively.
fn is_interop(ns: &str) -> bool {
    let ns = ns.trim();
    ns.eq_ignore_ascii_case(INTEROP_NAMESPACE) || ns.eq_ignore_ascii_case("interop")
}
