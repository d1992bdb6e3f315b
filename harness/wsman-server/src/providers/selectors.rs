//! The faults the providers share.
//!
//! # Who checks selector sets
//!
//! The server, once: it checks every request's selector set against the
//! keys the provider declares ([`wsman_proto::ResourceProvider::keys`])
//! before the provider sees it (`ops::check_selectors`, order and details in
//! [`wsman_proto::manual`]). Providers trust the set they get: every key is
//! there, once, and nothing else. What stays here is what only a provider
//! can know: whether the instance exists ([`not_found`]) and whether a value
//! has the key's type (Win32_PingStatus' `Timeout`).
//!
//! # A key that matches no instance
//!
//! DSP0226 §7.2 (`wsman:SelectorSet`) makes `wsman:InvalidSelectors` the fault
//! for a selector set that is wrong *for the class*: a key missing
//! (`InsufficientSelectors`), a name that is not a key (`UnexpectedSelectors`),
//! a name given twice (`DuplicateSelectors`), a value of the wrong type
//! (`TypeMismatch`). A well-formed, complete key set whose values address no
//! existing instance is not such a case: the selectors are valid, the
//! instance is absent. For that, the fault table of DSP0226 §14 offers
//! `wsa:DestinationUnreachable` ("the resource cannot be reached"), and
//! MS-WSMV §4.10 shows the form Windows sends for it: `s:Sender` /
//! `wsa:DestinationUnreachable` with detail `ResourceNotFound` ("the service
//! cannot find the resource identified by the resource URI and selectors"),
//! WSManFault code 2150858752 (`ERROR_WSMAN_RESOURCE_NOT_FOUND`, already mapped
//! by [`Fault::windows_code`]). The providers therefore answer
//! [`not_found`]; an unknown resource URI keeps the other detail,
//! `InvalidResourceURI`, so the two cases stay distinguishable. The BMC's
//! CIM classes (ipmi-sim) answer the same; the decision and its evidence
//! are in [`wsman_proto::manual`].

use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::{ns, Value};

/// The instance addressed by valid selectors does not exist (see the module docs).
pub use wsman_proto::provider::instance_not_found as not_found;

/// A URI this provider does not serve reached it (a routing bug, answered as Windows answers an unknown URI).
pub fn wrong_uri(uri: &str) -> Fault {
    Fault::new(FaultKind::DestinationUnreachable, format!("The resource URI {uri} is not served by this provider."))
        .with_detail(FaultDetail::InvalidResourceURI)
}

/// A Put tries to change a read-only property: `wxf:InvalidRepresentation`
/// with detail `ReadOnly` (shared/PROTOCOL.md §4 item 22).
pub fn read_only(class: &str, property: &str) -> Fault {
    Fault::new(FaultKind::InvalidRepresentation, format!("The property {property} of {class} is read-only.")).with_detail(FaultDetail::ReadOnly)
}

/// A representation naming a property the class does not have, or lacking one it needs.
pub fn bad_representation(reason: String) -> Fault {
    Fault::new(FaultKind::InvalidRepresentation, reason)
}

/// A representation with a value of the wrong type or out of range:
/// `wxf:InvalidRepresentation` with the DSP0226 detail `InvalidValues`.
pub fn invalid_value(class: &str, property: &str, value: &str) -> Fault {
    Fault::new(FaultKind::InvalidRepresentation, format!("The value {value:?} is not valid for {class}.{property}."))
        .with_detail(FaultDetail::Other(format!("{}InvalidValues", ns::WSMAN_FAULT_DETAIL)))
}

/// Text of a value for comparisons of a representation against current state:
/// `None` for null (and arrays, which these classes do not have).
pub fn text_of(v: &Value) -> Option<String> {
    v.to_text()
}

/// Does a value sent in a representation equal the current one? Strings and
/// booleans compare case-insensitively (`True` = `true`), nulls equal nulls.
pub fn same_value(sent: &Value, current: &Value) -> bool {
    match (text_of(sent), text_of(current)) {
        (None, None) => matches!((sent, current), (Value::Null, Value::Null)),
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::SelectorSet;

    fn set(pairs: &[(&str, &str)]) -> SelectorSet {
        pairs.iter().fold(SelectorSet::default(), |s, (n, v)| s.with(n, *v))
    }

    #[test]
    fn not_found_is_destination_unreachable_resource_not_found() {
        let f = not_found("C", &set(&[("Name", "x")]));
        assert_eq!((f.kind, f.detail.clone()), (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)));
        assert_eq!(f.windows_code(), 2150858752);
    }

    #[test]
    fn same_value_rules() {
        assert!(same_value(&Value::str("TRUE"), &Value::Bool(true)));
        assert!(!same_value(&Value::str("false"), &Value::Bool(true)));
        assert!(same_value(&Value::Null, &Value::Null));
        assert!(!same_value(&Value::str(""), &Value::Null));
        assert!(same_value(&Value::str("5"), &Value::UInt(5)));
    }
}
