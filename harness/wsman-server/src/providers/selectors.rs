//! Selector checks and the faults the providers share.
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
//! `InvalidResourceURI`, so the two cases stay distinguishable.

use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::{ns, SelectorSet, Value};

/// Checks `set` against the class keys (DSP0226 §7.2): duplicates first, then
/// names that are not keys, then missing keys. Names compare case-insensitively,
/// as Windows compares them.
pub fn check(set: &SelectorSet, keys: &[&str], class: &str) -> Result<(), Fault> {
    if let Some(d) = set.duplicate() {
        return Err(invalid_selectors(FaultDetail::DuplicateSelectors, format!("the selector {d} is given more than once")));
    }
    if let Some(s) = set.selectors.iter().find(|s| !keys.iter().any(|k| k.eq_ignore_ascii_case(&s.name))) {
        return Err(invalid_selectors(FaultDetail::UnexpectedSelectors, format!("{} is not a key of {class}", s.name)));
    }
    if let Some(k) = keys.iter().find(|k| set.get(k).is_none()) {
        return Err(invalid_selectors(FaultDetail::InsufficientSelectors, format!("{class} needs the key selector {k}")));
    }
    Ok(())
}

/// `wsman:InvalidSelectors` with a detail.
pub fn invalid_selectors(detail: FaultDetail, reason: String) -> Fault {
    Fault::new(FaultKind::InvalidSelectors, format!("The selectors are not valid for the resource: {reason}.")).with_detail(detail)
}

/// The instance addressed by valid selectors does not exist (see the module docs).
pub fn not_found(class: &str, set: &SelectorSet) -> Fault {
    let keys: Vec<String> = set.selectors.iter().map(|s| format!("{}={}", s.name, s.value)).collect();
    Fault::new(FaultKind::DestinationUnreachable, format!("No {class} instance has the selectors {}.", keys.join(", "))).with_detail(FaultDetail::ResourceNotFound)
}

/// A URI this provider does not serve reached it (a routing bug, answered as Windows answers an unknown URI).
pub fn wrong_uri(uri: &str) -> Fault {
    Fault::new(FaultKind::DestinationUnreachable, format!("The resource URI {uri} is not served by this provider.")).with_detail(FaultDetail::InvalidResourceURI)
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

    fn set(pairs: &[(&str, &str)]) -> SelectorSet {
        pairs.iter().fold(SelectorSet::default(), |s, (n, v)| s.with(n, *v))
    }

    #[test]
    fn check_orders_faults() {
        let keys = ["Name", "UserName"];
        assert!(check(&set(&[("name", "a"), ("USERNAME", "b")]), &keys, "C").is_ok());
        let f = check(&set(&[("Name", "a")]), &keys, "C").unwrap_err();
        assert_eq!((f.kind, f.detail), (FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors)));
        let f = check(&set(&[("Name", "a"), ("Bogus", "b")]), &keys, "C").unwrap_err();
        assert_eq!(f.detail, Some(FaultDetail::UnexpectedSelectors));
        let f = check(&set(&[("Name", "a"), ("name", "b")]), &keys, "C").unwrap_err();
        assert_eq!(f.detail, Some(FaultDetail::DuplicateSelectors));
        let f = check(&set(&[("Name", "a")]), &[], "C").unwrap_err();
        assert_eq!(f.detail, Some(FaultDetail::UnexpectedSelectors));
        assert!(check(&SelectorSet::default(), &[], "C").is_ok());
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
